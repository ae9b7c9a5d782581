/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The paper's trust model made concrete: A's opinion of each neighbour.
 *
 * Each neighbour has a beta reputation (Josang and Ismail, "The Beta
 * Reputation System", 2002): r units of evidence of good behaviour and
 * s of bad, and the expected probability of good behaviour
 * E = (r + 1) / (r + s + 2). Evidence ages: before each handshake's
 * evidence is added, r and s are multiplied by a forgetting factor, so
 * old misbehaviour fades and a proxy that went bad cannot live on its
 * past. Capability flags say what a neighbour can be used for.
 *
 * Evidence comes from B's FINAL, which A checks under MK, and from A's
 * own observation of the relays:
 *   USED, LATE   r += 1     the proxy did its job
 *   ABSENT       s += 1     no valid share reached B (or it never tried)
 *   CORRUPT      s += 2     the decoder named its share as wrong
 *   FORGED       s += 4     B saw a key T did not issue, or an OTS reuse
 *   bad relay    s += 2     it relayed a y package that did not open, or
 *                           two different ones
 * When a handshake fails before FINAL, the proxies that did not relay
 * get ABSENT and those whose relay was rejected a bad relay.
 */
#ifndef M2MKX_REP_H
#define M2MKX_REP_H

#include <m2mkx/types.h>

/* Capability flags of a neighbour. */
#define M2MKX_CAP_PROXY 0x01	/* a gateway that can act as P_i */
#define M2MKX_CAP_MAINS 0x02	/* mains powered: preferred on a tie */

/* r and s in 8.8 fixed point; saturate at 255.99. */
struct m2mkx_rep {
	u16 r;
	u16 s;
	u8 caps;
};

/* The forgetting factor, out of 256: 0.9 forgets half in about 7 rounds. */
#define M2MKX_REP_AGE_256 230

/* Bytes per neighbour when serialized, and of the header. */
#define M2MKX_REP_ENTRY_LEN 5
#define M2MKX_REP_HDR_LEN 2
#define M2MKX_REP_SAVE_LEN(count) \
	(M2MKX_REP_HDR_LEN + (count) * M2MKX_REP_ENTRY_LEN)

/* A neighbour A knows nothing about: no evidence, E = 1/2. */
void m2mkx_rep_init(struct m2mkx_rep *rep, u8 caps);

/* E in 1/65536 units (0..65535), what selection ranks by. */
u16 m2mkx_rep_score(const struct m2mkx_rep *rep);

void m2mkx_rep_age(struct m2mkx_rep *rep);

/* Adds one handshake's evidence for a neighbour: its verdict or relay. */
enum m2mkx_rep_evidence {
	M2MKX_REP_GOOD,
	M2MKX_REP_ABSENT,
	M2MKX_REP_CORRUPT,
	M2MKX_REP_FORGED,
	M2MKX_REP_BAD_RELAY,
};

void m2mkx_rep_add(struct m2mkx_rep *rep, enum m2mkx_rep_evidence ev);

/*
 * Chooses @n of the @count neighbours in @reps for the next handshake,
 * writing their indices to @chosen, best first. Only neighbours with
 * M2MKX_CAP_PROXY take part. The n - 1 best are taken by score (mains
 * power breaks ties, then the lower index); the last place goes to the
 * n-th best, except with probability @explore / 256, when a neighbour
 * drawn at random from the rest takes it, so that a neighbour with a bad
 * or no record gets the chance to earn a better one. Draws one random
 * byte and a second only when it explores. Returns 0, -M2MKX_EINVAL
 * when fewer than @n neighbours can be proxies, or the RNG's error.
 */
int m2mkx_rep_select(const struct m2mkx_rep *reps, unsigned int count,
		     unsigned int n, u8 explore, u8 *chosen);

/*
 * The table as firmware keeps it in flash: a version byte, the count,
 * then per neighbour u16be r, u16be s, caps. Save returns the bytes
 * written, or 0 when @cap is too small; load returns 0, or
 * -M2MKX_EINVAL (and changes nothing) when @buf is not a table of
 * exactly @count neighbours.
 */
size_t m2mkx_rep_save(const struct m2mkx_rep *reps, unsigned int count,
		      u8 *buf, size_t cap);
int m2mkx_rep_load(struct m2mkx_rep *reps, unsigned int count,
		   const u8 *buf, size_t len);

#endif /* M2MKX_REP_H */
