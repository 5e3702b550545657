#!/usr/bin/env bash
# bench/run-splice.sh [LINE] [-n] [SIZE_MiB...] — builds bench/splice and runs it
# in one guest boot of LINE (default 6.12) with 2 GiB of memory, printing the
# table of throughput ratios (vmxfer_splice + splice(2) vs process_vm_readv +
# write(2)); -n: the target without transparent huge pages.  Environment: BENCH_REPS (default 5), BENCH_MEM (default 2G).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
line=${1:-6.12}
[[ $# -gt 0 ]] && shift
make -s bench-build
exec tests/vm/run --kernel "$line" --mem "${BENCH_MEM:-2G}" --timeout 1800 \
	--file build/bench/splice -- splice -r "${BENCH_REPS:-5}" "$@"
