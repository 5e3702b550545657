// SPDX-License-Identifier: GPL-2.0
/*
 * vmxfer-ctl dump / undump in the guest, against a live target child:
 * full dumps to a file (contents checked against the child's pattern and
 * with undump --against), --range, incremental dumps after the child
 * writes a few pages (exactly those pages, to a file, a pipe and a
 * socket), the read+write fallback for an O_APPEND output, and the error
 * messages.  The stream is parsed here independently of tools/dumpfmt.c.
 * vmxfer-ctl must be in PATH (tests/vm/run --file build/tools/vmxfer-ctl).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "common.h"

#define PAGE	4096UL
#define TLEN	(4UL << 20)	/* the target's buffer */

/* ---- an independent reader of the format (see vmxfer-ctl(8)) ---------- */

struct drec {
	uint64_t start, len;
	uint32_t flags;
	const unsigned char *data;
};

struct dump {
	unsigned char *buf;
	size_t size;
	uint32_t version, flags, pid, page_size;
	struct drec rec[512];
	size_t nrec;
	uint64_t t_records, t_bytes, t_ranges;
	uint32_t t_flags;
};

static uint64_t le(const unsigned char *p, int n)
{
	uint64_t v = 0;

	while (n--)
		v = (v << 8) | p[n];
	return v;
}

static void parse(struct dump *d)
{
	size_t off = 32;

	assert_true(d->size >= 32 + 24 + 32);
	assert_memory_equal(d->buf, "VMXFDUMP", 8);
	d->version = (uint32_t)le(d->buf + 8, 4);
	d->flags = (uint32_t)le(d->buf + 12, 4);
	d->pid = (uint32_t)le(d->buf + 16, 4);
	d->page_size = (uint32_t)le(d->buf + 20, 4);
	assert_int_equal(d->version, 1);
	assert_int_equal(d->page_size, PAGE);
	d->nrec = 0;
	for (;;) {
		const unsigned char *h = d->buf + off;
		struct drec r;

		assert_true(off + 24 <= d->size);
		r.start = le(h, 8);
		r.len = le(h + 8, 8);
		r.flags = (uint32_t)le(h + 16, 4);
		assert_int_equal(le(h + 20, 4), 0);
		off += 24;
		if (r.flags & 1) {	/* trailer */
			assert_int_equal(r.start, 0);
			assert_int_equal(r.len, 0);
			d->t_flags = r.flags;
			assert_int_equal(off + 32, d->size);
			d->t_records = le(d->buf + off, 8);
			d->t_bytes = le(d->buf + off + 8, 8);
			d->t_ranges = le(d->buf + off + 16, 8);
			break;
		}
		assert_true(d->nrec < sizeof(d->rec) / sizeof(d->rec[0]));
		assert_true(off + r.len <= d->size);
		r.data = d->buf + off;
		off += r.len;
		if (d->nrec)
			assert_true(r.start >= d->rec[d->nrec - 1].start +
					       d->rec[d->nrec - 1].len);
		d->rec[d->nrec++] = r;
	}
	assert_int_equal(d->t_records, d->nrec);
}

static void load_fd(struct dump *d, int fd)
{
	size_t cap = 1 << 20;
	ssize_t n;

	d->buf = malloc(cap);
	d->size = 0;
	assert_non_null(d->buf);
	while ((n = read(fd, d->buf + d->size, cap - d->size)) > 0) {
		d->size += (size_t)n;
		if (d->size == cap) {
			cap *= 2;
			d->buf = realloc(d->buf, cap);
			assert_non_null(d->buf);
		}
	}
	assert_int_equal(n, 0);
	parse(d);
}

static void load(struct dump *d, const char *path)
{
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	load_fd(d, fd);
	close(fd);
}

static void unload(struct dump *d)
{
	free(d->buf);
	d->buf = NULL;
}

/* The records that fall inside [lo, hi), which must not straddle it. */
static size_t recs_in(const struct dump *d, uint64_t lo, uint64_t hi,
		      const struct drec **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < d->nrec; i++) {
		const struct drec *r = &d->rec[i];

		if (r->start + r->len <= lo || r->start >= hi)
			continue;
		assert_true(r->start >= lo && r->start + r->len <= hi);
		assert_true(n < max);
		out[n++] = r;
	}
	return n;
}

static int file_has(const char *path, const char *needle)
{
	char buf[4096];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return 0;
	buf[n] = '\0';
	if (!strstr(buf, needle)) {
		print_message("%s: \"%s\" not in:\n%s\n", path, needle, buf);
		return 0;
	}
	return 1;
}

/* Expected byte of the target at buffer offset off, given its writes. */
struct wr {
	size_t off;
	unsigned char val;
};

static unsigned char expect_at(size_t off, const struct wr *w, size_t nw)
{
	unsigned char v = tgt_pattern(off);

	for (size_t i = 0; i < nw; i++)
		if (w[i].off == off)
			v = w[i].val;
	return v;
}

static void check_bytes(const struct target *t, const struct drec *r,
			const struct wr *w, size_t nw)
{
	uint64_t base = (uintptr_t)t->base;

	for (uint64_t a = r->start; a < r->start + r->len; a++) {
		size_t off = (size_t)(a - base);

		if (r->data[a - r->start] != expect_at(off, w, nw))
			fail_msg("0x%llx (+%zu): %#x, want %#x", (unsigned long long)a,
				 off, r->data[a - r->start], expect_at(off, w, nw));
	}
}

/* ---- fixtures --------------------------------------------------------- */

static int setup(void **state)
{
	struct vmxfer_info info;
	int vfd = test_open();

	(void)state;
	if (vmxfer_info(vfd, &info) || !(info.features & VMXFER_FEAT_SPLICE)) {
		fprintf(stderr, "splice unavailable on this kernel\n");
		close(vfd);
		return -1;
	}
	close(vfd);
	/* Per-4K soft-dirty tracking in the target (inherited by fork). */
	if (prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0))
		return -1;
	if (test_sh("command -v vmxfer-ctl >/dev/null")) {
		fprintf(stderr, "vmxfer-ctl not in PATH\n");
		return -1;
	}
	return 0;
}

static char range[64];

static void start(struct target *t)
{
	target_start(t, TLEN, 0);
	snprintf(range, sizeof(range), "%lx-%lx", (unsigned long)(uintptr_t)t->base,
		 (unsigned long)(uintptr_t)(t->base + TLEN));
}

/* ---- tests ------------------------------------------------------------ */

static void test_full_file(void **state)
{
	const struct drec *in[8];
	struct target t;
	struct dump d;
	uint64_t base, total = 0;
	int found = 0;

	(void)state;
	start(&t);
	base = (uintptr_t)t.base;
	assert_int_equal(test_sh("vmxfer-ctl dump --pid %d -o /tmp/full.vxd 2>/tmp/err",
				 t.pid), 0);
	assert_true(file_has("/tmp/err", "output via splice(2)"));
	assert_int_equal(test_sh("vmxfer-ctl undump --check /tmp/full.vxd"), 0);
	assert_int_equal(test_sh("vmxfer-ctl undump --check --against %d /tmp/full.vxd",
				 t.pid), 0);
	load(&d, "/tmp/full.vxd");
	assert_int_equal(d.pid, (uint32_t)t.pid);
	assert_int_equal(d.flags, 0);
	assert_int_equal(d.t_flags, 1);
	assert_true(d.nrec >= 5);	/* text, data, heap?, stack, buffer... */
	assert_int_equal(d.t_ranges, d.nrec);
	for (size_t i = 0; i < d.nrec; i++) {
		total += d.rec[i].len;
		assert_int_equal(d.rec[i].flags, 0);
		/* The write-only mapping is not readable: not dumped. */
		assert_false(d.rec[i].start <= (uintptr_t)t.wronly &&
			     (uintptr_t)t.wronly < d.rec[i].start + d.rec[i].len);
		/* The buffer: inside one record (its mapping). */
		if (d.rec[i].start <= base && base + TLEN <= d.rec[i].start + d.rec[i].len) {
			struct drec sub = {
				.start = base, .len = TLEN,
				.data = d.rec[i].data + (base - d.rec[i].start),
			};

			check_bytes(&t, &sub, NULL, 0);
			found = 1;
		}
	}
	assert_true(found);
	assert_int_equal(total, d.t_bytes);
	assert_int_equal(d.size, 32 + 24 * (d.nrec + 1) + 32 + total);
	(void)in;
	unload(&d);

	/* --range: exactly the buffer, one record. */
	assert_int_equal(test_sh("vmxfer-ctl dump --pid %d --range %s -o /tmp/r.vxd "
				 "2>/dev/null", t.pid, range), 0);
	load(&d, "/tmp/r.vxd");
	assert_int_equal(d.nrec, 1);
	assert_int_equal(d.t_ranges, 1);
	assert_int_equal(d.rec[0].start, base);
	assert_int_equal(d.rec[0].len, TLEN);
	check_bytes(&t, &d.rec[0], NULL, 0);
	unload(&d);

	/* Two sub-ranges, given out of order and unaligned: rounded to pages. */
	assert_int_equal(test_sh("vmxfer-ctl dump --pid %d --range %lx-%lx "
				 "--range %lx-%lx -o /tmp/r2.vxd 2>/dev/null", t.pid,
				 (unsigned long)(base + 10 * PAGE + 1),
				 (unsigned long)(base + 12 * PAGE - 1),
				 (unsigned long)base, (unsigned long)(base + PAGE)), 0);
	load(&d, "/tmp/r2.vxd");
	assert_int_equal(d.nrec, 2);
	assert_int_equal(d.rec[0].start, base);
	assert_int_equal(d.rec[0].len, PAGE);
	assert_int_equal(d.rec[1].start, base + 10 * PAGE);
	assert_int_equal(d.rec[1].len, 2 * PAGE);
	check_bytes(&t, &d.rec[0], NULL, 0);
	check_bytes(&t, &d.rec[1], NULL, 0);
	assert_int_equal(recs_in(&d, base, base + TLEN, in, 8), 2);
	unload(&d);
	target_stop(&t);
}

/* Runs vmxfer-ctl dump with stdout on one end of a socketpair; reads it. */
static void dump_to_socket(struct dump *d, pid_t pid, const char *args)
{
	char cmd[512];
	int sv[2], st;
	pid_t c;

	snprintf(cmd, sizeof(cmd), "exec vmxfer-ctl dump --pid %d %s 2>/tmp/err.sock",
		 (int)pid, args);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	c = fork();
	assert_true(c >= 0);
	if (c == 0) {
		dup2(sv[1], 1);
		close(sv[0]);
		close(sv[1]);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	load_fd(d, sv[0]);
	close(sv[0]);
	assert_int_equal(waitpid(c, &st, 0), c);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_true(file_has("/tmp/err.sock", "output via splice(2)"));
}

static void expect_dirty(const struct target *t, const struct dump *d,
			 const uint64_t *want, size_t nwant, const struct wr *w,
			 size_t nw)
{
	const struct drec *in[16];
	uint64_t base = (uintptr_t)t->base;
	size_t n = recs_in(d, base, base + TLEN, in, 16);

	assert_int_equal(d->flags, 1);	/* incremental */
	if (n != nwant) {
		for (size_t i = 0; i < n; i++)
			print_message("record +%#llx len %#llx\n",
				      (unsigned long long)(in[i]->start - base),
				      (unsigned long long)in[i]->len);
		fail_msg("%zu records in the buffer, want %zu", n, nwant);
	}
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(in[i]->start, base + want[2 * i]);
		assert_int_equal(in[i]->len, want[2 * i + 1]);
		assert_int_equal(in[i]->flags, 2);	/* dirty */
		check_bytes(t, in[i], w, nw);
	}
}

static void test_incremental(void **state)
{
	const struct wr w1[] = {
		{ 3 * PAGE + 5, 0xa1 }, { 4 * PAGE + 4095, 0xa2 }, { 200 * PAGE, 0xa3 },
	};
	const struct wr w2[] = {
		{ 3 * PAGE + 5, 0xa1 }, { 4 * PAGE + 4095, 0xa2 }, { 200 * PAGE, 0xa3 },
		{ 0, 0xb1 }, { TLEN - 1, 0xb2 },
	};
	const uint64_t want1[] = { 3 * PAGE, 2 * PAGE, 200 * PAGE, PAGE };
	const uint64_t want2[] = { 0, PAGE, TLEN - PAGE, PAGE };
	struct target t;
	struct dump d;

	(void)state;
	start(&t);
	/* A full dump resets the soft-dirty bits. */
	assert_int_equal(test_sh("vmxfer-ctl dump --pid %d -o /tmp/base.vxd 2>/dev/null",
				 t.pid), 0);
	for (size_t i = 0; i < 3; i++)
		target_write(&t, w1[i].off, w1[i].val);

	/* Whole process, to a file: in the buffer, exactly the 3 pages. */
	assert_int_equal(test_sh("vmxfer-ctl dump --pid %d --incremental "
				 "-o /tmp/i1.vxd 2>/tmp/err", t.pid), 0);
	assert_true(file_has("/tmp/err", "(incremental)"));
	assert_int_equal(test_sh("vmxfer-ctl undump --check --against %d /tmp/i1.vxd",
				 t.pid), 0);
	load(&d, "/tmp/i1.vxd");
	expect_dirty(&t, &d, want1, 2, w1, 3);
	assert_int_equal(d.t_flags, 1);
	unload(&d);

	/* Nothing written since: nothing in the buffer (range only: 0 records). */
	assert_int_equal(test_sh("vmxfer-ctl dump --pid %d --incremental --range %s "
				 "-o /tmp/i2.vxd 2>/dev/null", t.pid, range), 0);
	load(&d, "/tmp/i2.vxd");
	assert_int_equal(d.nrec, 0);
	assert_int_equal(d.t_bytes, 0);
	assert_int_equal(d.t_ranges, 1);
	unload(&d);

	/* Two more pages, through a pipe. */
	target_write(&t, w2[3].off, w2[3].val);
	target_write(&t, w2[4].off, w2[4].val);
	assert_int_equal(test_sh("vmxfer-ctl dump --pid %d --incremental --range %s "
				 "2>/tmp/err | cat >/tmp/i3.vxd", t.pid, range), 0);
	assert_true(file_has("/tmp/err", "output via splice(2)"));
	assert_int_equal(test_sh("cat /tmp/i3.vxd | vmxfer-ctl undump --check -q -"), 0);
	load(&d, "/tmp/i3.vxd");
	assert_int_equal(d.nrec, 2);
	assert_int_equal(d.t_bytes, 2 * PAGE);
	expect_dirty(&t, &d, want2, 2, w2, 5);
	unload(&d);

	/* Many one-page records: more pipe slots than the pipe has. */
	{
		const unsigned int n = 300;	/* pages 100, 102, ... 698 */

		for (unsigned int i = 0; i < n; i++)
			target_write(&t, (100 + 2 * i) * PAGE + 9, 0xd0);
		assert_int_equal(test_sh("vmxfer-ctl dump --pid %d --incremental --range %s "
					 "-o /tmp/many.vxd 2>/dev/null", t.pid, range), 0);
		load(&d, "/tmp/many.vxd");
		assert_int_equal(d.nrec, n);
		for (unsigned int i = 0; i < n; i++) {
			assert_int_equal(d.rec[i].start,
					 (uintptr_t)t.base + (100 + 2 * i) * PAGE);
			assert_int_equal(d.rec[i].len, PAGE);
			assert_int_equal(d.rec[i].data[9], 0xd0);
		}
		unload(&d);
		/* Put them back to the pattern the later checks expect. */
		for (unsigned int i = 0; i < n; i++)
			target_write(&t, (100 + 2 * i) * PAGE + 9,
				     tgt_pattern((100 + 2 * i) * PAGE + 9));
		assert_int_equal(test_sh("vmxfer-ctl dump --pid %d -o /dev/null "
					 "2>/dev/null", t.pid), 0);
	}

	/* And one more, to a socket. */
	target_write(&t, 1000 * PAGE + 7, 0xc1);
	{
		const struct wr w3[] = {
			{ 3 * PAGE + 5, 0xa1 }, { 4 * PAGE + 4095, 0xa2 },
			{ 200 * PAGE, 0xa3 }, { 0, 0xb1 }, { TLEN - 1, 0xb2 },
			{ 1000 * PAGE + 7, 0xc1 },
		};
		const uint64_t want3[] = { 1000 * PAGE, PAGE };
		char args[128];

		snprintf(args, sizeof(args), "--incremental --range %s", range);
		dump_to_socket(&d, t.pid, args);
		assert_int_equal(d.nrec, 1);
		expect_dirty(&t, &d, want3, 1, w3, 6);
		unload(&d);
		/* A full dump to a socket too. */
		snprintf(args, sizeof(args), "--range %s", range);
		dump_to_socket(&d, t.pid, args);
		assert_int_equal(d.nrec, 1);
		assert_int_equal(d.rec[0].len, TLEN);
		check_bytes(&t, &d.rec[0], w3, 6);
		unload(&d);
	}
	target_stop(&t);
}

static void test_append_fallback(void **state)
{
	struct target t;
	struct dump d;

	(void)state;
	start(&t);
	/* O_APPEND: splice(2) says EINVAL, the tool reads and writes. */
	assert_int_equal(test_sh("rm -f /tmp/app.vxd; vmxfer-ctl dump --pid %d --range %s "
				 ">>/tmp/app.vxd 2>/tmp/err", t.pid, range), 0);
	assert_true(file_has("/tmp/err", "read+write"));
	load(&d, "/tmp/app.vxd");
	assert_int_equal(d.nrec, 1);
	check_bytes(&t, &d.rec[0], NULL, 0);
	unload(&d);
	target_stop(&t);
}

struct as_user {
	pid_t pid;
	const char *err;
};

static int dump_as(void *arg)
{
	struct as_user *a = arg;

	return test_sh("vmxfer-ctl dump --pid %d -o /dev/null 2>%s", (int)a->pid,
		       a->err);
}

static void test_errors(void **state)
{
	struct target t;
	pid_t dead;

	(void)state;
	start(&t);
	/* Usage. */
	assert_int_equal(test_sh("vmxfer-ctl dump -o /tmp/x 2>/dev/null"), 2);
	assert_int_equal(test_sh("vmxfer-ctl dump --pid %d --range 2000-1000 "
				 "2>/dev/null >/dev/null", t.pid), 2);
	assert_int_equal(test_sh("vmxfer-ctl undump /tmp/x 2>/dev/null"), 2);
	/* No such process. */
	dead = fork();
	if (dead == 0)
		_exit(0);
	waitpid(dead, NULL, 0);
	assert_int_equal(test_sh("vmxfer-ctl dump --pid %d -o /tmp/x 2>/tmp/err",
				 (int)dead), 1);
	assert_true(file_has("/tmp/err", "no such process"));
	/* A range with nothing dumpable. */
	assert_int_equal(test_sh("vmxfer-ctl dump --pid %d --range 1000-2000 -o /tmp/x "
				 "2>/tmp/err", t.pid), 1);
	assert_true(file_has("/tmp/err", "no dumpable memory"));
	/*
	 * A terminal is refused: stdout on a pseudo-terminal, every time (a
	 * drainer reads the master, so a dump that is not refused ends).
	 */
	{
		int ptm = posix_openpt(O_RDWR | O_NOCTTY);
		pid_t drainer;

		assert_true(ptm >= 0);
		assert_int_equal(grantpt(ptm), 0);
		assert_int_equal(unlockpt(ptm), 0);
		drainer = fork();
		if (drainer == 0) {
			char b[4096];

			while (read(ptm, b, sizeof(b)) > 0)
				;
			_exit(0);
		}
		assert_int_equal(test_sh("vmxfer-ctl dump --pid %d --range %lx-%lx "
					 ">%s 2>/tmp/err", t.pid,
					 (unsigned long)t.base,
					 (unsigned long)t.base + 4096,
					 ptsname(ptm)), 1);
		kill(drainer, SIGKILL);
		waitpid(drainer, NULL, 0);
		close(ptm);
		assert_true(file_has("/tmp/err", "terminal"));
	}
	/* A user who may not open /dev/vmxfer (root's, 0600 here: no udev). */
	{
		struct as_user a = { t.pid, "/tmp/err.other" };

		assert_int_equal(test_as_user(TEST_UID_OTHER, dump_as, &a), 1);
		assert_true(file_has(a.err, "add yourself to group vmxfer"));
	}
	/* One who may (group vmxfer, as the udev rule sets it up), but may
	 * not ptrace root's process. */
	assert_int_equal(chown(VMXFER_DEVICE_PATH, 0, TEST_GID_VMXFER), 0);
	assert_int_equal(chmod(VMXFER_DEVICE_PATH, 0660), 0);
	{
		struct as_user a = { t.pid, "/tmp/err.member" };
		int rc = test_as_user(TEST_UID_MEMBER, dump_as, &a);

		assert_int_equal(chown(VMXFER_DEVICE_PATH, 0, 0), 0);
		assert_int_equal(chmod(VMXFER_DEVICE_PATH, 0600), 0);
		assert_int_equal(rc, 1);
		assert_true(file_has(a.err, "ptrace access"));
	}
	/* Corrupt and truncated dumps are invalid. */
	assert_int_equal(test_sh("vmxfer-ctl dump --pid %d --range %s -o /tmp/c.vxd "
				 "2>/dev/null", t.pid, range), 0);
	assert_int_equal(test_sh("head -c 100000 /tmp/c.vxd >/tmp/t.vxd; "
				 "vmxfer-ctl undump --check /tmp/t.vxd >/tmp/out"), 1);
	assert_true(file_has("/tmp/out", "truncated"));
	assert_int_equal(test_sh("printf X | dd of=/tmp/c.vxd bs=1 seek=40 conv=notrunc "
				 "2>/dev/null; vmxfer-ctl undump --check /tmp/c.vxd >/tmp/out"),
			 1);
	assert_true(file_has("/tmp/out", "INVALID"));
	/* The contents changed since the dump: --against says where. */
	assert_int_equal(test_sh("vmxfer-ctl dump --pid %d --range %s -o /tmp/c.vxd "
				 "2>/dev/null", t.pid, range), 0);
	target_write(&t, 77 * PAGE + 3, 0x5a);
	assert_int_equal(test_sh("vmxfer-ctl undump --check --against %d /tmp/c.vxd "
				 ">/tmp/out", t.pid), 1);
	{
		char where[64];

		snprintf(where, sizeof(where), "at 0x%lx",
			 (unsigned long)(uintptr_t)(t.base + 77 * PAGE + 3));
		assert_true(file_has("/tmp/out", where));
	}
	target_stop(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_file),
		cmocka_unit_test(test_incremental),
		cmocka_unit_test(test_append_fallback),
		cmocka_unit_test(test_errors),
	};

	test_filter_from_env();
	return cmocka_run_group_tests(tests, setup, NULL);
}
