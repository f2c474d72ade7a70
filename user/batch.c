// SPDX-License-Identifier: GPL-2.0
/*
 * batch: many URLs (see batch.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "batch.h"
#include "msgs.h"
#include "progress.h"
#include "results.h"
#include "session.h"
#include "signals.h"

/*
 * Shared with the -Z workers. Per URL: NOT_RUN, RUNNING (a worker died
 * under it) or its exit status.
 */
struct shared {
	size_t next;		/* the next URL to take */
	int stop;		/* no more URLs: a signal, or no device */
	int status[];
};

static struct shared *shared;

static void run_sequential(const struct run_ctx *ctx)
{
	size_t i;

	for (i = 0; i < ctx->opt->nurls && !signals_caught() && !session_unusable(); i++) {
		shared->status[i] = RUNNING;
		shared->status[i] = transfer_url(ctx, i);
	}
	session_close();
}

/* A -Z worker: the next URL while there is one; its own session. */
static void __attribute__((noreturn)) worker(const struct run_ctx *ctx)
{
	size_t i;

	for (;;) {
		if (signals_caught() || __atomic_load_n(&shared->stop, __ATOMIC_SEQ_CST))
			break;
		i = __atomic_fetch_add(&shared->next, 1, __ATOMIC_SEQ_CST);
		if (i >= ctx->opt->nurls)
			break;
		shared->status[i] = RUNNING;
		shared->status[i] = transfer_url(ctx, i);
		if (session_unusable())
			__atomic_store_n(&shared->stop, 1, __ATOMIC_SEQ_CST);
	}
	session_close();
	fflush(NULL);
	_exit(signals_caught() ? EXIT_SIGNAL + signals_caught() : 0);
}

/*
 * -Z: up to --parallel-max workers, forked with the stop signals blocked so
 * that each is known to signals.c (to forward a signal to) before a signal
 * can be handled. A worker killed under a download leaves that URL RUNNING.
 */
static void run_parallel(struct run_ctx *ctx)
{
	const struct options *opt = ctx->opt;
	size_t n = opt->parallel_max < opt->nurls ? opt->parallel_max : opt->nurls, i;
	struct progress_group *bar = NULL;
	size_t alive = 0;
	int wstatus;
	pid_t pid;

	/* One line for them all, from the workers' events, joined before. */
	if (transfer_bar(ctx))
		bar = progress_group_start(stderr, opt->nurls);
	fflush(NULL);
	for (i = 0; i < n; i++) {
		signals_block(true);
		if (signals_caught()) {
			signals_block(false);
			break;
		}
		pid = fork();
		if (pid == 0) {
			/* The line is the parent's. */
			progress_group_drop(bar);
			ctx->worker = true;
			signals_forget_all();
			signals_block(false);
			worker(ctx);
		}
		if (pid < 0) {
			say("cannot start a worker process: %s", strerror(errno));
			signals_block(false);
			break;
		}
		signals_forward_to(pid);
		progress_group_add(bar, pid);
		alive++;
		signals_block(false);
	}
	if (!alive) {
		/* Not even one worker: do the work here, bars and all. */
		progress_group_stop(bar);
		run_sequential(ctx);
		return;
	}
	while (alive) {
		pid = waitpid(-1, &wstatus, 0);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (signals_forget(pid))
			alive--;
	}
	progress_group_stop(bar);
}

int batch_run(struct run_ctx *ctx)
{
	const struct options *opt = ctx->opt;
	size_t size, i;

	size = sizeof(*shared) + opt->nurls * sizeof(shared->status[0]);
	shared = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		      -1, 0);
	if (shared == MAP_FAILED)
		die(EXIT_OTHER, "out of memory");
	for (i = 0; i < opt->nurls; i++)
		shared->status[i] = NOT_RUN;
	if (ctx->version < 0)
		;	/* said why: every URL fails with EXIT_DEVICE */
	else if (opt->parallel && opt->parallel_max > 1 && opt->nurls > 1)
		run_parallel(ctx);
	else
		run_sequential(ctx);
	if (signals_caught())
		transfer_say_interrupted(ctx);
	return results_report(opt, shared->status, ctx->version < 0 || session_unusable() ||
			      shared->stop ? EXIT_DEVICE : EXIT_OTHER, signals_caught());
}
