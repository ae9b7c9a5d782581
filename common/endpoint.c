// SPDX-License-Identifier: GPL-2.0
/*
 * Endpoints as text and as sockaddrs.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/endpoint.h"

static const u8 v4_mapped_prefix[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
};

bool endpoint_is_v4(const struct m2mkx_endpoint *ep)
{
	return !memcmp(ep->addr, v4_mapped_prefix, sizeof(v4_mapped_prefix));
}

int endpoint_parse_addr(struct m2mkx_endpoint *ep, const char *s, bool *v4)
{
	struct in6_addr a6;
	struct in_addr a4;

	memset(ep, 0, sizeof(*ep));
	/* inet_pton() takes exactly dotted quads, unlike inet_aton(). */
	if (inet_pton(AF_INET, s, &a4) == 1) {
		memcpy(ep->addr, v4_mapped_prefix, sizeof(v4_mapped_prefix));
		memcpy(ep->addr + 12, &a4, 4);
		*v4 = true;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &a6) == 1) {
		memcpy(ep->addr, &a6, 16);
		*v4 = false;
		return 0;
	}
	return -1;
}

static int parse_port(const char *s, u16 *port)
{
	unsigned long v;
	char *end;

	/* strtoul() would take a sign or leading blanks. */
	if (*s < '0' || *s > '9')
		return -1;
	v = strtoul(s, &end, 10);
	if (*end || v < 1 || v > 65535)
		return -1;
	*port = (u16)v;
	return 0;
}

int endpoint_parse(struct m2mkx_endpoint *ep, const char *s)
{
	char host[INET6_ADDRSTRLEN];
	const char *colon, *start = s;
	size_t n;
	bool v4;
	u16 port;

	if (*s == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return -1;
		start = s + 1;
		n = (size_t)(close - start);
		colon = close + 1;
	} else {
		colon = strchr(s, ':');
		/* An IPv6 address needs brackets to tell its colons apart. */
		if (!colon || strchr(colon + 1, ':'))
			return -1;
		n = (size_t)(colon - s);
	}
	if (n == 0 || n >= sizeof(host))
		return -1;
	memcpy(host, start, n);
	host[n] = '\0';
	if (parse_port(colon + 1, &port) ||
	    endpoint_parse_addr(ep, host, &v4))
		return -1;
	/* "[1.2.3.4]:5" is not how anyone writes IPv4. */
	if (v4 != (*s != '['))
		return -1;
	ep->port = port;
	return 0;
}

void endpoint_format(char out[ENDPOINT_STR_LEN],
		     const struct m2mkx_endpoint *ep)
{
	char host[INET6_ADDRSTRLEN];

	if (endpoint_is_v4(ep)) {
		inet_ntop(AF_INET, ep->addr + 12, host, sizeof(host));
		snprintf(out, ENDPOINT_STR_LEN, "%s:%u", host, ep->port);
	} else {
		inet_ntop(AF_INET6, ep->addr, host, sizeof(host));
		snprintf(out, ENDPOINT_STR_LEN, "[%s]:%u", host, ep->port);
	}
}

int endpoint_to_sockaddr(const struct m2mkx_endpoint *ep, int family,
			 struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		if (!endpoint_is_v4(ep))
			return -1;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(ep->port);
		memcpy(&sin->sin_addr, ep->addr + 12, 4);
		*len = sizeof(*sin);
	} else {
		/* A dual-stack socket reaches IPv4 through mapped addresses. */
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(ep->port);
		memcpy(&sin6->sin6_addr, ep->addr, 16);
		*len = sizeof(*sin6);
	}
	return 0;
}

int endpoint_from_sockaddr(struct m2mkx_endpoint *ep,
			   const struct sockaddr_storage *ss, socklen_t len)
{
	memset(ep, 0, sizeof(*ep));
	if (ss->ss_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

		memcpy(ep->addr, v4_mapped_prefix, sizeof(v4_mapped_prefix));
		memcpy(ep->addr + 12, &sin->sin_addr, 4);
		ep->port = ntohs(sin->sin_port);
		return 0;
	}
	if (ss->ss_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *sin6 =
			(const struct sockaddr_in6 *)ss;

		memcpy(ep->addr, &sin6->sin6_addr, 16);
		ep->port = ntohs(sin6->sin6_port);
		return 0;
	}
	return -1;
}
