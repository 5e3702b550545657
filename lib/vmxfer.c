// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libvmxfer - thin wrappers around the /dev/vmxfer ioctls.
 *
 * Every system call goes through open(2), ioctl(2) or syscall(2) directly:
 * the unit tests interpose on exactly those with ld --wrap, so keep it so.
 * Without /dev/vmxfer the calls go to the native fallback (native.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/userfaultfd.h>
#include <sys/syscall.h>

#include "vmxfer.h"
#include "native.h"

#define VMXFER_API __attribute__((visibility("default")))

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434	/* same number on every architecture but alpha */
#endif

VMXFER_API int vmxfer_open(void)
{
	int fd = open(VMXFER_DEVICE_PATH, O_RDWR | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT)
		return vx_native_open();
	return fd;
}

/* Did the ioctl on vfd just fail because vfd is the native fallback's? */
static int native(int vfd)
{
	return errno == ENOTTY && vx_native_is(vfd);
}

static int vmxfer_ioctl(int vfd, unsigned long cmd, void *arg)
{
	int ret = ioctl(vfd, cmd, arg);

	if (ret < 0) {
		if (errno == 0)	/* never report failure without a reason */
			errno = EIO;
		return -1;
	}
	return ret;
}

VMXFER_API int vmxfer_info(int vfd, struct vmxfer_info *info)
{
	if (!info) {
		errno = EFAULT;
		return -1;
	}
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	if (vmxfer_ioctl(vfd, VMXFER_IOC_INFO, info) < 0)
		return native(vfd) ? vx_native_info(info) : -1;
	return 0;
}

VMXFER_API int vmxfer_symbol(int vfd, unsigned int index, struct vmxfer_symbol *sym)
{
	if (!sym) {
		errno = EFAULT;
		return -1;
	}
	memset(sym, 0, sizeof(*sym));
	sym->size = sizeof(*sym);
	sym->index = index;
	if (vmxfer_ioctl(vfd, VMXFER_IOC_SYMBOL, sym) < 0)
		return native(vfd) ? vx_native_symbol() : -1;
	sym->name[sizeof(sym->name) - 1] = '\0';
	return 0;
}

VMXFER_API int vmxfer_pidfd_open(pid_t pid)
{
	long ret;

	if (pid <= 0) {
		errno = EINVAL;
		return -1;
	}
	ret = syscall(SYS_pidfd_open, pid, 0U);
	if (ret < 0)
		return -1;
	return (int)ret;
}

static const char *const vmxfer_op_names[VMXFER_OP_COUNT] = {
	[VMXFER_OP_CLONE]  = "clone",
	[VMXFER_OP_MOVE]   = "move",
	[VMXFER_OP_REMAP]  = "remap",
	[VMXFER_OP_SPLICE] = "splice",
	[VMXFER_OP_MERGE]  = "merge",
};

VMXFER_API const char *vmxfer_op_name(unsigned int op)
{
	if (op >= VMXFER_OP_COUNT) {
		errno = EINVAL;
		return NULL;
	}
	return vmxfer_op_names[op];
}

VMXFER_API void *vmxfer_clone(int vfd, int pidfd, const void *src, size_t len,
			      void *dst, unsigned int flags)
{
	struct vmxfer_clone arg;

	memset(&arg, 0, sizeof(arg));
	arg.size = sizeof(arg);
	arg.flags = flags;
	arg.pidfd = pidfd;
	arg.src = (uintptr_t)src;
	arg.len = len;
	arg.dst = (uintptr_t)dst;
	if (vmxfer_ioctl(vfd, VMXFER_IOC_CLONE, &arg) < 0)
		return native(vfd) ? vx_native_clone() : MAP_FAILED;
	return (void *)(uintptr_t)arg.dst;
}

VMXFER_API void *vmxfer_remap(int vfd, void *old_addr, size_t old_len,
			      size_t new_len, void *new_addr, unsigned int flags)
{
	struct vmxfer_remap arg;

	memset(&arg, 0, sizeof(arg));
	arg.size = sizeof(arg);
	arg.flags = flags;
	arg.old_addr = (uintptr_t)old_addr;
	arg.old_len = old_len;
	arg.new_len = new_len;
	arg.new_addr = (uintptr_t)new_addr;
	if (vmxfer_ioctl(vfd, VMXFER_IOC_REMAP, &arg) < 0)
		return native(vfd) ? vx_native_remap(old_addr, old_len, new_len,
						     new_addr, flags) : MAP_FAILED;
	return (void *)(uintptr_t)arg.new_addr;
}

/* VMXFER_IOC_MOVE: bytes moved, or -1 (errno ENOTTY on the native fallback). */
static ssize_t move_ioctl(int vfd, void *dst, const void *src, size_t len,
			  unsigned int flags)
{
	struct vmxfer_move arg;

	memset(&arg, 0, sizeof(arg));
	arg.size = sizeof(arg);
	arg.flags = flags;
	arg.src = (uintptr_t)src;
	arg.dst = (uintptr_t)dst;
	arg.len = len;
	if (vmxfer_ioctl(vfd, VMXFER_IOC_MOVE, &arg) < 0)
		return -1;
	return (ssize_t)arg.moved;
}

VMXFER_API ssize_t vmxfer_move(int vfd, void *dst, const void *src, size_t len,
			       unsigned int flags)
{
	ssize_t moved = move_ioctl(vfd, dst, src, len, flags);

	if (moved < 0 && native(vfd))
		return vx_native_move(dst, src, len, flags);
	return moved;
}

VMXFER_API int vmxfer_merge(int vfd, void *addr, size_t len,
			    unsigned int flags)
{
	struct vmxfer_merge arg;

	memset(&arg, 0, sizeof(arg));
	arg.size = sizeof(arg);
	arg.flags = flags;
	arg.addr = (uintptr_t)addr;
	arg.len = len;
	if (vmxfer_ioctl(vfd, VMXFER_IOC_MERGE, &arg) < 0)
		return -1;
	return arg.merged > INT_MAX ? INT_MAX : (int)arg.merged;
}

VMXFER_API ssize_t vmxfer_move_uffd(int vfd, int uffd, void *dst,
				    const void *src, size_t len,
				    unsigned int flags)
{
	struct uffdio_range wake;
	ssize_t moved = move_ioctl(vfd, dst, src, len, flags);
	int err = errno;

	if (moved < 0 && native(vfd))
		return vx_native_move_uffd(uffd, dst, src, len, flags);
	if (moved <= 0)
		return moved;
	/* Wake who waits on the moved part (a failure here changes nothing). */
	wake.start = (uintptr_t)dst;
	wake.len = (uint64_t)moved;
	if (ioctl(uffd, UFFDIO_WAKE, &wake) < 0)
		return -1;
	errno = err;
	return moved;
}

VMXFER_API ssize_t vmxfer_splice(int vfd, int pidfd, int pipe_fd,
				 const struct iovec *iov, unsigned long nr_segs,
				 unsigned int flags)
{
	struct vmxfer_splice arg;

	memset(&arg, 0, sizeof(arg));
	arg.size = sizeof(arg);
	arg.flags = flags;
	arg.pidfd = pidfd;
	arg.pipe_fd = pipe_fd;
	arg.iov = (uintptr_t)iov;
	arg.nr_segs = nr_segs;
	if (vmxfer_ioctl(vfd, VMXFER_IOC_SPLICE, &arg) < 0)
		return native(vfd) ? vx_native_splice() : -1;
	return (ssize_t)arg.spliced;
}
