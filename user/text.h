/* SPDX-License-Identifier: GPL-2.0 */
/*
 * text: strings from elsewhere (URLs, file names, server replies, netlink
 * events) made safe to print. Shared by kftp-get and kftpstat.
 *
 * For a terminal, a byte below 0x20, DEL (0x7f) and the backslash are
 * written as \xNN: a name holding ESC or BEL cannot drive the terminal,
 * and the escaping stays unambiguous. Other bytes, UTF-8 included, go as
 * they are. For JSON, a string is quoted and escaped, and always valid
 * UTF-8 (RFC 3629: no overlong form, no surrogate, nothing past
 * U+10FFFF); a byte that does not start a well-formed sequence is written
 * as the code point of the same number, \u00NN.
 */
#ifndef KFTP_TEXT_H
#define KFTP_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* A byte that a terminal acts on: C0 controls and DEL. */
static inline bool text_is_control(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/* Whether s holds a control byte. */
bool text_has_control(const char *s);

/*
 * s[0..len) escaped for a terminal into dst (size >= 1, always
 * NUL-terminated). What does not fit is cut, never in the middle of an
 * escape. Returns the length written.
 */
size_t text_escape(char *dst, size_t size, const char *s, size_t len);

/* s escaped for a terminal, to f. */
void text_fput(FILE *f, const char *s);

/*
 * The length (2 to 4) of the well-formed UTF-8 sequence of a non-ASCII
 * lead byte at p, or 0. p is NUL-terminated: nothing past a NUL is read.
 */
size_t utf8_seq_len(const unsigned char *p);

/* s as a JSON string, quotes included, to f. */
void json_fput(FILE *f, const char *s);

/* The value of a hex digit (either case), or -1. */
static inline int text_hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* n bytes as 2n lowercase hex digits into dst (2n + 1 bytes, NUL-ended). */
void text_hex(char *dst, const unsigned char *src, size_t n);

#endif /* KFTP_TEXT_H */
