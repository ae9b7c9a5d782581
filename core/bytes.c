// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Constant-time comparison and secret wiping for the protocol core.
 */
#include <m2mkx/bytes.h>

bool m2mkx_ct_memeq(const void *a, const void *b, size_t len)
{
	const volatile u8 *x = a;
	const volatile u8 *y = b;
	u8 diff = 0;
	size_t i;

	for (i = 0; i < len; i++)
		diff |= x[i] ^ y[i];
	return diff == 0;
}

void m2mkx_wipe(void *p, size_t len)
{
	volatile u8 *v = p;
	size_t i;

	for (i = 0; i < len; i++)
		v[i] = 0;
	/*
	 * Keep the stores from being sunk past the point where the caller
	 * frees or reuses the memory.
	 */
	__asm__ __volatile__("" : : "r"(p) : "memory");
}
