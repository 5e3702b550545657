// SPDX-License-Identifier: GPL-2.0-only
/* vmxfer-ctl merge: the smaps scan on made-up input. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "../../tools/mergediag.h"

static const char smaps[] =
	"7f0000000000-7f0000010000 rw-p 7f0000100 00:00 0 \n"
	"Rss:                  64 kB\n"
	"VmFlags: rd wr mr mw me ac sd \n"
	/* offsets not continuing: counted */
	"7f0000010000-7f0000020000 rw-p 7f0000000 00:00 0 \n"
	"Rss:                  64 kB\n"
	"VmFlags: rd wr mr mw me ac \n"
	/* continuing (7f0000000 + 16 pages): apart for another reason */
	"7f0000020000-7f0000030000 rw-p 7f0000010 00:00 0 \n"
	"VmFlags: rd wr mr mw me ac \n"
	/* different flags (lo vs none): not a pair */
	"7f0000030000-7f0000040000 rw-p 7f0000500 00:00 0 \n"
	"VmFlags: rd wr mr mw me ac lo \n"
	/* a file mapping next to it: not a pair */
	"7f0000040000-7f0000050000 rw-p 00000000 08:01 1234 /lib/x.so\n"
	"VmFlags: rd wr mr mw me ac \n"
	"7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0 [stack]\n"
	"VmFlags: rd wr mr mw me gd ac \n";

static void test_scan(void **state)
{
	struct vx_mergediag d;
	char out[512] = "";
	FILE *f = fmemopen((void *)smaps, sizeof(smaps) - 1, "r");
	FILE *o = fmemopen(out, sizeof(out), "w");

	(void)state;
	assert_non_null(f);
	assert_int_equal(vx_mergediag_scan(f, 1, o, &d), 0);
	fclose(f);
	fclose(o);
	assert_int_equal(d.vmas, 6);
	assert_int_equal(d.anon, 4);
	assert_int_equal(d.adjacent, 2);
	assert_int_equal(d.offset_only, 1);
	assert_non_null(strstr(out, "7f0000000000-7f0000010000 pgoff 7f0000100 | "
				    "7f0000010000-7f0000020000 pgoff 7f0000000"));
}

static void test_malformed(void **state)
{
	static const char bad[] = "not a header\n";
	struct vx_mergediag d;
	FILE *f = fmemopen((void *)bad, sizeof(bad) - 1, "r");

	(void)state;
	assert_int_equal(vx_mergediag_scan(f, 0, NULL, &d), -1);
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan),
		cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
