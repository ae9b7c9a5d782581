// SPDX-License-Identifier: GPL-2.0
/*
 * Per-netns drop counters. Protocol reasons keep the core's numbering
 * (their names come from m2mkx_err_name()); the data path's own reasons
 * are stored after them.
 */
#include <linux/bug.h>

#include "counters.h"

static const char *const path_names[M2MKX_PATH_COUNT] = {
	[M2MKX_PATH_QUEUE_FULL - M2MKX_PATH_FIRST] = "queue_full",
	[M2MKX_PATH_NO_MEMORY - M2MKX_PATH_FIRST] = "no_memory",
	[M2MKX_PATH_BAD_UDP - M2MKX_PATH_FIRST] = "bad_udp",
	[M2MKX_PATH_SEND_FAILED - M2MKX_PATH_FIRST] = "send_failed",
	[M2MKX_PATH_RATE_LIMITED - M2MKX_PATH_FIRST] = "rate_limited",
	[M2MKX_PATH_SOURCE_FULL - M2MKX_PATH_FIRST] = "source_full",
};

/* Index of @reason in a row of counters; out-of-range reasons are bugs. */
static unsigned int reason_index(unsigned int reason)
{
	if (reason < M2MKX_ERR_COUNT)
		return reason;
	if (reason >= M2MKX_PATH_FIRST &&
	    reason < M2MKX_PATH_FIRST + M2MKX_PATH_COUNT)
		return M2MKX_ERR_COUNT + reason - M2MKX_PATH_FIRST;
	WARN_ONCE(1, "m2mkx: no counter for reason %u\n", reason);
	return M2MKX_EINVAL;
}

void m2mkx_count(struct m2mkx_counters *c, enum m2mkx_counter_role role,
		 unsigned int reason)
{
	atomic64_inc(&c->v[role][reason_index(reason)]);
}

unsigned int m2mkx_counter_reason(unsigned int i)
{
	return i < M2MKX_ERR_COUNT ? i : M2MKX_PATH_FIRST + i - M2MKX_ERR_COUNT;
}

u64 m2mkx_counter_read(const struct m2mkx_counters *c,
		       enum m2mkx_counter_role role, unsigned int i)
{
	return atomic64_read(&c->v[role][i]);
}

u32 m2mkx_counter_role_bit(enum m2mkx_counter_role role)
{
	switch (role) {
	case M2MKX_CTR_SERVER:
		return M2MKX_ROLE_SERVER;
	case M2MKX_CTR_PROXY:
		return M2MKX_ROLE_PROXY;
	default:
		return 0;
	}
}

const char *m2mkx_reason_name(unsigned int reason)
{
	if (reason >= M2MKX_PATH_FIRST &&
	    reason < M2MKX_PATH_FIRST + M2MKX_PATH_COUNT)
		return path_names[reason - M2MKX_PATH_FIRST];
	return m2mkx_err_name((int)reason);
}
