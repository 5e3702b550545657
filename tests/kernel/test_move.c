// SPDX-License-Identifier: GPL-2.0
/*
 * VMXFER_IOC_MOVE in the guest: the cases of upstream's uffd-unit-tests
 * move family (move, move-pmd, move-pmd-split: contents at dst, zeros at
 * src), the zero page, swapped-out and swap-cached pages, every errno,
 * partial progress, the per-line anon_vma rule, pins, KSM, a leak check
 * and moves racing with faults, fork and MADV_DONTNEED.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/io_uring.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "common.h"

#define PAGE 4096UL
#define HPAGE (2UL << 20)

TEST_OP_FIXTURES(VMXFER_FEAT_MOVE)

/* The running kernel is at least major.minor. */
static int kernel_at_least(int major, int minor)
{
	struct utsname u;
	int ma = 0, mi = 0;

	assert_int_equal(uname(&u), 0);
	assert_int_equal(sscanf(u.release, "%d.%d", &ma, &mi), 2);
	return ma > major || (ma == major && mi >= minor);
}

/*
 * @len bytes of private anonymous memory between two PROT_NONE guard pages
 * (so that it never merges with another test mapping), filled with page
 * numbers + @seed unless @seed < 0.  Released with unmap().
 */
static char *anon_in(size_t len, size_t align, int seed, int thp)
{
	char *raw, *p;

	raw = mmap(NULL, len + align + 2 * PAGE, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	assert_ptr_not_equal(raw, MAP_FAILED);
	p = (char *)(((unsigned long)raw + PAGE + align - 1) & ~(align - 1));
	assert_int_equal(munmap(raw, len + align + 2 * PAGE), 0);
	/* The guards, then the memory between them. */
	assert_ptr_equal(mmap(p - PAGE, PAGE, PROT_NONE, MAP_PRIVATE |
			      MAP_ANONYMOUS | MAP_FIXED, -1, 0), p - PAGE);
	assert_ptr_equal(mmap(p + len, PAGE, PROT_NONE, MAP_PRIVATE |
			      MAP_ANONYMOUS | MAP_FIXED, -1, 0), p + len);
	assert_ptr_equal(mmap(p, len, PROT_READ | PROT_WRITE, MAP_PRIVATE |
			      MAP_ANONYMOUS | MAP_FIXED, -1, 0), p);
	assert_int_equal(madvise(p, len, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE), 0);
	if (seed >= 0)
		for (size_t off = 0; off < len; off += PAGE)
			memset(p + off, (int)((off / PAGE + (size_t)seed) & 0xff), PAGE);
	return p;
}

static char *anon(size_t len, int seed, int thp)
{
	return anon_in(len, PAGE, seed, thp);
}

/* 2 MiB-aligned. */
static char *anon_aligned(size_t len, int seed, int thp)
{
	return anon_in(len, HPAGE, seed, thp);
}

static void unmap(char *p, size_t len)
{
	assert_int_equal(munmap(p - PAGE, len + 2 * PAGE), 0);
}

/* [p, p + len) holds what anon(len, seed) wrote. */
static int holds(const char *p, size_t len, int seed)
{
	for (size_t off = 0; off < len; off++)
		if ((unsigned char)p[off] !=
		    (unsigned char)((off / PAGE + (size_t)seed) & 0xff))
			return 0;
	return 1;
}

static int zeros(const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i])
			return 0;
	return 1;
}

/* The pagemap entry of @addr (bit 63 present, 62 swapped, 55 soft-dirty). */
static uint64_t pagemap_of(const void *addr)
{
	uint64_t e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &e, sizeof(e),
			       (off_t)((uintptr_t)addr / PAGE * sizeof(e))),
			 (ssize_t)sizeof(e));
	close(fd);
	return e;
}

/* The PFN mapped at @addr (/proc/self/pagemap; root), 0 if none. */
static uint64_t pfn_of(const void *addr)
{
	uint64_t e = pagemap_of(addr);

	return (e >> 63) & 1 ? e & ((1ULL << 55) - 1) : 0;
}

/*
 * The rmap finds every page of [p, p + len) at its new place: reclaim can
 * unmap them all (it walks the rmap from the page: a wrong index or
 * anon_vma leaves them mapped), and they come back intact.
 */
static void assert_reclaimable(char *p, size_t len, int seed)
{
	assert_int_equal(test_pageout(p, len), 0);
	assert_int_equal(test_smaps_kb(p, "Swap"), (long)(len >> 10));
	assert_int_equal(test_smaps_kb(p, "Rss"), 0);
	assert_true(holds(p, len, seed));
}

static ssize_t mv(void *dst, const void *src, size_t len, unsigned int flags)
{
	return vmxfer_move(vfd, dst, src, len, flags);
}

#define FAILS(call, err) do {					\
	errno = 0;						\
	assert_int_equal((call), -1);				\
	assert_int_equal(errno, (err));				\
} while (0)

/* --- upstream's move family ---------------------------------------------- */

/* "move": page by page into an empty destination, then all at once. */
static void test_move_pages(void **state)
{
	size_t len = 64 * PAGE;
	char *src = anon(len, 1, 0), *dst = anon(len, -1, 0);
	long rss0 = test_smaps_kb(src, "Rss");
	uint64_t pfn[64];

	(void)state;
	for (size_t i = 0; i < len / PAGE; i++)
		assert_true((pfn[i] = pfn_of(src + i * PAGE)) != 0);
	for (size_t off = 0; off < len / 2; off += PAGE)
		assert_int_equal(mv(dst + off, src + off, PAGE, 0), (ssize_t)PAGE);
	assert_int_equal(mv(dst + len / 2, src + len / 2, len / 2, 0),
			 (ssize_t)(len / 2));
	assert_true(holds(dst, len, 1));
	/* Moved, not copied: the same pages, now at dst; none left at src. */
	for (size_t i = 0; i < len / PAGE; i++)
		assert_int_equal(pfn_of(dst + i * PAGE), pfn[i]);
	assert_int_equal(test_smaps_kb(src, "Rss"), 0);
	assert_int_equal(test_smaps_kb(dst, "Rss"), rss0);
	assert_true(zeros(src, len));
	assert_reclaimable(dst, len, 1);
	unmap(src, len);
	unmap(dst, len);
}

/* "move-pmd": whole THPs, equally aligned. */
static void test_move_thp(void **state)
{
	size_t len = 2 * HPAGE;
	char *src = anon_aligned(len, 7, 1);
	char *dst = anon_aligned(len, -1, 1);
	uint64_t pfn0;

	(void)state;
	if (test_smaps_kb(src, "AnonHugePages") < 2048)
		fail_msg("no THP (AnonHugePages %ld kB)",
			 test_smaps_kb(src, "AnonHugePages"));
	pfn0 = pfn_of(src);
	assert_int_equal(mv(dst, src, len, 0), (ssize_t)len);
	assert_true(holds(dst, len, 7));
	assert_int_equal(test_smaps_kb(src, "Rss"), 0);
	/* Whole PMDs, every line: the same huge pages, still huge. */
	printf("# AnonHugePages at dst %ld kB\n", test_smaps_kb(dst, "AnonHugePages"));
	assert_int_equal(test_smaps_kb(dst, "AnonHugePages"), (long)(len >> 10));
	assert_int_equal(pfn_of(dst), pfn0);
	assert_true(zeros(src, len));
	unmap(src, len);
	unmap(dst, len);
}

/* "move-pmd-split": part of a THP, to a misaligned destination. */
static void test_move_thp_split(void **state)
{
	size_t len = HPAGE;
	char *src = anon_aligned(len, 9, 1);
	char *dst = anon(len, -1, 0);

	(void)state;
	if (test_smaps_kb(src, "AnonHugePages") < 2048)
		fail_msg("no THP");
	/* The middle half of the huge page, to dst + 4 KiB. */
	assert_int_equal(mv(dst + PAGE, src + len / 4, len / 2, 0),
			 (ssize_t)(len / 2));
	for (size_t off = 0; off < len / 2; off += PAGE)
		assert_int_equal((unsigned char)dst[PAGE + off],
				 (unsigned char)((len / 4 + off) / PAGE + 9));
	assert_true(zeros(src + len / 4, len / 2));
	assert_true(holds(src, len / 4, 9));
	assert_int_equal((unsigned char)src[len - 1],
			 (unsigned char)((len - 1) / PAGE + 9));
	unmap(src, len);
	unmap(dst, len);
}

/*
 * Half of an aligned THP to an aligned destination: exactly that half
 * moves (the PMD path must not take the whole huge page).
 */
static void test_move_thp_half(void **state)
{
	size_t len = HPAGE;
	char *src = anon_aligned(len, 10, 1), *dst = anon_aligned(len, -1, 1);

	(void)state;
	if (test_smaps_kb(src, "AnonHugePages") < 2048)
		fail_msg("no THP");
	assert_int_equal(mv(dst, src, len / 2, 0), (ssize_t)(len / 2));
	assert_true(holds(dst, len / 2, 10));
	assert_true(zeros(dst + len / 2, len / 2));
	assert_true(zeros(src, len / 2));
	for (size_t off = len / 2; off < len; off += PAGE)
		assert_int_equal((unsigned char)src[off],
				 (unsigned char)(off / PAGE + 10));
	unmap(src, len);
	unmap(dst, len);
}

/* The zero page moves without allocating a page. */
static void test_move_zeropage(void **state)
{
	size_t len = 32 * PAGE;
	char *src = anon(len, -1, 0), *dst = anon(len, -1, 0);
	volatile char sum = 0;

	(void)state;
	for (size_t off = 0; off < len; off += PAGE)
		sum += src[off];	/* read faults: the zero page */
	assert_int_equal(test_smaps_kb(src, "Rss"), 0);	/* not counted */
	assert_int_equal(mv(dst, src, len, 0), (ssize_t)len);
	assert_int_equal(test_smaps_kb(dst, "Anonymous"), 0);
	assert_true(zeros(dst, len));
	(void)sum;
	unmap(src, len);
	unmap(dst, len);
}

/* Swapped-out pages move as swap entries: no swap-in. */
static void test_move_swapped(void **state)
{
	size_t len = 64 * PAGE;
	char *src = anon(len, 3, 0), *dst = anon(len, -1, 0);
	long in0, in1;

	(void)state;
	assert_int_equal(test_pageout(src, len), 0);
	if (test_smaps_kb(src, "Swap") < (long)(len >> 10) / 2)
		fail_msg("not swapped out (Swap %ld kB)", test_smaps_kb(src, "Swap"));
	in0 = test_vmstat("pswpin");
	assert_int_equal(mv(dst, src, len, 0), (ssize_t)len);
	in1 = test_vmstat("pswpin");
	assert_int_equal(in0, in1);
	assert_true(test_smaps_kb(dst, "Swap") >= (long)(len >> 10) / 2);
	assert_int_equal(test_smaps_kb(src, "Swap"), 0);
	assert_true(holds(dst, len, 3));
	assert_true(zeros(src, len));
	/* And the pages are reclaimable at their new place (rmap right). */
	assert_int_equal(test_pageout(dst, len), 0);
	assert_true(test_smaps_kb(dst, "Swap") >= (long)(len >> 10) / 2);
	assert_true(holds(dst, len, 3));
	unmap(src, len);
	unmap(dst, len);
}

/*
 * Swap entries whose page is still in the swap cache (the 2025 UFFDIO_MOVE
 * bugs): a pipe holds references to the pages (vmsplice), so reclaim
 * writes them out and unmaps them but cannot free them.  The move locks
 * each cached page and points it at dst; dst then faults them back in from
 * the cache, and they are reclaimable there.
 */
static void test_move_swapcache(void **state)
{
	size_t len = 16 * PAGE;
	char *src = anon(len, 5, 0), *dst = anon(len, -1, 0);
	static char buf[16 * PAGE];
	struct iovec iov = { src, len };
	long cached, in0;
	uint64_t pfn[16];
	int p[2];

	(void)state;
	for (size_t i = 0; i < len / PAGE; i++)
		pfn[i] = pfn_of(src + i * PAGE);
	assert_int_equal(pipe(p), 0);
	assert_true(fcntl(p[1], F_SETPIPE_SZ, (int)len) >= (int)len);
	assert_int_equal(vmsplice(p[1], &iov, 1, 0), (ssize_t)len);
	assert_int_equal(test_pageout(src, len), 0);
	/*
	 * SwapCached is a per-cpu-batched counter (it may lag): it is only
	 * printed.  What proves the pages stayed in the swap cache is below:
	 * dst reads them back without a single swap-in.
	 */
	cached = test_meminfo("SwapCached");
	printf("# Swap %ld kB, SwapCached %ld kB before the move\n",
	       test_smaps_kb(src, "Swap"), cached);
	assert_true(test_smaps_kb(src, "Swap") >= (long)(len >> 10));
	in0 = test_vmstat("pswpin");
	assert_int_equal(mv(dst, src, len, 0), (ssize_t)len);
	assert_int_equal(test_smaps_kb(src, "Swap"), 0);
	assert_true(zeros(src, len));
	assert_true(holds(dst, len, 5));
	assert_int_equal(test_vmstat("pswpin"), in0);	/* from the cache */
	/* The cached pages themselves (re-pointed at dst), not copies. */
	for (size_t i = 0; i < len / PAGE; i++)
		assert_int_equal(pfn_of(dst + i * PAGE), pfn[i]);
	assert_int_equal(read(p[0], buf, len), (ssize_t)len);
	assert_true(holds(buf, len, 5));
	close(p[0]);
	close(p[1]);
	assert_int_equal(test_pageout(dst, len), 0);
	assert_true(test_smaps_kb(dst, "Swap") >= (long)(len >> 10));
	assert_true(holds(dst, len, 5));
	unmap(src, len);
	unmap(dst, len);
}

/* The moved pages are found at their new place by the rmap: compaction
 * and reclaim of dst work, and so does a fork afterwards. */
static void test_move_then_fork(void **state)
{
	size_t len = 16 * PAGE;
	char *src = anon(len, 11, 0), *dst = anon(len, -1, 0);
	int st;
	pid_t pid;

	(void)state;
	assert_int_equal(mv(dst, src, len, 0), (ssize_t)len);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(holds(dst, len, 11) && zeros(src, len) ? 0 : 1);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	memset(dst, 0x77, PAGE);	/* COW break after the fork */
	assert_int_equal((unsigned char)dst[PAGE], (unsigned char)(1 + 11));
	unmap(src, len);
	unmap(dst, len);
}

/* --- errors ---------------------------------------------------------------- */

static void test_move_errors(void **state)
{
	size_t len = 8 * PAGE;
	char *src = anon(len, 1, 0), *dst = anon(len, -1, 0), *ro;
	char *sh = mmap(NULL, len, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct vmxfer_move a;
	struct test_snap snap;

	(void)state;
	assert_ptr_not_equal(sh, MAP_FAILED);
	test_snap_of(&snap, 0, src, len);
	FAILS(mv(dst, src, len, 0x80), EINVAL);		/* unknown flag */
	FAILS(mv(dst + 1, src, PAGE, 0), EINVAL);	/* alignment */
	FAILS(mv(dst, src + 1, PAGE, 0), EINVAL);
	FAILS(mv(dst, src, PAGE + 1, 0), EINVAL);
	FAILS(mv(dst, src, 0, 0), EINVAL);		/* empty */
	FAILS(mv(src + PAGE, src, 2 * PAGE, 0), EINVAL);	/* overlap */
	FAILS(mv(dst, sh, PAGE, 0), EINVAL);		/* shared */
	FAILS(mv(sh, src, PAGE, 0), EINVAL);
	test_snap_same(&snap, "refused move arguments");
	test_snap_end(&snap);
	{
		/* A private file mapping: the same protections as src, so
		 * only the kind check refuses it (populated: a file page).
		 */
		char path[] = "/tmp/vmxfer-move-XXXXXX", *fp;
		int fd = mkstemp(path);

		assert_true(fd >= 0);
		unlink(path);
		assert_int_equal(ftruncate(fd, (off_t)len), 0);
		fp = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
		assert_ptr_not_equal(fp, MAP_FAILED);
		close(fd);
		(void)*(volatile char *)fp;
		FAILS(mv(dst, fp, PAGE, 0), EINVAL);
		FAILS(mv(fp + PAGE, src, PAGE, 0), EINVAL);
		assert_true(holds(src, PAGE, 1));
		munmap(fp, len);
	}
	ro = anon(len, -1, 0);
	assert_int_equal(mprotect(ro, len, PROT_READ), 0);
	FAILS(mv(ro, src, PAGE, 0), EINVAL);		/* protections differ */
	FAILS(mv(dst, ro, PAGE, 0), EINVAL);		/* src not writable */
	unmap(ro, len);
	ro = anon(len, -1, 0);
	unmap(ro, len);
	FAILS(mv(ro, src, PAGE, 0), EFAULT);		/* nothing mapped */
	FAILS(mv(dst, ro, PAGE, 0), EFAULT);
	/* Struct smaller than version 0 / bad pointer. */
	memset(&a, 0, sizeof(a));
	a.size = 8;
	a.src = (uintptr_t)src;
	a.dst = (uintptr_t)dst;
	a.len = PAGE;
	errno = 0;
	assert_int_equal(ioctl(vfd, VMXFER_IOC_MOVE, &a), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(ioctl(vfd, VMXFER_IOC_MOVE, (void *)8), -1);
	assert_int_equal(errno, EFAULT);
	/* A larger struct with a non-zero byte past what the module knows. */
	{
		unsigned char big[64];

		memset(big, 0, sizeof(big));
		memcpy(big, &a, sizeof(a));
		((struct vmxfer_move *)big)->size = sizeof(big);
		big[sizeof(a) + 3] = 1;
		errno = 0;
		assert_int_equal(ioctl(vfd, VMXFER_IOC_MOVE, big), -1);
		assert_int_equal(errno, E2BIG);
	}

	/* Nothing changed by any of that. */
	assert_true(holds(src, len, 1));
	assert_int_equal(test_smaps_kb(dst, "Rss"), 0);

	/*
	 * EEXIST: never overwrite; ENOENT: a hole, unless allowed.  (A first
	 * move gives dst its anon_vma, so the page faulted in there below is
	 * one 5.10/6.1 can move next to: see test_move_unrelated.)
	 */
	assert_int_equal(mv(dst, src, PAGE, 0), (ssize_t)PAGE);
	dst[2 * PAGE] = 'x';
	assert_int_equal(mv(dst + PAGE, src + PAGE, len - PAGE, 0),
			 (ssize_t)PAGE);
	FAILS(mv(dst + 2 * PAGE, src + 2 * PAGE, len - 2 * PAGE, 0), EEXIST);
	assert_int_equal(dst[2 * PAGE], 'x');
	assert_true(holds(src + 2 * PAGE, len - 2 * PAGE, 1 + 2));
	FAILS(mv(dst, src, PAGE, 0), EEXIST);
	FAILS(mv(dst + 3 * PAGE, src, PAGE, 0), ENOENT);	/* moved away */
	assert_int_equal(mv(dst + 3 * PAGE, src, PAGE,
			    VMXFER_MOVE_ALLOW_SRC_HOLES), (ssize_t)PAGE);
	/* Pages 0 and 1 moved, and the 'x' page: nothing for the hole. */
	assert_int_equal(test_smaps_kb(dst, "Rss"), 12);
	munmap(sh, len);
	unmap(src, len);
	unmap(dst, len);
}

/*
 * A fork child shares [src, src + len) (filled with @seed) with the caller;
 * moving it to dst is EBUSY and changes nothing; then the child checks its
 * copy and exits.
 */
static void move_while_shared(char *src, char *dst, size_t len, int seed)
{
	struct test_snap snap;
	int go[2], st;
	pid_t pid;
	char c;

	/* The maps and src's bytes (dst is not read: that would fill it). */
	test_snap_of(&snap, 0, src, len);
	assert_int_equal(pipe(go), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(go[1]);
		_exit(read(go[0], &c, 1) == 1 && holds(src, len, seed) ? 0 : 1);
	}
	close(go[0]);
	FAILS(mv(dst, src, len, 0), EBUSY);
	test_snap_same(&snap, "a refused move of shared pages");
	test_snap_end(&snap);
	assert_true(holds(src, len, seed));
	assert_int_equal(test_smaps_kb(dst, "Rss"), 0);
	assert_int_equal(write(go[1], "g", 1), 1);
	close(go[1]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* Pages shared with a fork child are not the caller's alone: EBUSY. */
static void test_move_shared_busy(void **state)
{
	size_t len = 8 * PAGE;
	char *src = anon(len, 2, 0), *dst = anon(len, -1, 0);

	(void)state;
	move_while_shared(src, dst, len, 2);
	/*
	 * The child is gone; a write makes each page exclusive again (the
	 * write fault reuses it), as it would for UFFDIO_MOVE.
	 */
	for (size_t off = 0; off < len; off += PAGE)
		((volatile char *)src)[off] = src[off];
	assert_int_equal(mv(dst, src, len, 0), (ssize_t)len);
	assert_true(holds(dst, len, 2));
	unmap(src, len);
	unmap(dst, len);
}

/* A page pinned for DMA (io_uring fixed buffer) stays where it is. */
static void test_move_pinned_busy(void **state)
{
	size_t len = 4 * PAGE;
	char *src = anon(len, 4, 0), *dst = anon(len, -1, 0);
	struct io_uring_params p;
	struct iovec iov = { src + PAGE, PAGE };
	int ring;

	(void)state;
	memset(&p, 0, sizeof(p));
	ring = (int)syscall(__NR_io_uring_setup, 4, &p);
	if (ring < 0)
		fail_msg("io_uring_setup: %s", strerror(errno));
	assert_int_equal(syscall(__NR_io_uring_register, ring,
				 IORING_REGISTER_BUFFERS, &iov, 1), 0);
	assert_int_equal(mv(dst, src, len, 0), (ssize_t)PAGE);	/* stops at it */
	FAILS(mv(dst + PAGE, src + PAGE, len - PAGE, 0), EBUSY);
	assert_true(holds(src + PAGE, len - PAGE, 4 + 1));
	/* Unpin; the ring's teardown may release it a little later. */
	assert_int_equal(syscall(__NR_io_uring_register, ring,
				 IORING_UNREGISTER_BUFFERS, NULL, 0), 0);
	close(ring);
	for (int i = 0; i < 200 && mv(dst + PAGE, src + PAGE, PAGE, 0) < 0; i++) {
		assert_int_equal(errno, EBUSY);
		usleep(10000);
	}
	assert_int_equal(mv(dst + 2 * PAGE, src + 2 * PAGE, len - 2 * PAGE, 0),
			 (ssize_t)(len - 2 * PAGE));
	assert_true(holds(dst, len, 4));
	unmap(src, len);
	unmap(dst, len);
}

/*
 * A whole THP that is not the caller's alone stays where it is, and whole:
 * shared with a fork child (EBUSY until the child is gone and a write makes
 * it exclusive again), then pinned by io_uring (EBUSY until unpinned).  The
 * PMD path checks what the page path checks, on every line.
 */
static void test_move_thp_busy(void **state)
{
	size_t len = HPAGE;
	char *src = anon_aligned(len, 11, 1), *dst = anon_aligned(len, -1, 1);
	struct iovec iov = { src + 5 * PAGE, PAGE };
	struct io_uring_params p;
	int ring;

	(void)state;
	if (test_smaps_kb(src, "AnonHugePages") < 2048)
		fail_msg("no THP");
	move_while_shared(src, dst, len, 11);
	assert_int_equal(test_smaps_kb(src, "AnonHugePages"), 2048);
	src[0] = src[0];	/* the write fault makes it exclusive, still huge */

	memset(&p, 0, sizeof(p));
	ring = (int)syscall(__NR_io_uring_setup, 4, &p);
	if (ring < 0)
		fail_msg("io_uring_setup: %s", strerror(errno));
	assert_int_equal(syscall(__NR_io_uring_register, ring,
				 IORING_REGISTER_BUFFERS, &iov, 1), 0);
	FAILS(mv(dst, src, len, 0), EBUSY);
	assert_true(holds(src, len, 11));
	assert_int_equal(test_smaps_kb(src, "AnonHugePages"), 2048);
	assert_int_equal(test_smaps_kb(dst, "Rss"), 0);
	assert_int_equal(syscall(__NR_io_uring_register, ring,
				 IORING_UNREGISTER_BUFFERS, NULL, 0), 0);
	close(ring);
	for (int i = 0; i < 200 && mv(dst, src, len, 0) < 0; i++) {
		assert_int_equal(errno, EBUSY);
		usleep(10000);
	}
	assert_true(holds(dst, len, 11));
	assert_int_equal(test_smaps_kb(dst, "AnonHugePages"), 2048);
	assert_true(zeros(src, len));
	unmap(src, len);
	unmap(dst, len);
}

/*
 * Two separately faulted mappings (different anon_vmas): 6.12 and later
 * relink the pages; 5.10 and 6.1 cannot safely (compat-rmap.h) and refuse
 * with EBUSY, the documented restriction.  A never-faulted destination
 * works everywhere.
 */
static void test_move_unrelated(void **state)
{
	size_t len = 8 * PAGE;
	char *src = anon(len, 6, 0), *dst = anon(len, -1, 0);

	(void)state;
	dst[len - 1] = 1;	/* dst gets its own anon_vma */
	if (kernel_at_least(6, 12)) {
		assert_int_equal(mv(dst, src, len - PAGE, 0),
				 (ssize_t)(len - PAGE));
		assert_true(holds(dst, len - PAGE, 6));
		assert_int_equal(test_pageout(dst, len), 0);
		assert_true(holds(dst, len - PAGE, 6));
	} else {
		FAILS(mv(dst, src, len - PAGE, 0), EBUSY);
		assert_true(holds(src, len, 6));
	}
	unmap(src, len);
	unmap(dst, len);
}

/* Source and destination may each span several mappings. */
static void test_move_multi_vma(void **state)
{
	size_t len = 16 * PAGE;
	char *src = anon(len, 8, 0), *dst = anon(len, -1, 0);

	(void)state;
	/* Split both into three VMAs with different (equal) protections. */
	assert_int_equal(mprotect(src + 4 * PAGE, 4 * PAGE, PROT_READ | PROT_WRITE | PROT_EXEC), 0);
	assert_int_equal(mprotect(dst + 4 * PAGE, 4 * PAGE, PROT_READ | PROT_WRITE | PROT_EXEC), 0);
	assert_int_equal(mv(dst, src, len, 0), (ssize_t)len);
	assert_true(holds(dst, len, 8));
	assert_true(zeros(src, len));
	assert_reclaimable(dst, 4 * PAGE, 8);
	unmap(src, len);
	unmap(dst, len);
}


/* Moved entries are soft-dirty at dst (present and swapped), as upstream. */
static void test_move_soft_dirty(void **state)
{
	size_t len = 8 * PAGE;
	char *src = anon(len, 16, 0), *dst = anon(len, -1, 0);

	(void)state;
	assert_int_equal(test_pageout(src + len / 2, len / 2), 0);
	assert_int_equal(test_sh("echo 4 > /proc/%d/clear_refs", getpid()), 0);
	for (size_t off = 0; off < len; off += PAGE)
		assert_int_equal((pagemap_of(src + off) >> 55) & 1, 0);
	assert_int_equal(mv(dst, src, len, 0), (ssize_t)len);
	for (size_t off = 0; off < len; off += PAGE) {
		uint64_t e = pagemap_of(dst + off);

		assert_int_equal((e >> 55) & 1, 1);
		assert_int_equal((e >> 62) & 1, off >= len / 2);	/* swapped */
	}
	assert_true(holds(dst, len, 16));
	unmap(src, len);
	unmap(dst, len);
}

/* The huge zero page (a read fault on a THP range): moves, allocates none. */
static void test_move_huge_zero(void **state)
{
	size_t len = 2 * HPAGE;
	char *src = anon_aligned(len, -1, 1), *dst = anon_aligned(len, -1, 1);
	volatile char sum = 0;
	long free0;

	(void)state;
	for (size_t off = 0; off < len; off += PAGE)
		sum += src[off];
	(void)sum;
	free0 = test_meminfo("MemFree");
	assert_int_equal(mv(dst, src, len, 0), (ssize_t)len);
	assert_true(zeros(dst, len));
	assert_true(zeros(src, len));
	assert_int_equal(test_smaps_kb(dst, "Anonymous"), 0);
	/* A page-table page or two, never 4 MiB of pages. */
	assert_true(free0 - test_meminfo("MemFree") < 1024);
	unmap(src, len);
	unmap(dst, len);
}

/* KSM-merged pages are never exclusive: EBUSY, as for UFFDIO_MOVE. */
static void test_move_ksm_busy(void **state)
{
	size_t len = 16 * PAGE;
	char *src = anon(len, -1, 0), *dst = anon(len, -1, 0);
	long shared = 0;

	(void)state;
	memset(src, 0x5a, len);	/* identical pages */
	assert_int_equal(test_sh("echo 10000 > /sys/kernel/mm/ksm/pages_to_scan && "
				 "echo 1 > /sys/kernel/mm/ksm/run"), 0);
	assert_int_equal(madvise(src, len, MADV_MERGEABLE), 0);
	for (int i = 0; i < 500 && shared < 1; i++) {
		FILE *f = fopen("/sys/kernel/mm/ksm/pages_shared", "r");

		usleep(20000);
		assert_non_null(f);
		assert_int_equal(fscanf(f, "%ld", &shared), 1);
		fclose(f);
	}
	printf("# ksm pages_shared %ld\n", shared);
	assert_true(shared >= 1);
	FAILS(mv(dst, src, len, 0), EBUSY);
	assert_int_equal(test_smaps_kb(dst, "Rss"), 0);
	for (size_t off = 0; off < len; off++)
		assert_int_equal((unsigned char)src[off], 0x5a);
	assert_int_equal(test_sh("echo 2 > /sys/kernel/mm/ksm/run"), 0);
	unmap(src, len);
	unmap(dst, len);
}

/* VM_LOCKED must match (EINVAL otherwise); locked to locked works. */
static void test_move_mlock(void **state)
{
	size_t len = 8 * PAGE;
	char *src = anon(len, 14, 0), *dst = anon(len, -1, 0);

	(void)state;
	assert_int_equal(mlock(src, len), 0);
	FAILS(mv(dst, src, len, 0), EINVAL);
	assert_true(holds(src, len, 14));
	assert_int_equal(mlock2(dst, len, MLOCK_ONFAULT), 0);
	assert_int_equal(mv(dst, src, len, 0), (ssize_t)len);
	assert_true(holds(dst, len, 14));
	assert_int_equal(test_smaps_kb(dst, "Locked"), (long)(len >> 10));
	unmap(src, len);
	unmap(dst, len);
}

/* Sealed mappings (mseal(2), 6.10+) are not changed: EPERM. */
static void test_move_sealed(void **state)
{
	size_t len = 4 * PAGE;
	char *src = anon(len, 15, 0), *dst = anon(len, -1, 0);
	char *other = anon(len, -1, 0);

	(void)state;
	if (!kernel_at_least(6, 10)) {
		printf("# no mseal(2) before 6.10\n");
		skip();
	}
	assert_int_equal(syscall(462 /* mseal */, src, len, 0), 0);
	FAILS(mv(dst, src, len, 0), EPERM);
	assert_true(holds(src, len, 15));
	assert_int_equal(syscall(462, dst, len, 0), 0);
	FAILS(mv(dst, other, len, 0), EPERM);
}

/*
 * THPs moved back and forth (split each time) while other threads compact
 * memory and page out THPs of the same mapping (PMDs under migration or
 * split by reclaim meet the move's split).
 */
struct thp_racer {
	char *base;
	size_t len;
	volatile int stop;
	long rounds;
};

static void *thp_compactor(void *arg)
{
	struct thp_racer *r = arg;

	while (!r->stop) {
		int fd = open("/proc/sys/vm/compact_memory", O_WRONLY);

		if (fd >= 0) {
			if (write(fd, "1", 1) != 1)
				r->rounds--;
			close(fd);
		}
		memset(r->base, (int)r->rounds, r->len);	/* new THPs */
		test_pageout(r->base, r->len);
		r->rounds++;
	}
	return NULL;
}

static void test_move_thp_races(void **state)
{
	size_t len = 4 * HPAGE;
	char *a = anon_aligned(3 * len, -1, 1), *b = a + len;
	struct thp_racer r = { .base = a + 2 * len, .len = len };
	pthread_t th;
	int rounds = 40, busy = 0;

	(void)state;
	for (size_t off = 0; off < len; off += PAGE)
		memset(a + off, (int)((off / PAGE + 21) & 0xff), PAGE);
	assert_int_equal(pthread_create(&th, NULL, thp_compactor, &r), 0);
	for (int i = 0; i < rounds; i++) {
		char *from = (i & 1) ? b : a, *to = (i & 1) ? a : b;
		size_t done = 0;

		while (done < len) {
			ssize_t n = mv(to + done, from + done, len - done, 0);

			if (n < 0) {
				assert_int_equal(errno, EBUSY);	/* split raced */
				busy++;
				usleep(1000);
				continue;
			}
			done += (size_t)n;
		}
		assert_true(holds(to, len, 21));
	}
	r.stop = 1;
	pthread_join(th, NULL);
	printf("# %d THP moves of %zu MiB; %ld compaction/pageout rounds, %d EBUSY\n",
	       rounds, len >> 20, r.rounds, busy);
	assert_true(r.rounds > 0);
	unmap(a, 3 * len);
}

/* Without a symbol move needs, it is reported unavailable and refused. */
static void test_move_missing_symbol(void **state)
{
	struct vmxfer_info info;
	size_t len = 4 * PAGE;
	char *src = anon(len, 17, 0), *dst = anon(len, -1, 0);
	int fd;

	(void)state;
	close(vfd);
	test_reload(kernel_at_least(6, 12) ? "hide_symbols=folio_move_anon_rmap"
					    : "hide_symbols=anon_vma_clone");
	fd = test_open();
	assert_int_equal(vmxfer_info(fd, &info), 0);
	assert_false(info.features & VMXFER_FEAT_MOVE);
	assert_int_equal(info.op_status[VMXFER_OP_MOVE], VMXFER_OPST_MISSING_SYMBOL);
	assert_true(info.features & VMXFER_FEAT_CLONE);
	errno = 0;
	assert_int_equal(vmxfer_move(fd, dst, src, len, 0), -1);
	assert_int_equal(errno, EOPNOTSUPP);
	assert_true(holds(src, len, 17));
	close(fd);
	test_reload(NULL);
	vfd = test_open();
	unmap(src, len);
	unmap(dst, len);
}

/* --- leaks and races ------------------------------------------------------- */

static void test_move_1000_cycles(void **state)
{
	size_t len = 256 * PAGE;
	char *a = anon(len, 12, 0), *b = anon(len, -1, 0);
	struct test_mem m0, m1;
	long lost;

	(void)state;
	for (int i = 0; i < 10; i++) {	/* warm */
		assert_int_equal(mv(b, a, len, 0), (ssize_t)len);
		assert_int_equal(mv(a, b, len, 0), (ssize_t)len);
	}
	test_settle();
	test_mem_snapshot(&m0);
	for (int i = 0; i < 500; i++) {
		assert_int_equal(mv(b, a, len, 0), (ssize_t)len);
		assert_int_equal(mv(a, b, len, 0), (ssize_t)len);
	}
	test_settle();
	test_mem_snapshot(&m1);
	lost = test_mem_report(&m0, &m1);
	assert_true(holds(a, len, 12));
	assert_true(zeros(b, len));
	/* One leaked page per call would be 4000 kB. */
	assert_true(labs(m1.anon - m0.anon) < 256);
	assert_true(lost < 1024);
	unmap(a, len);
	unmap(b, len);
}

/*
 * Other threads fault, write (sequence numbers) and MADV_DONTNEED other
 * pages of the same mappings while the main thread moves a range back and
 * forth; and a thread forks now and then (moves then meet EBUSY, retried).
 * No moved byte and no thread's write may be lost.
 */
struct racer {
	char *base;		/* the thread's own pages */
	size_t len;
	volatile int stop;
	long rounds;
	int bad;
};

static void *race_writer(void *arg)
{
	struct racer *r = arg;
	unsigned long seq = 0;

	while (!r->stop) {
		seq++;
		for (size_t off = 0; off < r->len; off += PAGE)
			*(volatile unsigned long *)(r->base + off) = seq;
		for (size_t off = 0; off < r->len; off += PAGE)
			if (*(volatile unsigned long *)(r->base + off) != seq)
				r->bad++;
		if (!(seq % 16))
			madvise(r->base, r->len / 2, MADV_DONTNEED);
		r->rounds++;
	}
	return NULL;
}

static void *race_forker(void *arg)
{
	struct racer *r = arg;
	int st;

	while (!r->stop) {
		pid_t pid = fork();

		if (pid == 0)
			_exit(0);
		if (pid > 0)
			waitpid(pid, &st, 0);
		r->rounds++;
		usleep(2000);
	}
	return NULL;
}

/*
 * Moves back and forth while another thread mprotects and munmaps/remaps
 * the last pages of both ranges (VMAs split and merge under the walk).
 * Those pages may fail (EINVAL, EFAULT) or lose their data to the munmap;
 * every other page must arrive intact, and the kernel stay quiet.
 */
struct vma_racer {
	char *a, *b;		/* the two ranges' chaos pages */
	size_t len;
	volatile int stop;
	long rounds;
};

static void *vma_chaos(void *arg)
{
	struct vma_racer *r = arg;

	while (!r->stop) {
		char *p = (r->rounds & 1) ? r->a : r->b;

		mprotect(p, r->len, PROT_READ);
		mprotect(p, r->len, PROT_READ | PROT_WRITE);
		munmap(p + PAGE, PAGE);
		mmap(p + PAGE, PAGE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		r->rounds++;
	}
	return NULL;
}

static void test_move_vma_races(void **state)
{
	size_t len = 64 * PAGE, chaos = 4 * PAGE, keep = len - chaos;
	char *a = anon(2 * len, -1, 0), *b = a + len;
	struct vma_racer r = { .a = a + keep, .b = b + keep, .len = chaos };
	int rounds = 200, refused = 0;
	pthread_t th;

	(void)state;
	for (size_t off = 0; off < len; off += PAGE)
		memset(a + off, (int)((off / PAGE + 23) & 0xff), PAGE);
	assert_int_equal(pthread_create(&th, NULL, vma_chaos, &r), 0);
	for (int i = 0; i < rounds; i++) {
		char *from = (i & 1) ? b : a, *to = (i & 1) ? a : b;

		for (size_t done = 0; done < len;) {
			ssize_t n = mv(to + done, from + done, len - done,
				       VMXFER_MOVE_ALLOW_SRC_HOLES);

			if (n > 0) {
				done += (size_t)n;
				continue;
			}
			/* Only a chaos page may refuse, and only so. */
			if (done < keep)
				fail_msg("page %zu of round %d refused: %s", done / PAGE,
					 i, strerror(errno));
			assert_true(errno == EINVAL || errno == EFAULT ||
				    errno == EEXIST);
			refused++;
			done += PAGE;
		}
		assert_true(holds(to, keep, 23));
		/* Nothing left behind (not read: that would map zero pages). */
		for (size_t off = 0; off < keep; off += PAGE)
			assert_int_equal(pagemap_of(from + off) >> 62, 0);
	}
	r.stop = 1;
	pthread_join(th, NULL);
	printf("# %d moves, %ld mprotect/munmap rounds, %d chaos pages refused\n",
	       rounds, r.rounds, refused);
	assert_true(r.rounds > 0);
	unmap(a, 2 * len);
}

static void test_move_races(void **state)
{
	size_t mlen = 64 * PAGE, total = 4 * mlen;
	/* One mapping (one anon_vma, so every line can move both ways). */
	char *a = anon(2 * total, -1, 0), *b = a + total;
	struct racer w[2] = {
		{ .base = a + 2 * mlen, .len = mlen },
		{ .base = b + 2 * mlen, .len = mlen },
	}, f = { 0 };
	pthread_t th[3];
	int rounds = 200, busy = 0;

	(void)state;
	memset(a, 0, mlen);
	for (size_t off = 0; off < mlen; off += PAGE)
		memset(a + off, (int)((off / PAGE + 13) & 0xff), PAGE);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&th[i], NULL, race_writer, &w[i]), 0);
	assert_int_equal(pthread_create(&th[2], NULL, race_forker, &f), 0);
	for (int r = 0; r < rounds; r++) {
		char *from = (r & 1) ? b : a, *to = (r & 1) ? a : b;
		size_t done = 0;

		while (done < mlen) {
			ssize_t n = mv(to + done, from + done, mlen - done, 0);

			if (n < 0) {
				/*
				 * A fork shared the pages: once its child is
				 * gone, a write makes them exclusive again.
				 */
				assert_int_equal(errno, EBUSY);
				busy++;
				usleep(500);
				for (size_t off = done; off < mlen; off += PAGE)
					((volatile char *)from)[off] = from[off];
				continue;
			}
			done += (size_t)n;
		}
		assert_true(holds(to, mlen, 13));
	}
	f.stop = w[0].stop = w[1].stop = 1;
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	printf("# %d moves of %zu KiB; writers %ld + %ld rounds, %d forks, %d EBUSY retries\n",
	       rounds, mlen >> 10, w[0].rounds, w[1].rounds, (int)f.rounds, busy);
	assert_true(w[0].rounds > rounds && w[1].rounds > rounds && f.rounds > 0);
	assert_int_equal(w[0].bad + w[1].bad, 0);
	unmap(a, 2 * total);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_move_pages),
		cmocka_unit_test(test_move_thp),
		cmocka_unit_test(test_move_thp_split),
		cmocka_unit_test(test_move_thp_half),
		cmocka_unit_test(test_move_zeropage),
		cmocka_unit_test(test_move_swapped),
		cmocka_unit_test(test_move_swapcache),
		cmocka_unit_test(test_move_then_fork),
		cmocka_unit_test(test_move_errors),
		cmocka_unit_test(test_move_shared_busy),
		cmocka_unit_test(test_move_pinned_busy),
		cmocka_unit_test(test_move_thp_busy),
		cmocka_unit_test(test_move_unrelated),
		cmocka_unit_test(test_move_multi_vma),
		cmocka_unit_test(test_move_soft_dirty),
		cmocka_unit_test(test_move_huge_zero),
		cmocka_unit_test(test_move_ksm_busy),
		cmocka_unit_test(test_move_mlock),
		cmocka_unit_test(test_move_sealed),
		cmocka_unit_test(test_move_thp_races),
		cmocka_unit_test(test_move_missing_symbol),
		cmocka_unit_test(test_move_1000_cycles),
		cmocka_unit_test(test_move_races),
		cmocka_unit_test(test_move_vma_races),
	};

	test_filter_from_env();
	return cmocka_run_group_tests(tests, setup, teardown);
}
