/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Declarations shared by the kftp module's files. Not part of the ABI:
 * userspace sees only include/uapi/linux/kftp.h.
 */
#ifndef _KFTP_INTERNAL_H
#define _KFTP_INTERNAL_H

#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/path.h>
#include <linux/socket.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <linux/kftp.h>

struct bio_vec;
struct file;
struct iov_iter;
struct net;
struct pid;
struct shash_desc;
struct socket;

/* kftp_ctrl.feat: the server's digest commands and MLST, from its FEAT reply */
#define KFTP_FEAT_HASH_SHA256	0x01	/* HASH offers SHA-256 ... */
#define KFTP_FEAT_HASH_SELECTED	0x02	/* ... and it is the one selected */
#define KFTP_FEAT_XSHA256	0x04
#define KFTP_FEAT_MLST		0x08	/* MLST, and so MLSD (RFC 3659 7.8) */

/* The longest control reply line we accept; RFC 959 sets no limit. */
#define KFTP_LINE_MAX		2048
/* An endless multi-line reply ends here rather than at the reply timeout. */
#define KFTP_REPLY_LINES_MAX	256
/* The one data buffer of a transfer: large writes, bounded memory. */
#define KFTP_XFER_BUF_SIZE	(256 * 1024)

/*
 * What a logged-in control connection was opened for: the caller's request
 * fields that reuse must match. It belongs to the connection: set when the
 * login succeeds, wiped whenever the socket is closed or replaced.
 */
struct kftp_login {
	u16 family;
	u16 port;
	u32 scope_id;
	u8 addr[16];
	u16 data_family;
	u16 data_port_low;
	u16 data_port_high;
	u8 data_addr[16];
	char user[KFTP_USER_MAX];
	char password[KFTP_PASSWORD_MAX];
};

/*
 * The state of the control connection, tied to its socket's life (as the
 * smb client's tcpStatus). Only an IDLE connection may serve a new request.
 *
 *   CLOSED ---> CONNECTING --220--> GREETED --login--> IDLE <--reply-- BUSY
 *                                                        |--command-->
 *   (with commands pipelined, back to IDLE only at the last one's reply)
 *   Any state with a socket --I/O error, half-sent command--> BROKEN
 *   Any state --kftp_ctrl_close()--> CLOSED (login wiped)
 */
enum kftp_conn_state {
	KFTP_CONN_CLOSED,	/* no socket */
	KFTP_CONN_CONNECTING,	/* socket made, no 220 greeting yet */
	KFTP_CONN_GREETED,	/* 220 seen, not logged in (or login refused) */
	KFTP_CONN_IDLE,		/* logged in, no reply or data pending */
	KFTP_CONN_BUSY,		/* logged in, a reply or transfer pending */
	KFTP_CONN_BROKEN,	/* out of step with the server: only closing */
};

/* The control connection: socket, state, login, reader and last reply. */
struct kftp_ctrl {
	struct socket *sock;		/* NULL when CLOSED */
	enum kftp_conn_state state;
	struct net *net;		/* sock's namespace; sock pins it */
	struct sockaddr_storage peer;	/* the server: data must come from it */
	struct kftp_login login;	/* valid in IDLE and BUSY only */
	unsigned long reply_timeout;	/* jiffies, per reply and per send */
	unsigned long limit;		/* jiffies: no wait past it, or 0 */

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

	/*
	 * Shown every line of the reply being read, while set: kftp_verify.c
	 * reads FEAT's lines so, for the length of that one command.
	 */
	void (*on_line)(void *arg, int code, char sep, const char *line, int len);
	void *on_line_arg;

	/* What FEAT said, asked once per login (KFTP_FEAT_*); wiped at close. */
	bool feat_known;
	u8 feat;
	/*
	 * The server answered PORT before connecting to the data port, so it
	 * answers a RETR sent behind PORT in order; unless it was seen to
	 * answer such a RETR first (port_reordered): kftp_proto.c. Both are
	 * wiped at close.
	 */
	bool port_in_order;
	bool port_reordered;

	/*
	 * The caller's trace_fd (KFTP_GET_F_TRACE), borrowed from the
	 * transfer while its call runs, else NULL: kftp_trace.c.
	 */
	struct file *trace;

	/*
	 * The command being sent, with any sent ahead behind it (pipelined,
	 * one send): a stop may leave them half sent.
	 */
	char *cmd;
	size_t cmd_len;			/* their length, CRLFs included; 0: none */
	size_t cmd_off;			/* bytes of them already sent */
	/*
	 * Commands queued to go ahead (pipelined) whose replies no step
	 * awaits yet. While any is owed the connection stays BUSY, so that a
	 * transfer that ends before reading them takes the connection with it.
	 */
	unsigned int owed;
};

struct kftp_recv;
struct kftp_xfer;

/*
 * One open /dev/kftp. Everything in it outlives a call; who owns each part
 * and what ends it is written down at the top of kftp_session.c.
 */
struct kftp_session {
	struct mutex lock;		/* one call at a time */
	struct kftp_ctrl ctrl;		/* kept logged in between calls */
	u16 next_data_port;		/* where the port range search resumes */
	struct kftp_xfer *kept;		/* interrupted, to be continued */
	struct delayed_work kept_check;	/* lets go of a kept transfer */
	struct pid *stream_lost;	/* a let-go stream's caller, or NULL */
	int stream_lost_err;		/* what its restarted call returns */
	/*
	 * A server that let a pipelined command's reply time out: one
	 * command at a time to it, for the session's life (all zeroes: none).
	 */
	struct sockaddr_storage sync_peer;
};

/* One retrieval: everything a call owns while it runs. */
struct kftp_xfer {
	struct kftp_session *sess;
	struct kftp_get_args *args;	/* validated copy of the request */
	struct pid *caller;		/* the thread a restart must come from */
	enum kftp_step step;		/* what the dialogue is doing */
	u32 command_sent;		/* a listing's KFTP_COMMAND_*, once sent */
	unsigned int substep;		/* progress inside a step, for restarts */
	bool cmd_sent;			/* the step's command awaits its reply */
	bool cmd_ahead;			/* ... and was sent with an earlier one */
	bool pipeline_lost;		/* its reply never came: kftp_proto.c */
	bool ahead_answered;		/* a reply to one sent ahead came */
	u32 sent_ahead;			/* BIT(step): queued ahead, reply not awaited */
	bool retr_early;		/* RETR's 1xx came before PORT's reply */
	enum kftp_step resume_step;	/* after a sync-mode reconnect, or NONE */
	bool reused;			/* ctrl came from an earlier call */
	unsigned int kept_checks;	/* kept: times its caller was seen running */
	unsigned long limit;		/* max_time_ms as jiffies, or 0 */

	struct socket *listener;	/* our active-mode data port */
	struct sockaddr_storage port_addr; /* its address, as announced */
	struct socket *data;		/* the server's data connection */
	unsigned int early_final;	/* a 2xx seen before the data connection */
	u64 remote_size;		/* SIZE answer, or KFTP_SIZE_UNKNOWN */
	s64 remote_mtime;		/* MDTM answer, or KFTP_MTIME_UNKNOWN */

	void *xfer_buf;			/* the two-copy path's buffer, or NULL */
	struct kftp_recv *recv;		/* the one-copy path's batch, or NULL */
	u64 received;			/* data bytes received from the server */
	bool file_failed;		/* the data step failed writing the file */

	struct file *file;		/* the destination, while it is written */
	struct path dest;		/* where it is, held to the end */
	bool file_from_fd;		/* file is the caller's dest_fd */
	bool file_stream;		/* ... written as write(2) would */
	void *unwritten;		/* what a stop kept the stream from taking */
	size_t unwritten_len;
	size_t unwritten_off;		/* of it, written since */
	loff_t file_pos;
	u64 written;			/* bytes written to the destination */

	struct file *trace;		/* trace_fd's file, held to the end */

	/* kftp_hash.c: KFTP_GET_F_SHA256 */
	struct shash_desc *hash;	/* the digest so far, or NULL */
	u64 hash_pos;			/* of a resumed file's prefix, hashed */
	bool sha256_done;		/* sha256 holds the final digest */
	u8 sha256[KFTP_SHA256_SIZE];

	/* kftp_verify.c: KFTP_GET_F_SERVER_SHA256 */
	u32 server_hash;		/* KFTP_SERVER_HASH_* */
	u8 server_sha256[KFTP_SHA256_SIZE];

	/* kftp_netlink.c: events and the dump */
	struct list_head nl_node;	/* on the list of running transfers */
	u64 nl_id;
	pid_t nl_pid;			/* the caller's thread group */
	struct net *nl_net;		/* where its events go */
	ktime_t nl_start;
	char *nl_local;			/* the destination's name, for people */
	bool nl_started;		/* START was sent */
	unsigned long nl_next_progress;	/* jiffies: no PROGRESS before */
};

/* kftp_session.c: sessions, kept connections and restarts */
struct kftp_session *kftp_session_new(void);
void kftp_session_free(struct kftp_session *sess);
int kftp_restart_errno(void);
bool kftp_interrupted(int err);
int kftp_session_begin(struct kftp_session *sess, struct kftp_get_args *args,
		       struct kftp_xfer **res);
int kftp_session_interrupted(struct kftp_session *sess, struct kftp_xfer *x,
			     int err);
void kftp_session_end(struct kftp_session *sess, struct kftp_xfer *x, int err);
bool kftp_session_may_reuse(struct kftp_session *sess,
			    const struct kftp_xfer *x);
unsigned long kftp_xfer_deadline(const struct kftp_xfer *x,
				 unsigned long timeout);

/* kftp_netlink.c: transfer events over generic netlink */
int kftp_nl_init(void);
void kftp_nl_exit(void);
void kftp_nl_xfer_begin(struct kftp_xfer *x);
void kftp_nl_xfer_set_local(struct kftp_xfer *x);
void kftp_nl_xfer_start(struct kftp_xfer *x);
void kftp_nl_xfer_progress(struct kftp_xfer *x);
void kftp_nl_xfer_end(struct kftp_xfer *x, int err);

/* kftp_proto.c: the FTP dialogue, start to finish */
void kftp_server_addr(const struct kftp_get_args *a,
		      struct sockaddr_storage *addr);
int kftp_xfer_run(struct kftp_xfer *x);
int kftp_cmd_until(struct kftp_xfer *x, const char *verb, const char *arg,
		   unsigned long deadline);
int kftp_cmd(struct kftp_xfer *x, const char *verb, const char *arg);
void kftp_ctrl_goodbye(struct kftp_ctrl *c, bool failed);

/* kftp_verify.c: FEAT, MLSD offered, the server's own digest */
bool kftp_feat_wanted(const struct kftp_xfer *x);
bool kftp_mlsd_offered(const struct kftp_xfer *x);
int kftp_feat(struct kftp_xfer *x);
bool kftp_server_hash_offered(const struct kftp_xfer *x);
bool kftp_server_hash_wanted(const struct kftp_xfer *x);
int kftp_server_hash(struct kftp_xfer *x);

/* kftp_ctrl.c: the control connection's reader and writer */
int kftp_ctrl_init(struct kftp_ctrl *c);
void kftp_ctrl_free(struct kftp_ctrl *c);
void kftp_ctrl_close(struct kftp_ctrl *c);
void kftp_ctrl_logged_in(struct kftp_ctrl *c, const struct kftp_get_args *a);
int kftp_ctrl_read_reply(struct kftp_ctrl *c);
int kftp_ctrl_read_reply_until(struct kftp_ctrl *c, unsigned long deadline);
int kftp_ctrl_poll_reply(struct kftp_ctrl *c);
bool kftp_ctrl_quiet(struct kftp_ctrl *c);
void kftp_ctrl_forget_reply(struct kftp_ctrl *c);
int kftp_ctrl_send(struct kftp_ctrl *c, const char *verb, const char *arg);
int kftp_ctrl_queue(struct kftp_ctrl *c, const char *verb, const char *arg);
void kftp_ctrl_drop_cmd(struct kftp_ctrl *c);
void kftp_ctrl_send_nowait(struct kftp_ctrl *c, const char *line);

/* kftp_sock.c: in-kernel sockets with deadlines */
int kftp_sock_create(struct net *net, int family, struct socket **res);
void kftp_sock_set_timeo(struct socket *sock, long rcv_jiffies, long snd_jiffies);
void kftp_sock_set_keepalive(struct socket *sock);
int kftp_sock_errno(int err);
int kftp_sock_connect(struct socket *sock, struct sockaddr_storage *addr,
		      unsigned int timeout_ms);
int kftp_sock_send(struct socket *sock, const void *buf, size_t len,
		   int flags);
int kftp_sock_send_all(struct socket *sock, const void *buf, size_t len,
		       int flags);
int kftp_sockaddr_len(const struct sockaddr_storage *addr);
bool kftp_sockaddr_same_host(const struct sockaddr_storage *a,
			     const struct sockaddr_storage *b);

/* kftp_data.c: the active-mode data connection */
int kftp_data_listen(struct kftp_xfer *x, struct sockaddr_storage *port_addr);
int kftp_data_accept(struct kftp_xfer *x);
bool kftp_data_pending(const struct kftp_xfer *x);
int kftp_data_receive(struct kftp_xfer *x);

/* kftp_recv.c: the one-copy receive path (socket pages to the file) */
void kftp_recv_alloc(struct kftp_xfer *x);
void kftp_recv_free(struct kftp_xfer *x);
int kftp_recv_read(struct kftp_xfer *x, u64 room);
int kftp_recv_write(struct kftp_xfer *x);

/* kftp_trace.c: the dialogue trace (KFTP_GET_F_TRACE) */
int kftp_trace_get(struct kftp_xfer *x);
void kftp_trace_put(struct kftp_xfer *x);
void kftp_trace_attach(struct kftp_xfer *x);
void kftp_trace_detach(struct kftp_xfer *x);
__printf(2, 3) void kftp_trace(struct kftp_ctrl *c, const char *fmt, ...);

/* kftp_hash.c: the destination's SHA-256 (KFTP_GET_F_SHA256) */
int kftp_hash_start(struct kftp_xfer *x);
int kftp_hash_prefix(struct kftp_xfer *x);
int kftp_hash_data(struct kftp_xfer *x, const void *buf, size_t len);
int kftp_hash_bvecs(struct kftp_xfer *x, const struct bio_vec *bv,
		    unsigned int nr);
int kftp_hash_final(struct kftp_xfer *x);
void kftp_hash_free(struct kftp_xfer *x);

/* kftp_file.c: the destination file */
bool kftp_file_writable(const struct file *file);
ssize_t kftp_file_stream_write(struct file *file, struct iov_iter *it);
int kftp_file_write_all(struct kftp_xfer *x, struct iov_iter *it);
int kftp_file_write_unwritten(struct kftp_xfer *x);
bool kftp_file_unwritten(const struct kftp_xfer *x);
int kftp_file_open(struct kftp_xfer *x);
int kftp_file_write(struct kftp_xfer *x, const void *buf, size_t len);
int kftp_file_finish(struct kftp_xfer *x);
void kftp_file_release(struct kftp_xfer *x);
bool kftp_file_still_ours(const struct kftp_xfer *x);

#endif /* _KFTP_INTERNAL_H */
