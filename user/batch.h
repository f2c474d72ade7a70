/* SPDX-License-Identifier: GPL-2.0 */
/*
 * batch: the URLs of a run, one after the other or, with -Z, by up to
 * --parallel-max worker processes that each hold one session and take
 * the next URL from a counter in shared memory: never more control
 * connections than workers (batch.c). Each URL's exit status is kept for
 * the summary.
 */
#ifndef KFTP_BATCH_H
#define KFTP_BATCH_H

#include "transfer.h"

/* Run every URL of ctx->opt; the exit status of the run (the first failure's). */
int batch_run(struct run_ctx *ctx);

#endif /* KFTP_BATCH_H */
