/* SPDX-License-Identifier: GPL-2.0 */
/*
 * version: which request version (of struct kftp_get_args, kftp.h) a
 * request and the options need, and what to say when the loaded module
 * takes an older one (version.c). Below it: msgs, options.
 */
#ifndef KFTP_VERSION_H
#define KFTP_VERSION_H

#include <stddef.h>

#include <linux/kftp.h>

#include "options.h"

/* The versions kftp.h defines, by the size of their struct. */
#define REQUEST_V0		0
#define REQUEST_V1		1	/* dest_fd */
#define REQUEST_V2		2	/* limits, remote time, data ports, resume */
#define REQUEST_V3		3	/* -v's trace, -o -'s stream, display_name */
#define REQUEST_V4		4	/* the SHA-256 of the destination */
#define REQUEST_V5		5	/* directory listings */

/* The version a request needs (the fields it sets). */
unsigned int request_version(const struct kftp_get_args *a);
/* The options of opt that need version 2 ("-R, --max-time"), or "". */
const char *options_v2(const struct options *opt, char *buf, size_t size);
/* The same for version 3 ("-o - (writing to stdout), -v"), or "". */
const char *options_v3(const struct options *opt, char *buf, size_t size);
/* The same for version 4 ("--checksum, --sha256"), or "". */
const char *options_v4(const struct options *opt, char *buf, size_t size);
/*
 * "WHAT needs a newer kftp module", the versions WHAT needs and the
 * loaded module takes, and the hint to reload it after an upgrade. The caller
 * exits or fails with EXIT_DEVICE, the status of every such case.
 */
void say_too_old(const char *what, unsigned int have, unsigned int need);

#endif /* KFTP_VERSION_H */
