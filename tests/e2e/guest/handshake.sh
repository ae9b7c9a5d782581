# SPDX-License-Identifier: GPL-2.0
#
# Whole handshakes against B's module, for the tests that run them
# (t_handshake.sh, t_faults.sh; sourced after lib.sh, topology.sh,
# agents.sh and deploy.sh): the deployment of deploy.sh with B and P1..P5
# in the kernel (DataPath = kernel), T an agent and A m2mkx-client in
# userspace; one run of A and what B and A said of it. Works in the
# current directory, $dir.
#
#   hs_setup RING DESC [CMD]
#                          TAP: m2mkx loads; the keys (DESC) and the
#                          topology. Makes the keys (deploy.sh) and runs CMD
#                          (more keys of the test's own) in the background
#                          while the topology comes up; trust_ring: a new
#                          keyring RING for T's certificate; t.conf, b.conf
#   hs_start               TAP: T, B (--print-keys) and P1..P5 with the
#                          kernel data path start
#   handshake NAME SERVER AGREE
#                          one run of A (a.conf: B at SERVER, m = AGREE),
#                          given 30 s; sets a_rc, a_session, a_mk,
#                          b_event (B's agent's event for the session),
#                          b_mark (b.out's lines before the run) and drops
#   kcounters              B's module's non-zero counters, "role/reason n"
#   a_verdict NAME I       the verdict A printed in run NAME for P_I
#   a_failure NAME         the reason of A's "handshake failed: ..."
#   b_verdict I            B's verdict for P_I, from b_event
#   drop_of ROLE/REASON    B's module's count of it in the last run
#   at_least N MIN DESC    TAP: N is a number >= MIN
#   completes NAME         TAP: A completed; its MK is B's
#   attack_checks NAME REASON [ATTACKER]
#                          TAP: completes; B's module counts REASON and
#                          drops nothing else but replays
#   hs_teardown NAME...    TAP: stops NAME... (each exits 0), B's module's
#                          roles are off, rmmod m2mkx, no splat, warning or
#                          error in the kernel log since the test began
#
# Ports: T 7400; each proxy agent 7401 (T's key material, and everything
# on the userspace data path), its module 7501; B's agent 7410, its module
# 7510.

# dir comes from the test; trust_ring and the rest are for it.
# shellcheck disable=SC2154,SC2034

hs_setup() {
	_hs_ring=$1 _hs_desc=$2
	shift 2
	run_ok "m2mkx loads" load_module m2mkx
	# T's RSA keys are the slow part: in the background, with the rest.
	umask 077
	deploy_keys &
	_hs_gen1=$!
	_hs_gen2=
	if [ $# -gt 0 ]; then
		"$@" &
		_hs_gen2=$!
	fi
	topo_up > topo.err 2>&1
	_hs_topo_rc=$?
	_hs_keys_rc=0
	wait $_hs_gen1 || _hs_keys_rc=1
	if [ -n "$_hs_gen2" ]; then
		wait "$_hs_gen2" || _hs_keys_rc=1
	fi
	is "$_hs_keys_rc" 0 "$_hs_desc"
	is "$_hs_topo_rc" 0 "topology: A, P1..P5, B and T come up"
	[ "$_hs_topo_rc" = 0 ] || sed 's/^/# /' topo.err

	# B's module finds T's key in a keyring of this test's own.
	trust_ring=$(keyctl newring "$_hs_ring" @u)
	write_t
	write_b kernel
}

hs_start() {
	start t t m2mkx-agent -f -v t.conf
	start b b m2mkx-agent -f -v --print-keys b.conf
	for i in 1 2 3 4 5; do
		proxy $i kernel
	done
	_hs_why=$(await t b p1 p2 p3 p4 p5)
	_hs_kmode=$(cat b.out p1.out p2.out p3.out p4.out p5.out |
		grep -c '^kernel \(server\|proxy\) port 75[01][01]$')
	is "${_hs_why:-up}, $_hs_kmode" "up, 6" \
		"T (userspace), B and P1..P5 (kernel data path) start"
}

kcounters() {
	ip netns exec b m2mctl show counters | awk 'NR > 1 { print $1 "/" $2, $3 }'
}

# drops: what B's module counted meanwhile but "ok", "role/reason n" lines.
handshake() {
	write_a "$2" "$3"
	kcounters > "$1.before"
	b_mark=$(wc -l < b.out)
	_hs_t0=$(date +%s)
	run_client "$1"
	_hs_took=$(($(date +%s) - _hs_t0))
	b_event=$(b_completed)
	kcounters > "$1.after"
	drops=$(awk 'NR == FNR { n[$1] = $2; next }
		$1 !~ /\/ok$/ && $2 > n[$1] { print $1, $2 - n[$1] }' \
		"$1.before" "$1.after")
	echo "# $1: A, $_hs_took s:" \
		"$(grep -v '^mk ' "$1.a.out" | paste -s -d ' ')" \
		"$(paste -s -d ' ' "$1.a.err")"
	echo "# $1: B's module dropped: $(echo "$drops" | paste -s -d " ")"
}

a_verdict() {
	sed -n "s/^verdict $(p_id "$2") //p" "$1.a.out"
}

a_failure() {
	sed -n 's/.*handshake failed: //p' "$1.a.err"
}

b_verdict() {
	echo "$b_event" | field verdicts | cut -d, -f"$1"
}

drop_of() {
	echo "$drops" | awk -v r="$1" '$1 == r { print $2 }'
}

completes() {
	is "$a_rc" 0 "$1: m2mkx-client completes"
	is "$(echo "$b_event" | field mk)" "${a_mk:-no MK from A}" \
		"$1: A's MK equals B's (B's agent, --print-keys)"
}

# Replays are B's answer to retransmissions, which any run may have. What
# ATTACKER printed is the diagnostic.
attack_checks() {
	completes "$1"
	at_least "$(drop_of "server/$2")" 1 "$1: B's module counts $2"
	[ -n "${3:-}" ] && [ -z "$(drop_of "server/$2")" ] &&
		cat "$3.out" "$3.err" | sed 's/^/#   /'
	is "$(echo "$drops" | awk -v r="server/$2" \
		'NF && $1 != r && $1 != "server/replay" { printf "%s ", $0 }')" \
		"" \
		"$1: B's module drops nothing else but replays"
}

hs_teardown() {
	stop "$@"
	is "${stop_bad:-none}" none "every agent exits 0 on SIGTERM"
	is "$(ip netns exec b m2mctl show instance |
		awk '/roles:/ { print $2 }')" \
		none "B's agent switched its module's roles off"
	run_ok "rmmod m2mkx" rmmod m2mkx
	if [ -d /sys/module/m2mkx ]; then
		not_ok "/sys/module/m2mkx is gone after rmmod"
	else
		ok "/sys/module/m2mkx is gone after rmmod"
	fi
	topo_down

	_hs_splat=$(kernel_splat)
	is "$_hs_splat" "" "dmesg: no warning, oops or BUG"
	# Kernel messages (facility 0: "<level>") at level warning or above,
	# but for the taint of the first load of an out-of-tree, unsigned
	# module, and the hrtimer's note that an interrupt ran late (once a
	# boot), which says that the TCG guest's host was busy.
	_hs_warn=$(dmesg -r | sed -n "/m2mkx-e2e: begin $E2E_TEST\$/,\$p" |
		awk -F'[<>]' '/^</ && $2 < 5' |
		grep -v -e 'loading out-of-tree module taints kernel' \
			-e 'module verification failed' \
			-e 'hrtimer: interrupt took [0-9]* ns')
	dmesg | grep -q "m2mkx-e2e: begin $E2E_TEST\$" ||
		_hs_warn="the kernel log no longer holds this test's beginning"
	is "$_hs_warn" "" "dmesg: no kernel warning or error meanwhile"
}
