#!/usr/bin/env bash
# lint.sh — kernel-side static checks.  Prints "lint: N passed, N failed".
#  - checkpatch.pl --strict (from Debian's linux-source package) on module/
#    and include/: nothing reported.  LINUX_VERSION_CODE is ignored: an
#    out-of-tree module must test versions (all of them live in compat.h).
#  - sparse (make C=2) against each kernel line's headers: the build
#    succeeds and nothing is reported in vmxfer's own files, whatever form
#    the path takes (absolute before 6.13, relative from 6.13 on).  Lines
#    built in a chroot (QUIRKS CHROOT=) run the chroot's own sparse.
#    Then, per line, the check itself: a scratch copy with planted faults
#    must be reported (VMXFER_LINT_SELFTEST=0 skips this extra build).
#  - ibt-check.sh on each line's vmxfer.ko: no indirect branches; and it
#    must fail on an indirect call, a missing file and a garbage file.
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
	tarball=$(printf '%s\n' /usr/src/linux-source-*.tar.xz | sort -V | tail -n 1)
	[ -e "$tarball" ] || { echo "lint: no /usr/src/linux-source-*.tar.xz (make deps)" >&2; return 1; }
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
mapfile -t files < <(cd "$top" && printf '%s\n' module/*.c module/*.h include/uapi/linux/*.h | grep -v '\.mod\.c$')
if out=$(cd "$top" && perl "$cp" --strict --no-tree --terse --show-types \
		--ignore LINUX_VERSION_CODE -f "${files[@]}" 2>&1 | grep -v '^total: 0 errors, 0 warnings, 0 checks'); [ -z "$out" ]; then
	ok "checkpatch --strict (${#files[@]} files)"
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
# ... and a module it cannot read: missing, or not an object file.
head -c 4096 /dev/urandom >"$tmp/garbage.ko"
for f in "$tmp/missing.ko" "$tmp/garbage.ko"; do
	if "$top/tests/ibt-check.sh" "$f" >"$tmp/ibt" 2>&1; then
		bad "ibt-check passes $(basename "$f"): $(cat "$tmp/ibt")"
	else
		ok "ibt-check fails on $(basename "$f") ($(grep -o 'objdump failed' "$tmp/ibt" || echo "?"))"
	fi
done

# sparse_build LINE ROOT LOG: the sparse build (make C=2) of ROOT/module
# (with ROOT/include beside it) against LINE's headers, as the module build
# does: with the line's quirks, in its chroot if any.  Output in LOG; the
# status is make's (or 1 if this sparse cannot read the headers).
# Debian's 7.x headers lack scripts/checker-valid.sh, so kbuild cannot vet
# sparse and turns C=2 off: then vet it here the same way (sparse must know
# __typeof_unqual__, which 7.x headers use) and force it on.
sparse_build() {
	local line=$1 root=$2 log=$3 check=(C=2) common KDIR KROOT
	eval "$("$top/tests/vm/kernel" "$line")"
	common=$(sed -n 's/^include \(.*\)\/Makefile$/\1/p' "$KDIR/Makefile")
	if [ -n "$common" ] && grep -q 'scripts/checker-valid.sh' "$common/Makefile" &&
		[ ! -e "$common/scripts/checker-valid.sh" ]; then
		check=(KBUILD_CHECKSRC=2)
	fi
	printf 'static inline int u(const int *q)\n{\n\t__typeof_unqual__(*q) v = *q;\n\treturn v;\n}\n' >"$root/sp-probe.c"
	(
		# shellcheck source=SCRIPTDIR/vm/lib.sh
		. "$top/tests/vm/lib.sh"
		vm_line "$line"
		if [ "${check[0]}" != C=2 ]; then
			vm_kenv "$KROOT" "$root" sparse -m64 "$root/sp-probe.c" >"$root/sp-probe.log" 2>&1 || true
			if grep -q error "$root/sp-probe.log"; then
				echo "sparse too old for these headers:"; cat "$root/sp-probe.log"; exit 1
			fi
		fi
		vm_kmake "$KROOT" "$root" -C "$KDIR" M="$root/module" "${check[@]}" CHECK=sparse modules
	) >"$log" 2>&1
}

# sparse_verdict LOG STATUS ROOT KDIR: prints every problem of a sparse build,
# one per line, and fails if there is any: the build failed (STATUS), sparse
# never ran, or a warning/error (sparse's or the compiler's) or a modpost
# WARNING/ERROR lies in ROOT's files.  A diagnostic's path may be absolute,
# or relative to the directory make was in (the headers dir before 6.13,
# the module dir from 6.13 on: 7.2 prints "remap.c:236:5: warning: ..."),
# with or without "./" and "../": each is resolved against the directories
# make entered, ROOT/module and KDIR.  One that resolves into ROOT, or to
# no existing file at all, is vmxfer's; only one that resolves to an
# existing file elsewhere (a kernel header) is ignored.  Paths are printed
# relative to ROOT (module/remap.c:236:5: ...).
sparse_verdict() {
	local log=$1 status=$2 root=$3 kdir=$4 n=0 l path rest cand dirs d r mine
	root=$(realpath -m "$root")
	[ "$status" -eq 0 ] || { echo "the sparse build failed (exit $status)"; n=$((n + 1)); }
	grep -q '^ *CHECK ' "$log" || { echo "sparse did not run (no CHECK line)"; n=$((n + 1)); }
	mapfile -t dirs < <(sed -n "s/^make\(\[[0-9]*\]\)\{0,1\}: Entering directory '\(.*\)'\$/\2/p" "$log" | awk '!seen[$0]++')
	dirs+=("$root/module" "$kdir")
	while IFS= read -r l; do
		case $l in
		WARNING:* | ERROR:*) echo "$l"; n=$((n + 1)); continue ;;
		esac
		path=${l%%:*} rest=${l#*:}
		mine=""
		if [[ $path == /* ]]; then
			r=$(realpath -m "$path")
			[[ $r == "$root"/* || ! -e $r ]] && mine=$r
		else
			cand=0
			for d in "${dirs[@]}"; do
				r=$(realpath -m "$d/$path")
				[ -e "$r" ] || continue
				cand=1
				if [[ $r == "$root"/* ]]; then mine=$r; break; fi
			done
			[ "$cand" -eq 1 ] || mine=$path
		fi
		[ -n "$mine" ] || continue
		echo "${mine#"$root"/}:$rest"
		n=$((n + 1))
	done < <(grep -E '^([^ :]+:[0-9]+:([0-9]+:)? (warning|error|fatal error):|(WARNING|ERROR): modpost: )' "$log")
	[ "$n" -eq 0 ]
}

for line in "${lines[@]}"; do
	eval "$("$top/tests/vm/kernel" "$line")"
	ko=$("$top/tests/vm/build-module" "$line")
	if "$top/tests/ibt-check.sh" "$ko" >"$tmp/ibt" 2>&1; then ok "$line: $(cat "$tmp/ibt")"; else bad "$line:"; sed 's/^/    /' "$tmp/ibt"; fi
	# sparse, in a scratch copy so the checked-in tree stays clean.
	rm -rf "$tmp/sp"; mkdir -p "$tmp/sp"
	cp -r "$top/module" "$top/include" "$tmp/sp/"
	st=0; sparse_build "$line" "$tmp/sp" "$tmp/sparse.log" || st=$?
	if sparse_verdict "$tmp/sparse.log" "$st" "$tmp/sp" "$KDIR" >"$tmp/verdict"; then
		ok "$line: sparse (make C=2) clean in vmxfer's files"
	else
		bad "$line: sparse:"; sed 's/^/    /' "$tmp/verdict"
		grep -q 'CHECK' "$tmp/sparse.log" || tail -20 "$tmp/sparse.log" | sed 's/^/    /'
	fi
	[ "${VMXFER_LINT_SELFTEST:-1}" = 1 ] || continue
	# The check itself, on this line's build: a scratch copy with planted
	# faults -- an undeclared global in remap.c, a plain 0 as NULL pointer
	# in the uapi header (in an inline function remap.c calls: sparse looks
	# into inline functions only when used), and a reference to an undefined symbol that
	# fails the build in modpost, after sparse ran over every file -- must
	# be reported with the planted files and lines, and as a failed build.
	rm -rf "$tmp/pl"; mkdir -p "$tmp/pl"
	cp -r "$top/module" "$top/include" "$tmp/pl/"
	hdr=include/uapi/linux/vmxfer.h
	cl=$(($(wc -l <"$tmp/pl/module/remap.c") + 2))
	printf '\nextern int vmxfer_lint_undefined;\nint *vmxfer_lint_planted = &vmxfer_lint_undefined;\n%s\n' \
		'static __maybe_unused void *vmxfer_lint_use(void) { return vmxfer_lint_planted_null(); }' \
		>>"$tmp/pl/module/remap.c"
	# Before the header's closing #endif (its last line).
	hl=$(wc -l <"$tmp/pl/$hdr")
	sed -i "${hl}i static inline void *vmxfer_lint_planted_null(void) { return 0; }" "$tmp/pl/$hdr"
	st=0; sparse_build "$line" "$tmp/pl" "$tmp/planted.log" || st=$?
	sparse_verdict "$tmp/planted.log" "$st" "$tmp/pl" "$KDIR" >"$tmp/verdict" || true
	miss=()
	grep -q "^module/remap.c:$((cl + 1)):[0-9]*: warning: symbol 'vmxfer_lint_planted'" "$tmp/verdict" || miss+=("module/remap.c:$((cl + 1))")
	grep -q "^$hdr:$hl:[0-9]*: warning: Using plain integer as NULL pointer" "$tmp/verdict" || miss+=("$hdr:$hl")
	grep -q '^the sparse build failed' "$tmp/verdict" || miss+=("the failed build")
	if [ ${#miss[@]} -eq 0 ]; then
		ok "$line: sparse check catches planted faults:"
		sed 's/^/    /' "$tmp/verdict"
	else
		bad "$line: sparse check missed planted: ${miss[*]}"
		sed 's/^/    verdict: /' "$tmp/verdict"
		grep -E 'warning|error|ERROR' "$tmp/planted.log" | head -20 | sed 's/^/    log: /'
	fi
done
echo "lint: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
