/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * k-of-n sharing of A's secret x over GF(2^8), and the one decoder that
 * rebuilds it at B.
 *
 * Both modes produce Reed-Solomon codewords: share i (1 <= i <= n) is the
 * evaluation at the field element i of one polynomial of degree < k per
 * byte column.
 *
 * - Shamir (M2MKX_SHARE_SHAMIR, the default): the polynomial of column j
 *   has x[j] as constant term and k-1 random coefficients, so every share
 *   is as long as x and fewer than k shares reveal nothing about x. This
 *   closes the collusion hole the paper leaves to its trust model.
 * - Dispersal (M2MKX_SHARE_DISPERSAL, the paper's scheme): x, zero-padded
 *   to a multiple of k, fills the k coefficients of each column, so a share
 *   is ceil(len/k) bytes; shares are smaller, but each leaks part of x.
 *
 * m2mkx_share_combine() decodes with Berlekamp-Welch: from r >= k shares
 * it rebuilds x and, when r > k, corrects and names up to (r - k) / 2
 * corrupted shares.
 */
#ifndef M2MKX_SHARE_H
#define M2MKX_SHARE_H

#include "types.h"

#define M2MKX_MAX_PROXIES 16
#define M2MKX_SHARE_MAX_SECRET_LEN 32

enum m2mkx_share_mode {
	M2MKX_SHARE_SHAMIR = 1,
	M2MKX_SHARE_DISPERSAL = 2,
};

/*
 * Bytes in each share for a secret of @secret_len bytes, or 0 when the
 * mode, k or length is out of range.
 */
size_t m2mkx_share_len(enum m2mkx_share_mode mode, unsigned int k,
		       size_t secret_len);

/*
 * Splits @secret into @n shares, any @k of which rebuild it
 * (1 <= k <= n <= M2MKX_MAX_PROXIES). Share i (0-based) is the evaluation
 * at point i + 1 and is written at @shares + i * m2mkx_share_len(...).
 * Shamir draws its coefficients from m2mkx_random() and wipes them.
 */
int m2mkx_share_split(enum m2mkx_share_mode mode, unsigned int k,
		      unsigned int n, const u8 *secret, size_t secret_len,
		      u8 *shares);

/*
 * Rebuilds the secret from @r shares. @points[j] is the evaluation point
 * (1..M2MKX_MAX_PROXIES, all distinct) of the share at
 * @shares + j * share_len. On success writes @secret_len bytes to @secret
 * and sets bit j of *@corrupted for every input share found corrupted.
 *
 * Returns -M2MKX_EDECODE when r < k, or when the shares hold more errors
 * than (r - k) / 2 and the decoder can tell; -M2MKX_EINVAL on bad
 * arguments. With r == k no error can be detected: the caller checks the
 * result against A's commitment.
 */
int m2mkx_share_combine(enum m2mkx_share_mode mode, unsigned int k,
			unsigned int r, const u8 *points, const u8 *shares,
			u8 *secret, size_t secret_len, u32 *corrupted);

#endif /* M2MKX_SHARE_H */
