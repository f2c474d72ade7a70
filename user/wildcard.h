/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wildcard: a command-line URL whose last path component holds '*' or '?'
 * is a pattern (fnmatch(3), with [...] classes), matched against the
 * plain files of its directory's listing (issue 22): "ftp://h/pub/" then
 * "*.iso".
 * Ranges and sets (urlglob.h) apply to the rest of its path only; "\*",
 * "\?" and "\[" are the characters themselves; -g turns it all off.
 * Below it: transfer (the listing, on the run's session), urlglob (which
 * component is a pattern), url, session, signals, msgs, options.
 */
#ifndef KFTP_WILDCARD_H
#define KFTP_WILDCARD_H

#include <stddef.h>

#include "options.h"
#include "transfer.h"

/*
 * Replace each wildcard URL of opt by the URLs of the files its pattern
 * matches, sorted by name, on ctx's session. One that matches nothing
 * (exit 6), more than URLGLOB_MAX files (exit 2, as for ranges), or whose
 * listing failed (its status), stays, with that status in
 * opt->url_status: the run reports it with the others.
 */
void wildcard_expand(const struct run_ctx *ctx, struct options *opt);

#endif /* KFTP_WILDCARD_H */
