#!/bin/sh
# Runs inside the demo guest (busybox sh), as root, with vmxfer loaded.
set -e
. "$(dirname "$0")/demo-lib.sh"

say "A stock Debian kernel: $(uname -r) (${VMXFER_KPKG:-?}), vmxfer loaded"
run ls -l /dev/vmxfer
say "What vmxfer can do on this kernel"
run vmxfer-ctl status
say "The same, for scripts"
run vmxfer-ctl status --json
say "Unload and load again through libkmod"
run vmxfer-ctl unload
run vmxfer-ctl status || true
run vmxfer-ctl load
run vmxfer-ctl status >/dev/null && echo "loaded again"

say "A process's buffer cloned into another: copy-on-write both ways"
demo-clone.sh

say "Zero-copy process dumps"
demo-splice.sh

say "Postcopy live migration's demand paging, with move"
demo-postcopy.sh

say "Core files of running processes, stopped for milliseconds"
demo-gcore.sh
