// SPDX-License-Identifier: GPL-2.0-only
/*
 * "vmxfer-ctl status" formatting from fake facts (no device): text and the
 * stable --json object, the per-operation reasons, and the exit codes.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "status.h"

static struct vx_status st;
static char *out;

static int reset(void **state)
{
	(void)state;
	memset(&st, 0, sizeof(st));
	free(out);
	out = NULL;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(out);
	out = NULL;
	return 0;
}

/* Run a formatter into out; returns its exit code. */
static int fmt(int (*fn)(FILE *, const struct vx_status *))
{
	size_t len = 0;
	FILE *f;
	int rc;

	free(out);
	out = NULL;
	f = open_memstream(&out, &len);
	assert_non_null(f);
	rc = fn(f, &st);
	assert_int_equal(fclose(f), 0);
	return rc;
}

#define assert_contains(needle) do { \
	if (!strstr(out, (needle))) \
		fail_msg("\"%s\" not in output:\n%s", (needle), out); \
} while (0)

static void absent(void)
{
	st.module_loaded = 0;
	st.dev_present = 0;
	st.dev_errno = ENOENT;
	st.info_errno = -1;
	strcpy(st.running_release, "6.1.0-18-amd64");
}

static void add_sym(const char *name, unsigned int ops, unsigned int state)
{
	struct vmxfer_symbol *s = &st.syms[st.nr_syms++];

	s->size = sizeof(*s);
	s->index = st.nr_syms - 1;
	s->ops = ops;
	s->state = state;
	s->kind = VMXFER_SYM_FUNC;
	snprintf(s->name, sizeof(s->name), "%s", name);
	st.info.nr_symbols = st.nr_syms;
}

/* A loaded module where every op is in a different state. */
static void loaded(void)
{
	st.module_loaded = 1;
	strcpy(st.sysfs_version, "0.1.0");
	st.dev_present = 1;
	st.dev_errno = 0;
	st.info_errno = 0;
	st.info.size = sizeof(st.info);
	st.info.abi_version = VMXFER_ABI_VERSION;
	st.info.features = VMXFER_FEAT_CLONE;
	st.info.op_status[VMXFER_OP_CLONE] = VMXFER_OPST_AVAILABLE;
	st.info.op_status[VMXFER_OP_MOVE] = VMXFER_OPST_MISSING_SYMBOL;
	st.info.op_status[VMXFER_OP_REMAP] = VMXFER_OPST_NOT_IMPLEMENTED;
	st.info.op_status[VMXFER_OP_SPLICE] = VMXFER_OPST_UNSUPPORTED_KERNEL;
	st.info.op_status[VMXFER_OP_MERGE] = 9;
	strcpy(st.info.module_version, "0.1.0");
	strcpy(st.info.kernel_release, "6.1.0-18-amd64");
	strcpy(st.running_release, "6.1.0-18-amd64");
	add_sym("vm_area_dup", VMXFER_FEAT_CLONE | VMXFER_FEAT_MOVE, VMXFER_SYM_RESOLVED);
	add_sym("move_page_tables", VMXFER_FEAT_MOVE, VMXFER_SYM_MISSING);
	add_sym("anon_vma_clone", VMXFER_FEAT_MOVE | VMXFER_FEAT_MERGE, VMXFER_SYM_HIDDEN);
	st.syms[2].kind = VMXFER_SYM_DATA;
}

static const char absent_json[] =
"{\n"
"  \"schema\": 1,\n"
"  \"usable\": false,\n"
"  \"module\": {\n"
"    \"loaded\": false,\n"
"    \"version\": null\n"
"  },\n"
"  \"device\": {\n"
"    \"path\": \"/dev/vmxfer\",\n"
"    \"present\": false,\n"
"    \"accessible\": false,\n"
"    \"error\": \"ENOENT\",\n"
"    \"hint\": \"the module is not loaded: run 'vmxfer-ctl load' as root\"\n"
"  },\n"
"  \"abi_version\": null,\n"
"  \"tool_abi_version\": 1,\n"
"  \"kernel_release\": \"6.1.0-18-amd64\",\n"
"  \"module_kernel_release\": null,\n"
"  \"features\": null,\n"
"  \"native_fallback\": false,\n"
"  \"operations\": [\n"
"    {\"name\": \"clone\", \"available\": false, \"status\": \"unknown\", \"reason\": \"module not loaded\", \"missing_symbols\": []},\n"
"    {\"name\": \"move\", \"available\": false, \"status\": \"unknown\", \"reason\": \"module not loaded\", \"missing_symbols\": []},\n"
"    {\"name\": \"remap\", \"available\": false, \"status\": \"unknown\", \"reason\": \"module not loaded\", \"missing_symbols\": []},\n"
"    {\"name\": \"splice\", \"available\": false, \"status\": \"unknown\", \"reason\": \"module not loaded\", \"missing_symbols\": []},\n"
"    {\"name\": \"merge\", \"available\": false, \"status\": \"unknown\", \"reason\": \"module not loaded\", \"missing_symbols\": []}\n"
"  ],\n"
"  \"symbols\": []\n"
"}\n";

static const char loaded_json[] =
"{\n"
"  \"schema\": 1,\n"
"  \"usable\": true,\n"
"  \"module\": {\n"
"    \"loaded\": true,\n"
"    \"version\": \"0.1.0\"\n"
"  },\n"
"  \"device\": {\n"
"    \"path\": \"/dev/vmxfer\",\n"
"    \"present\": true,\n"
"    \"accessible\": true,\n"
"    \"error\": null,\n"
"    \"hint\": null\n"
"  },\n"
"  \"abi_version\": 1,\n"
"  \"tool_abi_version\": 1,\n"
"  \"kernel_release\": \"6.1.0-18-amd64\",\n"
"  \"module_kernel_release\": \"6.1.0-18-amd64\",\n"
"  \"features\": 1,\n"
"  \"native_fallback\": false,\n"
"  \"operations\": [\n"
"    {\"name\": \"clone\", \"available\": true, \"status\": \"available\", \"reason\": null, \"missing_symbols\": []},\n"
"    {\"name\": \"move\", \"available\": false, \"status\": \"missing_symbol\", \"reason\": \"missing kernel symbols move_page_tables, anon_vma_clone (hidden by hide_symbols=)\", \"missing_symbols\": [\"move_page_tables\", \"anon_vma_clone\"]},\n"
"    {\"name\": \"remap\", \"available\": false, \"status\": \"not_implemented\", \"reason\": \"not part of this module version (0.1.0)\", \"missing_symbols\": []},\n"
"    {\"name\": \"splice\", \"available\": false, \"status\": \"unsupported_kernel\", \"reason\": \"unsupported kernel (6.1.0-18-amd64)\", \"missing_symbols\": []},\n"
"    {\"name\": \"merge\", \"available\": false, \"status\": \"unknown_status\", \"reason\": \"unavailable, status 9 unknown to this tool (newer module?)\", \"missing_symbols\": []}\n"
"  ],\n"
"  \"symbols\": [\n"
"    {\"name\": \"vm_area_dup\", \"state\": \"resolved\", \"kind\": \"func\", \"ops\": [\"clone\", \"move\"]},\n"
"    {\"name\": \"move_page_tables\", \"state\": \"missing\", \"kind\": \"func\", \"ops\": [\"move\"]},\n"
"    {\"name\": \"anon_vma_clone\", \"state\": \"hidden\", \"kind\": \"data\", \"ops\": [\"move\", \"merge\"]}\n"
"  ]\n"
"}\n";

static void test_absent_json(void **state)
{
	(void)state;
	absent();
	assert_int_equal(fmt(vx_status_print_json), 1);
	assert_string_equal(out, absent_json);
}

static void test_absent_text(void **state)
{
	(void)state;
	absent();
	assert_int_equal(fmt(vx_status_print_text), 1);
	assert_contains("module:         not loaded");
	assert_contains("not present (ENOENT)");
	assert_contains("vmxfer-ctl load");
	assert_contains("kernel:         6.1.0-18-amd64");
	assert_contains("operations:     unknown (module not loaded)");
}

/* No module; libvmxfer's native fallback serves move and remap. */
static void test_native_fallback(void **state)
{
	struct vx_op_report r;

	(void)state;
	absent();
	st.native_fallback = 1;
	st.native.flags = VMXFER_INFO_NATIVE_FALLBACK;
	st.native.features = VMXFER_FEAT_MOVE | VMXFER_FEAT_REMAP;
	assert_int_equal(fmt(vx_status_print_text), 1);
	assert_contains("module:         not loaded");
	assert_contains("operations:     native fallback (libvmxfer, no module):");
	assert_contains("  clone    unavailable: needs the module (apt install vmxfer-dkms");
	assert_contains("  move     available: native fallback: UFFDIO_MOVE");
	assert_contains("  remap    available: native fallback: mremap(MREMAP_DONTUNMAP), same length only");
	assert_contains("  splice   unavailable: needs the module");
	vx_status_op(&st, VMXFER_OP_MOVE, &r);
	assert_true(r.available);
	assert_string_equal(r.state_key, "native_fallback");
	vx_status_op(&st, VMXFER_OP_CLONE, &r);
	assert_false(r.available);
	assert_string_equal(r.state_key, "needs_module");
	assert_int_equal(fmt(vx_status_print_json), 1);
	assert_contains("\"native_fallback\": true,");
	assert_contains("{\"name\": \"move\", \"available\": true, \"status\": \"native_fallback\"");
	assert_contains("{\"name\": \"clone\", \"available\": false, \"status\": \"needs_module\"");
}

static void test_loaded_json(void **state)
{
	(void)state;
	loaded();
	assert_int_equal(fmt(vx_status_print_json), 0);
	assert_string_equal(out, loaded_json);
}

static void test_loaded_text(void **state)
{
	(void)state;
	loaded();
	assert_int_equal(fmt(vx_status_print_text), 0);
	assert_contains("module:         loaded, version 0.1.0");
	assert_contains("device:         /dev/vmxfer: ok");
	assert_contains("ABI version:    1");
	assert_contains("  clone    available\n");
	assert_contains("  move     unavailable: missing kernel symbols move_page_tables, "
			"anon_vma_clone (hidden by hide_symbols=)\n");
	assert_contains("  remap    unavailable: not part of this module version");
	assert_contains("  splice   unavailable: unsupported kernel");
	assert_contains("  merge    unavailable: unavailable, status 9");
	assert_contains("kernel symbols: 3 (1 resolved, 1 missing, 1 hidden)");
}

static void test_op_reports(void **state)
{
	struct vx_op_report r;

	(void)state;
	loaded();
	vx_status_op(&st, VMXFER_OP_MOVE, &r);
	assert_false(r.available);
	assert_int_equal(r.state, VX_OP_MISSING_SYMBOL);
	assert_int_equal(r.nr_missing, 2);
	assert_string_equal(r.missing[0], "move_page_tables");
	assert_false(r.missing_hidden[0]);
	assert_true(r.missing_hidden[1]);

	/* only symbols whose ops bit covers the op are listed */
	vx_status_op(&st, VMXFER_OP_MERGE, &r);
	assert_int_equal(r.nr_missing, 0);
	st.info.op_status[VMXFER_OP_MERGE] = VMXFER_OPST_MISSING_SYMBOL;
	vx_status_op(&st, VMXFER_OP_MERGE, &r);
	assert_int_equal(r.nr_missing, 1);
	assert_string_equal(r.missing[0], "anon_vma_clone");
	assert_string_equal(r.reason, "missing kernel symbol anon_vma_clone (hidden by hide_symbols=)");

	/* feature bit and op_status disagree */
	st.info.op_status[VMXFER_OP_CLONE] = VMXFER_OPST_NOT_IMPLEMENTED;
	vx_status_op(&st, VMXFER_OP_CLONE, &r);
	assert_true(r.available);
	assert_string_equal(r.state_key, "inconsistent");
	st.info.op_status[VMXFER_OP_REMAP] = VMXFER_OPST_AVAILABLE;
	vx_status_op(&st, VMXFER_OP_REMAP, &r);
	assert_false(r.available);
	assert_string_equal(r.state_key, "inconsistent");

	/* symbol table unreadable */
	st.nr_syms = 0;
	st.sym_errno = EIO;
	vx_status_op(&st, VMXFER_OP_MOVE, &r);
	assert_string_equal(r.reason, "missing kernel symbols (could not list them: "
				      "Input/output error)");
}

/* An available op says what it refuses on this line and not on others. */
static void test_op_limits(void **state)
{
	struct vx_op_report r;

	(void)state;
	loaded();
	st.info.features |= VMXFER_FEAT_MOVE;
	st.info.op_status[VMXFER_OP_MOVE] = VMXFER_OPST_AVAILABLE;
	vx_status_op(&st, VMXFER_OP_MOVE, &r);		/* 6.1 */
	assert_true(r.available);
	assert_string_equal(r.state_key, "available");
	assert_non_null(strstr(r.reason, "limited on this kernel"));
	assert_non_null(strstr(r.reason, "EBUSY"));
	vx_status_op(&st, VMXFER_OP_CLONE, &r);		/* 6.1: none */
	assert_string_equal(r.reason, "");
	strcpy(st.info.kernel_release, "6.12.117+deb12-amd64");
	vx_status_op(&st, VMXFER_OP_MOVE, &r);
	assert_string_equal(r.reason, "");
	strcpy(st.info.kernel_release, "5.10.0-46-amd64");
	vx_status_op(&st, VMXFER_OP_CLONE, &r);
	assert_non_null(strstr(r.reason, "fork"));
}

static void test_eacces(void **state)
{
	(void)state;
	absent();
	st.module_loaded = 1;
	st.dev_present = 1;
	st.dev_errno = EACCES;
	assert_int_equal(fmt(vx_status_print_json), 1);
	assert_contains("\"loaded\": true");
	assert_contains("\"present\": true,\n    \"accessible\": false,\n    \"error\": \"EACCES\"");
	assert_contains("add yourself to group vmxfer");
	assert_int_equal(fmt(vx_status_print_text), 1);
	assert_contains("cannot open (EACCES): permission denied: add yourself to group vmxfer");
	assert_contains("operations:     unknown (device not usable)");
}

static void test_loaded_no_node(void **state)
{
	(void)state;
	absent();
	st.module_loaded = 1;
	assert_int_equal(fmt(vx_status_print_text), 1);
	assert_contains("udev");
}

static void test_abi_mismatch(void **state)
{
	(void)state;
	loaded();
	st.info.abi_version = VMXFER_ABI_VERSION + 1;
	assert_false(vx_status_usable(&st));
	assert_int_equal(fmt(vx_status_print_text), 1);
	assert_contains("different ABI version");
	assert_int_equal(fmt(vx_status_print_json), 1);
	assert_contains("\"usable\": false");
	assert_contains("\"abi_version\": 2");
}

static void test_enotty(void **state)
{
	(void)state;
	loaded();
	st.info_errno = ENOTTY;
	assert_int_equal(fmt(vx_status_print_json), 1);
	assert_contains("\"error\": \"ENOTTY\"");
	assert_contains("\"abi_version\": null");
}

static void test_json_escaping(void **state)
{
	(void)state;
	loaded();
	strcpy(st.syms[0].name, "a\"b\\c\n\x01");
	assert_int_equal(fmt(vx_status_print_json), 0);
	assert_contains("\"a\\\"b\\\\c\\n\\u0001\"");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_absent_json, reset),
		cmocka_unit_test_setup(test_absent_text, reset),
		cmocka_unit_test_setup(test_native_fallback, reset),
		cmocka_unit_test_setup(test_loaded_json, reset),
		cmocka_unit_test_setup(test_loaded_text, reset),
		cmocka_unit_test_setup(test_op_reports, reset),
		cmocka_unit_test_setup(test_op_limits, reset),
		cmocka_unit_test_setup(test_eacces, reset),
		cmocka_unit_test_setup(test_loaded_no_node, reset),
		cmocka_unit_test_setup(test_abi_mismatch, reset),
		cmocka_unit_test_setup(test_enotty, reset),
		cmocka_unit_test_setup(test_json_escaping, reset),
	};

	return cmocka_run_group_tests_name("status formatting", tests, NULL, teardown);
}
