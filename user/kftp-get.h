/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kftp-get: what its source files share (messages, exit statuses, netrc).
 */
#ifndef KFTP_GET_H
#define KFTP_GET_H

#include <stdbool.h>
#include <stddef.h>

#define PROG			"kftp-get"

/* The exit status contract; the -h text and kftp-get(1) list the same table. */
enum exit_status {
	EXIT_OK		= 0,
	EXIT_OTHER	= 1,
	EXIT_USAGE	= 2,
	EXIT_DEVICE	= 3,
	EXIT_CONNECT	= 4,
	EXIT_LOGIN	= 5,
	EXIT_NOFILE	= 6,
	EXIT_LOCAL	= 7,
	EXIT_PROTO	= 8,
	EXIT_TIMEOUT	= 9,
	EXIT_RESUME	= 10,
	EXIT_FILESIZE	= 11,
	EXIT_SIGNAL	= 128,	/* plus the signal number */
};

void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void die(int status, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 2, 3)));

/* netrc.c: one machine (or default) entry of a netrc file. */
struct netrc_entry {
	char *machine;		/* NULL: the default entry */
	char *login;		/* NULL if not given */
	char *password;		/* NULL if not given */
};

struct netrc {
	struct netrc_entry *entries;
	size_t count;
};

/*
 * Read a netrc file into nr. A missing file is no error when !must_exist
 * (nr stays empty); anything else wrong dies with EXIT_USAGE.
 */
void netrc_load(struct netrc *nr, const char *path, bool must_exist);
/*
 * The entry for host: the first "machine host" (with login user, when user
 * is not NULL), else the default entry (likewise), else NULL.
 */
const struct netrc_entry *netrc_find(const struct netrc *nr, const char *host,
				     const char *user);

#endif /* KFTP_GET_H */
