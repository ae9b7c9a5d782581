/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct m2mkx_endpoint, the core's address of a peer (an IPv6 address,
 * IPv4 as ::ffff:a.b.c.d, and a port), to and from text and sockaddrs.
 *
 * Text is "a.b.c.d:port" or "[v6]:port", numeric only: a node's peers are
 * configured, and a name lookup at start-up would make the data path
 * depend on DNS. Link-local addresses need a scope, which the endpoint
 * cannot carry, so "%zone" is refused.
 */
#ifndef M2MKX_COMMON_ENDPOINT_H
#define M2MKX_COMMON_ENDPOINT_H

#include <netinet/in.h>
#include <sys/socket.h>

#include <m2mkx/wire.h>

/* "[" address "]:" port NUL */
#define ENDPOINT_STR_LEN (INET6_ADDRSTRLEN + 8)

/* "a.b.c.d:port" or "[v6]:port", port 1..65535. 0 or -1. */
int endpoint_parse(struct m2mkx_endpoint *ep, const char *s);

/*
 * A bare address ("a.b.c.d" or "v6", for ListenAddress); the port is left
 * zero. *@v4 tells which family the text was in. 0 or -1.
 */
int endpoint_parse_addr(struct m2mkx_endpoint *ep, const char *s, bool *v4);

bool endpoint_is_v4(const struct m2mkx_endpoint *ep);

void endpoint_format(char out[ENDPOINT_STR_LEN],
		     const struct m2mkx_endpoint *ep);

/*
 * The sockaddr for sending to @ep from a socket of @family (AF_INET6,
 * dual-stack, or AF_INET). -1 when an AF_INET socket cannot reach @ep.
 */
int endpoint_to_sockaddr(const struct m2mkx_endpoint *ep, int family,
			 struct sockaddr_storage *ss, socklen_t *len);

/* The endpoint recvfrom() reported. 0, or -1 for a family we do not use. */
int endpoint_from_sockaddr(struct m2mkx_endpoint *ep,
			   const struct sockaddr_storage *ss, socklen_t len);

#endif /* M2MKX_COMMON_ENDPOINT_H */
