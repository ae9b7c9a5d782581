/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The instance's UDP port: an IPv4 socket and, where IPv6 is available, an
 * IPv6-only one on the same port.
 */
#ifndef _M2MKX_SOCKET_H
#define _M2MKX_SOCKET_H

#include <linux/net.h>
#include <linux/types.h>

#include <m2mkx/wire.h>

struct m2mkx_net;

/* Protected by the instance mutex. */
struct m2mkx_sockets {
	struct socket *v4;
	struct socket *v6;
	u16 port;
};

/*
 * Opens @port (non-zero) into @socks, with datagrams delivered to @mn's
 * receive path. On failure nothing is left open.
 */
int m2mkx_socket_open(struct m2mkx_net *mn, u16 port,
		      struct m2mkx_sockets *socks);
/*
 * Closes @socks. After it returns the receive softirq no longer runs on
 * their behalf; datagrams already queued stay queued.
 */
void m2mkx_socket_close(struct m2mkx_sockets *socks);

/* Sends one datagram from the instance's port; process context only. */
int m2mkx_socket_send(struct m2mkx_net *mn, const struct m2mkx_endpoint *to,
		      const void *data, size_t len);

#endif /* _M2MKX_SOCKET_H */
