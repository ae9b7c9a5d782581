#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The userspace data path end to end over loopback: T, five proxies and B
# each in its own m2mkx-agent, A in m2mkx-client, keys made by m2mctl.
# Every scenario starts its own processes, so no state carries over.
#
#   honest     A's MK equals the MK B's agent reports for the session
#   silent     two proxies drop everything: k = 3 of 5 still suffice
#   corrupt    one proxy damages its share: B corrects and names it
#   replay     one proxy sends B its SIGNED_SHARE twice: B counts a replay
#   badconf    a bad line stops a program with one line naming it
#
# Binaries come from $M2MKX_BIN (default build/san). TAP on stdout;
# M2MKX_KEEP_TMP=1 keeps the files of the run.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${M2MKX_BIN:-$top/build/san}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/m2mkx-loopback.XXXXXX")
agent_pids=()

stop_agents() {
	local pid
	for pid in "${agent_pids[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${agent_pids[@]}"; do
		wait "$pid" 2>/dev/null
	done
	agent_pids=()
}
# M2MKX_KEEP_TMP=1 keeps the configurations and outputs for a post-mortem.
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

tests=0
failed=0
ok() {
	tests=$((tests + 1))
	echo "ok $tests - $1"
}
not_ok() {
	local line
	tests=$((tests + 1))
	failed=$((failed + 1))
	echo "not ok $tests - $1"
	shift
	for line in "$@"; do
		echo "#   $line"
	done
}
is() {
	if [ "$1" = "$2" ]; then
		ok "$3"
	else
		not_ok "$3" "got:  '$1'" "want: '$2'"
	fi
}

# Waits up to 10 s for a line matching @2 in file @1; prints it.
wait_line() {
	local i
	for i in $(seq 100); do
		if grep -m1 -E "$2" "$1" 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

echo "1..23"

a_id=0200000000000001
b_id=02000000000000bb
t_id=02000000000000f0
p_ids=(0200000000000011 0200000000000012 0200000000000013 \
	0200000000000014 0200000000000015)

# Keys, shared by every scenario: T's RSA key is the slow one.
keys=$tmp/keys
mkdir "$keys"
if ! "$bin/m2mctl" gencert --key "$keys/t.key" --cert "$keys/t.pem" \
	--cn "m2mkx loopback T" ||
   ! (umask 077; "$bin/m2mctl" genkey > "$keys/b.key") ||
   ! "$bin/m2mctl" pubkey < "$keys/b.key" > "$keys/b.pub"; then
	echo "Bail out! m2mctl cannot make keys"
	exit 1
fi
k_at=$("$bin/m2mctl" genkey --symmetric)
k_pt=() k_ap=()
for i in 0 1 2 3 4; do
	k_pt[i]=$("$bin/m2mctl" genkey --symmetric)
	k_ap[i]=$("$bin/m2mctl" genkey --symmetric)
done

# write_configs DIR BASE AGREE FAULT1..FAULT5: T on BASE, P_i on BASE+i,
# B on BASE+6. Key files are named relative to the configuration files.
write_configs() {
	local dir=$1 base=$2 agree=$3 i
	shift 3
	local faults=("$@")

	{
		printf '[Node]\nId = %s\nListenAddress = 127.0.0.1\n' "$t_id"
		printf 'ListenPort = %d\nRoles = issuer\n\n' "$base"
		printf '[Issuer]\nSigningKeyFile = ../keys/t.key\n'
		printf 'MaxLifetime = 300\n\n'
		printf '[Client]\nId = %s\nKey = %s\n' "$a_id" "$k_at"
		for i in 0 1 2 3 4; do
			printf '\n[ProxyPeer]\nId = %s\nKey = %s\n' \
				"${p_ids[i]}" "${k_pt[i]}"
			printf 'Endpoint = 127.0.0.1:%d\n' $((base + 1 + i))
		done
	} > "$dir/t.conf"
	for i in 0 1 2 3 4; do
		{
			printf '[Node]\nId = %s\n' "${p_ids[i]}"
			printf 'ListenAddress = 127.0.0.1\nListenPort = %d\n' \
				$((base + 1 + i))
			printf 'Roles = proxy\n\n'
			printf '[Proxy]\nIssuerKey = %s\n' "${k_pt[i]}"
			printf 'Issuer = 127.0.0.1:%d\nFault = %s\n\n' \
				"$base" "${faults[i]}"
			printf '[Client]\nId = %s\nKey = %s\n\n' \
				"$a_id" "${k_ap[i]}"
			printf '[ServerPeer]\nId = %s\n' "$b_id"
			printf 'PublicKeyFile = ../keys/b.pub\n'
		} > "$dir/p$((i + 1)).conf"
	done
	{
		printf '[Node]\nId = %s\nListenAddress = 127.0.0.1\n' "$b_id"
		printf 'ListenPort = %d\nRoles = server\n\n' $((base + 6))
		printf '[Server]\nPrivateKeyFile = ../keys/b.key\n'
		printf 'TrustCertificate = ../keys/t.pem\nMaxProxies = 16\n'
		printf 'AllowDispersal = yes\nAllowLamport = yes\n'
	} > "$dir/b.conf"
	{
		printf '[Node]\nId = %s\nListenAddress = 127.0.0.1\n\n' "$a_id"
		printf '[ServerPeer]\nId = %s\n' "$b_id"
		printf 'Endpoint = 127.0.0.1:%d\n\n' $((base + 6))
		printf '[IssuerPeer]\nEndpoint = 127.0.0.1:%d\n' "$base"
		printf 'Key = %s\n' "$k_at"
		for i in 0 1 2 3 4; do
			printf '\n[ProxyPeer]\nId = %s\nKey = %s\n' \
				"${p_ids[i]}" "${k_ap[i]}"
			printf 'Endpoint = 127.0.0.1:%d\n' $((base + 1 + i))
		done
		printf '\n[Handshake]\nProxies = 5\nThreshold = 3\n'
		printf 'Agree = %d\nShareMode = shamir\n' "$agree"
		printf 'OneTime = lmots-w4\nLifetime = 120\n'
	} > "$dir/a.conf"
}

# start_agents DIR AGREE FAULT1..FAULT5: picks a random base port and
# starts the seven agents, again on other ports if one cannot bind.
start_agents() {
	local dir=$1 try name pid i ready
	shift
	mkdir -p "$dir"
	for try in 1 2 3 4 5; do
		local base=$((20000 + (RANDOM * 32768 + RANDOM) % 39990))

		write_configs "$dir" "$base" "$@"
		for name in t p1 p2 p3 p4 p5 b; do
			"$bin/m2mkx-agent" -f -v --print-keys \
				"$dir/$name.conf" \
				> "$dir/$name.out" 2> "$dir/$name.err" &
			agent_pids+=($!)
		done
		ready=1
		for name in t p1 p2 p3 p4 p5 b; do
			for i in $(seq 100); do
				grep -q '^listening ' "$dir/$name.out" && break
				if grep -q 'bind' "$dir/$name.err"; then
					ready=0
					break
				fi
				sleep 0.05
			done
			grep -q '^listening ' "$dir/$name.out" || ready=0
		done
		[ "$ready" = 1 ] && return 0
		stop_agents
	done
	return 1
}

# stop_checked DIR: SIGTERM to every agent; all must exit 0 (a sanitizer
# report at exit would not).
stop_checked() {
	local pid status bad=""
	for pid in "${agent_pids[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${agent_pids[@]}"; do
		wait "$pid"
		status=$?
		[ "$status" = 0 ] || bad="$bad $pid:$status"
	done
	agent_pids=()
	is "${bad:-none}" none "$1: every agent exits 0 on SIGTERM"
}

# The value after "key=" in an event line.
field() {
	sed -n "s/.* $1=\([^ ]*\).*/\1/p"
}

# run_client DIR: runs A; sets a_rc, a_session, a_mk and b_event, B's
# completion line for A's session.
run_client() {
	local dir=$1
	"$bin/m2mkx-client" --print-mk --timeout 20 "$dir/a.conf" \
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

# The verdict A printed for proxy id @2.
a_verdict() {
	sed -n "s/^verdict $2 //p" "$1/a.out"
}

# B's verdicts as A prints them: "id verdict" lines in A's proxy order.
b_verdicts_as_a() {
	local v i=0
	for v in $(echo "$b_event" | field verdicts | tr , ' '); do
		echo "verdict ${p_ids[i]} $v"
		i=$((i + 1))
	done
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
	for i in 1 2 3 4 5; do not_ok "honest: agents did not start"; done
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
	for i in 1 2 3 4 5; do not_ok "silent: agents did not start"; done
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
	for i in 1 2 3 4 5; do not_ok "corrupt: agents did not start"; done
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
	kill -USR1 "${agent_pids[6]}" "${agent_pids[1]}"
	n=$(wait_line "$d/b.out" '^counter server replay ' | cut -d' ' -f4)
	if [ "${n:-0}" -ge 1 ]; then
		ok "replay: B counts the replayed SIGNED_SHARE ($n)"
	else
		not_ok "replay: B counts the replayed SIGNED_SHARE" \
			"counter server replay: '${n:-missing}'"
	fi
	# B answered the copy again, which P1 had already relayed.
	n=$(wait_line "$d/p1.out" '^counter proxy replay ' | cut -d' ' -f4)
	if [ "${n:-0}" -ge 1 ]; then
		ok "replay: B answered the copy and P1 dropped it ($n)"
	else
		not_ok "replay: B answered the copy and P1 dropped it" \
			"counter proxy replay: '${n:-missing}'"
	fi
	stop_checked replay
else
	for i in 1 2 3 4 5; do not_ok "replay: agents did not start"; done
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

exit $((failed > 0))
