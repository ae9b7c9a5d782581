/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * T, the trusted entity, as issuer of the proxies' one-time keys: on A's
 * authenticated request it issues a one-time key to each chosen proxy,
 * commits to their public keys in a Merkle tree, signs the root bound to
 * A, B, the session, the parameters, A's commitment to x and an expiry,
 * sends A the proxy identifiers and each proxy its material, and
 * retransmits the material until acknowledged.
 *
 * Every one-time key is a fresh random seed, used for one leaf of one
 * tree and sent to one proxy: none is ever issued twice. A retransmitted
 * request is answered from the session's record, never with new keys.
 */
#ifndef M2MKX_ISSUER_H
#define M2MKX_ISSUER_H

#include "types.h"
#include "crypto.h"
#include "merkle.h"
#include "ots.h"
#include "step.h"
#include "wire.h"

struct m2mkx_issuer_keys {
	/* The key shared with client @a, or NULL. */
	const u8 *(*client_key)(const struct m2mkx_issuer_keys *keys,
				const u8 a[M2MKX_ID_LEN]);
	/* The key shared with proxy @p and where it listens, or NULL. */
	const u8 *(*proxy_key)(const struct m2mkx_issuer_keys *keys,
			       const u8 p[M2MKX_ID_LEN],
			       struct m2mkx_endpoint *ep);
};

struct m2mkx_issuer_config {
	const struct m2mkx_signer *signer;
	const struct m2mkx_issuer_keys *keys;
	u16 max_lifetime_s;
	struct m2mkx_timing timing;
};

struct m2mkx_issuer_proxy {
	u8 id[M2MKX_ID_LEN];
	struct m2mkx_endpoint ep;
	bool acked;
	u8 seed[M2MKX_OTS_SEED_LEN];	/* kept until acknowledged */
};

struct m2mkx_issuer_session {
	u8 a[M2MKX_ID_LEN];
	u8 session[M2MKX_SESSION_LEN];
	u8 n_a[M2MKX_NONCE_LEN];
	struct m2mkx_endpoint a_from;
	u8 n;
	struct m2mkx_issuer_proxy proxies[M2MKX_MAX_PROXIES];
	u8 nodes[(2 << M2MKX_MERKLE_MAX_HEIGHT) * M2MKX_OTS_HASH_LEN];
	u8 root_info[M2MKX_ROOT_INFO_LEN(M2MKX_ROOT_SIG_MAX_LEN)];
	u16 root_info_len;
	u8 list[M2MKX_PROXY_LIST_LEN(M2MKX_MAX_PROXIES)]; /* reply to A */
	u16 list_len;
	u32 tries;
	u32 rto;
	u64 next_tx;
	u64 deadline;
};

/*
 * Verifies a PROXY_REQUEST under the key T shares with its sender. On
 * success @req describes it and the caller looks up the session (by A and
 * session id): an existing one gets m2mkx_issuer_resend(), a new one
 * m2mkx_issuer_issue().
 */
int m2mkx_issuer_request_open(const struct m2mkx_issuer_config *cfg,
			      const u8 *buf, size_t len,
			      struct m2mkx_proxy_request *req);

/*
 * Issues the keys for @req into the fresh @s: draws the seeds and I,
 * builds the tree, signs the root with expiry @unix_now + lifetime, sends
 * PROXY_LIST to A and KEY_MATERIAL to every proxy. Seeds of padding
 * leaves are wiped at once.
 */
int m2mkx_issuer_issue(struct m2mkx_issuer_session *s,
		       const struct m2mkx_issuer_config *cfg,
		       const struct m2mkx_proxy_request *req,
		       const struct m2mkx_endpoint *from, u64 now, u64 unix_now,
		       struct m2mkx_sink *sink);

/* Answers a retransmitted request with the PROXY_LIST already sent. */
int m2mkx_issuer_resend(struct m2mkx_issuer_session *s,
			const struct m2mkx_proxy_request *req,
			struct m2mkx_sink *sink);

/* Reads the (A, session) of a MATERIAL_ACK after checking its MAC. */
int m2mkx_issuer_ack_open(const struct m2mkx_issuer_config *cfg, const u8 *buf,
			  size_t len, struct m2mkx_material_ack *ack);

/* Marks @ack's proxy done and wipes its seed. */
int m2mkx_issuer_ack(struct m2mkx_issuer_session *s,
		     const struct m2mkx_material_ack *ack);

/* Retransmits unacknowledged material; false once @s can be freed. */
bool m2mkx_issuer_timer(struct m2mkx_issuer_session *s,
			const struct m2mkx_issuer_config *cfg, u64 now,
			struct m2mkx_sink *sink);

u64 m2mkx_issuer_deadline(const struct m2mkx_issuer_session *s);

void m2mkx_issuer_session_wipe(struct m2mkx_issuer_session *s);

#endif /* M2MKX_ISSUER_H */
