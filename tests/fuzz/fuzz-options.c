// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: kftp-get's option parsers (seconds, byte counts, -P,
 * and the scrubbing of passwords from argv), linked from user/options.c.
 * The first byte picks the parser, the rest is its argument. die() goes
 * back here through fuzz-die.c's fuzz_jmp, without printing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <linux/kftp.h>

#include "options.h"
#include "url.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every byte of s's password span is a '*' after scrub_url(s). */
static void check_scrub(const char *s)
{
	char *c = strdup(s);
	size_t start, len, i;

	if (!c)
		return;
	len = url_password_span(s, &start);
	scrub_url(c);
	FUZZ_CHECK(strlen(c) == strlen(s));
	for (i = 0; i < len; i++)
		FUZZ_CHECK(c[start + i] == '*');
	free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct options opt;
	char *s;
	uint64_t n;
	uint32_t ms;

	if (!size)
		return 0;
	s = strndup((const char *)data + 1, size - 1);
	if (!s)
		return 0;
	if (!setjmp(fuzz_jmp)) {
		switch (data[0] % 6) {
		case 0:
			ms = parse_seconds("--timeout", s, KFTP_TIMEOUT_MAX_MS);
			FUZZ_CHECK(ms >= 1 && ms <= KFTP_TIMEOUT_MAX_MS);
			break;
		case 1:
			ms = parse_seconds("--max-time", s, MAX_TIME_MAX_MS);
			FUZZ_CHECK(ms >= 1);
			break;
		case 2:
			n = parse_bytes("--max-filesize", s, true);
			/* Plain digits: the number strtoull() reads. */
			if (s[0] && strspn(s, "0123456789") == strlen(s)) {
				errno = 0;
				FUZZ_CHECK(strtoull(s, NULL, 10) == n && !errno);
			}
			break;
		case 3:
			opt.ftp_port = s;
			parse_ftp_port(&opt, s);
			FUZZ_CHECK(opt.data_port_low <= opt.data_port_high);
			FUZZ_CHECK(!opt.data_port_low == !opt.data_port_high);
			FUZZ_CHECK(opt.data_family == 0 || opt.data_family == AF_INET ||
				   opt.data_family == AF_INET6);
			break;
		case 4:
			check_scrub(s);
			break;
		case 5:
			/* Accepted only as sha-256= and 64 hex digits. */
			opt.checksum_given = false;
			parse_checksum(&opt, s);
			FUZZ_CHECK(opt.checksum_given && strlen(s) == 8 + 2 * SHA256_LEN &&
				   !strncasecmp(s, "sha-256=", 8) &&
				   strspn(s + 8, "0123456789abcdefABCDEF") == 2 * SHA256_LEN);
			break;
		}
	}
	opt.ftp_port = NULL;
	free(s);
	return 0;
}
