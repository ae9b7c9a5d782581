// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The Merkle tree over one-time public keys, hashed as an LMS tree
 * (RFC 8554 section 5), and LMS signature verification on top of it.
 *
 * Node r is numbered as in the RFC: the root is 1, the children of r are
 * 2r and 2r + 1, and leaf q of a tree of height h is node 2^h + q. Hashing
 * r and I into every node ties each node to its place in one tree, so a
 * path lifted from another tree or another leaf leads to a different root.
 */
#include <m2mkx/bytes.h>
#include <m2mkx/crypto.h>
#include <m2mkx/errors.h>
#include <m2mkx/merkle.h>

/* Domain separators of RFC 8554 section 5.3. */
#define D_LEAF 0x8282
#define D_INTR 0x8383

#define NODE_LEN M2MKX_OTS_HASH_LEN
/* I || u32str(r) || u16str(D_LEAF or D_INTR) */
#define HDR_LEN (M2MKX_LMS_I_LEN + 4 + 2)

/* LMS public key: u32str(type) || u32str(otstype) || I || T[1]. */
#define LMS_PUB_LEN (4 + 4 + M2MKX_LMS_I_LEN + NODE_LEN)

static void node_hdr(struct m2mkx_sha256_ctx *ctx, const u8 *I, u32 r, u16 d)
{
	u8 hdr[HDR_LEN];

	memcpy(hdr, I, M2MKX_LMS_I_LEN);
	m2mkx_put_be32(hdr + M2MKX_LMS_I_LEN, r);
	m2mkx_put_be16(hdr + M2MKX_LMS_I_LEN + 4, d);
	m2mkx_sha256_init(ctx);
	m2mkx_sha256_update(ctx, hdr, sizeof(hdr));
}

static void leaf_hash(const u8 *I, u32 r, const u8 *K, u8 out[NODE_LEN])
{
	struct m2mkx_sha256_ctx ctx;

	node_hdr(&ctx, I, r, D_LEAF);
	m2mkx_sha256_update(&ctx, K, NODE_LEN);
	m2mkx_sha256_final(&ctx, out);
}

/* @out may alias @left or @right: both are consumed before it is written. */
static void inner_hash(const u8 *I, u32 r, const u8 *left, const u8 *right,
		       u8 out[NODE_LEN])
{
	struct m2mkx_sha256_ctx ctx;

	node_hdr(&ctx, I, r, D_INTR);
	m2mkx_sha256_update(&ctx, left, NODE_LEN);
	m2mkx_sha256_update(&ctx, right, NODE_LEN);
	m2mkx_sha256_final(&ctx, out);
}

unsigned int m2mkx_merkle_height(unsigned int leaves)
{
	unsigned int h = 0;

	while (h < 32 && ((u64)1 << h) < leaves)
		h++;
	return h;
}

int m2mkx_merkle_build(const u8 I[M2MKX_LMS_I_LEN], unsigned int height,
		       const u8 *K, u8 *nodes)
{
	u32 first, r;

	if (!I || !K || !nodes || height > M2MKX_MERKLE_MAX_HEIGHT)
		return -M2MKX_EINVAL;

	first = (u32)1 << height;
	for (r = first; r < 2 * first; r++)
		leaf_hash(I, r, K + (size_t)(r - first) * NODE_LEN,
			  nodes + (size_t)r * NODE_LEN);
	for (r = first - 1; r >= 1; r--)
		inner_hash(I, r, nodes + (size_t)2 * r * NODE_LEN,
			   nodes + (size_t)(2 * r + 1) * NODE_LEN,
			   nodes + (size_t)r * NODE_LEN);
	return 0;
}

int m2mkx_merkle_path(unsigned int height, const u8 *nodes, u32 q, u8 *path)
{
	unsigned int i;
	u32 r;

	if (!nodes || !path || height > M2MKX_MERKLE_MAX_HEIGHT ||
	    q >= (u32)1 << height)
		return -M2MKX_EINVAL;

	/* path[i] is the sibling of leaf q's ancestor i levels up. */
	r = ((u32)1 << height) + q;
	for (i = 0; i < height; i++, r >>= 1)
		memcpy(path + (size_t)i * NODE_LEN,
		       nodes + (size_t)(r ^ 1) * NODE_LEN, NODE_LEN);
	return 0;
}

/*
 * RFC 8554 Algorithm 6a, steps 2f to 2j. Accepts LMS heights too, since
 * climbing needs no room that grows with the tree.
 */
int m2mkx_merkle_root(const u8 I[M2MKX_LMS_I_LEN], unsigned int height,
		      u32 q, const u8 K[M2MKX_OTS_HASH_LEN], const u8 *path,
		      u8 root[M2MKX_OTS_HASH_LEN])
{
	u8 tmp[NODE_LEN];
	const u8 *sib;
	u32 r;

	if (!I || !K || !root || (!path && height) ||
	    height > M2MKX_LMS_MAX_HEIGHT || q >= (u32)1 << height)
		return -M2MKX_EINVAL;

	r = ((u32)1 << height) + q;
	leaf_hash(I, r, K, tmp);
	for (sib = path; r > 1; r >>= 1, sib += NODE_LEN) {
		/* An odd node is a right child: its sibling goes first. */
		if (r & 1)
			inner_hash(I, r >> 1, sib, tmp, tmp);
		else
			inner_hash(I, r >> 1, tmp, sib, tmp);
	}
	memcpy(root, tmp, NODE_LEN);
	return 0;
}

/* RFC 8554 section 5.1: the heights of the m = 32 SHA-256 LMS types. */
static unsigned int lms_height(u32 type)
{
	switch (type) {
	case M2MKX_LMS_SHA256_M32_H5:
		return 5;
	case M2MKX_LMS_SHA256_M32_H10:
		return 10;
	case M2MKX_LMS_SHA256_M32_H15:
		return 15;
	case M2MKX_LMS_SHA256_M32_H20:
		return 20;
	case M2MKX_LMS_SHA256_M32_H25:
		return 25;
	}
	return 0;
}

static bool lmots_type(u32 type)
{
	return type == M2MKX_LMOTS_SHA256_N32_W1 ||
	       type == M2MKX_LMOTS_SHA256_N32_W2 ||
	       type == M2MKX_LMOTS_SHA256_N32_W4 ||
	       type == M2MKX_LMOTS_SHA256_N32_W8;
}

/*
 * RFC 8554 Algorithms 6 and 6a. A key that is not an LMS public key of a
 * supported type is the caller's error (-M2MKX_EINVAL). In the signature,
 * a malformed LM-OTS part (short, or of another type) is -M2MKX_EOTSSIG;
 * a malformed tree part (type, q, length) and a path that does not reach
 * T[1] are -M2MKX_EMERKLE. A forged OTS signature is well formed, gives a
 * wrong candidate key and so fails as -M2MKX_EMERKLE.
 */
int m2mkx_lms_verify(const u8 *pub, size_t pub_len, const u8 *msg,
		     size_t msg_len, const u8 *sig, size_t sig_len)
{
	u8 kc[M2MKX_OTS_HASH_LEN];
	u8 tc[NODE_LEN];
	const u8 *I, *t1;
	u32 type, otstype, q;
	unsigned int h;
	size_t ots_len;
	int ret;

	if (!pub || pub_len != LMS_PUB_LEN || (!msg && msg_len) ||
	    (!sig && sig_len))
		return -M2MKX_EINVAL;
	type = m2mkx_get_be32(pub);
	otstype = m2mkx_get_be32(pub + 4);
	I = pub + 8;
	t1 = I + M2MKX_LMS_I_LEN;
	h = lms_height(type);
	if (!h || !lmots_type(otstype))
		return -M2MKX_EINVAL;

	/* u32str(q) || lmots_signature || u32str(type) || path[h] */
	if (sig_len < 8)
		return -M2MKX_EOTSSIG;
	q = m2mkx_get_be32(sig);
	if (m2mkx_get_be32(sig + 4) != otstype)
		return -M2MKX_EOTSSIG;
	ots_len = m2mkx_ots_sig_len(otstype);
	if (sig_len < 4 + ots_len + 4)
		return -M2MKX_EOTSSIG;
	if (m2mkx_get_be32(sig + 4 + ots_len) != type ||
	    q >= (u32)1 << h ||
	    sig_len != 4 + ots_len + 4 + (size_t)h * NODE_LEN)
		return -M2MKX_EMERKLE;

	ret = m2mkx_ots_candidate(otstype, I, q, msg, msg_len, sig + 4,
				  ots_len, kc);
	if (ret)
		return ret;
	ret = m2mkx_merkle_root(I, h, q, kc, sig + 4 + ots_len + 4, tc);
	if (ret)
		return ret;
	return m2mkx_ct_memeq(tc, t1, NODE_LEN) ? 0 : -M2MKX_EMERKLE;
}

size_t m2mkx_lms_sig_len(const u8 *sig, size_t avail)
{
	unsigned int h;
	size_t ots, len;

	if (avail < 8)
		return 0;
	ots = m2mkx_ots_sig_len(m2mkx_get_be32(sig + 4));
	if (!ots || avail < 4 + ots + 4)
		return 0;
	h = lms_height(m2mkx_get_be32(sig + 4 + ots));
	len = 4 + ots + 4 + (size_t)h * NODE_LEN;
	return h && len <= avail ? len : 0;
}

/*
 * RFC 8554 section 6.3: sig = u32str(Nspk) || sig[0] || pub[1] || ... ||
 * sig[Nspk], where each pub[i + 1] is the message sig[i] signs under
 * pub[i], and pub[0] is the HSS key's after its u32str(L).
 */
int m2mkx_hss_verify(const u8 *pub, size_t pub_len, const u8 *msg,
		     size_t msg_len, const u8 *sig, size_t sig_len)
{
	const u8 *key;
	size_t off = 4, len;
	u32 levels, nspk, i;
	int ret;

	if (!pub || pub_len != M2MKX_HSS_PUB_LEN)
		return -M2MKX_EINVAL;
	levels = m2mkx_get_be32(pub);
	if (levels < 1 || levels > 8)
		return -M2MKX_EINVAL;
	if (!sig || sig_len < 4)
		return -M2MKX_EOTSSIG;
	nspk = m2mkx_get_be32(sig);
	if (nspk + 1 != levels)
		return -M2MKX_EOTSSIG;
	key = pub + 4;
	for (i = 0; i < nspk; i++) {
		len = m2mkx_lms_sig_len(sig + off, sig_len - off);
		if (!len || sig_len - off - len < LMS_PUB_LEN)
			return -M2MKX_EOTSSIG;
		ret = m2mkx_lms_verify(key, LMS_PUB_LEN, sig + off + len,
				       LMS_PUB_LEN, sig + off, len);
		if (ret)
			return ret;
		key = sig + off + len;
		off += len + LMS_PUB_LEN;
	}
	return m2mkx_lms_verify(key, LMS_PUB_LEN, msg, msg_len, sig + off,
				sig_len - off);
}
