/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JS errors shaped like Node's own fs errors: message "CODE: strerror, syscall detail", plus
 * .code (errno name), .errno (negative errno, as Node does) and .syscall. libbpf's log is kept
 * per thread in a bounded buffer (the newest 16 KiB), so the verifier log of a failed load, or
 * what libbpf said on a netns thread, ends up in the message of the error it explains.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "weft_native.h"

#define WLOG_BUF 16384
#define WLOG_TAIL_LINES 40

static __thread char wlog_buf[WLOG_BUF];
static __thread size_t wlog_len;

static void wlog_append(const char *s, size_t n)
{
	if (n >= WLOG_BUF) {
		s += n - (WLOG_BUF - 1);
		n = WLOG_BUF - 1;
	}
	if (wlog_len + n >= WLOG_BUF) {
		/* keep the newest half: what explains a failure is at the end */
		size_t keep = WLOG_BUF / 2 > n ? WLOG_BUF / 2 - n : 0;
		if (keep > wlog_len)
			keep = wlog_len;
		memmove(wlog_buf, wlog_buf + wlog_len - keep, keep);
		wlog_len = keep;
	}
	memcpy(wlog_buf + wlog_len, s, n);
	wlog_len += n;
	wlog_buf[wlog_len] = '\0';
}

static int wlog_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[1024];
	int n;

	if (level == LIBBPF_DEBUG)
		return 0;
	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n <= 0)
		return 0;
	/* bpf_tc_hook_create's EEXIST: the clsact qdisc is already there, which is fine */
	if (strstr(line, "Exclusivity flag on, cannot modify"))
		return 0;
	wlog_append(line, strlen(line));
	return 0;
}

void wlog_install(void) { libbpf_set_print(wlog_print); }

void wlog_reset(void)
{
	wlog_len = 0;
	wlog_buf[0] = '\0';
}

/* The last WLOG_TAIL_LINES lines of this thread's log, at most size - 1 bytes. */
static void wlog_tail(char *out, size_t size)
{
	size_t start = wlog_len, lines = 0;

	out[0] = '\0';
	if (wlog_len == 0 || size < 2)
		return;
	if (start > 0 && wlog_buf[start - 1] == '\n')
		start--;
	while (start > 0) {
		if (wlog_buf[start - 1] == '\n' && ++lines >= WLOG_TAIL_LINES)
			break;
		start--;
	}
	if (wlog_len - start > size - 1)
		start = wlog_len - (size - 1);
	memcpy(out, wlog_buf + start, wlog_len - start);
	out[wlog_len - start] = '\0';
	/* no trailing newline in a message */
	for (size_t n = strlen(out); n > 0 && out[n - 1] == '\n'; n--)
		out[n - 1] = '\0';
}

const char *errno_name(int err)
{
	const char *name;

	switch (err) {
	case 524:
		return "ENOTSUPP"; /* kernel-internal, leaks out of bpf() */
	case 0:
		return "EUNKNOWN";
	}
	name = strerrorname_np(err);
	return name ? name : "EUNKNOWN";
}

int werr_set(struct werr *e, int err, const char *syscall, const char *fmt, ...)
{
	va_list ap;

	if (err < 0)
		err = -err;
	e->err = err ? err : EIO;
	e->syscall = syscall;
	e->detail[0] = '\0';
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(e->detail, sizeof(e->detail), fmt, ap);
		va_end(ap);
	}
	wlog_tail(e->log, sizeof(e->log));
	return -e->err;
}

static napi_value make_error_code(napi_env env, const char *code, int err, const char *syscall,
				  const char *message)
{
	napi_value msg, error, v;

	if (napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &msg) != napi_ok ||
	    napi_create_error(env, NULL, msg, &error) != napi_ok)
		return NULL;
	if (napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &v) == napi_ok)
		napi_set_named_property(env, error, "code", v);
	if (err && napi_create_int32(env, -err, &v) == napi_ok)
		napi_set_named_property(env, error, "errno", v);
	if (napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &v) == napi_ok)
		napi_set_named_property(env, error, "syscall", v);
	return error;
}

napi_value make_error(napi_env env, const struct werr *e)
{
	char msg[WERR_DETAIL_MAX + WERR_LOG_MAX + 160];
	const char *code = errno_name(e->err);

	snprintf(msg, sizeof(msg), "%s: %s, %s%s%s%s%s", code, strerror(e->err), e->syscall,
		 e->detail[0] ? " " : "", e->detail, e->log[0] ? "\n" : "", e->log);
	return make_error_code(env, code, e->err, e->syscall, msg);
}

napi_value throw_werr(napi_env env, const struct werr *e)
{
	napi_value error = make_error(env, e);

	if (error)
		napi_throw(env, error);
	else
		napi_throw_error(env, errno_name(e->err), e->detail);
	return NULL;
}

napi_value throw_errno(napi_env env, int err, const char *syscall, const char *fmt, ...)
{
	struct werr e;
	va_list ap;

	werr_set(&e, err, syscall, NULL);
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(e.detail, sizeof(e.detail), fmt, ap);
		va_end(ap);
	}
	return throw_werr(env, &e);
}
