/* SPDX-License-Identifier: Apache-2.0 */
/*
 * weft_native: the small N-API bridge between weft's TypeScript and libbpf/libpcap.
 * No parsing and no policy here: open/load objects, touch maps, attach/detach, move bytes.
 *
 * Files, one job each:
 *   addon.c   the export table (what JS sees)
 *   errors.c  JS errors with .code/.syscall, and the libbpf log tail (per thread)
 *   napi_util.c  argument helpers
 *   object.c  BPF objects: open, map sizes, .rodata patches, autoload, load; map operations
 *   attach.c  tc (tcx or legacy clsact) and tracing links; detach
 *   netns.c   the setns-on-a-fresh-pthread runner; netnsInfo; netlinkDump
 *   pump.c    the batcher shared by ring.c and pcap.c: framed batches → TSFN, backpressure, stop
 *   ring.c    ring buffer consumer thread
 *   pcap.c    libpcap live capture thread
 */
#ifndef WEFT_NATIVE_H
#define WEFT_NATIVE_H

#ifndef NAPI_VERSION
#define NAPI_VERSION 8
#endif
#include <node_api.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bpf_object;

/* ---- errors.c ------------------------------------------------------------------------------ */

#define WERR_DETAIL_MAX 512
#define WERR_LOG_MAX 4096

/* An error found on some thread, thrown later on the JS thread. err is a positive errno. */
struct werr {
	int err;
	const char *syscall; /* a string literal */
	char detail[WERR_DETAIL_MAX];
	char log[WERR_LOG_MAX]; /* the tail of libbpf's log on the thread that failed */
};

void wlog_install(void);  /* libbpf_set_print → per-thread bounded buffer */
void wlog_reset(void);    /* forget this thread's log (call before a libbpf operation) */
/* Fills e (err > 0) with this thread's log tail; returns -err for convenience. */
int werr_set(struct werr *e, int err, const char *syscall, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Throws e as a JS Error { code, errno, syscall }; returns NULL. */
napi_value throw_werr(napi_env env, const struct werr *e);
/* werr_set + throw_werr on the JS thread. */
napi_value throw_errno(napi_env env, int err, const char *syscall, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
napi_value make_error(napi_env env, const struct werr *e);
const char *errno_name(int err);

/* ---- napi_util.c ---------------------------------------------------------------------------- */

#define NAPI_TRY(env, call)                                                                    \
	do {                                                                                   \
		if ((call) != napi_ok) {                                                       \
			napi_throw_error((env), "EINVAL", "weft_native: " #call " failed");    \
			return NULL;                                                           \
		}                                                                              \
	} while (0)

/* Argument readers: false after throwing a TypeError naming `what`. */
bool arg_u32(napi_env env, napi_value v, const char *what, uint32_t *out);
bool arg_i32(napi_env env, napi_value v, const char *what, int32_t *out);
bool arg_string(napi_env env, napi_value v, const char *what, char *buf, size_t size);
bool arg_buffer(napi_env env, napi_value v, const char *what, void **data, size_t *len);
bool arg_function(napi_env env, napi_value v, const char *what);
bool is_nullish(napi_env env, napi_value v);
/* Optional property of an options object: *present = false when missing or undefined. */
bool opt_prop(napi_env env, napi_value obj, const char *key, napi_value *out, bool *present);
bool opt_u32(napi_env env, napi_value obj, const char *key, uint32_t def, uint32_t min, uint32_t max,
	     uint32_t *out);
bool opt_bool(napi_env env, napi_value obj, const char *key, bool def, bool *out);
/* Optional string property; *present tells whether it was given. */
bool opt_string(napi_env env, napi_value obj, const char *key, char *buf, size_t size, bool *present);
napi_value make_u32(napi_env env, uint32_t v);
napi_value make_f64(napi_env env, double v);
napi_value make_bool(napi_env env, bool v);
napi_value make_string(napi_env env, const char *s);
napi_value undefined(napi_env env);
bool set_prop(napi_env env, napi_value obj, const char *key, napi_value v);

/* ---- netns.c -------------------------------------------------------------------------------- */

/* Runs fn(arg, e) on a fresh pthread that first setns()'d into the network namespace at path
 * (NULL: the caller's own), and joins it. Never on a libuv pool thread: setns is per thread and
 * a pool thread would stay in the foreign namespace. ns_ino (optional) gets the namespace inode. */
typedef int (*netns_fn)(void *arg, struct werr *e);
int netns_run(const char *path, netns_fn fn, void *arg, struct werr *e, uint64_t *ns_ino);
/* pthread_create with every signal blocked in the new thread (signals stay with Node's). */
int thread_spawn(pthread_t *t, void *(*fn)(void *), void *arg);
/* For threads that live on (pcap): setns the calling thread into path; 0 or -errno (e filled). */
int netns_enter(const char *path, struct werr *e, uint64_t *ns_ino);

napi_value js_netns_info(napi_env env, napi_callback_info info);
napi_value js_netlink_dump(napi_env env, napi_callback_info info);

/* ---- object.c ------------------------------------------------------------------------------- */

#define MAX_OBJECTS 256

/* Locks the object table; returns the bpf_object for a live handle (else throws, returns NULL
 * and unlocks). Callers that got non-NULL must call obj_unlock(). */
struct bpf_object *obj_lock(napi_env env, napi_value handle, int32_t *id);
void obj_unlock(void);
int obj_map_fd(struct bpf_object *obj, const char *name);

napi_value js_open_object(napi_env env, napi_callback_info info);
napi_value js_close_object(napi_env env, napi_callback_info info);
napi_value js_map_info(napi_env env, napi_callback_info info);
napi_value js_map_lookup(napi_env env, napi_callback_info info);
napi_value js_map_update(napi_env env, napi_callback_info info);
napi_value js_map_delete(napi_env env, napi_callback_info info);
napi_value js_map_lookup_batch(napi_env env, napi_callback_info info);
napi_value js_map_delete_batch(napi_env env, napi_callback_info info);
napi_value js_bpf_object_exists(napi_env env, napi_callback_info info);

/* ---- attach.c ------------------------------------------------------------------------------- */

#define WEFT_MAX_LINKS 4096

/* Detaches every link made from object id (closeObject). Called with the object table locked. */
void links_detach_object(int32_t obj_id);
napi_value js_attach_tc(napi_env env, napi_callback_info info);
napi_value js_attach_tracing(napi_env env, napi_callback_info info);
napi_value js_detach(napi_env env, napi_callback_info info);
napi_value js_probe(napi_env env, napi_callback_info info);

/* ---- pump.c --------------------------------------------------------------------------------- */

#define PUMP_MAX_SLOTS 66 /* maxQueue ≤ 64, + the one being filled, + one in call_js */

/* A batch buffer. busy: owned by the producer thread or queued to JS; 0: free. */
struct pump_slot {
	uint8_t *buf;
	size_t cap, len;
	uint32_t records;
	uint64_t payload;
	atomic_int busy;
};

/*
 * A producer thread's side of a TSFN. The thread fills slots with framed records and queues
 * full ones with non-blocking napi_call_threadsafe_function; when the queue is full (or no slot
 * is free) it sleeps one interval and retries, so it stops reading and the kernel side fills
 * and counts its drops. call_js copies the slot into a fresh Buffer and frees the slot at once,
 * so JS may keep batches and memory stays at (maxQueue + 2) × batchBytes.
 *
 * Stop: JS sets `stop` and gets a promise; the thread drains, flushes, releases the TSFN; the
 * TSFN finalizer (JS thread, after the last call_js) joins the thread, resolves the promise (or
 * rejects it with `fail`) and runs owner_free. At environment teardown the finalizer sets
 * `closing` instead, and the thread quits without delivering.
 */
struct pump {
	uint32_t batch_bytes, interval_ms, max_queue;
	napi_threadsafe_function tsfn;
	pthread_t thread;
	bool thread_started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	atomic_int stop, closing, failed;
	atomic_uint kicks; /* bumped (under mu) by call_js each time it frees a slot */
	struct werr fail; /* set by the thread before `failed` */
	struct pump_slot slots[PUMP_MAX_SLOTS];
	unsigned nslots;
	struct pump_slot *cur;
	atomic_uint_fast64_t batches, records, bytes, waits;
	napi_deferred deferred;
	napi_ref promise;
	void (*owner_wake)(void *owner); /* interrupt a blocking read (stop, teardown); may be NULL */
	void (*owner_free)(void *owner); /* last: the owner's resources, the pump included */
	void *owner;
};

/* JS thread: creates the TSFN (unref'd: a running pump does not keep the process alive). */
int pump_init(napi_env env, struct pump *p, napi_value on_batch, const char *name, uint32_t batch_bytes,
	      uint32_t interval_ms, uint32_t max_queue, void *owner);
/* JS thread: starts fn(owner) as the producer thread; 0 or a positive errno. */
int pump_start(struct pump *p, void *(*fn)(void *));
/* JS thread: gives up a pump whose thread is not running (never started, or joined);
 * owner_free runs later, from the finalizer. */
void pump_abort(struct pump *p);
/* JS thread: asks the thread to stop; returns the promise settled after the last batch. */
napi_value pump_stop(napi_env env, struct pump *p);
/* Producer thread: room for `need` bytes in the current batch (flushing first when it does not
 * fit; a record bigger than batchBytes gets a batch of its own). NULL when closing. */
uint8_t *pump_reserve(struct pump *p, size_t need);
void pump_commit(struct pump *p, size_t used, size_t payload);
/* Producer thread: queue the current batch (waits while the queue is full). false when closing. */
bool pump_flush(struct pump *p);
/* Producer thread: sleeps one interval, or less when stop/closing is set. */
void pump_sleep(struct pump *p);
/* Producer thread: waits until stop or closing (after a fatal error). */
void pump_park(struct pump *p);
/* Producer thread, last call: releases the TSFN (unless closing). */
void pump_finish(struct pump *p);
/* { batches, records, bytes, queueFullWaits } */
napi_value pump_stats(napi_env env, struct pump *p);
void pump_stats_read(struct pump *p, double out[4]);
napi_value stats_object(napi_env env, const double v[4]);

/* ---- ring.c / pcap.c ------------------------------------------------------------------------- */

napi_value js_start_ring_consumer(napi_env env, napi_callback_info info);
napi_value js_stop_ring_consumer(napi_env env, napi_callback_info info);
napi_value js_consumer_stats(napi_env env, napi_callback_info info);
napi_value js_pcap_open(napi_env env, napi_callback_info info);
napi_value js_pcap_stats(napi_env env, napi_callback_info info);
napi_value js_pcap_close(napi_env env, napi_callback_info info);

/* Handles: slot index in the low bits, a per-slot generation above, so a stale handle is never
 * mistaken for the slot's next occupant. */
static inline int32_t handle_make(uint32_t idx, uint32_t gen, uint32_t bits)
{
	return (int32_t)(((gen & ((1u << (31 - bits)) - 1)) << bits) | idx);
}
static inline uint32_t handle_idx(int32_t h, uint32_t bits) { return (uint32_t)h & ((1u << bits) - 1); }
static inline uint32_t handle_gen(int32_t h, uint32_t bits) { return (uint32_t)h >> bits; }

#endif
