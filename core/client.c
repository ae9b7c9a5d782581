// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * A, the constrained client (client.h): AES-128-CCM and a few SHA-256
 * computations are all the cryptography it does.
 *
 * A keeps no copy of what it has sent. Every retransmission is encoded
 * again from the handshake's state, and every MAC and share ciphertext A
 * produces uses the fixed nonce (type || N_A) of its message, so a
 * retransmission is byte for byte the original: no (key, nonce) pair
 * ever protects two different inputs, and the sensor saves the RAM a
 * retransmission buffer would take.
 *
 * A step that ends the handshake in failure reports it twice: through the
 * FAILED event, which carries the reason as a positive M2MKX_E* code, and
 * as the step's negative return value, so the caller's drop counters see
 * it too. Errors of the crypto backend while sending end the handshake; a
 * verification that cannot complete only drops the datagram, since the
 * peer retransmits it.
 */
#include <m2mkx/bytes.h>
#include <m2mkx/client.h>
#include <m2mkx/crypto.h>
#include <m2mkx/errors.h>
#include <m2mkx/keys.h>
#include <m2mkx/share.h>
#include <m2mkx/wire.h>

/*
 * work.hashes counts whole SHA-256 computations (init to final):
 * commit_x and derive_mk are one each, and K_fin, HKDF-Expand of at most
 * 32 bytes, is one HMAC, an inner and an outer hash. work.sha256_blocks
 * counts their compressions, the unit the energy model prices, from the
 * length of what keys.c hashes (each field is u16 length || bytes, the
 * label first); test_soft_node checks them against the bundled backend's
 * own count.
 */
#define FIN_KEY_HASHES \
	(2 * ((M2MKX_FIN_KEY_LEN + M2MKX_SHA256_LEN - 1) / M2MKX_SHA256_LEN))
#define LP(len) (2 + (len))
#define COMMIT_INPUT_LEN \
	(LP(sizeof("m2mkx-v1-x-commit") - 1) + LP(M2MKX_SESSION_LEN) + \
	 LP(M2MKX_SECRET_LEN))
#define MK_INPUT_LEN \
	(LP(sizeof("m2mkx-v1-mk") - 1) + 2 * LP(M2MKX_ID_LEN) + \
	 2 * LP(M2MKX_NONCE_LEN) + 2 * LP(M2MKX_SECRET_LEN))
/* HMAC: the padded key block, then info || counter; the outer hash. */
#define FIN_KEY_BLOCKS \
	(sha_blocks(M2MKX_SHA256_BLOCK_LEN + sizeof(M2MKX_LABEL_FINISH) - 1 + \
		    1) + \
	 sha_blocks(M2MKX_SHA256_BLOCK_LEN + M2MKX_SHA256_LEN))

/*
 * The counters exist in builds that define M2MKX_CLIENT_WORK (client.h);
 * firmware leaves them out, and each count then compiles to nothing: the
 * arithmetic has no side effects for the compiler to keep.
 */
#ifdef M2MKX_CLIENT_WORK
#define WORK_ADD(c, field, v) (((c)->work.field) += (u32)(v))
#else
#define WORK_ADD(c, field, v) ((void)(c), (void)(v))
#endif

/* AD of the y package: session || A || B || N_B. */
#define YPKG_AD_LEN (M2MKX_SESSION_LEN + 2 * M2MKX_ID_LEN + M2MKX_NONCE_LEN)

/* Compressions for @len bytes: padding adds 0x80 and a 64-bit length. */
static u32 sha_blocks(size_t len)
{
	return (u32)((len + 9 + M2MKX_SHA256_BLOCK_LEN - 1) /
		     M2MKX_SHA256_BLOCK_LEN);
}

/*
 * One CCM operation and its AES blocks (SP 800-38C): B_0, the AD with
 * its 2-byte length, CBC-MAC and CTR over the payload, and A_0.
 */
static void count_ccm(struct m2mkx_client *c, size_t ad_len, size_t len)
{
	size_t blocks = 2 + 2 * ((len + 15) / 16);

	if (ad_len)
		blocks += (ad_len + 2 + 15) / 16;
	WORK_ADD(c, ccm_ops, 1);
	WORK_ADD(c, aes_blocks, (u32)blocks);
}

static bool active(const struct m2mkx_client *c)
{
	return c->state >= M2MKX_CLIENT_HELLO_SENT &&
	       c->state <= M2MKX_CLIENT_FINAL_WAIT;
}

static unsigned int count_bits(u32 v)
{
	unsigned int n = 0;

	for (; v; v &= v - 1)
		n++;
	return n;
}

static size_t share_len(const struct m2mkx_client *c)
{
	const struct m2mkx_params *p = &c->cfg->params;

	return m2mkx_share_len(p->share_mode, p->k, M2MKX_SECRET_LEN);
}

/* A never accepts parameters other than those it proposed. */
static bool params_equal(const struct m2mkx_params *a,
			 const struct m2mkx_params *b)
{
	return a->suite == b->suite && a->share_mode == b->share_mode &&
	       a->n == b->n && a->k == b->k && a->m == b->m &&
	       a->ots_type == b->ots_type;
}

/* Each message gets the full retransmission budget of its own. */
static void arm(struct m2mkx_client *c, u64 now)
{
	c->tries = 0;
	c->rto = c->cfg->timing.rto_ms;
	c->next_tx = now + c->rto;
}

static void backoff(struct m2mkx_client *c, u64 now)
{
	u32 cap = c->cfg->timing.rto_max_ms;

	if (cap < c->cfg->timing.rto_ms)
		cap = c->cfg->timing.rto_ms;
	c->tries++;
	c->rto = c->rto > cap / 2 ? cap : c->rto * 2;
	c->next_tx = now + c->rto;
}

static void tx_commit(struct m2mkx_client *c, struct m2mkx_sink *sink,
		      u8 *buf, size_t len, bool send)
{
	sink->tx_commit(sink, buf, send);
	if (send) {
		WORK_ADD(c, tx_datagrams, 1);
		WORK_ADD(c, tx_bytes, len);
	}
}

/* A MAC-only tag: AES-128-CCM with an empty payload, nonce (type || N_A). */
static int ccm_mac(struct m2mkx_client *c, const u8 *key,
		   enum m2mkx_msg_type type, const u8 *ad, size_t ad_len,
		   u8 tag[M2MKX_TAG_LEN])
{
	u8 nonce[M2MKX_CCM_NONCE_LEN];

	m2mkx_a_nonce(nonce, type, c->n_a);
	count_ccm(c, ad_len, 0);
	return m2mkx_aes128_ccm_seal(key, nonce, ad, ad_len, NULL, 0, tag,
				     M2MKX_TAG_LEN);
}

static int ccm_verify(struct m2mkx_client *c, const u8 *key,
		      enum m2mkx_msg_type type, const u8 *ad, size_t ad_len,
		      const u8 *tag)
{
	u8 want[M2MKX_TAG_LEN];
	int ret;

	ret = ccm_mac(c, key, type, ad, ad_len, want);
	if (!ret && !m2mkx_ct_memeq(want, tag, sizeof(want)))
		ret = -M2MKX_EAUTH;
	/* The valid tag for a forged message must not outlive the check. */
	m2mkx_wipe(want, sizeof(want));
	return ret;
}

static int fin_key(struct m2mkx_client *c, u8 k_fin[M2MKX_FIN_KEY_LEN])
{
	WORK_ADD(c, hashes, FIN_KEY_HASHES);
	WORK_ADD(c, sha256_blocks, FIN_KEY_BLOCKS);
	return m2mkx_traffic_key(k_fin, M2MKX_FIN_KEY_LEN, c->mk,
				 M2MKX_LABEL_FINISH);
}

/*
 * Once the handshake has ended A holds nothing secret: not x, its shares
 * or MK. The pairwise keys were never copied: the caller keeps them.
 */
static void drop_secrets(struct m2mkx_client *c)
{
	m2mkx_wipe(c->x, sizeof(c->x));
	m2mkx_wipe(c->shares, sizeof(c->shares));
	m2mkx_wipe(c->mk, sizeof(c->mk));
}

/* Ends the handshake with @err (negative) and returns it. */
static int fail(struct m2mkx_client *c, int err, struct m2mkx_sink *sink)
{
	struct m2mkx_event ev;

	c->state = M2MKX_CLIENT_FAILED;
	c->reason = -err;
	c->next_tx = M2MKX_NO_DEADLINE;
	c->deadline = M2MKX_NO_DEADLINE;
	drop_secrets(c);
	m2mkx_event_init(&ev, M2MKX_EV_FAILED, c->session, c->cfg->id, c->b, c->n);
	ev.reason = c->reason;
	sink->event(sink, &ev);
	return err;
}

/* HELLO, with B's cookie once B asked for one. */
static void send_hello(struct m2mkx_client *c, struct m2mkx_sink *sink)
{
	struct m2mkx_hello m = {
		.params = c->cfg->params,
		.has_cookie = c->cookies != 0,
	};
	size_t len = m.has_cookie ? M2MKX_HELLO_COOKIE_LEN : M2MKX_HELLO_LEN;
	u8 *buf;

	buf = sink->tx_alloc(sink, &c->b_ep, len);
	if (!buf)
		return;
	memcpy(m.a, c->cfg->id, sizeof(m.a));
	memcpy(m.b, c->b, sizeof(m.b));
	memcpy(m.n_a, c->n_a, sizeof(m.n_a));
	if (m.has_cookie)
		memcpy(m.cookie, c->n_b, sizeof(m.cookie));
	m2mkx_hello_encode(buf, &m);
	tx_commit(c, sink, buf, len, true);
}

static int send_request(struct m2mkx_client *c, struct m2mkx_sink *sink)
{
	const struct m2mkx_client_config *cfg = c->cfg;
	size_t len = M2MKX_PROXY_REQUEST_LEN(c->n);
	u8 ids[M2MKX_CLIENT_MAX_PROXIES * M2MKX_ID_LEN];
	struct m2mkx_proxy_request m = {
		.params = cfg->params,
		.lifetime_s = cfg->lifetime_s,
		.proxies = ids,
	};
	unsigned int i;
	size_t ad_len;
	u8 *buf;
	int ret;

	buf = sink->tx_alloc(sink, &cfg->t_ep, len);
	if (!buf)
		return 0;
	/* m is A's own acceptance rule: T has no use for it. */
	m.params.m = 0;
	memcpy(m.a, cfg->id, sizeof(m.a));
	memcpy(m.session, c->session, sizeof(m.session));
	memcpy(m.n_a, c->n_a, sizeof(m.n_a));
	memcpy(m.n_b, c->n_b, sizeof(m.n_b));
	memcpy(m.b, c->b, sizeof(m.b));
	/* Recomputed rather than stored: retransmissions are rare. */
	m2mkx_commit_x(m.commitment, c->session, c->x);
	WORK_ADD(c, hashes, 1);
	WORK_ADD(c, sha256_blocks, sha_blocks(COMMIT_INPUT_LEN));
	for (i = 0; i < c->n; i++)
		memcpy(ids + i * M2MKX_ID_LEN, c->proxies[i]->id, M2MKX_ID_LEN);

	ad_len = m2mkx_proxy_request_encode(buf, &m);
	ret = ccm_mac(c, cfg->k_at, M2MKX_MSG_PROXY_REQUEST, buf, ad_len,
		      buf + ad_len);
	tx_commit(c, sink, buf, len, !ret);
	return ret;
}

/*
 * One SHARES datagram to @to with the entries of proxies @first to
 * @last - 1. Unbundled, A sends one datagram per proxy, each with the
 * single entry of its addressee, so a proxy never receives the others'
 * ciphertexts; bundled, one datagram to the bundle endpoint with all n.
 * Entry q's AD is the header followed by its own P and q, so it is
 * assembled apart. Every entry uses the nonce (SHARES || N_A): CCM needs
 * a nonce unique per key only, and each K_AP is a different pairwise key
 * (start() refuses duplicates), while under one K_AP a retransmission
 * seals the very same share again: the header (count included) stays the
 * same, so each entry is byte for byte the original.
 */
static int send_entries(struct m2mkx_client *c,
			const struct m2mkx_endpoint *to, unsigned int first,
			unsigned int last, struct m2mkx_sink *sink)
{
	size_t slen = share_len(c);
	size_t len = M2MKX_SHARES_LEN(last - first, slen);
	struct m2mkx_shares m = {
		.b_endpoint = c->b_ep,
		.share_len = (u8)slen,
		.count = (u8)(last - first),
	};
	u8 ad[M2MKX_SHARES_HDR_LEN + M2MKX_ID_LEN + 1];
	u8 nonce[M2MKX_CCM_NONCE_LEN];
	size_t hdr_len, e_len;
	unsigned int q;
	u8 *buf, *e;
	int ret = 0;

	buf = sink->tx_alloc(sink, to, len);
	if (!buf)
		return 0;
	memcpy(m.a, c->cfg->id, sizeof(m.a));
	memcpy(m.session, c->session, sizeof(m.session));
	memcpy(m.n_a, c->n_a, sizeof(m.n_a));
	memcpy(m.b, c->b, sizeof(m.b));
	hdr_len = m2mkx_shares_encode(buf, &m);
	memcpy(ad, buf, hdr_len);
	m2mkx_a_nonce(nonce, M2MKX_MSG_SHARES, c->n_a);

	for (q = first, e = buf + hdr_len; q < last && !ret; q++) {
		e_len = m2mkx_shares_entry_encode(e, c->proxies[q]->id, (u8)q);
		memcpy(ad + hdr_len, e, e_len);
		count_ccm(c, hdr_len + e_len, slen);
		ret = m2mkx_aes128_ccm_seal(c->proxies[q]->key, nonce, ad,
					    hdr_len + e_len,
					    c->shares + q * slen, slen,
					    e + e_len, M2MKX_TAG_LEN);
		e += e_len + slen + M2MKX_TAG_LEN;
	}
	/* A failed seal may have left a share in the clear. */
	if (ret)
		m2mkx_wipe(buf, len);
	tx_commit(c, sink, buf, len, !ret);
	return ret;
}

static bool bundled(const struct m2mkx_client *c)
{
	return c->cfg->bundle_max &&
	       M2MKX_SHARES_LEN(c->n, share_len(c)) <= c->cfg->bundle_max;
}

/*
 * One datagram for all, or one per proxy; proxies that have relayed
 * already have their own share, so they are skipped in the latter.
 */
static int send_shares(struct m2mkx_client *c, struct m2mkx_sink *sink)
{
	unsigned int q;
	int ret;

	if (bundled(c))
		return send_entries(c, &c->cfg->bundle_ep, 0, c->n, sink);
	for (q = 0; q < c->n; q++) {
		if (c->relayed & (1u << q))
			continue;
		ret = send_entries(c, &c->proxies[q]->ep, q, q + 1, sink);
		if (ret)
			return ret;
	}
	return 0;
}

static int send_final_request(struct m2mkx_client *c,
			      struct m2mkx_sink *sink)
{
	struct m2mkx_final_request m = { 0 };
	u8 k_fin[M2MKX_FIN_KEY_LEN];
	size_t ad_len;
	u8 *buf;
	int ret;

	buf = sink->tx_alloc(sink, &c->b_ep, M2MKX_FINAL_REQUEST_LEN);
	if (!buf)
		return 0;
	memcpy(m.a, c->cfg->id, sizeof(m.a));
	memcpy(m.session, c->session, sizeof(m.session));
	ad_len = m2mkx_final_request_encode(buf, &m);
	ret = fin_key(c, k_fin);
	if (!ret)
		ret = ccm_mac(c, k_fin, M2MKX_MSG_FINAL_REQUEST, buf, ad_len,
			      buf + ad_len);
	m2mkx_wipe(k_fin, sizeof(k_fin));
	tx_commit(c, sink, buf, M2MKX_FINAL_REQUEST_LEN, !ret);
	return ret;
}

static int retransmit(struct m2mkx_client *c, struct m2mkx_sink *sink)
{
	switch (c->state) {
	case M2MKX_CLIENT_HELLO_SENT:
		send_hello(c, sink);
		return 0;
	case M2MKX_CLIENT_REQUEST_SENT:
		return send_request(c, sink);
	case M2MKX_CLIENT_SHARES_SENT:
		return send_shares(c, sink);
	case M2MKX_CLIENT_FINAL_WAIT:
		return send_final_request(c, sink);
	}
	return 0;
}

/*
 * Pairwise keys are distinct by construction; two equal ones would make
 * the fixed SHARES nonce repeat under one key, so refuse them, as well as
 * a proxy named twice.
 */
static int check_proxies(const struct m2mkx_client_proxy *const *proxies,
			 unsigned int n)
{
	unsigned int i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < i; j++) {
			if (!memcmp(proxies[i]->id, proxies[j]->id,
				    M2MKX_ID_LEN) ||
			    m2mkx_ct_memeq(proxies[i]->key, proxies[j]->key,
					   M2MKX_AES128_KEY_LEN))
				return -M2MKX_EINVAL;
		}
	}
	return 0;
}

int m2mkx_client_start(struct m2mkx_client *c,
		       const struct m2mkx_client_config *cfg,
		       const u8 b_id[M2MKX_ID_LEN],
		       const struct m2mkx_endpoint *b_ep,
		       const struct m2mkx_client_proxy *const *proxies,
		       unsigned int n, u64 now, struct m2mkx_sink *sink)
{
	int ret;

	m2mkx_wipe(c, sizeof(*c));
	ret = m2mkx_params_check(&cfg->params);
	if (ret)
		return ret;
	if (cfg->params.m < 1)
		return -M2MKX_EPARAMS;
	if (n != cfg->params.n || n > M2MKX_CLIENT_MAX_PROXIES ||
	    !cfg->lifetime_s ||
	    !cfg->timing.rto_ms || !cfg->timing.lifetime_ms)
		return -M2MKX_EINVAL;
	ret = check_proxies(proxies, n);
	if (ret)
		return ret;

	c->cfg = cfg;
	memcpy(c->b, b_id, sizeof(c->b));
	c->b_ep = *b_ep;
	memcpy(c->proxies, proxies, n * sizeof(*proxies));
	c->n = (u8)n;

	ret = m2mkx_random(c->n_a, sizeof(c->n_a));
	if (!ret)
		ret = m2mkx_random(c->x, sizeof(c->x));
	if (ret) {
		m2mkx_wipe(c, sizeof(*c));
		return ret;
	}
	WORK_ADD(c, rng_bytes, sizeof(c->n_a) + sizeof(c->x));

	c->state = M2MKX_CLIENT_HELLO_SENT;
	c->deadline = now + cfg->timing.lifetime_ms;
	arm(c, now);
	send_hello(c, sink);
	return 0;
}

/* A message for A names A and, after HELLO_REPLY, the session. */
static int check_ours(const struct m2mkx_client *c, const u8 a[M2MKX_ID_LEN],
		      const u8 session[M2MKX_SESSION_LEN])
{
	if (memcmp(a, c->cfg->id, M2MKX_ID_LEN))
		return -M2MKX_ENOTFORUS;
	if (memcmp(session, c->session, M2MKX_SESSION_LEN))
		return -M2MKX_ENOSESSION;
	return 0;
}

static int rx_hello_reply(struct m2mkx_client *c, const u8 *buf, size_t len,
			  u64 now, struct m2mkx_sink *sink)
{
	struct m2mkx_hello_reply m;
	int ret;

	ret = m2mkx_hello_reply_parse(buf, len, &m);
	if (ret)
		return ret;
	if (!c->state || c->state == M2MKX_CLIENT_FAILED)
		return -M2MKX_ESTATE;
	/* Unauthenticated: N_A, fresh and unpredictable, is the proof. */
	if (memcmp(m.a, c->cfg->id, sizeof(m.a)) ||
	    memcmp(m.b, c->b, sizeof(m.b)) ||
	    !m2mkx_ct_memeq(m.n_a, c->n_a, sizeof(m.n_a)))
		return -M2MKX_ENOTFORUS;
	if (c->state != M2MKX_CLIENT_HELLO_SENT)
		return -M2MKX_EREPLAY;
	/*
	 * B is busy and wants proof that we receive here: the same HELLO
	 * again at once, with its cookie. The retransmission timer keeps
	 * running, so a lost cookie round costs no more than a lost HELLO.
	 */
	if (m.status == M2MKX_ECOOKIE &&
	    c->cookies < M2MKX_CLIENT_COOKIE_ROUNDS) {
		c->cookies++;
		memcpy(c->n_b, m.n_b, M2MKX_COOKIE_LEN);
		send_hello(c, sink);
		return 0;
	}
	if (m.status)
		return fail(c, -M2MKX_EREJECTED, sink);
	/*
	 * B may not counter-propose: whatever it echoes must be exactly
	 * A's proposal, and FINAL confirms B's view under MK later.
	 */
	if (!params_equal(&m.params, &c->cfg->params))
		return fail(c, -M2MKX_EREJECTED, sink);

	memcpy(c->n_b, m.n_b, sizeof(c->n_b));
	memcpy(c->session, m.session, sizeof(c->session));
	c->state = M2MKX_CLIENT_REQUEST_SENT;
	arm(c, now);
	ret = send_request(c, sink);
	return ret ? fail(c, ret, sink) : 0;
}

static int rx_proxy_list(struct m2mkx_client *c, const u8 *buf, size_t len,
			 u64 now, struct m2mkx_sink *sink)
{
	const struct m2mkx_params *p;
	struct m2mkx_proxy_list m;
	int ret;

	ret = m2mkx_proxy_list_parse(buf, len, &m);
	if (ret)
		return ret;
	if (!active(c) && c->state != M2MKX_CLIENT_DONE)
		return -M2MKX_ESTATE;
	/* Before HELLO_REPLY A has no session to match a list against. */
	if (c->state == M2MKX_CLIENT_HELLO_SENT)
		return -M2MKX_ESTATE;
	ret = check_ours(c, m.a, m.session);
	if (ret)
		return ret;
	/* T answers each retransmitted request: nothing to verify again. */
	if (c->state != M2MKX_CLIENT_REQUEST_SENT)
		return -M2MKX_EREPLAY;
	ret = ccm_verify(c, c->cfg->k_at, M2MKX_MSG_PROXY_LIST, buf, m.ad_len,
			 m.tag);
	if (ret)
		return ret;
	if (m.status)
		return fail(c, -M2MKX_EREJECTED, sink);
	/* Authentic but unusable: waiting for T to change its mind is futile. */
	if (m.n != c->n)
		return fail(c, -M2MKX_EPARAMS, sink);
	memcpy(c->ids, m.ids, (size_t)m.n * M2MKX_PROXY_ID_LEN);

	p = &c->cfg->params;
	ret = m2mkx_share_split(p->share_mode, p->k, p->n, c->x,
				M2MKX_SECRET_LEN, c->shares);
	if (ret)
		return fail(c, ret, sink);
	if (p->share_mode == M2MKX_SHARE_SHAMIR)
		WORK_ADD(c, rng_bytes, (u32)((p->k - 1) * share_len(c)));

	c->state = M2MKX_CLIENT_SHARES_SENT;
	arm(c, now);
	ret = send_shares(c, sink);
	return ret ? fail(c, ret, sink) : 0;
}

static int find_proxy(const struct m2mkx_client *c, const u8 p[M2MKX_ID_LEN])
{
	unsigned int q;

	for (q = 0; q < c->n; q++)
		if (!memcmp(c->proxies[q]->id, p, M2MKX_ID_LEN))
			return (int)q;
	return -M2MKX_ENOPEER;
}

static u32 good(const struct m2mkx_client *c)
{
	return c->relayed & ~c->rejected;
}

/* Proxies in good standing that relayed exactly @ypkg. */
static u32 holders(const struct m2mkx_client *c, const u8 *ypkg)
{
	u32 set = 0;
	unsigned int q;

	for (q = 0; q < c->n; q++)
		if ((good(c) & (1u << q)) &&
		    m2mkx_ct_memeq(c->ypkg[q], ypkg, M2MKX_YPKG_LEN))
			set |= 1u << q;
	return set;
}

/*
 * Whether m agreeing relays can still come: the largest agreeing group in
 * good standing plus every proxy not heard from yet, each of which may
 * still join it. Rejection is final, so once this fails the handshake
 * cannot complete and A stops spending energy on it.
 */
static bool reachable(const struct m2mkx_client *c)
{
	unsigned int best = 0, q, size;

	for (q = 0; q < c->n; q++) {
		if (!(good(c) & (1u << q)))
			continue;
		size = count_bits(holders(c, c->ypkg[q]));
		if (size > best)
			best = size;
	}
	return best + c->n - count_bits(c->relayed) >= c->cfg->params.m;
}

static int open_ypkg(struct m2mkx_client *c, const u8 *ypkg,
		     u8 y[M2MKX_SECRET_LEN])
{
	u8 nonce[M2MKX_CCM_NONCE_LEN];
	u8 ad[YPKG_AD_LEN];
	u8 *p = ad;

	memcpy(p, c->session, M2MKX_SESSION_LEN);
	p += M2MKX_SESSION_LEN;
	memcpy(p, c->cfg->id, M2MKX_ID_LEN);
	p += M2MKX_ID_LEN;
	memcpy(p, c->b, M2MKX_ID_LEN);
	p += M2MKX_ID_LEN;
	memcpy(p, c->n_b, M2MKX_NONCE_LEN);

	m2mkx_a_nonce(nonce, M2MKX_MSG_Y_PACKAGE, c->n_a);
	count_ccm(c, sizeof(ad), M2MKX_SECRET_LEN);
	return m2mkx_aes128_ccm_open(c->x, nonce, ad, sizeof(ad), ypkg,
				     M2MKX_SECRET_LEN, y, M2MKX_TAG_LEN);
}

/* y is in: derive MK and confirm it to B. */
static int accept_y(struct m2mkx_client *c, u8 y[M2MKX_SECRET_LEN], u64 now,
		    struct m2mkx_sink *sink)
{
	int ret;

	m2mkx_derive_mk(c->mk, c->cfg->id, c->b, c->n_a, c->n_b, c->x, y);
	WORK_ADD(c, hashes, 1);
	WORK_ADD(c, sha256_blocks, sha_blocks(MK_INPUT_LEN));
	m2mkx_wipe(y, M2MKX_SECRET_LEN);
	/* Nothing A still has to send depends on x any more. */
	m2mkx_wipe(c->x, sizeof(c->x));
	m2mkx_wipe(c->shares, sizeof(c->shares));

	c->state = M2MKX_CLIENT_FINAL_WAIT;
	arm(c, now);
	ret = send_final_request(c, sink);
	return ret ? fail(c, ret, sink) : 0;
}

/*
 * Proxy @q has just relayed a new value. A value that m proxies in good
 * standing agree on is opened under x; if it does not open, each of them
 * relayed something B did not send and all are rejected.
 */
static int tally(struct m2mkx_client *c, unsigned int q, u64 now,
		 struct m2mkx_sink *sink)
{
	u8 y[M2MKX_SECRET_LEN];
	u32 set;
	int ret;

	set = holders(c, c->ypkg[q]);
	if (count_bits(set) < c->cfg->params.m)
		return 0;
	ret = open_ypkg(c, c->ypkg[q], y);
	if (!ret)
		return accept_y(c, y, now, sink);
	m2mkx_wipe(y, sizeof(y));
	if (ret != -M2MKX_EAUTH)
		return fail(c, ret, sink);
	c->rejected |= set;
	if (!reachable(c))
		return fail(c, -M2MKX_EAUTH, sink);
	return -M2MKX_EAUTH;
}

static int rx_relay(struct m2mkx_client *c, const u8 *buf, size_t len,
		    u64 now, struct m2mkx_sink *sink)
{
	struct m2mkx_relay m;
	u32 bit;
	int ret, q;

	ret = m2mkx_relay_parse(buf, len, &m);
	if (ret)
		return ret;
	if (c->state != M2MKX_CLIENT_SHARES_SENT &&
	    c->state != M2MKX_CLIENT_FINAL_WAIT &&
	    c->state != M2MKX_CLIENT_DONE)
		return -M2MKX_ESTATE;
	ret = check_ours(c, m.a, m.session);
	if (ret)
		return ret;
	q = find_proxy(c, m.p);
	if (q < 0)
		return q;
	/* y is settled: late relays change nothing, so spend no AES on them. */
	if (c->state != M2MKX_CLIENT_SHARES_SENT)
		return -M2MKX_EREPLAY;
	ret = ccm_verify(c, c->proxies[q]->key, M2MKX_MSG_RELAY, buf, m.ad_len,
			 m.tag);
	if (ret)
		return ret;

	bit = 1u << q;
	if (c->relayed & bit) {
		if (m2mkx_ct_memeq(c->ypkg[q], m.ypkg, M2MKX_YPKG_LEN) ||
		    (c->rejected & bit))
			return -M2MKX_EREPLAY;
		/*
		 * B sends each proxy one answer: a proxy relaying two
		 * different packages is lying about at least one of them.
		 */
		c->rejected |= bit;
		if (!reachable(c))
			return fail(c, -M2MKX_EAUTH, sink);
		return -M2MKX_EREPLAY;
	}
	memcpy(c->ypkg[q], m.ypkg, M2MKX_YPKG_LEN);
	c->relayed |= bit;
	return tally(c, (unsigned int)q, now, sink);
}

static int rx_final(struct m2mkx_client *c, const u8 *buf, size_t len,
		    struct m2mkx_sink *sink)
{
	u8 k_fin[M2MKX_FIN_KEY_LEN];
	struct m2mkx_event ev;
	struct m2mkx_final m;
	unsigned int q;
	int ret;

	ret = m2mkx_final_parse(buf, len, &m);
	if (ret)
		return ret;
	if (c->state != M2MKX_CLIENT_FINAL_WAIT &&
	    c->state != M2MKX_CLIENT_DONE)
		return -M2MKX_ESTATE;
	ret = check_ours(c, m.a, m.session);
	if (ret)
		return ret;
	/* MK is gone once DONE: a copy can be neither checked nor used. */
	if (c->state == M2MKX_CLIENT_DONE)
		return -M2MKX_EREPLAY;

	ret = fin_key(c, k_fin);
	if (!ret)
		ret = ccm_verify(c, k_fin, M2MKX_MSG_FINAL, buf, m.ad_len,
				 m.tag);
	m2mkx_wipe(k_fin, sizeof(k_fin));
	if (ret)
		return ret;
	/*
	 * The HELLO exchange was not authenticated; this is B's view of it
	 * under MK, so any difference is a downgrade in transit.
	 */
	if (!params_equal(&m.params, &c->cfg->params))
		return fail(c, -M2MKX_EREJECTED, sink);

	for (q = 0; q < c->n; q++) {
		const u8 *e = m.entries + q * (M2MKX_PROXY_ID_LEN + 1);
		u8 v = e[M2MKX_PROXY_ID_LEN];

		/*
		 * B names every proxy it heard from by the key it showed. A
		 * key T did not issue for slot q was not T's proxy, whatever
		 * B concluded about its share.
		 */
		if (v != M2MKX_VERDICT_ABSENT &&
		    memcmp(e, c->ids + q * M2MKX_PROXY_ID_LEN,
			   M2MKX_PROXY_ID_LEN))
			v = M2MKX_VERDICT_FORGED;
		c->verdicts[q] = v;
	}

	c->state = M2MKX_CLIENT_DONE;
	c->next_tx = M2MKX_NO_DEADLINE;
	c->deadline = M2MKX_NO_DEADLINE;
	m2mkx_event_init(&ev, M2MKX_EV_COMPLETED, c->session, c->cfg->id, c->b,
			 c->n);
	ev.mk = c->mk;
	ev.ids = c->ids;
	ev.verdicts = c->verdicts;
	sink->event(sink, &ev);
	drop_secrets(c);
	return 0;
}

int m2mkx_client_rx(struct m2mkx_client *c, const u8 *buf, size_t len,
		    const struct m2mkx_endpoint *from, u64 now,
		    struct m2mkx_sink *sink)
{
	int type;

	/*
	 * Every message is authenticated or bound to N_A: where it came
	 * from does not matter.
	 */
	(void)from;
	/* Counted before any check: the radio paid for it either way. */
	WORK_ADD(c, rx_datagrams, 1);
	WORK_ADD(c, rx_bytes, (u32)len);

	type = m2mkx_msg_peek(buf, len);
	if (type < 0)
		return type;
	switch (type) {
	case M2MKX_MSG_HELLO_REPLY:
		return rx_hello_reply(c, buf, len, now, sink);
	case M2MKX_MSG_PROXY_LIST:
		return rx_proxy_list(c, buf, len, now, sink);
	case M2MKX_MSG_RELAY:
		return rx_relay(c, buf, len, now, sink);
	case M2MKX_MSG_FINAL:
		return rx_final(c, buf, len, sink);
	}
	return -M2MKX_ETYPE;
}

bool m2mkx_client_timer(struct m2mkx_client *c, u64 now,
			struct m2mkx_sink *sink)
{
	int ret;

	if (!active(c))
		return false;
	if (now >= c->deadline) {
		fail(c, -M2MKX_ETIMEOUT, sink);
		return false;
	}
	if (now < c->next_tx)
		return true;
	if (c->tries >= c->cfg->timing.retries) {
		fail(c, -M2MKX_ETIMEOUT, sink);
		return false;
	}
	backoff(c, now);
	ret = retransmit(c, sink);
	if (ret) {
		fail(c, ret, sink);
		return false;
	}
	return true;
}

u64 m2mkx_client_deadline(const struct m2mkx_client *c)
{
	if (!active(c))
		return M2MKX_NO_DEADLINE;
	return c->next_tx < c->deadline ? c->next_tx : c->deadline;
}

void m2mkx_client_wipe(struct m2mkx_client *c)
{
	m2mkx_wipe(c, sizeof(*c));
}
