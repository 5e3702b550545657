/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the benchmarks in bench/. */
#ifndef VMXFER_BENCHLIB_H
#define VMXFER_BENCHLIB_H

#include <stddef.h>
#include <stdint.h>

#define BENCH_MAXSIZES	16

void bench_die(const char *what) __attribute__((noreturn));
double bench_now(void);				/* CLOCK_MONOTONIC, seconds */
double bench_median(double *v, int n);		/* sorts v */

/*
 * Arguments common to the benchmarks: "-r REPS", an optional boolean flag
 * (@flag, e.g. "-n", setting *@flag_set), and sizes in MiB (default 1, 16,
 * 256).  Returns 0, or prints a usage line and returns -1.
 */
int bench_args(int argc, char **argv, const char *flag, int *flag_set,
	       int *reps, int maxreps, size_t *sizes, size_t *nsizes);

/*
 * @len bytes of private anonymous memory, not yet touched: @thp ? 2 MiB-
 * aligned with MADV_HUGEPAGE : MADV_NOHUGEPAGE.  MAP_FAILED if mmap fails.
 */
char *bench_map(size_t len, int thp);

/* /dev/vmxfer, with the operation @feature available; exits otherwise. */
int bench_open(uint64_t feature, const char *op);

#endif
