#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Prints the objects of a kmemleak report the module may have leaked:
# those whose backtrace names m2mkx, or has a frame kallsyms could not
# name. The base kernel's own suspects (fork, exec, procfs, ...) are all in
# built-in code and always named; a module's frames lose their names once
# it is unloaded, and its init section is freed right after init. Prints
# nothing when nothing is the module's.
#
#   kmemleak.sh [REPORT]     default: /sys/kernel/debug/kmemleak
#
# Used by the guest test t_zz_kmemleak.sh and, on the host, by
# tests/kunit/run; busybox awk and gawk both run it.
awk '
function flush() {
	if (obj != "" && mine)
		printf "%s", obj
	obj = ""
	mine = 0
}
/^unreferenced object / { flush() }
{
	if (obj == "" && $0 !~ /^unreferenced object /)
		next
	obj = obj $0 "\n"
}
/^ +\[<[0-9a-f]+>\] .*m2mkx/ { mine = 1 }
/^ +\[<[0-9a-f]+>\] 0x[0-9a-f]+$/ { mine = 1 }
END { flush() }
' "${1:-/sys/kernel/debug/kmemleak}"
