#!/bin/sh
# tests/kernel/run-all.sh [TEST...]
#
# Runs inside the guest (busybox sh) started by tests/vm/suite. Runs every
# TEST (default: each executable test_* beside this script, in name order)
# with CMOCKA_MESSAGE_OUTPUT=TAP, prints its output, and counts its
# "ok N" / "not ok N" lines. A program that exits non-zero without a
# "not ok", or reports fewer results than its "1..N" plans, has the missing
# results counted as failures, so a crashed test never looks green. A
# program that prints no TAP at all counts as one test (its exit status).
# If vmxfer is loaded at the end it is unloaded (one more check: rmmod must
# succeed; the runner then checks the kernel log).
# Last line: "guest: N passed, N failed, N skipped" (a skip is cmocka's
# "not ok N # SKIP"; each program's line says how many it skipped). Exit
# status 0 only if none failed.
#
# Environment: VMXFER_TEST_TIMEOUT (seconds per program, default 600),
# VMXFER_RMMOD_AT_END (default 1).
set -u

dir=$(cd "$(dirname "$0")" && pwd)
limit=${VMXFER_TEST_TIMEOUT:-600}
total_pass=0
total_fail=0
total_skip=0
failed_names=""

if [ $# -eq 0 ]; then
	for t in "$dir"/test_*; do
		[ -f "$t" ] && [ -x "$t" ] && set -- "$@" "$t"
	done
fi
if [ $# -eq 0 ]; then
	echo "run-all: no test programs (test_*) in $dir"
fi

kmsg() { echo "vmxfer-run-all: $*" >/dev/kmsg 2>/dev/null || true; }

for t in "$@"; do
	name=$(basename "$t")
	out=$(mktemp /tmp/run-all.XXXXXX)
	echo "=== $name"
	kmsg "start $name"
	CMOCKA_MESSAGE_OUTPUT=TAP timeout -k 10 "$limit" "$t" </dev/null >"$out" 2>&1
	rc=$?
	kmsg "end $name (exit $rc)"
	cat "$out"
	# ok, not ok, planned, bail out; "not ok N # SKIP" is a skip
	counts=$(awk '
		/^ok [0-9]+/ { ok++ }
		/^not ok [0-9]+ # SKIP/ { skip++; next }
		/^not ok [0-9]+/ { nok++ }
		/^1\.\.[0-9]+/ { n = $1; sub(/^1\.\./, "", n); plan += n }
		/^Bail out!/ { bail++ }
		END { printf "%d %d %d %d %d\n", ok, nok, plan, bail, skip }' "$out")
	read -r ok nok plan bail skip <<EOF
$counts
EOF
	rm -f "$out"
	pass=$ok
	fail=$nok
	why=""
	if [ $((ok + nok)) -eq 0 ] && [ "$plan" -eq 0 ]; then
		# Not a TAP program: one test, its exit status.
		if [ "$rc" -eq 0 ]; then pass=1; else fail=1; fi
	else
		if [ "$plan" -gt $((ok + nok + skip)) ]; then
			fail=$((fail + plan - ok - nok - skip))
			why="$why $((plan - ok - nok - skip)) planned result(s) missing;"
		fi
		if [ "$rc" -ne 0 ] && [ "$fail" -eq 0 ]; then
			fail=1
			why="$why exit status $rc without a failed test;"
		fi
		if [ "$bail" -gt 0 ] && [ "$fail" -eq 0 ]; then
			fail=1
			why="$why bailed out;"
		fi
	fi
	if [ "$rc" -gt 128 ]; then
		why="$why killed by signal $((rc - 128)) (15 = the ${limit}s timeout);"
	fi
	echo "--- $name: $pass passed, $fail failed, $skip skipped (exit $rc)${why:+ --$why}"
	total_pass=$((total_pass + pass))
	total_skip=$((total_skip + skip))
	total_fail=$((total_fail + fail))
	[ "$fail" -eq 0 ] || failed_names="$failed_names $name"
done

if [ "${VMXFER_RMMOD_AT_END:-1}" = 1 ] && [ -d /sys/module/vmxfer ]; then
	echo "=== rmmod vmxfer"
	kmsg "rmmod vmxfer"
	if out=$(rmmod vmxfer 2>&1); then
		echo "--- rmmod vmxfer: 1 passed, 0 failed"
		total_pass=$((total_pass + 1))
	else
		echo "$out"
		echo "--- rmmod vmxfer: 0 passed, 1 failed"
		total_fail=$((total_fail + 1))
		failed_names="$failed_names rmmod-vmxfer"
	fi
fi

[ -z "$failed_names" ] || echo "failed:$failed_names"
echo "guest: $total_pass passed, $total_fail failed, $total_skip skipped"
[ "$total_fail" -eq 0 ]
