// SPDX-License-Identifier: GPL-2.0
/*
 * Test instances for the KUnit suites (harness.h): set up and torn down
 * as a namespace's are (m2mkx_instance_init() and _teardown()), but
 * outside net_generic(), with a recorder for their events.
 */
#include <linux/slab.h>

#include "harness.h"

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
	m2mkx_instance_init(mn, &init_net);
	mn->server_tx.sink.event = record_event;
	mn->proxy_tx.sink.event = record_event;
	return mn;
}

void m2mkx_kunit_instance_free(struct m2mkx_net *mn)
{
	if (!mn)
		return;
	m2mkx_instance_teardown(mn);
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
