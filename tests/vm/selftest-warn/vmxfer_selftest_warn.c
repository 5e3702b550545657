// SPDX-License-Identifier: GPL-2.0
/*
 * Self-test module for tests/vm/run (see tests/vm/selftest): real kernel
 * reports, made on purpose, so the runner's kernel-log check is shown to
 * catch them.  At load, in this order:
 *  - warn (default on): WARN_ON(1), and the module loads fine, so only the
 *    kernel log shows that something is off: run must exit 125;
 *  - refcount=1: a refcount_t decremented to 0 ("refcount_t: decrement hit
 *    0; leaking memory." and a WARNING);
 *  - ubsan=1: an out-of-bounds array index, inside a struct so no memory
 *    outside it is read ("UBSAN: array-index-out-of-bounds", on kernels
 *    with CONFIG_UBSAN_BOUNDS; elsewhere nothing);
 *  - list=1, last: list_del() of an entry whose neighbours do not point
 *    back ("list_del corruption"); every Debian line has
 *    BUG_ON_DATA_CORRUPTION, so this is a BUG, an oops that kills insmod;
 *  - fail=1, alone: refuses to load (-ENODEV) without a report; used in
 *    place of vmxfer.ko, run's insmod must fail and run must exit 123.
 */
#include <linux/module.h>
#include <linux/bug.h>
#include <linux/errno.h>
#include <linux/list.h>
#include <linux/refcount.h>

static bool fail;
module_param(fail, bool, 0444);
MODULE_PARM_DESC(fail, "refuse to load (-ENODEV) instead of reporting");
static bool warn = true;
module_param(warn, bool, 0444);
MODULE_PARM_DESC(warn, "WARN_ON(1) at load (default on)");
static bool refcount;
module_param(refcount, bool, 0444);
MODULE_PARM_DESC(refcount, "decrement a refcount_t to 0");
static bool ubsan;
module_param(ubsan, bool, 0444);
MODULE_PARM_DESC(ubsan, "index an array out of bounds (UBSAN_BOUNDS)");
static bool list;
module_param(list, bool, 0444);
MODULE_PARM_DESC(list, "list_del() a corrupted entry: a BUG, insmod dies");

static struct {
	int a[4];
	int past;
} ub;
static volatile int ub_index = 4;

static int __init vmxfer_selftest_warn_init(void)
{
	refcount_t r = REFCOUNT_INIT(1);
	struct list_head x, y, e;

	if (fail)
		return -ENODEV;
	WARN_ON(warn);
	if (refcount)
		refcount_dec(&r);
	if (ubsan && IS_ENABLED(CONFIG_UBSAN_BOUNDS))
		pr_info("vmxfer_selftest_warn: ub.a[%d] = %d\n", ub_index, ub.a[ub_index]);
	if (list) {
		/* e sits between x and y, but neither points back at it. */
		INIT_LIST_HEAD(&x);
		INIT_LIST_HEAD(&y);
		e.prev = &x;
		e.next = &y;
		list_del(&e);
	}
	return 0;
}

static void __exit vmxfer_selftest_warn_exit(void)
{
}

module_init(vmxfer_selftest_warn_init);
module_exit(vmxfer_selftest_warn_exit);
MODULE_DESCRIPTION("vmxfer VM test harness self-test: real kernel reports at load");
MODULE_LICENSE("GPL");
