// SPDX-License-Identifier: GPL-2.0
/*
 * What vmxfer may map in the caller, and where.
 *
 * ptrace access to a target gives its data, never a mapping the caller's
 * own policy forbids.  Every mapping vmxfer creates in the caller passes the
 * checks mmap(2) would make of the caller for the same mapping (the same
 * file, protections and sharing), in the caller's context:
 *
 *  - the LSM hook security_mmap_file() (SELinux execmem, FILE__MAP and
 *    FILE__EXECUTE, AppArmor's mmap permission, IMA), with no mmap_lock
 *    held, as vm_mmap_pgoff() calls it (an LSM may take inode locks, which
 *    rank above mmap_lock).  vmxfer_lsm_collect() records the source
 *    mappings under the target's mmap_lock (read), vmxfer_lsm_approve()
 *    asks the LSMs with no lock held, and the locked operation checks with
 *    vmxfer_lsm_verify() that it maps exactly what was approved; anything
 *    changed in between is -EAGAIN and a new round;
 *  - under the locks, vmxfer_policy_vma(): memory-deny-write-execute
 *    (PR_SET_MDWE, 6.3+), arch_validate_flags(), and what do_mmap() asks of
 *    a file: opened for reading; when shared writable, not a swap file;
 *    when shared, not append-only if opened for writing; exec only from a
 *    mount without noexec (VM_MAYEXEC dropped there); memfd write seals
 *    (shared writable refused, VM_MAYWRITE dropped for shared read-only);
 *  - the address: get_unmapped_area() makes the security_mmap_addr() check
 *    (vm.mmap_min_addr unless CAP_SYS_RAWIO) for fixed and hinted addresses
 *    alike, and vmxfer_place_hint() rounds a hint below vm.mmap_min_addr up,
 *    as do_mmap() does.
 */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/mmap_lock.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <uapi/linux/fcntl.h>

#include "compat.h"
#include "internal.h"

/* The mmap(2) protections of a mapping with @flags. */
static unsigned long vmxfer_prot(vm_flags_t flags)
{
	return (flags & VM_READ ? PROT_READ : 0) |
	       (flags & VM_WRITE ? PROT_WRITE : 0) |
	       (flags & VM_EXEC ? PROT_EXEC : 0);
}

/* What the LSM hook sees of a mapping: its file, protections, sharing. */
static bool vmxfer_lsm_same(struct file *fa, vm_flags_t a,
			    struct file *fb, vm_flags_t b)
{
	const vm_flags_t seen = VM_READ | VM_WRITE | VM_EXEC | VM_MAYSHARE;

	return fa == fb && (a & seen) == (b & seen);
}

static void vmxfer_lsm_record(struct vmxfer_lsm_ent *e,
			      struct vm_area_struct *vma)
{
	e->file = vma->vm_file;
	if (e->file)
		get_file(e->file);
	e->start = vma->vm_start;
	e->end = vma->vm_end;
	e->flags = vma->vm_flags;
}

/*
 * Record every mapping of @mm meeting [start, end), under its mmap_lock
 * (read, killable: @mm may be another process's).  Holes are skipped: the
 * operation itself reports them.  0, -EINTR or -ENOMEM.
 */
int vmxfer_lsm_collect(struct mm_struct *mm, unsigned long start,
		       unsigned long end, struct vmxfer_lsm_set *set)
{
	struct vm_area_struct *vma;
	unsigned int n = 0;
	int ret = 0;

	set->ent = NULL;
	set->nr = 0;
	if (mmap_read_lock_killable(mm))
		return -EINTR;
	for (vma = find_vma(mm, start); vma && vma->vm_start < end;
	     vma = find_vma(mm, vma->vm_end))
		n++;
	if (!n)
		goto out;
	set->ent = kvmalloc_array(n, sizeof(*set->ent), GFP_KERNEL_ACCOUNT);
	if (!set->ent) {
		ret = -ENOMEM;
		goto out;
	}
	for (vma = find_vma(mm, start); vma && vma->vm_start < end && set->nr < n;
	     vma = find_vma(mm, vma->vm_end))
		vmxfer_lsm_record(&set->ent[set->nr++], vma);
out:
	mmap_read_unlock(mm);
	return ret;
}

/*
 * Ask the LSMs, with no lock held, whether the caller may map each
 * recorded mapping as mmap(2) would map it: security_mmap_file() with its
 * file, protections and MAP_SHARED/MAP_PRIVATE.  0 or the LSM's -errno.
 */
int vmxfer_lsm_approve(struct vmxfer_lsm_set *set)
{
	struct vmxfer_lsm_ent *e, *prev = NULL;
	unsigned int i;
	int ret;

	for (i = 0; i < set->nr; prev = e, i++) {
		e = &set->ent[i];
		if (prev && vmxfer_lsm_same(e->file, e->flags, prev->file,
					    prev->flags))
			continue;
		ret = vmxfer_security_mmap_file(e->file, vmxfer_prot(e->flags),
						e->flags & VM_MAYSHARE ?
						MAP_SHARED : MAP_PRIVATE);
		if (ret)
			return ret;
		cond_resched();
	}
	return 0;
}

/*
 * Is @vma, the @idx-th mapping of the range, the one approved?  -EAGAIN if
 * the target changed its mappings since vmxfer_lsm_collect().
 */
int vmxfer_lsm_verify(const struct vmxfer_lsm_set *set, unsigned int idx,
		      struct vm_area_struct *vma)
{
	const struct vmxfer_lsm_ent *e = &set->ent[idx];

	if (idx >= set->nr || e->start != vma->vm_start ||
	    e->end != vma->vm_end ||
	    !vmxfer_lsm_same(e->file, e->flags, vma->vm_file, vma->vm_flags))
		return -EAGAIN;
	return 0;
}

void vmxfer_lsm_release(struct vmxfer_lsm_set *set)
{
	unsigned int i;

	for (i = 0; i < set->nr; i++)
		if (set->ent[i].file)
			fput(set->ent[i].file);
	kvfree(set->ent);
	set->ent = NULL;
	set->nr = 0;
}

/* memfd write seals, as do_mmap() applies them (shmem; hugetlb is refused). */
static int vmxfer_policy_seals(struct file *file, vm_flags_t flags,
			       vm_flags_t *clear)
{
	unsigned int seals;

	if (!vmxfer_shmem_mapping(file->f_mapping))
		return 0;
	seals = READ_ONCE(SHMEM_I(file_inode(file))->seals);
	if (!(seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)) ||
	    !(flags & VM_SHARED))
		return 0;
	if (flags & VM_WRITE)
		return -EPERM;
	*clear |= VM_MAYWRITE;
	return 0;
}

/* What do_mmap() asks of the file of a mapping with @flags. */
static int vmxfer_policy_file(struct file *file, vm_flags_t flags,
			      vm_flags_t *clear)
{
	struct inode *inode = file_inode(file);

	if (!(file->f_mode & FMODE_READ))
		return -EACCES;
	if (flags & VM_MAYSHARE) {
		if ((flags & VM_WRITE) && !(file->f_mode & FMODE_WRITE))
			return -EACCES;
		/* As do_mmap(): a swap partition's flag is on the bdev's inode. */
		if ((flags & VM_WRITE) && IS_SWAPFILE(file->f_mapping->host))
			return -ETXTBSY;
		if (IS_APPEND(inode) && (file->f_mode & FMODE_WRITE))
			return -EACCES;
	}
	if (vmxfer_path_noexec(&file->f_path)) {
		if (flags & VM_EXEC)
			return -EPERM;
		*clear |= VM_MAYEXEC;
	}
	return vmxfer_policy_seals(file, flags, clear);
}

/*
 * May the caller have a mapping like @vma (its flags less @*clear)?  The
 * checks mmap(2) makes under the mmap_lock; adds to @*clear the VM_MAY*
 * bits mmap(2) would not grant.  0, -EACCES, -EPERM, -ETXTBSY or -EINVAL.
 */
int vmxfer_policy_vma(struct vm_area_struct *vma, vm_flags_t *clear)
{
	vm_flags_t flags = vma->vm_flags & ~*clear;
	int ret;

	if (vma->vm_file) {
		ret = vmxfer_policy_file(vma->vm_file, flags, clear);
		if (ret)
			return ret;
		flags &= ~*clear;
	}
	if (vmxfer_mdwe_denies(flags))
		return -EACCES;
	if (!vmxfer_arch_validate_flags(flags))
		return -EINVAL;
	return 0;
}

/*
 * A hint below vm.mmap_min_addr is raised to it, as do_mmap() does: a hint
 * is only a hint, and the lowest pages are left alone.
 */
static unsigned long vmxfer_round_hint(unsigned long hint)
{
	unsigned long min = READ_ONCE(vx_mmap_min_addr);

	hint &= PAGE_MASK;
	if (hint && hint < min)
		return PAGE_ALIGN(min);
	return hint;
}

/*
 * An unmapped area of @len bytes in the caller for data now at @src: at
 * the hint @dst if free, else anywhere, at @src's offset within a PMD so
 * that whole THPs can be mapped or moved as PMDs.  The address or -errno.
 */
long vmxfer_place_hint(unsigned long src, unsigned long dst, unsigned long len)
{
	unsigned long addr;

	dst = vmxfer_round_hint(dst);
	if (dst) {
		addr = vmxfer_get_unmapped_area(dst, len, 0);
		if (addr == dst)
			return addr;
	}
	addr = vmxfer_get_unmapped_area(dst, len + HPAGE_PMD_SIZE, 0);
	if (IS_ERR_VALUE(addr))
		return vmxfer_get_unmapped_area(dst, len, 0);
	return addr + ((src - addr) & ~HPAGE_PMD_MASK);
}
