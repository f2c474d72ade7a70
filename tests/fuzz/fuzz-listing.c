// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: user/listing.c, one line of MLSD or of a Unix LIST,
 * as a hostile server would send it (issue 22). The input's first byte
 * picks the parser; the rest is the line, in a buffer of exactly its size
 * (ASan sees a read past it). Properties: every result is one of the four;
 * an entry's name is NUL-terminated, of at most NAME_MAX bytes, a name
 * that listing_name_refused() takes, and a copy of bytes of the line; a
 * refused or bad line says why.
 */
#include <string.h>

#include "fuzz.h"
#include "listing.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct listing_entry e;
	enum listing_result r;
	const char *why = NULL;
	char *line;
	size_t len, n;

	if (!size)
		return 0;
	len = size - 1;
	line = malloc(len ? len : 1);
	if (!line)
		return 0;
	memcpy(line, data + 1, len);
	/* 1796385600: 2026-12-04 12:00 UTC; any "now" would do. */
	r = data[0] & 1 ? listing_parse_mlsd(line, len, &e, &why) :
	    listing_parse_unix(line, len, 1796385600, &e, &why);
	FUZZ_CHECK(r == LISTING_ENTRY || r == LISTING_SKIP || r == LISTING_BAD ||
		   r == LISTING_REFUSED);
	if (r == LISTING_ENTRY) {
		n = strnlen(e.name, sizeof(e.name));
		FUZZ_CHECK(n < sizeof(e.name) && n <= NAME_MAX);
		FUZZ_CHECK(!listing_name_refused(e.name, n));
		FUZZ_CHECK(memmem(line, len, e.name, n) != NULL);
		FUZZ_CHECK(e.type <= LISTING_OTHER);
	}
	if (r == LISTING_BAD || r == LISTING_REFUSED)
		FUZZ_CHECK(why && *why);
	free(line);
	return 0;
}
