/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel-line differences of page-table entries and their walks: the leaf
 * (swap, migration, device, marker) entries, swap-count duplication, mmu
 * notifier ranges, PTE maps without the lock, P4D allocation.  Split out
 * of compat.h (included at its end, after symbols.h) when that passed
 * 1,000 lines.
 */
#ifndef VMXFER_COMPAT_PGTABLE_H
#define VMXFER_COMPAT_PGTABLE_H

#include <linux/mmu_notifier.h>
#include <linux/swapops.h>

/*
 * Non-present, non-none PTEs: a swap entry proper, or one of migration,
 * device-private/-exclusive, a PTE marker (with its bits), poison.  The
 * leaf tests by their softleaf names, mapped onto the swp_entry_t ones
 * before 6.19.
 */
#ifdef VMXFER_SOFTLEAF
#define vmxfer_leaf_from_pte		softleaf_from_pte
#define vmxfer_leaf_is_swap		softleaf_is_swap
#define vmxfer_leaf_is_migration	softleaf_is_migration
#define vmxfer_leaf_is_dev_private	softleaf_is_device_private
#define vmxfer_leaf_is_dev_exclusive	softleaf_is_device_exclusive
#else
#define vmxfer_leaf_from_pte		pte_to_swp_entry
#define vmxfer_leaf_is_swap(entry)	(!non_swap_entry(entry))
#define vmxfer_leaf_is_migration	is_migration_entry
#define vmxfer_leaf_is_dev_private	is_device_private_entry
#define vmxfer_leaf_is_dev_exclusive	vmxfer_is_device_exclusive_entry
#endif

static inline bool vmxfer_pte_is_swap(pte_t pte)
{
	return vmxfer_leaf_is_swap(vmxfer_leaf_from_pte(pte));
}

static inline bool vmxfer_pte_is_migration(pte_t pte)
{
	return vmxfer_leaf_is_migration(vmxfer_leaf_from_pte(pte));
}

static inline bool vmxfer_pte_is_device(pte_t pte)
{
	swp_entry_t entry = vmxfer_leaf_from_pte(pte);

	return vmxfer_leaf_is_dev_private(entry) ||
	       vmxfer_leaf_is_dev_exclusive(entry);
}

/*
 * Pageless entries: no page and no swap slot, only a fact about the
 * address, which fork() copies to a child (copy_nonpresent_pte()):
 *  - hardware poison (SWP_HWPOISON, every line): copied as it is;
 *  - 6.1: a swap-in error (SWP_SWAPIN_ERROR): copied as it is;
 *  - PTE markers (6.0+): 6.1 has only PTE_MARKER_UFFD_WP, copied only into
 *    a VMA with uffd-wp; later lines ask copy_pte_marker(), which keeps
 *    PTE_MARKER_POISONED (the swap-in error and UFFDIO_POISON, 6.6+),
 *    PTE_MARKER_GUARD (MADV_GUARD_INSTALL, 6.13+) and uffd-wp only when
 *    the child has uffd-wp.  copy_pte_marker() arrived after 6.1 (6.2 best
 *    known; 6.1 and 6.12 are built).
 * vmxfer_pte_pageless(): is @pte one?  vmxfer_pageless_copy(): the entry a
 * child gets in @dst_vma (a none PTE: nothing), uffd-wp cleared unless
 * @dst_vma has uffd-wp (a clone's never has).
 */
#if KERNEL_VERSION(6, 2, 0) <= LINUX_VERSION_CODE
#define VMXFER_COPY_PTE_MARKER		1
#include <linux/mm_inline.h>
#endif

static inline bool vmxfer_pte_pageless(pte_t pte)
{
#ifdef VMXFER_SOFTLEAF
	softleaf_t entry = softleaf_from_pte(pte);

	return softleaf_is_marker(entry) || softleaf_is_hwpoison(entry);
#else
	swp_entry_t entry = pte_to_swp_entry(pte);

#if KERNEL_VERSION(6, 0, 0) <= LINUX_VERSION_CODE
	if (is_pte_marker_entry(entry))
		return true;
#endif
#ifndef VMXFER_COPY_PTE_MARKER
#if KERNEL_VERSION(6, 0, 0) <= LINUX_VERSION_CODE
	if (is_swapin_error_entry(entry))
		return true;
#endif
#endif
	return is_hwpoison_entry(entry);
#endif
}

static inline pte_t vmxfer_pageless_copy(pte_t pte,
					 struct vm_area_struct *dst_vma)
{
#if KERNEL_VERSION(6, 0, 0) <= LINUX_VERSION_CODE
	swp_entry_t entry = vmxfer_leaf_from_pte(pte);
#ifdef VMXFER_SOFTLEAF
	bool marker = softleaf_is_marker(entry);
#else
	bool marker = is_pte_marker_entry(entry);
#endif

	if (marker) {
#ifdef VMXFER_COPY_PTE_MARKER
		pte_marker m = copy_pte_marker(entry, dst_vma);

		return m ? make_pte_marker(m) : __pte(0);
#else
		return userfaultfd_wp(dst_vma) ? pte : __pte(0);
#endif
	}
#endif
	return userfaultfd_wp(dst_vma) ? pte : pte_swp_clear_uffd_wp(pte);
}

/*
 * VMAs whose page tables fork() copies although they have no anon_vma
 * (vma_needs_copy()): VM_MAYBE_GUARD, set by MADV_GUARD_INSTALL on 7.2
 * (guard markers are page-table state a fault cannot rebuild; an anonymous
 * VMA also gets an anon_vma).  Lines without the flag: 0.  When the flag
 * came, and how the releases between 6.13 and it treated a file mapping's
 * markers, is not checked: only 6.12 (no guard regions) and 7.2 are built.
 */
#ifdef VM_MAYBE_GUARD
#define VMXFER_VM_MAYBE_GUARD		VM_MAYBE_GUARD
#else
#define VMXFER_VM_MAYBE_GUARD		0
#endif

/*
 * One more reference to the swap entry of a swap PTE (PTE lock held).
 * -ENOMEM: the count needs more room, which vmxfer_swap_dup_extend() makes
 * where sleeping is allowed; then try again.  Other errors: a bad entry.
 */
static inline int vmxfer_swap_dup(swp_entry_t entry)
{
#ifdef VMXFER_SWAP_TABLE
	return static_call(vmxfer_swap_dup_entry_direct)(entry);
#else
	/* swap_duplicate() fails only when a continuation is needed. */
	return static_call(vmxfer_swap_duplicate)(entry) < 0 ? -ENOMEM : 0;
#endif
}

static inline int vmxfer_swap_dup_extend(swp_entry_t entry)
{
#ifdef VMXFER_SWAP_TABLE
	return static_call(vmxfer_swap_retry_table_alloc)(entry, GFP_KERNEL);
#else
	return static_call(vmxfer_add_swap_count_continuation)(entry,
								GFP_KERNEL);
#endif
}

/* May @mm grow by @npages of a mapping like @vma (RLIMIT_AS/DATA)? */
static inline bool vmxfer_may_expand_vm(struct mm_struct *mm,
					struct vm_area_struct *vma,
					unsigned long npages)
{
#ifdef VMXFER_MM_INTERNAL_DECLS
	return static_call(vmxfer_may_expand_vm)(mm, &vma->flags, npages);
#else
	return static_call(vmxfer_may_expand_vm)(mm, vma->vm_flags, npages);
#endif
}

/* mmu_notifier_range_init() lost its vma argument in 6.3. */
static inline void vmxfer_notifier_init_event(struct mmu_notifier_range *range,
					      enum mmu_notifier_event event,
					      struct vm_area_struct *vma,
					      unsigned long start,
					      unsigned long end)
{
#if KERNEL_VERSION(6, 3, 0) <= LINUX_VERSION_CODE
	mmu_notifier_range_init(range, event, 0, vma->vm_mm, start, end);
#else
	mmu_notifier_range_init(range, event, 0, vma, vma->vm_mm, start, end);
#endif
}

static inline void vmxfer_notifier_init(struct mmu_notifier_range *range,
					struct vm_area_struct *vma,
					unsigned long start, unsigned long end)
{
	vmxfer_notifier_init_event(range, MMU_NOTIFY_PROTECTION_PAGE, vma,
				   start, end);
}

/* The notifier calls, through static calls (the inlines call unexported code). */
static inline void vmxfer_notifier_start(struct mmu_notifier_range *range)
{
	if (mm_has_notifiers(range->mm))
		static_call(vmxfer___mmu_notifier_invalidate_range_start)(range);
}

static inline void vmxfer_notifier_end(struct mmu_notifier_range *range)
{
	if (!mm_has_notifiers(range->mm))
		return;
#if KERNEL_VERSION(6, 6, 0) <= LINUX_VERSION_CODE
	static_call(vmxfer___mmu_notifier_invalidate_range_end)(range);
#else
	static_call(vmxfer___mmu_notifier_invalidate_range_end)(range, false);
#endif
}

/*
 * Map the PTE table under @pmd and find its lock, without taking it; NULL
 * if the PMD is not a page table.  Since 6.5 the mapping holds the RCU read
 * lock until pte_unmap(): say so to sparse, as pte_offset_map_lock() does.
 * The callers recheck the PMD under the lock (the _rw_ variant's contract).
 */
#ifdef __cond_lock
#define vmxfer_cond_rcu(x)	__cond_lock(RCU, x)
#else
/* 7.x dropped sparse's __cond_lock (Clang's context analysis replaced it). */
#define vmxfer_cond_rcu(x)	(x)
#endif
#ifdef VMXFER_HAVE_PTE_MAP_RW_NOLOCK
#define vmxfer_pte_map_nolock(mm, pmd, addr, ptlp) ({			\
	pte_t *__pte;							\
	pmd_t __pmdval;							\
	vmxfer_cond_rcu(__pte = static_call(vmxfer_pte_offset_map_rw_nolock)\
					(mm, pmd, addr, &__pmdval, ptlp));\
	__pte;								\
})
#elif defined(VMXFER_HAVE_PTE_MAP_FNS)
#define vmxfer_pte_map_nolock(mm, pmd, addr, ptlp) ({			\
	pte_t *__pte;							\
	vmxfer_cond_rcu(__pte = static_call(vmxfer_pte_offset_map_nolock)\
					(mm, pmd, addr, ptlp));		\
	__pte;								\
})
#else
static inline pte_t *vmxfer_pte_map_nolock(struct mm_struct *mm, pmd_t *pmd,
					   unsigned long addr, spinlock_t **ptl)
{
	if (pmd_none(*pmd) || pmd_trans_huge(*pmd) || pmd_bad(*pmd))
		return NULL;
	*ptl = pte_lockptr(mm, pmd);
	return pte_offset_map(pmd, addr);
}
#endif

/*
 * A P4D table under @pgd.  Kernels without 5-level paging (Debian's 5.10:
 * X86_5LEVEL off) fold the P4D level: pgd_none() is never true there and
 * __p4d_alloc() is a header stub, not a kernel symbol.
 */
static inline int vmxfer_p4d_alloc(struct mm_struct *mm, pgd_t *pgd,
				   unsigned long addr)
{
#ifdef __PAGETABLE_P4D_FOLDED
	return 0;
#else
	return static_call(vmxfer___p4d_alloc)(mm, pgd, addr);
#endif
}

#endif /* VMXFER_COMPAT_PGTABLE_H */
