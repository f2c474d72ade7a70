// SPDX-License-Identifier: GPL-2.0
/*
 * sha256_speed: which of the kernel's SHA-256s is fastest for kftp (issue
 * 23 asks crypto_shash and lib/crypto to be measured, and the faster
 * kept). Each is fed the same pages, one page an update, as kftp_hash.c
 * feeds it from the receive path:
 *   shash        the crypto API's "sha256": its highest-priority driver
 *                (what kftp uses: sha256-ni, -avx2, ... or sha256-generic)
 *   generic      the crypto API's "sha256-generic"
 *   lib          lib/crypto's sha256_update(), no crypto API
 * in interleaved rounds; loading prints each one's median MB/s, checks
 * that all three digests agree, and then fails on purpose (-EAGAIN), so
 * nothing stays loaded. Run by bench/sha256-speed/run.sh.
 */
#include <crypto/hash.h>
#include <crypto/sha2.h>
#include <linux/err.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#define MAX_ROUNDS	21

static unsigned int mib = 64;
module_param(mib, uint, 0444);
MODULE_PARM_DESC(mib, "MiB hashed per round (default 64)");
static unsigned int rounds = 5;
module_param(rounds, uint, 0444);
MODULE_PARM_DESC(rounds, "rounds per implementation, at most 21 (default 5)");

struct impl {
	const char *name;
	const char *driver;		/* crypto API name; NULL: lib/crypto */
	struct shash_desc *desc;
	u64 ns[MAX_ROUNDS];
	u8 digest[SHA256_DIGEST_SIZE];
};

static int impl_alloc(struct impl *im)
{
	struct crypto_shash *tfm;

	if (!im->driver)
		return 0;
	tfm = crypto_alloc_shash(im->driver, 0, 0);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	im->desc = kmalloc(sizeof(*im->desc) + crypto_shash_descsize(tfm),
			   GFP_KERNEL);
	if (!im->desc) {
		crypto_free_shash(tfm);
		return -ENOMEM;
	}
	im->desc->tfm = tfm;
	return 0;
}

static void impl_free(struct impl *im)
{
	if (!im->desc)
		return;
	crypto_free_shash(im->desc->tfm);
	kfree(im->desc);
	im->desc = NULL;
}

/* One round: the whole buffer, a page an update. */
static int impl_round(struct impl *im, const u8 *buf, size_t len, u64 *ns)
{
	struct sha256_state st;
	u64 t0 = ktime_get_ns();
	size_t off;
	int err = 0;

	if (im->desc)
		err = crypto_shash_init(im->desc);
	else
		sha256_init(&st);
	for (off = 0; !err && off < len; off += PAGE_SIZE) {
		if (im->desc)
			err = crypto_shash_update(im->desc, buf + off, PAGE_SIZE);
		else
			sha256_update(&st, buf + off, PAGE_SIZE);
		if (!(off & (SZ_1M - 1)))
			cond_resched();
	}
	if (err)
		return err;
	if (im->desc)
		err = crypto_shash_final(im->desc, im->digest);
	else
		sha256_final(&st, im->digest);
	*ns = ktime_get_ns() - t0;
	return err;
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static int __init sha256_speed_init(void)
{
	struct impl impls[] = {
		{ .name = "shash", .driver = "sha256" },
		{ .name = "generic", .driver = "sha256-generic" },
		{ .name = "lib" },
	};
	size_t len = (size_t)mib << 20;
	unsigned int r, i;
	u8 *buf;
	int err = 0;

	if (!mib || mib > 1024 || !rounds || rounds > MAX_ROUNDS)
		return -EINVAL;
	buf = vmalloc(len);
	if (!buf)
		return -ENOMEM;
	get_random_bytes(buf, len);
	for (i = 0; i < ARRAY_SIZE(impls) && !err; i++)
		err = impl_alloc(&impls[i]);
	if (err)
		goto out;
	pr_info("shash is %s; %u MiB a round, %u rounds, a page an update\n",
		crypto_shash_driver_name(impls[0].desc->tfm), mib, rounds);
	for (r = 0; r < rounds && !err; r++)
		for (i = 0; i < ARRAY_SIZE(impls) && !err; i++)
			err = impl_round(&impls[i], buf, len, &impls[i].ns[r]);
	if (err)
		goto out;
	for (i = 0; i < ARRAY_SIZE(impls); i++) {
		struct impl *im = &impls[i];
		u64 med;

		sort(im->ns, rounds, sizeof(im->ns[0]), cmp_u64, NULL);
		med = im->ns[rounds / 2];
		pr_info("%-8s %s median %llu MB/s (%llu-%llu)\n", im->name,
			im->desc ? crypto_shash_driver_name(im->desc->tfm) :
			"lib/crypto", div64_u64((u64)len * 1000, med),
			div64_u64((u64)len * 1000, im->ns[rounds - 1]),
			div64_u64((u64)len * 1000, im->ns[0]));
		if (memcmp(im->digest, impls[0].digest, SHA256_DIGEST_SIZE)) {
			pr_err("%s's digest differs from shash's\n", im->name);
			err = -EBADMSG;
		}
	}
out:
	for (i = 0; i < ARRAY_SIZE(impls); i++)
		impl_free(&impls[i]);
	vfree(buf);
	return err ?: -EAGAIN;
}
module_init(sha256_speed_init);

MODULE_DESCRIPTION("kftp bench: crypto_shash and lib/crypto SHA-256, side by side");
MODULE_LICENSE("GPL");
