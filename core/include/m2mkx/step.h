/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * How a role talks to whoever runs it.
 *
 * Every role is a set of step functions: a datagram or a timer goes in,
 * datagrams and events come out through a struct m2mkx_sink the caller
 * provides. The core never allocates and never touches a socket: the
 * kernel's sink allocates an skb and transmits it, the userspace one writes
 * into a buffer and calls sendto(), the sensor's hands a frame to its radio.
 *
 * A step function returns 0 when the input was used, or the negative
 * M2MKX_E* reason it was dropped, which the caller counts.
 */
#ifndef M2MKX_STEP_H
#define M2MKX_STEP_H

#include "types.h"
#include "wire.h"
#include "keys.h"

enum m2mkx_event_type {
	M2MKX_EV_COMPLETED = 1,	/* the role's part of a handshake is done */
	M2MKX_EV_FAILED = 2,	/* given up; @reason says why */
};

/*
 * What a role reports. Pointers are valid only during the callback; @mk is
 * set for A's and B's completion only and is wiped by the core right
 * after the callback returns, so a caller that keeps it copies it.
 */
struct m2mkx_event {
	enum m2mkx_event_type type;
	int reason;			/* M2MKX_E* (positive) for FAILED */
	u8 session[M2MKX_SESSION_LEN];
	u8 a[M2MKX_ID_LEN];
	u8 b[M2MKX_ID_LEN];
	const u8 *mk;			/* M2MKX_MK_LEN bytes */
	u8 n;
	/* Per proxy, indexed by q: its ID_i and B's verdict (A and B). */
	const u8 *ids;			/* n * M2MKX_PROXY_ID_LEN, or NULL */
	const u8 *verdicts;		/* n * enum m2mkx_verdict, or NULL */
};

/*
 * Starts @ev as an event of @type about the handshake (@session, @a, @b)
 * through @n proxies; every other field is zero for the caller to set.
 */
void m2mkx_event_init(struct m2mkx_event *ev, enum m2mkx_event_type type,
		      const u8 session[M2MKX_SESSION_LEN],
		      const u8 a[M2MKX_ID_LEN], const u8 b[M2MKX_ID_LEN],
		      u8 n);

struct m2mkx_sink {
	/*
	 * Returns room for a datagram of exactly @len bytes to @to, or NULL
	 * when none can be had (the core then drops what it was sending and
	 * relies on retransmission).
	 */
	u8 *(*tx_alloc)(struct m2mkx_sink *sink,
			const struct m2mkx_endpoint *to, size_t len);
	/* Sends the datagram at @buf when @send, else releases it. */
	void (*tx_commit)(struct m2mkx_sink *sink, u8 *buf, bool send);
	void (*event)(struct m2mkx_sink *sink, const struct m2mkx_event *ev);
};

/*
 * Retransmission and timing, in milliseconds of a monotonic clock the
 * caller passes as @now. A role retransmits its last unanswered message
 * after rto, doubling up to rto_max, at most retries times, then fails
 * with M2MKX_ETIMEOUT.
 */
struct m2mkx_timing {
	u32 rto_ms;
	u32 rto_max_ms;
	u32 retries;
	/* B: how long to wait for more shares once k have arrived. */
	u32 share_window_ms;
	/* How long a finished session answers retransmissions. */
	u32 linger_ms;
	/* Upper bound on a whole handshake at any role. */
	u32 lifetime_ms;
};

/* Defaults for datagram networks with sub-second round trips. */
void m2mkx_timing_default(struct m2mkx_timing *t);

#define M2MKX_NO_DEADLINE ((u64)-1)

#endif /* M2MKX_STEP_H */
