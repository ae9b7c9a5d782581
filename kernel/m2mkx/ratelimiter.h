/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-source limits on what B and the proxies take while they are busy
 * (ratelimiter.c). A source is an IPv4 address or an IPv6 /64: what one
 * host can be expected to own.
 */
#ifndef _M2MKX_RATELIMITER_H
#define _M2MKX_RATELIMITER_H

#include <linux/siphash.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include <m2mkx/wire.h>

/* Each source's budget while the instance is under load. */
#define M2MKX_RL_PER_SECOND 50
#define M2MKX_RL_BURST 50
/* Sources tracked at once; what does not fit is refused under load. */
#define M2MKX_RL_SLOTS 1024

struct m2mkx_rl_slot {
	u8 source[M2MKX_SOURCE_LEN];	/* m2mkx_endpoint_source() */
	u64 last_ns;			/* 0: free */
	u64 tokens_ns;
};

struct m2mkx_ratelimiter {
	/* Guards the slots: taken in softirq on every CPU that receives. */
	spinlock_t lock;
	siphash_key_t key;
	struct m2mkx_rl_slot *slots;	/* M2MKX_RL_SLOTS, or NULL: off */
};

void m2mkx_ratelimiter_init(struct m2mkx_ratelimiter *rl);
/* Allocates the table; in process context. 0 or -ENOMEM. */
int m2mkx_ratelimiter_start(struct m2mkx_ratelimiter *rl);
void m2mkx_ratelimiter_free(struct m2mkx_ratelimiter *rl);

/*
 * Takes one datagram from @from out of its source's budget at @now_ns;
 * false when the budget is spent (or no slot is left to track it).
 * Softirq-safe.
 */
bool m2mkx_ratelimiter_allow(struct m2mkx_ratelimiter *rl,
			     const struct m2mkx_endpoint *from, u64 now_ns);

#endif /* _M2MKX_RATELIMITER_H */
