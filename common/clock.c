// SPDX-License-Identifier: GPL-2.0
/*
 * Monotonic and wall clocks for the userspace roles.
 */
#include <limits.h>
#include <time.h>

#include <m2mkx/step.h>

#include "common/clock.h"

u64 clock_mono_ms(void)
{
	struct timespec ts;

	/* Cannot fail for CLOCK_MONOTONIC with a valid pointer. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000 + (u64)ts.tv_nsec / 1000000;
}

u64 clock_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000 + (u64)ts.tv_nsec;
}

u64 clock_unix_s(void)
{
	time_t t = time(NULL);

	return t < 0 ? 0 : (u64)t;
}

int clock_timeout_ms(u64 deadline, u64 now)
{
	if (deadline == M2MKX_NO_DEADLINE)
		return -1;
	if (deadline <= now)
		return 0;
	/*
	 * poll() sleeps at least as long as asked, and both ends are read
	 * from the same truncated clock, so waking is never early.
	 */
	if (deadline - now >= INT_MAX)
		return INT_MAX;
	return (int)(deadline - now);
}
