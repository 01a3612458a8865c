// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * weft's kernel sensors: one object, loaded once, attached to every interface of every network
 * namespace (tc) and to three kernel tracepoints (tp_btf).
 *
 * tc ingress / egress (weft_tc_ingress, weft_tc_egress → handle_skb):
 *   1. Find the IP header: after the Ethernet header and up to two VLAN tags on devices with an L2
 *      header, at offset 0 on L3 devices (tun, wireguard). Anything else is counted and passed on.
 *   2. Build the flow key: netns inode (every namespace numbers its interfaces from 1), ifindex,
 *      direction, IP version, 5-tuple, VLAN. Walk IPv6 extension headers; IPv4 fragments other than
 *      the first have no ports and are metered on a port-less key.
 *   3. Meter: lookup, then atomic adds; on a miss insert with BPF_NOEXIST (re-lookup if another CPU
 *      won the race). A full map is counted, never silent. first_ns is precise, last_ns coarse
 *      (one tick): the precise clock costs ~30 ns a call on a VM. GSO: a socket buffer can stand for many
 *      wire packets — count gso_segs of them, and add the headers each segment repeats to the bytes.
 *   4. Enforce: the block rules in use are checked in order; the first match drops the packet
 *      (TC_ACT_SHOT) or, in dry-run, only counts it. Expired rules do not match.
 *   5. Tap: a packet matching a tap rule, or one of the first N socket buffers of a new flow, is
 *      copied (up to a snaplen) into the `tap_ring`; a failed reservation is counted per CPU.
 *   6. Return TC_ACT_UNSPEC so the next program or filter on the hook runs too (TC_ACT_OK would end
 *      the chain and hide traffic from CNIs and other tools).
 *
 * tp_btf/inet_sock_set_state, tp_btf/tcp_retransmit_skb: one weft_sock_record each into the
 * `event_ring`, with the socket's netns, addresses and cookie; pid/comm only mean something in
 * process context, which the state transition tells (connect, listen, close — not softirq).
 * tp_btf/kfree_skb: one weft_drop_record per packet the kernel dropped, with its drop reason.
 *
 * Feature switches are `const volatile` globals the loader sets before load (the verifier removes
 * what is switched off); what changes at run time (rule counts, tap-first-N) is in `settings`.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "shared/weft_abi.h"
#include "lib/kernel_types.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile __u8 enable_flows = 1;
const volatile __u8 enable_tap = 1;
const volatile __u8 enable_block = 1;
const volatile __u8 enable_drop_events = 1;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct weft_flow_key);
	__type(value, struct weft_flow_value);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, WEFT_MAX_RULES);
	__type(key, __u32);
	__type(value, struct weft_rule);
} tap_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, WEFT_MAX_RULES);
	__type(key, __u32);
	__type(value, struct weft_rule);
} block_rules SEC(".maps");

/* per-rule hits: packets (skbs) that matched block rule i */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, WEFT_MAX_RULES);
	__type(key, __u32);
	__type(value, __u64);
} block_hits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct weft_settings);
} settings SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, WEFT_CTR_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);
} tap_ring SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} event_ring SEC(".maps");

extern void *bpf_cast_to_kern_ctx(void *) __ksym;

/* Ring records are only written through pointers, so clang would leave their types out of the
 * object's BTF; these anchors keep them there for tools and for the ABI test. */
const struct weft_packet_record *weft_packet_record_btf __attribute__((unused));
const struct weft_sock_record *weft_sock_record_btf __attribute__((unused));
const struct weft_drop_record *weft_drop_record_btf __attribute__((unused));

#define ETH_P_8021Q_ 0x8100
#define ETH_P_8021AD_ 0x88A8
#define IPPROTO_ICMPV6_ 58
#define TCP_SYN_SENT 2
#define TCP_ESTABLISHED 1
#define TCP_FIN_WAIT1 4
#define TCP_CLOSE 7
#define TCP_CLOSE_WAIT 8
#define TCP_LAST_ACK 9
#define TCP_LISTEN 10
#define AF_INET_ 2
#define AF_INET6_ 10

static __always_inline void count(__u32 index)
{
	__u64 *c = bpf_map_lookup_elem(&counters, &index);
	if (c)
		*c += 1;
}

/* What parsing a socket buffer found: the key plus what metering and the tap need. */
struct parsed {
	struct weft_flow_key key;
	__u32 l2_len;
	__u32 l3_len;      /* IP header incl. IPv6 extension headers */
	__u32 l4_len;      /* TCP header incl. options, 8 for UDP, 0 otherwise */
	__u32 tcp_flags;
	__u16 protocol;    /* ethertype of the IP header */
};

/* Header bytes: straight from the linear packet data when they are there (a few loads), through
 * bpf_skb_load_bytes otherwise (paged data, a helper call each). */
static __always_inline int load(struct __sk_buff *skb, __u32 off, void *to, const __u32 len)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	if (off < 4096 && data + off + len <= end) {
		__builtin_memcpy(to, data + off, len);
		return 0;
	}
	return bpf_skb_load_bytes(skb, off, to, len);
}

/* 1. + 2. Returns 0 when the packet is IP and the key is filled. */
static __always_inline int parse(struct __sk_buff *skb, struct parsed *p, __u32 l2_len)
{
	__u16 proto;
	__u32 off = l2_len;

	if (l2_len) {
		if (load(skb, 12, &proto, 2))
			return -1;
		proto = bpf_ntohs(proto);
#pragma unroll
		for (int i = 0; i < 2; i++) {
			if (proto != ETH_P_8021Q_ && proto != ETH_P_8021AD_)
				break;
			__u16 tag[2];
			if (load(skb, off, tag, 4))
				return -1;
			if (p->key.vlan == 0)
				p->key.vlan = bpf_ntohs(tag[0]) & 0x0fff;
			proto = bpf_ntohs(tag[1]);
			off += 4;
		}
	} else {
		proto = bpf_ntohs(skb->protocol);
	}
	p->l2_len = off;
	p->protocol = proto;

	__u8 l4 = 0;
	__u32 l4off = 0;
	int first_fragment = 1;
	if (proto == ETH_P_IP) {
		__u8 ip[20];
		if (load(skb, off, ip, 20))
			return -1;
		__u32 ihl = (ip[0] & 0x0f) * 4;
		if ((ip[0] >> 4) != 4 || ihl < 20)
			return -1;
		p->key.ip_version = 4;
		p->key.src[10] = 0xff;
		p->key.src[11] = 0xff;
		p->key.dst[10] = 0xff;
		p->key.dst[11] = 0xff;
		__builtin_memcpy(&p->key.src[12], &ip[12], 4);
		__builtin_memcpy(&p->key.dst[12], &ip[16], 4);
		l4 = ip[9];
		/* fragment offset ≠ 0: no L4 header in this packet */
		if (((ip[6] & 0x1f) | ip[7]) != 0)
			first_fragment = 0;
		p->l3_len = ihl;
		l4off = off + ihl;
	} else if (proto == ETH_P_IPV6) {
		__u8 ip6[40];
		if (load(skb, off, ip6, 40))
			return -1;
		if ((ip6[0] >> 4) != 6)
			return -1;
		p->key.ip_version = 6;
		__builtin_memcpy(p->key.src, &ip6[8], 16);
		__builtin_memcpy(p->key.dst, &ip6[24], 16);
		l4 = ip6[6];
		l4off = off + 40;
		/* extension headers: hop-by-hop, routing, fragment, destination options (RFC 8200 §4) */
#pragma unroll
		for (int i = 0; i < 4; i++) {
			if (l4 != 0 && l4 != 43 && l4 != 44 && l4 != 60)
				break;
			__u8 ext[4];
			if (load(skb, l4off, ext, 4))
				return -1;
			if (l4 == 44) {
				__u16 frag_off = ((__u16)ext[2] << 8 | ext[3]) & 0xfff8;
				if (frag_off != 0)
					first_fragment = 0;
				l4 = ext[0];
				l4off += 8;
			} else {
				l4 = ext[0];
				l4off += ((__u32)ext[1] + 1) * 8;
			}
		}
		p->l3_len = l4off - off;
	} else {
		return -1;
	}
	p->key.l4proto = l4;
	if (!first_fragment)
		return 0;

	if (l4 == IPPROTO_TCP) {
		__u8 tcp[14];
		if (load(skb, l4off, tcp, 14))
			return 0;
		p->key.sport = (__u16)tcp[0] << 8 | tcp[1];
		p->key.dport = (__u16)tcp[2] << 8 | tcp[3];
		p->l4_len = (tcp[12] >> 4) * 4;
		p->tcp_flags = tcp[13];
	} else if (l4 == IPPROTO_UDP || l4 == IPPROTO_SCTP) {
		__u8 ports[4];
		if (load(skb, l4off, ports, 4))
			return 0;
		p->key.sport = (__u16)ports[0] << 8 | ports[1];
		p->key.dport = (__u16)ports[2] << 8 | ports[3];
		p->l4_len = l4 == IPPROTO_UDP ? 8 : 0;
	} else if (l4 == IPPROTO_ICMP || l4 == IPPROTO_ICMPV6_) {
		__u8 tc[2];
		if (load(skb, l4off, tc, 2))
			return 0;
		p->key.sport = tc[0];
		p->key.dport = tc[1];
	}
	return 0;
}

/* 3. Returns 1 when this packet created the flow's entry. */
static __always_inline int meter(struct __sk_buff *skb, struct parsed *p, __u64 now, __u64 *skbs_before)
{
	__u32 segs = skb->gso_segs;
	__u32 ip_len = skb->len > p->l2_len ? skb->len - p->l2_len : 0;
	if (segs == 0 && skb->gso_size != 0) {
		__u32 hdr = p->l3_len + p->l4_len;
		__u32 payload = ip_len > hdr ? ip_len - hdr : 0;
		segs = (payload + skb->gso_size - 1) / skb->gso_size;
	}
	if (segs == 0)
		segs = 1;
	/* each segment after the first repeats the IP and L4 headers on the wire */
	__u64 bytes = ip_len + (__u64)(segs - 1) * (p->l3_len + p->l4_len);

	struct weft_flow_value *v = bpf_map_lookup_elem(&flows, &p->key);
	if (!v) {
		/* a new flow gets the precise clock: the initiator of a biflow is told by first_ns */
		__u64 precise = bpf_ktime_get_ns();
		struct weft_flow_value fresh = {
			.packets = segs, .bytes = bytes, .skbs = 1,
			.first_ns = precise, .last_ns = precise, .tcp_flags = p->tcp_flags,
		};
		if (bpf_map_update_elem(&flows, &p->key, &fresh, BPF_NOEXIST) == 0) {
			*skbs_before = 0;
			return 1;
		}
		v = bpf_map_lookup_elem(&flows, &p->key);
		if (!v) {
			count(WEFT_CTR_FLOW_MAP_FULL);
			*skbs_before = ~0ULL;
			return 0;
		}
	}
	__sync_fetch_and_add(&v->packets, segs);
	__sync_fetch_and_add(&v->bytes, bytes);
	*skbs_before = __sync_fetch_and_add(&v->skbs, 1);
	v->last_ns = now;
	if ((v->tcp_flags | p->tcp_flags) != v->tcp_flags)
		__sync_fetch_and_or(&v->tcp_flags, p->tcp_flags);
	return 0;
}

static __always_inline int addr_matches(const struct weft_rule *r, const __u8 *a)
{
	const __u32 *w = (const __u32 *)a;
	return ((w[0] & r->mask[0]) == r->addr[0]) && ((w[1] & r->mask[1]) == r->addr[1]) &&
	       ((w[2] & r->mask[2]) == r->addr[2]) && ((w[3] & r->mask[3]) == r->addr[3]);
}

static __always_inline int rule_matches(const struct weft_rule *r, const struct weft_flow_key *key, __u64 now)
{
	if (r->action == WEFT_RULE_ACTION_NONE)
		return 0;
	if (r->expires_ns && now >= r->expires_ns)
		return 0;
	if (r->netns && r->netns != key->netns)
		return 0;
	if (r->ifindex && r->ifindex != key->ifindex)
		return 0;
	if (r->directions && !(r->directions & (1 << key->direction)))
		return 0;
	if (r->l4proto && r->l4proto != key->l4proto)
		return 0;
	if (r->port_hi) {
		int s = key->sport >= r->port_lo && key->sport <= r->port_hi;
		int d = key->dport >= r->port_lo && key->dport <= r->port_hi;
		if (!s && !d)
			return 0;
	}
	if (r->mask[0] | r->mask[1] | r->mask[2] | r->mask[3]) {
		if (!addr_matches(r, key->src) && !addr_matches(r, key->dst))
			return 0;
	}
	return 1;
}

/* The rule arrays are scanned with bpf_loop: the verifier checks the callback once instead of
 * walking 64 unrolled iterations (which made loading take seconds). */
struct rule_scan {
	struct weft_flow_key key;
	__u64 now;
	void *rules;
	__u32 found;
	__u32 slot;
};

static long scan_rules(__u32 index, void *ctx)
{
	struct rule_scan *scan = ctx;
	__u32 slot = index;
	struct weft_rule *r = bpf_map_lookup_elem(scan->rules, &slot);
	if (!r || !rule_matches(r, &scan->key, scan->now))
		return 0;
	scan->found = 1;
	scan->slot = slot;
	return 1;
}

/* 4. Returns TC_ACT_SHOT when a drop rule matches. */
static __always_inline int enforce(const struct parsed *p, __u32 in_use, __u64 now)
{
	struct rule_scan scan = { .key = p->key, .now = now, .rules = &block_rules };
	if (in_use > WEFT_MAX_RULES)
		in_use = WEFT_MAX_RULES;
	bpf_loop(in_use, scan_rules, &scan, 0);
	if (!scan.found)
		return TC_ACT_UNSPEC;
	__u32 slot = scan.slot;
	struct weft_rule *r = bpf_map_lookup_elem(&block_rules, &slot);
	if (!r)
		return TC_ACT_UNSPEC;
	__u64 *hits = bpf_map_lookup_elem(&block_hits, &slot);
	if (hits)
		*hits += 1;
	if (r->action == WEFT_RULE_ACTION_DROP) {
		count(WEFT_CTR_BLOCK_DROPPED);
		return TC_ACT_SHOT;
	}
	count(WEFT_CTR_BLOCK_COUNTED);
	return TC_ACT_UNSPEC;
}

/* 5. The ring needs constant reservation sizes: three size classes. */
#define TAP_CLASS(size)                                                                            \
	if (cap <= (size)) {                                                                       \
		rec = bpf_ringbuf_reserve(&tap_ring, sizeof(struct weft_packet_record) + (size), 0); \
		if (!rec)                                                                          \
			goto fail;                                                                 \
		if (cap > 0 && cap <= (size))                                                      \
			bpf_skb_load_bytes(skb, 0, (void *)(rec + 1), cap);                        \
		goto fill;                                                                         \
	}

static __always_inline void tap_copy(struct __sk_buff *skb, const struct parsed *p, __u32 snaplen,
				     __u8 reason, __u32 rule_id, __u64 now)
{
	struct weft_packet_record *rec;
	__u32 cap = skb->len < snaplen ? skb->len : snaplen;
	if (cap > WEFT_TAP_MAX_SNAP) {
		cap = WEFT_TAP_MAX_SNAP;
		count(WEFT_CTR_TAP_TRUNCATED);
	}
	TAP_CLASS(256)
	TAP_CLASS(2048)
	TAP_CLASS(WEFT_TAP_MAX_SNAP)
	return;
fill:
	rec->type = WEFT_REC_PACKET;
	rec->caplen = cap;
	rec->len = skb->len;
	rec->ifindex = p->key.ifindex;
	rec->ts_ns = bpf_ktime_get_ns(); /* tapped packets feed latencies (DNS, HTTP): the precise clock */
	rec->netns = p->key.netns;
	rec->direction = p->key.direction;
	rec->reason = reason;
	rec->gso_segs = skb->gso_segs;
	rec->rule_id = rule_id;
	rec->l2_len = p->l2_len;
	rec->protocol = p->protocol;
	bpf_ringbuf_submit(rec, 0);
	count(WEFT_CTR_TAP_OK);
	return;
fail:
	count(WEFT_CTR_TAP_RESERVE_FAILED);
}

static __always_inline void tap(struct __sk_buff *skb, const struct parsed *p, const struct weft_settings *s,
				int fresh, __u64 skbs_before, __u64 now)
{
	__u32 in_use = s->tap_rules;
	if (in_use) {
		struct rule_scan scan = { .key = p->key, .now = now, .rules = &tap_rules };
		if (in_use > WEFT_MAX_RULES)
			in_use = WEFT_MAX_RULES;
		bpf_loop(in_use, scan_rules, &scan, 0);
		if (scan.found) {
			__u32 slot = scan.slot;
			struct weft_rule *r = bpf_map_lookup_elem(&tap_rules, &slot);
			if (r) {
				tap_copy(skb, p, r->snaplen, WEFT_TAP_REASON_RULE, r->id, now);
				return;
			}
		}
	}
	if (s->tap_first_packets && (fresh || skbs_before < s->tap_first_packets))
		tap_copy(skb, p, s->tap_first_snaplen, WEFT_TAP_REASON_FIRST, 0, now);
}

static __always_inline int handle_skb(struct __sk_buff *skb, __u8 direction)
{
	struct parsed p = {};
	__u32 zero = 0;
	count(WEFT_CTR_SKBS);

	struct sk_buff *kskb = bpf_cast_to_kern_ctx(skb);
	struct net_device *dev = kskb->dev;
	if (!dev)
		return TC_ACT_UNSPEC;
	p.key.netns = dev->nd_net.net->ns.inum;
	p.key.ifindex = skb->ifindex;
	p.key.direction = direction;
	p.key.vlan = skb->vlan_present ? (skb->vlan_tci & 0x0fff) : 0;

	/* Devices with a link-layer header (Ethernet, loopback) hand tc the frame from its MAC header;
	 * L3 devices (tun, wireguard, ipip) from the IP header, with the MAC header reset onto it. */
	__u16 mac = kskb->mac_header, nh = kskb->network_header;
	__u32 l2_len = mac != (__u16)~0U && nh > mac ? 14 : 0;
	if (parse(skb, &p, l2_len)) {
		count(WEFT_CTR_NOT_IP);
		return TC_ACT_UNSPEC;
	}

	/* The coarse clock (one tick, ≤ 4 ms) for last-seen times and rule expiry: on a VM the
	 * precise clock is a third of the program's cost. New flows and tapped packets read it. */
	__u64 now = bpf_ktime_get_coarse_ns();
	__u64 skbs_before = ~0ULL;
	int fresh = 0;
	if (enable_flows)
		fresh = meter(skb, &p, now, &skbs_before);

	struct weft_settings *s = bpf_map_lookup_elem(&settings, &zero);
	if (!s)
		return TC_ACT_UNSPEC;
	int verdict = TC_ACT_UNSPEC;
	if (enable_block && s->block_rules)
		verdict = enforce(&p, s->block_rules, now);
	if (enable_tap)
		tap(skb, &p, s, fresh, skbs_before, now);
	return verdict;
}

SEC("tc")
int weft_tc_ingress(struct __sk_buff *skb)
{
	return handle_skb(skb, WEFT_DIR_INGRESS);
}

SEC("tc")
int weft_tc_egress(struct __sk_buff *skb)
{
	return handle_skb(skb, WEFT_DIR_EGRESS);
}

/* ── kernel events ─────────────────────────────────────────────────────────────────────────── */

/* Transitions that only happen inside a system call of the socket's user: pid/comm are theirs. */
static __always_inline __u32 transition_in_task(int old_state, int new_state)
{
	return new_state == TCP_SYN_SENT || new_state == TCP_LISTEN ||
	       (old_state == TCP_ESTABLISHED && new_state == TCP_FIN_WAIT1) ||
	       (old_state == TCP_CLOSE_WAIT && new_state == TCP_LAST_ACK) ||
	       (old_state == TCP_LISTEN && new_state == TCP_CLOSE) ||
	       (old_state == TCP_SYN_SENT && new_state == TCP_CLOSE);
}

static __always_inline int sock_event(const struct sock *sk, __u32 type, int old_state, int new_state)
{
	if (sk->sk_protocol != IPPROTO_TCP)
		return 0;
	struct weft_sock_record *rec = bpf_ringbuf_reserve(&event_ring, sizeof(*rec), 0);
	if (!rec) {
		count(WEFT_CTR_EVENT_RESERVE_FAILED);
		return 0;
	}
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	rec->type = type;
	rec->netns = sk->__sk_common.skc_net.net->ns.inum;
	rec->ts_ns = bpf_ktime_get_ns();
	rec->cookie = bpf_get_socket_cookie((void *)sk);
	rec->cgroup_id = bpf_get_current_cgroup_id();
	rec->pid = pid_tgid >> 32;
	rec->tid = (__u32)pid_tgid;
	bpf_get_current_comm(rec->comm, sizeof(rec->comm));
	__u16 family = sk->__sk_common.skc_family;
	rec->family = family;
	__builtin_memset(rec->saddr, 0, 32);
	if (family == AF_INET6_) {
		bpf_probe_read_kernel(rec->saddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_probe_read_kernel(rec->daddr, 16, &sk->__sk_common.skc_v6_daddr);
	} else {
		__be32 s = sk->__sk_common.skc_rcv_saddr, d = sk->__sk_common.skc_daddr;
		rec->saddr[10] = rec->saddr[11] = 0xff;
		rec->daddr[10] = rec->daddr[11] = 0xff;
		__builtin_memcpy(&rec->saddr[12], &s, 4);
		__builtin_memcpy(&rec->daddr[12], &d, 4);
	}
	rec->sport = sk->__sk_common.skc_num;
	rec->dport = bpf_ntohs(sk->__sk_common.skc_dport);
	rec->old_state = old_state;
	rec->new_state = new_state;
	rec->in_task = type == WEFT_REC_TCP_STATE ? transition_in_task(old_state, new_state) : 0;
	rec->_pad = 0;
	bpf_ringbuf_submit(rec, 0);
	count(WEFT_CTR_EVENT_OK);
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(weft_tcp_state, const struct sock *sk, int old_state, int new_state)
{
	return sock_event(sk, WEFT_REC_TCP_STATE, old_state, new_state);
}

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(weft_tcp_retransmit, const struct sock *sk, const struct sk_buff *skb)
{
	int state = sk->__sk_common.skc_state;
	return sock_event(sk, WEFT_REC_TCP_RETRANSMIT, state, state);
}

SEC("tp_btf/kfree_skb")
int BPF_PROG(weft_kfree_skb, struct sk_buff *skb, void *location, int reason)
{
	if (!enable_drop_events)
		return 0;
	struct net_device *dev = skb->dev;
	struct sock *sk = skb->sk;
	__u32 netns = 0;
	if (dev)
		netns = dev->nd_net.net->ns.inum;
	else if (sk)
		netns = sk->__sk_common.skc_net.net->ns.inum;

	struct weft_drop_record *rec = bpf_ringbuf_reserve(&event_ring, sizeof(*rec), 0);
	if (!rec) {
		count(WEFT_CTR_EVENT_RESERVE_FAILED);
		return 0;
	}
	__builtin_memset(rec, 0, sizeof(*rec));
	rec->type = WEFT_REC_DROP;
	rec->netns = netns;
	rec->ts_ns = bpf_ktime_get_ns();
	rec->location = (__u64)location;
	rec->reason = reason;
	rec->ifindex = dev ? dev->ifindex : 0;
	__u16 protocol = bpf_ntohs(skb->protocol);
	rec->protocol = protocol;

	unsigned char *head = skb->head;
	__u16 nh = skb->network_header, th = skb->transport_header;
	__u8 ip[40];
	if (nh != (__u16)~0U && bpf_probe_read_kernel(ip, sizeof(ip), head + nh) == 0) {
		__u8 l4 = 0;
		__u32 l4off = 0;
		if (protocol == ETH_P_IP && (ip[0] >> 4) == 4) {
			rec->ip_version = 4;
			rec->saddr[10] = rec->saddr[11] = rec->daddr[10] = rec->daddr[11] = 0xff;
			__builtin_memcpy(&rec->saddr[12], &ip[12], 4);
			__builtin_memcpy(&rec->daddr[12], &ip[16], 4);
			l4 = ip[9];
			l4off = nh + (ip[0] & 0x0f) * 4;
		} else if (protocol == ETH_P_IPV6 && (ip[0] >> 4) == 6) {
			rec->ip_version = 6;
			__builtin_memcpy(rec->saddr, &ip[8], 16);
			__builtin_memcpy(rec->daddr, &ip[24], 16);
			l4 = ip[6];
			l4off = nh + 40;
		}
		rec->l4proto = l4;
		/* the transport header, when the stack got that far; else right after a plain IP header */
		if (th != (__u16)~0U && th > nh)
			l4off = th;
		__u8 ports[4];
		if ((l4 == IPPROTO_TCP || l4 == IPPROTO_UDP) && l4off &&
		    bpf_probe_read_kernel(ports, 4, head + l4off) == 0) {
			rec->sport = (__u16)ports[0] << 8 | ports[1];
			rec->dport = (__u16)ports[2] << 8 | ports[3];
		}
	}
	bpf_ringbuf_submit(rec, 0);
	count(WEFT_CTR_EVENT_OK);
	return 0;
}
