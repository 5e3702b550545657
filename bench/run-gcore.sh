#!/usr/bin/env bash
# bench/run-gcore.sh [LINE] [SIZE_MiB...] — the target's stop time and the
# total dump time of `vmxfer-ctl gcore` (clone snapshot) against
# `vmxfer-ctl gcore --copy` (stop, process_vm_readv everything, resume: what
# gdb's gcore does, though gdb also keeps the process stopped while it
# writes), side by side in one guest boot of LINE (default 6.12), for
# targets of SIZE MiB (default 256 1024) of written anonymous memory, 4 KiB
# pages and THP.  Medians of BENCH_REPS (default 5) runs; the core goes
# through a pipe to cat >/dev/null (so every byte is read, at the same cost
# for both).  Guest memory BENCH_MEM (default 3G: --copy holds a copy of
# the target).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
line=${1:-6.12}
[[ $# -gt 0 ]] && shift
sizes=("$@")
[[ ${#sizes[@]} -gt 0 ]] || sizes=(256 1024)
make -s userspace
exec tests/vm/run --kernel "$line" --mem "${BENCH_MEM:-3G}" --timeout 3600 \
	--file build/tools/vmxfer-ctl --file build/tools/vmxfer-gcore-target \
	--file bench/gcore-guest.sh -- gcore-guest.sh "${BENCH_REPS:-5}" "${sizes[@]}"
