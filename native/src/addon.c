/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The export table of weft_native.node. src/native/bridge.ts declares each function (the
 * `Bridge` interface) with its contract; this file only wires names to C and holds the
 * three one-liners that need no other home.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <time.h>

#include <bpf/libbpf.h>

#include "weft_native.h"

static napi_value js_libbpf_version(napi_env env, napi_callback_info info)
{
	char v[32];

	(void)info;
	snprintf(v, sizeof(v), "%u.%u", libbpf_major_version(), libbpf_minor_version());
	return make_string(env, v);
}

static napi_value js_num_possible_cpus(napi_env env, napi_callback_info info)
{
	int n = libbpf_num_possible_cpus();

	(void)info;
	if (n < 0)
		return throw_errno(env, n, "libbpf_num_possible_cpus", NULL);
	return make_u32(env, (uint32_t)n);
}

/* Read back to back, so bpf_ktime_get_ns() (CLOCK_MONOTONIC) converts to wall time. */
static napi_value js_clocks(napi_env env, napi_callback_info info)
{
	struct timespec rt, mono;
	napi_value out, a, b;

	(void)info;
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	NAPI_TRY(env, napi_create_object(env, &out));
	NAPI_TRY(env, napi_create_bigint_uint64(env, (uint64_t)rt.tv_sec * 1000000000ull + (uint64_t)rt.tv_nsec, &a));
	NAPI_TRY(env, napi_create_bigint_uint64(env, (uint64_t)mono.tv_sec * 1000000000ull + (uint64_t)mono.tv_nsec, &b));
	set_prop(env, out, "realtimeNs", a);
	set_prop(env, out, "monotonicNs", b);
	return out;
}

/* filter.c: tcpdump-syntax filters run by libpcap in user space */
napi_value js_compile_filter(napi_env env, napi_callback_info info);
napi_value js_filter_match(napi_env env, napi_callback_info info);
napi_value js_free_filter(napi_env env, napi_callback_info info);

NAPI_MODULE_INIT()
{
	static const napi_property_descriptor fns[] = {
#define FN(name, fn) { name, NULL, fn, NULL, NULL, NULL, napi_enumerable, NULL }
		FN("libbpfVersion", js_libbpf_version),
		FN("numPossibleCpus", js_num_possible_cpus),
		FN("clocks", js_clocks),
		FN("probe", js_probe),
		FN("openObject", js_open_object),
		FN("closeObject", js_close_object),
		FN("mapInfo", js_map_info),
		FN("mapLookup", js_map_lookup),
		FN("mapUpdate", js_map_update),
		FN("mapDelete", js_map_delete),
		FN("mapLookupBatch", js_map_lookup_batch),
		FN("mapDeleteBatch", js_map_delete_batch),
		FN("bpfObjectExists", js_bpf_object_exists),
		FN("attachTc", js_attach_tc),
		FN("attachTracing", js_attach_tracing),
		FN("detach", js_detach),
		FN("startRingConsumer", js_start_ring_consumer),
		FN("stopRingConsumer", js_stop_ring_consumer),
		FN("consumerStats", js_consumer_stats),
		FN("netnsInfo", js_netns_info),
		FN("netlinkDump", js_netlink_dump),
		FN("pcapOpen", js_pcap_open),
		FN("pcapStats", js_pcap_stats),
		FN("pcapClose", js_pcap_close),
		FN("compileFilter", js_compile_filter),
		FN("filterMatch", js_filter_match),
		FN("freeFilter", js_free_filter),
#undef FN
	};

	wlog_install(); /* process-wide; the log buffers are per thread */
	if (napi_define_properties(env, exports, sizeof(fns) / sizeof(fns[0]), fns) != napi_ok)
		return NULL;
	return exports;
}
