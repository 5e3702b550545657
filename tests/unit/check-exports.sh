#!/bin/sh
# The shared library exports exactly the public API, all at version VMXFER_1,
# under soname libvmxfer.so.1.
set -eu
so=$1
want="vmxfer_clone vmxfer_info vmxfer_merge vmxfer_move vmxfer_move_uffd vmxfer_op_name vmxfer_open vmxfer_pidfd_open vmxfer_remap vmxfer_splice vmxfer_symbol"
echo "=== check-exports ($so)"
soname=$(readelf -d "$so" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
[ "$soname" = libvmxfer.so.1 ] || { echo "not ok: soname '$soname'"; exit 1; }
got=$(objdump -T "$so" | awk '$2 == "g" && $4 == ".text" { print $6 " " $7 }' | sort)
bad=$(echo "$got" | awk '$1 != "VMXFER_1"')
[ -z "$bad" ] || { echo "not ok: unversioned or wrong version:"; echo "$bad"; exit 1; }
names=$(echo "$got" | awk '{ print $2 }' | tr '\n' ' ' | sed 's/ $//')
[ "$names" = "$want" ] || { echo "not ok: exports '$names', want '$want'"; exit 1; }
echo "ok: soname $soname, exports $names @VMXFER_1"
