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
	return 0;
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

static long read_key(const char *path, const char *key)
{
	char name[128];
	long val;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fscanf(f, "%127[^: ]%*[: ]%ld%*[^\n]\n", name, &val) == 2) {
		if (!strcmp(name, key)) {
			fclose(f);
			return val;
		}
	}
	fclose(f);
	return -1;
}

long test_meminfo(const char *key)
{
	return read_key("/proc/meminfo", key);
}

long test_vmstat(const char *key)
{
	return read_key("/proc/vmstat", key);
}
