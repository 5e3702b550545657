// SPDX-License-Identifier: GPL-2.0-only
/*
 * The layout of <linux/vmxfer.h> as this compiler actually lays it out
 * (offsetof/sizeof, not the expected table's numbers), one line per field.
 * Built into test_uapi (64-bit) and, with -DUAPI_DUMP_MAIN, into a -m32
 * program whose output test_uapi compares with its own.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/vmxfer.h>
#include "uapi_layout.h"
#include "uapi_dump.h"

__attribute__((format(printf, 4, 5)))
static void put(char *buf, size_t len, size_t *used, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf + (*used < len ? *used : len),
		      *used < len ? len - *used : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		*used += (size_t)n;
}

size_t vx_uapi_dump(char *buf, size_t len)
{
	size_t used = 0;

#define FIELD(s, f, off, sz) \
	put(buf, len, &used, "%s.%s %u %u\n", #s, #f, \
	    (unsigned)offsetof(struct s, f), (unsigned)VMXFER_FIELD_SIZEOF(s, f));
#define STRUCT(s, sz, ver0) \
	put(buf, len, &used, "%s %u %u\n", #s, (unsigned)sizeof(struct s), \
	    (unsigned)(ver0));
#define IOCTL(cmd, val) \
	put(buf, len, &used, "%s %#x\n", #cmd, (unsigned)(cmd));

	VMXFER_UAPI_FIELDS(FIELD)
	VMXFER_UAPI_STRUCTS(STRUCT)
	VMXFER_UAPI_IOCTLS(IOCTL)
	return used;
}

#ifdef UAPI_DUMP_MAIN
int main(void)
{
	static char buf[16384];

	vx_uapi_dump(buf, sizeof(buf));
	fputs(buf, stdout);
	return 0;
}
#endif
