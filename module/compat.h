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

#include <linux/mm.h>

/*
 * get_user_pages_remote() lost its "vmas" argument in 6.5
 * (ca5e863233e8, "mm/gup: remove vmas parameter from get_user_pages_remote()").
 * The caller holds mmap_read_lock(mm) throughout (locked == NULL).
 */
static inline long vmxfer_gup_remote(struct mm_struct *mm, unsigned long start,
				     unsigned long nr_pages,
				     unsigned int gup_flags, struct page **pages)
{
#if KERNEL_VERSION(6, 5, 0) > LINUX_VERSION_CODE
	return get_user_pages_remote(mm, start, nr_pages, gup_flags, pages,
				     NULL, NULL);
#else
	return get_user_pages_remote(mm, start, nr_pages, gup_flags, pages,
				     NULL);
#endif
}

#endif /* VMXFER_COMPAT_H */
