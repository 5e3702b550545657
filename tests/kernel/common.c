// SPDX-License-Identifier: GPL-2.0
/* Helpers shared by the in-guest kernel tests; see common.h. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <linux/io_uring.h>
#include <linux/userfaultfd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include "common.h"

int test_open(void)
{
	int fd = vmxfer_open();

	if (fd < 0)
		fail_msg("vmxfer_open: %s", strerror(errno));
	return fd;
}

int test_open_for(uint64_t feature)
{
	struct vmxfer_info info;
	int fd = vmxfer_open();

	if (fd < 0 || vmxfer_info(fd, &info) || !(info.features & feature)) {
		fprintf(stderr, "operation %#llx unavailable on this kernel\n",
			(unsigned long long)feature);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

pid_t test_spawn_as(uid_t uid, int euid0, void *own)
{
	int sync[2];
	pid_t pid;
	char x;

	assert_int_equal(pipe(sync), 0);
	pid = fork();
	if (pid == 0) {
		volatile char *p = own;
		int bad;

		if (p)
			*p = *p;	/* a write fault: the page becomes ours */
		bad = euid0 ? setresuid(uid, 0, 0)
			    : (setgid(uid) || setuid(uid) ||
			       prctl(PR_SET_DUMPABLE, 1));
		if (bad || write(sync[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	assert_int_equal(read(sync[0], &x, 1), 1);
	close(sync[0]);
	close(sync[1]);
	return pid;
}

struct perm_case {
	test_read16_fn *read16;
	pid_t pid;
	int pidfd;
	void *addr;
};

/* As the test user: 0, or the operation's errno (100+: a test error). */
static int perm_probe(void *arg)
{
	struct perm_case *c = arg;
	char a[16], b[16];
	struct iovec l = { a, 16 }, r = { c->addr, 16 };
	int v = vmxfer_open(), readv_errno = 0, op_errno;

	if (v < 0)
		return 100;
	if (process_vm_readv(c->pid, &l, 1, &r, 1, 0) != 16)
		readv_errno = errno;
	op_errno = c->read16(v, c->pidfd, c->addr, b);
	if (!op_errno && memcmp(a, b, 16))
		return 101;
	if (readv_errno != op_errno) {
		fprintf(stderr, "pid %d: process_vm_readv errno %d, vmxfer %d\n",
			(int)c->pid, readv_errno, op_errno);
		return 102;
	}
	return op_errno;
}

/* A child of the test user's own: open to it. */
static int perm_own_child(void *arg)
{
	struct perm_case c = *(struct perm_case *)arg;
	struct target t;
	int ret;

	target_start(&t, 4096, 0);
	c.pid = t.pid;
	c.pidfd = t.pidfd;
	c.addr = t.base;
	ret = perm_probe(&c);
	target_stop(&t);
	return ret;
}

/* Spawn (see test_spawn_as), probe as @prober, reap. */
static int perm_against(struct perm_case *c, uid_t uid, int euid0,
			uid_t prober)
{
	int ret;

	/*
	 * The target's copy of the page is its own: the prober, a fork
	 * relative too, must not meet the double-map rule (EBUSY for clone)
	 * where only permissions are being compared.
	 */
	c->pid = test_spawn_as(uid, euid0, c->addr);
	c->pidfd = vmxfer_pidfd_open(c->pid);
	ret = test_as_user(prober, perm_probe, c);
	kill(c->pid, SIGKILL);
	waitpid(c->pid, NULL, 0);
	close(c->pidfd);
	return ret;
}

void test_perm_matrix(test_read16_fn *read16)
{
	char *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct perm_case c = { .read16 = read16, .addr = page };

	assert_ptr_not_equal(page, MAP_FAILED);
	strcpy(page, "vmxfer-perm");
	assert_int_equal(chmod(VMXFER_DEVICE_PATH, 0666), 0);
	assert_int_equal(test_as_user(TEST_UID_OTHER, perm_own_child, &c), 0);
	/* Root, another uid, set-uid root: EPERM. */
	assert_int_equal(perm_against(&c, 0, 0, TEST_UID_OTHER), EPERM);
	assert_int_equal(perm_against(&c, TEST_UID_MEMBER, 0, TEST_UID_OTHER),
			 EPERM);
	assert_int_equal(perm_against(&c, TEST_UID_OTHER, 1, TEST_UID_OTHER),
			 EPERM);
	/* A process open to its own uid when not a descendant: Yama's
	 * ptrace_scope decides, for both interfaces alike. */
	assert_true(perm_against(&c, TEST_UID_MEMBER, 0, TEST_UID_MEMBER) < 100);
	assert_int_equal(chmod(VMXFER_DEVICE_PATH, 0600), 0);
	munmap(page, 4096);
}

int test_sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static int drop_to(uid_t uid)
{
	struct passwd *pw = getpwuid(uid);

	if (!pw)
		return -1;
	if (initgroups(pw->pw_name, pw->pw_gid) ||
	    setgid(pw->pw_gid) || setuid(uid))
		return -1;
	/* As a freshly exec'd process of that user is: dumpable. */
	return prctl(PR_SET_DUMPABLE, 1) ? -1 : 0;
}

int test_as_user(uid_t uid, int (*fn)(void *arg), void *arg)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (drop_to(uid))
			_exit(120);
		_exit(fn(arg));
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

void test_reload(const char *params)
{
	const char *ko = getenv("VMXFER_KO");

	assert_non_null(ko);
	test_sh("rmmod vmxfer 2>/dev/null");
	assert_int_equal(test_sh("insmod %s %s", ko, params ? params : ""), 0);
}

/* "Key: value" or "key value" files: /proc/meminfo, vmstat, status. */
static long read_key(const char *path, const char *key)
{
	char line[256], name[128];
	long val = -1, v;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%127[^:\t ]%*[:\t ]%ld", name, &v) == 2 &&
		    !strcmp(name, key)) {
			val = v;
			break;
		}
	}
	fclose(f);
	return val;
}

void test_settle(void)
{
	test_sh("echo 3 > /proc/sys/vm/drop_caches; "
		"echo 1 > /sys/block/zram0/compact 2>/dev/null");
}

/*
 * Pages on the per-cpu free lists (zoneinfo's "count:" lines, in pages of
 * any order) in kB.  MemFree leaves them out, and the lists grow to tens
 * of MiB after THP churn (order-9 pages are cached there since 5.13): a
 * leak check on MemFree alone once failed by 8 MiB with nothing leaked.
 */
static long pcp_kb(void)
{
	char line[256];
	long pages = 0, v;
	FILE *f = fopen("/proc/zoneinfo", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " count: %ld", &v) == 1)
			pages += v;
	fclose(f);
	return pages * (sysconf(_SC_PAGESIZE) >> 10);
}

long test_settled_free(void)
{
	long best = 0, v;

	for (int i = 0; i < 4; i++) {
		if (i)
			usleep(250 * 1000);
		test_settle();
		v = test_meminfo("MemFree") + pcp_kb();
		if (v > best)
			best = v;
	}
	return best;
}

/* zram's pool (mm_stat field 3, bytes) in kB; 0 without zram. */
static long zram_kb(void)
{
	unsigned long long orig, compr, used;
	FILE *f = fopen("/sys/block/zram0/mm_stat", "r");
	long kb = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%llu %llu %llu", &orig, &compr, &used) == 3)
		kb = (long)(used >> 10);
	fclose(f);
	return kb;
}

void test_mem_snapshot(struct test_mem *m)
{
	m->free = test_settled_free();
	m->anon = test_meminfo("AnonPages");
	m->pagetables = test_meminfo("PageTables");
	m->slab_unrecl = test_meminfo("SUnreclaim");
	m->slab_recl = test_meminfo("SReclaimable");
	m->cached = test_meminfo("Cached");
	m->percpu = test_meminfo("Percpu");
	m->kstack = test_meminfo("KernelStack");
	m->swapcached = test_meminfo("SwapCached");
	m->zram = zram_kb();
	m->lru_anon = test_meminfo("Active(anon)") +
		      test_meminfo("Inactive(anon)");
	m->vma = test_slab_objects("vm_area_struct");
	m->av = test_slab_objects("anon_vma");
	m->avc = test_slab_objects("anon_vma_chain");
}

long test_slab_objects(const char *name)
{
	char path[128];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink", name);
	f = fopen(path, "w");
	if (f) {
		fputs("1", f);
		fclose(f);
	}
	snprintf(path, sizeof(path), "/sys/kernel/slab/%s/objects", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

void test_leak_check(const struct test_mem *a, const struct test_mem *b,
		     long calls)
{
	long kb = calls > 512 ? calls : 512, objs = calls / 4 > 64 ? calls / 4 : 64;
	long lost = test_mem_report(a, b);

	/*
	 * A KASAN kernel (ours have lockdep too) keeps freed objects in its
	 * quarantine and grows slab caches on first use: debug-6.12 lost
	 * 22 MB of free memory in a first round of 1000 file remaps, slab
	 * +22 MB, and 848 kB in the next.  There the slab's growth is not
	 * counted as lost; the object counts below still are.
	 */
	if (!access("/proc/lockdep", F_OK)) {
		long slab = (b->slab_unrecl - a->slab_unrecl) +
			    (b->slab_recl - a->slab_recl);

		printf("# debug kernel: slab %+ld kB not counted as lost\n", slab);
		if (slab > 0)
			lost -= slab;
	}

	printf("# %ld calls: free lost %ld kB, AnonPages %+ld, LRU anon %+ld "
	       "(limit %ld kB); vm_area_struct %+ld, anon_vma %+ld, "
	       "anon_vma_chain %+ld (limit %ld)\n", calls, lost,
	       b->anon - a->anon, b->lru_anon - a->lru_anon, kb,
	       b->vma - a->vma, b->av - a->av, b->avc - a->avc, objs);
	assert_true(lost < kb);
	assert_true(labs(b->anon - a->anon) < kb);
	assert_true(b->lru_anon - a->lru_anon < kb);
	assert_true(labs(b->pagetables - a->pagetables) < 256);
	assert_true(a->vma > 0 && a->av > 0 && a->avc > 0);
	assert_true(b->vma - a->vma < objs);
	assert_true(b->av - a->av < objs);
	assert_true(b->avc - a->avc < objs);
}

void test_pagemap(pid_t pid, const void *addr, size_t len, uint64_t *pm)
{
	size_t bytes = len / 4096 * sizeof(*pm);
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid ? (int)pid : getpid());
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, pm, bytes,
			       (off_t)((uintptr_t)addr / 4096 * sizeof(*pm))),
			 (ssize_t)bytes);
	close(fd);
}

void test_pfns_add(struct test_pfns *v, pid_t pid, const void *addr,
		   size_t len)
{
	size_t pages = len / 4096, i;
	uint64_t *pm = malloc(pages * sizeof(*pm)), pfn;

	assert_non_null(pm);
	test_pagemap(pid, addr, len, pm);
	for (i = 0; i < pages; i++) {
		if (!PM_PRESENT(pm[i]))
			continue;
		pfn = PM_PFN(pm[i]);
		if (pfn / 64 >= v->words) {
			size_t w = pfn / 64 + 1024;

			v->bits = realloc(v->bits, w * sizeof(*v->bits));
			assert_non_null(v->bits);
			memset(v->bits + v->words, 0,
			       (w - v->words) * sizeof(*v->bits));
			v->words = w;
		}
		v->bits[pfn / 64] |= 1ULL << (pfn % 64);
	}
	free(pm);
}

void test_pfns_free(struct test_pfns *v)
{
	free(v->bits);
	v->bits = NULL;
	v->words = 0;
}

#define KPF_BUDDY_BIT	10
#define KPF_ANON_BIT	12

/*
 * Keep in @v only the orphans: anonymous, not free in the buddy allocator,
 * mapped nowhere.  Runs of consecutive frames are read at once.
 */
static size_t orphans_filter(uint64_t *pfn, size_t n, int verbose)
{
	int kf = open("/proc/kpageflags", O_RDONLY);
	int kc = open("/proc/kpagecount", O_RDONLY);
	uint64_t fl[512], cnt[512];
	size_t i = 0, j, k, out = 0;

	assert_true(kf >= 0 && kc >= 0);
	while (i < n) {
		for (j = i + 1; j < n && j - i < 512 &&
		     pfn[j] == pfn[j - 1] + 1; j++)
			;
		assert_int_equal(pread(kf, fl, (j - i) * 8, (off_t)(pfn[i] * 8)),
				 (ssize_t)((j - i) * 8));
		assert_int_equal(pread(kc, cnt, (j - i) * 8, (off_t)(pfn[i] * 8)),
				 (ssize_t)((j - i) * 8));
		for (k = 0; k < j - i; k++)
			if ((fl[k] >> KPF_ANON_BIT & 1) &&
			    !(fl[k] >> KPF_BUDDY_BIT & 1) && !cnt[k]) {
				if (verbose && out < 8)
					printf("# orphan: pfn %#llx flags %#llx\n",
					       (unsigned long long)pfn[i + k],
					       (unsigned long long)fl[k]);
				pfn[out++] = pfn[i + k];
			}
		i = j;
	}
	close(kf);
	close(kc);
	return out;
}

/* Empty every CPU's LRU batches: move_pages(2) of no page does that first. */
static void drain_lru_batches(void)
{
	int node = 0;

	syscall(__NR_move_pages, 0, 0UL, NULL, &node, NULL, 0);
}

int test_pageout(void *addr, size_t len)
{
	drain_lru_batches();
	return madvise(addr, len, 21 /* MADV_PAGEOUT */);
}

long test_orphans(struct test_pfns *v)
{
	size_t n = 0, w;
	uint64_t *pfn;

	for (w = 0; w < v->words; w++)
		n += __builtin_popcountll(v->bits[w]);
	pfn = malloc((n ? n : 1) * sizeof(*pfn));
	assert_non_null(pfn);
	for (w = n = 0; w < v->words; w++)
		for (int b = 0; b < 64; b++)
			if (v->bits[w] >> b & 1)
				pfn[n++] = w * 64 + b;
	printf("# %zu page frames to check\n", n);
	/* A frame must be an orphan at every reading: others pass through. */
	for (int round = 0; round < 4 && n; round++) {
		if (round)
			usleep(300 * 1000);
		drain_lru_batches();
		n = orphans_filter(pfn, n, round == 3);
	}
	free(pfn);
	return (long)n;
}

long test_mem_report(const struct test_mem *a, const struct test_mem *b)
{
	static const struct {
		const char *name;
		size_t off;
	} keys[] = {
#define K(f) { #f, offsetof(struct test_mem, f) }
		K(free), K(anon), K(pagetables), K(slab_unrecl), K(slab_recl),
		K(cached), K(percpu), K(kstack), K(swapcached), K(zram),
		K(lru_anon), K(vma), K(av), K(avc),
#undef K
	};

	printf("# mem (kB):");
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		long va = *(const long *)((const char *)a + keys[i].off);
		long vb = *(const long *)((const char *)b + keys[i].off);

		printf(" %s %ld->%ld", keys[i].name, va, vb);
	}
	printf("\n");
	return a->free - b->free;
}

void test_filter_from_env(void)
{
	const char *f = getenv("VMXFER_TEST_FILTER");

	if (f && *f)
		cmocka_set_test_filter(f);
}

long test_meminfo(const char *key)
{
	return read_key("/proc/meminfo", key);
}

long test_vmstat(const char *key)
{
	return read_key("/proc/vmstat", key);
}

struct tgt_msg {
	char op;
	size_t off;
	size_t len;
	unsigned char val;
};

static char *tgt_map(size_t len, unsigned int flags, char **raw, size_t *map)
{
	int prot = PROT_READ | PROT_WRITE, fd = -1;
	char path[64], *base;

	*map = len;
	if (flags & TGT_HUGETLB)
		return *raw = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS |
				   MAP_HUGETLB, -1, 0);
	if (flags & TGT_SHARED)
		return *raw = mmap(NULL, len, prot,
				   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (flags & TGT_MEMFD)
		fd = memfd_create("vmxfer-target", 0);
	if (flags & TGT_SECRET)
		fd = syscall(447 /* __NR_memfd_secret */, 0);
	if (flags & (TGT_FILE | TGT_PRIVFILE)) {
		snprintf(path, sizeof(path), "/tmp/vmxfer-target-%d", getpid());
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		unlink(path);
	}
	if (fd >= 0) {
		if (ftruncate(fd, len))
			return MAP_FAILED;
		if (flags & TGT_PRIVFILE)
			for (size_t i = 0; i < len; i++) {
				unsigned char b = tgt_pattern(i);

				if (pwrite(fd, &b, 1, i) != 1)
					return MAP_FAILED;
			}
		*raw = mmap(NULL, len, prot, (flags & TGT_PRIVFILE) ?
			    MAP_PRIVATE : MAP_SHARED, fd, 0);
		close(fd);
		return *raw;
	}
	if (!(flags & TGT_THP)) {
		*raw = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (*raw != MAP_FAILED && (flags & TGT_NOTHP) &&
		    madvise(*raw, len, MADV_NOHUGEPAGE))
			return MAP_FAILED;
		return *raw;
	}
	*map = len + (2UL << 20);
	*raw = mmap(NULL, *map, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (*raw == MAP_FAILED)
		return MAP_FAILED;
	base = (char *)(((uintptr_t)*raw + (2UL << 20) - 1) & ~((2UL << 20) - 1));
	madvise(base, len, MADV_HUGEPAGE);
	return base;
}

int test_have_secretmem(void)
{
	int fd = syscall(447 /* __NR_memfd_secret */, 0);

	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

static int tgt_uffd(char *base, size_t len)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = {
		.range = { .start = (uintptr_t)base, .len = len },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};
	int fd = syscall(__NR_userfaultfd, O_CLOEXEC);

	if (fd < 0 || ioctl(fd, UFFDIO_API, &api) ||
	    ioctl(fd, UFFDIO_REGISTER, &reg))
		return -1;
	return 0;	/* the fd stays open: registration lives on */
}

/* UFFDIO_POISON (6.6+), missing from older uapi headers. */
#ifndef UFFD_FEATURE_POISON
#define UFFD_FEATURE_POISON	(1 << 14)
#define _UFFDIO_POISON		0x08
struct uffdio_poison {
	struct uffdio_range range;
	__u64 mode;
	__s64 updated;
};
#define UFFDIO_POISON		_IOWR(UFFDIO, _UFFDIO_POISON, struct uffdio_poison)
#endif

/*
 * Poison markers over [p, p + len) through a userfaultfd (registered,
 * UFFDIO_POISON, unregistered and closed: the markers stay).  0 or errno.
 */
static int tgt_uffd_poison(char *p, size_t len)
{
	struct uffdio_api api = { .api = UFFD_API,
				  .features = UFFD_FEATURE_POISON };
	struct uffdio_register reg = {
		.range = { .start = (uintptr_t)p, .len = len },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};
	struct uffdio_poison poison = { .range = reg.range };
	int fd = syscall(__NR_userfaultfd, O_CLOEXEC), err = 0;

	if (fd < 0)
		return errno;
	if (ioctl(fd, UFFDIO_API, &api) || ioctl(fd, UFFDIO_REGISTER, &reg) ||
	    ioctl(fd, UFFDIO_POISON, &poison) ||
	    ioctl(fd, UFFDIO_UNREGISTER, &reg.range))
		err = errno;
	close(fd);
	return err;
}

static int tgt_pin(char *base, size_t len)
{
	struct io_uring_params p = { 0 };
	struct iovec iov = { base, len };
	int fd = syscall(__NR_io_uring_setup, 4, &p);

	if (fd < 0)
		return -1;
	return syscall(__NR_io_uring_register, fd, IORING_REGISTER_BUFFERS,
		       &iov, 1) ? -1 : 0;
}

/* Board updates: odd while the page changes, the new content, even again. */
static void board_begin(struct tgt_board *bd, size_t pg)
{
	if (bd)
		__atomic_add_fetch(&bd->page[pg].gen, 1, __ATOMIC_SEQ_CST);
}

static void board_end(struct tgt_board *bd, size_t pg, uint64_t val)
{
	if (!bd)
		return;
	__atomic_store_n(&bd->page[pg].val, val, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&bd->page[pg].gen, 1, __ATOMIC_SEQ_CST);
}

static void tgt_stamp(char *p, uint64_t s)
{
	((volatile uint64_t *)p)[0] = s;
	((volatile uint64_t *)p)[4096 / 8 - 1] = ~s;
}

/* Keep the mapping's layout and contents churning, forever. */
static __attribute__((noreturn)) void tgt_chaos(char *base, size_t len,
						struct tgt_board *bd)
{
	size_t pages = len / 4096;
	unsigned int seed = 1;
	uint64_t stamp = 0;

	/* Every page starts odd (unknown) on the board: stamped, it is known. */
	for (size_t pg = 0; bd && pg < pages; pg++) {
		tgt_stamp(base + pg * 4096, ++stamp);
		board_end(bd, pg, stamp);
	}
	for (;;) {
		size_t pg = rand_r(&seed) % pages;
		char *p = base + pg * 4096;

		switch (rand_r(&seed) % 5) {
		case 0:
			board_begin(bd, pg);
			munmap(p, 4096);
			mmap(p, 4096, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
			board_end(bd, pg, 0);
			break;
		case 1:
			mprotect(p, 4096, PROT_READ);
			mprotect(p, 4096, PROT_READ | PROT_WRITE);
			break;
		case 2:
			if (fork() == 0)
				_exit(0);
			while (waitpid(-1, NULL, WNOHANG) > 0)
				;
			break;
		default:
			board_begin(bd, pg);
			tgt_stamp(p, ++stamp);
			board_end(bd, pg, stamp);
		}
		if (bd)
			__atomic_add_fetch(&bd->ops, 1, __ATOMIC_SEQ_CST);
	}
}

/* A signal that only interrupts. */
static void tgt_ignore(int sig)
{
	(void)sig;
}

static void target_child(int cmd, int ack, size_t len, unsigned int flags,
			 struct tgt_board *bd)
{
	size_t map, i;
	struct tgt_msg m;
	char *base, *raw, *wronly;
	int err;

	base = tgt_map(len, flags, &raw, &map);
	if (base == MAP_FAILED)
		_exit(90);
	if (flags & TGT_PRIVFILE)
		for (i = 0; i < len; i += 4096)
			*(volatile char *)(base + i);
	else if (!(flags & TGT_NOFILL))
		for (i = 0; i < len; i++)
			base[i] = (char)tgt_pattern(i);
	wronly = mmap(NULL, 10 * 4096, PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		      -1, 0);
	if (wronly == MAP_FAILED)
		_exit(90);
	if (write(ack, &base, sizeof(base)) != sizeof(base) ||
	    write(ack, &wronly, sizeof(wronly)) != sizeof(wronly))
		_exit(91);
	while (read(cmd, &m, sizeof(m)) == sizeof(m)) {
		switch (m.op) {
		case 'w':
			base[m.off] = (char)m.val;
			break;
		case 'p':
			madvise(base, len, 21 /* MADV_PAGEOUT */);
			break;
		case 'u':
			munmap(raw, map);
			break;
		case 'h':
			munmap(base + m.off, 4096);
			break;
		case 'r':
			mprotect(base + m.off, m.len, PROT_READ);
			break;
		case 'l':
			if (mlock(base, len))
				_exit(93);
			break;
		case 'U':
			if (tgt_uffd(base, len))
				_exit(94);
			break;
		case 'I':
			if (tgt_pin(base, len))
				_exit(95);
			break;
		case 'i':
			if (tgt_pin(base + m.off, 4096))
				_exit(95);
			break;
		case 'c':
			if (write(ack, &m.op, 1) != 1)
				_exit(92);
			tgt_chaos(base, len, bd);
			break;
		case 'm':
			/* MADV_HWPOISON also signals the caller (6.12+). */
			signal(SIGBUS, tgt_ignore);
			err = madvise(base + m.off, m.len, m.val) ? errno : 0;
			signal(SIGBUS, SIG_DFL);
			if (write(ack, &err, sizeof(err)) != sizeof(err))
				_exit(92);
			continue;	/* acked with the errno */
		case 'P':
			err = tgt_uffd_poison(base + m.off, m.len);
			if (write(ack, &err, sizeof(err)) != sizeof(err))
				_exit(92);
			continue;	/* acked with the errno */
		case 'q':
			_exit(0);
		}
		if (write(ack, &m.op, 1) != 1)
			_exit(92);
	}
	_exit(0);
}

static size_t board_size(size_t len)
{
	return sizeof(struct tgt_board) +
	       len / 4096 * sizeof(struct tgt_page_state);
}

void target_start(struct target *t, size_t len, unsigned int flags)
{
	int c[2], a[2];

	assert_int_equal(pipe(c), 0);
	assert_int_equal(pipe(a), 0);
	t->len = len;
	t->board = NULL;
	if (flags & TGT_BOARD) {
		t->board = mmap(NULL, board_size(len), PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		assert_ptr_not_equal(t->board, MAP_FAILED);
		for (size_t pg = 0; pg < len / 4096; pg++)
			t->board->page[pg].gen = 1;
	}
	t->pid = fork();
	assert_true(t->pid >= 0);
	if (t->pid == 0) {
		close(c[1]);
		close(a[0]);
		target_child(c[0], a[1], len, flags, t->board);
	}
	close(c[0]);
	close(a[1]);
	t->cmd = c[1];
	t->ack = a[0];
	if (read(t->ack, &t->base, sizeof(t->base)) != sizeof(t->base)) {
		int st = 0;

		waitpid(t->pid, &st, 0);
		fail_msg("target did not start: exit status %d (90: mmap failed)",
			 WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st));
	}
	assert_int_equal(read(t->ack, &t->wronly, sizeof(t->wronly)),
			 sizeof(t->wronly));
	t->pidfd = vmxfer_pidfd_open(t->pid);
	assert_true(t->pidfd >= 0);
}

static void target_cmd(struct target *t, char op, size_t off, unsigned char val)
{
	struct tgt_msg m = { .op = op, .off = off, .len = val, .val = val };
	char done;

	assert_int_equal(write(t->cmd, &m, sizeof(m)), sizeof(m));
	if (op == 'q')
		return;
	assert_int_equal(read(t->ack, &done, 1), 1);
	assert_int_equal(done, op);
}

void target_write(struct target *t, size_t off, unsigned char val)
{
	target_cmd(t, 'w', off, val);
}

void target_pageout(struct target *t)
{
	target_cmd(t, 'p', 0, 0);
}

void target_munmap(struct target *t)
{
	target_cmd(t, 'u', 0, 0);
}

void target_hole(struct target *t, size_t off)
{
	target_cmd(t, 'h', off, 0);
}

void target_protect(struct target *t, size_t off, size_t len)
{
	struct tgt_msg m = { .op = 'r', .off = off, .len = len };
	char done;

	assert_int_equal(write(t->cmd, &m, sizeof(m)), sizeof(m));
	assert_int_equal(read(t->ack, &done, 1), 1);
}

void target_mlock(struct target *t)
{
	target_cmd(t, 'l', 0, 0);
}

void target_uffd(struct target *t)
{
	target_cmd(t, 'U', 0, 0);
}

void target_pin(struct target *t)
{
	target_cmd(t, 'I', 0, 0);
}

void target_pin_page(struct target *t, size_t off)
{
	target_cmd(t, 'i', off, 0);
}

int target_madvise(struct target *t, size_t off, size_t len, int advice)
{
	struct tgt_msg m = { .op = 'm', .off = off, .len = len,
			     .val = (unsigned char)advice };
	int err;

	assert_int_equal(advice, m.val);
	assert_int_equal(write(t->cmd, &m, sizeof(m)), sizeof(m));
	assert_int_equal(read(t->ack, &err, sizeof(err)), sizeof(err));
	return err;
}

int target_uffd_poison(struct target *t, size_t off, size_t len)
{
	struct tgt_msg m = { .op = 'P', .off = off, .len = len };
	int err;

	assert_int_equal(write(t->cmd, &m, sizeof(m)), sizeof(m));
	assert_int_equal(read(t->ack, &err, sizeof(err)), sizeof(err));
	return err;
}

void target_chaos(struct target *t)
{
	target_cmd(t, 'c', 0, 0);
}

void target_exit(struct target *t)
{
	int st;

	if (t->pid <= 0)
		return;
	kill(t->pid, SIGKILL);	/* also ends a chaos loop */
	assert_int_equal(waitpid(t->pid, &st, 0), t->pid);
	t->pid = 0;
}

void target_stop(struct target *t)
{
	target_exit(t);
	close(t->cmd);
	close(t->ack);
	close(t->pidfd);
	if (t->board)
		munmap(t->board, board_size(t->len));
}

long proc_kb(pid_t pid, const char *file, const char *key)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	return read_key(path, key);
}

/* A field of the caller's smaps entry for the VMA starting at @addr. */
long test_smaps_kb(void *addr, const char *key)
{
	char line[256], want[32];
	long val = -1, v;
	int in = 0;
	FILE *f = fopen("/proc/self/smaps", "r");

	assert_non_null(f);
	snprintf(want, sizeof(want), "%lx-", (unsigned long)addr);
	while (fgets(line, sizeof(line), f)) {
		if (strchr(line, '-') && strchr(line, ' ') &&
		    strchr(line, '-') < strchr(line, ' ')) {
			if (in)
				break;
			in = !strncmp(line, want, strlen(want));
			continue;
		}
		if (in && sscanf(line, "%*[^:]:%ld", &v) == 1 &&
		    !strncmp(line, key, strlen(key)) && line[strlen(key)] == ':') {
			val = v;
			break;
		}
	}
	fclose(f);
	return val;
}

/* --- "nothing changed" --------------------------------------------------- */

#define SNAP_MAPS_MAX	(1UL << 20)

/* Read a whole /proc file into @buf (at most SNAP_MAPS_MAX - 1 bytes). */
static size_t snap_read(const char *path, char *buf)
{
	size_t got = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		fail_msg("%s: %s", path, strerror(errno));
	while ((n = read(fd, buf + got, SNAP_MAPS_MAX - 1 - got)) > 0)
		got += n;
	close(fd);
	if (got >= SNAP_MAPS_MAX - 1)
		fail_msg("%s: larger than %lu bytes", path, SNAP_MAPS_MAX);
	buf[got] = 0;
	return got;
}

static long snap_vmsize(char *buf)
{
	char *p;

	snap_read("/proc/self/status", buf);
	p = strstr(buf, "\nVmSize:");
	return p ? strtol(p + 8, NULL, 10) : -1;
}

static void snap_copy(const struct test_snap_range *r, unsigned char *to)
{
	struct iovec l = { to, r->len }, rem = { (void *)r->addr, r->len };

	if (!r->pid) {
		memcpy(to, r->addr, r->len);
		return;
	}
	if (process_vm_readv(r->pid, &l, 1, &rem, 1, 0) != (ssize_t)r->len)
		fail_msg("process_vm_readv(%d, %p, %zu): %s", r->pid, r->addr,
			 r->len, strerror(errno));
}

/*
 * The buffers are mapped, not malloc()ed: large frees raise glibc's mmap
 * threshold, and later allocations would then grow the heap (a THP that a
 * forked target inherits and counts in its RssAnon).
 */
static void *snap_alloc(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_ptr_not_equal(p, MAP_FAILED);
	return p;
}

void test_snap_begin(struct test_snap *s, pid_t target)
{
	memset(s, 0, sizeof(*s));
	s->target = target;
	s->maps = snap_alloc(SNAP_MAPS_MAX);
	s->tmaps = snap_alloc(SNAP_MAPS_MAX);
	s->buf = snap_alloc(SNAP_MAPS_MAX);
}

void test_snap_range(struct test_snap *s, pid_t pid, const void *addr,
		     size_t len)
{
	struct test_snap_range *r = &s->r[s->n];

	assert_true(s->n < TEST_SNAP_RANGES);
	r->pid = pid;
	r->addr = addr;
	r->len = len;
	r->copy = snap_alloc(len);
	r->now = snap_alloc(len);
	s->n++;
}

void test_snap_take(struct test_snap *s)
{
	char path[64];

	for (int i = 0; i < s->n; i++)
		snap_copy(&s->r[i], s->r[i].copy);
	if (s->target) {
		snprintf(path, sizeof(path), "/proc/%d/maps", s->target);
		s->tmaps_len = snap_read(path, s->tmaps);
	}
	s->vmsize = snap_vmsize(s->buf);
	s->maps_len = snap_read("/proc/self/maps", s->maps);
}

/* Fail with the first line where @was and @now differ. */
static void snap_diff(const char *what, const char *file, const char *was,
		      const char *now)
{
	const char *a = was, *b = now;
	int la, lb;

	while (*a && *a == *b) {
		if (*a == '\n') {
			was = a + 1;
			now = b + 1;
		}
		a++;
		b++;
	}
	la = (int)strcspn(was, "\n");
	lb = (int)strcspn(now, "\n");
	fail_msg("%s changed %s: was \"%.*s\", now \"%.*s\"", what, file, la,
		 was, lb, now);
}

void test_snap_same(struct test_snap *s, const char *what)
{
	char path[64];
	long vm;
	size_t n;

	n = snap_read("/proc/self/maps", s->buf);
	if (n != s->maps_len || memcmp(s->buf, s->maps, n))
		snap_diff(what, "the caller's maps", s->maps, s->buf);
	vm = snap_vmsize(s->buf);
	if (vm != s->vmsize)
		fail_msg("%s changed the caller's VmSize: %ld kB -> %ld kB",
			 what, s->vmsize, vm);
	if (s->target) {
		snprintf(path, sizeof(path), "/proc/%d/maps", s->target);
		n = snap_read(path, s->buf);
		if (n != s->tmaps_len || memcmp(s->buf, s->tmaps, n))
			snap_diff(what, "the target's maps", s->tmaps, s->buf);
	}
	for (int i = 0; i < s->n; i++) {
		struct test_snap_range *r = &s->r[i];

		snap_copy(r, r->now);
		for (size_t off = 0; off < r->len; off++)
			if (r->now[off] != r->copy[off])
				fail_msg("%s changed %s's byte at %p: %#x -> %#x",
					 what, r->pid ? "a process" : "the caller",
					 (const char *)r->addr + off, r->copy[off],
					 r->now[off]);
	}
}

void test_snap_end(struct test_snap *s)
{
	for (int i = 0; i < s->n; i++) {
		munmap(s->r[i].copy, s->r[i].len);
		munmap(s->r[i].now, s->r[i].len);
	}
	munmap(s->maps, SNAP_MAPS_MAX);
	munmap(s->tmaps, SNAP_MAPS_MAX);
	munmap(s->buf, SNAP_MAPS_MAX);
	s->n = 0;
}

void test_snap_of(struct test_snap *s, pid_t target, const void *addr,
		  size_t len)
{
	test_snap_begin(s, target);
	if (len)
		test_snap_range(s, target, addr, len);
	test_snap_take(s);
}

int test_pipe_bytes(int fd)
{
	int n = -1;

	assert_int_equal(ioctl(fd, FIONREAD, &n), 0);
	return n;
}

/* --- kernel lines ---------------------------------------------------------- */

int test_kernel_line(void)
{
	struct utsname u;
	int maj = 0, min = 0;

	assert_int_equal(uname(&u), 0);
	assert_int_equal(sscanf(u.release, "%d.%d", &maj, &min), 2);
	return maj * 100 + min;
}

void test_absent_on_line(int since, const char *what)
{
	int line = test_kernel_line();

	if (line < since) {
		printf("# %s: absent before %d.%d, this is %d.%d: skipped\n",
		       what, since / 100, since % 100, line / 100, line % 100);
		skip();
	}
	fail_msg("%s: absent on %d.%d, which has it (since %d.%d)", what,
		 line / 100, line % 100, since / 100, since % 100);
}

char *test_anon(size_t len, int c)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_ptr_not_equal(p, MAP_FAILED);
	if (c >= 0)
		memset(p, c, len);
	return p;
}

#define TEST_RAMFS "/tmp/vmxfer-ramfs"

int test_ramfs_fd(void)
{
	static int mounted;
	char path[64];
	int fd;

	if (!mounted) {
		mkdir(TEST_RAMFS, 0755);
		if (mount("ramfs", TEST_RAMFS, "ramfs", 0, NULL) &&
		    errno != EBUSY)
			fail_msg("mount ramfs: %s", strerror(errno));
		mounted = 1;
	}
	snprintf(path, sizeof(path), TEST_RAMFS "/f%d", getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	unlink(path);
	return fd;
}

/* --- reading pages with faults caught ---------------------------------- */

static sigjmp_buf fault_jmp;
static volatile int fault_sig;

static void on_fault(int sig)
{
	fault_sig = sig;
	siglongjmp(fault_jmp, 1);
}

/* One character per page: its byte if uniform ('.' for 0), '?', B, S. */
void test_page_signature(const char *p, size_t len, char *out)
{
	struct sigaction sa = { .sa_handler = on_fault }, obus, osegv;
	size_t n = len / 4096, i;

	sigaction(SIGBUS, &sa, &obus);
	sigaction(SIGSEGV, &sa, &osegv);
	for (i = 0; i < n; i++) {
		const volatile char *q = p + i * 4096;
		char c = '?';

		fault_sig = 0;
		if (sigsetjmp(fault_jmp, 1) == 0) {
			size_t j;

			c = q[0];
			for (j = 1; j < 4096; j++)
				if (q[j] != c) {
					c = '?';
					break;
				}
			if (c == 0)
				c = '.';
		} else {
			c = fault_sig == SIGBUS ? 'B' : 'S';
		}
		out[i] = c;
	}
	out[n] = 0;
	sigaction(SIGBUS, &obus, NULL);
	sigaction(SIGSEGV, &osegv, NULL);
}

/*
 * The VmFlags of the mapping at @p that a move may change, in a fixed
 * order, and its Rss (kB; read before any of its pages is touched here).
 */
void test_vmflags(const void *p, char *out, size_t n, long *rss)
{
	static const char *const keep[] = {
		"lo", "lf", "mg", "um", "uw", "gd", "sh", "ms", "sl", "io",
		"pf", "de", "ht", "ac", "rd", "wr",
	};
	unsigned long a = (unsigned long)p, s, e;
	char line[512];
	int in = 0;
	FILE *f = fopen("/proc/self/smaps", "r");

	assert_non_null(f);
	out[0] = 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &s, &e) == 2 && strchr(line, '-') < strchr(line, ' ')) {
			in = s <= a && a < e;
			continue;
		}
		if (in && rss && !strncmp(line, "Rss:", 4))
			*rss = strtol(line + 4, NULL, 10);
		if (in && !strncmp(line, "VmFlags:", 8)) {
			for (size_t k = 0; k < sizeof(keep) / sizeof(keep[0]); k++) {
				char pat[5];

				snprintf(pat, sizeof(pat), " %s", keep[k]);
				if (strstr(line + 8, pat) &&
				    strlen(out) + 4 < n) {
					strcat(out, keep[k]);
					strcat(out, " ");
				}
			}
			break;
		}
	}
	fclose(f);
}
