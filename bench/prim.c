// SPDX-License-Identifier: GPL-2.0
/*
 * Part 1: the primitives, each called exactly as the core calls it
 * (crypto.h, kdf.h, ots.h, merkle.h, share.h), never OpenSSL directly,
 * so per-call overheads of the backend interface are in the figures.
 *
 * Inputs come from the test DRBG (the bench links drbg.c for world.c),
 * so runs are repeatable; m2mkx_random() inside OTS signing and Shamir
 * splitting is that DRBG too, not RAND_bytes().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <m2mkx/bytes.h>
#include <m2mkx/crypto.h>
#include <m2mkx/kdf.h>
#include <m2mkx/keys.h>
#include <m2mkx/merkle.h>
#include <m2mkx/ots.h>
#include <m2mkx/share.h>

#include "backend/openssl.h"
#include "tests/userspace/drbg.h"
#include "tests/userspace/world.h"

#include "bench.h"

/* Keeps results observable so that no loop is optimised into nothing. */
static volatile u8 bench_sink;

static void rnd(void *buf, size_t len)
{
	if (m2mkx_random(buf, len))
		bench_die("m2mkx_random failed");
}

static void measure(const char *name, bench_loop fn, void *arg,
		    u64 min_iters, const char *note)
{
	char full[96];

	snprintf(full, sizeof(full), "prim.%s.ns", name);
	bench_emit(full, bench_median_ns(fn, arg, min_iters), "ns/op", note);
	bench_summary.primitives++;
}

/* ---------------------------------------------------------------- */
/* SHA-256, HMAC, HKDF                                               */
/* ---------------------------------------------------------------- */

/* I || u32(q) || u16(i) || u8(j): what an LM-OTS chain step hashes first. */
#define CHAIN_PFX_LEN (M2MKX_LMS_I_LEN + 4 + 2 + 1)

struct hash_arg {
	u8 pfx[CHAIN_PFX_LEN];
	u8 tmp[M2MKX_SHA256_LEN];
	u8 buf[1024];
	u8 key[32];
	u8 info[M2MKX_SESSION_LEN + 2 * M2MKX_ID_LEN + 1 +
		2 * M2MKX_X25519_LEN];
	u8 out[96];
};

/*
 * Exactly one chain step of ots.c: init, the 23-byte prefix, the 32-byte
 * value, final, with the output fed back as the next input, as a chain
 * does.
 */
static void loop_sha55(void *p, u64 iters)
{
	struct hash_arg *a = p;
	struct m2mkx_sha256_ctx ctx;
	u64 i;

	for (i = 0; i < iters; i++) {
		a->pfx[CHAIN_PFX_LEN - 1] = (u8)i;
		m2mkx_sha256_init(&ctx);
		m2mkx_sha256_update(&ctx, a->pfx, sizeof(a->pfx));
		m2mkx_sha256_update(&ctx, a->tmp, sizeof(a->tmp));
		m2mkx_sha256_final(&ctx, a->tmp);
	}
	bench_sink = a->tmp[0];
}

static void loop_sha1k(void *p, u64 iters)
{
	struct hash_arg *a = p;
	struct m2mkx_sha256_ctx ctx;
	u64 i;

	for (i = 0; i < iters; i++) {
		m2mkx_sha256_init(&ctx);
		m2mkx_sha256_update(&ctx, a->buf, sizeof(a->buf));
		m2mkx_sha256_final(&ctx, a->buf);
	}
	bench_sink = a->buf[0];
}

/* The size of B's HMACs: N_pb, confirm, session id are 30..70 bytes. */
static void loop_hmac(void *p, u64 iters)
{
	struct hash_arg *a = p;
	u64 i;

	for (i = 0; i < iters; i++)
		m2mkx_hmac(a->buf, a->key, sizeof(a->key), a->buf, 64);
	bench_sink = a->buf[0];
}

/* derive_p2b()'s expansion: 96 bytes of keys from an 89-byte info. */
static void loop_hkdf(void *p, u64 iters)
{
	struct hash_arg *a = p;
	u64 i;

	for (i = 0; i < iters; i++) {
		if (m2mkx_hkdf_expand(a->out, 96, a->key, a->info,
				      sizeof(a->info)))
			bench_die("hkdf_expand failed");
		a->key[0] ^= a->out[0];
	}
	bench_sink = a->key[0];
}

/* ---------------------------------------------------------------- */
/* AEADs, X25519, RSA                                                */
/* ---------------------------------------------------------------- */

#define AEAD_PT_LEN 16
#define AEAD_AD_LEN 32

struct aead_arg {
	u8 key[32];
	u8 nonce[M2MKX_CCM_NONCE_LEN];
	u8 ad[AEAD_AD_LEN];
	u8 pt[AEAD_PT_LEN];
	u8 ct[AEAD_PT_LEN + 16];
	u8 ccm_ct[AEAD_PT_LEN + M2MKX_TAG_LEN];
	u8 cp_ct[AEAD_PT_LEN + M2MKX_CHACHAPOLY_TAG_LEN];
	u8 out[AEAD_PT_LEN];
};

static void loop_ccm_seal(void *p, u64 iters)
{
	struct aead_arg *a = p;
	u64 i;

	for (i = 0; i < iters; i++)
		if (m2mkx_aes128_ccm_seal(a->key, a->nonce, a->ad, AEAD_AD_LEN,
					  a->pt, AEAD_PT_LEN, a->ct,
					  M2MKX_TAG_LEN))
			bench_die("ccm_seal failed");
	bench_sink = a->ct[0];
}

static void loop_ccm_open(void *p, u64 iters)
{
	struct aead_arg *a = p;
	u64 i;

	for (i = 0; i < iters; i++)
		if (m2mkx_aes128_ccm_open(a->key, a->nonce, a->ad, AEAD_AD_LEN,
					  a->ccm_ct, AEAD_PT_LEN, a->out,
					  M2MKX_TAG_LEN))
			bench_die("ccm_open failed");
	bench_sink = a->out[0];
}

static void loop_cp_seal(void *p, u64 iters)
{
	struct aead_arg *a = p;
	u64 i;

	for (i = 0; i < iters; i++)
		if (m2mkx_chachapoly_seal(a->key, i, a->ad, AEAD_AD_LEN, a->pt,
					  AEAD_PT_LEN, a->ct))
			bench_die("chachapoly_seal failed");
	bench_sink = a->ct[0];
}

static void loop_cp_open(void *p, u64 iters)
{
	struct aead_arg *a = p;
	u64 i;

	for (i = 0; i < iters; i++)
		if (m2mkx_chachapoly_open(a->key, 0, a->ad, AEAD_AD_LEN,
					  a->cp_ct, AEAD_PT_LEN, a->out))
			bench_die("chachapoly_open failed");
	bench_sink = a->out[0];
}

struct x25519_arg {
	u8 secret[M2MKX_X25519_LEN];
	u8 peer[M2MKX_X25519_LEN];
	u8 shared[M2MKX_X25519_LEN];
};

static void loop_x25519(void *p, u64 iters)
{
	struct x25519_arg *a = p;
	u64 i;

	for (i = 0; i < iters; i++)
		if (m2mkx_x25519(a->shared, a->secret, a->peer))
			bench_die("x25519 failed");
	bench_sink = a->shared[0];
}

/*
 * Measured because OpenSSL derives the public key whenever it loads a raw
 * private key: this is the part of m2mkx_x25519() that is not the DH.
 */
static void loop_x25519_public(void *p, u64 iters)
{
	struct x25519_arg *a = p;
	u64 i;

	for (i = 0; i < iters; i++)
		if (m2mkx_x25519_public(a->shared, a->secret))
			bench_die("x25519_public failed");
	bench_sink = a->shared[0];
}

struct rsa_arg {
	const struct m2mkx_signer *signer;
	struct m2mkx_trust trust;
	u8 digest[M2MKX_SHA256_LEN];
	u8 sig[M2MKX_ROOT_SIG_MAX_LEN];
	size_t sig_len;
};

static void loop_rsa_verify(void *p, u64 iters)
{
	struct rsa_arg *a = p;
	u64 i;

	for (i = 0; i < iters; i++)
		if (m2mkx_trust_verify(&a->trust, a->signer->id, a->digest,
				       a->sig, a->sig_len))
			bench_die("trust_verify failed");
}

static void loop_rsa_sign(void *p, u64 iters)
{
	struct rsa_arg *a = p;
	u8 sig[M2MKX_ROOT_SIG_MAX_LEN];
	size_t len;
	u64 i;

	for (i = 0; i < iters; i++)
		if (m2mkx_signer_sign(a->signer, a->digest, sig, &len))
			bench_die("signer_sign failed");
	bench_sink = sig[0];
}

/* ---------------------------------------------------------------- */
/* One-time signatures                                               */
/* ---------------------------------------------------------------- */

/*
 * Several keys and messages, cycled: the cost of LM-OTS depends on the
 * digits of the message hash, so one message would measure one draw of
 * that cost rather than its mean.
 */
#define OTS_MSGS 16
#define OTS_MSG_LEN M2MKX_SHA256_LEN	/* B's OTS signs a digest */

struct ots_arg {
	u32 type;
	size_t sig_len;
	struct m2mkx_ots_key keys[OTS_MSGS];	/* never used: templates */
	u8 K[OTS_MSGS][M2MKX_OTS_HASH_LEN];
	u8 msg[OTS_MSGS][OTS_MSG_LEN];
	u8 *sigs;				/* OTS_MSGS signatures */
	u8 *scratch;
};

static void loop_ots_sign(void *p, u64 iters)
{
	struct ots_arg *a = p;
	struct m2mkx_ots_key key;
	u64 i;

	for (i = 0; i < iters; i++) {
		unsigned int j = (unsigned int)(i % OTS_MSGS);

		/* A key signs once: sign with a fresh copy every time. */
		key = a->keys[j];
		if (m2mkx_ots_sign(&key, a->msg[j], OTS_MSG_LEN, a->scratch,
				   a->sig_len))
			bench_die("ots_sign failed");
	}
	bench_sink = a->scratch[a->sig_len - 1];
}

static void loop_ots_verify(void *p, u64 iters)
{
	struct ots_arg *a = p;
	u8 kc[M2MKX_OTS_HASH_LEN];
	u64 i;

	for (i = 0; i < iters; i++) {
		unsigned int j = (unsigned int)(i % OTS_MSGS);

		if (m2mkx_ots_candidate(a->type, a->keys[j].I, a->keys[j].q,
					a->msg[j], OTS_MSG_LEN,
					a->sigs + j * a->sig_len, a->sig_len,
					kc))
			bench_die("ots_candidate failed");
	}
	bench_sink = kc[0];
}

static void loop_ots_keygen(void *p, u64 iters)
{
	struct ots_arg *a = p;
	u8 K[M2MKX_OTS_HASH_LEN];
	u64 i;

	for (i = 0; i < iters; i++)
		if (m2mkx_ots_public(&a->keys[i % OTS_MSGS], K))
			bench_die("ots_public failed");
	bench_sink = K[0];
}

/*
 * Hash accounting, to tell the per-call cost of SHA-256 from its
 * per-block cost inside the OTS figures. The digits of the message hash
 * decide how many chain steps run, so they are recomputed here from RFC
 * 8554 (sections 3.1.3, 4.4, 4.6) and proven right by verifying every
 * signature independently of ots.c.
 */
#define D_PBLC 0x8080
#define D_MESG 0x8181

/* Compression-function calls SHA-256 makes for @len bytes. */
static unsigned int sha_blocks(size_t len)
{
	return (unsigned int)((len + 8) / M2MKX_SHA256_BLOCK_LEN + 1);
}

/* RFC 8554 section 4.1: p and ls of LM-OTS with n = 32 and width @w. */
static void lmots_shape(unsigned int w, unsigned int *p, unsigned int *ls)
{
	unsigned int u = (8 * M2MKX_OTS_HASH_LEN + w - 1) / w;
	unsigned int max_sum = ((1u << w) - 1) * u, bits = 0, v;

	while ((1u << bits) <= max_sum)
		bits++;			/* floor(lg(max_sum)) + 1 */
	v = (bits + w - 1) / w;
	*p = u + v;
	*ls = 16 - v * w;
}

static unsigned int coef(const u8 *s, unsigned int i, unsigned int w)
{
	return (s[i * w / 8] >> (8 - (w * (i % (8 / w)) + w))) &
	       ((1u << w) - 1);
}

static void ots_hdr(struct m2mkx_sha256_ctx *ctx, const u8 *I, u32 q, u16 d)
{
	u8 hdr[M2MKX_LMS_I_LEN + 4 + 2];

	memcpy(hdr, I, M2MKX_LMS_I_LEN);
	m2mkx_put_be32(hdr + M2MKX_LMS_I_LEN, q);
	m2mkx_put_be16(hdr + M2MKX_LMS_I_LEN + 4, d);
	m2mkx_sha256_init(ctx);
	m2mkx_sha256_update(ctx, hdr, sizeof(hdr));
}

/* One chain step, H(I || u32(q) || u16(i) || u8(j) || tmp), in place. */
static void chain_step(const u8 *I, u32 q, u16 i, u8 j, u8 tmp[32])
{
	struct m2mkx_sha256_ctx ctx;
	u8 pfx[CHAIN_PFX_LEN];

	memcpy(pfx, I, M2MKX_LMS_I_LEN);
	m2mkx_put_be32(pfx + M2MKX_LMS_I_LEN, q);
	m2mkx_put_be16(pfx + M2MKX_LMS_I_LEN + 4, i);
	pfx[CHAIN_PFX_LEN - 1] = j;
	m2mkx_sha256_init(&ctx);
	m2mkx_sha256_update(&ctx, pfx, sizeof(pfx));
	m2mkx_sha256_update(&ctx, tmp, 32);
	m2mkx_sha256_final(&ctx, tmp);
}

struct ots_count {
	double calls[3], blocks[3];	/* sign, verify, keygen; means */
};

enum { OP_SIGN, OP_VERIFY, OP_KEYGEN };

/*
 * Counts the hashes of each operation on signature @j and checks the
 * signature by recomputing K the RFC's way.
 */
static void ots_account(const struct ots_arg *a, unsigned int j,
			struct ots_count *c)
{
	const struct m2mkx_ots_key *key = &a->keys[j];
	const u8 *sig = a->sigs + j * a->sig_len;
	struct m2mkx_sha256_ctx ctx;
	u8 qc[M2MKX_OTS_HASH_LEN + 2], tmp[32], K[32];
	unsigned int w = 0, p, ls, i, top, steps = 0, sum = 0, digit;
	const u8 *y;

	if (a->type != M2MKX_OTS_LAMPORT_SHA256) {
		w = 1u << (a->type - M2MKX_LMOTS_SHA256_N32_W1);
		lmots_shape(w, &p, &ls);
		if (a->sig_len != 4 + 32 + (size_t)p * 32)
			bench_die("LM-OTS shape disagrees with ots.c");
		top = (1u << w) - 1;
		ots_hdr(&ctx, key->I, key->q, D_MESG);
		m2mkx_sha256_update(&ctx, sig + 4, 32);		/* C */
		m2mkx_sha256_update(&ctx, a->msg[j], OTS_MSG_LEN);
		m2mkx_sha256_final(&ctx, qc);
		for (i = 0; i < 8 * M2MKX_OTS_HASH_LEN / w; i++)
			sum += top - coef(qc, i, w);
		m2mkx_put_be16(qc + M2MKX_OTS_HASH_LEN, (u16)(sum << ls));

		ots_hdr(&ctx, key->I, key->q, D_PBLC);
		y = sig + 4 + 32;
		for (i = 0; i < p; i++, y += 32) {
			digit = coef(qc, i, w);
			memcpy(tmp, y, 32);
			for (; digit < top; digit++, steps++)
				chain_step(key->I, key->q, (u16)i, (u8)digit,
					   tmp);
			m2mkx_sha256_update(&ctx, tmp, 32);
		}
		m2mkx_sha256_final(&ctx, K);
		/* Candidate: Q, the remaining chain steps, K. */
		c->calls[OP_VERIFY] += steps + 2;
		c->blocks[OP_VERIFY] += steps +
			sha_blocks(22 + 32 + OTS_MSG_LEN) +
			sha_blocks(22 + 32 * (size_t)p);
		/* Sign: Q, p private values, the steps up to each digit. */
		c->calls[OP_SIGN] += 1 + p + (p * top - steps);
		c->blocks[OP_SIGN] += sha_blocks(22 + 32 + OTS_MSG_LEN) + p +
				      (p * top - steps);
		/* Public key: p private values, whole chains, K. */
		c->calls[OP_KEYGEN] += p + p * top + 1;
		c->blocks[OP_KEYGEN] += p + p * top +
					sha_blocks(22 + 32 * (size_t)p);
	} else {
		/* Lamport: one bit of Q per pair; one step per pair. */
		unsigned int bits = 8 * M2MKX_OTS_HASH_LEN;

		ots_hdr(&ctx, key->I, key->q, D_MESG);
		m2mkx_sha256_update(&ctx, a->msg[j], OTS_MSG_LEN);
		m2mkx_sha256_final(&ctx, qc);
		ots_hdr(&ctx, key->I, key->q, D_PBLC);
		y = sig + 4;
		for (i = 0; i < bits; i++, y += 64) {
			unsigned int b = coef(qc, i, 1);

			memcpy(tmp, y, 32);
			chain_step(key->I, key->q, (u16)(2 * i + b), 0, tmp);
			m2mkx_sha256_update(&ctx, b ? y + 32 : tmp, 32);
			m2mkx_sha256_update(&ctx, b ? tmp : y + 32, 32);
		}
		m2mkx_sha256_final(&ctx, K);
		c->calls[OP_VERIFY] += bits + 2;
		c->blocks[OP_VERIFY] += bits + sha_blocks(22 + OTS_MSG_LEN) +
					sha_blocks(22 + 64 * (size_t)bits);
		/* Sign: Q, both private values per bit, one step. */
		c->calls[OP_SIGN] += 1 + 3 * bits;
		c->blocks[OP_SIGN] += sha_blocks(22 + OTS_MSG_LEN) + 3 * bits;
		c->calls[OP_KEYGEN] += 4 * bits + 1;
		c->blocks[OP_KEYGEN] += 4 * bits +
					sha_blocks(22 + 64 * (size_t)bits);
	}
	if (memcmp(K, a->K[j], sizeof(K)))
		bench_die("OTS type %#x: RFC 8554 recomputation does not reach K",
			  a->type);
}

static const struct {
	u32 type;
	const char *name;
} ots_types[] = {
	{ M2MKX_LMOTS_SHA256_N32_W1, "lmots_w1" },
	{ M2MKX_LMOTS_SHA256_N32_W2, "lmots_w2" },
	{ M2MKX_LMOTS_SHA256_N32_W4, "lmots_w4" },
	{ M2MKX_LMOTS_SHA256_N32_W8, "lmots_w8" },
	{ M2MKX_OTS_LAMPORT_SHA256, "lamport" },
};

static struct ots_count ots_counts[M2MKX_ARRAY_SIZE(ots_types)];

static void bench_ots(unsigned int t)
{
	struct ots_arg *a = calloc(1, sizeof(*a));
	u8 kc[M2MKX_OTS_HASH_LEN];
	char name[64], note[64];
	unsigned int j;

	if (!a)
		bench_die("out of memory");
	a->type = ots_types[t].type;
	a->sig_len = m2mkx_ots_sig_len(a->type);
	a->sigs = malloc(OTS_MSGS * a->sig_len);
	a->scratch = malloc(a->sig_len);
	if (!a->sigs || !a->scratch)
		bench_die("out of memory");
	for (j = 0; j < OTS_MSGS; j++) {
		struct m2mkx_ots_key key;

		a->keys[j].type = a->type;
		a->keys[j].q = j;
		rnd(a->keys[j].I, sizeof(a->keys[j].I));
		rnd(a->keys[j].seed, sizeof(a->keys[j].seed));
		rnd(a->msg[j], OTS_MSG_LEN);
		if (m2mkx_ots_public(&a->keys[j], a->K[j]))
			bench_die("ots_public failed");
		key = a->keys[j];
		if (m2mkx_ots_sign(&key, a->msg[j], OTS_MSG_LEN,
				   a->sigs + j * a->sig_len, a->sig_len) ||
		    m2mkx_ots_candidate(a->type, key.I, key.q, a->msg[j],
					OTS_MSG_LEN, a->sigs + j * a->sig_len,
					a->sig_len, kc) ||
		    memcmp(kc, a->K[j], sizeof(kc)))
			bench_die("%s does not verify", ots_types[t].name);
		ots_account(a, j, &ots_counts[t]);
	}
	for (j = 0; j < 3; j++) {
		ots_counts[t].calls[j] /= OTS_MSGS;
		ots_counts[t].blocks[j] /= OTS_MSGS;
	}

	snprintf(note, sizeof(note), "%zu B signature", a->sig_len);
	snprintf(name, sizeof(name), "%s_sign", ots_types[t].name);
	measure(name, loop_ots_sign, a, 4, note);
	snprintf(name, sizeof(name), "%s_verify", ots_types[t].name);
	measure(name, loop_ots_verify, a, 4, "candidate K (RFC 8554 4b)");
	snprintf(name, sizeof(name), "%s_keygen", ots_types[t].name);
	measure(name, loop_ots_keygen, a, 4, "public key hash K");
	free(a->sigs);
	free(a->scratch);
	free(a);
}

/* ---------------------------------------------------------------- */
/* Merkle, sharing                                                   */
/* ---------------------------------------------------------------- */

struct merkle_arg {
	unsigned int height;
	u8 I[M2MKX_LMS_I_LEN];
	u8 K[1u << M2MKX_MERKLE_MAX_HEIGHT][M2MKX_OTS_HASH_LEN];
	u8 nodes[2u << M2MKX_MERKLE_MAX_HEIGHT][M2MKX_OTS_HASH_LEN];
	u8 path[1u << M2MKX_MERKLE_MAX_HEIGHT]
	       [M2MKX_MERKLE_MAX_HEIGHT * M2MKX_OTS_HASH_LEN];
};

static void loop_merkle(void *p, u64 iters)
{
	struct merkle_arg *a = p;
	u8 root[M2MKX_OTS_HASH_LEN];
	u32 leaves = 1u << a->height;
	u64 i;

	for (i = 0; i < iters; i++) {
		u32 q = (u32)(i % leaves);

		if (m2mkx_merkle_root(a->I, a->height, q, a->K[q], a->path[q],
				      root))
			bench_die("merkle_root failed");
	}
	bench_sink = root[0];
}

static void bench_merkle(unsigned int height)
{
	struct merkle_arg a;
	u8 root[M2MKX_OTS_HASH_LEN];
	char name[32], note[64];
	u32 q;

	memset(&a, 0, sizeof(a));
	a.height = height;
	rnd(a.I, sizeof(a.I));
	rnd(a.K, sizeof(a.K));
	if (m2mkx_merkle_build(a.I, height, &a.K[0][0], &a.nodes[0][0]))
		bench_die("merkle_build failed");
	for (q = 0; q < 1u << height; q++) {
		if (m2mkx_merkle_path(height, &a.nodes[0][0], q, a.path[q]) ||
		    m2mkx_merkle_root(a.I, height, q, a.K[q], a.path[q], root) ||
		    memcmp(root, a.nodes[1], sizeof(root)))
			bench_die("merkle path of leaf %u is wrong", q);
	}
	snprintf(name, sizeof(name), "merkle_root_h%u", height);
	snprintf(note, sizeof(note), "root from leaf + path, %u proxies",
		 1u << height);
	measure(name, loop_merkle, &a, 16, note);
}

struct share_arg {
	unsigned int n, k;
	u8 secret[M2MKX_SECRET_LEN];
	u8 shares[M2MKX_MAX_PROXIES * M2MKX_SECRET_LEN];
	u8 points[M2MKX_MAX_PROXIES];
	u8 out[M2MKX_SECRET_LEN];
	u32 want_bad;
};

static void loop_split(void *p, u64 iters)
{
	struct share_arg *a = p;
	u8 shares[M2MKX_MAX_PROXIES * M2MKX_SECRET_LEN];
	u64 i;

	for (i = 0; i < iters; i++)
		if (m2mkx_share_split(M2MKX_SHARE_SHAMIR, a->k, a->n, a->secret,
				      M2MKX_SECRET_LEN, shares))
			bench_die("share_split failed");
	bench_sink = shares[0];
}

static void loop_combine(void *p, u64 iters)
{
	struct share_arg *a = p;
	u32 bad;
	u64 i;

	for (i = 0; i < iters; i++)
		if (m2mkx_share_combine(M2MKX_SHARE_SHAMIR, a->k, a->n,
					a->points, a->shares, a->out,
					M2MKX_SECRET_LEN, &bad) ||
		    bad != a->want_bad)
			bench_die("share_combine failed");
	bench_sink = a->out[0];
}

/*
 * B combines all n shares it got; with @corrupt one of them (every byte)
 * is wrong, which sends the decoder down the Berlekamp-Welch path.
 */
static void bench_share(unsigned int n, unsigned int k, bool split,
			bool corrupt)
{
	struct share_arg a;
	char name[48], note[64];
	unsigned int i;

	memset(&a, 0, sizeof(a));
	a.n = n;
	a.k = k;
	rnd(a.secret, sizeof(a.secret));
	if (m2mkx_share_split(M2MKX_SHARE_SHAMIR, k, n, a.secret,
			      M2MKX_SECRET_LEN, a.shares))
		bench_die("share_split failed");
	for (i = 0; i < n; i++)
		a.points[i] = (u8)(i + 1);
	if (corrupt) {
		for (i = 0; i < M2MKX_SECRET_LEN; i++)
			a.shares[1 * M2MKX_SECRET_LEN + i] ^= 0x5a;
		a.want_bad = 1u << 1;
	}
	loop_combine(&a, 1);
	if (memcmp(a.out, a.secret, sizeof(a.out)))
		bench_die("share_combine n=%u k=%u rebuilt a wrong secret", n,
			  k);
	if (split) {
		snprintf(name, sizeof(name), "shamir_split_n%uk%u", n, k);
		measure(name, loop_split, &a, 16, "16 B secret (test DRBG)");
	}
	snprintf(name, sizeof(name), "shamir_combine%s_n%uk%u",
		 corrupt ? "_bw" : "", n, k);
	snprintf(note, sizeof(note), corrupt ?
		 "all %u shares, 1 corrupted" : "all %u shares, clean", n);
	measure(name, loop_combine, &a, 16, note);
}

/* ---------------------------------------------------------------- */

/* What SHA-256 costs per call and per 64-byte block, from two sizes. */
static void sha_split(void)
{
	double t55 = bench_value("prim.sha256_55B.ns");
	double t1k = bench_value("prim.sha256_1KiB.ns");
	unsigned int b55 = sha_blocks(55), b1k = sha_blocks(1024);
	double per_block = (t1k - t55) / (b1k - b55);

	bench_emit("prim.sha256.per_block.ns", per_block, "ns/block",
		   "(1KiB - 55B) / 16 blocks");
	bench_emit("prim.sha256.per_call.ns", t55 - b55 * per_block,
		   "ns/call", "55B minus one block: init/update/final cost");
}

/* Where the OTS time goes: per-call overhead versus compression. */
static void ots_report(void)
{
	double per_block = bench_value("prim.sha256.per_block.ns");
	double per_call = bench_value("prim.sha256.per_call.ns");
	static const char *const ops[] = { "sign", "verify", "keygen" };
	unsigned int t, op;

	printf("\n  SHA-256 inside the OTS operations (mean over %d messages):\n"
	       "  %-18s %10s %10s %12s %12s %10s\n", OTS_MSGS, "operation",
	       "calls", "blocks", "ns/call", "model ns", "call share");
	for (t = 0; t < M2MKX_ARRAY_SIZE(ots_types); t++) {
		for (op = 0; op < 3; op++) {
			const struct ots_count *c = &ots_counts[t];
			char name[64], full[96];
			double ns, model;

			snprintf(name, sizeof(name), "%s_%s",
				 ots_types[t].name, ops[op]);
			snprintf(full, sizeof(full), "prim.%s.ns", name);
			ns = bench_value(full);
			model = c->calls[op] * per_call +
				c->blocks[op] * per_block;
			printf("  %-18s %10.1f %10.1f %12.1f %12.0f %9.0f%%\n",
			       name, c->calls[op], c->blocks[op],
			       ns / c->calls[op], model,
			       100 * c->calls[op] * per_call / ns);
			snprintf(full, sizeof(full), "prim.%s.hash_calls",
				 name);
			bench_emit(full, c->calls[op], "count", NULL);
		}
	}
	printf("  (model = calls x per_call + blocks x per_block; call share"
	       " = calls x per_call / measured)\n");
}

void bench_primitives(void)
{
	struct hash_arg *h = calloc(1, sizeof(*h));
	struct aead_arg *ae = calloc(1, sizeof(*ae));
	struct x25519_arg x;
	struct rsa_arg *rsa = calloc(1, sizeof(*rsa));
	u8 x_secret[M2MKX_X25519_LEN];
	unsigned int i;

	if (!h || !ae || !rsa)
		bench_die("out of memory");
	/* T's RSA-3072 key of the tests: deterministic, made once. */
	rsa->signer = world_signer(0);
	drbg_seed("m2mkx-bench primitives");

	bench_section("primitives through the backend interface "
		      "(-O2; median of the runs)");
	rnd(h, sizeof(*h));
	measure("sha256_55B", loop_sha55, h, 1000,
		"one LM-OTS chain step: 23 B + 32 B");
	measure("sha256_1KiB", loop_sha1k, h, 100, "");
	measure("hmac_sha256_64B", loop_hmac, h, 100, "32 B key");
	measure("hkdf_expand_96B", loop_hkdf, h, 100,
		"derive_p2b(): 3 HMACs, 89 B info");

	rnd(ae, sizeof(*ae));
	if (m2mkx_aes128_ccm_seal(ae->key, ae->nonce, ae->ad, AEAD_AD_LEN,
				  ae->pt, AEAD_PT_LEN, ae->ccm_ct,
				  M2MKX_TAG_LEN) ||
	    m2mkx_chachapoly_seal(ae->key, 0, ae->ad, AEAD_AD_LEN, ae->pt,
				  AEAD_PT_LEN, ae->cp_ct))
		bench_die("AEAD seal failed");
	measure("aes128_ccm_seal_16B", loop_ccm_seal, ae, 100,
		"+32 B AD, 8 B tag");
	measure("aes128_ccm_open_16B", loop_ccm_open, ae, 100,
		"+32 B AD, 8 B tag");
	measure("chachapoly_seal_16B", loop_cp_seal, ae, 100, "+32 B AD");
	measure("chachapoly_open_16B", loop_cp_open, ae, 100, "+32 B AD");

	rnd(x.secret, sizeof(x.secret));
	rnd(x_secret, sizeof(x_secret));
	if (m2mkx_x25519_public(x.peer, x_secret))
		bench_die("x25519_public failed");
	measure("x25519", loop_x25519, &x, 10, "shared secret");
	measure("x25519_public", loop_x25519_public, &x, 10,
		"loads a private key, as x25519 must");

	rnd(rsa->digest, sizeof(rsa->digest));
	m2mkx_trust_init(&rsa->trust);
	if (m2mkx_trust_add_pkey(&rsa->trust, rsa->signer->pkey) ||
	    m2mkx_signer_sign(rsa->signer, rsa->digest, rsa->sig,
			      &rsa->sig_len))
		bench_die("RSA setup failed");
	measure("rsa3072_verify", loop_rsa_verify, rsa, 10,
		"m2mkx_trust_verify, PKCS#1 v1.5");
	measure("rsa3072_sign", loop_rsa_sign, rsa, 4,
		"m2mkx_signer_sign (T)");
	m2mkx_trust_clear(&rsa->trust);

	for (i = 0; i < M2MKX_ARRAY_SIZE(ots_types); i++)
		bench_ots(i);

	/* h = 3 is the brief; 2 and 4 are the heights of n = 3 and 16. */
	for (i = 2; i <= 4; i++)
		bench_merkle(i);

	bench_share(5, 3, true, false);
	bench_share(5, 3, false, true);
	/* The other (n, k) the server part runs, for its primitive sums. */
	bench_share(3, 2, false, false);
	bench_share(8, 5, false, false);
	bench_share(16, 9, false, false);

	sha_split();
	ots_report();
	free(h);
	free(ae);
	free(rsa);
}
