#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Last of the guest tests (by name): after every other test has loaded,
# used and unloaded m2mkx, kmemleak must hold no object the module may
# have leaked (kmemleak.sh says which those are). Only kernels with
# kmemleak can tell: the debug UML kernel of make e2e-debug; on Debian's
# stock kernel (make e2e) it skips.
. "${E2E:-/e2e}/lib.sh"

plan 2
report=/sys/kernel/debug/kmemleak
if [ ! -e "$report" ]; then
	skip "m2mkx unloaded" "this kernel has no kmemleak"
	skip "kmemleak: nothing of the module's" "this kernel has no kmemleak"
	done_testing
fi

if module_loaded m2mkx; then
	run_ok "m2mkx unloaded" rmmod m2mkx
else
	ok "m2mkx unloaded"
fi
# An object is reported once it is 5 s old and two scans missed it.
sleep 6
echo scan > "$report"
echo scan > "$report"
leaks=$(sh "$E2E/kmemleak.sh" "$report")
all=$(grep -c '^unreferenced object' "$report")
if [ -z "$leaks" ]; then
	ok "kmemleak: nothing of the module's ($all of the base kernel's ignored)"
else
	not_ok "kmemleak: nothing of the module's" \
		"$(printf '%s\n' "$leaks" | head -n 80)"
fi
done_testing
