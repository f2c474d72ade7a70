/* SPDX-License-Identifier: GPL-2.0 */
/*
 * transfer: one URL, from its URL to the file in place (transfer.c, as
 * curl's tool_operate.c): the login, the destination, the addresses, the
 * session, the data file, the ioctl with its progress bar, and the end:
 * the file renamed into place, or the failure explained.
 */
#ifndef KFTP_TRANSFER_H
#define KFTP_TRANSFER_H

#include <stdbool.h>
#include <stddef.h>

#include "listing.h"
#include "login.h"
#include "options.h"

/* What every job of a run shares. */
struct run_ctx {
	const struct options *opt;
	const struct logins *logins;
	bool worker;		/* a -Z worker: no bar, no "interrupted" */
	int version;		/* the module's request version; -1: none usable */
};

/* Download URL number i of ctx->opt (with -l: list it); its exit status. */
int transfer_url(const struct run_ctx *ctx, size_t i);
/*
 * List the directory url names (a URL of the command line, on the
 * session of the URLs before it) and call each() for every entry, in the
 * listing's order; *refused (if not NULL): how many names were reported
 * and left out. Its exit status; a failure is reported.
 */
int transfer_list(const struct run_ctx *ctx, const char *url,
		  void (*each)(const struct listing_entry *e, void *arg), void *arg,
		  size_t *refused);
/*
 * Whether this process draws progress on stderr: on a terminal unless -q
 * or --no-progress-meter, always with --progress-bar; never in a worker.
 */
bool transfer_bar(const struct run_ctx *ctx);
/* "interrupted", once for the process (and never in a worker). */
void transfer_say_interrupted(const struct run_ctx *ctx);

#endif /* KFTP_TRANSFER_H */
