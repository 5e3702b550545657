/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmxfer's table of unexported kernel internals.
 *
 * Every internal the module uses and the kernel does not export is listed
 * once, in vmxfer_syms[] (symbols.c), with the operations that need it.  At
 * load, vmxfer_symbols_init() finds kallsyms_lookup_name() through a kprobe,
 * looks every entry up, checks that the address is the start of a symbol of
 * that name ("name+0x0"), and binds it.  An entry that cannot be resolved
 * makes the operations that need it unavailable; the module still loads.
 *
 * How calls stay safe on IBT kernels (Debian 6.12 and later):
 *   objtool seals the ENDBR of every function whose address the kernel never
 *   takes, which is nearly every internal we resolve.  An indirect call into
 *   such a function faults ("Missing ENDBR") on a CPU that enforces IBT.  So
 *   vmxfer never calls a resolved address through a function pointer.  Each
 *   function gets its own static call, declared below; binding is
 *   __static_call_update(), which x86 implements by patching a direct
 *   "jmp rel32" into the trampoline (and, with inline static calls, a direct
 *   "call rel32" at each call site).  A direct branch needs no ENDBR.
 *   kallsyms_lookup_name() itself is called the same way.
 *   Two checks stand in for IBT hardware, which QEMU does not emulate:
 *   binding reads the static call back and marks the entry resolved only
 *   when it matches; and tests/ibt-check.sh disassembles vmxfer.ko and fails
 *   on any indirect call or jump in it.  So the module has no function
 *   pointers into its own code either: dispatch is by switch.
 *
 * A static call takes the type of the function it stands for.  Functions a
 * shipped kernel header declares use that declaration, so a prototype change
 * between kernel lines is a build error; the others are declared in
 * compat.h, once per kernel line.  Variables are only dereferenced.
 *
 * To add a symbol: DECLARE_STATIC_CALL here, DEFINE_STATIC_CALL_NULL and a
 * VMXFER_FUNC() entry in symbols.c; call it as static_call(vmxfer_NAME)().
 */
#ifndef VMXFER_SYMBOLS_H
#define VMXFER_SYMBOLS_H

#include <linux/types.h>
#include <linux/static_call.h>
#include <linux/pid.h>
#include <linux/sched/mm.h>
#include <linux/pipe_fs_i.h>
#include <linux/vmxfer.h>

#include "compat.h"

DECLARE_STATIC_CALL(vmxfer_pidfd_get_task, pidfd_get_task);
DECLARE_STATIC_CALL(vmxfer_mm_access, mm_access);
DECLARE_STATIC_CALL(vmxfer_get_pipe_info, get_pipe_info);

int vmxfer_symbols_init(void);
unsigned int vmxfer_nr_symbols(void);
bool vmxfer_symbols_cover(u64 feature);
void vmxfer_symbol_report(unsigned int idx, struct vmxfer_symbol *out);
void vmxfer_symbols_missing(char *buf, size_t len, u64 features);

#endif /* VMXFER_SYMBOLS_H */
