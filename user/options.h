/* SPDX-License-Identifier: GPL-2.0 */
/*
 * options: kftp-get's command line, parsed into one struct that is passed
 * to whoever needs it (as curl's tool_getparam.c does). Below it: msgs and
 * url (for hiding passwords). Nothing here touches the network, the
 * device or the destination.
 */
#ifndef KFTP_OPTIONS_H
#define KFTP_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checksums.h"
#include "defaults.h"

enum resume_mode { RESUME_NONE, RESUME_AUTO, RESUME_AT };

/* What a mirror's listings decided, for the summary (results.c). */
struct mirror_counts {
	uint64_t up_to_date, excluded, links, deleted;
};

struct options {
	char **urls;		/* copies: argv's are scrubbed */
	size_t nurls;
	bool *wildcard;		/* per URL: its last component is a pattern; once
				   expanded: it is one of a pattern's matches */
	size_t nwildcards;	/* how many are, until wildcard_expand() */
	bool wildcards_expanded;
	int *url_status;	/* per URL, once expanded: 0, or why it failed */
	/*
	 * Per URL, once a mirror is expanded (mirror.c): where its file goes,
	 * the directory url_dir[i] ("" for the top) inside url_dir_at[i]
	 * (opened beneath it, never following a symlink); NULL for a URL of
	 * the command line. url_size[i]: the size its listing gave.
	 */
	char **url_dir;
	int *url_dir_at;
	const char **url_root_name;	/* the tree's top, as messages show it */
	char **mirror_strings;	/* ... and url_dir's strings, each once */
	size_t nmirror_strings, mirror_strings_cap;
	uint64_t *url_size;
	bool *url_resume;	/* -C -: its local copy is a partial to resume */
	/*
	 * -r, once expanded: the command line's trees (their URLs as given),
	 * and per URL the one it belongs to: --failed names trees, not files.
	 */
	char **mirror_tops;
	size_t nmirror_tops;
	size_t *url_tree;
	const char *output;	/* -o */
	bool to_stdout;		/* -o - */
	const char *output_dir;	/* --output-dir */
	int output_dir_fd;	/* it, opened once for the run (destdir.c) */
	char *login;		/* -u USER[:PASS], a copy */
	bool quiet;
	bool verbose;		/* -v: the kernel's trace of the dialogue */
	bool keep_partial;
	bool parallel;		/* -Z */
	unsigned int parallel_max;
	bool remote_time;	/* -R */
	bool netrc;		/* -n */
	const char *netrc_file;
	enum resume_mode resume;
	uint64_t resume_at;	/* --continue-at N */
	uint32_t connect_ms;
	uint32_t timeout_ms;	/* reply, accept and stall; 0: defaults */
	uint32_t max_time_ms;	/* 0: none */
	uint64_t max_filesize;	/* 0: none */
	/* -P ADDR[:LOW[-HIGH]] */
	const char *ftp_port;
	uint16_t data_family;	/* 0: the control connection's address */
	uint8_t data_addr[16];
	uint16_t data_port_low, data_port_high;
	int progress;		/* the bar: 1 forced, 0 off, -1 on a terminal */
	unsigned int retry;	/* --retry: how many more tries after a failure */
	uint32_t retry_delay_ms;	/* 0: the backoff (1 s, doubling, capped) */
	uint32_t retry_max_time_ms;	/* 0: no bound */
	bool json;		/* --json: a line per URL on stdout */
	const char *failed_file;	/* --failed FILE */
	bool sha256;		/* --sha256: print HEX  NAME per file */
	bool checksum_given;	/* --checksum sha-256=HEX */
	uint8_t checksum[SHA256_LEN];	/* its digest */
	const char *checksums_file;	/* --checksums FILE */
	bool no_server_checksum;	/* --no-server-checksum: no FEAT, no HASH */
	bool globoff;		/* -g: no ranges and sets in the URLs */
	bool list_only;		/* -l: print the names a directory holds */
	bool force_dirs;	/* -x: the remote path under --output-dir */
	bool create_dirs;	/* --create-dirs: -o's and --output-dir's made */
	/* -r: each URL is a directory whose tree is fetched (mirror.h) */
	bool mirror;
	bool mirror_expanded;
	unsigned int mirror_level;	/* --level N; 0: MIRROR_LEVEL_MAX, an error */
	uint64_t mirror_max_files;	/* --max-files */
	uint64_t mirror_max_entries;	/* --max-entries, per directory */
	uint64_t mirror_max_dirs;	/* --max-dirs, per tree */
	bool only_newer;	/* -N: skip a file whose local copy is as new */
	bool delete_extra;	/* --delete: what the server no longer has */
	bool follow_symlinks;	/* --follow-symlinks: links to files in the tree */
	const char **include, **exclude;	/* --include, --exclude GLOB */
	size_t ninclude, nexclude;
	struct mirror_counts mirror_counts;	/* for the summary */
	struct checksums checksums;	/* its lines, read after the URLs */
};

/*
 * The options, then the URLs: copied, and the passwords in argv (URLs and
 * -u) overwritten at once, as curl does; the input files (-i) are read
 * last. Exits on -h and -V; dies (EXIT_USAGE) on what it refuses.
 */
void options_parse(struct options *opt, int argc, char **argv);
/* Wipe the copies of the passwords (the URLs', -u's) and free them. */
void options_wipe(struct options *opt);

/* The parsers of option arguments, exposed for tests/fuzz/fuzz-options.c. */
/*
 * Decimal seconds to milliseconds, exactly, in (0, max_ms]; a
 * sub-millisecond remainder rounds up.
 */
uint32_t parse_seconds(const char *opt_name, const char *s, uint32_t max_ms);
/* A decimal number, with an optional k/M/G suffix when @suffix. */
uint64_t parse_bytes(const char *opt_name, const char *s, bool suffix);
/* --checksum ALGO=HEX (aria2's form; sha-256 only) into opt->checksum. */
void parse_checksum(struct options *opt, const char *s);
/* -P ADDR[:LOW[-HIGH]] into opt's data_* fields. */
void parse_ftp_port(struct options *opt, const char *s);
/* USER:PASS -> USER:**** (what /proc/PID/cmdline shows) */
void scrub_login(char *login);
/* ftp://user:PASS@host/... -> ftp://user:****@host/..., in place. */
void scrub_url(char *url);
/* A copy of url for messages: its password as asterisks. */
char *shown_url(const char *url);
/* strdup(), or die. */
char *xstrdup(const char *s);

#endif /* KFTP_OPTIONS_H */
