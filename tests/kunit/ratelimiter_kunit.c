// SPDX-License-Identifier: GPL-2.0
/*
 * The per-source rate limiter (kernel/m2mkx/ratelimiter.c) on its own,
 * with the clock given: each source's burst and refill, sources kept
 * apart (an IPv4 address, an IPv6 /64), the fixed table refusing a
 * source it has no slot for until one falls idle, and no limit without a
 * table.
 */
#include <asm/unaligned.h>
#include <kunit/test.h>
#include <linux/siphash.h>
#include <linux/time64.h>

#include "ratelimiter.h"

#define COST_NS (NSEC_PER_SEC / M2MKX_RL_PER_SECOND)
#define FULL_NS (COST_NS * M2MKX_RL_BURST)
#define T0 (1000 * NSEC_PER_SEC)

static int rl_test_init(struct kunit *test)
{
	struct m2mkx_ratelimiter *rl = kunit_kzalloc(test, sizeof(*rl),
						     GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, rl);
	m2mkx_ratelimiter_init(rl);
	KUNIT_ASSERT_EQ(test, m2mkx_ratelimiter_start(rl), 0);
	test->priv = rl;
	return 0;
}

static void rl_test_exit(struct kunit *test)
{
	m2mkx_ratelimiter_free(test->priv);
}

static struct m2mkx_endpoint v4(u32 addr)
{
	struct m2mkx_endpoint ep = { .port = 4000 };

	ep.addr[10] = 0xff;
	ep.addr[11] = 0xff;
	put_unaligned_be32(addr, ep.addr + 12);
	return ep;
}

static struct m2mkx_endpoint v6(u64 prefix, u64 host)
{
	struct m2mkx_endpoint ep = { .port = 4000 };

	put_unaligned_be64(prefix, ep.addr);
	put_unaligned_be64(host, ep.addr + 8);
	return ep;
}

/* How many of @n datagrams from @from at @now are allowed. */
static unsigned int allowed(struct m2mkx_ratelimiter *rl,
			    const struct m2mkx_endpoint *from, u64 now,
			    unsigned int n)
{
	unsigned int i, yes = 0;

	for (i = 0; i < n; i++)
		yes += m2mkx_ratelimiter_allow(rl, from, now);
	return yes;
}

static void burst_then_refill(struct kunit *test)
{
	struct m2mkx_ratelimiter *rl = test->priv;
	struct m2mkx_endpoint a = v4(0xc0000201);

	KUNIT_EXPECT_EQ(test, allowed(rl, &a, T0, M2MKX_RL_BURST + 10),
			M2MKX_RL_BURST);
	/* One datagram's worth of time buys one datagram. */
	KUNIT_EXPECT_EQ(test, allowed(rl, &a, T0 + COST_NS, 5), 1);
	KUNIT_EXPECT_EQ(test, allowed(rl, &a, T0 + COST_NS + COST_NS / 2, 5),
			0);
	/* Credit stops at a burst, however long the source was quiet. */
	KUNIT_EXPECT_EQ(test, allowed(rl, &a, T0 + 60 * NSEC_PER_SEC,
				      2 * M2MKX_RL_BURST),
			M2MKX_RL_BURST);
}

static void sources_kept_apart(struct kunit *test)
{
	struct m2mkx_ratelimiter *rl = test->priv;
	struct m2mkx_endpoint a = v4(0xc0000201), b = v4(0xc0000202);
	struct m2mkx_endpoint p1 = v6(0xfd00007700000000ULL, 0x10);
	struct m2mkx_endpoint p2 = v6(0xfd00007700000000ULL, 0x11);
	struct m2mkx_endpoint q = v6(0xfd00007700000001ULL, 0x10);

	KUNIT_EXPECT_EQ(test, allowed(rl, &a, T0, 2 * M2MKX_RL_BURST),
			M2MKX_RL_BURST);
	KUNIT_EXPECT_EQ(test, allowed(rl, &b, T0, 1), 1);
	/* One /64 is one source; the next /64 another. */
	KUNIT_EXPECT_EQ(test, allowed(rl, &p1, T0, M2MKX_RL_BURST),
			M2MKX_RL_BURST);
	KUNIT_EXPECT_EQ(test, allowed(rl, &p2, T0, 1), 0);
	KUNIT_EXPECT_EQ(test, allowed(rl, &q, T0, 1), 1);
	KUNIT_EXPECT_TRUE(test, m2mkx_same_source(&p1, &p2));
	KUNIT_EXPECT_FALSE(test, m2mkx_same_source(&p1, &q));
	KUNIT_EXPECT_FALSE(test, m2mkx_same_source(&a, &b));
}

/* The set of slots the module picks for IPv4 address @addr. */
static u64 set_of(const struct m2mkx_ratelimiter *rl, u32 addr)
{
	u8 source[8] = {};

	put_unaligned_be32(addr, source + 4);
	return siphash(source, sizeof(source), &rl->key) &
	       (M2MKX_RL_SLOTS / 4 - 1);
}

static void full_set_refuses_until_idle(struct kunit *test)
{
	struct m2mkx_ratelimiter *rl = test->priv;
	struct m2mkx_endpoint ep[5];
	u32 addr[5], a;
	unsigned int n = 0, i;

	/* Five sources that share a set of four slots. */
	addr[n++] = 0x0a000001;
	for (a = 0x0a000002; n < 5 && a < 0x0a100000; a++)
		if (set_of(rl, a) == set_of(rl, addr[0]))
			addr[n++] = a;
	KUNIT_ASSERT_EQ(test, n, 5);
	for (i = 0; i < 5; i++)
		ep[i] = v4(addr[i]);

	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ(test, allowed(rl, &ep[i], T0, 1), 1);
	/* No slot while the four are still spending: refused, and so kept. */
	KUNIT_EXPECT_EQ(test, allowed(rl, &ep[4], T0 + COST_NS, 1), 0);
	KUNIT_EXPECT_EQ(test, allowed(rl, &ep[0], T0 + COST_NS, 1), 1);
	/* A slot whose bucket has filled up again is as good as free. */
	KUNIT_EXPECT_EQ(test, allowed(rl, &ep[4], T0 + COST_NS + FULL_NS, 1),
			1);
}

static void no_table_no_limit(struct kunit *test)
{
	struct m2mkx_ratelimiter *rl = test->priv;
	struct m2mkx_endpoint a = v4(0xc0000201);

	m2mkx_ratelimiter_free(rl);
	KUNIT_EXPECT_EQ(test, allowed(rl, &a, T0, 3 * M2MKX_RL_BURST),
			3 * M2MKX_RL_BURST);
}

static struct kunit_case rl_cases[] = {
	KUNIT_CASE(burst_then_refill),
	KUNIT_CASE(sources_kept_apart),
	KUNIT_CASE(full_set_refuses_until_idle),
	KUNIT_CASE(no_table_no_limit),
	{}
};

static struct kunit_suite rl_suite = {
	.name = "m2mkx_ratelimiter",
	.init = rl_test_init,
	.exit = rl_test_exit,
	.test_cases = rl_cases,
};

kunit_test_suites(&rl_suite);
