#!/usr/bin/env bash
# tests/fresh-check.sh [DIR] — run CI as on a fresh machine.
#
# debootstraps a minimal bookworm into DIR (default /var/tmp/vmxfer-fresh,
# removed first), clones this repository's HEAD into it and runs
# `CI=true bash .ci/run` there, then `make demo`, with an empty cache: every
# package the project needs must be installed by the project itself
# (tests/deps.sh, the DKMS check). Prints the last lines of each and exits
# non-zero if either failed. Needs root and debootstrap; ~5 min on 2 cores.
# Logs: DIR.check.log, DIR.demo.log.
set -euo pipefail

dir=${1:-/var/tmp/vmxfer-fresh}
repo=$(cd "$(dirname "$0")/.." && pwd)
mirror=${VMXFER_MIRROR:-http://deb.debian.org/debian}

[ "$(id -u)" -eq 0 ] || { echo "fresh-check: needs root" >&2; exit 2; }
command -v debootstrap >/dev/null || {
	echo "fresh-check: needs debootstrap (apt-get install debootstrap)" >&2
	exit 2
}

undo_mounts() {
	local m
	for m in dev sys proc; do
		umount -R "$dir/$m" 2>/dev/null || umount -R -l "$dir/$m" 2>/dev/null || true
	done
	if grep -q " $dir " /proc/mounts; then
		umount -R "$dir" 2>/dev/null || umount -R -l "$dir" 2>/dev/null || true
	fi
}

undo_mounts
# Never rm -rf through a bind mount of the host's /dev or /sys.
if grep -q " $dir[/ ]" /proc/mounts; then
	echo "fresh-check: mounts left under $dir (umount them first):" >&2
	grep " $dir[/ ]" /proc/mounts >&2
	exit 2
fi
rm -rf "$dir"
echo "fresh-check: debootstrap bookworm into $dir" >&2
debootstrap --variant=minbase --include=git,ca-certificates,make bookworm \
	"$dir" "$mirror" >"$dir.debootstrap.log" 2>&1
# The apt sources a stock install has (main, updates, security).
cat >"$dir/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb ${mirror%/debian}/debian-security bookworm-security main
EOF
trap undo_mounts EXIT
trap 'exit 130' INT TERM
# The root a machine has is a mount point; unshare -m (tests/vm's sid
# chroot builds) needs that to make its mounts private.
mount --bind "$dir" "$dir"
mount -t proc proc "$dir/proc"
mount --rbind /sys "$dir/sys"
mount --rbind /dev "$dir/dev"
git clone -q "$repo" "$dir/root/vmxfer"

rc=0
echo "fresh-check: CI=true bash .ci/run" >&2
chroot "$dir" /bin/bash -c 'cd /root/vmxfer && HOME=/root CI=true bash .ci/run' \
	>"$dir.check.log" 2>&1 || rc=1
tail -3 "$dir.check.log"
echo "fresh-check: make demo" >&2
chroot "$dir" /bin/bash -c 'cd /root/vmxfer && HOME=/root make demo' \
	>"$dir.demo.log" 2>&1 || rc=1
tail -3 "$dir.demo.log"
[ $rc -eq 0 ] && echo "fresh-check: ok" >&2 || echo "fresh-check: FAILED (logs: $dir.*.log)" >&2
exit $rc
