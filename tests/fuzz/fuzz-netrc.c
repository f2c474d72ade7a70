// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: user/netrc.c's grammar on any bytes (not
 * NUL-terminated: a read past the end is a report), then the lookups,
 * then the wipe and free (LeakSanitizer sees any token left behind).
 */
#include <string.h>
#include <strings.h>

#include "kftp-get.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const hosts[] = { "host", "HOST", "other.example", "" };
	struct netrc nr = { NULL, 0 };
	const struct netrc_entry *e;
	bool has_password = false;
	char err[128] = "";
	size_t i;

	if (!setjmp(fuzz_jmp)) {	/* only "out of memory" dies */
		if (netrc_parse(&nr, (const char *)data, size, &has_password,
				err, sizeof(err))) {
			FUZZ_CHECK(err[0]);
		} else {
			for (i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
				e = netrc_find(&nr, hosts[i], NULL);
				FUZZ_CHECK(!e || !e->machine || !strcasecmp(e->machine, hosts[i]));
				e = netrc_find(&nr, hosts[i], "user");
				FUZZ_CHECK(!e || (e->login && !strcmp(e->login, "user")));
			}
		}
		for (i = 0; i < nr.count; i++)
			FUZZ_CHECK(!nr.entries[i].password || has_password);
	}
	netrc_free(&nr);
	FUZZ_CHECK(!nr.count && !nr.entries);
	return 0;
}
