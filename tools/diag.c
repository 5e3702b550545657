// SPDX-License-Identifier: GPL-2.0-only
/*
 * Load/unload diagnosis: facts in, words a user can act on out.  Pure.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "diag.h"

enum vx_lockdown vx_lockdown_mode(const char *content)
{
	const char *open_br, *close_br;
	size_t n;

	if (!content)
		return VX_LOCKDOWN_UNKNOWN;
	open_br = strchr(content, '[');
	if (!open_br)
		return VX_LOCKDOWN_UNKNOWN;
	close_br = strchr(open_br, ']');
	if (!close_br)
		return VX_LOCKDOWN_UNKNOWN;
	n = (size_t)(close_br - open_br - 1);
	if (n == 4 && !strncmp(open_br + 1, "none", n))
		return VX_LOCKDOWN_NONE;
	if (n == 9 && !strncmp(open_br + 1, "integrity", n))
		return VX_LOCKDOWN_INTEGRITY;
	if (n == 15 && !strncmp(open_br + 1, "confidentiality", n))
		return VX_LOCKDOWN_CONFIDENTIALITY;
	return VX_LOCKDOWN_UNKNOWN;
}

const char *vx_lockdown_name(enum vx_lockdown mode)
{
	switch (mode) {
	case VX_LOCKDOWN_NONE:			return "none";
	case VX_LOCKDOWN_INTEGRITY:		return "integrity";
	case VX_LOCKDOWN_CONFIDENTIALITY:	return "confidentiality";
	default:				return "unknown";
	}
}

int vx_is_signature_errno(int err)
{
	switch (err) {
	case EKEYREJECTED:
	case ENOKEY:
	case EKEYEXPIRED:
	case EKEYREVOKED:
	case EBADMSG:
	case ENODATA:
		return 1;
	default:
		return 0;
	}
}

struct msgbuf {
	char *p;
	size_t left;
};

__attribute__((format(printf, 2, 3)))
static void add(struct msgbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->left <= 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p, b->left, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= b->left)
		n = (int)b->left - 1;
	b->p += n;
	b->left -= (size_t)n;
}

static const char *errname(int err)
{
	const char *s = strerrorname_np(err);

	return s ? s : "E?";
}

static void diag_load(const struct vx_load_facts *f, struct vx_diag *d,
		      struct msgbuf *b)
{
	const char *rel = f->kernel_release ? f->kernel_release : "(unknown)";
	const char *ver = f->package_version ? f->package_version : "VERSION";
	enum vx_lockdown ld = vx_lockdown_mode(f->lockdown);
	int locked = ld == VX_LOCKDOWN_INTEGRITY || ld == VX_LOCKDOWN_CONFIDENTIALITY;

	if (f->err == 0) {
		d->id = "loaded";
		d->exit_code = 0;
		add(b, "vmxfer loaded.");
		return;
	}
	if (f->err == EEXIST || f->was_loaded == 1) {
		d->id = "already-loaded";
		d->exit_code = 0;
		add(b, "vmxfer is already loaded; nothing to do.");
		if (f->has_params)
			add(b, " To change its parameters, 'vmxfer-ctl unload' it first.");
		return;
	}
	if (!f->module_found) {
		d->id = "not-found";
		if (f->from_file) {
			add(b, "the module file given with --file cannot be read (%s).",
			    strerror(f->err));
			return;
		}
		add(b, "no vmxfer module is installed for the running kernel %s.\n"
		       "Build and install it with DKMS: 'make dkms-install' in the vmxfer\n"
		       "source tree, or 'dkms install vmxfer/%s' if the sources are already\n"
		       "registered (this needs the headers: linux-headers-%s).\n"
		       "Then run 'vmxfer-ctl load' again.", rel, ver, rel);
		return;
	}
	if ((f->err == EPERM || f->err == EACCES) && f->is_root == 0) {
		d->id = "not-root";
		add(b, "loading a kernel module needs root (CAP_SYS_MODULE): run\n"
		       "'sudo vmxfer-ctl load'.");
		return;
	}
	if (f->err == EPERM && f->modules_disabled == 1) {
		d->id = "modules-disabled";
		add(b, "module loading is disabled until the next reboot\n"
		       "(/proc/sys/kernel/modules_disabled is 1).");
		return;
	}
	if (vx_is_signature_errno(f->err) || (f->err == EPERM && locked)) {
		d->id = "signature";
		add(b, "the kernel refused the module's signature (%s: %s).\n",
		    errname(f->err), strerror(f->err));
		if (locked)
			add(b, "Kernel lockdown is active ([%s] in /sys/kernel/security/lockdown):\n"
			       "it accepts only modules signed with a key the kernel trusts.\n",
			    vx_lockdown_name(ld));
		if (f->secure_boot == 1)
			add(b, "Secure Boot is enabled.\n");
		else if (f->sig_enforce == 1)
			add(b, "Module signatures are enforced (module.sig_enforce=1).\n");
		add(b, "Enrol the DKMS signing key as a Machine Owner Key, then reboot:\n"
		       "  mokutil --import /var/lib/dkms/mok.pub\n"
		       "choose a one-time password, reboot, and confirm the enrolment in the\n"
		       "MOK manager (\"Enroll MOK\").  DKMS signs vmxfer with that key; after\n"
		       "the reboot run 'dkms install vmxfer/%s' again if it was built\n"
		       "before the key existed, then 'vmxfer-ctl load'.", ver);
		return;
	}
	if (f->err == ENOSYS || f->err == EOPNOTSUPP) {
		d->id = "kprobes";
		add(b, "the module loaded but its initialisation failed (%s): it could not\n"
		       "find kallsyms_lookup_name through a kprobe, so kprobes are unavailable\n"
		       "on this kernel.\n", errname(f->err));
		if (f->kprobes_enabled == 0)
			add(b, "Kprobes are disabled: /sys/kernel/debug/kprobes/enabled is 0.\n"
			       "Enable them with 'echo 1 > /sys/kernel/debug/kprobes/enabled'\n"
			       "and load again.");
		else
			add(b, "vmxfer needs a kernel built with CONFIG_KPROBES=y and kprobes\n"
			       "enabled (/sys/kernel/debug/kprobes/enabled = 1); see 'dmesg'.");
		return;
	}
	if (f->err == EINVAL && f->has_params) {
		d->id = "bad-param";
		add(b, "the module rejected a parameter value (EINVAL): see 'dmesg' and\n"
		       "'modinfo vmxfer' for the accepted parameters.");
		return;
	}
	if (f->err == ENOEXEC || f->err == EINVAL || f->err == ENOENT) {
		d->id = "mismatch";
		add(b, "the installed module does not fit the running kernel %s (%s: wrong\n"
		       "format, version magic or unknown symbols; 'dmesg' has the details).\n"
		       "Rebuild it for this kernel: 'dkms install vmxfer/%s -k %s'.",
		    rel, errname(f->err), ver, rel);
		return;
	}
	d->id = "failed";
	add(b, "loading vmxfer failed: %s (%s). 'dmesg' has the kernel's reason.",
	    strerror(f->err), errname(f->err));
}

static void diag_unload(const struct vx_load_facts *f, struct vx_diag *d,
			struct msgbuf *b)
{
	if (f->err == 0) {
		d->id = "unloaded";
		d->exit_code = 0;
		add(b, "vmxfer unloaded.");
		return;
	}
	if (f->err == ENOENT || f->was_loaded == 0) {
		d->id = "not-loaded";
		d->exit_code = 0;
		add(b, "vmxfer is not loaded; nothing to do.");
		return;
	}
	if ((f->err == EPERM || f->err == EACCES) && f->is_root == 0) {
		d->id = "not-root";
		add(b, "unloading a kernel module needs root (CAP_SYS_MODULE): run\n"
		       "'sudo vmxfer-ctl unload'.");
		return;
	}
	if (f->err == EBUSY || f->err == EAGAIN || f->err == EWOULDBLOCK) {
		d->id = "in-use";
		if (f->refcnt > 0)
			add(b, "vmxfer is in use (%d user%s): ", f->refcnt,
			    f->refcnt == 1 ? "" : "s");
		else
			add(b, "vmxfer is in use: ");
		add(b, "close every program that has /dev/vmxfer open\n"
		       "(see 'fuser -v /dev/vmxfer'), then unload again.");
		return;
	}
	d->id = "failed";
	add(b, "unloading vmxfer failed: %s (%s). 'dmesg' may say more.",
	    strerror(f->err), errname(f->err));
}

void vx_diagnose(const struct vx_load_facts *f, struct vx_diag *d)
{
	struct msgbuf b = { d->message, sizeof(d->message) };

	d->message[0] = '\0';
	d->exit_code = 1;
	d->id = "failed";
	if (f->action == VX_ACTION_UNLOAD)
		diag_unload(f, d, &b);
	else
		diag_load(f, d, &b);
}
