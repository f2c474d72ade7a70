// SPDX-License-Identifier: GPL-2.0
/*
 * wildcard: patterns in the last component of a URL (see wildcard.h).
 *
 * Only plain files match: a directory, a symbolic link or a device in the
 * listing never does, and a leading '.' must be matched by a '.' (as a
 * shell's '*' does). A match becomes the pattern's URL with the name,
 * percent-encoded where a URL needs it, in place of the pattern. The
 * pattern's own %XX are decoded first (by url.c, as any path is): "\*",
 * not "%2A", is a literal '*'.
 */
#include <fnmatch.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msgs.h"
#include "session.h"
#include "signals.h"
#include "url.h"
#include "urlglob.h"
#include "wildcard.h"

struct matches {
	const char *pattern;	/* decoded, as fnmatch() takes it */
	char **names;		/* the first URLGLOB_MAX of them */
	size_t kept;		/* in names */
	size_t n;		/* every match */
};

static void take(const struct listing_entry *e, void *arg)
{
	struct matches *m = arg;
	char **v;

	if (e->type != LISTING_FILE || fnmatch(m->pattern, e->name, FNM_PERIOD))
		return;
	/* Each match is counted; past the bound none is kept (the pattern fails). */
	m->n++;
	if (m->kept >= URLGLOB_MAX)
		return;
	v = realloc(m->names, (m->kept + 1) * sizeof(*v));
	if (!v)
		die(EXIT_OTHER, "out of memory");
	m->names = v;
	m->names[m->kept++] = xstrdup(e->name);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Add url to the new list (urls, status, wild): status 0 for a URL to
 * fetch; wild for a wildcard's match (plan.c treats it as the server's).
 */
static void push(char ***urls, int **status, bool **wild, size_t *n, char *url,
		 int st, bool from_wildcard)
{
	char **u = realloc(*urls, (*n + 1) * sizeof(**urls));
	int *s;
	bool *w;

	if (u)
		*urls = u;
	s = realloc(*status, (*n + 1) * sizeof(**status));
	if (s)
		*status = s;
	w = realloc(*wild, (*n + 1) * sizeof(**wild));
	if (w)
		*wild = w;
	if (!u || !s || !w)
		die(EXIT_OTHER, "out of memory");
	(*urls)[*n] = url;
	(*status)[*n] = st;
	(*wild)[*n] = from_wildcard;
	(*n)++;
}

void wildcard_expand(const struct run_ctx *ctx, struct options *opt)
{
	char **urls = NULL, *dir, *u;
	int *status = NULL, st;
	bool *wild = NULL;
	size_t n = 0, i, k, start, size;
	struct matches m;
	static struct ftp_url url;	/* large; holds the password: wiped */

	for (i = 0; i < opt->nurls; i++) {
		if (!opt->wildcard[i]) {
			push(&urls, &status, &wild, &n, opt->urls[i], 0, false);
			continue;
		}
		start = urlglob_pattern_start(opt->urls[i]);
		dir = xstrdup(opt->urls[i]);
		dir[start] = '\0';
		memset(&m, 0, sizeof(m));
		/* The pattern, decoded as any path is (plan_urls() parsed it). */
		memset(&url, 0, sizeof(url));
		parse_url(opt->urls[i], &url, false);
		m.pattern = strrchr(url.path, '/') ? strrchr(url.path, '/') + 1 : url.path;
		/* Stopped, or no device: the rest is not listed (batch.c stops too). */
		if (signals_caught())
			st = EXIT_SIGNAL + signals_caught();
		else if (session_unusable())
			st = EXIT_DEVICE;
		else
			st = transfer_list(ctx, dir, take, &m, NULL);
		if (!st && (!m.n || m.n > URLGLOB_MAX)) {
			char *shown = shown_url(opt->urls[i]);

			msg_url(shown);
			if (m.n)
				say("%zu files match '%s': more than %d; narrow the pattern",
				    m.n, m.pattern, URLGLOB_MAX);
			else
				say("no file in the directory matches '%s'", m.pattern);
			msg_url(NULL);
			free(shown);
			st = m.n ? EXIT_USAGE : EXIT_NOFILE;
		}
		if (st) {
			push(&urls, &status, &wild, &n, opt->urls[i], st, false);
		} else {
			qsort(m.names, m.kept, sizeof(*m.names), by_name);
			for (k = 0; k < m.kept; k++) {
				/* A name listed twice is one file. */
				if (k && !strcmp(m.names[k], m.names[k - 1]))
					continue;
				size = strlen(dir) + 3 * strlen(m.names[k]) + 1;
				u = malloc(size);
				if (!u)
					die(EXIT_OTHER, "out of memory");
				snprintf(u, size, "%s", dir);
				url_append_encoded(u, size, m.names[k]);
				push(&urls, &status, &wild, &n, u, 0, true);
			}
			explicit_bzero(opt->urls[i], strlen(opt->urls[i]));
			free(opt->urls[i]);
		}
		for (k = 0; k < m.kept; k++)
			free(m.names[k]);
		free(m.names);
		explicit_bzero(dir, strlen(dir));
		free(dir);
	}
	free(opt->urls);
	free(opt->wildcard);
	opt->urls = urls;
	opt->url_status = status;
	opt->wildcard = wild;
	opt->nurls = n;
	opt->nwildcards = 0;
	opt->wildcards_expanded = true;
	explicit_bzero(&url, sizeof(url));
}
