/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netrc: one machine (or default) entry of a netrc file (netrc.c). Below
 * it: msgs only.
 */
#ifndef KFTP_NETRC_H
#define KFTP_NETRC_H

#include <stdbool.h>
#include <stddef.h>

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
 * (nr stays empty); anything else wrong dies with EXIT_USAGE: a file that
 * is not a regular file (never opened for reading: a FIFO or a device is
 * only looked at), and one holding a password that others may read or
 * write, or that belongs to someone else than the caller.
 */
void netrc_load(struct netrc *nr, const char *path, bool must_exist);
/*
 * The grammar alone (exposed for the fuzzer): buf[0..len) into nr, which
 * starts empty. 0, or -1 with the reason in err (nr then holds what was
 * read before it: netrc_free() it either way). *has_password is set if a
 * password token was seen.
 */
int netrc_parse(struct netrc *nr, const char *buf, size_t len, bool *has_password,
		char *err, size_t errsize);
/* Wipe (the passwords) and free every entry; nr is empty afterwards. */
void netrc_free(struct netrc *nr);
/*
 * The entry for host: the first "machine host" (with login user, when user
 * is not NULL), else the default entry (likewise), else NULL.
 */
const struct netrc_entry *netrc_find(const struct netrc *nr, const char *host,
				     const char *user);

#endif /* KFTP_NETRC_H */
