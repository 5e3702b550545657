// SPDX-License-Identifier: GPL-2.0
/*
 * The errnos include/uapi/linux/vmxfer.h documents, provoked one by one
 * (tests/errno-table.txt maps each errno of each ioctl to its tests), and
 * the uapi's promise for each refusal: nothing changed.  After every
 * refused clone or remap the caller's /proc/self/maps, its VmSize, the
 * target's maps and the bytes of both ranges are as before
 * (test_snap_*); after a refused splice the pipe is empty (FIONREAD).
 *
 * The struct rules of every ioctl (size below VER0: EINVAL; a non-zero
 * tail or more than 4 KiB: E2BIG; NULL, kernel, PROT_NONE, half-readable
 * and read-only pointers: EFAULT), the mapping kinds clone and remap
 * refuse (EINVAL), KSM pages (EBUSY), an iovec length overflow (EINVAL),
 * and the limits a FIXED destination is checked against before it is
 * unmapped (ENOMEM with the destination intact).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/io_uring.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "common.h"

#define PAGE 4096UL
#define NP 4		/* pages in each test range */

static int vfd = -1;

static int setup(void **state)
{
	(void)state;
	vfd = test_open_for(VMXFER_FEAT_CLONE | VMXFER_FEAT_REMAP |
			    VMXFER_FEAT_SPLICE);
	if (vfd >= 0) {
		struct vmxfer_info info;
		const __u64 all = VMXFER_FEAT_CLONE | VMXFER_FEAT_REMAP |
				  VMXFER_FEAT_SPLICE;

		/* test_open_for() wants any of them: all three are tested. */
		if (vmxfer_info(vfd, &info) || (info.features & all) != all) {
			fprintf(stderr, "clone, remap and splice must all be available\n");
			return 1;
		}
	}
	return vfd < 0;
}

static int teardown(void **state)
{
	(void)state;
	close(vfd);
	return 0;
}

static char *anon(size_t len, int c)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_ptr_not_equal(p, MAP_FAILED);
	memset(p, c, len);
	return p;
}

/*
 * @n mappings of NP pages filled with @fill[i], separated by PROT_NONE
 * pages so that none merges with another or with anything else.
 * Returns the reservation (unmap (2 * n + 1) * NP pages from it).
 */
static char *regions(char **r, int n, const char *fill)
{
	size_t len = (2 * n + 1) * NP * PAGE;
	char *res = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);

	assert_ptr_not_equal(res, MAP_FAILED);
	for (int i = 0; i < n; i++) {
		r[i] = mmap(res + (2 * i + 1) * NP * PAGE, NP * PAGE,
			    PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		assert_ptr_equal(r[i], res + (2 * i + 1) * NP * PAGE);
		memset(r[i], fill[i], NP * PAGE);
	}
	return res;
}

static void regions_free(char *res, int n)
{
	munmap(res, (2 * n + 1) * NP * PAGE);
}

/* The VmFlags line of the caller's smaps entry holding @addr. */
static void vm_flags(const void *addr, char *out, size_t n)
{
	unsigned long a = (unsigned long)addr, s, e;
	char line[512];
	int in = 0;
	FILE *f = fopen("/proc/self/smaps", "r");

	assert_non_null(f);
	*out = 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &s, &e) == 2)	/* a header */
			in = s <= a && a < e;
		else if (in && !strncmp(line, "VmFlags:", 8)) {
			snprintf(out, n, "%s", line + 8);
			out[strcspn(out, "\n")] = 0;
			break;
		}
	}
	fclose(f);
}

/* Does the VmFlags text @flags hold the two-letter flag @f? */
static int has_flag(const char *flags, const char *f)
{
	for (const char *p = flags; (p = strstr(p, f)); p += 2)
		if ((p == flags || p[-1] == ' ') && (p[2] == ' ' || !p[2]))
			return 1;
	return 0;
}

static void sysctl_write(const char *path, long val)
{
	char buf[32];
	int fd = open(path, O_WRONLY);
	int n = snprintf(buf, sizeof(buf), "%ld", val);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, n), n);
	close(fd);
}

static long sysctl_read(const char *path)
{
	long v = -1;
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	assert_int_equal(fscanf(f, "%ld", &v), 1);
	fclose(f);
	return v;
}

/* --- the struct rules, for every ioctl ------------------------------------ */

/*
 * One ioctl with valid arguments (the call would succeed), and what a
 * refusal must have left alone: the snapshot (caller's and target's maps,
 * VmSize, the target's range, remap's source) and the pipe.
 */
struct op {
	const char *name;
	unsigned long cmd;
	size_t ksize, ver0;
	int changes;		/* clone, remap, splice: may change something */
	struct target t;
	int p[2];
	char *src;		/* remap's source: NP pages of 'r' */
	struct iovec iov;	/* splice's */
	struct test_snap snap;
};

static void op_fill(struct op *o, unsigned char *buf)
{
	memset(buf, 0, o->ksize);
	switch (_IOC_NR(o->cmd)) {
	case _IOC_NR(VMXFER_IOC_INFO):
		break;
	case _IOC_NR(VMXFER_IOC_SYMBOL):
		((struct vmxfer_symbol *)buf)->index = 0;
		break;
	case _IOC_NR(VMXFER_IOC_CLONE): {
		struct vmxfer_clone *a = (void *)buf;

		a->pidfd = o->t.pidfd;
		a->src = (uintptr_t)o->t.base;
		a->len = NP * PAGE;
		break;
	}
	case _IOC_NR(VMXFER_IOC_REMAP): {
		struct vmxfer_remap *a = (void *)buf;

		a->old_addr = (uintptr_t)o->src;
		a->old_len = a->new_len = NP * PAGE;
		break;
	}
	case _IOC_NR(VMXFER_IOC_SPLICE): {
		struct vmxfer_splice *a = (void *)buf;

		a->pidfd = o->t.pidfd;
		a->pipe_fd = o->p[1];
		a->iov = (uintptr_t)&o->iov;
		a->nr_segs = 1;
		break;
	}
	}
	*(__u32 *)buf = (__u32)o->ksize;
}

static void op_begin(struct op *o)
{
	target_start(&o->t, NP * PAGE, 0);
	assert_int_equal(pipe(o->p), 0);
	o->src = anon(NP * PAGE, 'r');
	o->iov.iov_base = o->t.base;
	o->iov.iov_len = NP * PAGE;
	test_snap_begin(&o->snap, o->t.pid);
	test_snap_range(&o->snap, o->t.pid, o->t.base, NP * PAGE);
	test_snap_range(&o->snap, 0, o->src, NP * PAGE);
}

/* The refusal @what changed nothing. */
static void op_unchanged(struct op *o, const char *what)
{
	char msg[128];

	snprintf(msg, sizeof(msg), "%s: %s", o->name, what);
	test_snap_same(&o->snap, msg);
	if (test_pipe_bytes(o->p[0]))
		fail_msg("%s left %d bytes in the pipe", msg,
			 test_pipe_bytes(o->p[0]));
}

/* Undo a call that succeeded, from its output in @buf. */
static void op_undo(struct op *o, const unsigned char *buf)
{
	char tmp[NP * PAGE];

	switch (_IOC_NR(o->cmd)) {
	case _IOC_NR(VMXFER_IOC_CLONE): {
		const struct vmxfer_clone *a = (const void *)buf;

		assert_int_equal(munmap((void *)(uintptr_t)a->dst, NP * PAGE), 0);
		break;
	}
	case _IOC_NR(VMXFER_IOC_REMAP): {
		const struct vmxfer_remap *a = (const void *)buf;

		assert_int_equal(((char *)(uintptr_t)a->new_addr)[0], 'r');
		assert_int_equal(munmap((void *)(uintptr_t)a->new_addr,
					NP * PAGE), 0);
		memset(o->src, 'r', NP * PAGE);
		break;
	}
	case _IOC_NR(VMXFER_IOC_SPLICE):
		assert_int_equal(test_pipe_bytes(o->p[0]), NP * PAGE);
		assert_int_equal(read(o->p[0], tmp, sizeof(tmp)), NP * PAGE);
		break;
	}
}

static void op_end(struct op *o)
{
	test_snap_end(&o->snap);
	munmap(o->src, NP * PAGE);
	close(o->p[0]);
	close(o->p[1]);
	target_stop(&o->t);
}

static void op_init(struct op *o, const char *name, unsigned long cmd,
		    size_t ksize, size_t ver0, int changes)
{
	memset(o, 0, sizeof(*o));
	o->name = name;
	o->cmd = cmd;
	o->ksize = ksize;
	o->ver0 = ver0;
	o->changes = changes;
}

#define OP(o, NAME, type, changes)					\
	op_init(o, #NAME, VMXFER_IOC_##NAME, sizeof(struct type),	\
		VMXFER_##NAME##_SIZE_VER0, changes)

static void ops_all(struct op o[5])
{
	OP(&o[0], INFO, vmxfer_info, 0);
	OP(&o[1], SYMBOL, vmxfer_symbol, 0);
	OP(&o[2], CLONE, vmxfer_clone, 1);
	OP(&o[3], REMAP, vmxfer_remap, 1);
	OP(&o[4], SPLICE, vmxfer_splice, 1);
}

/* A 3-page buffer: [rw][rw][PROT_NONE], page-aligned. */
static unsigned char *struct_area(void)
{
	unsigned char *b = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_ptr_not_equal(b, MAP_FAILED);
	assert_int_equal(mprotect(b + 2 * PAGE, PAGE, PROT_NONE), 0);
	return b;
}

/* ioctl @o with @buf, expecting -1/@err; the buffer must be unchanged. */
static void expect_refused(struct op *o, unsigned char *buf, size_t len,
			   int err, const char *what)
{
	static unsigned char was[2 * 4096];	/* no malloc: the maps stay */
	int ret;

	assert_true(len <= sizeof(was));
	memcpy(was, buf, len);
	errno = 0;
	ret = ioctl(vfd, o->cmd, buf);
	if (ret != -1 || errno != err)
		fail_msg("%s: %s: returned %d (%s), want %s", o->name, what,
			 ret, strerror(errno), strerror(err));
	if (memcmp(was, buf, len))
		fail_msg("%s: %s: the struct was written", o->name, what);
	op_unchanged(o, what);
}

/* Size below the first published version: EINVAL. */
static void test_size_small(void **state)
{
	struct op ops[5];
	unsigned char *buf = struct_area();

	(void)state;
	ops_all(ops);
	for (int i = 0; i < 5; i++) {
		struct op *o = &ops[i];
		const __u32 sizes[] = { 0, 4, o->ver0 - 8, o->ver0 - 1 };

		op_begin(o);
		test_snap_take(&o->snap);
		for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
			op_fill(o, buf);
			*(__u32 *)buf = sizes[k];
			expect_refused(o, buf, o->ksize, EINVAL, "size < VER0");
		}
		/* VER0 itself is accepted (the struct has not grown yet). */
		op_fill(o, buf);
		*(__u32 *)buf = o->ver0;
		assert_int_equal(ioctl(vfd, o->cmd, buf), 0);
		op_undo(o, buf);
		op_end(o);
	}
	munmap(buf, 3 * PAGE);
}

/*
 * A larger struct: accepted with a zero tail; a non-zero byte anywhere in
 * the tail, or a size above 4 KiB whatever the tail: E2BIG.
 */
static void test_e2big(void **state)
{
	struct op ops[5];
	unsigned char *buf = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	(void)state;
	assert_ptr_not_equal(buf, MAP_FAILED);
	ops_all(ops);
	for (int i = 0; i < 5; i++) {
		struct op *o = &ops[i];
		const __u32 big[] = { 4097, 3 * PAGE, 0xffffffffu };

		op_begin(o);
		test_snap_take(&o->snap);
		for (size_t at = o->ksize; at < o->ksize + 16; at += 7) {
			memset(buf, 0, 4 * PAGE);
			op_fill(o, buf);
			*(__u32 *)buf = (__u32)(o->ksize + 16);
			buf[at] = 0x80;
			expect_refused(o, buf, o->ksize + 16, E2BIG,
				       "non-zero tail");
		}
		memset(buf, 0, 4 * PAGE);
		op_fill(o, buf);
		*(__u32 *)buf = 4096;
		buf[4095] = 1;
		expect_refused(o, buf, 4096, E2BIG, "non-zero last byte of 4096");
		for (size_t k = 0; k < sizeof(big) / sizeof(big[0]); k++) {
			memset(buf, 0, 4 * PAGE);
			op_fill(o, buf);
			*(__u32 *)buf = big[k];
			expect_refused(o, buf, o->ksize, E2BIG, "size > 4096");
		}
		/* The same larger struct with a zero tail works. */
		memset(buf, 0, 4 * PAGE);
		op_fill(o, buf);
		*(__u32 *)buf = 4096;
		assert_int_equal(ioctl(vfd, o->cmd, buf), 0);
		assert_int_equal(*(__u32 *)buf, o->ksize);	/* as far as ours */
		for (size_t k = o->ksize; k < 4096; k++)
			assert_int_equal(buf[k], 0);
		op_undo(o, buf);
		op_end(o);
	}
	munmap(buf, 4 * PAGE);
}

/*
 * A struct pointer that cannot be read (NULL, a kernel address, PROT_NONE,
 * readable size but the rest not) or not written (a read-only page, and a
 * struct whose head is writable and tail read-only): EFAULT, nothing done.
 */
static void test_efault_struct(void **state)
{
	struct op ops[5];
	unsigned char *area = struct_area();
	unsigned char *ro = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	(void)state;
	assert_ptr_not_equal(ro, MAP_FAILED);
	ops_all(ops);
	for (int i = 0; i < 5; i++) {
		struct op *o = &ops[i];
		unsigned char *half = area + 2 * PAGE - 8;
		const uintptr_t bad[] = { 0, 8, 0xffffffff81000000UL,
					  0x8000000000000000UL,
					  (uintptr_t)(area + 2 * PAGE) };

		op_begin(o);
		/* (before the snapshot: mprotect changes the maps) */
		assert_int_equal(mprotect(ro, 2 * PAGE, PROT_READ | PROT_WRITE), 0);
		op_fill(o, ro + PAGE + 512);
		op_fill(o, ro + PAGE - 16);
		assert_int_equal(mprotect(ro + PAGE, PAGE, PROT_READ), 0);
		test_snap_take(&o->snap);
		for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
			errno = 0;
			assert_int_equal(ioctl(vfd, o->cmd, bad[k]), -1);
			if (errno != EFAULT)
				fail_msg("%s: struct at %#lx: %s, want EFAULT",
					 o->name, (unsigned long)bad[k],
					 strerror(errno));
			op_unchanged(o, "unreadable struct");
		}
		/* The size is readable, the rest of the struct is not. */
		op_fill(o, area);
		memcpy(half, area, 8);
		errno = 0;
		assert_int_equal(ioctl(vfd, o->cmd, half), -1);
		assert_int_equal(errno, EFAULT);
		op_unchanged(o, "half-readable struct");

		/*
		 * Readable, not writable: a struct in a read-only page, and
		 * one whose head (16 bytes) is writable, the rest read-only.
		 * INFO and SYMBOL may write the head before the fault (they
		 * change nothing else); the others must fail before writing.
		 */
		expect_refused(o, ro + PAGE + 512, o->ksize, EFAULT,
			       "read-only struct");
		if (o->changes) {
			expect_refused(o, ro + PAGE - 16, o->ksize, EFAULT,
				       "struct ending in a read-only page");
		} else {
			errno = 0;
			assert_int_equal(ioctl(vfd, o->cmd, ro + PAGE - 16), -1);
			assert_int_equal(errno, EFAULT);
		}
		op_end(o);
	}
	munmap(area, 3 * PAGE);
	munmap(ro, 2 * PAGE);
}

/* --- clone: mapping kinds that are never cloned (EINVAL) --------------- */

/*
 * Each from the caller itself (the kind is checked before anything else,
 * so a self-clone shows it): SysV shm (driver open/close hooks), an
 * io_uring ring (VM_DONTEXPAND, with VM_MIXEDMAP on 6.12+ and
 * VM_PFNMAP | VM_IO before), and the range rules: src 0, a FIXED or
 * FIXED_NOREPLACE destination overlapping a self-clone's source.
 */
static void test_clone_einval_kinds(void **state)
{
	struct io_uring_params up;
	struct test_snap s;
	char flags[512], *shm, *ring, *sh, *dst;
	int self = vmxfer_pidfd_open(getpid()), id, ufd;
	size_t ringlen;
	struct target t;

	(void)state;
	assert_true(self >= 0);
	target_start(&t, NP * PAGE, 0);

	id = shmget(IPC_PRIVATE, NP * PAGE, IPC_CREAT | 0600);
	assert_true(id >= 0);
	shm = shmat(id, NULL, 0);
	assert_ptr_not_equal(shm, (void *)-1);
	shmctl(id, IPC_RMID, NULL);
	memset(shm, 's', NP * PAGE);

	memset(&up, 0, sizeof(up));
	ufd = (int)syscall(__NR_io_uring_setup, 4, &up);
	assert_true(ufd >= 0);
	ringlen = (up.sq_off.array + up.sq_entries * sizeof(__u32) + PAGE - 1) &
		  ~(PAGE - 1);
	ring = mmap(NULL, ringlen, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_POPULATE, ufd, IORING_OFF_SQ_RING);
	assert_ptr_not_equal(ring, MAP_FAILED);
	vm_flags(ring, flags, sizeof(flags));
	printf("# io_uring ring VmFlags:%s\n", flags);
	assert_true(has_flag(flags, "de"));
	assert_true(has_flag(flags, "mm") || has_flag(flags, "pf"));

	sh = mmap(NULL, NP * PAGE, PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_ptr_not_equal(sh, MAP_FAILED);
	memset(sh, 'h', NP * PAGE);

	test_snap_begin(&s, t.pid);
	test_snap_range(&s, 0, shm, NP * PAGE);
	test_snap_range(&s, 0, sh, NP * PAGE);
	test_snap_range(&s, t.pid, t.base, NP * PAGE);
	test_snap_take(&s);

	assert_ptr_equal(vmxfer_clone(vfd, self, shm, NP * PAGE, NULL, 0),
			 MAP_FAILED);
	assert_int_equal(errno, EINVAL);
	test_snap_same(&s, "clone of SysV shm");
	assert_ptr_equal(vmxfer_clone(vfd, self, ring, PAGE, NULL, 0),
			 MAP_FAILED);
	assert_int_equal(errno, EINVAL);
	test_snap_same(&s, "clone of an io_uring ring");
	/* src 0, with and without a length that would reach a mapping */
	assert_ptr_equal(vmxfer_clone(vfd, t.pidfd, NULL, PAGE, NULL, 0),
			 MAP_FAILED);
	assert_int_equal(errno, EINVAL);
	assert_ptr_equal(vmxfer_clone(vfd, t.pidfd, NULL,
				      (uintptr_t)t.base + PAGE, NULL, 0),
			 MAP_FAILED);
	assert_int_equal(errno, EINVAL);
	test_snap_same(&s, "clone of src 0");
	/* a self-clone's FIXED destination overlapping its source */
	for (int k = -2; k <= 2; k++) {
		if (!k)
			continue;
		assert_ptr_equal(vmxfer_clone(vfd, self, sh, NP * PAGE,
					      sh + k * (long)PAGE,
					      VMXFER_CLONE_FIXED), MAP_FAILED);
		assert_int_equal(errno, EINVAL);
		assert_ptr_equal(vmxfer_clone(vfd, self, sh, NP * PAGE,
					      sh + k * (long)PAGE,
					      VMXFER_CLONE_FIXED_NOREPLACE),
				 MAP_FAILED);
		assert_int_equal(errno, EINVAL);
	}
	assert_ptr_equal(vmxfer_clone(vfd, self, sh, NP * PAGE, sh,
				      VMXFER_CLONE_FIXED), MAP_FAILED);
	assert_int_equal(errno, EINVAL);
	test_snap_same(&s, "self-clone over its own source");
	test_snap_end(&s);

	/* The same shared memory clones fine without the overlap. */
	dst = vmxfer_clone(vfd, self, sh, NP * PAGE, NULL, 0);
	assert_ptr_not_equal(dst, MAP_FAILED);
	assert_int_equal(dst[NP * PAGE - 1], 'h');
	munmap(dst, NP * PAGE);

	munmap(sh, NP * PAGE);
	munmap(ring, ringlen);
	close(ufd);
	shmdt(shm);
	target_stop(&t);
	close(self);
}

/* --- clone: a shared writable mapping of a swap device (ETXTBSY) --------- */

/*
 * The guest swaps to /dev/zram0.  With swap off, the caller maps it
 * shared and writable; swap back on, a clone of that mapping is one mmap(2)
 * would refuse now (ETXTBSY), and nothing changed.  A read-only shared
 * mapping of it clones.
 */
static void test_clone_etxtbsy_swap(void **state)
{
	struct test_snap s;
	char *w, *r, *c;
	int fd, self = vmxfer_pidfd_open(getpid());

	(void)state;
	assert_true(self >= 0);
	assert_int_equal(test_sh("swapoff /dev/zram0"), 0);
	fd = open("/dev/zram0", O_RDWR);
	assert_true(fd >= 0);
	w = mmap(NULL, NP * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	r = mmap(NULL, NP * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (test_sh("swapon /dev/zram0"))
		fail_msg("swapon /dev/zram0 failed: the guest has no swap now");
	assert_ptr_not_equal(w, MAP_FAILED);
	assert_ptr_not_equal(r, MAP_FAILED);
	/* What mmap(2) says now, which clone must say too. */
	fd = open("/dev/zram0", O_RDWR);
	assert_true(fd >= 0);
	assert_ptr_equal(mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
			      fd, 0), MAP_FAILED);
	assert_int_equal(errno, ETXTBSY);
	close(fd);
	test_snap_of(&s, 0, r, NP * PAGE);
	errno = 0;
	assert_ptr_equal(vmxfer_clone(vfd, self, w, NP * PAGE, NULL, 0),
			 MAP_FAILED);
	assert_int_equal(errno, ETXTBSY);
	test_snap_same(&s, "clone of a writable mapping of a swap device");
	test_snap_end(&s);
	c = vmxfer_clone(vfd, self, r, NP * PAGE, NULL, 0);
	assert_ptr_not_equal(c, MAP_FAILED);
	assert_int_equal(memcmp(c, r, NP * PAGE), 0);
	munmap(c, NP * PAGE);
	munmap(w, NP * PAGE);
	munmap(r, NP * PAGE);
	close(self);
}

/* --- clone: a KSM page (EBUSY) ------------------------------------------ */

#define KSM "/sys/kernel/mm/ksm/"

/*
 * The target's pattern repeats every 256 pages: 512 pages hold 256 pairs
 * of identical pages, which KSM merges once the range is MADV_MERGEABLE.
 * A KSM page is never cloned (EBUSY), and nothing changed.
 */
static void test_clone_ebusy_ksm(void **state)
{
	const size_t len = 512 * PAGE;
	long run, scan, sleep_ms, shared = 0;
	struct test_snap s;
	struct target t;

	(void)state;
	if (access(KSM "run", W_OK))
		fail_msg("no " KSM "run: every Debian kernel has KSM");
	run = sysctl_read(KSM "run");
	scan = sysctl_read(KSM "pages_to_scan");
	sleep_ms = sysctl_read(KSM "sleep_millisecs");
	target_start(&t, len, 0);
	assert_int_equal(target_madvise(&t, 0, len, MADV_MERGEABLE), 0);
	sysctl_write(KSM "pages_to_scan", 5000);
	sysctl_write(KSM "sleep_millisecs", 10);
	sysctl_write(KSM "run", 1);
	for (int i = 0; i < 600 && shared <= 0; i++) {
		usleep(50 * 1000);
		shared = sysctl_read(KSM "pages_shared");
	}
	printf("# KSM pages_shared %ld, pages_sharing %ld\n", shared,
	       sysctl_read(KSM "pages_sharing"));
	sysctl_write(KSM "run", 0);	/* stop merging; merged pages stay */
	if (shared <= 0) {
		target_stop(&t);
		fail_msg("KSM merged nothing in 30 s");
	}
	test_snap_begin(&s, t.pid);
	test_snap_range(&s, t.pid, t.base, NP * PAGE);
	test_snap_range(&s, t.pid, t.base + 256 * PAGE, NP * PAGE);
	test_snap_take(&s);
	assert_ptr_equal(vmxfer_clone(vfd, t.pidfd, t.base, len, NULL, 0),
			 MAP_FAILED);
	assert_int_equal(errno, EBUSY);
	test_snap_same(&s, "clone of KSM pages");
	test_snap_end(&s);
	target_stop(&t);
	sysctl_write(KSM "run", 2);	/* unmerge whatever is left */
	sysctl_write(KSM "pages_to_scan", scan);
	sysctl_write(KSM "sleep_millisecs", sleep_ms);
	sysctl_write(KSM "run", run == 2 ? 0 : run);
}

/* --- remap: sources refused in v1 (EINVAL) --------------------------------- */

static int remap_fails(void *old, size_t old_len, size_t new_len, void *new,
		       unsigned int flags)
{
	errno = 0;
	if (vmxfer_remap(vfd, old, old_len, new_len, new, flags) != MAP_FAILED)
		fail_msg("remap of %p succeeded", old);
	return errno;
}

#ifndef __NR_mseal
#define __NR_mseal 462
#endif

/*
 * A hugetlb source (refused by mremap(MREMAP_DONTUNMAP) too) and an
 * unaligned new_len: EINVAL, nothing changed (the source keeps its data
 * and its place).  userfaultfd-registered, grows-down and MAP_SHARED
 * sources move, as with mremap(2): test_remap_kinds.
 */
static void test_remap_einval_kinds(void **state)
{
	char *r[3], *res, *huge;
	struct test_snap s;

	(void)state;
	res = regions(r, 3, "usd");
	assert_int_equal(test_sh("echo 4 > /proc/sys/vm/nr_hugepages"), 0);
	huge = mmap(NULL, 2UL << 20, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	assert_ptr_not_equal(huge, MAP_FAILED);
	memset(huge, 'H', 2UL << 20);

	test_snap_begin(&s, 0);
	test_snap_range(&s, 0, r[1], NP * PAGE);
	test_snap_range(&s, 0, huge, 2UL << 20);
	test_snap_take(&s);

	assert_int_equal(remap_fails(huge, 2UL << 20, 2UL << 20, NULL, 0), EINVAL);
	assert_int_equal(remap_fails(huge, PAGE, PAGE, NULL, 0), EINVAL);
	test_snap_same(&s, "remap of hugetlb");
	/* new_len unaligned; also with a FIXED destination (over r[2]) */
	assert_int_equal(remap_fails(r[1], NP * PAGE, NP * PAGE + 1, NULL, 0),
			 EINVAL);
	assert_int_equal(remap_fails(r[1], NP * PAGE, NP * PAGE + PAGE - 1,
				     r[2], VMXFER_REMAP_FIXED), EINVAL);
	test_snap_same(&s, "remap with an unaligned new_len");
	test_snap_end(&s);

	munmap(huge, 2UL << 20);
	test_sh("echo 0 > /proc/sys/vm/nr_hugepages");
	regions_free(res, 3);
}

/*
 * A sealed source (mseal(2), 6.10+: 6.12 and 7.2 here): EPERM, as
 * mremap(2) says, nothing changed.  The sealed mapping cannot be unmapped: it stays, in its own
 * reservation, until the program exits.
 */
static void test_remap_eperm_sealed(void **state)
{
	struct test_snap s;
	char *r[2], *res;

	(void)state;
	res = regions(r, 2, "sd");
	if (syscall(__NR_mseal, r[0], NP * PAGE, 0)) {
		assert_int_equal(errno, ENOSYS);
		regions_free(res, 2);
		test_absent_on_line(610, "mseal(2)");
	}
	test_snap_begin(&s, 0);
	test_snap_range(&s, 0, r[0], NP * PAGE);
	test_snap_range(&s, 0, r[1], NP * PAGE);
	test_snap_take(&s);
	assert_int_equal(remap_fails(r[0], NP * PAGE, NP * PAGE, NULL, 0), EPERM);
	assert_int_equal(remap_fails(r[0], PAGE, 2 * PAGE, NULL, 0), EPERM);
	assert_int_equal(remap_fails(r[0], NP * PAGE, NP * PAGE, r[1],
				     VMXFER_REMAP_FIXED), EPERM);
	test_snap_same(&s, "remap of a sealed source");
	test_snap_end(&s);
	munmap(r[1], NP * PAGE);
}

/* --- splice: an iovec length overflow (EINVAL) -------------------------- */

static void test_splice_einval_iovec(void **state)
{
	struct target t;
	struct iovec iov[2];
	int p[2];

	(void)state;
	target_start(&t, NP * PAGE, 0);
	assert_int_equal(pipe(p), 0);
	/* A length that does not fit ssize_t, first or second. */
	iov[0].iov_base = t.base;
	iov[0].iov_len = (size_t)1 << 63;
	iov[1] = iov[0];
	assert_int_equal(vmxfer_splice(vfd, t.pidfd, p[1], iov, 1, 0), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(test_pipe_bytes(p[0]), 0);
	iov[0].iov_len = PAGE;
	assert_int_equal(vmxfer_splice(vfd, t.pidfd, p[1], iov, 2, 0), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(test_pipe_bytes(p[0]), 0);
	iov[1].iov_len = ~(size_t)0;
	assert_int_equal(vmxfer_splice(vfd, t.pidfd, p[1], iov, 2,
				       VMXFER_SPLICE_NONBLOCK), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(test_pipe_bytes(p[0]), 0);
	/* The largest that fits is fine: a short splice of what is mapped. */
	iov[1].iov_len = ((size_t)1 << 63) - 1 - PAGE;
	assert_int_equal(vmxfer_splice(vfd, t.pidfd, p[1], iov, 1, 0), PAGE);
	assert_int_equal(test_pipe_bytes(p[0]), PAGE);
	close(p[0]);
	close(p[1]);
	target_stop(&t);
}

/* --- limits before a FIXED destination is unmapped (ENOMEM) --------------- */

/* Mappings of the caller as the kernel counts them (no [vsyscall]). */
static long map_count(const struct test_snap *s)
{
	long n = 0;

	for (const char *p = s->maps, *nl; (nl = strchr(p, '\n')); p = nl + 1) {
		const char *v = strstr(p, "[vsyscall]");

		n += !(v && v < nl);
	}
	return n;
}

/*
 * The destination is an existing mapping of the same size as the new one,
 * so unmapping it first would make room for the new one under every
 * limit: the limits must be checked before, and leave it intact.
 * remap: vm.max_map_count, RLIMIT_AS, commit charge; clone:
 * vm.max_map_count (its other limits may fail after the unmap, as
 * documented).
 */
static void test_fixed_limits(void **state)
{
	const char *mmc = "/proc/sys/vm/max_map_count";
	const char *ocm = "/proc/sys/vm/overcommit_memory";
	const char *ocr = "/proc/sys/vm/overcommit_ratio";
	long old_max = sysctl_read(mmc), mode = sysctl_read(ocm);
	long ratio = sysctl_read(ocr), n;
	struct rlimit rl0, rl;
	struct test_snap s;
	struct target t;
	char *r[2], *res, *big;
	void *ret;
	int err;

	(void)state;
	target_start(&t, NP * PAGE, 0);
	res = regions(r, 2, "sd");	/* r[0] the source, r[1] the destination */
	/* a 1 GiB destination, not charged (NORESERVE), for the commit case */
	big = mmap(NULL, 1UL << 30, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	assert_ptr_not_equal(big, MAP_FAILED);
	memset(big, 'b', NP * PAGE);
	assert_int_equal(getrlimit(RLIMIT_AS, &rl0), 0);
	test_snap_begin(&s, t.pid);
	test_snap_range(&s, 0, r[0], NP * PAGE);
	test_snap_range(&s, 0, r[1], NP * PAGE);
	test_snap_range(&s, 0, big, NP * PAGE);
	test_snap_range(&s, t.pid, t.base, NP * PAGE);
	test_snap_take(&s);
	n = map_count(&s);

	/* remap needs room for 3 more (a split each side, the new one) */
	sysctl_write(mmc, n + 3);
	ret = vmxfer_remap(vfd, r[0], NP * PAGE, NP * PAGE, r[1],
			   VMXFER_REMAP_FIXED);
	err = errno;
	sysctl_write(mmc, old_max);
	assert_ptr_equal(ret, MAP_FAILED);
	assert_int_equal(err, ENOMEM);
	test_snap_same(&s, "remap FIXED over a mapping, max_map_count");

	/* clone needs room for the new one and a split of the destination */
	sysctl_write(mmc, n + 1);
	ret = vmxfer_clone(vfd, t.pidfd, t.base, NP * PAGE, r[1],
			   VMXFER_CLONE_FIXED);
	err = errno;
	sysctl_write(mmc, old_max);
	assert_ptr_equal(ret, MAP_FAILED);
	assert_int_equal(err, ENOMEM);
	test_snap_same(&s, "clone FIXED over a mapping, max_map_count");

	/* RLIMIT_AS exactly the current size: only unmapping first fits */
	rl = rl0;
	rl.rlim_cur = (rlim_t)s.vmsize << 10;
	assert_int_equal(setrlimit(RLIMIT_AS, &rl), 0);
	ret = vmxfer_remap(vfd, r[0], NP * PAGE, NP * PAGE, r[1],
			   VMXFER_REMAP_FIXED);
	err = errno;
	assert_int_equal(setrlimit(RLIMIT_AS, &rl0), 0);
	assert_ptr_equal(ret, MAP_FAILED);
	assert_int_equal(err, ENOMEM);
	test_snap_same(&s, "remap FIXED over a mapping, RLIMIT_AS");

	/* commit charge: strict overcommit, CommitLimit = swap only */
	sysctl_write(ocr, 0);
	sysctl_write(ocm, 2);
	ret = vmxfer_remap(vfd, r[0], NP * PAGE, 1UL << 30, big,
			   VMXFER_REMAP_FIXED);
	err = errno;
	sysctl_write(ocm, mode);
	sysctl_write(ocr, ratio);
	if (ret != MAP_FAILED)
		fail_msg("a 1 GiB remap under strict overcommit succeeded");
	assert_int_equal(err, ENOMEM);
	test_snap_same(&s, "remap FIXED over a mapping, commit charge");
	test_snap_end(&s);
	munmap(big, 1UL << 30);

	/* With the limits back, both work there. */
	ret = vmxfer_remap(vfd, r[0], NP * PAGE, NP * PAGE, r[1],
			   VMXFER_REMAP_FIXED);
	assert_ptr_equal(ret, r[1]);
	assert_int_equal(r[1][0], 's');
	ret = vmxfer_clone(vfd, t.pidfd, t.base, NP * PAGE, r[1],
			   VMXFER_CLONE_FIXED);
	assert_ptr_equal(ret, r[1]);
	assert_int_equal((unsigned char)r[1][1], tgt_pattern(1));
	regions_free(res, 2);
	target_stop(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size_small),
		cmocka_unit_test(test_e2big),
		cmocka_unit_test(test_efault_struct),
		cmocka_unit_test(test_clone_einval_kinds),
		cmocka_unit_test(test_clone_etxtbsy_swap),
		cmocka_unit_test(test_clone_ebusy_ksm),
		cmocka_unit_test(test_remap_einval_kinds),
		cmocka_unit_test(test_remap_eperm_sealed),
		cmocka_unit_test(test_splice_einval_iovec),
		cmocka_unit_test(test_fixed_limits),
	};

	test_filter_from_env();
	return cmocka_run_group_tests_name("errno", tests, setup, teardown);
}
