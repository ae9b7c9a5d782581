#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# m2mctl without the m2mkx module, as on any machine that has not loaded
# it (the module itself is tested in the e2e VM, tests/e2e/):
#
#   keys       genkey | pubkey gives a base64 X25519 public key
#   help       m2mctl help names every command, exit 0
#   arguments  a bad argument to any command is one line on stderr, naming
#              it, nothing on stdout, exit 1 - before any module is asked
#   module     every command that talks to the module says, in one line,
#              that it is not loaded, and exits 1
#   agent      m2mkx-agent with DataPath = kernel: its configuration keys
#              are checked like the others, and without the module it
#              says so in the same line
#
# Binaries come from $M2MKX_BIN (default build/san). TAP on stdout.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${M2MKX_BIN:-$top/build/san}
m2mctl=$bin/m2mctl
agent=$bin/m2mkx-agent
tmp=$(mktemp -d "${TMPDIR:-/tmp}/m2mkx-m2mctl.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

not_loaded="m2mctl: the m2mkx module is not loaded (try: modprobe m2mkx)"

. "$top/tests/userspace/tap.sh"

# run ARGS...: runs m2mctl with stdin from $stdin (default /dev/null);
# sets rc, out, err.
stdin=/dev/null
run() {
	out=$("$m2mctl" "$@" < "$stdin" 2> "$tmp/err")
	rc=$?
	err=$(cat "$tmp/err")
}

# bad WANT ARGS...: m2mctl ARGS fails with one line on stderr that starts
# with "m2mctl: " and contains WANT, nothing on stdout, exit 1.
bad() {
	local want=$1 lines
	shift
	run "$@"
	lines=$(printf '%s\n' "$err" | wc -l)
	if [ "$rc" = 1 ] && [ -z "$out" ] && [ "$lines" = 1 ] &&
	   [ "${err#m2mctl: }" != "$err" ] && [ "${err#*"$want"}" != "$err" ]
	then
		ok "m2mctl $* names '$want'"
	else
		not_ok "m2mctl $* names '$want'" "exit $rc" "stdout: $out" \
			"stderr: $err"
	fi
}

# unloaded ARGS...: m2mctl ARGS says the module is not loaded, exit 1.
unloaded() {
	run "$@"
	if [ "$rc" = 1 ] && [ "$err" = "$not_loaded" ] && [ -z "$out" ]; then
		ok "m2mctl $*: module not loaded"
	else
		not_ok "m2mctl $*: module not loaded" "exit $rc" \
			"stdout: $out" "stderr: $err"
	fi
}

echo "1..83"

# --- keys -------------------------------------------------------------------
priv=$tmp/b.key
sym=$tmp/ap.key
(umask 077; "$m2mctl" genkey > "$priv" && "$m2mctl" genkey --symmetric > "$sym")
pub=$("$m2mctl" genkey | "$m2mctl" pubkey)
if [[ $pub =~ ^[A-Za-z0-9+/]{43}=$ ]]; then
	ok "genkey | pubkey prints a base64 public key"
else
	not_ok "genkey | pubkey prints a base64 public key" "got: '$pub'"
fi
is "$("$m2mctl" pubkey < "$priv")" "$("$m2mctl" pubkey < "$priv")" \
	"pubkey is a function of the private key"
pub=$("$m2mctl" pubkey < "$priv")
echo "$pub" > "$tmp/b.pub"

# --- help -------------------------------------------------------------------
run help
missing=
for verb in genkey pubkey gencert show set neighbor server monitor trust; do
	grep -q "^  $verb" <<< "$out" || missing="$missing $verb"
done
is "$rc:${missing:-none}" "0:none" "m2mctl help names every command"
run set --help
is "$rc:$(grep -c 'trust-keyring' <<< "$out")" "0:1" "m2mctl set --help"

# --- arguments ----------------------------------------------------------------
bad frobnicate frobnicate
bad bogus show bogus
bad peers show instance peers
bad --all show --all
bad --all show sessions --all
bad set set
bad bogus set bogus 1
bad port set port
bad 70000 set port 70000
bad -1 set port -1
bad client set role client
bad 12 set node-id 12
bad 0200000000000zzz set node-id 0200000000000zzz
bad 17 set max-proxies 17
bad 0 set min-threshold 0
bad 0 set max-sessions 0
bad maybe set allow-dispersal maybe
bad Yes set allow-lamport Yes
bad @x set trust-keyring @x
bad "%:" set trust-keyring "%:"
bad port set port 1 port 2
bad /nonexistent/b.key set private-key /nonexistent/b.key
bad "32 bytes" set private-key "$sym"
stdin=$tmp/ap.key
bad stdin set private-key -
stdin=/dev/null
bad neighbor neighbor
bad frob neighbor frob
bad ID neighbor add
bad xyz neighbor add xyz key "$sym"
bad kee neighbor add 0200000000000001 kee "$sym"
bad key neighbor add 0200000000000001
bad /nonexistent/ap.key neighbor add 0200000000000001 key /nonexistent/ap.key
bad "16 bytes" neighbor add 0200000000000001 key "$priv"
bad extra neighbor del 0200000000000001 extra
bad 02 neighbor del 02
bad frob server frob 02000000000000bb
bad publickey server add 02000000000000bb publickey "$pub"
bad notakey server add 02000000000000bb public-key notakey
bad xyz server del xyz
bad --bogus monitor --bogus
bad servers show neighbors servers
bad frob trust frob
bad FILE trust add
bad SERIAL trust del
bad 12x trust del 12x
bad 0 trust del 0
bad @x trust list keyring @x
bad "%:" trust add "$tmp/none.pem" keyring "%:"
bad --json trust add "$tmp/none.pem" --json
bad keyring trust del 5 keyring @s keyring @u
bad --json trust list --json --json
# A file that is no certificate, into a keyring never touched (a serial
# no keyring has): refused for the file before any keyring is asked.
printf 'not a certificate\n' > "$tmp/none.pem"
bad "'$tmp/none.pem': no certificate" trust add "$tmp/none.pem" keyring 2147483647
bad "/nonexistent/t.pem" trust add /nonexistent/t.pem keyring 2147483647

# --- module -------------------------------------------------------------------
# The checks need a machine without the module (make check runs on the
# host, the e2e tests load it in a VM).
if [ -d /sys/module/m2mkx ]; then
	for _ in $(seq 20); do
		skip "m2mctl without the module" "m2mkx is loaded here"
	done
	for _ in $(seq 7); do
		skip "m2mkx-agent without the module" "m2mkx is loaded here"
	done
	exit $((failed > 0))
fi
unloaded show
unloaded show instance
unloaded show sessions --json
unloaded show peers
unloaded show neighbors --json
unloaded trust
unloaded trust list --json
unloaded trust add "$tmp/b.pub"
unloaded trust del 5
unloaded show counters --all
unloaded set port 7500 role server node-id 02000000000000bb \
	private-key "$priv" max-proxies 8 min-threshold 2 \
	allow-dispersal no allow-lamport yes max-sessions 64
unloaded set allow-dispersal yes
unloaded set trust-keyring none
unloaded neighbor add 0200000000000001 key "$sym"
unloaded neighbor del 0200000000000001
unloaded server add 02000000000000bb public-key "$pub"
unloaded server add 02000000000000bb public-key "$tmp/b.pub"
unloaded server del 02000000000000bb
unloaded monitor
unloaded monitor --show-keys

# --- agent ----------------------------------------------------------------------
mkdir -p "$tmp/keys"
cp "$priv" "$tmp/keys/b.key"
"$m2mctl" gencert --key "$tmp/keys/t.key" --cert "$tmp/keys/t.pem" \
	--cn "m2mkx t_m2mctl T" --bits 2048 > /dev/null 2>&1
cat > "$tmp/b.conf" <<EOF
[Node]
Id = 02000000000000bb
ListenAddress = 127.0.0.1
ListenPort = 0
Roles = server
DataPath = kernel
KernelPort = 7510

[Server]
PrivateKeyFile = keys/b.key
TrustCertificate = keys/t.pem
TrustKeyring = @u
EOF
# agent_bad LINE CONF: m2mkx-agent -f CONF exits 1 saying LINE.
agent_bad() {
	local got rc
	got=$("$agent" -f "$2" 2>&1 > /dev/null)
	rc=$?
	is "$rc: $got" "1: $1" "m2mkx-agent: ${1#*conf:}"
}
agent_bad "m2mkx-agent: the m2mkx module is not loaded (try: modprobe m2mkx)" \
	"$tmp/b.conf"
sed 's/^KernelPort.*/KernelPort = 0/' "$tmp/b.conf" > "$tmp/b1.conf"
agent_bad "m2mkx-agent: $tmp/b1.conf:7: invalid KernelPort '0' in [Node]: expected 1..65535" \
	"$tmp/b1.conf"
sed '/^KernelPort/d' "$tmp/b.conf" > "$tmp/b2.conf"
agent_bad "m2mkx-agent: $tmp/b2.conf:1: [Node] lacks KernelPort" "$tmp/b2.conf"
sed 's/^DataPath.*/DataPath = userspace/' "$tmp/b.conf" > "$tmp/b3.conf"
agent_bad "m2mkx-agent: $tmp/b3.conf:7: KernelPort in [Node] needs DataPath = kernel" \
	"$tmp/b3.conf"
sed 's/^DataPath.*/DataPath = Kernel/' "$tmp/b.conf" > "$tmp/b4.conf"
agent_bad "m2mkx-agent: $tmp/b4.conf:6: invalid DataPath 'Kernel' in [Node]: expected kernel or userspace" \
	"$tmp/b4.conf"
# A trailing comma in Roles, MinThreshold above MaxProxies: the line named.
sed 's/^Roles = server$/Roles = server,/' "$tmp/b.conf" > "$tmp/b5.conf"
agent_bad "m2mkx-agent: $tmp/b5.conf:5: invalid Roles 'server,' in [Node]: expected a list of distinct roles among server, proxy, issuer" \
	"$tmp/b5.conf"
{ cat "$tmp/b.conf"; printf 'MaxProxies = 2\nMinThreshold = 3\n'; } > "$tmp/b6.conf"
agent_bad "m2mkx-agent: $tmp/b6.conf:14: MinThreshold 3 is above MaxProxies 2 in [Server]" \
	"$tmp/b6.conf"

exit $((failed > 0))
