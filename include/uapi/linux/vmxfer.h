/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * vmxfer - zero-copy memory transfer between and inside processes.
 *
 * This header is the contract between the vmxfer kernel module (/dev/vmxfer)
 * and userspace.  It compiles as-is in userspace with -m64 and -m32; the
 * struct sizes are the VMXFER_*_SIZE_VER0 constants on both (checked by
 * lib/uapi-check.c, compiled with -m64, -m32 and as C++11).
 *
 * Without the module (no /dev/vmxfer), libvmxfer answers from the running
 * kernel's own calls where they do the same without copying, and fails
 * every other operation with ENODEV (a library errno, never the module's:
 * see "Native fallback" in lib/vmxfer.h and libvmxfer(3)).
 *
 * General rules, for every ioctl below:
 *
 *  - Every argument struct starts with "__u32 size": the caller sets it to
 *    sizeof() of the struct as *it* knows it.  A size smaller than the
 *    struct's first published version (VMXFER_*_SIZE_VER0) is rejected with
 *    EINVAL.  A size larger than the module's struct is accepted only when
 *    every byte past the module's struct is zero, otherwise E2BIG (always
 *    E2BIG beyond 4096 bytes).  A smaller (older) struct is accepted; the
 *    missing fields read as zero.  On return, output fields are written
 *    only within the caller's size.
 *  - Unknown bits in "flags" fields are rejected with EINVAL.  Reserved and
 *    padding fields must be zero (EINVAL otherwise).
 *  - The module matches a command on its type, direction and number only:
 *    the size encoded in the command word is ignored, so a grown struct
 *    keeps its command number.  An unknown command fails with ENOTTY.
 *  - A pointer that cannot be read or written fails with EFAULT.  The
 *    operations that change something (clone, remap, splice) first write
 *    the caller's own bytes back over the whole struct (as far as both
 *    sizes reach), so a struct that is readable but not all writable fails
 *    with EFAULT before anything changed, never after.  clone and remap
 *    also write their result under the mmap_lock and undo the operation if
 *    it cannot be written then (see each).
 *  - Operations that are reserved here but not available on the running
 *    kernel (see struct vmxfer_info.features) fail with EOPNOTSUPP and
 *    change nothing.
 *  - Target processes are named by pidfd (pidfd_open(2)).  Every operation
 *    on another process checks ptrace access with
 *    PTRACE_MODE_ATTACH_REALCREDS, exactly as process_vm_readv(2) does:
 *    EPERM when denied, ESRCH when the target has exited or is a kernel
 *    thread, EBADF when the descriptor is not a pidfd.
 */
#ifndef _UAPI_LINUX_VMXFER_H
#define _UAPI_LINUX_VMXFER_H

#include <linux/types.h>
#include <linux/ioctl.h>

/* Bumped on an incompatible change only; growth goes through "size". */
#define VMXFER_ABI_VERSION	1

#define VMXFER_DEVICE_NAME	"vmxfer"
#define VMXFER_DEVICE_PATH	"/dev/vmxfer"

/* ioctl type byte; unused in Documentation/userspace-api/ioctl/ioctl-number.rst */
#define VMXFER_IOC_MAGIC	0xB8

/* Operation indices (for vmxfer_info.op_status and vmxfer_symbol.ops). */
#define VMXFER_OP_CLONE		0
#define VMXFER_OP_MOVE		1
#define VMXFER_OP_REMAP		2
#define VMXFER_OP_SPLICE	3
#define VMXFER_OP_MERGE		4
#define VMXFER_OP_COUNT		5

/* Feature bits: one per operation, set when it works on this kernel. */
#define VMXFER_FEAT_CLONE	(1ULL << VMXFER_OP_CLONE)
#define VMXFER_FEAT_MOVE	(1ULL << VMXFER_OP_MOVE)
#define VMXFER_FEAT_REMAP	(1ULL << VMXFER_OP_REMAP)
#define VMXFER_FEAT_SPLICE	(1ULL << VMXFER_OP_SPLICE)
#define VMXFER_FEAT_MERGE	(1ULL << VMXFER_OP_MERGE)

/* Why an operation is or is not available (vmxfer_info.op_status[]). */
#define VMXFER_OPST_AVAILABLE		0 /* implemented, symbols resolved */
#define VMXFER_OPST_NOT_IMPLEMENTED	1 /* this module version lacks it */
#define VMXFER_OPST_MISSING_SYMBOL	2 /* a kernel symbol it needs is absent */
#define VMXFER_OPST_UNSUPPORTED_KERNEL	3 /* kernel line not supported for it */

/*
 * VMXFER_IOC_INFO - what this module is and can do.
 *
 * in:  size (>= VMXFER_INFO_SIZE_VER0), flags (must be 0).
 * out: everything else; size is set to the number of bytes written.
 * Never needs any privilege beyond an open /dev/vmxfer.
 *
 * Errors: EFAULT (bad pointer), EINVAL (size too small, flags or reserved
 * non-zero), E2BIG (bytes past the module's struct not zero).
 */
struct vmxfer_info {
	__u32 size;
	__u32 flags;
	__u32 abi_version;	/* VMXFER_ABI_VERSION of the module */
	__u32 nr_symbols;	/* entries readable with VMXFER_IOC_SYMBOL */
	__u64 features;		/* VMXFER_FEAT_* */
	__u32 op_status[8];	/* VMXFER_OPST_*, indexed by VMXFER_OP_* */
	char module_version[32];	/* NUL-terminated */
	char kernel_release[72];	/* NUL-terminated, as uname -r */
};

#define VMXFER_INFO_SIZE_VER0	160

/*
 * VMXFER_IOC_SYMBOL - one entry of the module's kernel-symbol table.
 *
 * The module resolves the unexported kernel internals it uses once, at
 * load time.  This ioctl reports, for diagnosis, which ones were found.
 *
 * in:  size (>= VMXFER_SYMBOL_SIZE_VER0), index, everything else zero.
 * out: ops, state, kind, name; size as for VMXFER_IOC_INFO.
 *
 * Errors: EFAULT, EINVAL (size, non-zero input fields), E2BIG,
 * ENOENT (index >= vmxfer_info.nr_symbols).
 */
#define VMXFER_SYM_RESOLVED	0 /* found, checked, bound */
#define VMXFER_SYM_MISSING	1 /* not found, or address not at name+0 */
#define VMXFER_SYM_HIDDEN	2 /* treated as missing on request (hide_symbols=) */

#define VMXFER_SYM_FUNC		0 /* called through a static call (direct branch) */
#define VMXFER_SYM_DATA		1 /* a variable, only ever dereferenced */

struct vmxfer_symbol {
	__u32 size;
	__u32 index;
	__u32 ops;		/* out: VMXFER_FEAT_* bits of the ops needing it */
	__u32 state;		/* out: VMXFER_SYM_* */
	__u32 kind;		/* out: VMXFER_SYM_FUNC or VMXFER_SYM_DATA */
	__u32 __reserved;
	char name[64];		/* out: NUL-terminated kernel symbol name */
};

#define VMXFER_SYMBOL_SIZE_VER0	88

/*
 * VMXFER_IOC_CLONE - map [src, src + len) of the target into the caller,
 * as fork() would give it to a child (process_vm_mmap).
 *
 * in:  size, flags, pidfd, src (page aligned, not 0), len (bytes, rounded
 *      up to pages, not 0), dst (with VMXFER_CLONE_FIXED or _NOREPLACE the
 *      exact, page-aligned address; otherwise a hint, 0 for none).
 * out: dst, the address of the new mapping in the caller.
 *
 * Semantics:
 *  - Every mapping of the target in the range becomes a mapping of the
 *    caller with the same protections and kind: private anonymous and
 *    private file pages are copy-on-write between the two processes (a
 *    write on either side is invisible to the other); MAP_SHARED mappings
 *    (shared anonymous, shmem, memfd, files) stay shared with the target.
 *  - Only page-table entries are copied, as fork() copies them: no data
 *    page is copied, read or faulted in.  A swapped-out page stays in swap
 *    (its entry is duplicated; no swap-in).  A fully covered anonymous THP
 *    is shared as a huge page when the source and destination are equally
 *    aligned (without FIXED, the address is chosen so); a partly covered or
 *    misaligned one is split in the target first.  Shared mappings are
 *    filled on fault from the page cache, with the same pages.
 *  - Entries that hold no page are copied as fork() copies them, so the
 *    caller faults where the target does: a guard region
 *    (MADV_GUARD_INSTALL, 6.13+; in an anonymous or a file mapping) is a
 *    guard region of the clone too (SIGSEGV on access; MADV_GUARD_REMOVE
 *    on either side removes only that side's); a hardware-poisoned page
 *    (memory failure, MADV_HWPOISON), a swap-in error or a poison marker
 *    (UFFDIO_POISON, 6.6+) gives SIGBUS on access in the clone as in the
 *    target.  userfaultfd write-protect markers are not copied (the new
 *    mapping has no userfaultfd).  Guard markers never sit at the PMD
 *    level (installing one splits a THP), so a THP with a guard page is
 *    cloned by PTEs.
 *  - The new mapping is an ordinary mapping of the caller (munmap,
 *    mprotect, mremap, madvise, fork work on it).  It is not mlocked, has
 *    no userfaultfd registration, no KSM merging, no NUMA policy, does not
 *    grow down, and is soft-dirty.  It is charged to the caller like an
 *    mmap(): commit charge (VM_ACCOUNT), RLIMIT_AS, vm.max_map_count.
 *  - The double-map rule: an anonymous page is never mapped twice in one
 *    process.  Pages that may already be mapped in the caller -- any
 *    anonymous page when the target is the caller itself, and pages not
 *    exclusively owned by the target when the caller shares its anonymous
 *    memory history (a fork parent or child, or a process holding an
 *    earlier clone of them) -- make the call fail with EBUSY.  No private
 *    copies are made.  Kernels before 5.19 (Debian's 5.10) do not record
 *    which pages and swap entries are exclusive: there a page counts as
 *    exclusive when mapped once and not in the swap cache, and a swapped-out
 *    page in such a shared-history range always makes the call fail (EBUSY).
 *  - The clone is a snapshot at one instant of the target: both mmap locks
 *    are held for the whole operation.
 *  - The caller's own policy: every new mapping passes the checks mmap(2)
 *    would make of the caller for a mapping of the same file with the same
 *    protections and sharing, in the caller's context.  ptrace access gives
 *    the target's data, never a mapping the caller could not mmap itself:
 *    the LSM hook (security_mmap_file: SELinux execmem and file execute/map
 *    permissions, AppArmor's "m", IMA), memory-deny-write-execute
 *    (PR_SET_MDWE: no write+exec mapping), arch_validate_flags(), and for
 *    files: exec only from a mount without noexec (a mapping from a noexec
 *    mount is cloned without VM_MAYEXEC: mprotect(PROT_EXEC) fails), memfd
 *    write seals (a shared read-only clone of a write-sealed memfd can never
 *    become writable), append-only files, swap files and partitions.  The
 *    range is refused whole if any of its mappings is.
 *  - The destination: a hint below vm.mmap_min_addr is raised to it, as
 *    mmap(2) does; a fixed address below it needs CAP_SYS_RAWIO (EPERM).
 *  - The result (dst) is written back under the locks: if it cannot be
 *    written, the clone is undone and the call fails with EFAULT, so a
 *    mapping is never made that the caller cannot learn of.  The struct
 *    may not lie inside a fixed destination (EINVAL).
 *
 * Errors (on any error, neither process's mappings or data changed, except
 * that the target's pages may have been write-protected (as by a fork:
 * its next write to them may take a fault) or a THP split, and
 * that VMXFER_CLONE_FIXED may have unmapped the destination range when the
 * failure (ENOMEM, EAGAIN, EBUSY, EFAULT) came after it, as for
 * mmap(MAP_FIXED)):
 *  EOPNOTSUPP  not available on this kernel.
 *  EINVAL      unknown flags, both FIXED flags, reserved field set, len 0,
 *              src 0 or unaligned, a source or fixed destination range
 *              beyond the address space, an unaligned fixed dst, a FIXED
 *              dst overlapping the source when cloning from oneself or
 *              holding the argument struct; arch_validate_flags() refuses
 *              the flags; or a mapping that cannot be cloned:
 *              hugetlb, VM_IO, VM_PFNMAP, VM_MIXEDMAP, VM_DONTEXPAND, DAX,
 *              special mappings (vdso, vvar, uprobes) and other mappings with
 *              driver open/close hooks (SysV shm), userfaultfd-registered,
 *              memfd_secret(2) memory.
 *  EFAULT      a hole in the source range; a bad argument pointer, or the
 *              result could not be written (nothing was mapped).
 *  EACCES      the caller's policy refuses the mapping: write+exec under
 *              PR_SET_MDWE, an LSM (e.g. SELinux execmem, AppArmor), an
 *              append-only file shared.
 *  EPERM       exec from a noexec mount; a shared writable mapping of a
 *              write-sealed memfd; an LSM; a fixed dst below
 *              vm.mmap_min_addr without CAP_SYS_RAWIO.  (Also: no ptrace
 *              access, as for every remote operation.)
 *  ETXTBSY     a shared writable mapping of a swap file or partition.
 *  EBUSY       the double-map rule (above); a DMA-pinned page (e.g. an
 *              io_uring fixed buffer, RDMA); a KSM page; a device-private or
 *              device-exclusive page.
 *  EIO         an entry of a kind this module does not know (none on the
 *              supported kernels), or a swap entry the kernel would not
 *              duplicate.
 *  EAGAIN      a page stayed under migration, or the target kept changing
 *              its mappings between the policy check and the clone, through
 *              repeated retries.
 *  ENOMEM      out of memory, commit charge, RLIMIT_AS, vm.max_map_count, or
 *              no room for the destination.  vm.max_map_count is checked
 *              before a FIXED destination is unmapped, counting one split
 *              mapping there (the space the unmap frees does not count).
 *  EEXIST      VMXFER_CLONE_FIXED_NOREPLACE and something is mapped there.
 *  EBADF, ESRCH, EPERM  as for every remote operation.
 *  EINTR       a fatal signal while waiting: for either mmap_lock (each is
 *              only ever waited for with the other not held, so a target
 *              whose lock is held by something the caller serves -- a FUSE
 *              read, a userfaultfd fault -- cannot keep a killed caller in
 *              D state), or for a source mapping's page faults in progress
 *              (per-VMA locks; killable on 6.12 and 6.19+).  Nothing was
 *              mapped; the process is being killed and never sees it.
 */
#define VMXFER_CLONE_FIXED		(1U << 0) /* exactly at dst, replace */
#define VMXFER_CLONE_FIXED_NOREPLACE	(1U << 1) /* exactly at dst, EEXIST */

struct vmxfer_clone {
	__u32 size;
	__u32 flags;		/* VMXFER_CLONE_* */
	__s32 pidfd;		/* target process */
	__u32 __reserved;
	__u64 src;		/* target address, page-aligned */
	__u64 len;		/* bytes, rounded up to pages */
	__u64 dst;		/* in: hint or fixed address; out: the mapping */
};

#define VMXFER_CLONE_SIZE_VER0	40

/*
 * VMXFER_IOC_MOVE - move exclusively owned anonymous pages of the caller
 * from [src, src + len) to [dst, dst + len) by moving page-table entries
 * (remap_anon_pages, 2013; the kernel's UFFDIO_MOVE without its
 * userfaultfd registration).  See vmxfer_info.features for availability.
 *
 * in:  size, flags (VMXFER_MOVE_ALLOW_SRC_HOLES), src, dst, len (all
 *      page-aligned, len > 0, the ranges not overlapping).
 * out: moved, the bytes moved (holes skipped with ALLOW_SRC_HOLES count).
 *
 * Semantics:
 *  - No data is copied, read or swapped in: present pages, the zero page
 *    and swap entries (a page in the swap cache included) change place.
 *    Afterwards src reads as never touched (zeros), dst holds the data.
 *    Entries keep their dirty and write bits; soft-dirty is set at dst.
 *  - Strict: a populated dst entry (a page, swap entry, marker or huge
 *    page) is EEXIST, nothing is ever overwritten; a src hole is ENOENT
 *    unless VMXFER_MOVE_ALLOW_SRC_HOLES.
 *  - Only pages the caller owns exclusively move: a page shared with a
 *    fork relative (until a write makes it exclusive again, as for
 *    UFFDIO_MOVE), KSM, or pinned (checked again after its entry is
 *    cleared, and then restored) is EBUSY.
 *  - Both ranges private anonymous, in any number of mappings each; each
 *    src page's mapping and the dst mapping it goes to need equal
 *    protections (src writable) and equal VM_LOCKED.
 *  - THPs: a whole, equally aligned THP within the range moves as its PMD
 *    (stays huge; on 5.10 and 6.1 one in the swap cache is split);
 *    otherwise it is split (the PMD, then the folio) and moves as small
 *    pages.  The huge zero page is split into zero-page entries.
 *  - Like write(2): the pages are moved in order; when one cannot move,
 *    the call returns success with the count of bytes moved before it,
 *    and a call from that point reports the error.  Nothing moved: the
 *    error.
 *  - Per line, how the moved page is found by the rmap: 6.12 and later
 *    relink it to dst's own anon_vma (as UFFDIO_MOVE).  5.10 and 6.1
 *    cannot change a page's anon_vma safely (their rmap readers do not
 *    recheck it), so dst shares src's anon_vma: a dst mapping that was
 *    never faulted (it is linked to src's anon_vma by the first call that
 *    names it, even one that moves only a hole), that is a split-off part
 *    of src's mapping, or that holds only pages moved there from the same
 *    source works; a page whose anon_vma dst is not linked to (dst faulted
 *    on its own, or merged at mmap time with a faulted neighbour) is EBUSY
 *    there.  For a userfaultfd-served dst: carve the staging buffer out of
 *    the same mapping, or move a hole into dst before its first fault.
 *  - Under the caller's mmap_lock held for write, both mappings write-
 *    locked: other threads faulting on either range wait and then see the
 *    page at one place or the other.  Up to a page table's worth of 4 KiB
 *    entries (within both mappings) move under one round of page-table
 *    locks and one TLB flush.
 *  - userfaultfd: no registration is needed.  A dst registered for
 *    MISSING faults is filled, but a thread already waiting on its
 *    userfaultfd there is not woken: call UFFDIO_WAKE on the moved range
 *    (libvmxfer's vmxfer_move_uffd() does both).  Moved entries are not
 *    write-protected for UFFD_WP.  A registered src faults MISSING again.
 *
 * Errors (with moved = 0; see above for partial moves):
 *  EOPNOTSUPP  move is not available on this kernel (vmxfer_info).
 *  EINVAL      unknown flags; src, dst or len not page-aligned, len 0,
 *              beyond the address space; the ranges overlap; the argument
 *              struct lies in either range; a mapping that is not private
 *              anonymous (shared, file, hugetlb, VM_IO/PFNMAP/MIXEDMAP,
 *              shadow stack, memfd_secret); src not writable; protections
 *              or VM_LOCKED differ; size below VMXFER_MOVE_SIZE_VER0.
 *  EFAULT      part of either range is not mapped; a src entry that is a
 *              marker (guard region, poison) or a device entry; the
 *              argument struct cannot be read or written (if it cannot be
 *              written after the move, the move happened).
 *  EPERM       a sealed mapping (mseal(2)).
 *  EEXIST      a dst entry is populated.
 *  ENOENT      a src hole, without VMXFER_MOVE_ALLOW_SRC_HOLES.
 *  EBUSY       a src page is shared, KSM, pinned, its large folio cannot be
 *              split, or (5.10, 6.1) its anon_vma is not dst's (above).
 *  ENOMEM      a page table or anon_vma for dst could not be allocated.
 *  EINTR       a fatal signal arrived while waiting for a lock.
 *  E2BIG       size larger than known with non-zero trailing bytes.
 */
#define VMXFER_MOVE_ALLOW_SRC_HOLES	(1U << 0)

struct vmxfer_move {
	__u32 size;
	__u32 flags;		/* VMXFER_MOVE_* */
	__u64 src;
	__u64 dst;
	__u64 len;
	__u64 moved;		/* out: bytes moved */
};

#define VMXFER_MOVE_SIZE_VER0	40

/*
 * VMXFER_IOC_REMAP - move the caller's mapping [old_addr, old_addr +
 * old_len) to a new address, growing it to new_len, and leave the source
 * mapped as a fresh mapping (MREMAP_RETAIN: MREMAP_DONTUNMAP that may
 * grow).  See vmxfer_info.features for availability.
 *
 * in:  size, flags (VMXFER_REMAP_FIXED or _FIXED_NOREPLACE, not both),
 *      old_addr (page-aligned, not 0), old_len (page-aligned, not 0),
 *      new_len (page-aligned, >= old_len), new_addr (with a FIXED flag the
 *      exact, page-aligned address; otherwise a hint, 0 for none).
 * out: new_addr, the address of the moved mapping.
 *
 * Semantics:
 *  - The range may span several mappings (like mremap(2) since 6.17, and
 *    on every line): each is moved, in address order, to the same place
 *    relative to new_addr, as one mapping of its own kind (they stay
 *    separate mappings at the destination, or merge where mappings would).
 *    Every part is checked, and every limit taken for all of them, before
 *    anything moves: a refusal changes nothing.  No hole is allowed
 *    anywhere in the range (EFAULT; mremap(2) refuses one at the start and
 *    moves around later ones).  Growth extends the last part (new_len -
 *    old_len bytes more of the last mapping's kind; mremap(2) cannot resize
 *    several mappings).  A userfaultfd-registered mapping may only be moved
 *    alone (EFAULT in a range of several, as mremap(2)).  A failure during
 *    the move (ENOMEM) moves every part already moved back where it was.
 *  - Every kind the kernel's own
 *    mremap(MREMAP_MAYMOVE | MREMAP_DONTUNMAP) moves (6.1 and later) moves,
 *    on every line (5.10's own DONTUNMAP takes private anonymous memory
 *    only; vmxfer moves the others there too, with the same internals its
 *    plain mremap(2) uses): private anonymous, private file (and private
 *    memfd, /dev/zero), MAP_SHARED file, shmem, memfd, MAP_SHARED
 *    anonymous; locked (mlock, VM_LOCKONFAULT), KSM-mergeable,
 *    userfaultfd-registered and grows-down mappings.  Its page tables are
 *    moved, as mremap(2) moves them: no data page is copied, read or
 *    swapped in; swapped-out pages stay in swap; THPs move whole when both
 *    addresses are equally aligned within 2 MiB (without FIXED the
 *    destination is chosen so).
 *  - The new mapping has new_len bytes, the source's protections, flags,
 *    file and offset; [old_len, new_len) of it is unpopulated and faults
 *    as the mapping would there: zero pages (anonymous), the file's pages,
 *    SIGBUS beyond the end of the file (as after mremap(2) growing it).
 *    It is charged like an mmap(): commit charge (VM_ACCOUNT), RLIMIT_AS,
 *    vm.max_map_count, and for a locked mapping RLIMIT_MEMLOCK.
 *  - The source stays mapped with its protections and flags, as
 *    MREMAP_DONTUNMAP leaves it, and reads afterwards: zeros (anonymous),
 *    the same data (MAP_SHARED, shmem, memfd: it is shared), the file's
 *    contents (private file mappings: the private copies moved away).  It
 *    keeps its commit charge.  A source mapped whole is reset to a
 *    never-faulted mapping (its anon_vma dropped) on 6.1 and later; on
 *    5.10 it keeps its anon_vma (as 5.10's MREMAP_DONTUNMAP does).
 *  - Locked: the destination is locked, the moved part of the source is
 *    not (a partly moved source is split first); locked_vm grows only by
 *    the growth, whose pages are faulted in after the move
 *    (VM_LOCKONFAULT: not), as mremap(2) does.
 *  - KSM-mergeable: KSM pages in the range are unmerged first (as
 *    mremap(2)); both ends keep MADV_MERGEABLE.
 *  - userfaultfd: the source keeps its registration (its next access is a
 *    MISSING fault to the handler); the destination stays registered only
 *    for a uffd with UFFD_FEATURE_EVENT_REMAP, which then gets
 *    UFFD_EVENT_REMAP (from old_addr, to new_addr, len old_len) and the
 *    call waits until the handler has read it, as mremap(2).
 *  - Done in one step under the caller's mmap_lock held for write: other
 *    threads see the data at the old or the new place, never in between.
 *  - The mapping keeps its flags in the caller's own process, as with
 *    mremap(2): no new policy check applies.  The destination: a hint
 *    below vm.mmap_min_addr is raised to it, as mmap(2) does; a fixed
 *    address below it needs CAP_SYS_RAWIO (EPERM).
 *  - The result (new_addr) is written back under the mmap_lock: if it
 *    cannot be written, the move is undone and the call fails with EFAULT,
 *    so data never lands at an address the caller cannot learn of.  The
 *    struct may not lie in the source range or a fixed destination
 *    (EINVAL).
 *
 * Errors (on any error nothing changed, except that VMXFER_REMAP_FIXED may
 * have unmapped the destination range when the failure came after it: an
 * allocation failure (ENOMEM) in the move itself, or a result that could not
 * be written (EFAULT), as for mmap(MAP_FIXED); and that after the checks, a
 * locked source may stay split at the range's ends and KSM pages in it
 * unmerged, which changes no data.  A failure midway through a range of
 * several mappings leaves exactly this too: the parts moved are moved
 * back before the call returns):
 *  EOPNOTSUPP  not available on this kernel.
 *  EINVAL      unknown flags, both FIXED flags, old_addr 0 or unaligned,
 *              old_len 0 or unaligned, new_len unaligned or < old_len (no
 *              shrinking), a source or fixed destination range beyond the
 *              address space (the same errno as VMXFER_IOC_CLONE; mremap(2)
 *              says EFAULT for the vsyscall page), an unaligned fixed
 *              new_addr, source and destination overlapping, the argument
 *              struct inside the source or a fixed destination; a source
 *              mremap(MREMAP_DONTUNMAP) refuses too: special mappings
 *              (VM_DONTEXPAND: vdso, vvar, uprobes' xol area, anything from
 *              install_special_mapping()), hugetlb, VM_PFNMAP (/dev/mem,
 *              remap_pfn_range()); and vmxfer only: VM_IO, VM_MIXEDMAP, DAX,
 *              and mappings whose driver has a vm_ops ->mremap or
 *              ->may_split hook (vmxfer makes no indirect calls).
 *  EFAULT      a hole (an unmapped page) anywhere in [old_addr, old_addr +
 *              old_len); a userfaultfd-registered mapping in a range of
 *              several mappings; a bad argument pointer, or the result could
 *              not be written (nothing was moved).
 *  EPERM       a fixed new_addr below vm.mmap_min_addr without
 *              CAP_SYS_RAWIO; a sealed source (mseal(2), 6.10+), as
 *              mremap(2) says.
 *  EAGAIN      a locked source would grow beyond RLIMIT_MEMLOCK (without
 *              CAP_IPC_LOCK), as mremap(2) says.
 *  ENOMEM      vm.max_map_count, RLIMIT_AS (RLIMIT_DATA), commit charge
 *              (all for every part together), out of memory (also in
 *              splitting a locked source or unmerging KSM pages; in any
 *              part of a range of several: all are moved back), or no room
 *              for the destination.  The limits
 *              are checked before a FIXED destination is unmapped, so the
 *              space it frees does not count.
 *  EEXIST      VMXFER_REMAP_FIXED_NOREPLACE and something is mapped there.
 *  EINTR       a fatal signal while waiting for the mmap_lock or for page
 *              faults in progress in the source (per-VMA locks; killable
 *              on 6.12 and 6.19+), or while unmerging KSM pages.
 */
#define VMXFER_REMAP_FIXED		(1U << 0)
#define VMXFER_REMAP_FIXED_NOREPLACE	(1U << 1)

struct vmxfer_remap {
	__u32 size;
	__u32 flags;		/* VMXFER_REMAP_* */
	__u64 old_addr;
	__u64 old_len;
	__u64 new_len;
	__u64 new_addr;		/* in: hint or fixed address; out: result */
};

#define VMXFER_REMAP_SIZE_VER0	40

/*
 * VMXFER_IOC_SPLICE - put pages of the target process described by an
 * iovec array into a pipe, by reference (process_vmsplice), like
 * vmsplice(2) but with the iovecs naming the target's memory.
 *
 * in:  size, flags, pidfd, pipe_fd (a pipe's write end), iov (the caller's
 *      struct iovec array, in the caller's own ABI: a 32-bit caller passes
 *      32-bit iovecs), nr_segs; spliced must be 0.
 * out: spliced, the number of bytes placed in the pipe.
 *
 * Semantics:
 *  - Only what process_vm_readv(2) could read is taken: readable mappings
 *    of the target, no forced access.  Pages not present are faulted in
 *    (swapped in) in the target, as a read access would.
 *  - An address outside every mapping of the target ends the splice before
 *    any page is looked up there (EFAULT, or the partial count).  A range
 *    just below a stack never grows it (Debian 5.10's get_user_pages()
 *    would) and makes the kernel log nothing (6.12's and 7.2's would log
 *    "GUP no longer grows the stack" with a stack dump).
 *  - The pipe buffers reference the target's pages; no data is copied.  A
 *    reader sees a page as it is when reading it: writes the target makes
 *    after the splice may show.  If the target unmaps the range or exits,
 *    the pages stay allocated, with their last contents, until the
 *    buffers are consumed; nothing is ever freed under a reader.  The
 *    buffers cannot be stolen (SPLICE_F_MOVE on them copies).
 *  - One pipe slot per page (or part of a page).  Before the first byte a
 *    full pipe waits (interruptibly) or, with VMXFER_SPLICE_NONBLOCK,
 *    fails with EAGAIN.  Once some bytes are in, a full pipe, an
 *    unreadable page or a later unreadable iovec ends the call with the
 *    partial count.  nr_segs 0 returns 0.
 *
 * Errors: EOPNOTSUPP (not available on this kernel); EINVAL (unknown flags,
 * spliced != 0, nr_segs > UIO_MAXIOV (1024), an iovec length overflow);
 * EBADF (pipe_fd not a pipe open for writing; pidfd not a pidfd); ESRCH
 * (the target has exited); EPERM (no ptrace access); EFAULT (the first
 * iovec starts outside the target's mappings or is unreadable in the
 * target, or iov/the struct is a bad pointer);
 * EAGAIN (full pipe, NONBLOCK); EPIPE (no reader; SIGPIPE is sent too);
 * EINTR (a signal while waiting for pipe space, nothing spliced; or a
 * fatal signal while waiting for the target's mmap_lock or for a page of
 * the target under I/O -- e.g. a FUSE read not yet answered -- or a
 * userfaultfd handler: such a fault drops the target's mmap_lock and waits
 * killably, so it delays no one else; nothing spliced by then).  A
 * userfaultfd-registered missing page is waited for, as process_vm_readv(2)
 * waits.
 */
#define VMXFER_SPLICE_NONBLOCK		(1U << 0)

struct vmxfer_splice {
	__u32 size;
	__u32 flags;		/* VMXFER_SPLICE_* */
	__s32 pidfd;		/* target process */
	__s32 pipe_fd;		/* write end of a pipe */
	__u64 iov;		/* caller's struct iovec array (native layout) */
	__u64 nr_segs;
	__u64 spliced;		/* out: bytes placed in the pipe */
};

#define VMXFER_SPLICE_SIZE_VER0	40

/*
 * VMXFER_IOC_MERGE - give the caller's private anonymous mappings in
 * [addr, addr + len) the page offsets that let them merge with their
 * neighbours, and merge them.
 *
 * An anonymous mapping's page offset (vm_pgoff) is fixed where its memory
 * was first mapped; mremap(2), VMXFER_IOC_REMAP and VMXFER_IOC_MOVE keep
 * it, so moved memory never merges with its new neighbours again and the
 * VMA count grows (vm.max_map_count).  This re-indexes each mapping (its
 * offset, and the index of each of its pages: mapped, swapped out, in the
 * swap cache) to continue its predecessor (else to lead into its
 * successor), then lets the kernel merge them as mprotect(2) would.
 *
 * in:  size, flags (must be 0), addr (page aligned), len (not 0, rounded
 *      up to pages); merged must be 0.
 * out: merged, the number of mappings merged away (the VMA count drop).
 *
 * Semantics:
 *  - Every mapping intersecting the range is considered as a whole; holes
 *    are skipped.  A mapping merges with a neighbour that has the same
 *    flags (soft-dirty aside), no file, the same NUMA policy object, no
 *    userfaultfd, and the same anon_vma or none (never faulted).  Memory
 *    faulted as one mapping and then split or moved keeps one anon_vma;
 *    memory faulted separately does not, and is not merged on any line
 *    (re-pointing pages at another anon_vma is unsafe on 5.10 and 6.1 and
 *    not built on 6.12/7.2): such a mapping counts as blocked (EBUSY).
 *  - Blocked, left as it is: a mapping with fork ancestry (a fork child's),
 *    or holding a page shared with a fork relative or KSM, pinned, or
 *    referenced beyond its mapping and the swap cache (vmsplice(2) into a
 *    pipe, I/O in flight), a shared swap entry, or a device entry.  Pages
 *    locked or migrating throughout a few tries: EAGAIN.  Growing stacks,
 *    shadow stacks, sealed, userfaultfd-registered, special, hugetlb and
 *    shared mappings are not considered (no error).
 *  - Page contents, PTEs, soft-dirty and swap entries are untouched; only
 *    page indexes change.  A PMD-mapped THP stays PMD-mapped (an anonymous
 *    THP needs no index alignment); a PTE-mapped large folio or a large
 *    folio in the swap cache is split into small pages first.
 *  - Nothing is merged partly: each mapping is re-indexed whole or not at
 *    all.  Once some mappings merged, the call returns their count even if
 *    others were blocked.
 *  - Available on 5.10, 6.1, 6.12 and 7.2 (index-only on all four).
 *
 * Errors: EOPNOTSUPP (not available on this kernel); EINVAL (flags, merged
 * not 0, addr not page aligned, len 0 or the range beyond the address
 * space); EFAULT (the struct); ENOMEM (nothing mapped in the range, or out
 * of memory); EBUSY (nothing merged, and a mapping that could have was
 * blocked, see above); EAGAIN (nothing merged, and a mapping was blocked
 * only by pages locked or migrating: try again); EINTR (a fatal signal);
 * E2BIG (bytes past the module's struct not zero).
 */
struct vmxfer_merge {
	__u32 size;
	__u32 flags;		/* none defined: must be 0 */
	__u64 addr;
	__u64 len;
	__u64 merged;		/* out: number of VMAs merged away */
};

#define VMXFER_MERGE_SIZE_VER0	32

#define VMXFER_IOC_INFO		_IOWR(VMXFER_IOC_MAGIC, 0x00, struct vmxfer_info)
#define VMXFER_IOC_SYMBOL	_IOWR(VMXFER_IOC_MAGIC, 0x01, struct vmxfer_symbol)
#define VMXFER_IOC_CLONE	_IOWR(VMXFER_IOC_MAGIC, 0x10, struct vmxfer_clone)
#define VMXFER_IOC_MOVE		_IOWR(VMXFER_IOC_MAGIC, 0x11, struct vmxfer_move)
#define VMXFER_IOC_REMAP	_IOWR(VMXFER_IOC_MAGIC, 0x12, struct vmxfer_remap)
#define VMXFER_IOC_SPLICE	_IOWR(VMXFER_IOC_MAGIC, 0x13, struct vmxfer_splice)
#define VMXFER_IOC_MERGE	_IOWR(VMXFER_IOC_MAGIC, 0x14, struct vmxfer_merge)

#endif /* _UAPI_LINUX_VMXFER_H */
