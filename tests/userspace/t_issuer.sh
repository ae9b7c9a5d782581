#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# T's record of what it issued ([Issuer] StateFile), and a proxy told to
# install key material twice, over loopback with real processes
# (scripts/loopback.sh deploys T, five proxies and B; A is m2mkx-client):
#
#   record     a handshake completes; T's state file records its session,
#              one issue and five one-time keys
#   crash      T, told to die by SIGKILL right after writing the record of
#              an issue (Fault = crash-after-record), dies before sending
#              anything; restarted, it answers A's retransmitted request
#              from the record and issues nothing: no proxy ever gets a
#              key for that session, A fails, the record is unchanged
#   kill -9    T killed by SIGKILL at once after an issue and restarted:
#              the next handshake completes; across all T's runs no
#              session was issued twice and the key count is 5 per issue
#   corrupt    one changed byte, a truncated file, a file that is not a
#              record: T refuses to start with one line naming the file,
#              and leaves the file as it was
#   unwritable a StateFile in a directory that does not exist: T refuses
#              to start, naming it
#   twice      m2mkx-mitm between T and P1 sends P1 every KEY_MATERIAL
#              twice: P1 installs the first, refuses the second
#              (material_exists) and says so to T, which already had
#              P1's first acknowledgement; the handshake completes
#
# Binaries come from $M2MKX_BIN (default build/san), the relay from
# $M2MKX_TESTS. TAP on stdout; M2MKX_KEEP_TMP=1 keeps the files.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${M2MKX_BIN:-$top/build/san}
relay_bin=${M2MKX_TESTS:-$top/build/san/tests}/m2mkx-mitm
tmp=$(mktemp -d "${TMPDIR:-/tmp}/m2mkx-issuer.XXXXXX")
# shellcheck source=scripts/loopback.sh
. "$top/scripts/loopback.sh"

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

echo "1..29"

if ! make_keys "$tmp"; then
	echo "Bail out! m2mctl cannot make keys"
	exit 1
fi

# state_field NAME: the number on the "NAME n" line of T's state file.
state_field() {
	awk -v k="$1" '$1 == k { print $2 }' "$d/t.state"
}

# records: the sessions T's state file records, one a line.
records() {
	awk '$1 == "record" { print $3 }' "$d/t.state" | sort
}

# restart_t [OUT]: T again on its port, its output in OUT.out (default
# t.out is kept: each run of T writes its own file).
restart_t() {
	launch "$1" "$d" "$bin/m2mkx-agent" -f -v "$d/t.conf"
	await_listening "$1" "$d"
}

# --- record ----------------------------------------------------------------
d=$tmp/record
if start_agents "$d" 2 none none none none none; then
	run_client "$d"
	is "$a_rc" 0 "record: m2mkx-client completes"
	is "$(records)" "$a_session" "record: the state file records A's session"
	is "$(state_field issued):$(state_field keys)" "1:5" \
		"record: one issue, five one-time keys"
	is "$(grep -c "^event issuer issued session=$a_session " "$d/t.out")" 1 \
		"record: T printed the issue"
	first_session=$a_session

	# --- crash between record and send -----------------------------------
	stop_one t
	sed -i 's/^StateFile = t.state$/&\nFault = crash-after-record/' \
		"$d/t.conf"
	launch t "$d" "$bin/m2mkx-agent" -f -v "$d/t.conf"
	await_listening t "$d"
	"$bin/m2mkx-client" --print-mk --timeout 12 "$d/a.conf" \
		> "$d/a2.out" 2> "$d/a2.err" &
	a_pid=$!
	# stop_one waits for T, whatever ended it, and returns its status.
	# (SIGTERM then, if T is still alive 10 s on, which fails the check).
	for _ in $(seq 200); do
		kill -0 "${agent_pid[t]}" 2>/dev/null || break
		sleep 0.05
	done
	stop_one t
	is "$?" 137 "crash: T died by SIGKILL on A's request"
	crashed=$(records | grep -vx "$first_session")
	is "$(echo "$crashed" | grep -c .):$(state_field issued)" "1:2" \
		"crash: the issue was recorded before T died"
	sed -i '/^Fault = crash-after-record$/d' "$d/t.conf"
	if restart_t t2; then
		ok "crash: T restarts on the same state file"
	else
		not_ok "crash: T restarts on the same state file" \
			"$(cat "$d/t2.err")"
	fi
	wait "$a_pid"
	a2_rc=$?
	is "$(grep -c "^event issuer resent session=$crashed a=.* from=record" \
		"$d/t2.out")" 1 \
		"crash: restarted T answers A's retransmission from the record"
	is "$(grep -c "session=$crashed" "$d/t2.out")" 1 \
		"crash: and issues nothing for that session"
	if [ "$a2_rc" != 0 ]; then
		ok "crash: A fails: no proxy has a key for the session (exit $a2_rc)"
	else
		not_ok "crash: A fails: no proxy has a key for the session"
	fi
	is "$(state_field issued):$(state_field keys)" "2:10" \
		"crash: the record is unchanged by the restart"

	# --- kill -9 after an issue ------------------------------------------
	"$bin/m2mkx-client" --print-mk --timeout 20 "$d/a.conf" \
		> "$d/a3.out" 2> "$d/a3.err" &
	a_pid=$!
	if wait_line "$d/t2.out" "^event issuer issued " > /dev/null; then
		kill -KILL "${agent_pid[t2]}"
		stop_one t2
		is "$?" 137 "kill -9: T killed right after an issue"
	else
		not_ok "kill -9: T killed right after an issue" \
			"$(cat "$d/t2.err")"
	fi
	restart_t t3 || echo "# T did not restart: $(cat "$d/t3.err")"
	wait "$a_pid"
	run_client "$d"
	is "$a_rc" 0 "kill -9: the next handshake completes"
	issued=$(cat "$d"/t*.out | sed -n 's/^event issuer issued session=\([^ ]*\).*/\1/p')
	is "$(echo "$issued" | sort | uniq -d)" "" \
		"kill -9: no session was issued keys twice across T's runs"
	is "$(state_field keys)" "$(($(state_field issued) * 5))" \
		"kill -9: five one-time keys per issue, no more"
	is "$(records | grep -c .)" "$(state_field issued)" \
		"kill -9: one record per issue"
	stop_agents
	is "${stop_failures:-none}" none "record: every agent exits 0 on SIGTERM"

	# --- corrupt state files ---------------------------------------------
	cp "$d/t.state" "$d/good.state"
	# bad_state NAME WANT: T refuses the state file as it is now with
	# one line containing WANT, exit 1, and leaves the file as it was.
	bad_state() {
		local before err rc
		before=$(sha256sum < "$d/t.state")
		"$bin/m2mkx-agent" -f "$d/t.conf" > /dev/null 2> "$d/bad.err"
		rc=$?
		err=$(cat "$d/bad.err")
		if [ "$rc" = 1 ] && [ "$(wc -l < "$d/bad.err")" = 1 ] &&
		   [ "${err#*"$d/t.state"*"$2"}" != "$err" ]; then
			ok "corrupt: $1: T refuses to start, naming the file"
		else
			not_ok "corrupt: $1: T refuses to start, naming the file" \
				"exit $rc" "stderr: $err"
		fi
		is "$(sha256sum < "$d/t.state")" "$before" \
			"corrupt: $1: the file is left as it was"
		cp "$d/good.state" "$d/t.state"
	}
	# One hex digit of the first record's session changed.
	awk '$1 == "record" && !done { c = substr($3, 1, 1);
		$3 = (c == "0" ? "1" : "0") substr($3, 2); done = 1 } 1' \
		"$d/good.state" > "$d/t.state"
	bad_state "a changed byte" "sha256 does not match"
	head -n 3 "$d/good.state" > "$d/t.state"
	bad_state "a truncated file" "no sha256 line"
	printf 'hello\n' > "$d/t.state"
	bad_state "not a state file" "no sha256 line"

	sed -i "s|^StateFile = t.state$|StateFile = $d/nonexistent/t.state|" \
		"$d/t.conf"
	"$bin/m2mkx-agent" -f "$d/t.conf" > /dev/null 2> "$d/bad.err"
	is "$?:$(cat "$d/bad.err")" \
		"1:m2mkx-agent: issuer: $d/nonexistent/t.state: No such file or directory" \
		"unwritable: T refuses to start, naming the state file"
else
	for i in $(seq 24); do
		not_ok "record: the programs did not start"
	done
	stop_agents
fi

# --- a proxy told to install material twice ----------------------------------
# m2mkx-mitm on base + 8 relays T's datagrams for P1 to P1 and sends each
# KEY_MATERIAL twice; P1's acknowledgements go straight to T.
d=$tmp/twice
if start_agents "$d" 2 none none none none none; then
	stop_one t
	sed -i "0,/^Endpoint = 127.0.0.1:$((base + 1))$/s//Endpoint = 127.0.0.1:$((base + 8))/" \
		"$d/t.conf"
	launch dup "$d" "$relay_bin" --listen 127.0.0.1:$((base + 8)) \
		--server 127.0.0.1:$((base + 1)) --n "$lb_n" --k "$lb_k" \
		--mode duplicate-material
	restart_t t && await_listening dup "$d" ||
		echo "# did not start: $(cat "$d/t.err" "$d/dup.err")"
	run_client "$d"
	is "$a_rc" 0 "twice: m2mkx-client completes"
	at_least "$(grep -c '^event mitm duplicated' "$d/dup.out")" 1 \
		"twice: the relay sent P1 its material twice"
	at_least "$(counters p1 "$d" proxy |
		awk '$1 == "material_exists" { print $2 }')" 1 \
		"twice: P1 refused the second copy (material_exists)"
	# T had P1's first acknowledgement: the refusal changes nothing there.
	at_least "$(grep -c 'dropped MATERIAL_ACK from .*: replay$' "$d/t.err")" \
		1 "twice: T had the refusal, and took it for the duplicate it is"
	stop_agents
	is "${stop_failures:-none}" none "twice: every program exits 0 on SIGTERM"
else
	for i in $(seq 5); do
		not_ok "twice: the programs did not start"
	done
	stop_agents
fi

exit $((failed > 0))
