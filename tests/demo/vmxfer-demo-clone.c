// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmxfer-demo-clone - the clone demo (tests/demo-clone.sh).  Not installed.
 *
 * vmxfer-demo-clone --target [MiB]
 *	The target: maps MiB (default 16) of anonymous memory, 4 KiB pages,
 *	writes a message at the start of every page, prints
 *	"pid PID base 0xADDR len BYTES" and waits.  On SIGUSR1 it writes a
 *	new message into page 1 and prints it.  SIGTERM ends it.
 *
 * vmxfer-demo-clone PID ADDR LEN
 *	The demo: clones [ADDR, ADDR + LEN) of PID into itself with
 *	vmxfer_clone() and shows, step by step, that no data was copied
 *	(system AnonPages and the clone's Shared/Private_Dirty in smaps), that
 *	the clone holds the target's bytes, and copy-on-write both ways: a
 *	write to the clone leaves the target's page alone, and a write by the
 *	target (SIGUSR1) leaves the clone's alone.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/uio.h>

#include <vmxfer.h>

#define PAGE	4096UL
#define MSGLEN	64	/* bytes of a message shown */

static volatile sig_atomic_t poked;

static void on_usr1(int sig)
{
	(void)sig;
	poked = 1;
}

static int target(size_t mib)
{
	size_t len = mib << 20;
	sigset_t block, old;
	struct sigaction sa;
	char *base;

	base = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	if (base == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	madvise(base, len, MADV_NOHUGEPAGE);
	for (size_t off = 0; off < len; off += PAGE) {
		memset(base + off, '.', PAGE);
		snprintf(base + off, MSGLEN, "Page %zu of pid %d: written by the target.",
			 off / PAGE, (int)getpid());
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, &old);
	printf("pid %d base %p len %zu\n", (int)getpid(), (void *)base, len);
	fflush(stdout);
	for (;;) {
		while (!poked)
			sigsuspend(&old);
		poked = 0;
		snprintf(base + PAGE, MSGLEN, "Page 1: CHANGED by the target after the clone");
		printf("target: wrote \"%s\" into page 1\n", base + PAGE);
		fflush(stdout);
	}
}

/* A field of /proc/meminfo (kB), counters folded first (vm.stat_refresh). */
static long meminfo(const char *key)
{
	char line[256];
	size_t kl = strlen(key);
	long v = -1;
	FILE *f = fopen("/proc/sys/vm/stat_refresh", "we");

	if (f) {
		fputs("1\n", f);
		fclose(f);
	}
	f = fopen("/proc/meminfo", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && line[kl] == ':')
			v = strtol(line + kl + 1, NULL, 10);
	fclose(f);
	return v;
}

/* Rss, Shared_Dirty and Private_Dirty (kB) of our VMA starting at addr. */
static void smaps(void *addr, long *rss, long *shared, long *priv)
{
	char line[512], want[32];
	int in = 0;
	long v;
	FILE *f = fopen("/proc/self/smaps", "re");

	*rss = *shared = *priv = -1;
	if (!f)
		return;
	snprintf(want, sizeof(want), "%lx-", (unsigned long)addr);
	while (fgets(line, sizeof(line), f)) {
		char *sp = strchr(line, ' '), *dash = strchr(line, '-');

		if (dash && sp && dash < sp) {	/* a VMA header line */
			if (in)
				break;
			in = !strncmp(line, want, strlen(want));
			continue;
		}
		if (!in || sscanf(line, "%*[^:]:%ld", &v) != 1)
			continue;
		if (!strncmp(line, "Rss:", 4))
			*rss = v;
		else if (!strncmp(line, "Shared_Dirty:", 13))
			*shared = v;
		else if (!strncmp(line, "Private_Dirty:", 14))
			*priv = v;
	}
	fclose(f);
}

static void show_mem(const char *when, void *clone, long anon0)
{
	long rss, shared, priv, anon = meminfo("AnonPages");

	printf("  %s: system AnonPages %+ld kB since before the clone", when, anon - anon0);
	if (clone) {
		smaps(clone, &rss, &shared, &priv);
		printf("; the clone: Rss %ld kB, Shared_Dirty %ld kB, Private_Dirty %ld kB",
		       rss, shared, priv);
	}
	printf("\n");
}

static void peek_target(pid_t pid, const char *addr, char *out)
{
	struct iovec l = { out, MSGLEN }, r = { (void *)addr, MSGLEN };

	if (process_vm_readv(pid, &l, 1, &r, 1, 0) != MSGLEN)
		snprintf(out, MSGLEN, "(process_vm_readv: %s)", strerror(errno));
	out[MSGLEN - 1] = '\0';
}

static int demo(pid_t pid, char *addr, size_t len)
{
	char *c, tbuf[MSGLEN];
	int vfd, pidfd, same = 1;
	struct timespec t0, t1;
	long anon0;

	vfd = vmxfer_open();
	pidfd = vmxfer_pidfd_open(pid);
	if (vfd < 0 || pidfd < 0) {
		perror(vfd < 0 ? "vmxfer_open" : "pidfd_open");
		return 1;
	}

	printf("1. Clone %zu MiB at %p of pid %d into this process (pid %d)\n",
	       len >> 20, (void *)addr, (int)pid, (int)getpid());
	anon0 = meminfo("AnonPages");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	c = vmxfer_clone(vfd, pidfd, addr, len, NULL, 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (c == MAP_FAILED) {
		perror("vmxfer_clone");
		return 1;
	}
	printf("  vmxfer_clone() -> %p, %.2f ms (under TCG emulation)\n", (void *)c,
	       (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
	show_mem("after the clone", c, anon0);
	printf("  -> no data copied: the %zu MiB are the target's own pages, mapped\n"
	       "     in both processes (Shared_Dirty), copy-on-write\n", len >> 20);

	printf("\n2. The same bytes\n");
	printf("  clone  page 0: \"%.*s\"\n", MSGLEN, c);
	printf("  clone  page 1: \"%.*s\"\n", MSGLEN, c + PAGE);
	/* Checked against what the target wrote, not with process_vm_readv:
	 * that pins the target's pages, and pinning a page shared copy-on-write
	 * makes the kernel give the target its own copy first ("unshare"). */
	for (size_t off = 0; off < len && same; off += PAGE) {
		char want[PAGE];

		memset(want, '.', PAGE);
		snprintf(want, MSGLEN, "Page %zu of pid %d: written by the target.",
			 off / PAGE, (int)pid);
		same = !memcmp(want, c + off, PAGE);
	}
	printf("  all %zu bytes as the target wrote them: %s\n", len, same ? "yes" : "NO");
	show_mem("still", c, anon0);

	printf("\n3. Write into the clone's page 0\n");
	snprintf(c, MSGLEN, "Page 0: overwritten IN THE CLONE by pid %d", (int)getpid());
	printf("  clone  page 0: \"%.*s\"\n", MSGLEN, c);
	peek_target(pid, addr, tbuf);
	printf("  target page 0: \"%s\"\n", tbuf);
	show_mem("after the write", c, anon0);
	printf("  -> copy-on-write: one page (4 kB) copied, for the clone only\n");

	printf("\n4. The target writes into its page 1 (SIGUSR1)\n");
	kill(pid, SIGUSR1);
	for (int i = 0; i < 100; i++) {
		usleep(100000);	/* read only once written: see step 2 */
		peek_target(pid, addr + PAGE, tbuf);
		if (strstr(tbuf, "CHANGED"))
			break;
	}
	printf("  target page 1: \"%s\"\n", tbuf);
	printf("  clone  page 1: \"%.*s\"\n", MSGLEN, c + PAGE);
	show_mem("after the target's write", c, anon0);
	printf("  -> the target got its own copy of page 1; the clone keeps the old one\n");

	munmap(c, len);
	close(pidfd);
	close(vfd);
	return same && strstr(tbuf, "CHANGED") ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "--target")) {
		size_t mib = argc > 2 ? strtoul(argv[2], NULL, 10) : 16;

		if (!mib || mib > 1024) {
			fprintf(stderr, "%s --target [MiB (1..1024)]\n", argv[0]);
			return 2;
		}
		return target(mib);
	}
	if (argc == 4) {
		pid_t pid = (pid_t)strtol(argv[1], NULL, 10);
		char *addr = (char *)(uintptr_t)strtoull(argv[2], NULL, 16);
		size_t len = strtoull(argv[3], NULL, 0);

		if (pid > 0 && addr && len >= 2 * PAGE)
			return demo(pid, addr, len);
	}
	fprintf(stderr, "usage: %s --target [MiB] | %s PID ADDR LEN\n", argv[0], argv[0]);
	return 2;
}
