// SPDX-License-Identifier: GPL-2.0
/*
 * Sessions: one per open /dev/kftp. A session keeps its control connection
 * logged in between calls, so that a batch of files costs one login, and
 * keeps a transfer that a stop signal interrupted until the kernel
 * restarts its call. Which connection may be reused, and when a kept
 * transfer is continued or let go, is decided here; the dialogue is
 * kftp_proto.c's.
 *
 * What a session keeps between calls, who owns it, and what ends it:
 *
 * - The control connection (sess->ctrl: socket, state, server, login). The
 *   session owns it; a call uses it under sess->lock. It is reused only when
 *   IDLE (logged in, between commands) for the same namespace, server and
 *   login, and the server has not spoken since. It ends when a call fails
 *   with it in any other state, when a call needs another server or login,
 *   and at release. Closing it wipes the login (kftp_ctrl_close()).
 *
 * - A kept transfer (sess->kept: its sockets, the destination, the request,
 *   a netns reference, a place in the netlink dump, the trace file of
 *   KFTP_GET_F_TRACE, and, for a stream, the bytes a stop kept it from
 *   taking, copied out of the socket's pages). The session owns
 *   it between the call that a stop interrupted and the call that continues
 *   it: the same thread, the same request, the same netns, and the same
 *   destination file, no shorter than what was written. It is let go, with
 *   DONE (EINTR), and its connection is ended as after any failure
 *   (kftp_session_end()):
 *   - by the next call that does not continue it;
 *   - at release (the last close of the file);
 *   - by kftp_session_kept_check(), a second after the stop and every few
 *     seconds while the caller is stopped, traced or frozen: a stopped
 *     process keeps its transfer, as it keeps its own sockets. A caller
 *     that died will not come back, nor will one that has run for a grace
 *     period (its step's timeout, within 2 to 30 s) without coming back
 *     into the call: it was told EINTR, or went on with something else.
 *     Past its max_time_ms, a transfer could only fail: it goes too.
 *   None of these depends on the caller seeing EINTR or not.
 *
 * - sess->stream_lost: the caller of a kept stream transfer that was let
 *   go after it had written (a pid reference, and the errno to return):
 *   by the kworker, or by another caller's call that did not continue it.
 *   That caller's next call ends it; if the call is its restart with a
 *   stream, it fails rather than write the same bytes again. Calls of
 *   others leave it. A newer marker replaces it; release ends it too.
 *
 * - Replies owed to pipelined commands (sess->ctrl.owed, and the kept
 *   transfer's sent_ahead and retr_early: TYPE goes with FEAT, SIZE and
 *   MDTM, or SIZE, MDTM, PORT and RETR, behind it, see kftp_proto.c).
 *   They belong to the transfer that sent them and to its connection:
 *   the connection stays BUSY until the last one is read. A stop keeps
 *   them with the kept transfer, whose restart reads them in order;
 *   anything that lets the transfer go (a kill, an error, a closed fd,
 *   the kept check, another call) ends the connection with it, so no
 *   later call reads another request's replies. Closing the connection
 *   forgets them. A RETR sent ahead makes the server send the file as
 *   soon as it reads it: that, too, ends only with the connection.
 *
 * - sess->ctrl.port_in_order and port_reordered: what the connection's
 *   server showed of its PORT replies (before it connects, or after it
 *   answered a RETR sent behind PORT), which decides whether RETR goes
 *   with PORT. Hints about that one connection, no resource: they end
 *   with it (kftp_ctrl_close()), whoever closes it. A stop, a kill, a
 *   fork or a closed fd changes nothing in them: a call that shares the
 *   session shares its connection, and a connection left BUSY is closed.
 *
 * - sess->sync_peer: a server that lost a pipelined command, sent one
 *   command at a time from then on. Only an address; it ends at release.
 *
 * - sess->next_data_port: a hint, no resource.
 *
 * A stopped caller that is killed, a child that inherited the file, or
 * another thread that closes the fd mid-call: the call holds a reference to
 * the file, so release runs only after it, at the last fput. Release may
 * run at process exit after the task's fs is gone, or in a kworker
 * (delayed_fput), as may the kept check: nothing on those paths uses
 * current. Whatever a transfer's end needs from its caller (pid, netns,
 * the destination's name) was taken while its first call ran.
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
#include <linux/sched/task.h>
#include <linux/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>

#include "kftp_internal.h"

static void kftp_session_kept_check(struct work_struct *work);

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
	INIT_DELAYED_WORK(&sess->kept_check, kftp_session_kept_check);
	return sess;
}

static void kftp_xfer_free(struct kftp_xfer *x)
{
	if (x->data)
		sock_release(x->data);
	if (x->listener)
		sock_release(x->listener);
	kftp_file_release(x);
	kftp_trace_put(x);
	kftp_hash_free(x);
	kftp_recv_free(x);
	kvfree(x->xfer_buf);
	put_pid(x->caller);
	kfree_sensitive(x->args);	/* it holds the password */
	kfree(x);
}

/*
 * The last reference to the file is gone (release: at process exit, or in
 * a kworker): abandon a kept transfer, say goodbye to the server and forget
 * the login. No call runs, and none can start.
 */
void kftp_session_free(struct kftp_session *sess)
{
	cancel_delayed_work_sync(&sess->kept_check);
	if (sess->kept)
		kftp_session_end(sess, sess->kept, -EINTR);
	sess->kept = NULL;
	put_pid(sess->stream_lost);
	kftp_ctrl_goodbye(&sess->ctrl, false);
	kftp_ctrl_free(&sess->ctrl);
	mutex_destroy(&sess->lock);
	kfree_sensitive(sess);
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

/* Does the logged-in connection's login match this request's? */
static bool kftp_login_matches(const struct kftp_login *l,
			       const struct kftp_get_args *a)
{
	/* Validated: NUL-terminated and NUL-padded, so whole arrays compare. */
	return l->family == a->family && l->port == a->port &&
	       l->scope_id == a->scope_id &&
	       !memcmp(l->addr, a->addr, sizeof(l->addr)) &&
	       l->data_family == a->data_family &&
	       l->data_port_low == a->data_port_low &&
	       l->data_port_high == a->data_port_high &&
	       !memcmp(l->data_addr, a->data_addr, sizeof(l->data_addr)) &&
	       !memcmp(l->user, a->user, sizeof(l->user)) &&
	       !memcmp(l->password, a->password, sizeof(l->password));
}

/*
 * The connection may serve this request when it is logged in and idle,
 * for the same namespace, server, credentials and data-port settings, and
 * the server has not spoken since: an unsolicited reply while idle is a
 * 421 or worse, and EOF is a server that closed it.
 */
bool kftp_session_may_reuse(struct kftp_session *sess,
			    const struct kftp_xfer *x)
{
	struct kftp_ctrl *c = &sess->ctrl;

	return c->state == KFTP_CONN_IDLE &&
	       net_eq(c->net, current->nsproxy->net_ns) &&
	       kftp_login_matches(&c->login, x->args) &&
	       kftp_ctrl_quiet(c);
}

/*
 * Is this call the kept transfer's restart (or the same request re-issued
 * by the same thread, after EINTR)? The same thread, namespace and request,
 * and the same destination file, not shortened meanwhile.
 */
static bool kftp_xfer_continues(const struct kftp_xfer *x,
				const struct kftp_get_args *args)
{
	const struct kftp_get_args *old = x->args;

	if (x->caller != task_pid(current) ||
	    !net_eq(x->nl_net, current->nsproxy->net_ns))
		return false;
	/*
	 * Compare the request. The out fields were cleared at copy-in, in
	 * both (kftp_clear_outputs()): result and remote_mtime are skipped,
	 * the later ones compare equal.
	 */
	if (memcmp(old, args, offsetof(struct kftp_get_args, result)) ||
	    old->dest_fd != args->dest_fd ||
	    old->max_filesize != args->max_filesize ||
	    memcmp(&old->max_time_ms, &args->max_time_ms,
		   sizeof(*args) - offsetof(struct kftp_get_args, max_time_ms)))
		return false;
	return kftp_file_still_ours(x);
}

/*
 * A stream cannot be written twice: when a kept transfer into one, which
 * had written to it, was let go, its caller's restarted call must not
 * start over (the reader would get the first bytes again). That call, the
 * next one of the same thread with a stream, fails instead. Bytes only
 * held back (x->unwritten) never reached the reader: starting over is
 * right then.
 */
static void kftp_session_lose_stream(struct kftp_session *sess,
				     struct kftp_xfer *x, int err)
{
	if (!x->file_stream || !x->written)
		return;
	put_pid(sess->stream_lost);
	sess->stream_lost = get_pid(x->caller);
	sess->stream_lost_err = err;
}

static int kftp_session_stream_lost(struct kftp_session *sess,
				    const struct kftp_get_args *args)
{
	struct pid *lost = sess->stream_lost;
	bool stream;

	/* Another thread's call: the marked caller may still come back. */
	if (!lost || lost != task_pid(current))
		return 0;
	sess->stream_lost = NULL;
	put_pid(lost);
	stream = args->flags & KFTP_GET_F_DEST_STREAM;
	return stream ? sess->stream_lost_err : 0;
}

/*
 * Start a transfer for @args, or continue the kept one when this is its
 * restarted call. Takes over @args on success.
 */
int kftp_session_begin(struct kftp_session *sess, struct kftp_get_args *args,
		       struct kftp_xfer **res)
{
	struct kftp_xfer *x = sess->kept;
	int err;

	err = kftp_session_stream_lost(sess, args);
	if (err)
		return err;
	if (x) {
		/* Running now, the check finds nothing kept: no need to wait. */
		cancel_delayed_work(&sess->kept_check);
		sess->kept = NULL;
		if (kftp_xfer_continues(x, args)) {
			kfree_sensitive(args);
			x->kept_checks = 0;
			*res = x;
			return 0;
		}
		/* Its caller, stopped, may yet restart: not into the stream. */
		if (x->caller != task_pid(current))
			kftp_session_lose_stream(sess, x, -EINTR);
		kftp_session_end(sess, x, -EINTR);
	}

	x = kzalloc(sizeof(*x), GFP_KERNEL);
	if (!x)
		return -ENOMEM;
	x->sess = sess;
	x->args = args;
	x->caller = get_pid(task_pid(current));
	x->remote_size = KFTP_SIZE_UNKNOWN;
	x->remote_mtime = KFTP_MTIME_UNKNOWN;
	if (args->max_time_ms)
		x->limit = (jiffies + msecs_to_jiffies(args->max_time_ms)) ?: 1;
	err = kftp_trace_get(x);
	if (err) {
		x->args = NULL;		/* still the caller's to free */
		kftp_xfer_free(x);
		return err;
	}
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
 * should be restarted once the process runs again, else -EINTR. The
 * kernel may still turn -ERESTARTNOHAND into EINTR (a handler runs for a
 * signal that came while the task was stopped): nothing may rely on it.
 */
int kftp_restart_errno(void)
{
	if (!signal_pending(current) || fatal_signal_pending(current) ||
	    kftp_handler_pending())
		return -EINTR;
	return -ERESTARTNOHAND;
}

/* Did a signal interrupt the step, in any of the kernel's spellings? */
bool kftp_interrupted(int err)
{
	switch (err) {
	case -EINTR:
	case -ERESTARTSYS:
	case -ERESTARTNOINTR:
	case -ERESTARTNOHAND:
	case -ERESTART_RESTARTBLOCK:
		return true;
	default:
		return false;
	}
}

/* How long the kept transfer's step would have waited for the server. */
static unsigned long kftp_xfer_step_timeout(const struct kftp_xfer *x)
{
	const struct kftp_get_args *a = x->args;

	switch (x->step) {
	case KFTP_STEP_CONNECT:
		return msecs_to_jiffies(a->connect_timeout_ms);
	case KFTP_STEP_ACCEPT:
		return msecs_to_jiffies(a->accept_timeout_ms);
	case KFTP_STEP_DATA:
		return msecs_to_jiffies(a->stall_timeout_ms);
	default:
		return msecs_to_jiffies(a->reply_timeout_ms);
	}
}

/* Stopped, traced, or frozen (by suspend's freezer or cgroup v2's). */
static bool kftp_task_held(struct task_struct *t)
{
	if (task_is_stopped_or_traced(t) || (READ_ONCE(t->__state) & TASK_FROZEN))
		return true;
#ifdef CONFIG_CGROUPS
	/* A bit of another task, read racily: a hint, rechecked later. */
	return t->frozen;
#else
	return false;
#endif
}

/* How often a kept transfer of a stopped caller is looked at. */
#define KFTP_KEPT_RECHECK	(5 * HZ)

/*
 * How long a caller that runs again gets to come back into its call: its
 * step's timeout, within bounds. Long enough for a woken task on a loaded
 * machine; short enough that a caller told EINTR does not keep sockets, a
 * file and a netns for an hour.
 */
static unsigned long kftp_xfer_grace(const struct kftp_xfer *x)
{
	return clamp(kftp_xfer_step_timeout(x), 2UL * HZ, 30UL * HZ);
}

/*
 * When to look at the kept transfer again, or 0 to let it go now: its
 * caller is gone, its max_time_ms has passed (it could only fail), or the
 * caller ran for a grace period without coming back. While the caller is
 * stopped, traced or frozen, the transfer waits.
 */
static unsigned long kftp_xfer_next_check(struct kftp_xfer *x)
{
	struct task_struct *t;
	bool held;

	if (x->limit && time_after_eq(jiffies, x->limit))
		return 0;
	t = get_pid_task(x->caller, PIDTYPE_PID);
	if (!t)
		return 0;
	held = kftp_task_held(t);
	put_task_struct(t);
	if (held) {
		x->kept_checks = 0;
		return KFTP_KEPT_RECHECK;
	}
	return x->kept_checks++ ? 0 : kftp_xfer_grace(x);
}

/*
 * Let go of a kept transfer whose caller will not continue it (see the top
 * of this file). From a kworker: nothing here may use current.
 */
static void kftp_session_kept_check(struct work_struct *work)
{
	struct kftp_session *sess = container_of(to_delayed_work(work),
						 struct kftp_session,
						 kept_check);
	struct kftp_xfer *x;
	unsigned long delay;

	if (!mutex_trylock(&sess->lock)) {
		/*
		 * A call runs: it takes the kept transfer, to continue or end
		 * it; or it is the call that has just kept it, and is about to
		 * unlock. Only the latter leaves one kept: look again then.
		 */
		if (data_race(sess->kept))
			schedule_delayed_work(&sess->kept_check, HZ);
		return;
	}
	x = sess->kept;
	if (x) {
		delay = kftp_xfer_next_check(x);
		if (delay) {
			schedule_delayed_work(&sess->kept_check, delay);
		} else {
			sess->kept = NULL;
			kftp_session_lose_stream(sess, x, x->limit &&
						 time_after_eq(jiffies, x->limit) ?
						 -ETIMEDOUT : -EINTR);
			kftp_session_end(sess, x, -EINTR);
		}
	}
	mutex_unlock(&sess->lock);
}

/*
 * After kftp_xfer_run(): keep an interrupted transfer for its restart
 * (-ERESTARTNOHAND), or return the error that ends it. A transfer can be
 * kept unless the interruption lost something: a half-written batch (the
 * file step failed), or a control connection out of step with the server.
 */
int kftp_session_interrupted(struct kftp_session *sess, struct kftp_xfer *x,
			     int err)
{
	if (!kftp_interrupted(err))
		return err;
	if (x->step == KFTP_STEP_LOCAL_FILE || x->file_failed ||
	    sess->ctrl.state == KFTP_CONN_BROKEN)
		return -EINTR;
	err = kftp_restart_errno();
	if (err == -ERESTARTNOHAND) {
		sess->kept = x;
		x->kept_checks = 0;
		schedule_delayed_work(&sess->kept_check,
				      min(HZ, kftp_xfer_step_timeout(x)));
	}
	return err;
}

/*
 * The transfer is over. The connection stays for the next call only when
 * it is logged in and between commands: after a success, or a refusal such
 * as 550 to RETR. In any other state it goes: a refused login, a command
 * whose reply never came, a transfer cut short; and after a 421 (closing)
 * or a 530/332 (the server no longer takes the login as valid, whatever
 * the state says). May run in a kworker or at release: nothing here may
 * use current.
 */
void kftp_session_end(struct kftp_session *sess, struct kftp_xfer *x, int err)
{
	struct kftp_ctrl *c = &sess->ctrl;

	kftp_nl_xfer_end(x, err);
	kftp_ctrl_drop_cmd(c);
	if (c->state != KFTP_CONN_IDLE || c->code == 421 || c->code == 530 ||
	    c->code == 332)
		kftp_ctrl_goodbye(c, true);
	/* The goodbye was traced, if the caller is there; the trace ends. */
	c->trace = NULL;
	kftp_xfer_free(x);
}
