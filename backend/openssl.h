/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The OpenSSL backend's side of the T-key interface: what the userspace
 * programs need to build a trust set from certificate files and to play T.
 *
 * crypto.h leaves struct m2mkx_trust and struct m2mkx_signer to the
 * backend; here they hold OpenSSL keys. The core only ever sees pointers
 * to them, so nothing in core/ includes this header.
 *
 * Unless noted, functions return 0 or a negative M2MKX_E* code. File
 * errors come back as -M2MKX_EINVAL with errno left as the failing system
 * call set it, so that a program can print strerror(errno); a file that
 * is readable but holds no usable key is -M2MKX_EKEY.
 */
#ifndef M2MKX_BACKEND_OPENSSL_H
#define M2MKX_BACKEND_OPENSSL_H

#include <openssl/types.h>

#include <m2mkx/crypto.h>

/*
 * A server trusts a handful of T keys (one, plus its successor during a
 * rollover); a fixed array keeps struct m2mkx_trust a plain value.
 */
#define M2MKX_TRUST_MAX_KEYS 8

/*
 * T keys are RSA of 2048 to 4096 bits: 2048 is the floor for a key that
 * signs for years, 4096 the most whose signature fits
 * M2MKX_ROOT_SIG_MAX_LEN.
 */
#define M2MKX_RSA_MIN_BITS 2048
#define M2MKX_RSA_MAX_BITS 4096

struct m2mkx_trust_key {
	EVP_PKEY *pkey;
	/* RFC 5280 method 1: SHA-1 of the subjectPublicKey BIT STRING. */
	u8 id[M2MKX_TKEY_ID_LEN];
};

/* An all-zero struct m2mkx_trust is an empty set. */
struct m2mkx_trust {
	unsigned int count;
	struct m2mkx_trust_key keys[M2MKX_TRUST_MAX_KEYS];
};

struct m2mkx_signer {
	EVP_PKEY *pkey;
	u8 id[M2MKX_TKEY_ID_LEN];
};

void m2mkx_trust_init(struct m2mkx_trust *trust);

/*
 * Adds every T key found in the file at @pem_path: PEM blocks CERTIFICATE,
 * PUBLIC KEY or RSA PUBLIC KEY (other blocks, such as a private key kept
 * in the same file, are skipped), or else a single DER certificate or DER
 * SubjectPublicKeyInfo (what the kernel keyring takes). A certificate
 * whose subjectKeyIdentifier is not the method-1 hash is refused: the
 * kernel would file its key under that other id, and T names keys by the
 * method-1 hash. The certificate's validity dates are not checked; T's
 * authorisations carry their own expiry. Keys already in the set are
 * skipped. All or nothing: on error the set is as it was.
 * -M2MKX_EFULL when the set has no room.
 */
int m2mkx_trust_add_cert_file(struct m2mkx_trust *trust,
			      const char *pem_path);
/* Adds @pkey; the set takes its own reference, the caller keeps theirs. */
int m2mkx_trust_add_pkey(struct m2mkx_trust *trust, EVP_PKEY *pkey);
/* Drops every key; the set is empty (and reusable) afterwards. */
void m2mkx_trust_clear(struct m2mkx_trust *trust);

/*
 * The loaders write *@signer without reading it: release a signer that
 * holds a key with m2mkx_signer_free() first.
 *
 * m2mkx_signer_load() reads an unencrypted PEM private key (PKCS#8
 * "PRIVATE KEY" or PKCS#1 "RSA PRIVATE KEY"); an encrypted one fails
 * rather than prompting on the terminal.
 */
int m2mkx_signer_load(struct m2mkx_signer *signer, const char *pem_path);
/* A fresh RSA key of @bits (2048..4096) with e = 65537. */
int m2mkx_signer_generate(struct m2mkx_signer *signer, unsigned int bits);
/*
 * Wraps a private key the caller already holds (a test's deterministic
 * key, say); the signer takes its own reference.
 */
int m2mkx_signer_from_pkey(struct m2mkx_signer *signer, EVP_PKEY *pkey);
void m2mkx_signer_free(struct m2mkx_signer *signer);

/*
 * Saves the private key as unencrypted PKCS#8 PEM, mode 0600. Refuses to
 * replace an existing file (errno EEXIST): overwriting T's key by mistake
 * would orphan every server that trusts it.
 */
int m2mkx_signer_write_key(const struct m2mkx_signer *signer,
			   const char *path);

enum m2mkx_cert_format {
	M2MKX_CERT_PEM,
	/* What "keyctl padd asymmetric NAME KEYRING < FILE" expects. */
	M2MKX_CERT_DER,
};

/*
 * Writes a self-signed X.509 v3 certificate for the signer's key, valid
 * from now for @days, subject and issuer CN=@cn, serial random, with
 * subjectKeyIdentifier = method-1 hash (so the kernel files the key under
 * the id T signs with), authorityKeyIdentifier = the same, basicConstraints
 * CA:FALSE and keyUsage digitalSignature (both critical), signed with
 * sha256WithRSAEncryption. Replaces @path if it exists; mode 0644.
 */
int m2mkx_signer_write_cert(const struct m2mkx_signer *signer,
			    const char *path, const char *cn,
			    unsigned int days, enum m2mkx_cert_format format);

#endif /* M2MKX_BACKEND_OPENSSL_H */
