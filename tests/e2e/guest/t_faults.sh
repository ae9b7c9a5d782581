#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The fault matrix (issue 8): whole handshakes with B and the proxies in
# the module (handshake.sh), each under one fault; n = 5, k = 3, m = 2
# unless said. Every case ends with A's MK at B, or with the reason the
# protocol documents (Documentation/protocol.rst), and with B's verdicts
# naming every proxy it could tell misbehaved. A proxy is silent when
# netem drops everything on its link; a fault the module cannot inject is
# a userspace proxy's (its agent's [Proxy] Fault).
#
#   honest       no fault: one MK, every proxy used (B and A), B's
#                module counts no drop
#   silent-1     P3 silent: completes, P3 named absent by B and by A
#   silent-2     P1 and P5 silent (n - k, the most B can do without):
#                completes, both named absent
#   limit        P4 corrupts its share (userspace, Fault = corrupt-share):
#                with all five shares B's Berlekamp-Welch decoder corrects
#                floor((5 - 3) / 2) = 1 error; completes, P4 named corrupt
#   beyond       P1 corrupts its share too: one more than the decoder
#                corrects; B's session fails "undecodable", A gives up
#                ("timeout": no relay comes)
#   replay       P5 (userspace, Fault = replay) sends B its SIGNED_SHARE
#                again, m = 5: completes, B's module counts the replay,
#                every proxy used
#   reuse-ots    P5 (userspace, Fault = reuse-ots) signs a second share
#                with its one-time key, P4 silent: completes, B's module
#                counts ots_key_reuse, P5 named forged by B and by A
#   dup-reorder  netem duplicates every datagram and reorders on every
#                link: completes, nothing named, B's module counts the
#                copies as replays
#   loss         20 % loss and 50 +- 50 ms delay on what every node
#                sends: five runs, each completes with one MK or fails
#                "timeout", at least one completes
#   teardown     every agent exits 0; rmmod m2mkx; the kernel logged no
#                splat and no warning or error
#
# Every netem qdisc goes after its case. Ports: those of handshake.sh.
# Every program's output stays in this test's directory
# (/tmp/t_faults.sh.d in the guest).
. "${E2E:-/e2e}/lib.sh"
. "$E2E/topology.sh"
. "$E2E/agents.sh"
. "$E2E/deploy.sh"
. "$E2E/handshake.sh"

NTESTS=65
plan $NTESTS

if ! have_module m2mkx || ! have_module sch_netem; then
	i=0
	while [ $i -lt $NTESTS ]; do
		i=$((i + 1))
		skip "faults $i" "m2mkx.ko or sch_netem not in the image"
	done
	done_testing
fi

dir=$(pwd)
B=$(topo_addr b)
LOSS_RUNS=5

# --- helpers -------------------------------------------------------------

# netem_all [-o] ARGS: topo_netem [-o] NODE ARGS for every node.
# shellcheck disable=SC2317 # run by run_ok
netem_all() {
	_o=
	if [ "$1" = -o ]; then
		_o=-o
		shift
	fi
	for _n in $(topo_nodes); do
		topo_netem ${_o:+"$_o"} "$_n" "$@" || return 1
	done
}

# netem_clear: every node's netem removed.
netem_clear() {
	for _n in $(topo_nodes); do
		topo_netem "$_n"
	done
}

# The links that still have a netem qdisc, "node" for its eth0, "v-node"
# for the switch's end.
netem_left() {
	for _n in $(topo_nodes); do
		tc -n "$_n" qdisc show dev eth0 | grep -q netem &&
			printf '%s ' "$_n"
		tc -n lan qdisc show dev "v-$_n" | grep -q netem &&
			printf 'v-%s ' "$_n"
	done
}

# B's share window, in ms (b.conf's ShareWindow is 1000).
window() {
	ip netns exec b m2mctl set share-window "$1"
}

# B's verdicts in the last run, P1..P5, comma-separated.
b_verdicts() {
	echo "$b_event" | field verdicts
}

# A's verdicts in run @1, in the same form, by the proxies' ids (one awk:
# every process counts on the debug UML kernel).
a_verdicts() {
	awk -v id="$(p_id '')" '$1 == "verdict" { v[$2 ""] = $3 }
		END { print v[id 1] "," v[id 2] "," v[id 3] "," v[id 4] "," v[id 5] }' \
		"$1.a.out"
}

# verdicts NAME WANT DESC: B's verdicts and A's are both WANT.
verdicts() {
	is "$(b_verdicts)" "$2" "$1: B names $3"
	is "$(a_verdicts "$1")" "$2" "$1: A's verdicts are B's"
}

# How often userspace proxy @1's fault fired (its log says @2).
fired() {
	grep -c "proxy: fault: $2" "$1.err"
}

# --- set-up --------------------------------------------------------------
hs_setup m2mkx-faults "keys: T's, B's and the pairwise ones"
hs_start

# --- honest: no fault ---------------------------------------------------
handshake honest "$B:7510" 2
completes honest
verdicts honest used,used,used,used,used "every proxy used"
is "$drops" "" "honest: B's module counts no drop"

# --- silent proxies -------------------------------------------------------
# Everything to and from a silent proxy is lost, T's key material too.
topo_netem p3 loss 100%
handshake silent-1 "$B:7510" 2
topo_netem p3
completes silent-1
verdicts silent-1 used,used,absent,used,used "P3 absent"

topo_netem p1 loss 100%
topo_netem p5 loss 100%
handshake silent-2 "$B:7510" 2
topo_netem p1
topo_netem p5
completes silent-2
verdicts silent-2 absent,used,used,used,absent "P1 and P5 absent"

# --- the decoder's limit ----------------------------------------------------
# The decoder corrects floor((r - k) / 2) corrupted shares of the r it
# has, so with k = 3 only all five shares correct one. B decodes as soon
# as it has n: a window of 10 s costs nothing when all five come, and
# keeps a slow userspace proxy's share from arriving after x is rebuilt
# (then it would be named late, unchecked).
run_ok "limit: B's share window is 10 s" window 10000
proxy 4 user corrupt-share
why=$(await p4)
is "${why:-up}" up "limit: P4 (corrupt-share) starts in userspace"
handshake limit "$B:7510" 2
completes limit
verdicts limit used,used,used,corrupt,used "P4 corrupt"
is "$(fired p4 'corrupted the share')" 1 "limit: P4 corrupted its share"

# Two corrupted shares of five, P4's and P1's: one more than the code
# corrects, so B fails the session at the fifth share (at n it decodes at
# once, and a failure is final) and never answers; A's retransmissions
# run out. The fault flips the same bits of byte 0 of each share: at
# points a and b, that column is within one error of another codeword
# exactly when two of the other three points add up (XOR) to a + b. Then
# the decoder corrects the wrong share and the commitment check refuses
# the x it rebuilt (commitment_mismatch). With P1 among the two no such
# pair exists: the decoder itself finds no codeword.
proxy 1 user corrupt-share
why=$(await p1)
is "${why:-up}" up "beyond: P1 (corrupt-share) starts in userspace too"
handshake beyond "$B:7510" 2
b_failed=$(tail -n "+$((b_mark + 1))" b.out | grep -m1 '^event server failed ')
echo "# beyond: B: ${b_failed:-no failure event}"
is "$a_rc, $(a_failure beyond)" "1, timeout" \
	"beyond: A gives up: handshake failed: timeout"
is "$(echo "$b_failed" | field reason)" undecodable \
	"beyond: B's session fails: undecodable"
is "$(fired p1 'corrupted the share'), $(fired p4 'corrupted the share')" \
	"1, 2" "beyond: P1 corrupted its share, P4 its second"

# --- replay -----------------------------------------------------------------
# Agree = 5: A waits for P5's relay, which P5 sends after its replay, so
# B has the replay before A can end the session. The window of 10 s
# again: every share decoded, none late.
proxy 1 kernel
proxy 4 kernel
proxy 5 user replay
why=$(await p1 p4 p5)
is "${why:-up}" up "replay: P1, P4 in the kernel, P5 (replay) in userspace"
handshake replay "$B:7510" 5
completes replay
at_least "$(drop_of server/replay)" 1 \
	"replay: B's module counts the replayed SIGNED_SHARE"
is "$(echo "$drops" | awk 'NF && $1 != "server/replay"')" "" \
	"replay: B's module drops nothing else"
verdicts replay used,used,used,used,used \
	"every proxy used: a copy is not misbehaviour"
is "$(fired p5 'replayed the SIGNED_SHARE')" 1 \
	"replay: P5 replayed its SIGNED_SHARE"

# --- one-time key reuse -----------------------------------------------------
# P5 sends its genuine SIGNED_SHARE and a second one under the same key in
# one sendmmsg(). With P4 silent B never holds all five shares, so it
# decodes when its window after the third has passed: 3 s, for P5's pair
# (userspace, on a TCG guest) to come while B still collects. A second
# signature after B's FINAL could not be told (the session is done).
run_ok "reuse-ots: B's share window is 3 s" window 3000
proxy 5 user reuse-ots
why=$(await p5)
is "${why:-up}" up "reuse-ots: P5 (reuse-ots) starts in userspace"
topo_netem p4 loss 100%
handshake reuse-ots "$B:7510" 3
topo_netem p4
attack_checks reuse-ots ots_key_reuse
verdicts reuse-ots used,used,used,absent,forged "P4 absent, P5 forged"

# --- duplicated and reordered datagrams -----------------------------------
# Every datagram doubled on each link it crosses (so four copies arrive),
# half of them 10 ms late: fragments and messages out of order.
proxy 5 kernel
why=$(await p5)
win_rc=0
window 1000 || win_rc=$?
is "${why:-up}, $win_rc" "up, 0" \
	"dup-reorder: P5 back in the kernel, B's share window 1 s again"
run_ok "dup-reorder: netem duplicate 100% reorder 50% on every link" \
	netem_all delay 10ms reorder 50% duplicate 100%
handshake dup-reorder "$B:7510" 2
netem_clear
completes dup-reorder
verdicts dup-reorder used,used,used,used,used "every proxy used"
at_least "$(drop_of server/replay)" 1 \
	"dup-reorder: B's module counts the copies as replays"

# --- loss and jitter ---------------------------------------------------------
# On what each node sends, so that every datagram crosses one lossy hop:
# 20 % of the datagrams are lost, and a 3 KiB SIGNED_SHARE, three
# fragments, is lost whole if any of them is (49 %). A gives up on a
# message unanswered after 15.5 s (six sends); handshake's 30 s for a
# run, twice that, leave it to A's own give-up but for a run slowed down
# in several messages, and bound the five runs to 150 s of the guest
# test's 300.
run_ok "loss: netem loss 20% delay 50ms 50ms on what every node sends" \
	netem_all -o loss 20% delay 50ms 50ms
# (write_a's loop has i: the runs count in run.)
completed=0
run=1
while [ $run -le $LOSS_RUNS ]; do
	handshake "loss-$run" "$B:7510" 2
	why=$(a_failure "loss-$run")
	b_mk=$(echo "$b_event" | field mk)
	desc="loss: run $run completes with one MK or fails with timeout"
	if [ "$a_rc" = 0 ] && [ -n "$a_mk" ] && [ "$b_mk" = "$a_mk" ]; then
		completed=$((completed + 1))
		ok "$desc (completed)"
	elif [ "$a_rc" = 1 ] && [ "$why" = timeout ]; then
		ok "$desc (timeout)"
	else
		not_ok "$desc" \
			"A: exit $a_rc, '${why:-no reason}', MK ${a_mk:-none}" \
			"B: ${b_mk:-no MK}"
	fi
	run=$((run + 1))
done
netem_clear
echo "# loss: $completed of $LOSS_RUNS handshakes completed"
at_least "$completed" 1 "loss: handshakes completed"
is "$(netem_left)" "" "no netem qdisc left on any link"

# --- teardown --------------------------------------------------------------
hs_teardown t b p1 p2 p3 p4 p5

done_testing
