// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the userspace helpers (common/): the strict base64 and hex
 * codecs, endpoints as text and sockaddrs, and the configuration parser's
 * values and one-line errors.
 *
 * Base64 is checked against RFC 4648's vectors and, for random data of
 * every length up to 48 bytes, against OpenSSL's encoder, which shares no
 * code with ours.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include <m2mkx/crypto.h>
#include <m2mkx/ots.h>
#include <m2mkx/share.h>

#include "common/conf.h"
#include "common/endpoint.h"
#include "common/keys.h"

#include "drbg.h"
#include "tap.h"

static void test_b64_vectors(void)
{
	static const struct {
		const char *in, *out;
	} v[] = {
		{ "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" },
		{ "foobar", "Zm9vYmFy" },
	};
	/* Every digit once, in order. */
	static const char all[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	u8 bytes[48], back[48];
	char text[B64_LEN(48) + 1];
	unsigned int i;

	for (i = 0; i < M2MKX_ARRAY_SIZE(v); i++) {
		size_t len = strlen(v[i].in);
		u8 dec[8];

		b64_encode(text, (const u8 *)v[i].in, len);
		tap_ok(!strcmp(text, v[i].out), "b64: RFC 4648 '%s' -> '%s'",
		       v[i].in, text);
		tap_ok(!b64_decode(dec, len, v[i].out) &&
		       !memcmp(dec, v[i].in, len),
		       "b64: RFC 4648 '%s' decodes", v[i].out);
	}
	tap_is_int(tap_unhex("00108310518720928b30d38f41149351559761969b71d7"
			     "9f8218a39259a7a29aabb2dbafc31cb3d35db7e39ebbf3"
			     "dfbf", bytes, sizeof(bytes)), 48,
		   "b64: alphabet vector parses");
	b64_encode(text, bytes, 48);
	tap_ok(!strcmp(text, all), "b64: every digit encodes in order");
	tap_ok(!b64_decode(back, 48, all) && !memcmp(back, bytes, 48),
	       "b64: every digit decodes in order");
}

static void test_b64_random(void)
{
	unsigned char ref[B64_LEN(48) + 1];
	char text[B64_LEN(48) + 1];
	u8 in[48], out[48];
	unsigned int len, bad = 0;

	for (len = 1; len <= 48; len++) {
		m2mkx_random(in, len);
		b64_encode(text, in, len);
		EVP_EncodeBlock(ref, in, (int)len);
		if (strcmp(text, (const char *)ref) ||
		    b64_decode(out, len, text) || memcmp(out, in, len)) {
			tap_diag("length %u: ours %s, OpenSSL %s", len, text,
				 ref);
			bad++;
		}
	}
	tap_is_int(bad, 0, "b64: 1..48 random bytes match OpenSSL both ways");
}

static void test_b64_strict(void)
{
	static const struct {
		const char *text;
		size_t len;
		const char *why;
	} bad[] = {
		{ "Zh==", 1, "non-zero bits under the padding" },
		{ "Zm9=", 2, "non-zero bits under one pad" },
		{ "Zg", 1, "missing padding" },
		{ "Zg=", 1, "short padding" },
		{ "Zg===", 1, "long padding" },
		{ "Zm9v", 2, "length of 3 bytes for 2" },
		{ "Zm8=", 3, "length of 2 bytes for 3" },
		{ "Zm 9", 3, "a space" },
		{ "Zm9\n", 3, "a newline" },
		{ "Zm-v", 3, "a URL-safe digit" },
		{ "Z=9v", 3, "padding in the middle" },
		{ "", 1, "empty" },
	};
	unsigned int i;
	u8 out[4];

	for (i = 0; i < M2MKX_ARRAY_SIZE(bad); i++) {
		/* Refused before decoding (untouched) or after (wiped). */
		memset(out, 0xaa, sizeof(out));
		tap_ok(b64_decode(out, bad[i].len, bad[i].text) == -1 &&
		       (out[0] == 0xaa || out[0] == 0),
		       "b64: refuses %s, leaves nothing decoded", bad[i].why);
	}
}

static void test_hex(void)
{
	static const u8 id[8] = { 0x02, 0, 0, 0, 0, 0, 0xab, 0xcd };
	char text[17];
	u8 out[8];

	hex_encode(text, id, sizeof(id));
	tap_ok(!strcmp(text, "020000000000abcd"), "hex: encodes lower case");
	tap_ok(!hex_decode(out, 8, "020000000000ABCD") &&
	       !memcmp(out, id, 8), "hex: decodes upper case");
	tap_ok(hex_decode(out, 8, "020000000000abc") == -1,
	       "hex: refuses 15 digits for 8 bytes");
	tap_ok(hex_decode(out, 8, "020000000000abcg") == -1,
	       "hex: refuses a non-digit");
}

static void test_endpoints(void)
{
	static const struct {
		const char *in, *out;
	} good[] = {
		{ "127.0.0.1:40000", "127.0.0.1:40000" },
		{ "[::1]:1", "[::1]:1" },
		{ "[2001:DB8::7]:65535", "[2001:db8::7]:65535" },
		/* A mapped address is IPv4, however it was written. */
		{ "[::ffff:10.0.0.1]:9", "10.0.0.1:9" },
	};
	static const char *const bad[] = {
		"127.0.0.1", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536",
		"127.0.0.1:+5", "127.0.0.1: 5", "127.0.0.1:5x", "127.1:5",
		"[127.0.0.1]:5", "::1:5", "[::1]5", "[::1]", "[fe80::1%eth0]:5",
		"localhost:5", ":5",
	};
	struct m2mkx_endpoint ep, back;
	struct sockaddr_storage ss;
	char text[ENDPOINT_STR_LEN];
	socklen_t len;
	unsigned int i;
	bool v4;

	for (i = 0; i < M2MKX_ARRAY_SIZE(good); i++) {
		int ret = endpoint_parse(&ep, good[i].in);

		endpoint_format(text, &ep);
		tap_ok(!ret && !strcmp(text, good[i].out),
		       "endpoint: '%s' reads back as '%s'", good[i].in, text);
	}
	for (i = 0; i < M2MKX_ARRAY_SIZE(bad); i++)
		tap_ok(endpoint_parse(&ep, bad[i]) == -1,
		       "endpoint: refuses '%s'", bad[i]);

	endpoint_parse(&ep, "192.0.2.1:4242");
	tap_ok(!endpoint_to_sockaddr(&ep, AF_INET, &ss, &len) &&
	       len == sizeof(struct sockaddr_in) &&
	       ((struct sockaddr_in *)&ss)->sin_port == htons(4242) &&
	       !endpoint_from_sockaddr(&back, &ss, len) &&
	       !memcmp(&back, &ep, sizeof(ep)),
	       "endpoint: IPv4 through an AF_INET sockaddr and back");
	tap_ok(!endpoint_to_sockaddr(&ep, AF_INET6, &ss, &len) &&
	       len == sizeof(struct sockaddr_in6) &&
	       IN6_IS_ADDR_V4MAPPED(&((struct sockaddr_in6 *)&ss)->sin6_addr) &&
	       !endpoint_from_sockaddr(&back, &ss, len) &&
	       !memcmp(&back, &ep, sizeof(ep)),
	       "endpoint: IPv4 as a mapped AF_INET6 sockaddr and back");
	endpoint_parse(&ep, "[2001:db8::1]:1");
	tap_ok(endpoint_to_sockaddr(&ep, AF_INET, &ss, &len) == -1,
	       "endpoint: an AF_INET socket cannot reach IPv6");
	tap_ok(!endpoint_parse_addr(&ep, "0.0.0.0", &v4) && v4 &&
	       !endpoint_parse_addr(&ep, "::", &v4) && !v4 &&
	       endpoint_parse_addr(&ep, "0.0.0.0:1", &v4) == -1,
	       "endpoint: bare listen addresses, family told apart");
}

/* ---- Configuration files ---- */

static char dir[] = "/tmp/m2mkx-test-common.XXXXXX";

static const char *path_of(const char *name)
{
	static char path[sizeof(dir) + 64];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

static void write_file(const char *name, const char *text)
{
	FILE *f = fopen(path_of(name), "w");

	if (!f || fputs(text, f) < 0 || fclose(f)) {
		printf("Bail out! cannot write %s\n", path_of(name));
		exit(1);
	}
}

static void cleanup(void)
{
	static const char *const names[] = {
		"a.conf", "b.key", "kpt.key", "c.conf", "bad.conf",
	};
	unsigned int i;

	for (i = 0; i < M2MKX_ARRAY_SIZE(names); i++)
		unlink(path_of(names[i]));
	rmdir(dir);
}

/*
 * Loads @text as @name for @program; returns conf_load()'s result and
 * leaves what it printed on stderr in @err (trailing newline removed).
 */
static int load(struct conf *c, const char *name, const char *text,
		enum conf_program program, char *err, size_t cap)
{
	FILE *capture = tmpfile();
	int saved = dup(STDERR_FILENO), ret;
	size_t n;

	write_file(name, text);
	fflush(stderr);
	dup2(fileno(capture), STDERR_FILENO);
	ret = conf_load(c, path_of(name), program);
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

#define K16 "AAECAwQFBgcICQoLDA0ODw=="	/* 00 01 .. 0f */
#define K16B "EBESExQVFhcYGRobHB0eHw=="	/* 10 11 .. 1f */

static const char agent_ok[] =
	"# all three roles\n"
	"[Node]\n"
	"Id = 0200000000000001   # trailing comment\n"
	"ListenAddress = 127.0.0.1\n"
	"ListenPort = 40001\n"
	"Roles = server,  Proxy ,issuer\n"
	"\n"
	"[server]\n"
	"PrivateKeyFile = b.key\n"
	"TrustCertificate = t.pem\n"
	"TrustCertificate = /abs/t2.pem\n"
	"MaxProxies = 8\n"
	"AllowDispersal = yes\n"
	"[Proxy]\n"
	"IssuerKeyFile = kpt.key\n"
	"Issuer = [::1]:40000\n"
	"Fault = corrupt-share\n"
	"[Issuer]\n"
	"SigningKeyFile = t.key\n"
	"StateFile = state/t.state\n"
	"[Client]\n"
	"Id = 02000000000000AA\n"
	"Key = " K16 "\n"
	"[ProxyPeer]\n"
	"Id = 0200000000000011\n"
	"Key = " K16B "\n"
	"Endpoint = 127.0.0.1:40011\n"
	"[ServerPeer]\n"
	"Id = 02000000000000bb\n"
	"PublicKey = AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n";

static void test_conf_agent(void)
{
	static const u8 id[8] = { 2, 0, 0, 0, 0, 0, 0, 1 };
	static const u8 aa[8] = { 2, 0, 0, 0, 0, 0, 0, 0xaa };
	const struct conf_peer *peer;
	char err[512], want[256];
	struct conf c;
	u8 k16[16], k32[32];
	unsigned int i;
	int ret;

	for (i = 0; i < 32; i++)
		k32[i] = (u8)i;
	for (i = 0; i < 16; i++)
		k16[i] = (u8)(0x20 + i);
	write_file("b.key",
		   "\n  AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=  \n");
	write_file("kpt.key", "ICEiIyQlJicoKSorLC0uLw==\n");

	ret = load(&c, "a.conf", agent_ok, CONF_AGENT, err, sizeof(err));
	if (!tap_ok(ret == 0 && !*err, "conf: a full agent file loads"))
		tap_diag("%s", err);
	if (ret) {
		printf("Bail out! cannot go on without it\n");
		exit(1);
	}
	tap_is_mem(c.id, id, 8, "conf: [Node] Id");
	tap_ok(c.listen_v4 && c.listen.port == 40001,
	       "conf: IPv4 ListenAddress, ListenPort");
	tap_is_int(c.roles,
		   CONF_ROLE_SERVER | CONF_ROLE_PROXY | CONF_ROLE_ISSUER,
		   "conf: Roles list, spaced and in any case");
	tap_is_mem(c.server_key, k32, 32,
		   "conf: PrivateKeyFile relative to the file, in blanks");
	snprintf(want, sizeof(want), "%s/t.pem", dir);
	tap_ok(c.trust_count == 2 && !strcmp(c.trust[0].path, want) &&
	       c.trust[0].line == 10 && !strcmp(c.trust[1].path, "/abs/t2.pem"),
	       "conf: TrustCertificate repeats; relative paths resolved");
	tap_ok(c.max_proxies == 8 && c.allow_dispersal && c.allow_lamport,
	       "conf: MaxProxies, AllowDispersal, AllowLamport default");
	tap_is_int((int)c.share_window_ms, 200,
		   "conf: ShareWindow defaults to the protocol's 200 ms");
	tap_is_mem(c.issuer_key, k16, 16, "conf: IssuerKeyFile");
	tap_ok(!endpoint_is_v4(&c.issuer) && c.issuer.port == 40000 &&
	       c.fault == CONF_FAULT_CORRUPT_SHARE, "conf: Issuer, Fault");
	tap_ok(c.max_lifetime == 300, "conf: MaxLifetime defaults to 300");
	snprintf(want, sizeof(want), "%s/state/t.state", dir);
	tap_ok(c.state_file.path && !strcmp(c.state_file.path, want) &&
	       c.state_file.line == 20 &&
	       c.issuer_fault == CONF_ISSUER_FAULT_NONE,
	       "conf: StateFile relative to the file; no issuer fault");
	peer = conf_peer_find(&c.clients, aa);
	tap_ok(peer && peer->has_key && peer->key[15] == 0x0f,
	       "conf: [Client] found by an upper-case Id");
	tap_ok(c.proxy_peers.count == 1 && c.server_peers.count == 1 &&
	       !memcmp(c.server_peers.peer[0].public_key, k32, 32),
	       "conf: [ProxyPeer] and [ServerPeer] PublicKey");
	conf_free(&c);
}

static const char client_ok[] =
	"[Node]\nId = 0200000000000001\n"
	"[ServerPeer]\nId = 02000000000000bb\nEndpoint = 127.0.0.1:1\n"
	"[IssuerPeer]\nEndpoint = 127.0.0.1:2\nKey = " K16 "\n"
	"[ProxyPeer]\nId = 0200000000000011\nKey = " K16 "\n"
	"Endpoint = 127.0.0.1:3\n"
	"[ProxyPeer]\nId = 0200000000000012\nKey = " K16 "\n"
	"Endpoint = 127.0.0.1:4\n"
	"[Handshake]\nProxies = 2\nThreshold = 2\nAgree = 1\n"
	"OneTime = lamport\nShareMode = dispersal\n";

static void test_conf_client(void)
{
	char err[512];
	struct conf c;
	int ret;

	ret = load(&c, "c.conf", client_ok, CONF_CLIENT, err, sizeof(err));
	if (!tap_ok(ret == 0, "conf: a client file loads"))
		tap_diag("%s", err);
	if (ret)
		return;
	tap_ok(c.params.n == 2 && c.params.k == 2 && c.params.m == 1 &&
	       c.params.ots_type == M2MKX_OTS_LAMPORT_SHA256 &&
	       c.params.share_mode == M2MKX_SHARE_DISPERSAL &&
	       c.lifetime_s == 120 && c.listen.port == 0 && !c.listen_v4,
	       "conf: [Handshake] values and defaults, wildcard listen");
	conf_free(&c);
}

/* A file that must fail with exactly the message @msg ("F" is the path). */
static void refuse(const char *text, enum conf_program program,
		   const char *msg, const char *what)
{
	char err[512], want[512];
	const char *f = path_of("bad.conf");
	struct conf c;
	int ret;

	/* Each %s in @msg is the path. */
	snprintf(want, sizeof(want), msg, f, f);
	ret = load(&c, "bad.conf", text, program, err, sizeof(err));
	if (!tap_ok(ret == -1 && !strcmp(err, want), "conf: %s", what)) {
		tap_diag("got:  %s", err);
		tap_diag("want: %s", want);
	}
}

#define NODE "[Node]\nId = 0200000000000001\nListenPort = 1\n"

static void test_conf_errors(void)
{
	refuse(NODE "Roles = proxy\nFoo = 1\n", CONF_AGENT,
	       "test_common: %s:5: unknown key 'Foo' in [Node]",
	       "an unknown key is named with its line and section");
	refuse(NODE "Roles = proxy\n[Peer]\n", CONF_AGENT,
	       "test_common: %s:5: unknown section [Peer]",
	       "an unknown section");
	refuse(NODE "Roles = proxy\nListenPort = 2\n", CONF_AGENT,
	       "test_common: %s:5: duplicate key 'ListenPort' in [Node]",
	       "a key given twice");
	refuse(NODE "Roles = proxy\n[Node]\n", CONF_AGENT,
	       "test_common: %s:5: duplicate section [Node]",
	       "a singleton section given twice");
	refuse(NODE "Roles = proxy\n[Client]\nId = 0200000000000009\n"
	       "Key = " K16 "\nKeyFile = x\n", CONF_AGENT,
	       "test_common: %s:8: 'Key' and 'KeyFile' both given in [Client]",
	       "Key and KeyFile are one value");
	refuse(NODE "Roles = proxy\n[Client]\nId = 0200000000000009\n"
	       "Key = AAECAwQFBgcICQoLDA0ODw=\n", CONF_AGENT,
	       "test_common: %s:7: invalid Key in [Client]: expected base64 of 16 bytes",
	       "a bad inline key, whose value is not echoed");
	refuse(NODE "Roles = proxy\n[Client]\nId = 0200000000000009\n"
	       "KeyFile = missing.key\n", CONF_AGENT,
	       "test_common: %s:7: missing.key: No such file or directory",
	       "a missing key file");
	refuse(NODE "Roles = proxy, server, proxy\n", CONF_AGENT,
	       "test_common: %s:4: invalid Roles 'proxy, server, proxy' in [Node]: expected a list of distinct roles among server, proxy, issuer",
	       "a role given twice");
	refuse(NODE "Roles = server,\n", CONF_AGENT,
	       "test_common: %s:4: invalid Roles 'server,' in [Node]: expected a list of distinct roles among server, proxy, issuer",
	       "a Roles list with a trailing comma");
	refuse(NODE "Roles = server,,proxy\n", CONF_AGENT,
	       "test_common: %s:4: invalid Roles 'server,,proxy' in [Node]: expected a list of distinct roles among server, proxy, issuer",
	       "a Roles list with an empty role");
	refuse(NODE "Roles = server\n[Server]\nPrivateKeyFile = b.key\n"
	       "TrustCertificate = t.pem\nMaxProxies = 4\nMinThreshold = 5\n",
	       CONF_AGENT,
	       "test_common: %s:9: MinThreshold 5 is above MaxProxies 4 in [Server]",
	       "MinThreshold above MaxProxies, named at MinThreshold");
	refuse(NODE "Roles = server\n[Server]\nPrivateKeyFile = b.key\n"
	       "TrustCertificate = t.pem\nMaxProxies = 1\n",
	       CONF_AGENT,
	       "test_common: %s:8: MinThreshold 2 is above MaxProxies 1 in [Server]",
	       "MaxProxies below the default MinThreshold, named at MaxProxies");
	refuse(NODE "Roles = server\n[Server]\nPrivateKeyFile = b.key\n"
	       "TrustCertificate = t.pem\nShareWindow = 30001\n",
	       CONF_AGENT,
	       "test_common: %s:8: invalid ShareWindow '30001' in [Server]: expected 0..30000",
	       "a share window above 30 s");
	refuse(NODE "Roles = issuer\n[Issuer]\nSigningKeyFile = t\n"
	       "Fault = crash\n", CONF_AGENT,
	       "test_common: %s:7: invalid Fault 'crash' in [Issuer]: expected none or crash-after-record",
	       "an unknown issuer fault");
	refuse(NODE "Roles = server\n", CONF_AGENT,
	       "test_common: %s: no [Server] section: Roles has server",
	       "a role without its section");
	refuse(NODE "Roles = proxy\n[Server]\n", CONF_AGENT,
	       "test_common: %s:5: [Server] but Roles lacks server",
	       "a section without its role");
	refuse(NODE "Roles = proxy\n[Proxy]\nIssuer = 127.0.0.1:1\n",
	       CONF_AGENT, "test_common: %s:5: [Proxy] lacks IssuerKey",
	       "a role section without its key");
	refuse(NODE "Roles = proxy\n[Proxy]\nIssuerKey = " K16 "\n"
	       "Issuer = 127.0.0.1:1\n[ServerPeer]\nId = 0200000000000009\n",
	       CONF_AGENT, "test_common: %s:8: [ServerPeer] lacks PublicKey",
	       "a pinned server without its key");
	refuse(NODE "Roles = issuer\n[Issuer]\nSigningKeyFile = t\n"
	       "[ProxyPeer]\nId = 0200000000000009\nKey = " K16 "\n"
	       "Endpoint = 127.0.0.1:1\n[ProxyPeer]\nId = 0200000000000009\n"
	       "Key = " K16 "\nEndpoint = 127.0.0.1:1\n", CONF_AGENT,
	       "test_common: %s:11: [ProxyPeer] Id 0200000000000009 given twice",
	       "two peers with one Id");
	refuse(NODE "Roles = proxy\nListenPort\n", CONF_AGENT,
	       "test_common: %s:5: expected 'Key = Value'",
	       "a line without '='");
	refuse("Id = 0200000000000001\n", CONF_AGENT,
	       "test_common: %s:1: key 'Id' outside any section",
	       "a key before any section");
	refuse(NODE "Roles = proxy\nListenAddress =\n", CONF_AGENT,
	       "test_common: %s:5: no value for 'ListenAddress' in [Node]",
	       "an empty value");
	refuse("[Node]\nId = 02000000000001\n", CONF_AGENT,
	       "test_common: %s:2: invalid Id '02000000000001' in [Node]: expected 16 hex digits",
	       "a short Id");
	refuse(NODE "Roles = proxy\n[Proxy]\nFault = maybe\n", CONF_AGENT,
	       "test_common: %s:6: invalid Fault 'maybe' in [Proxy]: expected none, silent, corrupt-share, replay or reuse-ots",
	       "an unknown fault");
	refuse("[Node]\nId = 0200000000000001\nRoles = server\n", CONF_CLIENT,
	       "test_common: %s:3: key 'Roles' in [Node] is not for m2mkx-client",
	       "a client file has no Roles");
	refuse("[Server]\n", CONF_CLIENT,
	       "test_common: %s:1: section [Server] is not for m2mkx-client",
	       "a client file has no [Server]");
	refuse("[Node]\nListenPort = 65536\n", CONF_AGENT,
	       "test_common: %s:2: invalid ListenPort '65536' in [Node]: expected 0..65535",
	       "a port out of range");
	refuse(NODE "Roles = proxy\n[Server]\nMaxProxies = 0x10\n", CONF_AGENT,
	       "test_common: %s:6: invalid MaxProxies '0x10' in [Server]: expected 1..16",
	       "numbers are decimal");
}

static void test_conf_client_errors(void)
{
	char text[2048];

	/* The valid client file, asking for more proxies than it lists. */
	snprintf(text, sizeof(text), "%s", client_ok);
	*strstr(text, "Proxies = 2") = '\0';
	strcat(text, "Proxies = 3\nThreshold = 2\nAgree = 1\n");
	refuse(text, CONF_CLIENT,
	       "test_common: %s:17: Proxies = 3 but 2 [ProxyPeer] sections",
	       "more proxies asked for than configured");
	snprintf(text, sizeof(text), "%s", client_ok);
	*strstr(text, "[Handshake]") = '\0';
	strcat(text, "[Handshake]\nProxies = 2\nThreshold = 1\n");
	refuse(text, CONF_CLIENT, "test_common: %s:17: [Handshake] lacks Agree",
	       "a required [Handshake] key");
}

int main(void)
{
	drbg_seed("m2mkx test_common");
	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	test_b64_vectors();
	test_b64_random();
	test_b64_strict();
	test_hex();
	test_endpoints();
	test_conf_agent();
	test_conf_client();
	test_conf_errors();
	test_conf_client_errors();
	cleanup();
	return tap_done();
}
