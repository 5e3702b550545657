// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench/remap [-r REPS] [SIZE_MiB...] - the realloc pattern MREMAP_RETAIN
 * was proposed for: grow a populated buffer to twice its size, the old
 * range to be reused.  Runs in the guest (bench/run-remap.sh) with vmxfer
 * loaded.
 *
 * For each page kind (4 KiB pages: MADV_NOHUGEPAGE; THP: 2 MiB-aligned,
 * MADV_HUGEPAGE; a memfd mapped MAP_SHARED; a memfd mapped MAP_PRIVATE,
 * written: a private file mapping with its private copies -- each memfd
 * already 2x long, so the grown half is inside the file) and size
 * (default 1 16 256 MiB) a buffer is mapped and filled, with an inaccessible page right after it so that nothing can
 * grow in place, then grown to twice its size, REPS times each (default 9)
 * after one untimed round, the three ways interleaved:
 *   (a) vmxfer_remap(): page tables move, the old range stays mapped
 *       (fresh), as an allocator keeping its arena wants;
 *   (b) mremap(MREMAP_MAYMOVE): page tables move, the old range is
 *       unmapped (what realloc() of a large block does today);
 *   (c) a new mapping of twice the size and memcpy() into it (what an
 *       allocator without mremap does), the old range kept.
 * Only the growing call (and for (c) the copy and its page faults) is
 * timed; the result is checked (first and last byte of every page).
 * Prints the ratios mremap/remap and memcpy/remap of the medians; absolute
 * times only as context.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include <vmxfer.h>

#include "benchlib.h"

#define MAXREPS	31
#define PAGE	4096UL
#define HPAGE	(2UL << 20)

enum { KIND_4K, KIND_THP, KIND_MEMFD, KIND_PRIVFILE, NKIND };
static const char *const kind_name[NKIND] = { "4 KiB", "THP", "memfd",
					      "privfile" };
enum { WAY_REMAP, WAY_MREMAP, WAY_MEMCPY, NWAY };

static int vfd;
static int cur_fd = -1;	/* the memfd behind the current buffer */

struct result {
	double t[NWAY];		/* medians, seconds */
};

/*
 * @len bytes of anonymous memory of @kind followed by a PROT_NONE page,
 * filled.  *@guard gets the guard page (unmapped by the caller).
 */
static char *filled(size_t len, int kind, char **guard)
{
	size_t slop = HPAGE;
	char *m = mmap(NULL, len + slop + PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), *a;

	if (m == MAP_FAILED)
		bench_die("mmap");
	if (kind >= KIND_MEMFD) {
		cur_fd = memfd_create("bench-remap", 0);
		if (cur_fd < 0 || ftruncate(cur_fd, (off_t)(2 * len)))
			bench_die("memfd");
		if (mmap(m, len, PROT_READ | PROT_WRITE, MAP_FIXED |
			 (kind == KIND_MEMFD ? MAP_SHARED : MAP_PRIVATE),
			 cur_fd, 0) != m)
			bench_die("mmap memfd");
	}
	a = kind == KIND_THP ?
		(char *)(((unsigned long)m + HPAGE - 1) & ~(HPAGE - 1)) : m;
	if (a > m)
		munmap(m, (size_t)(a - m));
	*guard = a + len;
	if (mprotect(*guard, PAGE, PROT_NONE))
		bench_die("mprotect");
	if (*guard + PAGE < m + len + slop + PAGE)
		munmap(*guard + PAGE, (size_t)(m + len + slop + PAGE - (*guard + PAGE)));
	if (kind < KIND_MEMFD &&
	    madvise(a, len, kind == KIND_THP ? MADV_HUGEPAGE : MADV_NOHUGEPAGE))
		bench_die("madvise");
	for (size_t off = 0; off < len; off += PAGE)
		memset(a + off, (int)(off / PAGE % 251 + 1), PAGE);
	return a;
}

static void check(const char *p, size_t len, const char *what)
{
	for (size_t off = 0; off < len; off += PAGE) {
		unsigned char want = (unsigned char)(off / PAGE % 251 + 1);

		if ((unsigned char)p[off] != want ||
		    (unsigned char)p[off + PAGE - 1] != want) {
			fprintf(stderr, "bench: %s: wrong data at +%zu\n", what, off);
			exit(1);
		}
	}
	if (p[len] != 0 || p[2 * len - 1] != 0) {
		fprintf(stderr, "bench: %s: grown tail not zero\n", what);
		exit(1);
	}
}

/* One growth of a fresh buffer the given way; its time in seconds. */
static double grow_once(size_t len, int kind, int way)
{
	char *guard, *src = filled(len, kind, &guard), *dst = MAP_FAILED;
	double t0, t1;

	t0 = bench_now();
	switch (way) {
	case WAY_REMAP:
		dst = vmxfer_remap(vfd, src, len, 2 * len, NULL, 0);
		break;
	case WAY_MREMAP:
		dst = mremap(src, len, 2 * len, MREMAP_MAYMOVE);
		break;
	case WAY_MEMCPY:
		dst = mmap(NULL, 2 * len, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (dst != MAP_FAILED) {
			madvise(dst, 2 * len, kind == KIND_THP ?
				MADV_HUGEPAGE : MADV_NOHUGEPAGE);
			/* the copy's tail: zeros, as the others' */
			memcpy(dst, src, len);
		}
		break;
	}
	t1 = bench_now();
	if (dst == MAP_FAILED)
		bench_die(way == WAY_REMAP ? "vmxfer_remap" : "mremap/mmap");
	check(dst, len, way == WAY_REMAP ? "remap" : way == WAY_MREMAP ?
	      "mremap" : "memcpy");
	munmap(dst, 2 * len);
	if (way != WAY_MREMAP)
		munmap(src, len);
	munmap(guard, PAGE);
	if (cur_fd >= 0)
		close(cur_fd);
	cur_fd = -1;
	return t1 - t0;
}

static void measure(size_t len, int kind, int reps, struct result *r)
{
	double t[NWAY][MAXREPS];

	for (int w = 0; w < NWAY; w++)
		grow_once(len, kind, w);		/* untimed */
	for (int i = 0; i < reps; i++)
		for (int w = 0; w < NWAY; w++)
			t[w][i] = grow_once(len, kind, w);
	for (int w = 0; w < NWAY; w++)
		r->t[w] = bench_median(t[w], reps);
}

int main(int argc, char **argv)
{
	static struct result res[NKIND][BENCH_MAXSIZES];
	size_t sizes[BENCH_MAXSIZES], nsizes = 0;
	struct vmxfer_info info;
	int reps = 9;

	if (bench_args(argc, argv, NULL, NULL, &reps, MAXREPS, sizes, &nsizes))
		return 2;
	vfd = bench_open(VMXFER_FEAT_REMAP, "remap");
	if (vmxfer_info(vfd, &info))
		bench_die("vmxfer_info");
	printf("kernel %s, grow x2, %d runs each after 1 untimed, median\n",
	       info.kernel_release, reps);
	for (int k = 0; k < NKIND; k++)
		for (size_t s = 0; s < nsizes; s++) {
			measure(sizes[s] << 20, k, reps, &res[k][s]);
			fprintf(stderr, "bench: %s %zu MiB done\n", kind_name[k],
				sizes[s]);
		}

	printf("\n%-8s %8s  %14s  %14s\n", "pages", "size", "mremap/remap",
	       "memcpy/remap");
	for (int k = 0; k < NKIND; k++)
		for (size_t s = 0; s < nsizes; s++) {
			struct result *r = &res[k][s];

			printf("%-8s %4zu MiB  %13.2fx  %13.1fx\n", kind_name[k],
			       sizes[s], r->t[WAY_MREMAP] / r->t[WAY_REMAP],
			       r->t[WAY_MEMCPY] / r->t[WAY_REMAP]);
		}
	printf("\ncontext only (median ms under this VM):\n");
	for (int k = 0; k < NKIND; k++)
		for (size_t s = 0; s < nsizes; s++) {
			struct result *r = &res[k][s];

			printf("  %-8s %4zu MiB: remap %9.3f  mremap %9.3f  memcpy %9.3f\n",
			       kind_name[k], sizes[s], r->t[WAY_REMAP] * 1e3,
			       r->t[WAY_MREMAP] * 1e3, r->t[WAY_MEMCPY] * 1e3);
		}
	return 0;
}
