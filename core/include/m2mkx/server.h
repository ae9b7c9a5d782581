/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * B, the server: answers A's HELLO, authenticates each proxy (T's root
 * signature, the Merkle proof, the one-time signature on B's nonce N_pb),
 * decrypts the shares, rebuilds x from any k, sends y back through the
 * proxies under x, derives MK and tells A which proxies took part.
 *
 * One struct m2mkx_server_session per handshake, in memory the caller owns
 * and indexes by session id. The id is a keyed hash of (A, N_A), so a
 * retransmitted HELLO finds the session it created without a second index
 * (m2mkx_server_session_id()).
 */
#ifndef M2MKX_SERVER_H
#define M2MKX_SERVER_H

#include "types.h"
#include "crypto.h"
#include "keys.h"
#include "share.h"
#include "step.h"
#include "wire.h"

struct m2mkx_server_config {
	u8 id[M2MKX_ID_LEN];
	u8 static_secret[M2MKX_X25519_LEN];
	u8 static_public[M2MKX_X25519_LEN];
	/* Keys the session ids; random at start-up, never sent. */
	u8 session_secret[32];
	const struct m2mkx_trust *trust;
	/*
	 * What B accepts in a HELLO. With k = 1 every share is x itself, so
	 * deployments set min_k to 2 or more.
	 */
	u8 max_n;
	u8 min_k;
	bool allow_dispersal;
	bool allow_lamport;
	struct m2mkx_timing timing;
};

enum m2mkx_server_state {
	M2MKX_SERVER_COLLECTING = 1,	/* HELLO answered, shares coming */
	M2MKX_SERVER_ANSWERED,		/* x rebuilt, y sent, awaiting A */
	M2MKX_SERVER_DONE,		/* A confirmed MK; lingering */
	M2MKX_SERVER_FAILED,		/* lingering before removal */
};

/*
 * A proxy slot q is claimed only by a SIGNED_SHARE whose one-time
 * signature verifies under leaf q of the root T signed: B keeps nothing
 * for a PROXY_HELLO, so nobody can occupy a slot by sending one.
 */
enum m2mkx_server_proxy_state {
	M2MKX_SP_NONE = 0,
	M2MKX_SP_SHARED,		/* valid SIGNED_SHARE received */
	M2MKX_SP_REFUSED,		/* named corrupt, or reused its key */
};

struct m2mkx_server_proxy {
	u8 state;			/* enum m2mkx_server_proxy_state */
	u8 verdict;			/* enum m2mkx_verdict */
	u8 k[M2MKX_OTS_HASH_LEN];	/* its one-time public key hash */
	u8 n_pb[M2MKX_NONCE_LEN];
	u8 b2p[M2MKX_CHACHAPOLY_KEY_LEN];
	u8 share_digest[M2MKX_SHA256_LEN]; /* of its SIGNED_SHARE */
	u8 share[M2MKX_SHARE_MAX_SECRET_LEN];
	struct m2mkx_endpoint from;
	/*
	 * The keys of the latest PROXY_HELLO for this slot, so that the
	 * SIGNED_SHARE answering it costs no second X25519. Anyone may
	 * overwrite them with another hello; a SIGNED_SHARE whose E_i does
	 * not match simply derives its keys afresh.
	 */
	bool hello_cached;
	u8 hello_e[M2MKX_X25519_LEN];
	struct m2mkx_p2b_keys hello_keys;
};

struct m2mkx_server_session {
	u8 state;			/* enum m2mkx_server_state */
	u8 session[M2MKX_SESSION_LEN];
	u8 a[M2MKX_ID_LEN];
	u8 n_a[M2MKX_NONCE_LEN];
	u8 n_b[M2MKX_NONCE_LEN];
	struct m2mkx_params params;
	struct m2mkx_endpoint a_from;
	/* The root info accepted for this session, once one verified. */
	bool root_ok;
	u8 root_digest[M2MKX_SHA256_LEN];
	u8 commitment[M2MKX_COMMIT_LEN];
	u64 expiry;
	u8 shares;			/* proxies in M2MKX_SP_SHARED */
	u8 ypkg[M2MKX_YPKG_LEN];
	u8 mk[M2MKX_MK_LEN];
	u64 created;
	u64 window_deadline;		/* share window, once k arrived */
	u64 deadline;			/* lifetime, or end of lingering */
	int reason;			/* why it failed */
	struct m2mkx_server_proxy proxies[M2MKX_MAX_PROXIES];
};

/*
 * The keys of B's HELLO cookies. A cookie is the first M2MKX_COOKIE_LEN
 * bytes of HMAC-SHA256(secret, source address || source port || A || N_A):
 * only who receives at that address and port learns it, and B keeps
 * nothing per HELLO to check it. The secret is redrawn every
 * M2MKX_COOKIE_ROTATE_MS; a cookie made under the current secret or the
 * one before is valid, so a cookie lives from one to two periods.
 */
#define M2MKX_COOKIE_ROTATE_MS 120000
#define M2MKX_COOKIE_SECRET_LEN 32

struct m2mkx_server_cookies {
	u8 secret[M2MKX_COOKIE_SECRET_LEN];	/* current */
	u8 previous[M2MKX_COOKIE_SECRET_LEN];
	u64 rotated;			/* when @secret was drawn */
};

/* Draws both secrets at @now; wipe with m2mkx_server_cookies_wipe(). */
int m2mkx_server_cookies_init(struct m2mkx_server_cookies *c, u64 now);

void m2mkx_server_cookies_wipe(struct m2mkx_server_cookies *c);

/* The cookie B gives now to @hello from @from. */
void m2mkx_server_cookie(const struct m2mkx_server_cookies *c,
			 const struct m2mkx_hello *hello,
			 const struct m2mkx_endpoint *from,
			 u8 cookie[M2MKX_COOKIE_LEN]);

/*
 * One source (m2mkx_same_source()) may hold 1/M2MKX_SOURCE_SHARE of B's
 * sessions in handshakes it has not finished (m2mkx_server_pending()): a
 * flooding host cannot lock the others out until its sessions' lifetime
 * runs out.
 */
#define M2MKX_SOURCE_SHARE 8
bool m2mkx_server_pending(const struct m2mkx_server_session *s);

/*
 * Decides whether a HELLO with no session yet may create one. The data
 * path calls it before it spends anything on a session. When B is not
 * @under_load it always may, whatever cookie the HELLO carries. Under
 * load it may only with a valid cookie; any other HELLO gets a
 * HELLO_REPLY with status M2MKX_ECOOKIE and a fresh cookie, and the gate
 * returns -M2MKX_ECOOKIE: B kept nothing. A HELLO for another B is
 * -M2MKX_ENOTFORUS, unanswered.
 */
int m2mkx_server_hello_gate(struct m2mkx_server_cookies *c,
			    const struct m2mkx_server_config *cfg,
			    const struct m2mkx_hello *hello,
			    const struct m2mkx_endpoint *from, u64 now,
			    bool under_load, struct m2mkx_sink *sink);

/*
 * The session id B gives the handshake that @hello starts. It does not
 * depend on the cookie: the HELLO A repeats with one names the same
 * session.
 */
void m2mkx_server_session_id(const struct m2mkx_server_config *cfg,
			     const struct m2mkx_hello *hello,
			     u8 session[M2MKX_SESSION_LEN]);

/*
 * Starts @s from a parsed HELLO (the caller found no session with its id
 * and m2mkx_server_hello_gate() let it through): checks that it is for
 * this B with acceptable parameters and answers it.
 * A refused HELLO is answered with its reason and leaves @s unused: the
 * return value is then that reason, negative.
 */
int m2mkx_server_accept(struct m2mkx_server_session *s,
			const struct m2mkx_server_config *cfg,
			const struct m2mkx_hello *hello,
			const struct m2mkx_endpoint *from, u64 now,
			struct m2mkx_sink *sink);

/*
 * Feeds @s a datagram that names its session id: a retransmitted HELLO,
 * PROXY_HELLO, SIGNED_SHARE or FINAL_REQUEST. @unix_now is wall-clock
 * seconds, for the expiry T signed.
 */
int m2mkx_server_rx(struct m2mkx_server_session *s,
		    const struct m2mkx_server_config *cfg,
		    const u8 *buf, size_t len,
		    const struct m2mkx_endpoint *from, u64 now, u64 unix_now,
		    struct m2mkx_sink *sink);

/*
 * Runs @s's timers. Returns true while the session must be kept, false
 * once the caller should free it (after m2mkx_server_session_wipe()).
 */
bool m2mkx_server_timer(struct m2mkx_server_session *s,
			const struct m2mkx_server_config *cfg, u64 now,
			struct m2mkx_sink *sink);

u64 m2mkx_server_deadline(const struct m2mkx_server_session *s);

/* Reads the session id of a datagram B receives, without parsing it all. */
int m2mkx_server_route(const u8 *buf, size_t len,
		       u8 session[M2MKX_SESSION_LEN]);

void m2mkx_server_session_wipe(struct m2mkx_server_session *s);

#endif /* M2MKX_SERVER_H */
