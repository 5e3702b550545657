#!/bin/sh
# Runs inside the demo guest (busybox sh), as root, with vmxfer loaded and
# vmxfer-ctl and vmxfer-demo-clone in PATH: a process's buffer cloned into
# another with VMXFER_IOC_CLONE, copy-on-write in both directions, then the
# same memory looked at with "vmxfer-ctl peek".
set -e
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

say "A target process with a 16 MiB buffer: every page starts with a message"
tout=/tmp/demo-clone-target.out
vmxfer-demo-clone --target 16 >"$tout" &
tpid=$!
trap 'kill $tpid 2>/dev/null || true' EXIT
while ! grep -q '^pid ' "$tout" 2>/dev/null; do sleep 0.1; done
cat "$tout"
base=$(sed -n 's/^pid [0-9]* base 0x\([0-9a-f]*\) .*/\1/p' "$tout")
len=$(sed -n 's/.* len \([0-9]*\)$/\1/p' "$tout")

say "Clone it into another process (VMXFER_IOC_CLONE: page tables copied, fork-style)"
run vmxfer-demo-clone $tpid 0x$base $len
grep '^target:' "$tout" || true

say "The target's memory now, seen zero-copy by vmxfer-ctl peek"
echo "(page 0 still has its original message; page 1 has the target's own change)"
run vmxfer-ctl peek --pid $tpid --hexdump $base 64
page1=$(printf '%x' $((0x$base + 4096)))
run vmxfer-ctl peek --pid $tpid --hexdump $page1 64
echo "Raw bytes too, to a file, at any address and length:"
run vmxfer-ctl peek --pid $tpid -o /tmp/peek.bin $(printf '%x' $((0x$base + 5))) 37
run cat /tmp/peek.bin
echo
say "And what cannot be peeked is explained"
below=$(printf '%x' $((0x$base - 4096)))
echo "(0x$below is the page just below the target's buffer: not mapped)"
run vmxfer-ctl peek --pid $tpid --hexdump $below 64 || true
kill $tpid
