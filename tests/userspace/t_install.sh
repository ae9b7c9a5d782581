#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make install, into a scratch directory:
#
#   destdir   make install DESTDIR=D PREFIX=/usr puts exactly the programs,
#             the three man pages and the systemd unit under D/usr, with
#             their modes, and the installed m2mctl runs
#   man       each page renders with man(1) and groff reports nothing;
#             NAME and SEE ALSO are there
#   unit      m2mkx-agent@.service runs the installed agent on
#             /etc/m2mkx/%i.conf in the foreground, with CAP_NET_ADMIN as
#             its only capability and /var/lib/m2mkx as its state
#             directory; installed with PREFIX=P (no DESTDIR), it passes
#             systemd-analyze verify (skipped where there is none)
#
# The programs are the ones make check built ($M2MKX_BIN, installed with
# INSTALL_FROM), so the test compiles nothing. TAP on stdout.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${M2MKX_BIN:-$top/build/san}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/m2mkx-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

. "$top/tests/userspace/tap.sh"

# The test runs under make check: the inner make must not take the outer
# one's jobserver or level.
inner_make() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
		make -C "$top" --no-print-directory INSTALL_FROM="$bin" "$@"
}

echo "1..15"

# --- destdir ----------------------------------------------------------------
root=$tmp/root
if inner_make install DESTDIR="$root" PREFIX=/usr > "$tmp/make.out" 2>&1; then
	ok "make install DESTDIR=... PREFIX=/usr succeeds"
else
	not_ok "make install DESTDIR=... PREFIX=/usr succeeds" \
		"$(tail -n 5 "$tmp/make.out")"
fi
want="755 usr/bin/m2mkx-client
644 usr/lib/systemd/system/m2mkx-agent@.service
755 usr/sbin/m2mctl
755 usr/sbin/m2mkx-agent
644 usr/share/man/man5/m2mkx.conf.5
644 usr/share/man/man8/m2mctl.8
644 usr/share/man/man8/m2mkx-agent.8"
is "$(cd "$root" && find . -type f -printf '%m %P\n' | sort -k2)" "$want" \
	"destdir: exactly the expected files, with their modes"
run_out=$("$root/usr/sbin/m2mctl" help 2>&1)
is "$?:$(grep -c '^  trust add FILE' <<< "$run_out")" "0:1" \
	"destdir: the installed m2mctl runs"

# --- man ----------------------------------------------------------------------
for page in man5/m2mkx.conf.5 man8/m2mctl.8 man8/m2mkx-agent.8; do
	f=$root/usr/share/man/$page
	name=$(basename "$page" | sed 's/\.[58]$//')
	text=$(MANWIDTH=80 man -l "$f" 2>&1 | col -b)
	if grep -q "^NAME" <<< "$text" &&
	   grep -qE "^ *$name +- " <<< "$text" &&
	   grep -q "^SEE ALSO" <<< "$text"; then
		ok "man: $name renders with NAME and SEE ALSO"
	else
		not_ok "man: $name renders with NAME and SEE ALSO" \
			"$(head -n 8 <<< "$text")"
	fi
	is "$(groff -man -ww -z "$f" 2>&1)" "" "man: groff has no warning for $name"
done

# --- unit -----------------------------------------------------------------------
unit=$root/usr/lib/systemd/system/m2mkx-agent@.service
is "$(grep '^ExecStart=' "$unit")" \
	"ExecStart=/usr/sbin/m2mkx-agent -f /etc/m2mkx/%i.conf" \
	"unit: runs the installed agent on /etc/m2mkx/%i.conf, in the foreground"
is "$(grep -E '^(CapabilityBoundingSet|AmbientCapabilities)=' "$unit")" \
	"CapabilityBoundingSet=CAP_NET_ADMIN
AmbientCapabilities=CAP_NET_ADMIN" \
	"unit: CAP_NET_ADMIN is its only capability"
is "$(grep -E '^(StateDirectory|NoNewPrivileges|ProtectSystem)=' "$unit")" \
	"NoNewPrivileges=yes
StateDirectory=m2mkx
ProtectSystem=strict" \
	"unit: /var/lib/m2mkx its only writable place, no new privileges"
is "$(grep -c '@[A-Z]*@' "$unit")" 0 "unit: no placeholder left"

prefix=$tmp/prefix
if inner_make install PREFIX="$prefix" > "$tmp/make2.out" 2>&1; then
	ok "make install PREFIX=... succeeds"
else
	not_ok "make install PREFIX=... succeeds" "$(tail -n 5 "$tmp/make2.out")"
fi
# An instance of the template, as systemctl would make m2mkx-agent@b.
cp "$prefix/lib/systemd/system/m2mkx-agent@.service" \
	"$tmp/m2mkx-agent@b.service"
if ! command -v systemd-analyze > /dev/null; then
	skip "unit: systemd-analyze verify" "no systemd-analyze here"
elif out=$(systemd-analyze verify --man=no "$tmp/m2mkx-agent@b.service" 2>&1) &&
     [ -z "$out" ]; then
	ok "unit: systemd-analyze verify finds nothing"
else
	not_ok "unit: systemd-analyze verify finds nothing" "$out"
fi

exit $((failed > 0))
