/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMXFER_UAPI_DUMP_H
#define VMXFER_UAPI_DUMP_H
#include <stddef.h>
/* Writes the actual layout as text; returns the length it needed. */
size_t vx_uapi_dump(char *buf, size_t len);
#endif
