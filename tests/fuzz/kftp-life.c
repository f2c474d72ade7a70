// SPDX-License-Identifier: GPL-2.0
/*
 * kftp-life: KFTP_IOC_GET requests on one open /dev/kftp, for
 * tests/guest/lifecycle.sh, which stops, signals, forks or closes a
 * transfer in the middle of a step. What Python cannot do: close the
 * descriptor from another thread while the ioctl runs (Python's ioctl of a
 * 9 KiB buffer holds the GIL, so no other thread runs), and come back from
 * a signal handler with the raw EINTR.
 *
 * Usage: kftp-life [options] HOST PORT REMOTE=LOCAL...
 *
 * Each REMOTE=LOCAL is one request on the same descriptor, in order. One
 * line per request on stdout (flushed at once):
 *   ok bytes=N size=S code=C ms=T [sha256=HEX server=HEX|none]
 *   err=ENAME step=STEP code=C bytes=N ms=T
 * and these events:
 *   pid N        the process, once the device is open
 *   child N      --fork: the child that shares the descriptor
 *   eintr        a request returned EINTR (see --eintr)
 *   closed       --close-fd: the other thread closed the descriptor
 * A child's lines start with "[child] ".
 *
 * Options:
 *   -t MS          all four timeouts (default 20000)
 *   --connect-ms MS  the connect timeout alone
 *   -u USER, -p PASS
 *   -R             ask for the remote time (MDTM)
 *   -C OFFSET      resume_offset of the first request
 *   --sha256       KFTP_GET_F_SHA256 and _SERVER_SHA256 (FEAT, then HASH or
 *                  XSHA256 where offered): the ok line has both digests
 *   --list         REMOTE is a directory: its listing (KFTP_COMMAND_LISTING)
 *   --fd           open LOCAL ourselves and pass it as dest_fd (without
 *                  O_TRUNC when resuming); --append adds O_APPEND,
 *                  --direct O_DIRECT
 *   --stream       with --fd: KFTP_GET_F_DEST_STREAM (LOCAL may be a FIFO;
 *                  opening it waits for a reader, as a shell's > does)
 *   --catch SIG    a handler for SIG (a number, or USR1, TERM...) that
 *                  just returns; no SA_RESTART
 *   --eintr again  after EINTR, issue the same request again, unchanged
 *   --eintr wait   after EINTR, wait for the --go file, then go on (that
 *                  EINTR is expected: it prints no result line and does not
 *                  count as a failure)
 *   --go FILE      the file whose existence lets us go on
 *   --close-fd     a second thread closes the descriptor once FILE exists;
 *                  after the requests, wait for FILE.2 before exiting
 *   --fork         fork once the device is open: the parent runs the first
 *                  request, the child waits for FILE, then runs the others
 *   --parent N     with --fork, the parent runs the first N requests
 *                  (default 1): a later one runs on a kept connection
 *   --barrier FIFO open FIFO for reading before the first request: every
 *                  driver blocked there starts when a writer opens it
 *   --repeat N     run the list N times; with -q, print only a summary:
 *                  "summary calls=N ok=N max_ms=T", and each distinct
 *                  failure once
 *
 * Exit status: 0 if every request succeeded, 1 if one failed, 2 on bad
 * usage or a setup error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <linux/kftp.h>

#include "text.h"	/* user/: text_hex */

#define PROG	"kftp-life"
#define GO_POLL_NS	20000000L	/* 20 ms */
#define GO_MAX_WAIT_S	600

static const char *const step_names[] = {
	"NONE", "CONNECT", "GREETING", "LOGIN", "TYPE", "SIZE", "LISTEN",
	"PORT", "RETR", "ACCEPT", "DATA", "LOCAL_FILE", "COMPLETE", "MDTM",
	"REST", "FEAT", "HASH", "LIST",
};

enum eintr_action { EINTR_REPORT, EINTR_AGAIN, EINTR_WAIT };

struct options {
	uint32_t timeout_ms;
	uint32_t connect_ms;
	const char *user;
	const char *pass;
	bool remote_time;
	bool sha256;
	bool list;
	uint64_t resume;
	bool use_fd;
	bool append;
	bool direct;
	bool stream;
	int catch_sig;
	enum eintr_action eintr;
	const char *go;
	bool close_fd;
	bool fork;
	unsigned long parent_requests;
	const char *barrier;
	unsigned long repeat;
	bool quiet;
};

static struct options opt = {
	.timeout_ms = 20000,
	.user = "",
	.pass = "",
	.repeat = 1,
	.parent_requests = 1,
};
static const char *prefix = "";
static int dev_fd = -1;

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs(PROG ": ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

static void __attribute__((format(printf, 1, 2))) out(const char *fmt, ...)
{
	va_list ap;

	fputs(prefix, stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Poll for @path to exist, for at most GO_MAX_WAIT_S. */
static void wait_for(const char *path)
{
	struct timespec ts = { 0, GO_POLL_NS };
	long i;

	for (i = 0; i < GO_MAX_WAIT_S * (1000000000L / GO_POLL_NS); i++) {
		if (!access(path, F_OK))
			return;
		nanosleep(&ts, NULL);
	}
	die("%s did not appear within %d s", path, GO_MAX_WAIT_S);
}

static void on_signal(int sig)
{
	(void)sig;	/* only to make the ioctl return EINTR */
}

static int parse_signal(const char *s)
{
	static const struct { const char *name; int sig; } names[] = {
		{ "HUP", SIGHUP }, { "INT", SIGINT }, { "TERM", SIGTERM },
		{ "USR1", SIGUSR1 }, { "USR2", SIGUSR2 }, { "CHLD", SIGCHLD },
		{ "CONT", SIGCONT }, { "ALRM", SIGALRM },
	};
	size_t i;
	char *end;
	long n;

	if (!strncmp(s, "SIG", 3))
		s += 3;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i].name))
			return names[i].sig;
	n = strtol(s, &end, 10);
	if (*s && !*end && n > 0 && n < NSIG)
		return (int)n;
	die("unknown signal '%s'", s);
}

static unsigned long long parse_num(const char *s, const char *what)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (!*s || *end || errno)
		die("bad %s '%s'", what, s);
	return v;
}

static void copy_str(char *dst, size_t size, const char *src, const char *what)
{
	if (strlen(src) >= size)
		die("%s too long (%zu bytes, at most %zu)", what, strlen(src),
		    size - 1);
	strncpy(dst, src, size);	/* NUL-padded, as the kernel demands */
}

struct request {
	struct kftp_get_args args;
	int fd;			/* with --fd, our descriptor of LOCAL */
};

static void build(struct request *r, const char *host, uint16_t port,
		  const char *pair, bool first)
{
	struct kftp_get_args *a = &r->args;
	const char *eq = strchr(pair, '=');
	char remote[KFTP_REMOTE_PATH_MAX];
	const char *local;
	int flags;

	if (!eq || eq == pair || (size_t)(eq - pair) >= sizeof(remote))
		die("bad REMOTE=LOCAL '%.60s'", pair);
	memcpy(remote, pair, (size_t)(eq - pair));
	remote[eq - pair] = '\0';
	local = eq + 1;

	memset(r, 0, sizeof(*r));
	r->fd = -1;
	a->size = sizeof(*a);
	if (inet_pton(AF_INET, host, a->addr) == 1)
		a->family = AF_INET;
	else if (inet_pton(AF_INET6, host, a->addr) == 1)
		a->family = AF_INET6;
	else
		die("bad address '%s'", host);
	a->port = port;
	a->connect_timeout_ms = opt.connect_ms ?: opt.timeout_ms;
	a->reply_timeout_ms = opt.timeout_ms;
	a->accept_timeout_ms = opt.timeout_ms;
	a->stall_timeout_ms = opt.timeout_ms;
	a->resume_offset = first ? opt.resume : 0;
	if (opt.remote_time)
		a->flags |= KFTP_GET_F_REMOTE_TIME;
	if (opt.sha256)
		a->flags |= KFTP_GET_F_SHA256 | KFTP_GET_F_SERVER_SHA256;
	if (opt.list)
		a->command = KFTP_COMMAND_LISTING;
	copy_str(a->user, sizeof(a->user), opt.user, "user");
	copy_str(a->password, sizeof(a->password), opt.pass, "password");
	copy_str(a->remote_path, sizeof(a->remote_path), remote, "remote path");
	if (!opt.use_fd) {
		copy_str(a->local_path, sizeof(a->local_path), local, "local path");
		return;
	}
	flags = O_WRONLY | O_CREAT | O_CLOEXEC;
	if (!a->resume_offset)
		flags |= O_TRUNC;
	if (opt.append)
		flags |= O_APPEND;
	if (opt.direct)
		flags |= O_DIRECT;
	if (opt.stream)
		a->flags |= KFTP_GET_F_DEST_STREAM;
	r->fd = open(local, flags, 0644);
	if (r->fd < 0)
		die("cannot open %s: %s", local, strerror(errno));
	a->flags |= KFTP_GET_F_DEST_FD;
	a->dest_fd = r->fd;
}

struct tally {
	unsigned long calls, ok;
	uint64_t max_ms;
	char seen[32][48];	/* the distinct failures already printed */
	unsigned int nseen;
};

/* Print one result: always, or with -q only a failure not seen before. */
static void report(struct tally *t, const struct kftp_get_args *a, int err,
		   uint64_t ms)
{
	const struct kftp_get_result *res = &a->result;
	const char *name = err ? strerrorname_np(err) : NULL;
	char key[48], got[2 * KFTP_SHA256_SIZE + 1], server[sizeof(got)];
	unsigned int i;

	t->calls++;
	t->ok += !err;
	if (ms > t->max_ms)
		t->max_ms = ms;
	if (opt.quiet) {
		if (!err)
			return;
		snprintf(key, sizeof(key), "%d/%u", err, res->failed_step);
		for (i = 0; i < t->nseen; i++)
			if (!strcmp(t->seen[i], key))
				return;
		if (t->nseen < sizeof(t->seen) / sizeof(t->seen[0]))
			strcpy(t->seen[t->nseen++], key);
	}
	if (!err && opt.sha256) {
		text_hex(got, a->sha256, KFTP_SHA256_SIZE);
		text_hex(server, a->server_sha256, KFTP_SHA256_SIZE);
		out("ok bytes=%llu size=%llu code=%u ms=%llu sha256=%s server=%s",
		    (unsigned long long)res->bytes_written,
		    (unsigned long long)res->remote_size, res->reply_code,
		    (unsigned long long)ms, got,
		    a->server_hash != KFTP_SERVER_HASH_NONE ? server : "none");
		return;
	}
	if (!err) {
		out("ok bytes=%llu size=%llu code=%u ms=%llu",
		    (unsigned long long)res->bytes_written,
		    (unsigned long long)res->remote_size, res->reply_code,
		    (unsigned long long)ms);
		return;
	}
	out("err=%s step=%s code=%u bytes=%llu ms=%llu", name ? name : "?",
	    res->failed_step < sizeof(step_names) / sizeof(step_names[0]) ?
	    step_names[res->failed_step] : "?", res->reply_code,
	    (unsigned long long)res->bytes_written, (unsigned long long)ms);
}

/* One request, with what --eintr asks for: 0 or the errno. */
static int run_one(struct tally *t, const char *host, uint16_t port,
		   const char *pair, bool first)
{
	struct request r;
	uint64_t t0;
	int err;

	build(&r, host, port, pair, first);
	for (;;) {
		t0 = now_ms();
		err = ioctl(dev_fd, KFTP_IOC_GET, &r.args) ? errno : 0;
		if (err != EINTR || opt.eintr == EINTR_REPORT)
			break;
		out("eintr");
		if (opt.eintr == EINTR_WAIT) {
			wait_for(opt.go);
			break;
		}
	}
	if (err != EINTR || opt.eintr != EINTR_WAIT)
		report(t, &r.args, err, now_ms() - t0);
	if (r.fd >= 0)
		close(r.fd);
	return err == EINTR && opt.eintr == EINTR_WAIT ? 0 : err;
}

static void *closer(void *arg)
{
	(void)arg;
	wait_for(opt.go);
	if (close(dev_fd))
		out("close: %s", strerror(errno));
	else
		out("closed");
	return NULL;
}

static int run_list(const char *host, uint16_t port, char **pairs, int n,
		    bool first_too)
{
	struct tally t = { 0 };
	unsigned long rnd;
	int i, failed = 0;

	for (rnd = 0; rnd < opt.repeat; rnd++)
		for (i = 0; i < n; i++)
			failed |= !!run_one(&t, host, port, pairs[i],
					    first_too && !rnd && !i);
	if (opt.quiet)
		out("summary calls=%lu ok=%lu max_ms=%llu", t.calls, t.ok,
		    (unsigned long long)t.max_ms);
	return failed;
}

static void usage(void)
{
	fputs("Usage: " PROG " [options] HOST PORT REMOTE=LOCAL...\n"
	      "See the comment at the top of tests/fuzz/kftp-life.c.\n", stderr);
	exit(2);
}

enum { O_CONNECT = 256, O_FD, O_APPEND_OPT, O_DIRECT_OPT, O_STREAM, O_CATCH,
       O_EINTR, O_GO, O_CLOSE_FD, O_FORK, O_PARENT, O_BARRIER, O_REPEAT, O_SHA256, O_LIST };

static void parse_options(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "connect-ms", required_argument, NULL, O_CONNECT },
		{ "fd", no_argument, NULL, O_FD },
		{ "append", no_argument, NULL, O_APPEND_OPT },
		{ "direct", no_argument, NULL, O_DIRECT_OPT },
		{ "stream", no_argument, NULL, O_STREAM },
		{ "catch", required_argument, NULL, O_CATCH },
		{ "eintr", required_argument, NULL, O_EINTR },
		{ "go", required_argument, NULL, O_GO },
		{ "close-fd", no_argument, NULL, O_CLOSE_FD },
		{ "fork", no_argument, NULL, O_FORK },
		{ "parent", required_argument, NULL, O_PARENT },
		{ "barrier", required_argument, NULL, O_BARRIER },
		{ "repeat", required_argument, NULL, O_REPEAT },
		{ "sha256", no_argument, NULL, O_SHA256 },
		{ "list", no_argument, NULL, O_LIST },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "t:u:p:RC:q", longs, NULL)) != -1) {
		switch (c) {
		case 't':
			opt.timeout_ms = (uint32_t)parse_num(optarg, "timeout");
			break;
		case O_CONNECT:
			opt.connect_ms = (uint32_t)parse_num(optarg, "timeout");
			break;
		case 'u':
			opt.user = optarg;
			break;
		case 'p':
			opt.pass = optarg;
			break;
		case 'R':
			opt.remote_time = true;
			break;
		case 'C':
			opt.resume = parse_num(optarg, "offset");
			break;
		case 'q':
			opt.quiet = true;
			break;
		case O_FD:
			opt.use_fd = true;
			break;
		case O_SHA256:
			opt.sha256 = true;
			break;
		case O_LIST:
			opt.list = true;
			break;
		case O_APPEND_OPT:
			opt.append = true;
			break;
		case O_DIRECT_OPT:
			opt.direct = true;
			break;
		case O_STREAM:
			opt.stream = true;
			break;
		case O_CATCH:
			opt.catch_sig = parse_signal(optarg);
			break;
		case O_EINTR:
			if (!strcmp(optarg, "again"))
				opt.eintr = EINTR_AGAIN;
			else if (!strcmp(optarg, "wait"))
				opt.eintr = EINTR_WAIT;
			else
				die("--eintr again|wait, not '%s'", optarg);
			break;
		case O_GO:
			opt.go = optarg;
			break;
		case O_CLOSE_FD:
			opt.close_fd = true;
			break;
		case O_FORK:
			opt.fork = true;
			break;
		case O_PARENT:
			opt.parent_requests = parse_num(optarg, "count");
			break;
		case O_BARRIER:
			opt.barrier = optarg;
			break;
		case O_REPEAT:
			opt.repeat = parse_num(optarg, "count");
			break;
		default:
			usage();
		}
	}
	if (argc - optind < 3)
		usage();
	if ((opt.eintr == EINTR_WAIT || opt.close_fd || opt.fork) && !opt.go)
		die("--eintr wait, --close-fd and --fork need --go FILE");
	if (opt.fork && (!opt.parent_requests ||
			 opt.parent_requests >= (unsigned long)(argc - optind - 2)))
		die("--fork needs a request for the parent and one for the child");
}

int main(int argc, char **argv)
{
	unsigned long long port;
	struct sigaction sa;
	pthread_t thread;
	char go2[4096];
	pid_t child = -1;
	int n, failed, barrier;

	parse_options(argc, argv);
	port = parse_num(argv[optind + 1], "port");
	if (!port || port > 65535)
		die("bad port %llu", port);
	n = argc - optind - 2;
	if (opt.catch_sig) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		sigemptyset(&sa.sa_mask);
		if (sigaction(opt.catch_sig, &sa, NULL))
			die("sigaction: %s", strerror(errno));
	}
	dev_fd = open(KFTP_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (dev_fd < 0)
		die("cannot open " KFTP_DEVICE_PATH ": %s", strerror(errno));
	out("pid %d", (int)getpid());

	if (opt.fork) {
		child = fork();
		if (child < 0)
			die("fork: %s", strerror(errno));
		if (child == 0) {
			prefix = "[child] ";
			wait_for(opt.go);
			failed = run_list(argv[optind], (uint16_t)port,
					  argv + optind + 2 + opt.parent_requests,
					  n - (int)opt.parent_requests, false);
			out("exit %d", failed);
			_exit(failed);
		}
		out("child %d", (int)child);
		n = (int)opt.parent_requests;
	}
	if (opt.close_fd && pthread_create(&thread, NULL, closer, NULL))
		die("pthread_create failed");
	if (opt.barrier) {
		barrier = open(opt.barrier, O_RDONLY | O_CLOEXEC);
		if (barrier < 0)
			die("cannot open %s: %s", opt.barrier, strerror(errno));
		close(barrier);
	}
	failed = run_list(argv[optind], (uint16_t)port, argv + optind + 2, n,
			  true);
	if (opt.close_fd) {
		pthread_join(thread, NULL);
		snprintf(go2, sizeof(go2), "%s.2", opt.go);
		wait_for(go2);
	}
	if (opt.fork)
		waitpid(child, NULL, 0);
	return failed;
}
