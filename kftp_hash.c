// SPDX-License-Identifier: GPL-2.0
/*
 * The destination's SHA-256 (KFTP_GET_F_SHA256), computed while the data
 * streams: each batch is hashed from the pages that the receive path
 * already holds, just before it is written, so no byte is copied for it
 * and none is read back. A resumed download first hashes the prefix that
 * the destination already holds, so that the digest covers the whole file.
 *
 * The crypto API's "sha256" picks the fastest implementation the CPU has
 * (sha256-ni, -avx2, ... or sha256-generic); the trace names it.
 *
 * The state belongs to the transfer, so a call that a stop interrupted
 * continues the digest where it stood; it ends with the transfer
 * (kftp_hash_free(), also from a kworker: nothing there uses current).
 */
#include <crypto/hash.h>
#include <crypto/sha2.h>
#include <linux/bvec.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "kftp_internal.h"

/* How much of a resumed file's prefix one read takes. */
#define KFTP_HASH_CHUNK		(256 * 1024)

int kftp_hash_start(struct kftp_xfer *x)
{
	struct crypto_shash *tfm;
	struct shash_desc *desc;
	int err;

	BUILD_BUG_ON(KFTP_SHA256_SIZE != SHA256_DIGEST_SIZE);

	if (!(x->args->flags & KFTP_GET_F_SHA256) || x->hash)
		return 0;
	tfm = crypto_alloc_shash("sha256", 0, 0);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	desc = kmalloc(sizeof(*desc) + crypto_shash_descsize(tfm), GFP_KERNEL);
	if (!desc) {
		err = -ENOMEM;
		goto out_free_tfm;
	}
	desc->tfm = tfm;
	err = crypto_shash_init(desc);
	if (err)
		goto out_free_desc;
	x->hash = desc;
	kftp_trace(&x->sess->ctrl, "* SHA-256 by %s\n",
		   crypto_shash_driver_name(tfm));
	return 0;

out_free_desc:
	kfree(desc);
out_free_tfm:
	crypto_free_shash(tfm);
	return err;
}

/*
 * Hash what a resumed destination holds before resume_offset. A signal or
 * max_time_ms stops it between reads; the restarted call goes on from
 * x->hash_pos. Past the file's end it hashes zeros: what the hole that
 * the first write makes will read as.
 */
int kftp_hash_prefix(struct kftp_xfer *x)
{
	u64 end = x->args->resume_offset;
	struct file *file;
	void *buf;
	int err = 0;

	if (!x->hash || x->hash_pos >= end)
		return 0;
	buf = kvmalloc(KFTP_HASH_CHUNK, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	/* Its own read-only open: the destination may be open O_WRONLY. */
	file = dentry_open(&x->dest, O_RDONLY | O_LARGEFILE, current_cred());
	if (IS_ERR(file)) {
		err = PTR_ERR(file);
		goto out_free;
	}
	while (x->hash_pos < end) {
		size_t want = min_t(u64, end - x->hash_pos, KFTP_HASH_CHUNK);
		loff_t pos = x->hash_pos;
		ssize_t n;

		if (signal_pending(current)) {
			err = -EINTR;
			break;
		}
		if (x->limit && time_after_eq(jiffies, x->limit)) {
			err = -ETIMEDOUT;
			break;
		}
		n = kernel_read(file, buf, want, &pos);
		if (n < 0) {
			err = n;
			break;
		}
		if (!n) {
			memset(buf, 0, want);
			n = want;
		}
		err = crypto_shash_update(x->hash, buf, n);
		if (err)
			break;
		x->hash_pos += n;
		cond_resched();
	}
	fput(file);
out_free:
	kvfree(buf);
	return err;
}

/* The bytes of a batch, about to be written: the two-copy path's buffer. */
int kftp_hash_data(struct kftp_xfer *x, const void *buf, size_t len)
{
	return x->hash ? crypto_shash_update(x->hash, buf, len) : 0;
}

/*
 * The one-copy path's batch: page references into the skbs, where a range
 * may span the pages of a compound page. Mapped a page at a time.
 */
int kftp_hash_bvecs(struct kftp_xfer *x, const struct bio_vec *bv,
		    unsigned int nr)
{
	unsigned int i;
	int err;

	if (!x->hash)
		return 0;
	for (i = 0; i < nr; i++) {
		struct page *page = nth_page(bv[i].bv_page,
					     bv[i].bv_offset >> PAGE_SHIFT);
		unsigned int off = offset_in_page(bv[i].bv_offset);
		unsigned int len = bv[i].bv_len;

		while (len) {
			unsigned int n = min_t(unsigned int, len, PAGE_SIZE - off);
			void *p = kmap_local_page(page);

			err = crypto_shash_update(x->hash, p + off, n);
			kunmap_local(p);
			if (err)
				return err;
			page = nth_page(page, 1);
			off = 0;
			len -= n;
		}
	}
	return 0;
}

/* The transfer succeeded: the digest, for the caller and the DONE event. */
int kftp_hash_final(struct kftp_xfer *x)
{
	int err;

	if (!x->hash)
		return 0;
	err = crypto_shash_final(x->hash, x->sha256);
	x->sha256_done = !err;
	return err;
}

void kftp_hash_free(struct kftp_xfer *x)
{
	struct shash_desc *desc = x->hash;
	struct crypto_shash *tfm;

	if (!desc)
		return;
	tfm = desc->tfm;
	x->hash = NULL;
	kfree_sensitive(desc);
	crypto_free_shash(tfm);
}
