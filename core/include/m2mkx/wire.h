/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Every m2mkx message, its byte layout, and the strict codec.
 *
 * Documentation/protocol.rst is the normative description; the layouts are
 * repeated here next to the code that reads them. All integers are
 * big-endian. Every message starts with the same two bytes:
 *
 *   type (1) | version (1) = M2MKX_VERSION
 *
 * Parsing is strict: a datagram must be exactly as long as its type and
 * its own counts say, every count and parameter must be in range, and each
 * failure returns its own M2MKX_E* code so the data paths can count it.
 * The codec only checks structure; MACs, signatures and session state are
 * the roles' business.
 *
 * Encoders follow one rule: m2mkx_X_encode() writes every field of X that
 * the role has not yet produced with its own keys (its ciphertexts, tags
 * and signatures) and returns the offset of the first such field, which
 * for MAC-only messages is also the length of the authenticated data. The
 * role then writes those at the offsets the layout gives. Fields that are
 * opaque to the sender (RELAY's y package, CHALLENGE's confirmation, which
 * B computes first) are written like any other. The full length of each
 * message is its M2MKX_X_LEN macro.
 */
#ifndef M2MKX_WIRE_H
#define M2MKX_WIRE_H

#include "types.h"
#include "crypto.h"
#include "ots.h"
#include "share.h"

#define M2MKX_VERSION 1

#define M2MKX_ID_LEN 8		/* node identifier (EUI-64 style) */
#define M2MKX_SESSION_LEN 8	/* session id, chosen by B */
#define M2MKX_NONCE_LEN 16	/* N_A, N_B, N_pb */
#define M2MKX_SECRET_LEN 16	/* x and y */
#define M2MKX_COMMIT_LEN 16	/* A's commitment to x */
#define M2MKX_PROXY_ID_LEN 8	/* ID_i, truncated H(LK_i) */
#define M2MKX_TAG_LEN 8		/* CCM tag on every A/T-keyed message */
#define M2MKX_CONFIRM_LEN 16	/* B's key confirmation in CHALLENGE */
#define M2MKX_COOKIE_LEN 16	/* B's proof that A receives at its address */
#define M2MKX_ENDPOINT_LEN 18	/* IPv6 address (v4-mapped for IPv4) + port */
#define M2MKX_YPKG_LEN (M2MKX_SECRET_LEN + M2MKX_TAG_LEN)

/* The single cipher suite of version 1; see protocol.rst "Parameters". */
#define M2MKX_SUITE_V1 1

enum m2mkx_msg_type {
	M2MKX_MSG_HELLO = 1,		/* A -> B */
	M2MKX_MSG_HELLO_REPLY = 2,	/* B -> A */
	M2MKX_MSG_PROXY_REQUEST = 3,	/* A -> T */
	M2MKX_MSG_PROXY_LIST = 4,	/* T -> A */
	M2MKX_MSG_KEY_MATERIAL = 5,	/* T -> P_i */
	M2MKX_MSG_MATERIAL_ACK = 6,	/* P_i -> T */
	M2MKX_MSG_SHARES = 7,		/* A -> P_i */
	M2MKX_MSG_PROXY_HELLO = 8,	/* P_i -> B */
	M2MKX_MSG_CHALLENGE = 9,	/* B -> P_i */
	M2MKX_MSG_SIGNED_SHARE = 10,	/* P_i -> B */
	M2MKX_MSG_ANSWER = 11,		/* B -> P_i */
	M2MKX_MSG_RELAY = 12,		/* P_i -> A */
	M2MKX_MSG_FINAL_REQUEST = 13,	/* A -> B */
	M2MKX_MSG_FINAL = 14,		/* B -> A */
	M2MKX_MSG_Y_PACKAGE = 15,	/* nonce domain of the y package only */
};

/* Where a datagram came from or goes to, as the transport gives it. */
struct m2mkx_endpoint {
	u8 addr[16];		/* IPv6, or ::ffff:a.b.c.d */
	u16 port;
};

/*
 * What an endpoint counts as in per-source limits: its IPv4 address, or
 * its IPv6 /64, what one host can be expected to own.
 */
#define M2MKX_SOURCE_LEN 8
void m2mkx_endpoint_source(const struct m2mkx_endpoint *ep,
			   u8 source[M2MKX_SOURCE_LEN]);
bool m2mkx_same_source(const struct m2mkx_endpoint *a,
		       const struct m2mkx_endpoint *b);

/* The parameters A proposes and B echoes. */
struct m2mkx_params {
	u8 suite;
	u8 share_mode;		/* enum m2mkx_share_mode */
	u8 n, k, m;
	u32 ots_type;		/* enum m2mkx_ots_type */
};

/*
 * HELLO, A -> B, 43 bytes, or 59 with a cookie:
 *   hdr(2) | A(8) | B(8) | N_A(16) | suite(1) | ots_type(4) | share_mode(1)
 *   | n(1) | k(1) | m(1) [| cookie(16)]
 * The cookie is the one a busy B sent back in a HELLO_REPLY with status
 * M2MKX_ECOOKIE; A repeats its HELLO with it to prove it receives at its
 * source address.
 */
struct m2mkx_hello {
	u8 a[M2MKX_ID_LEN];
	u8 b[M2MKX_ID_LEN];
	u8 n_a[M2MKX_NONCE_LEN];
	struct m2mkx_params params;
	bool has_cookie;
	u8 cookie[M2MKX_COOKIE_LEN];
};

#define M2MKX_HELLO_LEN 43
#define M2MKX_HELLO_COOKIE_LEN (M2MKX_HELLO_LEN + M2MKX_COOKIE_LEN)

/*
 * HELLO_REPLY, B -> A, 68 bytes:
 *   hdr(2) | status(1) | A(8) | B(8) | N_A(16) | N_B(16) | session(8)
 *   | suite(1) | ots_type(4) | share_mode(1) | n(1) | k(1) | m(1)
 * status is 0 (accepted) or the M2MKX_E* code of the refusal; a refusal
 * carries zero N_B and session. Any non-zero status is a refusal, also one
 * this version has no name for, except M2MKX_ECOOKIE: B is busy, and N_B
 * carries the cookie A must add to its HELLO.
 */
struct m2mkx_hello_reply {
	u8 status;
	u8 a[M2MKX_ID_LEN];
	u8 b[M2MKX_ID_LEN];
	u8 n_a[M2MKX_NONCE_LEN];
	u8 n_b[M2MKX_NONCE_LEN];
	u8 session[M2MKX_SESSION_LEN];
	struct m2mkx_params params;
};

#define M2MKX_HELLO_REPLY_LEN 68

/*
 * PROXY_REQUEST, A -> T, 92 + 8n bytes, MAC-only AES-128-CCM under K_AT
 * with nonce (type || N_A[0..11]), AD = every byte before the tag:
 *   hdr(2) | A(8) | session(8) | N_A(16) | N_B(16) | B(8) | suite(1)
 *   | ots_type(4)
 *   | share_mode(1) | n(1) | k(1) | commitment(16) | lifetime_s(2)
 *   | P_1..P_n (8 each) | tag(8)
 */
struct m2mkx_proxy_request {
	u8 a[M2MKX_ID_LEN];
	u8 session[M2MKX_SESSION_LEN];
	u8 n_a[M2MKX_NONCE_LEN];
	u8 n_b[M2MKX_NONCE_LEN];
	u8 b[M2MKX_ID_LEN];
	struct m2mkx_params params;	/* m unused (0) */
	u8 commitment[M2MKX_COMMIT_LEN];
	u16 lifetime_s;
	const u8 *proxies;		/* n * M2MKX_ID_LEN */
	const u8 *tag;
	size_t ad_len;
};

#define M2MKX_PROXY_REQUEST_LEN(n) (92 + 8 * (n))

/*
 * PROXY_LIST, T -> A, 28 + 8n bytes, MAC-only under K_AT, nonce
 * (type || N_A[0..11]) with the N_A of the request:
 *   hdr(2) | A(8) | session(8) | status(1) | n(1) | ID_1..ID_n (8 each)
 *   | tag(8)
 * status is 0, or the M2MKX_E* code of T's refusal (then n is 0); any
 * non-zero value is a refusal.
 */
struct m2mkx_proxy_list {
	u8 a[M2MKX_ID_LEN];
	u8 session[M2MKX_SESSION_LEN];
	u8 status;
	u8 n;
	const u8 *ids;			/* n * M2MKX_PROXY_ID_LEN */
	const u8 *tag;
	size_t ad_len;
};

#define M2MKX_PROXY_LIST_LEN(n) (28 + 8 * (n))

/*
 * The root T signs, carried in KEY_MATERIAL and SIGNED_SHARE, 142 + sig
 * bytes:
 *   t_key_id(20) | A(8) | B(8) | session(8) | N_B(16) | suite(1)
 *   | ots_type(4) | share_mode(1) | n(1) | k(1) | I(16) | root(32)
 *   | commitment(16) | expiry(8, UNIX seconds) | sig_len(2) | sig(sig_len)
 * T signs SHA-256(label "m2mkx-v1-root" encoded as in protocol.rst || the
 * 140 bytes before sig_len). N_B ties T's authorisation to B's fresh nonce
 * of this very handshake: a replayed request can only produce a root that
 * no live session of B accepts.
 */
struct m2mkx_root_info {
	u8 t_key_id[M2MKX_TKEY_ID_LEN];
	u8 a[M2MKX_ID_LEN];
	u8 b[M2MKX_ID_LEN];
	u8 session[M2MKX_SESSION_LEN];
	u8 n_b[M2MKX_NONCE_LEN];
	struct m2mkx_params params;	/* m unused (0) */
	u8 I[M2MKX_LMS_I_LEN];
	u8 root[M2MKX_OTS_HASH_LEN];
	u8 commitment[M2MKX_COMMIT_LEN];
	u64 expiry;
	u16 sig_len;
	const u8 *sig;
	const u8 *signed_part;		/* the 140 signed bytes */
};

#define M2MKX_ROOT_INFO_SIGNED_LEN 140
#define M2MKX_ROOT_INFO_LEN(sig_len) (M2MKX_ROOT_INFO_SIGNED_LEN + 2 + (sig_len))

/*
 * KEY_MATERIAL, T -> P_i, AES-128-CCM under K_PT with a random nonce:
 *   hdr(2) | P(8) | nonce(13) | ciphertext | tag(8)
 * plaintext: q(1) | seed(32) | root_info | path(h * 32)
 * where h = m2mkx_merkle_height(n) and n is read from the root info, so
 * the path's length is known before it is read. AD = the 23 bytes before
 * the ciphertext.
 */
struct m2mkx_key_material_hdr {
	u8 p[M2MKX_ID_LEN];
	u8 nonce[M2MKX_CCM_NONCE_LEN];
	const u8 *ct;
	size_t ct_len;			/* without the tag */
	size_t ad_len;
};

struct m2mkx_key_material {
	u8 q;
	u8 seed[M2MKX_OTS_SEED_LEN];
	const u8 *path;
	unsigned int height;
	struct m2mkx_root_info root;
};

#define M2MKX_KEY_MATERIAL_HDR_LEN 23
#define M2MKX_KEY_MATERIAL_PT_LEN(h, sig_len) \
	(33 + 32 * (h) + M2MKX_ROOT_INFO_LEN(sig_len))
#define M2MKX_KEY_MATERIAL_LEN(h, sig_len) \
	(M2MKX_KEY_MATERIAL_HDR_LEN + M2MKX_KEY_MATERIAL_PT_LEN(h, sig_len) + \
	 M2MKX_TAG_LEN)

/*
 * MATERIAL_ACK, P_i -> T, 49 bytes, MAC-only under K_PT, random nonce:
 *   hdr(2) | P(8) | nonce(13) | A(8) | session(8) | q(1) | status(1)
 *   | tag(8)
 * status is 0 (installed) or the M2MKX_E* code of the refusal; any
 * non-zero value is a refusal.
 */
struct m2mkx_material_ack {
	u8 p[M2MKX_ID_LEN];
	u8 nonce[M2MKX_CCM_NONCE_LEN];
	u8 a[M2MKX_ID_LEN];
	u8 session[M2MKX_SESSION_LEN];
	u8 q;
	u8 status;
	const u8 *tag;
	size_t ad_len;
};

#define M2MKX_MATERIAL_ACK_LEN 49

/*
 * SHARES, A -> P_i. One datagram may carry the shares of several proxies
 * (one radio frame for all, as the paper suggests) or just one:
 *   hdr(2) | A(8) | session(8) | N_A(16) | B(8) | B endpoint(18)
 *   | share_len(1) | count(1) | entries
 * entry: P(8) | q(1) | ciphertext(share_len) | tag(8)
 * Each entry is AES-128-CCM under K_AP for its P, nonce (type ||
 * N_A[0..11]), AD = the 62-byte header followed by the entry's P and q.
 */
struct m2mkx_shares {
	u8 a[M2MKX_ID_LEN];
	u8 session[M2MKX_SESSION_LEN];
	u8 n_a[M2MKX_NONCE_LEN];
	u8 b[M2MKX_ID_LEN];
	struct m2mkx_endpoint b_endpoint;
	u8 share_len;
	u8 count;
	const u8 *hdr;			/* the 62 header bytes, for the AD */
	const u8 *entries;
};

#define M2MKX_SHARES_HDR_LEN 62
#define M2MKX_SHARES_ENTRY_LEN(share_len) (17 + (share_len))
#define M2MKX_SHARES_LEN(count, share_len) \
	(M2MKX_SHARES_HDR_LEN + (count) * M2MKX_SHARES_ENTRY_LEN(share_len))

/*
 * Finds the entry for proxy @p in a parsed SHARES message and points
 * *@entry at it; returns -M2MKX_ENOPEER when the message has none.
 */
int m2mkx_shares_find(const struct m2mkx_shares *msg,
		      const u8 p[M2MKX_ID_LEN], const u8 **entry);

/*
 * PROXY_HELLO, P_i -> B, 59 bytes:
 *   hdr(2) | session(8) | A(8) | B(8) | q(1) | E_i(32)
 */
struct m2mkx_proxy_hello {
	u8 session[M2MKX_SESSION_LEN];
	u8 a[M2MKX_ID_LEN];
	u8 b[M2MKX_ID_LEN];
	u8 q;
	u8 e[M2MKX_X25519_LEN];
};

#define M2MKX_PROXY_HELLO_LEN 59

/*
 * CHALLENGE, B -> P_i, 43 bytes:
 *   hdr(2) | session(8) | q(1) | N_pb(16) | confirm(16)
 * N_pb is a keyed hash of (session, q, E_i) under B's secret, so B needs
 * no state until a proxy returns it signed.
 */
struct m2mkx_challenge {
	u8 session[M2MKX_SESSION_LEN];
	u8 q;
	u8 n_pb[M2MKX_NONCE_LEN];
	u8 confirm[M2MKX_CONFIRM_LEN];
};

#define M2MKX_CHALLENGE_LEN 43

/*
 * SIGNED_SHARE, P_i -> B:
 *   hdr(2) | session(8) | q(1) | E_i(32) | K_i(32) | ct(share_len + 16)
 *   | path(h * 32) | root_info | ots_sig
 * share_len, h and the OTS signature length follow from the session's
 * parameters, which the parser takes as arguments. ct is
 * ChaCha20-Poly1305 under K_p2b, nonce 0, AD = the 43 bytes before K_i.
 * The OTS signs SHA-256(N_pb || every byte before ots_sig). E_i travels
 * again so that B keeps no state between CHALLENGE and SIGNED_SHARE.
 */
struct m2mkx_signed_share {
	u8 session[M2MKX_SESSION_LEN];
	u8 q;
	const u8 *e;			/* the proxy's ephemeral X25519 key */
	const u8 *k;			/* the proxy's OTS public key hash */
	const u8 *ct;
	size_t ct_len;			/* with the tag */
	const u8 *path;
	unsigned int height;
	struct m2mkx_root_info root;
	const u8 *ots_sig;
	size_t ots_sig_len;
	size_t signed_len;		/* bytes before ots_sig */
};

#define M2MKX_SIGNED_SHARE_FIXED_LEN 75
#define M2MKX_SIGNED_SHARE_AD_LEN 43

/*
 * ANSWER, B -> P_i, 11 + 24 + 16 bytes:
 *   hdr(2) | session(8) | q(1) | ct(y package (24) + 16)
 * ChaCha20-Poly1305 under K_b2p, nonce 0, AD = the 11 bytes before ct
 * followed by N_pb.
 */
struct m2mkx_answer {
	u8 session[M2MKX_SESSION_LEN];
	u8 q;
	const u8 *ct;
};

#define M2MKX_ANSWER_LEN (11 + M2MKX_YPKG_LEN + M2MKX_CHACHAPOLY_TAG_LEN)

/*
 * RELAY, P_i -> A, 58 bytes, MAC-only under K_AP, nonce (type ||
 * N_A[0..11]):
 *   hdr(2) | A(8) | P(8) | session(8) | y package(24) | tag(8)
 * The y package is AES-128-CCM under x, nonce (Y_PACKAGE || N_A[0..11]),
 * AD = session || A || B || N_B: y (16) and its tag (8).
 */
struct m2mkx_relay {
	u8 a[M2MKX_ID_LEN];
	u8 p[M2MKX_ID_LEN];
	u8 session[M2MKX_SESSION_LEN];
	const u8 *ypkg;
	const u8 *tag;
	size_t ad_len;
};

#define M2MKX_RELAY_LEN 58

/*
 * FINAL_REQUEST, A -> B, 26 bytes, MAC-only under K_fin (from MK), nonce
 * (type || N_A[0..11]):
 *   hdr(2) | A(8) | session(8) | tag(8)
 */
struct m2mkx_final_request {
	u8 a[M2MKX_ID_LEN];
	u8 session[M2MKX_SESSION_LEN];
	const u8 *tag;
	size_t ad_len;
};

#define M2MKX_FINAL_REQUEST_LEN 26

/*
 * FINAL, B -> A, 35 + 9n bytes, MAC-only under K_fin, nonce (type ||
 * N_A[0..11]):
 *   hdr(2) | A(8) | session(8) | suite(1) | ots_type(4) | share_mode(1)
 *   | n(1) | k(1) | m(1) | n x (ID_i(8) | verdict(1)) | tag(8)
 * The parameters are B's view of the negotiation, so A detects a
 * downgrade of the unauthenticated HELLO exchange.
 */
enum m2mkx_verdict {
	M2MKX_VERDICT_USED = 0,		/* its share rebuilt x */
	M2MKX_VERDICT_ABSENT = 1,	/* no valid share arrived */
	M2MKX_VERDICT_CORRUPT = 2,	/* the decoder named its share */
	M2MKX_VERDICT_FORGED = 3,	/* signed two messages with one OTS key */
	M2MKX_VERDICT_LATE = 4,		/* valid, after x was rebuilt */
};

struct m2mkx_final {
	u8 a[M2MKX_ID_LEN];
	u8 session[M2MKX_SESSION_LEN];
	struct m2mkx_params params;
	const u8 *entries;		/* n * 9 bytes */
	const u8 *tag;
	size_t ad_len;
};

#define M2MKX_FINAL_LEN(n) (35 + 9 * (n))

/*
 * Reads the two header bytes. Returns the message type or a negative
 * M2MKX_E* code (ESHORT, EVERSION, ETYPE). Cheap: the data paths call it
 * in softirq context to route a datagram before any real work.
 */
int m2mkx_msg_peek(const u8 *buf, size_t len);

/* Checks @p for range (n, k, m, suite, mode, OTS type). */
int m2mkx_params_check(const struct m2mkx_params *p);

int m2mkx_hello_parse(const u8 *buf, size_t len, struct m2mkx_hello *m);
int m2mkx_hello_reply_parse(const u8 *buf, size_t len,
			    struct m2mkx_hello_reply *m);
int m2mkx_proxy_request_parse(const u8 *buf, size_t len,
			      struct m2mkx_proxy_request *m);
int m2mkx_proxy_list_parse(const u8 *buf, size_t len,
			   struct m2mkx_proxy_list *m);
int m2mkx_key_material_hdr_parse(const u8 *buf, size_t len,
				 struct m2mkx_key_material_hdr *m);
/* Parses a decrypted KEY_MATERIAL plaintext. */
int m2mkx_key_material_parse(const u8 *pt, size_t len,
			     struct m2mkx_key_material *m);
int m2mkx_material_ack_parse(const u8 *buf, size_t len,
			     struct m2mkx_material_ack *m);
int m2mkx_shares_parse(const u8 *buf, size_t len, struct m2mkx_shares *m);
int m2mkx_proxy_hello_parse(const u8 *buf, size_t len,
			    struct m2mkx_proxy_hello *m);
int m2mkx_challenge_parse(const u8 *buf, size_t len,
			  struct m2mkx_challenge *m);
/*
 * SIGNED_SHARE's lengths depend on the session, so B passes the
 * parameters it agreed with A.
 */
int m2mkx_signed_share_parse(const u8 *buf, size_t len,
			     const struct m2mkx_params *p,
			     struct m2mkx_signed_share *m);
int m2mkx_answer_parse(const u8 *buf, size_t len, struct m2mkx_answer *m);
int m2mkx_relay_parse(const u8 *buf, size_t len, struct m2mkx_relay *m);
int m2mkx_final_request_parse(const u8 *buf, size_t len,
			      struct m2mkx_final_request *m);
int m2mkx_final_parse(const u8 *buf, size_t len, struct m2mkx_final *m);
/* Parses a root info at @buf; sets *@used to its length. */
int m2mkx_root_info_parse(const u8 *buf, size_t len,
			  struct m2mkx_root_info *m, size_t *used);

/* Encoders; see the rule at the top of this file. */
size_t m2mkx_hello_encode(u8 *buf, const struct m2mkx_hello *m);
size_t m2mkx_hello_reply_encode(u8 *buf, const struct m2mkx_hello_reply *m);
size_t m2mkx_proxy_request_encode(u8 *buf,
				  const struct m2mkx_proxy_request *m);
size_t m2mkx_proxy_list_encode(u8 *buf, const struct m2mkx_proxy_list *m);
size_t m2mkx_key_material_hdr_encode(u8 *buf,
				     const struct m2mkx_key_material_hdr *m);
/* Writes the whole plaintext of KEY_MATERIAL (it has no crypto fields). */
size_t m2mkx_key_material_encode(u8 *pt, const struct m2mkx_key_material *m);
size_t m2mkx_material_ack_encode(u8 *buf,
				 const struct m2mkx_material_ack *m);
size_t m2mkx_shares_encode(u8 *buf, const struct m2mkx_shares *m);
/* Writes an entry's P and q; its ciphertext and tag follow. */
size_t m2mkx_shares_entry_encode(u8 *entry, const u8 p[M2MKX_ID_LEN], u8 q);
size_t m2mkx_proxy_hello_encode(u8 *buf, const struct m2mkx_proxy_hello *m);
/* CHALLENGE's confirm is a MAC, but written by the encoder from @m. */
size_t m2mkx_challenge_encode(u8 *buf, const struct m2mkx_challenge *m);
/*
 * Writes everything but the ciphertext (left for the caller at offset
 * M2MKX_SIGNED_SHARE_FIXED_LEN, ct_len bytes) and the OTS signature;
 * returns signed_len.
 */
size_t m2mkx_signed_share_encode(u8 *buf, const struct m2mkx_signed_share *m);
size_t m2mkx_answer_encode(u8 *buf, const struct m2mkx_answer *m);
size_t m2mkx_relay_encode(u8 *buf, const struct m2mkx_relay *m);
size_t m2mkx_final_request_encode(u8 *buf,
				  const struct m2mkx_final_request *m);
/* Writes everything but the tag, entries included; returns ad_len. */
size_t m2mkx_final_encode(u8 *buf, const struct m2mkx_final *m);
/* Writes the whole root info, signature included. */
size_t m2mkx_root_info_encode(u8 *buf, const struct m2mkx_root_info *m);

/* Length of a SIGNED_SHARE for the session parameters @p and @sig_len. */
size_t m2mkx_signed_share_len(const struct m2mkx_params *p, size_t root_sig_len);

#endif /* M2MKX_WIRE_H */
