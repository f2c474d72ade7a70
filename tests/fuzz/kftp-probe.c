// SPDX-License-Identifier: GPL-2.0
/*
 * kftp-probe.so: an LD_PRELOAD library that looks at kftp-get and kftpstat
 * from inside, for tests/check-user.sh and tests/guest/security.sh.
 *
 *   KFTP_PROBE_OUT=FILE        at exit (after the program's own atexit
 *                              handlers), write to FILE the line
 *                              "dumpable N" (prctl(PR_GET_DUMPABLE)) and,
 *                              for each string of KFTP_PROBE_SECRETS, a
 *                              line "secret I: absent" or one
 *                              "secret I: at ADDR in MAPPING" per copy
 *                              found in the process's writable memory
 *                              (heap, stacks, data, shared mappings)
 *   KFTP_PROBE_SECRETS=HEX,... the strings to look for, hex-encoded, so
 *                              that the environment holds no copy
 *   KFTP_PROBE_NL_FAIL=N       the Nth sendto() on a netlink socket fails
 *                              with EIO (kftpstat: the first resolves the
 *                              family, the second asks for the dump)
 *   KFTP_PROBE_DEVICE=HOW      a stand-in for /dev/kftp where there is no
 *                              module (the host): opening it opens
 *                              /dev/null, kftp-get's version probe (a
 *                              request without a server) gets EINVAL as
 *                              from a version-2 module, and every real
 *                              request fails as HOW says: "refused"
 *                              (ECONNREFUSED at CONNECT), "missing"
 *                              (ENOENT at RETR or LIST, reply 550) or
 *                              "list:FILE" (a listing request succeeds:
 *                              FILE's bytes go to dest_fd, and
 *                              command_sent is MLSD when
 *                              KFTP_PROBE_LIST_FORM=mlsd, else LIST). The report
 *                              then has a line "requests N": how many,
 *                              and "flags 0xX": the last one's flags.
 *   KFTP_PROBE_DEVICE_VERSION=N  ... and the stand-in takes requests of
 *                              version N (0-5, default 2) only: one with
 *                              a field of a later version is E2BIG, one
 *                              with a flag of a later version EINVAL.
 *
 * The probe's own copies of the secrets are the only ones it skips, and
 * mappings over 4 GiB (a sanitizer's shadow) are not scanned: a line
 * "skipped RANGE NAME" says so.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <stdarg.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include <linux/kftp.h>

#define MAX_SECRETS	8
#define SECRET_MAX	256
#define MAPPING_MAX	(1UL << 32)

static char secrets[MAX_SECRETS][SECRET_MAX];
static size_t secret_len[MAX_SECRETS];
static size_t nsecrets;
static char maps[1 << 20];
/* KFTP_PROBE_DEVICE: the stand-in's descriptors, and the requests seen. */
static int fake_fds[64];
static size_t nfake;
static unsigned long fake_requests;
static unsigned int fake_flags;

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

__attribute__((constructor)) static void probe_init(void)
{
	const char *p = getenv("KFTP_PROBE_SECRETS");
	size_t n = 0;

	if (!p)
		return;
	while (*p && nsecrets < MAX_SECRETS) {
		if (*p == ',') {
			secret_len[nsecrets++] = n;
			n = 0;
			p++;
			continue;
		}
		if (hexval(p[0]) < 0 || hexval(p[1]) < 0 || n + 1 >= SECRET_MAX)
			break;
		secrets[nsecrets][n++] = (char)(hexval(p[0]) << 4 | hexval(p[1]));
		p += 2;
		if (!*p)
			secret_len[nsecrets++] = n;
	}
}

/* Every copy of secret i in [lo, hi), reported to f. */
static int scan(FILE *f, size_t i, const char *lo, const char *hi, const char *name)
{
	const char *own = (const char *)secrets, *own_end = own + sizeof(secrets);
	size_t len = secret_len[i];
	const char *p;
	int found = 0;

	for (p = lo; len && p + len <= hi; p++) {
		size_t k = 0;

		/* By hand: a sanitizer's memcmp() would object to the reads. */
		while (k < len && p[k] == secrets[i][k])
			k++;
		if (k < len)
			continue;
		if (p >= own && p < own_end)
			continue;
		fprintf(f, "secret %zu: at %p in %s\n", i, (const void *)p, name);
		found++;
	}
	return found;
}

__attribute__((destructor)) static void probe_report(void)
{
	const char *out = getenv("KFTP_PROBE_OUT");
	char *line, *next;
	int fd, found[MAX_SECRETS] = { 0 };
	ssize_t n, len = 0;
	size_t i;
	FILE *f;

	if (!out)
		return;
	f = fopen(out, "a");
	if (!f)
		return;
	fprintf(f, "dumpable %d\n", prctl(PR_GET_DUMPABLE));
	if (getenv("KFTP_PROBE_DEVICE"))
		fprintf(f, "requests %lu\nflags %#x\n", fake_requests, fake_flags);
	fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	while (fd >= 0 && (n = read(fd, maps + len, sizeof(maps) - 1 - (size_t)len)) > 0)
		len += n;
	if (fd >= 0)
		close(fd);
	maps[len] = '\0';
	for (line = maps; *line; line = next) {
		unsigned long lo, hi;
		char perms[8], name[256] = "";

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';	/* no name: sscanf stops here */
		else
			next = line + strlen(line);
		if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %255[^\n]", &lo, &hi, perms,
			   name) < 3 || perms[0] != 'r' || perms[1] != 'w')
			continue;
		/* A sanitizer's shadow (terabytes, reserved): no heap of ours. */
		if (hi - lo > MAPPING_MAX) {
			fprintf(f, "skipped %lx-%lx %s\n", lo, hi, name);
			continue;
		}
		for (i = 0; i < nsecrets; i++)
			found[i] += scan(f, i, (const char *)lo, (const char *)hi,
					 name[0] ? name : "[anonymous]");
	}
	for (i = 0; i < nsecrets; i++)
		if (!found[i])
			fprintf(f, "secret %zu: absent\n", i);
	fclose(f);
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags,
	       const struct sockaddr *to, socklen_t tolen)
{
	static ssize_t (*real)(int, const void *, size_t, int,
			       const struct sockaddr *, socklen_t);
	static unsigned long count;
	const char *fail = getenv("KFTP_PROBE_NL_FAIL");
	int domain = 0;
	socklen_t dlen = sizeof(domain);

	if (!real)
		real = (ssize_t (*)(int, const void *, size_t, int,
				    const struct sockaddr *, socklen_t))dlsym(RTLD_NEXT, "sendto");
	if (fail && !getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &dlen) &&
	    domain == AF_NETLINK && ++count == strtoul(fail, NULL, 10)) {
		errno = EIO;
		return -1;
	}
	return real(fd, buf, len, flags, to, tolen);
}

/* KFTP_PROBE_DEVICE: /dev/kftp is /dev/null, remembered as such. */
int open(const char *path, int flags, ...)
{
	static int (*real)(const char *, int, ...);
	mode_t mode = 0;
	va_list ap;
	int fd;

	if (!real)
		real = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
	if (flags & (O_CREAT | O_TMPFILE)) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	if (!getenv("KFTP_PROBE_DEVICE") || strcmp(path, KFTP_DEVICE_PATH))
		return real(path, flags, mode);
	fd = real("/dev/null", flags, mode);
	if (fd >= 0 && nfake < sizeof(fake_fds) / sizeof(fake_fds[0]))
		fake_fds[nfake++] = fd;
	return fd;
}

static int is_fake(int fd)
{
	size_t i;

	for (i = 0; i < nfake; i++)
		if (fake_fds[i] == fd)
			return 1;
	return 0;
}

/* A field past KFTP_PROBE_DEVICE_VERSION is set (copy_struct_from_user). */
static int too_new(const struct kftp_get_args *a)
{
	const char *v = getenv("KFTP_PROBE_DEVICE_VERSION");
	size_t known = !v || *v == '2' ? KFTP_GET_ARGS_SIZE_VER2 :
		       *v == '5' ? KFTP_GET_ARGS_SIZE_VER5 :
		       *v == '4' ? KFTP_GET_ARGS_SIZE_VER4 :
		       *v == '3' ? KFTP_GET_ARGS_SIZE_VER3 :
		       *v == '1' ? KFTP_GET_ARGS_SIZE_VER1 : KFTP_GET_ARGS_SIZE_VER0;
	const unsigned char *p = (const unsigned char *)a;
	size_t i;

	for (i = known; i < a->size && i < sizeof(*a); i++)
		if (p[i])
			return 1;
	return 0;
}

/* A flag past KFTP_PROBE_DEVICE_VERSION is set: the module's EINVAL. */
static int flags_too_new(const struct kftp_get_args *a)
{
	const char *v = getenv("KFTP_PROBE_DEVICE_VERSION");
	unsigned int known = v && (*v == '4' || *v == '5') ? KFTP_GET_F_ALL :
			     v && *v == '3' ? KFTP_GET_F_ALL & ~(KFTP_GET_F_SHA256 |
								 KFTP_GET_F_SERVER_SHA256) :
			     KFTP_GET_F_EXCL | KFTP_GET_F_DEST_FD | KFTP_GET_F_REMOTE_TIME;

	return !!(a->flags & ~known);
}

/*
 * The module's rule for display_name (version 3): NUL-terminated, nothing
 * but NULs after, no control character. A stand-in that let a bad one
 * through would hide what the module refuses with EINVAL.
 */
static bool v3_strings_ok(const struct kftp_get_args *a)
{
	const char *s = a->display_name, *nul;
	size_t i;

	if (a->size < KFTP_GET_ARGS_SIZE_VER3)
		return true;
	nul = memchr(s, '\0', sizeof(a->display_name));
	if (!nul)
		return false;
	for (i = nul - s; i < sizeof(a->display_name); i++)
		if (s[i])
			return false;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

/* The module's rule for a listing (version 5): none of RETR's own options. */
static bool listing_ok(const struct kftp_get_args *a)
{
	if (a->size < KFTP_GET_ARGS_SIZE_VER5 || !a->command)
		return true;
	return !a->resume_offset &&
	       !(a->flags & (KFTP_GET_F_REMOTE_TIME | KFTP_GET_F_SHA256 |
			     KFTP_GET_F_SERVER_SHA256));
}

/* "list:FILE": the listing the server would have sent, into dest_fd. */
static int fake_listing(struct kftp_get_args *a, const char *path)
{
	const char *form = getenv("KFTP_PROBE_LIST_FORM");
	char buf[65536];
	int in = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	off_t off = 0;

	if (in < 0) {
		errno = EIO;
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		if (pwrite(a->dest_fd, buf, (size_t)n, off) != n) {
			close(in);
			errno = EIO;
			return -1;
		}
		off += n;
	}
	close(in);
	a->result.bytes_written = (uint64_t)off;
	a->result.remote_size = KFTP_SIZE_UNKNOWN;
	a->result.reply_code = 226;
	strcpy(a->result.reply_text, "226 Transfer complete.");
	a->command_sent = form && !strcmp(form, "mlsd") ? KFTP_COMMAND_MLSD :
			  KFTP_COMMAND_LIST;
	return 0;
}

int ioctl(int fd, unsigned long req, ...)
{
	static int (*real)(int, unsigned long, ...);
	const char *how = getenv("KFTP_PROBE_DEVICE");
	struct kftp_get_args *a;
	va_list ap;

	va_start(ap, req);
	a = va_arg(ap, struct kftp_get_args *);
	va_end(ap);
	if (!real)
		real = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
	if (!how || req != KFTP_IOC_GET || !is_fake(fd))
		return real(fd, req, a);
	if (too_new(a)) {
		errno = E2BIG;
		return -1;
	}
	if (!v3_strings_ok(a) || flags_too_new(a) || !listing_ok(a)) {
		errno = EINVAL;
		return -1;
	}
	if (!a->family) {		/* kftp-get's version probe */
		errno = EINVAL;
		return -1;
	}
	fake_requests++;
	fake_flags = a->flags;
	memset(&a->result, 0, sizeof(a->result));
	if (!strncmp(how, "list:", 5) && a->size >= KFTP_GET_ARGS_SIZE_VER5 && a->command)
		return fake_listing(a, how + 5);
	if (!strcmp(how, "missing")) {
		a->result.failed_step = a->size >= KFTP_GET_ARGS_SIZE_VER5 && a->command ?
					KFTP_STEP_LIST : KFTP_STEP_RETR;
		a->result.reply_code = 550;
		strcpy(a->result.reply_text, "550 Failed to open file.");
		errno = ENOENT;
	} else {
		a->result.failed_step = KFTP_STEP_CONNECT;
		errno = ECONNREFUSED;
	}
	return -1;
}
