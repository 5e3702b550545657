// SPDX-License-Identifier: GPL-2.0-only
/* The "vmxfer-ctl dump" stream format; see dumpfmt.h for the layout. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dumpfmt.h"

uint64_t vxd_fnv1a(uint64_t h, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void put64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get32(const unsigned char *p)
{
	uint32_t v = 0;

	for (int i = 3; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

/* ---- writer ----------------------------------------------------------- */

void vxd_write_header(struct vxd_writer *w, const struct vxd_header *h,
		      unsigned char out[VXD_HDR_SIZE])
{
	memset(out, 0, VXD_HDR_SIZE);
	memcpy(out, VXD_MAGIC, 8);
	put32(out + 8, h->version);
	put32(out + 12, h->flags);
	put32(out + 16, h->pid);
	put32(out + 20, h->page_size);
	memset(w, 0, sizeof(*w));
	w->meta_hash = vxd_fnv1a(VXD_FNV_INIT, out, VXD_HDR_SIZE);
}

static void encode_rec(const struct vxd_rec *r, unsigned char *out)
{
	put64(out, r->start);
	put64(out + 8, r->length);
	put32(out + 16, r->flags);
	put32(out + 20, 0);
}

void vxd_write_rec(struct vxd_writer *w, const struct vxd_rec *r,
		   unsigned char out[VXD_REC_SIZE])
{
	encode_rec(r, out);
	w->records++;
	w->bytes += r->length;
	w->meta_hash = vxd_fnv1a(w->meta_hash, out, VXD_REC_SIZE);
}

void vxd_write_trailer(const struct vxd_writer *w, int incomplete,
		       unsigned char out[VXD_REC_SIZE + VXD_TRAILER_SIZE])
{
	struct vxd_rec t = {
		.flags = VXD_R_TRAILER | (incomplete ? VXD_R_INCOMPLETE : 0),
	};
	unsigned char *b = out + VXD_REC_SIZE;

	encode_rec(&t, out);
	put64(b, w->records);
	put64(b + 8, w->bytes);
	put64(b + 16, w->ranges);
	put64(b + 24, w->meta_hash);
}

int vxd_decode_header(const unsigned char in[VXD_HDR_SIZE], struct vxd_header *h)
{
	h->version = get32(in + 8);
	h->flags = get32(in + 12);
	h->pid = get32(in + 16);
	h->page_size = get32(in + 20);
	return memcmp(in, VXD_MAGIC, 8) ? -1 : 0;
}

void vxd_decode_rec(const unsigned char in[VXD_REC_SIZE], struct vxd_rec *r,
		    uint32_t *reserved)
{
	r->start = get64(in);
	r->length = get64(in + 8);
	r->flags = get32(in + 16);
	if (reserved)
		*reserved = get32(in + 20);
}

void vxd_decode_trailer(const unsigned char in[VXD_TRAILER_SIZE],
			struct vxd_trailer *t)
{
	t->records = get64(in);
	t->bytes = get64(in + 8);
	t->ranges = get64(in + 16);
	t->meta_hash = get64(in + 24);
}

/* ---- checker ---------------------------------------------------------- */

#define CHECK_BUF	(256 * 1024)

/* Reads exactly len bytes: 1 done, 0 at a clean end (nothing read), -1
 * error or short (reason in err). */
static int read_full(const struct vxd_check_ops *ops, struct vxd_summary *s,
		     void *buf, size_t len, const char *what, char *err,
		     size_t errlen)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = ops->read(ops->ctx, (char *)buf + got, len - got);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "read error at offset %" PRIu64 ": %s",
				 s->size + got, strerror(errno));
			return -1;
		}
		if (n == 0) {
			if (got == 0)
				return 0;
			snprintf(err, errlen,
				 "truncated: the stream ends inside %s at offset %" PRIu64
				 " (%zu of %zu bytes)", what, s->size + got, got, len);
			return -1;
		}
		got += (size_t)n;
	}
	s->size += len;
	return 1;
}

static int need_full(const struct vxd_check_ops *ops, struct vxd_summary *s,
		     void *buf, size_t len, const char *what, char *err,
		     size_t errlen)
{
	int rc = read_full(ops, s, buf, len, what, err, errlen);

	if (rc == 0) {
		snprintf(err, errlen,
			 "truncated: the stream ends at offset %" PRIu64 " before %s",
			 s->size, what);
		return -1;
	}
	return rc;
}

static int check_data(const struct vxd_check_ops *ops, struct vxd_summary *s,
		      const struct vxd_rec *r, unsigned char *buf, char *err,
		      size_t errlen)
{
	uint64_t off = 0;

	while (off < r->length) {
		size_t n = r->length - off > CHECK_BUF ? CHECK_BUF
						       : (size_t)(r->length - off);
		char what[96];

		snprintf(what, sizeof(what), "the data of record %" PRIu64
			 " (0x%" PRIx64 ")", s->records, r->start);
		if (need_full(ops, s, buf, n, what, err, errlen) < 0)
			return -1;
		s->data_hash = vxd_fnv1a(s->data_hash, buf, n);
		if (ops->data && ops->data(ops->ctx, r, off, buf, n, err, errlen))
			return -1;
		off += n;
	}
	return 0;
}

int vxd_check(const struct vxd_check_ops *ops, struct vxd_summary *s,
	      char *err, size_t errlen)
{
	unsigned char hdr[VXD_HDR_SIZE], rec[VXD_REC_SIZE], tb[VXD_TRAILER_SIZE];
	unsigned char *buf, extra;
	uint64_t meta, prev_end = 0;
	struct vxd_rec r;
	uint32_t reserved;
	int rc = -1;

	memset(s, 0, sizeof(*s));
	s->data_hash = VXD_FNV_INIT;
	buf = malloc(CHECK_BUF);
	if (!buf) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (need_full(ops, s, hdr, sizeof(hdr), "the header", err, errlen) < 0)
		goto out;
	if (vxd_decode_header(hdr, &s->hdr)) {
		snprintf(err, errlen, "not a vmxfer dump (bad magic)");
		goto out;
	}
	if (s->hdr.version != VXD_VERSION) {
		snprintf(err, errlen, "unsupported format version %" PRIu32
			 " (this tool reads %d)", s->hdr.version, VXD_VERSION);
		goto out;
	}
	if (s->hdr.flags & ~VXD_F_KNOWN) {
		snprintf(err, errlen, "unknown header flags 0x%" PRIx32, s->hdr.flags);
		goto out;
	}
	if (s->hdr.page_size < 4096 || (s->hdr.page_size & (s->hdr.page_size - 1))) {
		snprintf(err, errlen, "bad page size %" PRIu32, s->hdr.page_size);
		goto out;
	}
	if (get64(hdr + 24)) {
		snprintf(err, errlen, "header reserved field is not zero");
		goto out;
	}
	meta = vxd_fnv1a(VXD_FNV_INIT, hdr, sizeof(hdr));

	for (;;) {
		char what[64];
		uint64_t ps = s->hdr.page_size;

		snprintf(what, sizeof(what), "the header of record %" PRIu64, s->records);
		if (need_full(ops, s, rec, sizeof(rec), what, err, errlen) < 0)
			goto out;
		vxd_decode_rec(rec, &r, &reserved);
		if (reserved) {
			snprintf(err, errlen, "record %" PRIu64 ": reserved field not zero",
				 s->records);
			goto out;
		}
		if (r.flags & VXD_R_TRAILER)
			break;
		if (r.flags & ~VXD_R_DATA_KNOWN) {
			snprintf(err, errlen, "record %" PRIu64 ": unknown flags 0x%" PRIx32,
				 s->records, r.flags);
			goto out;
		}
		if (!r.length || r.start % ps || r.length % ps ||
		    r.start + r.length < r.start) {
			snprintf(err, errlen, "record %" PRIu64 ": bad range 0x%" PRIx64
				 " + 0x%" PRIx64 " (empty, not page-aligned or wrapping)",
				 s->records, r.start, r.length);
			goto out;
		}
		if (s->records && r.start < prev_end) {
			snprintf(err, errlen, "record %" PRIu64 " [0x%" PRIx64 "-0x%" PRIx64
				 ") overlaps or precedes the previous record, which ends at 0x%"
				 PRIx64, s->records, r.start, r.start + r.length, prev_end);
			goto out;
		}
		meta = vxd_fnv1a(meta, rec, sizeof(rec));
		if (!s->records)
			s->lowest = r.start;
		prev_end = s->highest = r.start + r.length;
		if (check_data(ops, s, &r, buf, err, errlen))
			goto out;
		s->records++;
		s->bytes += r.length;
		s->pages += r.length / ps;
	}

	if (r.start || r.length || (r.flags & ~VXD_R_TRAILER_KNOWN)) {
		snprintf(err, errlen, "bad trailer record (start 0x%" PRIx64 ", length 0x%"
			 PRIx64 ", flags 0x%" PRIx32 ")", r.start, r.length, r.flags);
		goto out;
	}
	s->incomplete = !!(r.flags & VXD_R_INCOMPLETE);
	if (need_full(ops, s, tb, sizeof(tb), "the trailer", err, errlen) < 0)
		goto out;
	vxd_decode_trailer(tb, &s->trailer);
	if (s->trailer.records != s->records || s->trailer.bytes != s->bytes) {
		snprintf(err, errlen, "trailer counts (%" PRIu64 " records, %" PRIu64
			 " bytes) differ from the stream (%" PRIu64 " records, %" PRIu64
			 " bytes)", s->trailer.records, s->trailer.bytes, s->records,
			 s->bytes);
		goto out;
	}
	if (s->trailer.meta_hash != meta) {
		snprintf(err, errlen, "metadata hash mismatch: trailer 0x%016" PRIx64
			 ", computed 0x%016" PRIx64, s->trailer.meta_hash, meta);
		goto out;
	}
	switch (read_full(ops, s, &extra, 1, "", err, errlen)) {
	case 0:
		rc = 0;
		break;
	case 1:
		snprintf(err, errlen, "garbage after the trailer at offset %" PRIu64,
			 s->size - 1);
		break;
	default:
		break;
	}
out:
	free(buf);
	return rc;
}

/* ---- /proc/PID/maps --------------------------------------------------- */

int vxd_parse_maps_line(const char *line, struct vxd_map *m)
{
	unsigned long long start, end, off;
	unsigned long inode;
	int pos = 0;

	memset(m, 0, sizeof(*m));
	if (sscanf(line, "%llx-%llx %4s %llx %*x:%*x %lu%n", &start, &end,
		   m->perms, &off, &inode, &pos) != 5 || strlen(m->perms) != 4 ||
	    start >= end)
		return -1;
	m->start = start;
	m->end = end;
	m->offset = off;
	m->inode = inode;
	line += pos;
	line += strspn(line, " \t");
	snprintf(m->name, sizeof(m->name), "%.*s", (int)strcspn(line, "\n"), line);
	return 0;
}

int vxd_map_dumpable(const struct vxd_map *m)
{
	static const char *const never[] = { "[vvar]", "[vvar_vclock]", "[vsyscall]" };
	int anon = m->inode == 0 && (m->name[0] == '\0' || m->name[0] == '[');

	if (m->perms[0] != 'r')
		return 0;
	for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++)
		if (!strcmp(m->name, never[i]))
			return 0;
	return m->perms[3] == 'p' || anon;
}

int vxd_parse_range(const char *s, uint64_t *start, uint64_t *end)
{
	unsigned long long a, b;
	char *e;

	errno = 0;
	a = strtoull(s, &e, 16);
	if (e == s || *e != '-' || errno)
		return -1;
	s = e + 1;
	b = strtoull(s, &e, 16);
	if (e == s || *e || errno || a >= b)
		return -1;
	*start = a;
	*end = b;
	return 0;
}

/* ---- pagemap runs ----------------------------------------------------- */

int vxd_runs_add(struct vxd_runs *r, uint64_t start, uint64_t len,
		 uint32_t flags, int merge)
{
	struct vxd_rec *last = r->n ? &r->v[r->n - 1] : NULL;

	if (!len || start + len < start ||
	    (last && start < last->start + last->length)) {
		errno = EINVAL;
		return -1;
	}
	if (merge && last && last->start + last->length == start &&
	    last->flags == flags) {
		last->length += len;
		return 0;
	}
	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 64;
		struct vxd_rec *v = realloc(r->v, cap * sizeof(*v));

		if (!v)
			return -1;
		r->v = v;
		r->cap = cap;
	}
	r->v[r->n++] = (struct vxd_rec){ .start = start, .length = len, .flags = flags };
	return 0;
}

int vxd_runs_add_pagemap(struct vxd_runs *r, uint64_t addr, const uint64_t *pm,
			 size_t n, size_t page_size)
{
	size_t i = 0;

	while (i < n) {
		size_t j;

		if (!vxd_pm_wanted(pm[i])) {
			i++;
			continue;
		}
		for (j = i + 1; j < n && vxd_pm_wanted(pm[j]); j++)
			;
		if (vxd_runs_add(r, addr + i * page_size, (j - i) * page_size,
				 VXD_R_DIRTY, 1))
			return -1;
		i = j;
	}
	return 0;
}

void vxd_runs_free(struct vxd_runs *r)
{
	free(r->v);
	memset(r, 0, sizeof(*r));
}
