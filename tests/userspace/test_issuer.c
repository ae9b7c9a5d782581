// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * T (core/issuer.c) against A (core/client.c) in one process, through a
 * sink that captures every datagram instead of sending it.
 *
 * A real A asks for keys; this file plays B's HELLO_REPLY and the proxies'
 * side by hand, with nothing but the codec, the key schedule and the
 * crypto backend, so each check reads what T put on the wire the way a
 * proxy or B would: the material opens under the proxy's key, its
 * one-time key climbs its path to the root T signed, the signature
 * verifies, and the IDs A received name those keys. Then the issuer's
 * promises: a retransmitted request gets the same answer and no new
 * keys, an acknowledgment stops retransmission, and forged or
 * ill-formed requests are refused under their own reasons.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <m2mkx/bytes.h>
#include <m2mkx/client.h>
#include <m2mkx/errors.h>
#include <m2mkx/issuer.h>
#include <m2mkx/keys.h>
#include <m2mkx/merkle.h>
#include <m2mkx/ots.h>
#include <m2mkx/share.h>

#include "backend/openssl.h"
#include "drbg.h"
#include "tap.h"
#include "world.h"

#define NPROXIES M2MKX_MAX_PROXIES
#define CAP_MAX 64
#define CAP_DATA 1024
#define PORT_A 1
#define PORT_B 2
#define PORT_T 3
#define PORT_P0 10
#define NOW0 1000
#define UNIX_NOW 1800000000ull
#define T_MAX_LIFETIME 600

/* ---- The capturing sink. ---- */

struct cap_dgram {
	struct m2mkx_endpoint to;
	size_t len;
	u8 data[CAP_DATA];
};

struct cap {
	struct m2mkx_sink sink;
	struct cap_dgram d[CAP_MAX];
	unsigned int count;
	/* The one buffer out at a time, allocated at exactly its length. */
	u8 *out;
	struct m2mkx_endpoint out_to;
	size_t out_len;
	bool misuse;
	unsigned int events;
	struct m2mkx_event ev;
};

static u8 *cap_alloc(struct m2mkx_sink *sink, const struct m2mkx_endpoint *to,
		     size_t len)
{
	struct cap *c = (struct cap *)sink;

	if (c->out || len > CAP_DATA) {
		c->misuse = true;
		return NULL;
	}
	/* Exactly @len: ASan catches a role that writes past what it asked. */
	c->out = malloc(len);
	if (!c->out)
		abort();
	c->out_to = *to;
	c->out_len = len;
	return c->out;
}

static void cap_commit(struct m2mkx_sink *sink, u8 *buf, bool send)
{
	struct cap *c = (struct cap *)sink;

	if (buf != c->out) {
		c->misuse = true;
		return;
	}
	if (send && c->count < CAP_MAX) {
		struct cap_dgram *d = &c->d[c->count++];

		d->to = c->out_to;
		d->len = c->out_len;
		memcpy(d->data, buf, c->out_len);
	}
	free(c->out);
	c->out = NULL;
}

static void cap_event(struct m2mkx_sink *sink, const struct m2mkx_event *ev)
{
	struct cap *c = (struct cap *)sink;

	c->events++;
	c->ev = *ev;
	c->ev.mk = NULL;
	c->ev.ids = NULL;
	c->ev.verdicts = NULL;
}

static void cap_init(struct cap *c)
{
	memset(c, 0, sizeof(*c));
	c->sink.tx_alloc = cap_alloc;
	c->sink.tx_commit = cap_commit;
	c->sink.event = cap_event;
}

static void cap_clear(struct cap *c)
{
	c->count = 0;
}

static unsigned int cap_count_type(const struct cap *c, int type)
{
	unsigned int i, n = 0;

	for (i = 0; i < c->count; i++)
		if (m2mkx_msg_peek(c->d[i].data, c->d[i].len) == type)
			n++;
	return n;
}

/* The @nth captured datagram of @type, or NULL. */
static const struct cap_dgram *cap_find(const struct cap *c, int type,
					unsigned int nth)
{
	unsigned int i;

	for (i = 0; i < c->count; i++)
		if (m2mkx_msg_peek(c->d[i].data, c->d[i].len) == type &&
		    !nth--)
			return &c->d[i];
	return NULL;
}

/* ---- The deployment: A, B's id, T, and 16 proxies T knows. ---- */

static u8 a_id[M2MKX_ID_LEN], b_id[M2MKX_ID_LEN];
static u8 k_at[M2MKX_AES128_KEY_LEN];
static u8 p_id[NPROXIES][M2MKX_ID_LEN];
static u8 k_ap[NPROXIES][M2MKX_AES128_KEY_LEN];
static u8 k_pt[NPROXIES][M2MKX_AES128_KEY_LEN];
static u8 stranger[M2MKX_ID_LEN];
static struct m2mkx_trust trust;
static struct m2mkx_issuer_keys t_keys;
static struct m2mkx_issuer_config t_cfg;

static struct m2mkx_endpoint endpoint(u16 port)
{
	struct m2mkx_endpoint ep = { .port = port };

	ep.addr[15] = 1;
	return ep;
}

static const u8 *t_client_key(const struct m2mkx_issuer_keys *keys,
			      const u8 a[M2MKX_ID_LEN])
{
	(void)keys;
	return memcmp(a, a_id, M2MKX_ID_LEN) ? NULL : k_at;
}

static const u8 *t_proxy_key(const struct m2mkx_issuer_keys *keys,
			     const u8 p[M2MKX_ID_LEN],
			     struct m2mkx_endpoint *ep)
{
	unsigned int q;

	(void)keys;
	for (q = 0; q < NPROXIES; q++) {
		if (!memcmp(p, p_id[q], M2MKX_ID_LEN)) {
			*ep = endpoint((u16)(PORT_P0 + q));
			return k_pt[q];
		}
	}
	return NULL;
}

static void deployment_init(void)
{
	unsigned int q;

	t_cfg.signer = world_signer(0);
	m2mkx_trust_init(&trust);
	if (m2mkx_trust_add_pkey(&trust, t_cfg.signer->pkey))
		abort();
	drbg_seed("test_issuer deployment");
	m2mkx_random(a_id, sizeof(a_id));
	m2mkx_random(b_id, sizeof(b_id));
	m2mkx_random(k_at, sizeof(k_at));
	m2mkx_random(stranger, sizeof(stranger));
	for (q = 0; q < NPROXIES; q++) {
		m2mkx_random(p_id[q], sizeof(p_id[q]));
		m2mkx_random(k_ap[q], sizeof(k_ap[q]));
		m2mkx_random(k_pt[q], sizeof(k_pt[q]));
	}
	t_keys.client_key = t_client_key;
	t_keys.proxy_key = t_proxy_key;
	t_cfg.keys = &t_keys;
	t_cfg.max_lifetime_s = T_MAX_LIFETIME;
	m2mkx_timing_default(&t_cfg.timing);
}

/* ---- Helpers that read the wire as a proxy or A would. ---- */

static bool mac_ok(const u8 *key, const u8 nonce[M2MKX_CCM_NONCE_LEN],
		   const u8 *ad, size_t ad_len, const u8 *tag)
{
	u8 want[M2MKX_TAG_LEN];

	if (m2mkx_aes128_ccm_seal(key, nonce, ad, ad_len, NULL, 0, want,
				  M2MKX_TAG_LEN))
		return false;
	return !memcmp(want, tag, sizeof(want));
}

static bool a_mac_ok(const u8 *key, enum m2mkx_msg_type type,
		     const u8 n_a[M2MKX_NONCE_LEN], const u8 *ad,
		     size_t ad_len, const u8 *tag)
{
	u8 nonce[M2MKX_CCM_NONCE_LEN];

	m2mkx_a_nonce(nonce, type, n_a);
	return mac_ok(key, nonce, ad, ad_len, tag);
}

/* What a proxy gets out of one KEY_MATERIAL datagram. */
struct material {
	u8 nonce[M2MKX_CCM_NONCE_LEN];
	u8 pt[CAP_DATA];
	struct m2mkx_key_material km;
};

static int material_open(const struct cap_dgram *d, unsigned int q,
			 struct material *out)
{
	struct m2mkx_key_material_hdr hdr;
	int ret;

	ret = m2mkx_key_material_hdr_parse(d->data, d->len, &hdr);
	if (ret)
		return ret;
	if (memcmp(hdr.p, p_id[q], M2MKX_ID_LEN) ||
	    d->to.port != PORT_P0 + q)
		return -M2MKX_ENOTFORUS;
	memcpy(out->nonce, hdr.nonce, sizeof(out->nonce));
	ret = m2mkx_aes128_ccm_open(k_pt[q], hdr.nonce, d->data, hdr.ad_len,
				    hdr.ct, hdr.ct_len, out->pt,
				    M2MKX_TAG_LEN);
	if (ret)
		return ret;
	return m2mkx_key_material_parse(out->pt, hdr.ct_len, &out->km);
}

/* The KEY_MATERIAL datagram captured for proxy @q, or NULL. */
static const struct cap_dgram *material_for(const struct cap *c,
					    unsigned int q)
{
	unsigned int i;

	for (i = 0; i < c->count; i++)
		if (m2mkx_msg_peek(c->d[i].data, c->d[i].len) ==
		    M2MKX_MSG_KEY_MATERIAL && c->d[i].to.port == PORT_P0 + q)
			return &c->d[i];
	return NULL;
}

static void make_ack(u8 buf[M2MKX_MATERIAL_ACK_LEN], unsigned int q,
		     const struct m2mkx_issuer_session *s, u8 status)
{
	struct m2mkx_material_ack m = { .q = (u8)q, .status = status };
	size_t ad_len;

	memcpy(m.p, p_id[q], sizeof(m.p));
	m2mkx_random(m.nonce, sizeof(m.nonce));
	memcpy(m.a, s->a, sizeof(m.a));
	memcpy(m.session, s->session, sizeof(m.session));
	ad_len = m2mkx_material_ack_encode(buf, &m);
	m2mkx_aes128_ccm_seal(k_pt[q], m.nonce, buf, ad_len, NULL, 0,
			      buf + ad_len, M2MKX_TAG_LEN);
}

static int deliver_ack(struct m2mkx_issuer_session *s, const u8 *buf)
{
	struct m2mkx_material_ack ack;
	int ret;

	ret = m2mkx_issuer_ack_open(&t_cfg, buf, M2MKX_MATERIAL_ACK_LEN, &ack);
	return ret ? ret : m2mkx_issuer_ack(s, &ack);
}

static bool all_zero(const u8 *p, size_t len)
{
	while (len--)
		if (*p++)
			return false;
	return true;
}

/* ---- A's side up to its PROXY_REQUEST. ---- */

struct run {
	struct m2mkx_params params;
	struct m2mkx_client_config cfg;
	struct m2mkx_client_proxy proxies[NPROXIES];
	const struct m2mkx_client_proxy *proxy_ptrs[NPROXIES];
	struct m2mkx_client a;
	struct cap cap;
	u8 session[M2MKX_SESSION_LEN];
	u8 request[M2MKX_PROXY_REQUEST_LEN(NPROXIES)];
	size_t request_len;
};

static void run_init(struct run *r, const struct m2mkx_params *p)
{
	unsigned int q;

	memset(r, 0, sizeof(*r));
	r->params = *p;
	memcpy(r->cfg.id, a_id, sizeof(a_id));
	memcpy(r->cfg.k_at, k_at, sizeof(k_at));
	r->cfg.t_ep = endpoint(PORT_T);
	r->cfg.params = *p;
	/* More than T grants: T must clamp, not refuse. */
	r->cfg.lifetime_s = 3600;
	m2mkx_timing_default(&r->cfg.timing);
	for (q = 0; q < p->n; q++) {
		memcpy(r->proxies[q].id, p_id[q], M2MKX_ID_LEN);
		memcpy(r->proxies[q].key, k_ap[q], M2MKX_AES128_KEY_LEN);
		r->proxies[q].ep = endpoint((u16)(PORT_P0 + q));
		r->proxy_ptrs[q] = &r->proxies[q];
	}
	cap_init(&r->cap);
}

/* B's acceptance, by hand: echoes A's HELLO with a fresh N_B and session. */
static int play_b(struct run *r)
{
	const struct cap_dgram *d = cap_find(&r->cap, M2MKX_MSG_HELLO, 0);
	struct m2mkx_hello_reply reply = { 0 };
	struct m2mkx_endpoint from = endpoint(PORT_B);
	struct m2mkx_hello hello;
	u8 buf[M2MKX_HELLO_REPLY_LEN];
	int ret;

	if (!d)
		return -M2MKX_ESHORT;
	ret = m2mkx_hello_parse(d->data, d->len, &hello);
	if (ret)
		return ret;
	memcpy(reply.a, hello.a, sizeof(reply.a));
	memcpy(reply.b, hello.b, sizeof(reply.b));
	memcpy(reply.n_a, hello.n_a, sizeof(reply.n_a));
	m2mkx_random(reply.n_b, sizeof(reply.n_b));
	m2mkx_random(reply.session, sizeof(reply.session));
	memcpy(r->session, reply.session, sizeof(r->session));
	reply.params = hello.params;
	m2mkx_hello_reply_encode(buf, &reply);
	cap_clear(&r->cap);
	return m2mkx_client_rx(&r->a, buf, sizeof(buf), &from, NOW0,
			       &r->cap.sink);
}

/* Starts A and takes it to the point where it has asked T for keys. */
static bool a_requests(struct run *r)
{
	struct m2mkx_endpoint b_ep = endpoint(PORT_B);
	const struct cap_dgram *d;

	if (m2mkx_client_start(&r->a, &r->cfg, b_id, &b_ep, r->proxy_ptrs,
			       r->params.n, NOW0, &r->cap.sink) ||
	    play_b(r))
		return false;
	d = cap_find(&r->cap, M2MKX_MSG_PROXY_REQUEST, 0);
	if (!d || r->cap.count != 1 || d->to.port != PORT_T)
		return false;
	memcpy(r->request, d->data, d->len);
	r->request_len = d->len;
	return r->a.state == M2MKX_CLIENT_REQUEST_SENT;
}

/* ---- The tests. ---- */

/*
 * Everything a proxy and B check about one issue, for proxy counts that
 * give trees of height 0, 2, 3 and 4 (n = 16 fills its tree; the others
 * have padding leaves).
 */
static void test_issue(unsigned int n, u32 ots_type)
{
	static struct run r;
	static struct material mat[NPROXIES], again;
	static struct m2mkx_issuer_session s;
	static u8 seeds[NPROXIES][M2MKX_OTS_SEED_LEN];
	struct m2mkx_params p = {
		.suite = M2MKX_SUITE_V1,
		.share_mode = M2MKX_SHARE_SHAMIR,
		.n = (u8)n, .k = (u8)((n + 1) / 2), .m = 1,
		.ots_type = ots_type,
	};
	struct m2mkx_endpoint a_ep = endpoint(PORT_A);
	const struct cap_dgram *d;
	struct m2mkx_proxy_request req;
	struct m2mkx_proxy_list list;
	u8 key_id[M2MKX_TKEY_ID_LEN];
	u8 commitment[M2MKX_COMMIT_LEN];
	u8 list_copy[M2MKX_PROXY_LIST_LEN(NPROXIES)];
	size_t list_len;
	unsigned int q, j, h = m2mkx_merkle_height(n);
	bool opened = true, bound = true, climbs = true, ids = true;
	bool sigs = true, distinct = true, same = true, fresh = true;
	bool untouched = true;
	int ret;

	drbg_seed("test_issuer issue");
	run_init(&r, &p);
	tap_ok(a_requests(&r), "n=%u: A sends T its PROXY_REQUEST", n);

	ret = m2mkx_issuer_request_open(&t_cfg, r.request, r.request_len, &req);
	tap_is_int(ret, 0, "n=%u: T accepts A's request", n);
	tap_is_int(req.lifetime_s, T_MAX_LIFETIME,
		   "n=%u: T clamps the lifetime to its maximum", n);

	cap_clear(&r.cap);
	ret = m2mkx_issuer_issue(&s, &t_cfg, &req, &a_ep, NOW0, UNIX_NOW,
				 &r.cap.sink);
	tap_is_int(ret, 0, "n=%u: T issues", n);
	tap_ok(r.cap.count == n + 1 &&
	       cap_count_type(&r.cap, M2MKX_MSG_KEY_MATERIAL) == n &&
	       cap_count_type(&r.cap, M2MKX_MSG_PROXY_LIST) == 1,
	       "n=%u: T sends one PROXY_LIST and n KEY_MATERIAL (%u sent)",
	       n, r.cap.count);

	/* The list, as A reads it. */
	d = cap_find(&r.cap, M2MKX_MSG_PROXY_LIST, 0);
	if (!d)
		abort();
	tap_ok(d->to.port == PORT_A, "n=%u: PROXY_LIST goes to the requester",
	       n);
	ret = m2mkx_proxy_list_parse(d->data, d->len, &list);
	tap_ok(!ret && list.status == 0 && list.n == n &&
	       !memcmp(list.a, a_id, M2MKX_ID_LEN) &&
	       !memcmp(list.session, r.session, M2MKX_SESSION_LEN),
	       "n=%u: PROXY_LIST parses and names A, the session and n", n);
	tap_ok(a_mac_ok(k_at, M2MKX_MSG_PROXY_LIST, r.a.n_a, d->data,
			list.ad_len, list.tag),
	       "n=%u: PROXY_LIST's MAC verifies under K_AT", n);
	memcpy(list_copy, d->data, d->len);
	list_len = d->len;

	/* The material, as each proxy and then B read it. */
	m2mkx_signer_key_id(t_cfg.signer, key_id);
	m2mkx_commit_x(commitment, r.session, r.a.x);
	for (q = 0; q < n; q++) {
		const struct m2mkx_root_info *ri = &mat[q].km.root;
		struct m2mkx_ots_key key = { .type = ots_type, .q = q };
		u8 K[M2MKX_OTS_HASH_LEN], root[M2MKX_OTS_HASH_LEN];
		u8 id[M2MKX_PROXY_ID_LEN], digest[M2MKX_SHA256_LEN];

		d = material_for(&r.cap, q);
		if (!d || material_open(d, q, &mat[q])) {
			opened = false;
			continue;
		}
		memcpy(seeds[q], mat[q].km.seed, sizeof(seeds[q]));
		if (mat[q].km.q != q || mat[q].km.height != h ||
		    memcmp(ri->a, a_id, M2MKX_ID_LEN) ||
		    memcmp(ri->b, b_id, M2MKX_ID_LEN) ||
		    memcmp(ri->session, r.session, M2MKX_SESSION_LEN) ||
		    ri->params.suite != p.suite || ri->params.n != n ||
		    ri->params.k != p.k || ri->params.m != 0 ||
		    ri->params.share_mode != p.share_mode ||
		    ri->params.ots_type != ots_type ||
		    memcmp(ri->commitment, commitment, sizeof(commitment)) ||
		    ri->expiry != UNIX_NOW + T_MAX_LIFETIME ||
		    memcmp(ri->t_key_id, key_id, sizeof(key_id)))
			bound = false;

		memcpy(key.I, ri->I, sizeof(key.I));
		memcpy(key.seed, mat[q].km.seed, sizeof(key.seed));
		if (m2mkx_ots_public(&key, K) ||
		    m2mkx_merkle_root(ri->I, h, q, K, mat[q].km.path, root) ||
		    memcmp(root, ri->root, sizeof(root)))
			climbs = false;
		m2mkx_proxy_id(id, K);
		if (memcmp(id, list.ids + q * M2MKX_PROXY_ID_LEN, sizeof(id)))
			ids = false;
		m2mkx_root_digest(digest, ri->signed_part);
		if (m2mkx_trust_verify(&trust, ri->t_key_id, digest, ri->sig,
				       ri->sig_len))
			sigs = false;
		if (q && (memcmp(ri->root, mat[0].km.root.root, 32) ||
			  memcmp(ri->I, mat[0].km.root.I, 16) ||
			  memcmp(ri->sig, mat[0].km.root.sig, ri->sig_len)))
			same = false;
		for (j = 0; j < q; j++)
			if (!memcmp(seeds[j], seeds[q], sizeof(seeds[q])))
				distinct = false;
	}
	tap_ok(opened, "n=%u: each KEY_MATERIAL goes to its proxy, opens under its K_PT and parses",
	       n);
	tap_ok(bound, "n=%u: each root info binds A, B, session, params, x, expiry, T key id",
	       n);
	tap_ok(climbs, "n=%u: each proxy's one-time key climbs its path to the root",
	       n);
	tap_ok(ids, "n=%u: the IDs A received are H(K) of the proxies' keys",
	       n);
	tap_ok(sigs, "n=%u: the root signature verifies under T's certificate",
	       n);
	tap_ok(same, "n=%u: every proxy gets the same signed root", n);
	tap_ok(distinct, "n=%u: every proxy gets its own seed", n);

	/* A retransmitted request: the same answer, nothing new. */
	cap_clear(&r.cap);
	ret = m2mkx_issuer_request_open(&t_cfg, r.request, r.request_len, &req);
	if (!ret)
		ret = m2mkx_issuer_resend(&s, &req, &r.cap.sink);
	tap_is_int(ret, 0, "n=%u: T answers a retransmitted request", n);
	d = cap_find(&r.cap, M2MKX_MSG_PROXY_LIST, 0);
	tap_ok(r.cap.count == 1 && d && d->len == list_len &&
	       !memcmp(d->data, list_copy, list_len) && d->to.port == PORT_A,
	       "n=%u: with the identical PROXY_LIST and nothing else", n);
	for (q = 0; q < n; q++)
		if (memcmp(s.proxies[q].seed, seeds[q], sizeof(seeds[q])))
			untouched = false;
	tap_ok(untouched, "n=%u: and without drawing new seeds", n);

	/* The material, retransmitted on T's timer. */
	tap_ok(m2mkx_issuer_deadline(&s) == NOW0 + t_cfg.timing.rto_ms,
	       "n=%u: T's first retransmission is due after one rto", n);
	cap_clear(&r.cap);
	tap_ok(m2mkx_issuer_timer(&s, &t_cfg, s.next_tx - 1, &r.cap.sink) &&
	       r.cap.count == 0, "n=%u: nothing is resent before it is due",
	       n);
	tap_ok(m2mkx_issuer_timer(&s, &t_cfg, s.next_tx, &r.cap.sink) &&
	       cap_count_type(&r.cap, M2MKX_MSG_KEY_MATERIAL) == n &&
	       r.cap.count == n,
	       "n=%u: T resends every unacknowledged KEY_MATERIAL", n);
	same = true;
	for (q = 0; q < n; q++) {
		d = material_for(&r.cap, q);
		if (!d || material_open(d, q, &again) ||
		    memcmp(again.km.seed, seeds[q], sizeof(seeds[q])) ||
		    memcmp(again.km.path, mat[q].km.path, 32 * h) ||
		    memcmp(again.km.root.root, mat[q].km.root.root, 32))
			same = false;
		if (!memcmp(again.nonce, mat[q].nonce, sizeof(again.nonce)))
			fresh = false;
	}
	tap_ok(same, "n=%u: a resent KEY_MATERIAL is the same key, not a new one",
	       n);
	tap_ok(fresh, "n=%u: each transmission is sealed with a fresh nonce",
	       n);

	/* Acknowledgements. */
	{
		u8 ack[M2MKX_MATERIAL_ACK_LEN];
		u64 next;

		make_ack(ack, 0, &s, 0);
		tap_is_int(deliver_ack(&s, ack), 0,
			   "n=%u: T takes proxy 0's acknowledgment", n);
		tap_ok(s.proxies[0].acked &&
		       all_zero(s.proxies[0].seed, M2MKX_OTS_SEED_LEN),
		       "n=%u: and forgets proxy 0's seed", n);
		tap_is_int(deliver_ack(&s, ack), -M2MKX_EREPLAY,
			   "n=%u: a second copy is a replay", n);

		ack[M2MKX_MATERIAL_ACK_LEN - 1] ^= 1;
		tap_is_int(deliver_ack(&s, ack), -M2MKX_EAUTH,
			   "n=%u: an acknowledgment with a bad MAC is refused",
			   n);

		cap_clear(&r.cap);
		/* With n = 1 nothing is left to resend: look just before the end. */
		next = s.next_tx == M2MKX_NO_DEADLINE ? s.deadline - 1 :
							  s.next_tx;
		m2mkx_issuer_timer(&s, &t_cfg, next, &r.cap.sink);
		tap_ok(r.cap.count == n - 1 && !material_for(&r.cap, 0),
		       "n=%u: T no longer resends to an acknowledged proxy",
		       n);

		for (q = 1; q < n; q++) {
			/* A refusal ends delivery just as well. */
			make_ack(ack, q, &s,
				 q == 1 ? M2MKX_EMATERIAL : 0);
			deliver_ack(&s, ack);
		}
		untouched = true;
		for (q = 0; q < NPROXIES; q++)
			if (!all_zero(s.proxies[q].seed, M2MKX_OTS_SEED_LEN))
				untouched = false;
		tap_ok(untouched && m2mkx_issuer_deadline(&s) == s.deadline,
		       "n=%u: once all acknowledged, T keeps no seed and no retransmission timer",
		       n);
		cap_clear(&r.cap);
		tap_ok(m2mkx_issuer_timer(&s, &t_cfg, s.deadline - 1,
					  &r.cap.sink) && r.cap.count == 0,
		       "n=%u: the session lingers quietly until its deadline",
		       n);
		tap_ok(!m2mkx_issuer_timer(&s, &t_cfg, s.deadline, &r.cap.sink),
		       "n=%u: and may be freed at it", n);
	}

	/* A, given T's list, sends every proxy its share of x. */
	{
		struct m2mkx_endpoint t_ep = endpoint(PORT_T);
		size_t slen = m2mkx_share_len(p.share_mode, p.k,
					      M2MKX_SECRET_LEN);
		u8 shares[NPROXIES * M2MKX_SHARE_MAX_SECRET_LEN];
		u8 points[NPROXIES], x[M2MKX_SECRET_LEN];
		bool ok = true;
		u32 bad = 0;

		cap_clear(&r.cap);
		ret = m2mkx_client_rx(&r.a, list_copy, list_len, &t_ep, NOW0,
				      &r.cap.sink);
		tap_ok(!ret && r.a.state == M2MKX_CLIENT_SHARES_SENT &&
		       r.cap.count == n &&
		       cap_count_type(&r.cap, M2MKX_MSG_SHARES) == n,
		       "n=%u: A takes the list and sends n SHARES", n);
		for (q = 0; q < n; q++) {
			struct m2mkx_shares m;
			u8 nonce[M2MKX_CCM_NONCE_LEN], ad[71];
			const u8 *e;

			d = cap_find(&r.cap, M2MKX_MSG_SHARES, q);
			if (!d || d->to.port != PORT_P0 + q ||
			    m2mkx_shares_parse(d->data, d->len, &m) ||
			    m.count != 1 || m.share_len != slen ||
			    m2mkx_shares_find(&m, p_id[q], &e) ||
			    e[M2MKX_ID_LEN] != q) {
				ok = false;
				continue;
			}
			memcpy(ad, m.hdr, M2MKX_SHARES_HDR_LEN);
			memcpy(ad + M2MKX_SHARES_HDR_LEN, e, 9);
			m2mkx_a_nonce(nonce, M2MKX_MSG_SHARES, m.n_a);
			if (m2mkx_aes128_ccm_open(k_ap[q], nonce, ad, sizeof(ad),
						  e + 9, slen,
						  shares + q * slen,
						  M2MKX_TAG_LEN))
				ok = false;
			points[q] = (u8)(q + 1);
		}
		tap_ok(ok, "n=%u: each SHARES opens under its proxy's K_AP",
		       n);
		/* The last k shares, so that not only share 1 matters. */
		ret = m2mkx_share_combine(p.share_mode, p.k, p.k,
					  points + (n - p.k),
					  shares + (n - p.k) * slen, x,
					  sizeof(x), &bad);
		tap_ok(!ret && !memcmp(x, r.a.x, sizeof(x)),
		       "n=%u: and any k of them rebuild A's x", n);
	}

	tap_ok(!r.cap.misuse,
	       "n=%u: A and T pair every tx_alloc with one tx_commit", n);
	m2mkx_issuer_session_wipe(&s);
	m2mkx_client_wipe(&r.a);
}

/* T gives up on a proxy that never acknowledges, and forgets its seed. */
static void test_retries(void)
{
	static struct run r;
	static struct m2mkx_issuer_session s;
	struct m2mkx_params p = {
		.suite = M2MKX_SUITE_V1,
		.share_mode = M2MKX_SHARE_DISPERSAL,
		.n = 3, .k = 2, .m = 2,
		.ots_type = M2MKX_LMOTS_SHA256_N32_W2,
	};
	struct m2mkx_endpoint a_ep = endpoint(PORT_A);
	struct m2mkx_proxy_request req;
	unsigned int i, sent = 0;
	bool backoff = true, seeds_gone = true;
	u64 prev_gap = 0;

	drbg_seed("test_issuer retries");
	run_init(&r, &p);
	if (!a_requests(&r) ||
	    m2mkx_issuer_request_open(&t_cfg, r.request, r.request_len,
				      &req) ||
	    m2mkx_issuer_issue(&s, &t_cfg, &req, &a_ep, NOW0, UNIX_NOW,
			       &r.cap.sink))
		abort();
	for (i = 0; i < t_cfg.timing.retries; i++) {
		u64 at = s.next_tx;

		cap_clear(&r.cap);
		m2mkx_issuer_timer(&s, &t_cfg, at, &r.cap.sink);
		sent += cap_count_type(&r.cap, M2MKX_MSG_KEY_MATERIAL);
		if (s.next_tx - at < prev_gap ||
		    s.next_tx - at > t_cfg.timing.rto_max_ms)
			backoff = false;
		prev_gap = s.next_tx - at;
	}
	tap_is_int(sent, (long long)t_cfg.timing.retries * p.n,
		   "T resends unacknowledged material retries times");
	tap_ok(backoff, "with a backoff that grows up to rto_max");
	cap_clear(&r.cap);
	tap_ok(m2mkx_issuer_timer(&s, &t_cfg, s.next_tx, &r.cap.sink) &&
	       r.cap.count == 0,
	       "then gives up without sending, keeping the session");
	for (i = 0; i < NPROXIES; i++)
		if (!all_zero(s.proxies[i].seed, M2MKX_OTS_SEED_LEN))
			seeds_gone = false;
	tap_ok(seeds_gone, "and wipes every seed it could not deliver");
	tap_ok(m2mkx_issuer_deadline(&s) == s.deadline,
	       "its next deadline is the session's end");
	m2mkx_issuer_session_wipe(&s);
	m2mkx_client_wipe(&r.a);
}

/*
 * A PROXY_REQUEST made by hand, MACed under @key, so that requests A
 * would never send can still be authentic.
 */
static size_t forge_request(u8 *buf, const u8 *key, const u8 *a,
			    const u8 n_a[M2MKX_NONCE_LEN], const u8 *ids,
			    unsigned int n, u16 lifetime_s)
{
	struct m2mkx_proxy_request m = {
		.params = {
			.suite = M2MKX_SUITE_V1,
			.share_mode = M2MKX_SHARE_SHAMIR,
			.n = (u8)n, .k = 1,
			.ots_type = M2MKX_LMOTS_SHA256_N32_W4,
		},
		.lifetime_s = lifetime_s,
		.proxies = ids,
	};
	u8 nonce[M2MKX_CCM_NONCE_LEN];
	size_t ad_len;

	memcpy(m.a, a, sizeof(m.a));
	memset(m.session, 0x5e, sizeof(m.session));
	memcpy(m.n_a, n_a, sizeof(m.n_a));
	memcpy(m.b, b_id, sizeof(m.b));
	memset(m.commitment, 0xc0, sizeof(m.commitment));
	ad_len = m2mkx_proxy_request_encode(buf, &m);
	m2mkx_a_nonce(nonce, M2MKX_MSG_PROXY_REQUEST, n_a);
	m2mkx_aes128_ccm_seal(key, nonce, buf, ad_len, NULL, 0, buf + ad_len,
			      M2MKX_TAG_LEN);
	return ad_len + M2MKX_TAG_LEN;
}

static void test_refusals(void)
{
	static struct m2mkx_issuer_session s;
	struct m2mkx_endpoint a_ep = endpoint(PORT_A);
	u8 buf[M2MKX_PROXY_REQUEST_LEN(NPROXIES)];
	u8 ids[3 * M2MKX_ID_LEN], n_a[M2MKX_NONCE_LEN];
	u8 wrong_key[M2MKX_AES128_KEY_LEN];
	struct m2mkx_proxy_request req;
	struct cap cap;
	size_t len;
	u16 max;

	drbg_seed("test_issuer refusals");
	cap_init(&cap);
	m2mkx_random(n_a, sizeof(n_a));
	m2mkx_random(wrong_key, sizeof(wrong_key));
	memcpy(ids, p_id[0], 8);
	memcpy(ids + 8, p_id[1], 8);
	memcpy(ids + 16, p_id[2], 8);

	len = forge_request(buf, k_at, a_id, n_a, ids, 3, 60);
	tap_is_int(m2mkx_issuer_request_open(&t_cfg, buf, len, &req), 0,
		   "a hand-made request verifies (the forgeries below are sound)");
	tap_is_int(req.lifetime_s, 60, "a lifetime within T's bound is kept");

	buf[len - 1] ^= 0x80;
	tap_is_int(m2mkx_issuer_request_open(&t_cfg, buf, len, &req),
		   -M2MKX_EAUTH, "a request with a bad tag: bad_mac");
	buf[len - 1] ^= 0x80;
	buf[70] ^= 1;	/* in the commitment */
	tap_is_int(m2mkx_issuer_request_open(&t_cfg, buf, len, &req),
		   -M2MKX_EAUTH, "a request altered in transit: bad_mac");

	len = forge_request(buf, wrong_key, a_id, n_a, ids, 3, 60);
	tap_is_int(m2mkx_issuer_request_open(&t_cfg, buf, len, &req),
		   -M2MKX_EAUTH, "a request under another key: bad_mac");

	len = forge_request(buf, k_at, stranger, n_a, ids, 3, 60);
	tap_is_int(m2mkx_issuer_request_open(&t_cfg, buf, len, &req),
		   -M2MKX_ENOPEER, "a request from an unknown client: unknown_peer");

	memcpy(ids + 8, stranger, 8);
	len = forge_request(buf, k_at, a_id, n_a, ids, 3, 60);
	tap_is_int(m2mkx_issuer_request_open(&t_cfg, buf, len, &req),
		   -M2MKX_ENOPEER, "an authentic request naming an unknown proxy: unknown_peer");

	memcpy(ids + 8, p_id[0], 8);
	len = forge_request(buf, k_at, a_id, n_a, ids, 3, 60);
	tap_is_int(m2mkx_issuer_request_open(&t_cfg, buf, len, &req),
		   -M2MKX_EPARAMS, "an authentic request naming a proxy twice: bad_params");

	len = forge_request(buf, k_at, a_id, n_a, ids, 3, 60);
	buf[len - 1] ^= 1;
	tap_is_int(m2mkx_issuer_request_open(&t_cfg, buf, len, &req),
		   -M2MKX_EAUTH, "the MAC is checked before the proxies are");
	tap_is_int(m2mkx_issuer_request_open(&t_cfg, buf, len - 1, &req),
		   -M2MKX_ELENGTH, "a truncated request: bad_length");

	max = t_cfg.max_lifetime_s;
	t_cfg.max_lifetime_s = 0;
	memcpy(ids + 8, p_id[1], 8);
	len = forge_request(buf, k_at, a_id, n_a, ids, 3, 65535);
	tap_ok(!m2mkx_issuer_request_open(&t_cfg, buf, len, &req) &&
	       req.lifetime_s == 65535,
	       "max_lifetime_s 0 sets no bound of T's own");
	t_cfg.max_lifetime_s = max;

	/* A second request for a session that has its keys. */
	len = forge_request(buf, k_at, a_id, n_a, ids, 3, 60);
	if (m2mkx_issuer_request_open(&t_cfg, buf, len, &req) ||
	    m2mkx_issuer_issue(&s, &t_cfg, &req, &a_ep, NOW0, UNIX_NOW,
			       &cap.sink))
		abort();
	cap_clear(&cap);
	tap_is_int(m2mkx_issuer_resend(&s, &req, &cap.sink), 0,
		   "an exact retransmission is answered");
	n_a[0] ^= 1;
	len = forge_request(buf, k_at, a_id, n_a, ids, 3, 60);
	m2mkx_issuer_request_open(&t_cfg, buf, len, &req);
	cap_clear(&cap);
	tap_ok(m2mkx_issuer_resend(&s, &req, &cap.sink) == -M2MKX_EREPLAY &&
	       cap.count == 0,
	       "the session id with another N_A is refused as a replay");
	n_a[0] ^= 1;
	memcpy(ids + 16, p_id[3], 8);
	len = forge_request(buf, k_at, a_id, n_a, ids, 3, 60);
	m2mkx_issuer_request_open(&t_cfg, buf, len, &req);
	tap_ok(m2mkx_issuer_resend(&s, &req, &cap.sink) == -M2MKX_EREPLAY &&
	       cap.count == 0,
	       "as is the same N_A asking for other proxies");
	tap_ok(!cap.misuse, "T pairs every tx_alloc with one tx_commit");
	m2mkx_issuer_session_wipe(&s);
}

int main(void)
{
	static const struct {
		unsigned int n;
		u32 ots;
	} issues[] = {
		{ 1, M2MKX_OTS_LAMPORT_SHA256 },
		{ 3, M2MKX_LMOTS_SHA256_N32_W1 },
		{ 5, M2MKX_LMOTS_SHA256_N32_W4 },
		{ 16, M2MKX_LMOTS_SHA256_N32_W8 },
	};
	unsigned int i;

	deployment_init();
	for (i = 0; i < M2MKX_ARRAY_SIZE(issues); i++)
		test_issue(issues[i].n, issues[i].ots);
	test_retries();
	test_refusals();
	m2mkx_trust_clear(&trust);
	return tap_done();
}
