// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmxfer-ctl dump / undump.
 *
 * dump: the target's pages go into a private pipe by reference with
 * vmxfer_splice() (VMXFER_IOC_SPLICE) and from there to the output with
 * splice(2): no data passes through this process's memory.  Only when the
 * output refuses splice(2) with EINVAL (a file opened O_APPEND, some
 * character devices) are the bytes read from the pipe and written, and the
 * summary says so.  Record headers and the trailer are small write(2)s into
 * the same pipe, so the stream stays in order.  Stream format: dumpfmt.h.
 *
 * Soft-dirty: the pagemap is read and the bits are cleared ("4" into
 * /proc/PID/clear_refs) before any data is spliced, so a page written
 * while the dump runs is in the next incremental dump (and maybe in this
 * one too), never lost.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <vmxfer.h>
#include "dump.h"
#include "ctlutil.h"
#include "dumpfmt.h"

#define EXIT_USAGE	2
#define PIPE_WANT	(1U << 20)
#define PM_CHUNK	65536	/* pagemap entries per read */

static const char *prog;

__attribute__((format(printf, 1, 2)))
static void err(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void explain_target_errno(int e, pid_t pid, const char *what)
{
	switch (e) {
	case ESRCH:
	case ENOENT:
		err("no such process %d (%s)", (int)pid, what);
		break;
	case EPERM:
	case EACCES:
		err("%s: permission denied: dumping pid %d needs ptrace access to it "
		    "(run as root or as its owner; with kernel.yama.ptrace_scope >= 1 "
		    "only root or a parent may)", what, (int)pid);
		break;
	default:
		err("%s (pid %d): %s", what, (int)pid, strerror(e));
	}
}

/* ---- ranges ----------------------------------------------------------- */

struct range {
	uint64_t start, end;
};

static int cmp_range(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* Sorted, merged user ranges, rounded out to pages. */
static size_t normalise(struct range *r, size_t n, uint64_t ps)
{
	size_t out = 0;

	for (size_t i = 0; i < n; i++) {
		r[i].start &= ~(ps - 1);
		r[i].end = (r[i].end + ps - 1) & ~(ps - 1);
	}
	qsort(r, n, sizeof(*r), cmp_range);
	for (size_t i = 0; i < n; i++) {
		if (out && r[i].start <= r[out - 1].end) {
			if (r[i].end > r[out - 1].end)
				r[out - 1].end = r[i].end;
		} else {
			r[out++] = r[i];
		}
	}
	return out;
}

/* The dumpable parts of the target: mappings (filtered) cut to the user's
 * ranges.  Returns 0 and the segments in *seg, or -1 (message printed). */
static int collect_segments(pid_t pid, struct range *user, size_t nuser,
			    int *used, struct vxd_runs *seg)
{
	char path[64], line[4096 + 512];
	struct vxd_map m;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "re");
	if (!f) {
		explain_target_errno(errno, pid, path);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (vxd_parse_maps_line(line, &m) || !vxd_map_dumpable(&m))
			continue;
		if (!nuser) {
			if (vxd_runs_add(seg, m.start, m.end - m.start, 0, 0))
				goto fail;
			continue;
		}
		for (size_t i = 0; i < nuser; i++) {
			uint64_t s = m.start > user[i].start ? m.start : user[i].start;
			uint64_t e = m.end < user[i].end ? m.end : user[i].end;

			if (s >= e)
				continue;
			used[i] = 1;
			if (vxd_runs_add(seg, s, e - s, 0, 0))
				goto fail;
		}
	}
	if (ferror(f)) {
		explain_target_errno(errno, pid, path);
		fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
fail:
	err("%s: %s", path, strerror(errno));
	fclose(f);
	return -1;
}

static int dirty_runs(pid_t pid, const struct vxd_runs *seg, uint64_t ps,
		      struct vxd_runs *runs)
{
	char path[64];
	uint64_t *pm;
	int fd, rc = -1;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		explain_target_errno(errno, pid, path);
		return -1;
	}
	pm = malloc(PM_CHUNK * sizeof(*pm));
	if (!pm) {
		err("out of memory");
		goto out;
	}
	for (size_t i = 0; i < seg->n; i++) {
		uint64_t addr = seg->v[i].start, end = addr + seg->v[i].length;

		while (addr < end) {
			size_t n = (end - addr) / ps;
			ssize_t got;

			if (n > PM_CHUNK)
				n = PM_CHUNK;
			got = pread(fd, pm, n * sizeof(*pm), (off_t)(addr / ps * sizeof(*pm)));
			if (got <= 0 || got % sizeof(*pm)) {
				if (got < 0)
					explain_target_errno(errno, pid, path);
				else
					err("%s: short read at 0x%" PRIx64, path, addr);
				goto out;
			}
			n = (size_t)got / sizeof(*pm);
			if (vxd_runs_add_pagemap(runs, addr, pm, n, ps)) {
				err("out of memory");
				goto out;
			}
			addr += n * ps;
		}
	}
	rc = 0;
out:
	free(pm);
	close(fd);
	return rc;
}

/*
 * Does this kernel track soft-dirty pages (CONFIG_MEM_SOFT_DIRTY)?  Then
 * every new mapping carries VM_SOFTDIRTY, which smaps shows as "sd" (the
 * flag is not printed at all without it); our own mappings will do.
 */
static int soft_dirty_supported(void)
{
	char line[512];
	int found = 0;
	FILE *f = fopen("/proc/self/smaps", "re");

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		found = !strncmp(line, "VmFlags:", 8) && strstr(line, " sd");
	fclose(f);
	return found;
}

static int clear_soft_dirty(pid_t pid)
{
	char path[64];
	int fd, e;

	snprintf(path, sizeof(path), "/proc/%d/clear_refs", (int)pid);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (write(fd, "4", 1) != 1) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return close(fd);
}

/* ---- output ----------------------------------------------------------- */

struct out {
	int pfd[2];		/* the private pipe */
	int fd;			/* the output */
	size_t pipe_size;
	size_t in_pipe;		/* bytes in the pipe */
	int fallback;		/* splice(2) refused: read + write */
	char *buf;		/* fallback only */
	uint64_t written;	/* bytes to the output */
	struct vx_bar bar;
	uint64_t total;		/* data bytes planned */
	uint64_t data_done;
};

static void progress(struct out *o, int final)
{
	if (final)
		vx_bar_done(&o->bar);
	else
		vx_bar_draw(&o->bar, o->data_done, o->total);
}

/* Moves everything in the pipe to the output. */
static int drain(struct out *o)
{
	while (o->in_pipe) {
		ssize_t n;

		if (!o->fallback) {
			n = splice(o->pfd[0], NULL, o->fd, NULL, o->in_pipe,
				   SPLICE_F_MOVE | SPLICE_F_MORE);
			if (n < 0 && errno == EINVAL && !o->written) {
				o->fallback = 1;
				o->buf = malloc(o->pipe_size);
				if (!o->buf) {
					err("out of memory");
					return -1;
				}
				continue;
			}
		} else {
			size_t want = o->in_pipe < o->pipe_size ? o->in_pipe : o->pipe_size;

			n = read(o->pfd[0], o->buf, want);
			if (n > 0) {
				for (ssize_t w = 0; w < n;) {
					ssize_t k = write(o->fd, o->buf + w, n - w);

					if (k < 0 && errno == EINTR)
						continue;
					if (k <= 0) {
						n = -1;
						break;
					}
					w += k;
				}
			}
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EPIPE)
				err("output closed by its reader (broken pipe)");
			else
				err("writing the output: %s", strerror(errno));
			return -1;
		}
		if (n == 0) {
			err("writing the output: no progress");
			return -1;
		}
		o->in_pipe -= (size_t)n;
		o->written += (uint64_t)n;
	}
	return 0;
}

/* Small metadata into the pipe (drains first if it might not fit).  Never
 * blocks: this process is the pipe's only reader. */
static int put(struct out *o, const void *buf, size_t len)
{
	if (o->in_pipe + len + 4096 > o->pipe_size && drain(o))
		return -1;
	for (size_t done = 0; done < len;) {
		ssize_t n = write(o->pfd[1], (const char *)buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		/* Out of pipe slots (each small write takes one) though not of
		 * bytes: empty it.  The write end is O_NONBLOCK for this. */
		if (n < 0 && errno == EAGAIN && o->in_pipe) {
			if (drain(o))
				return -1;
			continue;
		}
		if (n <= 0) {
			err("writing to the pipe: %s", strerror(errno));
			return -1;
		}
		done += (size_t)n;
		o->in_pipe += (size_t)n;
	}
	return 0;
}

/* One record's data: [start, start + len) of the target. */
static int put_data(struct out *o, int vfd, int pidfd, pid_t pid, uint64_t start,
		    uint64_t len, uint64_t ps, int *incomplete)
{
	static const char zero[65536];
	uint64_t done = 0;

	while (done < len) {
		uint64_t want = len - done;
		size_t room = o->pipe_size - o->in_pipe;
		struct iovec iov;
		ssize_t n;

		if (room < ps) {
			if (drain(o))
				return -1;
			room = o->pipe_size;
		}
		if (want > room)
			want = room;
		iov.iov_base = (void *)(uintptr_t)(start + done);
		iov.iov_len = want;
		n = vmxfer_splice(vfd, pidfd, o->pfd[1], &iov, 1, VMXFER_SPLICE_NONBLOCK);
		if (n < 0) {
			switch (errno) {
			case EINTR:
				continue;
			case EAGAIN:	/* the pipe is fuller than we think */
				if (!o->in_pipe) {
					err("pipe full with nothing in it?");
					return -1;
				}
				if (drain(o))
					return -1;
				continue;
			case EFAULT: {
				/* Unreadable page (unmapped or changed since the
				 * maps were read): zeros, and say so at the end. */
				size_t z = ps - (start + done) % ps;

				if (z > len - done)
					z = len - done;
				if (!*incomplete)
					err("warning: 0x%" PRIx64 " is unreadable in pid %d "
					    "(did it change its mappings?); writing zeros",
					    start + done, (int)pid);
				*incomplete = 1;
				for (size_t w = 0; w < z; w += sizeof(zero))
					if (put(o, zero, z - w < sizeof(zero) ? z - w
									 : sizeof(zero)))
						return -1;
				done += z;
				o->data_done += z;
				continue;
			}
			case EOPNOTSUPP:
				err("splice is not available on this kernel "
				    "('vmxfer-ctl status' says why)");
				return -1;
			case EPIPE:
				err("output closed by its reader (broken pipe)");
				return -1;
			default:
				explain_target_errno(errno, pid, "VMXFER_IOC_SPLICE");
				return -1;
			}
		}
		o->in_pipe += (size_t)n;
		done += (uint64_t)n;
		o->data_done += (uint64_t)n;
		if (o->in_pipe + ps > o->pipe_size && drain(o))
			return -1;
		progress(o, 0);
	}
	return 0;
}

static int setup_pipe(struct out *o)
{
	unsigned long max = PIPE_WANT;
	char buf[32];
	int fd, sz;

	if (pipe2(o->pfd, O_CLOEXEC) || fcntl(o->pfd[1], F_SETFL, O_NONBLOCK)) {
		err("pipe: %s", strerror(errno));
		return -1;
	}
	fd = open("/proc/sys/fs/pipe-max-size", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, buf, sizeof(buf) - 1);

		if (n > 0) {
			buf[n] = '\0';
			max = strtoul(buf, NULL, 10);
		}
		close(fd);
	}
	if (max > PIPE_WANT || geteuid() == 0)
		max = PIPE_WANT;	/* root may exceed pipe-max-size; no need */
	sz = fcntl(o->pfd[1], F_SETPIPE_SZ, (int)max);
	if (sz < 0)
		sz = fcntl(o->pfd[1], F_GETPIPE_SZ);
	if (sz <= 0) {
		err("pipe size: %s", strerror(errno));
		return -1;
	}
	o->pipe_size = (size_t)sz;
	return 0;
}

/* ---- dump ------------------------------------------------------------- */

static int dump_usage(const char *msg, const char *arg)
{
	err("dump: %s%s%s%s", msg, arg ? " '" : "", arg ? arg : "", arg ? "'" : "");
	return EXIT_USAGE;
}

int vx_dump_main(const char *p, int argc, char **argv)
{
	struct vxd_runs seg = { 0 }, runs = { 0 }, *recs;
	struct range *user = NULL;
	size_t nuser = 0;
	int *used = NULL;
	const char *output = "-", *how;
	struct out o = { .pfd = { -1, -1 }, .fd = -1 };
	int incremental = 0, vfd = -1, pidfd = -1, rc = 1, incomplete = 0;
	unsigned char hdr[VXD_HDR_SIZE], rec[VXD_REC_SIZE],
		      trl[VXD_REC_SIZE + VXD_TRAILER_SIZE];
	struct vxd_writer w;
	struct vxd_header h;
	uint64_t ps = (uint64_t)sysconf(_SC_PAGESIZE), planned = 0;
	pid_t pid = 0;
	double t;

	prog = p;
	user = calloc((size_t)argc, sizeof(*user));
	used = calloc((size_t)argc, sizeof(*used));
	if (!user || !used) {
		err("out of memory");
		goto out;
	}
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--pid") && i + 1 < argc) {
			if (vx_parse_pid(argv[++i], &pid)) {
				rc = dump_usage("bad pid", argv[i]);
				goto out;
			}
		} else if (!strcmp(a, "--range") && i + 1 < argc) {
			if (vxd_parse_range(argv[++i], &user[nuser].start,
					    &user[nuser].end)) {
				rc = dump_usage("bad range (want START-END in hex)", argv[i]);
				goto out;
			}
			nuser++;
		} else if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && i + 1 < argc) {
			output = argv[++i];
		} else if (!strcmp(a, "--incremental")) {
			incremental = 1;
		} else {
			rc = dump_usage("unknown or incomplete argument", a);
			goto out;
		}
	}
	if (!pid) {
		rc = dump_usage("--pid is required", NULL);
		goto out;
	}
	{	/* keep the user's order for the "matched nothing" messages */
		struct range *copy = malloc((nuser + 1) * sizeof(*copy));

		if (!copy) {
			err("out of memory");
			goto out;
		}
		memcpy(copy, user, nuser * sizeof(*copy));
		nuser = normalise(copy, nuser, ps);
		free(user);
		user = copy;
	}

	if (kill(pid, 0) && errno == ESRCH) {
		err("no such process %d", (int)pid);
		goto out;
	}
	vfd = vx_open_for(prog, VMXFER_FEAT_SPLICE, "splice");
	if (vfd < 0)
		goto out;
	pidfd = vmxfer_pidfd_open(pid);
	if (pidfd < 0) {
		explain_target_errno(errno, pid, "pidfd_open");
		goto out;
	}

	if (collect_segments(pid, user, nuser, used, &seg))
		goto out;
	for (size_t i = 0; i < nuser; i++)
		if (!used[i]) {
			err("range %" PRIx64 "-%" PRIx64 ": no dumpable memory of pid %d "
			    "there (readable private or anonymous mappings only)",
			    user[i].start, user[i].end, (int)pid);
			goto out;
		}
	if (incremental && !soft_dirty_supported()) {
		err("--incremental needs soft-dirty tracking, which this kernel lacks "
		    "(CONFIG_MEM_SOFT_DIRTY): dump without --incremental");
		goto out;
	}
	if (incremental) {
		if (dirty_runs(pid, &seg, ps, &runs))
			goto out;
		recs = &runs;
	} else {
		recs = &seg;
	}
	if (clear_soft_dirty(pid)) {
		if (incremental) {
			err("cannot clear the soft-dirty bits of pid %d (/proc/%d/clear_refs: "
			    "%s); needs root or the process's owner, and CONFIG_MEM_SOFT_DIRTY",
			    (int)pid, (int)pid, strerror(errno));
			goto out;
		}
		err("warning: cannot clear the soft-dirty bits of pid %d (%s): a later "
		    "--incremental dump will not be relative to this one",
		    (int)pid, strerror(errno));
	}
	for (size_t i = 0; i < recs->n; i++)
		planned += recs->v[i].length;

	if (!strcmp(output, "-")) {
		if (isatty(1)) {
			err("refusing to write a binary dump to a terminal "
			    "(use -o FILE, or a pipe)");
			goto out;
		}
		o.fd = 1;
	} else {
		o.fd = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (o.fd < 0) {
			err("%s: %s", output, strerror(errno));
			goto out;
		}
	}
	if (setup_pipe(&o))
		goto out;
	signal(SIGPIPE, SIG_IGN);
	vx_bar_start(&o.bar, "dump", isatty(2), 1);
	o.total = planned;

	h = (struct vxd_header){
		.version = VXD_VERSION,
		.flags = incremental ? VXD_F_INCREMENTAL : 0,
		.pid = (uint32_t)pid,
		.page_size = (uint32_t)ps,
	};
	vxd_write_header(&w, &h, hdr);
	w.ranges = seg.n;
	if (put(&o, hdr, sizeof(hdr)))
		goto out;
	for (size_t i = 0; i < recs->n; i++) {
		vxd_write_rec(&w, &recs->v[i], rec);
		if (put(&o, rec, sizeof(rec)) ||
		    put_data(&o, vfd, pidfd, pid, recs->v[i].start, recs->v[i].length,
			     ps, &incomplete))
			goto out;
	}
	vxd_write_trailer(&w, incomplete, trl);
	if (put(&o, trl, sizeof(trl)) || drain(&o))
		goto out;
	if (o.fd != 1 && close(o.fd)) {
		o.fd = -1;
		err("%s: %s", output, strerror(errno));
		goto out;
	}
	if (o.fd != 1)
		o.fd = -1;
	t = vx_now() - o.bar.t0;
	progress(&o, 1);
	how = o.fallback ? "read+write (the output refused splice(2): EINVAL)"
			 : "splice(2)";
	fprintf(stderr, "%s: dumped pid %d%s: %" PRIu64 " bytes (%" PRIu64 " pages) in %"
		PRIu64 " records from %zu ranges, %.3f s, %.1f MiB/s, output via %s%s\n",
		prog, (int)pid, incremental ? " (incremental)" : "", w.bytes, w.bytes / ps,
		w.records, seg.n, t, t > 0 ? w.bytes / t / 1048576.0 : 0.0, how,
		incomplete ? "; INCOMPLETE: unreadable pages written as zeros" : "");
	rc = incomplete ? 1 : 0;
out:
	progress(&o, 1);
	if (o.fd > 1)
		close(o.fd);
	if (o.pfd[0] >= 0) {
		close(o.pfd[0]);
		close(o.pfd[1]);
	}
	free(o.buf);
	if (pidfd >= 0)
		close(pidfd);
	if (vfd >= 0)
		close(vfd);
	vxd_runs_free(&seg);
	vxd_runs_free(&runs);
	free(user);
	free(used);
	return rc;
}

/* ---- undump ----------------------------------------------------------- */

struct undump_ctx {
	int fd;
	pid_t against;
	int list;
	uint64_t last_listed;
	char *cmp;
	size_t cmp_size;
};

static ssize_t undump_read(void *ctx, void *buf, size_t len)
{
	struct undump_ctx *c = ctx;

	return read(c->fd, buf, len);
}

static int undump_data(void *ctx, const struct vxd_rec *r, uint64_t off,
		       const void *buf, size_t len, char *e, size_t elen)
{
	struct undump_ctx *c = ctx;

	if (c->list && off == 0) {
		printf("  record %" PRIu64 ": 0x%" PRIx64 "-0x%" PRIx64 " %" PRIu64
		       " bytes%s\n", c->last_listed++, r->start, r->start + r->length,
		       r->length, r->flags & VXD_R_DIRTY ? " dirty" : "");
	}
	if (!c->against)
		return 0;
	if (len > c->cmp_size) {
		free(c->cmp);
		c->cmp = malloc(len);
		if (!c->cmp) {
			snprintf(e, elen, "out of memory");
			return -1;
		}
		c->cmp_size = len;
	}
	struct iovec l = { c->cmp, len };
	struct iovec rv = { (void *)(uintptr_t)(r->start + off), len };
	ssize_t n = process_vm_readv(c->against, &l, 1, &rv, 1, 0);

	if (n != (ssize_t)len) {
		snprintf(e, elen, "cannot read 0x%" PRIx64 " (%zu bytes) in pid %d: %s",
			 r->start + off, len, (int)c->against,
			 n < 0 ? strerror(errno) : "short read");
		return -1;
	}
	if (memcmp(c->cmp, buf, len)) {
		size_t i = 0;

		while (((const char *)buf)[i] == c->cmp[i])
			i++;
		snprintf(e, elen, "differs from pid %d at 0x%" PRIx64
			 " (dump 0x%02x, process 0x%02x)", (int)c->against,
			 r->start + off + i, ((const unsigned char *)buf)[i],
			 (unsigned char)c->cmp[i]);
		return -1;
	}
	return 0;
}

int vx_undump_main(const char *p, int argc, char **argv)
{
	struct undump_ctx c = { .fd = -1 };
	struct vxd_check_ops ops = { undump_read, undump_data, &c };
	struct vxd_summary s;
	const char *file = NULL;
	char e[512];
	int check = 0, rc = 1, quiet = 0;

	prog = p;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--check")) {
			check = 1;
		} else if (!strcmp(argv[i], "--list")) {
			c.list = 1;
		} else if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet")) {
			quiet = 1;
		} else if (!strcmp(argv[i], "--against") && i + 1 < argc) {
			if (vx_parse_pid(argv[++i], &c.against)) {
				err("undump: bad pid '%s'", argv[i]);
				return EXIT_USAGE;
			}
		} else if (!file && (argv[i][0] != '-' || !strcmp(argv[i], "-"))) {
			file = argv[i];
		} else {
			err("undump: unknown argument '%s'", argv[i]);
			return EXIT_USAGE;
		}
	}
	if (!check || !file) {
		err("undump: %s", !check ? "only --check is implemented: give --check"
					 : "no FILE (or - for stdin)");
		return EXIT_USAGE;
	}
	if (!strcmp(file, "-")) {
		c.fd = 0;
		file = "(stdin)";
	} else {
		c.fd = open(file, O_RDONLY | O_CLOEXEC);
		if (c.fd < 0) {
			err("%s: %s", file, strerror(errno));
			return 1;
		}
	}
	if (c.list)
		printf("%s: records:\n", file);
	if (vxd_check(&ops, &s, e, sizeof(e))) {
		printf("%s: INVALID: %s\n", file, e);
		goto out;
	}
	rc = 0;
	if (quiet)
		goto out;
	printf("%s: valid vmxfer dump, format %" PRIu32 "%s%s\n", file, s.hdr.version,
	       s.hdr.flags & VXD_F_INCREMENTAL ? ", incremental" : ", full",
	       s.incomplete ? ", INCOMPLETE (some pages were unreadable: zeros)" : "");
	printf("  pid %" PRIu32 ", page size %" PRIu32 ", %" PRIu64 " stream bytes\n",
	       s.hdr.pid, s.hdr.page_size, s.size);
	printf("  records %" PRIu64 ", data bytes %" PRIu64 ", pages %" PRIu64
	       ", ranges examined %" PRIu64 "\n", s.records, s.bytes, s.pages,
	       s.trailer.ranges);
	if (s.records)
		printf("  span 0x%" PRIx64 "-0x%" PRIx64 "\n", s.lowest, s.highest);
	printf("  data FNV-1a 64 0x%016" PRIx64 ", metadata hash 0x%016" PRIx64 " ok\n",
	       s.data_hash, s.trailer.meta_hash);
	if (c.against)
		printf("  contents identical to pid %d\n", (int)c.against);
out:
	if (c.fd > 0)
		close(c.fd);
	free(c.cmp);
	return rc;
}
