/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the in-guest kernel tests (tests/kernel/test_*.c).
 *
 * NOTE: reconstructed by the lib/tools helper from the compiled objects
 * (DWARF + disassembly) after it clobbered the lead's original by mistake;
 * behaviour and signatures match the original build, wording may differ.
 */
#ifndef VMXFER_TEST_COMMON_H
#define VMXFER_TEST_COMMON_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <sys/types.h>
#include <cmocka.h>

#include <vmxfer.h>

/* Accounts the guest image provides. */
#define TEST_UID_OTHER	1000	/* a user outside group vmxfer */
#define TEST_UID_MEMBER	1001	/* a user in group vmxfer */
#define TEST_GID_VMXFER	990	/* group vmxfer */

/* vmxfer_open() or fail the test. */
int test_open(void);

/* Run a shell command (printf-style); its exit status, -1 if it did not exit. */
int test_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Run fn(arg) in a child as uid (with its groups); the child's exit status,
 * 120 if it could not switch user, -1 if it did not exit. */
int test_as_user(uid_t uid, int (*fn)(void *arg), void *arg);

/* rmmod vmxfer, then insmod $VMXFER_KO with params (may be NULL). */
void test_reload(const char *params);

/* A value from /proc/meminfo or /proc/vmstat, -1 if absent. */
long test_meminfo(const char *key);
long test_vmstat(const char *key);

#endif
