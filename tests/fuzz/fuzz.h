/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the libFuzzer harnesses of user/ share (see the Makefile): the way
 * back from die(), an independent check that bytes are well-formed UTF-8
 * (decoded to code points, not by user/text.c's table), and the check of
 * a JSON string made by user/text.c.
 */
#ifndef KFTP_FUZZ_H
#define KFTP_FUZZ_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "text.h"

/* fuzz-die.c: where die() goes (it must be set before calling in). */
extern jmp_buf fuzz_jmp;

/* A property the code under test broke: a crash libFuzzer reports. */
#define FUZZ_CHECK(cond)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: check failed: %s\n",	\
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

/* RFC 3629: shortest form, no surrogate, at most U+10FFFF. */
static inline bool fuzz_valid_utf8(const unsigned char *s, size_t n)
{
	static const uint32_t min[4] = { 0, 0x80, 0x800, 0x10000 };
	size_t i = 0, j, k;
	uint32_t c;

	while (i < n) {
		c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) {
			k = 1;
			c &= 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			k = 2;
			c &= 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			k = 3;
			c &= 0x07;
		} else {
			return false;
		}
		if (n - i <= k)
			return false;
		for (j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
			c = c << 6 | (s[i + j] & 0x3f);
		}
		if (c < min[k] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return false;
		i += k + 1;
	}
	return true;
}

/* No byte a terminal acts on (C0, DEL). */
static inline bool fuzz_no_control(const unsigned char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

/* json_fput(s): a quoted, valid UTF-8 string without a raw control byte. */
static inline void fuzz_check_json(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return;
	json_fput(f, s);
	fclose(f);
	FUZZ_CHECK(len >= 2 && buf[0] == '"' && buf[len - 1] == '"');
	FUZZ_CHECK(fuzz_valid_utf8((const unsigned char *)buf, len));
	FUZZ_CHECK(fuzz_no_control((const unsigned char *)buf, len));
	free(buf);
}

#endif /* KFTP_FUZZ_H */
