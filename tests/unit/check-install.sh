#!/bin/sh
# make install into a scratch root, then build a program against it the way
# a user would: pkg-config --cflags --libs vmxfer, shared and static; both
# must link and run (no device needed: vmxfer_op_name() only).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "=== check-install"
make -s -C "$top" install DESTDIR="$tmp/root" PREFIX=/usr >/dev/null
for f in usr/include/vmxfer.h usr/include/linux/vmxfer.h usr/lib/libvmxfer.a \
	usr/lib/libvmxfer.so.1 usr/lib/libvmxfer.so usr/lib/pkgconfig/vmxfer.pc \
	usr/bin/vmxfer-ctl usr/share/man/man3/libvmxfer.3 \
	usr/share/man/man8/vmxfer-ctl.8 etc/udev/rules.d/60-vmxfer.rules; do
	[ -e "$tmp/root/$f" ] || { echo "not ok: $f not installed"; exit 1; }
done
cat >"$tmp/use.c" <<'C'
#include <stdio.h>
#include <string.h>
#include <vmxfer.h>
int main(void)
{
	return strcmp(vmxfer_op_name(VMXFER_OP_CLONE), "clone") != 0;
}
C
export PKG_CONFIG_SYSROOT_DIR="$tmp/root" PKG_CONFIG_LIBDIR="$tmp/root/usr/lib/pkgconfig"
cflags=$(pkg-config --cflags vmxfer)
libs=$(pkg-config --libs vmxfer)
${CC:-cc} -Wall -Werror $cflags -o "$tmp/use-shared" "$tmp/use.c" $libs
LD_LIBRARY_PATH="$tmp/root/usr/lib" "$tmp/use-shared" || { echo "not ok: shared run"; exit 1; }
${CC:-cc} -Wall -Werror $cflags -static -o "$tmp/use-static" "$tmp/use.c" \
	$(pkg-config --libs --static vmxfer) 2>/dev/null ||
	${CC:-cc} -Wall -Werror $cflags -o "$tmp/use-static" "$tmp/use.c" "$tmp/root/usr/lib/libvmxfer.a"
"$tmp/use-static" || { echo "not ok: static run"; exit 1; }
echo "ok: installed tree complete; pkg-config build links and runs (shared, static)"
