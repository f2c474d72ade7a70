// SPDX-License-Identifier: GPL-2.0
/*
 * kftp-fuzz: ioctl ABI checks and a fuzzer for /dev/kftp (KFTP_IOC_GET).
 *
 *   kftp-fuzz abi  [-n START] [-d DEV] [-t SECS] HOST:PORT [[::1]:PORT]
 *       Deterministic ABI checks, one TAP line each ("ok N - abi: ..."),
 *       numbered from START (default 1).  HOST:PORT is the recording FTP
 *       server (tests/fuzz/recorder.py), which answers 550 to RETR, so a
 *       struct that passes validation fails with ENOENT.  A second,
 *       IPv6 HOST:PORT adds the IPv6 checks.  Exit 0 iff every check passed.
 *
 *   kftp-fuzz fuzz -c COUNT -s SEED [-j JOBS] [-d DEV] [-t SECS] [-v]
 *                  [--only I] HOST:PORT [[::1]:PORT]
 *       COUNT ioctl calls: half random bytes (random length, sometimes
 *       exactly sizeof), half a valid struct aimed at the recorder with one
 *       field mutated.  Prints "# " lines: the case count, the seed, the
 *       errno histogram, and the cases whose errno contradicts the uapi
 *       header ("# MISMATCH").  Exit 0 iff every call returned within the
 *       watchdog (-t, default 30 s).  Case I of seed S is reproducible on
 *       its own with --only I.  -j JOBS runs the cases in JOBS processes
 *       at once (concurrent ioctls); each case stays the same.
 *
 * HOST:PORT is "a.b.c.d:port", "[v6addr]:port" or just "port" (127.0.0.1).
 * Exit 2: usage error or /dev/kftp cannot be opened.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <linux/kftp.h>

#include "errno-name.h"

#define ARGS_SIZE	sizeof(struct kftp_get_args)
#define TAIL_MAX	8192	/* zeroed, mapped bytes after the struct */
#define FUZZ_OUT	"/tmp/fuzz-out"
#define NOBODY		65534
typedef unsigned __int128 emask_t;	/* a set of errno values < 128 */
#define BIT(e)		((emask_t)1 << (e))
#define EMAX		128

struct target {
	uint16_t family;
	uint16_t port;
	uint8_t addr[16];
	char text[80];
};

static const char *dev_path = KFTP_DEVICE_PATH;
static int dev_fd = -1;
static unsigned int watchdog_secs = 30;
static struct target targets[4];
static int ntargets;

/* ------------------------------------------------------------------ */
/* memory: the struct is placed so that the mapping ends at a guard page */

static unsigned char *arena;	/* start of the readable/writable part */
static unsigned char *guard;	/* PROT_NONE page right after it */
static size_t page_size;

static void arena_init(void)
{
	size_t len;
	unsigned char *p;

	page_size = (size_t)sysconf(_SC_PAGESIZE);
	len = (ARGS_SIZE + TAIL_MAX + page_size - 1) / page_size * page_size;
	p = mmap(NULL, len + page_size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("kftp-fuzz: mmap");
		exit(2);
	}
	if (mprotect(p + len, page_size, PROT_NONE)) {
		perror("kftp-fuzz: mprotect");
		exit(2);
	}
	arena = p;
	guard = p + len;
}

/* The struct, followed by TAIL_MAX mapped bytes, then the guard page. */
static unsigned char *struct_slot(void)
{
	return guard - TAIL_MAX - ARGS_SIZE;
}

static bool all_zero(const unsigned char *b, size_t n)
{
	while (n--)
		if (*b++)
			return false;
	return true;
}

static const char *ename(int e)
{
	return errno_name(e, "success");
}

static void mask_names(emask_t mask, char *out, size_t len)
{
	size_t used = 0;
	int e;

	out[0] = '\0';
	for (e = 1; e < EMAX; e++) {
		if (!(mask & BIT(e)))
			continue;
		used += snprintf(out + used, len - used, "%s%s",
				 used ? "|" : "", ename(e));
		if (used >= len)
			break;
	}
}

/* ------------------------------------------------------------------ */
/* watchdog: SIGALRM interrupts a call that blocks too long */

static volatile sig_atomic_t watchdog_fired;
static char watchdog_msg[256];
static size_t watchdog_msg_len;

static void on_alarm(int sig)
{
	(void)sig;
	watchdog_fired++;
	if (write(2, watchdog_msg, watchdog_msg_len) < 0)
		watchdog_fired += 0;
	if (watchdog_fired >= 3) {
		static const char m[] = "# WATCHDOG: the call does not return, even to signals; giving up\n";

		if (write(2, m, sizeof(m) - 1) < 0)
			_exit(3);
		_exit(3);
	}
	alarm(watchdog_secs);
}

static void watchdog_setup(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: the ioctl must see EINTR */
	sigaction(SIGALRM, &sa, NULL);
}

/*
 * One ioctl under the watchdog. Returns the ioctl's return value, errno in
 * *err; *hung is set when the watchdog fired during the call.
 */
static int guarded_ioctl(int fd, unsigned long cmd, void *arg, int *err,
			 bool *hung, const char *what)
{
	int r;

	watchdog_msg_len = (size_t)snprintf(watchdog_msg, sizeof(watchdog_msg),
		"# WATCHDOG: %s blocked for more than %u s\n", what,
		watchdog_secs);
	if (watchdog_msg_len >= sizeof(watchdog_msg))
		watchdog_msg_len = sizeof(watchdog_msg) - 1;
	watchdog_fired = 0;
	alarm(watchdog_secs);
	r = ioctl(fd, cmd, arg);
	*err = r < 0 ? errno : 0;
	alarm(0);
	*hung = watchdog_fired != 0;
	return r;
}

/* ------------------------------------------------------------------ */
/* targets */

static int parse_target(const char *s, struct target *t)
{
	char host[64];
	const char *port_s;
	char *end;
	unsigned long port;

	memset(t, 0, sizeof(*t));
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (!rb || rb[1] != ':' || (size_t)(rb - s - 1) >= sizeof(host))
			return -1;
		memcpy(host, s + 1, rb - s - 1);
		host[rb - s - 1] = '\0';
		port_s = rb + 2;
		t->family = AF_INET6;
		if (inet_pton(AF_INET6, host, t->addr) != 1)
			return -1;
	} else if (strchr(s, ':')) {
		const char *c = strrchr(s, ':');

		if ((size_t)(c - s) >= sizeof(host))
			return -1;
		memcpy(host, s, c - s);
		host[c - s] = '\0';
		port_s = c + 1;
		t->family = AF_INET;
		if (inet_pton(AF_INET, host, t->addr) != 1)
			return -1;
	} else {
		port_s = s;
		t->family = AF_INET;
		t->addr[0] = 127;
		t->addr[3] = 1;
	}
	errno = 0;
	port = strtoul(port_s, &end, 10);
	if (errno || end == port_s || *end || port < 1 || port > 65535)
		return -1;
	t->port = (uint16_t)port;
	snprintf(t->text, sizeof(t->text), "%s", s);
	return 0;
}

static void open_device(void)
{
	dev_fd = open(dev_path, O_RDWR | O_CLOEXEC);
	if (dev_fd < 0) {
		int e = errno;

		fprintf(stderr, "kftp-fuzz: cannot open %s: %s%s\n", dev_path,
			strerror(e), e == ENOENT ?
			" (is kftp.ko loaded?)" : e == EACCES || e == EPERM ?
			" (run as root)" : "");
	}
}

static void set_str(char *dst, size_t cap, const char *src)
{
	memset(dst, 0, cap);
	snprintf(dst, cap, "%s", src);
}

static void make_valid(struct kftp_get_args *a, const struct target *t,
		       uint32_t timeout_ms, const char *remote,
		       const char *local)
{
	memset(a, 0, sizeof(*a));
	a->size = ARGS_SIZE;
	a->flags = 0;
	a->family = t->family;
	a->port = t->port;
	a->scope_id = 0;
	memcpy(a->addr, t->addr, sizeof(a->addr));
	a->connect_timeout_ms = timeout_ms;
	a->reply_timeout_ms = timeout_ms;
	a->accept_timeout_ms = timeout_ms;
	a->stall_timeout_ms = timeout_ms;
	a->resume_offset = 0;
	set_str(a->user, sizeof(a->user), "fuzz");
	set_str(a->password, sizeof(a->password), "fuzzpw");
	set_str(a->remote_path, sizeof(a->remote_path), remote);
	set_str(a->local_path, sizeof(a->local_path), local);
}

/* ------------------------------------------------------------------ */
/* abi mode */

static int tap_next = 1, tap_pass, tap_fail;

static void tap(bool ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void tap(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d - abi: ", ok ? "ok" : "not ok", tap_next++);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (ok)
		tap_pass++;
	else
		tap_fail++;
}

static void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void diag(const char *fmt, ...)
{
	va_list ap;

	printf("#   ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static struct target abi_t;
static int abi_seq;

static void abi_valid(struct kftp_get_args *a)
{
	char local[64];

	snprintf(local, sizeof(local), FUZZ_OUT "/abi-%d.out", ++abi_seq);
	unlink(local);
	make_valid(a, &abi_t, 10000, "kftp-abi/file.txt", local);
}

struct outcome {
	int r, err;
	bool hung;
	struct kftp_get_result res;
};

/*
 * Copy @a into the slot, set the size field to @size, fill @tail bytes after
 * the struct (zeroed first; a non-zero @tail_byte goes at offset
 * @tail_pos), call the ioctl and read the result back.
 */
static struct outcome run_at(unsigned char *buf, const struct kftp_get_args *a,
			     uint32_t size, const char *what)
{
	struct outcome o;

	memcpy(buf, a, ARGS_SIZE);
	memcpy(buf, &size, sizeof(size));
	o.r = guarded_ioctl(dev_fd, KFTP_IOC_GET, buf, &o.err, &o.hung, what);
	memcpy(&o.res, buf + offsetof(struct kftp_get_args, result),
	       sizeof(o.res));
	return o;
}

static struct outcome run(const struct kftp_get_args *a, const char *what)
{
	unsigned char *buf = struct_slot();

	memset(buf + ARGS_SIZE, 0, TAIL_MAX);
	return run_at(buf, a, a->size, what);
}

static void show_outcome(const struct outcome *o)
{
	diag("got r=%d errno=%s%s, reply_code=%u failed_step=%u "
	     "bytes_written=%llu remote_size=%llu reply_text=\"%.*s\"",
	     o->r, ename(o->err), o->hung ? " (WATCHDOG fired)" : "",
	     o->res.reply_code, o->res.failed_step,
	     (unsigned long long)o->res.bytes_written,
	     (unsigned long long)o->res.remote_size,
	     (int)strnlen(o->res.reply_text, 120), o->res.reply_text);
}

static bool expect(const struct outcome *o, emask_t mask, const char *fmt,
		   ...) __attribute__((format(printf, 3, 4)));
static bool expect(const struct outcome *o, emask_t mask, const char *fmt,
		   ...)
{
	char name[300], want[120];
	va_list ap;
	bool ok;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	ok = o->r < 0 && !o->hung && o->err < EMAX && (mask & BIT(o->err));
	mask_names(mask, want, sizeof(want));
	tap(ok, "%s -> %s", name, want);
	if (!ok)
		show_outcome(o);
	return ok;
}

static void expect_a(const struct kftp_get_args *a, emask_t mask,
		     const char *name)
{
	struct outcome o = run(a, name);

	expect(&o, mask, "%s", name);
}

/*
 * An out field set on input: ignored (the valid request's RETR gets 550),
 * and the struct comes back with this call's out fields, none produced
 * (no flag asked for one): no value of the input is left in them.
 */
static void expect_out_ignored(const struct kftp_get_args *a, const char *name)
{
	unsigned char *buf = struct_slot();
	struct kftp_get_args back;
	struct outcome o;

	memset(buf + ARGS_SIZE, 0, TAIL_MAX);
	o = run_at(buf, a, a->size, name);
	expect(&o, BIT(ENOENT), "%s: ignored", name);
	memcpy(&back, buf, sizeof(back));
	tap(back.remote_mtime == KFTP_MTIME_UNKNOWN &&
	    all_zero(back.sha256, sizeof(back.sha256)) && !back.server_hash &&
	    all_zero(back.server_sha256, sizeof(back.server_sha256)) &&
	    !back.command_sent,
	    "%s: written back as this call's (none produced)", name);
}

static bool text_has(const struct kftp_get_result *r, const char *needle)
{
	char t[KFTP_REPLY_TEXT_MAX + 1];

	memcpy(t, r->reply_text, KFTP_REPLY_TEXT_MAX);
	t[KFTP_REPLY_TEXT_MAX] = '\0';
	return strstr(t, needle) != NULL;
}

static bool text_terminated(const struct kftp_get_result *r)
{
	return memchr(r->reply_text, '\0', KFTP_REPLY_TEXT_MAX) != NULL;
}

static void abi_layout(void)
{
	size_t sum = 0;
	const struct kftp_get_args *a = NULL;

	sum += sizeof(a->size) + sizeof(a->flags) + sizeof(a->family) +
	       sizeof(a->port) + sizeof(a->scope_id) + sizeof(a->addr) +
	       sizeof(a->connect_timeout_ms) + sizeof(a->reply_timeout_ms) +
	       sizeof(a->accept_timeout_ms) + sizeof(a->stall_timeout_ms) +
	       sizeof(a->resume_offset) + sizeof(a->user) +
	       sizeof(a->password) + sizeof(a->remote_path) +
	       sizeof(a->local_path) + sizeof(a->dest_fd) +
	       sizeof(a->reserved1) + sizeof(a->max_filesize) +
	       sizeof(a->remote_mtime) + sizeof(a->max_time_ms) +
	       sizeof(a->data_family) + sizeof(a->reserved2) +
	       sizeof(a->data_port_low) + sizeof(a->data_port_high) +
	       sizeof(a->data_addr) + sizeof(a->reserved3) +
	       sizeof(a->trace_fd) + sizeof(a->reserved4) +
	       sizeof(a->display_name) + sizeof(a->sha256) +
	       sizeof(a->server_hash) + sizeof(a->reserved5) +
	       sizeof(a->server_sha256) + sizeof(a->command) +
	       sizeof(a->command_sent);
	sum += sizeof(a->result.bytes_written) + sizeof(a->result.remote_size) +
	       sizeof(a->result.reply_code) + sizeof(a->result.failed_step) +
	       sizeof(a->result.reply_text);
	tap(sum == ARGS_SIZE && ARGS_SIZE >= KFTP_GET_ARGS_SIZE_VER0 &&
	    offsetof(struct kftp_get_args, resume_offset) % 8 == 0 &&
	    offsetof(struct kftp_get_args, result) % 8 == 0,
	    "struct layout has no implicit padding (sizeof %zu, fields %zu, VER0 %d)",
	    ARGS_SIZE, sum, KFTP_GET_ARGS_SIZE_VER0);
	/* Each version appends at the previous one's end, and nowhere else. */
	tap(offsetof(struct kftp_get_args, dest_fd) == KFTP_GET_ARGS_SIZE_VER0 &&
	    offsetof(struct kftp_get_args, max_filesize) ==
	    KFTP_GET_ARGS_SIZE_VER1 &&
	    offsetof(struct kftp_get_args, trace_fd) == KFTP_GET_ARGS_SIZE_VER2 &&
	    offsetof(struct kftp_get_args, reserved4) ==
	    KFTP_GET_ARGS_SIZE_VER2 + 4 &&
	    offsetof(struct kftp_get_args, display_name) ==
	    KFTP_GET_ARGS_SIZE_VER2 + 8 &&
	    sizeof(a->display_name) == KFTP_LOCAL_PATH_MAX &&
	    offsetof(struct kftp_get_args, sha256) == KFTP_GET_ARGS_SIZE_VER3 &&
	    offsetof(struct kftp_get_args, command) == KFTP_GET_ARGS_SIZE_VER4 &&
	    ARGS_SIZE == KFTP_GET_ARGS_SIZE_VER5,
	    "versions append: dest_fd at VER0 (%zu), max_filesize at VER1 (%zu), trace_fd at VER2 (%zu), display_name at VER2+8 (%zu), sha256 at VER3 (%zu), command at VER4 (%zu), sizeof = VER5 (%d)",
	    offsetof(struct kftp_get_args, dest_fd),
	    offsetof(struct kftp_get_args, max_filesize),
	    offsetof(struct kftp_get_args, trace_fd),
	    offsetof(struct kftp_get_args, display_name),
	    offsetof(struct kftp_get_args, sha256),
	    offsetof(struct kftp_get_args, command),
	    KFTP_GET_ARGS_SIZE_VER5);
	tap((KFTP_GET_F_ALL & (KFTP_GET_F_TRACE | KFTP_GET_F_DEST_STREAM |
			       KFTP_GET_F_SHA256 | KFTP_GET_F_SERVER_SHA256)) ==
	    (KFTP_GET_F_TRACE | KFTP_GET_F_DEST_STREAM | KFTP_GET_F_SHA256 |
	     KFTP_GET_F_SERVER_SHA256) &&
	    KFTP_GET_F_ALL == 0x7f && KFTP_SHA256_SIZE == 32,
	    "KFTP_GET_F_ALL (0x%x) holds the version 3 and 4 flags",
	    (unsigned int)KFTP_GET_F_ALL);
	tap(KFTP_IOC_GET == 0xF701,
	    "KFTP_IOC_GET is _IO(0xF7, 1) = 0x%x (no size in the number)",
	    (unsigned int)KFTP_IOC_GET);
}

static void abi_bad_numbers(void)
{
	static const struct {
		unsigned long cmd;
		const char *name;
	} cmds[] = {
		{ _IO(KFTP_IOC_MAGIC, 0x00), "_IO(0xF7, 0)" },
		{ _IO(KFTP_IOC_MAGIC, 0x02), "_IO(0xF7, 2)" },
		{ _IO(KFTP_IOC_MAGIC, 0xff), "_IO(0xF7, 0xff)" },
		{ _IOWR(KFTP_IOC_MAGIC, 0x01, struct kftp_get_args),
		  "_IOWR(0xF7, 1, struct kftp_get_args)" },
		{ _IO(0xF6, 0x01), "_IO(0xF6, 1)" },
		{ TCGETS, "TCGETS (isatty)" },
	};
	struct kftp_get_args a;
	size_t i;

	abi_valid(&a);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		struct outcome o;
		unsigned char *buf = struct_slot();

		memcpy(buf, &a, ARGS_SIZE);
		o.r = guarded_ioctl(dev_fd, cmds[i].cmd, buf, &o.err, &o.hung,
				    cmds[i].name);
		memset(&o.res, 0, sizeof(o.res));
		expect(&o, BIT(ENOTTY), "unknown ioctl %s (0x%lx)",
		       cmds[i].name, cmds[i].cmd);
	}
}

static void abi_efault(void)
{
	struct outcome o;
	struct kftp_get_args a;
	uint32_t sz = ARGS_SIZE;

	memset(&o.res, 0, sizeof(o.res));
	o.r = guarded_ioctl(dev_fd, KFTP_IOC_GET, NULL, &o.err, &o.hung, "NULL");
	expect(&o, BIT(EFAULT), "NULL argument");
	o.r = guarded_ioctl(dev_fd, KFTP_IOC_GET, (void *)1, &o.err, &o.hung,
			    "(void *)1");
	expect(&o, BIT(EFAULT), "argument (void *)1");
	o.r = guarded_ioctl(dev_fd, KFTP_IOC_GET, (void *)0xffff880000000000UL,
			    &o.err, &o.hung, "kernel address");
	expect(&o, BIT(EFAULT), "kernel-half address 0xffff880000000000");
	o.r = guarded_ioctl(dev_fd, KFTP_IOC_GET, guard, &o.err, &o.hung,
			    "guard page");
	expect(&o, BIT(EFAULT), "pointer into an unmapped (PROT_NONE) page");
	/* the size field straddles the guard page */
	memcpy(guard - 2, &sz, 2);
	o.r = guarded_ioctl(dev_fd, KFTP_IOC_GET, guard - 2, &o.err, &o.hung,
			    "size straddling guard");
	expect(&o, BIT(EFAULT), "size field straddles an unmapped page");
	/* size readable (and right), the rest of the struct is not */
	abi_valid(&a);
	memcpy(guard - 64, &a, 64);
	o.r = guarded_ioctl(dev_fd, KFTP_IOC_GET, guard - 64, &o.err, &o.hung,
			    "struct straddling guard");
	expect(&o, BIT(EFAULT), "struct runs into an unmapped page after 64 bytes");
}

static void abi_size(void)
{
	static const uint32_t small[] = { 0, 1, 4, 8, 56, 4096,
					  KFTP_GET_ARGS_SIZE_VER0 - 1 };
	struct kftp_get_args a;
	struct outcome o;
	unsigned char *buf = struct_slot();
	size_t i;

	for (i = 0; i < sizeof(small) / sizeof(small[0]); i++) {
		abi_valid(&a);
		a.size = small[i];
		o = run(&a, "small size");
		expect(&o, BIT(EINVAL), "size %u (< KFTP_GET_ARGS_SIZE_VER0)",
		       small[i]);
	}

	/* larger with a non-zero tail: E2BIG */
	{
		static const uint32_t extra[] = { 1, 8, 4096, TAIL_MAX };

		for (i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
			abi_valid(&a);
			memset(buf + ARGS_SIZE, 0, TAIL_MAX);
			buf[ARGS_SIZE + extra[i] - 1] = 0x01;
			o = run_at(buf, &a, ARGS_SIZE + extra[i], "E2BIG");
			expect(&o, BIT(E2BIG),
			       "size sizeof+%u, last tail byte non-zero", extra[i]);
		}
	}

	/* larger with an all-zero tail: proceeds to the server (550) */
	{
		static const uint32_t extra[] = { 8, 4096 };

		for (i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
			abi_valid(&a);
			memset(buf + ARGS_SIZE, 0, TAIL_MAX);
			o = run_at(buf, &a, ARGS_SIZE + extra[i], "zero tail");
			if (expect(&o, BIT(ENOENT),
				   "size sizeof+%u, all-zero tail: accepted, RETR 550",
				   extra[i]) && o.res.reply_code != 550)
				diag("reply_code %u, not 550", o.res.reply_code);
		}
	}

	/*
	 * An older caller's size: the kernel reads no byte past it, so
	 * whatever follows (here junk in every version 3 field) is not seen.
	 */
	{
		static const uint32_t older[] = { KFTP_GET_ARGS_SIZE_VER1,
						  KFTP_GET_ARGS_SIZE_VER2 };

		for (i = 0; i < sizeof(older) / sizeof(older[0]); i++) {
			abi_valid(&a);
			memset(buf + ARGS_SIZE, 0, TAIL_MAX);
			memset((unsigned char *)&a + older[i], 0x5a,
			       ARGS_SIZE - older[i]);
			o = run_at(buf, &a, older[i], "older size");
			expect(&o, BIT(ENOENT),
			       "size %u, junk after it: accepted, RETR 550",
			       older[i]);
		}
	}

	/* tail running into the guard page */
	abi_valid(&a);
	memset(buf + ARGS_SIZE, 0, TAIL_MAX);
	o = run_at(buf, &a, ARGS_SIZE + TAIL_MAX + 1, "tail past mapping");
	expect(&o, BIT(EFAULT) | BIT(E2BIG),
	       "size sizeof+%u, zero tail running into an unmapped page",
	       TAIL_MAX + 1);
	abi_valid(&a);
	o = run_at(buf, &a, 0xffffffffU, "size 0xffffffff");
	expect(&o, BIT(EFAULT) | BIT(E2BIG), "size 0xffffffff");
}

static void abi_fields(void)
{
	struct kftp_get_args a;
	char name[160];
	int i;

	static const uint32_t bad_flags[] = { 1U << 8, 1U << 31, 0xffffffffU,
					      KFTP_GET_F_ALL + 1 };
	for (i = 0; i < 4; i++) {
		abi_valid(&a);
		a.flags = bad_flags[i];
		snprintf(name, sizeof(name), "unknown flag bits 0x%x",
			 bad_flags[i]);
		expect_a(&a, BIT(EINVAL), name);
	}
	abi_valid(&a);
	a.flags = KFTP_GET_F_EXCL;
	expect_a(&a, BIT(ENOENT), "flag KFTP_GET_F_EXCL (new local file) accepted, RETR 550");

	static const uint16_t bad_fam[] = { 0, 1, 99, 0xffff };
	for (i = 0; i < 4; i++) {
		abi_valid(&a);
		a.family = bad_fam[i];
		snprintf(name, sizeof(name), "family %u", bad_fam[i]);
		expect_a(&a, BIT(EINVAL), name);
	}

	abi_valid(&a);
	a.port = 0;
	expect_a(&a, BIT(EINVAL), "port 0");

	static const char *const tname[] = { "connect", "reply", "accept",
					     "stall" };
	static const uint32_t bad_to[] = { 0, KFTP_TIMEOUT_MAX_MS + 1,
					   0xffffffffU };
	for (i = 0; i < 4; i++) {
		int j;

		for (j = 0; j < 3; j++) {
			uint32_t *f;

			abi_valid(&a);
			f = i == 0 ? &a.connect_timeout_ms :
			    i == 1 ? &a.reply_timeout_ms :
			    i == 2 ? &a.accept_timeout_ms : &a.stall_timeout_ms;
			*f = bad_to[j];
			snprintf(name, sizeof(name), "%s_timeout_ms %u",
				 tname[i], bad_to[j]);
			expect_a(&a, BIT(EINVAL), name);
		}
	}
	abi_valid(&a);
	a.connect_timeout_ms = a.reply_timeout_ms = a.accept_timeout_ms =
		a.stall_timeout_ms = KFTP_TIMEOUT_MAX_MS;
	expect_a(&a, BIT(ENOENT), "every timeout = KFTP_TIMEOUT_MAX_MS accepted, RETR 550");

	/* Version 2: resume_offset is live, but not with O_EXCL. */
	abi_valid(&a);
	a.resume_offset = 1;
	expect_a(&a, BIT(ENOENT), "resume_offset 1 accepted, RETR 550");
	a.flags = KFTP_GET_F_EXCL;
	expect_a(&a, BIT(EINVAL), "resume_offset with KFTP_GET_F_EXCL");
	/* A file offset is a loff_t: past its range, nothing is sent. */
	abi_valid(&a);
	a.resume_offset = (uint64_t)INT64_MAX + 1;
	expect_a(&a, BIT(EINVAL), "resume_offset past INT64_MAX");
	abi_valid(&a);
	a.reserved2 = 1;
	expect_a(&a, BIT(EINVAL), "reserved2 != 0");
	abi_valid(&a);
	a.reserved3 = 1;
	expect_a(&a, BIT(EINVAL), "reserved3 != 0");
	abi_valid(&a);
	a.remote_mtime = 1;
	expect_out_ignored(&a, "remote_mtime != 0 on input");
	abi_valid(&a);
	a.data_family = AF_INET6;
	expect_a(&a, BIT(EINVAL), "data_family not the server's family");
	abi_valid(&a);
	a.data_addr[0] = 127;
	expect_a(&a, BIT(EINVAL), "data_addr without data_family");
	abi_valid(&a);
	a.data_family = AF_INET;
	a.data_addr[0] = 127;
	a.data_addr[3] = 1;
	a.data_addr[4] = 1;
	expect_a(&a, BIT(EINVAL), "AF_INET data_addr with addr[4] != 0");
	abi_valid(&a);
	a.data_port_low = 41000;
	a.data_port_high = 40999;
	expect_a(&a, BIT(EINVAL), "data_port_high below data_port_low");
	a.data_port_low = 0;
	expect_a(&a, BIT(EINVAL), "data_port_high without data_port_low");
	abi_valid(&a);
	a.data_family = AF_INET;
	a.data_addr[0] = 127;
	a.data_addr[3] = 1;
	a.data_port_low = 41000;
	a.data_port_high = 41009;
	a.max_filesize = 1ULL << 40;
	a.max_time_ms = 60000;
	a.flags = KFTP_GET_F_REMOTE_TIME;
	expect_a(&a, BIT(ENOENT), "every version 2 field set: accepted, RETR 550");

	/* Version 3 */
	abi_valid(&a);
	a.reserved4 = 1;
	expect_a(&a, BIT(EINVAL), "reserved4 != 0");
	abi_valid(&a);
	a.reserved4 = 0x80000000U;
	a.flags = KFTP_GET_F_TRACE;
	a.trace_fd = -1;
	expect_a(&a, BIT(EINVAL),
		 "reserved4 != 0 with a bad trace_fd: validation comes first");
	abi_valid(&a);
	a.flags = KFTP_GET_F_DEST_STREAM;
	expect_a(&a, BIT(EINVAL),
		 "KFTP_GET_F_DEST_STREAM without KFTP_GET_F_DEST_FD");
	a.flags = KFTP_GET_F_DEST_STREAM | KFTP_GET_F_EXCL;
	expect_a(&a, BIT(EINVAL),
		 "KFTP_GET_F_DEST_STREAM with KFTP_GET_F_EXCL, no KFTP_GET_F_DEST_FD");
	abi_valid(&a);
	memset(a.local_path, 0, sizeof(a.local_path));
	a.flags = KFTP_GET_F_DEST_STREAM | KFTP_GET_F_DEST_FD;
	a.dest_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	a.resume_offset = 1;
	expect_a(&a, BIT(EINVAL),
		 "KFTP_GET_F_DEST_STREAM with resume_offset 1 (/dev/null)");
	a.resume_offset = 0;
	expect_a(&a, BIT(ENOENT),
		 "KFTP_GET_F_DEST_STREAM, resume_offset 0 (/dev/null): accepted, RETR 550");
	if (a.dest_fd >= 0)
		close(a.dest_fd);
	abi_valid(&a);
	a.flags = KFTP_GET_F_TRACE;
	a.trace_fd = -1;
	expect_a(&a, BIT(EBADF), "KFTP_GET_F_TRACE with trace_fd -1");
	a.flags = 0;
	expect_a(&a, BIT(ENOENT),
		 "trace_fd -1 without KFTP_GET_F_TRACE: ignored, RETR 550");
	/* A version 2 caller's struct with a version 3 flag: never fd 0. */
	{
		static const uint32_t v3_flags[] = {
			KFTP_GET_F_TRACE,
			KFTP_GET_F_DEST_STREAM | KFTP_GET_F_DEST_FD,
		};
		struct outcome o;

		for (i = 0; i < (int)(sizeof(v3_flags) / sizeof(v3_flags[0])); i++) {
			abi_valid(&a);
			a.flags = v3_flags[i];
			if (a.flags & KFTP_GET_F_DEST_FD)
				memset(a.local_path, 0, sizeof(a.local_path));
			o = run_at(struct_slot(), &a, KFTP_GET_ARGS_SIZE_VER2,
				   "v3 flag, v2 size");
			expect(&o, BIT(EINVAL), "flags 0x%x with size %u (version 2)",
			       (unsigned int)v3_flags[i], KFTP_GET_ARGS_SIZE_VER2);
		}
	}

	/* Version 4: sha256 is out only; its flag needs its field. */
	abi_valid(&a);
	a.sha256[31] = 1;
	expect_out_ignored(&a, "sha256[31] != 0 on input");
	abi_valid(&a);
	a.server_hash = 1;
	expect_out_ignored(&a, "server_hash != 0 on input");
	abi_valid(&a);
	a.reserved5 = 1;
	expect_a(&a, BIT(EINVAL), "reserved5 != 0");
	abi_valid(&a);
	a.server_sha256[0] = 0xff;
	expect_out_ignored(&a, "server_sha256[0] != 0 on input");
	abi_valid(&a);
	a.flags = KFTP_GET_F_SHA256;
	expect_a(&a, BIT(ENOENT), "KFTP_GET_F_SHA256: accepted, RETR 550");
	abi_valid(&a);
	a.flags = KFTP_GET_F_SHA256 | KFTP_GET_F_SERVER_SHA256;
	expect_a(&a, BIT(ENOENT),
		 "KFTP_GET_F_SHA256 | KFTP_GET_F_SERVER_SHA256: accepted, RETR 550");
	/* A resumed digest reads the prefix back: dest_fd must be readable. */
	{
		char tmp[] = "/tmp/kftp-fuzz-digest-XXXXXX";
		int fd = mkstemp(tmp);

		if (fd >= 0 && write(fd, "x", 1) == 1) {
			abi_valid(&a);
			memset(a.local_path, 0, sizeof(a.local_path));
			a.flags = KFTP_GET_F_DEST_FD | KFTP_GET_F_SHA256;
			a.resume_offset = 1;
			a.dest_fd = open(tmp, O_WRONLY | O_CLOEXEC);
			expect_a(&a, BIT(EBADF),
				 "KFTP_GET_F_SHA256, resume_offset 1, write-only dest_fd");
			if (a.dest_fd >= 0)
				close(a.dest_fd);
			a.dest_fd = open(tmp, O_RDWR | O_CLOEXEC);
			expect_a(&a, BIT(ENOENT),
				 "KFTP_GET_F_SHA256, resume_offset 1, dest_fd O_RDWR: accepted, RETR 550");
			if (a.dest_fd >= 0)
				close(a.dest_fd);
		}
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
	}
	{
		struct outcome o;

		static const uint32_t v4_flags[] = {
			KFTP_GET_F_SHA256, KFTP_GET_F_SERVER_SHA256,
		};

		for (i = 0; i < 2; i++) {
			abi_valid(&a);
			a.flags = v4_flags[i];
			o = run_at(struct_slot(), &a, KFTP_GET_ARGS_SIZE_VER3,
				   "v4 flag, v3 size");
			expect(&o, BIT(EINVAL), "flags 0x%x with size %u (version 3)",
			       (unsigned int)v4_flags[i], KFTP_GET_ARGS_SIZE_VER3);
		}
	}

	/* Version 5: a listing takes nothing of a file's retrieval. */
	abi_valid(&a);
	a.command = KFTP_COMMAND_MAX + 1;
	expect_a(&a, BIT(EINVAL), "command KFTP_COMMAND_MAX + 1");
	abi_valid(&a);
	a.command = 0xffffffff;
	expect_a(&a, BIT(EINVAL), "command 0xffffffff");
	abi_valid(&a);
	a.command_sent = KFTP_COMMAND_LIST;
	expect_out_ignored(&a, "command_sent != 0 on input (RETR sent)");
	{
		static const uint32_t retr_only[] = {
			KFTP_GET_F_REMOTE_TIME, KFTP_GET_F_SHA256, KFTP_GET_F_SERVER_SHA256,
		};

		for (i = 0; i < 3; i++) {
			struct outcome o;

			abi_valid(&a);
			a.command = KFTP_COMMAND_LIST;
			a.flags = retr_only[i];
			o = run(&a, "listing, retrieval flag");
			expect(&o, BIT(EINVAL), "KFTP_COMMAND_LIST with flag 0x%x",
			       (unsigned int)retr_only[i]);
		}
	}
	abi_valid(&a);
	a.command = KFTP_COMMAND_MLSD;
	a.resume_offset = 1;
	expect_a(&a, BIT(EINVAL), "KFTP_COMMAND_MLSD with resume_offset 1");
	{
		static const uint32_t commands[] = {
			KFTP_COMMAND_LIST, KFTP_COMMAND_NLST, KFTP_COMMAND_MLSD,
			KFTP_COMMAND_LISTING,
		};
		struct outcome o;

		for (i = 0; i < 4; i++) {
			abi_valid(&a);
			a.command = commands[i];
			o = run_at(struct_slot(), &a, ARGS_SIZE, "listing");
			expect(&o, BIT(ENOENT), "command %u: accepted, 550 to the listing",
			       (unsigned int)commands[i]);
			tap(o.res.failed_step == KFTP_STEP_LIST && o.res.reply_code == 550,
			    "command %u: failed_step LIST, reply 550 (step %u, reply %u)",
			    (unsigned int)commands[i], o.res.failed_step, o.res.reply_code);
		}
		/* command_sent would be written past a struct cut before it. */
		abi_valid(&a);
		a.command = KFTP_COMMAND_LIST;
		o = run_at(struct_slot(), &a, KFTP_GET_ARGS_SIZE_VER5 - 4, "listing, VER5 - 4");
		expect(&o, BIT(EINVAL), "KFTP_COMMAND_LIST with size %u (command, no command_sent)",
		       KFTP_GET_ARGS_SIZE_VER5 - 4);
		o = run_at(struct_slot(), &a, KFTP_GET_ARGS_SIZE_VER4 + 1, "listing, VER4 + 1");
		expect(&o, BIT(EINVAL), "KFTP_COMMAND_LIST with size %u (a byte of command)",
		       KFTP_GET_ARGS_SIZE_VER4 + 1);
		abi_valid(&a);
		a.command = KFTP_COMMAND_LIST;
		memset(a.remote_path, 0, sizeof(a.remote_path));
		expect_a(&a, BIT(ENOENT), "a listing with an empty remote_path: accepted");
		abi_valid(&a);
		memset(a.remote_path, 0, sizeof(a.remote_path));
		expect_a(&a, BIT(EINVAL), "RETR with an empty remote_path");
	}

	abi_valid(&a);
	a.addr[4] = 1;
	expect_a(&a, BIT(EINVAL), "IPv4 with addr[4] != 0");
	abi_valid(&a);
	a.addr[15] = 0x80;
	expect_a(&a, BIT(EINVAL), "IPv4 with addr[15] != 0");
}

/* A local TCP port with nothing listening on it, 0 if none was found. */
static uint16_t closed_port(void)
{
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	uint16_t port = 0;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	memcpy(&sin.sin_addr, abi_t.addr, 4);
	if (s >= 0 && !bind(s, (struct sockaddr *)&sin, sizeof(sin)) &&
	    !getsockname(s, (struct sockaddr *)&sin, &sl))
		port = ntohs(sin.sin_port);
	if (s >= 0)
		close(s);
	return port;
}

static bool file_has(const char *buf, const char *needle)
{
	return strstr(buf, needle) != NULL;
}

/*
 * The dialogue trace (version 3): trace_fd is taken when the transfer
 * begins, before any connection, and must be open for writing; the trace
 * shows the commands and replies, never the password.
 */
static void abi_trace(void)
{
	static const struct {
		const char *what;
		int fd;		/* index into fds[], or -1 for the fd itself */
	} bad[] = {
		{ "trace_fd -1", -1 },
		{ "trace_fd INT32_MIN", -1 },
		{ "trace_fd INT32_MAX", -1 },
		{ "trace_fd closed", 0 },
		{ "trace_fd a regular file open read-only", 1 },
		{ "trace_fd an O_PATH descriptor", 2 },
		{ "trace_fd the read end of a pipe", 3 },
	};
	struct kftp_get_args a;
	struct outcome o;
	char path[] = FUZZ_OUT "/trace-XXXXXX";
	char text[4096], name[200];
	int fds[4], pipefd[2], tf, i;
	uint16_t port;
	ssize_t n;

	tf = mkstemp(path);
	fds[1] = tf < 0 ? -1 : open(path, O_RDONLY | O_CLOEXEC);
	fds[2] = open(FUZZ_OUT, O_PATH | O_CLOEXEC);
	if (tf < 0 || fds[1] < 0 || fds[2] < 0 ||
	    pipe2(pipefd, O_CLOEXEC | O_NONBLOCK)) {
		tap(false, "trace: cannot set up files: %s", strerror(errno));
		return;
	}
	fds[3] = pipefd[0];
	/* the lowest free number: it stays free until the loop is over */
	fds[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fds[0] >= 0)
		close(fds[0]);
	for (i = 0; i < (int)(sizeof(bad) / sizeof(bad[0])); i++) {
		abi_valid(&a);
		a.flags = KFTP_GET_F_TRACE;
		a.trace_fd = bad[i].fd >= 0 ? fds[bad[i].fd] : i == 0 ? -1 :
			     i == 1 ? INT32_MIN : INT32_MAX;
		snprintf(name, sizeof(name), "KFTP_GET_F_TRACE, %s", bad[i].what);
		expect_a(&a, BIT(EBADF), name);
	}

	/* The descriptor is checked before connecting: EBADF, not refused. */
	port = closed_port();
	if (port) {
		abi_valid(&a);
		a.port = port;
		a.flags = KFTP_GET_F_TRACE;
		a.trace_fd = fds[1];
		memset(&a.result, 0xa5, sizeof(a.result));
		expect_a(&a, BIT(EBADF),
			 "KFTP_GET_F_TRACE, read-only trace_fd, closed port: checked before connecting");
		a.trace_fd = tf;
		o = run(&a, "trace closed port");
		if (expect(&o, BIT(ECONNREFUSED),
			   "KFTP_GET_F_TRACE, closed port: ECONNREFUSED") &&
		    o.res.failed_step != KFTP_STEP_CONNECT) {
			tap(false, "trace, closed port: failed_step CONNECT");
			show_outcome(&o);
		}
		if (ftruncate(tf, 0) || lseek(tf, 0, SEEK_SET))
			diag("cannot empty %s", path);
	} else {
		tap(false, "trace: cannot find a free port");
	}

	/* A new login (another user), traced to a regular file. */
	abi_valid(&a);
	set_str(a.user, sizeof(a.user), "fuzztrace");
	set_str(a.password, sizeof(a.password), "tracepw-secret");
	a.flags = KFTP_GET_F_TRACE;
	a.trace_fd = tf;
	o = run(&a, "trace to a file");
	expect(&o, BIT(ENOENT),
	       "KFTP_GET_F_TRACE to a regular file: accepted, RETR 550");
	n = pread(tf, text, sizeof(text) - 1, 0);
	text[n > 0 ? n : 0] = '\0';
	tap(file_has(text, "> USER fuzztrace\n") &&
	    file_has(text, "> PASS ****\n") &&
	    file_has(text, "> RETR kftp-abi/file.txt\n") &&
	    file_has(text, "< 550 recorder: no such file (kftp-fuzz)\n") &&
	    !file_has(text, "tracepw-secret"),
	    "trace: USER, PASS ****, RETR and the 550 line, never the password");
	if (!file_has(text, "< 550"))
		diag("trace (%zd bytes): %.300s", n, text);
	tap(lseek(tf, 0, SEEK_CUR) == n && n > 0,
	    "trace: written at the file's own offset, which moved (%lld of %zd)",
	    (long long)lseek(tf, 0, SEEK_CUR), n);

	/* The same to a pipe, which we read: the escaped ESC reply */
	abi_valid(&a);
	set_str(a.remote_path, sizeof(a.remote_path), "kftp-abi/esc");
	a.flags = KFTP_GET_F_TRACE;
	a.trace_fd = pipefd[1];
	o = run(&a, "trace to a pipe");
	expect(&o, BIT(ENOENT), "KFTP_GET_F_TRACE to a pipe: accepted, RETR 550");
	n = read(pipefd[0], text, sizeof(text) - 1);
	text[n > 0 ? n : 0] = '\0';
	tap(file_has(text, "> RETR kftp-abi/esc\n") &&
	    file_has(text, "< 550 recorder\\") &&
	    file_has(text, "escape test\n") &&
	    !memchr(text, 0x1b, n > 0 ? (size_t)n : 0),
	    "trace to a pipe: RETR, and the reply's ESC escaped (%%pE)");
	if (!file_has(text, "escape test"))
		diag("trace (%zd bytes): %.300s", n, text);

	abi_valid(&a);
	a.flags = KFTP_GET_F_TRACE;
	a.trace_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	expect_a(&a, BIT(ENOENT),
		 "KFTP_GET_F_TRACE to /dev/null: accepted, RETR 550");
	if (a.trace_fd >= 0)
		close(a.trace_fd);

	close(pipefd[0]);
	close(pipefd[1]);
	close(fds[1]);
	close(fds[2]);
	close(tf);
	unlink(path);
}

/*
 * A stream destination (version 3, KFTP_GET_F_DEST_STREAM): any descriptor
 * open for writing without O_DIRECT, written at its own offset. The
 * recorder sends no file, so each accepted call ends with RETR 550 and
 * nothing written.
 */
static void abi_dest_stream(const int pipefd[2], int ro, int rw,
			    const char *path)
{
	struct kftp_get_args a;
	struct outcome o;
	struct stat st;
	int dnull, app, dpipe[2], odirect;
	char c;

	/* to find it empty without waiting */
	if (fcntl(pipefd[0], F_SETFL, O_NONBLOCK))
		diag("cannot make the pipe non-blocking");
	abi_valid(&a);
	memset(a.local_path, 0, sizeof(a.local_path));
	a.flags = KFTP_GET_F_DEST_FD | KFTP_GET_F_DEST_STREAM;
	a.dest_fd = pipefd[1];
	o = run(&a, "stream pipe");
	if (expect(&o, BIT(ENOENT),
		   "KFTP_GET_F_DEST_STREAM to a pipe: accepted, RETR 550") &&
	    (read(pipefd[0], &c, 1) != -1 || errno != EAGAIN))
		diag("something was written to the pipe");
	a.flags = KFTP_GET_F_DEST_FD | KFTP_GET_F_DEST_STREAM |
		  KFTP_GET_F_EXCL;
	expect_a(&a, BIT(EINVAL), "KFTP_GET_F_DEST_STREAM with KFTP_GET_F_EXCL");
	a.flags = KFTP_GET_F_DEST_FD | KFTP_GET_F_DEST_STREAM;
	a.dest_fd = pipefd[0];
	expect_a(&a, BIT(EBADF), "KFTP_GET_F_DEST_STREAM, the read end of a pipe");
	a.dest_fd = ro;
	expect_a(&a, BIT(EBADF),
		 "KFTP_GET_F_DEST_STREAM, a regular file open read-only");
	a.dest_fd = -1;
	expect_a(&a, BIT(EBADF), "KFTP_GET_F_DEST_STREAM, dest_fd -1");
	a.dest_fd = rw;
	o = run(&a, "stream file");
	if (expect(&o, BIT(ENOENT),
		   "KFTP_GET_F_DEST_STREAM to a regular file at its offset: accepted, RETR 550") &&
	    (fstat(rw, &st) || st.st_size != 3 || lseek(rw, 0, SEEK_CUR) != 3))
		diag("the file was truncated, written or moved: %lld bytes",
		     (long long)st.st_size);

	dnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	app = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (dnull < 0 || app < 0 ||
	    pipe2(dpipe, O_DIRECT | O_NONBLOCK | O_CLOEXEC)) {
		tap(false, "stream: cannot set up files: %s", strerror(errno));
		return;
	}
	a.dest_fd = dnull;
	expect_a(&a, BIT(ENOENT),
		 "KFTP_GET_F_DEST_STREAM to /dev/null: accepted, RETR 550");
	a.dest_fd = app;
	expect_a(&a, BIT(ENOENT),
		 "KFTP_GET_F_DEST_STREAM to an O_APPEND file: accepted, RETR 550");
	a.dest_fd = dpipe[1];
	expect_a(&a, BIT(EINVAL),
		 "KFTP_GET_F_DEST_STREAM to an O_DIRECT (packet) pipe");
	a.flags = KFTP_GET_F_DEST_FD;
	expect_a(&a, BIT(EINVAL), "dest_fd an O_DIRECT pipe, no stream flag");
	a.dest_fd = dnull;
	expect_a(&a, BIT(EINVAL), "dest_fd /dev/null, no stream flag");
	a.dest_fd = app;
	expect_a(&a, BIT(EINVAL), "dest_fd an O_APPEND file, no stream flag");
	/* O_DIRECT on a regular file, where the filesystem has it */
	odirect = open(path, O_WRONLY | O_DIRECT | O_CLOEXEC);
	if (odirect >= 0) {
		a.dest_fd = odirect;
		a.flags = KFTP_GET_F_DEST_FD | KFTP_GET_F_DEST_STREAM;
		expect_a(&a, BIT(EINVAL),
			 "KFTP_GET_F_DEST_STREAM to a regular file with O_DIRECT");
		close(odirect);
	} else {
		diag("no O_DIRECT regular file on %s (%s): the pipe stands in",
		     FUZZ_OUT, strerror(errno));
	}
	close(dpipe[0]);
	close(dpipe[1]);
	close(app);
	close(dnull);
}

/*
 * The destination as a descriptor (version 1): the kernel refuses anything
 * but a regular file open for writing, never truncates it, and a caller
 * built against version 0 still works.
 */
static void abi_dest_fd(void)
{
	struct kftp_get_args a;
	struct outcome o;
	struct stat st;
	int pipefd[2], ro, rw;
	char path[] = FUZZ_OUT "/dest-fd-XXXXXX";

	abi_valid(&a);
	a.flags = KFTP_GET_F_DEST_FD;
	expect_a(&a, BIT(EINVAL), "KFTP_GET_F_DEST_FD with a local_path");
	memset(a.local_path, 0, sizeof(a.local_path));
	a.flags = KFTP_GET_F_DEST_FD | KFTP_GET_F_EXCL;
	expect_a(&a, BIT(EINVAL), "KFTP_GET_F_DEST_FD with KFTP_GET_F_EXCL");
	a.flags = KFTP_GET_F_DEST_FD;
	a.reserved1 = 1;
	expect_a(&a, BIT(EINVAL), "reserved1 != 0");
	a.reserved1 = 0;
	a.dest_fd = -1;
	expect_a(&a, BIT(EBADF), "dest_fd -1");

	rw = mkstemp(path);
	ro = rw < 0 ? -1 : open(path, O_RDONLY);
	if (rw < 0 || ro < 0 || pipe(pipefd)) {
		tap(false, "dest_fd: cannot set up files: %s", strerror(errno));
		return;
	}
	a.dest_fd = pipefd[1];
	expect_a(&a, BIT(EINVAL), "dest_fd a pipe (not a regular file)");
	a.dest_fd = ro;
	expect_a(&a, BIT(EBADF), "dest_fd a regular file open read-only");
	if (write(rw, "old", 3) != 3)
		diag("cannot write to %s", path);
	a.dest_fd = rw;
	o = run(&a, "dest_fd");
	if (expect(&o, BIT(ENOENT),
		   "dest_fd a regular file open for writing: accepted, RETR 550") &&
	    (fstat(rw, &st) || st.st_size != 3))
		diag("the file was truncated or written: %lld bytes, not 3",
		     (long long)st.st_size);
	abi_dest_stream(pipefd, ro, rw, path);
	close(pipefd[0]);
	close(pipefd[1]);
	close(ro);
	close(rw);
	unlink(path);

	/* Callers built against older versions: fewer fields, same result. */
	{
		static const uint32_t older[] = { KFTP_GET_ARGS_SIZE_VER0,
						  KFTP_GET_ARGS_SIZE_VER1,
						  KFTP_GET_ARGS_SIZE_VER2 };
		size_t i;

		for (i = 0; i < sizeof(older) / sizeof(older[0]); i++) {
			abi_valid(&a);
			o = run_at(struct_slot(), &a, older[i], "older size");
			expect(&o, BIT(ENOENT),
			       "size %u (version %zu): accepted, RETR 550",
			       older[i], i);
		}
	}
}

static void abi_strings(void)
{
	static const struct {
		const char *name;
		size_t off, cap;
		bool may_be_empty;
	} s[] = {
		{ "user", offsetof(struct kftp_get_args, user),
		  KFTP_USER_MAX, true },
		{ "password", offsetof(struct kftp_get_args, password),
		  KFTP_PASSWORD_MAX, true },
		{ "remote_path", offsetof(struct kftp_get_args, remote_path),
		  KFTP_REMOTE_PATH_MAX, false },
		{ "local_path", offsetof(struct kftp_get_args, local_path),
		  KFTP_LOCAL_PATH_MAX, false },
		{ "display_name", offsetof(struct kftp_get_args, display_name),
		  KFTP_LOCAL_PATH_MAX, true },
	};
	static const struct {
		const char *what, *text;
	} bad[] = {
		{ "CR in the middle", "ab\rcd" },
		{ "LF in the middle", "ab\ncd" },
		{ "trailing CR LF", "abcd\r\n" },
		{ "injected command", "x\r\nDELE INJECTED" },
	};
	struct kftp_get_args a;
	char name[160];
	size_t i, j;

	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		char *f;

		abi_valid(&a);
		f = (char *)&a + s[i].off;
		memset(f, 'a', s[i].cap);
		snprintf(name, sizeof(name), "%s unterminated (%zu x 'a')",
			 s[i].name, s[i].cap);
		expect_a(&a, BIT(EINVAL), name);

		for (j = 0; j < sizeof(bad) / sizeof(bad[0]); j++) {
			abi_valid(&a);
			f = (char *)&a + s[i].off;
			if (i == 3)
				set_str(f, s[i].cap, FUZZ_OUT "/");
			memcpy(f + strlen(f), bad[j].text, strlen(bad[j].text));
			snprintf(name, sizeof(name), "%s with %s", s[i].name,
				 bad[j].what);
			expect_a(&a, BIT(EINVAL), name);
		}

		/* CR as the very last byte before the terminator */
		abi_valid(&a);
		f = (char *)&a + s[i].off;
		memset(f, 'b', s[i].cap - 1);
		if (i == 3)
			memcpy(f, FUZZ_OUT "/", strlen(FUZZ_OUT "/"));
		f[s[i].cap - 2] = '\r';
		f[s[i].cap - 1] = '\0';
		snprintf(name, sizeof(name), "%s of maximum length ending in CR",
			 s[i].name);
		expect_a(&a, BIT(EINVAL), name);

		abi_valid(&a);
		f = (char *)&a + s[i].off;
		memset(f, 0, s[i].cap);
		snprintf(name, sizeof(name), "%s empty", s[i].name);
		if (s[i].may_be_empty) {
			strcat(name, i < 2 ? " accepted (anonymous), RETR 550" :
			       " accepted, RETR 550");
			expect_a(&a, BIT(ENOENT), name);
		} else {
			expect_a(&a, BIT(EINVAL), name);
		}

		/*
		 * Bytes after the terminator: kftp refuses anything but NULs
		 * there, so a NUL cannot hide a command (kftp.c,
		 * kftp_string_ok()).
		 */
		abi_valid(&a);
		f = (char *)&a + s[i].off;
		{
			size_t l = strlen(f) + 1;
			static const char junk[] = "\r\nDELE INJECTED\r\n";

			memcpy(f + l, junk, sizeof(junk) - 1);
		}
		snprintf(name, sizeof(name),
			 "%s with CR LF and a command after its NUL", s[i].name);
		expect_a(&a, BIT(EINVAL), name);
		abi_valid(&a);
		f = (char *)&a + s[i].off;
		f[s[i].cap - 1] = 'Z';
		snprintf(name, sizeof(name),
			 "%s with a non-NUL last byte after its NUL", s[i].name);
		expect_a(&a, BIT(EINVAL), name);
	}

	/* display_name is never opened, but shown: no control character */
	abi_valid(&a);
	set_str(a.display_name, sizeof(a.display_name),
		"/nonexistent/dir/\xff\xc3\xa9<stdout> name");
	expect_a(&a, BIT(ENOENT), "display_name a non-existent path with odd bytes: accepted, RETR 550");
	abi_valid(&a);
	set_str(a.display_name, sizeof(a.display_name), "name\twith a tab");
	expect_a(&a, BIT(EINVAL), "display_name with a tab: EINVAL");
	abi_valid(&a);
	set_str(a.display_name, sizeof(a.display_name), "\x1b[2Jname");
	expect_a(&a, BIT(EINVAL), "display_name with ESC: EINVAL");
	abi_valid(&a);
	set_str(a.display_name, sizeof(a.display_name), "name\x7f");
	expect_a(&a, BIT(EINVAL), "display_name with DEL: EINVAL");
	abi_valid(&a);
	memset(a.display_name, 'n', sizeof(a.display_name) - 1);
	expect_a(&a, BIT(ENOENT), "display_name of maximum length: accepted, RETR 550");
}

static void abi_server(void)
{
	struct kftp_get_args a;
	struct outcome o;
	bool ok;

	/* a valid struct, garbage in the result: written back */
	abi_valid(&a);
	memset(&a.result, 0xa5, sizeof(a.result));
	o = run(&a, "valid struct");
	expect(&o, BIT(ENOENT), "valid struct against the recorder (RETR 550)");
	ok = o.res.reply_code == 550 && o.res.failed_step == KFTP_STEP_RETR &&
	     o.res.bytes_written == 0 && o.res.remote_size == 5;
	tap(ok, "result written back: reply_code 550, failed_step RETR (%d), "
	    "bytes_written 0, remote_size 5 (from 213 5)", KFTP_STEP_RETR);
	if (!ok)
		show_outcome(&o);
	ok = text_terminated(&o.res) &&
	     text_has(&o.res, "no such file (kftp-fuzz)");
	tap(ok, "result.reply_text holds the server's 550 text, NUL-terminated");
	if (!ok)
		show_outcome(&o);

	/* SIZE refused */
	abi_valid(&a);
	set_str(a.remote_path, sizeof(a.remote_path), "kftp-abi/nosize");
	o = run(&a, "SIZE 550");
	expect(&o, BIT(ENOENT), "SIZE answered 550");
	ok = o.res.reply_code == 550 &&
	     (o.res.failed_step == KFTP_STEP_SIZE ||
	      (o.res.failed_step == KFTP_STEP_RETR &&
	       o.res.remote_size == KFTP_SIZE_UNKNOWN));
	tap(ok, "SIZE 550: failed_step SIZE, or RETR with remote_size KFTP_SIZE_UNKNOWN");
	if (!ok)
		show_outcome(&o);

	/* control byte in the reply text */
	abi_valid(&a);
	set_str(a.remote_path, sizeof(a.remote_path), "kftp-abi/esc");
	o = run(&a, "escape reply");
	ok = o.r < 0 && o.err == ENOENT && text_terminated(&o.res) &&
	     text_has(&o.res, "recorder?escape test") &&
	     !memchr(o.res.reply_text, 0x1b, KFTP_REPLY_TEXT_MAX);
	tap(ok, "reply text with ESC: ENOENT, shown as '?' in reply_text");
	if (!ok)
		show_outcome(&o);

	/*
	 * A validation failure: the result is either left alone or written
	 * back as "nothing happened", never half-written.
	 */
	abi_valid(&a);
	a.family = 99;
	memset(&a.result, 0xa5, sizeof(a.result));
	o = run(&a, "family 99 result");
	{
		struct kftp_get_result untouched;

		memset(&untouched, 0xa5, sizeof(untouched));
		ok = o.r < 0 && o.err == EINVAL &&
		     (!memcmp(&o.res, &untouched, sizeof(o.res)) ||
		      (o.res.reply_code == 0 &&
		       o.res.failed_step == KFTP_STEP_NONE &&
		       o.res.bytes_written == 0 && text_terminated(&o.res)));
		tap(ok, "EINVAL from validation: result %s",
		    !memcmp(&o.res, &untouched, sizeof(o.res)) ?
		    "left untouched" : "written back as step NONE, reply 0");
		if (!ok)
			show_outcome(&o);
	}

	/* result in a read-only page: must return, ENOENT or EFAULT */
	{
		size_t len = 4 * page_size;
		unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		unsigned char *b;

		if (p == MAP_FAILED) {
			tap(false, "read-only result: mmap failed");
		} else {
			b = p + 3 * page_size -
			    offsetof(struct kftp_get_args, result);
			abi_valid(&a);
			memcpy(b, &a, ARGS_SIZE);
			mprotect(p + 3 * page_size, page_size, PROT_READ);
			o.r = guarded_ioctl(dev_fd, KFTP_IOC_GET, b, &o.err,
					    &o.hung, "read-only result");
			memset(&o.res, 0, sizeof(o.res));
			expect(&o, BIT(ENOENT) | BIT(EFAULT),
			       "result in a read-only page");
			munmap(p, len);
		}
	}

	/* nothing listening: ECONNREFUSED, failed_step CONNECT */
	if (abi_t.family == AF_INET) {
		int s = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in sin;
		socklen_t sl = sizeof(sin);

		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		memcpy(&sin.sin_addr, abi_t.addr, 4);
		if (s >= 0 && !bind(s, (struct sockaddr *)&sin, sizeof(sin)) &&
		    !getsockname(s, (struct sockaddr *)&sin, &sl)) {
			abi_valid(&a);
			a.port = ntohs(sin.sin_port);
			close(s);
			o = run(&a, "closed port");
			if (expect(&o, BIT(ECONNREFUSED),
				   "closed port %u", a.port) &&
			    o.res.failed_step != KFTP_STEP_CONNECT) {
				tap(false, "closed port: failed_step CONNECT");
				show_outcome(&o);
			}
		} else {
			if (s >= 0)
				close(s);
			tap(false, "closed port: cannot find a free port");
		}
	}
}

static void abi_ipv6(const struct target *t6)
{
	struct kftp_get_args a;
	struct outcome o;

	abi_valid(&a);
	a.family = AF_INET6;
	a.port = t6->port;
	memcpy(a.addr, t6->addr, 16);
	o = run(&a, "IPv6 valid");
	if (expect(&o, BIT(ENOENT), "IPv6 %s valid struct (EPRT, RETR 550)",
		   t6->text) && o.res.reply_code != 550) {
		tap(false, "IPv6: reply_code 550");
		show_outcome(&o);
	}
}

static void abi_nonroot(void)
{
	struct kftp_get_args a;
	int pfd[2];
	pid_t pid;
	int res[2] = { -1, -1 };
	int st;

	abi_valid(&a);
	if (pipe(pfd)) {
		tap(false, "non-root: pipe failed");
		return;
	}
	pid = fork();
	if (pid < 0) {
		tap(false, "non-root: fork failed");
		return;
	}
	if (pid == 0) {
		int fd, err;
		bool hung;
		unsigned char *buf = struct_slot();

		close(pfd[0]);
		if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
		    setresuid(NOBODY, NOBODY, NOBODY))
			_exit(4);
		fd = open(dev_path, O_RDWR | O_CLOEXEC);
		res[0] = fd < 0 ? errno : 0;
		if (fd >= 0)
			close(fd);
		memcpy(buf, &a, ARGS_SIZE);
		if (guarded_ioctl(dev_fd, KFTP_IOC_GET, buf, &err, &hung,
				  "non-root ioctl") == 0)
			err = 0;
		res[1] = hung ? -2 : err;
		if (write(pfd[1], res, sizeof(res)) != sizeof(res))
			_exit(5);
		_exit(0);
	}
	close(pfd[1]);
	if (read(pfd[0], res, sizeof(res)) != sizeof(res))
		res[0] = res[1] = -1;
	close(pfd[0]);
	waitpid(pid, &st, 0);
	tap(res[0] == EACCES || res[0] == EPERM,
	    "uid %d: open(%s) refused (EACCES|EPERM)", NOBODY, dev_path);
	if (!(res[0] == EACCES || res[0] == EPERM))
		diag("got %s", res[0] < 0 ? "no answer from child" : ename(res[0]));
	tap(res[1] == EPERM,
	    "fd opened as root, caller now uid %d without capabilities -> EPERM",
	    NOBODY);
	if (res[1] != EPERM)
		diag("got %s", res[1] == -2 ? "WATCHDOG" :
		     res[1] < 0 ? "no answer from child" : ename(res[1]));
}

static int cmd_abi(void)
{
	int i;

	if (ntargets < 1) {
		fprintf(stderr, "kftp-fuzz abi: HOST:PORT missing\n");
		return 2;
	}
	open_device();
	if (dev_fd < 0) {
		tap(false, "open %s as root", dev_path);
		return 2;
	}
	abi_t = targets[0];
	if (abi_t.family != AF_INET) {
		for (i = 0; i < ntargets; i++)
			if (targets[i].family == AF_INET)
				abi_t = targets[i];
	}
	if (abi_t.family != AF_INET) {
		fprintf(stderr, "kftp-fuzz abi: an IPv4 HOST:PORT is needed\n");
		return 2;
	}
	mkdir(FUZZ_OUT, 0700);

	abi_layout();
	abi_bad_numbers();
	abi_efault();
	abi_size();
	abi_fields();
	abi_trace();
	abi_dest_fd();
	abi_strings();
	abi_server();
	for (i = 0; i < ntargets; i++)
		if (targets[i].family == AF_INET6)
			abi_ipv6(&targets[i]);
	abi_nonroot();
	printf("# abi: %d passed, %d failed\n", tap_pass, tap_fail);
	return tap_fail ? 1 : 0;
}

/* ------------------------------------------------------------------ */
/* fuzz mode */

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rng_state;

static uint64_t rnd(void)
{
	return splitmix64(&rng_state);
}

static uint32_t below(uint32_t n)
{
	return n ? (uint32_t)(rnd() % n) : 0;
}

static bool chance(uint32_t one_in)
{
	return below(one_in) == 0;
}

static void rnd_bytes(void *p, size_t n)
{
	unsigned char *b = p;

	while (n--)
		*b++ = (unsigned char)rnd();
}

/* random byte that is not NUL, CR or LF (printable only if @printable) */
static char rnd_char(bool printable)
{
	unsigned char c;

	if (printable)
		return (char)(0x21 + below(0x7e - 0x21 + 1));
	do {
		c = (unsigned char)rnd();
	} while (c == 0 || c == '\r' || c == '\n');
	return (char)c;
}

enum cat {
	C_RANDOM, C_NONE, C_FLAGS, C_FAMILY, C_PORT, C_SCOPE, C_ADDR,
	C_TIMEOUT, C_RESUME, C_USER, C_PASSWORD, C_REMOTE, C_LOCAL, C_SIZE,
	C_RESULT, C_CMD, C_TRACE, C_DEST, C_DISPLAY, C_MAX
};

static const char *const cat_name[C_MAX] = {
	"random-bytes", "unmutated", "flags", "family", "port", "scope_id",
	"addr", "timeout", "resume_offset", "user", "password", "remote_path",
	"local_path", "size", "result", "ioctl-number", "trace_fd",
	"dest_fd", "display_name",
};

/* mutation categories, weighted: the strings carry the injection risk */
static const enum cat cat_pick[] = {
	C_NONE, C_FLAGS, C_FAMILY, C_PORT, C_SCOPE, C_ADDR, C_TIMEOUT,
	C_TIMEOUT, C_RESUME, C_USER, C_USER, C_PASSWORD, C_PASSWORD,
	C_REMOTE, C_REMOTE, C_REMOTE, C_LOCAL, C_LOCAL, C_SIZE, C_SIZE,
	C_RESULT, C_TRACE, C_TRACE, C_DEST, C_DEST, C_DISPLAY, C_DISPLAY,
};

/*
 * Descriptors handed out as trace_fd and dest_fd, opened before the
 * workers fork, so that every worker has the same numbers. Whatever the
 * kernel will make of one, the model finds out with fcntl() and fstat()
 * on the same number just before the call. None can block a call: the
 * pipes are non-blocking (a trace line that does not fit is lost), are
 * drained after every case, and the files are emptied now and then.
 */
enum {
	FD_CLOSED,	/* was open once, closed: EBADF */
	FD_NULL_RO,	/* /dev/null, O_RDONLY: EBADF */
	FD_PATH,	/* FUZZ_OUT, O_PATH: EBADF */
	FD_NULL_WO,	/* /dev/null, O_WRONLY: a stream, not a file */
	FD_FILE,	/* a regular file, O_WRONLY: anything goes */
	FD_APPEND,	/* a regular file, O_WRONLY | O_APPEND: a stream */
	FD_PIPE_RD,	/* the read end of a pipe: EBADF */
	FD_PIPE_WR,	/* its write end: a stream */
	FD_DPIPE_WR,	/* a packet (O_DIRECT) pipe's write end: no dest */
	FD_DPIPE_RD,	/* its read end: EBADF */
	FD_POOL
};

static const char *const fd_pool_name[FD_POOL] = {
	"closed", "devnull-ro", "O_PATH", "devnull-wo", "file", "append-file",
	"pipe-read", "pipe-write", "packet-pipe-write", "packet-pipe-read",
};

static int fd_pool[FD_POOL];

static int fd_pool_init(void)
{
	int p[2], dp[2];

	/* fd 0: read-only, so that a zero trace_fd or dest_fd is EBADF */
	fd_pool[0] = open("/dev/null", O_RDONLY);
	if (fd_pool[0] < 0 || dup2(fd_pool[0], 0) < 0)
		return -1;
	if (fd_pool[0] != 0)
		close(fd_pool[0]);
	fd_pool[FD_NULL_RO] = open("/dev/null", O_RDONLY | O_CLOEXEC);
	fd_pool[FD_PATH] = open(FUZZ_OUT, O_PATH | O_CLOEXEC);
	fd_pool[FD_NULL_WO] = open("/dev/null", O_WRONLY | O_CLOEXEC);
	fd_pool[FD_FILE] = open(FUZZ_OUT "/fd-file", O_WRONLY | O_CREAT |
				O_TRUNC | O_CLOEXEC, 0600);
	fd_pool[FD_APPEND] = open(FUZZ_OUT "/fd-append", O_WRONLY | O_CREAT |
				  O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
	if (pipe2(p, O_NONBLOCK | O_CLOEXEC) ||
	    pipe2(dp, O_DIRECT | O_NONBLOCK | O_CLOEXEC))
		return -1;
	fd_pool[FD_PIPE_RD] = p[0];
	fd_pool[FD_PIPE_WR] = p[1];
	fd_pool[FD_DPIPE_RD] = dp[0];
	fd_pool[FD_DPIPE_WR] = dp[1];
	/* the lowest free number, which no later open() keeps */
	fd_pool[FD_CLOSED] = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd_pool[FD_CLOSED] < 0)
		return -1;
	close(fd_pool[FD_CLOSED]);
	for (p[0] = 0; p[0] < FD_POOL; p[0]++)
		if (fd_pool[p[0]] < 0)
			return -1;
	return 0;
}

/* After a case: nothing the kernel wrote may pile up. */
static void fd_pool_drain(void)
{
	static const int reg[] = { FD_FILE, FD_APPEND };
	char buf[4096];
	struct stat sb;
	size_t i;

	while (read(fd_pool[FD_PIPE_RD], buf, sizeof(buf)) > 0)
		;
	while (read(fd_pool[FD_DPIPE_RD], buf, sizeof(buf)) > 0)
		;
	for (i = 0; i < sizeof(reg) / sizeof(reg[0]); i++) {
		if (fstat(fd_pool[reg[i]], &sb) || sb.st_size < (1 << 20))
			continue;
		if (ftruncate(fd_pool[reg[i]], 0) ||
		    lseek(fd_pool[reg[i]], 0, SEEK_SET) < 0)
			continue;
	}
}

/*
 * A descriptor for trace_fd or dest_fd: one of the pool (@usable: one of
 * those that work as a trace), or a number no descriptor has.
 */
static int pick_fd(bool usable, char *what, size_t len)
{
	static const int good[] = { FD_NULL_WO, FD_FILE, FD_APPEND,
				    FD_PIPE_WR, FD_DPIPE_WR };
	int w, fd;

	if (usable) {
		w = good[below(sizeof(good) / sizeof(good[0]))];
	} else if (!chance(6)) {
		w = (int)below(FD_POOL);
	} else {
		static const int32_t odd[] = { -1, INT32_MIN, INT32_MAX,
					       1 << 20 };

		fd = chance(2) ? odd[below(4)] : (int32_t)rnd();
		snprintf(what, len, "%d", fd);
		return fd;
	}
	snprintf(what, len, "%s", fd_pool_name[w]);
	return fd_pool[w];
}

static const char *const str_kind_name[] = {
	"printable", "random-bytes", "CR-inserted", "LF-inserted",
	"NUL+injection", "injected-command", "unterminated", "empty",
	"max-length", "only-CRLF", "junk-after-NUL", "max-length-CR-at-end",
	"unterminated-with-CR", "cut-short-by-NUL",
};

/*
 * Mutate one string field. @prefix (may be "") starts the valid kinds,
 * to keep local files under FUZZ_OUT. Returns the kind used.
 */
static int mutate_string(char *f, size_t cap, const char *prefix)
{
	static const char inj[] = "x\r\nDELE INJECTED";
	static const char after_nul[] = "\r\nDELE INJECTED\r\n";
	size_t plen = strlen(prefix), len, pos, i;
	int kind = (int)below(sizeof(str_kind_name) / sizeof(str_kind_name[0]));
	char base[64];

	/* a short valid base string */
	len = 1 + below(chance(4) ? 200 : 24);
	if (plen + len > cap - 1)
		len = cap - 1 - plen;
	memset(f, 0, cap);
	memcpy(f, prefix, plen);
	for (i = 0; i < len; i++)
		f[plen + i] = rnd_char(true);
	len += plen;
	snprintf(base, sizeof(base), "%.*s", (int)len, f);

	switch (kind) {
	case 0:		/* printable: done */
		break;
	case 1:		/* any bytes but NUL CR LF */
		for (i = plen; i < len; i++)
			f[i] = rnd_char(false);
		break;
	case 2:		/* CR at a random position */
	case 3:		/* LF at a random position */
		pos = below((uint32_t)len + 1);
		if (len + 1 > cap - 1)
			pos = len - 1;
		else
			memmove(f + pos + 1, f + pos, len - pos);
		f[pos] = kind == 2 ? '\r' : '\n';
		break;
	case 4:		/* NUL, then an injected command after it */
		pos = plen + below((uint32_t)(len - plen) + 1);
		f[pos] = '\0';
		for (i = 0; i < sizeof(after_nul) - 1 && pos + 1 + i < cap; i++)
			f[pos + 1 + i] = after_nul[i];
		break;
	case 5:		/* "x\r\nDELE INJECTED" at a random position */
		pos = below((uint32_t)len + 1);
		if (len + sizeof(inj) - 1 > cap - 1)
			pos = 0;
		memmove(f + pos + sizeof(inj) - 1, f + pos,
			len - pos < cap - pos - (sizeof(inj) - 1) ?
			len - pos : cap - pos - (sizeof(inj) - 1) - 1);
		memcpy(f + pos, inj, sizeof(inj) - 1);
		f[cap - 1] = '\0';
		break;
	case 6:		/* unterminated */
		for (i = plen; i < cap; i++)
			f[i] = chance(2) ? rnd_char(true) : rnd_char(false);
		break;
	case 7:		/* empty */
		memset(f, 0, cap);
		break;
	case 8:		/* maximum length, terminated */
		for (i = len; i < cap - 1; i++)
			f[i] = rnd_char(true);
		f[cap - 1] = '\0';
		break;
	case 9:		/* only CR / LF */
		memset(f, 0, cap);
		memcpy(f, chance(3) ? "\r" : chance(2) ? "\n" : "\r\n",
		       2);
		break;
	case 10:	/* arbitrary junk after the NUL */
		for (i = len + 1; i < cap; i++)
			f[i] = (char)rnd();
		if (cap - len - 1 > sizeof(after_nul))
			memcpy(f + len + 1 + below((uint32_t)(cap - len - 1 -
				sizeof(after_nul))), after_nul,
			       sizeof(after_nul) - 1);
		break;
	case 11:	/* maximum length, CR or LF as the last byte */
		for (i = len; i < cap - 1; i++)
			f[i] = rnd_char(true);
		f[cap - 2] = chance(2) ? '\r' : '\n';
		f[cap - 1] = '\0';
		break;
	case 12:	/* unterminated, with a CR somewhere */
		for (i = plen; i < cap; i++)
			f[i] = rnd_char(true);
		f[below((uint32_t)cap)] = '\r';
		break;
	case 13:	/* a NUL inside, only NULs after it: a shorter string */
		pos = plen + below((uint32_t)(len - plen) + 1);
		memset(f + pos, 0, cap - pos);
		break;
	}
	return kind;
}

/* what the uapi header says about a buffer: expected errno set or "go on" */
enum exp_kind { EXP_ANY, EXP_SET, EXP_PROCEED };

struct expectation {
	enum exp_kind kind;
	emask_t mask;
	const char *why;
	bool late;	/* after validation: the session lock came first */
};

/* A control character (below 0x20, or DEL): display_name refuses them. */
static bool has_ctl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			return true;
	return false;
}

static bool str_ok(const char *f, size_t cap, bool may_be_empty)
{
	const char *nul = memchr(f, '\0', cap);

	if (!nul)
		return false;
	if (!may_be_empty && nul == f)
		return false;
	if (memchr(f, '\r', nul - f) || memchr(f, '\n', nul - f))
		return false;
	/* kftp also wants nothing but NULs after the terminator */
	for (; nul < f + cap; nul++)
		if (*nul)
			return false;
	return true;
}

static bool timeout_ok(uint32_t t)
{
	return t >= 1 && t <= KFTP_TIMEOUT_MAX_MS;
}

/* What fget() and FMODE_WRITE make of @fd: fcntl's flags, or -1. */
static int fd_write_flags(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || (fl & O_ACCMODE) == O_RDONLY || (fl & O_PATH))
		return -1;
	return fl;
}

/*
 * After validation, the kernel takes trace_fd when the transfer begins,
 * then dest_fd before anything else: we hold the same descriptors.
 */
static void model_fds(const struct kftp_get_args *a, struct expectation *e)
{
	bool stream = a->flags & KFTP_GET_F_DEST_STREAM;
	int fl = fd_write_flags(a->dest_fd);
	struct stat st;

	if ((a->flags & KFTP_GET_F_TRACE) && fd_write_flags(a->trace_fd) < 0) {
		e->mask = BIT(EBADF);
		e->why = "trace_fd not open for writing";
	} else if (!(a->flags & KFTP_GET_F_DEST_FD)) {
		return;
	} else if (fl < 0) {
		e->mask = BIT(EBADF);
		e->why = "dest_fd not open for writing";
	} else if (a->resume_offset && (a->flags & KFTP_GET_F_SHA256) &&
		   (fl & O_ACCMODE) != O_RDWR) {
		e->mask = BIT(EBADF);
		e->why = "resumed digest, dest_fd not open for reading";
	} else if (fl & O_DIRECT) {
		e->mask = BIT(EINVAL);
		e->why = "dest_fd with O_DIRECT";
	} else if (stream) {
		return;
	} else if (fstat(a->dest_fd, &st) || !S_ISREG(st.st_mode)) {
		e->mask = BIT(EINVAL);
		e->why = "dest_fd not a regular file, no stream flag";
	} else if (fl & O_APPEND) {
		e->mask = BIT(EINVAL);
		e->why = "dest_fd with O_APPEND, no stream flag";
	}
	e->late = e->why;
}

/*
 * Model of the documented validation. @p points at the user buffer, @readable
 * bytes from @p are mapped (then the guard page). Returns the expected errno
 * set, or EXP_PROCEED for a struct the header calls valid.
 */

static struct expectation model(const unsigned char *p, size_t readable)
{
	struct expectation e = { EXP_SET, 0, NULL, false };
	struct kftp_get_args a;
	uint32_t size;
	size_t i, n;
	bool to_fd;
	int k;

	if (readable < sizeof(size)) {
		e.mask = BIT(EFAULT);
		e.why = "size field unreadable";
		return e;
	}
	memcpy(&size, p, sizeof(size));
	if (size < KFTP_GET_ARGS_SIZE_VER0) {
		e.mask = BIT(EINVAL);
		e.why = "size < VER0";
		return e;
	}
	if (size > ARGS_SIZE) {
		size_t end = size < readable ? size : readable;

		for (i = ARGS_SIZE; i < end; i++)
			if (p[i])
				break;
		if (i < end) {
			e.mask = BIT(E2BIG);
			e.why = "non-zero tail";
			/* may also fault first, if the tail runs off the map */
			if (size > readable)
				e.mask |= BIT(EFAULT);
			return e;
		}
		if (size > readable) {
			e.mask = BIT(EFAULT) | BIT(E2BIG);
			e.why = "tail runs into unmapped memory";
			return e;
		}
	}
	n = size < ARGS_SIZE ? size : ARGS_SIZE;
	if (n > readable) {
		e.mask = BIT(EFAULT) | BIT(E2BIG);
		e.why = "struct runs into unmapped memory";
		return e;
	}
	memset(&a, 0, sizeof(a));
	memcpy(&a, p, n);
	to_fd = a.flags & KFTP_GET_F_DEST_FD;
	e.mask = BIT(EINVAL);
	if (a.flags & ~KFTP_GET_F_ALL)
		e.why = "unknown flag";
	else if ((a.flags & (KFTP_GET_F_TRACE | KFTP_GET_F_DEST_STREAM)) &&
		 size < KFTP_GET_ARGS_SIZE_VER3)
		e.why = "a version 3 flag in an older caller's size";
	else if ((a.flags & (KFTP_GET_F_SHA256 | KFTP_GET_F_SERVER_SHA256)) &&
		 size < KFTP_GET_ARGS_SIZE_VER4)
		e.why = "a version 4 flag in an older caller's size";
	else if (a.reserved5)
		e.why = "reserved5 != 0";
	else if (a.command > KFTP_COMMAND_MAX)
		e.why = "command unknown";
	else if (a.command && size < KFTP_GET_ARGS_SIZE_VER5)
		e.why = "a listing in an older caller's size (cut inside it)";
	else if (a.command && ((a.flags & (KFTP_GET_F_REMOTE_TIME | KFTP_GET_F_SHA256 |
					   KFTP_GET_F_SERVER_SHA256)) || a.resume_offset))
		e.why = "a listing with a retrieval's flag or resume_offset";
	else if ((a.flags & KFTP_GET_F_DEST_STREAM) &&
		 (!to_fd || a.resume_offset))
		e.why = "KFTP_GET_F_DEST_STREAM without F_DEST_FD, or resuming";
	else if (to_fd && (a.local_path[0] || (a.flags & KFTP_GET_F_EXCL)))
		e.why = "KFTP_GET_F_DEST_FD with a local_path or F_EXCL";
	else if (a.reserved1 || a.reserved2 || a.reserved3 || a.reserved4)
		e.why = "a reserved field != 0";
	else if (a.resume_offset > INT64_MAX)
		e.why = "resume_offset past the largest file offset";
	else if (a.resume_offset && (a.flags & KFTP_GET_F_EXCL))
		e.why = "resume_offset with F_EXCL";
	else if (a.family != AF_INET && a.family != AF_INET6)
		e.why = "bad family";
	else if (a.port == 0)
		e.why = "port 0";
	else if (!timeout_ok(a.connect_timeout_ms) ||
		 !timeout_ok(a.reply_timeout_ms) ||
		 !timeout_ok(a.accept_timeout_ms) ||
		 !timeout_ok(a.stall_timeout_ms))
		e.why = "timeout out of range";
	else if (a.data_family && a.data_family != a.family)
		e.why = "data_family not the server's";
	else if (!a.data_family && !all_zero(a.data_addr, 16))
		e.why = "data_addr without data_family";
	else if (a.data_family == AF_INET && !all_zero(a.data_addr + 4, 12))
		e.why = "AF_INET data_addr[4..15] != 0";
	else if (a.data_port_high &&
		 (!a.data_port_low || a.data_port_high < a.data_port_low))
		e.why = "bad data port range";
	else if (!str_ok(a.user, sizeof(a.user), true))
		e.why = "bad user";
	else if (!str_ok(a.password, sizeof(a.password), true))
		e.why = "bad password";
	else if (!str_ok(a.remote_path, sizeof(a.remote_path), a.command != 0))
		e.why = "bad remote_path";
	else if (!str_ok(a.local_path, sizeof(a.local_path), to_fd))
		e.why = "bad local_path";
	else if (!str_ok(a.display_name, sizeof(a.display_name), true) ||
		 has_ctl(a.display_name))
		e.why = "bad display_name";
	else if (a.family == AF_INET && a.scope_id)
		e.why = "IPv4 with a scope_id";
	else if (a.family == AF_INET) {
		for (k = 4; k < 16; k++)
			if (a.addr[k])
				break;
		if (k < 16)
			e.why = "IPv4 with addr[4..15] != 0";
	}
	if (!e.why)
		model_fds(&a, &e);
	if (!e.why) {
		e.kind = EXP_PROCEED;
		e.mask = 0;
		e.why = "valid";
	}
	return e;
}

#define ERRNO_SLOTS 256		/* [0] success, [255] errno >= 255 */

/* counters, shared between the parallel workers (MAP_SHARED) */
struct stats {
	unsigned long hist[ERRNO_SLOTS];
	unsigned long cat_hist[C_MAX][ERRNO_SLOTS];
	unsigned long cat_count[C_MAX];
	unsigned long mismatches, hung, reached_retr, interrupted;
};
static struct stats *st;
#define ADD(x)	__atomic_add_fetch(&(x), 1, __ATOMIC_RELAXED)

struct fuzz_case {
	enum cat cat;
	char desc[200];
	unsigned char *buf;	/* where the ioctl argument starts */
	bool cleanup;		/* remove local_path (under FUZZ_OUT) after */
	unsigned long cmd;	/* the ioctl number */
	uint32_t interrupt_us;	/* send ourselves a signal after this, 0: no */
	size_t readable;	/* mapped bytes from buf on */
};

/* Build case @idx of seed @seed in the arena; deterministic. */
static void build_case(uint64_t seed, unsigned long idx, struct fuzz_case *c)
{
	struct kftp_get_args a;
	const struct target *t;
	unsigned char *slot = struct_slot();
	uint32_t size = ARGS_SIZE;
	char remote[64], local[64], fdname[32];
	int w, kind;
	uint32_t v;

	rng_state = seed ^ (idx * 0xd1b54a32d192ed03ULL);
	rnd();
	memset(arena, 0, guard - arena);
	c->desc[0] = '\0';
	c->cleanup = false;
	c->cmd = KFTP_IOC_GET;
	c->interrupt_us = 0;

	if (chance(2)) {
		/* pure random bytes, random length, sometimes exactly sizeof */
		size_t len;

		c->cat = C_RANDOM;
		switch (below(8)) {
		case 0:
		case 1:
			len = ARGS_SIZE;
			break;
		case 2:
			len = below(16);
			break;
		case 3:
			len = ARGS_SIZE + below(TAIL_MAX + 1);
			break;
		default:
			len = below(ARGS_SIZE + 64);
			break;
		}
		c->buf = guard - len;
		rnd_bytes(c->buf, len);
		if (len >= 4) {
			uint32_t sz;

			switch (below(4)) {
			case 0:
				sz = (uint32_t)len;
				break;
			case 1:
				sz = ARGS_SIZE;
				break;
			default:
				sz = (uint32_t)rnd();
				break;
			}
			memcpy(c->buf, &sz, 4);
		}
		c->readable = len;
		snprintf(c->desc, sizeof(c->desc), "random bytes, %zu long", len);
		if (chance(10)) {
			/*
			 * A random ioctl number, but none of the types the VFS
			 * handles itself before the driver (FIONBIO, FIOCLEX,
			 * FIBMAP, FS_IOC_*, FICLONE, FIFREEZE, ...).
			 */
			unsigned int type;

			do {
				c->cmd = (uint32_t)rnd();
				type = _IOC_TYPE(c->cmd);
			} while (c->cmd == KFTP_IOC_GET || type == 'T' ||
				 type == 'X' || type == 'f' || type == 0x94 ||
				 type == 0x15 || type == 0);
			c->cat = C_CMD;
			snprintf(c->desc, sizeof(c->desc),
				 "ioctl number 0x%lx, random bytes, %zu long",
				 c->cmd, len);
		}
		return;
	}

	t = &targets[below((uint32_t)ntargets)];
	snprintf(remote, sizeof(remote), "fuzz/%s%lu.bin",
		 chance(8) ? "nosize-" : "case-", idx);
	snprintf(local, sizeof(local), FUZZ_OUT "/case-%lu.out", idx);
	unlink(local);
	if (chance(8)) {	/* an existing local file: EEXIST with F_EXCL */
		int fd = open(local, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

		if (fd >= 0)
			close(fd);
	}
	c->cleanup = true;
	make_valid(&a, t, 1000 + below(1001), remote, local);
	a.accept_timeout_ms = 1000 + below(1001);
	a.stall_timeout_ms = 1000 + below(1001);
	if (chance(4))
		a.flags = KFTP_GET_F_EXCL;
	if (chance(4))
		memset(a.user, 0, sizeof(a.user));
	if (chance(4))
		memset(a.password, 0, sizeof(a.password));
	/* version 3: ignored without the flag; a trace that works, with it */
	a.trace_fd = pick_fd(false, fdname, sizeof(fdname));
	if (chance(4)) {
		a.flags |= KFTP_GET_F_TRACE;
		a.trace_fd = pick_fd(true, fdname, sizeof(fdname));
	}
	if (chance(4))
		set_str(a.display_name, sizeof(a.display_name), "fuzz name");
	/* version 5: a listing, or a command that does not exist */
	if (chance(8))
		a.command = (uint32_t)below(KFTP_COMMAND_MAX + 2);

	c->cat = cat_pick[below(sizeof(cat_pick) / sizeof(cat_pick[0]))];
	switch (c->cat) {
	case C_NONE:
	case C_RANDOM:
	case C_CMD:
	case C_MAX:
		break;
	case C_FLAGS: {
		static const uint32_t vals[] = {
			0, KFTP_GET_F_EXCL, 2, KFTP_GET_F_ALL + 1, 1U << 31,
			0xffffffffU, KFTP_GET_F_TRACE, KFTP_GET_F_DEST_STREAM,
			KFTP_GET_F_DEST_FD | KFTP_GET_F_DEST_STREAM,
			KFTP_GET_F_ALL, KFTP_GET_F_TRACE | KFTP_GET_F_EXCL |
			KFTP_GET_F_REMOTE_TIME, KFTP_GET_F_SHA256,
			KFTP_GET_F_SERVER_SHA256,
		};
		w = (int)below(15);
		a.flags = w < 13 ? vals[w] : w == 13 ? 1U << below(32) :
			  (uint32_t)rnd();
		snprintf(c->desc, sizeof(c->desc), "flags 0x%x", a.flags);
		break;
	}
	case C_FAMILY: {
		static const uint16_t vals[] = { 0, 1, AF_INET, AF_INET6, 99,
						 0xffff, 17 };
		w = (int)below(8);
		a.family = w < 7 ? vals[w] : (uint16_t)rnd();
		snprintf(c->desc, sizeof(c->desc), "family %u", a.family);
		break;
	}
	case C_PORT: {
		static const uint16_t vals[] = { 0, 1, 21, 65535 };
		w = (int)below(6);
		a.port = w < 4 ? vals[w] : w == 4 ? t->port : (uint16_t)rnd();
		snprintf(c->desc, sizeof(c->desc), "port %u", a.port);
		break;
	}
	case C_SCOPE:
		a.scope_id = chance(2) ? 1 : (uint32_t)rnd();
		snprintf(c->desc, sizeof(c->desc), "scope_id %u", a.scope_id);
		break;
	case C_ADDR: {
		static const uint8_t v6[][16] = {
			{ 0 },
			{ [15] = 1 },
			{ 0xfe, 0x80, [15] = 1 },
			{ 0xff, 0x02, [15] = 1 },
			{ [10] = 0xff, [11] = 0xff, 127, 0, 0, 1 },
		};
		static const uint8_t v4[][4] = {
			{ 0, 0, 0, 0 }, { 127, 0, 0, 2 }, { 255, 255, 255, 255 },
			{ 224, 0, 0, 1 }, { 192, 0, 2, 1 }, { 127, 255, 255, 255 },
		};
		memset(a.addr, 0, sizeof(a.addr));
		w = (int)below(4);
		if (w == 0) {
			rnd_bytes(a.addr, 16);
		} else if (a.family == AF_INET6) {
			if (w == 1)
				memcpy(a.addr, v6[below(5)], 16);
			else
				rnd_bytes(a.addr, 16);
		} else if (w == 1) {
			memcpy(a.addr, v4[below(6)], 4);
		} else {
			rnd_bytes(a.addr, 4);
			if (w == 2)
				a.addr[0] = 127;
		}
		snprintf(c->desc, sizeof(c->desc),
			 "addr %02x%02x%02x%02x:%02x..%02x",
			 a.addr[0], a.addr[1], a.addr[2], a.addr[3], a.addr[4],
			 a.addr[15]);
		break;
	}
	case C_TIMEOUT: {
		static const uint32_t vals[] = { 0, 1, 2, KFTP_TIMEOUT_MAX_MS,
						 KFTP_TIMEOUT_MAX_MS + 1,
						 0xffffffffU };
		static const char *const tn[] = { "connect", "reply", "accept",
						  "stall" };
		uint32_t *f;

		w = (int)below(4);
		f = w == 0 ? &a.connect_timeout_ms : w == 1 ?
		    &a.reply_timeout_ms : w == 2 ? &a.accept_timeout_ms :
		    &a.stall_timeout_ms;
		kind = (int)below(8);
		*f = kind < 6 ? vals[kind] : kind == 6 ? (uint32_t)rnd() :
		     1 + below(5000);
		snprintf(c->desc, sizeof(c->desc), "%s_timeout_ms %u", tn[w],
			 *f);
		break;
	}
	case C_RESUME:
		w = (int)below(3);
		a.resume_offset = w == 0 ? 1 : w == 1 ? ~0ULL : rnd();
		snprintf(c->desc, sizeof(c->desc), "resume_offset %llu",
			 (unsigned long long)a.resume_offset);
		break;
	case C_USER:
		kind = mutate_string(a.user, sizeof(a.user), "");
		snprintf(c->desc, sizeof(c->desc), "user %s",
			 str_kind_name[kind]);
		break;
	case C_PASSWORD:
		kind = mutate_string(a.password, sizeof(a.password), "");
		snprintf(c->desc, sizeof(c->desc), "password %s",
			 str_kind_name[kind]);
		break;
	case C_REMOTE:
		kind = mutate_string(a.remote_path, sizeof(a.remote_path),
				     chance(2) ? "fuzz/" : "");
		snprintf(c->desc, sizeof(c->desc), "remote_path %s",
			 str_kind_name[kind]);
		break;
	case C_LOCAL:
		kind = mutate_string(a.local_path, sizeof(a.local_path),
				     FUZZ_OUT "/r-");
		snprintf(c->desc, sizeof(c->desc), "local_path %s",
			 str_kind_name[kind]);
		break;
	case C_SIZE:
		w = (int)below(12);
		switch (w) {
		case 0:
			size = 0;
			break;
		case 1:
			size = KFTP_GET_ARGS_SIZE_VER0 - 1;
			break;
		case 2:
			size = below(KFTP_GET_ARGS_SIZE_VER0);
			break;
		case 3:
		case 4:	/* larger, zero tail: goes on */
			size = ARGS_SIZE + 1 + below(TAIL_MAX);
			break;
		case 5:
		case 6:	/* larger, a non-zero byte in the tail */
			size = ARGS_SIZE + 1 + below(TAIL_MAX);
			v = below(size - ARGS_SIZE);
			slot[ARGS_SIZE + v] = (unsigned char)(1 + below(255));
			break;
		case 7:
			size = ARGS_SIZE + TAIL_MAX + 1 + below(1 << 20);
			break;
		case 8:
			size = chance(2) ? 0xffffffffU : 0x80000000U;
			break;
		case 10:	/* an older caller: the rest is not read */
			size = KFTP_GET_ARGS_SIZE_VER1;
			break;
		case 11:
			size = KFTP_GET_ARGS_SIZE_VER2;
			break;
		default:
			size = (uint32_t)rnd();
			break;
		}
		snprintf(c->desc, sizeof(c->desc), "size %u", size);
		break;
	case C_RESULT:
		rnd_bytes(&a.result, sizeof(a.result));
		snprintf(c->desc, sizeof(c->desc), "garbage in result");
		break;
	case C_TRACE:
		a.flags |= KFTP_GET_F_TRACE;
		a.trace_fd = pick_fd(false, fdname, sizeof(fdname));
		if (chance(8))
			a.reserved4 = chance(2) ? 1 : (uint32_t)rnd();
		snprintf(c->desc, sizeof(c->desc), "trace_fd %s, reserved4 %u",
			 fdname, a.reserved4);
		break;
	case C_DEST:
		a.flags = (a.flags & KFTP_GET_F_TRACE) | KFTP_GET_F_DEST_FD;
		if (!chance(3))
			a.flags |= KFTP_GET_F_DEST_STREAM;
		if (chance(10))
			a.flags |= KFTP_GET_F_EXCL;
		if (!chance(10))
			memset(a.local_path, 0, sizeof(a.local_path));
		if (chance(6))
			a.resume_offset = chance(2) ? 1 : rnd() >> below(64);
		/* SIZE says 5: resuming at 5 would succeed with nothing */
		if (a.resume_offset == 5)
			a.resume_offset = 6;
		a.dest_fd = pick_fd(false, fdname, sizeof(fdname));
		snprintf(c->desc, sizeof(c->desc),
			 "dest_fd %s, flags 0x%x, resume_offset %llu%s", fdname,
			 a.flags, (unsigned long long)a.resume_offset,
			 a.local_path[0] ? ", local_path set" : "");
		break;
	case C_DISPLAY:
		kind = mutate_string(a.display_name, sizeof(a.display_name),
				     chance(2) ? "/" : "");
		snprintf(c->desc, sizeof(c->desc), "display_name %s",
			 str_kind_name[kind]);
		break;
	}
	if (!c->desc[0])
		snprintf(c->desc, sizeof(c->desc), "%s", cat_name[c->cat]);
	a.size = size;
	memcpy(slot, &a, ARGS_SIZE);
	c->buf = slot;
	c->readable = ARGS_SIZE + TAIL_MAX;
	if (chance(8)) {
		/* a signal in the middle: the call must end (EINTR) cleanly */
		size_t l = strlen(c->desc);

		c->interrupt_us = 1 + below(30000);
		snprintf(c->desc + l, sizeof(c->desc) - l, ", signal after %u us",
			 c->interrupt_us);
	}
}

static int slot_of(int r, int err)
{
	if (r == 0)
		return 0;
	return err > 0 && err < ERRNO_SLOTS - 1 ? err : ERRNO_SLOTS - 1;
}

static void print_hist(const unsigned long *h, const char *prefix)
{
	bool done[ERRNO_SLOTS] = { false };

	for (;;) {
		int best = -1, i;

		for (i = 0; i < ERRNO_SLOTS; i++)
			if (h[i] && !done[i] && (best < 0 || h[i] > h[best]))
				best = i;
		if (best < 0)
			break;
		done[best] = true;
		printf("%s%-14s %lu\n", prefix,
		       best == ERRNO_SLOTS - 1 ? "other" : ename(best), h[best]);
	}
}

static void print_cat_hist(enum cat c)
{
	char line[600];
	size_t used = 0;
	bool done[ERRNO_SLOTS] = { false };

	used += snprintf(line, sizeof(line), "#   %-14s %5lu:", cat_name[c],
			 st->cat_count[c]);
	for (;;) {
		int best = -1, i;

		for (i = 0; i < ERRNO_SLOTS; i++)
			if (st->cat_hist[c][i] && !done[i] &&
			    (best < 0 ||
			     st->cat_hist[c][i] > st->cat_hist[c][best]))
				best = i;
		if (best < 0 || used >= sizeof(line) - 40)
			break;
		done[best] = true;
		used += snprintf(line + used, sizeof(line) - used, " %s=%lu",
				 best == ERRNO_SLOTS - 1 ? "other" :
				 ename(best), st->cat_hist[c][best]);
	}
	printf("%s\n", line);
}

static void on_interrupt(int sig)
{
	(void)sig;
}

/* one worker: cases first + k, first + k + jobs, ... */
static void fuzz_worker(uint64_t seed, unsigned long first, unsigned long last,
			unsigned int jobs, unsigned int k, bool verbose,
			const struct timespec *t0)
{
	unsigned long i, done = 0;
	timer_t tid;
	struct sigevent sev;
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_interrupt;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART */
	sigaction(SIGUSR1, &sa, NULL);
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGUSR1;
	if (timer_create(CLOCK_MONOTONIC, &sev, &tid)) {
		perror("kftp-fuzz: timer_create");
		exit(2);
	}

	for (i = first + k; i < last; i += jobs) {
		struct fuzz_case c;
		struct expectation e;
		char what[260];
		int r, err, s;
		bool hung, bad = false;

		build_case(seed, i, &c);
		e = model(c.buf, c.readable);
		/* address-type fields: the network stack has a say too */
		if (e.kind == EXP_PROCEED &&
		    (c.cat == C_ADDR || c.cat == C_FAMILY || c.cat == C_SCOPE))
			e.kind = EXP_ANY;
		if (c.cmd != KFTP_IOC_GET) {
			e.kind = EXP_SET;
			e.mask = BIT(ENOTTY);
			e.why = "unknown ioctl number";
		}
		/* a signal can end the wait for the session (another job's) */
		if (e.kind == EXP_SET && e.late && c.interrupt_us)
			e.mask |= BIT(EINTR);
		snprintf(what, sizeof(what), "case %lu (%s)", i, c.desc);
		if (c.interrupt_us) {
			struct itimerspec its;

			memset(&its, 0, sizeof(its));
			its.it_value.tv_nsec = (long)c.interrupt_us * 1000;
			timer_settime(tid, 0, &its, NULL);
		}
		r = guarded_ioctl(dev_fd, c.cmd, c.buf, &err, &hung, what);
		if (c.interrupt_us) {
			struct itimerspec its;

			memset(&its, 0, sizeof(its));
			timer_settime(tid, 0, &its, NULL);
			if (r < 0 && err == EINTR)
				ADD(st->interrupted);
		}
		if (c.cleanup) {
			const char *lp = (const char *)c.buf +
				offsetof(struct kftp_get_args, local_path);

			if (memchr(lp, '\0', KFTP_LOCAL_PATH_MAX) &&
			    !strncmp(lp, FUZZ_OUT "/", strlen(FUZZ_OUT "/")))
				unlink(lp);
		}
		fd_pool_drain();
		s = slot_of(r, err);
		ADD(st->hist[s]);
		ADD(st->cat_hist[c.cat][s]);
		ADD(st->cat_count[c.cat]);
		if (c.cat != C_RANDOM && r < 0 && c.buf == struct_slot()) {
			struct kftp_get_result res;

			memcpy(&res, c.buf + offsetof(struct kftp_get_args,
						      result), sizeof(res));
			if (res.reply_code == 550 &&
			    res.failed_step == KFTP_STEP_RETR)
				ADD(st->reached_retr);
		}
		if (hung) {
			ADD(st->hung);
			printf("# HUNG: case %lu (%s): blocked > %u s, then %s\n",
			       i, c.desc, watchdog_secs, ename(err));
		}
		if (r == 0)
			bad = true;	/* the recorder never sends a file */
		else if (e.kind == EXP_SET)
			bad = !(err < EMAX && (e.mask & BIT(err)));
		else if (e.kind == EXP_PROCEED)
			bad = err == EINVAL || err == E2BIG || err == EFAULT ||
			      err == EBADF;
		if (bad) {
			char want[120];

			if (e.kind == EXP_SET)
				mask_names(e.mask, want, sizeof(want));
			else
				snprintf(want, sizeof(want), "%s",
					 e.kind == EXP_PROCEED ?
					 "not EINVAL/E2BIG/EFAULT/EBADF" :
					 "an error");
			if (ADD(st->mismatches) <= 30)
				printf("# MISMATCH: case %lu (%s): %s, expected %s, got %s\n",
				       i, c.desc, e.why, want,
				       r == 0 ? "success" : ename(err));
		}
		if (verbose)
			printf("# case %lu: %s [%s]: %s\n", i, c.desc, e.why,
			       r == 0 ? "success" : ename(err));
		if (++done % 1000 == 0 && k == 0) {
			struct timespec t1;

			clock_gettime(CLOCK_MONOTONIC, &t1);
			fprintf(stderr, "kftp-fuzz: about %lu/%lu cases, %.1f s\n",
				done * jobs, last - first,
				(double)(t1.tv_sec - t0->tv_sec) +
				(t1.tv_nsec - t0->tv_nsec) / 1e9);
		}
		fflush(stdout);
	}
}

static int cmd_fuzz(unsigned long count, uint64_t seed, long only,
		    unsigned int jobs, bool verbose)
{
	unsigned long first = 0, last = count, total;
	struct timespec t0, t1;
	double secs;
	unsigned int k, failed_jobs = 0;

	if (only >= 0) {
		first = (unsigned long)only;
		last = first + 1;
		jobs = 1;
	}
	total = last - first;
	open_device();
	if (dev_fd < 0)
		return 2;
	mkdir(FUZZ_OUT, 0700);
	if (chdir(FUZZ_OUT)) {
		perror("kftp-fuzz: chdir " FUZZ_OUT);
		return 2;
	}
	if (fd_pool_init()) {
		perror("kftp-fuzz: descriptors for trace_fd and dest_fd");
		return 2;
	}
	st = mmap(NULL, sizeof(*st), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (st == MAP_FAILED) {
		perror("kftp-fuzz: mmap");
		return 2;
	}
	printf("# fuzz: %lu cases, seed %" PRIu64 ", %u parallel job%s\n",
	       total, seed, jobs, jobs > 1 ? "s" : "");
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &t0);

	if (jobs == 1) {
		fuzz_worker(seed, first, last, 1, 0, verbose, &t0);
	} else {
		for (k = 0; k < jobs; k++) {
			pid_t pid = fork();

			if (pid < 0) {
				perror("kftp-fuzz: fork");
				failed_jobs++;
				continue;
			}
			if (pid == 0) {
				fuzz_worker(seed, first, last, jobs, k, verbose,
					    &t0);
				fflush(stdout);
				_exit(0);
			}
		}
		for (;;) {
			int wst;
			pid_t pid = wait(&wst);

			if (pid < 0)
				break;
			if (!WIFEXITED(wst) || WEXITSTATUS(wst)) {
				printf("# fuzz: worker %d %s %d\n", (int)pid,
				       WIFEXITED(wst) ? "exited" : "killed by signal",
				       WIFEXITED(wst) ? WEXITSTATUS(wst) :
				       WTERMSIG(wst));
				failed_jobs++;
			}
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	       (t1.tv_nsec - t0.tv_nsec) / 1e9;

	{
		unsigned long calls = 0;
		int ci;

		for (ci = 0; ci < ERRNO_SLOTS; ci++)
			calls += st->hist[ci];
		printf("# fuzz: errno histogram (%lu calls):\n", calls);
		print_hist(st->hist, "#   ");
		printf("# fuzz: per mutated field:\n");
		for (ci = 0; ci < C_MAX; ci++)
			if (st->cat_count[ci])
				print_cat_hist((enum cat)ci);
		printf("# fuzz: %lu cases run in %.1f s\n", calls, secs);
		printf("# fuzz: %lu cases reached RETR (550 from the server)\n",
		       st->reached_retr);
		printf("# fuzz: %lu calls ended by a signal (EINTR)\n",
		       st->interrupted);
		printf("# fuzz: expectation mismatches: %lu\n", st->mismatches);
		printf("# fuzz: calls that blocked > %u s: %lu\n", watchdog_secs,
		       st->hung);
		if (!st->hung && !failed_jobs && calls == total)
			printf("# fuzz: all %lu calls returned\n", total);
	}
	return st->hung || failed_jobs ? 1 : 0;
}

/* ------------------------------------------------------------------ */

/* ------------------------------------------------------------------ */
/* repeat mode: many real downloads without a process per download */

/*
 * Under TCG, starting a process costs more than a whole small transfer, so
 * a leak check over 1000 downloads issues the ioctl in a loop. Targets are
 * used in turn; each download must succeed with exactly SIZE bytes.
 */
static int cmd_repeat(unsigned long count, const char *remote,
		      const char *local)
{
	struct kftp_get_args a;
	unsigned long i, failed = 0;
	struct outcome o;
	time_t t0 = time(NULL);

	open_device();
	if (dev_fd < 0)
		return 2;
	for (i = 0; i < count; i++) {
		const struct target *t = &targets[i % ntargets];

		make_valid(&a, t, KFTP_REPLY_TIMEOUT_DEFAULT_MS, remote, local);
		/* anonymous: both test servers allow it */
		memset(a.user, 0, sizeof(a.user));
		memset(a.password, 0, sizeof(a.password));
		o = run_at(struct_slot(), &a, ARGS_SIZE, "repeat");
		if (o.r == 0 && o.res.remote_size != KFTP_SIZE_UNKNOWN &&
		    o.res.bytes_written == o.res.remote_size)
			continue;
		failed++;
		if (failed <= 5)
			printf("# repeat: download %lu from %s: ret %d %s, %llu of %llu bytes, reply %u %s\n",
			       i + 1, t->text, o.r, o.r ? ename(o.err) : "",
			       (unsigned long long)o.res.bytes_written,
			       (unsigned long long)o.res.remote_size,
			       o.res.reply_code, o.res.reply_text);
	}
	printf("# repeat: %lu downloads, %lu failed, %ld s\n", count, failed,
	       (long)(time(NULL) - t0));
	return failed ? 1 : 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: kftp-fuzz abi  [-n START] [-d DEV] [-t SECS] HOST:PORT [[::1]:PORT]\n"
		"       kftp-fuzz fuzz -c COUNT -s SEED [-j JOBS] [-d DEV] [-t SECS] [-v]\n"
		"                      [--only I]\n"
		"                      HOST:PORT [[::1]:PORT]\n"
		"       kftp-fuzz repeat -c COUNT REMOTE LOCAL HOST:PORT [HOST:PORT...]\n"
		"                      (COUNT anonymous downloads, servers in turn)\n"
		"HOST:PORT: the recorder (tests/fuzz/recorder.py); a.b.c.d:port,\n"
		"[v6]:port or port (127.0.0.1). -t: watchdog per call, default 30 s.\n");
}

static bool parse_ul(const char *s, unsigned long long *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return !errno && end != s && !*end && s[0] != '-';
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'c' },
		{ "seed", required_argument, NULL, 's' },
		{ "number", required_argument, NULL, 'n' },
		{ "device", required_argument, NULL, 'd' },
		{ "watchdog", required_argument, NULL, 't' },
		{ "only", required_argument, NULL, 'o' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long v, count = 0, seed = 0;
	bool have_count = false, have_seed = false, verbose = false;
	long only = -1;
	unsigned int jobs = 1;
	const char *mode, *repeat_remote = NULL, *repeat_local = NULL;
	int opt, i;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	mode = argv[1];
	if (strcmp(mode, "abi") && strcmp(mode, "fuzz") &&
	    strcmp(mode, "repeat")) {
		fprintf(stderr, "kftp-fuzz: unknown mode '%s'\n", mode);
		usage(stderr);
		return 2;
	}
	optind = 2;
	while ((opt = getopt_long(argc, argv, "c:s:n:d:t:o:j:vh", opts,
				  NULL)) != -1) {
		switch (opt) {
		case 'c':
			if (!parse_ul(optarg, &count) || count == 0) {
				fprintf(stderr, "kftp-fuzz: bad count '%s'\n", optarg);
				return 2;
			}
			have_count = true;
			break;
		case 's':
			if (!parse_ul(optarg, &seed)) {
				fprintf(stderr, "kftp-fuzz: bad seed '%s'\n", optarg);
				return 2;
			}
			have_seed = true;
			break;
		case 'n':
			if (!parse_ul(optarg, &v) || v < 1 || v > 1000000) {
				fprintf(stderr, "kftp-fuzz: bad start number '%s'\n", optarg);
				return 2;
			}
			tap_next = (int)v;
			break;
		case 'd':
			dev_path = optarg;
			break;
		case 't':
			if (!parse_ul(optarg, &v) || v < 1 || v > 3600) {
				fprintf(stderr, "kftp-fuzz: bad watchdog '%s'\n", optarg);
				return 2;
			}
			watchdog_secs = (unsigned int)v;
			break;
		case 'o':
			if (!parse_ul(optarg, &v) || v > 0x7fffffffULL) {
				fprintf(stderr, "kftp-fuzz: bad case '%s'\n", optarg);
				return 2;
			}
			only = (long)v;
			break;
		case 'j':
			if (!parse_ul(optarg, &v) || v < 1 || v > 64) {
				fprintf(stderr, "kftp-fuzz: bad job count '%s'\n", optarg);
				return 2;
			}
			jobs = (unsigned int)v;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "kftp-fuzz: HOST:PORT missing\n");
		usage(stderr);
		return 2;
	}
	if (!strcmp(mode, "repeat")) {
		if (argc - optind < 3 || !have_count) {
			fprintf(stderr, "kftp-fuzz repeat: -c COUNT REMOTE LOCAL HOST:PORT... needed\n");
			return 2;
		}
		repeat_remote = argv[optind++];
		repeat_local = argv[optind++];
	}
	for (i = optind; i < argc; i++) {
		if (ntargets == (int)(sizeof(targets) / sizeof(targets[0]))) {
			fprintf(stderr, "kftp-fuzz: too many targets\n");
			return 2;
		}
		if (parse_target(argv[i], &targets[ntargets++])) {
			fprintf(stderr, "kftp-fuzz: bad HOST:PORT '%s'\n", argv[i]);
			return 2;
		}
	}
	arena_init();
	watchdog_setup();
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (!strcmp(mode, "abi"))
		return cmd_abi();
	if (!strcmp(mode, "repeat"))
		return cmd_repeat((unsigned long)count, repeat_remote,
				  repeat_local);

	if (!have_count || !have_seed) {
		fprintf(stderr, "kftp-fuzz fuzz: -c COUNT and -s SEED are required\n");
		return 2;
	}
	return cmd_fuzz((unsigned long)count, (uint64_t)seed, only, jobs,
			verbose);
}
