/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * libm2mkx-client: the whole of A's side for sensor firmware.
 *
 * The node keeps a table of neighbours and their reputations, picks the
 * proxies for each handshake, runs it with the protocol core's A
 * (core/client.c, the same code the agents and the kernel talk to), and
 * turns B's final verdicts into reputation. It is radio-agnostic and
 * allocates nothing:
 *
 * - all state is in struct m2mkx_node, whose size is fixed at compile
 *   time by M2MKX_CLIENT_MAX_PROXIES and M2MKX_NODE_MAX_NEIGHBOURS;
 * - the application hands each received datagram to m2mkx_node_rx();
 * - the library hands each datagram to send through the send callback,
 *   built in the application's own transmit buffer;
 * - time comes in as a millisecond tick count from the application, and
 *   m2mkx_node_deadline() says when to call m2mkx_node_tick() next.
 *
 * Cryptography: AES-128-CCM, SHA-256 and m2mkx_random(), nothing else;
 * lib/client/soft/ has a portable backend for the first two, and the
 * platform supplies the third (soft.h).
 */
#ifndef M2MKX_NODE_H
#define M2MKX_NODE_H

#include <m2mkx/client.h>
#include <m2mkx/rep.h>

#ifndef M2MKX_NODE_MAX_NEIGHBOURS
#define M2MKX_NODE_MAX_NEIGHBOURS 16
#endif

/*
 * A neighbour that may serve as a proxy; firmware keeps these in flash,
 * and the core reads the chosen ones' keys from there, copying none.
 */
struct m2mkx_neighbour {
	struct m2mkx_client_proxy peer;	/* id, K_AP, endpoint */
	u8 caps;			/* M2MKX_CAP_*, the initial flags */
};

struct m2mkx_node_config {
	/* A's identity, K_AT, T, parameters, timing, bundling. */
	struct m2mkx_client_config client;
	const struct m2mkx_neighbour *neighbours;
	unsigned int count;		/* at most M2MKX_NODE_MAX_NEIGHBOURS */
	/* Chance out of 256 that one proxy is drawn from outside the best. */
	u8 explore;
};

struct m2mkx_node_io {
	/*
	 * Sends @len bytes at @buf to @to. @buf is @tx_buf; the datagram
	 * must be on its way (or copied) when this returns.
	 */
	void (*send)(void *ctx, const struct m2mkx_endpoint *to,
		     const u8 *buf, size_t len);
	void *ctx;
	/*
	 * The application's transmit buffer: radio memory, not ours. It
	 * holds a whole datagram (the radio stack fragments it into
	 * frames): at least PROXY_REQUEST, 92 + 8n bytes, and a bundle of
	 * up to bundle_max bytes; m2mkx_node_init() refuses less.
	 */
	u8 *tx_buf;
	size_t tx_cap;
};

enum m2mkx_node_status {
	M2MKX_NODE_IDLE = 0,
	M2MKX_NODE_BUSY,		/* a handshake is under way */
	M2MKX_NODE_DONE,		/* MK is ready for m2mkx_node_take_mk() */
	M2MKX_NODE_FAILED,		/* m2mkx_node_reason() says why */
};

struct m2mkx_node {
	struct m2mkx_client c;
	struct m2mkx_sink sink;
	const struct m2mkx_node_config *cfg;
	struct m2mkx_node_io io;
	struct m2mkx_rep rep[M2MKX_NODE_MAX_NEIGHBOURS];
	u8 chosen[M2MKX_CLIENT_MAX_PROXIES];	/* neighbour of proxy q */
	u8 status;			/* enum m2mkx_node_status */
	u8 reason;			/* M2MKX_E* once FAILED */
	/* The core wipes its MK when it completes; the session id it keeps. */
	u8 mk[M2MKX_MK_LEN];
	bool shares_sent;		/* proxies were asked to work */
	/* The datagram being built in io.tx_buf. */
	const struct m2mkx_endpoint *tx_to;
	size_t tx_len;
};

/*
 * Sets up @node; every neighbour starts with no evidence and the flags
 * of its entry in @cfg (or those m2mkx_node_rep_load() restores).
 * @cfg must outlive @node. Returns 0 or -M2MKX_EINVAL.
 */
int m2mkx_node_init(struct m2mkx_node *node,
		    const struct m2mkx_node_config *cfg,
		    const struct m2mkx_node_io *io);

/*
 * Starts a handshake with B: ages every reputation, chooses n proxies
 * (m2mkx_rep_select()) and sends HELLO. -M2MKX_ESTATE while another
 * handshake is under way.
 */
int m2mkx_node_start(struct m2mkx_node *node, const u8 b_id[M2MKX_ID_LEN],
		     const struct m2mkx_endpoint *b_ep, u64 now);

/* A received datagram; 0, or the M2MKX_E* reason it was dropped. */
int m2mkx_node_rx(struct m2mkx_node *node, const u8 *buf, size_t len,
		  u64 now);

/* Retransmits or gives up; call at m2mkx_node_deadline(). */
void m2mkx_node_tick(struct m2mkx_node *node, u64 now);

/* The tick at which m2mkx_node_tick() has work, or M2MKX_NO_DEADLINE. */
u64 m2mkx_node_deadline(const struct m2mkx_node *node);

enum m2mkx_node_status m2mkx_node_status(const struct m2mkx_node *node);
int m2mkx_node_reason(const struct m2mkx_node *node);

/*
 * Copies MK and the session id out once DONE and wipes the node's copy;
 * the node is IDLE again. -M2MKX_ESTATE unless DONE.
 */
int m2mkx_node_take_mk(struct m2mkx_node *node, u8 mk[M2MKX_MK_LEN],
		       u8 session[M2MKX_SESSION_LEN]);

/* Which neighbour served as proxy q of the last handshake. */
unsigned int m2mkx_node_proxy(const struct m2mkx_node *node, unsigned int q);

/* B's verdict on proxy q of the last completed handshake. */
u8 m2mkx_node_verdict(const struct m2mkx_node *node, unsigned int q);

/* The reputation table, to keep in flash between boots (rep.h). */
size_t m2mkx_node_rep_save(const struct m2mkx_node *node, u8 *buf,
			   size_t cap);
int m2mkx_node_rep_load(struct m2mkx_node *node, const u8 *buf, size_t len);

#endif /* M2MKX_NODE_H */
