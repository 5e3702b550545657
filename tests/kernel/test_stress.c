// SPDX-License-Identifier: GPL-2.0
/*
 * The race stress test (issue 7): targets whose threads munmap/mmap,
 * mprotect, madvise, fork and exit while the caller clones, splices and
 * remaps from several threads, for VMXFER_STRESS_SECONDS (default 60).
 *
 * Data: every 8-byte word a target writes is tag(epoch, address) xor a
 * generation byte (bits 0-7), and tag() has its bytes in 0x01..0x7f, so
 * any byte a clone or splice shows can be checked: it is zero or the
 * target's.  Poison (what fork children and the caller write into their
 * copy-on-write copies) is ~tag: bytes 0x80..0xfe, never valid.  A clone
 * is a snapshot: its pages must not change afterwards (a page may only
 * become all zero: a MADV_FREE page reclaimed in both processes, as after
 * fork).  Remap moves the caller's own scratch ranges ("slots") while
 * other threads write, fault and madvise them: the words of the remapping
 * thread must arrive exactly, the writers' words never older than their
 * last write before the move, nothing may change at the new place after.
 *
 * Failure: a data mismatch, an errno an operation cannot give here (each
 * is one of the uapi header's documented ones), a crashed target, a worker
 * making no progress for VMXFER_STRESS_WATCHDOG seconds (default 30; 240
 * on a lockdep kernel), or memory not back afterwards; the runner checks
 * the kernel log.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "common.h"

#define PAGE		4096UL
#define WPP		(PAGE / 8)		/* words per page */
#define ZONE		(2UL << 20)
#define NZONES		16
#define ARENA		(NZONES * ZONE)		/* the target's memory */
#define MAX_CLONE	(2 * ZONE)
#define NERR		134			/* errnos counted (EHWPOISON + 1) */

#ifndef MADV_COLD
#define MADV_COLD	20
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT	21
#endif
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE	25			/* 6.1+; EINVAL before */
#endif

/* --- operations and their counts ---------------------------------------- */

enum op {
	/* caller */
	OP_CLONE, OP_CLONE_FIXED, OP_CLONE_ZONE, OP_CLONE_REMAP, OP_CLONE_SELF_SHM,
	OP_CLONE_SELF_ANON, OP_SPLICE, OP_SPLICE_NB, OP_REMAP, OP_REMAP_GROW,
	OP_REMAP_FIXED, OP_SLOT_WRITE, OP_SLOT_MADV, OP_MOVE, OP_MOVE_RACE,
	OP_MOVE_FORK,
	/* target */
	OP_T_WRITE, OP_T_MMAP, OP_T_MPROTECT, OP_T_DONTNEED, OP_T_PAGEOUT,
	OP_T_FREE, OP_T_COLD, OP_T_WILLNEED, OP_T_HUGEPAGE, OP_T_NOHUGEPAGE,
	OP_T_COLLAPSE, OP_T_FORK, OP_T_EXIT, OP_T_KILL,
	OP_N
};

static const struct {
	const char *name;
	int ok_errno[4];	/* errnos this op may give here; 0 ends */
	int counted_only;	/* target-side syscalls: counted, not judged */
} ops[OP_N] = {
	/*
	 * EBUSY: the double-map rule -- the caller holds earlier clones of
	 * the target (related), and the target's fork children leave its
	 * pages not exclusive until rewritten.
	 */
	[OP_CLONE] = { "clone", { EFAULT, EAGAIN, ESRCH, EBUSY } },
	[OP_CLONE_FIXED] = { "clone FIXED", { EFAULT, EAGAIN, ESRCH, EBUSY } },
	[OP_CLONE_ZONE] = { "clone 2M-aligned", { EFAULT, EAGAIN, ESRCH, EBUSY } },
	/* a remap of a clone that spans several mappings: EFAULT */
	[OP_CLONE_REMAP] = { "remap of a clone", { EFAULT } },
	[OP_CLONE_SELF_SHM] = { "clone self shared", { 0 } },
	[OP_CLONE_SELF_ANON] = { "clone self slot", { EBUSY } },
	[OP_SPLICE] = { "splice", { EFAULT, ESRCH } },
	[OP_SPLICE_NB] = { "splice NONBLOCK", { EFAULT, ESRCH, EAGAIN } },
	[OP_REMAP] = { "remap slot", { 0 } },
	[OP_REMAP_GROW] = { "remap slot x2", { 0 } },
	[OP_REMAP_FIXED] = { "remap slot FIXED", { 0 } },
	[OP_SLOT_WRITE] = { "slot write", { 0 } },
	[OP_SLOT_MADV] = { "slot madvise", { EINVAL, EAGAIN, ENOMEM }, 1 },
	/*
	 * EBUSY: a fork child shares the pages (until the mover rewrites
	 * them); EEXIST: the racer read-faulted a zero page into the empty
	 * side.  ENOENT (a page gone from src) is never explained here.
	 */
	[OP_MOVE] = { "move own pages", { EBUSY, EEXIST } },
	[OP_MOVE_RACE] = { "move: racer round", { 0 }, 1 },
	[OP_MOVE_FORK] = { "move: fork+check", { 0 }, 1 },
	[OP_T_WRITE] = { "t: write page", { 0 }, 1 },
	[OP_T_MMAP] = { "t: munmap+mmap", { 0 }, 1 },
	[OP_T_MPROTECT] = { "t: mprotect", { 0 }, 1 },
	[OP_T_DONTNEED] = { "t: DONTNEED", { 0 }, 1 },
	[OP_T_PAGEOUT] = { "t: PAGEOUT", { 0 }, 1 },
	[OP_T_FREE] = { "t: FREE", { 0 }, 1 },
	[OP_T_COLD] = { "t: COLD", { 0 }, 1 },
	[OP_T_WILLNEED] = { "t: WILLNEED", { 0 }, 1 },
	[OP_T_HUGEPAGE] = { "t: HUGEPAGE", { 0 }, 1 },
	[OP_T_NOHUGEPAGE] = { "t: NOHUGEPAGE", { 0 }, 1 },
	[OP_T_COLLAPSE] = { "t: COLLAPSE", { 0 }, 1 },
	[OP_T_FORK] = { "t: fork+exit", { 0 }, 1 },
	[OP_T_EXIT] = { "t: exit", { 0 }, 1 },
	[OP_T_KILL] = { "t: SIGKILL", { 0 }, 1 },
};

struct opcount {
	atomic_ulong ok;
	atomic_ulong err[NERR];
};

/* --- shared with a target: a memfd page set (the "board") ---------------- */

enum { TT_WRITER0, TT_WRITER1, TT_CHURN, TT_MADV, TT_FORK, TT_N };

struct board {
	atomic_ullong gen;		/* the target's write generations */
	atomic_int ready, quit, pause, parked;
	atomic_int pageout_req, pageout_done;
	long rss_base, rss_full, rss_after;	/* RssAnon, kB */
	long anon_left;		/* kB of anon pages mapped after it, -1: unknown */
	char diag[256];		/* what stayed resident after the pageout */
	unsigned long arena;
	atomic_ullong beat[TT_N];
	atomic_int bad;
	char msg[256];
	struct opcount cnt[OP_N];
};

#define BOARD_SIZE	((sizeof(struct board) + PAGE - 1) & ~(PAGE - 1))

/* --- data patterns ------------------------------------------------------- */

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* The tag of the target word at @addr: every byte in 0x01..0x7f. */
static uint64_t tag_of(uint64_t epoch, uint64_t addr)
{
	uint64_t h = mix64(addr ^ (epoch * 0x9e3779b97f4a7c15ULL)) &
		     0x7f7f7f7f7f7f7f7fULL;

	for (int i = 0; i < 64; i += 8)
		if (!((h >> i) & 0xff))
			h |= 0x11ULL << i;
	return h;
}

/* A word of the target's: zero or tag xor a generation byte. */
static int word_ok(uint64_t w, uint64_t tag)
{
	return !w || !((w ^ tag) & ~0xffULL);
}

/* One byte (of a torn copy) of the word at @addr & ~7: zero or the target's. */
static int byte_ok(unsigned char b, uint64_t tag, unsigned int pos)
{
	return !b || !pos || b == (unsigned char)(tag >> (8 * pos));
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void count(struct opcount *c, int ok, int err)
{
	if (ok)
		atomic_fetch_add(&c->ok, 1);
	else
		atomic_fetch_add(&c->err[err > 0 && err < NERR ? err : 0], 1);
}

static long status_kb(const char *key)
{
	return proc_kb(getpid(), "status", key);
}

/* ========================================================================= */
/* The target: an exec'd copy of this program (--stress-target FD EPOCH).    */
/* ========================================================================= */

static struct board *tb;		/* the target's board */
static char *t_arena;
static uint64_t t_epoch;
static pthread_rwlock_t t_zone[NZONES];	/* write: the zone has holes/RO */

static void t_bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void t_bad(const char *fmt, ...)
{
	va_list ap;

	if (atomic_fetch_add(&tb->bad, 1))
		return;
	va_start(ap, fmt);
	vsnprintf(tb->msg, sizeof(tb->msg), fmt, ap);
	va_end(ap);
}

/* Park while the caller asks for a pause; 1 when the target is to quit. */
static int t_park(void)
{
	if (!atomic_load(&tb->pause))
		return atomic_load(&tb->quit);
	atomic_fetch_add(&tb->parked, 1);
	while (atomic_load(&tb->pause) && !atomic_load(&tb->quit))
		usleep(1000);
	atomic_fetch_sub(&tb->parked, 1);
	return atomic_load(&tb->quit);
}

static void t_count(enum op op, int ret)
{
	count(&tb->cnt[op], ret == 0, errno);
}

/* Check then rewrite a page: each word valid before, a new generation after. */
static void t_write_page(char *p)
{
	volatile uint64_t *w = (volatile uint64_t *)p;
	uint64_t g = (atomic_fetch_add(&tb->gen, 1) % 255) + 1;

	for (size_t i = 0; i < WPP; i++) {
		uint64_t a = (uint64_t)(uintptr_t)(p + 8 * i), v = w[i];
		uint64_t tag = tag_of(t_epoch, a);

		if (!word_ok(v, tag))
			t_bad("target %d: word at %#lx is %#lx (tag %#lx)",
			      (int)getpid(), (unsigned long)a,
			      (unsigned long)v, (unsigned long)tag);
		w[i] = tag ^ g;
	}
}

static void *t_writer(void *arg)
{
	int id = (int)(intptr_t)arg;
	uint64_t s = 0x1234567 + id * 77 + t_epoch;

	while (!t_park()) {
		size_t z = rnd(&s) % NZONES, pg = rnd(&s) % (ZONE / PAGE);
		size_t n = 1 + rnd(&s) % 8;

		atomic_fetch_add(&tb->beat[id], 1);
		if (pg + n > ZONE / PAGE)
			n = ZONE / PAGE - pg;
		pthread_rwlock_rdlock(&t_zone[z]);
		for (size_t i = 0; i < n; i++)
			t_write_page(t_arena + z * ZONE + (pg + i) * PAGE);
		pthread_rwlock_unlock(&t_zone[z]);
		count(&tb->cnt[OP_T_WRITE], 1, 0);
	}
	return NULL;
}

/* munmap + mmap back (fresh zeros), or a read-only spell, of part of a zone. */
static void *t_churn(void *arg)
{
	uint64_t s = 0xabcdef + t_epoch;

	(void)arg;
	while (!t_park()) {
		size_t z = rnd(&s) % NZONES, pg = rnd(&s) % (ZONE / PAGE);
		size_t n = 1 + rnd(&s) % 64;
		char *p;
		int ret;

		atomic_fetch_add(&tb->beat[TT_CHURN], 1);
		if (rnd(&s) % 8 == 0)
			pg = 0, n = ZONE / PAGE;
		if (pg + n > ZONE / PAGE)
			n = ZONE / PAGE - pg;
		p = t_arena + z * ZONE + pg * PAGE;
		pthread_rwlock_wrlock(&t_zone[z]);
		if (rnd(&s) % 3) {
			ret = munmap(p, n * PAGE);
			if (!ret && rnd(&s) % 4 == 0)
				usleep(100);	/* a hole for a while */
			if (!ret && mmap(p, n * PAGE, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
					 -1, 0) != p) {
				t_bad("target: mmap back: %s", strerror(errno));
				ret = -1;
			}
			if (!ret && n == ZONE / PAGE && z % 2 == 0)
				madvise(p, ZONE, MADV_HUGEPAGE);
			t_count(OP_T_MMAP, ret);
		} else {
			ret = mprotect(p, n * PAGE, PROT_READ);
			if (!ret)
				usleep(rnd(&s) % 300);
			if (!ret && mprotect(p, n * PAGE, PROT_READ | PROT_WRITE)) {
				t_bad("target: mprotect back: %s", strerror(errno));
				ret = -1;
			}
			t_count(OP_T_MPROTECT, ret);
		}
		pthread_rwlock_unlock(&t_zone[z]);
		usleep(rnd(&s) % 500);
	}
	return NULL;
}

static void *t_madv(void *arg)
{
	static const struct {
		int advice;
		enum op op;
	} adv[] = {
		{ MADV_DONTNEED, OP_T_DONTNEED }, { MADV_PAGEOUT, OP_T_PAGEOUT },
		{ MADV_FREE, OP_T_FREE }, { MADV_COLD, OP_T_COLD },
		{ MADV_WILLNEED, OP_T_WILLNEED }, { MADV_HUGEPAGE, OP_T_HUGEPAGE },
		{ MADV_NOHUGEPAGE, OP_T_NOHUGEPAGE }, { MADV_COLLAPSE, OP_T_COLLAPSE },
	};
	uint64_t s = 0x5151 + t_epoch;

	(void)arg;
	while (!t_park()) {
		size_t a = rnd(&s) % (sizeof(adv) / sizeof(adv[0]));
		size_t z = rnd(&s) % NZONES, pg = rnd(&s) % (ZONE / PAGE);
		size_t n = 1 + rnd(&s) % 128;

		atomic_fetch_add(&tb->beat[TT_MADV], 1);
		if (adv[a].advice == MADV_COLLAPSE || adv[a].advice ==
		    MADV_HUGEPAGE || rnd(&s) % 8 == 0)
			pg = 0, n = ZONE / PAGE;
		if (pg + n > ZONE / PAGE)
			n = ZONE / PAGE - pg;
		t_count(adv[a].op, madvise(t_arena + z * ZONE + pg * PAGE,
					   n * PAGE, adv[a].advice));
		usleep(rnd(&s) % 2000);
	}
	return NULL;
}

/*
 * Fork children that check what they inherited, write poison into their
 * copy-on-write copies (never visible to the parent or a clone), linger a
 * little, and exit.  Exit 3: a child saw a bad word.
 */
static void *t_fork(void *arg)
{
	uint64_t s = 0x777 + t_epoch;

	(void)arg;
	while (!t_park()) {
		pid_t pid;
		int st = 0;

		atomic_fetch_add(&tb->beat[TT_FORK], 1);
		pid = fork();
		if (pid == 0) {
			size_t pg[8];

			/* All checks before any poison (a page may repeat). */
			for (int k = 0; k < 8; k++) {
				pg[k] = rnd(&s) % (ARENA / PAGE);
				for (size_t i = 0; i < WPP; i += 37) {
					char *a = t_arena + pg[k] * PAGE + 8 * i;

					/* may fault on a hole or RO page: dies */
					if (!word_ok(*(volatile uint64_t *)a,
						     tag_of(t_epoch, (uintptr_t)a)))
						_exit(3);
				}
			}
			for (int k = 0; k < 8; k++)
				for (size_t i = 0; i < WPP; i += 37) {
					char *a = t_arena + pg[k] * PAGE + 8 * i;

					*(volatile uint64_t *)a =
						~tag_of(t_epoch, (uintptr_t)a);
				}
			usleep(rnd(&s) % 5000);
			_exit(0);
		}
		if (pid < 0) {
			t_count(OP_T_FORK, -1);
			usleep(10000);
			continue;
		}
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		if (WIFEXITED(st) && WEXITSTATUS(st) == 3)
			t_bad("target %d: a fork child saw a bad word",
			      (int)getpid());
		t_count(OP_T_FORK, 0);
		usleep(rnd(&s) % 3000);
	}
	return NULL;
}

/*
 * Which arena pages stayed after the pageout, and what they are
 * (pagemap, kpageflags, kpagecount): the anon pages counted precisely.
 * RssAnon is not precise before 6.2: each thread caches its own changes.
 */
static long t_resident(char *out, size_t size)
{
	int pm = open("/proc/self/pagemap", O_RDONLY);
	int kf = open("/proc/kpageflags", O_RDONLY);
	int kc = open("/proc/kpagecount", O_RDONLY);
	unsigned long present = 0, anon = 0, thp = 0, lru = 0, swapc = 0, shared = 0;
	uint64_t first_flags = 0, first_count = 0, first_addr = 0;

	for (size_t off = 0; pm >= 0 && off < ARENA; off += PAGE) {
		uint64_t e, pfn, fl = 0, c = 0;

		if (pread(pm, &e, 8, (((uintptr_t)t_arena + off) / PAGE) * 8) != 8 ||
		    !(e >> 63))
			continue;
		present++;
		pfn = e & ((1ULL << 55) - 1);
		if (pread(kf, &fl, 8, pfn * 8) != 8 ||
		    pread(kc, &c, 8, pfn * 8) != 8)
			continue;
		if (!((fl >> 12) & 1))		/* not anon: the zero page */
			continue;
		anon++;
		thp += (fl >> 22) & 1;
		lru += (fl >> 5) & 1;
		swapc += (fl >> 13) & 1;
		shared += c > 1;
		if (!first_addr) {
			first_addr = (uintptr_t)t_arena + off;
			first_flags = fl;
			first_count = c;
		}
	}
	snprintf(out, size, "%lu present, %lu anon (thp %lu, lru %lu, swapcache %lu, "
		 "mapped >1 %lu); first %#lx flags %#lx count %lu", present,
		 anon, thp, lru, swapc, shared, (unsigned long)first_addr,
		 (unsigned long)first_flags, (unsigned long)first_count);
	if (pm < 0 || kf < 0 || kc < 0)
		snprintf(out, size, "no pagemap or kpageflags");
	close(pm);
	close(kf);
	close(kc);
	return pm < 0 || kf < 0 || kc < 0 ? -1L : (long)(anon * (PAGE >> 10));
}

/*
 * Split every THP first: before 6.3 (folio_mapcount() of a PTE-mapped
 * THP is its total mapcount), MADV_PAGEOUT skips a THP that a partial
 * munmap left PTE-mapped, 2 MiB the check would blame on a leak.  A THP
 * with an extra reference does not split and still fails the check.
 */
static void split_thps(void)
{
	int fd = open("/sys/kernel/debug/split_huge_pages", O_WRONLY);

	if (fd < 0)
		return;
	if (write(fd, "1", 1) != 1)
		t_bad("split_huge_pages: %s", strerror(errno));
	close(fd);
}

static int target_main(int bfd, uint64_t epoch)
{
	void *(*fn[TT_N])(void *) = { t_writer, t_writer, t_churn, t_madv, t_fork };
	pthread_t th[TT_N];
	char *raw;

	t_epoch = epoch;
	tb = mmap(NULL, BOARD_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, bfd, 0);
	if (tb == MAP_FAILED)
		return 90;
	close(bfd);
	raw = mmap(NULL, ARENA + ZONE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		return 91;
	t_arena = (char *)(((uintptr_t)raw + ZONE - 1) & ~(ZONE - 1));
	if (t_arena > raw)
		munmap(raw, t_arena - raw);
	munmap(t_arena + ARENA, raw + ZONE - t_arena);
	tb->rss_base = status_kb("RssAnon");
	for (int z = 0; z < NZONES; z++) {
		pthread_rwlock_init(&t_zone[z], NULL);
		if (z % 2 == 0)
			madvise(t_arena + z * ZONE, ZONE, MADV_HUGEPAGE);
	}
	for (size_t off = 0; off < ARENA; off += PAGE)
		t_write_page(t_arena + off);
	tb->arena = (unsigned long)t_arena;
	for (int i = 0; i < TT_N; i++)
		if (pthread_create(&th[i], NULL, fn[i], (void *)(intptr_t)i))
			return 92;
	atomic_store(&tb->ready, 1);
	for (;;) {
		if (atomic_load(&tb->quit))
			_exit(0);	/* exit_group with every thread busy */
		if (atomic_load(&tb->pageout_req) &&
		    !atomic_load(&tb->pageout_done) &&
		    atomic_load(&tb->parked) == TT_N) {
			/* The precise leak check (DEVELOPERS.md). */
			tb->rss_full = status_kb("RssAnon");
			split_thps();
			madvise(t_arena, ARENA, MADV_PAGEOUT);
			tb->rss_after = status_kb("RssAnon");
			tb->anon_left = t_resident(tb->diag, sizeof(tb->diag));
			atomic_store(&tb->pageout_done, 1);
		}
		usleep(1000);
	}
}

/* ========================================================================= */
/* The caller                                                                */
/* ========================================================================= */

static int vfd;
static struct opcount cnt[OP_N];
static atomic_int stop, failures;
static char fail_text[512];
static pthread_mutex_t fail_lock = PTHREAD_MUTEX_INITIALIZER;

static void bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void bad(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&fail_lock);
	if (!atomic_fetch_add(&failures, 1)) {
		va_start(ap, fmt);
		vsnprintf(fail_text, sizeof(fail_text), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&fail_lock);
	atomic_store(&stop, 1);
}

/* Count an operation's result; an errno it may not give is a failure. */
static int judge(enum op op, int ok)
{
	int e = errno;

	count(&cnt[op], ok, e);
	if (ok || ops[op].counted_only)
		return ok;
	for (int i = 0; i < 4 && ops[op].ok_errno[i]; i++)
		if (ops[op].ok_errno[i] == e)
			return 0;
	bad("%s: unexpected errno %d (%s)", ops[op].name, e, strerror(e));
	return 0;
}

/* The current target; callers hold the read lock for each operation. */
static struct {
	pthread_rwlock_t lock;
	pid_t pid;
	int pidfd;
	uint64_t epoch;
	char *arena;
	struct board *b;
	int bfd;
} tg;

/*
 * The caller's address space is shared by every worker.  A FIXED clone or
 * remap that fails after unmapping its destination leaves a hole the kernel
 * may give to the next mapping another thread asks for; the failing thread
 * then munmaps (or re-reserves) that range.  So the calls that let the
 * kernel choose an address take maplock shared, and a FIXED call holds it
 * exclusive from the call through its clean-up: no mapping of another
 * thread can land in the hole in between.
 */
static pthread_rwlock_t maplock;

static void *clone_locked(int pidfd, void *src, size_t len, void *dst,
			  unsigned int flags)
{
	void *c;

	if (flags)
		pthread_rwlock_wrlock(&maplock);
	else
		pthread_rwlock_rdlock(&maplock);
	c = vmxfer_clone(vfd, pidfd, src, len, dst, flags);
	if (!flags)
		pthread_rwlock_unlock(&maplock);
	return c;		/* a FIXED caller unlocks after its clean-up */
}

static void *remap_locked(void *old, size_t len, size_t nl, void *dst,
			  unsigned int flags)
{
	void *r;

	pthread_rwlock_rdlock(&maplock);
	r = vmxfer_remap(vfd, old, len, nl, dst, flags);
	pthread_rwlock_unlock(&maplock);
	return r;
}

struct worker {
	const char *name;
	void *(*fn)(void *);
	int arg;
	pthread_t th;
	void *stack;
	atomic_ullong beat;
	_Atomic(const char *) op;
	atomic_int tid;
	uint64_t seen, seen_ms;
};

static void beat(struct worker *w, const char *op)
{
	atomic_store(&w->op, op);
	atomic_fetch_add(&w->beat, 1);
}

/* --- clones of the target ------------------------------------------------ */

static uint64_t page_hash(const uint64_t *w, int *zero)
{
	uint64_t h = 0xcbf29ce484222325ULL, any = 0;

	for (size_t i = 0; i < WPP; i++) {
		h = (h ^ w[i]) * 0x100000001b3ULL;
		any |= w[i];
	}
	*zero = !any;
	return h;
}

struct kept {
	char *addr;
	size_t len;
	uint64_t src, epoch;
	uint64_t hash[MAX_CLONE / PAGE];
};

/* Every page as it was (or all zero: a reclaimed MADV_FREE page). */
static void check_stable(const struct kept *k, const char *when)
{
	for (size_t p = 0; p < k->len / PAGE; p++) {
		int zero;
		uint64_t h = page_hash((uint64_t *)(k->addr + p * PAGE), &zero);

		if (h != k->hash[p] && !zero) {
			bad("clone of %#lx (epoch %lu) page %zu changed %s",
			    (unsigned long)k->src, (unsigned long)k->epoch, p,
			    when);
			return;
		}
	}
}

static void snapshot(struct kept *k)
{
	int zero;

	for (size_t p = 0; p < k->len / PAGE; p++)
		k->hash[p] = page_hash((uint64_t *)(k->addr + p * PAGE), &zero);
}

static int check_clone_data(const struct kept *k)
{
	const uint64_t *w = (const uint64_t *)k->addr;

	for (size_t i = 0; i < k->len / 8; i++) {
		uint64_t tag = tag_of(k->epoch, k->src + 8 * i);

		if (!word_ok(w[i], tag)) {
			bad("clone of %#lx (epoch %lu): word %zu is %#lx, tag %#lx",
			    (unsigned long)k->src, (unsigned long)k->epoch, i,
			    (unsigned long)w[i], (unsigned long)tag);
			return 0;
		}
	}
	return 1;
}

#define KEEP 3

static void *clone_worker(void *arg)
{
	struct worker *me = arg;
	static struct kept kept_store[2][KEEP];
	struct kept *ring = kept_store[me->arg];
	uint64_t s = 0x9999 + me->arg;
	int n = 0;

	atomic_store(&me->tid, gettid());
	while (!atomic_load(&stop)) {
		struct kept *k = &ring[n % KEEP], *fix = NULL;
		size_t len = PAGE * (1 + rnd(&s) % 256), off;
		enum op op = OP_CLONE;
		unsigned int flags = 0;
		char *c;

		beat(me, "clone");
		if (k->addr) {		/* the oldest kept clone goes */
			check_stable(k, "while kept");
			munmap(k->addr, k->len);
			k->addr = NULL;
		}
		off = (rnd(&s) % (ARENA / PAGE)) * PAGE;
		if (rnd(&s) % 4 == 0) {
			op = OP_CLONE_ZONE;
			off &= ~(ZONE - 1);
			len = ZONE * (1 + (off + ZONE < ARENA && rnd(&s) % 2));
		}
		if (off + len > ARENA)
			len = ARENA - off;
		if (rnd(&s) % 6 == 0 && ring[(n + 1) % KEEP].addr &&
		    ring[(n + 1) % KEEP].len >= len) {
			/* Over a kept clone of ours: it is replaced. */
			fix = &ring[(n + 1) % KEEP];
			check_stable(fix, "before a FIXED clone over it");
			op = OP_CLONE_FIXED;
			flags = VMXFER_CLONE_FIXED;
		}
		pthread_rwlock_rdlock(&tg.lock);
		k->epoch = tg.epoch;
		k->src = (uint64_t)(uintptr_t)tg.arena + off;
		c = clone_locked(tg.pidfd, (void *)(uintptr_t)k->src, len,
				 fix ? fix->addr : NULL, flags);
		pthread_rwlock_unlock(&tg.lock);
		if (fix) {
			int e = errno;

			if (c != MAP_FAILED || e != EINVAL) {
				/* Replaced, or maybe unmapped by the failure:
				 * ours no more (maplock: still nobody else's).
				 */
				if (c == MAP_FAILED)
					munmap(fix->addr, fix->len);
				else if (fix->len > len)
					munmap(fix->addr + len, fix->len - len);
				fix->addr = NULL;
			}
			pthread_rwlock_unlock(&maplock);
			errno = e;
		}
		if (!judge(op, c != MAP_FAILED)) {
			if (errno == ESRCH)	/* until the next target is in */
				usleep(10000);
			continue;
		}
		k->addr = c;
		k->len = len;
		n++;
		if (!check_clone_data(k))
			break;
		snapshot(k);
		if (rnd(&s) % 4 == 0) {
			/* Remap the clone, sometimes growing it: same data. */
			size_t nl = len * (1 + rnd(&s) % 2);
			char *r;

			beat(me, "remap clone");
			r = remap_locked(c, len, nl, NULL, 0);
			if (judge(OP_CLONE_REMAP, r != MAP_FAILED)) {
				munmap(c, len);		/* the fresh source */
				k->addr = r;
				check_stable(k, "by remap");
				for (size_t i = len; i < nl; i++)
					if (r[i]) {
						bad("remapped clone: tail byte %zu is %#x",
						    i, (unsigned char)r[i]);
						break;
					}
				if (nl > len)
					munmap(r + len, nl - len);
			}
		}
		if (rnd(&s) % 2) {
			/* Poison a page of our copy: the target never sees it. */
			size_t p = rnd(&s) % (len / PAGE);
			uint64_t *w = (uint64_t *)(k->addr + p * PAGE);
			int zero;

			beat(me, "poison clone");
			if (!mprotect(w, PAGE, PROT_READ | PROT_WRITE)) {
				for (size_t i = 0; i < WPP; i += 5)
					w[i] = ~tag_of(k->epoch,
						       k->src + p * PAGE + 8 * i);
				k->hash[p] = page_hash(w, &zero);
			}
		}
	}
	for (int i = 0; i < KEEP; i++)
		if (ring[i].addr) {
			check_stable(&ring[i], "at the end");
			munmap(ring[i].addr, ring[i].len);
			ring[i].addr = NULL;
		}
	return NULL;
}

/* --- splices of the target ------------------------------------------------ */

#define SPLICE_MAX	(512UL << 10)

static void check_spliced(const char *buf, size_t n, const struct iovec *iov,
			  int nseg, uint64_t epoch)
{
	for (int i = 0; i < nseg && n; i++) {
		uint64_t a = (uint64_t)(uintptr_t)iov[i].iov_base;
		size_t l = iov[i].iov_len < n ? iov[i].iov_len : n;

		for (size_t j = 0; j < l; j++) {
			uint64_t tag = tag_of(epoch, (a + j) & ~7ULL);

			if (!byte_ok((unsigned char)buf[j], tag, (a + j) & 7)) {
				bad("splice (epoch %lu): byte at %#lx is %#x, tag %#lx",
				    (unsigned long)epoch, (unsigned long)(a + j),
				    (unsigned char)buf[j], (unsigned long)tag);
				return;
			}
		}
		buf += l;
		n -= l;
	}
}

static int make_iov(uint64_t *s, char *arena, struct iovec *iov, int max,
		    size_t budget)
{
	int nseg = 1 + rnd(s) % max;

	for (int i = 0; i < nseg; i++) {
		size_t off = (rnd(s) % (ARENA / 8)) * 8;
		size_t len = 8 * (1 + rnd(s) % (budget / nseg / 8));

		if (off + len > ARENA)
			len = ARENA - off;
		iov[i].iov_base = arena + off;
		iov[i].iov_len = len;
	}
	return nseg;
}

static void *splice_worker(void *arg)
{
	struct worker *me = arg;
	uint64_t s = 0x4242;
	char *buf = mmap(NULL, 2 * SPLICE_MAX, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int p[2];

	atomic_store(&me->tid, gettid());
	if (buf == MAP_FAILED || pipe2(p, O_CLOEXEC) ||
	    fcntl(p[1], F_SETPIPE_SZ, 1 << 20) < 0) {
		bad("splice worker setup: %s", strerror(errno));
		return NULL;
	}
	while (!atomic_load(&stop)) {
		struct iovec iov[2][8];
		int nseg[2] = { 0, 0 };
		ssize_t n[2] = { 0, 0 };
		uint64_t epoch;

		beat(me, "splice");
		pthread_rwlock_rdlock(&tg.lock);
		epoch = tg.epoch;
		nseg[0] = make_iov(&s, tg.arena, iov[0], 8, SPLICE_MAX);
		n[0] = vmxfer_splice(vfd, tg.pidfd, p[1], iov[0], nseg[0], 0);
		judge(OP_SPLICE, n[0] >= 0);
		if (n[0] > 0 && rnd(&s) % 3 == 0) {
			nseg[1] = make_iov(&s, tg.arena, iov[1], 8, SPLICE_MAX);
			n[1] = vmxfer_splice(vfd, tg.pidfd, p[1], iov[1], nseg[1],
					     VMXFER_SPLICE_NONBLOCK);
			judge(OP_SPLICE_NB, n[1] >= 0);
		}
		pthread_rwlock_unlock(&tg.lock);
		if (n[0] < 0 && errno == ESRCH)
			usleep(10000);
		/* Sometimes the pages sit in the pipe while the target churns. */
		if (rnd(&s) % 8 == 0)
			usleep(20000 + rnd(&s) % 80000);
		for (int k = 0; k < 2; k++) {
			size_t got = 0, want = n[k] > 0 ? (size_t)n[k] : 0;

			while (got < want) {
				ssize_t r = read(p[0], buf + got, want - got);

				if (r <= 0) {
					bad("splice: pipe read: %zd (%s)", r,
					    strerror(errno));
					return NULL;
				}
				got += r;
			}
			check_spliced(buf, want, iov[k], nseg[k], epoch);
		}
	}
	close(p[0]);
	close(p[1]);
	munmap(buf, 2 * SPLICE_MAX);
	return NULL;
}

/* --- the caller's own slots: remapped while others write and madvise ------ */

#define NWRITERS	2
#define CLASSES		(NWRITERS + 1)	/* word i belongs to class i % CLASSES */
#define NSLOTS		2

static struct slot {
	char *a;		/* the slot: always mapped here */
	size_t len;
	char *res;		/* a reservation for FIXED remaps (2 x len) */
	atomic_ulong moves;	/* remaps done */
	/*
	 * The last write of each writer that began and ended between two
	 * remaps: word << 46 | (moves % 2^14) << 32 | gen.
	 */
	atomic_ullong wit[NWRITERS];
} slots[NSLOTS];

#define WIT(word, moves, g) ((uint64_t)(word) << 46 | \
			     ((uint64_t)(moves) & 0x3fff) << 32 | (g))

static atomic_ullong sgen = 1;		/* slot write generations */

static uint64_t stag(int s, size_t i)
{
	return (mix64(((uint64_t)s << 40) ^ i) | 1) << 32;
}

/* Map @len at a @align-aligned address, with a guard page on each side. */
static char *guarded(size_t len, size_t align)
{
	size_t span = len + 2 * align;
	char *r = mmap(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *a;

	assert_ptr_not_equal(r, MAP_FAILED);
	a = (char *)(((uintptr_t)r + PAGE + align - 1) & ~(align - 1));
	munmap(r, a - PAGE - r);
	munmap(a + len + PAGE, r + span - (a + len + PAGE));
	assert_ptr_equal(mmap(a, len, PROT_READ | PROT_WRITE, MAP_PRIVATE |
			      MAP_ANONYMOUS | MAP_FIXED, -1, 0), a);
	return a;
}

static void *slot_writer(void *arg)
{
	struct worker *me = arg;
	int w = me->arg, cls = w + 1;
	uint64_t s = 0x3131 + w;

	atomic_store(&me->tid, gettid());
	while (!atomic_load(&stop)) {
		struct slot *sl = &slots[rnd(&s) % NSLOTS];
		int si = (int)(sl - slots);
		size_t pg = rnd(&s) % (sl->len / PAGE), last = 0;
		volatile uint64_t *p = (volatile uint64_t *)(sl->a + pg * PAGE);
		unsigned long moves;
		uint64_t g;

		beat(me, "slot write");
		if (rnd(&s) % 4 == 0) {		/* a read fault */
			(void)p[rnd(&s) % WPP];
			continue;
		}
		moves = atomic_load(&sl->moves);
		g = atomic_fetch_add(&sgen, 1);
		for (size_t i = 0; i < WPP; i++) {
			size_t wi = pg * WPP + i;

			if (wi % CLASSES == (size_t)cls) {
				p[i] = stag(si, wi) | g;
				last = wi;
			}
		}
		/* Written wholly between two remaps: a witness. */
		if (atomic_load(&sl->moves) == moves)
			atomic_store(&sl->wit[w], WIT(last, moves, g));
		count(&cnt[OP_SLOT_WRITE], 1, 0);
		if (rnd(&s) % 4 == 0)
			usleep(200);	/* leave the vCPUs to the others too */
	}
	return NULL;
}

/* Fault and madvise the slots (advice that keeps the data). */
static void *slot_madviser(void *arg)
{
	static const int adv[] = { MADV_PAGEOUT, MADV_COLD, MADV_WILLNEED,
				   MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_COLLAPSE };
	struct worker *me = arg;
	uint64_t s = 0x2727;

	atomic_store(&me->tid, gettid());
	while (!atomic_load(&stop)) {
		struct slot *sl = &slots[rnd(&s) % NSLOTS];
		int a = adv[rnd(&s) % (sizeof(adv) / sizeof(adv[0]))];
		size_t pg = rnd(&s) % (sl->len / PAGE);
		size_t n = 1 + rnd(&s) % (sl->len / PAGE - pg);

		beat(me, "slot madvise");
		/* Flag changes on the whole slot: a part would split it. */
		if (a == MADV_HUGEPAGE || a == MADV_NOHUGEPAGE ||
		    a == MADV_COLLAPSE)
			pg = 0, n = sl->len / PAGE;
		judge(OP_SLOT_MADV, !madvise(sl->a + pg * PAGE, n * PAGE, a));
		usleep(rnd(&s) % 3000);
	}
	return NULL;
}

static void hashes(const char *p, size_t len, uint64_t *h)
{
	int zero;

	for (size_t i = 0; i < len / PAGE; i++)
		h[i] = page_hash((const uint64_t *)(p + i * PAGE), &zero);
}

/* The moved slot at @b: what was at the slot, exactly where known. */
static int check_moved(int si, const char *b, uint64_t gfill, uint64_t gmax,
		       const uint64_t *wit, unsigned long moves)
{
	const struct slot *sl = &slots[si];
	const uint64_t *w = (const uint64_t *)b;

	for (size_t i = 0; i < sl->len / 8; i++) {
		uint64_t v = w[i], want = stag(si, i) | gfill;
		int cls = i % CLASSES;

		if (cls == 0 ? v != want :
		    v && ((v >> 32) != (stag(si, i) >> 32) ||
			  (v & 0xffffffff) > gmax)) {
			bad("remap slot %d: word %zu is %#lx (class %d, fill %#lx, gen <= %lu)",
			    si, i, (unsigned long)v, cls, (unsigned long)want,
			    (unsigned long)gmax);
			return 0;
		}
	}
	for (int k = 0; k < NWRITERS; k++) {
		size_t i = wit[k] >> 46;
		uint64_t g = wit[k] & 0xffffffff;

		if (wit[k] && ((wit[k] >> 32) & 0x3fff) == (moves & 0x3fff) &&
		    (w[i] & 0xffffffff) < g) {
			bad("remap slot %d: writer %d's word %zu lost: %#lx, last write gen %lu",
			    si, k, i, (unsigned long)w[i], (unsigned long)g);
			return 0;
		}
	}
	return 1;
}

static void *remapper(void *arg)
{
	struct worker *me = arg;
	int si = me->arg;
	struct slot *sl = &slots[si];
	uint64_t s = 0x6161 + si;
	static uint64_t hbuf[NSLOTS][2][2 * ZONE / PAGE];
	uint64_t *h0 = hbuf[si][0], *h1 = hbuf[si][1];

	atomic_store(&me->tid, gettid());
	while (!atomic_load(&stop)) {
		uint64_t g = atomic_fetch_add(&sgen, 1), wit[NWRITERS], gmax;
		unsigned long moves;
		size_t nl = sl->len;
		unsigned int flags = 0;
		enum op op = OP_REMAP;
		void *want = NULL;
		char *b;

		beat(me, "slot fill");
		for (size_t i = 0; i < sl->len / 8; i += CLASSES)
			((volatile uint64_t *)sl->a)[i] = stag(si, i) | g;
		for (int k = 0; k < NWRITERS; k++)
			wit[k] = atomic_load(&sl->wit[k]);
		switch (rnd(&s) % 4) {
		case 0:
			op = OP_REMAP_GROW;
			nl = 2 * sl->len;
			break;
		case 1:
			op = OP_REMAP_FIXED;
			flags = VMXFER_REMAP_FIXED;
			want = sl->res;
			break;
		}
		beat(me, "remap");
		if (want) {
			int e;

			/* Exclusive: a failure may leave a hole in the
			 * reservation, which is made whole again before any
			 * other thread may map.
			 */
			pthread_rwlock_wrlock(&maplock);
			b = vmxfer_remap(vfd, sl->a, sl->len, nl, want, flags);
			e = errno;
			if (b == MAP_FAILED)
				mmap(want, 2 * sl->len, PROT_NONE, MAP_PRIVATE |
				     MAP_ANONYMOUS | MAP_FIXED, -1, 0);
			pthread_rwlock_unlock(&maplock);
			errno = e;
		} else {
			b = remap_locked(sl->a, sl->len, nl, NULL, 0);
		}
		gmax = atomic_load(&sgen);
		if (!judge(op, b != MAP_FAILED))
			continue;
		moves = atomic_fetch_add(&sl->moves, 1);
		if (want && b != want)
			bad("remap FIXED: at %p, not %p", (void *)b, want);
		beat(me, "remap check");
		if (check_moved(si, b, g, gmax, wit, moves)) {
			/* Nothing may reach the moved pages any more. */
			hashes(b, nl, h0);
			usleep(rnd(&s) % 2000);
			hashes(b, nl, h1);
			for (size_t p = 0; p < nl / PAGE; p++)
				if (h0[p] != h1[p]) {
					bad("remap slot %d: page %zu changed after the move",
					    si, p);
					break;
				}
			for (size_t i = sl->len; i < nl; i++)
				if (b[i]) {
					bad("remap slot %d: grown tail byte %zu is %#x",
					    si, i, (unsigned char)b[i]);
					break;
				}
		}
		if (b == sl->res)	/* back to a reservation */
			mmap(b, 2 * sl->len, PROT_NONE, MAP_PRIVATE |
			     MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		else
			munmap(b, nl);
	}
	return NULL;
}

/* --- clones from the caller itself ----------------------------------------- */

static void *self_cloner(void *arg)
{
	struct worker *me = arg;
	size_t len = 64 * PAGE;
	uint64_t s = 0x8888;
	uint64_t *shm = mmap(NULL, len, PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int self = vmxfer_pidfd_open(getpid());

	atomic_store(&me->tid, gettid());
	if (shm == MAP_FAILED || self < 0) {
		bad("self-clone setup: %s", strerror(errno));
		return NULL;
	}
	for (size_t i = 0; i < len / 8; i++)
		shm[i] = mix64(i);
	while (!atomic_load(&stop)) {
		struct slot *sl = &slots[rnd(&s) % NSLOTS];
		uint64_t *c;

		beat(me, "self clone shared");
		/* Shared memory: the clone is the same pages. */
		c = clone_locked(self, shm, len, NULL, 0);
		if (judge(OP_CLONE_SELF_SHM, c != MAP_FAILED)) {
			size_t i = rnd(&s) % (len / 8);

			if (memcmp(c, shm, len))
				bad("self clone of shared memory differs");
			c[i] = mix64(rnd(&s));
			if (shm[i] != c[i])
				bad("self clone of shared memory: a write through the clone is not seen");
			munmap(c, len);
		}
		/* A slot: refused while it has pages; else empty. */
		beat(me, "self clone slot");
		c = clone_locked(self, sl->a, sl->len, NULL, 0);
		if (judge(OP_CLONE_SELF_ANON, c != MAP_FAILED)) {
			for (size_t i = 0; i < sl->len / 8; i++)
				if (c[i]) {
					bad("self clone of a slot: word %zu is %#lx",
					    i, (unsigned long)c[i]);
					break;
				}
			munmap(c, sl->len);
		}
		usleep(rnd(&s) % 2000);
	}
	close(self);
	munmap(shm, len);
	return NULL;
}

/* --- move: the caller's own pages, back and forth ---------------------------- */

/*
 * One mapping [A | C | B] (one anon_vma: every line moves both ways).  The
 * mover owns the MVPG pages that live either in A or in B (page i at A + i
 * or B + i, never both, never neither) and moves them all from one side
 * to the other, again and again.  Page i's word k is mvw(i, seq, k), word
 * 1 its tag: MVTAG | i << 32 | seq (the times the mover rewrote it).  The
 * racer writes and checks its own pages in C, zaps some (DONTNEED),
 * mprotects C (splitting and merging the mapping around A and B) and
 * read-faults pages of A and B (a zero page on the empty side: EEXIST for
 * the next move there).  The forker forks; each child checks that every
 * page is at exactly one place (fork copies under the mmap_lock, between
 * two move calls), and its existence makes the pages shared (EBUSY until
 * the mover rewrites them).  The mover checks every page, all words, after
 * each round, and that the side left behind reads zeros.
 */
#define MVPG		64
#define MVTAG		0x6d76000000000000ULL
#define MVTAGMASK	0xffff000000000000ULL

static struct {
	char *base, *a, *c, *b;	/* base: A; B = A + 2 * MVPG pages */
	atomic_int side;	/* where the pages are: 0 A, 1 B */
} mv;

static uint64_t mvw(size_t i, uint64_t seq, size_t k)
{
	return mix64((uint64_t)i << 48 ^ seq << 12 ^ k) | 1;
}

static void mv_write(char *p, size_t i, uint64_t seq)
{
	volatile uint64_t *w = (volatile uint64_t *)p;

	for (size_t k = 0; k < WPP; k++)
		if (k != 1)
			w[k] = mvw(i, seq, k);
	w[1] = MVTAG | (uint64_t)i << 32 | seq;
}

/* Page i as the mover wrote it last (seq): the first bad word, or -1. */
static long mv_page_bad(const char *p, size_t i, uint64_t seq)
{
	const volatile uint64_t *w = (const volatile uint64_t *)p;

	if (w[1] != (MVTAG | (uint64_t)i << 32 | seq))
		return 1;
	for (size_t k = 0; k < WPP; k++)
		if (k != 1 && w[k] != mvw(i, seq, k))
			return (long)k;
	return -1;
}

static int mv_zero(const char *p)
{
	const volatile uint64_t *w = (const volatile uint64_t *)p;

	for (size_t k = 0; k < WPP; k++)
		if (w[k])
			return 0;
	return 1;
}

static void *mover(void *arg)
{
	struct worker *me = arg;
	static uint64_t seq[MVPG];
	uint64_t s = 0x6d6d;

	atomic_store(&me->tid, gettid());
	while (!atomic_load(&stop)) {
		int sd = atomic_load(&mv.side);
		char *from = sd ? mv.b : mv.a, *to = sd ? mv.a : mv.b;
		size_t done = 0, len = MVPG * PAGE;

		beat(me, "move: rewrite");
		for (size_t i = 0; i < MVPG; i++)
			if (rnd(&s) % 8 == 0)
				mv_write(from + i * PAGE, i, ++seq[i]);
		if (rnd(&s) % 8 == 0)
			madvise(from, len, MADV_PAGEOUT);	/* swap entries move */
		beat(me, "move");
		while (done < len && !atomic_load(&stop)) {
			ssize_t n = vmxfer_move(vfd, to + done, from + done,
						len - done, 0);

			if (judge(OP_MOVE, n > 0)) {
				done += (size_t)n;
				continue;
			}
			if (errno == EEXIST) {
				/* The racer's zero page, nothing else. */
				if (!mv_zero(to + done)) {
					bad("move: EEXIST at %p, which holds data (word 1 %#llx)",
					    to + done, (unsigned long long)
					    ((volatile uint64_t *)(to + done))[1]);
					break;
				}
				madvise(to + done, PAGE, MADV_DONTNEED);
			} else if (errno == EBUSY) {
				/* Shared with a fork child: a write makes the
				 * rest exclusive again (the same words). */
				for (size_t o = done; o < len; o += PAGE)
					((volatile uint64_t *)(from + o))[1] =
						((volatile uint64_t *)(from + o))[1];
				usleep(200);
			} else {
				break;	/* judged: a failure */
			}
		}
		if (done < len)
			break;
		atomic_store(&mv.side, !sd);
		beat(me, "move: check");
		for (size_t i = 0; i < MVPG; i++) {
			long k = mv_page_bad(to + i * PAGE, i, seq[i]);

			if (k >= 0) {
				bad("move: page %zu at %p (seq %llu) word %ld is %#llx",
				    i, to + i * PAGE, (unsigned long long)seq[i], k,
				    (unsigned long long)((volatile uint64_t *)
							 (to + i * PAGE))[k]);
				return NULL;
			}
			if (!mv_zero(from + i * PAGE)) {
				bad("move: page %zu still at %p after it moved "
				    "(word 1 %#llx)", i, from + i * PAGE,
				    (unsigned long long)((volatile uint64_t *)
							 (from + i * PAGE))[1]);
				return NULL;
			}
		}
		/* The zero pages just read there: gone (the racer's reads
		 * still leave some for the next move to meet: EEXIST). */
		madvise(from, len, MADV_DONTNEED);
		/* Leave the caller's mmap_lock to the clone threads too (a
		 * clone only tries it while holding the target's). */
		usleep(1000 + rnd(&s) % 4000);
	}
	return NULL;
}

/* Writes, zaps and mprotects C; read-faults A and B. */
static void *move_racer(void *arg)
{
	struct worker *me = arg;
	uint64_t s = 0x7272, gen = 0;
	int exec = 0;

	atomic_store(&me->tid, gettid());
	while (!atomic_load(&stop)) {
		size_t z0 = MVPG, z1 = MVPG;	/* zapped pages [z0, z1) */

		beat(me, "move racer");
		gen++;
		for (size_t i = 0; i < MVPG; i++)
			((volatile uint64_t *)(mv.c + i * PAGE))[0] = gen;
		if (rnd(&s) % 4 == 0) {
			z0 = rnd(&s) % MVPG;
			z1 = z0 + 1 + rnd(&s) % (MVPG - z0);
			madvise(mv.c + z0 * PAGE, (z1 - z0) * PAGE, MADV_DONTNEED);
		}
		for (size_t i = 0; i < MVPG; i++) {
			uint64_t w = ((volatile uint64_t *)(mv.c + i * PAGE))[0];

			if (w != (i >= z0 && i < z1 ? 0 : gen)) {
				bad("move racer: its page %zu reads %#llx, not %#llx",
				    i, (unsigned long long)w,
				    (unsigned long long)(i >= z0 && i < z1 ? 0 : gen));
				return NULL;
			}
		}
		if (rnd(&s) % 4 == 0) {
			exec = !exec;
			mprotect(mv.c + (rnd(&s) % 2) * PAGE, (MVPG - 1) * PAGE,
				 PROT_READ | PROT_WRITE | (exec ? PROT_EXEC : 0));
		}
		for (int n = 0; n < 8; n++) {
			size_t i = rnd(&s) % MVPG;
			char *p = (rnd(&s) % 2 ? mv.a : mv.b) + i * PAGE;
			uint64_t t = ((volatile uint64_t *)p)[1];

			if (t && (t & (MVTAGMASK | 0xffff00000000ULL)) !=
				 (MVTAG | (uint64_t)i << 32)) {
				bad("move racer: page %zu at %p has tag %#llx", i,
				    p, (unsigned long long)t);
				return NULL;
			}
		}
		count(&cnt[OP_MOVE_RACE], 1, 0);
		usleep(rnd(&s) % 2000);
	}
	return NULL;
}

/* A fork child: every page at exactly one place, with its tag. */
static int mv_child_check(void)
{
	for (size_t i = 0; i < MVPG; i++) {
		uint64_t ta = ((volatile uint64_t *)(mv.a + i * PAGE))[1];
		uint64_t tb = ((volatile uint64_t *)(mv.b + i * PAGE))[1];
		uint64_t want = MVTAG | (uint64_t)i << 32;
		int at_a = (ta & ~0xffffffffULL) == want;
		int at_b = (tb & ~0xffffffffULL) == want;

		if (!at_a && !at_b)
			return 10;		/* lost */
		if (at_a && at_b)
			return 11;		/* at both places */
		if ((at_a && tb) || (at_b && ta))
			return 12;		/* garbage on the other side */
	}
	return 0;
}

static void *move_forker(void *arg)
{
	struct worker *me = arg;
	uint64_t s = 0x6666;

	atomic_store(&me->tid, gettid());
	while (!atomic_load(&stop)) {
		pid_t pid;
		int st = 0;

		beat(me, "move fork");
		pid = fork();
		if (pid == 0) {
			int r = mv_child_check();

			if (!r)
				usleep(rnd(&s) % 3000);	/* keep sharing */
			_exit(r);
		}
		if (pid < 0) {
			bad("move forker: fork: %s", strerror(errno));
			break;
		}
		waitpid(pid, &st, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st)) {
			bad("move: a fork child found a page %s (status %#x)",
			    WIFEXITED(st) && WEXITSTATUS(st) == 10 ? "at neither place" :
			    WIFEXITED(st) && WEXITSTATUS(st) == 11 ? "at both places" :
			    "with a bad tag", st);
			break;
		}
		count(&cnt[OP_MOVE_FORK], 1, 0);
		usleep(50000 + rnd(&s) % 200000);
	}
	return NULL;
}

/* --- targets: start, switch, end ------------------------------------------- */

static uint64_t epochs;

/* Fold a finished target's counts and verdict in; release it. */
static void target_release(void)
{
	struct board *b = tg.b;

	if (atomic_load(&b->bad))
		bad("%s", b->msg);
	for (int op = 0; op < OP_N; op++) {
		atomic_fetch_add(&cnt[op].ok, atomic_load(&b->cnt[op].ok));
		for (int e = 0; e < NERR; e++)
			atomic_fetch_add(&cnt[op].err[e],
					 atomic_load(&b->cnt[op].err[e]));
	}
	close(tg.pidfd);
	munmap(b, BOARD_SIZE);
	close(tg.bfd);
	tg.b = NULL;
}

static void target_reap(int killed, unsigned int wd_s);

/*
 * Start a target.  Once it is ready the previous one, if any, ends --
 * exit_group() while its threads work, or SIGKILL -- is reaped, and the
 * new one takes its place in one step (callers meet ESRCH only between).
 */
static void target_begin(uint64_t *s, unsigned int wd_s)
{
	int bfd = memfd_create("vmxfer-stress-board", 0);
	struct board *b;
	char fd_s[16], ep_s[32];
	uint64_t t0 = now_ms();
	pid_t pid;

	assert_true(bfd >= 0);
	assert_int_equal(ftruncate(bfd, BOARD_SIZE), 0);
	pthread_rwlock_rdlock(&maplock);
	b = mmap(NULL, BOARD_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, bfd, 0);
	pthread_rwlock_unlock(&maplock);
	assert_ptr_not_equal(b, MAP_FAILED);
	snprintf(fd_s, sizeof(fd_s), "%d", 3);
	snprintf(ep_s, sizeof(ep_s), "%lu", (unsigned long)epochs + 1);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (dup2(bfd, 3) != 3)
			_exit(89);
		syscall(SYS_close_range, 4U, ~0U, 0U);
		execl("/proc/self/exe", "test_stress", "--stress-target", fd_s,
		      ep_s, (char *)NULL);
		_exit(88);
	}
	while (!atomic_load(&b->ready)) {
		int st;

		if (waitpid(pid, &st, WNOHANG) == pid)
			fail_msg("stress target did not start: status %#x", st);
		/* Debug kernels (KASAN in TCG) need a longer watchdog. */
		if (now_ms() - t0 > 2000ULL * (wd_s > 30 ? wd_s : 30))
			fail_msg("stress target not ready after %u s",
				 2 * (wd_s > 30 ? wd_s : 30));
		usleep(2000);
	}
	if (tg.b) {
		int kill_it = rnd(s) % 2;

		if (kill_it)
			kill(tg.pid, SIGKILL);
		else
			atomic_store(&tg.b->quit, 1);
		count(&cnt[kill_it ? OP_T_KILL : OP_T_EXIT], 1, 0);
		target_reap(kill_it, wd_s);
	}
	pthread_rwlock_wrlock(&tg.lock);
	if (tg.b)
		target_release();
	tg.pid = pid;
	tg.pidfd = vmxfer_pidfd_open(pid);
	assert_true(tg.pidfd >= 0);
	tg.epoch = ++epochs;
	tg.arena = (char *)b->arena;
	tg.b = b;
	tg.bfd = bfd;
	pthread_rwlock_unlock(&tg.lock);
}

/* Wait for the target; its exit must be ours (quit or SIGKILL). */
static void target_reap(int killed, unsigned int wd_s)
{
	uint64_t t0 = now_ms();
	int st;

	/*
	 * Twice the watchdog: a loaded TCG guest once took over 30 s to end
	 * a target whose thread was copying THPs on write faults (7.2).
	 */
	while (waitpid(tg.pid, &st, WNOHANG) != tg.pid) {
		if (now_ms() - t0 > 2000ULL * wd_s) {
			test_sh("cat /proc/%d/task/*/stack", (int)tg.pid);
			bad("target %d did not exit in %u s", (int)tg.pid,
			    2 * wd_s);
			return;
		}
		usleep(1000);
	}
	if (killed ? !(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) :
		     !(WIFEXITED(st) && WEXITSTATUS(st) == 0))
		bad("target %d (epoch %lu) died by itself: status %#x",
		    (int)tg.pid, (unsigned long)tg.epoch, st);
}

/* --- the watchdog ------------------------------------------------------------ */

/*
 * Its own thread, doing nothing that needs the mmap_lock (no fork, no
 * malloc), so that it still speaks when a worker died holding it.  The
 * main thread counts as a worker with a longer limit (a target switch
 * waits up to the limit for the old target and up to 60 s for the new).
 */
static struct worker *wk;
static int nwk;
static unsigned int wd_limit;
static atomic_int wd_done;

static void report(unsigned int secs);

/* Copy /proc/@pid/task/@tid/@file to stdout. */
static void dump_proc(int pid, int tid, const char *file)
{
	char path[96], buf[4096];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/%s", pid, tid, file);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write(1, buf, n) != n)
			break;
	close(fd);
}

/*
 * Every thread of @pid: its stat line (the state: R and S holders of a
 * lock do not show in sysrq's blocked list) and kernel stack.
 */
static void dump_threads(int pid)
{
	char path[64];
	struct dirent *d;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return;
	while ((d = readdir(dir)))
		if (d->d_name[0] != '.') {
			dump_proc(pid, atoi(d->d_name), "stat");
			dump_proc(pid, atoi(d->d_name), "stack");
		}
	closedir(dir);
}

static void sysrq_blocked(void)
{
	int fd = open("/proc/sysrq-trigger", O_WRONLY);

	if (fd >= 0) {
		if (write(fd, "w", 1) != 1)
			perror("sysrq");
		close(fd);
	}
}

static void *watchdog(void *arg)
{
	(void)arg;
	while (!atomic_load(&wd_done)) {
		uint64_t t = now_ms();

		for (int i = 0; i < nwk; i++) {
			struct worker *w = &wk[i];
			uint64_t b = atomic_load(&w->beat), lim = wd_limit * 1000ULL;

			if (i == nwk - 1)	/* main */
				lim = lim * 3 + 60000;
			if (b != w->seen || !w->seen_ms) {
				w->seen = b;
				w->seen_ms = t;
				continue;
			}
			if (t - w->seen_ms <= lim)
				continue;
			printf("# HUNG: %s (tid %d) in \"%s\" for %lu s\n",
			       w->name, atomic_load(&w->tid),
			       atomic_load(&w->op), (unsigned long)(lim / 1000));
			fflush(stdout);
			dump_threads(getpid());
			if (tg.pid > 0)
				dump_threads(tg.pid);
			sysrq_blocked();
			report(0);
			printf("not ok 1 - test_stress (a worker hung)\n");
			fflush(stdout);
			_exit(2);	/* cannot join it */
		}
		usleep(200000);
	}
	return NULL;
}

/* The target's threads (the main thread's: it owns tg.b). */
static void watch_target(uint64_t t, unsigned int wd_s)
{
	static uint64_t tseen[TT_N], tseen_ms[TT_N];
	static pid_t tpid;

	if (tpid != tg.pid) {
		tpid = tg.pid;
		memset(tseen_ms, 0, sizeof(tseen_ms));
	}
	for (int i = 0; i < TT_N; i++) {
		uint64_t b = atomic_load(&tg.b->beat[i]);

		if (b != tseen[i] || !tseen_ms[i]) {
			tseen[i] = b;
			tseen_ms[i] = t;
		} else if (t - tseen_ms[i] > wd_s * 1000ULL) {
			printf("# HUNG: target %d thread %d\n", (int)tg.pid, i);
			fflush(stdout);
			test_sh("cat /proc/%d/task/*/stack", (int)tg.pid);
			sysrq_blocked();
			bad("target %d thread %d hung", (int)tg.pid, i);
			tseen_ms[i] = t;
		}
	}
}

/* --- the report ---------------------------------------------------------------- */

static void report(unsigned int secs)
{
	unsigned long total = 0;

	printf("# %-20s %10s  %s\n", "op", "ok", "failed (errno: count)");
	for (int op = 0; op < OP_N; op++) {
		char errs[256] = "";
		size_t o = 0;

		for (int e = 0; e < NERR; e++) {
			unsigned long n = atomic_load(&cnt[op].err[e]);

			if (n && o < sizeof(errs))
				o += snprintf(errs + o, sizeof(errs) - o, " %s: %lu",
					      e ? strerrorname_np(e) : "?", n);
			total += n;
		}
		total += atomic_load(&cnt[op].ok);
		printf("# %-20s %10lu %s\n", ops[op].name,
		       atomic_load(&cnt[op].ok), errs);
	}
	printf("# %lu operations in %u s, %lu targets\n", total, secs,
	       (unsigned long)epochs);
}

static unsigned int env_uint(const char *name, unsigned int def)
{
	const char *v = getenv(name);

	return v && *v ? (unsigned int)strtoul(v, NULL, 10) : def;
}

static void *thread_stack;
static pthread_t wd_thread;
#define STACK_SIZE	(256UL << 10)

/* w[nw - 1] is the main thread (watched, not started). */
static void start_workers(struct worker *w, int nw)
{
	pthread_attr_t at;

	/* Our own stacks: glibc would cache its own after join. */
	thread_stack = mmap(NULL, nw * STACK_SIZE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_ptr_not_equal(thread_stack, MAP_FAILED);
	atomic_store(&w[nw - 1].tid, gettid());
	for (int i = 0; i < nw; i++) {
		pthread_attr_init(&at);
		pthread_attr_setstack(&at, (char *)thread_stack + i * STACK_SIZE,
				      STACK_SIZE);
		if (i < nw - 1)
			assert_int_equal(pthread_create(&w[i].th, &at, w[i].fn,
							&w[i]), 0);
		else
			assert_int_equal(pthread_create(&wd_thread, &at,
							watchdog, NULL), 0);
		pthread_attr_destroy(&at);
	}
}

/* /dev/vmxfer with clone, splice and remap, or a failed test. */
static int open_all(void)
{
	const uint64_t need = VMXFER_FEAT_CLONE | VMXFER_FEAT_SPLICE |
			      VMXFER_FEAT_REMAP | VMXFER_FEAT_MOVE;
	struct vmxfer_info info;
	int fd = test_open();

	assert_int_equal(vmxfer_info(fd, &info), 0);
	if ((info.features & need) != need)
		fail_msg("features %#llx lack clone, splice, remap or move",
			 (unsigned long long)info.features);
	return fd;
}

static void slot_setup(struct slot *sl, size_t len, size_t align)
{
	sl->len = len;
	sl->a = guarded(len, align);
	sl->res = guarded(2 * len, align);
	if (align == ZONE)
		madvise(sl->a, len, MADV_HUGEPAGE);
}

static void slot_teardown(struct slot *sl)
{
	munmap(sl->a - PAGE, sl->len + 2 * PAGE);
	munmap(sl->res - PAGE, 2 * sl->len + 2 * PAGE);
}

/* The last target: paused, paged out, its RssAnon read, told to quit. */
static void target_last(unsigned int wd_s, long *rss, long *anon_left)
{
	struct board *b = tg.b;
	uint64_t t0 = now_ms();

	atomic_store(&b->pause, 1);
	atomic_store(&b->pageout_req, 1);
	while (!atomic_load(&b->pageout_done) && now_ms() - t0 < wd_s * 1000ULL)
		usleep(2000);
	if (!atomic_load(&b->pageout_done))
		bad("the last target did not page out in %u s", wd_s);
	rss[0] = b->rss_base;
	rss[1] = b->rss_full;
	rss[2] = b->rss_after;
	*anon_left = b->anon_left;
	printf("# last target after the pageout: %s\n", b->diag);
	atomic_store(&b->quit, 1);
	count(&cnt[OP_T_EXIT], 1, 0);
	target_reap(0, wd_s);
	target_release();	/* the workers are gone: no lock */
}

/*
 * A read fault on an unfaulted THP range maps the huge zero page, which
 * the process then holds until it exits (2 MiB the leak check would count
 * as lost): take it before the first reading.
 */
static void huge_zero_page(void)
{
	char *r = mmap(NULL, 2 * ZONE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *a = (char *)(((uintptr_t)r + ZONE - 1) & ~(ZONE - 1));

	assert_ptr_not_equal(r, MAP_FAILED);
	madvise(a, ZONE, MADV_HUGEPAGE);
	(void)*(volatile char *)a;
	munmap(r, 2 * ZONE);
}

/* A counter that came back within @limit kB (more is a leak). */
static void within(const char *what, long kb, long limit)
{
	if (kb > limit)
		fail_msg("%s: %ld kB more than before (limit %ld)", what, kb,
			 limit);
}

/*
 * A fault in any thread (cmocka's own handler would exit(-1) from a worker
 * thread without a word): say which thread, doing what, at which address,
 * then die of it.  Async-signal-safe: snprintf into a stack buffer is not
 * strictly, but the process is going down either way.
 */
static struct worker *crash_wk;
static int crash_nwk;

static void crash_handler(int sig, siginfo_t *si, void *uc)
{
	char buf[256];
	const char *who = "?", *op = "?";
	int tid = gettid(), n;

	(void)uc;
	for (int i = 0; crash_wk && i < crash_nwk; i++)
		if (atomic_load(&crash_wk[i].tid) == tid) {
			who = crash_wk[i].name;
			op = atomic_load(&crash_wk[i].op);
		}
	n = snprintf(buf, sizeof(buf), "# CRASH: signal %d (code %d) at %p in "
		     "thread %d (%s, in \"%s\")\n", sig, si->si_code,
		     si->si_addr, tid, who, op ? op : "?");
	if (n > 0 && write(2, buf, (size_t)n) < 0)
		n = 0;
	signal(sig, SIG_DFL);
	raise(sig);
}

static void crash_report(struct worker *w, int nw)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = crash_handler;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	crash_wk = w;
	crash_nwk = nw;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
}

static void test_stress(void **state)
{
	struct worker w[] = {
		{ .name = "clone0", .fn = clone_worker, .arg = 0 },
		{ .name = "clone1", .fn = clone_worker, .arg = 1 },
		{ .name = "splice", .fn = splice_worker },
		{ .name = "remap0", .fn = remapper, .arg = 0 },
		{ .name = "remap1", .fn = remapper, .arg = 1 },
		{ .name = "slotwrite0", .fn = slot_writer, .arg = 0 },
		{ .name = "slotwrite1", .fn = slot_writer, .arg = 1 },
		{ .name = "slotmadvise", .fn = slot_madviser },
		{ .name = "selfclone", .fn = self_cloner },
		{ .name = "mover", .fn = mover },
		{ .name = "moveracer", .fn = move_racer },
		{ .name = "moveforker", .fn = move_forker },
		{ .name = "main" },
	};
	const int nw = sizeof(w) / sizeof(w[0]);
	unsigned int secs = env_uint("VMXFER_STRESS_SECONDS", 60);
	/* A lockdep (debug, KASAN) kernel in TCG is ~10x slower. */
	int debug = !access("/proc/lockdep", F_OK);
	unsigned int wd = env_uint("VMXFER_STRESS_WATCHDOG", debug ? 240 : 30);
	long vsz[2], rss[2], pte[2], trss[3], tleft, lost, swslot[2];
	struct test_mem m0, m1;
	pthread_rwlockattr_t ra;
	uint64_t s = 0x1111, t0, t, next;

	(void)state;
	vfd = open_all();
	pthread_rwlockattr_init(&ra);
	pthread_rwlockattr_setkind_np(&ra,
				      PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&tg.lock, &ra);
	pthread_rwlock_init(&maplock, &ra);
	huge_zero_page();
	test_mem_snapshot(&m0);
	swslot[0] = test_meminfo("SwapTotal") - test_meminfo("SwapFree") - m0.swapcached;
	vsz[0] = status_kb("VmSize");
	rss[0] = status_kb("RssAnon");
	pte[0] = status_kb("VmPTE");

	slot_setup(&slots[0], 1UL << 20, PAGE);
	slot_setup(&slots[1], ZONE, ZONE);
	mv.base = mv.a = guarded(3 * MVPG * PAGE, ZONE);
	mv.c = mv.a + MVPG * PAGE;
	mv.b = mv.c + MVPG * PAGE;
	/* Written while it is one mapping: one anon_vma for A, C and B. */
	for (size_t i = 0; i < MVPG; i++) {
		mv_write(mv.a + i * PAGE, i, 0);
		((volatile uint64_t *)(mv.c + i * PAGE))[0] = 1;
	}
	target_begin(&s, wd);
	wk = w;
	nwk = nw;
	wd_limit = wd;
	crash_report(w, nw);
	start_workers(w, nw);
	t0 = now_ms();
	next = t0 + 3000 + rnd(&s) % 7000;
	while (!atomic_load(&stop) && (t = now_ms()) - t0 < secs * 1000ULL) {
		usleep(100000);
		beat(&w[nw - 1], "run");
		watch_target(t, wd);
		if (t >= next) {
			beat(&w[nw - 1], "target switch");
			target_begin(&s, wd);
			next = now_ms() + 3000 + rnd(&s) % 7000;
		}
	}
	t = now_ms() - t0;
	atomic_store(&stop, 1);
	beat(&w[nw - 1], "join");
	for (int i = 0; i < nw - 1; i++) {
		struct timespec dl;

		clock_gettime(CLOCK_REALTIME, &dl);
		dl.tv_sec += wd;
		if (pthread_timedjoin_np(w[i].th, NULL, &dl)) {
			printf("# HUNG: %s (tid %d) in \"%s\" at the end\n",
			       w[i].name, atomic_load(&w[i].tid),
			       atomic_load(&w[i].op));
			report(secs);
			fail_msg("worker %s did not finish in %u s", w[i].name, wd);
		}
	}
	beat(&w[nw - 1], "last target");
	target_last(wd, trss, &tleft);
	atomic_store(&wd_done, 1);
	pthread_join(wd_thread, NULL);
	for (int i = 0; i < NSLOTS; i++)
		slot_teardown(&slots[i]);
	munmap(mv.base - PAGE, 3 * MVPG * PAGE + 2 * PAGE);
	munmap(thread_stack, nw * STACK_SIZE);
	close(vfd);

	report((unsigned int)(t / 1000));
	/* The caller's own counters: everything it mapped is gone. */
	vsz[1] = status_kb("VmSize");
	rss[1] = status_kb("RssAnon");
	pte[1] = status_kb("VmPTE");
	printf("# caller (kB): VmSize %ld->%ld RssAnon %ld->%ld VmPTE %ld->%ld\n",
	       vsz[0], vsz[1], rss[0], rss[1], pte[0], pte[1]);
	printf("# last target RssAnon (kB): %ld at start, %ld full, %ld paged out\n",
	       trss[0], trss[1], trss[2]);
	test_mem_snapshot(&m1);
	swslot[1] = test_meminfo("SwapTotal") - test_meminfo("SwapFree") - m1.swapcached;
	printf("# swap slots in use beyond the swap cache (kB): %ld -> %ld\n",
	       swslot[0], swslot[1]);
	/*
	 * Swap-cache pages of freed entries are reclaimable, not lost, and so
	 * is zram's compressed copy behind each (5.10 keeps megabytes of
	 * them).  A leaked swap reference shows as a slot in use beyond the
	 * swap cache (the per-cpu slot caches hold up to 128 per CPU).
	 */
	lost = test_mem_report(&m0, &m1) + m0.swapcached - m1.swapcached +
	       (m1.zram > m0.zram ? m0.zram - m1.zram : 0);
	if (atomic_load(&failures))
		fail_msg("%d failure(s), the first: %s", atomic_load(&failures),
			 fail_text);
	/* A page with an extra reference cannot be paged out. */
	if (tleft >= 0)
		within("last target's anon pages after the pageout", tleft, 1024);
	else
		within("last target paged out vs start", trss[2] - trss[0], 1024);
	assert_true(trss[1] > 8 * 1024);	/* the check means something */
	within("caller VmSize", labs(vsz[1] - vsz[0]), 1024);
	within("caller RssAnon", rss[1] - rss[0], 512);
	within("caller VmPTE", pte[1] - pte[0], 64);
	/*
	 * KASAN's quarantine holds freed slab objects a while (unreclaimable
	 * slab grew 2.2 MB over a run on debug-7.2): a looser bound there.
	 */
	within("free memory (+ swap cache, zram) lost", lost,
	       debug ? 8192 : 2048);
	within("swap slots in use beyond the swap cache", swslot[1] - swslot[0], 1024);
	within("AnonPages", m1.anon - m0.anon, 1024);
	within("PageTables", m1.pagetables - m0.pagetables, 256);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stress),
	};

	if (argc == 4 && !strcmp(argv[1], "--stress-target"))
		return target_main(atoi(argv[2]), strtoull(argv[3], NULL, 10));
	test_filter_from_env();
	return cmocka_run_group_tests_name("stress", tests, NULL, NULL);
}
