// SPDX-License-Identifier: GPL-2.0
/*
 * listing: parsing one line of MLSD or of a Unix-style LIST (listing.h).
 * Nothing here trusts the line: every field is checked for its form and
 * range, a number for overflow, and the name for what a local file name
 * may hold.
 */
#include <string.h>
#include <strings.h>
#include <time.h>

#include "listing.h"
#include "text.h"

/* The years a listing's date may have (a range check only; 1969 is a
 * time of 0 shown west of UTC). */
#define LISTING_YEAR_MIN	1900
#define LISTING_YEAR_MAX	9999
#define DAY_SECONDS		86400

/* "." or "..": a directory's own entries. */
static bool dot_entry(const char *name, size_t len)
{
	return (len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.');
}

/*
 * The length of the UTF-8 sequence at p (2 to 4 bytes, within left), or
 * 0: not a lead byte followed by its continuation bytes.
 */
static size_t utf8_len_within(const unsigned char *p, size_t left)
{
	size_t n = p[0] >= 0xc2 && p[0] <= 0xdf ? 2 : p[0] >= 0xe0 && p[0] <= 0xef ? 3 :
		   p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : 0, i;

	if (!n || n > left)
		return 0;
	for (i = 1; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

/*
 * A C1 control (U+0080..U+009F), which some terminals act on as they do on
 * ESC: as UTF-8 (C2 80..C2 9F), or a byte 0x80..0x9F that continues no
 * UTF-8 sequence (Latin-1's C1). Latin-1 letters (0xA0..0xFF) pass.
 */
static bool has_c1(const unsigned char *p, size_t len)
{
	size_t i = 0, n;

	while (i < len) {
		n = utf8_len_within(p + i, len - i);
		if (n == 2 && p[i] == 0xc2 && p[i + 1] <= 0x9f)
			return true;
		if (!n && p[i] >= 0x80 && p[i] <= 0x9f)
			return true;
		i += n ? n : 1;
	}
	return false;
}

const char *listing_name_refused(const char *name, size_t len)
{
	size_t i;

	if (!len)
		return "an empty name";
	if (dot_entry(name, len))
		return "'.' or '..'";
	if (len > NAME_MAX)
		return "a name longer than NAME_MAX (255 bytes)";
	for (i = 0; i < len; i++) {
		if (name[i] == '/')
			return "a name with a '/'";
		if (name[i] == '\0')
			return "a name with a NUL byte";
		if (text_is_control((unsigned char)name[i]))
			return "a name with a control character";
	}
	if (has_c1((const unsigned char *)name, len))
		return "a name with a C1 control character";
	return NULL;
}

/* The name, checked, into e: LISTING_ENTRY or LISTING_REFUSED. */
static enum listing_result take_name(const char *name, size_t len,
				     struct listing_entry *e, const char **why)
{
	const char *refused = listing_name_refused(name, len);

	if (refused) {
		*why = refused;
		return LISTING_REFUSED;
	}
	memcpy(e->name, name, len);
	e->name[len] = '\0';
	return LISTING_ENTRY;
}

/* [p, end) is a decimal number that fits in a uint64_t: into *v. */
static bool parse_u64(const char *p, const char *end, uint64_t *v)
{
	uint64_t n = 0;

	if (p == end)
		return false;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9' || n > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return false;
		n = n * 10 + (uint64_t)(*p - '0');
	}
	*v = n;
	return true;
}

/* n decimal digits at p: their value, or -1. */
static int digits(const char *p, int n)
{
	int v = 0;

	while (n--) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p++ - '0');
	}
	return v;
}

/* A calendar date and time, checked, as UTC seconds: false if invalid. */
static bool utc_time(int year, int mon, int day, int hour, int min, int sec,
		     time_t *t)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	struct tm tm = { 0 };
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	if (year < LISTING_YEAR_MIN || year > LISTING_YEAR_MAX || mon < 1 || mon > 12 ||
	    day < 1 || day > mdays[mon - 1] || (mon == 2 && day == 29 && !leap) ||
	    hour < 0 || hour > 23 || min < 0 || min > 59 || sec < 0 || sec > 60)
		return false;
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	*t = timegm(&tm);
	return true;
}

/* ------------------------------------------------------------------ MLSD */

/* "fact" of [p, end), case-insensitive. */
static bool is_fact(const char *p, const char *end, const char *fact)
{
	size_t n = strlen(fact);

	return (size_t)(end - p) == n && !strncasecmp(p, fact, n);
}

/* modify=YYYYMMDDHHMMSS[.sss], UTC (RFC 3659, 2.3). */
static bool mlsd_time(const char *p, const char *end, time_t *t)
{
	const char *q;

	if (end - p < 14)
		return false;
	if (end - p > 14) {
		if (p[14] != '.' || end - p == 15)
			return false;
		for (q = p + 15; q < end; q++)
			if (*q < '0' || *q > '9')
				return false;
	}
	return utc_time(digits(p, 4), digits(p + 4, 2), digits(p + 6, 2),
			digits(p + 8, 2), digits(p + 10, 2), digits(p + 12, 2), t);
}

/*
 * A type of "OS.unix=slink[:target]" (proftpd) or "OS.unix=symlink": a
 * link, with its target when the fact gives one.
 */
static bool mlsd_link(const char *v, const char *end, struct listing_entry *e)
{
	if (is_fact(v, end, "OS.unix=symlink"))
		return true;
	if (end - v < 13 || strncasecmp(v, "OS.unix=slink", 13) ||
	    (end - v > 13 && v[13] != ':'))
		return false;
	if (end - v > 14) {
		e->target = v + 14;
		e->target_len = (size_t)(end - e->target);
	}
	return true;
}

enum listing_result listing_parse_mlsd(const char *line, size_t len,
				       struct listing_entry *e, const char **why)
{
	const char *p = line, *end = line + len, *semi, *eq;
	bool skip = false;

	memset(e, 0, sizeof(*e));
	e->type = LISTING_OTHER;
	/* Facts: "name=value;" each, then one space and the name. */
	while (p < end && *p != ' ') {
		semi = memchr(p, ';', (size_t)(end - p));
		eq = memchr(p, '=', (size_t)(end - p));
		if (!semi || !eq || eq > semi || eq == p || memchr(p, ' ', (size_t)(eq - p))) {
			*why = "not an MLSD line (facts \"name=value;\", a space, the name)";
			return LISTING_BAD;
		}
		if (is_fact(p, eq, "type")) {
			const char *v = eq + 1;

			if (is_fact(v, semi, "file"))
				e->type = LISTING_FILE;
			else if (is_fact(v, semi, "dir"))
				e->type = LISTING_DIR;
			else if (is_fact(v, semi, "cdir") || is_fact(v, semi, "pdir"))
				skip = true;
			else if (mlsd_link(v, semi, e))
				e->type = LISTING_LINK;
			else
				e->type = LISTING_OTHER;
		} else if (is_fact(p, eq, "size")) {
			if (!parse_u64(eq + 1, semi, &e->size)) {
				*why = "an MLSD size that is not a number";
				return LISTING_BAD;
			}
			e->has_size = true;
		} else if (is_fact(p, eq, "modify")) {
			if (!mlsd_time(eq + 1, semi, &e->mtime)) {
				*why = "an MLSD modify fact that is not a time (YYYYMMDDHHMMSS)";
				return LISTING_BAD;
			}
			e->has_mtime = true;
			e->mtime_step = 1;
		}
		p = semi + 1;
	}
	if (p == end) {
		*why = "an MLSD line without a name";
		return LISTING_BAD;
	}
	p++;			/* the space */
	/* A directory's own entries, as some servers list them. */
	if (skip || (e->type == LISTING_DIR && dot_entry(p, (size_t)(end - p))))
		return LISTING_SKIP;
	return take_name(p, (size_t)(end - p), e, why);
}

/* ------------------------------------------------------------------ LIST */

/* The month of a three-letter English abbreviation, 1-12, or 0. */
static int month_of(const char *p, size_t n)
{
	static const char months[] = "janfebmaraprmayjunjulaugsepoctnovdec";
	int i;

	if (n != 3)
		return 0;
	for (i = 0; i < 12; i++)
		if (!strncasecmp(p, months + 3 * i, 3))
			return i + 1;
	return 0;
}

/* "drwxr-xr-x" (and an ACL mark: '+', '@' or '.'): the entry's type. */
static bool unix_mode(const char *p, size_t n, enum listing_type *type)
{
	size_t i;

	/* memchr, not strchr: strchr finds a NUL byte in any set. */
	if (n != 10 && !(n == 11 && memchr("+@.", p[10], 3)))
		return false;
	for (i = 1; i < 10; i++)
		if (!memchr("rwxsStTlL-", p[i], 10))
			return false;
	switch (p[0]) {
	case '-':
		*type = LISTING_FILE;
		return true;
	case 'd':
		*type = LISTING_DIR;
		return true;
	case 'l':
		*type = LISTING_LINK;
		return true;
	case 'b': case 'c': case 'p': case 's':
		*type = LISTING_OTHER;
		return true;
	}
	return false;
}

#define UNIX_TOKENS	9	/* mode links owner group size mon day time, +1 */

struct token {
	const char *p;
	size_t n;
};

/* Up to max space-separated words of [p, end) into t: how many. */
static int tokens(const char *p, const char *end, struct token *t, int max)
{
	int n = 0;

	while (n < max) {
		while (p < end && *p == ' ')
			p++;
		if (p == end)
			break;
		t[n].p = p;
		while (p < end && *p != ' ')
			p++;
		t[n].n = (size_t)(p - t[n].p);
		n++;
	}
	return n;
}

/*
 * t[i..i+3] are "SIZE MON DAY HH:MM" or "SIZE MON DAY YEAR": the size
 * and the time into e.
 */
static bool unix_size_date(const struct token *t, time_t now, struct listing_entry *e)
{
	int mon = month_of(t[1].p, t[1].n), day, year, hour = 0, min = 0;
	struct tm tm_now;
	time_t when;

	if (!mon || !parse_u64(t[0].p, t[0].p + t[0].n, &e->size))
		return false;
	day = t[2].n == 1 ? digits(t[2].p, 1) : t[2].n == 2 ? digits(t[2].p, 2) : -1;
	if (t[3].n == 4) {			/* a year */
		year = digits(t[3].p, 4);
	} else if (t[3].n == 5 && t[3].p[2] == ':') {	/* within a year */
		hour = digits(t[3].p, 2);
		min = digits(t[3].p + 3, 2);
		gmtime_r(&now, &tm_now);
		/*
		 * The latest of next year, this year and last year that is not
		 * later than now (a day of skew and time zones allowed), as
		 * ls(1) prints a time of the last twelve months; Feb 29 falls
		 * back to the year that has one.
		 */
		for (year = tm_now.tm_year + 1900 + 1; year >= tm_now.tm_year + 1900 - 1; year--)
			if (utc_time(year, mon, day, hour, min, 0, &when) &&
			    when <= now + DAY_SECONDS)
				break;
	} else {
		return false;
	}
	if (!utc_time(year, mon, day, hour, min, 0, &e->mtime))
		return false;
	e->has_size = true;
	e->has_mtime = true;
	e->mtime_step = t[3].n == 4 ? DAY_SECONDS : 60;
	return true;
}

enum listing_result listing_parse_unix(const char *line, size_t len, time_t now,
				       struct listing_entry *e, const char **why)
{
	const char *end = line + len, *name, *arrow;
	struct token t[UNIX_TOKENS];
	int n, size_at;
	size_t name_len;

	memset(e, 0, sizeof(*e));
	n = tokens(line, end, t, UNIX_TOKENS);
	if (n == 2 && t[0].n == 5 && !strncasecmp(t[0].p, "total", 5))
		return LISTING_SKIP;
	if (n < 8 || !unix_mode(t[0].p, t[0].n, &e->type) ||
	    !parse_u64(t[1].p, t[1].p + t[1].n, &e->size)) {
		*why = "not a LIST line of the Unix form (\"-rw-r--r-- 1 owner group SIZE Mon DD HH:MM NAME\")";
		return LISTING_BAD;
	}
	/* Owner and group; a server that lists no group has the size at 3. */
	size_at = unix_size_date(t + 4, now, e) ? 4 :
		  unix_size_date(t + 3, now, e) ? 3 : -1;
	if (size_at < 0) {
		*why = "a LIST line whose size and date are not \"SIZE Mon DD HH:MM\" or \"SIZE Mon DD YYYY\"";
		return LISTING_BAD;
	}
	/* The name: after the date's word and one space, to the end. */
	name = t[size_at + 3].p + t[size_at + 3].n;
	if (name == end) {
		*why = "a LIST line without a name";
		return LISTING_BAD;
	}
	name++;
	name_len = (size_t)(end - name);
	/*
	 * "link -> target": a link whose own name holds " -> " is cut there;
	 * the form cannot tell (links are skipped unless asked for).
	 */
	if (e->type == LISTING_LINK) {
		arrow = memmem(name, name_len, " -> ", 4);
		if (arrow) {
			e->target = arrow + 4;
			e->target_len = (size_t)(name + name_len - e->target);
			name_len = (size_t)(arrow - name);
			/* "a -> b -> c": which arrow is the link's? No target. */
			if (memmem(e->target, e->target_len, " -> ", 4)) {
				e->target = NULL;
				e->target_len = 0;
			}
		}
	}
	if (dot_entry(name, name_len))
		return LISTING_SKIP;	/* ls -a's own entries */
	return take_name(name, name_len, e, why);
}
