// SPDX-License-Identifier: GPL-2.0
/*
 * The active-mode data connection: a listening socket on the control
 * connection's local address, an accept that only lets the server in, and
 * the receive loop that feeds the destination file.
 */
#include <linux/jiffies.h>
#include <linux/net.h>
#include <linux/sched/signal.h>
#include <linux/uio.h>
#include <net/sock.h>

#include "kftp_compat.h"
#include "kftp_internal.h"

/* Enough for a few port thieves queued in front of the real server. */
#define KFTP_DATA_BACKLOG	8
/* How often the accept wait looks at the control connection. */
#define KFTP_ACCEPT_SLICE	(HZ / 4)

/* Listen on an ephemeral port of the address the server already reaches. */
int kftp_data_listen(struct kftp_session *s, struct sockaddr_storage *port_addr)
{
	int err;

	memset(port_addr, 0, sizeof(*port_addr));
	err = kernel_getsockname(s->ctrl.sock, (struct sockaddr *)port_addr);
	if (err < 0)
		return err;
	/* Port 0: a fixed range collides with TIME_WAIT on the server side. */
	if (port_addr->ss_family == AF_INET)
		((struct sockaddr_in *)port_addr)->sin_port = 0;
	else
		((struct sockaddr_in6 *)port_addr)->sin6_port = 0;

	err = kftp_sock_create(s->net, port_addr->ss_family, &s->listener);
	if (err)
		return err;
	err = kernel_bind(s->listener, kftp_bind_addr(port_addr),
			  kftp_sockaddr_len(port_addr));
	if (err)
		return err;
	err = kernel_listen(s->listener, KFTP_DATA_BACKLOG);
	if (err)
		return err;
	err = kernel_getsockname(s->listener, (struct sockaddr *)port_addr);
	return err < 0 ? err : 0;
}

/*
 * Anyone can race the server to an active-mode port. Only a connection from
 * the control connection's peer is accepted; others are closed unread and
 * the wait goes on, as vsftpd's port_promiscuous=NO does from its side.
 */
static bool kftp_data_peer_ok(struct kftp_session *s, struct socket *sock)
{
	struct sockaddr_storage peer;

	memset(&peer, 0, sizeof(peer));
	if (kernel_getpeername(sock, (struct sockaddr *)&peer) < 0)
		return false;
	if (kftp_sockaddr_same_host(&peer, &s->server))
		return true;
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
static int kftp_data_check_ctrl(struct kftp_session *s)
{
	int code = kftp_ctrl_poll_reply(&s->ctrl);

	if (code <= 0)
		return code;
	if (code / 100 == 2 && !s->early_final) {
		s->early_final = code;
		return 0;
	}
	/* After a 1xx the file exists: a late 5xx is not "no such file". */
	return code == 421 ? -ECONNABORTED : -EPROTO;
}

int kftp_data_accept(struct kftp_session *s)
{
	unsigned long deadline = jiffies +
				 msecs_to_jiffies(s->args->accept_timeout_ms);
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
		kftp_sock_set_timeo(s->listener, min_t(long, left, KFTP_ACCEPT_SLICE),
				    left);
		err = kernel_accept(s->listener, &sock, 0);
		if (err == -EAGAIN) {
			/* A server that gives up says so on the control link. */
			err = kftp_data_check_ctrl(s);
			if (err)
				return err;
			continue;
		}
		if (err)
			return kftp_sock_errno(err);
		if (kftp_data_peer_ok(s, sock)) {
			s->data = sock;
			return 0;
		}
		sock_release(sock);
	}
}

/* Write out what the buffer holds; a local failure is marked as such. */
static int kftp_data_flush(struct kftp_session *s, size_t *fill)
{
	int err;

	if (!*fill)
		return 0;
	err = kftp_file_write(s, s->xfer_buf, *fill);
	*fill = 0;
	if (err)
		s->file_failed = true;
	return err;
}

static int kftp_data_receive_loop(struct kftp_session *s, size_t *fill)
{
	u64 expected = s->remote_size;
	struct msghdr msg = {};
	struct kvec vec;
	int n;

	for (;;) {
		/* TCP checks signals only when it must wait; a fast server never makes it wait. */
		if (signal_pending(current))
			return -EINTR;
		vec.iov_base = s->xfer_buf + *fill;
		vec.iov_len = KFTP_XFER_BUF_SIZE - *fill;
		n = kernel_recvmsg(s->data, &msg, &vec, 1, vec.iov_len, 0);
		if (n < 0)
			return kftp_sock_errno(n);
		if (n == 0)
			return 0;
		if (expected != KFTP_SIZE_UNKNOWN &&
		    s->received + n > expected) {
			/* Keep what fits the announced size, drop the rest. */
			*fill += expected - s->received;
			s->received = expected;
			pr_info_ratelimited("%*pE: more data than the %llu bytes announced\n",
					    (int)strlen(s->args->remote_path),
					    s->args->remote_path, expected);
			return -EPROTO;
		}
		*fill += n;
		s->received += n;
		if (*fill == KFTP_XFER_BUF_SIZE) {
			n = kftp_data_flush(s, fill);
			if (n)
				return n;
		}
	}
}

/*
 * Receive until EOF. Whatever the reason the loop ends for, every byte
 * received is written out first, so that a partial download that the
 * caller keeps holds all of it.
 */
int kftp_data_receive(struct kftp_session *s)
{
	long stall = msecs_to_jiffies(s->args->stall_timeout_ms);
	size_t fill = 0;
	bool file_failed;
	int err, ferr;

	/* Each receive returns as soon as any byte arrives: a stall timer. */
	kftp_sock_set_timeo(s->data, stall, stall);
	err = kftp_data_receive_loop(s, &fill);
	file_failed = s->file_failed;
	ferr = kftp_data_flush(s, &fill);
	if (err) {
		/* The first failure is the one to report. */
		s->file_failed = file_failed;
		return err;
	}
	return ferr;
}
