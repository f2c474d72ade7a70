// SPDX-License-Identifier: GPL-2.0
/*
 * The FTP control connection: a line reader, the reply parser and the
 * command writer. It knows the wire format (RFC 959 4.2, Telnet IAC
 * doubling), not the dialogue: kftp_proto.c decides what to send and what a
 * reply means.
 *
 * A multi-line reply starts with "ddd-" and ends only at a line starting
 * with the same "ddd ", whatever digits the lines in between start with.
 * The reader keeps its place in a reply across calls, so that a
 * non-blocking poll can consume what has arrived and leave the rest.
 */
#include <linux/ctype.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/tcp.h>
#include <linux/uio.h>
#include <net/sock.h>

#include "kftp_internal.h"

#define KFTP_CTRL_BUF_SIZE	(2 * KFTP_LINE_MAX)
/* "VERB " + an argument whose every byte may be doubled + CRLF. */
#define KFTP_CMD_LINE_MAX		(8 + 2 * KFTP_REMOTE_PATH_MAX)
#define KFTP_TELNET_IAC		0xff

int kftp_ctrl_init(struct kftp_ctrl *c)
{
	memset(c, 0, sizeof(*c));
	c->rbuf = kmalloc(KFTP_CTRL_BUF_SIZE, GFP_KERNEL);
	c->cmd = kmalloc(KFTP_CMD_LINE_MAX, GFP_KERNEL);
	if (!c->rbuf || !c->cmd) {
		kftp_ctrl_free(c);
		return -ENOMEM;
	}
	return 0;
}

/*
 * Drop the connection, and with it everything that described it: what the
 * reader had buffered, a half-sent command, the server and the login.
 */
void kftp_ctrl_close(struct kftp_ctrl *c)
{
	if (c->sock)
		sock_release(c->sock);
	c->sock = NULL;
	c->state = KFTP_CONN_CLOSED;
	c->net = NULL;
	memset(&c->peer, 0, sizeof(c->peer));
	memzero_explicit(&c->login, sizeof(c->login));
	if (c->cmd)
		memzero_explicit(c->cmd, c->cmd_len);
	c->cmd_len = 0;
	c->cmd_off = 0;
	c->owed = 0;
	c->start = 0;
	c->end = 0;
	c->pending_code = 0;
	c->pending_lines = 0;
	c->feat_known = false;
	c->feat = 0;
	c->port_in_order = false;
	c->port_reordered = false;
	kftp_ctrl_forget_reply(c);
}

/* The last reply is the caller's to see only within the call it came in. */
void kftp_ctrl_forget_reply(struct kftp_ctrl *c)
{
	c->code = 0;
	c->text[0] = '\0';
}

/*
 * The login succeeded: the connection now serves requests that match @a
 * (see kftp_session_may_reuse()), until it is closed.
 */
void kftp_ctrl_logged_in(struct kftp_ctrl *c, const struct kftp_get_args *a)
{
	struct kftp_login *l = &c->login;

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
	c->state = KFTP_CONN_IDLE;
}

/* Closes the connection and releases the buffers. */
void kftp_ctrl_free(struct kftp_ctrl *c)
{
	kftp_ctrl_close(c);
	kfree(c->rbuf);
	kfree_sensitive(c->cmd);	/* it held the password */
	c->rbuf = NULL;
	c->cmd = NULL;
}

/*
 * Receive more bytes. With @nonblock, -EAGAIN means nothing was pending;
 * otherwise the wait ends at @deadline with -ETIMEDOUT. EOF is -ECONNRESET.
 */
static int kftp_ctrl_fill(struct kftp_ctrl *c, unsigned long deadline,
			  bool nonblock)
{
	int flags = nonblock ? MSG_DONTWAIT : 0;
	struct msghdr msg = { .msg_flags = flags };
	long left = (long)(deadline - jiffies);
	struct kvec vec;
	int n;

	if (c->start) {
		memmove(c->rbuf, c->rbuf + c->start, c->end - c->start);
		c->end -= c->start;
		c->start = 0;
	}
	if (c->end == KFTP_CTRL_BUF_SIZE)
		return -EBADMSG;	/* unreachable: a line is refused first */
	if (!nonblock) {
		if (left <= 0)
			return -ETIMEDOUT;
		kftp_sock_set_timeo(c->sock, left, left);
	}
	vec.iov_base = c->rbuf + c->end;
	vec.iov_len = KFTP_CTRL_BUF_SIZE - c->end;
	n = kernel_recvmsg(c->sock, &msg, &vec, 1, vec.iov_len, flags);
	if (n > 0) {
		c->end += n;
		/*
		 * More replies owed: ACK this one now. A server that writes
		 * its replies under Nagle holds the next one until this is
		 * ACKed, and no command of ours goes out to carry the ACK:
		 * a delayed ACK would cost each reply 40 ms.
		 */
		if (c->owed)
			tcp_sock_set_quickack(c->sock->sk, 1);
		return 0;
	}
	if (n == -EAGAIN && nonblock)
		return -EAGAIN;
	n = n ? kftp_sock_errno(n) : -ECONNRESET;
	/* A timeout or a signal leaves the reply to be read later. */
	if (n != -ETIMEDOUT && n != -EINTR)
		c->state = KFTP_CONN_BROKEN;
	return n;
}

/*
 * Take one line out of the buffer into c->line, without its CRLF (a bare
 * LF is tolerated). Returns its length, -EAGAIN when no full line is
 * buffered yet, or -EBADMSG for a line longer than KFTP_LINE_MAX - 1.
 * The verdict never depends on where TCP split the line: an unterminated
 * tail is refused only once no terminator could make it short enough.
 */
static int kftp_ctrl_take_line(struct kftp_ctrl *c)
{
	char *start = c->rbuf + c->start;
	size_t avail = c->end - c->start;
	char *nl = memchr(start, '\n', avail);
	size_t len;

	if (!nl) {
		len = avail;
		if (len && start[len - 1] == '\r')
			len--;		/* its LF may be in the next segment */
		return len >= KFTP_LINE_MAX ? -EBADMSG : -EAGAIN;
	}
	len = nl - start;
	c->start += len + 1;
	if (len && start[len - 1] == '\r')
		len--;
	if (len >= KFTP_LINE_MAX)
		return -EBADMSG;
	memcpy(c->line, start, len);
	c->line[len] = '\0';
	c->line_len = len;
	return len;
}

/* "ddd" followed by ' ', '-' or the end of the line; returns ddd or -1. */
static int kftp_parse_code(const char *line, int len, char *sep)
{
	if (len < 3 || line[0] < '1' || line[0] > '5' ||
	    !isdigit(line[1]) || !isdigit(line[2]))
		return -1;
	*sep = len > 3 ? line[3] : ' ';
	if (*sep != ' ' && *sep != '-')
		return -1;
	return (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
}

/* Keep the server's words for the caller, printable characters only. */
static void kftp_ctrl_save_text(struct kftp_ctrl *c, int code)
{
	int i, n = 0;

	c->code = code;
	for (i = 0; i < c->line_len && n < KFTP_REPLY_TEXT_MAX - 1; i++)
		c->text[n++] = isprint(c->line[i]) ? c->line[i] : '?';
	c->text[n] = '\0';
}

/*
 * Consume the lines of one reply. Returns its code once complete, -EAGAIN
 * when @nonblock and the rest has not arrived (the place is kept), or
 * -errno. A reply's first line is what the caller sees as its text.
 */
static int kftp_ctrl_reply(struct kftp_ctrl *c, unsigned long deadline,
			   bool nonblock)
{
	int len, code, err;
	char sep;

	for (;;) {
		len = kftp_ctrl_take_line(c);
		if (len == -EAGAIN) {
			err = kftp_ctrl_fill(c, deadline, nonblock);
			if (err)
				return err;
			continue;
		}
		if (len < 0)
			return len;
		pr_debug("< %*pE\n", len, c->line);
		kftp_trace(c, "< %*pE\n", len, c->line);
		sep = 0;
		code = kftp_parse_code(c->line, len, &sep);
		if (c->on_line)
			c->on_line(c->on_line_arg, code, sep, c->line, len);
		if (!c->pending_code) {
			if (code < 0) {
				kftp_ctrl_save_text(c, 0);
				return -EBADMSG;
			}
			kftp_ctrl_save_text(c, code);
			if (sep == ' ')
				return code;
			c->pending_code = code;
			c->pending_lines = 0;
			continue;
		}
		if (code == c->pending_code && sep == ' ') {
			c->pending_code = 0;
			return code;
		}
		if (++c->pending_lines > KFTP_REPLY_LINES_MAX)
			return -EBADMSG;
	}
}

/* The earlier of @deadline and the whole call's limit. */
static unsigned long kftp_ctrl_bound(const struct kftp_ctrl *c,
				     unsigned long deadline)
{
	if (c->limit && time_before(c->limit, deadline))
		return c->limit;
	return deadline;
}

int kftp_ctrl_read_reply_until(struct kftp_ctrl *c, unsigned long deadline)
{
	return kftp_ctrl_reply(c, kftp_ctrl_bound(c, deadline), false);
}

/* Read one complete reply within the reply timeout: its code or -errno. */
int kftp_ctrl_read_reply(struct kftp_ctrl *c)
{
	return kftp_ctrl_read_reply_until(c, jiffies + c->reply_timeout);
}

/*
 * Without waiting: the code of a reply that has arrived in full, 0 when
 * none has (a partial one stays buffered for the next call), or -errno.
 * kftp_ctrl_quiet() tells whether anything at all arrived.
 */
int kftp_ctrl_poll_reply(struct kftp_ctrl *c)
{
	int code;

	if (c->state == KFTP_CONN_BROKEN)
		return -ECONNRESET;
	code = kftp_ctrl_reply(c, jiffies, true);
	return code == -EAGAIN ? 0 : code;
}

/*
 * Has the server said nothing since its last reply? Not a whole reply,
 * and not a byte of one either: an unsolicited reply that has begun to
 * arrive would otherwise be read as the answer to the next command.
 */
bool kftp_ctrl_quiet(struct kftp_ctrl *c)
{
	return kftp_ctrl_poll_reply(c) == 0 && c->start == c->end &&
	       !c->pending_code;
}

/*
 * Append "VERB ARG\r\n" to c->cmd, 0xFF bytes of the argument doubled. A
 * batch shares the one line's buffer: with paths of up to about 4000
 * bytes it fits whole; a line that does not fit leaves the lines already
 * there as they were, and its step sends it alone.
 */
static int kftp_ctrl_append(struct kftp_ctrl *c, const char *verb,
			    const char *arg)
{
	size_t room = KFTP_CMD_LINE_MAX - c->cmd_len;
	char *line = c->cmd + c->cmd_len;
	size_t len = strlen(verb);

	if (len + 3 > room)
		return -EINVAL;
	memcpy(line, verb, len);
	if (arg) {
		line[len++] = ' ';
		for (; *arg; arg++) {
			if (len + 4 > room) {
				memzero_explicit(line, len);
				return -EINVAL;
			}
			if ((u8)*arg == KFTP_TELNET_IAC)
				line[len++] = *arg;
			line[len++] = *arg;
		}
	}
	if (strcmp(verb, "PASS")) {
		pr_debug("> %*pE\n", (int)len, line);
		kftp_trace(c, "> %*pE\n", (int)len, line);
	} else {
		pr_debug("> PASS ****\n");
		kftp_trace(c, "> PASS ****\n");
	}
	memcpy(line + len, "\r\n", 2);
	c->cmd_len += len + 2;
	return 0;
}

/*
 * Queue "VERB ARG" to go with the next kftp_ctrl_send(), without waiting
 * for the reply of what goes before it (RFC 959 lets a client send a
 * command before the last reply; lftp's ftp:sync-mode off). The caller
 * owes the server's replies in order: see kftp_cmd_until().
 */
int kftp_ctrl_queue(struct kftp_ctrl *c, const char *verb, const char *arg)
{
	if (c->cmd_off)
		return -EBUSY;	/* a line already left: too late to add */
	return kftp_ctrl_append(c, verb, arg);
}

/*
 * Send "VERB ARG" (or "VERB" alone when @arg is NULL). Bytes 0xFF in the
 * argument are doubled, since the control connection is a Telnet stream
 * (RFC 959 3.1.1.2). The password never reaches the log, and the line is
 * wiped once sent.
 *
 * Lines queued by kftp_ctrl_queue() go instead, in one send: the caller
 * queued this command first.
 *
 * A signal may interrupt the send after part of the line left: -EINTR, and
 * the rest goes first at the next call, whatever it asks to send (only the
 * restart of the same step makes one). Any other failure leaves half a
 * command on the wire: the connection is BROKEN.
 */
int kftp_ctrl_send(struct kftp_ctrl *c, const char *verb, const char *arg)
{
	long timeout;
	int n, err = 0;

	if (!c->cmd_len) {
		err = kftp_ctrl_append(c, verb, arg);
		if (err)
			return err;
	}
	while (c->cmd_off < c->cmd_len) {
		timeout = (long)(kftp_ctrl_bound(c, jiffies + c->reply_timeout) -
				 jiffies);
		if (timeout <= 0) {
			err = -ETIMEDOUT;
			break;
		}
		kftp_sock_set_timeo(c->sock, timeout, timeout);
		n = kftp_sock_send(c->sock, c->cmd + c->cmd_off,
				   c->cmd_len - c->cmd_off, 0);
		if (n < 0) {
			err = n;
			break;
		}
		c->cmd_off += n;
	}
	if (err == -EINTR)
		return err;	/* the rest waits for the restart */
	if (err && c->cmd_off)
		c->state = KFTP_CONN_BROKEN;
	memzero_explicit(c->cmd, c->cmd_len);
	c->cmd_len = 0;
	c->cmd_off = 0;
	return err;
}

/*
 * The transfer that was sending a command is over: forget the command. A
 * line cut in the middle leaves the server waiting for its end, so
 * nothing else may be sent on that connection.
 */
void kftp_ctrl_drop_cmd(struct kftp_ctrl *c)
{
	if (c->cmd_len && c->cmd_off)
		c->state = KFTP_CONN_BROKEN;
	memzero_explicit(c->cmd, c->cmd_len);
	c->cmd_len = 0;
	c->cmd_off = 0;
}

/* Queue bytes without waiting: the goodbye of a failed transfer. */
void kftp_ctrl_send_nowait(struct kftp_ctrl *c, const char *line)
{
	if (c->sock && c->state != KFTP_CONN_BROKEN)
		kftp_sock_send_all(c->sock, line, strlen(line), MSG_DONTWAIT);
}
