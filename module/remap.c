// SPDX-License-Identifier: GPL-2.0
/*
 * VMXFER_IOC_REMAP: move a range of the caller to a new address, possibly
 * growing it, and leave the old range mapped as a fresh mapping:
 * MREMAP_RETAIN (Daniel Micay, 2014), i.e. MREMAP_DONTUNMAP that may grow.
 *
 * Built on the two internals mremap(2) moves with: copy_vma() makes the
 * new VMA (of new_len: the tail beyond old_len has no pages and faults
 * like the mapping's own beyond-the-end, its page offsets stay linear;
 * for a file mapping it takes its file reference and joins the file's
 * i_mmap tree) and move_page_tables() moves the entries, THPs as whole
 * PMDs when both ends are equally aligned.  No data page is copied, read
 * or swapped in.
 *
 * Sources: every kind mremap(MREMAP_DONTUNMAP) moves on 6.1+ (private
 * anonymous, private file, MAP_SHARED file, shmem, memfd, shared
 * anonymous; locked, KSM-mergeable, userfaultfd-registered, grows-down),
 * on every line (5.10's own DONTUNMAP takes private anonymous only: the
 * same internals move the others there, as its plain mremap(2) does).
 * Refused as mremap refuses: sealed (EPERM), VM_DONTEXPAND (vdso, vvar,
 * xol, install_special_mapping(), hugetlb) and VM_PFNMAP (EINVAL).  And by
 * vmxfer alone (EINVAL): VM_IO, VM_MIXEDMAP and DAX mappings, and those
 * whose vm_ops has ->mremap or ->may_split, which mremap would call and
 * vmxfer cannot (no indirect calls: IBT).
 *
 * Everything runs under the caller's mmap_lock held for write, with the
 * source VMA write-locked on per-VMA-lock kernels (so no fault runs in it
 * under a VMA lock alone): other threads see the move at once or not at
 * all.  All checks come before the first change; after that only the
 * FIXED unmap of the destination and an allocation failure in
 * split_vma()/copy_vma()/move_page_tables() remain (then the entries are
 * moved back and the new VMA unmapped, as mremap(2) recovers).
 * Afterwards, without the lock: a locked mapping's grown tail is
 * populated, and a userfaultfd with UFFD_FEATURE_EVENT_REMAP is told
 * (UFFD_EVENT_REMAP), as mremap(2) does both.
 */
#include <linux/capability.h>
#include <linux/ksm.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/mmap_lock.h>
#include <linux/moduleparam.h>
#include <linux/uaccess.h>
#include <linux/userfaultfd_k.h>

#include "compat.h"
#include "internal.h"

#define VMXFER_REMAP_FIXED_ANY (VMXFER_REMAP_FIXED | VMXFER_REMAP_FIXED_NOREPLACE)

/* Tries when the result struct was paged out under the mmap_lock. */
#define VMXFER_REMAP_OUT_TRIES	3

/* One call: the caller's struct as read, and where it goes back to. */
struct vmxfer_remap_call {
	struct vmxfer_remap *a;
	void __user *uarg;
	u32 usize;
	bool out_failed;	/* the result could not be written: undone */
	/* set on success, acted on after the mmap_lock is dropped */
	bool populate;		/* a locked mapping grew: fault its tail in */
	struct vm_userfaultfd_ctx uf;	/* UFFD_EVENT_REMAP to send */
};

/* mremap(2)'s userfaultfd steps (inline no-ops without CONFIG_USERFAULTFD). */
static void vmxfer_remap_uffd_prep(struct vm_area_struct *new,
				   struct vm_userfaultfd_ctx *uf)
{
#ifdef CONFIG_USERFAULTFD
	static_call(vmxfer_mremap_userfaultfd_prep)(new, uf);
#else
	mremap_userfaultfd_prep(new, uf);
#endif
}

static void vmxfer_remap_uffd_complete(struct vm_userfaultfd_ctx *uf,
				       unsigned long from, unsigned long to,
				       unsigned long len)
{
#ifdef CONFIG_USERFAULTFD
	static_call(vmxfer_mremap_userfaultfd_complete)(uf, from, to, len);
#else
	mremap_userfaultfd_complete(uf, from, to, len);
#endif
}

/*
 * Which mappings move: mremap(MREMAP_DONTUNMAP)'s refusals with its
 * errnos, then vmxfer's own (hooks it cannot call, device memory).
 */
static int vmxfer_remap_vma_ok(struct vm_area_struct *vma)
{
	if (vma->vm_flags & VMXFER_VM_SEALED)
		return -EPERM;
	if (vma->vm_flags & (VM_DONTEXPAND | VM_PFNMAP | VM_HUGETLB))
		return -EINVAL;
	if (vma->vm_flags & (VM_IO | VM_MIXEDMAP | VM_GROWSUP) ||
	    vma_is_dax(vma))
		return -EINVAL;
	if (vma->vm_ops && (vma->vm_ops->mremap || vma->vm_ops->VMXFER_VM_OPS_MAY_SPLIT))
		return -EINVAL;
	return 0;
}

/*
 * Test hook (fault injection, 0: off): the Nth part (1-based) of every
 * remap moves only half its entries, as when move_page_tables() runs out
 * of memory there, so that tests see what a failure midway leaves.
 */
static unsigned int remap_fail_part;
module_param(remap_fail_part, uint, 0444);
MODULE_PARM_DESC(remap_fail_part,
		 "test hook: part N of every remap fails midway (ENOMEM)");

/* mlock_future_ok(): may @mm lock @pages more (RLIMIT_MEMLOCK)? */
static bool vmxfer_remap_may_lock(struct mm_struct *mm, vm_flags_t flags,
				  unsigned long pages)
{
	if (!(flags & VM_LOCKED) || capable(CAP_IPC_LOCK))
		return true;
	return mm->locked_vm + pages <= rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
}

/* is_data_mapping() (mm/internal.h): counted against RLIMIT_DATA. */
static bool vmxfer_remap_is_data(vm_flags_t flags)
{
	return (flags & (VM_WRITE | VM_SHARED | VM_STACK)) == VM_WRITE;
}

/*
 * One call's source range [old, end), cut into parts at its mappings'
 * boundaries: part [p, p + len) moves to dst + (p - old), in address
 * order, and the last part grows by @grow.  No array of parts: every pass
 * looks them up again by address (vmxfer_remap_part()), since splits,
 * unmaps and copies replace VMAs, never move a boundary inside the range.
 */
struct vmxfer_remap_range {
	unsigned long old, end, dst, grow;
	unsigned long nparts;
	vm_flags_t last_flags;	/* the last part's: its growth's limits */
	/* for the undo */
	unsigned long hiwater_vm;
	unsigned long charged;	/* pages charged, not yet held by a new VMA */
	unsigned long locked;	/* pages of locked new VMAs */
};

/*
 * The part of [p, end) starting at @p: the VMA holding @p, looked up
 * again, and in *len the part's length; at a hole -EFAULT (and *len the
 * rest, so that a loop over the parts ends there).
 */
static struct vm_area_struct *vmxfer_remap_part(struct mm_struct *mm,
						unsigned long p,
						unsigned long end,
						unsigned long *len)
{
	struct vm_area_struct *vma = vmxfer_vma_lookup(mm, p);

	*len = (vma ? min(end, vma->vm_end) : end) - p;
	return vma ? vma : ERR_PTR(-EFAULT);
}

/* Where part @p goes, and its new length (the last one grows). */
static unsigned long vmxfer_remap_to(const struct vmxfer_remap_range *r,
				     unsigned long p)
{
	return r->dst + (p - r->old);
}

static unsigned long vmxfer_remap_new_len(const struct vmxfer_remap_range *r,
					  unsigned long p, unsigned long len)
{
	return p + len == r->end ? len + r->grow : len;
}

/*
 * Every part before anything changes: no hole (EFAULT), each of a kind
 * that moves, and in a range of several parts none registered with
 * userfaultfd (EFAULT, as mremap(2): its UFFD_EVENT_REMAP is one per call).
 */
static int vmxfer_remap_check(struct mm_struct *mm,
			      struct vmxfer_remap_range *r)
{
	struct vm_area_struct *vma;
	unsigned long p, len;
	int ret;

	r->nparts = 0;
	for (p = r->old; p < r->end; p += len) {
		vma = vmxfer_remap_part(mm, p, r->end, &len);
		if (IS_ERR(vma))
			return PTR_ERR(vma);
		ret = vmxfer_remap_vma_ok(vma);
		if (ret)
			return ret;
		if (len < r->end - r->old && userfaultfd_armed(vma))
			return -EFAULT;
		r->nparts++;
		r->last_flags = vma->vm_flags;
	}
	return 0;
}

/*
 * mremap's limits for all parts together, before the first change:
 * vm.max_map_count (a split at each end, a new VMA per part), RLIMIT_AS
 * for the whole new range and RLIMIT_DATA for its data parts,
 * RLIMIT_MEMLOCK for a locked last part's growth (EAGAIN), then the
 * commit charge of the parts that carry one (taken: r->charged).
 */
static int vmxfer_remap_limits(struct mm_struct *mm,
			       struct vmxfer_remap_range *r)
{
	unsigned long p, len, pages, data = 0, acct = 0;
	struct vm_area_struct *vma;

	if (mm->map_count + r->nparts + 2 >= vx_max_map_count)
		return -ENOMEM;
	for (p = r->old; p < r->end; p += len) {
		vma = vmxfer_remap_part(mm, p, r->end, &len);
		if (WARN_ON_ONCE(IS_ERR(vma)))
			return PTR_ERR(vma);
		pages = vmxfer_remap_new_len(r, p, len) >> PAGE_SHIFT;
		if (vmxfer_remap_is_data(vma->vm_flags)) {
			data += pages;
			if (!vmxfer_may_expand_vm(mm, vma, data))
				return -ENOMEM;
		}
		if (vma->vm_flags & VM_ACCOUNT)
			acct += pages;
	}
	pages = (r->end - r->old + r->grow) >> PAGE_SHIFT;
	if (mm->total_vm + pages > rlimit(RLIMIT_AS) >> PAGE_SHIFT)
		return -ENOMEM;
	if (!vmxfer_remap_may_lock(mm, r->last_flags, r->grow >> PAGE_SHIFT))
		return -EAGAIN;
	if (acct && static_call(vmxfer_security_vm_enough_memory_mm)(mm, acct))
		return -ENOMEM;
	r->charged = acct;
	return 0;
}

/*
 * The destination: exactly @dst with a FIXED flag (EEXIST under NOREPLACE
 * if anything is mapped there), else @dst as a hint, placed at the
 * source's offset within a PMD so that THPs move whole.
 */
static long vmxfer_remap_place(struct mm_struct *mm, unsigned long old,
			       unsigned long old_len, unsigned long dst,
			       unsigned long len, u32 flags)
{
	unsigned long addr;

	if (flags & VMXFER_REMAP_FIXED_ANY) {
		addr = vmxfer_get_unmapped_area(dst, len, MAP_FIXED);
		if (IS_ERR_VALUE(addr))
			return addr;
		if (addr < old + old_len && old < addr + len)
			return -EINVAL;
		if ((flags & VMXFER_REMAP_FIXED_NOREPLACE) &&
		    find_vma_intersection(mm, addr, addr + len))
			return -EEXIST;
		return addr;
	}
	return vmxfer_place_hint(old, dst, len);
}

/*
 * Before the move, as mremap(2): break KSM pages in the range (both ends
 * keep VM_MERGEABLE, so ksmd may merge them again), and split a locked
 * source so that only the moved part of it is unlocked afterwards.
 * Nothing here changes what the caller's memory holds.
 */
static int vmxfer_remap_presplit(struct mm_struct *mm,
				 struct vm_area_struct *vma,
				 unsigned long old, unsigned long old_len)
{
	vm_flags_t flags = vma->vm_flags;
	int ret;

	ret = ksm_madvise(vma, old, old + old_len, MADV_UNMERGEABLE, &flags);
	if (ret || !(vma->vm_flags & VM_LOCKED))
		return ret;
	if (vma->vm_start != old) {
		ret = vmxfer_split_vma(mm, vma, old, 1);
		if (ret)
			return ret;
		vma = vmxfer_vma_lookup(mm, old);
	}
	if (vma->vm_end != old + old_len)
		ret = vmxfer_split_vma(mm, vma, old + old_len, 0);
	return ret;
}

/*
 * The first changes, part by part (none alters what memory reads): KSM
 * unmerge and lock splits; then a FIXED destination is unmapped; then
 * every source is write-locked, so that no fault runs in it under its VMA
 * lock alone.
 */
static int vmxfer_remap_prepare_parts(struct mm_struct *mm,
				      struct vmxfer_remap_range *r, u32 flags)
{
	struct vm_area_struct *vma;
	unsigned long p, len;
	int ret;

	for (p = r->old; p < r->end; p += len) {
		vma = vmxfer_remap_part(mm, p, r->end, &len);
		ret = WARN_ON_ONCE(IS_ERR(vma)) ? PTR_ERR(vma) :
		      vmxfer_remap_presplit(mm, vma, p, len);
		if (ret)
			return ret;
	}
	if (flags & VMXFER_REMAP_FIXED) {
		ret = static_call(vmxfer_do_munmap)(mm, r->dst,
						    r->end - r->old + r->grow,
						    NULL);
		if (ret)
			return ret;
	}
	for (p = r->old; p < r->end; p += len) {
		vma = vmxfer_remap_part(mm, p, r->end, &len);
		ret = WARN_ON_ONCE(IS_ERR(vma)) ? PTR_ERR(vma) :
		      vmxfer_vma_start_write(vma);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * One part: copy_vma() makes its new VMA, move_page_tables() moves its
 * entries.  Out of memory: the entries moved so far go back (page tables
 * exist where they came from: this succeeds) and -ENOMEM; the new VMA is
 * left to the undo's unmap.
 */
static int vmxfer_remap_move_part(struct mm_struct *mm,
				  struct vmxfer_remap_range *r,
				  struct vm_area_struct *vma, unsigned long old,
				  unsigned long len, bool fail)
{
	pgoff_t pgoff = vma->vm_pgoff + ((old - vma->vm_start) >> PAGE_SHIFT);
	unsigned long addr = vmxfer_remap_to(r, old);
	unsigned long new_len = vmxfer_remap_new_len(r, old, len);
	unsigned long moved;
	struct vm_area_struct *new;
	bool need_rmap_locks;
	int ret;

	ret = vmxfer_remap_prepare(vma);
	if (ret)
		return ret;
	new = vmxfer_copy_vma(&vma, addr, new_len, pgoff, &need_rmap_locks);
	if (!new)
		return -ENOMEM;

	/* total_vm: the source stays, the new range is added. */
	static_call(vmxfer_vm_stat_account)(mm, vma->vm_flags,
					    new_len >> PAGE_SHIFT);
	if (vma->vm_flags & VM_ACCOUNT)
		r->charged -= new_len >> PAGE_SHIFT;
	if (vma->vm_flags & VM_LOCKED)
		r->locked += new_len >> PAGE_SHIFT;

	moved = vmxfer_move_page_tables(vma, old, new, addr,
					fail ? round_down(len / 2, PAGE_SIZE) :
					len, need_rmap_locks);
	if (moved == len)
		return 0;
	vmxfer_move_page_tables(new, addr, vma, old, moved, true);
	return -ENOMEM;
}

/*
 * Undo the move of the parts before @upto (all moved): their entries go
 * back (page tables exist there), then the destination is unmapped, which
 * gives back the new VMAs' commit charge and total_vm and takes their
 * locked_vm, which was never added.
 */
static void vmxfer_remap_undo(struct mm_struct *mm,
			      struct vmxfer_remap_range *r, unsigned long upto)
{
	struct vm_area_struct *vma, *new;
	unsigned long p, len;

	for (p = r->old; p < upto; p += len) {
		vma = vmxfer_remap_part(mm, p, upto, &len);
		new = vmxfer_vma_lookup(mm, vmxfer_remap_to(r, p));
		if (!WARN_ON_ONCE(IS_ERR(vma) || !new))
			vmxfer_move_page_tables(new, vmxfer_remap_to(r, p),
						vma, p, len, true);
	}
	static_call(vmxfer_do_munmap)(mm, r->dst, r->end - r->old + r->grow,
				      NULL);
	mm->locked_vm += r->locked;
	mm->hiwater_vm = r->hiwater_vm;
}

/*
 * Tell the caller where, under the mmap_lock, so that a result that cannot
 * be written is undone rather than leaving the data at an address the
 * caller does not know.
 */
static int vmxfer_remap_result(struct vmxfer_remap_call *call,
			       unsigned long addr)
{
	struct vmxfer_remap out = *call->a;

	out.new_addr = addr;
	if (!vmxfer_copy_result_nofault(call->uarg, call->usize, &out,
					sizeof(out)))
		return 0;
	call->out_failed = true;
	return -EFAULT;
}

/*
 * A part moved and the result is written: what MREMAP_DONTUNMAP does to
 * the part's source and destination.  The end of each part's move.
 */
static void vmxfer_remap_part_done(struct mm_struct *mm,
				   struct vmxfer_remap_range *r,
				   struct vm_area_struct *vma, unsigned long old,
				   unsigned long len,
				   struct vmxfer_remap_call *call)
{
	unsigned long addr = vmxfer_remap_to(r, old);
	unsigned long new_len = vmxfer_remap_new_len(r, old, len);
	struct vm_area_struct *new = vmxfer_vma_lookup(mm, addr);

	/*
	 * The source keeps its userfaultfd registration; the destination
	 * keeps it only for a uffd with UFFD_FEATURE_EVENT_REMAP, which is
	 * then told (after the unlock), as by mremap(2).
	 */
	if (!WARN_ON_ONCE(!new))
		vmxfer_remap_uffd_prep(new, &call->uf);

	/*
	 * Locked: the locked pages moved to the destination, which stays
	 * locked (grown: its tail is counted now and populated after the
	 * unlock); the source, as MREMAP_DONTUNMAP leaves it, is not.
	 */
	if (vma->vm_flags & VM_LOCKED) {
		mm->locked_vm += (new_len - len) >> PAGE_SHIFT;
		call->populate |= new_len > len;
		vmxfer_vm_flags_mod(vma, 0, VMXFER_VM_LOCKED_MASK);
	}

#ifdef VMXFER_REMAP_UNLINK
	/*
	 * A wholly moved source has no private page left: drop its anon_vma
	 * links, and give an anonymous one the offset of a VMA never
	 * faulted, so it can merge again (as MREMAP_DONTUNMAP does since
	 * 6.1).  A file mapping keeps its offset: it reads the file again.
	 */
	if (old == vma->vm_start && old + len == vma->vm_end) {
		static_call(vmxfer_unlink_anon_vmas)(vma);
		if (vma_is_anonymous(vma) && !vma->vm_file)
			vma->vm_pgoff = vma->vm_start >> PAGE_SHIFT;
	}
#endif
}

/*
 * The move proper, once the destination is free: every part in order,
 * the result, then each part's MREMAP_DONTUNMAP epilogue.  A failure
 * (ENOMEM midway, or the result not written) moves every part back.
 */
static int vmxfer_remap_move(struct mm_struct *mm, struct vmxfer_remap_range *r,
			     struct vmxfer_remap_call *call)
{
	struct vm_area_struct *vma;
	unsigned long p, len, n = 0;
	int ret = 0;

	r->hiwater_vm = mm->hiwater_vm;
	for (p = r->old; p < r->end; p += len) {
		vma = vmxfer_remap_part(mm, p, r->end, &len);
		ret = WARN_ON_ONCE(IS_ERR(vma)) ? PTR_ERR(vma) :
		      vmxfer_remap_move_part(mm, r, vma, p, len,
					     ++n == remap_fail_part);
		if (ret)
			break;
	}
	if (!ret)
		ret = vmxfer_remap_result(call, r->dst);
	if (ret) {
		vmxfer_remap_undo(mm, r, p);
		return ret;
	}
	for (p = r->old; p < r->end; p += len) {
		vma = vmxfer_remap_part(mm, p, r->end, &len);
		if (!WARN_ON_ONCE(IS_ERR(vma)))
			vmxfer_remap_part_done(mm, r, vma, p, len, call);
	}
	return 0;
}

static long vmxfer_remap_locked(struct mm_struct *mm,
				struct vmxfer_remap_call *call)
{
	struct vmxfer_remap *a = call->a;
	struct vmxfer_remap_range r = {
		.old = a->old_addr,
		.end = a->old_addr + a->old_len,
		.grow = a->new_len - a->old_len,
	};
	long addr;
	int ret;

	ret = vmxfer_remap_check(mm, &r);
	if (ret)
		return ret;
	addr = vmxfer_remap_place(mm, r.old, a->old_len, a->new_addr,
				  a->new_len, a->flags);
	if (IS_ERR_VALUE(addr))
		return addr;
	r.dst = addr;
	ret = vmxfer_remap_limits(mm, &r);
	if (ret)
		return ret;

	ret = vmxfer_remap_prepare_parts(mm, &r, a->flags);
	if (!ret)
		ret = vmxfer_remap_move(mm, &r, call);
	if (!ret)	/* merge with the new neighbours where possible (merge.c) */
		vmxfer_merge_moved(mm, addr, a->new_len);
	if (r.charged)
		vmxfer_unacct_memory(r.charged);
	return ret ? ret : addr;
}

/*
 * After a move, without the mmap_lock, as mremap(2): fault in a locked
 * mapping's grown tail (errors ignored, as mm_populate()), then send
 * UFFD_EVENT_REMAP (waits until the handler has read it).
 */
static void vmxfer_remap_after(struct vmxfer_remap_call *call,
			       unsigned long addr)
{
	unsigned long old_len = call->a->old_len;

	if (call->populate)
		static_call(vmxfer___mm_populate)(addr + old_len,
						  call->a->new_len - old_len,
						  1);
	vmxfer_remap_uffd_complete(&call->uf, call->a->old_addr, addr,
				   old_len);
}

/*
 * Under the caller's mmap_lock; again (a few times) if the result struct
 * was paged out meanwhile and the move was undone.
 */
static long vmxfer_remap_do(struct vmxfer_remap_call *call)
{
	struct mm_struct *mm = current->mm;
	int tries = 0;
	long ret;

	for (;;) {
		if (mmap_write_lock_killable(mm))
			return -EINTR;
		call->out_failed = false;
		call->populate = false;
		ret = vmxfer_remap_locked(mm, call);
		mmap_write_unlock(mm);
		if (!IS_ERR_VALUE(ret)) {
			vmxfer_remap_after(call, ret);
			return ret;
		}
		if (!call->out_failed || ++tries >= VMXFER_REMAP_OUT_TRIES)
			return ret;
		ret = vmxfer_probe_result(call->uarg, call->usize, call->a,
					  sizeof(*call->a));
		if (ret)
			return ret;
	}
}

long vmxfer_ioctl_remap(void __user *uarg)
{
	struct vmxfer_remap a;
	struct vmxfer_remap_call call = { .a = &a, .uarg = uarg };
	u32 usize;
	long ret;

	ret = vmxfer_copy_args(&a, sizeof(a), VMXFER_REMAP_SIZE_VER0, uarg,
			       &usize);
	if (ret)
		return ret;
	if ((a.flags & ~VMXFER_REMAP_FIXED_ANY) ||
	    (a.flags & VMXFER_REMAP_FIXED_ANY) == VMXFER_REMAP_FIXED_ANY)
		return -EINVAL;
	if (!a.old_addr || offset_in_page(a.old_addr) ||
	    offset_in_page(a.old_len) || offset_in_page(a.new_len) ||
	    !a.old_len || a.new_len < a.old_len ||
	    a.new_len > TASK_SIZE || a.old_addr > TASK_SIZE - a.old_len)
		return -EINVAL;
	if ((a.flags & VMXFER_REMAP_FIXED_ANY) &&
	    (offset_in_page(a.new_addr) || a.new_addr > TASK_SIZE - a.new_len ||
	     vmxfer_args_overlap(uarg, usize, sizeof(a), a.new_addr, a.new_len)))
		return -EINVAL;
	/* The struct must stay where the caller reads it back. */
	if (vmxfer_args_overlap(uarg, usize, sizeof(a), a.old_addr, a.old_len))
		return -EINVAL;
	/* Fail before moving anything if the result cannot be written. */
	ret = vmxfer_probe_result(uarg, usize, &a, sizeof(a));
	if (ret)
		return ret;
	call.usize = usize;
	ret = vmxfer_remap_do(&call);
	return IS_ERR_VALUE(ret) ? ret : 0;
}
