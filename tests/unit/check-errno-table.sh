#!/bin/sh
# tests/unit/check-errno-table.sh [HEADER [TABLE [TESTDIR]]]
#
# Every errno the uapi header documents for an ioctl has a row in
# tests/errno-table.txt, every row is documented, and every test a row
# names is a registered cmocka test of tests/kernel/FILE.c.
#
# What an ioctl documents: every errno name (from the system's
# asm-generic/errno*.h) in its comment block (" * VMXFER_IOC_X - " up to
# the closing " */"), plus the general rules at the top of the header,
# applied as they say: the struct and pointer rules to every ioctl, EOPNOTSUPP
# to the operations, the pidfd errnos to the remote ones, ENOTTY to no
# ioctl in particular (IOCTL "ANY").  A block that says "Reserved;" (an
# operation not implemented yet) is not checked.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
hdr=${1:-$top/include/uapi/linux/vmxfer.h}
table=${2:-$top/tests/errno-table.txt}
tdir=${3:-$top/tests/kernel}
echo "=== check-errno-table ($table)"

errnos=$(cat /usr/include/asm-generic/errno-base.h /usr/include/asm-generic/errno.h 2>/dev/null |
	 sed -n 's/^#define[[:space:]]\{1,\}\(E[A-Z0-9]*\)[[:space:]].*/\1/p' | sort -u | tr '\n' ' ')
case " $errnos " in
*" EINVAL "*" ENOENT "*) ;;
*) echo "not ok: no errno names in /usr/include/asm-generic/errno*.h"; exit 1 ;;
esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# "IOCTL ERRNO" for everything the header documents.
awk -v names="$errnos" '
BEGIN { n = split(names, a, " "); for (i = 1; i <= n; i++) known[a[i]] = 1 }
/General rules/ { cur = "GENERAL" }
/^ \* VMXFER_IOC_[A-Z]+ - / { cur = $2; sub(/^VMXFER_IOC_/, "", cur); reserved[cur] = 0 }
cur != "" && /Reserved;/ { reserved[cur] = 1 }
cur != "" {
	line = $0
	while (match(line, /E[A-Z0-9]+/)) {
		tok = substr(line, RSTART, RLENGTH)
		pre = RSTART > 1 ? substr(line, RSTART - 1, 1) : " "
		post = substr(line, RSTART + RLENGTH, 1)
		if (known[tok] && pre !~ /[A-Za-z0-9_]/ && post !~ /[A-Za-z0-9_]/)
			seen[cur " " tok] = 1
		line = substr(line, RSTART + RLENGTH)
	}
}
/^ \*\// { if (cur != "") blocks[cur] = 1; cur = "" }
END {
	# The general rules, as they apply (see the header).
	split("INFO SYMBOL CLONE REMAP SPLICE MOVE MERGE", all, " ")
	rule["EINVAL"] = "ALL"; rule["E2BIG"] = "ALL"; rule["EFAULT"] = "ALL"
	rule["EOPNOTSUPP"] = "CLONE REMAP SPLICE MOVE MERGE"
	rule["EPERM"] = "CLONE SPLICE"; rule["ESRCH"] = "CLONE SPLICE"
	rule["EBADF"] = "CLONE SPLICE"; rule["ENOTTY"] = "ANY"
	for (k in seen) {
		split(k, p, " ")
		if (p[1] != "GENERAL")
			continue
		if (!(p[2] in rule)) {
			print "UNRULED " p[2]
			continue
		}
		if (rule[p[2]] == "ALL")
			for (i = 1; i <= 7; i++) seen[all[i] " " p[2]] = 1
		else {
			m = split(rule[p[2]], r, " ")
			for (i = 1; i <= m; i++) seen[r[i] " " p[2]] = 1
		}
	}
	for (k in seen) {
		split(k, p, " ")
		if (p[1] != "GENERAL" && !reserved[p[1]] && (p[1] == "ANY" || (p[1] in blocks)))
			print "DOC " k
	}
}' "$hdr" > "$tmp/doc"

fail=0
if grep -q '^UNRULED ' "$tmp/doc"; then
	sed -n 's/^UNRULED //p' "$tmp/doc" | while read -r e; do
		echo "not ok: the general rules document $e: say in check-errno-table.sh which ioctls it applies to"
	done
	fail=1
fi
sed -n 's/^DOC //p' "$tmp/doc" | sort -u > "$tmp/want"
[ -s "$tmp/want" ] || { echo "not ok: found no documented errno in $hdr"; exit 1; }

# The table: check each row, collect "IOCTL ERRNO".
: > "$tmp/have"
nrows=0 ntests=0
while IFS= read -r line; do
	case $line in ''|'#'*) continue ;; esac
	row=${line%%#*}
	note=
	case $line in *'#'*) note=${line#*#} ;; esac
	# shellcheck disable=SC2086 # split the row into its columns
	set -- $row
	if [ $# -ne 4 ]; then
		echo "not ok: row '$line': want IOCTL ERRNO HOW TESTS"; fail=1; continue
	fi
	ioctl=$1 err=$2 how=$3 tests=$4
	nrows=$((nrows + 1))
	if grep -qx "$ioctl $err" "$tmp/have"; then
		echo "not ok: $ioctl $err: two rows"; fail=1
	fi
	echo "$ioctl $err" >> "$tmp/have"
	case $how in
	forced|killed) ;;
	race) [ -n "${note# }" ] || { echo "not ok: $ioctl $err: race needs a note saying why"; fail=1; } ;;
	none)
		[ "$tests" = - ] || { echo "not ok: $ioctl $err: none with tests '$tests'"; fail=1; }
		[ -n "${note# }" ] || { echo "not ok: $ioctl $err: none needs a note saying why"; fail=1; }
		continue ;;
	*) echo "not ok: $ioctl $err: HOW '$how' (forced, race, killed, none)"; fail=1; continue ;;
	esac
	for ref in $(echo "$tests" | tr ',' ' '); do
		file=${ref%%:*} fn=${ref#*:}
		ntests=$((ntests + 1))
		if [ "$file" = "$ref" ] || [ ! -f "$tdir/$file" ]; then
			echo "not ok: $ioctl $err: '$ref': no file $tdir/$file"; fail=1; continue
		fi
		if ! grep -q "^static void $fn(void \*\*state)" "$tdir/$file" ||
		   ! grep -q "cmocka_unit_test($fn)" "$tdir/$file"; then
			echo "not ok: $ioctl $err: $fn is not a registered test of $file"; fail=1
		fi
	done
done < "$table"
sort -u "$tmp/have" -o "$tmp/have"
[ -z "${VERBOSE:-}" ] || tr "\n" " " < "$tmp/want"

for k in $(comm -23 "$tmp/want" "$tmp/have" | tr ' ' ':'); do
	echo "not ok: ${k%%:*} documents ${k#*:} ($(basename "$hdr")): no row in $(basename "$table")"
	fail=1
done
for k in $(comm -13 "$tmp/want" "$tmp/have" | tr ' ' ':'); do
	echo "not ok: row ${k%%:*} ${k#*:}: not documented for that ioctl"
	fail=1
done
[ "$fail" -eq 0 ] || exit 1
echo "ok: $(wc -l < "$tmp/want") documented errnos, $nrows rows, $ntests test references"
