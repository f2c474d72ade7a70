/* SPDX-License-Identifier: GPL-2.0 */
/*
 * login: whom a job logs in as (login.c): -u, the URL, netrc and
 * $KFTP_PASSWORD, in curl's order. Below it: msgs, netrc, options.
 */
#ifndef KFTP_LOGIN_H
#define KFTP_LOGIN_H

#include "job.h"
#include "netrc.h"
#include "options.h"

/* What logins draw from besides the URL and -u, read once for the run. */
struct logins {
	struct netrc netrc;	/* -n, --netrc-file; empty without */
	bool typed;		/* a password was typed at the prompt: */
	char password[KFTP_PASSWORD_MAX];
};

/* Read netrc (-n, --netrc-file), or die. */
void logins_load(struct logins *l, const struct options *opt);
/*
 * -u USER without a password, none in $KFTP_PASSWORD, and a URL whose
 * host netrc has none for USER either: ask for it on the terminal
 * (/dev/tty, without echo), as curl and lftp do. Without a terminal,
 * nothing: the login goes without a password, as it always did. A stop
 * signal ends the prompt (signals_caught() says so).
 */
void logins_prompt(struct logins *l, const struct options *opt);
/* Wipe and free what it holds. */
void logins_wipe(struct logins *l);
/* job->user and job->pass, from job->url and l; or die(EXIT_USAGE). */
void login_pick(struct job *job, const struct logins *l);

#endif /* KFTP_LOGIN_H */
