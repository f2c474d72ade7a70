/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Declarations shared by the kftp module's files. Not part of the ABI:
 * userspace sees only include/uapi/linux/kftp.h.
 */
#ifndef _KFTP_INTERNAL_H
#define _KFTP_INTERNAL_H

#include <linux/socket.h>
#include <linux/types.h>
#include <linux/kftp.h>

struct file;
struct net;
struct socket;

/* The longest control reply line we accept; RFC 959 sets no limit. */
#define KFTP_LINE_MAX		2048
/* An endless multi-line reply ends here rather than at the reply timeout. */
#define KFTP_REPLY_LINES_MAX	256
/* The one data buffer of a transfer: large writes, bounded memory. */
#define KFTP_XFER_BUF_SIZE	(256 * 1024)

/* One retrieval: everything the ioctl owns while it runs. */
struct kftp_session {
	struct kftp_get_args *args;	/* validated copy of the request */
	struct net *net;		/* the caller's network namespace */
	enum kftp_step step;		/* what we are doing: failed_step */

	struct socket *ctrl;		/* control connection */
	struct socket *listener;	/* our active-mode data port */
	struct socket *data;		/* the server's data connection */
	struct sockaddr_storage server;	/* control peer: the only allowed data peer */

	/* control reply reader: bytes received but not yet parsed */
	char *rbuf;
	size_t rbuf_start;
	size_t rbuf_end;
	char line[KFTP_LINE_MAX];	/* the current reply line, NUL-terminated */
	bool ctrl_broken;		/* control connection unusable: skip QUIT */
	unsigned int early_final;	/* a 2xx seen before the data connection */

	void *xfer_buf;			/* KFTP_XFER_BUF_SIZE bytes */
	u64 received;			/* data bytes received from the server */

	struct file *file;		/* the destination */
	bool file_from_fd;		/* file is the caller's dest_fd */
	loff_t file_pos;
};

/* kftp_proto.c: the control dialogue, start to finish */
int kftp_retrieve(struct kftp_session *s);
int kftp_ctrl_poll_reply(struct kftp_session *s);

/* kftp_sock.c: in-kernel sockets with deadlines */
int kftp_sock_create(struct net *net, int family, struct socket **res);
void kftp_sock_set_timeo(struct socket *sock, long rcv_jiffies, long snd_jiffies);
int kftp_sock_errno(int err);
int kftp_sock_connect(struct socket *sock, struct sockaddr_storage *addr,
		      unsigned int timeout_ms);
int kftp_sock_send_all(struct socket *sock, const void *buf, size_t len,
		       int flags);
int kftp_sockaddr_len(const struct sockaddr_storage *addr);
bool kftp_sockaddr_same_host(const struct sockaddr_storage *a,
			     const struct sockaddr_storage *b);

/* kftp_data.c: the active-mode data connection */
int kftp_data_listen(struct kftp_session *s, struct sockaddr_storage *port_addr);
int kftp_data_accept(struct kftp_session *s);
int kftp_data_receive(struct kftp_session *s);

/* kftp_file.c: the destination file */
int kftp_file_open(struct kftp_session *s);
int kftp_file_write(struct kftp_session *s, const void *buf, size_t len);
int kftp_file_close(struct kftp_session *s);

#endif /* _KFTP_INTERNAL_H */
