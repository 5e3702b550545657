/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvmxfer - userspace interface to /dev/vmxfer.
 *
 * The kernel ABI itself is <linux/vmxfer.h>; this library only wraps it.
 *
 * Error convention, for every function: on failure it returns -1 (MAP_FAILED
 * for vmxfer_clone(), NULL for vmxfer_op_name()) and sets errno; on success
 * errno is left unspecified.  There is no other error reporting.
 *
 * Errnos common to every function taking a "vfd" (the descriptor returned by
 * vmxfer_open()):
 *   EBADF   vfd is not an open descriptor
 *   ENOTTY  vfd is open but is not /dev/vmxfer (or the module is too old to
 *           know the request)
 *   EFAULT  a pointer argument is NULL or not accessible
 *   EINTR   interrupted by a signal before anything was done
 *
 * Native fallback.  When /dev/vmxfer does not exist (the module is not
 * installed or not loaded) and the running kernel has a system call with
 * the same zero-copy semantics for some operation, vmxfer_open() returns a
 * descriptor of the library's own (a sealed memfd; close it with close(2))
 * and the library serves those operations with the kernel's calls:
 *   vmxfer_remap() with new_len == old_len: mremap(2) with MREMAP_MAYMOVE |
 *     MREMAP_DONTUNMAP (| MREMAP_FIXED) (Linux 5.7; anonymous private
 *     mappings only before 5.13);
 *   vmxfer_move(): UFFDIO_MOVE (Linux 6.8) through a private userfaultfd
 *     registered on dst for the duration of the call and unregistered
 *     after it (the mapping is left as it was); vmxfer_move_uffd() moves
 *     through the caller's uffd, on which dst is registered.
 * Their errnos are then those of mremap(2), userfaultfd(2) (UFFDIO_REGISTER,
 * UFFDIO_MOVE) where they differ from the module's (e.g. EINVAL for a hole
 * at dst).  During a fallback move a kernel-mode fault in dst (another
 * thread's read(2) into it) waits for the call to end, or, for a process
 * only allowed user-mode-only userfaultfds (vm.unprivileged_userfaultfd=0,
 * no CAP_SYS_PTRACE), fails with EFAULT.
 * vmxfer_info() then sets VMXFER_INFO_NATIVE_FALLBACK in info->flags, the
 * feature bits of what the kernel serves, op_status VMXFER_OPST_NEEDS_MODULE
 * for the rest, an empty module_version and nr_symbols 0.  Every operation
 * without a zero-copy native equivalent (clone, splice, a remap that grows
 * or uses VMXFER_REMAP_FIXED_NOREPLACE, move before 6.8) fails with ENODEV
 * and, once per operation and process, a line on stderr saying how to
 * install the module (VMXFER_QUIET=1 in the environment silences it).  The
 * library never copies data instead.  VMXFER_NO_FALLBACK=1 in the
 * environment turns the fallback off: vmxfer_open() then fails with ENOENT.
 */
#ifndef VMXFER_H
#define VMXFER_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/mman.h>	/* MAP_FAILED */
#include <sys/uio.h>	/* struct iovec */
#include <linux/vmxfer.h>

#ifdef __cplusplus
extern "C" {
#endif

/* vmxfer_info() out, in info->flags: no module, the native fallback answers. */
#define VMXFER_INFO_NATIVE_FALLBACK	(1U << 31)
/* vmxfer_info() op_status on the native fallback: only the module does it. */
#define VMXFER_OPST_NEEDS_MODULE	0x100

/*
 * vmxfer_open - open VMXFER_DEVICE_PATH ("/dev/vmxfer") O_RDWR | O_CLOEXEC.
 * Returns the descriptor.
 * Without the device node, a descriptor of the native fallback (above)
 * when the kernel has one.
 * Errors: ENOENT  no device node: the module is not loaded (or udev has not
 *                 created the node yet), and no native fallback (or
 *                 VMXFER_NO_FALLBACK=1);
 *         EACCES  the node exists but you may not open it (the udev rule
 *                 gives it to group "vmxfer": add yourself to that group);
 *         ENXIO, ENODEV  stale node, the module is not loaded;
 *         EMFILE, ENFILE, ENOMEM  out of descriptors / memory.
 */
int vmxfer_open(void);

/*
 * vmxfer_info - VMXFER_IOC_INFO.  Clears *info, sets info->size to
 * sizeof(*info) and flags to 0, and asks the module.  On return info->size
 * is the number of bytes the module wrote; fields it did not write are 0.
 * Returns 0.
 * Errors: EBADF, ENOTTY, EFAULT (info is NULL or bad), EINVAL, E2BIG
 *         (library and module disagree on the struct: should not happen).
 */
int vmxfer_info(int vfd, struct vmxfer_info *info);

/*
 * vmxfer_symbol - VMXFER_IOC_SYMBOL: entry "index" of the module's table of
 * kernel symbols (for diagnostics: which ones were found, which operations
 * need them).  Clears *sym and sets its size and index.  Returns 0.
 * Errors: ENOENT (index >= vmxfer_info.nr_symbols), EBADF, ENOTTY, EFAULT,
 *         EINVAL, E2BIG.
 */
int vmxfer_symbol(int vfd, unsigned int index, struct vmxfer_symbol *sym);

/*
 * vmxfer_pidfd_open - pidfd_open(2) of "pid" with no flags, through
 * syscall(2) (so it works with a C library lacking the wrapper).  The
 * kernel always sets close-on-exec on pidfds.  Returns the pidfd.
 * Errors: EINVAL (pid <= 0), ESRCH (no such process), ENOSYS (kernel older
 *         than 5.3), EMFILE, ENFILE, ENOMEM, ENODEV.
 */
int vmxfer_pidfd_open(pid_t pid);

/*
 * vmxfer_op_name - "clone", "move", "remap", "splice" or "merge" for
 * VMXFER_OP_CLONE .. VMXFER_OP_MERGE.  Returns NULL (and sets errno to
 * EINVAL) when op >= VMXFER_OP_COUNT.
 */
const char *vmxfer_op_name(unsigned int op);

/*
 * vmxfer_clone - VMXFER_IOC_CLONE: map [src, src + len) of the process
 * "pidfd" into the caller, fork-style.  "dst" is a hint, or the exact
 * address with VMXFER_CLONE_FIXED / VMXFER_CLONE_FIXED_NOREPLACE.  Returns
 * the address of the new mapping.
 * Errors: EOPNOTSUPP (not available: see vmxfer_info.features), EINVAL
 *         (flags, alignment, len 0), EBADF (not a pidfd), ESRCH (target
 *         exited or is a kernel thread), EPERM (ptrace access denied; or the
 *         caller's own policy, as mmap(2) would say it), EACCES and ETXTBSY
 *         (the caller's own mmap policy: MDWE, LSM, file), EFAULT, ENOMEM,
 *         EEXIST (VMXFER_CLONE_FIXED_NOREPLACE and occupied), EBUSY, EIO,
 *         EAGAIN, EINTR, ENOTTY.  See linux/vmxfer.h for each.
 */
void *vmxfer_clone(int vfd, int pidfd, const void *src, size_t len, void *dst,
		   unsigned int flags);

/*
 * vmxfer_remap - VMXFER_IOC_REMAP: move the caller's range
 * [old_addr, old_addr + old_len) (one mapping of any kind
 * mremap(MREMAP_DONTUNMAP) moves: anonymous, file, shmem, memfd, shared,
 * locked, KSM, uffd) to a new place of new_len >= old_len bytes by moving
 * page tables, and leave the old range mapped as a fresh mapping
 * (MREMAP_RETAIN): it then reads zeros (anonymous), the same data
 * (shared) or the file (private file).  "new_addr" is a hint, or the exact
 * address with VMXFER_REMAP_FIXED / VMXFER_REMAP_FIXED_NOREPLACE.
 * Returns the new address, MAP_FAILED on error.
 * Errors: EOPNOTSUPP, EINVAL (flags, alignment, sizes, overlap; special,
 *         hugetlb, PFN/IO, DAX mappings), EFAULT (not one mapping), EPERM
 *         (fixed address below vm.mmap_min_addr; sealed source), EAGAIN
 *         (RLIMIT_MEMLOCK), ENOMEM, EEXIST, EINTR, ENOTTY.
 */
void *vmxfer_remap(int vfd, void *old_addr, size_t old_len, size_t new_len,
		   void *new_addr, unsigned int flags);

/*
 * vmxfer_move - VMXFER_IOC_MOVE: move the caller's exclusively owned
 * anonymous pages from [src, src + len) to [dst, dst + len) by moving
 * page-table entries (no copy; src then reads as never touched).  Strict:
 * nothing at dst is overwritten.  Returns the bytes moved; like write(2),
 * a call that moved some bytes before an error returns that count, and the
 * next call from the stopping point reports the error.  -1 on error.
 * Errors: EOPNOTSUPP, EINVAL (flags, alignment, overlap, a mapping that is
 *         not private anonymous, differing protections), EFAULT (a hole in
 *         the mappings, a marker at src), EPERM (sealed), EEXIST (dst
 *         populated), ENOENT (src hole, without
 *         VMXFER_MOVE_ALLOW_SRC_HOLES), EBUSY (shared, KSM, pinned, or on
 *         5.10/6.1 a page of an unrelated mapping), ENOMEM, EINTR, ENOTTY.
 */
ssize_t vmxfer_move(int vfd, void *dst, const void *src, size_t len,
		    unsigned int flags);

/*
 * vmxfer_merge - VMXFER_IOC_MERGE: give the caller's private anonymous
 * mappings in [addr, addr + len) (len rounded up to pages) the page offsets
 * that let them merge with their neighbours -- offsets mremap(2) and
 * vmxfer_remap()/vmxfer_move() leave as they were -- and merge them.
 * flags must be 0.  Returns the number of mappings merged away (0: none
 * could), or -1.
 * Errors: EOPNOTSUPP, EINVAL (flags, alignment, len 0 or too large),
 *         ENOMEM (nothing mapped in the range; out of memory), EBUSY
 *         (nothing merged, and a mapping that could have was blocked: pages
 *         shared with a fork relative or KSM, pinned or referenced (e.g.
 *         vmsplice), a fork child, or a neighbour with another anon_vma),
 *         EAGAIN (nothing merged, pages locked or migrating throughout),
 *         EINTR, EFAULT, ENOTTY.
 */
int vmxfer_merge(int vfd, void *addr, size_t len, unsigned int flags);

/*
 * vmxfer_move_uffd - vmxfer_move(), then UFFDIO_WAKE on the userfaultfd
 * "uffd" for the moved part of dst: for a handler serving MISSING faults
 * with moved pages (postcopy), including on kernels without UFFDIO_MOVE.
 * Returns what vmxfer_move() returns; -1 with the errno of UFFDIO_WAKE if
 * the pages moved but the wake failed.
 */
ssize_t vmxfer_move_uffd(int vfd, int uffd, void *dst, const void *src,
			 size_t len, unsigned int flags);

/*
 * vmxfer_splice - VMXFER_IOC_SPLICE: put the pages of process "pidfd"
 * described by iov[0 .. nr_segs) into the pipe "pipe_fd" (its write end) by
 * reference.  Returns the number of bytes placed in the pipe.
 * Errors: EOPNOTSUPP, EINVAL (flags, nr_segs), EBADF (pidfd or pipe_fd),
 *         ESRCH, EPERM, EFAULT, EAGAIN (VMXFER_SPLICE_NONBLOCK and the pipe
 *         is full), EPIPE (no reader), EINTR, ENOTTY.
 */
ssize_t vmxfer_splice(int vfd, int pidfd, int pipe_fd, const struct iovec *iov,
		      unsigned long nr_segs, unsigned int flags);

#ifdef __cplusplus
}
#endif

#endif /* VMXFER_H */
