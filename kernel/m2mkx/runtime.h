/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A work item's running time: what the server's busy time counts.
 */
#ifndef _M2MKX_RUNTIME_H
#define _M2MKX_RUNTIME_H

#include <linux/preempt.h>
#include <linux/types.h>

/*
 * Started and stopped by one task, which it times while it runs: the
 * time the task spends scheduled out in between is left out. Kernels
 * without preempt notifiers (they come with KVM) time the wall clock.
 */
struct m2mkx_runtime {
#ifdef CONFIG_PREEMPT_NOTIFIERS
	struct preempt_notifier notifier;
#endif
	u64 start;
	u64 out_since;
	u64 out_ns;
	bool running;
};

void m2mkx_runtime_start(struct m2mkx_runtime *rt);
/* Nanoseconds run since the start; only by the task that started it. */
u64 m2mkx_runtime_read(const struct m2mkx_runtime *rt);
/* Stops @rt and returns the nanoseconds run since the start. */
u64 m2mkx_runtime_stop(struct m2mkx_runtime *rt);

/* Once at module load and exit, around every use. */
void m2mkx_runtime_init(void);
void m2mkx_runtime_exit(void);

#endif /* _M2MKX_RUNTIME_H */
