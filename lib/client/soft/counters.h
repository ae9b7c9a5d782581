/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The bundled backend's work counters (soft.h), or nothing at all in a
 * firmware build without M2MKX_SOFT_COUNTERS.
 */
#ifndef M2MKX_SOFT_COUNTERS_H
#define M2MKX_SOFT_COUNTERS_H

#include <m2mkx/soft.h>

#ifdef M2MKX_SOFT_COUNTERS
/* Process-wide, like the generator they sit next to: see counters.c. */
extern struct m2mkx_soft_counters m2mkx_soft_count;

static inline void m2mkx_soft_count_aes(void)
{
	m2mkx_soft_count.aes_blocks++;
}

static inline void m2mkx_soft_count_sha256(void)
{
	m2mkx_soft_count.sha256_blocks++;
}
#else
static inline void m2mkx_soft_count_aes(void)
{
}

static inline void m2mkx_soft_count_sha256(void)
{
}
#endif

#endif /* M2MKX_SOFT_COUNTERS_H */
