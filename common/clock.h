/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The clocks the roles run on: a monotonic millisecond clock for every
 * timer (struct m2mkx_timing), wall-clock seconds only for the expiry T
 * signs into a root.
 */
#ifndef M2MKX_COMMON_CLOCK_H
#define M2MKX_COMMON_CLOCK_H

#include <m2mkx/types.h>

/* CLOCK_MONOTONIC in ms: never steps when the wall clock is set. */
u64 clock_mono_ms(void);

/* CLOCK_MONOTONIC in ns, for the agent's busy time per role. */
u64 clock_mono_ns(void);

/* UNIX seconds, for @unix_now of the step functions. */
u64 clock_unix_s(void);

/*
 * The poll() timeout, in ms, that wakes at @deadline (M2MKX_NO_DEADLINE
 * for none: -1) when it is now @now.
 */
int clock_timeout_ms(u64 deadline, u64 now);

#endif /* M2MKX_COMMON_CLOCK_H */
