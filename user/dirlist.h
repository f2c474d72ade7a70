/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dirlist: a directory listing as the kernel fetched it (KFTP_COMMAND_*,
 * into a file), split into lines and parsed by listing.c in the form of
 * the command that was sent. What cannot be taken is reported, line by
 * line (the first 20), and the rest is handed on. Below it: listing, text,
 * msgs.
 */
#ifndef KFTP_DIRLIST_H
#define KFTP_DIRLIST_H

#include <stddef.h>
#include <stdint.h>

#include "listing.h"

/* A line longer than this is not one a server sends for one entry. */
#define DIRLIST_LINE_MAX	8192

struct dirlist_counts {
	size_t entries;		/* handed to the callback */
	size_t refused;		/* of the form, with a name that cannot be a file */
	size_t bad;		/* not of the form */
};

/*
 * Parse the listing in fd (all of it, from offset 0), sent in answer to
 * command (KFTP_COMMAND_MLSD, _LIST or _NLST), and call each() for every
 * entry in order. Every refused and every bad line is reported (say()),
 * with its number and its text escaped. Returns 0, or an errno when fd
 * cannot be read (reported too).
 */
int dirlist_parse(int fd, uint32_t command,
		  void (*each)(const struct listing_entry *e, void *arg), void *arg,
		  struct dirlist_counts *n);

#endif /* KFTP_DIRLIST_H */
