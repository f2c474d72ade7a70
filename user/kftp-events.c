// SPDX-License-Identifier: GPL-2.0
/*
 * kftp-events: resolve the kftp generic netlink family, join its "events"
 * group, dump the running transfers, and parse the messages, with libmnl.
 * See kftp-events.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "kftp-events.h"

/*
 * One datagram: a multicast event is one message of at most two paths and
 * a dozen numbers; a dump's datagram holds several (the kernel sizes it
 * after our largest read, 32 KiB at most).
 */
#define KFTP_NL_BUF_SIZE	(64 * 1024)
/* Room for bursts (16 transfers ending at once) without ENOBUFS. */
#define KFTP_NL_RCVBUF		(4 * 1024 * 1024)

struct kftp_nl {
	struct mnl_socket *sock;
	unsigned int portid;
	unsigned int seq;
	uint16_t family_id;
	uint32_t group_id;	/* 0: no "events" group seen */
	char *buf;
	struct kftp_event *ev;	/* each message parsed into it, in turn */
};

/* ---- resolving the family ------------------------------------------------ */

struct family_info {
	uint16_t id;
	uint32_t group;
};

static int group_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (type == CTRL_ATTR_MCAST_GRP_ID &&
	    mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
		return MNL_CB_ERROR;
	if (type == CTRL_ATTR_MCAST_GRP_NAME &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
		return MNL_CB_ERROR;
	if (type == CTRL_ATTR_MCAST_GRP_ID || type == CTRL_ATTR_MCAST_GRP_NAME)
		tb[type] = attr;
	return MNL_CB_OK;
}

static void find_group(const struct nlattr *groups, struct family_info *fi)
{
	const struct nlattr *pos;

	mnl_attr_for_each_nested(pos, groups) {
		const struct nlattr *tb[CTRL_ATTR_MCAST_GRP_MAX + 1] = { NULL };

		if (mnl_attr_parse_nested(pos, group_attr_cb, tb) < 0)
			continue;
		if (tb[CTRL_ATTR_MCAST_GRP_ID] && tb[CTRL_ATTR_MCAST_GRP_NAME] &&
		    !strcmp(mnl_attr_get_str(tb[CTRL_ATTR_MCAST_GRP_NAME]),
			    KFTP_GENL_MCGRP_EVENTS))
			fi->group = mnl_attr_get_u32(tb[CTRL_ATTR_MCAST_GRP_ID]);
	}
}

static int family_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (type == CTRL_ATTR_FAMILY_ID) {
		if (mnl_attr_validate(attr, MNL_TYPE_U16) < 0)
			return MNL_CB_ERROR;
		tb[type] = attr;
	} else if (type == CTRL_ATTR_MCAST_GROUPS) {
		if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0)
			return MNL_CB_ERROR;
		tb[type] = attr;
	}
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[CTRL_ATTR_MAX + 1] = { NULL };
	struct family_info *fi = data;

	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), family_attr_cb, tb) < 0)
		return MNL_CB_ERROR;
	if (tb[CTRL_ATTR_FAMILY_ID])
		fi->id = mnl_attr_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
	if (tb[CTRL_ATTR_MCAST_GROUPS])
		find_group(tb[CTRL_ATTR_MCAST_GROUPS], fi);
	return MNL_CB_OK;
}

/* ---- framing ------------------------------------------------------------- */

/*
 * How many bytes at the start of buf are whole, well-formed netlink
 * messages. libmnl's own check (mnl_nlmsg_ok) compares lengths as ints, so
 * a message that claims 2^31 bytes or more passes it, and the walk over
 * its attributes leaves the buffer. Here every length is an unsigned
 * number checked against the bytes that remain, padding included; what
 * follows a malformed message is not looked at.
 */
size_t kftp_nl_valid_len(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	size_t off = 0;

	while (len - off >= NLMSG_HDRLEN) {
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)(p + off);
		size_t mlen = nlh->nlmsg_len;

		if (mlen < NLMSG_HDRLEN || mlen > len - off ||
		    NLMSG_ALIGN(mlen) > len - off)
			break;
		off += NLMSG_ALIGN(mlen);
	}
	return off;
}

/* mnl_cb_run() over buf's messages, once their framing is known good. */
static int run_checked(const void *buf, size_t len, unsigned int seq,
		       unsigned int portid, mnl_cb_t cb, void *data)
{
	if (kftp_nl_valid_len(buf, len) != len) {
		errno = EBADMSG;
		return -1;
	}
	return mnl_cb_run(buf, len, seq, portid, cb, data);
}

/* Send @nlh, then run the replies through @cb until the ACK or DONE. */
static int request(struct kftp_nl *nl, struct nlmsghdr *nlh,
		   mnl_cb_t cb, void *data)
{
	unsigned int seq = nlh->nlmsg_seq;
	ssize_t n;
	int ret;

	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -1;
	do {
		n = mnl_socket_recvfrom(nl->sock, nl->buf, KFTP_NL_BUF_SIZE);
		if (n < 0)
			return -1;
		ret = run_checked(nl->buf, (size_t)n, seq, nl->portid, cb, data);
	} while (ret > 0);
	return ret < 0 ? -1 : 0;
}

static struct nlmsghdr *genl_header(struct kftp_nl *nl, uint16_t type,
				    uint16_t flags, uint8_t cmd, uint8_t version)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++nl->seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = version;
	return nlh;
}

struct kftp_nl *kftp_nl_open(void)
{
	struct family_info fi = { 0, 0 };
	struct kftp_nl *nl = calloc(1, sizeof(*nl));
	struct nlmsghdr *nlh;
	int size = KFTP_NL_RCVBUF, saved;

	if (!nl)
		return NULL;
	nl->buf = malloc(KFTP_NL_BUF_SIZE);
	nl->ev = malloc(sizeof(*nl->ev));
	nl->sock = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC);
	if (!nl->buf || !nl->ev || !nl->sock)
		goto fail;
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (unsigned int)time(NULL);
	/* Beyond rmem_max needs CAP_NET_ADMIN, which a listener has anyway. */
	if (setsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET, SO_RCVBUFFORCE,
		       &size, sizeof(size)))
		setsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET, SO_RCVBUF,
			   &size, sizeof(size));

	nlh = genl_header(nl, GENL_ID_CTRL, NLM_F_ACK, CTRL_CMD_GETFAMILY, 1);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, KFTP_GENL_NAME);
	if (request(nl, nlh, family_cb, &fi))
		goto fail;
	if (!fi.id) {
		errno = ENOENT;
		goto fail;
	}
	nl->family_id = fi.id;
	nl->group_id = fi.group;
	return nl;
fail:
	saved = errno;
	kftp_nl_close(nl);
	errno = saved;
	return NULL;
}

void kftp_nl_close(struct kftp_nl *nl)
{
	if (!nl)
		return;
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl->ev);
	free(nl->buf);
	free(nl);
}

int kftp_nl_fd(const struct kftp_nl *nl)
{
	return mnl_socket_get_fd(nl->sock);
}

int kftp_nl_join(struct kftp_nl *nl)
{
	int group = (int)nl->group_id;

	if (!group) {
		errno = ENOENT;
		return -1;
	}
	return mnl_socket_setsockopt(nl->sock, NETLINK_ADD_MEMBERSHIP,
				     &group, sizeof(group));
}

/* ---- messages ------------------------------------------------------------ */

static const enum mnl_attr_data_type attr_types[KFTP_A_MAX + 1] = {
	[KFTP_A_XFER_ID]	= MNL_TYPE_U64,
	[KFTP_A_PID]		= MNL_TYPE_U32,
	[KFTP_A_SERVER_ADDR]	= MNL_TYPE_BINARY,
	[KFTP_A_SERVER_PORT]	= MNL_TYPE_U16,
	[KFTP_A_REMOTE_PATH]	= MNL_TYPE_NUL_STRING,
	[KFTP_A_LOCAL_PATH]	= MNL_TYPE_NUL_STRING,
	[KFTP_A_SIZE]		= MNL_TYPE_U64,
	[KFTP_A_RESUME_OFFSET]	= MNL_TYPE_U64,
	[KFTP_A_BYTES]		= MNL_TYPE_U64,
	[KFTP_A_ELAPSED_MS]	= MNL_TYPE_U64,
	[KFTP_A_ERRNO]		= MNL_TYPE_U32,
	[KFTP_A_FAILED_STEP]	= MNL_TYPE_U32,
	[KFTP_A_REPLY_CODE]	= MNL_TYPE_U32,
	[KFTP_A_STEP]		= MNL_TYPE_U32,
	[KFTP_A_SHA256]		= MNL_TYPE_BINARY,
};

/* Known attributes of the right type go into tb; unknown ones are skipped. */
static int event_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (type <= KFTP_A_PAD || type > KFTP_A_MAX)
		return MNL_CB_OK;
	if (mnl_attr_validate(attr, attr_types[type]) < 0)
		return MNL_CB_ERROR;
	tb[type] = attr;
	return MNL_CB_OK;
}

static void copy_str(char *dst, size_t size, const struct nlattr *attr)
{
	snprintf(dst, size, "%s", mnl_attr_get_str(attr));
}

int kftp_event_parse(const struct nlmsghdr *nlh, size_t len, struct kftp_event *ev)
{
	const struct nlattr *tb[KFTP_A_MAX + 1] = { NULL };
	const struct genlmsghdr *genl;
	const struct nlattr *a;

	/* The attributes are walked up to the aligned end: all of it ours. */
	if (len < NLMSG_HDRLEN || nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN ||
	    nlh->nlmsg_len > len || NLMSG_ALIGN(nlh->nlmsg_len) > len)
		return -1;
	genl = mnl_nlmsg_get_payload(nlh);
	memset(ev, 0, sizeof(*ev));
	ev->cmd = genl->cmd;
	if (mnl_attr_parse(nlh, sizeof(*genl), event_attr_cb, tb) < 0)
		return -1;
	if (!tb[KFTP_A_XFER_ID])
		return -1;
	ev->id = mnl_attr_get_u64(tb[KFTP_A_XFER_ID]);
	if (tb[KFTP_A_PID])
		ev->pid = mnl_attr_get_u32(tb[KFTP_A_PID]);
	a = tb[KFTP_A_SERVER_ADDR];
	if (a && mnl_attr_get_payload_len(a) == 4) {
		ev->family = AF_INET;
		memcpy(ev->addr, mnl_attr_get_payload(a), 4);
	} else if (a && mnl_attr_get_payload_len(a) == 16) {
		ev->family = AF_INET6;
		memcpy(ev->addr, mnl_attr_get_payload(a), 16);
	}
	if (tb[KFTP_A_SERVER_PORT])
		ev->port = mnl_attr_get_u16(tb[KFTP_A_SERVER_PORT]);
	if (tb[KFTP_A_REMOTE_PATH])
		copy_str(ev->remote_path, sizeof(ev->remote_path), tb[KFTP_A_REMOTE_PATH]);
	if (tb[KFTP_A_LOCAL_PATH]) {
		ev->has_local_path = true;
		copy_str(ev->local_path, sizeof(ev->local_path), tb[KFTP_A_LOCAL_PATH]);
	}
	ev->has_size = tb[KFTP_A_SIZE];
	if (ev->has_size)
		ev->size = mnl_attr_get_u64(tb[KFTP_A_SIZE]);
	ev->has_resume_offset = tb[KFTP_A_RESUME_OFFSET];
	if (ev->has_resume_offset)
		ev->resume_offset = mnl_attr_get_u64(tb[KFTP_A_RESUME_OFFSET]);
	ev->has_bytes = tb[KFTP_A_BYTES];
	if (ev->has_bytes)
		ev->bytes = mnl_attr_get_u64(tb[KFTP_A_BYTES]);
	ev->has_elapsed = tb[KFTP_A_ELAPSED_MS];
	if (ev->has_elapsed)
		ev->elapsed_ms = mnl_attr_get_u64(tb[KFTP_A_ELAPSED_MS]);
	ev->has_step = tb[KFTP_A_STEP];
	if (ev->has_step)
		ev->step = mnl_attr_get_u32(tb[KFTP_A_STEP]);
	ev->has_result = tb[KFTP_A_ERRNO];
	if (ev->has_result) {
		ev->err = mnl_attr_get_u32(tb[KFTP_A_ERRNO]);
		if (tb[KFTP_A_FAILED_STEP])
			ev->failed_step = mnl_attr_get_u32(tb[KFTP_A_FAILED_STEP]);
		if (tb[KFTP_A_REPLY_CODE])
			ev->reply_code = mnl_attr_get_u32(tb[KFTP_A_REPLY_CODE]);
	}
	a = tb[KFTP_A_SHA256];
	if (a && mnl_attr_get_payload_len(a) == sizeof(ev->sha256)) {
		ev->has_sha256 = true;
		memcpy(ev->sha256, mnl_attr_get_payload(a), sizeof(ev->sha256));
	}
	return 0;
}

struct run_ctx {
	uint16_t family_id;
	kftp_event_cb cb;
	void *data;
	int ret;		/* the callback's negative return, if any */
	struct kftp_event *ev;	/* big: kept by the caller, not on the stack */
};

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	struct run_ctx *ctx = data;
	int ret;

	/*
	 * Another family's message, or one we cannot read: skip it. The
	 * framing was checked (run_checked): the message is all in the buffer.
	 */
	if (nlh->nlmsg_type != ctx->family_id ||
	    kftp_event_parse(nlh, NLMSG_ALIGN(nlh->nlmsg_len), ctx->ev))
		return MNL_CB_OK;
	ret = ctx->cb(ctx->ev, ctx->data);
	if (ret < 0) {
		ctx->ret = ret;
		return MNL_CB_STOP;
	}
	return MNL_CB_OK;
}

int kftp_nl_dump(struct kftp_nl *nl, kftp_event_cb cb, void *data)
{
	struct run_ctx ctx = {
		.family_id = nl->family_id, .cb = cb, .data = data, .ev = nl->ev,
	};
	struct nlmsghdr *nlh;
	int ret;

	nlh = genl_header(nl, nl->family_id, NLM_F_DUMP, KFTP_CMD_GET_XFERS,
			  KFTP_GENL_VERSION);
	ret = request(nl, nlh, event_cb, &ctx);
	return ctx.ret < 0 ? ctx.ret : ret;
}

/* kftp_nl_parse() with the caller's event to parse into: no allocation. */
static int parse_into(const void *buf, size_t len, uint16_t family_id,
		      struct kftp_event *ev, kftp_event_cb cb, void *data)
{
	struct run_ctx ctx = {
		.family_id = family_id, .cb = cb, .data = data, .ev = ev,
	};
	int ret;

	/* seq 0, portid 0: multicast messages are not ours to match. */
	ret = run_checked(buf, len, 0, 0, event_cb, &ctx);
	if (ctx.ret < 0)
		return ctx.ret;
	return ret < 0 ? -1 : 0;
}

int kftp_nl_parse(const void *buf, size_t len, uint16_t family_id,
		  kftp_event_cb cb, void *data)
{
	struct kftp_event *ev = malloc(sizeof(*ev));
	int ret, saved;

	if (!ev)
		return -1;
	ret = parse_into(buf, len, family_id, ev, cb, data);
	saved = errno;
	free(ev);
	errno = saved;
	return ret;
}

int kftp_nl_recv(struct kftp_nl *nl, kftp_event_cb cb, void *data)
{
	ssize_t n;

	n = mnl_socket_recvfrom(nl->sock, nl->buf, KFTP_NL_BUF_SIZE);
	if (n < 0)
		return -1;
	/* Per datagram, on every event of a watched transfer: no allocation. */
	return parse_into(nl->buf, (size_t)n, nl->family_id, nl->ev, cb, data);
}

/* ---- names ----------------------------------------------------------------- */

const char *kftp_cmd_name(uint8_t cmd)
{
	switch (cmd) {
	case KFTP_CMD_GET_XFERS:
		return "XFER";
	case KFTP_CMD_EVENT_START:
		return "START";
	case KFTP_CMD_EVENT_PROGRESS:
		return "PROGRESS";
	case KFTP_CMD_EVENT_DONE:
		return "DONE";
	}
	return "?";
}

const char *kftp_step_name(uint32_t step)
{
	static const char *const names[] = {
		[KFTP_STEP_NONE]	= "NONE",
		[KFTP_STEP_CONNECT]	= "CONNECT",
		[KFTP_STEP_GREETING]	= "GREETING",
		[KFTP_STEP_LOGIN]	= "LOGIN",
		[KFTP_STEP_TYPE]	= "TYPE",
		[KFTP_STEP_SIZE]	= "SIZE",
		[KFTP_STEP_LISTEN]	= "LISTEN",
		[KFTP_STEP_PORT]	= "PORT",
		[KFTP_STEP_RETR]	= "RETR",
		[KFTP_STEP_ACCEPT]	= "ACCEPT",
		[KFTP_STEP_DATA]	= "DATA",
		[KFTP_STEP_LOCAL_FILE]	= "LOCAL_FILE",
		[KFTP_STEP_COMPLETE]	= "COMPLETE",
		[KFTP_STEP_MDTM]	= "MDTM",
		[KFTP_STEP_REST]	= "REST",
		[KFTP_STEP_FEAT]	= "FEAT",
		[KFTP_STEP_HASH]	= "HASH",
		[KFTP_STEP_LIST]	= "LIST",
	};

	if (step < sizeof(names) / sizeof(names[0]) && names[step])
		return names[step];
	return "?";
}

const char *kftp_errno_name(uint32_t err, char *buf, size_t size)
{
	const char *name;

	if (!err)
		return "";
	name = err <= 4095 ? strerrorname_np((int)err) : NULL;
	if (name)
		return name;
	snprintf(buf, size, "E%u", err);
	return buf;
}

const char *kftp_event_addr(const struct kftp_event *ev, char *buf, size_t size)
{
	if (!ev->family || !inet_ntop(ev->family, ev->addr, buf, (socklen_t)size))
		return "?";
	return buf;
}
