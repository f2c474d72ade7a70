// SPDX-License-Identifier: GPL-2.0
/*
 * results: see results.h. A --json line is one write(2), so that -Z
 * workers' lines do not mix; the --failed file is written by the run's
 * own process at its end.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "kftp-events.h"
#include "msgs.h"
#include "report.h"
#include "results.h"
#include "text.h"
#include "url.h"

static int failed_fd = -1;

void results_open(const struct options *opt)
{
	if (!opt->failed_file)
		return;
	/* It may get passwords (the URLs as given): for its owner only. */
	failed_fd = open(opt->failed_file, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
			 O_NOCTTY | O_CLOEXEC, 0600);
	if (failed_fd < 0)
		die(EXIT_LOCAL, "cannot write the --failed file '%s': %s",
		    opt->failed_file, strerror(errno));
}

static void json_key(FILE *f, const char *key, const char *value)
{
	fprintf(f, ",\"%s\":", key);
	if (value)
		json_fput(f, value);
	else
		fputs("null", f);
}

/* One object, one write(2) to stdout. */
static void json_line(const char *url, size_t index, int status, const char *dest,
		      uint64_t bytes, uint64_t ms, uint64_t ioctl_ms, const char *step,
		      const char *err, const char *reply, unsigned int retries,
		      const char *sha256)
{
	char *buf = NULL, *shown = shown_url(url);
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f) {
		free(shown);
		return;
	}
	fputs("{\"url\":", f);
	json_fput(f, shown);
	fprintf(f, ",\"index\":%zu", index + 1);
	json_key(f, "destination", dest);
	fprintf(f, ",\"exit_status\":%d,\"bytes\":%llu,\"seconds\":%llu.%03u,"
		"\"rate\":%llu", status, (unsigned long long)bytes,
		(unsigned long long)(ms / 1000), (unsigned int)(ms % 1000),
		(unsigned long long)(ioctl_ms ? bytes * 1000 / ioctl_ms : 0));
	json_key(f, "failed_step", step);
	json_key(f, "errno", err);
	json_key(f, "reply", reply);
	fprintf(f, ",\"retries\":%u", retries);
	/* NULL: not asked for; "": asked for, none (the download failed). */
	if (sha256)
		json_key(f, "sha256", sha256[0] ? sha256 : NULL);
	fputs("}\n", f);
	if (!fclose(f) && write(STDOUT_FILENO, buf, len) < 0)
		say("cannot write the --json line: %s", strerror(errno));
	free(buf);
	free(shown);
}

void results_json(const struct job *job, size_t index, int status, uint64_t ms)
{
	const struct kftp_get_result *res = &job->args.result;
	char reply[KFTP_REPLY_TEXT_MAX + 8], eb[16], hex[2 * KFTP_SHA256_SIZE + 1];
	bool failed = status != EXIT_OK;
	const char *sha256 = NULL;

	if (!job->opt->json)
		return;
	/*
	 * Asked for (--sha256, --checksum), or computed for the server's
	 * check: the digest, or null without one.
	 */
	if ((job->args.flags & KFTP_GET_F_SHA256) ||
	    job->args.server_hash != KFTP_SERVER_HASH_NONE) {
		text_hex(hex, job->args.sha256, sizeof(job->args.sha256));
		sha256 = status == EXIT_OK || status == EXIT_CHECKSUM ? hex : "";
	}
	json_line(job->url_str, index, status, job->dest[0] ? job->dest : NULL,
		  job->received, ms, job->ioctl_ms,
		  failed && res->failed_step ? kftp_step_name(res->failed_step) : NULL,
		  failed && job->err ? kftp_errno_name((uint32_t)job->err, eb, sizeof(eb)) :
		  NULL, report_reply(res, reply, sizeof(reply)), job->retries, sha256);
}

/*
 * Which lines --failed writes: each URL that did not download; with -r,
 * each tree (its top's URL, once) of which something failed, since a
 * file's URL given to -i again would land out of its tree.
 */
static size_t failed_lines(const struct options *opt, const int *status, bool *failed)
{
	size_t i, n = 0;

	for (i = 0; i < opt->nurls; i++) {
		if (status[i] == EXIT_OK)
			continue;
		if (opt->mirror_tops)
			failed[opt->url_tree[i]] = true;
		else
			failed[i] = true;
	}
	for (i = 0; i < (opt->mirror_tops ? opt->nmirror_tops : opt->nurls); i++)
		n += failed[i];
	return n;
}

/* --failed: the URLs that did not download, one a line, as -i reads them. */
static void write_failed(const struct options *opt, const int *status)
{
	char **urls = opt->mirror_tops ? opt->mirror_tops : opt->urls;
	size_t i, n = opt->mirror_tops ? opt->nmirror_tops : opt->nurls, nfailed, start;
	bool secret = false, *failed;
	FILE *f;

	if (failed_fd < 0)
		return;
	failed = calloc(n ?: 1, sizeof(*failed));
	if (!failed)
		die(EXIT_OTHER, "out of memory");
	nfailed = failed_lines(opt, status, failed);
	for (i = 0; i < n; i++)
		if (failed[i])
			secret |= url_password_span(urls[i], &start) > 0;
	if (secret)
		fchmod(failed_fd, 0600);
	f = fdopen(failed_fd, "w");
	if (!f) {
		close(failed_fd);
		free(failed);
		say("cannot write the --failed file '%s': %s", opt->failed_file,
		    strerror(errno));
		return;
	}
	failed_fd = -1;
	if (opt->mirror_tops)
		fprintf(f, "# " PROG " --failed: %zu of %zu trees did not mirror whole; "
			PROG " -r -i FILE tries them again\n", nfailed, n);
	else
		fprintf(f, "# " PROG " --failed: %zu of %zu URLs did not download; "
			PROG " -i FILE tries them again\n", nfailed, n);
	for (i = 0; i < n; i++)
		if (failed[i])
			fprintf(f, "%s\n", urls[i]);
	free(failed);
	if (fclose(f))
		say("cannot write the --failed file '%s': %s", opt->failed_file,
		    strerror(errno));
}

/*
 * -r: the files fetched, and their bytes (as listed), what the listings
 * left out, and what failed: files and directories alike.
 */
static void mirror_summary(const struct options *opt, const int *status)
{
	const struct mirror_counts *c = &opt->mirror_counts;
	size_t i, fetched = 0, failed = 0;
	uint64_t bytes = 0;

	for (i = 0; i < opt->nurls; i++) {
		if (status[i] != EXIT_OK) {
			failed++;
		} else if (opt->url_dir && opt->url_dir[i]) {
			fetched++;
			bytes += opt->url_size[i];
		}
	}
	note("mirror: %zu fetched (%llu bytes), %llu up to date, %llu excluded, "
	     "%llu links skipped, %llu deleted, %zu failed", fetched,
	     (unsigned long long)bytes, (unsigned long long)c->up_to_date,
	     (unsigned long long)c->excluded, (unsigned long long)c->links,
	     (unsigned long long)c->deleted, failed);
}

int results_report(const struct options *opt, int *status, int unrun, int sig)
{
	size_t i, done = 0;
	int first = EXIT_OK;

	for (i = 0; i < opt->nurls; i++) {
		int s = status[i];

		if (s == EXIT_OK) {
			done++;
			continue;
		}
		if (s == RUNNING) {
			char *shown = shown_url(opt->urls[i]);

			msg_url(shown);
			if (!sig)
				say("the download did not finish (its worker process died)");
			msg_url(NULL);
			free(shown);
			s = sig ? EXIT_SIGNAL + sig : EXIT_OTHER;
		} else if (s == NOT_RUN) {
			s = sig ? EXIT_SIGNAL + sig : unrun;
		}
		if (status[i] < 0 && opt->json)
			json_line(opt->urls[i], i, s, NULL, 0, 0, 0, NULL, NULL, NULL, 0, NULL);
		status[i] = s;
		if (first == EXIT_OK)
			first = s;
	}
	if (opt->mirror && !opt->quiet)
		mirror_summary(opt, status);
	else if (opt->nurls > 1 && !opt->quiet)
		note("%zu of %zu files downloaded", done, opt->nurls);
	write_failed(opt, status);
	return first;
}
