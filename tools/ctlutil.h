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

#endif
