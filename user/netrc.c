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
 * holds a password: anyone who can read it has the account. So is one
 * that belongs to another user than the caller (root reading a user's
 * ~/.netrc under sudo, say): whoever owns it picks the accounts and the
 * servers that the caller's downloads go to. Only a regular file is read:
 * it is opened O_PATH first and looked at, so that a FIFO cannot hang
 * kftp-get and a device is never opened; then it is opened again through
 * /proc/self/fd, which names the very same file. Every copy of its bytes
 * and tokens is wiped before it is freed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/stat.h>

#include "kftp-get.h"

#define NETRC_MAX_SIZE	(1024 * 1024)

struct lexer {
	const char *p, *end;
	char *err;		/* where a parse error is described */
	size_t errsize;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/* free() for what may hold a password. */
static void wipe_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

/*
 * The next token, malloc'ed, in *tok: 1, or 0 at the end of the file, or
 * -1 on an error (described in lx->err).
 */
static int next_token(struct lexer *lx, char **tok)
{
	char *out;
	const char *start;

	while (lx->p < lx->end && is_blank(*lx->p))
		lx->p++;
	if (lx->p >= lx->end)
		return 0;
	if (*lx->p != '"') {
		start = lx->p;
		while (lx->p < lx->end && !is_blank(*lx->p))
			lx->p++;
		*tok = strndup(start, (size_t)(lx->p - start));
		if (!*tok)
			die(EXIT_OTHER, "out of memory");
		return 1;
	}
	lx->p++;
	start = lx->p;
	while (lx->p < lx->end && *lx->p != '"')
		lx->p += *lx->p == '\\' && lx->p + 1 < lx->end ? 2 : 1;
	if (lx->p >= lx->end) {
		snprintf(lx->err, lx->errsize, "a quoted token is not closed");
		return -1;
	}
	*tok = out = malloc((size_t)(lx->p - start) + 1);
	if (!out)
		die(EXIT_OTHER, "out of memory");
	while (start < lx->p) {
		char c = *start++;

		if (c == '\\' && start < lx->p) {
			c = *start++;
			if (c == 'n')
				c = '\n';
			else if (c == 'r')
				c = '\r';
			else if (c == 't')
				c = '\t';
		}
		*out++ = c;
	}
	*out = '\0';
	lx->p++;
	return 1;
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

/* The value after a keyword: 1, or -1 (a keyword at the end of the file). */
static int value(struct lexer *lx, const char *keyword, char **v)
{
	int ret = next_token(lx, v);

	if (!ret)
		snprintf(lx->err, lx->errsize, "'%s' without a value at the end", keyword);
	return ret > 0 ? 1 : -1;
}

/* Into *field of the current entry, if any; else dropped. */
static void store(struct netrc_entry *cur, char **field, char *v)
{
	if (cur) {
		wipe_free(*field);
		*field = v;
	} else {
		wipe_free(v);
	}
}

int netrc_parse(struct netrc *nr, const char *buf, size_t len, bool *has_password,
		char *err, size_t errsize)
{
	struct lexer lx = { .p = buf, .end = buf + len, .err = err, .errsize = errsize };
	struct netrc_entry *cur = NULL;
	char *tok, *v = NULL;
	int ret;

	while ((ret = next_token(&lx, &tok)) > 0) {
		if (!strcmp(tok, "machine")) {
			ret = value(&lx, "machine", &v);
			if (ret > 0)
				cur = new_entry(nr, v);
		} else if (!strcmp(tok, "default")) {
			cur = new_entry(nr, NULL);
		} else if (!strcmp(tok, "login")) {
			ret = value(&lx, "login", &v);
			if (ret > 0)
				store(cur, cur ? &cur->login : NULL, v);
		} else if (!strcmp(tok, "password") || !strcmp(tok, "passwd")) {
			*has_password = true;
			ret = value(&lx, "password", &v);
			if (ret > 0)
				store(cur, cur ? &cur->password : NULL, v);
		} else if (!strcmp(tok, "account")) {
			ret = value(&lx, "account", &v);
			if (ret > 0)
				wipe_free(v);
		} else if (!strcmp(tok, "macdef")) {
			ret = value(&lx, "macdef", &v);
			if (ret > 0) {
				wipe_free(v);
				skip_macdef(&lx);
			}
		}
		/* A token out of place may be a password: wiped too. */
		wipe_free(tok);
		if (ret < 0)
			break;
	}
	return ret < 0 ? -1 : 0;
}

void netrc_free(struct netrc *nr)
{
	size_t i;

	for (i = 0; i < nr->count; i++) {
		wipe_free(nr->entries[i].machine);
		wipe_free(nr->entries[i].login);
		wipe_free(nr->entries[i].password);
	}
	free(nr->entries);
	nr->entries = NULL;
	nr->count = 0;
}

/*
 * The netrc file open for reading, if it is a regular file (*st): looked
 * at through an O_PATH descriptor first, which opens nothing, so that a
 * FIFO cannot block us and a device is never opened.
 */
static int open_regular(const char *path, bool must_exist, struct stat *st)
{
	char proc[64];
	struct stat again;
	int pfd, fd;

	pfd = open(path, O_PATH | O_CLOEXEC);
	if (pfd < 0) {
		if (errno == ENOENT && !must_exist)
			return -1;
		die(EXIT_USAGE, "cannot read the netrc file '%s': %s", path, strerror(errno));
	}
	if (fstat(pfd, st) || !S_ISREG(st->st_mode))
		die(EXIT_USAGE, "the netrc file '%s' is not a regular file", path);
	/* The same file again, for reading: /proc, else the name (checked). */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
	fd = open(proc, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT)
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		die(EXIT_USAGE, "cannot read the netrc file '%s': %s", path, strerror(errno));
	close(pfd);
	if (fstat(fd, &again) || again.st_dev != st->st_dev || again.st_ino != st->st_ino)
		die(EXIT_USAGE, "the netrc file '%s' changed while it was read", path);
	*st = again;
	return fd;
}

void netrc_load(struct netrc *nr, const char *path, bool must_exist)
{
	bool has_password = false;
	char err[128];
	struct stat st;
	char *buf;
	ssize_t n;
	size_t got = 0;
	int fd, ret;

	nr->entries = NULL;
	nr->count = 0;
	fd = open_regular(path, must_exist, &st);
	if (fd < 0)
		return;
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
	ret = netrc_parse(nr, buf, got, &has_password, err, sizeof(err));
	/* The bytes held passwords: do not leave them in freed memory. */
	explicit_bzero(buf, got);
	free(buf);
	if (ret) {
		netrc_free(nr);
		die(EXIT_USAGE, "%s: %s", path, err);
	}
	if (!has_password)
		return;
	if (st.st_mode & 077) {
		netrc_free(nr);
		die(EXIT_USAGE, "the netrc file '%s' holds a password and others may "
		    "read or write it (mode %04o): chmod go= '%s'", path,
		    (unsigned int)(st.st_mode & 07777), path);
	}
	if (st.st_uid != geteuid()) {
		netrc_free(nr);
		die(EXIT_USAGE, "the netrc file '%s' holds a password and belongs to "
		    "user %u, not to you (user %u)", path, (unsigned int)st.st_uid,
		    (unsigned int)geteuid());
	}
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
