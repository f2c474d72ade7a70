// SPDX-License-Identifier: GPL-2.0
/*
 * kftp-get: the directory a download lands in, and whose the file may be.
 *
 * kftp-get runs as root and often writes into directories that others can
 * write to. So the directory is looked up by name once, when the download
 * is prepared (or, for --output-dir, once for the whole run), and held
 * open (O_PATH): the check of the destination, the data file (O_TMPFILE,
 * or the named temporary file), its link, the rename and the fsync of the
 * directory all go through that descriptor. Whoever renames the directory
 * or puts a symlink in its place afterwards changes nothing: the file
 * lands in the directory that was checked.
 *
 * The directory's path is the user's own (--output-dir, the directory part
 * of -o, or the current directory): symlinks in it are followed, once, as
 * the user named them. The file's own name is never followed (a symlink
 * there is refused, and rename() replaces a link rather than its target).
 *
 * A file replaced, or resumed, by root must not end up belonging to
 * someone who could not have written it: its owner is kept only when that
 * is the caller or the directory's owner. In a sticky directory that
 * others may write (/tmp), a file of anyone else is refused, as
 * fs.protected_regular refuses an O_CREAT open of it; elsewhere it is
 * replaced by a new file of the caller's.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

#include "kftp-get.h"

int destdir_open(int at, const char *path)
{
	int fd = openat(at, path, O_PATH | O_DIRECTORY | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

void destdir_sync(int dfd)
{
	/* fsync() needs a real descriptor: "." is the same directory. */
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

enum owner_rule destdir_owner_rule(const struct stat *dir, const struct stat *file,
				   uid_t caller)
{
	if (file->st_uid == caller || file->st_uid == dir->st_uid)
		return OWNER_KEEP;
	/* fs.protected_regular=2: sticky, and writable by group or others */
	if ((dir->st_mode & S_ISVTX) && (dir->st_mode & (S_IWGRP | S_IWOTH)))
		return OWNER_REFUSE;
	return OWNER_NEW;
}
