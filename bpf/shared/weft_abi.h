/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The kernel ↔ user-space ABI of weft's eBPF programs: every struct that crosses a map or a ring
 * buffer, defined once. Fixed-width fields, explicit padding, and a size assert per struct.
 * native/src/layout_dump.c prints sizeof/offsetof of each field; scripts/gen-layout.ts turns that
 * into src/native/layout.gen.ts, and a test fails when the two drift apart.
 *
 * Addresses are 16 bytes; IPv4 is stored IPv4-mapped (::ffff:a.b.c.d), network byte order.
 * Ports are host byte order. Times are CLOCK_MONOTONIC nanoseconds (bpf_ktime_get_ns).
 */
#ifndef WEFT_ABI_H
#define WEFT_ABI_H

#ifndef __WEFT_TYPES
#include <linux/types.h>
#endif

#define WEFT_DIR_INGRESS 0
#define WEFT_DIR_EGRESS 1

/* flows: one entry per (netns, ifindex, direction, 5-tuple, VLAN); unidirectional. */
struct weft_flow_key {
	__u32 netns;     /* network namespace inode (what /proc/<pid>/ns/net names) */
	__u32 ifindex;   /* in that namespace */
	__u8 direction;  /* WEFT_DIR_* */
	__u8 l4proto;    /* IPPROTO_* */
	__u8 ip_version; /* 4 or 6 */
	__u8 _pad0;
	__u16 vlan;      /* 802.1Q VID of the outermost tag (accelerated or in-band); 0 when none */
	__u16 _pad1;
	__u8 src[16];
	__u8 dst[16];
	__u16 sport;     /* ICMP: type */
	__u16 dport;     /* ICMP: code */
	__u32 _pad2;
};

struct weft_flow_value {
	__u64 packets;   /* wire packets: sum of max(gso_segs, 1) */
	__u64 bytes;     /* IP bytes of those wire packets (headers replicated per GSO segment) */
	__u64 skbs;      /* socket buffers seen by the hook */
	__u64 first_ns;  /* bpf_ktime_get_ns() of the first packet */
	__u64 last_ns;   /* bpf_ktime_get_coarse_ns() of the latest (one tick resolution; may trail first_ns) */
	__u32 tcp_flags; /* OR of the flags seen */
	__u32 _pad;
};

/* rules: the tap (copy packets to the ring) and enforcement (drop or count) use the same match. */
#define WEFT_RULE_ACTION_NONE 0
#define WEFT_RULE_ACTION_TAP 1
#define WEFT_RULE_ACTION_DROP 2
#define WEFT_RULE_ACTION_COUNT 3 /* dry-run: count what would be dropped, pass it on */
#define WEFT_MAX_RULES 64

struct weft_rule {
	__u32 netns;      /* 0 = any */
	__u32 ifindex;    /* 0 = any (needs netns to mean one interface) */
	__u8 directions;  /* bit 0 ingress, bit 1 egress; 0 = both */
	__u8 l4proto;     /* 0 = any */
	__u8 action;      /* WEFT_RULE_ACTION_* ; NONE = empty slot */
	__u8 _pad0;
	__u16 port_lo;    /* matched against either port; 0..0 = any port */
	__u16 port_hi;
	__u32 snaplen;    /* tap: bytes to copy (clamped to WEFT_TAP_MAX_SNAP) */
	__u32 id;         /* user space's rule id, echoed in tap records */
	__u64 expires_ns; /* CLOCK_MONOTONIC deadline; 0 = never. Expired rules do not match. */
	__u32 addr[4];    /* matched against either address, under mask; mask 0 = any address */
	__u32 mask[4];
};

/* settings that change at run time: the single entry of the `settings` array map */
struct weft_settings {
	__u32 tap_rules;        /* rule slots in use in tap_rules (0..WEFT_MAX_RULES) */
	__u32 block_rules;      /* rule slots in use in block_rules */
	__u32 tap_first_packets;/* copy the first N packets (skbs) of every new flow to the ring */
	__u32 tap_first_snaplen;/* … up to this many bytes each */
};

/* ring records: every record starts with this header; `type` says what follows */
#define WEFT_REC_PACKET 1
#define WEFT_REC_TCP_STATE 2
#define WEFT_REC_TCP_RETRANSMIT 3
#define WEFT_REC_DROP 4

#define WEFT_TAP_MAX_SNAP 9216 /* the largest class; see tap_copy in weft.bpf.c */

#define WEFT_TAP_REASON_RULE 1
#define WEFT_TAP_REASON_FIRST 2

struct weft_packet_record {
	__u32 type;        /* WEFT_REC_PACKET */
	__u32 caplen;      /* bytes of data[] that follow */
	__u32 len;         /* skb->len: bytes of the packet (L2 header included on Ethernet devices) */
	__u32 ifindex;
	__u64 ts_ns;
	__u32 netns;
	__u8 direction;
	__u8 reason;       /* WEFT_TAP_REASON_* */
	__u16 gso_segs;    /* wire packets this skb stands for (0 when not GSO) */
	__u32 rule_id;     /* the tap rule that matched (REASON_RULE) */
	__u16 l2_len;      /* bytes before the IP header: 14 on Ethernet, 0 on L3 devices */
	__u16 protocol;    /* skb->protocol, host order (ETH_P_IP, ETH_P_IPV6, …) */
	/* followed by caplen bytes from the start of the frame */
};

/* TCP state changes and retransmissions: the socket's view */
struct weft_sock_record {
	__u32 type;        /* WEFT_REC_TCP_STATE or WEFT_REC_TCP_RETRANSMIT */
	__u32 netns;
	__u64 ts_ns;
	__u64 cookie;      /* socket cookie: stable id of the socket for its lifetime */
	__u64 cgroup_id;   /* cgroup v2 id of the current task (meaningful in process context only) */
	__u32 pid;         /* current task: tgid and tid (meaningful in process context only) */
	__u32 tid;
	__u8 comm[16];
	__u8 saddr[16];    /* the socket's local address and port */
	__u8 daddr[16];    /* the remote */
	__u16 sport;
	__u16 dport;
	__u16 family;      /* AF_INET / AF_INET6 */
	__u8 old_state;    /* TCP_* (for a retransmission: the state at the time) */
	__u8 new_state;
	__u32 in_task;     /* 1 when the event ran in process context (pid/comm are the socket's user) */
	__u32 _pad;
};

/* packets the kernel freed as dropped (skb:kfree_skb), with the kernel's reason */
struct weft_drop_record {
	__u32 type;        /* WEFT_REC_DROP */
	__u32 netns;
	__u64 ts_ns;
	__u64 location;    /* kernel address of the dropping function (resolved through /proc/kallsyms) */
	__u32 reason;      /* enum skb_drop_reason (names read from the kernel's BTF) */
	__u32 ifindex;     /* skb->dev, 0 when none */
	__u16 protocol;    /* skb->protocol, host order */
	__u8 l4proto;
	__u8 ip_version;   /* 0 when the packet was not IP */
	__u16 sport;
	__u16 dport;
	__u8 saddr[16];
	__u8 daddr[16];
};

/* per-CPU counters (the `counters` PERCPU_ARRAY), summed by user space */
#define WEFT_CTR_SKBS 0
#define WEFT_CTR_NOT_IP 1
#define WEFT_CTR_TRUNCATED 2
#define WEFT_CTR_FLOW_MAP_FULL 3
#define WEFT_CTR_TAP_OK 4
#define WEFT_CTR_TAP_RESERVE_FAILED 5
#define WEFT_CTR_EVENT_OK 6
#define WEFT_CTR_EVENT_RESERVE_FAILED 7
#define WEFT_CTR_BLOCK_DROPPED 8
#define WEFT_CTR_BLOCK_COUNTED 9
#define WEFT_CTR_TAP_TRUNCATED 10
#define WEFT_CTR_COUNT 16

_Static_assert(sizeof(struct weft_flow_key) == 56, "weft_flow_key ABI");
_Static_assert(sizeof(struct weft_flow_value) == 48, "weft_flow_value ABI");
_Static_assert(sizeof(struct weft_rule) == 64, "weft_rule ABI");
_Static_assert(sizeof(struct weft_settings) == 16, "weft_settings ABI");
_Static_assert(sizeof(struct weft_packet_record) == 40, "weft_packet_record ABI");
_Static_assert(sizeof(struct weft_sock_record) == 104, "weft_sock_record ABI");
_Static_assert(sizeof(struct weft_drop_record) == 72, "weft_drop_record ABI");

#endif
