// SPDX-License-Identifier: GPL-2.0
/*
 * VMXFER_IOC_CLONE: another process's memory mapped into the caller,
 * fork-style.  COW both ways, shared stays shared, private files, THP
 * (shared whole or split), swap without swap-in, placement flags,
 * multi-VMA ranges and holes, every refusal, permissions against
 * process_vm_readv, the new mapping as an ordinary one, accounting
 * limits, leaks over 1000 cycles, and a target changing under the clone.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "common.h"

#define PAGE 4096UL
#define HPAGE (2UL << 20)

/* Guard regions (6.13+), missing from older uapi headers. */
#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL	102
#define MADV_GUARD_REMOVE	103
#endif

TEST_OP_FIXTURES(VMXFER_FEAT_CLONE)

static char *clone_of(struct target *t, size_t off, size_t len, void *dst,
		      unsigned int flags)
{
	return vmxfer_clone(vfd, t->pidfd, t->base + off, len, dst, flags);
}

static void expect_pattern_at(const char *p, size_t off, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)p[i] != tgt_pattern(off + i))
			fail_msg("byte %zu: %#x, want %#x", off + i,
				 (unsigned char)p[i], tgt_pattern(off + i));
}

/* One byte of the target, read with process_vm_readv. */
static unsigned char peek(struct target *t, size_t off)
{
	unsigned char b;
	struct iovec l = { &b, 1 }, r = { t->base + off, 1 };

	assert_int_equal(process_vm_readv(t->pid, &l, 1, &r, 1, 0), 1);
	return b;
}

/* The permissions column of the caller's maps line for @addr. */
static void maps_perms(void *addr, char perms[5])
{
	unsigned long lo, hi;
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");

	assert_non_null(f);
	strcpy(perms, "????");
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx %4s", &lo, &hi, perms) == 3 &&
		    lo <= (unsigned long)addr && (unsigned long)addr < hi)
			break;
	fclose(f);
}

/* Write a sysctl without a shell (which may not start under the value). */
static void sysctl_set(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, val, strlen(val)), (ssize_t)strlen(val));
	close(fd);
}

static int count_maps(void);

static sigjmp_buf probe_env;

static void probe_handler(int sig)
{
	siglongjmp(probe_env, sig);
}

/* Read (or write) the byte at @p: 0, or the signal it raised. */
static int probe(volatile char *p, int write)
{
	struct sigaction sa = { .sa_handler = probe_handler }, segv, bus;
	int sig;

	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGSEGV, &sa, &segv), 0);
	assert_int_equal(sigaction(SIGBUS, &sa, &bus), 0);
	sig = sigsetjmp(probe_env, 1);
	if (!sig) {
		if (write)
			*p = 1;
		else
			(void)*p;
	}
	sigaction(SIGSEGV, &segv, NULL);
	sigaction(SIGBUS, &bus, NULL);
	return sig;
}

/* Guard regions (MADV_GUARD_INSTALL, 6.13+)?  EINVAL before. */
static int have_guard(void)
{
	char *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int ok;

	assert_ptr_not_equal(p, MAP_FAILED);
	ok = !madvise(p, PAGE, MADV_GUARD_INSTALL);
	if (!ok)
		assert_int_equal(errno, EINVAL);
	munmap(p, PAGE);
	return ok;
}

/*
 * Pages [g, g + n) of the clone @c of @len bytes fault with @sig (read and
 * write); every other page holds the target's pattern.
 */
static void expect_faults_at(char *c, size_t len, size_t g, size_t n, int sig)
{
	for (size_t off = 0; off < len; off += PAGE) {
		if (off >= g * PAGE && off < (g + n) * PAGE) {
			assert_int_equal(probe(c + off, 0), sig);
			assert_int_equal(probe(c + off, 1), sig);
		} else {
			expect_pattern_at(c + off, off, PAGE);
		}
	}
}

/* The byte at @off of the target cannot be read (process_vm_readv). */
static void expect_target_faults(struct target *t, size_t off)
{
	unsigned char b;
	struct iovec l = { &b, 1 }, r = { t->base + off, 1 };

	assert_int_equal(process_vm_readv(t->pid, &l, 1, &r, 1, 0), -1);
	assert_int_equal(errno, EFAULT);
}

/* --- semantics -------------------------------------------------------- */

static void test_cow_both_ways(void **state)
{
	struct target t;
	size_t len = 64 * PAGE;
	char *c;

	(void)state;
	target_start(&t, len, 0);
	c = clone_of(&t, 0, len, NULL, 0);
	assert_ptr_not_equal(c, MAP_FAILED);
	expect_pattern_at(c, 0, len);
	/* The caller's write stays in the caller. */
	c[5] = 0x11;
	assert_int_equal(peek(&t, 5), tgt_pattern(5));
	/* The target's write stays in the target. */
	target_write(&t, 7 * PAGE + 3, 0x22);
	assert_int_equal((unsigned char)c[7 * PAGE + 3], tgt_pattern(7 * PAGE + 3));
	assert_int_equal(peek(&t, 7 * PAGE + 3), 0x22);
	expect_pattern_at(c + 8 * PAGE, 8 * PAGE, len - 8 * PAGE);
	assert_int_equal(munmap(c, len), 0);
	target_stop(&t);
}

/*
 * No data page is copied: system-wide anonymous memory does not grow, and
 * the clone's pages are the target's (shared), until one side writes.
 */
static void test_no_copy(void **state)
{
	struct target t;
	size_t len = 16UL << 20;
	long anon0, anon1;
	char *c;

	(void)state;
	target_start(&t, len, 0);
	anon0 = test_meminfo("AnonPages");
	c = clone_of(&t, 0, len, NULL, 0);
	assert_ptr_not_equal(c, MAP_FAILED);
	expect_pattern_at(c, 0, len);
	anon1 = test_meminfo("AnonPages");
	printf("# AnonPages %ld -> %ld kB for a %zu kB clone\n", anon0, anon1,
	       len >> 10);
	assert_true(anon1 - anon0 < 1024);
	assert_true(test_smaps_kb(c, "Shared_Dirty") + test_smaps_kb(c, "Shared_Clean") >=
		    (long)(len >> 10) - 64);
	c[0] = 1;	/* one COW copy */
	assert_int_equal(test_smaps_kb(c, "Private_Dirty"), 4);
	assert_int_equal(munmap(c, len), 0);
	target_stop(&t);
}

/* len is rounded up to pages; the clone holds whole pages. */
static void test_len_rounding(void **state)
{
	struct target t;
	char *c;

	(void)state;
	target_start(&t, 4 * PAGE, 0);
	c = clone_of(&t, PAGE, PAGE + 1, NULL, 0);
	assert_ptr_not_equal(c, MAP_FAILED);
	expect_pattern_at(c, PAGE, 2 * PAGE);
	assert_int_equal(munmap(c, 2 * PAGE), 0);
	target_stop(&t);
}

static void shared_case(unsigned int flags)
{
	struct target t;
	size_t len = 16 * PAGE;
	char *c;

	target_start(&t, len, flags);
	c = clone_of(&t, 0, len, NULL, 0);
	assert_ptr_not_equal(c, MAP_FAILED);
	expect_pattern_at(c, 0, len);
	c[100] = 0x33;
	assert_int_equal(peek(&t, 100), 0x33);
	target_write(&t, 5 * PAGE, 0x44);
	assert_int_equal((unsigned char)c[5 * PAGE], 0x44);
	assert_int_equal(munmap(c, len), 0);
	target_stop(&t);
}

static void test_shared_anon(void **state)
{
	(void)state;
	shared_case(TGT_SHARED);
}

static void test_shared_memfd(void **state)
{
	(void)state;
	shared_case(TGT_MEMFD);
}

static void test_shared_file(void **state)
{
	(void)state;
	shared_case(TGT_FILE);
}

/* Private file: page-cache pages read in both, COW pages private. */
static void test_private_file(void **state)
{
	struct target t;
	size_t len = 16 * PAGE;
	char *c;

	(void)state;
	target_start(&t, len, TGT_PRIVFILE);
	target_write(&t, 3 * PAGE, 0x55);	/* one COW page in the target */
	c = clone_of(&t, 0, len, NULL, 0);
	assert_ptr_not_equal(c, MAP_FAILED);
	assert_int_equal((unsigned char)c[3 * PAGE], 0x55);
	expect_pattern_at(c + 4 * PAGE, 4 * PAGE, len - 4 * PAGE);
	c[4 * PAGE] = 0x66;
	assert_int_equal(peek(&t, 4 * PAGE), tgt_pattern(4 * PAGE));
	target_write(&t, 3 * PAGE + 1, 0x77);
	assert_int_equal((unsigned char)c[3 * PAGE + 1], tgt_pattern(3 * PAGE + 1));
	assert_int_equal(munmap(c, len), 0);
	target_stop(&t);
}

static void test_thp_aligned(void **state)
{
	struct target t;
	size_t len = 4 * HPAGE;
	char *c;

	(void)state;
	target_start(&t, len, TGT_THP);
	if (proc_kb(t.pid, "smaps_rollup", "AnonHugePages") < 2048)
		fail_msg("no THP in the target");
	c = clone_of(&t, 0, len, NULL, 0);
	assert_ptr_not_equal(c, MAP_FAILED);
	assert_int_equal((uintptr_t)c % HPAGE, 0);
	/* Shared as PMDs: the caller maps them huge, nothing was split. */
	assert_true(test_smaps_kb(c, "AnonHugePages") >= 2048 * 3);
	assert_true(proc_kb(t.pid, "smaps_rollup", "AnonHugePages") >= 2048 * 3);
	expect_pattern_at(c, 0, len);
	c[HPAGE + 5] = 0x12;	/* COW of a huge page: target unchanged */
	assert_int_equal(peek(&t, HPAGE + 5), tgt_pattern(HPAGE + 5));
	target_write(&t, 9, 0x13);
	assert_int_equal((unsigned char)c[9], tgt_pattern(9));
	assert_int_equal(munmap(c, len), 0);
	target_stop(&t);
}

static void test_thp_misaligned(void **state)
{
	struct target t;
	size_t len = 2 * HPAGE;
	char *area, *c;

	(void)state;
	target_start(&t, len, TGT_THP);
	area = mmap(NULL, len + 2 * HPAGE, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_ptr_not_equal(area, MAP_FAILED);
	/* A destination 4 KiB off the source's PMD alignment. */
	c = (char *)(((uintptr_t)area + HPAGE - 1) & ~(HPAGE - 1)) + PAGE;
	assert_ptr_equal(clone_of(&t, 0, len, c, VMXFER_CLONE_FIXED), c);
	expect_pattern_at(c, 0, len);
	/* Part of a THP: [HPAGE/2, HPAGE/2 + HPAGE) covers two halves. */
	assert_int_equal(munmap(c, len), 0);
	c = clone_of(&t, HPAGE / 2, HPAGE, NULL, 0);
	assert_ptr_not_equal(c, MAP_FAILED);
	expect_pattern_at(c, HPAGE / 2, HPAGE);
	c[0] = 1;
	assert_int_equal(peek(&t, HPAGE / 2), tgt_pattern(HPAGE / 2));
	munmap(c, HPAGE);
	munmap(area, len + 2 * HPAGE);
	target_stop(&t);
}

static void test_swapped_out(void **state)
{
	struct target t;
	size_t len = 16UL << 20;
	long in0, in1, swap;
	char *c;

	(void)state;
	target_start(&t, len, 0);
	target_pageout(&t);
	swap = proc_kb(t.pid, "status", "VmSwap");
	if (swap < 8192)
		fail_msg("target not swapped out (VmSwap %ld kB)", swap);
	in0 = test_vmstat("pswpin");
	c = clone_of(&t, 0, len, NULL, 0);
	in1 = test_vmstat("pswpin");
	assert_ptr_not_equal(c, MAP_FAILED);
	/* No swap-in happened for the clone: entries were duplicated. */
	assert_int_equal(in1, in0);
	assert_true(test_smaps_kb(c, "Swap") >= swap - 64);
	expect_pattern_at(c, 0, len);	/* swaps in now, in the caller */
	c[0] = 9;
	assert_int_equal(peek(&t, 0), tgt_pattern(0));
	assert_int_equal(munmap(c, len), 0);
	target_stop(&t);
}

/* The target exits right after the clone: the clone stays valid. */
static void test_target_exits(void **state)
{
	static const unsigned int kinds[] = { 0, TGT_THP, TGT_SHARED };
	size_t len = 4UL << 20;

	(void)state;
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		struct target t;
		char *c;

		target_start(&t, len, kinds[k]);
		if (kinds[k] == 0)
			target_pageout(&t);	/* half of it from swap */
		c = clone_of(&t, 0, len, NULL, 0);
		assert_ptr_not_equal(c, MAP_FAILED);
		target_stop(&t);
		/* Memory pressure: freed pages would be reused at once. */
		{
			char *junk = mmap(NULL, 64UL << 20, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			memset(junk, 0x5a, 64UL << 20);
			munmap(junk, 64UL << 20);
		}
		expect_pattern_at(c, 0, len);
		memset(c, 0, len);
		assert_int_equal(munmap(c, len), 0);
	}
}

/* --- placement -------------------------------------------------------- */

/*
 * Each clone takes its own range of the target: the same pages may not be
 * mapped twice in the caller (see test_clone_twice).
 */
static void test_placement(void **state)
{
	struct target t;
	size_t len = 8 * PAGE;
	char *area, *c;

	(void)state;
	target_start(&t, 8 * len, 0);
	area = mmap(NULL, 4 * len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_ptr_not_equal(area, MAP_FAILED);
	memset(area, 'X', 4 * len);

	/* FIXED replaces what is there. */
	assert_ptr_equal(clone_of(&t, 0, len, area + len, VMXFER_CLONE_FIXED),
			 area + len);
	expect_pattern_at(area + len, 0, len);
	assert_int_equal(area[len - 1], 'X');
	assert_int_equal(area[2 * len], 'X');

	/* FIXED_NOREPLACE: EEXIST over a mapping, nothing changed ... */
	assert_ptr_equal(clone_of(&t, len, len, area + 2 * len,
				  VMXFER_CLONE_FIXED_NOREPLACE), MAP_FAILED);
	assert_int_equal(errno, EEXIST);
	assert_int_equal(area[2 * len], 'X');
	/* ... and exactly there over a hole. */
	assert_int_equal(munmap(area + 3 * len, len), 0);
	assert_ptr_equal(clone_of(&t, len, len, area + 3 * len,
				  VMXFER_CLONE_FIXED_NOREPLACE), area + 3 * len);
	expect_pattern_at(area + 3 * len, len, len);

	/* A free hint is taken; NULL lets the kernel choose. */
	assert_int_equal(munmap(area, len), 0);
	assert_ptr_equal(clone_of(&t, 2 * len, len, area, 0), area);
	expect_pattern_at(area, 2 * len, len);
	c = clone_of(&t, 3 * len, len, NULL, 0);
	assert_ptr_not_equal(c, MAP_FAILED);
	expect_pattern_at(c, 3 * len, len);
	/* A hint over a mapping is only a hint. */
	c = clone_of(&t, 4 * len, len, area + 2 * len, 0);
	assert_ptr_not_equal(c, MAP_FAILED);
	assert_ptr_not_equal(c, area + 2 * len);
	assert_int_equal(area[2 * len], 'X');

	/* Unaligned fixed address, both fixed flags: EINVAL. */
	assert_ptr_equal(clone_of(&t, 5 * len, len, area + 1,
				  VMXFER_CLONE_FIXED), MAP_FAILED);
	assert_int_equal(errno, EINVAL);
	assert_ptr_equal(clone_of(&t, 5 * len, len, area, VMXFER_CLONE_FIXED |
				  VMXFER_CLONE_FIXED_NOREPLACE), MAP_FAILED);
	assert_int_equal(errno, EINVAL);
	target_stop(&t);
}

/* --- ranges ------------------------------------------------------------ */

static void test_multi_vma(void **state)
{
	struct target t;
	size_t len = 12 * PAGE;
	char perms[5], *c;

	(void)state;
	target_start(&t, len, 0);
	target_protect(&t, 4 * PAGE, 4 * PAGE);	/* rw | r | rw */
	c = clone_of(&t, 0, len, NULL, 0);
	assert_ptr_not_equal(c, MAP_FAILED);
	expect_pattern_at(c, 0, len);
	maps_perms(c, perms);
	assert_string_equal(perms, "rw-p");
	maps_perms(c + 5 * PAGE, perms);
	assert_string_equal(perms, "r--p");
	maps_perms(c + 9 * PAGE, perms);
	assert_string_equal(perms, "rw-p");
	c[9 * PAGE] = 1;
	assert_int_equal(munmap(c, len), 0);
	target_stop(&t);
}

static void test_hole(void **state)
{
	struct target t;
	size_t len = 8 * PAGE;
	char *probe;

	(void)state;
	target_start(&t, len, 0);
	target_hole(&t, 3 * PAGE);
	/* The first free area the kernel would hand out stays free. */
	probe = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(probe, len);
	assert_ptr_equal(clone_of(&t, 0, len, NULL, 0), MAP_FAILED);
	assert_int_equal(errno, EFAULT);
	assert_ptr_equal(clone_of(&t, 3 * PAGE, PAGE, NULL, 0), MAP_FAILED);
	assert_int_equal(errno, EFAULT);
	assert_ptr_equal(mmap(probe, len, PROT_NONE, MAP_PRIVATE |
			      MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0), probe);
	munmap(probe, len);
	/* Either side of the hole is fine. */
	probe = clone_of(&t, 4 * PAGE, 4 * PAGE, NULL, 0);
	assert_ptr_not_equal(probe, MAP_FAILED);
	expect_pattern_at(probe, 4 * PAGE, 4 * PAGE);
	munmap(probe, 4 * PAGE);
	target_stop(&t);
}

/* --- refusals ---------------------------------------------------------- */

static void test_arguments(void **state)
{
	struct target t;
	struct vmxfer_clone a;
	struct test_snap s;

	(void)state;
	target_start(&t, 4 * PAGE, 0);
	test_snap_of(&s, t.pid, t.base, 4 * PAGE);
	assert_ptr_equal(clone_of(&t, 0, 0, NULL, 0), MAP_FAILED);
	assert_int_equal(errno, EINVAL);
	assert_ptr_equal(clone_of(&t, 1, PAGE, NULL, 0), MAP_FAILED);
	assert_int_equal(errno, EINVAL);
	for (unsigned int bit = 2; bit < 32; bit++) {
		assert_ptr_equal(clone_of(&t, 0, PAGE, NULL, 1U << bit), MAP_FAILED);
		assert_int_equal(errno, EINVAL);
	}
	assert_ptr_equal(vmxfer_clone(vfd, t.pidfd, (void *)-4096L, PAGE, NULL, 0),
			 MAP_FAILED);
	assert_int_equal(errno, EINVAL);
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.pidfd = t.pidfd;
	a.src = (uintptr_t)t.base;
	a.len = PAGE;
	a.__reserved = 1;
	assert_int_equal(ioctl(vfd, VMXFER_IOC_CLONE, &a), -1);
	assert_int_equal(errno, EINVAL);
	/* Not a pidfd; a kernel thread (kthreadd); an exited target. */
	assert_ptr_equal(vmxfer_clone(vfd, vfd, t.base, PAGE, NULL, 0), MAP_FAILED);
	assert_int_equal(errno, EBADF);
	{
		int kfd = vmxfer_pidfd_open(2);

		assert_true(kfd >= 0);
		assert_ptr_equal(vmxfer_clone(vfd, kfd, t.base, PAGE, NULL, 0),
				 MAP_FAILED);
		assert_int_equal(errno, ESRCH);
		close(kfd);
	}
	test_snap_same(&s, "refused clone arguments");
	test_snap_end(&s);
	target_exit(&t);
	assert_ptr_equal(clone_of(&t, 0, PAGE, NULL, 0), MAP_FAILED);
	assert_int_equal(errno, ESRCH);
	target_stop(&t);
}

/* Special mappings: the vdso (and vvar below it) are never duplicated. */
static void test_refuse_special(void **state)
{
	struct target t;
	struct test_snap s;
	unsigned long vdso = getauxval(AT_SYSINFO_EHDR);

	(void)state;
	target_start(&t, PAGE, 0);	/* fork keeps the vdso address */
	assert_true(vdso != 0);
	test_snap_of(&s, t.pid, t.base, PAGE);
	assert_ptr_equal(vmxfer_clone(vfd, t.pidfd, (void *)vdso, PAGE, NULL, 0),
			 MAP_FAILED);
	assert_int_equal(errno, EINVAL);
	assert_ptr_equal(vmxfer_clone(vfd, t.pidfd, (void *)(vdso - 4 * PAGE),
				      PAGE, NULL, 0), MAP_FAILED);
	assert_true(errno == EINVAL || errno == EFAULT);
	test_snap_same(&s, "clone of the vdso");
	test_snap_end(&s);
	target_stop(&t);
}

static void test_refuse_hugetlb(void **state)
{
	struct target t;
	struct test_snap s;

	(void)state;
	assert_int_equal(test_sh("echo 4 > /proc/sys/vm/nr_hugepages"), 0);
	target_start(&t, HPAGE, TGT_HUGETLB);
	test_snap_of(&s, t.pid, t.base, HPAGE);
	assert_ptr_equal(clone_of(&t, 0, HPAGE, NULL, 0), MAP_FAILED);
	assert_int_equal(errno, EINVAL);
	test_snap_same(&s, "clone of hugetlb");
	test_snap_end(&s);
	target_stop(&t);
	test_sh("echo 0 > /proc/sys/vm/nr_hugepages");
}

static void test_refuse_pfnmap(void **state)
{
	struct target t;
	char *m;

	(void)state;
	/* /dev/mem's first page is a VM_IO | VM_PFNMAP mapping. */
	target_start(&t, PAGE, 0);
	m = mmap(NULL, PAGE, PROT_READ, MAP_SHARED,
		 open("/dev/mem", O_RDONLY), 0);
	/* Debian's STRICT_DEVMEM allows the first MiB: never absent there. */
	if (m == MAP_FAILED)
		fail_msg("mmap /dev/mem: %s", strerror(errno));
	/* Our own PFNMAP mapping, cloned from ourselves. */
	{
		int self = vmxfer_pidfd_open(getpid());
		struct test_snap s;

		test_snap_of(&s, t.pid, t.base, PAGE);
		assert_ptr_equal(vmxfer_clone(vfd, self, m, PAGE, NULL, 0),
				 MAP_FAILED);
		assert_int_equal(errno, EINVAL);
		test_snap_same(&s, "clone of /dev/mem");
		test_snap_end(&s);
		close(self);
	}
	munmap(m, PAGE);
	target_stop(&t);
}

/* memfd_secret(2) memory is off limits even to ptrace: never cloned. */
static void test_refuse_secretmem(void **state)
{
	struct target t;
	struct test_snap s;

	(void)state;
	if (!test_have_secretmem())	/* the guest boots secretmem.enable=1 */
		test_absent_on_line(514, "memfd_secret(2)");
	target_start(&t, 4 * PAGE, TGT_SECRET);
	test_snap_of(&s, t.pid, NULL, 0);	/* unreadable even so */
	assert_ptr_equal(clone_of(&t, 0, 4 * PAGE, NULL, 0), MAP_FAILED);
	assert_int_equal(errno, EINVAL);
	test_snap_same(&s, "clone of memfd_secret memory");
	test_snap_end(&s);
	target_stop(&t);
}

static void test_refuse_uffd(void **state)
{
	struct target t;
	struct test_snap s;

	(void)state;
	target_start(&t, 8 * PAGE, 0);
	target_uffd(&t);
	test_snap_of(&s, t.pid, t.base, 8 * PAGE);	/* filled: no uffd fault */
	assert_ptr_equal(clone_of(&t, 0, 8 * PAGE, NULL, 0), MAP_FAILED);
	assert_int_equal(errno, EINVAL);
	test_snap_same(&s, "clone of a userfaultfd range");
	test_snap_end(&s);
	target_stop(&t);
}

static void test_refuse_pinned(void **state)
{
	struct target t;
	char *c;

	(void)state;
	target_start(&t, 8 * PAGE, 0);
	c = clone_of(&t, 0, 8 * PAGE, NULL, 0);	/* fine before pinning */
	assert_ptr_not_equal(c, MAP_FAILED);
	munmap(c, 8 * PAGE);
	target_pin(&t);
	{
		struct test_snap s;

		test_snap_of(&s, t.pid, t.base, 8 * PAGE);
		assert_ptr_equal(clone_of(&t, 0, 8 * PAGE, NULL, 0), MAP_FAILED);
		assert_int_equal(errno, EBUSY);
		test_snap_same(&s, "clone of DMA-pinned pages");
		test_snap_end(&s);
	}
	target_stop(&t);
}

/*
 * A refusal found late: the last page of the range is pinned, so the copy
 * pass (which checks as it goes) has mapped the others when it finds it.
 * EBUSY, and the caller is as before: no new mapping, VmSize unchanged;
 * the target's data intact; the range without that page clones.
 */
static void test_refusal_undone(void **state)
{
	size_t len = 16 * PAGE;
	long vm0, maps0;
	struct target t;
	char *c;

	(void)state;
	target_start(&t, len, 0);
	target_pin_page(&t, len - PAGE);
	maps0 = count_maps();
	vm0 = proc_kb(getpid(), "status", "VmSize");
	assert_ptr_equal(clone_of(&t, 0, len, NULL, 0), MAP_FAILED);
	assert_int_equal(errno, EBUSY);
	assert_int_equal(count_maps(), maps0);
	assert_int_equal(proc_kb(getpid(), "status", "VmSize"), vm0);
	for (size_t off = 0; off < len; off += PAGE / 2)
		assert_int_equal(peek(&t, off), tgt_pattern(off));
	c = clone_of(&t, 0, len - PAGE, NULL, 0);
	assert_ptr_not_equal(c, MAP_FAILED);
	expect_pattern_at(c, 0, len - PAGE);
	assert_int_equal(munmap(c, len - PAGE), 0);
	target_stop(&t);
}

/* The double-map rule: a fork child cloning pages it still shares COW. */
static void test_double_map(void **state)
{
	size_t len = 8 * PAGE;
	char *mine = mmap(NULL, len, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int self, st, parent_fd;
	pid_t child;

	(void)state;
	memset(mine, 'm', len);
	/* From oneself: never, anonymous pages would be mapped twice. */
	self = vmxfer_pidfd_open(getpid());
	assert_ptr_equal(vmxfer_clone(vfd, self, mine, len, NULL, 0), MAP_FAILED);
	assert_int_equal(errno, EBUSY);
	/* A shared mapping of oneself is fine: nothing anonymous in it. */
	{
		char *sh = mmap(NULL, len, PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0), *c;

		memset(sh, 's', len);
		c = vmxfer_clone(vfd, self, sh, len, NULL, 0);
		assert_ptr_not_equal(c, MAP_FAILED);
		c[1] = 't';
		assert_int_equal(sh[1], 't');
		munmap(c, len);
		munmap(sh, len);
	}
	close(self);

	parent_fd = vmxfer_pidfd_open(getpid());
	child = fork();
	if (child == 0) {
		char *c;

		/* Shares mine's pages COW with the parent: refused. */
		c = vmxfer_clone(vfd, parent_fd, mine, len, NULL, 0);
		if (c != MAP_FAILED || errno != EBUSY)
			_exit(1);
		/* After writing its own copies, those pages are exclusive
		 * here, but the parent's are still possibly shared: no. */
		memset(mine, 'c', len);
		c = vmxfer_clone(vfd, parent_fd, mine, len, NULL, 0);
		if (c == MAP_FAILED)
			_exit(errno == EBUSY ? 0 : 2);
		/* If allowed, the pages must be the parent's, not ours. */
		_exit(c[0] == 'm' ? 0 : 3);
	}
	assert_int_equal(waitpid(child, &st, 0), child);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	close(parent_fd);
	munmap(mine, len);
}

/*
 * Does the kernel mark exclusive anonymous pages and swap entries
 * (PageAnonExclusive, 5.19)?  Before, vmxfer tells exclusivity from
 * mapcounts, and cannot for swap entries.
 */
static int anon_exclusive_kernel(void)
{
	struct utsname u;
	int maj = 0, min = 0;

	assert_int_equal(uname(&u), 0);
	assert_int_equal(sscanf(u.release, "%d.%d", &maj, &min), 2);
	return maj > 5 || (maj == 5 && min >= 19);
}

/*
 * A private, PMD-aligned, THP-backed area of @len (a multiple of HPAGE)
 * inside the mapping *@raw of @len + HPAGE bytes.
 */
static char *thp_area(size_t len, char **raw)
{
	char *p;

	*raw = mmap(NULL, len + HPAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_ptr_not_equal(*raw, MAP_FAILED);
	p = (char *)(((uintptr_t)*raw + HPAGE - 1) & ~(HPAGE - 1));
	assert_int_equal(madvise(p, len, MADV_HUGEPAGE), 0);
	return p;
}

/*
 * A fork child clones its parent's pages after the parent wrote them
 * (its own copies) and paged them out.  With exclusive swap entries
 * (5.19+) that is allowed and gives the parent's data.  Before, a swap
 * entry in a related VMA may be shared with the caller: refused, EBUSY.
 */
static void test_related_swapped(void **state)
{
	size_t len = 64 * PAGE;
	char *mine = mmap(NULL, len, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int go[2], parent_fd, st, excl = anon_exclusive_kernel();
	pid_t child;
	char x;

	(void)state;
	assert_ptr_not_equal(mine, MAP_FAILED);
	memset(mine, 'p', len);
	assert_int_equal(pipe(go), 0);
	parent_fd = vmxfer_pidfd_open(getpid());
	child = fork();
	if (child == 0) {
		char *c;

		if (read(go[0], &x, 1) != 1)
			_exit(10);
		c = vmxfer_clone(vfd, parent_fd, mine, len, NULL, 0);
		if (!excl)
			_exit(c == MAP_FAILED && errno == EBUSY ? 0 : 1);
		if (c == MAP_FAILED)
			_exit(2);
		for (size_t i = 0; i < len; i++)
			if (c[i] != 'q')
				_exit(3);
		_exit(mine[0] == 'p' ? 0 : 4);
	}
	memset(mine, 'q', len);		/* the parent's own copies now */
	assert_int_equal(test_pageout(mine, len), 0);
	if (test_smaps_kb(mine, "Swap") < (long)(len >> 10) / 2)
		fail_msg("not swapped out (Swap %ld kB)", test_smaps_kb(mine, "Swap"));
	assert_int_equal(write(go[1], "x", 1), 1);
	assert_int_equal(waitpid(child, &st, 0), child);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	close(go[0]);
	close(go[1]);
	close(parent_fd);
	munmap(mine, len);
}

/*
 * A whole THP shared with a fork child is refused to the child (EBUSY)
 * on every line.  Once the child has dropped its mapping (MADV_DONTNEED;
 * its VMA stays, so it is still related), only the parent maps the THP:
 * before 5.19 its total mapcount says so and the clone is allowed, with
 * the parent's data; from 5.19 the page stays marked not exclusive
 * (fork cleared the mark and nothing re-set it): still EBUSY.
 */
static void test_related_thp(void **state)
{
	char *raw, *thp = thp_area(HPAGE, &raw);
	int go[2], done[2], parent_fd, st, excl = anon_exclusive_kernel();
	pid_t child;
	char x;

	(void)state;
	memset(thp, 't', HPAGE);
	if (test_smaps_kb(thp, "AnonHugePages") < 2048)
		fail_msg("no THP (AnonHugePages %ld kB)",
			 test_smaps_kb(thp, "AnonHugePages"));
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(done), 0);
	parent_fd = vmxfer_pidfd_open(getpid());
	child = fork();
	if (child == 0) {
		char *c;

		c = vmxfer_clone(vfd, parent_fd, thp, HPAGE, NULL, 0);
		if (c != MAP_FAILED || errno != EBUSY)
			_exit(1);
		if (madvise(thp, HPAGE, MADV_DONTNEED))
			_exit(2);
		c = vmxfer_clone(vfd, parent_fd, thp, HPAGE, NULL, 0);
		if (excl)
			_exit(c == MAP_FAILED && errno == EBUSY ? 0 : 3);
		if (c == MAP_FAILED)
			_exit(4);
		/* Shared whole: the caller maps it huge. */
		if (test_smaps_kb(c, "AnonHugePages") < 2048)
			_exit(5);
		for (size_t i = 0; i < HPAGE; i += PAGE)
			if (c[i] != 't')
				_exit(6);
		c[0] = 'c';		/* COW: the parent keeps 't' */
		if (write(done[1], "x", 1) != 1 || read(go[0], &x, 1) != 1)
			_exit(7);
		_exit(c[1] == 't' ? 0 : 8);
	}
	if (!excl) {
		assert_int_equal(read(done[0], &x, 1), 1);
		assert_int_equal(thp[0], 't');
		assert_int_equal(write(go[1], "x", 1), 1);
	}
	assert_int_equal(waitpid(child, &st, 0), child);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_int_equal(thp[0], 't');
	close(go[0]);
	close(go[1]);
	close(done[0]);
	close(done[1]);
	close(parent_fd);
	munmap(raw, 2 * HPAGE);
}

/* An earlier clone's pages may not be cloned into the same caller again. */
static void test_clone_twice(void **state)
{
	struct target t;
	size_t len = 8 * PAGE;
	char *a, *b;

	(void)state;
	target_start(&t, len, 0);
	a = clone_of(&t, 0, len, NULL, 0);
	assert_ptr_not_equal(a, MAP_FAILED);
	b = clone_of(&t, 0, len, NULL, 0);
	assert_ptr_equal(b, MAP_FAILED);
	assert_int_equal(errno, EBUSY);
	/* Once the first clone is gone, the range can be cloned again. */
	munmap(a, len);
	b = clone_of(&t, 0, len, NULL, 0);
	if (b == MAP_FAILED)
		assert_int_equal(errno, EBUSY);	/* pages stay non-exclusive */
	else
		expect_pattern_at(b, 0, len);
	target_stop(&t);
}

/* --- security ----------------------------------------------------------- */

/* The matrix, through a clone of the page. */
static int clone16(int v, int pidfd, void *addr, char *buf)
{
	char *m = vmxfer_clone(v, pidfd, addr, PAGE, NULL, 0);

	if (m == MAP_FAILED)
		return errno;
	memcpy(buf, m, 16);
	munmap(m, PAGE);
	return 0;
}

static void test_permissions(void **state)
{
	(void)state;
	test_perm_matrix(clone16);
}

/* --- an ordinary mapping ------------------------------------------------ */

static void test_ordinary_mapping(void **state)
{
	struct target t;
	size_t len = 32 * PAGE;
	char *c, *m;
	pid_t pid;
	int st;

	(void)state;
	target_start(&t, len, 0);
	target_mlock(&t);
	c = clone_of(&t, 0, len, NULL, 0);
	assert_ptr_not_equal(c, MAP_FAILED);
	/* mlock state is not inherited. */
	assert_int_equal(test_smaps_kb(c, "Locked"), 0);
	/* mprotect, madvise, fork, mremap, munmap all work on it. */
	assert_int_equal(mprotect(c, PAGE, PROT_READ), 0);
	assert_int_equal(mprotect(c, PAGE, PROT_READ | PROT_WRITE), 0);
	assert_int_equal(madvise(c + 30 * PAGE, 2 * PAGE, MADV_DONTNEED), 0);
	assert_int_equal(c[30 * PAGE], 0);
	pid = fork();
	if (pid == 0) {
		c[0] = 'f';
		_exit((unsigned char)c[PAGE] == tgt_pattern(PAGE) ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_int_equal((unsigned char)c[0], tgt_pattern(0));
	m = mremap(c, len, 2 * len, MREMAP_MAYMOVE);
	assert_ptr_not_equal(m, MAP_FAILED);
	expect_pattern_at(m + PAGE, PAGE, 29 * PAGE);
	assert_int_equal(munmap(m, 2 * len), 0);
	assert_int_equal(peek(&t, PAGE), tgt_pattern(PAGE));
	target_stop(&t);
}

/* Charged to the caller: commit (VM_ACCOUNT), RLIMIT_AS, max_map_count. */
static void test_accounting(void **state)
{
	struct target t;
	size_t len = 64UL << 20;
	long before, after;
	char *c;

	(void)state;
	target_start(&t, len, TGT_NOFILL);
	before = test_meminfo("Committed_AS");
	c = clone_of(&t, 0, len, NULL, 0);
	assert_ptr_not_equal(c, MAP_FAILED);
	after = test_meminfo("Committed_AS");
	assert_true(after - before >= 60 * 1024);
	munmap(c, len);

	/* RLIMIT_AS with room for half the clone only. */
	{
		pid_t pid = fork();
		int st;

		if (pid == 0) {
			struct rlimit l2;
			char *x;

			l2.rlim_cur = (unsigned long)proc_kb(getpid(), "status",
							     "VmSize") * 1024 + len / 2;
			l2.rlim_max = RLIM_INFINITY;
			if (setrlimit(RLIMIT_AS, &l2))
				_exit(3);
			x = vmxfer_clone(vfd, t.pidfd, t.base, len, NULL, 0);
			_exit(x == MAP_FAILED && errno == ENOMEM ? 0 : 1);
		}
		assert_int_equal(waitpid(pid, &st, 0), pid);
		assert_int_equal(WEXITSTATUS(st), 0);
	}

	/* max_map_count: no room for one more VMA. */
	{
		pid_t pid = fork();
		int st;

		if (pid == 0) {
			sysctl_set("/proc/sys/vm/max_map_count", "10");
			_exit(vmxfer_clone(vfd, t.pidfd, t.base, len, NULL, 0) ==
			      MAP_FAILED && errno == ENOMEM ? 0 : 1);
		}
		assert_int_equal(waitpid(pid, &st, 0), pid);
		sysctl_set("/proc/sys/vm/max_map_count", "65530");
		assert_int_equal(WEXITSTATUS(st), 0);
	}
	target_stop(&t);
}

/* The first line of a /proc/sys file, or "" (at most @len - 1 bytes). */
static void sysctl_get(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	buf[0] = 0;
	if (f && fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = 0;
	if (f)
		fclose(f);
}

static int count_maps(void)
{
	char line[512];
	int n = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n;
}

/*
 * Strict overcommit without room: linking the caller's new VMA fails on
 * its VM_ACCOUNT charge -- on 7.x after the VMA's anon_vma was forked,
 * which must be undone.  ENOMEM, no new mapping in the caller, the target
 * untouched, and with room again the clone works.
 */
static void test_commit_limit(void **state)
{
	const char *mode_f = "/proc/sys/vm/overcommit_memory";
	const char *ratio_f = "/proc/sys/vm/overcommit_ratio";
	size_t len = 512UL << 20;
	char mode[16], ratio[16];
	struct target t;
	int maps, err;
	char *c;

	(void)state;
	target_start(&t, len, TGT_NOFILL);
	target_write(&t, 0, 0x5a);	/* an anon_vma to fork */
	target_write(&t, len - PAGE, 0xa5);
	sysctl_get(mode_f, mode, sizeof(mode));
	sysctl_get(ratio_f, ratio, sizeof(ratio));
	assert_true(mode[0] && ratio[0]);
	maps = count_maps();

	/* CommitLimit = swap only (256 MiB): the target alone is above it. */
	sysctl_set(ratio_f, "0");
	sysctl_set(mode_f, "2");
	c = clone_of(&t, 0, len, NULL, 0);
	err = errno;
	sysctl_set(mode_f, mode);
	sysctl_set(ratio_f, ratio);

	assert_ptr_equal(c, MAP_FAILED);
	assert_int_equal(err, ENOMEM);
	assert_int_equal(count_maps(), maps);
	assert_int_equal(peek(&t, 0), 0x5a);

	c = clone_of(&t, 0, len, NULL, 0);
	assert_ptr_not_equal(c, MAP_FAILED);
	assert_int_equal((unsigned char)c[0], 0x5a);
	assert_int_equal((unsigned char)c[len / 2], 0);
	assert_int_equal((unsigned char)c[len - PAGE], 0xa5);
	assert_int_equal(munmap(c, len), 0);
	target_stop(&t);
}

/* --- leaks and races ---------------------------------------------------- */

/*
 * @cycles clone/munmap rounds of a @len target.  Afterwards the target
 * pages out (a THP with a reference a clone failed to drop cannot even be
 * split, so it stays mapped), then exits: none of its pages (the frames it
 * had before and after the cycles) may outlive it.  That is the check
 * that holds for 4 KiB pages too: such a page is swapped out whatever its
 * references (RssAnon falls; the page stays in the swap cache) and only
 * the frame, still anonymous after the exit, shows the leak.
 * With @guard, 16 guard pages from len / 4 each clone must fault at.
 */
static void clone_cycles(size_t len, int cycles, unsigned int flags,
			 int guard)
{
	struct test_pfns pf = { 0 };
	struct target t;
	long rss, orphans, thp;

	target_start(&t, len, flags);
	if (guard)
		assert_int_equal(target_madvise(&t, len / 4, 16 * PAGE,
						MADV_GUARD_INSTALL), 0);
	test_pfns_add(&pf, t.pid, t.base, len);
	for (int i = 0; i < cycles; i++) {
		char *c = clone_of(&t, 0, len, NULL, 0);

		assert_ptr_not_equal(c, MAP_FAILED);
		if (i % 10 == 0 && !guard)
			c[(size_t)i * PAGE % len] = 1;	/* a COW break now and then */
		if (guard)
			assert_int_equal(probe(c + len / 4 + (i % 16) * PAGE,
					       i & 1), SIGSEGV);
		assert_int_equal(munmap(c, len), 0);
	}
	test_pfns_add(&pf, t.pid, t.base, len);
	thp = proc_kb(t.pid, "smaps_rollup", "AnonHugePages");
	if (flags & TGT_THP)	/* else the THP case is not one */
		assert_true(thp >= (long)(len >> 11));
	if (flags & TGT_NOTHP)
		assert_int_equal(thp, 0);
	target_pageout(&t);
	rss = proc_kb(t.pid, "status", "RssAnon");
	printf("# after %d cycles: target RssAnon %ld kB of %zu kB "
	       "(AnonHugePages %ld kB before)\n", cycles, rss, len >> 10, thp);
	assert_true(rss < 1024 + (long)(len >> 10) / 64);
	target_stop(&t);
	orphans = test_orphans(&pf);
	test_pfns_free(&pf);
	printf("# %ld pages of the target outlived it\n", orphans);
	assert_int_equal(orphans, 0);
}

/*
 * 1000 clone/munmap cycles: 500 of 4 MiB in 4 KiB pages (MADV_NOHUGEPAGE),
 * 500 of 8 MiB in THPs.  Per target: no page outlives it (above).  System:
 * free memory, anon pages and page tables back, and the slab objects a
 * clone allocates (VMA, anon_vma, anon_vma_chains) back, within bounds a
 * page or an object kept per call exceeds (test_leak_check()).
 */
static void test_baseline_1000_cycles(void **state)
{
	struct test_mem m0, m1;

	(void)state;
	clone_cycles(4UL << 20, 20, TGT_NOTHP, 0); /* warm slab, pcp, THP */
	clone_cycles(8UL << 20, 20, TGT_THP, 0);
	test_settle();
	test_mem_snapshot(&m0);

	clone_cycles(4UL << 20, 500, TGT_NOTHP, 0);
	clone_cycles(8UL << 20, 500, TGT_THP, 0);

	test_settle();
	test_mem_snapshot(&m1);
	test_leak_check(&m0, &m1, 1000);
}

/*
 * Each page of a successful clone whose board entry (see target_chaos())
 * was even and the same before and after the call must hold exactly what
 * the board says: a write the target made before the clone cannot be
 * missing from it, nor a later one in it.  Returns the pages checked.
 */
static size_t check_board(const char *c, size_t len, struct tgt_board *bd,
			  const struct tgt_page_state *before, int *bad)
{
	size_t checked = 0;

	for (size_t pg = 0; pg < len / PAGE; pg++) {
		const uint64_t *w = (const uint64_t *)(c + pg * PAGE);
		uint64_t gen = __atomic_load_n(&bd->page[pg].gen, __ATOMIC_SEQ_CST);
		uint64_t v = before[pg].val;

		if ((before[pg].gen & 1) || gen != before[pg].gen)
			continue;	/* changed during the call */
		checked++;
		if (w[0] != v || w[PAGE / 8 - 1] != (v ? ~v : 0)) {
			if ((*bad)++ < 4)
				printf("# page %zu: %#llx/%#llx in the clone, "
				       "stamp %#llx on the board\n", pg,
				       (unsigned long long)w[0],
				       (unsigned long long)w[PAGE / 8 - 1],
				       (unsigned long long)v);
		}
	}
	return checked;
}

/*
 * The target munmaps, mprotects, forks and writes all the while.  Each
 * clone that succeeds holds every page the target did not change during
 * the call exactly as the target's board says (no write lost or from the
 * future), and the target must have made progress during at least a
 * quarter of the successful clones (the race happened).
 */
static void test_concurrent_target(void **state)
{
	static struct tgt_page_state before[256];
	struct target t;
	size_t len = 256 * PAGE, checked = 0;
	int ok = 0, failed = 0, efault = 0, raced = 0, bad = 0;
	uint64_t ops0, ops1;

	(void)state;
	target_start(&t, len, TGT_BOARD);
	target_chaos(&t);
	for (int i = 0; i < 300; i++) {
		char *c;

		/*
		 * Let the target run between attempts.  Back to back, the
		 * clones can take the target's mmap_lock every time it is
		 * released (5.10's rwsem lets the running writer steal it
		 * from a woken one): then the target is starved either
		 * before a munmap (300 of 300 clones succeed, nothing
		 * churned) or between its munmap and mmap (300 EFAULTs at
		 * one hole).  Both were seen on 5.10.
		 */
		usleep(200);
		ops0 = __atomic_load_n(&t.board->ops, __ATOMIC_SEQ_CST);
		for (size_t pg = 0; pg < len / PAGE; pg++) {
			before[pg].gen = __atomic_load_n(&t.board->page[pg].gen,
							 __ATOMIC_SEQ_CST);
			before[pg].val = __atomic_load_n(&t.board->page[pg].val,
							 __ATOMIC_SEQ_CST);
		}
		c = clone_of(&t, 0, len, NULL, 0);
		ops1 = __atomic_load_n(&t.board->ops, __ATOMIC_SEQ_CST);
		if (c == MAP_FAILED) {
			/* A hole at that instant, or a page migrating. */
			if (errno != EFAULT && errno != EAGAIN)
				fail_msg("clone %d: %s", i, strerror(errno));
			efault += errno == EFAULT;
			failed++;
			continue;
		}
		checked += check_board(c, len, t.board, before, &bad);
		raced += ops1 > ops0;
		assert_int_equal(munmap(c, len), 0);
		ok++;
	}
	printf("# %d clones succeeded (the target made progress during %d; "
	       "%zu pages checked), %d failed cleanly (%d EFAULT); target "
	       "ops %llu\n", ok, raced, checked, failed, efault,
	       (unsigned long long)t.board->ops);
	assert_int_equal(bad, 0);
	assert_true(ok > 0);
	assert_true(raced >= ok / 4 && raced > 0);
	assert_true(checked >= (size_t)ok * len / PAGE / 2);
	/* And a target killed in the middle of it all. */
	kill(t.pid, SIGKILL);
	for (int i = 0; i < 50; i++) {
		char *c = clone_of(&t, 0, len, NULL, 0);

		if (c != MAP_FAILED)
			munmap(c, len);
		else
			assert_true(errno == ESRCH || errno == EFAULT ||
				    errno == EAGAIN);
	}
	target_stop(&t);
}

/*
 * Migration while clones run: migration entries meet the check and copy
 * passes (retry, or EAGAIN), and whatever succeeds holds the right data.
 * Compaction alone does not do it here (measured on 6.12: none of an idle
 * target's pages moved, even from low frames, 4 KiB pages), so a helper
 * also soft-offlines the target's first 64 pages one by one
 * (MADV_SOFT_OFFLINE in the target: each page migrated to a new frame,
 * the old frame retired; EBUSY, seen once for a page being cloned at that
 * instant, is counted).  Checked: pages were offlined while clones of
 * them were mapped, at least half of them were, pages were migrated
 * (pgmigrate_success) and every offlined page's frame changed.
 */
#ifndef MADV_SOFT_OFFLINE
#define MADV_SOFT_OFFLINE	101
#endif
static void test_during_compaction(void **state)
{
	struct target t;
	size_t len = 32UL << 20, moved = 0, offline = 64;
	int ok = 0, again = 0, during = 0, in_call = 0;
	long migrated = test_vmstat("pgmigrate_success");
	uint64_t *pm0 = malloc(len / PAGE * 8), *pm1 = malloc(len / PAGE * 8);
	volatile uint64_t *done = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
				       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t compactor, offliner;
	uint64_t d0;

	(void)state;
	assert_true(pm0 && pm1 && done != MAP_FAILED);
	target_start(&t, len, TGT_NOTHP);
	test_pagemap(t.pid, t.base, len, pm0);
	compactor = fork();
	if (compactor == 0) {
		for (;;) {
			int fd = open("/proc/sys/vm/compact_memory", O_WRONLY);

			if (fd >= 0) {
				if (write(fd, "1", 1) != 1)
					_exit(1);
				close(fd);
			}
		}
	}
	offliner = fork();
	if (offliner == 0) {	/* the target's command pipe is ours now */
		for (size_t i = 0; i < offline; i++) {
			int err = target_madvise(&t, i * PAGE, PAGE,
						 MADV_SOFT_OFFLINE);

			if (err && err != EBUSY)
				_exit(err);
			usleep(20 * 1000);
			done[err ? 1 : 0]++;
		}
		_exit(0);
	}
	for (int i = 0; i < 40; i++) {
		char *c;

		d0 = done[0] + done[1];
		c = clone_of(&t, 0, len, NULL, 0);
		in_call += done[0] + done[1] > d0;
		if (c == MAP_FAILED) {
			if (errno != EAGAIN)
				fail_msg("clone %d: %s", i, strerror(errno));
			again++;
			continue;
		}
		expect_pattern_at(c, 0, len);
		assert_int_equal(munmap(c, len), 0);
		during += done[0] + done[1] > d0;
		ok++;
	}
	{
		int st;

		assert_int_equal(waitpid(offliner, &st, 0), offliner);
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			fail_msg("MADV_SOFT_OFFLINE: status %#x", st);
	}
	kill(compactor, SIGKILL);
	waitpid(compactor, NULL, 0);
	test_pagemap(t.pid, t.base, len, pm1);
	for (size_t i = 0; i < len / PAGE; i++)
		moved += PM_PRESENT(pm0[i]) && PM_PRESENT(pm1[i]) &&
			 PM_PFN(pm0[i]) != PM_PFN(pm1[i]);
	printf("# %d clones during migration (a page offlined while %d were "
	       "mapped, %d in the call), %d EAGAIN, %ld pages migrated, %zu of the target's moved; "
	       "soft offline %llu ok, %llu EBUSY\n",
	       ok, during, in_call, again, test_vmstat("pgmigrate_success") - migrated,
	       moved, (unsigned long long)done[0], (unsigned long long)done[1]);
	assert_true(ok > 0);
	assert_true(during > 0);
	assert_true(moved >= done[0] && done[0] >= offline / 2);
	assert_true(test_vmstat("pgmigrate_success") - migrated >= (long)done[0]);
	free(pm0);
	free(pm1);
	munmap((void *)done, PAGE);
	target_stop(&t);
}

/* --- guard regions and poison: pageless entries, copied as fork does ---- */

/*
 * MADV_GUARD_INSTALL (6.13+) leaves guard markers, which fork() copies:
 * the clone faults SIGSEGV there, on read and write; the target keeps its
 * guard; MADV_GUARD_REMOVE on the clone gives a zero page there and
 * leaves the target's guard; a re-clone is guarded again.
 */
static void test_guard_region(void **state)
{
	size_t len = 16 * PAGE;
	struct target t;
	char *c;

	(void)state;
	if (!have_guard())
		test_absent_on_line(613, "MADV_GUARD_INSTALL");
	target_start(&t, len, 0);
	assert_int_equal(target_madvise(&t, 4 * PAGE, 2 * PAGE,
					MADV_GUARD_INSTALL), 0);
	c = clone_of(&t, 0, len, NULL, 0);
	if (c == MAP_FAILED)
		fail_msg("clone of a guarded range: %s", strerror(errno));
	expect_faults_at(c, len, 4, 2, SIGSEGV);
	expect_target_faults(&t, 4 * PAGE);
	expect_target_faults(&t, 5 * PAGE);
	assert_int_equal(peek(&t, 3 * PAGE), tgt_pattern(3 * PAGE));

	assert_int_equal(madvise(c + 4 * PAGE, PAGE, MADV_GUARD_REMOVE), 0);
	assert_int_equal(probe(c + 4 * PAGE, 0), 0);
	assert_int_equal(c[4 * PAGE], 0);
	assert_int_equal(probe(c + 5 * PAGE, 0), SIGSEGV);
	expect_target_faults(&t, 4 * PAGE);
	assert_int_equal(munmap(c, len), 0);

	c = clone_of(&t, 0, len, NULL, 0);
	assert_ptr_not_equal(c, MAP_FAILED);
	expect_faults_at(c, len, 4, 2, SIGSEGV);
	assert_int_equal(munmap(c, len), 0);
	target_stop(&t);
}

/*
 * A guard inside a THP: installing it splits the THP (markers live only in
 * PTE tables, never at PMD level); the clone of the whole 2 MiB faults at
 * the guard page alone.
 */
static void test_guard_thp(void **state)
{
	struct target t;
	char *c;

	(void)state;
	if (!have_guard())
		test_absent_on_line(613, "MADV_GUARD_INSTALL");
	target_start(&t, HPAGE, TGT_THP);
	if (proc_kb(t.pid, "smaps_rollup", "AnonHugePages") < 2048)
		fail_msg("no THP in the target (AnonHugePages %ld kB)",
			 proc_kb(t.pid, "smaps_rollup", "AnonHugePages"));
	assert_int_equal(target_madvise(&t, 5 * PAGE, PAGE,
					MADV_GUARD_INSTALL), 0);
	c = clone_of(&t, 0, HPAGE, NULL, 0);
	if (c == MAP_FAILED)
		fail_msg("clone of a guarded THP: %s", strerror(errno));
	expect_faults_at(c, HPAGE, 5, 1, SIGSEGV);
	expect_target_faults(&t, 5 * PAGE);
	assert_int_equal(munmap(c, HPAGE), 0);
	target_stop(&t);
}

/*
 * A guard in a shared file mapping, which has no anon_vma: its page tables
 * are copied all the same (fork's VM_MAYBE_GUARD), or the guard is lost.
 */
static void test_guard_file(void **state)
{
	size_t len = 8 * PAGE;
	struct target t;
	char *c;

	(void)state;
	if (!have_guard())
		test_absent_on_line(613, "MADV_GUARD_INSTALL");
	target_start(&t, len, TGT_FILE);
	assert_int_equal(target_madvise(&t, 2 * PAGE, PAGE,
					MADV_GUARD_INSTALL), 0);
	c = clone_of(&t, 0, len, NULL, 0);
	assert_ptr_not_equal(c, MAP_FAILED);
	expect_faults_at(c, len, 2, 1, SIGSEGV);
	/* Still shared with the target elsewhere. */
	target_write(&t, 3 * PAGE, 0x5a);
	assert_int_equal((unsigned char)c[3 * PAGE], 0x5a);
	assert_int_equal(munmap(c, len), 0);
	target_stop(&t);
}

/*
 * Cloning one's own guarded range (no anonymous page): the markers are
 * copied, also into the same page table as the source's.
 */
static void test_guard_self(void **state)
{
	int self;
	char *raw, *m, *c;

	(void)state;
	if (!have_guard())
		test_absent_on_line(613, "MADV_GUARD_INSTALL");
	self = vmxfer_pidfd_open(getpid());
	assert_true(self >= 0);
	raw = mmap(NULL, 2 * HPAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_ptr_not_equal(raw, MAP_FAILED);
	m = (char *)(((uintptr_t)raw + HPAGE - 1) & ~(HPAGE - 1));
	assert_int_equal(madvise(m + 2 * PAGE, PAGE, MADV_GUARD_INSTALL), 0);
	/* Right after the source: one page table holds both. */
	c = vmxfer_clone(vfd, self, m, 8 * PAGE, m + 8 * PAGE,
			 VMXFER_CLONE_FIXED);
	assert_ptr_equal(c, m + 8 * PAGE);
	assert_int_equal(probe(c + 2 * PAGE, 0), SIGSEGV);
	assert_int_equal(probe(c + 2 * PAGE, 1), SIGSEGV);
	assert_int_equal(probe(c, 0), 0);
	assert_int_equal(c[7 * PAGE], 0);
	assert_int_equal(probe(m + 2 * PAGE, 0), SIGSEGV);
	/* An anonymous page in the range: still the double-map rule. */
	m[0] = 1;
	assert_ptr_equal(vmxfer_clone(vfd, self, m, 8 * PAGE, NULL, 0),
			 MAP_FAILED);
	assert_int_equal(errno, EBUSY);
	munmap(raw, 2 * HPAGE);
	close(self);
}

/*
 * 300 clones of a guarded 4 MiB range, each probed at a guard page and
 * unmapped: nothing leaks (the target pages out whole; free memory, anon
 * and page tables back).
 */
static void test_guard_cycles(void **state)
{
	struct test_mem m0, m1;

	(void)state;
	if (!have_guard())
		test_absent_on_line(613, "MADV_GUARD_INSTALL");
	clone_cycles(4UL << 20, 20, 0, 1);
	test_settle();
	test_mem_snapshot(&m0);
	clone_cycles(4UL << 20, 300, 0, 1);
	test_settle();
	test_mem_snapshot(&m1);
	test_leak_check(&m0, &m1, 300);
}

/*
 * Poison markers (UFFDIO_POISON, 6.6+; left after the userfaultfd is
 * unregistered): fork copies them, the clone too: SIGBUS there.
 */
static void test_poison_marker(void **state)
{
	size_t len = 8 * PAGE;
	struct target t;
	int err;
	char *c;

	(void)state;
	target_start(&t, len, TGT_NOFILL);
	err = target_uffd_poison(&t, 2 * PAGE, PAGE);
	if (err == EINVAL) {
		target_stop(&t);
		test_absent_on_line(606, "UFFDIO_POISON");
	}
	assert_int_equal(err, 0);
	target_write(&t, PAGE, 0x42);
	c = clone_of(&t, 0, len, NULL, 0);
	if (c == MAP_FAILED)
		fail_msg("clone of a poison marker: %s", strerror(errno));
	assert_int_equal((unsigned char)c[PAGE], 0x42);
	assert_int_equal(probe(c + 2 * PAGE, 0), SIGBUS);
	assert_int_equal(probe(c + 3 * PAGE, 0), 0);
	assert_int_equal(munmap(c, len), 0);
	target_stop(&t);
}

/*
 * Hardware poison (MADV_HWPOISON: CONFIG_MEMORY_FAILURE, root): the
 * target's PTE becomes a hwpoison entry, which fork copies: the clone gets
 * SIGBUS there and the other pages.  Last: the page stays poisoned.
 */
static void test_hwpoison(void **state)
{
	size_t len = 16 * PAGE;
	struct target t;
	int err;
	char *c;

	(void)state;
	target_start(&t, len, 0);
	err = target_madvise(&t, 3 * PAGE, PAGE, MADV_HWPOISON);
	if (err) {	/* every line has CONFIG_MEMORY_FAILURE; we are root */
		target_stop(&t);
		fail_msg("MADV_HWPOISON: %s", strerror(err));
	}
	assert_int_equal(err, 0);
	c = clone_of(&t, 0, len, NULL, 0);
	if (c == MAP_FAILED)
		fail_msg("clone of a poisoned page: %s", strerror(errno));
	expect_faults_at(c, len, 3, 1, SIGBUS);
	assert_int_equal(munmap(c, len), 0);
	target_stop(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cow_both_ways),
		cmocka_unit_test(test_no_copy),
		cmocka_unit_test(test_len_rounding),
		cmocka_unit_test(test_shared_anon),
		cmocka_unit_test(test_shared_memfd),
		cmocka_unit_test(test_shared_file),
		cmocka_unit_test(test_private_file),
		cmocka_unit_test(test_thp_aligned),
		cmocka_unit_test(test_thp_misaligned),
		cmocka_unit_test(test_swapped_out),
		cmocka_unit_test(test_target_exits),
		cmocka_unit_test(test_placement),
		cmocka_unit_test(test_multi_vma),
		cmocka_unit_test(test_hole),
		cmocka_unit_test(test_arguments),
		cmocka_unit_test(test_refuse_special),
		cmocka_unit_test(test_refuse_hugetlb),
		cmocka_unit_test(test_refuse_pfnmap),
		cmocka_unit_test(test_refuse_secretmem),
		cmocka_unit_test(test_refuse_uffd),
		cmocka_unit_test(test_refuse_pinned),
		cmocka_unit_test(test_refusal_undone),
		cmocka_unit_test(test_double_map),
		cmocka_unit_test(test_related_swapped),
		cmocka_unit_test(test_related_thp),
		cmocka_unit_test(test_clone_twice),
		cmocka_unit_test(test_permissions),
		cmocka_unit_test(test_ordinary_mapping),
		cmocka_unit_test(test_accounting),
		cmocka_unit_test(test_commit_limit),
		cmocka_unit_test(test_baseline_1000_cycles),
		cmocka_unit_test(test_concurrent_target),
		cmocka_unit_test(test_during_compaction),
		cmocka_unit_test(test_guard_region),
		cmocka_unit_test(test_guard_thp),
		cmocka_unit_test(test_guard_file),
		cmocka_unit_test(test_guard_self),
		cmocka_unit_test(test_guard_cycles),
		cmocka_unit_test(test_poison_marker),
		cmocka_unit_test(test_hwpoison),
	};

	test_filter_from_env();
	return cmocka_run_group_tests_name("clone", tests, setup, teardown);
}
