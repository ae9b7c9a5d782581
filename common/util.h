/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's container_of(), for the callbacks the core hands back a
 * pointer to a member of the caller's own structure.
 */
#ifndef M2MKX_COMMON_UTIL_H
#define M2MKX_COMMON_UTIL_H

#include <stddef.h>

#define container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

#endif /* M2MKX_COMMON_UTIL_H */
