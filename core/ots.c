// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * One-time signatures: LM-OTS (RFC 8554, section 4) with SHA-256 and n = 32
 * for all four Winternitz widths, and the paper's Lamport scheme.
 *
 * Every hash is H(I || u32str(q) || u16str(i) || ...) as in RFC 8554, so
 * the two schemes share key derivation (Appendix A), chain hashing and the
 * public key hash:
 *
 *   x[i]   = H(I || u32str(q) || u16str(i) || u8str(0xff) || SEED)
 *   step j = H(I || u32str(q) || u16str(i) || u8str(j) || tmp)
 *   K      = H(I || u32str(q) || u16str(D_PBLC) || y[0] || ... || y[p-1])
 *
 * Lamport, as this protocol defines it (type M2MKX_OTS_LAMPORT_SHA256):
 *
 *   Q      = H(I || u32str(q) || u16str(D_MESG) || message), 256 bits
 *   x[j][b] = x[2j + b] for message bit j (most significant first), b in 0, 1
 *   y[i]   = H(I || u32str(q) || u16str(i) || u8str(0) || x[i]),
 *            i.e. a Winternitz chain of length one
 *   K      = H(I || u32str(q) || u16str(D_PBLC) || y[0] || ... || y[511])
 *   sig    = u32str(type) || for j = 0 .. 255:
 *                              x[2j + bit_j] || y[2j + 1 - bit_j]
 *
 * Lamport carries no randomiser C. Its signature already fills
 * M2MKX_OTS_MAX_SIG_LEN, which sizes every buffer in the protocol, and
 * without C its security rests on the collision resistance of SHA-256
 * (2^128 work, the level everything else here targets) instead of second
 * preimage resistance; LM-OTS keeps the RFC's C.
 *
 * No function here holds more than one chain value at a time: chain ends
 * go straight into an incremental SHA-256 context (public key, candidate)
 * or into the caller's signature buffer, so the stack stays small even for
 * W1's 265 chains, as the kernel and the sensors need.
 */
#include <m2mkx/bytes.h>
#include <m2mkx/crypto.h>
#include <m2mkx/errors.h>
#include <m2mkx/ots.h>

/* Domain separators of RFC 8554 section 4.3 and Appendix A. */
#define D_PBLC 0x8080
#define D_MESG 0x8181
#define D_PRIV 0xff

#define OTS_N M2MKX_OTS_HASH_LEN
#define OTS_C_LEN 32
#define OTS_TYPE_LEN 4

/* I || u32str(q) || u16str(i) || u8str(j): the prefix of a chain step. */
#define PFX_Q M2MKX_LMS_I_LEN
#define PFX_I (PFX_Q + 4)
#define PFX_J (PFX_I + 2)
#define PFX_LEN (PFX_J + 1)

/* Lamport signs the 256 bits of Q, with two private values per bit. */
#define LAMPORT_BITS (8 * OTS_N)
#define LAMPORT_KEYS (2 * LAMPORT_BITS)

struct lmots_params {
	u32 type;
	u16 p;		/* number of chains: n-byte string elements */
	u8 w;		/* Winternitz width in bits */
	u8 ls;		/* left shift of the checksum */
};

/* RFC 8554 section 4.1, Table 1, for n = 32. */
static const struct lmots_params lmots_params[] = {
	{ M2MKX_LMOTS_SHA256_N32_W1, 265, 1, 7 },
	{ M2MKX_LMOTS_SHA256_N32_W2, 133, 2, 6 },
	{ M2MKX_LMOTS_SHA256_N32_W4, 67, 4, 4 },
	{ M2MKX_LMOTS_SHA256_N32_W8, 34, 8, 0 },
};

static const struct lmots_params *lmots_lookup(u32 type)
{
	size_t k;

	for (k = 0; k < M2MKX_ARRAY_SIZE(lmots_params); k++)
		if (lmots_params[k].type == type)
			return &lmots_params[k];
	return NULL;
}

size_t m2mkx_ots_sig_len(u32 type)
{
	const struct lmots_params *par = lmots_lookup(type);

	if (par)
		return OTS_TYPE_LEN + OTS_C_LEN + (size_t)par->p * OTS_N;
	if (type == M2MKX_OTS_LAMPORT_SHA256)
		return OTS_TYPE_LEN + (size_t)LAMPORT_KEYS * OTS_N;
	return 0;
}

static void pfx_init(u8 pfx[PFX_LEN], const u8 *I, u32 q)
{
	memcpy(pfx, I, M2MKX_LMS_I_LEN);
	m2mkx_put_be32(pfx + PFX_Q, q);
	pfx[PFX_I] = 0;
	pfx[PFX_I + 1] = 0;
	pfx[PFX_J] = 0;
}

/* x[i] from the seed, RFC 8554 Appendix A. */
static void derive_x(u8 pfx[PFX_LEN], const u8 *seed, u16 i, u8 out[OTS_N])
{
	struct m2mkx_sha256_ctx ctx;

	m2mkx_put_be16(pfx + PFX_I, i);
	pfx[PFX_J] = D_PRIV;
	m2mkx_sha256_init(&ctx);
	m2mkx_sha256_update(&ctx, pfx, PFX_LEN);
	m2mkx_sha256_update(&ctx, seed, M2MKX_OTS_SEED_LEN);
	/* final() also wipes @ctx, whose buffer held SEED. */
	m2mkx_sha256_final(&ctx, out);
}

/*
 * Runs chain @i in place from step @from up to, not including, step @to.
 * Each step hashes I || q || i || j || tmp, 55 bytes, one block: they are
 * kept side by side so that a step is one update, not two, as verifying a
 * W4 signature takes some 500 steps and a backend's per-call cost counts.
 */
static void chain(u8 pfx[PFX_LEN], u16 i, unsigned int from, unsigned int to,
		  u8 tmp[OTS_N])
{
	struct m2mkx_sha256_ctx ctx;
	u8 step[PFX_LEN + OTS_N];
	unsigned int j;

	m2mkx_put_be16(pfx + PFX_I, i);
	if (from >= to)
		return;
	memcpy(step, pfx, PFX_LEN);
	memcpy(step + PFX_LEN, tmp, OTS_N);
	for (j = from; j < to; j++) {
		step[PFX_J] = (u8)j;
		m2mkx_sha256_init(&ctx);
		m2mkx_sha256_update(&ctx, step, sizeof(step));
		m2mkx_sha256_final(&ctx, step + PFX_LEN);
	}
	memcpy(tmp, step + PFX_LEN, OTS_N);
	/* Signing runs chains from x[i]: the steps before j are secret. */
	m2mkx_wipe(step, sizeof(step));
}

/* Starts K = H(I || u32str(q) || u16str(D_PBLC) || ...). */
static void pblc_init(struct m2mkx_sha256_ctx *ctx, const u8 *I, u32 q)
{
	u8 hdr[M2MKX_LMS_I_LEN + 4 + 2];

	memcpy(hdr, I, M2MKX_LMS_I_LEN);
	m2mkx_put_be32(hdr + PFX_Q, q);
	m2mkx_put_be16(hdr + PFX_I, D_PBLC);
	m2mkx_sha256_init(ctx);
	m2mkx_sha256_update(ctx, hdr, sizeof(hdr));
}

/* coef(S, i, w) of RFC 8554 section 3.1.3: the i-th w-bit digit of S. */
static unsigned int coef(const u8 *s, unsigned int i, unsigned int w)
{
	unsigned int mask = (1u << w) - 1;
	unsigned int shift = 8 - (w * (i % (8 / w)) + w);

	return (s[i * w / 8] >> shift) & mask;
}

/*
 * Q = H(I || u32str(q) || u16str(D_MESG) || C || message), followed by its
 * checksum: the 34-byte string the digits are read from. Lamport passes
 * neither C nor parameters and reads only Q.
 */
static void msg_hash(const u8 *I, u32 q, const u8 *c, const u8 *msg,
		     size_t msg_len, const struct lmots_params *par,
		     u8 qc[OTS_N + 2])
{
	struct m2mkx_sha256_ctx ctx;
	u8 hdr[M2MKX_LMS_I_LEN + 4 + 2];
	unsigned int i, max, sum = 0;

	memcpy(hdr, I, M2MKX_LMS_I_LEN);
	m2mkx_put_be32(hdr + PFX_Q, q);
	m2mkx_put_be16(hdr + PFX_I, D_MESG);
	m2mkx_sha256_init(&ctx);
	m2mkx_sha256_update(&ctx, hdr, sizeof(hdr));
	if (c)
		m2mkx_sha256_update(&ctx, c, OTS_C_LEN);
	if (msg_len)
		m2mkx_sha256_update(&ctx, msg, msg_len);
	m2mkx_sha256_final(&ctx, qc);

	if (!par) {
		qc[OTS_N] = 0;
		qc[OTS_N + 1] = 0;
		return;
	}
	/* Cksm(Q), section 4.4: lets no signature be stretched to another. */
	max = (1u << par->w) - 1;
	for (i = 0; i < OTS_N * 8 / par->w; i++)
		sum += max - coef(qc, i, par->w);
	m2mkx_put_be16(qc + OTS_N, (u16)(sum << par->ls));
}

static unsigned int lamport_bit(const u8 *qc, unsigned int j)
{
	return coef(qc, j, 1);
}

static int lmots_public(const struct m2mkx_ots_key *key,
			const struct lmots_params *par, u8 K[OTS_N])
{
	struct m2mkx_sha256_ctx kctx;
	u8 pfx[PFX_LEN];
	u8 tmp[OTS_N];
	unsigned int top = (1u << par->w) - 1;
	u16 i;

	pfx_init(pfx, key->I, key->q);
	pblc_init(&kctx, key->I, key->q);
	for (i = 0; i < par->p; i++) {
		derive_x(pfx, key->seed, i, tmp);
		chain(pfx, i, 0, top, tmp);
		m2mkx_sha256_update(&kctx, tmp, OTS_N);
	}
	m2mkx_sha256_final(&kctx, K);
	m2mkx_wipe(tmp, sizeof(tmp));
	return 0;
}

static int lamport_public(const struct m2mkx_ots_key *key, u8 K[OTS_N])
{
	struct m2mkx_sha256_ctx kctx;
	u8 pfx[PFX_LEN];
	u8 tmp[OTS_N];
	u16 i;

	pfx_init(pfx, key->I, key->q);
	pblc_init(&kctx, key->I, key->q);
	for (i = 0; i < LAMPORT_KEYS; i++) {
		derive_x(pfx, key->seed, i, tmp);
		chain(pfx, i, 0, 1, tmp);
		m2mkx_sha256_update(&kctx, tmp, OTS_N);
	}
	m2mkx_sha256_final(&kctx, K);
	m2mkx_wipe(tmp, sizeof(tmp));
	return 0;
}

int m2mkx_ots_public(const struct m2mkx_ots_key *key, u8 K[OTS_N])
{
	const struct lmots_params *par;

	if (!key || !K)
		return -M2MKX_EINVAL;
	/* The seed is gone: any K computed now would be wrong. */
	if (key->used)
		return -M2MKX_EOTSUSED;
	par = lmots_lookup(key->type);
	if (par)
		return lmots_public(key, par, K);
	if (key->type == M2MKX_OTS_LAMPORT_SHA256)
		return lamport_public(key, K);
	return -M2MKX_EINVAL;
}

/* RFC 8554 Algorithm 3, into @sig which has room for the whole signature. */
static int lmots_sign(const struct m2mkx_ots_key *key,
		      const struct lmots_params *par,
		      const u8 *msg, size_t msg_len, u8 *sig)
{
	u8 qc[OTS_N + 2];
	u8 pfx[PFX_LEN];
	u8 tmp[OTS_N];
	u8 *c = sig + OTS_TYPE_LEN;
	u8 *y = c + OTS_C_LEN;
	u16 i;
	int ret;

	ret = m2mkx_random(c, OTS_C_LEN);
	if (ret)
		return ret;
	m2mkx_put_be32(sig, par->type);
	msg_hash(key->I, key->q, c, msg, msg_len, par, qc);

	/*
	 * Each chain runs on the stack and only its value at the digit goes
	 * to @sig: a caller may hand the buffer to a radio before we return,
	 * and an earlier value of a chain would sign smaller digits.
	 */
	pfx_init(pfx, key->I, key->q);
	for (i = 0; i < par->p; i++, y += OTS_N) {
		derive_x(pfx, key->seed, i, tmp);
		chain(pfx, i, 0, coef(qc, i, par->w), tmp);
		memcpy(y, tmp, OTS_N);
	}
	m2mkx_wipe(tmp, sizeof(tmp));
	return 0;
}

static int lamport_sign(const struct m2mkx_ots_key *key, const u8 *msg,
			size_t msg_len, u8 *sig)
{
	u8 qc[OTS_N + 2];
	u8 pfx[PFX_LEN];
	u8 tmp[OTS_N];
	u8 *out = sig + OTS_TYPE_LEN;
	unsigned int j, b;
	u16 other;

	m2mkx_put_be32(sig, M2MKX_OTS_LAMPORT_SHA256);
	msg_hash(key->I, key->q, NULL, msg, msg_len, NULL, qc);

	pfx_init(pfx, key->I, key->q);
	for (j = 0; j < LAMPORT_BITS; j++, out += 2 * OTS_N) {
		b = lamport_bit(qc, j);
		other = (u16)(2 * j + 1 - b);
		derive_x(pfx, key->seed, (u16)(2 * j + b), out);
		/* As in lmots_sign(): the unrevealed x never enters @sig. */
		derive_x(pfx, key->seed, other, tmp);
		chain(pfx, other, 0, 1, tmp);
		memcpy(out + OTS_N, tmp, OTS_N);
	}
	m2mkx_wipe(tmp, sizeof(tmp));
	return 0;
}

int m2mkx_ots_sign(struct m2mkx_ots_key *key, const u8 *msg, size_t msg_len,
		   u8 *sig, size_t sig_cap)
{
	const struct lmots_params *par;
	size_t len;
	int ret;

	if (!key)
		return -M2MKX_EINVAL;

	len = m2mkx_ots_sig_len(key->type);
	par = lmots_lookup(key->type);
	if (key->used)
		ret = -M2MKX_EOTSUSED;
	else if (!sig || (!msg && msg_len) || !len)
		ret = -M2MKX_EINVAL;
	else if (sig_cap < len)
		ret = -M2MKX_ENOSPC;
	else if (par)
		ret = lmots_sign(key, par, msg, msg_len, sig);
	else
		ret = lamport_sign(key, msg, msg_len, sig);

	/*
	 * Spend the key whatever happened: a caller that retries after an
	 * error must not get a second signature, which for a one-time key
	 * would hand out a forgery.
	 */
	key->used = true;
	m2mkx_wipe(key->seed, sizeof(key->seed));
	return ret;
}

/* RFC 8554 Algorithm 4b, steps 3 onwards, on a well-formed signature. */
static void lmots_candidate(const struct lmots_params *par, const u8 *I,
			    u32 q, const u8 *msg, size_t msg_len,
			    const u8 *sig, u8 kc[OTS_N])
{
	struct m2mkx_sha256_ctx kctx;
	const u8 *c = sig + OTS_TYPE_LEN;
	const u8 *y = c + OTS_C_LEN;
	unsigned int top = (1u << par->w) - 1;
	u8 qc[OTS_N + 2];
	u8 pfx[PFX_LEN];
	u8 tmp[OTS_N];
	u16 i;

	msg_hash(I, q, c, msg, msg_len, par, qc);
	pfx_init(pfx, I, q);
	pblc_init(&kctx, I, q);
	for (i = 0; i < par->p; i++, y += OTS_N) {
		memcpy(tmp, y, OTS_N);
		chain(pfx, i, coef(qc, i, par->w), top, tmp);
		m2mkx_sha256_update(&kctx, tmp, OTS_N);
	}
	m2mkx_sha256_final(&kctx, kc);
}

static void lamport_candidate(const u8 *I, u32 q, const u8 *msg,
			      size_t msg_len, const u8 *sig, u8 kc[OTS_N])
{
	struct m2mkx_sha256_ctx kctx;
	const u8 *in = sig + OTS_TYPE_LEN;
	u8 qc[OTS_N + 2];
	u8 pfx[PFX_LEN];
	u8 tmp[OTS_N];
	unsigned int j, b;

	msg_hash(I, q, NULL, msg, msg_len, NULL, qc);
	pfx_init(pfx, I, q);
	pblc_init(&kctx, I, q);
	for (j = 0; j < LAMPORT_BITS; j++, in += 2 * OTS_N) {
		b = lamport_bit(qc, j);
		memcpy(tmp, in, OTS_N);
		chain(pfx, (u16)(2 * j + b), 0, 1, tmp);
		/* K takes y[2j] before y[2j + 1], whichever was revealed. */
		if (b) {
			m2mkx_sha256_update(&kctx, in + OTS_N, OTS_N);
			m2mkx_sha256_update(&kctx, tmp, OTS_N);
		} else {
			m2mkx_sha256_update(&kctx, tmp, OTS_N);
			m2mkx_sha256_update(&kctx, in + OTS_N, OTS_N);
		}
	}
	m2mkx_sha256_final(&kctx, kc);
}

int m2mkx_ots_candidate(u32 expected_type, const u8 I[M2MKX_LMS_I_LEN], u32 q,
			const u8 *msg, size_t msg_len,
			const u8 *sig, size_t sig_len,
			u8 kc[OTS_N])
{
	const struct lmots_params *par = lmots_lookup(expected_type);
	size_t len = m2mkx_ots_sig_len(expected_type);

	if (!len || !I || !kc || (!msg && msg_len) || (!sig && sig_len))
		return -M2MKX_EINVAL;
	if (sig_len != len || m2mkx_get_be32(sig) != expected_type)
		return -M2MKX_EOTSSIG;
	if (par)
		lmots_candidate(par, I, q, msg, msg_len, sig, kc);
	else
		lamport_candidate(I, q, msg, msg_len, sig, kc);
	return 0;
}
