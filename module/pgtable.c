// SPDX-License-Identifier: GPL-2.0
/*
 * Page-table walking shared by the operations (clone, move): finding a
 * source PMD without allocating, a destination PMD allocating the levels
 * above it, and the order two page-table locks are taken in.
 */
#include <linux/mm.h>
#include <linux/pgtable.h>

#include "compat.h"
#include "pgtable.h"

/*
 * The PMD covering @addr (a source's, or a destination's looked up
 * without allocating), or NULL where no table exists; then
 * *@next is the end of the empty upper-level entry (at most @end), so a
 * sparse range is walked a table, not a PMD, at a time.  Each level's end
 * is bounded by its parent's, as in the kernel's nested walkers: a folded
 * level's *_addr_end() is its @end argument (5.10: p4d folded).
 */
pmd_t *vmxfer_find_pmd(struct mm_struct *mm, unsigned long addr,
		       unsigned long end, unsigned long *next)
{
	pgd_t *pgd = pgd_offset(mm, addr);
	p4d_t *p4d;
	pud_t *pud;

	*next = pgd_addr_end(addr, end);
	if (pgd_none(*pgd) || pgd_bad(*pgd))
		return NULL;
	p4d = p4d_offset(pgd, addr);
	*next = p4d_addr_end(addr, *next);
	if (p4d_none(*p4d) || p4d_bad(*p4d))
		return NULL;
	pud = pud_offset(p4d, addr);
	*next = pud_addr_end(addr, *next);
	if (pud_none(*pud) || pud_bad(*pud))
		return NULL;
	return pmd_offset(pud, addr);
}

/* The destination PMD covering @addr, allocating tables down to it. */
pmd_t *vmxfer_dst_pmd(struct mm_struct *mm, unsigned long addr)
{
	pgd_t *pgd = pgd_offset(mm, addr);
	p4d_t *p4d;
	pud_t *pud;

	if (pgd_none(*pgd) && vmxfer_p4d_alloc(mm, pgd, addr))
		return NULL;
	p4d = p4d_offset(pgd, addr);
	if (p4d_none(*p4d) && static_call(vmxfer___pud_alloc)(mm, p4d, addr))
		return NULL;
	pud = pud_offset(p4d, addr);
	if (pud_none(*pud) && static_call(vmxfer___pmd_alloc)(mm, pud, addr))
		return NULL;
	return pmd_offset(pud, addr);
}

/* A source PMD that is not (or no longer) a page table: what to do. */
int vmxfer_pmd_verdict(pmd_t pmd)
{
	if (pmd_none(pmd))
		return 0;
	return -EAGAIN;		/* migrating, or changed under us */
}

/*
 * The source table's lock, taken inside the destination's, unless it is
 * the same lock: cloning from oneself, both ranges may share a table.
 * For two tables of one mm where another path may lock the same pair
 * (move), use vmxfer_double_ptl_lock() instead.
 */
void vmxfer_lock_src_ptl(spinlock_t *src, spinlock_t *dst)
	__acquires(src)
{
	if (src != dst)
		spin_lock_nested(src, SINGLE_DEPTH_NESTING);
	else
		__acquire(src);
}

void vmxfer_unlock_src_ptl(spinlock_t *src, spinlock_t *dst)
	__releases(src)
{
	if (src != dst)
		spin_unlock(src);
	else
		__release(src);
}

/*
 * Two page-table locks of one mm, lower address first (as the kernel's
 * UFFDIO_MOVE orders them, so the two cannot deadlock), or one if both
 * tables share it.
 */
void vmxfer_double_ptl_lock(spinlock_t *a, spinlock_t *b)
	__acquires(a) __acquires(b)
{
	if (a > b)
		swap(a, b);
	spin_lock(a);
	if (a != b)
		spin_lock_nested(b, SINGLE_DEPTH_NESTING);
	else
		__acquire(b);
}

void vmxfer_double_ptl_unlock(spinlock_t *a, spinlock_t *b)
	__releases(a) __releases(b)
{
	if (a != b)
		spin_unlock(b);
	else
		__release(b);
	spin_unlock(a);
}
