/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * "vmxfer-ctl merge --pid PID": how many mappings of a process could merge
 * with their neighbour but for their page offsets (what VMXFER_IOC_MERGE
 * re-indexes), from /proc/PID/smaps.
 */
#ifndef VMXFER_MERGEDIAG_H
#define VMXFER_MERGEDIAG_H

#include <stdint.h>
#include <stdio.h>

struct vx_mergediag {
	unsigned long vmas;		/* mappings read */
	unsigned long anon;		/* private anonymous ones */
	unsigned long adjacent;		/* adjacent pairs that could merge */
	unsigned long offset_only;	/* ... of those, kept apart by offsets */
};

/*
 * Reads smaps text from @f; with @list, prints each offset-only pair to
 * @out.  Returns 0, or -1 on a malformed header line.
 */
int vx_mergediag_scan(FILE *f, int list, FILE *out, struct vx_mergediag *d);

/* The command itself: arguments after "merge" (argv[0] is "merge"). */
int vx_mergediag_main(const char *prog, int argc, char **argv);

#endif /* VMXFER_MERGEDIAG_H */
