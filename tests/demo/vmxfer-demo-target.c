// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmxfer-demo-target [MiB] - a process for the dump demo
 * (tests/demo-splice.sh).  Maps MiB (default 8) of anonymous memory with
 * transparent huge pages off (so soft-dirty tracking is per 4 KiB page),
 * fills it, prints "pid PID base 0xADDR len BYTES" and waits.  On SIGUSR1
 * it writes one byte into each of 3 pages (pages 1, 2 and 100 of the
 * mapping) and prints "wrote 3 pages: 0xA 0xB 0xC".  SIGTERM ends it.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>

static volatile sig_atomic_t poked;

static void on_usr1(int sig)
{
	(void)sig;
	poked = 1;
}

int main(int argc, char **argv)
{
	static const size_t pages[] = { 1, 2, 100 };
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 8, len, ps;
	struct sigaction sa;
	sigset_t block, old;
	unsigned char round = 0;
	char *base;

	if (!mib || mib > 4096) {
		fprintf(stderr, "usage: %s [MiB (1..4096)]\n", argv[0]);
		return 2;
	}
	ps = (size_t)sysconf(_SC_PAGESIZE);
	len = mib << 20;
	prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
	base = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	if (base == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	for (size_t i = 0; i < len; i++)
		base[i] = (char)(i / ps * 7 + i % ps);
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
		round++;
		printf("wrote %zu pages:", sizeof(pages) / sizeof(pages[0]));
		for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
			base[pages[i] * ps + 17] = (char)(0xa0 + round);
			printf(" %p", (void *)(base + pages[i] * ps));
		}
		printf("\n");
		fflush(stdout);
	}
}
