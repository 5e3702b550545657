#!/bin/sh
# In the guest of tests/deb-check.sh, with the DKMS-built vmxfer.ko loaded:
# the packaged vmxfer-ctl and a program built against libvmxfer-dev.
# $1: the package version.
ver=$1
out=$(/usr/bin/vmxfer-ctl status 2>&1)
rc=$?
echo "$out"
[ $rc -eq 0 ] || { echo "deb-guest: FAIL: vmxfer-ctl status exited $rc"; exit 1; }
echo "$out" | grep -q "^module: *loaded, version $ver\$" ||
	{ echo "deb-guest: FAIL: status does not report module version $ver"; exit 1; }
for op in clone move remap splice; do
	echo "$out" | grep -q "^  $op *available" ||
		{ echo "deb-guest: FAIL: $op not reported available"; exit 1; }
done
echo "$out" | grep -q "^  merge " || { echo "deb-guest: FAIL: merge not reported"; exit 1; }
/usr/bin/deb-use "$ver" || exit 1
echo "deb-guest: ok"
