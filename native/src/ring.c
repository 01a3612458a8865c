/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Ring buffer consumers. A pthread per consumer drains its RINGBUF maps with ring_buffer__consume
 * on a timer (every intervalMs), not with epoll: a consumer that keeps up would otherwise cost an
 * IPI and a wakeup per record on both sides (see docs/notes: 2.4× fewer events under epoll).
 *
 * Batch framing (host byte order), records back to back:
 *
 *   0        4          6     8                 8 + len        round_up(8 + len, 8)
 *   ├────────┼──────────┼─────┼─────────────────┼──────────────┤
 *   │ u32 len│ u16 ring │ u16 0│ record (len B)  │ zero padding │
 *   └────────┴──────────┴─────┴─────────────────┴──────────────┘
 *   ring = index into the `maps` the consumer was started with.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "weft_native.h"

#define MAX_CONSUMERS 64
#define CONS_BITS 6
#define MAX_RINGS 16
_Static_assert(MAX_CONSUMERS == 1 << CONS_BITS, "handle bits");

struct consumer;

struct ring_ctx {
	struct consumer *c;
	uint16_t index;
};

struct consumer {
	struct pump pump;
	struct ring_buffer *rb;
	struct ring_ctx ctx[MAX_RINGS];
	int slot;
};

/* A slot outlives its consumer: the final stats stay readable until the slot is reused. */
struct consumer_slot {
	struct consumer *c;
	uint32_t gen;
	bool in_use; /* c live, or being torn down */
	double final[4];
};

static struct consumer_slot consumers[MAX_CONSUMERS];
static pthread_mutex_t cons_mu = PTHREAD_MUTEX_INITIALIZER;

static int on_record(void *ctx, void *data, size_t size)
{
	struct ring_ctx *rc = ctx;
	struct pump *p = &rc->c->pump;
	size_t need = 8 + ((size + 7) & ~(size_t)7);
	uint8_t *dst = pump_reserve(p, need);
	uint32_t len = (uint32_t)size;
	uint16_t hdr[2] = { rc->index, 0 };

	if (!dst)
		return -ECANCELED; /* closing: stop consuming */
	memcpy(dst, &len, 4);
	memcpy(dst + 4, hdr, 4);
	memcpy(dst + 8, data, size);
	memset(dst + 8 + size, 0, need - 8 - size);
	pump_commit(p, need, size);
	return 0;
}

static void *ring_thread(void *arg)
{
	struct consumer *c = arg;
	struct pump *p = &c->pump;

	while (!atomic_load(&p->stop) && !atomic_load(&p->closing)) {
		ring_buffer__consume(c->rb);
		if (!pump_flush(p))
			break;
		pump_sleep(p);
	}
	/* everything in the rings when stop was asked is delivered before the promise settles */
	if (!atomic_load(&p->closing)) {
		ring_buffer__consume(c->rb);
		pump_flush(p);
	}
	pump_finish(p);
	return NULL;
}

static void consumer_free(void *owner)
{
	struct consumer *c = owner;

	pthread_mutex_lock(&cons_mu);
	pump_stats_read(&c->pump, consumers[c->slot].final);
	consumers[c->slot].c = NULL;
	consumers[c->slot].in_use = false;
	pthread_mutex_unlock(&cons_mu);
	ring_buffer__free(c->rb);
	free(c);
}

/* startRingConsumer(obj, maps, { batchBytes?, intervalMs?, maxQueue? }, onBatch) → handle */
napi_value js_start_ring_consumer(napi_env env, napi_callback_info info)
{
	size_t argc = 4;
	napi_value argv[4], opts, v, out;
	uint32_t batch_bytes, interval_ms, max_queue, nmaps;
	struct bpf_object *obj;
	struct consumer *c;
	struct werr e;
	bool is_array = false;
	int slot = -1, err;

	NAPI_TRY(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
	opts = argc > 2 ? argv[2] : NULL;
	if (!opt_u32(env, opts, "batchBytes", 256u << 10, 16, 1u << 30, &batch_bytes) ||
	    !opt_u32(env, opts, "intervalMs", 2, 1, 3600000, &interval_ms) ||
	    !opt_u32(env, opts, "maxQueue", 8, 1, PUMP_MAX_SLOTS - 2, &max_queue) ||
	    !arg_function(env, argc > 3 ? argv[3] : NULL, "onBatch"))
		return NULL;
	if (argc < 2 || napi_is_array(env, argv[1], &is_array) != napi_ok || !is_array ||
	    napi_get_array_length(env, argv[1], &nmaps) != napi_ok || nmaps == 0 || nmaps > MAX_RINGS)
		return throw_errno(env, EINVAL, "startRingConsumer", "maps must be an array of 1 to %d map names",
				   MAX_RINGS);
	c = calloc(1, sizeof(*c));
	if (!c)
		return throw_errno(env, ENOMEM, "startRingConsumer", NULL);

	if (!(obj = obj_lock(env, argv[0], NULL))) {
		free(c);
		return NULL;
	}
	wlog_reset();
	for (uint32_t i = 0; i < nmaps; i++) {
		char name[256];
		struct bpf_map *m;

		if (napi_get_element(env, argv[1], i, &v) != napi_ok || !arg_string(env, v, "maps[i]", name, sizeof(name)))
			goto fail_js;
		m = bpf_object__find_map_by_name(obj, name);
		if (!m || bpf_map__fd(m) < 0 || bpf_map__type(m) != BPF_MAP_TYPE_RINGBUF) {
			werr_set(&e, m ? EINVAL : ENOENT, "ring_buffer__add", "'%s' is not a loaded RINGBUF map", name);
			goto fail_werr;
		}
		c->ctx[i].c = c;
		c->ctx[i].index = (uint16_t)i;
		if (i == 0) {
			c->rb = ring_buffer__new(bpf_map__fd(m), on_record, &c->ctx[0], NULL);
			err = c->rb ? 0 : -errno;
		} else {
			err = ring_buffer__add(c->rb, bpf_map__fd(m), on_record, &c->ctx[i]);
		}
		if (err) {
			werr_set(&e, err, i == 0 ? "ring_buffer__new" : "ring_buffer__add", "map '%s'", name);
			goto fail_werr;
		}
	}
	obj_unlock();

	pthread_mutex_lock(&cons_mu);
	for (int i = 0; i < MAX_CONSUMERS; i++) {
		if (!consumers[i].in_use) {
			slot = i;
			break;
		}
	}
	if (slot < 0) {
		pthread_mutex_unlock(&cons_mu);
		ring_buffer__free(c->rb);
		free(c);
		return throw_errno(env, EMFILE, "startRingConsumer", "more than %d consumers", MAX_CONSUMERS);
	}
	c->slot = slot;
	consumers[slot].in_use = true;
	consumers[slot].c = c;
	memset(consumers[slot].final, 0, sizeof(consumers[slot].final));
	if (++consumers[slot].gen >= (1u << (31 - CONS_BITS)))
		consumers[slot].gen = 1;
	pthread_mutex_unlock(&cons_mu);

	c->pump.owner_free = consumer_free;
	err = pump_init(env, &c->pump, argv[3], "weft-ring-consumer", batch_bytes, interval_ms, max_queue, c);
	if (err) {
		consumer_free(c);
		return throw_errno(env, err, "napi_create_threadsafe_function", NULL);
	}
	err = pump_start(&c->pump, ring_thread);
	if (err) {
		pump_abort(&c->pump); /* consumer_free runs from the finalizer */
		return throw_errno(env, err, "pthread_create", "ring consumer");
	}
	NAPI_TRY(env, napi_create_int32(env, handle_make((uint32_t)slot, consumers[slot].gen, CONS_BITS), &out));
	return out;

fail_werr:
	obj_unlock();
	ring_buffer__free(c->rb);
	free(c);
	return throw_werr(env, &e);
fail_js:
	obj_unlock();
	ring_buffer__free(c->rb);
	free(c);
	return NULL;
}

/* The slot of a handle (cons_mu held), or NULL when the handle is not one of ours. */
static struct consumer_slot *slot_of(napi_env env, napi_value v, bool *stale)
{
	int32_t h;
	struct consumer_slot *s;

	*stale = false;
	if (!arg_i32(env, v, "consumer handle", &h))
		return NULL;
	if (h <= 0) {
		throw_errno(env, EINVAL, "ring consumer", "not a consumer handle: %d", h);
		return NULL;
	}
	s = &consumers[handle_idx(h, CONS_BITS)];
	*stale = s->gen != handle_gen(h, CONS_BITS);
	return s;
}

/* stopRingConsumer(handle) → Promise<void>; a stopped consumer's promise resolves at once. */
napi_value js_stop_ring_consumer(napi_env env, napi_callback_info info)
{
	size_t argc = 1;
	napi_value argv[1], promise, undef;
	napi_deferred d;
	struct consumer_slot *s;
	bool stale;

	NAPI_TRY(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
	pthread_mutex_lock(&cons_mu);
	s = slot_of(env, argc > 0 ? argv[0] : NULL, &stale);
	if (!s) {
		pthread_mutex_unlock(&cons_mu);
		return NULL;
	}
	if (!stale && s->c) {
		promise = pump_stop(env, &s->c->pump);
		pthread_mutex_unlock(&cons_mu);
		return promise;
	}
	pthread_mutex_unlock(&cons_mu);
	NAPI_TRY(env, napi_create_promise(env, &d, &promise));
	napi_get_undefined(env, &undef);
	napi_resolve_deferred(env, d, undef);
	return promise;
}

/* consumerStats(handle): live counters, or the final ones after stop */
napi_value js_consumer_stats(napi_env env, napi_callback_info info)
{
	size_t argc = 1;
	napi_value argv[1], out;
	struct consumer_slot *s;
	bool stale;
	double v[4];

	NAPI_TRY(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
	pthread_mutex_lock(&cons_mu);
	s = slot_of(env, argc > 0 ? argv[0] : NULL, &stale);
	if (!s || stale) {
		pthread_mutex_unlock(&cons_mu);
		return s ? throw_errno(env, EBADF, "consumerStats", "unknown consumer handle") : NULL;
	}
	if (s->c)
		pump_stats_read(&s->c->pump, v);
	else
		memcpy(v, s->final, sizeof(v));
	pthread_mutex_unlock(&cons_mu);
	out = stats_object(env, v);
	return out;
}
