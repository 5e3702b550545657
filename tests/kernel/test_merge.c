// SPDX-License-Identifier: GPL-2.0
/*
 * VMXFER_IOC_MERGE in the guest: chunks of one anonymous mapping moved
 * with mremap(2) into a new range in reverse order (so no two neighbours'
 * page offsets continue each other) merge back into one VMA; data, swap
 * entries, swap-cache pages, THPs and soft-dirty bits survive and the rmap
 * still finds every page (reclaim, swap-in without copies); fork, KSM and
 * pins block; every errno; races with faults and reclaim; a leak check.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "common.h"

#define PAGE 4096UL
#define HPAGE (2UL << 20)
#define CHUNK (16 * PAGE)

TEST_OP_FIXTURES(VMXFER_FEAT_MERGE)

#define FAILS(call, err) do {					\
		errno = 0;					\
		assert_int_equal((call), -1);			\
		assert_int_equal(errno, (err));			\
	} while (0)

/* The VMAs of /proc/self/maps starting in [lo, hi). */
static int vmas_in(const char *lo, const char *hi)
{
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned long s, e;
	char line[512];
	int n = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx", &s, &e) == 2 &&
		    s >= (uintptr_t)lo && s < (uintptr_t)hi)
			n++;
	fclose(f);
	return n;
}

/* @len bytes between two PROT_NONE guard pages, aligned to @align. */
static char *area(size_t len, size_t align)
{
	char *raw = mmap(NULL, len + align + 2 * PAGE, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	char *p;

	assert_ptr_not_equal(raw, MAP_FAILED);
	p = (char *)(((uintptr_t)raw + PAGE + align - 1) & ~(align - 1));
	assert_int_equal(munmap(raw, len + align + 2 * PAGE), 0);
	assert_ptr_equal(mmap(p - PAGE, len + 2 * PAGE, PROT_NONE, MAP_PRIVATE |
			      MAP_ANONYMOUS | MAP_FIXED, -1, 0), p - PAGE);
	return p;
}

static void unarea(char *p, size_t len)
{
	assert_int_equal(munmap(p - PAGE, len + 2 * PAGE), 0);
}

/*
 * Page @i of the data: i + 1 in the first word (no page is all zeros: a
 * THP split may map those to the shared zero page), then i's low byte.
 */
static void fill(char *p, size_t npages, unsigned long first)
{
	for (size_t i = 0; i < npages; i++) {
		memset(p + i * PAGE, (int)((first + i) & 0xff), PAGE);
		*(unsigned long *)(p + i * PAGE) = first + i + 1;
	}
}

static int page_ok(const char *pg, unsigned long n)
{
	if (*(const unsigned long *)pg != n + 1)
		return 0;
	for (size_t off = sizeof(long); off < PAGE; off++)
		if ((unsigned char)pg[off] != (n & 0xff))
			return 0;
	return 1;
}

/*
 * @n chunks of @chunk bytes of one faulted mapping (one anon_vma), moved by
 * mremap(2) into a new guarded range in reverse order: slot s holds chunk
 * n-1-s, and no two neighbours' page offsets continue each other.
 */
static char *reversed(size_t n, size_t chunk, int thp)
{
	size_t len = n * chunk;
	size_t align = thp ? HPAGE : PAGE;
	char *src = area(len, align), *dst = area(len, align);

	assert_ptr_equal(mmap(src, len, PROT_READ | PROT_WRITE, MAP_PRIVATE |
			      MAP_ANONYMOUS | MAP_FIXED, -1, 0), src);
	assert_int_equal(madvise(src, len, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE), 0);
	fill(src, len / PAGE, 0);
	for (size_t i = 0; i < n; i++)
		assert_ptr_equal(mremap(src + i * chunk, chunk, chunk,
					MREMAP_MAYMOVE | MREMAP_FIXED,
					dst + (n - 1 - i) * chunk),
				 dst + (n - 1 - i) * chunk);
	unarea(src, len);
	return dst;
}

/* Slot s holds chunk n-1-s (@rev: as reversed() made it) or chunk s. */
static int order_ok(const char *p, size_t n, size_t chunk, int rev)
{
	size_t per = chunk / PAGE;

	for (size_t s = 0; s < n; s++)
		for (size_t i = 0; i < per; i++)
			if (!page_ok(p + s * chunk + i * PAGE,
				     (rev ? n - 1 - s : s) * per + i))
				return 0;
	return 1;
}

static int reversed_ok(const char *p, size_t n, size_t chunk)
{
	return order_ok(p, n, chunk, 1);
}

/*
 * Reclaim finds every page through the rmap, and they come back intact.
 * Every CPU's LRU batches are emptied first (move_pages(2) of no page does
 * that): a page another thread just faulted is not on the LRU yet, and
 * MADV_PAGEOUT skips it.
 */
static void assert_reclaimable(char *p, size_t n, size_t chunk)
{
	size_t len = n * chunk;
	int node = 0;

	syscall(__NR_move_pages, 0, 0UL, NULL, &node, NULL, 0);
	assert_int_equal(madvise(p, len, MADV_PAGEOUT), 0);
	assert_int_equal(test_smaps_kb(p, "Rss"), 0);
	assert_int_equal(test_smaps_kb(p, "Swap"), (long)(len >> 10));
	assert_true(reversed_ok(p, n, chunk));
}

/* @key of smaps summed over the @n (unmerged) VMAs of a reversed() range. */
static long slots_kb(char *p, size_t n, size_t chunk, const char *key)
{
	long kb = 0;

	for (size_t s = 0; s < n; s++)
		kb += test_smaps_kb(p + s * chunk, key);
	return kb;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The case: 1,000 chunks of 64 KiB, one VMA again. */
static void test_merge_1000_chunks(void **state)
{
	size_t n = 1000;
	char *p = reversed(n, CHUNK, 0);
	double t;
	int merged;

	(void)state;
	assert_int_equal(vmas_in(p, p + n * CHUNK), (int)n);
	t = now();
	merged = vmxfer_merge(vfd, p, n * CHUNK, 0);
	t = now() - t;
	printf("# 1000 chunks: merged %d away in %.3f s\n", merged, t);
	assert_int_equal(merged, (int)n - 1);
	assert_int_equal(vmas_in(p, p + n * CHUNK), 1);
	assert_true(reversed_ok(p, n, CHUNK));
	assert_reclaimable(p, n, CHUNK);
	/* Nothing left to do: 0, not an error. */
	assert_int_equal(vmxfer_merge(vfd, p, n * CHUNK, 0), 0);
	unarea(p, n * CHUNK);
}

/*
 * The same through vmxfer_remap() (MREMAP_RETAIN), with no merge call:
 * each moved chunk merges with the chunk placed before it.
 */
static void test_merge_by_remap(void **state)
{
	size_t n = 1000, len = n * CHUNK;
	char *src = area(len, PAGE), *dst = area(len, PAGE);
	struct vmxfer_info info;
	double t;

	(void)state;
	assert_int_equal(vmxfer_info(vfd, &info), 0);
	if (!(info.features & VMXFER_FEAT_REMAP))
		fail_msg("remap unavailable");
	assert_ptr_equal(mmap(src, len, PROT_READ | PROT_WRITE, MAP_PRIVATE |
			      MAP_ANONYMOUS | MAP_FIXED, -1, 0), src);
	assert_int_equal(madvise(src, len, MADV_NOHUGEPAGE), 0);
	fill(src, len / PAGE, 0);
	t = now();
	for (size_t i = 0; i < n; i++)
		assert_ptr_equal(vmxfer_remap(vfd, src + i * CHUNK, CHUNK, CHUNK,
					      dst + (n - 1 - i) * CHUNK,
					      VMXFER_REMAP_FIXED),
				 dst + (n - 1 - i) * CHUNK);
	t = now() - t;
	printf("# 1000 remaps: %d VMA(s) at dst, %.3f s\n",
	       vmas_in(dst, dst + len), t);
	assert_int_equal(vmas_in(dst, dst + len), 1);
	assert_true(reversed_ok(dst, n, CHUNK));
	assert_reclaimable(dst, n, CHUNK);
	unarea(src, len);
	unarea(dst, len);
}

/*
 * A faulted VMA re-indexed to continue a never-faulted predecessor: 7.x
 * merges them; 5.10, 6.1 and 6.12 refuse (the kernel merges into a faulted
 * VMA only), so it stays apart, re-indexed, and the rmap must find its
 * pages at the new offsets (its key in the anon_vma's interval tree moved
 * up: a stale key hides it from reclaim).
 */
static void test_merge_reindexed_alone(void **state)
{
	char *dst = area(2 * CHUNK, PAGE), *src;
	struct utsname u;
	int merged, want;

	(void)state;
	src = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE |
		   MAP_ANONYMOUS, -1, 0);
	assert_ptr_not_equal(src, MAP_FAILED);
	assert_true(src < dst);	/* top-down: offsets move up */
	assert_int_equal(madvise(src, CHUNK, MADV_NOHUGEPAGE), 0);
	fill(src, CHUNK / PAGE, 0);
	assert_ptr_equal(mmap(dst, CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE |
			      MAP_ANONYMOUS | MAP_FIXED, -1, 0), dst);
	assert_int_equal(madvise(dst, CHUNK, MADV_NOHUGEPAGE), 0);
	assert_ptr_equal(mremap(src, CHUNK, CHUNK, MREMAP_MAYMOVE | MREMAP_FIXED,
				dst + CHUNK), dst + CHUNK);
	assert_int_equal(vmas_in(dst, dst + 2 * CHUNK), 2);
	assert_int_equal(uname(&u), 0);
	want = atoi(u.release) >= 7;
	merged = vmxfer_merge(vfd, dst + CHUNK, CHUNK, 0);
	printf("# re-indexed alone: merged %d (%s)\n", merged, u.release);
	assert_int_equal(merged, want);
	assert_int_equal(vmas_in(dst, dst + 2 * CHUNK), 2 - want);
	assert_true(order_ok(dst + CHUNK, 1, CHUNK, 0));
	/* smaps by the VMA's start: dst once merged (nothing faulted there). */
	assert_int_equal(madvise(dst + CHUNK, CHUNK, MADV_PAGEOUT), 0);
	assert_int_equal(test_smaps_kb(want ? dst : dst + CHUNK, "Rss"), 0);
	assert_int_equal(test_smaps_kb(want ? dst : dst + CHUNK, "Swap"),
			 (long)(CHUNK >> 10));
	assert_true(order_ok(dst + CHUNK, 1, CHUNK, 0));
	unarea(dst, 2 * CHUNK);
}

/* Swapped out before merging: the entries swap in at the new indexes. */
static void test_merge_swapped(void **state)
{
	size_t n = 8;
	char *p = reversed(n, CHUNK, 0);

	(void)state;
	assert_int_equal(madvise(p, n * CHUNK, MADV_PAGEOUT), 0);
	assert_int_equal(slots_kb(p, n, CHUNK, "Swap"), (long)(n * CHUNK >> 10));
	assert_int_equal(vmxfer_merge(vfd, p, n * CHUNK, 0), (int)n - 1);
	assert_int_equal(vmas_in(p, p + n * CHUNK), 1);
	assert_true(reversed_ok(p, n, CHUNK));
	assert_reclaimable(p, n, CHUNK);
	unarea(p, n * CHUNK);
}

/*
 * Pages in the swap cache, unmapped (a pipe holds them, so reclaim keeps
 * them cached): merging re-indexes them, so the swap-in maps the cached
 * pages themselves (a stale index makes the kernel copy them, or trips
 * DEBUG_VM's anon rmap checks).
 */
static void test_merge_swapcache(void **state)
{
	size_t n = 2, len = n * CHUNK, np = len / PAGE;
	char *p = reversed(n, CHUNK, 0);
	static char buf[2 * CHUNK];
	struct iovec iov = { p, len };
	uint64_t pfn[2 * CHUNK / PAGE], e;
	int fd = open("/proc/self/pagemap", O_RDONLY), pp[2];
	size_t moved = 0;

	(void)state;
	assert_true(fd >= 0);
	for (size_t i = 0; i < np; i++) {
		assert_int_equal(pread(fd, &e, 8, (off_t)((uintptr_t)(p + i * PAGE) / PAGE * 8)), 8);
		pfn[i] = e & ((1ULL << 55) - 1);
	}
	assert_int_equal(pipe(pp), 0);
	assert_true(fcntl(pp[1], F_SETPIPE_SZ, (int)len) >= (int)len);
	assert_int_equal(vmsplice(pp[1], &iov, 1, 0), (ssize_t)len);
	assert_int_equal(madvise(p, len, MADV_PAGEOUT), 0);
	assert_int_equal(slots_kb(p, n, CHUNK, "Swap"), (long)(len >> 10));
	assert_int_equal(vmxfer_merge(vfd, p, len, 0), 1);
	assert_int_equal(read(pp[0], buf, len), (ssize_t)len);
	close(pp[0]);
	close(pp[1]);
	assert_true(reversed_ok(p, n, CHUNK));
	for (size_t i = 0; i < np; i++) {
		assert_int_equal(pread(fd, &e, 8, (off_t)((uintptr_t)(p + i * PAGE) / PAGE * 8)), 8);
		if ((e & ((1ULL << 55) - 1)) != pfn[i])
			moved++;
	}
	printf("# swap cache: %zu of %zu pages came back as copies\n", moved, np);
	assert_int_equal(moved, 0);
	close(fd);
	assert_reclaimable(p, n, CHUNK);
	unarea(p, len);
}

/* PMD-mapped THPs stay PMD-mapped; only their index changes. */
static void test_merge_thp(void **state)
{
	size_t n = 2;
	char *p = reversed(n, HPAGE, 1);
	long thp0;

	(void)state;
	thp0 = slots_kb(p, n, HPAGE, "AnonHugePages");
	printf("# AnonHugePages %ld kB before\n", thp0);
	assert_int_equal(vmas_in(p, p + n * HPAGE), 2);
	assert_int_equal(vmxfer_merge(vfd, p, n * HPAGE, 0), 1);
	assert_int_equal(vmas_in(p, p + n * HPAGE), 1);
	assert_int_equal(test_smaps_kb(p, "AnonHugePages"), thp0);
	assert_true(reversed_ok(p, n, HPAGE));
	assert_reclaimable(p, n, HPAGE);
	unarea(p, n * HPAGE);
}

/* 64 KiB chunks of THPs (split by mremap): the folios are split first. */
static void test_merge_thp_split(void **state)
{
	size_t n = 64;
	char *p = reversed(n, CHUNK, 1);

	(void)state;
	assert_int_equal(vmxfer_merge(vfd, p, n * CHUNK, 0), (int)n - 1);
	assert_int_equal(vmas_in(p, p + n * CHUNK), 1);
	assert_true(reversed_ok(p, n, CHUNK));
	assert_reclaimable(p, n, CHUNK);
	unarea(p, n * CHUNK);
}

/* Soft-dirty bits (pagemap bit 55), of pages and swap entries, survive. */
static void test_merge_soft_dirty(void **state)
{
	size_t n = 4, np = n * CHUNK / PAGE;
	char *p = reversed(n, CHUNK, 0);
	uint64_t before[4 * CHUNK / PAGE], after[4 * CHUNK / PAGE];
	size_t dirty = 0;

	(void)state;
	assert_int_equal(test_sh("echo 4 > /proc/%d/clear_refs", (int)getpid()), 0);
	for (size_t i = 0; i < np; i += 3)
		((volatile char *)p)[i * PAGE + 8] = p[i * PAGE + 8];	/* dirty every third */
	assert_int_equal(madvise(p + CHUNK, CHUNK, MADV_PAGEOUT), 0);
	test_pagemap(0, p, n * CHUNK, before);
	assert_int_equal(vmxfer_merge(vfd, p, n * CHUNK, 0), (int)n - 1);
	test_pagemap(0, p, n * CHUNK, after);
	for (size_t i = 0; i < np; i++) {
		assert_int_equal(before[i] >> 55 & 1, after[i] >> 55 & 1);
		dirty += before[i] >> 55 & 1;
	}
	printf("# soft-dirty: %zu of %zu pages\n", dirty, np);
	assert_true(dirty >= np / 3 && dirty < np);
	assert_true(reversed_ok(p, n, CHUNK));
	unarea(p, n * CHUNK);
}

/* A fork after merging: copy-on-write both ways. */
static void test_merge_then_fork(void **state)
{
	size_t n = 4;
	char *p = reversed(n, CHUNK, 0);
	int status;
	pid_t pid;

	(void)state;
	assert_int_equal(vmxfer_merge(vfd, p, n * CHUNK, 0), (int)n - 1);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int ok = reversed_ok(p, n, CHUNK);

		memset(p, 0x77, n * CHUNK);
		_exit(ok ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_true(reversed_ok(p, n, CHUNK));
	/* Shared with the child no more (gone): reclaimable, intact. */
	assert_reclaimable(p, n, CHUNK);
	unarea(p, n * CHUNK);
}

/*
 * Forked before merging: the parent's pages (@swapped: its swap entries)
 * are shared with the child, the child's VMAs are a fork child's: EBUSY
 * in both; the child still reads its own data after the parent writes.
 */
static void forked_busy(int swapped)
{
	size_t n = 4;
	char *p = reversed(n, CHUNK, 0);
	int go[2], status;
	pid_t pid;
	char c;

	if (swapped) {
		assert_int_equal(madvise(p, n * CHUNK, MADV_PAGEOUT), 0);
		assert_int_equal(slots_kb(p, n, CHUNK, "Swap"), (long)(n * CHUNK >> 10));
	}
	assert_int_equal(pipe(go), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int bad = 0;

		errno = 0;
		if (vmxfer_merge(vfd, p, n * CHUNK, 0) != -1 || errno != EBUSY)
			bad |= 1;
		if (read(go[0], &c, 1) != 1)
			bad |= 2;
		if (!reversed_ok(p, n, CHUNK))
			bad |= 4;
		_exit(bad);
	}
	FAILS(vmxfer_merge(vfd, p, n * CHUNK, 0), EBUSY);
	assert_int_equal(vmas_in(p, p + n * CHUNK), (int)n);
	memset(p, 0x11, n * CHUNK);	/* COW: the child keeps its copy */
	assert_int_equal(write(go[1], "g", 1), 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(go[0]);
	close(go[1]);
	/* Written since: exclusive again, so it merges. */
	assert_int_equal(vmxfer_merge(vfd, p, n * CHUNK, 0), (int)n - 1);
	unarea(p, n * CHUNK);
}

static void test_merge_forked_busy(void **state)
{
	(void)state;
	forked_busy(0);
}

static void test_merge_forked_swapped_busy(void **state)
{
	(void)state;
	forked_busy(1);
}

/* A page referenced by a pipe (vmsplice) in every chunk: EBUSY until read. */
static void test_merge_pinned_busy(void **state)
{
	size_t n = 2;
	char *p = reversed(n, CHUNK, 0);
	struct iovec iov[2] = { { p + PAGE, PAGE }, { p + CHUNK + PAGE, PAGE } };
	char buf[2 * PAGE];
	int pp[2];

	(void)state;
	assert_int_equal(pipe(pp), 0);
	assert_int_equal(vmsplice(pp[1], iov, 2, 0), (ssize_t)(2 * PAGE));
	FAILS(vmxfer_merge(vfd, p, n * CHUNK, 0), EBUSY);
	assert_int_equal(vmas_in(p, p + n * CHUNK), 2);
	assert_int_equal(read(pp[0], buf, sizeof(buf)), (ssize_t)sizeof(buf));
	close(pp[0]);
	close(pp[1]);
	assert_int_equal(vmxfer_merge(vfd, p, n * CHUNK, 0), 1);
	assert_true(reversed_ok(p, n, CHUNK));
	unarea(p, n * CHUNK);
}

/* KSM-merged pages are not exclusive: EBUSY. */
static void test_merge_ksm_busy(void **state)
{
	size_t n = 2;
	char *p = reversed(n, CHUNK, 0);
	long shared = 0;

	(void)state;
	memset(p, 0x5a, n * CHUNK);
	assert_int_equal(test_sh("echo 10000 > /sys/kernel/mm/ksm/pages_to_scan && "
				 "echo 1 > /sys/kernel/mm/ksm/run"), 0);
	assert_int_equal(madvise(p, n * CHUNK, MADV_MERGEABLE), 0);
	for (int i = 0; i < 500 && shared < (long)(n * CHUNK / PAGE) - 1; i++) {
		FILE *f = fopen("/sys/kernel/mm/ksm/pages_sharing", "r");

		usleep(20000);
		assert_non_null(f);
		assert_int_equal(fscanf(f, "%ld", &shared), 1);
		fclose(f);
	}
	printf("# ksm pages_sharing %ld\n", shared);
	assert_true(shared >= 1);
	FAILS(vmxfer_merge(vfd, p, n * CHUNK, 0), EBUSY);
	assert_int_equal(vmas_in(p, p + n * CHUNK), 2);
	assert_int_equal(test_sh("echo 2 > /sys/kernel/mm/ksm/run"), 0);
	for (size_t off = 0; off < n * CHUNK; off++)
		assert_int_equal((unsigned char)p[off], 0x5a);
	unarea(p, n * CHUNK);
}

/* Every errno, and the anon_vma rules. */
static void test_merge_errors(void **state)
{
	char *p = reversed(2, CHUNK, 0), *q = area(2 * CHUNK, PAGE);
	char *r = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct vmxfer_merge a;

	(void)state;
	assert_ptr_not_equal(r, MAP_FAILED);
	memset(r, 2, CHUNK);	/* its own anon_vma, faulted elsewhere */
	FAILS(vmxfer_merge(vfd, p, 2 * CHUNK, 1), EINVAL);
	FAILS(vmxfer_merge(vfd, p + 1, 2 * CHUNK, 0), EINVAL);
	FAILS(vmxfer_merge(vfd, p, 0, 0), EINVAL);
	FAILS(vmxfer_merge(vfd, p, (size_t)-PAGE, 0), EINVAL);
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.addr = (uintptr_t)p;
	a.len = 2 * CHUNK;
	a.merged = 1;
	assert_int_equal(ioctl(vfd, VMXFER_IOC_MERGE, &a), -1);
	assert_int_equal(errno, EINVAL);
	{
		uint64_t big[8] = { 0 };

		a.merged = 0;
		a.size = sizeof(big);
		memcpy(big, &a, sizeof(a));
		big[7] = 1;
		assert_int_equal(ioctl(vfd, VMXFER_IOC_MERGE, big), -1);
		assert_int_equal(errno, E2BIG);
	}
	assert_int_equal(ioctl(vfd, VMXFER_IOC_MERGE, (void *)8), -1);
	assert_int_equal(errno, EFAULT);
	/* Nothing mapped there. */
	assert_int_equal(munmap(q, 2 * CHUNK), 0);
	FAILS(vmxfer_merge(vfd, q, 2 * CHUNK, 0), ENOMEM);
	/*
	 * Faulted separately (two anon_vmas), side by side with offsets that
	 * do not continue: EBUSY on every line (index-only re-indexing).
	 */
	assert_ptr_equal(mmap(q, CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE |
			      MAP_ANONYMOUS | MAP_FIXED, -1, 0), q);
	memset(q, 1, CHUNK);
	assert_ptr_equal(mremap(r, CHUNK, CHUNK, MREMAP_MAYMOVE | MREMAP_FIXED,
				q + CHUNK), q + CHUNK);
	assert_int_equal(vmas_in(q, q + 2 * CHUNK), 2);
	FAILS(vmxfer_merge(vfd, q, 2 * CHUNK, 0), EBUSY);
	/* An unfaulted neighbour (no anon_vma) merges. */
	assert_int_equal(munmap(q, CHUNK), 0);
	assert_ptr_equal(mmap(q, CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE |
			      MAP_ANONYMOUS | MAP_FIXED, -1, 0), q);
	assert_int_equal(vmxfer_merge(vfd, q, 2 * CHUNK, 0), 1);
	assert_int_equal(vmas_in(q, q + 2 * CHUNK), 1);
	assert_int_equal(q[CHUNK], 2);
	assert_int_equal(q[0], 0);
	/* Not anonymous memory: nothing to merge, no error. */
	assert_int_equal(vmxfer_merge(vfd, (void *)((uintptr_t)vmas_in & ~(PAGE - 1)),
				      PAGE, 0), 0);
	unarea(q, 2 * CHUNK);
	unarea(p, 2 * CHUNK);
}

/* Without one of its symbols, merge alone is unavailable. */
static void test_merge_missing_symbol(void **state)
{
	struct vmxfer_info info;
	int fd;

	(void)state;
	close(vfd);
	test_reload("hide_symbols=anon_vma_interval_tree_insert");
	fd = test_open();
	assert_int_equal(vmxfer_info(fd, &info), 0);
	assert_false(info.features & VMXFER_FEAT_MERGE);
	assert_int_equal(info.op_status[VMXFER_OP_MERGE], VMXFER_OPST_MISSING_SYMBOL);
	assert_true(info.features & VMXFER_FEAT_MOVE);
	FAILS(vmxfer_merge(fd, &info, PAGE, 0), EOPNOTSUPP);
	close(fd);
	test_reload(NULL);
	vfd = test_open();
}

/* --- leaks and races ------------------------------------------------------ */

/* Reverse the @n chunks of @from (one VMA) into @to, slot s from n-1-s. */
static void reverse_into(char *from, char *to, size_t n)
{
	for (size_t i = 0; i < n; i++)
		assert_ptr_equal(mremap(from + i * CHUNK, CHUNK, CHUNK,
					MREMAP_MAYMOVE | MREMAP_FIXED,
					to + (n - 1 - i) * CHUNK),
				 to + (n - 1 - i) * CHUNK);
}

static void test_merge_1000_cycles(void **state)
{
	size_t n = 4, len = n * CHUNK;
	char *a = reversed(n, CHUNK, 0), *b = area(len, PAGE), *t;
	struct test_mem m0, m1;

	(void)state;
	for (int i = 0; i < 1010; i++) {
		if (i == 10) {
			test_settle();
			test_mem_snapshot(&m0);
		}
		assert_int_equal(vmxfer_merge(vfd, a, len, 0), (int)n - 1);
		reverse_into(a, b, n);
		assert_ptr_equal(mmap(a, len, PROT_NONE, MAP_PRIVATE |
				      MAP_ANONYMOUS | MAP_FIXED, -1, 0), a);
		t = a;
		a = b;
		b = t;
	}
	test_settle();
	test_mem_snapshot(&m1);
	test_leak_check(&m0, &m1, 1000);
	/* An even number of reversals since reversed(): as it made them. */
	assert_true(reversed_ok(a, n, CHUNK));
	unarea(a, len);
	unarea(b, len);
}

/*
 * Threads fault (write faults that keep the data, swap-ins) and reclaim in
 * the range while the main thread merges it, 200 rounds; not one byte may
 * change.
 */
struct racer {
	pthread_mutex_t lock;	/* held while touching the range */
	char *base;
	size_t len;
	int run;
	volatile int stop;
	unsigned int seed;
	long touches;
};

static void *racer(void *arg)
{
	struct racer *r = arg;

	while (!r->stop) {
		size_t off;

		pthread_mutex_lock(&r->lock);
		if (r->run) {
			off = (size_t)rand_r(&r->seed) % (r->len / PAGE) * PAGE;
			if (rand_r(&r->seed) % 4 == 0)
				madvise(r->base + (off & ~(CHUNK - 1)), CHUNK,
					MADV_PAGEOUT);
			else
				((volatile char *)r->base)[off + 9] = r->base[off + 9];
			r->touches++;
		}
		pthread_mutex_unlock(&r->lock);
		sched_yield();
	}
	return NULL;
}

static void racers_set(struct racer *r, int nr, char *base, int run)
{
	for (int i = 0; i < nr; i++) {
		pthread_mutex_lock(&r[i].lock);
		r[i].base = base;
		r[i].run = run;
		pthread_mutex_unlock(&r[i].lock);
	}
}

static void test_merge_races(void **state)
{
	size_t n = 16, len = n * CHUNK;
	char *a = reversed(n, CHUNK, 0), *b = area(len, PAGE), *t;
	struct racer r[2];
	pthread_t th[2];
	long merged = 0, busy = 0;

	(void)state;
	for (int i = 0; i < 2; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		pthread_mutex_init(&r[i].lock, NULL);
		r[i].len = len;
		r[i].seed = (unsigned int)i + 1;
		r[i].base = a;
		assert_int_equal(pthread_create(&th[i], NULL, racer, &r[i]), 0);
	}
	for (int round = 0; round < 200; round++) {
		int m;

		racers_set(r, 2, a, 1);
		/*
		 * A racer's fresh fault (a page still in another CPU's LRU
		 * batch) or a page under reclaim blocks its VMA for a while:
		 * merged partly, or EAGAIN/EBUSY; again until one VMA.
		 */
		for (int tries = 0; vmas_in(a, a + len) > 1; tries++) {
			assert_true(tries < 1000);
			m = vmxfer_merge(vfd, a, len, 0);
			if (m < 0) {
				assert_true(errno == EAGAIN || errno == EBUSY);
				m = 0;
			}
			busy += tries > 0;
			merged += m;
		}
		racers_set(r, 2, a, 0);	/* out of the range when this returns */
		assert_int_equal(vmas_in(a, a + len), 1);
		assert_true(order_ok(a, n, CHUNK, !(round & 1)));
		reverse_into(a, b, n);
		assert_ptr_equal(mmap(a, len, PROT_NONE, MAP_PRIVATE |
				      MAP_ANONYMOUS | MAP_FIXED, -1, 0), a);
		t = a;
		a = b;
		b = t;
	}
	r[0].stop = r[1].stop = 1;
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	printf("# races: 200 rounds, %ld merged away, %ld retried, %ld touches\n",
	       merged, busy, r[0].touches + r[1].touches);
	/* Rearranged once more by the last round: merge it alone. */
	assert_int_equal(vmxfer_merge(vfd, a, len, 0), (int)n - 1);
	assert_true(reversed_ok(a, n, CHUNK));
	assert_reclaimable(a, n, CHUNK);
	unarea(a, len);
	unarea(b, len);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_1000_chunks),
		cmocka_unit_test(test_merge_by_remap),
		cmocka_unit_test(test_merge_reindexed_alone),
		cmocka_unit_test(test_merge_swapped),
		cmocka_unit_test(test_merge_swapcache),
		cmocka_unit_test(test_merge_thp),
		cmocka_unit_test(test_merge_thp_split),
		cmocka_unit_test(test_merge_soft_dirty),
		cmocka_unit_test(test_merge_then_fork),
		cmocka_unit_test(test_merge_forked_busy),
		cmocka_unit_test(test_merge_forked_swapped_busy),
		cmocka_unit_test(test_merge_pinned_busy),
		cmocka_unit_test(test_merge_ksm_busy),
		cmocka_unit_test(test_merge_errors),
		cmocka_unit_test(test_merge_missing_symbol),
		cmocka_unit_test(test_merge_1000_cycles),
		cmocka_unit_test(test_merge_races),
	};

	test_filter_from_env();
	return cmocka_run_group_tests(tests, setup, teardown);
}
