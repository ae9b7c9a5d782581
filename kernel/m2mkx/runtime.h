/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A work item's running time: what the server's busy time counts.
 */
#ifndef _M2MKX_RUNTIME_H
#define _M2MKX_RUNTIME_H

#include <linux/types.h>

/* Started and stopped by one task around the work it times. */
struct m2mkx_runtime {
	u64 start;
	bool running;
};

void m2mkx_runtime_start(struct m2mkx_runtime *rt);
/* Nanoseconds since the start; only by the task that started it. */
u64 m2mkx_runtime_read(const struct m2mkx_runtime *rt);
/* Stops @rt and returns the nanoseconds since the start. */
u64 m2mkx_runtime_stop(struct m2mkx_runtime *rt);

#endif /* _M2MKX_RUNTIME_H */
