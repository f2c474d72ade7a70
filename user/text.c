// SPDX-License-Identifier: GPL-2.0
/*
 * text: escaping for a terminal and for JSON. See text.h.
 */
#include <string.h>

#include "text.h"

static bool needs_escape(unsigned char c)
{
	return text_is_control(c) || c == '\\';
}

bool text_has_control(const char *s)
{
	for (; *s; s++)
		if (text_is_control((unsigned char)*s))
			return true;
	return false;
}

size_t text_escape(char *dst, size_t size, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0, i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!needs_escape(c)) {
			if (n + 1 >= size)
				break;
			dst[n++] = (char)c;
			continue;
		}
		if (n + 4 >= size)
			break;
		dst[n++] = '\\';
		dst[n++] = 'x';
		dst[n++] = hex[c >> 4];
		dst[n++] = hex[c & 15];
	}
	dst[n] = '\0';
	return n;
}

void text_fput(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p; p++) {
		if (needs_escape(*p))
			fprintf(f, "\\x%02x", *p);
		else
			fputc(*p, f);
	}
}

/* RFC 3629, section 4: the second byte's range depends on the first. */
size_t utf8_seq_len(const unsigned char *p)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)		/* overlong below U+0800 */
			lo = 0xa0;
		else if (c == 0xed)	/* surrogates U+D800..U+DFFF */
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)		/* overlong below U+10000 */
			lo = 0x90;
		else if (c == 0xf4)	/* past U+10FFFF */
			hi = 0x8f;
	} else {
		return 0;	/* ASCII, a continuation byte, C0, C1, F5..FF */
	}
	if (p[1] < lo || p[1] > hi)
		return 0;
	/* A NUL is no continuation byte: the loop stops at it. */
	for (i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

void json_fput(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	fputc('"', f);
	while (*p) {
		unsigned char c = *p;

		if (c == '"' || c == '\\') {
			fprintf(f, "\\%c", c);
		} else if (c == '\n') {
			fputs("\\n", f);
		} else if (c == '\t') {
			fputs("\\t", f);
		} else if (text_is_control(c)) {
			fprintf(f, "\\u%04x", c);
		} else if (c < 0x80) {
			fputc(c, f);
		} else if ((n = utf8_seq_len(p))) {
			fwrite(p, 1, n, f);
			p += n;
			continue;
		} else {
			/* Not UTF-8: the byte as U+00NN, a valid character. */
			fprintf(f, "\\u%04x", c);
		}
		p++;
	}
	fputc('"', f);
}

void text_hex(char *dst, const unsigned char *src, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		dst[2 * i] = digits[src[i] >> 4];
		dst[2 * i + 1] = digits[src[i] & 0xf];
	}
	dst[2 * n] = '\0';
}
