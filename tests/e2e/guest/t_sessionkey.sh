#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# What becomes of a session's key, inside the VM (Documentation/keys.rst):
# B in the module (DataPath = kernel) with [Session] Keyring = %:m2mkx,
# KeyOwner = m2mkx, Lifetime = $LT and an [EspPeer] for A; A (m2mkx-client)
# with an [EspPeer] for B; P1..P5 in the module, T an agent.
#
#   key          B's agent adds MK to %:m2mkx: type user, description
#                m2mkx:<A>:<B>:<session>, owner m2mkx, permissions
#                3b0b0000, expiry Lifetime; root (possessor) and m2mkx
#                read A's MK from it, nobody cannot
#   privilege    nobody can neither configure the module nor join its
#                events group (EPERM)
#   esp          both ends hold the SA pair with the keys and SPIs HKDF
#                gives from A's MK (openssl kdf, not our code) and the
#                policies; A pings B; the ESP counters (ip -s xfrm state)
#                at both ends count the pings
#   expiry       after Lifetime B's agent removes key, SAs and policies;
#                the kernel's hard lifetime removed A's
#   shutdown     a second session's key and SAs go when B's agent stops
#   userspace    B on the userspace data path (on the module's port,
#                where A's SAs of the second session still let the
#                handshake through) does the same
. "${E2E:-/e2e}/lib.sh"
. "$E2E/topology.sh"
. "$E2E/agents.sh"
. "$E2E/deploy.sh"

NTESTS=36
plan $NTESTS

if ! have_module m2mkx || ! have_module esp4; then
	i=0
	while [ $i -lt $NTESTS ]; do
		skip "session key $i" "m2mkx.ko or esp4 not in the image"
		i=$((i + 1))
	done
	done_testing
fi

dir=$(pwd)
# The session lifetime: long enough for the checks before it ends.
LT=45
A=$(topo_addr a)
B=$(topo_addr b)
# Commands prefixed by these run as nobody and as KeyOwner (unquoted on
# purpose: they are words).
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
OWNER="setpriv --reuid=1000 --regid=1000 --clear-groups"

# policies NODE: "src dst dir [sport=N|dport=N]" lines of NODE's xfrm
# policies, sorted (the port: the handshake's bypass).
policies() {
	ip -n "$1" xfrm policy 2>/dev/null | awk '
		/^src / {
			s = $2; d = $4; port = ""
			for (i = 5; i < NF; i++)
				if ($i == "sport" || $i == "dport")
					port = " " $i "=" $(i + 1)
		}
		$1 == "dir" { print s, d, $2 port }' | sort
}

# hkdf MK LABEL LEN: HKDF-Expand(MK, LABEL, LEN) in hex, by OpenSSL.
hkdf() {
	openssl kdf -keylen "$3" -kdfopt digest:SHA256 \
		-kdfopt mode:EXPAND_ONLY -kdfopt "hexkey:$1" \
		-kdfopt "info:$2" HKDF 2>/dev/null | tr -d ':' | tr 'A-F' 'a-f'
}

# run_a NAME SERVER: one handshake of A; sets a_rc, a_session, a_mk.
run_a() {
	write_a "$2" 2 "$(printf '[Session]\nLifetime = %d\n\n[EspPeer]\nId = %s\nAddress = %s\nLocalAddress = %s' \
		$LT "$b_id" "$B" "$A")"
	run_client "$1"
	echo "# $1: A: $(grep -v '^mk ' "$1.a.out" | paste -s -d ' ')" \
		"$(paste -s -d ' ' "$1.a.err")"
}

b_session_conf=$(printf '[Session]\nKeyring = %%:m2mkx\nKeyOwner = m2mkx\nLifetime = %d\n\n[EspPeer]\nId = %s\nAddress = %s\nLocalAddress = %s' \
	$LT "$a_id" "$A" "$B")

# --- set-up --------------------------------------------------------------
# shellcheck disable=SC2317 # run by run_ok
load_all() {
	load_module m2mkx && load_module xfrm_user && load_module esp4
}
run_ok "m2mkx, xfrm_user and esp4 load" load_all
topo_up > topo.err 2>&1
topo_rc=$?
deploy_keys
keys_rc=$?
is "$topo_rc,$keys_rc" "0,0" "topology and keys"
trust_ring=$(keyctl newring m2mkx-sessionkey @u)
write_t
write_b kernel "$b_session_conf"
start t t m2mkx-agent -f -v t.conf
start b b m2mkx-agent -f -v b.conf
for i in 1 2 3 4 5; do
	proxy $i kernel
done
why=$(await t b p1 p2 p3 p4 p5)
is "${why:-up}" up "T, B and P1..P5 (kernel data path) start"

# --- the key in the keyring ----------------------------------------------
run_a one "$B:7510"
is "$a_rc" 0 "one: m2mkx-client completes and installs A's SAs"
added=$(wait_line b.out "^key added session=$a_session ")
serial=$(echo "$added" | field serial)
s1=$a_session
is "$(keyctl search %:m2mkx user "m2mkx:$a_id:$b_id:$a_session" 2>&1)" \
	"${serial:-no key added}" \
	"key: B's agent added m2mkx:<A>:<B>:<session> to %:m2mkx"
is "$(keyctl rdescribe "$serial" 2>&1)" \
	"user;1000;0;3b0b0000;m2mkx:$a_id:$b_id:$a_session" \
	"key: type user, owner m2mkx, permissions 3b0b0000"
# As strings: a serial such as 12345e67 reads as a number to awk.
expiry=$(awk -v id="$(printf %08x "${serial:-0}")" '$1 "" == id "" { print $4 }' \
	/proc/keys)
left=${expiry%s}
if [ -n "$left" ] && [ "$left" != "$expiry" ] &&
   [ "$left" -le $LT ] && [ "$left" -gt $((LT - 20)) ]; then
	ok "key: expires after the session's lifetime ($expiry of $LT s left)"
else
	not_ok "key: expires after the session's lifetime" \
		"/proc/keys expiry: '$expiry', want <= ${LT}s"
fi
is "$(mk_of_key "$serial")" "${a_mk:-no MK from A}" \
	"key: root, its possessor, reads A's MK from it"
is "$($OWNER keyctl pipe "$serial" | od -An -v -tx1 | tr -d ' \n')" \
	"${a_mk:-no MK from A}" "key: KeyOwner m2mkx reads it too"
# refused DESC WORDS CMD...: CMD fails, saying WORDS.
refused() {
	_desc=$1 _words=$2
	shift 2
	_out=$("$@" 2>&1)
	_rc=$?
	if [ $_rc != 0 ] && [ $_rc -lt 124 ] &&
	   case "$_out" in *"$_words"*) true ;; *) false ;; esac; then
		ok "$_desc"
	else
		not_ok "$_desc" "exit $_rc: $_out"
	fi
}
# shellcheck disable=SC2086
refused "key: nobody cannot read it" "Permission denied" \
	$NOBODY keyctl pipe "$serial"

# --- privileges -----------------------------------------------------------
# B's settings, without its counters: a share still on its way (P5's link is
# slow) may move "server busy ns" between the two readings.
instance_settings() {
	ip netns exec b m2mctl show instance 2>&1 |
		grep -v -e ' ns: ' -e 'server done:'
}
before=$(instance_settings)
# shellcheck disable=SC2086
refused "privilege: nobody cannot configure the module (EPERM)" \
	"Operation not permitted" \
	ip netns exec b $NOBODY m2mctl set max-sessions 7
is "$(instance_settings)" "$before" \
	"privilege: and the instance's settings are as they were"
# shellcheck disable=SC2086
refused "privilege: nobody cannot join the events group (EPERM)" \
	"Operation not permitted" \
	ip netns exec b $NOBODY timeout 10 m2mctl monitor

# --- the ESP SA pair -------------------------------------------------------
grep -q "^esp added session=$s1 " b.out ||
	echo "# B added no SA pair: $(grep -v dropped b.err | tail -n 3 | paste -s -d ' ')"
spi=$(hkdf "$a_mk" m2mkx-v1-esp-spi 8)
want_a2b="0x$(echo "$spi" | cut -c1-8) 0x$(hkdf "$a_mk" m2mkx-v1-esp-a2b 36)"
want_b2a="0x$(echo "$spi" | cut -c9-16) 0x$(hkdf "$a_mk" m2mkx-v1-esp-b2a 36)"
echo "# want a2b: $want_a2b"
is "$(sa b "$A" "$B" | cut -d' ' -f1,2)" "$want_a2b" \
	"esp: B's SA from A: SPI_a2b and K_esp_a2b of A's MK"
is "$(sa b "$B" "$A" | cut -d' ' -f1,2)" "$want_b2a" \
	"esp: B's SA to A: SPI_b2a and K_esp_b2a"
is "$(sa a "$A" "$B" | cut -d' ' -f1,2),$(sa a "$B" "$A" | cut -d' ' -f1,2)" \
	"$want_a2b,$want_b2a" "esp: A holds the same pair"
is "$(policies b | paste -s -d ,)" \
	"$A/32 $B/32 in,$A/32 $B/32 in dport=7510,$B/32 $A/32 out,$B/32 $A/32 out sport=7510" \
	"esp: B's policies require ESP both ways, but for the handshake"
is "$(policies a | paste -s -d ,)" \
	"$A/32 $B/32 out,$A/32 $B/32 out dport=7510,$B/32 $A/32 in,$B/32 $A/32 in sport=7510" \
	"esp: and A's"
run_ok "esp: A pings B" ip netns exec a ping -c 3 -W 5 "$B"
b_in=$(sa b "$A" "$B" | cut -d' ' -f3)
b_out=$(sa b "$B" "$A" | cut -d' ' -f3)
a_out=$(sa a "$A" "$B" | cut -d' ' -f3)
ip -n b -s xfrm state | sed 's/^/# /' | grep -v aead
if [ "${b_in:-0}" -ge 3 ] && [ "${b_out:-0}" -ge 3 ] &&
   [ "${a_out:-0}" -ge 3 ]; then
	ok "esp: the pings went through ESP (B in $b_in, out $b_out, A out $a_out packets)"
else
	not_ok "esp: the pings went through ESP" \
		"packets: B in '$b_in', B out '$b_out', A out '$a_out'"
fi

# --- the session ends --------------------------------------------------------
removed=$(wait_line b.out "^key removed session=$s1 " $((LT + 15)))
is "$(echo "$removed" | field serial)" "$serial" \
	"expiry: B's agent removes the key once the lifetime ends"
refused "expiry: the key is gone" "" keyctl pipe "$serial"
wait_line b.out "^esp removed session=$s1" 5 > /dev/null
is "$(sa b "$A" "$B")$(sa b "$B" "$A")$(policies b)" "" \
	"expiry: B's SAs and policies are gone"
# A installed its end a little after B: give the kernel's timer a moment.
i=0
while [ $i -lt 50 ] && [ -n "$(sa a "$A" "$B")$(sa a "$B" "$A")$(policies a)" ]
do
	sleep 0.2
	i=$((i + 1))
done
is "$(sa a "$A" "$B")$(sa a "$B" "$A")$(policies a)" "" \
	"expiry: the kernel's hard lifetime removed A's"

# --- agent shutdown ------------------------------------------------------------
run_a two "$B:7510"
added=$(wait_line b.out "^key added session=$a_session ")
serial=$(echo "$added" | field serial)
is "$a_rc,$(mk_of_key "$serial")" "0,$a_mk" \
	"shutdown: a second session's key is in the keyring"
stop b
is "${stop_bad:-ok}" ok "shutdown: B's agent exits 0"
refused "shutdown: its key went with the agent" "" keyctl pipe "$serial"
is "$(sa b "$A" "$B")$(sa b "$B" "$A")$(policies b)" "" \
	"shutdown: and its SAs and policies"
if grep -q "^esp removed session=$a_session" b.out; then
	ok "shutdown: B's agent says so"
else
	not_ok "shutdown: B's agent says so" "$(tail -n 5 b.out)"
fi

# --- B on the userspace data path ------------------------------------------------
write_b userspace "$b_session_conf"
start b b m2mkx-agent -f -v b.conf
why=$(await b)
is "${why:-up}" up "userspace: B's agent starts on the userspace data path"
run_a three "$B:7510"
added=$(wait_line b.out "^key added session=$a_session ")
serial=$(echo "$added" | field serial)
is "$a_rc,$(mk_of_key "$serial")" "0,$a_mk" \
	"userspace: the session's key is in the keyring"
run_ok "userspace: A pings B through the new SA pair" \
	ip netns exec a ping -c 2 -W 5 "$B"
b_in=$(sa b "$A" "$B" | cut -d' ' -f3)
if [ "${b_in:-0}" -ge 2 ]; then
	ok "userspace: B's new SA from A counts them ($b_in packets)"
else
	not_ok "userspace: B's new SA from A counts them" "got '$b_in'"
fi
stop t b p1 p2 p3 p4 p5
is "${stop_bad:-none}" none "every agent exits 0 on SIGTERM"
is "$(sa b "$A" "$B")$(sa b "$B" "$A")$(policies b)" "" \
	"userspace: B's SAs and policies went with its agent"

keyctl unlink "$trust_ring" @u > /dev/null 2>&1
topo_down
is "$(kernel_splat)" "" "dmesg: no warning, oops or BUG"
done_testing
