#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# m2mctl against the real module, a proxy's module told to install T's
# material twice, and T restarted by SIGKILL, inside the VM. Nodes A, P1,
# P2, B and T in their own namespaces (topology.sh, TOPO_NODES below).
#
#   show      m2mctl set configures B's instance; show (the overview, as
#             wg show prints it) and show instance|peers|neighbors|servers|
#             sessions|counters --json, checked by m2mkx-json, a strict
#             JSON parser, which also reads the values back
#   bad set   a bad argument, and a port the kernel cannot bind (its
#             extack text in the one-line error): exit 1, and the
#             instance is what it was, all or nothing
#   peers     neighbor/server add in P1's instance, shown by kind; a bad
#             one changes nothing
#   trust     m2mctl trust add|list|del in the instance's trust keyring;
#             a bare public key and an unknown serial are refused
#   twice     m2mkx-mitm between T and P1 sends P1's agent each
#             KEY_MATERIAL twice: P1's module refuses the second
#             (-EEXIST, "this session already has key material"), the
#             agent counts material_exists; A completes with B's MK
#   restart   T killed by SIGKILL and restarted on its state file: the
#             next handshake completes, no session issued keys twice,
#             two one-time keys (n = 2) per issue
#   teardown  every agent exits 0; rmmod; no splat
#
# Ports: T 7400, the mitm 7600 in T's namespace, proxy agents 7401, P1's
# module 7501, B's agent 7410, B's module 7510, a squatter on 7600 in B's.
. "${E2E:-/e2e}/lib.sh"
# shellcheck disable=SC2034 # read by topology.sh
TOPO_NODES="a p1 p2 b t"
. "$E2E/topology.sh"
. "$E2E/agents.sh"

NTESTS=49
plan $NTESTS

if ! have_module m2mkx || ! command -v m2mkx-mitm > /dev/null ||
   ! command -v m2mkx-json > /dev/null; then
	i=0
	while [ $i -lt $NTESTS ]; do
		skip "ctl $i" "m2mkx.ko, m2mkx-mitm or m2mkx-json not in the image"
		i=$((i + 1))
	done
	done_testing
fi

dir=$(pwd)
a_id=0200000000000001
b_id=02000000000000bb
t_id=02000000000000f0
T=$(topo_addr t)
B=$(topo_addr b)

# json NODE ARGS... -- PATH...: m2mctl ARGS in NODE's namespace, its
# output checked by m2mkx-json and the PATHs' values printed on one line.
# "invalid: <why>" when the output is not JSON.
json() {
	_node=$1
	shift
	_args=
	while [ "$1" != -- ]; do
		_args="$_args $1"
		shift
	done
	shift
	# shellcheck disable=SC2086 # the arguments are words
	ip netns exec "$_node" m2mctl $_args > json.out 2> json.err ||
		{ echo "m2mctl failed: $(cat json.err)"; return; }
	m2mkx-json "$@" < json.out > json.val 2> json.err ||
		{ echo "invalid: $(cat json.err)"; return; }
	paste -s -d ' ' json.val
}

# bad NODE WANT ARGS...: m2mctl ARGS in NODE fails with exit 1 and one line
# containing WANT, nothing on stdout.
bad() {
	_node=$1 _want=$2
	shift 2
	_out=$(ip netns exec "$_node" m2mctl "$@" 2> bad.err)
	_rc=$?
	_err=$(cat bad.err)
	if [ "$_rc" = 1 ] && [ -z "$_out" ] && [ "$(wc -l < bad.err)" = 1 ] &&
	   [ "${_err#*"$_want"}" != "$_err" ]; then
		ok "m2mctl $* fails naming '$_want'"
	else
		not_ok "m2mctl $* fails naming '$_want'" "exit $_rc" \
			"stdout: $_out" "stderr: $_err"
	fi
}

# --- set-up ----------------------------------------------------------------
run_ok "m2mkx loads" load_module m2mkx
umask 077
m2mctl gencert --key t.key --cert t.pem --cn "m2mkx e2e ctl T" --bits 2048 \
	> gencert.out 2>&1 &
gen=$!
topo_up > topo.err 2>&1
topo_rc=$?
keys_rc=0
{
	m2mctl genkey > b.key && m2mctl pubkey < b.key > b.pub &&
	m2mctl genkey --symmetric > at.key
} || keys_rc=1
for i in 1 2; do
	m2mctl genkey --symmetric > "pt$i.key" || keys_rc=1
	m2mctl genkey --symmetric > "ap$i.key" || keys_rc=1
done
wait $gen || keys_rc=1
is "$keys_rc:$topo_rc" "0:0" "keys made; A, P1, P2, B and T come up"
ring=$(keyctl newring m2mkx-ctl @u)

# --- show --------------------------------------------------------------------
run_ok "m2mctl set configures B's instance" ip netns exec b m2mctl set \
	node-id "$b_id" role server port 7510 private-key b.key \
	max-proxies 8 min-threshold 2 trust-keyring "$ring" \
	share-window 750 allow-dispersal no allow-lamport yes
is "$(json b show instance --json -- instance.roles.0 instance.port \
	instance.node_id instance.max_proxies instance.min_threshold \
	instance.share_window_ms instance.trust_keyring \
	instance.allow_lamport instance.public_key)" \
	"server 7510 $b_id 8 2 750 $ring true $(cat b.pub)" \
	"show instance --json: valid JSON holding what set set"
is "$(json b show --json -- instance.port peers.# sessions.#)" "7510 0 0" \
	"show --json: the overview, valid JSON, no peers or sessions yet"
overview=$(ip netns exec b m2mctl show)
is "$(echo "$overview" | grep -c -e '^instance:$' -e '^KIND ' -e '^ROLE ')" 3 \
	"show: the overview, instance then peers then sessions"
n=$(json b show counters --json -- counters.#)
at_least "$n" 10 "show counters --json: valid JSON, every counter"
is "$(json b show counters --json -- counters.0.value)" 0 \
	"show counters --json: a fresh instance counted nothing"

# --- bad set -------------------------------------------------------------------
before=$(json b show instance --json -- instance)
bad b "70000" set max-proxies 4 port 70000
bad b "maybe" set allow-lamport maybe max-proxies 4
bad b "show: unknown argument 'bogus'" show bogus
is "$(json b show instance --json -- instance)" "$before" \
	"bad set: the instance is unchanged"
# A userspace agent holds UDP port 7600 in B's namespace: the module
# cannot bind it, says why, and applies nothing of the request.
{
	printf '[Node]\nId = %s\nListenPort = 7600\nRoles = server\n\n' "$b_id"
	printf '[Server]\nPrivateKeyFile = %s/b.key\n' "$dir"
	printf 'TrustCertificate = %s/t.pem\n' "$dir"
} > squat.conf
start squat b m2mkx-agent -f squat.conf
why=$(await squat)
bad b "port '7600': cannot bind this UDP port: is it in use?" \
	set max-proxies 4 port 7600
stop squat
is "${why:-up}:$(json b show instance --json -- instance)" "up:$before" \
	"bad set: refused by the kernel, the instance is unchanged (all or nothing)"

# --- peers -------------------------------------------------------------------
run_ok "neighbor add in P1's instance" ip netns exec p1 m2mctl neighbor add \
	"$a_id" key ap1.key
run_ok "server add in P1's instance" ip netns exec p1 m2mctl server add \
	"$b_id" public-key b.pub
is "$(json p1 show neighbors --json -- peers.# peers.0.kind peers.0.id)" \
	"1 neighbor $a_id" "show neighbors --json: the neighbour only"
is "$(json p1 show servers --json -- peers.# peers.0.kind peers.0.public_key)" \
	"1 server $(cat b.pub)" "show servers --json: the server and its key"
bad p1 "0200000000000zzz" neighbor add 0200000000000zzz key ap1.key
bad p1 "16 bytes" neighbor add 0200000000000002 key b.key
is "$(json p1 show peers --json -- peers.#)" 2 \
	"bad neighbor add: the peers are unchanged"
run_ok "neighbor and server del" sh -c \
	"ip netns exec p1 m2mctl neighbor del $a_id &&
	 ip netns exec p1 m2mctl server del $b_id"

# --- trust -------------------------------------------------------------------
is "$(json b trust list --json -- keyring certificates.#)" "$ring 0" \
	"trust list --json: the instance's keyring, empty"
run_ok "trust add t.pem" ip netns exec b m2mctl trust add t.pem
is "$(json b trust --json -- certificates.#)" 1 \
	"trust list: one certificate"
desc=$(json b trust --json -- certificates.0.description)
case $desc in
*"m2mkx e2e ctl T"*) ok "trust list: described by its subject ($desc)" ;;
*) not_ok "trust list: described by its subject" "got: $desc" ;;
esac
serial=$(json b trust --json -- certificates.0.serial)
is "$(keyctl rdescribe "$serial" 2>/dev/null | cut -d';' -f1)" asymmetric \
	"trust add: an asymmetric key in the keyring"
bad b "no certificate" trust add b.pub
bad b "not in that keyring" trust del 12345
run_ok "trust del SERIAL" ip netns exec b m2mctl trust del "$serial"
is "$(json b trust --json -- certificates.#)" 0 "trust del: the keyring is empty"
bad b "keyring '@x'" trust list keyring @x
run_ok "roles off before the agents take over" sh -c \
	"ip netns exec b m2mctl set role none port 0"

# --- twice ---------------------------------------------------------------------
# T sends P1's material to the mitm, which relays it to P1's agent twice.
write_t() {
	{
		printf '[Node]\nId = %s\nListenPort = 7400\nRoles = issuer\n\n' \
			"$t_id"
		printf '[Issuer]\nSigningKeyFile = %s/t.key\n' "$dir"
		printf 'StateFile = %s/t.state\n\n' "$dir"
		printf '[Client]\nId = %s\nKeyFile = %s/at.key\n' "$a_id" "$dir"
		printf '\n[ProxyPeer]\nId = %s\nKeyFile = %s/pt1.key\n' \
			"$(p_id 1)" "$dir"
		printf 'Endpoint = %s:7600\n' "$T"
		printf '\n[ProxyPeer]\nId = %s\nKeyFile = %s/pt2.key\n' \
			"$(p_id 2)" "$dir"
		printf 'Endpoint = %s:7401\n' "$(topo_addr p2)"
	} > t.conf
}
write_proxy() {
	{
		printf '[Node]\nId = %s\nListenPort = 7401\nRoles = proxy\n' \
			"$(p_id "$1")"
		[ "$2" = kernel ] && printf 'DataPath = kernel\nKernelPort = 7501\n'
		printf '\n[Proxy]\nIssuerKeyFile = %s/pt%d.key\n' "$dir" "$1"
		printf 'Issuer = %s:7400\n' "$T"
		printf '\n[Client]\nId = %s\nKeyFile = %s/ap%d.key\n' \
			"$a_id" "$dir" "$1"
		printf '\n[ServerPeer]\nId = %s\nPublicKeyFile = %s/b.pub\n' \
			"$b_id" "$dir"
	} > "p$1.conf"
}
write_t
write_proxy 1 kernel
write_proxy 2 user
{
	printf '[Node]\nId = %s\nListenPort = 7410\nRoles = server\n' "$b_id"
	printf 'DataPath = kernel\nKernelPort = 7510\n\n'
	printf '[Server]\nPrivateKeyFile = %s/b.key\n' "$dir"
	printf 'TrustCertificate = %s/t.pem\nTrustKeyring = %s\n' "$dir" "$ring"
} > b.conf
{
	printf '[Node]\nId = %s\n\n' "$a_id"
	printf '[ServerPeer]\nId = %s\nEndpoint = %s:7510\n\n' "$b_id" "$B"
	printf '[IssuerPeer]\nEndpoint = %s:7400\nKeyFile = %s/at.key\n' \
		"$T" "$dir"
	printf '\n[ProxyPeer]\nId = %s\nKeyFile = %s/ap1.key\n' "$(p_id 1)" "$dir"
	printf 'Endpoint = %s:7501\n' "$(topo_addr p1)"
	printf '\n[ProxyPeer]\nId = %s\nKeyFile = %s/ap2.key\n' "$(p_id 2)" "$dir"
	printf 'Endpoint = %s:7401\n' "$(topo_addr p2)"
	printf '\n[Handshake]\nProxies = 2\nThreshold = 2\nAgree = 1\n'
	printf 'ShareMode = shamir\nOneTime = lmots-w4\nLifetime = 120\n'
} > a.conf

start dup t m2mkx-mitm --any-address --listen "$T:7600" \
	--server "$(topo_addr p1):7401" --n 2 --k 2 --mode duplicate-material
start t t m2mkx-agent -f -v t.conf
start b b m2mkx-agent -f -v --print-keys b.conf
start p1 p1 m2mkx-agent -f -v p1.conf
start p2 p2 m2mkx-agent -f -v p2.conf
why=$(await dup t b p1 p2)
is "${why:-up}" up "T, the mitm, B and P1 (kernel), P2 (userspace) start"

# run NAME: one handshake; a_rc, a_session, a_mk, b_event.
run() {
	run_client "$1"
	b_event=$(b_completed)
	echo "# $1: A: $(paste -s -d ' ' "$1.a.out" "$1.a.err")"
}
run twice
is "$a_rc" 0 "twice: m2mkx-client completes"
is "$(echo "$b_event" | field mk)" "${a_mk:-no MK from A}" \
	"twice: A's MK equals B's"
at_least "$(grep -c '^event mitm duplicated' dup.out)" 1 \
	"twice: the mitm sent P1's agent its material twice"
at_least "$(grep -c 'refused key material: this session already has key material' p1.err)" \
	1 "twice: P1's module refused the second (its extack)"
first_session=$a_session
sessions=$(json p1 show sessions --json -- sessions.# sessions.0.session)
is "$sessions" "1 $first_session" \
	"twice: P1's module holds the session once (show sessions --json)"

# --- restart -----------------------------------------------------------------
kill -KILL "$(pid_of t)"
stop t
is "$stop_bad" "t:137" "restart: T killed by SIGKILL"
start t2 t m2mkx-agent -f -v t.conf
why=$(await t2)
is "${why:-up}" up "restart: T restarts on its state file"
run restart
is "$a_rc" 0 "restart: the next handshake completes"
issued=$(cat t.out t2.out | sed -n 's/^event issuer issued session=\([^ ]*\).*/\1/p')
is "$(echo "$issued" | sort | uniq -d)" "" \
	"restart: no session was issued keys twice"
is "$(echo "$issued" | grep -c .):$(awk '$1 == "issued" || $1 == "keys" { printf "%s ", $2 }' t.state)" \
	"2:2 4 " "restart: two issues recorded, two one-time keys each"

# --- teardown --------------------------------------------------------------------
stop p1
is "${stop_bad:-none}" none "P1's agent exits 0"
at_least "$(awk '$1 == "counter" && $2 == "proxy" && $3 == "material_exists" { print $4 }' p1.out)" \
	1 "twice: P1's agent counts material_exists"
stop t2 b p2 dup
is "${stop_bad:-none}" none "every other program exits 0 on SIGTERM"
run_ok "rmmod m2mkx" rmmod m2mkx
topo_down
is "$(kernel_splat)" "" "dmesg: no warning, oops or BUG"
done_testing
