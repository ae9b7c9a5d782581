/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The userspace transport: one UDP socket per program, and the
 * struct m2mkx_sink the roles send through.
 *
 * The core builds each datagram in place between tx_alloc() and
 * tx_commit() and never holds two at once, so one buffer per socket is
 * enough; a second tx_alloc() before the commit is refused rather than
 * trusted.
 */
#ifndef M2MKX_COMMON_UDP_H
#define M2MKX_COMMON_UDP_H

#include <sys/types.h>

#include <m2mkx/step.h>

/* The largest UDP payload over IPv4; IPv6 without jumbograms is less. */
#define UDP_MAX_DGRAM 65507

struct udp_sock {
	int fd;
	int family;			/* AF_INET6 (dual-stack) or AF_INET */
	bool tx_busy;			/* between tx_alloc and tx_commit */
	size_t tx_len;
	struct m2mkx_endpoint tx_to;
	unsigned long tx_errors;	/* refused allocations, failed sends */
	u8 tx_buf[UDP_MAX_DGRAM];
};

/*
 * Opens a non-blocking socket bound to @local (address and port): an
 * AF_INET one when @v4, else AF_INET6 accepting IPv4 too. -1 with errno.
 */
int udp_open(struct udp_sock *s, const struct m2mkx_endpoint *local, bool v4);

/* Where the socket is bound (the port the kernel chose for port 0). */
int udp_local(const struct udp_sock *s, struct m2mkx_endpoint *ep);

/*
 * Receives one datagram without blocking. Returns its length, or -1 with
 * errno (EAGAIN when none is queued). A datagram from an address family
 * the endpoint cannot hold is skipped.
 */
ssize_t udp_recv(struct udp_sock *s, u8 *buf, size_t cap,
		 struct m2mkx_endpoint *from);

void udp_close(struct udp_sock *s);

/*
 * A sink that sends on @sock and passes events to @event. A program has
 * one per role, so that an event tells which role it came from.
 */
struct udp_sink {
	struct m2mkx_sink sink;
	struct udp_sock *sock;
	void (*event)(struct udp_sink *us, const struct m2mkx_event *ev);
	/*
	 * Time spent in sendto(): to another namespace of the same host the
	 * receiver's processing runs in it, so a role's own work is told
	 * apart from its sends (as the module's M2MKX_A_SERVER_TX_NS does).
	 */
	u64 tx_ns;
};

void udp_sink_init(struct udp_sink *us, struct udp_sock *sock,
		   void (*event)(struct udp_sink *us,
				 const struct m2mkx_event *ev));

/* Sends a copy of @len bytes at @data to @to through @us. */
void udp_sink_send(struct udp_sink *us, const struct m2mkx_endpoint *to,
		   const u8 *data, size_t len);

#endif /* M2MKX_COMMON_UDP_H */
