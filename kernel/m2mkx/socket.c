// SPDX-License-Identifier: GPL-2.0
/*
 * The UDP sockets of an instance.
 *
 * Receiving goes through the UDP tunnel encapsulation hook, so datagrams
 * never queue on the socket: receive.c takes them in softirq context.
 * Sending is always done in process context (the receive worker, the
 * timer work, netlink) with the instance mutex held, which is also what
 * keeps the sockets alive while they are used, so plain kernel_sendmsg()
 * on the socket is all it takes; the IP layer routes and fragments.
 *
 * Endpoints are IPv6 addresses as the protocol carries them, with IPv4 as
 * v4-mapped addresses, which pick the IPv4 socket.
 */
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/socket.h>
#include <linux/uio.h>
#include <net/ipv6.h>
#include <net/udp_tunnel.h>

#include "instance.h"
#include "receive.h"
#include "socket.h"

static int open_one(struct m2mkx_net *mn, struct udp_port_cfg *port,
		    struct socket **sockp)
{
	struct udp_tunnel_sock_cfg cfg = {
		.sk_user_data = mn,
		.encap_type = 1,
		.encap_rcv = m2mkx_receive,
	};
	int ret;

	ret = udp_sock_create(mn->net, port, sockp);
	if (ret < 0)
		return ret;
	setup_udp_tunnel_sock(mn->net, *sockp, &cfg);
	return 0;
}

int m2mkx_socket_open(struct m2mkx_net *mn, u16 port,
		      struct m2mkx_sockets *socks)
{
	struct udp_port_cfg port4 = {
		.family = AF_INET,
		.local_ip.s_addr = htonl(INADDR_ANY),
		.local_udp_port = htons(port),
		.use_udp_checksums = true,
	};
	int ret;

	socks->v4 = NULL;
	socks->v6 = NULL;
	socks->port = port;
	ret = open_one(mn, &port4, &socks->v4);
	if (ret)
		return ret;

#if IS_ENABLED(CONFIG_IPV6)
	if (ipv6_mod_enabled()) {
		struct udp_port_cfg port6 = {
			.family = AF_INET6,
			.local_ip6 = IN6ADDR_ANY_INIT,
			.local_udp_port = htons(port),
			.use_udp6_tx_checksums = true,
			.use_udp6_rx_checksums = true,
			.ipv6_v6only = true,
		};

		ret = open_one(mn, &port6, &socks->v6);
		if (ret) {
			m2mkx_socket_close(socks);
			return ret;
		}
	}
#endif
	return 0;
}

void m2mkx_socket_close(struct m2mkx_sockets *socks)
{
	/*
	 * udp_tunnel_sock_release() clears sk_user_data and waits for an RCU
	 * grace period, so no encap_rcv still holds the instance after it.
	 */
	if (socks->v4)
		udp_tunnel_sock_release(socks->v4);
	if (socks->v6)
		udp_tunnel_sock_release(socks->v6);
	socks->v4 = NULL;
	socks->v6 = NULL;
	socks->port = 0;
}

int m2mkx_socket_send(struct m2mkx_net *mn, const struct m2mkx_endpoint *to,
		      const void *data, size_t len)
{
	struct kvec iov = { .iov_base = (void *)data, .iov_len = len };
	struct msghdr msg = { .msg_flags = MSG_DONTWAIT };
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct socket *sock;
	struct in6_addr addr;
	int ret;

	lockdep_assert_held(&mn->lock);
	if (!to->port)
		return -EDESTADDRREQ;
	/* The endpoint is only 2-byte aligned: copy before typed access. */
	memcpy(&addr, to->addr, sizeof(addr));
	if (ipv6_addr_v4mapped(&addr)) {
		sock = mn->sock.v4;
		sin.sin_port = htons(to->port);
		sin.sin_addr.s_addr = addr.s6_addr32[3];
		msg.msg_name = &sin;
		msg.msg_namelen = sizeof(sin);
	} else {
		sock = mn->sock.v6;
		sin6.sin6_port = htons(to->port);
		sin6.sin6_addr = addr;
		msg.msg_name = &sin6;
		msg.msg_namelen = sizeof(sin6);
	}
	if (!sock)
		return -ENOTCONN;
	ret = kernel_sendmsg(sock, &msg, &iov, 1, len);
	return ret < 0 ? ret : 0;
}
