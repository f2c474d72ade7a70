// SPDX-License-Identifier: GPL-2.0
/*
 * The destination's SHA-256 (KFTP_GET_F_SHA256, and with
 * KFTP_GET_F_SERVER_SHA256 when the server offers a digest to compare
 * with), computed while the data streams: each batch is hashed from the
 * pages that the receive path already holds, just before it is written, so
 * no byte is copied for it and none is read back. A resumed download
 * first hashes the prefix that the destination already holds, read through
 * the transfer's own file (so only with the caller's read access to it),
 * so that the digest covers the whole file.
 *
 * The crypto API's "sha256" is its highest-priority implementation
 * (sha256-ni, -avx2, ... or sha256-generic); the trace names it.
 *
 * The state belongs to the transfer, so a call that a stop interrupted
 * continues the digest where it stood; it ends with the transfer
 * (kftp_hash_free(), also from a kworker: nothing there uses current).
 */
#include <crypto/hash.h>
#include <crypto/sha2.h>
#include <linux/bvec.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "kftp_internal.h"

/* How much of a resumed file's prefix one read takes, at most. */
#define KFTP_HASH_CHUNK		(256 * 1024)

/* The digest is read back from the file: it must be open for reading. */
static bool kftp_hash_prefix_readable(const struct kftp_xfer *x)
{
	return !x->args->resume_offset ||
	       (x->file && (x->file->f_mode & FMODE_READ) &&
		(x->file->f_mode & FMODE_CAN_READ));
}

int kftp_hash_start(struct kftp_xfer *x)
{
	bool asked = x->args->flags & KFTP_GET_F_SHA256;
	struct crypto_shash *tfm;
	struct shash_desc *desc;
	int err;

	BUILD_BUG_ON(KFTP_SHA256_SIZE != SHA256_DIGEST_SIZE);

	if (x->hash || (!asked && !kftp_server_hash_offered(x)))
		return 0;
	/*
	 * Asked for, the digest needs a prefix it can read (EBADF, as for a
	 * descriptor not open for writing); only for the server's check, it
	 * is skipped without one.
	 */
	if (!kftp_hash_prefix_readable(x))
		return asked ? -EBADF : 0;
	tfm = crypto_alloc_shash("sha256", 0, 0);
	if (IS_ERR(tfm)) {
		err = PTR_ERR(tfm);
		/* Not "no such file": this kernel has no SHA-256 to offer. */
		if (err == -ENOENT) {
			pr_warn_once("the crypto API has no sha256\n");
			err = -ENOPKG;
		}
		return err;
	}
	desc = kmalloc(sizeof(*desc) + crypto_shash_descsize(tfm),
		       GFP_KERNEL_ACCOUNT);
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
 * A page at a time: an implementation that uses the FPU keeps preemption
 * off for the length of one update.
 */
int kftp_hash_data(struct kftp_xfer *x, const void *buf, size_t len)
{
	size_t n;
	int err;

	if (!x->hash)
		return 0;
	while (len) {
		n = min_t(size_t, len, PAGE_SIZE);
		err = crypto_shash_update(x->hash, buf, n);
		if (err)
			return err;
		buf += n;
		len -= n;
	}
	return 0;
}

/*
 * Hash what a resumed destination holds before resume_offset, through the
 * transfer's file at a position of our own. A signal or max_time_ms stops
 * it between reads; the restarted call goes on from x->hash_pos. A file
 * shorter than resume_offset has no such prefix: ERANGE, as for a
 * resume_offset past the remote size.
 */
int kftp_hash_prefix(struct kftp_xfer *x)
{
	u64 end = x->args->resume_offset;
	size_t size;
	void *buf;
	int err = 0;

	if (!x->hash || x->hash_pos >= end)
		return 0;
	size = min_t(u64, end - x->hash_pos, KFTP_HASH_CHUNK);
	buf = kvmalloc(size, GFP_KERNEL_ACCOUNT);
	if (!buf)
		return -ENOMEM;
	while (x->hash_pos < end) {
		size_t want = min_t(u64, end - x->hash_pos, size);
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
		n = kernel_read(x->file, buf, want, &pos);
		if (n <= 0) {
			err = n ? n : -ERANGE;
			break;
		}
		err = kftp_hash_data(x, buf, n);
		if (err)
			break;
		x->hash_pos += n;
		cond_resched();
	}
	kvfree(buf);
	return err;
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

/*
 * The transfer succeeded: the digest, for the caller and the DONE event.
 * When nothing was fetched (SIZE said the file was complete), the hash
 * has not begun: it is the prefix's. Interrupted there, the restarted
 * call goes on with it (kftp_xfer_run() keeps the step).
 */
int kftp_hash_final(struct kftp_xfer *x)
{
	int err;

	/* Only for the server's check, a file not fetched is not hashed. */
	if (!x->hash && !(x->args->flags & KFTP_GET_F_SHA256))
		return 0;
	err = kftp_hash_start(x) ?: kftp_hash_prefix(x);
	if (err || !x->hash)
		return err;
	err = crypto_shash_final(x->hash, x->sha256);
	if (err)
		return err;
	x->sha256_done = true;
	kftp_trace(&x->sess->ctrl, "* SHA-256 of the data %*phN\n",
		   KFTP_SHA256_SIZE, x->sha256);
	return 0;
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
