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
 * nothing behind. Resuming (-C) writes into the destination itself.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <linux/kftp.h>

#include "address.h"
#include "job.h"
#include "localfile.h"
#include "msgs.h"
#include "progress.h"
#include "report.h"
#include "session.h"
#include "signals.h"
#include "transfer.h"
#include "version.h"

_Static_assert(sizeof(struct kftp_get_args) >= KFTP_GET_ARGS_SIZE_VER2,
	       "struct kftp_get_args smaller than its second version");

static bool said_interrupted;

static void fill_args(struct job *job, const struct addrinfo *ai)
{
	const struct options *opt = job->opt;
	struct kftp_get_args *a = &job->args;
	uint32_t t = opt->timeout_ms;

	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->flags = KFTP_GET_F_DEST_FD | (opt->remote_time ? KFTP_GET_F_REMOTE_TIME : 0);
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
	a->max_time_ms = opt->max_time_ms;
	a->data_family = opt->data_family;
	if (opt->data_family)
		memcpy(a->data_addr, opt->data_addr, sizeof(a->data_addr));
	a->data_port_low = opt->data_port_low;
	a->data_port_high = opt->data_port_high;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * The ioctl, with a progress bar on stderr while it runs (progress.c): on a
 * terminal unless -q or --no-progress-meter, always with --progress-bar;
 * never in a -Z worker, where several bars would overwrite each other.
 * The bar's thread follows this transfer's kftp events; without them (no
 * CAP_NET_ADMIN, an older module) there is simply no bar. Returns as
 * ioctl(2) does, errno included.
 */
static int progress_ioctl(const struct run_ctx *ctx, struct job *job)
{
	int p = ctx->opt->progress;
	bool bar = !ctx->worker &&
		   (p == 1 || (p == -1 && !ctx->opt->quiet && isatty(STDERR_FILENO)));
	const char *name = strrchr(job->dest, '/');
	struct progress_watch *w = NULL;
	int ret, saved;

	if (bar)
		w = progress_watch_start(stderr, name ? name + 1 : job->dest,
					 job->args.port, job->args.remote_path);
	ret = ioctl(session_fd(), KFTP_IOC_GET, &job->args);
	saved = errno;
	progress_watch_stop(w);
	errno = saved;
	return ret;
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
	int err;

	job->data_fd = -1;
	fill_args(job, ai);
	if (request_version(&job->args) > (unsigned int)ctx->version) {
		say_too_old(job->resume_offset ? "-C (resuming)" : "this request",
			    (unsigned int)ctx->version, request_version(&job->args));
		job->err = E2BIG;
		job->local_failed = true;
		job->local_status = EXIT_DEVICE;
		return -1;
	}
	err = session_for(&job->args);
	if (err) {
		job->err = err;
		job->local_failed = true;
		job->local_status = EXIT_DEVICE;
		return -1;
	}
	err = job->inplace ? open_inplace(job) : create_data(job);
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
	job->args.dest_fd = job->data_fd;
	if (signals_caught()) {
		job->err = EINTR;
		return -1;
	}
	t0 = now_ms();
	err = progress_ioctl(ctx, job);
	job->elapsed_ms = now_ms() - t0;
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

	report_failure(job);
	discard_temp(job);
	return status;
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
	job->keep_partial = false;
	if (job->inplace) {
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
	if (ctx->opt->quiet)
		return EXIT_OK;
	if (job->inplace && !res->bytes_written)
		note("'%s' is already complete (%llu bytes): nothing to download",
		     job->dest, (unsigned long long)job->resume_offset);
	else if (job->inplace)
		note("saved '%s' (%llu bytes, resumed at %llu)", job->dest,
		     (unsigned long long)(job->resume_offset + res->bytes_written),
		     (unsigned long long)job->resume_offset);
	else
		note("saved '%s' (%llu bytes)", job->dest,
		     (unsigned long long)res->bytes_written);
	return EXIT_OK;
}

/*
 * Try each address in turn while the failure is only the TCP connect: the
 * one that worked for the last URL of this host first, then the others in
 * the resolver's order.
 */
static int fetch(const struct run_ctx *ctx, struct job *job)
{
	const struct addrinfo *order[ADDRESS_TRIES];
	size_t n, k;

	n = address_order(&job->url, ctx->opt->data_family, order);
	msg_catch(NULL);	/* resolved: no die() from here on */
	for (k = 0; k < n; k++) {
		address_describe(job->where, sizeof(job->where), &job->url, order[k]);
		if (!get_from(ctx, job, order[k])) {
			address_worked(order[k]);
			return succeeded(ctx, job);
		}
		if (signals_caught() || job->err == EINTR)
			return interrupted(ctx, job);
		if (job->local_failed) {
			discard_temp(job);
			return job->local_status;
		}
		if (job->args.result.failed_step != KFTP_STEP_CONNECT || k + 1 == n)
			break;
		if (!ctx->opt->quiet)
			say("cannot connect to %s: %s; trying the next address",
			    job->where, strerror(job->err));
		discard_temp(job);
	}
	return failed(job);
}

int transfer_url(const struct run_ctx *ctx, size_t i)
{
	static struct job job;
	static char *shown;
	jmp_buf env;
	int status;

	job_init(&job, ctx->opt, ctx->opt->urls[i]);
	job.module_version = ctx->version;
	/* A loop's log must say which file failed: one URL is named too. */
	msg_url(shown = shown_url(job.url_str));
	status = setjmp(env);
	if (!status) {
		msg_catch(&env);
		parse_url(job.url_str, &job.url);
		login_pick(&job, ctx->logins);
		pick_destination(&job);
		check_destination(&job);
		status = fetch(ctx, &job);
	}
	msg_catch(NULL);
	msg_url(NULL);
	free(shown);
	close_destination(&job);
	/* The passwords: the URL's, the one picked, the one sent. */
	explicit_bzero(&job, sizeof(job));
	return status;
}
