// SPDX-License-Identifier: GPL-2.0-only
/*
 * The dump stream format (tools/dumpfmt.c): round trip, every truncation,
 * corruption of each field, overlapping and unordered records, trailer
 * counts and hash, the maps filter, --range parsing and the pagemap run
 * builder.  Pure host code, no module.
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

#include "dumpfmt.h"

#define PS 4096

/* ---- a stream in memory ---------------------------------------------- */

struct mem {
	unsigned char *buf;
	size_t len, cap, pos;
	size_t chunk;		/* max bytes per read (0: any) */
	struct vxd_writer w;
};

static void mem_put(struct mem *m, const void *p, size_t n)
{
	if (m->len + n > m->cap) {
		m->cap = (m->len + n) * 2;
		m->buf = realloc(m->buf, m->cap);
		assert_non_null(m->buf);
	}
	memcpy(m->buf + m->len, p, n);
	m->len += n;
}

static ssize_t mem_read(void *ctx, void *buf, size_t len)
{
	struct mem *m = ctx;
	size_t n = m->len - m->pos;

	if (n > len)
		n = len;
	if (m->chunk && n > m->chunk)
		n = m->chunk;
	memcpy(buf, m->buf + m->pos, n);
	m->pos += n;
	return (ssize_t)n;
}

static unsigned char data_byte(uint64_t addr)
{
	return (unsigned char)(addr * 31 + (addr >> 12));
}

static void mk_header(struct mem *m, uint32_t flags)
{
	struct vxd_header h = { VXD_VERSION, flags, 1234, PS };
	unsigned char b[VXD_HDR_SIZE];

	memset(m, 0, sizeof(*m));
	vxd_write_header(&m->w, &h, b);
	mem_put(m, b, sizeof(b));
}

static void mk_rec(struct mem *m, uint64_t start, uint64_t len, uint32_t flags)
{
	struct vxd_rec r = { start, len, flags };
	unsigned char b[VXD_REC_SIZE];

	vxd_write_rec(&m->w, &r, b);
	mem_put(m, b, sizeof(b));
	for (uint64_t a = start; a < start + len; a++) {
		unsigned char c = data_byte(a);

		mem_put(m, &c, 1);
	}
}

static void mk_trailer(struct mem *m, uint64_t ranges, int incomplete)
{
	unsigned char b[VXD_REC_SIZE + VXD_TRAILER_SIZE];

	m->w.ranges = ranges;
	vxd_write_trailer(&m->w, incomplete, b);
	mem_put(m, b, sizeof(b));
}

/* A valid stream: 3 records. */
static void mk_valid(struct mem *m)
{
	mk_header(m, 0);
	mk_rec(m, 0x10000, 2 * PS, 0);
	mk_rec(m, 0x13000, PS, 0);
	mk_rec(m, 0x7f0000000000, 3 * PS, 0);
	mk_trailer(m, 3, 0);
}

static char err[512];

static int check(struct mem *m, struct vxd_summary *s)
{
	struct vxd_check_ops ops = { .read = mem_read, .ctx = m };

	m->pos = 0;
	err[0] = '\0';
	return vxd_check(&ops, s, err, sizeof(err));
}

#define assert_err(m, needle) do { \
	struct vxd_summary s_; \
	assert_int_equal(check((m), &s_), -1); \
	if (!strstr(err, (needle))) \
		fail_msg("error \"%s\" lacks \"%s\"", err, (needle)); \
} while (0)

/* ---- format ----------------------------------------------------------- */

static void test_round_trip(void **state)
{
	struct vxd_summary s;
	struct mem m;
	uint64_t h = VXD_FNV_INIT;

	(void)state;
	mk_valid(&m);
	assert_int_equal(m.len, VXD_HDR_SIZE + 3 * VXD_REC_SIZE + 6 * PS +
			 VXD_REC_SIZE + VXD_TRAILER_SIZE);
	/* Fixed layout, little-endian. */
	assert_memory_equal(m.buf, "VMXFDUMP\x01\0\0\0\0\0\0\0\xd2\x04\0\0\0\x10\0\0", 24);
	assert_memory_equal(m.buf + 32, "\0\0\x01\0\0\0\0\0\0\x20\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 24);
	assert_int_equal(check(&m, &s), 0);
	assert_int_equal(s.hdr.pid, 1234);
	assert_int_equal(s.hdr.page_size, PS);
	assert_int_equal(s.hdr.flags, 0);
	assert_int_equal(s.records, 3);
	assert_int_equal(s.bytes, 6 * PS);
	assert_int_equal(s.pages, 6);
	assert_int_equal(s.trailer.records, 3);
	assert_int_equal(s.trailer.bytes, 6 * PS);
	assert_int_equal(s.trailer.ranges, 3);
	assert_int_equal(s.lowest, 0x10000);
	assert_int_equal(s.highest, 0x7f0000000000 + 3 * PS);
	assert_int_equal(s.size, m.len);
	assert_false(s.incomplete);
	for (uint64_t a = 0x10000; a < 0x12000; a++) {
		unsigned char c = data_byte(a);

		h = vxd_fnv1a(h, &c, 1);
	}
	for (uint64_t a = 0x13000; a < 0x14000; a++) {
		unsigned char c = data_byte(a);

		h = vxd_fnv1a(h, &c, 1);
	}
	for (uint64_t a = 0x7f0000000000; a < 0x7f0000003000; a++) {
		unsigned char c = data_byte(a);

		h = vxd_fnv1a(h, &c, 1);
	}
	assert_int_equal(s.data_hash, h);
	/* Reads of any size give the same result. */
	m.chunk = 1;
	assert_int_equal(check(&m, &s), 0);
	m.chunk = 4097;
	assert_int_equal(check(&m, &s), 0);
	free(m.buf);
}

static void test_empty_and_flags(void **state)
{
	struct vxd_summary s;
	struct mem m;

	(void)state;
	mk_header(&m, VXD_F_INCREMENTAL);
	mk_trailer(&m, 5, 1);
	assert_int_equal(m.len, VXD_HDR_SIZE + VXD_REC_SIZE + VXD_TRAILER_SIZE);
	assert_int_equal(check(&m, &s), 0);
	assert_int_equal(s.records, 0);
	assert_int_equal(s.hdr.flags, VXD_F_INCREMENTAL);
	assert_true(s.incomplete);
	assert_int_equal(s.trailer.ranges, 5);
	free(m.buf);

	mk_header(&m, 0x2);
	mk_trailer(&m, 0, 0);
	assert_err(&m, "unknown header flags");
	free(m.buf);
}

static int data_calls;

static int count_data(void *ctx, const struct vxd_rec *r, uint64_t off,
		      const void *buf, size_t len, char *e, size_t elen)
{
	const unsigned char *p = buf;

	(void)ctx;
	for (size_t i = 0; i < len; i++)
		if (p[i] != data_byte(r->start + off + i)) {
			snprintf(e, elen, "mismatch at 0x%llx",
				 (unsigned long long)(r->start + off + i));
			return -1;
		}
	data_calls++;
	return 0;
}

static void test_data_callback(void **state)
{
	struct vxd_check_ops ops = { .read = mem_read, .data = count_data };
	struct vxd_summary s;
	struct mem m;

	(void)state;
	mk_valid(&m);
	ops.ctx = &m;
	data_calls = 0;
	assert_int_equal(vxd_check(&ops, &s, err, sizeof(err)), 0);
	assert_int_equal(data_calls, 3);
	/* A flipped data byte: the structure is fine, the callback objects. */
	m.buf[VXD_HDR_SIZE + VXD_REC_SIZE + 5] ^= 1;
	m.pos = 0;
	assert_int_equal(vxd_check(&ops, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "mismatch at 0x10005"));
	free(m.buf);
}

static void test_every_truncation(void **state)
{
	struct vxd_summary s;
	struct mem m;
	size_t full;

	(void)state;
	mk_valid(&m);
	full = m.len;
	for (size_t len = 0; len < full; len++) {
		m.len = len;
		assert_int_equal(check(&m, &s), -1);
		if (!strstr(err, "truncated"))
			fail_msg("length %zu: \"%s\"", len, err);
	}
	m.len = full;
	assert_int_equal(check(&m, &s), 0);
	/* One byte too many. */
	mem_put(&m, "x", 1);
	assert_err(&m, "garbage after the trailer");
	free(m.buf);
}

static void test_corrupt_fields(void **state)
{
	const size_t rec0 = VXD_HDR_SIZE, trl = VXD_HDR_SIZE + 3 * VXD_REC_SIZE + 6 * PS;
	static const struct { size_t off; const char *msg; } cases[] = {
		{ 0, "bad magic" },
		{ 8, "unsupported format version" },
		{ 21, "bad page size" },
		{ 24, "reserved field is not zero" },
		{ VXD_HDR_SIZE + 20, "reserved field not zero" },
		{ VXD_HDR_SIZE + 16 + 3, "unknown flags" },
		{ VXD_HDR_SIZE + 0, "not page-aligned" },
		{ 0, NULL },
	};
	struct mem m;

	(void)state;
	for (int i = 0; cases[i].msg; i++) {
		mk_valid(&m);
		m.buf[cases[i].off] ^= 0x40;
		assert_err(&m, cases[i].msg);
		free(m.buf);
	}
	/* A changed record start: valid ranges, but the metadata hash sees it. */
	mk_valid(&m);
	m.buf[rec0 + 2] ^= 0x01;	/* 0x10000 -> 0x00000 */
	assert_err(&m, "metadata hash mismatch");
	free(m.buf);
	/* Trailer: counts, trailer start, unknown trailer flags. */
	mk_valid(&m);
	m.buf[trl + VXD_REC_SIZE] ^= 1;		/* records 3 -> 2 */
	assert_err(&m, "trailer counts (2 records");
	free(m.buf);
	mk_valid(&m);
	m.buf[trl + VXD_REC_SIZE + 9] ^= 1;	/* bytes */
	assert_err(&m, "trailer counts");
	free(m.buf);
	mk_valid(&m);
	m.buf[trl + VXD_REC_SIZE + 24] ^= 1;	/* meta hash */
	assert_err(&m, "metadata hash mismatch");
	free(m.buf);
	mk_valid(&m);
	m.buf[trl] = 1;				/* start != 0 */
	assert_err(&m, "bad trailer record");
	free(m.buf);
	mk_valid(&m);
	m.buf[trl + 16] |= 0x80;		/* unknown trailer flag */
	assert_err(&m, "bad trailer record");
	free(m.buf);
}

static void test_bad_records(void **state)
{
	struct mem m;

	(void)state;
	/* Overlap. */
	mk_header(&m, 0);
	mk_rec(&m, 0x10000, 2 * PS, 0);
	mk_rec(&m, 0x11000, PS, 0);
	mk_trailer(&m, 2, 0);
	assert_err(&m, "record 1 [0x11000-0x12000) overlaps");
	free(m.buf);
	/* Out of order. */
	mk_header(&m, 0);
	mk_rec(&m, 0x20000, PS, 0);
	mk_rec(&m, 0x10000, PS, 0);
	mk_trailer(&m, 2, 0);
	assert_err(&m, "overlaps or precedes");
	free(m.buf);
	/* Touching is fine. */
	mk_header(&m, 0);
	mk_rec(&m, 0x10000, PS, 0);
	mk_rec(&m, 0x11000, PS, VXD_R_DIRTY);
	mk_trailer(&m, 2, 0);
	{
		struct vxd_summary s;

		assert_int_equal(check(&m, &s), 0);
		assert_int_equal(s.pages, 2);
	}
	free(m.buf);
	/* Empty record, unaligned length, wrap. */
	mk_header(&m, 0);
	mk_rec(&m, 0x10000, 0, 0);
	mk_trailer(&m, 1, 0);
	assert_err(&m, "bad range");
	free(m.buf);
	mk_header(&m, 0);
	mk_rec(&m, 0x10000, 100, 0);
	mk_trailer(&m, 1, 0);
	assert_err(&m, "bad range");
	free(m.buf);
	{
		struct vxd_rec r = { 0xfffffffffffff000ULL, 2 * PS, 0 };
		unsigned char b[VXD_REC_SIZE];

		mk_header(&m, 0);
		vxd_write_rec(&m.w, &r, b);
		mem_put(&m, b, sizeof(b));
		assert_err(&m, "wrapping");
		free(m.buf);
	}
	/* A trailer that claims more records than there are. */
	mk_header(&m, 0);
	mk_rec(&m, 0x10000, PS, 0);
	m.w.records++;
	mk_trailer(&m, 1, 0);
	assert_err(&m, "trailer counts (2 records, 4096 bytes) differ from the stream (1 records, 4096 bytes)");
	free(m.buf);
}

/* ---- maps and ranges -------------------------------------------------- */

static void test_maps(void **state)
{
	static const struct { const char *line; int want; } cases[] = {
		{ "55d1c0a00000-55d1c0a21000 rw-p 00000000 00:00 0                          [heap]\n", 1 },
		{ "7f0000000000-7f0000800000 rw-p 00000000 00:00 0 \n", 1 },
		{ "7f1000000000-7f1000001000 r--p 00000000 08:01 1234   /usr/lib/libc.so.6\n", 1 },
		{ "7f1000001000-7f1000002000 r-xp 00001000 08:01 1234   /usr/lib/libc.so.6\n", 1 },
		{ "7f1000002000-7f1000003000 ---p 00002000 08:01 1234   /usr/lib/libc.so.6\n", 0 },
		{ "7f2000000000-7f2000100000 rw-s 00000000 08:01 99     /tmp/shared file\n", 0 },
		{ "7f2100000000-7f2100100000 rw-s 00000000 00:01 2048   /dev/zero (deleted)\n", 0 },
		{ "7f2200000000-7f2200100000 rw-s 00000000 00:00 0 \n", 1 },
		{ "7ffd1000-7ffd3000 r--p 00000000 00:00 0                          [vvar]\n", 0 },
		{ "7ffd3000-7ffd4000 r--p 00000000 00:00 0                          [vvar_vclock]\n", 0 },
		{ "7ffd4000-7ffd6000 r-xp 00000000 00:00 0                          [vdso]\n", 1 },
		{ "7ffc0000-7ffc2000 rw-p 00000000 00:00 0                          [stack]\n", 1 },
		{ "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0          [vsyscall]\n", 0 },
		{ NULL, 0 },
	};
	struct vxd_map m;

	(void)state;
	for (int i = 0; cases[i].line; i++) {
		assert_int_equal(vxd_parse_maps_line(cases[i].line, &m), 0);
		if (vxd_map_dumpable(&m) != cases[i].want)
			fail_msg("%s: dumpable %d", cases[i].line, !cases[i].want);
	}
	assert_int_equal(vxd_parse_maps_line(cases[5].line, &m), 0);
	assert_string_equal(m.name, "/tmp/shared file");
	assert_int_equal(m.start, 0x7f2000000000);
	assert_int_equal(m.end, 0x7f2000100000);
	assert_string_equal(m.perms, "rw-s");
	assert_int_equal(m.inode, 99);
	assert_int_equal(vxd_parse_maps_line("garbage\n", &m), -1);
	assert_int_equal(vxd_parse_maps_line("2000-1000 rw-p 0 00:00 0\n", &m), -1);
}

static void test_ranges(void **state)
{
	uint64_t a, b;

	(void)state;
	assert_int_equal(vxd_parse_range("7f0000000000-7f0000800000", &a, &b), 0);
	assert_int_equal(a, 0x7f0000000000);
	assert_int_equal(b, 0x7f0000800000);
	assert_int_equal(vxd_parse_range("0x1000-0x2000", &a, &b), 0);
	assert_int_equal(a, 0x1000);
	assert_int_equal(b, 0x2000);
	assert_int_equal(vxd_parse_range("2000-1000", &a, &b), -1);
	assert_int_equal(vxd_parse_range("1000-1000", &a, &b), -1);
	assert_int_equal(vxd_parse_range("1000", &a, &b), -1);
	assert_int_equal(vxd_parse_range("1000-", &a, &b), -1);
	assert_int_equal(vxd_parse_range("1000-2000x", &a, &b), -1);
	assert_int_equal(vxd_parse_range("g-2000", &a, &b), -1);
	assert_int_equal(vxd_parse_range("1-100000000000000000", &a, &b), -1);
}

/* ---- pagemap runs ----------------------------------------------------- */

#define D (VXD_PM_SOFT_DIRTY | VXD_PM_PRESENT)
#define S (VXD_PM_SOFT_DIRTY | VXD_PM_SWAPPED)
#define P VXD_PM_PRESENT
#define H VXD_PM_SOFT_DIRTY	/* soft-dirty hole: nothing to dump */

static void expect_runs(const struct vxd_runs *r, size_t n, const uint64_t *want)
{
	if (r->n != n) {
		for (size_t i = 0; i < r->n; i++)
			print_message("run %zu: %#llx+%#llx\n", i,
				      (unsigned long long)r->v[i].start,
				      (unsigned long long)r->v[i].length);
		fail_msg("%zu runs, want %zu", r->n, n);
	}
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(r->v[i].start, want[2 * i]);
		assert_int_equal(r->v[i].length, want[2 * i + 1]);
		assert_int_equal(r->v[i].flags, VXD_R_DIRTY);
	}
}

static void test_pagemap_runs(void **state)
{
	static const uint64_t pm[] = {
		D, D, P, 0, S, D | (123ULL << 0), H, D | VXD_PM_EXCLUSIVE, P, D,
	};
	static const uint64_t want[] = {
		0x100000, 2 * PS,
		0x100000 + 4 * PS, 2 * PS,
		0x100000 + 7 * PS, PS,
		0x100000 + 9 * PS, PS,
	};
	static const uint64_t none[] = { 0, P, H, VXD_PM_SWAPPED, P | VXD_PM_EXCLUSIVE };
	struct vxd_runs r = { 0 };

	(void)state;
	assert_int_equal(vxd_runs_add_pagemap(&r, 0x100000, pm, 10, PS), 0);
	expect_runs(&r, 4, want);
	vxd_runs_free(&r);

	/* The same entries fed in chunks of every size give the same runs. */
	for (size_t chunk = 1; chunk <= 10; chunk++) {
		for (size_t i = 0; i < 10; i += chunk) {
			size_t n = 10 - i < chunk ? 10 - i : chunk;

			assert_int_equal(vxd_runs_add_pagemap(&r, 0x100000 + i * PS,
							      pm + i, n, PS), 0);
		}
		expect_runs(&r, 4, want);
		vxd_runs_free(&r);
	}

	assert_int_equal(vxd_runs_add_pagemap(&r, 0x100000, none, 5, PS), 0);
	assert_int_equal(r.n, 0);

	/* All dirty, across two adjacent mappings: one run. */
	{
		uint64_t all[300];
		static const uint64_t one[] = { 0x200000, 600 * PS };

		for (int i = 0; i < 300; i++)
			all[i] = D;
		assert_int_equal(vxd_runs_add_pagemap(&r, 0x200000, all, 300, PS), 0);
		assert_int_equal(vxd_runs_add_pagemap(&r, 0x200000 + 300 * PS, all,
						      300, PS), 0);
		expect_runs(&r, 1, one);
	}
	/* Going backwards is refused. */
	{
		uint64_t d = D;

		assert_int_equal(vxd_runs_add_pagemap(&r, 0x100000, &d, 1, PS), -1);
		assert_int_equal(errno, EINVAL);
	}
	vxd_runs_free(&r);
}

static void test_runs_add(void **state)
{
	struct vxd_runs r = { 0 };

	(void)state;
	/* Without merge (full dumps): one record per range even if they touch. */
	assert_int_equal(vxd_runs_add(&r, 0x1000, 0x1000, 0, 0), 0);
	assert_int_equal(vxd_runs_add(&r, 0x2000, 0x1000, 0, 0), 0);
	assert_int_equal(r.n, 2);
	/* With merge, only equal flags join. */
	assert_int_equal(vxd_runs_add(&r, 0x3000, 0x1000, 0, 1), 0);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.v[1].length, 0x2000);
	assert_int_equal(vxd_runs_add(&r, 0x4000, 0x1000, VXD_R_DIRTY, 1), 0);
	assert_int_equal(r.n, 3);
	assert_int_equal(vxd_runs_add(&r, 0x4800, 0x1000, 0, 1), -1);
	assert_int_equal(vxd_runs_add(&r, 0x9000, 0, 0, 1), -1);
	assert_int_equal(vxd_runs_add(&r, 0xfffffffffffff000ULL, 0x2000, 0, 1), -1);
	/* Many: the array grows. */
	for (uint64_t a = 0x100000; a < 0x100000 + 1000 * 0x2000; a += 0x2000)
		assert_int_equal(vxd_runs_add(&r, a, 0x1000, 0, 1), 0);
	assert_int_equal(r.n, 1003);
	vxd_runs_free(&r);
	assert_null(r.v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_empty_and_flags),
		cmocka_unit_test(test_data_callback),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_corrupt_fields),
		cmocka_unit_test(test_bad_records),
		cmocka_unit_test(test_maps),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_pagemap_runs),
		cmocka_unit_test(test_runs_add),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
