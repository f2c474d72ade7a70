// SPDX-License-Identifier: GPL-2.0
/*
 * transfer: one URL (see transfer.h).
 *
 * The kernel does the FTP work. This file hands it the request: the data
 * file, created by localfile.c unnamed (O_TMPFILE, mode 0600) in the
 * destination's directory and passed as a descriptor
 * (KFTP_GET_F_DEST_FD); and only when the transfer is complete has it
 * given its final owner, group and mode, fsynced, linked in under a
 * temporary name and renamed onto the destination. A failed, interrupted
 * or killed download therefore never clobbers an existing file and leaves
 * nothing behind. Resuming (-C) writes into the destination itself; -o -
 * hands the kernel stdout (KFTP_GET_F_DEST_STREAM), with no data file.
 * A listing (-l, a wildcard's) is asked for with KFTP_COMMAND_LISTING into
 * an anonymous memory file, whose entries dirlist.c hands to job->each.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <linux/kftp.h>

#include "address.h"
#include "defaults.h"
#include "dirlist.h"
#include "job.h"
#include "localfile.h"
#include "msgs.h"
#include "progress.h"
#include "report.h"
#include "results.h"
#include "session.h"
#include "signals.h"
#include "text.h"
#include "transfer.h"
#include "version.h"

_Static_assert(sizeof(struct kftp_get_args) >= KFTP_GET_ARGS_SIZE_VER5,
	       "struct kftp_get_args smaller than its fifth version");

static bool said_interrupted;

/* What only a file's retrieval asks for: its time and its digests. */
static void set_file_flags(const struct job *job, struct kftp_get_args *a)
{
	const struct options *opt = job->opt;

	/* A pipe has no time to set (-R). */
	if (opt->remote_time && !opt->to_stdout)
		a->flags |= KFTP_GET_F_REMOTE_TIME;
	/* The kernel hashes the data as it writes it: no second pass. */
	if (opt->sha256 || job->want_sha256)
		a->flags |= KFTP_GET_F_SHA256;
	/*
	 * The server's own digest is checked when it offers one (FEAT, once
	 * per login), with a digest option or without; the kernel then hashes
	 * the data too. An older module is not asked for what it does not
	 * know, unless a digest option needs version 4 anyway.
	 */
	if (!opt->no_server_checksum &&
	    ((a->flags & KFTP_GET_F_SHA256) || job->module_version >= REQUEST_V4))
		a->flags |= KFTP_GET_F_SERVER_SHA256;
}

static void fill_args(struct job *job, const struct addrinfo *ai)
{
	const struct options *opt = job->opt;
	struct kftp_get_args *a = &job->args;
	uint32_t t = opt->timeout_ms;

	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->flags = KFTP_GET_F_DEST_FD;
	/* MLSD where FEAT offers it, else LIST: the kernel knows the login's FEAT. */
	if (job->listing)
		a->command = KFTP_COMMAND_LISTING;
	/* -o -: written as write(2) would. */
	if (opt->to_stdout)
		a->flags |= KFTP_GET_F_DEST_STREAM;
	/* A listing takes none of a file's time and digests (kftp(4)). */
	if (!job->listing)
		set_file_flags(job, a);
	/* -v: the kernel, which runs the dialogue, writes it as it happens. */
	if (opt->verbose) {
		a->flags |= KFTP_GET_F_TRACE;
		a->trace_fd = STDERR_FILENO;
	}
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
	a->connect_timeout_ms = opt->connect_ms ?: KFTP_CONNECT_TIMEOUT_DEFAULT_MS;
	a->reply_timeout_ms = t ?: KFTP_REPLY_TIMEOUT_DEFAULT_MS;
	a->accept_timeout_ms = t ?: KFTP_ACCEPT_TIMEOUT_DEFAULT_MS;
	a->stall_timeout_ms = t ?: KFTP_STALL_TIMEOUT_DEFAULT_MS;
	a->resume_offset = job->resume_offset;
	/* Same sizes on both sides, NUL-terminated and length-checked. */
	memcpy(a->user, job->user, sizeof(a->user));
	memcpy(a->password, job->pass, sizeof(a->password));
	memcpy(a->remote_path, job->url.path, sizeof(a->remote_path));
	a->max_filesize = opt->max_filesize;
	/* -l's listing is the file --max-filesize bounds; a wildcard's is not. */
	if (job->listing && (!opt->list_only || !a->max_filesize))
		a->max_filesize = LISTING_SIZE_MAX;
	a->max_time_ms = opt->max_time_ms;
	a->data_family = opt->data_family;
	if (opt->data_family)
		memcpy(a->data_addr, opt->data_addr, sizeof(a->data_addr));
	a->data_port_low = opt->data_port_low;
	a->data_port_high = opt->data_port_high;
	/*
	 * For kftpstat: the final name, not the unnamed data file's
	 * "/dir/#1234 (deleted)". Only a module of version 3 takes it.
	 */
	if (opt->to_stdout || job->listing)
		snprintf(a->display_name, sizeof(a->display_name), "%s", DEST_STDOUT);
	else if (!job->inplace && job->module_version >= REQUEST_V3)
		final_name(job, a->display_name, sizeof(a->display_name));
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

bool transfer_bar(const struct run_ctx *ctx)
{
	int p = ctx->opt->progress;

	/* -v: the kernel's trace lines would cut through the bar. */
	return !ctx->worker && !ctx->opt->verbose &&
	       (p == 1 || (p == -1 && !ctx->opt->quiet && isatty(STDERR_FILENO)));
}

/*
 * The ioctl, with a progress bar on stderr while it runs (progress.c): on a
 * terminal unless -q or --no-progress-meter, always with --progress-bar;
 * never in a -Z worker, where several bars would overwrite each other.
 * The bar's thread follows this transfer's kftp events; without them (no
 * CAP_NET_ADMIN, an older module) there is simply no bar. Returns as
 * ioctl(2) does, errno included.
 */
static int progress_ioctl(const struct run_ctx *ctx, struct job *job, bool fresh)
{
	/* -o -: the bar names the remote file, not "<stdout>". */
	const char *label = job->opt->to_stdout ? job->url.path : job->dest;
	const char *name = strrchr(label, '/');
	struct progress_watch *w = NULL;
	char waiting[sizeof(job->where) + 48];
	int ret, saved;

	/* A listing is no file of the run: no bar. */
	if (transfer_bar(ctx) && !job->listing) {
		/* Until the size is known: what it waits for. */
		snprintf(waiting, sizeof(waiting), fresh ? "connecting to %s" :
			 "starting, on the connection to %s", job->where);
		w = progress_watch_start(stderr, name ? name + 1 : label,
					 job->args.port, job->args.remote_path, waiting);
	}
	ret = ioctl(session_fd(), KFTP_IOC_GET, &job->args);
	saved = errno;
	progress_watch_stop(w);
	errno = saved;
	return ret;
}

/* A listing goes to memory, never to a file system. */
static int create_listing_file(struct job *job)
{
	job->data_fd = memfd_create("kftp-listing", MFD_CLOEXEC);
	return job->data_fd < 0 ? errno : 0;
}

/*
 * One address: the session, a fresh data file, then the ioctl. A signal
 * that arrives before the ioctl starts has replaced the device with
 * /dev/null (signals.h), so the ioctl fails at once; one that arrives
 * during it makes the kernel return EINTR.
 */
static int get_from(const struct run_ctx *ctx, struct job *job,
		    const struct addrinfo *ai)
{
	uint64_t t0;
	bool fresh, timed;
	int err;

	fill_args(job, ai);
	if (request_version(&job->args) > (unsigned int)ctx->version) {
		say_too_old(job->resume_offset ? "-C (resuming)" : "this request",
			    (unsigned int)ctx->version, request_version(&job->args));
		job->err = E2BIG;
		job->local_failed = true;
		job->local_status = EXIT_DEVICE;
		return -1;
	}
	err = session_for(&job->args, &fresh);
	if (err) {
		job->err = err;
		job->local_failed = true;
		job->local_status = EXIT_DEVICE;
		return -1;
	}
	/* The data file, kept for the next address and the next try; or stdout. */
	err = job->opt->to_stdout || job->data_fd >= 0 ? 0 :
	      job->listing ? create_listing_file(job) :
	      job->inplace ? open_inplace(job) : create_data(job);
	if (err) {
		if (err == EAGAIN)
			say("'%s' changed while " PROG " was starting", job->dest);
		else
			say("cannot write '%s': %s", job->dest, strerror(err));
		job->err = err;
		job->local_failed = true;
		job->local_status = EXIT_LOCAL;
		return -1;
	}
	job->args.dest_fd = job->opt->to_stdout ? STDOUT_FILENO : job->data_fd;
	if (signals_caught()) {
		job->err = EINTR;
		return -1;
	}
	/* The call's time: --json's rate, and what --max-time says. */
	timed = job->opt->json || job->opt->max_time_ms;
	t0 = timed ? now_ms() : 0;
	err = progress_ioctl(ctx, job, fresh);
	job->elapsed_ms = timed ? now_ms() - t0 : 0;
	job->ioctl_ms += job->elapsed_ms;
	job->received += job->args.result.bytes_written;
	if (!err)
		return 0;
	job->err = errno;
	return -1;
}

void transfer_say_interrupted(const struct run_ctx *ctx)
{
	if (!ctx->worker && !said_interrupted)
		say("interrupted");
	said_interrupted = true;
}

static int interrupted(const struct run_ctx *ctx, struct job *job)
{
	transfer_say_interrupted(ctx);
	discard_temp(job);
	return signals_caught() ? EXIT_SIGNAL + signals_caught() : EXIT_OTHER;
}

static int failed(struct job *job)
{
	int status = exit_status(job->err, job->args.result.failed_step);

	/* -o -: the reader went away (SIGPIPE ignored): nothing to explain. */
	if (job->opt->to_stdout && job->err == EPIPE)
		return EXIT_LOCAL;

	report_failure(job);
	discard_temp(job);
	return status;
}

/*
 * --sha256: "HEX  NAME", as sha256sum prints it (a name with a backslash
 * or a newline escaped, the line then starting with a backslash), so that
 * sha256sum -c takes the output. With -o -, stdout holds the data: the
 * line goes to stderr, named "-".
 */
static void print_sha256(const struct job *job)
{
	const char *name = job->opt->to_stdout ? "-" : job->dest, *p;
	char hex[2 * KFTP_SHA256_SIZE + 1], line[sizeof(hex) + 2 * KFTP_LOCAL_PATH_MAX + 4];
	bool esc = strpbrk(name, "\\\n");
	size_t n = 0;

	text_hex(hex, job->args.sha256, sizeof(job->args.sha256));
	n += (size_t)snprintf(line, sizeof(line), "%s%s  ", esc ? "\\" : "", hex);
	for (p = name; *p && n + 3 < sizeof(line); p++) {
		if (esc && (*p == '\\' || *p == '\n')) {
			line[n++] = '\\';
			line[n++] = *p == '\n' ? 'n' : '\\';
		} else {
			line[n++] = *p;
		}
	}
	line[n++] = '\n';
	if (write(job->opt->to_stdout ? STDERR_FILENO : STDOUT_FILENO, line, n) < 0)
		say("cannot write the --sha256 line: %s", strerror(errno));
}

/*
 * --checksum(s), or the server's own digest (HASH, XSHA256): the digest the
 * kernel computed while writing is not the one the user or the server gave. The data file is dropped, so the destination stays as it
 * was; written in place (-C) or to stdout, the bytes are already there.
 */
static int checksum_failed(struct job *job)
{
	char want[2 * KFTP_SHA256_SIZE + 1], got[sizeof(want)];
	const struct kftp_get_args *a = &job->args;

	text_hex(got, a->sha256, sizeof(a->sha256));
	if (a->server_hash != KFTP_SERVER_HASH_NONE &&
	    memcmp(a->sha256, a->server_sha256, SHA256_LEN)) {
		text_hex(want, a->server_sha256, SHA256_LEN);
		say("checksum mismatch: sha-256 %s, the server's (%s) is %s", got,
		    a->server_hash == KFTP_SERVER_HASH_HASH ? "HASH" : "XSHA256", want);
	}
	if (job->want_sha256 && memcmp(a->sha256, job->want_sha256, SHA256_LEN)) {
		text_hex(want, job->want_sha256, SHA256_LEN);
		say("checksum mismatch: sha-256 %s, expected %s", got, want);
	}
	if (job->opt->to_stdout)
		say("the data already went to stdout");
	else if (job->inplace)
		say("'%s' was resumed in place and holds the data as received", job->dest);
	else
		say("'%s' was not saved", job->dest);
	discard_temp(job);
	job->err = EBADMSG;
	return EXIT_CHECKSUM;
}

/* -l: the names, one a line, on stdout. */
static void print_name(const struct listing_entry *e, void *arg)
{
	(void)arg;
	puts(e->name);
}

/*
 * A listing job's entries, to job->each. A name that cannot be a file name
 * is reported and left out; a line that is not of the form fails the
 * URL (exit 8) once the rest is handed on.
 */
static int read_listing(struct job *job)
{
	struct dirlist_counts n;
	int err;

	err = dirlist_parse(job->data_fd, job->args.command_sent, job->each,
			    job->each_arg, &n);
	close_data(job);
	job->listing_refused = n.refused;
	if (fflush(stdout)) {
		say("cannot write to stdout: %s", strerror(errno));
		return EXIT_LOCAL;
	}
	if (err)
		return EXIT_LOCAL;
	if (n.bad) {
		say("%zu line%s of the listing could not be read", n.bad,
		    n.bad == 1 ? "" : "s");
		job->err = EBADMSG;
		return EXIT_PROTO;
	}
	return EXIT_OK;
}

static int succeeded(const struct run_ctx *ctx, struct job *job)
{
	const struct kftp_get_result *res = &job->args.result;
	int ret;

	/*
	 * A signal after the last byte still means the user said stop; one
	 * after this check waits until the file is in place.
	 */
	signals_block(true);
	if (signals_caught()) {
		signals_block(false);
		return interrupted(ctx, job);
	}
	if (job->listing) {
		signals_block(false);
		return read_listing(job);
	}
	job->keep_partial = false;
	if ((job->want_sha256 && memcmp(job->args.sha256, job->want_sha256, SHA256_LEN)) ||
	    (job->args.server_hash != KFTP_SERVER_HASH_NONE &&
	     memcmp(job->args.sha256, job->args.server_sha256, SHA256_LEN))) {
		signals_block(false);
		return checksum_failed(job);
	}
	if (job->opt->to_stdout) {
		ret = 0;
	} else if (job->inplace) {
		ret = finish_inplace(job);
	} else {
		set_remote_time(job);
		ret = commit(job, "name");
	}
	signals_block(false);
	if (ret) {
		discard_temp(job);
		return EXIT_LOCAL;
	}
	close_data(job);
	if (ctx->opt->sha256 && !ctx->opt->json)
		print_sha256(job);
	if (ctx->opt->quiet)
		return EXIT_OK;
	if (job->opt->to_stdout)
		note("wrote %llu bytes to stdout", (unsigned long long)res->bytes_written);
	else if (job->inplace && !job->received)
		note("'%s' is already complete (%llu bytes): nothing to download",
		     job->dest, (unsigned long long)job->resume_offset);
	else if (job->inplace)
		note("saved '%s' (%llu bytes, resumed at %llu)", job->dest,
		     (unsigned long long)(job->resume_offset + res->bytes_written),
		     (unsigned long long)job->start_offset);
	else
		note("saved '%s' (%llu bytes)", job->dest,
		     (unsigned long long)(job->resume_offset + res->bytes_written));
	return EXIT_OK;
}

/*
 * One try: each address in turn while the failure is only the TCP
 * connect, the one that worked for the last URL of this host first, then
 * the others in the resolver's order. 0, or -1 (job->err and the result
 * say why).
 */
static int attempt(const struct run_ctx *ctx, struct job *job,
		   const struct addrinfo *const *order, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++) {
		address_describe(job->where, sizeof(job->where), &job->url, order[k]);
		if (!get_from(ctx, job, order[k])) {
			address_worked(order[k]);
			return 0;
		}
		if (signals_caught() || job->err == EINTR || job->local_failed ||
		    job->args.result.failed_step != KFTP_STEP_CONNECT || k + 1 == n)
			return -1;
		if (!ctx->opt->quiet)
			say("cannot connect to %s: %s; trying the next address",
			    job->where, strerror(job->err));
	}
	return -1;
}

/*
 * What can succeed on a second try (--retry): a refused or timed-out
 * connect, any other timeout (a stall too), a reset or a connection the
 * server dropped (421 too), and a 4xx reply. A 5xx reply, a refused
 * login, a missing file and a local error are final.
 */
static bool retryable(const struct job *job)
{
	const struct kftp_get_result *res = &job->args.result;

	if (res->failed_step == KFTP_STEP_LOCAL_FILE)
		return false;
	switch (job->err) {
	case ECONNREFUSED:
		return res->failed_step == KFTP_STEP_CONNECT;
	case ETIMEDOUT: case ECONNRESET: case ECONNABORTED: case EPIPE:
		return true;
	case EPROTO:
		return res->reply_code / 100 == 4;
	}
	return false;
}

/* Before try n + 1: --retry-delay's, else 1 s doubled n - 1 times, capped. */
static uint64_t retry_wait_ms(const struct options *opt, unsigned int n)
{
	uint64_t ms = RETRY_DELAY_MS;

	if (opt->retry_delay_ms)
		return opt->retry_delay_ms;
	while (--n && ms < RETRY_DELAY_MAX_MS)
		ms *= 2;
	return ms < RETRY_DELAY_MAX_MS ? ms : RETRY_DELAY_MAX_MS;
}

/* ms as seconds: "1", "0.25", "600". */
static const char *fmt_seconds(char *buf, size_t size, uint64_t ms)
{
	size_t n;

	snprintf(buf, size, "%llu.%03u", (unsigned long long)(ms / 1000),
		 (unsigned int)(ms % 1000));
	n = strlen(buf);
	while (buf[n - 1] == '0')
		buf[--n] = '\0';
	if (buf[n - 1] == '.')
		buf[--n] = '\0';
	return buf;
}

/* Sleep ms, or less when a stop signal comes. */
static void retry_sleep(uint64_t ms)
{
	struct timespec left = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	while (!signals_caught() && nanosleep(&left, &left) && errno == EINTR)
		;
}

/*
 * After failed try n (1, 2, ...): whether to try again. If so, say so
 * (one line, with the reason), make the data file what the next request
 * resumes from, and wait. The next request asks REST at the bytes that
 * the data file holds (what the kernel wrote), on the same session: the
 * kernel reuses its connection when it survived the failure.
 */
static bool retry_next(const struct run_ctx *ctx, struct job *job, unsigned int n,
		       uint64_t t0)
{
	const struct options *opt = ctx->opt;
	uint64_t wait, next = job->resume_offset + job->args.result.bytes_written;
	char why[512], d[24], from[64] = "";
	bool restart = false;

	if (n > opt->retry)
		return false;
	/* -o -: what went into stdout cannot be taken back, nor resumed. */
	if (opt->to_stdout && (job->received || job->err == EPIPE)) {
		if (job->received && retryable(job))
			say("not retrying: %llu bytes already went to stdout",
			    (unsigned long long)job->received);
		return false;
	}
	/* REST refused on a try that resumed: from byte 0 (not -C's file). */
	if (job->err == EOPNOTSUPP && job->resume_offset > job->start_offset &&
	    !job->inplace)
		restart = true;
	else if (!retryable(job))
		return false;
	wait = restart ? 0 : retry_wait_ms(opt, n);
	if (opt->retry_max_time_ms && now_ms() - t0 + wait > opt->retry_max_time_ms) {
		say("not retrying: --retry-max-time (%s s) would be exceeded",
		    fmt_seconds(d, sizeof(d), opt->retry_max_time_ms));
		return false;
	}
	/* An older module takes no REST, nor does a listing: start over. */
	if (restart || ctx->version < REQUEST_V2 || job->listing)
		next = job->start_offset;
	if (!job->inplace && !opt->to_stdout && ftruncate(job->data_fd, (off_t)next)) {
		say("cannot write '%s': %s", job->dest, strerror(errno));
		return false;
	}
	job->resume_offset = next;
	if (next)
		snprintf(from, sizeof(from), " (resuming at byte %llu)",
			 (unsigned long long)next);
	report_reason(job, why, sizeof(why));
	say("retry %u/%u in %s s%s: %s", n, opt->retry, fmt_seconds(d, sizeof(d), wait), from,
	    restart ? "the server refused REST: starting over" : why);
	job->retries = n;
	retry_sleep(wait);
	return true;
}

/* The URL's file: tries (--retry), then its end, good or bad. */
static int fetch(const struct run_ctx *ctx, struct job *job)
{
	const struct addrinfo *order[ADDRESS_TRIES];
	uint64_t t0 = ctx->opt->retry_max_time_ms ? now_ms() : 0;
	unsigned int n = 0;
	size_t naddr;

	naddr = address_order(&job->url, ctx->opt->data_family, order);
	msg_catch(NULL);	/* resolved: no die() from here on */
	for (;;) {
		if (!attempt(ctx, job, order, naddr))
			return succeeded(ctx, job);
		if (signals_caught() || job->err == EINTR)
			return interrupted(ctx, job);
		if (job->local_failed) {
			discard_temp(job);
			return job->local_status;
		}
		if (!retry_next(ctx, job, ++n, t0))
			break;
		if (signals_caught())
			return interrupted(ctx, job);
	}
	return failed(job);
}

/* The job's URL, from parsing it to its end: its exit status. */
static int run_job(const struct run_ctx *ctx, struct job *job)
{
	jmp_buf env;
	int status;

	job->module_version = ctx->version;
	status = setjmp(env);
	if (!status) {
		msg_catch(&env);
		parse_url(job->url_str, &job->url, job->listing);
		login_pick(job, ctx->logins);
		if (job->listing) {
			snprintf(job->dest, sizeof(job->dest), "%s", DEST_STDOUT);
		} else {
			pick_destination(job);
			job->want_sha256 = job_want_sha256(job);
			check_destination(job);
		}
		job->start_offset = job->resume_offset;
		status = fetch(ctx, job);
	}
	msg_catch(NULL);
	return status;
}

int transfer_url(const struct run_ctx *ctx, size_t i)
{
	static struct job job;
	static char *shown;
	uint64_t t0;
	int status;

	job_init(&job, ctx->opt, ctx->opt->urls[i], i);
	job.listing = ctx->opt->list_only;
	job.each = print_name;
	/* A loop's log must say which file failed: one URL is named too. */
	msg_url(shown = shown_url(job.url_str));
	/* Read the clock only for what uses it: under a VM it may trap. */
	t0 = ctx->opt->json ? now_ms() : 0;
	/* A wildcard that matched nothing: already said. */
	status = ctx->opt->url_status ? ctx->opt->url_status[i] : 0;
	if (!status)
		status = run_job(ctx, &job);
	results_json(&job, i, status, ctx->opt->json ? now_ms() - t0 : 0);
	msg_url(NULL);
	free(shown);
	close_destination(&job);
	job_wipe(&job);
	return status;
}

int transfer_list(const struct run_ctx *ctx, const char *url,
		  void (*each)(const struct listing_entry *e, void *arg), void *arg,
		  size_t *refused)
{
	static struct job job;
	static char *shown;
	int status;

	job_init(&job, ctx->opt, url, SIZE_MAX);
	job.listing = true;
	job.keep_partial = false;
	job.each = each;
	job.each_arg = arg;
	msg_url(shown = shown_url(url));
	status = run_job(ctx, &job);
	if (refused)
		*refused = job.listing_refused;
	msg_url(NULL);
	free(shown);
	close_destination(&job);
	job_wipe(&job);
	return status;
}
