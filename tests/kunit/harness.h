/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the module's KUnit suites share: an m2mkx instance of their own,
 * outside any namespace's, so a test starts from nothing and cannot
 * disturb (or be disturbed by) the instance of init_net.
 */
#ifndef _M2MKX_KUNIT_HARNESS_H
#define _M2MKX_KUNIT_HARNESS_H

#include <kunit/test.h>

#include "instance.h"

/*
 * KUnit in 6.1 runs a module's suites while the module is coming, before
 * its init function: the suites set up the module-wide state they use
 * themselves, as m2mkx_init() would (the crypto backend's transforms and
 * the workqueue), and drop it afterwards, before the real init runs.
 * For struct kunit_suite's .suite_init and .suite_exit.
 */
int m2mkx_kunit_module_up(struct kunit_suite *suite);
void m2mkx_kunit_module_down(struct kunit_suite *suite);

/*
 * A fresh instance in init_net, set up as m2mkx_instance_init() sets up a
 * namespace's: no roles, no socket, default limits. The test fails and
 * ends if memory is short.
 */
struct m2mkx_net *m2mkx_kunit_instance_new(struct kunit *test);

/* Tears it down as m2mkx_instance_teardown() does, and frees it. */
void m2mkx_kunit_instance_free(struct m2mkx_net *mn);

/*
 * The events the instance's roles reported since it was made, by type
 * (enum m2mkx_event_type) and, for failures, the last reason: a test
 * instance records them instead of multicasting them.
 */
struct m2mkx_kunit_events {
	unsigned int completed;
	unsigned int failed;
	int last_reason;
};

struct m2mkx_kunit_events *m2mkx_kunit_events(struct m2mkx_net *mn);

/* The counter of @role and @reason (a protocol code or M2MKX_PATH_*). */
u64 m2mkx_kunit_count(struct m2mkx_net *mn, enum m2mkx_counter_role role,
		      unsigned int reason);

/* Every datagram counted, all roles and reasons together. */
u64 m2mkx_kunit_count_all(struct m2mkx_net *mn);

#endif /* _M2MKX_KUNIT_HARNESS_H */
