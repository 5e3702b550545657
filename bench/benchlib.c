// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>

#include <vmxfer.h>

#include "benchlib.h"

void bench_die(const char *what)
{
	fprintf(stderr, "bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double bench_median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int bench_args(int argc, char **argv, const char *flag, int *flag_set,
	       int *reps, int maxreps, size_t *sizes, size_t *nsizes)
{
	static const size_t defsizes[] = { 1, 16, 256 };
	int defreps = *reps;

	*nsizes = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-r") && i + 1 < argc) {
			*reps = atoi(argv[++i]);
		} else if (flag && !strcmp(argv[i], flag)) {
			*flag_set = 1;
		} else if (*nsizes < BENCH_MAXSIZES && atoi(argv[i]) > 0) {
			sizes[(*nsizes)++] = (size_t)atoi(argv[i]);
		} else {
			fprintf(stderr, "usage: %s [-r REPS]%s%s%s [SIZE_MiB...]\n",
				argv[0], flag ? " [" : "", flag ? flag : "",
				flag ? "]" : "");
			return -1;
		}
	}
	if (*reps < 1 || *reps > maxreps)
		*reps = defreps;
	if (!*nsizes)
		for (size_t i = 0; i < 3; i++)
			sizes[(*nsizes)++] = defsizes[i];
	return 0;
}

char *bench_map(size_t len, int thp)
{
	const size_t huge = 2UL << 20;
	size_t slop = thp ? huge : 0;
	char *m = mmap(NULL, len + slop, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), *a;

	if (m == MAP_FAILED)
		return m;
	a = thp ? (char *)(((unsigned long)m + huge - 1) & ~(huge - 1)) : m;
	if (a > m)
		munmap(m, (size_t)(a - m));
	if (a + len < m + len + slop)
		munmap(a + len, (size_t)(m + len + slop - (a + len)));
	if (madvise(a, len, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE))
		bench_die("madvise");
	return a;
}

int bench_open(uint64_t feature, const char *op)
{
	struct vmxfer_info info;
	int vfd = vmxfer_open();

	if (vfd < 0)
		bench_die("vmxfer_open");
	if (vmxfer_info(vfd, &info))
		bench_die("vmxfer_info");
	if (!(info.features & feature)) {
		fprintf(stderr, "bench: %s is not available on this kernel\n", op);
		exit(1);
	}
	return vfd;
}
