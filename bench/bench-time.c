// SPDX-License-Identifier: GPL-2.0
/*
 * bench-time: run a command and print what it cost, as the benchmark
 * counts it: "RC WALL USER SYS" (seconds, 6 decimals) on one line to FILE.
 * USER and SYS come from wait4()'s rusage, which includes every descendant
 * the command waited for; a kftp-get's ioctl runs in the caller's
 * context, so its kernel work is the caller's sys time.
 *
 * Usage: bench-time FILE CMD [ARGS...]
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double tv(struct timeval t)
{
	return (double)t.tv_sec + (double)t.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
	struct timespec t0, t1;
	struct rusage ru;
	int status, rc;
	FILE *out;
	pid_t pid;

	if (argc < 3) {
		fprintf(stderr, "usage: bench-time FILE CMD [ARGS...]\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid < 0) {
		perror("bench-time: fork");
		return 2;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		fprintf(stderr, "bench-time: %s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) != pid) {
		perror("bench-time: wait4");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	out = fopen(argv[1], "w");
	if (!out) {
		perror("bench-time: output");
		return 2;
	}
	fprintf(out, "%d %.6f %.6f %.6f\n", rc,
		(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
		tv(ru.ru_utime), tv(ru.ru_stime));
	fclose(out);
	return rc;
}
