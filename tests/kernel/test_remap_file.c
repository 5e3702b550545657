// SPDX-License-Identifier: GPL-2.0
/*
 * VMXFER_IOC_REMAP of file-backed sources: upstream's mremap_dontunmap.c
 * cases (simple, simple_fixed, partial_mapping, partial_mapping_overwrite)
 * on a memfd (shared: the source reads the same data) and on a private
 * file mapping with private copies (the source reads the file again),
 * each also grown; growth beyond the end of the file (SIGBUS); a file
 * truncated and grown again while it is remapped; and 1000 remaps of
 * memfd, shmem-file and private ramfs-file mappings with page cache and
 * shmem counters compared.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "common.h"

#define PAGE 4096UL
#define NP 5

TEST_OP_FIXTURES(VMXFER_FEAT_REMAP)

/* --- a source: a memfd mapped shared, or a ramfs file mapped private ---- */

struct src {
	int fd;
	int shared;
	char *p;
	size_t len;
};

/*
 * @pages pages: the file holds 'f' in each; a shared source then writes
 * 'a' through its mapping (into the file), a private one writes 'a' to
 * its even pages only (private copies; odd pages stay the file's).
 */
static void src_make(struct src *s, int shared, size_t pages)
{
	char buf[PAGE];

	s->shared = shared;
	s->len = pages * PAGE;
	s->fd = shared ? memfd_create("remap-file", 0) : test_ramfs_fd();
	assert_true(s->fd >= 0);
	memset(buf, 'f', PAGE);
	for (size_t i = 0; i < pages; i++)
		assert_int_equal(pwrite(s->fd, buf, PAGE, (off_t)(i * PAGE)),
				 (ssize_t)PAGE);
	s->p = mmap(NULL, s->len, PROT_READ | PROT_WRITE,
		    shared ? MAP_SHARED : MAP_PRIVATE, s->fd, 0);
	assert_ptr_not_equal(s->p, MAP_FAILED);
	for (size_t i = 0; i < pages; i++)
		if (shared || !(i % 2))
			memset(s->p + i * PAGE, 'a', PAGE);
}

static void src_free(struct src *s)
{
	munmap(s->p, s->len);
	close(s->fd);
}

/* What page @i of the moved data reads (at the destination). */
static char moved(const struct src *s, size_t i)
{
	return s->shared || !(i % 2) ? 'a' : 'f';
}

/* What the source reads after the move: the data, or the file's. */
static char left(const struct src *s)
{
	return s->shared ? 'a' : 'f';
}

static int page_is(const char *p, char c)
{
	for (size_t j = 0; j < PAGE; j++)
		if (p[j] != c)
			return 0;
	return 1;
}

static sigjmp_buf bus_jmp;

static void on_bus(int sig)
{
	(void)sig;
	siglongjmp(bus_jmp, 1);
}

/* The byte at @p, or -1 when reading it raises SIGBUS. */
static int read_or_bus(const volatile char *p)
{
	struct sigaction sa = { .sa_handler = on_bus }, old;
	volatile int c = -1;

	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(bus_jmp, 1) == 0)
		c = (unsigned char)*p;
	sigaction(SIGBUS, &old, NULL);
	return c;
}

static int sigbus_at(const volatile char *p)
{
	return read_or_bus(p) < 0;
}

/*
 * Check a move of pages [first, first + n) of @s to @d, grown to
 * @grow x n pages: data moved, the source as the kind promises, pages
 * outside the range untouched, the grown tail SIGBUS (beyond the file).
 */
static void check_move(const struct src *s, size_t first, size_t n,
		       const char *d, int grow)
{
	for (size_t i = 0; i < n; i++) {
		assert_true(page_is(d + i * PAGE, moved(s, first + i)));
		assert_true(page_is(s->p + (first + i) * PAGE,
				    left(s)));
	}
	for (size_t i = 0; i < s->len / PAGE; i++)
		if (i < first || i >= first + n)
			assert_true(page_is(s->p + i * PAGE, moved(s, i)));
	/* the file has len bytes: the tail is beyond it wherever it starts */
	if (grow > 1 && first + n == s->len / PAGE)
		assert_true(sigbus_at(d + n * PAGE));
	if (s->shared) {	/* one object: a write shows through both */
		((char *)d)[0] = 'w';
		assert_int_equal(s->p[first * PAGE], 'w');
	}
}

/* simple and simple_fixed (over an anonymous mapping), plain and grown */
static void simple_cases(int shared)
{
	for (int grow = 1; grow <= 2; grow++) {
		for (int fixed = 0; fixed <= 1; fixed++) {
			struct src s;
			size_t nl = grow * NP * PAGE;
			char *want = NULL, *d;

			src_make(&s, shared, NP);
			if (fixed) {
				want = mmap(NULL, nl, PROT_READ | PROT_WRITE,
					    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
				assert_ptr_not_equal(want, MAP_FAILED);
				memset(want, 'X', nl);
			}
			d = vmxfer_remap(vfd, s.p, s.len, nl, want,
					 fixed ? VMXFER_REMAP_FIXED : 0);
			assert_ptr_not_equal(d, MAP_FAILED);
			if (fixed)
				assert_ptr_equal(d, want);
			check_move(&s, 0, NP, d, grow);
			munmap(d, nl);
			src_free(&s);
		}
	}
}

static void test_simple_memfd(void **state)
{
	(void)state;
	simple_cases(1);
}

static void test_simple_private_file(void **state)
{
	(void)state;
	simple_cases(0);
}

/*
 * partial_mapping: the second half of a 10-page mapping moves;
 * partial_mapping_overwrite: 5 pages move FIXED over the first half of a
 * 10-page anonymous mapping, whose second half stays.  Plain and grown.
 */
static void partial_cases(int shared)
{
	for (int grow = 1; grow <= 2; grow++) {
		struct src s;
		size_t half = NP * PAGE, nl = grow * half;
		char *d, *over;

		src_make(&s, shared, 2 * NP);
		d = vmxfer_remap(vfd, s.p + half, half, nl, NULL, 0);
		assert_ptr_not_equal(d, MAP_FAILED);
		check_move(&s, NP, NP, d, grow);
		munmap(d, nl);
		src_free(&s);

		src_make(&s, shared, NP);
		over = mmap(NULL, 2 * nl, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		assert_ptr_not_equal(over, MAP_FAILED);
		memset(over, 'X', 2 * nl);
		d = vmxfer_remap(vfd, s.p, half, nl, over, VMXFER_REMAP_FIXED);
		assert_ptr_equal(d, over);
		check_move(&s, 0, NP, d, grow);
		assert_true(page_is(over + nl, 'X'));
		assert_true(page_is(over + 2 * nl - PAGE, 'X'));
		munmap(over, 2 * nl);
		src_free(&s);
	}
}

static void test_partial_memfd(void **state)
{
	(void)state;
	partial_cases(1);
}

static void test_partial_private_file(void **state)
{
	(void)state;
	partial_cases(0);
}

/*
 * A file grown after the remap: the grown tail, SIGBUS at first, reads
 * the file's new pages (shared and private alike), as after mremap(2).
 */
static void test_grow_then_extend(void **state)
{
	(void)state;
	for (int shared = 0; shared <= 1; shared++) {
		struct src s;
		char buf[PAGE], *d;

		src_make(&s, shared, NP);
		d = vmxfer_remap(vfd, s.p, s.len, 2 * s.len, NULL, 0);
		assert_ptr_not_equal(d, MAP_FAILED);
		assert_true(sigbus_at(d + s.len));
		memset(buf, 'n', PAGE);
		assert_int_equal(pwrite(s.fd, buf, PAGE, (off_t)s.len),
				 (ssize_t)PAGE);
		assert_false(sigbus_at(d + s.len));
		assert_true(page_is(d + s.len, 'n'));
		assert_true(sigbus_at(d + s.len + PAGE));
		munmap(d, 2 * s.len);
		src_free(&s);
	}
}

/* --- a file truncated while it is remapped -------------------------------- */

struct truncer {
	int fd;
	size_t len;
	volatile int stop;
	long rounds;
};

static void *truncate_loop(void *arg)
{
	struct truncer *t = arg;
	char buf[PAGE];

	memset(buf, 'a', PAGE);
	while (!t->stop) {
		if (ftruncate(t->fd, 0))
			break;
		for (size_t off = 0; off < t->len; off += PAGE)
			if (pwrite(t->fd, buf, PAGE, (off_t)off) != (ssize_t)PAGE)
				return NULL;
		t->rounds++;
	}
	return NULL;
}

/*
 * 300 remaps (grown x2) of a memfd and of a private ramfs file mapping
 * while another thread truncates the file to 0 and rewrites it: every
 * call succeeds, every page read afterwards is the data or SIGBUS, never
 * anything else, and the kernel log stays clean (the runner checks).
 */
static void test_truncate_during(void **state)
{
	(void)state;
	for (int shared = 0; shared <= 1; shared++) {
		struct truncer t = { .len = 16 * PAGE };
		long bus = 0, data = 0;
		pthread_t th;
		struct src s;

		src_make(&s, shared, 16);
		t.fd = s.fd;
		assert_int_equal(pthread_create(&th, NULL, truncate_loop, &t), 0);
		for (int i = 0; i < 300; i++) {
			char *d = vmxfer_remap(vfd, s.p, s.len, 2 * s.len,
					       NULL, 0);

			assert_ptr_not_equal(d, MAP_FAILED);
			for (size_t off = 0; off < 2 * s.len; off += PAGE) {
				int c = read_or_bus(d + off);

				if (c < 0) {
					bus++;
					continue;
				}
				/* a private copy 'a', the file 'a' or a hole */
				assert_true(c == 'a' || c == 0 || c == 'f');
				data++;
			}
			munmap(d, 2 * s.len);
		}
		t.stop = 1;
		pthread_join(th, NULL);
		printf("# %s: %ld truncations, %ld pages read, %ld SIGBUS\n",
		       shared ? "memfd" : "private file", t.rounds, data, bus);
		assert_true(t.rounds > 0);
		assert_true(bus > 0);
		src_free(&s);
	}
}

/* --- leaks ------------------------------------------------------------- */

/* One cycle: make, remap grown x2, touch the tail inside the file, unmap. */
static void file_cycle(int kind, size_t len)
{
	char *p, *d;
	int fd;

	if (kind == 2) {	/* a shmem file */
		char path[64];

		snprintf(path, sizeof(path), "/dev/shm/remap-leak-%d", getpid());
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		unlink(path);
	} else {
		fd = kind ? memfd_create("remap-leak", 0) : test_ramfs_fd();
	}
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)(2 * len)), 0);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 kind ? MAP_SHARED : MAP_PRIVATE, fd, 0);
	assert_ptr_not_equal(p, MAP_FAILED);
	memset(p, 'a', len);
	d = vmxfer_remap(vfd, p, len, 2 * len, NULL, 0);
	assert_ptr_not_equal(d, MAP_FAILED);
	memset(d + len, 'b', len);	/* within the file: page cache */
	assert_int_equal(p[0], kind ? 'a' : 0);	/* private: the file's hole */
	munmap(d, 2 * len);
	munmap(p, len);
	close(fd);
}

static void test_baseline_1000_cycles(void **state)
{
	struct test_mem m0, m1;
	long shmem0, shmem1, file0, file1;

	(void)state;
	for (int i = 0; i < 30; i++)	/* warm caches */
		file_cycle(i % 3, 1UL << 20);
	test_settle();
	test_mem_snapshot(&m0);
	shmem0 = test_meminfo("Shmem");
	file0 = test_meminfo("Cached");

	for (int i = 0; i < 1000; i++)
		file_cycle(i % 3, (i % 2 ? 1UL : 2UL) << 20);

	test_settle();
	test_mem_snapshot(&m1);
	shmem1 = test_meminfo("Shmem");
	file1 = test_meminfo("Cached");
	printf("# Shmem %ld -> %ld kB, Cached %ld -> %ld kB\n", shmem0, shmem1,
	       file0, file1);
	/* each cycle made 2-4 MiB of page cache: one kept shows at once */
	assert_true(labs(shmem1 - shmem0) < 1024);
	assert_true(labs(file1 - file0) < 2048);
	test_leak_check(&m0, &m1, 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple_memfd),
		cmocka_unit_test(test_simple_private_file),
		cmocka_unit_test(test_partial_memfd),
		cmocka_unit_test(test_partial_private_file),
		cmocka_unit_test(test_grow_then_extend),
		cmocka_unit_test(test_truncate_during),
		cmocka_unit_test(test_baseline_1000_cycles),
	};

	test_filter_from_env();
	return cmocka_run_group_tests_name("remap_file", tests, setup,
					   teardown);
}
