// SPDX-License-Identifier: GPL-2.0
/*
 * VMXFER_IOC_REMAP: move a private anonymous range of the caller to a new
 * address, possibly growing it, and leave the old range mapped as a fresh
 * mapping: MREMAP_RETAIN (Daniel Micay, 2014), i.e. MREMAP_DONTUNMAP
 * that may grow.
 *
 * Built on the two internals mremap(2) moves with: copy_vma() makes the
 * new VMA (of new_len: the tail beyond old_len has no pages and faults
 * zero-filled ones, its page offsets stay linear) and move_page_tables()
 * moves the entries, THPs as whole PMDs when both ends are equally
 * aligned.  No data page is copied, read or swapped in.
 *
 * Everything runs under the caller's mmap_lock held for write, with the
 * source VMA write-locked on per-VMA-lock kernels (so no fault runs in it
 * under a VMA lock alone): other threads see the move at once or not at
 * all.  All checks come before the first change; after that only the
 * FIXED unmap of the destination and an allocation failure in
 * copy_vma()/move_page_tables() remain (then the entries are moved back
 * and the new VMA unmapped, as mremap(2) recovers).
 */
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/mmap_lock.h>
#include <linux/uaccess.h>
#include <linux/userfaultfd_k.h>

#include "compat.h"
#include "internal.h"

#define VMXFER_REMAP_FIXED_ANY (VMXFER_REMAP_FIXED | VMXFER_REMAP_FIXED_NOREPLACE)

/* v1: private anonymous memory only, not locked, merged or registered. */
static int vmxfer_remap_vma_ok(struct vm_area_struct *vma)
{
	if (!vma_is_anonymous(vma) || vma->vm_file)
		return -EINVAL;
	if (vma->vm_flags & (VM_SHARED | VM_HUGETLB | VM_IO | VM_PFNMAP |
			     VM_MIXEDMAP | VM_DONTEXPAND | VM_GROWSDOWN |
			     VM_GROWSUP | VM_MERGEABLE | VMXFER_VM_SEALED |
			     VMXFER_VM_LOCKED_MASK))
		return -EINVAL;
	if (userfaultfd_armed(vma))
		return -EINVAL;
	return 0;
}

/* The one VMA holding [addr, addr + len), else -EFAULT; then its kind. */
static struct vm_area_struct *vmxfer_remap_src(struct mm_struct *mm,
					       unsigned long addr,
					       unsigned long len)
{
	struct vm_area_struct *vma = vmxfer_vma_lookup(mm, addr);
	int ret;

	if (!vma || addr + len > vma->vm_end)
		return ERR_PTR(-EFAULT);
	ret = vmxfer_remap_vma_ok(vma);
	return ret ? ERR_PTR(ret) : vma;
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
 * The move proper, once the destination is free: new VMA, entries, then
 * what MREMAP_DONTUNMAP does to its source.
 */
static long vmxfer_remap_move(struct mm_struct *mm, struct vm_area_struct *vma,
			      unsigned long old, unsigned long old_len,
			      unsigned long addr, unsigned long new_len,
			      bool *charged)
{
	pgoff_t pgoff = vma->vm_pgoff + ((old - vma->vm_start) >> PAGE_SHIFT);
	unsigned long hiwater_vm, moved;
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
	hiwater_vm = mm->hiwater_vm;
	static_call(vmxfer_vm_stat_account)(mm, vma->vm_flags,
					    new_len >> PAGE_SHIFT);

	moved = vmxfer_move_page_tables(vma, old, new, addr, old_len,
					need_rmap_locks);
	if (moved < old_len) {
		/* Page tables exist where entries came from: this succeeds. */
		vmxfer_move_page_tables(new, addr, vma, old, moved, true);
		/* Gives back the new range's commit charge and total_vm. */
		static_call(vmxfer_do_munmap)(mm, addr, new_len, NULL);
		*charged = false;
		mm->hiwater_vm = hiwater_vm;
		return -ENOMEM;
	}

#ifdef VMXFER_REMAP_UNLINK
	/*
	 * A wholly moved source has no page left: drop its anon_vma links,
	 * and give it the offset of a VMA never faulted, so it can merge
	 * again (as MREMAP_DONTUNMAP does since 6.1).
	 */
	if (old == vma->vm_start && old + old_len == vma->vm_end) {
		static_call(vmxfer_unlink_anon_vmas)(vma);
		vma->vm_pgoff = vma->vm_start >> PAGE_SHIFT;
	}
#endif
	return addr;
}

static long vmxfer_remap_locked(struct mm_struct *mm, struct vmxfer_remap *a)
{
	unsigned long old = a->old_addr, old_len = a->old_len;
	unsigned long new_len = a->new_len, npages = new_len >> PAGE_SHIFT;
	struct vm_area_struct *vma;
	bool charged = false;
	long addr, ret;

	vma = vmxfer_remap_src(mm, old, old_len);
	if (IS_ERR(vma))
		return PTR_ERR(vma);
	addr = vmxfer_remap_place(mm, old, old_len, a->new_addr, new_len,
				  a->flags);
	if (IS_ERR_VALUE(addr))
		return addr;

	/* mremap's limits: a split each side plus the new VMA. */
	if (mm->map_count >= vx_max_map_count - 3)
		return -ENOMEM;
	if (!vmxfer_may_expand_vm(mm, vma, npages))
		return -ENOMEM;
	if (vma->vm_flags & VM_ACCOUNT) {
		if (static_call(vmxfer_security_vm_enough_memory_mm)(mm, npages))
			return -ENOMEM;
		charged = true;
	}

	if (a->flags & VMXFER_REMAP_FIXED) {
		ret = static_call(vmxfer_do_munmap)(mm, addr, new_len, NULL);
		if (ret)
			goto uncharge;
		/* The unmap may have split the source's VMA: look again. */
		vma = vmxfer_remap_src(mm, old, old_len);
		if (WARN_ON_ONCE(IS_ERR(vma))) {
			ret = PTR_ERR(vma);
			goto uncharge;
		}
	}

	/* No fault may run in the source under its VMA lock alone. */
	vmxfer_vma_start_write(vma);
	ret = vmxfer_remap_move(mm, vma, old, old_len, addr, new_len,
				&charged);
	if (!IS_ERR_VALUE(ret))
		return ret;
uncharge:
	if (charged)
		vmxfer_unacct_memory(npages);
	return ret;
}

static long vmxfer_remap_do(struct vmxfer_remap *a)
{
	struct mm_struct *mm = current->mm;
	long ret;

	if (mmap_write_lock_killable(mm))
		return -EINTR;
	ret = vmxfer_remap_locked(mm, a);
	mmap_write_unlock(mm);
	return ret;
}

long vmxfer_ioctl_remap(void __user *uarg)
{
	struct vmxfer_remap a;
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
	    (offset_in_page(a.new_addr) || a.new_addr > TASK_SIZE - a.new_len))
		return -EINVAL;
	/* Fail before moving anything if the result cannot be written. */
	ret = vmxfer_probe_result(uarg, usize, &a, sizeof(a));
	if (ret)
		return ret;

	ret = vmxfer_remap_do(&a);
	if (IS_ERR_VALUE(ret))
		return ret;
	a.new_addr = ret;
	return vmxfer_copy_result(uarg, usize, &a, sizeof(a));
}
