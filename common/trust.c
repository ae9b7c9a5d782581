// SPDX-License-Identifier: GPL-2.0
/*
 * T's certificates in a keyring (see trust.h), through OpenSSL and
 * libkeyutils.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <keyutils.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/keyring.h"
#include "common/trust.h"

const char *trust_strerror(int err)
{
	switch (err) {
	case TRUST_ERR_IO:
	case TRUST_ERR_KEYRING:
		return strerror(errno);
	case TRUST_ERR_NONE:
		return "no certificate: the module takes T's key from a certificate, not a bare public key";
	case TRUST_ERR_NO_SKID:
		return "a certificate without subject key identifier: the module could not find its key";
	case TRUST_ERR_ENCODE:
		return "cannot encode a certificate";
	default:
		return "unknown error";
	}
}

static int add_one(int32_t keyring, X509 *x)
{
	unsigned char *der = NULL;
	int len, ret = 0;

	if (!X509_get0_subject_key_id(x))
		return TRUST_ERR_NO_SKID;
	len = i2d_X509(x, &der);
	if (len <= 0)
		return TRUST_ERR_ENCODE;
	if (keyring_add_certificate(keyring, der, (size_t)len) < 0)
		ret = TRUST_ERR_KEYRING;
	OPENSSL_free(der);
	return ret;
}

int trust_add_file(int32_t keyring, const char *path)
{
	int added = 0, ret = 0, err;
	X509 *x;
	BIO *bio;

	errno = 0;
	bio = BIO_new_file(path, "rb");
	if (!bio) {
		if (!errno)
			errno = EIO;
		return TRUST_ERR_IO;
	}
	for (;;) {
		x = PEM_read_bio_X509_AUX(bio, NULL, NULL, NULL);
		if (!x && !added) {
			/* No PEM certificate at all: one DER certificate? */
			ERR_clear_error();
			if (BIO_reset(bio) == 0)
				x = d2i_X509_bio(bio, NULL);
		}
		if (!x)
			break;
		ret = add_one(keyring, x);
		err = errno;
		X509_free(x);
		if (ret) {
			errno = err;
			break;
		}
		added++;
	}
	ERR_clear_error();
	BIO_free(bio);
	if (ret)
		return ret;
	return added ? added : TRUST_ERR_NONE;
}

int trust_list(int32_t keyring, struct trust_key *keys, size_t cap)
{
	key_serial_t *ids = NULL;
	size_t n, i, found = 0;
	int len, semi;

	len = keyctl_read_alloc(keyring, (void **)&ids);
	if (len < 0)
		return -1;
	n = (size_t)len / sizeof(*ids);
	for (i = 0; i < n; i++) {
		char *desc = NULL, *name;

		/* "type;uid;gid;perm;description"; keys we may not see skip. */
		if (keyctl_describe_alloc(ids[i], &desc) < 0)
			continue;
		if (strncmp(desc, "asymmetric;", 11)) {
			free(desc);
			continue;
		}
		name = desc;
		for (semi = 0; semi < 4 && name; semi++) {
			name = strchr(name, ';');
			if (name)
				name++;
		}
		if (found < cap) {
			keys[found].serial = ids[i];
			snprintf(keys[found].description,
				 sizeof(keys[found].description), "%s",
				 name ? name : "");
		}
		found++;
		free(desc);
	}
	free(ids);
	return (int)found;
}

int trust_del(int32_t keyring, int32_t serial)
{
	return keyctl_unlink(serial, keyring) < 0 ? -1 : 0;
}
