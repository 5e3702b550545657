// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench/clone [-r REPS] [SIZE_MiB...] - how fast does VMXFER_IOC_CLONE give
 * a process another process's data, against process_vm_readv(2) and
 * against what fork(2) pays for the same range?  Runs in the guest
 * (bench/run-clone.sh), as root, with vmxfer loaded.
 *
 * For each page kind (4 KiB pages: MADV_NOHUGEPAGE; THP: 2 MiB-aligned,
 * MADV_HUGEPAGE) and each size (default 1 16 256 MiB) a child maps and
 * fills that much anonymous memory (AnonHugePages of its smaps_rollup is
 * reported), then, REPS times each (default 9) after one untimed round,
 * (b) before (a):
 *   (a) vmxfer_clone() of the whole range; only the call is timed, the
 *       clone is checked (a few bytes) and munmap'd afterwards;
 *   (b) process_vm_readv() of the whole range into a buffer mmap'd fresh
 *       (same page kind) each time, so the copy pays its page faults;
 *   (c) fork() in the target, timed there: with the range, and without it
 *       (the same process with the range MADV_DONTFORK), alternately,
 *       FORK_REPS (51) times each; the fork child _exits at once.  fork's
 *       incremental cost for the range is median(with) - median(without).
 * Prints the ratios readv/clone and clone/fork-incremental of the medians;
 * absolute times only as context.  Then, per kind at the largest size,
 * the caller's growth after cloning without touching: VmRSS, RssAnon and
 * VmPTE (/proc/self/status), PageTables and MemAvailable (/proc/meminfo,
 * after vm.stat_refresh), as a percentage of the range.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <vmxfer.h>

#include "benchlib.h"

#define MAXREPS	31
#define FORK_REPS	51	/* fork timings are noisy: more of them */

enum { KIND_4K, KIND_THP, NKIND };
static const char *const kind_name[NKIND] = { "4 KiB", "THP" };

static int vfd;

static unsigned char pattern(size_t off)
{
	return (unsigned char)((off >> 12) * 7 + (off & 0xfff) * 13 + 1);
}

/* A field of a /proc file ("Key:  N kB"), in kB; -1 if absent. */
static long proc_kb(const char *path, const char *key)
{
	char line[256];
	size_t kl = strlen(key);
	long v = -1;
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && line[kl] == ':') {
			v = strtol(line + kl + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

struct target {
	pid_t pid;
	int pidfd, cmd, ack;
	char *addr;
	size_t len;
};

static void xwrite(int fd, const void *p, size_t n)
{
	if (write(fd, p, n) != (ssize_t)n)
		_exit(3);
}

static void xread(int fd, void *p, size_t n)
{
	size_t done = 0;

	while (done < n) {
		ssize_t r = read(fd, (char *)p + done, n - done);

		if (r <= 0)
			_exit(3);
		done += (size_t)r;
	}
}

/* In the target: time fork() reps times with the range and reps times
 * without it (MADV_DONTFORK), alternately, after one untimed pair. */
static void target_forks(char *a, size_t len, int reps, int ack)
{
	double t[2][FORK_REPS];

	for (int r = -1; r < reps; r++) {
		for (int with = 1; with >= 0; with--) {
			double t0;
			pid_t p;

			if (madvise(a, len, with ? MADV_DOFORK : MADV_DONTFORK))
				_exit(4);
			t0 = bench_now();
			p = fork();
			if (p == 0)
				_exit(0);
			if (r >= 0)
				t[with][r] = bench_now() - t0;
			if (p < 0 || waitpid(p, NULL, 0) != p)
				_exit(5);
		}
	}
	if (madvise(a, len, MADV_DOFORK))
		_exit(4);
	for (int with = 0; with < 2; with++) {
		double m = bench_median(t[with], reps);

		xwrite(ack, &m, sizeof(m));
	}
}

static void spawn(struct target *t, size_t len, int kind)
{
	int c[2], k[2];

	if (pipe(c) || pipe(k))
		bench_die("pipe");
	t->len = len;
	t->pid = fork();
	if (t->pid < 0)
		bench_die("fork");
	if (t->pid == 0) {
		char *a = bench_map(len, kind == KIND_THP), op;
		int reps;

		close(c[1]);
		close(k[0]);
		if (a == MAP_FAILED)
			_exit(2);
		for (size_t i = 0; i < len; i++)
			a[i] = (char)pattern(i);
		xwrite(k[1], &a, sizeof(a));
		for (;;) {
			xread(c[0], &op, 1);
			if (op == 'q')
				_exit(0);
			xread(c[0], &reps, sizeof(reps));
			target_forks(a, len, reps, k[1]);
		}
	}
	close(c[0]);
	close(k[1]);
	t->cmd = c[1];
	t->ack = k[0];
	xread(t->ack, &t->addr, sizeof(t->addr));
	t->pidfd = vmxfer_pidfd_open(t->pid);
	if (t->pidfd < 0)
		bench_die("pidfd_open");
}

static void stop(struct target *t)
{
	xwrite(t->cmd, "q", 1);
	waitpid(t->pid, NULL, 0);
	close(t->cmd);
	close(t->ack);
	close(t->pidfd);
}

static void check(const char *p, size_t len, const char *what)
{
	static const size_t offs[] = { 0, 4095, 4096, 12345, 1UL << 20 };

	for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++)
		if (offs[i] < len && (unsigned char)p[offs[i]] != pattern(offs[i])) {
			fprintf(stderr, "bench: %s: wrong byte at %zu\n", what, offs[i]);
			exit(1);
		}
	if ((unsigned char)p[len - 1] != pattern(len - 1)) {
		fprintf(stderr, "bench: %s: wrong last byte\n", what);
		exit(1);
	}
}

static double time_clone(struct target *t)
{
	double t0 = bench_now(), dt;
	char *c = vmxfer_clone(vfd, t->pidfd, t->addr, t->len, NULL, 0);

	dt = bench_now() - t0;
	if (c == MAP_FAILED)
		bench_die("vmxfer_clone");
	check(c, t->len, "clone");
	if (munmap(c, t->len))
		bench_die("munmap");
	return dt;
}

static double time_readv(struct target *t, int kind)
{
	char *b = bench_map(t->len, kind == KIND_THP);
	size_t done = 0;
	double t0, dt;

	if (b == MAP_FAILED)
		bench_die("mmap");
	t0 = bench_now();
	while (done < t->len) {
		struct iovec l = { b + done, t->len - done },
			     r = { t->addr + done, t->len - done };
		ssize_t n = process_vm_readv(t->pid, &l, 1, &r, 1, 0);

		if (n <= 0)
			bench_die("process_vm_readv");
		done += (size_t)n;
	}
	dt = bench_now() - t0;
	check(b, t->len, "process_vm_readv");
	munmap(b, t->len);
	return dt;
}

struct mem {
	long rss, anon, pte, pt, avail;
};

/* /proc/meminfo lags behind per-CPU counter deltas: fold them first. */
static void stat_refresh(void)
{
	FILE *f = fopen("/proc/sys/vm/stat_refresh", "we");

	if (f) {
		fputs("1\n", f);
		fclose(f);
	}
}

static void mem_now(struct mem *m)
{
	stat_refresh();
	m->pte = proc_kb("/proc/self/status", "VmPTE");
	m->rss = proc_kb("/proc/self/status", "VmRSS");
	m->anon = proc_kb("/proc/self/status", "RssAnon");
	m->pt = proc_kb("/proc/meminfo", "PageTables");
	m->avail = proc_kb("/proc/meminfo", "MemAvailable");
}

struct result {
	double clone, readv, fork_with, fork_without;
	long thp_kb;
	struct mem grow;	/* caller after one untouched clone */
	long clone_thp_kb;	/* AnonHugePages of the caller with the clone */
};

static void measure(size_t len, int kind, int reps, struct result *res)
{
	double tc[MAXREPS], tr[MAXREPS], m;
	struct target t;
	struct mem m0, m1;
	char path[64], *c;

	spawn(&t, len, kind);
	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)t.pid);
	res->thp_kb = proc_kb(path, "AnonHugePages");
	/* process_vm_readv first: it pins the target's pages, and pinning an
	 * anonymous page no longer exclusive to the target (as after a clone,
	 * even one unmapped since) costs an "unshare" fault first. */
	for (int r = -1; r < reps; r++) {
		double b = time_readv(&t, kind);

		if (r >= 0)
			tr[r] = b;
	}
	for (int r = -1; r < reps; r++) {
		double a = time_clone(&t);

		if (r >= 0)
			tc[r] = a;
	}
	res->clone = bench_median(tc, reps);
	res->readv = bench_median(tr, reps);

	/* The caller's growth after one clone, untouched. */
	mem_now(&m0);
	m = proc_kb("/proc/self/smaps_rollup", "AnonHugePages");
	c = vmxfer_clone(vfd, t.pidfd, t.addr, len, NULL, 0);
	if (c == MAP_FAILED)
		bench_die("vmxfer_clone");
	mem_now(&m1);
	res->clone_thp_kb = proc_kb("/proc/self/smaps_rollup", "AnonHugePages") - (long)m;
	res->grow = (struct mem){ m1.rss - m0.rss, m1.anon - m0.anon, m1.pte - m0.pte,
				  m1.pt - m0.pt,
				  m0.avail - m1.avail };
	munmap(c, len);

	/* fork in the target, last: it makes the target's pages COW-shared. */
	xwrite(t.cmd, "F", 1);
	xwrite(t.cmd, &(int){ FORK_REPS }, sizeof(int));
	xread(t.ack, &res->fork_without, sizeof(double));
	xread(t.ack, &res->fork_with, sizeof(double));
	stop(&t);
}

static void print_ms(const char *label, double s)
{
	printf(" %s %9.3f", label, s * 1e3);
}

int main(int argc, char **argv)
{
	static struct result res[NKIND][16];
	size_t sizes[BENCH_MAXSIZES], nsizes = 0;
	struct vmxfer_info info;
	int reps = 9;

	if (bench_args(argc, argv, NULL, NULL, &reps, MAXREPS, sizes, &nsizes))
		return 2;

	vfd = bench_open(VMXFER_FEAT_CLONE, "clone");
	if (vmxfer_info(vfd, &info))
		bench_die("vmxfer_info");
	printf("kernel %s, %d runs each after 1 untimed, median\n",
	       info.kernel_release, reps);
	for (int k = 0; k < NKIND; k++)
		for (size_t s = 0; s < nsizes; s++) {
			measure(sizes[s] << 20, k, reps, &res[k][s]);
			fprintf(stderr, "bench: %s %zu MiB done\n", kind_name[k], sizes[s]);
		}

	printf("\n%-6s %8s  %10s  %18s  %s\n", "pages", "size", "readv/clone",
	       "clone/fork-incr", "target THP (AnonHugePages)");
	for (int k = 0; k < NKIND; k++)
		for (size_t s = 0; s < nsizes; s++) {
			struct result *r = &res[k][s];
			double inc = r->fork_with - r->fork_without;
			long want = (long)(sizes[s] << 10);
			char fk[32];

			if (inc > 0)
				snprintf(fk, sizeof(fk), "%.2fx", r->clone / inc);
			else
				snprintf(fk, sizeof(fk), "n/a (incr <= 0)");
			printf("%-6s %4zu MiB  %10.1fx  %18s  ", kind_name[k], sizes[s],
			       r->readv / r->clone, fk);
			if (k == KIND_THP)
				printf("%ld/%ld kB%s\n", r->thp_kb, want,
				       r->thp_kb < want ? "  THP NOT (fully) OBTAINED" : "");
			else
				printf("%ld kB\n", r->thp_kb);
		}

	printf("\ncontext only (median ms under this VM):\n");
	for (int k = 0; k < NKIND; k++)
		for (size_t s = 0; s < nsizes; s++) {
			struct result *r = &res[k][s];

			printf("  %-5s %4zu MiB:", kind_name[k], sizes[s]);
			print_ms("clone", r->clone);
			print_ms("readv", r->readv);
			print_ms("fork-with", r->fork_with);
			print_ms("fork-without", r->fork_without);
			printf("\n");
		}

	printf("\ncaller's growth after one untouched clone of %zu MiB "
	       "(%% of the range):\n", sizes[nsizes - 1]);
	for (int k = 0; k < NKIND; k++) {
		struct result *r = &res[k][nsizes - 1];
		double kb = (double)(sizes[nsizes - 1] << 10);

		printf("  %-5s VmRSS %+.2f%%  RssAnon %+.2f%%  VmPTE %+.3f%%  "
		       "PageTables %+.3f%%  MemAvailable drop %+.2f%%  "
		       "(clone AnonHugePages %ld kB)\n",
		       kind_name[k], 100.0 * r->grow.rss / kb, 100.0 * r->grow.anon / kb,
		       100.0 * r->grow.pte / kb, 100.0 * r->grow.pt / kb,
		       100.0 * r->grow.avail / kb,
		       r->clone_thp_kb);
	}
	printf("  (VmRSS/RssAnon count the pages mapped, shared ones included, as\n"
	       "   for a fork child; VmPTE (this process's page tables), PageTables\n"
	       "   and MemAvailable (system-wide, after vm.stat_refresh) are the\n"
	       "   memory really used)\n");
	return 0;
}
