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
	# call-depth thunks (__x86_indirect_*), and "notrack" jumps.
	bad=$(objdump -dr --no-show-raw-insn "$ko" |
		grep -E '(call|jmp)[a-z]*[[:space:]]+\*|__x86_indirect_|notrack' || true)
	if [ -n "$bad" ]; then
		echo "ibt-check: FAIL $ko has indirect branches:"
		printf '%s\n' "$bad" | sed 's/^/    /'
		rc=1
	else
		n=$(objdump -dr "$ko" | grep -c '__SCT__vmxfer_' || true)
		echo "ibt-check: ok $ko (no indirect branches; $n static-call references)"
	fi
done
exit $rc
