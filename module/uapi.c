// SPDX-License-Identifier: GPL-2.0
/*
 * The extensible-struct rules of include/uapi/linux/vmxfer.h: copying an
 * argument struct in and a result out.  Apart from the dispatcher so that
 * the operations and main.c do not include each other.
 */
#include <linux/kernel.h>
#include <linux/uaccess.h>

#include "internal.h"

/* The largest argument struct accepted, whatever the page size. */
#define VMXFER_ARGS_MAX		4096

/*
 * Copy an extensible argument struct from userspace.  Its leading __u32 is
 * the caller's size: below @ver0 is EINVAL, above 4 KiB E2BIG; an older,
 * smaller struct is zero-extended and a larger one must have a zero tail
 * (E2BIG otherwise), as copy_struct_from_user() defines.
 */
int vmxfer_copy_args(void *karg, size_t ksize, size_t ver0,
		     const void __user *uarg, u32 *usize)
{
	u32 size;
	int ret;

	if (get_user(size, (const u32 __user *)uarg))
		return -EFAULT;
	if (size < ver0)
		return -EINVAL;
	if (size > VMXFER_ARGS_MAX)
		return -E2BIG;
	ret = copy_struct_from_user(karg, ksize, uarg, size);
	if (ret)
		return ret;
	*usize = size;
	return 0;
}

/* Write a result back, no further than the caller's struct reaches. */
int vmxfer_copy_result(void __user *uarg, u32 usize, void *karg, size_t ksize)
{
	u32 n = min_t(size_t, usize, ksize);

	*(u32 *)karg = n;
	return copy_to_user(uarg, karg, n) ? -EFAULT : 0;
}

/*
 * Before an operation that cannot be taken back once its locks are
 * dropped: make sure its result can be written, by writing back the bytes
 * just read (@karg as vmxfer_copy_args() filled it), which changes nothing
 * the caller can see, and faults the struct's pages in writable.
 */
int vmxfer_probe_result(void __user *uarg, u32 usize, const void *karg,
			size_t ksize)
{
	u32 n = min_t(size_t, usize, ksize);

	return copy_to_user(uarg, karg, n) ? -EFAULT : 0;
}

/*
 * vmxfer_copy_result() where faulting is not allowed: with the caller's
 * mmap_lock held, so that an operation whose result cannot be written is
 * undone under the same lock instead of leaving a mapping the caller does
 * not know of.  -EFAULT when a page of the struct is not present and
 * writable (vmxfer_probe_result() made it so; reclaim or another thread
 * may undo that): the operation is undone and tried again.
 */
int vmxfer_copy_result_nofault(void __user *uarg, u32 usize, void *karg,
			       size_t ksize)
{
	int ret;

	pagefault_disable();
	ret = vmxfer_copy_result(uarg, usize, karg, ksize);
	pagefault_enable();
	return ret;
}

/* Does the caller's argument struct overlap [start, start + len)? */
bool vmxfer_args_overlap(const void __user *uarg, u32 usize, size_t ksize,
			 unsigned long start, unsigned long len)
{
	unsigned long a = (unsigned long)uarg;
	u32 n = min_t(size_t, usize, ksize);

	return a < start + len && start < a + n;
}
