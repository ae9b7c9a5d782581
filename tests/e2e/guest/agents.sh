# SPDX-License-Identifier: GPL-2.0
#
# Guest helpers for tests that run m2mkx processes in the topology's
# namespaces (sourced by t_handshake.sh and bench.sh): node ids, starting
# a program in a namespace, waiting for its "listening" line, stopping it.

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
