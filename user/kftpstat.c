// SPDX-License-Identifier: GPL-2.0
/*
 * kftpstat: what the kftp kernel module is doing. Lists the transfers
 * running now in this network namespace (the dump of the kftp generic
 * netlink family), or with -w follows the events of every transfer (START,
 * PROGRESS, DONE) as they come, a burst at a time. --json prints one
 * object a line.
 *
 * Rates: RATE is the average since the transfer started; NOW the rate of
 * the last moment: in the list, between two dumps half a second apart;
 * with -w, between a transfer's last two events. -w lines carry the time
 * they were received. STEP, the step a transfer is in now, comes from
 * modules of request version 3 (KFTP_A_STEP); "-" from older ones.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
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

#include "kftp-events.h"
#include "progress.h"
#include "text.h"

#ifndef KFTP_VERSION
#define KFTP_VERSION "unknown"	/* the build passes ../VERSION */
#endif

#define PROG	"kftpstat"

/* The exit status contract; the -h text lists the same table. */
enum exit_status {
	EXIT_OK		= 0,
	EXIT_OTHER	= 1,
	EXIT_USAGE	= 2,
	EXIT_NOMODULE	= 3,
	EXIT_PERM	= 4,
};

struct options {
	bool watch;
	bool json;
	bool no_header;
	bool verbose;
	bool has_pid;
	uint32_t pid;
	unsigned long count;	/* -w: stop after this many DONE; 0: never */
};

static struct options opt;
/* The socket of list() or watch(): closed at exit, die() included. */
static struct kftp_nl *nl;
/* show_event's "stop": --count transfers ended. Not an errno of a failure. */
#define ENOUGH		(-ECANCELED)
static volatile sig_atomic_t got_signal;
static unsigned long done_seen;

/* The list's second look, to tell the rate now. */
#define SAMPLE_MS	500
/*
 * -w reads in bursts: woken by one event, it reads the events queued
 * behind it, writes their lines at once, then lets the next ones gather
 * this long before it sleeps on the socket again. A batch of small files
 * sends hundreds of events a second, and a listener woken for each one
 * slows the transfers it watches; a line is this much late at most,
 * unless events come faster than they are printed.
 */
#define GATHER_MS	10
/* A burst's most datagrams: under a flood, lines still go out this often. */
#define BURST_MAX	64
/* -w: each running transfer's last bytes and elapsed time, for NOW. */
#define SEEN_MAX	1024

struct seen {
	uint64_t id;
	uint64_t bytes;
	uint64_t elapsed_ms;
};

static struct seen seen[SEEN_MAX];
static size_t nseen;

/* ---- messages ---------------------------------------------------------- */

static void __attribute__((format(printf, 1, 2)))
say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs(PROG ": ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static void __attribute__((noreturn, format(printf, 2, 3)))
die(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs(PROG ": ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	if (status == EXIT_USAGE)
		fputs("Try '" PROG " --help' for more information.\n", stderr);
	exit(status);
}

/* What a failed netlink step means to the user, and the exit status. */
static void __attribute__((noreturn)) die_nl(const char *what, int err)
{
	if (err == ENOENT)
		die(EXIT_NOMODULE, "%s: no generic netlink family '" KFTP_GENL_NAME
		    "' (is the kftp module loaded?)", what);
	if (err == EPERM || err == EACCES)
		die(EXIT_PERM, "%s: %s (needs CAP_NET_ADMIN in this network "
		    "namespace)", what, strerror(err));
	die(EXIT_OTHER, "%s: %s", what, strerror(err));
}

static void usage(void)
{
	printf("Usage: " PROG " [options]\n"
	       "\n"
	       "Show the FTP transfers that the kftp kernel module runs in this network\n"
	       "namespace: one line each, or with -w their events as they happen.\n"
	       "Needs CAP_NET_ADMIN (root).\n"
	       "\n"
	       "Options:\n"
	       "  -w, --watch          follow the transfers' events (START, PROGRESS,\n"
	       "                       DONE) until interrupted, each line after the\n"
	       "                       time it came; the running ones first\n"
	       "  -j, --json           one JSON object a line instead of text\n"
	       "  -p, --pid PID        only the transfers of process PID\n"
	       "  -c, --count N        with -w: exit after N transfers ended\n"
	       "  -H, --no-header      no header line above the list\n"
	       "  -v, --verbose        with -w: say on stderr once listening\n"
	       "  -h, --help           show this help and exit\n"
	       "  -V, --version        show the version and exit\n"
	       "\n"
	       "RATE is a transfer's average rate, NOW its rate of the last moment: in\n"
	       "the list, over half a second (" PROG " takes two looks when anything\n"
	       "runs); with -w, between its last two events (JSON: rate_now, bytes/s;\n"
	       "and time, when the event came, in UTC). STEP is the step it is in now,\n"
	       "such as LOGIN or DATA (JSON: step); '-' from a module too old to say.\n");
	printf("\n"
	       "Exit status:\n"
	       "  0    success (with -w: interrupted by SIGINT or SIGTERM, or N ended)\n"
	       "  1    other error, or events were lost (receive buffer overflow)\n"
	       "  2    usage error\n"
	       "  3    the kftp module is not loaded (no generic netlink family '"
	       KFTP_GENL_NAME "')\n"
	       "  4    permission denied (needs CAP_NET_ADMIN)\n");
}

/* ---- command line ------------------------------------------------------- */

static unsigned long parse_number(const char *what, const char *s, unsigned long max)
{
	unsigned long v = 0;
	const char *p;

	for (p = s; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > max)
			break;
	}
	if (p == s || *p || v == 0 || v > max)
		die(EXIT_USAGE, "%s: '%s' is not a number in [1, %lu]", what, s, max);
	return v;
}

static const struct option long_options[] = {
	{ "watch",	no_argument,	   NULL, 'w' },
	{ "json",	no_argument,	   NULL, 'j' },
	{ "pid",	required_argument, NULL, 'p' },
	{ "count",	required_argument, NULL, 'c' },
	{ "no-header",	no_argument,	   NULL, 'H' },
	{ "verbose",	no_argument,	   NULL, 'v' },
	{ "help",	no_argument,	   NULL, 'h' },
	{ "version",	no_argument,	   NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

static void parse_options(int argc, char **argv)
{
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":wjp:c:HvhV", long_options, NULL)) != -1) {
		switch (c) {
		case 'w':
			opt.watch = true;
			break;
		case 'j':
			opt.json = true;
			break;
		case 'p':
			opt.has_pid = true;
			opt.pid = (uint32_t)parse_number("--pid", optarg, 0x7fffffff);
			break;
		case 'c':
			opt.count = parse_number("--count", optarg, 0xffffffff);
			break;
		case 'H':
			opt.no_header = true;
			break;
		case 'v':
			opt.verbose = true;
			break;
		case 'h':
			usage();
			exit(EXIT_OK);
		case 'V':
			printf(PROG " " KFTP_VERSION "\n");
			exit(EXIT_OK);
		case ':':
			die(EXIT_USAGE, "option '%s' needs an argument", argv[optind - 1]);
		default:
			if (optopt)
				die(EXIT_USAGE, "unknown option '-%c'", optopt);
			die(EXIT_USAGE, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc)
		die(EXIT_USAGE, "unexpected argument '%s'", argv[optind]);
	if (opt.count && !opt.watch)
		die(EXIT_USAGE, "--count needs --watch");
}

/* ---- output ------------------------------------------------------------- */

static const char *event_word(uint8_t cmd)
{
	switch (cmd) {
	case KFTP_CMD_GET_XFERS:
		return "xfer";
	case KFTP_CMD_EVENT_START:
		return "start";
	case KFTP_CMD_EVENT_PROGRESS:
		return "progress";
	case KFTP_CMD_EVENT_DONE:
		return "done";
	}
	return "unknown";
}

/* "14:03:07.125" (local time), or with @iso "2025-01-02T13:03:07.125Z". */
static const char *timestamp(char *buf, size_t size, bool iso)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (iso ? !gmtime_r(&ts.tv_sec, &tm) : !localtime_r(&ts.tv_sec, &tm)) {
		snprintf(buf, size, "?");
		return buf;
	}
	n = strftime(buf, size, iso ? "%Y-%m-%dT%H:%M:%S" : "%H:%M:%S", &tm);
	snprintf(buf + n, size - n, ".%03ld%s", ts.tv_nsec / 1000000, iso ? "Z" : "");
	return buf;
}

/*
 * The rate of a transfer now, from its bytes and elapsed time before
 * (prev) and now; false when there is no earlier look or no time between.
 */
static bool rate_between(const struct seen *prev, uint64_t bytes, uint64_t ms,
			 uint64_t *rate)
{
	if (!prev || ms <= prev->elapsed_ms || bytes < prev->bytes)
		return false;
	*rate = (bytes - prev->bytes) * 1000 / (ms - prev->elapsed_ms);
	return true;
}

static struct seen *seen_of(uint64_t id)
{
	size_t i;

	for (i = 0; i < nseen; i++)
		if (seen[i].id == id)
			return &seen[i];
	return NULL;
}

/* -w: remember ev's bytes for the next NOW; a DONE forgets its transfer. */
static void seen_update(const struct kftp_event *ev)
{
	struct seen *s = seen_of(ev->id);

	if (ev->cmd == KFTP_CMD_EVENT_DONE) {
		if (s)
			*s = seen[--nseen];
		return;
	}
	if (!ev->has_bytes || !ev->has_elapsed)
		return;
	if (!s && nseen < SEEN_MAX)
		s = &seen[nseen++];
	if (s) {
		s->id = ev->id;
		s->bytes = ev->bytes;
		s->elapsed_ms = ev->elapsed_ms;
	}
}

/* @now: the rate now (bytes/s), or NULL; @stamp: -w's receive time. */
static void print_json(const struct kftp_event *ev, const uint64_t *now, bool stamp)
{
	char addr[INET6_ADDRSTRLEN], eb[16], t[40], hex[2 * KFTP_SHA256_SIZE + 1];

	printf("{\"event\":\"%s\",\"id\":%llu,\"pid\":%u,", event_word(ev->cmd),
	       (unsigned long long)ev->id, ev->pid);
	if (stamp)
		printf("\"time\":\"%s\",", timestamp(t, sizeof(t), true));
	fputs("\"server\":", stdout);
	json_fput(stdout, kftp_event_addr(ev, addr, sizeof(addr)));
	printf(",\"port\":%u,\"remote_path\":", ev->port);
	json_fput(stdout, ev->remote_path);
	if (ev->has_local_path) {
		fputs(",\"local_path\":", stdout);
		json_fput(stdout, ev->local_path);
	}
	if (ev->has_size)
		printf(",\"size\":%llu", (unsigned long long)ev->size);
	if (ev->has_resume_offset)
		printf(",\"resume_offset\":%llu", (unsigned long long)ev->resume_offset);
	if (ev->has_bytes)
		printf(",\"bytes\":%llu", (unsigned long long)ev->bytes);
	if (ev->has_elapsed)
		printf(",\"elapsed_ms\":%llu", (unsigned long long)ev->elapsed_ms);
	if (now)
		printf(",\"rate_now\":%llu", (unsigned long long)*now);
	/* The step it is in now; done's "step" below is where it ended. */
	if (ev->has_step && !ev->has_result) {
		fputs(",\"step\":", stdout);
		json_fput(stdout, kftp_step_name(ev->step));
	}
	if (ev->has_result) {
		printf(",\"errno\":%u,\"errno_name\":", ev->err);
		json_fput(stdout, kftp_errno_name(ev->err, eb, sizeof(eb)));
		printf(",\"failed_step\":%u,\"step\":", ev->failed_step);
		json_fput(stdout, kftp_step_name(ev->failed_step));
		printf(",\"reply_code\":%u", ev->reply_code);
	}
	if (ev->has_sha256) {
		text_hex(hex, ev->sha256, sizeof(ev->sha256));
		printf(",\"sha256\":\"%s\"", hex);
	}
	fputs("}\n", stdout);
}

/* "127.0.0.1:21", "[::1]:21" */
static const char *server_of(const struct kftp_event *ev, char *buf, size_t size)
{
	char addr[INET6_ADDRSTRLEN];

	kftp_event_addr(ev, addr, sizeof(addr));
	snprintf(buf, size, ev->family == AF_INET6 ? "[%s]:%u" : "%s:%u",
		 addr, ev->port);
	return buf;
}

/* -w, text: one line an event, after the time it came. */
static void print_event_text(const struct kftp_event *ev, const uint64_t *now)
{
	char server[INET6_ADDRSTRLEN + 10], b1[32], b2[32], r[40], d[24], eb[16];
	char t[40], nr[40], hex[2 * KFTP_SHA256_SIZE + 1];
	uint64_t done = ev->bytes + ev->resume_offset;

	printf("%s %-8s %llu pid %u %s ", timestamp(t, sizeof(t), false),
	       ev->cmd == KFTP_CMD_GET_XFERS ? "RUNNING" : kftp_cmd_name(ev->cmd),
	       (unsigned long long)ev->id, ev->pid, server_of(ev, server, sizeof(server)));
	text_fput(stdout, ev->remote_path);
	/* A running one may be stuck anywhere: say where. */
	if (ev->cmd == KFTP_CMD_GET_XFERS && ev->has_step)
		printf(" at %s", kftp_step_name(ev->step));
	switch (ev->cmd) {
	case KFTP_CMD_EVENT_START:
		if (ev->has_local_path) {
			fputs(" -> ", stdout);
			text_fput(stdout, ev->local_path);
		}
		if (ev->has_size)
			printf(" size %s", progress_fmt_bytes(b1, sizeof(b1), ev->size));
		if (ev->resume_offset)
			printf(" from %llu", (unsigned long long)ev->resume_offset);
		break;
	case KFTP_CMD_EVENT_DONE:
		progress_fmt_bytes(b1, sizeof(b1), ev->bytes);
		progress_fmt_rate(r, sizeof(r), ev->bytes, ev->elapsed_ms);
		progress_fmt_duration(d, sizeof(d), (ev->elapsed_ms + 500) / 1000);
		if (!ev->err)
			printf(" ok %s in %s (%s)", b1, d, r);
		if (ev->has_sha256) {
			text_hex(hex, ev->sha256, sizeof(ev->sha256));
			printf(" sha256 %s", hex);
		}
		if (ev->err)
			printf(" failed %s (%s) at %s, reply %u, after %s, %s received",
			       kftp_errno_name(ev->err, eb, sizeof(eb)),
			       strerror((int)ev->err), kftp_step_name(ev->failed_step),
			       ev->reply_code, d, b1);
		break;
	default:	/* PROGRESS, and the running ones listed first */
		progress_fmt_bytes(b1, sizeof(b1), ev->bytes);
		progress_fmt_rate(r, sizeof(r), ev->bytes, ev->elapsed_ms);
		progress_fmt_duration(d, sizeof(d), ev->elapsed_ms / 1000);
		if (now)
			progress_fmt_rate(nr, sizeof(nr), *now, 1000);
		else
			snprintf(nr, sizeof(nr), "-");
		if (ev->has_size)
			printf(" %s of %s (%u%%) now %s, average %s, %s", b1,
			       progress_fmt_bytes(b2, sizeof(b2), ev->size),
			       progress_percent(done, ev->size), nr, r, d);
		else
			printf(" %s now %s, average %s, %s", b1, nr, r, d);
		break;
	}
	putchar('\n');
}

/* ---- the list -------------------------------------------------------------- */

enum { COL_ID, COL_PID, COL_SERVER, COL_PATH, COL_STEP, COL_BYTES, COL_SIZE,
       COL_RATE, COL_NOW, COL_ELAPSED, NCOLS };

static const char *const col_names[NCOLS] = {
	"ID", "PID", "SERVER", "PATH", "STEP", "BYTES", "SIZE", "RATE", "NOW",
	"ELAPSED",
};

struct row {
	char *cell[NCOLS];
};

/* The first dump's transfers, kept until the second look. */
struct table {
	struct kftp_event *ev;
	size_t n, cap;
	struct row *rows;
};

/* A string with control bytes shown as \xNN (see text.h). */
static char *escaped(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	text_fput(f, s);
	fclose(f);
	return buf;
}

static bool wanted(const struct kftp_event *ev)
{
	return !opt.has_pid || ev->pid == opt.pid;
}

static int keep_event(const struct kftp_event *ev, void *data)
{
	struct table *t = data;

	if (ev->cmd != KFTP_CMD_GET_XFERS || !wanted(ev))
		return 0;
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;
		struct kftp_event *e = realloc(t->ev, cap * sizeof(*e));

		if (!e)
			return -ENOMEM;
		t->ev = e;
		t->cap = cap;
	}
	t->ev[t->n++] = *ev;
	return 0;
}

/* The second look: each transfer's bytes and elapsed time, in seen[]. */
static int second_look(const struct kftp_event *ev, void *data)
{
	(void)data;
	if (ev->cmd == KFTP_CMD_GET_XFERS && wanted(ev))
		seen_update(ev);
	return 0;
}

static int add_row(struct table *t, const struct kftp_event *ev, const uint64_t *now)
{
	char buf[64], server[INET6_ADDRSTRLEN + 10];
	struct row *r = &t->rows[t->n];
	int i;

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)ev->id);
	r->cell[COL_ID] = strdup(buf);
	snprintf(buf, sizeof(buf), "%u", ev->pid);
	r->cell[COL_PID] = strdup(buf);
	r->cell[COL_SERVER] = strdup(server_of(ev, server, sizeof(server)));
	r->cell[COL_PATH] = escaped(ev->remote_path);
	r->cell[COL_STEP] = strdup(ev->has_step ? kftp_step_name(ev->step) : "-");
	r->cell[COL_BYTES] = strdup(progress_fmt_bytes(buf, sizeof(buf),
						       ev->bytes + ev->resume_offset));
	r->cell[COL_SIZE] = strdup(ev->has_size ?
				   progress_fmt_bytes(buf, sizeof(buf), ev->size) : "-");
	r->cell[COL_RATE] = strdup(progress_fmt_rate(buf, sizeof(buf), ev->bytes,
						     ev->elapsed_ms));
	r->cell[COL_NOW] = strdup(now ? progress_fmt_rate(buf, sizeof(buf), *now, 1000) : "-");
	snprintf(buf, sizeof(buf), "%llu.%llus",
		 (unsigned long long)(ev->elapsed_ms / 1000),
		 (unsigned long long)(ev->elapsed_ms % 1000 / 100));
	r->cell[COL_ELAPSED] = strdup(buf);
	for (i = 0; i < NCOLS; i++)
		if (!r->cell[i])
			return -ENOMEM;
	return 0;
}

/* Like ss: left-aligned text columns, right-aligned numbers. */
static void print_table(const struct table *t)
{
	size_t w[NCOLS], i;
	int c;

	for (c = 0; c < NCOLS; c++) {
		w[c] = opt.no_header ? 0 : strlen(col_names[c]);
		for (i = 0; i < t->n; i++)
			if (strlen(t->rows[i].cell[c]) > w[c])
				w[c] = strlen(t->rows[i].cell[c]);
	}
	for (i = 0; i < t->n + 1; i++) {
		if (i == 0 && opt.no_header)
			continue;
		for (c = 0; c < NCOLS; c++) {
			const char *s = i ? t->rows[i - 1].cell[c] : col_names[c];
			bool left = c == COL_SERVER || c == COL_PATH || c == COL_STEP;

			if (left)
				printf("%-*s", (int)w[c], s);
			else
				printf("%*s", (int)w[c], s);
			fputs(c == NCOLS - 1 ? "\n" : "  ", stdout);
		}
	}
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/*
 * Two dumps, SAMPLE_MS apart when anything runs: the first is the list,
 * the second tells each transfer's rate now (a transfer that ended in
 * between has none).
 */
static int list(void)
{
	struct table t = { NULL, 0, 0, NULL };
	uint64_t rate;
	size_t i, n;
	int ret, c;

	nl = kftp_nl_open();
	if (!nl)
		die_nl("cannot reach the kftp module", errno);
	ret = kftp_nl_dump(nl, keep_event, &t);
	if (ret == -ENOMEM)
		die(EXIT_OTHER, "out of memory");
	if (ret < 0)
		die_nl("cannot list the transfers", errno);
	if (t.n) {
		sleep_ms(SAMPLE_MS);
		if (kftp_nl_dump(nl, second_look, NULL) < 0)
			die_nl("cannot list the transfers", errno);
	}
	kftp_nl_close(nl);
	nl = NULL;
	n = t.n;
	t.rows = calloc(n ? n : 1, sizeof(*t.rows));
	if (!t.rows)
		die(EXIT_OTHER, "out of memory");
	for (t.n = 0; t.n < n; t.n++) {
		const struct kftp_event *ev = &t.ev[t.n];
		const struct seen *later = seen_of(ev->id);
		struct seen before = { ev->id, ev->bytes, ev->elapsed_ms };
		bool has = later && rate_between(&before, later->bytes,
						 later->elapsed_ms, &rate);

		if (opt.json)
			print_json(ev, has ? &rate : NULL, false);
		else if (add_row(&t, ev, has ? &rate : NULL))
			die(EXIT_OTHER, "out of memory");
	}
	if (!opt.json)
		print_table(&t);
	for (i = 0; !opt.json && i < t.n; i++)
		for (c = 0; c < NCOLS; c++)
			free(t.rows[i].cell[c]);
	free(t.rows);
	free(t.ev);
	return fflush(stdout) ? EXIT_OTHER : EXIT_OK;
}

/* ---- watching ------------------------------------------------------------- */

/*
 * After writing to stdout, while errno is still the write's: 0, or ENOUGH
 * when SIGINT or SIGTERM cut a blocked write short (the watch ends, as the
 * signal asked). Any other failure ends kftpstat with the reason.
 */
static int check_output(void)
{
	if (!ferror(stdout))
		return 0;
	if (errno == EINTR && got_signal)
		return ENOUGH;
	die(EXIT_OTHER, "cannot write the events: %s", strerror(errno));
}

static int show_event(const struct kftp_event *ev, void *data)
{
	uint64_t rate;
	bool has;

	(void)data;
	if (!wanted(ev))
		return 0;
	has = ev->cmd == KFTP_CMD_EVENT_PROGRESS &&
	      rate_between(seen_of(ev->id), ev->bytes, ev->elapsed_ms, &rate);
	if (opt.json)
		print_json(ev, has ? &rate : NULL, true);
	else
		print_event_text(ev, has ? &rate : NULL);
	if (check_output())
		return ENOUGH;
	seen_update(ev);
	if (ev->cmd == KFTP_CMD_EVENT_DONE && opt.count && ++done_seen >= opt.count)
		return ENOUGH;
	return 0;
}

static void on_signal(int sig)
{
	got_signal = sig;
}

/* ENOBUFS: the socket dropped events. Say so, and exit 1 at the end. */
static void note_lost_events(bool *lost)
{
	say("events were lost: the receive buffer overflowed");
	*lost = true;
}

/*
 * Show the events queued on the non-blocking socket, at most BURST_MAX
 * datagrams of them. 0 once it is empty (or a signal came), 1 when more
 * are queued, or ENOUGH.
 */
static int show_queued(bool *lost)
{
	int n, ret;

	for (n = 0; n < BURST_MAX && !got_signal; n++) {
		ret = kftp_nl_recv(nl, show_event, NULL);
		if (ret >= 0)
			continue;
		if (ret == ENOUGH)
			return ENOUGH;
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return 0;
		if (errno == ENOBUFS) {
			note_lost_events(lost);
			continue;
		}
		die(EXIT_OTHER, "cannot receive the events: %s", strerror(errno));
	}
	return n == BURST_MAX;
}

static int watch(void)
{
	const struct timespec gather = { 0, GATHER_MS * 1000000L };
	struct sigaction sa;
	sigset_t stop, orig;
	struct pollfd pfd;
	bool lost = false;
	int ret, flags;

	/* No SA_RESTART: a wait or a blocked write returns EINTR and we stop. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	/* Written a burst at a time (below), onto a terminal too. */
	setvbuf(stdout, NULL, _IOFBF, 0);

	nl = kftp_nl_open();
	if (!nl)
		die_nl("cannot reach the kftp module", errno);
	if (kftp_nl_join(nl))
		die_nl("cannot join the kftp events group", errno);
	/*
	 * Joined first: nothing falls between the list and the events. A
	 * dump that failed is an error like any other: without it, the
	 * transfers already running would be missing from what we show.
	 */
	ret = kftp_nl_dump(nl, show_event, NULL);
	if (ret == -1 && errno == ENOBUFS)
		note_lost_events(&lost);
	else if (ret < 0 && ret != ENOUGH)
		die_nl("cannot list the transfers", errno);
	fflush(stdout);
	check_output();
	pfd.fd = kftp_nl_fd(nl);
	pfd.events = POLLIN;
	flags = fcntl(pfd.fd, F_GETFL);
	if (flags < 0 || fcntl(pfd.fd, F_SETFL, flags | O_NONBLOCK))
		die(EXIT_OTHER, "cannot receive the events: %s", strerror(errno));
	if (opt.verbose)
		say("watching the kftp events");
	/*
	 * The stop signals are blocked but while ppoll() waits: one that
	 * comes after the check below still wakes it.
	 */
	sigprocmask(SIG_BLOCK, &stop, &orig);
	while (!got_signal && (!opt.count || done_seen < opt.count)) {
		ret = ppoll(&pfd, 1, NULL, &orig);
		if (ret < 0 && errno != EINTR)
			die(EXIT_OTHER, "cannot wait for the events: %s",
			    strerror(errno));
		if (ret <= 0)
			continue;
		/* Unblocked: a signal can cut a write to a stuck pipe short. */
		sigprocmask(SIG_SETMASK, &orig, NULL);
		ret = show_queued(&lost);
		fflush(stdout);
		if (check_output() || ret == ENOUGH)
			break;
		if (!ret)
			nanosleep(&gather, NULL);	/* a signal cuts it short */
		sigprocmask(SIG_BLOCK, &stop, NULL);
	}
	sigprocmask(SIG_SETMASK, &orig, NULL);
	kftp_nl_close(nl);
	nl = NULL;
	return lost ? EXIT_OTHER : EXIT_OK;
}

static void close_socket(void)
{
	kftp_nl_close(nl);
	nl = NULL;
}

int main(int argc, char **argv)
{
	if (atexit(close_socket))
		return EXIT_OTHER;
	parse_options(argc, argv);
	return opt.watch ? watch() : list();
}
