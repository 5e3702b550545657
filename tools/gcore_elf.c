// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmxfer-ctl gcore: the ELF core file, laid out as the kernel's own core
 * dumps are (fs/binfmt_elf.c, read for the layout; core(5)):
 *
 *   ELF header (ET_CORE), program headers: one PT_NOTE, then one PT_LOAD
 *   per mapping in address order (p_filesz = the bytes written, 0 for a
 *   mapping the filter leaves out; p_memsz = its size; p_align = page).
 *   The notes: per thread NT_PRSTATUS, then after the first thread's
 *   NT_PRPSINFO, NT_SIGINFO, NT_AUXV, NT_FILE, then the thread's
 *   NT_PRFPREG ("CORE") and NT_X86_XSTATE ("LINUX").  The data of the
 *   PT_LOADs starts at the first page boundary after the notes.
 *
 * Written front to back with write(2) only, so the output may be a pipe.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/procfs.h>
#include <sys/user.h>

#include "ctlutil.h"
#include "gcore.h"

#define GC_PAGE		4096ULL

struct nbuf {
	unsigned char *b;
	size_t len, cap;
	int oom;
};

/* Room for @need bytes in all; 0, or -1 (and n->oom set). */
static int nb_reserve(struct nbuf *n, size_t need)
{
	size_t cap = n->cap ? n->cap : 4096;
	unsigned char *nb;

	if (n->oom)
		return -1;
	if (need <= n->cap)
		return 0;
	while (cap < need)
		cap *= 2;
	nb = realloc(n->b, cap);
	if (!nb) {
		n->oom = 1;
		return -1;
	}
	n->b = nb;
	n->cap = cap;
	return 0;
}

/* Appends @len bytes, padded with zeros to 4 (note fields are). */
static void nb_put(struct nbuf *n, const void *data, size_t len)
{
	size_t need = n->len + ((len + 3) & ~(size_t)3);

	if (nb_reserve(n, need))
		return;
	memcpy(n->b + n->len, data, len);
	memset(n->b + n->len + len, 0, need - n->len - len);
	n->len = need;
}

static void nb_note(struct nbuf *n, const char *name, uint32_t type,
		    const void *desc, size_t len)
{
	Elf64_Nhdr h = {
		.n_namesz = (Elf64_Word)strlen(name) + 1,
		.n_descsz = (Elf64_Word)len,
		.n_type = type,
	};

	nb_put(n, &h, sizeof(h));
	nb_put(n, name, h.n_namesz);
	nb_put(n, desc, len);
}

static void us_to_tv(unsigned long long us, struct timeval *tv)
{
	tv->tv_sec = (time_t)(us / 1000000);
	tv->tv_usec = (suseconds_t)(us % 1000000);
}

static void note_prstatus(struct nbuf *n, const struct gc_proc *p,
			  const struct gc_thread *t, int cursig)
{
	struct elf_prstatus s;

	memset(&s, 0, sizeof(s));
	s.pr_info.si_signo = cursig;
	s.pr_cursig = (short)cursig;
	s.pr_sigpend = t->sigpend;
	s.pr_sighold = t->sighold;
	s.pr_pid = t->tid;
	s.pr_ppid = p->ppid;
	s.pr_pgrp = p->pgrp;
	s.pr_sid = p->sid;
	us_to_tv(t->utime_us, &s.pr_utime);
	us_to_tv(t->stime_us, &s.pr_stime);
	_Static_assert(sizeof(s.pr_reg) == sizeof(t->regs), "elf_gregset_t");
	memcpy(&s.pr_reg, t->regs, sizeof(s.pr_reg));
	s.pr_fpvalid = t->have_fp;
	nb_note(n, "CORE", NT_PRSTATUS, &s, sizeof(s));
}

static void note_prpsinfo(struct nbuf *n, const struct gc_proc *p)
{
	static const char states[] = "RSDTZW";
	const char *st = strchr(states, p->state);
	struct elf_prpsinfo ps;

	memset(&ps, 0, sizeof(ps));
	ps.pr_state = (char)(st && p->state ? st - states : 0);
	ps.pr_sname = p->state ? p->state : '.';
	ps.pr_zomb = p->state == 'Z';
	ps.pr_nice = (char)p->nice;
	ps.pr_flag = p->flags;
	ps.pr_uid = p->uid;
	ps.pr_gid = p->gid;
	ps.pr_pid = p->pid;
	ps.pr_ppid = p->ppid;
	ps.pr_pgrp = p->pgrp;
	ps.pr_sid = p->sid;
	memcpy(ps.pr_fname, p->comm, sizeof(ps.pr_fname));
	memcpy(ps.pr_psargs, p->psargs, sizeof(ps.pr_psargs));
	nb_note(n, "CORE", NT_PRPSINFO, &ps, sizeof(ps));
}

/* The stop, told as a SIGSTOP sent by the dumper (si_code SI_USER). */
static void note_siginfo(struct nbuf *n, const struct gc_proc *p)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	si.si_signo = SIGSTOP;
	si.si_code = SI_USER;
	si.si_pid = p->dumper;
	si.si_uid = getuid();
	nb_note(n, "CORE", NT_SIGINFO, &si, sizeof(si));
}

/* NT_FILE: count, page size, {start, end, file offset in pages}[count],
 * then the names, each NUL-terminated. */
static void note_file(struct nbuf *n, const struct gc_proc *p)
{
	struct nbuf d = { 0 };
	uint64_t count = 0, ps = GC_PAGE;

	for (size_t i = 0; i < p->nm; i++)
		count += p->m[i].is_file;
	if (!count)
		return;
	nb_put(&d, &count, 8);
	nb_put(&d, &ps, 8);
	for (size_t i = 0; i < p->nm; i++) {
		uint64_t e[3] = { p->m[i].start, p->m[i].end, p->m[i].offset / GC_PAGE };

		if (p->m[i].is_file)
			nb_put(&d, e, sizeof(e));
	}
	/* Names are packed (no padding between them): built by hand. */
	for (size_t i = 0; i < p->nm; i++) {
		size_t l = strlen(p->m[i].name) + 1;

		if (!p->m[i].is_file || nb_reserve(&d, d.len + l))
			continue;
		memcpy(d.b + d.len, p->m[i].name, l);
		d.len += l;
	}
	if (d.oom)
		n->oom = 1;
	else
		nb_note(n, "CORE", NT_FILE, d.b, d.len);
	free(d.b);
}

static int build_notes(const struct gc_proc *p, struct nbuf *n)
{
	for (size_t i = 0; i < p->nt || (i == 0 && p->live); i++) {
		const struct gc_thread *t = p->nt ? &p->t[i] : NULL;

		if (t)
			note_prstatus(n, p, t, SIGSTOP);
		if (i == 0) {
			note_prpsinfo(n, p);
			if (!p->live)
				note_siginfo(n, p);
			if (p->auxv_len)
				nb_note(n, "CORE", NT_AUXV, p->auxv, p->auxv_len);
			note_file(n, p);
		}
		if (!t)
			break;
		if (t->have_fp)
			nb_note(n, "CORE", NT_PRFPREG, t->fpregs, sizeof(t->fpregs));
		if (t->xstate_len)
			nb_note(n, "LINUX", NT_X86_XSTATE, t->xstate, t->xstate_len);
	}
	if (n->oom) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

static uint64_t data_offset(const struct gc_proc *p, size_t notes_len)
{
	uint64_t off = sizeof(Elf64_Ehdr) + (p->nm + 1) * sizeof(Elf64_Phdr) + notes_len;

	return (off + GC_PAGE - 1) & ~(GC_PAGE - 1);
}

struct wr {
	int fd;
	uint64_t done, total;
	struct vx_bar bar;
};

static void bar(struct wr *w, int final)
{
	if (final)
		vx_bar_done(&w->bar);
	else
		vx_bar_draw(&w->bar, w->done, w->total);
}

static int put(struct wr *w, const void *buf, uint64_t len)
{
	const unsigned char *b = buf;

	while (len) {
		size_t chunk = len > (8U << 20) ? (8U << 20) : (size_t)len;
		ssize_t r = write(w->fd, b, chunk);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0) {
			errno = EIO;
			return -1;
		}
		b += r;
		len -= (uint64_t)r;
		w->done += (uint64_t)r;
		bar(w, 0);
	}
	return 0;
}

static int put_zeros(struct wr *w, uint64_t len)
{
	static const unsigned char z[65536];

	while (len) {
		uint64_t c = len > sizeof(z) ? sizeof(z) : len;

		if (put(w, z, c))
			return -1;
		len -= c;
	}
	return 0;
}

int gc_write_core(int fd, struct gc_proc *p, int progress, gc_live_read_fn live,
		  void *live_ctx, uint64_t *written)
{
	struct nbuf n = { 0 };
	struct wr w = { .fd = fd };
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	uint64_t off, hdr_end;
	int rc = -1;

	*written = 0;
	if (p->nm + 1 >= PN_XNUM) {
		errno = E2BIG;
		return -1;
	}
	if (build_notes(p, &n))
		return -1;
	off = data_offset(p, n.len);
	w.total = off;
	for (size_t i = 0; i < p->nm; i++)
		w.total += p->m[i].dump_len;
	vx_bar_start(&w.bar, "gcore", progress, 0);

	memset(&eh, 0, sizeof(eh));
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_ident[EI_OSABI] = ELFOSABI_NONE;
	eh.e_type = ET_CORE;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_phoff = sizeof(eh);
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = (Elf64_Half)(p->nm + 1);
	if (put(&w, &eh, sizeof(eh)))
		goto out;

	hdr_end = sizeof(eh) + (p->nm + 1) * sizeof(Elf64_Phdr);
	memset(&ph, 0, sizeof(ph));
	ph.p_type = PT_NOTE;
	ph.p_offset = hdr_end;
	ph.p_filesz = n.len;
	ph.p_align = 4;
	if (put(&w, &ph, sizeof(ph)))
		goto out;
	for (size_t i = 0; i < p->nm; i++) {
		const struct gc_map *m = &p->m[i];

		memset(&ph, 0, sizeof(ph));
		ph.p_type = PT_LOAD;
		ph.p_offset = off;
		ph.p_vaddr = m->start;
		ph.p_filesz = m->dump_len;
		ph.p_memsz = m->end - m->start;
		ph.p_flags = (m->perms[0] == 'r' ? PF_R : 0) |
			     (m->perms[1] == 'w' ? PF_W : 0) |
			     (m->perms[2] == 'x' ? PF_X : 0);
		ph.p_align = GC_PAGE;
		off += m->dump_len;
		if (put(&w, &ph, sizeof(ph)))
			goto out;
	}
	if (put(&w, n.b, n.len) ||
	    put_zeros(&w, data_offset(p, n.len) - hdr_end - n.len))
		goto out;

	for (size_t i = 0; i < p->nm; i++) {
		struct gc_map *m = &p->m[i];

		switch (m->how) {
		case GC_NONE:
			continue;
		case GC_CLONE:
		case GC_COPY:
			if (put(&w, m->snap, m->dump_len))
				goto out;
			break;
		case GC_LIVE: {
			uint64_t got = 0;

			if (live(live_ctx, fd, m->start, m->dump_len, &got) < 0) {
				w.done += got;
				goto out;
			}
			w.done += got;
			bar(&w, 0);
			break;
		}
		case GC_ZERO:
			if (put_zeros(&w, m->dump_len))
				goto out;
			break;
		}
	}
	rc = 0;
out:
	bar(&w, 1);
	*written = w.done;
	free(n.b);
	return rc;
}
