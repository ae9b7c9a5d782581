# SPDX-License-Identifier: GPL-2.0
#
# TAP helpers for the userspace shell tests, sourced by tests/userspace/t_*.sh
# (the VM's guest tests have their own, tests/e2e/guest/lib.sh, as they run
# under the guest's shell with its markers). Each check prints one TAP line;
# a failure adds "#" diagnostics; the script ends with `exit $((failed > 0))`.

tests=0
failed=0

ok() {
	tests=$((tests + 1))
	echo "ok $tests - $1"
}

# not_ok NAME [DIAGNOSTIC...]
not_ok() {
	local line
	tests=$((tests + 1))
	failed=$((failed + 1))
	echo "not ok $tests - $1"
	shift
	for line in "$@"; do
		printf '%s\n' "$line" | sed 's/^/#   /'
	done
}

# skip NAME REASON
skip() {
	tests=$((tests + 1))
	echo "ok $tests - $1 # SKIP $2"
}

# is GOT WANT NAME
is() {
	if [ "$1" = "$2" ]; then
		ok "$3"
	else
		not_ok "$3" "got:  '$1'" "want: '$2'"
	fi
}
