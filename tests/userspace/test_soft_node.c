// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libm2mkx-client's node on its bundled backend, with no other crypto
 * underneath, against tests/vectors/transcript.txt, which the OpenSSL
 * build of every role generated: given the vector's N_A and x, the node
 * must send A's messages byte for byte, SHARES that open under each K_AP
 * to shares of x, and reach the vector's MK. Then what the node adds to
 * the core: reputation from B's verdicts and from silence, selection and
 * exploration, and the table's flash format.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <m2mkx/bytes.h>
#include <m2mkx/crypto.h>
#include <m2mkx/errors.h>
#include <m2mkx/keys.h>
#include <m2mkx/node.h>
#include <m2mkx/share.h>
#include <m2mkx/soft.h>

#include "tap.h"

#define MAX_LINES 160
#define NEIGHBOURS 7		/* the vector's five proxies and two more */

/* ---- The vector: "name = hex" lines. ---- */

static struct {
	char name[64];
	u8 val[4096];
	size_t len;
} lines[MAX_LINES];
static unsigned int nlines;

static void load(void)
{
	const char *dir = getenv("M2MKX_VECTORS");
	char path[512], buf[10000];
	unsigned int b;
	FILE *f;

	snprintf(path, sizeof(path), "%s/transcript.txt",
		 dir ? dir : "tests/vectors");
	f = fopen(path, "r");
	if (!f) {
		printf("Bail out! cannot open %s\n", path);
		exit(1);
	}
	while (fgets(buf, sizeof(buf), f) && nlines < MAX_LINES) {
		char *eq = strstr(buf, " = "), *h;

		if (buf[0] == '#' || !eq)
			continue;
		*eq = 0;
		if (strlen(buf) >= sizeof(lines[0].name))
			continue;
		memcpy(lines[nlines].name, buf, strlen(buf) + 1);
		for (h = eq + 3; sscanf(h, "%2x", &b) == 1 &&
		     lines[nlines].len < sizeof(lines[0].val); h += 2)
			lines[nlines].val[lines[nlines].len++] = (u8)b;
		nlines++;
	}
	fclose(f);
}

/* The value named @name, or for a "msg.*" name its suffix after SEQ. */
static const u8 *get(const char *name, size_t *len)
{
	unsigned int i;

	for (i = 0; i < nlines; i++) {
		const char *n = lines[i].name;

		if (!strncmp(n, "msg.", 4) && strlen(n) > 7)
			n += 7;		/* "msg.NN." */
		if (!strcmp(n, name)) {
			if (len)
				*len = lines[i].len;
			return lines[i].val;
		}
	}
	printf("Bail out! %s is not in the vector\n", name);
	exit(1);
}

/* ---- A scripted generator: N_A and x from the vector, then 0x5a. ---- */

static u8 script[64];
static size_t script_len, script_pos;
static unsigned int random_calls;
static size_t random_bytes;

int m2mkx_random(void *buf, size_t len)
{
	u8 *p = buf;

	random_calls++;
	random_bytes += len;
	while (len--)
		*p++ = script_pos < script_len ? script[script_pos++] : 0x5a;
	return 0;
}

static void script_set(const u8 *bytes, size_t len)
{
	memcpy(script, bytes, len);
	script_len = len;
	script_pos = 0;
	random_calls = 0;
	random_bytes = 0;
}

/* ---- A radio that keeps what the node sends. ---- */

struct radio {
	u8 tx[512];
	u8 sent[16][512];
	size_t len[16];
	u16 port[16];
	unsigned int count;
};

static void radio_send(void *ctx, const struct m2mkx_endpoint *to,
		       const u8 *buf, size_t len)
{
	struct radio *r = ctx;

	if (r->count < 16 && len <= sizeof(r->sent[0])) {
		memcpy(r->sent[r->count], buf, len);
		r->len[r->count] = len;
		r->port[r->count] = to->port;
	}
	r->count++;
}

struct fixture {
	struct m2mkx_neighbour nb[NEIGHBOURS];
	struct m2mkx_node_config cfg;
	struct radio radio;
	struct m2mkx_node node;
	u8 b_id[M2MKX_ID_LEN];
	struct m2mkx_endpoint b_ep;
};

static void fixture_init(struct fixture *f)
{
	struct m2mkx_hello hello;
	struct m2mkx_node_io io;
	size_t len;
	const u8 *p = get("hello.A_to_B", &len);
	char name[32];
	unsigned int q;

	memset(f, 0, sizeof(*f));
	if (m2mkx_hello_parse(p, len, &hello))
		abort();
	memcpy(f->cfg.client.id, get("id.A", NULL), M2MKX_ID_LEN);
	memcpy(f->cfg.client.k_at, get("key.K_AT", NULL), 16);
	f->cfg.client.t_ep.port = 3;
	f->cfg.client.params = hello.params;
	f->cfg.client.lifetime_s = 120;
	m2mkx_timing_default(&f->cfg.client.timing);
	for (q = 0; q < NEIGHBOURS; q++) {
		struct m2mkx_neighbour *nb = &f->nb[q];

		if (q < 5) {
			snprintf(name, sizeof(name), "id.P%u", q + 1);
			memcpy(nb->peer.id, get(name, NULL), M2MKX_ID_LEN);
			snprintf(name, sizeof(name), "key.K_AP%u", q + 1);
			memcpy(nb->peer.key, get(name, NULL), 16);
		} else {
			memset(nb->peer.id, 0x60 + (int)q, M2MKX_ID_LEN);
			memset(nb->peer.key, 0x70 + (int)q, 16);
		}
		nb->peer.ep.port = (u16)(10 + q);
		nb->caps = M2MKX_CAP_PROXY;
	}
	f->cfg.neighbours = f->nb;
	f->cfg.count = NEIGHBOURS;
	memcpy(f->b_id, get("id.B", NULL), M2MKX_ID_LEN);
	f->b_ep.port = 2;

	io.send = radio_send;
	io.ctx = &f->radio;
	io.tx_buf = f->radio.tx;
	io.tx_cap = sizeof(f->radio.tx);
	if (m2mkx_node_init(&f->node, &f->cfg, &io))
		abort();
}

static void script_vector(void)
{
	u8 s[32];

	memcpy(s, get("A.N_A", NULL), 16);
	memcpy(s + 16, get("A.x", NULL), 16);
	script_set(s, sizeof(s));
}

static int feed(struct fixture *f, const char *name, u64 now)
{
	size_t len;
	const u8 *p = get(name, &len);

	return m2mkx_node_rx(&f->node, p, len, now);
}

static int sent_is(struct fixture *f, unsigned int i, const char *name)
{
	size_t len;
	const u8 *p = get(name, &len);

	return tap_ok(f->radio.count > i && f->radio.len[i] == len &&
		      !memcmp(f->radio.sent[i], p, len),
		      "the node's %s is the vector's", name);
}

/* Runs the vector up to the SHARES; datagrams 3..7 are those. */
static void run_to_shares(struct fixture *f)
{
	script_vector();
	tap_is_int(m2mkx_node_start(&f->node, f->b_id, &f->b_ep, 1000), 0,
		   "the node starts a handshake");
	tap_is_int(feed(f, "hello_reply.B_to_A", 1010), 0,
		   "HELLO_REPLY accepted");
	tap_is_int(feed(f, "proxy_list.T_to_A", 1020), 0,
		   "PROXY_LIST accepted");
}

static void test_vector(void)
{
	struct fixture f;
	u8 shares[5 * 16], x[16], mk[32], session[8], points[3] = { 1, 2, 3 };
	u8 nonce[M2MKX_CCM_NONCE_LEN], ad[71];
	struct m2mkx_soft_counters work, before, after;
	unsigned int q, opened = 0, headers = 0;
	u32 corrupted = 0;
	char name[40];

	fixture_init(&f);
	m2mkx_soft_counters_reset();
	run_to_shares(&f);
	sent_is(&f, 0, "hello.A_to_B");
	sent_is(&f, 1, "proxy_request.A_to_T");
	tap_is_int(f.radio.count, 7, "HELLO, PROXY_REQUEST, five SHARES");

	/* The vector's SHARES hold other Shamir coefficients: open ours. */
	m2mkx_soft_counters_get(&before);
	m2mkx_a_nonce(nonce, M2MKX_MSG_SHARES, get("A.N_A", NULL));
	for (q = 0; q < 5; q++) {
		const u8 *d = f.radio.sent[2 + q];

		snprintf(name, sizeof(name), "shares.A_to_P%u", q + 1);
		headers += !memcmp(d, get(name, NULL), 71);
		memcpy(ad, d, 71);
		opened += !m2mkx_soft_ccm_open(f.nb[q].peer.key, nonce, 13, ad, 71,
					       d + 71, 16, shares + 16 * q, 8);
	}
	m2mkx_soft_counters_get(&after);
	tap_is_int(headers, 5, "each SHARES header and entry id is the vector's");
	tap_is_int(opened, 5, "each share opens under its K_AP");
	tap_is_int(m2mkx_share_combine(M2MKX_SHARE_SHAMIR, 3, 3, points,
				       shares, x, 16, &corrupted), 0,
		   "three shares combine");
	tap_ok(!memcmp(x, get("A.x", NULL), 16), "to the vector's x");

	tap_is_int(feed(&f, "relay.P1_to_A", 1100), 0, "P1's relay accepted");
	tap_is_int(feed(&f, "relay.P2_to_A", 1110), 0,
		   "P2's relay makes m = 2");
	sent_is(&f, 7, "final_request.A_to_B");
	tap_is_int(feed(&f, "relay.P3_to_A", 1120), -M2MKX_EREPLAY,
		   "a late relay costs no AES");
	tap_is_int(feed(&f, "final.B_to_A", 1130), 0, "FINAL accepted");
	tap_is_int(m2mkx_node_status(&f.node), M2MKX_NODE_DONE, "node DONE");
	tap_is_int(m2mkx_node_take_mk(&f.node, mk, session), 0, "MK taken");
	tap_ok(!memcmp(mk, get("MK", NULL), 32), "MK is the vector's");
	tap_ok(!memcmp(session, get("A.session", NULL), 8),
	       "session is the vector's");
	tap_is_int(m2mkx_node_status(&f.node), M2MKX_NODE_IDLE,
		   "the node is idle once MK is taken");
	tap_is_int(m2mkx_node_take_mk(&f.node, mk, session), -M2MKX_ESTATE,
		   "MK can be taken once");
	for (q = 0; q < 5; q++)
		if (f.node.rep[q].r != 256 || f.node.rep[q].s)
			break;
	tap_is_int(q, 5, "B's USED verdicts give each proxy r = 1");
	tap_ok(!f.node.rep[5].r && !f.node.rep[5].s,
	       "an unused neighbour gets no evidence");
	tap_is_int(random_bytes, 16 + 16 + 2 * 16,
		   "random bytes: N_A, x, k - 1 coefficients; no exploring");

	/* A's work is the backend's, less the test's own opening above. */
	m2mkx_soft_counters_get(&work);
	work.aes_blocks -= after.aes_blocks - before.aes_blocks;
	printf("# A's work on the bundled backend: %u AES blocks, "
	       "%u SHA-256 compressions; struct m2mkx_node %zu bytes\n",
	       work.aes_blocks, work.sha256_blocks, sizeof(f.node));
	tap_is_int(f.node.c.work.aes_blocks, work.aes_blocks,
		   "A's own count of AES blocks is the backend's");
	tap_is_int(f.node.c.work.sha256_blocks, work.sha256_blocks,
		   "A's own count of SHA-256 compressions is the backend's");
	tap_is_int(f.node.c.work.rng_bytes, random_bytes,
		   "A's own count of random bytes is the generator's");
}

/* B's FINAL with @verdicts under the vector's K_fin. */
static size_t forge_final(u8 *buf, const u8 *verdicts)
{
	struct m2mkx_final m = { 0 };
	u8 entries[5 * 9], nonce[13];
	char name[16];
	unsigned int q;
	size_t ad_len, len;
	const u8 *hello = get("hello.A_to_B", &len);
	struct m2mkx_hello h;

	m2mkx_hello_parse(hello, len, &h);
	for (q = 0; q < 5; q++) {
		snprintf(name, sizeof(name), "T.P%u.ID", q + 1);
		memcpy(entries + 9 * q, get(name, NULL), 8);
		entries[9 * q + 8] = verdicts[q];
	}
	memcpy(m.a, get("id.A", NULL), 8);
	memcpy(m.session, get("A.session", NULL), 8);
	m.params = h.params;
	m.entries = entries;
	ad_len = m2mkx_final_encode(buf, &m);
	m2mkx_a_nonce(nonce, M2MKX_MSG_FINAL, get("A.N_A", NULL));
	if (m2mkx_aes128_ccm_seal(get("MK.finish", NULL), nonce, buf, ad_len,
				  NULL, 0, buf + ad_len, M2MKX_TAG_LEN))
		abort();
	return ad_len + M2MKX_TAG_LEN;
}

static void test_verdicts(void)
{
	static const u8 verdicts[5] = {
		M2MKX_VERDICT_USED, M2MKX_VERDICT_ABSENT, M2MKX_VERDICT_CORRUPT,
		M2MKX_VERDICT_FORGED, M2MKX_VERDICT_LATE,
	};
	static const u8 want[5] = { 0, 4, 5, 6, 1 };
	struct fixture f;
	u8 buf[128];
	size_t len;

	fixture_init(&f);
	run_to_shares(&f);
	feed(&f, "relay.P1_to_A", 1100);
	feed(&f, "relay.P2_to_A", 1110);
	len = forge_final(buf, verdicts);
	tap_is_int(m2mkx_node_rx(&f.node, buf, len, 1130), 0,
		   "a FINAL with mixed verdicts accepted");
	tap_ok(f.node.rep[0].r == 256 && f.node.rep[4].r == 256,
	       "USED and LATE are good evidence");
	tap_ok(f.node.rep[1].s == 256 && f.node.rep[2].s == 512 &&
	       f.node.rep[3].s == 1024,
	       "ABSENT, CORRUPT, FORGED weigh 1, 2 and 4");
	tap_is_int(m2mkx_node_verdict(&f.node, 3), M2MKX_VERDICT_FORGED,
		   "the node reports B's verdict per proxy");

	/* Good first, then the unknown, then the least bad. */
	script_vector();
	m2mkx_node_take_mk(&f.node, buf, buf + 32);
	tap_is_int(m2mkx_node_start(&f.node, f.b_id, &f.b_ep, 5000), 0,
		   "a second handshake starts");
	tap_ok(!memcmp(f.node.chosen, want, 5),
	       "selection: P1, P5, the two unknown, then P2 (%u %u %u %u %u)",
	       f.node.chosen[0], f.node.chosen[1], f.node.chosen[2],
	       f.node.chosen[3], f.node.chosen[4]);
	tap_is_int(f.node.rep[0].r, 256 * M2MKX_REP_AGE_256 / 256,
		   "evidence ages before each handshake");
	tap_is_int(m2mkx_node_start(&f.node, f.b_id, &f.b_ep, 5000),
		   -M2MKX_ESTATE, "one handshake at a time");
}

static void test_silence(void)
{
	struct fixture f;
	unsigned int q, t;

	fixture_init(&f);
	run_to_shares(&f);
	feed(&f, "relay.P1_to_A", 1100);
	for (t = 0; t < 100 && m2mkx_node_status(&f.node) == M2MKX_NODE_BUSY;
	     t++)
		m2mkx_node_tick(&f.node, m2mkx_node_deadline(&f.node));
	tap_is_int(m2mkx_node_status(&f.node), M2MKX_NODE_FAILED,
		   "with one relay of two the node times out");
	tap_is_int(m2mkx_node_reason(&f.node), M2MKX_ETIMEOUT,
		   "reason: timeout");
	tap_ok(!f.node.rep[0].r && !f.node.rep[0].s,
	       "the proxy that relayed is not blamed");
	for (q = 1; q < 5 && f.node.rep[q].s == 256; q++)
		;
	tap_is_int(q, 5, "each silent proxy gets ABSENT");
}

static void test_select(void)
{
	struct m2mkx_rep reps[6];
	u8 chosen[3], s[2] = { 0, 1 };
	unsigned int i;

	for (i = 0; i < 6; i++)
		m2mkx_rep_init(&reps[i], M2MKX_CAP_PROXY);
	reps[1].caps = 0;		/* not a gateway */
	reps[3].caps |= M2MKX_CAP_MAINS;
	m2mkx_rep_add(&reps[5], M2MKX_REP_GOOD);
	script_set(s, 0);
	tap_is_int(m2mkx_rep_select(reps, 6, 3, 0, chosen), 0, "select 3 of 6");
	tap_ok(chosen[0] == 5 && chosen[1] == 3 && chosen[2] == 0,
	       "best score, then mains power, then index; never a non-proxy");
	tap_is_int(random_calls, 0, "no exploring, no RNG");

	/* Draw 0 < 255 explores; 1 % 2 picks the second of {2, 4}. */
	script_set(s, 2);
	m2mkx_rep_select(reps, 6, 3, 255, chosen);
	tap_ok(chosen[0] == 5 && chosen[1] == 3 && chosen[2] == 4,
	       "exploring gives the last place to a neighbour outside");
	s[0] = 200;
	script_set(s, 2);
	m2mkx_rep_select(reps, 6, 3, 100, chosen);
	tap_ok(chosen[2] == 0 && random_calls == 1,
	       "a draw over the exploration rate keeps the n-th best");
	tap_is_int(m2mkx_rep_select(reps, 6, 6, 0, chosen), -M2MKX_EINVAL,
		   "fewer gateways than n is refused");
}

/*
 * The score is (r + 1) / (r + s + 2) in 16 bits, computed by long
 * division for a core without a divide instruction: it must agree with
 * the quotient the host's divider gives, over the whole 8.8 range (where
 * the former 32-bit (r + 1) << 16 overflowed for r > 255.0).
 */
static void test_score(void)
{
	static const u16 v[] = { 0, 1, 2, 255, 256, 257, 511, 1000, 4096,
				 12345, 32768, 65000, 65534, 65535 };
	struct m2mkx_rep rep = { 0 };
	unsigned int i, j, bad = 0;
	u64 want;

	for (i = 0; i < M2MKX_ARRAY_SIZE(v); i++) {
		for (j = 0; j < M2MKX_ARRAY_SIZE(v); j++) {
			rep.r = v[i];
			rep.s = v[j];
			want = (((u64)v[i] + 256) << 16) /
			       ((u64)v[i] + v[j] + 512);
			if (m2mkx_rep_score(&rep) != want)
				bad++;
		}
	}
	tap_is_int(bad, 0, "score: long division agrees with the divider");
}

static void test_flash(void)
{
	struct fixture f, g;
	u8 buf[64], bad[64];
	size_t len;

	fixture_init(&f);
	fixture_init(&g);
	m2mkx_rep_add(&f.node.rep[2], M2MKX_REP_FORGED);
	m2mkx_rep_add(&f.node.rep[6], M2MKX_REP_GOOD);
	f.node.rep[4].caps |= M2MKX_CAP_MAINS;
	len = m2mkx_node_rep_save(&f.node, buf, sizeof(buf));
	tap_is_int(len, 2 + 5 * NEIGHBOURS, "5 bytes per neighbour and 2");
	tap_is_int(m2mkx_node_rep_save(&f.node, buf, len - 1), 0,
		   "save refuses a short buffer");
	tap_is_int(m2mkx_node_rep_load(&g.node, buf, len), 0, "load");
	tap_ok(!memcmp(g.node.rep, f.node.rep, sizeof(f.node.rep)),
	       "the table survives the trip");

	memcpy(bad, buf, len);
	bad[0] = 2;
	m2mkx_rep_init(&g.node.rep[2], 0);
	tap_is_int(m2mkx_node_rep_load(&g.node, bad, len), -M2MKX_EINVAL,
		   "an unknown version is refused");
	tap_is_int(m2mkx_node_rep_load(&g.node, buf, len - 1), -M2MKX_EINVAL,
		   "a truncated table is refused");
	bad[0] = 1;
	bad[1] = NEIGHBOURS + 1;
	tap_is_int(m2mkx_node_rep_load(&g.node, bad, len), -M2MKX_EINVAL,
		   "a table of another size is refused");
	tap_ok(!g.node.rep[2].s && !g.node.rep[2].caps,
	       "a refused load changes nothing");
}

/* A transmit buffer too small for A's longest datagram is refused. */
static void test_tx_cap(void)
{
	struct fixture f;
	struct m2mkx_node node;
	struct m2mkx_node_io io = { .send = radio_send, .ctx = &f.radio,
				    .tx_buf = f.radio.tx };

	fixture_init(&f);
	io.tx_cap = M2MKX_PROXY_REQUEST_LEN(5) - 1;
	tap_is_int(m2mkx_node_init(&node, &f.cfg, &io), -M2MKX_EINVAL,
		   "a buffer one byte short of PROXY_REQUEST is refused");
	io.tx_cap = M2MKX_PROXY_REQUEST_LEN(5);
	tap_is_int(m2mkx_node_init(&node, &f.cfg, &io), 0,
		   "PROXY_REQUEST's size is enough unbundled");
	f.cfg.client.bundle_max = 1280;
	tap_is_int(m2mkx_node_init(&node, &f.cfg, &io), -M2MKX_EINVAL,
		   "bundling needs room for the bundle");
	io.tx_cap = M2MKX_SHARES_LEN(5, 16);
	tap_is_int(m2mkx_node_init(&node, &f.cfg, &io), 0,
		   "room for the bundle is enough");
}

int main(void)
{
	load();
	test_vector();
	test_verdicts();
	test_silence();
	test_select();
	test_score();
	test_flash();
	test_tx_cap();
	return tap_done();
}
