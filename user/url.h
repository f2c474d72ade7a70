/* SPDX-License-Identifier: GPL-2.0 */
/*
 * url: ftp://[user[:password]@]host[:port]/path, taken apart and
 * percent-decoded into the fields the kernel takes (url.c). Below it:
 * msgs only.
 */
#ifndef KFTP_URL_H
#define KFTP_URL_H

#include <netdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/kftp.h>

#include "defaults.h"

struct ftp_url {
	char host[NI_MAXHOST];
	bool bracketed;		/* [v6] literal: no name lookup */
	uint16_t port;
	bool has_user;		/* user info in the URL, even an empty user */
	bool has_pass;
	char user[KFTP_USER_MAX];
	char pass[KFTP_PASSWORD_MAX];
	char path[KFTP_REMOTE_PATH_MAX];	/* decoded, leading '/' dropped */
};

/*
 * Parse str into url (zeroed by the caller), or die(EXIT_USAGE). The path
 * must name a file, unless dir_ok (-l: a directory to list, "" for the
 * login directory).
 */
void parse_url(const char *str, struct ftp_url *url, bool dir_ok);
/*
 * The password in the string of a URL, or of what looks like one: its
 * length (0 if none) and, in *start, its offset. What messages and
 * /proc/PID/cmdline must not show.
 */
size_t url_password_span(const char *s, size_t *start);
/*
 * Append name to the URL in dst (of size bytes), with "%XX" for what a
 * URL's path cannot hold as it is (controls, space, '/', '*' and
 * "%#?[]{}\\"); UTF-8 stays. Cut short if dst is too small; a size of
 * 3 * strlen(name) + 1 more than the URL's always holds it.
 */
void url_append_encoded(char *dst, size_t size, const char *name);

#endif /* KFTP_URL_H */
