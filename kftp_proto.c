// SPDX-License-Identifier: GPL-2.0
/*
 * The FTP control dialogue: connect, greeting, login, TYPE I, SIZE,
 * PORT/EPRT, RETR, completion, QUIT. Replies are parsed per RFC 959 4.2:
 * a multi-line reply starts with "ddd-" and ends only at a line starting
 * with the same "ddd ", whatever digits the lines in between start with.
 */
#include <linux/ctype.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/net.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uio.h>
#include <net/sock.h>

#include "kftp_internal.h"

#define KFTP_CTRL_BUF_SIZE	(2 * KFTP_LINE_MAX)
/* The longest command: "RETR " + remote path + CRLF. */
#define KFTP_CMD_MAX		(KFTP_REMOTE_PATH_MAX + 16)

static const char kftp_anon_user[] = "anonymous";
static const char kftp_anon_password[] = "kftp@";

/* Receive more control bytes; 0 on success, -errno (EOF is -ECONNRESET). */
static int kftp_ctrl_fill(struct kftp_session *s, unsigned long deadline,
			  int flags)
{
	struct msghdr msg = { .msg_flags = flags };
	long left = (long)(deadline - jiffies);
	struct kvec vec;
	int n;

	if (s->rbuf_start) {
		memmove(s->rbuf, s->rbuf + s->rbuf_start,
			s->rbuf_end - s->rbuf_start);
		s->rbuf_end -= s->rbuf_start;
		s->rbuf_start = 0;
	}
	if (s->rbuf_end == KFTP_CTRL_BUF_SIZE)
		return -EBADMSG;	/* unreachable: lines are shorter */
	if (!(flags & MSG_DONTWAIT)) {
		if (left <= 0)
			return -ETIMEDOUT;
		kftp_sock_set_timeo(s->ctrl, left, left);
	}
	vec.iov_base = s->rbuf + s->rbuf_end;
	vec.iov_len = KFTP_CTRL_BUF_SIZE - s->rbuf_end;
	n = kernel_recvmsg(s->ctrl, &msg, &vec, 1, vec.iov_len, msg.msg_flags);
	if (n > 0) {
		s->rbuf_end += n;
		return 0;
	}
	if (n == -EAGAIN && (flags & MSG_DONTWAIT))
		return -EAGAIN;		/* nothing pending, not a timeout */
	n = n ? kftp_sock_errno(n) : -ECONNRESET;
	if (n != -ETIMEDOUT && n != -EINTR)
		s->ctrl_broken = true;
	return n;
}

/*
 * Take one line out of the buffer into s->line, without its CRLF (a bare
 * LF is tolerated). Returns its length, or -EAGAIN when no full line is
 * buffered yet, or -EBADMSG when the line is longer than we accept.
 */
static int kftp_ctrl_take_line(struct kftp_session *s)
{
	char *start = s->rbuf + s->rbuf_start;
	size_t avail = s->rbuf_end - s->rbuf_start;
	char *nl = memchr(start, '\n', avail);
	size_t len;

	if (!nl)
		return avail >= KFTP_LINE_MAX ? -EBADMSG : -EAGAIN;
	len = nl - start;
	s->rbuf_start += len + 1;
	if (len && start[len - 1] == '\r')
		len--;
	if (len >= KFTP_LINE_MAX)
		return -EBADMSG;
	memcpy(s->line, start, len);
	s->line[len] = '\0';
	return len;
}

static int kftp_ctrl_read_line(struct kftp_session *s, unsigned long deadline)
{
	int len, err;

	for (;;) {
		len = kftp_ctrl_take_line(s);
		if (len != -EAGAIN)
			return len;
		err = kftp_ctrl_fill(s, deadline, 0);
		if (err)
			return err;
	}
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

/* Keep the server's words for userspace, printable characters only. */
static void kftp_save_reply_text(struct kftp_session *s, int code,
				 const char *line, int len)
{
	struct kftp_get_result *res = &s->args->result;
	int i, n = 0;

	res->reply_code = code;
	for (i = 0; i < len && n < KFTP_REPLY_TEXT_MAX - 1; i++)
		res->reply_text[n++] = isprint(line[i]) ? line[i] : '?';
	res->reply_text[n] = '\0';
}

static int kftp_read_reply_until(struct kftp_session *s, unsigned long deadline)
{
	int len, code, lines = 0;
	char sep;

	len = kftp_ctrl_read_line(s, deadline);
	if (len < 0)
		return len;
	code = kftp_parse_code(s->line, len, &sep);
	if (code < 0) {
		kftp_save_reply_text(s, 0, s->line, len);
		return -EBADMSG;
	}
	pr_debug("< %*pE\n", len, s->line);
	kftp_save_reply_text(s, code, s->line, len);

	while (sep == '-') {
		char end_sep;

		if (++lines > KFTP_REPLY_LINES_MAX)
			return -EBADMSG;
		len = kftp_ctrl_read_line(s, deadline);
		if (len < 0)
			return len;
		pr_debug("< %*pE\n", len, s->line);
		if (kftp_parse_code(s->line, len, &end_sep) == code &&
		    end_sep == ' ')
			break;
	}
	return code;
}

/* Read one complete reply; returns its code or -errno. */
static int kftp_read_reply(struct kftp_session *s)
{
	unsigned long deadline = jiffies +
				 msecs_to_jiffies(s->args->reply_timeout_ms);

	return kftp_read_reply_until(s, deadline);
}

/*
 * While we wait for the data connection, the server may give up and say so
 * on the control connection. Returns 0 if nothing arrived, else the errno
 * that ends the wait; an early final 2xx is remembered, not an error.
 */
int kftp_ctrl_poll_reply(struct kftp_session *s)
{
	int code, err;

	if (s->ctrl_broken)
		return -ECONNRESET;
	if (s->rbuf_end == s->rbuf_start) {
		err = kftp_ctrl_fill(s, 0, MSG_DONTWAIT);
		if (err == -EAGAIN)
			return 0;
		if (err)
			return err;
	}
	code = kftp_read_reply(s);
	if (code < 0)
		return code;
	if (code >= 200 && code < 300 && !s->early_final) {
		s->early_final = code;
		return 0;
	}
	/* After a 1xx the file exists: a late 5xx is not "no such file". */
	return code == 421 ? -ECONNABORTED : -EPROTO;
}

/* Send one command line; the password never reaches the log. */
static __printf(2, 3) int kftp_send_cmd(struct kftp_session *s, const char *fmt, ...)
{
	long timeo = msecs_to_jiffies(s->args->reply_timeout_ms);
	char *cmd;
	va_list ap;
	int len, err;

	cmd = kmalloc(KFTP_CMD_MAX, GFP_KERNEL);
	if (!cmd)
		return -ENOMEM;
	va_start(ap, fmt);
	len = vsnprintf(cmd, KFTP_CMD_MAX - 2, fmt, ap);
	va_end(ap);
	if (len >= KFTP_CMD_MAX - 2) {
		err = -EINVAL;
		goto out;
	}
	if (strncmp(cmd, "PASS ", 5))
		pr_debug("> %*pE\n", len, cmd);
	else
		pr_debug("> PASS ****\n");
	memcpy(cmd + len, "\r\n", 2);
	kftp_sock_set_timeo(s->ctrl, timeo, timeo);
	err = kftp_sock_send_all(s->ctrl, cmd, len + 2, 0);
	if (err && err != -ETIMEDOUT && err != -EINTR)
		s->ctrl_broken = true;
out:
	kfree_sensitive(cmd);	/* it may have held the password */
	return err;
}

/* Map a negative final reply to the errno userspace sees. */
static int kftp_reply_errno(int code)
{
	switch (code) {
	case 421:
		return -ECONNABORTED;
	case 332:
	case 530:
		return -EACCES;
	case 550:
		return -ENOENT;
	default:
		return -EPROTO;
	}
}

/* Send a command and require a final reply in the 2xx class. */
static int kftp_cmd_expect_2xx(struct kftp_session *s, const char *fmt,
			       const char *arg)
{
	int code, err;

	err = kftp_send_cmd(s, fmt, arg);
	if (err)
		return err;
	code = kftp_read_reply(s);
	if (code < 0)
		return code;
	return code / 100 == 2 ? 0 : kftp_reply_errno(code);
}

static int kftp_connect(struct kftp_session *s)
{
	struct kftp_get_args *a = s->args;
	struct sockaddr_in *sin = (struct sockaddr_in *)&s->server;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&s->server;
	int err;

	memset(&s->server, 0, sizeof(s->server));
	if (a->family == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(a->port);
		memcpy(&sin->sin_addr, a->addr, 4);
	} else {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(a->port);
		sin6->sin6_scope_id = a->scope_id;
		memcpy(&sin6->sin6_addr, a->addr, 16);
	}
	err = kftp_sock_create(s->net, a->family, &s->ctrl);
	if (err)
		return err;
	err = kftp_sock_connect(s->ctrl, &s->server, a->connect_timeout_ms);
	if (err)
		s->ctrl_broken = true;	/* nobody to say QUIT to */
	return err;
}

static int kftp_greeting(struct kftp_session *s)
{
	int code = kftp_read_reply(s);

	if (code < 0)
		return code;
	if (code == 220)
		return 0;
	/* 120 "ready in nnn minutes" is not worth waiting for. */
	return kftp_reply_errno(code);
}

static int kftp_login(struct kftp_session *s)
{
	struct kftp_get_args *a = s->args;
	const char *user = a->user[0] ? a->user : kftp_anon_user;
	const char *pass = a->password;
	int code, err;

	if (!a->user[0] && !pass[0])
		pass = kftp_anon_password;

	err = kftp_send_cmd(s, "USER %s", user);
	if (err)
		return err;
	code = kftp_read_reply(s);
	if (code == 230)
		return 0;
	if (code != 331)
		return code < 0 ? code : kftp_reply_errno(code);

	err = kftp_send_cmd(s, "PASS %s", pass);
	if (err)
		return err;
	code = kftp_read_reply(s);
	if (code == 230 || code == 202)
		return 0;
	if (code < 0)
		return code;
	/* 332 asks for ACCT, which we do not support: still a refused login. */
	return kftp_reply_errno(code == 332 ? 530 : code);
}

/* SIZE is optional: any answer but 213 just leaves the size unknown. */
static int kftp_size(struct kftp_session *s)
{
	struct kftp_get_result *res = &s->args->result;
	unsigned long long size;
	int code, err;

	err = kftp_send_cmd(s, "SIZE %s", s->args->remote_path);
	if (err)
		return err;
	code = kftp_read_reply(s);
	if (code < 0)
		return code;
	if (code == 421)
		return -ECONNABORTED;
	if (code == 213 && !kstrtoull(skip_spaces(s->line + 4), 10, &size))
		res->remote_size = size;
	return 0;
}

static int kftp_port(struct kftp_session *s)
{
	struct sockaddr_storage addr;
	struct sockaddr_in *sin = (struct sockaddr_in *)&addr;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&addr;
	char arg[64];
	const u8 *ip;
	u16 port;
	int err;

	s->step = KFTP_STEP_LISTEN;
	err = kftp_data_listen(s, &addr);
	if (err)
		return err;

	s->step = KFTP_STEP_PORT;
	if (addr.ss_family == AF_INET) {
		ip = (const u8 *)&sin->sin_addr;
		port = ntohs(sin->sin_port);
		snprintf(arg, sizeof(arg), "%u,%u,%u,%u,%u,%u", ip[0], ip[1],
			 ip[2], ip[3], port >> 8, port & 0xff);
		return kftp_cmd_expect_2xx(s, "PORT %s", arg);
	}
	snprintf(arg, sizeof(arg), "|2|%pI6c|%u|", &sin6->sin6_addr,
		 ntohs(sin6->sin6_port));
	return kftp_cmd_expect_2xx(s, "EPRT %s", arg);
}

/* RETR must be answered by a preliminary 1xx before any data flows. */
static int kftp_retr(struct kftp_session *s)
{
	int code, err;

	err = kftp_send_cmd(s, "RETR %s", s->args->remote_path);
	if (err)
		return err;
	code = kftp_read_reply(s);
	if (code < 0)
		return code;
	if (code / 100 == 1)
		return 0;
	return code / 100 == 2 ? -EPROTO : kftp_reply_errno(code);
}

/*
 * The transfer is complete only with a 226/250 and, when the server told
 * us the size, exactly that many bytes.
 */
static int kftp_complete(struct kftp_session *s)
{
	u64 expected = s->args->result.remote_size;
	int code = s->early_final;

	if (!code)
		code = kftp_read_reply(s);
	if (code < 0)
		return code;
	if (code != 226 && code != 250)
		return code / 100 == 2 ? -EPROTO : kftp_reply_errno(code);
	if (expected != KFTP_SIZE_UNKNOWN && s->received != expected) {
		pr_info_ratelimited("%*pE: received %llu bytes, server announced %llu\n",
				    (int)strlen(s->args->remote_path),
				    s->args->remote_path, s->received, expected);
		return -EPROTO;
	}
	return 0;
}

/* Say goodbye; on a failure, without waiting for anything. */
static void kftp_quit(struct kftp_session *s, bool failed)
{
	static const char abor_quit[] = "ABOR\r\nQUIT\r\n";
	unsigned long deadline;

	if (!s->ctrl || s->ctrl_broken)
		return;
	if (failed) {
		pr_debug("> ABOR\n");
		pr_debug("> QUIT\n");
		kftp_sock_send_all(s->ctrl, abor_quit, sizeof(abor_quit) - 1,
				   MSG_DONTWAIT);
		return;
	}
	if (kftp_send_cmd(s, "QUIT"))
		return;
	/* A short wait for 221 lets the server close first, cleanly. */
	deadline = jiffies + min_t(unsigned long, HZ,
				   msecs_to_jiffies(s->args->reply_timeout_ms));
	kftp_read_reply_until(s, deadline);
}

static int kftp_dialogue(struct kftp_session *s)
{
	int err;

	s->step = KFTP_STEP_LOCAL_FILE;
	err = kftp_file_open(s);
	if (err)
		return err;

	s->step = KFTP_STEP_CONNECT;
	err = kftp_connect(s);
	if (err)
		return err;

	s->step = KFTP_STEP_GREETING;
	err = kftp_greeting(s);
	if (err)
		return err;

	s->step = KFTP_STEP_LOGIN;
	err = kftp_login(s);
	if (err)
		return err;

	s->step = KFTP_STEP_TYPE;
	err = kftp_cmd_expect_2xx(s, "TYPE %s", "I");
	if (err)
		return err;

	s->step = KFTP_STEP_SIZE;
	err = kftp_size(s);
	if (err)
		return err;

	err = kftp_port(s);	/* sets LISTEN, then PORT */
	if (err)
		return err;

	s->step = KFTP_STEP_RETR;
	err = kftp_retr(s);
	if (err)
		return err;

	s->step = KFTP_STEP_ACCEPT;
	err = kftp_data_accept(s);
	if (err)
		return err;

	s->step = KFTP_STEP_DATA;
	err = kftp_data_receive(s);	/* switches to LOCAL_FILE on write errors */
	if (err)
		return err;

	s->step = KFTP_STEP_LOCAL_FILE;
	err = kftp_file_close(s);
	if (err)
		return err;

	s->step = KFTP_STEP_COMPLETE;
	return kftp_complete(s);
}

int kftp_retrieve(struct kftp_session *s)
{
	int err;

	s->args->result.remote_size = KFTP_SIZE_UNKNOWN;
	s->rbuf = kmalloc(KFTP_CTRL_BUF_SIZE, GFP_KERNEL);
	s->xfer_buf = kvmalloc(KFTP_XFER_BUF_SIZE, GFP_KERNEL);
	if (!s->rbuf || !s->xfer_buf) {
		err = -ENOMEM;
		goto out_free;
	}

	err = kftp_dialogue(s);
	kftp_quit(s, err != 0);

	if (s->data)
		sock_release(s->data);
	if (s->listener)
		sock_release(s->listener);
	if (s->ctrl)
		sock_release(s->ctrl);
	if (s->file)
		kftp_file_close(s);
out_free:
	kvfree(s->xfer_buf);
	kfree(s->rbuf);
	return err;
}
