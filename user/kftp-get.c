// SPDX-License-Identifier: GPL-2.0
/*
 * kftp-get: download one file over FTP through the kftp kernel module.
 *
 * The kernel does the FTP work. This tool parses the command line and the
 * URL, resolves the host, and owns the file: it creates the data file
 * unnamed (O_TMPFILE, mode 0600) in the destination's directory, hands the
 * kernel its descriptor (KFTP_GET_F_DEST_FD), and only when the transfer is
 * complete gives it its final owner, group and mode, fsyncs it, links it in
 * under a temporary name and renames that onto the destination. A failed,
 * interrupted or killed download therefore never clobbers an existing file
 * and leaves nothing behind. Where the filesystem has no O_TMPFILE, the data
 * file is a named temporary file .NAME.kftp-XXXXXX (O_EXCL, mode 0600)
 * instead, removed on failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <netdb.h>
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
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <linux/kftp.h>

#include "progress.h"

#ifndef KFTP_VERSION
#define KFTP_VERSION "unknown"	/* the build passes ../VERSION */
#endif

#define PROG			"kftp-get"
#define FTP_DEFAULT_PORT	21
#define TEMP_TRIES		8	/* fresh names to try on EEXIST */
#define TEMP_TAG		".kftp-"
#define TEMP_RANDOM_LEN		6
/* What the temporary name adds to the base name: ".", TEMP_TAG, random */
#define TEMP_OVERHEAD		(1 + (int)sizeof(TEMP_TAG) - 1 + TEMP_RANDOM_LEN)

_Static_assert(sizeof(struct kftp_get_args) >= KFTP_GET_ARGS_SIZE_VER0,
	       "struct kftp_get_args smaller than its first version");

/* The exit status contract; the -h text lists the same table. */
enum exit_status {
	EXIT_OK		= 0,
	EXIT_OTHER	= 1,
	EXIT_USAGE	= 2,
	EXIT_DEVICE	= 3,
	EXIT_CONNECT	= 4,
	EXIT_LOGIN	= 5,
	EXIT_NOFILE	= 6,
	EXIT_LOCAL	= 7,
	EXIT_PROTO	= 8,
	EXIT_TIMEOUT	= 9,
	EXIT_SIGNAL	= 128,	/* plus the signal number */
};

struct ftp_url {
	char host[NI_MAXHOST];
	bool bracketed;		/* [v6] literal: no name lookup */
	uint16_t port;
	bool has_pass;
	char user[KFTP_USER_MAX];
	char pass[KFTP_PASSWORD_MAX];
	char path[KFTP_REMOTE_PATH_MAX];	/* decoded, leading '/' dropped */
};

struct options {
	const char *url;
	const char *output;	/* -o */
	const char *login;	/* -u USER[:PASS] */
	bool quiet;
	bool keep_partial;
	uint32_t connect_ms;
	uint32_t timeout_ms;	/* reply, accept and stall; 0: defaults */
	int progress;		/* the bar: 1 forced, 0 off, -1 on a terminal */
};

struct job {
	struct options opt;
	struct ftp_url url;
	char user[KFTP_USER_MAX];
	char pass[KFTP_PASSWORD_MAX];
	const char *dest;
	char dir[KFTP_LOCAL_PATH_MAX];	/* the destination's directory */
	char temp[KFTP_LOCAL_PATH_MAX];
	bool temp_ours;		/* temp may exist and is ours to remove */
	int data_fd;		/* the data file, -1 if none */
	bool unnamed;		/* data_fd is an O_TMPFILE, not temp */
	bool has_old;		/* the destination exists: keep its attributes */
	struct stat old;
	char where[2 * NI_MAXHOST + 32];	/* "host (addr) port N" */
	bool local_failed;	/* create_data() failed, already reported */
	int err;		/* errno of the failed ioctl */
	struct kftp_get_args args;
};

static volatile sig_atomic_t got_signal;
/*
 * /dev/kftp's descriptor and one of /dev/null: the signal handler dup2()s
 * the second over the first, so that an ioctl that has not started yet
 * fails at once (ENOTTY) instead of running a whole transfer that the user
 * already asked to stop. That closes the race between the last check of
 * got_signal and the ioctl without blocking signals across the ioctl.
 */
static volatile int dev_fd = -1;
static int null_fd = -1;

/* ---- messages ---------------------------------------------------------- */

static void vsay(const char *fmt, va_list ap)
{
	fputs(PROG ": ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static void __attribute__((format(printf, 1, 2)))
say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
}

/* Only for failures before any temporary file exists. */
static void __attribute__((noreturn, format(printf, 2, 3)))
die(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
	if (status == EXIT_USAGE)
		fputs("Try '" PROG " --help' for more information.\n", stderr);
	exit(status);
}

static void usage(void)
{
	printf("Usage: " PROG " [options] ftp://[user[:password]@]host[:port]/path\n"
	       "\n"
	       "Download one file over FTP (active mode, binary) through the kftp\n"
	       "kernel module (" KFTP_DEVICE_PATH ", root only). Nothing is printed on stdout.\n"
	       "\n"
	       "Options:\n"
	       "  -o, --output FILE        write to FILE (default: the remote file's name,\n"
	       "                           in the current directory)\n"
	       "  -u, --user USER[:PASS]   log in as USER, overriding the URL; without :PASS\n"
	       "                           the password comes from $KFTP_PASSWORD\n"
	       "  -q, --quiet              print nothing on success\n"
	       "      --progress-bar       show the progress bar even when stderr is not a\n"
	       "                           terminal, or with -q\n"
	       "      --no-progress-meter  no progress bar (shown by default on a terminal)\n"
	       "      --connect-timeout S  give up connecting after S seconds (default %u)\n"
	       "      --timeout S          wait at most S seconds for each server reply, for\n"
	       "                           the data connection and between data bytes\n"
	       "                           (defaults %u, %u and %u)\n"
	       "      --keep-partial       on failure, keep the bytes received as FILE\n"
	       "  -h, --help               show this help and exit\n"
	       "  -V, --version            show the version and exit\n"
	       "  S may have decimals: 0 < S <= %u.\n",
	       KFTP_CONNECT_TIMEOUT_DEFAULT_MS / 1000,
	       KFTP_REPLY_TIMEOUT_DEFAULT_MS / 1000,
	       KFTP_ACCEPT_TIMEOUT_DEFAULT_MS / 1000,
	       KFTP_STALL_TIMEOUT_DEFAULT_MS / 1000,
	       KFTP_TIMEOUT_MAX_MS / 1000);
	printf("\n"
	       "URL:\n"
	       "  user, password and path are percent-decoded (%%40 '@', %%3A ':', %%2F '/').\n"
	       "  Without a user the login is anonymous ($KFTP_PASSWORD is not used); a\n"
	       "  user without a password takes $KFTP_PASSWORD. host is a name, an IPv4\n"
	       "  address or an IPv6 address in brackets ([fe80::1%%25eth0]); port defaults\n"
	       "  to %d. The leading '/' of path is dropped: ftp://h/a/b fetches a/b from\n"
	       "  the login directory, ftp://h/%%2Fetc/x fetches /etc/x. path may not be\n"
	       "  empty or end in '/'.\n"
	       "\n"
	       "Files:\n"
	       "  Data goes to an unnamed file (O_TMPFILE, mode 0600) in FILE's directory,\n"
	       "  or where the filesystem cannot, to .NAME" TEMP_TAG "XXXXXX beside FILE. Only\n"
	       "  a complete transfer is renamed onto FILE, with the old FILE's owner,\n"
	       "  group and mode (a new FILE: 0666 less the umask); a failed one leaves\n"
	       "  nothing. An existing FILE must be a regular file, not a symbolic link,\n"
	       "  a directory or a device.\n"
	       "  A password in the URL or in -u is hidden from ps once " PROG " starts;\n"
	       "  $KFTP_PASSWORD never shows.\n",
	       FTP_DEFAULT_PORT);
	printf("\n"
	       "Exit status:\n"
	       "  0    success\n"
	       "  1    other error\n"
	       "  2    usage error or invalid argument, including a request the kernel\n"
	       "       refused as invalid (e.g. CR or LF in the user, password or path)\n"
	       "  3    cannot open " KFTP_DEVICE_PATH " (module not loaded, or not root), or\n"
	       "       the kernel said the operation is not permitted\n"
	       "  4    connection failed (name resolution, refused, unreachable, connect\n"
	       "       timeout)\n"
	       "  5    login refused\n"
	       "  6    remote file missing or not readable\n"
	       "  7    local file error (create, write, no space, FILE is a symlink or a\n"
	       "       directory, missing directory, rename)\n"
	       "  8    protocol error (error reply, malformed reply, incomplete transfer,\n"
	       "       connection reset)\n"
	       "  9    timed out after connecting (greeting, reply, data connection, stall)\n"
	       "  128+N  interrupted by signal N (129 SIGHUP, 130 SIGINT, 143 SIGTERM)\n");
}

/* ---- command line ------------------------------------------------------- */

/*
 * Decimal seconds to milliseconds, exactly (no floating point), rounding a
 * sub-millisecond remainder up so that "0.0001" still means "a little".
 */
static uint32_t parse_seconds(const char *opt, const char *s)
{
	uint64_t ms = 0;
	int frac = 0;
	bool digits = false, round_up = false;
	const char *p;

	for (p = s; *p >= '0' && *p <= '9'; p++) {
		ms = ms * 10 + (uint64_t)(*p - '0');
		if (ms > KFTP_TIMEOUT_MAX_MS)
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
	if (ms == 0 || ms > KFTP_TIMEOUT_MAX_MS)
		goto bad;
	return (uint32_t)ms;
bad:
	die(EXIT_USAGE, "%s: '%s' is not a number of seconds in (0, %u]",
	    opt, s, KFTP_TIMEOUT_MAX_MS / 1000);
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

enum { OPT_CONNECT_TIMEOUT = 256, OPT_TIMEOUT, OPT_KEEP_PARTIAL,
       OPT_PROGRESS_BAR, OPT_NO_PROGRESS_METER };

static const struct option long_options[] = {
	{ "output",		required_argument, NULL, 'o' },
	{ "user",		required_argument, NULL, 'u' },
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

static void parse_options(struct options *opt, int argc, char **argv)
{
	int c;

	opterr = 0;	/* our own messages, without argv[0]'s path */
	opt->progress = -1;
	while ((c = getopt_long(argc, argv, ":o:u:qhV", long_options, NULL)) != -1) {
		switch (c) {
		case 'o':
			opt->output = optarg;
			break;
		case 'u':
			/* Only the last -u counts: hide an earlier one's password now. */
			if (opt->login)
				scrub_login((char *)opt->login);
			opt->login = optarg;
			break;
		case 'q':
			opt->quiet = true;
			break;
		case 'h':
			usage();
			exit(EXIT_OK);
		case 'V':
			printf(PROG " " KFTP_VERSION "\n");
			exit(EXIT_OK);
		case OPT_CONNECT_TIMEOUT:
			opt->connect_ms = parse_seconds("--connect-timeout", optarg);
			break;
		case OPT_TIMEOUT:
			opt->timeout_ms = parse_seconds("--timeout", optarg);
			break;
		case OPT_KEEP_PARTIAL:
			opt->keep_partial = true;
			break;
		case OPT_PROGRESS_BAR:
			opt->progress = 1;
			break;
		case OPT_NO_PROGRESS_METER:
			opt->progress = 0;
			break;
		case ':':
			die(EXIT_USAGE, "option '%s' needs an argument", argv[optind - 1]);
		default:	/* optopt is 0 for an unknown long option */
			if (optopt)
				die(EXIT_USAGE, "unknown option '-%c'", optopt);
			die(EXIT_USAGE, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		die(EXIT_USAGE, optind == argc ? "missing URL" : "expected exactly one URL");
	opt->url = argv[optind];
}

/* ---- URL ---------------------------------------------------------------- */

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decode %XX escapes of src[0..len) into dst. %00 is refused: the kernel
 * takes C strings, so an embedded NUL would silently shorten the field.
 */
static void pct_decode(const char *what, const char *src, size_t len,
		       char *dst, size_t size)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		char c = src[i];

		if (c == '%') {
			int hi = i + 2 < len ? hex_value(src[i + 1]) : -1;
			int lo = hi >= 0 ? hex_value(src[i + 2]) : -1;

			if (lo < 0 || (hi | lo) == 0)
				die(EXIT_USAGE, "bad %%-escape in the URL's %s", what);
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		if (n + 1 >= size)
			die(EXIT_USAGE, "the URL's %s is too long (at most %zu bytes)",
			    what, size - 1);
		dst[n++] = c;
	}
	dst[n] = '\0';
}

/* "user[:password]" */
static void parse_userinfo(const char *s, size_t len, struct ftp_url *url)
{
	const char *colon = memchr(s, ':', len);
	size_t ulen = colon ? (size_t)(colon - s) : len;

	pct_decode("user", s, ulen, url->user, sizeof(url->user));
	if (colon) {
		url->has_pass = true;
		pct_decode("password", colon + 1, len - ulen - 1,
			   url->pass, sizeof(url->pass));
	}
}

static uint16_t parse_port(const char *s, size_t len)
{
	unsigned long port = 0;
	size_t i;

	if (len == 0)	/* "host:" is allowed by RFC 3986 */
		return FTP_DEFAULT_PORT;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			break;
		port = port * 10 + (unsigned long)(s[i] - '0');
		if (port > 65535)
			break;
	}
	if (i < len)
		die(EXIT_USAGE, "bad port '%.*s' in the URL", (int)len, s);
	if (port == 0)
		die(EXIT_USAGE, "bad port 0 in the URL");
	return (uint16_t)port;
}

static void copy_host(struct ftp_url *url, const char *s, size_t len)
{
	if (len == 0)
		die(EXIT_USAGE, "the URL has no host");
	if (len >= sizeof(url->host))
		die(EXIT_USAGE, "the URL's host is too long");
	memcpy(url->host, s, len);
	url->host[len] = '\0';
}

/* "host[:port]" or "[v6addr[%25zone]][:port]" */
static void parse_hostport(const char *s, size_t len, struct ftp_url *url)
{
	const char *end = s + len, *colon;
	char *zone;

	url->port = FTP_DEFAULT_PORT;
	if (len && *s == '[') {
		const char *close = memchr(s, ']', len);

		if (!close)
			die(EXIT_USAGE, "missing ']' after the IPv6 address in the URL");
		if (close + 1 < end && close[1] != ':')
			die(EXIT_USAGE, "junk after ']' in the URL");
		copy_host(url, s + 1, (size_t)(close - s - 1));
		url->bracketed = true;
		/* RFC 6874 writes the zone separator '%' as "%25" */
		zone = strstr(url->host, "%25");
		if (zone)
			memmove(zone + 1, zone + 3, strlen(zone + 3) + 1);
		if (close + 1 < end)
			url->port = parse_port(close + 2, (size_t)(end - close - 2));
		return;
	}
	colon = memchr(s, ':', len);
	if (colon && memchr(colon + 1, ':', (size_t)(end - colon - 1)))
		die(EXIT_USAGE, "an IPv6 address in a URL must be in brackets");
	copy_host(url, s, colon ? (size_t)(colon - s) : len);
	if (colon)
		url->port = parse_port(colon + 1, (size_t)(end - colon - 1));
}

static void parse_url(const char *str, struct ftp_url *url)
{
	const char *sep = strstr(str, "://");
	const char *auth, *slash, *at;
	size_t alen;

	if (!sep)
		die(EXIT_USAGE, "'%s' is not an ftp:// URL", str);
	if (sep - str != 3 || strncasecmp(str, "ftp", 3))
		die(EXIT_USAGE, "unsupported URL scheme '%.*s' (only ftp:// is)",
		    (int)(sep - str), str);
	auth = sep + 3;
	slash = strchr(auth, '/');
	alen = slash ? (size_t)(slash - auth) : strlen(auth);

	/* The last '@': a careless password may hold an unescaped one. */
	at = memrchr(auth, '@', alen);
	if (at) {
		parse_userinfo(auth, (size_t)(at - auth), url);
		alen -= (size_t)(at + 1 - auth);
		auth = at + 1;
	}
	parse_hostport(auth, alen, url);

	if (slash)
		pct_decode("path", slash + 1, strlen(slash + 1),
			   url->path, sizeof(url->path));
	if (!url->path[0] || url->path[strlen(url->path) - 1] == '/')
		die(EXIT_USAGE, "the URL must name a file, not '%s'",
		    url->path[0] ? url->path : "/");
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

/*
 * -u beats the URL; a user without a password may take $KFTP_PASSWORD.
 * An empty user means an anonymous login. Its password is the one given
 * explicitly (-u :PASS, ftp://:PASS@host/, sent as the anonymous "e-mail
 * address"), or else the kernel's default: $KFTP_PASSWORD is the secret of
 * a named account and is never sent to an anonymous server, as curl sends
 * no password of its own choosing for an anonymous login.
 */
static void pick_credentials(struct job *job)
{
	const char *login = job->opt.login, *env, *colon;
	bool has_pass = job->url.has_pass;

	memset(job->pass, 0, sizeof(job->pass));
	if (login) {
		colon = strchr(login, ':');
		has_pass = colon != NULL;
		copy_field("user", job->user, sizeof(job->user), login,
			   colon ? (size_t)(colon - login) : strlen(login));
		if (colon)
			copy_field("password", job->pass, sizeof(job->pass),
				   colon + 1, strlen(colon + 1));
	} else {
		memcpy(job->user, job->url.user, sizeof(job->user));
		memcpy(job->pass, job->url.pass, sizeof(job->pass));
	}
	env = getenv("KFTP_PASSWORD");
	if (!has_pass && job->user[0] && env)
		copy_field("password in KFTP_PASSWORD", job->pass,
			   sizeof(job->pass), env, strlen(env));
}

/*
 * Hide the password of -u USER:PASS and of the URL from ps and
 * /proc/PID/cmdline, as curl does: the argument strings are the memory
 * that the kernel shows, so overwrite them. Until this runs (a few
 * microseconds after exec) they are visible: $KFTP_PASSWORD never is.
 */
static void scrub_argv(struct options *opt)
{
	char *login = (char *)opt->login, *url = (char *)opt->url;
	char *sep, *auth, *slash, *at, *colon;
	size_t alen;

	if (login)
		scrub_login(login);
	sep = strstr(url, "://");
	if (!sep)
		return;
	auth = sep + 3;
	slash = strchr(auth, '/');
	alen = slash ? (size_t)(slash - auth) : strlen(auth);
	at = memrchr(auth, '@', alen);
	if (!at)
		return;
	colon = memchr(auth, ':', (size_t)(at - auth));
	if (colon)
		scrub(colon + 1, (size_t)(at - colon - 1));
}

/*
 * "dir/.name.kftp-XXXXXX". The base name is cut so the temporary name stays
 * within NAME_MAX even when the destination's own name is that long.
 */
static int build_temp(char *buf, size_t size, const char *dest, const char *rnd)
{
	const char *slash = strrchr(dest, '/');
	int dirlen = slash ? (int)(slash - dest + 1) : 0;
	int baselen = (int)strlen(dest + dirlen);
	int n;

	if (baselen > NAME_MAX - TEMP_OVERHEAD)
		baselen = NAME_MAX - TEMP_OVERHEAD;
	n = snprintf(buf, size, "%.*s.%.*s" TEMP_TAG "%s",
		     dirlen, dest, baselen, dest + dirlen, rnd);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

static void pick_destination(struct job *job)
{
	const char *base;

	if (job->opt.output) {
		job->dest = job->opt.output;
		if (!*job->dest)
			die(EXIT_USAGE, "-o needs a file name");
	} else {
		base = strrchr(job->url.path, '/');
		job->dest = base ? base + 1 : job->url.path;
		if (!strcmp(job->dest, ".") || !strcmp(job->dest, ".."))
			die(EXIT_USAGE, "cannot name a local file after '%s'; use -o",
			    job->url.path);
	}
	if (strlen(job->dest) >= KFTP_LOCAL_PATH_MAX ||
	    build_temp(job->temp, sizeof(job->temp), job->dest, "XXXXXX"))
		die(EXIT_USAGE, "the destination path is too long");
	base = strrchr(job->dest, '/');
	if (!base)
		strcpy(job->dir, ".");
	else if (base == job->dest)
		strcpy(job->dir, "/");
	else
		snprintf(job->dir, sizeof(job->dir), "%.*s",
			 (int)(base - job->dest), job->dest);
}

/*
 * Refuse early what rename() would otherwise do behind the user's back, and
 * remember an existing destination's owner, group and mode.
 */
static void check_destination(struct job *job)
{
	const char *dest = job->dest;
	struct stat st;

	if (dest[strlen(dest) - 1] == '/')
		die(EXIT_LOCAL, "cannot write '%s': %s", dest, strerror(EISDIR));
	if (lstat(dest, &st)) {
		if (errno != ENOENT)
			die(EXIT_LOCAL, "cannot write '%s': %s", dest, strerror(errno));
		return;	/* a missing directory is the kernel's to report */
	}
	if (S_ISLNK(st.st_mode))
		die(EXIT_LOCAL, "refusing to write through symlink '%s': %s",
		    dest, strerror(ELOOP));
	if (S_ISDIR(st.st_mode))
		die(EXIT_LOCAL, "cannot write '%s': %s", dest, strerror(EISDIR));
	/* rename() would replace a device node or FIFO, e.g. /dev/null */
	if (!S_ISREG(st.st_mode))
		die(EXIT_LOCAL, "refusing to replace '%s': not a regular file", dest);
	job->has_old = true;
	job->old = st;
}

/* ---- temporary file ----------------------------------------------------- */

static void fill_random(unsigned char *buf, size_t len)
{
	static unsigned long counter;
	unsigned long x;
	struct timespec ts;
	ssize_t n;
	size_t i;
	int fd;

	if (getrandom(buf, len, GRND_NONBLOCK) == (ssize_t)len)
		return;
	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, len);
		close(fd);
		if (n == (ssize_t)len)
			return;
	}
	/* Unpredictability is nice, not needed: O_EXCL guards against clashes. */
	clock_gettime(CLOCK_REALTIME, &ts);
	x = (unsigned long)ts.tv_nsec ^ (unsigned long)getpid() << 20 ^ ++counter;
	for (i = 0; i < len; i++) {
		x ^= x << 13;	/* xorshift */
		x ^= x >> 7;
		x ^= x << 17;
		buf[i] = (unsigned char)x;
	}
}

static void new_temp_name(struct job *job)
{
	static const char set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char rnd[TEMP_RANDOM_LEN];
	char suffix[TEMP_RANDOM_LEN + 1];
	size_t i;

	fill_random(rnd, sizeof(rnd));
	for (i = 0; i < sizeof(rnd); i++)
		suffix[i] = set[rnd[i] % (sizeof(set) - 1)];
	suffix[TEMP_RANDOM_LEN] = '\0';
	/* Same length as the name checked in pick_destination(): fits. */
	build_temp(job->temp, sizeof(job->temp), job->dest, suffix);
}

/*
 * Give the data file its final owner, group and mode: those of the file it
 * replaces, else 0666 less the umask, as a new file would get.
 */
static void set_attributes(struct job *job)
{
	mode_t mode, mask;

	if (job->has_old) {
		if (fchown(job->data_fd, job->old.st_uid, job->old.st_gid))
			say("cannot give '%s' the owner %u:%u of the old file: %s",
			    job->dest, (unsigned int)job->old.st_uid,
			    (unsigned int)job->old.st_gid, strerror(errno));
		mode = job->old.st_mode & 07777;
	} else {
		mask = umask(0);
		umask(mask);
		mode = 0666 & ~mask;
	}
	/* After fchown(), which may clear set-user-ID and set-group-ID. */
	if (fchmod(job->data_fd, mode))
		say("cannot set the mode of '%s' to %04o: %s", job->dest,
		    (unsigned int)mode, strerror(errno));
}

/* Link the unnamed data file in as job->temp, a fresh name. */
static int link_temp(struct job *job)
{
	char proc[64];
	int tries;

	for (tries = 0; tries < TEMP_TRIES; tries++) {
		new_temp_name(job);
		/* AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH; /proc does not. */
		if (!linkat(job->data_fd, "", AT_FDCWD, job->temp, AT_EMPTY_PATH))
			break;
		if (errno == EEXIST)
			continue;
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", job->data_fd);
		if (!linkat(AT_FDCWD, proc, AT_FDCWD, job->temp, AT_SYMLINK_FOLLOW))
			break;
		if (errno != EEXIST)
			return -1;
	}
	if (tries == TEMP_TRIES) {
		errno = EEXIST;
		return -1;
	}
	job->temp_ours = true;
	return 0;
}

/* Make the data file durable and put it in place as the destination. */
static int commit(struct job *job, const char *what)
{
	int dfd;

	set_attributes(job);
	if (fsync(job->data_fd)) {
		say("cannot write '%s': %s", job->dest, strerror(errno));
		return -1;
	}
	if (job->unnamed && link_temp(job)) {
		say("cannot %s '%s': %s", what, job->dest, strerror(errno));
		return -1;
	}
	if (rename(job->temp, job->dest)) {
		say("cannot rename '%s' to '%s': %s", job->temp, job->dest, strerror(errno));
		return -1;
	}
	job->temp_ours = false;
	/* The new name itself survives a crash only once the directory is synced. */
	dfd = open(job->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

static void close_data(struct job *job)
{
	if (job->data_fd >= 0)
		close(job->data_fd);
	job->data_fd = -1;
}

/*
 * On failure: remove our temporary file, or with --keep-partial keep its
 * bytes. An unnamed file vanishes with its descriptor.
 */
static void discard_temp(struct job *job)
{
	struct stat st;

	if (job->data_fd >= 0 && job->opt.keep_partial &&
	    !fstat(job->data_fd, &st) && st.st_size > 0) {
		job->opt.keep_partial = false;
		if (!commit(job, "keep the partial file as")) {
			if (!job->opt.quiet)
				say("kept partial file '%s' (%lld bytes)",
				    job->dest, (long long)st.st_size);
			close_data(job);
			return;
		}
	}
	close_data(job);
	if (!job->temp_ours)
		return;
	job->temp_ours = false;
	if (unlink(job->temp) && errno != ENOENT)
		say("cannot remove '%s': %s", job->temp, strerror(errno));
}

/*
 * The data file, mode 0600 while the download runs: unnamed in the
 * destination's directory where the filesystem can (O_TMPFILE), else a
 * fresh .NAME.kftp-XXXXXX beside the destination, never an existing name
 * nor a symlink (O_EXCL). 0 or an errno.
 */
static int create_data(struct job *job)
{
	int fd, tries;

	fd = open(job->dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	if (fd >= 0) {
		job->data_fd = fd;
		job->unnamed = true;
		return 0;
	}
	/* open(2): the filesystem or the kernel has no O_TMPFILE */
	if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
		return errno;
	job->unnamed = false;
	for (tries = 0; tries < TEMP_TRIES; tries++) {
		new_temp_name(job);
		fd = open(job->temp, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW |
			  O_CLOEXEC, 0600);
		if (fd >= 0) {
			job->data_fd = fd;
			job->temp_ours = true;
			return 0;
		}
		if (errno != EEXIST)
			return errno;
	}
	return EEXIST;
}

/* ---- failure reporting -------------------------------------------------- */

static const struct {
	const char *timeout;	/* the step ran out of time */
	const char *other;	/* any other failure */
} step_texts[] = {
	[KFTP_STEP_GREETING]	= { "timed out waiting for the server's greeting",
				    "no usable greeting from the server" },
	[KFTP_STEP_LOGIN]	= { "timed out logging in", "login failed" },
	[KFTP_STEP_TYPE]	= { "timed out setting binary mode",
				    "the server refused binary mode (TYPE I)" },
	[KFTP_STEP_SIZE]	= { "timed out asking for the file size",
				    "the server refused SIZE" },
	[KFTP_STEP_LISTEN]	= { "timed out opening a local data port",
				    "cannot open a local data port" },
	[KFTP_STEP_PORT]	= { "timed out announcing the data port",
				    "the server refused the data port (PORT/EPRT)" },
	[KFTP_STEP_RETR]	= { "timed out waiting for the download to start",
				    "the server refused the download (RETR)" },
	[KFTP_STEP_ACCEPT]	= { "timed out waiting for the server's data connection",
				    "the data connection failed" },
	[KFTP_STEP_DATA]	= { "the data transfer stalled",
				    "the data transfer failed" },
	[KFTP_STEP_COMPLETE]	= { "timed out waiting for the end of the transfer",
				    "the transfer did not complete" },
};

static bool is_local_errno(int err)
{
	switch (err) {
	case EACCES: case EDQUOT: case EEXIST: case EFBIG: case EISDIR:
	case ELOOP: case ENAMETOOLONG: case ENOENT: case ENOSPC: case ENOTDIR:
	case EROFS: case ETXTBSY:
		return true;
	}
	return false;
}

/* Failures the kernel reports before it reaches any FTP step. */
static const char *early_text(int err)
{
	switch (err) {
	case EPERM:
		return "the kernel refused the request (are you root?)";
	case E2BIG:
		return "the kftp module is older than this " PROG;
	case ENOTTY:
		return KFTP_DEVICE_PATH " does not know this request (version mismatch?)";
	default:
		return "the request failed";
	}
}

static const char *step_text(const struct job *job, char *buf, size_t size)
{
	unsigned int step = job->args.result.failed_step;
	int err = job->err;

	switch (step) {
	case KFTP_STEP_NONE:
		if (!is_local_errno(err))
			return early_text(err);
		/* fall through */
	case KFTP_STEP_LOCAL_FILE:
		snprintf(buf, size, "cannot write '%s'", job->dest);
		return buf;
	case KFTP_STEP_CONNECT:
		snprintf(buf, size, "%s %s", err == ETIMEDOUT ?
			 "timed out connecting to" : "cannot connect to", job->where);
		return buf;
	case KFTP_STEP_LOGIN:
		if (err == EACCES)
			return "login refused";
		break;
	case KFTP_STEP_SIZE:
	case KFTP_STEP_RETR:
		if (err == ENOENT)
			return "remote file missing";
		break;
	}
	if (step >= sizeof(step_texts) / sizeof(step_texts[0]) || !step_texts[step].other) {
		snprintf(buf, size, "the transfer failed at step %u", step);
		return buf;
	}
	return err == ETIMEDOUT ? step_texts[step].timeout : step_texts[step].other;
}

static int exit_status(int err, unsigned int step)
{
	/* The local file's own errors (EPERM, EINVAL too) come first. */
	if (step == KFTP_STEP_LOCAL_FILE)
		return EXIT_LOCAL;
	if (err == EINVAL)
		return EXIT_USAGE;
	if (err == EPERM)
		return EXIT_DEVICE;
	if (step == KFTP_STEP_NONE && is_local_errno(err))
		return EXIT_LOCAL;
	if (step == KFTP_STEP_CONNECT)
		return EXIT_CONNECT;
	switch (err) {
	case ETIMEDOUT:
		return EXIT_TIMEOUT;
	case EACCES:
		return step == KFTP_STEP_LOGIN ? EXIT_LOGIN : EXIT_PROTO;
	case ENOENT:
		return EXIT_NOFILE;
	case ECONNREFUSED: case EHOSTUNREACH: case ENETUNREACH: case ENETDOWN:
		return step == KFTP_STEP_NONE ? EXIT_CONNECT : EXIT_PROTO;
	case ECONNRESET: case ECONNABORTED: case EBADMSG: case EPROTO: case EPIPE:
		return EXIT_PROTO;
	}
	return EXIT_OTHER;
}

/* The kernel may or may not repeat the code in the text; show it once. */
static void show_server_reply(const struct kftp_get_result *res)
{
	char code[4];
	const char *text = res->reply_text;
	size_t len = strnlen(text, sizeof(res->reply_text));

	if (!res->reply_code)
		return;
	while (len && text[len - 1] == ' ')
		len--;
	snprintf(code, sizeof(code), "%03u", res->reply_code % 1000);
	if (!strncmp(text, code, 3) && (len == 3 || text[3] == ' ' || text[3] == '-'))
		say("server said: %.*s", (int)len, text);
	else
		say("server said: %s %.*s", code, (int)len, text);
}

static void report_failure(const struct job *job)
{
	char buf[sizeof(job->where) + KFTP_LOCAL_PATH_MAX];

	/* After validation (a step is named), EINVAL is connect's or bind's. */
	if (job->err == EINVAL && job->args.result.failed_step == KFTP_STEP_NONE)
		say("the kernel refused the request as invalid (CR, LF or bad field?)");
	else if (job->err == EINVAL && job->args.family == AF_INET6 &&
		 !job->args.scope_id && job->args.addr[0] == 0xfe &&
		 (job->args.addr[1] & 0xc0) == 0x80)
		say("%s: %s (a link-local address needs a zone: [fe80::1%%25eth0])",
		    step_text(job, buf, sizeof(buf)), strerror(job->err));
	else
		say("%s: %s", step_text(job, buf, sizeof(buf)), strerror(job->err));
	show_server_reply(&job->args.result);
}

/* ---- transfer ----------------------------------------------------------- */

static void on_signal(int sig)
{
	int saved = errno;

	got_signal = sig;
	/* Poison the device: an ioctl not yet started fails at once. */
	if (dev_fd >= 0 && null_fd >= 0)
		dup2(null_fd, dev_fd);
	errno = saved;
}

static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP };

/* No SA_RESTART: the ioctl must come back with EINTR, not start over. */
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

static int open_device(void)
{
	int fd = open(KFTP_DEVICE_PATH, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		die(EXIT_DEVICE, "cannot open " KFTP_DEVICE_PATH ": %s "
		    "(is the kftp module loaded? are you root?)", strerror(errno));
	return fd;
}

static struct addrinfo *resolve(const struct ftp_url *url)
{
	struct addrinfo hints, *list;
	int ret;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = url->bracketed ? AF_INET6 : AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = url->bracketed ? AI_NUMERICHOST : 0;
	ret = getaddrinfo(url->host, NULL, &hints, &list);
	if (ret)
		die(EXIT_CONNECT, "cannot resolve '%s': %s", url->host,
		    ret == EAI_SYSTEM ? strerror(errno) : gai_strerror(ret));
	return list;
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

static void fill_args(struct job *job, const struct addrinfo *ai)
{
	struct kftp_get_args *a = &job->args;
	uint32_t t = job->opt.timeout_ms;

	memset(a, 0, sizeof(*a));
	a->size = KFTP_GET_ARGS_SIZE_VER1;
	a->flags = KFTP_GET_F_DEST_FD;
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
	a->connect_timeout_ms = job->opt.connect_ms ?: KFTP_CONNECT_TIMEOUT_DEFAULT_MS;
	a->reply_timeout_ms = t ?: KFTP_REPLY_TIMEOUT_DEFAULT_MS;
	a->accept_timeout_ms = t ?: KFTP_ACCEPT_TIMEOUT_DEFAULT_MS;
	a->stall_timeout_ms = t ?: KFTP_STALL_TIMEOUT_DEFAULT_MS;
	/* Same sizes on both sides, NUL-terminated and length-checked. */
	memcpy(a->user, job->user, sizeof(a->user));
	memcpy(a->password, job->pass, sizeof(a->password));
	memcpy(a->remote_path, job->url.path, sizeof(a->remote_path));
}

/* ---- progress bar (issue 10) -------------------------------------------- */

/*
 * The ioctl, with a progress bar on stderr while it runs (progress.c): on a
 * terminal unless -q or --no-progress-meter, always with --progress-bar.
 * The bar's thread follows this transfer's kftp events; without them (no
 * CAP_NET_ADMIN, an older module) there is simply no bar.
 */
static int progress_ioctl(struct job *job)
{
	int p = job->opt.progress;
	bool bar = p == 1 || (p == -1 && !job->opt.quiet && isatty(STDERR_FILENO));
	const char *name = strrchr(job->dest, '/');
	struct progress_watch *w = NULL;
	int ret;

	if (bar)
		w = progress_watch_start(stderr, name ? name + 1 : job->dest,
					 job->args.port, job->args.remote_path);
	ret = ioctl(dev_fd, KFTP_IOC_GET, &job->args);
	job->err = ret ? errno : 0;
	progress_watch_stop(w);
	return ret ? -1 : 0;
}

/*
 * One address: a fresh data file, then the ioctl. A signal that arrives
 * before the ioctl starts has replaced the device with /dev/null (see
 * on_signal), so the ioctl fails at once; one that arrives during it makes
 * the kernel return EINTR.
 */
static int get_from(struct job *job, const struct addrinfo *ai)
{
	int err;

	if (got_signal) {
		job->err = EINTR;
		return -1;
	}
	err = create_data(job);
	if (err) {
		say("cannot write '%s': %s", job->dest, strerror(err));
		job->err = err;
		job->local_failed = true;
		return -1;
	}
	fill_args(job, ai);
	return progress_ioctl(job);
}

static int interrupted(struct job *job)
{
	say("interrupted");
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
	job->opt.keep_partial = false;
	ret = commit(job, "name");
	block_stop_signals(false);
	if (ret) {
		discard_temp(job);
		return EXIT_LOCAL;
	}
	close_data(job);
	if (!job->opt.quiet)
		say("saved '%s' (%llu bytes)", job->dest,
		    (unsigned long long)job->args.result.bytes_written);
	return EXIT_OK;
}

/* Try each address in turn while the failure is only the TCP connect. */
static int fetch(struct job *job, const struct addrinfo *list)
{
	const struct addrinfo *ai = next_usable(list);

	if (!ai)
		die(EXIT_CONNECT, "'%s' has no IPv4 or IPv6 address", job->url.host);
	install_signal_handlers();
	for (;;) {
		describe_address(job, ai);
		if (!get_from(job, ai))
			return succeeded(job);
		if (got_signal || job->err == EINTR)
			return interrupted(job);
		if (job->local_failed)
			return EXIT_LOCAL;
		ai = next_usable(ai->ai_next);
		if (job->args.result.failed_step != KFTP_STEP_CONNECT || !ai)
			return failed(job);
		if (!job->opt.quiet)
			say("cannot connect to %s: %s; trying the next address",
			    job->where, strerror(job->err));
		discard_temp(job);
	}
}

int main(int argc, char **argv)
{
	static struct job job;
	struct addrinfo *list;
	int status;

	job.data_fd = -1;
	parse_options(&job.opt, argc, argv);
	parse_url(job.opt.url, &job.url);
	pick_credentials(&job);
	scrub_argv(&job.opt);
	pick_destination(&job);
	check_destination(&job);
	null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	dev_fd = open_device();
	list = resolve(&job.url);
	status = fetch(&job, list);
	freeaddrinfo(list);
	close(dev_fd);
	return finish(status);
}
