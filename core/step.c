// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * What every role shares: how events start, and the timing defaults.
 */
#include <m2mkx/step.h>

void m2mkx_event_init(struct m2mkx_event *ev, enum m2mkx_event_type type,
		      const u8 session[M2MKX_SESSION_LEN],
		      const u8 a[M2MKX_ID_LEN], const u8 b[M2MKX_ID_LEN],
		      u8 n)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	memcpy(ev->session, session, M2MKX_SESSION_LEN);
	memcpy(ev->a, a, M2MKX_ID_LEN);
	memcpy(ev->b, b, M2MKX_ID_LEN);
	ev->n = n;
}

void m2mkx_timing_default(struct m2mkx_timing *t)
{
	/*
	 * A first retransmission after 500 ms suits links with round trips
	 * of tens of milliseconds (802.15.4 multi-hop, a WAN to B); five
	 * retransmissions, doubling to a cap of 4 s, give up 15.5 s after
	 * the first transmission.
	 */
	t->rto_ms = 500;
	t->rto_max_ms = 4000;
	t->retries = 5;
	t->share_window_ms = 200;
	t->linger_ms = 30000;
	t->lifetime_ms = 60000;
}
