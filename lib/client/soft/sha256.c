// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * SHA-256 (FIPS 180-4) for the bundled backend, written for size: the
 * message schedule is a rolling window of 16 words instead of 64.
 */
#include <m2mkx/bytes.h>
#include <m2mkx/crypto.h>

#include "counters.h"

struct sha256_state {
	u32 h[8];
	u64 bytes;			/* message length so far */
	u8 buf[M2MKX_SHA256_BLOCK_LEN];
};

_Static_assert(sizeof(struct sha256_state) <= sizeof(struct m2mkx_sha256_ctx),
	       "struct m2mkx_sha256_ctx is too small for the software state");

static const u32 k256[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static const u32 h0[8] = {
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

static u32 ror(u32 v, unsigned int n)
{
	return v >> n | v << (32 - n);
}

static void compress(u32 h[8], const u8 block[M2MKX_SHA256_BLOCK_LEN])
{
	u32 w[16], v[8], t1, t2, s0, s1;
	unsigned int i;

	m2mkx_soft_count_sha256();
	for (i = 0; i < 8; i++)
		v[i] = h[i];
	for (i = 0; i < 64; i++) {
		if (i < 16) {
			w[i] = m2mkx_get_be32(block + 4 * i);
		} else {
			s0 = w[(i + 1) & 15];
			s0 = ror(s0, 7) ^ ror(s0, 18) ^ (s0 >> 3);
			s1 = w[(i + 14) & 15];
			s1 = ror(s1, 17) ^ ror(s1, 19) ^ (s1 >> 10);
			w[i & 15] += s0 + s1 + w[(i + 9) & 15];
		}
		t1 = v[7] + (ror(v[4], 6) ^ ror(v[4], 11) ^ ror(v[4], 25)) +
		     ((v[4] & v[5]) ^ (~v[4] & v[6])) + k256[i] + w[i & 15];
		t2 = (ror(v[0], 2) ^ ror(v[0], 13) ^ ror(v[0], 22)) +
		     ((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));
		v[7] = v[6];
		v[6] = v[5];
		v[5] = v[4];
		v[4] = v[3] + t1;
		v[3] = v[2];
		v[2] = v[1];
		v[1] = v[0];
		v[0] = t1 + t2;
	}
	for (i = 0; i < 8; i++)
		h[i] += v[i];
	m2mkx_wipe(w, sizeof(w));
	m2mkx_wipe(v, sizeof(v));
}

void m2mkx_sha256_init(struct m2mkx_sha256_ctx *ctx)
{
	struct sha256_state *s = (struct sha256_state *)ctx;

	memcpy(s->h, h0, sizeof(s->h));
	s->bytes = 0;
}

void m2mkx_sha256_update(struct m2mkx_sha256_ctx *ctx, const void *data,
			 size_t len)
{
	struct sha256_state *s = (struct sha256_state *)ctx;
	const u8 *p = data;
	size_t fill = s->bytes % M2MKX_SHA256_BLOCK_LEN;
	size_t n;

	s->bytes += len;
	while (len) {
		n = M2MKX_SHA256_BLOCK_LEN - fill;
		if (n > len)
			n = len;
		memcpy(s->buf + fill, p, n);
		fill += n;
		p += n;
		len -= n;
		if (fill == M2MKX_SHA256_BLOCK_LEN) {
			compress(s->h, s->buf);
			fill = 0;
		}
	}
}

void m2mkx_sha256_final(struct m2mkx_sha256_ctx *ctx,
			u8 out[M2MKX_SHA256_LEN])
{
	struct sha256_state *s = (struct sha256_state *)ctx;
	size_t fill = s->bytes % M2MKX_SHA256_BLOCK_LEN;
	u64 bits = s->bytes * 8;
	unsigned int i;

	/* 0x80, zeros up to 56 mod 64, the length in bits. */
	s->buf[fill++] = 0x80;
	if (fill > M2MKX_SHA256_BLOCK_LEN - 8) {
		memset(s->buf + fill, 0, M2MKX_SHA256_BLOCK_LEN - fill);
		compress(s->h, s->buf);
		fill = 0;
	}
	memset(s->buf + fill, 0, M2MKX_SHA256_BLOCK_LEN - 8 - fill);
	m2mkx_put_be64(s->buf + M2MKX_SHA256_BLOCK_LEN - 8, bits);
	compress(s->h, s->buf);
	for (i = 0; i < 8; i++)
		m2mkx_put_be32(out + 4 * i, s->h[i]);
	m2mkx_wipe(ctx, sizeof(*ctx));
}
