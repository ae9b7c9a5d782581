#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the VM (tests/e2e/run boots it): m2mkx.ko on Debian's stock
# kernel, then the guest tools and the namespace topology the handshake
# tests use.
#
#   module     m2mkx.ko and its dependencies insmod; /sys/module/m2mkx; its
#              generic netlink family; a network namespace made and deleted
#              with it loaded; rmmod; a second load and unload
#   image      modprobe finds crypto algorithms by alias; every other
#              module vm-initramfs packed loads
#   keys       m2mctl makes T's certificate; keyctl loads it into a keyring
#   topology   A, P1..P5, B and T reach each other over IPv4 and IPv6;
#              netem delays a link; topo_down leaves no namespace
#   dmesg      the kernel logged no warning, oops or BUG meanwhile
#
# Without m2mkx.ko in the image (not built yet) its tests are SKIPs.
. "${E2E:-/e2e}/lib.sh"
. "$E2E/topology.sh"

family=m2mkx

plan 18

# --- module ---------------------------------------------------------------
if have_module m2mkx; then
	run_ok "m2mkx.ko loads with its dependencies" load_module m2mkx
	if [ -d /sys/module/m2mkx ]; then
		ok "/sys/module/m2mkx exists"
	else
		not_ok "/sys/module/m2mkx exists"
	fi
	is "$(awk '$1 == "m2mkx" { print $5 }' /proc/modules)" Live \
		"/proc/modules lists m2mkx as Live"
	run_ok "generic netlink family $family is registered" \
		genl ctrl get name "$family"
	run_ok "a network namespace is made and deleted with m2mkx loaded" \
		sh -c 'ip netns add e2e-x && ip -n e2e-x link set lo up &&
			ip netns del e2e-x'
	run_ok "rmmod m2mkx" rmmod m2mkx
	if [ -d /sys/module/m2mkx ]; then
		not_ok "/sys/module/m2mkx is gone after rmmod"
	else
		ok "/sys/module/m2mkx is gone after rmmod"
	fi
	run_ok "m2mkx loads and unloads a second time" \
		sh -c ". $E2E/lib.sh && load_module m2mkx && rmmod m2mkx"
else
	for what in "m2mkx.ko loads with its dependencies" \
		"/sys/module/m2mkx exists" "/proc/modules lists m2mkx as Live" \
		"generic netlink family $family is registered" \
		"a network namespace is made and deleted with m2mkx loaded" \
		"rmmod m2mkx" "/sys/module/m2mkx is gone after rmmod" \
		"m2mkx loads and unloads a second time"; do
		skip "$what" "m2mkx.ko not built"
	done
fi

# --- image ----------------------------------------------------------------
# The kernel's request_module("crypto-ccm") runs /sbin/modprobe, which must
# know the image's aliases (busybox's does not).
modprobe -r ccm 2>/dev/null
modprobe crypto-ccm >/dev/null 2>&1
if _builtin ccm; then
	skip "modprobe loads a crypto algorithm by alias (crypto-ccm)" \
		"this kernel builds ccm in"
elif module_loaded ccm; then
	ok "modprobe loads a crypto algorithm by alias (crypto-ccm)"
else
	not_ok "modprobe loads a crypto algorithm by alias (crypto-ccm)"
fi
bad=
n=0
while IFS=: read -r path _; do
	name=$(basename "$path" .ko)
	[ "$name" = m2mkx ] && continue
	n=$((n + 1))
	load_module "$name" 2>/dev/null || bad="$bad $name"
done < "$MODDIR/modules.dep"
if [ "$n" -eq 0 ] && [ -s "$MODDIR/modules.builtin" ]; then
	skip "the image's stock modules load" "this kernel builds them in"
elif [ -z "$bad" ] && [ "$n" -gt 0 ]; then
	ok "the image's $n stock modules load"
else
	not_ok "the image's $n stock modules load" "failed:$bad"
fi

# --- keys -----------------------------------------------------------------
# 2048 bits: key generation under TCG emulation is slow.
cert=/tmp/t.der
if m2mctl gencert --key /tmp/t.key --cert "$cert" --cn "m2mkx e2e T" \
	--bits 2048 --der > /tmp/gencert.out 2>&1 && [ -s "$cert" ]; then
	ok "m2mctl makes T's certificate in the guest"
else
	not_ok "m2mctl makes T's certificate in the guest" \
		"$(cat /tmp/gencert.out)"
fi
ring=$(keyctl newring m2mkx-e2e @u 2>&1)
key=$(keyctl padd asymmetric m2mkx-e2e-t "$ring" < "$cert" 2>&1)
is "$(keyctl rdescribe "$key" 2>&1 | cut -d';' -f1)" asymmetric \
	"keyctl loads T's certificate as an asymmetric key"

# --- topology -------------------------------------------------------------
if run_ok "topology: A, P1..P5, B, T and the lan switch come up" topo_up; then
	# One exec per node, which prints a line per ping: the pings
	# themselves are cheap, the execs are not (TCG).
	got=$(for src in $(topo_nodes); do
		dsts=
		for dst in $(topo_nodes); do
			[ "$dst" = "$src" ] || dsts="$dsts $(topo_addr "$dst")"
		done
		topo_exec "$src" sh -c '
			for d in "$@"; do
				if ping -q -c 1 -W 2 "$d" >/dev/null 2>&1; then
					echo ok
				else
					echo "miss $0->$d"
				fi
			done' "$src" $dsts
	done)
	miss=$(echo "$got" | sed -n 's/^miss //p' | paste -s -d ' ')
	is "$(echo "$got" | grep -c '^ok$'), ${miss:-none}" "56, none" \
		"topology: every node pings every other (IPv4)"
	miss=
	for dst in $(topo_nodes); do
		[ "$dst" = a ] && continue
		topo_exec a ping -6 -q -c 1 -W 2 "$(topo_addr6 "$dst")" \
			>/dev/null 2>&1 || miss="$miss a->$dst"
		topo_exec "$dst" ping -6 -q -c 1 -W 2 "$(topo_addr6 a)" \
			>/dev/null 2>&1 || miss="$miss $dst->a"
	done
	is "${miss:-none}" none \
		"topology: A and every node ping each other (IPv6)"
	topo_netem p5 delay 100ms
	rtt=$(topo_exec a ping -c 1 -W 3 "$(topo_addr p5)" 2>&1 |
		sed -n 's/.*time=\([0-9]*\).*/\1/p')
	topo_netem p5
	if [ "${rtt:-0}" -ge 200 ]; then
		ok "topology: netem delays P5's link both ways (rtt $rtt ms)"
	else
		not_ok "topology: netem delays P5's link both ways" \
			"rtt '${rtt:-none}' ms, want >= 200"
	fi
else
	for what in "every node pings every other (IPv4)" \
		"A and every node ping each other (IPv6)" \
		"netem delays P5's link both ways"; do
		not_ok "topology: $what" "the topology did not come up"
	done
fi
topo_down
is "$(ip netns list)" "" "topology: topo_down leaves no namespace"

# --- dmesg ----------------------------------------------------------------
splat=$(kernel_splat)
if [ -z "$splat" ]; then
	ok "dmesg: no warning, oops or BUG"
else
	not_ok "dmesg: no warning, oops or BUG" "$splat"
fi

done_testing
