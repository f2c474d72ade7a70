/* SPDX-License-Identifier: GPL-2.0 */
/*
 * msgs: kftp-get's messages on stderr, and its exit statuses. The bottom
 * layer of kftp-get: every other file may use it, it uses none of them
 * (only text.h, for the escaping).
 *
 * A message is one write(2) (-Z workers share stderr), bounded, and
 * escaped (text.h): names, URLs and server replies come from others, and
 * their control bytes must not reach a terminal.
 */
#ifndef KFTP_MSGS_H
#define KFTP_MSGS_H

#include <setjmp.h>

#define PROG			"kftp-get"

/* The exit status contract; the -h text, kftp-get(1) and the README list it. */
enum exit_status {
	EXIT_OK		= 0,
	EXIT_OTHER	= 1,
	EXIT_USAGE	= 2,
	EXIT_DEVICE	= 3,	/* /dev/kftp: missing, root only, module too old */
	EXIT_CONNECT	= 4,
	EXIT_LOGIN	= 5,
	EXIT_NOFILE	= 6,
	EXIT_LOCAL	= 7,
	EXIT_PROTO	= 8,
	EXIT_TIMEOUT	= 9,
	EXIT_RESUME	= 10,
	EXIT_FILESIZE	= 11,
	EXIT_CHECKSUM	= 12,	/* --checksum: the digest does not match */
	EXIT_SIGNAL	= 128,	/* plus the signal number */
};

/* A failure, named after the current URL (msg_url()). */
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Progress that names its file itself: never a URL before it. */
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * A failure that ends the current job (see msg_catch()) or, outside a job,
 * the run, with @status.
 */
void die(int status, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 2, 3)));

/* The URL, as messages show it (password masked), that say() and die() name. */
void msg_url(const char *shown);
/*
 * While @env is set (NULL: not), die() goes back there, longjmp(*env,
 * status), instead of exiting: the failure of one job of several.
 */
void msg_catch(jmp_buf *env);

#endif /* KFTP_MSGS_H */
