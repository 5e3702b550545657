#!/bin/sh
# tests/gcore/guest.sh — the guest half of tests/gcore/check.sh (run by
# tests/vm/run --out DIR as root; vmxfer-ctl and vmxfer-gcore-target in PATH).
# Prints "ok - ..." / "not ok - ..." per check; leaves in $VMXFER_OUT what
# the host reads with gdb: core (the main case), live.core (--live),
# ready, gcore.err, window.a, window.b.
O=${VMXFER_OUT:?run me with tests/vm/run --out}
W=/tmp/gcore-work
rm -rf "$W"
mkdir -p "$W"
chmod 755 "$W"
npass=0 nfail=0
ok() { echo "ok - $*"; npass=$((npass + 1)); }
no() { echo "not ok - $*"; nfail=$((nfail + 1)); }
check() { # description command...
	d=$1
	shift
	if "$@"; then ok "$d"; else no "$d"; fi
}

# start_target DIR [USER]: sets TP (pid); waits for "ready".
start_target() {
	mkdir -p "$1"
	if [ -n "${2:-}" ]; then
		chown "$2" "$1"
		su -s /bin/sh "$2" -c "exec vmxfer-gcore-target $1 >$1/ready 2>&1" &
	else
		vmxfer-gcore-target "$1" >"$1/ready" 2>&1 &
	fi
	TP=$!
	i=0
	while ! grep -q '^ready' "$1/ready" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 600 ] || { echo "target in $1 never got ready"; cat "$1/ready"; return 1; }
		sleep 0.1
	done
	# With su, $! is su's pid; the target's own is in the ready line.
	TP=$(awk '/^ready/ { print $2 }' "$1/ready")
}

# running PID DIR: not stopped, not traced, and its log still grows.
running() {
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	case $st in R | S | D) ;; *) echo "pid $1 state '$st'"; return 1 ;; esac
	tr=$(awk '/^TracerPid/ { print $2 }' "/proc/$1/status")
	[ "$tr" = 0 ] || { echo "pid $1 traced by $tr"; return 1; }
	s1=$(stat -c %s "$2/log.b")
	sleep 0.3
	s2=$(stat -c %s "$2/log.b")
	[ "$s2" -gt "$s1" ] || { echo "pid $1: log.b stopped growing ($s1)"; return 1; }
}

section() { echo "--- $* (uptime $(cut -d' ' -f1 /proc/uptime) s)"; }

stop_target() { kill -9 "$1" 2>/dev/null; wait 2>/dev/null; }

# --- the main case: a consistent core of a busy process -------------------
section main
start_target "$W/main" || exit 1
cp "$W/main/ready" "$O/ready"
cat "$O/ready"
vmxfer-ctl gcore -v --pid "$TP" -o "$O/core" 2>"$O/gcore.err"
rc=$?
cat "$O/gcore.err"
check "gcore exits 0" [ $rc = 0 ]
check "the target runs on after gcore" running "$TP" "$W/main"
win=$(sed -n 's/.*CLOCK_MONOTONIC ns \([0-9]*\)-\([0-9]*\)).*/\1 \2/p' "$O/gcore.err")
check "gcore printed the stop interval" [ -n "$win" ]
for c in a b; do
	# shellcheck disable=SC2086 # two numbers
	vmxfer-gcore-target --window "$W/main/log.$c" $win >"$O/window.$c"
	echo "window $c: $(cat "$O/window.$c")"
done
grep -q ' 0$' "$O/window.a" && grep -q ' 0$' "$O/window.b"
check "no thread logged anything while stopped" [ $? = 0 ]
stop_target "$TP"

# --- --live: no stop ----------------------------------------------------------
section live
start_target "$W/live" || exit 1
vmxfer-ctl gcore --live --pid "$TP" -o "$O/live.core" 2>"$W/live.err"
rc=$?
cat "$W/live.err"
check "gcore --live exits 0" [ $rc = 0 ]
check "gcore --live says it did not stop" grep -q 'not stopped' "$W/live.err"
check "the target runs on after --live" running "$TP" "$W/live"
stop_target "$TP"

# --- the target exits while the core is written ------------------------------
section exit
start_target "$W/exit" || exit 1
mkfifo "$W/fifo"
vmxfer-ctl gcore --pid "$TP" -o "$W/fifo" 2>"$W/exit.err" &
G=$!
(
	dd bs=4096 count=1 of="$W/exit.head" 2>/dev/null
	# gcore writes only after the target runs again: kill it now.
	kill -9 "$TP"
	sleep 0.5
	cat >"$W/exit.rest"
) <"$W/fifo"
wait "$G"
rc=$?
cat "$W/exit.err"
check "target killed mid-write: gcore exits 0" [ $rc = 0 ]
check "target killed mid-write: the target is gone" sh -c "! kill -0 $TP 2>/dev/null"
size=$(($(stat -c %s "$W/exit.head") + $(stat -c %s "$W/exit.rest")))
want=$(sed -n 's/.*wrote \([0-9]*\) bytes.*/\1/p' "$W/exit.err")
check "target killed mid-write: the core is whole ($size of $want bytes)" \
	[ "$size" = "$want" ]
check "target killed mid-write: it is an ELF file" \
	sh -c "head -c4 $W/exit.head | grep -q ELF"
wait 2>/dev/null

# --- already traced ---------------------------------------------------------------
section traced
start_target "$W/traced" || exit 1
vmxfer-gcore-target --trace "$TP" >"$W/tracer" 2>&1 &
TR=$!
i=0
while ! grep -q tracing "$W/tracer" 2>/dev/null; do i=$((i + 1)); [ $i -lt 300 ] || break; sleep 0.1; done
vmxfer-ctl gcore --pid "$TP" -o "$W/traced.core" 2>"$W/traced.err"
rc=$?
cat "$W/traced.err"
check "already traced: gcore exits 1" [ $rc = 1 ]
check "already traced: the error names the tracer" \
	grep -q "already traced by pid $TR" "$W/traced.err"
check "already traced: no core file left" [ ! -e "$W/traced.core" ]
kill -9 "$TR"
wait "$TR" 2>/dev/null
check "already traced: the target runs on" running "$TP" "$W/traced"
stop_target "$TP"

# --- no permission ------------------------------------------------------------------
section permission
chmod 666 /dev/vmxfer
start_target "$W/perm" || exit 1
su -s /bin/sh vmxfer-test -c "vmxfer-ctl gcore --pid $TP -o /tmp/perm.core" 2>"$W/perm.err"
rc=$?
cat "$W/perm.err"
check "root's process, dumped by a user: gcore exits 1" [ $rc = 1 ]
check "root's process, dumped by a user: the error says whose it is" \
	grep -q "belongs to uid 0" "$W/perm.err"
check "root's process, dumped by a user: the target runs on" running "$TP" "$W/perm"
stop_target "$TP"
if [ -e /proc/sys/kernel/yama/ptrace_scope ]; then
	scope=$(cat /proc/sys/kernel/yama/ptrace_scope)
	start_target "$W/yama" vmxfer-test || exit 1
	for s in 1 2; do
		echo "$s" >/proc/sys/kernel/yama/ptrace_scope
		su -s /bin/sh vmxfer-test -c "vmxfer-ctl gcore --pid $TP -o /tmp/yama.core" \
			2>"$W/yama.err"
		rc=$?
		cat "$W/yama.err"
		check "Yama ptrace_scope $s: gcore exits 1" [ $rc = 1 ]
		check "Yama ptrace_scope $s: the error says so" \
			grep -q "yama.ptrace_scope is $s" "$W/yama.err"
		check "Yama ptrace_scope $s: the target runs on" running "$TP" "$W/yama"
	done
	echo "$scope" >/proc/sys/kernel/yama/ptrace_scope
	stop_target "$TP"
else
	echo "ok - # SKIP Yama: no /proc/sys/kernel/yama in this kernel"
fi
chmod 600 /dev/vmxfer

# --- disk full ------------------------------------------------------------------------
section disk full
start_target "$W/full" || exit 1
mkdir -p "$W/small"
mount -t tmpfs -o size=512k tmpfs "$W/small"
vmxfer-ctl gcore --pid "$TP" -o "$W/small/core" 2>"$W/full.err"
rc=$?
cat "$W/full.err"
check "disk full: gcore exits 1" [ $rc = 1 ]
check "disk full: the error says so" grep -q "No space left on device" "$W/full.err"
check "disk full: the partial core is removed" [ ! -e "$W/small/core" ]
check "disk full: the target runs on" running "$TP" "$W/full"
umount "$W/small"
stop_target "$TP"

section end
echo "guest: $npass passed, $nfail failed"
[ $nfail = 0 ]
