// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Tests of k-of-n sharing and its decoder (core/share.c).
 *
 * Expected results come from a reference written here independently of the
 * code under test: the field through log/exp tables, and a decoder that
 * tries every k-subset of the shares and keeps the polynomial that disagrees
 * with at most (r - k) / 2 of them. That brute force is only practical for
 * test sizes, but it is obviously right, so random corruption patterns,
 * inside and beyond the bound, can be checked for the exact outcome.
 */
#include <m2mkx/crypto.h>
#include <m2mkx/errors.h>
#include <m2mkx/share.h>

#include "drbg.h"
#include "tap.h"

#define MAXP M2MKX_MAX_PROXIES
#define MAXL M2MKX_SHARE_MAX_SECRET_LEN
#define SHAMIR M2MKX_SHARE_SHAMIR
#define DISPERSAL M2MKX_SHARE_DISPERSAL

/* ---- Reference field: GF(2^8) mod 0x11b through log/exp tables. ---- */

static u8 gexp[510];
static unsigned int glog[256];

static void ref_init(void)
{
	unsigned int i;
	u8 x = 1;

	/* 3 generates the multiplicative group; x * 3 = x ^ xtime(x). */
	for (i = 0; i < 255; i++) {
		gexp[i] = x;
		gexp[i + 255] = x;
		glog[x] = i;
		x ^= (u8)((x << 1) ^ ((x & 0x80) ? 0x1b : 0));
	}
}

static u8 ref_mul(u8 a, u8 b)
{
	return a && b ? gexp[glog[a] + glog[b]] : 0;
}

static u8 ref_div(u8 a, u8 b)
{
	return a ? gexp[glog[a] + 255 - glog[b]] : 0;
}

static u8 ref_eval(const u8 *p, unsigned int k, u8 x)
{
	u8 v = 0;

	while (k--)
		v = ref_mul(v, x) ^ p[k];
	return v;
}

/* The polynomial of degree < k through (xs[i], ys[i]), low term first. */
static void ref_interp(const u8 *xs, const u8 *ys, unsigned int k, u8 *p)
{
	unsigned int i, m, t, deg;
	u8 num[MAXP + 1], den, s;

	memset(p, 0, k);
	for (i = 0; i < k; i++) {
		memset(num, 0, sizeof(num));
		num[0] = 1;
		deg = 0;
		den = 1;
		for (m = 0; m < k; m++) {
			if (m == i)
				continue;
			deg++;
			for (t = deg; t > 0; t--)
				num[t] = num[t - 1] ^ ref_mul(num[t], xs[m]);
			num[0] = ref_mul(num[0], xs[m]);
			den = ref_mul(den, xs[i] ^ xs[m]);
		}
		s = ref_div(ys[i], den);
		for (t = 0; t < k; t++)
			p[t] ^= ref_mul(s, num[t]);
	}
}

static unsigned int popcount(u32 v)
{
	unsigned int n = 0;

	for (; v; v >>= 1)
		n += v & 1;
	return n;
}

static size_t ref_share_len(enum m2mkx_share_mode mode, unsigned int k,
			    size_t slen)
{
	return mode == SHAMIR ? slen : (slen + k - 1) / k;
}

/* The decoder's exact outcome, by brute force. */
struct outcome {
	int ret;
	u32 corrupted;
	u8 secret[MAXL];
};

static void ref_decode(enum m2mkx_share_mode mode, unsigned int k,
		       unsigned int r, const u8 *points, const u8 *shares,
		       size_t slen, struct outcome *o)
{
	size_t len = ref_share_len(mode, k, slen);
	unsigned int e = r >= k ? (r - k) / 2 : 0;
	u8 y[MAXP], xs[MAXP], ys[MAXP], p[MAXP];
	u8 coef[MAXP * MAXL];
	unsigned int j, n;
	u32 sub, diff;
	bool found;
	size_t c;

	memset(o, 0, sizeof(*o));
	memset(coef, 0, sizeof(coef));
	o->ret = -M2MKX_EDECODE;
	if (r < k)
		return;
	for (c = 0; c < len; c++) {
		for (j = 0; j < r; j++)
			y[j] = shares[j * len + c];
		found = false;
		for (sub = 0; sub < (1u << r) && !found; sub++) {
			if (popcount(sub) != k)
				continue;
			for (j = 0, n = 0; j < r; j++) {
				if (sub & (1u << j)) {
					xs[n] = points[j];
					ys[n++] = y[j];
				}
			}
			ref_interp(xs, ys, k, p);
			diff = 0;
			for (j = 0; j < r; j++)
				if (ref_eval(p, k, points[j]) != y[j])
					diff |= 1u << j;
			if (popcount(diff) <= e) {
				found = true;
				o->corrupted |= diff;
				if (mode == SHAMIR)
					coef[c] = p[0];
				else
					memcpy(coef + c * k, p, k);
			}
		}
		if (!found)
			goto fail;
	}
	if (popcount(o->corrupted) > e)
		goto fail;
	for (c = slen; mode == DISPERSAL && c < len * k; c++)
		if (coef[c])
			goto fail;
	memcpy(o->secret, coef, slen);
	o->ret = 0;
	return;
fail:
	o->corrupted = 0;
}

/* ---- Randomness, from the test DRBG. ---- */

static u8 rnd8(void)
{
	u8 b;

	m2mkx_random(&b, 1);
	return b;
}

static u8 rnd_nonzero(void)
{
	u8 b;

	do {
		b = rnd8();
	} while (!b);
	return b;
}

static unsigned int rnd_below(unsigned int n)
{
	u32 v;

	m2mkx_random(&v, sizeof(v));
	return v % n;
}

static void rnd_shuffle(unsigned int *idx, unsigned int n)
{
	unsigned int i, j, t;

	for (i = n; i > 1; i--) {
		j = rnd_below(i);
		t = idx[i - 1];
		idx[i - 1] = idx[j];
		idx[j] = t;
	}
}

/*
 * A random permutation of 0..n-1, so that its first r entries are a random
 * r-subset in a random order.
 */
static void rnd_perm(unsigned int *idx, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		idx[i] = i;
	rnd_shuffle(idx, n);
}

/* A set of @r distinct positions out of @n, as a bit mask. */
static u32 rnd_positions(unsigned int n, unsigned int r)
{
	unsigned int idx[MAXP], i;
	u32 m = 0;

	rnd_perm(idx, n);
	for (i = 0; i < r; i++)
		m |= 1u << idx[i];
	return m;
}

/* ---- Running the code under test. ---- */

enum corruption {
	CORRUPT_BYTES,	/* random non-zero xor into a random set of bytes */
	CORRUPT_ONE,	/* one random byte */
	CORRUPT_SPREAD,	/* one byte, in column j % len for input share j */
	CORRUPT_COL0,	/* one byte, always in column 0 */
};

static void corrupt(u8 *share, size_t len, enum corruption how,
		    unsigned int j)
{
	bool any = false;
	size_t c;

	switch (how) {
	case CORRUPT_BYTES:
		while (!any) {
			for (c = 0; c < len; c++) {
				if (rnd8() & 1) {
					share[c] ^= rnd_nonzero();
					any = true;
				}
			}
		}
		break;
	case CORRUPT_ONE:
		share[rnd_below((unsigned int)len)] ^= rnd_nonzero();
		break;
	case CORRUPT_SPREAD:
		share[j % len] ^= rnd_nonzero();
		break;
	case CORRUPT_COL0:
		share[0] ^= rnd_nonzero();
		break;
	}
}

struct run {
	int split_ret;
	int ret;
	u32 corrupted;
	u8 x[MAXL];
	u8 out[MAXL];
	struct outcome ref;
};

/*
 * Splits a fresh random x of @slen bytes into @n shares, hands the decoder
 * the shares idx[0..r-1] in that order after corrupting the input positions
 * in @bad, and records its outcome and the reference's.
 */
static void run_case(enum m2mkx_share_mode mode, unsigned int n,
		     unsigned int k, size_t slen, const unsigned int *idx,
		     unsigned int r, u32 bad, enum corruption how,
		     bool with_ref, struct run *res)
{
	size_t len = m2mkx_share_len(mode, k, slen);
	u8 shares[MAXP * MAXL], in[MAXP * MAXL], pts[MAXP];
	unsigned int j;

	memset(res, 0, sizeof(*res));
	m2mkx_random(res->x, slen);
	res->split_ret = m2mkx_share_split(mode, k, n, res->x, slen, shares);
	for (j = 0; j < r; j++) {
		pts[j] = (u8)(idx[j] + 1);
		memcpy(in + j * len, shares + idx[j] * len, len);
		if (bad & (1u << j))
			corrupt(in + j * len, len, how, j);
	}
	memset(res->out, 0xa5, sizeof(res->out));
	res->corrupted = 0xdeadbeef;
	res->ret = m2mkx_share_combine(mode, k, r, pts, in, res->out, slen,
				       &res->corrupted);
	if (with_ref)
		ref_decode(mode, k, r, pts, in, slen, &res->ref);
}

/* Success with x rebuilt and exactly @bad named. */
static bool run_corrected(const struct run *res, size_t slen, u32 bad)
{
	return res->split_ret == 0 && res->ret == 0 &&
	       !memcmp(res->out, res->x, slen) && res->corrupted == bad;
}

/* The decoder's outcome is exactly the reference's. */
static bool run_matches_ref(const struct run *res, size_t slen)
{
	return res->split_ret == 0 && res->ret == res->ref.ret &&
	       res->corrupted == res->ref.corrupted &&
	       !memcmp(res->out, res->ref.secret, slen);
}

static void run_diag(const struct run *res, size_t slen)
{
	tap_diag("split %d, combine %d, corrupted %#x; reference %d, %#x",
		 res->split_ret, res->ret, res->corrupted, res->ref.ret,
		 res->ref.corrupted);
	tap_hex("x", res->x, slen);
	tap_hex("out", res->out, slen);
	tap_hex("ref", res->ref.secret, slen);
}

static const char *mode_name(enum m2mkx_share_mode mode)
{
	return mode == SHAMIR ? "shamir" : "dispersal";
}

/* ---- 0. The reference itself. ---- */

static void test_reference(void)
{
	unsigned int i, seen = 0;
	bool distinct[256] = { false };

	for (i = 0; i < 255; i++) {
		if (!distinct[gexp[i]])
			seen++;
		distinct[gexp[i]] = true;
	}
	tap_ok(seen == 255 && !distinct[0], "reference: 3 generates GF(2^8)*");
	/* FIPS-197 section 4.2. */
	tap_ok(ref_mul(0x57, 0x83) == 0xc1 && ref_mul(0x57, 0x13) == 0xfe,
	       "reference: {57}{83} = {c1} and {57}{13} = {fe}");
}

/* ---- 1. Split writes codewords; every k-subset rebuilds x. ---- */

/*
 * Every column of the n shares must lie on one polynomial of degree < k,
 * whose constant term is x[c] (Shamir) or whose coefficients are the
 * documented bytes of zero-padded x (dispersal).
 */
static bool split_well_formed(enum m2mkx_share_mode mode, unsigned int n,
			      unsigned int k, const u8 *x, size_t slen,
			      const u8 *shares)
{
	size_t len = m2mkx_share_len(mode, k, slen);
	u8 xs[MAXP], ys[MAXP], p[MAXP];
	unsigned int i, j;
	size_t c, pos;

	for (c = 0; c < len; c++) {
		for (i = 0; i < k; i++) {
			xs[i] = (u8)(i + 1);
			ys[i] = shares[i * len + c];
		}
		ref_interp(xs, ys, k, p);
		for (i = 0; i < n; i++)
			if (ref_eval(p, k, (u8)(i + 1)) != shares[i * len + c])
				return false;
		if (mode == SHAMIR) {
			if (p[0] != x[c])
				return false;
			continue;
		}
		for (j = 0; j < k; j++) {
			pos = c * k + j;
			if (p[j] != (pos < slen ? x[pos] : 0))
				return false;
		}
	}
	return true;
}

static void test_roundtrip(enum m2mkx_share_mode mode, unsigned int n,
			   unsigned int k, size_t slen)
{
	size_t len = m2mkx_share_len(mode, k, slen);
	u8 x[MAXL], out[MAXL], pts[MAXP];
	u8 shares[MAXP * MAXL], in[MAXP * MAXL];
	unsigned int idx[MAXP], tried = 0, failed = 0, i, j, r;
	u32 sub, corrupted;
	int ret;

	m2mkx_random(x, slen);
	ret = m2mkx_share_split(mode, k, n, x, slen, shares);
	tap_ok(ret == 0 && len == ref_share_len(mode, k, slen) &&
	       split_well_formed(mode, n, k, x, slen, shares),
	       "%s n=%u k=%u len=%zu: split writes one codeword per column",
	       mode_name(mode), n, k, slen);

	/* Exhaustive for n <= 8, 200 random k-subsets for larger n. */
	for (i = 0; n <= 8 ? i < (1u << n) : i < 200; i++) {
		if (n <= 8) {
			sub = i;
			if (popcount(sub) != k)
				continue;
			for (j = 0, r = 0; j < n; j++)
				if (sub & (1u << j))
					idx[r++] = j;
		} else {
			rnd_perm(idx, n);
		}
		/* Present the subset in a random order. */
		rnd_shuffle(idx, k);
		for (j = 0; j < k; j++) {
			pts[j] = (u8)(idx[j] + 1);
			memcpy(in + j * len, shares + idx[j] * len, len);
		}
		memset(out, 0, sizeof(out));
		corrupted = 0xdeadbeef;
		ret = m2mkx_share_combine(mode, k, k, pts, in, out, slen,
					  &corrupted);
		tried++;
		if (ret || corrupted || memcmp(out, x, slen)) {
			if (!failed++)
				tap_diag("combine %d, corrupted %#x", ret,
					 corrupted);
		}
	}
	tap_ok(!failed && tried,
	       "%s n=%u k=%u len=%zu: each of %u k-subsets rebuilds x",
	       mode_name(mode), n, k, slen, tried);

	/* More than k honest shares: still x, and nobody is named. */
	failed = 0;
	for (i = 0; i < 20; i++) {
		r = k + rnd_below(n - k + 1);
		rnd_perm(idx, n);
		for (j = 0; j < r; j++) {
			pts[j] = (u8)(idx[j] + 1);
			memcpy(in + j * len, shares + idx[j] * len, len);
		}
		ret = m2mkx_share_combine(mode, k, r, pts, in, out, slen,
					  &corrupted);
		if (ret || corrupted || memcmp(out, x, slen))
			failed++;
	}
	tap_ok(!failed,
	       "%s n=%u k=%u len=%zu: r >= k honest shares: x, none named",
	       mode_name(mode), n, k, slen);
}

static void test_roundtrips(void)
{
	static const unsigned int ns[] = { 1, 2, 3, 4, 5, 8, 16 };
	static const enum m2mkx_share_mode modes[] = { SHAMIR, DISPERSAL };
	unsigned int m, i, k;
	size_t odd;

	for (m = 0; m < 2; m++) {
		for (i = 0; i < M2MKX_ARRAY_SIZE(ns); i++) {
			for (k = 1; k <= ns[i]; k++) {
				drbg_seed("share roundtrip");
				test_roundtrip(modes[m], ns[i], k, MAXL);
				odd = 1 + (7 * ns[i] + 3 * k) % (MAXL - 1);
				test_roundtrip(modes[m], ns[i], k, odd);
			}
		}
	}
}

/* Shamir must actually use its random coefficients, fresh per split. */
static void test_shamir_randomness(void)
{
	u8 x[MAXL], a[3 * MAXL], b[3 * MAXL], xs[3] = { 1, 2, 3 };
	u8 ys[3], p[3], high = 0;
	size_t c;

	drbg_seed("share randomness");
	m2mkx_random(x, sizeof(x));
	m2mkx_share_split(SHAMIR, 3, 3, x, MAXL, a);
	m2mkx_share_split(SHAMIR, 3, 3, x, MAXL, b);
	tap_ok(memcmp(a, b, sizeof(a)) != 0,
	       "shamir: two splits of one x give different shares");
	for (c = 0; c < MAXL; c++) {
		ys[0] = a[c];
		ys[1] = a[MAXL + c];
		ys[2] = a[2 * MAXL + c];
		ref_interp(xs, ys, 3, p);
		high |= p[1] | p[2];
	}
	tap_ok(high != 0, "shamir: higher coefficients are not all zero");

	drbg_seed("share randomness");
	m2mkx_share_split(SHAMIR, 3, 3, x, 10, a);
	tap_is_int((long long)drbg_bytes_used(), 10 * 2,
		   "shamir k=3 len=10: draws k-1 random bytes per byte of x");
	drbg_seed("share randomness");
	m2mkx_share_split(SHAMIR, 1, 3, x, 10, a);
	m2mkx_share_split(DISPERSAL, 3, 3, x, 10, a);
	tap_is_int((long long)drbg_bytes_used(), 0,
		   "shamir k=1 and dispersal draw no randomness");
}

/* ---- 2. Perfect secrecy of Shamir, over the whole field. ---- */

/*
 * Two shares of a k = 3 split at points @u and @v (not 1) hold the values
 * @a and @b. For every secret s there must be exactly one pair of higher
 * coefficients (c1, c2) with s + c1 X + c2 X^2 through both shares: each s
 * is then equally likely given the two shares. Counting all 2^24
 * (s, c1, c2) is cheap with per-point multiplication tables.
 */
static void test_secrecy_column(u8 u, u8 v, u8 a, u8 b)
{
	u8 mu[256], mu2[256], mv[256], mv2[256];
	u8 xs[3], ys[3], p[3], in[3], out, pts[3];
	unsigned int s, c1, c2, count, bad_count = 0, bad_decode = 0;
	u32 corrupted;
	int ret;

	for (c1 = 0; c1 < 256; c1++) {
		mu[c1] = ref_mul((u8)c1, u);
		mu2[c1] = ref_mul((u8)c1, ref_mul(u, u));
		mv[c1] = ref_mul((u8)c1, v);
		mv2[c1] = ref_mul((u8)c1, ref_mul(v, v));
	}
	for (s = 0; s < 256; s++) {
		count = 0;
		for (c1 = 0; c1 < 256; c1++)
			for (c2 = 0; c2 < 256; c2++)
				if ((s ^ mu[c1] ^ mu2[c2]) == a &&
				    (s ^ mv[c1] ^ mv2[c2]) == b)
					count++;
		if (count != 1)
			bad_count++;

		/*
		 * The decoder agrees: the two fixed shares and the third
		 * share of that polynomial rebuild s.
		 */
		xs[0] = 0;
		xs[1] = u;
		xs[2] = v;
		ys[0] = (u8)s;
		ys[1] = a;
		ys[2] = b;
		ref_interp(xs, ys, 3, p);
		pts[0] = u;
		pts[1] = v;
		pts[2] = 1;
		in[0] = a;
		in[1] = b;
		in[2] = ref_eval(p, 3, pts[2]);
		ret = m2mkx_share_combine(SHAMIR, 3, 3, pts, in, &out, 1,
					  &corrupted);
		if (ret || out != s || corrupted)
			bad_decode++;
	}
	tap_ok(!bad_count,
	       "shamir k=3 (%u,%02x) (%u,%02x): one polynomial for each s",
	       u, a, v, b);
	tap_ok(!bad_decode,
	       "shamir k=3 (%u,%02x) (%u,%02x): a 3rd share decodes to any s",
	       u, a, v, b);
}

static void test_secrecy(void)
{
	u8 x[4], shares[5 * 4];

	drbg_seed("share secrecy");
	m2mkx_random(x, sizeof(x));
	m2mkx_share_split(SHAMIR, 3, 5, x, sizeof(x), shares);
	/* Shares 2 and 5 of a real split, for two of its columns. */
	test_secrecy_column(2, 5, shares[1 * 4 + 0], shares[4 * 4 + 0]);
	test_secrecy_column(2, 5, shares[1 * 4 + 3], shares[4 * 4 + 3]);
	/* And a column of zeros at the last two points. */
	test_secrecy_column(4, 5, 0, 0);
}

/* ---- 3. Decoding corrupted shares. ---- */

static void identity(unsigned int *idx, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		idx[i] = i;
}

/* n = 5, k = 3, r = 5: one corrupted share, every position, is corrected. */
static void test_correct_one(enum m2mkx_share_mode mode, enum corruption how,
			     const char *what)
{
	unsigned int idx[MAXP], p, t, failed = 0;
	struct run res;

	drbg_seed("share correct one");
	identity(idx, 5);
	for (p = 0; p < 5; p++) {
		for (t = 0; t < 8; t++) {
			run_case(mode, 5, 3, 23, idx, 5, 1u << p, how, true,
				 &res);
			if (!run_corrected(&res, 23, 1u << p) ||
			    !run_matches_ref(&res, 23)) {
				if (!failed++)
					run_diag(&res, 23);
			}
		}
	}
	tap_ok(!failed,
	       "%s n=5 k=3 r=5: %s in any one share is corrected and named",
	       mode_name(mode), what);
}

/* r = 7, k = 3: every pair of corrupted shares is corrected and named. */
static void test_correct_pairs(enum m2mkx_share_mode mode)
{
	unsigned int idx[MAXP], a, b, failed = 0;
	struct run res;
	u32 bad;

	drbg_seed("share correct pairs");
	identity(idx, 7);
	for (a = 0; a < 7; a++) {
		for (b = a + 1; b < 7; b++) {
			bad = 1u << a | 1u << b;
			run_case(mode, 7, 3, MAXL, idx, 7, bad, CORRUPT_BYTES,
				 true, &res);
			if (!run_corrected(&res, MAXL, bad) ||
			    !run_matches_ref(&res, MAXL)) {
				if (!failed++)
					run_diag(&res, MAXL);
			}
		}
	}
	tap_ok(!failed,
	       "%s n=7 k=3 r=7: any 2 corrupted shares are corrected and named",
	       mode_name(mode));
}

/* n = 16, k = 4: six corrupted shares out of 16, or three out of 10. */
static void test_correct_many(enum m2mkx_share_mode mode)
{
	unsigned int idx[MAXP], t, failed = 0, failed10 = 0;
	struct run res;
	u32 bad;

	drbg_seed("share correct many");
	for (t = 0; t < 20; t++) {
		rnd_perm(idx, 16);
		bad = rnd_positions(16, 6);
		run_case(mode, 16, 4, MAXL, idx, 16, bad,
			 t & 1 ? CORRUPT_ONE : CORRUPT_BYTES, t < 4, &res);
		if (!run_corrected(&res, MAXL, bad) ||
		    (t < 4 && !run_matches_ref(&res, MAXL))) {
			if (!failed++)
				run_diag(&res, MAXL);
		}

		rnd_perm(idx, 16);
		bad = rnd_positions(10, 3);
		run_case(mode, 16, 4, 29, idx, 10, bad, CORRUPT_BYTES, true,
			 &res);
		if (!run_corrected(&res, 29, bad) ||
		    !run_matches_ref(&res, 29)) {
			if (!failed10++)
				run_diag(&res, 29);
		}
	}
	tap_ok(!failed, "%s n=16 k=4 r=16: 6 corrupted corrected and named",
	       mode_name(mode));
	tap_ok(!failed10, "%s n=16 k=4 r=10: 3 corrupted corrected and named",
	       mode_name(mode));
}

/* The extremes of r - k: the largest bound, and none at all. */
static void test_extremes(enum m2mkx_share_mode mode)
{
	unsigned int idx[MAXP], t, failed = 0, failed0 = 0;
	struct run res;
	u32 bad;

	drbg_seed("share extremes");
	for (t = 0; t < 20; t++) {
		rnd_perm(idx, 16);
		bad = rnd_positions(16, 7);
		run_case(mode, 16, 1, MAXL, idx, 16, bad, CORRUPT_BYTES, true,
			 &res);
		if (!run_corrected(&res, MAXL, bad) ||
		    !run_matches_ref(&res, MAXL)) {
			if (!failed++)
				run_diag(&res, MAXL);
		}

		rnd_perm(idx, 16);
		run_case(mode, 16, 15, MAXL, idx, 16, rnd_positions(16, 1),
			 CORRUPT_ONE, false, &res);
		if (res.ret != -M2MKX_EDECODE || res.corrupted)
			failed0++;
	}
	tap_ok(!failed, "%s n=16 k=1 r=16: 7 corrupted corrected and named",
	       mode_name(mode));
	tap_ok(!failed0, "%s n=16 k=15 r=16: one corrupted share is detected",
	       mode_name(mode));
}

/*
 * One share beyond the bound (r = 5, k = 3, two corrupted). The decoder
 * either refuses or lands on another codeword; it can never return the
 * right x while naming the wrong shares, because a wrong polynomial agrees
 * with the true one on at most k - 1 points, too few to also share f(0)
 * (Shamir) or all coefficients (dispersal).
 */
static void test_beyond_bound(enum m2mkx_share_mode mode)
{
	unsigned int idx[MAXP], t, mismatch = 0, lying = 0, refused = 0;
	struct run res;
	u32 bad;

	drbg_seed("share beyond bound");
	identity(idx, 5);
	for (t = 0; t < 200; t++) {
		bad = rnd_positions(5, 2);
		run_case(mode, 5, 3, 1 + t % MAXL, idx, 5, bad,
			 t % 3 ? CORRUPT_ONE : CORRUPT_BYTES, true, &res);
		if (!run_matches_ref(&res, 1 + t % MAXL)) {
			if (!mismatch++)
				run_diag(&res, 1 + t % MAXL);
		}
		if (res.ret == 0 && !memcmp(res.out, res.x, 1 + t % MAXL))
			lying++;
		if (res.ret == -M2MKX_EDECODE)
			refused++;
	}
	tap_ok(!lying, "%s r=5 k=3, 2 corrupted: never x with a wrong mask",
	       mode_name(mode));
	tap_ok(!mismatch,
	       "%s r=5 k=3, 2 corrupted: outcome is brute force's exactly",
	       mode_name(mode));
	tap_ok(refused > 150, "%s r=5 k=3, 2 corrupted: refused in %u of 200",
	       mode_name(mode), refused);
}

/*
 * Corruption the decoder must detect:
 * - r = 6, k = 2, three shares each corrupted in its own column: every
 *   column decodes (one error each, e = 2), but three shares are named;
 * - r = 6, k = 2, three shares corrupted in one column, kept only when
 *   brute force shows no line through 4 of the 6 received points;
 * - r = 4, k = 3 (e = 0): one corrupted share is detected, not corrected.
 */
static void test_detected(enum m2mkx_share_mode mode)
{
	unsigned int idx[MAXP], t, kept = 0, failed = 0;
	struct run res;
	size_t slen;

	drbg_seed("share detected");
	identity(idx, 6);
	for (t = 0; t < 20; t++) {
		/* Dispersal k = 2 needs 6 bytes for 3 columns. */
		slen = 6 + t % (MAXL - 5);
		run_case(mode, 6, 2, slen, idx, 6, rnd_positions(6, 3),
			 CORRUPT_SPREAD, true, &res);
		if (res.ret != -M2MKX_EDECODE || !run_matches_ref(&res, slen)) {
			if (!failed++)
				run_diag(&res, slen);
		}
	}
	tap_ok(!failed,
	       "%s r=6 k=2: 3 shares corrupted in 3 columns are refused",
	       mode_name(mode));

	failed = 0;
	for (t = 0; kept < 50 && t < 1000; t++) {
		run_case(mode, 6, 2, 12, idx, 6, rnd_positions(6, 3),
			 CORRUPT_COL0, true, &res);
		if (res.ref.ret != -M2MKX_EDECODE)
			continue;
		kept++;
		if (res.ret != -M2MKX_EDECODE || !run_matches_ref(&res, 12)) {
			if (!failed++)
				run_diag(&res, 12);
		}
	}
	tap_ok(!failed && kept == 50,
	       "%s r=6 k=2: no line through 4 of 6 points: refused (%u)",
	       mode_name(mode), kept);

	failed = 0;
	identity(idx, 4);
	for (t = 0; t < 20; t++) {
		run_case(mode, 5, 3, MAXL, idx, 4, 1u << (t % 4),
			 CORRUPT_ONE, false, &res);
		if (res.ret != -M2MKX_EDECODE || res.corrupted)
			failed++;
	}
	tap_ok(!failed, "%s r=4 k=3: one corrupted share is detected",
	       mode_name(mode));
}

/* On refusal the output holds nothing of a partial decode. */
static void test_refusal_wipes(void)
{
	unsigned int idx[MAXP];
	struct run res;
	u8 zero[MAXL] = { 0 };

	drbg_seed("share refusal");
	identity(idx, 6);
	run_case(SHAMIR, 6, 2, MAXL, idx, 6, 0x07, CORRUPT_SPREAD, false,
		 &res);
	tap_ok(res.ret == -M2MKX_EDECODE && !memcmp(res.out, zero, MAXL) &&
	       res.corrupted == 0,
	       "refused: output zeroed and no share named");
}

/*
 * Random corruption of random shares, any number of them, in many shapes:
 * the outcome must be exactly the brute-force decoder's.
 */
static void test_random_vs_ref(enum m2mkx_share_mode mode)
{
	unsigned int idx[MAXP], t, n, k, r, failed = 0, ok = 0;
	struct run res;
	size_t slen;

	drbg_seed("share random");
	for (t = 0; t < 600; t++) {
		n = 1 + rnd_below(8);
		k = 1 + rnd_below(n);
		r = k + rnd_below(n - k + 1);
		slen = 1 + rnd_below(MAXL);
		rnd_perm(idx, n);
		run_case(mode, n, k, slen, idx, r,
			 rnd_positions(r, rnd_below(r + 1)),
			 (enum corruption)rnd_below(4), true, &res);
		if (!run_matches_ref(&res, slen)) {
			if (!failed++) {
				tap_diag("n=%u k=%u r=%u len=%zu", n, k, r,
					 slen);
				run_diag(&res, slen);
			}
		}
		ok += res.ret == 0;
	}
	tap_ok(!failed,
	       "%s: 600 random corruptions decode as brute force (%u ok)",
	       mode_name(mode), ok);
}

/*
 * Dispersal's padding must come back zero: a corrupted share with r = k
 * changes the top coefficient of every column it touches (Lagrange
 * polynomials have full degree), and consistent shares of a longer secret
 * have non-zero padding.
 */
static void test_padding(void)
{
	u8 x[9], out[9], shares[5 * 3], pts[3] = { 1, 2, 3 };
	unsigned int idx[MAXP];
	struct run res;
	u32 corrupted;
	int ret;

	drbg_seed("share padding");
	identity(idx, 3);
	/* Input share 2 is corrupted in column 2, the last. */
	run_case(DISPERSAL, 5, 3, 7, idx, 3, 1u << 2, CORRUPT_SPREAD, false,
		 &res);
	tap_is_int(res.ret, -M2MKX_EDECODE,
		   "dispersal len=7 k=3 r=3: corrupt last column: bad padding");

	m2mkx_random(x, sizeof(x));
	x[7] |= 1;
	m2mkx_share_split(DISPERSAL, 3, 5, x, 9, shares);
	ret = m2mkx_share_combine(DISPERSAL, 3, 3, pts, shares, out, 7,
				  &corrupted);
	tap_is_int(ret, -M2MKX_EDECODE,
		   "dispersal: shares of a 9-byte x refused as a 7-byte x");
	ret = m2mkx_share_combine(DISPERSAL, 3, 3, pts, shares, out, 9,
				  &corrupted);
	tap_ok(ret == 0 && !memcmp(out, x, 9),
	       "dispersal: ... and accepted as 9 bytes");
}

/* ---- 4. r == k cannot see corruption. ---- */

static void test_r_equals_k(void)
{
	unsigned int idx[MAXP], t, failed = 0;
	struct run res;

	drbg_seed("share r equals k");
	for (t = 0; t < 20; t++) {
		rnd_perm(idx, 5);
		run_case(SHAMIR, 5, 3, MAXL, idx, 3, 1u << (t % 3),
			 t & 1 ? CORRUPT_ONE : CORRUPT_BYTES, false, &res);
		if (res.ret || res.corrupted ||
		    !memcmp(res.out, res.x, MAXL))
			failed++;
	}
	tap_ok(!failed,
	       "shamir r=k=3: a corrupted share: wrong x, success, none named");

	failed = 0;
	for (t = 0; t < 20; t++) {
		rnd_perm(idx, 16);
		run_case(DISPERSAL, 16, 16, MAXL, idx, 16, 1u << (t % 16),
			 CORRUPT_BYTES, false, &res);
		if (res.ret || res.corrupted ||
		    !memcmp(res.out, res.x, MAXL))
			failed++;
	}
	tap_ok(!failed,
	       "dispersal r=k=16: bad share: wrong x, success, none named");
}

/* ---- 5. Arguments. ---- */

static void test_share_len(void)
{
	tap_is_int((long long)m2mkx_share_len(SHAMIR, 1, 1), 1,
		   "share_len shamir k=1 len=1");
	tap_is_int((long long)m2mkx_share_len(SHAMIR, 16, 32), 32,
		   "share_len shamir k=16 len=32");
	tap_is_int((long long)m2mkx_share_len(DISPERSAL, 3, 32), 11,
		   "share_len dispersal k=3 len=32");
	tap_is_int((long long)m2mkx_share_len(DISPERSAL, 4, 17), 5,
		   "share_len dispersal k=4 len=17");
	tap_is_int((long long)m2mkx_share_len(DISPERSAL, 16, 32), 2,
		   "share_len dispersal k=16 len=32");
	tap_is_int((long long)m2mkx_share_len(DISPERSAL, 16, 1), 1,
		   "share_len dispersal k=16 len=1");
	tap_is_int((long long)m2mkx_share_len(DISPERSAL, 1, 32), 32,
		   "share_len dispersal k=1 len=32");
	tap_ok(!m2mkx_share_len(SHAMIR, 0, 32) &&
	       !m2mkx_share_len(DISPERSAL, 0, 32) &&
	       !m2mkx_share_len(SHAMIR, 17, 32) &&
	       !m2mkx_share_len(DISPERSAL, 17, 32),
	       "share_len is 0 for k=0 and k=17");
	tap_ok(!m2mkx_share_len(SHAMIR, 3, 0) &&
	       !m2mkx_share_len(DISPERSAL, 3, 0) &&
	       !m2mkx_share_len(SHAMIR, 3, 33) &&
	       !m2mkx_share_len(DISPERSAL, 3, 33),
	       "share_len is 0 for len=0 and len=33");
	tap_ok(!m2mkx_share_len((enum m2mkx_share_mode)0, 3, 32) &&
	       !m2mkx_share_len((enum m2mkx_share_mode)3, 3, 32),
	       "share_len is 0 for an unknown mode");
}

static void test_split_args(void)
{
	u8 x[MAXL + 1] = { 0 }, shares[17 * (MAXL + 1)];

	tap_is_int(m2mkx_share_split((enum m2mkx_share_mode)0, 2, 3, x, 8,
				     shares), -M2MKX_EINVAL,
		   "split: mode 0");
	tap_is_int(m2mkx_share_split((enum m2mkx_share_mode)3, 2, 3, x, 8,
				     shares), -M2MKX_EINVAL,
		   "split: mode 3");
	tap_is_int(m2mkx_share_split(SHAMIR, 0, 3, x, 8, shares),
		   -M2MKX_EINVAL, "split: k=0");
	tap_is_int(m2mkx_share_split(SHAMIR, 4, 3, x, 8, shares),
		   -M2MKX_EINVAL, "split: k > n");
	tap_is_int(m2mkx_share_split(DISPERSAL, 2, 17, x, 8, shares),
		   -M2MKX_EINVAL, "split: n=17");
	tap_is_int(m2mkx_share_split(SHAMIR, 17, 17, x, 8, shares),
		   -M2MKX_EINVAL, "split: k=n=17");
	tap_is_int(m2mkx_share_split(SHAMIR, 2, 3, x, 0, shares),
		   -M2MKX_EINVAL, "split: len=0");
	tap_is_int(m2mkx_share_split(DISPERSAL, 2, 3, x, 33, shares),
		   -M2MKX_EINVAL, "split: len=33");
	tap_is_int(m2mkx_share_split(SHAMIR, 2, 3, NULL, 8, shares),
		   -M2MKX_EINVAL, "split: no secret");
	tap_is_int(m2mkx_share_split(SHAMIR, 2, 3, x, 8, NULL),
		   -M2MKX_EINVAL, "split: no output");
	tap_is_int(m2mkx_share_split(SHAMIR, 16, 16, x, 32, shares), 0,
		   "split: k=n=16 len=32 is accepted");
}

static void test_combine_args(void)
{
	u8 shares[17 * MAXL] = { 0 }, out[MAXL];
	u8 ok_pts[17] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
			  16, 16 };
	u8 dup[3] = { 1, 2, 1 }, zero[3] = { 1, 0, 3 }, big[3] = { 1, 17, 3 };
	u32 c;

	/* A valid baseline: all-zero shares are the split of a zero x. */
	c = 0xdeadbeef;
	tap_ok(m2mkx_share_combine(SHAMIR, 2, 3, ok_pts, shares, out, 8,
				   &c) == 0 && c == 0,
	       "combine: the baseline is accepted");
	tap_ok(m2mkx_share_combine(SHAMIR, 2, 3, ok_pts, shares, out, 8,
				   NULL) == 0,
	       "combine: corrupted may be NULL");
	tap_ok(m2mkx_share_combine(SHAMIR, 16, 16, ok_pts, shares, out, 32,
				   &c) == 0,
	       "combine: points 1..16 with k=r=16 are accepted");

	c = 0xdeadbeef;
	tap_is_int(m2mkx_share_combine(SHAMIR, 2, 3, dup, shares, out, 8, &c),
		   -M2MKX_EINVAL, "combine: duplicate points");
	tap_is_int(c, 0, "combine: corrupted is cleared on error");
	tap_is_int(m2mkx_share_combine(SHAMIR, 2, 3, zero, shares, out, 8,
				       &c), -M2MKX_EINVAL,
		   "combine: point 0");
	tap_is_int(m2mkx_share_combine(DISPERSAL, 2, 3, big, shares, out, 8,
				       &c), -M2MKX_EINVAL,
		   "combine: point 17");
	tap_is_int(m2mkx_share_combine(SHAMIR, 2, 17, ok_pts, shares, out, 8,
				       &c), -M2MKX_EINVAL,
		   "combine: r=17");
	tap_is_int(m2mkx_share_combine(SHAMIR, 0, 3, ok_pts, shares, out, 8,
				       &c), -M2MKX_EINVAL,
		   "combine: k=0");
	tap_is_int(m2mkx_share_combine(SHAMIR, 17, 16, ok_pts, shares, out, 8,
				       &c), -M2MKX_EINVAL,
		   "combine: k=17");
	tap_is_int(m2mkx_share_combine((enum m2mkx_share_mode)0, 2, 3, ok_pts,
				       shares, out, 8, &c), -M2MKX_EINVAL,
		   "combine: mode 0");
	tap_is_int(m2mkx_share_combine((enum m2mkx_share_mode)3, 2, 3, ok_pts,
				       shares, out, 8, &c), -M2MKX_EINVAL,
		   "combine: mode 3");
	tap_is_int(m2mkx_share_combine(SHAMIR, 2, 3, ok_pts, shares, out, 0,
				       &c), -M2MKX_EINVAL,
		   "combine: len=0");
	tap_is_int(m2mkx_share_combine(DISPERSAL, 2, 3, ok_pts, shares, out,
				       33, &c), -M2MKX_EINVAL,
		   "combine: len=33");
	tap_is_int(m2mkx_share_combine(SHAMIR, 2, 3, NULL, shares, out, 8,
				       &c), -M2MKX_EINVAL,
		   "combine: no points");
	tap_is_int(m2mkx_share_combine(SHAMIR, 2, 3, ok_pts, NULL, out, 8,
				       &c), -M2MKX_EINVAL,
		   "combine: no shares");
	tap_is_int(m2mkx_share_combine(SHAMIR, 2, 3, ok_pts, shares, NULL, 8,
				       &c), -M2MKX_EINVAL,
		   "combine: no output");
	tap_is_int(m2mkx_share_combine(SHAMIR, 3, 2, ok_pts, shares, out, 8,
				       &c), -M2MKX_EDECODE,
		   "combine: r < k");
	tap_is_int(m2mkx_share_combine(DISPERSAL, 1, 0, NULL, NULL, out, 8,
				       &c), -M2MKX_EDECODE,
		   "combine: r=0");
	tap_is_int(m2mkx_share_combine(SHAMIR, 3, 2, zero, shares, out, 8,
				       &c), -M2MKX_EINVAL,
		   "combine: r < k with a bad point is an argument error");
}

int main(void)
{
	ref_init();
	test_reference();

	test_roundtrips();
	test_shamir_randomness();

	test_secrecy();

	test_correct_one(SHAMIR, CORRUPT_BYTES, "random bytes");
	test_correct_one(SHAMIR, CORRUPT_ONE, "one byte");
	test_correct_one(DISPERSAL, CORRUPT_BYTES, "random bytes");
	test_correct_one(DISPERSAL, CORRUPT_ONE, "one byte");
	test_correct_pairs(SHAMIR);
	test_correct_pairs(DISPERSAL);
	test_correct_many(SHAMIR);
	test_correct_many(DISPERSAL);
	test_extremes(SHAMIR);
	test_extremes(DISPERSAL);
	test_beyond_bound(SHAMIR);
	test_beyond_bound(DISPERSAL);
	test_detected(SHAMIR);
	test_detected(DISPERSAL);
	test_refusal_wipes();
	test_random_vs_ref(SHAMIR);
	test_random_vs_ref(DISPERSAL);
	test_padding();

	test_r_equals_k();

	test_share_len();
	test_split_args();
	test_combine_args();

	return tap_done();
}
