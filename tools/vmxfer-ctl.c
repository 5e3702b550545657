// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmxfer-ctl - inspect, load and unload the vmxfer kernel module.
 *
 * Exit status: 0 success, 1 failure, 2 usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <sys/utsname.h>

#include <libkmod.h>

#include <vmxfer.h>
#include "diag.h"
#include "dump.h"
#include "gcore.h"
#include "peek.h"
#include "mergediag.h"
#include "status.h"

#ifndef VMXFER_VERSION
#define VMXFER_VERSION "unknown"
#endif

#define EXIT_USAGE	2
#define MODNAME		VMXFER_DEVICE_NAME

static const char *prog = "vmxfer-ctl";
static int verbose;

struct subcmd {
	const char *name;
	int (*fn)(const struct subcmd *sc, int argc, char **argv);
	const char *args;	/* synopsis after the name */
	const char *summary;	/* one line, for --help */
	const char *help;	/* details, for "help NAME" / "NAME --help" */
};

static const struct subcmd *find_subcmd(const char *name);
static const struct subcmd subcmds[];

static void subcmd_usage(FILE *f, const struct subcmd *sc)
{
	fprintf(f, "Usage: %s %s %s\n\n%s.\n\n%s", prog, sc->name, sc->args,
		sc->summary, sc->help);
}

static int is_help(const char *arg)
{
	return !strcmp(arg, "-h") || !strcmp(arg, "--help");
}

/* ---- status -------------------------------------------------------------- */

static int cmd_status(const struct subcmd *sc, int argc, char **argv)
{
	static struct vx_status st;
	int i, json = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = 1;
		} else if (is_help(argv[i])) {
			subcmd_usage(stdout, sc);
			return 0;
		} else {
			fprintf(stderr, "%s status: unknown argument '%s'\n", prog, argv[i]);
			subcmd_usage(stderr, sc);
			return EXIT_USAGE;
		}
	}
	vx_status_gather(&st);
	return json ? vx_status_print_json(stdout, &st)
		    : vx_status_print_text(stdout, &st);
}

/* ---- load / unload --------------------------------------------------------- */

static char kmod_last_msg[512];

__attribute__((format(printf, 5, 0)))
static void kmod_log(void *data, int priority, const char *file, int line,
		     const char *fn, const char *format, va_list args)
{
	(void)data; (void)file; (void)line; (void)fn;
	/* Kept for the diagnosis; shown only with -v (we explain errors ourselves). */
	if (priority > LOG_WARNING && !verbose)
		return;
	vsnprintf(kmod_last_msg, sizeof(kmod_last_msg), format, args);
	if (verbose)
		fprintf(stderr, "libkmod: %s", kmod_last_msg);
}

static int read_small(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return (int)n;
}

static int read_tristate(const char *path)
{
	char buf[16];

	if (read_small(path, buf, sizeof(buf)) <= 0)
		return -1;
	if (buf[0] == '1' || buf[0] == 'Y' || buf[0] == 'y')
		return 1;
	if (buf[0] == '0' || buf[0] == 'N' || buf[0] == 'n')
		return 0;
	return -1;
}

static int secure_boot_state(void)
{
	unsigned char buf[8];
	ssize_t n;
	int fd = open("/sys/firmware/efi/efivars/"
		      "SecureBoot-8be4df61-93ca-11d2-aa0d-e4f7a2d8c4c7",
		      O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return access("/sys/firmware/efi", F_OK) == 0 ? -1 : 0;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 5)	/* 4 bytes of attributes, then the value */
		return -1;
	return buf[4] == 1;
}

static void gather_env(struct vx_load_facts *f, char *lockdown, size_t ldlen,
		       struct utsname *uts)
{
	f->is_root = geteuid() == 0;
	f->was_loaded = access("/sys/module/" MODNAME, F_OK) == 0;
	f->kernel_release = uname(uts) == 0 ? uts->release : NULL;
	f->package_version = VMXFER_VERSION;
	f->lockdown = read_small("/sys/kernel/security/lockdown", lockdown, ldlen) > 0
		      ? lockdown : NULL;
	f->secure_boot = secure_boot_state();
	f->sig_enforce = read_tristate("/sys/module/module/parameters/sig_enforce");
	f->kprobes_enabled = read_tristate("/sys/kernel/debug/kprobes/enabled");
	f->modules_disabled = read_tristate("/proc/sys/kernel/modules_disabled");
	f->refcnt = -1;
}

static int report(const struct vx_load_facts *f)
{
	struct vx_diag d;

	vx_diagnose(f, &d);
	fprintf(d.exit_code ? stderr : stdout, "%s%s\n",
		d.exit_code ? "vmxfer-ctl: " : "", d.message);
	if (d.exit_code && verbose && kmod_last_msg[0])
		fprintf(stderr, "(libkmod said: %s)\n", kmod_last_msg);
	return d.exit_code;
}

static struct kmod_ctx *kmod_ctx_new(void)
{
	struct kmod_ctx *ctx = kmod_new(NULL, NULL);

	if (!ctx) {
		fprintf(stderr, "%s: cannot initialise libkmod\n", prog);
		return NULL;
	}
	kmod_set_log_fn(ctx, kmod_log, NULL);
	return ctx;
}

static int cmd_load(const struct subcmd *sc, int argc, char **argv)
{
	struct vx_load_facts f = { .action = VX_ACTION_LOAD };
	struct kmod_list *list = NULL;
	struct kmod_module *mod = NULL;
	struct kmod_ctx *ctx;
	const char *file = NULL;
	char lockdown[128], *opts = NULL;
	size_t optlen = 0;
	struct utsname uts;
	FILE *o;
	int i, err, rc;

	o = open_memstream(&opts, &optlen);
	if (!o)
		return 1;
	for (i = 1; i < argc; i++) {
		if (is_help(argv[i])) {
			fclose(o);
			free(opts);
			subcmd_usage(stdout, sc);
			return 0;
		} else if (!strcmp(argv[i], "--file") && i + 1 < argc) {
			file = argv[++i];
		} else if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
			verbose = 1;
		} else if (argv[i][0] == '-' || argv[i][0] == '=' || strchr(argv[i], ' ')) {
			fclose(o);
			free(opts);
			fprintf(stderr, "%s load: bad argument '%s'\n", prog, argv[i]);
			subcmd_usage(stderr, sc);
			return EXIT_USAGE;
		} else {
			fprintf(o, "%s%s", f.has_params ? " " : "", argv[i]);
			f.has_params = 1;
		}
	}
	fclose(o);

	gather_env(&f, lockdown, sizeof(lockdown), &uts);
	if (f.was_loaded) {
		f.err = EEXIST;
		f.module_found = 1;
		free(opts);
		return report(&f);
	}
	ctx = kmod_ctx_new();
	if (!ctx) {
		free(opts);
		return 1;
	}
	if (file) {
		f.from_file = 1;
		if (access(file, R_OK) < 0) {
			f.err = errno;
		} else {
			err = kmod_module_new_from_path(ctx, file, &mod);
			if (err < 0) {
				f.err = -err;
			} else {
				f.module_found = 1;
				err = kmod_module_insert_module(mod, 0, opts);
				f.err = err < 0 ? -err : 0;
			}
		}
	} else {
		err = kmod_module_new_from_lookup(ctx, MODNAME, &list);
		if (err < 0 || !list) {
			f.err = err < 0 ? -err : ENOENT;
		} else {
			mod = kmod_module_get_module(list);
			f.module_found = kmod_module_get_path(mod) != NULL;
			if (!f.module_found) {
				f.err = ENOENT;
			} else {
				err = kmod_module_probe_insert_module(mod,
					KMOD_PROBE_FAIL_ON_LOADED, opts, NULL, NULL, NULL);
				f.err = err < 0 ? -err : 0;
			}
		}
	}
	rc = report(&f);
	if (mod)
		kmod_module_unref(mod);
	if (list)
		kmod_module_unref_list(list);
	kmod_unref(ctx);
	free(opts);
	return rc;
}

static int cmd_unload(const struct subcmd *sc, int argc, char **argv)
{
	struct vx_load_facts f = { .action = VX_ACTION_UNLOAD };
	struct kmod_module *mod = NULL;
	struct kmod_ctx *ctx;
	char lockdown[128];
	struct utsname uts;
	int i, err, rc;

	for (i = 1; i < argc; i++) {
		if (is_help(argv[i])) {
			subcmd_usage(stdout, sc);
			return 0;
		} else if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
			verbose = 1;
		} else {
			fprintf(stderr, "%s unload: unknown argument '%s'\n", prog, argv[i]);
			subcmd_usage(stderr, sc);
			return EXIT_USAGE;
		}
	}
	gather_env(&f, lockdown, sizeof(lockdown), &uts);
	if (!f.was_loaded) {
		f.err = ENOENT;
		return report(&f);
	}
	ctx = kmod_ctx_new();
	if (!ctx)
		return 1;
	err = kmod_module_new_from_name(ctx, MODNAME, &mod);
	if (err < 0) {
		f.err = -err;
	} else {
		f.refcnt = kmod_module_get_refcnt(mod);
		err = kmod_module_remove_module(mod, 0);
		f.err = err < 0 ? -err : 0;
	}
	rc = report(&f);
	if (mod)
		kmod_module_unref(mod);
	kmod_unref(ctx);
	return rc;
}

/* ---- dump / undump (dump.c) ---------------------------------------------- */

static int run_dump_cmd(const struct subcmd *sc, int argc, char **argv,
			int (*fn)(const char *, int, char **))
{
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (is_help(argv[i])) {
			subcmd_usage(stdout, sc);
			return 0;
		}
	}
	rc = fn(prog, argc, argv);
	if (rc == EXIT_USAGE)
		subcmd_usage(stderr, sc);
	return rc;
}

static int cmd_dump(const struct subcmd *sc, int argc, char **argv)
{
	return run_dump_cmd(sc, argc, argv, vx_dump_main);
}

static int cmd_undump(const struct subcmd *sc, int argc, char **argv)
{
	return run_dump_cmd(sc, argc, argv, vx_undump_main);
}

/* ---- peek (peek.c) ------------------------------------------------------- */

static int cmd_peek(const struct subcmd *sc, int argc, char **argv)
{
	return run_dump_cmd(sc, argc, argv, vx_peek_main);
}

/* ---- gcore (gcore.c) ------------------------------------------------------ */

static int cmd_gcore(const struct subcmd *sc, int argc, char **argv)
{
	return run_dump_cmd(sc, argc, argv, vx_gcore_main);
}

/* ---- merge (mergediag.c) ------------------------------------------------- */

static int cmd_merge(const struct subcmd *sc, int argc, char **argv)
{
	return run_dump_cmd(sc, argc, argv, vx_mergediag_main);
}

/* ---- help ------------------------------------------------------------------ */

static void usage(FILE *f)
{
	const struct subcmd *sc;

	fprintf(f, "Usage: %s [-v] [--help] [--version] COMMAND [ARGS...]\n\n"
		   "Inspect, load and unload the vmxfer kernel module (%s);\n"
		   "dump or peek at a process's memory through it.\n\n"
		   "Commands:\n", prog, VMXFER_DEVICE_PATH);
	for (sc = subcmds; sc->name; sc++)
		fprintf(f, "  %-8s %s\n", sc->name, sc->summary);
	fprintf(f, "\nOptions:\n"
		   "  -h, --help      show this help ('%s help COMMAND' for a command)\n"
		   "  -V, --version   show the version\n"
		   "  -v, --verbose   show libkmod messages\n"
		   "\nExit status: 0 success, 1 failure, 2 usage error.\n", prog);
}

static int cmd_help(const struct subcmd *sc, int argc, char **argv)
{
	const struct subcmd *target;

	(void)sc;
	if (argc < 2) {
		usage(stdout);
		return 0;
	}
	target = find_subcmd(argv[1]);
	if (!target) {
		fprintf(stderr, "%s: unknown command '%s'\n", prog, argv[1]);
		return EXIT_USAGE;
	}
	subcmd_usage(stdout, target);
	return 0;
}

/* Subcommands. */
static const struct subcmd subcmds[] = {
	{ "status", cmd_status, "[--json]",
	  "Show whether the module is loaded, the device usable, and which operations work",
	  "  --json   machine-readable output (a stable JSON object, schema 1)\n\n"
	  "Exit status: 0 when the module is loaded and the device usable, 1 otherwise.\n" },
	{ "load", cmd_load, "[-v] [--file MODULE.ko] [PARAM=VALUE...]",
	  "Load the module through libkmod, and explain a failure",
	  "  --file PATH   insert this .ko instead of looking vmxfer up for `uname -r`\n"
	  "  PARAM=VALUE   module parameters (see 'modinfo vmxfer')\n"
	  "  -v            show libkmod messages\n\n"
	  "Exit status: 0 when loaded (or already loaded), 1 otherwise.\n" },
	{ "unload", cmd_unload, "[-v]",
	  "Unload the module",
	  "Exit status: 0 when unloaded (or not loaded), 1 otherwise.\n" },
	{ "dump", cmd_dump, "--pid PID [--range START-END]... [-o FILE|-] [--incremental]",
	  "Dump a process's memory, zero-copy (VMXFER_IOC_SPLICE + splice(2))",
	  "  --pid PID          the process (needs ptrace access to it: root or its owner)\n"
	  "  --range START-END  only this address range (hex, as in /proc/PID/maps);\n"
	  "                     repeatable.  Default: every readable mapping that is\n"
	  "                     private or anonymous, except [vvar] and [vsyscall]\n"
	  "  -o FILE            write to FILE (mode 0600); '-' (default) is stdout,\n"
	  "                     a file, pipe or socket but not a terminal\n"
	  "  --incremental      only the pages written since the last dump (soft-dirty\n"
	  "                     bits, CONFIG_MEM_SOFT_DIRTY); every dump resets them\n\n"
	  "The format is in vmxfer-ctl(8).  A progress bar goes to stderr when it is a\n"
	  "terminal, and a summary always.  Data goes to the output by splice(2);\n"
	  "read+write only when the output refuses splice (said in the summary).\n\n"
	  "Exit status: 0 dumped, 1 failure (or unreadable pages written as zeros).\n" },
	{ "undump", cmd_undump, "--check [--list] [--against PID] [-q] FILE|-",
	  "Check a dump: structure, order, counts, hashes",
	  "  --check        verify FILE ('-': stdin) and print a summary\n"
	  "  --list         also list the records\n"
	  "  --against PID  also compare every record with PID's memory now\n"
	  "                 (process_vm_readv; the process must not have changed)\n"
	  "  -q             print nothing when valid\n\n"
	  "Exit status: 0 valid, 1 invalid (the reason is printed), 2 usage error.\n" },
	{ "peek", cmd_peek, "--pid PID [-o FILE|-] [--hexdump] ADDR LEN",
	  "Show a process's memory, zero-copy (VMXFER_IOC_CLONE)",
	  "  --pid PID      the process (needs ptrace access to it: root or its owner)\n"
	  "  ADDR           start address, hex ('0x' optional), any alignment\n"
	  "  LEN            bytes: decimal, or hex with 0x; suffix k, m or g for KiB,\n"
	  "                 MiB, GiB\n"
	  "  -o FILE        write to FILE (mode 0600); '-' (default) is stdout, which\n"
	  "                 must not be a terminal unless --hexdump is given\n"
	  "  -x, --hexdump  an xxd-style dump (address, 16 bytes, ASCII) instead of\n"
	  "                 the raw bytes\n\n"
	  "The pages holding [ADDR, ADDR+LEN) are mapped into vmxfer-ctl copy-on-write,\n"
	  "as fork(2) would (no data copied; the process is not stopped), and exactly\n"
	  "LEN bytes from ADDR are written out.  The range must be mapped and readable\n"
	  "in PID, with no hole, and not be hugetlb, device or special memory.\n\n"
	  "Exit status: 0 written, 1 failure (the reason is printed), 2 usage error.\n" },
	{ "gcore", cmd_gcore, "--pid PID [-o FILE|-] [--live|--copy] [-v]",
	  "Write an ELF core file of a running process, stopped for milliseconds",
	  "  --pid PID   the process (needs ptrace access to it: root or its owner,\n"
	  "              and kernel.yama.ptrace_scope permitting)\n"
	  "  -o FILE     write to FILE (mode 0600; default core.PID); '-' is stdout,\n"
	  "              a file or pipe but not a terminal\n"
	  "  --live      do not stop the process: no registers, and each page is read\n"
	  "              at its own instant (the core may be inconsistent)\n"
	  "  --copy      no clone: copy the memory with process_vm_readv() while the\n"
	  "              process is stopped (as gdb's gcore; no module needed)\n"
	  "  -v          also print how long each phase took\n\n"
	  "Every thread is stopped (ptrace), its registers read and the memory that\n"
	  "/proc/PID/coredump_filter selects cloned copy-on-write (VMXFER_IOC_CLONE;\n"
	  "shared memory and what clone refuses are copied); then the process runs\n"
	  "again and the core is written from the snapshot.  gdb, eu-stack and\n"
	  "readelf read it.  The stop time and the bytes written go to stderr, with a\n"
	  "progress bar when it is a terminal.\n\n"
	  "Exit status: 0 written, 1 failure (the reason is printed; a partial file is\n"
	  "removed), 2 usage error.\n" },
	{ "merge", cmd_merge, "--pid PID [--list]",
	  "Count a process's mappings kept apart only by their page offsets",
	  "  --pid PID   the process (reads /proc/PID/smaps)\n"
	  "  --list      also list each such pair of mappings\n\n"
	  "Adjacent private anonymous mappings with the same protections, flags\n"
	  "and name whose page offsets do not continue each other (moved by\n"
	  "mremap(2)): VMXFER_IOC_MERGE can merge them if their pages are the\n"
	  "process's own and they share an anon_vma, which smaps does not show.\n\n"
	  "Exit status: 0 counted, 1 failure, 2 usage error.\n" },
	{ "help", cmd_help, "[COMMAND]",
	  "Show help for vmxfer-ctl or one command",
	  "" },
	{ NULL, NULL, NULL, NULL, NULL },
};

static const struct subcmd *find_subcmd(const char *name)
{
	const struct subcmd *sc;

	for (sc = subcmds; sc->name; sc++)
		if (!strcmp(sc->name, name))
			return sc;
	return NULL;
}

int main(int argc, char **argv)
{
	const struct subcmd *sc;
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (is_help(argv[i])) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "-V") || !strcmp(argv[i], "--version")) {
			printf("%s %s (ABI %d, libvmxfer)\n", prog, VMXFER_VERSION,
			       VMXFER_ABI_VERSION);
			return 0;
		} else if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
			verbose = 1;
		} else {
			fprintf(stderr, "%s: unknown option '%s'\n", prog, argv[i]);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	sc = find_subcmd(argv[i]);
	if (!sc) {
		fprintf(stderr, "%s: unknown command '%s' (try '%s --help')\n",
			prog, argv[i], prog);
		return EXIT_USAGE;
	}
	return sc->fn(sc, argc - i, argv + i);
}
