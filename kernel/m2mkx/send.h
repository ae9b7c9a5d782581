/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's struct m2mkx_sink: where the core's roles put the datagrams
 * and events they produce.
 */
#ifndef _M2MKX_SEND_H
#define _M2MKX_SEND_H

#include <m2mkx/step.h>

#include "counters.h"

struct m2mkx_net;

/* One per role, so that events and send failures name their role. */
struct m2mkx_sender {
	struct m2mkx_sink sink;
	struct m2mkx_net *mn;
	enum m2mkx_counter_role role;
};

void m2mkx_sender_init(struct m2mkx_sender *tx, struct m2mkx_net *mn,
		       enum m2mkx_counter_role role);

#endif /* _M2MKX_SEND_H */
