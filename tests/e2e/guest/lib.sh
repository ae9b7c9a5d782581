# SPDX-License-Identifier: GPL-2.0
#
# Sourced by every guest test (tests/e2e/guest/t_*.sh), inside the VM:
# busybox sh, the host's iproute2 and keyctl, the m2mkx programs, and the
# modules vm-initramfs put under /lib/modules/$(uname -r) with their own
# modules.dep. TAP on stdout, diagnostics as "# " lines.
#
#   plan N                 "1..N"
#   ok DESC / not_ok DESC [DIAG...] / skip DESC REASON
#   is GOT WANT DESC       ok when the two strings are equal
#   run_ok DESC CMD...     ok when CMD exits 0; its output is the diagnostic
#   done_testing           exit status: 0 when nothing failed
#   load_module NAME       insmod NAME and its dependencies (modules.dep);
#                          nothing when NAME is built in (modules.builtin)
#   have_module NAME       the kernel has NAME, as a module of the image or
#                          built in
#   module_loaded NAME     NAME is in /proc/modules
#   kernel_splat           prints the splat lines the kernel logged since
#                          this test began (nothing when there are none)

E2E=${E2E:-/e2e}
MODDIR=/lib/modules/$(uname -r)

tests=0
failed=0

plan() {
	echo "1..$1"
}

ok() {
	tests=$((tests + 1))
	echo "ok $tests - $1"
}

not_ok() {
	tests=$((tests + 1))
	failed=$((failed + 1))
	echo "not ok $tests - $1"
	shift
	for line in "$@"; do
		printf '%s\n' "$line" | sed 's/^/#   /'
	done
}

skip() {
	tests=$((tests + 1))
	echo "ok $tests - $1 # SKIP $2"
}

is() {
	if [ "$1" = "$2" ]; then
		ok "$3"
	else
		not_ok "$3" "got:  '$1'" "want: '$2'"
	fi
}

# at_least N MIN DESC: ok when N is a number of at least MIN.
at_least() {
	if [ -n "$1" ] && [ "$1" -ge "$2" ] 2>/dev/null; then
		ok "$3 ($1)"
	else
		not_ok "$3" "got:  '${1:-none}'" "want: >= $2"
	fi
}

run_ok() {
	_desc=$1
	shift
	if _out=$("$@" 2>&1); then
		ok "$_desc"
	else
		not_ok "$_desc" "\$ $*" "$_out"
	fi
}

done_testing() {
	exit $((failed > 0))
}

# Module names as the kernel spells them: "-" and "_" are the same.
_modname() {
	basename "$1" .ko | tr - _
}

# The modules.dep line of module @1: "path: dep dep ...". One awk, not a
# loop of forks: every process costs milliseconds under TCG.
_depline() {
	awk -F: -v want="$(_modname "$1")" '{
		n = $1
		sub(/.*\//, "", n)
		sub(/\.ko.*/, "", n)
		gsub(/-/, "_", n)
		if (n == want) { print; found = 1; exit }
	} END { exit !found }' "$MODDIR/modules.dep"
}

# Whether module @1 is built into the kernel (the debug UML kernel builds
# in everything the tests need but m2mkx).
_builtin() {
	[ -f "$MODDIR/modules.builtin" ] &&
	awk -v want="$(_modname "$1")" '{
		n = $1
		sub(/.*\//, "", n)
		sub(/\.ko.*/, "", n)
		gsub(/-/, "_", n)
		if (n == want) { found = 1; exit }
	} END { exit !found }' "$MODDIR/modules.builtin"
}

have_module() {
	_depline "$1" >/dev/null || _builtin "$1"
}

module_loaded() {
	grep -q "^$(_modname "$1") " /proc/modules
}

# insmod in dependency order: modules.dep lists every (transitive)
# dependency, the ones loaded last first.
load_module() {
	_line=$(_depline "$1") || {
		_builtin "$1" && return 0
		echo "load_module: no module $1 in $MODDIR/modules.dep" >&2
		return 1
	}
	_order=
	for _dep in ${_line#*:}; do
		_order="$_dep $_order"
	done
	for _path in $_order ${_line%%:*}; do
		module_loaded "$_path" && continue
		insmod "$MODDIR/$_path" || return 1
	done
}

# The extended regular expressions of a kernel splat, one per line.
_splat_re() {
	grep -v -e '^#' -e '^$' "$E2E/splat-patterns" | paste -s -d '|'
}

kernel_splat() {
	dmesg | sed -n "/m2mkx-e2e: begin $E2E_TEST\$/,\$p" |
		grep -E -e "$(_splat_re)"
	[ $? -ne 2 ] || echo "kernel_splat: grep failed"
}
