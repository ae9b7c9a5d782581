// SPDX-License-Identifier: GPL-2.0
/*
 * m2mkx-client: one handshake as A, the constrained node, from a Linux
 * host. It is libm2mkx-client (lib/client/) with its bundled crypto
 * backend, exactly what sensor firmware links, on a UDP socket: the
 * client of the integration tests and the reference for firmware.
 *
 * It proposes [Handshake] to the [ServerPeer], through n of the
 * [ProxyPeer]s chosen by reputation (with no history, the first n in the
 * order the file lists them; --reputation FILE keeps the table between
 * runs), and prints on stdout
 *   session <hex>
 *   mk <hex>                       (only with --print-mk)
 *   verdict <proxy-id> <verdict>   one per proxy, B's word on each
 *   esp added spi_out=0x.. spi_in=0x..   (with an [EspPeer])
 * exiting 0; or exits 1 with "handshake failed: <reason>" on stderr.
 *
 * With an [EspPeer] (B's id) it then installs A's end of the session's
 * ESP SA pair, derived from MK as B's agent derives B's end
 * (common/xfrm.h); the kernel removes it after [Session] Lifetime. An SA
 * pair it cannot install is an error (exit 1) after the handshake.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <m2mkx/bytes.h>
#include <m2mkx/keys.h>
#include <m2mkx/node.h>

#include "common/clock.h"
#include "common/conf.h"
#include "common/endpoint.h"
#include "common/keys.h"
#include "common/log.h"
#include "common/names.h"
#include "common/udp.h"
#include "common/util.h"
#include "common/xfrm.h"

/* A's radio buffer: every message of A fits an IPv6 minimum MTU. */
#define CLIENT_TX_MAX 1280

struct client_run {
	struct conf conf;
	struct m2mkx_neighbour neighbours[M2MKX_NODE_MAX_NEIGHBOURS];
	struct m2mkx_node_config cfg;
	struct m2mkx_node node;
	struct udp_sock sock;
	struct udp_sink sink;
	const char *rep_path;		/* --reputation, or NULL */
	u8 session[M2MKX_SESSION_LEN];
	u8 mk[M2MKX_MK_LEN];
	u8 tx_buf[CLIENT_TX_MAX];
	u8 rx_buf[UDP_MAX_DGRAM];
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s [--print-mk] [--reputation FILE] [--timeout S] [-v]"
		" CONFIG\n"
		"\n"
		"  --print-mk     print the master key (tests and demo only)\n"
		"  --reputation FILE\n"
		"                 the proxies' reputations: read if it exists,\n"
		"                 written back after the handshake\n"
		"  --timeout S    give up after S seconds\n"
		"  -v, --verbose  log every dropped datagram on stderr\n",
		program_invocation_short_name);
}

/* The node's radio is the UDP socket. */
static void client_send(void *ctx, const struct m2mkx_endpoint *to,
			const u8 *buf, size_t len)
{
	struct client_run *run = ctx;

	udp_sink_send(&run->sink, to, buf, len);
}

/* The UDP sink only sends for the node: no role reports through it. */
static void no_event(struct udp_sink *us, const struct m2mkx_event *ev)
{
	(void)us;
	(void)ev;
}

static int setup(struct client_run *run)
{
	const struct conf *c = &run->conf;
	struct m2mkx_client_config *cfg = &run->cfg.client;
	struct m2mkx_node_io io = {
		.send = client_send,
		.ctx = run,
		.tx_buf = run->tx_buf,
		.tx_cap = sizeof(run->tx_buf),
	};
	unsigned int q;

	memcpy(cfg->id, c->id, sizeof(cfg->id));
	memcpy(cfg->k_at, c->issuer_peer.key, sizeof(cfg->k_at));
	cfg->t_ep = c->issuer_peer.endpoint;
	cfg->params = c->params;
	cfg->lifetime_s = c->lifetime_s;
	m2mkx_timing_default(&cfg->timing);

	if (c->proxy_peers.count > M2MKX_NODE_MAX_NEIGHBOURS) {
		log_err("%u [ProxyPeer]s: A keeps at most %u neighbours",
			c->proxy_peers.count, M2MKX_NODE_MAX_NEIGHBOURS);
		return -1;
	}
	for (q = 0; q < c->proxy_peers.count; q++) {
		const struct conf_peer *p = &c->proxy_peers.peer[q];
		struct m2mkx_neighbour *nb = &run->neighbours[q];

		memcpy(nb->peer.id, p->id, sizeof(nb->peer.id));
		memcpy(nb->peer.key, p->key, sizeof(nb->peer.key));
		nb->peer.ep = p->endpoint;
		nb->caps = M2MKX_CAP_PROXY;
	}
	run->cfg.neighbours = run->neighbours;
	run->cfg.count = c->proxy_peers.count;
	/* A host explores rarely: its proxies are configured, not found. */
	run->cfg.explore = 0;
	if (m2mkx_node_init(&run->node, &run->cfg, &io)) {
		log_err("cannot set up the client node");
		return -1;
	}
	return 0;
}

/* Reads the reputation table if there is one; a bad one is an error. */
static int rep_read(struct client_run *run)
{
	u8 buf[M2MKX_REP_SAVE_LEN(M2MKX_NODE_MAX_NEIGHBOURS)];
	size_t len;
	FILE *f;

	if (!run->rep_path)
		return 0;
	f = fopen(run->rep_path, "rb");
	if (!f)
		return errno == ENOENT ? 0 : (log_err("%s: %s", run->rep_path,
						      strerror(errno)), -1);
	len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (m2mkx_node_rep_load(&run->node, buf, len)) {
		log_err("%s: not a reputation table of %u proxies",
			run->rep_path, run->cfg.count);
		return -1;
	}
	return 0;
}

static void rep_write(struct client_run *run)
{
	u8 buf[M2MKX_REP_SAVE_LEN(M2MKX_NODE_MAX_NEIGHBOURS)];
	size_t len = m2mkx_node_rep_save(&run->node, buf, sizeof(buf));
	FILE *f;

	if (!run->rep_path)
		return;
	f = fopen(run->rep_path, "wb");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f)) {
		log_err("%s: %s", run->rep_path, strerror(errno));
		if (f)
			fclose(f);
	}
}

static bool finished(const struct client_run *run)
{
	enum m2mkx_node_status st = m2mkx_node_status(&run->node);

	return st == M2MKX_NODE_DONE || st == M2MKX_NODE_FAILED;
}

static void receive(struct client_run *run)
{
	struct m2mkx_endpoint from;
	char ep[ENDPOINT_STR_LEN];
	ssize_t n;
	int ret;

	while ((n = udp_recv(&run->sock, run->rx_buf, sizeof(run->rx_buf),
			     &from)) >= 0) {
		ret = m2mkx_node_rx(&run->node, run->rx_buf, (size_t)n,
				    clock_mono_ms());
		if (ret && log_verbose()) {
			int type = m2mkx_msg_peek(run->rx_buf, (size_t)n);

			endpoint_format(ep, &from);
			log_debug("dropped %s from %s: %s",
				  msg_type_name(type), ep, m2mkx_err_name(ret));
		}
		if (finished(run))
			return;
	}
}

/* Runs the handshake to its end; 0, or the reason it failed (positive). */
static int handshake(struct client_run *run, u64 limit)
{
	const struct conf_peer *b = &run->conf.server_peers.peer[0];
	struct pollfd pfd = { .fd = run->sock.fd, .events = POLLIN };
	u64 now = clock_mono_ms();
	int ret;

	ret = m2mkx_node_start(&run->node, b->id, &b->endpoint, now);
	if (ret)
		return -ret;
	while (!finished(run)) {
		u64 deadline = m2mkx_node_deadline(&run->node);

		now = clock_mono_ms();
		if (now >= limit)
			return M2MKX_ETIMEOUT;
		if (deadline <= now) {
			m2mkx_node_tick(&run->node, now);
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
	if (m2mkx_node_status(&run->node) == M2MKX_NODE_FAILED)
		return m2mkx_node_reason(&run->node);
	return -m2mkx_node_take_mk(&run->node, run->mk, run->session);
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
	for (q = 0; q < run->cfg.client.params.n; q++) {
		unsigned int i = m2mkx_node_proxy(&run->node, q);

		hex_encode(hex, run->neighbours[i].peer.id, M2MKX_ID_LEN);
		printf("verdict %s %s\n", hex,
		       verdict_name(m2mkx_node_verdict(&run->node, q)));
	}
	m2mkx_wipe(hex, sizeof(hex));
	fflush(stdout);
}

/* A's end of the session's ESP SA pair with B, as [EspPeer] says. */
static int install_esp(const struct client_run *run)
{
	const struct conf *c = &run->conf;
	const struct conf_esp_peer *peer = &c->esp_peers.peer[0];
	struct m2mkx_esp_keys esp;
	struct xfrm_pair pair;
	int ret;

	ret = m2mkx_derive_esp(&esp, run->mk);
	if (!ret)
		ret = xfrm_pair_init(&pair, &esp, true, &peer->local,
				     &peer->address,
				     c->server_peers.peer[0].endpoint.port,
				     c->session_lifetime_s);
	m2mkx_wipe(&esp, sizeof(esp));
	if (ret) {
		log_err("%s:%u: [EspPeer]: no ESP keys", c->path, peer->line);
		return -1;
	}
	ret = xfrm_pair_install(&pair);
	if (ret)
		log_err("%s:%u: [EspPeer]: installing the ESP SAs: %s",
			c->path, peer->line, strerror(-ret));
	else
		printf("esp added spi_out=0x%08x spi_in=0x%08x\n",
		       pair.spi_out, pair.spi_in);
	fflush(stdout);
	xfrm_pair_wipe(&pair);
	return ret ? -1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "print-mk", no_argument, NULL, 'm' },
		{ "reputation", required_argument, NULL, 'r' },
		{ "timeout", required_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	u64 limit = M2MKX_NO_DEADLINE;
	const char *rep_path = NULL;
	bool print_mk = false;
	struct client_run *run;
	char ep[ENDPOINT_STR_LEN];
	int opt, reason, ret = 1;

	while ((opt = getopt_long(argc, argv, "vh", options, NULL)) != -1) {
		switch (opt) {
		case 'm':
			print_mk = true;
			break;
		case 'r':
			rep_path = optarg;
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
	run->rep_path = rep_path;
	if (conf_load(&run->conf, argv[optind], CONF_CLIENT))
		goto out_free;
	if (udp_open(&run->sock, &run->conf.listen, run->conf.listen_v4)) {
		endpoint_format(ep, &run->conf.listen);
		log_err("bind %s: %s", ep, strerror(errno));
		goto out_conf;
	}
	udp_sink_init(&run->sink, &run->sock, no_event);
	if (setup(run) || rep_read(run))
		goto out_sock;

	reason = handshake(run, limit);
	if (reason) {
		log_err("handshake failed: %s", m2mkx_err_name(reason));
	} else {
		print_result(run, print_mk);
		ret = run->conf.esp_peers.count && install_esp(run) ? 1 : 0;
	}
	/* Whatever the outcome, the proxies' part in it is evidence. */
	rep_write(run);
out_sock:
	m2mkx_wipe(&run->node, sizeof(run->node));
	udp_close(&run->sock);
out_conf:
	conf_free(&run->conf);
out_free:
	m2mkx_wipe(run, sizeof(*run));
	free(run);
	return ret;
}
