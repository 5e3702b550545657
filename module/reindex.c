// SPDX-License-Identifier: GPL-2.0
/*
 * Re-indexing: give a private anonymous VMA another page offset (vm_pgoff)
 * while every page stays where it is mapped, so that the VMA can merge
 * with a neighbour whose offsets it then continues (merge.c; remap and
 * move may use it too).  An anonymous page's index must equal
 * linear_page_index() of the VMA and address it is mapped at, or the rmap
 * cannot find it (reclaim, migration, swap-in checks); so the VMA's key in
 * its anon_vma's interval tree and the index of each of its pages change
 * together, in one step no rmap walker can see half of.
 *
 * Index-only on every line: the pages keep their anon_vma (->mapping),
 * which 5.10 and 6.1 could not change safely (docs/next-ops.md §1.2).
 *
 * What may be re-indexed (else -EBUSY): a VMA linked to its own anon_vma
 * only (no fork ancestry: a fork child's pages are indexed in its parent's
 * VMA too), whose pages are all anonymous pages of that anon_vma (or the
 * zero page), exclusive to it (no fork relative or KSM shares them),
 * neither pinned nor referenced beyond their mappings and the swap cache
 * (a vmsplice'd page in a pipe, an O_DIRECT buffer in flight), and whose
 * swap entries are exclusive too; a swap-cache page of such an entry gets
 * its index rewritten like a mapped one (a stale index trips the swap-in
 * checks).  Migration entries and pages locked by someone else: -EAGAIN
 * after a few tries.
 *
 * Large folios: a PMD-mapped THP lies wholly in the VMA and keeps its
 * mapping; only its index changes (the kernel asks no alignment of an
 * anonymous THP's index: thp_vma_suitable_order() / 5.10's
 * transhuge_vma_suitable() check pgoff alignment for file VMAs only).  A
 * PTE-mapped large folio (a THP mremap(2) split across VMAs, an mTHP) and
 * a large folio in the swap cache are split into small folios first:
 * parts of one folio may sit in several VMAs, which cannot all keep one
 * index.  A split that fails (pinned, referenced) makes the VMA -EBUSY.
 *
 * Locking, with the caller's mmap_lock held for write:
 *  - the VMA write-locked (per-VMA-lock faults read vm_pgoff);
 *  - first pass, no other lock: splits (each under the folio's lock) and,
 *    on 5.10, dropping swap-cache copies of mapped pages (their cache
 *    membership makes them look shared there); counts the pages;
 *  - then the anon_vma's root write lock, which every anonymous rmap walk
 *    takes for read (all lines; 6.12 and 7.2 rmap walkers also hold the
 *    folio lock), the page-table locks one at a time, and under them each
 *    page's lock by trylock (order: folio lock before anon_vma lock, so
 *    never waiting for it here), kept until the end;
 *  - every check passes for the whole VMA before anything changes: then
 *    the tree is re-keyed (interval-tree remove, vm_pgoff, insert, as the
 *    kernel's anon_vma_interval_tree_pre/post_update_vma() do) and each
 *    locked page gets its new index.
 * Nothing allocates while the anon_vma lock is held (reclaim takes it).
 * With the mmap_lock for write, the VMA's page tables cannot change
 * meanwhile except through the rmap (excluded) and GUP-fast (a pin taken
 * after the check is harmless: the page does not move).
 */
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/pagemap.h>
#include <linux/rmap.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/swap.h>
#include <linux/swapops.h>

#include "compat.h"
#include "internal.h"
#include "pgtable.h"

/* How often a VMA is tried again when a page lock or migration is in the way. */
#define VMXFER_RX_TRIES		8

/* vmxfer_rx_walk(): a page to split or drop from the swap cache first. */
#define VMXFER_RX_WANT		1
/* vmxfer_rx_cached(): the page is kept (locked, referenced) for rewriting. */
#define VMXFER_RX_KEPT		2

enum vmxfer_rx_mode {
	VMXFER_RX_PREPARE,	/* split, (5.10) free swap, count */
	VMXFER_RX_LOCK,		/* check and lock every page */
};

struct vmxfer_rx_ent {
	struct page *page;	/* locked, referenced (a THP's head) */
	unsigned long addr;	/* where it is mapped, or its swap entry is */
};

struct vmxfer_rx {
	struct vm_area_struct *vma;
	struct anon_vma *anon_vma;
	enum vmxfer_rx_mode mode;
	unsigned long addr;	/* where the walk goes on */
	unsigned long count;	/* PREPARE: the pages LOCK will take */
	struct vmxfer_rx_ent *ent;
	unsigned long nr, max;
	struct page *want;	/* PREPARE: referenced, to split or free */
	unsigned long resume;	/* where to go on after ->want */
};

/* PREPARE: hand @page (a reference taken here) to vmxfer_rx_resolve(). */
static int vmxfer_rx_want(struct vmxfer_rx *rx, struct page *page,
			  unsigned long resume)
{
	page = compound_head(page);
	get_page(page);
	rx->want = page;
	rx->resume = resume;
	return VMXFER_RX_WANT;
}

/* Split ->want, or (5.10) drop it from the swap cache; no lock held. */
static int vmxfer_rx_resolve(struct vmxfer_rx *rx)
{
	struct page *page = rx->want;
	int ret = 0;

	rx->want = NULL;
	rx->addr = rx->resume;
	if (vmxfer_lock_page_killable(page)) {
		put_page(page);
		return -EINTR;
	}
	if (PageCompound(page))
		ret = vmxfer_split_page(page) ? -EBUSY : 0;
	else
		vmxfer_move_free_swap(page);
	unlock_page(page);
	put_page(page);
	return ret;
}

/* LOCK: keep @page (unreferenced) locked and referenced until the end. */
static int vmxfer_rx_hold(struct vmxfer_rx *rx, struct page *page,
			  unsigned long addr)
{
	if (rx->nr == rx->max || !trylock_page(page))
		return -EAGAIN;
	get_page(page);
	rx->ent[rx->nr].page = page;
	rx->ent[rx->nr].addr = addr;
	rx->nr++;
	return 0;
}

static void vmxfer_rx_release(struct vmxfer_rx *rx)
{
	while (rx->nr) {
		struct page *page = rx->ent[--rx->nr].page;

		unlock_page(page);
		put_page(page);
	}
}

/*
 * LOCK: the mapped anonymous @page (a THP's head when @pmd) at @addr: one
 * of the VMA's own, exclusive, unpinned and (small ones) referenced only
 * by its mapping and the swap cache.
 */
static int vmxfer_rx_take(struct vmxfer_rx *rx, struct page *page,
			  unsigned long addr, bool pmd)
{
	if (vmxfer_page_ksm(page) || vmxfer_page_anon_vma(page) != rx->anon_vma)
		return -EBUSY;
	if (!pmd && PageCompound(page))
		return -EAGAIN;		/* the first pass split it: again */
	if (!vmxfer_page_anon_exclusive(page, pmd) ||
	    vmxfer_move_maybe_pinned(page))
		return -EBUSY;
	if (!pmd && page_count(page) > 1 + vmxfer_page_swapcache(page))
		return -EBUSY;
	return vmxfer_rx_hold(rx, page, addr);
}

/*
 * LOCK: the swap-cache @page (referenced) of an entry at @addr.  An
 * anonymous one (mapped before) is kept, locked, with the reference, for
 * its index (VMXFER_RX_KEPT); one never mapped gets its index at swap-in.
 * Mapped anywhere (5.10: the swap count said nothing), KSM, another
 * anon_vma's: -EBUSY.
 */
static int vmxfer_rx_cached(struct vmxfer_rx *rx, struct page *page,
			    unsigned long addr)
{
	int ret = 0;

	if (PageCompound(page) || rx->nr == rx->max || !trylock_page(page))
		return -EAGAIN;
	if (PageAnon(page) && vmxfer_page_swapcache(page)) {
		if (vmxfer_page_anon_vma(page) != rx->anon_vma ||
		    vmxfer_page_ksm(page) || vmxfer_page_mapped(page)) {
			ret = -EBUSY;
		} else {
			rx->ent[rx->nr].page = page;
			rx->ent[rx->nr].addr = addr;
			rx->nr++;
			return VMXFER_RX_KEPT;
		}
	}
	unlock_page(page);
	return ret;
}

/*
 * A non-present PTE: a swap entry must be exclusive, and its swap-cache
 * page, if it is an anonymous one (mapped before), is re-indexed too; one
 * never mapped gets its index at swap-in.  Markers and poison carry no
 * index.  Migration: again later.  Device entries: -EBUSY.
 */
static int vmxfer_rx_swap(struct vmxfer_rx *rx, pte_t pte, unsigned long addr)
{
	swp_entry_t entry = vmxfer_leaf_from_pte(pte);
	struct page *page;
	int ret = 0;

	if (vmxfer_pte_is_migration(pte))
		return -EAGAIN;
	if (vmxfer_pte_pageless(pte))
		return 0;
	if (!vmxfer_pte_is_swap(pte) || !vmxfer_move_swp_exclusive(pte, entry))
		return -EBUSY;
	page = vmxfer_swapcache_page(entry);
	if (!page)
		return 0;
	if (rx->mode == VMXFER_RX_PREPARE) {
		if (PageCompound(page))
			ret = vmxfer_rx_want(rx, page, addr);
		else
			rx->count++;
	} else {
		ret = vmxfer_rx_cached(rx, page, addr);
		if (ret == VMXFER_RX_KEPT)
			return 0;
	}
	put_page(page);
	return ret;
}

static int vmxfer_rx_pte(struct vmxfer_rx *rx, pte_t pte, unsigned long addr)
{
	struct page *page;

	if (pte_none(pte))
		return 0;
	if (!pte_present(pte))
		return vmxfer_rx_swap(rx, pte, addr);
	page = static_call(vmxfer_vm_normal_page)(rx->vma, addr, pte);
	if (!page)
		return is_zero_pfn(pte_pfn(pte)) ? 0 : -EBUSY;
	if (!PageAnon(page))
		return -EBUSY;
	if (rx->mode == VMXFER_RX_LOCK)
		return vmxfer_rx_take(rx, page, addr, false);
	if (PageCompound(page))
		return vmxfer_rx_want(rx, page, addr);
	rx->count++;
#ifndef VMXFER_HAVE_ANON_EXCLUSIVE
	if (vmxfer_page_swapcache(page))
		return vmxfer_rx_want(rx, page, addr + PAGE_SIZE);
#endif
	return 0;
}

static int vmxfer_rx_ptes(struct vmxfer_rx *rx, pmd_t *pmd, pmd_t pmdval,
			  unsigned long addr, unsigned long end)
{
	struct mm_struct *mm = rx->vma->vm_mm;
	spinlock_t *ptl;	/* the table's, held across the entries */
	pte_t *start, *pte;
	int ret = 0;

	start = vmxfer_pte_map_nolock(mm, pmd, addr, &ptl);
	if (!start)
		return -EAGAIN;
	spin_lock(ptl);
	if (!pmd_same(pmdval, READ_ONCE(*pmd)))
		ret = -EAGAIN;
	for (pte = start; !ret && addr < end; pte++, addr += PAGE_SIZE)
		ret = vmxfer_rx_pte(rx, ptep_get(pte), addr);
	spin_unlock(ptl);
	pte_unmap(start);
	return ret;
}

/* A huge PMD: a THP (kept as it is), the huge zero page, or migrating. */
static int vmxfer_rx_pmd(struct vmxfer_rx *rx, pmd_t *pmd, unsigned long addr)
{
	spinlock_t *ptl = pmd_lock(rx->vma->vm_mm, pmd);
	pmd_t pmdval = READ_ONCE(*pmd);
	struct page *page;
	int ret = 0;

	if (pmd_none(pmdval))
		goto out;
	if (!pmd_present(pmdval) || !pmd_trans_huge(pmdval)) {
		ret = -EAGAIN;	/* migrating, or a table by now */
		goto out;
	}
	page = pmd_page(pmdval);
	if (!PageAnon(page))
		goto out;	/* the huge zero page */
	if (rx->mode == VMXFER_RX_PREPARE)
		rx->count++;
	else
		ret = vmxfer_rx_take(rx, page, addr & PMD_MASK, true);
out:
	spin_unlock(ptl);
	return ret;
}

/*
 * Walk the VMA from ->addr: 0 when done, VMXFER_RX_WANT (->want, ->resume
 * set), or an error.
 */
static int vmxfer_rx_walk(struct vmxfer_rx *rx)
{
	struct mm_struct *mm = rx->vma->vm_mm;
	unsigned long end = rx->vma->vm_end, next;
	pmd_t *pmd, pmdval;
	int ret;

	while (rx->addr < end) {
		pmd = vmxfer_find_pmd(mm, rx->addr, end, &next);
		if (!pmd) {
			rx->addr = next;
			continue;
		}
		next = pmd_addr_end(rx->addr, end);
		pmdval = READ_ONCE(*pmd);
		if (pmd_none(pmdval))
			ret = 0;
		else if (!pmd_present(pmdval) || pmd_trans_huge(pmdval))
			ret = vmxfer_rx_pmd(rx, pmd, rx->addr);
		else
			ret = vmxfer_rx_ptes(rx, pmd, pmdval, rx->addr, next);
		if (ret)
			return ret;
		rx->addr = next;
	}
	return 0;
}

/* Everything checked and locked: the new key, then the new indexes. */
static void vmxfer_rx_commit(struct vmxfer_rx *rx, pgoff_t pgoff)
{
	struct vm_area_struct *vma = rx->vma;
	struct anon_vma_chain *avc;
	unsigned long i;

	list_for_each_entry(avc, &vma->anon_vma_chain, same_vma) {
		struct rb_root_cached *root = &avc->anon_vma->rb_root;

		static_call(vmxfer_anon_vma_interval_tree_remove)(avc, root);
	}
	WRITE_ONCE(vma->vm_pgoff, pgoff);
	list_for_each_entry(avc, &vma->anon_vma_chain, same_vma) {
		struct rb_root_cached *root = &avc->anon_vma->rb_root;

		static_call(vmxfer_anon_vma_interval_tree_insert)(avc, root);
	}
	for (i = 0; i < rx->nr; i++)
		vmxfer_page_set_index(rx->ent[i].page,
				      linear_page_index(vma, rx->ent[i].addr));
}

/* One attempt: 0, -EAGAIN (try again) or an error; nothing changed unless 0. */
static int vmxfer_rx_try(struct vmxfer_rx *rx, pgoff_t pgoff)
{
	int ret;

	rx->mode = VMXFER_RX_PREPARE;
	rx->addr = rx->vma->vm_start;
	rx->count = 0;
	while ((ret = vmxfer_rx_walk(rx)) == VMXFER_RX_WANT) {
		ret = vmxfer_rx_resolve(rx);
		if (ret)
			return ret;
		cond_resched();
	}
	if (ret)
		return ret;

	/* Room for what may have come into the swap cache since. */
	rx->max = rx->count + 16;
	rx->ent = kvmalloc_array(rx->max, sizeof(*rx->ent), GFP_KERNEL);
	if (!rx->ent)
		return -ENOMEM;
	rx->nr = 0;
	rx->mode = VMXFER_RX_LOCK;
	rx->addr = rx->vma->vm_start;
	vmxfer_anon_vma_lock(rx->anon_vma);
	ret = vmxfer_rx_walk(rx);
	if (!ret)
		vmxfer_rx_commit(rx, pgoff);
	vmxfer_anon_vma_unlock(rx->anon_vma);
	vmxfer_rx_release(rx);
	kvfree(rx->ent);
	rx->ent = NULL;
	return ret;
}

/*
 * Give the private anonymous @vma the page offset @pgoff (see above).  The
 * caller holds the mmap_lock for write.  0, -EBUSY (the VMA or a page is
 * shared, pinned or cannot be split), -EAGAIN (pages locked or migrating
 * throughout), -ENOMEM or -EINTR; nothing changed unless 0.
 */
int vmxfer_reindex_vma(struct vm_area_struct *vma, pgoff_t pgoff)
{
	struct vmxfer_rx rx = { .vma = vma, .anon_vma = vma->anon_vma };
	int tries, ret;

	if (pgoff == vma->vm_pgoff)
		return 0;
	ret = vmxfer_vma_start_write(vma);
	if (ret)
		return ret;
	if (!rx.anon_vma) {
		/* Never faulted: no page has an index yet. */
		WRITE_ONCE(vma->vm_pgoff, pgoff);
		return 0;
	}
	if (!list_is_singular(&vma->anon_vma_chain) ||
	    rx.anon_vma->root != rx.anon_vma)
		return -EBUSY;
	for (tries = 0;; tries++) {
		ret = vmxfer_rx_try(&rx, pgoff);
		if (ret != -EAGAIN || tries == VMXFER_RX_TRIES)
			return ret;
		schedule_timeout_killable(1);
		if (fatal_signal_pending(current))
			return -EINTR;
	}
}
