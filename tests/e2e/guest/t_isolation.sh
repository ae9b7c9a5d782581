#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Privilege and isolation of the module's instances: one handshake with B
# and P1..P5 in the kernel (as in t_handshake.sh), watched from elsewhere.
#
#   netns       m2mctl monitor --show-keys in a fresh namespace, iso, and
#               in P1's hears nothing of B's handshake (P1 its own proxy
#               event only, no MK); iso's instance is unconfigured, with
#               no session and no counter; P1's lists no server session
#               and no server counter, and not B's public key
#   privilege   nobody, in B's namespace, can neither show B's instance,
#               sessions, peers nor counters, nor set anything (EPERM),
#               and B's instance is unchanged
#   userns      nobody in a user and network namespace of its own (root
#               there: CAP_NET_ADMIN over that namespace only) configures
#               its own instance, and sees none of B's sessions; B's
#               instance is unchanged
#   teardown    every agent exits 0; rmmod m2mkx; no splat, warning or
#               error in the kernel log (handshake.sh's hs_teardown)

# $NOBODY is a command prefix, split into words on purpose; the script
# nobody runs in its namespaces is single-quoted on purpose.
# shellcheck disable=SC2086,SC2016
. "${E2E:-/e2e}/lib.sh"
. "$E2E/topology.sh"
. "$E2E/agents.sh"
. "$E2E/deploy.sh"
. "$E2E/handshake.sh"

NTESTS=25
plan $NTESTS

if ! have_module m2mkx; then
	i=0
	while [ $i -lt $NTESTS ]; do
		i=$((i + 1))
		skip "isolation $i" "m2mkx.ko not in the image"
	done
	done_testing
fi

dir=/tmp/t_isolation.sh.d
rm -rf "$dir"
mkdir -p "$dir"
chmod 755 "$dir"
cd "$dir" || exit 1
B=$(topo_addr b)
# Unquoted where used, on purpose: they are words (SC2086 is off above).
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"

# refused DESC CMD...: CMD fails, and says "not permitted" (EPERM).
refused() {
	_desc=$1
	shift
	if "$@" > refused.out 2>&1; then
		not_ok "$_desc" "it succeeded: $(head -n 3 refused.out)"
	elif grep -q 'not permitted' refused.out; then
		ok "$_desc"
	else
		not_ok "$_desc" "$(head -n 3 refused.out)"
	fi
}

# settings NODE: the instance's settings, without its counters.
settings() {
	ip netns exec "$1" m2mctl show instance 2>&1 |
		grep -v -e ' ns: ' -e 'server done:'
}

# --- set-up --------------------------------------------------------------
hs_setup m2mkx-isolation "keys: T's, B's and the pairwise ones"
run_ok "a namespace apart, iso" sh -c 'ip netns add iso && ip -n iso link set lo up'
# The monitors first: they must have joined before the first event.
start mon_iso iso m2mctl monitor --show-keys
start mon_p1 p1 m2mctl monitor --show-keys
hs_start

# --- one handshake, watched from iso and P1 ------------------------------
write_a "$B:7510" 2
run_client one
is "$a_rc" 0 "a handshake completes"
session=$a_session
mk=$a_mk
# P1's monitor must have had its proxy event: then B's would be there too.
wait_line mon_p1.out "session=$session" 5 > /dev/null
stop mon_iso mon_p1
is "$(cat mon_iso.out)" "" "netns: iso's monitor heard nothing"
is "$(grep -c "^event proxy completed session=$session " mon_p1.out), $(grep -c -e '^event server' -e "$mk" mon_p1.out)" \
	"1, 0" "netns: P1's monitor heard its own proxy event only, no MK"

is "$(ip netns exec iso m2mctl show instance | awk '/roles:/ { print $2 }')" \
	none "netns: iso's instance is unconfigured"
is "$(ip netns exec iso m2mctl show sessions | awk 'NR > 1' | wc -l), $(ip netns exec iso m2mctl show counters | awk 'NR > 1' | wc -l)" \
	"0, 0" "netns: iso's instance has no session and no counter"
is "$(ip netns exec p1 m2mctl show sessions | awk '$1 == "server"' | wc -l), $(ip netns exec p1 m2mctl show counters | awk '$1 == "server"' | wc -l)" \
	"0, 0" "netns: P1's instance lists no server session, no server counter"
b_pub=$(cat b.pub)
is "$(ip netns exec p1 m2mctl show instance | grep -c "$b_pub")" 0 \
	"netns: P1's instance does not show B's public key"

# --- privilege -----------------------------------------------------------
before=$(settings b)
refused "privilege: nobody cannot show B's instance" \
	ip netns exec b $NOBODY m2mctl show instance
refused "privilege: nobody cannot dump B's sessions" \
	ip netns exec b $NOBODY m2mctl show sessions
refused "privilege: nobody cannot dump B's peers or counters" \
	sh -c "ip netns exec b $NOBODY m2mctl show peers ||
		ip netns exec b $NOBODY m2mctl show counters"
refused "privilege: nobody cannot set B's instance" \
	ip netns exec b $NOBODY m2mctl set max-sessions 1
is "$(settings b)" "$before" "privilege: B's instance is unchanged"

# --- nobody's own namespaces -----------------------------------------------
# unshare -r maps nobody to root in a new user namespace, which owns the
# new network namespace: CAP_NET_ADMIN there, nowhere else.
if ! $NOBODY unshare -U -r true 2> userns.err; then
	# The debug UML kernel is built without user namespaces.
	skip "userns: nobody configures the instance of its own namespace" \
		"no user namespaces for nobody here: $(head -n 1 userns.err)"
	skip "userns: B's instance is unchanged" "no user namespace was made"
else
	$NOBODY unshare -U -r -n sh -c '
		m2mctl set node-id 0300000000000001 role proxy port 7999 &&
		m2mctl show instance | grep -E "^ +(roles|port):" |
			awk "{ print \$2 }" | paste -s -d " " &&
		m2mctl show sessions | awk "NR > 1" | wc -l' > userns.out 2> userns.err
	is "$(paste -s -d ' ' userns.out)" "proxy 7999 0" \
		"userns: nobody configures the instance of its own namespace, which has no session"
	[ -s userns.err ] && sed 's/^/# /' userns.err
	is "$(settings b)" "$before" "userns: B's instance is unchanged"
fi

# --- teardown -------------------------------------------------------------
hs_teardown p1 p2 p3 p4 p5 b t
ip netns del iso
keyctl unlink "$trust_ring" @u > /dev/null 2>&1
done_testing
