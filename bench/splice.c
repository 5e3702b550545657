// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench/splice [-r REPS] [-n] [SIZE_MiB...] - how much faster is reading another
 * process's memory through VMXFER_IOC_SPLICE than through process_vm_readv?
 * Runs in the guest (bench/run-splice.sh), as root, with vmxfer loaded.
 *
 * For each size (default 1 16 256 MiB) a child maps and fills that much
 * anonymous memory (transparent huge pages as the kernel's default, or off
 * with -n), then, REPS times each (default 5), in rotation:
 *   (a) vmxfer_splice() into a 1 MiB pipe + splice(2) into a file on tmpfs
 *   (b) the same into /dev/null
 *   (c) process_vm_readv() into a 1 MiB buffer + write(2) to the same file
 *   (d) the same into /dev/null
 * and prints the ratios of median throughputs, a/c (file) and b/d
 * (/dev/null): above 1 means the vmxfer path is faster.  Absolute times
 * are printed as context only: under TCG they mean little.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <vmxfer.h>

#include "benchlib.h"

#define CHUNK	(1UL << 20)
#define MAXREPS	31

enum { A_SPLICE_FILE, B_SPLICE_NULL, C_READV_FILE, D_READV_NULL, NMETH };
static const char *const meth_name[NMETH] = {
	"vmxfer_splice+splice -> tmpfs file", "vmxfer_splice+splice -> /dev/null",
	"process_vm_readv+write -> tmpfs file", "process_vm_readv+write -> /dev/null",
};

static int vfd, no_thp;
static size_t pipe_size;
static char *buf;

/* A child with len bytes of filled memory; its address comes back. */
static pid_t spawn(size_t len, char **addr)
{
	int p[2];
	pid_t pid;

	if (pipe(p))
		bench_die("pipe");
	pid = fork();
	if (pid < 0)
		bench_die("fork");
	if (pid == 0) {
		char *m;

		if (no_thp && prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0))
			_exit(1);
		m = mmap(NULL, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED)
			_exit(1);
		for (size_t i = 0; i < len; i += 64)
			memset(m + i, (int)(i >> 12) | 1, 64);
		close(p[0]);
		if (write(p[1], &m, sizeof(m)) != sizeof(m))
			_exit(1);
		for (;;)
			pause();	/* until SIGKILL */
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], addr, sizeof(*addr)) != sizeof(*addr))
		bench_die("child setup");
	close(p[0]);
	return pid;
}

static void out_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n <= 0)
			bench_die("write");
		p += n;
		len -= (size_t)n;
	}
}

static void via_splice(int pidfd, int pfd[2], char *addr, size_t len, int out)
{
	size_t done = 0;

	while (done < len) {
		struct iovec iov = { addr + done, len - done < pipe_size ?
					       len - done : pipe_size };
		ssize_t n = vmxfer_splice(vfd, pidfd, pfd[1], &iov, 1, 0), m;

		if (n <= 0)
			bench_die("vmxfer_splice");
		done += (size_t)n;
		while (n > 0) {
			m = splice(pfd[0], NULL, out, NULL, (size_t)n, SPLICE_F_MOVE);
			if (m <= 0)
				bench_die("splice");
			n -= m;
		}
	}
}

static void via_readv(pid_t pid, char *addr, size_t len, int out)
{
	for (size_t done = 0; done < len;) {
		size_t want = len - done < CHUNK ? len - done : CHUNK;
		struct iovec l = { buf, want }, r = { addr + done, want };
		ssize_t n = process_vm_readv(pid, &l, 1, &r, 1, 0);

		if (n <= 0)
			bench_die("process_vm_readv");
		out_all(out, buf, (size_t)n);
		done += (size_t)n;
	}
}

static int open_out(int meth)
{
	int fd;

	if (meth == B_SPLICE_NULL || meth == D_READV_NULL)
		fd = open("/dev/null", O_WRONLY);
	else
		fd = open("/tmp/bench-splice.out", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		bench_die("open output");
	return fd;
}

int main(int argc, char **argv)
{
	size_t sizes[BENCH_MAXSIZES], nsizes = 0;
	double res[16][NMETH];
	struct vmxfer_info info;
	int reps = 5, pfd[2];

	if (bench_args(argc, argv, "-n", &no_thp, &reps, MAXREPS, sizes, &nsizes))
		return 2;

	vfd = bench_open(VMXFER_FEAT_SPLICE, "splice");
	if (vmxfer_info(vfd, &info))
		bench_die("vmxfer_info");
	if (pipe(pfd))
		bench_die("pipe");
	if (fcntl(pfd[1], F_SETPIPE_SZ, (int)CHUNK) < 0)
		bench_die("F_SETPIPE_SZ");
	pipe_size = (size_t)fcntl(pfd[1], F_GETPIPE_SZ);
	buf = malloc(CHUNK);
	if (!buf)
		bench_die("malloc");
	memset(buf, 1, CHUNK);

	printf("kernel %s, THP %s, pipe %zu KiB, readv buffer %lu KiB, %d runs each, "
	       "median\n", info.kernel_release, no_thp ? "off" : "default", pipe_size >> 10,
	       CHUNK >> 10, reps);
	for (size_t s = 0; s < nsizes; s++) {
		size_t len = sizes[s] << 20;
		double t[NMETH][MAXREPS];
		char *addr;
		pid_t pid = spawn(len, &addr);
		int pidfd;

		pidfd = vmxfer_pidfd_open(pid);
		if (pidfd < 0)
			bench_die("pidfd_open");
		/* One untimed round of each: fault-in, caches, file allocation. */
		for (int r = -1; r < reps; r++) {
			for (int m = 0; m < NMETH; m++) {
				int out = open_out(m);
				double t0 = bench_now();

				if (m == A_SPLICE_FILE || m == B_SPLICE_NULL)
					via_splice(pidfd, pfd, addr, len, out);
				else
					via_readv(pid, addr, len, out);
				if (r >= 0)
					t[m][r] = bench_now() - t0;
				if (m == A_SPLICE_FILE || m == C_READV_FILE) {
					struct stat st;

					if (fstat(out, &st) || (size_t)st.st_size != len) {
						fprintf(stderr, "bench: wrong output size\n");
						return 1;
					}
				}
				close(out);
				unlink("/tmp/bench-splice.out");
			}
		}
		for (int m = 0; m < NMETH; m++)
			res[s][m] = len / bench_median(t[m], reps) / 1048576.0;	/* MiB/s */
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		close(pidfd);
		fprintf(stderr, "bench: %zu MiB done\n", sizes[s]);
	}

	printf("\nthroughput ratio, vmxfer path / process_vm_readv path (>1: vmxfer faster)\n");
	printf("%8s  %14s  %14s\n", "size", "to tmpfs file", "to /dev/null");
	for (size_t s = 0; s < nsizes; s++)
		printf("%5zu MiB  %13.2fx  %13.2fx\n", sizes[s],
		       res[s][A_SPLICE_FILE] / res[s][C_READV_FILE],
		       res[s][B_SPLICE_NULL] / res[s][D_READV_NULL]);
	printf("\ncontext only (median MiB/s under this VM):\n");
	for (int m = 0; m < NMETH; m++) {
		printf("  %-38s", meth_name[m]);
		for (size_t s = 0; s < nsizes; s++)
			printf(" %5zu MiB: %7.0f", sizes[s], res[s][m]);
		printf("\n");
	}
	return 0;
}
