#!/usr/bin/env bash
# ibt-check.sh MODULE.ko... — fail if a vmxfer module contains any indirect
# call or jump.  vmxfer calls unexported kernel functions whose ENDBR is
# sealed on IBT kernels; only direct branches (static calls) are safe, and
# the module keeps to direct branches everywhere so this check can be total.
# QEMU does not emulate IBT: this static check stands in for it.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 MODULE.ko..." >&2; exit 2; }
rc=0
for ko in "$@"; do
	# Indirect forms: "call *%rax", "jmp *0x8(%rax)", retpoline and
	# call-depth thunks (__x86_indirect_*), and "notrack" jumps.  One kind
	# is allowed: paravirt call sites, "call *pv_ops+N(%rip)" (their
	# relocation names pv_ops).  The kernel patches them at module load
	# into direct calls or inline native code, and their targets are
	# address-taken pv_ops functions, which keep their ENDBR anyway.
	bad=$(objdump -dr --no-show-raw-insn "$ko" | awk '
		function flush() { if (pend != "") print pend; pend = "" }
		/(call|jmp)[a-z]*[ \t]+\*|__x86_indirect_|notrack/ {
			flush(); pend = $0; next
		}
		pend != "" && /R_X86_64_[A-Z0-9_]+[ \t]+pv_ops/ { pend = ""; npv++; next }
		{ flush() }
		END { flush(); printf "PVOPS %d\n", npv > "/dev/stderr" }' 2>"$ko.pvops.$$" || true)
	npv=$(sed -n 's/^PVOPS //p' "$ko.pvops.$$"); rm -f "$ko.pvops.$$"
	if [ -n "$bad" ]; then
		echo "ibt-check: FAIL $ko has indirect branches:"
		printf '%s\n' "$bad" | sed 's/^/    /'
		rc=1
	else
		n=$(objdump -dr "$ko" | grep -c '__SCT__vmxfer_' || true)
		echo "ibt-check: ok $ko (no indirect branches but ${npv:-0} paravirt sites; $n static-call references)"
	fi
done
exit $rc
