/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Links: tc programs on an interface of some network namespace, and tracing programs.
 *
 * tc, mode 'auto':
 *   1. tcx: bpf_link_create(prog, ifindex, BPF_TCX_INGRESS/EGRESS). libbpf 1.1 has no
 *      bpf_program__attach_tcx, but the attach type passes straight through. A tcx link goes
 *      away with its fd, so a crashed agent leaves nothing behind.
 *   2. If the kernel refuses tcx (EINVAL/EOPNOTSUPP/ENOTSUPP, i.e. before 6.6): legacy cls_bpf
 *      on clsact, with a fixed handle/priority and BPF_TC_F_REPLACE, so the filter a crashed
 *      agent left (legacy filters outlive their process) is replaced rather than doubled.
 * Both run on a fresh pthread inside the namespace (netns.c); legacy detach too. Detach never
 * destroys the clsact qdisc: other tools' filters live there.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "weft_native.h"

#define LINK_BITS 12
_Static_assert(WEFT_MAX_LINKS == 1 << LINK_BITS, "handle bits");

/* Not in bookworm's UAPI headers (6.1); kernel 6.6+. */
#define WEFT_BPF_TCX_INGRESS 46
#define WEFT_BPF_TCX_EGRESS 47
#define WEFT_BPF_LINK_TYPE_TCX 11
#define ENOTSUPP 524

enum link_kind { LINK_FREE, LINK_TCX, LINK_LEGACY, LINK_TRACING };
enum tc_mode { MODE_AUTO, MODE_TCX, MODE_LEGACY };

struct link_slot {
	enum link_kind kind;
	uint32_t gen;
	int32_t obj;
	int fd;                  /* tcx */
	struct bpf_link *blink;  /* tracing */
	/* legacy: where to find the filter again */
	char *netns;             /* NULL: own namespace */
	uint64_t ns_ino;         /* the namespace it was attached in (a recreated name is not it) */
	int ifindex;
	bool egress;
	uint32_t handle, priority;
};

static struct link_slot links[WEFT_MAX_LINKS];
static pthread_mutex_t link_mu = PTHREAD_MUTEX_INITIALIZER;

static int link_alloc(int32_t obj)
{
	for (int i = 0; i < WEFT_MAX_LINKS; i++) {
		if (links[i].kind == LINK_FREE) {
			uint32_t gen = links[i].gen + 1 < (1u << (31 - LINK_BITS)) ? links[i].gen + 1 : 1;

			memset(&links[i], 0, sizeof(links[i]));
			links[i].gen = gen;
			links[i].obj = obj;
			links[i].fd = -1;
			return i;
		}
	}
	return -1;
}

static void link_free(struct link_slot *l)
{
	free(l->netns);
	l->netns = NULL;
	l->kind = LINK_FREE;
	l->obj = 0;
}

/* ---- tc ------------------------------------------------------------------------------------- */

struct tc_job {
	int prog_fd, ifindex;
	bool egress;
	enum tc_mode mode;
	uint32_t handle, priority;
	uint64_t expect_ino; /* detach: 0 or the namespace it must still be */
	int link_fd;         /* out: tcx link */
	enum link_kind got;  /* out */
};

static int tc_attach_job(void *arg, struct werr *e)
{
	struct tc_job *j = arg;
	int err;

	if (j->mode != MODE_LEGACY) {
		int fd = bpf_link_create(j->prog_fd, j->ifindex, j->egress ? WEFT_BPF_TCX_EGRESS : WEFT_BPF_TCX_INGRESS,
					 NULL);

		if (fd >= 0) {
			j->link_fd = fd;
			j->got = LINK_TCX;
			return 0;
		}
		if (j->mode == MODE_TCX || !(fd == -EINVAL || fd == -EOPNOTSUPP || fd == -ENOTSUPP))
			return werr_set(e, fd, "bpf_link_create", "tcx %s, ifindex %d", j->egress ? "egress" : "ingress",
					j->ifindex);
		wlog_reset();
	}

	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = j->ifindex,
			    .attach_point = j->egress ? BPF_TC_EGRESS : BPF_TC_INGRESS);
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST)
		return werr_set(e, err, "bpf_tc_hook_create", "clsact, ifindex %d", j->ifindex);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = j->handle, .priority = j->priority, .prog_fd = j->prog_fd,
			    .flags = BPF_TC_F_REPLACE);
	err = bpf_tc_attach(&hook, &opts);
	if (err)
		return werr_set(e, err, "bpf_tc_attach", "%s, ifindex %d, handle %#x, priority %u",
				j->egress ? "egress" : "ingress", j->ifindex, j->handle, j->priority);
	j->got = LINK_LEGACY;
	return 0;
}

static int tc_detach_job(void *arg, struct werr *e)
{
	struct tc_job *j = arg;
	struct stat st;
	int err;

	if (j->expect_ino && (stat("/proc/thread-self/ns/net", &st) != 0 || st.st_ino != j->expect_ino))
		return werr_set(e, ENOENT, "setns", "the namespace was replaced since the attach");
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = j->ifindex,
			    .attach_point = j->egress ? BPF_TC_EGRESS : BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = j->handle, .priority = j->priority);
	err = bpf_tc_detach(&hook, &opts);
	return err ? werr_set(e, err, "bpf_tc_detach", "ifindex %d, handle %#x, priority %u", j->ifindex, j->handle,
			      j->priority)
		   : 0;
}

/*
 * Destroys a tcx link: 1, or 0 when the kernel had already detached it because its interface
 * (or the namespace holding it) went away — link info then shows ifindex 0. The tcx member of
 * bpf_link_info is not in bookworm's 6.1 UAPI header; it is the first u32 of the union, where
 * xdp.ifindex sits.
 */
static int tcx_close(int fd)
{
	struct bpf_link_info info;
	__u32 len = sizeof(info);
	int gone;

	memset(&info, 0, sizeof(info));
	gone = bpf_obj_get_info_by_fd(fd, &info, &len) == 0 && info.type == WEFT_BPF_LINK_TYPE_TCX &&
	       info.xdp.ifindex == 0;
	close(fd);
	return gone ? 0 : 1;
}

/* Detaches l (link table locked). 1 detached, 0 already gone (vanished netns/interface), <0 error. */
static int link_detach(struct link_slot *l, struct werr *e)
{
	struct tc_job j;
	int rc;

	switch (l->kind) {
	case LINK_TCX:
		return tcx_close(l->fd);
	case LINK_TRACING:
		bpf_link__destroy(l->blink);
		return 1;
	case LINK_LEGACY:
		memset(&j, 0, sizeof(j));
		j.ifindex = l->ifindex;
		j.egress = l->egress;
		j.handle = l->handle;
		j.priority = l->priority;
		j.expect_ino = l->ns_ino;
		rc = netns_run(l->netns, tc_detach_job, &j, e, NULL);
		if (rc == 0)
			return 1;
		if (rc == -ENOENT || rc == -ENODEV)
			return 0;
		return rc;
	default:
		return 0;
	}
}

void links_detach_object(int32_t obj_id)
{
	struct werr e;

	pthread_mutex_lock(&link_mu);
	for (int i = 0; i < WEFT_MAX_LINKS; i++) {
		if (links[i].kind != LINK_FREE && links[i].obj == obj_id) {
			link_detach(&links[i], &e); /* best effort: the object is going away */
			link_free(&links[i]);
		}
	}
	pthread_mutex_unlock(&link_mu);
}

/* The loaded program `name` of obj (object table locked), or NULL after a throw. */
static struct bpf_program *find_prog(napi_env env, struct bpf_object *obj, napi_value v)
{
	char name[256];
	struct bpf_program *p;

	if (!arg_string(env, v, "program", name, sizeof(name)))
		return NULL;
	p = bpf_object__find_program_by_name(obj, name);
	if (!p) {
		throw_errno(env, ENOENT, "bpf_object__find_program_by_name", "no program '%s'", name);
		return NULL;
	}
	if (bpf_program__fd(p) < 0) {
		throw_errno(env, EINVAL, "bpf_program__fd", "program '%s' is not loaded (autoload off?)", name);
		return NULL;
	}
	return p;
}

static napi_value link_result(napi_env env, int idx, const char *mode)
{
	napi_value out, h;

	if (napi_create_object(env, &out) != napi_ok ||
	    napi_create_int32(env, handle_make((uint32_t)idx, links[idx].gen, LINK_BITS), &h) != napi_ok)
		return NULL;
	set_prop(env, out, "link", h);
	if (mode)
		set_prop(env, out, "mode", make_string(env, mode));
	return out;
}

/* attachTc(obj, program, { netns?, ifindex, direction, mode?, handle?, priority? }) → { link, mode } */
napi_value js_attach_tc(napi_env env, napi_callback_info info)
{
	size_t argc = 3;
	napi_value argv[3], opts, v, out;
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct tc_job j = { .link_fd = -1 };
	struct werr e;
	char netns[4096], dir[16], mode[16];
	bool has_netns, has_mode, present;
	uint64_t ino = 0;
	uint32_t ifindex;
	int32_t obj_id;
	int idx, rc;

	NAPI_TRY(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
	opts = argc > 2 ? argv[2] : NULL;
	if (!opt_string(env, opts, "netns", netns, sizeof(netns), &has_netns) ||
	    !opt_string(env, opts, "direction", dir, sizeof(dir), &present) ||
	    !opt_string(env, opts, "mode", mode, sizeof(mode), &has_mode) ||
	    !opt_u32(env, opts, "handle", 0xbee, 1, UINT32_MAX, &j.handle) ||
	    !opt_u32(env, opts, "priority", 7, 1, 0xffff, &j.priority) ||
	    !opt_prop(env, opts, "ifindex", &v, &present))
		return NULL;
	if (!present)
		return throw_errno(env, EINVAL, "attachTc", "options.ifindex is required");
	if (!arg_u32(env, v, "options.ifindex", &ifindex))
		return NULL;
	if (ifindex == 0 || ifindex > INT32_MAX)
		return throw_errno(env, EINVAL, "attachTc", "options.ifindex must be a positive int32");
	j.ifindex = (int)ifindex;
	if (strcmp(dir, "ingress") == 0)
		j.egress = false;
	else if (strcmp(dir, "egress") == 0)
		j.egress = true;
	else
		return throw_errno(env, EINVAL, "attachTc", "options.direction must be 'ingress' or 'egress'");
	if (!has_mode || strcmp(mode, "auto") == 0)
		j.mode = MODE_AUTO;
	else if (strcmp(mode, "tcx") == 0)
		j.mode = MODE_TCX;
	else if (strcmp(mode, "legacy") == 0)
		j.mode = MODE_LEGACY;
	else
		return throw_errno(env, EINVAL, "attachTc", "options.mode must be 'auto', 'tcx' or 'legacy'");

	if (!(obj = obj_lock(env, argc > 0 ? argv[0] : NULL, &obj_id)))
		return NULL;
	if (!(prog = find_prog(env, obj, argc > 1 ? argv[1] : NULL))) {
		obj_unlock();
		return NULL;
	}
	if (bpf_program__type(prog) != BPF_PROG_TYPE_SCHED_CLS) {
		obj_unlock();
		return throw_errno(env, EINVAL, "attachTc", "program '%s' is not a SEC(\"tc\") program",
				   bpf_program__name(prog));
	}
	j.prog_fd = bpf_program__fd(prog);

	pthread_mutex_lock(&link_mu);
	idx = link_alloc(obj_id);
	if (idx < 0) {
		pthread_mutex_unlock(&link_mu);
		obj_unlock();
		return throw_errno(env, EMFILE, "attachTc", "more than %d links", WEFT_MAX_LINKS);
	}
	rc = netns_run(has_netns ? netns : NULL, tc_attach_job, &j, &e, &ino);
	if (rc == 0 && j.got == LINK_LEGACY && has_netns && !(links[idx].netns = strdup(netns))) {
		/* cannot find it again without the path: undo now */
		j.expect_ino = ino;
		netns_run(netns, tc_detach_job, &j, &e, NULL);
		rc = werr_set(&e, ENOMEM, "attachTc", NULL);
	}
	if (rc < 0) {
		link_free(&links[idx]);
		pthread_mutex_unlock(&link_mu);
		obj_unlock();
		return throw_werr(env, &e);
	}
	links[idx].kind = j.got;
	links[idx].fd = j.link_fd;
	links[idx].ns_ino = ino;
	links[idx].ifindex = j.ifindex;
	links[idx].egress = j.egress;
	links[idx].handle = j.handle;
	links[idx].priority = j.priority;
	out = link_result(env, idx, j.got == LINK_TCX ? "tcx" : "legacy");
	pthread_mutex_unlock(&link_mu);
	obj_unlock();
	return out;
}

/* attachTracing(obj, program) → { link }: bpf_program__attach (tp_btf, fentry, raw_tp, …) */
napi_value js_attach_tracing(napi_env env, napi_callback_info info)
{
	size_t argc = 2;
	napi_value argv[2], out;
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_link *bl;
	int32_t obj_id;
	int idx;

	NAPI_TRY(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
	if (!(obj = obj_lock(env, argc > 0 ? argv[0] : NULL, &obj_id)))
		return NULL;
	if (!(prog = find_prog(env, obj, argc > 1 ? argv[1] : NULL))) {
		obj_unlock();
		return NULL;
	}
	pthread_mutex_lock(&link_mu);
	idx = link_alloc(obj_id);
	if (idx < 0) {
		pthread_mutex_unlock(&link_mu);
		obj_unlock();
		return throw_errno(env, EMFILE, "bpf_program__attach", "more than %d links", WEFT_MAX_LINKS);
	}
	wlog_reset();
	bl = bpf_program__attach(prog);
	if (!bl) {
		int err = errno;

		link_free(&links[idx]);
		pthread_mutex_unlock(&link_mu);
		obj_unlock();
		return throw_errno(env, err, "bpf_program__attach", "program '%s'", bpf_program__name(prog));
	}
	links[idx].kind = LINK_TRACING;
	links[idx].blink = bl;
	out = link_result(env, idx, NULL);
	pthread_mutex_unlock(&link_mu);
	obj_unlock();
	return out;
}

/* detach(link) → true when removed now, false when already gone; throws on real failures. */
napi_value js_detach(napi_env env, napi_callback_info info)
{
	size_t argc = 1;
	napi_value argv[1];
	struct link_slot *l;
	struct werr e;
	int32_t h;
	int rc;

	NAPI_TRY(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
	if (!arg_i32(env, argc > 0 ? argv[0] : NULL, "link handle", &h))
		return NULL;
	if (h <= 0)
		return throw_errno(env, EINVAL, "detach", "not a link handle: %d", h);
	pthread_mutex_lock(&link_mu);
	l = &links[handle_idx(h, LINK_BITS)];
	if (l->kind == LINK_FREE || l->gen != handle_gen(h, LINK_BITS)) {
		pthread_mutex_unlock(&link_mu);
		return make_bool(env, false);
	}
	rc = link_detach(l, &e);
	if (rc >= 0)
		link_free(l);
	pthread_mutex_unlock(&link_mu);
	if (rc < 0)
		return throw_werr(env, &e);
	return make_bool(env, rc == 1);
}

/* ---- probe ---------------------------------------------------------------------------------- */

/*
 * tcx without touching any interface: create a tcx link for a trivial tc program on ifindex 0.
 * A kernel with tcx gets as far as looking the device up (ENODEV); one without refuses the
 * attach type (EINVAL). Nothing is ever attached.
 */
static bool probe_tcx(void)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = -1 }, /* TC_ACT_UNSPEC */
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int prog, fd;

	prog = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "weft_probe", "GPL", insns, 2, NULL);
	if (prog < 0)
		return false;
	fd = bpf_link_create(prog, 0, WEFT_BPF_TCX_INGRESS, NULL);
	if (fd >= 0)
		close(fd);
	close(prog);
	return fd >= 0 || fd == -ENODEV;
}

/*
 * Tracing (BTF-typed) programs: libbpf 1.1's libbpf_probe_bpf_prog_type cannot probe
 * BPF_PROG_TYPE_TRACING (it needs an attach target), so load what attachTracing would: a
 * tp_btf program for sched_switch, found in the kernel's BTF. Loaded and closed, never attached.
 */
static bool probe_tracing(void)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int id = libbpf_find_vmlinux_btf_id("sched_switch", BPF_TRACE_RAW_TP), fd;

	if (id <= 0)
		return false;
	DECLARE_LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = BPF_TRACE_RAW_TP, .attach_btf_id = id);
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "weft_probe", "GPL", insns, 2, &o);
	if (fd >= 0)
		close(fd);
	return fd >= 0;
}

napi_value js_probe(napi_env env, napi_callback_info info)
{
	napi_value out;

	(void)info;
	NAPI_TRY(env, napi_create_object(env, &out));
	set_prop(env, out, "ringbuf", make_bool(env, libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) == 1));
	set_prop(env, out, "tracing", make_bool(env, probe_tracing()));
	set_prop(env, out, "tcx", make_bool(env, probe_tcx()));
	set_prop(env, out, "btf", make_bool(env, access("/sys/kernel/btf/vmlinux", R_OK) == 0));
	set_prop(env, out, "netnsCookie",
		 make_bool(env, libbpf_probe_bpf_helper(BPF_PROG_TYPE_SCHED_CLS, BPF_FUNC_get_netns_cookie, NULL) == 1));
	wlog_reset();
	return out;
}
