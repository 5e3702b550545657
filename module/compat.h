/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernel lines vmxfer supports: this header
 * and the compat-*.h it includes.
 *
 * Operation code is written against the newest API; this header maps older
 * kernels onto it.  Version checks are used where a feature probe is not
 * possible from a header; each one says which release made the change.
 * Per subsystem, included at the end (after symbols.h): compat-pgtable.h
 * (leaf entries, swap counts, notifiers, PTE maps), compat-vma.h (VMA
 * placement, copy/split/move, mmap policy), compat-rmap.h (anon rmap,
 * swap cache, folio split).
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

/* merge: mm/vma.h's vma_modify_flags() (see vmxfer_vma_merge_self()). */
#if KERNEL_VERSION(7, 0, 0) <= LINUX_VERSION_CODE
struct vm_area_struct *vma_modify_flags(struct vma_iterator *vmi,
					struct vm_area_struct *prev,
					struct vm_area_struct *vma,
					unsigned long start, unsigned long end,
					vma_flags_t *vma_flags_ptr);
#elif KERNEL_VERSION(6, 12, 0) <= LINUX_VERSION_CODE
struct vm_area_struct *vma_modify_flags(struct vma_iterator *vmi,
					struct vm_area_struct *prev,
					struct vm_area_struct *vma,
					unsigned long start, unsigned long end,
					unsigned long new_flags);
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

#include "compat-pgtable.h"
#include "compat-vma.h"
#include "compat-rmap.h"

#endif /* VMXFER_COMPAT_H */
