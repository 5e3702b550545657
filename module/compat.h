/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernel lines vmxfer supports, in one place.
 *
 * Operation code is written against the newest API; this header maps older
 * kernels onto it.  Version checks are used where a feature probe is not
 * possible from a header; each one names the upstream change it follows.
 */
#ifndef VMXFER_COMPAT_H
#define VMXFER_COMPAT_H

#include <linux/version.h>

/* Oldest kernel line the module is written for. */
#if KERNEL_VERSION(5, 10, 0) > LINUX_VERSION_CODE
#error "vmxfer needs Linux 5.10 or later"
#endif

#endif /* VMXFER_COMPAT_H */
