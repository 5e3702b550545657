// SPDX-License-Identifier: GPL-2.0-only
/*
 * <linux/vmxfer.h>: every field's offset and size, every struct's size and
 * SIZE_VER0, every ioctl number, as published; and the -m32 layout (from the
 * uapi_dump32 helper program) identical to the native one.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <cmocka.h>

#include <linux/vmxfer.h>
#include "uapi_layout.h"
#include "uapi_dump.h"

#ifndef UAPI_DUMP32
#define UAPI_DUMP32 "uapi_dump32"
#endif

static void test_fields(void **state)
{
	(void)state;
#define FIELD(s, f, off, sz) \
	assert_int_equal(offsetof(struct s, f), off); \
	assert_int_equal(VMXFER_FIELD_SIZEOF(s, f), sz);
	VMXFER_UAPI_FIELDS(FIELD)
#undef FIELD
}

static void test_structs(void **state)
{
	(void)state;
#define STRUCT(s, sz, ver0) \
	assert_int_equal(sizeof(struct s), sz); \
	assert_int_equal(ver0, sz); \
	assert_int_equal(sizeof(struct s) % 8, 0);
	VMXFER_UAPI_STRUCTS(STRUCT)
#undef STRUCT
}

/* No implicit padding anywhere: the listed fields tile each struct. */
static void test_no_holes(void **state)
{
	size_t covered[7] = { 0 };
	const char *names[7] = { "vmxfer_info", "vmxfer_symbol", "vmxfer_clone",
				 "vmxfer_move", "vmxfer_remap", "vmxfer_splice",
				 "vmxfer_merge" };
	const size_t sizes[7] = { sizeof(struct vmxfer_info), sizeof(struct vmxfer_symbol),
				  sizeof(struct vmxfer_clone), sizeof(struct vmxfer_move),
				  sizeof(struct vmxfer_remap), sizeof(struct vmxfer_splice),
				  sizeof(struct vmxfer_merge) };
	size_t i;

	(void)state;
#define FIELD(s, f, off, sz) \
	for (i = 0; i < 7; i++) \
		if (!strcmp(names[i], #s)) { \
			assert_int_equal(covered[i], offsetof(struct s, f)); \
			covered[i] += VMXFER_FIELD_SIZEOF(s, f); \
		}
	VMXFER_UAPI_FIELDS(FIELD)
#undef FIELD
	for (i = 0; i < 7; i++)
		assert_int_equal(covered[i], sizes[i]);
}

static void test_ioctls(void **state)
{
	(void)state;
#define IOCTL(cmd, val) assert_int_equal((unsigned int)(cmd), val);
	VMXFER_UAPI_IOCTLS(IOCTL)
#undef IOCTL
	assert_int_equal(_IOC_TYPE(VMXFER_IOC_INFO), VMXFER_IOC_MAGIC);
	assert_int_equal(_IOC_DIR(VMXFER_IOC_CLONE), _IOC_READ | _IOC_WRITE);
}

static void test_constants(void **state)
{
	(void)state;
	assert_int_equal(VMXFER_OP_COUNT, 5);
	assert_true(VMXFER_OP_COUNT <= 8);	/* op_status[8] */
	assert_int_equal(VMXFER_FEAT_MERGE, 1ULL << 4);
	assert_string_equal(VMXFER_DEVICE_PATH, "/dev/" VMXFER_DEVICE_NAME);
	/* vmxfer_symbol.ops is __u32 and holds VMXFER_FEAT_* bits */
	assert_true(((1ULL << VMXFER_OP_COUNT) - 1) <= UINT32_MAX);
}

static void test_m32_layout_identical(void **state)
{
	static char native[16384], m32[16384];
	size_t n = 0;
	ssize_t r;
	int pfd[2], status;
	pid_t pid;

	(void)state;
	assert_true(vx_uapi_dump(native, sizeof(native)) < sizeof(native));
	if (access(UAPI_DUMP32, X_OK) != 0) {
		print_message("no %s: -m32 layout not compared\n", UAPI_DUMP32);
		skip();
	}
	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		execl(UAPI_DUMP32, UAPI_DUMP32, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	while ((r = read(pfd[0], m32 + n, sizeof(m32) - 1 - n)) > 0)
		n += (size_t)r;
	m32[n] = '\0';
	close(pfd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		/* no IA-32 emulation in this kernel: nothing to run it on */
		print_message("%s did not run (status %#x): no IA-32 emulation "
			      "here; the guest's test_compat32 compares it\n",
			      UAPI_DUMP32, status);
		skip();
	}
	assert_string_equal(m32, native);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_structs),
		cmocka_unit_test(test_no_holes),
		cmocka_unit_test(test_ioctls),
		cmocka_unit_test(test_constants),
		cmocka_unit_test(test_m32_layout_identical),
	};

	return cmocka_run_group_tests_name("uapi layout", tests, NULL, NULL);
}
