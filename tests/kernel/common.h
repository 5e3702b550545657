/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the in-guest kernel tests (tests/kernel/test_*.c).
 */
#ifndef VMXFER_TEST_COMMON_H
#define VMXFER_TEST_COMMON_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <sys/types.h>
#include <cmocka.h>

#include <vmxfer.h>

/* Accounts the guest image provides. */
#define TEST_UID_OTHER	1000	/* a user outside group vmxfer */
#define TEST_UID_MEMBER	1001	/* a user in group vmxfer */
#define TEST_GID_VMXFER	990	/* group vmxfer */

/* vmxfer_open() or fail the test. */
int test_open(void);

/* Open /dev/vmxfer for an operation; -1 (said on stderr) if unavailable. */
int test_open_for(uint64_t feature);

/*
 * The group fixtures of an operation's test program: a file-scope `vfd`
 * opened for @feature before the group (the group fails when the operation
 * is unavailable) and closed after it.
 */
#define TEST_OP_FIXTURES(feature)			\
	static int vfd = -1;				\
	static int setup(void **state)			\
	{						\
		(void)state;				\
		vfd = test_open_for(feature);		\
		return vfd < 0;				\
	}						\
	static int teardown(void **state)		\
	{						\
		(void)state;				\
		close(vfd);				\
		return 0;				\
	}

/*
 * A waiting process of @uid (dumpable, as after an exec) or, with @euid0,
 * of real uid @uid running set-uid root.  It first rewrites the byte at
 * @own (if not NULL) with its own value, so that page is its own copy,
 * not one still shared with its parent.  The caller kills and reaps it.
 */
pid_t test_spawn_as(uid_t uid, int euid0, void *own);

/*
 * The permission matrix of a remote operation, as process_vm_readv's:
 * @read16 reads 16 bytes at @addr (page aligned) of the process @pidfd
 * names through the operation, into @buf, and returns 0 or an errno.  Run
 * as uid 1000, it must succeed on its own child and fail with EPERM on a
 * root process, another uid's process and a set-uid-root process -- each
 * verdict (and the bytes) identical to process_vm_readv's.
 */
typedef int test_read16_fn(int vfd, int pidfd, void *addr, char *buf);
void test_perm_matrix(test_read16_fn *read16);

/* Run a shell command (printf-style); its exit status, -1 if it did not exit. */
int test_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Run fn(arg) in a child as uid (with its groups); the child's exit status,
 * 120 if it could not switch user, -1 if it did not exit. */
int test_as_user(uid_t uid, int (*fn)(void *arg), void *arg);

/* rmmod vmxfer, then insmod $VMXFER_KO with params (may be NULL). */
void test_reload(const char *params);

/*
 * Let memory counters settle before a leak comparison: drop clean caches
 * and compact zram (swapped pages freed since keep its pool otherwise).
 */
void test_settle(void);

/*
 * Free memory once it has settled: MemFree plus the pages cached on the
 * per-cpu free lists, the highest of a few readings a little apart
 * (deferred frees -- RCU, THP split queues, zram -- land late).
 */
long test_settled_free(void);

/*
 * Where memory is, for leak checks: the settled free memory and the
 * counters a leak or a cache could hide in, so a failing comparison says
 * which one moved.
 */
struct test_mem {
	long free, anon, pagetables, slab_unrecl, slab_recl, cached, percpu,
	     kstack, swapcached, zram,
	     lru_anon,	/* Active(anon) + Inactive(anon): unmapped pages too */
	     vma, av, avc;	/* slab objects: see test_slab_objects() */
};
void test_mem_snapshot(struct test_mem *m);	/* after test_settle() */
/* Print "# mem: key a -> b" for each counter; return free memory lost (kB). */
long test_mem_report(const struct test_mem *a, const struct test_mem *b);

/*
 * Objects in use in the slab cache @name (/sys/kernel/slab/NAME/objects,
 * after a shrink flushed the per-cpu slabs so the count is exact), or -1.
 * A merged cache (NAME a link to ":A-0000200" etc.) counts its other
 * users' objects too: a tolerance is needed, but a per-call leak grows it
 * by one object per call all the same.
 */
long test_slab_objects(const char *name);

/*
 * The leak verdict of @calls operations between the snapshots @a and @b:
 * prints both, then fails unless free memory, AnonPages and the anonymous
 * LRU pages are back within max(512, calls) kB (a quarter page per call:
 * one page kept per call exceeds it), page tables within 256 kB, and the
 * vm_area_struct, anon_vma and anon_vma_chain objects within
 * max(64, calls / 4) (one object kept per call exceeds it).
 */
void test_leak_check(const struct test_mem *a, const struct test_mem *b,
		     long calls);

/*
 * Page frames, for the precise leak check: a page with a reference nobody
 * will put outlives every mapping of it.  test_pfns_add() appends the
 * frames of the present pages of [addr, addr + len) of process @pid (0:
 * the caller) from its pagemap (root only).  test_orphans() counts the
 * frames that still hold an anonymous page which no page table maps and
 * the page allocator does not have (/proc/kpageflags, /proc/kpagecount),
 * after draining the per-cpu LRU batches (whose references are not
 * leaks), persistently over a few readings; it prints the first ones.
 * Use it once every mapping of the pages is gone (the target exited).
 * With 4 KiB pages, a page with a leaked reference is still unmapped and
 * swapped out by MADV_PAGEOUT (it stays in the swap cache), so RssAnon
 * falling proves nothing there; this does.
 */
/*
 * MADV_PAGEOUT of [addr, addr + len) after emptying every CPU's LRU batches:
 * madvise drains only its own CPU's, and a page still in another CPU's
 * batch (faulted there before the thread migrated) is not on the LRU, so
 * reclaim skips it (seen on debug-6.12: 3 of 4 pages swapped out).  A page
 * the rmap cannot find still stays mapped.  Returns madvise's result.
 */
int test_pageout(void *addr, size_t len);

struct test_pfns {
	uint64_t *bits;	/* a bit per frame number: a few kB, however many */
	size_t words;
};
void test_pfns_add(struct test_pfns *v, pid_t pid, const void *addr,
		   size_t len);
/* The raw pagemap entries of [addr, addr + len) of @pid (0: the caller). */
void test_pagemap(pid_t pid, const void *addr, size_t len, uint64_t *pm);
#define PM_PRESENT(e)	((e) >> 63 & 1)
#define PM_PFN(e)	((e) & ((1ULL << 55) - 1))
long test_orphans(struct test_pfns *v);
void test_pfns_free(struct test_pfns *v);

/*
 * VMXFER_TEST_FILTER=pattern (cmocka's glob) runs only the matching tests
 * of a program: for chasing one test in a loop in the guest.
 */
void test_filter_from_env(void);

/* A value from /proc/meminfo or /proc/vmstat, -1 if absent. */
long test_meminfo(const char *key);
long test_vmstat(const char *key);

/*
 * A target process for the remote operations: a forked child that maps
 * and fills its own memory (so nothing is shared copy-on-write with the
 * test), then obeys commands until told to exit.
 */
#define TGT_THP		0x1	/* 2 MiB-aligned, MADV_HUGEPAGE */
#define TGT_NOFILL	0x2	/* leave the pages untouched */
#define TGT_SHARED	0x4	/* MAP_SHARED | MAP_ANONYMOUS */
#define TGT_MEMFD	0x8	/* a memfd, MAP_SHARED */
#define TGT_FILE	0x10	/* a file on /tmp, MAP_SHARED */
#define TGT_PRIVFILE	0x20	/* a file on /tmp, MAP_PRIVATE, only read */
#define TGT_HUGETLB	0x40	/* MAP_HUGETLB */
#define TGT_SECRET	0x80	/* memfd_secret(2), MAP_SHARED */
#define TGT_NOTHP	0x100	/* MADV_NOHUGEPAGE: 4 KiB pages only */
#define TGT_BOARD	0x200	/* a board shared with the caller (chaos) */

/*
 * What target_chaos() reports (TGT_BOARD): its iterations, and per page a
 * sequence count (odd while the page is being unmapped or written) and
 * what the page holds when it is even: 0 (a fresh zero page) or a stamp s
 * (first word s, last word ~s; the pages are stamped 1..n first).
 */
struct tgt_page_state {
	uint64_t gen, val;
};
struct tgt_board {
	uint64_t ops;
	struct tgt_page_state page[];
};

/* Can this kernel give a process memfd_secret(2) memory? */
int test_have_secretmem(void);

struct target {
	pid_t pid;
	int pidfd;
	int cmd;	/* to the child */
	int ack;	/* from the child */
	char *base;	/* the child's mapping, filled with tgt_pattern() */
	char *wronly;	/* 10 pages the child maps PROT_WRITE only */
	size_t len;
	struct tgt_board *board;	/* TGT_BOARD, shared */
};

/* Fill byte of the child's page @i (so content errors are detectable). */
static inline unsigned char tgt_pattern(size_t off)
{
	return (unsigned char)((off >> 12) * 7 + (off & 0xfff) * 13 + 1);
}

void target_start(struct target *t, size_t len, unsigned int flags);
/* Commands; each returns once the child has done it. */
void target_write(struct target *t, size_t off, unsigned char val);
void target_pageout(struct target *t);
void target_munmap(struct target *t);
void target_hole(struct target *t, size_t off);		/* munmap a page */
void target_protect(struct target *t, size_t off, size_t len); /* read-only */
void target_mlock(struct target *t);
void target_uffd(struct target *t);	/* register userfaultfd on it all */
void target_pin(struct target *t);	/* io_uring fixed buffer: DMA pin */
void target_pin_page(struct target *t, size_t off);	/* one page of it */
/* A munmap/mmap/mprotect/write/fork loop; with TGT_BOARD, reported there. */
void target_chaos(struct target *t);
/* madvise(base + off, len, advice) in the child (advice < 256): 0 or errno. */
int target_madvise(struct target *t, size_t off, size_t len, int advice);
/* Poison markers (UFFDIO_POISON, 6.6+) over a range of the child: 0 or errno. */
int target_uffd_poison(struct target *t, size_t off, size_t len);
/* Ask the child to exit (the pidfd stays open), reap it. */
void target_exit(struct target *t);
void target_stop(struct target *t);
/* Value of "Key:" in /proc/<pid>/status or smaps_rollup (kB), or -1. */
long proc_kb(pid_t pid, const char *file, const char *key);
/* A field (kB) of the caller's smaps entry for the VMA starting at @addr, or -1. */
long test_smaps_kb(void *addr, const char *key);

/*
 * "Nothing changed": the uapi promises that a refused clone or remap
 * changes neither process's mappings or data, and a refused splice puts
 * nothing in the pipe.  A snapshot holds the caller's /proc/self/maps
 * text and VmSize, the target's /proc/PID/maps (when @target is not 0),
 * and copies of up to TEST_SNAP_RANGES ranges (the caller's own, or a
 * process's read with process_vm_readv).  Every buffer is allocated by
 * test_snap_begin()/test_snap_range(), before test_snap_take(), and the
 * files are read with read(2): checking allocates nothing, so it cannot
 * change the maps it compares.  test_snap_same() may be called after
 * each of several refused calls; it fails the test naming @what and the
 * first difference.
 */
#define TEST_SNAP_RANGES	4
struct test_snap_range {
	pid_t pid;		/* 0: the caller */
	const void *addr;
	size_t len;
	unsigned char *copy, *now;
};
struct test_snap {
	pid_t target;
	char *maps, *tmaps, *buf;	/* taken, taken (target), scratch */
	size_t maps_len, tmaps_len;
	long vmsize;
	int n;
	struct test_snap_range r[TEST_SNAP_RANGES];
};
void test_snap_begin(struct test_snap *s, pid_t target);
void test_snap_range(struct test_snap *s, pid_t pid, const void *addr,
		     size_t len);
void test_snap_take(struct test_snap *s);
void test_snap_same(struct test_snap *s, const char *what);
void test_snap_end(struct test_snap *s);
/* begin, one range of @target (@len 0: none), take. */
void test_snap_of(struct test_snap *s, pid_t target, const void *addr,
		  size_t len);

/* Bytes queued in a pipe (FIONREAD); a refused splice must leave 0. */
int test_pipe_bytes(int fd);

/* @len bytes of private anonymous memory, filled with @c unless @c < 0. */
char *test_anon(size_t len, int c);
/*
 * An empty, unlinked file on a ramfs mounted (once) at /tmp/vmxfer-ramfs:
 * page cache that is not shmem.  Open O_RDWR.
 */
int test_ramfs_fd(void);

/*
 * The running kernel's major * 100 + minor (uname -r), e.g. 612.
 * test_absent_on_line(): a feature (@what) the test needs is absent.  Skip
 * (saying why) on a kernel line older than @since (major * 100 + minor)
 * -- the only place it is known to be missing --, fail the test otherwise:
 * a skip must never hide a regression on a line that has the feature.
 */
int test_kernel_line(void);
void test_absent_on_line(int since, const char *what);

/*
 * What each page of [p, p + len) reads, one character a page: its byte
 * when the page is uniform ('.' for 0), '?' when not, 'B' on SIGBUS, 'S'
 * on SIGSEGV (caught); @out holds len / 4096 + 1 characters.
 */
void test_page_signature(const char *p, size_t len, char *out);
/*
 * The VmFlags of the caller's mapping at @p that a move may change, in a
 * fixed order, and its Rss in kB when @rss (read before touching it).
 */
void test_vmflags(const void *p, char *out, size_t n, long *rss);

#endif
