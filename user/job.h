/* SPDX-License-Identifier: GPL-2.0 */
/*
 * job: the download of one URL, from its parsed URL and login to the
 * data file and the kernel's request (curl's per_transfer). Each job
 * carries the run's options it was made for.
 */
#ifndef KFTP_JOB_H
#define KFTP_JOB_H

#include <netdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include <linux/kftp.h>

#include "listing.h"
#include "options.h"
#include "url.h"

struct job {
	const struct options *opt;	/* the run's */
	const char *url_str;
	size_t url_index;	/* in opt->urls; SIZE_MAX for a listing's */
	/*
	 * The secrets: url.pass, pass and args.password. job_wipe() clears
	 * them: a field that ever holds a secret must be added there.
	 */
	struct ftp_url url;
	char user[KFTP_USER_MAX];
	char pass[KFTP_PASSWORD_MAX];
	char dest[KFTP_LOCAL_PATH_MAX];	/* as messages show it */
	size_t base_off;	/* dest + base_off: the file's own name */
	/* The destination's directory: dir, relative to dir_at ... */
	char dir[KFTP_LOCAL_PATH_MAX];
	int dir_at;
	bool beneath;		/* dir is a mirror's, or -x's: no symlink followed */
	bool make_dirs;		/* dir is made where missing (-x, --create-dirs) */
	int dir_fd;		/* ... opened once (O_PATH), -1 if not yet */
	dev_t dir_dev;		/* ... which is this directory */
	ino_t dir_ino;
	char temp[KFTP_LOCAL_PATH_MAX];	/* same directory part as dest */
	bool keep_partial;
	bool temp_ours;		/* temp may exist and is ours to remove */
	int data_fd;		/* the data file, -1 if none */
	bool unnamed;		/* data_fd is an O_TMPFILE, not temp */
	bool inplace;		/* resuming: data_fd is the destination itself */
	uint64_t resume_offset;	/* of the next request: -C's, then retries' */
	uint64_t start_offset;	/* -C's alone */
	uint64_t received;	/* data bytes of every request so far */
	uint64_t ioctl_ms;	/* the time in them */
	unsigned int retries;	/* --retry: how many were made */
	bool has_old;		/* the destination exists */
	bool keep_owner;	/* ... and passes on owner, group and mode */
	struct stat old;
	char where[2 * NI_MAXHOST + 32];	/* "host (addr) port N" */
	bool local_failed;	/* failed before the ioctl, already reported */
	int local_status;	/* ... with this exit status */
	int module_version;	/* the request version the module takes */
	int err;		/* errno of the failed ioctl */
	const uint8_t *want_sha256;	/* --checksum(s): the digest it must have */
	uint64_t elapsed_ms;	/* of the last ioctl */
	/* A listing (-l, a wildcard): no file; each entry goes to each(). */
	bool listing;
	void (*each)(const struct listing_entry *e, void *arg);
	void *each_arg;
	size_t listing_refused;	/* names reported and left out */
	struct kftp_get_args args;
};

/* A fresh job for url_str, of the run's options opt. */
static inline void job_init(struct job *job, const struct options *opt,
			    const char *url_str, size_t url_index)
{
	memset(job, 0, sizeof(*job));
	job->opt = opt;
	job->url_index = url_index;
	job->data_fd = -1;
	job->dir_fd = -1;
	job->url_str = url_str;
	job->keep_partial = opt->keep_partial;
}

/*
 * At the job's end: clear the passwords (the URL's, the one picked, the
 * one sent), and nothing else. Clearing the whole 34 KiB struct was a
 * fifth of kftp-get's own time per small file under TCG; job_init()
 * clears the rest before the struct is used again.
 */
static inline void job_wipe(struct job *job)
{
	explicit_bzero(job->url.pass, sizeof(job->url.pass));
	explicit_bzero(job->pass, sizeof(job->pass));
	explicit_bzero(job->args.password, sizeof(job->args.password));
}

/*
 * The SHA-256 the job's file must have: --checksum's, or the --checksums
 * line for its destination (pick_destination() first); NULL if none.
 */
static inline const uint8_t *job_want_sha256(const struct job *job)
{
	const struct options *opt = job->opt;

	if (opt->checksum_given)
		return opt->checksum;
	return opt->checksums.n ? checksums_find(&opt->checksums, job->dest) : NULL;
}

#endif /* KFTP_JOB_H */
