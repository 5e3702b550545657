/* SPDX-License-Identifier: GPL-2.0 */
/* Declarations shared by vmxfer's source files. */
#ifndef VMXFER_INTERNAL_H
#define VMXFER_INTERNAL_H

#include <linux/types.h>
#include <linux/vmxfer.h>

/*
 * Operations built into this version of the module.  An operation's
 * feature bit is reported only when it is built, supported on the running
 * kernel line (compat.h) and all its symbols are resolved (symbols.h).
 */
#define VMXFER_OPS_BUILT	(VMXFER_FEAT_CLONE | VMXFER_FEAT_SPLICE | \
				 VMXFER_FEAT_REMAP)

int vmxfer_copy_args(void *karg, size_t ksize, size_t ver0,
		     const void __user *uarg, u32 *usize);
int vmxfer_copy_result(void __user *uarg, u32 usize, void *karg, size_t ksize);
int vmxfer_probe_result(void __user *uarg, u32 usize, const void *karg,
			size_t ksize);

struct mm_struct *vmxfer_target_mm(int pidfd);
long vmxfer_place_hint(unsigned long src, unsigned long dst, unsigned long len);

/* One handler per operation, one file each. */
long vmxfer_ioctl_clone(void __user *uarg);
long vmxfer_ioctl_splice(void __user *uarg);
long vmxfer_ioctl_remap(void __user *uarg);

#endif /* VMXFER_INTERNAL_H */
