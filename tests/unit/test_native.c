// SPDX-License-Identifier: GPL-2.0-only
/*
 * libvmxfer's native fallback (lib/native.c) on the host's own kernel, for
 * real: no fakes, no module (/dev/vmxfer must be absent: the module is never
 * loaded on the host).  Checks what each call did to the caller's memory:
 * the bytes, the page frames (a move or remap that copied would show new
 * frames; /proc/self/pagemap gives frames to root), and /proc/self/maps
 * (the private userfaultfd of a move must leave no trace).
 * Operations this kernel has no native call for are skipped, by name.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <linux/userfaultfd.h>
#include <cmocka.h>

#include <vmxfer.h>

#define NPAGES	8
static size_t pg;
static int vfd = -1;
static struct vmxfer_info info;

/* ---- helpers ---------------------------------------------------------------- */

static char maps_a[1 << 16], maps_b[1 << 16];

/* /proc/self/maps into buf (no allocation: the snapshot must not move the heap). */
static void read_maps(char *buf, size_t len)
{
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	size_t got = 0;
	ssize_t n;

	assert_true(fd >= 0);
	while ((n = read(fd, buf + got, len - 1 - got)) > 0)
		got += (size_t)n;
	close(fd);
	assert_true(got < len - 1);
	buf[got] = '\0';
}

/* The page frame of addr, 0 when /proc/self/pagemap hides it (not root). */
static uint64_t pfn(const void *addr)
{
	uint64_t e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &e, sizeof(e), (off_t)((uintptr_t)addr / pg * 8)),
			 sizeof(e));
	close(fd);
	return e & (1ULL << 63) ? e & ((1ULL << 55) - 1) : 0;
}

static char *anon(size_t len)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_true(p != MAP_FAILED);
	return p;
}

static void fill(char *p, size_t len, int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (char)(seed + i * 7 + i / pg);
}

static int filled(const char *p, size_t len, int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != (char)(seed + i * 7 + i / pg))
			return 0;
	return 1;
}

static int zeros(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i])
			return 0;
	return 1;
}

static void frames(const char *p, uint64_t *f)
{
	size_t i;

	for (i = 0; i < NPAGES; i++) {
		f[i] = pfn(p + i * pg);
		assert_true(f[i] != 0 || geteuid() != 0);
	}
}

/* Run fn with stderr captured into buf. */
static void with_stderr(char *buf, size_t len, void (*fn)(void))
{
	int pfd[2], saved;
	ssize_t n;

	assert_int_equal(pipe(pfd), 0);
	saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_true(dup2(pfd[1], STDERR_FILENO) >= 0);
	fn();
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	close(pfd[1]);
	n = read(pfd[0], buf, len - 1);
	close(pfd[0]);
	buf[n > 0 ? n : 0] = '\0';
}

static void need(uint64_t feat, const char *what)
{
	if (!(info.features & feat)) {
		print_message("# this kernel has no native %s\n", what);
		skip();
	}
}

/* ---- open, info ----------------------------------------------------------------- */

static void test_open_info(void **state)
{
	struct utsname uts;
	struct vmxfer_symbol sym;
	int maj = 0, min = 0, uffd;

	(void)state;
	assert_int_equal(uname(&uts), 0);
	assert_int_equal(sscanf(uts.release, "%d.%d", &maj, &min), 2);
	assert_true(vfd >= 0);
	assert_true(info.flags & VMXFER_INFO_NATIVE_FALLBACK);
	assert_int_equal(info.abi_version, VMXFER_ABI_VERSION);
	assert_int_equal(info.nr_symbols, 0);
	assert_string_equal(info.module_version, "");
	assert_string_equal(info.kernel_release, uts.release);
	/* What the kernel has, by version (MREMAP_DONTUNMAP 5.7, UFFDIO_MOVE 6.8). */
	assert_int_equal(!!(info.features & VMXFER_FEAT_REMAP), maj > 5 || (maj == 5 && min >= 7));
	/* (unless userfaultfd(2) is refused here, e.g. by a container's seccomp) */
	uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);
	if (uffd >= 0)
		close(uffd);
	else
		print_message("# userfaultfd: %s: no native move expected\n", strerror(errno));
	assert_int_equal(!!(info.features & VMXFER_FEAT_MOVE),
			 uffd >= 0 && (maj > 6 || (maj == 6 && min >= 8)));
	assert_int_equal(info.features & (VMXFER_FEAT_CLONE | VMXFER_FEAT_SPLICE |
					  VMXFER_FEAT_MERGE), 0);
	assert_int_equal(info.op_status[VMXFER_OP_CLONE], VMXFER_OPST_NEEDS_MODULE);
	assert_int_equal(info.op_status[VMXFER_OP_SPLICE], VMXFER_OPST_NEEDS_MODULE);
	assert_int_equal(info.op_status[VMXFER_OP_MOVE],
			 info.features & VMXFER_FEAT_MOVE ? VMXFER_OPST_AVAILABLE
							  : VMXFER_OPST_NEEDS_MODULE);
	assert_int_equal(vmxfer_symbol(vfd, 0, &sym), -1);
	assert_int_equal(errno, ENOENT);
}

static void test_no_fallback_env(void **state)
{
	(void)state;
	assert_int_equal(setenv("VMXFER_NO_FALLBACK", "1", 1), 0);
	errno = 0;
	assert_int_equal(vmxfer_open(), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(unsetenv("VMXFER_NO_FALLBACK"), 0);
}

/* A real descriptor that is not the fallback's still says ENOTTY. */
static void test_other_fd_enotty(void **state)
{
	struct vmxfer_info i2;
	int fd = memfd_create("not-vmxfer", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(vmxfer_info(fd, &i2), -1);
	assert_int_equal(errno, ENOTTY);
	close(fd);
}

/* ---- remap ---------------------------------------------------------------------- */

static void test_remap_same_len(void **state)
{
	size_t len = NPAGES * pg;
	uint64_t before[NPAGES], after[NPAGES];
	char *src = anon(len), *dst;

	(void)state;
	need(VMXFER_FEAT_REMAP, "remap");
	fill(src, len, 3);
	frames(src, before);
	dst = vmxfer_remap(vfd, src, len, len, NULL, 0);
	assert_true(dst != MAP_FAILED);
	assert_true(dst != src);
	assert_true(filled(dst, len, 3));
	frames(dst, after);
	assert_memory_equal(before, after, sizeof(before));	/* moved, not copied */
	assert_true(zeros(src, len));	/* still mapped, fresh */
	munmap(dst, len);
	munmap(src, len);
}

static void test_remap_fixed(void **state)
{
	size_t len = NPAGES * pg;
	char *src = anon(len), *at = anon(len), *dst;

	(void)state;
	need(VMXFER_FEAT_REMAP, "remap");
	fill(src, len, 5);
	fill(at, len, 9);
	dst = vmxfer_remap(vfd, src, len, len, at, VMXFER_REMAP_FIXED);
	assert_ptr_equal(dst, at);
	assert_true(filled(at, len, 5));
	assert_true(zeros(src, len));
	munmap(at, len);
	munmap(src, len);
}

static char msg[1024];
static char *grow_src;
static void *grow_ret;
static int grow_errno;

static void do_grow(void)
{
	grow_ret = vmxfer_remap(vfd, grow_src, NPAGES * pg, 2 * NPAGES * pg, NULL, 0);
	grow_errno = errno;
}

/* Growing has no native equivalent: ENODEV, a message, nothing changed. */
static void test_remap_grow_enodev(void **state)
{
	size_t len = NPAGES * pg;

	(void)state;
	need(VMXFER_FEAT_REMAP, "remap");
	grow_src = anon(len);
	fill(grow_src, len, 11);
	read_maps(maps_a, sizeof(maps_a));
	with_stderr(msg, sizeof(msg), do_grow);
	read_maps(maps_b, sizeof(maps_b));
	assert_ptr_equal(grow_ret, MAP_FAILED);
	assert_int_equal(grow_errno, ENODEV);
	assert_string_equal(maps_a, maps_b);
	assert_true(filled(grow_src, len, 11));
	assert_non_null(strstr(msg, "apt install vmxfer-dkms"));
	assert_non_null(strstr(msg, "remap to a larger size"));
	munmap(grow_src, len);
}

/* ---- move ----------------------------------------------------------------------- */

/*
 * Move NPAGES from src into the middle of a 4*NPAGES mapping: the private
 * userfaultfd's registration splits that mapping for the call; afterwards
 * /proc/self/maps must be exactly as before, src read zeros, dst the data
 * in the very same page frames.
 */
static void test_move(void **state)
{
	size_t len = NPAGES * pg;
	uint64_t before[NPAGES], after[NPAGES];
	char *src = anon(len), *area = anon(4 * len), *dst = area + len;
	ssize_t moved;

	(void)state;
	need(VMXFER_FEAT_MOVE, "move");
	fill(src, len, 21);
	area[0] = 1;	/* area has pages (and an anon_vma) around dst */
	area[4 * len - 1] = 2;
	frames(src, before);
	read_maps(maps_a, sizeof(maps_a));
	moved = vmxfer_move(vfd, dst, src, len, 0);
	read_maps(maps_b, sizeof(maps_b));
	assert_int_equal(moved, (ssize_t)len);
	assert_string_equal(maps_a, maps_b);
	assert_true(filled(dst, len, 21));
	assert_true(zeros(src, len));
	frames(dst, after);
	assert_memory_equal(before, after, sizeof(before));
	assert_int_equal(area[0], 1);
	assert_int_equal(area[4 * len - 1], 2);
	munmap(area, 4 * len);
	munmap(src, len);
}

/* A populated dst page: EEXIST, as the module says; src keeps its data. */
static void test_move_eexist(void **state)
{
	size_t len = NPAGES * pg;
	char *src = anon(len), *dst = anon(len);

	(void)state;
	need(VMXFER_FEAT_MOVE, "move");
	fill(src, len, 31);
	dst[0] = 7;
	read_maps(maps_a, sizeof(maps_a));
	errno = 0;
	assert_int_equal(vmxfer_move(vfd, dst, src, len, 0), -1);
	assert_int_equal(errno, EEXIST);
	read_maps(maps_b, sizeof(maps_b));
	assert_string_equal(maps_a, maps_b);
	assert_true(filled(src, len, 31));
	assert_int_equal(dst[0], 7);
	munmap(dst, len);
	munmap(src, len);
}

/* A src hole: ENOENT, or skipped over with VMXFER_MOVE_ALLOW_SRC_HOLES. */
static void test_move_src_holes(void **state)
{
	size_t len = NPAGES * pg;
	char *src = anon(len), *dst = anon(len);

	(void)state;
	need(VMXFER_FEAT_MOVE, "move");
	src[0] = 5;	/* page 0 populated, the rest holes */
	errno = 0;
	assert_int_equal(vmxfer_move(vfd, dst + pg, src + pg, len - pg, 0), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(vmxfer_move(vfd, dst, src, len, VMXFER_MOVE_ALLOW_SRC_HOLES),
			 (ssize_t)len);
	assert_int_equal(dst[0], 5);
	assert_int_equal(src[0], 0);
	errno = 0;
	assert_int_equal(vmxfer_move(vfd, dst, src, len, 1U << 5), -1);
	assert_int_equal(errno, EINVAL);
	munmap(dst, len);
	munmap(src, len);
}

/* vmxfer_move_uffd: dst is the caller's uffd's; the move goes through it. */
static void test_move_uffd(void **state)
{
	size_t len = NPAGES * pg;
	char *src = anon(len), *dst = anon(len);
	struct uffdio_register reg;
	struct uffdio_api api;
	int uffd;

	(void)state;
	need(VMXFER_FEAT_MOVE, "move");
	uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
	assert_true(uffd >= 0);
	memset(&api, 0, sizeof(api));
	api.api = UFFD_API;
	api.features = 1 << 16;	/* UFFD_FEATURE_MOVE */
	assert_int_equal(ioctl(uffd, UFFDIO_API, &api), 0);
	memset(&reg, 0, sizeof(reg));
	reg.range.start = (uintptr_t)dst;
	reg.range.len = len;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	assert_int_equal(ioctl(uffd, UFFDIO_REGISTER, &reg), 0);
	fill(src, len, 41);
	assert_int_equal(vmxfer_move_uffd(vfd, uffd, dst, src, len, 0), (ssize_t)len);
	assert_true(filled(dst, len, 41));
	assert_true(zeros(src, len));
	close(uffd);
	munmap(dst, len);
	munmap(src, len);
}

/* ---- what needs the module ------------------------------------------------------- */

static void *clone_ret;
static ssize_t splice_ret;
static int op_errno;

static void do_clone_splice(void)
{
	struct iovec iov = { .iov_base = msg, .iov_len = 1 };
	int pfd[2];

	clone_ret = vmxfer_clone(vfd, 0, msg, pg, NULL, 0);
	op_errno = errno;
	if (pipe(pfd) == 0) {
		splice_ret = vmxfer_splice(vfd, 0, pfd[1], &iov, 1, 0);
		if (op_errno == ENODEV)
			op_errno = errno;
		close(pfd[0]);
		close(pfd[1]);
	}
}

static void test_clone_splice_enodev(void **state)
{
	(void)state;
	read_maps(maps_a, sizeof(maps_a));
	with_stderr(msg, sizeof(msg), do_clone_splice);
	read_maps(maps_b, sizeof(maps_b));
	assert_ptr_equal(clone_ret, MAP_FAILED);
	assert_int_equal(splice_ret, -1);
	assert_int_equal(op_errno, ENODEV);
	assert_string_equal(maps_a, maps_b);
	assert_non_null(strstr(msg, "libvmxfer: clone needs the vmxfer kernel module"));
	assert_non_null(strstr(msg, "libvmxfer: splice needs the vmxfer kernel module"));
	assert_non_null(strstr(msg, "apt install vmxfer-dkms"));
}

static int setup(void **state)
{
	(void)state;
	pg = (size_t)sysconf(_SC_PAGESIZE);
	if (access(VMXFER_DEVICE_PATH, F_OK) == 0) {
		print_message("# %s exists: the native fallback is not what answers here\n",
			      VMXFER_DEVICE_PATH);
		return -1;
	}
	vfd = vmxfer_open();
	if (vfd < 0) {
		print_message("# vmxfer_open: %s (no native fallback on this kernel?)\n",
			      strerror(errno));
		return -1;
	}
	return vmxfer_info(vfd, &info) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_info),
		cmocka_unit_test(test_no_fallback_env),
		cmocka_unit_test(test_other_fd_enotty),
		cmocka_unit_test(test_remap_same_len),
		cmocka_unit_test(test_remap_fixed),
		cmocka_unit_test(test_remap_grow_enodev),
		cmocka_unit_test(test_move),
		cmocka_unit_test(test_move_eexist),
		cmocka_unit_test(test_move_src_holes),
		cmocka_unit_test(test_move_uffd),
		cmocka_unit_test(test_clone_splice_enodev),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
