// SPDX-License-Identifier: GPL-2.0
/*
 * kftp: an in-kernel FTP client. This file holds the misc device, the
 * ioctl and the validation of its argument; the transfer itself is in
 * kftp_proto.c (control), kftp_data.c (data), kftp_file.c (destination).
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

static bool kftp_timeout_ok(u32 ms)
{
	return ms && ms <= KFTP_TIMEOUT_MAX_MS;
}

static int kftp_validate(const struct kftp_get_args *a)
{
	bool to_fd = a->flags & KFTP_GET_F_DEST_FD;

	if (a->flags & ~KFTP_GET_F_ALL)
		return -EINVAL;
	/* The fd is the destination: a path beside it would be ambiguous. */
	if (to_fd && (a->local_path[0] || (a->flags & KFTP_GET_F_EXCL)))
		return -EINVAL;
	if (a->reserved1)
		return -EINVAL;
	if (a->resume_offset)
		return -EINVAL;	/* reserved until REST is supported */
	if (!a->port)
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
	    !kftp_string_ok(a->remote_path, sizeof(a->remote_path), false) ||
	    !kftp_string_ok(a->local_path, sizeof(a->local_path), to_fd))
		return -EINVAL;
	return 0;
}

static void kftp_log_failure(const struct kftp_session *s, int err)
{
	/* User errors and interruptions are the caller's to report. */
	if (err == -EINTR || s->step == KFTP_STEP_LOCAL_FILE)
		return;
	/* %pE: the path is the caller's and the log is the admin's terminal. */
	pr_info_ratelimited("retrieving %*pE from %pISpc failed at step %u: %d\n",
			    (int)strlen(s->args->remote_path),
			    s->args->remote_path, &s->server, s->step, err);
}

/* What the caller learns of the transfer, success or not. */
static void kftp_fill_result(struct kftp_get_result *res,
			     const struct kftp_session *s, int err)
{
	memset(res, 0, sizeof(*res));
	res->bytes_written = s->written;
	res->remote_size = s->remote_size;
	res->reply_code = s->ctrl.code;
	res->failed_step = err ? s->step : KFTP_STEP_NONE;
	strscpy(res->reply_text, s->ctrl.text, sizeof(res->reply_text));
}

static int kftp_ioctl_get(struct kftp_get_args __user *uargs)
{
	struct kftp_session *s;
	struct kftp_get_args *args;
	u32 usize;
	int err;

	BUILD_BUG_ON(sizeof(*args) != KFTP_GET_ARGS_SIZE_VER1);

	if (get_user(usize, &uargs->size))
		return -EFAULT;
	if (usize < KFTP_GET_ARGS_SIZE_VER0)
		return -EINVAL;
	if (usize > KFTP_GET_ARGS_SIZE_LIMIT)
		return -E2BIG;

	args = kzalloc(sizeof(*args), GFP_KERNEL);
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!args || !s) {
		err = -ENOMEM;
		goto out_free;
	}
	err = copy_struct_from_user(args, sizeof(*args), uargs, usize);
	if (err)
		goto out_free;
	err = kftp_validate(args);
	if (err)
		goto out_free;

	s->args = args;
	s->net = current->nsproxy->net_ns;
	err = kftp_retrieve(s);
	if (err)
		kftp_log_failure(s, err);
	kftp_fill_result(&args->result, s, err);
	/* A restart would redo a half-finished transfer behind the caller. */
	if (err == -ERESTARTSYS || err == -ERESTARTNOINTR ||
	    err == -ERESTARTNOHAND || err == -ERESTART_RESTARTBLOCK)
		err = -EINTR;

	if (copy_to_user(&uargs->result, &args->result, sizeof(args->result)))
		err = err ?: -EFAULT;
out_free:
	kfree(s);
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
	return kftp_ioctl_get((struct kftp_get_args __user *)arg);
}

static const struct file_operations kftp_fops = {
	.owner		= THIS_MODULE,
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
	int err = misc_register(&kftp_miscdev);

	if (err)
		pr_err("cannot register /dev/kftp: %d\n", err);
	return err;
}

static void __exit kftp_exit(void)
{
	misc_deregister(&kftp_miscdev);
}

module_init(kftp_init);
module_exit(kftp_exit);

MODULE_DESCRIPTION("In-kernel FTP client (active mode RETR) behind /dev/kftp");
MODULE_AUTHOR("The kftp developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(KFTP_VERSION);
