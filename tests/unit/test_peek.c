// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmxfer-ctl peek, the host-testable parts (tools/peek.c): argument
 * parsing, rounding the range out to pages, the hex dump format and the
 * error advice.  Needs no module.
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

#include "peek.h"

static struct vx_peek_args a;
static char e[256];

/* vx_peek_parse of "peek" + args (NULL-terminated). */
static int parse(const char *arg0, ...)
{
	char *argv[16] = { "peek" };
	int argc = 1;
	va_list ap;

	va_start(ap, arg0);
	for (const char *s = arg0; s && argc < 15; s = va_arg(ap, const char *))
		argv[argc++] = (char *)s;
	va_end(ap);
	argv[argc] = NULL;
	return vx_peek_parse(argc, argv, &a, e, sizeof(e));
}

#define assert_err(needle) do { \
	if (!strstr(e, (needle))) \
		fail_msg("\"%s\" not in \"%s\"", (needle), e); \
} while (0)

static void test_parse_ok(void **state)
{
	(void)state;
	assert_int_equal(parse("--pid", "42", "0x7f0000001234", "100", NULL), 0);
	assert_int_equal(a.pid, 42);
	assert_int_equal(a.addr, 0x7f0000001234ULL);
	assert_int_equal(a.len, 100);
	assert_string_equal(a.output, "-");
	assert_int_equal(a.hexdump, 0);

	/* 0x optional, upper case, options anywhere, -o, --hexdump. */
	assert_int_equal(parse("7F00ABC", "-o", "out.bin", "4096", "--pid", "7",
			       "--hexdump", NULL), 0);
	assert_int_equal(a.addr, 0x7f00abcULL);
	assert_int_equal(a.len, 4096);
	assert_int_equal(a.pid, 7);
	assert_string_equal(a.output, "out.bin");
	assert_int_equal(a.hexdump, 1);
	assert_int_equal(parse("-p", "7", "-x", "--output", "-", "0X10", "1", NULL), 0);
	assert_int_equal(a.addr, 0x10);
	assert_int_equal(a.hexdump, 1);
	assert_int_equal(parse("--pid=9", "--", "1000", "2", NULL), 0);
	assert_int_equal(a.pid, 9);
	assert_int_equal(a.addr, 0x1000);
}

static void test_parse_len_forms(void **state)
{
	(void)state;
	assert_int_equal(parse("--pid", "1", "0", "0x1000", NULL), 0);
	assert_int_equal(a.len, 4096);
	assert_int_equal(parse("--pid", "1", "0", "4k", NULL), 0);
	assert_int_equal(a.len, 4096);
	assert_int_equal(parse("--pid", "1", "0", "3M", NULL), 0);
	assert_int_equal(a.len, 3UL << 20);
	assert_int_equal(parse("--pid", "1", "0", "2g", NULL), 0);
	assert_int_equal(a.len, 2UL << 30);
	assert_int_equal(parse("--pid", "1", "0", "0x10k", NULL), 0);
	assert_int_equal(a.len, 16 << 10);
	assert_int_equal(parse("--pid", "1", "0", "1", NULL), 0);
	assert_int_equal(a.len, 1);
}

static void test_parse_errors(void **state)
{
	(void)state;
	assert_int_equal(parse(NULL), 2);
	assert_err("--pid is required");
	assert_int_equal(parse("1000", "16", NULL), 2);
	assert_err("--pid is required");
	assert_int_equal(parse("--pid", "1", NULL), 2);
	assert_err("ADDR and LEN");
	assert_int_equal(parse("--pid", "1", "1000", NULL), 2);
	assert_err("ADDR and LEN");
	assert_int_equal(parse("--pid", NULL), 2);
	assert_err("needs a PID");
	assert_int_equal(parse("--pid", "0", "1000", "1", NULL), 2);
	assert_err("bad pid");
	assert_int_equal(parse("--pid", "-3", "1000", "1", NULL), 2);
	assert_int_equal(parse("--pid", "12x", "1000", "1", NULL), 2);
	assert_int_equal(parse("--pid", "99999999999", "1000", "1", NULL), 2);
	assert_int_equal(parse("--pid", "1", "xyz", "1", NULL), 2);
	assert_err("bad address");
	assert_int_equal(parse("--pid", "1", "0x", "1", NULL), 2);
	assert_err("bad address");
	assert_int_equal(parse("--pid", "1", "12345678901234567", "1", NULL), 2);
	assert_err("bad address");	/* more than 64 bits */
	assert_int_equal(parse("--pid", "1", "1000", "0", NULL), 2);
	assert_err("bad length");
	assert_int_equal(parse("--pid", "1", "1000", "-1", NULL), 2);
	assert_int_equal(parse("--pid", "1", "1000", "12q", NULL), 2);
	assert_int_equal(parse("--pid", "1", "1000", "4kk", NULL), 2);
	assert_int_equal(parse("--pid", "1", "1000", "99999999999999999999", NULL), 2);
	assert_int_equal(parse("--pid", "1", "1000", "0x7fffffffffffffffg", NULL), 2);
	assert_int_equal(parse("--pid", "1", "1000", "17179869184g", NULL), 2);
	assert_err("bad length");	/* overflows when scaled */
	assert_int_equal(parse("--pid", "1", "ffffffffffffff00", "0x100", NULL), 2);
	assert_err("overflows");
	assert_int_equal(parse("--pid", "1", "1000", "1", "extra", NULL), 2);
	assert_err("unexpected argument 'extra'");
	assert_int_equal(parse("--pid", "1", "--bogus", "1000", "1", NULL), 2);
	assert_err("unknown option '--bogus'");
	assert_int_equal(parse("--pid", "1", "1000", "1", "-o", NULL), 2);
	assert_err("-o needs a FILE");
	assert_int_equal(parse("--pid", "1", "1000", "1", "-o", "", NULL), 2);
}

static void test_span(void **state)
{
	struct vx_peek_span s;

	(void)state;
	assert_int_equal(vx_peek_span(0x1000, 0x1000, 4096, &s), 0);
	assert_int_equal(s.start, 0x1000);
	assert_int_equal(s.len, 0x1000);
	assert_int_equal(s.skip, 0);
	assert_int_equal(vx_peek_span(0x1001, 1, 4096, &s), 0);
	assert_int_equal(s.start, 0x1000);
	assert_int_equal(s.len, 0x1000);
	assert_int_equal(s.skip, 1);
	assert_int_equal(vx_peek_span(0x1fff, 2, 4096, &s), 0);	/* straddles */
	assert_int_equal(s.start, 0x1000);
	assert_int_equal(s.len, 0x2000);
	assert_int_equal(s.skip, 0xfff);
	assert_int_equal(vx_peek_span(0x107b, 3 * 4096 + 77, 4096, &s), 0);
	assert_int_equal(s.start, 0x1000);
	assert_int_equal(s.len, 4 * 4096);
	assert_int_equal(s.skip, 0x7b);
	assert_int_equal(vx_peek_span(0x200001, 0x1ffffe, 2 << 20, &s), 0);
	assert_int_equal(s.start, 0x200000);
	assert_int_equal(s.len, 2 << 20);
	/* Nothing, overflow, and no room to round up. */
	assert_int_equal(vx_peek_span(0x1000, 0, 4096, &s), -1);
	assert_int_equal(vx_peek_span(UINT64_MAX - 10, 20, 4096, &s), -1);
	assert_int_equal(vx_peek_span(UINT64_MAX - 4095, 10, 4096, &s), -1);
}

static char *hexdump(uint64_t addr, const void *buf, size_t len)
{
	char *out = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&out, &n);

	assert_non_null(f);
	assert_int_equal(vx_peek_hexdump(f, addr, buf, len), 0);
	assert_int_equal(fclose(f), 0);
	return out;
}

static void test_hexdump_format(void **state)
{
	static const unsigned char b[] = "Hello, vmxfer!\n\x01\x7f\x80\xff" "ab";
	char *s;

	(void)state;
	s = hexdump(0x7f1234567ffbULL, b, 21);
	assert_string_equal(s,
		"7f1234567ffb: 4865 6c6c 6f2c 2076 6d78 6665 7221 0a01  Hello, vmxfer!..\n"
		"7f123456800b: 7f80 ff61 62                             ...ab\n");
	free(s);
	s = hexdump(0, b, 1);
	assert_string_equal(s, "00000000: 48                                       H\n");
	free(s);
	s = hexdump(0x10, b, 16);
	assert_string_equal(s,
		"00000010: 4865 6c6c 6f2c 2076 6d78 6665 7221 0a01  Hello, vmxfer!..\n");
	free(s);
	s = hexdump(0x10, b, 0);
	assert_string_equal(s, "");
	free(s);
}

static void test_explain(void **state)
{
	(void)state;
	assert_non_null(strstr(vx_peek_explain(EPERM), "ptrace access"));
	assert_non_null(strstr(vx_peek_explain(EFAULT), "not fully mapped"));
	assert_non_null(strstr(vx_peek_explain(EBUSY), "pinned"));
	assert_non_null(strstr(vx_peek_explain(EBUSY), "shared with this process"));
	assert_non_null(strstr(vx_peek_explain(EINVAL), "hugetlb"));
	assert_non_null(strstr(vx_peek_explain(EINVAL), "device"));
	assert_non_null(strstr(vx_peek_explain(EOPNOTSUPP), "not available"));
	assert_non_null(strstr(vx_peek_explain(ESRCH), "exited"));
	assert_null(vx_peek_explain(EDOM));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_parse_len_forms),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_span),
		cmocka_unit_test(test_hexdump_format),
		cmocka_unit_test(test_explain),
	};

	return cmocka_run_group_tests_name("vmxfer-ctl peek (host)", tests, NULL, NULL);
}
