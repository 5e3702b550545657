/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Diagnosis of "vmxfer-ctl load/unload" outcomes.  Pure: a struct of facts
 * gathered by the caller goes in, an advice message comes out; no I/O, so
 * the unit tests cover every case without a kernel.
 */
#ifndef VMXFER_DIAG_H
#define VMXFER_DIAG_H

#include <stddef.h>

enum vx_action {
	VX_ACTION_LOAD,
	VX_ACTION_UNLOAD,
};

enum vx_lockdown {
	VX_LOCKDOWN_UNKNOWN = -1,	/* no securityfs / no lockdown LSM */
	VX_LOCKDOWN_NONE = 0,
	VX_LOCKDOWN_INTEGRITY,
	VX_LOCKDOWN_CONFIDENTIALITY,
};

/* Tri-state facts use 1 = yes, 0 = no, -1 = could not tell. */
struct vx_load_facts {
	enum vx_action action;
	int err;		/* positive errno of the failure; 0 = success */
	int module_found;	/* load: a module file exists for this kernel */
	int from_file;		/* load: given as a path (--file), not looked up */
	int was_loaded;		/* /sys/module/vmxfer existed before the attempt */
	int is_root;		/* effective uid 0 */
	int has_params;		/* load: param=value arguments were given */
	const char *kernel_release;	/* uname -r; may be NULL */
	const char *package_version;	/* vmxfer version, for the DKMS hint */
	const char *lockdown;	/* raw /sys/kernel/security/lockdown, or NULL */
	int secure_boot;	/* EFI SecureBoot variable */
	int sig_enforce;	/* /sys/module/module/parameters/sig_enforce */
	int kprobes_enabled;	/* /sys/kernel/debug/kprobes/enabled */
	int modules_disabled;	/* /proc/sys/kernel/modules_disabled */
	int refcnt;		/* unload: users of the module, -1 unknown */
};

struct vx_diag {
	int exit_code;		/* what vmxfer-ctl should exit with */
	const char *id;		/* stable short name of the case, see below */
	char message[1536];	/* for the user, may span several lines */
};

/*
 * Case ids: "loaded", "already-loaded", "not-found", "not-root",
 * "modules-disabled", "signature", "kprobes", "bad-param", "mismatch",
 * "unloaded", "not-loaded", "in-use", "failed".
 */
void vx_diagnose(const struct vx_load_facts *f, struct vx_diag *out);

/* Parse the content of /sys/kernel/security/lockdown ("none [integrity]
 * confidentiality"): the bracketed selection.  NULL -> UNKNOWN. */
enum vx_lockdown vx_lockdown_mode(const char *content);
const char *vx_lockdown_name(enum vx_lockdown mode);

/* Is this errno one the kernel's module signature check produces? */
int vx_is_signature_errno(int err);

#endif
