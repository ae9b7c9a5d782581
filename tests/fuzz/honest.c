// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The honest handshakes every target starts from: the role targets'
 * states, and every target's seeds.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"

/* Both share modes, both OTS families (Lamport's 17 KB signatures too). */
const struct m2mkx_params fuzz_honest_params[] = {
	{ .suite = M2MKX_SUITE_V1, .share_mode = M2MKX_SHARE_SHAMIR,
	  .n = 3, .k = 2, .m = 2, .ots_type = M2MKX_LMOTS_SHA256_N32_W4 },
	{ .suite = M2MKX_SUITE_V1, .share_mode = M2MKX_SHARE_DISPERSAL,
	  .n = 5, .k = 3, .m = 2, .ots_type = M2MKX_LMOTS_SHA256_N32_W2 },
	{ .suite = M2MKX_SUITE_V1, .share_mode = M2MKX_SHARE_SHAMIR,
	  .n = 2, .k = 1, .m = 1, .ots_type = M2MKX_OTS_LAMPORT_SHA256 },
};

const unsigned int fuzz_honest_count = M2MKX_ARRAY_SIZE(fuzz_honest_params);

void fuzz_honest_run(unsigned int i, struct world *w, world_hook hook,
		     void *hook_data)
{
	const struct m2mkx_params *p = &fuzz_honest_params[i];
	char label[32];

	snprintf(label, sizeof(label), "fuzz %u", i);
	world_init(w, p, label);
	w->hook = hook;
	w->hook_data = hook_data;
	if (world_start(w))
		abort();
	world_run(w, 60000);
	if (!w->a_done || !w->b_done) {
		fprintf(stderr, "fuzz: honest handshake %u failed\n", i);
		abort();
	}
	w->hook = NULL;
}
