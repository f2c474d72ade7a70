// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: user/url.c, the URL parser, on any bytes. Beyond
 * crashes and sanitizer reports, it checks that a parsed URL is what the
 * kernel takes (NUL-terminated fields, a host, a port, a file path), and
 * that a password the URL carries lies where messages hide it.
 */
#include <string.h>

#include "url.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ftp_url url;
	char *s = malloc(size + 1);
	size_t start, len;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	len = url_password_span(s, &start);
	FUZZ_CHECK(!len || start + len <= strlen(s));
	memset(&url, 0, sizeof(url));
	if (!setjmp(fuzz_jmp)) {
		parse_url(s, &url, false);
		FUZZ_CHECK(url.host[0] && memchr(url.host, 0, sizeof(url.host)));
		FUZZ_CHECK(memchr(url.user, 0, sizeof(url.user)));
		FUZZ_CHECK(memchr(url.pass, 0, sizeof(url.pass)));
		FUZZ_CHECK(url.path[0] && url.path[strlen(url.path) - 1] != '/');
		FUZZ_CHECK(url.port != 0);
		FUZZ_CHECK(!url.has_pass || len || !url.pass[0]);
	}
	/* -l's form: a directory, or none, is a path too. */
	memset(&url, 0, sizeof(url));
	if (!setjmp(fuzz_jmp)) {
		parse_url(s, &url, true);
		FUZZ_CHECK(url.host[0] && memchr(url.path, 0, sizeof(url.path)));
		FUZZ_CHECK(url.port != 0);
	}
	free(s);
	return 0;
}
