// SPDX-License-Identifier: GPL-2.0
/*
 * login: the user and password of each job (see login.h).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "login.h"
#include "msgs.h"

void logins_load(struct logins *l, const struct options *opt)
{
	if (opt->netrc_file) {
		netrc_load(&l->netrc, opt->netrc_file, true);
	} else if (opt->netrc) {
		const char *home = getenv("HOME");
		char path[PATH_MAX];

		if (!home || !*home)
			die(EXIT_USAGE, "-n: $HOME is not set");
		if (snprintf(path, sizeof(path), "%s/.netrc", home) >= (int)sizeof(path))
			die(EXIT_USAGE, "-n: $HOME is too long");
		netrc_load(&l->netrc, path, false);
	}
}

void logins_wipe(struct logins *l)
{
	netrc_free(&l->netrc);
}

/* The whole of dst is written: the kernel refuses bytes after the NUL. */
static void copy_field(const char *what, char *dst, size_t size,
		       const char *src, size_t len)
{
	if (len >= size)
		die(EXIT_USAGE, "the %s is too long (at most %zu bytes)", what, size - 1);
	memset(dst, 0, size);
	memcpy(dst, src, len);
}

static void copy_string(const char *what, char *dst, size_t size, const char *src)
{
	copy_field(what, dst, size, src, strlen(src));
}

/*
 * -u beats the URL, which beats netrc (as in curl); a user without a
 * password takes the one netrc has for that user on that host, else
 * $KFTP_PASSWORD. An empty user means an anonymous login. Its password is
 * the one given explicitly (-u :PASS, ftp://:PASS@host/, sent as the
 * anonymous "e-mail address"), or netrc's, or else the kernel's default:
 * $KFTP_PASSWORD is the secret of a named account and is never sent to an
 * anonymous server, as curl sends no password of its own choosing for an
 * anonymous login.
 */
void login_pick(struct job *job, const struct logins *l)
{
	const char *login = job->opt->login, *env, *colon;
	bool has_user, has_pass;
	const struct netrc_entry *e;

	memset(job->user, 0, sizeof(job->user));
	memset(job->pass, 0, sizeof(job->pass));
	if (login) {
		colon = strchr(login, ':');
		has_user = true;
		has_pass = colon != NULL;
		copy_field("user", job->user, sizeof(job->user), login,
			   colon ? (size_t)(colon - login) : strlen(login));
		if (colon)
			copy_string("password", job->pass, sizeof(job->pass), colon + 1);
	} else {
		has_user = job->url.has_user;
		has_pass = job->url.has_pass;
		memcpy(job->user, job->url.user, sizeof(job->user));
		memcpy(job->pass, job->url.pass, sizeof(job->pass));
	}
	if (!has_pass && l->netrc.count) {
		e = netrc_find(&l->netrc, job->url.host, has_user ? job->user : NULL);
		if (e && !has_user && e->login) {
			copy_string("user from netrc", job->user, sizeof(job->user), e->login);
			has_user = true;
		}
		if (e && e->password && (has_user || !e->login)) {
			copy_string("password from netrc", job->pass, sizeof(job->pass),
				    e->password);
			has_pass = true;
		}
	}
	env = getenv("KFTP_PASSWORD");
	if (!has_pass && job->user[0] && env)
		copy_string("password in KFTP_PASSWORD", job->pass, sizeof(job->pass), env);
}
