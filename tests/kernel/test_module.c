// SPDX-License-Identifier: GPL-2.0
/*
 * The module as a whole: device node and its permissions, load and unload
 * (raw and through vmxfer-ctl), and the symbol resolver's behaviour when a
 * symbol is missing (hide_symbols= test hook).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include "common.h"

static int try_open(void *arg)
{
	int fd;
	struct vmxfer_info info;

	(void)arg;
	fd = vmxfer_open();
	if (fd < 0)
		return errno == EACCES ? 13 : 1;
	if (vmxfer_info(fd, &info))
		return 2;
	close(fd);
	return 0;
}

static void test_node_default_mode(void **state)
{
	struct stat st;

	(void)state;
	test_reload(NULL);
	assert_int_equal(stat(VMXFER_DEVICE_PATH, &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	/* Without udev the module creates the node 0600 root:root. */
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_uid, 0);
	assert_int_equal(st.st_gid, 0);
	assert_int_equal(test_as_user(TEST_UID_OTHER, try_open, NULL), 13);
	assert_int_equal(test_as_user(TEST_UID_MEMBER, try_open, NULL), 13);
	assert_int_equal(try_open(NULL), 0);
}

/* What tools/60-vmxfer.rules does: 0660 root:vmxfer. */
static void test_node_group_mode(void **state)
{
	(void)state;
	assert_int_equal(chown(VMXFER_DEVICE_PATH, 0, TEST_GID_VMXFER), 0);
	assert_int_equal(chmod(VMXFER_DEVICE_PATH, 0660), 0);
	assert_int_equal(test_as_user(TEST_UID_MEMBER, try_open, NULL), 0);
	assert_int_equal(test_as_user(TEST_UID_OTHER, try_open, NULL), 13);
	test_reload(NULL);
}

static void test_unload_load_raw(void **state)
{
	struct vmxfer_info info;
	int fd;

	(void)state;
	assert_int_equal(test_sh("rmmod vmxfer"), 0);
	assert_int_equal(access("/sys/module/vmxfer", F_OK), -1);
	assert_int_equal(access(VMXFER_DEVICE_PATH, F_OK), -1);
	/* No device: libvmxfer's native fallback (every line has mremap's DONTUNMAP). */
	fd = vmxfer_open();
	assert_true(fd >= 0);
	assert_int_equal(vmxfer_info(fd, &info), 0);
	assert_true(info.flags & VMXFER_INFO_NATIVE_FALLBACK);
	assert_true(info.features & VMXFER_FEAT_REMAP);
	assert_false(info.features & VMXFER_FEAT_CLONE);
	close(fd);
	assert_int_equal(setenv("VMXFER_NO_FALLBACK", "1", 1), 0);
	assert_int_equal(vmxfer_open(), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(unsetenv("VMXFER_NO_FALLBACK"), 0);
	test_reload(NULL);
	assert_int_equal(access(VMXFER_DEVICE_PATH, F_OK), 0);
}

/* vmxfer-ctl load/unload/status through libkmod (modules.dep in guest). */
static void test_ctl_load_unload(void **state)
{
	(void)state;
	if (test_sh("command -v vmxfer-ctl >/dev/null") != 0)
		fail_msg("vmxfer-ctl not in PATH");
	assert_int_equal(test_sh("vmxfer-ctl unload"), 0);
	assert_int_equal(access("/sys/module/vmxfer", F_OK), -1);
	assert_int_not_equal(test_sh("vmxfer-ctl status >/dev/null"), 0);
	assert_int_equal(test_sh("vmxfer-ctl load"), 0);
	assert_int_equal(access(VMXFER_DEVICE_PATH, F_OK), 0);
	assert_int_equal(test_sh("vmxfer-ctl status"), 0);
	assert_int_equal(test_sh("vmxfer-ctl status --json | grep -q '\"loaded\": *true'"), 0);
	/* Loading twice is not an error. */
	assert_int_equal(test_sh("vmxfer-ctl load"), 0);
	assert_int_equal(test_sh("vmxfer-ctl unload"), 0);
	assert_int_equal(test_sh("vmxfer-ctl load hide_symbols=mm_access"), 0);
	assert_int_equal(test_sh("grep -qx mm_access /sys/module/vmxfer/parameters/hide_symbols"), 0);
	test_reload(NULL);
}

/* vmxfer-ctl load explains a module missing for this kernel (DKMS). */
static void test_ctl_load_not_built(void **state)
{
	(void)state;
	if (test_sh("command -v vmxfer-ctl >/dev/null") != 0)
		fail_msg("vmxfer-ctl not in PATH");
	assert_int_equal(test_sh("rmmod vmxfer"), 0);
	/* As after "dkms remove": file and index entries gone (busybox
	 * depmod writes no binary indexes, so drop the stale ones). */
	assert_int_equal(test_sh("mv \"$VMXFER_KO\" /tmp/vmxfer.ko.away && "
				 "cd /lib/modules/$(uname -r) && "
				 "mkdir -p /tmp/idx && mv modules.*.bin /tmp/idx/ && "
				 "depmod"), 0);
	assert_int_not_equal(test_sh("vmxfer-ctl load >/tmp/load.out 2>&1"), 0);
	assert_int_equal(test_sh("grep -qi dkms /tmp/load.out"), 0);
	assert_int_equal(test_sh("mv /tmp/vmxfer.ko.away \"$VMXFER_KO\" && "
				 "mv /tmp/idx/* /lib/modules/$(uname -r)/"), 0);
	test_reload(NULL);
}

static int find_symbol(int fd, const char *name, struct vmxfer_symbol *sym)
{
	struct vmxfer_info info;

	assert_int_equal(vmxfer_info(fd, &info), 0);
	for (unsigned int i = 0; i < info.nr_symbols; i++) {
		assert_int_equal(vmxfer_symbol(fd, i, sym), 0);
		if (!strcmp(sym->name, name))
			return 0;
	}
	return -1;
}

/*
 * A missing symbol: the module still loads, the symbol reads as hidden,
 * every operation needing it is unavailable with MISSING_SYMBOL (or
 * NOT_IMPLEMENTED if this module version lacks it), the others unaffected,
 * and one kernel-log line names it.
 */
static void test_missing_symbol(void **state)
{
	struct vmxfer_symbol sym, sym2;
	struct vmxfer_info full, info;
	int fd;

	(void)state;
	test_reload(NULL);
	fd = test_open();
	assert_int_equal(vmxfer_info(fd, &full), 0);
	close(fd);

	/* Never clear the log: the runner checks all of it for kernel bugs. */
	test_sh("echo vmxfer-test: missing-symbol-mark >/dev/kmsg");
	test_reload("hide_symbols=mm_access,get_pipe_info");
	fd = test_open();
	assert_int_equal(vmxfer_info(fd, &info), 0);
	assert_int_equal(find_symbol(fd, "mm_access", &sym), 0);
	assert_int_equal(sym.state, VMXFER_SYM_HIDDEN);
	assert_int_equal(find_symbol(fd, "get_pipe_info", &sym2), 0);
	assert_int_equal(sym2.state, VMXFER_SYM_HIDDEN);
	for (unsigned int op = 0; op < VMXFER_OP_COUNT; op++) {
		__u64 bit = 1ULL << op;

		if ((sym.ops | sym2.ops) & bit) {
			assert_false(info.features & bit);
			assert_true(info.op_status[op] ==
					    VMXFER_OPST_MISSING_SYMBOL ||
				    info.op_status[op] ==
					    VMXFER_OPST_NOT_IMPLEMENTED);
			if (full.op_status[op] == VMXFER_OPST_AVAILABLE)
				assert_int_equal(info.op_status[op],
						 VMXFER_OPST_MISSING_SYMBOL);
		} else {
			assert_int_equal(info.op_status[op],
					 full.op_status[op]);
		}
	}
	close(fd);
#define SINCE_MARK "dmesg | sed -n '/missing-symbol-mark/,$p' | grep 'missing symbols:'"
	assert_int_equal(test_sh(SINCE_MARK " | grep -q 'mm_access(hidden),get_pipe_info(hidden)'"), 0);
	assert_int_equal(test_sh(SINCE_MARK " | wc -l | grep -qx 1"), 0);
	/* tests/vm/suite gives the guest vmxfer-ctl (tests/vm/run: --file). */
	if (test_sh("command -v vmxfer-ctl >/dev/null"))
		fail_msg("vmxfer-ctl not in PATH");
	assert_int_equal(test_sh("vmxfer-ctl status | grep -q mm_access"), 0);
	test_reload(NULL);
}

/*
 * An operation whose symbol is hidden is refused when called, not only
 * reported: vm_area_dup (clone only) and get_pipe_info (splice only)
 * hidden, clone and splice fail with EOPNOTSUPP on arguments that work
 * with the full module, and change nothing (no mapping, empty pipe);
 * remap, which needs neither, still works.  The feature bits and
 * op_status say the same.
 */
static void test_hidden_ops_refused(void **state)
{
	struct vmxfer_info info;
	struct test_snap s;
	struct target t;
	struct iovec iov;
	int fd, p[2];
	char *src, *c, *r;

	(void)state;
	target_start(&t, 4 * 4096, 0);
	assert_int_equal(pipe(p), 0);
	iov.iov_base = t.base;
	iov.iov_len = 4 * 4096;
	src = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_ptr_not_equal(src, MAP_FAILED);
	memset(src, 'r', 4096);

	test_reload("hide_symbols=vm_area_dup,get_pipe_info");
	fd = test_open();
	assert_int_equal(vmxfer_info(fd, &info), 0);
	assert_false(info.features & (VMXFER_FEAT_CLONE | VMXFER_FEAT_SPLICE));
	assert_int_equal(info.op_status[VMXFER_OP_CLONE],
			 VMXFER_OPST_MISSING_SYMBOL);
	assert_int_equal(info.op_status[VMXFER_OP_SPLICE],
			 VMXFER_OPST_MISSING_SYMBOL);
	assert_true(info.features & VMXFER_FEAT_REMAP);

	test_snap_begin(&s, t.pid);
	test_snap_range(&s, t.pid, t.base, 4 * 4096);
	test_snap_take(&s);
	errno = 0;
	assert_ptr_equal(vmxfer_clone(fd, t.pidfd, t.base, 4 * 4096, NULL, 0),
			 MAP_FAILED);
	assert_int_equal(errno, EOPNOTSUPP);
	errno = 0;
	assert_ptr_equal(vmxfer_clone(fd, t.pidfd, t.base, 4 * 4096, src,
				      VMXFER_CLONE_FIXED), MAP_FAILED);
	assert_int_equal(errno, EOPNOTSUPP);
	test_snap_same(&s, "clone with vm_area_dup hidden");
	errno = 0;
	assert_int_equal(vmxfer_splice(fd, t.pidfd, p[1], &iov, 1, 0), -1);
	assert_int_equal(errno, EOPNOTSUPP);
	assert_int_equal(test_pipe_bytes(p[0]), 0);
	test_snap_end(&s);
	assert_int_equal(src[0], 'r');
	r = vmxfer_remap(fd, src, 4096, 4096, NULL, 0);
	assert_ptr_not_equal(r, MAP_FAILED);
	assert_int_equal(r[0], 'r');
	munmap(r, 4096);
	close(fd);

	/* The same calls with the full module. */
	test_reload(NULL);
	fd = test_open();
	c = vmxfer_clone(fd, t.pidfd, t.base, 4 * 4096, NULL, 0);
	assert_ptr_not_equal(c, MAP_FAILED);
	assert_int_equal((unsigned char)c[5], tgt_pattern(5));
	munmap(c, 4 * 4096);
	assert_int_equal(vmxfer_splice(fd, t.pidfd, p[1], &iov, 1, 0), 4 * 4096);
	close(fd);
	munmap(src, 4096);
	close(p[0]);
	close(p[1]);
	target_stop(&t);
}

/* Unknown names in hide_symbols are ignored; nothing else goes missing. */
static void test_hide_unknown(void **state)
{
	struct vmxfer_info full, info;
	int fd;

	(void)state;
	test_reload(NULL);
	fd = test_open();
	assert_int_equal(vmxfer_info(fd, &full), 0);
	close(fd);
	test_reload("hide_symbols=no_such_symbol_xyz");
	fd = test_open();
	assert_int_equal(vmxfer_info(fd, &info), 0);
	assert_int_equal(info.features, full.features);
	close(fd);
	test_reload(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_node_default_mode),
		cmocka_unit_test(test_node_group_mode),
		cmocka_unit_test(test_unload_load_raw),
		cmocka_unit_test(test_ctl_load_unload),
		cmocka_unit_test(test_ctl_load_not_built),
		cmocka_unit_test(test_missing_symbol),
		cmocka_unit_test(test_hidden_ops_refused),
		cmocka_unit_test(test_hide_unknown),
	};

	test_filter_from_env();
	return cmocka_run_group_tests_name("module", tests, NULL, NULL);
}
