/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Byte-order access and secret hygiene shared by every core file.
 *
 * Wire fields are read and written a byte at a time so that the codec is
 * correct on strict-alignment CPUs (Cortex-M0+) and independent of host
 * byte order.
 */
#ifndef M2MKX_BYTES_H
#define M2MKX_BYTES_H

#include "types.h"

/*
 * The masks change nothing but keep sparse quiet: it warns about a cast
 * that drops set bits once inlining has made @v a constant.
 */
static inline void m2mkx_put_be16(u8 *p, u16 v)
{
	p[0] = (u8)((v >> 8) & 0xff);
	p[1] = (u8)(v & 0xff);
}

static inline void m2mkx_put_be32(u8 *p, u32 v)
{
	p[0] = (u8)((v >> 24) & 0xff);
	p[1] = (u8)((v >> 16) & 0xff);
	p[2] = (u8)((v >> 8) & 0xff);
	p[3] = (u8)(v & 0xff);
}

static inline void m2mkx_put_be64(u8 *p, u64 v)
{
	m2mkx_put_be32(p, (u32)(v >> 32));
	m2mkx_put_be32(p + 4, (u32)(v & 0xffffffff));
}

static inline u16 m2mkx_get_be16(const u8 *p)
{
	return (u16)((u16)p[0] << 8 | p[1]);
}

static inline u32 m2mkx_get_be32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

static inline u64 m2mkx_get_be64(const u8 *p)
{
	return (u64)m2mkx_get_be32(p) << 32 | m2mkx_get_be32(p + 4);
}

/*
 * Compares two buffers in time that depends only on @len, never on where
 * they differ: used for every MAC, tag, key and commitment comparison.
 * Returns true when they are equal.
 */
bool m2mkx_ct_memeq(const void *a, const void *b, size_t len);

/*
 * Zeroes @len bytes at @p in a way the compiler may not elide, for secrets
 * that go out of scope or are freed.
 */
void m2mkx_wipe(void *p, size_t len);

#endif /* M2MKX_BYTES_H */
