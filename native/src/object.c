/* SPDX-License-Identifier: Apache-2.0 */
/*
 * BPF objects and their maps. openObject = bpf_object__open_file, then (before load) map sizes,
 * .rodata patches and per-program autoload, then bpf_object__load. Map operations take the
 * caller's Buffers and write into them; nothing is allocated per entry.
 *
 * Per-CPU map values are laid out as the kernel does:
 *
 *   | cpu 0: value, padded to 8 | cpu 1: value, padded to 8 | … | cpu N-1 |   N = possible CPUs
 */
#define _GNU_SOURCE
#include <errno.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "weft_native.h"

#define OBJ_BITS 8
_Static_assert(MAX_OBJECTS == 1 << OBJ_BITS, "handle bits");

#define ENOTSUPP 524 /* the kernel's internal "not supported", as bpf() returns it */

struct obj_slot {
	struct bpf_object *obj;
	uint32_t gen;
};

static struct obj_slot objects[MAX_OBJECTS];
static pthread_mutex_t obj_mu = PTHREAD_MUTEX_INITIALIZER;

struct bpf_object *obj_lock(napi_env env, napi_value handle, int32_t *id)
{
	int32_t h;
	struct obj_slot *s;

	if (!arg_i32(env, handle, "object handle", &h))
		return NULL;
	pthread_mutex_lock(&obj_mu);
	s = &objects[handle_idx(h, OBJ_BITS)];
	if (h <= 0 || !s->obj || s->gen != handle_gen(h, OBJ_BITS)) {
		pthread_mutex_unlock(&obj_mu);
		throw_errno(env, EBADF, "bpf_object", "unknown or closed object handle %d", h);
		return NULL;
	}
	if (id)
		*id = h;
	return s->obj;
}

void obj_unlock(void) { pthread_mutex_unlock(&obj_mu); }

int obj_map_fd(struct bpf_object *obj, const char *name)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, name);

	return m ? bpf_map__fd(m) : -ENOENT;
}

static int possible_cpus(void)
{
	static int n;

	if (n <= 0)
		n = libbpf_num_possible_cpus();
	return n > 0 ? n : 1;
}

static bool map_is_percpu(enum bpf_map_type t)
{
	return t == BPF_MAP_TYPE_PERCPU_HASH || t == BPF_MAP_TYPE_PERCPU_ARRAY ||
	       t == BPF_MAP_TYPE_LRU_PERCPU_HASH || t == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE;
}

/* Bytes of one value as user space sees it. */
static size_t value_stride(const struct bpf_map *m)
{
	size_t vs = bpf_map__value_size(m);

	return map_is_percpu(bpf_map__type(m)) ? ((vs + 7) & ~(size_t)7) * (size_t)possible_cpus() : vs;
}

/* ---- open ----------------------------------------------------------------------------------- */

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* Writes val over the .rodata variable `var`, found by name in the object's BTF DATASEC. */
static int patch_rodata(struct bpf_object *obj, const char *var, const void *val, size_t len, struct werr *e)
{
	struct bpf_map *map = NULL, *m;
	const struct btf *btf = bpf_object__btf(obj);
	const struct btf_type *sec;
	const struct btf_var_secinfo *vsi;
	const void *init;
	size_t size = 0;
	int id;

	bpf_object__for_each_map(m, obj) {
		if (bpf_map__is_internal(m) && ends_with(bpf_map__name(m), ".rodata")) {
			map = m;
			break;
		}
	}
	if (!map || !btf)
		return werr_set(e, ENOENT, "bpf_map__set_initial_value", "the object has no .rodata (with BTF)");
	id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC);
	if (id < 0)
		return werr_set(e, ENOENT, "bpf_map__set_initial_value", "no .rodata DATASEC in the object's BTF");
	sec = btf__type_by_id(btf, id);
	vsi = btf_var_secinfos(sec);
	for (int i = 0; i < btf_vlen(sec); i++, vsi++) {
		const struct btf_type *vt = btf__type_by_id(btf, vsi->type);
		uint8_t *copy;
		int err;

		if (!vt || strcmp(btf__name_by_offset(btf, vt->name_off), var) != 0)
			continue;
		if (vsi->size != len)
			return werr_set(e, EINVAL, "bpf_map__set_initial_value",
					"rodata '%s' is %u bytes, the value has %zu", var, vsi->size, len);
		init = bpf_map__initial_value(map, &size);
		if (!init || vsi->offset + len > size)
			return werr_set(e, EINVAL, "bpf_map__set_initial_value", "rodata '%s' lies outside .rodata", var);
		copy = malloc(size);
		if (!copy)
			return werr_set(e, ENOMEM, "bpf_map__set_initial_value", NULL);
		memcpy(copy, init, size);
		memcpy(copy + vsi->offset, val, len);
		err = bpf_map__set_initial_value(map, copy, size);
		free(copy);
		return err ? werr_set(e, err, "bpf_map__set_initial_value", "rodata '%s'", var) : 0;
	}
	return werr_set(e, ENOENT, "bpf_map__set_initial_value", "no rodata variable '%s'", var);
}

/* Calls fn(key, value) for each own enumerable property of options[key]; false after a throw. */
typedef int (*each_fn)(napi_env env, struct bpf_object *obj, const char *key, napi_value v, struct werr *e);

static bool for_each_prop(napi_env env, napi_value options, const char *field, struct bpf_object *obj,
			  each_fn fn, struct werr *e, bool *failed)
{
	napi_value o, names, k, v;
	bool present;
	uint32_t n;
	char key[256];

	*failed = false;
	if (!opt_prop(env, options, field, &o, &present))
		return false;
	if (!present)
		return true;
	if (napi_get_property_names(env, o, &names) != napi_ok || napi_get_array_length(env, names, &n) != napi_ok)
		return false;
	for (uint32_t i = 0; i < n; i++) {
		if (napi_get_element(env, names, i, &k) != napi_ok ||
		    !arg_string(env, k, field, key, sizeof(key)) || napi_get_property(env, o, k, &v) != napi_ok)
			return false;
		if (fn(env, obj, key, v, e) < 0) {
			*failed = true;
			return true;
		}
	}
	return true;
}

static int each_max_entries(napi_env env, struct bpf_object *obj, const char *name, napi_value v, struct werr *e)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, name);
	uint32_t n;
	int err;

	if (!arg_u32(env, v, "maxEntries value", &n))
		return werr_set(e, EINVAL, "bpf_map__set_max_entries", "maxEntries.%s", name);
	if (!m)
		return werr_set(e, ENOENT, "bpf_map__set_max_entries", "no map '%s'", name);
	err = bpf_map__set_max_entries(m, n);
	return err ? werr_set(e, err, "bpf_map__set_max_entries", "map '%s'", name) : 0;
}

static int each_rodata(napi_env env, struct bpf_object *obj, const char *name, napi_value v, struct werr *e)
{
	void *data;
	size_t len;

	if (!arg_buffer(env, v, "rodata value", &data, &len))
		return werr_set(e, EINVAL, "bpf_map__set_initial_value", "rodata.%s", name);
	return patch_rodata(obj, name, data, len, e);
}

static int each_autoload(napi_env env, struct bpf_object *obj, const char *name, napi_value v, struct werr *e)
{
	struct bpf_program *p = bpf_object__find_program_by_name(obj, name);
	bool on;
	int err;

	if (napi_get_value_bool(env, v, &on) != napi_ok) {
		napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "autoload values must be booleans");
		return werr_set(e, EINVAL, "bpf_program__set_autoload", "autoload.%s", name);
	}
	if (!p)
		return werr_set(e, ENOENT, "bpf_program__set_autoload", "no program '%s'", name);
	err = bpf_program__set_autoload(p, on);
	return err ? werr_set(e, err, "bpf_program__set_autoload", "program '%s'", name) : 0;
}

/* openObject(path, { maxEntries?, rodata?, autoload? }) → handle */
napi_value js_open_object(napi_env env, napi_callback_info info)
{
	size_t argc = 2;
	napi_value argv[2], options;
	char path[4096];
	struct bpf_object *obj;
	struct werr e;
	bool failed, pending;
	int err, slot = -1;
	int32_t h;

	NAPI_TRY(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
	if (!arg_string(env, argc > 0 ? argv[0] : NULL, "path", path, sizeof(path)))
		return NULL;
	options = argc > 1 ? argv[1] : NULL;

	wlog_reset();
	obj = bpf_object__open_file(path, NULL);
	if (!obj)
		return throw_errno(env, errno, "bpf_object__open", "'%s'", path);

	static const struct { const char *field; each_fn fn; } steps[] = {
		{ "maxEntries", each_max_entries },
		{ "rodata", each_rodata },
		{ "autoload", each_autoload },
	};
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if (!for_each_prop(env, options, steps[i].field, obj, steps[i].fn, &e, &failed)) {
			bpf_object__close(obj);
			return NULL;
		}
		if (failed) {
			bpf_object__close(obj);
			if (napi_is_exception_pending(env, &pending) == napi_ok && pending)
				return NULL;
			return throw_werr(env, &e);
		}
	}

	err = bpf_object__load(obj);
	if (err) {
		werr_set(&e, err, "bpf_object__load", "'%s'", path);
		bpf_object__close(obj);
		return throw_werr(env, &e);
	}

	pthread_mutex_lock(&obj_mu);
	for (int i = 0; i < MAX_OBJECTS; i++) {
		if (!objects[i].obj) {
			slot = i;
			break;
		}
	}
	if (slot < 0) {
		pthread_mutex_unlock(&obj_mu);
		bpf_object__close(obj);
		return throw_errno(env, EMFILE, "bpf_object__load", "more than %d objects open", MAX_OBJECTS);
	}
	objects[slot].obj = obj;
	if (++objects[slot].gen >= (1u << (31 - OBJ_BITS)))
		objects[slot].gen = 1;
	h = handle_make((uint32_t)slot, objects[slot].gen, OBJ_BITS);
	pthread_mutex_unlock(&obj_mu);
	napi_value out;
	NAPI_TRY(env, napi_create_int32(env, h, &out));
	return out;
}

/* closeObject(handle): detaches its links, then bpf_object__close. A closed handle is a no-op. */
napi_value js_close_object(napi_env env, napi_callback_info info)
{
	size_t argc = 1;
	napi_value argv[1];
	int32_t h;
	struct obj_slot *s;

	NAPI_TRY(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
	if (!arg_i32(env, argc > 0 ? argv[0] : NULL, "object handle", &h))
		return NULL;
	pthread_mutex_lock(&obj_mu);
	s = &objects[handle_idx(h, OBJ_BITS)];
	if (h > 0 && s->obj && s->gen == handle_gen(h, OBJ_BITS)) {
		links_detach_object(h);
		bpf_object__close(s->obj);
		s->obj = NULL;
	}
	pthread_mutex_unlock(&obj_mu);
	return undefined(env);
}

/* ---- maps ----------------------------------------------------------------------------------- */

/* Resolves (handle, map name) with the object table locked; NULL after a throw (unlocked). */
static struct bpf_map *map_lock(napi_env env, napi_value *argv, size_t argc)
{
	struct bpf_object *obj = obj_lock(env, argc > 0 ? argv[0] : NULL, NULL);
	struct bpf_map *m;
	char name[256];

	if (!obj)
		return NULL;
	if (!arg_string(env, argc > 1 ? argv[1] : NULL, "map", name, sizeof(name))) {
		obj_unlock();
		return NULL;
	}
	m = bpf_object__find_map_by_name(obj, name);
	if (!m || bpf_map__fd(m) < 0) {
		obj_unlock();
		throw_errno(env, ENOENT, "bpf_object__find_map_by_name", "no loaded map '%s'", name);
		return NULL;
	}
	return m;
}

static bool check_len(napi_env env, struct bpf_map *m, const char *what, size_t have, size_t want)
{
	if (have == want)
		return true;
	obj_unlock();
	throw_errno(env, EINVAL, "bpf_map", "map '%s': %s is %zu bytes, must be %zu", bpf_map__name(m), what, have,
		    want);
	return false;
}

napi_value js_map_info(napi_env env, napi_callback_info info)
{
	size_t argc = 2;
	napi_value argv[2], out;
	struct bpf_map *m;

	NAPI_TRY(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
	if (!(m = map_lock(env, argv, argc)))
		return NULL;
	if (napi_create_object(env, &out) == napi_ok) {
		set_prop(env, out, "type", make_u32(env, bpf_map__type(m)));
		set_prop(env, out, "keySize", make_u32(env, bpf_map__key_size(m)));
		set_prop(env, out, "valueSize", make_u32(env, bpf_map__value_size(m)));
		set_prop(env, out, "maxEntries", make_u32(env, bpf_map__max_entries(m)));
	}
	obj_unlock();
	return out;
}

/* mapLookup(obj, map, key, value) → false on ENOENT */
napi_value js_map_lookup(napi_env env, napi_callback_info info)
{
	size_t argc = 4, klen = 0, vlen = 0;
	napi_value argv[4];
	struct bpf_map *m;
	void *key, *val;
	int err;

	NAPI_TRY(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
	if (!(m = map_lock(env, argv, argc)))
		return NULL;
	if (!arg_buffer(env, argc > 2 ? argv[2] : NULL, "key", &key, &klen) ||
	    !arg_buffer(env, argc > 3 ? argv[3] : NULL, "value", &val, &vlen)) {
		obj_unlock();
		return NULL;
	}
	if (!check_len(env, m, "key", klen, bpf_map__key_size(m)) ||
	    !check_len(env, m, "value", vlen, value_stride(m)))
		return NULL;
	err = bpf_map_lookup_elem(bpf_map__fd(m), key, val);
	obj_unlock();
	if (err && errno != ENOENT)
		return throw_errno(env, errno, "bpf_map_lookup_elem", NULL);
	return make_bool(env, err == 0);
}

/* mapUpdate(obj, map, key, value, flags) */
napi_value js_map_update(napi_env env, napi_callback_info info)
{
	size_t argc = 5, klen = 0, vlen = 0;
	napi_value argv[5];
	struct bpf_map *m;
	void *key, *val;
	uint32_t flags;
	int err;

	NAPI_TRY(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
	if (!(m = map_lock(env, argv, argc)))
		return NULL;
	if (!arg_buffer(env, argc > 2 ? argv[2] : NULL, "key", &key, &klen) ||
	    !arg_buffer(env, argc > 3 ? argv[3] : NULL, "value", &val, &vlen) ||
	    !arg_u32(env, argc > 4 ? argv[4] : NULL, "flags", &flags)) {
		obj_unlock();
		return NULL;
	}
	if (!check_len(env, m, "key", klen, bpf_map__key_size(m)) ||
	    !check_len(env, m, "value", vlen, value_stride(m)))
		return NULL;
	err = bpf_map_update_elem(bpf_map__fd(m), key, val, flags);
	obj_unlock();
	if (err)
		return throw_errno(env, errno, "bpf_map_update_elem", NULL);
	return undefined(env);
}

/* mapDelete(obj, map, key) → false on ENOENT */
napi_value js_map_delete(napi_env env, napi_callback_info info)
{
	size_t argc = 3, klen = 0;
	napi_value argv[3];
	struct bpf_map *m;
	void *key;
	int err;

	NAPI_TRY(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
	if (!(m = map_lock(env, argv, argc)))
		return NULL;
	if (!arg_buffer(env, argc > 2 ? argv[2] : NULL, "key", &key, &klen)) {
		obj_unlock();
		return NULL;
	}
	if (!check_len(env, m, "key", klen, bpf_map__key_size(m)))
		return NULL;
	err = bpf_map_delete_elem(bpf_map__fd(m), key);
	obj_unlock();
	if (err && errno != ENOENT)
		return throw_errno(env, errno, "bpf_map_delete_elem", NULL);
	return make_bool(env, err == 0);
}

static bool batch_unsupported(int err)
{
	err = err < 0 ? -err : err;
	return err == EINVAL || err == ENOTSUPP || err == EOPNOTSUPP;
}

/* The old way, for kernels or map types without batch ops: get_next_key + lookup. */
static int walk_lookup(int fd, size_t ks, size_t vs, uint8_t *keys, uint8_t *vals, size_t cap, size_t *got,
		       struct werr *e)
{
	uint8_t *prev = malloc(ks ? ks : 1);
	bool first = true;
	size_t n = 0;

	if (!prev)
		return werr_set(e, ENOMEM, "bpf_map_get_next_key", NULL);
	while (n < cap) {
		uint8_t *k = keys + n * ks;

		if (bpf_map_get_next_key(fd, first ? NULL : prev, k)) {
			if (errno == ENOENT)
				break;
			free(prev);
			return werr_set(e, errno, "bpf_map_get_next_key", NULL);
		}
		first = false;
		memcpy(prev, k, ks);
		if (bpf_map_lookup_elem(fd, k, vals + n * vs)) {
			if (errno == ENOENT) /* deleted meanwhile: skip it */
				continue;
			free(prev);
			return werr_set(e, errno, "bpf_map_lookup_elem", NULL);
		}
		n++;
	}
	free(prev);
	*got = n;
	return 0;
}

/*
 * mapLookupBatch(obj, map, keys, values) → entries written
 * bpf_map_lookup_batch over the batch token until ENOENT. When the next hash bucket holds more
 * entries than the room left (ENOSPC with nothing returned), that bucket is read into scratch
 * space and only what fits is copied, so the caller gets exactly `capacity` entries.
 */
napi_value js_map_lookup_batch(napi_env env, napi_callback_info info)
{
	size_t argc = 4, klen = 0, vlen = 0, ks, vs, cap, total = 0;
	napi_value argv[4];
	struct bpf_map *m;
	uint8_t *keys, *vals, *tok_in = NULL, *tok_out = NULL;
	struct werr e;
	bool first = true;
	int fd, rc = 0;

	NAPI_TRY(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
	if (!(m = map_lock(env, argv, argc)))
		return NULL;
	if (!arg_buffer(env, argc > 2 ? argv[2] : NULL, "keys", (void **)&keys, &klen) ||
	    !arg_buffer(env, argc > 3 ? argv[3] : NULL, "values", (void **)&vals, &vlen)) {
		obj_unlock();
		return NULL;
	}
	fd = bpf_map__fd(m);
	ks = bpf_map__key_size(m);
	vs = value_stride(m);
	cap = ks ? klen / ks : 0;
	if (ks == 0 || vs == 0 || vlen < cap * vs) {
		obj_unlock();
		return throw_errno(env, EINVAL, "bpf_map_lookup_batch",
				   "map '%s': values holds %zu bytes, %zu keys need %zu", bpf_map__name(m), vlen, cap,
				   cap * vs);
	}
	/* the token is a u32 bucket for hash maps and a key for arrays */
	tok_in = calloc(2, ks + 8);
	if (!tok_in) {
		obj_unlock();
		return throw_errno(env, ENOMEM, "bpf_map_lookup_batch", NULL);
	}
	tok_out = tok_in + ks + 8;

	while (total < cap) {
		__u32 count = (__u32)(cap - total);
		int err = bpf_map_lookup_batch(fd, first ? NULL : tok_in, tok_out, keys + total * ks,
					       vals + total * vs, &count, NULL);

		if (err && first && total == 0 && batch_unsupported(err)) {
			size_t got = 0;

			rc = walk_lookup(fd, ks, vs, keys, vals, cap, &got, &e);
			total = got;
			break;
		}
		total += count;
		if (err == -ENOENT)
			break;
		if (err == -ENOSPC && count == 0) {
			/* a bucket larger than the room left: read it aside, keep what fits */
			size_t room = cap - total, want = room * 2;

			for (;;) {
				uint8_t *sk = malloc(want * (ks + vs)), *sv;
				__u32 n = (__u32)want;

				if (!sk) {
					rc = werr_set(&e, ENOMEM, "bpf_map_lookup_batch", NULL);
					break;
				}
				sv = sk + want * ks;
				err = bpf_map_lookup_batch(fd, first ? NULL : tok_in, tok_out, sk, sv, &n, NULL);
				if ((err == 0 || err == -ENOENT) && n > 0) {
					size_t take = n < room ? n : room;

					memcpy(keys + total * ks, sk, take * ks);
					memcpy(vals + total * vs, sv, take * vs);
					total += take;
				}
				free(sk);
				if (err == -ENOSPC && n == 0 && want < (size_t)bpf_map__max_entries(m) * 2) {
					want *= 2;
					continue;
				}
				if (err && err != -ENOENT && err != -ENOSPC)
					rc = werr_set(&e, err, "bpf_map_lookup_batch", "map '%s'", bpf_map__name(m));
				break;
			}
			break;
		}
		if (err) {
			rc = werr_set(&e, err, "bpf_map_lookup_batch", "map '%s'", bpf_map__name(m));
			break;
		}
		memcpy(tok_in, tok_out, ks + 8);
		first = false;
	}
	free(tok_in);
	obj_unlock();
	if (rc < 0)
		return throw_werr(env, &e);
	return make_u32(env, (uint32_t)total);
}

/* mapDeleteBatch(obj, map, keys, count) → deleted; a missing key is skipped, not an error. */
napi_value js_map_delete_batch(napi_env env, napi_callback_info info)
{
	size_t argc = 4, klen = 0, ks;
	napi_value argv[4];
	struct bpf_map *m;
	uint8_t *keys;
	uint32_t count, done = 0, deleted = 0;
	bool batch = true;
	int fd;

	NAPI_TRY(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
	if (!(m = map_lock(env, argv, argc)))
		return NULL;
	if (!arg_buffer(env, argc > 2 ? argv[2] : NULL, "keys", (void **)&keys, &klen) ||
	    !arg_u32(env, argc > 3 ? argv[3] : NULL, "count", &count)) {
		obj_unlock();
		return NULL;
	}
	fd = bpf_map__fd(m);
	ks = bpf_map__key_size(m);
	if ((size_t)count * ks > klen) {
		obj_unlock();
		return throw_errno(env, EINVAL, "bpf_map_delete_batch", "map '%s': %u keys need %zu bytes, keys has %zu",
				   bpf_map__name(m), count, (size_t)count * ks, klen);
	}
	while (done < count) {
		__u32 n = count - done;
		int err;

		if (batch) {
			err = bpf_map_delete_batch(fd, keys + (size_t)done * ks, &n, NULL);
			if (err && done == 0 && n == 0 && batch_unsupported(err)) {
				batch = false;
				continue;
			}
		} else {
			n = 0;
			err = bpf_map_delete_elem(fd, keys + (size_t)done * ks) ? -errno : 0;
			if (!err)
				n = 1;
		}
		/* the kernel stops at the first failing key and reports how many went before it */
		deleted += n;
		done += n;
		if (!err)
			continue;
		if (err == -ENOENT) {
			done++;
			continue;
		}
		obj_unlock();
		return throw_errno(env, err, batch ? "bpf_map_delete_batch" : "bpf_map_delete_elem", "map '%s'",
				   bpf_map__name(m));
	}
	obj_unlock();
	return make_u32(env, deleted);
}

/*
 * bpfObjectExists('prog'|'link', id): whether the kernel still holds that program or link. The
 * agent's tests use it to prove a killed agent left nothing behind (bpftool 7.1 cannot list tcx
 * links, and the id iteration stops early on this kernel).
 */
napi_value js_bpf_object_exists(napi_env env, napi_callback_info info)
{
	size_t argc = 2;
	napi_value argv[2], out;
	char kind[8];
	uint32_t id;

	NAPI_TRY(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
	if (!arg_string(env, argv[0], "kind", kind, sizeof(kind)) || !arg_u32(env, argv[1], "id", &id))
		return NULL;
	bool link = strcmp(kind, "link") == 0;
	if (!link && strcmp(kind, "prog") != 0) {
		napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", "kind must be 'prog' or 'link'");
		return NULL;
	}
	int fd = link ? bpf_link_get_fd_by_id(id) : bpf_prog_get_fd_by_id(id);
	int err = fd < 0 ? errno : 0;
	if (fd >= 0)
		close(fd);
	else if (err != ENOENT)
		return throw_errno(env, err, link ? "bpf_link_get_fd_by_id" : "bpf_prog_get_fd_by_id", "id %u", id);
	NAPI_TRY(env, napi_get_boolean(env, fd >= 0, &out));
	return out;
}
