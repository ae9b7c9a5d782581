/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The crypto backend interface: every primitive the protocol core uses, and
 * nothing else. The core never calls a crypto library directly.
 *
 * A backend is chosen at link time, one per build: OpenSSL libcrypto for the
 * userspace programs (backend/openssl.c), the kernel crypto API for the
 * module (kernel/m2mkx/crypto.c), a small portable one for sensor firmware.
 * Link-time binding keeps the sensor build free of function-pointer tables
 * and lets a platform replace a single primitive (hardware AES, its TRNG).
 *
 * All functions return 0 on success or a negative M2MKX_E* code; the
 * authenticated-decryption functions return -M2MKX_EAUTH when the tag does
 * not verify, and then leave the output wiped. Every AEAD may work in
 * place: the output may be the very buffer of the input.
 */
#ifndef M2MKX_CRYPTO_H
#define M2MKX_CRYPTO_H

#include "types.h"
#include "errors.h"

#define M2MKX_SHA256_LEN 32
#define M2MKX_SHA256_BLOCK_LEN 64

/*
 * Room for a backend's incremental SHA-256 state. 128 bytes hold the
 * state of every backend we have (a plain software state is 104 bytes,
 * the kernel's shash descriptor for sha256 120); each backend asserts at
 * build time that its state fits. Firmware with libm2mkx-client's bundled
 * backend defines it as 13, the software state's 104 bytes, and saves the
 * rest of every hash context on its stack.
 */
#ifndef M2MKX_SHA256_CTX_WORDS
#define M2MKX_SHA256_CTX_WORDS 16
#endif

struct m2mkx_sha256_ctx {
	u64 opaque[M2MKX_SHA256_CTX_WORDS];
};

/*
 * A context is used from init to final by one caller; copying it to fork a
 * running hash is not part of the interface (the kernel's shash state may
 * not allow it).
 */
void m2mkx_sha256_init(struct m2mkx_sha256_ctx *ctx);
void m2mkx_sha256_update(struct m2mkx_sha256_ctx *ctx, const void *data,
			 size_t len);
/* Writes the digest and wipes @ctx. */
void m2mkx_sha256_final(struct m2mkx_sha256_ctx *ctx,
			u8 out[M2MKX_SHA256_LEN]);

/*
 * AES-128-CCM (RFC 3610, NIST SP 800-38C) as 802.15.4 radios implement it:
 * a 13-byte nonce (so L = 2, payloads up to 65535 bytes) and a tag of
 * @tag_len bytes, one of 4, 8 or 16. @ct receives @len bytes of ciphertext
 * followed by the tag. A zero @len is a pure MAC over @ad.
 */
#define M2MKX_AES128_KEY_LEN 16
#define M2MKX_CCM_NONCE_LEN 13

int m2mkx_aes128_ccm_seal(const u8 key[M2MKX_AES128_KEY_LEN],
			  const u8 nonce[M2MKX_CCM_NONCE_LEN],
			  const u8 *ad, size_t ad_len,
			  const u8 *pt, size_t len,
			  u8 *ct, size_t tag_len);
/* @ct holds @len bytes of ciphertext and then the tag; @pt gets @len bytes. */
int m2mkx_aes128_ccm_open(const u8 key[M2MKX_AES128_KEY_LEN],
			  const u8 nonce[M2MKX_CCM_NONCE_LEN],
			  const u8 *ad, size_t ad_len,
			  const u8 *ct, size_t len,
			  u8 *pt, size_t tag_len);

/*
 * ChaCha20-Poly1305 (RFC 8439) with the 64-bit nonce of the kernel's
 * lib/crypto and WireGuard: the 96-bit RFC nonce is 32 zero bits followed
 * by @nonce in little-endian order. @ct gets @len bytes and a 16-byte tag.
 */
#define M2MKX_CHACHAPOLY_KEY_LEN 32
#define M2MKX_CHACHAPOLY_TAG_LEN 16

int m2mkx_chachapoly_seal(const u8 key[M2MKX_CHACHAPOLY_KEY_LEN], u64 nonce,
			  const u8 *ad, size_t ad_len,
			  const u8 *pt, size_t len, u8 *ct);
/* @ct holds @len bytes of ciphertext followed by the tag. */
int m2mkx_chachapoly_open(const u8 key[M2MKX_CHACHAPOLY_KEY_LEN], u64 nonce,
			  const u8 *ad, size_t ad_len,
			  const u8 *ct, size_t len, u8 *pt);

/*
 * X25519 (RFC 7748). m2mkx_x25519() fails with -M2MKX_EKEY when the shared
 * secret is all zero, i.e. @peer is a low-order point.
 */
#define M2MKX_X25519_LEN 32

int m2mkx_x25519(u8 shared[M2MKX_X25519_LEN],
		 const u8 secret[M2MKX_X25519_LEN],
		 const u8 peer[M2MKX_X25519_LEN]);
int m2mkx_x25519_public(u8 pub[M2MKX_X25519_LEN],
			const u8 secret[M2MKX_X25519_LEN]);

/* Fills @buf from a cryptographically secure generator. */
int m2mkx_random(void *buf, size_t len);

/*
 * T's signature over a Merkle root: RSA PKCS#1 v1.5 with SHA-256, the one
 * signature scheme Debian's stock 6.1 kernel can verify through its
 * asymmetric-key API. The core hashes what is signed and hands the backend
 * the digest, as the kernel's public_key_verify_signature() expects.
 *
 * T's key is named by its X.509 subjectKeyIdentifier (RFC 5280 method 1,
 * SHA-1 of the subjectPublicKey bits): the id the kernel's X.509 parser
 * records and find_asymmetric_key() searches by.
 *
 * struct m2mkx_trust is defined by the backend: the set of T keys a server
 * accepts (a kernel keyring, or keys loaded from certificate files).
 */
#define M2MKX_TKEY_ID_LEN 20
#define M2MKX_ROOT_SIG_MAX_LEN 512

struct m2mkx_trust;

/*
 * @sig must be exactly as long as the key's modulus, as the kernel's RSA
 * verifier requires.
 */
int m2mkx_trust_verify(const struct m2mkx_trust *trust,
		       const u8 key_id[M2MKX_TKEY_ID_LEN],
		       const u8 digest[M2MKX_SHA256_LEN],
		       const u8 *sig, size_t sig_len);

/*
 * T's private key, only in builds that play T (userspace). @sig receives at
 * most M2MKX_ROOT_SIG_MAX_LEN bytes and @sig_len their number.
 */
struct m2mkx_signer;

int m2mkx_signer_key_id(const struct m2mkx_signer *signer,
			u8 key_id[M2MKX_TKEY_ID_LEN]);
int m2mkx_signer_sign(const struct m2mkx_signer *signer,
		      const u8 digest[M2MKX_SHA256_LEN],
		      u8 *sig, size_t *sig_len);

#endif /* M2MKX_CRYPTO_H */
