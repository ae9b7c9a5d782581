// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The crypto backend for the userspace programs: every primitive of
 * <m2mkx/crypto.h> on OpenSSL 3 libcrypto, plus the T-key helpers of
 * backend/openssl.h (trust sets from certificate files, T's signer).
 *
 * m2mkx_random() is not here but in random_openssl.c, so that the tests
 * can link a deterministic generator instead.
 */

/*
 * SHA-256 goes through the low-level SHA256_* functions, which OpenSSL 3
 * marks deprecated; see m2mkx_sha256_init() for why we still use them.
 * This must come before any OpenSSL header.
 */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/core_names.h>

#include <m2mkx/bytes.h>
#include <m2mkx/crypto.h>

#include "openssl.h"

/* ------------------------------------------------------------------ */
/* SHA-256                                                             */
/* ------------------------------------------------------------------ */

/*
 * The hash state lives inside the caller's struct m2mkx_sha256_ctx, with
 * no allocation, which the EVP interface cannot do: an EVP_MD_CTX is
 * always heap-allocated and opaque. LM-OTS verification runs ~500 hashes
 * of ~55 bytes, so the per-hash overhead is what counts. Measured on the
 * development machine (AMD EPYC with SHA-NI, gcc -O2, OpenSSL 3.0.19,
 * 10^6 hashes of 55 bytes):
 *
 *   EVP_Digest() with a prefetched EVP_MD          ~90 ns/hash
 *   EVP_MD_CTX_new + Init/Update/Final + free       ~88 ns/hash
 *   one EVP_MD_CTX reused for every hash            ~63 ns/hash
 *   SHA256_Init/Update/Final on a stack state       ~45 ns/hash
 *
 * Both paths end in the same assembler block function; the difference is
 * EVP's dispatch through the provider and its allocations. The low-level
 * functions are deprecated but present throughout OpenSSL 3.x.
 */
_Static_assert(sizeof(SHA256_CTX) <= sizeof(struct m2mkx_sha256_ctx),
	       "SHA256_CTX does not fit struct m2mkx_sha256_ctx");
_Static_assert(_Alignof(SHA256_CTX) <= _Alignof(struct m2mkx_sha256_ctx),
	       "SHA256_CTX needs more alignment than m2mkx_sha256_ctx");

/*
 * The opaque words are only ever touched by libcrypto through this
 * pointer, never read as u64 here, so the type pun is harmless.
 */
static SHA256_CTX *sha256_state(struct m2mkx_sha256_ctx *ctx)
{
	return (SHA256_CTX *)(void *)ctx->opaque;
}

void m2mkx_sha256_init(struct m2mkx_sha256_ctx *ctx)
{
	/* The software SHA-256 cannot fail: its return value is always 1. */
	SHA256_Init(sha256_state(ctx));
}

void m2mkx_sha256_update(struct m2mkx_sha256_ctx *ctx, const void *data,
			 size_t len)
{
	SHA256_Update(sha256_state(ctx), data, len);
}

void m2mkx_sha256_final(struct m2mkx_sha256_ctx *ctx,
			u8 out[M2MKX_SHA256_LEN])
{
	SHA256_Final(out, sha256_state(ctx));
	/* SHA256_Final clears the data block but not the chaining value. */
	OPENSSL_cleanse(ctx, sizeof(*ctx));
}

/* ------------------------------------------------------------------ */
/* AEADs                                                               */
/* ------------------------------------------------------------------ */

/*
 * The ciphers are fetched once. EVP_aes_128_ccm() and friends make
 * every EVP_EncryptInit_ex() look the algorithm up in the provider store
 * again (an "implicit fetch", with a lock and a hash lookup): sealing 64
 * bytes with 16 of AD took ~590 ns that way against ~400 ns prefetched,
 * on the machine of the SHA-256 figures above. The references are kept
 * for the life of the process.
 */
static pthread_once_t ciphers_once = PTHREAD_ONCE_INIT;
static EVP_CIPHER *cipher_aes128_ccm;
static EVP_CIPHER *cipher_chachapoly;

static void ciphers_fetch(void)
{
	cipher_aes128_ccm = EVP_CIPHER_fetch(NULL, "AES-128-CCM", NULL);
	cipher_chachapoly = EVP_CIPHER_fetch(NULL, "ChaCha20-Poly1305", NULL);
}

static const EVP_CIPHER *aes128_ccm(void)
{
	pthread_once(&ciphers_once, ciphers_fetch);
	return cipher_aes128_ccm;
}

static const EVP_CIPHER *chachapoly(void)
{
	pthread_once(&ciphers_once, ciphers_fetch);
	return cipher_chachapoly;
}

/* With a 13-byte nonce the length field has L = 15 - 13 = 2 bytes. */
#define CCM_MAX_LEN 0xffff

static bool ccm_tag_len_ok(size_t tag_len)
{
	return tag_len == 4 || tag_len == 8 || tag_len == 16;
}

/*
 * OpenSSL's CCM runs the whole message through one EVP_*Update() call,
 * and only a call with a non-NULL input and output computes (or checks)
 * the tag. For a zero-length message the caller's pointers may be NULL,
 * so these stand in for them.
 */
static const u8 ccm_no_input[1];

/*
 * Key, nonce, tag length and message length, then the AD: everything CCM
 * needs before the payload, in the order OpenSSL requires.
 */
static int ccm_setup(EVP_CIPHER_CTX *ctx, bool enc,
		     const u8 key[M2MKX_AES128_KEY_LEN],
		     const u8 nonce[M2MKX_CCM_NONCE_LEN],
		     const u8 *ad, size_t ad_len, size_t len,
		     const u8 *tag, size_t tag_len)
{
	const EVP_CIPHER *cipher = aes128_ccm();
	int outl;

	if (!cipher)
		return 0;
	if (EVP_CipherInit_ex(ctx, cipher, NULL, NULL, NULL, enc) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN,
				M2MKX_CCM_NONCE_LEN, NULL) != 1 ||
	    /* Sets M; on decryption it also hands over the expected tag. */
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, (int)tag_len,
				(void *)tag) != 1 ||
	    EVP_CipherInit_ex(ctx, NULL, NULL, key, nonce, enc) != 1 ||
	    /* B0 encodes the message length, so it must come first. */
	    EVP_CipherUpdate(ctx, NULL, &outl, NULL, (int)len) != 1)
		return 0;
	if (ad_len && EVP_CipherUpdate(ctx, NULL, &outl, ad, (int)ad_len) != 1)
		return 0;
	return 1;
}

int m2mkx_aes128_ccm_seal(const u8 key[M2MKX_AES128_KEY_LEN],
			  const u8 nonce[M2MKX_CCM_NONCE_LEN],
			  const u8 *ad, size_t ad_len,
			  const u8 *pt, size_t len,
			  u8 *ct, size_t tag_len)
{
	EVP_CIPHER_CTX *ctx;
	int ret = -M2MKX_ECRYPTO;
	int outl;

	if (!ccm_tag_len_ok(tag_len) || len > CCM_MAX_LEN ||
	    ad_len > INT_MAX)
		return -M2MKX_EINVAL;
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return -M2MKX_ECRYPTO;
	if (!ccm_setup(ctx, true, key, nonce, ad, ad_len, len, NULL, tag_len))
		goto out;
	if (EVP_EncryptUpdate(ctx, ct, &outl, len ? pt : ccm_no_input,
			      (int)len) != 1 ||
	    EVP_EncryptFinal_ex(ctx, ct + len, &outl) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, (int)tag_len,
				ct + len) != 1)
		goto out;
	ret = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	if (ret)
		OPENSSL_cleanse(ct, len + tag_len);
	return ret;
}

int m2mkx_aes128_ccm_open(const u8 key[M2MKX_AES128_KEY_LEN],
			  const u8 nonce[M2MKX_CCM_NONCE_LEN],
			  const u8 *ad, size_t ad_len,
			  const u8 *ct, size_t len,
			  u8 *pt, size_t tag_len)
{
	EVP_CIPHER_CTX *ctx;
	u8 no_output[1];
	int ret = -M2MKX_ECRYPTO;
	int outl;

	if (!ccm_tag_len_ok(tag_len) || len > CCM_MAX_LEN ||
	    ad_len > INT_MAX)
		return -M2MKX_EINVAL;
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return -M2MKX_ECRYPTO;
	if (!ccm_setup(ctx, false, key, nonce, ad, ad_len, len, ct + len,
		       tag_len))
		goto out;
	/*
	 * CCM decrypts, recomputes the MAC and compares it (in constant time)
	 * inside this one call; a mismatch is its only failure once set up.
	 */
	if (EVP_DecryptUpdate(ctx, len ? pt : no_output, &outl,
			      len ? ct : ccm_no_input, (int)len) != 1) {
		ret = -M2MKX_EAUTH;
		goto out;
	}
	ret = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	if (ret) {
		if (len)
			OPENSSL_cleanse(pt, len);
		/* An expected outcome, not an error worth keeping. */
		ERR_clear_error();
	}
	return ret;
}

/*
 * RFC 8439 nonce from the kernel/WireGuard 64-bit one: 32 zero bits, then
 * the counter little-endian.
 */
static void chachapoly_iv(u8 iv[12], u64 nonce)
{
	unsigned int i;

	memset(iv, 0, 4);
	for (i = 0; i < 8; i++)
		iv[4 + i] = (u8)(nonce >> (8 * i));
}

static int chachapoly_setup(EVP_CIPHER_CTX *ctx, bool enc,
			    const u8 key[M2MKX_CHACHAPOLY_KEY_LEN], u64 nonce,
			    const u8 *ad, size_t ad_len)
{
	const EVP_CIPHER *cipher = chachapoly();
	u8 iv[12];
	int outl;

	if (!cipher)
		return 0;
	chachapoly_iv(iv, nonce);
	/* 12 bytes is the cipher's default IV length: no ctrl needed. */
	if (EVP_CipherInit_ex(ctx, cipher, NULL, key, iv, enc) != 1)
		return 0;
	if (ad_len && EVP_CipherUpdate(ctx, NULL, &outl, ad, (int)ad_len) != 1)
		return 0;
	return 1;
}

int m2mkx_chachapoly_seal(const u8 key[M2MKX_CHACHAPOLY_KEY_LEN], u64 nonce,
			  const u8 *ad, size_t ad_len,
			  const u8 *pt, size_t len, u8 *ct)
{
	EVP_CIPHER_CTX *ctx;
	int ret = -M2MKX_ECRYPTO;
	int outl;

	/* EVP counts in int; our messages are datagrams. */
	if (len > INT_MAX - M2MKX_CHACHAPOLY_TAG_LEN || ad_len > INT_MAX)
		return -M2MKX_EINVAL;
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return -M2MKX_ECRYPTO;
	if (!chachapoly_setup(ctx, true, key, nonce, ad, ad_len))
		goto out;
	if (len && EVP_EncryptUpdate(ctx, ct, &outl, pt, (int)len) != 1)
		goto out;
	if (EVP_EncryptFinal_ex(ctx, ct + len, &outl) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG,
				M2MKX_CHACHAPOLY_TAG_LEN, ct + len) != 1)
		goto out;
	ret = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	if (ret)
		OPENSSL_cleanse(ct, len + M2MKX_CHACHAPOLY_TAG_LEN);
	return ret;
}

int m2mkx_chachapoly_open(const u8 key[M2MKX_CHACHAPOLY_KEY_LEN], u64 nonce,
			  const u8 *ad, size_t ad_len,
			  const u8 *ct, size_t len, u8 *pt)
{
	EVP_CIPHER_CTX *ctx;
	u8 tag[M2MKX_CHACHAPOLY_TAG_LEN];
	int ret = -M2MKX_ECRYPTO;
	int outl;

	if (len > INT_MAX - M2MKX_CHACHAPOLY_TAG_LEN || ad_len > INT_MAX)
		return -M2MKX_EINVAL;
	/* Copied first so that decrypting in place (pt == ct) is safe. */
	memcpy(tag, ct + len, sizeof(tag));
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return -M2MKX_ECRYPTO;
	if (!chachapoly_setup(ctx, false, key, nonce, ad, ad_len))
		goto out;
	if (len && EVP_DecryptUpdate(ctx, pt, &outl, ct, (int)len) != 1)
		goto out;
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, sizeof(tag),
				tag) != 1)
		goto out;
	/*
	 * Compares the tag in constant time; all else succeeded already.
	 * Final has no output for this cipher, and @pt may be NULL.
	 */
	if (EVP_DecryptFinal_ex(ctx, tag, &outl) != 1) {
		ret = -M2MKX_EAUTH;
		goto out;
	}
	ret = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	if (ret) {
		if (len)
			OPENSSL_cleanse(pt, len);
		ERR_clear_error();
	}
	return ret;
}

/* ------------------------------------------------------------------ */
/* X25519                                                              */
/* ------------------------------------------------------------------ */

int m2mkx_x25519(u8 shared[M2MKX_X25519_LEN],
		 const u8 secret[M2MKX_X25519_LEN],
		 const u8 peer[M2MKX_X25519_LEN])
{
	EVP_PKEY *sk, *pk;
	EVP_PKEY_CTX *ctx = NULL;
	size_t len = M2MKX_X25519_LEN;
	int ret = -M2MKX_ECRYPTO;
	u8 acc = 0;
	unsigned int i;

	sk = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, secret,
					  M2MKX_X25519_LEN);
	pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, peer,
					 M2MKX_X25519_LEN);
	if (!sk || !pk)
		goto out;
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, sk, NULL);
	/* Every 32-byte string is a valid u-coordinate: nothing to check. */
	if (!ctx || EVP_PKEY_derive_init(ctx) != 1 ||
	    EVP_PKEY_derive_set_peer_ex(ctx, pk, 0) != 1)
		goto out;
	/*
	 * With both keys in place the only way derivation fails is
	 * OpenSSL's own refusal of an all-zero result (RFC 7748 section
	 * 6.1), i.e. a low-order peer point.
	 */
	if (EVP_PKEY_derive(ctx, shared, &len) != 1 ||
	    len != M2MKX_X25519_LEN) {
		ret = -M2MKX_EKEY;
		goto out;
	}
	/* Checked again here so the contract does not rest on OpenSSL's. */
	for (i = 0; i < M2MKX_X25519_LEN; i++)
		acc |= shared[i];
	if (!acc) {
		ret = -M2MKX_EKEY;
		goto out;
	}
	ret = 0;
out:
	if (ret) {
		OPENSSL_cleanse(shared, M2MKX_X25519_LEN);
		ERR_clear_error();
	}
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pk);
	EVP_PKEY_free(sk);	/* clears the copy of @secret */
	return ret;
}

int m2mkx_x25519_public(u8 pub[M2MKX_X25519_LEN],
			const u8 secret[M2MKX_X25519_LEN])
{
	EVP_PKEY *sk;
	size_t len = M2MKX_X25519_LEN;
	int ret = -M2MKX_ECRYPTO;

	sk = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, secret,
					  M2MKX_X25519_LEN);
	if (sk && EVP_PKEY_get_raw_public_key(sk, pub, &len) == 1 &&
	    len == M2MKX_X25519_LEN)
		ret = 0;
	EVP_PKEY_free(sk);
	return ret;
}

/* ------------------------------------------------------------------ */
/* T keys                                                              */
/* ------------------------------------------------------------------ */

/* Certificates and key files are small; anything bigger is a mistake. */
#define KEY_FILE_MAX (1 << 20)

/* RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. */
static int key_id_of_xpubkey(const X509_PUBKEY *xpk,
			     u8 id[M2MKX_TKEY_ID_LEN])
{
	const unsigned char *bits;
	int len;

	if (X509_PUBKEY_get0_param(NULL, &bits, &len, NULL, xpk) != 1 ||
	    EVP_Digest(bits, (size_t)len, id, NULL, EVP_sha1(), NULL) != 1)
		return -M2MKX_ECRYPTO;
	return 0;
}

static int key_id_of_pkey(EVP_PKEY *pkey, u8 id[M2MKX_TKEY_ID_LEN])
{
	X509_PUBKEY *xpk = NULL;
	int ret;

	/* Encodes the SubjectPublicKeyInfo a certificate would carry. */
	if (X509_PUBKEY_set(&xpk, pkey) != 1)
		return -M2MKX_ECRYPTO;
	ret = key_id_of_xpubkey(xpk, id);
	X509_PUBKEY_free(xpk);
	return ret;
}

/*
 * Only plain RSA ("rsaEncryption") keys of a size the kernel verifies and
 * whose signatures fit M2MKX_ROOT_SIG_MAX_LEN.
 */
static bool rsa_key_ok(EVP_PKEY *pkey)
{
	int bits;

	if (!pkey || !EVP_PKEY_is_a(pkey, "RSA"))
		return false;
	bits = EVP_PKEY_get_bits(pkey);
	return bits >= M2MKX_RSA_MIN_BITS && bits <= M2MKX_RSA_MAX_BITS &&
	       EVP_PKEY_get_size(pkey) <= M2MKX_ROOT_SIG_MAX_LEN;
}

/*
 * A context for RSASSA-PKCS1-v1_5 over a SHA-256 digest: OpenSSL wraps
 * the digest in its DigestInfo, exactly what the kernel's
 * pkcs1pad(rsa,sha256) expects. Without the signature md it would sign
 * the bare 32 bytes, which no kernel would accept.
 */
static EVP_PKEY_CTX *rsa_pkcs1_sha256_ctx(EVP_PKEY *pkey, bool sign)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);

	if (!ctx)
		return NULL;
	if ((sign ? EVP_PKEY_sign_init(ctx) : EVP_PKEY_verify_init(ctx)) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) != 1) {
		EVP_PKEY_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

void m2mkx_trust_init(struct m2mkx_trust *trust)
{
	memset(trust, 0, sizeof(*trust));
}

void m2mkx_trust_clear(struct m2mkx_trust *trust)
{
	unsigned int i;

	for (i = 0; i < trust->count && i < M2MKX_TRUST_MAX_KEYS; i++)
		EVP_PKEY_free(trust->keys[i].pkey);
	m2mkx_trust_init(trust);
}

static const struct m2mkx_trust_key *
trust_find(const struct m2mkx_trust *trust, const u8 id[M2MKX_TKEY_ID_LEN])
{
	unsigned int i;

	/* Key ids are public: no need for a constant-time compare. */
	for (i = 0; i < trust->count; i++)
		if (!memcmp(trust->keys[i].id, id, M2MKX_TKEY_ID_LEN))
			return &trust->keys[i];
	return NULL;
}

static int trust_add(struct m2mkx_trust *trust, EVP_PKEY *pkey,
		     const u8 id[M2MKX_TKEY_ID_LEN])
{
	struct m2mkx_trust_key *k;

	if (!rsa_key_ok(pkey))
		return -M2MKX_EKEY;
	/* Same id, same key: loading a file twice is not an error. */
	if (trust_find(trust, id))
		return 0;
	if (trust->count >= M2MKX_TRUST_MAX_KEYS)
		return -M2MKX_EFULL;
	if (EVP_PKEY_up_ref(pkey) != 1)
		return -M2MKX_ECRYPTO;
	k = &trust->keys[trust->count++];
	k->pkey = pkey;
	memcpy(k->id, id, M2MKX_TKEY_ID_LEN);
	return 0;
}

int m2mkx_trust_add_pkey(struct m2mkx_trust *trust, EVP_PKEY *pkey)
{
	u8 id[M2MKX_TKEY_ID_LEN];
	int ret;

	if (!rsa_key_ok(pkey))
		return -M2MKX_EKEY;
	ret = key_id_of_pkey(pkey, id);
	if (ret)
		return ret;
	return trust_add(trust, pkey, id);
}

static int trust_add_x509(struct m2mkx_trust *trust, X509 *cert)
{
	const ASN1_OCTET_STRING *skid;
	u8 id[M2MKX_TKEY_ID_LEN];
	int ret;

	/* Unparseable extensions: the kernel would refuse it as well. */
	if (X509_get_extension_flags(cert) & EXFLAG_INVALID)
		return -M2MKX_EKEY;
	/* The id is hashed from the bits as they stand in the certificate. */
	ret = key_id_of_xpubkey(X509_get_X509_PUBKEY(cert), id);
	if (ret)
		return ret;
	skid = X509_get0_subject_key_id(cert);
	if (skid && (ASN1_STRING_length(skid) != M2MKX_TKEY_ID_LEN ||
		     memcmp(ASN1_STRING_get0_data(skid), id,
			    M2MKX_TKEY_ID_LEN)))
		return -M2MKX_EKEY;
	return trust_add(trust, X509_get0_pubkey(cert), id);
}

/* A DER object that must fill @len bytes exactly. */
static X509 *der_x509(const unsigned char *der, long len, bool aux)
{
	const unsigned char *p = der;
	X509 *cert;

	cert = aux ? d2i_X509_AUX(NULL, &p, len) : d2i_X509(NULL, &p, len);
	if (cert && p != der + len) {
		X509_free(cert);
		cert = NULL;
	}
	return cert;
}

static EVP_PKEY *der_pubkey(const unsigned char *der, long len, bool pkcs1)
{
	const unsigned char *p = der;
	EVP_PKEY *pkey;

	pkey = pkcs1 ? d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, len) :
		       d2i_PUBKEY(NULL, &p, len);
	if (pkey && p != der + len) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
	return pkey;
}

/*
 * One PEM block. Sets *@found when the block is a kind that holds a T
 * key, whether or not it was added.
 */
static int trust_add_pem_block(struct m2mkx_trust *trust, const char *name,
			       const unsigned char *der, long len, bool *found)
{
	bool aux = !strcmp(name, PEM_STRING_X509_TRUSTED);
	X509 *cert;
	EVP_PKEY *pkey;
	int ret;

	if (aux || !strcmp(name, PEM_STRING_X509) ||
	    !strcmp(name, PEM_STRING_X509_OLD)) {
		*found = true;
		cert = der_x509(der, len, aux);
		if (!cert)
			return -M2MKX_EKEY;
		ret = trust_add_x509(trust, cert);
		X509_free(cert);
		return ret;
	}
	if (!strcmp(name, PEM_STRING_PUBLIC) ||
	    !strcmp(name, PEM_STRING_RSA_PUBLIC)) {
		*found = true;
		pkey = der_pubkey(der, len,
				  !strcmp(name, PEM_STRING_RSA_PUBLIC));
		if (!pkey)
			return -M2MKX_EKEY;
		ret = m2mkx_trust_add_pkey(trust, pkey);
		EVP_PKEY_free(pkey);
		return ret;
	}
	return 0;
}

/*
 * Adds the keys of every PEM block in @bio. Sets *@blocks to the number
 * of PEM blocks seen (0: not a PEM file) and *@found when one of them
 * was a certificate or public key.
 */
static int trust_add_pem(struct m2mkx_trust *trust, BIO *bio,
			 unsigned int *blocks, bool *found)
{
	char *name, *header;
	unsigned char *der;
	long len;
	int ret = 0;

	for (;;) {
		if (!PEM_read_bio(bio, &name, &header, &der, &len)) {
			unsigned long e = ERR_peek_last_error();

			/* No further "-----BEGIN" line: the normal end. */
			if (ERR_GET_LIB(e) != ERR_LIB_PEM ||
			    ERR_GET_REASON(e) != PEM_R_NO_START_LINE)
				ret = -M2MKX_EKEY;
			ERR_clear_error();
			return ret;
		}
		++*blocks;
		ret = trust_add_pem_block(trust, name, der, len, found);
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_free(der);
		if (ret)
			return ret;
	}
}

/* Not a PEM file: one DER certificate or SubjectPublicKeyInfo. */
static int trust_add_der(struct m2mkx_trust *trust, const unsigned char *der,
			 long len)
{
	X509 *cert;
	EVP_PKEY *pkey;
	int ret;

	cert = der_x509(der, len, false);
	if (cert) {
		ret = trust_add_x509(trust, cert);
		X509_free(cert);
		return ret;
	}
	pkey = der_pubkey(der, len, false);
	if (pkey) {
		ret = m2mkx_trust_add_pkey(trust, pkey);
		EVP_PKEY_free(pkey);
		return ret;
	}
	return -M2MKX_EKEY;
}

/*
 * Reads a whole small file; *@buf is freed by the caller. errno tells why
 * on -M2MKX_EINVAL.
 */
static int read_small_file(const char *path, unsigned char **buf, long *len)
{
	unsigned char *p;
	size_t n;
	FILE *f;
	int err;

	f = fopen(path, "rb");
	if (!f)
		return -M2MKX_EINVAL;
	p = malloc(KEY_FILE_MAX + 1);
	if (!p) {
		fclose(f);
		errno = ENOMEM;
		return -M2MKX_EINVAL;
	}
	n = fread(p, 1, KEY_FILE_MAX + 1, f);
	err = ferror(f) ? (errno ? errno : EIO) : 0;
	fclose(f);
	if (!err && n > KEY_FILE_MAX)
		err = EFBIG;
	if (err) {
		free(p);
		errno = err;
		return -M2MKX_EINVAL;
	}
	*buf = p;
	*len = (long)n;
	return 0;
}

static void trust_truncate(struct m2mkx_trust *trust, unsigned int count)
{
	while (trust->count > count) {
		struct m2mkx_trust_key *k = &trust->keys[--trust->count];

		EVP_PKEY_free(k->pkey);
		memset(k, 0, sizeof(*k));
	}
}

int m2mkx_trust_add_cert_file(struct m2mkx_trust *trust,
			      const char *pem_path)
{
	unsigned int saved = trust->count, blocks = 0;
	unsigned char *buf;
	bool found = false;
	long len;
	BIO *bio;
	int ret;

	ret = read_small_file(pem_path, &buf, &len);
	if (ret)
		return ret;
	bio = BIO_new_mem_buf(buf, (int)len);
	if (!bio) {
		ret = -M2MKX_ECRYPTO;
		goto out;
	}
	ret = trust_add_pem(trust, bio, &blocks, &found);
	BIO_free(bio);
	if (!blocks)
		ret = trust_add_der(trust, buf, len);
	else if (!ret && !found)
		ret = -M2MKX_EKEY;	/* PEM, but no certificate or key */
out:
	if (ret) {
		trust_truncate(trust, saved);
		ERR_clear_error();
	}
	free(buf);
	return ret;
}

int m2mkx_trust_verify(const struct m2mkx_trust *trust,
		       const u8 key_id[M2MKX_TKEY_ID_LEN],
		       const u8 digest[M2MKX_SHA256_LEN],
		       const u8 *sig, size_t sig_len)
{
	const struct m2mkx_trust_key *k;
	EVP_PKEY_CTX *ctx;
	int rc;

	k = trust ? trust_find(trust, key_id) : NULL;
	if (!k)
		return -M2MKX_ETKEY;
	/*
	 * The kernel's RSA verifier takes only signatures exactly as long as
	 * the modulus; OpenSSL would also take shorter ones. Refuse them
	 * here too so that both ends judge a datagram alike.
	 */
	if (!sig || sig_len != (size_t)EVP_PKEY_get_size(k->pkey))
		return -M2MKX_EROOTSIG;
	ctx = rsa_pkcs1_sha256_ctx(k->pkey, false);
	if (!ctx)
		return -M2MKX_ECRYPTO;
	/*
	 * 1 is a good signature. 0 and negative values both mean it did not
	 * verify: OpenSSL reports a signature that is not even a number below
	 * the modulus as an error, not as a mismatch.
	 */
	rc = EVP_PKEY_verify(ctx, sig, sig_len, digest, M2MKX_SHA256_LEN);
	EVP_PKEY_CTX_free(ctx);
	if (rc == 1)
		return 0;
	ERR_clear_error();
	return -M2MKX_EROOTSIG;
}

/* ------------------------------------------------------------------ */
/* T's signer                                                          */
/* ------------------------------------------------------------------ */

static int signer_set(struct m2mkx_signer *signer, EVP_PKEY *pkey)
{
	int ret;

	if (!rsa_key_ok(pkey))
		return -M2MKX_EKEY;
	ret = key_id_of_pkey(pkey, signer->id);
	if (ret)
		return ret;
	signer->pkey = pkey;
	return 0;
}

/* T's key is protected by file permissions; never ask on the terminal. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

int m2mkx_signer_load(struct m2mkx_signer *signer, const char *pem_path)
{
	EVP_PKEY *pkey;
	FILE *f;
	int ret;

	memset(signer, 0, sizeof(*signer));
	f = fopen(pem_path, "rb");
	if (!f)
		return -M2MKX_EINVAL;
	pkey = PEM_read_PrivateKey(f, NULL, no_passphrase, NULL);
	fclose(f);
	if (!pkey) {
		ERR_clear_error();
		return -M2MKX_EKEY;
	}
	ret = signer_set(signer, pkey);
	if (ret) {
		EVP_PKEY_free(pkey);
		memset(signer, 0, sizeof(*signer));
	}
	return ret;
}

int m2mkx_signer_generate(struct m2mkx_signer *signer, unsigned int bits)
{
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *pkey = NULL;
	BIGNUM *e;
	int ret;

	memset(signer, 0, sizeof(*signer));
	if (bits < M2MKX_RSA_MIN_BITS || bits > M2MKX_RSA_MAX_BITS)
		return -M2MKX_EINVAL;
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	e = BN_new();
	/* 65537 is OpenSSL's default too; stated so it cannot drift. */
	if (!ctx || !e || BN_set_word(e, RSA_F4) != 1 ||
	    EVP_PKEY_keygen_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, (int)bits) != 1 ||
	    EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx, e) != 1 ||
	    EVP_PKEY_generate(ctx, &pkey) != 1) {
		ret = -M2MKX_ECRYPTO;
		goto out;
	}
	ret = signer_set(signer, pkey);
out:
	if (ret) {
		EVP_PKEY_free(pkey);
		memset(signer, 0, sizeof(*signer));
	}
	BN_free(e);
	EVP_PKEY_CTX_free(ctx);
	return ret;
}

int m2mkx_signer_from_pkey(struct m2mkx_signer *signer, EVP_PKEY *pkey)
{
	BIGNUM *d = NULL;
	int ret;

	memset(signer, 0, sizeof(*signer));
	/* A public key alone would only fail later, at the first sign. */
	if (!pkey || EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_D,
					   &d) != 1) {
		ERR_clear_error();
		return -M2MKX_EKEY;
	}
	BN_clear_free(d);
	ret = signer_set(signer, pkey);
	if (ret)
		return ret;
	if (EVP_PKEY_up_ref(pkey) != 1) {
		memset(signer, 0, sizeof(*signer));
		return -M2MKX_ECRYPTO;
	}
	return 0;
}

void m2mkx_signer_free(struct m2mkx_signer *signer)
{
	EVP_PKEY_free(signer->pkey);	/* clears the private key */
	memset(signer, 0, sizeof(*signer));
}

int m2mkx_signer_key_id(const struct m2mkx_signer *signer,
			u8 key_id[M2MKX_TKEY_ID_LEN])
{
	if (!signer->pkey)
		return -M2MKX_EKEY;
	memcpy(key_id, signer->id, M2MKX_TKEY_ID_LEN);
	return 0;
}

int m2mkx_signer_sign(const struct m2mkx_signer *signer,
		      const u8 digest[M2MKX_SHA256_LEN],
		      u8 *sig, size_t *sig_len)
{
	size_t len = M2MKX_ROOT_SIG_MAX_LEN;
	EVP_PKEY_CTX *ctx;
	int ret = -M2MKX_ECRYPTO;

	if (!signer->pkey)
		return -M2MKX_EKEY;
	ctx = rsa_pkcs1_sha256_ctx(signer->pkey, true);
	if (!ctx)
		return -M2MKX_ECRYPTO;
	/* rsa_key_ok() bounded the modulus, so @len is always enough. */
	if (EVP_PKEY_sign(ctx, sig, &len, digest, M2MKX_SHA256_LEN) == 1 &&
	    len == (size_t)EVP_PKEY_get_size(signer->pkey)) {
		*sig_len = len;
		ret = 0;
	}
	EVP_PKEY_CTX_free(ctx);
	return ret;
}

/*
 * Ends a write begun with open(): flushes to disk, closes, and removes the
 * file if anything failed, so that no truncated key or certificate is
 * left behind. Keeps the first errno.
 */
static int finish_file(FILE *f, const char *path, bool ok)
{
	int err = ok ? 0 : (errno ? errno : EIO);

	if (fflush(f) != 0 || fsync(fileno(f)) != 0)
		err = err ? err : errno;
	if (fclose(f) != 0)
		err = err ? err : errno;
	if (err) {
		unlink(path);
		errno = err;
		return -M2MKX_EINVAL;
	}
	return 0;
}

int m2mkx_signer_write_key(const struct m2mkx_signer *signer,
			   const char *path)
{
	FILE *f;
	int fd;
	bool ok;

	if (!signer->pkey)
		return -M2MKX_EKEY;
	/* 0600 from the first byte: no window where the key is readable. */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0600);
	if (fd < 0)
		return -M2MKX_EINVAL;
	f = fdopen(fd, "wb");
	if (!f) {
		close(fd);
		unlink(path);
		return -M2MKX_EINVAL;
	}
	errno = 0;
	ok = PEM_write_PrivateKey(f, signer->pkey, NULL, NULL, 0, NULL,
				  NULL) == 1;
	ERR_clear_error();
	return finish_file(f, path, ok);
}

static int cert_add_ext(X509 *cert, X509V3_CTX *v3, int nid,
			const char *value)
{
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, v3, nid, value);
	int ok;

	if (!ext)
		return 0;
	ok = X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return ok;
}

/* Builds and signs the self-signed certificate described in openssl.h. */
static X509 *signer_make_cert(const struct m2mkx_signer *signer,
			      const char *cn, unsigned int days)
{
	const ASN1_OCTET_STRING *skid;
	X509_NAME *name;
	X509V3_CTX v3;
	BIGNUM *serial;
	X509 *cert;
	bool ok;

	cert = X509_new();
	serial = BN_new();
	if (!cert || !serial)
		goto fail;
	/* 127 random bits with the top one set: positive, never zero. */
	ok = X509_set_version(cert, X509_VERSION_3) == 1 &&
	     BN_rand(serial, 127, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY) == 1 &&
	     BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert)) &&
	     X509_gmtime_adj(X509_getm_notBefore(cert), 0) &&
	     X509_time_adj_ex(X509_getm_notAfter(cert), (int)days, 0, NULL) &&
	     X509_set_pubkey(cert, signer->pkey) == 1;
	if (!ok)
		goto fail;
	name = X509_get_subject_name(cert);
	/* Fails for an empty CN or one over the 64-character bound. */
	if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
				       (const unsigned char *)cn, -1, -1,
				       0) != 1 ||
	    X509_set_issuer_name(cert, name) != 1)
		goto fail;
	X509V3_set_ctx(&v3, cert, cert, NULL, NULL, 0);
	/* SKID before AKID: the AKID of a self-signed cert copies it. */
	if (!cert_add_ext(cert, &v3, NID_subject_key_identifier, "hash") ||
	    !cert_add_ext(cert, &v3, NID_authority_key_identifier,
			  "keyid:always") ||
	    !cert_add_ext(cert, &v3, NID_basic_constraints,
			  "critical,CA:FALSE") ||
	    !cert_add_ext(cert, &v3, NID_key_usage,
			  "critical,digitalSignature"))
		goto fail;
	if (X509_sign(cert, signer->pkey, EVP_sha256()) <= 0)
		goto fail;
	/*
	 * The kernel files the key under this SKID and the core names it by
	 * signer->id: they must be the same bytes.
	 */
	skid = X509_get0_subject_key_id(cert);
	if (!skid || ASN1_STRING_length(skid) != M2MKX_TKEY_ID_LEN ||
	    memcmp(ASN1_STRING_get0_data(skid), signer->id,
		   M2MKX_TKEY_ID_LEN))
		goto fail;
	BN_free(serial);
	return cert;
fail:
	BN_free(serial);
	X509_free(cert);
	return NULL;
}

int m2mkx_signer_write_cert(const struct m2mkx_signer *signer,
			    const char *path, const char *cn,
			    unsigned int days, enum m2mkx_cert_format format)
{
	static const char suffix[] = ".XXXXXX";
	char *tmp;
	X509 *cert;
	FILE *f;
	bool ok;
	int fd, ret;

	if (!signer->pkey)
		return -M2MKX_EKEY;
	/* A century is plenty, and keeps days * 86400 far from overflow. */
	if (!cn || !days || days > 36525 ||
	    (format != M2MKX_CERT_PEM && format != M2MKX_CERT_DER))
		return -M2MKX_EINVAL;
	cert = signer_make_cert(signer, cn, days);
	if (!cert) {
		ERR_clear_error();
		return -M2MKX_EINVAL;
	}
	/*
	 * Written next to @path and renamed over it, so that a reader (or
	 * keyctl) never sees half a certificate.
	 */
	tmp = malloc(strlen(path) + sizeof(suffix));
	if (!tmp) {
		X509_free(cert);
		errno = ENOMEM;
		return -M2MKX_EINVAL;
	}
	strcpy(tmp, path);
	strcat(tmp, suffix);
	ret = -M2MKX_EINVAL;
	fd = mkstemp(tmp);
	if (fd < 0)
		goto out;
	f = fdopen(fd, "wb");
	if (!f) {
		close(fd);
		unlink(tmp);
		goto out;
	}
	errno = 0;
	ok = fchmod(fd, 0644) == 0;
	if (ok)
		ok = format == M2MKX_CERT_PEM ? PEM_write_X509(f, cert) == 1 :
						i2d_X509_fp(f, cert) == 1;
	ret = finish_file(f, tmp, ok);
	if (!ret && rename(tmp, path) != 0) {
		int err = errno;

		unlink(tmp);
		errno = err;
		ret = -M2MKX_EINVAL;
	}
out:
	ERR_clear_error();
	free(tmp);
	X509_free(cert);
	return ret;
}
