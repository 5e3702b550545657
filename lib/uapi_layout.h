/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Expected layout of every struct in <linux/vmxfer.h>, written out by hand
 * from the published ABI.  Used as static assertions by lib/uapi-check.c
 * (compiled -m64, -m32 and as C++) and as runtime checks by the unit tests.
 * Not installed.
 *
 * VMXFER_UAPI_FIELDS(X): X(struct tag, field, offset, size)
 * VMXFER_UAPI_STRUCTS(X): X(struct tag, sizeof, SIZE_VER0 macro value)
 * VMXFER_UAPI_IOCTLS(X):  X(command macro, expected 32-bit value)
 */
#ifndef VMXFER_UAPI_LAYOUT_H
#define VMXFER_UAPI_LAYOUT_H

#define VMXFER_UAPI_FIELDS(X) \
	X(vmxfer_info, size, 0, 4) \
	X(vmxfer_info, flags, 4, 4) \
	X(vmxfer_info, abi_version, 8, 4) \
	X(vmxfer_info, nr_symbols, 12, 4) \
	X(vmxfer_info, features, 16, 8) \
	X(vmxfer_info, op_status, 24, 32) \
	X(vmxfer_info, module_version, 56, 32) \
	X(vmxfer_info, kernel_release, 88, 72) \
	X(vmxfer_symbol, size, 0, 4) \
	X(vmxfer_symbol, index, 4, 4) \
	X(vmxfer_symbol, ops, 8, 4) \
	X(vmxfer_symbol, state, 12, 4) \
	X(vmxfer_symbol, kind, 16, 4) \
	X(vmxfer_symbol, __reserved, 20, 4) \
	X(vmxfer_symbol, name, 24, 64) \
	X(vmxfer_clone, size, 0, 4) \
	X(vmxfer_clone, flags, 4, 4) \
	X(vmxfer_clone, pidfd, 8, 4) \
	X(vmxfer_clone, __reserved, 12, 4) \
	X(vmxfer_clone, src, 16, 8) \
	X(vmxfer_clone, len, 24, 8) \
	X(vmxfer_clone, dst, 32, 8) \
	X(vmxfer_move, size, 0, 4) \
	X(vmxfer_move, flags, 4, 4) \
	X(vmxfer_move, src, 8, 8) \
	X(vmxfer_move, dst, 16, 8) \
	X(vmxfer_move, len, 24, 8) \
	X(vmxfer_move, moved, 32, 8) \
	X(vmxfer_remap, size, 0, 4) \
	X(vmxfer_remap, flags, 4, 4) \
	X(vmxfer_remap, old_addr, 8, 8) \
	X(vmxfer_remap, old_len, 16, 8) \
	X(vmxfer_remap, new_len, 24, 8) \
	X(vmxfer_remap, new_addr, 32, 8) \
	X(vmxfer_splice, size, 0, 4) \
	X(vmxfer_splice, flags, 4, 4) \
	X(vmxfer_splice, pidfd, 8, 4) \
	X(vmxfer_splice, pipe_fd, 12, 4) \
	X(vmxfer_splice, iov, 16, 8) \
	X(vmxfer_splice, nr_segs, 24, 8) \
	X(vmxfer_splice, spliced, 32, 8) \
	X(vmxfer_merge, size, 0, 4) \
	X(vmxfer_merge, flags, 4, 4) \
	X(vmxfer_merge, addr, 8, 8) \
	X(vmxfer_merge, len, 16, 8) \
	X(vmxfer_merge, merged, 24, 8)

#define VMXFER_UAPI_STRUCTS(X) \
	X(vmxfer_info, 160, VMXFER_INFO_SIZE_VER0) \
	X(vmxfer_symbol, 88, VMXFER_SYMBOL_SIZE_VER0) \
	X(vmxfer_clone, 40, VMXFER_CLONE_SIZE_VER0) \
	X(vmxfer_move, 40, VMXFER_MOVE_SIZE_VER0) \
	X(vmxfer_remap, 40, VMXFER_REMAP_SIZE_VER0) \
	X(vmxfer_splice, 40, VMXFER_SPLICE_SIZE_VER0) \
	X(vmxfer_merge, 32, VMXFER_MERGE_SIZE_VER0)

/* _IOWR(0xB8, nr, size) = 0xC0000000 | size << 16 | 0xB8 << 8 | nr */
#define VMXFER_UAPI_IOCTLS(X) \
	X(VMXFER_IOC_INFO, 0xC0A0B800u) \
	X(VMXFER_IOC_SYMBOL, 0xC058B801u) \
	X(VMXFER_IOC_CLONE, 0xC028B810u) \
	X(VMXFER_IOC_MOVE, 0xC028B811u) \
	X(VMXFER_IOC_REMAP, 0xC028B812u) \
	X(VMXFER_IOC_SPLICE, 0xC028B813u) \
	X(VMXFER_IOC_MERGE, 0xC020B814u)

#define VMXFER_FIELD_SIZEOF(s, f) sizeof(((struct s *)0)->f)

#endif
