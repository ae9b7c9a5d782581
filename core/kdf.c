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

/* Starts @ctx's hash with the key, zero-padded to a block, XOR @pad. */
static void hmac_start(struct m2mkx_hmac_ctx *ctx, u8 pad)
{
	u8 chunk[16];
	size_t off, i;

	m2mkx_sha256_init(&ctx->hash);
	for (off = 0; off < M2MKX_SHA256_BLOCK_LEN; off += sizeof(chunk)) {
		for (i = 0; i < sizeof(chunk); i++)
			chunk[i] = pad ^ (off + i < ctx->key_len ?
					  ctx->key[off + i] : 0);
		m2mkx_sha256_update(&ctx->hash, chunk, sizeof(chunk));
	}
	m2mkx_wipe(chunk, sizeof(chunk));
}

void m2mkx_hmac_init(struct m2mkx_hmac_ctx *ctx, const u8 *key,
		     size_t key_len)
{
	/* A key longer than a block is replaced by its hash (RFC 2104 2). */
	if (key_len > M2MKX_SHA256_BLOCK_LEN) {
		m2mkx_sha256_init(&ctx->hash);
		m2mkx_sha256_update(&ctx->hash, key, key_len);
		m2mkx_sha256_final(&ctx->hash, ctx->key_hash);
		key = ctx->key_hash;
		key_len = M2MKX_SHA256_LEN;
	}
	ctx->key = key;
	ctx->key_len = key_len;
	hmac_start(ctx, HMAC_IPAD);
}

void m2mkx_hmac_update(struct m2mkx_hmac_ctx *ctx, const void *data,
		       size_t len)
{
	m2mkx_sha256_update(&ctx->hash, data, len);
}

void m2mkx_hmac_final(struct m2mkx_hmac_ctx *ctx, u8 out[M2MKX_SHA256_LEN])
{
	u8 inner[M2MKX_SHA256_LEN];

	m2mkx_sha256_final(&ctx->hash, inner);
	hmac_start(ctx, HMAC_OPAD);
	m2mkx_sha256_update(&ctx->hash, inner, sizeof(inner));
	m2mkx_sha256_final(&ctx->hash, out);
	m2mkx_wipe(inner, sizeof(inner));
	/* The final wiped the hash; this covers the hashed key too. */
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
