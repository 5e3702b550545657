// SPDX-License-Identifier: GPL-2.0
/*
 * Postcopy demand paging served with vmxfer_move (tests/demo/postcopy.c):
 * every page of a range is faulted by worker threads, fetched from another
 * process over a socket and moved into place, on every line, including
 * 5.10 and 6.1 which have no UFFDIO_MOVE.  4 KiB pages and 2 MiB chunks.
 */
#include <stdio.h>
#include <unistd.h>

#include "common.h"
#include "postcopy.h"

TEST_OP_FIXTURES(VMXFER_FEAT_MOVE)

static void run(size_t len, size_t chunk, int workers, int thp)
{
	struct pc_result r;
	char err[256] = "";
	int ret = pc_run(vfd, len, chunk, workers, thp, &r, err, sizeof(err));

	printf("# %zu KiB in %zu KiB chunks%s, %d workers: %lu faults, %lu chunks "
	       "moved (%lu seen zero-copy), %lu pages checked, %.3f s\n",
	       len >> 10, chunk >> 10, thp ? " (THP)" : "", workers, r.faults,
	       r.chunks, r.zero_copy, r.touched, r.seconds);
	if (ret)
		fail_msg("postcopy: %s", err);
	/* Every chunk was fetched once, and its received pages moved. */
	assert_int_equal(r.chunks, len / chunk);
	assert_int_equal(r.zero_copy, r.chunks);
	assert_true(r.faults >= r.chunks);
	assert_int_equal(r.bad, 0);
}

static void test_postcopy_4k(void **state)
{
	(void)state;
	run(16UL << 20, 4096, 4, 0);
}

static void test_postcopy_2m(void **state)
{
	(void)state;
	run(32UL << 20, 2UL << 20, 4, 0);
}

/*
 * THP-enabled range and staging buffer: the range's faults are huge-page
 * faults (which give a range its own anon_vma before reporting them: the
 * first move of nothing in pc_setup() is what makes 5.10 and 6.1 work);
 * 6.12+ move each received huge page whole.
 */
static void test_postcopy_thp(void **state)
{
	(void)state;
	run(32UL << 20, 2UL << 20, 4, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_postcopy_4k),
		cmocka_unit_test(test_postcopy_2m),
		cmocka_unit_test(test_postcopy_thp),
	};

	test_filter_from_env();
	return cmocka_run_group_tests(tests, setup, teardown);
}
