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
make -s lib
mkdir -p build/bench
# Built here rather than through bench/bench.mk so this works unwired too.
${CC:-cc} -std=c11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE \
	-Iinclude/uapi -Ilib -o build/bench/clone bench/clone.c build/lib/libvmxfer.a
echo "bench/clone on $line: the guest is TCG-emulated (no KVM): only ratios mean anything" >&2
exec tests/vm/run --kernel "$line" --mem "${BENCH_MEM:-2G}" --timeout 1800 \
	--file build/bench/clone -- clone -r "${BENCH_REPS:-9}" "$@"
