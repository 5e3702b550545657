// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmxfer-demo-postcopy [MiB] [CHUNK_KiB] [WORKERS]: postcopy demand paging
 * served with vmxfer_move (tests/demo/postcopy.c): this process's memory
 * is faulted in page by page (or chunk by chunk) from another process over
 * a socket, each received chunk moved into place without a copy.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>

#include "vmxfer.h"
#include "postcopy.h"

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 0) : 64;
	size_t chunk = (argc > 2 ? strtoul(argv[2], NULL, 0) : 4) << 10;
	int workers = argc > 3 ? atoi(argv[3]) : 4;
	struct pc_result r;
	char err[256] = "";
	int vfd = vmxfer_open();

	if (vfd < 0) {
		fprintf(stderr, "vmxfer-demo-postcopy: /dev/vmxfer: %s\n",
			strerror(errno));
		return 1;
	}
	printf("serving %zu MiB to %d threads from another process, %zu KiB per "
	       "fault, with vmxfer_move + UFFDIO_WAKE\n", mib, workers,
	       chunk >> 10);
	if (pc_run(vfd, mib << 20, chunk, workers, 0, &r, err, sizeof(err))) {
		fprintf(stderr, "vmxfer-demo-postcopy: %s\n", err);
		return 1;
	}
	printf("%lu faults, %lu chunks received and moved into place "
	       "(%lu checked by PFN: the received pages themselves)\n",
	       r.faults, r.chunks, r.zero_copy);
	printf("%lu pages checked by the workers, all right, in %.2f s\n",
	       r.touched, r.seconds);
	close(vfd);
	return 0;
}
