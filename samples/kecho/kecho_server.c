// SPDX-License-Identifier: GPL-2.0
/*
 * kecho: an in-kernel TCP echo server, the sample from the socket-programming
 * article rewritten with today's kernel socket API and kftp's socket helpers
 * (kftp_sock.c, compiled into this module as kecho_sock.o).
 *
 * One kthread accepts connections on the listener; each connection is a work
 * item on kecho's own unbound workqueue, which echoes until EOF, an error or
 * the idle timeout. At most maxconn connections are served at once; any
 * other is accepted and reset at once. rmmod aborts the open connections
 * (RST) and waits for their workers, so nothing outlives the module.
 */
#include <linux/inet.h>
#include <linux/kthread.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/net.h>
#include <linux/nsproxy.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/string.h>
#include <linux/uio.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "kftp_compat.h"
#include "kftp_internal.h"

/* One receive buffer per connection: echoed back before the next read. */
#define KECHO_BUF_SIZE		(16 * 1024)
#define KECHO_BACKLOG		64
/* alloc_workqueue() accepts no larger max_active (WQ_MAX_ACTIVE). */
#define KECHO_MAXCONN_MAX	512
#define KECHO_IDLE_MAX		86400

static char *addr = "127.0.0.1";
module_param(addr, charp, 0444);
MODULE_PARM_DESC(addr, "IPv4 or IPv6 address to listen on (default 127.0.0.1)");

static ushort port = 7777;
module_param(port, ushort, 0444);
MODULE_PARM_DESC(port, "TCP port to listen on (default 7777)");

static uint maxconn = 64;
module_param(maxconn, uint, 0444);
MODULE_PARM_DESC(maxconn, "connections served at once, 1-512; more are reset (default 64)");

static uint idle_timeout = 30;
module_param(idle_timeout, uint, 0444);
MODULE_PARM_DESC(idle_timeout, "seconds a connection may stay idle, 1-86400 (default 30)");

/* One client connection, owned by its work item. */
struct kecho_conn {
	struct list_head node;		/* in kecho_conns, under kecho_lock */
	struct work_struct work;
	struct socket *sock;
	struct sockaddr_storage peer;	/* for the log only */
	void *buf;			/* KECHO_BUF_SIZE bytes */
};

static struct net *kecho_net;
static struct socket *kecho_listener;
static struct task_struct *kecho_acceptor;
static struct workqueue_struct *kecho_wq;

/*
 * The open connections. A worker takes itself off the list under the lock
 * before it releases its socket, so kecho_abort_all() only ever touches
 * sockets that are still alive.
 */
static DEFINE_MUTEX(kecho_lock);
static LIST_HEAD(kecho_conns);
static unsigned int kecho_nconns;

static int kecho_parse_addr(const char *s, struct sockaddr_storage *ss)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	const char *end;

	memset(ss, 0, sizeof(*ss));
	if (in4_pton(s, -1, (u8 *)&sin->sin_addr.s_addr, -1, &end) && !*end) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		return 0;
	}
	if (in6_pton(s, -1, sin6->sin6_addr.s6_addr, -1, &end) && !*end) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		return 0;
	}
	return -EINVAL;
}

/*
 * A zero linger time makes the release send an RST instead of a FIN: the
 * client learns at once that it was cut off, and neither side keeps the
 * connection in TIME_WAIT.
 */
static void kecho_reset(struct socket *sock)
{
	sock_no_linger(sock->sk);
	sock_release(sock);
}

static void kecho_serve(struct work_struct *work)
{
	struct kecho_conn *conn = container_of(work, struct kecho_conn, work);
	struct msghdr msg;
	struct kvec vec;
	u64 echoed = 0;
	int n, err;

	for (;;) {
		memset(&msg, 0, sizeof(msg));
		vec.iov_base = conn->buf;
		vec.iov_len = KECHO_BUF_SIZE;
		n = kernel_recvmsg(conn->sock, &msg, &vec, 1, KECHO_BUF_SIZE, 0);
		if (n <= 0) {
			err = kftp_sock_errno(n);
			break;
		}
		err = kftp_sock_send_all(conn->sock, conn->buf, n, 0);
		if (err)
			break;
		echoed += n;
	}
	if (err == -ETIMEDOUT)
		pr_debug("%pISpc: idle for %u s, closing\n", &conn->peer,
			 idle_timeout);
	else
		pr_debug("%pISpc: done, %llu bytes echoed, err %d\n",
			 &conn->peer, echoed, err);

	mutex_lock(&kecho_lock);
	list_del(&conn->node);
	kecho_nconns--;
	mutex_unlock(&kecho_lock);

	/* EOF: a FIN after the last echoed byte; rmmod set a zero linger. */
	sock_release(conn->sock);
	kfree(conn->buf);
	kfree(conn);
}

/* Serve a new connection, or reset it when maxconn are already served. */
static void kecho_start(struct socket *sock)
{
	struct kecho_conn *conn;

	conn = kzalloc(sizeof(*conn), GFP_KERNEL);
	if (!conn)
		goto out_reset;
	conn->buf = kmalloc(KECHO_BUF_SIZE, GFP_KERNEL);
	if (!conn->buf)
		goto out_free_conn;
	conn->sock = sock;
	INIT_WORK(&conn->work, kecho_serve);
	if (kernel_getpeername(sock, (struct sockaddr *)&conn->peer) < 0)
		conn->peer.ss_family = AF_UNSPEC;
	/* Every blocking recv and send of this connection: idle timeout. */
	kftp_sock_set_timeo(sock, idle_timeout * HZ, idle_timeout * HZ);

	mutex_lock(&kecho_lock);
	if (kecho_nconns >= maxconn) {
		mutex_unlock(&kecho_lock);
		pr_notice_ratelimited("%pISpc: refused, %u connections open\n",
				      &conn->peer, maxconn);
		goto out_free_buf;
	}
	list_add_tail(&conn->node, &kecho_conns);
	kecho_nconns++;
	queue_work(kecho_wq, &conn->work);
	mutex_unlock(&kecho_lock);
	return;

out_free_buf:
	kfree(conn->buf);
out_free_conn:
	kfree(conn);
out_reset:
	kecho_reset(sock);
}

static int kecho_accept_loop(void *unused)
{
	struct socket *sock;
	int err;

	while (!kthread_should_stop()) {
		err = kernel_accept(kecho_listener, &sock, 0);
		if (!err) {
			kecho_start(sock);
			continue;
		}
		/* kecho_exit() shut the listener down: wait for kthread_stop. */
		if (err == -EINVAL)
			break;
		/* A connection reset in the backlog, or short of memory. */
		if (err != -ECONNABORTED) {
			pr_warn_ratelimited("accept failed: %d\n", err);
			schedule_timeout_interruptible(HZ / 10);
		}
	}

	set_current_state(TASK_INTERRUPTIBLE);
	while (!kthread_should_stop()) {
		schedule();
		set_current_state(TASK_INTERRUPTIBLE);
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

/*
 * Wake every worker, wherever it sleeps: shutdown ends a blocked recv (it
 * returns 0) and a blocked send (-EPIPE), and the zero linger time turns
 * the worker's release into an RST. Clients may see the FIN of the
 * shutdown first; either way the connection is gone when rmmod returns.
 */
static void kecho_abort_all(void)
{
	struct kecho_conn *conn;

	mutex_lock(&kecho_lock);
	list_for_each_entry(conn, &kecho_conns, node) {
		sock_no_linger(conn->sock->sk);
		kernel_sock_shutdown(conn->sock, SHUT_RDWR);
	}
	mutex_unlock(&kecho_lock);
}

static int __init kecho_init(void)
{
	struct sockaddr_storage ss;
	int err;

	if (kecho_parse_addr(addr, &ss)) {
		pr_err("addr=%s is not an IPv4 or IPv6 address\n", addr);
		return -EINVAL;
	}
	if (!port || !maxconn || maxconn > KECHO_MAXCONN_MAX ||
	    !idle_timeout || idle_timeout > KECHO_IDLE_MAX) {
		pr_err("port must be 1-65535, maxconn 1-%d, idle_timeout 1-%d\n",
		       KECHO_MAXCONN_MAX, KECHO_IDLE_MAX);
		return -EINVAL;
	}

	/*
	 * The namespace of the process that loads us (insmod run under
	 * `ip netns exec NS` listens in NS). The listener lives until rmmod,
	 * long after that process is gone, so we hold a reference of our own
	 * whatever kftp_sock_create() does (sock_create_kern takes none,
	 * __sock_create with kern=0 takes one): a socket must never outlive
	 * its namespace. The price is that kecho pins the namespace: after
	 * `ip netns del NS` it is torn down only at rmmod.
	 */
	kecho_net = get_net(current->nsproxy->net_ns);

	err = kftp_sock_create(kecho_net, ss.ss_family, &kecho_listener);
	if (err)
		goto out_put_net;
	/* Bind again at once after rmmod, despite our TIME_WAIT leftovers. */
	sock_set_reuseaddr(kecho_listener->sk);
	err = kernel_bind(kecho_listener, kftp_bind_addr(&ss),
			  kftp_sockaddr_len(&ss));
	if (err)
		goto out_release;
	err = kernel_listen(kecho_listener, KECHO_BACKLOG);
	if (err)
		goto out_release;

	/*
	 * Unbound, and max_active = maxconn: a worker sleeps in recv for the
	 * whole connection, so every admitted connection needs a worker of
	 * its own, never a queue slot behind another.
	 */
	kecho_wq = alloc_workqueue("kecho", WQ_UNBOUND, maxconn);
	if (!kecho_wq) {
		err = -ENOMEM;
		goto out_release;
	}

	kecho_acceptor = kthread_run(kecho_accept_loop, NULL, "kecho-accept");
	if (IS_ERR(kecho_acceptor)) {
		err = PTR_ERR(kecho_acceptor);
		goto out_destroy_wq;
	}

	pr_info("listening on %pISpc, at most %u connections, idle timeout %u s\n",
		&ss, maxconn, idle_timeout);
	return 0;

out_destroy_wq:
	destroy_workqueue(kecho_wq);
out_release:
	sock_release(kecho_listener);
out_put_net:
	put_net(kecho_net);
	pr_err("cannot listen on %s port %u: %d\n", addr, port, err);
	return err;
}

static void __exit kecho_exit(void)
{
	/* Ends the acceptor's kernel_accept() with -EINVAL. */
	kernel_sock_shutdown(kecho_listener, SHUT_RDWR);
	kthread_stop(kecho_acceptor);
	/* No new connection can appear now; end the open ones. */
	kecho_abort_all();
	/* Waits for every worker to return, after its socket is released. */
	destroy_workqueue(kecho_wq);
	WARN_ON(kecho_nconns);
	sock_release(kecho_listener);
	put_net(kecho_net);
	pr_info("stopped\n");
}

module_init(kecho_init);
module_exit(kecho_exit);

MODULE_DESCRIPTION("In-kernel TCP echo server (kftp sample)");
MODULE_AUTHOR("The kftp developers");
MODULE_LICENSE("GPL");
