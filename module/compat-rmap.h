/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel-line differences of the anonymous rmap, swap cache and folio
 * split, as move uses them.  Split out of compat.h (included at its end,
 * after symbols.h) when that passed 1,000 lines.
 *
 * How a moved page is found again by the rmap (docs/next-ops.md §1.2):
 *  - 6.12 and later (VMXFER_MOVE_RELINK): the destination VMA gets its own
 *    anon_vma and the folio is relinked to it (folio_move_anon_rmap()),
 *    under the folio lock and the old anon_vma's root write lock.  Since
 *    6.8 every reader of an anonymous folio's ->mapping that does not hold
 *    the folio lock rechecks it after taking the anon_vma lock, so
 *    changing ->mapping is safe there.
 *  - 5.10 and 6.1: those readers do not recheck ->mapping (the race 6.8
 *    closed), so ->mapping must never change.  The destination VMA is
 *    instead linked to the source's anon_vmas (it shares the source's
 *    anon_vma, as a split-off part of the source would) and only the
 *    folio's index changes, under the same locks.  A folio whose anon_vma
 *    the destination VMA is not linked to cannot move there: -EBUSY.
 */
#ifndef VMXFER_COMPAT_RMAP_H
#define VMXFER_COMPAT_RMAP_H

#include <linux/huge_mm.h>
#include <linux/pagemap.h>

/* The anon_vma an anonymous, non-KSM page's ->mapping points to. */
static inline struct anon_vma *vmxfer_page_anon_vma(struct page *page)
{
	unsigned long m = (unsigned long)READ_ONCE(page->mapping);

#ifdef FOLIO_MAPPING_FLAGS
	return (struct anon_vma *)(m & ~FOLIO_MAPPING_FLAGS);
#else
	return (struct anon_vma *)(m & ~PAGE_MAPPING_FLAGS);
#endif
}

/* Is @vma linked to @anon_vma (one of its anon_vma_chain entries)? */
static inline bool vmxfer_vma_links(struct vm_area_struct *vma,
				    struct anon_vma *anon_vma)
{
	struct anon_vma_chain *avc;

	list_for_each_entry(avc, &vma->anon_vma_chain, same_vma)
		if (avc->anon_vma == anon_vma)
			return true;
	return false;
}

/*
 * Make @dst able to hold pages moved from @src (mmap_lock held for write,
 * both VMAs write-locked; no anon_vma or page-table lock held: this
 * allocates).
 */
static inline int vmxfer_move_prepare_dst(struct vm_area_struct *dst,
					  struct vm_area_struct *src)
{
	int ret;

	if (dst->anon_vma || !src->anon_vma)
		return 0;
#ifdef VMXFER_MOVE_RELINK
	ret = static_call(vmxfer___anon_vma_prepare)(dst);
#else
	/* Shares src's anon_vma: anon_vma_clone() links dst to its chain. */
	dst->anon_vma = src->anon_vma;
	ret = static_call(vmxfer_anon_vma_clone)(dst, src);
	if (ret)
		dst->anon_vma = NULL;	/* anon_vma_clone() unlinked the rest */
#endif
	return ret ? -ENOMEM : 0;
}

/*
 * Point the locked, exclusive anonymous @page (not large) at its new
 * place: @dst_vma at @addr.  The caller holds the page lock and the root
 * write lock of the page's anon_vma.  -EBUSY where the line cannot (see
 * above).
 */
static inline int vmxfer_move_rmap(struct page *page,
				   struct vm_area_struct *dst_vma,
				   unsigned long addr)
{
#ifdef VMXFER_MOVE_RELINK
	struct folio *folio = page_folio(page);

	if (!dst_vma->anon_vma)
		return -EBUSY;
	static_call(vmxfer_folio_move_anon_rmap)(folio, dst_vma);
	WRITE_ONCE(folio->index, linear_page_index(dst_vma, addr));
#else
	if (!vmxfer_vma_links(dst_vma, vmxfer_page_anon_vma(page)))
		return -EBUSY;
	WRITE_ONCE(page->index, linear_page_index(dst_vma, addr));
#endif
	return 0;
}

/*
 * Split the large folio of the locked @page (a reference held) into small
 * ones, as the kernel's split_folio(); -EBUSY (or -EAGAIN) if it is pinned
 * or referenced elsewhere.
 */
static inline int vmxfer_split_page(struct page *page)
{
#if KERNEL_VERSION(6, 12, 0) <= LINUX_VERSION_CODE
	return static_call(vmxfer_split_folio_to_list)(page_folio(page), NULL);
#else
	return static_call(vmxfer_split_huge_page_to_list)(page, NULL);
#endif
}

/* The swap-cache page of @entry, referenced, or NULL. */
static inline struct page *vmxfer_swapcache_page(swp_entry_t entry)
{
#if KERNEL_VERSION(7, 0, 0) <= LINUX_VERSION_CODE
	struct folio *folio = static_call(vmxfer_swap_cache_get_folio)(entry);
#elif KERNEL_VERSION(6, 1, 0) <= LINUX_VERSION_CODE
	struct folio *folio =
		static_call(vmxfer_swap_cache_get_folio)(entry, NULL, 0);
#endif
#if KERNEL_VERSION(6, 1, 0) <= LINUX_VERSION_CODE
	return folio ? &folio->page : NULL;
#else
	return static_call(vmxfer_lookup_swap_cache)(entry, NULL, 0);
#endif
}

/*
 * Is the swap entry in @pte referenced by no other page table?  The
 * exclusive bit since 5.19; on 5.10 its swap count (excluding the swap
 * cache's own reference) must be one.
 */
static inline bool vmxfer_move_swp_exclusive(pte_t pte, swp_entry_t entry)
{
#ifdef VMXFER_HAVE_ANON_EXCLUSIVE
	return pte_swp_exclusive(pte);
#else
	return static_call(vmxfer___swap_count)(entry) == 1;
#endif
}

/*
 * A swapped-in page still in the swap cache is exclusive on 5.10 only once
 * it leaves the cache (no swap entry refers to it any more, see
 * vmxfer_page_anon_exclusive()); drop it from the cache if that is so, as
 * 5.10's COW reuse does.  Page locked.  Since 5.19 the exclusive bit says
 * it, nothing to do.
 */
static inline void vmxfer_move_free_swap(struct page *page)
{
#ifndef VMXFER_HAVE_ANON_EXCLUSIVE
	if (PageSwapCache(page) && !PageCompound(page))
		static_call(vmxfer_try_to_free_swap)(page);
#endif
}

/*
 * May @page be pinned for DMA (or, before 5.19, by anyone through GUP with
 * FOLL_PIN)?  A pinned page must stay where its pinner mapped it.
 */
static inline bool vmxfer_move_maybe_pinned(struct page *page)
{
#ifdef VMXFER_FOLIO_RMAP
	return folio_maybe_dma_pinned(page_folio(page));
#else
	return page_maybe_dma_pinned(page);
#endif
}

/*
 * The root write lock of @anon_vma, as anon_vma_lock_write() takes it
 * (an inline of linux/rmap.h until 7.0, of mm/internal.h since).
 */
static inline void vmxfer_anon_vma_lock(struct anon_vma *anon_vma)
{
	down_write(&anon_vma->root->rwsem);
}

static inline void vmxfer_anon_vma_unlock(struct anon_vma *anon_vma)
{
	up_write(&anon_vma->root->rwsem);
}

/* In the swap cache? */
static inline bool vmxfer_page_swapcache(struct page *page)
{
#if KERNEL_VERSION(6, 1, 0) <= LINUX_VERSION_CODE
	return folio_test_swapcache(page_folio(page));
#else
	return PageSwapCache(page);
#endif
}

/* Mapped by any page table? */
static inline bool vmxfer_page_mapped(struct page *page)
{
#if KERNEL_VERSION(6, 1, 0) <= LINUX_VERSION_CODE
	return folio_mapped(page_folio(page));
#else
	return page_mapped(page);
#endif
}

/* Set the index of @page (a THP's head: its folio's), as rmap finds it by. */
static inline void vmxfer_page_set_index(struct page *page, pgoff_t index)
{
#if KERNEL_VERSION(6, 1, 0) <= LINUX_VERSION_CODE
	WRITE_ONCE(page_folio(page)->index, index);
#else
	WRITE_ONCE(page->index, index);
#endif
}

static inline int vmxfer_lock_page_killable(struct page *page)
{
#if KERNEL_VERSION(6, 1, 0) <= LINUX_VERSION_CODE
	return folio_lock_killable(page_folio(page));
#else
	return lock_page_killable(page);
#endif
}

#endif /* VMXFER_COMPAT_RMAP_H */
