/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * A deterministic m2mkx_random() for the tests.
 *
 * Linked instead of backend/random_openssl.c, it makes every "random"
 * nonce, key and seed a function of a label, so that transcripts can be
 * compared byte for byte with tests/vectors/ and a failure replays
 * identically. Never for anything but tests.
 *
 * The stream for a label is
 *
 *   seed     = SHA-256("m2mkx test drbg" || 0x00 || label)
 *   block(i) = SHA-256(seed || be64(i)),  i = 0, 1, 2, ...
 *
 * and m2mkx_random() hands out its bytes in order, so how a caller splits
 * its requests does not change what it gets. Before any drbg_seed() the
 * stream is that of the empty label.
 */
#ifndef M2MKX_TEST_DRBG_H
#define M2MKX_TEST_DRBG_H

#include <stdint.h>

/* Restarts the stream from @label. */
void drbg_seed(const char *label);

/* How many bytes m2mkx_random() has handed out since the last seed. */
uint64_t drbg_bytes_used(void);

#endif /* M2MKX_TEST_DRBG_H */
