// SPDX-License-Identifier: GPL-2.0
/*
 * kftp-get: the netrc file, in curl's grammar (which is ftp(1)'s).
 *
 * Tokens are separated by blanks and newlines; a token in double quotes may
 * hold blanks, and \" \\ \n \r \t inside it mean what they do in C.
 * "machine NAME" starts an entry, "default" starts the entry for every
 * other host; "login NAME", "password PASS" and "account X" fill the
 * current entry ("account" is read and ignored); "macdef NAME" and every
 * line after it up to the next blank line are skipped. Unknown words are
 * ignored, as curl does.
 *
 * As ftp(1) does, a file that others may read or write is refused when it
 * holds a password: anyone who can read it has the account.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/stat.h>

#include "kftp-get.h"

#define NETRC_MAX_SIZE	(1024 * 1024)

struct lexer {
	const char *path;
	const char *p, *end;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/* The next token, malloc'ed; NULL at the end of the file. */
static char *next_token(struct lexer *lx)
{
	char *tok, *out;
	const char *start;

	while (lx->p < lx->end && is_blank(*lx->p))
		lx->p++;
	if (lx->p >= lx->end)
		return NULL;
	if (*lx->p != '"') {
		start = lx->p;
		while (lx->p < lx->end && !is_blank(*lx->p))
			lx->p++;
		tok = strndup(start, (size_t)(lx->p - start));
		if (!tok)
			die(EXIT_OTHER, "out of memory");
		return tok;
	}
	lx->p++;
	tok = malloc((size_t)(lx->end - lx->p) + 1);
	if (!tok)
		die(EXIT_OTHER, "out of memory");
	out = tok;
	while (lx->p < lx->end && *lx->p != '"') {
		char c = *lx->p++;

		if (c == '\\' && lx->p < lx->end) {
			c = *lx->p++;
			if (c == 'n')
				c = '\n';
			else if (c == 'r')
				c = '\r';
			else if (c == 't')
				c = '\t';
		}
		*out++ = c;
	}
	if (lx->p >= lx->end)
		die(EXIT_USAGE, "%s: a quoted token is not closed", lx->path);
	lx->p++;
	*out = '\0';
	return tok;
}

/* After "macdef NAME": skip the rest of the line and the lines up to a blank one. */
static void skip_macdef(struct lexer *lx)
{
	bool blank;

	while (lx->p < lx->end && *lx->p != '\n')
		lx->p++;
	while (lx->p < lx->end) {
		lx->p++;	/* the '\n' ending the previous line */
		blank = true;
		while (lx->p < lx->end && *lx->p != '\n') {
			if (!is_blank(*lx->p))
				blank = false;
			lx->p++;
		}
		if (blank)
			return;
	}
}

static struct netrc_entry *new_entry(struct netrc *nr, char *machine)
{
	struct netrc_entry *e;

	e = realloc(nr->entries, (nr->count + 1) * sizeof(*e));
	if (!e)
		die(EXIT_OTHER, "out of memory");
	nr->entries = e;
	e = &nr->entries[nr->count++];
	e->machine = machine;
	e->login = NULL;
	e->password = NULL;
	return e;
}

/* The value after a keyword; a keyword at the end of the file is an error. */
static char *value(struct lexer *lx, const char *keyword)
{
	char *v = next_token(lx);

	if (!v)
		die(EXIT_USAGE, "%s: '%s' without a value at the end", lx->path, keyword);
	return v;
}

static void replace(char **field, char *v)
{
	free(*field);
	*field = v;
}

static void parse(struct netrc *nr, struct lexer *lx, bool *has_password)
{
	struct netrc_entry *cur = NULL;
	char *tok;

	while ((tok = next_token(lx))) {
		if (!strcmp(tok, "machine")) {
			cur = new_entry(nr, value(lx, "machine"));
		} else if (!strcmp(tok, "default")) {
			cur = new_entry(nr, NULL);
		} else if (!strcmp(tok, "login")) {
			char *v = value(lx, "login");

			if (cur)
				replace(&cur->login, v);
			else
				free(v);
		} else if (!strcmp(tok, "password") || !strcmp(tok, "passwd")) {
			char *v = value(lx, "password");

			*has_password = true;
			if (cur)
				replace(&cur->password, v);
			else
				free(v);
		} else if (!strcmp(tok, "account")) {
			free(value(lx, "account"));
		} else if (!strcmp(tok, "macdef")) {
			free(value(lx, "macdef"));
			skip_macdef(lx);
		}
		free(tok);
	}
}

void netrc_load(struct netrc *nr, const char *path, bool must_exist)
{
	struct lexer lx = { .path = path };
	bool has_password = false;
	struct stat st;
	char *buf;
	ssize_t n;
	size_t got = 0;
	int fd;

	nr->entries = NULL;
	nr->count = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT && !must_exist)
			return;
		die(EXIT_USAGE, "cannot read the netrc file '%s': %s", path, strerror(errno));
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		die(EXIT_USAGE, "the netrc file '%s' is not a regular file", path);
	if (st.st_size > NETRC_MAX_SIZE)
		die(EXIT_USAGE, "the netrc file '%s' is larger than %d bytes", path,
		    NETRC_MAX_SIZE);
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		die(EXIT_OTHER, "out of memory");
	while (got < (size_t)st.st_size) {
		n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die(EXIT_USAGE, "cannot read the netrc file '%s': %s", path,
			    strerror(errno));
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	lx.p = buf;
	lx.end = buf + got;
	parse(nr, &lx, &has_password);
	/* The bytes held passwords: do not leave them in freed memory. */
	explicit_bzero(buf, got);
	free(buf);
	if (has_password && (st.st_mode & 077))
		die(EXIT_USAGE, "the netrc file '%s' holds a password and others may "
		    "read or write it (mode %04o): chmod go= '%s'", path,
		    (unsigned int)(st.st_mode & 07777), path);
}

static bool login_fits(const struct netrc_entry *e, const char *user)
{
	return !user || (e->login && !strcmp(e->login, user));
}

const struct netrc_entry *netrc_find(const struct netrc *nr, const char *host,
				     const char *user)
{
	size_t i;
	bool host_seen = false;

	for (i = 0; i < nr->count; i++) {
		const struct netrc_entry *e = &nr->entries[i];

		if (!e->machine || strcasecmp(e->machine, host))
			continue;
		host_seen = true;
		if (login_fits(e, user))
			return e;
	}
	if (host_seen)
		return NULL;
	for (i = 0; i < nr->count; i++) {
		const struct netrc_entry *e = &nr->entries[i];

		if (!e->machine && login_fits(e, user))
			return e;
	}
	return NULL;
}
