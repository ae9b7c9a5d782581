/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * HMAC-SHA256 (RFC 2104) and HKDF-SHA256 (RFC 5869), built on the backend's
 * SHA-256: Debian's 6.1 kernel has no HKDF helper, and one construction
 * used by every build is simpler than three.
 */
#ifndef M2MKX_KDF_H
#define M2MKX_KDF_H

#include "types.h"
#include "crypto.h"

/*
 * One hash context, the inner hash and then the outer, and the key: the
 * caller's @key must stay unchanged until m2mkx_hmac_final(). On a sensor
 * this keeps a second hash context off the stack.
 */
struct m2mkx_hmac_ctx {
	struct m2mkx_sha256_ctx hash;
	const u8 *key;
	size_t key_len;
	u8 key_hash[M2MKX_SHA256_LEN];	/* a key longer than a block */
};

void m2mkx_hmac_init(struct m2mkx_hmac_ctx *ctx, const u8 *key,
		     size_t key_len);
void m2mkx_hmac_update(struct m2mkx_hmac_ctx *ctx, const void *data,
		       size_t len);
/* Writes the MAC and wipes @ctx. */
void m2mkx_hmac_final(struct m2mkx_hmac_ctx *ctx, u8 out[M2MKX_SHA256_LEN]);

void m2mkx_hmac(u8 out[M2MKX_SHA256_LEN], const u8 *key, size_t key_len,
		const void *data, size_t len);

void m2mkx_hkdf_extract(u8 prk[M2MKX_SHA256_LEN], const u8 *salt,
			size_t salt_len, const u8 *ikm, size_t ikm_len);
/* @out_len <= 255 * 32. */
int m2mkx_hkdf_expand(u8 *out, size_t out_len,
		      const u8 prk[M2MKX_SHA256_LEN],
		      const u8 *info, size_t info_len);

#endif /* M2MKX_KDF_H */
