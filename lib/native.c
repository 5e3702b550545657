// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libvmxfer's native fallback: what the library does when /dev/vmxfer is
 * absent (the module is not installed or not loaded) and the running
 * kernel has a system call with the same zero-copy semantics:
 *   remap, new_len == old_len  ->  mremap(MREMAP_MAYMOVE | MREMAP_DONTUNMAP)
 *                                  (Linux 5.7; every mapping kind on 5.13+)
 *   move                       ->  UFFDIO_MOVE (Linux 6.8) through a private
 *                                  userfaultfd registered on dst for the call
 * Everything else fails with ENODEV and says once, on stderr, how to install
 * the module.  Never a copy.
 *
 * The "vfd" of the fallback is a sealed memfd holding a magic string
 * (vmxfer_open() makes it), so it is an ordinary descriptor the caller
 * closes with close(2), and any ioctl on it fails with ENOTTY: the library
 * only asks whether a descriptor is the fallback's after an ioctl said
 * ENOTTY, so the module's path costs nothing more.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <linux/userfaultfd.h>

#include "vmxfer.h"
#include "native.h"

#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP	4
#endif
#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY	1
#endif
/* Linux 6.8's UFFDIO_MOVE, for C libraries with older kernel headers. */
#ifndef UFFD_FEATURE_MOVE
#define UFFD_FEATURE_MOVE	(1 << 16)
#endif
#ifndef UFFDIO_MOVE
#define UFFDIO_MOVE_MODE_DONTWAKE		((__u64)1 << 0)
#define UFFDIO_MOVE_MODE_ALLOW_SRC_HOLES	((__u64)1 << 1)
struct uffdio_move {
	__u64 dst;
	__u64 src;
	__u64 len;
	__u64 mode;
	__s64 move;
};
#define UFFDIO_MOVE	_IOWR(UFFDIO, 0x05, struct uffdio_move)
#endif

#define NATIVE_MAGIC	"vmxfer native fallback v1\n"
#define NATIVE_SEALS	(F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

/* Which ops the running kernel serves natively (VMXFER_FEAT_* bits). */
static uint64_t native_probe(void)
{
	long page = sysconf(_SC_PAGESIZE);
	struct uffdio_api api;
	uint64_t feat = 0;
	void *p, *q;
	long uffd;

	p = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p != MAP_FAILED) {
		/* The fifth argument always (glibc reads it for DONTUNMAP too). */
		q = mremap(p, (size_t)page, (size_t)page,
			   MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
		if (q != MAP_FAILED) {
			feat |= VMXFER_FEAT_REMAP;
			munmap(q, (size_t)page);
		}
		munmap(p, (size_t)page);
	}
	uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
	if (uffd >= 0) {
		memset(&api, 0, sizeof(api));
		api.api = UFFD_API;
		api.features = UFFD_FEATURE_MOVE;
		if (ioctl((int)uffd, UFFDIO_API, &api) == 0 &&
		    (api.features & UFFD_FEATURE_MOVE))
			feat |= VMXFER_FEAT_MOVE;
		close((int)uffd);
	}
	return feat;
}

int vx_native_open(void)
{
	static const char magic[] = NATIVE_MAGIC;
	const char *off = getenv("VMXFER_NO_FALLBACK");
	int fd;

	if ((off && *off && strcmp(off, "0")) || !native_probe()) {
		errno = ENOENT;
		return -1;
	}
	fd = memfd_create("vmxfer-native-fallback", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0) {
		errno = ENOENT;
		return -1;
	}
	if (write(fd, magic, sizeof(magic) - 1) != (ssize_t)(sizeof(magic) - 1) ||
	    fcntl(fd, F_ADD_SEALS, NATIVE_SEALS) < 0) {
		close(fd);
		errno = ENOENT;
		return -1;
	}
	return fd;
}

int vx_native_is(int fd)
{
	static const char magic[] = NATIVE_MAGIC;
	char buf[sizeof(magic)];
	int err = errno, yes;

	yes = fcntl(fd, F_GET_SEALS) == NATIVE_SEALS &&
	      pread(fd, buf, sizeof(buf), 0) == (ssize_t)(sizeof(magic) - 1) &&
	      !memcmp(buf, magic, sizeof(magic) - 1);
	errno = err;
	return yes;
}

/* ENODEV, and once per op and process a line on stderr saying what to do. */
static int needs_module(unsigned int op, const char *what)
{
	static volatile int said[VMXFER_OP_COUNT];
	const char *quiet = getenv("VMXFER_QUIET");
	char msg[512];
	int n;

	if (op < VMXFER_OP_COUNT && !said[op] && !(quiet && *quiet && strcmp(quiet, "0"))) {
		said[op] = 1;
		n = snprintf(msg, sizeof(msg),
			     "libvmxfer: %s needs the vmxfer kernel module (%s is absent and this "
			     "kernel has no zero-copy equivalent): install it with "
			     "'apt install vmxfer-dkms' (or 'make dkms-install' from the source), "
			     "then 'vmxfer-ctl load'; 'vmxfer-ctl status' shows what works\n",
			     what, VMXFER_DEVICE_PATH);
		if (n > 0 && write(STDERR_FILENO, msg, (size_t)n) < 0)
			n = 0;	/* nowhere to say it: the errno still does */
	}
	errno = ENODEV;
	return -1;
}

int vx_native_info(struct vmxfer_info *info)
{
	struct utsname uts;
	unsigned int op;

	info->size = sizeof(*info);
	info->flags = VMXFER_INFO_NATIVE_FALLBACK;
	info->abi_version = VMXFER_ABI_VERSION;
	info->nr_symbols = 0;
	info->features = native_probe();
	for (op = 0; op < VMXFER_OP_COUNT; op++)
		info->op_status[op] = info->features & (1ULL << op) ?
				      VMXFER_OPST_AVAILABLE : VMXFER_OPST_NEEDS_MODULE;
	if (uname(&uts) == 0)
		snprintf(info->kernel_release, sizeof(info->kernel_release), "%s",
			 uts.release);
	return 0;
}

int vx_native_symbol(void)
{
	errno = ENOENT;		/* nr_symbols is 0 */
	return -1;
}

void *vx_native_clone(void)
{
	needs_module(VMXFER_OP_CLONE, "clone");
	return MAP_FAILED;
}

ssize_t vx_native_splice(void)
{
	return needs_module(VMXFER_OP_SPLICE, "splice");
}

void *vx_native_remap(void *old_addr, size_t old_len, size_t new_len,
		      void *new_addr, unsigned int flags)
{
	int mflags = MREMAP_MAYMOVE | MREMAP_DONTUNMAP;

	if (flags & ~(VMXFER_REMAP_FIXED | VMXFER_REMAP_FIXED_NOREPLACE) ||
	    (flags & VMXFER_REMAP_FIXED && flags & VMXFER_REMAP_FIXED_NOREPLACE) ||
	    new_len < old_len) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	/* mremap(2) cannot grow with MREMAP_DONTUNMAP, nor refuse to replace. */
	if (new_len != old_len) {
		needs_module(VMXFER_OP_REMAP, "remap to a larger size");
		return MAP_FAILED;
	}
	if (flags & VMXFER_REMAP_FIXED_NOREPLACE) {
		needs_module(VMXFER_OP_REMAP, "remap with VMXFER_REMAP_FIXED_NOREPLACE");
		return MAP_FAILED;
	}
	if (flags & VMXFER_REMAP_FIXED)
		mflags |= MREMAP_FIXED;
	/* Without MREMAP_FIXED new_addr is a hint, as for the module. */
	return mremap(old_addr, old_len, new_len, mflags, new_addr);
}

/* UFFDIO_MOVE on uffd; returns bytes moved (partial, as vmxfer_move) or -1. */
static ssize_t uffd_move(int uffd, void *dst, const void *src, size_t len,
			 unsigned int flags)
{
	struct uffdio_move mv;

	memset(&mv, 0, sizeof(mv));
	mv.dst = (uintptr_t)dst;
	mv.src = (uintptr_t)src;
	mv.len = len;
	if (flags & VMXFER_MOVE_ALLOW_SRC_HOLES)
		mv.mode |= UFFDIO_MOVE_MODE_ALLOW_SRC_HOLES;
	if (ioctl(uffd, UFFDIO_MOVE, &mv) == 0)
		return (ssize_t)mv.move;
	if (mv.move > 0)
		return (ssize_t)mv.move;
	return -1;
}

ssize_t vx_native_move(void *dst, const void *src, size_t len, unsigned int flags)
{
	struct uffdio_register reg;
	struct uffdio_range range;
	struct uffdio_api api;
	ssize_t moved = -1;
	int err;
	long uffd;

	if (flags & ~VMXFER_MOVE_ALLOW_SRC_HOLES) {
		errno = EINVAL;
		return -1;
	}
	if (!(native_probe() & VMXFER_FEAT_MOVE))
		return needs_module(VMXFER_OP_MOVE, "move");
	/*
	 * Kernel-mode faults in dst (another thread's read(2) into it) wait
	 * for the call to end when the uffd may take them; a process only
	 * allowed user-mode-only userfaultfds (vm.unprivileged_userfaultfd=0)
	 * gets EFAULT for those instead, during the call.
	 */
	uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0)
		uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
	if (uffd < 0)
		return -1;
	memset(&api, 0, sizeof(api));
	api.api = UFFD_API;
	api.features = UFFD_FEATURE_MOVE;
	if (ioctl((int)uffd, UFFDIO_API, &api) < 0)
		goto out;
	memset(&reg, 0, sizeof(reg));
	reg.range.start = (uintptr_t)dst;
	reg.range.len = len;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	if (ioctl((int)uffd, UFFDIO_REGISTER, &reg) < 0)
		goto out;
	moved = uffd_move((int)uffd, dst, src, len, flags);
	err = errno;
	/* Unregistering merges dst's mapping back as it was. */
	range.start = (uintptr_t)dst;
	range.len = len;
	ioctl((int)uffd, UFFDIO_UNREGISTER, &range);
	errno = err;
out:
	err = errno;
	close((int)uffd);
	errno = err;
	return moved;
}

ssize_t vx_native_move_uffd(int uffd, void *dst, const void *src, size_t len,
			    unsigned int flags)
{
	if (flags & ~VMXFER_MOVE_ALLOW_SRC_HOLES) {
		errno = EINVAL;
		return -1;
	}
	if (!(native_probe() & VMXFER_FEAT_MOVE))
		return needs_module(VMXFER_OP_MOVE, "move");
	/* dst is the caller's uffd's: move through it (which wakes dst). */
	return uffd_move(uffd, dst, src, len, flags);
}
