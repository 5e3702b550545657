/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * "vmxfer-ctl status": facts about the module and device, gathered once by
 * vx_status_gather() and printed by pure formatters (testable with a fake
 * struct vx_status, no device needed).
 */
#ifndef VMXFER_STATUS_H
#define VMXFER_STATUS_H

#include <stdio.h>
#include <vmxfer.h>

#define VX_STATUS_MAX_SYMBOLS	128

struct vx_status {
	int module_loaded;		/* /sys/module/vmxfer exists */
	char sysfs_version[64];		/* /sys/module/vmxfer/version, "" if none */
	int dev_present;		/* the device node exists */
	int dev_errno;			/* 0: opened; else errno of stat/open */
	int info_errno;			/* 0: info valid; -1: not tried; else errno */
	struct vmxfer_info info;
	unsigned int nr_syms;		/* valid entries in syms[] */
	int sym_errno;			/* 0, or errno of the first failed read */
	struct vmxfer_symbol syms[VX_STATUS_MAX_SYMBOLS];
	char running_release[72];	/* uname -r */
	int native_fallback;		/* no device; libvmxfer's native fallback answered */
	struct vmxfer_info native;	/* its vmxfer_info (VMXFER_INFO_NATIVE_FALLBACK) */
};

enum vx_op_state {
	VX_OP_AVAILABLE,
	VX_OP_NOT_IMPLEMENTED,
	VX_OP_MISSING_SYMBOL,
	VX_OP_UNSUPPORTED_KERNEL,
	VX_OP_INCONSISTENT,	/* op_status and features disagree */
	VX_OP_UNKNOWN_STATUS,	/* op_status value this tool does not know */
	VX_OP_NO_MODULE,	/* no usable device: cannot tell */
	VX_OP_NATIVE,		/* no module; libvmxfer's native fallback does it */
	VX_OP_NEEDS_MODULE,	/* no module, and no native equivalent */
};

struct vx_op_report {
	const char *name;		/* vmxfer_op_name() */
	int available;
	enum vx_op_state state;
	const char *state_key;		/* stable JSON key for state */
	unsigned int raw_status;	/* info.op_status[op] */
	unsigned int nr_missing;
	const char *missing[VX_STATUS_MAX_SYMBOLS];	/* point into syms[] */
	int missing_hidden[VX_STATUS_MAX_SYMBOLS];
	char reason[512];		/* human text; "" when available */
};

/* Fill *st from the running system (sysfs, /dev/vmxfer, ioctls). */
void vx_status_gather(struct vx_status *st);

/* Derived facts. */
int vx_status_loaded(const struct vx_status *st);
int vx_status_usable(const struct vx_status *st);
/* Why the device cannot be used, in words; NULL when it can. */
const char *vx_status_device_hint(const struct vx_status *st);
void vx_status_op(const struct vx_status *st, unsigned int op,
		  struct vx_op_report *r);

/* Pure formatters: write to f, return what "status" should exit with. */
int vx_status_print_text(FILE *f, const struct vx_status *st);
int vx_status_print_json(FILE *f, const struct vx_status *st);

#endif
