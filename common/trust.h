/* SPDX-License-Identifier: GPL-2.0 */
/*
 * T's certificates as the m2mkx module takes them: DER X.509 certificates
 * with a subject key identifier, as "asymmetric" keys in a keyring (the
 * kernel files each under that identifier, which is how the module finds
 * T's key by the key id a root names). m2mkx-agent loads its
 * TrustCertificate files this way, m2mctl trust manages them by hand.
 */
#ifndef M2MKX_COMMON_TRUST_H
#define M2MKX_COMMON_TRUST_H

#include <stddef.h>
#include <stdint.h>

enum trust_err {
	TRUST_ERR_IO = -1,		/* errno says why */
	TRUST_ERR_NONE = -2,		/* no certificate in the file */
	TRUST_ERR_NO_SKID = -3,		/* a certificate lacks one */
	TRUST_ERR_ENCODE = -4,		/* OpenSSL cannot encode it */
	TRUST_ERR_KEYRING = -5,		/* add_key() refused; errno */
};

/* What a trust_err means, for "FILE: <this>" messages. */
const char *trust_strerror(int err);

/*
 * Adds every certificate of @path to @keyring: PEM CERTIFICATE, X509
 * CERTIFICATE and TRUSTED CERTIFICATE blocks, or else one DER
 * certificate. Bare public keys will not do: the kernel needs the
 * certificate's subject key identifier. Returns how many it added, or a
 * trust_err; certificates before a failing one stay added.
 */
int trust_add_file(int32_t keyring, const char *path);

/* An asymmetric key of a keyring: its serial and the kernel's description. */
struct trust_key {
	int32_t serial;
	char description[256];
};

/*
 * The asymmetric keys linked into @keyring, up to @cap of them in @keys.
 * Returns how many there are (possibly more than @cap), or -1 with errno.
 */
int trust_list(int32_t keyring, struct trust_key *keys, size_t cap);

/* Unlinks key @serial from @keyring. 0, or -1 with errno. */
int trust_del(int32_t keyring, int32_t serial);

#endif /* M2MKX_COMMON_TRUST_H */
