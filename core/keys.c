// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The key schedule (see keys.h and Documentation/protocol.rst).
 */
#include <m2mkx/bytes.h>
#include <m2mkx/kdf.h>
#include <m2mkx/keys.h>

#define LABEL_MK "m2mkx-v1-mk"
#define LABEL_COMMIT "m2mkx-v1-x-commit"
#define LABEL_PROXY_ID "m2mkx-v1-proxy-id"
#define LABEL_ROOT "m2mkx-v1-root"
#define LABEL_P2B "m2mkx-v1-p2b"
#define LABEL_CONFIRM "m2mkx-v1-confirm"

/* Feeds u16be(len) || data: the one field encoding of the schedule. */
static void lp_hash(struct m2mkx_sha256_ctx *ctx, const void *data,
		    size_t len)
{
	u8 prefix[2];

	m2mkx_put_be16(prefix, (u16)len);
	m2mkx_sha256_update(ctx, prefix, sizeof(prefix));
	m2mkx_sha256_update(ctx, data, len);
}

static void lp_hmac(struct m2mkx_hmac_ctx *ctx, const void *data, size_t len)
{
	u8 prefix[2];

	m2mkx_put_be16(prefix, (u16)len);
	m2mkx_hmac_update(ctx, prefix, sizeof(prefix));
	m2mkx_hmac_update(ctx, data, len);
}

/*
 * The labels are string literals: their length is a constant, and the
 * sensor links no strlen() for them.
 */
#define LP_LABEL(ctx, label) lp_hash((ctx), (label), sizeof(label) - 1)

void m2mkx_a_nonce(u8 nonce[M2MKX_CCM_NONCE_LEN], enum m2mkx_msg_type type,
		   const u8 n_a[M2MKX_NONCE_LEN])
{
	nonce[0] = type;
	memcpy(nonce + 1, n_a, M2MKX_CCM_NONCE_LEN - 1);
}

void m2mkx_derive_mk(u8 mk[M2MKX_MK_LEN], const u8 a[M2MKX_ID_LEN],
		     const u8 b[M2MKX_ID_LEN],
		     const u8 n_a[M2MKX_NONCE_LEN],
		     const u8 n_b[M2MKX_NONCE_LEN],
		     const u8 x[M2MKX_SECRET_LEN],
		     const u8 y[M2MKX_SECRET_LEN])
{
	struct m2mkx_sha256_ctx ctx;

	m2mkx_sha256_init(&ctx);
	LP_LABEL(&ctx, LABEL_MK);
	lp_hash(&ctx, a, M2MKX_ID_LEN);
	lp_hash(&ctx, b, M2MKX_ID_LEN);
	lp_hash(&ctx, n_a, M2MKX_NONCE_LEN);
	lp_hash(&ctx, n_b, M2MKX_NONCE_LEN);
	lp_hash(&ctx, x, M2MKX_SECRET_LEN);
	lp_hash(&ctx, y, M2MKX_SECRET_LEN);
	m2mkx_sha256_final(&ctx, mk);
}

void m2mkx_commit_x(u8 c[M2MKX_COMMIT_LEN],
		    const u8 session[M2MKX_SESSION_LEN],
		    const u8 x[M2MKX_SECRET_LEN])
{
	struct m2mkx_sha256_ctx ctx;
	u8 digest[M2MKX_SHA256_LEN];

	m2mkx_sha256_init(&ctx);
	LP_LABEL(&ctx, LABEL_COMMIT);
	lp_hash(&ctx, session, M2MKX_SESSION_LEN);
	lp_hash(&ctx, x, M2MKX_SECRET_LEN);
	m2mkx_sha256_final(&ctx, digest);
	memcpy(c, digest, M2MKX_COMMIT_LEN);
	m2mkx_wipe(digest, sizeof(digest));
}

void m2mkx_proxy_id(u8 id[M2MKX_PROXY_ID_LEN],
		    const u8 k[M2MKX_OTS_HASH_LEN])
{
	struct m2mkx_sha256_ctx ctx;
	u8 digest[M2MKX_SHA256_LEN];

	m2mkx_sha256_init(&ctx);
	LP_LABEL(&ctx, LABEL_PROXY_ID);
	lp_hash(&ctx, k, M2MKX_OTS_HASH_LEN);
	m2mkx_sha256_final(&ctx, digest);
	memcpy(id, digest, M2MKX_PROXY_ID_LEN);
}

void m2mkx_root_digest(u8 digest[M2MKX_SHA256_LEN],
		       const u8 signed_part[M2MKX_ROOT_INFO_SIGNED_LEN])
{
	struct m2mkx_sha256_ctx ctx;

	m2mkx_sha256_init(&ctx);
	LP_LABEL(&ctx, LABEL_ROOT);
	lp_hash(&ctx, signed_part, M2MKX_ROOT_INFO_SIGNED_LEN);
	m2mkx_sha256_final(&ctx, digest);
}

int m2mkx_derive_p2b(struct m2mkx_p2b_keys *keys,
		     const u8 dh[M2MKX_X25519_LEN],
		     const u8 session[M2MKX_SESSION_LEN],
		     const u8 a[M2MKX_ID_LEN], const u8 b[M2MKX_ID_LEN], u8 q,
		     const u8 e_pub[M2MKX_X25519_LEN],
		     const u8 b_pub[M2MKX_X25519_LEN])
{
	u8 prk[M2MKX_SHA256_LEN];
	u8 info[M2MKX_SESSION_LEN + 2 * M2MKX_ID_LEN + 1 +
		2 * M2MKX_X25519_LEN];
	u8 *p = info;
	int ret;

	memcpy(p, session, M2MKX_SESSION_LEN);
	p += M2MKX_SESSION_LEN;
	memcpy(p, a, M2MKX_ID_LEN);
	p += M2MKX_ID_LEN;
	memcpy(p, b, M2MKX_ID_LEN);
	p += M2MKX_ID_LEN;
	*p++ = q;
	memcpy(p, e_pub, M2MKX_X25519_LEN);
	p += M2MKX_X25519_LEN;
	memcpy(p, b_pub, M2MKX_X25519_LEN);

	m2mkx_hkdf_extract(prk, (const u8 *)LABEL_P2B, strlen(LABEL_P2B),
			   dh, M2MKX_X25519_LEN);
	ret = m2mkx_hkdf_expand((u8 *)keys, sizeof(*keys), prk, info,
				sizeof(info));
	m2mkx_wipe(prk, sizeof(prk));
	return ret;
}

void m2mkx_confirm(u8 out[M2MKX_CONFIRM_LEN], const u8 conf[32],
		   const u8 session[M2MKX_SESSION_LEN], u8 q,
		   const u8 n_pb[M2MKX_NONCE_LEN])
{
	struct m2mkx_hmac_ctx ctx;
	u8 mac[M2MKX_SHA256_LEN];

	m2mkx_hmac_init(&ctx, conf, 32);
	lp_hmac(&ctx, LABEL_CONFIRM, strlen(LABEL_CONFIRM));
	lp_hmac(&ctx, session, M2MKX_SESSION_LEN);
	lp_hmac(&ctx, &q, 1);
	lp_hmac(&ctx, n_pb, M2MKX_NONCE_LEN);
	m2mkx_hmac_final(&ctx, mac);
	memcpy(out, mac, M2MKX_CONFIRM_LEN);
	m2mkx_wipe(mac, sizeof(mac));
}

u32 m2mkx_esp_spi(const u8 raw[4])
{
	u32 spi = m2mkx_get_be32(raw);

	/* RFC 4303, section 2.1: 1..255 are reserved by IANA, 0 is local. */
	return spi < 256 ? spi + 256 : spi;
}

int m2mkx_derive_esp(struct m2mkx_esp_keys *esp, const u8 mk[M2MKX_MK_LEN])
{
	u8 spi[8];
	int ret;

	ret = m2mkx_traffic_key(esp->a2b, sizeof(esp->a2b), mk,
				M2MKX_LABEL_ESP_A2B);
	if (!ret)
		ret = m2mkx_traffic_key(esp->b2a, sizeof(esp->b2a), mk,
					M2MKX_LABEL_ESP_B2A);
	if (!ret)
		ret = m2mkx_traffic_key(spi, sizeof(spi), mk,
					M2MKX_LABEL_ESP_SPI);
	if (ret) {
		m2mkx_wipe(esp, sizeof(*esp));
		return ret;
	}
	esp->spi_a2b = m2mkx_esp_spi(spi);
	esp->spi_b2a = m2mkx_esp_spi(spi + 4);
	/* One host may be both ends: the two must differ. */
	if (esp->spi_b2a == esp->spi_a2b)
		esp->spi_b2a ^= 1;
	return 0;
}
