// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmxfer-ctl gcore: an ELF core file of a running process, with the
 * process stopped only while its memory is cloned.
 *
 *  1. Every thread is stopped with PTRACE_SEIZE + PTRACE_INTERRUPT (the
 *     task list is read again until no thread is new).
 *  2. While it is stopped: the registers of every thread, /proc/PID/smaps,
 *     auxv, the process's identity; every mapping that coredump_filter
 *     selects is cloned into this process with vmxfer_clone()
 *     (VMXFER_IOC_CLONE: page tables copied fork-style, copy-on-write, no
 *     data copied).  Shared mappings, and what clone refuses (special
 *     mappings such as [vdso], pinned or KSM pages...), are read with
 *     process_vm_readv() instead, so every byte is the stop instant's.
 *  3. The threads are detached (running again).
 *  4. The core is written from the snapshot (gcore_elf.c).
 *
 * --live skips 1-3: no registers, memory read with vmxfer_splice() while
 * the process runs (each page is of some instant, not all of one).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <elf.h>
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
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>

#include <vmxfer.h>
#include "ctlutil.h"
#include "dumpfmt.h"
#include "gcore.h"

#define EXIT_USAGE	2
#define GC_PAGE		4096ULL

static const char *prog;

__attribute__((format(printf, 1, 2)))
static void err(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: gcore: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static unsigned long long mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL + (unsigned long long)ts.tv_nsec;
}

static int read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t got = 0;
	ssize_t r;

	if (fd < 0)
		return -1;
	while (got < len - 1 && (r = read(fd, buf + got, len - 1 - got)) > 0)
		got += (size_t)r;
	close(fd);
	buf[got] = '\0';
	return (int)got;
}

/* "Key:\tvalue" of /proc/.../status, as a string. */
static int status_field(const char *status, const char *key, char *out, size_t len)
{
	size_t kl = strlen(key);

	for (const char *l = status; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (!strncmp(l, key, kl) && l[kl] == ':') {
			const char *v = l + kl + 1;

			v += strspn(v, " \t");
			snprintf(out, len, "%.*s", (int)strcspn(v, "\n"), v);
			return 0;
		}
	}
	return -1;
}

/* ---- why ptrace said no ------------------------------------------------ */

static void explain_attach(int e, pid_t pid)
{
	char path[64], status[4096], v[64], ld[128];
	unsigned int tuid = 0;
	int scope = -1;

	if (e == ESRCH) {
		err("no such process %d", (int)pid);
		return;
	}
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (read_file(path, status, sizeof(status)) > 0) {
		if (!status_field(status, "TracerPid", v, sizeof(v)) && atoi(v) != 0) {
			err("pid %d is already traced by pid %s (a debugger or strace): "
			    "only one tracer at a time; detach it first", (int)pid, v);
			return;
		}
		if (!status_field(status, "Uid", v, sizeof(v)))
			tuid = (unsigned int)strtoul(v + strcspn(v, " \t"), NULL, 10);
	}
	if (e != EPERM && e != EACCES) {
		err("cannot attach to pid %d: %s", (int)pid, strerror(e));
		return;
	}
	if (read_file("/proc/sys/kernel/yama/ptrace_scope", v, sizeof(v)) > 0)
		scope = atoi(v);
	if (scope == 3) {
		err("cannot attach to pid %d: %s: kernel.yama.ptrace_scope is 3: no process "
		    "may attach to another (until reboot)", (int)pid, strerror(e));
	} else if (scope == 2 && geteuid() != 0) {
		err("cannot attach to pid %d: %s: kernel.yama.ptrace_scope is 2: only a "
		    "process with CAP_SYS_PTRACE (root) may attach", (int)pid, strerror(e));
	} else if (geteuid() != 0 && tuid != geteuid()) {
		err("cannot attach to pid %d: %s: it belongs to uid %u: only root or its "
		    "owner may dump it", (int)pid, strerror(e), tuid);
	} else if (scope == 1 && geteuid() != 0) {
		err("cannot attach to pid %d: %s: kernel.yama.ptrace_scope is 1: only its "
		    "parent (or a process it named with PR_SET_PTRACER), or root, may "
		    "attach", (int)pid, strerror(e));
	} else if (read_file("/sys/kernel/security/lockdown", ld, sizeof(ld)) > 0 &&
		   !strstr(ld, "[none]")) {
		err("cannot attach to pid %d: %s (kernel lockdown is on: %.*s; or the "
		    "process is not dumpable, or an LSM refused)", (int)pid, strerror(e),
		    (int)strcspn(ld, "\n"), ld);
	} else {
		err("cannot attach to pid %d: %s: the process is not dumpable "
		    "(prctl PR_SET_DUMPABLE, a setuid program) or an LSM refused",
		    (int)pid, strerror(e));
	}
}

/* ---- stopping ---------------------------------------------------------- */

static int add_thread(struct gc_proc *p, pid_t tid)
{
	struct gc_thread *nt = realloc(p->t, (p->nt + 1) * sizeof(*nt));

	if (!nt)
		return -1;
	p->t = nt;
	memset(&p->t[p->nt], 0, sizeof(p->t[0]));
	p->t[p->nt++].tid = tid;
	return 0;
}

static int have_thread(const struct gc_proc *p, pid_t tid)
{
	for (size_t i = 0; i < p->nt; i++)
		if (p->t[i].tid == tid)
			return 1;
	return 0;
}

/* Waits until @t is in a ptrace stop.  0; 1 if it exited; -1 error. */
static int wait_stopped(struct gc_thread *t)
{
	for (;;) {
		int st;
		pid_t r = waitpid(t->tid, &st, __WALL);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return errno == ECHILD ? 1 : -1;
		}
		if (WIFEXITED(st) || WIFSIGNALED(st))
			return 1;
		if (!WIFSTOPPED(st))
			continue;
		if ((st >> 16) == PTRACE_EVENT_STOP)
			return 0;
		/* A signal-delivery stop: remember it, give it back at detach. */
		if (!(st >> 16) && WSTOPSIG(st) != SIGTRAP)
			t->pending_sig = WSTOPSIG(st);
		return 0;
	}
}

/* Seizes and stops every thread.  0, or -1 (message printed).  *first:
 * when the first thread was told to stop. */
static int stop_all(struct gc_proc *p, unsigned long long *first)
{
	char path[64];
	int found;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)p->pid);
	do {
		DIR *d = opendir(path);
		struct dirent *de;

		if (!d) {
			if (errno == ENOENT)
				err("pid %d exited while being stopped", (int)p->pid);
			else
				explain_attach(errno, p->pid);
			return -1;
		}
		found = 0;
		while ((de = readdir(d))) {
			pid_t tid = (pid_t)atoi(de->d_name);

			if (tid <= 0 || have_thread(p, tid))
				continue;
			if (ptrace(PTRACE_SEIZE, tid, 0, 0)) {
				int e = errno;

				if (e == ESRCH && tid != p->pid)
					continue;	/* that thread exited */
				closedir(d);
				if (p->nt || e != ESRCH)
					explain_attach(e, p->pid);
				else
					err("no such process %d", (int)p->pid);
				return -1;
			}
			if (add_thread(p, tid)) {
				ptrace(PTRACE_DETACH, tid, 0, 0);
				closedir(d);
				err("out of memory");
				return -1;
			}
			if (!*first)
				*first = mono_ns();
			if (ptrace(PTRACE_INTERRUPT, tid, 0, 0) && errno != ESRCH) {
				closedir(d);
				err("PTRACE_INTERRUPT thread %d: %s", (int)tid, strerror(errno));
				return -1;
			}
			found = 1;
		}
		closedir(d);
		/* Wait for the new ones; drop those that exited. */
		for (size_t i = 0; i < p->nt; i++) {
			struct gc_thread *t = &p->t[i];
			int r;

			if (t->stopped)
				continue;
			r = wait_stopped(t);
			if (r < 0) {
				err("waitpid thread %d: %s", (int)t->tid, strerror(errno));
				return -1;
			}
			if (r > 0) {
				p->t[i--] = p->t[--p->nt];
				continue;
			}
			t->stopped = 1;
		}
		if (!p->nt) {
			err("pid %d exited while being stopped", (int)p->pid);
			return -1;
		}
	} while (found);
	return 0;
}

static void resume_all(struct gc_proc *p)
{
	for (size_t i = 0; i < p->nt; i++)
		ptrace(PTRACE_DETACH, p->t[i].tid, 0, (void *)(long)p->t[i].pending_sig);
}

/* ---- while stopped: registers and identity ---------------------------- */

static void read_times_stat(struct gc_proc *p, struct gc_thread *t);

static void read_regs(struct gc_thread *t)
{
	struct iovec iov;

	iov.iov_base = t->regs;
	iov.iov_len = sizeof(t->regs);
	_Static_assert(sizeof(t->regs) == sizeof(struct user_regs_struct), "regs");
	if (ptrace(PTRACE_GETREGSET, t->tid, NT_PRSTATUS, &iov))
		memset(t->regs, 0, sizeof(t->regs));
	iov.iov_base = t->fpregs;
	iov.iov_len = sizeof(t->fpregs);
	t->have_fp = !ptrace(PTRACE_GETREGSET, t->tid, NT_PRFPREG, &iov);
	t->xstate = malloc(65536);
	if (t->xstate) {
		iov.iov_base = t->xstate;
		iov.iov_len = 65536;
		if (!ptrace(PTRACE_GETREGSET, t->tid, NT_X86_XSTATE, &iov))
			t->xstate_len = iov.iov_len;
	}
	if (ptrace(PTRACE_GETSIGMASK, t->tid, sizeof(t->sighold), &t->sighold))
		t->sighold = 0;
}

/* CPU times and pending signals: read after the process runs again, to
 * keep the stop short (/proc/PID/task/TID/status is slow to make). */
static void read_times(struct gc_proc *p, struct gc_thread *t)
{
	char path[96], buf[4096], v[64];

	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", (int)p->pid, (int)t->tid);
	if (read_file(path, buf, sizeof(buf)) > 0 &&
	    !status_field(buf, "SigPnd", v, sizeof(v)))
		t->sigpend = strtoul(v, NULL, 16);
	read_times_stat(p, t);
}

static void read_times_stat(struct gc_proc *p, struct gc_thread *t)
{
	char path[96], buf[4096];
	unsigned long long ut = 0, stt = 0;
	long hz = sysconf(_SC_CLK_TCK);

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", (int)p->pid, (int)t->tid);
	if (read_file(path, buf, sizeof(buf)) > 0) {
		char *r = strrchr(buf, ')');

		/* Fields 14 and 15 (utime, stime), counted after "(comm)". */
		if (r && sscanf(r + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
				&ut, &stt) == 2 && hz > 0) {
			t->utime_us = ut * 1000000ULL / (unsigned long long)hz;
			t->stime_us = stt * 1000000ULL / (unsigned long long)hz;
		}
	}
}

static void read_identity(struct gc_proc *p)
{
	char path[64], buf[4096], v[64];
	int fd, n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)p->pid);
	if (read_file(path, buf, sizeof(buf)) > 0) {
		char *l = strchr(buf, '('), *r = strrchr(buf, ')');
		long nice = 0;

		if (l && r && r > l)
			snprintf(p->comm, sizeof(p->comm), "%.*s", (int)(r - l - 1), l + 1);
		if (r && sscanf(r + 2, "%c %d %d %d %*d %*d %lu %*u %*u %*u %*u %*u %*u "
				"%*d %*d %*d %ld", &p->state, &p->ppid, &p->pgrp, &p->sid,
				&p->flags, &nice) >= 4)
			p->nice = (int)nice;
	}
	snprintf(path, sizeof(path), "/proc/%d/status", (int)p->pid);
	if (read_file(path, buf, sizeof(buf)) > 0) {
		if (!status_field(buf, "Uid", v, sizeof(v)))
			p->uid = (unsigned int)strtoul(v, NULL, 10);
		if (!status_field(buf, "Gid", v, sizeof(v)))
			p->gid = (unsigned int)strtoul(v, NULL, 10);
	}
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)p->pid);
	n = read_file(path, p->psargs, sizeof(p->psargs));
	for (int i = 0; i < n - 1; i++)
		if (!p->psargs[i])
			p->psargs[i] = ' ';
	snprintf(path, sizeof(path), "/proc/%d/auxv", (int)p->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		p->auxv = malloc(8192);
		if (p->auxv) {
			ssize_t r = read(fd, p->auxv, 8192);

			p->auxv_len = r > 0 ? (size_t)r : 0;
		}
		close(fd);
	}
}

/* ---- which mappings, how much (vma_dump_size in fs/binfmt_elf.c) ----- */

static uint64_t dump_size(const struct gc_map *m, unsigned int filter)
{
	uint64_t whole = m->end - m->start;

	if (!strcmp(m->name, "[vdso]") || !strcmp(m->name, "[vsyscall]"))
		return whole;
	if (m->dontdump || m->io)
		return 0;
	if (m->dax)
		return filter & (m->shared ? GC_F_DAX_SHARED : GC_F_DAX_PRIVATE) ? whole : 0;
	if (m->hugetlb)
		return filter & (m->shared ? GC_F_HUGETLB_SHARED : GC_F_HUGETLB_PRIVATE) ?
		       whole : 0;
	if (m->shared) {
		/* An unlinked file (memfd, shared anonymous, SysV) is "anonymous". */
		int anon = !m->is_file || strstr(m->name, " (deleted)") != NULL;

		return filter & (anon ? GC_F_ANON_SHARED : GC_F_MAPPED_SHARED) ? whole : 0;
	}
	/* Written to (the kernel asks for an anon_vma; smaps shows its pages). */
	if (m->anon_kb && (filter & GC_F_ANON_PRIVATE))
		return whole;
	if (!m->is_file)
		return 0;
	if (filter & GC_F_MAPPED_PRIVATE)
		return whole;
	/* The first page of an executable file (an ELF header), to tell what
	 * was mapped there. */
	if ((filter & GC_F_ELF_HEADERS) && m->offset == 0 && m->perms[0] == 'r') {
		char hdr[4];
		int fd = open(m->name, O_RDONLY | O_CLOEXEC);
		ssize_t r = fd >= 0 ? pread(fd, hdr, 4, 0) : -1;

		if (fd >= 0)
			close(fd);
		if (r == 4 && !memcmp(hdr, ELFMAG, SELFMAG))
			return GC_PAGE;
		if (r < 0 && m->perms[2] == 'x')	/* cannot look: as the kernel, exec */
			return GC_PAGE;
	}
	return 0;
}

/*
 * Reads /proc/PID/@file ("smaps" or "maps") into *m, *nm.  smaps gives
 * what the filter needs to know beyond the maps line (pages written,
 * VmFlags); it walks the page tables, so it is read before the stop and
 * only the cheap maps is read while the process is stopped (merge_maps()).
 */
static int read_maps(pid_t pid, const char *file, struct gc_map **mp, size_t *nmp)
{
	char path[64], line[4096 + 512];
	struct gc_map *cur = NULL, *m = NULL;
	size_t nm = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		struct vxd_map vm;
		unsigned long long kb;

		if (!vxd_parse_maps_line(line, &vm)) {
			struct gc_map *nmap = realloc(m, (nm + 1) * sizeof(*nmap));

			if (!nmap)
				goto fail;
			m = nmap;
			cur = &m[nm++];
			memset(cur, 0, sizeof(*cur));
			cur->start = vm.start;
			cur->end = vm.end;
			cur->offset = vm.offset;
			cur->inode = vm.inode;
			memcpy(cur->perms, vm.perms, sizeof(cur->perms));
			cur->name = strdup(vm.name);
			if (!cur->name)
				goto fail;
			cur->is_file = vm.name[0] == '/';
			cur->shared = vm.perms[3] == 's';
			continue;
		}
		if (!cur)
			continue;
		if (sscanf(line, "Anonymous: %llu kB", &kb) == 1 ||
		    sscanf(line, "Swap: %llu kB", &kb) == 1) {
			cur->anon_kb += kb;
		} else if (!strncmp(line, "VmFlags:", 8)) {
			cur->dontdump = strstr(line, " dd") != NULL;
			cur->io = strstr(line, " io") != NULL;
			cur->hugetlb = strstr(line, " ht") != NULL;
		}
	}
	if (ferror(f))
		goto fail;
	fclose(f);
	*mp = m;
	*nmp = nm;
	return 0;
fail:
	fclose(f);
	for (size_t i = 0; i < nm; i++)
		free(m[i].name);
	free(m);
	return -1;
}

/*
 * The mappings at the stop (p->m, from maps) take what smaps said before
 * the stop about the same mapping (same range, protections, file, offset).
 * One that changed in between is taken as written to when it is private
 * and (anonymous or writable), so the core rather has too much than too
 * little.  Then the bytes each mapping contributes.
 */
static void merge_maps(struct gc_proc *p, const struct gc_map *pre, size_t npre,
		       unsigned int filter)
{
	size_t j = 0;

	for (size_t i = 0; i < p->nm; i++) {
		struct gc_map *m = &p->m[i];

		while (j < npre && pre[j].end <= m->start)
			j++;
		if (j < npre && pre[j].start == m->start && pre[j].end == m->end &&
		    !strcmp(pre[j].perms, m->perms) && pre[j].offset == m->offset &&
		    pre[j].inode == m->inode && !strcmp(pre[j].name, m->name)) {
			m->anon_kb = pre[j].anon_kb;
			m->dontdump = pre[j].dontdump;
			m->io = pre[j].io;
			m->hugetlb = pre[j].hugetlb;
		} else if (!m->shared && (!m->is_file || m->perms[1] == 'w')) {
			m->anon_kb = 1;
		}
		m->dump_len = dump_size(m, filter);
	}
}

/* ---- while stopped: memory -------------------------------------------- */

struct stats {
	uint64_t cloned, copied, zeroed;
	size_t n_cloned, n_copied, n_zeroed, n_refused;
	int first_refusal;
};

static int copy_in(pid_t pid, struct gc_map *m)
{
	uint64_t done = 0;
	void *buf = mmap(NULL, m->dump_len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (buf == MAP_FAILED)
		return -1;
	while (done < m->dump_len) {
		struct iovec l = { (char *)buf + done, m->dump_len - done };
		struct iovec r = { (void *)(uintptr_t)(m->start + done), m->dump_len - done };
		ssize_t n = process_vm_readv(pid, &l, 1, &r, 1, 0);

		if (n <= 0) {
			int e = n < 0 ? errno : EFAULT;

			munmap(buf, m->dump_len);
			errno = e;
			return -1;
		}
		done += (uint64_t)n;
	}
	m->snap = buf;
	m->how = GC_COPY;
	return 0;
}

/* Takes every selected mapping.  0, or -1 (message printed: the target
 * exited, or this process ran out of memory). */
static int snapshot(struct gc_proc *p, int vfd, int pidfd, struct stats *s)
{
	/* vfd < 0: --copy, everything with process_vm_readv(). */
	for (size_t i = 0; i < p->nm; i++) {
		struct gc_map *m = &p->m[i];
		void *c;

		if (!m->dump_len)
			continue;
		if (!m->shared && vfd >= 0) {
			c = vmxfer_clone(vfd, pidfd, (void *)(uintptr_t)m->start, m->dump_len,
					 NULL, 0);
			if (c != MAP_FAILED && (m->perms[0] == 'r' ||
						!mprotect(c, m->dump_len, PROT_READ))) {
				m->snap = c;
				m->how = GC_CLONE;
				s->cloned += m->dump_len;
				s->n_cloned++;
				continue;
			}
			if (c != MAP_FAILED) {
				m->clone_errno = errno;
				munmap(c, m->dump_len);
			} else {
				m->clone_errno = errno;
				if (errno == ESRCH) {
					err("pid %d exited while its memory was being cloned",
					    (int)p->pid);
					return -1;
				}
				if (errno == EINTR) {
					err("interrupted");
					return -1;
				}
			}
			s->n_refused++;
			if (!s->first_refusal)
				s->first_refusal = m->clone_errno;
		}
		if (!copy_in(p->pid, m)) {
			s->copied += m->dump_len;
			s->n_copied++;
		} else if (errno == ESRCH) {
			err("pid %d exited while its memory was being read", (int)p->pid);
			return -1;
		} else if (errno == ENOMEM) {
			err("out of memory reading 0x%" PRIx64 "-0x%" PRIx64, m->start, m->end);
			return -1;
		} else {
			m->how = GC_ZERO;
			s->zeroed += m->dump_len;
			s->n_zeroed++;
		}
	}
	return 0;
}

static void free_maps(struct gc_map *m, size_t nm)
{
	for (size_t i = 0; i < nm; i++)
		free(m[i].name);
	free(m);
}

static void free_snapshot(struct gc_proc *p)
{
	for (size_t i = 0; i < p->nm; i++) {
		if (p->m[i].snap)
			munmap(p->m[i].snap, p->m[i].dump_len);
		free(p->m[i].name);
	}
	free(p->m);
	for (size_t i = 0; i < p->nt; i++)
		free(p->t[i].xstate);
	free(p->t);
	free(p->auxv);
}

/* ---- --live: vmxfer_splice() into a pipe, splice(2) to the output ----- */

struct live_ctx {
	int vfd, pidfd, pipe[2];
	uint64_t zeroed;
};

static int live_move(int from, int to, size_t len)
{
	while (len) {
		ssize_t n = splice(from, NULL, to, NULL, len, SPLICE_F_MOVE);
		char buf[65536];

		if (n < 0 && errno == EINVAL) {	/* the output refuses splice */
			n = read(from, buf, len < sizeof(buf) ? len : sizeof(buf));
			if (n > 0 && write(to, buf, (size_t)n) != n)
				return -1;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		len -= (size_t)n;
	}
	return 0;
}

static int live_read(void *ctx, int out, uint64_t addr, uint64_t len, uint64_t *written)
{
	struct live_ctx *l = ctx;
	static const char zeros[65536];

	*written = 0;
	while (*written < len) {
		uint64_t want = len - *written > 65536 ? 65536 : len - *written;
		struct iovec iov = { (void *)(uintptr_t)(addr + *written), want };
		ssize_t n = vmxfer_splice(l->vfd, l->pidfd, l->pipe[1], &iov, 1, 0);

		if (n <= 0) {
			if (n < 0 && errno == ESRCH)
				return -1;
			/* Unreadable now (unmapped since, PROT_NONE): zeros, a page. */
			if (write(out, zeros, GC_PAGE) != (ssize_t)GC_PAGE)
				return -1;
			l->zeroed += GC_PAGE;
			*written += GC_PAGE;
			continue;
		}
		if (live_move(l->pipe[0], out, (size_t)n))
			return -1;
		*written += (uint64_t)n;
	}
	return 0;
}

/* ---- main ---------------------------------------------------------------- */

static int usage_err(const char *msg, const char *arg)
{
	err("%s%s%s", msg, arg ? " " : "", arg ? arg : "");
	return EXIT_USAGE;
}

static void maps_err(pid_t pid, const char *file)
{
	if (errno == ENOENT || errno == ESRCH)
		err("pid %d exited", (int)pid);
	else
		err("/proc/%d/%s: %s", (int)pid, file, strerror(errno));
}

static unsigned int read_filter(pid_t pid)
{
	char path[64], buf[32];

	snprintf(path, sizeof(path), "/proc/%d/coredump_filter", (int)pid);
	if (read_file(path, buf, sizeof(buf)) <= 0)
		return GC_FILTER_DEFAULT;
	return (unsigned int)strtoul(buf, NULL, 16);
}

int vx_gcore_main(const char *p_, int argc, char **argv)
{
	struct gc_proc p;
	struct stats s = { 0 };
	struct live_ctx lc = { .pipe = { -1, -1 } };
	const char *output = NULL;
	char defname[32];
	int live = 0, copy = 0, verbose = 0, fd = -1, vfd = -1, pidfd = -1, rc = 1, stopped = 0;
	unsigned long long t_first = 0, t_stop = 0, t_resume = 0, tv[4], tv_start;
	struct gc_map *pre = NULL;
	size_t npre = 0;
	double t0, t_end;
	uint64_t written = 0;
	unsigned int filter;

	prog = p_;
	memset(&p, 0, sizeof(p));
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--pid") && i + 1 < argc) {
			if (vx_parse_pid(argv[++i], &p.pid))
				return usage_err("bad pid", argv[i]);
		} else if (!strncmp(argv[i], "--pid=", 6)) {
			if (vx_parse_pid(argv[i] + 6, &p.pid))
				return usage_err("bad pid", argv[i] + 6);
		} else if (!strcmp(argv[i], "-o") && i + 1 < argc) {
			output = argv[++i];
		} else if (!strcmp(argv[i], "--live")) {
			live = 1;
		} else if (!strcmp(argv[i], "--copy")) {
			copy = 1;
		} else if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
			verbose = 1;
		} else {
			return usage_err("unknown argument", argv[i]);
		}
	}
	if (!p.pid)
		return usage_err("--pid is required", NULL);
#ifndef __x86_64__
	err("only x86-64 is supported");
	return 1;
#endif
	if (p.pid == getpid())
		return usage_err("cannot dump itself", NULL);
	if (!output) {
		snprintf(defname, sizeof(defname), "core.%d", (int)p.pid);
		output = defname;
	}
	if (!strcmp(output, "-") && isatty(1)) {
		err("not writing a core file to a terminal (use -o FILE)");
		return 1;
	}
	p.live = live;
	p.dumper = getpid();
	t0 = vx_now();
	tv_start = mono_ns();

	if (live && copy)
		return usage_err("--live and --copy exclude each other", NULL);
	if (!copy) {
		vfd = vx_open_for("vmxfer-ctl: gcore", live ? VMXFER_FEAT_SPLICE :
				  VMXFER_FEAT_CLONE, live ? "splice" : "clone");
		if (vfd < 0) {
			if (!live)
				err("(--copy needs no module, but stops the process while "
				    "it copies)");
			return 1;
		}
	}
	pidfd = vmxfer_pidfd_open(p.pid);
	if (pidfd < 0 && !(copy && errno == ENOSYS)) {
		if (errno == ESRCH)
			err("no such process %d", (int)p.pid);
		else
			err("pidfd_open %d: %s", (int)p.pid, strerror(errno));
		goto out;
	}
	if (!strcmp(output, "-")) {
		fd = 1;
	} else {
		fd = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0) {
			err("%s: %s", output, strerror(errno));
			goto out;
		}
	}
	filter = read_filter(p.pid);
	if (read_maps(p.pid, "smaps", &pre, &npre)) {
		if (errno == EACCES || errno == EPERM)
			explain_attach(EPERM, p.pid);	/* ptrace read access, refused */
		else
			maps_err(p.pid, "smaps");
		goto out;
	}
	tv[0] = mono_ns();

	if (!live) {
		if (stop_all(&p, &t_first))
			goto out_resume;
		stopped = 1;
		t_stop = mono_ns();
		for (size_t i = 0; i < p.nt; i++)
			read_regs(&p.t[i]);
		/* The thread group leader first (the kernel puts the dumping thread
		 * first; here none is special). */
		for (size_t i = 1; i < p.nt; i++) {
			if (p.t[i].tid == p.pid) {
				struct gc_thread tmp = p.t[0];

				p.t[0] = p.t[i];
				p.t[i] = tmp;
			}
		}
	}
	tv[1] = mono_ns();
	if (read_maps(p.pid, "maps", &p.m, &p.nm)) {
		maps_err(p.pid, "maps");
		goto out_resume;
	}
	merge_maps(&p, pre, npre, filter);
	tv[2] = mono_ns();
	if (live) {
		for (size_t i = 0; i < p.nm; i++)
			if (p.m[i].dump_len)
				p.m[i].how = GC_LIVE;
		if (pipe2(lc.pipe, O_CLOEXEC)) {
			err("pipe: %s", strerror(errno));
			goto out;
		}
		fcntl(lc.pipe[1], F_SETPIPE_SZ, 1 << 20);
		lc.vfd = vfd;
		lc.pidfd = pidfd;
	} else if (snapshot(&p, vfd, pidfd, &s)) {
		goto out_resume;
	}
	if (stopped) {
		t_resume = mono_ns();
		resume_all(&p);
		stopped = 0;
	}
	tv[3] = mono_ns();
	for (size_t i = 0; i < p.nt; i++)
		read_times(&p, &p.t[i]);
	read_identity(&p);
	if (verbose)
		fprintf(stderr, "gcore: smaps %.3f ms, stopping %.3f ms; stopped: registers "
			"%.3f ms, maps %.3f ms, clone/copy %.3f ms\n",
			(double)(tv[0] - tv_start) / 1e6, (double)(t_stop - t_first) / 1e6,
			(double)(tv[1] - t_stop) / 1e6, (double)(tv[2] - tv[1]) / 1e6,
			(double)(t_resume - tv[2]) / 1e6);

	if (gc_write_core(fd, &p, isatty(2), live_read, &lc, &written)) {
		int e = errno;

		if (e == ESRCH)
			err("pid %d exited during the --live dump", (int)p.pid);
		else if (e == E2BIG)
			err("too many mappings for an ELF core without extended numbering");
		else
			err("%s: %s after %" PRIu64 " bytes%s", output, strerror(e), written,
			    fd != 1 ? "; the partial core is removed" : "");
		if (fd != 1)
			unlink(output);
		goto out;
	}
	if (fd != 1 && close(fd)) {
		fd = -1;
		err("%s: %s; the partial core is removed", output, strerror(errno));
		unlink(output);
		goto out;
	}
	fd = -1;
	t_end = vx_now();
	if (live)
		fprintf(stderr, "gcore: pid %d not stopped (--live: pages of different "
			"instants; no registers)\n", (int)p.pid);
	else
		fprintf(stderr, "gcore: pid %d: %zu thread%s stopped for %.3f ms "
			"(all at once for %.3f ms: CLOCK_MONOTONIC ns %llu-%llu)\n",
			(int)p.pid, p.nt, p.nt == 1 ? "" : "s", (double)(t_resume - t_first) / 1e6,
			(double)(t_resume - t_stop) / 1e6, t_stop, t_resume);
	fprintf(stderr, "gcore: wrote %" PRIu64 " bytes to %s in %.3f s: %zu mappings, "
		"%zu cloned (%.1f MiB), %zu read (%.1f MiB)",
		written, !strcmp(output, "-") ? "stdout" : output, t_end - t0,
		p.nm, s.n_cloned, (double)s.cloned / 1048576.0, s.n_copied,
		(double)s.copied / 1048576.0);
	if (s.n_refused)
		fprintf(stderr, ", %zu refused by clone (first: %s)", s.n_refused,
			strerror(s.first_refusal));
	if (s.n_zeroed || lc.zeroed)
		fprintf(stderr, ", %.1f MiB unreadable written as zeros",
			(double)(s.zeroed + lc.zeroed) / 1048576.0);
	fputc('\n', stderr);
	rc = 0;
	goto out;
out_resume:
	if (p.nt)
		resume_all(&p);
	if (fd >= 0 && fd != 1)
		unlink(output);
out:
	if (fd > 1)
		close(fd);
	if (lc.pipe[0] >= 0) {
		close(lc.pipe[0]);
		close(lc.pipe[1]);
	}
	free_snapshot(&p);
	free_maps(pre, npre);
	if (pidfd >= 0)
		close(pidfd);
	if (vfd >= 0)
		close(vfd);
	return rc;
}
