// SPDX-License-Identifier: GPL-2.0
/*
 * urlglob: expanding a URL's ranges and sets (urlglob.h). The URL is cut
 * into parts, each a literal or a pattern with its list of values. The
 * product is kept as the parts are made, and a range that would pass the
 * bound is refused before its values are made, so a bad pattern or too
 * many URLs is an error before anything is added or much allocated.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "urlglob.h"

/* A range's bound: "[1-100000000000]" is not a number we count to. */
#define URLGLOB_NUM_MAX	999999999L

struct part {
	char **values;		/* a literal: one value */
	size_t n;
};

struct glob {
	struct part *parts;
	size_t nparts;
	size_t total;		/* the URLs of the parts so far */
	size_t max;
	char *err;
	size_t errsize;
};

static int fail(struct glob *g, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(g->err, g->errsize, fmt, ap);
	va_end(ap);
	return -1;
}

/* A new, empty part; NULL (the reason said) when out of memory. */
static struct part *new_part(struct glob *g)
{
	struct part *p = realloc(g->parts, (g->nparts + 1) * sizeof(*p));

	if (!p) {
		fail(g, "out of memory");
		return NULL;
	}
	g->parts = p;
	p = &g->parts[g->nparts++];
	p->values = NULL;
	p->n = 0;
	return p;
}

static int add_value(struct glob *g, struct part *p, const char *s, size_t len)
{
	char **v = realloc(p->values, (p->n + 1) * sizeof(*v));

	if (!v)
		return fail(g, "out of memory");
	p->values = v;
	v[p->n] = strndup(s, len);
	if (!v[p->n])
		return fail(g, "out of memory");
	p->n++;
	return 0;
}

/* A pattern of n values joins the product: -1 if that makes too many. */
static int multiply(struct glob *g, size_t n)
{
	if (n > g->max / g->total)
		return fail(g, "its ranges and sets make more than %zu URLs", g->max);
	g->total *= n;
	return 0;
}

static bool glob_char(char c)
{
	return c == '[' || c == ']' || c == '{' || c == '}' || c == ',' ||
	       c == '*' || c == '?';
}

/*
 * The text up to the next unescaped character of stop (or the end),
 * unescaped, into buf: where it stopped.
 */
static const char *literal(const char *s, const char *stop, char *buf, size_t *len)
{
	size_t n = 0;

	while (*s && !strchr(stop, *s)) {
		if (*s == '\\' && glob_char(s[1]))
			s++;
		buf[n++] = *s++;
	}
	*len = n;
	return s;
}

/* "{a,b,c}" at s: its values. Where it ends, past the "}", or NULL. */
static const char *parse_set(struct glob *g, const char *s, char *buf)
{
	struct part *p = new_part(g);
	const char *open = s;
	size_t len;

	if (!p)
		return NULL;
	for (s++;;) {
		s = literal(s, ",}[{", buf, &len);
		if (*s == '[' || *s == '{')
			return fail(g, "a '%c' inside '{...}' at '%.20s': sets and ranges do not nest",
				    *s, open), NULL;
		if (!*s)
			return fail(g, "'{' without its '}' at '%.20s'", open), NULL;
		if (add_value(g, p, buf, len))
			return NULL;
		if (*s++ == '}')
			return multiply(g, p->n) ? NULL : s;
	}
}

/* A number or a letter of a range at *s: its value, moved past it. */
static bool range_bound(const char **s, long *v, int *width, bool *letter)
{
	const char *q = *s;
	char *end;

	if ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z')) {
		*v = *q;
		*width = 1;
		*letter = true;
		*s = q + 1;
		return true;
	}
	if (*q < '0' || *q > '9')
		return false;
	*v = strtol(q, &end, 10);
	if (*v > URLGLOB_NUM_MAX || end - q > 9)
		return false;
	*width = (int)(end - q);
	*letter = false;
	*s = end;
	return true;
}

/* How much of a pattern at s an error shows: up to its "]", or 20 bytes. */
static int shown_len(const char *s)
{
	size_t n = strcspn(s, "]");

	return n < 20 && s[n] ? (int)n + 1 : (int)strnlen(s, 20);
}

/* "[N-M]", "[N-M:STEP]", "[a-z]" at s. Where it ends, past the "]", or NULL. */
static const char *parse_range(struct glob *g, const char *s)
{
	const char *open = s, *q = s + 1;
	int w = shown_len(s);
	long lo, hi, step = 1, v;
	int wlo, whi, width;
	bool llo, lhi;
	char buf[16], *end;
	struct part *p;

	if (!range_bound(&q, &lo, &wlo, &llo) || *q++ != '-' ||
	    !range_bound(&q, &hi, &whi, &lhi) || llo != lhi)
		return fail(g, "'%.*s' is not a range: [1-10], [01-10], [a-z] or [1-10:2]",
			    w, open), NULL;
	if (*q == ':') {
		step = q[1] >= '0' && q[1] <= '9' ? strtol(q + 1, &end, 10) : 0;
		if (!step || step > URLGLOB_NUM_MAX)
			return fail(g, "'%.*s': a range's step is a number from 1", w, open), NULL;
		q = end;
	}
	if (*q != ']')
		return fail(g, "'%.*s' is not a range: [1-10], [01-10], [a-z] or [1-10:2]",
			    w, open), NULL;
	if (hi < lo || (llo && ((lo >= 'a') != (hi >= 'a'))))
		return fail(g, "'%.*s' goes backwards, or from a lowercase letter to an "
			    "uppercase one", w, open), NULL;
	if ((unsigned long)((hi - lo) / step) >= g->max)
		return fail(g, "'%.*s' makes more than %zu URLs", w, open, g->max), NULL;
	if (multiply(g, (size_t)((hi - lo) / step) + 1))
		return NULL;
	/* [01-10]: the width of the first number, as curl pads it. */
	width = !llo && wlo > 1 && open[1] == '0' ? wlo : 1;
	p = new_part(g);
	if (!p)
		return NULL;
	for (v = lo; v <= hi; v += step) {
		int n = llo ? snprintf(buf, sizeof(buf), "%c", (char)v) :
			snprintf(buf, sizeof(buf), "%0*ld", width, v);

		if (add_value(g, p, buf, (size_t)n))
			return NULL;
	}
	return q + 1;
}

static void glob_free(struct glob *g)
{
	size_t i, j;

	for (i = 0; i < g->nparts; i++) {
		/* The first part holds the login, a password maybe. */
		for (j = 0; j < g->parts[i].n; j++) {
			explicit_bzero(g->parts[i].values[j], strlen(g->parts[i].values[j]));
			free(g->parts[i].values[j]);
		}
		free(g->parts[i].values);
	}
	free(g->parts);
}

/* Where the path starts: after "scheme://" and the host (maybe "[v6]"). */
static const char *path_start(const char *url)
{
	const char *s = strstr(url, "://");

	return s ? s + 3 + strcspn(s + 3, "/") : url + strlen(url);
}

int urlglob_expand(const char *url, size_t max, void (*add)(void *arg, const char *url),
		   void *arg, char *err, size_t errsize)
{
	struct glob g = { .err = err, .errsize = errsize, .total = 1, .max = max };
	const char *s = path_start(url);
	size_t len = strlen(url), i, total, *at = NULL;
	/*
	 * No value is longer than the text it comes from (a range's number
	 * has at most the digits of its bounds), so one URL fits in len.
	 */
	char *buf = malloc(len + 1), *out = calloc(1, len + 1);
	struct part *p;
	int ret = -1;

	err[0] = '\0';
	if (!buf || !out) {
		fail(&g, "out of memory");
		goto out;
	}
	p = new_part(&g);
	if (!p || add_value(&g, p, url, (size_t)(s - url)))
		goto out;
	while (*s) {
		size_t n;

		if (*s == '{') {
			s = parse_set(&g, s, buf);
		} else if (*s == '[') {
			s = parse_range(&g, s);
		} else {
			s = literal(s, "[{", buf, &n);
			p = new_part(&g);
			if (!p || add_value(&g, p, buf, n))
				goto out;
		}
		if (!s)
			goto out;
	}
	at = calloc(g.nparts, sizeof(*at));
	if (!at) {
		fail(&g, "out of memory");
		goto out;
	}
	for (total = g.total; total--;) {
		char *o = out;

		for (i = 0; i < g.nparts; i++) {
			size_t n = strlen(g.parts[i].values[at[i]]);

			memcpy(o, g.parts[i].values[at[i]], n);
			o += n;
		}
		*o = '\0';
		add(arg, out);
		/* The odometer: the rightmost part turns fastest. */
		for (i = g.nparts; i-- > 0;) {
			if (++at[i] < g.parts[i].n)
				break;
			at[i] = 0;
		}
	}
	ret = 0;
out:
	if (out)
		explicit_bzero(out, len + 1);
	if (buf)
		explicit_bzero(buf, len + 1);
	free(out);
	free(at);
	free(buf);
	glob_free(&g);
	return ret;
}

size_t urlglob_pattern_start(const char *url)
{
	const char *sep = strstr(url, "://"), *path, *last, *p;

	if (!sep)
		return 0;
	path = strchr(sep + 3, '/');
	if (!path)
		return 0;
	last = strrchr(path, '/') + 1;
	for (p = last; *p; p++) {
		if (*p == '\\' && p[1]) {
			p++;
			continue;
		}
		if (*p == '*' || *p == '?')
			return (size_t)(last - url);
	}
	return 0;
}
