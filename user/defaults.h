/* SPDX-License-Identifier: GPL-2.0 */
/*
 * defaults: the constants that kftp-get's help text names and the files
 * behind it use. A leaf: includes nothing of kftp-get.
 */
#ifndef KFTP_DEFAULTS_H
#define KFTP_DEFAULTS_H

#include <stdint.h>

#define FTP_DEFAULT_PORT	21
#define PARALLEL_DEFAULT	4	/* --parallel-max */
#define PARALLEL_MAX		100
#define MAX_TIME_MAX_MS		UINT32_MAX	/* max_time_ms is a __u32 */
#define RETRY_MAX		1000000	/* --retry */
/*
 * The most bytes a listing may have (-l; --max-filesize sets another):
 * about 900,000 entries of 70 bytes. A listing that never ends stops here.
 */
#define LISTING_SIZE_MAX	(64ULL << 20)
/* -r: the bounds a tree must fit in (--level, --max-files, --max-entries) */
#define MIRROR_LEVEL_MAX	32
#define MIRROR_LEVEL_MAX_STR	"32"
#define MIRROR_DIRS_MAX		100000
/* What a tree's URLs and paths may take in memory (-r) */
#define MIRROR_BYTES_MAX	(256 << 20)
#define MIRROR_LEVEL_LIMIT	1000
/* --follow-symlinks: at most this many links in a row to a file */
#define MIRROR_LINK_HOPS	8
#define MIRROR_LINK_HOPS_STR	"8"
#define MIRROR_FILES_MAX	1000000
#define MIRROR_ENTRIES_MAX	100000
#define RETRY_DELAY_MS		1000	/* the first wait, doubled each time ... */
#define RETRY_DELAY_MAX_MS	600000	/* ... up to 10 minutes (curl's) */
/* The temporary name of a data file: DIR/.NAME.kftp-XXXXXX */
#define TEMP_TAG		".kftp-"

#endif /* KFTP_DEFAULTS_H */
