// SPDX-License-Identifier: GPL-2.0
/*
 * user-unit: host-side checks of user/'s shared files, one per finding of
 * issue 19 that needs no kftp module, for tests/check-user.sh (built with
 * ASan and UBSan: a report aborts the check).
 *
 *   user-unit progress-range   rates, ETAs and percentages from absurd
 *                              numbers (a double out of range was cast)
 *   user-unit json-utf8        kftpstat's JSON strings: overlong forms,
 *                              surrogates and code points past U+10FFFF
 *                              are escaped, real UTF-8 passes
 *   user-unit nl-framing       a netlink message whose length runs past
 *                              the datagram is refused, never walked
 *   user-unit listing          MLSD and Unix LIST lines as real servers
 *                              send them, hostile names and other forms
 *                              (issue 22): entry, skip, refused or bad
 *   user-unit urlglob          ranges and sets in a URL's path: what they
 *                              expand to, in order; the host untouched;
 *                              bad patterns and too many URLs refused
 *
 * Prints what it checked; exit 0 iff every check held.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "kftp-events.h"
#include "listing.h"
#include "progress.h"
#include "text.h"
#include "urlglob.h"

static int failures;

static void expect_str(const char *what, const char *want, const char *got)
{
	if (!strcmp(want, got)) {
		printf("%s: %s\n", what, got);
		return;
	}
	printf("%s: expected '%s', got '%s'\n", what, want, got);
	failures++;
}

/* The bar's last line for these numbers, as a terminal would show it. */
static void bar_case(const char *what, const char *want, uint64_t done,
		     uint64_t size, uint64_t received, uint64_t ms)
{
	struct progress p;
	char *buf = NULL, *line;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f) {
		failures++;
		return;
	}
	progress_init(&p, f, "huge");
	progress_update(&p, 0, true, size, 0, 0);
	progress_update(&p, done / 2, true, size, received / 2, ms / 2);
	progress_update(&p, done, true, size, received, ms);
	fclose(f);
	line = strrchr(buf, '\r');
	line = line ? line + 1 : buf;
	if (strstr(line, want)) {
		printf("%s: '%s'\n", what, line);
	} else {
		printf("%s: expected '%s' in '%s'\n", what, want, line);
		failures++;
	}
	free(buf);
}

static void progress_range(void)
{
	char buf[64];

	expect_str("rate of 2^64-1 bytes in 1 ms", "16.0 EiB/s",
		   progress_fmt_rate(buf, sizeof(buf), UINT64_MAX, 1));
	expect_str("rate of 1 byte in 2^64-1 ms", "0 B/s",
		   progress_fmt_rate(buf, sizeof(buf), 1, UINT64_MAX));
	expect_str("2^64-1 bytes", "16.0 EiB",
		   progress_fmt_bytes(buf, sizeof(buf), UINT64_MAX));
	/* done * 100 wrapped: any percentage; the ETA past any integer. */
	bar_case("2^64-2 of 2^64-1 bytes", " 99%", UINT64_MAX - 1, UINT64_MAX,
		 1000, 1000);
	bar_case("2^63 of 2^64-1 bytes", " 50%", 1ULL << 63, UINT64_MAX, 1000, 1000);
	bar_case("2 of 2^64-1 bytes at 1 byte per 5 s", "  0%", 2, UINT64_MAX, 2, 10000);
}

static void json_case(const char *what, const char *in, const char *want)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f) {
		failures++;
		return;
	}
	json_fput(f, in);
	fclose(f);
	expect_str(what, want, buf);
	free(buf);
}

static void json_utf8(void)
{
	json_case("surrogate U+D800 (ED A0 80)", "a\xed\xa0\x80z", "\"a\\u00ed\\u00a0\\u0080z\"");
	json_case("surrogate U+DFFF (ED BF BF)", "\xed\xbf\xbf", "\"\\u00ed\\u00bf\\u00bf\"");
	json_case("overlong '/' (C0 AF)", "\xc0\xaf", "\"\\u00c0\\u00af\"");
	json_case("overlong U+0000 in 3 bytes (E0 80 80)", "\xe0\x80\x80",
		  "\"\\u00e0\\u0080\\u0080\"");
	json_case("overlong U+FFFF in 4 bytes (F0 8F BF BF)", "\xf0\x8f\xbf\xbf",
		  "\"\\u00f0\\u008f\\u00bf\\u00bf\"");
	json_case("U+110000 (F4 90 80 80)", "\xf4\x90\x80\x80",
		  "\"\\u00f4\\u0090\\u0080\\u0080\"");
	json_case("a lead byte at the end (E2 82)", "\xe2\x82", "\"\\u00e2\\u0082\"");
	json_case("U+00E9, U+20AC, U+FFFF, U+1F600, U+10FFFF pass",
		  "\xc3\xa9\xe2\x82\xac\xef\xbf\xbf\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf",
		  "\"\xc3\xa9\xe2\x82\xac\xef\xbf\xbf\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf\"");
	json_case("U+D7FF and U+E000 pass", "\xed\x9f\xbf\xee\x80\x80",
		  "\"\xed\x9f\xbf\xee\x80\x80\"");
	json_case("quote, backslash, tab, ESC, DEL", "\"\\\t\x1b\x7f",
		  "\"\\\"\\\\\\t\\u001b\\u007f\"");
}

/* A message of the family: header, genl header, the transfer's id. */
static size_t put_event(void *buf, uint16_t family)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = family;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = KFTP_CMD_EVENT_START;
	genl->version = KFTP_GENL_VERSION;
	mnl_attr_put_u64(nlh, KFTP_A_XFER_ID, 42);
	mnl_attr_put_strz(nlh, KFTP_A_REMOTE_PATH, "f");
	return nlh->nlmsg_len;
}

static int count(const struct kftp_event *ev, void *data)
{
	if (ev->id == 42)
		++*(int *)data;
	return 0;
}

static void framing_case(const char *what, const void *buf, size_t len,
			 int want_ret, int want_calls)
{
	int calls = 0, ret;

	errno = 0;
	ret = kftp_nl_parse(buf, len, 0x20, count, &calls);
	if (ret == want_ret && calls == want_calls &&
	    (want_ret == 0 || errno == EBADMSG)) {
		printf("%s: returns %d, %d event(s)\n", what, ret, calls);
		return;
	}
	printf("%s: expected %d and %d event(s), got %d (%s) and %d\n", what,
	       want_ret, want_calls, ret, strerror(errno), calls);
	failures++;
}

static void nl_framing(void)
{
	/* Room for two messages; aligned as recv() leaves them. */
	static uint64_t store[256];
	unsigned char *buf = (unsigned char *)store;
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	size_t one = put_event(buf, 0x20), two;

	framing_case("one well-formed message", buf, one, 0, 1);
	two = one + put_event(buf + one, 0x20);
	framing_case("two well-formed messages", buf, two, 0, 2);
	framing_case("the second one cut short", buf, two - 4, -1, 0);
	nlh->nlmsg_len = 0x80000000u + (uint32_t)one;	/* negative as an int */
	framing_case("nlmsg_len 2^31 + its real length", buf, one, -1, 0);
	nlh->nlmsg_len = 0xfffffff0u;
	framing_case("nlmsg_len 0xfffffff0", buf, one, -1, 0);
	nlh->nlmsg_len = 8;
	framing_case("nlmsg_len shorter than a header", buf, one, -1, 0);
	nlh->nlmsg_len = (uint32_t)one;
	if (kftp_event_parse(nlh, one - 1, &(struct kftp_event){ 0 }) != -1) {
		printf("kftp_event_parse with a byte missing: not refused\n");
		failures++;
	}
}

/* 2026-12-04 12:00:00 UTC: "now" for the LIST dates without a year. */
#define LISTING_NOW	1796385600

struct listing_want {
	enum listing_result result;
	const char *name;	/* ENTRY: the name; REFUSED, BAD: in *why */
	enum listing_type type;
	long long size, mtime;	/* -1: not given */
};

static bool target_is(const struct listing_entry *e, const char *want)
{
	if (!want)
		return !e->target;
	return e->target && e->target_len == strlen(want) &&
	       !memcmp(e->target, want, e->target_len);
}

/* target: a link's, as listed, or NULL for none. */
static void listing_case(char form, const char *line, size_t len,
			 struct listing_want w, const char *target)
{
	struct listing_entry e;
	const char *why = "";
	enum listing_result r;
	char shown[160];

	/* 'u': LIST at LISTING_NOW; 'U': LIST at New Year's Eve, 20:00 UTC. */
	r = form == 'm' ? listing_parse_mlsd(line, len, &e, &why) :
	    listing_parse_unix(line, len, form == 'U' ? 1798747200 : LISTING_NOW, &e, &why);
	if (r != w.result ||
	    (r == LISTING_ENTRY && (strcmp(e.name, w.name) || e.type != w.type ||
				    (e.has_size ? (long long)e.size : -1) != w.size ||
				    (e.has_mtime ? (long long)e.mtime : -1) != w.mtime ||
				    !target_is(&e, target))) ||
	    ((r == LISTING_BAD || r == LISTING_REFUSED) && !strstr(why, w.name))) {
		text_escape(shown, sizeof(shown), line, len);
		printf("%c '%s': expected %d '%s' %d %lld %lld, got %d '%s' %d %lld %lld (%s)\n",
		       form, shown, w.result, w.name, w.type, w.size, w.mtime,
		       r, r == LISTING_ENTRY ? e.name : "", e.type,
		       e.has_size ? (long long)e.size : -1,
		       e.has_mtime ? (long long)e.mtime : -1, why);
		failures++;
		return;
	}
	text_escape(shown, sizeof(shown), line, len);
	printf("%c '%s': %d %s\n", form, shown, r, r == LISTING_ENTRY ? e.name : why);
}

#define LC(form, line, ...) \
	listing_case(form, line, sizeof(line) - 1, (struct listing_want){ __VA_ARGS__ }, NULL)
/* A link's line: its entry, and its target. */
#define LT(form, line, target, ...) \
	listing_case(form, line, sizeof(line) - 1, (struct listing_want){ __VA_ARGS__ }, target)
/* A line that gives no entry: RESULT, and WHY in the reason. */
#define LX(form, line, result, why) \
	LC(form, line, result, why, LISTING_OTHER, -1, -1)

static void listing(void)
{
	char long_name[400];
	int n;

	/* vsftpd, pyftpdlib, ls -l: files, a directory, a link, times. */
	LC('u', "-rw-r--r--    1 0        0            4096 Dec 04 10:15 s4096.bin",
	   LISTING_ENTRY, "s4096.bin", LISTING_FILE, 4096, 1796379300);
	LC('u', "drwxr-xr-x    2 0        0            4096 Nov 30  2025 sub dir",
	   LISTING_ENTRY, "sub dir", LISTING_DIR, 4096, 1764460800);
	LC('u', "-rw-r--r--   1 root     root            1 Dec  4 10:15 one",
	   LISTING_ENTRY, "one", LISTING_FILE, 1, 1796379300);
	/* A date later than now (beyond a day of skew) is last year's. */
	LC('u', "-rw-r--r-- 1 u g 1 Dec 25 08:00 x", LISTING_ENTRY, "x", LISTING_FILE, 1,
	   1766649600);
	LT('u', "lrwxrwxrwx    1 0        0               4 Dec 04 10:15 link -> /etc", "/etc",
	   LISTING_ENTRY, "link", LISTING_LINK, 4, 1796379300);
	/* --follow-symlinks reads the target: relative, with spaces, none. */
	LT('u', "lrwxrwxrwx 1 0 0 9 Dec 04 10:15 a b -> ../c d/e", "../c d/e", LISTING_ENTRY,
	   "a b", LISTING_LINK, 9, 1796379300);
	LC('u', "lrwxrwxrwx 1 0 0 9 Dec 04 10:15 bare", LISTING_ENTRY, "bare",
	   LISTING_LINK, 9, 1796379300);
	LC('u', "lrwxrwxrwx 1 0 0 9 Dec 04 10:15 a -> b -> c", LISTING_ENTRY, "a",
	   LISTING_LINK, 9, 1796379300);
	LC('u', "-rw-r--r-- 1 u g 5 Dec 04 10:15  spaced", LISTING_ENTRY, " spaced",
	   LISTING_FILE, 5, 1796379300);
	LC('u', "-rw-r--r-- 1 ftp 5 Dec 04 10:15 nogroup", LISTING_ENTRY, "nogroup",
	   LISTING_FILE, 5, 1796379300);
	LC('u', "-rw-r--r--+ 1 u g 7 Jan 01  2024 acl", LISTING_ENTRY, "acl",
	   LISTING_FILE, 7, 1704067200);
	/* At New Year, a time zone east of UTC: next year's date is not later. */
	LC('U', "-rw-r--r-- 1 u g 1 Jan  1 05:00 newyear", LISTING_ENTRY, "newyear",
	   LISTING_FILE, 1, 1798779600);
	LC('U', "-rw-r--r-- 1 u g 1 Dec 31 19:00 eve", LISTING_ENTRY, "eve", LISTING_FILE, 1,
	   1798743600);
	LC('u', "-rw-r--r-- 1 u g 1 Dec 31  1969 epoch", LISTING_ENTRY, "epoch", LISTING_FILE,
	   1, -86400);
	LC('u', "total 24", LISTING_SKIP, "", 0, -1, -1);
	LC('u', "drwxr-xr-x 2 0 0 4096 Dec 04 10:15 .", LISTING_SKIP, "", 0, -1, -1);
	LC('u', "drwxr-xr-x 2 0 0 4096 Dec 04 10:15 ..", LISTING_SKIP, "", 0, -1, -1);
	/* Hostile names. */
	LX('u', "-rw-r--r-- 1 u g 5 Dec 04 10:15 ../x", LISTING_REFUSED, "'/'");
	LX('u', "-rw-r--r-- 1 u g 5 Dec 04 10:15 /etc/passwd", LISTING_REFUSED, "'/'");
	LX('u', "-rw-r--r-- 1 u g 5 Dec 04 10:15 a\x1b[2Jb", LISTING_REFUSED, "control");
	LX('u', "-rw-r--r-- 1 u g 5 Dec 04 10:15 a\rb", LISTING_REFUSED, "control");
	LX('u', "-rw-r--r-- 1 u g 5 Dec 04 10:15 a\0b", LISTING_REFUSED, "NUL");
	/* C1: U+009B (CSI) as UTF-8, and a Latin-1 byte 0x9b; not Latin-1 letters. */
	LX('u', "-rw-r--r-- 1 u g 5 Dec 04 10:15 a\xc2\x9b" "2Jb", LISTING_REFUSED, "C1");
	LX('u', "-rw-r--r-- 1 u g 5 Dec 04 10:15 a\x9b" "2Jb", LISTING_REFUSED, "C1");
	LX('u', "-rw-r--r-- 1 u g 5 Dec 04 10:15 \x85", LISTING_REFUSED, "C1");
	LC('u', "-rw-r--r-- 1 u g 5 Dec 04 10:15 caf\xe9", LISTING_ENTRY, "caf\xe9",
	   LISTING_FILE, 5, 1796379300);
	LC('u', "-rw-r--r-- 1 u g 5 Dec 04 10:15 \xc4\x81\xe2\x82\xac", LISTING_ENTRY,
	   "\xc4\x81\xe2\x82\xac", LISTING_FILE, 5, 1796379300);
	n = snprintf(long_name, sizeof(long_name), "-rw-r--r-- 1 u g 5 Dec 04 10:15 %0300d", 0);
	listing_case('u', long_name, (size_t)n,
		     (struct listing_want){ LISTING_REFUSED, "NAME_MAX", LISTING_OTHER, -1, -1 },
		     NULL);
	/* Other forms, and broken fields. */
	LX('u', "12-04-26  10:15AM       <DIR>          dir", LISTING_BAD, "Unix form");
	LX('u', "-rw-r--r-- 1 u g 99999999999999999999 Dec 04 10:15 big", LISTING_BAD,
	   "size and date");
	LX('u', "-rw-r--r-- 1 u g 5 Feb 30 10:15 feb", LISTING_BAD, "size and date");
	LX('u', "-rw-r--r-- 1 u g 5 Dec 04 25:15 hour", LISTING_BAD, "size and date");
	LX('u', "-rw-r--r-- 1 u g 5 Dec 04 10:15", LISTING_BAD, "");
	LX('u', "", LISTING_BAD, "Unix form");
	LX('u', "-rw-r--r-\0 1 u g 5 Dec 04 10:15 x", LISTING_BAD, "Unix form");
	/* MLSD: proftpd, pyftpdlib, pure-ftpd's link, the directories. */
	LC('m', "modify=20261204101500;perm=adfr;size=4097;type=file;unique=FD01U2;"
	   "UNIX.group=0;UNIX.mode=0644;UNIX.owner=0; s4097.bin",
	   LISTING_ENTRY, "s4097.bin", LISTING_FILE, 4097, 1796379300);
	LC('m', "type=dir;size=4096;perm=elcmp;unique=803g1;modify=20261204101500.123; sub dir",
	   LISTING_ENTRY, "sub dir", LISTING_DIR, 4096, 1796379300);
	LC('m', "TYPE=File;Size=0; empty", LISTING_ENTRY, "empty", LISTING_FILE, 0, -1);
	LT('m', "type=OS.unix=slink:/etc;size=4; link", "/etc", LISTING_ENTRY, "link",
	   LISTING_LINK, 4, -1);
	LC('m', "type=OS.unix=symlink;size=4; link", LISTING_ENTRY, "link",
	   LISTING_LINK, 4, -1);
	LC('m', "type=OS.unix=slink:;size=4; link", LISTING_ENTRY, "link",
	   LISTING_LINK, 4, -1);
	LC('m', "type=OS.unix=chr-9/1; null", LISTING_ENTRY, "null", LISTING_OTHER, -1, -1);
	LC('m', "size=3; untyped", LISTING_ENTRY, "untyped", LISTING_OTHER, 3, -1);
	LC('m', "type=cdir;modify=20261204101500; /pub", LISTING_SKIP, "", 0, -1, -1);
	LC('m', "type=pdir; ..", LISTING_SKIP, "", 0, -1, -1);
	LC('m', "type=dir; .", LISTING_SKIP, "", 0, -1, -1);
	LC('m', "type=OS.unix=slinky; notalink", LISTING_ENTRY, "notalink", LISTING_OTHER,
	   -1, -1);
	LX('m', "x y=1; name", LISTING_BAD, "not an MLSD line");
	LX('m', "type=file;size=1; /etc/passwd", LISTING_REFUSED, "'/'");
	LX('m', "type=file;size=1; ..", LISTING_REFUSED, "'..'");
	LX('m', "type=file;size=1; ", LISTING_REFUSED, "empty");
	LX('m', "type=file; a\0b", LISTING_REFUSED, "NUL");
	LX('m', "type=file;size=x1; a", LISTING_BAD, "size");
	LX('m', "type=file;size=18446744073709551616; a", LISTING_BAD, "size");
	LX('m', "type=file;modify=20261304101500; a", LISTING_BAD, "modify");
	LX('m', "type=file;modify=2026120410150; a", LISTING_BAD, "modify");
	LX('m', "type=file;size=1;", LISTING_BAD, "without a name");
	LX('m', "garbage", LISTING_BAD, "not an MLSD line");
	LX('m', "-rw-r--r-- 1 u g 5 Dec 04 10:15 x", LISTING_BAD, "not an MLSD line");
}

/* The expansion, one URL a line, into the buffer arg points to. */
static void glob_add(void *arg, const char *url)
{
	char *out = arg;
	size_t n = strlen(out);

	snprintf(out + n, 4096 - n, "%s%s", n ? " " : "", url);
}

/* want: the URLs, space-separated; or "!" and a part of the error. */
static void glob_case(const char *url, size_t max, const char *want)
{
	char got[4096] = "", err[160];
	int ret = urlglob_expand(url, max, glob_add, got, err, sizeof(err));

	if (want[0] == '!' ? ret == 0 || got[0] || !strstr(err, want + 1) :
	    ret != 0 || strcmp(got, want)) {
		printf("%s: expected %s, got %d '%s' (%s)\n", url, want, ret, got,
		       ret ? err : "");
		failures++;
		return;
	}
	printf("%s: %s\n", url, ret ? err : got);
}

/* urlglob_pattern_start(): where the pattern component starts, or 0. */
static void pattern_case(const char *url, size_t want)
{
	size_t got = urlglob_pattern_start(url);

	if (got != want) {
		printf("%s: pattern at %zu, expected %zu\n", url, got, want);
		failures++;
		return;
	}
	printf("%s: pattern at %zu\n", url, got);
}

static void urlglob(void)
{
	glob_case("ftp://h/f", 10, "ftp://h/f");
	glob_case("ftp://h/f[1-3].txt", 10, "ftp://h/f1.txt ftp://h/f2.txt ftp://h/f3.txt");
	glob_case("ftp://h/f[08-10]", 10, "ftp://h/f08 ftp://h/f09 ftp://h/f10");
	glob_case("ftp://h/[a-e:2]", 10, "ftp://h/a ftp://h/c ftp://h/e");
	glob_case("ftp://h/{iso,sig,}", 10, "ftp://h/iso ftp://h/sig ftp://h/");
	glob_case("ftp://h/{a,b}/[1-2]", 10, "ftp://h/a/1 ftp://h/a/2 ftp://h/b/1 ftp://h/b/2");
	glob_case("ftp://h/\\[1-2\\]\\{x\\,y\\}", 10, "ftp://h/[1-2]{x,y}");
	glob_case("ftp://h/a]b}c,d", 10, "ftp://h/a]b}c,d");
	/* The host is not a pattern: a v6 literal, a password with braces. */
	glob_case("ftp://u:p{1,2}[3-4]@[::1]:21/f{a,b}", 10,
		  "ftp://u:p{1,2}[3-4]@[::1]:21/fa ftp://u:p{1,2}[3-4]@[::1]:21/fb");
	glob_case("ftp://[::1]", 10, "ftp://[::1]");
	glob_case("ftp://h/f[1-10]", 10, "ftp://h/f1 ftp://h/f2 ftp://h/f3 ftp://h/f4 "
		  "ftp://h/f5 ftp://h/f6 ftp://h/f7 ftp://h/f8 ftp://h/f9 ftp://h/f10");
	glob_case("ftp://h/f[1-11]", 10, "!makes more than 10 URLs");
	glob_case("ftp://h/[1-5][1-2]", 10, "ftp://h/11 ftp://h/12 ftp://h/21 ftp://h/22 "
		  "ftp://h/31 ftp://h/32 ftp://h/41 ftp://h/42 ftp://h/51 ftp://h/52");
	glob_case("ftp://h/[1-5][1-3]", 10, "!make more than 10 URLs");
	glob_case("ftp://h/f[1-999999999999]", 10, "!is not a range");
	glob_case("ftp://h/f[3-1]", 10, "!goes backwards");
	glob_case("ftp://h/f[a-Z]", 10, "!goes backwards");
	glob_case("ftp://h/f[1-a]", 10, "!is not a range");
	glob_case("ftp://h/f[1-3:0]", 10, "!step");
	glob_case("ftp://h/f[1-3: 2]", 10, "!step");
	glob_case("ftp://h/f[1-3:+2]", 10, "!step");
	/* The product is refused before the ranges' values are all made. */
	glob_case("ftp://h/[1-10][1-10][1-10][1-10][1-10][1-10][1-10][1-10]", 10000,
		  "!make more than 10000 URLs");
	glob_case("ftp://h/{a,b,c,d,e,f,g,h,i,j,k}", 10, "!make more than 10 URLs");
	glob_case("ftp://h/f[1-3", 10, "!is not a range");
	glob_case("ftp://h/f[]", 10, "!is not a range");
	glob_case("ftp://h/f{a,b", 10, "!without its '}'");
	glob_case("ftp://h/f{a,[1-2]}", 10, "!do not nest");
	glob_case("ftp://h/\\*\\?", 10, "ftp://h/*?");
	pattern_case("ftp://h/pub/*.iso", 12);
	pattern_case("ftp://h/p[1-2]/f?.txt", 15);
	pattern_case("ftp://h/a*b/f.txt", 0);	/* not the last component */
	pattern_case("ftp://h/pub/\\*.iso", 0);
	pattern_case("ftp://h/pub/\\*?", 12);
	pattern_case("ftp://u:p*?@h/f", 0);	/* a password, not a pattern */
	pattern_case("ftp://h", 0);
	pattern_case("ftp://h/*", 8);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		void (*run)(void);
	} cases[] = {
		{ "progress-range", progress_range },
		{ "json-utf8", json_utf8 },
		{ "nl-framing", nl_framing },
		{ "listing", listing },
		{ "urlglob", urlglob },
	};
	size_t i;

	for (i = 0; argc == 2 && i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (strcmp(argv[1], cases[i].name))
			continue;
		cases[i].run();
		return failures ? 1 : 0;
	}
	fprintf(stderr, "usage: %s progress-range|json-utf8|nl-framing|listing|urlglob\n", argv[0]);
	return 2;
}
