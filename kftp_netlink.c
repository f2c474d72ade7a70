// SPDX-License-Identifier: GPL-2.0
/*
 * Transfer events over generic netlink: the "kftp" family, its "events"
 * multicast group (START, PROGRESS, DONE), and a dump of the transfers
 * running now. Everything goes to the network namespace of the process
 * that runs the transfer, and only to holders of CAP_NET_ADMIN there.
 * Nothing here ever sees the user name or the password.
 */
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/nsproxy.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "kftp_internal.h"

/*
 * PROGRESS at most this often per transfer: 4 a second. The first only
 * this long after the start, so that a small file (most of a batch) sends
 * START and DONE and nothing between them to say the same.
 */
#define KFTP_NL_PROGRESS_INTERVAL	(HZ / 4)

enum {
	KFTP_NL_MCGRP_EVENTS,
};

/*
 * The transfers between begin and end, by increasing id: the dump's list.
 * An id is taken under the lock that adds it, so the list stays in id
 * order, which a dump that resumes after the last id it sent relies on.
 */
static u64 kftp_nl_last_id;
static LIST_HEAD(kftp_nl_running);
static DEFINE_SPINLOCK(kftp_nl_lock);

static struct genl_family kftp_genl_family;

/* Room for one message about @x: its strings, digest and a dozen numbers. */
static size_t kftp_nl_msg_size(const struct kftp_xfer *x)
{
	return nla_total_size(strlen(x->args->remote_path) + 1) +
	       nla_total_size(x->nl_local ? strlen(x->nl_local) + 1 : 0) +
	       nla_total_size(16) + nla_total_size(KFTP_SHA256_SIZE) +
	       12 * nla_total_size_64bit(sizeof(u64));
}

/* The largest message: both paths as long as they can be. */
#define KFTP_NL_MSG_MAX	(NLMSG_HDRLEN + GENL_HDRLEN +			\
			 nla_total_size(KFTP_REMOTE_PATH_MAX) +		\
			 nla_total_size(PATH_MAX) + nla_total_size(16) +	\
			 nla_total_size(KFTP_SHA256_SIZE) +			\
			 12 * nla_total_size_64bit(sizeof(u64)))

static int kftp_nl_put_u64(struct sk_buff *skb, int type, u64 value)
{
	return nla_put_u64_64bit(skb, type, value, KFTP_A_PAD);
}

/* What every message says: which transfer, whose, from where. */
static int kftp_nl_fill_common(struct sk_buff *skb, const struct kftp_xfer *x)
{
	const struct kftp_get_args *a = x->args;

	if (kftp_nl_put_u64(skb, KFTP_A_XFER_ID, x->nl_id) ||
	    nla_put_u32(skb, KFTP_A_PID, x->nl_pid) ||
	    nla_put(skb, KFTP_A_SERVER_ADDR, a->family == AF_INET ? 4 : 16,
		    a->addr) ||
	    nla_put_u16(skb, KFTP_A_SERVER_PORT, a->port) ||
	    nla_put_string(skb, KFTP_A_REMOTE_PATH, a->remote_path))
		return -EMSGSIZE;
	return 0;
}

static int kftp_nl_fill_start(struct sk_buff *skb, const struct kftp_xfer *x)
{
	if (x->nl_local && nla_put_string(skb, KFTP_A_LOCAL_PATH, x->nl_local))
		return -EMSGSIZE;
	if (kftp_nl_put_u64(skb, KFTP_A_RESUME_OFFSET, x->args->resume_offset))
		return -EMSGSIZE;
	return 0;
}

static int kftp_nl_fill_progress(struct sk_buff *skb, const struct kftp_xfer *x)
{
	u64 size = READ_ONCE(x->remote_size);

	if (size != KFTP_SIZE_UNKNOWN &&
	    kftp_nl_put_u64(skb, KFTP_A_SIZE, size))
		return -EMSGSIZE;
	if (kftp_nl_put_u64(skb, KFTP_A_BYTES, READ_ONCE(x->received)) ||
	    kftp_nl_put_u64(skb, KFTP_A_ELAPSED_MS,
			    ktime_ms_delta(ktime_get(), x->nl_start)) ||
	    nla_put_u32(skb, KFTP_A_STEP, READ_ONCE(x->step)))
		return -EMSGSIZE;
	return 0;
}

static int kftp_nl_fill_done(struct sk_buff *skb, const struct kftp_xfer *x,
			     int err)
{
	if (kftp_nl_put_u64(skb, KFTP_A_BYTES, x->received) ||
	    kftp_nl_put_u64(skb, KFTP_A_ELAPSED_MS,
			    ktime_ms_delta(ktime_get(), x->nl_start)) ||
	    nla_put_u32(skb, KFTP_A_ERRNO, -err) ||
	    nla_put_u32(skb, KFTP_A_FAILED_STEP, err ? x->step : KFTP_STEP_NONE) ||
	    nla_put_u32(skb, KFTP_A_REPLY_CODE, x->sess->ctrl.code))
		return -EMSGSIZE;
	if (!err && x->sha256_done &&
	    nla_put(skb, KFTP_A_SHA256, sizeof(x->sha256), x->sha256))
		return -EMSGSIZE;
	return 0;
}

/* One message about @x; the dump's have START's and PROGRESS's attributes. */
static int kftp_nl_fill(struct sk_buff *skb, const struct kftp_xfer *x,
			u8 cmd, int err, u32 portid, u32 seq, int flags)
{
	void *hdr = genlmsg_put(skb, portid, seq, &kftp_genl_family, flags, cmd);
	int ret;

	if (!hdr)
		return -EMSGSIZE;
	ret = kftp_nl_fill_common(skb, x);
	if (!ret && (cmd == KFTP_CMD_EVENT_START || cmd == KFTP_CMD_GET_XFERS))
		ret = kftp_nl_fill_start(skb, x);
	if (!ret && cmd != KFTP_CMD_EVENT_DONE)
		ret = kftp_nl_fill_progress(skb, x);
	if (!ret && cmd == KFTP_CMD_EVENT_DONE)
		ret = kftp_nl_fill_done(skb, x, err);
	if (ret) {
		genlmsg_cancel(skb, hdr);
		return ret;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static void kftp_nl_event(const struct kftp_xfer *x, u8 cmd, int err)
{
	struct sk_buff *skb;

	/* The common case, nobody watching, costs one bit test. */
	if (!genl_has_listeners(&kftp_genl_family, x->nl_net,
				KFTP_NL_MCGRP_EVENTS))
		return;
	skb = genlmsg_new(kftp_nl_msg_size(x), GFP_KERNEL);
	if (!skb)
		return;
	if (kftp_nl_fill(skb, x, cmd, err, 0, 0, 0)) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_multicast_netns(&kftp_genl_family, x->nl_net, skb, 0,
				KFTP_NL_MCGRP_EVENTS, GFP_KERNEL);
}

/*
 * A new transfer, in the caller's context: note what its events need from
 * the caller now, since a kept transfer may end where current means
 * nothing (release at exit, a kworker). Give it an id, list it.
 */
void kftp_nl_xfer_begin(struct kftp_xfer *x)
{
	x->nl_pid = task_tgid_vnr(current);
	/* A kept transfer may outlive the caller's stay in its namespace. */
	x->nl_net = get_net(current->nsproxy->net_ns);
	x->nl_start = ktime_get();
	x->nl_next_progress = jiffies + KFTP_NL_PROGRESS_INTERVAL;
	spin_lock(&kftp_nl_lock);
	x->nl_id = ++kftp_nl_last_id;
	list_add_tail(&x->nl_node, &kftp_nl_running);
	spin_unlock(&kftp_nl_lock);
}

/*
 * The destination as a person would name it: the caller's display_name,
 * the path, or the path of the fd's file. In the caller's context, once
 * the file is open: d_path() resolves against current's root.
 */
void kftp_nl_xfer_set_local(struct kftp_xfer *x)
{
	char *buf, *path, *local = NULL;

	if (x->args->display_name[0]) {
		local = kstrdup(x->args->display_name, GFP_KERNEL);
	} else if (!(x->args->flags & KFTP_GET_F_DEST_FD)) {
		local = kstrdup(x->args->local_path, GFP_KERNEL);
	} else if (x->file) {
		buf = kmalloc(PATH_MAX, GFP_KERNEL);
		if (!buf)
			return;
		path = d_path(&x->file->f_path, buf, PATH_MAX);
		local = IS_ERR(path) ? NULL : kstrdup(path, GFP_KERNEL);
		kfree(buf);
	}
	spin_lock(&kftp_nl_lock);	/* the dump may be reading nl_local */
	swap(x->nl_local, local);
	spin_unlock(&kftp_nl_lock);
	kfree(local);
}

/*
 * START, once: when the size is known, or at the end of an early failure.
 * Also at the end of a kept transfer let go from release or a kworker:
 * nothing here may use current.
 */
void kftp_nl_xfer_start(struct kftp_xfer *x)
{
	if (x->nl_started)
		return;
	x->nl_started = true;
	kftp_nl_event(x, KFTP_CMD_EVENT_START, 0);
}

/* From the receive loop, after bytes arrived: at most 4 a second. */
void kftp_nl_xfer_progress(struct kftp_xfer *x)
{
	if (time_before(jiffies, x->nl_next_progress))
		return;
	x->nl_next_progress = jiffies + KFTP_NL_PROGRESS_INTERVAL;
	kftp_nl_event(x, KFTP_CMD_EVENT_PROGRESS, 0);
}

/* Off the list, then DONE: a dump after DONE never lists it. */
void kftp_nl_xfer_end(struct kftp_xfer *x, int err)
{
	kftp_nl_xfer_start(x);
	spin_lock(&kftp_nl_lock);
	list_del(&x->nl_node);
	spin_unlock(&kftp_nl_lock);
	kftp_nl_event(x, KFTP_CMD_EVENT_DONE, err);
	kfree(x->nl_local);
	x->nl_local = NULL;
	put_net(x->nl_net);
}

/*
 * A message may be larger than the first skb of a dump (NLMSG_GOODSIZE,
 * about 3.7 KiB): ask for room for the largest one.
 */
static int kftp_nl_dump_start(struct netlink_callback *cb)
{
	cb->min_dump_alloc = KFTP_NL_MSG_MAX;
	return 0;
}

/*
 * The transfers running in the dumper's namespace. cb->args[0] holds the
 * last id sent, so a dump that spans several messages goes on after it.
 */
static int kftp_nl_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct net *net = sock_net(skb->sk);
	struct kftp_xfer *x;
	int err = 0;

	spin_lock(&kftp_nl_lock);
	list_for_each_entry(x, &kftp_nl_running, nl_node) {
		if (x->nl_id <= cb->args[0] || !net_eq(x->nl_net, net))
			continue;
		err = kftp_nl_fill(skb, x, KFTP_CMD_GET_XFERS, 0,
				   NETLINK_CB(cb->skb).portid,
				   cb->nlh->nlmsg_seq, NLM_F_MULTI);
		if (err)
			break;
		cb->args[0] = x->nl_id;
	}
	spin_unlock(&kftp_nl_lock);
	/* 0 means "done": a message that fits no skb must not end it quietly. */
	return err && !skb->len ? err : skb->len;
}

static const struct genl_ops kftp_genl_ops[] = {
	{
		.cmd	= KFTP_CMD_GET_XFERS,
		.start	= kftp_nl_dump_start,
		.dumpit	= kftp_nl_dump,
		/* CAP_NET_ADMIN in the user namespace that owns the netns */
		.flags	= GENL_UNS_ADMIN_PERM,
	},
};

static const struct genl_multicast_group kftp_genl_mcgrps[] = {
	[KFTP_NL_MCGRP_EVENTS] = {
		.name	= KFTP_GENL_MCGRP_EVENTS,
		.flags	= GENL_MCAST_CAP_NET_ADMIN,
	},
};

static struct genl_family kftp_genl_family __ro_after_init = {
	.name		= KFTP_GENL_NAME,
	.version	= KFTP_GENL_VERSION,
	.netnsok	= true,
	.module		= THIS_MODULE,
	.ops		= kftp_genl_ops,
	.n_ops		= ARRAY_SIZE(kftp_genl_ops),
	/* Every command validates strictly: the dump takes no attributes. */
	.resv_start_op	= KFTP_CMD_GET_XFERS,
	.mcgrps		= kftp_genl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(kftp_genl_mcgrps),
};

int __init kftp_nl_init(void)
{
	return genl_register_family(&kftp_genl_family);
}

void kftp_nl_exit(void)
{
	genl_unregister_family(&kftp_genl_family);
}
