// SPDX-License-Identifier: GPL-2.0
/*
 * plan: the checks before the first download (see plan.h). A typo in the
 * 200th URL of an -i list stops the run before the first file, not after
 * the 199th; so does a module that cannot do what the options ask.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "localfile.h"
#include "msgs.h"
#include "plan.h"
#include "session.h"
#include "version.h"

/* A URL's local name, to find two URLs that would write one file. */
struct planned_dest {
	char *dest;
	size_t url;		/* its index in opt->urls */
};

static int planned_dest_cmp(const void *a, const void *b)
{
	const struct planned_dest *x = a, *y = b;
	int c = strcmp(x->dest, y->dest);

	if (c)
		return c;
	return x->url < y->url ? -1 : x->url > y->url;
}

/*
 * The second of two URLs with one local name would replace the first's
 * file, and the run would still say both were saved: refuse it, as wget
 * would not (it writes README.1) and curl would not (it overwrites).
 */
static void refuse_shared_dests(const struct options *opt,
				struct planned_dest *d, size_t n)
{
	char msg[2 * KFTP_LOCAL_PATH_MAX];
	char *first, *second;
	size_t i;

	qsort(d, n, sizeof(*d), planned_dest_cmp);
	for (i = 1; i < n; i++) {
		if (strcmp(d[i - 1].dest, d[i].dest))
			continue;
		first = shown_url(opt->urls[d[i - 1].url]);
		second = shown_url(opt->urls[d[i].url]);
		snprintf(msg, sizeof(msg), "%s and %s would both be saved as '%s'; "
			 "fetch them in separate runs, or name one with -o",
			 first, second, d[i].dest);
		free(first);
		free(second);
		die(EXIT_USAGE, "%s", msg);
	}
}

void plan_urls(const struct options *opt, const struct logins *l)
{
	static struct job job;
	struct planned_dest *dests;
	size_t i, n = 0;

	dests = calloc(opt->nurls ?: 1, sizeof(*dests));
	if (!dests)
		die(EXIT_OTHER, "out of memory");
	for (i = 0; i < opt->nurls; i++) {
		char *shown = shown_url(opt->urls[i]);

		msg_url(shown);
		job_init(&job, opt, opt->urls[i], i);
		/* A URL that failed already (a mirror's long path) is not parsed. */
		if (opt->url_status && opt->url_status[i]) {
			msg_url(NULL);
			free(shown);
			continue;
		}
		/* -l's URLs, and -r's until a file of the tree, name directories. */
		parse_url(job.url_str, &job.url, opt->list_only ||
			  (opt->mirror && !(opt->url_dir && opt->url_dir[i])));
		login_pick(&job, l);
		/*
		 * -l saves nothing: the URLs name directories, not files. A
		 * wildcard's files are known once its listing is: its
		 * matches are planned then (plan_urls() again), and one that
		 * failed is not fetched.
		 */
		if (opt->list_only || (opt->mirror && !opt->mirror_expanded) ||
		    (opt->wildcard && opt->wildcard[i] && !opt->wildcards_expanded) ||
		    (opt->url_status && opt->url_status[i])) {
			msg_url(NULL);
			free(shown);
			continue;
		}
		pick_destination(&job);
		/*
		 * Every file of the run must be listed: none is fetched in
		 * vain. A wildcard's match is the server's choice: that one
		 * file fails, the run goes on.
		 */
		if (opt->checksums.n && !job_want_sha256(&job)) {
			if (!opt->url_status ||
			    !((opt->wildcard && opt->wildcard[i]) ||
			      (opt->url_dir && opt->url_dir[i])))
				die(EXIT_USAGE, "--checksums: '%s' has no checksum for '%s'",
				    opt->checksums.path, job.dest);
			say("--checksums: '%s' has no checksum for '%s': not fetched",
			    opt->checksums.path, job.dest);
			opt->url_status[i] = EXIT_USAGE;
			msg_url(NULL);
			free(shown);
			continue;
		}
		msg_url(NULL);
		free(shown);
		dests[n].dest = strdup(job.dest);
		if (!dests[n].dest)
			die(EXIT_OTHER, "out of memory");
		dests[n++].url = i;
	}
	job_wipe(&job);
	refuse_shared_dests(opt, dests, n);
	for (i = 0; i < n; i++)
		free(dests[i].dest);
	free(dests);
}

int plan_device(const struct options *opt)
{
	int version = session_probe();
	char v2[64], v3[64], v4[64];

	if (version < 0)
		return -1;
	if (options_v2(opt, v2, sizeof(v2))[0] && version < REQUEST_V2) {
		say_too_old(v2, (unsigned int)version, REQUEST_V2);
		return -1;
	}
	/* -o - and -v: the kernel writes into stdout, and the trace into stderr. */
	if (options_v3(opt, v3, sizeof(v3))[0] && version < REQUEST_V3) {
		say_too_old(v3, (unsigned int)version, REQUEST_V3);
		return -1;
	}
	/* The digest is computed by the kernel, as the data is written. */
	if (options_v4(opt, v4, sizeof(v4))[0] && version < REQUEST_V4) {
		say_too_old(v4, (unsigned int)version, REQUEST_V4);
		return -1;
	}
	if (opt->list_only && version < REQUEST_V5) {
		say_too_old("-l (--list-only)", (unsigned int)version, REQUEST_V5);
		return -1;
	}
	if (opt->mirror && version < REQUEST_V5) {
		say_too_old("-r (--mirror)", (unsigned int)version, REQUEST_V5);
		return -1;
	}
	if (opt->nwildcards && version < REQUEST_V5) {
		say_too_old("a wildcard ('*' or '?') in a URL", (unsigned int)version,
			    REQUEST_V5);
		return -1;
	}
	return version;
}
