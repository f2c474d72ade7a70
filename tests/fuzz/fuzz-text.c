// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: user/text.c, the escaping of names for a terminal
 * and for JSON. Properties: the JSON is a quoted, valid UTF-8 string with
 * no raw control byte; the terminal form has no control byte, fits, and
 * unescapes to the start of the input (nothing lost but a cut tail).
 */
#include <string.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int hexval(char c)
{
	return c >= 'a' ? c - 'a' + 10 : c - '0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = strndup((const char *)data, size);
	char esc[64], back[64];
	size_t n, i, k = 0, room = size % sizeof(esc) + 1;

	if (!s)
		return 0;
	fuzz_check_json(s);
	n = text_escape(esc, room, s, strlen(s));
	FUZZ_CHECK(n < room && esc[n] == '\0' && strlen(esc) == n);
	FUZZ_CHECK(fuzz_no_control((const unsigned char *)esc, n));
	for (i = 0; i < n; k++) {
		if (esc[i] == '\\') {
			FUZZ_CHECK(i + 3 < n && esc[i + 1] == 'x');
			back[k] = (char)(hexval(esc[i + 2]) << 4 | hexval(esc[i + 3]));
			i += 4;
		} else {
			back[k] = esc[i++];
		}
	}
	FUZZ_CHECK(k <= strlen(s) && !memcmp(back, s, k));
	FUZZ_CHECK(text_has_control(s) == !fuzz_no_control((const unsigned char *)s,
							   strlen(s)));
	free(s);
	return 0;
}
