/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dumpfmt - the "vmxfer-ctl dump" stream format: encoding, the streaming
 * checker used by "undump --check", the /proc/PID/maps filter and the
 * pagemap run builder.  No I/O of its own except through callbacks, so the
 * host unit tests (tests/unit/test_dumpfmt.c) drive all of it.
 *
 * Format, version 1.  Every integer is little-endian, fixed width.
 *
 *   header (32 bytes)
 *     0  char magic[8]     "VMXFDUMP"
 *     8  u32  version      1
 *    12  u32  flags        bit 0 VXD_F_INCREMENTAL; other bits 0
 *    16  u32  pid          the dumped process
 *    20  u32  page_size    bytes, a power of two >= 4096
 *    24  u64  reserved     0
 *
 *   then records, each a 24-byte record header
 *     0  u64  start        address in the target, page-aligned
 *     8  u64  length       bytes, > 0, a multiple of page_size
 *    16  u32  flags        VXD_R_DIRTY (bit 1) on incremental runs
 *    20  u32  reserved     0
 *   followed by exactly "length" bytes of the target's memory.  Records are
 *   in strictly increasing address order and never overlap.
 *
 *   then the trailer: a record header with start = length = 0 and flags =
 *   VXD_R_TRAILER (bit 0), optionally | VXD_R_INCOMPLETE (bit 2: some bytes
 *   could not be read and were written as zeros), followed by a 32-byte body
 *     0  u64  records      number of data records
 *     8  u64  bytes        sum of their lengths
 *    16  u64  ranges       address ranges the dumper examined
 *    24  u64  meta_hash    FNV-1a 64 over the 32 header bytes and every
 *                          data record's 24-byte header, in stream order
 *   and then the end of the stream.  The data bytes themselves are not
 *   hashed by the writer (it never sees them: they go from the target to
 *   the output by splice); "undump --check" prints their FNV-1a 64 and can
 *   compare them with a live process.
 *
 * Because the counts come last, nothing is ever rewritten: the stream can
 * go to a pipe or a socket.
 */
#ifndef VMXFER_DUMPFMT_H
#define VMXFER_DUMPFMT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define VXD_MAGIC		"VMXFDUMP"
#define VXD_VERSION		1
#define VXD_HDR_SIZE		32
#define VXD_REC_SIZE		24
#define VXD_TRAILER_SIZE	32

#define VXD_F_INCREMENTAL	(1U << 0)
#define VXD_F_KNOWN		VXD_F_INCREMENTAL

#define VXD_R_TRAILER		(1U << 0)
#define VXD_R_DIRTY		(1U << 1)
#define VXD_R_INCOMPLETE	(1U << 2)
#define VXD_R_DATA_KNOWN	VXD_R_DIRTY
#define VXD_R_TRAILER_KNOWN	(VXD_R_TRAILER | VXD_R_INCOMPLETE)

/* pagemap entry bits (Documentation/admin-guide/mm/pagemap.rst). */
#define VXD_PM_SOFT_DIRTY	(1ULL << 55)
#define VXD_PM_EXCLUSIVE	(1ULL << 56)
#define VXD_PM_SWAPPED		(1ULL << 62)
#define VXD_PM_PRESENT		(1ULL << 63)

#define VXD_FNV_INIT		0xcbf29ce484222325ULL

struct vxd_header {
	uint32_t version;
	uint32_t flags;
	uint32_t pid;
	uint32_t page_size;
};

struct vxd_rec {
	uint64_t start;
	uint64_t length;
	uint32_t flags;
};

struct vxd_trailer {
	uint64_t records;
	uint64_t bytes;
	uint64_t ranges;
	uint64_t meta_hash;
};

uint64_t vxd_fnv1a(uint64_t h, const void *buf, size_t len);

/* ---- writer ----------------------------------------------------------- */

/* Running totals; the caller writes what the encoders produce, in order. */
struct vxd_writer {
	uint64_t records, bytes, ranges, meta_hash;
};

void vxd_write_header(struct vxd_writer *w, const struct vxd_header *h,
		      unsigned char out[VXD_HDR_SIZE]);
void vxd_write_rec(struct vxd_writer *w, const struct vxd_rec *r,
		   unsigned char out[VXD_REC_SIZE]);
/* Record header + trailer body; "incomplete" sets VXD_R_INCOMPLETE. */
void vxd_write_trailer(const struct vxd_writer *w, int incomplete,
		       unsigned char out[VXD_REC_SIZE + VXD_TRAILER_SIZE]);

/* Raw decoders (no validation). */
int vxd_decode_header(const unsigned char in[VXD_HDR_SIZE], struct vxd_header *h);
void vxd_decode_rec(const unsigned char in[VXD_REC_SIZE], struct vxd_rec *r,
		    uint32_t *reserved);
void vxd_decode_trailer(const unsigned char in[VXD_TRAILER_SIZE],
			struct vxd_trailer *t);

/* ---- checker ---------------------------------------------------------- */

struct vxd_check_ops {
	/* Reads up to len bytes; returns the count, 0 at the end, -1 + errno. */
	ssize_t (*read)(void *ctx, void *buf, size_t len);
	/* Optional: each data chunk of a record, in order.  Non-zero fails the
	 * check; the callback puts its reason in err. */
	int (*data)(void *ctx, const struct vxd_rec *r, uint64_t off,
		    const void *buf, size_t len, char *err, size_t errlen);
	void *ctx;
};

struct vxd_summary {
	struct vxd_header hdr;
	struct vxd_trailer trailer;
	uint64_t records, bytes, pages;
	uint64_t lowest, highest;	/* span of the records */
	uint64_t data_hash;		/* FNV-1a 64 of all data bytes */
	uint64_t size;			/* bytes in the stream */
	int incomplete;
};

/* Returns 0 when the stream is valid; else -1 with a reason in err. */
int vxd_check(const struct vxd_check_ops *ops, struct vxd_summary *s,
	      char *err, size_t errlen);

/* ---- /proc/PID/maps --------------------------------------------------- */

struct vxd_map {
	uint64_t start, end;
	char perms[5];
	uint64_t offset;
	unsigned long inode;
	char name[256];
};

/* Parses one line (with or without its newline).  0 or -1. */
int vxd_parse_maps_line(const char *line, struct vxd_map *m);
/* Whether dump takes it by default: readable, and private or anonymous;
 * never [vvar], [vvar_vclock] or [vsyscall]. */
int vxd_map_dumpable(const struct vxd_map *m);
/* "START-END" in hex (0x optional), START < END.  0 or -1. */
int vxd_parse_range(const char *s, uint64_t *start, uint64_t *end);

/* ---- pagemap runs ----------------------------------------------------- */

struct vxd_runs {
	struct vxd_rec *v;
	size_t n, cap;
};

/* Whether a pagemap entry is dumped incrementally: soft-dirty, and present
 * or swapped (a soft-dirty hole has no contents to dump). */
static inline int vxd_pm_wanted(uint64_t pm)
{
	return (pm & VXD_PM_SOFT_DIRTY) && (pm & (VXD_PM_PRESENT | VXD_PM_SWAPPED));
}

/* Appends a run [start, start + len); with "merge", extends the last run
 * instead when the two touch and have the same flags.  Runs must come in
 * increasing order, without overlap.  0 or -1 (ENOMEM; EINVAL for len 0,
 * a wrap or an out-of-order run). */
int vxd_runs_add(struct vxd_runs *r, uint64_t start, uint64_t len,
		 uint32_t flags, int merge);
/* Adds the runs of wanted pages (vxd_pm_wanted) among n pagemap entries,
 * the first for the page at "addr", as VXD_R_DIRTY records, merging as
 * vxd_runs_add does (so chunks of one mapping join up). 0 or -1. */
int vxd_runs_add_pagemap(struct vxd_runs *r, uint64_t addr, const uint64_t *pm,
			 size_t n, size_t page_size);
void vxd_runs_free(struct vxd_runs *r);

#endif
