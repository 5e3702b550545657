// SPDX-License-Identifier: GPL-2.0-only
/*
 * A 32-bit (-m32, static) caller of /dev/vmxfer, run in the guest: the
 * compat ioctl path (compat_ptr_ioctl), 32-bit placement of new mappings
 * and compat iovecs for splice. No cmocka (there is no 32-bit one here):
 * it prints TAP itself. The host's own kernel may lack IA-32 emulation,
 * the guest kernels (Debian's, CONFIG_IA32_EMULATION=y) have it.
 */
#define _GNU_SOURCE
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
#include <sys/uio.h>
#include <sys/wait.h>
#include <linux/vmxfer.h>
#include "uapi_dump.h"

#define PG 4096UL
#define NPAGES 4

/* build/tests/kernel/uapi_dump64.txt: the native (64-bit) layout dump */
extern const char native_dump[];
extern const char native_dump_end[];
__asm__(".section .rodata\n"
	".global native_dump\n.global native_dump_end\n"
	"native_dump:\n.incbin \"" NATIVE_DUMP "\"\n"
	"native_dump_end:\n.byte 0\n.previous\n");

static int vfd, failed, num;

static void result(int ok, const char *name, const char *why)
{
	num++;
	if (ok) {
		printf("ok %d - %s\n", num, name);
	} else {
		failed++;
		printf("# %s: %s (errno %d: %s)\n", name, why, errno, strerror(errno));
		printf("not ok %d - %s\n", num, name);
	}
}

static int test_layout(void)
{
	static char m32[16384];
	size_t n = (size_t)(native_dump_end - native_dump);

	if (vx_uapi_dump(m32, sizeof(m32)) >= sizeof(m32))
		return 0;
	if (strlen(m32) != n || memcmp(m32, native_dump, n) != 0) {
		printf("# -m32 layout:\n%s# native layout:\n%.*s", m32, (int)n,
		       native_dump);
		return 0;
	}
	return 1;
}

static int test_info(void)
{
	struct vmxfer_info info;
	__u64 want = VMXFER_FEAT_CLONE | VMXFER_FEAT_SPLICE | VMXFER_FEAT_REMAP;

	memset(&info, 0, sizeof(info));
	info.size = sizeof(info);
	if (ioctl(vfd, VMXFER_IOC_INFO, &info) != 0)
		return 0;
	printf("# abi %u features %#llx\n", info.abi_version,
	       (unsigned long long)info.features);
	return info.abi_version == VMXFER_ABI_VERSION &&
	       (info.features & want) == want;
}

/*
 * A child that shares @area (copied at fork), overwrites it with @fill and
 * waits for a byte on its stdin pipe. Returns its pid; *pidfd, *go set.
 */
static pid_t child_start(unsigned char *area, int fill, int *pidfd, int *go)
{
	int ready[2], wait_fd[2];
	pid_t pid;
	char c;

	if (pipe(ready) || pipe(wait_fd))
		return -1;
	pid = fork();
	if (pid == 0) {
		memset(area, fill, NPAGES * PG);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		if (read(wait_fd[0], &c, 1) < 0)
			_exit(1);
		/* still unchanged by what the parent did to its clone? */
		_exit(area[0] == fill && area[NPAGES * PG - 1] == fill ? 0 : 3);
	}
	close(ready[1]);
	close(wait_fd[0]);
	if (pid < 0 || read(ready[0], &c, 1) != 1)
		return -1;
	close(ready[0]);
	*go = wait_fd[1];
	*pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	return *pidfd < 0 ? -1 : pid;
}

static int child_end(pid_t pid, int pidfd, int go)
{
	int st = 0;

	if (write(go, "g", 1) != 1)
		return 0;
	close(go);
	close(pidfd);
	return waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	       WEXITSTATUS(st) == 0;
}

static int test_clone(unsigned char *area)
{
	struct vmxfer_clone a;
	int pidfd, go, ok;
	unsigned char *p;
	pid_t pid;

	pid = child_start(area, 0xc1, &pidfd, &go);
	if (pid < 0)
		return 0;
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.pidfd = pidfd;
	a.src = (uintptr_t)area;
	a.len = NPAGES * PG;
	ok = ioctl(vfd, VMXFER_IOC_CLONE, &a) == 0;
	if (ok && a.dst > 0xffffffffULL) {
		printf("# clone placed at %#llx: above a 32-bit caller's reach\n",
		       (unsigned long long)a.dst);
		ok = 0;
	}
	if (ok) {
		p = (unsigned char *)(uintptr_t)a.dst;
		ok = p[0] == 0xc1 && p[NPAGES * PG - 1] == 0xc1 && area[0] == 0xaa;
		memset(p, 0x5e, NPAGES * PG); /* COW: the child must not see it */
		munmap(p, NPAGES * PG);
	}
	return child_end(pid, pidfd, go) && ok;
}

static int test_splice(unsigned char *area)
{
	struct vmxfer_splice a;
	struct iovec iov[2];
	int pidfd, go, ok, pfd[2];
	unsigned char buf[2 * PG];
	pid_t pid;

	if (pipe(pfd))
		return 0;
	pid = child_start(area, 0x5b, &pidfd, &go);
	if (pid < 0)
		return 0;
	/* two 32-bit iovecs: page 1 then page 3 */
	iov[0].iov_base = area + PG;
	iov[0].iov_len = PG;
	iov[1].iov_base = area + 3 * PG;
	iov[1].iov_len = PG;
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.pidfd = pidfd;
	a.pipe_fd = pfd[1];
	a.iov = (uintptr_t)iov;
	a.nr_segs = 2;
	ok = ioctl(vfd, VMXFER_IOC_SPLICE, &a) == 0 && a.spliced == 2 * PG;
	if (ok)
		ok = read(pfd[0], buf, sizeof(buf)) == (ssize_t)sizeof(buf) &&
		     buf[0] == 0x5b && buf[2 * PG - 1] == 0x5b;
	close(pfd[0]);
	close(pfd[1]);
	return child_end(pid, pidfd, go) && ok;
}

static int test_remap(void)
{
	struct vmxfer_remap a;
	unsigned char *src;
	int ok;

	src = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (src == MAP_FAILED)
		return 0;
	memset(src, 0x7e, 2 * PG);
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.old_addr = (uintptr_t)src;
	a.old_len = 2 * PG;
	a.new_len = 4 * PG;
	ok = ioctl(vfd, VMXFER_IOC_REMAP, &a) == 0;
	if (ok && a.new_addr > 0xffffffffULL) {
		printf("# remap placed at %#llx: above a 32-bit caller's reach\n",
		       (unsigned long long)a.new_addr);
		ok = 0;
	}
	if (ok) {
		unsigned char *d = (unsigned char *)(uintptr_t)a.new_addr;

		ok = d[0] == 0x7e && d[2 * PG - 1] == 0x7e && d[4 * PG - 1] == 0 &&
		     src[0] == 0 && src[2 * PG - 1] == 0;
		munmap(d, 4 * PG);
	}
	munmap(src, 2 * PG);
	return ok;
}

int main(void)
{
	unsigned char *area;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("1..5\n");
	vfd = open(VMXFER_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	area = mmap(NULL, NPAGES * PG, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (vfd < 0 || area == MAP_FAILED) {
		printf("Bail out! open %s / mmap: %s\n", VMXFER_DEVICE_PATH,
		       strerror(errno));
		return 1;
	}
	memset(area, 0xaa, NPAGES * PG);
	result(test_layout(), "test_layout_identical", "layout differs");
	result(test_info(), "test_info", "INFO from a 32-bit caller");
	result(test_clone(area), "test_clone", "clone from a 32-bit caller");
	result(test_splice(area), "test_splice_compat_iovec",
	       "splice with 32-bit iovecs");
	result(test_remap(), "test_remap", "remap from a 32-bit caller");
	return failed ? 1 : 0;
}
