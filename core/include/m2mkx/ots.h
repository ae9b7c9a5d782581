/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * One-time signatures for the proxies: LM-OTS (RFC 8554, section 4) and
 * the paper's Lamport scheme over SHA-256.
 *
 * Private keys are never stored: they are derived from a 32-byte seed as in
 * RFC 8554 Appendix A, x[i] = H(I || u32(q) || u16(i) || u8(0xff) || SEED),
 * so T ships a seed to a proxy rather than kilobytes of key.
 *
 * A public key is summarised by its 32-byte hash K, which is what the
 * Merkle tree commits to. Verification follows RFC 8554 Algorithm 4b: it
 * computes the candidate K from the signature and message, and the caller
 * checks that candidate against a Merkle root.
 */
#ifndef M2MKX_OTS_H
#define M2MKX_OTS_H

#include "types.h"

#define M2MKX_LMS_I_LEN 16
#define M2MKX_OTS_SEED_LEN 32
#define M2MKX_OTS_HASH_LEN 32

/* Type codes as signatures carry them (RFC 8554 section 5.1 registry). */
enum m2mkx_ots_type {
	M2MKX_LMOTS_SHA256_N32_W1 = 0x00000001,
	M2MKX_LMOTS_SHA256_N32_W2 = 0x00000002,
	M2MKX_LMOTS_SHA256_N32_W4 = 0x00000003,
	M2MKX_LMOTS_SHA256_N32_W8 = 0x00000004,
};

/*
 * The paper's Lamport scheme, outside the IANA-assigned range: this
 * protocol's own. A macro, as the value does not fit an int enumerator.
 */
#define M2MKX_OTS_LAMPORT_SHA256 0xe0000001u

#define M2MKX_OTS_DEFAULT M2MKX_LMOTS_SHA256_N32_W4

/* Largest signature of any type: Lamport, 4 + 512 * 32 bytes. */
#define M2MKX_OTS_MAX_SIG_LEN (4 + 512 * 32)

/* Signature length of @type in bytes, 0 for an unknown type. */
size_t m2mkx_ots_sig_len(u32 type);

/*
 * A one-time private key. @used is set once it has signed, and the seed is
 * wiped then: the key cannot sign again even if the caller asks.
 */
struct m2mkx_ots_key {
	u32 type;
	u32 q;
	u8 I[M2MKX_LMS_I_LEN];
	u8 seed[M2MKX_OTS_SEED_LEN];
	bool used;
};

/*
 * Computes the public key hash K of the key @key; -M2MKX_EOTSUSED once the
 * key has signed (its seed is gone).
 */
int m2mkx_ots_public(const struct m2mkx_ots_key *key,
		     u8 K[M2MKX_OTS_HASH_LEN]);

/*
 * Signs @msg into @sig (m2mkx_ots_sig_len() bytes, at most @sig_cap).
 * LM-OTS draws its randomiser C from m2mkx_random(). Fails with
 * -M2MKX_EOTSUSED when @key has signed before; on any return the key is
 * spent and its seed wiped.
 */
int m2mkx_ots_sign(struct m2mkx_ots_key *key, const u8 *msg, size_t msg_len,
		   u8 *sig, size_t sig_cap);

/*
 * RFC 8554 Algorithm 4b: from a signature @sig over @msg by key (@I, @q),
 * computes the candidate public key hash @kc. Fails with -M2MKX_EOTSSIG
 * when the signature is malformed (length, or a type other than
 * @expected_type).
 */
int m2mkx_ots_candidate(u32 expected_type, const u8 I[M2MKX_LMS_I_LEN], u32 q,
			const u8 *msg, size_t msg_len,
			const u8 *sig, size_t sig_len,
			u8 kc[M2MKX_OTS_HASH_LEN]);

#endif /* M2MKX_OTS_H */
