// SPDX-License-Identifier: GPL-2.0
/*
 * bench/merge — VMA count and the cost of merging for N chunks of 64 KiB
 * of one faulted mapping moved into a new range in reverse order (no two
 * neighbours' page offsets continue each other):
 *   mremap   N mremap(2) moves (the unmerged baseline: N VMAs);
 *   merge    then one vmxfer_merge() over the range (1 VMA);
 *   remap    the same N moves with vmxfer_remap(), which merges each new
 *            VMA on its own (MREMAP_RETAIN: it also leaves the source
 *            mapped fresh, which mremap does not).
 * Usage: merge [-r REPS] [N...] (default 1000 10000).  Prints medians and
 * ratios (merge pass / the moves; remap / mremap).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include <vmxfer.h>
#include "benchlib.h"

#define PAGE 4096UL
#define CHUNK (16 * PAGE)

static int vmas_in(const char *lo, const char *hi)
{
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned long s, e;
	char line[512];
	int n = 0;

	if (!f)
		bench_die("/proc/self/maps");
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx", &s, &e) == 2 &&
		    s >= (unsigned long)lo && s < (unsigned long)hi)
			n++;
	fclose(f);
	return n;
}

/* A faulted source and an empty, reserved destination of n chunks. */
static void setup(size_t n, char **src, char **dst)
{
	size_t len = n * CHUNK;

	*src = bench_map(len, 0);
	*dst = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
		    MAP_NORESERVE, -1, 0);
	if (*src == MAP_FAILED || *dst == MAP_FAILED)
		bench_die("mmap");
	for (size_t off = 0; off < len; off += PAGE)
		(*src)[off] = 1;
}

int main(int argc, char **argv)
{
	size_t ns[16] = { 1000, 10000 }, nn = 2;
	int reps = 3, vfd, opt;

	while ((opt = getopt(argc, argv, "r:")) != -1) {
		if (opt != 'r')
			return 2;
		reps = atoi(optarg);
	}
	if (optind < argc) {
		nn = 0;
		for (int i = optind; i < argc && nn < 16; i++)
			ns[nn++] = strtoul(argv[i], NULL, 10);
	}
	if (reps < 1 || reps > 99)
		return 2;
	vfd = bench_open(VMXFER_FEAT_MERGE, "merge");
	printf("%8s %9s %9s %9s %10s %10s %10s %12s %12s\n", "chunks", "VMAs",
	       "merged", "by-remap", "mremap-s", "merge-s", "remap-s",
	       "merge/moves", "remap/mremap");
	for (size_t k = 0; k < nn; k++) {
		size_t n = ns[k], len = n * CHUNK;
		double tm[99], tg[99], tr[99];
		int v0 = 0, v1 = 0, v2 = 0;

		for (int r = 0; r < reps; r++) {
			char *src, *dst;
			double t;

			setup(n, &src, &dst);
			t = bench_now();
			for (size_t i = 0; i < n; i++)
				if (mremap(src + i * CHUNK, CHUNK, CHUNK,
					   MREMAP_MAYMOVE | MREMAP_FIXED,
					   dst + (n - 1 - i) * CHUNK) == MAP_FAILED)
					bench_die("mremap");
			tm[r] = bench_now() - t;
			v0 = vmas_in(dst, dst + len);
			t = bench_now();
			if (vmxfer_merge(vfd, dst, len, 0) < 0)
				bench_die("vmxfer_merge");
			tg[r] = bench_now() - t;
			v1 = vmas_in(dst, dst + len);
			munmap(src, len);
			munmap(dst, len);

			setup(n, &src, &dst);
			t = bench_now();
			for (size_t i = 0; i < n; i++)
				if (vmxfer_remap(vfd, src + i * CHUNK, CHUNK, CHUNK,
						 dst + (n - 1 - i) * CHUNK,
						 VMXFER_REMAP_FIXED) == MAP_FAILED)
					bench_die("vmxfer_remap");
			tr[r] = bench_now() - t;
			v2 = vmas_in(dst, dst + len);
			munmap(src, len);
			munmap(dst, len);
		}
		{
			double m = bench_median(tm, reps), g = bench_median(tg, reps);
			double rr = bench_median(tr, reps);

			printf("%8zu %9d %9d %9d %10.4f %10.4f %10.4f %12.3f %12.3f\n",
			       n, v0, v1, v2, m, g, rr, g / m, rr / m);
		}
	}
	return 0;
}
