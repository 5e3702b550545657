#!/bin/sh
# Runs inside the demo guest (busybox sh), as root, with vmxfer loaded and
# vmxfer-ctl and vmxfer-demo-target in PATH: dumps a running process's
# memory zero-copy, checks the dump, then dumps incrementally the 3 pages
# the process writes afterwards.
set -e
. "$(dirname "$0")/demo-lib.sh"

say "A process with 8 MiB of filled anonymous memory"
start_target /tmp/demo-target.out vmxfer-demo-target 8
end=$(printf '%x' $((0x$base + len)))
run grep -c . /proc/$tpid/maps

say "Full dump: pages go from the process into a pipe by reference, then to the file (splice)"
run vmxfer-ctl dump --pid $tpid -o /tmp/full.vxd
run ls -l /tmp/full.vxd
say "Check it, and compare it with the (unchanged) process"
run vmxfer-ctl undump --check --against $tpid /tmp/full.vxd

say "Only the 8 MiB buffer, written to a pipe"
printf '$ vmxfer-ctl dump --pid %s --range %s-%s | vmxfer-ctl undump --check --list -\n' \
	"$tpid" "$base" "$end"
vmxfer-ctl dump --pid $tpid --range "$base-$end" | vmxfer-ctl undump --check --list -

say "The process writes 3 pages"
run kill -USR1 $tpid
while ! grep -q '^wrote' "$tout"; do sleep 0.1; done
grep '^wrote' "$tout"

say "Incremental dump: only what was written since the last dump (soft-dirty)"
run vmxfer-ctl dump --pid $tpid --range "$base-$end" --incremental -o /tmp/incr.vxd
run vmxfer-ctl undump --check --list --against $tpid /tmp/incr.vxd
run ls -l /tmp/full.vxd /tmp/incr.vxd

say "Nothing written since: the next incremental dump of the buffer is empty"
run vmxfer-ctl dump --pid $tpid --range "$base-$end" --incremental -o /tmp/incr2.vxd
run vmxfer-ctl undump --check /tmp/incr2.vxd
kill $tpid
