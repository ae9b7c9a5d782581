/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The only place where the protocol core touches the world it is built in.
 *
 * The core is compiled unchanged into the Linux kernel module, the userspace
 * programs and sensor firmware. It needs fixed-width integers, size_t, bool
 * and the mem* functions, nothing else: the kernel spells those one way and a
 * C11 freestanding environment another, so this header picks the right one
 * and every other core file includes only this.
 */
#ifndef M2MKX_TYPES_H
#define M2MKX_TYPES_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/string.h>
#else
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/*
 * The kernel's names for the C99 fixed-width types, from the compiler's
 * own definitions so that no libc header beyond the freestanding ones is
 * needed.
 */
typedef __UINT8_TYPE__ u8;
typedef __UINT16_TYPE__ u16;
typedef __UINT32_TYPE__ u32;
typedef __UINT64_TYPE__ u64;
#endif

#define M2MKX_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif /* M2MKX_TYPES_H */
