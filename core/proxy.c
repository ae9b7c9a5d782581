// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * P_i, the proxy role (see proxy.h and Documentation/protocol.rst).
 *
 * A proxy signs once: only after B has proven, by its key confirmation on
 * N_pb, that it holds the static key the proxy's operator pinned. Before
 * that, nothing a stranger sends can make the proxy spend its one-time key.
 */
#include <m2mkx/bytes.h>
#include <m2mkx/errors.h>
#include <m2mkx/proxy.h>

static void emit(struct m2mkx_sink *sink, u8 *buf, bool ok)
{
	sink->tx_commit(sink, buf, ok);
}

static void send_copy(struct m2mkx_sink *sink,
		      const struct m2mkx_endpoint *to, const u8 *data,
		      size_t len)
{
	u8 *buf = sink->tx_alloc(sink, to, len);

	if (!buf)
		return;
	memcpy(buf, data, len);
	emit(sink, buf, true);
}

static void report(struct m2mkx_proxy_session *s, enum m2mkx_event_type type,
		   int reason, struct m2mkx_sink *sink)
{
	struct m2mkx_event ev;

	m2mkx_event_init(&ev, type, s->session, s->a, s->b, s->params.n);
	ev.reason = reason < 0 ? -reason : reason;
	sink->event(sink, &ev);
}

static void fail(struct m2mkx_proxy_session *s,
		 const struct m2mkx_proxy_config *cfg, int reason, u64 now,
		 struct m2mkx_sink *sink)
{
	s->state = M2MKX_PROXY_FAILED;
	s->reason = reason;
	s->next_tx = M2MKX_NO_DEADLINE;
	s->deadline = now + cfg->timing.linger_ms;
	m2mkx_wipe(&s->ots, sizeof(s->ots));
	m2mkx_wipe(s->share, sizeof(s->share));
	m2mkx_wipe(s->e_secret, sizeof(s->e_secret));
	m2mkx_wipe(s->b2p, sizeof(s->b2p));
	report(s, M2MKX_EV_FAILED, reason, sink);
}

void m2mkx_proxy_session_init(struct m2mkx_proxy_session *s, u64 now,
			      const struct m2mkx_proxy_config *cfg)
{
	memset(s, 0, sizeof(*s));
	s->state = M2MKX_PROXY_WAITING;
	s->next_tx = M2MKX_NO_DEADLINE;
	s->deadline = now + cfg->timing.lifetime_ms;
}

/* The length of @s's SIGNED_SHARE, from T's material. */
static int signed_share_len(const struct m2mkx_proxy_session *s,
			    struct m2mkx_root_info *root, size_t *len)
{
	size_t used;
	int ret;

	ret = m2mkx_root_info_parse(s->root_info, s->root_info_len, root,
				    &used);
	if (!ret)
		*len = m2mkx_signed_share_len(&s->params, root->sig_len);
	return ret;
}

size_t m2mkx_proxy_buffer_need(const struct m2mkx_proxy_session *s)
{
	struct m2mkx_root_info root;
	size_t len;

	if (s->state != M2MKX_PROXY_HELLO_SENT &&
	    s->state != M2MKX_PROXY_SIGNED)
		return 0;
	return signed_share_len(s, &root, &len) ? 0 : len;
}

void m2mkx_proxy_buffer_attach(struct m2mkx_proxy_session *s, u8 *buf,
			       size_t cap)
{
	s->signed_share = buf;
	s->signed_share_cap = cap;
}

u8 *m2mkx_proxy_buffer_detach(struct m2mkx_proxy_session *s)
{
	u8 *buf = s->signed_share;

	if (buf)
		m2mkx_wipe(buf, s->signed_share_cap);
	s->signed_share = NULL;
	s->signed_share_cap = 0;
	s->signed_share_len = 0;
	return buf;
}

int m2mkx_proxy_material_open(const struct m2mkx_proxy_config *cfg,
			      const u8 *buf, size_t len, u8 *pt,
			      struct m2mkx_key_material *m)
{
	struct m2mkx_key_material_hdr hdr;
	int ret;

	ret = m2mkx_key_material_hdr_parse(buf, len, &hdr);
	if (ret)
		return ret;
	if (memcmp(hdr.p, cfg->id, M2MKX_ID_LEN))
		return -M2MKX_ENOTFORUS;
	ret = m2mkx_aes128_ccm_open(cfg->k_pt, hdr.nonce, buf, hdr.ad_len,
				    hdr.ct, hdr.ct_len, pt, M2MKX_TAG_LEN);
	if (ret)
		return ret;
	ret = m2mkx_key_material_parse(pt, hdr.ct_len, m);
	if (ret)
		m2mkx_wipe(pt, hdr.ct_len);
	return ret;
}

int m2mkx_proxy_material_ack(const struct m2mkx_proxy_config *cfg,
			     const struct m2mkx_key_material *m, int status,
			     const struct m2mkx_endpoint *t_ep,
			     struct m2mkx_sink *sink)
{
	struct m2mkx_material_ack ack;
	size_t off;
	u8 *buf;
	int ret;

	memcpy(ack.p, cfg->id, M2MKX_ID_LEN);
	ret = m2mkx_random(ack.nonce, sizeof(ack.nonce));
	if (ret)
		return ret;
	memcpy(ack.a, m->root.a, M2MKX_ID_LEN);
	memcpy(ack.session, m->root.session, M2MKX_SESSION_LEN);
	ack.q = m->q;
	ack.status = (u8)(status < 0 ? -status : status);

	buf = sink->tx_alloc(sink, t_ep, M2MKX_MATERIAL_ACK_LEN);
	if (!buf)
		return 0;
	off = m2mkx_material_ack_encode(buf, &ack);
	ret = m2mkx_aes128_ccm_seal(cfg->k_pt, ack.nonce, buf, off, NULL, 0,
				    buf + off, M2MKX_TAG_LEN);
	emit(sink, buf, !ret);
	return ret;
}

static void send_hello(struct m2mkx_proxy_session *s, struct m2mkx_sink *sink)
{
	struct m2mkx_proxy_hello h;
	u8 *buf;

	memcpy(h.session, s->session, M2MKX_SESSION_LEN);
	memcpy(h.a, s->a, M2MKX_ID_LEN);
	memcpy(h.b, s->b, M2MKX_ID_LEN);
	h.q = (u8)s->ots.q;
	memcpy(h.e, s->e_public, M2MKX_X25519_LEN);
	buf = sink->tx_alloc(sink, &s->b_ep, M2MKX_PROXY_HELLO_LEN);
	if (!buf)
		return;
	m2mkx_proxy_hello_encode(buf, &h);
	emit(sink, buf, true);
}

static void arm(struct m2mkx_proxy_session *s,
		const struct m2mkx_proxy_config *cfg, u64 now)
{
	s->tries = 0;
	s->rto = cfg->timing.rto_ms;
	s->next_tx = now + s->rto;
}

/* Contacts B once both T's material and A's share are here. */
static int start(struct m2mkx_proxy_session *s,
		 const struct m2mkx_proxy_config *cfg, u8 share_q, u64 now,
		 struct m2mkx_sink *sink)
{
	size_t share_len;
	int ret;

	if (!s->have_material || !s->have_share ||
	    s->state != M2MKX_PROXY_WAITING)
		return 0;
	share_len = m2mkx_share_len(s->params.share_mode, s->params.k,
				    M2MKX_SECRET_LEN);
	/* A and T must agree on who this proxy is and what it carries. */
	if (share_q != s->ots.q || share_len != s->share_len ||
	    memcmp(s->shares_b, s->b, M2MKX_ID_LEN)) {
		fail(s, cfg, -M2MKX_EPARAMS, now, sink);
		return -M2MKX_EPARAMS;
	}
	if (!cfg->keys->server_key(cfg->keys, s->b)) {
		fail(s, cfg, -M2MKX_ENOPEER, now, sink);
		return -M2MKX_ENOPEER;
	}
	ret = m2mkx_random(s->e_secret, sizeof(s->e_secret));
	if (!ret)
		ret = m2mkx_x25519_public(s->e_public, s->e_secret);
	if (ret) {
		fail(s, cfg, ret, now, sink);
		return ret;
	}
	s->state = M2MKX_PROXY_HELLO_SENT;
	arm(s, cfg, now);
	send_hello(s, sink);
	return 0;
}

int m2mkx_proxy_install(struct m2mkx_proxy_session *s,
			const struct m2mkx_proxy_config *cfg,
			const struct m2mkx_key_material *m, u64 now,
			struct m2mkx_sink *sink)
{
	const struct m2mkx_root_info *root = &m->root;
	size_t root_len = M2MKX_ROOT_INFO_LEN(root->sig_len);
	int ret;

	if (s->have_material)
		return -M2MKX_EMATERIAL;
	if (s->have_share &&
	    (memcmp(s->session, root->session, M2MKX_SESSION_LEN) ||
	     memcmp(s->a, root->a, M2MKX_ID_LEN)))
		return -M2MKX_ENOSESSION;
	if (root_len > sizeof(s->root_info) ||
	    m->height > M2MKX_MERKLE_MAX_HEIGHT)
		return -M2MKX_EINVAL;

	memcpy(s->session, root->session, M2MKX_SESSION_LEN);
	memcpy(s->a, root->a, M2MKX_ID_LEN);
	memcpy(s->b, root->b, M2MKX_ID_LEN);
	s->params = root->params;
	s->ots.type = root->params.ots_type;
	s->ots.q = m->q;
	memcpy(s->ots.I, root->I, M2MKX_LMS_I_LEN);
	memcpy(s->ots.seed, m->seed, M2MKX_OTS_SEED_LEN);
	s->ots.used = false;
	ret = m2mkx_ots_public(&s->ots, s->k);
	if (ret) {
		m2mkx_wipe(&s->ots, sizeof(s->ots));
		return ret;
	}
	memcpy(s->path, m->path, (size_t)m->height * M2MKX_OTS_HASH_LEN);
	s->height = (u8)m->height;
	memcpy(s->root_info, root->signed_part, root_len);
	s->root_info_len = (u16)root_len;
	s->have_material = true;
	return start(s, cfg, s->share_q, now, sink);
}

int m2mkx_proxy_route(const u8 *buf, size_t len,
		      u8 session[M2MKX_SESSION_LEN])
{
	int type = m2mkx_msg_peek(buf, len);
	size_t off;

	switch (type) {
	case M2MKX_MSG_SHARES:
		off = 2 + M2MKX_ID_LEN;
		break;
	case M2MKX_MSG_CHALLENGE:
	case M2MKX_MSG_ANSWER:
		off = 2;
		break;
	default:
		return type < 0 ? type : -M2MKX_ETYPE;
	}
	if (len < off + M2MKX_SESSION_LEN)
		return -M2MKX_ELENGTH;
	memcpy(session, buf + off, M2MKX_SESSION_LEN);
	return type;
}

static int rx_shares(struct m2mkx_proxy_session *s,
		     const struct m2mkx_proxy_config *cfg,
		     const u8 *buf, size_t len,
		     const struct m2mkx_endpoint *from, u64 now,
		     struct m2mkx_sink *sink)
{
	u8 ad[M2MKX_SHARES_HDR_LEN + M2MKX_ID_LEN + 1];
	u8 share[M2MKX_SHARE_MAX_SECRET_LEN];
	u8 nonce[M2MKX_CCM_NONCE_LEN];
	struct m2mkx_shares m;
	const u8 *entry, *key;
	int ret;

	ret = m2mkx_shares_parse(buf, len, &m);
	if (ret)
		return ret;
	ret = m2mkx_shares_find(&m, cfg->id, &entry);
	if (ret)
		return ret;
	if ((s->have_material || s->have_share) &&
	    (memcmp(s->session, m.session, M2MKX_SESSION_LEN) ||
	     memcmp(s->a, m.a, M2MKX_ID_LEN)))
		return -M2MKX_ENOSESSION;
	key = cfg->keys->neighbour_key(cfg->keys, m.a);
	if (!key)
		return -M2MKX_ENOPEER;

	memcpy(ad, m.hdr, M2MKX_SHARES_HDR_LEN);
	memcpy(ad + M2MKX_SHARES_HDR_LEN, entry, M2MKX_ID_LEN + 1);
	m2mkx_a_nonce(nonce, M2MKX_MSG_SHARES, m.n_a);
	ret = m2mkx_aes128_ccm_open(key, nonce, ad, sizeof(ad),
				    entry + M2MKX_ID_LEN + 1, m.share_len,
				    share, M2MKX_TAG_LEN);
	if (ret)
		return ret;

	if (s->have_share) {
		bool same = m2mkx_ct_memeq(m.n_a, s->n_a, M2MKX_NONCE_LEN) &&
			    m.share_len == s->share_len &&
			    m2mkx_ct_memeq(share, s->share, m.share_len);

		m2mkx_wipe(share, sizeof(share));
		/* A retransmits to proxies it has not heard from. */
		if (same && s->state == M2MKX_PROXY_RELAYED)
			send_copy(sink, &s->a_from, s->relay, sizeof(s->relay));
		return -M2MKX_EREPLAY;
	}

	memcpy(s->session, m.session, M2MKX_SESSION_LEN);
	memcpy(s->a, m.a, M2MKX_ID_LEN);
	memcpy(s->n_a, m.n_a, M2MKX_NONCE_LEN);
	memcpy(s->share, share, m.share_len);
	m2mkx_wipe(share, sizeof(share));
	s->share_len = m.share_len;
	s->share_q = entry[M2MKX_ID_LEN];
	memcpy(s->shares_b, m.b, M2MKX_ID_LEN);
	s->a_from = *from;
	s->b_ep = m.b_endpoint;
	s->have_share = true;
	return start(s, cfg, s->share_q, now, sink);
}

/* Builds, signs and sends the SIGNED_SHARE for B's challenge @n_pb. */
static int sign_share(struct m2mkx_proxy_session *s,
		      const struct m2mkx_p2b_keys *keys,
		      const u8 n_pb[M2MKX_NONCE_LEN])
{
	struct m2mkx_signed_share m;
	u8 digest[M2MKX_SHA256_LEN];
	struct m2mkx_sha256_ctx ctx;
	size_t len, off;
	u8 *buf = s->signed_share;
	int ret;

	ret = signed_share_len(s, &m.root, &len);
	if (ret)
		return ret;
	if (!buf || len > s->signed_share_cap)
		return -M2MKX_ENOSPC;

	memcpy(m.session, s->session, M2MKX_SESSION_LEN);
	m.q = (u8)s->ots.q;
	m.e = s->e_public;
	m.k = s->k;
	m.ct_len = s->share_len + M2MKX_CHACHAPOLY_TAG_LEN;
	m.path = s->path;
	m.height = s->height;
	off = m2mkx_signed_share_encode(buf, &m);
	ret = m2mkx_chachapoly_seal(keys->p2b, 0, buf,
				    M2MKX_SIGNED_SHARE_AD_LEN, s->share,
				    s->share_len,
				    buf + M2MKX_SIGNED_SHARE_FIXED_LEN);
	if (ret)
		return ret;

	m2mkx_sha256_init(&ctx);
	m2mkx_sha256_update(&ctx, n_pb, M2MKX_NONCE_LEN);
	m2mkx_sha256_update(&ctx, buf, off);
	m2mkx_sha256_final(&ctx, digest);
	ret = m2mkx_ots_sign(&s->ots, digest, sizeof(digest), buf + off,
			     s->signed_share_cap - off);
	if (ret)
		return ret;
	s->signed_share_len = len;
	return 0;
}

static int rx_challenge(struct m2mkx_proxy_session *s,
			const struct m2mkx_proxy_config *cfg,
			const u8 *buf, size_t len, u64 now,
			struct m2mkx_sink *sink)
{
	struct m2mkx_p2b_keys keys;
	struct m2mkx_challenge ch;
	u8 confirm[M2MKX_CONFIRM_LEN];
	u8 dh[M2MKX_X25519_LEN];
	const u8 *b_pub;
	int ret;

	ret = m2mkx_challenge_parse(buf, len, &ch);
	if (ret)
		return ret;
	if (ch.q != s->ots.q)
		return -M2MKX_ENOTFORUS;
	if (s->state == M2MKX_PROXY_SIGNED) {
		/* B answered a retransmitted hello: resend what we signed. */
		if (!m2mkx_ct_memeq(ch.n_pb, s->n_pb, M2MKX_NONCE_LEN))
			return -M2MKX_EREPLAY;
		send_copy(sink, &s->b_ep, s->signed_share,
			  s->signed_share_len);
		return 0;
	}
	if (s->state != M2MKX_PROXY_HELLO_SENT)
		return -M2MKX_ESTATE;

	b_pub = cfg->keys->server_key(cfg->keys, s->b);
	if (!b_pub)
		return -M2MKX_ENOPEER;
	ret = m2mkx_x25519(dh, s->e_secret, b_pub);
	if (!ret)
		ret = m2mkx_derive_p2b(&keys, dh, s->session, s->a, s->b,
				       ch.q, s->e_public, b_pub);
	m2mkx_wipe(dh, sizeof(dh));
	if (ret)
		return ret;
	m2mkx_confirm(confirm, keys.conf, s->session, ch.q, ch.n_pb);
	if (!m2mkx_ct_memeq(confirm, ch.confirm, sizeof(confirm))) {
		/* Not B, or not the B the operator pinned: do not sign. */
		ret = -M2MKX_EAUTH;
		goto out;
	}

	ret = sign_share(s, &keys, ch.n_pb);
	if (ret) {
		fail(s, cfg, ret, now, sink);
		goto out;
	}
	memcpy(s->n_pb, ch.n_pb, M2MKX_NONCE_LEN);
	memcpy(s->b2p, keys.b2p, sizeof(s->b2p));
	m2mkx_wipe(s->e_secret, sizeof(s->e_secret));
	m2mkx_wipe(s->share, sizeof(s->share));
	s->state = M2MKX_PROXY_SIGNED;
	arm(s, cfg, now);
	send_copy(sink, &s->b_ep, s->signed_share, s->signed_share_len);
out:
	m2mkx_wipe(&keys, sizeof(keys));
	return ret;
}

static int rx_answer(struct m2mkx_proxy_session *s,
		     const struct m2mkx_proxy_config *cfg,
		     const u8 *buf, size_t len, u64 now,
		     struct m2mkx_sink *sink)
{
	u8 ypkg[M2MKX_YPKG_LEN];
	u8 ad[11 + M2MKX_NONCE_LEN];
	u8 nonce[M2MKX_CCM_NONCE_LEN];
	struct m2mkx_answer m;
	struct m2mkx_relay r;
	const u8 *key;
	size_t off;
	int ret;

	ret = m2mkx_answer_parse(buf, len, &m);
	if (ret)
		return ret;
	if (m.q != s->ots.q)
		return -M2MKX_ENOTFORUS;
	if (s->state == M2MKX_PROXY_RELAYED)
		return -M2MKX_EREPLAY;
	if (s->state != M2MKX_PROXY_SIGNED)
		return -M2MKX_ESTATE;
	key = cfg->keys->neighbour_key(cfg->keys, s->a);
	if (!key)
		return -M2MKX_ENOPEER;

	memcpy(ad, buf, 11);
	memcpy(ad + 11, s->n_pb, M2MKX_NONCE_LEN);
	ret = m2mkx_chachapoly_open(s->b2p, 0, ad, sizeof(ad), m.ct,
				    M2MKX_YPKG_LEN, ypkg);
	if (ret)
		return ret;

	memcpy(r.a, s->a, M2MKX_ID_LEN);
	memcpy(r.p, cfg->id, M2MKX_ID_LEN);
	memcpy(r.session, s->session, M2MKX_SESSION_LEN);
	r.ypkg = ypkg;
	off = m2mkx_relay_encode(s->relay, &r);
	m2mkx_a_nonce(nonce, M2MKX_MSG_RELAY, s->n_a);
	ret = m2mkx_aes128_ccm_seal(key, nonce, s->relay, off, NULL, 0,
				    s->relay + off, M2MKX_TAG_LEN);
	if (ret)
		return ret;

	m2mkx_wipe(s->b2p, sizeof(s->b2p));
	s->state = M2MKX_PROXY_RELAYED;
	s->next_tx = M2MKX_NO_DEADLINE;
	s->deadline = now + cfg->timing.linger_ms;
	send_copy(sink, &s->a_from, s->relay, sizeof(s->relay));
	report(s, M2MKX_EV_COMPLETED, 0, sink);
	return 0;
}

int m2mkx_proxy_rx(struct m2mkx_proxy_session *s,
		   const struct m2mkx_proxy_config *cfg,
		   const u8 *buf, size_t len,
		   const struct m2mkx_endpoint *from, u64 now,
		   struct m2mkx_sink *sink)
{
	int type = m2mkx_msg_peek(buf, len);

	if (type < 0)
		return type;
	if (type == M2MKX_MSG_SHARES)
		return rx_shares(s, cfg, buf, len, from, now, sink);
	if (type != M2MKX_MSG_CHALLENGE && type != M2MKX_MSG_ANSWER)
		return -M2MKX_ETYPE;
	if (s->state == M2MKX_PROXY_FAILED || s->state == M2MKX_PROXY_WAITING)
		return -M2MKX_ESTATE;
	if (len >= 2 + M2MKX_SESSION_LEN &&
	    memcmp(buf + 2, s->session, M2MKX_SESSION_LEN))
		return -M2MKX_ENOSESSION;
	if (type == M2MKX_MSG_CHALLENGE)
		return rx_challenge(s, cfg, buf, len, now, sink);
	return rx_answer(s, cfg, buf, len, now, sink);
}

bool m2mkx_proxy_timer(struct m2mkx_proxy_session *s,
		       const struct m2mkx_proxy_config *cfg, u64 now,
		       struct m2mkx_sink *sink)
{
	switch (s->state) {
	case M2MKX_PROXY_RELAYED:
	case M2MKX_PROXY_FAILED:
		return now < s->deadline;
	case M2MKX_PROXY_WAITING:
		if (now >= s->deadline)
			fail(s, cfg, -M2MKX_ETIMEOUT, now, sink);
		return true;
	default:
		break;
	}
	if (now >= s->deadline) {
		fail(s, cfg, -M2MKX_ETIMEOUT, now, sink);
		return true;
	}
	if (now < s->next_tx)
		return true;
	if (s->tries >= cfg->timing.retries) {
		fail(s, cfg, -M2MKX_ETIMEOUT, now, sink);
		return true;
	}
	s->tries++;
	s->rto = s->rto * 2 > cfg->timing.rto_max_ms ?
		 cfg->timing.rto_max_ms : s->rto * 2;
	s->next_tx = now + s->rto;
	if (s->state == M2MKX_PROXY_HELLO_SENT)
		send_hello(s, sink);
	else
		send_copy(sink, &s->b_ep, s->signed_share,
			  s->signed_share_len);
	return true;
}

u64 m2mkx_proxy_deadline(const struct m2mkx_proxy_session *s)
{
	return s->next_tx < s->deadline ? s->next_tx : s->deadline;
}

void m2mkx_proxy_session_wipe(struct m2mkx_proxy_session *s)
{
	u8 *buf = s->signed_share;
	size_t cap = s->signed_share_cap;

	if (buf)
		m2mkx_wipe(buf, cap);
	m2mkx_wipe(s, sizeof(*s));
}
