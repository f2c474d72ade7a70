// SPDX-License-Identifier: GPL-2.0
/*
 * The FTP dialogue: connect, greeting, login, TYPE I, FEAT, SIZE, MDTM,
 * PORT/EPRT, REST, RETR (or LIST, NLST, MLSD), completion, HASH; what
 * each reply means, and which step failed (FEAT and HASH themselves are
 * kftp_verify.c's). The bytes on
 * the control connection are kftp_ctrl.c's business, keeping a connection
 * between calls is kftp_session.c's.
 *
 * The dialogue is a state machine on xfer->step, so that a call
 * interrupted by a stop signal, and restarted by the kernel, continues the
 * step it was in: a command that was sent is not sent again, its reply is
 * still awaited.
 */
#include <linux/ctype.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/net.h>
#include <linux/nsproxy.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/time.h>
#include <net/ipv6.h>
#include <net/net_namespace.h>

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

/* Has the call's own limit (max_time_ms) passed? */
static bool kftp_xfer_expired(const struct kftp_xfer *x)
{
	return x->limit && !time_before(jiffies, x->limit);
}

/*
 * Send the current step's command, once, and read its reply by @deadline:
 * the code, or -errno. Interrupted, the reply is awaited again when the
 * call restarts. A command that an earlier step sent ahead (pipelined) is
 * not sent again: its reply is the next one. A logged-in connection is
 * BUSY from the command to its final reply, and to the last one owed.
 */
int kftp_cmd_until(struct kftp_xfer *x, const char *verb, const char *arg,
		   unsigned long deadline)
{
	struct kftp_ctrl *c = &x->sess->ctrl;
	int code, err;

	if (!x->cmd_sent) {
		if (x->sent_ahead & BIT(x->step)) {
			x->sent_ahead &= ~BIT(x->step);
			if (c->owed)
				c->owed--;
			x->cmd_ahead = true;
		} else {
			x->cmd_ahead = false;
			if (c->state == KFTP_CONN_IDLE)
				c->state = KFTP_CONN_BUSY;
			err = kftp_ctrl_send(c, verb, arg);
			if (err)
				return err;
		}
		x->cmd_sent = true;
	}
	code = kftp_ctrl_read_reply_until(c, deadline);
	if (code == -EINTR)
		return code;
	/*
	 * The first command sent ahead got no reply (not for the call's
	 * limit): the server dropped what came before its last reply. Once it
	 * answered one, it read the batch, and a slow reply is only slow (a
	 * server that connects to the data port before answering PORT).
	 */
	if (code == -ETIMEDOUT && x->cmd_ahead && !x->ahead_answered &&
	    !kftp_xfer_expired(x))
		x->pipeline_lost = true;
	if (code >= 0 && x->cmd_ahead)
		x->ahead_answered = true;
	x->cmd_sent = false;
	x->cmd_ahead = false;
	/* Only a final reply ends the command; a stray 1xx leaves it owed. */
	if (code >= 200 && c->state == KFTP_CONN_BUSY && !c->owed)
		c->state = KFTP_CONN_IDLE;
	return code;
}

#define KFTP_PORT_ARG_MAX	64

/* The data port's announcement: "PORT" or "EPRT", its argument in @arg. */
static const char *kftp_port_cmd(const struct kftp_xfer *x,
				 char arg[KFTP_PORT_ARG_MAX])
{
	const struct sockaddr_storage *addr = &x->port_addr;
	const struct sockaddr_in *sin = (const struct sockaddr_in *)addr;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)addr;
	const u8 *ip;
	u16 port;

	if (addr->ss_family == AF_INET) {
		ip = (const u8 *)&sin->sin_addr;
		port = ntohs(sin->sin_port);
	} else if (ipv6_addr_v4mapped(&sin6->sin6_addr)) {
		/* An IPv4 server behind a mapped address: EPRT |2| gets 522. */
		ip = (const u8 *)&sin6->sin6_addr.s6_addr32[3];
		port = ntohs(sin6->sin6_port);
	} else {
		snprintf(arg, KFTP_PORT_ARG_MAX, "|2|%pI6c|%u|",
			 &sin6->sin6_addr, ntohs(sin6->sin6_port));
		return "EPRT";
	}
	snprintf(arg, KFTP_PORT_ARG_MAX, "%u,%u,%u,%u,%u,%u", ip[0], ip[1],
		 ip[2], ip[3], port >> 8, port & 0xff);
	return "PORT";
}

/*
 * Let go of a data port opened early: the connection is replaced, or PORT
 * could not go with TYPE.
 */
static void kftp_unlisten(struct kftp_xfer *x)
{
	if (x->listener)
		sock_release(x->listener);
	x->listener = NULL;
}

/*
 * The LISTEN step's work, done before TYPE so that PORT can go in its
 * batch: the digest's start (FEAT is known), then the data port. True
 * when listening. A failure is left to the LISTEN step, which tries again
 * and reports it, with no reply owed.
 */
static bool kftp_listen_early(struct kftp_xfer *x)
{
	if (kftp_hash_start(x) || kftp_data_listen(x, &x->port_addr))
		return false;
	kftp_trace(&x->sess->ctrl, "* listening on %pISpc\n", &x->port_addr);
	return true;
}

/* One command at a time to a server that lost a pipelined one. */
static bool kftp_pipelining(const struct kftp_xfer *x)
{
	const struct kftp_session *sess = x->sess;

	return memcmp(&sess->sync_peer, &sess->ctrl.peer,
		      sizeof(sess->sync_peer));
}

/*
 * Queue @step's command behind the one about to be sent: @step then reads
 * its reply instead of sending it. A line that does not fit is not queued
 * (false), and neither may any after it: replies come in order.
 */
static bool kftp_send_ahead(struct kftp_xfer *x, enum kftp_step step,
			    const char *verb, const char *arg)
{
	struct kftp_ctrl *c = &x->sess->ctrl;

	BUILD_BUG_ON(KFTP_STEP_LIST >= 32);	/* sent_ahead is a u32 */
	if (kftp_ctrl_queue(c, verb, arg))
		return false;
	x->sent_ahead |= BIT(step);
	c->owed++;
	return true;
}

/*
 * Is PORT to go in TYPE's batch? Only when no check between them can end
 * the transfer and leave PORT's reply owed (which would cost the
 * connection): no FEAT to read first (the digest's start needs it), no
 * REST, no size limit; the digest's start is made before the batch.
 */
static bool kftp_port_ahead_ok(const struct kftp_xfer *x)
{
	const struct kftp_get_args *a = x->args;

	return a->command == KFTP_COMMAND_RETR && !kftp_feat_wanted(x) &&
	       !a->resume_offset && !a->max_filesize;
}

/*
 * And RETR behind PORT? Only to a server seen to answer PORT before it
 * connects (vsftpd, proftpd): it reads RETR after answering PORT, so the
 * replies come in order. pyftpdlib connects first and answers a RETR it
 * read meanwhile before PORT, a 150 or a refusal alike. Not with a port
 * range either: a RETR that the server runs after the transfer ended
 * early (a refusal or a timeout before the accept) connects late, to a
 * port that the next listener of a small range is likely to take again.
 * An ephemeral port is the next listener's too only by chance, as after
 * a RETR sent by its own step.
 */
static bool kftp_retr_ahead_ok(const struct kftp_xfer *x)
{
	const struct kftp_ctrl *c = &x->sess->ctrl;

	return c->port_in_order && !c->port_reordered && !x->args->data_port_low;
}

/*
 * TYPE I, and, pipelined behind it, what the next steps would send anyway
 * (FEAT once per login, SIZE, MDTM, PORT, RETR): up to six round trips in
 * one. None of them changes what the others answer.
 */
static void kftp_queue_type(struct kftp_xfer *x)
{
	const struct kftp_get_args *a = x->args;
	char arg[KFTP_PORT_ARG_MAX];
	const char *verb;

	if (!kftp_pipelining(x) ||
	    kftp_ctrl_queue(&x->sess->ctrl, "TYPE", "I"))
		return;
	x->ahead_answered = false;
	if (kftp_feat_wanted(x) &&
	    !kftp_send_ahead(x, KFTP_STEP_FEAT, "FEAT", NULL))
		return;
	if (a->command == KFTP_COMMAND_RETR &&
	    !kftp_send_ahead(x, KFTP_STEP_SIZE, "SIZE", a->remote_path))
		return;
	if ((a->flags & KFTP_GET_F_REMOTE_TIME) &&
	    !kftp_send_ahead(x, KFTP_STEP_MDTM, "MDTM", a->remote_path))
		return;
	if (!kftp_port_ahead_ok(x) || !kftp_listen_early(x))
		return;
	verb = kftp_port_cmd(x, arg);
	if (!kftp_send_ahead(x, KFTP_STEP_PORT, verb, arg)) {
		kftp_unlisten(x);
		return;
	}
	/* A RETR that does not fit is sent by its own step. */
	if (kftp_retr_ahead_ok(x))
		kftp_send_ahead(x, KFTP_STEP_RETR, "RETR", a->remote_path);
}

/* As kftp_cmd_until(), within the reply timeout. */
int kftp_cmd(struct kftp_xfer *x, const char *verb, const char *arg)
{
	return kftp_cmd_until(x, verb, arg, jiffies + x->sess->ctrl.reply_timeout);
}

/*
 * The reply just read was another command's, one sent behind the current
 * step's and answered first: read the step's own, without sending it.
 * Interrupted, the restarted step reads it too (its command counts as sent).
 * That reply answered a command sent ahead (ahead_answered), so a timeout
 * here is a slow reply, never a lost pipeline.
 */
static int kftp_cmd_reread(struct kftp_xfer *x)
{
	x->cmd_sent = true;
	return kftp_cmd_until(x, NULL, NULL, jiffies + x->sess->ctrl.reply_timeout);
}

/* Send a command and require a final reply in the 2xx class. */
static int kftp_cmd_expect_2xx(struct kftp_xfer *x, const char *verb,
			       const char *arg)
{
	int code = kftp_cmd(x, verb, arg);

	if (code < 0)
		return code;
	return code / 100 == 2 ? 0 : kftp_reply_errno(code);
}

/* The server a request names, as a socket address. */
void kftp_server_addr(const struct kftp_get_args *a,
		      struct sockaddr_storage *addr)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)addr;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)addr;

	memset(addr, 0, sizeof(*addr));
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
}

static int kftp_connect(struct kftp_xfer *x)
{
	const struct kftp_get_args *a = x->args;
	struct kftp_ctrl *c = &x->sess->ctrl;
	struct net *net = current->nsproxy->net_ns;
	unsigned long deadline;
	long left;
	int err;

	/* A restarted or replaced attempt starts from a clean socket. */
	kftp_ctrl_close(c);
	deadline = kftp_xfer_deadline(x, msecs_to_jiffies(a->connect_timeout_ms));
	err = kftp_sock_create(net, a->family, &c->sock);
	if (err)
		return err;
	c->state = KFTP_CONN_CONNECTING;
	c->net = net;
	kftp_server_addr(a, &c->peer);
	/* Creating the socket may have slept past the deadline. */
	left = (long)(deadline - jiffies);
	err = left > 0 ? kftp_sock_connect(c->sock, &c->peer,
					   jiffies_to_msecs(left)) : -ETIMEDOUT;
	if (err) {
		kftp_ctrl_close(c);	/* nobody to say QUIT to */
		return err;
	}
	/* A long transfer leaves the control connection idle behind NATs. */
	kftp_sock_set_keepalive(c->sock);
	kftp_trace(c, "* connected to %pISpc\n", &c->peer);
	return 0;
}

static int kftp_greeting(struct kftp_xfer *x)
{
	struct kftp_ctrl *c = &x->sess->ctrl;
	int code = kftp_ctrl_read_reply(c);

	if (code < 0)
		return code;
	if (code == 220) {
		c->state = KFTP_CONN_GREETED;
		return 0;
	}
	/* 120 "ready in nnn minutes" is not worth waiting for. */
	return kftp_reply_errno(code);
}

static int kftp_login(struct kftp_xfer *x)
{
	const struct kftp_get_args *a = x->args;
	const char *user = a->user[0] ? a->user : kftp_anon_user;
	const char *pass = a->password;
	int code;

	if (!a->user[0] && !pass[0])
		pass = kftp_anon_password;

	if (!x->substep) {
		code = kftp_cmd(x, "USER", user);
		if (code == 230)
			return 0;
		if (code != 331)
			return code < 0 ? code : kftp_reply_errno(code);
		x->substep = 1;		/* a restart goes on with PASS */
	}
	code = kftp_cmd(x, "PASS", pass);
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
static int kftp_size(struct kftp_xfer *x)
{
	struct kftp_ctrl *c = &x->sess->ctrl;
	unsigned long long size;
	int code;

	code = kftp_cmd(x, "SIZE", x->args->remote_path);
	if (code < 0)
		return code;
	if (code == 421)
		return -ECONNABORTED;
	if (code == 213 && c->line_len > 4 &&
	    !kstrtoull(skip_spaces(c->line + 4), 10, &size))
		WRITE_ONCE(x->remote_size, size);	/* the dump reads it */
	return 0;
}

/* Take @width digits as a number, or -1. */
static int kftp_digits(const char **p, int width)
{
	int v = 0;

	while (width--) {
		if (!isdigit(**p))
			return -1;
		v = v * 10 + *(*p)++ - '0';
	}
	return v;
}

/* "YYYYMMDDhhmmss", optionally ".fff", in UTC (RFC 3659 2.3). */
static void kftp_parse_mdtm(struct kftp_xfer *x, const char *p)
{
	int year, mon, day, hour, min, sec;

	p = skip_spaces(p);
	year = kftp_digits(&p, 4);
	mon = kftp_digits(&p, 2);
	day = kftp_digits(&p, 2);
	hour = kftp_digits(&p, 2);
	min = kftp_digits(&p, 2);
	sec = kftp_digits(&p, 2);
	if (year < 1970 || mon < 1 || mon > 12 || day < 1 || day > 31 ||
	    hour < 0 || hour > 23 || min < 0 || min > 59 || sec < 0 || sec > 60)
		return;
	if (*p && *p != '.' && *p != ' ')
		return;
	x->remote_mtime = mktime64(year, mon, day, hour, min, sec);
}

/* MDTM is optional too: without "213 time" the time stays unknown. */
static int kftp_mdtm(struct kftp_xfer *x)
{
	struct kftp_ctrl *c = &x->sess->ctrl;
	int code;

	code = kftp_cmd(x, "MDTM", x->args->remote_path);
	if (code < 0)
		return code;
	if (code == 421)
		return -ECONNABORTED;
	if (code == 213 && c->line_len > 4)
		kftp_parse_mdtm(x, c->line + 4);
	return 0;
}

/*
 * What SIZE tells before any data port is opened: a file over the limit,
 * a resume offset past its end, or nothing left to fetch (*done).
 */
static int kftp_size_check(struct kftp_xfer *x, bool *done)
{
	const struct kftp_get_args *a = x->args;

	*done = false;
	if (x->remote_size == KFTP_SIZE_UNKNOWN)
		return 0;
	if (a->max_filesize && x->remote_size > a->max_filesize) {
		WRITE_ONCE(x->step, KFTP_STEP_SIZE);
		return -EFBIG;
	}
	if (a->resume_offset > x->remote_size) {
		WRITE_ONCE(x->step, KFTP_STEP_REST);
		return -ERANGE;
	}
	*done = a->resume_offset && a->resume_offset == x->remote_size;
	return 0;
}

/*
 * Announce the data port: PORT for IPv4 (and IPv4-mapped), else EPRT.
 *
 * A server that answered it with nobody at the data port yet connects at
 * RETR: the next RETR may go with PORT (kftp_retr_ahead_ok()). Should one
 * still answer that RETR first, with a 1xx, the code tells: PORT has no
 * 1xx reply (RFC 959 5.4). RETR's final reply then stays owed, PORT's own
 * comes next, and RETR goes back to its own step on this connection.
 */
static int kftp_port(struct kftp_xfer *x)
{
	struct kftp_ctrl *c = &x->sess->ctrl;
	char arg[KFTP_PORT_ARG_MAX];
	const char *verb = kftp_port_cmd(x, arg);
	bool retr_ahead = x->sent_ahead & BIT(KFTP_STEP_RETR);
	int code, err;

	code = kftp_cmd(x, verb, arg);
	if (code >= 100 && code < 200 && retr_ahead) {
		x->sent_ahead &= ~BIT(KFTP_STEP_RETR);
		x->retr_early = true;
		c->port_reordered = true;
		kftp_trace(c, "* that was RETR's reply: PORT's comes next\n");
		/* RETR's final reply keeps its place in owed. */
		code = kftp_cmd_reread(x);
	}
	if (code < 0)
		return code;
	if (code >= 200 && code < 300) {
		/* Learnt from a PORT sent without RETR (not after a restart). */
		if (!retr_ahead && !x->retr_early)
			c->port_in_order = !kftp_data_pending(x);
		return 0;
	}
	err = kftp_reply_errno(code);
	/* 522: the server cannot connect to IPv6 (RFC 2428 2). */
	if (err == -EPROTO && code == 522 && !strcmp(verb, "EPRT"))
		return -EAFNOSUPPORT;
	return err;
}

/* REST must be answered 350, or the server would send the whole file. */
static int kftp_rest(struct kftp_xfer *x)
{
	char arg[24];
	int code;

	snprintf(arg, sizeof(arg), "%llu", x->args->resume_offset);
	code = kftp_cmd(x, "REST", arg);
	if (code < 0 || code == 350)
		return code < 0 ? code : 0;
	switch (code) {
	case 500:
	case 502:
	case 504:
		return -EOPNOTSUPP;
	default:
		return code == 421 ? -ECONNABORTED : -EPROTO;
	}
}

/* RETR must be answered by a preliminary 1xx before any data flows. */
static int kftp_retr(struct kftp_xfer *x)
{
	struct kftp_ctrl *c = &x->sess->ctrl;
	int code;

	if (x->retr_early) {
		/* Its 1xx came before PORT's reply; its final one is owed. */
		x->retr_early = false;
		if (c->owed)
			c->owed--;
		return 0;
	}
	code = kftp_cmd(x, "RETR", x->args->remote_path);
	if (code < 0)
		return code;
	if (code / 100 == 1) {
		x->sess->ctrl.state = KFTP_CONN_BUSY;	/* the final reply is to come */
		return 0;
	}
	/* RFC 959's answer to a REST marker past the end of the file. */
	if (code == 554 && x->args->resume_offset)
		return -ERANGE;
	return code / 100 == 2 ? -EPROTO : kftp_reply_errno(code);
}

/* Indexed by KFTP_COMMAND_*: LISTING is resolved before, RETR never comes. */
static const char *const kftp_listing_verbs[] = {
	[KFTP_COMMAND_LIST] = "LIST",
	[KFTP_COMMAND_NLST] = "NLST",
	[KFTP_COMMAND_MLSD] = "MLSD",
};

/* The listing command to send: KFTP_COMMAND_LISTING follows FEAT. */
static u32 kftp_listing_command(const struct kftp_xfer *x)
{
	u32 cmd = x->args->command;

	if (cmd == KFTP_COMMAND_LISTING)
		cmd = kftp_mlsd_offered(x) ? KFTP_COMMAND_MLSD : KFTP_COMMAND_LIST;
	return cmd;
}

/*
 * A listing, like RETR, must be answered 1xx before any data flows. An
 * empty remote path lists the login directory: the bare command.
 */
static int kftp_list(struct kftp_xfer *x)
{
	const char *path = x->args->remote_path;
	u32 cmd = kftp_listing_command(x);
	int code;

	BUILD_BUG_ON(ARRAY_SIZE(kftp_listing_verbs) != KFTP_COMMAND_MLSD + 1);
	if (WARN_ON_ONCE(cmd >= ARRAY_SIZE(kftp_listing_verbs) ||
			 !kftp_listing_verbs[cmd]))
		return -EINVAL;
	/* Set before the send: a restart goes on with the same command. */
	x->command_sent = cmd;
	code = kftp_cmd(x, kftp_listing_verbs[cmd], path[0] ? path : NULL);
	if (code < 0)
		return code;
	if (code / 100 == 1) {
		x->sess->ctrl.state = KFTP_CONN_BUSY;	/* the final reply is to come */
		return 0;
	}
	/*
	 * 450 ("file busy"; some servers' NLST of nothing) stays a transient
	 * EPROTO. There is no fallback from MLSD to LIST: FEAT said MLST.
	 */
	switch (code) {
	case 501:	/* RFC 3659 7.2.1: MLSD of what is not a directory */
		return cmd == KFTP_COMMAND_MLSD ? -ENOENT : -EPROTO;
	case 550:
		return -ENOENT;
	case 500:
	case 502:
		return -EOPNOTSUPP;
	default:
		return code / 100 == 2 ? -EPROTO : kftp_reply_errno(code);
	}
}

/*
 * The transfer is complete only with a 226/250 and, when the server told
 * us the size, exactly that many bytes after the resume offset.
 */
static int kftp_complete(struct kftp_xfer *x)
{
	struct kftp_ctrl *c = &x->sess->ctrl;
	u64 expected = x->remote_size;
	int code = x->early_final;

	if (!code)
		code = kftp_ctrl_read_reply(c);
	if (code < 0)
		return code;
	if (code >= 200 && !c->owed)
		c->state = KFTP_CONN_IDLE;	/* between commands again */
	if (code != 226 && code != 250)
		return code / 100 == 2 ? -EPROTO : kftp_reply_errno(code);
	if (expected != KFTP_SIZE_UNKNOWN)
		expected -= x->args->resume_offset;
	if (expected != KFTP_SIZE_UNKNOWN && x->received != expected) {
		pr_info_ratelimited("%*pE: received %llu bytes, server announced %llu\n",
				    (int)strlen(x->args->remote_path),
				    x->args->remote_path, x->received, expected);
		return -EPROTO;
	}
	return 0;
}

/*
 * QUIT, and its reply, within a second in all: release() may run at
 * process exit, where no signal can end a wait, and a server that stopped
 * reading would hold the send for a whole reply timeout.
 */
static void kftp_ctrl_quit_briefly(struct kftp_ctrl *c)
{
	unsigned long bye = jiffies + min(HZ, c->reply_timeout);
	unsigned long limit = c->limit;

	if (!limit || time_before(bye, limit))
		c->limit = bye ?: 1;
	if (!kftp_ctrl_send(c, "QUIT", NULL))
		kftp_ctrl_read_reply_until(c, bye);
	c->limit = limit;
}

/*
 * Say goodbye and close. A command or transfer under way is aborted;
 * otherwise QUIT, and, unless @failed, a short wait for 221, which lets
 * the server close first. A broken connection is just closed. Also from
 * release at process exit or a kworker: nothing here may use current.
 */
void kftp_ctrl_goodbye(struct kftp_ctrl *c, bool failed)
{
	switch (c->state) {
	case KFTP_CONN_BUSY:
		pr_debug("> ABOR\n");
		pr_debug("> QUIT\n");
		kftp_trace(c, "> ABOR\n> QUIT\n");
		kftp_ctrl_send_nowait(c, "ABOR\r\nQUIT\r\n");
		break;
	case KFTP_CONN_CONNECTING:
	case KFTP_CONN_GREETED:
	case KFTP_CONN_IDLE:
		if (failed) {
			pr_debug("> QUIT\n");
			kftp_trace(c, "> QUIT\n");
			kftp_ctrl_send_nowait(c, "QUIT\r\n");
		} else {
			kftp_ctrl_quit_briefly(c);
		}
		break;
	case KFTP_CONN_CLOSED:
	case KFTP_CONN_BROKEN:
		break;
	}
	kftp_ctrl_close(c);
}

/* A kept connection that the server dropped while idle can be replaced. */
static bool kftp_stale_error(int err)
{
	return err == -ECONNRESET || err == -ECONNABORTED || err == -EPIPE ||
	       err == -ENOTCONN;
}

/* SIZE, or where a sync-mode reconnect goes back to. */
static enum kftp_step kftp_after_login(const struct kftp_xfer *x)
{
	return x->resume_step ?: KFTP_STEP_SIZE;
}

/*
 * A pipelined command's reply did not come within the reply timeout: some
 * servers and middleboxes drop a command that arrives before the last
 * reply went out. Start again on a new connection, one command at a time
 * to that server for the rest of the session, at the step that was
 * waiting; at PORT, from a new data port, which the new connection may
 * not share. The file and the digest stay.
 */
static void kftp_sync_fallback(struct kftp_xfer *x)
{
	struct kftp_ctrl *c = &x->sess->ctrl;

	kftp_trace(c, "* no reply to a pipelined command: reconnecting, one command at a time\n");
	x->sess->sync_peer = c->peer;
	kftp_ctrl_goodbye(c, true);
	kftp_unlisten(x);
	x->resume_step = x->step == KFTP_STEP_PORT ? KFTP_STEP_LISTEN : x->step;
	x->sent_ahead = 0;
	x->retr_early = false;
	x->pipeline_lost = false;
	x->reused = false;
	x->substep = 0;
	WRITE_ONCE(x->step, KFTP_STEP_CONNECT);
}

/*
 * Run the current step; on success, set the next one. Each case can be
 * entered again after a restart: see kftp_cmd().
 */
static int kftp_step(struct kftp_xfer *x, bool *done)
{
	struct kftp_session *sess = x->sess;
	const struct kftp_get_args *a = x->args;
	enum kftp_step next;
	int err = 0;

	switch (x->step) {
	case KFTP_STEP_NONE:
		if (!x->substep) {
			/* The result must not show a reply of an earlier call. */
			kftp_ctrl_forget_reply(&sess->ctrl);
			err = kftp_file_open(x);
			/* Interrupted, the open is redone by the restart. */
			if (err)
				goto local_failed;
			kftp_nl_xfer_set_local(x);
			x->substep = 1;
		}
		if (kftp_session_may_reuse(sess, x)) {
			kftp_trace(&sess->ctrl, "* reusing the connection to %pISpc\n",
				   &sess->ctrl.peer);
			x->reused = true;
			next = KFTP_STEP_TYPE;
		} else {
			kftp_ctrl_goodbye(&sess->ctrl, false);
			next = KFTP_STEP_CONNECT;
		}
		break;
	case KFTP_STEP_CONNECT:
		err = kftp_connect(x);
		next = KFTP_STEP_GREETING;
		break;
	case KFTP_STEP_GREETING:
		err = kftp_greeting(x);
		next = KFTP_STEP_LOGIN;
		break;
	case KFTP_STEP_LOGIN:
		err = kftp_login(x);
		if (!err)
			kftp_ctrl_logged_in(&sess->ctrl, a);
		next = KFTP_STEP_TYPE;
		break;
	case KFTP_STEP_TYPE:
		if (!x->substep) {
			kftp_queue_type(x);
			x->substep = 1;
		}
		err = kftp_cmd_expect_2xx(x, "TYPE", "I");
		next = kftp_feat_wanted(x) ? KFTP_STEP_FEAT : kftp_after_login(x);
		if (err && x->reused && kftp_stale_error(err)) {
			/* Dropped while idle: nothing of this request is lost yet. */
			kftp_ctrl_close(&sess->ctrl);
			kftp_unlisten(x);
			x->reused = false;
			x->sent_ahead = 0;
			err = 0;
			next = KFTP_STEP_CONNECT;
		}
		break;
	case KFTP_STEP_FEAT:
		err = kftp_feat(x);
		next = kftp_after_login(x);
		break;
	case KFTP_STEP_SIZE:
		/* A listing's length is known only at its end. */
		if (a->command == KFTP_COMMAND_RETR)
			err = kftp_size(x);
		next = KFTP_STEP_MDTM;
		break;
	case KFTP_STEP_MDTM:
		if (a->flags & KFTP_GET_F_REMOTE_TIME)
			err = kftp_mdtm(x);
		if (!err)
			err = kftp_size_check(x, done);
		if (!err)
			kftp_nl_xfer_start(x);	/* with the size, if any */
		next = KFTP_STEP_LISTEN;
		break;
	case KFTP_STEP_LISTEN:
		/*
		 * The digest starts before any data, FEAT known: a resumed
		 * file's prefix first. Interrupted, it goes on where it stood.
		 */
		err = kftp_hash_start(x) ?: kftp_hash_prefix(x);
		if (err == -ETIMEDOUT)
			return err;	/* max_time_ms, while reading the prefix */
		if (err)
			goto local_failed;
		/* Opened already when PORT went with TYPE. */
		if (!x->listener) {
			err = kftp_data_listen(x, &x->port_addr);
			if (!err)
				kftp_trace(&sess->ctrl, "* listening on %pISpc\n",
					   &x->port_addr);
		}
		next = KFTP_STEP_PORT;
		break;
	case KFTP_STEP_PORT:
		err = kftp_port(x);
		if (a->command != KFTP_COMMAND_RETR)
			next = KFTP_STEP_LIST;
		else
			next = a->resume_offset ? KFTP_STEP_REST : KFTP_STEP_RETR;
		break;
	case KFTP_STEP_REST:
		err = kftp_rest(x);
		next = KFTP_STEP_RETR;
		break;
	case KFTP_STEP_RETR:
		err = kftp_retr(x);
		next = KFTP_STEP_ACCEPT;
		break;
	case KFTP_STEP_LIST:
		err = kftp_list(x);
		next = KFTP_STEP_ACCEPT;
		break;
	case KFTP_STEP_ACCEPT:
		err = kftp_data_accept(x);
		if (!err) {
			/* Free the port now: a port range may be small. */
			sock_release(x->listener);
			x->listener = NULL;
		}
		next = KFTP_STEP_DATA;
		break;
	case KFTP_STEP_DATA:
		err = kftp_data_receive(x);
		if (err) {
			if (x->file_failed)
				WRITE_ONCE(x->step, KFTP_STEP_LOCAL_FILE);
			return err;
		}
		sock_release(x->data);
		x->data = NULL;
		WRITE_ONCE(x->step, KFTP_STEP_LOCAL_FILE);
		err = kftp_file_finish(x);
		next = KFTP_STEP_COMPLETE;
		break;
	case KFTP_STEP_COMPLETE:
		err = kftp_complete(x);
		if (err || !kftp_server_hash_wanted(x)) {
			*done = true;
			return err;
		}
		next = KFTP_STEP_HASH;
		break;
	case KFTP_STEP_HASH:
		err = kftp_server_hash(x);
		*done = true;
		return err;
	default:
		return -EINVAL;	/* unreachable: no step fails and restarts */
	}
	if (err && x->pipeline_lost) {
		kftp_sync_fallback(x);
		return 0;
	}
	if (!err && !*done) {
		if (next == x->resume_step)
			x->resume_step = KFTP_STEP_NONE;
		WRITE_ONCE(x->step, next);
		x->substep = 0;
	}
	return err;

local_failed:
	if (!kftp_interrupted(err))
		WRITE_ONCE(x->step, KFTP_STEP_LOCAL_FILE);
	return err;
}

/*
 * Run the dialogue from where the transfer stands to its end: 0, or the
 * error with x->step naming where it failed.
 */
int kftp_xfer_run(struct kftp_xfer *x)
{
	struct kftp_ctrl *c = &x->sess->ctrl;
	bool done = false;
	int err;

	c->reply_timeout = msecs_to_jiffies(x->args->reply_timeout_ms);
	c->limit = x->limit;
	do {
		err = kftp_step(x, &done);
	} while (!err && !done);
	c->limit = 0;
	if (!err) {
		err = kftp_hash_final(x);
		/* Interrupted, the step is run again: the digest goes on. */
		if (!err)
			WRITE_ONCE(x->step, KFTP_STEP_NONE);
		else if (!kftp_interrupted(err) && err != -ETIMEDOUT)
			WRITE_ONCE(x->step, KFTP_STEP_LOCAL_FILE);
	}
	return err;
}
