// SPDX-License-Identifier: GPL-2.0
/*
 * UDP socket and sink of the userspace programs.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/endpoint.h"
#include "common/log.h"
#include "common/udp.h"
#include "common/util.h"

int udp_open(struct udp_sock *s, const struct m2mkx_endpoint *local, bool v4)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, off = 0, saved;

	s->family = v4 ? AF_INET : AF_INET6;
	s->tx_busy = false;
	s->tx_errors = 0;
	fd = socket(s->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* Dual-stack whatever the sysctl default: IPv4 peers are common. */
	if (!v4 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)))
		goto fail;
	if (endpoint_to_sockaddr(local, s->family, &ss, &len)) {
		errno = EAFNOSUPPORT;
		goto fail;
	}
	if (bind(fd, (struct sockaddr *)&ss, len))
		goto fail;
	s->fd = fd;
	return 0;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

int udp_local(const struct udp_sock *s, struct m2mkx_endpoint *ep)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(s->fd, (struct sockaddr *)&ss, &len))
		return -1;
	return endpoint_from_sockaddr(ep, &ss, len);
}

ssize_t udp_recv(struct udp_sock *s, u8 *buf, size_t cap,
		 struct m2mkx_endpoint *from)
{
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		ssize_t n;

		n = recvfrom(s->fd, buf, cap, MSG_DONTWAIT,
			     (struct sockaddr *)&ss, &len);
		if (n < 0)
			return -1;
		if (!endpoint_from_sockaddr(from, &ss, len))
			return n;
	}
}

void udp_close(struct udp_sock *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

static u8 *sink_tx_alloc(struct m2mkx_sink *sink,
			 const struct m2mkx_endpoint *to, size_t len)
{
	struct udp_sink *us = container_of(sink, struct udp_sink, sink);
	struct udp_sock *s = us->sock;

	if (s->tx_busy || len > sizeof(s->tx_buf)) {
		s->tx_errors++;
		return NULL;
	}
	s->tx_busy = true;
	s->tx_len = len;
	s->tx_to = *to;
	return s->tx_buf;
}

static void sink_tx_commit(struct m2mkx_sink *sink, u8 *buf, bool send)
{
	struct udp_sink *us = container_of(sink, struct udp_sink, sink);
	struct udp_sock *s = us->sock;
	char ep[ENDPOINT_STR_LEN];
	struct sockaddr_storage ss;
	socklen_t len;
	u64 start;
	ssize_t n;

	if (buf != s->tx_buf || !s->tx_busy)
		return;
	s->tx_busy = false;
	if (!send)
		return;
	if (endpoint_to_sockaddr(&s->tx_to, s->family, &ss, &len)) {
		errno = EAFNOSUPPORT;
	} else {
		start = clock_mono_ns();
		n = sendto(s->fd, s->tx_buf, s->tx_len, 0,
			   (struct sockaddr *)&ss, len);
		us->tx_ns += clock_mono_ns() - start;
		if (n == (ssize_t)s->tx_len)
			return;
	}
	/*
	 * A full socket buffer or an unreachable peer: the datagram is lost
	 * like any other and the sender's retransmission covers it.
	 */
	s->tx_errors++;
	endpoint_format(ep, &s->tx_to);
	log_debug("send to %s: %s", ep, strerror(errno));
}

static void sink_event(struct m2mkx_sink *sink, const struct m2mkx_event *ev)
{
	struct udp_sink *us = container_of(sink, struct udp_sink, sink);

	if (us->event)
		us->event(us, ev);
}

void udp_sink_init(struct udp_sink *us, struct udp_sock *sock,
		   void (*event)(struct udp_sink *us,
				 const struct m2mkx_event *ev))
{
	us->sink.tx_alloc = sink_tx_alloc;
	us->sink.tx_commit = sink_tx_commit;
	us->sink.event = sink_event;
	us->sock = sock;
	us->event = event;
	us->tx_ns = 0;
}

void udp_sink_send(struct udp_sink *us, const struct m2mkx_endpoint *to,
		   const u8 *data, size_t len)
{
	u8 *buf = us->sink.tx_alloc(&us->sink, to, len);

	if (!buf)
		return;
	memcpy(buf, data, len);
	us->sink.tx_commit(&us->sink, buf, true);
}
