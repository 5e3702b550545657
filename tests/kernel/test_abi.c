// SPDX-License-Identifier: GPL-2.0
/*
 * The /dev/vmxfer ABI rules of include/uapi/linux/vmxfer.h, checked
 * against the loaded module: INFO contents, size handling, E2BIG, unknown
 * flags, unknown commands, reserved operations.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/utsname.h>

#include "common.h"

static int vfd;

static int setup(void **state)
{
	(void)state;
	vfd = test_open();
	return vfd < 0;
}

static int teardown(void **state)
{
	(void)state;
	close(vfd);
	return 0;
}

/* Issue INFO with a caller-chosen size from a zeroed oversized buffer. */
static int info_sized(unsigned char *buf, __u32 size)
{
	memcpy(buf, &size, sizeof(size));
	return ioctl(vfd, VMXFER_IOC_INFO, buf);
}

static void test_info_contents(void **state)
{
	struct vmxfer_info info;
	struct utsname uts;
	unsigned int op;

	(void)state;
	assert_int_equal(vmxfer_info(vfd, &info), 0);
	assert_int_equal(info.size, sizeof(info));
	assert_int_equal(info.abi_version, VMXFER_ABI_VERSION);
	assert_string_equal(info.module_version, VMXFER_VERSION);
	assert_int_equal(uname(&uts), 0);
	assert_string_equal(info.kernel_release, uts.release);
	assert_true(info.nr_symbols > 0);
	assert_int_equal(info.features >> VMXFER_OP_COUNT, 0);
	for (op = 0; op < VMXFER_OP_COUNT; op++) {
		int avail = !!(info.features & (1ULL << op));

		assert_int_equal(avail,
				 info.op_status[op] == VMXFER_OPST_AVAILABLE);
	}
	for (op = VMXFER_OP_COUNT; op < 8; op++)
		assert_int_equal(info.op_status[op], 0);
	printf("# features 0x%llx on %s\n", (unsigned long long)info.features,
	       info.kernel_release);
}

static void test_info_sizes(void **state)
{
	unsigned char buf[8192];
	struct vmxfer_info *info = (struct vmxfer_info *)buf;

	(void)state;
	/* Smaller than version 0: EINVAL. */
	memset(buf, 0, sizeof(buf));
	assert_int_equal(info_sized(buf, VMXFER_INFO_SIZE_VER0 - 1), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(info_sized(buf, 0), -1);
	assert_int_equal(errno, EINVAL);

	/* A newer, larger struct with a zero tail: accepted, tail untouched. */
	memset(buf, 0, sizeof(buf));
	assert_int_equal(info_sized(buf, sizeof(*info) + 64), 0);
	assert_int_equal(info->size, sizeof(*info));
	assert_int_equal(info->abi_version, VMXFER_ABI_VERSION);
	for (size_t i = sizeof(*info); i < sizeof(*info) + 64; i++)
		assert_int_equal(buf[i], 0);

	/* Non-zero byte past the module's struct: E2BIG, nothing written. */
	memset(buf, 0, sizeof(buf));
	buf[sizeof(*info) + 7] = 1;
	assert_int_equal(info_sized(buf, sizeof(*info) + 8), -1);
	assert_int_equal(errno, E2BIG);
	assert_int_equal(info->abi_version, 0);

	/* More than a page: E2BIG. */
	memset(buf, 0, sizeof(buf));
	assert_int_equal(info_sized(buf, 4097 + 4096), -1);
	assert_int_equal(errno, E2BIG);
}

static void test_info_flags(void **state)
{
	struct vmxfer_info info;

	(void)state;
	for (unsigned int bit = 0; bit < 32; bit++) {
		memset(&info, 0, sizeof(info));
		info.size = sizeof(info);
		info.flags = 1U << bit;
		assert_int_equal(ioctl(vfd, VMXFER_IOC_INFO, &info), -1);
		assert_int_equal(errno, EINVAL);
	}
}

static void test_bad_pointer(void **state)
{
	void *page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);

	(void)state;
	assert_ptr_not_equal(page, MAP_FAILED);
	assert_int_equal(ioctl(vfd, VMXFER_IOC_INFO, page), -1);
	assert_int_equal(errno, EFAULT);
	assert_int_equal(ioctl(vfd, VMXFER_IOC_INFO, NULL), -1);
	assert_int_equal(errno, EFAULT);
	munmap(page, 4096);
}

static void test_unknown_commands(void **state)
{
	struct vmxfer_info info = { .size = sizeof(info) };

	(void)state;
	/* Unused number, wrong type byte, wrong direction. */
	assert_int_equal(ioctl(vfd, _IOWR(VMXFER_IOC_MAGIC, 0x7f,
					  struct vmxfer_info), &info), -1);
	assert_int_equal(errno, ENOTTY);
	assert_int_equal(ioctl(vfd, _IOWR(VMXFER_IOC_MAGIC + 1, 0x00,
					  struct vmxfer_info), &info), -1);
	assert_int_equal(errno, ENOTTY);
	assert_int_equal(ioctl(vfd, _IOR(VMXFER_IOC_MAGIC, 0x00,
					 struct vmxfer_info), &info), -1);
	assert_int_equal(errno, ENOTTY);
	assert_int_equal(ioctl(vfd, TCGETS, &info), -1);
	assert_int_equal(errno, ENOTTY);
}

/* The size in the command word is ignored: the struct carries its own. */
static void test_command_size_ignored(void **state)
{
	unsigned char buf[512] = { 0 };
	struct vmxfer_info *info = (struct vmxfer_info *)buf;

	(void)state;
	info->size = sizeof(*info) + 32;
	assert_int_equal(ioctl(vfd, _IOC(_IOC_READ | _IOC_WRITE,
					 VMXFER_IOC_MAGIC, 0x00,
					 sizeof(*info) + 32), buf), 0);
	assert_int_equal(info->abi_version, VMXFER_ABI_VERSION);
}

struct op_cmd {
	unsigned int op;
	unsigned long cmd;
	size_t size;
};

static const struct op_cmd op_cmds[] = {
	{ VMXFER_OP_CLONE, VMXFER_IOC_CLONE, sizeof(struct vmxfer_clone) },
	{ VMXFER_OP_MOVE, VMXFER_IOC_MOVE, sizeof(struct vmxfer_move) },
	{ VMXFER_OP_REMAP, VMXFER_IOC_REMAP, sizeof(struct vmxfer_remap) },
	{ VMXFER_OP_SPLICE, VMXFER_IOC_SPLICE, sizeof(struct vmxfer_splice) },
	{ VMXFER_OP_MERGE, VMXFER_IOC_MERGE, sizeof(struct vmxfer_merge) },
};

/* Operations absent from the feature mask fail with EOPNOTSUPP. */
static void test_reserved_ops(void **state)
{
	struct vmxfer_info info;
	unsigned char buf[256];
	unsigned int i, refused = 0;

	(void)state;
	assert_int_equal(vmxfer_info(vfd, &info), 0);
	for (i = 0; i < sizeof(op_cmds) / sizeof(op_cmds[0]); i++) {
		__u32 size = op_cmds[i].size;

		if (info.features & (1ULL << op_cmds[i].op))
			continue;
		memset(buf, 0, sizeof(buf));
		memcpy(buf, &size, sizeof(size));
		errno = 0;
		assert_int_equal(ioctl(vfd, op_cmds[i].cmd, buf), -1);
		assert_int_equal(errno, EOPNOTSUPP);
		refused++;
	}
	printf("# %u reserved operations refused with EOPNOTSUPP\n", refused);
}

static void test_symbols(void **state)
{
	struct vmxfer_info info;
	struct vmxfer_symbol sym;
	unsigned int i;

	(void)state;
	assert_int_equal(vmxfer_info(vfd, &info), 0);
	for (i = 0; i < info.nr_symbols; i++) {
		assert_int_equal(vmxfer_symbol(vfd, i, &sym), 0);
		assert_int_equal(sym.size, sizeof(sym));
		assert_int_equal(sym.index, i);
		assert_true(sym.name[0] != '\0');
		assert_non_null(memchr(sym.name, '\0', sizeof(sym.name)));
		assert_true(sym.ops != 0);
		assert_int_equal(sym.ops >> VMXFER_OP_COUNT, 0);
		assert_true(sym.kind == VMXFER_SYM_FUNC ||
			    sym.kind == VMXFER_SYM_DATA);
		/* Loaded without hide_symbols: every entry must resolve. */
		if (sym.state != VMXFER_SYM_RESOLVED)
			fail_msg("symbol %s not resolved (state %u)", sym.name,
				 sym.state);
	}
	assert_int_equal(vmxfer_symbol(vfd, info.nr_symbols, &sym), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(vmxfer_symbol(vfd, ~0U, &sym), -1);
	assert_int_equal(errno, ENOENT);

	/* Output fields must be zero on input. */
	memset(&sym, 0, sizeof(sym));
	sym.size = sizeof(sym);
	sym.name[3] = 'x';
	assert_int_equal(ioctl(vfd, VMXFER_IOC_SYMBOL, &sym), -1);
	assert_int_equal(errno, EINVAL);
	memset(&sym, 0, sizeof(sym));
	sym.size = sizeof(sym);
	sym.state = 1;
	assert_int_equal(ioctl(vfd, VMXFER_IOC_SYMBOL, &sym), -1);
	assert_int_equal(errno, EINVAL);
	memset(&sym, 0, sizeof(sym));
	sym.size = VMXFER_SYMBOL_SIZE_VER0 - 4;
	assert_int_equal(ioctl(vfd, VMXFER_IOC_SYMBOL, &sym), -1);
	assert_int_equal(errno, EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_info_contents),
		cmocka_unit_test(test_info_sizes),
		cmocka_unit_test(test_info_flags),
		cmocka_unit_test(test_bad_pointer),
		cmocka_unit_test(test_unknown_commands),
		cmocka_unit_test(test_command_size_ignored),
		cmocka_unit_test(test_reserved_ops),
		cmocka_unit_test(test_symbols),
	};

	test_filter_from_env();
	return cmocka_run_group_tests_name("abi", tests, setup, teardown);
}
