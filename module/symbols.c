// SPDX-License-Identifier: GPL-2.0
/*
 * Resolution of vmxfer's unexported kernel internals; see symbols.h for the
 * table and for why every call goes through a static call.
 *
 * All state here is written once, in module init, before the misc device
 * is registered, and only read afterwards: no locking is needed.
 */
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/kallsyms.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/string.h>

#include "compat.h"

static char *hide_symbols;
module_param(hide_symbols, charp, 0444);
MODULE_PARM_DESC(hide_symbols,
		 "test hook: comma-separated kernel symbols to treat as missing");

struct vmxfer_sym {
	const char *name;
	u32 ops;		/* VMXFER_FEAT_* of the operations needing it */
	u8 kind;		/* VMXFER_SYM_FUNC or VMXFER_SYM_DATA */
	u8 state;		/* VMXFER_SYM_* */
	struct static_call_key *key;	/* FUNC: its static call */
	void *tramp;
	unsigned long *addr;	/* DATA: where its address is stored */
};

#ifdef VMXFER_HAVE_PIDFD_GET_TASK
DEFINE_STATIC_CALL_NULL(vmxfer_pidfd_get_task, pidfd_get_task);
#else
DEFINE_STATIC_CALL_NULL(vmxfer_pidfd_pid, pidfd_pid);
#endif
DEFINE_STATIC_CALL_NULL(vmxfer_mm_access, mm_access);
DEFINE_STATIC_CALL_NULL(vmxfer_get_pipe_info, get_pipe_info);
DEFINE_STATIC_CALL_NULL(vmxfer_vm_area_dup, vm_area_dup);
DEFINE_STATIC_CALL_NULL(vmxfer_vm_area_free, vm_area_free);
DEFINE_STATIC_CALL_NULL(vmxfer_insert_vm_struct, insert_vm_struct);
DEFINE_STATIC_CALL_NULL(vmxfer_anon_vma_fork, anon_vma_fork);
#if defined(VMXFER_FORK_BEFORE_LINK) || defined(VMXFER_REMAP_UNLINK)
DEFINE_STATIC_CALL_NULL(vmxfer_unlink_anon_vmas, unlink_anon_vmas);
#endif
DEFINE_STATIC_CALL_NULL(vmxfer_may_expand_vm, may_expand_vm);
DEFINE_STATIC_CALL_NULL(vmxfer_vm_stat_account, vm_stat_account);
DEFINE_STATIC_CALL_NULL(vmxfer_do_munmap, do_munmap);
#ifdef VMXFER_HAVE_GET_UNMAPPED_AREA_FN
DEFINE_STATIC_CALL_NULL(vmxfer___get_unmapped_area, __get_unmapped_area);
#endif
DEFINE_STATIC_CALL_NULL(vmxfer_vm_normal_page, vm_normal_page);
#ifndef VMXFER_HAVE_ANON_EXCLUSIVE
DEFINE_STATIC_CALL_NULL(vmxfer_total_mapcount, total_mapcount);
#endif
#ifdef VMXFER_SWAP_TABLE
DEFINE_STATIC_CALL_NULL(vmxfer_swap_dup_entry_direct, swap_dup_entry_direct);
DEFINE_STATIC_CALL_NULL(vmxfer_swap_retry_table_alloc, swap_retry_table_alloc);
#else
DEFINE_STATIC_CALL_NULL(vmxfer_swap_duplicate, swap_duplicate);
DEFINE_STATIC_CALL_NULL(vmxfer_add_swap_count_continuation,
			add_swap_count_continuation);
#endif
#ifndef __PAGETABLE_P4D_FOLDED
DEFINE_STATIC_CALL_NULL(vmxfer___p4d_alloc, __p4d_alloc);
#endif
DEFINE_STATIC_CALL_NULL(vmxfer___pud_alloc, __pud_alloc);
DEFINE_STATIC_CALL_NULL(vmxfer___pmd_alloc, __pmd_alloc);
DEFINE_STATIC_CALL_NULL(vmxfer___pte_alloc, __pte_alloc);
#ifdef VMXFER_HAVE_PTE_MAP_RW_NOLOCK
DEFINE_STATIC_CALL_NULL(vmxfer_pte_offset_map_rw_nolock,
			pte_offset_map_rw_nolock);
#elif defined(VMXFER_HAVE_PTE_MAP_FNS)
DEFINE_STATIC_CALL_NULL(vmxfer_pte_offset_map_nolock, pte_offset_map_nolock);
#endif
DEFINE_STATIC_CALL_NULL(vmxfer_pte_alloc_one, pte_alloc_one);
DEFINE_STATIC_CALL_NULL(vmxfer_pgtable_trans_huge_deposit,
			pgtable_trans_huge_deposit);
#ifndef VMXFER_MOVE_RELINK
DEFINE_STATIC_CALL_NULL(vmxfer_pgtable_trans_huge_withdraw,
			pgtable_trans_huge_withdraw);
#endif
DEFINE_STATIC_CALL_NULL(vmxfer___split_huge_pmd, __split_huge_pmd);
DEFINE_STATIC_CALL_NULL(vmxfer_flush_tlb_mm_range, flush_tlb_mm_range);
#ifdef CONFIG_SECRETMEM
DEFINE_STATIC_CALL_NULL(vmxfer_vma_is_secretmem, vma_is_secretmem);
#endif
DEFINE_STATIC_CALL_NULL(vmxfer___mmu_notifier_invalidate_range_start,
			__mmu_notifier_invalidate_range_start);
DEFINE_STATIC_CALL_NULL(vmxfer___mmu_notifier_invalidate_range_end,
			__mmu_notifier_invalidate_range_end);
DEFINE_STATIC_CALL_NULL(vmxfer_copy_vma, copy_vma);
DEFINE_STATIC_CALL_NULL(vmxfer_move_page_tables, move_page_tables);
DEFINE_STATIC_CALL_NULL(vmxfer_security_vm_enough_memory_mm,
			security_vm_enough_memory_mm);
#if !defined(VMXFER_COPY_VMA_KEEP_SOURCE) || defined(VMXFER_MOVE_RELINK)
DEFINE_STATIC_CALL_NULL(vmxfer___anon_vma_prepare, __anon_vma_prepare);
#endif
DEFINE_STATIC_CALL_NULL(vmxfer_split_vma, split_vma);
DEFINE_STATIC_CALL_NULL(vmxfer___mm_populate, __mm_populate);
#ifdef CONFIG_USERFAULTFD
DEFINE_STATIC_CALL_NULL(vmxfer_mremap_userfaultfd_prep,
			mremap_userfaultfd_prep);
DEFINE_STATIC_CALL_NULL(vmxfer_mremap_userfaultfd_complete,
			mremap_userfaultfd_complete);
#endif
#ifdef VMXFER_MOVE_RELINK
DEFINE_STATIC_CALL_NULL(vmxfer_move_pages_huge_pmd, move_pages_huge_pmd);
DEFINE_STATIC_CALL_NULL(vmxfer_folio_move_anon_rmap, folio_move_anon_rmap);
DEFINE_STATIC_CALL_NULL(vmxfer_split_folio_to_list, split_folio_to_list);
#else
DEFINE_STATIC_CALL_NULL(vmxfer_anon_vma_clone, anon_vma_clone);
DEFINE_STATIC_CALL_NULL(vmxfer_split_huge_page_to_list,
			split_huge_page_to_list);
#endif
#if KERNEL_VERSION(6, 1, 0) <= LINUX_VERSION_CODE
DEFINE_STATIC_CALL_NULL(vmxfer_swap_cache_get_folio, swap_cache_get_folio);
#else
DEFINE_STATIC_CALL_NULL(vmxfer_lookup_swap_cache, lookup_swap_cache);
#endif
#ifndef VMXFER_HAVE_ANON_EXCLUSIVE
DEFINE_STATIC_CALL_NULL(vmxfer___swap_count, __swap_count);
DEFINE_STATIC_CALL_NULL(vmxfer_try_to_free_swap, try_to_free_swap);
#endif
DEFINE_STATIC_CALL_NULL(vmxfer_anon_vma_interval_tree_insert,
			anon_vma_interval_tree_insert);
DEFINE_STATIC_CALL_NULL(vmxfer_anon_vma_interval_tree_remove,
			anon_vma_interval_tree_remove);
DEFINE_STATIC_CALL_NULL(vmxfer_lru_add_drain_all, lru_add_drain_all);
DEFINE_STATIC_CALL_NULL(vmxfer_lru_add_drain, lru_add_drain);
#if KERNEL_VERSION(6, 12, 0) <= LINUX_VERSION_CODE
DEFINE_STATIC_CALL_NULL(vmxfer_vma_modify_flags, vma_modify_flags);
#else
DEFINE_STATIC_CALL_NULL(vmxfer_vma_merge, vma_merge);
#endif
#ifdef CONFIG_SECURITY
DEFINE_STATIC_CALL_NULL(vmxfer_security_mmap_file, security_mmap_file);
#endif
DEFINE_STATIC_CALL_NULL(vmxfer_path_noexec, path_noexec);
#ifdef VMXFER_SHMEM_MAPPING_SYM
DEFINE_STATIC_CALL_NULL(vmxfer_shmem_mapping, shmem_mapping);
#endif

unsigned long vmxfer_addr_mmlist_lock;
unsigned long vmxfer_addr_sysctl_max_map_count;
unsigned long vmxfer_addr_vm_committed_as;
unsigned long vmxfer_addr_vm_committed_as_batch;
unsigned long vmxfer_addr_mmap_min_addr;

#define VMXFER_DATA(sym, need) {					\
	.name = #sym, .ops = (need), .kind = VMXFER_SYM_DATA,		\
	.state = VMXFER_SYM_MISSING, .addr = &vmxfer_addr_##sym,	\
}

#define VMXFER_FUNC(sym, need) {					\
	.name = #sym, .ops = (need), .kind = VMXFER_SYM_FUNC,		\
	.state = VMXFER_SYM_MISSING,					\
	.key = &STATIC_CALL_KEY(vmxfer_##sym),				\
	.tramp = STATIC_CALL_TRAMP_ADDR(vmxfer_##sym),			\
}

/* The table: every unexported internal and the operations that need it. */
static struct vmxfer_sym vmxfer_syms[] = {
#ifdef VMXFER_HAVE_PIDFD_GET_TASK
	VMXFER_FUNC(pidfd_get_task, VMXFER_FEAT_CLONE | VMXFER_FEAT_SPLICE),
#else
	VMXFER_FUNC(pidfd_pid, VMXFER_FEAT_CLONE | VMXFER_FEAT_SPLICE),
#endif
	VMXFER_FUNC(mm_access, VMXFER_FEAT_CLONE | VMXFER_FEAT_SPLICE),
	VMXFER_FUNC(get_pipe_info, VMXFER_FEAT_SPLICE),
	VMXFER_FUNC(vm_area_dup, VMXFER_FEAT_CLONE),
	VMXFER_FUNC(vm_area_free, VMXFER_FEAT_CLONE),
	VMXFER_FUNC(insert_vm_struct, VMXFER_FEAT_CLONE),
	VMXFER_FUNC(anon_vma_fork, VMXFER_FEAT_CLONE),
#if defined(VMXFER_FORK_BEFORE_LINK) && defined(VMXFER_REMAP_UNLINK)
	VMXFER_FUNC(unlink_anon_vmas, VMXFER_FEAT_CLONE | VMXFER_FEAT_REMAP),
#elif defined(VMXFER_REMAP_UNLINK)
	VMXFER_FUNC(unlink_anon_vmas, VMXFER_FEAT_REMAP),
#endif
	VMXFER_FUNC(may_expand_vm, VMXFER_FEAT_CLONE | VMXFER_FEAT_REMAP),
	VMXFER_FUNC(vm_stat_account, VMXFER_FEAT_CLONE | VMXFER_FEAT_REMAP),
	VMXFER_FUNC(do_munmap, VMXFER_FEAT_CLONE | VMXFER_FEAT_REMAP),
#ifdef VMXFER_HAVE_GET_UNMAPPED_AREA_FN
	VMXFER_FUNC(__get_unmapped_area, VMXFER_FEAT_CLONE | VMXFER_FEAT_REMAP),
#endif
	VMXFER_FUNC(copy_vma, VMXFER_FEAT_REMAP),
	VMXFER_FUNC(move_page_tables, VMXFER_FEAT_REMAP),
	VMXFER_FUNC(security_vm_enough_memory_mm, VMXFER_FEAT_REMAP),
	VMXFER_FUNC(split_vma, VMXFER_FEAT_REMAP),
	VMXFER_FUNC(__mm_populate, VMXFER_FEAT_REMAP),
#ifdef CONFIG_USERFAULTFD
	VMXFER_FUNC(mremap_userfaultfd_prep, VMXFER_FEAT_REMAP),
	VMXFER_FUNC(mremap_userfaultfd_complete, VMXFER_FEAT_REMAP),
#endif
#if !defined(VMXFER_COPY_VMA_KEEP_SOURCE) && defined(VMXFER_MOVE_RELINK)
	VMXFER_FUNC(__anon_vma_prepare, VMXFER_FEAT_REMAP | VMXFER_FEAT_MOVE),
#elif !defined(VMXFER_COPY_VMA_KEEP_SOURCE)
	VMXFER_FUNC(__anon_vma_prepare, VMXFER_FEAT_REMAP),
#elif defined(VMXFER_MOVE_RELINK)
	VMXFER_FUNC(__anon_vma_prepare, VMXFER_FEAT_MOVE),
#endif
#ifdef VMXFER_MOVE_RELINK
	VMXFER_FUNC(move_pages_huge_pmd, VMXFER_FEAT_MOVE),
	VMXFER_FUNC(folio_move_anon_rmap, VMXFER_FEAT_MOVE),
	VMXFER_FUNC(split_folio_to_list, VMXFER_FEAT_MOVE | VMXFER_FEAT_MERGE),
#else
	VMXFER_FUNC(anon_vma_clone, VMXFER_FEAT_MOVE),
	VMXFER_FUNC(split_huge_page_to_list, VMXFER_FEAT_MOVE | VMXFER_FEAT_MERGE),
#endif
#if KERNEL_VERSION(6, 1, 0) <= LINUX_VERSION_CODE
	VMXFER_FUNC(swap_cache_get_folio, VMXFER_FEAT_MOVE | VMXFER_FEAT_MERGE),
#else
	VMXFER_FUNC(lookup_swap_cache, VMXFER_FEAT_MOVE | VMXFER_FEAT_MERGE),
#endif
#ifndef VMXFER_HAVE_ANON_EXCLUSIVE
	VMXFER_FUNC(__swap_count, VMXFER_FEAT_MOVE | VMXFER_FEAT_MERGE),
	VMXFER_FUNC(try_to_free_swap, VMXFER_FEAT_MOVE | VMXFER_FEAT_MERGE),
#endif
	VMXFER_FUNC(vm_normal_page, VMXFER_FEAT_CLONE | VMXFER_FEAT_MOVE |
		    VMXFER_FEAT_MERGE),
#ifndef VMXFER_HAVE_ANON_EXCLUSIVE
	VMXFER_FUNC(total_mapcount, VMXFER_FEAT_CLONE | VMXFER_FEAT_MOVE |
		    VMXFER_FEAT_MERGE),
#endif
#ifdef VMXFER_SWAP_TABLE
	VMXFER_FUNC(swap_dup_entry_direct, VMXFER_FEAT_CLONE),
	VMXFER_FUNC(swap_retry_table_alloc, VMXFER_FEAT_CLONE),
#else
	VMXFER_FUNC(swap_duplicate, VMXFER_FEAT_CLONE),
	VMXFER_FUNC(add_swap_count_continuation, VMXFER_FEAT_CLONE),
#endif
#ifndef __PAGETABLE_P4D_FOLDED
	VMXFER_FUNC(__p4d_alloc, VMXFER_FEAT_CLONE | VMXFER_FEAT_MOVE),
#endif
	VMXFER_FUNC(__pud_alloc, VMXFER_FEAT_CLONE | VMXFER_FEAT_MOVE),
	VMXFER_FUNC(__pmd_alloc, VMXFER_FEAT_CLONE | VMXFER_FEAT_MOVE),
	VMXFER_FUNC(__pte_alloc, VMXFER_FEAT_CLONE | VMXFER_FEAT_MOVE),
#ifdef VMXFER_HAVE_PTE_MAP_RW_NOLOCK
	VMXFER_FUNC(pte_offset_map_rw_nolock, VMXFER_FEAT_CLONE | VMXFER_FEAT_MOVE |
		    VMXFER_FEAT_MERGE),
#elif defined(VMXFER_HAVE_PTE_MAP_FNS)
	VMXFER_FUNC(pte_offset_map_nolock, VMXFER_FEAT_CLONE | VMXFER_FEAT_MOVE |
		    VMXFER_FEAT_MERGE),
#endif
	VMXFER_FUNC(pte_alloc_one, VMXFER_FEAT_CLONE),
#ifdef VMXFER_MOVE_RELINK
	VMXFER_FUNC(pgtable_trans_huge_deposit, VMXFER_FEAT_CLONE),
#else
	/* move's own PMD moves (5.10, 6.1) */
	VMXFER_FUNC(pgtable_trans_huge_deposit, VMXFER_FEAT_CLONE | VMXFER_FEAT_MOVE),
	VMXFER_FUNC(pgtable_trans_huge_withdraw, VMXFER_FEAT_MOVE),
#endif
	VMXFER_FUNC(__split_huge_pmd, VMXFER_FEAT_CLONE | VMXFER_FEAT_MOVE),
	VMXFER_FUNC(flush_tlb_mm_range, VMXFER_FEAT_CLONE | VMXFER_FEAT_MOVE),
#ifdef CONFIG_SECRETMEM
	VMXFER_FUNC(vma_is_secretmem, VMXFER_FEAT_CLONE | VMXFER_FEAT_MOVE),
#endif
	VMXFER_FUNC(__mmu_notifier_invalidate_range_start, VMXFER_FEAT_CLONE | VMXFER_FEAT_MOVE),
	VMXFER_FUNC(__mmu_notifier_invalidate_range_end, VMXFER_FEAT_CLONE | VMXFER_FEAT_MOVE),
	VMXFER_FUNC(anon_vma_interval_tree_insert, VMXFER_FEAT_MERGE),
	VMXFER_FUNC(anon_vma_interval_tree_remove, VMXFER_FEAT_MERGE),
	VMXFER_FUNC(lru_add_drain_all, VMXFER_FEAT_MERGE),
	VMXFER_FUNC(lru_add_drain, VMXFER_FEAT_MERGE),
#if KERNEL_VERSION(6, 12, 0) <= LINUX_VERSION_CODE
	VMXFER_FUNC(vma_modify_flags, VMXFER_FEAT_MERGE),
#else
	VMXFER_FUNC(vma_merge, VMXFER_FEAT_MERGE),
#endif
#ifdef CONFIG_SECURITY
	VMXFER_FUNC(security_mmap_file, VMXFER_FEAT_CLONE),
#endif
	VMXFER_FUNC(path_noexec, VMXFER_FEAT_CLONE),
#ifdef VMXFER_SHMEM_MAPPING_SYM
	VMXFER_FUNC(shmem_mapping, VMXFER_FEAT_CLONE),
#endif
	VMXFER_DATA(mmlist_lock, VMXFER_FEAT_CLONE),
	VMXFER_DATA(sysctl_max_map_count, VMXFER_FEAT_CLONE | VMXFER_FEAT_REMAP),
	VMXFER_DATA(vm_committed_as, VMXFER_FEAT_REMAP),
	VMXFER_DATA(vm_committed_as_batch, VMXFER_FEAT_REMAP),
	VMXFER_DATA(mmap_min_addr, VMXFER_FEAT_CLONE | VMXFER_FEAT_REMAP),
};

/* kallsyms_lookup_name() is itself unexported and sealed: a static call too. */
DEFINE_STATIC_CALL_NULL(vmxfer_kallsyms_lookup_name, kallsyms_lookup_name);

/*
 * Split "name+0xOFF/0xSIZE [module]" as printed by sprint_symbol().
 * Returns the offset, or -1 when @buf is not a plain vmlinux symbol.
 */
static long vmxfer_sym_offset(char *buf, const char **name)
{
	char *plus, *slash;
	unsigned long off;

	if (strchr(buf, '['))
		return -1;	/* a module's symbol, not the kernel's */
	plus = strrchr(buf, '+');
	slash = plus ? strchr(plus, '/') : NULL;
	if (!slash)
		return -1;
	*plus = '\0';
	*slash = '\0';
	if (kstrtoul(plus + 1, 16, &off))
		return -1;
	*name = buf;
	return off;
}

/* Is @addr the first byte of the kernel function or variable @want? */
static bool vmxfer_addr_is_start(unsigned long addr, const char *want)
{
	char buf[KSYM_SYMBOL_LEN];
	const char *name;

	sprint_symbol(buf, addr);
	if (vmxfer_sym_offset(buf, &name) != 0)
		return false;
	if (!strcmp(name, want))
		return true;
	/* An alias at the same address (e.g. a __pfx_ or __SCT__ twin). */
	return static_call(vmxfer_kallsyms_lookup_name)(name) == addr;
}

/*
 * Find kallsyms_lookup_name() by planting (and at once removing) a kprobe
 * on it.  On IBT kernels the kprobe sits past the ENDBR, so the address is
 * normalised to the symbol's start with the offset sprint_symbol() reports.
 */
static int vmxfer_find_kallsyms(void)
{
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };
	char buf[KSYM_SYMBOL_LEN];
	const char *name;
	unsigned long addr;
	long off;
	int ret;

	ret = register_kprobe(&kp);
	if (ret) {
		pr_err("vmxfer: cannot find kallsyms_lookup_name: kprobes unavailable (%d)\n",
		       ret);
		return -EOPNOTSUPP;
	}
	addr = (unsigned long)kp.addr;
	unregister_kprobe(&kp);

	sprint_symbol(buf, addr);
	off = vmxfer_sym_offset(buf, &name);
	if (off < 0 || strcmp(name, "kallsyms_lookup_name")) {
		pr_err("vmxfer: kprobe on kallsyms_lookup_name landed in %s\n", buf);
		return -EOPNOTSUPP;
	}
	addr -= off;
	/* The untyped form: static_call_update() checks @func's type (5.10). */
	__static_call_update(&STATIC_CALL_KEY(vmxfer_kallsyms_lookup_name),
			     STATIC_CALL_TRAMP_ADDR(vmxfer_kallsyms_lookup_name),
			     (void *)addr);
	if (static_call(vmxfer_kallsyms_lookup_name)("kallsyms_lookup_name") != addr) {
		pr_err("vmxfer: kallsyms_lookup_name does not find itself\n");
		return -EOPNOTSUPP;
	}
	return 0;
}

static bool vmxfer_sym_hidden(const char *name)
{
	const char *p = hide_symbols;
	size_t len = strlen(name);

	while (p && *p) {
		if (!strncmp(p, name, len) && (p[len] == ',' || p[len] == '\0'))
			return true;
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return false;
}

/* Point @s's static call at @addr, and read it back. */
static bool vmxfer_sym_bind(struct vmxfer_sym *s, unsigned long addr)
{
	if (s->kind == VMXFER_SYM_DATA) {
		*s->addr = addr;
		return true;
	}
	__static_call_update(s->key, s->tramp, (void *)addr);
	return (unsigned long)READ_ONCE(s->key->func) == addr;
}

static void vmxfer_sym_resolve(struct vmxfer_sym *s)
{
	unsigned long addr;

	if (vmxfer_sym_hidden(s->name)) {
		s->state = VMXFER_SYM_HIDDEN;
		return;
	}
	addr = static_call(vmxfer_kallsyms_lookup_name)(s->name);
	if (!addr || !vmxfer_addr_is_start(addr, s->name))
		return;
	if (!vmxfer_sym_bind(s, addr))
		return;
	s->state = VMXFER_SYM_RESOLVED;
}

/*
 * Resolve the whole table.  Fails (-EOPNOTSUPP) only when kallsyms itself
 * cannot be found; a missing entry just leaves it VMXFER_SYM_MISSING.
 */
int vmxfer_symbols_init(void)
{
	unsigned int i;
	int ret;

	ret = vmxfer_find_kallsyms();
	if (ret)
		return ret;
	for (i = 0; i < ARRAY_SIZE(vmxfer_syms); i++)
		vmxfer_sym_resolve(&vmxfer_syms[i]);
	return 0;
}

/* Are all symbols that operation @feature needs resolved? */
bool vmxfer_symbols_cover(u64 feature)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vmxfer_syms); i++)
		if ((vmxfer_syms[i].ops & feature) &&
		    vmxfer_syms[i].state != VMXFER_SYM_RESOLVED)
			return false;
	return true;
}

unsigned int vmxfer_nr_symbols(void)
{
	return ARRAY_SIZE(vmxfer_syms);
}

void vmxfer_symbol_report(unsigned int idx, struct vmxfer_symbol *out)
{
	const struct vmxfer_sym *s = &vmxfer_syms[idx];

	out->ops = s->ops;
	out->state = s->state;
	out->kind = s->kind;
	strscpy(out->name, s->name, sizeof(out->name));
}

/* Comma-separated names of unresolved symbols needed by @features. */
void vmxfer_symbols_missing(char *buf, size_t len, u64 features)
{
	size_t used = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(vmxfer_syms); i++) {
		const struct vmxfer_sym *s = &vmxfer_syms[i];

		if (s->state == VMXFER_SYM_RESOLVED || !(s->ops & features))
			continue;
		used += scnprintf(buf + used, len - used, "%s%s%s",
				  used ? "," : "", s->name,
				  s->state == VMXFER_SYM_HIDDEN ? "(hidden)" : "");
	}
}
