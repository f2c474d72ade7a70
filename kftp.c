// SPDX-License-Identifier: GPL-2.0
/*
 * kftp: an in-kernel FTP client. This file holds the misc device, the
 * ioctl and the validation of its argument; the session an open file
 * holds is in kftp_session.c, the transfer itself in kftp_proto.c
 * (dialogue), kftp_data.c (data), kftp_file.c (destination).
 */
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/nsproxy.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <net/net_namespace.h>

#include "kftp_internal.h"

/* Beyond this, a "newer struct" is more likely garbage than a new ABI. */
#define KFTP_GET_ARGS_SIZE_LIMIT	(64 * 1024)

/*
 * A string field must be NUL-terminated inside its array, with nothing but
 * NULs after the terminator: a NUL cannot hide bytes we would not send, and
 * CR or LF, which would inject commands into the control connection, are
 * refused outright.
 */
static bool kftp_string_ok(const char *str, size_t size, bool may_be_empty)
{
	size_t len = strnlen(str, size);

	if (len == size || (!len && !may_be_empty))
		return false;
	if (memchr(str, '\r', len) || memchr(str, '\n', len))
		return false;
	return !memchr_inv(str + len, 0, size - len);
}

/* Shown to people (kftpstat): no byte may drive their terminal. */
static bool kftp_display_name_ok(const char *name, size_t size)
{
	size_t i;

	if (!kftp_string_ok(name, size, true))
		return false;
	for (i = 0; name[i]; i++)
		if ((u8)name[i] < 0x20 || (u8)name[i] == 0x7f)
			return false;
	return true;
}

static bool kftp_timeout_ok(u32 ms)
{
	return ms && ms <= KFTP_TIMEOUT_MAX_MS;
}

/* What only a file's retrieval takes: a listing has no size, time or digest. */
#define KFTP_GET_F_RETR_ONLY	(KFTP_GET_F_REMOTE_TIME | KFTP_GET_F_SHA256 | \
				 KFTP_GET_F_SERVER_SHA256)

/*
 * What a call writes back is ignored on input, so that the caller may pass
 * the same structure again after EINTR: from a handled signal, which wrote
 * a result, as from a restart that was turned into EINTR, which did not
 * (the caller cannot tell them apart). Cleared, it can never be read as
 * part of the request.
 */
static void kftp_clear_outputs(struct kftp_get_args *a)
{
	/* A new version's out fields belong here too. */
	BUILD_BUG_ON(sizeof(*a) != KFTP_GET_ARGS_SIZE_VER5);
	memset(&a->result, 0, sizeof(a->result));
	a->remote_mtime = 0;
	memset(a->sha256, 0, sizeof(a->sha256));
	a->server_hash = 0;
	memset(a->server_sha256, 0, sizeof(a->server_sha256));
	a->command_sent = 0;
}

static int kftp_validate(const struct kftp_get_args *a)
{
	bool to_fd = a->flags & KFTP_GET_F_DEST_FD;
	bool stream = a->flags & KFTP_GET_F_DEST_STREAM;
	bool listing = a->command != KFTP_COMMAND_RETR;

	if (a->flags & ~KFTP_GET_F_ALL)
		return -EINVAL;
	if (a->command > KFTP_COMMAND_MAX)
		return -EINVAL;
	if (listing && ((a->flags & KFTP_GET_F_RETR_ONLY) || a->resume_offset))
		return -EINVAL;
	/* A stream is a kind of dest_fd, and is written only in sequence. */
	if (stream && (!to_fd || a->resume_offset))
		return -EINVAL;
	/* The fd is the destination: a path beside it would be ambiguous. */
	if (to_fd && (a->local_path[0] || (a->flags & KFTP_GET_F_EXCL)))
		return -EINVAL;
	if (a->reserved1 || a->reserved2 || a->reserved3 || a->reserved4 ||
	    a->reserved5)
		return -EINVAL;
	/* A file offset is a loff_t. */
	if (a->resume_offset > (u64)MAX_LFS_FILESIZE)
		return -EINVAL;
	/* O_EXCL wants a new file; resuming wants an old one. */
	if (a->resume_offset && (a->flags & KFTP_GET_F_EXCL))
		return -EINVAL;
	if (!a->port)
		return -EINVAL;
	/* The data peer must be the server: the same family, then. */
	if (a->data_family && a->data_family != a->family)
		return -EINVAL;
	if (!a->data_family && memchr_inv(a->data_addr, 0, sizeof(a->data_addr)))
		return -EINVAL;
	if (a->data_family == AF_INET &&
	    memchr_inv(a->data_addr + 4, 0, sizeof(a->data_addr) - 4))
		return -EINVAL;
	if (a->data_port_high &&
	    (!a->data_port_low || a->data_port_high < a->data_port_low))
		return -EINVAL;
	switch (a->family) {
	case AF_INET:
		if (a->scope_id || memchr_inv(a->addr + 4, 0, sizeof(a->addr) - 4))
			return -EINVAL;
		break;
	case AF_INET6:
		break;
	default:
		return -EINVAL;
	}
	if (!kftp_timeout_ok(a->connect_timeout_ms) ||
	    !kftp_timeout_ok(a->reply_timeout_ms) ||
	    !kftp_timeout_ok(a->accept_timeout_ms) ||
	    !kftp_timeout_ok(a->stall_timeout_ms))
		return -EINVAL;
	if (!kftp_string_ok(a->user, sizeof(a->user), true) ||
	    !kftp_string_ok(a->password, sizeof(a->password), true) ||
	    !kftp_string_ok(a->remote_path, sizeof(a->remote_path), listing) ||
	    !kftp_string_ok(a->local_path, sizeof(a->local_path), to_fd) ||
	    !kftp_display_name_ok(a->display_name, sizeof(a->display_name)))
		return -EINVAL;
	return 0;
}

static void kftp_log_failure(const struct kftp_xfer *x, int err)
{
	struct sockaddr_storage server;

	/* User errors and interruptions are the caller's to report. */
	if (err == -EINTR || x->step == KFTP_STEP_LOCAL_FILE)
		return;
	kftp_server_addr(x->args, &server);
	/* %pE: the path is the caller's and the log is the admin's terminal. */
	pr_info_ratelimited("%s '%*pE' from %pISpc failed at step %u: %d\n",
			    x->args->command != KFTP_COMMAND_RETR ? "listing" : "retrieving",
			    (int)strlen(x->args->remote_path),
			    x->args->remote_path, &server, x->step, err);
}

/* What the caller learns of the transfer, success or not. */
static void kftp_fill_result(struct kftp_get_result *res,
			     const struct kftp_xfer *x, int err)
{
	const struct kftp_ctrl *c = &x->sess->ctrl;

	memset(res, 0, sizeof(*res));
	res->bytes_written = x->written;
	res->remote_size = x->remote_size;
	res->reply_code = c->code;
	res->failed_step = err ? x->step : KFTP_STEP_NONE;
	strscpy(res->reply_text, c->text, sizeof(res->reply_text));
}

/*
 * Write back the result, and every out field that the caller's struct
 * holds: what the call did not produce as 0. The caller may pass a struct
 * that an earlier call filled (its out fields are ignored on input), and
 * must not find that call's digest or command beside this one's result.
 */
static int kftp_put_result(struct kftp_get_args __user *uargs, u32 usize,
			   const struct kftp_xfer *x)
{
	static const u8 no_digest[KFTP_SHA256_SIZE];

	if (copy_to_user(&uargs->result, &x->args->result,
			 sizeof(x->args->result)))
		return -EFAULT;
	if (usize >= offsetofend(struct kftp_get_args, remote_mtime) &&
	    put_user(x->remote_mtime, &uargs->remote_mtime))
		return -EFAULT;
	if (usize >= KFTP_GET_ARGS_SIZE_VER4 &&
	    (copy_to_user(uargs->sha256, x->sha256_done ? x->sha256 : no_digest,
			  sizeof(uargs->sha256)) ||
	     put_user(x->server_hash, &uargs->server_hash) ||
	     copy_to_user(uargs->server_sha256,
			  x->server_hash ? x->server_sha256 : no_digest,
			  sizeof(uargs->server_sha256))))
		return -EFAULT;
	if (usize >= offsetofend(struct kftp_get_args, command_sent) &&
	    put_user(x->command_sent, &uargs->command_sent))
		return -EFAULT;
	return 0;
}

static int kftp_ioctl_get(struct kftp_session *sess,
			  struct kftp_get_args __user *uargs)
{
	struct kftp_get_args *args;
	struct kftp_xfer *x;
	u32 usize;
	int err, put_err;

	BUILD_BUG_ON(sizeof(*args) != KFTP_GET_ARGS_SIZE_VER5);

	if (get_user(usize, &uargs->size))
		return -EFAULT;
	if (usize < KFTP_GET_ARGS_SIZE_VER0)
		return -EINVAL;
	if (usize > KFTP_GET_ARGS_SIZE_LIMIT)
		return -E2BIG;

	args = kzalloc(sizeof(*args), GFP_KERNEL);
	if (!args)
		return -ENOMEM;
	err = copy_struct_from_user(args, sizeof(*args), uargs, usize);
	if (err)
		goto out_free;
	kftp_clear_outputs(args);
	err = kftp_validate(args);
	if (err)
		goto out_free;
	/*
	 * A version 3 flag needs the version 3 fields: from an older caller's
	 * struct, trace_fd would read as fd 0 (clone3 refuses the same way).
	 * A version 4 flag needs the field its result goes to, and so does a
	 * listing (command_sent): a struct cut inside command is refused too.
	 */
	if (((args->flags & (KFTP_GET_F_TRACE | KFTP_GET_F_DEST_STREAM)) &&
	     usize < KFTP_GET_ARGS_SIZE_VER3) ||
	    ((args->flags & (KFTP_GET_F_SHA256 | KFTP_GET_F_SERVER_SHA256)) &&
	     usize < KFTP_GET_ARGS_SIZE_VER4) ||
	    (args->command && usize < KFTP_GET_ARGS_SIZE_VER5)) {
		err = -EINVAL;
		goto out_free;
	}

	if (mutex_lock_interruptible(&sess->lock)) {
		err = kftp_restart_errno();
		goto out_free;
	}
	err = kftp_session_begin(sess, args, &x);
	if (err)
		goto out_unlock;
	args = NULL;		/* the transfer owns it now */

	kftp_trace_attach(x);
	err = kftp_xfer_run(x);
	err = kftp_session_interrupted(sess, x, err);
	if (err == -ERESTARTNOHAND) {
		kftp_trace_detach(x);
		goto out_unlock;	/* kept; the restarted call goes on */
	}
	if (err)
		kftp_log_failure(x, err);
	kftp_fill_result(&x->args->result, x, err);
	put_err = kftp_put_result(uargs, usize, x);
	err = err ?: put_err;
	kftp_session_end(sess, x, err);
out_unlock:
	mutex_unlock(&sess->lock);
out_free:
	kfree_sensitive(args);	/* it holds the password */
	return err;
}

static long kftp_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	if (cmd != KFTP_IOC_GET)
		return -ENOTTY;
	/* The node is 0600, but its mode can be loosened: check anyway. */
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	return kftp_ioctl_get(file->private_data,
			      (struct kftp_get_args __user *)arg);
}

/* Each open file is a session; misc_open() set private_data to the device. */
static int kftp_open(struct inode *inode, struct file *file)
{
	struct kftp_session *sess = kftp_session_new();

	if (!sess)
		return -ENOMEM;
	file->private_data = sess;
	return 0;
}

static int kftp_release(struct inode *inode, struct file *file)
{
	kftp_session_free(file->private_data);
	return 0;
}

static const struct file_operations kftp_fops = {
	.owner		= THIS_MODULE,
	.open		= kftp_open,
	.release	= kftp_release,
	.unlocked_ioctl	= kftp_ioctl,
	/* Fixed-width fields only: 32-bit callers use the same layout. */
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice kftp_miscdev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "kftp",
	.fops	= &kftp_fops,
	.mode	= 0600,
};

static int __init kftp_init(void)
{
	int err = kftp_nl_init();

	if (err) {
		pr_err("cannot register the generic netlink family: %d\n", err);
		return err;
	}
	err = misc_register(&kftp_miscdev);
	if (err) {
		pr_err("cannot register /dev/kftp: %d\n", err);
		kftp_nl_exit();
	}
	return err;
}

/* No transfer runs: every open /dev/kftp holds a module reference. */
static void __exit kftp_exit(void)
{
	misc_deregister(&kftp_miscdev);
	kftp_nl_exit();
}

module_init(kftp_init);
module_exit(kftp_exit);

MODULE_DESCRIPTION("In-kernel FTP client (active mode RETR and listings) behind /dev/kftp");
MODULE_AUTHOR("The kftp developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(KFTP_VERSION);
