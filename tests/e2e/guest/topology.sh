# SPDX-License-Identifier: GPL-2.0
#
# The guest network of the handshake tests, sourced after lib.sh: one network
# namespace per node, A (the sensor), the proxies P1..P5, B (the server) and
# T (the trusted entity), each with one veth link "eth0" to a switch: bridge
# br0 in namespace "lan". Every node reaches every other one directly, over
# IPv4 10.77.0.0/24 and IPv6 fd00:77::/64.
#
#   topo_up                creates it all; status 0 when done
#   topo_down              deletes every namespace (and so every link)
#   topo_nodes             "a p1 p2 p3 p4 p5 b t"
#   topo_addr NODE         its IPv4 address, e.g. 10.77.0.10
#   topo_addr6 NODE        its IPv6 address, e.g. fd00:77::10
#   topo_exec NODE CMD...  runs CMD inside NODE's namespace
#   topo_netem [-o] NODE ARGS
#                          netem on NODE's link, both directions, e.g.
#                          topo_netem p2 loss 100%; with -o on what NODE
#                          sends only; "topo_netem p2" removes it
#
# With e2e_capture=1 on the kernel command line (make fuzz-captures), and
# tcpdump in the image, every UDP datagram crossing br0 is captured from
# topo_up to topo_down, and so is the netlink of B's namespace (nlmon),
# where the agent and m2mctl talk to the module; topo_down prints the
# captures as TAP comments, "# pcap TEST BASE64" and "# nlpcap TEST
# BASE64", for tests/fuzz/captures-from-tap.
#
# Namespace names are the node names. Addresses: A .10, P_i .(20+i),
# B .30, T .40, and X .50, an attacker some tests add to TOPO_NODES. A test that needs more proxies (up to P9) sets TOPO_NODES
# before sourcing this file.

TOPO_NODES=${TOPO_NODES:-"a p1 p2 p3 p4 p5 b t"}

topo_nodes() {
	echo "$TOPO_NODES"
}

_topo_host() {
	case $1 in
	a) echo 10 ;;
	p[1-9]) echo $((20 + ${1#p})) ;;
	b) echo 30 ;;
	t) echo 40 ;;
	x) echo 50 ;;
	*)
		echo "topology: no node $1" >&2
		return 1
		;;
	esac
}

topo_addr() {
	echo "10.77.0.$(_topo_host "$1")"
}

topo_addr6() {
	echo "fd00:77::$(_topo_host "$1")"
}

topo_exec() {
	_node=$1
	shift
	ip netns exec "$_node" "$@"
}

topo_up() {
	load_module veth || return 1
	load_module bridge || return 1
	ip netns add lan || return 1
	ip -n lan link set lo up
	ip -n lan link add br0 type bridge stp_state 0 forward_delay 0 ||
		return 1
	ip -n lan link set br0 up || return 1
	for _n in $TOPO_NODES; do
		_h=$(_topo_host "$_n") || return 1
		ip netns add "$_n" || return 1
		ip -n "$_n" link set lo up
		# Both ends are made in the node, then one moves to the lan.
		ip -n "$_n" link add eth0 type veth peer name "v-$_n" ||
			return 1
		ip -n "$_n" link set "v-$_n" netns lan || return 1
		ip -n lan link set "v-$_n" master br0 up || return 1
		ip -n "$_n" addr add "10.77.0.$_h/24" dev eth0 || return 1
		# nodad: the address is usable at once, not after DAD.
		ip -n "$_n" addr add "fd00:77::$_h/64" dev eth0 nodad ||
			return 1
		ip -n "$_n" link set eth0 up || return 1
	done
	[ -z "${e2e_capture:-}" ] || _topo_capture_start
}

# tcpdump on br0, in promiscuous mode so that the bridge passes up every
# frame it forwards, and on an nlmon device in B's namespace; as root (-Z),
# the image has no tcpdump user.
_topo_capture_start() {
	_topo_capture_dir=$(pwd)
	load_module nlmon || return 1
	ip -n b link add nlmon0 type nlmon || return 1
	ip -n b link set nlmon0 up || return 1
	_topo_tcpdump lan br0 pcap udp || return 1
	_topo_capture_pid=$_topo_tcpdump_pid
	_topo_tcpdump b nlmon0 nlpcap || return 1
	_topo_nlcapture_pid=$_topo_tcpdump_pid
}

# _topo_tcpdump NS DEV TAG [FILTER]: tcpdump on DEV in namespace NS into
# capture-TAG.pcap, its pid in _topo_tcpdump_pid, once it says it listens.
_topo_tcpdump() {
	_f=$_topo_capture_dir/capture-$3
	ip netns exec "$1" tcpdump -Z root -i "$2" -U -s 0 -w "$_f.pcap" \
		${4:+"$4"} > "$_f.err" 2>&1 &
	_topo_tcpdump_pid=$!
	_i=0
	until grep -q 'listening on' "$_f.err"; do
		_i=$((_i + 1))
		if [ $_i -gt 100 ] || ! kill -0 "$_topo_tcpdump_pid"; then
			cat "$_f.err" >&2
			return 1
		fi
		sleep 0.1
	done
}

_topo_capture_stop() {
	for _pid in "$_topo_capture_pid" "${_topo_nlcapture_pid:-}"; do
		[ -n "$_pid" ] || continue
		kill -INT "$_pid" 2>/dev/null
		wait "$_pid" 2>/dev/null
	done
	_topo_capture_pid= _topo_nlcapture_pid=
	for _tag in pcap nlpcap; do
		_f=$_topo_capture_dir/capture-$_tag.pcap
		[ -s "$_f" ] &&
			base64 "$_f" | sed "s/^/# $_tag ${E2E_TEST:-test} /"
		rm -f "$_f"
	done
}

topo_down() {
	[ -z "${_topo_capture_pid:-}" ] || _topo_capture_stop
	for _n in $TOPO_NODES lan; do
		ip netns del "$_n" 2>/dev/null
	done
	return 0
}

# Few processes, each costs under TCG and more under UML, and a test may
# set every link: tc -n, not ip netns exec; sch_netem loaded once; a new
# qdisc added straight away, and only if one is there already deleted
# first (a netem changed in place would keep settings not given again).
topo_netem() {
	_out_only=
	if [ "$1" = -o ]; then
		_out_only=1
		shift
	fi
	_node=$1
	shift
	if [ $# -eq 0 ]; then
		tc -n "$_node" qdisc del dev eth0 root 2>/dev/null
		tc -n lan qdisc del dev "v-$_node" root 2>/dev/null
		return 0
	fi
	if [ -z "${_topo_netem_loaded:-}" ]; then
		load_module sch_netem || return 1
		_topo_netem_loaded=1
	fi
	_topo_netem_add "$_node" eth0 "$@" || return 1
	[ -n "$_out_only" ] || _topo_netem_add lan "v-$_node" "$@"
}

# _topo_netem_add NS DEV ARGS...: netem ARGS as DEV's root qdisc.
_topo_netem_add() {
	_ns=$1 _dev=$2
	shift 2
	tc -n "$_ns" qdisc add dev "$_dev" root netem "$@" 2>/dev/null &&
		return 0
	tc -n "$_ns" qdisc del dev "$_dev" root 2>/dev/null
	tc -n "$_ns" qdisc add dev "$_dev" root netem "$@"
}
