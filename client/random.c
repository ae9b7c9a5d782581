// SPDX-License-Identifier: GPL-2.0
/*
 * m2mkx_random() for A on Linux: the kernel's generator. Firmware
 * supplies its own from the platform's RNG (lib/client/include/m2mkx/soft.h).
 */
#include <errno.h>
#include <sys/random.h>

#include <m2mkx/crypto.h>

int m2mkx_random(void *buf, size_t len)
{
	u8 *p = buf;
	ssize_t n;

	while (len) {
		n = getrandom(p, len, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -M2MKX_ECRYPTO;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
