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

#include "kftp_compat.h"
#include "kftp_internal.h"

int kftp_sock_create(struct net *net, int family, struct socket **res)
{
	return sock_create_kern(net, family, SOCK_STREAM, IPPROTO_TCP, res);
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
	return ipv6_addr_equal(&a6->sin6_addr, &b6->sin6_addr);
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

int kftp_sock_send_all(struct socket *sock, const void *buf, size_t len,
		       int flags)
{
	struct msghdr msg = { .msg_flags = MSG_NOSIGNAL | flags };
	struct kvec vec;
	int sent;

	while (len) {
		vec.iov_base = (void *)buf;
		vec.iov_len = len;
		sent = kernel_sendmsg(sock, &msg, &vec, 1, len);
		if (sent < 0)
			return kftp_sock_errno(sent);
		if (sent == 0)
			return -ECONNRESET;
		buf += sent;
		len -= sent;
	}
	return 0;
}
