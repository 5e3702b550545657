// SPDX-License-Identifier: GPL-2.0
/*
 * VMXFER_IOC_REMAP in the guest: the five cases of the upstream selftest
 * mremap_dontunmap.c adapted (simple_shmem: memfd and MAP_SHARED anon), growth, THP, swap,
 * every errno, and a leak check.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <pthread.h>

#include "common.h"

#define PAGE 4096UL
#define HPAGE (2UL << 20)

TEST_OP_FIXTURES(VMXFER_FEAT_REMAP)

/* Every byte of [p, p + len) is c. */
static int all(const char *p, size_t len, int c)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)p[i] != (unsigned char)c)
			return 0;
	return 1;
}

/* An address range nobody maps (reserved, then freed). */
static char *hole(size_t len)
{
	char *p = test_anon(len, -1);

	assert_int_equal(munmap(p, len), 0);
	return p;
}

/* The mapping containing @addr, from /proc/self/maps; 0 when none. */
static int vma_of(void *addr, unsigned long *start, unsigned long *end)
{
	unsigned long a = (unsigned long)addr, s, e;
	char line[512];
	int found = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	assert_non_null(f);
	while (!found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx", &s, &e) == 2 && s <= a && a < e) {
			*start = s;
			*end = e;
			found = 1;
		}
	fclose(f);
	return found;
}

static void *remap(void *old, size_t old_len, size_t new_len, void *new,
		   unsigned int flags)
{
	return vmxfer_remap(vfd, old, old_len, new_len, new, flags);
}

/* --- mremap_dontunmap.c's five cases ------------------------------------ */

static void test_simple(void **state)
{
	size_t len = 5 * PAGE;
	char *src = test_anon(len, 'a'), *dst;

	(void)state;
	dst = remap(src, len, len, NULL, 0);
	assert_ptr_not_equal(dst, MAP_FAILED);
	assert_true(all(dst, len, 'a'));
	assert_true(all(src, len, 0));
	assert_int_equal(munmap(dst, len), 0);
	assert_int_equal(munmap(src, len), 0);
}

/*
 * mremap_dontunmap.c's simple_shmem: a memfd (and MAP_SHARED anonymous)
 * source moves, and reads the same data afterwards: it is shared.
 */
static void test_simple_shmem(void **state)
{
	size_t len = 5 * PAGE;
	int fd = memfd_create("remap", 0);
	char *src, *dst;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)len), 0);
	src = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_ptr_not_equal(src, MAP_FAILED);
	memset(src, 'a', len);
	dst = remap(src, len, len, NULL, 0);
	assert_ptr_not_equal(dst, MAP_FAILED);
	assert_true(all(dst, len, 'a'));
	assert_true(all(src, len, 'a'));
	/* one object: a write through either is seen through the other */
	dst[0] = 'b';
	assert_int_equal(src[0], 'b');
	munmap(dst, len);
	munmap(src, len);
	close(fd);

	src = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_ptr_not_equal(src, MAP_FAILED);
	memset(src, 'c', len);
	dst = remap(src, len, 2 * len, NULL, 0);
	assert_ptr_not_equal(dst, MAP_FAILED);
	assert_true(all(dst, len, 'c'));
	assert_true(all(src, len, 'c'));
	munmap(dst, 2 * len);
	munmap(src, len);
}

static void test_simple_fixed(void **state)
{
	size_t len = 5 * PAGE;
	char *src = test_anon(len, 'a'), *dst = test_anon(len, 'X'), *r;

	(void)state;
	r = remap(src, len, len, dst, VMXFER_REMAP_FIXED);
	assert_ptr_equal(r, dst);
	assert_true(all(dst, len, 'a'));
	assert_true(all(src, len, 0));
	munmap(dst, len);
	munmap(src, len);
}

static void test_partial_mapping(void **state)
{
	size_t len = 10 * PAGE, half = 5 * PAGE;
	char *src = test_anon(len, 'a'), *dst;

	(void)state;
	dst = remap(src + half, half, half, NULL, 0);
	assert_ptr_not_equal(dst, MAP_FAILED);
	assert_true(all(src, half, 'a'));
	assert_true(all(src + half, half, 0));
	assert_true(all(dst, half, 'a'));
	munmap(dst, half);
	munmap(src, len);
}

static void test_partial_mapping_overwrite(void **state)
{
	size_t half = 5 * PAGE;
	char *src = test_anon(half, 'a'), *dst = test_anon(2 * half, 'X'), *r;

	(void)state;
	r = remap(src, half, half, dst, VMXFER_REMAP_FIXED);
	assert_ptr_equal(r, dst);
	assert_true(all(src, half, 0));
	assert_true(all(dst, half, 'a'));
	assert_true(all(dst + half, half, 'X'));
	munmap(dst, 2 * half);
	munmap(src, half);
}

/* --- growth, placement, THP, swap --------------------------------------- */

static void test_growth(void **state)
{
	size_t old = 5 * PAGE, len = 10 * PAGE;
	char *src = test_anon(old, 'a'), *dst;
	long vm0 = proc_kb(getpid(), "status", "VmSize");
	unsigned long s, e;

	(void)state;
	dst = remap(src, old, len, NULL, 0);
	assert_ptr_not_equal(dst, MAP_FAILED);
	assert_int_equal(proc_kb(getpid(), "status", "VmSize"),
			 vm0 + (long)(len >> 10));
	assert_true(vma_of(dst, &s, &e));
	assert_int_equal(s, (unsigned long)dst);	/* one new mapping */
	assert_int_equal(e, (unsigned long)dst + len);
	assert_true(all(dst, old, 'a'));
	assert_true(all(dst + old, len - old, 0));
	assert_true(all(src, old, 0));
	memset(dst + old, 'b', len - old);		/* the tail is usable */
	assert_true(all(dst + old, len - old, 'b'));
	memset(src, 'c', old);				/* so is the source */
	assert_true(all(dst, old, 'a'));
	munmap(dst, len);
	munmap(src, old);
}

/* The source keeps protection and flags, and is not locked. */
static void test_source_is_fresh(void **state)
{
	size_t len = 4 * PAGE;
	char *src = test_anon(len, 'a'), *dst;
	unsigned long s, e;

	(void)state;
	dst = remap(src, len, len, NULL, 0);
	assert_ptr_not_equal(dst, MAP_FAILED);
	/* Still mapped (an mmap may have merged it with a neighbour). */
	assert_true(vma_of(src, &s, &e));
	assert_true(s <= (unsigned long)src && e >= (unsigned long)src + len);
	assert_true(all(src, len, 0));
	src[0] = 1;					/* writable */
	assert_int_equal(test_smaps_kb(dst, "Rss"), (long)(len >> 10));
	assert_true(all(dst, len, 'a'));
	munmap(dst, len);
	munmap(src, len);
}

/*
 * Right after the source (FIXED): the 5.10 self-merge case (copy_vma()
 * without keep_source), faulted and unfaulted source.
 */
static void test_adjacent(void **state)
{
	size_t len = 4 * PAGE;
	unsigned long s, e;

	(void)state;
	for (int fill = 0; fill < 2; fill++) {
		char *src = test_anon(2 * len, -1), *dst;

		assert_int_equal(munmap(src + len, len), 0);
		if (fill)
			memset(src, 'a', len);
		dst = remap(src, len, len, src + len, VMXFER_REMAP_FIXED_NOREPLACE);
		assert_ptr_equal(dst, src + len);
		assert_true(all(dst, len, fill ? 'a' : 0));
		assert_true(all(src, len, 0));
		assert_true(vma_of(src, &s, &e));
		assert_int_equal(s, (unsigned long)src);
		memset(src, 'z', len);
		assert_true(all(dst, len, fill ? 'a' : 0));
		munmap(src, 2 * len);
	}
}

static void test_thp(void **state)
{
	size_t len = 2 * HPAGE;
	char *raw = test_anon(len + HPAGE, -1), *src, *dst;

	(void)state;
	src = (char *)(((unsigned long)raw + HPAGE - 1) & ~(HPAGE - 1));
	assert_int_equal(madvise(src, len, MADV_HUGEPAGE), 0);
	memset(src, 't', len);
	if (test_smaps_kb(src, "AnonHugePages") < 2048)
		fail_msg("no THP (AnonHugePages %ld kB)",
			 test_smaps_kb(src, "AnonHugePages"));
	dst = remap(src, len, len, NULL, 0);
	assert_ptr_not_equal(dst, MAP_FAILED);
	assert_int_equal((unsigned long)dst & (HPAGE - 1), 0);
	printf("# AnonHugePages at dst %ld kB\n", test_smaps_kb(dst, "AnonHugePages"));
	assert_int_equal(test_smaps_kb(dst, "AnonHugePages"), (long)(len >> 10));
	assert_true(all(dst, len, 't'));
	assert_true(all(src, len, 0));
	munmap(dst, len);
	munmap(raw, len + HPAGE);
}

static void test_swapped(void **state)
{
	size_t len = 64 * PAGE;
	char *src = test_anon(len, 's'), *dst;
	long in0, in1;

	(void)state;
	assert_int_equal(test_pageout(src, len), 0);
	if (test_smaps_kb(src, "Swap") < (long)(len >> 10) / 2)
		fail_msg("not swapped out (Swap %ld kB)", test_smaps_kb(src, "Swap"));
	in0 = test_vmstat("pswpin");
	dst = remap(src, len, len, NULL, 0);
	in1 = test_vmstat("pswpin");
	assert_ptr_not_equal(dst, MAP_FAILED);
	assert_int_equal(in0, in1);
	assert_true(test_smaps_kb(dst, "Swap") >= (long)(len >> 10) / 2);
	assert_int_equal(test_smaps_kb(src, "Swap"), 0);
	assert_true(all(dst, len, 's'));
	assert_true(all(src, len, 0));
	munmap(dst, len);
	munmap(src, len);
}

/* --- errors --------------------------------------------------------------- */

#define FAILS(call, err) do {					\
	errno = 0;						\
	assert_ptr_equal((call), MAP_FAILED);			\
	assert_int_equal(errno, (err));				\
} while (0)

static void test_errors(void **state)
{
	size_t len = 4 * PAGE;
	char *src = test_anon(len + PAGE, 'a'), *other = test_anon(len, 'o'), *h;
	struct vmxfer_remap big;
	unsigned int both = VMXFER_REMAP_FIXED | VMXFER_REMAP_FIXED_NOREPLACE;
	struct test_snap s;

	(void)state;
	test_snap_begin(&s, 0);		/* allocates: before the hole */
	test_snap_range(&s, 0, src, len);
	test_snap_range(&s, 0, other, len);
	h = hole(len);	/* last: no mmap after it may reuse it */
	assert_int_equal(munmap(src + len, PAGE), 0);	/* a hole after src */
	test_snap_take(&s);
	FAILS(remap(src, len, len, NULL, 0x4), EINVAL);
	FAILS(remap(src, len, len, h, both), EINVAL);
	FAILS(remap(src + 1, len, len, NULL, 0), EINVAL);
	FAILS(remap(src, len - 1, len, NULL, 0), EINVAL);
	FAILS(remap(src, 0, len, NULL, 0), EINVAL);
	FAILS(remap(NULL, len, len, NULL, 0), EINVAL);
	FAILS(remap(src, len, len - PAGE, NULL, 0), EINVAL);	/* shrink */
	FAILS(remap(src, len, len, h + 1, VMXFER_REMAP_FIXED), EINVAL);
	/* overlapping source and destination */
	FAILS(remap(src, len, len, src + PAGE, VMXFER_REMAP_FIXED), EINVAL);
	FAILS(remap(src, 2 * PAGE, 2 * PAGE, src + PAGE, VMXFER_REMAP_FIXED),
	      EINVAL);
	FAILS(remap(src + PAGE, PAGE, 2 * PAGE, src, VMXFER_REMAP_FIXED),
	      EINVAL);
	/* not mapped / a hole after the source (EFAULT anywhere in the range) */
	FAILS(remap(h, len, len, NULL, 0), EFAULT);
	FAILS(remap(src, 2 * len, 2 * len, NULL, 0), EFAULT);
	/* occupied, NOREPLACE */
	FAILS(remap(src, len, len, other, VMXFER_REMAP_FIXED_NOREPLACE), EEXIST);
	/* Nothing moved by any of these; no mapping came or went. */
	assert_true(all(src, len, 'a'));
	assert_true(all(other, len, 'o'));
	test_snap_same(&s, "refused remap arguments");

	/* Struct rules: size below VER0, non-zero tail past the struct. */
	memset(&big, 0, sizeof(big));
	big.size = VMXFER_REMAP_SIZE_VER0 - 8;
	big.old_addr = (unsigned long)src;
	big.old_len = big.new_len = len;
	assert_int_equal(ioctl(vfd, VMXFER_IOC_REMAP, &big), -1);
	assert_int_equal(errno, EINVAL);
	assert_true(all(src, len, 'a'));
	test_snap_same(&s, "remap with size < VER0");
	test_snap_end(&s);
	munmap(src, len);
	munmap(other, len);
}

/* The whole mapping named @name (e.g. "[vdso]"); its length in *len. */
static char *named_mapping(const char *name, size_t *len)
{
	unsigned long s = 0, e = 0;
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");
	int found = 0;

	assert_non_null(f);
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, name) &&
			sscanf(line, "%lx-%lx", &s, &e) == 2;
	fclose(f);
	assert_true(found);
	*len = e - s;
	return (char *)s;
}

/*
 * What mremap(MREMAP_DONTUNMAP) refuses, vmxfer refuses with its errno,
 * changing nothing: sealed (EPERM), special mappings and hugetlb
 * (EINVAL).  test_remap_kinds compares every kind with mremap itself.
 */
static void test_refused_kinds(void **state)
{
	size_t len = 4 * PAGE, vlen;
	char *src = test_anon(len, 'a'), *vdso = named_mapping("[vdso]", &vlen);
	struct test_snap s;

	(void)state;
	test_snap_of(&s, 0, vdso, vlen);
	FAILS(remap(vdso, vlen, vlen, NULL, 0), EINVAL);
	test_snap_same(&s, "remap of the vdso");
	test_snap_end(&s);

	test_sh("echo 2 > /proc/sys/vm/nr_hugepages");
	{
		char *h = mmap(NULL, HPAGE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB,
			       -1, 0);

		assert_ptr_not_equal(h, MAP_FAILED);
		memset(h, 'h', HPAGE);
		test_snap_of(&s, 0, h, HPAGE);
		FAILS(remap(h, HPAGE, HPAGE, NULL, 0), EINVAL);
		test_snap_same(&s, "remap of hugetlb memory");
		test_snap_end(&s);
		assert_true(all(h, HPAGE, 'h'));
		munmap(h, HPAGE);
	}

	/* mseal (6.10+): EPERM, as mremap(2) says */
	if (syscall(462, src, len, 0) == 0) {
		test_snap_of(&s, 0, src, len);
		FAILS(remap(src, len, len, NULL, 0), EPERM);
		test_snap_same(&s, "remap of a sealed source");
		test_snap_end(&s);
		assert_true(all(src, len, 'a'));
		return;		/* sealed: cannot be unmapped */
	}
	assert_int_equal(errno, ENOSYS);
	assert_true(test_kernel_line() < 610);
	munmap(src, len);
}

static void sysctl_rw(const char *path, char *old, size_t n, const char *val)
{
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	assert_non_null(fgets(old, (int)n, f));
	fclose(f);
	old[strcspn(old, "\n")] = 0;
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "%s\n", val);
	fclose(f);
}

static void sysctl_put(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fprintf(f, "%s\n", val);
	fclose(f);
}

static void test_enomem(void **state)
{
	size_t len = 4 * PAGE;
	char *src = test_anon(len, 'a'), *dst;
	char mode[16], ratio[16], maxmc[16];
	struct rlimit rl0, rl;
	struct test_snap s;
	long vm;
	int err;

	(void)state;
	/* RLIMIT_AS: growth beyond it */
	assert_int_equal(getrlimit(RLIMIT_AS, &rl0), 0);
	test_snap_of(&s, 0, src, len);
	vm = s.vmsize;
	rl = rl0;
	rl.rlim_cur = (rlim_t)(vm << 10) + (64UL << 20);
	assert_int_equal(setrlimit(RLIMIT_AS, &rl), 0);
	dst = remap(src, len, 128UL << 20, NULL, 0);
	err = errno;
	assert_int_equal(setrlimit(RLIMIT_AS, &rl0), 0);
	assert_ptr_equal(dst, MAP_FAILED);
	assert_int_equal(err, ENOMEM);
	assert_true(all(src, len, 'a'));
	test_snap_same(&s, "remap refused with ENOMEM");

	/* vm.max_map_count reached */
	sysctl_rw("/proc/sys/vm/max_map_count", maxmc, sizeof(maxmc), "10");
	dst = remap(src, len, len, NULL, 0);
	err = errno;
	sysctl_put("/proc/sys/vm/max_map_count", maxmc);
	assert_ptr_equal(dst, MAP_FAILED);
	assert_int_equal(err, ENOMEM);
	assert_true(all(src, len, 'a'));
	test_snap_same(&s, "remap refused with ENOMEM");

	/* commit charge: strict overcommit, CommitLimit = swap only */
	sysctl_rw("/proc/sys/vm/overcommit_ratio", ratio, sizeof(ratio), "0");
	sysctl_rw("/proc/sys/vm/overcommit_memory", mode, sizeof(mode), "2");
	dst = remap(src, len, 1UL << 30, NULL, 0);
	err = errno;
	sysctl_put("/proc/sys/vm/overcommit_memory", mode);
	sysctl_put("/proc/sys/vm/overcommit_ratio", ratio);
	assert_ptr_equal(dst, MAP_FAILED);
	assert_int_equal(err, ENOMEM);
	assert_true(all(src, len, 'a'));
	test_snap_same(&s, "remap refused with ENOMEM");

	test_snap_end(&s);
	dst = remap(src, len, 2 * len, NULL, 0);
	assert_ptr_not_equal(dst, MAP_FAILED);
	assert_true(all(dst, len, 'a'));
	munmap(dst, 2 * len);
	munmap(src, len);
}

/* --- leaks -------------------------------------------------------------- */

/*
 * @n remap (grow x2)/munmap cycles of @len, THP-aligned with @thp.  The
 * frames of each destination are recorded before its munmap: none may
 * hold an anonymous page afterwards (a reference the move kept).
 */
static void remap_cycles(size_t len, int n, int thp, struct test_pfns *pf)
{
	for (int i = 0; i < n; i++) {
		char *raw = test_anon(len + HPAGE, -1), *src = raw, *dst;

		if (thp) {
			src = (char *)(((unsigned long)raw + HPAGE - 1) &
				       ~(HPAGE - 1));
			assert_int_equal(madvise(src, len, MADV_HUGEPAGE), 0);
		} else {
			assert_int_equal(madvise(src, len, MADV_NOHUGEPAGE), 0);
		}
		memset(src, i, len);
		dst = remap(src, len, 2 * len, NULL, 0);
		assert_ptr_not_equal(dst, MAP_FAILED);
		assert_int_equal((unsigned char)dst[len - 1], (unsigned char)i);
		if (thp && i == n - 1)	/* else the THP case is not one */
			assert_true(test_smaps_kb(dst, "AnonHugePages") >=
				    (long)(len >> 11));
		src[0] = 1;
		test_pfns_add(pf, 0, dst, len);
		assert_int_equal(munmap(dst, 2 * len), 0);
		assert_int_equal(munmap(raw, len + HPAGE), 0);
	}
}

/*
 * 1000 cycles, 500 of 1 MiB in 4 KiB pages and 500 of 4 MiB THPs: no page
 * outlives its mappings, and memory, page tables and the slab objects a
 * remap allocates (VMA, anon_vma_chains) are back within bounds a page or
 * an object kept per call exceeds (test_leak_check()).
 */
static void test_baseline_1000_cycles(void **state)
{
	struct test_pfns pf = { 0 };
	struct test_mem m0, m1;
	long orphans;

	(void)state;
	remap_cycles(1UL << 20, 20, 0, &pf);		/* warm caches */
	remap_cycles(4UL << 20, 20, 1, &pf);
	test_settle();
	test_mem_snapshot(&m0);

	remap_cycles(1UL << 20, 500, 0, &pf);
	remap_cycles(4UL << 20, 500, 1, &pf);

	test_settle();
	test_mem_snapshot(&m1);
	test_leak_check(&m0, &m1, 1000);
	orphans = test_orphans(&pf);
	test_pfns_free(&pf);
	printf("# %ld moved pages outlived their mappings\n", orphans);
	assert_int_equal(orphans, 0);
}

/*
 * Threads fault and write the source while it is remapped again and
 * again: each remap happens at once for them (the mmap write lock, and the
 * source VMA write-locked against per-VMA-lock faults), they never crash,
 * and no write is lost.  Thread k writes its sequence number s (1, 2, ...)
 * into word 1 + k of page (s - 1) % pages, then publishes s.  With d0/d1
 * its published count before/after a remap and d1' the one after the
 * previous remap, every write s with d1' + 2 <= s <= d0 was made in this
 * source before the move, so page p of the destination holds the last such
 * write to p or a later one (<= d1 + 1, the one in flight), never an older
 * one; a page no such write reached holds 0 or an in-flight write.  The
 * race is shown, not assumed: each thread must have written while remaps
 * ran (d1 > d0) in a quarter of the rounds.
 */
struct toucher {
	uint64_t *base;
	size_t pages;
	int k;
	volatile int stop;
	uint64_t done;	/* published: the last sequence number written */
};

static void *touch_loop(void *arg)
{
	struct toucher *t = arg;

	for (uint64_t s = 1; !t->stop; s++) {
		t->base[(s - 1) % t->pages * (PAGE / 8) + 1 + t->k] = s;
		__atomic_store_n(&t->done, s, __ATOMIC_RELEASE);
	}
	return NULL;
}

/* The last write of @t numbered in [lo, hi] to page @p, or 0. */
static int64_t last_write(const struct toucher *t, size_t p, int64_t lo,
			  int64_t hi)
{
	int64_t n = (int64_t)t->pages, s;

	if (hi < 1 || hi < lo)
		return 0;
	s = hi - ((hi - 1 - (int64_t)p) % n + n) % n;	/* s == p + 1 mod n */
	return s >= lo && s >= 1 ? s : 0;
}

/*
 * Word 1 + k of each page of @m against what thread k can have written:
 * @gone: every write up to it went with the previous remap; @after: the
 * count read after the previous remap; @d0, @d1: before/after this one.
 */
static int check_writes(const uint64_t *m, const struct toucher *t,
			int64_t gone, int64_t after, int64_t d0, int64_t d1,
			int r)
{
	int bad = 0;

	for (size_t p = 0; p < t->pages; p++) {
		int64_t v = (int64_t)m[p * (PAGE / 8) + 1 + t->k];
		int64_t must = last_write(t, p, after + 2, d0);
		int ok = v == 0 ? !must :
			 ((v - 1) % (int64_t)t->pages == (int64_t)p &&
			  v >= must && v > gone && v <= d1 + 1);

		if (!ok && bad++ < 4)
			printf("# round %d, thread %d, page %zu: %lld, want >= %lld "
			       "(writes %lld..%lld, %lld before)\n", r, t->k, p,
			       (long long)v, (long long)must, (long long)d0,
			       (long long)d1, (long long)after);
	}
	return bad;
}

static void test_concurrent_faults(void **state)
{
	size_t len = 4UL << 20, pages = len / PAGE;
	struct toucher t[2];
	pthread_t th[2];
	uint64_t *src = (uint64_t *)test_anon(len, 0);
	int64_t gone[2] = { 0, 0 }, after[2] = { -1, -1 }, d0[2], d1[2];
	int rounds = 200, bad = 0, raced[2] = { 0, 0 };

	(void)state;
	for (size_t p = 0; p < pages; p++)
		src[p * (PAGE / 8)] = 0x3c000000 + p;	/* word 0: ours */
	for (int i = 0; i < 2; i++) {
		t[i] = (struct toucher){ .base = src, .pages = pages, .k = i };
		assert_int_equal(pthread_create(&th[i], NULL, touch_loop, &t[i]), 0);
	}
	for (int r = 0; r < rounds; r++) {
		uint64_t *dst;

		for (int i = 0; i < 2; i++)
			d0[i] = (int64_t)__atomic_load_n(&t[i].done, __ATOMIC_ACQUIRE);
		dst = vmxfer_remap(vfd, src, len, len, NULL, 0);
		for (int i = 0; i < 2; i++)
			d1[i] = (int64_t)__atomic_load_n(&t[i].done, __ATOMIC_ACQUIRE);
		assert_ptr_not_equal(dst, MAP_FAILED);
		for (size_t p = 0; p < pages; p++)
			if (dst[p * (PAGE / 8)] != (r ? 0 : 0x3c000000 + p))
				bad++;
		for (int i = 0; i < 2; i++) {
			bad += check_writes(dst, &t[i], gone[i], after[i],
					    d0[i], d1[i], r);
			raced[i] += d1[i] > d0[i];
			gone[i] = d0[i];
			after[i] = d1[i];
		}
		assert_int_equal(munmap(dst, len), 0);
	}
	for (int i = 0; i < 2; i++) {
		t[i].stop = 1;
		pthread_join(th[i], NULL);
	}
	/* What was written since the last remap is in the source. */
	for (int i = 0; i < 2; i++) {
		int64_t fin = (int64_t)t[i].done;

		bad += check_writes(src, &t[i], gone[i], after[i], fin, fin,
				    rounds);
	}
	printf("# %d remaps; thread 0 wrote %llu times, during %d of the "
	       "remaps, thread 1 %llu, during %d\n", rounds,
	       (unsigned long long)t[0].done, raced[0],
	       (unsigned long long)t[1].done, raced[1]);
	assert_int_equal(bad, 0);
	assert_true(raced[0] >= rounds / 4 && raced[1] >= rounds / 4);
	assert_int_equal(munmap(src, len), 0);
}

static void test_missing_symbol(void **state)
{
	struct vmxfer_info info;
	char *src = test_anon(PAGE, 'a');
	int fd;

	(void)state;
	close(vfd);
	test_reload("hide_symbols=copy_vma");
	fd = test_open();
	assert_int_equal(vmxfer_info(fd, &info), 0);
	assert_false(info.features & VMXFER_FEAT_REMAP);
	assert_int_equal(info.op_status[VMXFER_OP_REMAP],
			 VMXFER_OPST_MISSING_SYMBOL);
	assert_true(info.features & VMXFER_FEAT_CLONE);
	errno = 0;
	assert_ptr_equal(vmxfer_remap(fd, src, PAGE, PAGE, NULL, 0), MAP_FAILED);
	assert_int_equal(errno, EOPNOTSUPP);
	assert_true(all(src, PAGE, 'a'));
	close(fd);
	test_reload(NULL);
	vfd = test_open();
	munmap(src, PAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple),
		cmocka_unit_test(test_simple_shmem),
		cmocka_unit_test(test_simple_fixed),
		cmocka_unit_test(test_partial_mapping),
		cmocka_unit_test(test_partial_mapping_overwrite),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_source_is_fresh),
		cmocka_unit_test(test_adjacent),
		cmocka_unit_test(test_thp),
		cmocka_unit_test(test_swapped),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_refused_kinds),
		cmocka_unit_test(test_enomem),
		cmocka_unit_test(test_baseline_1000_cycles),
		cmocka_unit_test(test_concurrent_faults),
		cmocka_unit_test(test_missing_symbol),
	};

	test_filter_from_env();
	return cmocka_run_group_tests_name("remap", tests, setup, teardown);
}
