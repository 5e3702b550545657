/* SPDX-License-Identifier: GPL-2.0 */
/* Declarations shared by vmxfer's source files. */
#ifndef VMXFER_INTERNAL_H
#define VMXFER_INTERNAL_H

#include <linux/types.h>
#include <linux/vmxfer.h>

/*
 * Operations built into this version of the module.  An operation's
 * feature bit is reported only when it is built, supported on the running
 * kernel line (compat.h) and all its symbols are resolved (symbols.h).
 */
#define VMXFER_OPS_BUILT	(VMXFER_FEAT_CLONE | VMXFER_FEAT_SPLICE | \
				 VMXFER_FEAT_REMAP | VMXFER_FEAT_MOVE | \
				 VMXFER_FEAT_MERGE)

int vmxfer_copy_args(void *karg, size_t ksize, size_t ver0,
		     const void __user *uarg, u32 *usize);
int vmxfer_copy_result(void __user *uarg, u32 usize, void *karg, size_t ksize);
int vmxfer_probe_result(void __user *uarg, u32 usize, const void *karg,
			size_t ksize);
int vmxfer_copy_result_nofault(void __user *uarg, u32 usize, void *karg,
			       size_t ksize);
bool vmxfer_args_overlap(const void __user *uarg, u32 usize, size_t ksize,
			 unsigned long start, unsigned long len);

struct mm_struct *vmxfer_target_mm(int pidfd);

/* What vmxfer may map in the caller, and where (policy.c). */
struct file;
struct mm_struct;
struct vm_area_struct;

struct vmxfer_lsm_ent {
	struct file *file;	/* referenced, or NULL */
	unsigned long start;
	unsigned long end;
	unsigned long flags;	/* vm_flags */
};

/* The source mappings an operation will recreate, as the LSMs approved. */
struct vmxfer_lsm_set {
	struct vmxfer_lsm_ent *ent;
	unsigned int nr;
};

int vmxfer_lsm_collect(struct mm_struct *mm, unsigned long start,
		       unsigned long end, struct vmxfer_lsm_set *set);
int vmxfer_lsm_approve(struct vmxfer_lsm_set *set);
int vmxfer_lsm_verify(const struct vmxfer_lsm_set *set, unsigned int idx,
		      struct vm_area_struct *vma);
void vmxfer_lsm_release(struct vmxfer_lsm_set *set);
int vmxfer_policy_vma(struct vm_area_struct *vma, unsigned long *clear);
long vmxfer_place_hint(unsigned long src, unsigned long dst, unsigned long len);

/* The anon_vma roots of an mm, as a set (roots.c). */
struct anon_vma;

struct vmxfer_roots {
	const struct anon_vma **slot;
	unsigned int bits;
};

int vmxfer_roots_build(struct vmxfer_roots *r, struct mm_struct *mm);
bool vmxfer_roots_has(const struct vmxfer_roots *r,
		      const struct anon_vma *root);
void vmxfer_roots_free(struct vmxfer_roots *r);

/* One handler per operation, one file each. */
long vmxfer_ioctl_clone(void __user *uarg);
long vmxfer_ioctl_splice(void __user *uarg);
long vmxfer_ioctl_remap(void __user *uarg);
long vmxfer_ioctl_move(void __user *uarg);
long vmxfer_ioctl_merge(void __user *uarg);

/* Re-indexing of an anonymous VMA's pages (reindex.c). */
struct vm_area_struct;
int vmxfer_reindex_vma(struct vm_area_struct *vma, pgoff_t pgoff);
void vmxfer_merge_moved(struct mm_struct *mm, unsigned long addr,
			unsigned long len);

#endif /* VMXFER_INTERNAL_H */
