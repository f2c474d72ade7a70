// SPDX-License-Identifier: GPL-2.0
/*
 * dirlist: a fetched directory listing, line by line (see dirlist.h).
 *
 * Lines end in CRLF, as RFC 959 wants, or in a bare LF, as some servers
 * send; the last one may have no end. An NLST line is a name and nothing
 * else, refused as any other name would be.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <linux/kftp.h>

#include "dirlist.h"
#include "msgs.h"
#include "text.h"

/* How much of a line a report shows, and how many lines are reported. */
#define SHOWN_MAX	160
#define REPORTS_MAX	20

static const char *form_name(uint32_t command)
{
	switch (command) {
	case KFTP_COMMAND_MLSD:
		return "MLSD";
	case KFTP_COMMAND_NLST:
		return "NLST";
	default:
		return "LIST";
	}
}

static enum listing_result parse_line(uint32_t command, const char *line, size_t len,
				      time_t now, struct listing_entry *e, const char **why)
{
	const char *refused;

	switch (command) {
	case KFTP_COMMAND_MLSD:
		return listing_parse_mlsd(line, len, e, why);
	case KFTP_COMMAND_NLST:
		memset(e, 0, sizeof(*e));
		e->type = LISTING_OTHER;
		if (len == 1 && line[0] == '.')
			return LISTING_SKIP;
		if (len == 2 && line[0] == '.' && line[1] == '.')
			return LISTING_SKIP;
		refused = listing_name_refused(line, len);
		if (refused) {
			*why = refused;
			return LISTING_REFUSED;
		}
		memcpy(e->name, line, len);
		e->name[len] = '\0';
		return LISTING_ENTRY;
	default:
		return listing_parse_unix(line, len, now, e, why);
	}
}

/*
 * The first SHOWN_MAX bytes of a line as a report shows them: well-formed
 * UTF-8 as it is, a C1 control (U+0080..U+009F) and any other byte past
 * ASCII as '?'. say() escapes C0 and DEL: no byte of it drives a terminal.
 */
static void shown_line(char *dst, const char *line, size_t len)
{
	unsigned char buf[SHOWN_MAX + 1], *p;
	size_t n, o = 0;

	len = len < SHOWN_MAX ? len : SHOWN_MAX;
	memcpy(buf, line, len);
	buf[len] = '\0';
	for (p = buf; *p; p += n) {
		n = utf8_seq_len(p);
		if (n == 2 && p[0] == 0xc2 && p[1] <= 0x9f) {
			dst[o++] = '?';
		} else if (n) {
			memcpy(dst + o, p, n);
			o += n;
		} else {
			dst[o++] = *p < 0x80 ? (char)*p : '?';
			n = 1;
		}
	}
	dst[o] = '\0';
}

static void report_line(uint32_t command, size_t lineno, const char *what,
			const char *why, const char *line, size_t len, size_t nth)
{
	char shown[SHOWN_MAX + 1];

	if (nth > REPORTS_MAX)
		return;
	if (nth == REPORTS_MAX) {
		say("%s line %zu %s (%s), and more: the rest are not reported one by one",
		    form_name(command), lineno, what, why);
		return;
	}
	shown_line(shown, line, len);
	say("%s line %zu %s (%s): %s%s", form_name(command), lineno, what, why, shown,
	    len > SHOWN_MAX ? "..." : "");
}

static void parse_all(const char *buf, size_t size, uint32_t command,
		      void (*each)(const struct listing_entry *e, void *arg), void *arg,
		      struct dirlist_counts *n)
{
	const char *p = buf, *end = buf + size, *nl;
	struct listing_entry e;
	time_t now = time(NULL);
	size_t lineno = 0, len;
	const char *why;

	for (; p < end; p = nl < end ? nl + 1 : end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		len = (size_t)(nl - p);
		lineno++;
		if (len && p[len - 1] == '\r')
			len--;
		if (!len)
			continue;
		why = "longer than a listing line can be";
		if (len > DIRLIST_LINE_MAX) {
			n->bad++;
			report_line(command, lineno, "is not one kftp-get can read", why, p, len,
				    n->bad + n->refused);
			continue;
		}
		switch (parse_line(command, p, len, now, &e, &why)) {
		case LISTING_ENTRY:
			n->entries++;
			each(&e, arg);
			break;
		case LISTING_SKIP:
			break;
		case LISTING_BAD:
			n->bad++;
			report_line(command, lineno, "is not one kftp-get can read", why, p, len,
				    n->bad + n->refused);
			break;
		case LISTING_REFUSED:
			n->refused++;
			report_line(command, lineno, "skipped", why, p, len,
				    n->bad + n->refused);
			break;
		}
	}
}

int dirlist_parse(int fd, uint32_t command,
		  void (*each)(const struct listing_entry *e, void *arg), void *arg,
		  struct dirlist_counts *n)
{
	struct stat st;
	void *buf;

	memset(n, 0, sizeof(*n));
	if (fstat(fd, &st)) {
		int err = errno;

		say("cannot read the listing: %s", strerror(err));
		return err;
	}
	if (!st.st_size)
		return 0;
	buf = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (buf == MAP_FAILED) {
		int err = errno;

		say("cannot read the listing: %s", strerror(err));
		return err;
	}
	parse_all(buf, (size_t)st.st_size, command, each, arg, n);
	munmap(buf, (size_t)st.st_size);
	return 0;
}
