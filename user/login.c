// SPDX-License-Identifier: GPL-2.0
/*
 * login: the user and password of each job (see login.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "login.h"
#include "msgs.h"
#include "signals.h"
#include "url.h"

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
	explicit_bzero(l->password, sizeof(l->password));
	l->typed = false;
}

/*
 * Whether -u USER (no password) leaves some URL without one; host: the
 * host of those URLs when they have one, else "".
 */
static bool needs_password(const struct logins *l, const struct options *opt,
			   char host[NI_MAXHOST])
{
	static struct ftp_url url;
	const struct netrc_entry *e;
	bool need = false;
	size_t i;

	host[0] = '\0';
	if (!opt->login || !opt->login[0] || strchr(opt->login, ':') ||
	    getenv("KFTP_PASSWORD"))
		return false;
	for (i = 0; i < opt->nurls; i++) {
		memset(&url, 0, sizeof(url));
		parse_url(opt->urls[i], &url, opt->list_only);	/* checked by plan_urls() */
		e = l->netrc.count ? netrc_find(&l->netrc, url.host, opt->login) : NULL;
		if (e && e->password)
			continue;
		if (!need)
			snprintf(host, NI_MAXHOST, "%s", url.host);
		else if (strcmp(host, url.host))
			host[0] = '\0';
		need = true;
	}
	explicit_bzero(&url, sizeof(url));
	return need;
}

/* One line from the terminal fd, without echo, into l->password. */
static void read_password(struct logins *l, int fd, const char *prompt)
{
	struct termios old, quiet;
	size_t n = 0;
	bool echo_off;
	char c;

	echo_off = !tcgetattr(fd, &old);
	if (echo_off) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		quiet.c_lflag |= ICANON;
		echo_off = !tcsetattr(fd, TCSAFLUSH, &quiet);
	}
	if (write(fd, prompt, strlen(prompt)) < 0)
		goto out;
	for (;;) {
		ssize_t r = read(fd, &c, 1);

		if (r < 0 && errno == EINTR && !signals_caught())
			continue;
		if (r <= 0 || c == '\n' || c == '\r')
			break;
		if (n + 1 >= sizeof(l->password)) {
			explicit_bzero(l->password, sizeof(l->password));
			n = 0;
			l->typed = false;
			if (echo_off)
				tcsetattr(fd, TCSAFLUSH, &old);
			die(EXIT_USAGE, "the password is too long (at most %zu bytes)",
			    sizeof(l->password) - 1);
		}
		l->password[n++] = c;
		l->typed = true;
	}
	l->password[n] = '\0';
	explicit_bzero(&c, sizeof(c));
	if (write(fd, "\n", 1) < 0)
		goto out;
out:
	if (echo_off)
		tcsetattr(fd, TCSAFLUSH, &old);
}

void logins_prompt(struct logins *l, const struct options *opt)
{
	char host[NI_MAXHOST], prompt[NI_MAXHOST + KFTP_USER_MAX + 32];
	int fd;

	if (!needs_password(l, opt, host))
		return;
	/* No controlling terminal (a cron job, setsid): as before, no prompt. */
	fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return;
	snprintf(prompt, sizeof(prompt), "Password for %s%s%s: ", opt->login,
		 host[0] ? "@" : "", host);
	read_password(l, fd, prompt);
	close(fd);
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
	else if (!has_pass && job->user[0] && l->typed)
		copy_string("password", job->pass, sizeof(job->pass), l->password);
}
