#!/usr/bin/env bash
# check.sh — everything vmxfer tests, as `make check` runs it:
#   build (userspace, -Werror), host unit tests (cmocka), lint (checkpatch,
#   sparse, IBT check), the DKMS build of each line (bookworm's through the
#   Debian packages, tests/deb-check.sh), and the guest suite on
#   each kernel line under QEMU, after a self-test of the QEMU runner's
#   kernel-log check, and vmxfer-ctl gcore's cores read by the host's gdb.  Ends with one "N passed, N failed, N skipped" line
#   (skips: cmocka "# SKIP" results of the unit and guest stages).
# Arguments: kernel lines (default: every line in tests/vm/lines).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
lines=("$@")
[ ${#lines[@]} -gt 0 ] || mapfile -t lines < <(awk '!/^#/ && NF { print $1 }' tests/vm/lines)

pass=0 fail=0 skip=0 stages=()
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

# Add the counts of the last "N passed, N failed[, N skipped]" line of $1
# (a log file); a stage that printed none, or exited non-zero with no
# failure counted, is one failure.
tally() {
	local file=$1 rc=$2 name=$3 p f s
	read -r p f s < <(grep -E '[0-9]+ passed, [0-9]+ failed' "$file" | tail -n 1 |
		sed -E 's/^(.*[^0-9])?([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?.*/\2 \3 \5/')
	if [ -z "${p:-}" ]; then p=0; f=1; fi
	s=${s:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	echo "check: $name: $p passed, $f failed, $s skipped"
	stages+=("$name: $p passed, $f failed, $s skipped")
	pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
}

stage() {
	local name=$1; shift
	echo "=== $name"
	"$@" 2>&1 | tee "$log/$name"
	tally "$log/$name" "${PIPESTATUS[0]}" "$name"
}

build() {
	if make -s userspace; then echo "build: 1 passed, 0 failed"; else echo "build: 0 passed, 1 failed"; return 1; fi
}

unit() {
	make -s unit-build || { echo "unit: 0 passed, 1 failed"; return 1; }
	local p=0 f=0 s=0 t out rc
	for t in build/tests/unit/test_*; do
		[ -x "$t" ] || continue
		out=$(CMOCKA_MESSAGE_OUTPUT=TAP "$t" 2>&1); rc=$?
		printf '%s\n' "$out"
		p=$((p + $(printf '%s\n' "$out" | grep -c '^ok ')))
		# "not ok N # SKIP" is a skip (cmocka's TAP), as in run-all.sh
		s=$((s + $(printf '%s\n' "$out" | grep -cE '^not ok [0-9]+ # SKIP')))
		f=$((f + $(printf '%s\n' "$out" | grep -E '^not ok ' | grep -cvE '^not ok [0-9]+ # SKIP')))
		if [ $rc -ne 0 ] && ! printf '%s\n' "$out" | grep -qE '^not ok [0-9]+ [^#]'; then
			echo "unit: $t exited $rc without a failed test"; f=$((f + 1))
		fi
	done
	for t in "tests/unit/check-exports.sh build/lib/libvmxfer.so.1" \
		 tests/unit/check-install.sh tests/unit/check-errno-table.sh; do
		# shellcheck disable=SC2086 # a script and its argument
		if sh $t; then p=$((p + 1)); else f=$((f + 1)); fi
	done
	[ "$s" -eq 0 ] || echo "unit: $s skipped (each says why above)"
	echo "unit: $p passed, $f failed, $s skipped"
	[ "$f" -eq 0 ]
}

stage build build
stage unit unit
stage lint tests/lint.sh "${lines[@]}"
# The bookworm lines' DKMS builds are the Debian packages' (deb-check: apt
# install in a fresh chroot, a guest with DKMS's module, upgrade, purge);
# the other lines are built with dkms from the tree (dkms-check).
deb_lines=() dkms_lines=()
for l in "${lines[@]}"; do
	if awk -v l="$l" '$1 == l && $2 ~ /^bookworm/ { f = 1 } END { exit !f }' tests/vm/lines; then
		deb_lines+=("$l")
	else
		dkms_lines+=("$l")
	fi
done
[ ${#dkms_lines[@]} -eq 0 ] || stage dkms tests/dkms-check.sh "${dkms_lines[@]}"
[ ${#deb_lines[@]} -eq 0 ] || stage deb tests/deb-check.sh "${deb_lines[@]}"
stage runner tests/vm/selftest --quick "${lines[@]}"
stage guest tests/vm/suite "${lines[@]}"
stage gcore tests/gcore/check.sh "${lines[@]}"

echo "=== summary"
printf '%s\n' "${stages[@]}"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
