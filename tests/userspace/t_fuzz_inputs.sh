#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The fuzz targets (tests/fuzz/) without libFuzzer, under the sanitizers:
# each writes its seeds (the messages of honest handshakes, in the states
# they were received in, and the datagrams captured in the e2e suite,
# tests/fuzz/captures), then runs every seed and every input of
# tests/fuzz/regressions/<target>/ (the crashes fuzzing found, once fixed)
# without a sanitizer report or a failed check. make fuzz fuzzes them.
#
# The targets come from $M2MKX_TESTS (default build/san/tests). TAP.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/userspace/tap.sh
bin=${M2MKX_TESTS:-build/san/tests}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "1..12"
for t in wire server proxy client issuer genl; do
	captures=tests/fuzz/captures/udp
	[ "$t" = genl ] && captures=tests/fuzz/captures/netlink
	"$bin/fuzz_$t" --seeds "$tmp/$t" "$captures" \
		> "$tmp/$t.seeds.log" 2>&1
	st=$?
	count=$(find "$tmp/$t" -type f 2>/dev/null | wc -l)
	if [ "$st" = 0 ] && [ "$count" -gt 0 ]; then
		ok "fuzz_$t writes its seeds ($count)"
	else
		not_ok "fuzz_$t writes its seeds" "$(cat "$tmp/$t.seeds.log")"
	fi
	dirs=("$tmp/$t")
	[ -d "tests/fuzz/regressions/$t" ] &&
		dirs+=("tests/fuzz/regressions/$t")
	if "$bin/fuzz_$t" "${dirs[@]}" > "$tmp/$t.log" 2>&1; then
		ok "fuzz_$t: $(awk '/ inputs ran$/ { n += $(NF - 2) }
			END { print n + 0 }' "$tmp/$t.log") inputs run clean"
	else
		not_ok "fuzz_$t: the seeds and regressions run clean" \
			"$(tail -n 30 "$tmp/$t.log")"
	fi
done
exit $((failed > 0))
