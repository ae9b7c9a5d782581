// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * A (core/client.c) alone, with B, T and the proxies played by hand from
 * the codec, the key schedule and the crypto backend.
 *
 * test_handshake.c runs A among the real roles; this file reaches the
 * paths honest peers never take: proxies that equivocate or relay a
 * y package B never sent, a FINAL that reports other parameters or keys T
 * never issued, refusals, timeouts, and every message in the wrong state.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <m2mkx/bytes.h>
#include <m2mkx/client.h>
#include <m2mkx/errors.h>
#include <m2mkx/keys.h>
#include <m2mkx/share.h>

#include "drbg.h"
#include "tap.h"

#define CAP_MAX 32
#define CAP_DATA 256
#define PORT_B 2
#define PORT_T 3
#define PORT_P0 10
#define NOW0 1000

/* ---- A sink that keeps what A sends and the last event. ---- */

struct cap_dgram {
	u16 port;
	size_t len;
	u8 data[CAP_DATA];
};

struct cap {
	struct m2mkx_sink sink;
	struct cap_dgram d[CAP_MAX];
	unsigned int count;
	u8 *out;
	u16 out_port;
	size_t out_len;
	unsigned int events;
	struct m2mkx_event ev;
	u8 mk[M2MKX_MK_LEN];
	u8 ids[M2MKX_MAX_PROXIES * M2MKX_PROXY_ID_LEN];
	u8 verdicts[M2MKX_MAX_PROXIES];
};

static u8 *cap_alloc(struct m2mkx_sink *sink, const struct m2mkx_endpoint *to,
		     size_t len)
{
	struct cap *c = (struct cap *)sink;

	if (c->out || len > CAP_DATA)
		abort();
	c->out = malloc(len);
	if (!c->out)
		abort();
	c->out_port = to->port;
	c->out_len = len;
	return c->out;
}

static void cap_commit(struct m2mkx_sink *sink, u8 *buf, bool send)
{
	struct cap *c = (struct cap *)sink;

	if (buf != c->out)
		abort();
	if (send && c->count < CAP_MAX) {
		c->d[c->count].port = c->out_port;
		c->d[c->count].len = c->out_len;
		memcpy(c->d[c->count].data, buf, c->out_len);
		c->count++;
	}
	free(c->out);
	c->out = NULL;
}

static void cap_event(struct m2mkx_sink *sink, const struct m2mkx_event *ev)
{
	struct cap *c = (struct cap *)sink;

	c->events++;
	c->ev = *ev;
	if (ev->mk)
		memcpy(c->mk, ev->mk, sizeof(c->mk));
	if (ev->ids)
		memcpy(c->ids, ev->ids, (size_t)ev->n * M2MKX_PROXY_ID_LEN);
	if (ev->verdicts)
		memcpy(c->verdicts, ev->verdicts, ev->n);
}

static const struct cap_dgram *cap_find(const struct cap *c, int type,
					unsigned int nth)
{
	unsigned int i;

	for (i = 0; i < c->count; i++)
		if (c->d[i].data[0] == type && !nth--)
			return &c->d[i];
	return NULL;
}

/* ---- One handshake, with everybody but A played by this file. ---- */

struct hs {
	struct m2mkx_client_config cfg;
	struct m2mkx_client_proxy proxies[M2MKX_MAX_PROXIES];
	const struct m2mkx_client_proxy *proxy_ptrs[M2MKX_MAX_PROXIES];
	struct m2mkx_client a;
	struct cap cap;
	u8 b[M2MKX_ID_LEN];
	u8 n_b[M2MKX_NONCE_LEN];
	u8 session[M2MKX_SESSION_LEN];
	u8 ids[M2MKX_MAX_PROXIES * M2MKX_PROXY_ID_LEN];	/* T's */
	u8 x[M2MKX_SECRET_LEN];	/* A's, read before A wipes it */
	u8 y[M2MKX_SECRET_LEN];
	u8 ypkg[M2MKX_YPKG_LEN];
	u8 mk[M2MKX_MK_LEN];
	u64 now;
};

static const struct m2mkx_params base = {
	.suite = M2MKX_SUITE_V1,
	.share_mode = M2MKX_SHARE_SHAMIR,
	.n = 5, .k = 3, .m = 2,
	.ots_type = M2MKX_LMOTS_SHA256_N32_W4,
};

static struct m2mkx_endpoint endpoint(u16 port)
{
	struct m2mkx_endpoint ep = { .port = port };

	ep.addr[15] = 1;
	return ep;
}

static int rx(struct hs *h, const u8 *buf, size_t len)
{
	struct m2mkx_endpoint from = endpoint(PORT_B);

	return m2mkx_client_rx(&h->a, buf, len, &from, h->now, &h->cap.sink);
}

static void hs_init(struct hs *h, const struct m2mkx_params *p,
		    const char *label)
{
	unsigned int q;

	drbg_seed(label);
	memset(h, 0, sizeof(*h));
	m2mkx_random(h->cfg.id, sizeof(h->cfg.id));
	m2mkx_random(h->cfg.k_at, sizeof(h->cfg.k_at));
	h->cfg.t_ep = endpoint(PORT_T);
	h->cfg.params = *p;
	h->cfg.lifetime_s = 60;
	m2mkx_timing_default(&h->cfg.timing);
	for (q = 0; q < p->n; q++) {
		m2mkx_random(h->proxies[q].id, M2MKX_ID_LEN);
		m2mkx_random(h->proxies[q].key, M2MKX_AES128_KEY_LEN);
		h->proxies[q].ep = endpoint((u16)(PORT_P0 + q));
		h->proxy_ptrs[q] = &h->proxies[q];
	}
	m2mkx_random(h->b, sizeof(h->b));
	m2mkx_random(h->n_b, sizeof(h->n_b));
	m2mkx_random(h->session, sizeof(h->session));
	m2mkx_random(h->ids, sizeof(h->ids));
	m2mkx_random(h->y, sizeof(h->y));
	h->cap.sink.tx_alloc = cap_alloc;
	h->cap.sink.tx_commit = cap_commit;
	h->cap.sink.event = cap_event;
	h->now = NOW0;
}

static int start(struct hs *h)
{
	struct m2mkx_endpoint b_ep = endpoint(PORT_B);

	return m2mkx_client_start(&h->a, &h->cfg, h->b, &b_ep, h->proxy_ptrs,
				  h->cfg.params.n, h->now, &h->cap.sink);
}

static size_t hello_reply(struct hs *h, u8 *buf, u8 status,
			  const struct m2mkx_params *p)
{
	struct m2mkx_hello_reply m = { .status = status, .params = *p };

	memcpy(m.a, h->cfg.id, sizeof(m.a));
	memcpy(m.b, h->b, sizeof(m.b));
	memcpy(m.n_a, h->a.n_a, sizeof(m.n_a));
	memcpy(m.n_b, h->n_b, sizeof(m.n_b));
	memcpy(m.session, h->session, sizeof(m.session));
	return m2mkx_hello_reply_encode(buf, &m);
}

static void mac(const u8 *key, enum m2mkx_msg_type type,
		const u8 n_a[M2MKX_NONCE_LEN], const u8 *ad, size_t ad_len,
		u8 *tag)
{
	u8 nonce[M2MKX_CCM_NONCE_LEN];

	m2mkx_a_nonce(nonce, type, n_a);
	if (m2mkx_aes128_ccm_seal(key, nonce, ad, ad_len, NULL, 0, tag,
				  M2MKX_TAG_LEN))
		abort();
}

static bool mac_ok(const u8 *key, enum m2mkx_msg_type type,
		   const u8 n_a[M2MKX_NONCE_LEN], const u8 *ad, size_t ad_len,
		   const u8 *tag)
{
	u8 want[M2MKX_TAG_LEN];

	mac(key, type, n_a, ad, ad_len, want);
	return !memcmp(want, tag, sizeof(want));
}

static size_t proxy_list(struct hs *h, u8 *buf, u8 status, u8 n)
{
	struct m2mkx_proxy_list m = { .status = status, .n = n,
				      .ids = h->ids };
	size_t ad_len;

	memcpy(m.a, h->cfg.id, sizeof(m.a));
	memcpy(m.session, h->session, sizeof(m.session));
	ad_len = m2mkx_proxy_list_encode(buf, &m);
	mac(h->cfg.k_at, M2MKX_MSG_PROXY_LIST, h->a.n_a, buf, ad_len,
	    buf + ad_len);
	return ad_len + M2MKX_TAG_LEN;
}

/* Takes A to SHARES_SENT; returns false if any step misbehaved. */
static bool to_shares(struct hs *h)
{
	u8 buf[M2MKX_PROXY_LIST_LEN(M2MKX_MAX_PROXIES)];
	size_t len;

	if (start(h))
		return false;
	len = hello_reply(h, buf, 0, &h->cfg.params);
	if (rx(h, buf, len))
		return false;
	memcpy(h->x, h->a.x, sizeof(h->x));
	len = proxy_list(h, buf, 0, h->cfg.params.n);
	return !rx(h, buf, len) && h->a.state == M2MKX_CLIENT_SHARES_SENT;
}

/* B's y package, sealed under @x as only a B that rebuilt x can. */
static void seal_ypkg(struct hs *h, const u8 *x, u8 out[M2MKX_YPKG_LEN])
{
	u8 nonce[M2MKX_CCM_NONCE_LEN], ad[40];

	memcpy(ad, h->session, 8);
	memcpy(ad + 8, h->cfg.id, 8);
	memcpy(ad + 16, h->b, 8);
	memcpy(ad + 24, h->n_b, 16);
	m2mkx_a_nonce(nonce, M2MKX_MSG_Y_PACKAGE, h->a.n_a);
	if (m2mkx_aes128_ccm_seal(x, nonce, ad, sizeof(ad), h->y,
				  M2MKX_SECRET_LEN, out, M2MKX_TAG_LEN))
		abort();
}

static int relay(struct hs *h, unsigned int q, const u8 *ypkg)
{
	struct m2mkx_relay m = { .ypkg = ypkg };
	u8 buf[M2MKX_RELAY_LEN];
	size_t ad_len;

	memcpy(m.a, h->cfg.id, sizeof(m.a));
	memcpy(m.p, h->proxies[q].id, sizeof(m.p));
	memcpy(m.session, h->session, sizeof(m.session));
	ad_len = m2mkx_relay_encode(buf, &m);
	mac(h->proxies[q].key, M2MKX_MSG_RELAY, h->a.n_a, buf, ad_len,
	    buf + ad_len);
	return rx(h, buf, sizeof(buf));
}

static void fin_key(const struct hs *h, u8 k_fin[M2MKX_FIN_KEY_LEN])
{
	if (m2mkx_traffic_key(k_fin, M2MKX_FIN_KEY_LEN, h->mk,
			      M2MKX_LABEL_FINISH))
		abort();
}

/* B's FINAL under K_fin, with @verdicts and T's ids unless told. */
static size_t final(struct hs *h, u8 *buf, const struct m2mkx_params *p,
		    const u8 *verdicts, const u8 *ids)
{
	u8 entries[M2MKX_MAX_PROXIES * 9], k_fin[M2MKX_FIN_KEY_LEN];
	struct m2mkx_final m = { .params = *p, .entries = entries };
	unsigned int q;
	size_t ad_len;

	for (q = 0; q < p->n; q++) {
		memcpy(entries + q * 9, ids + q * 8, 8);
		entries[q * 9 + 8] = verdicts[q];
	}
	memcpy(m.a, h->cfg.id, sizeof(m.a));
	memcpy(m.session, h->session, sizeof(m.session));
	ad_len = m2mkx_final_encode(buf, &m);
	fin_key(h, k_fin);
	mac(k_fin, M2MKX_MSG_FINAL, h->a.n_a, buf, ad_len, buf + ad_len);
	return ad_len + M2MKX_TAG_LEN;
}

static bool all_zero(const void *p, size_t len)
{
	const u8 *b = p;

	while (len--)
		if (*b++)
			return false;
	return true;
}

/* The pairwise keys are the caller's: A never copies them. */
static bool secrets_gone(const struct m2mkx_client *a)
{
	return all_zero(a->x, sizeof(a->x)) &&
	       all_zero(a->shares, sizeof(a->shares)) &&
	       all_zero(a->mk, sizeof(a->mk));
}

/* ---- Tests. ---- */

static void test_honest(void)
{
	static struct hs h;
	static const u8 used[M2MKX_MAX_PROXIES];
	u8 buf[M2MKX_FINAL_LEN(M2MKX_MAX_PROXIES)], k_fin[M2MKX_FIN_KEY_LEN];
	const struct cap_dgram *d;
	size_t len;

	hs_init(&h, &base, "test_client honest");
	tap_ok(to_shares(&h), "A reaches SHARES_SENT");
	seal_ypkg(&h, h.x, h.ypkg);
	h.cap.count = 0;
	tap_is_int(relay(&h, 3, h.ypkg), 0, "a first relay is taken");
	tap_ok(h.cap.count == 0 && h.a.state == M2MKX_CLIENT_SHARES_SENT,
	       "one relay is not enough for m = 2");
	tap_is_int(relay(&h, 3, h.ypkg), -M2MKX_EREPLAY,
		   "the same proxy again is a replay, not a second vote");
	tap_is_int(relay(&h, 0, h.ypkg), 0, "a second agreeing relay is taken");
	tap_is_int(h.a.state, M2MKX_CLIENT_FINAL_WAIT, "A derives MK");
	tap_ok(all_zero(h.a.x, sizeof(h.a.x)) &&
	       all_zero(h.a.shares, sizeof(h.a.shares)),
	       "and wipes x and the shares at once");

	m2mkx_derive_mk(h.mk, h.cfg.id, h.b, h.a.n_a, h.n_b, h.x, h.y);
	fin_key(&h, k_fin);
	d = cap_find(&h.cap, M2MKX_MSG_FINAL_REQUEST, 0);
	tap_ok(d && h.cap.count == 1 && d->port == PORT_B &&
	       d->len == M2MKX_FINAL_REQUEST_LEN &&
	       mac_ok(k_fin, M2MKX_MSG_FINAL_REQUEST, h.a.n_a, d->data,
		      d->len - M2MKX_TAG_LEN,
		      d->data + d->len - M2MKX_TAG_LEN),
	       "FINAL_REQUEST goes to B under K_fin from H(A|B|N_A|N_B|x|y)");
	tap_is_int(relay(&h, 1, h.ypkg), -M2MKX_EREPLAY,
		   "a late relay is a replay");

	len = final(&h, buf, &h.cfg.params, used, h.ids);
	buf[len - 1] ^= 1;
	tap_is_int(rx(&h, buf, len), -M2MKX_EAUTH,
		   "a FINAL with a bad tag is refused");
	buf[len - 1] ^= 1;
	tap_is_int(rx(&h, buf, len), 0, "B's FINAL is taken");
	tap_ok(h.cap.events == 1 && h.cap.ev.type == M2MKX_EV_COMPLETED &&
	       !memcmp(h.cap.mk, h.mk, sizeof(h.mk)) &&
	       !memcmp(h.cap.ids, h.ids, 5 * 8) &&
	       !memcmp(h.cap.verdicts, used, 5) && h.cap.ev.n == 5 &&
	       !memcmp(h.cap.ev.session, h.session, 8),
	       "A completes with MK, T's ids and B's verdicts");
	tap_ok(secrets_gone(&h.a), "and keeps no secret afterwards");
	tap_is_int(rx(&h, buf, len), -M2MKX_EREPLAY,
		   "a second FINAL is a replay");
	tap_ok(!m2mkx_client_timer(&h.a, h.now + 100000, &h.cap.sink) &&
	       m2mkx_client_deadline(&h.a) == M2MKX_NO_DEADLINE &&
	       h.cap.events == 1, "a finished A has no timer");
	tap_is_int(h.a.work.tx_datagrams, 1 + 1 + 5 + 1,
		   "A counts what it sent (HELLO, REQUEST, 5 SHARES, FINAL_REQUEST)");
	m2mkx_client_wipe(&h.a);
}

/* Two proxies agree on a package that does not open; three honest follow. */
static void test_bad_package(void)
{
	static struct hs h;
	u8 junk[M2MKX_YPKG_LEN];

	hs_init(&h, &base, "test_client bad package");
	to_shares(&h);
	seal_ypkg(&h, h.x, h.ypkg);
	m2mkx_random(junk, sizeof(junk));
	tap_is_int(relay(&h, 0, junk), 0, "a lone bad package is held");
	tap_is_int(relay(&h, 1, junk), -M2MKX_EAUTH,
		   "m agreeing bad packages fail to open: bad_mac");
	tap_ok(h.a.rejected == 0x3 && h.a.state == M2MKX_CLIENT_SHARES_SENT,
	       "both relayers are rejected and A keeps waiting");
	tap_is_int(relay(&h, 2, h.ypkg), 0, "an honest relay");
	tap_is_int(relay(&h, 1, h.ypkg), -M2MKX_EREPLAY,
		   "a rejected proxy cannot change its vote");
	tap_is_int(h.a.state, M2MKX_CLIENT_SHARES_SENT,
		   "so one honest relay is still short of m");
	tap_is_int(relay(&h, 4, h.ypkg), 0, "a second honest relay");
	tap_is_int(h.a.state, M2MKX_CLIENT_FINAL_WAIT,
		   "A accepts y from the honest proxies");
	m2mkx_client_wipe(&h.a);
}

static void test_equivocation(void)
{
	static struct hs h;
	u8 other[M2MKX_YPKG_LEN];

	hs_init(&h, &base, "test_client equivocation");
	to_shares(&h);
	seal_ypkg(&h, h.x, h.ypkg);
	memcpy(other, h.ypkg, sizeof(other));
	other[0] ^= 1;
	tap_is_int(relay(&h, 0, h.ypkg), 0, "proxy 0 relays y");
	tap_is_int(relay(&h, 0, other), -M2MKX_EREPLAY,
		   "then something else: refused");
	tap_ok(h.a.rejected == 0x1, "and proxy 0 is rejected for it");
	tap_is_int(relay(&h, 1, h.ypkg), 0, "proxy 1 relays y");
	tap_is_int(h.a.state, M2MKX_CLIENT_SHARES_SENT,
		   "an equivocator's vote does not count towards m");
	tap_is_int(relay(&h, 2, h.ypkg), 0, "proxy 2 relays y");
	tap_is_int(h.a.state, M2MKX_CLIENT_FINAL_WAIT,
		   "two honest votes do");
	m2mkx_client_wipe(&h.a);
}

/* Once m agreeing relays can no longer come, A stops at once. */
static void test_hopeless(void)
{
	static struct hs h;
	struct m2mkx_params p = base;
	u8 junk[M2MKX_YPKG_LEN];

	p.n = 3;
	p.k = 2;
	hs_init(&h, &p, "test_client hopeless");
	to_shares(&h);
	m2mkx_random(junk, sizeof(junk));
	relay(&h, 0, junk);
	tap_is_int(relay(&h, 1, junk), -M2MKX_EAUTH,
		   "2 of 3 proxies relay a package that does not open");
	tap_ok(h.a.state == M2MKX_CLIENT_FAILED && h.cap.events == 1 &&
	       h.cap.ev.type == M2MKX_EV_FAILED &&
	       h.cap.ev.reason == M2MKX_EAUTH,
	       "with one proxy left and m = 2, A fails at once (bad_mac)");
	tap_ok(secrets_gone(&h.a), "and wipes its secrets");
	tap_is_int(relay(&h, 2, junk), -M2MKX_ESTATE,
		   "a failed A takes nothing more");
	m2mkx_client_wipe(&h.a);
}

static void test_relay_checks(void)
{
	static struct hs h;
	struct m2mkx_relay m = { 0 };
	u8 buf[M2MKX_RELAY_LEN];
	size_t ad_len;

	hs_init(&h, &base, "test_client relay checks");
	to_shares(&h);
	seal_ypkg(&h, h.x, h.ypkg);
	m.ypkg = h.ypkg;
	memcpy(m.a, h.cfg.id, 8);
	memcpy(m.p, h.proxies[0].id, 8);
	memcpy(m.session, h.session, 8);
	ad_len = m2mkx_relay_encode(buf, &m);
	mac(h.proxies[1].key, M2MKX_MSG_RELAY, h.a.n_a, buf, ad_len,
	    buf + ad_len);
	tap_is_int(rx(&h, buf, sizeof(buf)), -M2MKX_EAUTH,
		   "a relay under another proxy's key: bad_mac");
	tap_ok(h.a.relayed == 0, "and is not recorded");
	buf[2] ^= 1;
	tap_is_int(rx(&h, buf, sizeof(buf)), -M2MKX_ENOTFORUS,
		   "a relay for another A: not_for_us");
	buf[2] ^= 1;
	buf[10] ^= 1;
	tap_is_int(rx(&h, buf, sizeof(buf)), -M2MKX_ENOPEER,
		   "a relay from a stranger: unknown_peer");
	buf[10] ^= 1;
	buf[18] ^= 1;
	tap_is_int(rx(&h, buf, sizeof(buf)), -M2MKX_ENOSESSION,
		   "a relay for another session: unknown_session");
	tap_is_int(rx(&h, buf, sizeof(buf) - 1), -M2MKX_ELENGTH,
		   "a truncated relay: bad_length");
	m2mkx_client_wipe(&h.a);
}

static void test_final_checks(void)
{
	static struct hs h;
	u8 buf[M2MKX_FINAL_LEN(M2MKX_MAX_PROXIES)];
	u8 verdicts[5] = {
		M2MKX_VERDICT_USED, M2MKX_VERDICT_ABSENT,
		M2MKX_VERDICT_CORRUPT, M2MKX_VERDICT_LATE,
		M2MKX_VERDICT_USED,
	};
	u8 ids[sizeof(h.ids)];
	struct m2mkx_params p;
	size_t len;

	hs_init(&h, &base, "test_client final");
	to_shares(&h);
	seal_ypkg(&h, h.x, h.ypkg);
	relay(&h, 0, h.ypkg);
	relay(&h, 1, h.ypkg);
	m2mkx_derive_mk(h.mk, h.cfg.id, h.b, h.a.n_a, h.n_b, h.x, h.y);

	/* B names keys T never issued for slots 1 (absent) and 4 (used). */
	memcpy(ids, h.ids, sizeof(ids));
	memset(ids + 1 * 8, 0, 8);
	ids[4 * 8] ^= 1;
	len = final(&h, buf, &h.cfg.params, verdicts, ids);
	tap_is_int(rx(&h, buf, len), 0, "a FINAL naming a foreign key is taken");
	tap_ok(h.cap.verdicts[0] == M2MKX_VERDICT_USED &&
	       h.cap.verdicts[1] == M2MKX_VERDICT_ABSENT &&
	       h.cap.verdicts[2] == M2MKX_VERDICT_CORRUPT &&
	       h.cap.verdicts[3] == M2MKX_VERDICT_LATE,
	       "verdicts on T's keys are reported as B gave them");
	tap_is_int(h.cap.verdicts[4], M2MKX_VERDICT_FORGED,
		   "a share 'used' under a key T did not issue is reported forged");
	m2mkx_client_wipe(&h.a);

	hs_init(&h, &base, "test_client downgrade");
	to_shares(&h);
	seal_ypkg(&h, h.x, h.ypkg);
	relay(&h, 0, h.ypkg);
	relay(&h, 1, h.ypkg);
	m2mkx_derive_mk(h.mk, h.cfg.id, h.b, h.a.n_a, h.n_b, h.x, h.y);
	p = h.cfg.params;
	p.m = 1;
	len = final(&h, buf, &p, verdicts, h.ids);
	tap_is_int(rx(&h, buf, len), -M2MKX_EREJECTED,
		   "a FINAL with parameters A did not propose: rejected");
	tap_ok(h.cap.ev.type == M2MKX_EV_FAILED &&
	       h.cap.ev.reason == M2MKX_EREJECTED && secrets_gone(&h.a),
	       "A fails on the downgrade and keeps no MK");
	m2mkx_client_wipe(&h.a);
}

static void test_negotiation(void)
{
	static struct hs h;
	u8 buf[M2MKX_PROXY_LIST_LEN(M2MKX_MAX_PROXIES)];
	struct m2mkx_params p;
	size_t len;

	hs_init(&h, &base, "test_client negotiation");
	start(&h);
	tap_ok(h.cap.count == 1 && h.cap.d[0].port == PORT_B &&
	       h.cap.d[0].len == M2MKX_HELLO_LEN, "A starts with a HELLO to B");
	tap_is_int(rx(&h, h.cap.d[0].data, h.cap.d[0].len), -M2MKX_ETYPE,
		   "A does not take a HELLO: bad_type");
	len = proxy_list(&h, buf, 0, 5);
	tap_is_int(rx(&h, buf, len), -M2MKX_ESTATE,
		   "a PROXY_LIST before HELLO_REPLY: unexpected");
	len = hello_reply(&h, buf, 0, &h.cfg.params);
	buf[20] ^= 1;
	tap_is_int(rx(&h, buf, len), -M2MKX_ENOTFORUS,
		   "a HELLO_REPLY with another N_A: not_for_us");
	buf[20] ^= 1;
	tap_is_int(rx(&h, buf, len), 0, "B's HELLO_REPLY is taken");
	tap_ok(cap_find(&h.cap, M2MKX_MSG_PROXY_REQUEST, 0) &&
	       h.a.state == M2MKX_CLIENT_REQUEST_SENT,
	       "A asks T for keys");
	tap_is_int(rx(&h, buf, len), -M2MKX_EREPLAY,
		   "a second HELLO_REPLY is a replay");
	len = proxy_list(&h, buf, 0, 5);
	buf[len - 1] ^= 1;
	tap_is_int(rx(&h, buf, len), -M2MKX_EAUTH,
		   "a PROXY_LIST with a bad tag: bad_mac");
	len = proxy_list(&h, buf, 0, 4);
	tap_ok(rx(&h, buf, len) == -M2MKX_EPARAMS &&
	       h.cap.ev.reason == M2MKX_EPARAMS,
	       "an authentic PROXY_LIST of the wrong size ends the handshake");
	m2mkx_client_wipe(&h.a);

	hs_init(&h, &base, "test_client refusal");
	start(&h);
	len = hello_reply(&h, buf, M2MKX_EPARAMS, &h.cfg.params);
	tap_ok(rx(&h, buf, len) == -M2MKX_EREJECTED &&
	       h.cap.ev.type == M2MKX_EV_FAILED &&
	       h.cap.ev.reason == M2MKX_EREJECTED,
	       "B's refusal fails A: rejected");
	m2mkx_client_wipe(&h.a);

	hs_init(&h, &base, "test_client counter-proposal");
	start(&h);
	p = h.cfg.params;
	p.k = 2;
	len = hello_reply(&h, buf, 0, &p);
	tap_is_int(rx(&h, buf, len), -M2MKX_EREJECTED,
		   "B echoing other parameters fails A: rejected");
	m2mkx_client_wipe(&h.a);

	hs_init(&h, &base, "test_client T refuses");
	start(&h);
	len = hello_reply(&h, buf, 0, &h.cfg.params);
	rx(&h, buf, len);
	len = proxy_list(&h, buf, M2MKX_ENOPEER, 0);
	tap_ok(rx(&h, buf, len) == -M2MKX_EREJECTED &&
	       h.cap.ev.reason == M2MKX_EREJECTED,
	       "T's authentic refusal fails A: rejected");
	m2mkx_client_wipe(&h.a);
}

static void test_timers(void)
{
	static struct hs h;
	static struct cap_dgram first[M2MKX_MAX_PROXIES];
	unsigned int i, q, sent = 0;
	bool same = true;
	u8 buf[M2MKX_HELLO_REPLY_LEN];
	size_t len;

	hs_init(&h, &base, "test_client timers");
	start(&h);
	first[0] = h.cap.d[0];
	tap_ok(m2mkx_client_deadline(&h.a) == NOW0 + h.cfg.timing.rto_ms,
	       "the first retransmission is due after one rto");
	for (i = 0; i < h.cfg.timing.retries; i++) {
		h.cap.count = 0;
		if (!m2mkx_client_timer(&h.a, h.a.next_tx, &h.cap.sink))
			break;
		sent += h.cap.count;
		if (h.cap.count != 1 || memcmp(h.cap.d[0].data, first[0].data,
					       M2MKX_HELLO_LEN))
			same = false;
	}
	tap_ok(sent == h.cfg.timing.retries && same,
	       "A resends the identical HELLO retries times");
	tap_ok(!m2mkx_client_timer(&h.a, h.a.next_tx, &h.cap.sink) &&
	       h.cap.ev.type == M2MKX_EV_FAILED &&
	       h.cap.ev.reason == M2MKX_ETIMEOUT,
	       "then fails: timeout");
	m2mkx_client_wipe(&h.a);

	hs_init(&h, &base, "test_client lifetime");
	h.cfg.timing.retries = 1000;
	start(&h);
	while (m2mkx_client_timer(&h.a, m2mkx_client_deadline(&h.a),
				  &h.cap.sink))
		;
	tap_ok(h.cap.ev.reason == M2MKX_ETIMEOUT &&
	       m2mkx_client_deadline(&h.a) == M2MKX_NO_DEADLINE,
	       "the handshake's lifetime bounds it whatever the retries");
	m2mkx_client_wipe(&h.a);

	/* In SHARES_SENT only proxies that have not relayed are resent to. */
	hs_init(&h, &base, "test_client resend shares");
	start(&h);
	len = hello_reply(&h, buf, 0, &h.cfg.params);
	rx(&h, buf, len);
	{
		u8 list[M2MKX_PROXY_LIST_LEN(M2MKX_MAX_PROXIES)];

		memcpy(h.x, h.a.x, sizeof(h.x));
		h.cap.count = 0;
		len = proxy_list(&h, list, 0, 5);
		rx(&h, list, len);
	}
	for (q = 0; q < 5; q++)
		first[q] = h.cap.d[q];
	seal_ypkg(&h, h.x, h.ypkg);
	relay(&h, 2, h.ypkg);
	h.cap.count = 0;
	m2mkx_client_timer(&h.a, h.a.next_tx, &h.cap.sink);
	same = h.cap.count == 4;
	for (i = 0; i < h.cap.count; i++) {
		q = h.cap.d[i].port - PORT_P0;
		if (q == 2 || q >= 5 || h.cap.d[i].len != first[q].len ||
		    memcmp(h.cap.d[i].data, first[q].data, first[q].len))
			same = false;
	}
	tap_ok(same, "SHARES are resent, identical, to the 4 proxies that have not relayed");
	m2mkx_client_wipe(&h.a);
}

static void test_start_checks(void)
{
	static struct hs h;
	struct m2mkx_endpoint b_ep = endpoint(PORT_B);

	hs_init(&h, &base, "test_client start");
	tap_is_int(m2mkx_client_start(&h.a, &h.cfg, h.b, &b_ep, h.proxy_ptrs, 4,
				      NOW0, &h.cap.sink), -M2MKX_EINVAL,
		   "n must match the proposed parameters");
	h.cfg.params.m = 0;
	tap_is_int(start(&h), -M2MKX_EPARAMS, "m must be at least 1");
	h.cfg.params.m = 2;
	memcpy(h.proxies[3].id, h.proxies[1].id, M2MKX_ID_LEN);
	tap_is_int(start(&h), -M2MKX_EINVAL, "a proxy may not be named twice");
	m2mkx_random(h.proxies[3].id, M2MKX_ID_LEN);
	memcpy(h.proxies[4].key, h.proxies[0].key, M2MKX_AES128_KEY_LEN);
	tap_is_int(start(&h), -M2MKX_EINVAL,
		   "two proxies may not share a key (the SHARES nonce would repeat)");
	tap_ok(h.cap.count == 0 && h.a.state == 0,
	       "a refused start sends nothing and leaves A idle");
	tap_ok(!m2mkx_client_timer(&h.a, NOW0, &h.cap.sink) &&
	       m2mkx_client_deadline(&h.a) == M2MKX_NO_DEADLINE,
	       "an idle A has no timer");
}

int main(void)
{
	test_honest();
	test_bad_package();
	test_equivocation();
	test_hopeless();
	test_relay_checks();
	test_final_checks();
	test_negotiation();
	test_timers();
	test_start_checks();
	return tap_done();
}
