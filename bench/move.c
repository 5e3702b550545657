// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench/move [-r REPS] [SIZE_MiB...] - moving populated anonymous memory
 * within the caller.  Runs in the guest (bench/run-move.sh) with vmxfer
 * loaded.
 *
 * Part 1, ranges.  For each page kind (4 KiB pages: MADV_NOHUGEPAGE; THP:
 * 2 MiB-aligned, MADV_HUGEPAGE) and size (default 1 16 256 MiB) a filled
 * source and an empty, never-faulted destination of the same kind are
 * mapped, then the source is moved there, REPS times each (default 9)
 * after one untimed round, the ways interleaved:
 *   (a) vmxfer_move();
 *   (b) UFFDIO_MOVE, the destination registered for MISSING faults with a
 *       userfaultfd (only where the kernel offers UFFD_FEATURE_MOVE: 6.8
 *       and later; "n/a" otherwise);
 *   (c) mremap(MREMAP_MAYMOVE | MREMAP_FIXED) onto the destination: page
 *       tables move, the floor for moving a range;
 *   (d) memcpy() into the destination, then MADV_DONTNEED on the source.
 * Only the moving calls (for (d) the copy, its faults and the madvise) are
 * timed; the destination is checked (first and last byte of every page),
 * and the source must read zeros after (a), (b) and (d).
 *
 * Part 2, one fault served.  A thread reads a byte of an empty range
 * registered for MISSING faults (one 4 KiB page; a 2 MiB chunk of 4 KiB
 * pages; a 2 MiB THP-aligned chunk, MADV_HUGEPAGE); a handler thread
 * serves it from a filled staging buffer of the same kind with (a)
 * vmxfer_move_uffd(), (b) UFFDIO_COPY, (c) UFFDIO_MOVE (where offered).
 * Timed: from just before the access to its return.  Fresh range and
 * staging buffer per fault (so that on 5.10/6.1 the destination was never
 * faulted, see vmxfer.h); the ways interleaved, 8 * REPS + 1 faults each
 * for 4 KiB, 2 * REPS + 1 for 2 MiB, after one untimed round.  A way
 * that fails with EBUSY (vmxfer_move_uffd on 5.10/6.1 into a THP range,
 * probably because those kernels give the range its own anon_vma before
 * reporting the fault) is reported as such; that fault is then served with UFFDIO_COPY
 * and the way is not timed further.
 *
 * Prints ratios of the medians; absolute times only as context.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include <vmxfer.h>

#include "benchlib.h"

/* UFFDIO_MOVE (Linux 6.8), for building against older headers. */
#ifndef UFFD_FEATURE_MOVE
#define UFFD_FEATURE_MOVE	(1 << 16)
#endif
#ifndef UFFDIO_MOVE
#define _UFFDIO_MOVE		(0x05)
struct uffdio_move {
	__u64 dst;
	__u64 src;
	__u64 len;
	__u64 mode;
	__s64 move;
};
#define UFFDIO_MOVE		_IOWR(UFFDIO, _UFFDIO_MOVE, struct uffdio_move)
#endif

#define MAXREPS	31
#define MAXFAULTS (8 * MAXREPS + 1)
#define PAGE	4096UL
#define HPAGE	(2UL << 20)

enum { KIND_4K, KIND_THP, NKIND };
static const char *const kind_name[NKIND] = { "4 KiB", "THP" };
enum { WAY_VMXFER, WAY_UFFD, WAY_MREMAP, WAY_MEMCPY, NWAY };
static const char *const way_name[NWAY] = {
	"vmxfer_move", "UFFDIO_MOVE", "mremap", "memcpy" };
enum { SERVE_VMXFER, SERVE_COPY, SERVE_UMOVE, NSERVE };
static const char *const serve_name[NSERVE] = {
	"vmxfer_move_uffd", "UFFDIO_COPY", "UFFDIO_MOVE" };

enum { NFROW = 3 };
static const char *const frow_name[NFROW] = {
	"4 KiB", "2 MiB 4 KiB", "2 MiB THP" };

static int vfd, uffd, have_umove;

static char *anon(size_t len, int kind)
{
	char *a = bench_map(len, kind == KIND_THP);

	if (a == MAP_FAILED)
		bench_die("mmap");
	return a;
}

static unsigned char fill_byte(size_t off)
{
	return (unsigned char)(off / PAGE % 251 + 1);
}

static char *filled(size_t len, int kind)
{
	char *a = anon(len, kind);

	for (size_t off = 0; off < len; off += PAGE)
		memset(a + off, fill_byte(off), PAGE);
	return a;
}

static void check(const volatile char *p, size_t len, int zero,
		  const char *what)
{
	for (size_t off = 0; off < len; off += PAGE) {
		unsigned char want = zero ? 0 : fill_byte(off);

		if ((unsigned char)p[off] != want ||
		    (unsigned char)p[off + PAGE - 1] != want) {
			fprintf(stderr, "bench: %s: wrong %s at +%zu\n", what,
				zero ? "source (not zero)" : "data", off);
			exit(1);
		}
	}
}

static void uffd_register(char *p, size_t len)
{
	struct uffdio_register reg = {
		.range = { .start = (unsigned long)p, .len = len },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};

	if (ioctl(uffd, UFFDIO_REGISTER, &reg))
		bench_die("UFFDIO_REGISTER");
}

/* UFFDIO_MOVE of the whole range (retried where it stops short). */
static int uffd_move(char *dst, const char *src, size_t len)
{
	size_t done = 0;

	while (done < len) {
		struct uffdio_move mv = {
			.dst = (unsigned long)dst + done,
			.src = (unsigned long)src + done,
			.len = len - done,
		};

		if (ioctl(uffd, UFFDIO_MOVE, &mv) && errno != EAGAIN)
			return -1;
		if (mv.move > 0)
			done += (size_t)mv.move;
	}
	return 0;
}

static int uffd_copy(char *dst, const char *src, size_t len)
{
	size_t done = 0;

	while (done < len) {
		struct uffdio_copy cp = {
			.dst = (unsigned long)dst + done,
			.src = (unsigned long)src + done,
			.len = len - done,
		};

		if (ioctl(uffd, UFFDIO_COPY, &cp) && errno != EAGAIN)
			return -1;
		if (cp.copy > 0)
			done += (size_t)cp.copy;
	}
	return 0;
}

/* Part 1: one move of a fresh filled range the given way; seconds. */
static double move_once(size_t len, int kind, int way)
{
	char *src = filled(len, kind), *dst = anon(len, kind);
	double t0, t1;
	int err = 0;

	if (way == WAY_UFFD)
		uffd_register(dst, len);
	t0 = bench_now();
	switch (way) {
	case WAY_VMXFER:
		err = vmxfer_move(vfd, dst, src, len, 0) != (ssize_t)len;
		break;
	case WAY_UFFD:
		err = uffd_move(dst, src, len);
		break;
	case WAY_MREMAP:
		err = mremap(src, len, len, MREMAP_MAYMOVE | MREMAP_FIXED,
			     dst) != dst;
		break;
	case WAY_MEMCPY:
		memcpy(dst, src, len);
		err = madvise(src, len, MADV_DONTNEED);
		break;
	}
	t1 = bench_now();
	if (err)
		bench_die(way_name[way]);
	check(dst, len, 0, way_name[way]);
	if (way != WAY_MREMAP) {
		check(src, len, 1, way_name[way]);
		munmap(src, len);
	}
	munmap(dst, len);
	return t1 - t0;
}

struct result {
	double t[NWAY];		/* medians, seconds */
};

static void measure(size_t len, int kind, int reps, struct result *r)
{
	double t[NWAY][MAXREPS];

	for (int w = 0; w < NWAY; w++)
		if (w != WAY_UFFD || have_umove)
			move_once(len, kind, w);	/* untimed */
	for (int i = 0; i < reps; i++)
		for (int w = 0; w < NWAY; w++)
			if (w != WAY_UFFD || have_umove)
				t[w][i] = move_once(len, kind, w);
	for (int w = 0; w < NWAY; w++)
		r->t[w] = w != WAY_UFFD || have_umove ?
			bench_median(t[w], reps) : 0;
}

/*
 * Part 2.  The faulting thread publishes the range, the staging buffer and
 * the way before touching; the handler serves the one fault it reads.
 */
static struct {
	char *volatile dst, *volatile staging;
	volatile size_t chunk;
	volatile int way;
	volatile int ebusy;	/* out: the way failed with EBUSY */
} job;

static void *handler(void *arg)
{
	(void)arg;
	for (;;) {
		struct uffd_msg msg;
		char *dst, *staging;
		size_t chunk;
		int err = 0;

		if (read(uffd, &msg, sizeof(msg)) != (ssize_t)sizeof(msg)) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			bench_die("read userfaultfd");
		}
		if (msg.event != UFFD_EVENT_PAGEFAULT)
			continue;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		dst = job.dst;
		staging = job.staging;
		chunk = job.chunk;
		if ((char *)(unsigned long)msg.arg.pagefault.address < dst ||
		    (char *)(unsigned long)msg.arg.pagefault.address >= dst + chunk) {
			fprintf(stderr, "bench: fault outside the range\n");
			exit(1);
		}
		switch (job.way) {
		case SERVE_VMXFER:
			err = vmxfer_move_uffd(vfd, uffd, dst, staging, chunk,
					       0) != (ssize_t)chunk;
			break;
		case SERVE_COPY:
			err = uffd_copy(dst, staging, chunk);
			break;
		case SERVE_UMOVE:
			err = uffd_move(dst, staging, chunk);
			break;
		}
		if (err && errno == EBUSY && job.way != SERVE_COPY) {
			job.ebusy = 1;
			err = uffd_copy(dst, staging, chunk);
		}
		if (err)
			bench_die(serve_name[job.way]);
	}
	return NULL;
}

/*
 * One fault on a fresh @chunk-sized range of @kind served the given way;
 * seconds, or -1 if the way failed with EBUSY.
 */
static double fault_once(size_t chunk, int kind, int way)
{
	char *staging = filled(chunk, kind), *dst = anon(chunk, kind);
	size_t at = chunk / 2 + 17;		/* inside the second half */
	volatile char *p = dst + at;
	unsigned char got;
	double t0, t1;

	uffd_register(dst, chunk);
	job.dst = dst;
	job.staging = staging;
	job.chunk = chunk;
	job.way = way;
	job.ebusy = 0;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	t0 = bench_now();
	got = (unsigned char)*p;
	t1 = bench_now();
	if (got != fill_byte(at)) {
		fprintf(stderr, "bench: %s: wrong data after the fault\n",
			serve_name[way]);
		exit(1);
	}
	check(dst, chunk, 0, serve_name[way]);
	munmap(dst, chunk);
	munmap(staging, chunk);
	return job.ebusy ? -1 : t1 - t0;
}

/* Medians per way; 0 where not available, -1 where it failed (EBUSY). */
static void measure_fault(size_t chunk, int kind, int n, double *med)
{
	static double t[NSERVE][MAXFAULTS];

	for (int w = 0; w < NSERVE; w++)
		med[w] = w != SERVE_UMOVE || have_umove ? 1 : 0;
	for (int i = -1; i < n; i++)		/* -1: untimed */
		for (int w = 0; w < NSERVE; w++)
			if (med[w] > 0) {
				double dt = fault_once(chunk, kind, w);

				if (dt < 0)
					med[w] = -1;
				else if (i >= 0)
					t[w][i] = dt;
			}
	for (int w = 0; w < NSERVE; w++)
		if (med[w] > 0)
			med[w] = bench_median(t[w], n);
}

static void open_uffd(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	int probe = (int)syscall(__NR_userfaultfd, O_CLOEXEC);

	if (probe < 0 || ioctl(probe, UFFDIO_API, &api))
		bench_die("userfaultfd");
	close(probe);
	have_umove = !!(api.features & UFFD_FEATURE_MOVE);
	uffd = (int)syscall(__NR_userfaultfd, O_CLOEXEC);
	api = (struct uffdio_api){ .api = UFFD_API,
		.features = have_umove ? UFFD_FEATURE_MOVE : 0 };
	if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api))
		bench_die("userfaultfd");
}

static void ratio(double num, double den, int avail)
{
	if (!avail)
		printf("  %10s", "n/a");
	else if (num < 0 || den < 0)
		printf("  %10s", "EBUSY");
	else
		printf("  %9.2fx", num / den);
}

/* A median in ms, or what stands in for it. */
static void ms(const char *name, double t)
{
	if (t > 0)
		printf("  %s %8.3f", name, t * 1e3);
	else
		printf("  %s %8s", name, t < 0 ? "EBUSY" : "n/a");
}

int main(int argc, char **argv)
{
	static struct result res[NKIND][BENCH_MAXSIZES];
	static const size_t chunks[NFROW] = { PAGE, HPAGE, HPAGE };
	static const int fkind[NFROW] = { KIND_4K, KIND_4K, KIND_THP };
	size_t sizes[BENCH_MAXSIZES], nsizes = 0;
	double fmed[NFROW][NSERVE];
	struct vmxfer_info info;
	pthread_t th;
	int reps = 9;

	if (bench_args(argc, argv, NULL, NULL, &reps, MAXREPS, sizes, &nsizes))
		return 2;
	vfd = bench_open(VMXFER_FEAT_MOVE, "move");
	if (vmxfer_info(vfd, &info))
		bench_die("vmxfer_info");
	open_uffd();
	printf("kernel %s, %d runs each after 1 untimed, median; UFFDIO_MOVE %s\n",
	       info.kernel_release, reps, have_umove ? "available" : "n/a");
	for (int k = 0; k < NKIND; k++)
		for (size_t s = 0; s < nsizes; s++) {
			measure(sizes[s] << 20, k, reps, &res[k][s]);
			fprintf(stderr, "bench: move %s %zu MiB done\n",
				kind_name[k], sizes[s]);
		}
	errno = pthread_create(&th, NULL, handler, NULL);
	if (errno)
		bench_die("pthread_create");
	for (int c = 0; c < NFROW; c++) {
		measure_fault(chunks[c], fkind[c],
			      c ? 2 * reps + 1 : 8 * reps + 1, fmed[c]);
		fprintf(stderr, "bench: fault %s done\n", frow_name[c]);
	}

	printf("\nmoving a populated range into an empty one (time ratios)\n");
	printf("%-6s %8s  %10s  %10s  %10s  %10s\n", "pages", "size",
	       "umove/move", "mremap/mv", "move/mremap", "memcpy/mv");
	for (int k = 0; k < NKIND; k++)
		for (size_t s = 0; s < nsizes; s++) {
			struct result *r = &res[k][s];

			printf("%-6s %4zu MiB", kind_name[k], sizes[s]);
			ratio(r->t[WAY_UFFD], r->t[WAY_VMXFER], have_umove);
			ratio(r->t[WAY_MREMAP], r->t[WAY_VMXFER], 1);
			ratio(r->t[WAY_VMXFER], r->t[WAY_MREMAP], 1);
			ratio(r->t[WAY_MEMCPY], r->t[WAY_VMXFER], 1);
			printf("\n");
		}
	printf("\none MISSING fault served, access to return (time ratios; %d and %d faults)\n",
	       8 * reps + 1, 2 * reps + 1);
	printf("%-12s  %10s  %10s\n", "chunk", "copy/move", "umove/move");
	for (int c = 0; c < NFROW; c++) {
		printf("%-12s", frow_name[c]);
		ratio(fmed[c][SERVE_COPY], fmed[c][SERVE_VMXFER], 1);
		ratio(fmed[c][SERVE_UMOVE], fmed[c][SERVE_VMXFER], have_umove);
		printf("\n");
	}

	printf("\ncontext only (median ms under this VM; move = vmxfer_move):\n");
	for (int k = 0; k < NKIND; k++)
		for (size_t s = 0; s < nsizes; s++) {
			struct result *r = &res[k][s];

			printf("  %-5s %4zu MiB: move %9.3f  umove ", kind_name[k],
			       sizes[s], r->t[WAY_VMXFER] * 1e3);
			if (have_umove)
				printf("%9.3f", r->t[WAY_UFFD] * 1e3);
			else
				printf("%9s", "n/a");
			printf("  mremap %9.3f  memcpy %9.3f\n",
			       r->t[WAY_MREMAP] * 1e3, r->t[WAY_MEMCPY] * 1e3);
		}
	for (int c = 0; c < NFROW; c++) {
		printf("  fault %-12s:", frow_name[c]);
		for (int w = 0; w < NSERVE; w++)
			ms(serve_name[w], fmed[c][w]);
		printf("\n");
	}
	return 0;
}
