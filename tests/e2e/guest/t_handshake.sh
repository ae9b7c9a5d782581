#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Whole handshakes with the module as data path, inside the VM: A, the
# proxies P1..P5, B and T each in their own network namespace
# (topology.sh), B and the proxies in m2mkx.ko configured by their agents
# (DataPath = kernel), T an agent and A m2mkx-client in userspace. The
# cases of the userspace suite (tests/userspace/t_loopback.sh), with B in
# the kernel; n = 5, k = 3, m = 2 unless said:
#
#   honest       B and P1..P5 in the kernel: A's MK is B's (B's agent and
#                m2mctl monitor), every proxy used, B's session listed,
#                B's kernel counters hold no drop
#   attacks      m2mkx-mitm in B's namespace, where A believes B is:
#                forge-ots, foreign-t, foreign-t-id, foreign-path (after a
#                first run that records a SIGNED_SHARE); each completes
#                with one MK, and B's kernel counts the attack under its
#                own reason and no other drop but replays
#   silent       P2's and P5's agents stopped (their instances' roles
#                off): completes, both named absent
#   mixed        P1, P3 in the kernel, P2, P4, P5 userspace agents, P4
#                with Fault = corrupt-share: completes, P4 named corrupt
#   teardown     every agent exits 0; rmmod m2mkx; the kernel logged no
#                splat and no warning or error
#
# Replayed shares and one-time keys used twice are t_faults.sh's.
#
# Ports: those of handshake.sh, and the attacker 7520 in B's namespace.
# Every program's output stays in this test's directory
# (/tmp/t_handshake.sh.d in the guest).
. "${E2E:-/e2e}/lib.sh"
. "$E2E/topology.sh"
. "$E2E/agents.sh"
. "$E2E/deploy.sh"
. "$E2E/handshake.sh"

NTESTS=47
plan $NTESTS

if ! have_module m2mkx || ! command -v m2mkx-mitm > /dev/null; then
	i=0
	while [ $i -lt $NTESTS ]; do
		skip "handshake $i" "m2mkx.ko or m2mkx-mitm not in the image"
		i=$((i + 1))
	done
	done_testing
fi

dir=$(pwd)
B=$(topo_addr b)
# The attacker's endpoint, in B's namespace.
MITM=$B:7520

# --- helpers -------------------------------------------------------------
# The foreign T's key, besides deploy.sh's: what foreign-t signs with.
# shellcheck disable=SC2317 # run by hs_setup
foreign_t_key() {
	m2mctl gencert --key t2.key --cert t2.pem --cn "m2mkx e2e foreign T" \
		--bits 2048 > gencert2.out 2>&1
}

# mitm NAME ARG...: the attacker in B's namespace, A's B; awaits it.
mitm() {
	_name=$1
	shift
	start "$_name" b m2mkx-mitm --any-address --listen "$MITM" \
		--server "$B:7510" --n 5 --k 3 --share-mode shamir \
		--ots lmots-w4 "$@"
	await "$_name"
}

# --- set-up --------------------------------------------------------------
hs_setup m2mkx-handshake \
	"keys: T's, a foreign T's, B's and the pairwise ones" foreign_t_key
# The monitor first: it must have joined before the first event.
start mon b m2mctl monitor --show-keys
hs_start

# --- honest: everything in the kernel ------------------------------------
handshake honest "$B:7510" 2
completes honest
mmk=$(wait_line mon.out "session=$a_session " 5 | field mk)
is "$mmk" "${a_mk:-no MK from A}" \
	"honest: m2mctl monitor --show-keys at B prints A's MK"
b_as_a=$(for i in 1 2 3 4 5; do
	echo "verdict $(p_id $i) $(b_verdict $i)"
done)
is "$(grep '^verdict' honest.a.out)" "$b_as_a" "honest: A reports B's verdicts"
is "$(echo "$b_event" | field verdicts)" "used,used,used,used,used" \
	"honest: B used every proxy's share"
n=0
for i in 1 2 3 4 5; do
	grep -q "^event proxy completed session=$a_session " "p$i.out" &&
		n=$((n + 1))
done
is "$n" 5 "honest: each proxy's module reports the session completed"
sessions=$(ip netns exec b m2mctl show sessions 2>&1)
echo "$sessions" | sed 's/^/# /'
# Compared as strings: an id such as 383166686e862563 reads as a number
# to awk, and busybox's then compares it as "inf".
is "$(echo "$sessions" | awk -v s="$a_session" \
	'$1 == "server" && $2 "" == s "" { print $3, $4 }')" "$a_id $b_id" \
	"honest: m2mctl show sessions at B lists the session"
is "$drops" "" "honest: B's module counts no drop"

# --- attacks from the path ------------------------------------------------
# m2mkx-mitm sits where A believes B is; A hands that endpoint on to the
# proxies, so their SIGNED_SHAREs go through it too.
if mitm forge --mode forge-ots; then
	handshake forge-ots "$MITM" 2
	stop forge
	attack_checks forge-ots bad_ots_signature forge
else
	for i in 1 2 3 4; do not_ok "forge-ots: the attacker did not start"; done
fi

if mitm ft --mode foreign-t --key "$dir/t2.key"; then
	handshake foreign-t "$MITM" 2
	stop ft
	attack_checks foreign-t unknown_t_key ft
else
	for i in 1 2 3 4; do not_ok "foreign-t: the attacker did not start"; done
fi

if mitm ftid --mode foreign-t --key "$dir/t2.key" --keep-key-id; then
	handshake foreign-t-id "$MITM" 2
	stop ftid
	attack_checks foreign-t-id bad_root_signature ftid
else
	for i in 1 2 3 4; do
		not_ok "foreign-t-id: the attacker did not start"
	done
fi

# A first run through a plain relay records a SIGNED_SHARE; in the second
# the relay sends B a copy carrying the recorded Merkle path.
captured=
if mitm capture --mode relay --capture-out "$dir/captured"; then
	handshake capture "$MITM" 2
	stop capture
	[ -s captured ] && captured=yes
fi
is "$a_rc,$stop_bad,$captured" "0,,yes" \
	"foreign-path: a first run through the relay records a SIGNED_SHARE"
if [ -n "$captured" ] &&
   mitm fp --mode foreign-path --capture "$dir/captured"; then
	handshake foreign-path "$MITM" 2
	stop fp
	attack_checks foreign-path bad_merkle_proof fp
else
	for i in 1 2 3 4; do
		not_ok "foreign-path: the attacker did not start"
	done
fi

# --- two silent proxies ----------------------------------------------------
stop p2 p5
roles=$(for i in 2 5; do
	ip netns exec "p$i" m2mctl show instance | awk '/roles:/ { print $2 }'
done | paste -s -d ' ')
is "${stop_bad:-0}, $roles" "0, none none" \
	"silent: P2's and P5's agents stop and switch their modules off"
handshake silent "$B:7510" 2
completes silent
is "$(a_verdict silent 2),$(a_verdict silent 5)" "absent,absent" \
	"silent: A learns P2 and P5 were absent"
is "$(b_verdict 2),$(b_verdict 5)" "absent,absent" \
	"silent: B names P2 and P5 absent"

# --- mixed data paths, one corrupting proxy --------------------------------
# P1 and P3 stay in the kernel; P2, P4 and P5 are userspace agents, P4
# damaging its share.
stop p4
proxy 2 user
proxy 4 user corrupt-share
proxy 5 user
why=$(await p2 p4 p5)
is "${why:-up}" up "mixed: P2, P4 (corrupt-share) and P5 start in userspace"
handshake mixed "$B:7510" 2
completes mixed
is "$(b_verdict 4)" corrupt "mixed: B's module names P4's share corrupt"
is "$(a_verdict mixed 4)" corrupt "mixed: A's verdict for P4 is corrupt"
is "$(echo "$b_event" | field verdicts | cut -d, -f1-3,5 |
	sed 's/late/used/g')" "used,used,used,used" \
	"mixed: the kernel's and the userspace proxies' shares agree"
n=0
for i in 1 3; do
	grep -q "^event proxy completed session=$a_session " "p$i.out" &&
		n=$((n + 1))
done
is "$n" 2 "mixed: P1's and P3's modules report the session completed"

# --- teardown --------------------------------------------------------------
stop mon
hs_teardown t b p1 p2 p3 p4 p5

done_testing
