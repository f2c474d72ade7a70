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

/* The control connection: socket, reader state and the last reply. */
struct kftp_ctrl {
	struct socket *sock;
	unsigned long reply_timeout;	/* jiffies, per reply and per send */
	bool broken;			/* unusable: nothing more to send */

	/* bytes received but not yet parsed */
	char *rbuf;
	size_t start;
	size_t end;
	char line[KFTP_LINE_MAX];	/* the current line, NUL-terminated */
	int line_len;
	int pending_code;		/* multi-line reply being read, or 0 */
	unsigned int pending_lines;

	int code;			/* the last reply's code, 0 if none */
	char text[KFTP_REPLY_TEXT_MAX];	/* its first line, printable */
	char *cmd;			/* the command being sent */
};

/* One retrieval: everything the ioctl owns while it runs. */
struct kftp_session {
	const struct kftp_get_args *args; /* validated copy of the request */
	struct net *net;		/* the caller's network namespace */
	enum kftp_step step;		/* what the dialogue is doing */

	struct kftp_ctrl ctrl;
	struct socket *listener;	/* our active-mode data port */
	struct socket *data;		/* the server's data connection */
	struct sockaddr_storage server;	/* control peer: the only allowed data peer */
	unsigned int early_final;	/* a 2xx seen before the data connection */
	u64 remote_size;		/* SIZE answer, or KFTP_SIZE_UNKNOWN */

	void *xfer_buf;			/* KFTP_XFER_BUF_SIZE bytes */
	u64 received;			/* data bytes received from the server */
	bool file_failed;		/* the data step failed writing the file */

	struct file *file;		/* the destination */
	bool file_from_fd;		/* file is the caller's dest_fd */
	loff_t file_pos;
	u64 written;			/* bytes written to the destination */
};

/* kftp_proto.c: the FTP dialogue, start to finish */
int kftp_retrieve(struct kftp_session *s);

/* kftp_ctrl.c: the control connection's reader and writer */
int kftp_ctrl_init(struct kftp_ctrl *c, unsigned int reply_timeout_ms);
void kftp_ctrl_free(struct kftp_ctrl *c);
int kftp_ctrl_read_reply(struct kftp_ctrl *c);
int kftp_ctrl_read_reply_until(struct kftp_ctrl *c, unsigned long deadline);
int kftp_ctrl_poll_reply(struct kftp_ctrl *c);
int kftp_ctrl_send(struct kftp_ctrl *c, const char *verb, const char *arg);
void kftp_ctrl_send_nowait(struct kftp_ctrl *c, const char *line);

/* kftp_sock.c: in-kernel sockets with deadlines */
int kftp_sock_create(struct net *net, int family, struct socket **res);
void kftp_sock_set_timeo(struct socket *sock, long rcv_jiffies, long snd_jiffies);
void kftp_sock_set_keepalive(struct socket *sock);
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
