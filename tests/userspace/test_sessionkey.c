// SPDX-License-Identifier: GPL-2.0
/*
 * What becomes of a session's MK: the ESP derivation of the core against
 * the transcript vector (tests/vectors/transcript.txt, MK.esp_*), the
 * SPI rules, each end's view of the SA pair, the [Session] and [EspPeer]
 * configuration, and session keys in a keyring: description,
 * permissions, expiry, who may read them, removal.
 *
 * The keyring part runs in a fresh anonymous session keyring of its own,
 * so it changes no keyring of the host that outlives the test. The
 * kernel's xfrm tables are not touched here (that would change the
 * host's): tests/e2e/guest/t_sessionkey.sh installs the SAs in the VM.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <keyutils.h>

#include <m2mkx/bytes.h>
#include <m2mkx/keys.h>

#include "common/conf.h"
#include "common/keyring.h"
#include "common/keys.h"
#include "common/xfrm.h"

#include "tap.h"

/* From tests/vectors/transcript.txt. */
#define VEC_MK "136c6e92ccd52590c4440e39765b01879455531643941726b1e57a3b2918cb5e"
#define VEC_A2B "6014828c24eb75e8368913c4e3a69a4a4445bcaf84cad2256dbbbcab04e5ed28869c5eb3"
#define VEC_B2A "68fc1dfb93b817b145c60bc95bcc0fc7654aa099d0feed18fc0f35c608f65887b703cd00"
/* MK.esp_spi = e5b51e6f c2f98756 */
#define VEC_SPI_A2B 0xe5b51e6fu
#define VEC_SPI_B2A 0xc2f98756u

/* The user that stands for "anyone else" (nobody). */
#define NOBODY_UID 65534

static void unhex(const char *hex, u8 *out, size_t len)
{
	if (tap_unhex(hex, out, len) != (long)len) {
		printf("Bail out! bad vector %s\n", hex);
		exit(1);
	}
}

static void test_derive(void)
{
	u8 mk[M2MKX_MK_LEN], a2b[M2MKX_ESP_KEY_LEN], b2a[M2MKX_ESP_KEY_LEN];
	struct m2mkx_esp_keys esp;

	unhex(VEC_MK, mk, sizeof(mk));
	unhex(VEC_A2B, a2b, sizeof(a2b));
	unhex(VEC_B2A, b2a, sizeof(b2a));
	tap_is_int(m2mkx_derive_esp(&esp, mk), 0, "esp: derived from MK");
	tap_is_mem(esp.a2b, a2b, sizeof(a2b),
		   "esp: K_esp_a2b is the vector's MK.esp_a2b");
	tap_is_mem(esp.b2a, b2a, sizeof(b2a),
		   "esp: K_esp_b2a is the vector's MK.esp_b2a");
	tap_is_int(esp.spi_a2b, VEC_SPI_A2B,
		   "esp: SPI_a2b is bytes 0..3 of MK.esp_spi");
	tap_is_int(esp.spi_b2a, VEC_SPI_B2A,
		   "esp: SPI_b2a is bytes 4..7 of MK.esp_spi");
}

static void test_spi(void)
{
	static const struct {
		u8 raw[4];
		u32 spi;
	} v[] = {
		{ { 0, 0, 0, 0 }, 256 },
		{ { 0, 0, 0, 1 }, 257 },
		{ { 0, 0, 0, 0xff }, 511 },
		{ { 0, 0, 1, 0 }, 256 },
		{ { 0x12, 0x34, 0x56, 0x78 }, 0x12345678 },
		{ { 0xff, 0xff, 0xff, 0xff }, 0xffffffff },
	};
	unsigned int i;

	for (i = 0; i < M2MKX_ARRAY_SIZE(v); i++)
		tap_is_int(m2mkx_esp_spi(v[i].raw), v[i].spi,
			   "esp: raw SPI %02x%02x%02x%02x is %u",
			   v[i].raw[0], v[i].raw[1], v[i].raw[2], v[i].raw[3],
			   v[i].spi);
}

static void test_pair(void)
{
	struct m2mkx_esp_keys esp;
	struct xfrm_pair a, b;
	struct xfrm_ip ia, ib, i6;
	u8 mk[M2MKX_MK_LEN];

	unhex(VEC_MK, mk, sizeof(mk));
	m2mkx_derive_esp(&esp, mk);
	tap_ok(!xfrm_ip_parse(&ia, "10.77.0.10") && ia.family == AF_INET &&
	       ia.addr[0] == 10 && ia.addr[3] == 10 &&
	       !xfrm_ip_parse(&ib, "10.77.0.30") &&
	       !xfrm_ip_parse(&i6, "fd00:77::30") && i6.family == AF_INET6 &&
	       i6.addr[15] == 0x30, "xfrm: IPv4 and IPv6 addresses parse");
	tap_ok(xfrm_ip_parse(&i6, "10.77.0.300") == -1 &&
	       xfrm_ip_parse(&i6, "host") == -1, "xfrm: and nothing else");
	xfrm_pair_init(&a, &esp, true, &ia, &ib, 7510, 60);
	xfrm_pair_init(&b, &esp, false, &ib, &ia, 7510, 60);
	tap_ok(a.spi_out == esp.spi_a2b && a.spi_in == esp.spi_b2a &&
	       !memcmp(a.key_out, esp.a2b, M2MKX_ESP_KEY_LEN) &&
	       !memcmp(a.key_in, esp.b2a, M2MKX_ESP_KEY_LEN),
	       "xfrm: A sends with a2b, receives with b2a");
	tap_ok(b.spi_out == a.spi_in && b.spi_in == a.spi_out &&
	       !memcmp(b.key_out, a.key_in, M2MKX_ESP_KEY_LEN) &&
	       !memcmp(b.key_in, a.key_out, M2MKX_ESP_KEY_LEN),
	       "xfrm: B's pair is A's turned around");
	xfrm_ip_parse(&i6, "fd00:77::30");
	errno = 0;
	tap_ok(xfrm_pair_init(&b, &esp, false, &i6, &ia, 7510, 60) == -1 &&
	       errno == EAFNOSUPPORT, "xfrm: addresses of two families refused");
}

static void test_description(void)
{
	static const u8 a[8] = { 2, 0, 0, 0, 0, 0, 0, 1 };
	static const u8 b[8] = { 2, 0, 0, 0, 0, 0, 0, 0xbb };
	static const u8 s[8] = { 0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3 };
	char desc[KEYRING_SESSION_DESC_LEN];

	keyring_session_description(desc, a, b, s);
	tap_ok(!strcmp(desc, "m2mkx:0200000000000001:02000000000000bb:deadbeef00010203"),
	       "keyring: description m2mkx:<A>:<B>:<session> (%s)", desc);
}

/* --- configuration ------------------------------------------------------- */

static char dir[] = "/tmp/m2mkx-test-sessionkey.XXXXXX";

/* Loads @text; 0 or -1, the message on stderr as conf_load prints it. */
static int load_text(struct conf *c, const char *text,
		     enum conf_program program, char *err, size_t cap)
{
	char path[128];
	FILE *f, *capture = tmpfile();
	int saved = dup(STDERR_FILENO), ret;
	size_t n;

	snprintf(path, sizeof(path), "%s/s.conf", dir);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	fflush(stderr);
	dup2(fileno(capture), STDERR_FILENO);
	ret = conf_load(c, path, program);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(capture);
	n = fread(err, 1, cap - 1, capture);
	fclose(capture);
	err[n] = '\0';
	if (n && err[n - 1] == '\n')
		err[n - 1] = '\0';
	return ret;
}

#define B_NODE "[Node]\nId = 02000000000000bb\nListenPort = 1\nRoles = server\n" \
	"[Server]\nPrivateKeyFile = b.key\nTrustCertificate = t.pem\n"
#define K16 "AAECAwQFBgcICQoLDA0ODw=="
#define A_NODE "[Node]\nId = 0200000000000001\n" \
	"[ServerPeer]\nId = 02000000000000bb\nEndpoint = 127.0.0.1:1\n" \
	"[IssuerPeer]\nEndpoint = 127.0.0.1:2\nKey = " K16 "\n" \
	"[ProxyPeer]\nId = 0200000000000011\nKey = " K16 "\n" \
	"Endpoint = 127.0.0.1:3\n" \
	"[Handshake]\nProxies = 1\nThreshold = 1\nAgree = 1\n"

/* @text must fail with "test_sessionkey: <path>:<@where>". */
static void refuse(const char *text, enum conf_program program,
		   const char *where, const char *what)
{
	char err[512], want[512];
	struct conf c;
	int ret;

	snprintf(want, sizeof(want), "test_sessionkey: %s/s.conf%s", dir,
		 where);
	ret = load_text(&c, text, program, err, sizeof(err));
	if (!tap_ok(ret == -1 && !strcmp(err, want), "conf: %s", what)) {
		tap_diag("got:  %s", err);
		tap_diag("want: %s", want);
	}
}

static void test_conf(void)
{
	static const u8 a_id[8] = { 2, 0, 0, 0, 0, 0, 0, 1 };
	const struct conf_esp_peer *e;
	char err[512];
	struct conf c;
	int ret;

	ret = load_text(&c, B_NODE "[Session]\nKeyring = %:m2mkx\n"
			"KeyOwner = 65534\nLifetime = 90\n"
			"[EspPeer]\nId = 0200000000000001\n"
			"Address = 10.77.0.10\nLocalAddress = 10.77.0.30\n",
			CONF_AGENT, err, sizeof(err));
	if (!tap_ok(!ret, "conf: B with [Session] and [EspPeer] loads"))
		tap_diag("%s", err);
	if (!ret) {
		e = conf_esp_peer_find(&c, a_id);
		tap_ok(!strcmp(c.session_keyring, "%:m2mkx") &&
		       c.session_key_owner == 65534 &&
		       c.session_lifetime_s == 90,
		       "conf: [Session] Keyring, KeyOwner, Lifetime");
		tap_ok(e && e->address.family == AF_INET &&
		       e->address.addr[3] == 10 && e->local.addr[3] == 30,
		       "conf: [EspPeer] found by A's Id");
		conf_free(&c);
	} else {
		tap_ok(0, "conf: [Session] Keyring, KeyOwner, Lifetime");
		tap_ok(0, "conf: [EspPeer] found by A's Id");
	}
	ret = load_text(&c, B_NODE, CONF_AGENT, err, sizeof(err));
	tap_ok(!ret && !c.session_keyring && c.session_key_owner == (uid_t)-1 &&
	       c.session_lifetime_s == CONF_SESSION_LIFETIME_DEFAULT &&
	       !c.esp_peers.count,
	       "conf: no keyring, no ESP and a lifetime of %d s by default",
	       CONF_SESSION_LIFETIME_DEFAULT);
	if (!ret)
		conf_free(&c);
	ret = load_text(&c, A_NODE "[Session]\nLifetime = 60\n[EspPeer]\n"
			"Id = 02000000000000bb\nAddress = fd00:77::30\n"
			"LocalAddress = fd00:77::10\n",
			CONF_CLIENT, err, sizeof(err));
	tap_ok(!ret && c.esp_peers.count == 1 &&
	       c.esp_peers.peer[0].address.family == AF_INET6 &&
	       c.session_lifetime_s == 60,
	       "conf: A with its server as [EspPeer] loads");
	if (ret)
		tap_diag("%s", err);
	else
		conf_free(&c);

	refuse(B_NODE "[EspPeer]\nId = 0200000000000001\nAddress = 10.0.0.1\n",
	       CONF_AGENT, ":8: [EspPeer] lacks LocalAddress",
	       "an [EspPeer] without LocalAddress");
	refuse(B_NODE "[EspPeer]\nId = 0200000000000001\nAddress = 10.0.0.1\n"
	       "LocalAddress = fd00::1\n", CONF_AGENT,
	       ":8: [EspPeer] Address and LocalAddress are of two families",
	       "an [EspPeer] of two address families");
	refuse(B_NODE "[EspPeer]\nAddress = 10.0.0.256\n", CONF_AGENT,
	       ":9: invalid Address '10.0.0.256' in [EspPeer]: expected an IPv4 or IPv6 address",
	       "an [EspPeer] Address that is none");
	refuse(B_NODE "[Session]\nKeyOwner = 0\n", CONF_AGENT,
	       ":9: KeyOwner in [Session] needs Keyring",
	       "KeyOwner without Keyring");
	refuse(B_NODE "[Session]\nKeyring = m2mkx\n", CONF_AGENT,
	       ":9: invalid Keyring 'm2mkx' in [Session]: expected @u, @s, %:NAME or a keyring serial",
	       "a keyring keyctl could not name");
	refuse(B_NODE "[Session]\nKeyOwner = no-such-user-m2mkx\n", CONF_AGENT,
	       ":9: invalid KeyOwner 'no-such-user-m2mkx' in [Session]: expected a user name or a uid",
	       "an unknown KeyOwner");
	refuse(B_NODE "[Session]\nLifetime = 0\n", CONF_AGENT,
	       ":9: invalid Lifetime '0' in [Session]: expected 1..31536000",
	       "a zero Lifetime");
	refuse("[Node]\nId = 0200000000000011\nListenPort = 1\nRoles = proxy\n"
	       "[Session]\nLifetime = 5\n", CONF_AGENT,
	       ":5: [Session] but Roles lacks server",
	       "[Session] at a node that is no server");
	refuse(A_NODE "[Session]\nKeyring = @s\n", CONF_CLIENT,
	       ":18: key 'Keyring' in [Session] is not for m2mkx-client",
	       "A keeps no keyring");
	refuse(A_NODE "[EspPeer]\nId = 0200000000000011\nAddress = 10.0.0.1\n"
	       "LocalAddress = 10.0.0.2\n", CONF_CLIENT,
	       ":17: [EspPeer] Id is not the [ServerPeer]'s",
	       "A's [EspPeer] is its server");
}

/* --- keyring ------------------------------------------------------------- */

/* The expiry column of /proc/keys for @key ("1m", "59s", "perm"). */
static void proc_keys_expiry(int32_t key, char *out, size_t cap)
{
	char line[512], id[16], expiry[16];
	FILE *f = fopen("/proc/keys", "r");

	snprintf(out, cap, "(not listed)");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *end;

		if (sscanf(line, "%15s %*s %*s %15s", id, expiry) != 2 ||
		    strtol(id, &end, 16) != key || *end)
			continue;
		snprintf(out, cap, "%s", expiry);
		break;
	}
	fclose(f);
}

/*
 * In a child that drops to uid @uid and a session keyring of its own:
 * 0 when it reads @key and gets @mk, else the errno of the read.
 */
static int read_as(uid_t uid, int32_t key, const u8 *mk)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		u8 buf[64];
		long n;

		if (setgid(uid) || setuid(uid) ||
		    keyctl_join_session_keyring(NULL) < 0)
			_exit(100);
		n = keyctl_read(key, (char *)buf, sizeof(buf));
		if (n < 0)
			_exit(errno & 0x7f);
		_exit(n == M2MKX_MK_LEN && !memcmp(buf, mk, M2MKX_MK_LEN) ?
		      0 : 101);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static void test_keyring(void)
{
	u8 mk[M2MKX_MK_LEN], buf[64];
	char desc[256], want[256], expiry[32];
	int32_t ring, key, key2;
	long n;

	for (n = 0; n < M2MKX_MK_LEN; n++)
		mk[n] = (u8)(0xa0 + n);
	/* Only this process and its children see this keyring. */
	if (keyctl_join_session_keyring(NULL) < 0 ||
	    keyring_resolve("@s", &ring)) {
		/*
		 * Containers' seccomp filters commonly refuse the keyring
		 * system calls: nothing to test there. The e2e VM tests the
		 * keys of real sessions (t_sessionkey.sh).
		 */
		tap_ok(1, "keyring: session keys # SKIP no keyrings here: %s",
		       strerror(errno));
		return;
	}
	key = keyring_add_session_key(ring, "m2mkx:test", mk, (uid_t)-1,
				      (gid_t)-1, 100);
	tap_ok(key > 0, "keyring: a session key is added (%d)", key);
	n = keyctl_describe(key, desc, sizeof(desc));
	snprintf(want, sizeof(want), "user;%u;%u;%08x;m2mkx:test",
		 (unsigned int)getuid(), (unsigned int)getgid(),
		 KEYRING_SESSION_PERM);
	tap_ok(n > 0 && !strcmp(desc, want),
	       "keyring: type user, our uid, permissions %08x (%s)",
	       KEYRING_SESSION_PERM, n > 0 ? desc : strerror(errno));
	n = keyctl_read(key, (char *)buf, sizeof(buf));
	tap_ok(n == M2MKX_MK_LEN && !memcmp(buf, mk, M2MKX_MK_LEN),
	       "keyring: its possessor reads MK back");
	proc_keys_expiry(key, expiry, sizeof(expiry));
	tap_ok(!strcmp(expiry, "1m"),
	       "keyring: it expires in 100 s (/proc/keys says %s)", expiry);

	if (getuid() != 0) {
		tap_ok(1, "keyring: another user cannot read it # SKIP not root");
		tap_ok(1, "keyring: KeyOwner reads it # SKIP not root");
	} else {
		tap_is_int(read_as(NOBODY_UID, key, mk), EACCES,
			   "keyring: another user cannot read it (EACCES)");
		key2 = keyring_add_session_key(ring, "m2mkx:test2", mk,
					       NOBODY_UID, (gid_t)-1, 100);
		tap_is_int(key2 > 0 ? read_as(NOBODY_UID, key2, mk) : -2, 0,
			   "keyring: KeyOwner reads it");
		if (key2 > 0)
			keyring_remove_key(ring, key2);
	}
	tap_is_int(keyring_remove_key(ring, key), 0, "keyring: removed");
	errno = 0;
	n = keyctl_read(key, (char *)buf, sizeof(buf));
	tap_ok(n < 0 && (errno == EKEYREVOKED || errno == ENOKEY),
	       "keyring: and no longer readable (%s)", strerror(errno));
	errno = 0;
	n = keyring_remove_key(ring, key);
	tap_ok(n == -1 && errno, "keyring: removing it twice fails (%s)",
	       strerror(errno));
}

int main(void)
{
	char path[128];
	FILE *f;

	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	/* B's key for the [Server] sections: any 32 bytes. */
	snprintf(path, sizeof(path), "%s/b.key", dir);
	f = fopen(path, "w");
	fputs("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", f);
	fclose(f);
	test_derive();
	test_spi();
	test_pair();
	test_description();
	test_conf();
	test_keyring();
	unlink(path);
	snprintf(path, sizeof(path), "%s/s.conf", dir);
	unlink(path);
	rmdir(dir);
	return tap_done();
}
