// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Constant-time comparison and secret wiping for the protocol core.
 *
 * Both rely on an empty asm statement, as the kernel's OPTIMIZER_HIDE_VAR()
 * and memzero_explicit() do: the compiler must assume the asm reads and
 * changes the value, so it can neither stop the comparison early nor drop
 * stores to memory about to be freed. Every compiler the core is built
 * with (gcc, clang, arm-none-eabi-gcc) accepts the GNU asm syntax.
 */
#include <m2mkx/bytes.h>

bool m2mkx_ct_memeq(const void *a, const void *b, size_t len)
{
	const u8 *x = a;
	const u8 *y = b;
	u8 diff = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		diff |= x[i] ^ y[i];
		__asm__("" : "+r"(diff));
	}
	return diff == 0;
}

void m2mkx_wipe(void *p, size_t len)
{
	memset(p, 0, len);
	__asm__ __volatile__("" : : "r"(p) : "memory");
}
