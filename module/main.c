// SPDX-License-Identifier: GPL-2.0
/*
 * vmxfer: the /dev/vmxfer misc device and its ioctl dispatch.
 *
 * The device has no per-open and no mutable global state: the feature set
 * is computed once at load, before the device is registered, and each
 * ioctl works only on its own argument struct.  Any number of users may
 * issue ioctls concurrently.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/init.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/uaccess.h>
#include <linux/utsname.h>
#include <linux/string.h>
#include <linux/mm.h>
#include <linux/huge_mm.h>

#include "compat.h"
#include "internal.h"
#include "version.h"

static u64 vmxfer_features __ro_after_init;
static u32 vmxfer_op_status[VMXFER_OP_COUNT] __ro_after_init;

static const char * const vmxfer_op_names[VMXFER_OP_COUNT] = {
	[VMXFER_OP_CLONE] = "clone",
	[VMXFER_OP_MOVE] = "move",
	[VMXFER_OP_REMAP] = "remap",
	[VMXFER_OP_SPLICE] = "splice",
	[VMXFER_OP_MERGE] = "merge",
};

static long vmxfer_ioctl_info(void __user *uarg)
{
	struct vmxfer_info info;
	u32 usize;
	int ret;

	ret = vmxfer_copy_args(&info, sizeof(info), VMXFER_INFO_SIZE_VER0,
			       uarg, &usize);
	if (ret)
		return ret;
	if (info.flags)
		return -EINVAL;

	memset(&info, 0, sizeof(info));
	info.abi_version = VMXFER_ABI_VERSION;
	info.nr_symbols = vmxfer_nr_symbols();
	info.features = vmxfer_features;
	memcpy(info.op_status, vmxfer_op_status, sizeof(vmxfer_op_status));
	strscpy(info.module_version, VMXFER_MODULE_VERSION,
		sizeof(info.module_version));
	strscpy(info.kernel_release, init_utsname()->release,
		sizeof(info.kernel_release));
	return vmxfer_copy_result(uarg, usize, &info, sizeof(info));
}

static long vmxfer_ioctl_symbol(void __user *uarg)
{
	struct vmxfer_symbol sym;
	u32 usize;
	int ret;

	ret = vmxfer_copy_args(&sym, sizeof(sym), VMXFER_SYMBOL_SIZE_VER0,
			       uarg, &usize);
	if (ret)
		return ret;
	if (sym.ops || sym.state || sym.kind || sym.__reserved ||
	    memchr_inv(sym.name, 0, sizeof(sym.name)))
		return -EINVAL;
	if (sym.index >= vmxfer_nr_symbols())
		return -ENOENT;

	vmxfer_symbol_report(sym.index, &sym);
	return vmxfer_copy_result(uarg, usize, &sym, sizeof(sym));
}

/* An operation ioctl: refused unless the op works on this kernel. */
static long vmxfer_ioctl_op(unsigned int op, void __user *uarg)
{
	if (!(vmxfer_features & BIT_ULL(op)))
		return -EOPNOTSUPP;

	switch (op) {
	case VMXFER_OP_CLONE:
		return vmxfer_ioctl_clone(uarg);
	case VMXFER_OP_SPLICE:
		return vmxfer_ioctl_splice(uarg);
	case VMXFER_OP_REMAP:
		return vmxfer_ioctl_remap(uarg);
	case VMXFER_OP_MOVE:
		return vmxfer_ioctl_move(uarg);
	case VMXFER_OP_MERGE:
		return vmxfer_ioctl_merge(uarg);
	default:
		return -EOPNOTSUPP;
	}
}

/*
 * Commands are matched on type, direction and number; the size encoded in
 * the command word is ignored because each struct carries its own size.
 */
static long vmxfer_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	if (_IOC_TYPE(cmd) != VMXFER_IOC_MAGIC ||
	    _IOC_DIR(cmd) != (_IOC_READ | _IOC_WRITE))
		return -ENOTTY;

	switch (_IOC_NR(cmd)) {
	case _IOC_NR(VMXFER_IOC_INFO):
		return vmxfer_ioctl_info(uarg);
	case _IOC_NR(VMXFER_IOC_SYMBOL):
		return vmxfer_ioctl_symbol(uarg);
	case _IOC_NR(VMXFER_IOC_CLONE):
		return vmxfer_ioctl_op(VMXFER_OP_CLONE, uarg);
	case _IOC_NR(VMXFER_IOC_MOVE):
		return vmxfer_ioctl_op(VMXFER_OP_MOVE, uarg);
	case _IOC_NR(VMXFER_IOC_REMAP):
		return vmxfer_ioctl_op(VMXFER_OP_REMAP, uarg);
	case _IOC_NR(VMXFER_IOC_SPLICE):
		return vmxfer_ioctl_op(VMXFER_OP_SPLICE, uarg);
	case _IOC_NR(VMXFER_IOC_MERGE):
		return vmxfer_ioctl_op(VMXFER_OP_MERGE, uarg);
	}
	return -ENOTTY;
}

static const struct file_operations vmxfer_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = vmxfer_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

/* 0600 without udev; tools/60-vmxfer.rules makes it 0660 root:vmxfer. */
static struct miscdevice vmxfer_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = VMXFER_DEVICE_NAME,
	.fops = &vmxfer_fops,
	.mode = 0600,
};

static void __init vmxfer_compute_features(void)
{
	unsigned int op;

	for (op = 0; op < VMXFER_OP_COUNT; op++) {
		u64 bit = BIT_ULL(op);

		if (!(VMXFER_OPS_BUILT & bit))
			vmxfer_op_status[op] = VMXFER_OPST_NOT_IMPLEMENTED;
		else if (!vmxfer_symbols_cover(bit))
			vmxfer_op_status[op] = VMXFER_OPST_MISSING_SYMBOL;
		else
			vmxfer_features |= bit;
	}
}

/* One kernel-log line: what works, and which symbols are missing. */
static void __init vmxfer_log_features(void)
{
	char avail[64] = "", missing[256];
	size_t used = 0;
	unsigned int op;

	for (op = 0; op < VMXFER_OP_COUNT; op++)
		if (vmxfer_features & BIT_ULL(op))
			used += scnprintf(avail + used, sizeof(avail) - used,
					  "%s%s", used ? "," : "",
					  vmxfer_op_names[op]);
	vmxfer_symbols_missing(missing, sizeof(missing), U64_MAX);
	pr_info("vmxfer: %s on %s: ops available: %s; missing symbols: %s\n",
		VMXFER_MODULE_VERSION, init_utsname()->release,
		used ? avail : "none", missing[0] ? missing : "none");
}

static int __init vmxfer_init(void)
{
	int ret;

	ret = vmxfer_symbols_init();
	if (ret)
		return ret;
	vmxfer_compute_features();
	vmxfer_log_features();
	return misc_register(&vmxfer_misc);
}

static void __exit vmxfer_exit(void)
{
	misc_deregister(&vmxfer_misc);
}

module_init(vmxfer_init);
module_exit(vmxfer_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Zero-copy memory transfer between and inside processes");
MODULE_VERSION(VMXFER_MODULE_VERSION);
