# weft's native bridge (see native/src/weft_native.h for the file map). Built by
# scripts/build-native.sh: node-gyp rebuild --nodedir=/usr (the Node headers are in /usr/include/node).
{
  "targets": [
    {
      "target_name": "weft_native",
      "sources": [
        "src/addon.c",
        "src/attach.c",
        "src/errors.c",
        "src/filter.c",
        "src/napi_util.c",
        "src/netns.c",
        "src/object.c",
        "src/pcap.c",
        "src/pump.c",
        "src/ring.c"
      ],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-missing-field-initializers", "-std=gnu11", "-fvisibility=hidden"],
      "defines": ["NAPI_VERSION=8"],
      # libbpf dynamically: Debian's libbpf.a is not PIC
      "libraries": ["-lbpf", "-lpcap", "-lpthread"]
    }
  ]
}
