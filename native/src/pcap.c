/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libpcap live capture of one interface in a network namespace. The capture's own pthread
 * setns()'s into the namespace, then pcap_create/activate there (the packet socket binds in the
 * namespace it is created in) and reads on that same thread for the capture's life.
 *
 * Batch framing (host byte order), packets back to back:
 *
 *   0          4          8          12         16               16 + caplen   round_up(…, 8)
 *   ├──────────┼──────────┼──────────┼──────────┼────────────────┼─────────────┤
 *   │ u32 caplen│ u32 wirelen│ u32 tsSec │ u32 tsNsec│ caplen bytes   │ zero padding│
 *   └──────────┴──────────┴──────────┴──────────┴────────────────┴─────────────┘
 *
 * Backpressure as for rings: a full TSFN queue blocks the thread inside pcap's callback, so the
 * kernel's packet ring fills, and the kernel drops and counts (pcap_stats ps_drop).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pcap/pcap.h>

#include "weft_native.h"

#define MAX_CAPTURES 64
#define CAP_BITS 6
_Static_assert(MAX_CAPTURES == 1 << CAP_BITS, "handle bits");

struct capture {
	struct pump pump;
	pthread_mutex_t mu; /* guards p against the JS thread's stats/breakloop */
	pthread_cond_t cv;
	pcap_t *p;
	int state; /* setup: 0 pending, 1 capturing, -1 failed (e) */
	struct werr e;
	char netns[4096];
	bool has_netns;
	char iface[256];
	char *filter;
	uint32_t snaplen, buffer_bytes;
	bool promisc, nano;
	int link_type;
	struct pcap_stat last;
	int slot;
};

struct capture_slot {
	struct capture *c;
	uint32_t gen;
	bool in_use;
	struct pcap_stat final;
};

static struct capture_slot captures[MAX_CAPTURES];
static pthread_mutex_t cap_mu = PTHREAD_MUTEX_INITIALIZER;

/* libpcap statuses → errno, for .code */
static int pcap_errno(int status)
{
	switch (status) {
	case PCAP_ERROR_NO_SUCH_DEVICE:
		return ENODEV;
	case PCAP_ERROR_PERM_DENIED:
	case PCAP_ERROR_PROMISC_PERM_DENIED:
		return EPERM;
	case PCAP_ERROR_IFACE_NOT_UP:
		return ENETDOWN;
	case PCAP_ERROR_RFMON_NOTSUP:
		return EOPNOTSUPP;
	case PCAP_ERROR_ACTIVATED:
		return EBUSY;
	default:
		return EIO;
	}
}

static int capture_setup(struct capture *c)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct bpf_program prog;
	int st;

	c->p = pcap_create(c->iface, errbuf);
	if (!c->p)
		return werr_set(&c->e, EIO, "pcap_create", "'%s': %s", c->iface, errbuf);
	pcap_set_snaplen(c->p, (int)c->snaplen);
	pcap_set_promisc(c->p, c->promisc);
	pcap_set_buffer_size(c->p, (int)c->buffer_bytes);
	pcap_set_immediate_mode(c->p, 0);
	pcap_set_timeout(c->p, (int)c->pump.interval_ms);
	c->nano = pcap_set_tstamp_precision(c->p, PCAP_TSTAMP_PRECISION_NANO) == 0;
	st = pcap_activate(c->p);
	if (st < 0) {
		werr_set(&c->e, pcap_errno(st), "pcap_activate", "'%s': %s: %s", c->iface, pcap_statustostr(st),
			 pcap_geterr(c->p));
		goto fail;
	}
	if (c->filter) {
		if (pcap_compile(c->p, &prog, c->filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
			werr_set(&c->e, EINVAL, "pcap_compile", "filter '%s': %s", c->filter, pcap_geterr(c->p));
			goto fail;
		}
		st = pcap_setfilter(c->p, &prog);
		pcap_freecode(&prog);
		if (st < 0) {
			werr_set(&c->e, EINVAL, "pcap_setfilter", "filter '%s': %s", c->filter, pcap_geterr(c->p));
			goto fail;
		}
	}
	c->link_type = pcap_datalink(c->p);
	return 0;
fail:
	pcap_close(c->p);
	c->p = NULL;
	return -c->e.err;
}

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct capture *c = (struct capture *)user;
	size_t need = 16 + (((size_t)h->caplen + 7) & ~(size_t)7);
	uint8_t *dst = pump_reserve(&c->pump, need);
	uint32_t hdr[4];

	if (!dst) {
		pcap_breakloop(c->p);
		return;
	}
	hdr[0] = h->caplen;
	hdr[1] = h->len;
	hdr[2] = (uint32_t)h->ts.tv_sec;
	hdr[3] = (uint32_t)(c->nano ? h->ts.tv_usec : h->ts.tv_usec * 1000);
	memcpy(dst, hdr, sizeof(hdr));
	memcpy(dst + 16, bytes, h->caplen);
	memset(dst + 16 + h->caplen, 0, need - 16 - h->caplen);
	pump_commit(&c->pump, need, h->caplen);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void *capture_thread(void *arg)
{
	struct capture *c = arg;
	struct pump *p = &c->pump;
	char errbuf[PCAP_ERRBUF_SIZE];
	int rc;

	wlog_reset();
	rc = netns_enter(c->has_netns ? c->netns : NULL, &c->e, NULL);
	if (rc == 0)
		rc = capture_setup(c);
	pthread_mutex_lock(&c->mu);
	c->state = rc == 0 ? 1 : -1;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	if (rc)
		return NULL; /* the JS thread joins and throws c->e */

	while (!atomic_load(&p->stop) && !atomic_load(&p->closing)) {
		int n = pcap_dispatch(c->p, -1, on_packet, (u_char *)c);

		if (n == PCAP_ERROR) {
			werr_set(&p->fail, EIO, "pcap_dispatch", "'%s': %s", c->iface, pcap_geterr(c->p));
			atomic_store(&p->failed, 1);
			break;
		}
		if (!pump_flush(p))
			break;
	}
	if (atomic_load(&p->failed)) {
		pump_park(p); /* keep the error for pcapStats/pcapClose */
	} else if (!atomic_load(&p->closing)) {
		/* final read: TPACKET_V3 hands over a partly filled block when its retire timer
		 * (the pcap timeout) fires, so read without blocking for a little longer than that */
		uint64_t deadline = now_ms() + 2 * (uint64_t)p->interval_ms + 20;

		pcap_setnonblock(c->p, 1, errbuf);
		for (;;) {
			int n = pcap_dispatch(c->p, -1, on_packet, (u_char *)c);

			if (n == PCAP_ERROR || atomic_load(&p->closing))
				break;
			if (n > 0)
				continue;
			if (now_ms() >= deadline)
				break;
			struct timespec ms = { 0, 1000000L };
			nanosleep(&ms, NULL);
		}
		pump_flush(p);
	}
	pthread_mutex_lock(&c->mu);
	if (pcap_stats(c->p, &c->last) < 0)
		memset(&c->last, 0, sizeof(c->last));
	pcap_close(c->p);
	c->p = NULL;
	pthread_mutex_unlock(&c->mu);
	pump_finish(p);
	return NULL;
}

static void capture_wake(void *owner)
{
	struct capture *c = owner;

	pthread_mutex_lock(&c->mu);
	if (c->p)
		pcap_breakloop(c->p);
	pthread_mutex_unlock(&c->mu);
}

static void capture_free(void *owner)
{
	struct capture *c = owner;

	pthread_mutex_lock(&cap_mu);
	if (c->slot >= 0) {
		captures[c->slot].final = c->last;
		captures[c->slot].c = NULL;
		captures[c->slot].in_use = false;
	}
	pthread_mutex_unlock(&cap_mu);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	free(c->filter);
	free(c);
}

/* pcapOpen({ netns?, iface, snaplen?, filter?, promisc?, bufferBytes?, batchBytes?, intervalMs?,
 *            maxQueue? }, onBatch) → { capture, linkType } */
napi_value js_pcap_open(napi_env env, napi_callback_info info)
{
	size_t argc = 2, flen = 0;
	napi_value argv[2], opts, v, out, h;
	uint32_t batch_bytes, interval_ms, max_queue;
	struct capture *c;
	bool present;
	int slot = -1, err;

	NAPI_TRY(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
	opts = argc > 0 ? argv[0] : NULL;
	if (!arg_function(env, argc > 1 ? argv[1] : NULL, "onBatch"))
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return throw_errno(env, ENOMEM, "pcapOpen", NULL);
	c->slot = -1;
	if (!opt_string(env, opts, "netns", c->netns, sizeof(c->netns), &c->has_netns) ||
	    !opt_string(env, opts, "iface", c->iface, sizeof(c->iface), &present) ||
	    !opt_u32(env, opts, "snaplen", 262144, 1, 262144, &c->snaplen) ||
	    !opt_bool(env, opts, "promisc", false, &c->promisc) ||
	    !opt_u32(env, opts, "bufferBytes", 4u << 20, 65536, 1u << 30, &c->buffer_bytes) ||
	    !opt_u32(env, opts, "batchBytes", 256u << 10, 16, 1u << 30, &batch_bytes) ||
	    !opt_u32(env, opts, "intervalMs", 2, 1, 60000, &interval_ms) ||
	    !opt_u32(env, opts, "maxQueue", 8, 1, PUMP_MAX_SLOTS - 2, &max_queue) ||
	    !opt_prop(env, opts, "filter", &v, &present) ||
	    (present && napi_get_value_string_utf8(env, v, NULL, 0, &flen) != napi_ok)) {
		free(c);
		return NULL;
	}
	if (!c->iface[0]) {
		free(c);
		return throw_errno(env, EINVAL, "pcapOpen", "options.iface is required");
	}
	if (present) {
		c->filter = malloc(flen + 1);
		if (!c->filter) {
			free(c);
			return throw_errno(env, ENOMEM, "pcapOpen", NULL);
		}
		if (!arg_string(env, v, "options.filter", c->filter, flen + 1)) {
			free(c->filter);
			free(c);
			return NULL;
		}
	}
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);

	pthread_mutex_lock(&cap_mu);
	for (int i = 0; i < MAX_CAPTURES; i++) {
		if (!captures[i].in_use) {
			slot = i;
			break;
		}
	}
	if (slot < 0) {
		pthread_mutex_unlock(&cap_mu);
		capture_free(c);
		return throw_errno(env, EMFILE, "pcapOpen", "more than %d captures", MAX_CAPTURES);
	}
	c->slot = slot;
	captures[slot].in_use = true;
	captures[slot].c = c;
	memset(&captures[slot].final, 0, sizeof(captures[slot].final));
	if (++captures[slot].gen >= (1u << (31 - CAP_BITS)))
		captures[slot].gen = 1;
	pthread_mutex_unlock(&cap_mu);

	c->pump.owner_wake = capture_wake;
	c->pump.owner_free = capture_free;
	err = pump_init(env, &c->pump, argv[1], "weft-pcap", batch_bytes, interval_ms, max_queue, c);
	if (err) {
		capture_free(c);
		return throw_errno(env, err, "napi_create_threadsafe_function", NULL);
	}
	err = pump_start(&c->pump, capture_thread);
	if (err) {
		pump_abort(&c->pump);
		return throw_errno(env, err, "pthread_create", "pcap capture");
	}
	/* the JS thread waits for the setup (namespace, activate, filter): a few milliseconds */
	pthread_mutex_lock(&c->mu);
	while (c->state == 0)
		pthread_cond_wait(&c->cv, &c->mu);
	pthread_mutex_unlock(&c->mu);
	if (c->state < 0) {
		struct werr e = c->e;

		pthread_join(c->pump.thread, NULL);
		c->pump.thread_started = false;
		pump_abort(&c->pump); /* capture_free runs from the finalizer */
		return throw_werr(env, &e);
	}
	NAPI_TRY(env, napi_create_object(env, &out));
	NAPI_TRY(env, napi_create_int32(env, handle_make((uint32_t)slot, captures[slot].gen, CAP_BITS), &h));
	set_prop(env, out, "capture", h);
	set_prop(env, out, "linkType", make_u32(env, (uint32_t)c->link_type));
	return out;
}

static struct capture_slot *cap_slot(napi_env env, napi_value v, bool *stale)
{
	int32_t h;
	struct capture_slot *s;

	*stale = false;
	if (!arg_i32(env, v, "capture handle", &h))
		return NULL;
	if (h <= 0) {
		throw_errno(env, EINVAL, "pcap", "not a capture handle: %d", h);
		return NULL;
	}
	s = &captures[handle_idx(h, CAP_BITS)];
	*stale = s->gen != handle_gen(h, CAP_BITS);
	return s;
}

/* pcapStats(capture) → { received, dropped, ifDropped }; after close, the final counters. */
napi_value js_pcap_stats(napi_env env, napi_callback_info info)
{
	size_t argc = 1;
	napi_value argv[1], out;
	struct capture_slot *s;
	struct pcap_stat st;
	struct werr e;
	bool stale, have = true, failed = false;

	NAPI_TRY(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
	pthread_mutex_lock(&cap_mu);
	s = cap_slot(env, argc > 0 ? argv[0] : NULL, &stale);
	if (!s || stale) {
		pthread_mutex_unlock(&cap_mu);
		return s ? throw_errno(env, EBADF, "pcapStats", "unknown capture handle") : NULL;
	}
	if (!s->c) {
		st = s->final;
	} else if (atomic_load(&s->c->pump.failed)) {
		e = s->c->pump.fail;
		failed = true;
	} else {
		pthread_mutex_lock(&s->c->mu);
		if (s->c->p)
			have = pcap_stats(s->c->p, &st) == 0;
		else
			st = s->c->last;
		if (!have)
			werr_set(&e, EIO, "pcap_stats", "%s", pcap_geterr(s->c->p));
		pthread_mutex_unlock(&s->c->mu);
	}
	pthread_mutex_unlock(&cap_mu);
	if (failed || !have)
		return throw_werr(env, &e);
	NAPI_TRY(env, napi_create_object(env, &out));
	set_prop(env, out, "received", make_f64(env, st.ps_recv));
	set_prop(env, out, "dropped", make_f64(env, st.ps_drop));
	set_prop(env, out, "ifDropped", make_f64(env, st.ps_ifdrop));
	return out;
}

/* pcapClose(capture) → Promise<void>: final read, close, settled after the last batch */
napi_value js_pcap_close(napi_env env, napi_callback_info info)
{
	size_t argc = 1;
	napi_value argv[1], promise, undef;
	napi_deferred d;
	struct capture_slot *s;
	bool stale;

	NAPI_TRY(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
	pthread_mutex_lock(&cap_mu);
	s = cap_slot(env, argc > 0 ? argv[0] : NULL, &stale);
	if (!s) {
		pthread_mutex_unlock(&cap_mu);
		return NULL;
	}
	if (!stale && s->c) {
		promise = pump_stop(env, &s->c->pump);
		pthread_mutex_unlock(&cap_mu);
		return promise;
	}
	pthread_mutex_unlock(&cap_mu);
	NAPI_TRY(env, napi_create_promise(env, &d, &promise));
	napi_get_undefined(env, &undef);
	napi_resolve_deferred(env, d, undef);
	return promise;
}
