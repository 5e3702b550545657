// SPDX-License-Identifier: GPL-2.0-only
/*
 * Postcopy demand paging with vmxfer_move (see postcopy.h).
 *
 * A (the source, a forked child) holds the memory and answers requests
 * "send the chunk at offset X" on a socket.  B (the caller) maps an empty
 * range, registers it with userfaultfd for MISSING faults and lets worker
 * threads touch it; a handler thread reads each fault, asks A for the
 * chunk, receives it into a staging buffer and moves the staging pages
 * into place with vmxfer_move_uffd(), which also wakes the faulting
 * threads.  The received pages themselves end up mapped (their PFNs are
 * compared when /proc/self/pagemap shows them): zero copies after recv.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "vmxfer.h"
#include "postcopy.h"

#define PC_PAGE 4096UL

struct pc {
	int vfd, uffd, sock, stop[2];
	char *mem, *staging;
	size_t len, chunk;
	int thp;
	char *mem_raw;
	unsigned char *served;		/* per chunk, handler only */
	struct pc_result *r;
	char *err;
	size_t errlen;
	int failed;
};

static void pc_fail(struct pc *pc, const char *fmt, ...)
{
	va_list ap;

	if (pc->failed++)
		return;
	va_start(ap, fmt);
	vsnprintf(pc->err, pc->errlen, fmt, ap);
	va_end(ap);
}

/* What page @i of the source holds: its number, then a fill byte. */
static unsigned char pc_fill(size_t i)
{
	return (unsigned char)(i * 7 + 3);
}

static void pc_write_page(char *p, size_t i)
{
	memset(p, pc_fill(i), PC_PAGE);
	memcpy(p, &i, sizeof(i));
}

static int pc_page_ok(const volatile char *p, size_t i)
{
	size_t got;

	memcpy(&got, (const char *)p, sizeof(got));
	return got == i && (unsigned char)p[sizeof(got)] == pc_fill(i) &&
	       (unsigned char)p[PC_PAGE - 1] == pc_fill(i);
}

/* --- A: the source ------------------------------------------------------- */

static int pc_full_write(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static __attribute__((noreturn)) void pc_source(int sock, size_t len,
						size_t chunk)
{
	char *mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t off;

	if (mem == MAP_FAILED)
		_exit(2);
	for (size_t i = 0; i < len / PC_PAGE; i++)
		pc_write_page(mem + i * PC_PAGE, i);
	while (read(sock, &off, sizeof(off)) == (ssize_t)sizeof(off)) {
		if (off > len - chunk || pc_full_write(sock, mem + off, chunk))
			_exit(3);
	}
	_exit(0);
}

/* --- B: the handler ------------------------------------------------------ */

/* The PFN mapped at @addr, 0 if unknown (not root, or not present). */
static uint64_t pc_pfn(const void *addr)
{
	uint64_t e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	if (pread(fd, &e, sizeof(e), (off_t)((uintptr_t)addr / PC_PAGE *
					      sizeof(e))) != (ssize_t)sizeof(e))
		e = 0;
	close(fd);
	return (e >> 63) & 1 ? e & ((1ULL << 55) - 1) : 0;
}

static int pc_wake(struct pc *pc, size_t off)
{
	struct uffdio_range range = {
		.start = (uintptr_t)(pc->mem + off), .len = pc->chunk,
	};

	return ioctl(pc->uffd, UFFDIO_WAKE, &range);
}

/* Fetch chunk @c from A and move it into place. */
static int pc_serve(struct pc *pc, size_t c)
{
	size_t off = c * pc->chunk, got = 0;
	uint64_t req = off, pfn;
	ssize_t n;

	if (pc->served[c])	/* a fault queued before we moved it */
		return pc_wake(pc, off);
	if (write(pc->sock, &req, sizeof(req)) != (ssize_t)sizeof(req))
		return -1;
	while (got < pc->chunk) {
		n = recv(pc->sock, pc->staging + got, pc->chunk - got, 0);
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	pfn = pc_pfn(pc->staging);
	n = vmxfer_move_uffd(pc->vfd, pc->uffd, pc->mem + off, pc->staging,
			     pc->chunk, 0);
	if (n != (ssize_t)pc->chunk) {
		pc_fail(pc, "vmxfer_move_uffd at +%#zx: %zd (%s)", off, n,
			strerror(errno));
		return -1;
	}
	if (pfn && pc_pfn(pc->mem + off) == pfn)
		pc->r->zero_copy++;
	pc->served[c] = 1;
	pc->r->chunks++;
	return 0;
}

static void *pc_handler(void *arg)
{
	struct pc *pc = arg;
	struct pollfd fds[2] = {
		{ .fd = pc->uffd, .events = POLLIN },
		{ .fd = pc->stop[0], .events = POLLIN },
	};
	struct uffd_msg msg;

	for (;;) {
		if (poll(fds, 2, -1) < 0 && errno != EINTR)
			break;
		if (fds[1].revents)
			break;
		if (read(pc->uffd, &msg, sizeof(msg)) != (ssize_t)sizeof(msg))
			continue;	/* EAGAIN: another wake-up */
		if (msg.event != UFFD_EVENT_PAGEFAULT)
			continue;
		pc->r->faults++;
		if (pc_serve(pc, (size_t)((char *)(uintptr_t)msg.arg.pagefault.address -
					  pc->mem) / pc->chunk)) {
			pc_fail(pc, "serving a fault failed: %s", strerror(errno));
			/* Unregistered: the workers fault zeros, not forever. */
			close(pc->uffd);
			pc->uffd = -1;
			break;
		}
	}
	return NULL;
}

/* --- B: the workers ------------------------------------------------------ */

struct pc_worker {
	struct pc *pc;
	unsigned int seed;
	unsigned long touched, bad;
};

static void *pc_work(void *arg)
{
	struct pc_worker *w = arg;
	size_t n = w->pc->len / PC_PAGE, *order = malloc(n * sizeof(*order));

	if (!order)
		return NULL;
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	for (size_t i = n - 1; i > 0; i--) {	/* Fisher-Yates */
		size_t j = (size_t)rand_r(&w->seed) % (i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (size_t k = 0; k < n; k++) {
		size_t i = order[k];

		if (!pc_page_ok(w->pc->mem + i * PC_PAGE, i))
			w->bad++;
		w->touched++;
	}
	free(order);
	return NULL;
}

static double pc_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* @len bytes, 2 MiB-aligned and THP-enabled with pc->thp; *raw to unmap. */
static char *pc_map(struct pc *pc, size_t len, char **raw)
{
	size_t align = pc->thp ? 2UL << 20 : PC_PAGE;
	char *p;

	*raw = mmap(NULL, len + align, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (*raw == MAP_FAILED)
		return MAP_FAILED;
	p = (char *)(((uintptr_t)*raw + align - 1) & ~(uintptr_t)(align - 1));
	madvise(p, len, pc->thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	return p;
}

/*
 * Map B's range and staging buffer, register the range with userfaultfd,
 * and link the range to the staging buffer's anon_vma with a first move
 * of nothing (a hole): on 5.10 and 6.1 a page can only move into a mapping
 * linked to its anon_vma, and a fault there (a THP fault, or a write)
 * would give a never-faulted range an anon_vma of its own before the
 * handler sees it.
 */
static int pc_setup(struct pc *pc)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };

	/*
	 * One mapping, split by the registration: the staging buffer is its
	 * tail, so both parts share one anon_vma whatever a neighbour gave
	 * the mapping when it was made (5.10/6.1 need that, see above).
	 */
	pc->mem = pc_map(pc, pc->len + pc->chunk, &pc->mem_raw);
	pc->staging = pc->mem + pc->len;
	pc->served = calloc(pc->len / pc->chunk, 1);
	if (pc->mem == MAP_FAILED || !pc->served) {
		pc_fail(pc, "mmap: %s", strerror(errno));
		return -1;
	}
	pc->uffd = (int)syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	reg.range.start = (uintptr_t)pc->mem;
	reg.range.len = pc->len;
	if (pc->uffd < 0 || ioctl(pc->uffd, UFFDIO_API, &api) ||
	    ioctl(pc->uffd, UFFDIO_REGISTER, &reg)) {
		pc_fail(pc, "userfaultfd: %s", strerror(errno));
		return -1;
	}
	pc->staging[0] = 1;	/* gives it an anon_vma */
	madvise(pc->staging, PC_PAGE, MADV_DONTNEED);
	if (vmxfer_move(pc->vfd, pc->mem, pc->staging, PC_PAGE,
			VMXFER_MOVE_ALLOW_SRC_HOLES) != (ssize_t)PC_PAGE) {
		pc_fail(pc, "linking the range: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static void pc_teardown(struct pc *pc)
{
	size_t align = pc->thp ? 2UL << 20 : PC_PAGE;

	if (pc->uffd >= 0)
		close(pc->uffd);
	if (pc->mem_raw && pc->mem_raw != MAP_FAILED)
		munmap(pc->mem_raw, pc->len + pc->chunk + align);
	free(pc->served);
}

int pc_run(int vfd, size_t len, size_t chunk, int workers, int thp,
	   struct pc_result *r, char *err, size_t errlen)
{
	struct pc pc = { .vfd = vfd, .uffd = -1, .len = len, .chunk = chunk,
			 .thp = thp, .r = r, .err = err, .errlen = errlen };
	struct pc_worker w[16];
	pthread_t handler, th[16];
	int sv[2], st;
	double t0;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	if (!chunk || chunk % PC_PAGE || len % chunk || workers < 1 ||
	    workers > 16) {
		pc_fail(&pc, "bad sizes");
		return -1;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) || pipe(pc.stop)) {
		pc_fail(&pc, "socketpair: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		pc_source(sv[1], len, chunk);
	}
	close(sv[1]);
	pc.sock = sv[0];
	if (pid < 0 || pc_setup(&pc))
		goto out;
	if (pthread_create(&handler, NULL, pc_handler, &pc)) {
		pc_fail(&pc, "pthread_create");
		goto out;
	}
	t0 = pc_now();
	for (int i = 0; i < workers; i++) {
		w[i] = (struct pc_worker){ .pc = &pc, .seed = 17u + (unsigned)i };
		pthread_create(&th[i], NULL, pc_work, &w[i]);
	}
	for (int i = 0; i < workers; i++) {
		pthread_join(th[i], NULL);
		r->touched += w[i].touched;
		r->bad += w[i].bad;
	}
	r->seconds = pc_now() - t0;
	if (write(pc.stop[1], "s", 1) != 1)
		pc_fail(&pc, "stop: %s", strerror(errno));
	pthread_join(handler, NULL);
out:
	close(pc.sock);		/* A exits on EOF */
	if (pid > 0)
		waitpid(pid, &st, 0);
	close(pc.stop[0]);
	close(pc.stop[1]);
	pc_teardown(&pc);
	if (!pc.failed && r->bad)
		pc_fail(&pc, "%lu pages with the wrong contents", r->bad);
	if (!pc.failed && r->touched != (unsigned long)workers * (len / PC_PAGE))
		pc_fail(&pc, "workers touched %lu pages", r->touched);
	return pc.failed ? -1 : 0;
}
