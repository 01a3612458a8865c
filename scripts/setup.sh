#!/usr/bin/env bash
# Installs what weft needs and is missing: Debian packages (when root and apt-get exists), then the
# npm dependencies (npm ci when node_modules is older than package-lock.json). Idempotent and quiet
# when everything is there already.
set -euo pipefail
cd "$(dirname "$0")/.."

# libndpi-bin: nDPI's ndpiReader, a peer of `make bench` (bench/run.ts, tool "ndpi").
# ethtool, iperf3: test/support/netns.ts toggles GSO/TSO/GRO on test veths; iperf3 is a traffic peer for netns tests.
# make, g++, python3: node-gyp builds the native bridge (native/) with them.
DEB_PACKAGES=(clang llvm libbpf-dev libpcap-dev bpftool nats-server tshark nfdump softflowd pmacct libndpi-bin iproute2 gzip ethtool iperf3
  make g++ python3)

missing=()
for p in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "setup: installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # tshark asks whether non-root users may capture; answer no without a prompt.
    echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections 2>/dev/null || true
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: missing Debian packages (${missing[*]}); not root or no apt-get, continuing without them" >&2
    echo "setup: tests and benchmarks that need them will say so and skip" >&2
  fi
fi

if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
