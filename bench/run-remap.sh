#!/usr/bin/env bash
# bench/run-remap.sh [LINE] [SIZE_MiB...] — bench/remap in one guest boot of
# LINE (default 6.12): growing a filled buffer x2 with vmxfer_remap vs
# mremap(MREMAP_MAYMOVE) vs a new mapping + memcpy, 4 KiB pages, THP, a
# shared memfd and a private (written) memfd mapping.
# 9 runs each (BENCH_REPS), 2 GiB guest (BENCH_MEM).
exec "$(dirname "$0")/run.sh" remap 9 "$@"
