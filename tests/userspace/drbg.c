// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The deterministic test generator described in drbg.h.
 *
 * It hashes with OpenSSL directly rather than with the backend's
 * m2mkx_sha256_*(), so that a bug in the code under test cannot also
 * change the "random" inputs it is tested with.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <m2mkx/bytes.h>
#include <m2mkx/crypto.h>

#include "drbg.h"

#define DRBG_DOMAIN "m2mkx test drbg"

/*
 * One process-wide stream: m2mkx_random() has no context argument, and a
 * test program is one deterministic scenario at a time. The mutex only
 * keeps a threaded test free of data races; with several threads drawing
 * at once the order, and so the bytes each gets, is not reproducible.
 */
static pthread_mutex_t drbg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	bool seeded;
	u8 seed[SHA256_DIGEST_LENGTH];
	u64 counter;			/* next block to generate */
	u8 block[SHA256_DIGEST_LENGTH];
	size_t avail;			/* unused bytes at the end of block */
	u64 used;
} drbg;

static void drbg_seed_locked(const char *label)
{
	static const char domain[] = DRBG_DOMAIN;
	EVP_MD_CTX *md = EVP_MD_CTX_new();

	/* The domain string goes in with its NUL, as the separator. */
	if (!md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(md, domain, sizeof(domain)) != 1 ||
	    EVP_DigestUpdate(md, label, strlen(label)) != 1 ||
	    EVP_DigestFinal_ex(md, drbg.seed, NULL) != 1) {
		/* Without its generator no test result would mean anything. */
		fprintf(stderr, "drbg: cannot hash the seed\n");
		abort();
	}
	EVP_MD_CTX_free(md);
	drbg.counter = 0;
	drbg.avail = 0;
	drbg.used = 0;
	drbg.seeded = true;
}

void drbg_seed(const char *label)
{
	pthread_mutex_lock(&drbg_lock);
	drbg_seed_locked(label);
	pthread_mutex_unlock(&drbg_lock);
}

uint64_t drbg_bytes_used(void)
{
	u64 used;

	pthread_mutex_lock(&drbg_lock);
	used = drbg.used;
	pthread_mutex_unlock(&drbg_lock);
	return used;
}

static void drbg_next_block(void)
{
	u8 in[SHA256_DIGEST_LENGTH + 8];

	memcpy(in, drbg.seed, SHA256_DIGEST_LENGTH);
	m2mkx_put_be64(in + SHA256_DIGEST_LENGTH, drbg.counter++);
	SHA256(in, sizeof(in), drbg.block);
	drbg.avail = sizeof(drbg.block);
}

int m2mkx_random(void *buf, size_t len)
{
	u8 *out = buf;

	pthread_mutex_lock(&drbg_lock);
	if (!drbg.seeded)
		drbg_seed_locked("");
	drbg.used += len;
	while (len) {
		size_t n;

		if (!drbg.avail)
			drbg_next_block();
		n = len < drbg.avail ? len : drbg.avail;
		memcpy(out, drbg.block + sizeof(drbg.block) - drbg.avail, n);
		drbg.avail -= n;
		out += n;
		len -= n;
	}
	pthread_mutex_unlock(&drbg_lock);
	return 0;
}
