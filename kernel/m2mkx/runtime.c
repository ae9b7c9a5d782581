// SPDX-License-Identifier: GPL-2.0
/*
 * The server's busy time is what its work items spent running, not the
 * wall time from their start to their end. A work item may sleep (on the
 * instance mutex, on the CCM lock) and, under PREEMPT_VOLUNTARY, give the
 * CPU away at any allocation that may sleep; on a gateway that runs
 * anything else, whatever runs meanwhile would otherwise be charged to
 * the server, and its handshakes per busy second would depend on the
 * neighbours more than on itself.
 *
 * A preempt notifier on the timed task stops the clock while the task is
 * scheduled out. Notifiers hang off the task, so registering one is an
 * hlist insertion; the scheduler only walks them behind a static key,
 * which the module raises once at load rather than per work item (raising
 * it patches kernel text). Interrupts and softirqs that land while the
 * task runs are still counted, as the kernel's own task accounting does
 * without IRQ_TIME_ACCOUNTING.
 *
 * Without CONFIG_PREEMPT_NOTIFIERS (it comes with KVM; Debian's kernels
 * have it, User-Mode Linux has not) the clock is the wall clock.
 */
#include <linux/sched.h>
#include <linux/timekeeping.h>

#include "runtime.h"

#ifdef CONFIG_PREEMPT_NOTIFIERS
static struct m2mkx_runtime *to_runtime(struct preempt_notifier *pn)
{
	return container_of(pn, struct m2mkx_runtime, notifier);
}

/* Scheduler context, interrupts off: ktime_get_ns() cannot deadlock. */
static void runtime_sched_in(struct preempt_notifier *pn, int cpu)
{
	struct m2mkx_runtime *rt = to_runtime(pn);

	rt->out_ns += ktime_get_ns() - rt->out_since;
}

static void runtime_sched_out(struct preempt_notifier *pn,
			      struct task_struct *next)
{
	to_runtime(pn)->out_since = ktime_get_ns();
}

static struct preempt_ops runtime_ops = {
	.sched_in = runtime_sched_in,
	.sched_out = runtime_sched_out,
};

static void runtime_watch(struct m2mkx_runtime *rt)
{
	preempt_notifier_init(&rt->notifier, &runtime_ops);
	preempt_notifier_register(&rt->notifier);
}

static void runtime_unwatch(struct m2mkx_runtime *rt)
{
	preempt_notifier_unregister(&rt->notifier);
}

void m2mkx_runtime_init(void)
{
	preempt_notifier_inc();
}

void m2mkx_runtime_exit(void)
{
	preempt_notifier_dec();
}
#else
static void runtime_watch(struct m2mkx_runtime *rt) {}
static void runtime_unwatch(struct m2mkx_runtime *rt) {}
void m2mkx_runtime_init(void) {}
void m2mkx_runtime_exit(void) {}
#endif

void m2mkx_runtime_start(struct m2mkx_runtime *rt)
{
	rt->out_ns = 0;
	rt->running = true;
	/* Registration and the start must not be split by a switch. */
	preempt_disable();
	runtime_watch(rt);
	rt->start = ktime_get_ns();
	preempt_enable();
}

u64 m2mkx_runtime_read(const struct m2mkx_runtime *rt)
{
	return ktime_get_ns() - rt->start - rt->out_ns;
}

u64 m2mkx_runtime_stop(struct m2mkx_runtime *rt)
{
	u64 ns;

	preempt_disable();
	ns = m2mkx_runtime_read(rt);
	runtime_unwatch(rt);
	preempt_enable();
	rt->running = false;
	return ns;
}
