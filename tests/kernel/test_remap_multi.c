// SPDX-License-Identifier: GPL-2.0
/*
 * VMXFER_IOC_REMAP over a range spanning several mappings (issue 9), as
 * mremap(2) moves one since 6.17: ranges of 2, 3 and 50 mappings of mixed
 * kinds (private anonymous, MAP_SHARED memfd, private memfd partly COWed,
 * mlocked, read-only anonymous, private ramfs file), each part checked at
 * the new place and at the source per kind, and where the running kernel's
 * own mremap(MREMAP_DONTUNMAP | MREMAP_FIXED) moves several mappings
 * (6.17+) compared with it side by side; growth (the last part grows);
 * refusals with nothing changed (a hole, a sealed, special or
 * userfaultfd-registered part in the middle or last); an allocation
 * failure midway (the module's remap_fail_part= test hook) undone; leaks.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "common.h"

#define PAGE 4096UL
#define NP 2			/* pages per part */
#define PART (NP * PAGE)
#define MAXPARTS 64
#define SIGLEN (MAXPARTS * NP + 8)

#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif
#ifndef __NR_mseal
#define __NR_mseal 462
#endif

TEST_OP_FIXTURES(VMXFER_FEAT_REMAP)

enum kind { K_ANON, K_MEMFD, K_PRIVMEMFD, K_LOCKED, K_RDONLY, K_RAMFS };
static const char *const kind_name[] = {
	"anon", "memfd", "private memfd", "mlocked", "read-only", "ramfs file",
};

/*
 * A range of parts, with a PROT_NONE guard page on either side (a hole
 * only while a refusal test unmaps it: anything mapped meanwhile could
 * take a hole's place).
 */
struct range {
	char *p;
	size_t n;
	enum kind k[MAXPARTS];
	int memfd, ramfd;
};

/* Page @j of part @i: a letter of its own (the files hold 'f'). */
static char letter(size_t i, size_t j)
{
	return (char)('A' + (i * NP + j) % 26);
}

static void fill_file(int fd, size_t len)
{
	char *buf = malloc(len);

	assert_non_null(buf);
	memset(buf, 'f', len);
	assert_int_equal(ftruncate(fd, (off_t)len), 0);
	assert_int_equal(pwrite(fd, buf, len, 0), (ssize_t)len);
	free(buf);
}

/* Parts of the kinds @cycle[i % ncycle] at a place with holes around. */
static void make_range(struct range *r, size_t n, const enum kind *cycle,
		       size_t ncycle)
{
	size_t len = n * PART, i, j;
	char *g;

	assert_true(n <= MAXPARTS);
	r->n = n;
	g = mmap(NULL, len + 2 * PAGE, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_ptr_not_equal(g, MAP_FAILED);
	r->p = g + PAGE;
	r->memfd = memfd_create("multi", 0);
	assert_true(r->memfd >= 0);
	fill_file(r->memfd, len);
	r->ramfd = test_ramfs_fd();
	fill_file(r->ramfd, len);
	for (i = 0; i < n; i++) {
		char *q = r->p + i * PART, *m;
		enum kind k = cycle[i % ncycle];
		int shared = k == K_MEMFD, fd = -1;

		r->k[i] = k;
		if (k == K_MEMFD || k == K_PRIVMEMFD)
			fd = r->memfd;
		if (k == K_RAMFS)
			fd = r->ramfd;
		m = mmap(q, PART, PROT_READ | PROT_WRITE,
			 MAP_FIXED | (shared ? MAP_SHARED : MAP_PRIVATE) |
			 (fd < 0 ? MAP_ANONYMOUS : 0), fd,
			 fd < 0 ? 0 : (off_t)(i * PART));
		assert_ptr_equal(m, q);
		for (j = 0; j < NP; j++)
			if (j == 0 || (k != K_PRIVMEMFD && k != K_RAMFS))
				memset(q + j * PAGE, letter(i, j), PAGE);
		if (k == K_LOCKED)
			assert_int_equal(mlock(q, PART), 0);
		if (k == K_RDONLY)
			assert_int_equal(mprotect(q, PART, PROT_READ), 0);
	}
}

static void free_range(struct range *r)
{
	munmap(r->p - PAGE, r->n * PART + 2 * PAGE);
	close(r->memfd);
	close(r->ramfd);
}

/* What the range read before the move (the destination's part) ... */
static void want_moved(const struct range *r, char *out)
{
	for (size_t i = 0; i < r->n; i++)
		for (size_t j = 0; j < NP; j++)
			out[i * NP + j] = j == 0 || (r->k[i] != K_PRIVMEMFD &&
						     r->k[i] != K_RAMFS) ?
					  letter(i, j) : 'f';
	out[r->n * NP] = 0;
}

/* ... and the source afterwards, per kind (as MREMAP_DONTUNMAP leaves it). */
static void want_source(const struct range *r, char *out)
{
	for (size_t i = 0; i < r->n; i++)
		for (size_t j = 0; j < NP; j++) {
			char c = '.';

			if (r->k[i] == K_MEMFD)
				c = letter(i, j);
			if (r->k[i] == K_PRIVMEMFD || r->k[i] == K_RAMFS)
				c = 'f';
			out[i * NP + j] = c;
		}
	out[r->n * NP] = 0;
}

static void same_sig(const char *what, const char *want, const char *got)
{
	if (strcmp(want, got))
		fail_msg("%s: want \"%s\", got \"%s\"", what, want, got);
}

static long vmlck(void)
{
	return proc_kb(getpid(), "status", "VmLck");
}

/* An address range nobody maps (reserved, then freed). */
static char *hole(size_t len)
{
	char *p = test_anon(len, -1);

	assert_int_equal(munmap(p, len), 0);
	return p;
}

/*
 * The range moved to @dst (its first @len bytes the old data): the data at
 * the new place and the source per kind, each part's lock (the destination
 * locked where the source was, the source never).
 */
static void check_moved(const struct range *r, const char *dst)
{
	char want[SIGLEN], got[SIGLEN], fl[128];
	size_t len = r->n * PART;

	want_moved(r, want);
	test_page_signature(dst, len, got);
	same_sig("destination", want, got);
	want_source(r, want);
	test_page_signature(r->p, len, got);
	same_sig("source", want, got);
	for (size_t i = 0; i < r->n; i++) {
		test_vmflags(dst + i * PART, fl, sizeof(fl), NULL);
		if ((strstr(fl, "lo ") != NULL) != (r->k[i] == K_LOCKED))
			fail_msg("part %zu (%s) at the destination: VmFlags %s",
				 i, kind_name[r->k[i]], fl);
		test_vmflags(r->p + i * PART, fl, sizeof(fl), NULL);
		if (strstr(fl, "lo "))
			fail_msg("part %zu (%s) at the source: still locked",
				 i, kind_name[r->k[i]]);
	}
}

/* The kernel's own mremap moves several mappings since 6.17. */
static int mremap_multi(void)
{
	return test_kernel_line() >= 617;
}

/*
 * @n parts of @cycle moved with vmxfer_remap (FIXED, or placed by the
 * module) and checked; on 6.17+ the same range moved by mremap(2) and
 * both results compared page by page, part by part (VmFlags) and in
 * VmLck.
 */
static void multi(size_t n, const enum kind *cycle, size_t ncycle, int fixed)
{
	struct range a, b;
	size_t len = n * PART;
	char *da, *db, *m, *v;
	char sa[SIGLEN], sb[SIGLEN], fa[128], fb[128];
	long l0, l1, dv;

	make_range(&b, n, cycle, ncycle);
	make_range(&a, n, cycle, ncycle);
	da = hole(2 * len);	/* both at once: two hole()s are one place */
	db = fixed ? da + len : NULL;
	l0 = vmlck();
	v = vmxfer_remap(vfd, b.p, len, len, db, fixed ? VMXFER_REMAP_FIXED : 0);
	assert_ptr_not_equal(v, MAP_FAILED);
	if (fixed)
		assert_ptr_equal(v, db);
	dv = vmlck() - l0;
	assert_int_equal(dv, 0);
	check_moved(&b, v);

	l1 = vmlck();
	m = mremap(a.p, len, len, MREMAP_MAYMOVE | MREMAP_FIXED |
		   MREMAP_DONTUNMAP, da);
	if (!mremap_multi()) {
		printf("# mremap of %zu mappings: %s (one mapping only before 6.17)\n",
		       n, m == MAP_FAILED ? strerror(errno) : "moved");
		if (m != MAP_FAILED)
			munmap(m, len);
	} else {
		assert_ptr_equal(m, da);
		assert_int_equal(vmlck() - l1, dv);
		test_page_signature(da, len, sa);
		test_page_signature(v, len, sb);
		same_sig("destination vs mremap's", sa, sb);
		test_page_signature(a.p, len, sa);
		test_page_signature(b.p, len, sb);
		same_sig("source vs mremap's", sa, sb);
		for (size_t i = 0; i < n; i++) {
			test_vmflags(da + i * PART, fa, sizeof(fa), NULL);
			test_vmflags(v + i * PART, fb, sizeof(fb), NULL);
			if (strcmp(fa, fb))
				fail_msg("part %zu (%s), destination VmFlags: mremap '%s', vmxfer '%s'",
					 i, kind_name[a.k[i]], fa, fb);
			test_vmflags(a.p + i * PART, fa, sizeof(fa), NULL);
			test_vmflags(b.p + i * PART, fb, sizeof(fb), NULL);
			if (strcmp(fa, fb))
				fail_msg("part %zu (%s), source VmFlags: mremap '%s', vmxfer '%s'",
					 i, kind_name[a.k[i]], fa, fb);
		}
		printf("# %zu mappings: same as mremap(2)\n", n);
		munmap(m, len);
	}
	munmap(v, len);
	free_range(&a);
	free_range(&b);
}

static const enum kind mix5[] = {
	K_ANON, K_MEMFD, K_PRIVMEMFD, K_LOCKED, K_RDONLY,
};

static void test_two(void **state)
{
	static const enum kind c[] = { K_ANON, K_MEMFD };

	(void)state;
	multi(2, c, 2, 1);
}

static void test_three(void **state)
{
	static const enum kind c[] = { K_PRIVMEMFD, K_LOCKED, K_ANON };

	(void)state;
	multi(3, c, 3, 1);
}

static void test_fifty(void **state)
{
	(void)state;
	multi(50, mix5, 5, 1);
}

/* Placed by the module (no FIXED): every part keeps its place relative. */
static void test_placed(void **state)
{
	(void)state;
	multi(7, mix5, 5, 0);
}

/*
 * A private ramfs file among them: vmxfer moves it; 6.17+'s mremap
 * refuses several mappings when one has its own get_unmapped_area (ramfs
 * has), which vmxfer never calls (it places the whole range itself).
 */
static void test_ramfs_part(void **state)
{
	static const enum kind c[] = { K_ANON, K_RAMFS, K_MEMFD, K_RAMFS };
	struct range r;
	size_t len = 4 * PART;
	char *d, *v, *m;

	(void)state;
	make_range(&r, 4, c, 4);
	d = hole(len);
	v = vmxfer_remap(vfd, r.p, len, len, d, VMXFER_REMAP_FIXED);
	assert_ptr_equal(v, d);
	check_moved(&r, v);
	free_range(&r);
	make_range(&r, 4, c, 4);
	d = hole(len);
	m = mremap(r.p, len, len, MREMAP_MAYMOVE | MREMAP_FIXED |
		   MREMAP_DONTUNMAP, d);
	printf("# mremap with ramfs parts: %s\n",
	       m == MAP_FAILED ? strerror(errno) : "moved");
	munmap(d, len);
	free_range(&r);
}

/*
 * Growth extends the last part: a locked anonymous last part grows
 * locked and populated (VmLck by the growth only), a private memfd last
 * part gets SIGBUS past the file's end.  mremap(2) refuses to resize
 * several mappings (EFAULT).
 */
static void test_grow(void **state)
{
	static const enum kind c1[] = { K_ANON, K_MEMFD, K_LOCKED };
	static const enum kind c2[] = { K_LOCKED, K_ANON, K_PRIVMEMFD };
	char want[SIGLEN], got[SIGLEN], fl[128];
	size_t len = 3 * PART, grow = 2 * PAGE;
	struct range r;
	long l0;
	char *v;

	(void)state;
	make_range(&r, 3, c1, 3);
	l0 = vmlck();
	v = vmxfer_remap(vfd, r.p, len, len + grow, NULL, 0);
	assert_ptr_not_equal(v, MAP_FAILED);
	assert_int_equal(vmlck() - l0, (long)(grow >> 10));
	assert_int_equal(test_smaps_kb(v + 2 * PART, "Rss"),
			 (long)((PART + grow) >> 10));
	want_moved(&r, want);
	strcat(want, "..");
	test_page_signature(v, len + grow, got);
	same_sig("grown, last part locked", want, got);
	test_vmflags(v + len, fl, sizeof(fl), NULL);
	assert_non_null(strstr(fl, "lo "));
	munmap(v, len + grow);
	free_range(&r);

	make_range(&r, 3, c2, 3);
	v = vmxfer_remap(vfd, r.p, len, len + grow, NULL, 0);
	assert_ptr_not_equal(v, MAP_FAILED);
	want_moved(&r, want);
	strcat(want, "BB");
	test_page_signature(v, len + grow, got);
	same_sig("grown, last part a private memfd", want, got);
	want_source(&r, want);
	test_page_signature(r.p, len, got);
	same_sig("source", want, got);
	munmap(v, len + grow);
	free_range(&r);

	make_range(&r, 3, c1, 3);
	v = mremap(r.p, len, len + grow, MREMAP_MAYMOVE);
	printf("# mremap growing 3 mappings: %s\n",
	       v == MAP_FAILED ? strerror(errno) : "moved");
	if (v == MAP_FAILED)
		free_range(&r);
	else
		munmap(v, len + grow);
}

/* --- refusals: nothing changed ------------------------------------------ */

/*
 * vmxfer_remap of [p, p + len) fails with @err and changes nothing: the
 * caller's maps, VmSize, VmLck, and the bytes of [sp, sp + slen).
 */
static void refused_hole(char *p, size_t len, int err, int fixed,
			 const char *what, const char *sp, size_t slen,
			 char *gap)
{
	struct test_snap s;
	char *d = fixed ? hole(len) : NULL, *v, *g;
	long l0 = vmlck();
	int e;

	test_snap_of(&s, 0, sp, slen);
	/* @gap: a PROT_NONE page unmapped for the call only */
	if (gap)
		assert_int_equal(munmap(gap, PAGE), 0);
	v = vmxfer_remap(vfd, p, len, len, d, fixed ? VMXFER_REMAP_FIXED : 0);
	e = errno;
	if (gap) {
		g = mmap(gap, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
			 MAP_FIXED_NOREPLACE, -1, 0);
		assert_ptr_equal(g, gap);
	}
	errno = e;
	if (v != MAP_FAILED)
		fail_msg("%s: moved to %p", what, (void *)v);
	if (errno != err)
		fail_msg("%s: errno %d, want %d", what, errno, err);
	test_snap_same(&s, what);
	test_snap_end(&s);
	assert_int_equal(vmlck(), l0);
}

static void refused_at(char *p, size_t len, int err, int fixed,
		       const char *what, const char *sp, size_t slen)
{
	refused_hole(p, len, err, fixed, what, sp, slen, NULL);
}

static void refused(char *p, size_t len, int err, int fixed, const char *what)
{
	refused_at(p, len, err, fixed, what, p, len);
}

/* Placed and FIXED. */
static void refused_range(struct range *r, int err, const char *what)
{
	refused(r->p, r->n * PART, err, 0, what);
	refused(r->p, r->n * PART, err, 1, what);
}

static void test_refuse_hole(void **state)
{
	size_t len = 5 * PART;
	struct range r;
	char *mid;

	(void)state;
	make_range(&r, 5, mix5, 5);
	refused_hole(r.p, len + PAGE, EFAULT, 1, "a hole after the last part",
		     r.p, len, r.p + len);
	refused_hole(r.p - PAGE, len + PAGE, EFAULT, 0, "a hole first", r.p,
		     len, r.p - PAGE);
	/* in the middle: the second page of part 2 */
	mid = mmap(r.p + 2 * PART + PAGE, PAGE, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	assert_ptr_equal(mid, r.p + 2 * PART + PAGE);
	refused_hole(r.p, len, EFAULT, 0, "a hole in the middle", r.p,
		     2 * PART, mid);
	refused_hole(r.p, len, EFAULT, 1, "a hole in the middle", r.p,
		     2 * PART, mid);
	free_range(&r);
}

static void test_refuse_sealed(void **state)
{
	struct range r;

	(void)state;
	make_range(&r, 5, mix5, 5);
	if (syscall(__NR_mseal, r.p + 2 * PART, PART, 0)) {
		test_absent_on_line(610, "mseal(2)");
		free_range(&r);
		return;
	}
	refused_range(&r, EPERM, "a sealed part in the middle");
	assert_int_equal(syscall(__NR_mseal, r.p + 4 * PART, PART, 0), 0);
	refused(r.p + 3 * PART, 2 * PART, EPERM, 1, "a sealed last part");
	/* sealed memory cannot be unmapped: left */
}

/* The caller's vdso and its length. */
static char *vdso_of(size_t *len)
{
	unsigned long s = 0, e = 0;
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");
	int found = 0;

	assert_non_null(f);
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, "[vdso]") &&
			sscanf(line, "%lx-%lx", &s, &e) == 2;
	fclose(f);
	assert_true(found);
	*len = e - s;
	return (char *)s;
}

/*
 * A special mapping (the vdso: VM_DONTEXPAND) last and in the middle of a
 * range that begins with the caller's own memory: the vdso is moved
 * (mremap(2) moves it, as CRIU does) between two mappings of ours for the
 * test, and back.  Nothing may call into the vdso meanwhile.
 */
static void test_refuse_special(void **state)
{
	size_t vlen;
	char *vdso = vdso_of(&vlen), *area, *v;

	(void)state;
	area = test_anon(vlen + 2 * PART, 'a');
	assert_int_equal(munmap(area + PART, vlen), 0);
	v = mremap(vdso, vlen, vlen, MREMAP_MAYMOVE | MREMAP_FIXED,
		   area + PART);
	assert_ptr_equal(v, area + PART);
	refused_at(area, PART + PAGE, EINVAL, 0, "the vdso last", area, PART);
	refused_at(area, vlen + 2 * PART, EINVAL, 1, "the vdso in the middle",
		   area, PART);
	v = mremap(v, vlen, vlen, MREMAP_MAYMOVE | MREMAP_FIXED, vdso);
	assert_ptr_equal(v, vdso);
	munmap(area, PART);
	munmap(area + PART + vlen, PART);
}

/*
 * A userfaultfd-registered part in a range of several: EFAULT (as
 * mremap(2): UFFD_EVENT_REMAP is one event per call); mremap (6.17+)
 * moves the parts before it, then fails.
 */
static void test_refuse_uffd(void **state)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct range r;
	char *d, *m;
	int uffd;

	(void)state;
	uffd = (int)syscall(__NR_userfaultfd, O_CLOEXEC);
	assert_true(uffd >= 0);
	assert_int_equal(ioctl(uffd, UFFDIO_API, &api), 0);
	make_range(&r, 3, mix5, 3);
	reg.range.start = (unsigned long)r.p + PART;
	reg.range.len = PART;
	assert_int_equal(ioctl(uffd, UFFDIO_REGISTER, &reg), 0);
	refused_range(&r, EFAULT, "a userfaultfd-registered part");
	d = hole(3 * PART);
	m = mremap(r.p, 3 * PART, 3 * PART, MREMAP_MAYMOVE | MREMAP_FIXED |
		   MREMAP_DONTUNMAP, d);
	printf("# mremap with a uffd part in the middle: %s\n",
	       m == MAP_FAILED ? strerror(errno) : "moved");
	munmap(d, 3 * PART);
	close(uffd);
	free_range(&r);
}

/* --- an allocation failure midway (remap_fail_part=) --------------------- */

static void reload(const char *params)
{
	struct stat st;

	assert_int_equal(stat(VMXFER_DEVICE_PATH, &st), 0);
	close(vfd);
	test_reload(params);
	assert_int_equal(chown(VMXFER_DEVICE_PATH, st.st_uid, st.st_gid), 0);
	assert_int_equal(chmod(VMXFER_DEVICE_PATH, st.st_mode & 07777), 0);
	vfd = test_open_for(VMXFER_FEAT_REMAP);
	assert_true(vfd >= 0);
}

/*
 * Part @k of each call fails (half its entries moved, then ENOMEM): the
 * parts before it and its own entries go back, nothing changed; with
 * FIXED only the destination is unmapped (documented).  Then 300 such
 * calls with the counters compared (commit charge: Committed_AS).
 */
static void test_enomem_midway(void **state)
{
	static const enum kind c[] = { K_LOCKED, K_ANON, K_MEMFD, K_PRIVMEMFD };
	struct test_mem m0, m1;
	long commit0, commit1;
	char buf[48], want[SIGLEN], got[SIGLEN], *d, *v;
	struct range r;
	size_t len = 4 * PART;

	(void)state;
	for (int k = 1; k <= 4; k++) {
		snprintf(buf, sizeof(buf), "remap_fail_part=%d", k);
		reload(buf);
		make_range(&r, 4, c, 4);
		refused(r.p, len, ENOMEM, 0, buf);
		refused(r.p, len - PAGE, ENOMEM, 0, buf);
		d = test_anon(len, 'z');
		v = vmxfer_remap(vfd, r.p, len, len, d, VMXFER_REMAP_FIXED);
		assert_ptr_equal(v, MAP_FAILED);
		assert_int_equal(errno, ENOMEM);
		want_moved(&r, want);
		test_page_signature(r.p, len, got);
		same_sig("source after FIXED and ENOMEM", want, got);
		test_page_signature(d, len, got);
		same_sig("FIXED destination after ENOMEM (unmapped)", "SSSSSSSS",
			 got);
		free_range(&r);
		munmap(d, len);
	}

	make_range(&r, 4, c, 4);
	test_settle();
	test_mem_snapshot(&m0);
	commit0 = test_meminfo("Committed_AS");
	for (int i = 0; i < 300; i++) {
		v = vmxfer_remap(vfd, r.p, len, len + PART, NULL, 0);
		assert_ptr_equal(v, MAP_FAILED);
	}
	test_settle();
	test_mem_snapshot(&m1);
	commit1 = test_meminfo("Committed_AS");
	printf("# Committed_AS %ld -> %ld kB\n", commit0, commit1);
	assert_true(commit1 - commit0 < 2048);
	test_leak_check(&m0, &m1, 300);
	free_range(&r);
	reload(NULL);
}

/* --- leaks ---------------------------------------------------------------- */

static void test_leak_1000(void **state)
{
	static const enum kind c[] = {
		K_ANON, K_MEMFD, K_PRIVMEMFD, K_LOCKED, K_RDONLY, K_RAMFS,
	};
	struct test_mem m0, m1;
	long shmem0, shmem1, commit0, commit1;
	size_t len = 6 * PART;
	struct range r;
	char *v;

	(void)state;
	test_settle();
	test_mem_snapshot(&m0);
	shmem0 = test_meminfo("Shmem");
	commit0 = test_meminfo("Committed_AS");
	for (int i = 0; i < 1000; i++) {
		make_range(&r, 6, c, 6);
		v = vmxfer_remap(vfd, r.p, len, len + PAGE, NULL, 0);
		assert_ptr_not_equal(v, MAP_FAILED);
		munmap(v, len + PAGE);
		free_range(&r);
	}
	test_settle();
	test_mem_snapshot(&m1);
	shmem1 = test_meminfo("Shmem");
	commit1 = test_meminfo("Committed_AS");
	printf("# Shmem %ld -> %ld kB, Committed_AS %ld -> %ld kB\n", shmem0,
	       shmem1, commit0, commit1);
	assert_true(shmem1 - shmem0 < 1024);
	assert_true(commit1 - commit0 < 2048);
	test_leak_check(&m0, &m1, 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two),
		cmocka_unit_test(test_three),
		cmocka_unit_test(test_fifty),
		cmocka_unit_test(test_placed),
		cmocka_unit_test(test_ramfs_part),
		cmocka_unit_test(test_grow),
		cmocka_unit_test(test_refuse_hole),
		cmocka_unit_test(test_refuse_sealed),
		cmocka_unit_test(test_refuse_special),
		cmocka_unit_test(test_refuse_uffd),
		cmocka_unit_test(test_enomem_midway),
		cmocka_unit_test(test_leak_1000),
	};

	test_filter_from_env();
	return cmocka_run_group_tests_name("remap_multi", tests, setup,
					   teardown);
}
