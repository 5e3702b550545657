// SPDX-License-Identifier: GPL-2.0
/*
 * The anon_vma roots of an mm, as a set: "does this mm share anonymous
 * memory history with that VMA?" (a fork relative, an earlier clone, or the
 * mm itself) in constant time.  Every VMA of one anon_vma tree, whatever
 * its mm, has an anon_vma with the same root.
 *
 * Built once per operation under the mm's mmap_lock and used while that
 * lock is held: the set is then exactly the mm's.  An open-addressing hash
 * of root pointers, at most half full.
 */
#include <linux/hash.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/rmap.h>
#include <linux/slab.h>

#include "compat.h"
#include "internal.h"

static unsigned int vmxfer_roots_slot(const struct vmxfer_roots *r,
				      const struct anon_vma *root)
{
	unsigned int i = hash_ptr(root, r->bits);

	while (r->slot[i] && r->slot[i] != root)
		i = (i + 1) & ((1U << r->bits) - 1);
	return i;
}

static unsigned int vmxfer_roots_count(struct mm_struct *mm)
{
	VMXFER_VMA_ITER(vmi, mm);
	struct vm_area_struct *v;
	unsigned int n = 0;

	while ((v = vmxfer_vma_next(&vmi)))
		n += !!v->anon_vma;
	return n;
}

static void vmxfer_roots_fill(struct vmxfer_roots *r, struct mm_struct *mm)
{
	VMXFER_VMA_ITER(vmi, mm);
	struct vm_area_struct *v;

	while ((v = vmxfer_vma_next(&vmi)))
		if (v->anon_vma)
			r->slot[vmxfer_roots_slot(r, v->anon_vma->root)] =
				v->anon_vma->root;
}

/*
 * Collect the roots of @mm's anon_vmas (mmap_lock held).  0 or -ENOMEM.
 * An mm without anonymous memory history needs no memory at all.
 */
int vmxfer_roots_build(struct vmxfer_roots *r, struct mm_struct *mm)
{
	unsigned int n = vmxfer_roots_count(mm);

	r->slot = NULL;
	r->bits = 0;
	if (!n)
		return 0;
	r->bits = max(4, ilog2(n) + 2);
	r->slot = kvcalloc(1U << r->bits, sizeof(*r->slot), GFP_KERNEL_ACCOUNT);
	if (!r->slot)
		return -ENOMEM;
	vmxfer_roots_fill(r, mm);
	return 0;
}

bool vmxfer_roots_has(const struct vmxfer_roots *r,
		      const struct anon_vma *root)
{
	if (!r->slot)
		return false;
	return r->slot[vmxfer_roots_slot(r, root)] == root;
}

void vmxfer_roots_free(struct vmxfer_roots *r)
{
	kvfree(r->slot);
	r->slot = NULL;
}
