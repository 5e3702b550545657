/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal FUSE file system for the guest tests, served by a thread of
 * the test over a raw /dev/fuse (no libfuse): one regular file, "file",
 * whose READ and WRITE requests can be left unanswered ("stalled") so
 * that whoever faults on its pages waits for as long as the test wants,
 * holding whatever locks the fault holds.  Everything waiting is released
 * by tfuse_stop(), which aborts the connection (fusectl) and unmounts.
 */
#ifndef VMXFER_TEST_FUSE_H
#define VMXFER_TEST_FUSE_H

#include <pthread.h>
#include <stddef.h>

struct tfuse {
	int fd;			/* /dev/fuse */
	unsigned int conn;	/* the fusectl connection number */
	pthread_t thread;
	char mnt[64];
	char path[80];		/* mnt/file */
	size_t size;		/* of the file */
	volatile int stall;	/* leave READ and WRITE unanswered */
	volatile int stalled;	/* READ and WRITE requests left unanswered */
	volatile int up;	/* INIT answered */
};

/*
 * Mount at a fresh directory under /tmp, serve from a thread; the file is
 * @size bytes, each byte of page i reading 'a' + i % 26.  0, or an errno
 * (ENODEV: no FUSE in this kernel).
 */
int tfuse_start(struct tfuse *f, size_t size);
/* Wait until @n requests are stalled: 0, or -1 after @ms milliseconds. */
int tfuse_wait_stalled(struct tfuse *f, int n, int ms);
/* Abort the connection (every waiter gets an error), unmount, join. */
void tfuse_stop(struct tfuse *f);

#endif
