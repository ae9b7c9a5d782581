// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * m2mkx_random() for the userspace programs, from OpenSSL's generator.
 *
 * A file of its own so that the tests can link tests/userspace/drbg.c in
 * its place and get reproducible transcripts.
 */
#include <limits.h>

#include <openssl/rand.h>

#include <m2mkx/crypto.h>

int m2mkx_random(void *buf, size_t len)
{
	unsigned char *p = buf;

	/*
	 * RAND_bytes() is OpenSSL's public DRBG, seeded from getrandom() and
	 * reseeded after fork(), so processes never share a stream. It counts
	 * in int, hence the loop.
	 */
	while (len) {
		int n = len > INT_MAX ? INT_MAX : (int)len;

		if (RAND_bytes(p, n) != 1)
			return -M2MKX_ECRYPTO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
