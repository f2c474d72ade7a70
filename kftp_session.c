// SPDX-License-Identifier: GPL-2.0
/*
 * Sessions: one per open /dev/kftp. A session keeps its control connection
 * logged in between calls, so that a batch of files costs one login, and
 * keeps a transfer that a stop signal interrupted until the kernel
 * restarts its call. Which connection may be reused, and when a transfer
 * may wait for its restart, is decided here; the dialogue is kftp_proto.c's.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/net.h>
#include <linux/nsproxy.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/net_namespace.h>

#include "kftp_internal.h"

struct kftp_session *kftp_session_new(void)
{
	struct kftp_session *sess = kzalloc(sizeof(*sess), GFP_KERNEL);

	if (!sess)
		return NULL;
	if (kftp_ctrl_init(&sess->ctrl)) {
		kfree(sess);
		return NULL;
	}
	mutex_init(&sess->lock);
	return sess;
}

static void kftp_xfer_free(struct kftp_xfer *x)
{
	if (x->data)
		sock_release(x->data);
	if (x->listener)
		sock_release(x->listener);
	if (x->file)
		kftp_file_close(x);
	kvfree(x->xfer_buf);
	put_pid(x->caller);
	kfree_sensitive(x->args);	/* it holds the password */
	kfree(x);
}

/*
 * The last reference to the file is gone: abandon a kept transfer, say
 * goodbye to the server and forget the login.
 */
void kftp_session_free(struct kftp_session *sess)
{
	if (sess->kept)
		kftp_session_end(sess, sess->kept, -EINTR);
	kftp_ctrl_goodbye(&sess->ctrl, false);
	kftp_ctrl_free(&sess->ctrl);
	mutex_destroy(&sess->lock);
	kfree_sensitive(sess);		/* the login holds the password */
}

/* The earlier of now + @timeout and the call's own limit. */
unsigned long kftp_xfer_deadline(const struct kftp_xfer *x,
				 unsigned long timeout)
{
	unsigned long deadline = jiffies + timeout;

	if (x->limit && time_before(x->limit, deadline))
		return x->limit;
	return deadline;
}

static void kftp_login_from_args(struct kftp_login *l,
				 const struct kftp_get_args *a)
{
	memset(l, 0, sizeof(*l));
	l->family = a->family;
	l->port = a->port;
	l->scope_id = a->scope_id;
	memcpy(l->addr, a->addr, sizeof(l->addr));
	l->data_family = a->data_family;
	l->data_port_low = a->data_port_low;
	l->data_port_high = a->data_port_high;
	memcpy(l->data_addr, a->data_addr, sizeof(l->data_addr));
	/* Validated: NUL-terminated and NUL-padded, so whole arrays compare. */
	memcpy(l->user, a->user, sizeof(l->user));
	memcpy(l->password, a->password, sizeof(l->password));
}

void kftp_session_set_login(struct kftp_session *sess,
			    const struct kftp_xfer *x)
{
	kftp_login_from_args(&sess->login, x->args);
}

/*
 * The connection may serve this request when it is logged in for the same
 * namespace, server, credentials and data-port settings, and the server
 * has not spoken since: an unsolicited reply while idle is a 421 or worse,
 * and EOF is a server that closed it.
 */
bool kftp_session_may_reuse(const struct kftp_session *sess,
			    const struct kftp_xfer *x)
{
	struct kftp_ctrl *c = (struct kftp_ctrl *)&sess->ctrl;
	struct kftp_login *want;
	bool same;

	if (!c->sock || c->broken || sess->net != current->nsproxy->net_ns)
		return false;
	want = kmalloc(sizeof(*want), GFP_KERNEL);
	if (!want)
		return false;
	kftp_login_from_args(want, x->args);
	same = !memcmp(want, &sess->login, sizeof(*want));
	kfree_sensitive(want);
	return same && kftp_ctrl_poll_reply(c) == 0;
}

/*
 * A restarted call comes from the same thread with the same request. A
 * dest_fd must still be the file the transfer writes to: the caller could
 * have closed and reused the number while it was stopped.
 */
static bool kftp_xfer_continues(const struct kftp_xfer *x,
				const struct kftp_get_args *args)
{
	const struct kftp_get_args *old = x->args;
	struct file *file;
	bool same;

	if (x->caller != task_pid(current))
		return false;
	/* Compare the request, not the fields the kernel writes back. */
	if (memcmp(old, args, offsetof(struct kftp_get_args, result)) ||
	    old->dest_fd != args->dest_fd ||
	    old->max_filesize != args->max_filesize ||
	    memcmp(&old->max_time_ms, &args->max_time_ms,
		   sizeof(*args) - offsetof(struct kftp_get_args, max_time_ms)))
		return false;
	if (!(args->flags & KFTP_GET_F_DEST_FD))
		return true;
	file = fget(args->dest_fd);
	same = file == x->file;
	if (file)
		fput(file);
	return same;
}

/*
 * Start a transfer for @args, or continue the kept one when this is its
 * restarted call. Takes over @args on success.
 */
int kftp_session_begin(struct kftp_session *sess, struct kftp_get_args *args,
		       struct kftp_xfer **res)
{
	struct kftp_xfer *x = sess->kept;

	if (x) {
		sess->kept = NULL;
		if (kftp_xfer_continues(x, args)) {
			kfree_sensitive(args);
			*res = x;
			return 0;
		}
		kftp_session_end(sess, x, -EINTR);
	}

	x = kzalloc(sizeof(*x), GFP_KERNEL);
	if (!x)
		return -ENOMEM;
	x->xfer_buf = kvmalloc(KFTP_XFER_BUF_SIZE, GFP_KERNEL);
	if (!x->xfer_buf) {
		kfree(x);
		return -ENOMEM;
	}
	x->sess = sess;
	x->args = args;
	x->caller = get_pid(task_pid(current));
	x->ctrl_idle = true;
	x->remote_size = KFTP_SIZE_UNKNOWN;
	x->remote_mtime = KFTP_MTIME_UNKNOWN;
	if (args->max_time_ms)
		x->limit = (jiffies + msecs_to_jiffies(args->max_time_ms)) ?: 1;
	kftp_nl_xfer_begin(x);
	*res = x;
	return 0;
}

/*
 * Whether a pending signal will run a handler. Such a signal ends the
 * transfer, as it ends any system call that is not restarted after a
 * handler. Stop signals, a ptrace attach and the freezer run none.
 */
static bool kftp_handler_pending(void)
{
	struct task_struct *t = current;
	/* Only an exec() of its own replaces current's sighand. */
	struct sighand_struct *sighand = rcu_dereference_protected(t->sighand, 1);
	__sighandler_t handler;
	sigset_t pending;
	bool found = false;
	int sig;

	spin_lock_irq(&sighand->siglock);
	sigorsets(&pending, &t->pending.signal, &t->signal->shared_pending.signal);
	sigandnsets(&pending, &pending, &t->blocked);
	for (sig = 1; sig <= _NSIG && !found; sig++) {
		if (!sigismember(&pending, sig))
			continue;
		handler = sighand->action[sig - 1].sa.sa_handler;
		found = handler != SIG_DFL && handler != SIG_IGN;
	}
	spin_unlock_irq(&sighand->siglock);
	return found;
}

/*
 * For a wait that a signal interrupted: -ERESTARTNOHAND when the call
 * should be restarted once the process runs again, else -EINTR.
 */
int kftp_restart_errno(void)
{
	if (!signal_pending(current) || fatal_signal_pending(current) ||
	    kftp_handler_pending())
		return -EINTR;
	return -ERESTARTNOHAND;
}

/*
 * After kftp_xfer_run(): keep an interrupted transfer for its restart
 * (-ERESTARTNOHAND), or return the error that ends it. Only a network step
 * on a sound connection can wait: a local file step is redone from scratch
 * by the caller anyway.
 */
int kftp_session_interrupted(struct kftp_session *sess, struct kftp_xfer *x,
			     int err)
{
	switch (err) {
	case -ERESTARTSYS:
	case -ERESTARTNOINTR:
	case -ERESTARTNOHAND:
	case -ERESTART_RESTARTBLOCK:
		err = -EINTR;
		break;
	}
	if (err != -EINTR)
		return err;
	if (x->step == KFTP_STEP_NONE || x->step == KFTP_STEP_LOCAL_FILE ||
	    sess->ctrl.broken)
		return err;
	err = kftp_restart_errno();
	if (err == -ERESTARTNOHAND)
		sess->kept = x;
	return err;
}

/*
 * The transfer is over. The connection stays for the next call when it
 * is between commands: after a success, or a refusal such as 550 to RETR.
 * Anything else leaves it in an unknown state, and it goes.
 */
void kftp_session_end(struct kftp_session *sess, struct kftp_xfer *x, int err)
{
	struct kftp_ctrl *c = &sess->ctrl;

	kftp_nl_xfer_end(x, err);
	if (err && (!x->ctrl_idle || c->code == 421))
		kftp_ctrl_goodbye(c, true);
	kftp_xfer_free(x);
}
