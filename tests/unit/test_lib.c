// SPDX-License-Identifier: GPL-2.0-only
/*
 * libvmxfer unit tests.  The kernel is seamed away at link time: this
 * program is linked with -Wl,--wrap=open,--wrap=ioctl,--wrap=syscall, so
 * the library's calls land in the __wrap_* fakes below, which record the
 * request and play back a scripted result.  The public API is untouched.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <cmocka.h>

#include <vmxfer.h>

/* ---- fakes ---------------------------------------------------------------- */

int __real_open(const char *path, int flags, ...);
long __real_syscall(long nr, ...);

static struct {
	int calls;
	char path[256];
	int flags;
	int ret;		/* returned when no passthrough */
	int err;		/* errno set when ret < 0 */
	const char *redirect;	/* if set: really open this path instead */
} fo;

int __wrap_open(const char *path, int flags, ...);
int __wrap_open(const char *path, int flags, ...)
{
	fo.calls++;
	snprintf(fo.path, sizeof(fo.path), "%s", path);
	fo.flags = flags;
	if (fo.redirect)
		return __real_open(fo.redirect, flags);
	if (fo.ret < 0)
		errno = fo.err;
	return fo.ret;
}

static struct {
	int calls;
	int fd;
	unsigned long req;
	unsigned char in[256];	/* copy of the argument as passed */
	int ret;
	int err;
	void (*fill)(void *arg);	/* the "module" writing outputs */
} fi;

int __wrap_ioctl(int fd, unsigned long req, ...);
int __wrap_ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	fi.calls++;
	fi.fd = fd;
	fi.req = req;
	memcpy(fi.in, arg, _IOC_SIZE(req) < sizeof(fi.in) ? _IOC_SIZE(req) : sizeof(fi.in));
	if (fi.ret < 0) {
		errno = fi.err;
		return fi.ret;
	}
	if (fi.fill)
		fi.fill(arg);
	return fi.ret;
}

static struct {
	int calls;
	int passthrough;
	long nr, a1, a2;
	long ret;
	int err;
} fs;

long __wrap_syscall(long nr, ...);
long __wrap_syscall(long nr, ...)
{
	va_list ap;

	va_start(ap, nr);
	fs.a1 = va_arg(ap, long);
	fs.a2 = (long)va_arg(ap, unsigned int);
	va_end(ap);
	fs.calls++;
	fs.nr = nr;
	if (fs.passthrough)
		return __real_syscall(nr, fs.a1, (unsigned int)fs.a2);
	if (fs.ret < 0)
		errno = fs.err;
	return fs.ret;
}

static int reset(void **state)
{
	(void)state;
	memset(&fo, 0, sizeof(fo));
	memset(&fi, 0, sizeof(fi));
	memset(&fs, 0, sizeof(fs));
	errno = 0;
	return 0;
}

static int all_zero(const void *p, size_t from, size_t to)
{
	const unsigned char *c = p;

	for (; from < to; from++)
		if (c[from])
			return 0;
	return 1;
}

/* ---- vmxfer_open ------------------------------------------------------------ */

static void test_open_ok(void **state)
{
	(void)state;
	fo.ret = 7;
	assert_int_equal(vmxfer_open(), 7);
	assert_int_equal(fo.calls, 1);
	assert_string_equal(fo.path, VMXFER_DEVICE_PATH);
	assert_int_equal(fo.flags, O_RDWR | O_CLOEXEC);
}

static void test_open_missing_device(void **state)
{
	(void)state;
	/* A real open(2) of a path that does not exist. */
	fo.redirect = "/nonexistent-vmxfer-unit-test/vmxfer";
	assert_int_equal(vmxfer_open(), -1);
	assert_int_equal(errno, ENOENT);
}

static void test_open_errors(void **state)
{
	static const int errs[] = { ENOENT, EACCES, ENXIO, ENODEV, EMFILE };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		fo.ret = -1;
		fo.err = errs[i];
		errno = 0;
		assert_int_equal(vmxfer_open(), -1);
		assert_int_equal(errno, errs[i]);
	}
}

/* ---- vmxfer_info -------------------------------------------------------------- */

static void fill_info(void *arg)
{
	struct vmxfer_info *info = arg;

	info->abi_version = VMXFER_ABI_VERSION;
	info->nr_symbols = 3;
	info->features = VMXFER_FEAT_CLONE;
	info->op_status[VMXFER_OP_MOVE] = VMXFER_OPST_NOT_IMPLEMENTED;
	strcpy(info->module_version, "0.1.0");
	strcpy(info->kernel_release, "6.1.0-test");
	info->size = VMXFER_INFO_SIZE_VER0;
}

static void test_info_ok(void **state)
{
	struct vmxfer_info info;

	(void)state;
	memset(&info, 0xa5, sizeof(info));	/* garbage must not reach the module */
	fi.fill = fill_info;
	fi.fd = -1;
	assert_int_equal(vmxfer_info(5, &info), 0);
	assert_int_equal(fi.calls, 1);
	assert_int_equal(fi.fd, 5);
	assert_int_equal(fi.req, VMXFER_IOC_INFO);
	assert_int_equal(((struct vmxfer_info *)fi.in)->size, sizeof(struct vmxfer_info));
	assert_int_equal(((struct vmxfer_info *)fi.in)->size, VMXFER_INFO_SIZE_VER0);
	assert_true(all_zero(fi.in, offsetof(struct vmxfer_info, flags),
			     sizeof(struct vmxfer_info)));
	assert_int_equal(info.size, VMXFER_INFO_SIZE_VER0);
	assert_int_equal(info.abi_version, VMXFER_ABI_VERSION);
	assert_int_equal(info.nr_symbols, 3);
	assert_int_equal(info.features, VMXFER_FEAT_CLONE);
	assert_string_equal(info.module_version, "0.1.0");
	assert_string_equal(info.kernel_release, "6.1.0-test");
}

static const int ioctl_errs[] = { EBADF, ENOTTY, EFAULT, EINVAL, E2BIG, ENOENT,
				  EOPNOTSUPP, EPERM, ESRCH, EINTR };
#define NR_IOCTL_ERRS (sizeof(ioctl_errs) / sizeof(ioctl_errs[0]))

static void test_info_errors(void **state)
{
	struct vmxfer_info info;
	size_t i;

	(void)state;
	for (i = 0; i < NR_IOCTL_ERRS; i++) {
		fi.ret = -1;
		fi.err = ioctl_errs[i];
		errno = 0;
		assert_int_equal(vmxfer_info(3, &info), -1);
		assert_int_equal(errno, ioctl_errs[i]);
	}
}

static void test_info_null(void **state)
{
	(void)state;
	assert_int_equal(vmxfer_info(3, NULL), -1);
	assert_int_equal(errno, EFAULT);
	assert_int_equal(fi.calls, 0);
}

static void test_ioctl_failure_without_errno(void **state)
{
	struct vmxfer_info info;

	(void)state;
	fi.ret = -1;
	fi.err = 0;
	assert_int_equal(vmxfer_info(3, &info), -1);
	assert_int_not_equal(errno, 0);
}

/* ---- vmxfer_symbol ------------------------------------------------------------ */

static void fill_symbol(void *arg)
{
	struct vmxfer_symbol *s = arg;

	s->ops = VMXFER_FEAT_MOVE | VMXFER_FEAT_MERGE;
	s->state = VMXFER_SYM_HIDDEN;
	s->kind = VMXFER_SYM_DATA;
	memset(s->name, 'x', sizeof(s->name));	/* unterminated: lib terminates */
}

static void test_symbol_ok(void **state)
{
	struct vmxfer_symbol sym;

	(void)state;
	memset(&sym, 0x5a, sizeof(sym));
	fi.fill = fill_symbol;
	assert_int_equal(vmxfer_symbol(4, 2, &sym), 0);
	assert_int_equal(fi.req, VMXFER_IOC_SYMBOL);
	assert_int_equal(((struct vmxfer_symbol *)fi.in)->size, VMXFER_SYMBOL_SIZE_VER0);
	assert_int_equal(((struct vmxfer_symbol *)fi.in)->index, 2);
	assert_true(all_zero(fi.in, offsetof(struct vmxfer_symbol, ops),
			     sizeof(struct vmxfer_symbol)));
	assert_int_equal(sym.ops, VMXFER_FEAT_MOVE | VMXFER_FEAT_MERGE);
	assert_int_equal(sym.state, VMXFER_SYM_HIDDEN);
	assert_int_equal(sym.kind, VMXFER_SYM_DATA);
	assert_int_equal(strlen(sym.name), sizeof(sym.name) - 1);
}

static void test_symbol_errors(void **state)
{
	struct vmxfer_symbol sym;
	size_t i;

	(void)state;
	for (i = 0; i < NR_IOCTL_ERRS; i++) {
		fi.ret = -1;
		fi.err = ioctl_errs[i];
		errno = 0;
		assert_int_equal(vmxfer_symbol(3, 99, &sym), -1);
		assert_int_equal(errno, ioctl_errs[i]);
	}
	assert_int_equal(vmxfer_symbol(3, 0, NULL), -1);
	assert_int_equal(errno, EFAULT);
}

/* ---- vmxfer_clone --------------------------------------------------------------- */

static void fill_clone(void *arg)
{
	((struct vmxfer_clone *)arg)->dst = 0x7f0000000000ULL >> (64 - 8 * sizeof(void *));
}

static void test_clone_ok(void **state)
{
	const struct vmxfer_clone *in = (const struct vmxfer_clone *)fi.in;
	void *p;

	(void)state;
	fi.fill = fill_clone;
	p = vmxfer_clone(3, 9, (void *)0x10000, 8192, (void *)0x20000,
			 VMXFER_CLONE_FIXED_NOREPLACE);
	assert_ptr_equal(p, (void *)(uintptr_t)(0x7f0000000000ULL >> (64 - 8 * sizeof(void *))));
	assert_int_equal(fi.req, VMXFER_IOC_CLONE);
	assert_int_equal(in->size, VMXFER_CLONE_SIZE_VER0);
	assert_int_equal(in->flags, VMXFER_CLONE_FIXED_NOREPLACE);
	assert_int_equal(in->pidfd, 9);
	assert_int_equal(in->__reserved, 0);
	assert_int_equal(in->src, 0x10000);
	assert_int_equal(in->len, 8192);
	assert_int_equal(in->dst, 0x20000);
}

static void test_clone_errors(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NR_IOCTL_ERRS; i++) {
		fi.ret = -1;
		fi.err = ioctl_errs[i];
		errno = 0;
		assert_ptr_equal(vmxfer_clone(3, 9, NULL, 4096, NULL, 0), MAP_FAILED);
		assert_int_equal(errno, ioctl_errs[i]);
	}
}

/* ---- vmxfer_remap ---------------------------------------------------------------- */

static void fill_remap(void *arg)
{
	((struct vmxfer_remap *)arg)->new_addr = 0x40000;
}

static void test_remap_ok(void **state)
{
	const struct vmxfer_remap *in = (const struct vmxfer_remap *)fi.in;

	(void)state;
	fi.fill = fill_remap;
	assert_ptr_equal(vmxfer_remap(3, (void *)0x10000, 8192, 16384,
				      (void *)0x20000, VMXFER_REMAP_FIXED),
			 (void *)0x40000);
	assert_int_equal(fi.req, VMXFER_IOC_REMAP);
	assert_int_equal(in->size, VMXFER_REMAP_SIZE_VER0);
	assert_int_equal(in->flags, VMXFER_REMAP_FIXED);
	assert_int_equal(in->old_addr, 0x10000);
	assert_int_equal(in->old_len, 8192);
	assert_int_equal(in->new_len, 16384);
	assert_int_equal(in->new_addr, 0x20000);

	fi.ret = -1;
	fi.err = EFAULT;
	errno = 0;
	assert_ptr_equal(vmxfer_remap(3, NULL, 4096, 4096, NULL, 0), MAP_FAILED);
	assert_int_equal(errno, EFAULT);
}

/* ---- vmxfer_splice --------------------------------------------------------------- */

static void fill_splice(void *arg)
{
	((struct vmxfer_splice *)arg)->spliced = 12288;
}

static void test_splice_ok(void **state)
{
	const struct vmxfer_splice *in = (const struct vmxfer_splice *)fi.in;
	struct iovec iov[2] = { { (void *)0x1000, 4096 }, { (void *)0x3000, 8192 } };

	(void)state;
	fi.fill = fill_splice;
	assert_int_equal(vmxfer_splice(3, 8, 11, iov, 2, VMXFER_SPLICE_NONBLOCK), 12288);
	assert_int_equal(fi.req, VMXFER_IOC_SPLICE);
	assert_int_equal(in->size, VMXFER_SPLICE_SIZE_VER0);
	assert_int_equal(in->flags, VMXFER_SPLICE_NONBLOCK);
	assert_int_equal(in->pidfd, 8);
	assert_int_equal(in->pipe_fd, 11);
	assert_int_equal(in->iov, (uintptr_t)iov);
	assert_int_equal(in->nr_segs, 2);
	assert_int_equal(in->spliced, 0);
}

static void test_splice_errors(void **state)
{
	struct iovec iov = { NULL, 0 };
	size_t i;

	(void)state;
	for (i = 0; i < NR_IOCTL_ERRS; i++) {
		fi.ret = -1;
		fi.err = ioctl_errs[i];
		errno = 0;
		assert_int_equal(vmxfer_splice(3, 8, 11, &iov, 1, 0), -1);
		assert_int_equal(errno, ioctl_errs[i]);
	}
}

/* ---- vmxfer_pidfd_open ----------------------------------------------------------- */

static void test_pidfd_fake(void **state)
{
	(void)state;
	fs.ret = 12;
	assert_int_equal(vmxfer_pidfd_open(1234), 12);
	assert_int_equal(fs.nr, SYS_pidfd_open);
	assert_int_equal(fs.a1, 1234);
	assert_int_equal(fs.a2, 0);

	fs.ret = -1;
	fs.err = ESRCH;
	assert_int_equal(vmxfer_pidfd_open(1234), -1);
	assert_int_equal(errno, ESRCH);

	fs.calls = 0;
	assert_int_equal(vmxfer_pidfd_open(0), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(vmxfer_pidfd_open(-5), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(fs.calls, 0);
}

static void test_pidfd_real(void **state)
{
	int fd;

	(void)state;
	fs.passthrough = 1;
	fd = vmxfer_pidfd_open(getpid());
	if (fd < 0 && errno == ENOSYS)
		skip();
	assert_true(fd >= 0);
	assert_int_equal(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	close(fd);
}

/* ---- vmxfer_op_name ---------------------------------------------------------------- */

static void test_op_name(void **state)
{
	(void)state;
	assert_string_equal(vmxfer_op_name(VMXFER_OP_CLONE), "clone");
	assert_string_equal(vmxfer_op_name(VMXFER_OP_MOVE), "move");
	assert_string_equal(vmxfer_op_name(VMXFER_OP_REMAP), "remap");
	assert_string_equal(vmxfer_op_name(VMXFER_OP_SPLICE), "splice");
	assert_string_equal(vmxfer_op_name(VMXFER_OP_MERGE), "merge");
	errno = 0;
	assert_null(vmxfer_op_name(VMXFER_OP_COUNT));
	assert_int_equal(errno, EINVAL);
	assert_null(vmxfer_op_name(7));
	assert_null(vmxfer_op_name(UINT_MAX));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_open_ok, reset),
		cmocka_unit_test_setup(test_open_missing_device, reset),
		cmocka_unit_test_setup(test_open_errors, reset),
		cmocka_unit_test_setup(test_info_ok, reset),
		cmocka_unit_test_setup(test_info_errors, reset),
		cmocka_unit_test_setup(test_info_null, reset),
		cmocka_unit_test_setup(test_ioctl_failure_without_errno, reset),
		cmocka_unit_test_setup(test_symbol_ok, reset),
		cmocka_unit_test_setup(test_symbol_errors, reset),
		cmocka_unit_test_setup(test_clone_ok, reset),
		cmocka_unit_test_setup(test_clone_errors, reset),
		cmocka_unit_test_setup(test_remap_ok, reset),
		cmocka_unit_test_setup(test_splice_ok, reset),
		cmocka_unit_test_setup(test_splice_errors, reset),
		cmocka_unit_test_setup(test_pidfd_fake, reset),
		cmocka_unit_test_setup(test_pidfd_real, reset),
		cmocka_unit_test_setup(test_op_name, reset),
	};

	/* The module's path only: test_native covers the native fallback. */
	setenv("VMXFER_NO_FALLBACK", "1", 1);
	return cmocka_run_group_tests_name("libvmxfer", tests, NULL, NULL);
}
