/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by vmxfer-ctl's subcommands. */
#ifndef VMXFER_CTLUTIL_H
#define VMXFER_CTLUTIL_H

#include <stdint.h>
#include <sys/types.h>

/*
 * Open /dev/vmxfer for an operation (feature bit @feat, named @op in
 * messages).  On failure print why, in words a user can act on, prefixed
 * with @who ("vmxfer-ctl: peek"), and return -1.
 */
int vx_open_for(const char *who, uint64_t feat, const char *op);

/* A decimal pid > 0: 0, or -1 if @s is not one. */
int vx_parse_pid(const char *s, pid_t *pid);

/* CLOCK_MONOTONIC in seconds. */
double vx_now(void);

/*
 * A progress bar on stderr ("NAME [####    ]  42% 1.0/2.4 MiB[ 80 MiB/s]"),
 * redrawn at most every 0.2 s while @on; vx_bar_done() erases it.
 */
struct vx_bar {
	const char *name;
	int on, drawn, rate;	/* rate: show MiB/s since t0 */
	double t0, last;
};
void vx_bar_start(struct vx_bar *b, const char *name, int on, int rate);
void vx_bar_draw(struct vx_bar *b, uint64_t done, uint64_t total);
void vx_bar_done(struct vx_bar *b);

#endif
