// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * B, the server role (see server.h and Documentation/protocol.rst).
 *
 * The order of the checks on a SIGNED_SHARE is the order of their cost:
 * lengths and session state, then the binding of T's root to this
 * session, the root signature once per session, the Merkle path (a few
 * hashes), the one-time signature (hundreds of hashes), and only then the
 * X25519 exchange and the decryption. A proxy slot changes only after all
 * of them passed.
 */
#include <m2mkx/bytes.h>
#include <m2mkx/errors.h>
#include <m2mkx/kdf.h>
#include <m2mkx/merkle.h>
#include <m2mkx/server.h>

#define LABEL_SESSION "m2mkx-v1-session"
#define LABEL_NPB "m2mkx-v1-npb"

void m2mkx_server_session_id(const struct m2mkx_server_config *cfg,
			     const struct m2mkx_hello *hello,
			     u8 session[M2MKX_SESSION_LEN])
{
	struct m2mkx_hmac_ctx ctx;
	u8 mac[M2MKX_SHA256_LEN];

	m2mkx_hmac_init(&ctx, cfg->session_secret,
			sizeof(cfg->session_secret));
	m2mkx_hmac_update(&ctx, LABEL_SESSION, strlen(LABEL_SESSION));
	m2mkx_hmac_update(&ctx, hello->a, M2MKX_ID_LEN);
	m2mkx_hmac_update(&ctx, hello->n_a, M2MKX_NONCE_LEN);
	m2mkx_hmac_final(&ctx, mac);
	memcpy(session, mac, M2MKX_SESSION_LEN);
}

/*
 * N_pb = HMAC(session secret, label | session | N_B | q | E_i), truncated.
 * N_B is drawn afresh for every HELLO B accepts, so a session re-created
 * by a replayed HELLO has other N_pb values and old signatures fail.
 */
static void server_npb(const struct m2mkx_server_config *cfg,
		       const struct m2mkx_server_session *s, u8 q,
		       const u8 e[M2MKX_X25519_LEN],
		       u8 n_pb[M2MKX_NONCE_LEN])
{
	struct m2mkx_hmac_ctx ctx;
	u8 mac[M2MKX_SHA256_LEN];

	m2mkx_hmac_init(&ctx, cfg->session_secret,
			sizeof(cfg->session_secret));
	m2mkx_hmac_update(&ctx, LABEL_NPB, strlen(LABEL_NPB));
	m2mkx_hmac_update(&ctx, s->session, M2MKX_SESSION_LEN);
	m2mkx_hmac_update(&ctx, s->n_b, M2MKX_NONCE_LEN);
	m2mkx_hmac_update(&ctx, &q, 1);
	m2mkx_hmac_update(&ctx, e, M2MKX_X25519_LEN);
	m2mkx_hmac_final(&ctx, mac);
	memcpy(n_pb, mac, M2MKX_NONCE_LEN);
}

static void emit(struct m2mkx_sink *sink, u8 *buf, bool ok)
{
	sink->tx_commit(sink, buf, ok);
}

static bool params_equal(const struct m2mkx_params *x,
			 const struct m2mkx_params *y)
{
	return x->suite == y->suite && x->share_mode == y->share_mode &&
	       x->n == y->n && x->k == y->k && x->ots_type == y->ots_type;
}

static int params_acceptable(const struct m2mkx_server_config *cfg,
			     const struct m2mkx_params *p)
{
	if (p->n > cfg->max_n || p->k < cfg->min_k)
		return -M2MKX_EPARAMS;
	if (p->share_mode == M2MKX_SHARE_DISPERSAL && !cfg->allow_dispersal)
		return -M2MKX_EPARAMS;
	if (p->ots_type == M2MKX_OTS_LAMPORT_SHA256 && !cfg->allow_lamport)
		return -M2MKX_EPARAMS;
	return 0;
}

/*
 * Answers @hello: with session @s's values, or, for a refusal (@s NULL),
 * zeros in N_B's place unless a @cookie goes there.
 */
static void send_hello_reply(const struct m2mkx_server_config *cfg,
			     const struct m2mkx_hello *hello, u8 status,
			     const struct m2mkx_server_session *s,
			     const u8 *cookie,
			     const struct m2mkx_endpoint *to,
			     struct m2mkx_sink *sink)
{
	struct m2mkx_hello_reply r;
	u8 *buf;

	memset(&r, 0, sizeof(r));
	r.status = status;
	memcpy(r.a, hello->a, M2MKX_ID_LEN);
	memcpy(r.b, cfg->id, M2MKX_ID_LEN);
	memcpy(r.n_a, hello->n_a, M2MKX_NONCE_LEN);
	r.params = hello->params;
	if (s) {
		memcpy(r.n_b, s->n_b, M2MKX_NONCE_LEN);
		memcpy(r.session, s->session, M2MKX_SESSION_LEN);
		r.params = s->params;
	} else if (cookie) {
		memcpy(r.n_b, cookie, M2MKX_COOKIE_LEN);
	}
	buf = sink->tx_alloc(sink, to, M2MKX_HELLO_REPLY_LEN);
	if (!buf)
		return;
	m2mkx_hello_reply_encode(buf, &r);
	emit(sink, buf, true);
}

int m2mkx_server_cookies_init(struct m2mkx_server_cookies *c, u64 now)
{
	int ret;

	ret = m2mkx_random(c->secret, sizeof(c->secret));
	if (!ret)
		ret = m2mkx_random(c->previous, sizeof(c->previous));
	c->rotated = now;
	return ret;
}

void m2mkx_server_cookies_wipe(struct m2mkx_server_cookies *c)
{
	m2mkx_wipe(c, sizeof(*c));
}

/*
 * Keeps the secrets current at @now. After two periods or more without a
 * rotation, the previous secret is stale too and is redrawn as well: no
 * cookie outlives two periods, however rarely B is busy.
 */
static int cookies_rotate(struct m2mkx_server_cookies *c, u64 now)
{
	u64 age = now - c->rotated;
	int ret;

	if (now < c->rotated || age < M2MKX_COOKIE_ROTATE_MS)
		return 0;
	if (age >= 2 * (u64)M2MKX_COOKIE_ROTATE_MS) {
		ret = m2mkx_random(c->previous, sizeof(c->previous));
		if (ret)
			return ret;
	} else {
		memcpy(c->previous, c->secret, sizeof(c->previous));
	}
	ret = m2mkx_random(c->secret, sizeof(c->secret));
	if (ret)
		return ret;
	c->rotated = now;
	return 0;
}

static void cookie_mac(const u8 secret[M2MKX_COOKIE_SECRET_LEN],
		       const struct m2mkx_hello *hello,
		       const struct m2mkx_endpoint *from,
		       u8 cookie[M2MKX_COOKIE_LEN])
{
	struct m2mkx_hmac_ctx ctx;
	u8 mac[M2MKX_SHA256_LEN];
	u8 port[2];

	m2mkx_put_be16(port, from->port);
	m2mkx_hmac_init(&ctx, secret, M2MKX_COOKIE_SECRET_LEN);
	m2mkx_hmac_update(&ctx, from->addr, sizeof(from->addr));
	m2mkx_hmac_update(&ctx, port, sizeof(port));
	m2mkx_hmac_update(&ctx, hello->a, M2MKX_ID_LEN);
	m2mkx_hmac_update(&ctx, hello->n_a, M2MKX_NONCE_LEN);
	m2mkx_hmac_final(&ctx, mac);
	memcpy(cookie, mac, M2MKX_COOKIE_LEN);
}

void m2mkx_server_cookie(const struct m2mkx_server_cookies *c,
			 const struct m2mkx_hello *hello,
			 const struct m2mkx_endpoint *from,
			 u8 cookie[M2MKX_COOKIE_LEN])
{
	cookie_mac(c->secret, hello, from, cookie);
}

static bool cookie_valid(const struct m2mkx_server_cookies *c,
			 const struct m2mkx_hello *hello,
			 const struct m2mkx_endpoint *from)
{
	u8 want[M2MKX_COOKIE_LEN];
	bool ok;

	cookie_mac(c->secret, hello, from, want);
	ok = m2mkx_ct_memeq(want, hello->cookie, sizeof(want));
	if (!ok) {
		cookie_mac(c->previous, hello, from, want);
		ok = m2mkx_ct_memeq(want, hello->cookie, sizeof(want));
	}
	/* A valid cookie for a forged HELLO must not outlive the check. */
	m2mkx_wipe(want, sizeof(want));
	return ok;
}

bool m2mkx_server_pending(const struct m2mkx_server_session *s)
{
	return s->state == M2MKX_SERVER_COLLECTING ||
	       s->state == M2MKX_SERVER_ANSWERED;
}

int m2mkx_server_hello_gate(struct m2mkx_server_cookies *c,
			    const struct m2mkx_server_config *cfg,
			    const struct m2mkx_hello *hello,
			    const struct m2mkx_endpoint *from, u64 now,
			    bool under_load, struct m2mkx_sink *sink)
{
	u8 cookie[M2MKX_COOKIE_LEN];
	int ret;

	/* Never answer, not even with a cookie, what is not for us. */
	if (memcmp(hello->b, cfg->id, M2MKX_ID_LEN))
		return -M2MKX_ENOTFORUS;
	/*
	 * Not busy: no extra round trip, and no HMAC either. A cookie that
	 * would not verify does no harm here, so it is not even checked.
	 */
	if (!under_load)
		return 0;
	ret = cookies_rotate(c, now);
	if (ret)
		return ret;
	if (hello->has_cookie && cookie_valid(c, hello, from))
		return 0;
	m2mkx_server_cookie(c, hello, from, cookie);
	send_hello_reply(cfg, hello, M2MKX_ECOOKIE, NULL, cookie, from, sink);
	return -M2MKX_ECOOKIE;
}

int m2mkx_server_accept(struct m2mkx_server_session *s,
			const struct m2mkx_server_config *cfg,
			const struct m2mkx_hello *hello,
			const struct m2mkx_endpoint *from, u64 now,
			struct m2mkx_sink *sink)
{
	int ret;

	if (memcmp(hello->b, cfg->id, M2MKX_ID_LEN))
		return -M2MKX_ENOTFORUS;
	ret = params_acceptable(cfg, &hello->params);
	if (ret) {
		send_hello_reply(cfg, hello, (u8)-ret, NULL, NULL, from, sink);
		return ret;
	}

	memset(s, 0, sizeof(*s));
	ret = m2mkx_random(s->n_b, sizeof(s->n_b));
	if (ret)
		return ret;
	s->state = M2MKX_SERVER_COLLECTING;
	m2mkx_server_session_id(cfg, hello, s->session);
	memcpy(s->a, hello->a, M2MKX_ID_LEN);
	memcpy(s->n_a, hello->n_a, M2MKX_NONCE_LEN);
	s->params = hello->params;
	s->a_from = *from;
	s->created = now;
	s->deadline = now + cfg->timing.lifetime_ms;
	s->window_deadline = M2MKX_NO_DEADLINE;
	send_hello_reply(cfg, hello, 0, s, NULL, from, sink);
	return 0;
}

static int rx_hello(struct m2mkx_server_session *s,
		    const struct m2mkx_server_config *cfg,
		    const u8 *buf, size_t len,
		    const struct m2mkx_endpoint *from, struct m2mkx_sink *sink)
{
	struct m2mkx_hello hello;
	int ret;

	ret = m2mkx_hello_parse(buf, len, &hello);
	if (ret)
		return ret;
	if (memcmp(hello.a, s->a, M2MKX_ID_LEN) ||
	    !m2mkx_ct_memeq(hello.n_a, s->n_a, M2MKX_NONCE_LEN))
		return -M2MKX_ENOSESSION;
	/*
	 * A lost our reply: the same HELLO gets the same answer, or, once the
	 * session has failed, the reason, so that A stops at once.
	 */
	if (s->state == M2MKX_SERVER_FAILED)
		send_hello_reply(cfg, &hello, (u8)(s->reason < 0 ? -s->reason :
						   M2MKX_ETIMEOUT), NULL, NULL,
				 from, sink);
	else
		send_hello_reply(cfg, &hello, 0, s, NULL, from, sink);
	return 0;
}

/* The proxy-server keys of slot @q for ephemeral key @e. */
static int p2b_keys(const struct m2mkx_server_session *s,
		    const struct m2mkx_server_config *cfg, u8 q,
		    const u8 e[M2MKX_X25519_LEN], struct m2mkx_p2b_keys *keys)
{
	u8 dh[M2MKX_X25519_LEN];
	int ret;

	ret = m2mkx_x25519(dh, cfg->static_secret, e);
	if (!ret)
		ret = m2mkx_derive_p2b(keys, dh, s->session, s->a, cfg->id, q,
				       e, cfg->static_public);
	m2mkx_wipe(dh, sizeof(dh));
	return ret;
}

static int rx_proxy_hello(struct m2mkx_server_session *s,
			  const struct m2mkx_server_config *cfg,
			  const u8 *buf, size_t len,
			  const struct m2mkx_endpoint *from,
			  struct m2mkx_sink *sink)
{
	struct m2mkx_proxy_hello hello;
	struct m2mkx_challenge ch;
	struct m2mkx_p2b_keys keys;
	u8 *out;
	int ret;

	ret = m2mkx_proxy_hello_parse(buf, len, &hello);
	if (ret)
		return ret;
	if (memcmp(hello.a, s->a, M2MKX_ID_LEN) ||
	    memcmp(hello.b, cfg->id, M2MKX_ID_LEN))
		return -M2MKX_ENOTFORUS;
	if (hello.q >= s->params.n)
		return -M2MKX_EPARAMS;
	if (s->state != M2MKX_SERVER_COLLECTING &&
	    s->state != M2MKX_SERVER_ANSWERED)
		return -M2MKX_ESTATE;

	ret = p2b_keys(s, cfg, hello.q, hello.e, &keys);
	if (ret)
		return ret;
	memcpy(ch.session, s->session, M2MKX_SESSION_LEN);
	ch.q = hello.q;
	server_npb(cfg, s, hello.q, hello.e, ch.n_pb);
	m2mkx_confirm(ch.confirm, keys.conf, s->session, hello.q, ch.n_pb);
	if (s->proxies[hello.q].state == M2MKX_SP_NONE) {
		struct m2mkx_server_proxy *p = &s->proxies[hello.q];

		p->hello_cached = true;
		memcpy(p->hello_e, hello.e, sizeof(p->hello_e));
		p->hello_keys = keys;
	}
	m2mkx_wipe(&keys, sizeof(keys));

	out = sink->tx_alloc(sink, from, M2MKX_CHALLENGE_LEN);
	if (out) {
		m2mkx_challenge_encode(out, &ch);
		emit(sink, out, true);
	}
	return 0;
}

static void send_answer(const struct m2mkx_server_session *s, u8 q,
			struct m2mkx_sink *sink)
{
	const struct m2mkx_server_proxy *p = &s->proxies[q];
	u8 ad[11 + M2MKX_NONCE_LEN];
	struct m2mkx_answer a;
	size_t off;
	u8 *buf;

	buf = sink->tx_alloc(sink, &p->from, M2MKX_ANSWER_LEN);
	if (!buf)
		return;
	memcpy(a.session, s->session, M2MKX_SESSION_LEN);
	a.q = q;
	off = m2mkx_answer_encode(buf, &a);
	memcpy(ad, buf, off);
	memcpy(ad + off, p->n_pb, M2MKX_NONCE_LEN);
	emit(sink, buf,
	     !m2mkx_chachapoly_seal(p->b2p, 0, ad, sizeof(ad), s->ypkg,
				    M2MKX_YPKG_LEN, buf + off));
}

static void fail(struct m2mkx_server_session *s,
		 const struct m2mkx_server_config *cfg, int reason, u64 now,
		 struct m2mkx_sink *sink)
{
	struct m2mkx_event ev;

	s->state = M2MKX_SERVER_FAILED;
	s->reason = reason;
	s->deadline = now + cfg->timing.linger_ms;
	s->window_deadline = M2MKX_NO_DEADLINE;
	m2mkx_wipe(s->mk, sizeof(s->mk));

	m2mkx_event_init(&ev, M2MKX_EV_FAILED, s->session, s->a, cfg->id,
			 s->params.n);
	ev.reason = -reason;
	sink->event(sink, &ev);
}

/*
 * Rebuilds x from the shares received so far, checks it against A's
 * commitment, and on success answers every proxy that contributed.
 * Returns 0 when answered, or why not; the caller decides whether to wait
 * for more shares.
 */
static int rebuild(struct m2mkx_server_session *s,
		   const struct m2mkx_server_config *cfg,
		   struct m2mkx_sink *sink)
{
	size_t share_len = m2mkx_share_len(s->params.share_mode, s->params.k,
					   M2MKX_SECRET_LEN);
	u8 shares[M2MKX_MAX_PROXIES * M2MKX_SHARE_MAX_SECRET_LEN];
	u8 points[M2MKX_MAX_PROXIES], slot[M2MKX_MAX_PROXIES];
	u8 x[M2MKX_SECRET_LEN], y[M2MKX_SECRET_LEN];
	u8 commitment[M2MKX_COMMIT_LEN];
	u8 ad[M2MKX_SESSION_LEN + 2 * M2MKX_ID_LEN + M2MKX_NONCE_LEN];
	u8 nonce[M2MKX_CCM_NONCE_LEN];
	unsigned int r = 0, j, q;
	u32 corrupted = 0;
	int ret;

	for (q = 0; q < s->params.n; q++) {
		if (s->proxies[q].state != M2MKX_SP_SHARED)
			continue;
		memcpy(shares + r * share_len, s->proxies[q].share, share_len);
		points[r] = (u8)(q + 1);
		slot[r++] = (u8)q;
	}
	ret = m2mkx_share_combine(s->params.share_mode, s->params.k, r,
				  points, shares, x, M2MKX_SECRET_LEN,
				  &corrupted);
	m2mkx_wipe(shares, sizeof(shares));
	if (ret)
		goto out;
	m2mkx_commit_x(commitment, s->session, x);
	if (!m2mkx_ct_memeq(commitment, s->commitment, M2MKX_COMMIT_LEN)) {
		ret = -M2MKX_ECOMMIT;
		goto out;
	}

	ret = m2mkx_random(y, sizeof(y));
	if (ret)
		goto out;
	memcpy(ad, s->session, M2MKX_SESSION_LEN);
	memcpy(ad + M2MKX_SESSION_LEN, s->a, M2MKX_ID_LEN);
	memcpy(ad + M2MKX_SESSION_LEN + M2MKX_ID_LEN, cfg->id, M2MKX_ID_LEN);
	memcpy(ad + M2MKX_SESSION_LEN + 2 * M2MKX_ID_LEN, s->n_b,
	       M2MKX_NONCE_LEN);
	m2mkx_a_nonce(nonce, M2MKX_MSG_Y_PACKAGE, s->n_a);
	ret = m2mkx_aes128_ccm_seal(x, nonce, ad, sizeof(ad), y, sizeof(y),
				    s->ypkg, M2MKX_TAG_LEN);
	if (ret)
		goto out;
	m2mkx_derive_mk(s->mk, s->a, cfg->id, s->n_a, s->n_b, x, y);

	for (j = 0; j < r; j++) {
		struct m2mkx_server_proxy *p = &s->proxies[slot[j]];

		if (corrupted & (1u << j)) {
			p->state = M2MKX_SP_REFUSED;
			p->verdict = M2MKX_VERDICT_CORRUPT;
		} else {
			p->verdict = M2MKX_VERDICT_USED;
		}
	}
	s->state = M2MKX_SERVER_ANSWERED;
	s->window_deadline = M2MKX_NO_DEADLINE;
	for (q = 0; q < s->params.n; q++) {
		m2mkx_wipe(s->proxies[q].share, sizeof(s->proxies[q].share));
		if (s->proxies[q].state == M2MKX_SP_SHARED)
			send_answer(s, (u8)q, sink);
	}
out:
	m2mkx_wipe(x, sizeof(x));
	m2mkx_wipe(y, sizeof(y));
	return ret;
}

/*
 * Checks T's root info against this session and, the first time, its
 * signature; later shares carrying the same root skip the RSA operation.
 */
static int check_root(struct m2mkx_server_session *s,
		      const struct m2mkx_server_config *cfg,
		      const struct m2mkx_root_info *root, u64 unix_now)
{
	u8 digest[M2MKX_SHA256_LEN];
	int ret;

	if (memcmp(root->a, s->a, M2MKX_ID_LEN) ||
	    memcmp(root->b, cfg->id, M2MKX_ID_LEN) ||
	    memcmp(root->session, s->session, M2MKX_SESSION_LEN) ||
	    !m2mkx_ct_memeq(root->n_b, s->n_b, M2MKX_NONCE_LEN) ||
	    !params_equal(&root->params, &s->params))
		return -M2MKX_EROOTBIND;
	if (root->expiry < unix_now)
		return -M2MKX_EEXPIRED;
	m2mkx_root_digest(digest, root->signed_part);
	if (s->root_ok)
		return memcmp(digest, s->root_digest, sizeof(digest)) ?
		       -M2MKX_EROOTBIND : 0;
	ret = m2mkx_trust_verify(cfg->trust, root->t_key_id, digest,
				 root->sig, root->sig_len);
	if (ret)
		return ret;
	s->root_ok = true;
	memcpy(s->root_digest, digest, sizeof(digest));
	memcpy(s->commitment, root->commitment, M2MKX_COMMIT_LEN);
	s->expiry = root->expiry;
	return 0;
}

/* Merkle proof, then one-time signature over N_pb || the signed bytes. */
static int check_proxy_key(const struct m2mkx_signed_share *m,
			   const u8 *buf, const u8 n_pb[M2MKX_NONCE_LEN])
{
	u8 root[M2MKX_OTS_HASH_LEN], kc[M2MKX_OTS_HASH_LEN];
	u8 msg_digest[M2MKX_SHA256_LEN];
	struct m2mkx_sha256_ctx ctx;
	int ret;

	ret = m2mkx_merkle_root(m->root.I, m->height, m->q, m->k, m->path,
				root);
	if (ret)
		return ret;
	if (!m2mkx_ct_memeq(root, m->root.root, sizeof(root)))
		return -M2MKX_EMERKLE;

	/*
	 * The one-time signature covers N_pb and the whole datagram before
	 * it. Hashing that first keeps the OTS message short and fixed.
	 */
	m2mkx_sha256_init(&ctx);
	m2mkx_sha256_update(&ctx, n_pb, M2MKX_NONCE_LEN);
	m2mkx_sha256_update(&ctx, buf, m->signed_len);
	m2mkx_sha256_final(&ctx, msg_digest);
	ret = m2mkx_ots_candidate(m->root.params.ots_type, m->root.I, m->q,
				  msg_digest, sizeof(msg_digest), m->ots_sig,
				  m->ots_sig_len, kc);
	if (ret)
		return ret;
	return m2mkx_ct_memeq(kc, m->k, sizeof(kc)) ? 0 : -M2MKX_EOTSSIG;
}

static int rx_signed_share(struct m2mkx_server_session *s,
			   const struct m2mkx_server_config *cfg,
			   const u8 *buf, size_t len,
			   const struct m2mkx_endpoint *from, u64 now,
			   u64 unix_now, struct m2mkx_sink *sink)
{
	struct m2mkx_signed_share m;
	struct m2mkx_server_proxy *p;
	struct m2mkx_p2b_keys keys;
	u8 digest[M2MKX_SHA256_LEN];
	u8 n_pb[M2MKX_NONCE_LEN];
	struct m2mkx_sha256_ctx ctx;
	int ret;

	ret = m2mkx_signed_share_parse(buf, len, &s->params, &m);
	if (ret)
		return ret;
	p = &s->proxies[m.q];

	m2mkx_sha256_init(&ctx);
	m2mkx_sha256_update(&ctx, buf, len);
	m2mkx_sha256_final(&ctx, digest);
	if (p->state != M2MKX_SP_NONE &&
	    !memcmp(digest, p->share_digest, sizeof(digest))) {
		/* The proxy missed our ANSWER: send it again. */
		if (p->state == M2MKX_SP_SHARED &&
		    (s->state == M2MKX_SERVER_ANSWERED ||
		     s->state == M2MKX_SERVER_DONE))
			send_answer(s, m.q, sink);
		return -M2MKX_EREPLAY;
	}
	if (s->state != M2MKX_SERVER_COLLECTING &&
	    s->state != M2MKX_SERVER_ANSWERED)
		return -M2MKX_ESTATE;

	ret = check_root(s, cfg, &m.root, unix_now);
	if (ret)
		return ret;
	server_npb(cfg, s, m.q, m.e, n_pb);
	ret = check_proxy_key(&m, buf, n_pb);
	if (ret)
		return ret;

	if (p->state != M2MKX_SP_NONE) {
		/*
		 * A second, different message under the same one-time key,
		 * which only its holder can sign: the proxy is cheating. Its
		 * share, if not yet used, no longer counts.
		 */
		if (p->state == M2MKX_SP_SHARED &&
		    s->state == M2MKX_SERVER_COLLECTING)
			s->shares--;
		p->state = M2MKX_SP_REFUSED;
		p->verdict = M2MKX_VERDICT_FORGED;
		m2mkx_wipe(p->share, sizeof(p->share));
		return -M2MKX_EOTSREUSE;
	}

	if (p->hello_cached &&
	    m2mkx_ct_memeq(p->hello_e, m.e, sizeof(p->hello_e))) {
		keys = p->hello_keys;
	} else {
		ret = p2b_keys(s, cfg, m.q, m.e, &keys);
		if (ret)
			return ret;
	}
	ret = m2mkx_chachapoly_open(keys.p2b, 0, buf,
				    M2MKX_SIGNED_SHARE_AD_LEN, m.ct,
				    m.ct_len - M2MKX_CHACHAPOLY_TAG_LEN,
				    p->share);
	if (ret) {
		m2mkx_wipe(&keys, sizeof(keys));
		return ret;
	}
	p->state = M2MKX_SP_SHARED;
	memcpy(p->k, m.k, sizeof(p->k));
	memcpy(p->n_pb, n_pb, sizeof(p->n_pb));
	memcpy(p->b2p, keys.b2p, sizeof(p->b2p));
	memcpy(p->share_digest, digest, sizeof(digest));
	p->from = *from;
	m2mkx_wipe(&keys, sizeof(keys));
	p->hello_cached = false;
	m2mkx_wipe(&p->hello_keys, sizeof(p->hello_keys));

	if (s->state == M2MKX_SERVER_ANSWERED) {
		/* x is rebuilt already: a late, honest proxy gets y too. */
		p->verdict = M2MKX_VERDICT_LATE;
		m2mkx_wipe(p->share, sizeof(p->share));
		send_answer(s, m.q, sink);
		return 0;
	}

	s->shares++;
	if (s->shares == s->params.n) {
		ret = rebuild(s, cfg, sink);
		if (ret)
			fail(s, cfg, ret, now, sink);
	} else if (s->shares >= s->params.k &&
		   s->window_deadline == M2MKX_NO_DEADLINE) {
		/* Wait briefly for more shares: each extra one corrects. */
		s->window_deadline = now + cfg->timing.share_window_ms;
	}
	return 0;
}

static int fin_key(const struct m2mkx_server_session *s,
		   u8 key[M2MKX_FIN_KEY_LEN])
{
	return m2mkx_traffic_key(key, M2MKX_FIN_KEY_LEN, s->mk,
				 M2MKX_LABEL_FINISH);
}

static void send_final(const struct m2mkx_server_session *s,
		       const u8 key[M2MKX_FIN_KEY_LEN],
		       struct m2mkx_sink *sink)
{
	u8 entries[M2MKX_MAX_PROXIES * 9];
	u8 nonce[M2MKX_CCM_NONCE_LEN];
	struct m2mkx_final f;
	unsigned int q;
	size_t off;
	u8 *buf;

	memset(entries, 0, sizeof(entries));
	for (q = 0; q < s->params.n; q++) {
		const struct m2mkx_server_proxy *p = &s->proxies[q];

		if (p->state != M2MKX_SP_NONE)
			m2mkx_proxy_id(entries + q * 9, p->k);
		entries[q * 9 + 8] = p->state == M2MKX_SP_NONE ?
				     M2MKX_VERDICT_ABSENT : p->verdict;
	}
	memcpy(f.a, s->a, M2MKX_ID_LEN);
	memcpy(f.session, s->session, M2MKX_SESSION_LEN);
	f.params = s->params;
	f.entries = entries;

	buf = sink->tx_alloc(sink, &s->a_from, M2MKX_FINAL_LEN(s->params.n));
	if (!buf)
		return;
	off = m2mkx_final_encode(buf, &f);
	m2mkx_a_nonce(nonce, M2MKX_MSG_FINAL, s->n_a);
	emit(sink, buf,
	     !m2mkx_aes128_ccm_seal(key, nonce, buf, off, NULL, 0, buf + off,
				    M2MKX_TAG_LEN));
}

static int rx_final_request(struct m2mkx_server_session *s,
			    const struct m2mkx_server_config *cfg,
			    const u8 *buf, size_t len,
			    const struct m2mkx_endpoint *from, u64 now,
			    struct m2mkx_sink *sink)
{
	struct m2mkx_final_request m;
	u8 key[M2MKX_FIN_KEY_LEN];
	u8 nonce[M2MKX_CCM_NONCE_LEN];
	struct m2mkx_event ev;
	u8 ids[M2MKX_MAX_PROXIES * M2MKX_PROXY_ID_LEN];
	u8 verdicts[M2MKX_MAX_PROXIES];
	unsigned int q;
	int ret;

	ret = m2mkx_final_request_parse(buf, len, &m);
	if (ret)
		return ret;
	if (memcmp(m.a, s->a, M2MKX_ID_LEN))
		return -M2MKX_ENOTFORUS;
	if (s->state != M2MKX_SERVER_ANSWERED &&
	    s->state != M2MKX_SERVER_DONE)
		return -M2MKX_ESTATE;
	ret = fin_key(s, key);
	if (ret)
		return ret;
	m2mkx_a_nonce(nonce, M2MKX_MSG_FINAL_REQUEST, s->n_a);
	ret = m2mkx_aes128_ccm_open(key, nonce, buf, m.ad_len, m.tag, 0, NULL,
				    M2MKX_TAG_LEN);
	if (ret)
		goto out;

	s->a_from = *from;
	send_final(s, key, sink);
	if (s->state == M2MKX_SERVER_DONE) {
		ret = -M2MKX_EREPLAY;
		goto out;
	}

	s->state = M2MKX_SERVER_DONE;
	s->deadline = now + cfg->timing.linger_ms;
	memset(ids, 0, sizeof(ids));
	m2mkx_event_init(&ev, M2MKX_EV_COMPLETED, s->session, s->a, cfg->id,
			 s->params.n);
	ev.mk = s->mk;
	for (q = 0; q < s->params.n; q++) {
		const struct m2mkx_server_proxy *p = &s->proxies[q];

		if (p->state != M2MKX_SP_NONE)
			m2mkx_proxy_id(ids + q * M2MKX_PROXY_ID_LEN, p->k);
		verdicts[q] = p->state == M2MKX_SP_NONE ?
			      M2MKX_VERDICT_ABSENT : p->verdict;
	}
	ev.ids = ids;
	ev.verdicts = verdicts;
	sink->event(sink, &ev);
	/*
	 * MK stays only for as long as A may retransmit FINAL_REQUEST: the
	 * FINAL key is derived from it. It is wiped when the session ends.
	 */
out:
	m2mkx_wipe(key, sizeof(key));
	return ret;
}

int m2mkx_server_route(const u8 *buf, size_t len,
		       u8 session[M2MKX_SESSION_LEN])
{
	int type = m2mkx_msg_peek(buf, len);
	size_t off;

	switch (type) {
	case M2MKX_MSG_PROXY_HELLO:
	case M2MKX_MSG_SIGNED_SHARE:
		off = 2;
		break;
	case M2MKX_MSG_FINAL_REQUEST:
		off = 2 + M2MKX_ID_LEN;
		break;
	default:
		return type < 0 ? type : -M2MKX_ETYPE;
	}
	if (len < off + M2MKX_SESSION_LEN)
		return -M2MKX_ELENGTH;
	memcpy(session, buf + off, M2MKX_SESSION_LEN);
	return type;
}

int m2mkx_server_rx(struct m2mkx_server_session *s,
		    const struct m2mkx_server_config *cfg,
		    const u8 *buf, size_t len,
		    const struct m2mkx_endpoint *from, u64 now, u64 unix_now,
		    struct m2mkx_sink *sink)
{
	int type = m2mkx_msg_peek(buf, len);

	switch (type) {
	case M2MKX_MSG_HELLO:
		return rx_hello(s, cfg, buf, len, from, sink);
	case M2MKX_MSG_PROXY_HELLO:
		return rx_proxy_hello(s, cfg, buf, len, from, sink);
	case M2MKX_MSG_SIGNED_SHARE:
		return rx_signed_share(s, cfg, buf, len, from, now, unix_now,
				       sink);
	case M2MKX_MSG_FINAL_REQUEST:
		return rx_final_request(s, cfg, buf, len, from, now, sink);
	default:
		return type < 0 ? type : -M2MKX_ETYPE;
	}
}

bool m2mkx_server_timer(struct m2mkx_server_session *s,
			const struct m2mkx_server_config *cfg, u64 now,
			struct m2mkx_sink *sink)
{
	int ret;

	switch (s->state) {
	case M2MKX_SERVER_COLLECTING:
		if (now >= s->window_deadline) {
			s->window_deadline = M2MKX_NO_DEADLINE;
			ret = rebuild(s, cfg, sink);
			/*
			 * Too many bad shares to decide yet: a later share
			 * tries again, until the lifetime runs out.
			 */
			if (ret && ret != -M2MKX_EDECODE &&
			    ret != -M2MKX_ECOMMIT)
				fail(s, cfg, ret, now, sink);
			else if (ret)
				s->reason = ret;
		}
		if (s->state == M2MKX_SERVER_COLLECTING && now >= s->deadline)
			fail(s, cfg, s->reason ? s->reason : -M2MKX_ETIMEOUT,
			     now, sink);
		return true;
	case M2MKX_SERVER_ANSWERED:
		if (now >= s->deadline)
			fail(s, cfg, -M2MKX_ETIMEOUT, now, sink);
		return true;
	default:
		return now < s->deadline;
	}
}

u64 m2mkx_server_deadline(const struct m2mkx_server_session *s)
{
	if (s->state == M2MKX_SERVER_COLLECTING &&
	    s->window_deadline < s->deadline)
		return s->window_deadline;
	return s->deadline;
}

void m2mkx_server_session_wipe(struct m2mkx_server_session *s)
{
	m2mkx_wipe(s, sizeof(*s));
}
