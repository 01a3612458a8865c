/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tcpdump-syntax packet filters compiled and run by libpcap, in user space, on packets weft
 * already holds (the capture.start session's precise filter; the kernel only pre-selects).
 *
 *   compileFilter(linkType, snaplen, expression) → External   pcap_open_dead + pcap_compile
 *   filterMatch(filter, bytes, offset, caplen, wirelen) → bool pcap_offline_filter, no allocation
 *   freeFilter(filter)                                         pcap_freecode (also the finalizer's job)
 *
 * The External owns one struct filter. freeFilter releases the BPF program at once but leaves
 * the struct to the finalizer, so a freed handle used again throws EBADF instead of reading
 * freed memory. A type tag tells our Externals from anyone else's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "weft_native.h"

#define FILTER_EXPR_MAX 8192

struct filter {
	struct bpf_program prog;
	bool live; /* prog holds instructions (false after freeFilter) */
};

/* Random; marks Externals made by compileFilter. */
static const napi_type_tag filter_tag = { 0x5a0f1e7d3c2b4a91ull, 0x8e6d4c2b1a0f9e7dull };

static void filter_finalize(napi_env env, void *data, void *hint)
{
	struct filter *f = data;

	(void)env;
	(void)hint;
	if (f->live)
		pcap_freecode(&f->prog);
	free(f);
}

/*
 * weft speaks LINKTYPE_* (what capture files say); pcap_open_dead wants a DLT_*. They are the same
 * number in DLT_MATCHING_MIN..MAX and below 100, except raw IP, which BSDs numbered 12 or 14 and
 * the registry 101 (libpcap's own linktype_to_dlt, not exported).
 */
static int linktype_to_dlt(uint32_t link_type)
{
	switch (link_type) {
	case 12:
	case 14:
	case 101:
		return DLT_RAW;
	case 100:
		return DLT_ATM_RFC1483;
	case 102:
		return DLT_SLIP_BSDOS;
	case 103:
		return DLT_PPP_BSDOS;
	default:
		return (int)link_type;
	}
}

/* libpcap's own words as the message; .code/.errno/.syscall as errors.c shapes them. */
static napi_value throw_pcap_message(napi_env env, int err, const char *syscall, const char *message)
{
	napi_value msg, error, v;

	if (napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &msg) != napi_ok ||
	    napi_create_error(env, NULL, msg, &error) != napi_ok) {
		napi_throw_error(env, errno_name(err), message);
		return NULL;
	}
	set_prop(env, error, "code", make_string(env, errno_name(err)));
	if (napi_create_int32(env, -err, &v) == napi_ok)
		set_prop(env, error, "errno", v);
	set_prop(env, error, "syscall", make_string(env, syscall));
	napi_throw(env, error);
	return NULL;
}

/* The struct filter behind a handle (freed or not), or NULL after throwing a TypeError. */
static struct filter *filter_data(napi_env env, napi_value v)
{
	napi_valuetype t;
	bool tagged = false;
	void *data = NULL;

	if (v == NULL || napi_typeof(env, v, &t) != napi_ok || t != napi_external ||
	    napi_check_object_type_tag(env, v, &filter_tag, &tagged) != napi_ok || !tagged ||
	    napi_get_value_external(env, v, &data) != napi_ok || data == NULL) {
		napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "filter must be a handle from compileFilter");
		return NULL;
	}
	return data;
}

/* compileFilter(linkType, snaplen, expression) → External */
napi_value js_compile_filter(napi_env env, napi_callback_info info)
{
	size_t argc = 3;
	napi_value argv[3], out;
	uint32_t link_type, snaplen;
	char expr[FILTER_EXPR_MAX];
	char message[PCAP_ERRBUF_SIZE + 64];
	struct filter *f;
	pcap_t *dead;
	int rc;

	NAPI_TRY(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
	if (!arg_u32(env, argc > 0 ? argv[0] : NULL, "linkType", &link_type) ||
	    !arg_u32(env, argc > 1 ? argv[1] : NULL, "snaplen", &snaplen) ||
	    !arg_string(env, argc > 2 ? argv[2] : NULL, "expression", expr, sizeof(expr)))
		return NULL;
	if (link_type > 0xffff || snaplen == 0 || snaplen > 0x7fffffff)
		return throw_errno(env, EINVAL, "pcap_open_dead", "link type %u, snaplen %u", link_type, snaplen);
	dead = pcap_open_dead(linktype_to_dlt(link_type), (int)snaplen);
	if (!dead)
		return throw_errno(env, ENOMEM, "pcap_open_dead", NULL);
	f = calloc(1, sizeof(*f));
	if (!f) {
		pcap_close(dead);
		return throw_errno(env, ENOMEM, "compileFilter", NULL);
	}
	rc = pcap_compile(dead, &f->prog, expr, 1, PCAP_NETMASK_UNKNOWN);
	if (rc < 0) {
		snprintf(message, sizeof(message), "%s", pcap_geterr(dead));
		pcap_close(dead);
		free(f);
		return throw_pcap_message(env, EINVAL, "pcap_compile", message);
	}
	pcap_close(dead); /* the program does not refer to the pcap_t */
	f->live = true;
	if (napi_create_external(env, f, filter_finalize, NULL, &out) != napi_ok) {
		pcap_freecode(&f->prog);
		free(f);
		napi_throw_error(env, "EINVAL", "weft_native: napi_create_external failed");
		return NULL;
	}
	NAPI_TRY(env, napi_type_tag_object(env, out, &filter_tag));
	return out;
}

/* filterMatch(filter, bytes, offset, capturedLength, wireLength) → boolean */
napi_value js_filter_match(napi_env env, napi_callback_info info)
{
	size_t argc = 5;
	napi_value argv[5];
	struct filter *f;
	struct pcap_pkthdr h;
	napi_typedarray_type type;
	size_t length, byte_offset;
	void *data = NULL;
	napi_value ab;
	bool is_ta = false;
	uint32_t offset, caplen, wirelen;

	NAPI_TRY(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
	f = filter_data(env, argc > 0 ? argv[0] : NULL);
	if (!f)
		return NULL;
	if (!f->live)
		return throw_errno(env, EBADF, "filterMatch", "the filter was freed");
	/* A Buffer is a Uint8Array; data comes back already advanced by byte_offset. */
	if (argc < 2 || napi_is_typedarray(env, argv[1], &is_ta) != napi_ok || !is_ta ||
	    napi_get_typedarray_info(env, argv[1], &type, &length, &data, &ab, &byte_offset) != napi_ok ||
	    type != napi_uint8_array) {
		napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "bytes must be a Buffer or Uint8Array");
		return NULL;
	}
	if (!arg_u32(env, argc > 2 ? argv[2] : NULL, "offset", &offset) ||
	    !arg_u32(env, argc > 3 ? argv[3] : NULL, "capturedLength", &caplen) ||
	    !arg_u32(env, argc > 4 ? argv[4] : NULL, "wireLength", &wirelen))
		return NULL;
	if ((size_t)offset + caplen > length) {
		napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "offset + capturedLength is beyond the end of bytes");
		return NULL;
	}
	h.ts.tv_sec = 0;
	h.ts.tv_usec = 0;
	h.caplen = caplen;
	h.len = wirelen < caplen ? caplen : wirelen;
	return make_bool(env, pcap_offline_filter(&f->prog, &h, (const u_char *)data + offset) != 0);
}

/* freeFilter(filter): releases the program now; a second call is a no-op. */
napi_value js_free_filter(napi_env env, napi_callback_info info)
{
	size_t argc = 1;
	napi_value argv[1];
	struct filter *f;

	NAPI_TRY(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
	f = filter_data(env, argc > 0 ? argv[0] : NULL);
	if (!f)
		return NULL;
	if (f->live) {
		pcap_freecode(&f->prog);
		f->live = false;
	}
	return undefined(env);
}
