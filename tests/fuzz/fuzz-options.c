// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: kftp-get's option parsers (seconds, byte counts, -P,
 * and the scrubbing of passwords from argv), which are static in
 * kftp-get.c: this file includes it, with its main() renamed. The first
 * byte picks the parser, the rest is its argument. die() goes back here
 * through kftp-get.c's own job_jmp. Run it with -close_fd_mask=2: every
 * refused argument prints kftp-get's message.
 */
#define main kftp_get_main
#include "kftp-get.c"
#undef main

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
	char *s;
	jmp_buf env;
	uint64_t n;
	uint32_t ms;

	if (!size)
		return 0;
	s = strndup((const char *)data + 1, size - 1);
	if (!s)
		return 0;
	job_jmp = &env;
	if (!setjmp(env)) {
		switch (data[0] % 5) {
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
			parse_ftp_port(s);
			FUZZ_CHECK(opt.data_port_low <= opt.data_port_high);
			FUZZ_CHECK(!opt.data_port_low == !opt.data_port_high);
			FUZZ_CHECK(opt.data_family == 0 || opt.data_family == AF_INET ||
				   opt.data_family == AF_INET6);
			break;
		case 4:
			check_scrub(s);
			break;
		}
	}
	job_jmp = NULL;
	opt.ftp_port = NULL;
	free(s);
	return 0;
}
