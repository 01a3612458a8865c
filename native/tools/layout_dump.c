// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Prints the layout of the kernel↔user structs of bpf/shared/weft_abi.h as JSON, as the C compiler
 * sees it: sizes, field offsets and sizes, and the #define constants. scripts/gen-layout.ts turns
 * this into src/model/kernel-abi.gen.ts; a test regenerates it and fails when they differ.
 */
#include <stddef.h>
#include <stdio.h>
#include "../../bpf/shared/weft_abi.h"

static int first_field;
#define STRUCT(s) printf("%s\n  \"%s\": { \"size\": %zu, \"fields\": {", first_struct ? "" : ",", #s, sizeof(struct s)), first_struct = 0, first_field = 1
#define FIELD(s, f) printf("%s\n    \"%s\": [%zu, %zu]", first_field ? "" : ",", #f, offsetof(struct s, f), sizeof(((struct s *)0)->f)), first_field = 0
#define END() printf(" } }")
#define CONST(c) printf(",\n  \"%s\": %lld", #c, (long long)(c))

int main(void)
{
	int first_struct = 1;
	printf("{\"structs\": {");
	STRUCT(weft_flow_key);
	FIELD(weft_flow_key, netns); FIELD(weft_flow_key, ifindex); FIELD(weft_flow_key, direction);
	FIELD(weft_flow_key, l4proto); FIELD(weft_flow_key, ip_version); FIELD(weft_flow_key, vlan);
	FIELD(weft_flow_key, src); FIELD(weft_flow_key, dst); FIELD(weft_flow_key, sport); FIELD(weft_flow_key, dport);
	END();
	STRUCT(weft_flow_value);
	FIELD(weft_flow_value, packets); FIELD(weft_flow_value, bytes); FIELD(weft_flow_value, skbs);
	FIELD(weft_flow_value, first_ns); FIELD(weft_flow_value, last_ns); FIELD(weft_flow_value, tcp_flags);
	END();
	STRUCT(weft_rule);
	FIELD(weft_rule, netns); FIELD(weft_rule, ifindex); FIELD(weft_rule, directions); FIELD(weft_rule, l4proto);
	FIELD(weft_rule, action); FIELD(weft_rule, port_lo); FIELD(weft_rule, port_hi); FIELD(weft_rule, snaplen);
	FIELD(weft_rule, id); FIELD(weft_rule, expires_ns); FIELD(weft_rule, addr); FIELD(weft_rule, mask);
	END();
	STRUCT(weft_settings);
	FIELD(weft_settings, tap_rules); FIELD(weft_settings, block_rules); FIELD(weft_settings, tap_first_packets);
	FIELD(weft_settings, tap_first_snaplen);
	END();
	STRUCT(weft_packet_record);
	FIELD(weft_packet_record, type); FIELD(weft_packet_record, caplen); FIELD(weft_packet_record, len);
	FIELD(weft_packet_record, ifindex); FIELD(weft_packet_record, ts_ns); FIELD(weft_packet_record, netns);
	FIELD(weft_packet_record, direction); FIELD(weft_packet_record, reason); FIELD(weft_packet_record, gso_segs);
	FIELD(weft_packet_record, rule_id); FIELD(weft_packet_record, l2_len); FIELD(weft_packet_record, protocol);
	END();
	STRUCT(weft_sock_record);
	FIELD(weft_sock_record, type); FIELD(weft_sock_record, netns); FIELD(weft_sock_record, ts_ns);
	FIELD(weft_sock_record, cookie); FIELD(weft_sock_record, cgroup_id); FIELD(weft_sock_record, pid);
	FIELD(weft_sock_record, tid); FIELD(weft_sock_record, comm); FIELD(weft_sock_record, saddr);
	FIELD(weft_sock_record, daddr); FIELD(weft_sock_record, sport); FIELD(weft_sock_record, dport);
	FIELD(weft_sock_record, family); FIELD(weft_sock_record, old_state); FIELD(weft_sock_record, new_state);
	FIELD(weft_sock_record, in_task);
	END();
	STRUCT(weft_drop_record);
	FIELD(weft_drop_record, type); FIELD(weft_drop_record, netns); FIELD(weft_drop_record, ts_ns);
	FIELD(weft_drop_record, location); FIELD(weft_drop_record, reason); FIELD(weft_drop_record, ifindex);
	FIELD(weft_drop_record, protocol); FIELD(weft_drop_record, l4proto); FIELD(weft_drop_record, ip_version);
	FIELD(weft_drop_record, sport); FIELD(weft_drop_record, dport); FIELD(weft_drop_record, saddr);
	FIELD(weft_drop_record, daddr);
	END();
	printf("\n}, \"constants\": {\n  \"WEFT_DIR_INGRESS\": %d", WEFT_DIR_INGRESS);
	CONST(WEFT_DIR_EGRESS);
	CONST(WEFT_RULE_ACTION_NONE); CONST(WEFT_RULE_ACTION_TAP); CONST(WEFT_RULE_ACTION_DROP); CONST(WEFT_RULE_ACTION_COUNT);
	CONST(WEFT_MAX_RULES); CONST(WEFT_TAP_MAX_SNAP); CONST(WEFT_TAP_REASON_RULE); CONST(WEFT_TAP_REASON_FIRST);
	CONST(WEFT_REC_PACKET); CONST(WEFT_REC_TCP_STATE); CONST(WEFT_REC_TCP_RETRANSMIT); CONST(WEFT_REC_DROP);
	CONST(WEFT_CTR_SKBS); CONST(WEFT_CTR_NOT_IP); CONST(WEFT_CTR_TRUNCATED); CONST(WEFT_CTR_FLOW_MAP_FULL);
	CONST(WEFT_CTR_TAP_OK); CONST(WEFT_CTR_TAP_RESERVE_FAILED); CONST(WEFT_CTR_EVENT_OK);
	CONST(WEFT_CTR_EVENT_RESERVE_FAILED); CONST(WEFT_CTR_BLOCK_DROPPED); CONST(WEFT_CTR_BLOCK_COUNTED);
	CONST(WEFT_CTR_TAP_TRUNCATED); CONST(WEFT_CTR_COUNT);
	printf("\n}}\n");
	return 0;
}
