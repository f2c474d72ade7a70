// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel TCP sockets for kftp: created in the caller's network namespace,
 * every blocking call bounded by sk_rcvtimeo/sk_sndtimeo, and every error
 * turned into an errno that makes sense to the ioctl's caller.
 */
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/net.h>
#include <linux/uio.h>
#include <net/ipv6.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "kftp_compat.h"
#include "kftp_internal.h"

/*
 * Sockets are created as the calling process would create them (kern=0):
 * the LSM and cgroup-BPF hooks see the caller's credentials, and the
 * socket holds a reference on its netns. Without that reference, a closed
 * TCP socket has its timers stopped at once, so a FIN or QUIT lost after
 * close is never retransmitted and the orphan stays in FIN-WAIT-1 or
 * LAST-ACK for good. Accepted sockets inherit the listener's setting.
 */
int kftp_sock_create(struct net *net, int family, struct socket **res)
{
	return __sock_create(net, family, SOCK_STREAM, IPPROTO_TCP, res, 0);
}

/* Probe an idle peer as curl does by default: after 60 s, every 60 s. */
#define KFTP_KEEPALIVE_SECS	60
#define KFTP_KEEPALIVE_PROBES	5

void kftp_sock_set_keepalive(struct socket *sock)
{
	sock_set_keepalive(sock->sk);
	tcp_sock_set_keepidle(sock->sk, KFTP_KEEPALIVE_SECS);
	tcp_sock_set_keepintvl(sock->sk, KFTP_KEEPALIVE_SECS);
	tcp_sock_set_keepcnt(sock->sk, KFTP_KEEPALIVE_PROBES);
}

/*
 * The socket layer reads these without the socket lock; WRITE_ONCE pairs
 * with its READ_ONCE, as the smb client does when it sets them.
 */
void kftp_sock_set_timeo(struct socket *sock, long rcv_jiffies, long snd_jiffies)
{
	WRITE_ONCE(sock->sk->sk_rcvtimeo, max(rcv_jiffies, 1L));
	WRITE_ONCE(sock->sk->sk_sndtimeo, max(snd_jiffies, 1L));
}

/*
 * A timed-out socket call returns -EAGAIN; an interrupted one may return
 * -ERESTARTSYS, which would make the ioctl restart and redo half a transfer.
 */
int kftp_sock_errno(int err)
{
	switch (err) {
	case -EAGAIN:
		return -ETIMEDOUT;
	case -ERESTARTSYS:
	case -ERESTARTNOINTR:
	case -ERESTARTNOHAND:
		return -EINTR;
	case -EPIPE:
		return -ECONNRESET;
	default:
		return err;
	}
}

int kftp_sockaddr_len(const struct sockaddr_storage *addr)
{
	return addr->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
					     sizeof(struct sockaddr_in);
}

bool kftp_sockaddr_same_host(const struct sockaddr_storage *a,
			     const struct sockaddr_storage *b)
{
	const struct sockaddr_in *a4 = (const struct sockaddr_in *)a;
	const struct sockaddr_in *b4 = (const struct sockaddr_in *)b;
	const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)a;
	const struct sockaddr_in6 *b6 = (const struct sockaddr_in6 *)b;

	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	if (!ipv6_addr_equal(&a6->sin6_addr, &b6->sin6_addr))
		return false;
	/* fe80::1 on one link is not fe80::1 on another. */
	return !(ipv6_addr_type(&a6->sin6_addr) & IPV6_ADDR_LINKLOCAL) ||
	       a6->sin6_scope_id == b6->sin6_scope_id;
}

int kftp_sock_connect(struct socket *sock, struct sockaddr_storage *addr,
		      unsigned int timeout_ms)
{
	int err;

	/* A blocking connect waits for sk_sndtimeo, then gives -EINPROGRESS. */
	kftp_sock_set_timeo(sock, msecs_to_jiffies(timeout_ms),
			    msecs_to_jiffies(timeout_ms));
	err = kernel_connect(sock, kftp_bind_addr(addr),
			     kftp_sockaddr_len(addr), 0);
	if (err == -EINPROGRESS || err == -EALREADY)
		return -ETIMEDOUT;
	return kftp_sock_errno(err);
}

/* One send: the bytes that left (at least one), or -errno. */
int kftp_sock_send(struct socket *sock, const void *buf, size_t len, int flags)
{
	struct msghdr msg = { .msg_flags = MSG_NOSIGNAL | flags };
	struct kvec vec = { .iov_base = (void *)buf, .iov_len = len };
	int sent;

	sent = kernel_sendmsg(sock, &msg, &vec, 1, len);
	if (sent < 0)
		return kftp_sock_errno(sent);
	return sent ?: -ECONNRESET;
}

int kftp_sock_send_all(struct socket *sock, const void *buf, size_t len,
		       int flags)
{
	int sent;

	while (len) {
		sent = kftp_sock_send(sock, buf, len, flags);
		if (sent < 0)
			return sent;
		buf += sent;
		len -= sent;
	}
	return 0;
}
