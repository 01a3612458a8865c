#!/usr/bin/env bash
# Builds the native bridge (native/ → native/build/Release/weft_native.node) with node-gyp, only
# when a source under native/ is newer than the .node. Without the libbpf/libpcap headers (or the
# C toolchain node-gyp drives) it says so in one line and builds nothing: replay and everything
# else run without the bridge.
set -euo pipefail
cd "$(dirname "$0")/.."
out=native/build/Release/weft_native.node
for h in /usr/include/bpf/libbpf.h /usr/include/pcap/pcap.h; do
  if [[ ! -f $h ]]; then
    echo "build-native: $h not found (apt-get install libbpf-dev libpcap-dev); the native bridge is not built" >&2
    exit 0
  fi
done
for tool in cc make python3; do
  if ! command -v "$tool" >/dev/null; then
    echo "build-native: $tool not found (apt-get install build-essential python3); the native bridge is not built" >&2
    exit 0
  fi
done
if [[ -f $out ]] && [[ -z $(find native/binding.gyp native/src -newer "$out" -print -quit) ]]; then
  exit 0
fi
# --nodedir=/usr: Debian's Node headers are in /usr/include/node; without it node-gyp downloads them.
# Compiler diagnostics go to stderr; make's progress lines are dropped.
node node_modules/node-gyp/bin/node-gyp.js rebuild --nodedir=/usr --directory=native --loglevel=warn >/dev/null
echo "build-native: $out"
