// SPDX-License-Identifier: GPL-2.0
/*
 * VMXFER_IOC_CLONE: map a range of another process into the caller,
 * fork-style: the process_vm_mmap() proposal (2019).
 *
 * Each source VMA in the range gets a new VMA in the caller with the same
 * attributes, and page-table entries are copied as fork() copies them:
 * private anonymous and private file pages become copy-on-write between
 * the two processes, swap entries are duplicated (no swap-in), fully
 * covered and equally aligned anonymous THPs are shared as PMDs, and
 * entries holding no page (guard and poison markers, hardware poison) are
 * copied as fork() copies them.  Shared mappings copy nothing: their pages
 * come from the page cache on fault, as after fork(), unless they may hold
 * guard markers (VM_MAYBE_GUARD: their tables are copied, as fork does).
 * No data page is copied.
 *
 * The operation is done in three passes, all under the locks below:
 *   check:  every source VMA is checked for what would make the clone fail
 *           (refused kinds, the caller's policy, the map count); and, only
 *           where a later failure could not be undone whole (a FIXED
 *           destination replacing mappings, a clone from oneself), every
 *           page-table entry too (pinned or KSM pages, pages possibly
 *           mapped in the caller already); nothing changes;
 *   map:    the destination is made room for (FIXED unmaps there) and the
 *           new VMAs are inserted and given anon_vmas;
 *   copy:   entries are checked (unless the check pass did) and copied.
 *           A failure here (a refused page, allocation, a migration) unmaps
 *           the new VMAs again, leaving the source with only
 *           write-protection changes: one pass over the pages, as fork.
 *
 * Locking, taken in this order:
 *   - both mmap_locks for write, one waited for (killably) and the other
 *     only tried, never a wait with the other held (vmxfer_lock_mms());
 *   - on per-VMA-lock kernels, vma_start_write() on every source VMA, so no
 *     fault runs in the range under a VMA lock alone (new VMAs are write
 *     locked by insert_vm_struct());
 *   - the source's write_protect_seq, from the check to the end of the
 *     copy, so GUP-fast in the source cannot pin a page between the check
 *     and the copy (it falls back to GUP, which waits for the mmap_lock);
 *   - per page table, the destination's PTE/PMD lock, then the source's,
 *     nested, as copy_pte_range() does.
 */
#include <linux/mm.h>
#include <linux/err.h>
#include <linux/delay.h>
#include <linux/file.h>
#include <linux/mempolicy.h>
#include <linux/mman.h>
#include <linux/mmap_lock.h>
#include <linux/rmap.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/swap.h>
#include <linux/swapops.h>
#include <linux/uaccess.h>
#include <linux/userfaultfd_k.h>

#include "compat.h"
#include "internal.h"
#include "pgtable.h"

/* Flags the new VMA does not inherit; it gets VM_SOFTDIRTY instead. */
#define VMXFER_CLONE_DROP (VMXFER_VM_LOCKED_MASK | VMXFER_VM_UFFD_FLAGS |	\
			   VM_MERGEABLE | VM_WIPEONFORK | VM_DONTCOPY |	\
			   VM_GROWSDOWN | VM_GROWSUP | VMXFER_VM_SEALED)

/* Retries of the whole operation when a page was under migration. */
#define VMXFER_CLONE_RETRIES	20

struct vmxfer_clone_ctx {
	struct mm_struct *src_mm;
	struct mm_struct *dst_mm;
	unsigned long src;	/* source range, page aligned */
	unsigned long len;
	long delta;		/* destination address - source address */
	bool check;		/* the check pass: change nothing */
	bool one_pass;		/* the copy pass checks each entry itself */
	bool any_related;	/* some source VMA is related to dst_mm */
	bool self;		/* cloning from the caller's own mm */
	bool related;		/* this VMA's anon_vma tree reaches dst_mm */
	bool pages_ok;		/* check: no present page here can be refused */
	bool out_failed;	/* the result could not be written: undone */
	struct vm_area_struct *dst_vma;	/* copy: the new VMA being filled */
	swp_entry_t cont;	/* swap entry needing a count continuation */
	struct vmxfer_lsm_set lsm;	/* source mappings the LSMs approved */
	struct vmxfer_roots roots;	/* anon_vma roots of dst_mm */
	struct vmxfer_clone *args;	/* the caller's struct, as read */
	void __user *uarg;
	u32 usize;
};

/* --- mm locks ---------------------------------------------------------- */

/*
 * Take both mmap_locks for write without ever sleeping uninterruptibly on
 * one while holding the other.  vmxfer is the only code that holds one live
 * mm's mmap_lock while waiting for another's: if the other is held by a
 * task that waits for something the holder of the first serves (a FUSE
 * daemon thread in the caller answering a read that a /proc/PID/mem reader
 * of the target faults on while holding the target's lock), an
 * uninterruptible wait would keep the caller in D state and the FUSE file
 * open.  So: one lock is waited for (killably), the other only tried; when
 * the try fails, the held one is dropped and the busy one waited for
 * instead, and the other tried in turn.  Each round sleeps in a killable
 * wait, so a fatal signal ends the loop (-EINTR).  Trylocks are not part of
 * lockdep's ordering checks, and no lock is ever waited for with another
 * mmap_lock held, so no nesting annotation is needed.
 */
static int vmxfer_lock_mms(struct mm_struct *a, struct mm_struct *b)
{
	if (a == b)
		return mmap_write_lock_killable(a) ? -EINTR : 0;
	for (;;) {
		if (mmap_write_lock_killable(a))
			return -EINTR;
		if (vmxfer_mmap_write_trylock(b))
			return 0;
		mmap_write_unlock(a);
		swap(a, b);	/* now wait for the busy one */
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
}

static void vmxfer_unlock_mms(struct mm_struct *a, struct mm_struct *b)
{
	if (a != b)
		mmap_write_unlock(b);
	mmap_write_unlock(a);
}

/* --- checks ------------------------------------------------------------ */

/* Can this kind of mapping be cloned at all? */
static int vmxfer_clone_vma_ok(struct vm_area_struct *vma)
{
	if (vma->vm_flags & (VM_HUGETLB | VM_IO | VM_PFNMAP | VM_MIXEDMAP |
			     VM_DONTEXPAND))
		return -EINVAL;
	/*
	 * Special mappings (vdso, vvar, uprobes) and mappings a driver
	 * counts (SysV shm) have open/close/mremap hooks.
	 */
	if (vma->vm_ops && (vma->vm_ops->open || vma->vm_ops->close ||
			    vma->vm_ops->mremap))
		return -EINVAL;
	if (userfaultfd_armed(vma) || vma_is_dax(vma))
		return -EINVAL;
	/* memfd_secret(2) memory is off limits even to ptrace. */
	if (vmxfer_vma_is_secretmem(vma))
		return -EINVAL;
	return 0;
}

/*
 * Does the caller's mm hold a VMA in the same anon_vma tree as @vma (a fork
 * relative, an earlier clone, or the caller itself)?  Then an anonymous page
 * of @vma that is not exclusive may already be mapped in the caller.
 */
static bool vmxfer_clone_related(struct vmxfer_clone_ctx *c,
				 struct vm_area_struct *vma)
{
	if (!vma->anon_vma)
		return false;
	if (c->self)
		return true;
	return vmxfer_roots_has(&c->roots, vma->anon_vma->root);
}

/*
 * The double-map rule: an anonymous page must never be mapped twice in one
 * mm.  Refused (EBUSY): KSM pages, anything when cloning from oneself, a
 * non-exclusive page when the caller is related, and exclusive pages that
 * may be DMA-pinned (fork would copy those; vmxfer copies no data).
 */
static int vmxfer_check_anon(struct vmxfer_clone_ctx *c,
			     struct vm_area_struct *vma, struct page *page,
			     bool pmd)
{
	if (c->self || vmxfer_page_ksm(page))
		return -EBUSY;
	if (vmxfer_page_anon_exclusive(page, pmd))
		return vmxfer_page_maybe_pinned(vma, page) ? -EBUSY : 0;
	if (c->related)
		return -EBUSY;
	return vmxfer_shared_page_maybe_pinned(vma, page) ? -EBUSY : 0;
}

/*
 * The double-map rule alone, for the copy pass checking as it goes: may
 * the anonymous @page already be mapped in the caller?  (Its KSM and pin
 * questions are asked by the copy itself; a clone from oneself always has
 * a check pass.)
 */
static bool vmxfer_maybe_mapped(struct vmxfer_clone_ctx *c, struct page *page,
				bool pmd)
{
	return c->related && !vmxfer_page_anon_exclusive(page, pmd);
}

/*
 * A non-present entry that is not a swap entry.  Migration: retry later
 * (EAGAIN); device-private or -exclusive: EBUSY; a pageless entry (guard,
 * poison or uffd-wp marker, hardware poison, swap-in error): copied as
 * fork() copies it (vmxfer_pageless_copy()), so the caller faults there
 * as the target does (SIGSEGV at a guard, SIGBUS at poison); anything
 * else, unknown to this module: EIO.
 */
static int vmxfer_nonswap_verdict(pte_t pte)
{
	if (vmxfer_pte_is_migration(pte))
		return -EAGAIN;
	if (vmxfer_pte_is_device(pte))
		return -EBUSY;
	if (vmxfer_pte_pageless(pte))
		return 0;
	return -EIO;
}

/*
 * Does the clone copy @vma's page tables?  As fork's vma_needs_copy():
 * when it has anonymous pages, or may hold guard markers; otherwise faults
 * fill the new VMA.
 */
static bool vmxfer_clone_copies(struct vm_area_struct *vma)
{
	return vma->anon_vma || (vma->vm_flags & VMXFER_VM_MAYBE_GUARD);
}

static int vmxfer_check_pte(struct vmxfer_clone_ctx *c,
			    struct vm_area_struct *vma, unsigned long addr,
			    pte_t pte)
{
	struct page *page;

	if (pte_none(pte))
		return 0;
	if (!pte_present(pte)) {
		if (!vmxfer_pte_is_swap(pte))
			return vmxfer_nonswap_verdict(pte);
		if (c->self || (c->related && !vmxfer_swp_exclusive(pte)))
			return -EBUSY;
		return 0;
	}
	if (c->pages_ok)
		return 0;
	page = static_call(vmxfer_vm_normal_page)(vma, addr, pte);
	if (!page || !PageAnon(page))
		return 0;
	return vmxfer_check_anon(c, vma, page, false);
}

/*
 * Can no present page of @vma be refused, so that the check pass need not
 * look at any struct page (the cost that made clone dearer than fork's own
 * copy)?  vmxfer_check_anon() refuses a page only when cloning from
 * oneself or from a related mm, for KSM (in VM_MERGEABLE VMAs: clearing
 * the flag unmerges), or when it may be DMA-pinned, which needs the mm's
 * has-ever-pinned flag.  New pins cannot appear meanwhile: GUP-fast backs
 * off on write_protect_seq, GUP waits for the mmap_lock.  The copy pass
 * asks the pin and KSM questions again per page: the rare KSM page outside
 * a mergeable VMA (swapped out while merged, swapped in after the flag
 * went) fails the clone there (EBUSY, undone).  Non-present entries are
 * still checked one by one.
 */
static bool vmxfer_clone_pages_ok(struct vmxfer_clone_ctx *c,
				  struct vm_area_struct *vma)
{
	return !c->self && !c->related && !(vma->vm_flags & VM_MERGEABLE) &&
	       !vmxfer_mm_ever_pinned(c->src_mm);
}

/* --- copy ---------------------------------------------------------------- */

static int vmxfer_copy_swap_pte(struct vmxfer_clone_ctx *c, pte_t *src_pte,
				pte_t *dst_pte, unsigned long addr, pte_t pte,
				int *rss)
{
	swp_entry_t entry = vmxfer_leaf_from_pte(pte);
	int ret;

	if (!vmxfer_pte_is_swap(pte)) {
		ret = vmxfer_nonswap_verdict(pte);
		if (ret)
			return ret;
		pte = vmxfer_pageless_copy(pte, c->dst_vma);
		if (!pte_none(pte))
			set_pte_at(c->dst_mm, addr + c->delta, dst_pte, pte);
		return 0;
	}
	ret = vmxfer_swap_dup(entry);
	if (ret == -ENOMEM)
		c->cont = entry;
	if (ret)
		return -EIO;
	/* Swapoff finds the caller's entries through the mmlist. */
	if (unlikely(list_empty(&c->dst_mm->mmlist))) {
		spin_lock(vx_mmlist_lock);
		if (list_empty(&c->dst_mm->mmlist))
			list_add(&c->dst_mm->mmlist, &c->src_mm->mmlist);
		spin_unlock(vx_mmlist_lock);
	}
	if (vmxfer_swp_exclusive(pte)) {
		pte = vmxfer_swp_clear_exclusive(pte);
		set_pte_at(c->src_mm, addr, src_pte, pte);
	}
	rss[MM_SWAPENTS]++;
	set_pte_at(c->dst_mm, addr + c->delta, dst_pte,
		   pte_swp_clear_uffd_wp(pte));
	return 0;
}

static int vmxfer_copy_pte(struct vmxfer_clone_ctx *c,
			   struct vm_area_struct *vma, pte_t *src_pte,
			   pte_t *dst_pte, unsigned long addr, int *rss)
{
	pte_t pte = ptep_get(src_pte);
	struct page *page;
	int ret;

	if (pte_none(pte))
		return 0;
	if (!pte_present(pte)) {
		ret = c->one_pass ? vmxfer_check_pte(c, vma, addr, pte) : 0;
		return ret ?: vmxfer_copy_swap_pte(c, src_pte, dst_pte, addr,
						   pte, rss);
	}
	if (c->self)
		return 0;	/* no anonymous page (see check): faults refill */

	page = static_call(vmxfer_vm_normal_page)(vma, addr, pte);
	if (page && PageAnon(page)) {
		if (c->one_pass && vmxfer_maybe_mapped(c, page, false))
			return -EBUSY;
		if (vmxfer_page_ksm(page) ||
		    vmxfer_dup_anon(page, false, c->dst_vma, vma))
			return -EBUSY;
		rss[MM_ANONPAGES]++;
	} else if (page) {
		vmxfer_dup_file_pte(page, c->dst_vma);
		rss[vmxfer_mm_counter(page)]++;
	}
	if (vmxfer_is_cow_mapping(vma->vm_flags) && pte_write(pte)) {
		ptep_set_wrprotect(c->src_mm, addr, src_pte);
		pte = pte_wrprotect(pte);
	}
	pte = pte_clear_uffd_wp(pte_mkold(pte));
	set_pte_at(c->dst_mm, addr + c->delta, dst_pte, pte);
	return 0;
}

static void vmxfer_add_rss(struct mm_struct *mm, int *rss)
{
	int i;

	for (i = 0; i < NR_MM_COUNTERS; i++)
		vmxfer_add_mm_counter(mm, i, rss[i]);
}

/* Check [addr, end) of one source page table. */
static int vmxfer_check_ptes(struct vmxfer_clone_ctx *c,
			     struct vm_area_struct *vma, pmd_t *src_pmd,
			     unsigned long addr, unsigned long end)
{
	spinlock_t *ptl;	/* the source table's, held while checking */
	pmd_t pmdval = READ_ONCE(*src_pmd);
	pte_t *pte, *orig;
	int ret = 0;

	orig = vmxfer_pte_map_nolock(c->src_mm, src_pmd, addr, &ptl);
	if (!orig)
		return vmxfer_pmd_verdict(pmdval);
	spin_lock(ptl);
	if (unlikely(!pmd_same(pmdval, READ_ONCE(*src_pmd))))
		ret = -EAGAIN;
	for (pte = orig; addr < end && !ret; addr += PAGE_SIZE, pte++)
		ret = vmxfer_check_pte(c, vma, addr, ptep_get(pte));
	pte_unmap_unlock(orig, ptl);
	return ret;
}

/*
 * Copy [addr, end) of one source page table into one destination page
 * table (the caller splits ranges at both sides' PMD boundaries).
 */
static int vmxfer_copy_ptes(struct vmxfer_clone_ctx *c,
			    struct vm_area_struct *vma, pmd_t *src_pmd,
			    unsigned long addr, unsigned long end)
{
	pte_t *src_pte, *dst_pte, *src_orig, *dst_orig;
	spinlock_t *src_ptl, *dst_ptl;	/* dst's first, then src's nested */
	int rss[NR_MM_COUNTERS];
	pmd_t *dst_pmd, src_pmdval;
	int ret;

again:
	memset(rss, 0, sizeof(rss));
	ret = 0;
	dst_pmd = vmxfer_dst_pmd(c->dst_mm, addr + c->delta);
	if (!dst_pmd)
		return -ENOMEM;
	if (pmd_none(*dst_pmd) &&
	    static_call(vmxfer___pte_alloc)(c->dst_mm, dst_pmd))
		return -ENOMEM;
	dst_orig = vmxfer_pte_map_nolock(c->dst_mm, dst_pmd, addr + c->delta,
					 &dst_ptl);
	if (!dst_orig)
		return -EAGAIN;
	src_pmdval = READ_ONCE(*src_pmd);
	src_orig = vmxfer_pte_map_nolock(c->src_mm, src_pmd, addr, &src_ptl);
	if (!src_orig) {
		pte_unmap(dst_orig);
		return vmxfer_pmd_verdict(src_pmdval);
	}
	/*
	 * Both tables are stable: the mmap_locks exclude collapse, and a
	 * table under a VMA with an anon_vma is never retracted.  Recheck the
	 * source PMD under its lock all the same, as pte_offset_map_lock().
	 */
	spin_lock(dst_ptl);
	vmxfer_lock_src_ptl(src_ptl, dst_ptl);
	if (unlikely(!pmd_same(src_pmdval, READ_ONCE(*src_pmd))))
		ret = -EAGAIN;
	src_pte = src_orig;
	dst_pte = dst_orig;
	for (; addr < end && !ret; addr += PAGE_SIZE, src_pte++, dst_pte++) {
		ret = vmxfer_copy_pte(c, vma, src_pte, dst_pte, addr, rss);
		if (ret)
			break;
	}
	vmxfer_unlock_src_ptl(src_ptl, dst_ptl);
	pte_unmap(src_orig);
	vmxfer_add_rss(c->dst_mm, rss);
	pte_unmap_unlock(dst_orig, dst_ptl);

	if (ret == -EIO && c->cont.val) {
		/* A swap count overflowed: extend it where we may sleep. */
		ret = vmxfer_swap_dup_extend(c->cont);
		c->cont.val = 0;
		if (ret < 0)
			return -ENOMEM;
		goto again;
	}
	return ret;
}

/*
 * Share a whole, equally aligned anonymous THP as a PMD, as copy_huge_pmd()
 * does; the PMD lock must not be held.  -ENOENT: copy it by PTEs instead.
 *
 * The page table deposited with the huge PMD is allocated first.  When it
 * ends up unused (the source PMD changed, or the page may not be shared),
 * it becomes the destination's PTE table rather than being freed: freeing
 * a page table is not something every kernel config lets a module do.
 */
static int vmxfer_copy_huge_pmd(struct vmxfer_clone_ctx *c,
				struct vm_area_struct *vma, pmd_t *src_pmd,
				pmd_t orig, unsigned long addr)
{
	spinlock_t *src_ptl, *dst_ptl;	/* dst's first, then src's nested */
	struct page *page = pmd_page(orig);
	pgtable_t pgtable;
	pmd_t *dst_pmd;
	int ret = 0;

	dst_pmd = vmxfer_dst_pmd(c->dst_mm, addr + c->delta);
	if (!dst_pmd)
		return -ENOMEM;
	/* Only we populate the new range's tables: this stays true below. */
	if (!pmd_none(*dst_pmd))
		return -ENOENT;
	pgtable = static_call(vmxfer_pte_alloc_one)(c->dst_mm);
	if (!pgtable)
		return -ENOMEM;
	dst_ptl = pmd_lock(c->dst_mm, dst_pmd);
	src_ptl = pmd_lockptr(c->src_mm, src_pmd);
	spin_lock_nested(src_ptl, SINGLE_DEPTH_NESTING);
	if (!pmd_same(*src_pmd, orig))
		ret = -ENOENT;
	else if (vmxfer_page_ksm(page) ||
		 vmxfer_dup_anon(page, true, c->dst_vma, vma))
		ret = -EBUSY;
	mm_inc_nr_ptes(c->dst_mm);
	if (!ret) {
		vmxfer_add_mm_counter(c->dst_mm, MM_ANONPAGES, HPAGE_PMD_NR);
		static_call(vmxfer_pgtable_trans_huge_deposit)(c->dst_mm,
							       dst_pmd, pgtable);
		pmdp_set_wrprotect(c->src_mm, addr, src_pmd);
		orig = pmd_clear_uffd_wp(pmd_mkold(pmd_wrprotect(orig)));
		set_pmd_at(c->dst_mm, addr + c->delta, dst_pmd, orig);
	} else {
		smp_wmb();	/* the cleared table before the PMD points to it */
		pmd_populate(c->dst_mm, dst_pmd, pgtable);
	}
	spin_unlock(src_ptl);
	spin_unlock(dst_ptl);
	return ret;
}

/*
 * A huge source PMD.  Huge zero pages and page-cache THPs are left to
 * faults (the same data).  An anonymous THP is shared as a PMD when the
 * range covers it whole at the same alignment; otherwise it is split in
 * the source and copied by PTEs (-ENOENT tells the caller to).
 */
static int vmxfer_clone_huge(struct vmxfer_clone_ctx *c,
			     struct vm_area_struct *vma, pmd_t *src_pmd,
			     unsigned long addr, unsigned long end)
{
	bool whole = !(addr & ~HPAGE_PMD_MASK) && end - addr == HPAGE_PMD_SIZE;
	spinlock_t *ptl;	/* the source PMD's */
	struct page *page;
	pmd_t pmd;
	int ret;

	ptl = pmd_lock(c->src_mm, src_pmd);
	pmd = *src_pmd;
	if (!pmd_trans_huge(pmd)) {
		spin_unlock(ptl);
		return pmd_present(pmd) || pmd_none(pmd) ? -ENOENT : -EAGAIN;
	}
	page = pmd_page(pmd);
	if (!PageAnon(page)) {
		spin_unlock(ptl);
		return 0;
	}
	if (c->check) {
		ret = c->pages_ok ? 0 : vmxfer_check_anon(c, vma, page, true);
		spin_unlock(ptl);
		return ret;
	}
	if (c->one_pass && vmxfer_maybe_mapped(c, page, true)) {
		spin_unlock(ptl);
		return -EBUSY;
	}
	spin_unlock(ptl);
	if (whole) {
		ret = vmxfer_copy_huge_pmd(c, vma, src_pmd, pmd, addr);
		if (ret != -ENOENT)
			return ret;
	}
	vmxfer_split_huge_pmd(vma, src_pmd, addr);
	return -ENOENT;
}

/* Check or copy [addr, end) of @vma, one page table at a time. */
static int vmxfer_clone_range(struct vmxfer_clone_ctx *c,
			      struct vm_area_struct *vma,
			      unsigned long addr, unsigned long end)
{
	unsigned long next;
	pmd_t *src_pmd;
	pmd_t pmd;
	int ret;

	for (; addr < end; addr = next) {
		cond_resched();
		src_pmd = vmxfer_find_pmd(c->src_mm, addr, end, &next);
		if (!src_pmd)
			continue;	/* nothing to [next): no table */
		/* Stay within one PMD on both sides. */
		next = pmd_addr_end(addr, end);
		next = min(next, pmd_addr_end(addr + c->delta, end + c->delta) -
				 c->delta);
		pmd = READ_ONCE(*src_pmd);
		if (pmd_none(pmd))
			continue;
		ret = -ENOENT;
		if (pmd_trans_huge(pmd))
			ret = vmxfer_clone_huge(c, vma, src_pmd, addr, next);
		else if (!pmd_present(pmd))
			ret = -EAGAIN;
		if (ret == -ENOENT)
			ret = c->check ?
			      vmxfer_check_ptes(c, vma, src_pmd, addr, next) :
			      vmxfer_copy_ptes(c, vma, src_pmd, addr, next);
		if (ret)
			return ret;
	}
	return 0;
}

/* The source VMA containing @addr, or NULL at a hole. */
static struct vm_area_struct *vmxfer_src_vma(struct vmxfer_clone_ctx *c,
					     unsigned long addr)
{
	struct vm_area_struct *vma = find_vma(c->src_mm, addr);

	return vma && vma->vm_start <= addr ? vma : NULL;
}

/*
 * One source VMA: a kind that can be cloned, the one the LSMs approved
 * (the @idx-th of the range), and one the caller's policy lets it map.
 */
static int vmxfer_clone_vma_check(struct vmxfer_clone_ctx *c,
				  struct vm_area_struct *vma, unsigned int idx)
{
	unsigned long clear = 0;
	int ret;

	ret = vmxfer_clone_vma_ok(vma);
	if (!ret)
		ret = vmxfer_lsm_verify(&c->lsm, idx, vma);
	if (!ret)
		ret = vmxfer_policy_vma(vma, &clear);
	return ret;
}

/*
 * Pass 1: every VMA of the range clonable and allowed, no hole (EFAULT),
 * room in the caller's map count (a FIXED unmap may split one VMA in two
 * before the new ones come).
 */
static int vmxfer_clone_check(struct vmxfer_clone_ctx *c)
{
	unsigned long addr = c->src, end = c->src + c->len;
	struct vm_area_struct *vma;
	unsigned int nr = 0;
	int ret;

	for (; addr < end; addr = vma->vm_end) {
		vma = vmxfer_src_vma(c, addr);
		if (!vma)
			return -EFAULT;
		ret = vmxfer_clone_vma_check(c, vma, nr);
		if (ret)
			return ret;
		ret = vmxfer_vma_start_write(vma);
		if (ret)
			return ret;
		nr++;
	}
	if (c->dst_mm->map_count + nr + !!(c->args->flags & VMXFER_CLONE_FIXED) >
	    vx_max_map_count)
		return -ENOMEM;
	if (c->self)
		return 0;
	ret = vmxfer_roots_build(&c->roots, c->dst_mm);
	if (ret)
		return ret;
	c->any_related = false;
	for (addr = c->src; addr < end && !c->any_related; addr = vma->vm_end) {
		vma = vmxfer_src_vma(c, addr);
		c->any_related = vmxfer_clone_related(c, vma);
	}
	return 0;
}

/*
 * Pass 1, entries: every entry shareable, before anything changes.  Only
 * where a failure in the copy pass could not be undone whole: a FIXED
 * destination replacing mappings (they are gone once unmapped), a clone
 * from oneself (which copies nothing); and where refusals are to be
 * expected: a caller related to the source (copying a page clears its
 * exclusive mark, which unmapping does not restore, and a related caller's
 * next clone would be refused for it).  Otherwise the copy pass checks
 * each entry as it goes and a refusal (a pinned or KSM page: rare) unmaps
 * the new VMAs, which leaves both processes as they were: one pass over
 * the pages, as fork.
 */
static int vmxfer_clone_check_pages(struct vmxfer_clone_ctx *c)
{
	unsigned long addr, end = c->src + c->len;
	struct vm_area_struct *vma;
	int ret;

	c->check = true;
	for (addr = c->src; addr < end; addr = vma->vm_end) {
		vma = vmxfer_src_vma(c, addr);
		if (!vmxfer_clone_copies(vma))
			continue;	/* nothing will be copied */
		c->related = vmxfer_clone_related(c, vma);
		c->pages_ok = vmxfer_clone_pages_ok(c, vma);
		ret = vmxfer_clone_range(c, vma, addr, min(end, vma->vm_end));
		if (ret)
			return ret;
	}
	return 0;
}

#ifdef VMXFER_FORK_BEFORE_LINK
/*
 * Attach @new to @src's anon_vmas, then link it into the caller's mm, in
 * fork's order: since 7.0 anon_vma_fork() expects a VMA not yet in the
 * tree.  insert_vm_struct() still BUG()s on an anonymous VMA that already
 * has an anon_vma (and would re-base its vm_pgoff), so an anonymous @new is
 * linked as a non-anonymous one: an empty vm_ops, which has no callbacks to
 * call, set before it is visible and cleared right after.  In between it
 * is write-locked (insert_vm_struct() write-locks it before storing it)
 * under the caller's mmap_lock held for write: no fault, lockless lookup or
 * /proc reader sees the empty vm_ops.  On failure nothing is linked.
 */
static const struct vm_operations_struct vmxfer_linking_vm_ops;

static int vmxfer_fork_and_link(struct vmxfer_clone_ctx *c,
				struct vm_area_struct *new,
				struct vm_area_struct *src)
{
	bool anon = vma_is_anonymous(new);
	int ret;

	if (src->anon_vma) {
		ret = static_call(vmxfer_anon_vma_fork)(new, src);
		if (ret)
			return ret;
	}
	if (anon)
		new->vm_ops = &vmxfer_linking_vm_ops;
	/* Charges VM_ACCOUNT to the caller; links the file's i_mmap. */
	ret = static_call(vmxfer_insert_vm_struct)(c->dst_mm, new);
	if (anon)
		new->vm_ops = NULL;
	if (ret && new->anon_vma)
		static_call(vmxfer_unlink_anon_vmas)(new);
	return ret;
}
#endif

/* Pass 2, per source VMA: the caller's new VMA for [start, end) of @src. */
static int vmxfer_clone_vma(struct vmxfer_clone_ctx *c,
			    struct vm_area_struct *src,
			    unsigned long start, unsigned long end)
{
	unsigned long pgoff = src->vm_pgoff + ((start - src->vm_start) >> PAGE_SHIFT);
	unsigned long npages = (end - start) >> PAGE_SHIFT;
	struct vm_area_struct *new;
	unsigned long clear = 0;
	int ret;

	/* The VM_MAY* bits mmap(2) would not give the caller (checked). */
	ret = vmxfer_policy_vma(src, &clear);
	if (ret)
		return ret;
	new = static_call(vmxfer_vm_area_dup)(src);
	if (!new)
		return -ENOMEM;
	new->vm_mm = c->dst_mm;
	new->vm_start = start + c->delta;
	new->vm_end = end + c->delta;
	new->vm_pgoff = pgoff;
	new->anon_vma = NULL;
	vmxfer_vma_clear_uffd(new);
	vmxfer_vma_clear_policy(new);
	vmxfer_vm_flags_mod(new, VM_SOFTDIRTY, VMXFER_CLONE_DROP | clear);

	ret = -ENOMEM;
	if (!vmxfer_may_expand_vm(c->dst_mm, new, npages))
		goto out_free;
	if (new->vm_file)
		get_file(new->vm_file);
#ifdef VMXFER_FORK_BEFORE_LINK
	ret = vmxfer_fork_and_link(c, new, src);
	if (ret)
		goto out_file;
	static_call(vmxfer_vm_stat_account)(c->dst_mm, new->vm_flags, npages);
	return 0;
#else
	/* Charges VM_ACCOUNT to the caller; links the file's i_mmap. */
	ret = static_call(vmxfer_insert_vm_struct)(c->dst_mm, new);
	if (ret)
		goto out_file;
	/*
	 * insert_vm_struct() re-bases an anonymous VMA's offset; the pages
	 * we map keep the source's index, so restore it before rmap.
	 */
	new->vm_pgoff = pgoff;
	static_call(vmxfer_vm_stat_account)(c->dst_mm, new->vm_flags, npages);
	if (src->anon_vma)
		return static_call(vmxfer_anon_vma_fork)(new, src);
	return 0;
#endif

out_file:
	if (new->vm_file)
		fput(new->vm_file);
out_free:
	static_call(vmxfer_vm_area_free)(new);
	return ret;
}

/* Pass 2: make room at the destination and insert the new VMAs. */
static int vmxfer_clone_map(struct vmxfer_clone_ctx *c)
{
	unsigned long addr = c->src, end = c->src + c->len;
	struct vm_area_struct *vma;
	int ret;

	for (; addr < end; addr = vma->vm_end) {
		vma = vmxfer_src_vma(c, addr);
		ret = vmxfer_clone_vma(c, vma, addr, min(end, vma->vm_end));
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Pass 3: copy the entries of every VMA that has anonymous pages or guard
 * markers.  Cloning from oneself copies only pageless entries (markers):
 * the check refused every anonymous page and swap entry.
 */
static int vmxfer_clone_copy(struct vmxfer_clone_ctx *c)
{
	unsigned long addr = c->src, end = c->src + c->len, vend;
	struct mmu_notifier_range range;
	struct vm_area_struct *vma;
	int ret = 0;

	c->check = false;
	for (; addr < end && !ret; addr = vend) {
		vma = vmxfer_src_vma(c, addr);
		vend = min(end, vma->vm_end);
		if (!vmxfer_clone_copies(vma))
			continue;
		/* Made by the map pass for exactly [addr, vend) + delta. */
		c->dst_vma = vmxfer_vma_lookup(c->dst_mm, addr + c->delta);
		c->related = vmxfer_clone_related(c, vma);
		vmxfer_notifier_init(&range, vma, addr, vend);
		vmxfer_notifier_start(&range);
		ret = vmxfer_clone_range(c, vma, addr, vend);
		vmxfer_notifier_end(&range);
	}
	static_call(vmxfer_flush_tlb_mm_range)
		(c->src_mm, c->src, end, PAGE_SHIFT, false);
	return ret;
}

/*
 * Choose the destination.  FIXED and FIXED_NOREPLACE: exactly @dst (EEXIST
 * if NOREPLACE finds something there); otherwise @dst is a hint, and the
 * area is picked at the source's offset within a PMD, so THPs can be
 * shared whole.  Returns the address or -errno.
 */
static long vmxfer_clone_place(struct vmxfer_clone_ctx *c, unsigned long dst,
			       u32 flags)
{
	unsigned long addr, len = c->len;

	if (flags & (VMXFER_CLONE_FIXED | VMXFER_CLONE_FIXED_NOREPLACE)) {
		addr = vmxfer_get_unmapped_area(dst, len, MAP_FIXED);
		if (IS_ERR_VALUE(addr))
			return addr;
		if (c->self && addr < c->src + len && c->src < addr + len)
			return -EINVAL;
		if (find_vma_intersection(c->dst_mm, addr, addr + len) &&
		    (flags & VMXFER_CLONE_FIXED_NOREPLACE))
			return -EEXIST;
		return addr;
	}
	return vmxfer_place_hint(c->src, dst, len);
}

/*
 * The new mapping is in place: tell the caller where, under the locks, so
 * that a result that cannot be written undoes the clone instead of leaving
 * a mapping the caller does not know of.
 */
static int vmxfer_clone_result(struct vmxfer_clone_ctx *c, unsigned long addr)
{
	struct vmxfer_clone out = *c->args;

	out.dst = addr;
	if (!vmxfer_copy_result_nofault(c->uarg, c->usize, &out, sizeof(out)))
		return 0;
	c->out_failed = true;
	return -EFAULT;
}

/* One attempt, under both mmap_locks. */
static long vmxfer_clone_locked(struct vmxfer_clone_ctx *c)
{
	u32 flags = c->args->flags;
	long ret, addr;

	raw_write_seqcount_begin(&c->src_mm->write_protect_seq);
	ret = vmxfer_clone_check(c);
	if (ret)
		goto out;
	addr = vmxfer_clone_place(c, c->args->dst, flags);
	if (IS_ERR_VALUE(addr)) {
		ret = addr;
		goto out;
	}
	c->one_pass = !c->self && !c->any_related &&
		      !((flags & VMXFER_CLONE_FIXED) &&
			find_vma_intersection(c->dst_mm, addr, addr + c->len));
	if (!c->one_pass) {
		ret = vmxfer_clone_check_pages(c);
		if (ret)
			goto out;
	}
	if (flags & VMXFER_CLONE_FIXED) {
		ret = static_call(vmxfer_do_munmap)(c->dst_mm, addr, c->len,
						    NULL);
		if (ret)
			goto out;
	}
	c->delta = addr - c->src;
	ret = vmxfer_clone_map(c);
	if (!ret)
		ret = vmxfer_clone_copy(c);
	if (!ret)
		ret = vmxfer_clone_result(c, addr);
	if (ret)
		static_call(vmxfer_do_munmap)(c->dst_mm, addr, c->len, NULL);
	else
		ret = addr;
out:
	raw_write_seqcount_end(&c->src_mm->write_protect_seq);
	vmxfer_roots_free(&c->roots);
	return ret;
}

/*
 * One round: the LSMs' approval of the source mappings (no lock held), then
 * the clone under both mmap_locks.
 */
static long vmxfer_clone_round(struct vmxfer_clone_ctx *c)
{
	long ret;

	ret = vmxfer_lsm_collect(c->src_mm, c->src, c->src + c->len, &c->lsm);
	if (!ret)
		ret = vmxfer_lsm_approve(&c->lsm);
	if (!ret)
		ret = vmxfer_lock_mms(c->src_mm, c->dst_mm);
	if (!ret) {
		ret = vmxfer_clone_locked(c);
		vmxfer_unlock_mms(c->src_mm, c->dst_mm);
	}
	vmxfer_lsm_release(&c->lsm);
	return ret;
}

/* The result struct became unwritable: fault it in again, or -EFAULT. */
static bool vmxfer_clone_reprobe(struct vmxfer_clone_ctx *c)
{
	if (!c->out_failed)
		return true;
	c->out_failed = false;
	return !vmxfer_probe_result(c->uarg, c->usize, c->args,
				    sizeof(*c->args));
}

/*
 * Rounds are repeated (-EAGAIN) when a page was under migration, the
 * target changed its mappings between the LSM check and the locks, or the
 * result struct was paged out under the locks.
 */
static long vmxfer_clone_do(struct vmxfer_clone *a, void __user *uarg,
			    u32 usize, unsigned long len)
{
	struct vmxfer_clone_ctx c = {
		.dst_mm = current->mm,
		.src = a->src,
		.len = len,
		.args = a,
		.uarg = uarg,
		.usize = usize,
	};
	int tries = 0;
	long ret;

	c.src_mm = vmxfer_target_mm(a->pidfd);
	if (IS_ERR(c.src_mm))
		return PTR_ERR(c.src_mm);
	c.self = c.src_mm == c.dst_mm;
	for (;;) {
		ret = vmxfer_clone_round(&c);
		if (c.out_failed)
			ret = -EAGAIN;
		if (ret != -EAGAIN || ++tries >= VMXFER_CLONE_RETRIES ||
		    fatal_signal_pending(current))
			break;
		if (!vmxfer_clone_reprobe(&c)) {
			ret = -EFAULT;
			break;
		}
		usleep_range(100, 1000);
	}
	mmput(c.src_mm);
	return c.out_failed ? -EFAULT : ret;
}

long vmxfer_ioctl_clone(void __user *uarg)
{
	const u32 fixed = VMXFER_CLONE_FIXED | VMXFER_CLONE_FIXED_NOREPLACE;
	struct vmxfer_clone a;
	unsigned long len;
	u32 usize;
	long ret;

	ret = vmxfer_copy_args(&a, sizeof(a), VMXFER_CLONE_SIZE_VER0, uarg,
			       &usize);
	if (ret)
		return ret;
	if ((a.flags & ~fixed) || (a.flags & fixed) == fixed || a.__reserved)
		return -EINVAL;
	len = PAGE_ALIGN(a.len);
	if (!a.len || !len || offset_in_page(a.src) || !a.src ||
	    len > TASK_SIZE || a.src > TASK_SIZE - len)
		return -EINVAL;
	/* A fixed destination: aligned, in the address space, not over @a. */
	if ((a.flags & fixed) &&
	    (offset_in_page(a.dst) || a.dst > TASK_SIZE - len ||
	     vmxfer_args_overlap(uarg, usize, sizeof(a), a.dst, len)))
		return -EINVAL;
	/* Fail before mapping anything if the result cannot be written. */
	ret = vmxfer_probe_result(uarg, usize, &a, sizeof(a));
	if (ret)
		return ret;
	ret = vmxfer_clone_do(&a, uarg, usize, len);
	return IS_ERR_VALUE(ret) ? ret : 0;
}
