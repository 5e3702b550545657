/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel-line differences of VMA handling and the caller's mmap policy:
 * address placement, copy_vma()/move_page_tables()/split_vma() as remap
 * uses them, MDWE, arch and LSM checks, commit-charge accounting.  Split
 * out of compat.h (included at its end, after symbols.h) when that passed
 * 1,000 lines.
 */
#ifndef VMXFER_COMPAT_VMA_H
#define VMXFER_COMPAT_VMA_H

#include <linux/mempolicy.h>
#include <linux/mm_inline.h>

/* get_unmapped_area() for the current mm, with its usual checks. */
static inline unsigned long vmxfer_get_unmapped_area(unsigned long addr,
						     unsigned long len,
						     unsigned long flags)
{
#ifdef VMXFER_HAVE_GET_UNMAPPED_AREA_FN
	return static_call(vmxfer___get_unmapped_area)(NULL, addr, len, 0,
							 flags, 0);
#else
	return get_unmapped_area(NULL, addr, len, 0, flags);
#endif
}

/* copy_vma() for a move that keeps its source mapped. */
static inline struct vm_area_struct *
vmxfer_copy_vma(struct vm_area_struct **vmap, unsigned long addr,
		unsigned long len, pgoff_t pgoff, bool *need_rmap_locks)
{
#ifdef VMXFER_COPY_VMA_KEEP_SOURCE
	return static_call(vmxfer_copy_vma)(vmap, addr, len, pgoff,
					    need_rmap_locks, true);
#else
	return static_call(vmxfer_copy_vma)(vmap, addr, len, pgoff,
					    need_rmap_locks);
#endif
}

/* Move the page tables of [old_addr, +len) of @vma to @new_vma at new_addr. */
static inline unsigned long
vmxfer_move_page_tables(struct vm_area_struct *vma, unsigned long old_addr,
			struct vm_area_struct *new_vma, unsigned long new_addr,
			unsigned long len, bool need_rmap_locks)
{
#ifdef VMXFER_PAGETABLE_MOVE_CONTROL
	struct pagetable_move_control pmc = {
		.old = vma,
		.new = new_vma,
		.old_addr = old_addr,
		.old_end = old_addr + len,
		.new_addr = new_addr,
		.len_in = len,
		.need_rmap_locks = need_rmap_locks,
	};

	return static_call(vmxfer_move_page_tables)(&pmc);
#elif KERNEL_VERSION(6, 10, 0) <= LINUX_VERSION_CODE
	return static_call(vmxfer_move_page_tables)(vma, old_addr, new_vma,
						    new_addr, len,
						    need_rmap_locks, false);
#else
	return static_call(vmxfer_move_page_tables)(vma, old_addr, new_vma,
						    new_addr, len,
						    need_rmap_locks);
#endif
}

/* split_vma(): takes a vma_iterator since 6.3, the mm before. */
static inline int vmxfer_split_vma(struct mm_struct *mm,
				   struct vm_area_struct *vma,
				   unsigned long addr, int new_below)
{
#if KERNEL_VERSION(6, 3, 0) <= LINUX_VERSION_CODE
	VMA_ITERATOR(vmi, mm, addr);

	return static_call(vmxfer_split_vma)(&vmi, vma, addr, new_below);
#else
	return static_call(vmxfer_split_vma)(mm, vma, addr, new_below);
#endif
}

/*
 * Before 6.1 (no keep_source), an unfaulted anonymous source gets its
 * anon_vma now:
 * copy_vma() would otherwise re-base the new range's offset so that it
 * may merge into the source itself.
 */
static inline int vmxfer_remap_prepare(struct vm_area_struct *vma)
{
#ifdef VMXFER_COPY_VMA_KEEP_SOURCE
	return 0;
#else
	if (vma->anon_vma || !vma_is_anonymous(vma))
		return 0;
	return static_call(vmxfer___anon_vma_prepare)(vma);
#endif
}

/*
 * merge: the VMA before @vma (adjacent or not, NULL if none), as the
 * kernel's own merge helpers are given it: ->vm_prev before 6.1, the
 * maple tree since (find_vma_prev() is not exported; mas_walk() and
 * mas_prev() are).
 */
static inline struct vm_area_struct *vmxfer_vma_prev(struct mm_struct *mm,
						     struct vm_area_struct *vma)
{
#if KERNEL_VERSION(6, 1, 0) <= LINUX_VERSION_CODE
	MA_STATE(mas, &mm->mm_mt, vma->vm_start, vma->vm_start);

	mas_walk(&mas);
	return mas_prev(&mas, 0);
#else
	return vma->vm_prev;
#endif
}

/*
 * merge: merge @vma, unchanged, with its neighbours if they are now
 * compatible (page offsets included), as mprotect() merges a range whose
 * flags it changed.  Returns the merged VMA, @vma if nothing merged, or
 * an ERR_PTR (6.12+: no memory).  mmap_lock held for write.
 *  - 5.10, 6.1: vma_merge() (6.1 adds the anon_vma_name argument; a NULL
 *    stub with CONFIG_ANON_VMA_NAME off, as Debian builds it).
 *  - 6.12: vma_modify_flags() with the VMA's own flags (mm/vma.h, not
 *    shipped: declared in compat.h), given an iterator positioned at @vma
 *    as mprotect's loop gives it.
 *  - 7.0+ (7.2 checked): the flags are a vma_flags_t, passed by pointer.
 */
static inline struct vm_area_struct *
vmxfer_vma_merge_self(struct mm_struct *mm, struct vm_area_struct *vma)
{
#if KERNEL_VERSION(6, 12, 0) <= LINUX_VERSION_CODE
	VMA_ITERATOR(vmi, mm, vma->vm_start);
	struct vm_area_struct *prev;
#if KERNEL_VERSION(7, 0, 0) <= LINUX_VERSION_CODE
	vma_flags_t flags = vma->flags;
#endif

	if (vma_find(&vmi, vma->vm_end) != vma)
		return vma;
	prev = vma_prev(&vmi);
	if (vma_find(&vmi, vma->vm_end) != vma)
		return vma;
#if KERNEL_VERSION(7, 0, 0) <= LINUX_VERSION_CODE
	return static_call(vmxfer_vma_modify_flags)(&vmi, prev, vma,
						    vma->vm_start, vma->vm_end,
						    &flags);
#else
	return static_call(vmxfer_vma_modify_flags)(&vmi, prev, vma,
						    vma->vm_start, vma->vm_end,
						    vma->vm_flags);
#endif
#else
	struct vm_area_struct *res;

	res = static_call(vmxfer_vma_merge)(mm, vmxfer_vma_prev(mm, vma),
					    vma->vm_start, vma->vm_end,
					    vma->vm_flags, vma->anon_vma,
					    vma->vm_file, vma->vm_pgoff,
					    vma_policy(vma),
					    vma->vm_userfaultfd_ctx
#if KERNEL_VERSION(6, 1, 0) <= LINUX_VERSION_CODE
					    , anon_vma_name(vma)
#endif
					    );
	return res ?: vma;
#endif
}

/*
 * The caller's mapping policy (policy.c).
 *
 * Memory-deny-write-execute (PR_SET_MDWE, 6.3): mmap_region() refuses a new
 * mapping when map_deny_write_exec(flags, flags), i.e. write and exec
 * together.  The helper changed shape in 6.12 and moved to the private
 * mm/vma.h in 7.0, so its rule for a new mapping is spelt out; the mm flags
 * became an mm_flags_t with accessors in 6.18 (best known; 7.2 checked).
 */
static inline bool vmxfer_mdwe_denies(vm_flags_t flags)
{
#if KERNEL_VERSION(6, 18, 0) <= LINUX_VERSION_CODE
	if (!mm_flags_test(MMF_HAS_MDWE, current->mm))
		return false;
#elif KERNEL_VERSION(6, 3, 0) <= LINUX_VERSION_CODE
	if (!test_bit(MMF_HAS_MDWE, &current->mm->flags))
		return false;
#else
	return false;
#endif
	return (flags & VM_EXEC) && (flags & VM_WRITE);
}

/* arch_validate_flags() (linux/mman.h, 5.10+): e.g. arm64 MTE, sparc ADI. */
static inline bool vmxfer_arch_validate_flags(vm_flags_t flags)
{
	return arch_validate_flags(flags);
}

/* security_mmap_file(): unexported; an inline stub without CONFIG_SECURITY. */
static inline int vmxfer_security_mmap_file(struct file *file,
					    unsigned long prot,
					    unsigned long flags)
{
#ifdef CONFIG_SECURITY
	return static_call(vmxfer_security_mmap_file)(file, prot, flags);
#else
	return security_mmap_file(file, prot, flags);
#endif
}

/* path_noexec() (fs/exec.c) is not exported on any line. */
static inline bool vmxfer_path_noexec(const struct path *path)
{
	return static_call(vmxfer_path_noexec)(path);
}

/*
 * Is @mapping a shmem (tmpfs, memfd, shared anonymous) one?  An inline
 * over the exported shmem_aops in 6.1, an exported function by 6.12, and
 * an unexported one in 5.10 (the releases between: best known).
 */
static inline bool vmxfer_shmem_mapping(struct address_space *mapping)
{
#ifdef VMXFER_SHMEM_MAPPING_SYM
	return static_call(vmxfer_shmem_mapping)(mapping);
#else
	return shmem_mapping(mapping);
#endif
}

/* Give back a commit charge (vm_unacct_memory(): its counter is unexported). */
static inline void vmxfer_unacct_memory(long pages)
{
	percpu_counter_add_batch(vx_vm_committed_as, -pages,
				 vx_vm_committed_as_batch);
}

#endif /* VMXFER_COMPAT_VMA_H */
