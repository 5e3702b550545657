// SPDX-License-Identifier: GPL-2.0
/* Helpers shared by the in-guest kernel tests; see common.h. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include "common.h"

int test_open(void)
{
	int fd = vmxfer_open();

	if (fd < 0)
		fail_msg("vmxfer_open: %s", strerror(errno));
	return fd;
}

int test_sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static int drop_to(uid_t uid)
{
	struct passwd *pw = getpwuid(uid);

	if (!pw)
		return -1;
	if (initgroups(pw->pw_name, pw->pw_gid) ||
	    setgid(pw->pw_gid) || setuid(uid))
		return -1;
	/* As a freshly exec'd process of that user is: dumpable. */
	return prctl(PR_SET_DUMPABLE, 1) ? -1 : 0;
}

int test_as_user(uid_t uid, int (*fn)(void *arg), void *arg)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (drop_to(uid))
			_exit(120);
		_exit(fn(arg));
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

void test_reload(const char *params)
{
	const char *ko = getenv("VMXFER_KO");

	assert_non_null(ko);
	test_sh("rmmod vmxfer 2>/dev/null");
	assert_int_equal(test_sh("insmod %s %s", ko, params ? params : ""), 0);
}

/* "Key: value" or "key value" files: /proc/meminfo, vmstat, status. */
static long read_key(const char *path, const char *key)
{
	char line[256], name[128];
	long val = -1, v;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%127[^:\t ]%*[:\t ]%ld", name, &v) == 2 &&
		    !strcmp(name, key)) {
			val = v;
			break;
		}
	}
	fclose(f);
	return val;
}

long test_meminfo(const char *key)
{
	return read_key("/proc/meminfo", key);
}

long test_vmstat(const char *key)
{
	return read_key("/proc/vmstat", key);
}

struct tgt_msg {
	char op;
	size_t off;
	unsigned char val;
};

static void target_child(int cmd, int ack, size_t len, unsigned int flags)
{
	size_t map = len, i;
	struct tgt_msg m;
	char *base, *raw, *wronly;

	if (flags & TGT_THP)
		map = len + (2UL << 20);
	raw = mmap(NULL, map, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		_exit(90);
	base = raw;
	if (flags & TGT_THP) {
		base = (char *)(((uintptr_t)raw + (2UL << 20) - 1) & ~((2UL << 20) - 1));
		madvise(base, len, MADV_HUGEPAGE);
	}
	if (!(flags & TGT_NOFILL))
		for (i = 0; i < len; i++)
			base[i] = (char)tgt_pattern(i);
	wronly = mmap(NULL, 10 * 4096, PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		      -1, 0);
	if (wronly == MAP_FAILED)
		_exit(90);
	if (write(ack, &base, sizeof(base)) != sizeof(base) ||
	    write(ack, &wronly, sizeof(wronly)) != sizeof(wronly))
		_exit(91);
	while (read(cmd, &m, sizeof(m)) == sizeof(m)) {
		switch (m.op) {
		case 'w':
			base[m.off] = (char)m.val;
			break;
		case 'p':
			madvise(base, len, 21 /* MADV_PAGEOUT */);
			break;
		case 'u':
			munmap(raw, map);
			break;
		case 'q':
			_exit(0);
		}
		if (write(ack, &m.op, 1) != 1)
			_exit(92);
	}
	_exit(0);
}

void target_start(struct target *t, size_t len, unsigned int flags)
{
	int c[2], a[2];

	assert_int_equal(pipe(c), 0);
	assert_int_equal(pipe(a), 0);
	t->len = len;
	t->pid = fork();
	assert_true(t->pid >= 0);
	if (t->pid == 0) {
		close(c[1]);
		close(a[0]);
		target_child(c[0], a[1], len, flags);
	}
	close(c[0]);
	close(a[1]);
	t->cmd = c[1];
	t->ack = a[0];
	assert_int_equal(read(t->ack, &t->base, sizeof(t->base)),
			 sizeof(t->base));
	assert_int_equal(read(t->ack, &t->wronly, sizeof(t->wronly)),
			 sizeof(t->wronly));
	t->pidfd = vmxfer_pidfd_open(t->pid);
	assert_true(t->pidfd >= 0);
}

static void target_cmd(struct target *t, char op, size_t off, unsigned char val)
{
	struct tgt_msg m = { .op = op, .off = off, .val = val };
	char done;

	assert_int_equal(write(t->cmd, &m, sizeof(m)), sizeof(m));
	if (op == 'q')
		return;
	assert_int_equal(read(t->ack, &done, 1), 1);
	assert_int_equal(done, op);
}

void target_write(struct target *t, size_t off, unsigned char val)
{
	target_cmd(t, 'w', off, val);
}

void target_pageout(struct target *t)
{
	target_cmd(t, 'p', 0, 0);
}

void target_munmap(struct target *t)
{
	target_cmd(t, 'u', 0, 0);
}

void target_exit(struct target *t)
{
	int st;

	if (t->pid <= 0)
		return;
	target_cmd(t, 'q', 0, 0);
	assert_int_equal(waitpid(t->pid, &st, 0), t->pid);
	t->pid = 0;
}

void target_stop(struct target *t)
{
	target_exit(t);
	close(t->cmd);
	close(t->ack);
	close(t->pidfd);
}

long proc_kb(pid_t pid, const char *file, const char *key)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	return read_key(path, key);
}
