#!/bin/sh
# Runs inside the demo guest (busybox sh), as root, with vmxfer loaded and
# vmxfer-demo-postcopy in PATH: postcopy demand paging served with
# VMXFER_IOC_MOVE, on any kernel line (5.10 and 6.1 have no UFFDIO_MOVE).
set -e
. "$(dirname "$0")/demo-lib.sh"

say "Postcopy: a process's memory faulted in from another process, page by page"
echo "(userfaultfd MISSING faults; each page received into a staging buffer,"
echo " then moved into place with vmxfer_move: no copy after the recv)"
run vmxfer-demo-postcopy 64 4 4
say "The same in 2 MiB chunks"
run vmxfer-demo-postcopy 64 2048 4
