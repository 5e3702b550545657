#!/bin/sh
# bench/gcore-guest.sh REPS SIZE_MiB... — the guest half of bench/run-gcore.sh.
reps=$1
shift
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# run PID ARGS...: REPS gcore runs; prints "STOP_MS TOTAL_S" medians.
run() {
	pid=$1
	shift
	: >/tmp/stop
	: >/tmp/total
	i=0
	while [ $i -lt "$reps" ]; do
		# Through a pipe: every byte of the core is read (a write to
		# /dev/null would not even touch the clone's pages).
		{ vmxfer-ctl gcore "$@" --pid "$pid" -o - 2>/tmp/err || echo fail >>/tmp/err; } | cat >/dev/null
		if grep -q '^fail' /tmp/err; then cat /tmp/err; return 1; fi
		sed -n 's/.*threads\{0,1\} stopped for \([0-9.]*\) ms.*/\1/p' /tmp/err >>/tmp/stop
		sed -n 's/.*bytes to .* in \([0-9.]*\) s:.*/\1/p' /tmp/err >>/tmp/total
		i=$((i + 1))
	done
	echo "$(median </tmp/stop) $(median </tmp/total)"
}
printf '%-6s %-4s | %12s %12s %8s | %12s %12s %8s\n' MiB page "stop clone" "stop copy" ratio \
	"total clone" "total copy" ratio
for mib in "$@"; do
	for kind in 4k thp; do
		flag=""
		[ $kind = thp ] && flag=--thp
		# shellcheck disable=SC2086 # an optional flag
		vmxfer-gcore-target --mem "$mib" $flag >/tmp/ready &
		while ! grep -q ready /tmp/ready 2>/dev/null; do sleep 0.2; done
		pid=$(awk '{ print $2 }' /tmp/ready)
		echo "# $(cat /tmp/ready)"
		c=$(run "$pid") || exit 1
		r=$(run "$pid" --copy) || exit 1
		kill -9 "$pid"
		wait 2>/dev/null
		echo "$c $r" | awk -v m="$mib" -v k="$kind" '{
			printf "%-6s %-4s | %9.2f ms %9.2f ms %7.0fx | %10.3f s %10.3f s %7.2fx\n",
				m, k, $1, $3, $3 / $1, $2, $4, $4 / $2 }'
	done
done
