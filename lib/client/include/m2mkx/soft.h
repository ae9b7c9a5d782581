/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The portable crypto backend bundled with libm2mkx-client: AES-128,
 * CCM and SHA-256 in plain C, nothing else. It implements the part of
 * crypto.h that A uses (m2mkx_sha256_*, m2mkx_aes128_ccm_*); the
 * platform supplies m2mkx_random() from its RNG.
 *
 * Hooks: the CCM mode runs on the two block-cipher functions below. A
 * platform with an AES peripheral builds without soft/aes.c and defines
 * them itself (M2MKX_AES128_CTX_WORDS sizes its context), keeping the
 * bundled CCM and SHA-256.
 */
#ifndef M2MKX_SOFT_H
#define M2MKX_SOFT_H

#include <m2mkx/types.h>

#ifndef M2MKX_AES128_CTX_WORDS
#define M2MKX_AES128_CTX_WORDS 4	/* the key: round keys come on the fly */
#endif

struct m2mkx_aes128 {
	u32 w[M2MKX_AES128_CTX_WORDS];
};

void m2mkx_aes128_setkey(struct m2mkx_aes128 *ctx, const u8 key[16]);
void m2mkx_aes128_encrypt(const struct m2mkx_aes128 *ctx, const u8 in[16],
			  u8 out[16]);

/*
 * CCM with any of SP 800-38C's nonce lengths (7..13) and tag lengths
 * (4..16, even), and associated data of any length: the general mode the
 * NIST examples exercise, of which crypto.h's AES-128-CCM is the
 * 13-byte-nonce case. Seal writes @len bytes and the tag to @out; open
 * reads them from @in and returns -M2MKX_EAUTH, with @out wiped, when the
 * tag does not verify. Both work in place.
 */
int m2mkx_soft_ccm_seal(const u8 key[16], const u8 *nonce, size_t nonce_len,
			const u8 *ad, size_t ad_len, const u8 *in, size_t len,
			u8 *out, size_t tag_len);
int m2mkx_soft_ccm_open(const u8 key[16], const u8 *nonce, size_t nonce_len,
			const u8 *ad, size_t ad_len, const u8 *in, size_t len,
			u8 *out, size_t tag_len);

/*
 * Work the backend did, for the energy model: AES block encryptions and
 * SHA-256 compressions since the last reset. Compiled in only with
 * M2MKX_SOFT_COUNTERS (host tests and benchmarks); firmware builds
 * without them and the functions are not defined.
 */
struct m2mkx_soft_counters {
	u32 aes_blocks;
	u32 sha256_blocks;
};

void m2mkx_soft_counters_get(struct m2mkx_soft_counters *c);
void m2mkx_soft_counters_reset(void);

#endif /* M2MKX_SOFT_H */
