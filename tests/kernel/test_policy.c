// SPDX-License-Identifier: GPL-2.0
/*
 * The caller's own policy and limits, for every mapping vmxfer creates in
 * it: ptrace rights give a target's data, never a mapping mmap(2) would
 * refuse the caller.  Memory-deny-write-execute, noexec mounts, memfd write
 * seals, vm.mmap_min_addr (hints rounded up, fixed addresses refused),
 * fixed destinations beyond the address space, the map count with a
 * splitting FIXED destination, a result struct that cannot be written, a
 * huge sparse source, and a caller with very many mappings.
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
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "common.h"

#define PAGE 4096UL

#ifndef PR_SET_MDWE
#define PR_SET_MDWE			65
#define PR_MDWE_REFUSE_EXEC_GAIN	(1UL << 0)
#endif
#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE		0x0010
#endif

static int vfd = -1;

/* Targets still running, killed by the group teardown if a test failed. */
static pid_t live[8];

static int setup(void **state)
{
	(void)state;
	struct vmxfer_info info;

	vfd = test_open_for(VMXFER_FEAT_CLONE);
	if (vfd < 0 || vmxfer_info(vfd, &info))
		return 1;
	return !(info.features & VMXFER_FEAT_REMAP);
}

static int teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(live) / sizeof(live[0]); i++)
		if (live[i] > 0) {
			kill(live[i], SIGKILL);
			waitpid(live[i], NULL, 0);
		}
	close(vfd);
	return 0;
}

static void live_set(pid_t old, pid_t new)
{
	for (size_t i = 0; i < sizeof(live) / sizeof(live[0]); i++)
		if (live[i] == old) {
			live[i] = new;
			return;
		}
}

/*
 * A target: a child that runs @prep (which maps what the test needs and
 * stores addresses in the shared page), then waits to be killed.
 */
struct ptarget {
	pid_t pid;
	int pidfd;
	unsigned long *addr;	/* shared with the child: what it mapped */
};

/* 0, or -1 (without cmocka asserts: also used in children). */
static int ptarget_try(struct ptarget *t, void (*prep)(unsigned long *))
{
	int go[2];
	char c;

	t->addr = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (t->addr == MAP_FAILED || pipe(go))
		return -1;
	t->pid = fork();
	if (t->pid < 0)
		return -1;
	if (!t->pid) {
		/* Not holding /dev/vmxfer: a leftover must not pin the module. */
		close(vfd);
		close(go[0]);
		prep(t->addr);
		if (write(go[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	live_set(0, t->pid);
	close(go[1]);
	if (read(go[0], &c, 1) != 1)
		return -1;
	close(go[0]);
	t->pidfd = syscall(SYS_pidfd_open, t->pid, 0);
	return t->pidfd >= 0 ? 0 : -1;
}

static void ptarget_start(struct ptarget *t, void (*prep)(unsigned long *))
{
	assert_int_equal(ptarget_try(t, prep), 0);
}

static void ptarget_stop(struct ptarget *t)
{
	kill(t->pid, SIGKILL);
	waitpid(t->pid, NULL, 0);
	live_set(t->pid, 0);
	close(t->pidfd);
	munmap(t->addr, PAGE);
}

/* Run @fn in a child (same credentials); its exit status, or -1. */
static int in_child(int (*fn)(void *), void *arg)
{
	pid_t pid = fork();
	int st;

	assert_true(pid >= 0);
	if (!pid)
		_exit(fn(arg));
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/*
 * errno of a clone of @len bytes at @src of @t (0: it worked, unmapped);
 * a refusal must leave the caller's address space as it was (VmSize),
 * else 999, which no caller expects.
 */
static int clone_errno(struct ptarget *t, unsigned long src, size_t len,
		       void **out)
{
	long before = proc_kb(getpid(), "status", "VmSize");
	void *p = vmxfer_clone(vfd, t->pidfd, (void *)src, len, NULL, 0);
	int err = errno;

	if (p == MAP_FAILED)
		return proc_kb(getpid(), "status", "VmSize") == before ? err : 999;
	if (out)
		*out = p;
	else
		munmap(p, len);
	return 0;
}

#define CHECK(cond, code) do { if (!(cond)) { \
	fprintf(stderr, "# %s:%d: %s failed (errno %d)\n", __FILE__, __LINE__, \
		#cond, errno); return (code); } } while (0)

/* --- memory-deny-write-execute ----------------------------------------- */

static void prep_wx(unsigned long *a)
{
	char *rwx = mmap(NULL, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *rx = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *rw = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (rwx == MAP_FAILED || rx == MAP_FAILED || rw == MAP_FAILED)
		_exit(2);
	memset(rwx, 0xc3, PAGE);	/* ret */
	memset(rx, 0xc3, PAGE);
	memset(rw, 0x5a, PAGE);
	if (mprotect(rx, PAGE, PROT_READ | PROT_EXEC))
		_exit(2);
	a[0] = (unsigned long)rwx;
	a[1] = (unsigned long)rx;
	a[2] = (unsigned long)rw;
}

static int mdwe_caller(void *arg)
{
	struct ptarget *t = arg;
	void *p = NULL;

	if (prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0L, 0L, 0L))
		return 100;
	/* What mmap(2) says to the same mappings. */
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p == MAP_FAILED && errno == EACCES, 10);
	p = mmap(NULL, PAGE, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	CHECK(p != MAP_FAILED, 11);
	munmap(p, PAGE);
	/* The target's W+X page: refused, with mmap's errno. */
	CHECK(clone_errno(t, t->addr[0], PAGE, NULL) == EACCES, 12);
	/* R+X: allowed, as mmap allows it; never writable afterwards. */
	CHECK(clone_errno(t, t->addr[1], PAGE, &p) == 0, 13);
	CHECK(((unsigned char *)p)[0] == 0xc3, 14);
	CHECK(mprotect(p, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC) &&
	      errno == EACCES, 15);
	munmap(p, PAGE);
	/* R+W: allowed, never executable afterwards. */
	CHECK(clone_errno(t, t->addr[2], PAGE, &p) == 0, 16);
	CHECK(mprotect(p, PAGE, PROT_READ | PROT_EXEC) && errno == EACCES, 17);
	munmap(p, PAGE);
	/* A range holding the W+X page with others: refused whole. */
	return 0;
}

static void test_mdwe(void **state)
{
	struct ptarget t;
	int st;

	(void)state;
	ptarget_start(&t, prep_wx);
	st = in_child(mdwe_caller, &t);
	ptarget_stop(&t);
	if (st == 100)
		test_absent_on_line(603, "PR_SET_MDWE");
	assert_int_equal(st, 0);
}

/* Without MDWE the same W+X clone works: the refusal is the policy's. */
static void test_mdwe_off(void **state)
{
	struct ptarget t;
	void *p = NULL;

	(void)state;
	ptarget_start(&t, prep_wx);
	assert_int_equal(clone_errno(&t, t.addr[0], PAGE, &p), 0);
	assert_int_equal(((unsigned char *)p)[0], 0xc3);
	munmap(p, PAGE);
	ptarget_stop(&t);
}

/* --- noexec mounts -------------------------------------------------------- */

#define NOEXEC_DIR "/tmp/vmxfer-noexec"

/* The file prep_file_exec() maps, executable and read-only. */
static const char *code_path = NOEXEC_DIR "/code";

/* A page of "ret" in a new file at @path. */
static void make_code(const char *path)
{
	char buf[PAGE];
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0755);

	assert_true(fd >= 0);
	memset(buf, 0xc3, sizeof(buf));
	assert_int_equal(write(fd, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	close(fd);
}

static void prep_file_exec(unsigned long *a)
{
	int fd = open(code_path, O_RDONLY);
	void *x, *r;

	if (fd < 0)
		_exit(2);
	x = mmap(NULL, PAGE, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	r = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
	if (x == MAP_FAILED || r == MAP_FAILED)
		_exit(2);
	a[0] = (unsigned long)x;
	a[1] = (unsigned long)r;
	a[2] = fd;
}

static void test_noexec(void **state)
{
	struct ptarget t;
	void *p = NULL;
	int fd;

	(void)state;
	mkdir(NOEXEC_DIR, 0755);
	assert_int_equal(mount("tmpfs", NOEXEC_DIR, "tmpfs", 0, "size=1m"), 0);
	code_path = NOEXEC_DIR "/code";
	make_code(code_path);
	/* Mapped executable while the mount allowed it... */
	ptarget_start(&t, prep_file_exec);
	assert_int_equal(clone_errno(&t, t.addr[0], PAGE, NULL), 0);
	/* ...then the mount turns noexec: as mmap(2) now refuses PROT_EXEC. */
	assert_int_equal(mount(NULL, NOEXEC_DIR, NULL,
			       MS_REMOUNT | MS_NOEXEC, "size=1m"), 0);
	fd = open(NOEXEC_DIR "/code", O_RDONLY);
	assert_true(fd >= 0);
	p = mmap(NULL, PAGE, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	assert_true(p == MAP_FAILED && errno == EPERM);
	assert_int_equal(clone_errno(&t, t.addr[0], PAGE, NULL), EPERM);
	/* Read-only: cloned, but can never become executable. */
	assert_int_equal(clone_errno(&t, t.addr[1], PAGE, &p), 0);
	assert_int_equal(((unsigned char *)p)[0], 0xc3);
	assert_int_not_equal(mprotect(p, PAGE, PROT_READ | PROT_EXEC), 0);
	assert_int_equal(errno, EACCES);
	munmap(p, PAGE);
	close(fd);
	ptarget_stop(&t);
	assert_int_equal(umount(NOEXEC_DIR), 0);
}

/* --- an LSM: AppArmor's mmap permission ----------------------------- */

/* The compiled profile (tests/kernel/aa-nomap.profile), built in. */
__asm__(".pushsection .rodata\n"
	".global vmxfer_aa_prof\nvmxfer_aa_prof:\n"
	".incbin \"" AA_PROFILE_BIN "\"\n"
	".global vmxfer_aa_prof_end\nvmxfer_aa_prof_end:\n"
	".popsection\n");
extern const char vmxfer_aa_prof[], vmxfer_aa_prof_end[];

#define AA_DIR "/tmp/vmxfer-aa"

/* Load the profile: 1 if it is in force, 0 (said why) if it cannot be. */
static int aa_load(void)
{
	size_t len = vmxfer_aa_prof_end - vmxfer_aa_prof;
	int fd;

	if (!len) {
		printf("# no compiled AppArmor profile (no apparmor_parser when built)\n");
		return 0;
	}
	if (access("/sys/kernel/security/apparmor", F_OK))
		mount("securityfs", "/sys/kernel/security", "securityfs", 0, NULL);
	fd = open("/sys/kernel/security/apparmor/.replace", O_WRONLY);
	if (fd < 0) {
		printf("# AppArmor is not enabled in this kernel: %s\n",
		       strerror(errno));
		return 0;
	}
	assert_int_equal(write(fd, vmxfer_aa_prof, len), (ssize_t)len);
	close(fd);
	return 1;
}

/* Confine the calling process in @profile (unconfined may change at will). */
static int aa_enter(const char *profile)
{
	static const char *const attr[] = {
		"/proc/self/attr/apparmor/current", "/proc/self/attr/current",
	};
	char cmd[64];
	int len = snprintf(cmd, sizeof(cmd), "changeprofile %s", profile);

	for (size_t i = 0; i < sizeof(attr) / sizeof(attr[0]); i++) {
		int fd = open(attr[i], O_WRONLY);
		ssize_t n;

		if (fd < 0)
			continue;
		n = write(fd, cmd, len);
		close(fd);
		if (n == len)
			return 0;
	}
	return -1;
}

/* The target maps the file under a profile allowing it. */
static void prep_aa_target(unsigned long *a)
{
	if (aa_enter("vmxfer_test_all"))
		_exit(4);
	prep_file_exec(a);
}

static int aa_caller(void *arg)
{
	struct ptarget *t = arg;
	void *p;
	int fd;

	CHECK(!aa_enter("vmxfer_test_nomap"), 40);
	fd = open(AA_DIR "/code", O_RDONLY);
	CHECK(fd >= 0, 41);
	/* The profile in force: the caller may not map the file executable. */
	p = mmap(NULL, PAGE, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	CHECK(p == MAP_FAILED && errno == EACCES, 42);
	p = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(p != MAP_FAILED, 43);
	munmap(p, PAGE);
	close(fd);
	/* Nor may it get the target's executable mapping of it. */
	CHECK(clone_errno(t, t->addr[0], PAGE, NULL) == EACCES, 44);
	/* The read-only one: the data, as mmap(PROT_READ) would give it. */
	CHECK(clone_errno(t, t->addr[1], PAGE, &p) == 0, 45);
	CHECK(((unsigned char *)p)[0] == 0xc3, 46);
	munmap(p, PAGE);
	return 0;
}

static void test_lsm_apparmor(void **state)
{
	struct ptarget t;

	(void)state;
	if (!aa_load())
		skip();
	mkdir(AA_DIR, 0755);
	code_path = AA_DIR "/code";
	make_code(code_path);
	ptarget_start(&t, prep_aa_target);
	assert_int_equal(in_child(aa_caller, &t), 0);
	ptarget_stop(&t);
}

/* --- memfd write seals ---------------------------------------------------- */

static void prep_sealed(unsigned long *a)
{
	int fd = syscall(SYS_memfd_create, "vmxfer-seal", MFD_ALLOW_SEALING);
	char *w, *r;

	if (fd < 0 || ftruncate(fd, PAGE))
		_exit(2);
	w = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	r = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	if (w == MAP_FAILED || r == MAP_FAILED)
		_exit(2);
	w[0] = 0x77;
	/* Allowed with writable mappings: it stops new ones. */
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE))
		_exit(3);
	a[0] = (unsigned long)w;
	a[1] = (unsigned long)r;
}

static void test_memfd_seal(void **state)
{
	struct ptarget t;
	void *p = NULL;

	(void)state;
	ptarget_start(&t, prep_sealed);
	/* A new shared writable mapping of a sealed memfd: EPERM, as mmap. */
	assert_int_equal(clone_errno(&t, t.addr[0], PAGE, NULL), EPERM);
	/* Shared read-only: cloned, the same data, never writable. */
	assert_int_equal(clone_errno(&t, t.addr[1], PAGE, &p), 0);
	assert_int_equal(((unsigned char *)p)[0], 0x77);
	assert_int_not_equal(mprotect(p, PAGE, PROT_READ | PROT_WRITE), 0);
	assert_int_equal(errno, EACCES);
	munmap(p, PAGE);
	ptarget_stop(&t);
}

/* --- vm.mmap_min_addr --------------------------------------------------- */

static unsigned long min_addr(void)
{
	unsigned long v = 0;
	FILE *f = fopen("/proc/sys/vm/mmap_min_addr", "r");

	assert_non_null(f);
	assert_int_equal(fscanf(f, "%lu", &v), 1);
	fclose(f);
	return v;
}

static void prep_anon(unsigned long *a)
{
	char *p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		_exit(2);
	memset(p, 0x3c, 4 * PAGE);
	a[0] = (unsigned long)p;
}

struct minaddr_case {
	struct ptarget *t;
	unsigned long min;
};

/*
 * A hint below vm.mmap_min_addr is a hint: rounded up, as mmap(2) rounds
 * it, for root and users alike.  A fixed address there: EPERM without
 * CAP_SYS_RAWIO, as mmap(MAP_FIXED).
 */
static int minaddr_caller(void *arg)
{
	struct minaddr_case *m = arg;
	int vfd2 = vmxfer_open();
	char *p, *q;
	void *r;

	CHECK(vfd2 >= 0, 20);
	p = vmxfer_clone(vfd2, m->t->pidfd, (void *)m->t->addr[0], PAGE,
			 (void *)1, 0);
	CHECK(p != MAP_FAILED && (unsigned long)p >= m->min, 21);
	CHECK(p[0] == 0x3c, 22);
	munmap(p, PAGE);
	q = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(q != MAP_FAILED, 23);
	q[0] = 0x42;
	r = vmxfer_remap(vfd2, q, PAGE, PAGE, (void *)1, 0);
	CHECK(r != MAP_FAILED && (unsigned long)r >= m->min, 24);
	CHECK(((char *)r)[0] == 0x42, 25);
	munmap(r, PAGE);
	if (getuid()) {
		/* The page just below it (Debian: 65536; defconfig: 4096). */
		void *low = (void *)((m->min - 1) & ~(PAGE - 1));

		r = mmap(low, PAGE, PROT_READ, MAP_PRIVATE |
			 MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		CHECK(r == MAP_FAILED && errno == EPERM, 26);
		r = vmxfer_clone(vfd2, m->t->pidfd, (void *)m->t->addr[0], PAGE,
				 low, VMXFER_CLONE_FIXED_NOREPLACE);
		CHECK(r == MAP_FAILED && errno == EPERM, 27);
		r = vmxfer_remap(vfd2, q + PAGE, PAGE, PAGE, low,
				 VMXFER_REMAP_FIXED_NOREPLACE);
		CHECK(r == MAP_FAILED && errno == EPERM, 28);
	}
	munmap(q, 2 * PAGE);
	close(vfd2);
	return 0;
}

static int minaddr_as_user(void *arg)
{
	struct minaddr_case m = *(struct minaddr_case *)arg;
	struct ptarget t;
	int ret;

	m.t = &t;
	if (ptarget_try(&t, prep_anon))
		return 30;
	ret = minaddr_caller(&m);
	kill(t.pid, SIGKILL);
	waitpid(t.pid, NULL, 0);
	return ret;
}

static void test_min_addr(void **state)
{
	struct minaddr_case m = { .min = min_addr() };
	struct ptarget t;

	(void)state;
	printf("# vm.mmap_min_addr = %lu\n", m.min);
	assert_true(m.min >= PAGE);
	m.t = &t;
	ptarget_start(&t, prep_anon);
	assert_int_equal(in_child(minaddr_caller, &m), 0);
	ptarget_stop(&t);
	/* The same as a user: the target is its child, as ptrace wants. */
	assert_int_equal(chmod(VMXFER_DEVICE_PATH, 0666), 0);
	assert_int_equal(test_as_user(TEST_UID_OTHER, minaddr_as_user, &m), 0);
	assert_int_equal(chmod(VMXFER_DEVICE_PATH, 0600), 0);
}

/* --- fixed destinations beyond the address space --------------------- */

/*
 * EINVAL for both operations, whatever part lies beyond (beyond 56 bits:
 * the guest CPU may have 5-level paging, and then addresses past 47 bits
 * are valid fixed ones).
 */
static void test_fixed_beyond(void **state)
{
	const unsigned long top = 1UL << 57;
	unsigned long dsts[] = { top - PAGE, top, top + 64 * PAGE, -PAGE };
	struct ptarget t;
	char *q;

	(void)state;
	ptarget_start(&t, prep_anon);
	q = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_ptr_not_equal(q, MAP_FAILED);
	q[0] = 1;
	for (size_t i = 0; i < sizeof(dsts) / sizeof(dsts[0]); i++) {
		assert_ptr_equal(vmxfer_clone(vfd, t.pidfd, (void *)t.addr[0],
					      2 * PAGE, (void *)dsts[i],
					      VMXFER_CLONE_FIXED), MAP_FAILED);
		assert_int_equal(errno, EINVAL);
		assert_ptr_equal(vmxfer_remap(vfd, q, PAGE, 2 * PAGE,
					      (void *)dsts[i],
					      VMXFER_REMAP_FIXED_NOREPLACE),
				 MAP_FAILED);
		assert_int_equal(errno, EINVAL);
	}
	assert_int_equal(q[0], 1);
	munmap(q, 2 * PAGE);
	ptarget_stop(&t);
}

/* --- the map count, when a FIXED destination splits a mapping -------- */

static long map_count(void)
{
	char line[512];
	long n = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		n += !strstr(line, "[vsyscall]");
	fclose(f);
	return n;
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

/*
 * One page cloned FIXED into the middle of a 3-page mapping: the unmap
 * splits it (+1) and the clone adds one (+1).  With room for only one
 * more mapping, ENOMEM before anything changed: the mapping intact.
 */
static void test_map_count_split(void **state)
{
	const char *knob = "/proc/sys/vm/max_map_count";
	struct ptarget t;
	long old_max, n;
	char *q, *p;
	FILE *f;

	(void)state;
	f = fopen(knob, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%ld", &old_max), 1);
	fclose(f);
	ptarget_start(&t, prep_anon);
	q = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_ptr_not_equal(q, MAP_FAILED);
	memset(q, 0x61, 3 * PAGE);
	n = map_count();
	sysctl_write(knob, n + 1);
	p = vmxfer_clone(vfd, t.pidfd, (void *)t.addr[0], PAGE, q + PAGE,
			 VMXFER_CLONE_FIXED);
	sysctl_write(knob, old_max);
	printf("# map count %ld, limit %ld: %s\n", n, n + 1,
	       p == MAP_FAILED ? strerror(errno) : "cloned");
	assert_ptr_equal(p, MAP_FAILED);
	assert_int_equal(errno, ENOMEM);
	for (size_t i = 0; i < 3 * PAGE; i++)
		assert_int_equal(q[i], 0x61);
	/* With room for both, it works. */
	sysctl_write(knob, n + 2);
	p = vmxfer_clone(vfd, t.pidfd, (void *)t.addr[0], PAGE, q + PAGE,
			 VMXFER_CLONE_FIXED);
	sysctl_write(knob, old_max);
	assert_ptr_equal(p, q + PAGE);
	assert_int_equal(p[0], 0x3c);
	munmap(q, 3 * PAGE);
	ptarget_stop(&t);
}

/* --- a result struct that cannot be written --------------------------- */

/* VmSize of the caller, kB. */
static long vm_size(void)
{
	return proc_kb(getpid(), "status", "VmSize");
}

/*
 * The struct straddles a read-only page (its head: size, flags...) and a
 * writable one (its tail: the output address).  EFAULT, and nothing was
 * mapped or moved: no mapping the caller cannot find.
 */
static void test_result_unwritable(void **state)
{
	struct vmxfer_clone c = {
		.size = sizeof(c), .len = PAGE,
	};
	struct vmxfer_remap r = {
		.size = sizeof(r), .old_len = PAGE, .new_len = 2 * PAGE,
	};
	struct ptarget t;
	char *two, *src;
	long before;
	int ret;

	(void)state;
	ptarget_start(&t, prep_anon);
	c.pidfd = t.pidfd;
	c.src = t.addr[0];
	src = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_ptr_not_equal(src, MAP_FAILED);
	memset(src, 0x19, PAGE);
	r.old_addr = (unsigned long)src;
	two = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_ptr_not_equal(two, MAP_FAILED);
	memcpy(two + PAGE - 16, &c, sizeof(c));
	assert_int_equal(mprotect(two, PAGE, PROT_READ), 0);
	before = vm_size();
	ret = ioctl(vfd, VMXFER_IOC_CLONE, two + PAGE - 16);
	assert_int_equal(ret, -1);
	assert_int_equal(errno, EFAULT);
	assert_int_equal(vm_size(), before);

	assert_int_equal(mprotect(two, PAGE, PROT_READ | PROT_WRITE), 0);
	memcpy(two + PAGE - 8, &r, sizeof(r));
	assert_int_equal(mprotect(two, PAGE, PROT_READ), 0);
	ret = ioctl(vfd, VMXFER_IOC_REMAP, two + PAGE - 8);
	assert_int_equal(ret, -1);
	assert_int_equal(errno, EFAULT);
	assert_int_equal(vm_size(), before);
	for (size_t i = 0; i < PAGE; i++)
		assert_int_equal(src[i], 0x19);
	munmap(two, 2 * PAGE);
	munmap(src, PAGE);
	ptarget_stop(&t);
}

/* The argument struct inside the range a FIXED op replaces or moves. */
static void test_struct_in_range(void **state)
{
	struct ptarget t;
	char *q;
	struct vmxfer_clone *c;
	struct vmxfer_remap *r;

	(void)state;
	ptarget_start(&t, prep_anon);
	q = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_ptr_not_equal(q, MAP_FAILED);
	c = (struct vmxfer_clone *)(q + 100);
	*c = (struct vmxfer_clone){ .size = sizeof(*c), .pidfd = t.pidfd,
		.src = t.addr[0], .len = PAGE, .dst = (unsigned long)q,
		.flags = VMXFER_CLONE_FIXED };
	assert_int_equal(ioctl(vfd, VMXFER_IOC_CLONE, c), -1);
	assert_int_equal(errno, EINVAL);
	r = (struct vmxfer_remap *)(q + 2 * PAGE + 64);
	*r = (struct vmxfer_remap){ .size = sizeof(*r),
		.old_addr = (unsigned long)q + 2 * PAGE, .old_len = PAGE,
		.new_len = PAGE };
	assert_int_equal(ioctl(vfd, VMXFER_IOC_REMAP, r), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(r->old_addr, (unsigned long)q + 2 * PAGE);
	munmap(q, 4 * PAGE);
	ptarget_stop(&t);
}

/* --- a huge sparse source -------------------------------------------- */

#define SPARSE_LEN (64UL << 40)	/* 64 TiB */

static void prep_sparse(unsigned long *a)
{
	char *p = mmap(NULL, SPARSE_LEN, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		_exit(2);
	p[0] = 0x11;
	p[SPARSE_LEN / 2 + 5 * PAGE] = 0x22;
	p[SPARSE_LEN - 1] = 0x33;
	a[0] = (unsigned long)p;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * A 64 TiB reservation with three pages touched clones in well under a
 * second of walking (empty upper tables skipped whole), and the kernel
 * log shows no soft lockup (the runner checks it).
 */
static void test_sparse_huge(void **state)
{
	struct ptarget t;
	double t0, dt;
	char *p;

	(void)state;
	ptarget_start(&t, prep_sparse);
	t0 = now();
	p = vmxfer_clone(vfd, t.pidfd, (void *)t.addr[0], SPARSE_LEN, NULL, 0);
	dt = now() - t0;
	printf("# 64 TiB sparse clone: %.3f s\n", dt);
	assert_ptr_not_equal(p, MAP_FAILED);
	assert_int_equal(p[0], 0x11);
	assert_int_equal(p[SPARSE_LEN / 2 + 5 * PAGE], 0x22);
	assert_int_equal(p[SPARSE_LEN - 1], 0x33);
	assert_int_equal(p[SPARSE_LEN / 4], 0);
	assert_int_equal(munmap(p, SPARSE_LEN), 0);
	ptarget_stop(&t);
	assert_true(dt < 1.0);
}

/* --- a caller with very many mappings ---------------------------------- */

#define MANY_CALLER	60000	/* mappings of the caller */
#define MANY_TARGET	2000	/* twice as many in the source range */

/* MANY_TARGET one-page anonymous mappings, each faulted, none merging. */
static void prep_many(unsigned long *a)
{
	size_t len = 2 * MANY_TARGET * PAGE;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		_exit(2);
	for (size_t i = 0; i < 2 * MANY_TARGET; i++) {
		p[i * PAGE] = (char)i;
		if ((i & 1) && mprotect(p + i * PAGE, PAGE, PROT_READ))
			_exit(3);
	}
	a[0] = (unsigned long)p;
	a[1] = len;
}

/*
 * 60,000 mappings in the caller, 4,000 in the source range: the clone's
 * "does the caller share anonymous memory with this mapping" question is
 * asked per source mapping in constant time, so the target's mmap_lock is
 * held for milliseconds of checking, not for caller x source steps.
 */
static void test_many_vmas(void **state)
{
	size_t len = MANY_CALLER * PAGE;
	struct ptarget t;
	double t0, dt;
	char *mine, *p;

	(void)state;
	ptarget_start(&t, prep_many);
	mine = mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_ptr_not_equal(mine, MAP_FAILED);
	for (size_t i = 0; i < MANY_CALLER; i++) {
		mine[i * PAGE] = 1;
		if (i & 1)
			assert_int_equal(mprotect(mine + i * PAGE, PAGE,
						  PROT_READ), 0);
	}
	printf("# caller maps %ld, source range %d mappings\n", map_count(),
	       2 * MANY_TARGET);
	t0 = now();
	p = vmxfer_clone(vfd, t.pidfd, (void *)t.addr[0], t.addr[1], NULL, 0);
	dt = now() - t0;
	printf("# clone: %.3f s\n", dt);
	assert_ptr_not_equal(p, MAP_FAILED);
	for (size_t i = 0; i < 2 * MANY_TARGET; i++)
		assert_int_equal(p[i * PAGE], (char)i);
	assert_int_equal(munmap(p, t.addr[1]), 0);
	assert_int_equal(munmap(mine, len), 0);
	ptarget_stop(&t);
	assert_true(dt < 2.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mdwe),
		cmocka_unit_test(test_mdwe_off),
		cmocka_unit_test(test_noexec),
		cmocka_unit_test(test_lsm_apparmor),
		cmocka_unit_test(test_memfd_seal),
		cmocka_unit_test(test_min_addr),
		cmocka_unit_test(test_fixed_beyond),
		cmocka_unit_test(test_map_count_split),
		cmocka_unit_test(test_result_unwritable),
		cmocka_unit_test(test_struct_in_range),
		cmocka_unit_test(test_sparse_huge),
		cmocka_unit_test(test_many_vmas),
	};

	test_filter_from_env();
	return cmocka_run_group_tests(tests, setup, teardown);
}
