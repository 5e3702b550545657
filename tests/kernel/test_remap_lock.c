// SPDX-License-Identifier: GPL-2.0
/*
 * VMXFER_IOC_REMAP of locked and userfaultfd-registered sources, against
 * mremap(2) doing the same: VmLck and the destination's Locked/Rss, the
 * split of a partly moved locked mapping, VM_LOCKONFAULT growth,
 * RLIMIT_MEMLOCK (EAGAIN), and UFFD_EVENT_REMAP with the source keeping
 * its registration (a later access there is a MISSING fault).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include "common.h"

#define PAGE 4096UL

#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif
#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 1
#endif

TEST_OP_FIXTURES(VMXFER_FEAT_REMAP)

/* A field (kB) of the smaps entry of the mapping holding @p; -1: none. */
static long smaps_at(const void *p, const char *key)
{
	unsigned long a = (unsigned long)p, s, e;
	char line[512];
	long v = -1;
	int in = 0;
	FILE *f = fopen("/proc/self/smaps", "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &s, &e) == 2 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			if (in)
				break;
			in = s <= a && a < e;
			continue;
		}
		if (in && !strncmp(line, key, strlen(key)))
			v = strtol(line + strlen(key), NULL, 10);
	}
	fclose(f);
	return v;
}

/* Is VmFlags flag @fl set on the mapping holding @p? */
static int vmflag(const void *p, const char *fl)
{
	unsigned long a = (unsigned long)p, s, e;
	char line[512], pat[8];
	int in = 0, r = -1;
	FILE *f = fopen("/proc/self/smaps", "r");

	assert_non_null(f);
	snprintf(pat, sizeof(pat), " %s", fl);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &s, &e) == 2 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			in = s <= a && a < e;
			continue;
		}
		if (in && !strncmp(line, "VmFlags:", 8)) {
			line[strcspn(line, "\n")] = ' ';
			r = strstr(line, pat) != NULL;
			break;
		}
	}
	fclose(f);
	assert_true(r >= 0);
	return r;
}

static long vmlck(void)
{
	long kb = proc_kb(getpid(), "status", "VmLck");

	assert_true(kb >= 0);
	return kb;
}

/* The start and end of the mapping holding @p. */
static void vma_bounds(const void *p, unsigned long *s, unsigned long *e)
{
	unsigned long a = (unsigned long)p;
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");

	assert_non_null(f);
	*s = *e = 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx", s, e) == 2 && *s <= a && a < *e)
			break;
	fclose(f);
}

/* What one move of a locked range left; compared between mremap and vmxfer. */
struct lock_result {
	long lck_delta;			/* VmLck change */
	long dst_locked, dst_rss;	/* destination's Locked:, Rss: */
	int src_lo, before_lo, after_lo; /* "lo" on the moved part, around it */
	unsigned long src_len;		/* the moved part's VMA length */
};

/*
 * mlock (or MLOCK_ONFAULT) 8 pages, 4 of them written, and move pages
 * [2, 6) to a range of @grow x 4 pages, by mremap (grow 1 only: DONTUNMAP
 * does not grow) or vmxfer.
 */
static void locked_move(int by_vmxfer, int onfault, int grow,
			struct lock_result *r)
{
	size_t len = 8 * PAGE, mv = 4 * PAGE, nl = grow * mv;
	char *src = test_anon(len, -1), *d;
	unsigned long s, e;
	long before;

	memset(r, 0, sizeof(*r));	/* padding too: compared whole */
	if (onfault)
		assert_int_equal(syscall(SYS_mlock2, src, len, MLOCK_ONFAULT), 0);
	else
		assert_int_equal(mlock(src, len), 0);
	memset(src, 'a', 4 * PAGE);
	before = vmlck();
	if (by_vmxfer)
		d = vmxfer_remap(vfd, src + 2 * PAGE, mv, nl, NULL, 0);
	else
		d = mremap(src + 2 * PAGE, mv, nl,
			   MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
	assert_ptr_not_equal(d, MAP_FAILED);
	r->lck_delta = vmlck() - before;
	r->dst_locked = smaps_at(d, "Locked:");
	r->dst_rss = smaps_at(d, "Rss:");
	r->src_lo = vmflag(src + 2 * PAGE, "lo");
	r->before_lo = vmflag(src, "lo");
	r->after_lo = vmflag(src + 7 * PAGE, "lo");
	vma_bounds(src + 2 * PAGE, &s, &e);
	r->src_len = e - s;
	assert_true(d[0] == 'a' && d[PAGE] == 'a' && d[2 * PAGE] == 0);
	munmap(d, nl);
	munmap(src, len);
}

static void print_lock(const char *by, const struct lock_result *r)
{
	printf("# %-7s VmLck %+ld kB, dst Locked %ld Rss %ld kB, source lo %d (around: %d %d), moved part's VMA %lu kB\n",
	       by, r->lck_delta, r->dst_locked, r->dst_rss, r->src_lo,
	       r->before_lo, r->after_lo, r->src_len >> 10);
}

/*
 * vmxfer against mremap(MREMAP_DONTUNMAP) on a partly moved locked range.
 * 5.10's mremap does not split first: it unlocks the whole source mapping
 * (the parts not moved too) and leaves locked_vm as it was; vmxfer does
 * what 6.1+ do there, which the callers assert explicitly.
 */
static void same_as_mremap(const struct lock_result *m,
			   const struct lock_result *v)
{
	if (test_kernel_line() < 601) {
		printf("# 5.10's mremap does not split a locked source: compared with 6.1+'s result\n");
		return;
	}
	assert_memory_equal(m, v, sizeof(*m));
}

/*
 * A partly moved locked range: the source is split, only the moved part
 * unlocked; VmLck unchanged (the locked pages moved); the destination
 * locked with the pages it holds; all as mremap(MREMAP_DONTUNMAP).
 */
static void test_mlock_partial(void **state)
{
	struct lock_result m, v;

	(void)state;
	locked_move(0, 0, 1, &m);
	locked_move(1, 0, 1, &v);
	print_lock("mremap", &m);
	print_lock("vmxfer", &v);
	same_as_mremap(&m, &v);
	assert_int_equal(v.src_lo, 0);
	assert_int_equal(v.before_lo, 1);
	assert_int_equal(v.after_lo, 1);
	assert_int_equal(v.src_len, 4 * PAGE);
	assert_int_equal(v.lck_delta, 0);
	assert_int_equal(v.dst_locked, 16);
}

/*
 * Growth of a locked range: the tail is locked and populated (as
 * mremap(MREMAP_MAYMOVE) grows a locked mapping), VmLck grows by it.
 */
static void test_mlock_grow(void **state)
{
	struct lock_result v;

	(void)state;
	locked_move(1, 0, 2, &v);
	print_lock("vmxfer", &v);
	assert_int_equal(v.lck_delta, 16);
	assert_int_equal(v.dst_locked, 32);
	assert_int_equal(v.dst_rss, 32);
	assert_int_equal(v.src_lo, 0);
}

/* VM_LOCKONFAULT: the same, but nothing is populated ahead of a fault. */
static void test_lockonfault(void **state)
{
	struct lock_result m, v, g;

	(void)state;
	locked_move(0, 1, 1, &m);
	locked_move(1, 1, 1, &v);
	locked_move(1, 1, 2, &g);
	print_lock("mremap", &m);
	print_lock("vmxfer", &v);
	print_lock("grown", &g);
	same_as_mremap(&m, &v);
	assert_int_equal(v.src_lo, 0);
	assert_int_equal(v.before_lo, 1);
	assert_int_equal(v.after_lo, 1);
	assert_int_equal(v.src_len, 4 * PAGE);
	assert_int_equal(v.lck_delta, 0);
	/* pages 2 and 3 of the source were written: those moved */
	assert_int_equal(v.dst_rss, 8);
	assert_int_equal(g.dst_rss, 8);
	assert_int_equal(g.lck_delta, 16);	/* VmLck counts the locked range */
}

/*
 * RLIMIT_MEMLOCK without CAP_IPC_LOCK: growth beyond it is EAGAIN and
 * changes nothing, as mremap(2) growing it; a same-size move is fine.
 */
static int memlock_limit(void *arg)
{
	struct rlimit rl = { 6 * PAGE, 6 * PAGE };
	size_t len = 4 * PAGE;
	char *src, *d;
	int e;

	(void)arg;
	if (setrlimit(RLIMIT_MEMLOCK, &rl))
		return 10;
	src = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (src == MAP_FAILED || mlock(src, len))
		return 11;
	memset(src, 'm', len);
	/* mremap growing it: EAGAIN */
	if (mremap(src, len, 2 * len, MREMAP_MAYMOVE) != MAP_FAILED ||
	    errno != EAGAIN)
		return 12;
	if (vmxfer_remap(vfd, src, len, 2 * len, NULL, 0) != MAP_FAILED)
		return 13;
	e = errno;
	if (e != EAGAIN)
		return 14;
	if (src[len - 1] != 'm' || proc_kb(getpid(), "status", "VmLck") != 16)
		return 15;
	d = vmxfer_remap(vfd, src, len, len, NULL, 0);
	if (d == MAP_FAILED || d[0] != 'm' || proc_kb(getpid(), "status", "VmLck") != 16)
		return 16;
	return 0;
}

static void test_memlock_limit(void **state)
{
	(void)state;
	assert_int_equal(test_as_user(TEST_UID_MEMBER, memlock_limit, NULL), 0);
}

/* --- userfaultfd ------------------------------------------------------- */

struct uffd_handler {
	int uffd;
	struct uffd_msg remap;		/* the UFFD_EVENT_REMAP seen */
	unsigned long fault;		/* the MISSING fault's address */
	int nremap, nfault;
};

/* Reads events for 10 s at most: one REMAP, then MISSING faults (fills 'z'). */
static void *uffd_thread(void *arg)
{
	struct uffd_handler *h = arg;
	char *zpage = test_anon(PAGE, 'z');
	struct pollfd pfd = { .fd = h->uffd, .events = POLLIN };

	while (poll(&pfd, 1, 10000) > 0) {
		struct uffd_msg msg;
		struct uffdio_copy cp = { 0 };

		if (read(h->uffd, &msg, sizeof(msg)) != sizeof(msg))
			continue;
		if (msg.event == UFFD_EVENT_REMAP) {
			h->remap = msg;
			h->nremap++;
		} else if (msg.event == UFFD_EVENT_PAGEFAULT) {
			h->fault = msg.arg.pagefault.address;
			h->nfault++;
			cp.dst = msg.arg.pagefault.address & ~(PAGE - 1);
			cp.src = (unsigned long)zpage;
			cp.len = PAGE;
			ioctl(h->uffd, UFFDIO_COPY, &cp);
			break;
		}
	}
	munmap(zpage, PAGE);
	return NULL;
}

/*
 * A uffd with UFFD_FEATURE_EVENT_REMAP on the source: the move sends
 * UFFD_EVENT_REMAP {from, to, len = old_len}; the destination stays
 * registered; the source keeps its registration: its next access is a
 * MISSING fault to the handler.  Done by mremap, then by vmxfer (same
 * size and grown): the same.
 */
static void uffd_case(int how, struct uffd_handler *h, char **src_out,
		      char **dst_out)
{
	struct uffdio_api api = { .api = UFFD_API,
				  .features = UFFD_FEATURE_EVENT_REMAP };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	size_t len = 4 * PAGE;
	char *src = test_anon(len, 'a'), *d;
	pthread_t th;

	memset(h, 0, sizeof(*h));
	h->uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	assert_true(h->uffd >= 0);
	assert_int_equal(ioctl(h->uffd, UFFDIO_API, &api), 0);
	reg.range.start = (unsigned long)src;
	reg.range.len = len;
	assert_int_equal(ioctl(h->uffd, UFFDIO_REGISTER, &reg), 0);
	assert_int_equal(pthread_create(&th, NULL, uffd_thread, h), 0);
	if (how == 0)
		d = mremap(src, len, len, MREMAP_MAYMOVE | MREMAP_DONTUNMAP,
			   NULL);
	else
		d = vmxfer_remap(vfd, src, len, how * len, NULL, 0);
	assert_ptr_not_equal(d, MAP_FAILED);
	assert_int_equal(vmflag(src, "um"), 1);
	assert_int_equal(vmflag(d, "um"), 1);
	assert_true(d[0] == 'a' && d[len - 1] == 'a');
	/* the source: a MISSING fault, filled with 'z' by the handler */
	assert_int_equal(*(volatile char *)(src + PAGE), 'z');
	pthread_join(th, NULL);
	*src_out = src;
	*dst_out = d;
}

static void test_uffd_event_remap(void **state)
{
	struct uffd_handler h;
	char *s, *d;

	(void)state;
	for (int how = 0; how <= 2; how++) {
		uffd_case(how, &h, &s, &d);
		printf("# %s: %d REMAP event(s) from %#llx to %#llx len %llu; fault at +%#lx\n",
		       how ? (how == 1 ? "vmxfer" : "vmxfer x2") : "mremap",
		       h.nremap, h.remap.arg.remap.from,
		       h.remap.arg.remap.to, h.remap.arg.remap.len,
		       h.fault - (unsigned long)s);
		assert_int_equal(h.nremap, 1);
		assert_int_equal(h.remap.arg.remap.from, (unsigned long)s);
		assert_int_equal(h.remap.arg.remap.to, (unsigned long)d);
		assert_int_equal(h.remap.arg.remap.len, 4 * PAGE);
		assert_int_equal(h.nfault, 1);
		assert_int_equal(h.fault, (unsigned long)s + PAGE);
		close(h.uffd);
		munmap(d, (how ? how : 1) * 4 * PAGE);
		munmap(s, 4 * PAGE);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mlock_partial),
		cmocka_unit_test(test_mlock_grow),
		cmocka_unit_test(test_lockonfault),
		cmocka_unit_test(test_memlock_limit),
		cmocka_unit_test(test_uffd_event_remap),
	};

	test_filter_from_env();
	return cmocka_run_group_tests_name("remap_lock", tests, setup,
					   teardown);
}
