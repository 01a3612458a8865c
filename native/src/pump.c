/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The batcher shared by the ring consumer and the pcap capture: a producer thread frames records
 * into batch slots and hands full slots to JS through a napi_threadsafe_function.
 *
 *   producer thread                         JS thread
 *   ───────────────                         ─────────
 *   pump_reserve ─► slot (busy) ─ fill ─┐
 *   pump_flush: call_tsfn(nonblocking) ─┴─► queue (≤ maxQueue) ─► call_js: copy to a Buffer,
 *     napi_queue_full → sleep (≤ interval,    free the slot, kick the producer,
 *       or until kicked), retry              onBatch(buffer)
 *   stop seen: drain, flush, release ─────► finalizer: join, settle the promise, owner_free
 *
 * Backpressure: while the queue is full the producer sleeps and reads nothing, so the kernel's
 * buffer (ring, packet socket) fills and the kernel counts the drops. User space drops nothing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "weft_native.h"

static void slot_release(struct pump_slot *s)
{
	s->len = 0;
	s->records = 0;
	s->payload = 0;
	atomic_store_explicit(&s->busy, 0, memory_order_release);
}

/* JS took a batch: a producer waiting on a full queue may go on now rather than after an interval. */
static void kick(struct pump *p)
{
	pthread_mutex_lock(&p->mu);
	atomic_fetch_add(&p->kicks, 1);
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

static void call_js(napi_env env, napi_value js_cb, void *context, void *data)
{
	struct pump *p = context;
	struct pump_slot *s = data;
	napi_value buf, recv;
	void *copy;
	uint32_t records = s->records;
	uint64_t payload = s->payload;

	if (!env || !js_cb) { /* teardown: the queue is being emptied */
		slot_release(s);
		return;
	}
	if (napi_create_buffer_copy(env, s->len, s->buf, &copy, &buf) != napi_ok) {
		slot_release(s);
		kick(p);
		napi_throw_error(env, "ENOMEM", "weft_native: cannot allocate a batch Buffer");
		return;
	}
	slot_release(s);
	kick(p);
	atomic_fetch_add(&p->batches, 1);
	atomic_fetch_add(&p->records, records);
	atomic_fetch_add(&p->bytes, payload);
	napi_get_undefined(env, &recv);
	if (napi_call_function(env, recv, js_cb, 1, &buf, NULL) == napi_pending_exception) {
		napi_value error;

		/* as for any callback: 'uncaughtException' (Node 20 would only warn, DEP0168) */
		if (napi_get_and_clear_last_exception(env, &error) == napi_ok)
			napi_fatal_exception(env, error);
	}
}

static void finalize(napi_env env, void *data, void *hint)
{
	struct pump *p = data;
	napi_value v;

	(void)hint;
	pthread_mutex_lock(&p->mu);
	atomic_store(&p->closing, 1); /* no-op after a normal stop: the thread is on its way out */
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	if (p->thread_started) {
		if (p->owner_wake)
			p->owner_wake(p->owner);
		pthread_join(p->thread, NULL);
		p->thread_started = false;
	}
	for (unsigned i = 0; i < p->nslots; i++)
		free(p->slots[i].buf);
	if (p->deferred) {
		if (atomic_load(&p->failed) && (v = make_error(env, &p->fail)))
			napi_reject_deferred(env, p->deferred, v);
		else if (napi_get_undefined(env, &v) == napi_ok)
			napi_resolve_deferred(env, p->deferred, v);
		p->deferred = NULL;
	}
	if (p->promise)
		napi_delete_reference(env, p->promise);
	p->promise = NULL;
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	p->owner_free(p->owner);
}

int pump_init(napi_env env, struct pump *p, napi_value on_batch, const char *name, uint32_t batch_bytes,
	      uint32_t interval_ms, uint32_t max_queue, void *owner)
{
	pthread_condattr_t ca;
	napi_value res;

	p->batch_bytes = batch_bytes;
	p->interval_ms = interval_ms;
	p->max_queue = max_queue;
	p->nslots = max_queue + 2 <= PUMP_MAX_SLOTS ? max_queue + 2 : PUMP_MAX_SLOTS;
	p->owner = owner;
	pthread_mutex_init(&p->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &res) != napi_ok ||
	    napi_create_threadsafe_function(env, on_batch, NULL, res, max_queue, 1, p, finalize, p, call_js,
					    &p->tsfn) != napi_ok) {
		pthread_mutex_destroy(&p->mu);
		pthread_cond_destroy(&p->cv);
		return ENOMEM;
	}
	napi_unref_threadsafe_function(env, p->tsfn);
	return 0;
}

int pump_start(struct pump *p, void *(*fn)(void *))
{
	int err = thread_spawn(&p->thread, fn, p->owner);

	p->thread_started = err == 0;
	return err;
}

void pump_abort(struct pump *p)
{
	napi_release_threadsafe_function(p->tsfn, napi_tsfn_abort);
}

napi_value pump_stop(napi_env env, struct pump *p)
{
	napi_value promise;

	if (p->promise && napi_get_reference_value(env, p->promise, &promise) == napi_ok && promise)
		return promise; /* already stopping: the same promise */
	if (napi_create_promise(env, &p->deferred, &promise) != napi_ok ||
	    napi_create_reference(env, promise, 1, &p->promise) != napi_ok)
		return NULL;
	/* keep the loop alive until the last batch is in (the finalizer then closes the handle) */
	napi_ref_threadsafe_function(env, p->tsfn);
	pthread_mutex_lock(&p->mu);
	atomic_store(&p->stop, 1);
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	if (p->owner_wake)
		p->owner_wake(p->owner);
	return promise;
}

/*
 * Waits up to one interval (forever: until woken). Returns early on closing; on stop when
 * wake_on_stop; and, when kick0 is not NULL, once call_js has freed a slot since *kick0 was read
 * (read it before the attempt that found the queue full, so a kick in between is not missed).
 */
static void pump_wait(struct pump *p, bool wake_on_stop, const unsigned *kick0, bool forever)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += p->interval_ms / 1000;
	ts.tv_nsec += (long)(p->interval_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&p->mu);
	while (!atomic_load(&p->closing) && !(wake_on_stop && atomic_load(&p->stop)) &&
	       !(kick0 && atomic_load(&p->kicks) != *kick0)) {
		if (forever)
			pthread_cond_wait(&p->cv, &p->mu);
		else if (pthread_cond_timedwait(&p->cv, &p->mu, &ts) == ETIMEDOUT)
			break;
	}
	pthread_mutex_unlock(&p->mu);
}

void pump_sleep(struct pump *p) { pump_wait(p, true, NULL, false); }
void pump_park(struct pump *p) { pump_wait(p, true, NULL, true); }

static struct pump_slot *acquire_slot(struct pump *p)
{
	for (;;) {
		unsigned kick0 = atomic_load(&p->kicks);

		for (unsigned i = 0; i < p->nslots; i++) {
			struct pump_slot *s = &p->slots[i];
			int zero = 0;

			if (atomic_load_explicit(&s->busy, memory_order_acquire) == 0 &&
			    atomic_compare_exchange_strong(&s->busy, &zero, 1)) {
				if (!s->buf) {
					s->buf = malloc(p->batch_bytes);
					if (!s->buf) {
						atomic_store(&s->busy, 0);
						continue;
					}
					s->cap = p->batch_bytes;
				}
				return s;
			}
		}
		if (atomic_load(&p->closing))
			return NULL;
		/* every slot is queued or being copied: JS is behind */
		atomic_fetch_add(&p->waits, 1);
		pump_wait(p, false, &kick0, false);
	}
}

uint8_t *pump_reserve(struct pump *p, size_t need)
{
	struct pump_slot *s;

	if (p->cur && p->cur->len + need > p->cur->cap && p->cur->len > 0 && !pump_flush(p))
		return NULL;
	if (!p->cur && !(p->cur = acquire_slot(p)))
		return NULL;
	s = p->cur;
	if (need > s->cap) {
		/* a record larger than batchBytes: its own batch, in a slot grown to fit (rare) */
		uint8_t *b = realloc(s->buf, need);

		if (!b)
			return NULL;
		s->buf = b;
		s->cap = need;
	}
	return s->buf + s->len;
}

void pump_commit(struct pump *p, size_t used, size_t payload)
{
	p->cur->len += used;
	p->cur->records++;
	p->cur->payload += payload;
}

bool pump_flush(struct pump *p)
{
	if (!p->cur || p->cur->len == 0)
		return !atomic_load(&p->closing);
	for (;;) {
		unsigned kick0 = atomic_load(&p->kicks);
		napi_status st;

		if (atomic_load(&p->closing))
			break;
		st = napi_call_threadsafe_function(p->tsfn, p->cur, napi_tsfn_nonblocking);
		if (st == napi_ok) {
			p->cur = NULL;
			return true;
		}
		if (st != napi_queue_full) {
			atomic_store(&p->closing, 1);
			break;
		}
		atomic_fetch_add(&p->waits, 1);
		pump_wait(p, false, &kick0, false);
	}
	slot_release(p->cur);
	p->cur = NULL;
	return false;
}

void pump_finish(struct pump *p)
{
	if (p->cur && p->cur->len == 0) {
		slot_release(p->cur);
		p->cur = NULL;
	}
	if (!atomic_load(&p->closing))
		napi_release_threadsafe_function(p->tsfn, napi_tsfn_release);
}

void pump_stats_read(struct pump *p, double out[4])
{
	out[0] = (double)atomic_load(&p->batches);
	out[1] = (double)atomic_load(&p->records);
	out[2] = (double)atomic_load(&p->bytes);
	out[3] = (double)atomic_load(&p->waits);
}

napi_value stats_object(napi_env env, const double v[4])
{
	napi_value out;

	if (napi_create_object(env, &out) != napi_ok)
		return NULL;
	set_prop(env, out, "batches", make_f64(env, v[0]));
	set_prop(env, out, "records", make_f64(env, v[1]));
	set_prop(env, out, "bytes", make_f64(env, v[2]));
	set_prop(env, out, "queueFullWaits", make_f64(env, v[3]));
	return out;
}

napi_value pump_stats(napi_env env, struct pump *p)
{
	double v[4];

	pump_stats_read(p, v);
	return stats_object(env, v);
}
