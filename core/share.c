// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * k-of-n sharing of A's secret x over GF(2^8), and the decoder that rebuilds
 * it at B.
 *
 * Both modes are Reed-Solomon codes over GF(2^8) with the AES polynomial,
 * evaluated at the points 1..n, so that one decoder serves both. Field
 * arithmetic never branches on or indexes memory by its operands:
 * multiplication is a shift-and-xor loop with masks instead of log/exp
 * tables, whose secret-indexed loads leak through the cache, and inversion is
 * exponentiation to 254.
 *
 * Dispersal layout: x, zero-padded to k * L bytes (L = ceil(len / k), the
 * share length), gives column c the coefficients x[c * k + j] of X^j for
 * 0 <= j < k. A column carries k consecutive bytes of x, and all the padding
 * lies in the top coefficients of the last column.
 *
 * Decoding is optimistic because shares are almost never corrupted. Each
 * column is first interpolated from the first k shares with Lagrange
 * polynomials, which depend only on the public points, and the other r - k
 * shares are checked against it, without a branch on share data. Only when
 * some share disagrees does every column go through Berlekamp-Welch: with
 * e = (r - k) / 2, solve Q(x_j) = y_j E(x_j) for Q of degree < k + e and a
 * monic E of degree e, then divide. For at most 16 points this small linear
 * system is cheap, needs no structure in the evaluation points (unlike
 * syndrome decoding), and its elimination picks pivots with masks, so the
 * branches left depend only on how many errors a column holds, which the
 * caller learns from the corrupted-share mask anyway.
 *
 * Shares are named across columns: a share is corrupted when some column's
 * decoded polynomial disagrees with it. When more than e shares are named,
 * the input is beyond what the code guarantees (a column may have been
 * decoded to the wrong codeword), so the decoder refuses.
 */
#include <m2mkx/bytes.h>
#include <m2mkx/crypto.h>
#include <m2mkx/errors.h>
#include <m2mkx/share.h>

/* A row of the Berlekamp-Welch system: at most 16 unknowns and the RHS. */
#define BW_COLS (M2MKX_MAX_PROXIES + 1)
#define NO_PIVOT 0xff

/* a * b modulo x^8 + x^4 + x^3 + x + 1. */
static u8 gf_mul(u8 a, u8 b)
{
	u32 x = a;
	u32 y = b;
	u32 p = 0;
	unsigned int i;

	for (i = 0; i < 8; i++) {
		p ^= x & (0u - (y & 1));
		y >>= 1;
		x = (x << 1) ^ (0x11bu & (0u - (x >> 7)));
	}
	return (u8)p;
}

/* a^254 = a^-1 because a^255 = 1; 0 maps to 0, which no caller relies on. */
static u8 gf_inv(u8 a)
{
	u8 r = 1;
	unsigned int i;

	for (i = 0; i < 7; i++) {
		a = gf_mul(a, a);
		r = gf_mul(r, a);
	}
	return r;
}

/* 0xff when @v is non-zero, else 0, without a branch. */
static u8 ct_nonzero(u8 v)
{
	return (u8)(0u - (((u32)v + 0xffu) >> 8));
}

/* Evaluates the polynomial with the @n coefficients @p (low first) at @x. */
static u8 poly_eval(const u8 *p, unsigned int n, u8 x)
{
	u8 v = 0;

	while (n--)
		v = gf_mul(v, x) ^ p[n];
	return v;
}

static unsigned int popcount(u32 v)
{
	unsigned int n = 0;

	for (; v; v >>= 1)
		n += v & 1;
	return n;
}

size_t m2mkx_share_len(enum m2mkx_share_mode mode, unsigned int k,
		       size_t secret_len)
{
	size_t len;

	if (k == 0 || k > M2MKX_MAX_PROXIES || secret_len == 0 ||
	    secret_len > M2MKX_SHARE_MAX_SECRET_LEN)
		return 0;
	switch (mode) {
	case M2MKX_SHARE_SHAMIR:
		return secret_len;
	case M2MKX_SHARE_DISPERSAL:
		/*
		 * ceil(secret_len / k), counted up: A's firmware has no
		 * divide instruction, and both are at most 32.
		 */
		for (len = 0; len * k < secret_len; len++)
			;
		return len;
	}
	return 0;
}

int m2mkx_share_split(enum m2mkx_share_mode mode, unsigned int k,
		      unsigned int n, const u8 *secret, size_t secret_len,
		      u8 *shares)
{
	size_t len = m2mkx_share_len(mode, k, secret_len);
	u8 coef[M2MKX_MAX_PROXIES];
	unsigned int i, j;
	size_t c, pos;
	int ret = 0;

	if (!len || n < k || n > M2MKX_MAX_PROXIES || !secret || !shares)
		return -M2MKX_EINVAL;

	for (c = 0; c < len; c++) {
		if (mode == M2MKX_SHARE_SHAMIR) {
			coef[0] = secret[c];
			ret = k > 1 ? m2mkx_random(coef + 1, k - 1) : 0;
			if (ret)
				break;
		} else {
			for (j = 0; j < k; j++) {
				pos = c * k + j;
				coef[j] = pos < secret_len ? secret[pos] : 0;
			}
		}
		for (i = 0; i < n; i++)
			shares[i * len + c] = poly_eval(coef, k, (u8)(i + 1));
	}
	m2mkx_wipe(coef, sizeof(coef));
	if (ret) {
		/* Shares of a partly random polynomial must not escape. */
		m2mkx_wipe(shares, n * len);
		return ret < 0 ? ret : -M2MKX_ECRYPTO;
	}
	return 0;
}

/* Points must be distinct field elements in 1..M2MKX_MAX_PROXIES. */
static bool points_valid(const u8 *points, unsigned int r)
{
	u32 seen = 0;
	unsigned int j;

	for (j = 0; j < r; j++) {
		if (points[j] == 0 || points[j] > M2MKX_MAX_PROXIES ||
		    seen & (1u << points[j]))
			return false;
		seen |= 1u << points[j];
	}
	return true;
}

/*
 * Coefficients of the Lagrange polynomials of the first @k points: basis[i]
 * is 1 at points[i] and 0 at the k - 1 others, so a column's polynomial is
 * the sum of y_i * basis[i]. They depend only on the points, so every column
 * shares them.
 */
static void lagrange_basis(const u8 *points, unsigned int k,
			   u8 basis[][M2MKX_MAX_PROXIES])
{
	unsigned int i, m, t, deg;
	u8 *b, denom;

	for (i = 0; i < k; i++) {
		b = basis[i];
		memset(b, 0, M2MKX_MAX_PROXIES);
		b[0] = 1;
		denom = 1;
		deg = 0;
		for (m = 0; m < k; m++) {
			if (m == i)
				continue;
			/* b *= X - points[m]; minus is plus in GF(2^8). */
			deg++;
			for (t = deg; t > 0; t--)
				b[t] = b[t - 1] ^ gf_mul(b[t], points[m]);
			b[0] = gf_mul(b[0], points[m]);
			denom = gf_mul(denom, points[i] ^ points[m]);
		}
		denom = gf_inv(denom);
		for (t = 0; t < k; t++)
			b[t] = gf_mul(b[t], denom);
	}
}

static void interpolate(u8 basis[][M2MKX_MAX_PROXIES], unsigned int k,
			const u8 *y, u8 *poly)
{
	unsigned int i, t;

	for (t = 0; t < k; t++) {
		poly[t] = 0;
		for (i = 0; i < k; i++)
			poly[t] ^= gf_mul(y[i], basis[i][t]);
	}
}

/*
 * Solves @rows equations in @cols unknowns, the right-hand sides in column
 * @cols, by Gauss-Jordan elimination; unknowns without a pivot are set to 0,
 * which gives one solution when there are many. Returns -M2MKX_EDECODE when
 * the system has no solution.
 *
 * The row that supplies a pivot is not searched for: every row below is
 * added into the pivot row under a mask that is all ones while the pivot is
 * still zero, so the timing does not tell which row it was.
 */
static int gauss_solve(u8 m[][BW_COLS], unsigned int rows, unsigned int cols,
		       u8 *sol)
{
	u8 where[M2MKX_MAX_PROXIES];
	unsigned int row = 0, col, i, t;
	u8 mask, inv, f, bad = 0;

	memset(where, NO_PIVOT, sizeof(where));
	for (col = 0; col < cols && row < rows; col++) {
		for (i = row + 1; i < rows; i++) {
			mask = (u8)~ct_nonzero(m[row][col]);
			for (t = col; t <= cols; t++)
				m[row][t] ^= mask & m[i][t];
		}
		/*
		 * In a decodable column with t errors, the unknowns without a
		 * pivot are E's coefficients t..e-1, so this branch tells no
		 * more than t does.
		 */
		if (!m[row][col])
			continue;
		inv = gf_inv(m[row][col]);
		for (t = col; t <= cols; t++)
			m[row][t] = gf_mul(m[row][t], inv);
		for (i = 0; i < rows; i++) {
			if (i == row)
				continue;
			f = m[i][col];
			for (t = col; t <= cols; t++)
				m[i][t] ^= gf_mul(f, m[row][t]);
		}
		where[col] = (u8)row++;
	}
	/* Rows left without a pivot read 0 = rhs. */
	for (i = row; i < rows; i++)
		bad |= m[i][cols];
	for (col = 0; col < cols; col++)
		sol[col] = where[col] == NO_PIVOT ? 0 : m[where[col]][cols];
	return bad ? -M2MKX_EDECODE : 0;
}

/*
 * Berlekamp-Welch on one byte column: finds the polynomial of degree < @k
 * that disagrees with at most (r - k) / 2 of the @r values @y at @points, or
 * returns -M2MKX_EDECODE when there is none.
 *
 * An unsolvable system or a division with a remainder only make the failure
 * early: any other quotient would disagree with more than (r - k) / 2 shares,
 * which the caller refuses anyway.
 */
static int bw_column(const u8 *points, const u8 *y, unsigned int r,
		     unsigned int k, u8 *poly)
{
	u8 m[M2MKX_MAX_PROXIES][BW_COLS];
	u8 sol[M2MKX_MAX_PROXIES];
	unsigned int e = (r - k) / 2;
	unsigned int nq = k + e;
	unsigned int cols = nq + e;
	unsigned int j, t, d;
	u8 xp, c, rem = 0;
	int ret;

	/*
	 * Unknowns: the nq coefficients of Q, then the e low coefficients of
	 * E, whose X^e coefficient is 1. Row j reads
	 * Q(x_j) + y_j (E(x_j) - x_j^e) = y_j x_j^e.
	 */
	for (j = 0; j < r; j++) {
		xp = 1;
		for (t = 0; t < nq; t++) {
			m[j][t] = xp;
			if (t < e)
				m[j][nq + t] = gf_mul(y[j], xp);
			if (t == e)
				m[j][cols] = gf_mul(y[j], xp);
			xp = gf_mul(xp, points[j]);
		}
	}
	ret = gauss_solve(m, r, cols, sol);
	if (ret)
		goto out;

	/*
	 * P = Q / E by long division in place: E is monic, so each step needs
	 * no inverse. What is left in sol[0..e-1] is the remainder.
	 */
	for (d = nq; d-- > e;) {
		c = sol[d];
		poly[d - e] = c;
		for (t = 0; t < e; t++)
			sol[d - e + t] ^= gf_mul(c, sol[nq + t]);
		sol[d] = 0;
	}
	for (t = 0; t < e; t++)
		rem |= sol[t];
	if (rem)
		ret = -M2MKX_EDECODE;
out:
	m2mkx_wipe(m, sizeof(m));
	m2mkx_wipe(sol, sizeof(sol));
	return ret;
}

/* Bit j of the result is set when @poly disagrees with y[j] at points[j]. */
static u32 disagreements(const u8 *poly, unsigned int k, const u8 *points,
			 const u8 *y, unsigned int from, unsigned int r)
{
	u32 bits = 0;
	unsigned int j;

	for (j = from; j < r; j++)
		bits |= (u32)(ct_nonzero(poly_eval(poly, k, points[j]) ^ y[j]) &
			      1) << j;
	return bits;
}

/* One call of m2mkx_share_combine(), for the helpers below. */
struct combine {
	enum m2mkx_share_mode mode;
	unsigned int k;
	unsigned int r;
	const u8 *points;
	const u8 *shares;
	size_t len;
	u8 *secret;
	size_t secret_len;
};

static void column_get(const struct combine *cb, size_t c, u8 *y)
{
	unsigned int j;

	for (j = 0; j < cb->r; j++)
		y[j] = cb->shares[j * cb->len + c];
}

/*
 * Stores column @c's decoded coefficients in the secret and returns the OR
 * of those that fall in the padding, which an honest dispersal leaves zero.
 * Shamir keeps only the constant term: the others are A's random draws.
 */
static u8 column_put(const struct combine *cb, size_t c, const u8 *poly)
{
	unsigned int j;
	size_t pos;
	u8 pad = 0;

	if (cb->mode == M2MKX_SHARE_SHAMIR) {
		cb->secret[c] = poly[0];
		return 0;
	}
	for (j = 0; j < cb->k; j++) {
		pos = c * cb->k + j;
		if (pos < cb->secret_len)
			cb->secret[pos] = poly[j];
		else
			pad |= poly[j];
	}
	return pad;
}

/*
 * The common case: writes the secret interpolated from the first k shares
 * and returns the other shares that disagree with it. The Lagrange basis
 * lives here, apart from the Berlekamp-Welch system, so that the two never
 * share a stack frame.
 */
static u32 decode_fast(const struct combine *cb, u8 *pad)
{
	u8 basis[M2MKX_MAX_PROXIES][M2MKX_MAX_PROXIES];
	u8 y[M2MKX_MAX_PROXIES];
	u8 poly[M2MKX_MAX_PROXIES];
	u32 bad = 0;
	size_t c;

	*pad = 0;
	lagrange_basis(cb->points, cb->k, basis);
	for (c = 0; c < cb->len; c++) {
		column_get(cb, c, y);
		interpolate(basis, cb->k, y, poly);
		bad |= disagreements(poly, cb->k, cb->points, y, cb->k, cb->r);
		*pad |= column_put(cb, c, poly);
	}
	m2mkx_wipe(y, sizeof(y));
	m2mkx_wipe(poly, sizeof(poly));
	return bad;
}

/*
 * Decodes every column with Berlekamp-Welch, rewriting the secret, and
 * sets *@bad to the shares found corrupted.
 */
static int decode_slow(const struct combine *cb, u32 *bad, u8 *pad)
{
	u8 y[M2MKX_MAX_PROXIES];
	u8 poly[M2MKX_MAX_PROXIES];
	size_t c;
	int ret = 0;

	*bad = 0;
	*pad = 0;
	for (c = 0; c < cb->len; c++) {
		column_get(cb, c, y);
		ret = bw_column(cb->points, y, cb->r, cb->k, poly);
		if (ret)
			break;
		*bad |= disagreements(poly, cb->k, cb->points, y, 0, cb->r);
		*pad |= column_put(cb, c, poly);
	}
	if (!ret && popcount(*bad) > (cb->r - cb->k) / 2)
		ret = -M2MKX_EDECODE;
	m2mkx_wipe(y, sizeof(y));
	m2mkx_wipe(poly, sizeof(poly));
	return ret;
}

int m2mkx_share_combine(enum m2mkx_share_mode mode, unsigned int k,
			unsigned int r, const u8 *points, const u8 *shares,
			u8 *secret, size_t secret_len, u32 *corrupted)
{
	struct combine cb = {
		.mode = mode,
		.k = k,
		.r = r,
		.points = points,
		.shares = shares,
		.len = m2mkx_share_len(mode, k, secret_len),
		.secret = secret,
		.secret_len = secret_len,
	};
	u32 bad;
	u8 pad;
	int ret = 0;

	if (corrupted)
		*corrupted = 0;
	if (!cb.len || r > M2MKX_MAX_PROXIES || !secret ||
	    (r && (!points || !shares)) || !points_valid(points, r))
		return -M2MKX_EINVAL;
	if (r < k)
		return -M2MKX_EDECODE;

	bad = decode_fast(&cb, &pad);
	if (bad)
		ret = decode_slow(&cb, &bad, &pad);
	if (!ret && pad)
		ret = -M2MKX_EDECODE;
	if (ret) {
		m2mkx_wipe(secret, secret_len);
		return ret;
	}
	if (corrupted)
		*corrupted = bad;
	return 0;
}
