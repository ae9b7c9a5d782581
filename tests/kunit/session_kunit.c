// SPDX-License-Identifier: GPL-2.0
/*
 * The session tables (kernel/m2mkx/session.c): the max_sessions limit of
 * each role, expiry by the one timer work, teardown while that timer is
 * armed, and the life of a proxy session's SIGNED_SHARE buffer, on a test
 * instance of the suite's own.
 */
#include <kunit/test.h>
#include <linux/workqueue.h>

#include <m2mkx/wire.h>

#include "harness.h"

#define TEST_LIMIT 3

static int session_test_init(struct kunit *test)
{
	test->priv = m2mkx_kunit_instance_new(test);
	return 0;
}

static void session_test_exit(struct kunit *test)
{
	m2mkx_kunit_instance_free(test->priv);
}

static void session_id(u8 id[M2MKX_SESSION_LEN], unsigned int i)
{
	memset(id, 0, M2MKX_SESSION_LEN);
	id[0] = 0x5e;
	id[7] = (u8)i;
}

/* A server session with id @i, in the table; NULL and *@reason if refused. */
static struct m2mkx_server_entry *add_server(struct m2mkx_net *mn,
					     unsigned int i, int *reason)
{
	struct m2mkx_server_entry *e = m2mkx_server_new(mn, reason);

	if (!e)
		return NULL;
	session_id(e->s.session, i);
	m2mkx_server_insert(mn, e);
	return e;
}

/* A waiting proxy session with id @i, created at @now (ms). */
static struct m2mkx_proxy_entry *add_proxy(struct m2mkx_net *mn,
					   unsigned int i, u64 now,
					   int *reason)
{
	struct m2mkx_proxy_entry *e = m2mkx_proxy_new(mn, now, reason);

	if (!e)
		return NULL;
	session_id(e->s.session, i);
	m2mkx_proxy_insert(mn, e);
	return e;
}

static void server_table_stops_at_max_sessions(struct kunit *test)
{
	struct m2mkx_net *mn = test->priv;
	u8 id[M2MKX_SESSION_LEN];
	unsigned int i;
	int reason = 0;

	mutex_lock(&mn->lock);
	mn->max_sessions = TEST_LIMIT;
	for (i = 0; i < TEST_LIMIT; i++)
		KUNIT_EXPECT_NOT_NULL(test, add_server(mn, i, &reason));
	KUNIT_EXPECT_EQ(test, mn->sessions.server.count, TEST_LIMIT);
	KUNIT_EXPECT_NULL(test, add_server(mn, TEST_LIMIT, &reason));
	KUNIT_EXPECT_EQ(test, reason, -M2MKX_EFULL);
	for (i = 0; i < TEST_LIMIT; i++) {
		session_id(id, i);
		KUNIT_EXPECT_NOT_NULL(test, m2mkx_server_lookup(mn, id));
	}
	session_id(id, TEST_LIMIT);
	KUNIT_EXPECT_NULL(test, m2mkx_server_lookup(mn, id));

	/* A flush makes room again. */
	m2mkx_sessions_flush_server(mn);
	KUNIT_EXPECT_EQ(test, mn->sessions.server.count, 0);
	KUNIT_EXPECT_NOT_NULL(test, add_server(mn, 0, &reason));
	mutex_unlock(&mn->lock);
}

static void proxy_table_stops_at_max_sessions(struct kunit *test)
{
	struct m2mkx_net *mn = test->priv;
	u64 now = m2mkx_now_ms();
	u8 id[M2MKX_SESSION_LEN];
	unsigned int i;
	int reason = 0;

	mutex_lock(&mn->lock);
	mn->max_sessions = TEST_LIMIT;
	for (i = 0; i < TEST_LIMIT; i++)
		KUNIT_EXPECT_NOT_NULL(test, add_proxy(mn, i, now, &reason));
	KUNIT_EXPECT_EQ(test, mn->sessions.proxy.count, TEST_LIMIT);
	KUNIT_EXPECT_NULL(test, m2mkx_proxy_new(mn, now, &reason));
	KUNIT_EXPECT_EQ(test, reason, -M2MKX_EFULL);
	/* The server table has its own limit. */
	KUNIT_EXPECT_NOT_NULL(test, add_server(mn, 0, &reason));
	session_id(id, TEST_LIMIT - 1);
	KUNIT_EXPECT_NOT_NULL(test, m2mkx_proxy_lookup(mn, id));
	mutex_unlock(&mn->lock);
}

/*
 * The timer work ends what is due and re-arms for what is left: a waiting
 * session past its lifetime fails (and lingers), a failed one past its
 * linger time is freed, a young one is untouched.
 */
static void timer_expires_due_sessions(struct kunit *test)
{
	struct m2mkx_net *mn = test->priv;
	u32 lifetime = mn->proxy.timing.lifetime_ms;
	struct m2mkx_proxy_entry *old, *failed, *young;
	u64 now = m2mkx_now_ms(), next;
	u8 id[M2MKX_SESSION_LEN];
	int reason = 0;

	KUNIT_ASSERT_GT(test, now, 2ULL * lifetime);
	mutex_lock(&mn->lock);
	old = add_proxy(mn, 1, now - 2ULL * lifetime, &reason);
	failed = add_proxy(mn, 2, now, &reason);
	young = add_proxy(mn, 3, now, &reason);
	KUNIT_ASSERT_NOT_NULL(test, old);
	KUNIT_ASSERT_NOT_NULL(test, failed);
	KUNIT_ASSERT_NOT_NULL(test, young);
	failed->s.state = M2MKX_PROXY_FAILED;
	failed->s.deadline = now - 1;
	m2mkx_sessions_arm(mn, m2mkx_proxy_deadline(&old->s));
	KUNIT_EXPECT_LE(test, mn->sessions.timer_due, now);
	mutex_unlock(&mn->lock);

	flush_delayed_work(&mn->sessions.timer_work);

	mutex_lock(&mn->lock);
	KUNIT_EXPECT_EQ(test, mn->sessions.proxy.count, 2);
	session_id(id, 1);
	KUNIT_EXPECT_PTR_EQ(test, m2mkx_proxy_lookup(mn, id), old);
	KUNIT_EXPECT_EQ(test, old->s.state, M2MKX_PROXY_FAILED);
	/* Its failure was reported, as a timeout; nothing else was. */
	KUNIT_EXPECT_EQ(test, m2mkx_kunit_events(mn)->failed, 1);
	KUNIT_EXPECT_EQ(test, m2mkx_kunit_events(mn)->last_reason,
			M2MKX_ETIMEOUT);
	KUNIT_EXPECT_EQ(test, m2mkx_kunit_events(mn)->completed, 0);
	session_id(id, 2);
	KUNIT_EXPECT_NULL(test, m2mkx_proxy_lookup(mn, id));
	KUNIT_EXPECT_EQ(test, young->s.state, M2MKX_PROXY_WAITING);
	next = min(m2mkx_proxy_deadline(&old->s),
		   m2mkx_proxy_deadline(&young->s));
	KUNIT_EXPECT_EQ(test, mn->sessions.timer_due, next);
	KUNIT_EXPECT_TRUE(test, delayed_work_pending(&mn->sessions.timer_work));
	mutex_unlock(&mn->lock);
}

/*
 * Namespace teardown with sessions in both tables and the timer armed:
 * the timer is cancelled for good, every session freed (KASAN and
 * kmemleak watch the rest).
 */
static void teardown_with_timer_armed(struct kunit *test)
{
	struct m2mkx_net *mn = test->priv;
	u64 now = m2mkx_now_ms();
	unsigned int i;
	int reason = 0;

	mutex_lock(&mn->lock);
	for (i = 0; i < 8; i++) {
		KUNIT_ASSERT_NOT_NULL(test, add_server(mn, i, &reason));
		KUNIT_ASSERT_NOT_NULL(test, add_proxy(mn, i, now, &reason));
	}
	m2mkx_sessions_arm(mn, now + 60000);
	KUNIT_EXPECT_TRUE(test, delayed_work_pending(&mn->sessions.timer_work));
	mutex_unlock(&mn->lock);

	m2mkx_sessions_stop(mn);
	KUNIT_EXPECT_FALSE(test, delayed_work_pending(&mn->sessions.timer_work));

	mutex_lock(&mn->lock);
	/* Stopped means stopped: nothing re-arms it. */
	m2mkx_sessions_arm(mn, now);
	KUNIT_EXPECT_FALSE(test, delayed_work_pending(&mn->sessions.timer_work));
	m2mkx_sessions_free(mn);
	KUNIT_EXPECT_EQ(test, mn->sessions.server.count, 0);
	KUNIT_EXPECT_EQ(test, mn->sessions.proxy.count, 0);
	KUNIT_EXPECT_NULL(test, mn->sessions.server.buckets);
	KUNIT_EXPECT_NULL(test, mn->sessions.proxy.buckets);
	mutex_unlock(&mn->lock);
}

/*
 * What the per-source share of the server's table counts: a source's
 * handshakes still going on, not those over (which only linger), nor
 * another source's.
 */
static void server_sessions_counted_by_source(struct kunit *test)
{
	static const u8 states[] = {
		M2MKX_SERVER_COLLECTING, M2MKX_SERVER_ANSWERED,
		M2MKX_SERVER_DONE, M2MKX_SERVER_FAILED,
	};
	struct m2mkx_endpoint a = { .addr = { [10] = 0xff, [11] = 0xff,
					      192, 0, 2, 1 } };
	struct m2mkx_endpoint a2 = a, b = a;
	struct m2mkx_net *mn = test->priv;
	struct m2mkx_server_entry *e;
	unsigned int i;
	int reason = 0;

	a2.port = 4001;
	b.addr[15] = 2;
	mutex_lock(&mn->lock);
	for (i = 0; i < ARRAY_SIZE(states); i++) {
		e = add_server(mn, i, &reason);
		KUNIT_ASSERT_NOT_NULL(test, e);
		e->s.state = states[i];
		e->s.a_from = a;
	}
	e = add_server(mn, 10, &reason);
	KUNIT_ASSERT_NOT_NULL(test, e);
	e->s.state = M2MKX_SERVER_COLLECTING;
	e->s.a_from = b;
	/* Another port of the same host is the same source. */
	KUNIT_EXPECT_EQ(test, m2mkx_server_pending_from(mn, &a2), 2);
	KUNIT_EXPECT_EQ(test, m2mkx_server_pending_from(mn, &b), 1);
	m2mkx_sessions_flush_server(mn);
	KUNIT_EXPECT_EQ(test, m2mkx_server_pending_from(mn, &a), 0);
	mutex_unlock(&mn->lock);
}

/*
 * A proxy session's SIGNED_SHARE buffer: none while the session waits,
 * one of its SIGNED_SHARE's length from B's CHALLENGE on, none once it
 * relayed B's ANSWER or its timer failed it.
 */
static void proxy_buffer_held_while_signing(struct kunit *test)
{
	static const u8 root_sig[256];
	struct m2mkx_root_info root = {
		.params = {
			.suite = M2MKX_SUITE_V1,
			.share_mode = M2MKX_SHARE_SHAMIR,
			.n = 5, .k = 3,
			.ots_type = M2MKX_LMOTS_SHA256_N32_W4,
		},
		.sig_len = sizeof(root_sig),
		.sig = root_sig,
	};
	struct m2mkx_net *mn = test->priv;
	u64 now = m2mkx_now_ms();
	struct m2mkx_proxy_entry *e;
	size_t want;
	int reason = 0;

	want = m2mkx_signed_share_len(&root.params, root.sig_len);
	KUNIT_ASSERT_LT(test, want, M2MKX_SIGNED_SHARE_MAX_LEN);
	mutex_lock(&mn->lock);
	e = add_proxy(mn, 1, now, &reason);
	KUNIT_ASSERT_NOT_NULL(test, e);
	e->s.params = root.params;
	e->s.root_info_len = m2mkx_root_info_encode(e->s.root_info, &root);
	KUNIT_EXPECT_EQ(test, m2mkx_proxy_buffer_fit(e, true), 0);
	KUNIT_EXPECT_NULL(test, e->s.signed_share);

	/* Its PROXY_HELLO sent: only B's CHALLENGE brings a buffer. */
	e->s.state = M2MKX_PROXY_HELLO_SENT;
	KUNIT_EXPECT_EQ(test, m2mkx_proxy_buffer_fit(e, false), 0);
	KUNIT_EXPECT_NULL(test, e->s.signed_share);
	KUNIT_EXPECT_EQ(test, m2mkx_proxy_buffer_fit(e, true), 0);
	KUNIT_ASSERT_NOT_NULL(test, e->s.signed_share);
	KUNIT_EXPECT_EQ(test, e->s.signed_share_cap, want);

	/* Signed: kept for B's retransmitted CHALLENGEs. */
	e->s.state = M2MKX_PROXY_SIGNED;
	e->s.signed_share_len = want;
	KUNIT_EXPECT_EQ(test, m2mkx_proxy_buffer_fit(e, false), 0);
	KUNIT_EXPECT_NOT_NULL(test, e->s.signed_share);

	e->s.state = M2MKX_PROXY_RELAYED;
	KUNIT_EXPECT_EQ(test, m2mkx_proxy_buffer_fit(e, false), 0);
	KUNIT_EXPECT_NULL(test, e->s.signed_share);
	KUNIT_EXPECT_EQ(test, e->s.signed_share_len, 0);

	/* A signed session that runs out of time goes without its buffer. */
	e->s.state = M2MKX_PROXY_SIGNED;
	KUNIT_EXPECT_EQ(test, m2mkx_proxy_buffer_fit(e, true), 0);
	KUNIT_ASSERT_NOT_NULL(test, e->s.signed_share);
	e->s.deadline = now - 1;
	m2mkx_sessions_arm(mn, m2mkx_proxy_deadline(&e->s));
	mutex_unlock(&mn->lock);

	flush_delayed_work(&mn->sessions.timer_work);

	mutex_lock(&mn->lock);
	KUNIT_EXPECT_EQ(test, e->s.state, M2MKX_PROXY_FAILED);
	KUNIT_EXPECT_NULL(test, e->s.signed_share);
	mutex_unlock(&mn->lock);
}

static struct kunit_case session_cases[] = {
	KUNIT_CASE(server_table_stops_at_max_sessions),
	KUNIT_CASE(proxy_table_stops_at_max_sessions),
	KUNIT_CASE(timer_expires_due_sessions),
	KUNIT_CASE(teardown_with_timer_armed),
	KUNIT_CASE(server_sessions_counted_by_source),
	KUNIT_CASE(proxy_buffer_held_while_signing),
	{}
};

static struct kunit_suite session_suite = {
	.suite_init = m2mkx_kunit_module_up,
	.suite_exit = m2mkx_kunit_module_down,
	.name = "m2mkx_session",
	.init = session_test_init,
	.exit = session_test_exit,
	.test_cases = session_cases,
};

kunit_test_suites(&session_suite);
