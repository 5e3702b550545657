#!/usr/bin/env bash
# bench/run-merge.sh [LINE] [N...] — bench/merge in one guest boot of LINE
# (default 6.12): N chunks of 64 KiB moved in reverse order by mremap(2)
# (unmerged baseline), then one vmxfer_merge() pass; and the same moves by
# vmxfer_remap(), which merges on its own.  VMA counts and time ratios.
# 3 runs each (BENCH_REPS), 2 GiB guest (BENCH_MEM).
exec "$(dirname "$0")/run.sh" merge 3 "$@"
