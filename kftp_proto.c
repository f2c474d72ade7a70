// SPDX-License-Identifier: GPL-2.0
/*
 * The FTP dialogue: connect, greeting, login, TYPE I, SIZE, PORT/EPRT,
 * RETR, completion, QUIT; what each reply means, and which step failed.
 * The bytes on the control connection are kftp_ctrl.c's business.
 */
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/ipv6.h>

#include "kftp_internal.h"

static const char kftp_anon_user[] = "anonymous";
static const char kftp_anon_password[] = "kftp@";

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
static int kftp_cmd_expect_2xx(struct kftp_session *s, const char *verb,
			       const char *arg)
{
	int code, err;

	err = kftp_ctrl_send(&s->ctrl, verb, arg);
	if (err)
		return err;
	code = kftp_ctrl_read_reply(&s->ctrl);
	if (code < 0)
		return code;
	return code / 100 == 2 ? 0 : kftp_reply_errno(code);
}

static int kftp_connect(struct kftp_session *s)
{
	const struct kftp_get_args *a = s->args;
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
	err = kftp_sock_create(s->net, a->family, &s->ctrl.sock);
	if (err) {
		s->ctrl.broken = true;
		return err;
	}
	err = kftp_sock_connect(s->ctrl.sock, &s->server, a->connect_timeout_ms);
	if (err) {
		s->ctrl.broken = true;	/* nobody to say QUIT to */
		return err;
	}
	/* A long transfer leaves the control connection idle behind NATs. */
	kftp_sock_set_keepalive(s->ctrl.sock);
	return 0;
}

static int kftp_greeting(struct kftp_session *s)
{
	int code = kftp_ctrl_read_reply(&s->ctrl);

	if (code < 0)
		return code;
	if (code == 220)
		return 0;
	/* 120 "ready in nnn minutes" is not worth waiting for. */
	return kftp_reply_errno(code);
}

static int kftp_login(struct kftp_session *s)
{
	const struct kftp_get_args *a = s->args;
	const char *user = a->user[0] ? a->user : kftp_anon_user;
	const char *pass = a->password;
	int code, err;

	if (!a->user[0] && !pass[0])
		pass = kftp_anon_password;

	err = kftp_ctrl_send(&s->ctrl, "USER", user);
	if (err)
		return err;
	code = kftp_ctrl_read_reply(&s->ctrl);
	if (code == 230)
		return 0;
	if (code != 331)
		return code < 0 ? code : kftp_reply_errno(code);

	err = kftp_ctrl_send(&s->ctrl, "PASS", pass);
	if (err)
		return err;
	code = kftp_ctrl_read_reply(&s->ctrl);
	if (code == 230 || code == 202)
		return 0;
	if (code < 0)
		return code;
	/* 332 asks for ACCT, which we do not support: still a refused login. */
	return kftp_reply_errno(code == 332 ? 530 : code);
}

/*
 * SIZE is optional: any answer but "213 N" just leaves the size unknown.
 * The number is taken from the reply's own line and nowhere else.
 */
static int kftp_size(struct kftp_session *s)
{
	struct kftp_ctrl *c = &s->ctrl;
	unsigned long long size;
	int code, err;

	err = kftp_ctrl_send(c, "SIZE", s->args->remote_path);
	if (err)
		return err;
	code = kftp_ctrl_read_reply(c);
	if (code < 0)
		return code;
	if (code == 421)
		return -ECONNABORTED;
	if (code == 213 && c->line_len > 4 &&
	    !kstrtoull(skip_spaces(c->line + 4), 10, &size))
		s->remote_size = size;
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
	} else if (ipv6_addr_v4mapped(&sin6->sin6_addr)) {
		/* An IPv4 server behind a mapped address: EPRT |2| gets 522. */
		ip = (const u8 *)&sin6->sin6_addr.s6_addr32[3];
		port = ntohs(sin6->sin6_port);
	} else {
		snprintf(arg, sizeof(arg), "|2|%pI6c|%u|", &sin6->sin6_addr,
			 ntohs(sin6->sin6_port));
		return kftp_cmd_expect_2xx(s, "EPRT", arg);
	}
	snprintf(arg, sizeof(arg), "%u,%u,%u,%u,%u,%u", ip[0], ip[1],
		 ip[2], ip[3], port >> 8, port & 0xff);
	return kftp_cmd_expect_2xx(s, "PORT", arg);
}

/* RETR must be answered by a preliminary 1xx before any data flows. */
static int kftp_retr(struct kftp_session *s)
{
	int code, err;

	err = kftp_ctrl_send(&s->ctrl, "RETR", s->args->remote_path);
	if (err)
		return err;
	code = kftp_ctrl_read_reply(&s->ctrl);
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
	u64 expected = s->remote_size;
	int code = s->early_final;

	if (!code)
		code = kftp_ctrl_read_reply(&s->ctrl);
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
	struct kftp_ctrl *c = &s->ctrl;

	if (!c->sock || c->broken)
		return;
	if (failed) {
		pr_debug("> ABOR\n");
		pr_debug("> QUIT\n");
		kftp_ctrl_send_nowait(c, "ABOR\r\nQUIT\r\n");
		return;
	}
	if (kftp_ctrl_send(c, "QUIT", NULL))
		return;
	/* A short wait for 221 lets the server close first, cleanly. */
	kftp_ctrl_read_reply_until(c, jiffies + min(HZ, c->reply_timeout));
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
	err = kftp_cmd_expect_2xx(s, "TYPE", "I");
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
	err = kftp_data_receive(s);
	if (err) {
		if (s->file_failed)
			s->step = KFTP_STEP_LOCAL_FILE;
		return err;
	}

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

	s->remote_size = KFTP_SIZE_UNKNOWN;
	err = kftp_ctrl_init(&s->ctrl, s->args->reply_timeout_ms);
	if (err)
		return err;
	s->xfer_buf = kvmalloc(KFTP_XFER_BUF_SIZE, GFP_KERNEL);
	if (!s->xfer_buf) {
		err = -ENOMEM;
		goto out_ctrl;
	}

	err = kftp_dialogue(s);
	kftp_quit(s, err != 0);

	if (s->data)
		sock_release(s->data);
	if (s->listener)
		sock_release(s->listener);
	if (s->ctrl.sock)
		sock_release(s->ctrl.sock);
	if (s->file)
		kftp_file_close(s);
	kvfree(s->xfer_buf);
out_ctrl:
	kftp_ctrl_free(&s->ctrl);
	return err;
}
