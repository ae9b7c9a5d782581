// SPDX-License-Identifier: GPL-2.0
/*
 * The server's busy time, for make bench-vm's handshakes per second: the
 * wall time of its work items, which the server's sends are subtracted
 * from (send.c), as a datagram to another namespace is processed by the
 * receiver in the sender's context.
 *
 * Wall time, not the task's CPU time: whatever runs on the CPU meanwhile,
 * and any time the worker waits inside the window, is counted too. The
 * benchmark gives the server a CPU of its own, so that no other task
 * does; a module that hooked every context switch (preempt notifiers,
 * behind a scheduler static key) for the sake of a benchmark figure would
 * cost every gateway for nothing.
 *
 * The clock is local_clock(), the scheduler's own for accounting: it
 * reads the TSC on x86 even where timekeeping does not trust it and
 * ktime_get() reads the HPET instead (a virtual machine without an
 * invariant TSC), at a device access per read: two for each datagram
 * and two for each the server sends.
 */
#include <linux/sched/clock.h>

#include "runtime.h"

void m2mkx_runtime_start(struct m2mkx_runtime *rt)
{
	rt->start = local_clock();
	rt->running = true;
}

u64 m2mkx_runtime_read(const struct m2mkx_runtime *rt)
{
	return local_clock() - rt->start;
}

u64 m2mkx_runtime_stop(struct m2mkx_runtime *rt)
{
	rt->running = false;
	return m2mkx_runtime_read(rt);
}
