/* SPDX-License-Identifier: GPL-2.0-only */
/* "vmxfer-ctl dump" and "vmxfer-ctl undump"; the format is in dumpfmt.h. */
#ifndef VMXFER_DUMP_H
#define VMXFER_DUMP_H

/* argv[0] is the command name.  Exit status: 0, 1 failure, 2 usage. */
int vx_dump_main(const char *prog, int argc, char **argv);
int vx_undump_main(const char *prog, int argc, char **argv);

#endif
