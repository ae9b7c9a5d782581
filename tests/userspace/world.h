/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * A whole m2mkx deployment in one process: A, B, T and n proxies running
 * the protocol core over a simulated network with a simulated clock.
 *
 * The network is a FIFO of datagrams; a test hook sees every datagram
 * before delivery and may drop, alter or duplicate it, or inject others.
 * Because the clock only moves when the network is idle, a run is fully
 * deterministic for a given DRBG seed, which the transcript vector needs.
 */
#ifndef M2MKX_TEST_WORLD_H
#define M2MKX_TEST_WORLD_H

#include <m2mkx/client.h>
#include <m2mkx/errors.h>
#include <m2mkx/issuer.h>
#include <m2mkx/proxy.h>
#include <m2mkx/server.h>

#include "backend/openssl.h"

#define WORLD_MAX_PROXIES M2MKX_MAX_PROXIES
#define WORLD_SESSIONS 4

/* Node numbers double as the port of their simulated endpoint. */
enum {
	NODE_A = 1,
	NODE_B = 2,
	NODE_T = 3,
	/* The radio's broadcast: delivered to each of the n proxies. */
	NODE_BCAST = 4,
	NODE_P0 = 10,
	NODE_COUNT = NODE_P0 + WORLD_MAX_PROXIES,
};

struct dgram {
	struct dgram *next;
	int from, to;
	size_t len;
	u8 data[];
};

struct world;

/*
 * Called for every datagram about to be delivered. Returns true to
 * deliver it (possibly altered in place), false to drop it.
 */
typedef bool (*world_hook)(struct world *w, struct dgram *d);
/* Called after a datagram was delivered (and the node reacted). */
typedef void (*world_after)(struct world *w, const struct dgram *d, int ret);

struct node_sink {
	struct m2mkx_sink sink;
	struct world *w;
	int node;
};

struct world_proxy {
	struct m2mkx_proxy_config cfg;
	struct m2mkx_proxy_session s[WORLD_SESSIONS];
	bool used[WORLD_SESSIONS];
	bool silent;
};

struct world {
	struct m2mkx_timing timing;
	struct m2mkx_params params;
	u8 a_id[M2MKX_ID_LEN], b_id[M2MKX_ID_LEN];
	u8 p_id[WORLD_MAX_PROXIES][M2MKX_ID_LEN];
	u8 k_at[16];
	u8 k_ap[WORLD_MAX_PROXIES][16];
	u8 k_pt[WORLD_MAX_PROXIES][16];

	struct m2mkx_client_config a_cfg;
	struct m2mkx_client a;
	struct m2mkx_client_proxy a_proxies[WORLD_MAX_PROXIES];
	const struct m2mkx_client_proxy *a_proxy_ptrs[WORLD_MAX_PROXIES];

	struct m2mkx_server_config b_cfg;
	struct m2mkx_trust trust;
	struct m2mkx_server_session b[WORLD_SESSIONS];
	bool b_used[WORLD_SESSIONS];
	/* B's HELLO gate: world_b_load() turns the load on and off. */
	struct m2mkx_server_cookies b_cookies;
	bool b_cookies_ready;
	bool b_under_load;

	const struct m2mkx_signer *signer;
	struct m2mkx_issuer_config t_cfg;
	struct m2mkx_issuer_session t[WORLD_SESSIONS];
	bool t_used[WORLD_SESSIONS];

	struct world_proxy p[WORLD_MAX_PROXIES];

	struct node_sink sinks[NODE_COUNT];
	struct dgram *head, *tail;
	u64 now;
	u64 unix_now;

	world_hook hook;
	world_after after;
	void *hook_data;

	/* Drops per node and reason. */
	unsigned int drops[NODE_COUNT][M2MKX_ERR_COUNT];
	unsigned int delivered;

	/* Outcomes. */
	bool a_done, b_done;
	int a_failed, b_failed;		/* positive reason, 0 if none */
	u8 a_mk[M2MKX_MK_LEN], b_mk[M2MKX_MK_LEN];
	u8 a_verdicts[WORLD_MAX_PROXIES], b_verdicts[WORLD_MAX_PROXIES];
	u8 a_ids[WORLD_MAX_PROXIES][M2MKX_PROXY_ID_LEN];
	u8 b_ids[WORLD_MAX_PROXIES][M2MKX_PROXY_ID_LEN];
	unsigned int proxy_completed;
	/* SIGNED_SHAREs signed into a buffer of exactly their length. */
	unsigned int proxy_signed_exact;
	/* Proxies whose buffer was freed as they relayed B's ANSWER. */
	unsigned int proxy_released;
};

/*
 * The T signing key of the tests, generated once per process from a fixed
 * seed (so transcripts are reproducible, and no key is ever committed).
 * @which selects one of two independent keys: 0 is the T every world
 * trusts, 1 a foreign T.
 */
const struct m2mkx_signer *world_signer(int which);

/* Builds a world with @p; keys and ids come from the DRBG seeded @seed. */
void world_init(struct world *w, const struct m2mkx_params *p,
		const char *seed);
void world_free(struct world *w);

/*
 * Makes B busy or not, as its HELLO gate sees it. The cookie secrets are
 * drawn the first time, so that worlds that never load B draw from the
 * DRBG exactly as before (the transcript vector depends on it).
 */
void world_b_load(struct world *w, bool under_load);

/* Starts A's handshake. */
int world_start(struct world *w);

/*
 * Runs until A has finished, B has no handshake left that could still end,
 * and the network is idle; or until @limit_ms passed.
 */
void world_run(struct world *w, u64 limit_ms);

/*
 * Runs the timers of @node (NODE_A, NODE_B, NODE_T or NODE_P0 + q) due at
 * w->now; returns its next deadline.
 */
u64 world_timers(struct world *w, int node);

/* Delivers one datagram now, bypassing the hook (for injected forgeries). */
int world_deliver(struct world *w, const struct dgram *d);

/* Queues a copy of @len bytes from @from to @to. */
void world_send(struct world *w, int from, int to, const u8 *data,
		size_t len);

struct dgram *dgram_new(int from, int to, const u8 *data, size_t len);

/* Total drops at @node except those of @except (or -1 for none). */
unsigned int world_drops_except(const struct world *w, int node, int except);

#endif /* M2MKX_TEST_WORLD_H */
