// SPDX-License-Identifier: GPL-2.0
/*
 * A token bucket per source, in the spirit of WireGuard's ratelimiter:
 * while an instance is under load (its receive queue an eighth full), each
 * source may queue M2MKX_RL_PER_SECOND datagrams a second, in bursts of
 * M2MKX_RL_BURST, and what is over its budget is dropped in softirq before
 * it costs the worker anything. One flooding host then takes its budget
 * and no more, however fast it sends, and the others' handshakes go on.
 *
 * The table is fixed (M2MKX_RL_SLOTS), so a flood of many sources cannot
 * grow it: a source hashes (siphash, secret key) to a set of four slots
 * and takes its own, a free one, or one idle long enough for its bucket to
 * be full again, which is the same as a fresh one. When all four belong to
 * sources still spending, the datagram is refused: under load, an
 * unknown source waits rather than evicting a known one.
 *
 * Buckets hold nanoseconds of credit, as WireGuard's do: a datagram costs
 * NSEC_PER_SEC / M2MKX_RL_PER_SECOND, and credit accrues with time up to
 * M2MKX_RL_BURST datagrams' worth.
 */
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/string.h>
#include <linux/time64.h>

#include "ratelimiter.h"

#define RL_COST_NS (NSEC_PER_SEC / M2MKX_RL_PER_SECOND)
#define RL_MAX_NS (RL_COST_NS * M2MKX_RL_BURST)
#define RL_WAYS 4

static_assert(M2MKX_RL_SLOTS % RL_WAYS == 0);
/* Sets are picked by masking the hash. */
static_assert(((M2MKX_RL_SLOTS / RL_WAYS) & (M2MKX_RL_SLOTS / RL_WAYS - 1)) == 0);

void m2mkx_ratelimiter_init(struct m2mkx_ratelimiter *rl)
{
	spin_lock_init(&rl->lock);
	get_random_bytes(&rl->key, sizeof(rl->key));
	rl->slots = NULL;
}

int m2mkx_ratelimiter_start(struct m2mkx_ratelimiter *rl)
{
	struct m2mkx_rl_slot *slots;

	if (READ_ONCE(rl->slots))
		return 0;
	slots = kvcalloc(M2MKX_RL_SLOTS, sizeof(*slots), GFP_KERNEL);
	if (!slots)
		return -ENOMEM;
	spin_lock_bh(&rl->lock);
	if (!rl->slots)
		rl->slots = slots;
	else
		kvfree(slots);
	spin_unlock_bh(&rl->lock);
	return 0;
}

void m2mkx_ratelimiter_free(struct m2mkx_ratelimiter *rl)
{
	struct m2mkx_rl_slot *slots;

	spin_lock_bh(&rl->lock);
	slots = rl->slots;
	rl->slots = NULL;
	spin_unlock_bh(&rl->lock);
	kvfree(slots);
}

bool m2mkx_ratelimiter_allow(struct m2mkx_ratelimiter *rl,
			     const struct m2mkx_endpoint *from, u64 now_ns)
{
	struct m2mkx_rl_slot *set, *slot = NULL;
	bool allowed = false;
	unsigned int i;
	u8 source[M2MKX_SOURCE_LEN];
	u64 h;

	m2mkx_endpoint_source(from, source);
	h = siphash(source, sizeof(source), &rl->key);
	spin_lock(&rl->lock);
	/* Without its table (no memory when the role began) it is off. */
	if (!rl->slots) {
		allowed = true;
		goto out;
	}
	set = rl->slots + (h & (M2MKX_RL_SLOTS / RL_WAYS - 1)) * RL_WAYS;
	for (i = 0; i < RL_WAYS; i++) {
		if (set[i].last_ns && !memcmp(set[i].source, source, 8)) {
			slot = &set[i];
			break;
		}
		if (!slot && (!set[i].last_ns ||
			      now_ns - set[i].last_ns >= RL_MAX_NS))
			slot = &set[i];
	}
	if (!slot)
		goto out;
	if (!slot->last_ns || memcmp(slot->source, source, 8)) {
		memcpy(slot->source, source, 8);
		slot->tokens_ns = RL_MAX_NS;
	} else {
		slot->tokens_ns = min_t(u64, RL_MAX_NS, slot->tokens_ns +
					now_ns - slot->last_ns);
	}
	/* Never 0, which marks a free slot. */
	slot->last_ns = now_ns ?: 1;
	if (slot->tokens_ns >= RL_COST_NS) {
		slot->tokens_ns -= RL_COST_NS;
		allowed = true;
	}
out:
	spin_unlock(&rl->lock);
	return allowed;
}
