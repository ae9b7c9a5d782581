/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * A, the constrained client: symmetric cryptography only.
 *
 * A negotiates with B, asks T for one-time keys for its chosen proxies,
 * splits a fresh secret x among them, accepts y once m proxies relay the
 * same y package (and it opens under x), derives MK, confirms it to B and
 * reads B's verdict on every proxy from the final message.
 *
 * One struct m2mkx_client per handshake; its size is fixed at compile time
 * by M2MKX_CLIENT_MAX_PROXIES, so firmware can place it statically.
 */
#ifndef M2MKX_CLIENT_H
#define M2MKX_CLIENT_H

#include "types.h"
#include "keys.h"
#include "share.h"
#include "step.h"
#include "wire.h"

/*
 * The most proxies one struct m2mkx_client can use. Firmware that never
 * asks for more than a few defines it smaller, and the struct shrinks
 * with it; the wire format allows M2MKX_MAX_PROXIES.
 */
#ifndef M2MKX_CLIENT_MAX_PROXIES
#define M2MKX_CLIENT_MAX_PROXIES M2MKX_MAX_PROXIES
#endif

struct m2mkx_client_proxy {
	u8 id[M2MKX_ID_LEN];
	u8 key[M2MKX_AES128_KEY_LEN];	/* K_AP, shared with this proxy */
	struct m2mkx_endpoint ep;
};

struct m2mkx_client_config {
	u8 id[M2MKX_ID_LEN];
	u8 k_at[M2MKX_AES128_KEY_LEN];	/* shared with T */
	struct m2mkx_endpoint t_ep;
	/* Proposed to B; m is how many agreeing relays A requires. */
	struct m2mkx_params params;
	/* How long T's authorisation for the proxies lasts. */
	u16 lifetime_s;
	struct m2mkx_timing timing;
	/*
	 * One radio frame for all shares, as the paper suggests: when
	 * @bundle_max is non-zero and a SHARES datagram with an entry for
	 * each of the n proxies fits in @bundle_max bytes, A sends that
	 * one datagram to @bundle_ep (the link's broadcast or a multicast
	 * group every proxy hears) instead of one datagram per proxy.
	 */
	u16 bundle_max;
	struct m2mkx_endpoint bundle_ep;
};

enum m2mkx_client_state {
	M2MKX_CLIENT_HELLO_SENT = 1,
	M2MKX_CLIENT_REQUEST_SENT,	/* to T */
	M2MKX_CLIENT_SHARES_SENT,	/* waiting for m agreeing relays */
	M2MKX_CLIENT_FINAL_WAIT,	/* MK derived, FINAL_REQUEST sent */
	M2MKX_CLIENT_DONE,
	M2MKX_CLIENT_FAILED,
};

/*
 * Cookies a busy B may send before A takes it for a refusal: enough for
 * B's secret to rotate between two of them, few enough that a B that
 * never lets A in does not keep it waiting.
 */
#define M2MKX_CLIENT_COOKIE_ROUNDS 3

struct m2mkx_client {
	u8 state;			/* enum m2mkx_client_state */
	u8 cookies;			/* ECOOKIE replies taken */
	const struct m2mkx_client_config *cfg;
	u8 b[M2MKX_ID_LEN];
	struct m2mkx_endpoint b_ep;
	u8 n_a[M2MKX_NONCE_LEN];
	/*
	 * In HELLO_SENT, once @cookies is non-zero, B's latest cookie: it
	 * comes in N_B's place and N_B is not known yet, so it costs no RAM.
	 */
	u8 n_b[M2MKX_NONCE_LEN];
	u8 session[M2MKX_SESSION_LEN];
	u8 x[M2MKX_SECRET_LEN];
	u8 shares[M2MKX_CLIENT_MAX_PROXIES * M2MKX_SECRET_LEN];
	u8 mk[M2MKX_MK_LEN];
	u8 n;
	/* The caller's, in order of preference: A copies no key. */
	const struct m2mkx_client_proxy *proxies[M2MKX_CLIENT_MAX_PROXIES];
	u8 ids[M2MKX_CLIENT_MAX_PROXIES * M2MKX_PROXY_ID_LEN];	/* from T */
	/* What each proxy relayed. */
	u8 ypkg[M2MKX_CLIENT_MAX_PROXIES][M2MKX_YPKG_LEN];
	u32 relayed;			/* bit q: proxy q relayed */
	u32 rejected;			/* bit q: its relay did not open */
	u8 verdicts[M2MKX_CLIENT_MAX_PROXIES];	/* from B's FINAL */
	u32 tries;
	u32 rto;
	u64 next_tx;
	u64 deadline;
	int reason;
	/*
	 * Work counters for the energy model (bench, client library), in
	 * builds that define M2MKX_CLIENT_WORK; firmware saves their RAM
	 * and code.
	 */
#ifdef M2MKX_CLIENT_WORK
	struct {
		u32 ccm_ops;		/* AES-CCM seal or open */
		u32 aes_blocks;		/* AES block encryptions in them */
		u32 hashes;		/* SHA-256 computations */
		u32 sha256_blocks;	/* SHA-256 compressions in them */
		u32 rng_bytes;
		u32 tx_datagrams, tx_bytes;
		u32 rx_datagrams, rx_bytes;
	} work;
#endif
};

/*
 * Starts a handshake with B (@b_id at @b_ep) through the @n proxies
 * @proxies points to, in order of preference: draws N_A and x, sends
 * HELLO. @cfg and the proxies (firmware keeps them in flash) must outlive
 * the handshake; A keeps the pointers, not copies of the keys.
 */
int m2mkx_client_start(struct m2mkx_client *c,
		       const struct m2mkx_client_config *cfg,
		       const u8 b_id[M2MKX_ID_LEN],
		       const struct m2mkx_endpoint *b_ep,
		       const struct m2mkx_client_proxy *const *proxies,
		       unsigned int n, u64 now, struct m2mkx_sink *sink);

/* Feeds A a HELLO_REPLY, PROXY_LIST, RELAY or FINAL. */
int m2mkx_client_rx(struct m2mkx_client *c, const u8 *buf, size_t len,
		    const struct m2mkx_endpoint *from, u64 now,
		    struct m2mkx_sink *sink);

/* Retransmits or gives up; returns false once the handshake has ended. */
bool m2mkx_client_timer(struct m2mkx_client *c, u64 now,
			struct m2mkx_sink *sink);

u64 m2mkx_client_deadline(const struct m2mkx_client *c);

void m2mkx_client_wipe(struct m2mkx_client *c);

#endif /* M2MKX_CLIENT_H */
