# SPDX-License-Identifier: GPL-2.0
#
# Guest helpers for tests that run m2mkx processes in the topology's
# namespaces (sourced by those t_*.sh, bench.sh and demo.sh): node ids,
# starting a program in a namespace, waiting for its "listening" line or
# another, stopping it; one handshake of A's client.

p_id() {
	echo "020000000000001$1"
}

# start NAME NODE CMD...: CMD in NODE's namespace, in the background,
# its output in NAME.out and NAME.err, its pid in pid_NAME (ip netns
# exec execs CMD itself, so the pid is CMD's).
start() {
	_name=$1 _node=$2
	shift 2
	ip netns exec "$_node" "$@" > "$_name.out" 2> "$_name.err" &
	eval "pid_$_name=$!"
}

pid_of() {
	eval "echo \${pid_$1:-}"
}

# await NAME...: 0 once each printed its "listening" line; else prints
# why not (it exited, or said nothing for AWAIT_TICKS x 50 ms, default
# 15 s) and returns 1.
await() {
	for _n in "$@"; do
		_i=0
		until grep -q '^listening ' "$_n.out" 2>/dev/null; do
			if ! kill -0 "$(pid_of "$_n")" 2>/dev/null; then
				grep -q '^listening ' "$_n.out" && continue
				echo "$_n exited: $(tail -n 3 "$_n.err")"
				return 1
			fi
			_i=$((_i + 1))
			if [ $_i -gt "${AWAIT_TICKS:-300}" ]; then
				echo "$_n said nothing for $((${AWAIT_TICKS:-300} / 20)) s:" \
					"$(tail -n 3 "$_n.err")"
				return 1
			fi
			sleep 0.05
		done
	done
}

# stop NAME...: SIGTERM to each, then waits for each. stop_bad lists
# "name:status" of those that did not exit 0, empty when all did.
stop() {
	stop_bad=
	for _n in "$@"; do
		kill -TERM "$(pid_of "$_n")" 2>/dev/null
	done
	for _n in "$@"; do
		wait "$(pid_of "$_n")" 2>/dev/null
		_rc=$?
		[ $_rc = 0 ] || stop_bad="$stop_bad $_n:$_rc"
		eval "pid_$_n="
	done
	stop_bad=${stop_bad# }
}

# wait_line FILE ERE [SECONDS]: prints FILE's first line matching ERE once
# there is one, waiting up to SECONDS (10); else returns 1.
wait_line() {
	_i=0
	while [ $_i -lt $((${3:-10} * 20)) ]; do
		grep -m1 -E "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
		_i=$((_i + 1))
	done
	return 1
}

# field NAME: the value of NAME=VALUE in the line on stdin.
field() {
	sed -n "s/.* $1=\([^ ]*\).*/\1/p"
}

# run_client NAME: one handshake of A (m2mkx-client --print-mk on a.conf,
# in A's namespace), its output in NAME.a.out and NAME.a.err; sets a_rc,
# a_session and a_mk (empty when A printed none).
# shellcheck disable=SC2034 # read by the caller
run_client() {
	ip netns exec a m2mkx-client --print-mk --timeout 30 a.conf \
		> "$1.a.out" 2> "$1.a.err"
	a_rc=$?
	a_session=$(sed -n 's/^session //p' "$1.a.out")
	a_mk=$(sed -n 's/^mk //p' "$1.a.out")
}

# b_completed [SECONDS]: B's agent's "event server completed" line for
# a_session (in b.out), waiting up to SECONDS (10); empty when none.
b_completed() {
	[ -n "$a_session" ] && wait_line b.out \
		"^event server completed session=$a_session " "${1:-10}"
}
