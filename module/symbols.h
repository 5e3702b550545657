/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmxfer's table of unexported kernel internals.
 *
 * Every internal the module uses and the kernel does not export is listed
 * once, in vmxfer_syms[] (symbols.c), with the operations that need it.  At
 * load, vmxfer_symbols_init() finds kallsyms_lookup_name() through a kprobe,
 * looks every entry up, checks that the address is the start of a symbol of
 * that name ("name+0x0"), and binds it.  An entry that cannot be resolved
 * makes the operations that need it unavailable; the module still loads.
 *
 * How calls stay safe on IBT kernels (Debian 6.12 and later):
 *   objtool seals the ENDBR of every function whose address the kernel never
 *   takes, which is nearly every internal we resolve.  An indirect call into
 *   such a function faults ("Missing ENDBR") on a CPU that enforces IBT.  So
 *   vmxfer never calls a resolved address through a function pointer.  Each
 *   function gets its own static call, declared below; binding is
 *   __static_call_update(), which x86 implements by patching a direct
 *   "jmp rel32" into the trampoline (and, with inline static calls, a direct
 *   "call rel32" at each call site).  A direct branch needs no ENDBR.
 *   kallsyms_lookup_name() itself is called the same way.
 *   Two checks stand in for IBT hardware, which QEMU does not emulate:
 *   binding reads the static call back and marks the entry resolved only
 *   when it matches; and tests/ibt-check.sh disassembles vmxfer.ko and fails
 *   on any indirect call or jump in it.  So the module has no function
 *   pointers into its own code either: dispatch is by switch.
 *
 * A static call takes the type of the function it stands for.  Functions a
 * shipped kernel header declares use that declaration, so a prototype change
 * between kernel lines is a build error; the others are declared in
 * compat.h, once per kernel line.  Variables are only dereferenced.
 *
 * To add a symbol: DECLARE_STATIC_CALL here, DEFINE_STATIC_CALL_NULL and a
 * VMXFER_FUNC() entry in symbols.c; call it as static_call(vmxfer_NAME)().
 */
#ifndef VMXFER_SYMBOLS_H
#define VMXFER_SYMBOLS_H

#include <linux/types.h>
#include <linux/static_call.h>
#include <linux/pid.h>
#include <linux/sched/mm.h>
#include <linux/pipe_fs_i.h>
#include <linux/mm.h>
#include <linux/rmap.h>
#include <linux/swap.h>
#include <linux/mmu_notifier.h>
#include <linux/security.h>
#include <linux/userfaultfd_k.h>
#include <linux/percpu_counter.h>
#include <asm/pgalloc.h>
#include <asm/tlbflush.h>
#include <linux/vmxfer.h>

/* Included through compat.h, which says which helpers this line has. */
#ifndef VMXFER_COMPAT_H
#error "include compat.h, not symbols.h"
#endif

/*
 * asm/tlbflush.h hides this from modules (#ifndef MODULE); the prototype is
 * the same on every supported line.  Declared only for its type: never
 * referenced except through the static call.
 */
void flush_tlb_mm_range(struct mm_struct *mm, unsigned long start,
			unsigned long end, unsigned int stride_shift,
			bool freed_tables);

#ifdef VMXFER_HAVE_PIDFD_GET_TASK
DECLARE_STATIC_CALL(vmxfer_pidfd_get_task, pidfd_get_task);
#else
DECLARE_STATIC_CALL(vmxfer_pidfd_pid, pidfd_pid);
#endif
DECLARE_STATIC_CALL(vmxfer_mm_access, mm_access);
DECLARE_STATIC_CALL(vmxfer_get_pipe_info, get_pipe_info);

/* clone: VMAs */
DECLARE_STATIC_CALL(vmxfer_vm_area_dup, vm_area_dup);
DECLARE_STATIC_CALL(vmxfer_vm_area_free, vm_area_free);
DECLARE_STATIC_CALL(vmxfer_insert_vm_struct, insert_vm_struct);
DECLARE_STATIC_CALL(vmxfer_anon_vma_fork, anon_vma_fork);
#if defined(VMXFER_FORK_BEFORE_LINK) || defined(VMXFER_REMAP_UNLINK)
DECLARE_STATIC_CALL(vmxfer_unlink_anon_vmas, unlink_anon_vmas);
#endif
DECLARE_STATIC_CALL(vmxfer_may_expand_vm, may_expand_vm);
DECLARE_STATIC_CALL(vmxfer_vm_stat_account, vm_stat_account);
DECLARE_STATIC_CALL(vmxfer_do_munmap, do_munmap);
#ifdef VMXFER_HAVE_GET_UNMAPPED_AREA_FN
DECLARE_STATIC_CALL(vmxfer___get_unmapped_area, __get_unmapped_area);
#endif
/* clone: pages and page tables */
DECLARE_STATIC_CALL(vmxfer_vm_normal_page, vm_normal_page);
#ifndef VMXFER_HAVE_ANON_EXCLUSIVE
DECLARE_STATIC_CALL(vmxfer_total_mapcount, total_mapcount);
#endif
#ifdef VMXFER_SWAP_TABLE
DECLARE_STATIC_CALL(vmxfer_swap_dup_entry_direct, swap_dup_entry_direct);
DECLARE_STATIC_CALL(vmxfer_swap_retry_table_alloc, swap_retry_table_alloc);
#else
DECLARE_STATIC_CALL(vmxfer_swap_duplicate, swap_duplicate);
DECLARE_STATIC_CALL(vmxfer_add_swap_count_continuation,
		    add_swap_count_continuation);
#endif
#ifndef __PAGETABLE_P4D_FOLDED
DECLARE_STATIC_CALL(vmxfer___p4d_alloc, __p4d_alloc);
#endif
DECLARE_STATIC_CALL(vmxfer___pud_alloc, __pud_alloc);
DECLARE_STATIC_CALL(vmxfer___pmd_alloc, __pmd_alloc);
DECLARE_STATIC_CALL(vmxfer___pte_alloc, __pte_alloc);
#ifdef VMXFER_HAVE_PTE_MAP_RW_NOLOCK
DECLARE_STATIC_CALL(vmxfer_pte_offset_map_rw_nolock, pte_offset_map_rw_nolock);
#elif defined(VMXFER_HAVE_PTE_MAP_FNS)
DECLARE_STATIC_CALL(vmxfer_pte_offset_map_nolock, pte_offset_map_nolock);
#endif
DECLARE_STATIC_CALL(vmxfer_pte_alloc_one, pte_alloc_one);
DECLARE_STATIC_CALL(vmxfer_pgtable_trans_huge_deposit,
		    pgtable_trans_huge_deposit);
#ifndef VMXFER_MOVE_RELINK
DECLARE_STATIC_CALL(vmxfer_pgtable_trans_huge_withdraw,
		    pgtable_trans_huge_withdraw);
#endif
DECLARE_STATIC_CALL(vmxfer___split_huge_pmd, __split_huge_pmd);
DECLARE_STATIC_CALL(vmxfer_flush_tlb_mm_range, flush_tlb_mm_range);
#ifdef CONFIG_SECRETMEM
DECLARE_STATIC_CALL(vmxfer_vma_is_secretmem, vma_is_secretmem);
#endif
DECLARE_STATIC_CALL(vmxfer___mmu_notifier_invalidate_range_start,
		    __mmu_notifier_invalidate_range_start);
DECLARE_STATIC_CALL(vmxfer___mmu_notifier_invalidate_range_end,
		    __mmu_notifier_invalidate_range_end);
/* remap */
DECLARE_STATIC_CALL(vmxfer_copy_vma, copy_vma);
DECLARE_STATIC_CALL(vmxfer_move_page_tables, move_page_tables);
DECLARE_STATIC_CALL(vmxfer_security_vm_enough_memory_mm,
		    security_vm_enough_memory_mm);
#if !defined(VMXFER_COPY_VMA_KEEP_SOURCE) || defined(VMXFER_MOVE_RELINK)
DECLARE_STATIC_CALL(vmxfer___anon_vma_prepare, __anon_vma_prepare);
#endif
DECLARE_STATIC_CALL(vmxfer_split_vma, split_vma);
DECLARE_STATIC_CALL(vmxfer___mm_populate, __mm_populate);
#ifdef CONFIG_USERFAULTFD
DECLARE_STATIC_CALL(vmxfer_mremap_userfaultfd_prep, mremap_userfaultfd_prep);
DECLARE_STATIC_CALL(vmxfer_mremap_userfaultfd_complete,
		    mremap_userfaultfd_complete);
#endif
/* move (compat-rmap.h says which line needs which) */
#ifdef VMXFER_MOVE_RELINK
DECLARE_STATIC_CALL(vmxfer_move_pages_huge_pmd, move_pages_huge_pmd);
DECLARE_STATIC_CALL(vmxfer_folio_move_anon_rmap, folio_move_anon_rmap);
DECLARE_STATIC_CALL(vmxfer_split_folio_to_list, split_folio_to_list);
#else
DECLARE_STATIC_CALL(vmxfer_anon_vma_clone, anon_vma_clone);
DECLARE_STATIC_CALL(vmxfer_split_huge_page_to_list, split_huge_page_to_list);
#endif
#if KERNEL_VERSION(6, 1, 0) <= LINUX_VERSION_CODE
DECLARE_STATIC_CALL(vmxfer_swap_cache_get_folio, swap_cache_get_folio);
#else
DECLARE_STATIC_CALL(vmxfer_lookup_swap_cache, lookup_swap_cache);
#endif
#ifndef VMXFER_HAVE_ANON_EXCLUSIVE
DECLARE_STATIC_CALL(vmxfer___swap_count, __swap_count);
DECLARE_STATIC_CALL(vmxfer_try_to_free_swap, try_to_free_swap);
#endif
/* merge (and the re-indexing it shares) */
DECLARE_STATIC_CALL(vmxfer_anon_vma_interval_tree_insert,
		    anon_vma_interval_tree_insert);
DECLARE_STATIC_CALL(vmxfer_anon_vma_interval_tree_remove,
		    anon_vma_interval_tree_remove);
DECLARE_STATIC_CALL(vmxfer_lru_add_drain_all, lru_add_drain_all);
DECLARE_STATIC_CALL(vmxfer_lru_add_drain, lru_add_drain);
#if KERNEL_VERSION(6, 12, 0) <= LINUX_VERSION_CODE
DECLARE_STATIC_CALL(vmxfer_vma_modify_flags, vma_modify_flags);
#else
DECLARE_STATIC_CALL(vmxfer_vma_merge, vma_merge);
#endif

/* the caller's mapping policy (policy.c) */
#ifdef CONFIG_SECURITY
DECLARE_STATIC_CALL(vmxfer_security_mmap_file, security_mmap_file);
#endif
DECLARE_STATIC_CALL(vmxfer_path_noexec, path_noexec);
#ifdef VMXFER_SHMEM_MAPPING_SYM
DECLARE_STATIC_CALL(vmxfer_shmem_mapping, shmem_mapping);
#endif

/* Resolved variables: their addresses. */
extern unsigned long vmxfer_addr_mmlist_lock;
extern unsigned long vmxfer_addr_sysctl_max_map_count;
extern unsigned long vmxfer_addr_vm_committed_as;
extern unsigned long vmxfer_addr_vm_committed_as_batch;
extern unsigned long vmxfer_addr_mmap_min_addr;
#define vx_mmlist_lock ((spinlock_t *)vmxfer_addr_mmlist_lock)
#define vx_max_map_count (*(int *)vmxfer_addr_sysctl_max_map_count)
#define vx_vm_committed_as ((struct percpu_counter *)vmxfer_addr_vm_committed_as)
#define vx_vm_committed_as_batch (*(s32 *)vmxfer_addr_vm_committed_as_batch)
#define vx_mmap_min_addr (*(unsigned long *)vmxfer_addr_mmap_min_addr)

int vmxfer_symbols_init(void);
unsigned int vmxfer_nr_symbols(void);
bool vmxfer_symbols_cover(u64 feature);
void vmxfer_symbol_report(unsigned int idx, struct vmxfer_symbol *out);
void vmxfer_symbols_missing(char *buf, size_t len, u64 features);

#endif /* VMXFER_SYMBOLS_H */
