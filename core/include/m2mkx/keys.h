/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The key schedule: every value derived from a secret, a nonce or a public
 * key, with its label, in one place (Documentation/protocol.rst, "Key
 * schedule", is the same list in prose).
 *
 * Hash inputs are length-prefixed: each field is encoded as u16be(len) ||
 * bytes, and the first field is always the label, so no two derivations
 * can collide and no field boundary is ambiguous.
 */
#ifndef M2MKX_KEYS_H
#define M2MKX_KEYS_H

#include "types.h"
#include "crypto.h"
#include "kdf.h"
#include "wire.h"

#define M2MKX_MK_LEN 32
#define M2MKX_FIN_KEY_LEN M2MKX_AES128_KEY_LEN

/*
 * The CCM nonce of A's messages: (type || N_A[0..11]). N_A is fresh for each
 * handshake and each key sees one message of a given type per handshake,
 * so no (key, nonce) pair repeats and nothing extra goes on the radio.
 */
void m2mkx_a_nonce(u8 nonce[M2MKX_CCM_NONCE_LEN], enum m2mkx_msg_type type,
		   const u8 n_a[M2MKX_NONCE_LEN]);

/* MK = H(A | B | N_A | N_B | x | y), the paper's equation (1). */
void m2mkx_derive_mk(u8 mk[M2MKX_MK_LEN], const u8 a[M2MKX_ID_LEN],
		     const u8 b[M2MKX_ID_LEN],
		     const u8 n_a[M2MKX_NONCE_LEN],
		     const u8 n_b[M2MKX_NONCE_LEN],
		     const u8 x[M2MKX_SECRET_LEN],
		     const u8 y[M2MKX_SECRET_LEN]);

/* A's commitment to x, bound to the session, which T signs into the root. */
void m2mkx_commit_x(u8 c[M2MKX_COMMIT_LEN],
		    const u8 session[M2MKX_SESSION_LEN],
		    const u8 x[M2MKX_SECRET_LEN]);

/* ID_i = H(LK_i), truncated: how B's final list names proxy i to A. */
void m2mkx_proxy_id(u8 id[M2MKX_PROXY_ID_LEN],
		    const u8 k[M2MKX_OTS_HASH_LEN]);

/* The digest T signs over the 140 signed bytes of a root info. */
void m2mkx_root_digest(u8 digest[M2MKX_SHA256_LEN],
		       const u8 signed_part[M2MKX_ROOT_INFO_SIGNED_LEN]);

/*
 * The proxy-server keys, from the ephemeral-static X25519 secret dh:
 *   PRK = HKDF-Extract("m2mkx-v1-p2b", dh)
 *   conf | p2b | b2p = HKDF-Expand(PRK, session | A | B | q | E_i | B_pub)
 */
struct m2mkx_p2b_keys {
	u8 conf[32];		/* B's key confirmation in CHALLENGE */
	u8 p2b[32];		/* ChaCha20-Poly1305, SIGNED_SHARE */
	u8 b2p[32];		/* ChaCha20-Poly1305, ANSWER */
};

int m2mkx_derive_p2b(struct m2mkx_p2b_keys *keys,
		     const u8 dh[M2MKX_X25519_LEN],
		     const u8 session[M2MKX_SESSION_LEN],
		     const u8 a[M2MKX_ID_LEN], const u8 b[M2MKX_ID_LEN], u8 q,
		     const u8 e_pub[M2MKX_X25519_LEN],
		     const u8 b_pub[M2MKX_X25519_LEN]);

/* B's proof of its static key: HMAC(conf, label | session | q | N_pb). */
void m2mkx_confirm(u8 out[M2MKX_CONFIRM_LEN], const u8 conf[32],
		   const u8 session[M2MKX_SESSION_LEN], u8 q,
		   const u8 n_pb[M2MKX_NONCE_LEN]);

/*
 * Keys derived from MK for use after the handshake, each
 * HKDF-Expand(MK, label, len). The ESP keys and SPIs of the agent use the
 * same function with the labels protocol.rst lists.
 */
#define M2MKX_LABEL_FINISH "m2mkx-v1-finish"
#define M2MKX_LABEL_ESP_A2B "m2mkx-v1-esp-a2b"
#define M2MKX_LABEL_ESP_B2A "m2mkx-v1-esp-b2a"
#define M2MKX_LABEL_ESP_SPI "m2mkx-v1-esp-spi"

/*
 * Inline, and __builtin_strlen() rather than strlen() (which a
 * freestanding build does not fold), so that a literal label's length is
 * a constant: a sensor links no strlen(). MK is a uniformly random
 * SHA-256 output: usable as HKDF's PRK.
 */
static inline int m2mkx_traffic_key(u8 *out, size_t len,
				    const u8 mk[M2MKX_MK_LEN],
				    const char *label)
{
	return m2mkx_hkdf_expand(out, len, mk, (const u8 *)label,
				 __builtin_strlen(label));
}

/*
 * The ESP security association pair of a session, for
 * rfc4106(gcm(aes)) with AES-256 and a 16-byte ICV: each key is the
 * 32-byte AES key followed by the 4-byte salt (RFC 4106, section 8.1).
 * The SPIs are u32 in host order, never in 0..255 (RFC 4303 reserves
 * them: such a value v becomes v + 256), and never equal (on a clash
 * SPI_b2a has its lowest bit flipped), so both ends of any session can
 * install both associations.
 */
#define M2MKX_ESP_KEY_LEN 36

struct m2mkx_esp_keys {
	u8 a2b[M2MKX_ESP_KEY_LEN];	/* protects A to B */
	u8 b2a[M2MKX_ESP_KEY_LEN];	/* protects B to A */
	u32 spi_a2b;
	u32 spi_b2a;
};

/* The SPI four derived bytes stand for, as m2mkx_derive_esp() maps them. */
u32 m2mkx_esp_spi(const u8 raw[4]);

int m2mkx_derive_esp(struct m2mkx_esp_keys *esp, const u8 mk[M2MKX_MK_LEN]);

#endif /* M2MKX_KEYS_H */
