/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernel lines vmxfer supports, in one place.
 *
 * Operation code is written against the newest API; this header maps older
 * kernels onto it.  Version checks are used where a feature probe is not
 * possible from a header; each one says which release made the change.
 */
#ifndef VMXFER_COMPAT_H
#define VMXFER_COMPAT_H

#include <linux/version.h>

/* Oldest kernel line the module is written for. */
#if KERNEL_VERSION(5, 10, 0) > LINUX_VERSION_CODE
#error "vmxfer needs Linux 5.10 or later"
#endif

#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/security.h>
#include <linux/shmem_fs.h>

/*
 * get_user_pages_remote() lost its "vmas" argument in 6.5 ("mm/gup: remove
 * vmas parameter from get_user_pages_remote()").
 * The caller holds mmap_read_lock(mm) and passes @locked = 1: GUP may drop
 * the lock to wait for I/O or a page lock (killably) and retake it
 * (killably); *@locked is 0 on return if it no longer holds it.
 */
static inline long vmxfer_gup_remote(struct mm_struct *mm, unsigned long start,
				     unsigned long nr_pages,
				     unsigned int gup_flags, struct page **pages,
				     int *locked)
{
#if KERNEL_VERSION(6, 5, 0) > LINUX_VERSION_CODE
	return get_user_pages_remote(mm, start, nr_pages, gup_flags, pages,
				     NULL, locked);
#else
	return get_user_pages_remote(mm, start, nr_pages, gup_flags, pages,
				     locked);
#endif
}

#include <linux/mmu_notifier.h>
#include <linux/rmap.h>
#include <linux/swap.h>
#include <linux/swapops.h>

/*
 * Which unexported helpers exist on this line (symbols.c lists an entry only
 * where it exists).  6.5 ("mm/pgtable: allow pte_offset_map[_lock]() to
 * fail") moved PTE mapping out of line; 6.10 turned get_unmapped_area()
 * into an inline over the unexported __get_unmapped_area().
 */
#if KERNEL_VERSION(6, 5, 0) <= LINUX_VERSION_CODE
#define VMXFER_HAVE_PTE_MAP_FNS		1
#endif
#if KERNEL_VERSION(6, 10, 0) <= LINUX_VERSION_CODE
#define VMXFER_HAVE_GET_UNMAPPED_AREA_FN	1
#endif
/*
 * pidfd_get_task() arrived in 5.13; before it, a pidfd's file is turned
 * into its struct pid by the unexported pidfd_pid().
 */
#if KERNEL_VERSION(5, 13, 0) <= LINUX_VERSION_CODE
#define VMXFER_HAVE_PIDFD_GET_TASK	1
#endif
/*
 * PageAnonExclusive and the exclusive bit of swap PTEs arrived in 5.19
 * ("mm/rmap: introduce PageAnonExclusive..."); before, whether an anonymous
 * page is mapped elsewhere is told by its mapcount (see
 * vmxfer_page_anon_exclusive()), and that needs total_mapcount() for THPs.
 */
#if KERNEL_VERSION(5, 19, 0) <= LINUX_VERSION_CODE
#define VMXFER_HAVE_ANON_EXCLUSIVE	1
#endif
/* shmem_mapping() is out of line and unexported before 5.11 (see below). */
#if KERNEL_VERSION(5, 11, 0) > LINUX_VERSION_CODE
#define VMXFER_SHMEM_MAPPING_SYM	1
#endif
/* memfd_secret(2) arrived in 5.14, with its header. */
#if KERNEL_VERSION(5, 14, 0) <= LINUX_VERSION_CODE
#include <linux/secretmem.h>
#endif
#include <linux/userfaultfd_k.h>

/*
 * Changes between 6.12 and 7.2 (Debian sid).  The release that made each
 * one is given as best known; only 6.12 (without) and 7.2 (with) are built
 * and tested.
 *  - 6.13: pte_offset_map_nolock() split into _ro_nolock()/_rw_nolock().
 *  - 6.15: the rmap dup helpers take the destination VMA (per-mm mapcount
 *    tracking, CONFIG_MM_ID); __split_huge_pmd() lost its folio argument.
 *  - 6.19: softleaf_t (linux/leafops.h) replaced the swp_entry_t tests of
 *    non-present PTEs (non_swap_entry(), is_migration_entry(), ...).
 *  - 7.0: swap tables: swap_duplicate()/add_swap_count_continuation()
 *    became swap_dup_entry_direct()/swap_retry_table_alloc(); the anon_vma
 *    API (anon_vma_fork()) and may_expand_vm(), now taking vma_flags_t,
 *    moved to mm/internal.h, so they are declared below.
 */
#if KERNEL_VERSION(6, 13, 0) <= LINUX_VERSION_CODE
#define VMXFER_HAVE_PTE_MAP_RW_NOLOCK	1
#endif
#if KERNEL_VERSION(6, 15, 0) <= LINUX_VERSION_CODE
#define VMXFER_RMAP_DST_VMA		1
#endif
#if KERNEL_VERSION(6, 19, 0) <= LINUX_VERSION_CODE
#define VMXFER_SOFTLEAF			1
#include <linux/leafops.h>
#endif
#if KERNEL_VERSION(7, 0, 0) <= LINUX_VERSION_CODE
#define VMXFER_SWAP_TABLE		1
#define VMXFER_MM_INTERNAL_DECLS	1

/*
 * anon_vma_fork() wants a VMA that is not in the tree yet (DEBUG_VM warns
 * otherwise), as fork gives it: clone forks the anon_vma first, then links
 * (see vmxfer_fork_and_link()), and undoes the fork with unlink_anon_vmas()
 * if linking fails.
 */
#define VMXFER_FORK_BEFORE_LINK		1

/* mm/internal.h's prototypes, for the static calls' types only. */
int anon_vma_fork(struct vm_area_struct *vma, struct vm_area_struct *pvma);
void unlink_anon_vmas(struct vm_area_struct *vma);
bool may_expand_vm(struct mm_struct *mm, const vma_flags_t *vma_flags,
		   unsigned long npages);
int swap_retry_table_alloc(swp_entry_t entry, gfp_t gfp);
int __anon_vma_prepare(struct vm_area_struct *vma);
#endif

/*
 * remap: copy_vma() and move_page_tables(), as mremap(2) uses them.
 *  - 6.1: copy_vma() gained "keep_source" (MREMAP_DONTUNMAP's guard
 *    against merging the new VMA into its own source).  5.10 lacks it: the
 *    source is given an anon_vma first (vmxfer_remap_prepare()), so the
 *    page offsets of the new range cannot continue the source's.
 *  - 6.1: unlink_anon_vmas() clears vma->anon_vma, so a VMA that stays
 *    mapped can be unlinked (DONTUNMAP's clean-up).  5.10's does not: the
 *    source keeps its anon_vma there, as 5.10's own DONTUNMAP leaves it.
 *  - 6.12: both moved to mm/vma.h and mm/internal.h (not shipped);
 *    move_page_tables() gained "for_stack".
 *  - 7.0 (7.2 checked): move_page_tables() takes a struct
 *    pagetable_move_control (mm/internal.h), declared here with the same
 *    layout.
 */
/* move: how a moved page is found by the rmap (see compat-rmap.h). */
#if KERNEL_VERSION(6, 12, 0) <= LINUX_VERSION_CODE
#define VMXFER_MOVE_RELINK		1
#endif
#if KERNEL_VERSION(6, 1, 0) <= LINUX_VERSION_CODE
#define VMXFER_COPY_VMA_KEEP_SOURCE	1
#define VMXFER_REMAP_UNLINK		1
#endif
#if KERNEL_VERSION(6, 10, 0) <= LINUX_VERSION_CODE
struct vm_area_struct *copy_vma(struct vm_area_struct **vmap,
				unsigned long addr, unsigned long len,
				pgoff_t pgoff, bool *need_rmap_locks,
				bool keep_source);
#endif
/* vm_operations_struct's ->split hook became ->may_split in 5.11. */
#if KERNEL_VERSION(5, 11, 0) <= LINUX_VERSION_CODE
#define VMXFER_VM_OPS_MAY_SPLIT	may_split
#else
#define VMXFER_VM_OPS_MAY_SPLIT	split
#endif
/* remap of a locked source: split_vma() moved to mm/vma.h in 6.11. */
#if KERNEL_VERSION(6, 11, 0) <= LINUX_VERSION_CODE
int split_vma(struct vma_iterator *vmi, struct vm_area_struct *vma,
	      unsigned long addr, int new_below);
#endif
#if KERNEL_VERSION(7, 0, 0) <= LINUX_VERSION_CODE
#define VMXFER_PAGETABLE_MOVE_CONTROL	1
/* Layout of mm/internal.h's struct pagetable_move_control (7.2.13). */
struct pagetable_move_control {
	struct vm_area_struct *old;
	struct vm_area_struct *new;
	unsigned long old_addr;
	unsigned long old_end;
	unsigned long new_addr;
	unsigned long len_in;
	bool need_rmap_locks;
	bool for_stack;
};

unsigned long move_page_tables(struct pagetable_move_control *pmc);
#elif KERNEL_VERSION(6, 10, 0) <= LINUX_VERSION_CODE
unsigned long move_page_tables(struct vm_area_struct *vma,
			       unsigned long old_addr,
			       struct vm_area_struct *new_vma,
			       unsigned long new_addr, unsigned long len,
			       bool need_rmap_locks, bool for_stack);
#endif

/* move: mm/swap.h's swap-cache lookup (5.10 has it in linux/swap.h). */
#if KERNEL_VERSION(7, 0, 0) <= LINUX_VERSION_CODE
struct folio *swap_cache_get_folio(swp_entry_t entry);
#elif KERNEL_VERSION(6, 1, 0) <= LINUX_VERSION_CODE
struct folio *swap_cache_get_folio(swp_entry_t entry,
				   struct vm_area_struct *vma,
				   unsigned long addr);
#endif

#include "symbols.h"

/*
 * The target's task from a pidfd: -EBADF when @pidfd is not one, -ESRCH
 * when its process is gone.
 */
static inline struct task_struct *vmxfer_pidfd_get_task(int pidfd)
{
#ifdef VMXFER_HAVE_PIDFD_GET_TASK
	unsigned int flags;

	return static_call(vmxfer_pidfd_get_task)(pidfd, &flags);
#else
	struct task_struct *task;
	struct file *file;
	struct pid *pid;

	file = fget(pidfd);
	if (!file)
		return ERR_PTR(-EBADF);
	pid = static_call(vmxfer_pidfd_pid)(file);
	task = IS_ERR(pid) ? ERR_CAST(pid) : get_pid_task(pid, PIDTYPE_TGID);
	fput(file);
	return task ? task : ERR_PTR(-ESRCH);
#endif
}

/* The userfaultfd VMA flags: one mask since 5.13 (with VM_UFFD_MINOR). */
#ifdef __VM_UFFD_FLAGS
#define VMXFER_VM_UFFD_FLAGS	__VM_UFFD_FLAGS
#else
#define VMXFER_VM_UFFD_FLAGS	(VM_UFFD_MISSING | VM_UFFD_WP)
#endif

/*
 * Walking every VMA of an mm (mmap_lock held): a maple tree since 6.1, the
 * mm->mmap list before.
 *	VMXFER_VMA_ITER(vmi, mm);
 *	while ((vma = vmxfer_vma_next(&vmi))) ...
 */
#if KERNEL_VERSION(6, 1, 0) <= LINUX_VERSION_CODE
#define VMXFER_VMA_ITER(name, mm)	VMA_ITERATOR(name, (mm), 0)
#define vmxfer_vma_next(it)		vma_next(it)
#else
struct vmxfer_vma_list {
	struct vm_area_struct *next;
};

#define VMXFER_VMA_ITER(name, mm)	struct vmxfer_vma_list name = { (mm)->mmap }

static inline struct vm_area_struct *vmxfer_vma_next(struct vmxfer_vma_list *it)
{
	struct vm_area_struct *v = it->next;

	if (v)
		it->next = v->vm_next;
	return v;
}
#endif

/* is_cow_mapping() moved from mm/internal.h to linux/mm.h in 5.11. */
#if KERNEL_VERSION(5, 11, 0) <= LINUX_VERSION_CODE
#define vmxfer_is_cow_mapping(flags)	is_cow_mapping(flags)
#else
static inline bool vmxfer_is_cow_mapping(vm_flags_t flags)
{
	return (flags & (VM_SHARED | VM_MAYWRITE)) == VM_MAYWRITE;
}
#endif

#ifndef VMXFER_SOFTLEAF
/* Device-exclusive swap entries arrived in 5.14, PTE markers in 6.0. */
static inline bool vmxfer_is_device_exclusive_entry(swp_entry_t entry)
{
#if KERNEL_VERSION(5, 14, 0) <= LINUX_VERSION_CODE
	return is_device_exclusive_entry(entry);
#else
	return false;
#endif
}

#endif /* !VMXFER_SOFTLEAF: 6.19 has softleaf_is_device_exclusive() etc. */

/* vma_lookup() arrived in 5.14. */
static inline struct vm_area_struct *
vmxfer_vma_lookup(struct mm_struct *mm, unsigned long addr)
{
#if KERNEL_VERSION(5, 14, 0) <= LINUX_VERSION_CODE
	return vma_lookup(mm, addr);
#else
	struct vm_area_struct *vma = find_vma(mm, addr);

	return vma && vma->vm_start <= addr ? vma : NULL;
#endif
}

/* VM_LOCKED_MASK is 6.3+; VM_SEALED (mseal) 6.10+. */
#ifdef VM_LOCKED_MASK
#define VMXFER_VM_LOCKED_MASK	VM_LOCKED_MASK
#else
#define VMXFER_VM_LOCKED_MASK	(VM_LOCKED | VM_LOCKONFAULT)
#endif
#ifdef VM_SEALED
#define VMXFER_VM_SEALED	VM_SEALED
#else
#define VMXFER_VM_SEALED	VM_NONE
#endif

/*
 * mmap_write_trylock(), gone by 6.12 (it had no users left): on the lines
 * without it, the same steps as that line's mmap_write_lock_killable()
 * with a trylock -- the trace events, and the mm_lock_seq write section
 * that per-VMA-lock readers check (Debian's 6.12 has the seqcount
 * conversion upstream made in 6.14; 7.x has it too).  Built: 5.10 and 6.1
 * (mmap_write_trylock()), 6.12 and 7.2; the lines between are not.
 */
static inline bool vmxfer_mmap_write_trylock(struct mm_struct *mm)
{
#if KERNEL_VERSION(6, 12, 0) > LINUX_VERSION_CODE
	return mmap_write_trylock(mm);
#else
	bool ok;

	__mmap_lock_trace_start_locking(mm, true);
	ok = down_write_trylock(&mm->mmap_lock);
	if (ok)
		mm_lock_seqcount_begin(mm);
	__mmap_lock_trace_acquire_returned(mm, true, ok);
	return ok;
#endif
}

/*
 * Write-lock a VMA against per-VMA-lock readers (6.4+; nothing to take
 * before), waiting for them killably where the line allows: -EINTR on a
 * fatal signal (VMAs locked before stay locked until mmap_write_unlock()).
 *  - 6.19+ (built: 7.2): vma_start_write_killable().
 *  - 6.12: vma_start_write() is down_write() on vma->vm_lock->lock (to
 *    wait for readers), vm_lock_seq set, up_write(); this is the same with
 *    down_write_killable() (an interrupted attempt changes nothing).
 *  - 6.4-6.11 and 6.13-6.18 (not built here): vma_start_write().
 * How long the wait can be: a VMA read lock is held by a page fault (and,
 * on newer lines, a few short walks: /proc maps, madvise, uffd ioctls that
 * copy with page faults disabled).  The VMAs locked here by clone have no
 * userfaultfd registration and no vm_ops open/close hook, which rules out
 * FUSE (fuse_vma_close) -- whose ->page_mkwrite waits, under the VMA lock,
 * for a WRITE the server may never answer; remap takes file mappings too,
 * as mremap(2) does (whose wait is not killable).  Faults
 * under the VMA lock carry FAULT_FLAG_ALLOW_RETRY, so waits for I/O and
 * folio locks drop it (filemap, swap-in).  What remains unbounded by
 * design is another file system's ->page_mkwrite waiting on remote I/O
 * (NFS, CIFS, ceph mappings have no close hook): killable on 6.12 and 7.2,
 * bounded only by that I/O on the other lines.
 */
static inline int vmxfer_vma_start_write(struct vm_area_struct *vma)
{
#if KERNEL_VERSION(6, 19, 0) <= LINUX_VERSION_CODE
	return vma_start_write_killable(vma);
#elif KERNEL_VERSION(6, 12, 0) <= LINUX_VERSION_CODE && \
	KERNEL_VERSION(6, 13, 0) > LINUX_VERSION_CODE
	unsigned int mm_lock_seq;

	if (__is_vma_write_locked(vma, &mm_lock_seq))
		return 0;
	if (down_write_killable(&vma->vm_lock->lock))
		return -EINTR;
	WRITE_ONCE(vma->vm_lock_seq, mm_lock_seq);
	up_write(&vma->vm_lock->lock);
	return 0;
#elif KERNEL_VERSION(6, 4, 0) <= LINUX_VERSION_CODE
	vma_start_write(vma);
	return 0;
#else
	return 0;
#endif
}

/* memfd_secret(2) memory: out of line since it appeared (5.14). */
static inline bool vmxfer_vma_is_secretmem(struct vm_area_struct *vma)
{
#ifdef CONFIG_SECRETMEM
	return static_call(vmxfer_vma_is_secretmem)(vma);
#else
	return false;
#endif
}

/* A copied VMA has no userfaultfd context. */
static inline void vmxfer_vma_clear_uffd(struct vm_area_struct *vma)
{
#ifdef CONFIG_USERFAULTFD
	vma->vm_userfaultfd_ctx = NULL_VM_UFFD_CTX;
#endif
}

/* A copied VMA's policy pointer holds no reference: use the default. */
static inline void vmxfer_vma_clear_policy(struct vm_area_struct *vma)
{
#ifdef CONFIG_NUMA
	vma->vm_policy = NULL;
#endif
}

/* VMA flags became read-only fields with accessors in 6.3. */
static inline void vmxfer_vm_flags_mod(struct vm_area_struct *vma,
				       vm_flags_t set, vm_flags_t clear)
{
#if KERNEL_VERSION(6, 3, 0) <= LINUX_VERSION_CODE
	vm_flags_mod(vma, set, clear);
#else
	vma->vm_flags = (vma->vm_flags | set) & ~clear;
#endif
}

/*
 * RSS counters: add_mm_counter() calls the unexported rss tracepoint
 * helper, so count directly (atomic before 6.2, percpu counters since).
 */
static inline void vmxfer_add_mm_counter(struct mm_struct *mm, int member,
					 long value)
{
	if (!value)
		return;
#if KERNEL_VERSION(6, 2, 0) <= LINUX_VERSION_CODE
	percpu_counter_add(&mm->rss_stat[member], value);
#else
	atomic_long_add(value, &mm->rss_stat.count[member]);
#endif
}

/* Folio-based rmap helpers arrived in 6.8/6.9; per page before. */
#if KERNEL_VERSION(6, 8, 0) <= LINUX_VERSION_CODE
#define VMXFER_FOLIO_RMAP	1
#endif

static inline int vmxfer_mm_counter(struct page *page)
{
#ifdef VMXFER_FOLIO_RMAP
	return mm_counter(page_folio(page));
#else
	return mm_counter(page);
#endif
}

static inline bool vmxfer_page_ksm(struct page *page)
{
#ifdef VMXFER_FOLIO_RMAP
	return folio_test_ksm(page_folio(page));
#else
	return PageKsm(page);
#endif
}

/*
 * May @page (anon) be pinned for DMA, as fork() asks?  Since 5.19 only an
 * exclusive page can be pinned; before, any page can (5.10's fork asks
 * the same three questions of every page it copies).
 */
static inline bool vmxfer_page_maybe_pinned(struct vm_area_struct *vma,
					    struct page *page)
{
#ifdef VMXFER_FOLIO_RMAP
	return folio_needs_cow_for_dma(vma, page_folio(page));
#elif defined(VMXFER_HAVE_ANON_EXCLUSIVE)
	return page_needs_cow_for_dma(vma, page);
#else
	return vmxfer_is_cow_mapping(vma->vm_flags) &&
	       atomic_read(&vma->vm_mm->has_pinned) &&
	       page_maybe_dma_pinned(page);
#endif
}

/*
 * Has @mm ever had a page pinned for DMA (FOLL_PIN)?  A sticky flag:
 * MMF_HAS_PINNED since 5.13 (mm_flags_test() since 6.18), the has_pinned
 * counter before.
 */
static inline bool vmxfer_mm_ever_pinned(struct mm_struct *mm)
{
#if KERNEL_VERSION(6, 18, 0) <= LINUX_VERSION_CODE
	return mm_flags_test(MMF_HAS_PINNED, mm);
#elif defined(MMF_HAS_PINNED)
	return test_bit(MMF_HAS_PINNED, &mm->flags);
#else
	return atomic_read(&mm->has_pinned);
#endif
}

/*
 * May a page not known to be exclusive be pinned?  Not since 5.19: GUP
 * pins only exclusive anonymous pages (unsharing them first).  Before,
 * a read-only pin can hold a shared page.
 */
static inline bool vmxfer_shared_page_maybe_pinned(struct vm_area_struct *vma,
						   struct page *page)
{
#ifdef VMXFER_HAVE_ANON_EXCLUSIVE
	return false;
#else
	return vmxfer_page_maybe_pinned(vma, page);
#endif
}

/*
 * Is the anonymous @page (a THP head when @pmd) mapped by no page table
 * but the one being looked at?  Since 5.19 the kernel keeps that fact
 * (PageAnonExclusive, conservative: a page may be exclusive and not
 * marked so).  Before, it is derived as 5.10's own COW reuse test does:
 * a mapcount of one, and not in the swap cache (another mm's swap entry
 * could be faulted in to this very page); false when in doubt.  The
 * caller holds the page table lock and both mmap_locks, so the count
 * cannot grow by a mapping in either mm.
 */
static inline bool vmxfer_page_anon_exclusive(struct page *page, bool pmd)
{
#ifdef VMXFER_HAVE_ANON_EXCLUSIVE
	return PageAnonExclusive(page);
#else
	if (PageSwapCache(page))
		return false;
	if (pmd)
		return static_call(vmxfer_total_mapcount)(page) == 1;
	return page_mapcount(page) == 1;
#endif
}

/*
 * Is the swap entry in @pte referenced by no other page table?  Only known
 * since 5.19 (the exclusive bit); before, assume it may be shared.
 */
static inline bool vmxfer_swp_exclusive(pte_t pte)
{
#ifdef VMXFER_HAVE_ANON_EXCLUSIVE
	return pte_swp_exclusive(pte);
#else
	return false;
#endif
}

/* The swap PTE without its exclusive bit (none before 5.19). */
static inline pte_t vmxfer_swp_clear_exclusive(pte_t pte)
{
#ifdef VMXFER_HAVE_ANON_EXCLUSIVE
	return pte_swp_clear_exclusive(pte);
#else
	return pte;
#endif
}

/*
 * Take a reference and a mapcount for one more PTE (or PMD) mapping of an
 * anonymous page in @dst_vma, as fork() does; -EBUSY when it may be
 * DMA-pinned.
 */
static inline int vmxfer_dup_anon(struct page *page, bool pmd,
				  struct vm_area_struct *dst_vma,
				  struct vm_area_struct *src_vma)
{
	int ret;

#ifdef VMXFER_FOLIO_RMAP
	struct folio *folio = page_folio(page);

	folio_get(folio);
#ifdef VMXFER_RMAP_DST_VMA
	if (pmd)
		ret = folio_try_dup_anon_rmap_pmd(folio, page, dst_vma, src_vma);
	else
		ret = folio_try_dup_anon_rmap_pte(folio, page, dst_vma, src_vma);
#else
	if (pmd)
		ret = folio_try_dup_anon_rmap_pmd(folio, page, src_vma);
	else
		ret = folio_try_dup_anon_rmap_pte(folio, page, src_vma);
#endif
	if (ret)
		folio_put(folio);
#elif defined(VMXFER_HAVE_ANON_EXCLUSIVE)
	get_page(page);
	ret = page_try_dup_anon_rmap(page, pmd, src_vma);
	if (ret)
		put_page(page);
#else
	/*
	 * As 5.10's fork: asked under the page table lock and inside
	 * write_protect_seq, so a GUP-fast pin either shows here or backs off.
	 */
	if (vmxfer_page_maybe_pinned(src_vma, page))
		return -EBUSY;
	get_page(page);
	page_dup_rmap(page, pmd);
	ret = 0;
#endif
	return ret;
}

/* One more PTE mapping of a page-cache page, in @dst_vma. */
static inline void vmxfer_dup_file_pte(struct page *page,
				       struct vm_area_struct *dst_vma)
{
#ifdef VMXFER_FOLIO_RMAP
	struct folio *folio = page_folio(page);

	folio_get(folio);
#ifdef VMXFER_RMAP_DST_VMA
	folio_dup_file_rmap_pte(folio, page, dst_vma);
#else
	folio_dup_file_rmap_pte(folio, page);
#endif
#elif defined(VMXFER_HAVE_ANON_EXCLUSIVE)
	get_page(page);
	page_dup_file_rmap(page, false);
#else
	get_page(page);
	page_dup_rmap(page, false);
#endif
}

/* Split a huge PMD of @vma in place (not freezing). */
static inline void vmxfer_split_huge_pmd(struct vm_area_struct *vma,
					 pmd_t *pmd, unsigned long addr)
{
#ifdef VMXFER_RMAP_DST_VMA
	static_call(vmxfer___split_huge_pmd)(vma, pmd, addr, false);
#else
	static_call(vmxfer___split_huge_pmd)(vma, pmd, addr, false, NULL);
#endif
}

/*
 * Non-present, non-none PTEs: a swap entry proper, or one of migration,
 * device-private/-exclusive, a PTE marker (with its bits), poison.  The
 * leaf tests by their softleaf names, mapped onto the swp_entry_t ones
 * before 6.19.
 */
#ifdef VMXFER_SOFTLEAF
#define vmxfer_leaf_from_pte		softleaf_from_pte
#define vmxfer_leaf_is_swap		softleaf_is_swap
#define vmxfer_leaf_is_migration	softleaf_is_migration
#define vmxfer_leaf_is_dev_private	softleaf_is_device_private
#define vmxfer_leaf_is_dev_exclusive	softleaf_is_device_exclusive
#else
#define vmxfer_leaf_from_pte		pte_to_swp_entry
#define vmxfer_leaf_is_swap(entry)	(!non_swap_entry(entry))
#define vmxfer_leaf_is_migration	is_migration_entry
#define vmxfer_leaf_is_dev_private	is_device_private_entry
#define vmxfer_leaf_is_dev_exclusive	vmxfer_is_device_exclusive_entry
#endif

static inline bool vmxfer_pte_is_swap(pte_t pte)
{
	return vmxfer_leaf_is_swap(vmxfer_leaf_from_pte(pte));
}

static inline bool vmxfer_pte_is_migration(pte_t pte)
{
	return vmxfer_leaf_is_migration(vmxfer_leaf_from_pte(pte));
}

static inline bool vmxfer_pte_is_device(pte_t pte)
{
	swp_entry_t entry = vmxfer_leaf_from_pte(pte);

	return vmxfer_leaf_is_dev_private(entry) ||
	       vmxfer_leaf_is_dev_exclusive(entry);
}

/*
 * Pageless entries: no page and no swap slot, only a fact about the
 * address, which fork() copies to a child (copy_nonpresent_pte()):
 *  - hardware poison (SWP_HWPOISON, every line): copied as it is;
 *  - 6.1: a swap-in error (SWP_SWAPIN_ERROR): copied as it is;
 *  - PTE markers (6.0+): 6.1 has only PTE_MARKER_UFFD_WP, copied only into
 *    a VMA with uffd-wp; later lines ask copy_pte_marker(), which keeps
 *    PTE_MARKER_POISONED (the swap-in error and UFFDIO_POISON, 6.6+),
 *    PTE_MARKER_GUARD (MADV_GUARD_INSTALL, 6.13+) and uffd-wp only when
 *    the child has uffd-wp.  copy_pte_marker() arrived after 6.1 (6.2 best
 *    known; 6.1 and 6.12 are built).
 * vmxfer_pte_pageless(): is @pte one?  vmxfer_pageless_copy(): the entry a
 * child gets in @dst_vma (a none PTE: nothing), uffd-wp cleared unless
 * @dst_vma has uffd-wp (a clone's never has).
 */
#if KERNEL_VERSION(6, 2, 0) <= LINUX_VERSION_CODE
#define VMXFER_COPY_PTE_MARKER		1
#include <linux/mm_inline.h>
#endif

static inline bool vmxfer_pte_pageless(pte_t pte)
{
#ifdef VMXFER_SOFTLEAF
	softleaf_t entry = softleaf_from_pte(pte);

	return softleaf_is_marker(entry) || softleaf_is_hwpoison(entry);
#else
	swp_entry_t entry = pte_to_swp_entry(pte);

#if KERNEL_VERSION(6, 0, 0) <= LINUX_VERSION_CODE
	if (is_pte_marker_entry(entry))
		return true;
#endif
#ifndef VMXFER_COPY_PTE_MARKER
#if KERNEL_VERSION(6, 0, 0) <= LINUX_VERSION_CODE
	if (is_swapin_error_entry(entry))
		return true;
#endif
#endif
	return is_hwpoison_entry(entry);
#endif
}

static inline pte_t vmxfer_pageless_copy(pte_t pte,
					 struct vm_area_struct *dst_vma)
{
#if KERNEL_VERSION(6, 0, 0) <= LINUX_VERSION_CODE
	swp_entry_t entry = vmxfer_leaf_from_pte(pte);
#ifdef VMXFER_SOFTLEAF
	bool marker = softleaf_is_marker(entry);
#else
	bool marker = is_pte_marker_entry(entry);
#endif

	if (marker) {
#ifdef VMXFER_COPY_PTE_MARKER
		pte_marker m = copy_pte_marker(entry, dst_vma);

		return m ? make_pte_marker(m) : __pte(0);
#else
		return userfaultfd_wp(dst_vma) ? pte : __pte(0);
#endif
	}
#endif
	return userfaultfd_wp(dst_vma) ? pte : pte_swp_clear_uffd_wp(pte);
}

/*
 * VMAs whose page tables fork() copies although they have no anon_vma
 * (vma_needs_copy()): VM_MAYBE_GUARD, set by MADV_GUARD_INSTALL on 7.2
 * (guard markers are page-table state a fault cannot rebuild; an anonymous
 * VMA also gets an anon_vma).  Lines without the flag: 0.  When the flag
 * came, and how the releases between 6.13 and it treated a file mapping's
 * markers, is not checked: only 6.12 (no guard regions) and 7.2 are built.
 */
#ifdef VM_MAYBE_GUARD
#define VMXFER_VM_MAYBE_GUARD		VM_MAYBE_GUARD
#else
#define VMXFER_VM_MAYBE_GUARD		0
#endif

/*
 * One more reference to the swap entry of a swap PTE (PTE lock held).
 * -ENOMEM: the count needs more room, which vmxfer_swap_dup_extend() makes
 * where sleeping is allowed; then try again.  Other errors: a bad entry.
 */
static inline int vmxfer_swap_dup(swp_entry_t entry)
{
#ifdef VMXFER_SWAP_TABLE
	return static_call(vmxfer_swap_dup_entry_direct)(entry);
#else
	/* swap_duplicate() fails only when a continuation is needed. */
	return static_call(vmxfer_swap_duplicate)(entry) < 0 ? -ENOMEM : 0;
#endif
}

static inline int vmxfer_swap_dup_extend(swp_entry_t entry)
{
#ifdef VMXFER_SWAP_TABLE
	return static_call(vmxfer_swap_retry_table_alloc)(entry, GFP_KERNEL);
#else
	return static_call(vmxfer_add_swap_count_continuation)(entry,
								GFP_KERNEL);
#endif
}

/* May @mm grow by @npages of a mapping like @vma (RLIMIT_AS/DATA)? */
static inline bool vmxfer_may_expand_vm(struct mm_struct *mm,
					struct vm_area_struct *vma,
					unsigned long npages)
{
#ifdef VMXFER_MM_INTERNAL_DECLS
	return static_call(vmxfer_may_expand_vm)(mm, &vma->flags, npages);
#else
	return static_call(vmxfer_may_expand_vm)(mm, vma->vm_flags, npages);
#endif
}

/* mmu_notifier_range_init() lost its vma argument in 6.3. */
static inline void vmxfer_notifier_init_event(struct mmu_notifier_range *range,
					      enum mmu_notifier_event event,
					      struct vm_area_struct *vma,
					      unsigned long start,
					      unsigned long end)
{
#if KERNEL_VERSION(6, 3, 0) <= LINUX_VERSION_CODE
	mmu_notifier_range_init(range, event, 0, vma->vm_mm, start, end);
#else
	mmu_notifier_range_init(range, event, 0, vma, vma->vm_mm, start, end);
#endif
}

static inline void vmxfer_notifier_init(struct mmu_notifier_range *range,
					struct vm_area_struct *vma,
					unsigned long start, unsigned long end)
{
	vmxfer_notifier_init_event(range, MMU_NOTIFY_PROTECTION_PAGE, vma,
				   start, end);
}

/* The notifier calls, through static calls (the inlines call unexported code). */
static inline void vmxfer_notifier_start(struct mmu_notifier_range *range)
{
	if (mm_has_notifiers(range->mm))
		static_call(vmxfer___mmu_notifier_invalidate_range_start)(range);
}

static inline void vmxfer_notifier_end(struct mmu_notifier_range *range)
{
	if (!mm_has_notifiers(range->mm))
		return;
#if KERNEL_VERSION(6, 6, 0) <= LINUX_VERSION_CODE
	static_call(vmxfer___mmu_notifier_invalidate_range_end)(range);
#else
	static_call(vmxfer___mmu_notifier_invalidate_range_end)(range, false);
#endif
}

/*
 * Map the PTE table under @pmd and find its lock, without taking it; NULL
 * if the PMD is not a page table.  Since 6.5 the mapping holds the RCU read
 * lock until pte_unmap(): say so to sparse, as pte_offset_map_lock() does.
 * The callers recheck the PMD under the lock (the _rw_ variant's contract).
 */
#ifdef __cond_lock
#define vmxfer_cond_rcu(x)	__cond_lock(RCU, x)
#else
/* 7.x dropped sparse's __cond_lock (Clang's context analysis replaced it). */
#define vmxfer_cond_rcu(x)	(x)
#endif
#ifdef VMXFER_HAVE_PTE_MAP_RW_NOLOCK
#define vmxfer_pte_map_nolock(mm, pmd, addr, ptlp) ({			\
	pte_t *__pte;							\
	pmd_t __pmdval;							\
	vmxfer_cond_rcu(__pte = static_call(vmxfer_pte_offset_map_rw_nolock)\
					(mm, pmd, addr, &__pmdval, ptlp));\
	__pte;								\
})
#elif defined(VMXFER_HAVE_PTE_MAP_FNS)
#define vmxfer_pte_map_nolock(mm, pmd, addr, ptlp) ({			\
	pte_t *__pte;							\
	vmxfer_cond_rcu(__pte = static_call(vmxfer_pte_offset_map_nolock)\
					(mm, pmd, addr, ptlp));		\
	__pte;								\
})
#else
static inline pte_t *vmxfer_pte_map_nolock(struct mm_struct *mm, pmd_t *pmd,
					   unsigned long addr, spinlock_t **ptl)
{
	if (pmd_none(*pmd) || pmd_trans_huge(*pmd) || pmd_bad(*pmd))
		return NULL;
	*ptl = pte_lockptr(mm, pmd);
	return pte_offset_map(pmd, addr);
}
#endif

/*
 * A P4D table under @pgd.  Kernels without 5-level paging (Debian's 5.10:
 * X86_5LEVEL off) fold the P4D level: pgd_none() is never true there and
 * __p4d_alloc() is a header stub, not a kernel symbol.
 */
static inline int vmxfer_p4d_alloc(struct mm_struct *mm, pgd_t *pgd,
				   unsigned long addr)
{
#ifdef __PAGETABLE_P4D_FOLDED
	return 0;
#else
	return static_call(vmxfer___p4d_alloc)(mm, pgd, addr);
#endif
}

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

#include "compat-rmap.h"

#endif /* VMXFER_COMPAT_H */
