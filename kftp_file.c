// SPDX-License-Identifier: GPL-2.0
/*
 * The destination file. It is opened in the ioctl's own process context, so
 * the path resolves against the caller's cwd and root, with the caller's
 * credentials, umask and RLIMIT_FSIZE.
 *
 * A transfer holds the file while it writes (x->file) and its path to the
 * end (x->dest, which also pins the mount): a restarted call may continue
 * the transfer only if the destination is still that file, and no shorter
 * than what was written.
 */
#include <linux/err.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/namei.h>
#include <linux/path.h>
#include <linux/spinlock.h>

#include "kftp_internal.h"

/*
 * O_DIRECT wants sector-aligned writes, and socket data comes in whatever
 * pieces TCP made. O_APPEND writes at the end, not from resume_offset, so
 * a transfer that starts over would append a second copy. Both are refused
 * before anything is received; F_SETFL can set them later, so a restart
 * looks again.
 */
static bool kftp_file_flags_ok(const struct file *file)
{
	return !(READ_ONCE(file->f_flags) & (O_DIRECT | O_APPEND));
}

/*
 * The caller's own descriptor: it chose the name, owner and mode (an
 * O_TMPFILE linked in at the end, say), so we only check that writing to
 * it is safe and keep a reference for the transfer.
 */
static int kftp_file_get_fd(struct kftp_xfer *x)
{
	struct file *file = fget(x->args->dest_fd);

	if (!file)
		return -EBADF;
	if (!(file->f_mode & FMODE_WRITE)) {
		fput(file);
		return -EBADF;
	}
	if (!S_ISREG(file_inode(file)->i_mode) || !kftp_file_flags_ok(file)) {
		fput(file);
		return -EINVAL;
	}
	x->file = file;
	x->dest = file->f_path;
	path_get(&x->dest);
	x->file_from_fd = true;
	x->file_pos = x->args->resume_offset;
	return 0;
}

/*
 * Look before opening: open(2) of a device runs its driver's open (a
 * watchdog arms, a tty may become the controlling terminal), so only a
 * regular file, or nothing yet, may be at local_path. An O_PATH open runs
 * no driver code. A name swapped in between is still caught after the
 * open; callers that want no window at all pass dest_fd.
 */
static int kftp_file_probe(const char *path)
{
	struct file *probe = filp_open(path, O_PATH | O_NOFOLLOW, 0);
	umode_t mode;

	if (IS_ERR(probe))
		return PTR_ERR(probe) == -ENOENT ? 0 : PTR_ERR(probe);
	mode = file_inode(probe)->i_mode;
	filp_close(probe, NULL);
	if (S_ISLNK(mode))
		return -ELOOP;
	if (S_ISDIR(mode))
		return -EISDIR;
	return S_ISREG(mode) ? 0 : -EINVAL;
}

int kftp_file_open(struct kftp_xfer *x)
{
	/*
	 * filp_open() does not add O_LARGEFILE as open(2) does; without it
	 * writes past 2 GiB fail. O_NOFOLLOW: a root tool must not write
	 * through a symlink planted at the destination (-ELOOP).
	 */
	int flags = O_WRONLY | O_CREAT | O_TRUNC | O_LARGEFILE | O_NOFOLLOW |
		    O_NOCTTY;
	struct file *file;
	int err;

	if (x->args->flags & KFTP_GET_F_DEST_FD)
		return kftp_file_get_fd(x);
	if (x->args->flags & KFTP_GET_F_EXCL)
		flags |= O_EXCL;
	/* Resuming appends to what an earlier transfer left. */
	if (x->args->resume_offset)
		flags &= ~O_TRUNC;
	err = kftp_file_probe(x->args->local_path);
	if (err)
		return err;
	/* O_NONBLOCK: opening a FIFO must not wait for a reader. */
	file = filp_open(x->args->local_path, flags | O_NONBLOCK, 0666);
	if (IS_ERR(file))
		return PTR_ERR(file);
	if (!S_ISREG(file_inode(file)->i_mode)) {
		/* A FIFO or device would block or misbehave under us. */
		filp_close(file, NULL);
		return -EINVAL;
	}
	/* A regular file ignores it, but writes should not see it: as fcntl. */
	spin_lock(&file->f_lock);
	file->f_flags &= ~O_NONBLOCK;
	spin_unlock(&file->f_lock);
	x->file = file;
	x->dest = file->f_path;
	path_get(&x->dest);
	x->file_pos = x->args->resume_offset;
	return 0;
}

int kftp_file_write(struct kftp_xfer *x, const void *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = kernel_write(x->file, buf, len, &x->file_pos);
		if (n < 0)
			return n;
		if (n == 0)
			return -EIO;
		buf += n;
		len -= n;
		x->written += n;
	}
	return 0;
}

/*
 * The data is all written. A path is closed now, because close errors
 * count: on NFS they are where a failed write shows up. The caller's
 * dest_fd stays held: the caller closes its own descriptor, and a restart
 * compares it with the one the transfer wrote to.
 */
int kftp_file_finish(struct kftp_xfer *x)
{
	struct file *file = x->file;

	if (!file || x->file_from_fd)
		return 0;
	x->file = NULL;
	return filp_close(file, NULL);
}

/*
 * Whatever the transfer still holds. Also from a kworker or at process
 * exit (a kept transfer let go): nothing here may use current.
 */
void kftp_file_release(struct kftp_xfer *x)
{
	struct file *file = x->file;

	/*
	 * fput(), not filp_close(): on this path a close error is lost anyway,
	 * and ->flush of a network file system could block the kept check's
	 * worker, with the session locked, for as long as its server is away.
	 * From a kworker, fput() defers the last close to delayed_fput.
	 */
	x->file = NULL;
	if (file)
		fput(file);
	if (x->dest.dentry)
		path_put(&x->dest);
	x->dest.dentry = NULL;
	x->dest.mnt = NULL;
}

/*
 * For a restarted call (in the caller's context): is the destination that
 * the request names still the file this transfer writes to, and still as
 * long as what was written? A caller told EINTR may have removed, replaced
 * or truncated it meanwhile; continuing would then write into an unlinked
 * inode, or after a hole.
 */
bool kftp_file_still_ours(const struct kftp_xfer *x)
{
	const struct kftp_get_args *a = x->args;
	struct inode *ours, *inode = NULL;
	struct file *file;
	struct path path;

	if (!x->dest.dentry)
		return true;	/* not opened yet: the restart opens it */
	ours = d_backing_inode(x->dest.dentry);
	if (a->flags & KFTP_GET_F_DEST_FD) {
		file = fget(a->dest_fd);
		if (!file)
			return false;
		if (file == x->file && kftp_file_flags_ok(file))
			inode = ours;
		fput(file);
	} else if (!kern_path(a->local_path, 0, &path)) {
		inode = d_backing_inode(path.dentry);
		path_put(&path);
	}
	return inode == ours && i_size_read(ours) >= x->file_pos;
}
