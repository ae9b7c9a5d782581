// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The bundled backend's work counters. They are one process-wide pair
 * because crypto.h's functions take no context to hang them on, and
 * they exist only in builds that measure (M2MKX_SOFT_COUNTERS): the
 * energy bench and the tests that check A's own work accounting.
 */
#include "counters.h"

#ifdef M2MKX_SOFT_COUNTERS
struct m2mkx_soft_counters m2mkx_soft_count;

void m2mkx_soft_counters_get(struct m2mkx_soft_counters *c)
{
	*c = m2mkx_soft_count;
}

void m2mkx_soft_counters_reset(void)
{
	m2mkx_soft_count.aes_blocks = 0;
	m2mkx_soft_count.sha256_blocks = 0;
}
#endif
