/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * P_i, a proxy: takes its one-time key material from T and its share of x
 * from A, authenticates B by its key confirmation on N_pb, sends B the
 * share encrypted to B's static key and signed with the one-time key, and
 * relays B's answer (y, under x) back to A.
 *
 * One struct m2mkx_proxy_session per session, in memory the caller owns,
 * indexed by session id; it may be created by the material or by the
 * share, whichever arrives first.
 */
#ifndef M2MKX_PROXY_H
#define M2MKX_PROXY_H

#include "types.h"
#include "keys.h"
#include "merkle.h"
#include "ots.h"
#include "step.h"
#include "wire.h"

/* The largest SIGNED_SHARE a proxy may have to keep for retransmission. */
#define M2MKX_SIGNED_SHARE_MAX_LEN \
	(M2MKX_SIGNED_SHARE_FIXED_LEN + M2MKX_SHARE_MAX_SECRET_LEN + \
	 M2MKX_CHACHAPOLY_TAG_LEN + 32 * M2MKX_MERKLE_MAX_HEIGHT + \
	 M2MKX_ROOT_INFO_LEN(M2MKX_ROOT_SIG_MAX_LEN) + M2MKX_OTS_MAX_SIG_LEN)

/*
 * What the caller knows about its neighbours and servers; the core asks
 * through these so that tables stay in the caller's own structures.
 */
struct m2mkx_proxy_keys {
	/* The pairwise key shared with client @a, or NULL. */
	const u8 *(*neighbour_key)(const struct m2mkx_proxy_keys *keys,
				   const u8 a[M2MKX_ID_LEN]);
	/* B's static X25519 key, pinned from its certificate, or NULL. */
	const u8 *(*server_key)(const struct m2mkx_proxy_keys *keys,
				const u8 b[M2MKX_ID_LEN]);
};

struct m2mkx_proxy_config {
	u8 id[M2MKX_ID_LEN];
	u8 k_pt[M2MKX_AES128_KEY_LEN];	/* shared with T */
	const struct m2mkx_proxy_keys *keys;
	struct m2mkx_timing timing;
};

enum m2mkx_proxy_state {
	M2MKX_PROXY_WAITING = 1,	/* has material or share, not both */
	M2MKX_PROXY_HELLO_SENT,
	M2MKX_PROXY_SIGNED,		/* SIGNED_SHARE sent, awaiting ANSWER */
	M2MKX_PROXY_RELAYED,		/* RELAY sent; lingering */
	M2MKX_PROXY_FAILED,
};

struct m2mkx_proxy_session {
	u8 state;			/* enum m2mkx_proxy_state */
	u8 a[M2MKX_ID_LEN];
	u8 session[M2MKX_SESSION_LEN];
	/* From T. */
	bool have_material;
	struct m2mkx_ots_key ots;
	u8 k[M2MKX_OTS_HASH_LEN];	/* its public key hash */
	u8 b[M2MKX_ID_LEN];
	struct m2mkx_params params;
	u8 height;
	u8 path[M2MKX_MERKLE_MAX_HEIGHT * M2MKX_OTS_HASH_LEN];
	u8 root_info[M2MKX_ROOT_INFO_LEN(M2MKX_ROOT_SIG_MAX_LEN)];
	u16 root_info_len;
	/* From A. */
	bool have_share;
	u8 n_a[M2MKX_NONCE_LEN];
	u8 share[M2MKX_SHARE_MAX_SECRET_LEN];
	u8 share_len;
	u8 share_q;			/* the leaf A says is ours */
	u8 shares_b[M2MKX_ID_LEN];	/* the B A names */
	struct m2mkx_endpoint a_from;
	struct m2mkx_endpoint b_ep;
	/* With B. */
	u8 e_secret[M2MKX_X25519_LEN];
	u8 e_public[M2MKX_X25519_LEN];
	u8 n_pb[M2MKX_NONCE_LEN];
	u8 b2p[M2MKX_CHACHAPOLY_KEY_LEN];
	u8 relay[M2MKX_RELAY_LEN];
	/* The SIGNED_SHARE, kept for retransmission (m2mkx_proxy_buffer_*). */
	u8 *signed_share;
	size_t signed_share_cap;
	size_t signed_share_len;
	u32 tries;
	u32 rto;
	u64 next_tx;
	u64 deadline;
	int reason;
};

/* Prepares @s for a new (A, session), without a SIGNED_SHARE buffer. */
void m2mkx_proxy_session_init(struct m2mkx_proxy_session *s, u64 now,
			      const struct m2mkx_proxy_config *cfg);

/*
 * The SIGNED_SHARE buffer: @s signs into it on B's CHALLENGE and resends
 * it from there until B's ANSWER. It is the caller's memory, and it need
 * not exist for the rest of a session's life: m2mkx_proxy_buffer_need()
 * is the length @s will sign (its parameters' and T's root signature's),
 * while it waits for the CHALLENGE or may still resend, and 0 before it
 * has T's material and A's share and once it is over. A caller that
 * allocates per session gives @s a buffer of that length when a
 * CHALLENGE arrives and takes it back when the need is 0 again, so that
 * a proxy holds one only for the sessions it signs for. A session without
 * one (or with too small a one) fails the CHALLENGE with -M2MKX_ENOSPC.
 */
size_t m2mkx_proxy_buffer_need(const struct m2mkx_proxy_session *s);
void m2mkx_proxy_buffer_attach(struct m2mkx_proxy_session *s, u8 *buf,
			       size_t cap);
/* @s's buffer, wiped and no longer @s's, for the caller to free; or NULL. */
u8 *m2mkx_proxy_buffer_detach(struct m2mkx_proxy_session *s);

/*
 * Opens a KEY_MATERIAL datagram from T with @cfg's key into @pt (at least
 * @len bytes) and parses it into @m, whose pointers then point into @pt.
 * The agent calls this and installs the result into the kernel; the
 * userspace proxy calls it and then m2mkx_proxy_install().
 */
int m2mkx_proxy_material_open(const struct m2mkx_proxy_config *cfg,
			      const u8 *buf, size_t len, u8 *pt,
			      struct m2mkx_key_material *m);

/* Sends T the MATERIAL_ACK for @m with @status (0, or why it was refused). */
int m2mkx_proxy_material_ack(const struct m2mkx_proxy_config *cfg,
			     const struct m2mkx_key_material *m, int status,
			     const struct m2mkx_endpoint *t_ep,
			     struct m2mkx_sink *sink);

/*
 * Installs T's material into @s; fails with -M2MKX_EMATERIAL when @s has
 * material already. The caller wipes its copy afterwards.
 */
int m2mkx_proxy_install(struct m2mkx_proxy_session *s,
			const struct m2mkx_proxy_config *cfg,
			const struct m2mkx_key_material *m, u64 now,
			struct m2mkx_sink *sink);

/*
 * Reads the session id of a SHARES, CHALLENGE or ANSWER. Session ids are
 * keyed hashes chosen by B, so a proxy indexes its sessions by id alone.
 */
int m2mkx_proxy_route(const u8 *buf, size_t len,
		      u8 session[M2MKX_SESSION_LEN]);

/* Feeds @s a SHARES (from A), CHALLENGE or ANSWER (from B). */
int m2mkx_proxy_rx(struct m2mkx_proxy_session *s,
		   const struct m2mkx_proxy_config *cfg,
		   const u8 *buf, size_t len,
		   const struct m2mkx_endpoint *from, u64 now,
		   struct m2mkx_sink *sink);

bool m2mkx_proxy_timer(struct m2mkx_proxy_session *s,
		       const struct m2mkx_proxy_config *cfg, u64 now,
		       struct m2mkx_sink *sink);

u64 m2mkx_proxy_deadline(const struct m2mkx_proxy_session *s);

void m2mkx_proxy_session_wipe(struct m2mkx_proxy_session *s);

#endif /* M2MKX_PROXY_H */
