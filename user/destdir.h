/* SPDX-License-Identifier: GPL-2.0 */
/*
 * destdir: the destination's directory, opened once, and whose file may
 * be replaced (destdir.c). Uses nothing else of kftp-get.
 */
#ifndef KFTP_DESTDIR_H
#define KFTP_DESTDIR_H

#include <sys/stat.h>
#include <sys/types.h>

enum owner_rule {
	OWNER_KEEP,	/* the old file's owner, group and mode pass on */
	OWNER_NEW,	/* the new file is the caller's, with a new file's mode */
	OWNER_REFUSE,	/* a sticky directory that others can write: refuse */
};

/* openat(at, path) as a directory, O_PATH; the descriptor or -errno. */
int destdir_open(int at, const char *path);
/*
 * The directory name in dfd, never through a symlink (-ELOOP), readable.
 * The descriptor or -errno.
 */
int destdir_open_child(int dfd, const char *name);
/* How destdir_walk() goes. */
#define DESTDIR_BENEATH	1	/* path is relative, no "..", no symlink followed */
#define DESTDIR_MAKE	2	/* a missing component is made (mode 0755) */
/*
 * The directory path, from the directory at, opened component by
 * component (readable, O_CLOEXEC). With DESTDIR_BENEATH, a symlink anywhere
 * in path is ELOOP, never followed: a mirror's tree, or -x's, whose names
 * come from a server. The descriptor or -errno.
 */
int destdir_walk(int at, const char *path, unsigned int how);
/* fsync() the directory (errors ignored: the file itself is synced). */
void destdir_sync(int dfd);
/* Whether a file in dir, owned as file is, may be replaced by caller's. */
enum owner_rule destdir_owner_rule(const struct stat *dir, const struct stat *file,
				   uid_t caller);

#endif /* KFTP_DESTDIR_H */
