// SPDX-License-Identifier: GPL-2.0
/*
 * m2mkx-client: one handshake as A, the constrained node, from a Linux
 * host: the reference for sensor firmware and the client of the
 * integration tests.
 *
 * It proposes [Handshake] to the [ServerPeer], through the first n
 * [ProxyPeer]s in the order the file lists them, and prints on stdout
 *   session <hex>
 *   mk <hex>                       (only with --print-mk)
 *   verdict <proxy-id> <verdict>   one per proxy, B's word on each
 * exiting 0; or exits 1 with "handshake failed: <reason>" on stderr.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <m2mkx/bytes.h>
#include <m2mkx/client.h>

#include "common/clock.h"
#include "common/conf.h"
#include "common/endpoint.h"
#include "common/keys.h"
#include "common/log.h"
#include "common/names.h"
#include "common/udp.h"
#include "common/util.h"

struct client_run {
	struct conf conf;
	struct m2mkx_client_config cfg;
	struct m2mkx_client c;
	struct udp_sock sock;
	struct udp_sink sink;
	/* What the events said. */
	bool done;
	int reason;			/* M2MKX_E*, positive, once failed */
	u8 session[M2MKX_SESSION_LEN];
	u8 mk[M2MKX_MK_LEN];
	u8 n;
	u8 verdicts[M2MKX_MAX_PROXIES];
	u8 rx_buf[UDP_MAX_DGRAM];
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s [--print-mk] [--timeout S] [-v] CONFIG\n"
		"\n"
		"  --print-mk     print the master key (tests and demo only)\n"
		"  --timeout S    give up after S seconds\n"
		"  -v, --verbose  log every dropped datagram on stderr\n",
		program_invocation_short_name);
}

static void client_event(struct udp_sink *us, const struct m2mkx_event *ev)
{
	struct client_run *run = container_of(us, struct client_run, sink);

	if (ev->type != M2MKX_EV_COMPLETED) {
		run->reason = ev->reason ? ev->reason : M2MKX_EINVAL;
		return;
	}
	run->done = true;
	memcpy(run->session, ev->session, sizeof(run->session));
	/* The core wipes its MK as soon as this returns. */
	memcpy(run->mk, ev->mk, sizeof(run->mk));
	run->n = ev->n;
	if (ev->verdicts)
		memcpy(run->verdicts, ev->verdicts, ev->n);
}

static void setup(struct client_run *run)
{
	const struct conf *c = &run->conf;
	struct m2mkx_client_config *cfg = &run->cfg;

	memcpy(cfg->id, c->id, sizeof(cfg->id));
	memcpy(cfg->k_at, c->issuer_peer.key, sizeof(cfg->k_at));
	cfg->t_ep = c->issuer_peer.endpoint;
	cfg->params = c->params;
	cfg->lifetime_s = c->lifetime_s;
	m2mkx_timing_default(&cfg->timing);
}

static int start(struct client_run *run, u64 now)
{
	struct m2mkx_client_proxy proxies[M2MKX_MAX_PROXIES];
	const struct conf *c = &run->conf;
	const struct conf_peer *b = &c->server_peers.peer[0];
	unsigned int q, n = c->params.n;
	int ret;

	for (q = 0; q < n; q++) {
		const struct conf_peer *p = &c->proxy_peers.peer[q];

		memcpy(proxies[q].id, p->id, sizeof(proxies[q].id));
		memcpy(proxies[q].key, p->key, sizeof(proxies[q].key));
		proxies[q].ep = p->endpoint;
	}
	ret = m2mkx_client_start(&run->c, &run->cfg, b->id, &b->endpoint,
				 proxies, n, now, &run->sink.sink);
	m2mkx_wipe(proxies, sizeof(proxies));
	return ret;
}

static void receive(struct client_run *run)
{
	struct m2mkx_endpoint from;
	char ep[ENDPOINT_STR_LEN];
	ssize_t n;
	int ret;

	while ((n = udp_recv(&run->sock, run->rx_buf, sizeof(run->rx_buf),
			     &from)) >= 0) {
		ret = m2mkx_client_rx(&run->c, run->rx_buf, (size_t)n, &from,
				      clock_mono_ms(), &run->sink.sink);
		if (ret && log_verbose()) {
			int type = m2mkx_msg_peek(run->rx_buf, (size_t)n);

			endpoint_format(ep, &from);
			log_debug("dropped %s from %s: %s",
				  msg_type_name(type), ep, m2mkx_err_name(ret));
		}
		if (run->done || run->reason)
			return;
	}
}

/* Runs the handshake to its end; 0, or the reason it failed (positive). */
static int handshake(struct client_run *run, u64 limit)
{
	struct pollfd pfd = { .fd = run->sock.fd, .events = POLLIN };
	u64 now = clock_mono_ms();
	int ret;

	ret = start(run, now);
	if (ret)
		return -ret;
	while (!run->done && !run->reason) {
		u64 deadline = m2mkx_client_deadline(&run->c);

		now = clock_mono_ms();
		if (now >= limit)
			return M2MKX_ETIMEOUT;
		if (deadline <= now) {
			bool more = m2mkx_client_timer(&run->c, now,
						       &run->sink.sink);

			if (!more && !run->done && !run->reason)
				return M2MKX_ETIMEOUT;
			continue;
		}
		if (limit < deadline)
			deadline = limit;
		if (poll(&pfd, 1, clock_timeout_ms(deadline, now)) < 0 &&
		    errno != EINTR) {
			log_err("poll: %s", strerror(errno));
			return M2MKX_EINVAL;
		}
		if (pfd.revents)
			receive(run);
	}
	return run->done ? 0 : run->reason;
}

static void print_result(const struct client_run *run, bool print_mk)
{
	char hex[2 * M2MKX_MK_LEN + 1];
	unsigned int q;

	hex_encode(hex, run->session, sizeof(run->session));
	printf("session %s\n", hex);
	if (print_mk) {
		hex_encode(hex, run->mk, sizeof(run->mk));
		printf("mk %s\n", hex);
	}
	/* By the node ids the operator configured, not T's ID_i. */
	for (q = 0; q < run->n; q++) {
		hex_encode(hex, run->conf.proxy_peers.peer[q].id, M2MKX_ID_LEN);
		printf("verdict %s %s\n", hex, verdict_name(run->verdicts[q]));
	}
	m2mkx_wipe(hex, sizeof(hex));
	fflush(stdout);
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "print-mk", no_argument, NULL, 'm' },
		{ "timeout", required_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	u64 limit = M2MKX_NO_DEADLINE;
	bool print_mk = false;
	struct client_run *run;
	char ep[ENDPOINT_STR_LEN];
	int opt, reason, ret = 1;

	while ((opt = getopt_long(argc, argv, "vh", options, NULL)) != -1) {
		switch (opt) {
		case 'm':
			print_mk = true;
			break;
		case 't': {
			char *end;
			unsigned long s;

			errno = 0;
			s = strtoul(optarg, &end, 10);
			if (optarg[0] < '0' || optarg[0] > '9' || *end ||
			    errno || s < 1 || s > 86400) {
				log_err("--timeout: expected 1..86400 seconds");
				return 1;
			}
			limit = clock_mono_ms() + (u64)s * 1000;
			break;
		}
		case 'v':
			log_set_verbose(true);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 1;
	}

	run = calloc(1, sizeof(*run));
	if (!run) {
		log_err("%s", strerror(errno));
		return 1;
	}
	run->sock.fd = -1;
	if (conf_load(&run->conf, argv[optind], CONF_CLIENT))
		goto out_free;
	if (udp_open(&run->sock, &run->conf.listen, run->conf.listen_v4)) {
		endpoint_format(ep, &run->conf.listen);
		log_err("bind %s: %s", ep, strerror(errno));
		goto out_conf;
	}
	udp_sink_init(&run->sink, &run->sock, client_event);
	setup(run);

	reason = handshake(run, limit);
	if (reason) {
		log_err("handshake failed: %s", m2mkx_err_name(reason));
	} else {
		print_result(run, print_mk);
		ret = 0;
	}
	m2mkx_client_wipe(&run->c);
	udp_close(&run->sock);
out_conf:
	conf_free(&run->conf);
out_free:
	m2mkx_wipe(run, sizeof(*run));
	free(run);
	return ret;
}
