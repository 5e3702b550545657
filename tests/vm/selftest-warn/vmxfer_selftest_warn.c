// SPDX-License-Identifier: GPL-2.0
/*
 * Self-test module for tests/vm/run (see tests/vm/selftest):
 *  - loaded plainly, it WARNs once and loads fine, so only the kernel log
 *    shows that something is off: run must exit 125;
 *  - loaded with fail=1, it refuses to load without a warning: used in place
 *    of vmxfer.ko, run's insmod must fail and run must exit 123.
 */
#include <linux/module.h>
#include <linux/bug.h>
#include <linux/errno.h>

static bool fail;
module_param(fail, bool, 0444);
MODULE_PARM_DESC(fail, "refuse to load (-ENODEV) instead of warning");

static int __init vmxfer_selftest_warn_init(void)
{
	if (fail)
		return -ENODEV;
	WARN_ON(1);
	return 0;
}

static void __exit vmxfer_selftest_warn_exit(void)
{
}

module_init(vmxfer_selftest_warn_init);
module_exit(vmxfer_selftest_warn_exit);
MODULE_DESCRIPTION("vmxfer VM test harness self-test: WARN_ON at load");
MODULE_LICENSE("GPL");
