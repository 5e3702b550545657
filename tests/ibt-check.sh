#!/usr/bin/env bash
# ibt-check.sh MODULE.ko... — fail if a vmxfer module contains any indirect
# call or jump.  vmxfer calls unexported kernel functions whose ENDBR is
# sealed on IBT kernels; only direct branches (static calls) are safe, and
# the module keeps to direct branches everywhere so this check can be total.
# QEMU does not emulate IBT: this static check stands in for it.
# A module that cannot be disassembled (missing, not an object, objdump
# failing, no code at all) fails: the check never reports "ok" for what it
# did not see.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 MODULE.ko..." >&2; exit 2; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
rc=0
for ko in "$@"; do
	if ! objdump -dr --no-show-raw-insn "$ko" >"$tmp/dis" 2>"$tmp/err"; then
		echo "ibt-check: FAIL $ko: objdump failed:"
		sed 's/^/    /' "$tmp/err"
		rc=1
		continue
	fi
	# Function labels ("0000000000000000 <name>:"): none means nothing
	# was disassembled, which proves nothing.
	nfn=$(grep -cE '^[0-9a-f]+ <[^>]+>:$' "$tmp/dis" || true)
	if [ "$nfn" -eq 0 ]; then
		echo "ibt-check: FAIL $ko: objdump disassembled no code"
		rc=1
		continue
	fi
	# Indirect forms: "call *%rax", "jmp *0x8(%rax)", retpoline and
	# call-depth thunks (__x86_indirect_*), and "notrack" jumps.  One kind
	# is allowed: paravirt call sites, "call *pv_ops+N(%rip)" (their
	# relocation names pv_ops).  The kernel patches them at module load
	# into direct calls or inline native code, and their targets are
	# address-taken pv_ops functions, which keep their ENDBR anyway.
	awk '
		function flush() { if (pend != "") print pend; pend = "" }
		/(call|jmp)[a-z]*[ \t]+\*|__x86_indirect_|notrack/ {
			flush(); pend = $0; next
		}
		pend != "" && /R_X86_64_[A-Z0-9_]+[ \t]+pv_ops/ { pend = ""; npv++; next }
		{ flush() }
		END { flush(); printf "%d\n", npv > "/dev/stderr" }' "$tmp/dis" >"$tmp/bad" 2>"$tmp/npv"
	npv=$(cat "$tmp/npv")
	if [ -s "$tmp/bad" ]; then
		echo "ibt-check: FAIL $ko has indirect branches:"
		sed 's/^/    /' "$tmp/bad"
		rc=1
	else
		n=$(grep -c '__SCT__vmxfer_' "$tmp/dis" || true)
		echo "ibt-check: ok $ko ($nfn functions, no indirect branches but $npv paravirt sites; $n static-call references)"
	fi
done
exit $rc
