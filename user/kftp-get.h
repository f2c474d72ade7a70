/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kftp-get: what its source files share (messages, exit statuses, netrc).
 */
#ifndef KFTP_GET_H
#define KFTP_GET_H

#include <netdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <linux/kftp.h>

#define PROG			"kftp-get"
/* The temporary name of a data file: DIR/.NAME.kftp-XXXXXX */
#define TEMP_TAG		".kftp-"

/* The exit status contract; the -h text and kftp-get(1) list the same table. */
enum exit_status {
	EXIT_OK		= 0,
	EXIT_OTHER	= 1,
	EXIT_USAGE	= 2,
	EXIT_DEVICE	= 3,
	EXIT_CONNECT	= 4,
	EXIT_LOGIN	= 5,
	EXIT_NOFILE	= 6,
	EXIT_LOCAL	= 7,
	EXIT_PROTO	= 8,
	EXIT_TIMEOUT	= 9,
	EXIT_RESUME	= 10,
	EXIT_FILESIZE	= 11,
	EXIT_SIGNAL	= 128,	/* plus the signal number */
};

/* kftp-get.c: messages, and the options of the run. */
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void die(int status, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 2, 3)));

enum resume_mode { RESUME_NONE, RESUME_AUTO, RESUME_AT };

struct options {
	char **urls;		/* copies: argv's are scrubbed */
	size_t nurls;
	const char *output;	/* -o */
	const char *output_dir;	/* --output-dir */
	int output_dir_fd;	/* it, opened once for the run (destdir.c) */
	char *login;		/* -u USER[:PASS], a copy */
	bool quiet;
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
};

struct ftp_url {
	char host[NI_MAXHOST];
	bool bracketed;		/* [v6] literal: no name lookup */
	uint16_t port;
	bool has_user;		/* user info in the URL, even an empty user */
	bool has_pass;
	char user[KFTP_USER_MAX];
	char pass[KFTP_PASSWORD_MAX];
	char path[KFTP_REMOTE_PATH_MAX];	/* decoded, leading '/' dropped */
};

struct job {
	const char *url_str;
	struct ftp_url url;
	char user[KFTP_USER_MAX];
	char pass[KFTP_PASSWORD_MAX];
	char dest[KFTP_LOCAL_PATH_MAX];	/* as messages show it */
	size_t base_off;	/* dest + base_off: the file's own name */
	/* The destination's directory: dir, relative to dir_at ... */
	char dir[KFTP_LOCAL_PATH_MAX];
	int dir_at;
	int dir_fd;		/* ... opened once (O_PATH), -1 if not yet */
	char temp[KFTP_LOCAL_PATH_MAX];	/* same directory part as dest */
	bool keep_partial;
	bool temp_ours;		/* temp may exist and is ours to remove */
	int data_fd;		/* the data file, -1 if none */
	bool unnamed;		/* data_fd is an O_TMPFILE, not temp */
	bool inplace;		/* resuming: data_fd is the destination itself */
	uint64_t resume_offset;
	bool has_old;		/* the destination exists */
	bool keep_owner;	/* ... and passes on owner, group and mode */
	struct stat old;
	char where[2 * NI_MAXHOST + 32];	/* "host (addr) port N" */
	bool local_failed;	/* create_data() failed, already reported */
	int err;		/* errno of the failed ioctl */
	uint64_t elapsed_ms;	/* of the last ioctl */
	struct kftp_get_args args;
};

extern struct options opt;

/* url.c: ftp://[user[:password]@]host[:port]/path, or die(). */
void parse_url(const char *str, struct ftp_url *url);
/*
 * The password in the string of a URL, or of what looks like one: its
 * length (0 if none) and, in *start, its offset. What messages and
 * /proc/PID/cmdline must not show.
 */
size_t url_password_span(const char *s, size_t *start);

/*
 * localfile.c: the destination and the data file. pick_destination() and
 * check_destination() die() on what they refuse; the others return 0 or
 * an errno (create_data, open_inplace), or 0 / -1 after saying why.
 */
void pick_destination(struct job *job);
void check_destination(struct job *job);
int create_data(struct job *job);
int open_inplace(struct job *job);
void set_remote_time(struct job *job);
int commit(struct job *job, const char *what);
int finish_inplace(struct job *job);
void close_data(struct job *job);
/* close_data(), and the directory's descriptor too: the job is over. */
void close_destination(struct job *job);
void discard_temp(struct job *job);

/* destdir.c: the destination's directory, opened once; see there. */
enum owner_rule {
	OWNER_KEEP,	/* the old file's owner, group and mode pass on */
	OWNER_NEW,	/* the new file is the caller's, with a new file's mode */
	OWNER_REFUSE,	/* a sticky directory that others can write: refuse */
};
/* openat(at, path) as a directory, O_PATH; the descriptor or -errno. */
int destdir_open(int at, const char *path);
/* fsync() the directory (errors ignored: the file itself is synced). */
void destdir_sync(int dfd);
/* Whether a file in dir, owned as file is, may be replaced by caller's. */
enum owner_rule destdir_owner_rule(const struct stat *dir, const struct stat *file,
				   uid_t caller);

/* report.c: a failed ioctl's message and exit status. */
int exit_status(int err, unsigned int step);
void report_failure(const struct job *job);

/* netrc.c: one machine (or default) entry of a netrc file. */
struct netrc_entry {
	char *machine;		/* NULL: the default entry */
	char *login;		/* NULL if not given */
	char *password;		/* NULL if not given */
};

struct netrc {
	struct netrc_entry *entries;
	size_t count;
};

/*
 * Read a netrc file into nr. A missing file is no error when !must_exist
 * (nr stays empty); anything else wrong dies with EXIT_USAGE: a file that
 * is not a regular file (never opened for reading: a FIFO or a device is
 * only looked at), and one holding a password that others may read or
 * write, or that belongs to someone else than the caller.
 */
void netrc_load(struct netrc *nr, const char *path, bool must_exist);
/*
 * The grammar alone (exposed for the fuzzer): buf[0..len) into nr, which
 * starts empty. 0, or -1 with the reason in err (nr then holds what was
 * read before it: netrc_free() it either way). *has_password is set if a
 * password token was seen.
 */
int netrc_parse(struct netrc *nr, const char *buf, size_t len, bool *has_password,
		char *err, size_t errsize);
/* Wipe (the passwords) and free every entry; nr is empty afterwards. */
void netrc_free(struct netrc *nr);
/*
 * The entry for host: the first "machine host" (with login user, when user
 * is not NULL), else the default entry (likewise), else NULL.
 */
const struct netrc_entry *netrc_find(const struct netrc *nr, const char *host,
				     const char *user);

#endif /* KFTP_GET_H */
