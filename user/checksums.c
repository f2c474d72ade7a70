// SPDX-License-Identifier: GPL-2.0
/*
 * checksums: see checksums.h. A list is read whole before the first
 * download, so that a malformed line stops the run before anything is
 * fetched, as a bad URL does.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checksums.h"
#include "msgs.h"
#include "text.h"

/* One list line of at most this much; sha256sum names are paths. */
#define CHECKSUM_LINE_MAX	(2 * SHA256_LEN + 3 + 4096 * 2)

bool sha256_from_hex(const char *s, size_t len, uint8_t out[SHA256_LEN])
{
	size_t i;

	if (len != 2 * SHA256_LEN)
		return false;
	for (i = 0; i < SHA256_LEN; i++) {
		int hi = text_hex_value(s[2 * i]), lo = text_hex_value(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

/* sha256sum's escapes in a name: \\ and \n; anything else is malformed. */
static bool unescape(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (*s != '\\') {
			*w++ = *s;
			continue;
		}
		s++;
		if (*s == '\\')
			*w++ = '\\';
		else if (*s == 'n')
			*w++ = '\n';
		else
			return false;
	}
	*w = '\0';
	return true;
}

/* One line, without its newline, into e; false if it is not one. */
static bool parse_line(char *line, struct checksum_entry *e)
{
	bool escaped = line[0] == '\\';
	char *hex = line + escaped, *name;

	if (strlen(hex) < 2 * SHA256_LEN + 2 ||
	    !sha256_from_hex(hex, 2 * SHA256_LEN, e->sha256))
		return false;
	name = hex + 2 * SHA256_LEN;
	/* Two spaces (text mode) or a space and '*' (binary mode). */
	if (name[0] != ' ' || (name[1] != ' ' && name[1] != '*') || !name[2])
		return false;
	name += 2;
	if (escaped && !unescape(name))
		return false;
	e->name = strdup(name);
	if (!e->name)
		die(EXIT_OTHER, "out of memory");
	return true;
}

void checksums_load(struct checksums *c, const char *path)
{
	char line[CHECKSUM_LINE_MAX];
	unsigned long lineno = 0;
	struct checksum_entry e;
	size_t cap = 0, len;
	FILE *f;

	c->path = path;
	f = fopen(path, "re");
	if (!f)
		die(EXIT_USAGE, "--checksums: cannot read '%s': %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		len = strlen(line);
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		else if (!feof(f))
			die(EXIT_USAGE, "--checksums: %s:%lu: line too long", path, lineno);
		if (len && line[len - 1] == '\r')
			line[--len] = '\0';
		if (!len || line[0] == '#')
			continue;
		if (!parse_line(line, &e))
			die(EXIT_USAGE, "--checksums: %s:%lu: not a sha256sum line "
			    "(HEX  NAME, 64 hex digits)", path, lineno);
		if (c->n == cap) {
			cap = cap ? 2 * cap : 16;
			c->v = realloc(c->v, cap * sizeof(*c->v));
			if (!c->v)
				die(EXIT_OTHER, "out of memory");
		}
		c->v[c->n++] = e;
	}
	if (ferror(f))
		die(EXIT_USAGE, "--checksums: cannot read '%s': %s", path, strerror(errno));
	fclose(f);
	if (!c->n)
		die(EXIT_USAGE, "--checksums: no checksum in '%s'", path);
}

static const char *base_name(const char *p)
{
	const char *slash = strrchr(p, '/');

	return slash ? slash + 1 : p;
}

const uint8_t *checksums_find(const struct checksums *c, const char *dest)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (!strcmp(c->v[i].name, dest))
			return c->v[i].sha256;
	for (i = 0; i < c->n; i++)
		if (!strcmp(base_name(c->v[i].name), base_name(dest)))
			return c->v[i].sha256;
	return NULL;
}
