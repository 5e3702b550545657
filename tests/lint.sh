#!/usr/bin/env bash
# lint.sh — kernel-side static checks.  Prints "lint: N passed, N failed".
#  - checkpatch.pl --strict (from Debian's linux-source package) on module/
#    and include/: nothing reported.  LINUX_VERSION_CODE is ignored: an
#    out-of-tree module must test versions (all of them live in compat.h).
#  - sparse (make C=2) against each kernel line's headers: nothing reported
#    in vmxfer's own files.  Lines built in a chroot (QUIRKS CHROOT=) run
#    the chroot's own sparse.
#  - ibt-check.sh on each line's vmxfer.ko: no indirect branches.
#  - version: module/version.h, dkms.conf and the Makefile agree.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cache=${VMXFER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmxfer}
pass=0 fail=0
ok() { echo "lint: ok   $*"; pass=$((pass + 1)); }
bad() { echo "lint: FAIL $*"; fail=$((fail + 1)); }

lines=("$@")
[ ${#lines[@]} -gt 0 ] || mapfile -t lines < <(awk '!/^#/ && NF { print $1 }' "$top/tests/vm/lines")

# checkpatch from the newest linux-source tarball installed.
checkpatch() {
	local tarball dir
	tarball=$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n 1)
	[ -n "$tarball" ] || { echo "lint: no /usr/src/linux-source-*.tar.xz (make deps)" >&2; return 1; }
	dir=$cache/checkpatch/$(basename "$tarball" .tar.xz)
	if [ ! -x "$dir/scripts/checkpatch.pl" ]; then
		mkdir -p "$dir"
		tar -xJf "$tarball" -C "$dir" --strip-components=1 --wildcards \
			'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
			'*/scripts/const_structs.checkpatch'
	fi
	echo "$dir/scripts/checkpatch.pl"
}

cp=$(checkpatch)
files=$(cd "$top" && ls module/*.c module/*.h include/uapi/linux/*.h | grep -v '\.mod\.c$')
if out=$(cd "$top" && perl "$cp" --strict --no-tree --terse --show-types \
		--ignore LINUX_VERSION_CODE -f $files 2>&1 | grep -v '^total: 0 errors, 0 warnings, 0 checks'); [ -z "$out" ]; then
	ok "checkpatch --strict ($(echo $files | wc -w) files)"
else
	bad "checkpatch --strict:"; printf '%s\n' "$out" | sed 's/^/    /'
fi

# Version agreement.
v_h=$(sed -n 's/.*VMXFER_MODULE_VERSION "\(.*\)"/\1/p' "$top/module/version.h")
v_d=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
v_m=$(make -s -C "$top" --no-print-directory print-version)
if [ "$v_h" = "$v_d" ] && [ "$v_h" = "$v_m" ]; then ok "version $v_h"; else bad "version: version.h=$v_h dkms.conf=$v_d Makefile=$v_m"; fi

# The IBT check must be able to fail: an object with an indirect call.
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
printf 'void f(void (*p)(void));\nvoid f(void (*p)(void)) { p(); p(); }\n' > "$tmp/ind.c"
gcc -O2 -c -o "$tmp/ind.o" "$tmp/ind.c"
if "$top/tests/ibt-check.sh" "$tmp/ind.o" >/dev/null; then bad "ibt-check does not catch an indirect call"; else ok "ibt-check catches an indirect call"; fi

for line in "${lines[@]}"; do
	eval "$("$top/tests/vm/kernel" "$line")"
	ko=$("$top/tests/vm/build-module" "$line")
	if "$top/tests/ibt-check.sh" "$ko" >"$tmp/ibt" 2>&1; then ok "$line: $(cat "$tmp/ibt")"; else bad "$line:"; sed 's/^/    /' "$tmp/ibt"; fi
	# sparse, in a scratch copy so the checked-in tree stays clean.
	rm -rf "$tmp/sp"; mkdir -p "$tmp/sp"
	cp -r "$top/module" "$top/include" "$tmp/sp/"
	# As the module build does: with the line's quirks, in its chroot if any.
	# Debian's 7.x headers lack scripts/checker-valid.sh, so kbuild cannot
	# vet sparse and turns C=2 off: then vet it here the same way (sparse
	# must know __typeof_unqual__, which 7.x headers use) and force it on.
	check=(C=2)
	printf 'static inline int u(const int *q)\n{\n\t__typeof_unqual__(*q) v = *q;\n\treturn v;\n}\n' >"$tmp/sp-probe.c"
	common=$(sed -n 's/^include \(.*\)\/Makefile$/\1/p' "$KDIR/Makefile")
	if [ -n "$common" ] && grep -q 'scripts/checker-valid.sh' "$common/Makefile" &&
		[ ! -e "$common/scripts/checker-valid.sh" ]; then
		check=(KBUILD_CHECKSRC=2)
	fi
	(
		# shellcheck source=SCRIPTDIR/vm/lib.sh
		. "$top/tests/vm/lib.sh"
		vm_line "$line"
		if [ "${check[0]}" != C=2 ]; then
			vm_kenv "$KROOT" "$tmp" sparse -m64 "$tmp/sp-probe.c" >"$tmp/sp-probe.log" 2>&1 || true
			! grep -q error "$tmp/sp-probe.log" || { echo "sparse too old for these headers:"; cat "$tmp/sp-probe.log"; exit 0; }
		fi
		vm_kmake "$KROOT" "$tmp" -C "$KDIR" M="$tmp/sp/module" "${check[@]}" CHECK=sparse modules
	) >"$tmp/sparse.log" 2>&1 || true
	out=$(grep -E "^$tmp/sp/(module|include)/[^:]+:[0-9]+:[0-9]+: (warning|error)" "$tmp/sparse.log" | sed "s|$tmp/sp/||" || true)
	if ! grep -q 'CHECK' "$tmp/sparse.log"; then
		bad "$line: sparse did not run"; tail -20 "$tmp/sparse.log" | sed 's/^/    /'
	elif [ -n "$out" ]; then
		bad "$line: sparse:"; printf '%s\n' "$out" | sed 's/^/    /'
	else
		ok "$line: sparse (make C=2) clean in vmxfer's files"
	fi
done
echo "lint: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
