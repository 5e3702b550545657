#!/bin/sh
# Runs inside the demo guest (busybox sh), as root, with vmxfer loaded and
# vmxfer-ctl and vmxfer-gcore-target in PATH: "vmxfer-ctl gcore" writes a
# core file of a running process that it stops only for the clone, next to
# a stop-copy-resume dumper (--copy, what gdb's gcore does).
set -e
. "$(dirname "$0")/demo-lib.sh"

say "A process with 128 MiB of written memory"
vmxfer-gcore-target --mem 128 >/tmp/demo-gcore.out &
gpid=$!
trap 'kill $gpid 2>/dev/null || true' EXIT
while ! grep -q '^ready' /tmp/demo-gcore.out 2>/dev/null; do sleep 0.2; done
cat /tmp/demo-gcore.out

say "Its core file: stopped only while its memory is cloned (copy-on-write)"
run vmxfer-ctl gcore --pid $gpid -o /tmp/core.clone
run ls -l /tmp/core.clone
rm -f /tmp/core.clone

say "The same, copying the memory while it is stopped (as gdb's gcore)"
run vmxfer-ctl gcore --copy --pid $gpid -o /tmp/core.copy
rm -f /tmp/core.copy
kill $gpid

say "A process that keeps writing: the core holds the stop instant's values"
mkdir -p /tmp/demo-gcore
vmxfer-gcore-target /tmp/demo-gcore >/tmp/demo-gcore/ready &
bpid=$!
trap 'kill $gpid $bpid 2>/dev/null || true' EXIT
while ! grep -q '^ready' /tmp/demo-gcore/ready 2>/dev/null; do sleep 0.2; done
run vmxfer-ctl gcore --pid $bpid -o /tmp/core.busy
echo "(tests/gcore/check.sh reads such a core with gdb on the host: threads,"
echo " backtraces, and values matching the process's own log of the stop)"
run od -A d -t x1 -N 20 /tmp/core.busy

say "Refusals are explained"
run vmxfer-gcore-target --trace $bpid >/dev/null &
tr=$!
sleep 1
run vmxfer-ctl gcore --pid $bpid -o /tmp/core.traced || true
kill $tr
