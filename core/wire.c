// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The strict codec of every m2mkx message (layouts in wire.h and
 * Documentation/protocol.rst).
 *
 * Parsers read through a cursor that refuses to step past the end, check the
 * exact length a message's type and counts imply, and range-check every
 * parameter, so a role only ever sees structurally valid messages.
 */
#include <m2mkx/bytes.h>
#include <m2mkx/errors.h>
#include <m2mkx/merkle.h>
#include <m2mkx/wire.h>

/*
 * Every parser checks the exact length first, so the cursor never runs
 * out; should a layout and its length macro ever disagree, a read past
 * the end marks the cursor and rd_end() refuses the message, rather than
 * anything touching memory beyond the datagram: a field taken by pointer
 * comes back NULL, a copied field as zeros and a number as 0. Pointers a
 * parser hands out are only valid when it returns 0.
 */
struct rd {
	const u8 *p;
	size_t left;
	bool overrun;
};

static const u8 *rd_take(struct rd *r, size_t n)
{
	const u8 *p = r->p;

	if (r->left < n) {
		r->overrun = true;
		r->left = 0;
		return NULL;
	}
	r->p += n;
	r->left -= n;
	return p;
}

static void rd_copy(struct rd *r, void *dst, size_t n)
{
	const u8 *p = rd_take(r, n);

	if (p)
		memcpy(dst, p, n);
	else
		memset(dst, 0, n);
}

/* Numbers are read through a copy, so an overrun reads zeros. */
static u8 rd_u8(struct rd *r)
{
	u8 v;

	rd_copy(r, &v, 1);
	return v;
}

static u16 rd_be16(struct rd *r)
{
	u8 v[2];

	rd_copy(r, v, sizeof(v));
	return m2mkx_get_be16(v);
}

static u32 rd_be32(struct rd *r)
{
	u8 v[4];

	rd_copy(r, v, sizeof(v));
	return m2mkx_get_be32(v);
}

static u64 rd_be64(struct rd *r)
{
	u8 v[8];

	rd_copy(r, v, sizeof(v));
	return m2mkx_get_be64(v);
}

/* A parse is complete when it consumed exactly the datagram. */
static int rd_end(const struct rd *r)
{
	return r->overrun || r->left ? -M2MKX_ELENGTH : 0;
}

struct wr {
	u8 *p;
	size_t off;
};

static void wr_bytes(struct wr *w, const void *src, size_t n)
{
	/* Empty fields may come as NULL, which memcpy() must not see. */
	if (n)
		memcpy(w->p + w->off, src, n);
	w->off += n;
}

static void wr_u8(struct wr *w, u8 v)
{
	w->p[w->off++] = v;
}

static void wr_be16(struct wr *w, u16 v)
{
	m2mkx_put_be16(w->p + w->off, v);
	w->off += 2;
}

static void wr_be32(struct wr *w, u32 v)
{
	m2mkx_put_be32(w->p + w->off, v);
	w->off += 4;
}

static void wr_be64(struct wr *w, u64 v)
{
	m2mkx_put_be64(w->p + w->off, v);
	w->off += 8;
}

static void wr_hdr(struct wr *w, enum m2mkx_msg_type type)
{
	wr_u8(w, type);
	wr_u8(w, M2MKX_VERSION);
}

int m2mkx_msg_peek(const u8 *buf, size_t len)
{
	if (len < 2)
		return -M2MKX_ESHORT;
	if (buf[1] != M2MKX_VERSION)
		return -M2MKX_EVERSION;
	if (buf[0] < M2MKX_MSG_HELLO || buf[0] > M2MKX_MSG_FINAL)
		return -M2MKX_ETYPE;
	return buf[0];
}

/*
 * Starts a parse: the header must name @type and the datagram must be
 * exactly @want bytes long.
 */
static int rd_start(struct rd *r, const u8 *buf, size_t len,
		    enum m2mkx_msg_type type, size_t want)
{
	int ret = m2mkx_msg_peek(buf, len);

	if (ret < 0)
		return ret;
	if (ret != (int)type)
		return -M2MKX_ETYPE;
	if (len != want)
		return -M2MKX_ELENGTH;
	r->p = buf + 2;
	r->left = len - 2;
	r->overrun = false;
	return 0;
}

/*
 * Checks the header of a message whose length depends on a count inside
 * it, before that count is read: the header must name @type and the
 * datagram must reach @count_end.
 */
static int check_head(const u8 *buf, size_t len, enum m2mkx_msg_type type,
		      size_t count_end)
{
	int ret = m2mkx_msg_peek(buf, len);

	if (ret < 0)
		return ret;
	if (ret != (int)type)
		return -M2MKX_ETYPE;
	return len < count_end ? -M2MKX_ELENGTH : 0;
}

static bool ots_type_known(u32 type)
{
	return m2mkx_ots_sig_len(type) != 0;
}

int m2mkx_params_check(const struct m2mkx_params *p)
{
	if (p->suite != M2MKX_SUITE_V1 || !ots_type_known(p->ots_type))
		return -M2MKX_EPARAMS;
	if (p->share_mode != M2MKX_SHARE_SHAMIR &&
	    p->share_mode != M2MKX_SHARE_DISPERSAL)
		return -M2MKX_EPARAMS;
	if (p->n < 1 || p->n > M2MKX_MAX_PROXIES || p->k < 1 || p->k > p->n)
		return -M2MKX_EPARAMS;
	if (p->m < 1 || p->m > p->n)
		return -M2MKX_EPARAMS;
	return 0;
}

void m2mkx_endpoint_source(const struct m2mkx_endpoint *ep,
			   u8 source[M2MKX_SOURCE_LEN])
{
	static const u8 v4mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (!memcmp(ep->addr, v4mapped, sizeof(v4mapped))) {
		memset(source, 0, 4);
		memcpy(source + 4, ep->addr + 12, 4);
	} else {
		memcpy(source, ep->addr, M2MKX_SOURCE_LEN);
	}
}

bool m2mkx_same_source(const struct m2mkx_endpoint *a,
		       const struct m2mkx_endpoint *b)
{
	u8 sa[M2MKX_SOURCE_LEN], sb[M2MKX_SOURCE_LEN];

	m2mkx_endpoint_source(a, sa);
	m2mkx_endpoint_source(b, sb);
	return !memcmp(sa, sb, sizeof(sa));
}

/* suite(1) | ots_type(4) | share_mode(1) | n(1) | k(1), then m(1) if @with_m */
static void rd_params(struct rd *r, struct m2mkx_params *p, bool with_m)
{
	p->suite = rd_u8(r);
	p->ots_type = rd_be32(r);
	p->share_mode = rd_u8(r);
	p->n = rd_u8(r);
	p->k = rd_u8(r);
	p->m = with_m ? rd_u8(r) : 0;
}

static void wr_params(struct wr *w, const struct m2mkx_params *p, bool with_m)
{
	wr_u8(w, p->suite);
	wr_be32(w, p->ots_type);
	wr_u8(w, p->share_mode);
	wr_u8(w, p->n);
	wr_u8(w, p->k);
	if (with_m)
		wr_u8(w, p->m);
}

/* Messages that carry no m are checked as if m were 1. */
static int params_check_no_m(const struct m2mkx_params *p)
{
	struct m2mkx_params q = *p;

	q.m = 1;
	return m2mkx_params_check(&q);
}

static void rd_endpoint(struct rd *r, struct m2mkx_endpoint *ep)
{
	rd_copy(r, ep->addr, sizeof(ep->addr));
	ep->port = rd_be16(r);
}

static void wr_endpoint(struct wr *w, const struct m2mkx_endpoint *ep)
{
	wr_bytes(w, ep->addr, sizeof(ep->addr));
	wr_be16(w, ep->port);
}

int m2mkx_hello_parse(const u8 *buf, size_t len, struct m2mkx_hello *m)
{
	struct rd r;
	int ret;

	/* The two lengths a HELLO may have: without a cookie, or with one. */
	m->has_cookie = len == M2MKX_HELLO_COOKIE_LEN;
	ret = rd_start(&r, buf, len, M2MKX_MSG_HELLO,
		       m->has_cookie ? M2MKX_HELLO_COOKIE_LEN :
				       M2MKX_HELLO_LEN);
	if (ret)
		return ret;
	rd_copy(&r, m->a, sizeof(m->a));
	rd_copy(&r, m->b, sizeof(m->b));
	rd_copy(&r, m->n_a, sizeof(m->n_a));
	rd_params(&r, &m->params, true);
	if (m->has_cookie)
		rd_copy(&r, m->cookie, sizeof(m->cookie));
	else
		memset(m->cookie, 0, sizeof(m->cookie));
	if (rd_end(&r))
		return -M2MKX_ELENGTH;
	return m2mkx_params_check(&m->params);
}

size_t m2mkx_hello_encode(u8 *buf, const struct m2mkx_hello *m)
{
	struct wr w = { buf, 0 };

	wr_hdr(&w, M2MKX_MSG_HELLO);
	wr_bytes(&w, m->a, sizeof(m->a));
	wr_bytes(&w, m->b, sizeof(m->b));
	wr_bytes(&w, m->n_a, sizeof(m->n_a));
	wr_params(&w, &m->params, true);
	if (m->has_cookie)
		wr_bytes(&w, m->cookie, sizeof(m->cookie));
	return w.off;
}

int m2mkx_hello_reply_parse(const u8 *buf, size_t len,
			    struct m2mkx_hello_reply *m)
{
	struct rd r;
	int ret;

	ret = rd_start(&r, buf, len, M2MKX_MSG_HELLO_REPLY,
		       M2MKX_HELLO_REPLY_LEN);
	if (ret)
		return ret;
	m->status = rd_u8(&r);
	rd_copy(&r, m->a, sizeof(m->a));
	rd_copy(&r, m->b, sizeof(m->b));
	rd_copy(&r, m->n_a, sizeof(m->n_a));
	rd_copy(&r, m->n_b, sizeof(m->n_b));
	rd_copy(&r, m->session, sizeof(m->session));
	rd_params(&r, &m->params, true);
	if (rd_end(&r))
		return -M2MKX_ELENGTH;
	if (m->status)
		return 0;
	return m2mkx_params_check(&m->params);
}

size_t m2mkx_hello_reply_encode(u8 *buf, const struct m2mkx_hello_reply *m)
{
	struct wr w = { buf, 0 };

	wr_hdr(&w, M2MKX_MSG_HELLO_REPLY);
	wr_u8(&w, m->status);
	wr_bytes(&w, m->a, sizeof(m->a));
	wr_bytes(&w, m->b, sizeof(m->b));
	wr_bytes(&w, m->n_a, sizeof(m->n_a));
	wr_bytes(&w, m->n_b, sizeof(m->n_b));
	wr_bytes(&w, m->session, sizeof(m->session));
	wr_params(&w, &m->params, true);
	return w.off;
}

int m2mkx_proxy_request_parse(const u8 *buf, size_t len,
			      struct m2mkx_proxy_request *m)
{
	struct rd r;
	int ret;
	u8 n;

	/* n sits at a fixed offset: 2 + 8 + 8 + 16 + 16 + 8 + 1 + 4 + 1. */
	ret = check_head(buf, len, M2MKX_MSG_PROXY_REQUEST, 65);
	if (ret)
		return ret;
	n = buf[64];
	if (n < 1 || n > M2MKX_MAX_PROXIES)
		return -M2MKX_EPARAMS;
	ret = rd_start(&r, buf, len, M2MKX_MSG_PROXY_REQUEST,
		       M2MKX_PROXY_REQUEST_LEN(n));
	if (ret)
		return ret;
	rd_copy(&r, m->a, sizeof(m->a));
	rd_copy(&r, m->session, sizeof(m->session));
	rd_copy(&r, m->n_a, sizeof(m->n_a));
	rd_copy(&r, m->n_b, sizeof(m->n_b));
	rd_copy(&r, m->b, sizeof(m->b));
	rd_params(&r, &m->params, false);
	rd_copy(&r, m->commitment, sizeof(m->commitment));
	m->lifetime_s = rd_be16(&r);
	m->proxies = rd_take(&r, (size_t)n * M2MKX_ID_LEN);
	m->ad_len = len - M2MKX_TAG_LEN;
	m->tag = rd_take(&r, M2MKX_TAG_LEN);
	if (rd_end(&r))
		return -M2MKX_ELENGTH;
	if (!m->lifetime_s)
		return -M2MKX_EPARAMS;
	return params_check_no_m(&m->params);
}

size_t m2mkx_proxy_request_encode(u8 *buf,
				  const struct m2mkx_proxy_request *m)
{
	struct wr w = { buf, 0 };

	wr_hdr(&w, M2MKX_MSG_PROXY_REQUEST);
	wr_bytes(&w, m->a, sizeof(m->a));
	wr_bytes(&w, m->session, sizeof(m->session));
	wr_bytes(&w, m->n_a, sizeof(m->n_a));
	wr_bytes(&w, m->n_b, sizeof(m->n_b));
	wr_bytes(&w, m->b, sizeof(m->b));
	wr_params(&w, &m->params, false);
	wr_bytes(&w, m->commitment, sizeof(m->commitment));
	wr_be16(&w, m->lifetime_s);
	wr_bytes(&w, m->proxies, (size_t)m->params.n * M2MKX_ID_LEN);
	return w.off;
}

int m2mkx_proxy_list_parse(const u8 *buf, size_t len,
			   struct m2mkx_proxy_list *m)
{
	struct rd r;
	int ret;
	u8 n;

	ret = check_head(buf, len, M2MKX_MSG_PROXY_LIST, 20);
	if (ret)
		return ret;
	n = buf[19];
	if (n > M2MKX_MAX_PROXIES)
		return -M2MKX_EPARAMS;
	ret = rd_start(&r, buf, len, M2MKX_MSG_PROXY_LIST,
		       M2MKX_PROXY_LIST_LEN(n));
	if (ret)
		return ret;
	rd_copy(&r, m->a, sizeof(m->a));
	rd_copy(&r, m->session, sizeof(m->session));
	m->status = rd_u8(&r);
	m->n = rd_u8(&r);
	m->ids = rd_take(&r, (size_t)n * M2MKX_PROXY_ID_LEN);
	m->ad_len = len - M2MKX_TAG_LEN;
	m->tag = rd_take(&r, M2MKX_TAG_LEN);
	if (rd_end(&r))
		return -M2MKX_ELENGTH;
	if (m->status ? n : !n)
		return -M2MKX_EPARAMS;
	return 0;
}

size_t m2mkx_proxy_list_encode(u8 *buf, const struct m2mkx_proxy_list *m)
{
	struct wr w = { buf, 0 };

	wr_hdr(&w, M2MKX_MSG_PROXY_LIST);
	wr_bytes(&w, m->a, sizeof(m->a));
	wr_bytes(&w, m->session, sizeof(m->session));
	wr_u8(&w, m->status);
	wr_u8(&w, m->n);
	wr_bytes(&w, m->ids, (size_t)m->n * M2MKX_PROXY_ID_LEN);
	return w.off;
}

int m2mkx_root_info_parse(const u8 *buf, size_t len,
			  struct m2mkx_root_info *m, size_t *used)
{
	struct rd r = { buf, len, false };

	if (len < M2MKX_ROOT_INFO_LEN(0))
		return -M2MKX_ELENGTH;
	m->signed_part = buf;
	rd_copy(&r, m->t_key_id, sizeof(m->t_key_id));
	rd_copy(&r, m->a, sizeof(m->a));
	rd_copy(&r, m->b, sizeof(m->b));
	rd_copy(&r, m->session, sizeof(m->session));
	rd_copy(&r, m->n_b, sizeof(m->n_b));
	rd_params(&r, &m->params, false);
	rd_copy(&r, m->I, sizeof(m->I));
	rd_copy(&r, m->root, sizeof(m->root));
	rd_copy(&r, m->commitment, sizeof(m->commitment));
	m->expiry = rd_be64(&r);
	m->sig_len = rd_be16(&r);
	if (!m->sig_len || m->sig_len > M2MKX_ROOT_SIG_MAX_LEN)
		return -M2MKX_EPARAMS;
	m->sig = rd_take(&r, m->sig_len);
	if (r.overrun)
		return -M2MKX_ELENGTH;
	*used = M2MKX_ROOT_INFO_LEN(m->sig_len);
	return params_check_no_m(&m->params);
}

size_t m2mkx_root_info_encode(u8 *buf, const struct m2mkx_root_info *m)
{
	struct wr w = { buf, 0 };

	wr_bytes(&w, m->t_key_id, sizeof(m->t_key_id));
	wr_bytes(&w, m->a, sizeof(m->a));
	wr_bytes(&w, m->b, sizeof(m->b));
	wr_bytes(&w, m->session, sizeof(m->session));
	wr_bytes(&w, m->n_b, sizeof(m->n_b));
	wr_params(&w, &m->params, false);
	wr_bytes(&w, m->I, sizeof(m->I));
	wr_bytes(&w, m->root, sizeof(m->root));
	wr_bytes(&w, m->commitment, sizeof(m->commitment));
	wr_be64(&w, m->expiry);
	wr_be16(&w, m->sig_len);
	if (m->sig_len)
		wr_bytes(&w, m->sig, m->sig_len);
	return w.off;
}

int m2mkx_key_material_hdr_parse(const u8 *buf, size_t len,
				 struct m2mkx_key_material_hdr *m)
{
	struct rd r;
	int ret;
	size_t min = M2MKX_KEY_MATERIAL_LEN(0, 1);

	ret = rd_start(&r, buf, len, M2MKX_MSG_KEY_MATERIAL,
		       len < min ? min : len);
	if (ret)
		return ret;
	rd_copy(&r, m->p, sizeof(m->p));
	rd_copy(&r, m->nonce, sizeof(m->nonce));
	m->ad_len = M2MKX_KEY_MATERIAL_HDR_LEN;
	m->ct = r.p;
	m->ct_len = len - M2MKX_KEY_MATERIAL_HDR_LEN - M2MKX_TAG_LEN;
	return 0;
}

size_t m2mkx_key_material_hdr_encode(u8 *buf,
				     const struct m2mkx_key_material_hdr *m)
{
	struct wr w = { buf, 0 };

	wr_hdr(&w, M2MKX_MSG_KEY_MATERIAL);
	wr_bytes(&w, m->p, sizeof(m->p));
	wr_bytes(&w, m->nonce, sizeof(m->nonce));
	return w.off;
}

int m2mkx_key_material_parse(const u8 *pt, size_t len,
			     struct m2mkx_key_material *m)
{
	struct rd r = { pt, len, false };
	size_t used;
	int ret;

	if (len < M2MKX_KEY_MATERIAL_PT_LEN(0, 1))
		return -M2MKX_ELENGTH;
	m->q = rd_u8(&r);
	rd_copy(&r, m->seed, sizeof(m->seed));
	ret = m2mkx_root_info_parse(r.p, r.left, &m->root, &used);
	if (ret)
		return ret;
	rd_take(&r, used);
	m->height = m2mkx_merkle_height(m->root.params.n);
	if (r.left != (size_t)m->height * M2MKX_OTS_HASH_LEN)
		return -M2MKX_ELENGTH;
	m->path = r.p;
	if (m->q >= m->root.params.n)
		return -M2MKX_EPARAMS;
	return 0;
}

size_t m2mkx_key_material_encode(u8 *pt, const struct m2mkx_key_material *m)
{
	struct wr w = { pt, 0 };

	wr_u8(&w, m->q);
	wr_bytes(&w, m->seed, sizeof(m->seed));
	w.off += m2mkx_root_info_encode(pt + w.off, &m->root);
	wr_bytes(&w, m->path, (size_t)m->height * M2MKX_OTS_HASH_LEN);
	return w.off;
}

int m2mkx_material_ack_parse(const u8 *buf, size_t len,
			     struct m2mkx_material_ack *m)
{
	struct rd r;
	int ret;

	ret = rd_start(&r, buf, len, M2MKX_MSG_MATERIAL_ACK,
		       M2MKX_MATERIAL_ACK_LEN);
	if (ret)
		return ret;
	rd_copy(&r, m->p, sizeof(m->p));
	rd_copy(&r, m->nonce, sizeof(m->nonce));
	rd_copy(&r, m->a, sizeof(m->a));
	rd_copy(&r, m->session, sizeof(m->session));
	m->q = rd_u8(&r);
	m->status = rd_u8(&r);
	m->ad_len = len - M2MKX_TAG_LEN;
	m->tag = rd_take(&r, M2MKX_TAG_LEN);
	if (rd_end(&r))
		return -M2MKX_ELENGTH;
	if (m->q >= M2MKX_MAX_PROXIES)
		return -M2MKX_EPARAMS;
	return 0;
}

size_t m2mkx_material_ack_encode(u8 *buf, const struct m2mkx_material_ack *m)
{
	struct wr w = { buf, 0 };

	wr_hdr(&w, M2MKX_MSG_MATERIAL_ACK);
	wr_bytes(&w, m->p, sizeof(m->p));
	wr_bytes(&w, m->nonce, sizeof(m->nonce));
	wr_bytes(&w, m->a, sizeof(m->a));
	wr_bytes(&w, m->session, sizeof(m->session));
	wr_u8(&w, m->q);
	wr_u8(&w, m->status);
	return w.off;
}

int m2mkx_shares_parse(const u8 *buf, size_t len, struct m2mkx_shares *m)
{
	struct rd r;
	size_t want;
	int ret;
	u8 share_len, count;

	ret = check_head(buf, len, M2MKX_MSG_SHARES, M2MKX_SHARES_HDR_LEN);
	if (ret)
		return ret;
	share_len = buf[60];
	count = buf[61];
	if (!share_len || share_len > M2MKX_SHARE_MAX_SECRET_LEN || !count ||
	    count > M2MKX_MAX_PROXIES)
		return -M2MKX_EPARAMS;
	want = M2MKX_SHARES_LEN(count, share_len);
	ret = rd_start(&r, buf, len, M2MKX_MSG_SHARES, want);
	if (ret)
		return ret;
	m->hdr = buf;
	rd_copy(&r, m->a, sizeof(m->a));
	rd_copy(&r, m->session, sizeof(m->session));
	rd_copy(&r, m->n_a, sizeof(m->n_a));
	rd_copy(&r, m->b, sizeof(m->b));
	rd_endpoint(&r, &m->b_endpoint);
	m->share_len = rd_u8(&r);
	m->count = rd_u8(&r);
	m->entries = rd_take(&r, want - M2MKX_SHARES_HDR_LEN);
	return rd_end(&r);
}

int m2mkx_shares_find(const struct m2mkx_shares *msg,
		      const u8 p[M2MKX_ID_LEN], const u8 **entry)
{
	size_t step = M2MKX_SHARES_ENTRY_LEN(msg->share_len);
	unsigned int i;

	for (i = 0; i < msg->count; i++) {
		const u8 *e = msg->entries + i * step;

		if (!memcmp(e, p, M2MKX_ID_LEN)) {
			*entry = e;
			return 0;
		}
	}
	return -M2MKX_ENOPEER;
}

size_t m2mkx_shares_encode(u8 *buf, const struct m2mkx_shares *m)
{
	struct wr w = { buf, 0 };

	wr_hdr(&w, M2MKX_MSG_SHARES);
	wr_bytes(&w, m->a, sizeof(m->a));
	wr_bytes(&w, m->session, sizeof(m->session));
	wr_bytes(&w, m->n_a, sizeof(m->n_a));
	wr_bytes(&w, m->b, sizeof(m->b));
	wr_endpoint(&w, &m->b_endpoint);
	wr_u8(&w, m->share_len);
	wr_u8(&w, m->count);
	return w.off;
}

size_t m2mkx_shares_entry_encode(u8 *entry, const u8 p[M2MKX_ID_LEN], u8 q)
{
	memcpy(entry, p, M2MKX_ID_LEN);
	entry[M2MKX_ID_LEN] = q;
	return M2MKX_ID_LEN + 1;
}

int m2mkx_proxy_hello_parse(const u8 *buf, size_t len,
			    struct m2mkx_proxy_hello *m)
{
	struct rd r;
	int ret;

	ret = rd_start(&r, buf, len, M2MKX_MSG_PROXY_HELLO,
		       M2MKX_PROXY_HELLO_LEN);
	if (ret)
		return ret;
	rd_copy(&r, m->session, sizeof(m->session));
	rd_copy(&r, m->a, sizeof(m->a));
	rd_copy(&r, m->b, sizeof(m->b));
	m->q = rd_u8(&r);
	rd_copy(&r, m->e, sizeof(m->e));
	if (rd_end(&r))
		return -M2MKX_ELENGTH;
	return m->q < M2MKX_MAX_PROXIES ? 0 : -M2MKX_EPARAMS;
}

size_t m2mkx_proxy_hello_encode(u8 *buf, const struct m2mkx_proxy_hello *m)
{
	struct wr w = { buf, 0 };

	wr_hdr(&w, M2MKX_MSG_PROXY_HELLO);
	wr_bytes(&w, m->session, sizeof(m->session));
	wr_bytes(&w, m->a, sizeof(m->a));
	wr_bytes(&w, m->b, sizeof(m->b));
	wr_u8(&w, m->q);
	wr_bytes(&w, m->e, sizeof(m->e));
	return w.off;
}

int m2mkx_challenge_parse(const u8 *buf, size_t len,
			  struct m2mkx_challenge *m)
{
	struct rd r;
	int ret;

	ret = rd_start(&r, buf, len, M2MKX_MSG_CHALLENGE, M2MKX_CHALLENGE_LEN);
	if (ret)
		return ret;
	rd_copy(&r, m->session, sizeof(m->session));
	m->q = rd_u8(&r);
	rd_copy(&r, m->n_pb, sizeof(m->n_pb));
	rd_copy(&r, m->confirm, sizeof(m->confirm));
	if (rd_end(&r))
		return -M2MKX_ELENGTH;
	return m->q < M2MKX_MAX_PROXIES ? 0 : -M2MKX_EPARAMS;
}

size_t m2mkx_challenge_encode(u8 *buf, const struct m2mkx_challenge *m)
{
	struct wr w = { buf, 0 };

	wr_hdr(&w, M2MKX_MSG_CHALLENGE);
	wr_bytes(&w, m->session, sizeof(m->session));
	wr_u8(&w, m->q);
	wr_bytes(&w, m->n_pb, sizeof(m->n_pb));
	wr_bytes(&w, m->confirm, sizeof(m->confirm));
	return w.off;
}

size_t m2mkx_signed_share_len(const struct m2mkx_params *p,
			      size_t root_sig_len)
{
	return M2MKX_SIGNED_SHARE_FIXED_LEN +
	       m2mkx_share_len(p->share_mode, p->k, M2MKX_SECRET_LEN) +
	       M2MKX_CHACHAPOLY_TAG_LEN +
	       (size_t)m2mkx_merkle_height(p->n) * M2MKX_OTS_HASH_LEN +
	       M2MKX_ROOT_INFO_LEN(root_sig_len) +
	       m2mkx_ots_sig_len(p->ots_type);
}

int m2mkx_signed_share_parse(const u8 *buf, size_t len,
			     const struct m2mkx_params *p,
			     struct m2mkx_signed_share *m)
{
	size_t share_len = m2mkx_share_len(p->share_mode, p->k,
					   M2MKX_SECRET_LEN);
	size_t sig_len = m2mkx_ots_sig_len(p->ots_type);
	size_t fixed, used, want;
	struct rd r;
	int ret;

	ret = m2mkx_params_check(p);
	if (ret)
		return ret;
	m->height = m2mkx_merkle_height(p->n);
	m->ct_len = share_len + M2MKX_CHACHAPOLY_TAG_LEN;
	fixed = M2MKX_SIGNED_SHARE_FIXED_LEN + m->ct_len +
		(size_t)m->height * M2MKX_OTS_HASH_LEN;
	ret = m2mkx_msg_peek(buf, len);
	if (ret < 0)
		return ret;
	if (ret != M2MKX_MSG_SIGNED_SHARE)
		return -M2MKX_ETYPE;
	if (len < fixed + M2MKX_ROOT_INFO_LEN(1) + sig_len)
		return -M2MKX_ELENGTH;
	ret = m2mkx_root_info_parse(buf + fixed, len - fixed - sig_len,
				    &m->root, &used);
	if (ret)
		return ret;
	want = fixed + used + sig_len;
	ret = rd_start(&r, buf, len, M2MKX_MSG_SIGNED_SHARE, want);
	if (ret)
		return ret;
	rd_copy(&r, m->session, sizeof(m->session));
	m->q = rd_u8(&r);
	m->e = rd_take(&r, M2MKX_X25519_LEN);
	m->k = rd_take(&r, M2MKX_OTS_HASH_LEN);
	m->ct = rd_take(&r, m->ct_len);
	m->path = rd_take(&r, (size_t)m->height * M2MKX_OTS_HASH_LEN);
	rd_take(&r, used);
	m->signed_len = fixed + used;
	m->ots_sig = rd_take(&r, sig_len);
	m->ots_sig_len = sig_len;
	if (rd_end(&r))
		return -M2MKX_ELENGTH;
	return m->q < p->n ? 0 : -M2MKX_EPARAMS;
}

size_t m2mkx_signed_share_encode(u8 *buf, const struct m2mkx_signed_share *m)
{
	struct wr w = { buf, 0 };

	wr_hdr(&w, M2MKX_MSG_SIGNED_SHARE);
	wr_bytes(&w, m->session, sizeof(m->session));
	wr_u8(&w, m->q);
	wr_bytes(&w, m->e, M2MKX_X25519_LEN);
	wr_bytes(&w, m->k, M2MKX_OTS_HASH_LEN);
	w.off += m->ct_len;
	wr_bytes(&w, m->path, (size_t)m->height * M2MKX_OTS_HASH_LEN);
	w.off += m2mkx_root_info_encode(buf + w.off, &m->root);
	return w.off;
}

int m2mkx_answer_parse(const u8 *buf, size_t len, struct m2mkx_answer *m)
{
	struct rd r;
	int ret;

	ret = rd_start(&r, buf, len, M2MKX_MSG_ANSWER, M2MKX_ANSWER_LEN);
	if (ret)
		return ret;
	rd_copy(&r, m->session, sizeof(m->session));
	m->q = rd_u8(&r);
	m->ct = rd_take(&r, M2MKX_YPKG_LEN + M2MKX_CHACHAPOLY_TAG_LEN);
	if (rd_end(&r))
		return -M2MKX_ELENGTH;
	return m->q < M2MKX_MAX_PROXIES ? 0 : -M2MKX_EPARAMS;
}

size_t m2mkx_answer_encode(u8 *buf, const struct m2mkx_answer *m)
{
	struct wr w = { buf, 0 };

	wr_hdr(&w, M2MKX_MSG_ANSWER);
	wr_bytes(&w, m->session, sizeof(m->session));
	wr_u8(&w, m->q);
	return w.off;
}

int m2mkx_relay_parse(const u8 *buf, size_t len, struct m2mkx_relay *m)
{
	struct rd r;
	int ret;

	ret = rd_start(&r, buf, len, M2MKX_MSG_RELAY, M2MKX_RELAY_LEN);
	if (ret)
		return ret;
	rd_copy(&r, m->a, sizeof(m->a));
	rd_copy(&r, m->p, sizeof(m->p));
	rd_copy(&r, m->session, sizeof(m->session));
	m->ypkg = rd_take(&r, M2MKX_YPKG_LEN);
	m->ad_len = len - M2MKX_TAG_LEN;
	m->tag = rd_take(&r, M2MKX_TAG_LEN);
	if (rd_end(&r))
		return -M2MKX_ELENGTH;
	return 0;
}

size_t m2mkx_relay_encode(u8 *buf, const struct m2mkx_relay *m)
{
	struct wr w = { buf, 0 };

	wr_hdr(&w, M2MKX_MSG_RELAY);
	wr_bytes(&w, m->a, sizeof(m->a));
	wr_bytes(&w, m->p, sizeof(m->p));
	wr_bytes(&w, m->session, sizeof(m->session));
	wr_bytes(&w, m->ypkg, M2MKX_YPKG_LEN);
	return w.off;
}

int m2mkx_final_request_parse(const u8 *buf, size_t len,
			      struct m2mkx_final_request *m)
{
	struct rd r;
	int ret;

	ret = rd_start(&r, buf, len, M2MKX_MSG_FINAL_REQUEST,
		       M2MKX_FINAL_REQUEST_LEN);
	if (ret)
		return ret;
	rd_copy(&r, m->a, sizeof(m->a));
	rd_copy(&r, m->session, sizeof(m->session));
	m->ad_len = len - M2MKX_TAG_LEN;
	m->tag = rd_take(&r, M2MKX_TAG_LEN);
	if (rd_end(&r))
		return -M2MKX_ELENGTH;
	return 0;
}

size_t m2mkx_final_request_encode(u8 *buf,
				  const struct m2mkx_final_request *m)
{
	struct wr w = { buf, 0 };

	wr_hdr(&w, M2MKX_MSG_FINAL_REQUEST);
	wr_bytes(&w, m->a, sizeof(m->a));
	wr_bytes(&w, m->session, sizeof(m->session));
	return w.off;
}

int m2mkx_final_parse(const u8 *buf, size_t len, struct m2mkx_final *m)
{
	struct rd r;
	unsigned int i;
	int ret;
	u8 n;

	/* n is at offset 2 + 8 + 8 + 1 + 4 + 1 = 24. */
	ret = check_head(buf, len, M2MKX_MSG_FINAL, 25);
	if (ret)
		return ret;
	n = buf[24];
	if (n < 1 || n > M2MKX_MAX_PROXIES)
		return -M2MKX_EPARAMS;
	ret = rd_start(&r, buf, len, M2MKX_MSG_FINAL, M2MKX_FINAL_LEN(n));
	if (ret)
		return ret;
	rd_copy(&r, m->a, sizeof(m->a));
	rd_copy(&r, m->session, sizeof(m->session));
	rd_params(&r, &m->params, true);
	m->entries = rd_take(&r, (size_t)n * 9);
	m->ad_len = len - M2MKX_TAG_LEN;
	m->tag = rd_take(&r, M2MKX_TAG_LEN);
	if (rd_end(&r))
		return -M2MKX_ELENGTH;
	for (i = 0; i < n; i++)
		if (m->entries[i * 9 + 8] > M2MKX_VERDICT_LATE)
			return -M2MKX_EPARAMS;
	return m2mkx_params_check(&m->params);
}

size_t m2mkx_final_encode(u8 *buf, const struct m2mkx_final *m)
{
	struct wr w = { buf, 0 };

	wr_hdr(&w, M2MKX_MSG_FINAL);
	wr_bytes(&w, m->a, sizeof(m->a));
	wr_bytes(&w, m->session, sizeof(m->session));
	wr_params(&w, &m->params, true);
	wr_bytes(&w, m->entries, (size_t)m->params.n * 9);
	return w.off;
}
