# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# A whole m2mkx deployment on 127.0.0.1: T, five proxies and B each in
# its own m2mkx-agent, A in m2mkx-client, every key made afresh by
# m2mctl. Sourced, never run: tests/userspace/t_loopback.sh and
# scripts/demo-userspace deploy through these functions, so that what the
# demo shows is what the tests check.
#
# The caller sets, before calling anything:
#   bin        the directory holding m2mkx-agent, m2mkx-client and m2mctl
#   relay_bin  the test relay m2mkx-mitm, if start_agents is to put it
#              between the proxies and B
# and keeps its own shell options and traps: this file sets neither, and
# is written for set -u. Failures come back as return codes, with the
# reason on stderr where there is one.
#
# Layout of a work directory WORK:
#   WORK/keys/           make_keys: T's key and certificate, B's key pair
#   WORK/<deployment>/   write_configs, start_agents: one .conf, .out and
#                        .err per program; the configurations name the
#                        key files as ../keys/..., so a deployment's
#                        directory sits next to keys/.

# bin and relay_bin come from the caller; a_rc, a_mk and others are for it.
# shellcheck disable=SC2154,SC2034

# Node ids: A, B, T and the proxies P1..P5, in A's order.
a_id=0200000000000001
b_id=02000000000000bb
t_id=02000000000000f0
p_ids=(0200000000000011 0200000000000012 0200000000000013 \
	0200000000000014 0200000000000015)

# The handshake every deployment runs: n proxies, k shares rebuild x.
lb_n=5
lb_k=3

# Processes started and not yet stopped, by name (t, p1..p5, b, relay),
# in start order.
agent_names=()
declare -gA agent_pid=()
# The port T listens on; P_i has base + i, B base + 6, the relay base + 7.
base=0

# make_keys WORK: T's RSA key and self-signed certificate, B's X25519 key
# pair (files in WORK/keys), and the pairwise keys k_at (A-T), k_pt[i]
# (P_i-T) and k_ap[i] (A-P_i). T's RSA key is the slow one, so a test
# makes them once for all its deployments.
make_keys() {
	local keys=$1/keys i

	mkdir -p "$keys" || return 1
	"$bin/m2mctl" gencert --key "$keys/t.key" --cert "$keys/t.pem" \
		--cn "m2mkx loopback T" || return 1
	# B's private key is born unreadable to others, as wg(8) advises.
	(umask 077; "$bin/m2mctl" genkey > "$keys/b.key") || return 1
	"$bin/m2mctl" pubkey < "$keys/b.key" > "$keys/b.pub" || return 1
	k_at=$("$bin/m2mctl" genkey --symmetric) || return 1
	k_pt=() k_ap=()
	for i in 0 1 2 3 4; do
		k_pt[i]=$("$bin/m2mctl" genkey --symmetric) || return 1
		k_ap[i]=$("$bin/m2mctl" genkey --symmetric) || return 1
	done
}

# write_configs [--relay] DIR BASE AGREE FAULT1..FAULT5: T on BASE, P_i
# on BASE+i (FAULTi is its [Proxy] Fault), B on BASE+6, A agreeing on
# AGREE matching relays. With --relay, A names BASE+7 as B's endpoint, and
# hands that to the proxies too, so a relay there sees all of B's traffic.
write_configs() {
	local via=6 i
	if [ "$1" = --relay ]; then
		via=7
		shift
	fi
	local dir=$1 port=$2 agree=$3
	shift 3
	local faults=("$@")

	{
		printf '[Node]\nId = %s\nListenAddress = 127.0.0.1\n' "$t_id"
		printf 'ListenPort = %d\nRoles = issuer\n\n' "$port"
		printf '[Issuer]\nSigningKeyFile = ../keys/t.key\n'
		printf 'MaxLifetime = 300\nStateFile = t.state\n\n'
		printf '[Client]\nId = %s\nKey = %s\n' "$a_id" "$k_at"
		for i in 0 1 2 3 4; do
			printf '\n[ProxyPeer]\nId = %s\nKey = %s\n' \
				"${p_ids[i]}" "${k_pt[i]}"
			printf 'Endpoint = 127.0.0.1:%d\n' $((port + 1 + i))
		done
	} > "$dir/t.conf"
	for i in 0 1 2 3 4; do
		{
			printf '[Node]\nId = %s\n' "${p_ids[i]}"
			printf 'ListenAddress = 127.0.0.1\nListenPort = %d\n' \
				$((port + 1 + i))
			printf 'Roles = proxy\n\n'
			printf '[Proxy]\nIssuerKey = %s\n' "${k_pt[i]}"
			printf 'Issuer = 127.0.0.1:%d\nFault = %s\n\n' \
				"$port" "${faults[i]}"
			printf '[Client]\nId = %s\nKey = %s\n\n' \
				"$a_id" "${k_ap[i]}"
			printf '[ServerPeer]\nId = %s\n' "$b_id"
			printf 'PublicKeyFile = ../keys/b.pub\n'
		} > "$dir/p$((i + 1)).conf"
	done
	{
		printf '[Node]\nId = %s\nListenAddress = 127.0.0.1\n' "$b_id"
		printf 'ListenPort = %d\nRoles = server\n\n' $((port + 6))
		printf '[Server]\nPrivateKeyFile = ../keys/b.key\n'
		printf 'TrustCertificate = ../keys/t.pem\nMaxProxies = 16\n'
		printf 'AllowDispersal = yes\nAllowLamport = yes\n'
	} > "$dir/b.conf"
	{
		printf '[Node]\nId = %s\nListenAddress = 127.0.0.1\n\n' "$a_id"
		printf '[ServerPeer]\nId = %s\n' "$b_id"
		printf 'Endpoint = 127.0.0.1:%d\n\n' $((port + via))
		printf '[IssuerPeer]\nEndpoint = 127.0.0.1:%d\n' "$port"
		printf 'Key = %s\n' "$k_at"
		for i in 0 1 2 3 4; do
			printf '\n[ProxyPeer]\nId = %s\nKey = %s\n' \
				"${p_ids[i]}" "${k_ap[i]}"
			printf 'Endpoint = 127.0.0.1:%d\n' $((port + 1 + i))
		done
		printf '\n[Handshake]\nProxies = %d\nThreshold = %d\n' \
			"$lb_n" "$lb_k"
		printf 'Agree = %d\nShareMode = shamir\n' "$agree"
		printf 'OneTime = lmots-w4\nLifetime = 120\n'
	} > "$dir/a.conf"
}

# launch NAME DIR COMMAND...: runs COMMAND in the background, its output
# in DIR/NAME.out and DIR/NAME.err.
launch() {
	local name=$1 dir=$2
	shift 2
	"$@" > "$dir/$name.out" 2> "$dir/$name.err" &
	agent_pid[$name]=$!
	agent_names+=("$name")
}

# await_listening NAME DIR: 0 once NAME printed its "listening" line; 2
# when it exited because its port was taken; 1 when it exited otherwise,
# or said nothing for 10 s.
await_listening() {
	local name=$1 dir=$2 i
	for i in $(seq 200); do
		grep -q '^listening ' "$dir/$name.out" 2>/dev/null && return 0
		if ! kill -0 "${agent_pid[$name]}" 2>/dev/null; then
			grep -q '^listening ' "$dir/$name.out" && return 0
			grep -q 'bind .*in use' "$dir/$name.err" && return 2
			return 1
		fi
		sleep 0.05
	done
	return 1
}

# start_relay DIR RELAY_ARG...: the relay on base + 7 in front of B, with
# the session's parameters and RELAY_ARGs (its --mode and what goes with
# it). Returns as await_listening does.
start_relay() {
	local dir=$1
	shift
	launch relay "$dir" "$relay_bin" --listen 127.0.0.1:$((base + 7)) \
		--server 127.0.0.1:$((base + 6)) --n "$lb_n" --k "$lb_k" \
		--share-mode shamir --ots lmots-w4 "$@"
	await_listening relay "$dir"
}

# start_agents DIR AGREE FAULT1..FAULT5 [RELAY_ARG...]: writes the
# configurations into DIR and starts T, the proxies and B; with RELAY_ARGs
# also the relay, which A then talks to as B (write_configs --relay).
# Ports come from a random base, and from another one when a port is
# taken: other tests and the kernel's ephemeral ports share the range.
# Sets base. 0 once every program listens.
start_agents() {
	local dir=$1 agree=$2 try name st relay=""
	shift 2
	local faults=("$1" "$2" "$3" "$4" "$5")
	shift 5
	[ $# -gt 0 ] && relay=--relay
	mkdir -p "$dir" || return 1
	for try in 1 2 3 4 5; do
		base=$((20000 + (RANDOM * 32768 + RANDOM) % 39990))
		write_configs $relay "$dir" "$base" "$agree" "${faults[@]}"
		for name in t p1 p2 p3 p4 p5 b; do
			launch "$name" "$dir" "$bin/m2mkx-agent" -f -v \
				--print-keys "$dir/$name.conf"
		done
		st=0
		for name in t p1 p2 p3 p4 p5 b; do
			await_listening "$name" "$dir" || { st=$?; break; }
		done
		if [ "$st" = 0 ] && [ -n "$relay" ]; then
			name=relay
			start_relay "$dir" "$@" || st=$?
		fi
		[ "$st" = 0 ] && return 0
		stop_agents
		if [ "$st" != 2 ]; then
			echo "loopback: $name did not start:" \
				"$(tail -n 1 "$dir/$name.err" 2>/dev/null)" >&2
			return 1
		fi
	done
	echo "loopback: no free ports after $try tries" >&2
	return 1
}

# stop_one NAME: SIGTERM to NAME; returns its exit status.
stop_one() {
	local name=$1 pid=${agent_pid[$1]} n st
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	st=$?
	unset "agent_pid[$name]"
	for n in "${!agent_names[@]}"; do
		[ "${agent_names[n]}" = "$name" ] && unset "agent_names[n]"
	done
	agent_names=("${agent_names[@]}")
	return "$st"
}

# stop_agents: SIGTERM to everything started, then waits for it all.
# Sets stop_failures to "name:status" for each that did not exit 0 (a
# sanitizer report at exit would not), empty when all did. Not in a
# subshell: only this shell can wait for its children.
stop_agents() {
	local name st
	stop_failures=""
	for name in "${agent_names[@]}"; do
		kill -TERM "${agent_pid[$name]}" 2>/dev/null
	done
	for name in "${agent_names[@]}"; do
		wait "${agent_pid[$name]}" 2>/dev/null
		st=$?
		[ "$st" = 0 ] || stop_failures+="${stop_failures:+ }$name:$st"
	done
	agent_names=()
	agent_pid=()
}

# wait_line FILE REGEX [SECONDS]: waits (10 s unless told) for a line
# matching REGEX in FILE, which a program is still writing; prints it.
wait_line() {
	local i
	for i in $(seq $((${3:-10} * 10))); do
		if grep -m1 -E "$2" "$1" 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# The value after "KEY=" in an event line on stdin.
field() {
	sed -n "s/.* $1=\([^ ]*\).*/\1/p"
}

# counters NAME DIR ROLE: asks agent NAME for its drop counters (SIGUSR1)
# and prints ROLE's as "reason n" lines, once the whole block is out.
counters() {
	local name=$1 out=$2/$1.out role=$3 before i
	# The block ends with this line: wait for one more of them.
	before=$(grep -c '^counter agent send_failed ' "$out")
	kill -USR1 "${agent_pid[$name]}" || return 1
	for i in $(seq 200); do
		[ "$(grep -c '^counter agent send_failed ' "$out")" -gt \
		  "$before" ] && break
		sleep 0.05
	done
	# The last value per reason: that of the newest block.
	awk -v role="$role" '$1 == "counter" && $2 == role { n[$3] = $4 }
		END { for (r in n) print r, n[r] }' "$out" | sort
}

# run_client DIR [SECONDS]: runs A (20 s at most unless told) and sets
#   a_rc       its exit status
#   a_session  the session id, a_mk the MK it printed
#   b_event    B's completion line for that session, once B printed it
run_client() {
	local dir=$1
	"$bin/m2mkx-client" --print-mk --timeout "${2:-20}" "$dir/a.conf" \
		> "$dir/a.out" 2> "$dir/a.err"
	a_rc=$?
	a_session=$(sed -n 's/^session //p' "$dir/a.out")
	a_mk=$(sed -n 's/^mk //p' "$dir/a.out")
	b_event=""
	if [ -n "$a_session" ]; then
		b_event=$(wait_line "$dir/b.out" \
			"^event server completed session=$a_session ")
	fi
}

# The verdict A printed for proxy id @2 in deployment @1.
a_verdict() {
	sed -n "s/^verdict $2 //p" "$1/a.out"
}

# B's verdicts (from b_event) as A prints them: "verdict id v" lines in
# A's proxy order.
b_verdicts_as_a() {
	local v i=0
	for v in $(echo "$b_event" | field verdicts | tr , ' '); do
		echo "verdict ${p_ids[i]} $v"
		i=$((i + 1))
	done
}
