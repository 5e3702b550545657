#!/usr/bin/env bash
# bench/run-clone.sh [LINE] [SIZE_MiB...] — builds bench/clone and runs it in
# one guest boot of LINE (default 6.12) with 2 GiB of memory, printing the
# table of ratios (process_vm_readv / vmxfer_clone, vmxfer_clone / fork's
# incremental cost for the range) for 4 KiB pages and THP, and the caller's
# memory growth after an untouched clone.  Environment: BENCH_REPS (default
# 9), BENCH_MEM (default 2G).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
line=${1:-6.12}
[[ $# -gt 0 ]] && shift
make -s bench-build
exec tests/vm/run --kernel "$line" --mem "${BENCH_MEM:-2G}" --timeout 1800 \
	--file build/bench/clone -- clone -r "${BENCH_REPS:-9}" "$@"
