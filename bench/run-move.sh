#!/usr/bin/env bash
# bench/run-move.sh [LINE] [SIZE_MiB...] — bench/move in one guest boot of
# LINE (default 6.12): moving a filled range into an empty one with
# vmxfer_move vs UFFDIO_MOVE (6.8+) vs mremap(MREMAP_FIXED) vs memcpy +
# MADV_DONTNEED, 4 KiB pages and THP; then one userfaultfd MISSING fault
# (4 KiB, 2 MiB) served with vmxfer_move_uffd vs UFFDIO_COPY vs UFFDIO_MOVE.
# 9 runs each (BENCH_REPS), 2 GiB guest (BENCH_MEM).
exec "$(dirname "$0")/run.sh" move 9 "$@"
