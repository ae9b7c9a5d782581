// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The in-process deployment the handshake and transcript tests run (see
 * world.h). The dispatch here mirrors what a data path does: route by
 * message type and session id, create sessions on the messages that may
 * start one, count every refusal by reason.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <m2mkx/bytes.h>

#include "drbg.h"
#include "world.h"

static struct dgram *dgram_alloc(int from, int to, size_t len)
{
	struct dgram *d = calloc(1, sizeof(*d) + len);

	if (!d)
		abort();
	d->from = from;
	d->to = to;
	d->len = len;
	return d;
}

struct dgram *dgram_new(int from, int to, const u8 *data, size_t len)
{
	struct dgram *d = dgram_alloc(from, to, len);

	memcpy(d->data, data, len);
	return d;
}

static void enqueue(struct world *w, struct dgram *d)
{
	d->next = NULL;
	if (w->tail)
		w->tail->next = d;
	else
		w->head = d;
	w->tail = d;
}

void world_send(struct world *w, int from, int to, const u8 *data,
		size_t len)
{
	enqueue(w, dgram_new(from, to, data, len));
}

static struct node_sink *to_node(struct m2mkx_sink *sink)
{
	return (struct node_sink *)sink;
}

/*
 * The datagram being built is the one whose data the core writes into:
 * tx_alloc hands out d->data and tx_commit finds the dgram from it.
 */
static u8 *sink_alloc(struct m2mkx_sink *sink, const struct m2mkx_endpoint *to,
		      size_t len)
{
	struct dgram *d = dgram_alloc(to_node(sink)->node, to->port, len);

	return d->data;
}

static void sink_commit(struct m2mkx_sink *sink, u8 *buf, bool send)
{
	struct dgram *d = (struct dgram *)(buf - offsetof(struct dgram, data));

	if (send)
		enqueue(to_node(sink)->w, d);
	else
		free(d);
}

static void sink_event(struct m2mkx_sink *sink, const struct m2mkx_event *ev)
{
	struct world *w = to_node(sink)->w;
	int node = to_node(sink)->node;
	unsigned int q;

	if (node >= NODE_P0) {
		if (ev->type == M2MKX_EV_COMPLETED)
			w->proxy_completed++;
		return;
	}
	if (node == NODE_A && ev->type == M2MKX_EV_COMPLETED) {
		w->a_done = true;
		memcpy(w->a_mk, ev->mk, M2MKX_MK_LEN);
		for (q = 0; q < ev->n; q++) {
			w->a_verdicts[q] = ev->verdicts[q];
			memcpy(w->a_ids[q], ev->ids + q * M2MKX_PROXY_ID_LEN,
			       M2MKX_PROXY_ID_LEN);
		}
	} else if (node == NODE_A) {
		w->a_failed = ev->reason;
	} else if (node == NODE_B && ev->type == M2MKX_EV_COMPLETED) {
		w->b_done = true;
		memcpy(w->b_mk, ev->mk, M2MKX_MK_LEN);
		for (q = 0; q < ev->n; q++) {
			w->b_verdicts[q] = ev->verdicts[q];
			memcpy(w->b_ids[q], ev->ids + q * M2MKX_PROXY_ID_LEN,
			       M2MKX_PROXY_ID_LEN);
		}
	} else if (node == NODE_B) {
		w->b_failed = ev->reason;
	}
}

static struct m2mkx_endpoint endpoint(int node)
{
	struct m2mkx_endpoint ep;

	memset(&ep, 0, sizeof(ep));
	ep.port = (u16)node;
	return ep;
}

/* The lookups the core asks the data path for. */
struct world_keys {
	struct m2mkx_proxy_keys proxy;
	struct m2mkx_issuer_keys issuer;
	struct world *w;
	int proxy_index;
};

static const u8 *proxy_neighbour_key(const struct m2mkx_proxy_keys *keys,
				     const u8 a[M2MKX_ID_LEN])
{
	const struct world_keys *k = (const void *)keys;

	if (memcmp(a, k->w->a_id, M2MKX_ID_LEN))
		return NULL;
	return k->w->k_ap[k->proxy_index];
}

static const u8 *proxy_server_key(const struct m2mkx_proxy_keys *keys,
				  const u8 b[M2MKX_ID_LEN])
{
	const struct world_keys *k = (const void *)keys;

	if (memcmp(b, k->w->b_id, M2MKX_ID_LEN))
		return NULL;
	return k->w->b_cfg.static_public;
}

static const u8 *issuer_client_key(const struct m2mkx_issuer_keys *keys,
				   const u8 a[M2MKX_ID_LEN])
{
	const struct world_keys *k = (const void *)((const char *)keys -
		offsetof(struct world_keys, issuer));

	if (memcmp(a, k->w->a_id, M2MKX_ID_LEN))
		return NULL;
	return k->w->k_at;
}

static const u8 *issuer_proxy_key(const struct m2mkx_issuer_keys *keys,
				  const u8 p[M2MKX_ID_LEN],
				  struct m2mkx_endpoint *ep)
{
	const struct world_keys *k = (const void *)((const char *)keys -
		offsetof(struct world_keys, issuer));
	unsigned int q;

	for (q = 0; q < WORLD_MAX_PROXIES; q++) {
		if (!memcmp(p, k->w->p_id[q], M2MKX_ID_LEN)) {
			*ep = endpoint(NODE_P0 + (int)q);
			return k->w->k_pt[q];
		}
	}
	return NULL;
}

/* One set of lookup tables per node; kept beside the world. */
static struct world_keys *world_keys_new(struct world *w, int proxy_index)
{
	struct world_keys *k = calloc(1, sizeof(*k));

	if (!k)
		abort();
	k->proxy.neighbour_key = proxy_neighbour_key;
	k->proxy.server_key = proxy_server_key;
	k->issuer.client_key = issuer_client_key;
	k->issuer.proxy_key = issuer_proxy_key;
	k->w = w;
	k->proxy_index = proxy_index;
	return k;
}

/*
 * Deterministic RSA-3072 from the DRBG: OpenSSL cannot be told which
 * random source to generate keys from, so the test searches primes
 * itself. Only the candidates come from the DRBG; primality is decided by
 * BN_check_prime() and does not depend on its randomness.
 */
static BIGNUM *drbg_prime(BN_CTX *ctx, int bits)
{
	unsigned char buf[512];
	BIGNUM *p = BN_new();
	BIGNUM *e = BN_new(), *g = BN_new(), *pm1 = BN_new();
	size_t len = (size_t)bits / 8;

	BN_set_word(e, 65537);
	m2mkx_random(buf, len);
	buf[0] |= 0xc0;
	buf[len - 1] |= 1;
	BN_bin2bn(buf, (int)len, p);
	for (;;) {
		BN_sub(pm1, p, BN_value_one());
		BN_gcd(g, pm1, e, ctx);
		if (BN_is_one(g) && BN_check_prime(p, ctx, NULL) == 1)
			break;
		BN_add_word(p, 2);
	}
	BN_free(e);
	BN_free(g);
	BN_free(pm1);
	return p;
}

static EVP_PKEY *drbg_rsa(const char *seed)
{
	BN_CTX *ctx = BN_CTX_new();
	BIGNUM *p, *q, *n = BN_new(), *e = BN_new(), *d = BN_new();
	BIGNUM *pm1 = BN_new(), *qm1 = BN_new(), *phi = BN_new();
	BIGNUM *dp = BN_new(), *dq = BN_new(), *qinv = BN_new();
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	EVP_PKEY_CTX *pctx;
	EVP_PKEY *pkey = NULL;
	OSSL_PARAM *params;

	drbg_seed(seed);
	p = drbg_prime(ctx, 1536);
	q = drbg_prime(ctx, 1536);
	BN_set_word(e, 65537);
	BN_mul(n, p, q, ctx);
	BN_sub(pm1, p, BN_value_one());
	BN_sub(qm1, q, BN_value_one());
	BN_mul(phi, pm1, qm1, ctx);
	BN_mod_inverse(d, e, phi, ctx);
	BN_mod(dp, d, pm1, ctx);
	BN_mod(dq, d, qm1, ctx);
	BN_mod_inverse(qinv, q, p, ctx);

	OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n);
	OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e);
	OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_D, d);
	OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR1, p);
	OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR2, q);
	OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT1, dp);
	OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT2, dq);
	OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, qinv);
	params = OSSL_PARAM_BLD_to_param(bld);
	pctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	if (!pctx || EVP_PKEY_fromdata_init(pctx) <= 0 ||
	    EVP_PKEY_fromdata(pctx, &pkey, EVP_PKEY_KEYPAIR, params) <= 0)
		abort();
	EVP_PKEY_CTX_free(pctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(p);
	BN_free(q);
	BN_free(n);
	BN_free(e);
	BN_clear_free(d);
	BN_free(pm1);
	BN_free(qm1);
	BN_clear_free(phi);
	BN_clear_free(dp);
	BN_clear_free(dq);
	BN_clear_free(qinv);
	BN_CTX_free(ctx);
	return pkey;
}

/* Test-only cache: key generation is the slowest step of any test. */
static struct m2mkx_signer test_signers[2];

static void free_signers(void)
{
	m2mkx_signer_free(&test_signers[0]);
	m2mkx_signer_free(&test_signers[1]);
}

const struct m2mkx_signer *world_signer(int which)
{
	static const char *const seeds[2] = { "m2mkx test T", "foreign T" };
	struct m2mkx_signer *s = &test_signers[which];
	EVP_PKEY *pkey;

	if (s->pkey)
		return s;
	if (!test_signers[0].pkey && !test_signers[1].pkey)
		atexit(free_signers);
	pkey = drbg_rsa(seeds[which]);
	if (m2mkx_signer_from_pkey(s, pkey))
		abort();
	EVP_PKEY_free(pkey);
	return s;
}

static void rand_id(u8 id[M2MKX_ID_LEN], u8 tag)
{
	m2mkx_random(id, M2MKX_ID_LEN);
	id[0] = tag;
}

/*
 * As the kernel's proxy does (m2mkx_proxy_buffer_fit()), a session holds
 * a SIGNED_SHARE buffer only from B's CHALLENGE (@signing) to the end of
 * its need, and of exactly the length m2mkx_proxy_buffer_need() says: a
 * wrong length is a failed handshake, or an ASan report, here.
 */
static void proxy_buffer_fit(struct m2mkx_proxy_session *s, bool signing)
{
	size_t need = m2mkx_proxy_buffer_need(s);
	u8 *buf;

	if (!need) {
		free(m2mkx_proxy_buffer_detach(s));
		return;
	}
	if (s->signed_share || !signing)
		return;
	buf = malloc(need);
	if (!buf)
		abort();
	m2mkx_proxy_buffer_attach(s, buf, need);
}

static void proxy_slot_free(struct world_proxy *wp, unsigned int i)
{
	free(m2mkx_proxy_buffer_detach(&wp->s[i]));
	m2mkx_proxy_session_wipe(&wp->s[i]);
	wp->used[i] = false;
}

void world_init(struct world *w, const struct m2mkx_params *p,
		const char *seed)
{
	unsigned int q;
	int node;

	memset(w, 0, sizeof(*w));
	w->signer = world_signer(0);
	drbg_seed(seed);
	m2mkx_timing_default(&w->timing);
	w->params = *p;
	w->now = 1000;
	w->unix_now = 1800000000;

	rand_id(w->a_id, 0xaa);
	rand_id(w->b_id, 0xbb);
	m2mkx_random(w->k_at, sizeof(w->k_at));
	for (q = 0; q < WORLD_MAX_PROXIES; q++) {
		rand_id(w->p_id[q], (u8)(0x10 + q));
		m2mkx_random(w->k_ap[q], sizeof(w->k_ap[q]));
		m2mkx_random(w->k_pt[q], sizeof(w->k_pt[q]));
	}

	for (node = 0; node < NODE_COUNT; node++) {
		w->sinks[node].sink.tx_alloc = sink_alloc;
		w->sinks[node].sink.tx_commit = sink_commit;
		w->sinks[node].sink.event = sink_event;
		w->sinks[node].w = w;
		w->sinks[node].node = node;
	}

	/* A */
	memcpy(w->a_cfg.id, w->a_id, M2MKX_ID_LEN);
	memcpy(w->a_cfg.k_at, w->k_at, sizeof(w->k_at));
	w->a_cfg.t_ep = endpoint(NODE_T);
	w->a_cfg.params = *p;
	w->a_cfg.lifetime_s = 120;
	w->a_cfg.timing = w->timing;
	for (q = 0; q < p->n; q++) {
		memcpy(w->a_proxies[q].id, w->p_id[q], M2MKX_ID_LEN);
		memcpy(w->a_proxies[q].key, w->k_ap[q], 16);
		w->a_proxies[q].ep = endpoint(NODE_P0 + (int)q);
		w->a_proxy_ptrs[q] = &w->a_proxies[q];
	}

	/* B */
	memcpy(w->b_cfg.id, w->b_id, M2MKX_ID_LEN);
	m2mkx_random(w->b_cfg.static_secret, M2MKX_X25519_LEN);
	m2mkx_x25519_public(w->b_cfg.static_public, w->b_cfg.static_secret);
	m2mkx_random(w->b_cfg.session_secret, sizeof(w->b_cfg.session_secret));
	m2mkx_trust_init(&w->trust);
	if (m2mkx_trust_add_pkey(&w->trust, w->signer->pkey))
		abort();
	w->b_cfg.trust = &w->trust;
	w->b_cfg.max_n = M2MKX_MAX_PROXIES;
	w->b_cfg.min_k = 1;
	w->b_cfg.allow_dispersal = true;
	w->b_cfg.allow_lamport = true;
	w->b_cfg.timing = w->timing;

	/* T */
	w->t_cfg.signer = w->signer;
	w->t_cfg.keys = &world_keys_new(w, -1)->issuer;
	w->t_cfg.max_lifetime_s = 300;
	w->t_cfg.timing = w->timing;

	/* P_i */
	for (q = 0; q < WORLD_MAX_PROXIES; q++) {
		struct world_proxy *wp = &w->p[q];

		memcpy(wp->cfg.id, w->p_id[q], M2MKX_ID_LEN);
		memcpy(wp->cfg.k_pt, w->k_pt[q], 16);
		wp->cfg.keys = &world_keys_new(w, (int)q)->proxy;
		wp->cfg.timing = w->timing;
	}
}

void world_free(struct world *w)
{
	struct dgram *d;
	unsigned int q, i;

	while ((d = w->head)) {
		w->head = d->next;
		free(d);
	}
	w->tail = NULL;
	m2mkx_server_cookies_wipe(&w->b_cookies);
	for (q = 0; q < WORLD_MAX_PROXIES; q++) {
		for (i = 0; i < WORLD_SESSIONS; i++) {
			if (w->p[q].used[i])
				proxy_slot_free(&w->p[q], i);
		}
		free((void *)w->p[q].cfg.keys);
	}
	free((void *)((const char *)w->t_cfg.keys -
		      offsetof(struct world_keys, issuer)));
	m2mkx_trust_clear(&w->trust);
	m2mkx_client_wipe(&w->a);
}

void world_b_load(struct world *w, bool under_load)
{
	if (!w->b_cookies_ready) {
		m2mkx_server_cookies_init(&w->b_cookies, w->now);
		w->b_cookies_ready = true;
	}
	w->b_under_load = under_load;
}

int world_start(struct world *w)
{
	struct m2mkx_endpoint b_ep = endpoint(NODE_B);

	return m2mkx_client_start(&w->a, &w->a_cfg, w->b_id, &b_ep,
				  w->a_proxy_ptrs, w->params.n, w->now,
				  &w->sinks[NODE_A].sink);
}

static int deliver_b(struct world *w, const struct dgram *d,
		     const struct m2mkx_endpoint *from)
{
	struct m2mkx_sink *sink = &w->sinks[NODE_B].sink;
	u8 session[M2MKX_SESSION_LEN];
	struct m2mkx_hello hello;
	int i, type, ret, free_slot = -1;

	type = m2mkx_msg_peek(d->data, d->len);
	if (type == M2MKX_MSG_HELLO) {
		ret = m2mkx_hello_parse(d->data, d->len, &hello);
		if (ret)
			return ret;
		m2mkx_server_session_id(&w->b_cfg, &hello, session);
	} else {
		ret = m2mkx_server_route(d->data, d->len, session);
		if (ret < 0)
			return ret;
	}
	for (i = 0; i < WORLD_SESSIONS; i++) {
		if (!w->b_used[i]) {
			if (free_slot < 0)
				free_slot = i;
			continue;
		}
		if (!memcmp(w->b[i].session, session, M2MKX_SESSION_LEN))
			return m2mkx_server_rx(&w->b[i], &w->b_cfg, d->data,
					       d->len, from, w->now,
					       w->unix_now, sink);
	}
	if (type != M2MKX_MSG_HELLO)
		return -M2MKX_ENOSESSION;
	ret = m2mkx_server_hello_gate(&w->b_cookies, &w->b_cfg, &hello, from,
				      w->now, w->b_under_load, sink);
	if (ret)
		return ret;
	if (free_slot < 0)
		return -M2MKX_EFULL;
	ret = m2mkx_server_accept(&w->b[free_slot], &w->b_cfg, &hello, from,
				  w->now, sink);
	if (!ret)
		w->b_used[free_slot] = true;
	return ret;
}

static int deliver_t(struct world *w, const struct dgram *d,
		     const struct m2mkx_endpoint *from)
{
	struct m2mkx_sink *sink = &w->sinks[NODE_T].sink;
	struct m2mkx_proxy_request req;
	struct m2mkx_material_ack ack;
	int i, ret, free_slot = -1;

	switch (m2mkx_msg_peek(d->data, d->len)) {
	case M2MKX_MSG_PROXY_REQUEST:
		ret = m2mkx_issuer_request_open(&w->t_cfg, d->data, d->len,
						&req);
		if (ret)
			return ret;
		for (i = 0; i < WORLD_SESSIONS; i++) {
			if (!w->t_used[i]) {
				if (free_slot < 0)
					free_slot = i;
				continue;
			}
			if (!memcmp(w->t[i].a, req.a, M2MKX_ID_LEN) &&
			    !memcmp(w->t[i].session, req.session,
				    M2MKX_SESSION_LEN))
				return m2mkx_issuer_resend(&w->t[i], &req, sink);
		}
		if (free_slot < 0)
			return -M2MKX_EFULL;
		ret = m2mkx_issuer_issue(&w->t[free_slot], &w->t_cfg, &req,
					 from, w->now, w->unix_now, sink);
		if (!ret)
			w->t_used[free_slot] = true;
		return ret;
	case M2MKX_MSG_MATERIAL_ACK:
		ret = m2mkx_issuer_ack_open(&w->t_cfg, d->data, d->len, &ack);
		if (ret)
			return ret;
		for (i = 0; i < WORLD_SESSIONS; i++)
			if (w->t_used[i] &&
			    !memcmp(w->t[i].a, ack.a, M2MKX_ID_LEN) &&
			    !memcmp(w->t[i].session, ack.session,
				    M2MKX_SESSION_LEN))
				return m2mkx_issuer_ack(&w->t[i], &ack);
		return -M2MKX_ENOSESSION;
	default:
		return -M2MKX_ETYPE;
	}
}

static int proxy_slot(struct world_proxy *wp, const u8 *session, bool create,
		      u64 now)
{
	int i, free_slot = -1;

	for (i = 0; i < WORLD_SESSIONS; i++) {
		if (!wp->used[i]) {
			if (free_slot < 0)
				free_slot = i;
			continue;
		}
		if (!memcmp(wp->s[i].session, session, M2MKX_SESSION_LEN))
			return i;
	}
	if (!create)
		return -M2MKX_ENOSESSION;
	if (free_slot < 0)
		return -M2MKX_EFULL;
	m2mkx_proxy_session_init(&wp->s[free_slot], now, &wp->cfg);
	wp->used[free_slot] = true;
	memcpy(wp->s[free_slot].session, session, M2MKX_SESSION_LEN);
	return free_slot;
}

static int deliver_p(struct world *w, int q, const struct dgram *d,
		     const struct m2mkx_endpoint *from)
{
	struct m2mkx_sink *sink = &w->sinks[NODE_P0 + q].sink;
	struct world_proxy *wp = &w->p[q];
	u8 session[M2MKX_SESSION_LEN];
	struct m2mkx_key_material m;
	struct m2mkx_endpoint t_ep = endpoint(NODE_T);
	struct m2mkx_proxy_session *s;
	u8 pt[2048];
	int type, slot, ret;
	u8 state;

	if (wp->silent)
		return 0;
	type = m2mkx_msg_peek(d->data, d->len);
	if (type == M2MKX_MSG_KEY_MATERIAL) {
		if (d->len > sizeof(pt))
			return -M2MKX_ELENGTH;
		ret = m2mkx_proxy_material_open(&wp->cfg, d->data, d->len, pt,
						&m);
		if (ret)
			return ret;
		slot = proxy_slot(wp, m.root.session, true, w->now);
		ret = slot < 0 ? slot :
		      m2mkx_proxy_install(&wp->s[slot], &wp->cfg, &m, w->now,
					  sink);
		m2mkx_proxy_material_ack(&wp->cfg, &m, ret, &t_ep, sink);
		m2mkx_wipe(pt, sizeof(pt));
		return ret;
	}
	ret = m2mkx_proxy_route(d->data, d->len, session);
	if (ret < 0)
		return ret;
	slot = proxy_slot(wp, session, type == M2MKX_MSG_SHARES, w->now);
	if (slot < 0)
		return slot;
	s = &wp->s[slot];
	state = s->state;
	proxy_buffer_fit(s, type == M2MKX_MSG_CHALLENGE);
	ret = m2mkx_proxy_rx(s, &wp->cfg, d->data, d->len, from, w->now,
			     sink);
	if (state != M2MKX_PROXY_SIGNED && s->state == M2MKX_PROXY_SIGNED &&
	    s->signed_share_len == s->signed_share_cap)
		w->proxy_signed_exact++;
	proxy_buffer_fit(s, false);
	if (state == M2MKX_PROXY_SIGNED && s->state == M2MKX_PROXY_RELAYED &&
	    !s->signed_share)
		w->proxy_released++;
	return ret;
}

/*
 * Every proxy of the handshake hears a broadcast; the result is the
 * first refusal, or 0 when each took it.
 */
static int deliver_bcast(struct world *w, const struct dgram *d,
			 const struct m2mkx_endpoint *from)
{
	unsigned int q;
	int ret, first = 0;

	for (q = 0; q < w->params.n; q++) {
		ret = deliver_p(w, (int)q, d, from);
		if (ret < 0 && !first)
			first = ret;
	}
	return first;
}

int world_deliver(struct world *w, const struct dgram *d)
{
	struct m2mkx_endpoint from = endpoint(d->from);
	int ret;

	w->delivered++;
	if (d->to == NODE_A)
		ret = m2mkx_client_rx(&w->a, d->data, d->len, &from, w->now,
				      &w->sinks[NODE_A].sink);
	else if (d->to == NODE_B)
		ret = deliver_b(w, d, &from);
	else if (d->to == NODE_T)
		ret = deliver_t(w, d, &from);
	else if (d->to >= NODE_P0 && d->to < NODE_COUNT)
		ret = deliver_p(w, d->to - NODE_P0, d, &from);
	else if (d->to == NODE_BCAST)
		ret = deliver_bcast(w, d, &from);
	else
		ret = -M2MKX_ENOPEER;
	if (ret < 0 && d->to < NODE_COUNT && -ret < M2MKX_ERR_COUNT)
		w->drops[d->to][-ret]++;
	if (w->after)
		w->after(w, d, ret);
	return ret;
}

static u64 min_u64(u64 a, u64 b)
{
	return a < b ? a : b;
}

/*
 * Runs the timers of @node due at w->now (a proxy's node is NODE_P0 + q)
 * and drops the sessions that ended; returns its next deadline.
 */
u64 world_timers(struct world *w, int node)
{
	struct m2mkx_sink *sink = &w->sinks[node].sink;
	u64 next = M2MKX_NO_DEADLINE;
	unsigned int i;

	if (node == NODE_A) {
		if (w->a_done || w->a_failed)
			return next;
		if (m2mkx_client_deadline(&w->a) <= w->now)
			m2mkx_client_timer(&w->a, w->now, sink);
		return m2mkx_client_deadline(&w->a);
	}
	for (i = 0; i < WORLD_SESSIONS; i++) {
		if (node == NODE_B && w->b_used[i]) {
			if (m2mkx_server_deadline(&w->b[i]) <= w->now &&
			    !m2mkx_server_timer(&w->b[i], &w->b_cfg, w->now,
						sink)) {
				m2mkx_server_session_wipe(&w->b[i]);
				w->b_used[i] = false;
				continue;
			}
			next = min_u64(next, m2mkx_server_deadline(&w->b[i]));
		} else if (node == NODE_T && w->t_used[i]) {
			if (m2mkx_issuer_deadline(&w->t[i]) <= w->now &&
			    !m2mkx_issuer_timer(&w->t[i], &w->t_cfg, w->now,
						sink)) {
				m2mkx_issuer_session_wipe(&w->t[i]);
				w->t_used[i] = false;
				continue;
			}
			next = min_u64(next, m2mkx_issuer_deadline(&w->t[i]));
		} else if (node >= NODE_P0 && node < NODE_COUNT) {
			struct world_proxy *wp = &w->p[node - NODE_P0];

			if (!wp->used[i])
				continue;
			if (m2mkx_proxy_deadline(&wp->s[i]) <= w->now &&
			    !m2mkx_proxy_timer(&wp->s[i], &wp->cfg, w->now,
					       sink)) {
				proxy_slot_free(wp, i);
				continue;
			}
			proxy_buffer_fit(&wp->s[i], false);
			next = min_u64(next, m2mkx_proxy_deadline(&wp->s[i]));
		}
	}
	return next;
}

/* Runs every timer due at w->now; returns the next deadline. */
static u64 run_timers(struct world *w)
{
	u64 next = world_timers(w, NODE_A);
	int q;

	next = min_u64(next, world_timers(w, NODE_B));
	next = min_u64(next, world_timers(w, NODE_T));
	for (q = 0; q < WORLD_MAX_PROXIES; q++)
		next = min_u64(next, world_timers(w, NODE_P0 + q));
	return next;
}

/* B still has a handshake that may yet complete or fail. */
static bool b_busy(const struct world *w)
{
	unsigned int i;

	for (i = 0; i < WORLD_SESSIONS; i++)
		if (w->b_used[i] && (w->b[i].state == M2MKX_SERVER_COLLECTING ||
				     w->b[i].state == M2MKX_SERVER_ANSWERED))
			return true;
	return false;
}

void world_run(struct world *w, u64 limit_ms)
{
	u64 end = w->now + limit_ms;

	for (;;) {
		struct dgram *d;
		u64 next;

		while ((d = w->head)) {
			w->head = d->next;
			if (!w->head)
				w->tail = NULL;
			if (!w->hook || w->hook(w, d))
				world_deliver(w, d);
			free(d);
		}
		if ((w->a_done || w->a_failed) && !b_busy(w))
			return;
		next = run_timers(w);
		if (w->head)
			continue;
		if (next == M2MKX_NO_DEADLINE || next > end)
			return;
		if (next > w->now)
			w->now = next;
	}
}

unsigned int world_drops_except(const struct world *w, int node, int except)
{
	unsigned int sum = 0;
	int r;

	for (r = 1; r < M2MKX_ERR_COUNT; r++)
		if (r != except)
			sum += w->drops[node][r];
	return sum;
}
