// SPDX-License-Identifier: GPL-2.0-only
/*
 * vx_diagnose(): every load/unload outcome gives the right advice.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "diag.h"

static struct vx_load_facts base(enum vx_action action, int err)
{
	struct vx_load_facts f = {
		.action = action,
		.err = err,
		.module_found = 1,
		.was_loaded = action == VX_ACTION_UNLOAD,
		.is_root = 1,
		.kernel_release = "6.1.0-18-amd64",
		.package_version = "0.1.0",
		.lockdown = "[none] integrity confidentiality",
		.secure_boot = 0,
		.sig_enforce = 0,
		.kprobes_enabled = 1,
		.modules_disabled = 0,
		.refcnt = -1,
	};
	return f;
}

static struct vx_diag d;

static void diagnose(const struct vx_load_facts *f)
{
	memset(&d, 0x55, sizeof(d));
	vx_diagnose(f, &d);
	assert_non_null(d.id);
	assert_true(strlen(d.message) > 0);
	assert_true(strlen(d.message) < sizeof(d.message) - 1);	/* not truncated */
}

#define assert_contains(hay, needle) do { \
	if (!strstr((hay), (needle))) \
		fail_msg("\"%s\" not in:\n%s", (needle), (hay)); \
} while (0)
#define assert_not_contains(hay, needle) do { \
	if (strstr((hay), (needle))) \
		fail_msg("\"%s\" unexpectedly in:\n%s", (needle), (hay)); \
} while (0)

static void test_loaded(void **state)
{
	struct vx_load_facts f = base(VX_ACTION_LOAD, 0);

	(void)state;
	diagnose(&f);
	assert_string_equal(d.id, "loaded");
	assert_int_equal(d.exit_code, 0);
}

static void test_already_loaded(void **state)
{
	struct vx_load_facts f = base(VX_ACTION_LOAD, EEXIST);

	(void)state;
	diagnose(&f);
	assert_string_equal(d.id, "already-loaded");
	assert_int_equal(d.exit_code, 0);
	assert_contains(d.message, "already loaded");

	f = base(VX_ACTION_LOAD, EEXIST);
	f.has_params = 1;
	diagnose(&f);
	assert_contains(d.message, "unload");
}

static void test_not_found(void **state)
{
	struct vx_load_facts f = base(VX_ACTION_LOAD, ENOENT);

	(void)state;
	f.module_found = 0;
	diagnose(&f);
	assert_string_equal(d.id, "not-found");
	assert_int_equal(d.exit_code, 1);
	assert_contains(d.message, "6.1.0-18-amd64");
	assert_contains(d.message, "make dkms-install");
	assert_contains(d.message, "dkms install vmxfer/0.1.0");
}

static void test_file_unreadable(void **state)
{
	struct vx_load_facts f = base(VX_ACTION_LOAD, ENOENT);

	(void)state;
	f.module_found = 0;
	f.from_file = 1;
	diagnose(&f);
	assert_string_equal(d.id, "not-found");
	assert_contains(d.message, "--file");
	assert_not_contains(d.message, "dkms");
}

static void test_not_root(void **state)
{
	struct vx_load_facts f = base(VX_ACTION_LOAD, EPERM);

	(void)state;
	f.is_root = 0;
	diagnose(&f);
	assert_string_equal(d.id, "not-root");
	assert_int_equal(d.exit_code, 1);
	assert_contains(d.message, "root");
	assert_contains(d.message, "sudo vmxfer-ctl load");
}

static void test_modules_disabled(void **state)
{
	struct vx_load_facts f = base(VX_ACTION_LOAD, EPERM);

	(void)state;
	f.modules_disabled = 1;
	diagnose(&f);
	assert_string_equal(d.id, "modules-disabled");
	assert_contains(d.message, "modules_disabled");
}

static void test_key_rejected_secure_boot(void **state)
{
	struct vx_load_facts f = base(VX_ACTION_LOAD, EKEYREJECTED);

	(void)state;
	f.secure_boot = 1;
	f.lockdown = "none [integrity] confidentiality";
	diagnose(&f);
	assert_string_equal(d.id, "signature");
	assert_int_equal(d.exit_code, 1);
	assert_contains(d.message, "Key was rejected by service");
	assert_contains(d.message, "Secure Boot is enabled");
	assert_contains(d.message, "[integrity]");
	assert_contains(d.message, "mokutil --import");
	assert_contains(d.message, "reboot");
}

static void test_signature_errnos(void **state)
{
	static const int errs[] = { EKEYREJECTED, ENOKEY, EKEYEXPIRED, EKEYREVOKED, EBADMSG };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		struct vx_load_facts f = base(VX_ACTION_LOAD, errs[i]);

		diagnose(&f);
		assert_string_equal(d.id, "signature");
		assert_contains(d.message, "mokutil --import");
		assert_not_contains(d.message, "Secure Boot is enabled");
	}
}

static void test_sig_enforce(void **state)
{
	struct vx_load_facts f = base(VX_ACTION_LOAD, EKEYREJECTED);

	(void)state;
	f.sig_enforce = 1;
	diagnose(&f);
	assert_contains(d.message, "sig_enforce");
}

/* Under lockdown an unsigned module fails with a bare EPERM, even for root. */
static void test_lockdown_eperm(void **state)
{
	struct vx_load_facts f = base(VX_ACTION_LOAD, EPERM);

	(void)state;
	f.lockdown = "none integrity [confidentiality]";
	diagnose(&f);
	assert_string_equal(d.id, "signature");
	assert_contains(d.message, "lockdown");
	assert_contains(d.message, "[confidentiality]");
	assert_contains(d.message, "mokutil --import");
}

static void test_eperm_root_no_lockdown(void **state)
{
	struct vx_load_facts f = base(VX_ACTION_LOAD, EPERM);

	(void)state;
	diagnose(&f);
	assert_string_equal(d.id, "failed");
	assert_int_equal(d.exit_code, 1);
	assert_contains(d.message, "dmesg");
}

static void test_kprobes_disabled(void **state)
{
	struct vx_load_facts f = base(VX_ACTION_LOAD, ENOSYS);

	(void)state;
	f.kprobes_enabled = 0;
	diagnose(&f);
	assert_string_equal(d.id, "kprobes");
	assert_contains(d.message, "kallsyms_lookup_name");
	assert_contains(d.message, "kprobe");
	assert_contains(d.message, "/sys/kernel/debug/kprobes/enabled is 0");
	assert_contains(d.message, "echo 1 >");
}

static void test_kprobes_unavailable(void **state)
{
	static const int errs[] = { ENOSYS, EOPNOTSUPP };
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		struct vx_load_facts f = base(VX_ACTION_LOAD, errs[i]);

		f.kprobes_enabled = -1;
		diagnose(&f);
		assert_string_equal(d.id, "kprobes");
		assert_contains(d.message, "CONFIG_KPROBES");
		assert_contains(d.message, "kallsyms_lookup_name");
	}
}

static void test_bad_param(void **state)
{
	struct vx_load_facts f = base(VX_ACTION_LOAD, EINVAL);

	(void)state;
	f.has_params = 1;
	diagnose(&f);
	assert_string_equal(d.id, "bad-param");
	assert_contains(d.message, "modinfo vmxfer");
}

static void test_mismatch(void **state)
{
	static const int errs[] = { ENOEXEC, EINVAL, ENOENT };
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		struct vx_load_facts f = base(VX_ACTION_LOAD, errs[i]);

		diagnose(&f);
		assert_string_equal(d.id, "mismatch");
		assert_contains(d.message, "6.1.0-18-amd64");
		assert_contains(d.message, "dkms install vmxfer/0.1.0 -k 6.1.0-18-amd64");
	}
}

static void test_other(void **state)
{
	struct vx_load_facts f = base(VX_ACTION_LOAD, ENOMEM);

	(void)state;
	f.kernel_release = NULL;
	f.package_version = NULL;
	diagnose(&f);
	assert_string_equal(d.id, "failed");
	assert_contains(d.message, "Cannot allocate memory");
	assert_contains(d.message, "ENOMEM");
}

static void test_unload(void **state)
{
	struct vx_load_facts f = base(VX_ACTION_UNLOAD, 0);

	(void)state;
	diagnose(&f);
	assert_string_equal(d.id, "unloaded");
	assert_int_equal(d.exit_code, 0);

	f = base(VX_ACTION_UNLOAD, ENOENT);
	f.was_loaded = 0;
	diagnose(&f);
	assert_string_equal(d.id, "not-loaded");
	assert_int_equal(d.exit_code, 0);

	f = base(VX_ACTION_UNLOAD, EPERM);
	f.is_root = 0;
	diagnose(&f);
	assert_string_equal(d.id, "not-root");
	assert_contains(d.message, "sudo vmxfer-ctl unload");

	f = base(VX_ACTION_UNLOAD, EBUSY);
	f.refcnt = 2;
	diagnose(&f);
	assert_string_equal(d.id, "in-use");
	assert_int_equal(d.exit_code, 1);
	assert_contains(d.message, "2 users");
	assert_contains(d.message, "/dev/vmxfer");

	f = base(VX_ACTION_UNLOAD, EAGAIN);
	diagnose(&f);
	assert_string_equal(d.id, "in-use");

	f = base(VX_ACTION_UNLOAD, EIO);
	diagnose(&f);
	assert_string_equal(d.id, "failed");
	assert_int_equal(d.exit_code, 1);
}

static void test_lockdown_parse(void **state)
{
	(void)state;
	assert_int_equal(vx_lockdown_mode(NULL), VX_LOCKDOWN_UNKNOWN);
	assert_int_equal(vx_lockdown_mode(""), VX_LOCKDOWN_UNKNOWN);
	assert_int_equal(vx_lockdown_mode("[none] integrity confidentiality\n"), VX_LOCKDOWN_NONE);
	assert_int_equal(vx_lockdown_mode("none [integrity] confidentiality"), VX_LOCKDOWN_INTEGRITY);
	assert_int_equal(vx_lockdown_mode("none integrity [confidentiality]"),
			 VX_LOCKDOWN_CONFIDENTIALITY);
	assert_int_equal(vx_lockdown_mode("none [bogus] x"), VX_LOCKDOWN_UNKNOWN);
	assert_int_equal(vx_lockdown_mode("none [integrity"), VX_LOCKDOWN_UNKNOWN);
	assert_string_equal(vx_lockdown_name(VX_LOCKDOWN_INTEGRITY), "integrity");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loaded),
		cmocka_unit_test(test_already_loaded),
		cmocka_unit_test(test_not_found),
		cmocka_unit_test(test_file_unreadable),
		cmocka_unit_test(test_not_root),
		cmocka_unit_test(test_modules_disabled),
		cmocka_unit_test(test_key_rejected_secure_boot),
		cmocka_unit_test(test_signature_errnos),
		cmocka_unit_test(test_sig_enforce),
		cmocka_unit_test(test_lockdown_eperm),
		cmocka_unit_test(test_eperm_root_no_lockdown),
		cmocka_unit_test(test_kprobes_disabled),
		cmocka_unit_test(test_kprobes_unavailable),
		cmocka_unit_test(test_bad_param),
		cmocka_unit_test(test_mismatch),
		cmocka_unit_test(test_other),
		cmocka_unit_test(test_unload),
		cmocka_unit_test(test_lockdown_parse),
	};

	return cmocka_run_group_tests_name("load diagnosis", tests, NULL, NULL);
}
