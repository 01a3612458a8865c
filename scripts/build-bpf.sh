#!/usr/bin/env bash
# Compiles the eBPF programs (bpf/*.bpf.c, and the kernel tests' fixtures test/kernel/fixtures/*.bpf.c)
# into dist/bpf/<name>.bpf.o with clang, from the Debian UAPI headers and hand-written CO-RE structs
# (no vmlinux.h). Only what changed is rebuilt. Without clang it says so and builds nothing: replay
# and the libpcap fallback do not need the objects.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v clang >/dev/null; then
  echo "build-bpf: clang not found; the eBPF objects are not built (weft agent will fall back to libpcap)" >&2
  exit 0
fi
multiarch=$(gcc -print-multiarch 2>/dev/null || echo "$(uname -m)-linux-gnu")
arch=$(uname -m); case "$arch" in x86_64) target=x86 ;; aarch64) target=arm64 ;; *) target=$arch ;; esac
mkdir -p dist/bpf
shopt -s nullglob
for src in bpf/*.bpf.c test/kernel/fixtures/*.bpf.c; do
  out="dist/bpf/$(basename "${src%.c}").o"
  deps=("$src" bpf/shared/*.h bpf/lib/*.h)
  stale=0
  [[ -f $out ]] || stale=1
  for d in "${deps[@]}"; do [[ $d -nt $out ]] && stale=1; done
  ((stale)) || continue
  clang -g -O2 -target bpf -mcpu=v3 "-D__TARGET_ARCH_$target" -I"/usr/include/$multiarch" -Ibpf \
    -Wall -Wno-unused-function -c "$src" -o "$out.tmp"
  # Keep .BTF/.BTF.ext (CO-RE needs them); the DWARF only makes the object big.
  llvm-strip -g "$out.tmp" 2>/dev/null || true
  mv "$out.tmp" "$out"
  echo "build-bpf: $out"
done
