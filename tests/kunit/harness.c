// SPDX-License-Identifier: GPL-2.0
/*
 * Test instances for the KUnit suites (harness.h).
 *
 * The steps are those of m2mkx_net_init() and m2mkx_net_exit() in
 * kernel/m2mkx/instance.c, which are static to it and tied to
 * net_generic(); keep the two in step.
 */
#include <linux/random.h>
#include <linux/slab.h>

#include "harness.h"
#include "receive.h"

int m2mkx_kunit_module_up(struct kunit_suite *suite)
{
	int ret = m2mkx_crypto_init();

	if (ret)
		return ret;
	m2mkx_wq = alloc_workqueue("m2mkx-kunit", WQ_UNBOUND, 0);
	if (!m2mkx_wq) {
		m2mkx_crypto_exit();
		return -ENOMEM;
	}
	return 0;
}

void m2mkx_kunit_module_down(struct kunit_suite *suite)
{
	destroy_workqueue(m2mkx_wq);
	m2mkx_wq = NULL;
	m2mkx_crypto_exit();
}

/* A test instance with its recorder (the sender's sink and instance). */
struct kunit_instance {
	struct m2mkx_net mn;
	struct m2mkx_kunit_events events;
};

struct m2mkx_kunit_events *m2mkx_kunit_events(struct m2mkx_net *mn)
{
	return &container_of(mn, struct kunit_instance, mn)->events;
}

static void record_event(struct m2mkx_sink *sink,
			 const struct m2mkx_event *ev)
{
	struct m2mkx_sender *tx = container_of(sink, struct m2mkx_sender,
					       sink);
	struct m2mkx_kunit_events *rec = m2mkx_kunit_events(tx->mn);

	if (ev->type == M2MKX_EV_COMPLETED) {
		rec->completed++;
	} else {
		rec->failed++;
		rec->last_reason = ev->reason;
	}
}

struct m2mkx_net *m2mkx_kunit_instance_new(struct kunit *test)
{
	struct kunit_instance *ki = kzalloc(sizeof(*ki), GFP_KERNEL);
	struct m2mkx_net *mn;

	KUNIT_ASSERT_NOT_NULL(test, ki);
	mn = &ki->mn;
	mn->net = &init_net;
	mutex_init(&mn->lock);
	mn->max_sessions = M2MKX_DEFAULT_MAX_SESSIONS;
	mn->server.trust = &mn->trust;
	mn->server.max_n = M2MKX_MAX_PROXIES;
	mn->server.min_k = 2;
	m2mkx_timing_default(&mn->server.timing);
	get_random_bytes(mn->server.session_secret,
			 sizeof(mn->server.session_secret));
	mn->proxy.keys = &mn->peers.keys;
	m2mkx_timing_default(&mn->proxy.timing);
	m2mkx_peers_init(&mn->peers);
	m2mkx_sessions_init(mn);
	m2mkx_sender_init(&mn->server_tx, mn, M2MKX_CTR_SERVER);
	m2mkx_sender_init(&mn->proxy_tx, mn, M2MKX_CTR_PROXY);
	mn->server_tx.sink.event = record_event;
	mn->proxy_tx.sink.event = record_event;
	m2mkx_receive_init(mn);
	return mn;
}

void m2mkx_kunit_instance_free(struct m2mkx_net *mn)
{
	if (!mn)
		return;
	mutex_lock(&mn->lock);
	WRITE_ONCE(mn->roles, 0);
	m2mkx_socket_close(&mn->sock);
	mutex_unlock(&mn->lock);
	m2mkx_receive_stop(mn);
	m2mkx_sessions_stop(mn);
	mutex_lock(&mn->lock);
	m2mkx_sessions_free(mn);
	m2mkx_peers_free(&mn->peers);
	m2mkx_trust_put(&mn->trust);
	mutex_unlock(&mn->lock);
	mutex_destroy(&mn->lock);
	kfree_sensitive(container_of(mn, struct kunit_instance, mn));
}

u64 m2mkx_kunit_count(struct m2mkx_net *mn, enum m2mkx_counter_role role,
		      unsigned int reason)
{
	unsigned int i;

	for (i = 0; i < M2MKX_CTR_REASONS; i++)
		if (m2mkx_counter_reason(i) == reason)
			return m2mkx_counter_read(&mn->counters, role, i);
	return U64_MAX;
}

u64 m2mkx_kunit_count_all(struct m2mkx_net *mn)
{
	unsigned int role, i;
	u64 sum = 0;

	for (role = 0; role < M2MKX_CTR_ROLES; role++)
		for (i = 0; i < M2MKX_CTR_REASONS; i++)
			sum += m2mkx_counter_read(&mn->counters, role, i);
	return sum;
}
