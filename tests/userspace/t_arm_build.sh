#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# libm2mkx-client for sensor firmware: scripts/size-arm builds A's core,
# the node and the bundled backend for a Cortex-M0+ with -Werror, links
# them into bench/arm/firmware.c and reports flash and RAM:
#
#   build      every file compiles with -Werror and the image links
#   roles      the image holds none of B's, P's or T's public-key work
#              (size-arm refuses such an image)
#   report     flash with and without the backend and RAM parse as
#              numbers, the backend's share is positive, and the RAM
#              total is the sum of its parts
#
# The sizes themselves are figures for make bench, not asserted here.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/m2mkx-arm.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

. "$top/tests/userspace/tap.sh"

echo "TAP version 13"
echo "1..5"

cd "$top" || exit 1
if scripts/size-arm --build "$tmp" --check > "$tmp/out" 2> "$tmp/err"; then
	ok "size-arm builds and links the client for Cortex-M0+ (-Werror)"
else
	not_ok "size-arm builds and links the client for Cortex-M0+ (-Werror)" \
		"$(tail -n 20 "$tmp/err")"
fi

if grep -q "links" "$tmp/err"; then
	not_ok "no other role's cryptography in A's image" "$(cat "$tmp/err")"
else
	ok "no other role's cryptography in A's image"
fi

field() {
	sed -n "s/^  $1 *\([0-9][0-9]*\) bytes.*/\1/p" "$tmp/out"
}
with=$(field "flash with the bundled backend")
without=$(field "flash without it (AES, CCM, SHA)")
ram=$(field "RAM with the bundled backend")
if [ -n "$with" ] && [ -n "$without" ] && [ -n "$ram" ]; then
	ok "flash with and without the backend and RAM are reported"
else
	not_ok "flash with and without the backend and RAM are reported" \
		"$(cat "$tmp/out")"
	with=0 without=0 ram=0
fi
if [ "$with" -gt "$without" ] && [ "$without" -gt 0 ]; then
	ok "the backend adds flash ($without + $((with - without)))"
else
	not_ok "the backend adds flash" "with: $with, without: $without"
fi

parts=$(sed -n 's/^  RAM: data+bss \([0-9]*\), struct m2mkx_node (n <= 8) \([0-9]*\), worst stack \([0-9]*\)$/\1 + \2 + \3/p' "$tmp/out")
if [ -n "$parts" ] && [ "$((parts))" = "$ram" ] && [ "$ram" -gt 0 ]; then
	ok "RAM is data+bss + the state struct + the worst stack ($parts)"
else
	not_ok "RAM is data+bss + the state struct + the worst stack" \
		"parts: '$parts', total: '$ram'"
fi
exit $((failed > 0))
