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
#include <limits.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "destdir.h"

int destdir_open(int at, const char *path)
{
	int fd = openat(at, path, O_PATH | O_DIRECTORY | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int destdir_open_child(int dfd, const char *name)
{
	struct stat st;
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	/* O_DIRECTORY is checked first: a symlink to a directory is ENOTDIR. */
	if (errno == ENOTDIR && !fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) &&
	    S_ISLNK(st.st_mode))
		return -ELOOP;
	return -errno;
}

/* One component of a walk: made first with DESTDIR_MAKE. */
static int walk_step(int fd, const char *comp, unsigned int how)
{
	int next;

	if ((how & DESTDIR_MAKE) && mkdirat(fd, comp, 0755) && errno != EEXIST)
		return -errno;
	if (how & DESTDIR_BENEATH)
		return destdir_open_child(fd, comp);
	next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return next < 0 ? -errno : next;
}

int destdir_walk(int at, const char *path, unsigned int how)
{
	char comp[NAME_MAX + 1];
	const char *p = path, *slash;
	size_t len;
	/* A descriptor to read, too (--delete), even if at is O_PATH. */
	int fd, next;

	if (*path == '/' && (how & DESTDIR_BENEATH))
		return -EPERM;
	fd = openat(*path == '/' ? AT_FDCWD : at, *path == '/' ? "/" : ".",
		    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (*p) {
		slash = strchr(p, '/');
		len = slash ? (size_t)(slash - p) : strlen(p);
		if (len > NAME_MAX || ((how & DESTDIR_BENEATH) && len == 2 &&
				       !strncmp(p, "..", 2))) {
			close(fd);
			return len > NAME_MAX ? -ENAMETOOLONG : -EPERM;
		}
		if (len && !(len == 1 && *p == '.')) {
			memcpy(comp, p, len);
			comp[len] = '\0';
			next = walk_step(fd, comp, how);
			close(fd);
			if (next < 0)
				return next;
			fd = next;
		}
		p += len + (slash ? 1 : 0);
	}
	return fd;
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
