// SPDX-License-Identifier: GPL-2.0
/*
 * VMXFER_IOC_REMAP in the guest: the five cases of the upstream selftest
 * mremap_dontunmap.c adapted (shmem is refused in v1), growth, THP, swap,
 * every errno, and a leak check.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <pthread.h>

#include "common.h"

#define PAGE 4096UL
#define HPAGE (2UL << 20)

TEST_OP_FIXTURES(VMXFER_FEAT_REMAP)

static char *anon(size_t len, int c)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_ptr_not_equal(p, MAP_FAILED);
	if (c >= 0)
		memset(p, c, len);
	return p;
}

/* Every byte of [p, p + len) is c. */
static int all(const char *p, size_t len, int c)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)p[i] != (unsigned char)c)
			return 0;
	return 1;
}

/* An address range nobody maps (reserved, then freed). */
static char *hole(size_t len)
{
	char *p = anon(len, -1);

	assert_int_equal(munmap(p, len), 0);
	return p;
}

/* The mapping containing @addr, from /proc/self/maps; 0 when none. */
static int vma_of(void *addr, unsigned long *start, unsigned long *end)
{
	unsigned long a = (unsigned long)addr, s, e;
	char line[512];
	int found = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	assert_non_null(f);
	while (!found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx", &s, &e) == 2 && s <= a && a < e) {
			*start = s;
			*end = e;
			found = 1;
		}
	fclose(f);
	return found;
}

static void *remap(void *old, size_t old_len, size_t new_len, void *new,
		   unsigned int flags)
{
	return vmxfer_remap(vfd, old, old_len, new_len, new, flags);
}

/* --- mremap_dontunmap.c's five cases ------------------------------------ */

static void test_simple(void **state)
{
	size_t len = 5 * PAGE;
	char *src = anon(len, 'a'), *dst;

	(void)state;
	dst = remap(src, len, len, NULL, 0);
	assert_ptr_not_equal(dst, MAP_FAILED);
	assert_true(all(dst, len, 'a'));
	assert_true(all(src, len, 0));
	assert_int_equal(munmap(dst, len), 0);
	assert_int_equal(munmap(src, len), 0);
}

/* v1 moves private anonymous memory only: shmem/memfd is refused. */
static void test_simple_shmem(void **state)
{
	size_t len = 5 * PAGE;
	int fd = memfd_create("remap", 0);
	char *src;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)len), 0);
	src = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_ptr_not_equal(src, MAP_FAILED);
	memset(src, 'a', len);
	assert_ptr_equal(remap(src, len, len, NULL, 0), MAP_FAILED);
	assert_int_equal(errno, EINVAL);
	assert_true(all(src, len, 'a'));
	munmap(src, len);
	close(fd);

	src = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_ptr_not_equal(src, MAP_FAILED);
	assert_ptr_equal(remap(src, len, len, NULL, 0), MAP_FAILED);
	assert_int_equal(errno, EINVAL);
	munmap(src, len);
}

static void test_simple_fixed(void **state)
{
	size_t len = 5 * PAGE;
	char *src = anon(len, 'a'), *dst = anon(len, 'X'), *r;

	(void)state;
	r = remap(src, len, len, dst, VMXFER_REMAP_FIXED);
	assert_ptr_equal(r, dst);
	assert_true(all(dst, len, 'a'));
	assert_true(all(src, len, 0));
	munmap(dst, len);
	munmap(src, len);
}

static void test_partial_mapping(void **state)
{
	size_t len = 10 * PAGE, half = 5 * PAGE;
	char *src = anon(len, 'a'), *dst;

	(void)state;
	dst = remap(src + half, half, half, NULL, 0);
	assert_ptr_not_equal(dst, MAP_FAILED);
	assert_true(all(src, half, 'a'));
	assert_true(all(src + half, half, 0));
	assert_true(all(dst, half, 'a'));
	munmap(dst, half);
	munmap(src, len);
}

static void test_partial_mapping_overwrite(void **state)
{
	size_t half = 5 * PAGE;
	char *src = anon(half, 'a'), *dst = anon(2 * half, 'X'), *r;

	(void)state;
	r = remap(src, half, half, dst, VMXFER_REMAP_FIXED);
	assert_ptr_equal(r, dst);
	assert_true(all(src, half, 0));
	assert_true(all(dst, half, 'a'));
	assert_true(all(dst + half, half, 'X'));
	munmap(dst, 2 * half);
	munmap(src, half);
}

/* --- growth, placement, THP, swap --------------------------------------- */

static void test_growth(void **state)
{
	size_t old = 5 * PAGE, len = 10 * PAGE;
	char *src = anon(old, 'a'), *dst;
	long vm0 = proc_kb(getpid(), "status", "VmSize");
	unsigned long s, e;

	(void)state;
	dst = remap(src, old, len, NULL, 0);
	assert_ptr_not_equal(dst, MAP_FAILED);
	assert_int_equal(proc_kb(getpid(), "status", "VmSize"),
			 vm0 + (long)(len >> 10));
	assert_true(vma_of(dst, &s, &e));
	assert_int_equal(s, (unsigned long)dst);	/* one new mapping */
	assert_int_equal(e, (unsigned long)dst + len);
	assert_true(all(dst, old, 'a'));
	assert_true(all(dst + old, len - old, 0));
	assert_true(all(src, old, 0));
	memset(dst + old, 'b', len - old);		/* the tail is usable */
	assert_true(all(dst + old, len - old, 'b'));
	memset(src, 'c', old);				/* so is the source */
	assert_true(all(dst, old, 'a'));
	munmap(dst, len);
	munmap(src, old);
}

/* The source keeps protection and flags, and is not locked. */
static void test_source_is_fresh(void **state)
{
	size_t len = 4 * PAGE;
	char *src = anon(len, 'a'), *dst;
	unsigned long s, e;

	(void)state;
	dst = remap(src, len, len, NULL, 0);
	assert_ptr_not_equal(dst, MAP_FAILED);
	/* Still mapped (an mmap may have merged it with a neighbour). */
	assert_true(vma_of(src, &s, &e));
	assert_true(s <= (unsigned long)src && e >= (unsigned long)src + len);
	assert_true(all(src, len, 0));
	src[0] = 1;					/* writable */
	assert_int_equal(test_smaps_kb(dst, "Rss"), (long)(len >> 10));
	assert_true(all(dst, len, 'a'));
	munmap(dst, len);
	munmap(src, len);
}

/*
 * Right after the source (FIXED): the 5.10 self-merge case (copy_vma()
 * without keep_source), faulted and unfaulted source.
 */
static void test_adjacent(void **state)
{
	size_t len = 4 * PAGE;
	unsigned long s, e;

	(void)state;
	for (int fill = 0; fill < 2; fill++) {
		char *src = anon(2 * len, -1), *dst;

		assert_int_equal(munmap(src + len, len), 0);
		if (fill)
			memset(src, 'a', len);
		dst = remap(src, len, len, src + len, VMXFER_REMAP_FIXED_NOREPLACE);
		assert_ptr_equal(dst, src + len);
		assert_true(all(dst, len, fill ? 'a' : 0));
		assert_true(all(src, len, 0));
		assert_true(vma_of(src, &s, &e));
		assert_int_equal(s, (unsigned long)src);
		memset(src, 'z', len);
		assert_true(all(dst, len, fill ? 'a' : 0));
		munmap(src, 2 * len);
	}
}

static void test_thp(void **state)
{
	size_t len = 2 * HPAGE;
	char *raw = anon(len + HPAGE, -1), *src, *dst;

	(void)state;
	src = (char *)(((unsigned long)raw + HPAGE - 1) & ~(HPAGE - 1));
	assert_int_equal(madvise(src, len, MADV_HUGEPAGE), 0);
	memset(src, 't', len);
	if (test_smaps_kb(src, "AnonHugePages") < 2048)
		fail_msg("no THP (AnonHugePages %ld kB)",
			 test_smaps_kb(src, "AnonHugePages"));
	dst = remap(src, len, len, NULL, 0);
	assert_ptr_not_equal(dst, MAP_FAILED);
	assert_int_equal((unsigned long)dst & (HPAGE - 1), 0);
	printf("# AnonHugePages at dst %ld kB\n", test_smaps_kb(dst, "AnonHugePages"));
	assert_int_equal(test_smaps_kb(dst, "AnonHugePages"), (long)(len >> 10));
	assert_true(all(dst, len, 't'));
	assert_true(all(src, len, 0));
	munmap(dst, len);
	munmap(raw, len + HPAGE);
}

static void test_swapped(void **state)
{
	size_t len = 64 * PAGE;
	char *src = anon(len, 's'), *dst;
	long in0, in1;

	(void)state;
	assert_int_equal(madvise(src, len, MADV_PAGEOUT), 0);
	if (test_smaps_kb(src, "Swap") < (long)(len >> 10) / 2)
		fail_msg("not swapped out (Swap %ld kB)", test_smaps_kb(src, "Swap"));
	in0 = test_vmstat("pswpin");
	dst = remap(src, len, len, NULL, 0);
	in1 = test_vmstat("pswpin");
	assert_ptr_not_equal(dst, MAP_FAILED);
	assert_int_equal(in0, in1);
	assert_true(test_smaps_kb(dst, "Swap") >= (long)(len >> 10) / 2);
	assert_int_equal(test_smaps_kb(src, "Swap"), 0);
	assert_true(all(dst, len, 's'));
	assert_true(all(src, len, 0));
	munmap(dst, len);
	munmap(src, len);
}

/* --- errors --------------------------------------------------------------- */

#define FAILS(call, err) do {					\
	errno = 0;						\
	assert_ptr_equal((call), MAP_FAILED);			\
	assert_int_equal(errno, (err));				\
} while (0)

static void test_errors(void **state)
{
	size_t len = 4 * PAGE;
	char *src = anon(len + PAGE, 'a'), *other = anon(len, 'o'), *h;
	struct vmxfer_remap big;
	unsigned int both = VMXFER_REMAP_FIXED | VMXFER_REMAP_FIXED_NOREPLACE;
	struct test_snap s;

	(void)state;
	test_snap_begin(&s, 0);		/* allocates: before the hole */
	test_snap_range(&s, 0, src, len);
	test_snap_range(&s, 0, other, len);
	h = hole(len);	/* last: no mmap after it may reuse it */
	assert_int_equal(munmap(src + len, PAGE), 0);	/* a hole after src */
	test_snap_take(&s);
	FAILS(remap(src, len, len, NULL, 0x4), EINVAL);
	FAILS(remap(src, len, len, h, both), EINVAL);
	FAILS(remap(src + 1, len, len, NULL, 0), EINVAL);
	FAILS(remap(src, len - 1, len, NULL, 0), EINVAL);
	FAILS(remap(src, 0, len, NULL, 0), EINVAL);
	FAILS(remap(NULL, len, len, NULL, 0), EINVAL);
	FAILS(remap(src, len, len - PAGE, NULL, 0), EINVAL);	/* shrink */
	FAILS(remap(src, len, len, h + 1, VMXFER_REMAP_FIXED), EINVAL);
	/* overlapping source and destination */
	FAILS(remap(src, len, len, src + PAGE, VMXFER_REMAP_FIXED), EINVAL);
	FAILS(remap(src, 2 * PAGE, 2 * PAGE, src + PAGE, VMXFER_REMAP_FIXED),
	      EINVAL);
	FAILS(remap(src + PAGE, PAGE, 2 * PAGE, src, VMXFER_REMAP_FIXED),
	      EINVAL);
	/* not mapped / more than one mapping */
	FAILS(remap(h, len, len, NULL, 0), EFAULT);
	FAILS(remap(src, 2 * len, 2 * len, NULL, 0), EFAULT);
	/* occupied, NOREPLACE */
	FAILS(remap(src, len, len, other, VMXFER_REMAP_FIXED_NOREPLACE), EEXIST);
	/* Nothing moved by any of these; no mapping came or went. */
	assert_true(all(src, len, 'a'));
	assert_true(all(other, len, 'o'));
	test_snap_same(&s, "refused remap arguments");

	/* Struct rules: size below VER0, non-zero tail past the struct. */
	memset(&big, 0, sizeof(big));
	big.size = VMXFER_REMAP_SIZE_VER0 - 8;
	big.old_addr = (unsigned long)src;
	big.old_len = big.new_len = len;
	assert_int_equal(ioctl(vfd, VMXFER_IOC_REMAP, &big), -1);
	assert_int_equal(errno, EINVAL);
	assert_true(all(src, len, 'a'));
	test_snap_same(&s, "remap with size < VER0");
	test_snap_end(&s);
	munmap(src, len);
	munmap(other, len);
}

static void test_refused_kinds(void **state)
{
	size_t len = 4 * PAGE;
	char *src = anon(len, 'a');
	struct test_snap s;

	(void)state;
	/* mlocked: refused (v1); as root, mlock works on every line */
	assert_int_equal(mlock(src, len), 0);
	test_snap_of(&s, 0, src, len);
	FAILS(remap(src, len, len, NULL, 0), EINVAL);
	test_snap_same(&s, "remap of an mlocked source");
	test_snap_end(&s);
	assert_int_equal(munlock(src, len), 0);
	/* KSM-mergeable: refused (v1); every Debian kernel has KSM */
	assert_int_equal(madvise(src, len, MADV_MERGEABLE), 0);
	test_snap_of(&s, 0, src, len);
	FAILS(remap(src, len, len, NULL, 0), EINVAL);
	test_snap_same(&s, "remap of a KSM-mergeable source");
	test_snap_end(&s);
	assert_int_equal(madvise(src, len, MADV_UNMERGEABLE), 0);
	/* a private file mapping */
	{
		int fd = open("/proc/self/exe", O_RDONLY);
		char *f = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0);

		assert_ptr_not_equal(f, MAP_FAILED);
		test_snap_of(&s, 0, f, PAGE);
		FAILS(remap(f, PAGE, PAGE, NULL, 0), EINVAL);
		test_snap_same(&s, "remap of a private file mapping");
		test_snap_end(&s);
		munmap(f, PAGE);
		close(fd);
	}
	assert_true(all(src, len, 'a'));
	/* still works afterwards */
	{
		char *dst = remap(src, len, len, NULL, 0);

		assert_ptr_not_equal(dst, MAP_FAILED);
		assert_true(all(dst, len, 'a'));
		munmap(dst, len);
	}
	munmap(src, len);
}

static void sysctl_rw(const char *path, char *old, size_t n, const char *val)
{
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	assert_non_null(fgets(old, (int)n, f));
	fclose(f);
	old[strcspn(old, "\n")] = 0;
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "%s\n", val);
	fclose(f);
}

static void sysctl_put(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fprintf(f, "%s\n", val);
	fclose(f);
}

static void test_enomem(void **state)
{
	size_t len = 4 * PAGE;
	char *src = anon(len, 'a'), *dst;
	char mode[16], ratio[16], maxmc[16];
	struct rlimit rl0, rl;
	struct test_snap s;
	long vm;
	int err;

	(void)state;
	/* RLIMIT_AS: growth beyond it */
	assert_int_equal(getrlimit(RLIMIT_AS, &rl0), 0);
	test_snap_of(&s, 0, src, len);
	vm = s.vmsize;
	rl = rl0;
	rl.rlim_cur = (rlim_t)(vm << 10) + (64UL << 20);
	assert_int_equal(setrlimit(RLIMIT_AS, &rl), 0);
	dst = remap(src, len, 128UL << 20, NULL, 0);
	err = errno;
	assert_int_equal(setrlimit(RLIMIT_AS, &rl0), 0);
	assert_ptr_equal(dst, MAP_FAILED);
	assert_int_equal(err, ENOMEM);
	assert_true(all(src, len, 'a'));
	test_snap_same(&s, "remap refused with ENOMEM");

	/* vm.max_map_count reached */
	sysctl_rw("/proc/sys/vm/max_map_count", maxmc, sizeof(maxmc), "10");
	dst = remap(src, len, len, NULL, 0);
	err = errno;
	sysctl_put("/proc/sys/vm/max_map_count", maxmc);
	assert_ptr_equal(dst, MAP_FAILED);
	assert_int_equal(err, ENOMEM);
	assert_true(all(src, len, 'a'));
	test_snap_same(&s, "remap refused with ENOMEM");

	/* commit charge: strict overcommit, CommitLimit = swap only */
	sysctl_rw("/proc/sys/vm/overcommit_ratio", ratio, sizeof(ratio), "0");
	sysctl_rw("/proc/sys/vm/overcommit_memory", mode, sizeof(mode), "2");
	dst = remap(src, len, 1UL << 30, NULL, 0);
	err = errno;
	sysctl_put("/proc/sys/vm/overcommit_memory", mode);
	sysctl_put("/proc/sys/vm/overcommit_ratio", ratio);
	assert_ptr_equal(dst, MAP_FAILED);
	assert_int_equal(err, ENOMEM);
	assert_true(all(src, len, 'a'));
	test_snap_same(&s, "remap refused with ENOMEM");

	test_snap_end(&s);
	dst = remap(src, len, 2 * len, NULL, 0);
	assert_ptr_not_equal(dst, MAP_FAILED);
	assert_true(all(dst, len, 'a'));
	munmap(dst, 2 * len);
	munmap(src, len);
}

/* --- leaks -------------------------------------------------------------- */

static void remap_cycles(size_t len, int n, int thp)
{
	for (int i = 0; i < n; i++) {
		char *raw = anon(len + HPAGE, -1), *src = raw, *dst;

		if (thp) {
			src = (char *)(((unsigned long)raw + HPAGE - 1) &
				       ~(HPAGE - 1));
			madvise(src, len, MADV_HUGEPAGE);
		}
		memset(src, i, len);
		dst = remap(src, len, 2 * len, NULL, 0);
		assert_ptr_not_equal(dst, MAP_FAILED);
		assert_int_equal((unsigned char)dst[len - 1], (unsigned char)i);
		src[0] = 1;
		assert_int_equal(munmap(dst, 2 * len), 0);
		assert_int_equal(munmap(raw, len + HPAGE), 0);
	}
}

static void test_baseline_1000_cycles(void **state)
{
	struct test_mem m0, m1;
	long lost;

	(void)state;
	remap_cycles(1UL << 20, 20, 0);		/* warm caches */
	remap_cycles(4UL << 20, 20, 1);
	test_settle();
	test_mem_snapshot(&m0);

	remap_cycles(1UL << 20, 500, 0);
	remap_cycles(4UL << 20, 500, 1);

	test_settle();
	test_mem_snapshot(&m1);
	lost = test_mem_report(&m0, &m1);
	assert_true(labs(m1.anon - m0.anon) < 1024);
	assert_true(labs(m1.pagetables - m0.pagetables) < 256);
	assert_true(lost < 2048);
}

/* Without copy_vma the op is reported unavailable and refused. */
/*
 * Threads fault and write the source while it is remapped again and
 * again: each remap happens at once for them (the mmap write lock, and the
 * source VMA write-locked against per-VMA-lock faults), they never crash,
 * and what was in the source before a remap is at the destination after it.
 */
struct toucher {
	volatile char *base;
	size_t len;
	volatile int stop;
	long touches;
};

static void *touch_loop(void *arg)
{
	struct toucher *t = arg;

	while (!t->stop)
		for (size_t off = 8; off < t->len && !t->stop; off += PAGE) {
			t->base[off] = (char)(t->base[off] + 1);
			t->touches++;
		}
	return NULL;
}

static void test_concurrent_faults(void **state)
{
	size_t len = 4UL << 20;
	struct toucher t[2];
	pthread_t th[2];
	char *src = anon(len, 0x3c);
	int rounds = 200, bad = 0;

	(void)state;
	for (int i = 0; i < 2; i++) {
		t[i] = (struct toucher){ .base = src, .len = len };
		assert_int_equal(pthread_create(&th[i], NULL, touch_loop, &t[i]), 0);
	}
	for (int r = 0; r < rounds; r++) {
		char *dst = vmxfer_remap(vfd, src, len, len, NULL, 0);

		assert_ptr_not_equal(dst, MAP_FAILED);
		/*
		 * Byte 0 of each page: the fill in the first round; zero after
		 * it (the source is fresh then, and the threads write only
		 * byte 8 of each page).
		 */
		for (size_t off = 0; off < len; off += PAGE)
			if ((unsigned char)dst[off] != (r ? 0 : 0x3c))
				bad++;
		assert_int_equal(munmap(dst, len), 0);
	}
	for (int i = 0; i < 2; i++) {
		t[i].stop = 1;
		pthread_join(th[i], NULL);
	}
	printf("# %d remaps under %ld + %ld touches by two threads\n", rounds,
	       t[0].touches, t[1].touches);
	assert_int_equal(bad, 0);
	assert_true(t[0].touches > 0 && t[1].touches > 0);
	assert_int_equal(munmap(src, len), 0);
}

static void test_missing_symbol(void **state)
{
	struct vmxfer_info info;
	char *src = anon(PAGE, 'a');
	int fd;

	(void)state;
	close(vfd);
	test_reload("hide_symbols=copy_vma");
	fd = test_open();
	assert_int_equal(vmxfer_info(fd, &info), 0);
	assert_false(info.features & VMXFER_FEAT_REMAP);
	assert_int_equal(info.op_status[VMXFER_OP_REMAP],
			 VMXFER_OPST_MISSING_SYMBOL);
	assert_true(info.features & VMXFER_FEAT_CLONE);
	errno = 0;
	assert_ptr_equal(vmxfer_remap(fd, src, PAGE, PAGE, NULL, 0), MAP_FAILED);
	assert_int_equal(errno, EOPNOTSUPP);
	assert_true(all(src, PAGE, 'a'));
	close(fd);
	test_reload(NULL);
	vfd = test_open();
	munmap(src, PAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple),
		cmocka_unit_test(test_simple_shmem),
		cmocka_unit_test(test_simple_fixed),
		cmocka_unit_test(test_partial_mapping),
		cmocka_unit_test(test_partial_mapping_overwrite),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_source_is_fresh),
		cmocka_unit_test(test_adjacent),
		cmocka_unit_test(test_thp),
		cmocka_unit_test(test_swapped),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_refused_kinds),
		cmocka_unit_test(test_enomem),
		cmocka_unit_test(test_baseline_1000_cycles),
		cmocka_unit_test(test_concurrent_faults),
		cmocka_unit_test(test_missing_symbol),
	};

	test_filter_from_env();
	return cmocka_run_group_tests_name("remap", tests, setup, teardown);
}
