// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmxfer-gcore-target: the process "vmxfer-ctl gcore" dumps in the tests
 * (tests/gcore/), the benchmark (bench/run-gcore.sh) and the demo.
 *
 *   vmxfer-gcore-target LOGDIR          the test target, see below
 *   vmxfer-gcore-target --mem MIB [--thp]   a target of MIB MiB of written
 *                                       anonymous memory, idle (bench)
 *   vmxfer-gcore-target --window LOG A B    summary of a counter log around
 *                                       the stop [A, B] (ns, CLOCK_MONOTONIC)
 *   vmxfer-gcore-target --trace PID     ptrace-seize PID and sleep (the
 *                                       "already traced" case)
 *
 * The test target: three threads.  worker_a and worker_b increment their
 * counters for ever (worker_b naps every 16); after each increment they
 * append {value, time} to LOGDIR/log.a / log.b (the side channel: only a
 * running thread writes it, so the log shows which values existed before
 * and after a stop).
 * worker_a also stores its value in the memfd first.  main waits in
 * main_wait().  Known data: heap_buf, thp_buf (a 2 MiB THP), swap_buf
 * (paged out with MADV_PAGEOUT), memfd_buf (a shared memfd); word 0 of page
 * i of region r is GC_WORD(r, i), the rest of the page is the byte r.
 * Prints "ready PID thp_kb=N swap_kb=N" when set up.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#define PAGE		4096UL
#define GC_WORD(r, i)	(0x6763000000000000ULL | ((uint64_t)(r) << 32) | (uint64_t)(i))
#define HEAP_LEN	(256UL << 10)
#define THP_LEN		(2UL << 20)
#define SWAP_LEN	(1UL << 20)
#define MEMFD_LEN	(64UL << 10)

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT	21
#endif

struct rec {
	uint64_t value, ns;
};

volatile uint64_t counter_a, counter_b;
uint64_t *heap_buf, *thp_buf, *swap_buf;
volatile uint64_t *memfd_buf;
const char gcore_marker[] = "vmxfer-gcore-target marker";
static int log_a = -1, log_b = -1;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void fill(void *p, size_t len, unsigned int region)
{
	for (size_t i = 0; i < len / PAGE; i++) {
		uint64_t *w = (uint64_t *)((char *)p + i * PAGE);

		memset(w, (int)region, PAGE);
		w[0] = GC_WORD(region, i);
	}
}

static void put_rec(int fd, uint64_t v)
{
	struct rec r = { v, now_ns() };

	if (write(fd, &r, sizeof(r)) != sizeof(r))
		_exit(3);
}

__attribute__((noinline)) static void step_a(void)
{
	uint64_t v = counter_a + 1;

	memfd_buf[0] = v;
	counter_a = v;
	put_rec(log_a, v);
}

__attribute__((noinline)) static void *worker_a(void *arg)
{
	(void)arg;
	for (;;) {
		step_a();
		usleep(100);
	}
	return NULL;
}

__attribute__((noinline)) static void *worker_b(void *arg)
{
	(void)arg;
	for (;;) {
		uint64_t v = counter_b + 1;

		counter_b = v;
		put_rec(log_b, v);
		/* A short nap: a thread spinning for ever would halve the speed of
		 * everything else in a TCG guest. */
		if (!(v % 16))
			usleep(10);
	}
	return NULL;
}

__attribute__((noinline)) static void main_wait(void)
{
	for (;;)
		pause();
}

static long smaps_kb(void *addr, const char *key)
{
	char line[512];
	unsigned long s, e;
	char perms[8];
	long kb = -1, v;
	int in = 0;
	FILE *f = fopen("/proc/self/smaps", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %7s", &s, &e, perms) == 3) {
			in = (uintptr_t)addr >= s && (uintptr_t)addr < e;
			continue;
		}
		if (in && !strncmp(line, key, strlen(key)) &&
		    sscanf(line + strlen(key), ": %ld kB", &v) == 1)
			kb = v;
	}
	fclose(f);
	return kb;
}

static void *map_aligned(size_t len, size_t align)
{
	char *p = mmap(NULL, len + align, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uintptr_t a;

	if (p == MAP_FAILED)
		return NULL;
	a = ((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1);
	if (a > (uintptr_t)p)
		munmap(p, a - (uintptr_t)p);
	munmap((void *)(a + len), (uintptr_t)p + len + align - (a + len));
	return (void *)a;
}

static int open_log(const char *dir, const char *name)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		perror(path);
		exit(1);
	}
	return fd;
}

static int test_target(const char *dir)
{
	pthread_attr_t at;
	pthread_t a, b;
	int mfd;
	long thp_kb, swap_kb = 0;

	log_a = open_log(dir, "log.a");
	log_b = open_log(dir, "log.b");
	heap_buf = malloc(HEAP_LEN);
	thp_buf = map_aligned(THP_LEN, THP_LEN);
	swap_buf = map_aligned(SWAP_LEN, PAGE);
	mfd = memfd_create("gcore-test", MFD_CLOEXEC);
	if (!heap_buf || !thp_buf || !swap_buf || mfd < 0 || ftruncate(mfd, MEMFD_LEN)) {
		perror("setup");
		return 1;
	}
	memfd_buf = mmap(NULL, MEMFD_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	if (memfd_buf == MAP_FAILED) {
		perror("mmap memfd");
		return 1;
	}
	madvise(thp_buf, THP_LEN, MADV_HUGEPAGE);
	fill(heap_buf, HEAP_LEN, 1);
	fill(thp_buf, THP_LEN, 2);
	fill(swap_buf, SWAP_LEN, 3);
	fill((void *)memfd_buf, MEMFD_LEN, 4);
	/* Paged out: swap entries when gcore clones (retried: reclaim may
	 * skip pages on a busy system). */
	for (int i = 0; i < 20; i++) {
		if (madvise(swap_buf, SWAP_LEN, MADV_PAGEOUT))
			break;
		swap_kb = smaps_kb(swap_buf, "Swap");
		if (swap_kb >= (long)(SWAP_LEN >> 10) / 2)
			break;
		usleep(50000);
	}
	thp_kb = smaps_kb(thp_buf, "AnonHugePages");
	pthread_attr_init(&at);
	pthread_attr_setstacksize(&at, 64 << 10);
	if (pthread_create(&a, &at, worker_a, NULL) || pthread_create(&b, &at, worker_b, NULL)) {
		perror("pthread_create");
		return 1;
	}
	printf("ready %d thp_kb=%ld swap_kb=%ld heap=%p thp=%p swap=%p memfd=%p\n",
	       (int)getpid(), thp_kb, swap_kb, (void *)heap_buf, (void *)thp_buf,
	       (void *)swap_buf, (void *)memfd_buf);
	fflush(stdout);
	main_wait();
	return 0;
}

/* Idle target of @mib MiB written anonymous memory (4 KiB pages, or THP). */
static int mem_target(unsigned long mib, int thp)
{
	size_t len = mib << 20;
	char *p = map_aligned(len, THP_LEN);

	if (!p) {
		perror("mmap");
		return 1;
	}
	madvise(p, len, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	for (size_t i = 0; i < len; i += PAGE)
		p[i] = (char)(i >> 12 | 1);
	printf("ready %d thp_kb=%ld\n", (int)getpid(), smaps_kb(p, "AnonHugePages"));
	fflush(stdout);
	main_wait();
	return 0;
}

/* "L F N": the last value logged before A, the first after B, and how
 * many records lie in [A, B] (a stopped process writes none). */
static int window(const char *path, uint64_t a, uint64_t b)
{
	struct rec r;
	uint64_t last = 0, first = 0, inside = 0;
	FILE *f = fopen(path, "re");

	if (!f) {
		perror(path);
		return 1;
	}
	while (fread(&r, sizeof(r), 1, f) == 1) {
		if (r.ns < a)
			last = r.value;
		else if (r.ns <= b)
			inside++;
		else if (!first)
			first = r.value;
	}
	fclose(f);
	printf("%" PRIu64 " %" PRIu64 " %" PRIu64 "\n", last, first, inside);
	return 0;
}

static int trace(pid_t pid)
{
	if (ptrace(PTRACE_SEIZE, pid, 0, 0)) {
		perror("PTRACE_SEIZE");
		return 1;
	}
	printf("tracing %d\n", (int)pid);
	fflush(stdout);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	if (argc == 2 && argv[1][0] != '-')
		return test_target(argv[1]);
	if (argc >= 3 && !strcmp(argv[1], "--mem"))
		return mem_target(strtoul(argv[2], NULL, 10),
				  argc > 3 && !strcmp(argv[3], "--thp"));
	if (argc == 5 && !strcmp(argv[1], "--window"))
		return window(argv[2], strtoull(argv[3], NULL, 10), strtoull(argv[4], NULL, 10));
	if (argc == 3 && !strcmp(argv[1], "--trace"))
		return trace((pid_t)atoi(argv[2]));
	fprintf(stderr, "usage: %s LOGDIR | --mem MIB [--thp] | --window LOG A B | "
		"--trace PID\n", argv[0]);
	return 2;
}
