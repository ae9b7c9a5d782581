# SPDX-License-Identifier: GPL-2.0
#
# A deployment in the guest's topology, for the guest tests and the demo
# (sourced after lib.sh, topology.sh and agents.sh; works in the current
# directory, $dir): T an agent in namespace t, B an agent in b (kernel or
# userspace data path), P1..P5 agents in p1..p5, A m2mkx-client in a.
#
#   deploy_keys            T's RSA key and certificate, B's X25519 key
#                          pair, the pairwise keys (A-T, P_i-T, A-P_i)
#   write_t                t.conf: T on port 7400, issuing for A and P1..P5
#   write_b PATH [TEXT]    b.conf: B with DataPath PATH (kernel: agent port
#                          7410, module 7510; userspace: agent port 7510,
#                          so that A finds B where it was), T's
#                          certificate in keyring $trust_ring (kernel),
#                          then TEXT (more sections)
#   write_proxy I kernel|user [FAULT]
#                          pI.conf: P_I's agent on 7401, its module on 7501
#   proxy I kernel|user [FAULT]
#                          (re)starts P_I's agent that way
#   write_a SERVER AGREE [TEXT]
#                          a.conf: A with B at SERVER, n = 5, k = 3,
#                          each proxy at its module's or agent's port
#                          (mode_pI), then TEXT
#   wait_line FILE ERE [S] the first line of FILE matching ERE, waiting
#                          up to S seconds (10)
#   field KEY              the value after " KEY=" in a line on stdin
#   mk_of_key SERIAL       the payload of key SERIAL in hex
#   sa NODE SRC DST        "spi key packets" of NODE's ESP SA from SRC to
#                          DST (ip -s xfrm state), nothing when none

# dir and trust_ring come from the test; a_id and the rest are for it.
# shellcheck disable=SC2154,SC2034

a_id=0200000000000001
b_id=02000000000000bb
t_id=02000000000000f0

deploy_keys() {
	(
		umask 077
		m2mctl gencert --key t.key --cert t.pem --cn "m2mkx e2e T" \
			--bits 2048 > gencert.out 2>&1 &&
		m2mctl genkey > b.key && m2mctl pubkey < b.key > b.pub &&
		m2mctl genkey --symmetric > at.key || exit 1
		for i in 1 2 3 4 5; do
			m2mctl genkey --symmetric > "pt$i.key" &&
			m2mctl genkey --symmetric > "ap$i.key" || exit 1
		done
	)
}

write_t() {
	{
		printf '[Node]\nId = %s\nListenPort = 7400\nRoles = issuer\n\n' \
			"$t_id"
		printf '[Issuer]\nSigningKeyFile = %s/t.key\nMaxLifetime = 300\n' \
			"$dir"
		printf 'StateFile = %s/t.state\n\n' "$dir"
		printf '[Client]\nId = %s\nKeyFile = %s/at.key\n' "$a_id" "$dir"
		for i in 1 2 3 4 5; do
			printf '\n[ProxyPeer]\nId = %s\nKeyFile = %s/pt%d.key\n' \
				"$(p_id $i)" "$dir" $i
			printf 'Endpoint = %s:7401\n' "$(topo_addr p$i)"
		done
	} > t.conf
}

write_b() {
	{
		printf '[Node]\nId = %s\nRoles = server\n' "$b_id"
		if [ "$1" = kernel ]; then
			printf 'ListenPort = 7410\n'
			printf 'DataPath = kernel\nKernelPort = 7510\n'
		else
			printf 'ListenPort = 7510\n'
		fi
		printf '\n[Server]\nPrivateKeyFile = %s/b.key\n' "$dir"
		printf 'TrustCertificate = %s/t.pem\n' "$dir"
		[ "$1" = kernel ] && printf 'TrustKeyring = %s\n' "$trust_ring"
		printf 'MaxProxies = 16\nAllowLamport = yes\n'
		# A second for the shares after the k-th, not 200 ms: the
		# userspace proxies of a TCG guest sign at their own pace, and
		# a share that comes later is named absent, not what it is.
		printf 'ShareWindow = 1000\n'
		[ -n "${2:-}" ] && printf '\n%s\n' "$2"
	} > b.conf
}

write_proxy() {
	{
		printf '[Node]\nId = %s\nListenPort = 7401\nRoles = proxy\n' \
			"$(p_id "$1")"
		[ "$2" = kernel ] && printf 'DataPath = kernel\nKernelPort = 7501\n'
		printf '\n[Proxy]\nIssuerKeyFile = %s/pt%d.key\n' "$dir" "$1"
		printf 'Issuer = %s:7400\n' "$(topo_addr t)"
		[ -n "${3:-}" ] && printf 'Fault = %s\n' "$3"
		printf '\n[Client]\nId = %s\nKeyFile = %s/ap%d.key\n' \
			"$a_id" "$dir" "$1"
		printf '\n[ServerPeer]\nId = %s\nPublicKeyFile = %s/b.pub\n' \
			"$b_id" "$dir"
	} > "p$1.conf"
	eval "mode_p$1=$2"
}

proxy() {
	[ -n "$(pid_of "p$1")" ] && stop "p$1"
	write_proxy "$@"
	start "p$1" "p$1" m2mkx-agent -f -v "$dir/p$1.conf"
}

write_a() {
	{
		printf '[Node]\nId = %s\n\n' "$a_id"
		printf '[ServerPeer]\nId = %s\nEndpoint = %s\n\n' "$b_id" "$1"
		printf '[IssuerPeer]\nEndpoint = %s:7400\nKeyFile = %s/at.key\n' \
			"$(topo_addr t)" "$dir"
		for i in 1 2 3 4 5; do
			port=7401
			[ "$(eval "echo \$mode_p$i")" = kernel ] && port=7501
			printf '\n[ProxyPeer]\nId = %s\nKeyFile = %s/ap%d.key\n' \
				"$(p_id $i)" "$dir" $i
			printf 'Endpoint = %s:%d\n' "$(topo_addr p$i)" $port
		done
		printf '\n[Handshake]\nProxies = 5\nThreshold = 3\nAgree = %d\n' \
			"$2"
		printf 'ShareMode = shamir\nOneTime = lmots-w4\nLifetime = 120\n'
		[ -n "${3:-}" ] && printf '\n%s\n' "$3"
	} > a.conf
}

mk_of_key() {
	keyctl pipe "$1" 2>/dev/null | od -An -v -tx1 | tr -d ' \n'
}

sa() {
	ip -n "$1" -s xfrm state 2>/dev/null | awk -v s="$2" -v d="$3" '
		/^src / { on = ($2 == s && $4 == d); cur = 0; next }
		!on { next }
		$1 == "proto" && $2 == "esp" { spi = $4; sub(/\(.*/, "", spi) }
		$1 == "aead" { key = $3 }
		/lifetime current:/ { cur = 1; next }
		cur == 1 { split($2, p, "("); pk = p[1]; cur = 2 }
		END { if (spi != "") print spi, key, pk }'
}
