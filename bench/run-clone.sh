#!/usr/bin/env bash
# bench/run-clone.sh [LINE] [SIZE_MiB...] — bench/clone in one guest boot of
# LINE (default 6.12): ratios process_vm_readv / vmxfer_clone and
# vmxfer_clone / fork's incremental cost for the range, 4 KiB pages and THP,
# and the caller's memory growth after an untouched clone.  9 runs each
# (BENCH_REPS), 2 GiB guest (BENCH_MEM).
exec "$(dirname "$0")/run.sh" clone 9 "$@"
