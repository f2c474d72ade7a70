// SPDX-License-Identifier: GPL-2.0
/*
 * kftp-get: download files over FTP through the kftp kernel module.
 *
 * The kernel does the FTP work. This tool parses the command line and the
 * URLs, resolves the hosts, and owns the files: it creates each data file
 * unnamed (O_TMPFILE, mode 0600) in the destination's directory, hands the
 * kernel its descriptor (KFTP_GET_F_DEST_FD), and only when the transfer is
 * complete gives it its final owner, group and mode, fsyncs it, links it in
 * under a temporary name and renames that onto the destination. A failed,
 * interrupted or killed download therefore never clobbers an existing file
 * and leaves nothing behind. Where the filesystem has no O_TMPFILE, the data
 * file is a named temporary file .NAME.kftp-XXXXXX (O_EXCL, mode 0600)
 * instead, removed on failure. The one exception is resuming (-C): then the
 * partial file is the destination, written in place from its end, as curl
 * does, and a failure keeps what it holds.
 *
 * Sessions: an open /dev/kftp is a session, whose control connection the
 * kernel keeps logged in between ioctls. Consecutive URLs of one server and
 * login use one descriptor, so that 200 files cost one login; another
 * server or login gets a fresh descriptor (closing the old one sends QUIT).
 * With -Z, up to --parallel-max worker processes each hold one descriptor
 * and take the next URL from a counter in shared memory: never more
 * control connections than workers.
 *
 * Signals: SIGINT, SIGTERM and SIGHUP (unless ignored at start) stop
 * everything: the handler dup2()s /dev/null over the device descriptor, so
 * that an ioctl not yet started fails at once; one under way returns
 * EINTR. The parent of -Z workers forwards the signal to them. After the
 * cleanup, kftp-get dies by that signal. Stop signals (Ctrl-Z, SIGSTOP,
 * SIGCONT) get no handler: the kernel keeps the transfer and restarts the
 * ioctl when the process continues.
 *
 * This file: the command line, signals, sessions, the transfer and the
 * many-files loop. url.c takes URLs apart, localfile.c owns the data file
 * and the destination, report.c explains failures, netrc.c reads netrc.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <netdb.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <linux/kftp.h>

#include "kftp-get.h"
#include "progress.h"
#include "text.h"

#ifndef KFTP_VERSION
#define KFTP_VERSION "unknown"	/* the build passes ../VERSION */
#endif

#define FTP_DEFAULT_PORT	21
#define PARALLEL_DEFAULT	4
#define PARALLEL_MAX		100
#define MAX_TIME_MAX_MS		UINT32_MAX	/* max_time_ms is a __u32 */

_Static_assert(sizeof(struct kftp_get_args) >= KFTP_GET_ARGS_SIZE_VER2,
	       "struct kftp_get_args smaller than its second version");

struct options opt = { .parallel_max = PARALLEL_DEFAULT, .progress = -1 };
static struct netrc netrc;

static volatile sig_atomic_t got_signal;
/*
 * This process's /dev/kftp descriptor (its session) and one of /dev/null:
 * the signal handler dup2()s the second over the first, so that an ioctl
 * that has not started yet fails at once (ENOTTY) instead of running a
 * whole transfer that the user already asked to stop. That closes the race
 * between the last check of got_signal and the ioctl without blocking
 * signals across the ioctl. Each -Z worker has its own.
 */
static volatile int dev_fd = -1;
static int null_fd = -1;
/* The -Z parent's workers, to forward a stop signal to; 0 = none. */
static volatile pid_t workers[PARALLEL_MAX];
static bool in_worker;
static bool said_interrupted;

/* While a job is prepared: where die() goes back to (a failed job). */
static jmp_buf *job_jmp;
/* With several URLs: the URL that a failure message is about. */
static const char *msg_prefix;

/* ---- messages ---------------------------------------------------------- */

/* Of a URL shown before a message: the rest is cut ("..."). */
#define PREFIX_MAX		1024
#define MESSAGE_MAX		(2 * KFTP_LOCAL_PATH_MAX + PREFIX_MAX)

/*
 * One write() per message: -Z workers share stderr. Every piece is
 * bounded (a URL from an -i list can be longer than the whole buffer),
 * and the message is escaped (text.h): names, URLs and server replies
 * come from others, and their control bytes must not reach a terminal.
 */
static void vmessage(const char *prefix, const char *fmt, va_list ap)
{
	char raw[MESSAGE_MAX], buf[sizeof(PROG) + 2 + 4 * MESSAGE_MAX];
	size_t n = 0, cut;
	int m;

	if (prefix) {
		cut = strlen(prefix);
		if (cut > PREFIX_MAX) {
			cut = PREFIX_MAX - 3;
			/* Not in the middle of a UTF-8 character. */
			while (cut && (prefix[cut] & 0xc0) == 0x80)
				cut--;
		}
		m = snprintf(raw, sizeof(raw), "%.*s%s: ", (int)cut, prefix,
			     cut < strlen(prefix) ? "..." : "");
		n = m < 0 ? 0 : (size_t)m;	/* < PREFIX_MAX + 6: fits */
	}
	m = vsnprintf(raw + n, sizeof(raw) - n, fmt, ap);
	if (m > 0)
		n += (size_t)m < sizeof(raw) - n ? (size_t)m : sizeof(raw) - n - 1;
	memcpy(buf, PROG ": ", sizeof(PROG) + 1);
	n = sizeof(PROG) + 1 + text_escape(buf + sizeof(PROG) + 1,
					   sizeof(buf) - sizeof(PROG) - 2, raw, n);
	buf[n++] = '\n';
	if (write(STDERR_FILENO, buf, n) < 0)
		return;
}

/* A failure (named after its URL when there are several). */
void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(msg_prefix, fmt, ap);
	va_end(ap);
}

/* Progress that names its file itself. */
void note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(NULL, fmt, ap);
	va_end(ap);
}

/*
 * A failure before any data file exists: of the current job while one is
 * prepared, else of the whole run.
 */
void die(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(msg_prefix, fmt, ap);
	va_end(ap);
	if (job_jmp)
		longjmp(*job_jmp, status);
	if (status == EXIT_USAGE)
		fputs("Try '" PROG " --help' for more information.\n", stderr);
	exit(status);
}

static void usage(void)
{
	printf("Usage: " PROG " [options] URL...\n"
	       "  URL: ftp://[user[:password]@]host[:port]/path\n"
	       "\n"
	       "Download files over FTP (active mode, binary) through the kftp kernel\n"
	       "module (" KFTP_DEVICE_PATH ", root only). Nothing is printed on stdout.\n"
	       "\n"
	       "Options:\n"
	       "  -o, --output FILE        write to FILE (one URL only; default: the remote\n"
	       "                           file's name, in the current directory)\n"
	       "      --output-dir DIR     put the files in DIR\n"
	       "  -i, --input-file FILE    read URLs from FILE, one a line ('-': stdin;\n"
	       "                           blank lines and lines starting with # skipped)\n"
	       "  -u, --user USER[:PASS]   log in as USER, overriding the URL; without :PASS\n"
	       "                           the password comes from $KFTP_PASSWORD\n"
	       "  -n, --netrc              take the login from ~/.netrc\n"
	       "      --netrc-file FILE    take the login from FILE\n"
	       "  -C, --continue-at N|-    resume at byte N, or (-) at the size of the\n"
	       "                           existing destination, writing into it\n"
	       "  -R, --remote-time        give the file the server's time (MDTM)\n"
	       "  -Z, --parallel           download up to --parallel-max files at a time\n"
	       "      --parallel-max N     at most N at a time, 1-%d (default %d)\n"
	       "  -P, --ftp-port ADDR[:LOW[-HIGH]]\n"
	       "                           listen for data on ADDR (an IP address of this\n"
	       "                           host, [IPv6]; '-': the control connection's),\n"
	       "                           on a port from LOW-HIGH\n"
	       "      --max-filesize BYTES stop receiving a file beyond BYTES (suffixes k,\n"
	       "                           M, G: powers of 1024)\n"
	       "      --max-time S         give up a file after S seconds in all\n"
	       "  -q, --quiet              print nothing on success\n"
	       "      --progress-bar       show the progress bar even when stderr is not a\n"
	       "                           terminal, or with -q\n"
	       "      --no-progress-meter  no progress bar (shown by default on a terminal,\n"
	       "                           one file at a time: not with -Z)\n"
	       "      --connect-timeout S  give up connecting after S seconds (default %u)\n"
	       "      --timeout S          wait at most S seconds for each server reply, for\n"
	       "                           the data connection and between data bytes\n"
	       "                           (defaults %u, %u and %u)\n"
	       "      --keep-partial       on failure, keep the bytes received as FILE\n"
	       "  -h, --help               show this help and exit\n"
	       "  -V, --version            show the version and exit\n"
	       "  S may have decimals: 0 < S <= %u (--max-time: any length).\n",
	       PARALLEL_MAX, PARALLEL_DEFAULT,
	       KFTP_CONNECT_TIMEOUT_DEFAULT_MS / 1000,
	       KFTP_REPLY_TIMEOUT_DEFAULT_MS / 1000,
	       KFTP_ACCEPT_TIMEOUT_DEFAULT_MS / 1000,
	       KFTP_STALL_TIMEOUT_DEFAULT_MS / 1000,
	       KFTP_TIMEOUT_MAX_MS / 1000);
	printf("\n"
	       "URL:\n"
	       "  user, password and path are percent-decoded (%%40 '@', %%3A ':', %%2F '/').\n"
	       "  Without a user the login is anonymous ($KFTP_PASSWORD is not used) or,\n"
	       "  with -n, from netrc; a user without a password takes it from netrc, else\n"
	       "  $KFTP_PASSWORD. host is a name, an IPv4 address or an IPv6 address in\n"
	       "  brackets ([fe80::1%%25eth0]); port defaults to %d. The leading '/' of\n"
	       "  path is dropped: ftp://h/a/b fetches a/b from the login directory,\n"
	       "  ftp://h/%%2Fetc/x fetches /etc/x. path may not be empty or end in '/'.\n"
	       "\n"
	       "Several URLs:\n"
	       "  Fetched in order; consecutive URLs of one server and login share one\n"
	       "  control connection (one login). A failure does not stop the others;\n"
	       "  each is reported, and a summary line ends the run (not with -q).\n"
	       "\n"
	       "Files:\n"
	       "  Data goes to an unnamed file (O_TMPFILE, mode 0600) in FILE's directory,\n"
	       "  or where the filesystem cannot, to .NAME" TEMP_TAG "XXXXXX beside FILE. Only\n"
	       "  a complete transfer is renamed onto FILE, with the old FILE's owner,\n"
	       "  group and mode (a new FILE: 0666 less the umask); a failed one leaves\n"
	       "  nothing. An existing FILE must be a regular file, not a symbolic link,\n"
	       "  a directory or a device. With -C, FILE itself is written from the\n"
	       "  resume offset on, and keeps what it got when the download fails.\n"
	       "  A password in the URL or in -u is hidden from ps once " PROG " starts;\n"
	       "  $KFTP_PASSWORD never shows.\n",
	       FTP_DEFAULT_PORT);
	printf("\n"
	       "Exit status:\n"
	       "  (with several URLs: that of the first URL that failed)\n"
	       "  0    success\n"
	       "  1    other error\n"
	       "  2    usage error or invalid argument, including a request the kernel\n"
	       "       refused as invalid (e.g. CR or LF in the user, password or path),\n"
	       "       a netrc file with a password that others may read or another user\n"
	       "       owns, and a name from a URL with control characters\n"
	       "  3    cannot open " KFTP_DEVICE_PATH " (module not loaded, or not root), the\n"
	       "       kernel said the operation is not permitted, or the loaded module is\n"
	       "       too old for an option given\n"
	       "  4    connection failed (name resolution, refused, unreachable, connect\n"
	       "       timeout), or no data port (-P: range in use, not a local address)\n"
	       "  5    login refused\n"
	       "  6    remote file missing or not readable\n"
	       "  7    local file error (create, write, no space, FILE is a symlink or a\n"
	       "       directory, missing directory, rename, another user's FILE in a\n"
	       "       sticky directory)\n"
	       "  8    protocol error (error reply, malformed reply, incomplete transfer,\n"
	       "       connection reset)\n"
	       "  9    timed out after connecting (greeting, reply, data connection, stall,\n"
	       "       --max-time)\n"
	       "  10   cannot resume (-C): the local file is larger than the remote one,\n"
	       "       or the server refused REST\n"
	       "  11   the file is larger than --max-filesize\n"
	       "  128+N  interrupted by signal N (129 SIGHUP, 130 SIGINT, 143 SIGTERM)\n");
}

/* ---- command line ------------------------------------------------------- */

/*
 * Decimal seconds to milliseconds, exactly (no floating point), rounding a
 * sub-millisecond remainder up so that "0.0001" still means "a little".
 */
static uint32_t parse_seconds(const char *opt_name, const char *s, uint32_t max_ms)
{
	uint64_t ms = 0;
	int frac = 0;
	bool digits = false, round_up = false;
	const char *p;

	for (p = s; *p >= '0' && *p <= '9'; p++) {
		ms = ms * 10 + (uint64_t)(*p - '0');
		if (ms > max_ms)
			goto bad;
		digits = true;
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, frac++) {
			if (frac < 3)
				ms = ms * 10 + (uint64_t)(*p - '0');
			else if (*p != '0')
				round_up = true;
			digits = true;
		}
	}
	if (!digits || *p)
		goto bad;
	for (; frac < 3; frac++)
		ms *= 10;
	ms += round_up;
	if (ms == 0 || ms > max_ms)
		goto bad;
	return (uint32_t)ms;
bad:
	die(EXIT_USAGE, "%s: '%s' is not a number of seconds in (0, %u]",
	    opt_name, s, max_ms / 1000);
}

/* A decimal number, 0..max, with an optional k/M/G suffix when allowed. */
static uint64_t parse_bytes(const char *opt_name, const char *s, bool suffix)
{
	uint64_t n = 0, mult = 1;
	const char *p;

	for (p = s; *p >= '0' && *p <= '9'; p++) {
		if (n > (UINT64_MAX - 9) / 10)
			goto bad;
		n = n * 10 + (uint64_t)(*p - '0');
	}
	if (p == s)
		goto bad;
	if (suffix && *p && !p[1]) {
		switch (*p) {
		case 'k': case 'K':
			mult = 1ULL << 10;
			break;
		case 'm': case 'M':
			mult = 1ULL << 20;
			break;
		case 'g': case 'G':
			mult = 1ULL << 30;
			break;
		default:
			goto bad;
		}
		p++;
	}
	if (*p || (n && mult > UINT64_MAX / n))
		goto bad;
	return n * mult;
bad:
	die(EXIT_USAGE, "%s: '%s' is not a number of bytes%s", opt_name, s,
	    suffix ? " (suffixes k, M, G)" : "");
}

/* Overwrite s[0..len) in place: what /proc/PID/cmdline shows. */
static void scrub(char *s, size_t len)
{
	volatile char *p = s;

	while (len--)
		*p++ = '*';
}

/* USER:PASS -> USER:**** */
static void scrub_login(char *login)
{
	char *colon = strchr(login, ':');

	if (colon)
		scrub(colon + 1, strlen(colon + 1));
}

/*
 * ftp://user:PASS@host/... -> ftp://user:****@host/..., and likewise for
 * what only looks like a URL (url_password_span()).
 */
static void scrub_url(char *url)
{
	size_t start, len = url_password_span(url, &start);

	scrub(url + start, len);
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d)
		die(EXIT_OTHER, "out of memory");
	return d;
}

static void add_url(const char *url)
{
	char **v;

	v = realloc(opt.urls, (opt.nurls + 1) * sizeof(*v));
	if (!v)
		die(EXIT_OTHER, "out of memory");
	opt.urls = v;
	opt.urls[opt.nurls++] = xstrdup(url);
}

/*
 * -i FILE: one URL a line; blank lines and "#" lines skipped. Read with
 * read() into a buffer of our own, not stdio's, so that the copy of the
 * passwords in it can be wiped.
 */
static void read_input_file(const char *path)
{
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY) :
		 STDIN_FILENO;
	char *buf = NULL, *line, *next, *s, *e, *nbuf;
	size_t len = 0, cap = 0;
	ssize_t n;

	if (fd < 0)
		die(EXIT_USAGE, "cannot read the input file '%s': %s", path, strerror(errno));
	for (;;) {
		if (cap - len < 4096) {
			nbuf = malloc(cap * 2 + 8192);
			if (!nbuf)
				die(EXIT_OTHER, "out of memory");
			if (buf) {
				memcpy(nbuf, buf, len);
				explicit_bzero(buf, len);
				free(buf);
			}
			buf = nbuf;
			cap = cap * 2 + 8192;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die(EXIT_USAGE, "cannot read the input file '%s': %s", path,
			    strerror(errno));
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (fd != STDIN_FILENO)
		close(fd);
	if (!buf)
		return;
	buf[len] = '\0';
	for (line = buf; line < buf + len; line = next) {
		next = memchr(line, '\n', (size_t)(buf + len - line));
		next = next ? next + 1 : buf + len;
		for (s = line; *s == ' ' || *s == '\t'; s++)
			;
		e = next;
		while (e > s && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' ||
				 e[-1] == '\t' || e[-1] == '\0'))
			e--;
		*e = '\0';
		if (*s && *s != '#')
			add_url(s);
	}
	explicit_bzero(buf, len);
	free(buf);
}

/*
 * -P ADDR[:LOW[-HIGH]]: ADDR an IP literal ([v6] with a port range), '-' or
 * empty for the control connection's local address.
 */
static void parse_ftp_port(const char *s)
{
	char addr[INET6_ADDRSTRLEN + 2];
	const char *ports = NULL, *close;
	size_t alen;
	char *end;
	unsigned long lo, hi;

	if (*s == '[') {
		close = strchr(s, ']');
		if (!close || (close[1] && close[1] != ':'))
			goto bad;
		alen = (size_t)(close - s - 1);
		s++;
		ports = close[1] ? close + 2 : NULL;
	} else {
		const char *colon = strchr(s, ':');

		/* A bare IPv6 address (two colons or more) has no ports. */
		if (colon && strchr(colon + 1, ':'))
			colon = NULL;
		alen = colon ? (size_t)(colon - s) : strlen(s);
		ports = colon ? colon + 1 : NULL;
	}
	if (alen >= sizeof(addr))
		goto bad;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	memset(opt.data_addr, 0, sizeof(opt.data_addr));
	if (!alen || !strcmp(addr, "-"))
		opt.data_family = 0;
	else if (inet_pton(AF_INET, addr, opt.data_addr) == 1)
		opt.data_family = AF_INET;
	else if (inet_pton(AF_INET6, addr, opt.data_addr) == 1)
		opt.data_family = AF_INET6;
	else
		die(EXIT_USAGE, "-P: '%s' is not an IP address (interface and host "
		    "names are not supported; '-' is the control connection's)", addr);
	opt.data_port_low = opt.data_port_high = 0;
	if (!ports)
		return;
	errno = 0;
	lo = strtoul(ports, &end, 10);
	hi = lo;
	if (end == ports || errno)
		goto bad;
	if (*end == '-') {
		const char *h = end + 1;

		hi = strtoul(h, &end, 10);
		if (end == h || errno)
			goto bad;
	}
	if (*end || lo < 1 || lo > 65535 || hi < lo || hi > 65535)
		goto bad;
	opt.data_port_low = (uint16_t)lo;
	opt.data_port_high = (uint16_t)hi;
	return;
bad:
	die(EXIT_USAGE, "-P: '%s' is not ADDR[:LOW[-HIGH]] (ports 1-65535, LOW <= HIGH)",
	    opt.ftp_port);
}

enum {
	OPT_CONNECT_TIMEOUT = 256, OPT_TIMEOUT, OPT_KEEP_PARTIAL, OPT_OUTPUT_DIR,
	OPT_PARALLEL_MAX, OPT_NETRC_FILE, OPT_MAX_TIME, OPT_MAX_FILESIZE,
	OPT_PROGRESS_BAR, OPT_NO_PROGRESS_METER,
};

static const struct option long_options[] = {
	{ "output",		required_argument, NULL, 'o' },
	{ "output-dir",		required_argument, NULL, OPT_OUTPUT_DIR },
	{ "input-file",		required_argument, NULL, 'i' },
	{ "user",		required_argument, NULL, 'u' },
	{ "netrc",		no_argument,	   NULL, 'n' },
	{ "netrc-file",		required_argument, NULL, OPT_NETRC_FILE },
	{ "continue-at",	required_argument, NULL, 'C' },
	{ "remote-time",	no_argument,	   NULL, 'R' },
	{ "parallel",		no_argument,	   NULL, 'Z' },
	{ "parallel-max",	required_argument, NULL, OPT_PARALLEL_MAX },
	{ "ftp-port",		required_argument, NULL, 'P' },
	{ "max-filesize",	required_argument, NULL, OPT_MAX_FILESIZE },
	{ "max-time",		required_argument, NULL, OPT_MAX_TIME },
	{ "quiet",		no_argument,	   NULL, 'q' },
	{ "help",		no_argument,	   NULL, 'h' },
	{ "version",		no_argument,	   NULL, 'V' },
	{ "connect-timeout",	required_argument, NULL, OPT_CONNECT_TIMEOUT },
	{ "timeout",		required_argument, NULL, OPT_TIMEOUT },
	{ "keep-partial",	no_argument,	   NULL, OPT_KEEP_PARTIAL },
	{ "progress-bar",	no_argument,	   NULL, OPT_PROGRESS_BAR },
	{ "no-progress-meter",	no_argument,	   NULL, OPT_NO_PROGRESS_METER },
	{ NULL, 0, NULL, 0 }
};

/*
 * The options, then the URLs: copied, and the passwords in argv (URLs and
 * -u) overwritten at once, as curl does; the input files are read last.
 */
static void parse_options(int argc, char **argv)
{
	const char *inputs[64];
	size_t ninputs = 0, i;
	char *login = NULL;
	uint64_t n;
	int c;

	opterr = 0;	/* our own messages, without argv[0]'s path */
	while ((c = getopt_long(argc, argv, ":o:i:u:nC:RZP:qhV", long_options,
				NULL)) != -1) {
		switch (c) {
		case 'o':
			opt.output = optarg;
			if (!*optarg)
				die(EXIT_USAGE, "-o needs a file name");
			break;
		case OPT_OUTPUT_DIR:
			opt.output_dir = optarg;
			if (!*optarg)
				die(EXIT_USAGE, "--output-dir needs a directory name");
			break;
		case 'i':
			if (ninputs == sizeof(inputs) / sizeof(inputs[0]))
				die(EXIT_USAGE, "too many -i options");
			inputs[ninputs++] = optarg;
			break;
		case 'u':
			/* Only the last -u counts: hide an earlier one's password now. */
			if (login)
				scrub_login(login);
			login = optarg;
			break;
		case 'n':
			opt.netrc = true;
			break;
		case OPT_NETRC_FILE:
			opt.netrc_file = optarg;
			break;
		case 'C':
			if (!strcmp(optarg, "-")) {
				opt.resume = RESUME_AUTO;
			} else {
				opt.resume_at = parse_bytes("--continue-at", optarg, false);
				opt.resume = opt.resume_at ? RESUME_AT : RESUME_NONE;
			}
			break;
		case 'R':
			opt.remote_time = true;
			break;
		case 'Z':
			opt.parallel = true;
			break;
		case OPT_PARALLEL_MAX:
			n = parse_bytes("--parallel-max", optarg, false);
			if (n < 1 || n > PARALLEL_MAX)
				die(EXIT_USAGE, "--parallel-max: '%s' is not in 1-%d",
				    optarg, PARALLEL_MAX);
			opt.parallel_max = (unsigned int)n;
			break;
		case 'P':
			opt.ftp_port = optarg;
			parse_ftp_port(optarg);
			break;
		case OPT_MAX_FILESIZE:
			opt.max_filesize = parse_bytes("--max-filesize", optarg, true);
			if (!opt.max_filesize)
				die(EXIT_USAGE, "--max-filesize must be at least 1 byte");
			break;
		case OPT_MAX_TIME:
			opt.max_time_ms = parse_seconds("--max-time", optarg, MAX_TIME_MAX_MS);
			break;
		case 'q':
			opt.quiet = true;
			break;
		case 'h':
			usage();
			exit(EXIT_OK);
		case 'V':
			printf(PROG " " KFTP_VERSION "\n");
			exit(EXIT_OK);
		case OPT_CONNECT_TIMEOUT:
			opt.connect_ms = parse_seconds("--connect-timeout", optarg,
						       KFTP_TIMEOUT_MAX_MS);
			break;
		case OPT_TIMEOUT:
			opt.timeout_ms = parse_seconds("--timeout", optarg, KFTP_TIMEOUT_MAX_MS);
			break;
		case OPT_KEEP_PARTIAL:
			opt.keep_partial = true;
			break;
		case OPT_PROGRESS_BAR:
			opt.progress = 1;
			break;
		case OPT_NO_PROGRESS_METER:
			opt.progress = 0;
			break;
		case ':':
			die(EXIT_USAGE, "option '%s' needs an argument", argv[optind - 1]);
		default:	/* optopt is 0 for an unknown long option */
			if (optopt)
				die(EXIT_USAGE, "unknown option '-%c'", optopt);
			/* Not what follows '=': a mistyped --user=USER:PASS */
			die(EXIT_USAGE, "unknown option '%.*s'",
			    (int)strcspn(argv[optind - 1], "="), argv[optind - 1]);
		}
	}
	if (login) {
		opt.login = xstrdup(login);
		scrub_login(login);
	}
	for (i = (size_t)optind; i < (size_t)argc; i++) {
		add_url(argv[i]);
		scrub_url(argv[i]);
	}
	for (i = 0; i < ninputs; i++)
		read_input_file(inputs[i]);
	if (!opt.nurls)
		die(EXIT_USAGE, ninputs ? "no URL in the input file" : "missing URL");
	if (opt.output && opt.nurls > 1)
		die(EXIT_USAGE, "-o names one file, but %zu URLs were given "
		    "(use --output-dir)", opt.nurls);
}

/* ---- credentials and destination --------------------------------------- */

/* The whole of dst is written: the kernel refuses bytes after the NUL. */
static void copy_field(const char *what, char *dst, size_t size,
		       const char *src, size_t len)
{
	if (len >= size)
		die(EXIT_USAGE, "the %s is too long (at most %zu bytes)", what, size - 1);
	memset(dst, 0, size);
	memcpy(dst, src, len);
}

static void copy_string(const char *what, char *dst, size_t size, const char *src)
{
	copy_field(what, dst, size, src, strlen(src));
}

/*
 * -u beats the URL, which beats netrc (as in curl); a user without a
 * password takes the one netrc has for that user on that host, else
 * $KFTP_PASSWORD. An empty user means an anonymous login. Its password is
 * the one given explicitly (-u :PASS, ftp://:PASS@host/, sent as the
 * anonymous "e-mail address"), or netrc's, or else the kernel's default:
 * $KFTP_PASSWORD is the secret of a named account and is never sent to an
 * anonymous server, as curl sends no password of its own choosing for an
 * anonymous login.
 */
static void pick_credentials(struct job *job)
{
	const char *login = opt.login, *env, *colon;
	bool has_user, has_pass;
	const struct netrc_entry *e;

	memset(job->user, 0, sizeof(job->user));
	memset(job->pass, 0, sizeof(job->pass));
	if (login) {
		colon = strchr(login, ':');
		has_user = true;
		has_pass = colon != NULL;
		copy_field("user", job->user, sizeof(job->user), login,
			   colon ? (size_t)(colon - login) : strlen(login));
		if (colon)
			copy_string("password", job->pass, sizeof(job->pass), colon + 1);
	} else {
		has_user = job->url.has_user;
		has_pass = job->url.has_pass;
		memcpy(job->user, job->url.user, sizeof(job->user));
		memcpy(job->pass, job->url.pass, sizeof(job->pass));
	}
	if (!has_pass && netrc.count) {
		e = netrc_find(&netrc, job->url.host, has_user ? job->user : NULL);
		if (e && !has_user && e->login) {
			copy_string("user from netrc", job->user, sizeof(job->user), e->login);
			has_user = true;
		}
		if (e && e->password && (has_user || !e->login)) {
			copy_string("password from netrc", job->pass, sizeof(job->pass),
				    e->password);
			has_pass = true;
		}
	}
	env = getenv("KFTP_PASSWORD");
	if (!has_pass && job->user[0] && env)
		copy_string("password in KFTP_PASSWORD", job->pass, sizeof(job->pass), env);
}

/* ---- signals ------------------------------------------------------------ */

static void on_signal(int sig)
{
	int saved = errno;
	size_t i;

	got_signal = sig;
	/* Poison the device: an ioctl not yet started fails at once. */
	if (dev_fd >= 0 && null_fd >= 0)
		dup2(null_fd, dev_fd);
	/* The -Z parent: the workers stop too (a kill to the parent alone). */
	for (i = 0; i < PARALLEL_MAX; i++)
		if (workers[i] > 0)
			kill(workers[i], sig);
	errno = saved;
}

static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP };

/*
 * No SA_RESTART: the ioctl must come back with EINTR, not start over. The
 * stop signals (SIGTSTP, SIGSTOP, SIGCONT) keep their default actions: the
 * kernel restarts a stopped transfer by itself.
 */
static void install_signal_handlers(void)
{
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++)
		sigaddset(&sa.sa_mask, stop_signals[i]);
	for (i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++) {
		struct sigaction old;

		/* Ignored when we started (nohup, a shell's `trap '' INT`): stays so. */
		if (!sigaction(stop_signals[i], NULL, &old) &&
		    old.sa_handler == SIG_IGN)
			continue;
		sigaction(stop_signals[i], &sa, NULL);
	}
	/*
	 * Past RLIMIT_FSIZE the kernel's write fails with EFBIG; SIGXFSZ would
	 * kill us first, leaving the temp file behind.
	 */
	signal(SIGXFSZ, SIG_IGN);
}

/* Hold off the stop signals while a file is being put in place. */
static void block_stop_signals(bool block)
{
	sigset_t set;
	size_t i;

	sigemptyset(&set);
	for (i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++)
		sigaddset(&set, stop_signals[i]);
	sigprocmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

/*
 * After the cleanup, die by the signal that stopped us, so that a shell
 * running us sees a death by SIGINT (and a script around us stops too);
 * $? is 128+N all the same. The exit status is only a fallback.
 */
static int finish(int status)
{
	int sig = got_signal;

	if (!sig)
		return status;
	fflush(NULL);
	signal(sig, SIG_DFL);
	block_stop_signals(false);
	raise(sig);
	return EXIT_SIGNAL + sig;
}

/* ---- sessions and name resolution --------------------------------------- */

/* What the open session (dev_fd) is logged in to. */
static struct {
	uint16_t family;
	uint16_t port;
	uint32_t scope_id;
	uint8_t addr[16];
	char user[KFTP_USER_MAX];
	char pass[KFTP_PASSWORD_MAX];
} session;
/* Set when /dev/kftp cannot be opened: no other download can work. */
static bool device_failed;

static void close_session(void)
{
	int fd = dev_fd;

	dev_fd = -1;
	if (fd >= 0)
		close(fd);	/* the kernel sends QUIT */
	explicit_bzero(session.pass, sizeof(session.pass));
}

static bool same_session(const struct kftp_get_args *a)
{
	return session.family == a->family && session.port == a->port &&
	       session.scope_id == a->scope_id &&
	       !memcmp(session.addr, a->addr, sizeof(session.addr)) &&
	       !memcmp(session.user, a->user, sizeof(session.user)) &&
	       !memcmp(session.pass, a->password, sizeof(session.pass));
}

/*
 * A session for the request in a: the open one when it is for the same
 * server and login, else a fresh /dev/kftp. 0, or an errno (reported).
 */
static int open_session(const struct kftp_get_args *a)
{
	int fd;

	if (dev_fd >= 0 && same_session(a))
		return 0;
	close_session();
	fd = open(KFTP_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;

		say("cannot open " KFTP_DEVICE_PATH ": %s (is the kftp module loaded? "
		    "are you root?)", strerror(err));
		device_failed = true;
		return err;
	}
	dev_fd = fd;
	session.family = a->family;
	session.port = a->port;
	session.scope_id = a->scope_id;
	memcpy(session.addr, a->addr, sizeof(session.addr));
	memcpy(session.user, a->user, sizeof(session.user));
	memcpy(session.pass, a->password, sizeof(session.pass));
	return 0;
}

/*
 * The last host's addresses, kept for the next URL of the same host, and
 * the one that worked, tried first next time.
 */
static struct {
	char host[NI_MAXHOST];
	bool bracketed;
	struct addrinfo *list;
	const struct addrinfo *good;
} resolved;

static const struct addrinfo *resolve(const struct ftp_url *url)
{
	struct addrinfo hints;
	int ret;

	if (resolved.list && resolved.bracketed == url->bracketed &&
	    !strcmp(resolved.host, url->host))
		return resolved.list;
	if (resolved.list)
		freeaddrinfo(resolved.list);
	resolved.list = NULL;
	resolved.good = NULL;
	memset(&hints, 0, sizeof(hints));
	/* -P ADDR: the server must be of ADDR's family. */
	hints.ai_family = url->bracketed ? AF_INET6 : opt.data_family ?: AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = url->bracketed ? AI_NUMERICHOST : 0;
	ret = getaddrinfo(url->host, NULL, &hints, &resolved.list);
	if (ret) {
		resolved.list = NULL;
		die(EXIT_CONNECT, "cannot resolve '%s'%s: %s", url->host,
		    opt.data_family && !url->bracketed ? (opt.data_family == AF_INET ?
		    " to an IPv4 address (as -P's)" : " to an IPv6 address (as -P's)") : "",
		    ret == EAI_SYSTEM ? strerror(errno) : gai_strerror(ret));
	}
	snprintf(resolved.host, sizeof(resolved.host), "%s", url->host);
	resolved.bracketed = url->bracketed;
	return resolved.list;
}

static bool usable(const struct addrinfo *ai)
{
	return ai->ai_family == AF_INET || ai->ai_family == AF_INET6;
}

static const struct addrinfo *next_usable(const struct addrinfo *ai)
{
	while (ai && !usable(ai))
		ai = ai->ai_next;
	return ai;
}

static void describe_address(struct job *job, const struct addrinfo *ai)
{
	char num[NI_MAXHOST];

	if (getnameinfo(ai->ai_addr, ai->ai_addrlen, num, sizeof(num),
			NULL, 0, NI_NUMERICHOST) || !strcmp(num, job->url.host))
		snprintf(job->where, sizeof(job->where), "%s port %u",
			 job->url.host, job->url.port);
	else
		snprintf(job->where, sizeof(job->where), "%s (%s) port %u",
			 job->url.host, num, job->url.port);
}

/* ---- transfer ----------------------------------------------------------- */

static void fill_args(struct job *job, const struct addrinfo *ai)
{
	struct kftp_get_args *a = &job->args;
	uint32_t t = opt.timeout_ms;

	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->flags = KFTP_GET_F_DEST_FD | (opt.remote_time ? KFTP_GET_F_REMOTE_TIME : 0);
	a->dest_fd = job->data_fd;
	a->family = (uint16_t)ai->ai_family;
	a->port = job->url.port;
	if (ai->ai_family == AF_INET) {
		memcpy(a->addr, &((const struct sockaddr_in *)ai->ai_addr)->sin_addr, 4);
	} else {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ai->ai_addr;

		memcpy(a->addr, &sin6->sin6_addr, 16);
		a->scope_id = sin6->sin6_scope_id;
	}
	a->connect_timeout_ms = opt.connect_ms ?: KFTP_CONNECT_TIMEOUT_DEFAULT_MS;
	a->reply_timeout_ms = t ?: KFTP_REPLY_TIMEOUT_DEFAULT_MS;
	a->accept_timeout_ms = t ?: KFTP_ACCEPT_TIMEOUT_DEFAULT_MS;
	a->stall_timeout_ms = t ?: KFTP_STALL_TIMEOUT_DEFAULT_MS;
	a->resume_offset = job->resume_offset;
	/* Same sizes on both sides, NUL-terminated and length-checked. */
	memcpy(a->user, job->user, sizeof(a->user));
	memcpy(a->password, job->pass, sizeof(a->password));
	memcpy(a->remote_path, job->url.path, sizeof(a->remote_path));
	a->max_filesize = opt.max_filesize;
	a->max_time_ms = opt.max_time_ms;
	a->data_family = opt.data_family;
	if (opt.data_family)
		memcpy(a->data_addr, opt.data_addr, sizeof(a->data_addr));
	a->data_port_low = opt.data_port_low;
	a->data_port_high = opt.data_port_high;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * The ioctl, with a progress bar on stderr while it runs (progress.c): on a
 * terminal unless -q or --no-progress-meter, always with --progress-bar;
 * never in a -Z worker, where several bars would overwrite each other.
 * The bar's thread follows this transfer's kftp events; without them (no
 * CAP_NET_ADMIN, an older module) there is simply no bar. Returns as
 * ioctl(2) does, errno included.
 */
static int progress_ioctl(struct job *job)
{
	int p = opt.progress;
	bool bar = !in_worker &&
		   (p == 1 || (p == -1 && !opt.quiet && isatty(STDERR_FILENO)));
	const char *name = strrchr(job->dest, '/');
	struct progress_watch *w = NULL;
	int ret, saved;

	if (bar)
		w = progress_watch_start(stderr, name ? name + 1 : job->dest,
					 job->args.port, job->args.remote_path);
	ret = ioctl(dev_fd, KFTP_IOC_GET, &job->args);
	saved = errno;
	progress_watch_stop(w);
	errno = saved;
	return ret;
}

/*
 * One address: the session, a fresh data file, then the ioctl. A signal
 * that arrives before the ioctl starts has replaced the device with
 * /dev/null (see on_signal), so the ioctl fails at once; one that arrives
 * during it makes the kernel return EINTR.
 */
static int get_from(struct job *job, const struct addrinfo *ai)
{
	uint64_t t0;
	int err;

	job->data_fd = -1;
	fill_args(job, ai);
	err = open_session(&job->args);
	if (err) {
		job->err = err;
		job->local_failed = true;
		return -1;
	}
	err = job->inplace ? open_inplace(job) : create_data(job);
	if (err) {
		if (err == EAGAIN)
			say("'%s' changed while " PROG " was starting", job->dest);
		else
			say("cannot write '%s': %s", job->dest, strerror(err));
		job->err = err;
		job->local_failed = true;
		return -1;
	}
	job->args.dest_fd = job->data_fd;
	if (got_signal) {
		job->err = EINTR;
		return -1;
	}
	t0 = now_ms();
	err = progress_ioctl(job);
	job->elapsed_ms = now_ms() - t0;
	if (!err)
		return 0;
	job->err = errno;
	return -1;
}

static int interrupted(struct job *job)
{
	if (!in_worker && !said_interrupted)
		say("interrupted");
	said_interrupted = true;
	discard_temp(job);
	return got_signal ? EXIT_SIGNAL + got_signal : EXIT_OTHER;
}

static int failed(struct job *job)
{
	int status = exit_status(job->err, job->args.result.failed_step);

	report_failure(job);
	discard_temp(job);
	return status;
}

static int succeeded(struct job *job)
{
	const struct kftp_get_result *res = &job->args.result;
	int ret;

	/*
	 * A signal after the last byte still means the user said stop; one
	 * after this check waits until the file is in place.
	 */
	block_stop_signals(true);
	if (got_signal) {
		block_stop_signals(false);
		return interrupted(job);
	}
	job->keep_partial = false;
	if (job->inplace) {
		ret = finish_inplace(job);
	} else {
		set_remote_time(job);
		ret = commit(job, "name");
	}
	block_stop_signals(false);
	if (ret) {
		discard_temp(job);
		return EXIT_LOCAL;
	}
	close_data(job);
	if (opt.quiet)
		return EXIT_OK;
	if (job->inplace && !res->bytes_written)
		note("'%s' is already complete (%llu bytes): nothing to download",
		     job->dest, (unsigned long long)job->resume_offset);
	else if (job->inplace)
		note("saved '%s' (%llu bytes, resumed at %llu)", job->dest,
		     (unsigned long long)(job->resume_offset + res->bytes_written),
		     (unsigned long long)job->resume_offset);
	else
		note("saved '%s' (%llu bytes)", job->dest,
		     (unsigned long long)res->bytes_written);
	return EXIT_OK;
}

/*
 * Try each address in turn while the failure is only the TCP connect: the
 * one that worked for the last URL of this host first, then the others in
 * the resolver's order.
 */
static int fetch(struct job *job, const struct addrinfo *list)
{
	const struct addrinfo *order[16], *ai;
	size_t n = 0, k;

	if (resolved.good)
		order[n++] = resolved.good;
	for (ai = next_usable(list); ai && n < sizeof(order) / sizeof(order[0]);
	     ai = next_usable(ai->ai_next))
		if (ai != resolved.good)
			order[n++] = ai;
	for (k = 0; k < n; k++) {
		describe_address(job, order[k]);
		if (!get_from(job, order[k])) {
			resolved.good = order[k];
			return succeeded(job);
		}
		if (got_signal || job->err == EINTR)
			return interrupted(job);
		if (job->local_failed) {
			discard_temp(job);
			return device_failed ? EXIT_DEVICE : EXIT_LOCAL;
		}
		if (job->args.result.failed_step != KFTP_STEP_CONNECT || k + 1 == n)
			break;
		if (!opt.quiet)
			say("cannot connect to %s: %s; trying the next address",
			    job->where, strerror(job->err));
		discard_temp(job);
	}
	return failed(job);
}

/*
 * The URL as messages show it: the password, if any, as asterisks.
 */
static char *shown_url(const char *url)
{
	char *s = xstrdup(url);

	scrub_url(s);
	return s;
}

/* Download URL number i; its exit status. */
static int run_one(size_t i)
{
	static struct job job;
	static char *shown;
	jmp_buf env;
	int status;

	memset(&job, 0, sizeof(job));
	job.data_fd = -1;
	job.dir_fd = -1;
	job.url_str = opt.urls[i];
	job.keep_partial = opt.keep_partial;
	shown = NULL;
	if (opt.nurls > 1)
		msg_prefix = shown = shown_url(job.url_str);
	status = setjmp(env);
	if (!status) {
		const struct addrinfo *list;

		job_jmp = &env;
		parse_url(job.url_str, &job.url);
		pick_credentials(&job);
		pick_destination(&job);
		check_destination(&job);
		list = resolve(&job.url);
		if (!next_usable(list))
			die(EXIT_CONNECT, "'%s' has no IPv4 or IPv6 address", job.url.host);
		job_jmp = NULL;
		status = fetch(&job, list);
	}
	job_jmp = NULL;
	msg_prefix = NULL;
	free(shown);
	close_destination(&job);
	/* The passwords: the URL's, the one picked, the one sent. */
	explicit_bzero(&job, sizeof(job));
	return status;
}

/* ---- many files ----------------------------------------------------------- */

/* Per URL: NOT_RUN, RUNNING (a worker died under it) or its exit status. */
#define NOT_RUN		(-1)
#define RUNNING		(-2)

struct shared {
	size_t next;		/* the next URL to take */
	int stop;		/* no more URLs: a signal, or no device */
	int status[];
};

static struct shared *shared;

static void run_sequential(void)
{
	size_t i;

	for (i = 0; i < opt.nurls && !got_signal && !device_failed; i++) {
		shared->status[i] = RUNNING;
		shared->status[i] = run_one(i);
	}
	close_session();
}

/* A -Z worker: the next URL while there is one; its own session. */
static void __attribute__((noreturn)) worker(void)
{
	size_t i;

	for (;;) {
		if (got_signal || __atomic_load_n(&shared->stop, __ATOMIC_SEQ_CST))
			break;
		i = __atomic_fetch_add(&shared->next, 1, __ATOMIC_SEQ_CST);
		if (i >= opt.nurls)
			break;
		shared->status[i] = RUNNING;
		shared->status[i] = run_one(i);
		if (device_failed)
			__atomic_store_n(&shared->stop, 1, __ATOMIC_SEQ_CST);
	}
	close_session();
	fflush(NULL);
	_exit(got_signal ? EXIT_SIGNAL + got_signal : 0);
}

/*
 * -Z: up to --parallel-max workers, forked with the stop signals blocked so
 * that each is in workers[] (for on_signal to forward to) before a signal
 * can be handled. A worker killed under a download leaves that URL RUNNING.
 */
static void run_parallel(void)
{
	size_t n = opt.parallel_max < opt.nurls ? opt.parallel_max : opt.nurls, i;
	size_t alive = 0;
	int wstatus;
	pid_t pid;

	fflush(NULL);
	for (i = 0; i < n; i++) {
		block_stop_signals(true);
		if (got_signal) {
			block_stop_signals(false);
			break;
		}
		pid = fork();
		if (pid == 0) {
			size_t k;

			in_worker = true;
			for (k = 0; k < PARALLEL_MAX; k++)
				workers[k] = 0;
			block_stop_signals(false);
			worker();
		}
		if (pid < 0) {
			say("cannot start a worker process: %s", strerror(errno));
			block_stop_signals(false);
			break;
		}
		workers[i] = pid;
		alive++;
		block_stop_signals(false);
	}
	if (!alive) {
		/* Not even one worker: do the work here. */
		run_sequential();
		return;
	}
	while (alive) {
		pid = waitpid(-1, &wstatus, 0);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 0; i < PARALLEL_MAX; i++)
			if (workers[i] == pid) {
				workers[i] = 0;
				alive--;
			}
	}
}

/* Count, report, and pick the exit status: that of the first failure. */
static int summarize(void)
{
	size_t i, done = 0;
	int status = EXIT_OK;

	for (i = 0; i < opt.nurls; i++) {
		int s = shared->status[i];

		if (s == EXIT_OK) {
			done++;
			continue;
		}
		if (s == RUNNING) {
			if (!got_signal) {
				char *shown = shown_url(opt.urls[i]);

				msg_prefix = opt.nurls > 1 ? shown : NULL;
				say("the download did not finish (its worker process died)");
				free(shown);
			}
			msg_prefix = NULL;
			s = got_signal ? EXIT_SIGNAL + got_signal : EXIT_OTHER;
		} else if (s == NOT_RUN) {
			s = got_signal ? EXIT_SIGNAL + got_signal :
			    device_failed || shared->stop ? EXIT_DEVICE : EXIT_OTHER;
		}
		if (status == EXIT_OK)
			status = s;
	}
	if (opt.nurls > 1 && !opt.quiet)
		note("%zu of %zu files downloaded", done, opt.nurls);
	return status;
}

/*
 * At exit, however we got there (die() too): wipe the copies of the
 * passwords, the URLs' and -u's, netrc's and the session's.
 */
static void wipe_secrets(void)
{
	size_t i;

	for (i = 0; i < opt.nurls; i++) {
		explicit_bzero(opt.urls[i], strlen(opt.urls[i]));
		free(opt.urls[i]);
	}
	free(opt.urls);
	opt.urls = NULL;
	opt.nurls = 0;
	if (opt.login) {
		explicit_bzero(opt.login, strlen(opt.login));
		free(opt.login);
		opt.login = NULL;
	}
	netrc_free(&netrc);
	explicit_bzero(session.pass, sizeof(session.pass));
}

int main(int argc, char **argv)
{
	size_t size;
	size_t i;

	/*
	 * Passwords are in this process: no core file, no ptrace by the
	 * user (should kftp-get ever run as one), before any is read.
	 */
	prctl(PR_SET_DUMPABLE, 0);
	opt.output_dir_fd = AT_FDCWD;
	if (atexit(wipe_secrets))
		die(EXIT_OTHER, "out of memory");
	parse_options(argc, argv);
	/* Once for the run: every file of it lands in that very directory. */
	if (opt.output_dir) {
		int fd = destdir_open(AT_FDCWD, opt.output_dir);

		if (fd < 0)
			die(EXIT_LOCAL, "cannot use the output directory '%s': %s",
			    opt.output_dir, strerror(-fd));
		opt.output_dir_fd = fd;
	}
	if (opt.netrc_file)
		netrc_load(&netrc, opt.netrc_file, true);
	else if (opt.netrc) {
		const char *home = getenv("HOME");
		char path[PATH_MAX];

		if (!home || !*home)
			die(EXIT_USAGE, "-n: $HOME is not set");
		if (snprintf(path, sizeof(path), "%s/.netrc", home) >= (int)sizeof(path))
			die(EXIT_USAGE, "-n: $HOME is too long");
		netrc_load(&netrc, path, false);
	}
	size = sizeof(*shared) + opt.nurls * sizeof(shared->status[0]);
	shared = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		      -1, 0);
	if (shared == MAP_FAILED)
		die(EXIT_OTHER, "out of memory");
	for (i = 0; i < opt.nurls; i++)
		shared->status[i] = NOT_RUN;
	null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	install_signal_handlers();
	if (opt.parallel && opt.parallel_max > 1 && opt.nurls > 1)
		run_parallel();
	else
		run_sequential();
	if (got_signal && !said_interrupted)
		say("interrupted");
	return finish(summarize());
}
