// SPDX-License-Identifier: GPL-2.0
/*
 * kftp_leaky: proof that the debug lane (tests/debug/) catches what it is
 * for. On request it does the two bugs the lane must report:
 *
 *   leak=1  allocates one object and forgets it: kmemleak reports it as an
 *           unreferenced object once the module is gone;
 *   uaf=1   reads one byte of an object after kfree(): KASAN reports a
 *           use-after-free.
 *
 * Both happen at load time. Test-only: never built into kftp.ko, never
 * installed, never in the DKMS or Debian packages.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/slab.h>

static bool leak;
module_param(leak, bool, 0444);
MODULE_PARM_DESC(leak, "leak one allocation at load (kmemleak must report it)");

static bool uaf;
module_param(uaf, bool, 0444);
MODULE_PARM_DESC(uaf, "read freed memory at load (KASAN must report it)");

/* Where the leaked object's address lived; cleared to make it unreferenced. */
static void *kftp_leaky_last;

static noinline void kftp_leaky_leak(void)
{
	kftp_leaky_last = kmalloc(128, GFP_KERNEL);
	if (!kftp_leaky_last)
		return;
	memset(kftp_leaky_last, 0x6b, 128);
	/*
	 * Not printed: every stale copy of the address (printk's arguments
	 * spill to the stack) is one more place where kmemleak could find it.
	 */
	WRITE_ONCE(kftp_leaky_last, NULL);
	pr_info("leaked 128 bytes on request\n");
}

static noinline void kftp_leaky_uaf(void)
{
	char *p = kmalloc(64, GFP_KERNEL);

	if (!p)
		return;
	kfree(p);
	/* Keep the compiler from seeing (and dropping) the bad read. */
	OPTIMIZER_HIDE_VAR(p);
	pr_info("read after free: %d\n", READ_ONCE(p[8]));
}

static int __init kftp_leaky_init(void)
{
	if (leak)
		kftp_leaky_leak();
	if (uaf)
		kftp_leaky_uaf();
	return 0;
}

static void __exit kftp_leaky_exit(void)
{
}

module_init(kftp_leaky_init);
module_exit(kftp_leaky_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("test-only: one leak and one use-after-free for the kftp debug lane");
