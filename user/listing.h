/* SPDX-License-Identifier: GPL-2.0 */
/*
 * listing: one line of a directory listing, as a server sent it, parsed
 * into an entry (issue 22: the kernel only moves a listing's bytes; all of
 * its parsing is here). Two forms:
 *   MLSD (RFC 3659, 7.2)   "type=file;size=1234;modify=20261204101500; name"
 *   LIST, Unix "ls -l"     "-rw-r--r--   1 ftp ftp  1234 Dec  4 10:15 name"
 *                          (vsftpd, proftpd, pure-ftpd, pyftpdlib)
 * A listing comes from the server, so it is hostile input: a name is
 * taken only if it can become one local file name (listing_name_refused),
 * and a line of another form is an error that says what it is.
 */
#ifndef KFTP_LISTING_H
#define KFTP_LISTING_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

enum listing_type {
	LISTING_FILE,
	LISTING_DIR,
	LISTING_LINK,		/* a symbolic link: skipped unless asked for */
	LISTING_OTHER,		/* a device, FIFO, socket, or an unknown type */
};

struct listing_entry {
	char name[NAME_MAX + 1];
	enum listing_type type;
	bool has_size;
	uint64_t size;
	bool has_mtime;
	time_t mtime;		/* UTC; LIST's has minutes at best */
	unsigned int mtime_step;	/* its precision in seconds: 1, 60 or a day */
	/*
	 * A link's target as listed (LIST's "name -> target", MLSD's
	 * "OS.unix=slink:target"), or NULL: it points into the line.
	 */
	const char *target;
	size_t target_len;
};

enum listing_result {
	LISTING_ENTRY,		/* *e holds an entry */
	LISTING_SKIP,		/* nothing to take: "total N", ".", "..", cdir */
	LISTING_BAD,		/* not of the form: *why says how */
	LISTING_REFUSED,	/* of the form, but its name cannot be a file name */
};

/*
 * One MLSD line, without its line end. The facts kept are type, size and
 * modify (in UTC); "cdir" and "pdir" entries are skipped.
 */
enum listing_result listing_parse_mlsd(const char *line, size_t len,
				       struct listing_entry *e, const char **why);

/*
 * One LIST line in the Unix form. A date without a year ("Dec  4 10:15")
 * is in the twelve months up to now (plus a day of clock skew), as ls(1)
 * means it; LIST's times are the server's local time, taken here as UTC.
 */
enum listing_result listing_parse_unix(const char *line, size_t len, time_t now,
				       struct listing_entry *e, const char **why);

/*
 * Why a name from a server cannot be a local file name, or NULL: empty,
 * "." or "..", a '/', a NUL or a control byte (C0, DEL, and C1 as UTF-8 or
 * as a Latin-1 byte), longer than NAME_MAX.
 */
const char *listing_name_refused(const char *name, size_t len);

#endif /* KFTP_LISTING_H */
