#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make demo, inside the VM (scripts/demo boots it and shows this output as
# it comes): one key establishment among A, five proxies, B and T on
# Debian's stock kernel, B and the proxies in the m2mkx module; B's agent
# puts the session key into the kernel keyring, both ends install the
# ESP SA pair derived from it, and A pings B through ESP.
#
# Not a t_*.sh: make e2e does not run it (t_sessionkey.sh checks the same
# things and more). It prints TAP too, so tests/e2e/run can tell whether
# it went through.
. "${E2E:-/e2e}/lib.sh"
. "$E2E/topology.sh"
. "$E2E/agents.sh"
. "$E2E/deploy.sh"

plan 5
dir=$(pwd)
A=$(topo_addr a)
B=$(topo_addr b)

step() {
	echo
	echo "==> [$1/6] $2"
}

# Indented, with long hex (keys) cut short.
show() {
	sed -e 's/\(0x[0-9a-f]\{8\}\)[0-9a-f]\{16,\}/\1.../g' -e 's/^/    /'
}

fail() {
	not_ok "$1" "$2"
	done_testing
}

step 1 "the m2mkx module on $(uname -r), nodes A, P1..P5, B, T in network namespaces"
if ! { load_module m2mkx && load_module xfrm_user && load_module esp4; }; then
	fail "modules load" "cannot load m2mkx, xfrm_user or esp4"
fi
topo_up > topo.err 2>&1 || fail "topology" "$(cat topo.err)"
echo "    loaded: $(grep -o '^\(m2mkx\|esp4\|xfrm_user\) ' /proc/modules | paste -s -d ' ')"

step 2 "keys: T's RSA-2048 certificate, B's X25519 key pair, pairwise keys"
deploy_keys || fail "keys" "$(cat gencert.out)"
trust_ring=$(keyctl newring m2mkx-trust @u)
echo "    T: $(openssl x509 -in t.pem -noout -subject 2>/dev/null)"
echo "    B: public key $(cat b.pub)"

step 3 "agents: T in userspace; B and P1..P5 configure the module (DataPath = kernel)"
write_t
write_b kernel "$(printf '[Session]\nKeyring = %%:m2mkx\nLifetime = 600\n\n[EspPeer]\nId = %s\nAddress = %s\nLocalAddress = %s' \
	"$a_id" "$A" "$B")"
start t t m2mkx-agent -f t.conf
start b b m2mkx-agent -f b.conf
for i in 1 2 3 4 5; do
	proxy $i kernel
done
why=$(await t b p1 p2 p3 p4 p5) || fail "agents start" "$why"
for n in b p1 p2 p3 p4 p5; do
	echo "    $n: $(grep '^kernel ' $n.out)"
done

step 4 "handshake: A splits x 3-of-5 among P1..P5; B rebuilds it and answers y"
write_a "$B:7510" 2 "$(printf '[Session]\nLifetime = 600\n\n[EspPeer]\nId = %s\nAddress = %s\nLocalAddress = %s' \
	"$b_id" "$B" "$A")"
ip netns exec a m2mkx-client --print-mk --timeout 60 a.conf > a.out 2> a.err
a_rc=$?
show < a.out
[ $a_rc = 0 ] || fail "A completes the handshake" "$(cat a.err)"
session=$(sed -n 's/^session //p' a.out)
a_mk=$(sed -n 's/^mk //p' a.out)
event=$(wait_line b.out "^event server completed session=$session ")
echo "    B: $event"

step 5 "B's kernel keyring: the session key MK"
added=$(wait_line b.out "^key added session=$session ")
serial=$(echo "$added" | field serial)
echo "    \$ keyctl show %:m2mkx"
keyctl show %:m2mkx 2>&1 | show
echo "    \$ keyctl rdescribe $serial"
keyctl rdescribe "$serial" 2>&1 | show
b_mk=$(mk_of_key "$serial")
echo "    A's MK:             $a_mk"
echo "    key $serial at B: $b_mk"
is "$b_mk" "$a_mk" "A holds the MK that B's keyring holds"

step 6 "ESP between A and B: SAs derived from MK, then ping"
echo "    \$ ip -n b xfrm state     (keys cut short)"
ip -n b xfrm state | grep -v -e anti-replay -e '^	replay' | show
a_sa=$(sa a "$A" "$B" | cut -d' ' -f1,2)
echo "A's SA to B:   $a_sa" | show
echo "B's SA from A: $(sa b "$A" "$B" | cut -d' ' -f1,2)" | show
is "$(sa b "$A" "$B" | cut -d' ' -f1,2)" "${a_sa:-none at A}" \
	"A and B derived the same SA pair from MK"
echo "    \$ ip -n b xfrm policy"
ip -n b xfrm policy | grep -e '^src' -e 'dir' | show
echo "    \$ ping -c 3 $B     (from A)"
ip netns exec a ping -c 3 -W 5 "$B" > ping.out 2>&1
ping_rc=$?
show < ping.out
is "$ping_rc" 0 "A pings B"
echo "    \$ ip -n b -s xfrm state     (ESP counters)"
ip -n b -s xfrm state | awk '
	/^src/ { sa = $0 }
	/lifetime current:/ { getline; print sa ": " $0 }' | show
packets=$(ip -n b -s xfrm state | awk -v s="$A" '
	/^src/ { on = ($2 == s) }
	on && /lifetime current:/ { getline; split($2, p, "("); print p[1] }')
if [ "${packets:-0}" -ge 3 ]; then
	ok "the pings went through ESP ($packets packets on B's SA from A)"
else
	not_ok "the pings went through ESP" "B's SA from A counted '${packets}'"
fi

stop t b p1 p2 p3 p4 p5
is "${stop_bad:-none}" none "the agents stop; B's removes the key and SAs"
topo_down
echo
echo "==> done: one key establishment through the kernel data path; MK in B's keyring; ESP up"
done_testing
