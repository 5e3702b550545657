#!/usr/bin/env bash
# deb-check.sh [LINE...] — the Debian packages, as a user gets them.
#
# Default lines: the bookworm rows of tests/vm/lines (6.1 and 6.12); the
# guest boots the last one.  Steps (each prints "deb-check: ok|FAIL ..."):
#  1. make deb (build/deb, lintian clean), and the same tree at version
#     VERSION+1 for the upgrade (built while the chroot is prepared);
#  2. a fresh bookworm chroot (a copy of a cached debootstrap --variant=minbase,
#     nothing else in it), where apt installs the four .debs together with
#     linux-headers of every LINE, gcc and pkgconf (no recommends): DKMS
#     must have built and installed vmxfer for every LINE (dkms status, the
#     .ko's version and vermagic), the group vmxfer and the udev rule exist;
#  3. tests/deb/use.c is compiled there with `pkg-config --cflags --libs
#     vmxfer`; a guest boots the last LINE with the DKMS-built .ko (not the
#     suite's build) and runs the packaged vmxfer-ctl status and that
#     program (tests/deb/guest.sh), with the chroot's own libraries;
#  4. upgrade: apt installs the VERSION+1 packages over them; DKMS must
#     have removed VERSION and built VERSION+1 for every LINE;
#  5. apt purge of the four packages leaves nothing: no package in dpkg's
#     database (not even "rc"), no file or directory named *vmxfer* on the
#     chroot's filesystem (module sources, /var/lib/dkms/vmxfer, every
#     vmxfer.ko*, udev rule, library, headers, pkg-config file, tool, man
#     pages, docs), no vmxfer in any modules.dep/.alias, no group vmxfer;
#     and the package's postrm keeps the group while it has a member.
# Downloads are cached in $VMXFER_CACHE/deb-check (archives, the base).
# Prints "deb: N passed, N failed".  Needs root.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=SCRIPTDIR/vm/lib.sh
. "$top/tests/vm/lib.sh"
trap - ERR
ver=$(sed -n 's/.*VMXFER_MODULE_VERSION "\(.*\)"/\1/p' "$top/module/version.h")
ver2=$ver+1
cache=$VM_CACHE/deb-check
mkdir -p "$cache/archives/partial"
vm_lock deb-check

if [ $# -eq 0 ]; then
	# shellcheck disable=SC2046 # one line name per word
	set -- $(awk '!/^#/ && NF && $2 ~ /^bookworm/ { print $1 }' "$top/tests/vm/lines")
fi
[ $# -ge 1 ] || { echo "deb-check: no bookworm line"; echo "deb: 0 passed, 1 failed"; exit 1; }
lines=("$@")
boot=${lines[-1]}

pass=0 fail=0
ok() { echo "deb-check: ok   $*"; pass=$((pass + 1)); }
bad() { echo "deb-check: FAIL $*"; fail=$((fail + 1)); }
finish() {
	echo "deb: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit
}
t0=$SECONDS
took() { echo "deb-check: ($1 at $((SECONDS - t0)) s)"; }

work=$(mktemp -d /var/tmp/vmxfer-deb.XXXXXX)
root=$work/root
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	# Nothing is mounted outside vm_in_chroot's private namespaces.
	rm -rf "$work"
}
trap cleanup EXIT

# --- 1. the packages ----------------------------------------------------------
if ! make -s -C "$top" deb >"$work/deb.log" 2>&1; then
	tail -40 "$work/deb.log"
	bad "make deb"
	finish
fi
mkdir -p "$work/debs1" "$work/debs2"
cp "$top"/build/deb/*_"$ver"_*.deb "$work/debs1/"
rm -f "$work"/debs1/*-dbgsym_*.deb
ok "make deb: $(cd "$work/debs1" && echo *.deb), lintian clean"
took "packages built"

# VERSION+1: the same tree, its version bumped where it is written.
mkdir -p "$work/src2"
tar -C "$top" --exclude=./build --exclude=./.git --exclude=./debian/build -cf - . |
	tar -C "$work/src2" -xf -
sed -i "s/VMXFER_MODULE_VERSION \"$ver\"/VMXFER_MODULE_VERSION \"$ver2\"/" \
	"$work/src2/module/version.h"
sed -i "s/^PACKAGE_VERSION=\"$ver\"/PACKAGE_VERSION=\"$ver2\"/" "$work/src2/dkms.conf"
{
	printf 'vmxfer (%s) unstable; urgency=medium\n\n  * Upgrade test (tests/deb-check.sh).\n\n' "$ver2"
	printf ' -- vmxfer developers <vmxfer@example.org>  %s\n\n' "$(date -R)"
	cat "$top/debian/changelog"
} >"$work/src2/debian/changelog"
(cd "$work/src2" && dpkg-buildpackage -b -us -uc >"$work/deb2.log" 2>&1) &
build2=$!

# --- 2. a fresh bookworm chroot, the packages installed with apt --------------
vm_mirrors
base=$cache/bookworm-minbase
if [ ! -f "$base/.vmxfer-complete" ]; then
	rm -rf "$base" "$base.tmp"
	echo "deb-check: debootstrap bookworm (minbase) into $base (once)"
	if ! debootstrap --variant=minbase bookworm "$base.tmp" "$DEB_MIRROR" \
		>"$cache/debootstrap.log" 2>&1; then
		tail -20 "$cache/debootstrap.log"
		bad "debootstrap bookworm"
		wait "$build2" || true
		finish
	fi
	touch "$base.tmp/.vmxfer-complete"
	mv "$base.tmp" "$base"
fi
cp -a "$base" "$root"
rm -f "$root/.vmxfer-complete"
cat >"$root/etc/apt/sources.list" <<EOF
deb $DEB_MIRROR bookworm main
deb $DEB_MIRROR bookworm-updates main
deb $SEC_MIRROR bookworm-security main
EOF
# Keep what apt downloads (Dir::Cache::Archives, bound at its own path).
echo "Dir::Cache::Archives \"$cache/archives/\";" >"$root/etc/apt/apt.conf.d/90deb-check-cache"
mkdir -p "$root/debs1" "$root/debs2" "$root/deb"
cp "$work"/debs1/*.deb "$root/debs1/"
cp "$top"/tests/deb/use.c "$root/deb/"

inroot() {
	vm_in_chroot "$root" "$cache/archives" -- /usr/bin/env DEBIAN_FRONTEND=noninteractive "$@"
}
# names of everything called *vmxfer* on the chroot's own filesystem
vmxfer_files() {
	# (/root/.cache: where the download cache is bound in)
	inroot find / -xdev \( -path /debs1 -o -path /debs2 -o -path /deb -o -path /proc \
		-o -path /root/.cache \) -prune -o -name '*vmxfer*' -print | sort
}
# 6.12's headers depend on its image, whose postinst and trigger make an
# initramfs twice (minutes on a busy machine); nothing boots this chroot's
# image, so update-initramfs is diverted to a no-op, as in image builds.
inroot dpkg-divert --quiet --local --rename --add /usr/sbin/update-initramfs
printf '#!/bin/sh\nexit 0\n' >"$root/usr/sbin/update-initramfs"
chmod 755 "$root/usr/sbin/update-initramfs"
before=$(vmxfer_files)
[ -z "$before" ] || bad "the fresh chroot already has vmxfer files: $before"

krels=() kpkgs=()
for l in "${lines[@]}"; do
	eval "$("$top/tests/vm/kernel" "$l")"
	krels+=("$KREL")
	kpkgs+=("linux-headers-$KREL=$KPKGVER")
	[ "$l" != "$boot" ] || boot_krel=$KREL
done
if ! inroot apt-get -q update >"$work/apt.log" 2>&1 ||
	! inroot apt-get -y -q --no-install-recommends install \
		/debs1/vmxfer-dkms_"$ver"_all.deb /debs1/libvmxfer1_"$ver"_amd64.deb \
		/debs1/libvmxfer-dev_"$ver"_amd64.deb /debs1/vmxfer-utils_"$ver"_amd64.deb \
		"${kpkgs[@]}" gcc libc6-dev pkgconf >>"$work/apt.log" 2>&1; then
	tail -40 "$work/apt.log"
	bad "apt install of the packages with ${kpkgs[*]}"
	wait "$build2" || true
	finish
fi
ok "apt install of the four packages with ${kpkgs[*]}"
took "installed"

# dkms_built VERSION: vmxfer VERSION built and installed for every LINE.
dkms_built() {
	local v=$1 st k n=0 f l
	st=$(inroot dkms status vmxfer)
	while IFS= read -r l; do echo "    dkms status: $l"; done <<<"$st"
	for k in "${krels[@]}"; do
		if ! echo "$st" | grep -q "^vmxfer/$v, $k, x86_64: installed"; then
			bad "dkms status: vmxfer/$v not installed for $k"; n=$((n + 1)); continue
		fi
		f=$(inroot sh -c "ls /lib/modules/$k/updates/dkms/vmxfer.ko*" 2>/dev/null | head -n1)
		if [ -z "$f" ]; then bad "no vmxfer.ko in /lib/modules/$k/updates/dkms"; n=$((n + 1)); continue; fi
		if [ "$(inroot modinfo -F version "$f")" != "$v" ] ||
			[ "$(inroot modinfo -F vermagic "$f" | cut -d' ' -f1)" != "$k" ]; then
			bad "$f: version $(inroot modinfo -F version "$f"), vermagic $(inroot modinfo -F vermagic "$f")"
			n=$((n + 1)); continue
		fi
	done
	if echo "$st" | grep -v "^vmxfer/$v," | grep -q vmxfer; then
		bad "dkms status lists another vmxfer version"; n=$((n + 1))
	fi
	[ "$n" -ne 0 ] || ok "DKMS built vmxfer $v for ${krels[*]} (status, .ko version and vermagic)"
}
dkms_built "$ver"
if inroot getent group vmxfer >/dev/null && [ -f "$root/lib/udev/rules.d/60-vmxfer.rules" ]; then
	ok "group vmxfer ($(inroot getent group vmxfer)) and /lib/udev/rules.d/60-vmxfer.rules"
else
	bad "group vmxfer or the udev rule missing"
fi

# --- 3. a user's program; the guest with the DKMS-built module ------------------
# shellcheck disable=SC2016 # expanded in the chroot
if inroot sh -c 'cc -Wall -Werror -o /usr/bin/deb-use /deb/use.c $(pkg-config --cflags --libs vmxfer)' \
	>"$work/cc.log" 2>&1; then
	ok "tests/deb/use.c built with pkg-config --cflags --libs vmxfer: $(inroot pkg-config --cflags --libs vmxfer)"
else
	cat "$work/cc.log"
	bad "building tests/deb/use.c against libvmxfer-dev"
fi
# The guest's files: the packaged tool, the program, their libraries (the
# chroot's, as its loader resolves them).
tree=$work/tree
mkdir -p "$tree"
for f in /usr/bin/vmxfer-ctl /usr/bin/deb-use $(inroot sh -c \
	'ldd /usr/bin/vmxfer-ctl /usr/bin/deb-use' | awk '/=> \// { print $3 } /^\t\// { print $1 }' | sort -u); do
	mkdir -p "$tree$(dirname "$f")"
	cp -L "$root$f" "$tree$f"
done
ko=$(find "$root/lib/modules/$boot_krel/updates/dkms" -name 'vmxfer.ko*' 2>/dev/null | head -n1 || true)
[ -n "$ko" ] || { bad "no DKMS-built vmxfer.ko for $boot_krel"; wait "$build2" || true; finish; }
case $ko in
*.xz) xz -dc "$ko" >"$work/vmxfer.ko" ;;
*.zst) zstd -qdc "$ko" >"$work/vmxfer.ko" ;;
*) cp "$ko" "$work/vmxfer.ko" ;;
esac
took "guest prepared"
if "$top/tests/vm/run" --kernel "$boot" --ko "$work/vmxfer.ko" --tree "$tree" --timeout 600 \
	-- "$top/tests/deb/guest.sh" "$ver" >"$work/guest.log" 2>&1; then
	sed 's/^/    /' "$work/guest.log" | grep -v '^    run:'
	ok "guest $boot ($boot_krel) with DKMS's vmxfer.ko: vmxfer-ctl status reports every op, deb-use ran"
else
	sed 's/^/    /' "$work/guest.log" | tail -60
	bad "guest $boot with DKMS's vmxfer.ko"
fi
took "guest done"

# --- 4. upgrade -------------------------------------------------------------------
if ! wait "$build2"; then
	tail -30 "$work/deb2.log"
	bad "dpkg-buildpackage of $ver2"
	finish
fi
for p in vmxfer-dkms_"$ver2"_all libvmxfer1_"$ver2"_amd64 libvmxfer-dev_"$ver2"_amd64 \
	vmxfer-utils_"$ver2"_amd64; do
	cp "$work/$p.deb" "$root/debs2/"
done
# DKMS's common.postinst builds, on an upgrade, for the running kernel and
# the newest one; here uname -r is the host's, not installed in the chroot,
# so it would build only the newest.  DKMS's own setting for "every
# installed kernel" (framework.conf) makes it do what a machine running the
# older line does for both.
echo 'autoinstall_all_kernels="yes"' >>"$root/etc/dkms/framework.conf"
if inroot sh -c 'apt-get -y -q --no-install-recommends install /debs2/*.deb' >"$work/apt2.log" 2>&1; then
	ok "apt upgrade to $ver2: $(grep -c '^Building for\|^Building initial module for' "$work/apt2.log") DKMS build lines"
else
	tail -40 "$work/apt2.log"
	bad "apt install of the $ver2 packages over $ver"
fi
dkms_built "$ver2"
[ ! -e "$root/usr/src/vmxfer-$ver" ] || bad "/usr/src/vmxfer-$ver left after the upgrade"
took "upgraded"

# --- 5. purge ---------------------------------------------------------------------
if inroot apt-get -y -q purge vmxfer-dkms libvmxfer1 libvmxfer-dev vmxfer-utils \
	>"$work/purge.log" 2>&1; then
	ok "apt purge of the four packages"
else
	tail -30 "$work/purge.log"
	bad "apt purge"
fi
left=$(vmxfer_files)
# shellcheck disable=SC2016 # expanded in the chroot
dpkg_left=$(inroot dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' | grep vmxfer || true)
# shellcheck disable=SC2016 # expanded in the chroot
dep_left=$(inroot sh -c 'grep -l vmxfer /lib/modules/*/modules.dep /lib/modules/*/modules.alias 2>/dev/null' || true)
grp_left=$(inroot getent group vmxfer || true)
if [ -z "$left$dpkg_left$dep_left$grp_left" ]; then
	ok "purge left nothing: no *vmxfer* path, no package entry, no modules.dep/alias entry, no group"
else
	bad "purge left: ${left:+files: $left; }${dpkg_left:+dpkg: $dpkg_left; }${dep_left:+depmod: $dep_left; }${grp_left:+group: $grp_left}"
fi
# The postrm, with the group in use and then unused.
mkdir -p "$work/ctl"
dpkg-deb -e "$work/debs1/vmxfer-dkms_${ver}_all.deb" "$work/ctl"
cp "$work/ctl/postrm" "$root/deb/postrm"
# shellcheck disable=SC2016 # expanded in the chroot
if inroot sh -c 'addgroup --quiet --system vmxfer && adduser --quiet --system --ingroup nogroup vxuser &&
		adduser --quiet vxuser vmxfer && sh /deb/postrm purge 2>/dev/null &&
		getent group vmxfer >/dev/null && deluser --quiet vxuser &&
		sh /deb/postrm purge && ! getent group vmxfer >/dev/null' >"$work/postrm.log" 2>&1; then
	ok "postrm purge keeps group vmxfer while it has a member, removes it after"
else
	cat "$work/postrm.log"
	bad "postrm purge and a group in use"
fi
took "purged"
finish
