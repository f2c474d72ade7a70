/* SPDX-License-Identifier: GPL-2.0 */
/*
 * checksums: the SHA-256 digests a download must have, from --checksum
 * sha-256=HEX (aria2's form) or --checksums FILE (sha256sum's output,
 * "HEX  NAME" lines). Below it: msgs. The kernel computes the digest as it
 * writes (KFTP_GET_F_SHA256); transfer.c compares.
 */
#ifndef KFTP_CHECKSUMS_H
#define KFTP_CHECKSUMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN	32

struct checksum_entry {
	uint8_t sha256[SHA256_LEN];
	char *name;		/* as the file has it, unescaped */
};

struct checksums {
	struct checksum_entry *v;
	size_t n;
	const char *path;	/* for messages */
};

/* 64 hex digits (either case) of s[0..len) into out; false if not that. */
bool sha256_from_hex(const char *s, size_t len, uint8_t out[SHA256_LEN]);

/*
 * --checksums FILE: every line "HEX  NAME" or "HEX *NAME" (binary mode), a
 * line starting with a backslash holding an escaped NAME (\\ and \n), as
 * sha256sum writes them; blank lines and # comments are skipped. Anything
 * else dies (EXIT_USAGE) naming the line.
 */
void checksums_load(struct checksums *c, const char *path);

/*
 * The digest listed for a download saved as dest: the entry named dest
 * itself, else the first whose base name is dest's base name (a list made
 * in another directory); NULL if none.
 */
const uint8_t *checksums_find(const struct checksums *c, const char *dest);

#endif /* KFTP_CHECKSUMS_H */
