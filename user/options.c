// SPDX-License-Identifier: GPL-2.0
/*
 * kftp-get's command line (see options.h): getopt_long(), the parsers of
 * option arguments, the URLs of argv and of -i files, and the scrubbing
 * of the passwords that argv shows to ps(1).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <linux/kftp.h>

#include "help.h"
#include "msgs.h"
#include "options.h"
#include "url.h"
#include "urlglob.h"

#ifndef KFTP_VERSION
#define KFTP_VERSION "unknown"	/* the build passes ../VERSION */
#endif

/*
 * Decimal seconds to milliseconds, exactly (no floating point), rounding a
 * sub-millisecond remainder up so that "0.0001" still means "a little".
 */
uint32_t parse_seconds(const char *opt_name, const char *s, uint32_t max_ms)
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

/* As parse_seconds(), and 0 (curl's "the default") too. */
static uint32_t parse_seconds0(const char *opt_name, const char *s)
{
	if (s[0] && strspn(s, "0.") == strlen(s) && strspn(s, "0"))
		return 0;
	return parse_seconds(opt_name, s, MAX_TIME_MAX_MS);
}

/* A decimal number, 0..max, with an optional k/M/G suffix when allowed. */
uint64_t parse_bytes(const char *opt_name, const char *s, bool suffix)
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
void scrub_login(char *login)
{
	char *colon = strchr(login, ':');

	if (colon)
		scrub(colon + 1, strlen(colon + 1));
}

/*
 * ftp://user:PASS@host/... -> ftp://user:****@host/..., and likewise for
 * what only looks like a URL (url_password_span()).
 */
void scrub_url(char *url)
{
	size_t start, len = url_password_span(url, &start);

	scrub(url + start, len);
}

char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d)
		die(EXIT_OTHER, "out of memory");
	return d;
}

static void add_url(struct options *opt, const char *url, bool wildcard)
{
	char **v;
	bool *w;

	v = realloc(opt->urls, (opt->nurls + 1) * sizeof(*v));
	if (v)
		opt->urls = v;
	w = realloc(opt->wildcard, (opt->nurls + 1) * sizeof(*w));
	if (w)
		opt->wildcard = w;
	if (!v || !w)
		die(EXIT_OTHER, "out of memory");
	opt->wildcard[opt->nurls] = wildcard;
	opt->nwildcards += wildcard;
	opt->urls[opt->nurls++] = xstrdup(url);
}

static void add_url_cb(void *opt, const char *url)
{
	add_url(opt, url, false);
}

/* A wildcard's directory part, expanded: the pattern goes after each. */
struct wildcard_tail {
	struct options *opt;
	const char *tail;
};

static void add_wildcard_cb(void *arg, const char *dir)
{
	struct wildcard_tail *w = arg;
	size_t size = strlen(dir) + strlen(w->tail) + 1;
	char *url = malloc(size);

	if (!url)
		die(EXIT_OTHER, "out of memory");
	snprintf(url, size, "%s%s", dir, w->tail);
	add_url(w->opt, url, true);
	explicit_bzero(url, size);
	free(url);
}

/*
 * A URL of the command line, its ranges and sets expanded (urlglob.h)
 * unless -g. A list (-i) is taken as it is: what --failed wrote must read
 * back the same.
 */
static void add_cmdline_url(struct options *opt, const char *url)
{
	struct wildcard_tail w = { opt, NULL };
	size_t start = opt->globoff ? 0 : urlglob_pattern_start(url);
	char err[160], *dir;
	int ret;

	if (opt->globoff) {
		add_url(opt, url, false);
		return;
	}
	if (!start) {
		ret = urlglob_expand(url, URLGLOB_MAX, add_url_cb, opt, err, sizeof(err));
	} else {
		/* A pattern's [...] are its own: ranges and sets before it only. */
		dir = xstrdup(url);
		dir[start] = '\0';
		w.tail = url + start;
		ret = urlglob_expand(dir, URLGLOB_MAX, add_wildcard_cb, &w, err, sizeof(err));
		explicit_bzero(dir, start);
		free(dir);
	}
	if (ret) {
		msg_url(shown_url(url));
		die(EXIT_USAGE, "%s (-g takes the URL as it is)", err);
	}
}

/*
 * -i FILE: one URL a line; blank lines and "#" lines skipped. Read with
 * read() into a buffer of our own, not stdio's, so that the copy of the
 * passwords in it can be wiped.
 */
static void read_input_file(struct options *opt, const char *path)
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
			add_url(opt, s, false);
	}
	explicit_bzero(buf, len);
	free(buf);
}

/*
 * -P ADDR[:LOW[-HIGH]]: ADDR an IP literal ([v6] with a port range), '-' or
 * empty for the control connection's local address.
 */
void parse_ftp_port(struct options *opt, const char *s)
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
	memset(opt->data_addr, 0, sizeof(opt->data_addr));
	if (!alen || !strcmp(addr, "-"))
		opt->data_family = 0;
	else if (inet_pton(AF_INET, addr, opt->data_addr) == 1)
		opt->data_family = AF_INET;
	else if (inet_pton(AF_INET6, addr, opt->data_addr) == 1)
		opt->data_family = AF_INET6;
	else
		die(EXIT_USAGE, "-P: '%s' is not an IP address (interface and host "
		    "names are not supported; '-' is the control connection's)", addr);
	opt->data_port_low = opt->data_port_high = 0;
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
	opt->data_port_low = (uint16_t)lo;
	opt->data_port_high = (uint16_t)hi;
	return;
bad:
	die(EXIT_USAGE, "-P: '%s' is not ADDR[:LOW[-HIGH]] (ports 1-65535, LOW <= HIGH)",
	    opt->ftp_port);
}

void parse_checksum(struct options *opt, const char *s)
{
	const char *eq = strchr(s, '='), *hex;

	if (!eq || (size_t)(eq - s) != strlen("sha-256") || strncasecmp(s, "sha-256", 7))
		die(EXIT_USAGE, "--checksum: '%.*s' is not a digest kftp-get knows "
		    "(it takes sha-256=HEX)", eq ? (int)(eq - s) : (int)strlen(s), s);
	hex = eq + 1;
	if (!sha256_from_hex(hex, strlen(hex), opt->checksum))
		die(EXIT_USAGE, "--checksum: sha-256 wants 64 hex digits, not '%s'", hex);
	opt->checksum_given = true;
}

enum {
	OPT_CONNECT_TIMEOUT = 256, OPT_TIMEOUT, OPT_KEEP_PARTIAL, OPT_OUTPUT_DIR,
	OPT_PARALLEL_MAX, OPT_NETRC_FILE, OPT_MAX_TIME, OPT_MAX_FILESIZE,
	OPT_PROGRESS_BAR, OPT_NO_PROGRESS_METER, OPT_RETRY, OPT_RETRY_DELAY,
	OPT_RETRY_MAX_TIME, OPT_JSON, OPT_FAILED, OPT_SHA256, OPT_CHECKSUM,
	OPT_CHECKSUMS, OPT_NO_SERVER_CHECKSUM, OPT_DELETE, OPT_INCLUDE, OPT_EXCLUDE,
	OPT_LEVEL, OPT_MAX_FILES, OPT_MAX_ENTRIES, OPT_CREATE_DIRS, OPT_MAX_DIRS,
	OPT_FOLLOW_SYMLINKS,
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
	{ "verbose",		no_argument,	   NULL, 'v' },
	{ "help",		no_argument,	   NULL, 'h' },
	{ "version",		no_argument,	   NULL, 'V' },
	{ "connect-timeout",	required_argument, NULL, OPT_CONNECT_TIMEOUT },
	{ "timeout",		required_argument, NULL, OPT_TIMEOUT },
	{ "keep-partial",	no_argument,	   NULL, OPT_KEEP_PARTIAL },
	{ "progress-bar",	no_argument,	   NULL, OPT_PROGRESS_BAR },
	{ "no-progress-meter",	no_argument,	   NULL, OPT_NO_PROGRESS_METER },
	{ "retry",		required_argument, NULL, OPT_RETRY },
	{ "retry-delay",	required_argument, NULL, OPT_RETRY_DELAY },
	{ "retry-max-time",	required_argument, NULL, OPT_RETRY_MAX_TIME },
	{ "json",		no_argument,	   NULL, OPT_JSON },
	{ "failed",		required_argument, NULL, OPT_FAILED },
	{ "sha256",		no_argument,	   NULL, OPT_SHA256 },
	{ "checksum",		required_argument, NULL, OPT_CHECKSUM },
	{ "checksums",		required_argument, NULL, OPT_CHECKSUMS },
	{ "no-server-checksum",	no_argument,	   NULL, OPT_NO_SERVER_CHECKSUM },
	{ "globoff",		no_argument,	   NULL, 'g' },
	{ "list-only",		no_argument,	   NULL, 'l' },
	{ "recursive",		no_argument,	   NULL, 'r' },
	{ "mirror",		no_argument,	   NULL, 'r' },
	{ "only-newer",		no_argument,	   NULL, 'N' },
	{ "delete",		no_argument,	   NULL, OPT_DELETE },
	{ "include",		required_argument, NULL, OPT_INCLUDE },
	{ "exclude",		required_argument, NULL, OPT_EXCLUDE },
	{ "level",		required_argument, NULL, OPT_LEVEL },
	{ "max-files",		required_argument, NULL, OPT_MAX_FILES },
	{ "max-entries",	required_argument, NULL, OPT_MAX_ENTRIES },
	{ "max-dirs",		required_argument, NULL, OPT_MAX_DIRS },
	{ "follow-symlinks",	no_argument,	   NULL, OPT_FOLLOW_SYMLINKS },
	{ "force-directories",	no_argument,	   NULL, 'x' },
	{ "create-dirs",	no_argument,	   NULL, OPT_CREATE_DIRS },
	{ NULL, 0, NULL, 0 }
};

#define SHORT_OPTIONS	":o:i:u:nC:RZP:qvhVglrNx"

/*
 * The option just before the operand p on the command line as given
 * (getopt_long() has moved the operands to the end since), when it takes
 * no argument: in "-Z 8 URL", "8" is no URL but what the user thought
 * -Z took. Its name (in buf), or NULL.
 */
static const char *flag_before(char *const *given, int argc, const char *p,
			       char *buf, size_t size)
{
	const struct option *o;
	const char *prev, *c;
	size_t len;
	int j;

	for (j = 2; j < argc && given[j] != p; j++)
		;
	if (j >= argc)
		return NULL;
	prev = given[j - 1];
	if (prev[0] != '-' || !prev[1] || !strcmp(prev, "--"))
		return NULL;
	if (prev[1] == '-') {
		len = strcspn(prev + 2, "=");
		for (o = long_options; o->name && !prev[2 + len]; o++)
			if (strlen(o->name) == len && !strncmp(o->name, prev + 2, len))
				return o->has_arg == no_argument ? prev : NULL;
		return NULL;
	}
	/* A cluster (-qZ): flags only, else the rest was an argument. */
	for (c = prev + 1; *c; c++)
		if (*c == ':' || !strchr(SHORT_OPTIONS, *c) ||
		    strchr(SHORT_OPTIONS, *c)[1] == ':')
			return NULL;
	snprintf(buf, size, "-%c", c[-1]);
	return buf;
}

/* Not a URL, after a flag: say what the flag takes (nothing). */
static void check_stray(char *const *given, int argc, const char *arg)
{
	const char *flag;
	char buf[4];

	if (strstr(arg, "://") || !(flag = flag_before(given, argc, arg, buf, sizeof(buf))))
		return;
	die(EXIT_USAGE, "'%s' is not an ftp:// URL: %s takes no argument%s", arg, flag,
	    !strcmp(flag, "-Z") || !strcmp(flag, "--parallel") ?
	    " (--parallel-max N sets how many downloads run at a time)" : "");
}

/*
 * -l prints names on stdout and saves no file: an option about the saved
 * file, or one that wants stdout too, means the user expects something
 * else.
 */
static void check_list_only(const struct options *opt)
{
	const char *other = opt->output ? "-o" : opt->output_dir ? "--output-dir" :
		opt->resume != RESUME_NONE ? "-C" : opt->remote_time ? "-R" :
		opt->keep_partial ? "--keep-partial" : opt->parallel ? "-Z" :
		opt->json ? "--json" : opt->sha256 ? "--sha256" :
		opt->checksum_given ? "--checksum" : opt->checksums_file ? "--checksums" :
		opt->failed_file ? "--failed" : NULL;

	if (other)
		die(EXIT_USAGE, "-l (--list-only) prints names and saves no file: it "
		    "does not take %s", other);
}

/* --include / --exclude: one more pattern. */
static void add_glob(const char ***v, size_t *n, const char *glob)
{
	const char **nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (!nv)
		die(EXIT_OTHER, "out of memory");
	nv[(*n)++] = glob;
	*v = nv;
}

/*
 * -r fetches trees into directories named after them: an option that
 * names one file, or one that only a mirror uses without -r, is a
 * mistake said now, not a surprise later.
 */
static void check_mirror(const struct options *opt)
{
	const char *only = opt->only_newer ? "-N (--only-newer)" :
		opt->delete_extra ? "--delete" : opt->ninclude ? "--include" :
		opt->nexclude ? "--exclude" : opt->mirror_level ? "--level" :
		opt->mirror_max_files != MIRROR_FILES_MAX ? "--max-files" :
		opt->mirror_max_entries != MIRROR_ENTRIES_MAX ? "--max-entries" :
		opt->mirror_max_dirs != MIRROR_DIRS_MAX ? "--max-dirs" :
		opt->follow_symlinks ? "--follow-symlinks" : NULL;
	/*
	 * -C N names one file's offset (-C - resumes what is a partial);
	 * --checksums' lines name files by base name, which a tree repeats.
	 */
	const char *other = opt->output ? "-o" : opt->list_only ? "-l" :
		opt->checksum_given ? "--checksum" : opt->checksums_file ? "--checksums" :
		opt->resume == RESUME_AT ? "-C N (-C - resumes a partial file)" : NULL;

	if (!opt->mirror) {
		if (only)
			die(EXIT_USAGE, "%s is for a mirror: add -r", only);
		return;
	}
	if (other)
		die(EXIT_USAGE, "-r (--mirror) fetches a tree of files, and does not "
		    "take %s", other);
	if (opt->nwildcards)
		die(EXIT_USAGE, "-r (--mirror) takes directories, not a wildcard ('*' or "
		    "'?'); --include selects files (-g takes the URL as it is)");
}

/*
 * The options, then the URLs: copied, and the passwords in argv (URLs and
 * -u) overwritten at once, as curl does; the input files are read last.
 */
void options_parse(struct options *opt, int argc, char **argv)
{
	const char *inputs[64];
	size_t ninputs = 0, i;
	char *login = NULL, **given;
	uint64_t n;
	const char *name;
	int c;

	/* The command line as given, for check_stray(). */
	given = malloc(((size_t)argc + 1) * sizeof(*given));
	if (!given)
		die(EXIT_OTHER, "out of memory");
	memcpy(given, argv, ((size_t)argc + 1) * sizeof(*given));

	opt->parallel_max = PARALLEL_DEFAULT;
	opt->mirror_max_files = MIRROR_FILES_MAX;
	opt->mirror_max_entries = MIRROR_ENTRIES_MAX;
	opt->mirror_max_dirs = MIRROR_DIRS_MAX;
	opt->progress = -1;
	opt->output_dir_fd = AT_FDCWD;
	opterr = 0;	/* our own messages, without argv[0]'s path */
	while ((c = getopt_long(argc, argv, SHORT_OPTIONS, long_options, NULL)) != -1) {
		switch (c) {
		case 'o':
			opt->output = optarg;
			opt->to_stdout = !strcmp(optarg, "-");
			if (!*optarg)
				die(EXIT_USAGE, "-o needs a file name");
			break;
		case OPT_OUTPUT_DIR:
			opt->output_dir = optarg;
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
			opt->netrc = true;
			break;
		case OPT_NETRC_FILE:
			opt->netrc_file = optarg;
			break;
		case 'C':
			if (!strcmp(optarg, "-")) {
				opt->resume = RESUME_AUTO;
			} else {
				opt->resume_at = parse_bytes("--continue-at", optarg, false);
				opt->resume = opt->resume_at ? RESUME_AT : RESUME_NONE;
			}
			break;
		case 'R':
			opt->remote_time = true;
			break;
		case 'Z':
			opt->parallel = true;
			break;
		case OPT_PARALLEL_MAX:
			n = parse_bytes("--parallel-max", optarg, false);
			if (n < 1 || n > PARALLEL_MAX)
				die(EXIT_USAGE, "--parallel-max: '%s' is not in 1-%d",
				    optarg, PARALLEL_MAX);
			opt->parallel_max = (unsigned int)n;
			break;
		case 'P':
			opt->ftp_port = optarg;
			parse_ftp_port(opt, optarg);
			break;
		case OPT_MAX_FILESIZE:
			opt->max_filesize = parse_bytes("--max-filesize", optarg, true);
			if (!opt->max_filesize)
				die(EXIT_USAGE, "--max-filesize must be at least 1 byte");
			break;
		case OPT_MAX_TIME:
			opt->max_time_ms = parse_seconds("--max-time", optarg, MAX_TIME_MAX_MS);
			break;
		case 'q':
			opt->quiet = true;
			break;
		case 'v':
			opt->verbose = true;
			break;
		case 'h':
			help_usage();
			exit(EXIT_OK);
		case 'V':
			printf(PROG " " KFTP_VERSION "\n");
			exit(EXIT_OK);
		case OPT_CONNECT_TIMEOUT:
			opt->connect_ms = parse_seconds("--connect-timeout", optarg,
						       KFTP_TIMEOUT_MAX_MS);
			break;
		case OPT_TIMEOUT:
			opt->timeout_ms = parse_seconds("--timeout", optarg, KFTP_TIMEOUT_MAX_MS);
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
		case OPT_RETRY:
			n = parse_bytes("--retry", optarg, false);
			if (n > RETRY_MAX)
				die(EXIT_USAGE, "--retry: '%s' is not in 0-%d", optarg, RETRY_MAX);
			opt->retry = (unsigned int)n;
			break;
		case OPT_RETRY_DELAY:
			opt->retry_delay_ms = parse_seconds0("--retry-delay", optarg);
			break;
		case OPT_RETRY_MAX_TIME:
			opt->retry_max_time_ms = parse_seconds0("--retry-max-time", optarg);
			break;
		case OPT_JSON:
			opt->json = true;
			break;
		case OPT_FAILED:
			opt->failed_file = optarg;
			if (!*optarg)
				die(EXIT_USAGE, "--failed needs a file name");
			break;
		case OPT_SHA256:
			opt->sha256 = true;
			break;
		case OPT_CHECKSUM:
			parse_checksum(opt, optarg);
			break;
		case OPT_CHECKSUMS:
			opt->checksums_file = optarg;
			if (!*optarg)
				die(EXIT_USAGE, "--checksums needs a file name");
			break;
		case OPT_NO_SERVER_CHECKSUM:
			opt->no_server_checksum = true;
			break;
		case 'l':
			opt->list_only = true;
			break;
		case 'g':
			opt->globoff = true;
			break;
		case 'r':
			opt->mirror = true;
			break;
		case 'N':
			opt->only_newer = true;
			break;
		case 'x':
			opt->force_dirs = true;
			break;
		case OPT_CREATE_DIRS:
			opt->create_dirs = true;
			break;
		case OPT_DELETE:
			opt->delete_extra = true;
			break;
		case OPT_FOLLOW_SYMLINKS:
			opt->follow_symlinks = true;
			break;
		case OPT_INCLUDE:
		case OPT_EXCLUDE:
			add_glob(c == OPT_INCLUDE ? &opt->include : &opt->exclude,
				 c == OPT_INCLUDE ? &opt->ninclude : &opt->nexclude, optarg);
			break;
		case OPT_LEVEL:
			n = parse_bytes("--level", optarg, false);
			if (n < 1 || n > MIRROR_LEVEL_LIMIT)
				die(EXIT_USAGE, "--level: '%s' is not in 1-%d", optarg,
				    MIRROR_LEVEL_LIMIT);
			opt->mirror_level = (unsigned int)n;
			break;
		case OPT_MAX_FILES:
		case OPT_MAX_ENTRIES:
		case OPT_MAX_DIRS:
			name = c == OPT_MAX_FILES ? "--max-files" : c == OPT_MAX_DIRS ?
			       "--max-dirs" : "--max-entries";
			n = parse_bytes(name, optarg, true);
			if (!n)
				die(EXIT_USAGE, "%s must be at least 1", name);
			*(c == OPT_MAX_FILES ? &opt->mirror_max_files : c == OPT_MAX_DIRS ?
			  &opt->mirror_max_dirs : &opt->mirror_max_entries) = n;
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
		opt->login = xstrdup(login);
		scrub_login(login);
	}
	for (i = (size_t)optind; i < (size_t)argc; i++) {
		add_cmdline_url(opt, argv[i]);
		scrub_url(argv[i]);
		check_stray(given, argc, argv[i]);
	}
	free(given);
	for (i = 0; i < ninputs; i++)
		read_input_file(opt, inputs[i]);
	if (!opt->nurls)
		die(EXIT_USAGE, ninputs ? "no URL in the input file" : "missing URL");
	if (opt->to_stdout && opt->json)
		die(EXIT_USAGE, "-o - and --json both want stdout");
	/* A pipe cannot be written from an offset. */
	if (opt->to_stdout && opt->resume != RESUME_NONE)
		die(EXIT_USAGE, "-C cannot resume -o -: stdout cannot be written "
		    "from an offset");
	if (opt->to_stdout && opt->nurls > 1)
		die(EXIT_USAGE, "-o - writes one file to stdout, but %zu URLs were "
		    "given", opt->nurls);
	if (opt->checksum_given && opt->checksums_file)
		die(EXIT_USAGE, "--checksum and --checksums: give one or the other");
	if (opt->checksums_file)
		checksums_load(&opt->checksums, opt->checksums_file);
	if (opt->checksum_given && opt->nurls > 1)
		die(EXIT_USAGE, "--checksum gives one file's digest, but %zu URLs "
		    "were given", opt->nurls);
	if (opt->output && opt->nurls > 1)
		die(EXIT_USAGE, "-o names one file, but %zu URLs were given "
		    "(use --output-dir)", opt->nurls);
	if (opt->list_only)
		check_list_only(opt);
	check_mirror(opt);
	if (opt->force_dirs && (opt->output || opt->list_only || opt->mirror))
		die(EXIT_USAGE, "-x keeps each URL's path under --output-dir, and %s",
		    opt->output ? "-o names the file itself" : opt->list_only ?
		    "-l saves no file" : "-r keeps the tree's own paths");
	/* A mirror keeps the server's times: -N compares them the next time. */
	if (opt->mirror)
		opt->remote_time = true;
	if (opt->nwildcards && (opt->list_only || opt->output || opt->checksum_given))
		die(EXIT_USAGE, "%s names one file or one directory, and a wildcard "
		    "('*' or '?') may name many (-g takes the URL as it is)",
		    opt->list_only ? "-l" : opt->output ? "-o" : "--checksum");
}

/*
 * The URL as messages show it: the password, if any, as asterisks.
 */
char *shown_url(const char *url)
{
	char *s = xstrdup(url);

	scrub_url(s);
	return s;
}

/* URLs may hold passwords: each is wiped before it is freed. */
static void wipe_urls(char ***urls, size_t *n)
{
	size_t i;

	for (i = 0; i < *n; i++) {
		explicit_bzero((*urls)[i], strlen((*urls)[i]));
		free((*urls)[i]);
	}
	free(*urls);
	*urls = NULL;
	*n = 0;
}

void options_wipe(struct options *opt)
{
	size_t i;

	wipe_urls(&opt->urls, &opt->nurls);
	free(opt->wildcard);
	opt->wildcard = NULL;
	free(opt->url_status);
	opt->url_status = NULL;
	free(opt->url_dir);
	opt->url_dir = NULL;
	free(opt->url_dir_at);
	opt->url_dir_at = NULL;
	free(opt->url_root_name);
	opt->url_root_name = NULL;
	for (i = 0; i < opt->nmirror_strings; i++)
		free(opt->mirror_strings[i]);
	free(opt->mirror_strings);
	opt->mirror_strings = NULL;
	opt->nmirror_strings = 0;
	free(opt->url_size);
	opt->url_size = NULL;
	free(opt->url_resume);
	opt->url_resume = NULL;
	wipe_urls(&opt->mirror_tops, &opt->nmirror_tops);
	free(opt->url_tree);
	opt->url_tree = NULL;
	free(opt->include);
	free(opt->exclude);
	opt->include = opt->exclude = NULL;
	if (opt->login) {
		explicit_bzero(opt->login, strlen(opt->login));
		free(opt->login);
		opt->login = NULL;
	}
}
