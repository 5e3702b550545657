// SPDX-License-Identifier: GPL-2.0-only
/*
 * "vmxfer-ctl status": gather facts, then format them as text or JSON.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "status.h"

#define SYSFS_MODULE	"/sys/module/" VMXFER_DEVICE_NAME

static void read_line(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	buf[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

void vx_status_gather(struct vx_status *st)
{
	struct utsname uts;
	struct stat sb;
	unsigned int i;
	int fd;

	memset(st, 0, sizeof(*st));
	st->info_errno = -1;
	st->module_loaded = access(SYSFS_MODULE, F_OK) == 0;
	if (st->module_loaded)
		read_line(SYSFS_MODULE "/version", st->sysfs_version,
			  sizeof(st->sysfs_version));
	if (uname(&uts) == 0)
		snprintf(st->running_release, sizeof(st->running_release), "%s",
			 uts.release);

	if (stat(VMXFER_DEVICE_PATH, &sb) < 0) {
		st->dev_errno = errno;
		/* No device: what libvmxfer's native fallback serves instead. */
		fd = st->dev_errno == ENOENT ? vmxfer_open() : -1;
		if (fd >= 0) {
			st->native_fallback = vmxfer_info(fd, &st->native) == 0 &&
					      (st->native.flags & VMXFER_INFO_NATIVE_FALLBACK);
			close(fd);
		}
		return;
	}
	st->dev_present = 1;
	fd = vmxfer_open();
	if (fd < 0) {
		st->dev_errno = errno;
		return;
	}
	if (vmxfer_info(fd, &st->info) < 0) {
		st->info_errno = errno;
		close(fd);
		return;
	}
	st->info_errno = 0;
	st->info.module_version[sizeof(st->info.module_version) - 1] = '\0';
	st->info.kernel_release[sizeof(st->info.kernel_release) - 1] = '\0';
	for (i = 0; i < st->info.nr_symbols && i < VX_STATUS_MAX_SYMBOLS; i++) {
		if (vmxfer_symbol(fd, i, &st->syms[i]) < 0) {
			st->sym_errno = errno;
			break;
		}
		st->nr_syms++;
	}
	close(fd);
}

int vx_status_loaded(const struct vx_status *st)
{
	return st->module_loaded || st->info_errno == 0;
}

int vx_status_usable(const struct vx_status *st)
{
	return st->dev_errno == 0 && st->info_errno == 0 &&
	       st->info.abi_version == VMXFER_ABI_VERSION;
}

const char *vx_status_device_hint(const struct vx_status *st)
{
	switch (st->dev_errno) {
	case 0:
		break;
	case ENOENT:
		if (vx_status_loaded(st))
			return "the module is loaded but the device node is missing: check udev "
			       "(udevadm trigger) and the rule 60-vmxfer.rules";
		return "the module is not loaded: run 'vmxfer-ctl load' as root";
	case EACCES:
	case EPERM:
		return "permission denied: add yourself to group vmxfer "
		       "('usermod -aG vmxfer $USER', then log in again)";
	case ENXIO:
	case ENODEV:
		return "stale device node, no driver behind it: the module is not loaded";
	default:
		return "cannot open the device";
	}
	if (st->info_errno == ENOTTY)
		return "the device does not answer VMXFER_IOC_INFO: not a vmxfer module, or too old";
	if (st->info_errno > 0)
		return "VMXFER_IOC_INFO failed";
	if (st->info_errno == 0 && st->info.abi_version != VMXFER_ABI_VERSION)
		return "the module speaks a different ABI version than this tool: "
		       "install matching versions of vmxfer and vmxfer-ctl";
	return NULL;
}

static const char *const state_keys[] = {
	[VX_OP_AVAILABLE]		= "available",
	[VX_OP_NOT_IMPLEMENTED]		= "not_implemented",
	[VX_OP_MISSING_SYMBOL]		= "missing_symbol",
	[VX_OP_UNSUPPORTED_KERNEL]	= "unsupported_kernel",
	[VX_OP_INCONSISTENT]		= "inconsistent",
	[VX_OP_UNKNOWN_STATUS]		= "unknown_status",
	[VX_OP_NO_MODULE]		= "unknown",
	[VX_OP_NATIVE]			= "native_fallback",
	[VX_OP_NEEDS_MODULE]		= "needs_module",
};

/* The native fallback's report of op (no module, vx_status_op). */
static void native_op(const struct vx_status *st, unsigned int op,
		      struct vx_op_report *r)
{
	r->available = !!(st->native.features & (1ULL << op));
	r->state = r->available ? VX_OP_NATIVE : VX_OP_NEEDS_MODULE;
	if (!r->available)
		snprintf(r->reason, sizeof(r->reason), "needs the module "
			 "(apt install vmxfer-dkms; then vmxfer-ctl load)");
	else if (op == VMXFER_OP_REMAP)
		snprintf(r->reason, sizeof(r->reason), "native fallback: "
			 "mremap(MREMAP_DONTUNMAP), same length only (growing needs the module)");
	else if (op == VMXFER_OP_MOVE)
		snprintf(r->reason, sizeof(r->reason), "native fallback: "
			 "UFFDIO_MOVE through a private userfaultfd");
	else
		snprintf(r->reason, sizeof(r->reason), "native fallback");
}

/* Does release @rel (as uname -r prints it) come before major.minor? */
static int release_before(const char *rel, int major, int minor)
{
	int ma = 0, mi = 0;

	if (sscanf(rel, "%d.%d", &ma, &mi) != 2)
		return 0;
	return ma < major || (ma == major && mi < minor);
}

/*
 * What an available operation refuses on this kernel line that it does
 * elsewhere (the uapi header documents each case and its errno), or NULL.
 */
static const char *op_limits(unsigned int op, const char *rel)
{
	switch (op) {
	case VMXFER_OP_CLONE:
		if (release_before(rel, 5, 19))
			return "limited on this kernel: swapped-out pages of a "
			       "range related by fork cannot be cloned (EBUSY)";
		return NULL;
	case VMXFER_OP_MOVE:
		if (release_before(rel, 6, 12))
			return "limited on this kernel: a page cannot move into a "
			       "mapping that faulted in its own pages (EBUSY; "
			       "this kernel's rmap cannot relink it)";
		return NULL;
	default:
		return NULL;
	}
}

void vx_status_op(const struct vx_status *st, unsigned int op,
		  struct vx_op_report *r)
{
	const char *limits;
	uint64_t bit = 1ULL << op;
	size_t used = 0;
	unsigned int i;

	memset(r, 0, sizeof(*r));
	r->name = vmxfer_op_name(op);
	if (!vx_status_usable(st) && st->native_fallback && !vx_status_loaded(st)) {
		native_op(st, op, r);
		goto out;
	}
	if (!vx_status_usable(st)) {
		r->state = VX_OP_NO_MODULE;
		snprintf(r->reason, sizeof(r->reason), "%s",
			 vx_status_loaded(st) ? "device not usable" : "module not loaded");
		goto out;
	}
	r->raw_status = st->info.op_status[op];
	r->available = !!(st->info.features & bit);
	if (r->available) {
		r->state = VX_OP_AVAILABLE;
		limits = op_limits(op, st->info.kernel_release[0] ?
				   st->info.kernel_release : st->running_release);
		if (r->raw_status != VMXFER_OPST_AVAILABLE) {
			r->state = VX_OP_INCONSISTENT;
			snprintf(r->reason, sizeof(r->reason),
				 "feature bit set but op_status is %u (module bug)",
				 r->raw_status);
		} else if (limits) {
			snprintf(r->reason, sizeof(r->reason), "%s", limits);
		}
		goto out;
	}
	switch (r->raw_status) {
	case VMXFER_OPST_NOT_IMPLEMENTED:
		r->state = VX_OP_NOT_IMPLEMENTED;
		snprintf(r->reason, sizeof(r->reason),
			 "not part of this module version (%s)",
			 st->info.module_version[0] ? st->info.module_version : "?");
		break;
	case VMXFER_OPST_MISSING_SYMBOL:
		r->state = VX_OP_MISSING_SYMBOL;
		for (i = 0; i < st->nr_syms; i++) {
			const struct vmxfer_symbol *s = &st->syms[i];

			if (!(s->ops & bit) || s->state == VMXFER_SYM_RESOLVED)
				continue;
			r->missing_hidden[r->nr_missing] = s->state == VMXFER_SYM_HIDDEN;
			r->missing[r->nr_missing++] = s->name;
		}
		used = (size_t)snprintf(r->reason, sizeof(r->reason),
					"missing kernel symbol%s",
					r->nr_missing == 1 ? "" : "s");
		for (i = 0; i < r->nr_missing && used < sizeof(r->reason); i++)
			used += (size_t)snprintf(r->reason + used, sizeof(r->reason) - used,
						 "%s %s%s", i ? "," : "", r->missing[i],
						 r->missing_hidden[i] ? " (hidden by hide_symbols=)" : "");
		if (!r->nr_missing && used < sizeof(r->reason))
			snprintf(r->reason + used, sizeof(r->reason) - used,
				 " (could not list them%s%s)",
				 st->sym_errno ? ": " : "",
				 st->sym_errno ? strerror(st->sym_errno) : "");
		break;
	case VMXFER_OPST_UNSUPPORTED_KERNEL:
		r->state = VX_OP_UNSUPPORTED_KERNEL;
		snprintf(r->reason, sizeof(r->reason), "unsupported kernel (%s)",
			 st->info.kernel_release[0] ? st->info.kernel_release
						    : st->running_release);
		break;
	case VMXFER_OPST_AVAILABLE:
		r->state = VX_OP_INCONSISTENT;
		snprintf(r->reason, sizeof(r->reason),
			 "op_status says available but the feature bit is clear (module bug)");
		break;
	default:
		r->state = VX_OP_UNKNOWN_STATUS;
		snprintf(r->reason, sizeof(r->reason),
			 "unavailable, status %u unknown to this tool (newer module?)",
			 r->raw_status);
		break;
	}
out:
	r->state_key = state_keys[r->state];
}

static const char *errname(int err)
{
	const char *s = err > 0 ? strerrorname_np(err) : NULL;

	return s ? s : "E?";
}

static const char *sym_state_name(unsigned int state)
{
	switch (state) {
	case VMXFER_SYM_RESOLVED:	return "resolved";
	case VMXFER_SYM_MISSING:	return "missing";
	case VMXFER_SYM_HIDDEN:		return "hidden";
	default:			return "unknown";
	}
}

static const char *sym_kind_name(unsigned int kind)
{
	switch (kind) {
	case VMXFER_SYM_FUNC:	return "func";
	case VMXFER_SYM_DATA:	return "data";
	default:		return "unknown";
	}
}

/* ---- text --------------------------------------------------------------- */

int vx_status_print_text(FILE *f, const struct vx_status *st)
{
	const char *hint = vx_status_device_hint(st);
	int usable = vx_status_usable(st);
	struct vx_op_report r;
	unsigned int op, i, n[3] = { 0, 0, 0 };

	if (vx_status_loaded(st)) {
		const char *v = st->info_errno == 0 && st->info.module_version[0]
				? st->info.module_version : st->sysfs_version;
		fprintf(f, "module:         loaded%s%s\n", v[0] ? ", version " : "", v);
	} else {
		fprintf(f, "module:         not loaded (%s absent)\n", SYSFS_MODULE);
	}

	if (st->dev_errno == 0 && !hint)
		fprintf(f, "device:         %s: ok\n", VMXFER_DEVICE_PATH);
	else if (st->dev_errno)
		fprintf(f, "device:         %s: %s (%s): %s\n", VMXFER_DEVICE_PATH,
			st->dev_present ? "cannot open" : "not present",
			errname(st->dev_errno), hint);
	else
		fprintf(f, "device:         %s: opened, but %s%s%s\n", VMXFER_DEVICE_PATH,
			hint, st->info_errno > 0 ? ": " : "",
			st->info_errno > 0 ? strerror(st->info_errno) : "");

	if (st->info_errno == 0)
		fprintf(f, "ABI version:    %u (this tool: %d)\n",
			st->info.abi_version, VMXFER_ABI_VERSION);
	fprintf(f, "kernel:         %s", st->running_release);
	if (st->info_errno == 0 && strcmp(st->info.kernel_release, st->running_release))
		fprintf(f, " (module reports %s)", st->info.kernel_release);
	fputc('\n', f);

	if (!usable && st->native_fallback && !vx_status_loaded(st)) {
		fprintf(f, "operations:     native fallback (libvmxfer, no module):\n");
		for (op = 0; op < VMXFER_OP_COUNT; op++) {
			vx_status_op(st, op, &r);
			fprintf(f, "  %-8s %s: %s\n", r.name,
				r.available ? "available" : "unavailable", r.reason);
		}
		return 1;
	}
	if (!usable) {
		fprintf(f, "operations:     unknown (%s)\n",
			vx_status_loaded(st) ? "device not usable" : "module not loaded");
		return 1;
	}
	fprintf(f, "operations:\n");
	for (op = 0; op < VMXFER_OP_COUNT; op++) {
		vx_status_op(st, op, &r);
		fprintf(f, "  %-8s %s%s%s\n", r.name,
			r.available ? "available" : "unavailable",
			r.reason[0] ? ": " : "", r.reason);
	}
	for (i = 0; i < st->nr_syms; i++)
		if (st->syms[i].state < 3)
			n[st->syms[i].state]++;
	fprintf(f, "kernel symbols: %u (%u resolved, %u missing, %u hidden)\n",
		st->info.nr_symbols, n[VMXFER_SYM_RESOLVED], n[VMXFER_SYM_MISSING],
		n[VMXFER_SYM_HIDDEN]);
	if (st->sym_errno)
		fprintf(f, "                reading entry %u failed: %s\n",
			st->nr_syms, strerror(st->sym_errno));
	return 0;
}

/* ---- JSON --------------------------------------------------------------- */

static void json_str(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (; *p; p++) {
		switch (*p) {
		case '"':  fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (*p < 0x20 || *p >= 0x7f)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

static const char *bool_str(int b)
{
	return b ? "true" : "false";
}

static void json_ops_bits(FILE *f, unsigned int ops)
{
	unsigned int op, first = 1;

	fputc('[', f);
	for (op = 0; op < 32; op++) {
		if (!(ops & (1U << op)))
			continue;
		fputs(first ? "" : ", ", f);
		first = 0;
		if (op < VMXFER_OP_COUNT)
			json_str(f, vmxfer_op_name(op));
		else
			fprintf(f, "%u", op);
	}
	fputc(']', f);
}

int vx_status_print_json(FILE *f, const struct vx_status *st)
{
	const char *hint = vx_status_device_hint(st);
	int usable = vx_status_usable(st), have = st->info_errno == 0;
	struct vx_op_report r;
	unsigned int op, i;

	fprintf(f, "{\n  \"schema\": 1,\n  \"usable\": %s,\n", bool_str(usable));
	fprintf(f, "  \"module\": {\n    \"loaded\": %s,\n    \"version\": ",
		bool_str(vx_status_loaded(st)));
	if (have && st->info.module_version[0])
		json_str(f, st->info.module_version);
	else
		json_str(f, st->sysfs_version[0] ? st->sysfs_version : NULL);
	fprintf(f, "\n  },\n  \"device\": {\n    \"path\": ");
	json_str(f, VMXFER_DEVICE_PATH);
	fprintf(f, ",\n    \"present\": %s,\n    \"accessible\": %s,\n    \"error\": ",
		bool_str(st->dev_present), bool_str(st->dev_errno == 0));
	json_str(f, st->dev_errno ? errname(st->dev_errno)
		    : st->info_errno > 0 ? errname(st->info_errno) : NULL);
	fprintf(f, ",\n    \"hint\": ");
	json_str(f, hint);
	fprintf(f, "\n  },\n");
	if (have)
		fprintf(f, "  \"abi_version\": %u,\n", st->info.abi_version);
	else
		fprintf(f, "  \"abi_version\": null,\n");
	fprintf(f, "  \"tool_abi_version\": %d,\n  \"kernel_release\": ", VMXFER_ABI_VERSION);
	json_str(f, st->running_release);
	fprintf(f, ",\n  \"module_kernel_release\": ");
	json_str(f, have ? st->info.kernel_release : NULL);
	if (have)
		fprintf(f, ",\n  \"features\": %llu,\n",
			(unsigned long long)st->info.features);
	else
		fprintf(f, ",\n  \"features\": null,\n");
	fprintf(f, "  \"native_fallback\": %s,\n",
		bool_str(st->native_fallback && !vx_status_loaded(st)));

	fprintf(f, "  \"operations\": [\n");
	for (op = 0; op < VMXFER_OP_COUNT; op++) {
		vx_status_op(st, op, &r);
		fprintf(f, "    {\"name\": ");
		json_str(f, r.name);
		fprintf(f, ", \"available\": %s, \"status\": ", bool_str(r.available));
		json_str(f, r.state_key);
		fprintf(f, ", \"reason\": ");
		json_str(f, r.reason[0] ? r.reason : NULL);
		fprintf(f, ", \"missing_symbols\": [");
		for (i = 0; i < r.nr_missing; i++) {
			fputs(i ? ", " : "", f);
			json_str(f, r.missing[i]);
		}
		fprintf(f, "]}%s\n", op + 1 < VMXFER_OP_COUNT ? "," : "");
	}
	fprintf(f, "  ],\n  \"symbols\": [");
	for (i = 0; i < st->nr_syms; i++) {
		const struct vmxfer_symbol *s = &st->syms[i];

		fprintf(f, "%s\n    {\"name\": ", i ? "," : "");
		json_str(f, s->name);
		fprintf(f, ", \"state\": ");
		json_str(f, sym_state_name(s->state));
		fprintf(f, ", \"kind\": ");
		json_str(f, sym_kind_name(s->kind));
		fprintf(f, ", \"ops\": ");
		json_ops_bits(f, s->ops);
		fputc('}', f);
	}
	fprintf(f, "%s]\n}\n", st->nr_syms ? "\n  " : "");
	return usable ? 0 : 1;
}
