/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Network namespaces. setns(CLONE_NEWNET) changes only the calling thread, so namespace-scoped
 * work runs on a fresh pthread that enters the namespace, does the one job and exits; the JS
 * thread joins it (well under a millisecond). Nothing ever switches back, and no libuv pool
 * thread is ever moved (they serve fs/dns for the whole process).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "weft_native.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif
#define NETLINK_DUMP_MAX (256u << 20) /* a bound, not an expectation */
#define NETLINK_RECV_BUF (64u << 10)

/* Signals stay with Node's threads: the new thread starts with every signal blocked. */
int thread_spawn(pthread_t *t, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	int err;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(t, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return err;
}

int netns_enter(const char *path, struct werr *e, uint64_t *ns_ino)
{
	struct stat st;
	int fd;

	if (!path) {
		if (ns_ino && stat("/proc/thread-self/ns/net", &st) == 0)
			*ns_ino = st.st_ino;
		return 0;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return werr_set(e, errno, "open", "'%s'", path);
	if (fstat(fd, &st) == 0 && ns_ino)
		*ns_ino = st.st_ino;
	if (setns(fd, CLONE_NEWNET) < 0) {
		int err = errno;

		close(fd);
		return werr_set(e, err, "setns", "'%s'", path);
	}
	close(fd);
	return 0;
}

struct netns_job {
	const char *path;
	netns_fn fn;
	void *arg;
	struct werr *e;
	uint64_t ino;
	int rc;
};

static void *netns_thread(void *p)
{
	struct netns_job *job = p;

	wlog_reset();
	job->rc = netns_enter(job->path, job->e, &job->ino);
	if (job->rc == 0)
		job->rc = job->fn(job->arg, job->e);
	return NULL;
}

int netns_run(const char *path, netns_fn fn, void *arg, struct werr *e, uint64_t *ns_ino)
{
	struct netns_job job = { .path = path, .fn = fn, .arg = arg, .e = e };
	pthread_t t;
	int err;

	err = thread_spawn(&t, netns_thread, &job);
	if (err)
		return werr_set(e, err, "pthread_create", NULL);
	pthread_join(t, NULL);
	if (ns_ino)
		*ns_ino = job.ino;
	return job.rc;
}

/* ---- netnsInfo ------------------------------------------------------------------------------ */

static int cookie_job(void *arg, struct werr *e)
{
	uint64_t *cookie = arg;
	socklen_t len = sizeof(*cookie);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return werr_set(e, errno, "socket", NULL);
	if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, cookie, &len) < 0) {
		int err = errno;

		close(fd);
		return werr_set(e, err, "getsockopt", "SO_NETNS_COOKIE");
	}
	close(fd);
	return 0;
}

/* netnsInfo(path) → { inode, cookie } */
napi_value js_netns_info(napi_env env, napi_callback_info info)
{
	size_t argc = 1;
	napi_value argv[1], out, v;
	char path[4096];
	uint64_t cookie = 0, ino = 0;
	struct werr e;

	NAPI_TRY(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
	if (!arg_string(env, argc > 0 ? argv[0] : NULL, "path", path, sizeof(path)))
		return NULL;
	if (netns_run(path, cookie_job, &cookie, &e, &ino) < 0)
		return throw_werr(env, &e);
	NAPI_TRY(env, napi_create_object(env, &out));
	set_prop(env, out, "inode", make_f64(env, (double)ino));
	NAPI_TRY(env, napi_create_bigint_uint64(env, cookie, &v));
	set_prop(env, out, "cookie", v);
	return out;
}

/* ---- netlinkDump ---------------------------------------------------------------------------- */

struct dump_job {
	uint16_t type;
	uint8_t *out;
	size_t len, cap;
	uint8_t *rx;
};

static int dump_append(struct dump_job *d, const void *p, size_t n, struct werr *e)
{
	if (d->len + n > d->cap) {
		size_t cap = d->cap ? d->cap : 65536;
		uint8_t *q;

		while (cap < d->len + n)
			cap *= 2;
		if (cap > NETLINK_DUMP_MAX)
			return werr_set(e, ENOBUFS, "recv", "netlink dump larger than %u bytes", NETLINK_DUMP_MAX);
		q = realloc(d->out, cap);
		if (!q)
			return werr_set(e, ENOMEM, "recv", "netlink dump");
		d->out = q;
		d->cap = cap;
	}
	memcpy(d->out + d->len, p, n);
	d->len += n;
	return 0;
}

/* One dump; 1 when the kernel said the dump was interrupted (NLM_F_DUMP_INTR), so retry. */
static int dump_once(int fd, struct dump_job *d, uint32_t seq, struct werr *e)
{
	struct {
		struct nlmsghdr nh;
		union {
			struct ifinfomsg ifi;
			struct ifaddrmsg ifa;
			struct rtmsg rtm;
		};
	} req;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	int intr = 0;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_type = d->type;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nh.nlmsg_seq = seq;
	switch (d->type) {
	case RTM_GETLINK:
		req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
		req.ifi.ifi_family = AF_UNSPEC;
		break;
	case RTM_GETADDR:
		req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg));
		req.ifa.ifa_family = AF_UNSPEC;
		break;
	default:
		req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg));
		req.rtm.rtm_family = AF_UNSPEC;
		break;
	}
	if (sendto(fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return werr_set(e, errno, "sendto", "rtnetlink");
	d->len = 0;
	for (;;) {
		struct iovec iov = { .iov_base = d->rx, .iov_len = NETLINK_RECV_BUF };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t n = recvmsg(fd, &msg, 0);
		struct nlmsghdr *nh;
		size_t left;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return werr_set(e, errno, "recvmsg", "rtnetlink");
		}
		if (msg.msg_flags & MSG_TRUNC)
			return werr_set(e, EMSGSIZE, "recvmsg", "rtnetlink message larger than %u bytes",
					NETLINK_RECV_BUF);
		left = (size_t)n;
		for (nh = (struct nlmsghdr *)d->rx; NLMSG_OK(nh, left); nh = NLMSG_NEXT(nh, left)) {
			if (nh->nlmsg_seq != seq)
				continue;
			if (nh->nlmsg_flags & NLM_F_DUMP_INTR)
				intr = 1;
			if (nh->nlmsg_type == NLMSG_DONE) {
				int status = 0;

				if (nh->nlmsg_len >= NLMSG_LENGTH(sizeof(int)))
					memcpy(&status, NLMSG_DATA(nh), sizeof(int));
				if (status < 0)
					return werr_set(e, -status, "recvmsg", "rtnetlink dump");
				return intr;
			}
			if (nh->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *ne = NLMSG_DATA(nh);

				if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*ne)) || ne->error == 0)
					return werr_set(e, EPROTO, "recvmsg", "malformed rtnetlink error");
				return werr_set(e, -ne->error, "recvmsg", "rtnetlink dump type %u", d->type);
			}
			/* as received: the header, the payload and its alignment padding */
			if (dump_append(d, nh, NLMSG_ALIGN(nh->nlmsg_len) <= left ? NLMSG_ALIGN(nh->nlmsg_len)
										: nh->nlmsg_len, e) < 0)
				return -e->err;
		}
	}
}

static int dump_job_run(void *arg, struct werr *e)
{
	struct dump_job *d = arg;
	struct timeval tv = { .tv_sec = 5 };
	int fd, rc = 0;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return werr_set(e, errno, "socket", "AF_NETLINK");
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	/* a changing table interrupts a dump; three tries, then the last (consistent-enough) one */
	for (uint32_t seq = 1; seq <= 3; seq++) {
		rc = dump_once(fd, d, seq, e);
		if (rc <= 0)
			break;
	}
	close(fd);
	return rc < 0 ? rc : 0;
}

/* netlinkDump(netns | undefined, 'link' | 'addr' | 'route') → Buffer of raw messages */
napi_value js_netlink_dump(napi_env env, napi_callback_info info)
{
	size_t argc = 2;
	napi_value argv[2], out;
	char path[4096], what[16];
	bool own;
	struct dump_job d = { 0 };
	struct werr e;
	void *data;

	NAPI_TRY(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
	own = argc < 1 || is_nullish(env, argv[0]);
	if (!own && !arg_string(env, argv[0], "netns", path, sizeof(path)))
		return NULL;
	if (!arg_string(env, argc > 1 ? argv[1] : NULL, "what", what, sizeof(what)))
		return NULL;
	if (strcmp(what, "link") == 0)
		d.type = RTM_GETLINK;
	else if (strcmp(what, "addr") == 0)
		d.type = RTM_GETADDR;
	else if (strcmp(what, "route") == 0)
		d.type = RTM_GETROUTE;
	else
		return throw_errno(env, EINVAL, "netlinkDump", "what must be 'link', 'addr' or 'route', not '%s'",
				   what);
	d.rx = malloc(NETLINK_RECV_BUF);
	if (!d.rx)
		return throw_errno(env, ENOMEM, "netlinkDump", NULL);
	if (netns_run(own ? NULL : path, dump_job_run, &d, &e, NULL) < 0) {
		free(d.rx);
		free(d.out);
		return throw_werr(env, &e);
	}
	free(d.rx);
	if (napi_create_buffer_copy(env, d.len, d.len ? (void *)d.out : (void *)"", &data, &out) != napi_ok)
		out = NULL;
	free(d.out);
	if (!out)
		return throw_errno(env, ENOMEM, "netlinkDump", NULL);
	return out;
}
