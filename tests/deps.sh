#!/usr/bin/env bash
# deps.sh — install the Debian packages vmxfer's build, tests and demo need.
# Idempotent and quiet when everything is present; needs root otherwise.
set -euo pipefail
pkgs=(
	build-essential gcc-multilib pkg-config
	libkmod-dev libcmocka-dev kmod
	qemu-system-x86 busybox-static cpio zstd xz-utils
	sparse dkms linux-source-6.1
	dwarves libelf1 libssl3 zlib1g
	debootstrap # sid chroot for 7.x (tests/vm/chroot)
	apparmor # apparmor_parser: test_policy's LSM profile, loaded in the guest
	gdb # tests/gcore: the host's gdb reads the guest's cores
	debhelper dh-dkms lintian fakeroot # make deb (debian/), tests/deb-check.sh
)
# dwarves: pahole, which 6.12's kbuild runs for module BTF.  libelf1, libssl3,
# zlib1g: what the kbuild tools (objtool, modpost, sign-file) extracted into
# the guest cache link against.  Found on a fresh bookworm (debootstrap
# minbase): the 6.12 module build failed there without pahole.
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages: ${missing[*]}; run as root or install them" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
