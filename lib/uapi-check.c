/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Compile-only check: <linux/vmxfer.h> and <vmxfer.h> build cleanly with
 * -m64, -m32 and as C++11, and the layout is identical everywhere.
 */
#include <stddef.h>
#include <linux/vmxfer.h>
#include <vmxfer.h>
#include "uapi_layout.h"

#ifdef __cplusplus
#define VX_ASSERT(c, m) static_assert(c, m)
#else
#define VX_ASSERT(c, m) _Static_assert(c, m)
#endif

#define CHECK_FIELD(s, f, off, sz) \
	VX_ASSERT(offsetof(struct s, f) == (off), #s "." #f " offset"); \
	VX_ASSERT(VMXFER_FIELD_SIZEOF(s, f) == (sz), #s "." #f " size");
#define CHECK_STRUCT(s, sz, ver0) \
	VX_ASSERT(sizeof(struct s) == (sz), #s " size"); \
	VX_ASSERT((ver0) == (sz), #s " SIZE_VER0");
#define CHECK_IOCTL(cmd, val) \
	VX_ASSERT((unsigned int)(cmd) == (val), #cmd " value");

VMXFER_UAPI_FIELDS(CHECK_FIELD)
VMXFER_UAPI_STRUCTS(CHECK_STRUCT)
VMXFER_UAPI_IOCTLS(CHECK_IOCTL)

VX_ASSERT(VMXFER_OP_COUNT <= 8, "op_status has 8 slots");
VX_ASSERT(VMXFER_ABI_VERSION == 1, "ABI version");

int vmxfer_uapi_check_dummy(void);
int vmxfer_uapi_check_dummy(void)
{
	return VMXFER_ABI_VERSION;
}
