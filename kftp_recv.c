// SPDX-License-Identifier: GPL-2.0
/*
 * The one-copy receive path: data moves from the data socket into the
 * destination file with one copy, the file system's own copy into its page
 * cache.
 *
 * Under the socket lock, a tcp_read_sock() actor takes a page reference to
 * every received range (the skb's frags, its head when that is a page
 * fragment nobody else shares, its frag_list) and records it in a bio_vec
 * array, as splice does for a pipe. tcp_read_sock() then frees the skbs
 * and ACKs. With the socket released, one vfs_iter_write() over the
 * bio_vecs writes the batch, and the references are dropped. A head that
 * cannot be shared (cloned, or not a page fragment) is copied into a
 * bounce page instead.
 *
 * Memory: one transfer holds at most KFTP_RECV_BVECS page references (each
 * may be a compound page) plus one bounce page, and only between a batch's
 * receive and its write. /sys/module/kftp/parameters/recv_pages shows how
 * many page references all transfers hold at the moment.
 */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/sched/signal.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "kftp_compat.h"
#include "kftp_internal.h"

/* 64 ranges: 256 KiB of 4 KiB frags, the two-copy path's buffer size. */
#define KFTP_RECV_BVECS		64

struct kftp_recv {
	struct bio_vec bv[KFTP_RECV_BVECS];
	unsigned int nr;		/* bio_vecs in use, one reference each */
	size_t len;			/* bytes they hold */
	struct page *bounce;		/* for heads that cannot be shared */
	unsigned int bounce_off;	/* its first free byte */
	int err;			/* what stopped the actor, or 0 */
};

static bool one_copy = true;
module_param(one_copy, bool, 0644);
MODULE_PARM_DESC(one_copy,
		 "receive with one copy (page references and vfs_iter_write); N: two copies through a buffer");

static atomic_long_t kftp_recv_pages_held = ATOMIC_LONG_INIT(0);

static int kftp_recv_pages_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%ld\n", atomic_long_read(&kftp_recv_pages_held));
}

static const struct kernel_param_ops kftp_recv_pages_ops = {
	.get = kftp_recv_pages_get,
};

module_param_cb(recv_pages, &kftp_recv_pages_ops, NULL, 0444);
MODULE_PARM_DESC(recv_pages, "page references the one-copy path holds now (all transfers)");

static void kftp_recv_get(struct page *page)
{
	get_page(page);
	atomic_long_inc(&kftp_recv_pages_held);
}

static void kftp_recv_put(struct page *page)
{
	put_page(page);
	atomic_long_dec(&kftp_recv_pages_held);
}

/*
 * Record [off, off + len) of page. A range that continues the last one on
 * the same page extends it and needs no reference of its own. Returns
 * false when the array is full.
 */
static bool kftp_recv_add(struct kftp_recv *r, struct page *page,
			  unsigned int off, unsigned int len)
{
	struct bio_vec *last = r->nr ? &r->bv[r->nr - 1] : NULL;

	if (last && last->bv_page == page &&
	    last->bv_offset + last->bv_len == off) {
		last->bv_len += len;
	} else {
		if (r->nr == KFTP_RECV_BVECS)
			return false;
		kftp_recv_get(page);
		r->bv[r->nr].bv_page = page;
		r->bv[r->nr].bv_offset = off;
		r->bv[r->nr].bv_len = len;
		r->nr++;
	}
	r->len += len;
	return true;
}

/* Copy a head that cannot be shared into the bounce page; bytes taken. */
static size_t kftp_recv_copy(struct kftp_recv *r, const void *data, size_t len)
{
	size_t done = 0;
	unsigned int n;

	while (done < len) {
		if (!r->bounce || r->bounce_off == PAGE_SIZE) {
			if (r->bounce)
				kftp_recv_put(r->bounce);
			r->bounce = alloc_page(GFP_KERNEL);
			if (!r->bounce) {
				r->err = -ENOMEM;
				break;
			}
			atomic_long_inc(&kftp_recv_pages_held);
			r->bounce_off = 0;
		}
		n = min_t(size_t, len - done, PAGE_SIZE - r->bounce_off);
		memcpy(page_address(r->bounce) + r->bounce_off, data + done, n);
		if (!kftp_recv_add(r, r->bounce, r->bounce_off, n))
			break;
		r->bounce_off += n;
		done += n;
	}
	return done;
}

/*
 * Take [offset, offset + len) of skb: its head, its frags, then the skbs
 * on its frag_list (GRO), in that order, as skb_copy_bits() walks them.
 * Returns the bytes taken; fewer than len when the array is full or on an
 * error (r->err).
 */
static size_t kftp_recv_skb(struct kftp_recv *r, const struct sk_buff *skb,
			    unsigned int offset, size_t len)
{
	unsigned int start = 0, end, i, n;
	const struct sk_buff *frag_iter;
	size_t taken = 0;

	end = skb_headlen(skb);
	if (offset < end) {
		const u8 *data = skb->data + offset;

		n = min_t(size_t, end - offset, len);
		if (skb_head_is_locked(skb)) {
			taken = kftp_recv_copy(r, data, n);
		} else if (kftp_recv_add(r, virt_to_page(data),
					 offset_in_page(data), n)) {
			taken = n;
		}
		if (taken < n)
			return taken;
	}
	start = end;

	if (!kftp_skb_frags_readable(skb) && skb_shinfo(skb)->nr_frags) {
		r->err = -EPROTO;	/* device memory: no pages to refer to */
		return taken;
	}
	for (i = 0; i < skb_shinfo(skb)->nr_frags && taken < len; i++) {
		const skb_frag_t *f = &skb_shinfo(skb)->frags[i];

		end = start + skb_frag_size(f);
		if (offset + taken < end) {
			unsigned int at = offset + taken - start;

			n = min_t(size_t, end - (offset + taken), len - taken);
			if (!kftp_recv_add(r, skb_frag_page(f),
					   skb_frag_off(f) + at, n))
				return taken;
			taken += n;
		}
		start = end;
	}

	skb_walk_frags(skb, frag_iter) {
		size_t got;

		if (taken >= len)
			break;
		end = start + frag_iter->len;
		if (offset + taken < end) {
			n = min_t(size_t, end - (offset + taken), len - taken);
			got = kftp_recv_skb(r, frag_iter,
					    offset + taken - start, n);
			taken += got;
			if (got < n)
				return taken;
		}
		start = end;
	}
	return taken;
}

/*
 * The read_sock actor. Returning 0 stops tcp_read_sock(), whether the array
 * is full or something failed (kept in r->err); returning less than len
 * makes it offer the rest again.
 */
static int kftp_recv_actor(read_descriptor_t *desc, struct sk_buff *skb,
			   unsigned int offset, size_t len)
{
	struct kftp_recv *r = desc->arg.data;

	if (r->err)
		return 0;
	return kftp_recv_skb(r, skb, offset, len);
}

/*
 * One batch, as tcp_splice_read() does it: read what is queued; with
 * nothing queued, wait up to the socket's receive timeout (the stall
 * timeout). Returns the bytes now held, 0 at EOF, or an error.
 */
static int kftp_recv_batch(struct socket *sock, struct kftp_recv *r)
{
	struct sock *sk = sock->sk;
	read_descriptor_t desc;
	long timeo;
	int ret;

	lock_sock(sk);
	timeo = sock_rcvtimeo(sk, false);
	for (;;) {
		/* count must stay non-zero or one skb ends the read. */
		desc.written = 0;
		desc.count = SIZE_MAX;
		desc.error = 0;
		desc.arg.data = r;
		ret = tcp_read_sock(sk, &desc, kftp_recv_actor);
		if (r->len) {
			ret = r->len;
			break;
		}
		if (r->err) {
			ret = r->err;
			break;
		}
		if (ret < 0)
			break;
		/* In tcp_recvmsg()'s order: a reset also shuts reception down. */
		if (sock_flag(sk, SOCK_DONE)) {
			ret = 0;
			break;
		}
		if (sk->sk_err) {
			ret = sock_error(sk);
			break;
		}
		if (sk->sk_shutdown & RCV_SHUTDOWN) {
			ret = 0;
			break;
		}
		if (sk->sk_state == TCP_CLOSE) {
			ret = -ENOTCONN;
			break;
		}
		/* Queued but unreadable: urgent data, which FTP never sends. */
		if (!skb_queue_empty(&sk->sk_receive_queue)) {
			ret = -EPROTO;
			break;
		}
		if (!timeo) {
			ret = -EAGAIN;
			break;
		}
		sk_wait_data(sk, &timeo, NULL);
		if (signal_pending(current)) {
			ret = sock_intr_errno(timeo);
			break;
		}
	}
	release_sock(sk);
	return ret;
}

static void kftp_recv_release(struct kftp_recv *r)
{
	while (r->nr)
		kftp_recv_put(r->bv[--r->nr].bv_page);
	r->len = 0;
}

/* Drop every byte held beyond the first keep. */
static void kftp_recv_trim(struct kftp_recv *r, size_t keep)
{
	size_t sum = 0;
	unsigned int i;

	for (i = 0; i < r->nr && sum + r->bv[i].bv_len <= keep; i++)
		sum += r->bv[i].bv_len;
	if (i < r->nr && sum < keep) {
		r->bv[i].bv_len = keep - sum;
		i++;
	}
	while (r->nr > i)
		kftp_recv_put(r->bv[--r->nr].bv_page);
	r->len = keep;
}

/* The batch of one transfer; without one, the two-copy path is used. */
void kftp_recv_alloc(struct kftp_xfer *x)
{
	x->recv = READ_ONCE(one_copy) ? kzalloc(sizeof(*x->recv), GFP_KERNEL) : NULL;
}

void kftp_recv_free(struct kftp_xfer *x)
{
	struct kftp_recv *r = x->recv;

	if (!r)
		return;
	kftp_recv_release(r);
	if (r->bounce)
		kftp_recv_put(r->bounce);
	kfree(r);
	x->recv = NULL;
}

/*
 * Receive what the data socket has (waiting for it up to the stall
 * timeout) and hold it for kftp_recv_write(). Returns the number of bytes
 * that arrived, 0 at EOF, or an error (kftp_sock_errno()'d). Of those
 * bytes, only the first room are kept: the caller drops the rest (data
 * beyond the announced size or the limit).
 */
int kftp_recv_read(struct kftp_xfer *x, u64 room)
{
	struct kftp_recv *r = x->recv;
	int n;

	n = kftp_recv_batch(x->data, r);
	if (n <= 0)
		return kftp_sock_errno(n);
	if (n > room)
		kftp_recv_trim(r, room);
	return n;
}

/*
 * Write what is held: one vfs_iter_write() over the bio_vecs, repeated for
 * what a short write left. The bytes are already gone from the socket, so
 * every one that can be written is; a failure is reported after that. What
 * a stop kept a stream from taking is copied out (kftp_file_write_all()):
 * the pages go back at once, stopped or not.
 */
int kftp_recv_write(struct kftp_xfer *x)
{
	struct kftp_recv *r = x->recv;
	struct iov_iter it;
	int err;

	if (!r->len)
		return 0;
	/* The digest covers exactly what is written, from these pages. */
	err = kftp_hash_bvecs(x, r->bv, r->nr);
	if (!err) {
		iov_iter_bvec(&it, ITER_SOURCE, r->bv, r->nr, r->len);
		err = kftp_file_write_all(x, &it);
	}
	kftp_recv_release(r);
	return err;
}
