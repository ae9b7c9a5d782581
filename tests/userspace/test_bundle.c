// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * A's bundled SHARES (client.h, bundle_max): all n shares in one
 * datagram to the radio's broadcast, as the paper suggests, among the
 * real roles of tests/userspace/world.c.
 *
 *   bundled    one SHARES of 62 + n(17 + L) bytes reaches every proxy,
 *              each finds its entry, and the handshake completes with
 *              every share used
 *   too big    when the bundle would not fit bundle_max, A sends one
 *              datagram per proxy as before
 *   lost       a lost bundle is retransmitted byte for byte, proxies
 *              that already relayed included
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <m2mkx/bytes.h>
#include <m2mkx/errors.h>

#include "tap.h"
#include "world.h"

struct watch {
	unsigned int shares, bcast;
	size_t len;
	u8 first[1024];
	bool drop_first, retransmitted_same;
};

static bool watch_hook(struct world *w, struct dgram *d)
{
	struct watch *s = w->hook_data;

	if (d->from != NODE_A || d->len < 2 || d->data[0] != M2MKX_MSG_SHARES)
		return true;
	s->shares++;
	if (d->to == NODE_BCAST)
		s->bcast++;
	if (s->shares == 1 && d->len <= sizeof(s->first)) {
		memcpy(s->first, d->data, d->len);
		s->len = d->len;
		return !s->drop_first;
	}
	if (s->shares == 2 && d->len == s->len &&
	    !memcmp(s->first, d->data, d->len))
		s->retransmitted_same = true;
	return true;
}

static struct world *run(unsigned int n, u16 bundle_max, bool drop_first,
			 struct watch *s)
{
	struct m2mkx_params p = {
		.suite = M2MKX_SUITE_V1,
		.share_mode = M2MKX_SHARE_SHAMIR,
		.n = (u8)n, .k = (u8)(n / 2 + 1), .m = 2,
		.ots_type = M2MKX_LMOTS_SHA256_N32_W4,
	};
	struct world *w = calloc(1, sizeof(*w));

	if (!w)
		abort();
	world_init(w, &p, "m2mkx bundle");
	w->a_cfg.bundle_max = bundle_max;
	w->a_cfg.bundle_ep.port = NODE_BCAST;
	memset(s, 0, sizeof(*s));
	s->drop_first = drop_first;
	w->hook = watch_hook;
	w->hook_data = s;
	if (world_start(w))
		abort();
	world_run(w, 120000);
	return w;
}

static bool all_used(const struct world *w, unsigned int n)
{
	unsigned int q;

	for (q = 0; q < n; q++)
		if (w->a_verdicts[q] != M2MKX_VERDICT_USED)
			return false;
	return true;
}

int main(void)
{
	struct watch s;
	struct world *w;

	w = run(5, 1280, false, &s);
	tap_ok(w->a_done && w->b_done, "bundled: the handshake completes");
	tap_ok(!memcmp(w->a_mk, w->b_mk, M2MKX_MK_LEN), "bundled: same MK");
	tap_is_int(s.shares, 1, "bundled: A sends one SHARES datagram");
	tap_is_int(s.bcast, 1, "bundled: to the broadcast endpoint");
	tap_is_int(s.len, M2MKX_SHARES_LEN(5, 16), "bundled: 62 + 5 (17 + 16)");
	tap_ok(all_used(w, 5), "bundled: B used every proxy's share");
	tap_is_int(w->a.work.tx_datagrams, 4,
		   "bundled: HELLO, PROXY_REQUEST, SHARES, FINAL_REQUEST");
	world_free(w);
	free(w);

	w = run(5, M2MKX_SHARES_LEN(5, 16) - 1, false, &s);
	tap_ok(w->a_done && w->b_done, "too big: the handshake completes");
	tap_is_int(s.shares, 5, "too big: one SHARES per proxy");
	tap_is_int(s.bcast, 0, "too big: none to the broadcast");
	world_free(w);
	free(w);

	w = run(3, 1280, true, &s);
	tap_ok(w->a_done && w->b_done, "lost: the handshake completes");
	tap_ok(s.shares >= 2 && s.retransmitted_same,
	       "lost: the bundle is retransmitted byte for byte");
	world_free(w);
	free(w);
	return tap_done();
}
