/* SPDX-License-Identifier: GPL-2.0 */
/* The one place the vmxfer version is written; Makefile and dkms.conf are checked against it. */
#ifndef VMXFER_VERSION_H
#define VMXFER_VERSION_H

#define VMXFER_MODULE_VERSION "0.1.0"

#endif /* VMXFER_VERSION_H */
