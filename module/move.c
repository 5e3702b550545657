// SPDX-License-Identifier: GPL-2.0
/*
 * VMXFER_IOC_MOVE: move the caller's exclusively owned anonymous pages from
 * [src, src + len) to [dst, dst + len) by moving page-table entries, as
 * remap_anon_pages (Andrea Arcangeli, 2013) proposed and UFFDIO_MOVE (6.8)
 * does into userfaultfd-registered ranges.  No data is copied, read or
 * swapped in; the source reads as never touched afterwards.
 *
 * Strict: a populated destination entry is -EEXIST (nothing is ever
 * overwritten), a source hole -ENOENT unless VMXFER_MOVE_ALLOW_SRC_HOLES,
 * a page shared with another mapping (fork, KSM) or pinned -EBUSY.
 *
 * Locking, outermost first:
 *  - the caller's mmap_lock for write (excludes faults on lines without
 *    per-VMA locks, munmap, mprotect, madvise, khugepaged, swapoff's walk
 *    and other moves), and both VMAs write-locked (per-VMA-lock faults);
 *  - the page's lock, then the root write lock of its anon_vma (rmap
 *    walkers: see compat-rmap.h), taken with no page-table lock held;
 *  - the two page-table locks, lower address first;
 *  - under them, more pages of the same anon_vma, by trylock only.
 * Nothing allocates while an anon_vma lock is held (reclaim would take it
 * for read): tables and anon_vmas are prepared with only the mmap_lock.
 *
 * THPs: a whole, equally aligned one moves as its PMD (vmxfer_move_huge());
 * otherwise it is split, PMD then folio.
 *
 * Pages move in batches of up to a page table (vmxfer_move_batch()):
 * under one round of the locks above, entry by entry (cleared, pins
 * checked again, set at the destination), then one TLB flush.
 * Another thread of the caller that touches either range sees each page
 * at one place or the other (its fault waits on the mmap_lock or the VMA
 * lock), never lost.
 */
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/mmap_lock.h>
#include <linux/rmap.h>
#include <linux/sched/signal.h>
#include <linux/swap.h>
#include <linux/swapops.h>
#include <linux/uaccess.h>

#include "compat.h"
#include "internal.h"
#include "pgtable.h"

/* Private anonymous only, and nothing that pins pages where they are. */
#ifdef VM_SHADOW_STACK
#define VMXFER_MOVE_BAD_FLAGS	(VM_SHARED | VM_HUGETLB | VM_IO | VM_PFNMAP | \
				 VM_MIXEDMAP | VM_SHADOW_STACK)
#else
#define VMXFER_MOVE_BAD_FLAGS	(VM_SHARED | VM_HUGETLB | VM_IO | VM_PFNMAP | \
				 VM_MIXEDMAP)
#endif

/* What vmxfer_move_pte() needs done, with no lock held, before a retry. */
enum vmxfer_move_want {
	VMXFER_WANT_NOTHING,	/* just retry (the tables changed) */
	VMXFER_WANT_LOCK,	/* lock ->want (referenced) */
	VMXFER_WANT_SPLIT,	/* split ->want's large folio */
	VMXFER_WANT_WAIT,	/* an entry under migration: let it finish */
	VMXFER_WANT_TABLE,	/* allocate the destination's page table */
	VMXFER_WANT_PMD,	/* allocate the destination's levels above */
	VMXFER_WANT_ANON,	/* prepare the destination's anon_vma */
};

/* A whole THP moved as its PMD (6.12+): PMD_SIZE bytes, not a page. */
#define VMXFER_MOVED_PMD	1

struct vmxfer_move_ctx {
	struct mm_struct *mm;
	unsigned long left;		/* bytes still to move, from this page */
	struct vm_area_struct *src_vma;
	struct vm_area_struct *dst_vma;
	u32 flags;
	struct page *page;		/* locked and referenced, or NULL */
	struct anon_vma *anon_vma;	/* its anon_vma, root write-locked */
	struct page *want;		/* referenced, for WANT_LOCK/SPLIT */
	enum vmxfer_move_want why;
};

/* --- locks held across retries ------------------------------------------ */

static void vmxfer_move_release(struct vmxfer_move_ctx *c)
{
	if (c->anon_vma) {
		vmxfer_anon_vma_unlock(c->anon_vma);
		c->anon_vma = NULL;
	}
	if (c->page) {
		unlock_page(c->page);
		put_page(c->page);
		c->page = NULL;
	}
}

/*
 * Lock @page (referenced; the reference passes to the context) and, for an
 * anonymous page whose anon_vma the source VMA is linked to, that
 * anon_vma's root.  The anon_vma cannot go away meanwhile: the source VMA
 * keeps its chain while the mmap_lock is held for write.
 */
static int vmxfer_move_lock(struct vmxfer_move_ctx *c, struct page *page)
{
	struct anon_vma *anon_vma;

	vmxfer_move_release(c);
	if (vmxfer_lock_page_killable(page)) {
		put_page(page);
		return -EINTR;
	}
	c->page = page;
	vmxfer_move_free_swap(page);
	if (!PageAnon(page) || vmxfer_page_ksm(page))
		return 0;
	anon_vma = vmxfer_page_anon_vma(page);
	if (!vmxfer_vma_links(c->src_vma, anon_vma))
		return 0;	/* not the source's: the move says -EBUSY */
	vmxfer_anon_vma_lock(anon_vma);
	c->anon_vma = anon_vma;
	return 0;
}

/*
 * Under the page-table locks: lock @page without sleeping when the
 * anon_vma whose lock we hold is already its anon_vma (the pages of a
 * mapping share it).  Lock order is kept by trying only.  No reference is
 * taken: the entry mapping it holds one while the page-table lock is
 * held, and the page is unlocked before that lock is dropped.  False:
 * take the slow way (WANT_LOCK).  A page in the swap cache always does
 * (5.10 may drop it from the cache first).
 */
static bool vmxfer_move_trylock(struct vmxfer_move_ctx *c, struct page *page)
{
	return c->anon_vma && vmxfer_page_anon_vma(page) == c->anon_vma &&
	       !vmxfer_page_swapcache(page) && trylock_page(page);
}

/* Unlock a page trylocked under the page-table locks (not ->page). */
static void vmxfer_move_unlock(struct vmxfer_move_ctx *c, struct page *page)
{
	if (page && page != c->page)
		unlock_page(page);
}

/*
 * Split the large folio of @page (referenced), with no lock of ours held.
 * The split leaves the page it is given locked and holding the caller's
 * reference: the head, which the reference (a folio reference) is on.
 */
static int vmxfer_move_split(struct vmxfer_move_ctx *c, struct page *page)
{
	int ret;

	page = compound_head(page);
	vmxfer_move_release(c);
	if (vmxfer_lock_page_killable(page)) {
		put_page(page);
		return -EINTR;
	}
	ret = PageCompound(page) ? vmxfer_split_page(page) : 0;
	unlock_page(page);
	put_page(page);
	return ret ? -EBUSY : 0;
}

/* Do what the last try asked for; 0 to try again. */
static int vmxfer_move_resolve(struct vmxfer_move_ctx *c, unsigned long daddr)
{
	struct page *want = c->want;
	enum vmxfer_move_want why = c->why;
	pmd_t *pmd;

	c->want = NULL;
	c->why = VMXFER_WANT_NOTHING;
	if (fatal_signal_pending(current)) {
		if (want)
			put_page(want);
		return -EINTR;
	}
	switch (why) {
	case VMXFER_WANT_LOCK:
		return vmxfer_move_lock(c, want);
	case VMXFER_WANT_SPLIT:
		return vmxfer_move_split(c, want);
	case VMXFER_WANT_WAIT:
		/* Migration holds the page lock and may need our anon_vma's. */
		vmxfer_move_release(c);
		schedule_timeout_killable(1);
		return 0;
	case VMXFER_WANT_TABLE:
	case VMXFER_WANT_PMD:
		vmxfer_move_release(c);
		pmd = vmxfer_dst_pmd(c->mm, daddr);
		if (!pmd)
			return -ENOMEM;
		if (why == VMXFER_WANT_TABLE && pmd_none(*pmd) &&
		    static_call(vmxfer___pte_alloc)(c->mm, pmd))
			return -ENOMEM;
		return 0;
	case VMXFER_WANT_ANON:
		vmxfer_move_release(c);
		return vmxfer_move_prepare_dst(c->dst_vma, c->src_vma);
	default:
		cond_resched();
		return 0;
	}
}

static int vmxfer_move_want(struct vmxfer_move_ctx *c, struct page *page,
			    enum vmxfer_move_want why)
{
	if (page)
		get_page(page);
	c->want = page;
	c->why = why;
	return -EAGAIN;
}

/* --- one entry ----------------------------------------------------------- */

/* The page as it will be mapped at its new place. */
static pte_t vmxfer_move_mkpte(pte_t orig)
{
	return pte_mksoft_dirty(pte_clear_uffd_wp(orig));
}

/*
 * A non-present source entry: a swap entry moves without IO (its cached
 * page, if any, locked and re-indexed first); an entry under migration is
 * waited for; anything else (a guard or poison marker, a device entry) is
 * -EFAULT, as the kernel's UFFDIO_MOVE says.
 */
static int vmxfer_move_swap(struct vmxfer_move_ctx *c, pte_t *src_pte,
			    pte_t *dst_pte, unsigned long saddr,
			    unsigned long daddr, pte_t orig)
{
	swp_entry_t entry = vmxfer_leaf_from_pte(orig);
	struct page *page;
	int ret;

	if (vmxfer_pte_is_migration(orig))
		return vmxfer_move_want(c, NULL, VMXFER_WANT_WAIT);
	if (!vmxfer_pte_is_swap(orig))
		return -EFAULT;
	if (!vmxfer_move_swp_exclusive(orig, entry))
		return -EBUSY;
	/* A swap-in there adds the page to the VMA's anon_vma: it needs one. */
	if (!c->dst_vma->anon_vma)
		return vmxfer_move_want(c, NULL, VMXFER_WANT_ANON);
	page = vmxfer_swapcache_page(entry);
	if (page) {
		/* This lookup's reference is dropped; the lock holds its own. */
		if (PageCompound(page) || page != c->page) {
			ret = PageCompound(page) ? -EBUSY :
			      vmxfer_move_want(c, page, VMXFER_WANT_LOCK);
			put_page(page);
			return ret;
		}
		put_page(page);
		if (PageAnon(page)) {
			/* Mapped elsewhere (5.10: the count said nothing). */
			if (!c->anon_vma || vmxfer_page_mapped(page))
				return -EBUSY;
			ret = vmxfer_move_rmap(page, c->dst_vma, daddr);
			if (ret)
				return ret;
		}
	}
	pte_clear(c->mm, saddr, src_pte);
	set_pte_at(c->mm, daddr, dst_pte,
		   pte_swp_mksoft_dirty(pte_swp_clear_uffd_wp(orig)));
	return 0;
}

/*
 * Move the present source entry @orig at @saddr to @dst_pte at @daddr:
 * the zero page as it is; an anonymous page once it is locked with its
 * anon_vma (WANT_LOCK first), exclusive and unpinned.  Pins are checked
 * again after the entry is cleared (GUP-fast rechecks the entry after
 * pinning, so a pin taken before the clear is seen now), and the entry
 * is put back then.  The caller flushes the TLB.  0, -EAGAIN (->why says
 * what to do first) or an error, with the entry where it was.
 */
static int vmxfer_move_present(struct vmxfer_move_ctx *c, pte_t *src_pte,
			       pte_t *dst_pte, unsigned long saddr,
			       unsigned long daddr, pte_t orig)
{
	struct page *page;
	int ret = 0;

	page = static_call(vmxfer_vm_normal_page)(c->src_vma, saddr, orig);
	if (!page) {
		if (!is_zero_pfn(pte_pfn(orig)))
			return -EBUSY;
		goto move;
	}
	if (!PageAnon(page) || vmxfer_page_ksm(page))
		return -EBUSY;
	if (PageCompound(page))
		return vmxfer_move_want(c, page, VMXFER_WANT_SPLIT);
	if (!c->dst_vma->anon_vma)
		return vmxfer_move_want(c, NULL, VMXFER_WANT_ANON);
	if (page != c->page && !vmxfer_move_trylock(c, page))
		return vmxfer_move_want(c, page, VMXFER_WANT_LOCK);
	if (!c->anon_vma || !vmxfer_page_anon_exclusive(page, false) ||
	    vmxfer_move_maybe_pinned(page)) {
		ret = -EBUSY;
		goto out;
	}
move:
	orig = ptep_get_and_clear(c->mm, saddr, src_pte);
	if (page) {
		ret = vmxfer_move_maybe_pinned(page) ? -EBUSY :
		      vmxfer_move_rmap(page, c->dst_vma, daddr);
		if (ret) {
			set_pte_at(c->mm, saddr, src_pte, orig);
			goto out;
		}
	}
	set_pte_at(c->mm, daddr, dst_pte, vmxfer_move_mkpte(orig));
out:
	vmxfer_move_unlock(c, page);
	return ret;
}

/*
 * The entries from @saddr on, @n at most (within one page table at each
 * end and within both mappings), both page-table locks held: present ones
 * (and holes with ALLOW_SRC_HOLES) move until one does not simply, then
 * the TLB is flushed once.  Only the first entry may ask for something
 * (-EAGAIN) or fail: at a later one the batch ends, and it comes first in
 * the next.  A swap entry moves alone.  The bytes moved, or an error.
 */
static long vmxfer_move_batch(struct vmxfer_move_ctx *c, pte_t *src_pte,
			      pte_t *dst_pte, unsigned long saddr,
			      unsigned long daddr, unsigned long n)
{
	pte_t spte = ptep_get(src_pte);
	unsigned long i, off;
	long ret = 0;

	if (!pte_none(spte) && !pte_present(spte) &&
	    pte_none(ptep_get(dst_pte))) {
		/* A swap entry (or another kind) moves alone. */
		ret = vmxfer_move_swap(c, src_pte, dst_pte, saddr, daddr, spte);
		return ret ? ret : PAGE_SIZE;
	}
	for (i = 0; i < n; i++) {
		off = i << PAGE_SHIFT;
		spte = ptep_get(src_pte + i);
		if (!pte_none(ptep_get(dst_pte + i)))
			ret = -EEXIST;
		else if (pte_none(spte))
			ret = (c->flags & VMXFER_MOVE_ALLOW_SRC_HOLES) ? 0 :
			      -ENOENT;
		else if (pte_present(spte))
			ret = vmxfer_move_present(c, src_pte + i, dst_pte + i,
						  saddr + off, daddr + off,
						  spte);
		else
			break;	/* not at the first: in the next batch */
		if (ret)
			break;
	}
	if (!i)
		return ret;
	if (ret == -EAGAIN) {		/* for the next batch to ask */
		if (c->want)
			put_page(c->want);
		c->want = NULL;
		c->why = VMXFER_WANT_NOTHING;
	}
	static_call(vmxfer_flush_tlb_mm_range)(c->mm, saddr,
					       saddr + (i << PAGE_SHIFT),
					       PAGE_SHIFT, false);
	return i << PAGE_SHIFT;
}

/*
 * The destination PMD must be a page table (or none: WANT_TABLE).  A huge
 * or migrating one is a populated destination.
 */
static int vmxfer_move_dst_pmd(struct vmxfer_move_ctx *c, unsigned long daddr,
			       pmd_t **dst_pmd)
{
	unsigned long next;
	pmd_t pmdval;

	/* Allocating only with no lock held: see vmxfer_move_resolve(). */
	*dst_pmd = vmxfer_find_pmd(c->mm, daddr, daddr + PAGE_SIZE, &next);
	if (!*dst_pmd)
		return vmxfer_move_want(c, NULL, VMXFER_WANT_TABLE);
	pmdval = READ_ONCE(**dst_pmd);
	if (pmd_none(pmdval))
		return vmxfer_move_want(c, NULL, VMXFER_WANT_TABLE);
	if (!pmd_present(pmdval) || pmd_trans_huge(pmdval))
		return -EEXIST;
	return 0;
}

#ifdef VMXFER_MOVE_RELINK
/* The kernel's helper, called with the source PMD lock @ptl held, drops it. */
static int vmxfer_move_pmd_locked(struct vmxfer_move_ctx *c, spinlock_t *ptl,
				  pmd_t *dst_pmd, pmd_t *src_pmd,
				  unsigned long saddr, unsigned long daddr)
	__releases(ptl)
{
	int ret;

	ret = static_call(vmxfer_move_pages_huge_pmd)(c->mm, dst_pmd, src_pmd,
						      __pmd(0), c->dst_vma,
						      c->src_vma, daddr, saddr);
	__release(ptl);
	return ret;
}

/*
 * 6.12+: the kernel's move_pages_huge_pmd() (UFFDIO_MOVE's), which takes
 * the folio and anon_vma locks itself, rechecks exclusivity and pins
 * after clearing, moves the deposited table and relinks the folio.
 */
static int vmxfer_move_pmd(struct vmxfer_move_ctx *c, pmd_t *src_pmd,
			   pmd_t src_pmdval, pmd_t *dst_pmd,
			   unsigned long saddr, unsigned long daddr)
{
	spinlock_t *ptl;	/* the source PMD's; the helper releases it */
	int ret;

	vmxfer_move_release(c);	/* the helper sleeps on both */
	ptl = pmd_lock(c->mm, src_pmd);
	if (!pmd_same(src_pmdval, READ_ONCE(*src_pmd))) {
		spin_unlock(ptl);
		return vmxfer_move_want(c, NULL, VMXFER_WANT_NOTHING);
	}
	ret = vmxfer_move_pmd_locked(c, ptl, dst_pmd, src_pmd, saddr, daddr);
	if (ret == -EAGAIN || ret == -ENOENT)
		return vmxfer_move_want(c, NULL, VMXFER_WANT_NOTHING);
	return ret ?: VMXFER_MOVED_PMD;
}
#else
/*
 * 5.10 and 6.1 have no such helper: the same steps under this file's lock
 * order (the folio's lock and its anon_vma's by WANT_LOCK, then both PMD
 * locks), with the index-only rmap rewrite of compat-rmap.h.  A THP in the
 * swap cache is split instead (5.10 frees the swap of small pages only).
 */
static int vmxfer_move_pmd(struct vmxfer_move_ctx *c, pmd_t *src_pmd,
			   pmd_t src_pmdval, pmd_t *dst_pmd,
			   unsigned long saddr, unsigned long daddr)
{
	struct page *page = pmd_page(src_pmdval);	/* the head */
	spinlock_t *src_ptl, *dst_ptl;
	pgtable_t pgtable;
	pmd_t pmd;
	int ret;

	if (vmxfer_page_swapcache(page))
		return -ENOENT;
	if (page != c->page)
		return vmxfer_move_want(c, page, VMXFER_WANT_LOCK);
	src_ptl = pmd_lockptr(c->mm, src_pmd);
	dst_ptl = pmd_lockptr(c->mm, dst_pmd);
	vmxfer_double_ptl_lock(src_ptl, dst_ptl);
	if (!pmd_same(src_pmdval, READ_ONCE(*src_pmd)) ||
	    !pmd_none(READ_ONCE(*dst_pmd))) {
		ret = vmxfer_move_want(c, NULL, VMXFER_WANT_NOTHING);
		goto out;
	}
	if (!c->anon_vma || !vmxfer_page_anon_exclusive(page, true) ||
	    vmxfer_move_maybe_pinned(page)) {
		ret = -EBUSY;
		goto out;
	}
	pmd = pmdp_huge_get_and_clear(c->mm, saddr, src_pmd);
	static_call(vmxfer_flush_tlb_mm_range)(c->mm, saddr, saddr + PMD_SIZE,
					       PMD_SHIFT, false);
	ret = vmxfer_move_maybe_pinned(page) ? -EBUSY :
	      vmxfer_move_rmap(page, c->dst_vma, daddr);
	if (ret) {
		set_pmd_at(c->mm, saddr, src_pmd, pmd);
		goto out;
	}
	/* The table a split of it will need goes along. */
	pgtable = static_call(vmxfer_pgtable_trans_huge_withdraw)(c->mm, src_pmd);
	static_call(vmxfer_pgtable_trans_huge_deposit)(c->mm, dst_pmd, pgtable);
	set_pmd_at(c->mm, daddr, dst_pmd,
		   pmd_mksoft_dirty(pmd_clear_uffd_wp(pmd)));
	ret = VMXFER_MOVED_PMD;
out:
	vmxfer_double_ptl_unlock(src_ptl, dst_ptl);
	return ret;
}
#endif

/*
 * A whole, equally aligned anonymous THP whose PMD fits in both mappings
 * moves as its PMD, into a destination PMD that is none (vmxfer_move_pmd()
 * per line).  -ENOENT: not such a case, split it.  The huge zero page is
 * always split (the kernel's helper mishandled it before the 2024 fix:
 * CVE-2026-31397).
 */
static int vmxfer_move_huge(struct vmxfer_move_ctx *c, pmd_t *src_pmd,
			    pmd_t src_pmdval, unsigned long saddr,
			    unsigned long daddr)
{
	unsigned long next;
	pmd_t *dst_pmd;

	if (((saddr | daddr) & ~PMD_MASK) || c->left < PMD_SIZE ||
	    saddr + PMD_SIZE > c->src_vma->vm_end ||
	    daddr + PMD_SIZE > c->dst_vma->vm_end ||
	    !PageAnon(pmd_page(src_pmdval)))
		return -ENOENT;
	if (!c->dst_vma->anon_vma)
		return vmxfer_move_want(c, NULL, VMXFER_WANT_ANON);
	dst_pmd = vmxfer_find_pmd(c->mm, daddr, daddr + PMD_SIZE, &next);
	if (!dst_pmd)
		return vmxfer_move_want(c, NULL, VMXFER_WANT_PMD);
	if (!pmd_none(READ_ONCE(*dst_pmd)))
		return -ENOENT;	/* page by page: EEXIST where populated */
	return vmxfer_move_pmd(c, src_pmd, src_pmdval, dst_pmd, saddr, daddr);
}

/* A source hole of @span bytes: moved as nothing with ALLOW_SRC_HOLES. */
static long vmxfer_move_hole(struct vmxfer_move_ctx *c, unsigned long span)
{
	return (c->flags & VMXFER_MOVE_ALLOW_SRC_HOLES) ? (long)span : -ENOENT;
}

/*
 * Move the entries from @saddr to @daddr, @span bytes at most (within one
 * page table at each end): the bytes moved, -EAGAIN (with ->why saying
 * what to do first) or an error.  Allocates nothing.
 */
static long vmxfer_move_ptes(struct vmxfer_move_ctx *c, unsigned long saddr,
			     unsigned long daddr, unsigned long span)
{
	spinlock_t *src_ptl, *dst_ptl;	/* lower address first */
	pmd_t *src_pmd, *dst_pmd, src_pmdval, dst_pmdval;
	pte_t *src_pte, *dst_pte;
	unsigned long next;
	long ret;

	src_pmd = vmxfer_find_pmd(c->mm, saddr, saddr + PAGE_SIZE, &next);
	if (!src_pmd)
		return vmxfer_move_hole(c, span);
	src_pmdval = READ_ONCE(*src_pmd);
	if (pmd_none(src_pmdval))
		return vmxfer_move_hole(c, span);
	if (pmd_trans_huge(src_pmdval)) {
		ret = vmxfer_move_huge(c, src_pmd, src_pmdval, saddr, daddr);
		if (ret == VMXFER_MOVED_PMD)
			return PMD_SIZE;
		if (ret != -ENOENT)
			return ret;
	}
	if (!pmd_present(src_pmdval) || pmd_trans_huge(src_pmdval)) {
		/* A THP (or one migrating): split its mapping, then retry. */
		vmxfer_move_release(c);
		vmxfer_split_huge_pmd(c->src_vma, src_pmd, saddr);
		return vmxfer_move_want(c, NULL, VMXFER_WANT_NOTHING);
	}
	ret = vmxfer_move_dst_pmd(c, daddr, &dst_pmd);
	if (ret)
		return ret;
	dst_pmdval = READ_ONCE(*dst_pmd);

	dst_pte = vmxfer_pte_map_nolock(c->mm, dst_pmd, daddr, &dst_ptl);
	if (!dst_pte)
		return vmxfer_move_want(c, NULL, VMXFER_WANT_NOTHING);
	src_pte = vmxfer_pte_map_nolock(c->mm, src_pmd, saddr, &src_ptl);
	if (!src_pte) {
		pte_unmap(dst_pte);
		return vmxfer_move_want(c, NULL, VMXFER_WANT_NOTHING);
	}
	vmxfer_double_ptl_lock(src_ptl, dst_ptl);
	if (!pmd_same(src_pmdval, READ_ONCE(*src_pmd)) ||
	    !pmd_same(dst_pmdval, READ_ONCE(*dst_pmd)))
		ret = vmxfer_move_want(c, NULL, VMXFER_WANT_NOTHING);
	else
		ret = vmxfer_move_batch(c, src_pte, dst_pte, saddr, daddr,
					span >> PAGE_SHIFT);
	vmxfer_double_ptl_unlock(src_ptl, dst_ptl);
	pte_unmap(src_pte);
	pte_unmap(dst_pte);
	return ret;
}

/*
 * How far one batch may reach from @saddr/@daddr: to the end of the
 * range, of either page table, of either mapping.
 */
static unsigned long vmxfer_move_span(struct vmxfer_move_ctx *c,
				      unsigned long saddr, unsigned long daddr)
{
	unsigned long span = c->left;

	span = min(span, (saddr | ~PMD_MASK) + 1 - saddr);
	span = min(span, (daddr | ~PMD_MASK) + 1 - daddr);
	span = min(span, c->src_vma->vm_end - saddr);
	return min(span, c->dst_vma->vm_end - daddr);
}

/*
 * One batch, retried until something moved, or nothing can: the bytes
 * moved (a page table's worth at most), or an error.
 */
static long vmxfer_move_one(struct vmxfer_move_ctx *c, unsigned long saddr,
			    unsigned long daddr)
{
	unsigned long span = vmxfer_move_span(c, saddr, daddr);
	struct mmu_notifier_range range;
	long ret;

	vmxfer_notifier_init_event(&range, MMU_NOTIFY_CLEAR, c->src_vma, saddr,
				   saddr + span);
	for (;;) {
		vmxfer_notifier_start(&range);
		ret = vmxfer_move_ptes(c, saddr, daddr, span);
		vmxfer_notifier_end(&range);
		if (ret != -EAGAIN)
			return ret;
		ret = vmxfer_move_resolve(c, daddr);
		if (ret)
			return ret;
	}
}

/* --- ranges and mappings ------------------------------------------------- */

static int vmxfer_move_vma_ok(struct vm_area_struct *vma)
{
	if (!vma_is_anonymous(vma) || vma->vm_file ||
	    (vma->vm_flags & VMXFER_MOVE_BAD_FLAGS) ||
	    vmxfer_vma_is_secretmem(vma))
		return -EINVAL;
	if (vma->vm_flags & VMXFER_VM_SEALED)
		return -EPERM;
	return 0;
}

/*
 * The mappings holding @saddr and @daddr, checked as a pair: -EFAULT where
 * nothing is mapped, -EINVAL for a kind that cannot move or differing
 * protections or locking, -EPERM for a sealed one.
 */
static int vmxfer_move_vmas(struct vmxfer_move_ctx *c, unsigned long saddr,
			    unsigned long daddr)
{
	struct vm_area_struct *src = vmxfer_vma_lookup(c->mm, saddr);
	struct vm_area_struct *dst = vmxfer_vma_lookup(c->mm, daddr);
	int ret;

	if (!src || !dst)
		return -EFAULT;
	ret = vmxfer_move_vma_ok(src) ?: vmxfer_move_vma_ok(dst);
	if (ret)
		return ret;
	if (!(src->vm_flags & VM_WRITE) ||
	    (src->vm_flags & VM_ACCESS_FLAGS) != (dst->vm_flags & VM_ACCESS_FLAGS) ||
	    pgprot_val(src->vm_page_prot) != pgprot_val(dst->vm_page_prot) ||
	    (src->vm_flags & VM_LOCKED) != (dst->vm_flags & VM_LOCKED))
		return -EINVAL;
	if (src != c->src_vma) {
		ret = vmxfer_vma_start_write(src);
		if (ret)
			return ret;
	}
	if (dst != c->dst_vma) {
		ret = vmxfer_vma_start_write(dst);
		if (ret)
			return ret;
	}
	/*
	 * Link a never-faulted dst at once, even if no page moves: a first
	 * move (of a hole, say) prepares a userfaultfd-registered dst before
	 * its faults give it an anon_vma of its own, which 5.10 and 6.1
	 * could not move into.
	 */
	ret = vmxfer_move_prepare_dst(dst, src);
	if (ret)
		return ret;
	c->src_vma = src;
	c->dst_vma = dst;
	return 0;
}

/* Move [src, src + len) to dst; the bytes moved, or an error if none. */
static long vmxfer_move_range(struct vmxfer_move_ctx *c, unsigned long src,
			      unsigned long dst, unsigned long len)
{
	unsigned long done = 0, saddr, daddr;
	long ret = 0;

	while (done < len) {
		saddr = src + done;
		daddr = dst + done;
		if (saddr >= c->src_vma->vm_end || daddr >= c->dst_vma->vm_end ||
		    saddr < c->src_vma->vm_start ||
		    daddr < c->dst_vma->vm_start) {
			vmxfer_move_release(c);
			ret = vmxfer_move_vmas(c, saddr, daddr);
			if (ret)
				break;
		}
		c->left = len - done;
		ret = vmxfer_move_one(c, saddr, daddr);
		if (ret < 0)
			break;
		done += ret;
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		cond_resched();
	}
	vmxfer_move_release(c);
	return done ? (long)done : ret;
}

static long vmxfer_move_do(struct vmxfer_move *a)
{
	struct vmxfer_move_ctx c = {
		.mm = current->mm, .flags = a->flags,
	};
	long ret;

	if (mmap_write_lock_killable(c.mm))
		return -EINTR;
	ret = vmxfer_move_vmas(&c, a->src, a->dst);
	if (!ret)
		ret = vmxfer_move_range(&c, a->src, a->dst, a->len);
	mmap_write_unlock(c.mm);
	return ret;
}

long vmxfer_ioctl_move(void __user *uarg)
{
	struct vmxfer_move a;
	u32 usize;
	long ret;

	ret = vmxfer_copy_args(&a, sizeof(a), VMXFER_MOVE_SIZE_VER0, uarg,
			       &usize);
	if (ret)
		return ret;
	if (a.flags & ~VMXFER_MOVE_ALLOW_SRC_HOLES)
		return -EINVAL;
	if (!a.len || offset_in_page(a.src) || offset_in_page(a.dst) ||
	    offset_in_page(a.len) || a.len > TASK_SIZE ||
	    a.src > TASK_SIZE - a.len || a.dst > TASK_SIZE - a.len ||
	    (a.src < a.dst + a.len && a.dst < a.src + a.len))
		return -EINVAL;
	/* The struct must stay where the caller reads it back. */
	if (vmxfer_args_overlap(uarg, usize, sizeof(a), a.src, a.len) ||
	    vmxfer_args_overlap(uarg, usize, sizeof(a), a.dst, a.len))
		return -EINVAL;
	ret = vmxfer_probe_result(uarg, usize, &a, sizeof(a));
	if (ret)
		return ret;
	ret = vmxfer_move_do(&a);
	if (ret < 0)
		return ret;
	a.moved = ret;
	return vmxfer_copy_result(uarg, usize, &a, sizeof(a));
}
