#!/usr/bin/env bash
# bench/run.sh NAME REPS [LINE] [ARGS...] — builds bench/NAME and runs it in
# one guest boot of LINE (default 6.12) with 2 GiB of memory as
# `NAME -r REPS ARGS...`, printing its table of ratios.  The run-NAME.sh
# scripts call this with their defaults.  Environment: BENCH_REPS
# (overrides REPS), BENCH_MEM (default 2G).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
name=${1:?usage: bench/run.sh NAME REPS [LINE] [ARGS...]}
reps=${2:?usage: bench/run.sh NAME REPS [LINE] [ARGS...]}
shift 2
line=${1:-6.12}
[[ $# -gt 0 ]] && shift
make -s bench-build
exec tests/vm/run --kernel "$line" --mem "${BENCH_MEM:-2G}" --timeout 1800 \
	--file "build/bench/$name" -- "$name" -r "${BENCH_REPS:-$reps}" "$@"
