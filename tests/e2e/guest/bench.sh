#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The server's capacity in the VM, kernel data path against userspace
# (make bench-vm, through tests/e2e/run bench.sh; not a t_*.sh, so make e2e
# does not run it). For n in 3 5 8 (k = n/2 + 1, m = 2): B in the module
# (configured by its agent, DataPath = kernel), then B as a userspace
# agent; P1..P8 and T userspace agents and A m2mkx-client throughout, so
# that only B changes between the two, and the module's crypto runs for B
# alone: its call counts (/sys/kernel/debug/m2mkx/calls) before and after
# are what B's handshakes asked of it.
# After one handshake to warm up, A runs H one after the other (bench_h=
# on the kernel command line, default 120): what counts is B's own
# processing time, not the wall time, so the runs need not overlap.
# Before and after, B's busy time, send time and completed handshakes: the
# module's from m2mctl show instance, the agent's from its SIGUSR1 "stat
# server" lines. A uses P1..Pn.
#
# Besides TAP, lines "bench KEY VALUE" for scripts/bench-vm:
#   bench kernel.n<N>.busy_ns / .tx_ns / .completed     the module's B
#   bench kernel.n<N>.calls.<primitive> <count>         its crypto calls
#   bench user.n<N>.busy_ns / .tx_ns / .completed       the agent's B
#   bench prim.<name> <ns per op>              /sys/kernel/debug/m2mkx/
#                                              primitives, when there;
#                                              rsa_verify with T's key,
#                                              written to rsa_key first
# With two CPUs or more, B gets CPU 0 to itself (the module's unbound
# workqueues, or the userspace agent) and everything else, the load
# generators A, T and P1..P8 included, runs on CPU 1. A benchmark keeps
# its load generator off the CPU it measures anyway, and under TCG more
# so: every switch between processes flushes the emulated TLB, whose
# refill would be charged to whichever B ran next.
# Timings under TCG mean something only as ratios within one run.
# With perf in the image (scripts/bench-vm packs it), CPU 0 is sampled
# with call stacks during the runs, and each of the module's
# samples is put in one of three heaps by the stack it was taken in:
#   bench kernel.n<N>.samples.module   all of B's work (receive_worker,
#                                      timer_worker)
#   bench kernel.n<N>.samples.send     of which sending (m2mkx_socket_send)
#   bench kernel.n<N>.samples.prims    of which, sending excepted, the
#                                      primitives: the crypto backend's
#                                      calls and the core's algorithms
#                                      that /sys/kernel/debug/m2mkx/
#                                      primitives times (the LM-OTS
#                                      candidate, the Merkle path, HMAC,
#                                      HKDF, the combine of the shares)
# which is the module's cost set beside its primitives', both taken in
# the same handshakes rather than one from a loop. The userspace runs are
# sampled the same way, B's agent's samples in
#   bench user.n<N>.samples.module     all of them
#   bench user.n<N>.samples.send       of which sending (sendto(2))
# so that the two data paths also compare by the CPU each spent per
# handshake, which a vCPU stalled inside B's window does not inflate as
# it does the busy (wall) time. With bench_profile=
# on the kernel command line (BENCH_VM_PROFILE=1 make bench-vm) also
# "# profile n=N: ..." lines: the busiest symbols, CPU 0's time by task.
. "${E2E:-/e2e}/lib.sh"
# shellcheck disable=SC2034 # read by topology.sh
TOPO_NODES="a p1 p2 p3 p4 p5 p6 p7 p8 b t"
. "$E2E/topology.sh"
. "$E2E/agents.sh"
# The bench runs more processes per figure: give each 30 s to start.
AWAIT_TICKS=600

NS="3 5 8"
H=${bench_h:-120}
NTESTS=11
plan $NTESTS

if ! have_module m2mkx; then
	i=0
	while [ $i -lt $NTESTS ]; do
		skip "bench $i" "m2mkx.ko not in the image"
		i=$((i + 1))
	done
	done_testing
fi

b_cpu=
if [ "$(grep -c '^processor' /proc/cpuinfo)" -ge 2 ]; then
	# Every task that may move leaves CPU 0, the kernel's own threads
	# too (RCU's grace-period thread, kcompactd, khugepaged): on B's CPU
	# they would preempt its worker inside the windows its busy time
	# counts. Per-CPU threads refuse, and stay.
	for _task in /proc/[0-9]*; do
		taskset -p 2 "${_task#/proc/}" > /dev/null 2>&1
	done
	taskset -p 2 $$ > /dev/null &&
		echo 1 > /sys/devices/virtual/workqueue/cpumask &&
		b_cpu="taskset 1"
	echo "# B on CPU 0: ${b_cpu:-no, it could not be isolated}"
	echo "# clock source: $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
fi

dir=$(pwd)
a_id=0200000000000001
b_id=02000000000000bb
t_id=02000000000000f0
T=$(topo_addr t)
B=$(topo_addr b)
PROXIES="1 2 3 4 5 6 7 8"

# write_b kernel|user: b.conf.
write_b() {
	{
		printf '[Node]\nId = %s\nListenPort = 7410\nRoles = server\n' \
			"$b_id"
		[ "$1" = kernel ] && printf 'DataPath = kernel\nKernelPort = 7510\n'
		printf '\n[Server]\nPrivateKeyFile = %s/b.key\n' "$dir"
		printf 'TrustCertificate = %s/t.pem\n' "$dir"
		[ "$1" = kernel ] && printf 'TrustKeyring = %s\n' "$ring"
		printf 'MaxProxies = 16\n'
	} > b.conf
}

# write_proxy I: a userspace proxy.
write_proxy() {
	{
		printf '[Node]\nId = %s\nListenPort = 7401\nRoles = proxy\n' \
			"$(p_id "$1")"
		printf '\n[Proxy]\nIssuerKeyFile = %s/pt%d.key\n' "$dir" "$1"
		printf 'Issuer = %s:7400\n' "$T"
		printf '\n[Client]\nId = %s\nKeyFile = %s/ap%d.key\n' \
			"$a_id" "$dir" "$1"
		printf '\n[ServerPeer]\nId = %s\nPublicKeyFile = %s/b.pub\n' \
			"$b_id" "$dir"
	} > "p$1.conf"
}

# write_a N kernel|user: A with n = N, k = N/2 + 1, m = 2.
write_a() {
	_port=7401 _bport=7410
	[ "$2" = kernel ] && _bport=7510
	{
		printf '[Node]\nId = %s\n\n' "$a_id"
		printf '[ServerPeer]\nId = %s\nEndpoint = %s:%d\n\n' \
			"$b_id" "$B" $_bport
		printf '[IssuerPeer]\nEndpoint = %s:7400\nKeyFile = %s/at.key\n' \
			"$T" "$dir"
		_i=1
		while [ $_i -le "$1" ]; do
			printf '\n[ProxyPeer]\nId = %s\nKeyFile = %s/ap%d.key\n' \
				"$(p_id $_i)" "$dir" $_i
			printf 'Endpoint = %s:%d\n' "$(topo_addr p$_i)" $_port
			_i=$((_i + 1))
		done
		printf '\n[Handshake]\nProxies = %d\nThreshold = %d\n' \
			"$1" $(($1 / 2 + 1))
		printf 'Agree = 2\nShareMode = shamir\nOneTime = lmots-w4\n'
		printf 'Lifetime = 120\n'
	} > a.conf
}

# proxies_up: P1..P8 as userspace agents; await them.
proxies_up() {
	for _i in $PROXIES; do
		write_proxy "$_i"
		start "p$_i" "p$_i" m2mkx-agent -f "$dir/p$_i.conf"
	done
	await p1 p2 p3 p4 p5 p6 p7 p8
}

# mode_up kernel|user: B that way; await it.
mode_up() {
	write_b "$1"
	# The kernel's B runs in the module's workers, its agent with the rest.
	if [ "$1" = user ]; then
		# shellcheck disable=SC2086 # "taskset 1", or nothing
		start b b $b_cpu m2mkx-agent -f b.conf
	else
		start b b m2mkx-agent -f b.conf
	fi
	await b
}

# The module's crypto call counts, "name count" lines.
calls=/sys/kernel/debug/m2mkx/calls

# B's figures "busy_ns tx_ns completed", in mode @1.
b_stats() {
	if [ "$1" = kernel ]; then
		ip netns exec b m2mctl show instance | awk '
			/server busy ns:/ { b = $4 }
			/server tx ns:/ { t = $4 }
			/server done:/ { c = $3 }
			END { print b + 0, t + 0, c + 0 }'
		return
	fi
	_before=$(grep -c '^counter agent send_failed ' b.out)
	kill -USR1 "$(pid_of b)"
	_i=0
	while [ "$(grep -c '^counter agent send_failed ' b.out)" -le \
		"$_before" ] && [ $_i -lt 200 ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
	awk '$1 == "stat" && $2 == "server" && $3 == "busy_ns" { b = $4 }
		$1 == "stat" && $2 == "server" && $3 == "tx_ns" { t = $4 }
		$1 == "stat" && $2 == "server" && $3 == "completed" { c = $4 }
		END { print b + 0, t + 0, c + 0 }' b.out
}

# heaps PREFIX MODE [GLUE]: perf script's samples (a "comm" line, then a
# frame per line, "ip symbol", innermost first) on stdin; prints the
# bench lines PREFIX.module, .send and .prims (see the top). B's work is
# the module's workers' samples (MODE kernel) or B's agent's, the only
# m2mkx-agent on CPU 0 (MODE user, whose primitives are not told apart).
# With GLUE, instead where the rest, the module's own work, was: "count
# innermost function < its caller < theirs".
heaps() {
	awk -v p="bench $1." -v mode="$2" -v glue="${3:-}" '
		function flush() {
			if (work) {
				module++
				if (send)
					sent++
				else if (prim)
					prims++
				else
					at[leaf]++
			}
			send = prim = 0
			leaf = ""
			depth = 0
		}
		BEGIN {
			# The backend and what debugfs "primitives" times
			# of the core: LM-OTS, Merkle path, HMAC, HKDF,
			# the combine.
			split("m2mkx_sha256_init m2mkx_sha256_update " \
			      "m2mkx_sha256_final m2mkx_aes128_ccm_seal " \
			      "m2mkx_aes128_ccm_open m2mkx_chachapoly_seal " \
			      "m2mkx_chachapoly_open m2mkx_x25519 " \
			      "m2mkx_x25519_public m2mkx_random " \
			      "m2mkx_trust_verify m2mkx_ots_candidate " \
			      "m2mkx_merkle_root m2mkx_hmac m2mkx_hmac_init " \
			      "m2mkx_hmac_update m2mkx_hmac_final " \
			      "m2mkx_hkdf_extract m2mkx_hkdf_expand " \
			      "m2mkx_share_combine", l, " ")
			for (i in l)
				primitive[l[i]] = 1
		}
		# A frame is "ip symbol"; a lone word, the comm, starts the
		# next sample.
		NF < 2 {
			flush()
			work = mode == "user" && $1 == "m2mkx-agent"
			next
		}
		{
			if (depth++ < 3)
				leaf = leaf (leaf == "" ? "" : " < ") $2
			if (mode == "user") {
				if ($2 == "__sys_sendto" || $2 == "__sys_sendmmsg")
					send = 1
			} else if ($2 == "receive_worker" ||
				   $2 == "timer_worker")
				work = 1
			else if ($2 == "m2mkx_socket_send")
				send = 1
			else if ($2 in primitive)
				prim = 1
		}
		END {
			flush()
			if (glue != "") {
				for (k in at)
					print at[k], k
				exit
			}
			print p "module", module + 0
			print p "send", sent + 0
			print p "prims", prims + 0
		}'
}

# profile N: prints the module workers' busiest symbols (a kworker's
# name ends in the start of the workqueue it last served, "-m2") and
# CPU 0's time by task (cpu-clock periods are nanoseconds) for n = N.
profile() {
	perf report -i "perf.kernel.$1.data" --stdio --no-children -g none \
		--sort comm,sym 2>&1 |
		grep -e '^#.*Samples' -e 'kworker/[^ ]*-m2 ' |
		head -n 60 | sed "s/^/# profile n=$1: /"
	perf report -i "perf.kernel.$1.data" --stdio --no-children -g none \
		--sort comm -F period,comm 2>/dev/null | grep -v '^#' |
		grep . | head -n 12 | sed "s/^/# profile n=$1: ns by task: /"
	heaps "" kernel glue < "perf.kernel.$1.txt" | sort -rn | head -n 30 |
		sed "s/^/# profile n=$1: the module's own: /"
}

# runs MODE N: H handshakes; prints the bench lines; sets fails.
runs() {
	write_a "$2" "$1"
	# One handshake first, not counted: the first ones pay for page
	# faults and caches, more so in userspace.
	ip netns exec a m2mkx-client --timeout 30 a.conf > "a.$1.$2.warm.out" 2>&1
	sleep 1
	# shellcheck disable=SC2046 # three words on purpose
	set -- "$1" "$2" $(b_stats "$1")
	_mode=$1 _n=$2 _b0=$3 _t0=$4 _c0=$5
	[ -r "$calls" ] && cp "$calls" calls.before
	_perf=
	if command -v perf > /dev/null; then
		echo -1 > /proc/sys/kernel/perf_event_paranoid
		echo 0 > /proc/sys/kernel/kptr_restrict
		perf record -q -e cpu-clock -F 4000 -g -C 0 \
			-o "perf.$_mode.$_n.data" > perf.out 2>&1 &
		_perf=$!
	fi
	fails=0
	_j=0
	while [ $_j -lt "$H" ]; do
		ip netns exec a m2mkx-client --timeout 30 a.conf \
			> "a.$_mode.$_n.$_j.out" 2>&1 || fails=$((fails + 1))
		_j=$((_j + 1))
	done
	# The shares that arrive after A is done: B still works on them.
	sleep 2
	if [ -n "$_perf" ]; then
		kill -INT "$_perf"
		wait "$_perf"
		perf script -i "perf.$_mode.$_n.data" -F comm,ip,sym \
			2>/dev/null > "perf.$_mode.$_n.txt"
		heaps "$_mode.n$_n.samples" "$_mode" < "perf.$_mode.$_n.txt"
		[ -n "${bench_profile:-}" ] && [ "$_mode" = kernel ] &&
			profile "$_n"
		rm -f "perf.$_mode.$_n.data" "perf.$_mode.$_n.txt"
	fi
	# shellcheck disable=SC2046 # three words on purpose
	set -- $(b_stats "$_mode")
	echo "bench $_mode.n$_n.busy_ns $(($1 - _b0))"
	echo "bench $_mode.n$_n.tx_ns $(($2 - _t0))"
	echo "bench $_mode.n$_n.completed $(($3 - _c0))"
	echo "# $_mode n=$_n: $H runs, $fails failed, B busy $(($1 - _b0)) ns" \
		"and sending $(($2 - _t0)) ns for $(($3 - _c0)) handshakes"
	if [ "$_mode" = kernel ] && [ -r calls.before ]; then
		awk -v p="bench $_mode.n$_n.calls." '
			NR == FNR { before[$1] = $2; next }
			{ print p $1, $2 - before[$1] }' calls.before "$calls"
	fi
}

# --- set-up --------------------------------------------------------------
run_ok "m2mkx loads" load_module m2mkx
umask 077
m2mctl gencert --key t.key --cert t.pem --cn "m2mkx bench T" --bits 2048 \
	> gencert.out 2>&1 &
gen=$!
topo_up > topo.err 2>&1
topo_rc=$?
keys_rc=0
{
	m2mctl genkey > b.key && m2mctl pubkey < b.key > b.pub &&
	m2mctl genkey --symmetric > at.key
} || keys_rc=1
for i in $PROXIES; do
	m2mctl genkey --symmetric > "pt$i.key" || keys_rc=1
	m2mctl genkey --symmetric > "ap$i.key" || keys_rc=1
done
wait $gen || keys_rc=1
is "$keys_rc,$topo_rc" "0,0" "keys and the topology (P1..P8)"
ring=$(keyctl newring m2mkx-bench @u)

{
	printf '[Node]\nId = %s\nListenPort = 7400\nRoles = issuer\n\n' "$t_id"
	printf '[Issuer]\nSigningKeyFile = %s/t.key\nMaxLifetime = 300\n' \
		"$dir"
	printf 'StateFile = %s/t.state\n\n' "$dir"
	printf '[Client]\nId = %s\nKeyFile = %s/at.key\n' "$a_id" "$dir"
	for i in $PROXIES; do
		printf '\n[ProxyPeer]\nId = %s\nKeyFile = %s/pt%d.key\n' \
			"$(p_id $i)" "$dir" $i
		printf 'Endpoint = %s:7401\n' "$(topo_addr p$i)"
	done
} > t.conf
start t t m2mkx-agent -f t.conf
await t > t.why 2>&1 || cat t.why

# --- the two data paths --------------------------------------------------
# Not in $(...): proxies_up and mode_up set the agents' pids.
proxies_up > up.out 2>&1
why=$(cat up.out)
is "${why:-up}" up "P1..P8 start"
for mode in kernel user; do
	mode_up $mode > up.out 2>&1
	why=$(cat up.out)
	is "${why:-up}" up "$mode: B starts"
	for n in $NS; do
		runs $mode "$n"
		is "$fails" 0 "$mode n=$n: $H handshakes complete"
	done
	stop b
done
stop p1 p2 p3 p4 p5 p6 p7 p8

# --- the module's primitives ---------------------------------------------
prim=/sys/kernel/debug/m2mkx/primitives
# T's key for rsa_verify: the keyring B used and the subjectKeyIdentifier
# its certificate is filed under (the X.509 parser's description ends
# with it in hex, "CN: SKID").
tkey=$(keyctl rlist "$ring" 2>/dev/null | awk '{ print $1 }')
tkid=$(keyctl rdescribe "${tkey:-0}" 2>/dev/null | sed -n 's/.*: \([0-9a-f]*\)$/\1/p')
if [ -n "$tkid" ] && [ -w /sys/kernel/debug/m2mkx/rsa_key ]; then
	echo "$ring $tkid" > /sys/kernel/debug/m2mkx/rsa_key ||
		echo "# rsa_key refused $ring $tkid"
else
	echo "# no T key for rsa_verify (ring $ring, key ${tkey:-none})"
fi
if [ -r "$prim" ]; then
	# Timed on B's CPU, where B's handshakes ran.
	# shellcheck disable=SC2086 # "taskset 1", or nothing
	$b_cpu cat "$prim" |
	awk 'NF == 2 && $2 ~ /^[0-9]+$/ { print "bench prim." $1, $2 }
		NF != 2 || $2 !~ /^[0-9]+$/ { print "# " $0 }'
else
	echo "# no $prim"
fi

stop t
topo_down
done_testing
