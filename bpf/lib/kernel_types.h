/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The few kernel structures weft's programs read, declared with only the fields we touch.
 * `preserve_access_index` makes clang emit CO-RE relocations: libbpf finds each field by name in
 * the running kernel's BTF (/sys/kernel/btf/vmlinux) at load time, so no vmlinux.h is needed and
 * the object runs on kernels whose layouts differ.
 */
#ifndef WEFT_KERNEL_TYPES_H
#define WEFT_KERNEL_TYPES_H

struct ns_common {
	unsigned int inum;
} __attribute__((preserve_access_index));

struct net {
	struct ns_common ns;
} __attribute__((preserve_access_index));

typedef struct {
	struct net *net;
} possible_net_t;

struct net_device {
	possible_net_t nd_net;
	int ifindex;
} __attribute__((preserve_access_index));

struct in6_addr {
	__u8 in6_u[16];
} __attribute__((preserve_access_index));

/* Anonymous unions of the kernel's struct are flattened: libbpf matches members by name. */
struct sock_common {
	__be32 skc_daddr;
	__be32 skc_rcv_saddr;
	__be16 skc_dport;
	__u16 skc_num;
	unsigned short skc_family;
	volatile unsigned char skc_state;
	possible_net_t skc_net;
	struct in6_addr skc_v6_daddr;
	struct in6_addr skc_v6_rcv_saddr;
} __attribute__((preserve_access_index));

struct sock {
	struct sock_common __sk_common;
	__u16 sk_protocol;
} __attribute__((preserve_access_index));

struct sk_buff {
	struct net_device *dev;
	struct sock *sk;
	unsigned char *head;
	__u16 transport_header;
	__u16 network_header;
	__u16 mac_header;
	__be16 protocol;
} __attribute__((preserve_access_index));

#endif
