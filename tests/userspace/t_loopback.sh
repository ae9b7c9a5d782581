#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The userspace data path end to end over loopback: T, five proxies and B
# each in its own m2mkx-agent, A in m2mkx-client, keys made by m2mctl,
# deployed by scripts/loopback.sh (which the demo uses too). Every
# scenario starts its own processes, so no state carries over.
#
#   honest        A's MK equals the MK B's agent reports for the session
#   silent        two proxies drop everything: k = 3 of 5 still suffice
#   corrupt       one proxy damages its share: B corrects and names it
#   replay        one proxy sends B its SIGNED_SHARE twice: B counts a replay
#   forge-ots     an attacker on the path (m2mkx-mitm) sends B a copy of a
#                 SIGNED_SHARE with one bit of its one-time signature flipped
#   foreign-path  ... a copy carrying the Merkle proof of a SIGNED_SHARE
#                 recorded in an earlier session
#   foreign-t     ... a copy whose root another T signed, under its own key id
#   foreign-t-id  ... the same under the genuine T's key id
#   reuse-ots     a proxy signs a second, different share with its one-time
#                 key
#   flood         HELLOs from one source (m2mkx-mitm --mode flood): B keeps
#                 no more than the source's share; A completes meanwhile
#   badconf       a bad line stops a program with one line naming it
#
# Each attack must be refused and counted by B under its own reason, and
# nothing else disturbed: the handshake completes with one MK at both
# ends, and B counts no other drop but replays (retransmissions).
#
# Binaries come from $M2MKX_BIN (default build/san), the relay from
# $M2MKX_TESTS (default build/san/tests). TAP on stdout; M2MKX_KEEP_TMP=1
# keeps the files of the run.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${M2MKX_BIN:-$top/build/san}
relay_bin=${M2MKX_TESTS:-$top/build/san/tests}/m2mkx-mitm
tmp=$(mktemp -d "${TMPDIR:-/tmp}/m2mkx-loopback.XXXXXX")
# shellcheck source=scripts/loopback.sh
. "$top/scripts/loopback.sh"

# M2MKX_KEEP_TMP=1 keeps the configurations and outputs for a post-mortem.
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	stop_agents
	if [ -n "${M2MKX_KEEP_TMP:-}" ]; then
		echo "# kept $tmp"
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

. "$top/tests/userspace/tap.sh"
# at_least N MIN NAME: N is a number >= MIN.
at_least() {
	if [ -n "$1" ] && [ "$1" -ge "$2" ] 2>/dev/null; then
		ok "$3 ($1)"
	else
		not_ok "$3" "got:  '${1:-missing}'" "want: >= $2"
	fi
}
# not_started NAME COUNT: the scenario's COUNT checks fail at once.
not_started() {
	local i
	for i in $(seq "$2"); do
		not_ok "$1: the programs did not start"
	done
	stop_agents
}

echo "1..57"

# Keys, shared by every scenario: T's RSA key is the slow one. The second
# T is one B does not trust, for the foreign-t scenarios.
if ! make_keys "$tmp" ||
   ! "$bin/m2mctl" gencert --key "$tmp/keys/t2.key" \
	--cert "$tmp/keys/t2.pem" --cn "m2mkx loopback foreign T"; then
	echo "Bail out! m2mctl cannot make keys"
	exit 1
fi

# stop_checked NAME: SIGTERM to every program; all must exit 0 (a
# sanitizer report at exit would not).
stop_checked() {
	stop_agents
	is "${stop_failures:-none}" none "$1: every agent exits 0 on SIGTERM"
}

# count_of NAME ROLE REASON: agent NAME's count of REASON for its role
# ROLE, in deployment $d.
count_of() {
	counters "$1" "$d" "$2" | awk -v r="$3" '$1 == r { print $2 }'
}

# attack_checks NAME REASON: what every attack scenario asserts once A ran
# in deployment $d: the handshake completed with one MK at both ends, B
# counted the attack under REASON, and under no other reason but replay
# (proxies retransmit, and B counts the copies it had already).
attack_checks() {
	local name=$1 reason=$2 c others
	is "$a_rc" 0 "$name: m2mkx-client completes"
	is "$(echo "$b_event" | field mk)" "${a_mk:-no mk from A}" \
		"$name: B's MK equals A's MK"
	c=$(counters b "$d" server)
	at_least "$(echo "$c" | awk -v r="$reason" '$1 == r { print $2 }')" 1 \
		"$name: B counts $reason"
	others=$(echo "$c" | awk -v r="$reason" \
		'$1 != r && $1 != "replay" && $2 != 0 { printf "%s ", $0 }')
	is "${others:-none}" none "$name: B drops nothing else but replays"
}

# --- all honest -----------------------------------------------------------
d=$tmp/honest
if start_agents "$d" 2 none none none none none; then
	run_client "$d"
	is "$a_rc" 0 "honest: m2mkx-client completes"
	is "$(echo "$b_event" | field mk)" "${a_mk:-no mk from A}" \
		"honest: B's MK equals A's MK"
	is "$(grep '^verdict' "$d/a.out")" "$(b_verdicts_as_a)" \
		"honest: A reports B's verdicts"
	is "$(grep -cE '^verdict [0-9a-f]{16} (used|late)$' "$d/a.out")" 5 \
		"honest: every proxy took part"
	stop_checked honest
else
	not_started honest 5
fi

# --- two silent proxies ---------------------------------------------------
d=$tmp/silent
if start_agents "$d" 2 none silent none none silent; then
	run_client "$d"
	is "$a_rc" 0 "silent: completes without P2 and P5"
	is "$(echo "$b_event" | field mk)" "${a_mk:-no mk from A}" \
		"silent: B's MK equals A's MK"
	is "$(a_verdict "$d" "${p_ids[1]}"),$(a_verdict "$d" "${p_ids[4]}")" \
		"absent,absent" "silent: A learns P2 and P5 were absent"
	is "$(echo "$b_event" | field verdicts | cut -d, -f2,5)" \
		"absent,absent" "silent: B names P2 and P5 absent"
	stop_checked silent
else
	not_started silent 5
fi

# --- one proxy corrupts its share -----------------------------------------
d=$tmp/corrupt
if start_agents "$d" 2 none none corrupt-share none none; then
	run_client "$d"
	is "$a_rc" 0 "corrupt: completes despite P3's share"
	is "$(echo "$b_event" | field mk)" "${a_mk:-no mk from A}" \
		"corrupt: B's MK equals A's MK"
	is "$(echo "$b_event" | field verdicts | cut -d, -f3)" corrupt \
		"corrupt: B's decoder names P3's share corrupt"
	is "$(a_verdict "$d" "${p_ids[2]}")" corrupt \
		"corrupt: A's verdict for P3 is corrupt"
	stop_checked corrupt
else
	not_started corrupt 5
fi

# --- one proxy replays its SIGNED_SHARE -----------------------------------
# Agree = 5: A waits for P1's relay, which P1 sends after its replay, so
# B has the replay before A can end the session.
d=$tmp/replay
if start_agents "$d" 5 replay none none none none; then
	run_client "$d"
	is "$a_rc" 0 "replay: completes"
	is "$(echo "$b_event" | field mk)" "${a_mk:-no mk from A}" \
		"replay: B's MK equals A's MK"
	at_least "$(count_of b server replay)" 1 \
		"replay: B counts the replayed SIGNED_SHARE"
	# B answered the copy again, which P1 had already relayed.
	at_least "$(count_of p1 proxy replay)" 1 \
		"replay: B answered the copy and P1 dropped it"
	stop_checked replay
else
	not_started replay 5
fi

# --- an attacker on the path: a forged one-time signature -----------------
# m2mkx-mitm sits where A believes B is, so the proxies talk to B through
# it too. It sends B, before the genuine first SIGNED_SHARE, a copy with
# one bit of the one-time signature flipped.
d=$tmp/forge-ots
if start_agents "$d" 2 none none none none none --mode forge-ots; then
	run_client "$d"
	attack_checks forge-ots bad_ots_signature
	stop_checked forge-ots
else
	not_started forge-ots 5
fi

# --- a Merkle proof from another session ----------------------------------
# A first handshake through a plain relay records a SIGNED_SHARE; in the
# second, the relay sends B a copy of the first SIGNED_SHARE carrying the
# recorded Merkle path, which leads to the other session's root.
d=$tmp/foreign-path
if start_agents "$d" 2 none none none none none \
	--mode relay --capture-out "$d/captured"; then
	run_client "$d"
	stop_one relay
	st=$?
	is "$a_rc,$st,$(test -s "$d/captured" && echo recorded)" "0,0,recorded" \
		"foreign-path: a first handshake records a SIGNED_SHARE"
	mv "$d/relay.out" "$d/relay-capture.out"
	if start_relay "$d" --mode foreign-path --capture "$d/captured"; then
		run_client "$d"
		attack_checks foreign-path bad_merkle_proof
		stop_checked foreign-path
	else
		not_started foreign-path 5
	fi
else
	not_started foreign-path 6
fi

# --- a root signed by another T -------------------------------------------
# The copy's root info is signed again with t2.key, which B does not
# trust: under t2's key id B knows no such key; under the genuine T's id
# the signature does not verify. The copy reaches B before any genuine
# SIGNED_SHARE: once a root verified, B only compares later ones with it.
d=$tmp/foreign-t
if start_agents "$d" 2 none none none none none \
	--mode foreign-t --key "$tmp/keys/t2.key"; then
	run_client "$d"
	attack_checks foreign-t unknown_t_key
	stop_checked foreign-t
else
	not_started foreign-t 5
fi

d=$tmp/foreign-t-id
if start_agents "$d" 2 none none none none none \
	--mode foreign-t --key "$tmp/keys/t2.key" --keep-key-id; then
	run_client "$d"
	attack_checks foreign-t-id bad_root_signature
	stop_checked foreign-t-id
else
	not_started foreign-t-id 5
fi

# --- a proxy signs twice with one one-time key ----------------------------
# P4 signs its genuine SIGNED_SHARE and a second one with a changed
# ciphertext, from a copy of its one-time key: a valid signature that only
# the key's holder can make. B refuses P4's share and names it forged; the
# other four shares are enough.
# Agree = 4: A cannot finish on the others' relays alone while P4's two
# shares, sent in one sendmmsg(), are still on their way to B. Only when
# P4 as a whole falls behind B's share window (a heavily loaded machine)
# does it reach B after the session ended; the property under test then
# cannot be observed, and the run says so instead of guessing.
d=$tmp/reuse-ots
if start_agents "$d" 4 none none none reuse-ots none; then
	run_client "$d"
	v4=$(echo "$b_event" | field verdicts | cut -d, -f4)
	if [ "$a_rc" = 0 ] && { [ "$v4" = absent ] || [ "$v4" = late ]; }; then
		for t in "B counts ots_key_reuse" "B drops nothing else" \
			"B's verdict for P4 is forged" \
			"A's verdict for P4 is forged"; do
			skip "reuse-ots: $t" "P4 reached B after the session ended ($v4)"
		done
		is "$a_rc" 0 "reuse-ots: m2mkx-client completes"
		is "$(echo "$b_event" | field mk)" "${a_mk:-no mk from A}" \
			"reuse-ots: B's MK equals A's MK"
	else
		attack_checks reuse-ots ots_key_reuse
		is "$v4" forged "reuse-ots: B's verdict for P4 is forged"
		is "$(a_verdict "$d" "${p_ids[3]}")" forged \
			"reuse-ots: A's verdict for P4 is forged"
	fi
	stop_checked reuse-ots
else
	not_started reuse-ots 7
fi

# --- a HELLO flood from one source ----------------------------------------
# m2mkx-mitm floods B from 127.0.0.2 (its HELLOs each a new session, and
# the rest of its mix) while A, from 127.0.0.1, runs a handshake. No more
# than an eighth of B's 1024 sessions may be that source's unfinished
# handshakes: its HELLOs past 128 are refused as table_full, which they
# would not be in a table less than half full without that share. The
# flood's stale SIGNED_SHARE is the one foreign-path recorded.
d=$tmp/flood
if [ -s "$tmp/foreign-path/captured" ] &&
	start_agents "$d" 2 none none none none none; then
	launch flood "$d" "$relay_bin" --listen 127.0.0.2:$((base + 8)) \
		--server 127.0.0.1:$((base + 6)) --n "$lb_n" --k "$lb_k" \
		--share-mode shamir --ots lmots-w4 --mode flood --b-id "$b_id" \
		--seconds 3 --rate 400 --capture "$tmp/foreign-path/captured"
	sleep 0.5
	run_client "$d"
	# Its own end, then its status.
	while kill -0 "${agent_pid[flood]}" 2>/dev/null; do
		sleep 0.1
	done
	stop_one flood
	st=$?
	echo "# flood: $(grep '^counter mitm flood_hello ' "$d/flood.out")," \
		"B: $(count_of b server table_full) table_full"
	is "$a_rc,$st" 0,0 "flood: m2mkx-client completes beside the flood"
	is "$(echo "$b_event" | field mk)" "${a_mk:-no mk from A}" \
		"flood: B's MK equals A's MK"
	at_least "$(count_of b server table_full)" 1 \
		"flood: B refuses the flooding source's HELLOs past its share"
	stop_checked flood
else
	not_started flood 4
fi

# --- configuration errors -------------------------------------------------
d=$tmp/badconf
mkdir -p "$d"
write_configs "$d" 40000 2 none none none none none
# Line 3 of b.conf becomes an unknown key.
sed -i '3i Foo = 1' "$d/b.conf"
"$bin/m2mkx-agent" -f "$d/b.conf" > "$d/out" 2> "$d/err"
rc=$?
is "$rc" 1 "badconf: m2mkx-agent exits 1 on an unknown key"
is "$(cat "$d/err")" \
	"m2mkx-agent: $d/b.conf:3: unknown key 'Foo' in [Node]" \
	"badconf: one line naming file, line and key"
sed -i 's/^Threshold = 3$/Threshold = 17/' "$d/a.conf"
line=$(grep -n '^Threshold' "$d/a.conf" | cut -d: -f1)
"$bin/m2mkx-client" "$d/a.conf" > "$d/out" 2> "$d/err"
rc=$?
is "$rc:$(cat "$d/err")" \
	"1:m2mkx-client: $d/a.conf:$line: invalid Threshold '17' in [Handshake]: expected 1..16" \
	"badconf: m2mkx-client names a value out of range"

# --reputation: a table that is not one refuses to start, in one line; a
# handshake that never got an answer still writes the table back, with
# no evidence against anyone (version 1, the count, 5 bytes each).
sed -i 's/^Threshold = 17$/Threshold = 3/' "$d/a.conf"
printf 'not a table' > "$d/rep"
"$bin/m2mkx-client" --reputation "$d/rep" "$d/a.conf" > "$d/out" 2> "$d/err"
rc=$?
count=$(grep -c '^\[ProxyPeer\]' "$d/a.conf")
is "$rc:$(cat "$d/err")" \
	"1:m2mkx-client: $d/rep: not a reputation table of $count proxies" \
	"reputation: a bad table is refused in one line"
rm -f "$d/rep"
"$bin/m2mkx-client" --reputation "$d/rep" --timeout 1 "$d/a.conf" \
	> "$d/out" 2> "$d/err"
is "$(od -An -tx1 -v "$d/rep" | tr -d ' \n')" \
	"01$(printf '%02x' "$count")$(for i in $(seq "$count"); do printf 0000000001; done)" \
	"reputation: an unanswered handshake writes the table, blaming no one"

exit $((failed > 0))
