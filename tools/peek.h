/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * "vmxfer-ctl peek": another process's memory, cloned into this one with
 * VMXFER_IOC_CLONE (no copy), written out raw or as a hex dump.
 */
#ifndef VMXFER_PEEK_H
#define VMXFER_PEEK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

struct vx_peek_args {
	pid_t pid;
	uint64_t addr;		/* any address */
	uint64_t len;		/* > 0 */
	const char *output;	/* "-" (stdout) or a file */
	int hexdump;
};

/* The page-aligned range to clone for [addr, addr + len), and where the
 * requested bytes start in it. */
struct vx_peek_span {
	uint64_t start, len, skip;
};

/*
 * Parses the arguments after "peek" (argv[0] is "peek").  Returns 0, or 2
 * (usage error) with a message in err.
 */
int vx_peek_parse(int argc, char **argv, struct vx_peek_args *a,
		  char *err, size_t errlen);

/* Rounds [addr, addr + len) out to pages of size ps.  -1 if it overflows. */
int vx_peek_span(uint64_t addr, uint64_t len, uint64_t ps, struct vx_peek_span *s);

/* xxd-style lines (address: 16 bytes in pairs, then ASCII) for buf, whose
 * first byte is at address addr.  Returns 0, -1 on a write error. */
int vx_peek_hexdump(FILE *f, uint64_t addr, const unsigned char *buf, size_t len);

/* The advice for a VMXFER_IOC_CLONE errno, in words one can act on. */
const char *vx_peek_explain(int err);

/* argv[0] is the command name.  Exit status: 0, 1 failure, 2 usage. */
int vx_peek_main(const char *prog, int argc, char **argv);

#endif
