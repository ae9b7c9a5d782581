// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Tests of the one-time signatures (LM-OTS, Lamport), the Merkle tree and
 * LMS verification.
 *
 * The anchor is RFC 8554 Appendix F: both HSS test cases are read from
 * tests/vectors/rfc8554.txt (or argv[1], or $M2MKX_VECTORS) and verified
 * through m2mkx_lms_verify(), i.e. through the same LM-OTS and tree code
 * the protocol uses. Test case 2 also gives a private key, which checks key
 * derivation (Appendix A) and public key computation against the RFC.
 *
 * The RFC has no tree of height below 5 and m2mkx_merkle_build() builds
 * none above 4, so a small reference tree builder here, written from the
 * formula in merkle.h over the backend's SHA-256, links the two: it must
 * agree node for node with m2mkx_merkle_build(), reproduce the RFC's
 * bottom-level root, and its height-5 trees over our own one-time keys must
 * verify as LMS signatures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <m2mkx/bytes.h>
#include <m2mkx/crypto.h>
#include <m2mkx/errors.h>
#include <m2mkx/merkle.h>
#include <m2mkx/ots.h>

#include "drbg.h"
#include "tap.h"

#define N 32
#define LMS_PUB_LEN (4 + 4 + M2MKX_LMS_I_LEN + N)
/* Room for any LMS signature built here (Lamport, H25) and a byte more. */
#define LMS_SIG_MAX (4 + M2MKX_OTS_MAX_SIG_LEN + 4 + 25 * N)

#define D_PBLC 0x8080
#define D_MESG 0x8181
#define D_LEAF 0x8282
#define D_INTR 0x8383

struct ots_type {
	u32 type;
	const char *name;
	size_t sig_len;
	unsigned int w, p, ls;
};

/* Parameters from RFC 8554 Table 1, and the Lamport layout of ots.c. */
static const struct ots_type ots_types[] = {
	{ M2MKX_LMOTS_SHA256_N32_W1, "LMOTS_SHA256_N32_W1", 4 + 32 + 265 * 32,
	  1, 265, 7 },
	{ M2MKX_LMOTS_SHA256_N32_W2, "LMOTS_SHA256_N32_W2", 4 + 32 + 133 * 32,
	  2, 133, 6 },
	{ M2MKX_LMOTS_SHA256_N32_W4, "LMOTS_SHA256_N32_W4", 4 + 32 + 67 * 32,
	  4, 67, 4 },
	{ M2MKX_LMOTS_SHA256_N32_W8, "LMOTS_SHA256_N32_W8", 4 + 32 + 34 * 32,
	  8, 34, 0 },
	{ M2MKX_OTS_LAMPORT_SHA256, "LAMPORT_SHA256", 4 + 512 * 32, 0, 0, 0 },
};

#define NUM_OTS_TYPES M2MKX_ARRAY_SIZE(ots_types)
#define NUM_LMOTS_TYPES 4

static u8 sigbuf[LMS_SIG_MAX];
static u8 sigbuf2[LMS_SIG_MAX];

static void flip(u8 *p, size_t bit)
{
	p[bit / 8] ^= (u8)(0x80 >> (bit % 8));
}

static void rand_fill(void *p, size_t len)
{
	if (m2mkx_random(p, len))
		abort();
}

static bool all_zero(const u8 *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

static void hash_hdr(struct m2mkx_sha256_ctx *ctx, const u8 *I, u32 q, u16 d)
{
	u8 hdr[M2MKX_LMS_I_LEN + 6];

	memcpy(hdr, I, M2MKX_LMS_I_LEN);
	m2mkx_put_be32(hdr + M2MKX_LMS_I_LEN, q);
	m2mkx_put_be16(hdr + M2MKX_LMS_I_LEN + 4, d);
	m2mkx_sha256_init(ctx);
	m2mkx_sha256_update(ctx, hdr, sizeof(hdr));
}

/* Reference tree, node r at nodes + r * N, straight from merkle.h. */
static void ref_tree(const u8 *I, unsigned int h, const u8 *K, u8 *nodes)
{
	struct m2mkx_sha256_ctx ctx;
	u32 leaves = (u32)1 << h, r;

	for (r = 2 * leaves - 1; r >= 1; r--) {
		if (r >= leaves) {
			hash_hdr(&ctx, I, r, D_LEAF);
			m2mkx_sha256_update(&ctx, K + (r - leaves) * N, N);
		} else {
			hash_hdr(&ctx, I, r, D_INTR);
			m2mkx_sha256_update(&ctx, nodes + 2 * r * N, 2 * N);
		}
		m2mkx_sha256_final(&ctx, nodes + r * N);
	}
}

static void ref_path(unsigned int h, const u8 *nodes, u32 q, u8 *path)
{
	u32 r = ((u32)1 << h) + q;
	unsigned int i;

	for (i = 0; i < h; i++, r >>= 1)
		memcpy(path + i * N, nodes + (r ^ 1) * N, N);
}

/* x[i] by RFC 8554 Appendix A, for the reference checks. */
static void ref_x(const u8 *I, u32 q, const u8 *seed, u16 i, u8 *out)
{
	struct m2mkx_sha256_ctx ctx;
	u8 ff = 0xff;

	hash_hdr(&ctx, I, q, i);
	m2mkx_sha256_update(&ctx, &ff, 1);
	m2mkx_sha256_update(&ctx, seed, M2MKX_OTS_SEED_LEN);
	m2mkx_sha256_final(&ctx, out);
}

/* Chain step j of chain i: H(I || u32str(q) || u16str(i) || u8str(j) || x) */
static void ref_step(const u8 *I, u32 q, u16 i, u8 j, u8 *x)
{
	struct m2mkx_sha256_ctx ctx;

	hash_hdr(&ctx, I, q, i);
	m2mkx_sha256_update(&ctx, &j, 1);
	m2mkx_sha256_update(&ctx, x, N);
	m2mkx_sha256_final(&ctx, x);
}

/* Digit i of width w of S, assembled bit by bit, most significant first. */
static unsigned int ref_digit(const u8 *S, unsigned int i, unsigned int w)
{
	unsigned int k, v = 0, bit;

	for (k = 0; k < w; k++) {
		bit = i * w + k;
		v = v << 1 | (S[bit / 8] >> (7 - bit % 8) & 1);
	}
	return v;
}

/*
 * An LM-OTS signature by @seed checked element by element against RFC 8554
 * Algorithm 3 as written: y[i] is x[i] hashed a_i times, where a_i is
 * digit i of Q || Cksm(Q). Independent of ots.c, so it also pins down the
 * W1 and W2 checksums the RFC has no test vectors for.
 */
static bool ref_lmots_sig_ok(const struct ots_type *t, const u8 *I, u32 q,
			     const u8 *seed, const u8 *msg, size_t msg_len,
			     const u8 *sig)
{
	struct m2mkx_sha256_ctx ctx;
	unsigned int i, j, a, sum = 0;
	u8 S[N + 2], x[N];

	hash_hdr(&ctx, I, q, D_MESG);
	m2mkx_sha256_update(&ctx, sig + 4, N);
	m2mkx_sha256_update(&ctx, msg, msg_len);
	m2mkx_sha256_final(&ctx, S);
	for (i = 0; i < 256 / t->w; i++)
		sum += (1u << t->w) - 1 - ref_digit(S, i, t->w);
	sum <<= t->ls;
	S[N] = (u8)(sum >> 8);
	S[N + 1] = (u8)sum;
	if (m2mkx_get_be32(sig) != t->type)
		return false;
	for (i = 0; i < t->p; i++) {
		a = ref_digit(S, i, t->w);
		ref_x(I, q, seed, (u16)i, x);
		for (j = 0; j < a; j++)
			ref_step(I, q, (u16)i, (u8)j, x);
		if (memcmp(x, sig + 4 + N + i * N, N))
			return false;
	}
	return true;
}

/* ---- RFC 8554 Appendix F ---- */

#define VEC_FIELDS 8
#define VEC_MAX 8192

struct vec_field {
	char key[16];
	u8 data[VEC_MAX];
	size_t len;
};

struct vec_case {
	char name[32];
	struct vec_field f[VEC_FIELDS];
	unsigned int nf;
	bool bad;
};

static struct vec_case vc;

static struct vec_field *vec_get(const char *key)
{
	unsigned int i;

	for (i = 0; i < vc.nf; i++)
		if (!strcmp(vc.f[i].key, key))
			return &vc.f[i];
	return NULL;
}

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Appends the hex of @s to the field being read; blanks are skipped. */
static void vec_hex(const char *s)
{
	struct vec_field *f = vc.nf ? &vc.f[vc.nf - 1] : NULL;
	int hi, lo;

	for (; *s; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
			continue;
		hi = nibble(s[0]);
		lo = hi < 0 ? -1 : nibble(s[1]);
		if (!f || f->len == VEC_MAX || lo < 0) {
			vc.bad = true;
			return;
		}
		f->data[f->len++] = (u8)(hi << 4 | lo);
		s++;
	}
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' ||
			 e[-1] == '\r'))
		*--e = 0;
	return s;
}

/* The bottom tree's key of test case 2 against the RFC's values. */
static void vec_leaf_key(const u8 *pub1, const u8 *sig1, const u8 *msg,
			 size_t msg_len)
{
	struct vec_field *fi = vec_get("leaf_I"), *fs = vec_get("leaf_seed");
	struct vec_field *fq = vec_get("leaf_q");
	static u8 K[32 * N], nodes[64 * N];
	struct m2mkx_ots_key key;
	u8 kc[N], root[N];
	u32 q, otstype = m2mkx_get_be32(pub1 + 4);
	size_t ots_len = m2mkx_ots_sig_len(otstype);
	bool ok = true;
	u32 r;

	if (!fi && !fs && !fq)
		return;
	if (!tap_ok(fi && fs && fq && fi->len == M2MKX_LMS_I_LEN &&
		    fs->len == M2MKX_OTS_SEED_LEN && fq->len == 4 &&
		    m2mkx_get_be32(pub1) == M2MKX_LMS_SHA256_M32_H5 &&
		    !memcmp(fi->data, pub1 + 8, M2MKX_LMS_I_LEN),
		    "case %s: leaf key fields are complete and match pub[1]",
		    vc.name))
		return;
	q = m2mkx_get_be32(fq->data);

	for (r = 0; r < 32; r++) {
		memset(&key, 0, sizeof(key));
		key.type = otstype;
		key.q = r;
		memcpy(key.I, fi->data, M2MKX_LMS_I_LEN);
		memcpy(key.seed, fs->data, M2MKX_OTS_SEED_LEN);
		ok &= m2mkx_ots_public(&key, K + r * N) == 0;
	}
	tap_ok(ok, "case %s: m2mkx_ots_public derives all 32 leaf keys",
	       vc.name);
	tap_is_int(m2mkx_ots_candidate(otstype, fi->data, q, msg, msg_len,
				       sig1 + 4, ots_len, kc), 0,
		   "case %s: candidate key of the RFC's bottom signature",
		   vc.name);
	tap_is_mem(kc, K + q * N, N,
		   "case %s: RFC signature's candidate == our K for q = %u",
		   vc.name, q);
	ref_tree(fi->data, 5, K, nodes);
	tap_is_mem(nodes + N, pub1 + 24, N,
		   "case %s: tree over our leaf keys has the RFC's root",
		   vc.name);
	tap_is_int(m2mkx_merkle_root(fi->data, 5, q, K + q * N,
				     sig1 + 4 + ots_len + 4, root), 0,
		   "case %s: climb the RFC's path from our leaf key", vc.name);
	tap_is_mem(root, pub1 + 24, N, "case %s: and reach the RFC's root",
		   vc.name);
}

/*
 * Flips bit @bit of the HSS signature from byte @at on, checks that
 * verification fails with @want, and flips it back.
 */
static void hss_flip(const u8 *pub, const u8 *msg, size_t msg_len, u8 *sig,
		     size_t sig_len, size_t at, size_t bit, int want,
		     const char *what)
{
	flip(sig + at, bit);
	tap_is_int(m2mkx_hss_verify(pub, M2MKX_HSS_PUB_LEN, msg, msg_len, sig,
				    sig_len),
		   want, "case %s: bit of %s flipped", vc.name, what);
	flip(sig + at, bit);
}

static void vec_run(void)
{
	struct vec_field *pub = vec_get("pub"), *msg = vec_get("msg");
	struct vec_field *sig = vec_get("sig");
	size_t len0, off1, bits, bit, n = 0, rejected = 0;
	const u8 *pub1, *sig1;
	u8 *s = sigbuf;
	u8 *m = sigbuf2;
	size_t slen, mlen;
	int ret;

	if (!tap_ok(!vc.bad && pub && msg && sig &&
		    pub->len == M2MKX_HSS_PUB_LEN && sig->len > 4,
		    "case %s: pub, msg and sig parse", vc.name))
		return;
	slen = sig->len;
	mlen = msg->len;
	memcpy(s, sig->data, slen);
	memcpy(m, msg->data, mlen);

	tap_is_int(m2mkx_hss_verify(pub->data, pub->len, m, mlen, s, slen), 0,
		   "case %s: RFC 8554 HSS signature verifies", vc.name);

	len0 = m2mkx_lms_sig_len(s + 4, slen - 4);
	off1 = 4 + len0 + LMS_PUB_LEN;
	if (!tap_ok(m2mkx_get_be32(s) == 1 && len0 && off1 < slen,
		    "case %s: signature has two levels", vc.name))
		return;
	pub1 = s + 4 + len0;
	sig1 = s + off1;

	/* Each level on its own, through m2mkx_lms_verify() directly. */
	tap_is_int(m2mkx_lms_verify(pub->data + 4, LMS_PUB_LEN, pub1,
				    LMS_PUB_LEN, s + 4, len0), 0,
		   "case %s: top LMS signature over pub[1] verifies", vc.name);
	tap_is_int(m2mkx_lms_verify(pub1, LMS_PUB_LEN, m, mlen, sig1,
				    slen - off1), 0,
		   "case %s: bottom LMS signature over msg verifies", vc.name);

	flip(m, 0);
	tap_is_int(m2mkx_hss_verify(pub->data, pub->len, m, mlen, s, slen),
		   -M2MKX_EMERKLE, "case %s: first message bit flipped",
		   vc.name);
	flip(m, 0);
	flip(m, mlen * 8 - 1);
	tap_is_int(m2mkx_hss_verify(pub->data, pub->len, m, mlen, s, slen),
		   -M2MKX_EMERKLE, "case %s: last message bit flipped",
		   vc.name);
	flip(m, mlen * 8 - 1);
	tap_is_int(m2mkx_hss_verify(pub->data, pub->len, m, mlen - 1, s, slen),
		   -M2MKX_EMERKLE, "case %s: message one byte short", vc.name);

	/* Named single-bit flips, one in each field of the signature. */
	hss_flip(pub->data, m, mlen, s, slen, 4 + 8, 3, -M2MKX_EMERKLE,
		 "sig[0]'s C");
	hss_flip(pub->data, m, mlen, s, slen, 4 + 40, 100, -M2MKX_EMERKLE,
		 "sig[0]'s y[0]");
	hss_flip(pub->data, m, mlen, s, slen, 4 + len0 - N, 7, -M2MKX_EMERKLE,
		 "sig[0]'s last path node");
	hss_flip(pub->data, m, mlen, s, slen, 4 + len0 + 3, 7, -M2MKX_EMERKLE,
		 "pub[1]'s LMS type");
	hss_flip(pub->data, m, mlen, s, slen, 4 + len0 + 8, 0, -M2MKX_EMERKLE,
		 "pub[1]'s I");
	hss_flip(pub->data, m, mlen, s, slen, 4 + len0 + 24, 255,
		 -M2MKX_EMERKLE, "pub[1]'s T[1]");
	hss_flip(pub->data, m, mlen, s, slen, off1, 31, -M2MKX_EMERKLE,
		 "sig[1]'s q (off by one)");
	hss_flip(pub->data, m, mlen, s, slen, off1, 0, -M2MKX_EMERKLE,
		 "sig[1]'s q (beyond the tree)");
	hss_flip(pub->data, m, mlen, s, slen, off1 + 4, 30, -M2MKX_EOTSSIG,
		 "sig[1]'s LM-OTS type");
	hss_flip(pub->data, m, mlen, s, slen, slen - 1, 7, -M2MKX_EMERKLE,
		 "sig[1]'s last path node");

	/* A sweep of single-bit flips over the whole signature. */
	bits = slen * 8;
	for (bit = 5; bit < bits; bit += 8 * 37 + 3, n++) {
		flip(s, bit);
		rejected += m2mkx_hss_verify(pub->data, pub->len, m, mlen, s,
				       slen) != 0;
		flip(s, bit);
	}
	tap_is_int(rejected, n, "case %s: %zu scattered bit flips rejected",
		   vc.name, n);

	tap_ok(m2mkx_hss_verify(pub->data, pub->len, m, mlen, s, slen - 1) != 0,
	       "case %s: signature one byte short", vc.name);
	s[slen] = 0;
	tap_ok(m2mkx_hss_verify(pub->data, pub->len, m, mlen, s, slen + 1) != 0,
	       "case %s: signature one byte long", vc.name);
	tap_is_int(m2mkx_hss_verify(pub->data, pub->len, m, mlen, s, slen), 0,
		   "case %s: restored signature verifies again", vc.name);

	/* The public key as a caller could get it wrong. */
	ret = m2mkx_lms_verify(pub->data + 4, LMS_PUB_LEN - 1, pub1,
			       LMS_PUB_LEN, s + 4, len0);
	tap_is_int(ret, -M2MKX_EINVAL, "case %s: short LMS public key",
		   vc.name);
	memcpy(m, pub->data + 4, LMS_PUB_LEN);
	m2mkx_put_be32(m, 0x0000000a);
	tap_is_int(m2mkx_lms_verify(m, LMS_PUB_LEN, pub1, LMS_PUB_LEN, s + 4,
				    len0), -M2MKX_EINVAL,
		   "case %s: LMS public key of unknown type", vc.name);

	vec_leaf_key(pub1, sig1, msg->data, mlen);
}

static void test_vectors(const char *path)
{
	static char line[1024];
	unsigned int cases = 0;
	FILE *fp = fopen(path, "r");

	if (!tap_ok(!!fp, "open %s", path))
		return;
	memset(&vc, 0, sizeof(vc));
	while (fgets(line, sizeof(line), fp)) {
		char *l = trim(line), *eq = strchr(l, '=');
		char *key;

		if (!*l || *l == '#')
			continue;
		if (!eq) {
			vec_hex(l);
			continue;
		}
		*eq = 0;
		key = trim(l);
		if (!strcmp(key, "case")) {
			if (vc.name[0]) {
				vec_run();
				cases++;
			}
			memset(&vc, 0, sizeof(vc));
			snprintf(vc.name, sizeof(vc.name), "%s", trim(eq + 1));
			continue;
		}
		if (vc.nf == VEC_FIELDS || strlen(key) >= sizeof(vc.f[0].key)) {
			vc.bad = true;
			continue;
		}
		snprintf(vc.f[vc.nf].key, sizeof(vc.f[0].key), "%s", key);
		vc.f[vc.nf].len = 0;
		vc.nf++;
		vec_hex(eq + 1);
	}
	fclose(fp);
	if (vc.name[0]) {
		vec_run();
		cases++;
	}
	tap_is_int(cases, 2, "both RFC 8554 Appendix F test cases ran");
}

/* ---- one-time signatures ---- */

static void new_key(struct m2mkx_ots_key *key, u32 type, u32 q, const u8 *I)
{
	memset(key, 0, sizeof(*key));
	key->type = type;
	key->q = q;
	if (I)
		memcpy(key->I, I, M2MKX_LMS_I_LEN);
	else
		rand_fill(key->I, M2MKX_LMS_I_LEN);
	rand_fill(key->seed, M2MKX_OTS_SEED_LEN);
}

static void test_sig_len(void)
{
	unsigned int t;

	for (t = 0; t < NUM_OTS_TYPES; t++)
		tap_is_int(m2mkx_ots_sig_len(ots_types[t].type),
			   ots_types[t].sig_len, "%s signature length",
			   ots_types[t].name);
	tap_is_int(m2mkx_ots_sig_len(M2MKX_OTS_LAMPORT_SHA256),
		   M2MKX_OTS_MAX_SIG_LEN, "Lamport is the largest signature");
	tap_ok(!m2mkx_ots_sig_len(0) && !m2mkx_ots_sig_len(5) &&
	       !m2mkx_ots_sig_len(0xe0000002) && !m2mkx_ots_sig_len(~0u),
	       "unknown OTS types have no signature length");
}

static void test_ots_type(const struct ots_type *t, u32 other_type)
{
	static const u8 msg[] = "m2mkx: one-time signature under test";
	struct m2mkx_ots_key key;
	u8 K[N], K2[N], kc[N], I[M2MKX_LMS_I_LEN], seed[N];
	size_t len = t->sig_len, bit, n = 0, rejected = 0;
	u8 m[sizeof(msg)];
	const u32 q = 0x11;
	char label[64];

	snprintf(label, sizeof(label), "test_lms ots %s", t->name);
	drbg_seed(label);
	new_key(&key, t->type, q, NULL);
	memcpy(I, key.I, sizeof(I));
	memcpy(seed, key.seed, sizeof(seed));

	tap_is_int(m2mkx_ots_public(&key, K), 0, "%s: public key", t->name);
	m2mkx_ots_public(&key, K2);
	tap_is_mem(K2, K, N, "%s: public key is deterministic", t->name);

	memset(sigbuf, 0xa5, len + 1);
	tap_is_int(m2mkx_ots_sign(&key, msg, sizeof(msg), sigbuf, len), 0,
		   "%s: sign into a buffer of exactly the length", t->name);
	tap_ok(sigbuf[len] == 0xa5, "%s: nothing written past the signature",
	       t->name);
	tap_ok(key.used && all_zero(key.seed, sizeof(key.seed)),
	       "%s: key spent and seed wiped after signing", t->name);
	tap_is_int(m2mkx_get_be32(sigbuf), t->type,
		   "%s: signature carries its type", t->name);
	if (t->w)
		tap_ok(ref_lmots_sig_ok(t, I, q, seed, msg, sizeof(msg), sigbuf),
		       "%s: every y[i] as RFC 8554 Algorithm 3 defines it",
		       t->name);

	tap_is_int(m2mkx_ots_candidate(t->type, I, q, msg, sizeof(msg), sigbuf,
				       len, kc), 0, "%s: candidate", t->name);
	tap_is_mem(kc, K, N, "%s: candidate == public key", t->name);

	memcpy(m, msg, sizeof(msg));
	flip(m, 9);
	m2mkx_ots_candidate(t->type, I, q, m, sizeof(m), sigbuf, len, kc);
	tap_ok(memcmp(kc, K, N) != 0, "%s: one message bit flipped",
	       t->name);
	m2mkx_ots_candidate(t->type, I, q, msg, sizeof(msg) - 1, sigbuf, len,
			    kc);
	tap_ok(memcmp(kc, K, N) != 0, "%s: message one byte short", t->name);
	m2mkx_ots_candidate(t->type, I, q + 1, msg, sizeof(msg), sigbuf, len,
			    kc);
	tap_ok(memcmp(kc, K, N) != 0, "%s: another q", t->name);
	I[15] ^= 1;
	m2mkx_ots_candidate(t->type, I, q, msg, sizeof(msg), sigbuf, len, kc);
	I[15] ^= 1;
	tap_ok(memcmp(kc, K, N) != 0, "%s: another I", t->name);

	for (bit = 32; bit < len * 8; bit += 8 * 61 + 5, n++) {
		flip(sigbuf, bit);
		m2mkx_ots_candidate(t->type, I, q, msg, sizeof(msg), sigbuf,
				    len, kc);
		rejected += memcmp(kc, K, N) != 0;
		flip(sigbuf, bit);
	}
	flip(sigbuf, len * 8 - 1);
	m2mkx_ots_candidate(t->type, I, q, msg, sizeof(msg), sigbuf, len, kc);
	rejected += memcmp(kc, K, N) != 0;
	n++;
	flip(sigbuf, len * 8 - 1);
	tap_is_int(rejected, n, "%s: %zu single-bit signature flips rejected",
		   t->name, n);

	tap_is_int(m2mkx_ots_candidate(t->type, I, q, msg, sizeof(msg),
				       sigbuf, len - 1, kc), -M2MKX_EOTSSIG,
		   "%s: signature one byte short", t->name);
	tap_is_int(m2mkx_ots_candidate(t->type, I, q, msg, sizeof(msg),
				       sigbuf, len + 1, kc), -M2MKX_EOTSSIG,
		   "%s: signature one byte long", t->name);
	tap_is_int(m2mkx_ots_candidate(t->type, I, q, msg, sizeof(msg),
				       sigbuf, 0, kc), -M2MKX_EOTSSIG,
		   "%s: empty signature", t->name);
	tap_is_int(m2mkx_ots_candidate(other_type, I, q, msg, sizeof(msg),
				       sigbuf, len, kc), -M2MKX_EOTSSIG,
		   "%s: verified as another type", t->name);
	m2mkx_put_be32(sigbuf, other_type);
	tap_is_int(m2mkx_ots_candidate(t->type, I, q, msg, sizeof(msg),
				       sigbuf, len, kc), -M2MKX_EOTSSIG,
		   "%s: type field says another type", t->name);
	m2mkx_put_be32(sigbuf, t->type);
	tap_is_int(m2mkx_ots_candidate(0xe0000002, I, q, msg, sizeof(msg),
				       sigbuf, len, kc), -M2MKX_EINVAL,
		   "%s: expected type unknown", t->name);

	memcpy(sigbuf2, sigbuf, len);
	tap_is_int(m2mkx_ots_sign(&key, m, sizeof(m), sigbuf, len),
		   -M2MKX_EOTSUSED, "%s: second signature refused", t->name);
	tap_ok(!memcmp(sigbuf, sigbuf2, len) && key.used &&
	       all_zero(key.seed, sizeof(key.seed)),
	       "%s: refused signing writes nothing, key stays wiped",
	       t->name);
	tap_is_int(m2mkx_ots_public(&key, K2), -M2MKX_EOTSUSED,
		   "%s: no public key from a spent key", t->name);

	/* Signing the empty message, and a buffer one byte short. */
	new_key(&key, t->type, q, NULL);
	m2mkx_ots_public(&key, K);
	memcpy(I, key.I, sizeof(I));
	tap_is_int(m2mkx_ots_sign(&key, NULL, 0, sigbuf, len), 0,
		   "%s: sign the empty message", t->name);
	tap_ok(m2mkx_ots_candidate(t->type, I, q, NULL, 0, sigbuf, len,
				   kc) == 0 && !memcmp(kc, K, N),
	       "%s: empty message verifies", t->name);
	new_key(&key, t->type, q, NULL);
	tap_is_int(m2mkx_ots_sign(&key, msg, sizeof(msg), sigbuf, len - 1),
		   -M2MKX_ENOSPC, "%s: buffer one byte short", t->name);
	tap_ok(key.used && all_zero(key.seed, sizeof(key.seed)),
	       "%s: failed signing spends and wipes the key too", t->name);
}

static void test_sign_args(void)
{
	struct m2mkx_ots_key key;
	u8 K[N];

	drbg_seed("test_lms sign args");
	new_key(&key, 0xe0000002, 0, NULL);
	tap_is_int(m2mkx_ots_public(&key, K), -M2MKX_EINVAL,
		   "public key of an unknown type");
	tap_is_int(m2mkx_ots_sign(&key, K, N, sigbuf, sizeof(sigbuf)),
		   -M2MKX_EINVAL, "sign with an unknown type");
	tap_ok(key.used && all_zero(key.seed, sizeof(key.seed)),
	       "unknown type: key spent and wiped");
	new_key(&key, M2MKX_OTS_DEFAULT, 0, NULL);
	tap_is_int(m2mkx_ots_sign(&key, K, N, NULL, sizeof(sigbuf)),
		   -M2MKX_EINVAL, "sign into no buffer");
	tap_ok(key.used && all_zero(key.seed, sizeof(key.seed)),
	       "no buffer: key spent and wiped");
	new_key(&key, M2MKX_OTS_DEFAULT, 0, NULL);
	tap_is_int(m2mkx_ots_sign(&key, NULL, 1, sigbuf, sizeof(sigbuf)),
		   -M2MKX_EINVAL, "sign a missing message");
	tap_is_int(m2mkx_ots_sign(NULL, K, N, sigbuf, sizeof(sigbuf)),
		   -M2MKX_EINVAL, "sign with no key");
}

/* Lamport has no outside vectors: check it against the layout in ots.c. */
static void test_lamport_layout(void)
{
	static const u8 msg[] = "lamport layout";
	static u8 y[512 * N];
	struct m2mkx_sha256_ctx ctx;
	struct m2mkx_ots_key key;
	u8 K[N], kref[N], Q[N], x[N], seed[N];
	const u8 *p = sigbuf + 4;
	const u32 q = 3;
	unsigned int i, j, b;
	bool ok = true;

	drbg_seed("test_lms lamport layout");
	new_key(&key, M2MKX_OTS_LAMPORT_SHA256, q, NULL);
	memcpy(seed, key.seed, N);
	for (i = 0; i < 512; i++) {
		ref_x(key.I, q, seed, (u16)i, x);
		memcpy(y + i * N, x, N);
		ref_step(key.I, q, (u16)i, 0, y + i * N);
	}
	hash_hdr(&ctx, key.I, q, D_PBLC);
	m2mkx_sha256_update(&ctx, y, sizeof(y));
	m2mkx_sha256_final(&ctx, kref);
	m2mkx_ots_public(&key, K);
	tap_is_mem(K, kref, N, "Lamport K = H(I||q||D_PBLC||y[0..511])");

	hash_hdr(&ctx, key.I, q, D_MESG);
	m2mkx_sha256_update(&ctx, msg, sizeof(msg));
	m2mkx_sha256_final(&ctx, Q);
	m2mkx_ots_sign(&key, msg, sizeof(msg), sigbuf, sizeof(sigbuf));
	for (j = 0; j < 256; j++, p += 2 * N) {
		b = Q[j / 8] >> (7 - j % 8) & 1;
		ref_x(key.I, q, seed, (u16)(2 * j + b), x);
		ok &= !memcmp(p, x, N);
		ok &= !memcmp(p + N, y + (2 * j + 1 - b) * N, N);
	}
	tap_ok(ok, "Lamport signature reveals x[2j+bit] || y[2j+1-bit]");
}

/* ---- Merkle tree ---- */

static void test_height(void)
{
	static const unsigned int in[] = { 0, 1, 2, 3, 4, 5, 8, 9, 16, 17,
					   1u << 25, (1u << 25) + 1 };
	static const unsigned int want[] = { 0, 0, 1, 2, 2, 3, 3, 4, 4, 5,
					     25, 26 };
	unsigned int i;
	bool ok = true;

	for (i = 0; i < M2MKX_ARRAY_SIZE(in); i++)
		ok &= m2mkx_merkle_height(in[i]) == want[i];
	tap_ok(ok, "m2mkx_merkle_height: smallest h with 2^h >= leaves");
}

static void test_tree(unsigned int n)
{
	static const u8 msg[] = "merkle leaf message";
	static u8 K[16 * N], nodes[32 * N], ref[32 * N], nodes2[32 * N];
	u8 I[M2MKX_LMS_I_LEN], I2[M2MKX_LMS_I_LEN], path[4 * N];
	u8 path2[4 * N], root[N], kc[N];
	struct m2mkx_ots_key keys[16];
	unsigned int h = m2mkx_merkle_height(n);
	u32 leaves = (u32)1 << h, q;
	bool ok = true, bad = true;
	char label[32];
	size_t len;

	snprintf(label, sizeof(label), "test_lms tree %u", n);
	drbg_seed(label);
	rand_fill(I, sizeof(I));
	rand_fill(I2, sizeof(I2));
	/* n proxies' keys, then extra keys that pad the tree to 2^h. */
	for (q = 0; q < leaves; q++) {
		new_key(&keys[q], ots_types[q % NUM_OTS_TYPES].type, q, I);
		m2mkx_ots_public(&keys[q], K + q * N);
	}

	tap_is_int(m2mkx_merkle_build(I, h, K, nodes), 0,
		   "tree of %u leaves (height %u) builds", n, h);
	ref_tree(I, h, K, ref);
	tap_is_mem(nodes + N, ref + N, (2 * leaves - 1) * N,
		   "tree of %u leaves: every node as merkle.h defines it", n);

	for (q = 0; q < leaves; q++) {
		ok &= m2mkx_merkle_path(h, nodes, q, path) == 0;
		ok &= m2mkx_merkle_root(I, h, q, K + q * N, path, root) == 0;
		ok &= !memcmp(root, nodes + N, N);
	}
	tap_ok(ok, "tree of %u leaves: all %u paths climb to the root", n,
	       leaves);

	/* One proxy's whole job: sign, then prove its key is in the tree. */
	len = m2mkx_ots_sig_len(keys[0].type);
	m2mkx_merkle_path(h, nodes, 0, path);
	ok = m2mkx_ots_sign(&keys[0], msg, sizeof(msg), sigbuf, len) == 0 &&
	     m2mkx_ots_candidate(keys[0].type, I, 0, msg, sizeof(msg), sigbuf,
				 len, kc) == 0 &&
	     m2mkx_merkle_root(I, h, 0, kc, path, root) == 0 &&
	     m2mkx_ct_memeq(root, nodes + N, N);
	tap_ok(ok, "tree of %u leaves: leaf 0 signs, its candidate climbs",
	       n);

	/* A tree over the same keys under another I shares no node. */
	m2mkx_merkle_build(I2, h, K, nodes2);
	tap_ok(memcmp(nodes2 + N, nodes + N, N) != 0,
	       "tree of %u leaves: another I, another root", n);
	for (q = 0; q < leaves; q++) {
		m2mkx_merkle_path(h, nodes2, q, path2);
		m2mkx_merkle_root(I, h, q, K + q * N, path2, root);
		bad &= h == 0 || memcmp(root, nodes + N, N) != 0;
		m2mkx_merkle_root(I2, h, q, K + q * N, path2, root);
		bad &= h == 0 || !memcmp(root, nodes2 + N, N);
	}
	tap_ok(bad, "tree of %u leaves: paths of another tree fail here", n);

	if (h == 0) {
		tap_is_int(m2mkx_merkle_root(I, 0, 0, K, NULL, root), 0,
			   "single leaf: empty path");
		tap_is_mem(root, nodes + N, N, "single leaf: root is its leaf");
		return;
	}
	bad = true;
	for (q = 0; q < leaves; q++) {
		u32 other = (q + 1) % leaves;

		m2mkx_merkle_path(h, nodes, q, path);
		/* The right key at the wrong index, and the wrong key. */
		m2mkx_merkle_root(I, h, other, K + q * N, path, root);
		bad &= memcmp(root, nodes + N, N) != 0;
		m2mkx_merkle_root(I, h, q, K + other * N, path, root);
		bad &= memcmp(root, nodes + N, N) != 0;
		m2mkx_merkle_root(I, h, other, K + other * N, path, root);
		bad &= memcmp(root, nodes + N, N) != 0;
	}
	tap_ok(bad, "tree of %u leaves: no path proves another leaf", n);
	flip(path, 200);
	m2mkx_merkle_root(I, h, leaves - 1, K + (leaves - 1) * N, path, root);
	tap_ok(memcmp(root, nodes + N, N) != 0,
	       "tree of %u leaves: flipped path bit fails", n);
}

static void test_tree_args(void)
{
	static u8 K[32 * N], nodes[64 * N];
	u8 I[M2MKX_LMS_I_LEN] = { 0 }, path[25 * N] = { 0 }, root[N];

	tap_is_int(m2mkx_merkle_build(I, M2MKX_MERKLE_MAX_HEIGHT + 1, K,
				      nodes), -M2MKX_EINVAL,
		   "build refuses height %u", M2MKX_MERKLE_MAX_HEIGHT + 1);
	tap_is_int(m2mkx_merkle_path(M2MKX_MERKLE_MAX_HEIGHT + 1, nodes, 0,
				     path), -M2MKX_EINVAL,
		   "path refuses height %u", M2MKX_MERKLE_MAX_HEIGHT + 1);
	tap_is_int(m2mkx_merkle_path(3, nodes, 8, path), -M2MKX_EINVAL,
		   "path refuses q = 2^h");
	tap_is_int(m2mkx_merkle_root(I, 3, 8, K, path, root), -M2MKX_EINVAL,
		   "root refuses q = 2^h");
	tap_is_int(m2mkx_merkle_root(I, M2MKX_LMS_MAX_HEIGHT + 1, 0, K, path,
				     root), -M2MKX_EINVAL,
		   "root refuses height %u", M2MKX_LMS_MAX_HEIGHT + 1);
	tap_is_int(m2mkx_merkle_root(I, M2MKX_LMS_MAX_HEIGHT, 0, K, path,
				     root), 0, "root climbs an H25 path");
	tap_is_int(m2mkx_merkle_build(NULL, 1, K, nodes), -M2MKX_EINVAL,
		   "build refuses a missing I");
}

/*
 * A height-5 LMS tree over our own one-time keys of each LM-OTS type
 * verifies through m2mkx_lms_verify(), and its refusals have the right
 * codes.
 */
static void test_lms_ours(const struct ots_type *t, u32 q)
{
	static const u8 msg[] = "an LMS signature from m2mkx keys";
	static u8 K[32 * N], nodes[64 * N];
	u8 pub[LMS_PUB_LEN], I[M2MKX_LMS_I_LEN], root[N], path[5 * N];
	static struct m2mkx_ots_key keys[32];
	size_t ots_len = t->sig_len, len = 4 + ots_len + 4 + 5 * N;
	u8 *s = sigbuf;
	bool ok = true;
	char label[64];
	u32 r;

	snprintf(label, sizeof(label), "test_lms lms %s", t->name);
	drbg_seed(label);
	rand_fill(I, sizeof(I));
	for (r = 0; r < 32; r++) {
		new_key(&keys[r], t->type, r, I);
		m2mkx_ots_public(&keys[r], K + r * N);
	}
	ref_tree(I, 5, K, nodes);
	for (r = 0; r < 32; r++) {
		ref_path(5, nodes, r, path);
		ok &= m2mkx_merkle_root(I, 5, r, K + r * N, path, root) == 0 &&
		      !memcmp(root, nodes + N, N);
	}
	tap_ok(ok, "LMS H5/%s: m2mkx_merkle_root climbs every leaf", t->name);

	m2mkx_put_be32(pub, M2MKX_LMS_SHA256_M32_H5);
	m2mkx_put_be32(pub + 4, t->type);
	memcpy(pub + 8, I, M2MKX_LMS_I_LEN);
	memcpy(pub + 24, nodes + N, N);

	/* u32str(q) || lmots_signature || u32str(type) || path */
	m2mkx_put_be32(s, q);
	m2mkx_ots_sign(&keys[q], msg, sizeof(msg), s + 4, ots_len);
	m2mkx_put_be32(s + 4 + ots_len, M2MKX_LMS_SHA256_M32_H5);
	ref_path(5, nodes, q, s + 4 + ots_len + 4);

	tap_is_int(m2mkx_lms_verify(pub, sizeof(pub), msg, sizeof(msg), s,
				    len), 0,
		   "LMS H5/%s: our signature at q = %u verifies", t->name, q);
	tap_is_int(m2mkx_lms_verify(pub, sizeof(pub), msg, sizeof(msg) - 1, s,
				    len), -M2MKX_EMERKLE,
		   "LMS H5/%s: another message", t->name);
	m2mkx_put_be32(s, q ^ 1);
	tap_is_int(m2mkx_lms_verify(pub, sizeof(pub), msg, sizeof(msg), s,
				    len), -M2MKX_EMERKLE,
		   "LMS H5/%s: another q", t->name);
	m2mkx_put_be32(s, 32);
	tap_is_int(m2mkx_lms_verify(pub, sizeof(pub), msg, sizeof(msg), s,
				    len), -M2MKX_EMERKLE,
		   "LMS H5/%s: q = 2^h", t->name);
	m2mkx_put_be32(s, q);
	m2mkx_put_be32(s + 4 + ots_len, M2MKX_LMS_SHA256_M32_H10);
	tap_is_int(m2mkx_lms_verify(pub, sizeof(pub), msg, sizeof(msg), s,
				    len), -M2MKX_EMERKLE,
		   "LMS H5/%s: signature claims H10", t->name);
	m2mkx_put_be32(s + 4 + ots_len, M2MKX_LMS_SHA256_M32_H5);
	tap_is_int(m2mkx_lms_verify(pub, sizeof(pub), msg, sizeof(msg), s,
				    len - 1), -M2MKX_EMERKLE,
		   "LMS H5/%s: path one byte short", t->name);
	tap_is_int(m2mkx_lms_verify(pub, sizeof(pub), msg, sizeof(msg), s,
				    len - N), -M2MKX_EMERKLE,
		   "LMS H5/%s: path one node short", t->name);
	tap_is_int(m2mkx_lms_verify(pub, sizeof(pub), msg, sizeof(msg), s,
				    4 + ots_len + 3), -M2MKX_EOTSSIG,
		   "LMS H5/%s: cut inside the LMS type", t->name);
	tap_is_int(m2mkx_lms_verify(pub, sizeof(pub), msg, sizeof(msg), s, 7),
		   -M2MKX_EOTSSIG, "LMS H5/%s: 7-byte signature", t->name);
	m2mkx_put_be32(pub + 4, t->type == M2MKX_LMOTS_SHA256_N32_W8 ?
		       M2MKX_LMOTS_SHA256_N32_W1 : t->type + 1);
	tap_is_int(m2mkx_lms_verify(pub, sizeof(pub), msg, sizeof(msg), s,
				    len), -M2MKX_EOTSSIG,
		   "LMS H5/%s: key of another LM-OTS type", t->name);
	m2mkx_put_be32(pub + 4, M2MKX_OTS_LAMPORT_SHA256);
	tap_is_int(m2mkx_lms_verify(pub, sizeof(pub), msg, sizeof(msg), s,
				    len), -M2MKX_EINVAL,
		   "LMS H5/%s: key with Lamport as LM-OTS type", t->name);
	m2mkx_put_be32(pub + 4, t->type);
	flip(pub + 24, 77);
	tap_is_int(m2mkx_lms_verify(pub, sizeof(pub), msg, sizeof(msg), s,
				    len), -M2MKX_EMERKLE,
		   "LMS H5/%s: key with another root", t->name);
}

int main(int argc, char **argv)
{
	const char *path = getenv("M2MKX_VECTORS");
	unsigned int t;

	if (argc > 1)
		path = argv[1];
	if (!path || !*path)
		path = "tests/vectors/rfc8554.txt";

	test_vectors(path);

	test_sig_len();
	for (t = 0; t < NUM_OTS_TYPES; t++)
		test_ots_type(&ots_types[t],
			      ots_types[(t + 1) % NUM_OTS_TYPES].type);
	test_sign_args();
	test_lamport_layout();

	test_height();
	test_tree(1);
	test_tree(2);
	test_tree(3);
	test_tree(5);
	test_tree(8);
	test_tree(16);
	test_tree_args();
	for (t = 0; t < NUM_LMOTS_TYPES; t++)
		test_lms_ours(&ots_types[t], 5 + 7 * t);

	return tap_done();
}
