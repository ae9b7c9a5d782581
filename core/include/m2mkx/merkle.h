/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The Merkle tree over the proxies' one-time public keys, hashed exactly as
 * an LMS tree (RFC 8554 section 5): node r of a tree of height h is
 *   leaf (r >= 2^h):  H(I || u32(r) || u16(D_LEAF) || K[r - 2^h])
 *   inner (r < 2^h):  H(I || u32(r) || u16(D_INTR) || T[2r] || T[2r+1])
 * and the root is T[1]. Because the hashing is LMS's, RFC 8554 Appendix F
 * test vectors verify through this code (m2mkx_lms_verify()).
 */
#ifndef M2MKX_MERKLE_H
#define M2MKX_MERKLE_H

#include "types.h"
#include "ots.h"

/* T's trees have at most M2MKX_MAX_PROXIES = 16 leaves. */
#define M2MKX_MERKLE_MAX_HEIGHT 4
/* LMS trees verified by m2mkx_lms_verify() (RFC 8554 H5 .. H25). */
#define M2MKX_LMS_MAX_HEIGHT 25

/* LMS type codes (RFC 8554 section 5.1). */
enum m2mkx_lms_type {
	M2MKX_LMS_SHA256_M32_H5 = 0x00000005,
	M2MKX_LMS_SHA256_M32_H10 = 0x00000006,
	M2MKX_LMS_SHA256_M32_H15 = 0x00000007,
	M2MKX_LMS_SHA256_M32_H20 = 0x00000008,
	M2MKX_LMS_SHA256_M32_H25 = 0x00000009,
};

/* Smallest h with 2^h >= @leaves (0 for a single leaf). */
unsigned int m2mkx_merkle_height(unsigned int leaves);

/*
 * Builds the whole tree of height @height (<= M2MKX_MERKLE_MAX_HEIGHT) from
 * the 2^height leaf public key hashes at @K (32 bytes each). @nodes receives
 * 2^(height+1) * 32 bytes: node r at @nodes + r * 32 (node 0 unused).
 */
int m2mkx_merkle_build(const u8 I[M2MKX_LMS_I_LEN], unsigned int height,
		       const u8 *K, u8 *nodes);

/* Writes the authentication path of leaf @q (@height * 32 bytes). */
int m2mkx_merkle_path(unsigned int height, const u8 *nodes, u32 q, u8 *path);

/*
 * Climbs from leaf @q with public key hash @K along @path (@height * 32
 * bytes, height up to M2MKX_LMS_MAX_HEIGHT) and writes the root it
 * reaches. The caller compares it with the root T signed, in constant time.
 */
int m2mkx_merkle_root(const u8 I[M2MKX_LMS_I_LEN], unsigned int height,
		      u32 q, const u8 K[M2MKX_OTS_HASH_LEN], const u8 *path,
		      u8 root[M2MKX_OTS_HASH_LEN]);

/*
 * Verifies an LMS signature (RFC 8554 section 5.4.2) under the public key
 * @pub (u32 lms type || u32 ots type || I || T[1]). Returns 0 when valid,
 * -M2MKX_EINVAL for an unusable public key, -M2MKX_EOTSSIG or
 * -M2MKX_EMERKLE for a signature that does not verify. The tests run
 * the RFC's HSS test vectors through it (m2mkx_hss_verify()), and so
 * through the same OTS and tree code the protocol uses.
 */
int m2mkx_lms_verify(const u8 *pub, size_t pub_len, const u8 *msg,
		     size_t msg_len, const u8 *sig, size_t sig_len);

/*
 * The length of the LMS signature at @sig as its type fields say, if
 * @avail bytes hold it; else 0.
 */
size_t m2mkx_lms_sig_len(const u8 *sig, size_t avail);

/* An HSS public key: u32 levels || the top LMS public key. */
#define M2MKX_HSS_PUB_LEN (4 + 4 + 4 + M2MKX_LMS_I_LEN + M2MKX_OTS_HASH_LEN)

/*
 * Verifies an HSS signature (RFC 8554 section 6.3) of up to 8 levels,
 * each through m2mkx_lms_verify(), which says what the results mean.
 * For the RFC's own test vectors (Appendix F), which are HSS.
 */
int m2mkx_hss_verify(const u8 *pub, size_t pub_len, const u8 *msg,
		     size_t msg_len, const u8 *sig, size_t sig_len);

#endif /* M2MKX_MERKLE_H */
