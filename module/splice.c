// SPDX-License-Identifier: GPL-2.0
/*
 * VMXFER_IOC_SPLICE: put another process's pages into a pipe by reference,
 * the process_vmsplice() proposal (2017).
 *
 * The pages are taken with get_user_pages_remote() (plain references, as
 * vmsplice(2) takes the caller's own) and added to the pipe as buffers that
 * cannot be stolen.  A reader sees the page as it is when it reads: writes
 * the target makes afterwards may show; pages the target unmaps, or that
 * its exit frees, stay allocated until the buffer is consumed.  Only pages
 * process_vm_readv(2) could read are taken: readable VMAs, no FOLL_FORCE.
 *
 * Locking: the pipe mutex (pipe_lock) is taken first and the target's
 * mmap_lock (read) inside it, the order vmsplice(2) uses.  The mmap_lock is
 * taken killably, and GUP is given "locked": a fault that has to wait (for
 * a page under I/O, e.g. a FUSE read the server has not answered, or for a
 * userfaultfd handler) drops the target's lock and waits killably instead
 * of holding the lock, uninterruptibly, for as long as the wait lasts.
 * What stays uninterruptible is FUSE's own: a read this fault itself sent
 * to the server is waited for once the server has taken it (as for a
 * read(2) of the file).
 */
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/pipe_fs_i.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/splice.h>
#include <linux/uio.h>
#include <linux/wait.h>

#include "compat.h"
#include "internal.h"

/* Pages taken per get_user_pages_remote() call. */
#define VMXFER_SPLICE_BATCH	16

/*
 * The target's pages: never stolen (try_steal unset), released by put_page.
 * Buffers get no flags: in particular never PIPE_BUF_FLAG_CAN_MERGE, or a
 * later write(2) to the pipe would land in the target's page.
 */
static const struct pipe_buf_operations vmxfer_splice_buf_ops = {
	.release = generic_pipe_buf_release,
	.get = generic_pipe_buf_get,
};

struct vmxfer_splice_ctx {
	struct pipe_inode_info *pipe;
	struct mm_struct *mm;
	bool nonblock;
	size_t spliced;
};

static bool vmxfer_pipe_writable(struct pipe_inode_info *pipe)
{
	return !pipe_full(READ_ONCE(pipe->head), READ_ONCE(pipe->tail),
			  READ_ONCE(pipe->max_usage)) ||
	       !READ_ONCE(pipe->readers);
}

/*
 * With the pipe locked, wait until it has a free slot.  Waits only before
 * the first byte: once something is spliced a full pipe ends the call.
 * Returns the number of free slots, 0 to stop, or -errno.
 */
static int vmxfer_splice_space(struct vmxfer_splice_ctx *c)
{
	struct pipe_inode_info *pipe = c->pipe;

	for (;;) {
		if (!pipe->readers) {
			send_sig(SIGPIPE, current, 0);
			return -EPIPE;
		}
		if (!pipe_full(pipe->head, pipe->tail, pipe->max_usage))
			return pipe->max_usage - (pipe->head - pipe->tail);
		if (c->spliced)
			return 0;
		if (c->nonblock)
			return -EAGAIN;
		pipe_unlock(pipe);
		if (wait_event_interruptible(pipe->wr_wait,
					     vmxfer_pipe_writable(pipe))) {
			pipe_lock(pipe);
			return -ERESTARTSYS;
		}
		pipe_lock(pipe);
	}
}

/*
 * How many of the @nr pages from @addr lie in the target's VMAs, with no
 * gap (mmap_lock held).  GUP is never given an address outside every VMA:
 * below a stack VMA, 5.10's GUP grows the stack (find_extend_vma()), and
 * 6.12 and 7.2 log "GUP no longer grows the stack" with a stack dump (once
 * an hour) before failing.  Such an address ends the splice here instead:
 * EFAULT, or a short count after some bytes.
 */
static long vmxfer_splice_mapped(struct mm_struct *mm, unsigned long addr,
				 long nr)
{
	unsigned long end = addr + (nr << PAGE_SHIFT), a;
	struct vm_area_struct *vma;

	for (a = addr; a < end; a = vma->vm_end) {
		vma = vmxfer_vma_lookup(mm, a);
		if (!vma)
			break;
	}
	return (min(a, end) - addr) >> PAGE_SHIFT;
}

/*
 * Splice up to @slots pages of [addr, addr + len) into the locked pipe.
 * Returns the bytes added (possibly short), or -errno if none were.
 */
static ssize_t vmxfer_splice_batch(struct vmxfer_splice_ctx *c,
				   unsigned long addr, size_t len, int slots)
{
	struct page *pages[VMXFER_SPLICE_BATCH];
	unsigned long first = addr & PAGE_MASK;
	long nr, got, i;
	ssize_t added = 0;
	int locked = 1;

	nr = (PAGE_ALIGN(addr + len) - first) >> PAGE_SHIFT;
	nr = min3(nr, (long)slots, (long)VMXFER_SPLICE_BATCH);

	if (mmap_read_lock_killable(c->mm))
		return -EINTR;
	nr = vmxfer_splice_mapped(c->mm, first, nr);
	got = nr ? vmxfer_gup_remote(c->mm, first, nr, 0, pages, &locked) : 0;
	if (locked)
		mmap_read_unlock(c->mm);
	if (got <= 0)
		return got ? got : -EFAULT;

	for (i = 0; i < got; i++) {
		unsigned int off = offset_in_page(addr);
		struct pipe_buffer buf = {
			.page = pages[i],
			.offset = off,
			.len = min_t(size_t, PAGE_SIZE - off, len),
			.ops = &vmxfer_splice_buf_ops,
		};
		ssize_t ret = add_to_pipe(c->pipe, &buf);	/* puts on error */

		if (ret < 0) {
			while (++i < got)
				put_page(pages[i]);
			return added ? added : ret;
		}
		added += ret;
		addr += ret;
		len -= ret;
	}
	return added;
}

/* Splice one iovec; returns bytes added, or -errno if none were. */
static ssize_t vmxfer_splice_seg(struct vmxfer_splice_ctx *c,
				 const struct iovec *seg)
{
	unsigned long addr = (unsigned long)seg->iov_base;
	size_t len = seg->iov_len;
	ssize_t done = 0, ret = 0;
	int slots;

	while (len) {
		slots = vmxfer_splice_space(c);
		if (slots <= 0) {
			ret = slots;
			break;
		}
		ret = vmxfer_splice_batch(c, addr, len, slots);
		if (ret <= 0)
			break;
		done += ret;
		c->spliced += ret;
		addr += ret;
		len -= ret;
	}
	return done ? done : ret;
}

static void vmxfer_wake_readers(struct pipe_inode_info *pipe)
{
	smp_mb();	/* the new head before the waitqueue check */
	if (waitqueue_active(&pipe->rd_wait))
		wake_up_interruptible(&pipe->rd_wait);
	kill_fasync(&pipe->fasync_readers, SIGIO, POLL_IN);
}

/* Walk the iovecs; stops at the first short or failed segment. */
static ssize_t vmxfer_splice_iovs(struct vmxfer_splice_ctx *c,
				  const struct iovec *iov, unsigned long nr)
{
	ssize_t ret = 0;
	unsigned long i;

	pipe_lock(c->pipe);
	for (i = 0; i < nr; i++) {
		if (!iov[i].iov_len)
			continue;
		ret = vmxfer_splice_seg(c, &iov[i]);
		if (ret < 0 || (size_t)ret < iov[i].iov_len)
			break;
	}
	pipe_unlock(c->pipe);
	if (c->spliced)
		vmxfer_wake_readers(c->pipe);
	return c->spliced ? c->spliced : min_t(ssize_t, ret, 0);
}

static ssize_t vmxfer_splice_do(struct vmxfer_splice *a)
{
	struct iovec iovstack[UIO_FASTIOV], *iov = iovstack;
	struct vmxfer_splice_ctx c = {
		.nonblock = a->flags & VMXFER_SPLICE_NONBLOCK,
	};
	struct iov_iter iter;
	struct file *file;
	ssize_t ret;

	file = fget(a->pipe_fd);
	if (!file)
		return -EBADF;
	ret = -EBADF;
	if (!(file->f_mode & FMODE_WRITE))
		goto out_file;
	c.pipe = static_call(vmxfer_get_pipe_info)(file, true);
	if (!c.pipe)
		goto out_file;

	c.mm = vmxfer_target_mm(a->pidfd);
	if (IS_ERR(c.mm)) {
		ret = PTR_ERR(c.mm);
		goto out_file;
	}
	ret = 0;
	if (!a->nr_segs)
		goto out_mm;

	/* The iovecs name the target's addresses; only their layout is ours. */
	ret = import_iovec(ITER_DEST, u64_to_user_ptr(a->iov), a->nr_segs,
			   ARRAY_SIZE(iovstack), &iov, &iter);
	if (ret < 0)
		goto out_mm;
	ret = vmxfer_splice_iovs(&c, iov ? iov : iovstack, a->nr_segs);
	kfree(iov);
out_mm:
	mmput(c.mm);
out_file:
	fput(file);
	return ret;
}

long vmxfer_ioctl_splice(void __user *uarg)
{
	struct vmxfer_splice a;
	ssize_t ret;
	u32 usize;

	ret = vmxfer_copy_args(&a, sizeof(a), VMXFER_SPLICE_SIZE_VER0, uarg,
			       &usize);
	if (ret)
		return ret;
	if (a.flags & ~VMXFER_SPLICE_NONBLOCK || a.spliced)
		return -EINVAL;
	if (a.nr_segs > UIO_MAXIOV)
		return -EINVAL;
	/* Fail before splicing anything if the result cannot be written. */
	ret = vmxfer_probe_result(uarg, usize, &a, sizeof(a));
	if (ret)
		return ret;

	ret = vmxfer_splice_do(&a);
	if (ret < 0)
		return ret;
	a.spliced = ret;
	return vmxfer_copy_result(uarg, usize, &a, sizeof(a));
}
