/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vmxfer-ctl gcore: the snapshot (gcore.c) and the ELF core writer
 * (gcore_elf.c) share these types.
 */
#ifndef VMXFER_GCORE_H
#define VMXFER_GCORE_H

#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <sys/types.h>

/* argv[0] is the command name.  Exit status: 0, 1 failure, 2 usage. */
int vx_gcore_main(const char *prog, int argc, char **argv);

/* coredump_filter bits (core(5)). */
#define GC_F_ANON_PRIVATE	(1U << 0)
#define GC_F_ANON_SHARED	(1U << 1)
#define GC_F_MAPPED_PRIVATE	(1U << 2)
#define GC_F_MAPPED_SHARED	(1U << 3)
#define GC_F_ELF_HEADERS	(1U << 4)
#define GC_F_HUGETLB_PRIVATE	(1U << 5)
#define GC_F_HUGETLB_SHARED	(1U << 6)
#define GC_F_DAX_PRIVATE	(1U << 7)
#define GC_F_DAX_SHARED		(1U << 8)
#define GC_FILTER_DEFAULT	0x33U

/* How a mapping's dumped bytes were taken. */
enum gc_how {
	GC_NONE,	/* nothing to write (filesz 0) */
	GC_CLONE,	/* vmxfer_clone(): snap is the clone, copy-on-write */
	GC_COPY,	/* process_vm_readv() while stopped: snap is a buffer */
	GC_LIVE,	/* --live: vmxfer_splice() at write time */
	GC_ZERO,	/* unreadable: written as zeros, counted */
};

struct gc_map {
	uint64_t start, end, offset;
	unsigned long inode;
	char perms[5];
	char *name;		/* as in /proc/PID/maps ("" for anonymous) */
	int is_file;		/* backed by a file (name starts with '/') */
	int shared, dontdump, io, hugetlb, dax;
	uint64_t anon_kb;	/* smaps Anonymous + Swap: written to */
	uint64_t dump_len;	/* bytes written (p_filesz) */
	enum gc_how how;
	void *snap;		/* GC_CLONE / GC_COPY: the dump_len bytes */
	int clone_errno;	/* why clone refused (GC_COPY, GC_ZERO) */
};

struct gc_thread {
	pid_t tid;
	int pending_sig;	/* reported at the stop: given back at detach */
	int stopped;		/* in a ptrace stop */
	unsigned long long regs[27];	/* struct user_regs_struct */
	unsigned char fpregs[512];	/* struct user_fpregs_struct */
	int have_fp;
	unsigned char *xstate;	/* NT_X86_XSTATE, xstate_len bytes */
	size_t xstate_len;
	unsigned long sigpend, sighold;
	unsigned long long utime_us, stime_us;	/* user / system time */
};

struct gc_proc {
	pid_t pid, ppid, pgrp, sid;
	unsigned int uid, gid;
	char state;		/* /proc/PID/stat state letter */
	int nice;
	unsigned long flags;
	char comm[16];
	char psargs[80];
	unsigned char *auxv;
	size_t auxv_len;
	struct gc_thread *t;	/* t[0] is the thread group leader if alive */
	size_t nt;
	struct gc_map *m;
	size_t nm;
	int live;		/* no registers, no stop */
	pid_t dumper;		/* for the NT_SIGINFO of the stop */
};

/*
 * Writes the ELF core of @p to @fd (sequentially: a pipe works);
 * @progress draws a bar on stderr.
 * @live_read fills @len bytes at @addr for GC_LIVE maps (0, or -1 with
 * errno).  Returns 0, or -1 with errno (a write error; the bytes written
 * so far in *written).
 */
typedef int (*gc_live_read_fn)(void *ctx, int out_fd, uint64_t addr, uint64_t len,
			       uint64_t *written);
int gc_write_core(int fd, struct gc_proc *p, int progress, gc_live_read_fn live,
		  void *live_ctx, uint64_t *written);

#endif
