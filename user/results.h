/* SPDX-License-Identifier: GPL-2.0 */
/*
 * results: what came of each URL, for people and for scripts (results.c,
 * as curl's tool_writeout_json.c): the summary line, --json's one object
 * a line per URL on stdout, and --failed's list of the URLs that did not
 * download, in the form -i reads back.
 */
#ifndef KFTP_RESULTS_H
#define KFTP_RESULTS_H

#include <stdint.h>

#include "job.h"
#include "options.h"

/* A URL's status, before it has one: not run, or run by a worker that died. */
#define NOT_RUN		(-1)
#define RUNNING		(-2)

/* --failed FILE: open it now, before any download, or die(EXIT_LOCAL). */
void results_open(const struct options *opt);
/* --json: the line of URL number index (0-based), done with status. */
void results_json(const struct job *job, size_t index, int status, uint64_t ms);
/*
 * The end of the run: each URL's status (NOT_RUN and RUNNING made final:
 * @unrun for the first, a death by signal @sig or EXIT_OTHER for the
 * second, each said), the summary, the --json lines of the URLs that did
 * not run, the --failed file. The run's exit status: that of the first
 * URL that failed.
 */
int results_report(const struct options *opt, int *status, int unrun, int sig);

#endif /* KFTP_RESULTS_H */
