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
#include <linux/sched.h>
#include <linux/sched/xacct.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uio.h>

#include "kftp_compat.h"
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
 * Can vfs_iter_write() write to it (on 6.12 it needs ->write_iter)? Most
 * files open for writing, but not every character device, nor /dev/kftp.
 */
bool kftp_file_writable(const struct file *file)
{
	return (file->f_mode & FMODE_CAN_WRITE) && file->f_op->write_iter;
}

/*
 * A stream (KFTP_GET_F_DEST_STREAM) is anything open for writing that
 * write(2) could write to: a pipe, a terminal, a file at its offset. Only
 * O_DIRECT is refused, for the reason above.
 */
static bool kftp_file_usable(const struct file *file, bool stream)
{
	if (stream)
		return kftp_file_writable(file) &&
		       !(READ_ONCE(file->f_flags) & O_DIRECT);
	return S_ISREG(file_inode(file)->i_mode) && kftp_file_flags_ok(file);
}

/*
 * The caller's own descriptor: it chose the name, owner and mode (an
 * O_TMPFILE linked in at the end, say), so we only check that writing to
 * it is safe and keep a reference for the transfer.
 */
static int kftp_file_get_fd(struct kftp_xfer *x)
{
	bool stream = x->args->flags & KFTP_GET_F_DEST_STREAM;
	struct file *file = fget(x->args->dest_fd);

	if (!file)
		return -EBADF;
	/* A resumed file's digest reads its prefix back: checked now. */
	if (!(file->f_mode & FMODE_WRITE) ||
	    (x->args->resume_offset && (x->args->flags & KFTP_GET_F_SHA256) &&
	     !(file->f_mode & FMODE_READ))) {
		fput(file);
		return -EBADF;
	}
	if (!kftp_file_usable(file, stream)) {
		fput(file);
		return -EINVAL;
	}
	x->file = file;
	x->dest = file->f_path;
	path_get(&x->dest);
	x->file_from_fd = true;
	x->file_stream = stream;
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
	/* ... whose digest is read back first (kftp_hash_prefix()). */
	if (x->args->resume_offset && (x->args->flags & KFTP_GET_F_SHA256))
		flags = (flags & ~O_WRONLY) | O_RDWR;
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

/*
 * Write to a descriptor the caller passed as a stream, as write(2) would:
 * at the file's own offset, under f_pos_lock as fdget_pos() takes it, and
 * moving the offset; a pipe or socket has none. Also for the trace.
 */
ssize_t kftp_file_stream_write(struct file *file, struct iov_iter *it)
{
	bool pos_lock = file->f_mode & FMODE_ATOMIC_POS;
	loff_t pos = 0;
	ssize_t n;

	if (file->f_mode & FMODE_STREAM) {
		kftp_file_start_write(file);
		n = vfs_iter_write(file, it, &pos, 0);
		kftp_file_end_write(file);
		return n;
	}
	if (pos_lock && mutex_lock_interruptible(&file->f_pos_lock))
		return -ERESTARTSYS;
	pos = file->f_pos;
	kftp_file_start_write(file);
	n = vfs_iter_write(file, it, &pos, 0);
	kftp_file_end_write(file);
	if (n > 0)
		file->f_pos = pos;
	if (pos_lock)
		mutex_unlock(&file->f_pos_lock);
	return n;
}

/*
 * One write to the destination, at the transfer's offset or, for a
 * stream, at the file's. Returns the bytes written (the iterator moves
 * past them) or -errno, as vfs_iter_write().
 */
static ssize_t kftp_file_write_iter(struct kftp_xfer *x, struct iov_iter *it)
{
	ssize_t n;

	if (x->file_stream) {
		n = kftp_file_stream_write(x->file, it);
	} else {
		kftp_file_start_write(x->file);
		n = vfs_iter_write(x->file, it, &x->file_pos, 0);
		kftp_file_end_write(x->file);
	}
	if (n > 0) {
		/* What kernel_write() accounts and vfs_iter_write() does not. */
		add_wchar(current, n);
		inc_syscw(current);
		x->written += n;
	}
	return n;
}

static int kftp_file_write_loop(struct kftp_xfer *x, struct iov_iter *it)
{
	ssize_t n;

	while (iov_iter_count(it)) {
		n = kftp_file_write_iter(x, it);
		if (n <= 0)
			return n ? n : -EIO;
	}
	return 0;
}

static void kftp_file_free_unwritten(struct kftp_xfer *x)
{
	kvfree(x->unwritten);
	x->unwritten = NULL;
	x->unwritten_len = 0;
	x->unwritten_off = 0;
}

/*
 * Write all of @it. A stream's reader may lag, and a stop signal can
 * interrupt the write to a full pipe: the bytes it did not take are then
 * copied out (charged to the caller's memory cgroup), so that the
 * transfer, kept across the stop, holds no socket pages, and the restarted
 * call writes them first (kftp_file_write_unwritten()). Nothing received
 * is lost to a stop, whichever receive path holds the data.
 */
int kftp_file_write_all(struct kftp_xfer *x, struct iov_iter *it)
{
	size_t len;
	int err;

	err = kftp_file_write_loop(x, it);
	if (!err || !x->file_stream || !kftp_interrupted(err))
		return err;
	len = iov_iter_count(it);
	x->unwritten = kvmalloc(len, GFP_KERNEL_ACCOUNT);
	if (!x->unwritten)
		return err;
	if (!copy_from_iter_full(x->unwritten, len, it)) {
		kftp_file_free_unwritten(x);
		return err;
	}
	x->unwritten_len = len;
	return err;
}

/* Does the transfer hold bytes that a stop kept its stream from taking? */
bool kftp_file_unwritten(const struct kftp_xfer *x)
{
	return x->unwritten;
}

/* Those bytes, first thing in the restarted call; kept again by a stop. */
int kftp_file_write_unwritten(struct kftp_xfer *x)
{
	struct iov_iter it;
	struct kvec vec;
	int err;

	if (!x->unwritten)
		return 0;
	vec.iov_base = x->unwritten + x->unwritten_off;
	vec.iov_len = x->unwritten_len - x->unwritten_off;
	iov_iter_kvec(&it, ITER_SOURCE, &vec, 1, vec.iov_len);
	err = kftp_file_write_loop(x, &it);
	x->unwritten_off = x->unwritten_len - iov_iter_count(&it);
	if (err && kftp_interrupted(err))
		return err;
	kftp_file_free_unwritten(x);
	return err;
}

int kftp_file_write(struct kftp_xfer *x, const void *buf, size_t len)
{
	struct kvec vec = { .iov_base = (void *)buf, .iov_len = len };
	struct iov_iter it;

	iov_iter_kvec(&it, ITER_SOURCE, &vec, 1, len);
	return kftp_file_write_all(x, &it);
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
	kftp_file_free_unwritten(x);
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
		if (file == x->file && kftp_file_usable(file, x->file_stream))
			inode = ours;
		fput(file);
		/* A stream has no length to check: its offset is its own. */
		if (x->file_stream)
			return inode == ours;
	} else if (!kern_path(a->local_path, 0, &path)) {
		inode = d_backing_inode(path.dentry);
		path_put(&path);
	}
	return inode == ours && i_size_read(ours) >= x->file_pos;
}
