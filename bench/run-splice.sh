#!/usr/bin/env bash
# bench/run-splice.sh [LINE] [-n] [SIZE_MiB...] — bench/splice in one guest
# boot of LINE (default 6.12): throughput ratios of vmxfer_splice +
# splice(2) vs process_vm_readv + write(2); -n: the target without
# transparent huge pages.  5 runs each (BENCH_REPS), 2 GiB guest (BENCH_MEM).
exec "$(dirname "$0")/run.sh" splice 5 "$@"
