// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmxfer-ctl command line: help, version, usage errors and their exit
 * codes (0 ok, 1 failure, 2 usage).  Runs the built binary; needs no module.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <cmocka.h>

#ifndef VMXFER_CTL
#define VMXFER_CTL "vmxfer-ctl"
#endif

static char out[65536];

/* Run vmxfer-ctl with args (NULL-terminated); stdout+stderr into out[]. */
static int run(const char *arg0, ...)
{
	const char *argv[16] = { VMXFER_CTL };
	int argc = 1, pfd[2], status;
	size_t n = 0;
	ssize_t r;
	va_list ap;
	pid_t pid;

	va_start(ap, arg0);
	for (const char *a = arg0; a && argc < 15; a = va_arg(ap, const char *))
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;

	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		close(pfd[0]);
		execv(VMXFER_CTL, (char *const *)argv);
		_exit(127);
	}
	close(pfd[1]);
	while ((r = read(pfd[0], out + n, sizeof(out) - 1 - n)) > 0)
		n += (size_t)r;
	out[n] = '\0';
	close(pfd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

#define assert_contains(needle) do { \
	if (!strstr(out, (needle))) \
		fail_msg("\"%s\" not in output:\n%s", (needle), out); \
} while (0)

static void test_help(void **state)
{
	(void)state;
	assert_int_equal(run("--help", NULL), 0);
	assert_contains("Usage: vmxfer-ctl");
	assert_contains("status");
	assert_contains("load");
	assert_contains("unload");
	assert_int_equal(run("-h", NULL), 0);
	assert_int_equal(run("help", NULL), 0);
	assert_contains("Commands:");
}

static void test_version(void **state)
{
	(void)state;
	assert_int_equal(run("--version", NULL), 0);
	assert_contains("vmxfer-ctl " VMXFER_VERSION);
	assert_int_equal(run("-V", NULL), 0);
}

static void test_usage_errors(void **state)
{
	(void)state;
	assert_int_equal(run(NULL), 2);
	assert_contains("Usage:");
	assert_int_equal(run("frobnicate", NULL), 2);
	assert_contains("unknown command 'frobnicate'");
	assert_int_equal(run("--frobnicate", NULL), 2);
	assert_int_equal(run("help", "frobnicate", NULL), 2);
	assert_int_equal(run("status", "--bogus", NULL), 2);
	assert_int_equal(run("load", "--bogus", NULL), 2);
	assert_int_equal(run("unload", "extra", NULL), 2);
}

static void test_subcommand_help(void **state)
{
	static const char *const cmds[] = { "status", "load", "unload" };
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		char want[64];

		snprintf(want, sizeof(want), "Usage: vmxfer-ctl %s", cmds[i]);
		assert_int_equal(run(cmds[i], "--help", NULL), 0);
		assert_contains(want);
		assert_int_equal(run("help", cmds[i], NULL), 0);
		assert_contains(want);
	}
	assert_int_equal(run("status", "--help", NULL), 0);
	assert_contains("--json");
}

/* Whatever this host has, status --json is one JSON object and exits 0/1. */
static void test_dump_undump_cli(void **state)
{
	(void)state;
	assert_int_equal(run("dump", "--help", NULL), 0);
	assert_contains("--incremental");
	assert_contains("--range START-END");
	assert_int_equal(run("help", "undump", NULL), 0);
	assert_contains("--check");
	assert_int_equal(run("--help", NULL), 0);
	assert_contains("dump");
	assert_contains("undump");
	assert_int_equal(run("dump", NULL), 2);
	assert_contains("--pid is required");
	assert_int_equal(run("dump", "--pid", "x", NULL), 2);
	assert_int_equal(run("dump", "--pid", "1", "--range", "2000-1000", NULL), 2);
	assert_contains("bad range");
	assert_int_equal(run("dump", "--pid", "1", "--bogus", NULL), 2);
	assert_int_equal(run("undump", "/dev/null", NULL), 2);
	assert_contains("only --check");
	assert_int_equal(run("undump", "--check", NULL), 2);
	assert_int_equal(run("undump", "--check", "/nonexistent/x", NULL), 1);
	assert_int_equal(run("undump", "--check", "/dev/null", NULL), 1);
	assert_contains("INVALID: truncated");
}

static void test_peek_cli(void **state)
{
	(void)state;
	assert_int_equal(run("peek", "--help", NULL), 0);
	assert_contains("Usage: vmxfer-ctl peek");
	assert_contains("--hexdump");
	assert_int_equal(run("help", "peek", NULL), 0);
	assert_contains("VMXFER_IOC_CLONE");
	assert_int_equal(run("--help", NULL), 0);
	assert_contains("peek");
	assert_int_equal(run("peek", NULL), 2);
	assert_contains("--pid is required");
	assert_contains("Usage: vmxfer-ctl peek");
	assert_int_equal(run("peek", "--pid", "1", "zz", "1", NULL), 2);
	assert_contains("bad address");
	assert_int_equal(run("peek", "--pid", "1", "1000", "0", NULL), 2);
	assert_contains("bad length");
}

static void test_gcore_cli(void **state)
{
	(void)state;
	assert_int_equal(run("gcore", "--help", NULL), 0);
	assert_contains("Usage: vmxfer-ctl gcore");
	assert_contains("coredump_filter");
	assert_int_equal(run("--help", NULL), 0);
	assert_contains("gcore");
	assert_int_equal(run("gcore", NULL), 2);
	assert_contains("--pid is required");
	assert_contains("Usage: vmxfer-ctl gcore");
	assert_int_equal(run("gcore", "--pid", "x1", NULL), 2);
	assert_contains("bad pid");
	assert_int_equal(run("gcore", "--pid", "2147483646", "--live", "--copy", NULL), 2);
	assert_contains("exclude each other");
	assert_int_equal(run("gcore", "--pid", "2147483646", "--bogus", NULL), 2);
	assert_contains("unknown argument");
}

static void test_status_json_shape(void **state)
{
	int rc;

	(void)state;
	rc = run("status", "--json", NULL);
	assert_true(rc == 0 || rc == 1);
	assert_int_equal(out[0], '{');
	assert_contains("\"schema\": 1");
	assert_contains("\"operations\": [");
	assert_int_equal(strcmp(out + strlen(out) - 2, "}\n"), 0);
}

/*
 * An op that only the module does, on a machine without it (the host: no
 * /dev/vmxfer, so libvmxfer's native fallback answers): the error says to
 * load or install the module, not that this module lacks the op.
 */
static void test_needs_module(void **state)
{
	(void)state;
	if (access("/dev/vmxfer", F_OK) == 0)
		skip();
	assert_int_equal(run("dump", "--pid", "1", "-o", "/dev/null", NULL), 1);
	/* with or without a native fallback on the host's kernel */
	assert_contains("not loaded");
	assert_contains("vmxfer-ctl load");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_subcommand_help),
		cmocka_unit_test(test_dump_undump_cli),
		cmocka_unit_test(test_peek_cli),
		cmocka_unit_test(test_gcore_cli),
		cmocka_unit_test(test_status_json_shape),
		cmocka_unit_test(test_needs_module),
	};

	return cmocka_run_group_tests_name("vmxfer-ctl cli", tests, NULL, NULL);
}
