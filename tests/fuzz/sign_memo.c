// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * T's RSA signatures, remembered (the targets are linked with
 * -Wl,--wrap=m2mkx_signer_sign).
 *
 * Every input that brings T a genuine PROXY_REQUEST in a state before T
 * answered it makes T sign a root, and the fuzzer keeps and mutates such
 * inputs: RSA-3072 private operations took three quarters of fuzz_issuer's
 * time. Each input sees the same randomness (roles.c), so the same input
 * prefix yields the same root and the same digest. RSA PKCS#1 v1.5 is
 * deterministic: the signature a digest had once is the one the backend
 * would make again, so answering from memory changes nothing T does
 * but its speed. The first signature of each digest is the backend's.
 *
 * Global and mutable on purpose: it outlives the inputs, which is the
 * point, and a fuzz target runs one input at a time.
 */
#include <string.h>

#include "fuzz.h"

int __real_m2mkx_signer_sign(const struct m2mkx_signer *signer,
			     const u8 digest[M2MKX_SHA256_LEN], u8 *sig,
			     size_t *sig_len);
int __wrap_m2mkx_signer_sign(const struct m2mkx_signer *signer,
			     const u8 digest[M2MKX_SHA256_LEN], u8 *sig,
			     size_t *sig_len);

#define SIGN_MEMO_SLOTS 1024

static struct sign_memo {
	const struct m2mkx_signer *signer;
	u8 digest[M2MKX_SHA256_LEN];
	u8 sig[M2MKX_ROOT_SIG_MAX_LEN];
	size_t sig_len;
} sign_memo[SIGN_MEMO_SLOTS];

int __wrap_m2mkx_signer_sign(const struct m2mkx_signer *signer,
			     const u8 digest[M2MKX_SHA256_LEN], u8 *sig,
			     size_t *sig_len)
{
	/* The digest is a hash: any 16 bits of it are a fine slot number. */
	struct sign_memo *m = &sign_memo[(digest[0] << 8 | digest[1]) %
					 SIGN_MEMO_SLOTS];
	int ret;

	if (m->signer == signer &&
	    !memcmp(m->digest, digest, sizeof(m->digest))) {
		memcpy(sig, m->sig, m->sig_len);
		*sig_len = m->sig_len;
		return 0;
	}
	ret = __real_m2mkx_signer_sign(signer, digest, sig, sig_len);
	if (ret || *sig_len > sizeof(m->sig))
		return ret;
	m->signer = signer;
	memcpy(m->digest, digest, sizeof(m->digest));
	memcpy(m->sig, sig, *sig_len);
	m->sig_len = *sig_len;
	return 0;
}
