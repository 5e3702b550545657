// SPDX-License-Identifier: GPL-2.0
/*
 * VMXFER_IOC_REMAP against the kernel's own mremap(MREMAP_MAYMOVE |
 * MREMAP_DONTUNMAP), side by side, on every kind of source mapping: for
 * each kind two identical instances are made, one moved by mremap, one
 * by vmxfer_remap, and the two results compared: success or errno, what
 * the destination and the source read afterwards (page by page, SIGBUS
 * and SIGSEGV caught), their VmFlags, and the caller's VmLck change.
 * Then growth (vmxfer only): a third instance grown to twice its size,
 * compared with mremap(MREMAP_MAYMOVE) growing a fourth (destination and
 * VmLck) and with the DONTUNMAP result (source).
 *
 * Where the line's mremap refuses DONTUNMAP but vmxfer moves (5.10: all
 * but private anonymous), the results are checked against what the kind
 * promises: anonymous sources read zeros, shared ones the same data,
 * private file ones the file.  Each kind prints one line of the table.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "common.h"

#define PAGE 4096UL
#define NPAGES 4
#define LEN (NPAGES * PAGE)
#define HPAGE (2UL << 20)

#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif
#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 1
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
#ifndef __NR_mseal
#define __NR_mseal 462
#endif
#ifndef F_SEAL_WRITE
#define F_SEAL_WRITE 0x0008
#endif

TEST_OP_FIXTURES(VMXFER_FEAT_REMAP)

/* What the source reads after a move, by the kind's nature. */
enum src_after {
	SRC_ZERO,	/* anonymous: fresh zero pages */
	SRC_SAME,	/* shared: the same data */
	SRC_FILE,	/* private file: the file's contents again */
	SRC_SEGV,	/* PROT_NONE: every read faults (SIGSEGV) */
	SRC_NONE,	/* not moved anywhere (refused by both) */
};

/* One instance of a kind. */
struct inst {
	char *p;
	size_t len;
	int fd;
	int uffd;
	pid_t child;
	int borrowed;		/* the process's own (vdso...): not unmapped */
};

struct kind {
	const char *name;
	/* 0, or -1 with a reason printed: this line cannot make the kind */
	int (*make)(struct inst *in);
	enum src_after after;
	int noread_src;		/* a read would block (uffd MISSING) */
	/*
	 * vmxfer's documented errno where it refuses differently from
	 * mremap (0: none, it must match).
	 */
	int vx_errno;
	/* when it cannot be made: 0 fail, -1 skip, else the line it came in */
	int since;
};


static long vmlck_kb(void)
{
	long kb = proc_kb(getpid(), "status", "VmLck");

	assert_true(kb >= 0);
	return kb;
}

/* --- the kinds ----------------------------------------------------------- */

static void fill(char *p, size_t len, char base)
{
	for (size_t i = 0; i < len / PAGE; i++)
		memset(p + i * PAGE, base + (int)i, PAGE);
}

static char *map(size_t len, int prot, int flags, int fd)
{
	char *p = mmap(NULL, len, prot, flags, fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

static int mk_anon(struct inst *in)
{
	in->p = map(LEN, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1);
	assert_non_null(in->p);
	fill(in->p, LEN, 'A');
	return 0;
}

static int mk_anon_unfaulted(struct inst *in)
{
	in->p = map(LEN, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1);
	assert_non_null(in->p);
	return 0;
}

static int mk_anon_protnone(struct inst *in)
{
	assert_int_equal(mk_anon(in), 0);
	assert_int_equal(mprotect(in->p, LEN, PROT_NONE), 0);
	return 0;
}

/* The seed's program: a private mapping partly COWed after fork. */
static int mk_anon_forked(struct inst *in)
{
	int pfd[2];
	char c;

	assert_int_equal(mk_anon(in), 0);
	assert_int_equal(pipe(pfd), 0);
	in->child = fork();
	assert_true(in->child >= 0);
	if (!in->child) {
		close(pfd[0]);
		if (write(pfd[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(pfd[1]);
	assert_int_equal(read(pfd[0], &c, 1), 1);
	close(pfd[0]);
	/* pages 1 and 3 are now the parent's own copies; 0 and 2 shared */
	in->p[PAGE] = 'B';
	in->p[3 * PAGE] = 'D';
	return 0;
}

static int mk_anon_swapped(struct inst *in)
{
	assert_int_equal(mk_anon(in), 0);
	if (madvise(in->p, LEN, MADV_PAGEOUT)) {
		printf("# MADV_PAGEOUT: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/* /dev/zero mapped private: an anonymous mapping with a file behind. */
static int mk_devzero_private(struct inst *in)
{
	int fd = open("/dev/zero", O_RDWR);

	assert_true(fd >= 0);
	in->p = map(LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd);
	close(fd);
	assert_non_null(in->p);
	fill(in->p, LEN, 'A');
	return 0;
}

/* A file on ramfs: page cache that is not shmem. */
static int ramfs_file(int pages, char base)
{
	char buf[PAGE];
	int fd = test_ramfs_fd();

	for (int i = 0; i < pages; i++) {
		memset(buf, base + i, PAGE);
		assert_int_equal(write(fd, buf, PAGE), (ssize_t)PAGE);
	}
	return fd;
}

static int mk_file_private(struct inst *in)
{
	in->fd = ramfs_file(NPAGES, 'f');
	in->p = map(LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE, in->fd);
	assert_non_null(in->p);
	(void)*(volatile char *)(in->p + PAGE);	/* page cache, mapped */
	return 0;
}

static int mk_file_private_cow(struct inst *in)
{
	mk_file_private(in);
	memset(in->p, 'A', PAGE);
	memset(in->p + 2 * PAGE, 'C', PAGE);
	return 0;
}

static int mk_file_shared(struct inst *in)
{
	in->fd = ramfs_file(NPAGES, 'f');
	in->p = map(LEN, PROT_READ | PROT_WRITE, MAP_SHARED, in->fd);
	assert_non_null(in->p);
	fill(in->p, 2 * PAGE, 'A');
	return 0;
}

static int mk_file_shared_ro(struct inst *in)
{
	in->fd = ramfs_file(NPAGES, 'f');
	in->p = map(LEN, PROT_READ, MAP_SHARED, in->fd);
	assert_non_null(in->p);
	(void)*(volatile char *)in->p;
	return 0;
}

static int mk_shmem_file(struct inst *in)
{
	char path[64];

	snprintf(path, sizeof(path), "/dev/shm/remap-kinds-%d", getpid());
	in->fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(in->fd >= 0);
	unlink(path);
	assert_int_equal(ftruncate(in->fd, (off_t)LEN), 0);
	in->p = map(LEN, PROT_READ | PROT_WRITE, MAP_SHARED, in->fd);
	assert_non_null(in->p);
	fill(in->p, LEN, 'A');
	return 0;
}

static int mk_memfd(struct inst *in)
{
	in->fd = memfd_create("remap-kinds", MFD_ALLOW_SEALING);
	assert_true(in->fd >= 0);
	assert_int_equal(ftruncate(in->fd, (off_t)LEN), 0);
	in->p = map(LEN, PROT_READ | PROT_WRITE, MAP_SHARED, in->fd);
	assert_non_null(in->p);
	fill(in->p, LEN, 'A');
	return 0;
}

static int mk_memfd_private(struct inst *in)
{
	mk_memfd(in);
	munmap(in->p, LEN);
	in->p = map(LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE, in->fd);
	assert_non_null(in->p);
	memset(in->p + PAGE, 'b', PAGE);	/* one private copy */
	return 0;
}

/* F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK: mapped read-only. */
static int mk_memfd_sealed(struct inst *in)
{
	mk_memfd(in);
	munmap(in->p, LEN);
	assert_int_equal(fcntl(in->fd, F_ADD_SEALS, F_SEAL_WRITE |
			       F_SEAL_GROW | F_SEAL_SHRINK), 0);
	/* a read-only MAP_SHARED of a write-sealed memfd: 6.7+ */
	in->p = map(LEN, PROT_READ, MAP_SHARED, in->fd);
	if (!in->p) {
		printf("# mmap of a write-sealed memfd: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static int mk_shared_anon(struct inst *in)
{
	in->p = map(LEN, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1);
	assert_non_null(in->p);
	fill(in->p, LEN, 'A');
	return 0;
}

static int mk_mlock(struct inst *in)
{
	mk_anon(in);
	assert_int_equal(mlock(in->p, LEN), 0);
	return 0;
}

static int mk_mlock_onfault(struct inst *in)
{
	mk_anon_unfaulted(in);
	assert_int_equal(syscall(SYS_mlock2, in->p, LEN, MLOCK_ONFAULT), 0);
	fill(in->p, 2 * PAGE, 'A');
	return 0;
}

static int mk_mlock_shared(struct inst *in)
{
	mk_memfd(in);
	assert_int_equal(mlock(in->p, LEN), 0);
	return 0;
}

static int mk_mergeable(struct inst *in)
{
	mk_anon(in);
	memset(in->p, 'A', LEN);	/* four equal pages: KSM material */
	assert_int_equal(madvise(in->p, LEN, MADV_MERGEABLE), 0);
	return 0;
}

static int mk_uffd(struct inst *in)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };

	mk_anon(in);
	in->uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (in->uffd < 0) {
		printf("# userfaultfd: %s\n", strerror(errno));
		return -1;
	}
	assert_int_equal(ioctl(in->uffd, UFFDIO_API, &api), 0);
	reg.range.start = (unsigned long)in->p;
	reg.range.len = LEN;
	assert_int_equal(ioctl(in->uffd, UFFDIO_REGISTER, &reg), 0);
	return 0;
}

static int mk_growsdown(struct inst *in)
{
	in->p = map(LEN, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN, -1);
	assert_non_null(in->p);
	fill(in->p, LEN, 'A');
	return 0;
}

static int mk_sealed(struct inst *in)
{
	mk_anon(in);
	if (syscall(__NR_mseal, in->p, LEN, 0)) {
		printf("# mseal: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/* The mapping named @name in /proc/self/maps, whole. */
static int mk_named(struct inst *in, const char *name)
{
	unsigned long s, e;
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");
	int found = 0;

	assert_non_null(f);
	while (!found && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (sscanf(line, "%lx-%lx", &s, &e) == 2 &&
		    strlen(line) > strlen(name) &&
		    !strcmp(line + strlen(line) - strlen(name), name))
			found = 1;
	}
	fclose(f);
	if (!found) {
		printf("# no %s mapping\n", name);
		return -1;
	}
	in->p = (char *)s;
	in->len = e - s;
	in->borrowed = 1;
	return 0;
}

static int mk_vdso(struct inst *in)
{
	return mk_named(in, "[vdso]");
}

static int mk_vvar(struct inst *in)
{
	return mk_named(in, "[vvar]");
}

/* The vsyscall page, mapped or not (vsyscall=xonly/none): no VMA of mm. */
static int mk_vsyscall(struct inst *in)
{
	in->p = (char *)0xffffffffff600000UL;
	in->len = PAGE;
	in->borrowed = 1;
	return 0;
}

/* /dev/mem's first pages: VM_IO | VM_PFNMAP. */
static int mk_devmem(struct inst *in)
{
	in->fd = open("/dev/mem", O_RDONLY);
	if (in->fd < 0) {
		printf("# /dev/mem: %s\n", strerror(errno));
		return -1;
	}
	in->p = map(LEN, PROT_READ, MAP_SHARED, in->fd);
	if (!in->p) {
		printf("# mmap /dev/mem: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static int hugepages(void)
{
	static int done;

	if (!done) {
		test_sh("echo 4 > /proc/sys/vm/nr_hugepages");
		done = 1;
	}
	return 0;
}

static int mk_hugetlb(struct inst *in)
{
	hugepages();
	in->len = HPAGE;
	in->p = map(HPAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1);
	if (!in->p) {
		printf("# MAP_HUGETLB: %s\n", strerror(errno));
		return -1;
	}
	memset(in->p, 'A', HPAGE);
	return 0;
}

static int mk_hugetlb_memfd(struct inst *in)
{
	hugepages();
	in->fd = memfd_create("remap-kinds-huge", MFD_HUGETLB);
	if (in->fd < 0 || ftruncate(in->fd, (off_t)HPAGE)) {
		printf("# memfd MFD_HUGETLB: %s\n", strerror(errno));
		return -1;
	}
	in->len = HPAGE;
	in->p = map(HPAGE, PROT_READ | PROT_WRITE, MAP_SHARED, in->fd);
	if (!in->p) {
		printf("# mmap hugetlb memfd: %s\n", strerror(errno));
		return -1;
	}
	memset(in->p, 'A', HPAGE);
	return 0;
}

static const struct kind kinds[] = {
	{ "private anon", mk_anon, SRC_ZERO, 0, 0, 0 },
	{ "private anon, unfaulted", mk_anon_unfaulted, SRC_ZERO, 0, 0, 0 },
	{ "private anon, PROT_NONE", mk_anon_protnone, SRC_SEGV, 0, 0, 0 },
	{ "private anon, COW-shared after fork", mk_anon_forked, SRC_ZERO, 0, 0, 0 },
	{ "private anon, swapped out", mk_anon_swapped, SRC_ZERO, 0, 0, 0 },
	{ "/dev/zero MAP_PRIVATE", mk_devzero_private, SRC_ZERO, 0, 0, 0 },
	{ "private file", mk_file_private, SRC_FILE, 0, 0, 0 },
	{ "private file, partly COWed", mk_file_private_cow, SRC_FILE, 0, 0, 0 },
	{ "MAP_SHARED file", mk_file_shared, SRC_SAME, 0, 0, 0 },
	{ "MAP_SHARED file, read-only", mk_file_shared_ro, SRC_SAME, 0, 0, 0 },
	{ "shmem file (/dev/shm)", mk_shmem_file, SRC_SAME, 0, 0, 0 },
	{ "memfd", mk_memfd, SRC_SAME, 0, 0, 0 },
	{ "memfd MAP_PRIVATE, partly COWed", mk_memfd_private, SRC_FILE, 0, 0, 0 },
	{ "memfd F_SEAL_WRITE|GROW|SHRINK", mk_memfd_sealed, SRC_SAME, 0, 0, 607 },
	{ "MAP_SHARED anon", mk_shared_anon, SRC_SAME, 0, 0, 0 },
	{ "mlock", mk_mlock, SRC_ZERO, 0, 0, 0 },
	{ "mlock2(MLOCK_ONFAULT)", mk_mlock_onfault, SRC_ZERO, 0, 0, 0 },
	{ "mlock, memfd", mk_mlock_shared, SRC_SAME, 0, 0, 0 },
	{ "MADV_MERGEABLE", mk_mergeable, SRC_ZERO, 0, 0, 0 },
	{ "userfaultfd MISSING", mk_uffd, SRC_ZERO, 1, 0, 0 },
	{ "MAP_GROWSDOWN", mk_growsdown, SRC_ZERO, 0, 0, 0 },
	{ "mseal", mk_sealed, SRC_NONE, 0, 0, 610 },
	{ "[vdso]", mk_vdso, SRC_NONE, 0, 0, 0 },
	{ "[vvar]", mk_vvar, SRC_NONE, 0, 0, 0 },
	/* beyond TASK_SIZE: vmxfer's range check (EINVAL, as clone) */
	{ "[vsyscall]", mk_vsyscall, SRC_NONE, 0, EINVAL, 0 },
	{ "/dev/mem (VM_IO|VM_PFNMAP)", mk_devmem, SRC_NONE, 0, 0, -1 },
	{ "hugetlb MAP_PRIVATE", mk_hugetlb, SRC_NONE, 0, 0, 0 },
	{ "hugetlb memfd MAP_SHARED", mk_hugetlb_memfd, SRC_NONE, 0, 0, 0 },
};

/* --- one move and what it left ------------------------------------------- */

struct outcome {
	int err;		/* 0 or errno */
	char dst[NPAGES * 2 + 1], src[NPAGES + 1];
	char dflags[64], sflags[64];
	long lck;		/* VmLck change, kB */
	long rss;		/* the destination's Rss, kB, as left */
};

enum how { BY_MREMAP, BY_VMXFER, BY_MREMAP_GROW, BY_VMXFER_GROW };

static void inst_free(struct inst *in, char *moved, size_t moved_len)
{
	if (moved)
		munmap(moved, moved_len);
	if (in->p && !in->borrowed)
		munmap(in->p, in->len);
	if (in->fd >= 0)
		close(in->fd);
	if (in->uffd >= 0)
		close(in->uffd);
	if (in->child > 0) {
		kill(in->child, SIGKILL);
		waitpid(in->child, NULL, 0);
	}
}

/* Make an instance of @k, move it @how, record the outcome; 1 if made. */
static int run_one(const struct kind *k, enum how how, struct outcome *o)
{
	struct inst in = { .fd = -1, .uffd = -1, .len = LEN };
	int grow = how == BY_MREMAP_GROW || how == BY_VMXFER_GROW;
	size_t len, new_len;
	long lck;
	char *d;

	memset(o, 0, sizeof(*o));
	if (k->make(&in)) {
		inst_free(&in, NULL, 0);
		return 0;
	}
	len = in.len;
	new_len = grow ? 2 * len : len;
	lck = vmlck_kb();
	errno = 0;
	switch (how) {
	case BY_MREMAP:
		d = mremap(in.p, len, len, MREMAP_MAYMOVE | MREMAP_DONTUNMAP,
			   NULL);
		break;
	case BY_MREMAP_GROW:
		d = mremap(in.p, len, new_len, MREMAP_MAYMOVE);
		break;
	default:
		d = vmxfer_remap(vfd, in.p, len, new_len, NULL, 0);
		break;
	}
	o->err = d == MAP_FAILED ? errno : 0;
	o->lck = vmlck_kb() - lck;
	if (d == MAP_FAILED) {
		d = NULL;
	} else {
		if (len == LEN) {
			test_vmflags(d, o->dflags, sizeof(o->dflags), &o->rss);
			test_page_signature(d, new_len, o->dst);
		}
		if (how == BY_MREMAP_GROW) {
			in.p = NULL;	/* moved away (or grown in place) */
		} else if (len == LEN) {
			test_vmflags(in.p, o->sflags, sizeof(o->sflags), NULL);
			if (!k->noread_src)
				test_page_signature(in.p, len, o->src);
		}
	}
	inst_free(&in, d, new_len);
	return 1;
}

/* What a moved source must read, by the kind's promise. */
static void expected_src(const struct kind *k, const char *dst, char *out)
{
	struct inst in = { .fd = -1, .uffd = -1, .len = LEN };
	size_t i;

	switch (k->after) {
	case SRC_ZERO:
		memset(out, '.', NPAGES);
		break;
	case SRC_SAME:
		memcpy(out, dst, NPAGES);
		break;
	case SRC_SEGV:
		memset(out, 'S', NPAGES);
		break;
	case SRC_FILE:
		/* a fresh private mapping of the same kind, never written */
		assert_int_equal(k->make(&in), 0);
		if (in.fd >= 0) {
			char *f = map(LEN, PROT_READ, MAP_PRIVATE, in.fd);

			assert_non_null(f);
			test_page_signature(f, LEN, out);
			munmap(f, LEN);
		}
		inst_free(&in, NULL, 0);
		break;
	default:
		for (i = 0; i < NPAGES; i++)
			out[i] = '-';
		break;
	}
	out[NPAGES] = 0;
}

static int same(const char *what, const char *a, const char *b)
{
	if (!strcmp(a, b))
		return 1;
	printf("#   %s: mremap \"%s\", vmxfer \"%s\"\n", what, a, b);
	return 0;
}

static void test_kind(void **state)
{
	const struct kind *k = *state;
	struct outcome m, v, mg, vg;
	char want[NPAGES + 1];
	int ok = 1, made, refused_by_line;

	made = run_one(k, BY_MREMAP, &m);
	if (!made) {
		printf("# %-36s n/a on this line\n", k->name);
		if (k->since > 0)
			test_absent_on_line(k->since, k->name);
		if (!k->since)
			fail_msg("%s: cannot be made", k->name);
		skip();
	}
	assert_int_equal(run_one(k, BY_VMXFER, &v), 1);

	/* mremap's own DONTUNMAP takes private anonymous only before 5.13 */
	refused_by_line = test_kernel_line() < 513 && m.err == EINVAL &&
			  k->after != SRC_NONE;
	printf("# %-36s mremap %-7s vmxfer %-7s dst %s src %s / %s\n",
	       k->name, m.err ? strerror(m.err) : "ok",
	       v.err ? strerror(v.err) : "ok", v.dst, v.src,
	       refused_by_line ? "(line's mremap refuses)" : m.src);

	if (refused_by_line) {
		/* checked against what the kind promises */
		if (v.err) {
			printf("#   vmxfer refuses: %s\n", strerror(v.err));
			ok = 0;
		}
	} else if (k->vx_errno && m.err) {
		if (v.err != k->vx_errno) {
			printf("#   vmxfer errno %d, documented %d\n", v.err,
			       k->vx_errno);
			ok = 0;
		}
	} else if (m.err != v.err) {
		printf("#   errno: mremap %d, vmxfer %d\n", m.err, v.err);
		ok = 0;
	} else if (!m.err) {
		ok &= same("destination", m.dst, v.dst);
		ok &= same("source", m.src, v.src);
		ok &= same("destination VmFlags", m.dflags, v.dflags);
		ok &= same("source VmFlags", m.sflags, v.sflags);
		if (m.lck != v.lck || m.rss != v.rss) {
			printf("#   VmLck change: mremap %ld kB, vmxfer %ld kB; destination Rss: %ld, %ld kB\n",
			       m.lck, v.lck, m.rss, v.rss);
			ok = 0;
		}
	}
	if (!v.err && v.src[0]) {
		expected_src(k, v.dst, want);
		ok &= same("source as promised", want, v.src);
	}

	/* Growth: where vmxfer moves the kind, it grows it as mremap does. */
	if (!v.err && !k->noread_src) {
		assert_int_equal(run_one(k, BY_MREMAP_GROW, &mg), 1);
		assert_int_equal(run_one(k, BY_VMXFER_GROW, &vg), 1);
		printf("#   grown x2: mremap %s dst %s, vmxfer %s dst %s src %s\n",
		       mg.err ? strerror(mg.err) : "ok", mg.dst,
		       vg.err ? strerror(vg.err) : "ok", vg.dst, vg.src);
		if (mg.err != vg.err) {
			printf("#   grow errno: mremap %d, vmxfer %d\n", mg.err,
			       vg.err);
			ok = 0;
		} else if (!mg.err) {
			ok &= same("grown destination", mg.dst, vg.dst);
			ok &= same("grown source (vs DONTUNMAP's)", v.src,
				   vg.src);
			ok &= same("grown destination VmFlags", mg.dflags,
				   vg.dflags);
			if (mg.lck != vg.lck || mg.rss != vg.rss) {
				printf("#   grown: VmLck change: mremap %ld kB, vmxfer %ld kB; destination Rss %ld, %ld kB\n",
				       mg.lck, vg.lck, mg.rss, vg.rss);
				ok = 0;
			}
		}
	}
	if (!ok)
		fail_msg("%s: vmxfer_remap differs from mremap(DONTUNMAP)",
			 k->name);
}

int main(void)
{
	struct CMUnitTest tests[sizeof(kinds) / sizeof(kinds[0])];

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		tests[i] = (struct CMUnitTest){
			.name = kinds[i].name,
			.test_func = test_kind,
			.initial_state = (void *)&kinds[i],
		};
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_filter_from_env();
	return cmocka_run_group_tests_name("remap_kinds", tests, setup,
					   teardown);
}
