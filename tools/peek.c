// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmxfer-ctl peek: [ADDR, ADDR + LEN) of a running process, mapped into
 * this one with vmxfer_clone() (VMXFER_IOC_CLONE: the target's page-table
 * entries copied fork-style, copy-on-write, no data copied) and written
 * out from there: raw bytes, or an xxd-style hex dump.  The clone is
 * never written, so the target's pages stay shared with it until unmapped.
 * The ioctl wants whole pages: the range is rounded out to pages and
 * exactly the requested bytes are written.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include <vmxfer.h>
#include "ctlutil.h"
#include "peek.h"

#define EXIT_USAGE	2
#define CLONE_TRIES	5

static const char *prog = "vmxfer-ctl";

__attribute__((format(printf, 1, 2)))
static void err(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: peek: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Hex, "0x" optional; the whole string. */
static int parse_addr(const char *s, uint64_t *v)
{
	char *e;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return -1;
	errno = 0;
	*v = strtoull(s, &e, 16);
	return *e || errno ? -1 : 0;
}

/* Decimal, or hex with 0x; an optional k, m or g suffix (KiB, MiB, GiB). */
static int parse_len(const char *s, uint64_t *v)
{
	unsigned int shift = 0;
	char *e;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return -1;
	errno = 0;
	*v = strtoull(s, &e, 0);
	if (errno || e == s)
		return -1;
	switch (*e) {
	case 'k': case 'K': shift = 10; e++; break;
	case 'm': case 'M': shift = 20; e++; break;
	case 'g': case 'G': shift = 30; e++; break;
	}
	if (*e || *v == 0 || *v > (UINT64_MAX >> shift))
		return -1;
	*v <<= shift;
	return 0;
}

int vx_peek_parse(int argc, char **argv, struct vx_peek_args *a,
		  char *e, size_t elen)
{
	const char *pos[2];
	int npos = 0;

	memset(a, 0, sizeof(*a));
	a->output = "-";
	e[0] = '\0';
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];

		if (!strcmp(s, "--pid") || !strcmp(s, "-p")) {
			if (i + 1 >= argc) {
				snprintf(e, elen, "%s needs a PID", s);
				return EXIT_USAGE;
			}
			if (vx_parse_pid(argv[++i], &a->pid)) {
				snprintf(e, elen, "bad pid '%s'", argv[i]);
				return EXIT_USAGE;
			}
		} else if (!strncmp(s, "--pid=", 6)) {
			if (vx_parse_pid(s + 6, &a->pid)) {
				snprintf(e, elen, "bad pid '%s'", s + 6);
				return EXIT_USAGE;
			}
		} else if (!strcmp(s, "-o") || !strcmp(s, "--output")) {
			if (i + 1 >= argc || !argv[i + 1][0]) {
				snprintf(e, elen, "%s needs a FILE (or - for stdout)", s);
				return EXIT_USAGE;
			}
			a->output = argv[++i];
		} else if (!strcmp(s, "--hexdump") || !strcmp(s, "-x")) {
			a->hexdump = 1;
		} else if (!strcmp(s, "--")) {
			while (++i < argc) {
				if (npos == 2) {
					snprintf(e, elen, "unexpected argument '%s'", argv[i]);
					return EXIT_USAGE;
				}
				pos[npos++] = argv[i];
			}
		} else if (s[0] == '-' && s[1]) {
			snprintf(e, elen, "unknown option '%s'", s);
			return EXIT_USAGE;
		} else if (npos == 2) {
			snprintf(e, elen, "unexpected argument '%s'", s);
			return EXIT_USAGE;
		} else {
			pos[npos++] = s;
		}
	}
	if (!a->pid) {
		snprintf(e, elen, "--pid is required");
		return EXIT_USAGE;
	}
	if (npos < 2) {
		snprintf(e, elen, "ADDR and LEN are required");
		return EXIT_USAGE;
	}
	if (parse_addr(pos[0], &a->addr)) {
		snprintf(e, elen, "bad address '%s' (want hex, 0x optional)", pos[0]);
		return EXIT_USAGE;
	}
	if (parse_len(pos[1], &a->len)) {
		snprintf(e, elen, "bad length '%s' (want a number > 0, decimal or 0x hex, "
			 "optional k/m/g suffix)", pos[1]);
		return EXIT_USAGE;
	}
	if (a->addr + a->len < a->addr) {
		snprintf(e, elen, "address + length overflows");
		return EXIT_USAGE;
	}
	return 0;
}

int vx_peek_span(uint64_t addr, uint64_t len, uint64_t ps, struct vx_peek_span *s)
{
	uint64_t end = addr + len;

	if (!len || end < addr || end > UINT64_MAX - (ps - 1))
		return -1;
	s->start = addr & ~(ps - 1);
	s->skip = addr - s->start;
	s->len = ((end + ps - 1) & ~(ps - 1)) - s->start;
	return 0;
}

int vx_peek_hexdump(FILE *f, uint64_t addr, const unsigned char *buf, size_t len)
{
	for (size_t off = 0; off < len; off += 16) {
		size_t n = len - off < 16 ? len - off : 16;
		char line[128];
		int p;

		p = snprintf(line, sizeof(line), "%08" PRIx64 ":", addr + off);
		for (size_t i = 0; i < 16; i++) {
			if (i % 2 == 0)
				line[p++] = ' ';
			if (i < n)
				p += snprintf(line + p, sizeof(line) - (size_t)p, "%02x",
					      buf[off + i]);
			else
				p += snprintf(line + p, sizeof(line) - (size_t)p, "  ");
		}
		line[p++] = ' ';
		line[p++] = ' ';
		for (size_t i = 0; i < n; i++) {
			unsigned char c = buf[off + i];

			line[p++] = c >= 0x20 && c < 0x7f ? (char)c : '.';
		}
		line[p++] = '\n';
		if (fwrite(line, 1, (size_t)p, f) != (size_t)p)
			return -1;
	}
	return 0;
}

const char *vx_peek_explain(int e)
{
	switch (e) {
	case EPERM:
	case EACCES:
		return "permission denied: peeking needs ptrace access to the process "
		       "(run as root or as its owner; with kernel.yama.ptrace_scope >= 1 "
		       "only root or a parent may)";
	case EFAULT:
		return "the range is not fully mapped in the process (a hole or past a "
		       "mapping's end: see /proc/PID/maps)";
	case EBUSY:
		return "pages in the range cannot be cloned now: pinned (DMA, io_uring "
		       "fixed buffers, RDMA), KSM-merged, or shared with this process "
		       "(already mapped here)";
	case EINVAL:
		return "a mapping in the range is of a kind that cannot be cloned "
		       "(hugetlb, device or PFN-mapped I/O memory, [vvar]/[vdso] or "
		       "another special mapping, userfaultfd-registered)";
	case EOPNOTSUPP:
		return "clone is not available with this module on this kernel "
		       "('vmxfer-ctl status' says why)";
	case ESRCH:
		return "the process has exited";
	case ENOMEM:
		return "out of memory or address space here (RLIMIT_AS, "
		       "vm.max_map_count, overcommit)";
	case EAGAIN:
		return "the pages kept changing (migration, compaction): try again";
	case EIO:
		return "a page of the range is poisoned or could not be read from swap";
	default:
		return NULL;
	}
}

static void explain(int e, const struct vx_peek_args *a, const char *what)
{
	const char *why = vx_peek_explain(e);

	err("%s 0x%" PRIx64 "-0x%" PRIx64 " of pid %d: %s%s%s%s", what, a->addr,
	    a->addr + a->len, (int)a->pid, strerror(e), why ? " (" : "", why ? why : "",
	    why ? ")" : "");
}

/*
 * Like process_vm_readv(2), only readable memory: the clone keeps the
 * target's protections, and reading a PROT_NONE or write-only clone would
 * fault here.  Returns 0, or -1 (message printed) when a mapping of the
 * range lacks 'r' in /proc/PID/maps.  An unreadable maps file is no
 * verdict: the ioctl's own permission check follows.
 */
static int check_readable(const struct vx_peek_args *a, const struct vx_peek_span *s)
{
	char path[64], line[512], perms[8];
	unsigned long lo, hi;
	int rc = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)a->pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3)
			continue;
		if (hi <= s->start || lo >= s->start + s->len || perms[0] == 'r')
			continue;
		err("0x%" PRIx64 "-0x%" PRIx64 " of pid %d is not readable: its mapping "
		    "%lx-%lx is '%s' (PROT_NONE or write-only) in %s", a->addr,
		    a->addr + a->len, (int)a->pid, lo, hi, perms, path);
		rc = -1;
		break;
	}
	fclose(f);
	return rc;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int vx_peek_main(const char *p, int argc, char **argv)
{
	struct vx_peek_args a;
	struct vx_peek_span s;
	char e[256], *c = MAP_FAILED;
	int vfd = -1, pidfd = -1, fd = -1, rc = 1, tries = 0;
	uint64_t ps = (uint64_t)sysconf(_SC_PAGESIZE);

	prog = p;
	if (vx_peek_parse(argc, argv, &a, e, sizeof(e))) {
		err("%s", e);
		return EXIT_USAGE;
	}
	if (vx_peek_span(a.addr, a.len, ps, &s) || s.len > SIZE_MAX) {
		err("range 0x%" PRIx64 " + %" PRIu64 " is outside the address space",
		    a.addr, a.len);
		return EXIT_USAGE;
	}
	if (!strcmp(a.output, "-")) {
		if (!a.hexdump && isatty(1)) {
			err("refusing to write raw memory to a terminal "
			    "(use -o FILE, a pipe, or --hexdump)");
			return 1;
		}
		fd = 1;
	}

	vfd = vx_open_for("vmxfer-ctl: peek", VMXFER_FEAT_CLONE, "clone");
	if (vfd < 0)
		goto out;
	pidfd = vmxfer_pidfd_open(a.pid);
	if (pidfd < 0) {
		if (errno == ESRCH)
			err("no such process %d", (int)a.pid);
		else
			err("pidfd_open(%d): %s", (int)a.pid, strerror(errno));
		goto out;
	}
	if (check_readable(&a, &s))
		goto out;
	do {
		c = vmxfer_clone(vfd, pidfd, (void *)(uintptr_t)s.start, (size_t)s.len,
				 NULL, 0);
	} while (c == MAP_FAILED && (errno == EAGAIN || errno == EINTR) &&
		 ++tries < CLONE_TRIES);
	if (c == MAP_FAILED) {
		explain(errno, &a, "cannot clone");
		goto out;
	}

	if (fd < 0) {
		fd = open(a.output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0) {
			err("%s: %s", a.output, strerror(errno));
			goto out;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	if (a.hexdump) {
		FILE *f = fdopen(fd == 1 ? dup(1) : fd, "w");

		if (!f) {
			err("%s: %s", a.output, strerror(errno));
			goto out;
		}
		if (fd != 1)
			fd = -1;	/* f owns it now */
		if (vx_peek_hexdump(f, a.addr, (unsigned char *)c + s.skip, (size_t)a.len) |
		    fclose(f)) {
			err("writing %s: %s", a.output, strerror(errno));
			goto out;
		}
	} else if (write_all(fd, c + s.skip, (size_t)a.len)) {
		err("writing %s: %s", a.output, errno == EPIPE ?
		    "output closed by its reader (broken pipe)" : strerror(errno));
		goto out;
	}
	if (fd > 1) {
		int r = close(fd);

		fd = -1;
		if (r) {
			err("%s: %s", a.output, strerror(errno));
			goto out;
		}
	}
	rc = 0;
out:
	if (c != MAP_FAILED)
		munmap(c, (size_t)s.len);
	if (fd > 1)
		close(fd);
	if (pidfd >= 0)
		close(pidfd);
	if (vfd >= 0)
		close(vfd);
	return rc;
}
