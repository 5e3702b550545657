#!/usr/bin/env bash
# dkms-check.sh [LINE...] — build the module with DKMS, as a user would, for
# each kernel line (default: every line in tests/vm/lines).  Nothing is
# loaded and nothing is installed into /lib/modules: `dkms build` only.
#
# Headers: the system's /lib/modules/<rel>/build when the line's
# linux-headers package is installed (under CI=true it is installed with
# apt first, as a user would); otherwise the guest runner's cached headers,
# passed with --kernelsourcedir (forced with VMXFER_DKMS_CACHED=1).
# A line built in a chroot (QUIRKS CHROOT=SUITE, e.g. 7.2 in sid, whose
# headers need gcc-16) is checked by dkms inside that chroot, as a user of
# that suite would build it, against the cached headers.
# Prints "dkms: N passed, N failed".
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
ver=$(sed -n 's/.*VMXFER_MODULE_VERSION "\(.*\)"/\1/p' "$top/module/version.h")
dkver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
if [ "$ver" != "$dkver" ]; then
	echo "dkms-check: dkms.conf PACKAGE_VERSION $dkver != module/version.h $ver" >&2
	echo "dkms: 0 passed, 1 failed"
	exit 1
fi
command -v dkms >/dev/null || { echo "dkms-check: dkms not installed (make deps)" >&2; exit 1; }

if [ $# -eq 0 ]; then
	set -- $(awk '!/^#/ && NF { print $1 }' "$top/tests/vm/lines")
fi

src=/usr/src/vmxfer-$ver
register() {
	dkms remove -m vmxfer -v "$ver" --all >/dev/null 2>&1 || true
	rm -rf "$src"
	mkdir -p "$src/module" "$src/include/uapi/linux"
	cp "$top/dkms.conf" "$src/"
	cp "$top"/module/Kbuild "$top"/module/*.[ch] "$src/module/"
	cp "$top/include/uapi/linux/vmxfer.h" "$src/include/uapi/linux/"
	dkms add -m vmxfer -v "$ver" >/dev/null
}

# cc_shim KDIR KQUIRKS: print a directory to put first in PATH when the
# headers' compiler (the first word of CONFIG_CC_VERSION_TEXT, e.g. gcc-10
# for 5.10) is absent here and the line's QUIRKS name a CC to use instead
# (as build-module passes CC=); nothing otherwise.  DKMS runs the headers'
# own make, which a user's dkms.conf cannot be asked to override.
cc_shim() {
	local want cc dir
	want=$(sed -n 's/^CONFIG_CC_VERSION_TEXT="\([^ ]*\).*/\1/p' "$1/.config")
	cc=$(tr ',' '\n' <<<"$2" | sed -n 's/^CC=//p')
	[ -n "$want" ] && [ -n "$cc" ] || return 0
	command -v "$want" >/dev/null && return 0
	dir=$(mktemp -d)
	ln -s "$(command -v "$cc")" "$dir/$want"
	echo "$dir"
}

pass=0 fail=0
register
# dkms_chroot SUITE: dkms add + build in SUITE's chroot (see tests/vm/chroot).
dkms_chroot() (
	# shellcheck source=SCRIPTDIR/vm/lib.sh
	. "$top/tests/vm/lib.sh"
	vm_line "$line"
	deps=()
	if [ -f "$KROOT/.vmxfer-build-deps" ]; then mapfile -t deps <"$KROOT/.vmxfer-build-deps"; fi
	croot=$("$top/tests/vm/chroot" "$1" dkms "${deps[@]}") || exit 1
	rm -rf "$croot/usr/src/vmxfer-$ver" "$croot/var/lib/dkms/vmxfer"
	cp -a "$src" "$croot/usr/src/"
	trap 'rm -rf "$croot/usr/src/vmxfer-$ver" "$croot/var/lib/dkms/vmxfer"' EXIT
	# shellcheck disable=SC2016 # expanded by the inner shell
	vm_in_chroot "$croot" "$KROOT" -- sh -c 'dkms add -m vmxfer -v "$1" >/dev/null &&
		dkms build -m vmxfer -v "$1" -k "$2" --kernelsourcedir "$3" ||
		{ cat "/var/lib/dkms/vmxfer/$1/build/make.log"; exit 1; }' sh "$ver" "$KREL" "$KDIR"
)

for line in "$@"; do
	eval "$("$top/tests/vm/kernel" "$line")"	# KREL, KDIR, KPKGVER...
	suite=$(
		# shellcheck source=SCRIPTDIR/vm/lib.sh
		. "$top/tests/vm/lib.sh"; vm_line "$line"; vm_quirk CHROOT
	)
	if [ -n "$suite" ]; then
		log=$(mktemp)
		if dkms_chroot "$suite" >"$log" 2>&1; then
			echo "dkms-check: ok   $line ($KREL) in the $suite chroot with cached headers $KDIR"
			pass=$((pass + 1))
		else
			echo "dkms-check: FAIL $line ($KREL) in the $suite chroot"
			tail -40 "$log" | sed 's/^/    /'
			fail=$((fail + 1))
		fi
		rm -f "$log"
		continue
	fi
	opt=()
	shim=$(cc_shim "$KDIR" "${KQUIRKS:-}")
	if [ "${CI:-}" = true ] && [ ! -e "/lib/modules/$KREL/build" ]; then
		echo "dkms-check: installing linux-headers-$KREL with apt" >&2
		hdr_install() {
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
				--no-install-recommends "linux-headers-$KREL" >/dev/null
		}
		hdr_install || { apt-get update -q >/dev/null && hdr_install; } ||
			echo "dkms-check: apt could not install linux-headers-$KREL;" \
			     "building against the cached headers instead" >&2
	fi
	if [ -z "${VMXFER_DKMS_CACHED:-}" ] && [ -e "/lib/modules/$KREL/build/Makefile" ]; then
		how="system headers /lib/modules/$KREL/build"
	else
		how="cached headers $KDIR"
		opt=(--kernelsourcedir "$KDIR")
	fi
	log=$(mktemp)
	[ -z "$shim" ] || how="$how, $(ls "$shim") = ${KQUIRKS#CC=}"
	if PATH=${shim:+$shim:}$PATH dkms build -m vmxfer -v "$ver" -k "$KREL" "${opt[@]}" >"$log" 2>&1; then
		echo "dkms-check: ok   $line ($KREL) with $how"
		pass=$((pass + 1))
	else
		echo "dkms-check: FAIL $line ($KREL) with $how"
		sed 's/^/    /' "$log"
		cat "/var/lib/dkms/vmxfer/$ver/build/make.log" 2>/dev/null | tail -30 | sed 's/^/    /'
		fail=$((fail + 1))
	fi
	rm -f "$log"
	[ -z "$shim" ] || rm -rf "$shim"
done
dkms remove -m vmxfer -v "$ver" --all >/dev/null 2>&1 || true
rm -rf "$src"
echo "dkms: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
