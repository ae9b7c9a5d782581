// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * HMAC-SHA256 (RFC 2104) and HKDF-SHA256 (RFC 5869) on the backend's
 * incremental SHA-256, so that every build derives keys with the same
 * code.
 */
#include <m2mkx/bytes.h>
#include <m2mkx/errors.h>
#include <m2mkx/kdf.h>

#define HMAC_IPAD 0x36
#define HMAC_OPAD 0x5c

void m2mkx_hmac_init(struct m2mkx_hmac_ctx *ctx, const u8 *key,
		     size_t key_len)
{
	u8 block[M2MKX_SHA256_BLOCK_LEN];
	size_t i;

	/*
	 * The key, zero-padded to one block; a key longer than a block is
	 * replaced by its hash first (RFC 2104 section 2).
	 */
	memset(block, 0, sizeof(block));
	if (key_len > M2MKX_SHA256_BLOCK_LEN) {
		m2mkx_sha256_init(&ctx->inner);
		m2mkx_sha256_update(&ctx->inner, key, key_len);
		m2mkx_sha256_final(&ctx->inner, block);
	} else if (key_len) {
		memcpy(block, key, key_len);
	}

	for (i = 0; i < sizeof(block); i++)
		block[i] ^= HMAC_IPAD;
	m2mkx_sha256_init(&ctx->inner);
	m2mkx_sha256_update(&ctx->inner, block, sizeof(block));

	/* Turns K ^ ipad into K ^ opad without keeping K itself around. */
	for (i = 0; i < sizeof(block); i++)
		block[i] ^= HMAC_IPAD ^ HMAC_OPAD;
	m2mkx_sha256_init(&ctx->outer);
	m2mkx_sha256_update(&ctx->outer, block, sizeof(block));

	m2mkx_wipe(block, sizeof(block));
}

void m2mkx_hmac_update(struct m2mkx_hmac_ctx *ctx, const void *data,
		       size_t len)
{
	m2mkx_sha256_update(&ctx->inner, data, len);
}

void m2mkx_hmac_final(struct m2mkx_hmac_ctx *ctx, u8 out[M2MKX_SHA256_LEN])
{
	u8 inner[M2MKX_SHA256_LEN];

	m2mkx_sha256_final(&ctx->inner, inner);
	m2mkx_sha256_update(&ctx->outer, inner, sizeof(inner));
	m2mkx_sha256_final(&ctx->outer, out);
	m2mkx_wipe(inner, sizeof(inner));
	/* Both finals wiped their halves; this covers any padding too. */
	m2mkx_wipe(ctx, sizeof(*ctx));
}

void m2mkx_hmac(u8 out[M2MKX_SHA256_LEN], const u8 *key, size_t key_len,
		const void *data, size_t len)
{
	struct m2mkx_hmac_ctx ctx;

	m2mkx_hmac_init(&ctx, key, key_len);
	m2mkx_hmac_update(&ctx, data, len);
	m2mkx_hmac_final(&ctx, out);
}

void m2mkx_hkdf_extract(u8 prk[M2MKX_SHA256_LEN], const u8 *salt,
			size_t salt_len, const u8 *ikm, size_t ikm_len)
{
	/*
	 * RFC 5869 replaces a missing salt by HashLen zero bytes. HMAC pads
	 * its key with zeros to a block anyway, so an empty salt already is
	 * that key.
	 */
	m2mkx_hmac(prk, salt, salt_len, ikm, ikm_len);
}

int m2mkx_hkdf_expand(u8 *out, size_t out_len,
		      const u8 prk[M2MKX_SHA256_LEN],
		      const u8 *info, size_t info_len)
{
	struct m2mkx_hmac_ctx ctx;
	u8 t[M2MKX_SHA256_LEN];
	size_t done = 0, n;
	unsigned int i;
	u8 counter;

	if (out_len > 255 * M2MKX_SHA256_LEN)
		return -M2MKX_EINVAL;

	/* T(i) = HMAC(PRK, T(i - 1) || info || i), T(0) empty. */
	for (i = 1; done < out_len; i++) {
		counter = (u8)i;	/* at most 255: out_len checked above */
		/*
		 * The key schedule is redone for every block rather than
		 * copied: crypto.h does not promise that a backend's hash
		 * state may be duplicated, and outputs are a block or two.
		 */
		m2mkx_hmac_init(&ctx, prk, M2MKX_SHA256_LEN);
		if (i > 1)
			m2mkx_hmac_update(&ctx, t, sizeof(t));
		m2mkx_hmac_update(&ctx, info, info_len);
		m2mkx_hmac_update(&ctx, &counter, 1);
		m2mkx_hmac_final(&ctx, t);

		n = out_len - done;
		if (n > sizeof(t))
			n = sizeof(t);
		memcpy(out + done, t, n);
		done += n;
	}
	m2mkx_wipe(t, sizeof(t));
	return 0;
}
