// SPDX-License-Identifier: GPL-2.0
/*
 * The active-mode data connection: a listening socket on the control
 * connection's local address, an accept that only lets the server in, and
 * the receive loop that feeds the destination file.
 */
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/net.h>
#include <linux/sched/signal.h>
#include <linux/uio.h>
#include <net/inet_connection_sock.h>
#include <net/ipv6.h>
#include <net/sock.h>

#include "kftp_compat.h"
#include "kftp_internal.h"

/* Enough for a few port thieves queued in front of the real server. */
#define KFTP_DATA_BACKLOG	8
/* How often the accept wait looks at the control connection. */
#define KFTP_ACCEPT_SLICE	(HZ / 4)

static void kftp_data_set_port(struct sockaddr_storage *addr, u16 port)
{
	if (addr->ss_family == AF_INET)
		((struct sockaddr_in *)addr)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)addr)->sin6_port = htons(port);
}

/*
 * The address to listen on: the one the server already reaches us at, or
 * the caller's choice (a firewall may only let some address and ports in).
 */
static int kftp_data_local_addr(struct kftp_xfer *x,
				struct sockaddr_storage *addr)
{
	const struct kftp_get_args *a = x->args;
	struct sockaddr_in *sin = (struct sockaddr_in *)addr;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)addr;
	int err;

	memset(addr, 0, sizeof(*addr));
	if (!a->data_family) {
		err = kernel_getsockname(x->sess->ctrl.sock, (struct sockaddr *)addr);
		return err < 0 ? err : 0;
	}
	if (a->data_family == AF_INET) {
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, a->data_addr, 4);
	} else {
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, a->data_addr, 16);
		if (ipv6_addr_type(&sin6->sin6_addr) & IPV6_ADDR_LINKLOCAL)
			sin6->sin6_scope_id = a->scope_id;
	}
	return 0;
}

/*
 * Bind to a port of the caller's range. The search starts where the
 * session's last one ended: the server's end of the previous data
 * connection may still be in TIME_WAIT with our last port. SO_REUSEADDR
 * lets a port go again once only closing connections hold it.
 */
static int kftp_data_bind_range(struct kftp_xfer *x,
				struct sockaddr_storage *addr)
{
	u16 low = x->args->data_port_low;
	u16 high = x->args->data_port_high ?: low;
	u32 count = high - low + 1, i;
	u16 port = x->sess->next_data_port;
	int err = -EADDRINUSE;

	if (port < low || port > high)
		port = low;
	sock_set_reuseaddr(x->listener->sk);
	for (i = 0; i < count; i++) {
		kftp_data_set_port(addr, port);
		err = kernel_bind(x->listener, kftp_bind_addr(addr),
				  kftp_sockaddr_len(addr));
		port = port == high ? low : port + 1;
		if (err != -EADDRINUSE)
			break;
	}
	x->sess->next_data_port = port;
	return err;
}

/*
 * Listen on a data port; @port_addr gets the address to announce. On
 * failure x->listener is left NULL, so that a later try starts afresh.
 */
int kftp_data_listen(struct kftp_xfer *x, struct sockaddr_storage *port_addr)
{
	int err;

	err = kftp_data_local_addr(x, port_addr);
	if (err)
		return err;
	err = kftp_sock_create(x->sess->ctrl.net, port_addr->ss_family,
			       &x->listener);
	if (err)
		return err;
	if (x->args->data_port_low) {
		err = kftp_data_bind_range(x, port_addr);
	} else {
		/* Port 0: a fixed port collides with TIME_WAIT on the server side. */
		kftp_data_set_port(port_addr, 0);
		err = kernel_bind(x->listener, kftp_bind_addr(port_addr),
				  kftp_sockaddr_len(port_addr));
	}
	if (err)
		goto out_release;
	err = kernel_listen(x->listener, KFTP_DATA_BACKLOG);
	if (err)
		goto out_release;
	err = kernel_getsockname(x->listener, (struct sockaddr *)port_addr);
	if (err >= 0)
		return 0;
out_release:
	sock_release(x->listener);
	x->listener = NULL;
	return err;
}

/*
 * Has anyone connected to the data port yet, or begun to? A SYN waiting in
 * the listener's queue counts, a connection between the two queues too
 * (sk_ack_backlog). Read unlocked, as tcp_poll() does; a SYN cookie leaves
 * no trace, so a server that connects first may be missed (see
 * kftp_port(): its 1xx is still read right).
 */
bool kftp_data_pending(const struct kftp_xfer *x)
{
	struct sock *sk = x->listener ? x->listener->sk : NULL;

	return sk && (inet_csk_reqsk_queue_len(sk) ||
		      READ_ONCE(sk->sk_ack_backlog) ||
		      !reqsk_queue_empty(&inet_csk(sk)->icsk_accept_queue));
}

/*
 * Anyone can race the server to an active-mode port. Only a connection from
 * the control connection's peer is accepted; others are closed unread and
 * the wait goes on, as vsftpd's port_promiscuous=NO does from its side.
 */
static bool kftp_data_peer_ok(struct kftp_xfer *x, struct socket *sock)
{
	struct sockaddr_storage peer;

	memset(&peer, 0, sizeof(peer));
	if (kernel_getpeername(sock, (struct sockaddr *)&peer) < 0)
		return false;
	if (kftp_sockaddr_same_host(&peer, &x->sess->ctrl.peer)) {
		kftp_trace(&x->sess->ctrl, "* data connection from %pISpc\n",
			   &peer);
		return true;
	}
	pr_warn_ratelimited("refused a data connection from %pISc: not the server\n",
			    &peer);
	return false;
}

/*
 * While we wait for the data connection, the server may give up and say
 * so on the control connection. Only replies that have arrived in full are
 * read: a partial line must not hold up the accept. An early final 2xx is
 * remembered for the completion step, anything else ends the wait.
 */
static int kftp_data_check_ctrl(struct kftp_xfer *x)
{
	int code = kftp_ctrl_poll_reply(&x->sess->ctrl);

	if (code <= 0)
		return code;
	if (code / 100 == 2 && !x->early_final) {
		x->early_final = code;
		return 0;
	}
	/* After a 1xx the file exists: a late 5xx is not "no such file". */
	return code == 421 ? -ECONNABORTED : -EPROTO;
}

int kftp_data_accept(struct kftp_xfer *x)
{
	long timeout = msecs_to_jiffies(x->args->accept_timeout_ms);
	unsigned long deadline = kftp_xfer_deadline(x, timeout);
	struct socket *sock;
	long left;
	int err;

	for (;;) {
		if (signal_pending(current))
			return -EINTR;
		left = (long)(deadline - jiffies);
		if (left <= 0)
			return -ETIMEDOUT;
		/* kernel_accept waits for the listener's sk_rcvtimeo. */
		kftp_sock_set_timeo(x->listener, min_t(long, left, KFTP_ACCEPT_SLICE),
				    left);
		err = kernel_accept(x->listener, &sock, 0);
		if (err == -EAGAIN) {
			/* A server that gives up says so on the control link. */
			err = kftp_data_check_ctrl(x);
			if (err)
				return err;
			continue;
		}
		if (err)
			return kftp_sock_errno(err);
		if (kftp_data_peer_ok(x, sock)) {
			x->data = sock;
			return 0;
		}
		sock_release(sock);
	}
}

/* Write out what the buffer holds; a local failure is marked as such. */
static int kftp_data_flush(struct kftp_xfer *x, size_t *fill)
{
	int err;

	if (!*fill)
		return 0;
	if (x->recv) {
		err = kftp_recv_write(x);	/* the pages it holds */
	} else {
		err = kftp_hash_data(x, x->xfer_buf, *fill);
		if (!err)
			err = kftp_file_write(x, x->xfer_buf, *fill);
	}
	*fill = 0;
	/* A stop in a stream's write keeps what was not written: not lost. */
	if (err && !kftp_file_unwritten(x))
		x->file_failed = true;
	return err;
}

/*
 * The most data bytes this transfer may receive: what SIZE announced
 * after the resume offset, and no more than max_filesize allows.
 */
static u64 kftp_data_allowed(const struct kftp_xfer *x, int *over_err)
{
	u64 offset = x->args->resume_offset;
	u64 allowed = U64_MAX;

	*over_err = 0;
	if (x->remote_size != KFTP_SIZE_UNKNOWN) {
		allowed = x->remote_size - offset;	/* offset <= size: checked */
		*over_err = -EPROTO;
	}
	if (x->args->max_filesize &&
	    x->args->max_filesize - min(offset, x->args->max_filesize) < allowed) {
		allowed = x->args->max_filesize - min(offset, x->args->max_filesize);
		*over_err = -EFBIG;
	}
	return allowed;
}

/*
 * Each receive returns as soon as any byte arrives, so the socket timeout
 * is a stall timer; under max_time_ms it never reaches past the limit.
 */
static int kftp_data_set_stall(struct kftp_xfer *x)
{
	long stall = msecs_to_jiffies(x->args->stall_timeout_ms);
	long left;

	if (x->limit) {
		left = (long)(x->limit - jiffies);
		if (left <= 0)
			return -ETIMEDOUT;
		stall = min(stall, left);
	}
	kftp_sock_set_timeo(x->data, stall, stall);
	return 0;
}

static int kftp_data_receive_loop(struct kftp_xfer *x, size_t *fill)
{
	struct msghdr msg = {};
	struct kvec vec;
	u64 allowed;
	int n, over_err;

	allowed = kftp_data_allowed(x, &over_err);
	for (;;) {
		/* TCP checks signals only when it must wait; a fast server never makes it wait. */
		if (signal_pending(current))
			return -EINTR;
		n = kftp_data_set_stall(x);
		if (n)
			return n;
		if (x->recv) {
			/* One copy: see kftp_recv.c. Keeps at most the room left. */
			n = kftp_recv_read(x, allowed - x->received);
		} else {
			vec.iov_base = x->xfer_buf + *fill;
			vec.iov_len = KFTP_XFER_BUF_SIZE - *fill;
			n = kernel_recvmsg(x->data, &msg, &vec, 1, vec.iov_len, 0);
		}
		if (n < 0)
			return kftp_sock_errno(n);
		if (n == 0)
			return 0;
		if (x->received + n > allowed) {
			/* Keep what fits the announced size or the limit. */
			*fill += allowed - x->received;
			WRITE_ONCE(x->received, allowed);
			if (over_err == -EPROTO)
				pr_info_ratelimited("%*pE: more data than the %llu bytes announced\n",
						    (int)strlen(x->args->remote_path),
						    x->args->remote_path, x->remote_size);
			return over_err;
		}
		*fill += n;
		WRITE_ONCE(x->received, x->received + n);	/* the dump reads it */
		kftp_nl_xfer_progress(x);
		/* The one-copy path writes each batch while it holds the pages. */
		if (*fill == KFTP_XFER_BUF_SIZE || x->recv) {
			n = kftp_data_flush(x, fill);
			if (n)
				return n;
		}
	}
}

/*
 * The memory of one receive: the one-copy path's batch, or, without memory
 * for it, the two-copy path's buffer. Only while the data step runs: a
 * transfer kept across a stop holds neither.
 */
static int kftp_data_buffers_alloc(struct kftp_xfer *x)
{
	kftp_recv_alloc(x);
	if (x->recv)
		return 0;
	x->xfer_buf = kvmalloc(KFTP_XFER_BUF_SIZE, GFP_KERNEL);
	return x->xfer_buf ? 0 : -ENOMEM;
}

static void kftp_data_buffers_free(struct kftp_xfer *x)
{
	kftp_recv_free(x);
	kvfree(x->xfer_buf);
	x->xfer_buf = NULL;
}

/*
 * Receive until EOF. Whatever the reason the loop ends for, every byte
 * received is written out first, so that a partial download that the
 * caller keeps holds all of it, and a restarted call continues after it.
 */
int kftp_data_receive(struct kftp_xfer *x)
{
	size_t fill = 0;
	bool file_failed;
	int err, ferr;

	err = kftp_data_buffers_alloc(x);
	if (err)
		return err;
	/* First what a stop kept a stream from taking, in the call before. */
	err = kftp_file_write_unwritten(x);
	if (err && !kftp_file_unwritten(x))
		x->file_failed = true;
	if (!err)
		err = kftp_data_receive_loop(x, &fill);
	file_failed = x->file_failed;
	ferr = kftp_data_flush(x, &fill);
	kftp_data_buffers_free(x);
	/* Bytes that could not be written cannot be continued after. */
	if (err == -EINTR && ferr)
		return ferr;
	if (err) {
		/* The first failure is the one to report. */
		x->file_failed = file_failed;
		return err;
	}
	return ferr;
}
