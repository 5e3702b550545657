#!/bin/sh
# Runs inside the demo guest (busybox sh), as root, with vmxfer loaded and
# vmxfer-ctl and vmxfer-demo-clone in PATH: a process's buffer cloned into
# another with VMXFER_IOC_CLONE, copy-on-write in both directions, then the
# same memory looked at with "vmxfer-ctl peek".
set -e
. "$(dirname "$0")/demo-lib.sh"

say "A target process with a 16 MiB buffer: every page starts with a message"
start_target /tmp/demo-clone-target.out vmxfer-demo-clone --target 16

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
