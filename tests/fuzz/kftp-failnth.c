// SPDX-License-Identifier: GPL-2.0
/*
 * kftp-failnth: allocation-failure sweeps of kftp (the debug lane's
 * tests/guest/failnth.sh runs it on the debug kernel, with fault injection).
 *
 * For N = 1, 2, 3, ...: write N to this thread's /proc/thread-self/fail-nth,
 * then make one call, nothing in between: the Nth fault-injectable call
 * (slab, page allocator, copy from/to user space) in this thread fails.
 * Read fail-nth back: 0 means the fault fired. The sweep ends at the first N
 * whose call completes without the fault firing: N - 1 injection points
 * were reached.
 *
 *   kftp-failnth SWEEP [options] HOST PORT [REMOTE LOCAL]
 *
 * SWEEP is what the call is:
 *   open    open("/dev/kftp") (the session's own allocations);
 *   fresh   KFTP_IOC_GET on a file opened just before (a new session);
 *   reuse   KFTP_IOC_GET on one file for the whole sweep, after a first
 *           request that succeeded (a kept, logged-in session);
 *   dump    a KFTP_CMD_GET_XFERS dump of the kftp generic netlink family on
 *           a netlink socket opened just before (the caller runs a
 *           transfer meanwhile, so the dump has something to list).
 * After each N the same call runs again without a fault, on the same file
 * for fresh and reuse (the session must still work), and must succeed (a
 * dump must list at least one transfer).
 *
 * Options: -u USER:PASS (default anonymous), --name NAME (the sweep's name in
 * the output and the kernel log, default SWEEP), --max-filesize N,
 * --port-range LOW-HIGH, --timeout MS (each step's, default 20000),
 * --start N (the first N, default 1: --start N --max N replays one N),
 * --max N (give up past N, default 5000), --fault-stats DIR (debugfs, where
 * failslab/, fail_page_alloc/ and fail_usercopy/ are: their "times"
 * counters, which the caller set to a large number, tell which kind of call
 * failed; default /sys/kernel/debug).
 *
 * Output, one line per N:
 *   SWEEP n=N fault=failslab|fail_page_alloc|fail_usercopy|?|none
 *         result=ok|ENAME step=STEP ms=T next=ok|ENAME verdict=ok|BAD:why
 * then "SWEEP: P injection points, B bad; results: ENOMEM*3 ok*2 ...".
 * Before each N, "kftp-failnth: SWEEP n=N" goes to the kernel log, so that a
 * report there names its N. Exit 0 iff no N was bad and the sweep ended.
 *
 * A fault must end the call cleanly: success, or ENOMEM/ENOBUFS (ENFILE for
 * a socket, ENOSPC for the tmpfs file, EADDRINUSE for a data port: what
 * the kernel itself makes of a failed allocation there), or EFAULT when a
 * copy from or to user space failed. Anything else is bad, as is a call
 * that fails without a fault, or a session that does not work afterwards.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <linux/kftp.h>

#include "errno-name.h"

#define NO_STEP		0xffffffffU	/* result not written back */
#define NL_BUF		32768

enum sweep { S_OPEN, S_FRESH, S_REUSE, S_DUMP };
static const char *const sweep_names[] = { "open", "fresh", "reuse", "dump" };
static const char *const faults[] = { "failslab", "fail_page_alloc", "fail_usercopy" };
#define NFAULTS		3
#define FAULT_USERCOPY	2

static const char *const step_names[] = {
	"NONE", "CONNECT", "GREETING", "LOGIN", "TYPE", "SIZE", "LISTEN",
	"PORT", "RETR", "ACCEPT", "DATA", "LOCAL_FILE", "COMPLETE", "MDTM",
	"REST", "FEAT", "HASH", "LIST",
};

static enum sweep sweep;
static const char *name;
static struct kftp_get_args req;
static int fail_fd = -1, kmsg_fd = -1;
static const char *stats_dir = "/sys/kernel/debug";
static unsigned int start_n = 1, max_n = 5000;
static uint16_t genl_family;

/* what one call did */
struct outcome {
	int err;		/* 0 or errno */
	unsigned int step;	/* failed_step, NO_STEP if not written back */
	long ms;
};

static void die(const char *what)
{
	perror(what);
	exit(2);
}

static const char *ename(int e)
{
	return errno_name(e, "ok");
}

static const char *sname(unsigned int step)
{
	if (step == NO_STEP)
		return "-";
	if (step < sizeof(step_names) / sizeof(step_names[0]))
		return step_names[step];
	return "?";
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------------ */
/* fault injection */

/* Each fault attribute's "times" counter, or -1 if unreadable. */
static void read_times(long times[NFAULTS])
{
	char path[256], buf[32];
	int i, fd;
	ssize_t n;

	for (i = 0; i < NFAULTS; i++) {
		times[i] = -1;
		snprintf(path, sizeof(path), "%s/%s/times", stats_dir, faults[i]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 0) {
			buf[n] = '\0';
			times[i] = strtol(buf, NULL, 10);
		}
	}
}

static void arm(unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	if (pwrite(fail_fd, buf, len, 0) != len)
		die("write fail-nth");
}

/*
 * Whether the armed fault fired, and disarm. A read of fail-nth copies to
 * user space, which counts as an injectable call while it is armed: a read
 * that fails with EFAULT was that last call (the value was 1, so the fault
 * had not fired before). Writing 0 disarms; its own copy may be the last
 * call too, which disarms as well.
 */
static bool fired_and_disarm(void)
{
	char buf[16];
	ssize_t n;
	bool fired;

	n = pread(fail_fd, buf, sizeof(buf) - 1, 0);
	if (n < 0 && errno == EFAULT) {
		fired = false;
	} else if (n <= 0) {
		die("read fail-nth");
	} else {
		buf[n] = '\0';
		fired = strtoul(buf, NULL, 10) == 0;
	}
	if (pwrite(fail_fd, "0", 1, 0) != 1 && errno != EFAULT)
		die("disarm fail-nth");
	n = pread(fail_fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0 || buf[0] != '0') {
		fprintf(stderr, "kftp-failnth: fail-nth not 0 after disarming\n");
		exit(2);
	}
	return fired;
}

static void kmsg(unsigned int n)
{
	char line[96];
	int len;

	if (kmsg_fd < 0)
		return;
	len = snprintf(line, sizeof(line), "kftp-failnth: %s n=%u\n", name, n);
	if (write(kmsg_fd, line, len) != len)
		perror("kftp-failnth: /dev/kmsg");
}

/* ------------------------------------------------------------------ */
/* the calls */

static int open_dev(void)
{
	return open(KFTP_DEVICE_PATH, O_RDWR | O_CLOEXEC);
}

/*
 * The request's struct, in memory touched long before: a page fault while
 * the fault is armed would be an injection point of its own.
 */
static struct kftp_get_args call_args;

static void get_prepare(void)
{
	call_args = req;
	call_args.result.failed_step = NO_STEP;
}

/*
 * KFTP_IOC_GET on @fd, get_prepare() done. No clock read here: under TCG
 * clock_gettime() is a real system call, whose copy to user space is an
 * injection point; the sweep times the call from outside the armed span.
 */
static void get_call(int fd, struct outcome *o)
{
	o->err = ioctl(fd, KFTP_IOC_GET, &call_args) ? errno : 0;
	o->step = call_args.result.failed_step;
}

static int nl_open(void)
{
	struct timeval tv = { .tv_sec = 30 };
	int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);

	if (s < 0)
		die("netlink socket");
	if (setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		die("SO_RCVTIMEO");
	return s;
}

struct nl_req {
	struct nlmsghdr nh;
	struct genlmsghdr gh;
	char attrs[64];
};

/*
 * Send one generic netlink request; read replies until the end of a dump
 * (NLMSG_DONE) or, without dump, the first reply or error. Calls back
 * with every message of type @want. 0, or the positive errno of the
 * request (from recv, an NLMSG_ERROR, or NLMSG_DONE's status).
 */
static char nl_buf[NL_BUF];

static int nl_call(int s, struct nl_req *r, uint16_t want,
		   void (*cb)(struct nlmsghdr *, void *), void *arg)
{
	char *buf = nl_buf;
	bool dump = r->nh.nlmsg_flags & NLM_F_DUMP;
	struct nlmsghdr *h;
	ssize_t n;
	int len;

	if (send(s, r, r->nh.nlmsg_len, 0) < 0)
		return errno;
	for (;;) {
		n = recv(s, buf, NL_BUF, 0);
		if (n < 0)
			return errno;
		len = (int)n;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, len);
		     h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(h);

				return -e->error;
			}
			if (h->nlmsg_type == NLMSG_DONE) {
				int st = *(int *)NLMSG_DATA(h);

				return st < 0 ? -st : 0;
			}
			if (h->nlmsg_type == want && cb)
				cb(h, arg);
			if (!dump)
				return 0;
		}
	}
}

static void nl_family_cb(struct nlmsghdr *h, void *arg)
{
	struct genlmsghdr *g = NLMSG_DATA(h);
	struct nlattr *a = (struct nlattr *)((char *)g + GENL_HDRLEN);
	int len = (int)h->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;

	while (len >= (int)NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
	       a->nla_len <= len) {
		if ((a->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_FAMILY_ID)
			memcpy(arg, (char *)a + NLA_HDRLEN, sizeof(uint16_t));
		len -= NLA_ALIGN(a->nla_len);
		a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len));
	}
}

static void resolve_family(void)
{
	struct nl_req r = { 0 };
	struct nlattr *a = (struct nlattr *)r.attrs;
	int s = nl_open(), err;

	r.nh.nlmsg_type = GENL_ID_CTRL;
	r.nh.nlmsg_flags = NLM_F_REQUEST;
	r.gh.cmd = CTRL_CMD_GETFAMILY;
	r.gh.version = 1;
	a->nla_type = CTRL_ATTR_FAMILY_NAME;
	a->nla_len = NLA_HDRLEN + sizeof(KFTP_GENL_NAME);
	memcpy(r.attrs + NLA_HDRLEN, KFTP_GENL_NAME, sizeof(KFTP_GENL_NAME));
	r.nh.nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN + NLA_ALIGN(a->nla_len);
	err = nl_call(s, &r, GENL_ID_CTRL, nl_family_cb, &genl_family);
	close(s);
	if (err || !genl_family) {
		fprintf(stderr, "kftp-failnth: no %s genl family: %s\n",
			KFTP_GENL_NAME, strerror(err));
		exit(2);
	}
}

static void count_cb(struct nlmsghdr *h, void *arg)
{
	(void)h;
	(*(int *)arg)++;
}

static struct nl_req dump_req;

static void dump_prepare(void)
{
	static unsigned int seq;

	memset(&dump_req, 0, sizeof(dump_req));
	dump_req.nh.nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN;
	dump_req.nh.nlmsg_type = genl_family;
	dump_req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	dump_req.nh.nlmsg_seq = ++seq;
	dump_req.gh.cmd = KFTP_CMD_GET_XFERS;
	dump_req.gh.version = KFTP_GENL_VERSION;
}

/*
 * One dump on socket @s, dump_prepare() done; the number of transfers
 * listed into *@xfers.
 */
static void dump_call(int s, struct outcome *o, int *xfers)
{
	*xfers = 0;
	o->err = nl_call(s, &dump_req, genl_family, count_cb, xfers);
	o->step = NO_STEP;
}

/* ------------------------------------------------------------------ */
/* the sweep */

/*
 * How a call that a fault of kind @fault (an index of faults[], NFAULTS if
 * unknown) hit may end.
 */
static bool clean_errno(const struct outcome *o, int fault)
{
	if (o->err == 0)
		return true;
	if (o->err == EFAULT)
		return fault == FAULT_USERCOPY || fault == NFAULTS;
	if (fault == FAULT_USERCOPY)
		return false;
	switch (o->err) {
	case ENOMEM:
	case ENOBUFS:
		return true;
	case ENFILE:	/* sock_alloc() failed in __sock_create() */
		return o->step == KFTP_STEP_CONNECT || o->step == KFTP_STEP_LISTEN ||
		       o->step == KFTP_STEP_ACCEPT;
	case ENOSPC:	/* shmem_get_inode() failed: tmpfs says ENOSPC */
		return o->step == KFTP_STEP_LOCAL_FILE;
	case EADDRINUSE: /* no bind bucket for the data port */
		return o->step == KFTP_STEP_LISTEN;
	}
	return false;
}

/* Which fault attribute's counter moved; -1 none, NFAULTS unknown. */
static int which_fault(const long before[NFAULTS], const long after[NFAULTS])
{
	int i;

	for (i = 0; i < NFAULTS; i++)
		if (before[i] >= 0 && after[i] >= 0 && after[i] != before[i])
			return i;
	return NFAULTS;
}

struct tally {
	char name[24];
	unsigned int count;
};

static void tally_add(struct tally *t, int *nt, const char *name)
{
	int i;

	for (i = 0; i < *nt; i++)
		if (!strcmp(t[i].name, name)) {
			t[i].count++;
			return;
		}
	if (*nt >= 32)
		return;
	snprintf(t[*nt].name, sizeof(t[*nt].name), "%s", name);
	t[(*nt)++].count = 1;
}

static int run_sweep(void)
{
	struct tally tally[32];
	int ntally = 0, fd = -1, reuse_fd = -1, s, xfers, fault, i;
	unsigned int n, bad = 0;
	long before[NFAULTS], after[NFAULTS], t0;
	struct outcome o, next;
	char why[96];
	bool fired;

	if (sweep == S_REUSE) {
		reuse_fd = open_dev();
		if (reuse_fd < 0)
			die(KFTP_DEVICE_PATH);
		get_prepare();
		get_call(reuse_fd, &o);
		if (o.err) {
			printf("%s: the first request failed: %s step=%s\n",
			       name, ename(o.err), sname(o.step));
			return 1;
		}
	}
	for (n = start_n; n <= max_n; n++) {
		memset(&o, 0, sizeof(o));
		memset(&next, 0, sizeof(next));
		kmsg(n);
		read_times(before);
		s = -1;
		fd = reuse_fd;		/* -1 for the open and dump sweeps */
		if (sweep == S_FRESH) {
			fd = open_dev();
			if (fd < 0)
				die(KFTP_DEVICE_PATH);
		}
		if (sweep == S_DUMP)
			s = nl_open();
		get_prepare();
		dump_prepare();
		fflush(stdout);

		t0 = now_ms();
		arm(n);
		switch (sweep) {
		case S_OPEN:
			fd = open_dev();
			o.err = fd < 0 ? errno : 0;
			o.step = NO_STEP;
			break;
		case S_FRESH:
		case S_REUSE:
			get_call(fd, &o);
			break;
		case S_DUMP:
			dump_call(s, &o, &xfers);
			break;
		}
		fired = fired_and_disarm();
		o.ms = now_ms() - t0;

		read_times(after);
		fault = fired ? which_fault(before, after) : -1;
		/* the same call again, without a fault */
		switch (sweep) {
		case S_OPEN:
			if (fd >= 0)
				close(fd);
			fd = open_dev();
			next.err = fd < 0 ? errno : 0;
			if (fd >= 0)
				close(fd);
			break;
		case S_FRESH:
		case S_REUSE:
			get_prepare();
			get_call(fd, &next);
			if (sweep == S_FRESH)
				close(fd);
			break;
		case S_DUMP:
			close(s);
			s = nl_open();
			dump_prepare();
			dump_call(s, &next, &xfers);
			close(s);
			if (!next.err && xfers < 1)
				next.err = ENODATA;
			break;
		}

		why[0] = '\0';
		if (!fired && o.err)
			snprintf(why, sizeof(why), "failed without a fault");
		else if (fired && !clean_errno(&o, fault))
			snprintf(why, sizeof(why), "not a clean errno for %s",
				 fault >= 0 && fault < NFAULTS ? faults[fault] : "a fault");
		else if (next.err)
			snprintf(why, sizeof(why), "the next call failed");
		if (why[0])
			bad++;
		printf("%s n=%u fault=%s result=%s step=%s ms=%ld next=%s verdict=%s%s\n",
		       name, n,
		       !fired ? "none" : fault < NFAULTS ? faults[fault] : "?",
		       ename(o.err), sname(o.step), o.ms, ename(next.err),
		       why[0] ? "BAD:" : "ok", why);
		fflush(stdout);
		if (!fired)
			break;
		tally_add(tally, &ntally, ename(o.err));
	}
	if (reuse_fd >= 0)
		close(reuse_fd);
	printf("%s: %u injection points, %u bad; results:", name,
	       n > max_n ? max_n : n - 1, bad);
	for (i = 0; i < ntally; i++)
		printf(" %s*%u", tally[i].name, tally[i].count);
	printf("\n");
	if (n > max_n && start_n == 1) {
		printf("%s: still firing at n=%u: gave up\n", name, max_n);
		return 1;
	}
	return bad ? 1 : 0;
}

/* ------------------------------------------------------------------ */
/* setup */

static void usage(void)
{
	fprintf(stderr,
		"usage: kftp-failnth open|fresh|reuse|dump [-u USER:PASS] [--name NAME]\n"
		"           [--max-filesize N] [--port-range LOW-HIGH] [--sha256] [--list]\n"
		"           [--timeout MS]\n"
		"           [--start N] [--max N] [--fault-stats DIR]\n"
		"           HOST PORT [REMOTE LOCAL]\n");
	exit(2);
}

static void copy_str(char *dst, size_t size, const char *src)
{
	if (strlen(src) >= size) {
		fprintf(stderr, "kftp-failnth: too long: %s\n", src);
		exit(2);
	}
	strcpy(dst, src);
}

static void set_user(const char *up)
{
	const char *c = strchr(up, ':');

	if (!c)
		usage();
	if ((size_t)(c - up) >= sizeof(req.user))
		usage();
	memcpy(req.user, up, c - up);
	copy_str(req.password, sizeof(req.password), c + 1);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'N' },
		{ "max-filesize", required_argument, NULL, 'F' },
		{ "port-range", required_argument, NULL, 'R' },
		{ "sha256", no_argument, NULL, 'H' },
		{ "list", no_argument, NULL, 'L' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "start", required_argument, NULL, 'B' },
		{ "max", required_argument, NULL, 'M' },
		{ "fault-stats", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned int timeout = 20000, lo, hi, port;
	const char *host;
	int c, i;

	if (argc < 2)
		usage();
	for (i = 0; i < 4; i++)
		if (!strcmp(argv[1], sweep_names[i]))
			break;
	if (i == 4)
		usage();
	sweep = i;
	name = sweep_names[i];
	argv++;
	argc--;
	while ((c = getopt_long(argc, argv, "u:", opts, NULL)) != -1) {
		switch (c) {
		case 'u':
			set_user(optarg);
			break;
		case 'N':
			name = optarg;
			break;
		case 'F':
			req.max_filesize = strtoull(optarg, NULL, 10);
			break;
		case 'R':
			if (sscanf(optarg, "%u-%u", &lo, &hi) != 2 || !lo ||
			    hi < lo || hi > 65535)
				usage();
			req.data_port_low = lo;
			req.data_port_high = hi;
			break;
		case 'H':
			req.flags |= KFTP_GET_F_SHA256;
			break;
		case 'L':	/* REMOTE is a directory: its listing (FEAT, MLSD or LIST) */
			req.command = KFTP_COMMAND_LISTING;
			break;
		case 'T':
			timeout = strtoul(optarg, NULL, 10);
			break;
		case 'B':
			start_n = strtoul(optarg, NULL, 10);
			if (!start_n)
				usage();
			break;
		case 'M':
			max_n = strtoul(optarg, NULL, 10);
			break;
		case 'S':
			stats_dir = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 2 && argc != 4)
		usage();
	if ((sweep == S_FRESH || sweep == S_REUSE) && argc != 4)
		usage();
	host = argv[0];
	port = strtoul(argv[1], NULL, 10);
	if (!port || port > 65535)
		usage();

	req.size = sizeof(req);
	req.port = port;
	if (inet_pton(AF_INET, host, req.addr) == 1)
		req.family = AF_INET;
	else if (inet_pton(AF_INET6, host, req.addr) == 1)
		req.family = AF_INET6;
	else
		usage();
	req.connect_timeout_ms = timeout;
	req.reply_timeout_ms = timeout;
	req.accept_timeout_ms = timeout;
	req.stall_timeout_ms = timeout;
	if (argc == 4) {
		copy_str(req.remote_path, sizeof(req.remote_path), argv[2]);
		copy_str(req.local_path, sizeof(req.local_path), argv[3]);
	}

	fail_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (fail_fd < 0)
		die("/proc/thread-self/fail-nth (CONFIG_FAULT_INJECTION?)");
	kmsg_fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	if (sweep == S_DUMP)
		resolve_family();
	/* touched now: no page fault of ours while a fault is armed */
	memset(nl_buf, 0, sizeof(nl_buf));
	setvbuf(stdout, NULL, _IOLBF, 0);
	return run_sweep();
}
