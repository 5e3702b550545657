# shellcheck shell=bash
# Shared helpers for tests/vm/* (sourced, not executed).

VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck disable=SC2034 # used by the sourcing scripts
VM_ROOT=$(cd "$VM_DIR/../.." && pwd)
VM_CACHE=${VMXFER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmxfer}
VM_LINES=${VMXFER_LINES:-$VM_DIR/lines}
VM_PROG=$(basename "$0")

vm_log() { printf '%s: %s\n' "$VM_PROG" "$*" >&2; }
vm_die() { printf '%s: error: %s\n' "$VM_PROG" "$*" >&2; exit "${VM_DIE_CODE:-1}"; }
# A command that ends a script through set -e says where (a silent exit once
# hid why the sid chroot was never made).
trap 'vm_log "error: line $LINENO: a command failed (exit $?)"' ERR

# Kernel log lines that mean the kernel went wrong: tests/vm/run fails a
# run on any (vm_klog_problems), and tests/vm/selftest plants a line for
# every pattern in a guest's log and checks run reports each.
# shellcheck disable=SC2034 # used by the sourcing scripts
VM_KLOG_PATTERNS=(
	'\bOops\b'
	': [0-9a-f]{4} \[#[0-9]+\]'          # die(): 5.10/6.1 print "invalid opcode: 0000 [#1] SMP" without "Oops"
	'\bBUG\b'                            # BUG: ..., kernel BUG at, BUG: KASAN:, BUG: soft lockup
	'\bWARNING\b'
	'Bad page'
	'refcount_t:'
	'list_(add|del) corruption'
	'general protection fault'
	'Kernel panic'
	'KASAN'
	'UBSAN'
	'soft lockup'
	'hard LOCKUP'
	'hung task|hung_task'
	'blocked for more than [0-9]+ seconds' # the hung-task report's first line
	'detected stall'                      # RCU: "detected stalls on CPUs/tasks", "self-detected stall on CPU"
	'RCU stall'
	'Call Trace:'
)

# vm_klog_problems FILE: print FILE's lines that match VM_KLOG_PATTERNS. Our
# own init lines and the kernel command line (panic=-1, hung_task_...=) are
# exempt. Word-bounded where a word could be part of a harmless one: clean
# boots print "... report a bug" and "This is not a bug." (not matched).
vm_klog_problems() {
	local re
	re=$(IFS='|'; printf '%s' "${VM_KLOG_PATTERNS[*]}")
	grep -vE '^vmxfer-init:|Command line:' "$1" | grep -E "$re" || true
}

# vm_lines: print the enabled LINE names, in table order.
vm_lines() {
	awk '!/^[[:space:]]*(#|$)/ { print $1 }' "$VM_LINES"
}

# vm_line LINE: sets LINE_NAME LINE_SUITES LINE_IMAGE_RE LINE_QUIRKS.
vm_line() {
	local row
	row=$(awk -v l="$1" '!/^[[:space:]]*(#|$)/ && $1 == l { print; exit }' "$VM_LINES")
	[[ -n $row ]] || vm_die "unknown kernel line '$1' (known: $(vm_lines | tr '\n' ' '))"
	# shellcheck disable=SC2034 # used by the sourcing scripts
	read -r LINE_NAME LINE_SUITES LINE_IMAGE_RE LINE_QUIRKS _ <<<"$row"
	[[ -n ${LINE_IMAGE_RE:-} ]] || vm_die "malformed line for '$1' in $VM_LINES"
	LINE_QUIRKS=${LINE_QUIRKS:--}
}

# vm_quirk_args: the line's QUIRKS as make arguments, one per line. CHROOT
# is not one: it names the Debian suite whose chroot builds the line's
# modules (tests/vm/chroot, vm_kmake).
vm_quirk_args() {
	[[ $LINE_QUIRKS == - ]] && return 0
	tr ',' '\n' <<<"$LINE_QUIRKS" | grep -E '^[A-Za-z_][A-Za-z0-9_]*=' | grep -v '^CHROOT=' || true
}

# vm_mirrors: sets DEB_MIRROR and SEC_MIRROR from the system's apt sources
# (read only), falling back to deb.debian.org.
vm_mirrors() {
	local uris u
	# Either file kind may be absent (a fresh debootstrap has only
	# sources.list, a stock install only debian.sources): cat's failure
	# must not end a caller running under set -e -o pipefail.
	uris=$( {
		cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
			awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z+]+:\/\//) { print $i; break } }' || true
		cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
			awk 'tolower($1) == "uris:" { for (i = 2; i <= NF; i++) print $i }' || true
	} | sed 's:/*$::')
	DEB_MIRROR=${VMXFER_DEBIAN_MIRROR:-}
	SEC_MIRROR=${VMXFER_SECURITY_MIRROR:-}
	while read -r u; do
		case $u in
		*/debian-security) [[ -n $SEC_MIRROR ]] || SEC_MIRROR=$u ;;
		*/debian) [[ -n $DEB_MIRROR ]] || DEB_MIRROR=$u ;;
		esac
	done <<<"$uris"
	DEB_MIRROR=${DEB_MIRROR:-http://deb.debian.org/debian}
	SEC_MIRROR=${SEC_MIRROR:-${DEB_MIRROR%/debian}/debian-security}
}

# vm_apt_init LINE: private apt state for the line under $VM_CACHE/apt/LINE.
# Sets APT_DIR and the APT_OPTS array. Never touches the system's sources.
vm_apt_init() {
	APT_DIR=$VM_CACHE/apt/$1
	mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial"
	APT_OPTS=(
		-o "Dir::Etc::sourcelist=$APT_DIR/sources.list"
		-o "Dir::Etc::sourceparts=-"
		-o "Dir::State::Lists=$APT_DIR/lists"
		-o "Dir::Cache=$APT_DIR/cache"
		-o "Dir::Etc::preferencesparts=-"
		-o "APT::Sandbox::User=root"
		-o "Acquire::Languages=none"
		-o "APT::Get::List-Cleanup=true"
		-o "Acquire::Check-Valid-Until=false"
	)
	# Check-Valid-Until: the mirror this project is tested against serves
	# snapshots whose sid and *-security Release files are past their
	# Valid-Until (a fresh machine's apt refused sid: "expired"). The
	# signatures are still checked (signed-by the Debian keyring); only the
	# freshness limit is waived, for a cache of test kernels.
}

# vm_apt_sources: the sources.list text for LINE_SUITES.
vm_apt_sources() {
	local s kr=/usr/share/keyrings/debian-archive-keyring.gpg opt=""
	[[ -r $kr ]] && opt="[signed-by=$kr] "
	vm_mirrors
	for s in ${LINE_SUITES//,/ }; do
		case $s in
		*-security) printf 'deb %s%s %s main\n' "$opt" "$SEC_MIRROR" "$s" ;;
		*) printf 'deb %s%s %s main\n' "$opt" "$DEB_MIRROR" "$s" ;;
		esac
	done
}

# vm_apt_refresh: apt-get update into the private lists when they are older
# than VMXFER_APT_MAX_AGE seconds (default a day), when the sources changed,
# or never with VMXFER_OFFLINE=1. Returns 1 if no lists are usable.
vm_apt_refresh() {
	local want stamp=$APT_DIR/updated age now
	want=$(vm_apt_sources)
	if [[ ! -f $APT_DIR/sources.list ]] || [[ $(cat "$APT_DIR/sources.list") != "$want" ]]; then
		printf '%s\n' "$want" >"$APT_DIR/sources.list"
		rm -f "$stamp"
	fi
	if [[ ${VMXFER_OFFLINE:-0} == 1 ]]; then
		[[ -f $stamp ]] && return 0
		return 1
	fi
	now=$(date +%s)
	if [[ -f $stamp ]]; then
		age=$((now - $(stat -c %Y "$stamp")))
		((age < ${VMXFER_APT_MAX_AGE:-86400})) && return 0
	fi
	vm_log "updating private apt lists for line $LINE_NAME ($LINE_SUITES)"
	if apt-get "${APT_OPTS[@]}" -q update >"$APT_DIR/update.log" 2>&1 &&
		! grep -qE '^(E: |W: Failed to fetch|W: Some index files failed)' "$APT_DIR/update.log"; then
		touch "$stamp"
		return 0
	fi
	if [[ -f $stamp ]]; then
		vm_log "warning: apt-get update failed (see $APT_DIR/update.log); using the lists of $(date -r "$stamp")"
		return 0
	fi
	sed 's/^/  /' "$APT_DIR/update.log" >&2
	return 1
}

# vm_newest_image: prints "PACKAGE VERSION" of the newest image of the line
# available in the line's suites, from the private lists.
vm_newest_image() {
	local names best_p="" best_v="" p v suite
	names=$(apt-cache "${APT_OPTS[@]}" pkgnames linux- | grep -E "$LINE_IMAGE_RE" || true)
	[[ -n $names ]] || return 1
	# madison: "pkg | version | url suite/component arch Packages"
	while IFS='|' read -r p v suite; do
		p=${p//[[:space:]]/}
		v=${v//[[:space:]]/}
		suite=$(awk '{ print $2 }' <<<"$suite")
		suite=${suite%%/*}
		[[ ,$LINE_SUITES, == *,"$suite",* ]] || continue
		if [[ -z $best_v ]] || dpkg --compare-versions "$v" gt "$best_v"; then
			best_p=$p best_v=$v
		fi
	done < <(xargs apt-cache "${APT_OPTS[@]}" madison <<<"$names")
	[[ -n $best_p ]] || return 1
	printf '%s %s\n' "$best_p" "$best_v"
}

# vm_lock NAME: take an exclusive lock held until the shell exits.
vm_lock() {
	mkdir -p "$VM_CACHE/locks"
	exec {VM_LOCK_FD}>"$VM_CACHE/locks/$1.lock"
	if ! flock -n "$VM_LOCK_FD"; then
		vm_log "waiting for lock $1"
		flock "$VM_LOCK_FD"
	fi
}

# vm_in_chroot ROOT [DIR...] -- COMMAND [ARGS...]: run COMMAND chrooted in
# ROOT, in a private mount namespace (unshare -m) holding /proc, /dev and each
# DIR bind-mounted at its own path, so host paths (the kernel cache, a module
# dir) stay valid inside and nothing stays mounted afterwards.
vm_in_chroot() {
	local root=$1 d binds=()
	shift
	while [[ $# -gt 0 && $1 != -- ]]; do binds+=("$1"); shift; done
	[[ ${1:-} == -- ]] || vm_die "vm_in_chroot: no -- before the command"
	shift
	cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
	for d in "${binds[@]}"; do mkdir -p "$root$d"; done
	# shellcheck disable=SC2016 # expanded by the inner shell
	unshare -m -- /bin/sh -euc '
		root=$1; n=$2; shift 2
		mount --make-rprivate /
		mount -t proc proc "$root/proc"
		mount --rbind /dev "$root/dev"
		while [ "$n" -gt 0 ]; do
			mount --bind "$1" "$root$1"; shift; n=$((n - 1))
		done
		exec chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root LC_ALL=C.UTF-8 "$@"
	' sh "$root" "${#binds[@]}" "${binds[@]}" "$@"
}

# vm_quirk LINE's QUIRKS value of NAME (empty when unset).
vm_quirk() {
	[[ $LINE_QUIRKS == - ]] && return 0
	tr ',' '\n' <<<"$LINE_QUIRKS" | sed -n "s/^$1=//p" | head -n1
}

# vm_kenv KROOT DIR COMMAND [ARGS...]: run COMMAND where modules for the
# headers in KROOT (tests/vm/kernel's KROOT) are built, for the line of
# vm_line: on the host, or with QUIRKS CHROOT=SUITE in that suite's chroot,
# which gets the headers' build dependencies (KROOT/.vmxfer-build-deps)
# installed. DIR (e.g. the module sources) is made visible inside it.
vm_kenv() {
	local kroot=$1 dir=$2 suite croot bdeps=()
	shift 2
	suite=$(vm_quirk CHROOT)
	if [[ -z $suite ]]; then
		"$@"
		return
	fi
	if [[ -f $kroot/.vmxfer-build-deps ]]; then mapfile -t bdeps <"$kroot/.vmxfer-build-deps"; fi
	croot=$("$VM_DIR/chroot" "$suite" "${bdeps[@]}") || return 1
	vm_in_chroot "$croot" "$kroot" "$dir" -- "$@"
}

# vm_kmake KROOT DIR [MAKE-ARGS...]: make with the line's QUIRKS, in vm_kenv.
vm_kmake() {
	local kroot=$1 dir=$2 quirks=()
	shift 2
	mapfile -t quirks < <(vm_quirk_args)
	vm_kenv "$kroot" "$dir" make "${quirks[@]}" "$@"
}
