/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvmxfer's native fallback (lib/native.c), internal to the library.
 */
#ifndef VMXFER_NATIVE_H
#define VMXFER_NATIVE_H

#include <stddef.h>
#include <sys/types.h>

struct vmxfer_info;

/* A fallback descriptor, or -1 with errno ENOENT when there is none. */
int vx_native_open(void);
/* Is fd a descriptor vx_native_open() made?  Keeps errno. */
int vx_native_is(int fd);

int vx_native_info(struct vmxfer_info *info);
int vx_native_symbol(void);
void *vx_native_clone(void);
ssize_t vx_native_splice(void);
void *vx_native_remap(void *old_addr, size_t old_len, size_t new_len,
		      void *new_addr, unsigned int flags);
ssize_t vx_native_move(void *dst, const void *src, size_t len, unsigned int flags);
ssize_t vx_native_move_uffd(int uffd, void *dst, const void *src, size_t len,
			    unsigned int flags);

#endif
