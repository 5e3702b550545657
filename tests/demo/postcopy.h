/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Postcopy demand paging with vmxfer_move: process B's memory is served,
 * fault by fault, from process A over a socket.  B's userfaultfd handler
 * receives each page (or chunk) into a staging buffer and moves it into
 * place with vmxfer_move_uffd(): no copy after the recv, and no
 * UFFDIO_MOVE needed (5.10 and 6.1 have none).  Used by the demo
 * (vmxfer-demo-postcopy) and the guest test (test_postcopy).
 */
#ifndef VMXFER_POSTCOPY_H
#define VMXFER_POSTCOPY_H

#include <stddef.h>

struct pc_result {
	unsigned long faults;		/* MISSING faults the handler read */
	unsigned long chunks;		/* chunks received and moved */
	unsigned long zero_copy;	/* chunks whose pages moved (same PFN) */
	unsigned long touched;		/* pages the workers checked */
	unsigned long bad;		/* pages with the wrong contents */
	double seconds;			/* from the first touch to the last */
};

/*
 * Serve @len bytes (a multiple of @chunk, itself a multiple of 4 KiB) to
 * @workers threads touching every page in a shuffled order; with @thp the
 * range and the staging buffer are 2 MiB-aligned and THP-enabled (a 2 MiB
 * chunk then moves as one huge page where the kernel can).  0 on success,
 * else -1 with a message in @err.
 */
int pc_run(int vfd, size_t len, size_t chunk, int workers, int thp,
	   struct pc_result *r, char *err, size_t errlen);

#endif /* VMXFER_POSTCOPY_H */
