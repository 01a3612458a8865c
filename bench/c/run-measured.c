// SPDX-License-Identifier: Apache-2.0
/*
 * run-measured: runs one command and reports what it cost, for bench/run.ts.
 *
 *  1. fork + execvp the command (stdio inherited: the harness decides where it goes).
 *  2. wait4() for it; CLOCK_MONOTONIC around fork → reap gives the wall time.
 *  3. getrusage(RUSAGE_CHILDREN) after the reap: user + system CPU of the command and of every
 *     descendant it reaped itself (pmacctd's plugin processes), and the largest max RSS among them.
 *  4. Write one JSON object to RESULT: exit status or signal, wall ns, user/sys µs, max RSS KiB.
 *
 * Usage: run-measured RESULT.json COMMAND [ARG...]
 * Node cannot read a child's rusage, and /usr/bin/time is not always installed: hence this.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static unsigned long long now_ns(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL + (unsigned long long)ts.tv_nsec;
}

static unsigned long long tv_us(struct timeval tv) {
	return (unsigned long long)tv.tv_sec * 1000000ULL + (unsigned long long)tv.tv_usec;
}

int main(int argc, char **argv) {
	if (argc < 3) {
		fprintf(stderr, "usage: %s RESULT.json COMMAND [ARG...]\n", argv[0]);
		return 2;
	}
	unsigned long long t0 = now_ns();
	pid_t pid = fork();
	if (pid < 0) { perror("fork"); return 2; }
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		fprintf(stderr, "run-measured: %s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	int status = 0;
	struct rusage direct;
	while (wait4(pid, &status, 0, &direct) < 0) {
		if (errno != EINTR) { perror("wait4"); return 2; }
	}
	unsigned long long t1 = now_ns();
	struct rusage all;
	getrusage(RUSAGE_CHILDREN, &all);

	FILE *out = fopen(argv[1], "w");
	if (!out) { perror(argv[1]); return 2; }
	fprintf(out,
		"{\"pid\":%d,\"exitCode\":%d,\"signal\":%d,\"wallNs\":%llu,\"userUs\":%llu,\"sysUs\":%llu,"
		"\"maxRssKiB\":%ld,\"directUserUs\":%llu,\"directSysUs\":%llu,\"directMaxRssKiB\":%ld}\n",
		(int)pid, WIFEXITED(status) ? WEXITSTATUS(status) : -1, WIFSIGNALED(status) ? WTERMSIG(status) : 0,
		t1 - t0, tv_us(all.ru_utime), tv_us(all.ru_stime), all.ru_maxrss,
		tv_us(direct.ru_utime), tv_us(direct.ru_stime), direct.ru_maxrss);
	fclose(out);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
