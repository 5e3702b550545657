// SPDX-License-Identifier: GPL-2.0
/*
 * Naming the other process: pidfd to mm, with process_vm_readv's permission
 * check.  Shared by every operation that works on another process.
 */
#include <linux/err.h>
#include <linux/ptrace.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>

#include "compat.h"
#include "internal.h"

/*
 * vmxfer_target_mm - the mm of the process @pidfd names, for reading or
 * mapping its memory.  The caller must have ptrace access to it with
 * PTRACE_MODE_ATTACH_REALCREDS, exactly as process_vm_readv(2) requires.
 *
 * Returns a reference the caller drops with mmput(), or ERR_PTR():
 * -EBADF (not a pidfd), -ESRCH (exited, or a kernel thread: no mm),
 * -EPERM (access denied), -EINTR (killed while waiting for exec to finish).
 */
struct mm_struct *vmxfer_target_mm(int pidfd)
{
	struct task_struct *task;
	struct mm_struct *mm;

	task = vmxfer_pidfd_get_task(pidfd);
	if (IS_ERR(task))
		return ERR_CAST(task);

	mm = static_call(vmxfer_mm_access)(task, PTRACE_MODE_ATTACH_REALCREDS);
	put_task_struct(task);
	if (!mm)
		return ERR_PTR(-ESRCH);
	if (IS_ERR(mm) && PTR_ERR(mm) == -EACCES)
		return ERR_PTR(-EPERM);
	return mm;
}
