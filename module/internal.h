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
#define VMXFER_OPS_BUILT	0ULL

int vmxfer_copy_args(void *karg, size_t ksize, size_t ver0,
		     const void __user *uarg, u32 *usize);
int vmxfer_copy_result(void __user *uarg, u32 usize, void *karg, size_t ksize);

#endif /* VMXFER_INTERNAL_H */
