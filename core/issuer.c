// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * T, issuer of the proxies' one-time keys (issuer.h).
 *
 * An issue is all or nothing: the seeds, the tree, the signed root and
 * the PROXY_LIST are made before anything is sent, and a failure there
 * leaves the session wiped. What follows is transmission only, and a
 * datagram that cannot be sent now is left to the retransmission timer.
 *
 * A seed leaves T exactly once per issue, encrypted to its proxy; T keeps
 * it only until that proxy acknowledges (or T gives up), because the seed
 * is the one-time private key: every copy is one more place it can leak
 * from.
 */
#include <m2mkx/bytes.h>
#include <m2mkx/crypto.h>
#include <m2mkx/errors.h>
#include <m2mkx/issuer.h>
#include <m2mkx/keys.h>
#include <m2mkx/merkle.h>
#include <m2mkx/ots.h>
#include <m2mkx/wire.h>

#define MAX_LEAVES ((u32)1 << M2MKX_MERKLE_MAX_HEIGHT)

/* A MAC-only tag: AES-128-CCM with an empty payload. */
static int ccm_mac(const u8 *key, const u8 nonce[M2MKX_CCM_NONCE_LEN],
		   const u8 *ad, size_t ad_len, u8 tag[M2MKX_TAG_LEN])
{
	return m2mkx_aes128_ccm_seal(key, nonce, ad, ad_len, NULL, 0, tag,
				     M2MKX_TAG_LEN);
}

static int ccm_verify(const u8 *key, const u8 nonce[M2MKX_CCM_NONCE_LEN],
		      const u8 *ad, size_t ad_len, const u8 *tag)
{
	u8 want[M2MKX_TAG_LEN];
	int ret;

	ret = ccm_mac(key, nonce, ad, ad_len, want);
	if (!ret && !m2mkx_ct_memeq(want, tag, sizeof(want)))
		ret = -M2MKX_EAUTH;
	/* The valid tag for a forged message must not outlive the check. */
	m2mkx_wipe(want, sizeof(want));
	return ret;
}

int m2mkx_issuer_request_open(const struct m2mkx_issuer_config *cfg,
			      const u8 *buf, size_t len,
			      struct m2mkx_proxy_request *req)
{
	const struct m2mkx_issuer_keys *keys = cfg->keys;
	u8 nonce[M2MKX_CCM_NONCE_LEN];
	struct m2mkx_endpoint ep;
	const u8 *key, *p;
	unsigned int i, j;
	int ret;

	ret = m2mkx_proxy_request_parse(buf, len, req);
	if (ret)
		return ret;
	key = keys->client_key(keys, req->a);
	if (!key)
		return -M2MKX_ENOPEER;
	m2mkx_a_nonce(nonce, M2MKX_MSG_PROXY_REQUEST, req->n_a);
	ret = ccm_verify(key, nonce, buf, req->ad_len, req->tag);
	if (ret)
		return ret;

	/*
	 * Only now look at the proxies: an unauthenticated sender learns
	 * nothing about which nodes T knows.
	 */
	for (i = 0; i < req->params.n; i++) {
		p = req->proxies + i * M2MKX_ID_LEN;
		if (!keys->proxy_key(keys, p, &ep))
			return -M2MKX_ENOPEER;
		/* One proxy in two slots would hold two shares of x. */
		for (j = 0; j < i; j++)
			if (!memcmp(p, req->proxies + j * M2MKX_ID_LEN,
				    M2MKX_ID_LEN))
				return -M2MKX_EPARAMS;
	}

	/*
	 * Asking for longer than T grants is not an error: T signs the
	 * expiry it is willing to stand behind, and B enforces that one.
	 * A max_lifetime_s of 0 sets no bound below the 16-bit field's.
	 */
	if (cfg->max_lifetime_s && req->lifetime_s > cfg->max_lifetime_s)
		req->lifetime_s = cfg->max_lifetime_s;
	return 0;
}

/*
 * Signs the root in place: the root info is encoded with sig_len 0, which
 * is outside the 140 signed bytes, the signature is written straight
 * after it and sig_len is patched in.
 */
static int sign_root(struct m2mkx_issuer_session *s,
		     const struct m2mkx_issuer_config *cfg,
		     const struct m2mkx_proxy_request *req,
		     const u8 I[M2MKX_LMS_I_LEN], u64 expiry)
{
	struct m2mkx_root_info ri = {
		.params = req->params,
		.expiry = expiry,
	};
	u8 digest[M2MKX_SHA256_LEN];
	size_t off, sig_len = 0;
	int ret;

	ret = m2mkx_signer_key_id(cfg->signer, ri.t_key_id);
	if (ret)
		return ret;
	ri.params.m = 0;
	memcpy(ri.a, req->a, sizeof(ri.a));
	memcpy(ri.b, req->b, sizeof(ri.b));
	memcpy(ri.session, req->session, sizeof(ri.session));
	memcpy(ri.n_b, req->n_b, sizeof(ri.n_b));
	memcpy(ri.I, I, sizeof(ri.I));
	memcpy(ri.root, s->nodes + M2MKX_OTS_HASH_LEN, sizeof(ri.root));
	memcpy(ri.commitment, req->commitment, sizeof(ri.commitment));

	off = m2mkx_root_info_encode(s->root_info, &ri);
	m2mkx_root_digest(digest, s->root_info);
	ret = m2mkx_signer_sign(cfg->signer, digest, s->root_info + off,
				&sig_len);
	if (ret)
		return ret;
	if (!sig_len || sig_len > M2MKX_ROOT_SIG_MAX_LEN)
		return -M2MKX_ECRYPTO;
	m2mkx_put_be16(s->root_info + M2MKX_ROOT_INFO_SIGNED_LEN, (u16)sig_len);
	s->root_info_len = (u16)M2MKX_ROOT_INFO_LEN(sig_len);
	return 0;
}

/* The answer to A, made once and kept: a retransmission is this copy. */
static int make_list(struct m2mkx_issuer_session *s, const u8 *k_at,
		     const u8 *K)
{
	u8 ids[M2MKX_MAX_PROXIES * M2MKX_PROXY_ID_LEN];
	struct m2mkx_proxy_list m = { .n = s->n, .ids = ids };
	u8 nonce[M2MKX_CCM_NONCE_LEN];
	size_t ad_len;
	unsigned int q;
	int ret;

	for (q = 0; q < s->n; q++)
		m2mkx_proxy_id(ids + q * M2MKX_PROXY_ID_LEN,
			       K + q * M2MKX_OTS_HASH_LEN);
	memcpy(m.a, s->a, sizeof(m.a));
	memcpy(m.session, s->session, sizeof(m.session));
	ad_len = m2mkx_proxy_list_encode(s->list, &m);
	m2mkx_a_nonce(nonce, M2MKX_MSG_PROXY_LIST, s->n_a);
	ret = ccm_mac(k_at, nonce, s->list, ad_len, s->list + ad_len);
	if (ret)
		return ret;
	s->list_len = (u16)(ad_len + M2MKX_TAG_LEN);
	return 0;
}

static void send_list(struct m2mkx_issuer_session *s,
		      struct m2mkx_sink *sink)
{
	u8 *buf = sink->tx_alloc(sink, &s->a_from, s->list_len);

	if (!buf)
		return;
	memcpy(buf, s->list, s->list_len);
	sink->tx_commit(sink, buf, true);
}

/*
 * KEY_MATERIAL for proxy @q, sealed in place in the transmit buffer so
 * that no other copy of the seed is made. Each transmission draws a fresh
 * random nonce, as K_PT is a long-term key: 104 random bits make a
 * repeat negligible over any key's lifetime. A retransmission carries the
 * same seed: it is the same key, not a second issue.
 */
static int send_material(struct m2mkx_issuer_session *s,
			 const struct m2mkx_issuer_config *cfg,
			 unsigned int q, struct m2mkx_sink *sink)
{
	struct m2mkx_issuer_proxy *p = &s->proxies[q];
	struct m2mkx_key_material_hdr hdr = { 0 };
	u8 path[M2MKX_MERKLE_MAX_HEIGHT * M2MKX_OTS_HASH_LEN];
	struct m2mkx_key_material km = { .q = (u8)q, .path = path };
	struct m2mkx_endpoint ep;
	size_t used, ad_len, pt_len, len;
	const u8 *key;
	u8 *buf;
	int ret;

	key = cfg->keys->proxy_key(cfg->keys, p->id, &ep);
	if (!key)
		return -M2MKX_ENOPEER;
	ret = m2mkx_root_info_parse(s->root_info, s->root_info_len, &km.root,
				    &used);
	if (ret)
		return ret;
	km.height = m2mkx_merkle_height(s->n);
	ret = m2mkx_merkle_path(km.height, s->nodes, q, path);
	if (ret)
		return ret;
	pt_len = M2MKX_KEY_MATERIAL_PT_LEN(km.height, km.root.sig_len);
	len = M2MKX_KEY_MATERIAL_LEN(km.height, km.root.sig_len);

	buf = sink->tx_alloc(sink, &p->ep, len);
	if (!buf)
		return 0;
	memcpy(hdr.p, p->id, sizeof(hdr.p));
	ret = m2mkx_random(hdr.nonce, sizeof(hdr.nonce));
	if (ret) {
		sink->tx_commit(sink, buf, false);
		return ret;
	}
	ad_len = m2mkx_key_material_hdr_encode(buf, &hdr);
	memcpy(km.seed, p->seed, sizeof(km.seed));
	m2mkx_key_material_encode(buf + ad_len, &km);
	m2mkx_wipe(km.seed, sizeof(km.seed));
	ret = m2mkx_aes128_ccm_seal(key, hdr.nonce, buf, ad_len, buf + ad_len,
				    pt_len, buf + ad_len, M2MKX_TAG_LEN);
	/* A failed seal may have left the seed in the clear. */
	if (ret)
		m2mkx_wipe(buf + ad_len, pt_len + M2MKX_TAG_LEN);
	sink->tx_commit(sink, buf, !ret);
	return ret;
}

static void send_materials(struct m2mkx_issuer_session *s,
			   const struct m2mkx_issuer_config *cfg,
			   struct m2mkx_sink *sink)
{
	unsigned int q;

	/* A proxy that cannot be served now is retried with the others. */
	for (q = 0; q < s->n; q++)
		if (!s->proxies[q].acked)
			send_material(s, cfg, q, sink);
}

/*
 * Draws a seed for every leaf and computes its public key hash into @K.
 * Proxy q's seed is kept in @s until acknowledged; a padding leaf's seed
 * is wiped at once, so nobody can ever sign with it.
 */
static int draw_keys(struct m2mkx_issuer_session *s, u32 ots_type,
		     const u8 I[M2MKX_LMS_I_LEN], unsigned int leaves, u8 *K)
{
	struct m2mkx_ots_key key = { .type = ots_type };
	unsigned int q;
	int ret = 0;

	memcpy(key.I, I, sizeof(key.I));
	for (q = 0; q < leaves; q++) {
		key.q = q;
		ret = m2mkx_random(key.seed, sizeof(key.seed));
		if (ret)
			break;
		ret = m2mkx_ots_public(&key, K + q * M2MKX_OTS_HASH_LEN);
		if (ret)
			break;
		if (q < s->n)
			memcpy(s->proxies[q].seed, key.seed, sizeof(key.seed));
	}
	m2mkx_wipe(&key, sizeof(key));
	return ret;
}

int m2mkx_issuer_issue(struct m2mkx_issuer_session *s,
		       const struct m2mkx_issuer_config *cfg,
		       const struct m2mkx_proxy_request *req,
		       const struct m2mkx_endpoint *from, u64 now,
		       u64 unix_now, struct m2mkx_sink *sink)
{
	const struct m2mkx_issuer_keys *keys = cfg->keys;
	u8 K[MAX_LEAVES * M2MKX_OTS_HASH_LEN];
	u8 I[M2MKX_LMS_I_LEN];
	unsigned int q, h;
	const u8 *k_at;
	int ret;

	m2mkx_wipe(s, sizeof(*s));
	if (req->params.n < 1 || req->params.n > M2MKX_MAX_PROXIES)
		return -M2MKX_EINVAL;
	k_at = keys->client_key(keys, req->a);
	if (!k_at)
		return -M2MKX_ENOPEER;
	memcpy(s->a, req->a, sizeof(s->a));
	memcpy(s->session, req->session, sizeof(s->session));
	memcpy(s->n_a, req->n_a, sizeof(s->n_a));
	s->a_from = *from;
	s->n = req->params.n;
	for (q = 0; q < s->n; q++) {
		struct m2mkx_issuer_proxy *p = &s->proxies[q];

		memcpy(p->id, req->proxies + q * M2MKX_ID_LEN, sizeof(p->id));
		if (!keys->proxy_key(keys, p->id, &p->ep)) {
			ret = -M2MKX_ENOPEER;
			goto fail;
		}
	}

	h = m2mkx_merkle_height(s->n);
	ret = m2mkx_random(I, sizeof(I));
	if (ret)
		goto fail;
	ret = draw_keys(s, req->params.ots_type, I, 1u << h, K);
	if (ret)
		goto fail;
	ret = m2mkx_merkle_build(I, h, K, s->nodes);
	if (ret)
		goto fail;
	ret = sign_root(s, cfg, req, I, unix_now + req->lifetime_s);
	if (ret)
		goto fail;
	ret = make_list(s, k_at, K);
	if (ret)
		goto fail;

	s->tries = 0;
	s->rto = cfg->timing.rto_ms ? cfg->timing.rto_ms : 1;
	s->next_tx = now + s->rto;
	/*
	 * The record outlives the handshake: until the root expires, a
	 * replayed request must get this answer again, never fresh keys.
	 */
	s->deadline = now + (u64)req->lifetime_s * 1000;
	if (s->deadline < now + cfg->timing.lifetime_ms)
		s->deadline = now + cfg->timing.lifetime_ms;
	/* Proxies first: their material is on its way before A's shares. */
	send_materials(s, cfg, sink);
	send_list(s, sink);
	return 0;

fail:
	m2mkx_wipe(s, sizeof(*s));
	return ret;
}

/*
 * Only an exact retransmission is answered. A request naming the session
 * with another N_A, or other contents, is not one: it asks for a second
 * set of keys for a session that has its keys, which T never grants, and
 * it is refused as a replay of the session id.
 */
static bool same_request(const struct m2mkx_issuer_session *s,
			 const struct m2mkx_proxy_request *req)
{
	struct m2mkx_root_info ri;
	unsigned int q;
	size_t used;

	if (memcmp(req->n_a, s->n_a, sizeof(s->n_a)) ||
	    req->params.n != s->n)
		return false;
	for (q = 0; q < s->n; q++)
		if (memcmp(req->proxies + q * M2MKX_ID_LEN, s->proxies[q].id,
			   M2MKX_ID_LEN))
			return false;
	if (m2mkx_root_info_parse(s->root_info, s->root_info_len, &ri, &used))
		return false;
	return !memcmp(req->b, ri.b, sizeof(ri.b)) &&
	       !memcmp(req->n_b, ri.n_b, sizeof(ri.n_b)) &&
	       !memcmp(req->commitment, ri.commitment,
		       sizeof(ri.commitment)) &&
	       req->params.suite == ri.params.suite &&
	       req->params.share_mode == ri.params.share_mode &&
	       req->params.k == ri.params.k &&
	       req->params.ots_type == ri.params.ots_type;
}

int m2mkx_issuer_resend(struct m2mkx_issuer_session *s,
			const struct m2mkx_proxy_request *req,
			struct m2mkx_sink *sink)
{
	/* The caller found @s by these two: anything else is its bug. */
	if (memcmp(req->a, s->a, sizeof(s->a)) ||
	    memcmp(req->session, s->session, sizeof(s->session)))
		return -M2MKX_EINVAL;
	if (!same_request(s, req))
		return -M2MKX_EREPLAY;
	send_list(s, sink);
	return 0;
}

int m2mkx_issuer_ack_open(const struct m2mkx_issuer_config *cfg,
			  const u8 *buf, size_t len,
			  struct m2mkx_material_ack *ack)
{
	const struct m2mkx_issuer_keys *keys = cfg->keys;
	struct m2mkx_endpoint ep;
	const u8 *key;
	int ret;

	ret = m2mkx_material_ack_parse(buf, len, ack);
	if (ret)
		return ret;
	key = keys->proxy_key(keys, ack->p, &ep);
	if (!key)
		return -M2MKX_ENOPEER;
	/* The proxy's own random nonce: K_PT is long-term, N_A is not its. */
	return ccm_verify(key, ack->nonce, buf, ack->ad_len, ack->tag);
}

static void wipe_seeds(struct m2mkx_issuer_session *s)
{
	unsigned int q;

	for (q = 0; q < M2MKX_ARRAY_SIZE(s->proxies); q++)
		m2mkx_wipe(s->proxies[q].seed, sizeof(s->proxies[q].seed));
}

int m2mkx_issuer_ack(struct m2mkx_issuer_session *s,
		     const struct m2mkx_material_ack *ack)
{
	struct m2mkx_issuer_proxy *p;
	unsigned int q;

	if (memcmp(ack->a, s->a, sizeof(s->a)) ||
	    memcmp(ack->session, s->session, sizeof(s->session)))
		return -M2MKX_ENOSESSION;
	if (ack->q >= s->n)
		return -M2MKX_ENOPEER;
	p = &s->proxies[ack->q];
	if (memcmp(p->id, ack->p, sizeof(p->id)))
		return -M2MKX_ENOPEER;
	if (p->acked)
		return -M2MKX_EREPLAY;
	/*
	 * A refusal (e.g. EMATERIAL: the proxy holds material for this
	 * session already) ends delivery too: T has nothing else to offer.
	 */
	p->acked = true;
	m2mkx_wipe(p->seed, sizeof(p->seed));

	for (q = 0; q < s->n; q++)
		if (!s->proxies[q].acked)
			return 0;
	s->next_tx = M2MKX_NO_DEADLINE;
	return 0;
}

bool m2mkx_issuer_timer(struct m2mkx_issuer_session *s,
			const struct m2mkx_issuer_config *cfg, u64 now,
			struct m2mkx_sink *sink)
{
	u32 cap = cfg->timing.rto_max_ms;

	if (now >= s->deadline) {
		wipe_seeds(s);
		s->next_tx = M2MKX_NO_DEADLINE;
		return false;
	}
	if (now < s->next_tx)
		return true;
	/*
	 * Out of retries: a seed nobody acknowledged is not kept for later.
	 * The session stays, to answer A's retransmitted requests, until
	 * its deadline.
	 */
	if (s->tries >= cfg->timing.retries) {
		wipe_seeds(s);
		s->next_tx = M2MKX_NO_DEADLINE;
		return true;
	}
	if (cap < s->rto)
		cap = s->rto;
	s->tries++;
	s->rto = s->rto > cap / 2 ? cap : s->rto * 2;
	s->next_tx = now + s->rto;
	send_materials(s, cfg, sink);
	return true;
}

u64 m2mkx_issuer_deadline(const struct m2mkx_issuer_session *s)
{
	return s->next_tx < s->deadline ? s->next_tx : s->deadline;
}

void m2mkx_issuer_session_wipe(struct m2mkx_issuer_session *s)
{
	m2mkx_wipe(s, sizeof(*s));
}
