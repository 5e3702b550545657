# shellcheck shell=sh
# Sourced by the demo guest scripts (busybox sh): output helpers and the
# target process they all watch.
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

# start_target OUT CMD [ARGS...]: run CMD in the background with its output
# in OUT (killed when the script exits), wait for its "pid P base 0xB len N"
# line and print it; sets tout, tpid, base (hex, no 0x) and len.
start_target() {
	tout=$1
	shift
	"$@" >"$tout" &
	tpid=$!
	trap 'kill $tpid 2>/dev/null || true' EXIT
	while ! grep -q '^pid ' "$tout" 2>/dev/null; do sleep 0.1; done
	cat "$tout"
	base=$(sed -n 's/^pid [0-9]* base 0x\([0-9a-f]*\) .*/\1/p' "$tout")
	len=$(sed -n 's/.* len \([0-9]*\)$/\1/p' "$tout")
}
