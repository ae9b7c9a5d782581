/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Drop counters: one per role and reason, so that every datagram the
 * module receives is accounted for exactly once (uapi enum
 * m2mkx_path_reason explains the numbering).
 */
#ifndef _M2MKX_COUNTERS_H
#define _M2MKX_COUNTERS_H

#include <linux/atomic.h>
#include <linux/types.h>

#include <m2mkx/errors.h>
#include <uapi/linux/m2mkx.h>

/* Who dropped: the dispatcher in front of the roles, or one of them. */
enum m2mkx_counter_role {
	M2MKX_CTR_DISPATCH,
	M2MKX_CTR_SERVER,
	M2MKX_CTR_PROXY,
	M2MKX_CTR_ROLES
};

#define M2MKX_PATH_FIRST M2MKX_PATH_QUEUE_FULL
#define M2MKX_PATH_COUNT (M2MKX_PATH_SOURCE_FULL - M2MKX_PATH_FIRST + 1)
#define M2MKX_CTR_REASONS (M2MKX_ERR_COUNT + M2MKX_PATH_COUNT)

/*
 * The receive softirq bumps these as well as the workers, so they are
 * atomic; a drop is rare enough next to the work a datagram costs that
 * per-CPU counters would buy nothing.
 */
struct m2mkx_counters {
	atomic64_t v[M2MKX_CTR_ROLES][M2MKX_CTR_REASONS];
};

/*
 * Counts one datagram of @role under @reason: 0 when the role took it, a
 * protocol code (M2MKX_E*, positive) or a path reason (M2MKX_PATH_*).
 */
void m2mkx_count(struct m2mkx_counters *c, enum m2mkx_counter_role role,
		 unsigned int reason);

/* The counters in dump order: index @i, 0 <= i < M2MKX_CTR_REASONS. */
unsigned int m2mkx_counter_reason(unsigned int i);
u64 m2mkx_counter_read(const struct m2mkx_counters *c,
		       enum m2mkx_counter_role role, unsigned int i);

/* The uapi value of @role for M2MKX_COUNTER_A_ROLE (0 for the dispatcher). */
u32 m2mkx_counter_role_bit(enum m2mkx_counter_role role);

/* A short, stable name of any reason m2mkx_count() takes. */
const char *m2mkx_reason_name(unsigned int reason);

#endif /* _M2MKX_COUNTERS_H */
