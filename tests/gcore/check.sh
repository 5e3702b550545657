#!/usr/bin/env bash
# tests/gcore/check.sh [LINE...] — vmxfer-ctl gcore, one guest boot per line
# (default: every line in tests/vm/lines): tests/gcore/guest.sh dumps a busy
# multi-threaded target (globals, heap, a THP, a swapped-out range, a memfd)
# and tries the failure cases; the core comes back to the host (tests/vm/run
# --out) and the host's gdb and readelf read it: three threads, a
# backtrace each, the data, and counter values of the stop instant (the
# target's own logs of what it wrote before and after the stop).
# Output: "ok"/"not ok" lines, per line "LINE: N passed, N failed", and
# last the total "N passed, N failed".
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
lines=("$@")
[ ${#lines[@]} -gt 0 ] || mapfile -t lines < <(awk '!/^#/ && NF { print $1 }' tests/vm/lines)
tgt=build/tools/vmxfer-gcore-target
for f in build/tools/vmxfer-ctl "$tgt"; do
	[ -x "$f" ] || { echo "gcore: $f missing (make userspace)"; echo "0 passed, 1 failed"; exit 1; }
done
command -v gdb >/dev/null || { echo "gcore: no gdb on the host (tests/deps.sh)"; echo "0 passed, 1 failed"; exit 1; }
tot_p=0 tot_f=0

# The values the target writes (vmxfer-gcore-target.c GC_WORD).
word() { printf '0x6763%04x%08x' "$1" "$2"; }

host_checks() { # OUTDIR
	local d=$1 g e m l f n v ready
	ok() { echo "ok - $*"; p=$((p + 1)); }
	no() { echo "not ok - $*"; f_=$((f_ + 1)); }
	res() { if [ "$1" = 0 ]; then ok "$2"; else no "$2"; fi; return "$1"; } # STATUS DESC
	[ -s "$d/core" ] || { no "core came back from the guest"; return; }
	ready=$(cat "$d/ready")
	[[ $ready =~ thp_kb=2048 ]]
	res $? "the THP region is a THP ($ready)"
	[[ $ready =~ swap_kb=([0-9]+) ]] && [ "${BASH_REMATCH[1]}" -ge 512 ]
	res $? "the swap region is swapped out"
	g=$(gdb -batch -nx -ex 'set pagination off' -ex 'info threads' \
		-ex 'thread apply all bt' \
		-ex 'printf "counter_a=%lu\n", counter_a' -ex 'printf "counter_b=%lu\n", counter_b' \
		-ex 'printf "memfd0=%lu\n", memfd_buf[0]' \
		-ex 'printf "heap %#lx %#lx %#lx\n", heap_buf[0], heap_buf[512*7], heap_buf[512*63]' \
		-ex 'printf "thp %#lx %#lx %#lx %#lx\n", thp_buf[0], thp_buf[512*100], thp_buf[512*511], thp_buf[1]' \
		-ex 'printf "swap %#lx %#lx %#lx\n", swap_buf[0], swap_buf[512*3], swap_buf[512*255]' \
		-ex 'printf "memfd %#lx %#lx\n", memfd_buf[512*1], memfd_buf[512*15]' \
		-ex 'printf "marker %s\n", gcore_marker' \
		"$tgt" "$d/core" 2>&1)
	while IFS= read -r l; do echo "    gdb: $l"; done <<<"$g"
	n=$(grep -cE '^Thread [0-9]+ \(' <<<"$g")
	[ "$n" = 3 ]
	res $? "gdb: 3 threads (got $n)"
	for fn in main_wait worker_a worker_b; do
		# Each thread's backtrace, from its "Thread N" line to the next.
		awk -v fn="$fn" '/^Thread [0-9]+ \(/ { t++ } t && $0 ~ " in " fn " |#[0-9]+ +" fn " " { hit[t] = 1 }
			END { for (i in hit) c++; exit c == 1 ? 0 : 1 }' <<<"$g"
		res $? "gdb: one thread's backtrace goes through $fn()"
	done
	grep -q 'main (argc' <<<"$g"
	res $? "gdb: the main thread's backtrace reaches main()"
	[[ $g == *"heap $(word 1 0) $(word 1 7) $(word 1 63)"* ]]
	res $? "gdb: heap data"
	[[ $g == *"thp $(word 2 0) $(word 2 100) $(word 2 511) 0x202020202020202"* ]]
	res $? "gdb: THP data"
	[[ $g == *"swap $(word 3 0) $(word 3 3) $(word 3 255)"* ]]
	res $? "gdb: swapped-out data"
	[[ $g == *"memfd $(word 4 1) $(word 4 15)"* ]]
	res $? "gdb: memfd data"
	[[ $g == *"marker vmxfer-gcore-target marker"* ]]
	res $? "gdb: a global string"
	# The stop instant: the last value logged before the stop (L) and the
	# first after it (F = L + 1); the core must hold L or F (F when the
	# thread was stopped between storing F and logging it), and so must
	# the memfd (written just before the counter).
	for c in a b; do
		read -r l f n <"$d/window.$c"
		v=$(sed -n "s/^counter_$c=//p" <<<"$g")
		if [ -n "$v" ] && [ "$l" -gt 0 ] && [ "$f" = $((l + 1)) ] && [ "$v" -ge "$l" ] && [ "$v" -le "$f" ]; then
			ok "counter_$c=$v is the stop instant's (logged before: $l, after: $f)"
		else
			no "counter_$c=$v is the stop instant's (logged before: $l, after: $f, during: $n)"
		fi
		if [ $c = a ]; then
			m=$(sed -n 's/^memfd0=//p' <<<"$g")
			[ -n "$m" ] && [ "$m" -ge "$l" ] && [ "$m" -le "$f" ]
			res $? "memfd word 0 ($m) is the stop instant's ($l..$f)"
		fi
	done
	e=$(readelf -n "$d/core" 2>&1)
	for note in 'NT_PRSTATUS:3' 'NT_FPREGSET:3' 'NT_X86_XSTATE:3' 'NT_PRPSINFO:1' \
		'NT_SIGINFO:1' 'NT_AUXV:1' 'NT_FILE:1'; do
		n=$(grep -c "${note%:*} " <<<"$e")
		[ "$n" = "${note#*:}" ]
		res $? "readelf -n: ${note#*:} ${note%:*} (got $n)"
	done
	# --live: memory only.
	g=$(gdb -batch -nx -ex 'printf "marker %s\n", gcore_marker' \
		-ex 'printf "thp %#lx\n", thp_buf[512*100]' "$tgt" "$d/live.core" 2>&1)
	[[ $g == *"marker vmxfer-gcore-target marker"*"thp $(word 2 100)"* ]]
	res $? "gdb reads the --live core" || echo "$g"
}

for line in "${lines[@]}"; do
	echo "=== gcore on $line"
	d=$(mktemp -d)
	out=$(tests/vm/run --kernel "$line" --timeout 900 --out "$d" --file build/tools/vmxfer-ctl \
		--file "$tgt" -- tests/gcore/guest.sh 2>&1)
	rc=$?
	echo "$out"
	p=$(grep -c '^ok ' <<<"$out")
	f_=$(grep -c '^not ok ' <<<"$out")
	if [ $rc -ne 0 ] && [ "$f_" = 0 ]; then
		echo "not ok - the guest run failed (exit $rc)"
		f_=1
	fi
	# The host's half whenever the guest got that far.
	[ -s "$d/core" ] && host_checks "$d"
	rm -rf "$d"
	echo "$line: $p passed, $f_ failed"
	tot_p=$((tot_p + p)) tot_f=$((tot_f + f_))
done
echo "$tot_p passed, $tot_f failed"
[ "$tot_f" = 0 ]
