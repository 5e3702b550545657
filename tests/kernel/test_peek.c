// SPDX-License-Identifier: GPL-2.0
/*
 * vmxfer-ctl peek in the guest, against a live target child filled with
 * tgt_pattern(): the output compared byte for byte (whole pages, odd
 * addresses and lengths, a single byte, a THP target, to a file and to a
 * pipe), the --hexdump format (checked against an independent
 * formatter), the target still usable and cloneable afterwards, and the
 * error messages: an unmapped range (EFAULT), unreadable memory, no ptrace access (EPERM, as
 * another user with the device opened up), a
 * special mapping (EINVAL), a process that does not exist, usage errors.
 * vmxfer-ctl must be in PATH (tests/vm/run --file build/tools/vmxfer-ctl).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "common.h"

#define PAGE	4096UL
#define HPAGE	(2UL << 20)
#define OUT	"/tmp/peek.out"
#define ERR	"/tmp/peek.err"
#define MEMBER_ERR	"/tmp/peek-user.err"	/* written as another user */

static char *slurp(const char *path, size_t *len)
{
	struct stat st;
	char *buf;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	buf = malloc((size_t)st.st_size + 1);
	assert_non_null(buf);
	assert_int_equal(read(fd, buf, (size_t)st.st_size), st.st_size);
	buf[st.st_size] = '\0';
	close(fd);
	*len = (size_t)st.st_size;
	return buf;
}

/* vmxfer-ctl peek --pid PID ADDR LEN EXTRA, stdout to OUT, stderr to ERR. */
static int peek_sh(pid_t pid, const char *addr, size_t len, const char *extra)
{
	return test_sh("vmxfer-ctl peek --pid %d %s %s %zu >" OUT " 2>" ERR,
		       (int)pid, extra, addr, len);
}

static void expect_bytes(const char *buf, size_t off, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)buf[i] != tgt_pattern(off + i))
			fail_msg("byte %zu of the output (target offset %zu): %#x, want %#x",
				 i, off + i, (unsigned char)buf[i], tgt_pattern(off + i));
}

/* Peek [off, off + len) of t raw (to OUT with -o, or through stdout when
 * via_stdout), and compare. */
static void peek_range(struct target *t, size_t off, size_t len, int via_stdout,
		       int with_0x)
{
	char addr[32], *buf;
	size_t n;
	int rc;

	snprintf(addr, sizeof(addr), with_0x ? "0x%lx" : "%lx",
		 (unsigned long)(t->base + off));
	if (via_stdout)
		rc = peek_sh(t->pid, addr, len, "");
	else
		rc = test_sh("vmxfer-ctl peek --pid %d -o " OUT " %s %zu 2>" ERR,
			     (int)t->pid, addr, len);
	if (rc != 0) {
		buf = slurp(ERR, &n);
		fail_msg("peek %s %zu: exit %d: %s", addr, len, rc, buf);
	}
	buf = slurp(OUT, &n);
	assert_int_equal(n, len);
	expect_bytes(buf, off, len);
	free(buf);
}

static void test_whole_pages(void **state)
{
	struct target t;

	(void)state;
	target_start(&t, 16 * PAGE, 0);
	peek_range(&t, 0, 16 * PAGE, 0, 1);
	peek_range(&t, 4 * PAGE, 2 * PAGE, 1, 0);
	target_stop(&t);
}

static void test_odd_address_and_length(void **state)
{
	static const struct { size_t off, len; } cases[] = {
		{ 123, 3 * PAGE + 77 },		/* odd start, odd end, 5 pages */
		{ PAGE - 1, 2 },		/* two bytes across a boundary */
		{ 4000, 200 },
		{ 5 * PAGE + 1, PAGE - 2 },	/* inside one page */
		{ 16 * PAGE - 1, 1 },		/* the very last byte */
		{ 7, 16 * PAGE - 7 },		/* to the end */
		{ 0, 1 },
	};
	struct target t;

	(void)state;
	target_start(&t, 16 * PAGE, 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		peek_range(&t, cases[i].off, cases[i].len, 0, 1);
		peek_range(&t, cases[i].off, cases[i].len, 1, (int)(i & 1));
	}
	target_stop(&t);
}

static void test_thp(void **state)
{
	struct target t;

	(void)state;
	target_start(&t, 2 * HPAGE, TGT_THP);
	peek_range(&t, HPAGE - 333, 4 * PAGE + 999, 0, 1);
	peek_range(&t, 0, 2 * HPAGE, 1, 1);
	target_stop(&t);
}

/* Length suffixes and hex lengths. */
static void test_length_forms(void **state)
{
	struct target t;
	char *buf;
	size_t n;

	(void)state;
	target_start(&t, 16 * PAGE, 0);
	assert_int_equal(test_sh("vmxfer-ctl peek --pid %d %p 8k >" OUT, (int)t.pid,
				 (void *)(t.base + 3)), 0);
	buf = slurp(OUT, &n);
	assert_int_equal(n, 8192);
	expect_bytes(buf, 3, n);
	free(buf);
	assert_int_equal(test_sh("vmxfer-ctl peek --pid %d %p 0x1234 >" OUT, (int)t.pid,
				 (void *)(t.base + 5)), 0);
	buf = slurp(OUT, &n);
	assert_int_equal(n, 0x1234);
	expect_bytes(buf, 5, n);
	free(buf);
	target_stop(&t);
}

/* The peek leaves nothing behind: the target changes, the next peek sees
 * it, and this process (an unrelated caller) can clone the range. */
static void test_target_after(void **state)
{
	struct target t;
	int vfd = test_open();
	char *c, *buf;
	size_t n;

	(void)state;
	target_start(&t, 8 * PAGE, 0);
	peek_range(&t, 0, 8 * PAGE, 0, 1);
	target_write(&t, 2 * PAGE + 5, 0xee);
	assert_int_equal(test_sh("vmxfer-ctl peek --pid %d -o " OUT " %p 1",
				 (int)t.pid, (void *)(t.base + 2 * PAGE + 5)), 0);
	buf = slurp(OUT, &n);
	assert_int_equal(n, 1);
	assert_int_equal((unsigned char)buf[0], 0xee);
	free(buf);
	c = vmxfer_clone(vfd, t.pidfd, t.base, 8 * PAGE, NULL, 0);
	assert_ptr_not_equal(c, MAP_FAILED);
	assert_int_equal((unsigned char)c[2 * PAGE + 5], 0xee);
	munmap(c, 8 * PAGE);
	close(vfd);
	target_stop(&t);
}

/* An independent formatter: "%08lx: " + 8 groups of 4 hex digits + "  " +
 * ASCII, as xxd -o ADDR prints. */
static void xxd_line(char *out, size_t outlen, unsigned long addr,
		     const unsigned char *b, size_t n)
{
	size_t p = (size_t)snprintf(out, outlen, "%08lx:", addr);

	for (size_t i = 0; i < 16; i++) {
		if (!(i & 1))
			out[p++] = ' ';
		if (i < n)
			p += (size_t)sprintf(out + p, "%02x", b[i]);
		else
			p += (size_t)sprintf(out + p, "  ");
	}
	out[p++] = ' ';
	out[p++] = ' ';
	for (size_t i = 0; i < n; i++)
		out[p++] = b[i] >= 32 && b[i] < 127 ? (char)b[i] : '.';
	out[p++] = '\n';
	out[p] = '\0';
}

static void test_hexdump(void **state)
{
	struct target t;
	size_t off = PAGE - 21, len = 53, n, pos = 0;
	unsigned char want[64];
	char addr[32], line[128], *buf;

	(void)state;
	target_start(&t, 4 * PAGE, 0);
	/* Some printable bytes for the ASCII column. */
	for (size_t i = 0; i < 5; i++)
		target_write(&t, off + 3 + i, (unsigned char)"hello"[i]);
	for (size_t i = 0; i < len; i++)
		want[i] = tgt_pattern(off + i);
	memcpy(want + 3, "hello", 5);
	snprintf(addr, sizeof(addr), "%lx", (unsigned long)(t.base + off));
	assert_int_equal(peek_sh(t.pid, addr, len, "--hexdump"), 0);
	buf = slurp(OUT, &n);
	for (size_t o = 0; o < len; o += 16) {
		xxd_line(line, sizeof(line), (unsigned long)(t.base + off + o), want + o,
			 len - o < 16 ? len - o : 16);
		if (strncmp(buf + pos, line, strlen(line)))
			fail_msg("hexdump line %zu:\n%.*s\nwant:\n%s", o / 16,
				 (int)strlen(line), buf + pos, line);
		pos += strlen(line);
	}
	assert_int_equal(pos, n);
	assert_non_null(strstr(buf, "hello"));
	free(buf);
	/* -x, and into a file. */
	assert_int_equal(test_sh("vmxfer-ctl peek -x --pid %d -o " OUT " %s %zu",
				 (int)t.pid, addr, len), 0);
	buf = slurp(OUT, &n);
	assert_int_equal(n, pos);
	free(buf);
	target_stop(&t);
}

static void expect_in(const char *path, const char *needle)
{
	size_t n;
	char *buf = slurp(path, &n);

	if (!strstr(buf, needle))
		fail_msg("\"%s\" not in %s:\n%s", needle, path, buf);
	free(buf);
}

static void expect_err(const char *needle)
{
	expect_in(ERR, needle);
}

static void test_efault(void **state)
{
	struct target t;
	char addr[32];
	size_t n;
	char *buf;

	(void)state;
	target_start(&t, 8 * PAGE, 0);
	target_hole(&t, 3 * PAGE);
	snprintf(addr, sizeof(addr), "%lx", (unsigned long)(t.base + 100));
	assert_int_equal(peek_sh(t.pid, addr, 5 * PAGE, ""), 1);
	expect_err("not fully mapped");
	expect_err(strerror(EFAULT));
	buf = slurp(OUT, &n);
	assert_int_equal(n, 0);	/* nothing written */
	free(buf);
	/* Entirely unmapped: the hole itself. */
	snprintf(addr, sizeof(addr), "%lx", (unsigned long)(t.base + 3 * PAGE + 9));
	assert_int_equal(peek_sh(t.pid, addr, 10, ""), 1);
	expect_err("not fully mapped");
	/* Either side is fine. */
	peek_range(&t, 4 * PAGE + 1, 4 * PAGE - 1, 0, 1);
	target_stop(&t);
}

/* Like process_vm_readv: no PROT_NONE or write-only memory. */
static void test_unreadable(void **state)
{
	struct target t;
	char addr[32];

	(void)state;
	target_start(&t, 4 * PAGE, 0);
	snprintf(addr, sizeof(addr), "%lx", (unsigned long)(t.wronly + 3));
	assert_int_equal(peek_sh(t.pid, addr, 16, "--hexdump"), 1);
	expect_err("not readable");
	target_stop(&t);
}

static void test_einval_special(void **state)
{
	struct target t;
	char addr[32];

	(void)state;
	target_start(&t, PAGE, 0);	/* fork keeps the vdso address */
	snprintf(addr, sizeof(addr), "%lx", getauxval(AT_SYSINFO_EHDR) + 8);
	assert_int_equal(peek_sh(t.pid, addr, 16, "--hexdump"), 1);
	expect_err("cannot be cloned");
	target_stop(&t);
}

struct perm_arg {
	pid_t pid;
	char *addr;
};

static int peek_as_user(void *arg)
{
	struct perm_arg *a = arg;

	return test_sh("vmxfer-ctl peek --pid %d %p 16 >/dev/null 2>" MEMBER_ERR,
		       (int)a->pid, (void *)a->addr);
}

static void test_eperm(void **state)
{
	struct target t;
	struct perm_arg a;
	struct stat st;
	int rc;

	(void)state;
	target_start(&t, PAGE, 0);	/* root's */
	test_sh("rm -f " MEMBER_ERR);
	a.pid = t.pid;
	a.addr = t.base;
	/* The guest has no udev rule: let the other user open the device. */
	assert_int_equal(stat(VMXFER_DEVICE_PATH, &st), 0);
	assert_int_equal(chmod(VMXFER_DEVICE_PATH, 0666), 0);
	rc = test_as_user(TEST_UID_OTHER, peek_as_user, &a);
	assert_int_equal(chmod(VMXFER_DEVICE_PATH, st.st_mode & 07777), 0);
	assert_int_equal(rc, 1);
	expect_in(MEMBER_ERR, "ptrace access");
	expect_in(MEMBER_ERR, strerror(EPERM));
	target_stop(&t);
}

static void test_usage(void **state)
{
	struct target t;

	(void)state;
	target_start(&t, PAGE, 0);
	assert_int_equal(test_sh("vmxfer-ctl peek %p 16 2>" ERR, (void *)t.base), 2);
	expect_err("--pid is required");
	assert_int_equal(test_sh("vmxfer-ctl peek --pid %d %p 2>" ERR, (int)t.pid,
				 (void *)t.base), 2);
	expect_err("ADDR and LEN");
	assert_int_equal(test_sh("vmxfer-ctl peek --pid %d xyz 16 2>" ERR, (int)t.pid), 2);
	expect_err("bad address");
	assert_int_equal(test_sh("vmxfer-ctl peek --pid %d %p 0 2>" ERR, (int)t.pid,
				 (void *)t.base), 2);
	expect_err("bad length");
	/* No such process. */
	assert_int_equal(test_sh("vmxfer-ctl peek --pid 999999 1000 16 >/dev/null 2>" ERR),
			 1);
	expect_err("no such process");
	target_stop(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whole_pages),
		cmocka_unit_test(test_odd_address_and_length),
		cmocka_unit_test(test_thp),
		cmocka_unit_test(test_length_forms),
		cmocka_unit_test(test_target_after),
		cmocka_unit_test(test_hexdump),
		cmocka_unit_test(test_efault),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_einval_special),
		cmocka_unit_test(test_eperm),
		cmocka_unit_test(test_usage),
	};

	test_filter_from_env();
	return cmocka_run_group_tests_name("vmxfer-ctl peek", tests, NULL, NULL);
}
