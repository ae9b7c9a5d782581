/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /sys/kernel/debug/m2mkx/: the primitives' costs, for benchmarks.
 */
#ifndef _M2MKX_DEBUGFS_H
#define _M2MKX_DEBUGFS_H

/* Module init, after the crypto; exit, before it goes. */
void m2mkx_debugfs_init(void);
void m2mkx_debugfs_exit(void);

#endif /* _M2MKX_DEBUGFS_H */
