/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mirror: -r, a directory's tree (issue 22). Each URL names a directory;
 * its listing, and its subdirectories' down to --level, are fetched on
 * the run's session, the local directories are made, and each file to
 * fetch becomes a URL of the run, with the directory it goes into
 * (opt->url_dir, beneath the tree's top: see localfile.c).
 *
 * A listing is the server's, so it is hostile input: its names are
 * checked (listing.c), a symlink entry is skipped (with
 * --follow-symlinks, one that leads to a file the tree lists is fetched
 * by its own name, once the whole tree is listed; nothing outside the
 * tree, no directory), and every local
 * directory is made and opened beneath the top with O_NOFOLLOW, so a
 * symlink put in the tree, before or during the run, never redirects a
 * write (destdir_walk()). The bounds: --level (MIRROR_LEVEL_MAX
 * without it: a deeper tree, or one that contains itself, fails),
 * --max-entries per directory, --max-files per tree, and the listing's
 * size (LISTING_SIZE_MAX).
 *
 * A file whose local copy has the listing's size and time is not fetched
 * again (a second run fetches nothing); -N skips one whose local copy is
 * at least as new, whatever its size; --delete removes what a directory's listing no longer has; --include
 * and --exclude select files by their path in the tree.
 * Below it: transfer (the listings), destdir, listing, url, session,
 * signals, msgs, options.
 */
#ifndef KFTP_MIRROR_H
#define KFTP_MIRROR_H

#include "options.h"
#include "transfer.h"

/*
 * Replace each URL of opt (a directory) by the URLs of the files of its
 * tree to fetch, in the order of a walk by levels, names sorted. A
 * directory whose listing failed, or a tree past a bound, stays as a URL
 * with that status in opt->url_status: the run reports it with the
 * others. Counts go to opt->mirror_counts.
 */
void mirror_expand(const struct run_ctx *ctx, struct options *opt);

#endif /* KFTP_MIRROR_H */
