// SPDX-License-Identifier: GPL-2.0
/*
 * An ioctl fuzzer for /dev/vmxfer (issue 7, hardening).
 *
 * Deterministic: every argument comes from one xorshift generator seeded
 * with VMXFER_FUZZ_SEED (printed; "random" picks one).  VMXFER_FUZZ_N
 * calls as root (default 80000), then VMXFER_FUZZ_USER_N (default N / 4)
 * as uid 1000 against a root process: 100000 per line in make check.
 * `make fuzz LINE= N= SEED=` runs more.
 *
 * Each call gets: a command word (any size field; random words too), an
 * argument pointer (good, NULL, kernel, non-canonical, unmapped, read-only,
 * straddling into read-only / PROT_NONE / unmapped), a size field (0, below
 * VER0, VER0, larger with a zero or non-zero tail, 4096, beyond), flags and
 * reserved fields, a pidfd (the target, self, a zombie, a reaped child, not
 * a pidfd), addresses in every kind of mapping the target and the fuzzer
 * have (anon 4K/THP, shared, memfd, file, private file, PROT_NONE,
 * read-only, write-only, mlocked, swapped, hugetlb, memfd_secret, uffd,
 * guard regions, KSM-mergeable, a hole, stack, vdso, vvar, vsyscall) and
 * lengths (0, unaligned, straddling, huge, wrapping).
 *
 * After each call: the result is in the op's documented errno set
 * (include/uapi/linux/vmxfer.h; known exceptions in one place below); a
 * call with exactly one documented error gets exactly that errno; a failed
 * call changed nothing visible (/proc/self/maps, the pipe, the fuzzer's
 * stamped pages in the ranges named, the target's data); a successful one
 * returned sane output and is undone (munmap, arena re-reserved, pipe
 * drained), so the run is bounded in memory.  Ops not in INFO's features
 * must give EOPNOTSUPP.  A violation prints the call and the seed.
 *
 * Move works on the fuzzer's own memory: the state of every page it names
 * (/proc/self/pagemap: populated or not, no fault) is taken before the
 * call; a failed move changed none; a successful one moved whole pages,
 * each now at dst with the data src held, src empty (and read as zeros
 * now and then), nothing past 'moved' touched, a short move's remainder
 * fails when asked again; then the pages are moved back (a move too) and
 * every page must be as before, stamps included.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <linux/userfaultfd.h>

#include "common.h"

#define PG	4096UL
#define HPG	(2UL << 20)
#define ARENA	(64UL << 20)	/* PROT_NONE reservation: FIXED targets */
#define FREEZONE (64UL << 20)	/* left unmapped: NOREPLACE targets */
#define KADDR	0xffff888000000000ULL
#define VSYSCALL 0xffffffffff600000ULL
#define MADV_GUARD_INSTALL_ 102	/* 6.13 */
#define MADV_PAGEOUT_	21
#define NR_MEMFD_SECRET	447
#define MAXERR	134

/* --- the documented errno sets (include/uapi/linux/vmxfer.h) ----------- */

enum fop { F_INFO, F_SYMBOL, F_CLONE, F_MOVE, F_REMAP, F_SPLICE, F_MERGE,
	   F_BADCMD, F_NOPS };

static const char *const fop_name[F_NOPS] = {
	"info", "symbol", "clone", "move", "remap", "splice", "merge", "badcmd",
};

/*
 * EFAULT and E2BIG come from the general rules (bad pointer; a non-zero
 * tail past the module's struct) and apply to every struct-taking ioctl.
 */
static const int doc_errnos[F_NOPS][16] = {
	[F_INFO] = { EFAULT, EINVAL, E2BIG },
	[F_SYMBOL] = { EFAULT, EINVAL, E2BIG, ENOENT },
	[F_CLONE] = { EOPNOTSUPP, EINVAL, EFAULT, EBUSY, EIO, EAGAIN, ENOMEM,
		      EEXIST, EBADF, ESRCH, EPERM, EINTR, E2BIG, EACCES,
		      ETXTBSY },
	[F_MOVE] = { EOPNOTSUPP, EINVAL, EFAULT, EPERM, EEXIST, ENOENT, EBUSY,
		     ENOMEM, EINTR, E2BIG },
	[F_REMAP] = { EOPNOTSUPP, EINVAL, EFAULT, ENOMEM, EEXIST, EINTR, E2BIG,
		      EPERM, EAGAIN },
	[F_SPLICE] = { EOPNOTSUPP, EINVAL, EBADF, ESRCH, EPERM, EFAULT, EAGAIN,
		       EPIPE, EINTR, E2BIG },
	[F_MERGE] = { EOPNOTSUPP, EINVAL, EFAULT, ENOMEM, EBUSY, EAGAIN, EINTR,
		      E2BIG },
	[F_BADCMD] = { ENOTTY },
};

static const uint32_t op_nr[F_NOPS] = {
	_IOC_NR(VMXFER_IOC_INFO), _IOC_NR(VMXFER_IOC_SYMBOL),
	_IOC_NR(VMXFER_IOC_CLONE), _IOC_NR(VMXFER_IOC_MOVE),
	_IOC_NR(VMXFER_IOC_REMAP), _IOC_NR(VMXFER_IOC_SPLICE),
	_IOC_NR(VMXFER_IOC_MERGE), 0xff,
};

static const int op_feat[F_NOPS] = {
	-1, -1, VMXFER_OP_CLONE, VMXFER_OP_MOVE, VMXFER_OP_REMAP,
	VMXFER_OP_SPLICE, VMXFER_OP_MERGE, -1,
};

static const uint32_t op_ver0[F_NOPS] = {
	VMXFER_INFO_SIZE_VER0, VMXFER_SYMBOL_SIZE_VER0, VMXFER_CLONE_SIZE_VER0,
	VMXFER_MOVE_SIZE_VER0, VMXFER_REMAP_SIZE_VER0, VMXFER_SPLICE_SIZE_VER0,
	VMXFER_MERGE_SIZE_VER0, 0,
};

/* --- state ---------------------------------------------------------------- */

enum rkind { R_ANON, R_THP, R_SHARED, R_MEMFD, R_FILE, R_PRIVFILE, R_NONE,
	     R_RDONLY, R_WRONLY, R_MLOCK, R_SWAP, R_HUGETLB, R_SECRET, R_UFFD,
	     R_GUARD, R_KSM, R_HOLE, R_EMPTY, R_ZERO, R_LOCKE, R_ARENA, R_STACK,
	     R_VDSO, R_VVAR, R_VSYSCALL, R_NKINDS };

static const char *const rk_name[R_NKINDS] = {
	"anon", "thp", "shared", "memfd", "file", "privfile", "none", "rdonly",
	"wronly", "mlock", "swap", "hugetlb", "secret", "uffd", "guard", "ksm",
	"hole", "empty", "zero", "lockempty", "arena", "stack", "vdso", "vvar",
	"vsyscall",
};

/* Kinds whose pages carry pat(addr) in their first word. */
#define STAMPED ((1u << R_ANON) | (1u << R_THP) | (1u << R_SHARED) | \
		 (1u << R_MEMFD) | (1u << R_FILE) | (1u << R_MLOCK) | \
		 (1u << R_SWAP) | (1u << R_KSM))
/*
 * The fuzzer's own mappings that remap may take as a source: all of them
 * but the uffd range nobody serves (a moved-away page there would fault
 * MISSING for ever) and the locked ones (mlock, lock-on-fault,
 * memfd_secret): remap unlocks the moved part and splits it off, as
 * mremap(MREMAP_DONTUNMAP) does, and locking it again does not merge it
 * back (mremap leaves the same), so the fuzzer's maps would not come back.
 * test_remap_lock and test_remap_kinds cover those.
 */
#define SCRATCH (((1u << R_STACK) - 1) & \
		 ~((1u << R_UFFD) | (1u << R_SECRET) | (1u << R_MLOCK) | \
		   (1u << R_LOCKE)))
#define BIT(k) (1u << (k))
/* Move: kinds that are not private anonymous memory (EINVAL) ... */
#define MV_BADKIND (BIT(R_SHARED) | BIT(R_MEMFD) | BIT(R_FILE) | \
		    BIT(R_PRIVFILE) | BIT(R_HUGETLB) | BIT(R_SECRET) | \
		    BIT(R_VDSO) | BIT(R_VVAR))
/* ... populated ones a move may take (preferred sources) ... */
#define MV_FULL (BIT(R_ANON) | BIT(R_THP) | BIT(R_SWAP) | BIT(R_KSM) | \
		 BIT(R_ZERO) | BIT(R_MLOCK))
/* ... empty ones (preferred destinations) ... */
#define MV_EMPTY (BIT(R_EMPTY) | BIT(R_HOLE) | BIT(R_GUARD) | BIT(R_LOCKE))
/* ... and never a source: the fuzzer's own stack, and a uffd range
 * nobody serves (its moved-away pages would fault MISSING for ever). */
#define MV_NOSRC (BIT(R_STACK) | BIT(R_UFFD))
/* Private kinds whose pages carry pat(addr): what a moved page holds. */
#define MV_STAMPED (BIT(R_ANON) | BIT(R_THP) | BIT(R_MLOCK) | BIT(R_SWAP) | \
		    BIT(R_KSM))
#define MV_SNAP 1024	/* pages of src and dst whose state is compared */

struct region {
	uint64_t addr, len;
};

struct rtab {
	struct region r[R_NKINDS];
};

enum pidk { PK_TARGET, PK_SELF, PK_ZOMBIE, PK_REAPED, PK_DEVNULL, PK_NEG,
	    PK_CLOSED, PK_VFD, PK_NPIDK };
static const char *const pidk_name[PK_NPIDK] = {
	"target", "self", "zombie", "reaped", "devnull", "-1", "closed", "vfd",
};

enum ptrk { P_OK, P_UNALIGNED, P_NULL, P_KERNEL, P_NONCANON, P_UNMAPPED,
	    P_RO, P_STR_RO, P_STR_NONE, P_STR_UNMAP, P_NPTRK };
static const char *const ptrk_name[P_NPTRK] = {
	"ok", "unaligned", "NULL", "kernel", "noncanonical", "unmapped",
	"read-only", "straddle-ro>rw", "straddle-rw>none", "straddle-rw>unmapped",
};

/* Argument pages, in one reservation: [ro: a memfd page][rw][PROT_NONE]
 * [the ro page's RW alias][big: rw rw][unmapped][PROT_NONE]. */
struct parena {
	char *ro, *ro_alias, *big;
};

enum pipek { PI_GOOD, PI_READEND, PI_DEVNULL, PI_NEG, PI_NOREADER, PI_FULL,
	     PI_NPIPEK };
static const char *const pipek_name[PI_NPIPEK] = {
	"good", "read-end", "devnull", "-1", "no-reader", "full",
};

struct call {
	enum fop op;
	unsigned long cmd;
	int ptrk, pidk, pipek, srck, dstk, intr;
	char *arg;
	uint32_t size;
	int nbad, want;		/* documented single errors; the errno */
	int sane;		/* struct and pointer fine (user phase: EPERM) */
	unsigned char buf[4096 + 64];
	uint64_t rlen;		/* region length behind src (stamp checks) */
	uint64_t ilen;		/* splice: bytes named by iov[0] */
};

static struct fz {
	uint64_t seed, rng, features;
	uint32_t nr_symbols;
	int vfd, user, nviol, clean;
	long n, done;
	long hist[F_NOPS][MAXERR + 1];
	struct rtab self, tgt;
	char *arena, *freezone;
	struct parena pa_arg, pa_iov;
	int pidfd[PK_NPIDK];
	int pipe_good[2], pipe_noreader, pipe_full[2];
	pid_t tgt_pid;
	int tgt_cmd, tgt_ack;
	unsigned long mmap_min;
	uint64_t task_size;	/* TASK_SIZE: 4- or 5-level paging */
	long vmsize_ref;
	long exc[2];		/* known exceptions met: hint, FIXED* */
	long mv_ok, mv_partial, mv_pages, mv_back, mv_zread, mv_busyback;
	int relink;		/* 6.12+: a moved page takes dst's anon_vma */
	char mapsref[1 << 16], mapsnow[1 << 16];
	long mapsref_len;
	char missing[128];	/* kinds that should exist but were not made */
} F;

static struct iovec iovbig[1025];
static char drainbuf[1 << 17];

static uint64_t rnd(void)
{
	F.rng ^= F.rng >> 12;
	F.rng ^= F.rng << 25;
	F.rng ^= F.rng >> 27;
	return F.rng * 0x2545F4914F6CDD1DULL;
}

static uint64_t rn(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static int one_in(uint64_t n)
{
	return rn(n) == 0;
}

/*
 * Half the calls are "clean": each choice goes wild only one time in 12,
 * so most of them carry no error or exactly one (its errno is checked
 * exactly, and the success paths are exercised).  The rest are free.
 */
static int wild(void)
{
	return !F.clean || one_in(12);
}

static uint64_t pat(uint64_t addr)
{
	return (addr * 0x9E3779B97F4A7C15ULL) ^ 0x766d78666572ULL;
}

/* --- mappings -------------------------------------------------------------- */

static void *mapx(size_t len, int prot, int flags, int fd)
{
	void *p = mmap(NULL, len, prot, flags, fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Read every page: the zero page mapped there. */
static void zero_touch(const struct region *r)
{
	for (uint64_t o = 0; r->addr && o < r->len; o += PG)
		(void)*(volatile uint64_t *)(r->addr + o);
}

static void stamp(uint64_t a, uint64_t len)
{
	for (uint64_t o = 0; o < len; o += PG)
		*(volatile uint64_t *)(a + o) = pat(a + o);
}

/* Stamp the fuzzer's regions again (after a reported loss: one bug, one
 * report). */
static void restamp_all(void)
{
	for (int k = 0; k < R_NKINDS; k++)
		if ((STAMPED & (1u << k)) && F.self.r[k].addr)
			stamp(F.self.r[k].addr, F.self.r[k].len);
	zero_touch(&F.self.r[R_ZERO]);
}

static void set(struct region *r, void *p, uint64_t len, int fill)
{
	if (!p)
		return;
	r->addr = (uintptr_t)p;
	r->len = len;
	if (fill)
		stamp(r->addr, len);
}

/*
 * The regions are carved out of one PROT_NONE reservation with a PROT_NONE
 * page between any two, so none merges with a neighbour (a straddling
 * length meets PROT_NONE or a hole, never someone else's memory).
 */
static char *rcur;

static void *mapr(size_t len, size_t align, int prot, int flags, int fd)
{
	void *p;

	rcur = (char *)(((uintptr_t)rcur + align - 1) & ~(align - 1));
	p = mmap(rcur, len, prot, flags | MAP_FIXED, fd, 0);
	rcur += len + PG;
	return p == MAP_FAILED ? NULL : p;
}

static void *fd_map(int fd, size_t len, int prot, int flags)
{
	void *p = NULL;

	if (fd >= 0 && !ftruncate(fd, len))
		p = mapr(len, PG, prot, flags, fd);
	if (fd >= 0)
		close(fd);
	return p;
}

static void maps_special(struct rtab *t)
{
	char line[512], name[64];
	unsigned long s, e;
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		name[0] = 0;
		if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %63s", &s, &e, name) < 2)
			continue;
		if (!strcmp(name, "[vdso]"))
			t->r[R_VDSO] = (struct region){ s, e - s };
		else if (!strncmp(name, "[vvar", 5) && !t->r[R_VVAR].addr)
			t->r[R_VVAR] = (struct region){ s, e - s };
	}
	fclose(f);
}

/*
 * A kind of mapping regions_make() could not make is silently left out of
 * the calls: that may only happen where the kernel line lacks it
 * (memfd_secret before 5.14, guard regions before 6.13), never for the
 * others (root, 4 huge pages reserved, KSM and uffd in every Debian
 * config).  A missing one fails test_fuzz_root (named in F.missing).
 */
static void kinds_expected(void)
{
	static const struct { int kind, since; } need[] = {
		{ R_SECRET, 514 }, { R_GUARD, 613 }, { R_HUGETLB, 0 },
		{ R_UFFD, 0 }, { R_MLOCK, 0 }, { R_KSM, 0 }, { R_THP, 0 },
		{ R_SWAP, 0 },
	};
	int line = test_kernel_line();
	size_t used = 0;

	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		int k = need[i].kind;

		if (line < need[i].since || (F.self.r[k].addr && F.tgt.r[k].addr))
			continue;
		used += snprintf(F.missing + used, sizeof(F.missing) - used,
				 " %s", rk_name[k]);
		if (used >= sizeof(F.missing))
			break;
	}
}

/* Every kind of mapping, made by (and owned by) the calling process. */
static void regions_make(struct rtab *t)
{
	const int rw = PROT_READ | PROT_WRITE, pa = MAP_PRIVATE | MAP_ANONYMOUS;
	char path[64], *p;
	volatile char here = 0;
	struct uffdio_api api = { .api = UFFD_API };
	int fd;

	memset(t, 0, sizeof(*t));
	rcur = mapx(28 << 20, PROT_NONE, pa, -1);
	assert_non_null(rcur);
	rcur += PG;
	set(&t->r[R_ANON], mapr(16 * PG, PG, rw, pa, -1), 16 * PG, 1);
	p = mapr(HPG, HPG, rw, pa, -1);
	if (p) {
		madvise(p, HPG, MADV_HUGEPAGE);
		set(&t->r[R_THP], p, HPG, 1);
	}
	set(&t->r[R_SHARED], mapr(4 * PG, PG, rw, MAP_SHARED | MAP_ANONYMOUS, -1),
	    4 * PG, 1);
	set(&t->r[R_MEMFD], fd_map(memfd_create("fuzz", 0), 4 * PG, rw,
				   MAP_SHARED), 4 * PG, 1);
	snprintf(path, sizeof(path), "/tmp/vmxfer-fuzz-%d", getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	set(&t->r[R_FILE], fd_map(fd >= 0 ? dup(fd) : -1, 4 * PG, rw,
				  MAP_SHARED), 4 * PG, 1);
	set(&t->r[R_PRIVFILE], fd_map(fd, 4 * PG, PROT_READ, MAP_PRIVATE),
	    4 * PG, 0);
	unlink(path);
	set(&t->r[R_NONE], mapr(4 * PG, PG, PROT_NONE, pa, -1), 4 * PG, 0);
	set(&t->r[R_RDONLY], mapr(4 * PG, PG, PROT_READ, pa, -1), 4 * PG, 0);
	set(&t->r[R_WRONLY], mapr(4 * PG, PG, PROT_WRITE, pa, -1), 4 * PG, 0);
	set(&t->r[R_MLOCK], mapr(4 * PG, PG, rw, pa, -1), 4 * PG, 1);
	if (t->r[R_MLOCK].addr && mlock((void *)t->r[R_MLOCK].addr, 4 * PG))
		t->r[R_MLOCK].addr = 0;	/* leave it mapped, just unused */
	set(&t->r[R_SWAP], mapr(16 * PG, PG, rw, pa, -1), 16 * PG, 1);
	if (t->r[R_SWAP].addr)
		madvise((void *)t->r[R_SWAP].addr, 16 * PG, MADV_PAGEOUT_);
	set(&t->r[R_HUGETLB], mapr(HPG, HPG, rw, pa | MAP_HUGETLB, -1), HPG, 1);
	set(&t->r[R_SECRET], fd_map(syscall(NR_MEMFD_SECRET, 0), 4 * PG, rw,
				    MAP_SHARED), 4 * PG, 1);
	set(&t->r[R_UFFD], mapr(4 * PG, PG, rw, pa, -1), 4 * PG, 1);
	fd = syscall(__NR_userfaultfd, O_CLOEXEC);
	if (t->r[R_UFFD].addr) {
		/* Populated first: nothing ever waits for this uffd. */
		struct uffdio_register reg = {
			.range = { .start = t->r[R_UFFD].addr, .len = 4 * PG },
			.mode = UFFDIO_REGISTER_MODE_MISSING,
		};

		if (fd < 0 || ioctl(fd, UFFDIO_API, &api) ||
		    ioctl(fd, UFFDIO_REGISTER, &reg))
			t->r[R_UFFD].addr = 0;	/* fd stays open */
	}
	set(&t->r[R_GUARD], mapr(4 * PG, PG, rw, pa, -1), 4 * PG, 0);
	if (t->r[R_GUARD].addr &&
	    madvise((void *)(t->r[R_GUARD].addr + PG), 2 * PG, MADV_GUARD_INSTALL_))
		t->r[R_GUARD].addr = 0;		/* before 6.13 */
	set(&t->r[R_KSM], mapr(4 * PG, PG, rw, pa, -1), 4 * PG, 1);
	if (t->r[R_KSM].addr &&
	    madvise((void *)t->r[R_KSM].addr, 4 * PG, MADV_MERGEABLE))
		t->r[R_KSM].addr = 0;
	set(&t->r[R_HOLE], mapr(3 * PG, PG, rw, pa, -1), 3 * PG, 0);
	if (t->r[R_HOLE].addr)
		munmap((void *)(t->r[R_HOLE].addr + PG), PG);
	/* Move's: an empty destination (THP-sized), zero pages, and an
	 * empty mlocked one (on fault: nothing populated). */
	set(&t->r[R_EMPTY], mapr(2 * HPG, HPG, rw, pa, -1), 2 * HPG, 0);
	set(&t->r[R_ZERO], mapr(8 * PG, PG, rw, pa, -1), 8 * PG, 0);
	zero_touch(&t->r[R_ZERO]);
	set(&t->r[R_LOCKE], mapr(8 * PG, PG, rw, pa, -1), 8 * PG, 0);
	if (t->r[R_LOCKE].addr && syscall(__NR_mlock2, t->r[R_LOCKE].addr,
					  8 * PG, 1 /* MLOCK_ONFAULT */))
		t->r[R_LOCKE].addr = 0;
	t->r[R_STACK] = (struct region){ (uintptr_t)&here & ~(PG - 1), PG };
	maps_special(t);
	t->r[R_VSYSCALL] = (struct region){ VSYSCALL, PG };
}

/* --- the target: a child with its own mappings of every kind -------------- */

static void target_main(int cmd, int ack)
{
	struct rtab t;
	char c;

	regions_make(&t);
	if (write(ack, &t, sizeof(t)) != sizeof(t))
		_exit(91);
	while (read(cmd, &c, 1) == 1) {
		if (c == 'p' && t.r[R_SWAP].addr)
			madvise((void *)t.r[R_SWAP].addr, t.r[R_SWAP].len,
				MADV_PAGEOUT_);
		if (write(ack, &c, 1) != 1)
			_exit(92);
	}
	_exit(0);
}

static void target_begin(void)
{
	int c[2], a[2];

	assert_int_equal(pipe(c), 0);
	assert_int_equal(pipe(a), 0);
	F.tgt_pid = fork();
	assert_true(F.tgt_pid >= 0);
	if (F.tgt_pid == 0) {
		close(c[1]);
		close(a[0]);
		target_main(c[0], a[1]);
	}
	close(c[0]);
	close(a[1]);
	F.tgt_cmd = c[1];
	F.tgt_ack = a[0];
	assert_int_equal(read(F.tgt_ack, &F.tgt, sizeof(F.tgt)), sizeof(F.tgt));
	F.pidfd[PK_TARGET] = vmxfer_pidfd_open(F.tgt_pid);
	assert_true(F.pidfd[PK_TARGET] >= 0);
}

static void fz_target_pageout(void)
{
	char c = 'p';

	if (write(F.tgt_cmd, &c, 1) != 1 || read(F.tgt_ack, &c, 1) != 1)
		fail_msg("target gone");
}

/* A child's pidfd: left a zombie, or reaped. */
static int child_pidfd(int reap)
{
	pid_t pid = fork();
	siginfo_t si;
	int fd;

	if (pid == 0)
		_exit(0);
	fd = vmxfer_pidfd_open(pid);
	assert_true(fd >= 0);
	assert_int_equal(waitid(P_PID, pid, &si, WEXITED | (reap ? 0 : WNOWAIT)), 0);
	return fd;
}

/* --- visible state: maps, stamps, the target's data ------------------------ */

/*
 * /proc/self/maps with adjacent entries that print the same (anonymous,
 * same protections) joined: whether the kernel merged two such VMAs is
 * not visible to the process (5.10 does not re-merge a range mapped back
 * next to a VMA whose anon_vma chain a fork made longer).
 */
/* /proc/self/{maps,statm}, opened once per process (run()) and re-read. */
static int maps_fd = -1, statm_fd = -1, pagemap_fd = -1;

static void proc_open(void)
{
	if (maps_fd >= 0)
		close(maps_fd);
	if (statm_fd >= 0)
		close(statm_fd);
	if (pagemap_fd >= 0)
		close(pagemap_fd);
	maps_fd = open("/proc/self/maps", O_RDONLY);
	statm_fd = open("/proc/self/statm", O_RDONLY);
	pagemap_fd = open("/proc/self/pagemap", O_RDONLY);
	assert_true(maps_fd >= 0 && statm_fd >= 0 && pagemap_fd >= 0);
}

static long maps_raw(char *raw, size_t sz)
{
	long n = 0, r;

	if (lseek(maps_fd, 0, SEEK_SET))
		return -1;
	while ((r = read(maps_fd, raw + n, sz - 1 - n)) > 0)
		n += r;
	raw[n < 0 ? 0 : n] = 0;
	return n;
}

/* VmSize in pages: the cheap digest (any mapping made or removed). */
static long vmsize(void)
{
	char b[128];
	long n = pread(statm_fd, b, sizeof(b) - 1, 0);

	if (n <= 0)
		return -1;
	b[n] = 0;
	return strtol(b, NULL, 10);
}

static long maps_canon(const char *raw, long n, char *buf, size_t sz)
{
	long out = 0;
	unsigned long s0 = 0, e0 = 0, s, e;
	const char *rest0 = NULL, *p, *nl, *rest;
	size_t len0 = 0;

	for (p = raw; p < raw + n; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl)
			break;
		rest = strchr(p, ' ');
		if (!rest || sscanf(p, "%lx-%lx", &s, &e) != 2)
			continue;
		if (rest0 && s == e0 && (size_t)(nl - rest) == len0 &&
		    !memcmp(rest, rest0, len0)) {
			e0 = e;
			continue;
		}
		if (rest0)
			out += snprintf(buf + out, sz - out, "%lx-%lx%.*s\n", s0, e0,
					(int)len0, rest0);
		s0 = s, e0 = e, rest0 = rest, len0 = nl - rest;
		if ((size_t)out >= sz - 256)
			break;
	}
	if (rest0)
		out += snprintf(buf + out, sz - out, "%lx-%lx%.*s\n", s0, e0,
				(int)len0, rest0);
	return out;
}

static char maps_rawref[1 << 16], maps_rawnow[1 << 16];
static long maps_rawref_len;

static void maps_ref(void)
{
	F.vmsize_ref = vmsize();
	maps_rawref_len = maps_raw(maps_rawref, sizeof(maps_rawref));
	F.mapsref_len = maps_canon(maps_rawref, maps_rawref_len, F.mapsref,
				   sizeof(F.mapsref));
}

/* Cheap when nothing moved (raw text equal); else the joined texts. */
static int maps_same(void)
{
	long n = maps_raw(maps_rawnow, sizeof(maps_rawnow));

	if (n == maps_rawref_len && !memcmp(maps_rawnow, maps_rawref, n))
		return 1;
	n = maps_canon(maps_rawnow, n, F.mapsnow, sizeof(F.mapsnow));
	if (n != F.mapsref_len || memcmp(F.mapsnow, F.mapsref, n))
		return 0;
	memcpy(maps_rawref, maps_rawnow, sizeof(maps_rawref));
	maps_rawref_len = n >= 0 ? (long)strlen(maps_rawnow) : n;
	F.vmsize_ref = vmsize();
	return 1;
}

static void maps_diff(void)
{
	char *a = F.mapsref, *b = F.mapsnow;
	long i = 0, n = F.mapsref_len;

	while (i < n && a[i] == b[i])
		i++;
	while (i > 0 && a[i - 1] != '\n')
		i--;
	printf("# maps before (from the first difference):\n%.600s\n"
	       "# maps after:\n%.600s\n", a + i, b + i);
}

/* The first stamped page of the fuzzer's own in [lo, hi) that lost its
 * stamp, or 0. */
static uint64_t stamps_bad(uint64_t lo, uint64_t hi)
{
	for (int k = 0; k < R_NKINDS; k++) {
		const struct region *r = &F.self.r[k];
		uint64_t s, e;

		if (!(STAMPED & (1u << k)) || !r->addr || k == R_SWAP)
			continue;
		s = lo > r->addr ? lo & ~(PG - 1) : r->addr;
		e = hi < r->addr + r->len ? hi : r->addr + r->len;
		for (; s < e; s += PG)
			if (*(volatile uint64_t *)s != pat(s))
				return s;
	}
	return 0;
}

/*
 * A remap moved [old, old + len) to @new: the first page of a stamped
 * region there whose stamp did not arrive (0 if all did); with @restamp,
 * stamp the (now fresh) private source pages again.
 */
static uint64_t moved(uint64_t old, uint64_t len, uint64_t new, int restamp)
{
	const unsigned int shared = (1u << R_SHARED) | (1u << R_MEMFD) |
				    (1u << R_FILE);

	for (int k = 0; k < R_NKINDS; k++) {
		const struct region *r = &F.self.r[k];
		uint64_t s = old > r->addr ? old : r->addr;
		uint64_t e = old + len < r->addr + r->len ? old + len : r->addr + r->len;

		if (!(STAMPED & (1u << k)) || !r->addr)
			continue;
		for (; s < e; s += PG) {
			if (!restamp && *(volatile uint64_t *)(new + (s - old)) != pat(s))
				return s;
			if (restamp && !(shared & (1u << k)))
				*(volatile uint64_t *)s = pat(s);
		}
	}
	return 0;
}

/* The target's stamped pages, read with process_vm_readv: 0 or a bad one. */
static uint64_t target_bad(int with_swap)
{
	static uint64_t got[2048];
	static struct iovec l[2048], r[2048];
	uint64_t bad = 0;
	int n = 0;

	for (int k = 0; k < R_NKINDS; k++) {
		const struct region *g = &F.tgt.r[k];

		if (!(STAMPED & (1u << k)) || !g->addr ||
		    (k == R_SWAP && !with_swap))
			continue;
		for (uint64_t o = 0; o < g->len && n < 2048; o += PG, n++) {
			l[n] = (struct iovec){ &got[n], 8 };
			r[n] = (struct iovec){ (void *)(g->addr + o), 8 };
		}
	}
	for (int i = 0; i < n; i += 1024) {
		int m = n - i < 1024 ? n - i : 1024;

		if (process_vm_readv(F.tgt_pid, l + i, m, r + i, m, 0) != m * 8)
			return 1;
	}
	for (int i = 0; i < n && !bad; i++)
		if (got[i] != pat((uintptr_t)r[i].iov_base))
			bad = (uintptr_t)r[i].iov_base;
	return bad;
}

/* --- argument placement ------------------------------------------------------ */

static void parena_make(struct parena *p)
{
	int fd = memfd_create("fuzz-ro", 0);
	char *v;

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, PG), 0);
	v = mapx(8 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	assert_non_null(v);
	assert_ptr_equal(mmap(v, PG, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0), v);
	assert_int_equal(mprotect(v + PG, PG, PROT_READ | PROT_WRITE), 0);
	p->ro = v;
	p->ro_alias = mmap(v + 3 * PG, PG, PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_FIXED, fd, 0);
	assert_ptr_equal(p->ro_alias, v + 3 * PG);
	close(fd);
	p->big = v + 4 * PG;
	assert_int_equal(mprotect(p->big, 2 * PG, PROT_READ | PROT_WRITE), 0);
	assert_int_equal(munmap(p->big + 2 * PG, PG), 0);
}

static char *ptr_of(struct parena *p, int k, uint64_t r)
{
	/* 8..24 bytes before the edge: every struct (>= 32 bytes) crosses */
	unsigned int off = 8 * (1 + r % 3);

	switch (k) {
	case P_OK: return p->big;
	case P_UNALIGNED: return p->big + 1 + r % 7;
	case P_NULL: return NULL;
	case P_KERNEL: return (char *)(uintptr_t)(r & 1 ? KADDR : 0xffffffff81000000ULL);
	case P_NONCANON: return (char *)(uintptr_t)0x8000000000000000ULL;
	case P_UNMAPPED: return p->big + 2 * PG;
	case P_RO: return p->ro;
	case P_STR_RO: return p->ro + PG - off;
	case P_STR_NONE: return p->ro + 2 * PG - off;
	default: return p->big + 2 * PG - off;
	}
}

/* Copy n bytes to @dst wherever they can be written (the read-only page
 * through its alias); the rest faults for the kernel too. */
static void place(struct parena *p, char *dst, const void *src, size_t n)
{
	for (size_t i = 0; i < n;) {
		char *a = dst + i;
		size_t chunk = PG - ((uintptr_t)a & (PG - 1));

		if (chunk > n - i)
			chunk = n - i;
		if (a >= p->ro && a < p->ro + PG)
			memcpy(p->ro_alias + (a - p->ro), (const char *)src + i, chunk);
		else if ((a >= p->ro + PG && a < p->ro + 2 * PG) ||
			 (a >= p->big && a < p->big + 2 * PG))
			memcpy(a, (const char *)src + i, chunk);
		i += chunk;
	}
}

/* --- call generation ----------------------------------------------------------- */

static void bad(struct call *c, int err)
{
	c->nbad++;
	c->want = err;
}

static uint32_t pick_size(struct call *c, uint32_t ver0)
{
	switch (wild() ? rn(24) : 23) {
	case 0: bad(c, EINVAL); return 0;
	case 1: bad(c, EINVAL); return 1 + rn(ver0 - 1);
	case 2: bad(c, EINVAL); return ver0 - 1;
	case 3: return ver0 + 8;			/* zero tail */
	case 4: c->buf[ver0 + rn(8)] = 1 + rn(255);
		bad(c, E2BIG);
		return ver0 + 8;
	case 5: return 4096;
	case 6: bad(c, E2BIG); return 4097;
	case 7: bad(c, E2BIG); return 0xffffffffu;
	case 8: c->buf[4095] = 1; bad(c, E2BIG); return 4096;
	default: return ver0;
	}
}

/* Does [p, p + n) meet [start, start + len) (len may reach past the top)? */
static int meets(uint64_t p, uint64_t n, uint64_t start, uint64_t len)
{
	uint64_t end = len > UINT64_MAX - start ? UINT64_MAX : start + len;

	return p < end && start < p + n;
}

/*
 * The argument struct may not lie inside a fixed destination (clone,
 * remap) or remap's source: EINVAL (documented).
 */
static void struct_in_range(struct call *c)
{
	const struct vmxfer_clone *x = (const void *)c->buf;
	const struct vmxfer_remap *r = (const void *)c->buf;
	uint64_t p = (uint64_t)(uintptr_t)c->arg, n = c->size < 40 ? c->size : 40;

	if (c->ptrk != P_OK && c->ptrk != P_UNALIGNED)
		return;
	if (c->op == F_CLONE && (x->flags & 3) && (x->flags & 3) != 3 &&
	    meets(p, n, x->dst, (x->len + PG - 1) & ~(PG - 1)))
		bad(c, EINVAL);
	if (c->op == F_MOVE &&
	    (meets(p, n, ((const struct vmxfer_move *)c->buf)->src,
		   ((const struct vmxfer_move *)c->buf)->len) ||
	     meets(p, n, ((const struct vmxfer_move *)c->buf)->dst,
		   ((const struct vmxfer_move *)c->buf)->len)))
		bad(c, EINVAL);
	if (c->op == F_REMAP &&
	    (meets(p, n, r->old_addr, r->old_len) ||
	     ((r->flags & 3) && (r->flags & 3) != 3 &&
	      meets(p, n, r->new_addr, r->new_len))))
		bad(c, EINVAL);
}

static void pick_ptr(struct call *c)
{
	uint64_t r = rnd();

	c->ptrk = (!wild() || rn(4)) ? P_OK : (int)rn(P_NPTRK);
	c->arg = ptr_of(&F.pa_arg, c->ptrk, r);
	switch (c->ptrk) {
	case P_OK: case P_UNALIGNED:
		break;
	case P_STR_RO: case P_RO:
		/* readable, not (wholly) writable: an error, but argument
		 * errors may come first: no single errno claimed */
		bad(c, 0);
		break;
	default:
		bad(c, EFAULT);
	}
}

static int pick_pidfd(struct call *c)
{
	int k = (!wild() || rn(3)) ? (one_in(4) ? PK_SELF : PK_TARGET)
				   : (int)rn(PK_NPIDK);

	c->pidk = k;
	if (k == PK_ZOMBIE || k == PK_REAPED)
		bad(c, ESRCH);
	else if (k >= PK_DEVNULL)
		bad(c, EBADF);
	else if (F.user && k == PK_TARGET)
		bad(c, EPERM);
	return F.pidfd[k];
}

/* An address in a region of @t (kind in *k), or a special one (-1). */
#define PA_MARK		1	/* 0 and unaligned are documented EINVAL */
#define PA_NORANDOM	2	/* never a random address (remap's source) */
static uint64_t pick_addr(struct call *c, const struct rtab *t, unsigned int mask,
			  int *k, uint64_t *rlen, int mark)
{
	for (int tries = 0; tries < 8 && !(wild() && one_in(8)); tries++) {
		int kind = rn(R_NKINDS);
		const struct region *r = &t->r[kind];

		if (!(mask & (1u << kind)) || !r->addr)
			continue;
		*k = kind;
		*rlen = r->len;
		if (one_in(4))
			return r->addr;
		return r->addr + rn(r->len / PG) * PG;
	}
	*k = -1;
	*rlen = 0;
	switch (rn(mark & PA_NORANDOM ? 7 : 8)) {
	case 0: if (mark & PA_MARK)
			bad(c, EINVAL);
		return 0;
	case 1: if (mark & PA_MARK)
			bad(c, EINVAL);
		return F.self.r[R_ANON].addr + 1 + rn(PG - 1);
	case 2: return KADDR;
	case 3: return VSYSCALL;
	case 4: return (uint64_t)F.freezone + rn(FREEZONE / PG) * PG;
	case 5: return 0x1000;
	case 6: return -PG;
	default: return rnd() & 0x7ffffffff000ULL;
	}
}

static uint64_t pick_len(uint64_t rlen, uint64_t base)
{
	if (!rlen)
		rlen = PG;
	switch (wild() ? rn(12) : 8 + rn(4)) {
	case 0: return 0;
	case 1: return PG;
	case 2: return rlen + PG;		/* past the mapping's end */
	case 3: return 1 + rn(3 * PG);	/* unaligned */
	case 4: return 1ULL << (40 + rn(18));	/* huge */
	case 5: return -base;			/* wraps to 0 */
	case 6: return -PG;
	case 7: return ~0ULL;
	case 8: return rlen;
	default: return PG * (1 + rn(rlen / PG));
	}
}

/* A destination: FIXED only into the arena or to addresses that cannot
 * be mapped; NOREPLACE anywhere; a hint anywhere. */
static uint64_t pick_dst(struct call *c, uint32_t flags, uint32_t fixed,
			 uint32_t noreplace, uint64_t len)
{
	uint64_t pages = ((len + PG - 1) / PG) ?: 1;
	uint64_t room = pages < ARENA / PG ? ARENA / PG - pages : 0;

	if ((flags & fixed) && !(flags & noreplace)) {
		uint64_t d;

		c->dstk = rn(8);
		switch (c->dstk) {
		case 0: bad(c, EINVAL);
			return (uint64_t)F.arena + rn(room + 1) * PG + 1 + rn(PG - 1);
		case 1: bad(c, EINVAL);	/* beyond the address space */
			return 1ULL << 57;
		case 2: bad(c, EINVAL);
			return KADDR;
		case 3: d = (rn(2) ? 0x1000 : 0x10000) + rn(15) * PG;
			break;	/* below and above mmap_min_addr (65536) */
		default: d = (uint64_t)F.arena + rn(room + 1) * PG;
			break;
		}
		/* A huge len takes even these beyond the address space. */
		if (len > F.task_size || d > F.task_size - len)
			bad(c, EINVAL);
		return d;
	}
	c->dstk = 8 + rn(8);
	switch (c->dstk - 8) {
	case 0: return 0;
	case 1: return (uint64_t)F.freezone + rn(FREEZONE / PG) * PG;
	case 2: return F.self.r[rn(R_STACK)].addr;
	case 3: return (uint64_t)F.arena + rn(ARENA / PG) * PG;
	case 4: if (flags & noreplace)
			bad(c, EINVAL);
		return (uint64_t)F.freezone + 1 + rn(PG - 1);
	case 5: return 0x1000;
	case 6: if (flags & noreplace)
			bad(c, EINVAL);	/* a fixed one beyond the address space */
		return KADDR;
	default: return rnd() & 0x7fff00000000ULL;	/* below its top */
	}
}

static uint32_t pick_flags(struct call *c, uint32_t a, uint32_t b)
{
	switch (wild() ? rn(16) : (rn(2) ? 8 : rn(6))) {
	case 0: case 1: case 2: return a;
	case 3: case 4: case 5: return b;
	case 6: bad(c, EINVAL); return a | b;
	case 7: {
		uint32_t f = 1u << rn(32);

		if (f & ~(a | b))
			bad(c, EINVAL);
		return f;
	}
	default: return 0;
	}
}

static void gen_clone(struct call *c)
{
	struct vmxfer_clone *a = (void *)c->buf;
	const struct rtab *t;
	int self;

	a->flags = pick_flags(c, VMXFER_CLONE_FIXED, VMXFER_CLONE_FIXED_NOREPLACE);
	if (wild() && one_in(40)) {
		a->__reserved = 1 + rn(0xffffffff);
		bad(c, EINVAL);
	}
	a->pidfd = pick_pidfd(c);
	self = c->pidk == PK_SELF;
	t = self ? &F.self : &F.tgt;
	if (self && !one_in(4)) {
		/* From oneself: the arena (no anon pages) or shared kinds. */
		static const int ok[] = { R_ARENA, R_SHARED, R_MEMFD, R_FILE,
					  R_PRIVFILE, R_NONE };
		const struct region *r = &F.self.r[ok[rn(6)]];

		c->srck = r - F.self.r;
		c->rlen = r->len;
		a->src = r->addr + rn(r->len / PG) * PG;
	} else {
		a->src = pick_addr(c, t, ~0u, &c->srck, &c->rlen, PA_MARK);
	}
	a->len = pick_len(c->rlen, a->src);
	if (!a->len || ((a->len + PG - 1) & ~(PG - 1)) == 0)
		bad(c, EINVAL);
	if (a->len > F.task_size || a->src > F.task_size - a->len)
		bad(c, EINVAL);
	a->dst = pick_dst(c, a->flags, VMXFER_CLONE_FIXED | VMXFER_CLONE_FIXED_NOREPLACE,
			  VMXFER_CLONE_FIXED_NOREPLACE, a->len);
	if (self && (a->flags & 3) == VMXFER_CLONE_FIXED && c->srck == R_ARENA &&
	    a->len <= ARENA && a->src + a->len <= (uint64_t)F.arena + ARENA &&
	    one_in(2)) {
		/* overlapping itself */
		a->dst = a->src + (a->len > PG && rn(2) ? PG : 0);
		bad(c, EINVAL);
	}
}

static void gen_remap(struct call *c)
{
	struct vmxfer_remap *a = (void *)c->buf;

	a->flags = pick_flags(c, VMXFER_REMAP_FIXED, VMXFER_REMAP_FIXED_NOREPLACE);
	/* Only the fuzzer's scratch mappings, or addresses nothing is at. */
	a->old_addr = pick_addr(c, &F.self, SCRATCH, &c->srck, &c->rlen,
				PA_MARK | PA_NORANDOM);
	switch (wild() ? rn(10) : 5 + rn(5)) {
	case 0: a->old_len = 0; bad(c, EINVAL); break;
	case 1: a->old_len = 1 + rn(PG - 1); bad(c, EINVAL); break;
	/*
	 * Never past the region's end: remap takes a range over several
	 * mappings, and the gap after a region may have been filled by a
	 * placed mapping since, so it could move (and unlock) a neighbour
	 * the model does not follow.  2^40+ bytes: beyond the address space.
	 */
	case 3: a->old_len = 1ULL << (40 + rn(18)); break;
	case 4: a->old_len = -PG; bad(c, EINVAL); break;
	default: a->old_len = PG * (1 + rn((c->srck >= 0 ?
		F.self.r[c->srck].addr + c->rlen - a->old_addr : PG) / PG));
	}
	switch (wild() ? rn(10) : 5 + rn(5)) {
	case 0: a->new_len = a->old_len - PG; bad(c, EINVAL); break;
	case 1: a->new_len = a->old_len + 1 + rn(PG - 1); bad(c, EINVAL); break;
	case 2: a->new_len = a->old_len * 2; break;
	case 3: a->new_len = 1ULL << (40 + rn(10)); break;
	case 4: a->new_len = -PG; bad(c, EINVAL); break;
	case 5: case 6: a->new_len = a->old_len + PG * rn(16); break;
	default: a->new_len = a->old_len;
	}
	a->new_addr = pick_dst(c, a->flags, VMXFER_REMAP_FIXED | VMXFER_REMAP_FIXED_NOREPLACE,
			       VMXFER_REMAP_FIXED_NOREPLACE, a->new_len);
	/* (the arena may be several VMAs: remap takes one) */
	if ((a->flags & 3) == VMXFER_REMAP_FIXED && c->srck >= 0 &&
	    c->srck != R_HOLE && c->srck != R_ARENA && one_in(8) && a->old_len <= c->rlen &&
	    a->old_addr + a->old_len <= F.self.r[c->srck].addr + c->rlen) {
		a->new_addr = a->old_addr;	/* overlapping the source */
		bad(c, EINVAL);
	}
	if (a->old_len <= F.task_size && a->old_addr > F.task_size - a->old_len)
		bad(c, EINVAL);		/* beyond the address space */
	else if (a->new_len > F.task_size)
		bad(c, EINVAL);
}

/* Move: the protections of the fuzzer's own kinds (first page). */
static int mv_prot(int k)
{
	switch (k) {
	case R_NONE: case R_ARENA: return PROT_NONE;
	case R_RDONLY: return PROT_READ;
	case R_WRONLY: return PROT_WRITE;
	default: return PROT_READ | PROT_WRITE;
	}
}

/* mlock is not inherited: the user phase (a fork) has nothing locked. */
static int mv_locked(int k)
{
	return !F.user && (k == R_MLOCK || k == R_LOCKE);
}

/* Is the first page at @a (kind @k, -1: a special address) mapped? */
static int mv_mapped(uint64_t a, int k)
{
	if (k < 0)
		return 0;	/* 0, 0x1000, the free zone; others are beyond */
	return !(k == R_HOLE && a == F.self.r[R_HOLE].addr + PG);
}

/* A page-aligned address in one of the fuzzer's own kinds, preferring
 * @pref on clean calls; never in @deny, never a random address. */
static uint64_t mv_pick(struct call *c, unsigned int pref, unsigned int deny,
			int *k, uint64_t *room)
{
	uint64_t a, rlen;

	for (int tries = 0; tries < 8 && (!wild() || rn(2)); tries++) {
		int kind = rn(R_NKINDS);
		const struct region *r = &F.self.r[kind];

		if (!(pref & BIT(kind)) || !r->addr)
			continue;
		*k = kind;
		a = one_in(3) ? r->addr : r->addr + rn(r->len / PG) * PG;
		*room = r->addr + r->len - a;
		return a;
	}
	a = pick_addr(c, &F.self, ~deny, k, &rlen, PA_NORANDOM);
	*room = *k >= 0 ? F.self.r[*k].addr + rlen - a : 0;
	return a;
}

/*
 * Move (the caller's own memory): sources mostly populated private kinds,
 * destinations mostly empty ones; also every other kind, holes, special
 * addresses, unaligned and overlapping ranges, unknown flags.  The errors
 * claimed exactly: the argument checks (EINVAL), then the first pair of
 * mappings (EFAULT where one is not mapped, EINVAL for a kind or
 * protections that cannot move).  Page-level outcomes (EEXIST, ENOENT,
 * EBUSY, partial moves) are left to the checks after the call.
 */
static void gen_move(struct call *c)
{
	struct vmxfer_move *a = (void *)c->buf;
	const uint64_t ts = F.task_size;
	uint64_t sroom, droom;

	switch (wild() ? rn(12) : rn(3)) {
	case 0: a->flags = VMXFER_MOVE_ALLOW_SRC_HOLES; break;
	case 3: a->flags = 1u << rn(32); break;
	case 4: a->flags = rnd(); break;
	default: a->flags = 0;
	}
	if (a->flags & ~VMXFER_MOVE_ALLOW_SRC_HOLES)
		bad(c, EINVAL);
	if (one_in(8))
		a->moved = rnd();	/* an output: ignored on input */
	a->src = mv_pick(c, MV_FULL, MV_NOSRC, &c->srck, &sroom);
	if (!wild() && c->srck == R_MLOCK && F.self.r[R_LOCKE].addr && rn(4)) {
		c->dstk = R_LOCKE;
		a->dst = F.self.r[R_LOCKE].addr + rn(8) * PG;
		droom = F.self.r[R_LOCKE].addr + 8 * PG - a->dst;
	} else {
		a->dst = mv_pick(c, MV_EMPTY, 0, &c->dstk, &droom);
	}
	c->rlen = sroom < droom ? sroom : droom;
	a->len = pick_len(c->rlen, a->src);
	if (wild() && one_in(8))
		a->src += 1 + rn(PG - 1);
	if (wild() && one_in(8))
		a->dst += 1 + rn(PG - 1);
	if (wild() && one_in(10) && c->srck >= 0) {
		/* overlapping its own source */
		a->dst = a->src + rn(a->len / PG ?: 1) * PG;
		c->dstk = c->srck;
	}
	/* The argument checks, as the header lists them: EINVAL. */
	if (!a->len || ((a->src | a->dst | a->len) & (PG - 1)) || a->len > ts ||
	    a->src > ts - a->len || a->dst > ts - a->len ||
	    (a->src < a->dst + a->len && a->dst < a->src + a->len)) {
		bad(c, EINVAL);
		return;
	}
	/* The first pair of mappings. */
	if (!mv_mapped(a->src, c->srck) || !mv_mapped(a->dst, c->dstk))
		bad(c, EFAULT);
	else if ((MV_BADKIND & (BIT(c->srck) | BIT(c->dstk))) ||
		 !(mv_prot(c->srck) & PROT_WRITE) ||
		 mv_prot(c->srck) != mv_prot(c->dstk) ||
		 mv_locked(c->srck) != mv_locked(c->dstk))
		bad(c, EINVAL);
}

static void gen_splice(struct call *c)
{
	struct vmxfer_splice *a = (void *)c->buf;
	struct iovec iov[8];
	uint64_t nseg;
	const struct rtab *t;
	int k, ik;
	uint64_t rlen;
	char *ip;

	a->flags = rn(3) ? (rn(2) ? VMXFER_SPLICE_NONBLOCK : 0) : 0;
	if (wild() && one_in(30)) {
		a->flags = 1u << rn(32);
		if (a->flags != VMXFER_SPLICE_NONBLOCK)
			bad(c, EINVAL);
	}
	if (wild() && one_in(40)) {
		a->spliced = 1 + rn(1000);
		bad(c, EINVAL);
	}
	a->pidfd = pick_pidfd(c);
	t = c->pidk == PK_SELF ? &F.self : &F.tgt;
	c->pipek = (!wild() || rn(4)) ? PI_GOOD : (int)rn(PI_NPIPEK);
	switch (c->pipek) {
	case PI_GOOD: a->pipe_fd = F.pipe_good[1]; break;
	case PI_READEND: a->pipe_fd = F.pipe_good[0]; bad(c, EBADF); break;
	case PI_DEVNULL: a->pipe_fd = F.pidfd[PK_DEVNULL]; bad(c, EBADF); break;
	case PI_NEG: a->pipe_fd = -1; bad(c, EBADF); break;
	case PI_NOREADER: a->pipe_fd = F.pipe_noreader; break;
	default:
		a->pipe_fd = F.pipe_full[1];
		/* Blocking on a full pipe: a timer interrupts it (EINTR). */
		c->intr = !(a->flags & VMXFER_SPLICE_NONBLOCK);
	}
	switch (wild() ? rn(10) : 4 + rn(6)) {
	case 0: nseg = 0; break;
	case 1: nseg = 1024; break;
	case 2: nseg = 1025; bad(c, EINVAL); break;
	case 3: nseg = rn(2) ? 1ULL << 32 : ~0ULL; bad(c, EINVAL); break;
	case 4: case 5: nseg = 2 + rn(7); break;
	default: nseg = 1;
	}
	a->nr_segs = nseg;
	for (int i = 0; i < 8; i++) {
		uint64_t base = pick_addr(c, t, ~0u, &k, &rlen, 0);
		uint64_t len = pick_len(rlen, base);

		if (i == 0) {
			c->srck = k;
			c->rlen = rlen;
			c->ilen = len;
		}
		if ((int64_t)len < 0 && i < (int)nseg)
			bad(c, EINVAL);
		iov[i] = (struct iovec){ (void *)(uintptr_t)base, len };
	}
	ik = (!wild() || rn(4)) ? P_OK : (int)rn(P_NPTRK);
	if (ik == P_OK) {
		for (uint64_t i = 0; i < 1025; i++)
			iovbig[i] = iov[i % 8];
		ip = (char *)iovbig;
	} else {
		ip = ptr_of(&F.pa_iov, ik, rnd());
		place(&F.pa_iov, ip, iov, sizeof(iov));
		/* unreadable where the nseg iovecs lie: EFAULT.  1024 of
		 * them reach past every placement but iovbig, over stale
		 * iovecs the kernel may refuse first (EINVAL): no claim. */
		if (nseg > 8 && nseg <= 1024)
			bad(c, 0);
		else if (nseg && nseg <= 8 &&
			 ik != P_UNALIGNED && ik != P_RO && ik != P_STR_RO &&
			 (ik < P_STR_RO || PG - ((uintptr_t)ip & (PG - 1)) <
					nseg * sizeof(struct iovec)))
			bad(c, EFAULT);
	}
	a->iov = (uintptr_t)ip;
}

/*
 * Merge (the caller's own mappings): any range over the fuzzer's regions,
 * holes, special addresses.  The errors claimed exactly are the argument
 * checks (EINVAL); which mappings merge (or are blocked: EBUSY, EAGAIN,
 * nothing mapped: ENOMEM) is left to the checks after the call: no data
 * changes, and the maps read the same (merging is not visible in them).
 */
static void gen_merge(struct call *c)
{
	struct vmxfer_merge *a = (void *)c->buf;
	const uint64_t ts = F.task_size;
	uint64_t rlen;
	int k;

	if (wild() && one_in(10)) {
		a->flags = 1u << rn(32);
		bad(c, EINVAL);
	}
	if (wild() && one_in(20)) {
		a->merged = 1 + rn(1000);	/* must be 0 on input */
		bad(c, EINVAL);
	}
	a->addr = pick_addr(c, &F.self, ~0u, &k, &rlen, 0);
	c->srck = k;
	c->rlen = rlen;
	a->len = wild() && one_in(4) ? rlen * (2 + rn(8)) :
		 pick_len(rlen, a->addr);
	if (!a->len || (a->addr & (PG - 1)) || a->len > ts ||
	    a->addr > ts - ((a->len + PG - 1) & ~(PG - 1)))
		bad(c, EINVAL);
}

static void gen_info(struct call *c)
{
	struct vmxfer_info *a = (void *)c->buf;

	if (one_in(20)) {
		a->flags = 1 + rn(0xffffffff);
		bad(c, EINVAL);
	}
	if (one_in(4))	/* output fields: ignored on input */
		for (size_t i = 8; i < sizeof(*a); i++)
			c->buf[i] = rnd();
}

static void gen_symbol(struct call *c)
{
	struct vmxfer_symbol *a = (void *)c->buf;

	a->index = rn(4) ? rn(F.nr_symbols + 1) : rnd();
	if (a->index >= F.nr_symbols)
		bad(c, ENOENT);
	if (one_in(20)) {
		c->buf[8 + rn(sizeof(*a) - 8)] = 1 + rn(255);
		bad(c, EINVAL);
	}
}

static void gen_random(struct call *c)
{
	for (size_t i = 4; i < 64; i++)
		c->buf[i] = one_in(3) ? rnd() : 0;
}

/* A command word that is not vmxfer's and not one the VFS takes before
 * the driver (FIOCLEX 'T', FIFREEZE 'X', FIEMAP 'f', FICLONE 0x94,
 * FS_IOC_GETFSUUID 0x15, FIGETBSZ 0x00). */
static unsigned long gen_badcmd(void)
{
	for (;;) {
		uint32_t w = rnd();
		unsigned int type, dir, nr;

		if (one_in(2))	/* vmxfer's type, wrong direction or number */
			w = _IOC(rn(4), VMXFER_IOC_MAGIC, rn(256), rn(1 << 14));
		type = _IOC_TYPE(w);
		dir = _IOC_DIR(w);
		nr = _IOC_NR(w);
		if (type == 0x00 || type == 0x15 || type == 'T' || type == 'X' ||
		    type == 'f' || type == 0x94)
			continue;
		if (type == VMXFER_IOC_MAGIC && dir == (_IOC_READ | _IOC_WRITE)) {
			int known = 0;

			for (int o = 0; o < F_BADCMD; o++)
				known |= nr == op_nr[o];
			if (known)
				continue;
		}
		return w;
	}
}

static void gen(struct call *c)
{
	static const uint8_t weights[] = {
		F_INFO, F_SYMBOL, F_MERGE, F_MERGE, F_BADCMD,
		F_MOVE, F_MOVE, F_MOVE, F_MOVE, F_MOVE,
		F_CLONE, F_CLONE, F_CLONE, F_CLONE, F_CLONE, F_CLONE,
		F_REMAP, F_REMAP, F_REMAP, F_REMAP, F_REMAP,
		F_SPLICE, F_SPLICE, F_SPLICE, F_SPLICE,
	};
	size_t n;

	memset(c, 0, sizeof(*c));
	F.clean = one_in(2);
	c->op = weights[rn(sizeof(weights))];
	c->srck = c->dstk = -1;
	if (c->op == F_BADCMD) {
		c->cmd = gen_badcmd();
		gen_random(c);
		c->ptrk = rn(P_NPTRK);
		c->arg = ptr_of(&F.pa_arg, c->ptrk, rnd());
		c->want = ENOTTY;
		c->nbad = 1;
		c->size = 64;
		place(&F.pa_arg, c->arg, c->buf, 64);
		return;
	}
	c->cmd = _IOC(_IOC_READ | _IOC_WRITE, VMXFER_IOC_MAGIC, op_nr[c->op],
		      rn(3) ? op_ver0[c->op] : rn(1 << 14));
	switch (c->op) {
	case F_INFO: gen_info(c); break;
	case F_SYMBOL: gen_symbol(c); break;
	case F_CLONE: gen_clone(c); break;
	case F_REMAP: gen_remap(c); break;
	case F_SPLICE: gen_splice(c); break;
	case F_MOVE: gen_move(c); break;
	case F_MERGE: gen_merge(c); break;
	default: gen_random(c);
	}
	c->size = pick_size(c, op_ver0[c->op]);
	*(uint32_t *)c->buf = c->size;
	pick_ptr(c);
	struct_in_range(c);
	c->sane = c->nbad == 0 ||
		  (c->nbad == 1 && c->want == EPERM);
	/* At least the whole struct: nothing stale is left behind it. */
	n = c->size > op_ver0[c->op] + 8 ? c->size : op_ver0[c->op] + 8;
	if (n > sizeof(c->buf))
		n = op_ver0[c->op] + 8;
	place(&F.pa_arg, c->arg, c->buf, n);
}

/* --- checking ------------------------------------------------------------------ */

static int in_doc(enum fop op, int err)
{
	for (int i = 0; i < 16 && doc_errnos[op][i]; i++)
		if (doc_errnos[op][i] == err)
			return 1;
	return 0;
}

/*
 * Known exceptions, in one place (each reported in DEVELOPERS.md).  None
 * today.  Found by this fuzzer and fixed: remap, unprivileged, a hint
 * below vm.mmap_min_addr gave EPERM (hints are now rounded up as mmap's
 * are), and a FIXED destination below it gave an undocumented EPERM (now
 * documented, as mmap(MAP_FIXED)'s).  A FIXED destination beyond the
 * address space is EINVAL for both ops.
 */
static int known_exception(const struct call *c, int err)
{
	(void)c;
	(void)err;
	return 0;
}

static void print_call(const struct call *c, long ret, int err, const char *why)
{
	const uint64_t *w = (const uint64_t *)c->buf;

	printf("# VIOLATION %d at call %ld (seed %#llx): %s\n", F.nviol, F.done,
	       (unsigned long long)F.seed, why);
	printf("#   op %s cmd %#lx arg %p (%s) size %u pidfd %s srck %s dstk %d pipe %s%s\n",
	       fop_name[c->op], c->cmd, (void *)c->arg, ptrk_name[c->ptrk],
	       c->size, pidk_name[c->pidk], c->srck >= 0 ? rk_name[c->srck] : "special",
	       c->dstk, pipek_name[c->pipek], F.user ? " (as uid 1000)" : "");
	printf("#   struct words: %#llx %#llx %#llx %#llx %#llx %#llx\n",
	       (unsigned long long)w[0], (unsigned long long)w[1],
	       (unsigned long long)w[2], (unsigned long long)w[3],
	       (unsigned long long)w[4], (unsigned long long)w[5]);
	printf("#   returned %ld errno %d (%s); single documented error: %s\n",
	       ret, ret < 0 ? err : 0, ret < 0 ? strerror(err) : "-",
	       c->nbad == 1 && c->want ? strerror(c->want) : "none");
	printf("#   reproduce: make fuzz LINE=%s SEED=%#llx N=%ld%s\n",
	       getenv("VMXFER_LINE") ?: "<line>", (unsigned long long)F.seed,
	       F.user ? F.n : F.done + 1, F.user ? " (user phase)" : "");
	fflush(stdout);
}

static int violation(const struct call *c, long ret, int err, const char *why)
{
	F.nviol++;
	if (F.nviol <= 20)
		print_call(c, ret, err, why);
	return 1;
}

/* Put the arena back over [a, a + len) where it was replaced. */
static void arena_restore(uint64_t a, uint64_t len)
{
	uint64_t s = (uint64_t)F.arena, e = s + ARENA;

	if (a < s)
		len = a + len > s ? len - (s - a) : 0, a = s;
	if (a + len > e)
		len = a < e ? e - a : 0;
	if (len)
		mmap((void *)a, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
		     MAP_FIXED, -1, 0);
}

static void undo_mapping(uint64_t a, uint64_t len)
{
	uint64_t s = (uint64_t)F.arena;

	len = (len + PG - 1) & ~(PG - 1);
	if (a < s + ARENA && a + len > s) {
		munmap((void *)a, len);
		arena_restore(a, len);
	} else {
		munmap((void *)a, len);
	}
}

static void read_back(const struct call *c, void *out, size_t n)
{
	memcpy(out, c->arg, n);
}

static int pipe_bytes(int fd)
{
	int n = -1;

	return ioctl(fd, FIONREAD, &n) ? -1 : n;
}

static void drain(void)
{
	while (read(F.pipe_good[0], drainbuf, sizeof(drainbuf)) > 0)
		;
}

/* --- move: page states before and after --------------------------------------- */

/*
 * What /proc/self/pagemap says of each page, without faulting anything in:
 * 1 populated (a page, the zero page or a swap entry: a page read back
 * from swap is the same), 2 a guard region (7.x), 0 nothing there (reads
 * as zeros).
 */
static struct mvsnap {
	uint64_t src, dst;
	long n;
	uint8_t s0[MV_SNAP], d0[MV_SNAP];
} MS;

static void pm_read(uint64_t a, long n, uint8_t *out)
{
	static uint64_t e[MV_SNAP];
	long got = 0;

	memset(e, 0, n * sizeof(e[0]));
	if (a < F.task_size && n)
		got = pread(pagemap_fd, e, n * sizeof(e[0]), (off_t)(a / PG * 8));
	for (long i = 0; i < n; i++)
		out[i] = i >= got / 8 ? 0 : (e[i] >> 62 & 3) ? 1 :
			 (e[i] >> 58 & 1) ? 2 : 0;
}

/* Before a move: the state of the pages it names (up to MV_SNAP each). */
static void mv_snap(const struct call *c)
{
	const struct vmxfer_move *a = (const void *)c->buf;
	uint64_t n = a->len / PG;

	MS.src = a->src & ~(PG - 1);
	MS.dst = a->dst & ~(PG - 1);
	MS.n = n < 1 ? 1 : n > MV_SNAP ? MV_SNAP : (long)n;
	pm_read(MS.src, MS.n, MS.s0);
	pm_read(MS.dst, MS.n, MS.d0);
}

/* The fuzzer's region holding @a, or -1. */
static int kind_at(uint64_t a)
{
	for (int k = 0; k < R_STACK; k++)
		if (F.self.r[k].addr && a >= F.self.r[k].addr &&
		    a < F.self.r[k].addr + F.self.r[k].len)
			return k;
	return -1;
}

/*
 * Put the pages a move took back where they were: every run of pages that
 * was at src (and not at dst) before and is at dst (and not at src) now
 * is moved back, with a move.  Where that fails, the hard way (zap dst,
 * stamp src again).  Returns the number of pages that needed the hard
 * way.  Before 6.12 a page that dst itself faulted in (a swap entry moved
 * there and read back, while dst's anon_vma was another source's) cannot
 * go back: EBUSY, documented (header: "5.10 and 6.1 ..."); not counted.
 */
static long mv_restore(void)
{
	static uint8_t s1[MV_SNAP], d1[MV_SNAP];
	long hard = 0;
	int soft = 0;

	pm_read(MS.src, MS.n, s1);
	pm_read(MS.dst, MS.n, d1);
	for (long i = 0, j; i < MS.n; i = j) {
		ssize_t r;

		for (j = i + 1; j < MS.n && !!s1[j] == !!s1[i] && !!d1[j] == !!d1[i] &&
			     !!MS.s0[j] == !!MS.s0[i] && !!MS.d0[j] == !!MS.d0[i]; j++)
			;
		if (!MS.s0[i] || s1[i] || !d1[i] || MS.d0[i])
			continue;
		r = vmxfer_move(F.vfd, (void *)(MS.src + i * PG),
				(void *)(MS.dst + i * PG), (j - i) * PG, 0);
		if (r == (ssize_t)((j - i) * PG)) {
			F.mv_back++;
			continue;
		}
		if (!F.relink && r < 0 && errno == EBUSY) {
			F.mv_busyback++;
			soft = 1;
			continue;
		}
		printf("# moving pages back from %#llx to %#llx (%ld pages): %zd (%s)\n",
		       (unsigned long long)(MS.dst + i * PG),
		       (unsigned long long)(MS.src + i * PG), j - i, r,
		       r < 0 ? strerror(errno) : "short");
		hard += j - i;
	}
	if (!hard && !soft)
		return 0;
	pm_read(MS.src, MS.n, s1);
	pm_read(MS.dst, MS.n, d1);
	for (long i = 0; i < MS.n; i++) {
		uint64_t s = MS.src + i * PG, d = MS.dst + i * PG;
		int k = kind_at(s);

		if (d1[i] && !MS.d0[i])
			madvise((void *)d, PG, MADV_DONTNEED);
		if (MS.s0[i] && !s1[i] && k >= 0 && (MV_STAMPED & BIT(k)))
			*(volatile uint64_t *)s = pat(s);
		else if (MS.s0[i] && !s1[i])	/* a zero page (as it was?) */
			(void)*(volatile uint64_t *)s;
	}
	return hard;
}

/* What the first word of the fuzzer's page @s holds, if known. */
static int mv_expect(uint64_t s, uint64_t *w)
{
	int k = kind_at(s);

	if (k >= 0 && (MV_STAMPED & BIT(k))) {
		*w = pat(s);
		return 1;
	}
	*w = 0;
	return k == R_ZERO;
}

/*
 * A move succeeded: @moved bytes.  moved is whole pages, 0 < moved <= len;
 * each moved page is at dst now (holding what it held at src) and src has
 * nothing there (reads zeros); a src hole left dst as it was; nothing past
 * moved changed; a short move's remainder fails when asked again.  Then
 * the pages are moved back (a move too) and the ranges must be as before,
 * stamps included.
 */
static int mv_check_ok(const struct call *c, long ret, uint64_t moved)
{
	static uint8_t s1[MV_SNAP], d1[MV_SNAP];
	const struct vmxfer_move *in = (const void *)c->buf;
	const char *why = NULL;
	uint64_t bad = 0, w;
	long np = moved / PG, v = 0;

	if (!moved || moved > in->len || (moved & (PG - 1)))
		why = "move: 'moved' is not whole pages within len";
	pm_read(MS.src, MS.n, s1);
	pm_read(MS.dst, MS.n, d1);
	for (long i = 0; i < MS.n && !why; i++) {
		uint64_t s = MS.src + i * PG, d = MS.dst + i * PG;

		bad = s;
		if (i >= np) {
			if (s1[i] != MS.s0[i] || d1[i] != MS.d0[i])
				why = "move changed pages past 'moved'";
		} else if (s1[i]) {
			why = "a moved page is still at src (src does not read zeros)";
		} else if (!MS.s0[i]) {
			if (d1[i] != MS.d0[i])
				why = "a src hole changed dst";
		} else if (!d1[i]) {
			why = "a moved page is not at dst";
		} else if (mv_expect(s, &w) && *(volatile uint64_t *)d != w) {
			printf("# dst %#llx holds %#llx, src %#llx held %#llx\n",
			       (unsigned long long)d,
			       (unsigned long long)*(volatile uint64_t *)d,
			       (unsigned long long)s, (unsigned long long)w);
			why = "move: dst does not hold what src held";
		}
	}
	if (why) {
		printf("# page %#llx (src %#llx dst %#llx, %ld pages compared, "
		       "moved %#llx)\n", (unsigned long long)bad,
		       (unsigned long long)MS.src, (unsigned long long)MS.dst,
		       MS.n, (unsigned long long)moved);
		v = violation(c, ret, 0, why);
	}
	F.mv_ok++;
	F.mv_pages += np;
	if (!v && moved < in->len) {
		ssize_t r = vmxfer_move(F.vfd, (void *)(in->dst + moved),
					(void *)(in->src + moved), in->len - moved,
					in->flags);

		F.mv_partial++;
		if (r >= 0 || !in_doc(F_MOVE, errno))
			v = violation(c, ret, r < 0 ? errno : 0,
				      "a short move's remainder did not fail "
				      "with a documented errno when asked again");
	}
	/*
	 * Read the pages that left src for real now and then (each faults a
	 * zero page in: its page table is still there, so no huge zero page
	 * can spread past it), and zap them again.
	 */
	if (!v && np && !mv_locked(c->srck) && one_in(4)) {
		for (long i = 0; i < np && i < MS.n; i++) {
			if (!MS.s0[i])
				continue;
			if (*(volatile uint64_t *)(MS.src + i * PG) && !v)
				v = violation(c, ret, 0, "src does not read zeros after the move");
			madvise((void *)(MS.src + i * PG), PG, MADV_DONTNEED);
		}
		F.mv_zread++;
	}
	return v;
}

/* After any move, successful or not: back to the state before, checked. */
static int mv_after(const struct call *c, long ret, int err)
{
	static uint8_t s1[MV_SNAP], d1[MV_SNAP];
	long hard = mv_restore();
	uint64_t lost;
	int v = 0;

	pm_read(MS.src, MS.n, s1);
	pm_read(MS.dst, MS.n, d1);
	if (memcmp(s1, MS.s0, MS.n) || memcmp(d1, MS.d0, MS.n)) {
		long i = 0;

		while (i < MS.n - 1 && s1[i] == MS.s0[i] && d1[i] == MS.d0[i])
			i++;
		printf("# page %ld of %ld: src %#llx was %d is %d, dst %#llx was %d "
		       "is %d (1 populated, 2 guard)\n", i, MS.n,
		       (unsigned long long)(MS.src + i * PG), MS.s0[i], s1[i],
		       (unsigned long long)(MS.dst + i * PG), MS.d0[i], d1[i]);
		v = violation(c, ret, err, ret < 0 ? "a failed move changed pages"
						   : "pages not as before after moving them back");
	} else if (hard) {
		v = violation(c, ret, err, "moving the pages back failed");
	}
	lost = stamps_bad(MS.src, MS.src + MS.n * PG);
	if (!lost)
		lost = stamps_bad(MS.dst, MS.dst + MS.n * PG);
	if (lost) {
		printf("# page %#llx lost its stamp\n", (unsigned long long)lost);
		restamp_all();
		if (!v)
			v = violation(c, ret, err, ret < 0 ? "a failed move changed the fuzzer's data"
							   : "data not back after moving it back");
	}
	/* A fresh destination now and then (5.10/6.1: its anon_vma is then
	 * the next source's). */
	if (ret >= 0 && c->dstk == R_EMPTY && one_in(2)) {
		const struct region *r = &F.self.r[R_EMPTY];

		mmap((void *)r->addr, r->len, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	}
	return v;
}

/* After a successful call: sane output, then undo it.  0 or a violation. */
static int after_ok(const struct call *c, long ret)
{
	char out[sizeof(c->buf)];
	int v = 0;

	if (c->ptrk != P_OK && c->ptrk != P_UNALIGNED) {
		if (c->op == F_REMAP)	/* its result is unknown: restamp */
			moved(((struct vmxfer_remap *)c->buf)->old_addr,
			      ((struct vmxfer_remap *)c->buf)->old_len, 0, 1);
		v = violation(c, ret, 0, "success through an unwritable argument");
		if (c->op == F_MOVE)
			mv_after(c, ret, 0);
		return v;
	}
	read_back(c, out, 64);
	switch (c->op) {
	case F_INFO: {
		struct vmxfer_info *i = (void *)out;

		if (ret || i->abi_version != VMXFER_ABI_VERSION ||
		    i->features != F.features || i->nr_symbols != F.nr_symbols ||
		    i->size != (c->size < sizeof(*i) ? c->size : sizeof(*i)))
			v = violation(c, ret, 0, "info output wrong");
		break;
	}
	case F_SYMBOL: {
		struct vmxfer_symbol *s = (void *)out;

		if (ret || s->index != ((struct vmxfer_symbol *)c->buf)->index ||
		    s->state > VMXFER_SYM_HIDDEN || !s->name[0])
			v = violation(c, ret, 0, "symbol output wrong");
		break;
	}
	case F_CLONE: {
		struct vmxfer_clone *in = (void *)c->buf, *o = (void *)out;
		uint64_t len = (in->len + PG - 1) & ~(PG - 1);

		if (ret || (o->dst & (PG - 1)) ||
		    ((in->flags & 3) && o->dst != in->dst) ||
		    msync((void *)o->dst, len, MS_ASYNC))
			v = violation(c, ret, 0, "clone output wrong (not mapped there)");
		else if (c->pidk == PK_TARGET && c->srck >= 0 &&
			 (STAMPED & (1u << c->srck)) && c->srck != R_SWAP &&
			 in->len <= c->rlen && !(in->src & (PG - 1)) &&
			 *(volatile uint64_t *)o->dst != pat(in->src))
			v = violation(c, ret, 0, "clone data differs from the target's");
		undo_mapping(o->dst, len);
		break;
	}
	case F_REMAP: {
		struct vmxfer_remap *in = (void *)c->buf, *o = (void *)out;

		if (ret || (o->new_addr & (PG - 1)) ||
		    ((in->flags & 3) && o->new_addr != in->new_addr) ||
		    msync((void *)o->new_addr, in->new_len, MS_ASYNC)) {
			v = violation(c, ret, 0, "remap output wrong (not mapped there)");
		} else if (moved(in->old_addr, in->old_len, o->new_addr, 0)) {
			v = violation(c, ret, 0, "remap moved wrong data");
		}
		undo_mapping(o->new_addr, in->new_len);
		moved(in->old_addr, in->old_len, 0, 1);
		break;
	}
	case F_MOVE:
		v = ret ? violation(c, ret, 0, "move returned non-zero") :
		    mv_check_ok(c, ret, ((struct vmxfer_move *)out)->moved);
		if (mv_after(c, ret, 0))
			v = 1;
		break;
	case F_SPLICE: {
		struct vmxfer_splice *in = (void *)c->buf, *o = (void *)out;
		int fd = in->pipe_fd == F.pipe_good[1] ? F.pipe_good[0] : -1;
		int have = fd >= 0 ? pipe_bytes(fd) : -1;

		if (ret || (fd >= 0 && (uint64_t)have != o->spliced) ||
		    (!in->nr_segs && o->spliced))
			v = violation(c, ret, 0, "splice count differs from the pipe's");
		else if (fd >= 0 && o->spliced >= 8 && c->pidk == PK_TARGET &&
			 c->srck >= 0 && (STAMPED & (1u << c->srck)) &&
			 c->srck != R_SWAP && c->ilen >= 8 && c->ilen <= c->rlen &&
			 in->iov == (uintptr_t)iovbig &&
			 !((uintptr_t)iovbig[0].iov_base & (PG - 1))) {
			uint64_t w = 0;

			if (read(fd, &w, 8) != 8 ||
			    w != pat((uintptr_t)iovbig[0].iov_base))
				v = violation(c, ret, 0, "spliced data differs from the target's");
		}
		drain();
		break;
	}
	case F_MERGE: {
		struct vmxfer_merge *in = (void *)c->buf, *o = (void *)out;
		uint64_t end = in->addr + (in->len > 1ULL << 32 ? 1ULL << 32 : in->len);
		uint64_t s;

		if (ret || o->addr != in->addr || o->len < in->len ||
		    o->merged > 65536)
			v = violation(c, ret, 0, "merge output wrong");
		s = stamps_bad(in->addr, end < in->addr ? ~0ULL : end);
		if (s) {
			printf("# page %#llx lost its stamp\n", (unsigned long long)s);
			restamp_all();
			v = violation(c, ret, 0, "merge changed the fuzzer's data");
		}
		break;
	}
	default:
		v = violation(c, ret, 0, "success of an op the fuzzer cannot undo");
	}
	return v;
}

/* The ranges a call names in the fuzzer itself: [lo, hi) each. */
static int stamps_after(const struct call *c, long ret, int err)
{
	uint64_t a = 0, l = 0, b = 0, m = 0, s;

	if (c->op == F_CLONE) {
		const struct vmxfer_clone *x = (const void *)c->buf;

		a = x->dst, l = x->len;
		if (c->pidk == PK_SELF)
			b = x->src, m = x->len;
	} else if (c->op == F_REMAP) {
		const struct vmxfer_remap *x = (const void *)c->buf;

		a = x->new_addr, l = x->new_len, b = x->old_addr, m = x->old_len;
	} else {
		return 0;
	}
	if (l > 1ULL << 32)
		l = 1ULL << 32;
	if (m > 1ULL << 32)
		m = 1ULL << 32;
	s = stamps_bad(a, a + l < a ? ~0ULL : a + l);
	if (!s)
		s = stamps_bad(b, b + m < b ? ~0ULL : b + m);
	if (s) {
		printf("# page %#llx lost its stamp\n", (unsigned long long)s);
		restamp_all();
		return violation(c, ret, err, "a failed call changed the fuzzer's data");
	}
	return 0;
}

static void on_alarm(int sig)
{
	(void)sig;
}

static void check_one(struct call *c)
{
	/* Repeating: a tick that lands before the ioctl waits is not lost. */
	struct itimerval it = { .it_value = { 0, 2000 },
				.it_interval = { 0, 2000 } };
	int feat = op_feat[c->op], avail, err = 0, pipe0, exc;
	long ret;

	avail = feat < 0 || (F.features & (1ULL << feat));
	if (c->op == F_MOVE)
		mv_snap(c);
	if (c->intr)
		setitimer(ITIMER_REAL, &it, NULL);
	ret = ioctl(F.vfd, c->cmd, c->arg);
	err = errno;
	if (c->intr) {
		memset(&it, 0, sizeof(it));
		setitimer(ITIMER_REAL, &it, NULL);
	}
	F.hist[c->op][ret < 0 ? (err > MAXERR ? MAXERR : err) : 0]++;
	F.done++;
	if (ret >= 0) {
		if (!avail)
			violation(c, ret, 0, "an op not in features succeeded");
		else if (c->nbad && c->want)
			violation(c, ret, 0, "succeeded despite a documented error");
		else if (F.user && c->pidk == PK_TARGET &&
			 (c->op == F_CLONE || c->op == F_SPLICE))
			violation(c, ret, 0, "unprivileged call on root's process succeeded");
		after_ok(c, ret);
		/* Mapping ops: the whole maps; others: the cheap digest. */
		if ((c->op == F_CLONE || c->op == F_REMAP || c->op == F_MOVE ||
		     c->op == F_MERGE || vmsize() != F.vmsize_ref) &&
		    !maps_same()) {
			violation(c, ret, 0, "mappings differ after undoing a success");
			maps_diff();
			maps_ref();
		}
		return;
	}
	if (!avail) {
		if (err != EOPNOTSUPP)
			violation(c, ret, err, "op not in features: want EOPNOTSUPP");
		return;
	}
	exc = known_exception(c, err);
	if (exc)
		F.exc[exc - 1]++;
	if (!in_doc(c->op, err) && !exc)
		violation(c, ret, err, "errno not documented for this op");
	else if (c->nbad == 1 && c->want && err != c->want && !exc &&
		 !(c->intr && err == EINTR))
		violation(c, ret, err, "not the errno documented for the one error");
	if (c->op == F_SPLICE) {
		pipe0 = pipe_bytes(F.pipe_good[0]);
		if (pipe0) {
			violation(c, ret, err, "a failed splice left bytes in the pipe");
			drain();
		}
	}
	if (c->op == F_CLONE || c->op == F_REMAP) {
		const struct vmxfer_clone *x = (const void *)c->buf;
		const struct vmxfer_remap *r = (const void *)c->buf;
		int fixed = c->op == F_CLONE ? (x->flags & 3) == VMXFER_CLONE_FIXED
					     : (r->flags & 3) == VMXFER_REMAP_FIXED;

		/* FIXED may have unmapped its destination when the failure
		 * came after it (documented: ENOMEM, EAGAIN, EBUSY, EFAULT):
		 * put the arena back before comparing. */
		if (fixed && (err == ENOMEM || err == EAGAIN || err == EBUSY ||
			      err == EFAULT)) {
			if (c->op == F_CLONE)
				arena_restore(x->dst, (x->len + PG - 1) & ~(PG - 1));
			else
				arena_restore(r->new_addr, r->new_len);
		}
		/* VmSize each time (a mapping left, moved or removed), the
		 * whole maps every 8th time (protections, splits) */
		if ((vmsize() != F.vmsize_ref || F.done % 8 == 0) && !maps_same()) {
			violation(c, ret, err, "a failed call changed the caller's mappings");
			maps_diff();
			maps_ref();
		}
		stamps_after(c, ret, err);
	} else if (c->op == F_MOVE) {
		mv_after(c, ret, err);
		if ((vmsize() != F.vmsize_ref || F.done % 8 == 0) && !maps_same()) {
			violation(c, ret, err, "a failed call changed the caller's mappings");
			maps_diff();
			maps_ref();
		}
	} else if ((vmsize() != F.vmsize_ref || F.done % 64 == 0) && !maps_same()) {
		violation(c, ret, err, "a failed call changed the caller's mappings");
		maps_diff();
		maps_ref();
	}
}

/*
 * Now and then: a THP again in R_THP (a move or remap splits it), and
 * the move destinations empty again (a self splice or clone may have
 * faulted zero pages in; guard markers survive MADV_DONTNEED).
 */
static void regions_refresh(void)
{
	const struct region *t = &F.self.r[R_THP], *l = &F.self.r[R_LOCKE];

	if (t->addr && mmap((void *)t->addr, t->len, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) !=
	    MAP_FAILED) {
		madvise((void *)t->addr, t->len, MADV_HUGEPAGE);
		stamp(t->addr, t->len);
	}
	for (int k = R_HOLE; k <= R_EMPTY; k++)
		if (F.self.r[k].addr)
			madvise((void *)F.self.r[k].addr, F.self.r[k].len,
				MADV_DONTNEED);
	if (F.self.r[R_GUARD].addr)
		madvise((void *)F.self.r[R_GUARD].addr, F.self.r[R_GUARD].len,
			MADV_DONTNEED);
	if (l->addr && mmap((void *)l->addr, l->len, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) !=
	    MAP_FAILED && !F.user)
		syscall(__NR_mlock2, l->addr, l->len, 1 /* MLOCK_ONFAULT */);
}

static void periodic(int final)
{
	uint64_t b;

	if (!F.user && (b = target_bad(final)) != 0) {
		printf("# target page %#llx changed\n", (unsigned long long)b);
		F.nviol++;
	}
	if ((b = stamps_bad(0, ~0ULL)) != 0) {
		printf("# fuzzer page %#llx lost its stamp\n", (unsigned long long)b);
		restamp_all();
		F.nviol++;
	}
	if (F.done % 16384 == 0 && !F.user)
		fz_target_pageout();
	if (F.self.r[R_SWAP].addr)
		madvise((void *)F.self.r[R_SWAP].addr, F.self.r[R_SWAP].len,
			MADV_PAGEOUT_);
	regions_refresh();
}

static void report(const char *phase, double secs)
{
	printf("# %s: seed %#llx, %ld calls in %.1f s (%.0f/s), %d violation(s)\n",
	       phase, (unsigned long long)F.seed, F.done, secs,
	       secs > 0 ? F.done / secs : 0.0, F.nviol);
	for (int o = 0; o < F_NOPS; o++) {
		long tot = 0;

		for (int e = 0; e <= MAXERR; e++)
			tot += F.hist[o][e];
		printf("#   %-6s %7ld calls: ok %ld", fop_name[o], tot, F.hist[o][0]);
		for (int e = 1; e <= MAXERR; e++)
			if (F.hist[o][e])
				printf(", %s %ld", strerrorname_np(e) ?: "?", F.hist[o][e]);
		printf("\n");
	}
	if (F.features & VMXFER_FEAT_MOVE)
		printf("#   move: %ld ok (%ld short), %ld pages moved, %ld runs "
		       "moved back (%ld EBUSY: before 6.12), src read as zeros "
		       "%ld times\n", F.mv_ok, F.mv_partial, F.mv_pages,
		       F.mv_back, F.mv_busyback, F.mv_zread);
	if (F.exc[0] || F.exc[1])
		printf("#   known exceptions: remap EPERM below mmap_min_addr: "
		       "%ld with a hint, %ld FIXED/NOREPLACE\n", F.exc[0], F.exc[1]);
	fflush(stdout);
}

/* Grow the stack well below run()'s frame once: a call that needs more
 * stack than any before would show as a changed [stack] in the maps. */
static __attribute__((noinline)) void stack_reserve(void)
{
	volatile char below[128 << 10];

	below[0] = 0;
	below[sizeof(below) - 1] = 0;
}

static void run(long n)
{
	static struct call c;
	struct timespec t0, t1;
	volatile char deep[256 << 10];

	/* The stack grows no further than this from here on: /proc/self/maps
	 * stays comparable. */
	deep[0] = 0;
	deep[sizeof(deep) - 1] = 0;
	memset(F.hist, 0, sizeof(F.hist));
	memset(F.exc, 0, sizeof(F.exc));
	F.mv_ok = F.mv_partial = F.mv_pages = F.mv_back = F.mv_zread = 0;
	F.mv_busyback = 0;
	F.done = 0;
	F.nviol = 0;
	F.n = n;
	restamp_all();
	proc_open();
	stack_reserve();
	maps_ref();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (F.done < n && F.nviol < 20) {
		gen(&c);
		check_one(&c);
		if (F.done % 4096 == 0)
			periodic(0);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	periodic(1);
	report(F.user ? "user" : "root", (t1.tv_sec - t0.tv_sec) +
	       (t1.tv_nsec - t0.tv_nsec) / 1e9);
	(void)deep;
}

/* --- setup and the two phases -------------------------------------------------- */

static long env_long(const char *k, long def)
{
	const char *v = getenv(k);

	return v && *v ? strtoll(v, NULL, 0) : def;
}

static void setup_all(void)
{
	struct vmxfer_info info;
	struct sigaction sa = { .sa_handler = on_alarm };
	int p[2], fl;
	FILE *f;

	F.vfd = test_open();
	assert_int_equal(vmxfer_info(F.vfd, &info), 0);
	F.features = info.features;
	F.nr_symbols = info.nr_symbols;
	{
		int ma = 0, mi = 0;

		sscanf(info.kernel_release, "%d.%d", &ma, &mi);
		F.relink = ma > 6 || (ma == 6 && mi >= 12);
	}
	F.seed = env_long("VMXFER_FUZZ_SEED", 0x766d786672);
	if (!strcmp(getenv("VMXFER_FUZZ_SEED") ?: "", "random"))
		F.seed = (uint64_t)time(NULL) * 2654435761u ^ getpid();
	F.rng = F.seed ? F.seed : 1;
	/* 5-level paging: an address above 47 bits can be mapped. */
	F.task_size = (1ULL << 47) - PG;
	if (mmap((void *)(1ULL << 50), PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
		 MAP_FIXED_NOREPLACE, -1, 0) == (void *)(1ULL << 50)) {
		F.task_size = (1ULL << 56) - PG;
		munmap((void *)(1ULL << 50), PG);
	}
	F.mmap_min = 65536;
	f = fopen("/proc/sys/vm/mmap_min_addr", "r");
	if (f) {
		if (fscanf(f, "%lu", &F.mmap_min) != 1)
			F.mmap_min = 65536;
		fclose(f);
	}
	printf("# fuzz: seed %#llx (VMXFER_FUZZ_SEED), features %#llx, "
	       "TASK_SIZE %#llx, mmap_min_addr %lu\n",
	       (unsigned long long)F.seed, (unsigned long long)F.features,
	       (unsigned long long)F.task_size, F.mmap_min);
	fflush(stdout);
	sigaction(SIGALRM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	test_sh("echo 4 > /proc/sys/vm/nr_hugepages");
	target_begin();
	regions_make(&F.self);
	F.arena = mapx(ARENA, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	F.self.r[R_ARENA] = (struct region){ (uintptr_t)F.arena, ARENA };
	F.freezone = mapx(FREEZONE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	assert_non_null(F.arena);
	assert_non_null(F.freezone);
	munmap(F.freezone, FREEZONE);
	parena_make(&F.pa_arg);
	parena_make(&F.pa_iov);
	F.pidfd[PK_SELF] = vmxfer_pidfd_open(getpid());
	F.pidfd[PK_ZOMBIE] = child_pidfd(0);
	F.pidfd[PK_REAPED] = child_pidfd(1);
	F.pidfd[PK_DEVNULL] = open("/dev/null", O_RDWR);
	F.pidfd[PK_NEG] = -1;
	F.pidfd[PK_CLOSED] = 999;
	F.pidfd[PK_VFD] = F.vfd;
	assert_int_equal(pipe(F.pipe_good), 0);
	fcntl(F.pipe_good[0], F_SETFL, O_NONBLOCK);
	assert_int_equal(pipe(p), 0);
	close(p[0]);
	F.pipe_noreader = p[1];
	assert_int_equal(pipe(F.pipe_full), 0);
	fl = fcntl(F.pipe_full[1], F_GETFL);
	fcntl(F.pipe_full[1], F_SETFL, fl | O_NONBLOCK);
	while (write(F.pipe_full[1], drainbuf, sizeof(drainbuf)) > 0)
		;
	fcntl(F.pipe_full[1], F_SETFL, fl);
	printf("# kinds: self");
	for (int k = 0; k < R_NKINDS; k++)
		if (F.self.r[k].addr)
			printf(" %s", rk_name[k]);
	printf("; target");
	for (int k = 0; k < R_NKINDS; k++)
		if (F.tgt.r[k].addr)
			printf(" %s", rk_name[k]);
	printf("\n");
	fflush(stdout);
	kinds_expected();
}

static int setup(void **state)
{
	(void)state;
	setup_all();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	kill(F.tgt_pid, SIGKILL);
	waitpid(F.tgt_pid, NULL, 0);
	test_sh("echo 0 > /proc/sys/vm/nr_hugepages");
	return 0;
}

/* Every op the module has must have succeeded at least once: a fuzzer
 * whose calls all fail explores nothing. */
static int coverage_ok(void)
{
	int ok = 1;

	for (int o = 0; o < F_BADCMD; o++) {
		int feat = op_feat[o];

		if ((feat < 0 || (F.features & (1ULL << feat))) &&
			   !F.hist[o][0]) {
			printf("# no successful %s call\n", fop_name[o]);
			ok = 0;
		}
	}
	return ok;
}

static void test_fuzz_root(void **state)
{
	(void)state;
	if (F.missing[0])
		fail_msg("mapping kinds not made on this line:%s", F.missing);
	run(env_long("VMXFER_FUZZ_N", 80000));
	if (F.nviol)
		fail_msg("%d violation(s); reproduce with VMXFER_FUZZ_SEED=%#llx",
			 F.nviol, (unsigned long long)F.seed);
	assert_true(coverage_ok());
}

static int user_phase(void *arg)
{
	(void)arg;
	F.user = 1;
	F.vfd = vmxfer_open();
	if (F.vfd < 0)
		return 110;
	F.pidfd[PK_VFD] = F.vfd;
	F.pidfd[PK_SELF] = vmxfer_pidfd_open(getpid());	/* not root's */
	F.rng ^= 0x5a5a5a5a;
	run(env_long("VMXFER_FUZZ_USER_N", env_long("VMXFER_FUZZ_N", 80000) / 4));
	if (!coverage_ok())
		return 111;
	return F.nviol > 100 ? 100 : F.nviol;
}

static void test_fuzz_user(void **state)
{
	int st;

	(void)state;
	assert_int_equal(chmod(VMXFER_DEVICE_PATH, 0666), 0);
	st = test_as_user(TEST_UID_OTHER, user_phase, NULL);
	chmod(VMXFER_DEVICE_PATH, 0600);
	if (st)
		fail_msg("user phase: status %d (violations, or 110: no device, "
			 "111: coverage, 120: no user); seed %#llx", st,
			 (unsigned long long)F.seed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fuzz_root),
		cmocka_unit_test(test_fuzz_user),
	};

	test_filter_from_env();
	return cmocka_run_group_tests_name("fuzz", tests, setup, teardown);
}
