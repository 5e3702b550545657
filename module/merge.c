// SPDX-License-Identifier: GPL-2.0
/*
 * VMXFER_IOC_MERGE: merge the caller's private anonymous VMAs in a range
 * with their neighbours where only their page offsets keep them apart.
 *
 * An anonymous VMA's vm_pgoff is fixed where its memory was first mapped;
 * mremap(2) (and vmxfer's remap and move) keep it, so a moved VMA never
 * merges with its new neighbours.  For each VMA in the range, left to
 * right: if its predecessor (else its successor) could merge with it but
 * for the offsets -- same flags (soft-dirty aside), anonymous, same
 * mempolicy, no userfaultfd, and the same anon_vma or one of them none --
 * the VMA is re-indexed to continue that neighbour (reindex.c) and the
 * kernel's own merge is asked, as mprotect() asks it after changing flags.
 * The kernel decides (its rules differ per line; what it refuses stays a
 * separate, re-indexed VMA, which is harmless).
 *
 * Different anon_vmas (memory faulted separately, then placed side by
 * side) are not merged on any line: that would re-point pages to another
 * anon_vma, unsafe on 5.10 and 6.1 (docs/next-ops.md §1.2) and not built
 * on 6.12 and 7.2 yet.  Such a VMA counts as blocked (-EBUSY).
 */
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/mmap_lock.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>

#include "compat.h"
#include "internal.h"

#ifdef VM_SHADOW_STACK
#define VMXFER_MERGE_SHSTK	VM_SHADOW_STACK
#else
#define VMXFER_MERGE_SHSTK	VM_NONE
#endif

/* What is never re-indexed: not private anonymous memory, or pinned in place. */
#define VMXFER_MERGE_BAD_FLAGS	(VM_SHARED | VM_HUGETLB | VM_SPECIAL |	\
				 VM_GROWSDOWN | VM_GROWSUP |		\
				 VMXFER_MERGE_SHSTK | VMXFER_VM_UFFD_FLAGS | \
				 VMXFER_VM_SEALED)

static bool vmxfer_merge_vma_ok(struct vm_area_struct *vma)
{
	return vma_is_anonymous(vma) && !vma->vm_file &&
	       !(vma->vm_flags & VMXFER_MERGE_BAD_FLAGS);
}

/*
 * Could the adjacent @nb merge with @vma but for the page offsets?  1 yes,
 * 0 no, -EBUSY only their different anon_vmas are in the way.
 */
static int vmxfer_merge_peer(struct vm_area_struct *vma,
			     struct vm_area_struct *nb)
{
	if (!vmxfer_merge_vma_ok(nb) ||
	    ((nb->vm_flags ^ vma->vm_flags) & ~VM_SOFTDIRTY) ||
	    vma_policy(nb) != vma_policy(vma))
		return 0;
	if (vma->anon_vma && nb->anon_vma && vma->anon_vma != nb->anon_vma)
		return -EBUSY;
	return 1;
}

/*
 * The page offset that lets @vma merge: continuing its predecessor, else
 * leading into its successor.  1 (*@pgoff set), 0 (no candidate) or
 * -EBUSY (a candidate but for its anon_vma).
 */
static int vmxfer_merge_target(struct mm_struct *mm, struct vm_area_struct *vma,
			       pgoff_t *pgoff)
{
	struct vm_area_struct *prev = vmxfer_vma_prev(mm, vma), *next;
	unsigned long pages = vma_pages(vma);
	int p = 0, n = 0;

	if (prev && prev->vm_end == vma->vm_start) {
		p = vmxfer_merge_peer(vma, prev);
		if (p > 0) {
			*pgoff = prev->vm_pgoff + vma_pages(prev);
			return 1;
		}
	}
	next = find_vma(mm, vma->vm_end);
	if (next && next->vm_start == vma->vm_end) {
		n = vmxfer_merge_peer(vma, next);
		if (n > 0 && next->vm_pgoff >= pages) {
			*pgoff = next->vm_pgoff - pages;
			return 1;
		}
	}
	return min(p, n);
}

/*
 * Re-index @vma for its neighbour and merge: the VMA holding its range
 * afterwards, or an ERR_PTR that ends the call (-EINTR, -ENOMEM).  A VMA
 * that cannot be re-indexed (-EBUSY, -EAGAIN) is left as it is, with the
 * reason in *@blocked (-EAGAIN, which a retry may cure, wins).
 */
static struct vm_area_struct *vmxfer_merge_one(struct mm_struct *mm,
					       struct vm_area_struct *vma,
					       int *blocked)
{
	pgoff_t pgoff;
	int ret;

	if (!vmxfer_merge_vma_ok(vma))
		return vma;
	ret = vmxfer_merge_target(mm, vma, &pgoff);
	if (!ret)
		return vma;
	if (ret > 0) {
		if (pgoff + vma_pages(vma) < pgoff)
			return vma;
		ret = vmxfer_reindex_vma(vma, pgoff);
		if (!ret)
			return vmxfer_vma_merge_self(mm, vma);
	}
	if (ret == -EINTR || ret == -ENOMEM)
		return ERR_PTR(ret);
	if (*blocked != -EAGAIN)
		*blocked = ret;
	return vma;
}

/*
 * Merge the VMAs in [addr, end) of @mm (mmap_lock held for write): the
 * number merged away, or an error if none (-ENOMEM: nothing mapped).
 */
static long vmxfer_merge_range(struct mm_struct *mm, unsigned long addr,
			       unsigned long end)
{
	struct vm_area_struct *vma;
	int before = mm->map_count, blocked = 0;
	bool found = false;
	long ret = 0;

	while (addr < end) {
		vma = find_vma(mm, addr);
		if (!vma || vma->vm_start >= end)
			break;
		found = true;
		vma = vmxfer_merge_one(mm, vma, &blocked);
		if (IS_ERR(vma)) {
			ret = PTR_ERR(vma);
			break;
		}
		addr = vma->vm_end;
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		cond_resched();
	}
	if (before != mm->map_count)
		return before - mm->map_count;
	if (ret)
		return ret;
	return found ? blocked : -ENOMEM;
}

/*
 * After a successful move (remap) to [addr, addr + len), with the mmap_lock
 * still held for write: merge the new VMA with its neighbours where its
 * pages allow (exclusive, unpinned), silently leaving it as it is
 * otherwise.  Only this CPU's LRU batch is drained (a drain of all waits
 * for every CPU): pages faulted elsewhere and not yet on the LRU hold a
 * reference that keeps the VMA unmerged.
 */
void vmxfer_merge_moved(struct mm_struct *mm, unsigned long addr,
			unsigned long len)
{
	if (!vmxfer_symbols_cover(VMXFER_FEAT_MERGE))
		return;
	static_call(vmxfer_lru_add_drain)();
	vmxfer_merge_range(mm, addr, addr + len);
}

/* The VMAs merged away, or an error if none. */
static long vmxfer_merge_do(struct vmxfer_merge *a)
{
	struct mm_struct *mm = current->mm;
	long ret;

	/* Per-cpu LRU batches hold page references the checks would count. */
	static_call(vmxfer_lru_add_drain_all)();
	if (mmap_write_lock_killable(mm))
		return -EINTR;
	ret = vmxfer_merge_range(mm, a->addr, a->addr + a->len);
	mmap_write_unlock(mm);
	if (ret < 0)
		return ret;
	a->merged = ret;
	return 0;
}

long vmxfer_ioctl_merge(void __user *uarg)
{
	struct vmxfer_merge a;
	u32 usize;
	long ret;

	ret = vmxfer_copy_args(&a, sizeof(a), VMXFER_MERGE_SIZE_VER0, uarg,
			       &usize);
	if (ret)
		return ret;
	if (a.flags || a.merged)
		return -EINVAL;
	if (!a.len || offset_in_page(a.addr) || a.len > TASK_SIZE ||
	    a.addr > TASK_SIZE - PAGE_ALIGN(a.len))
		return -EINVAL;
	a.len = PAGE_ALIGN(a.len);
	ret = vmxfer_probe_result(uarg, usize, &a, sizeof(a));
	if (ret)
		return ret;
	ret = vmxfer_merge_do(&a);
	if (ret < 0)
		return ret;
	return vmxfer_copy_result(uarg, usize, &a, sizeof(a));
}
