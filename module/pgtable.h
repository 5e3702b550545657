/* SPDX-License-Identifier: GPL-2.0 */
/* Page-table walking shared by the operations (pgtable.c). */
#ifndef VMXFER_PGTABLE_H
#define VMXFER_PGTABLE_H

#include <linux/mm_types.h>
#include <linux/spinlock.h>

pmd_t *vmxfer_find_pmd(struct mm_struct *mm, unsigned long addr,
		       unsigned long end, unsigned long *next);
pmd_t *vmxfer_dst_pmd(struct mm_struct *mm, unsigned long addr);
int vmxfer_pmd_verdict(pmd_t pmd);
void vmxfer_lock_src_ptl(spinlock_t *src, spinlock_t *dst) __acquires(src);
void vmxfer_unlock_src_ptl(spinlock_t *src, spinlock_t *dst) __releases(src);
void vmxfer_double_ptl_lock(spinlock_t *a, spinlock_t *b)
	__acquires(a) __acquires(b);
void vmxfer_double_ptl_unlock(spinlock_t *a, spinlock_t *b)
	__releases(a) __releases(b);

#endif /* VMXFER_PGTABLE_H */
