// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libm2mkx-client's node (node.h): proxy selection and reputation around
 * the protocol core's A.
 */
#include <m2mkx/bytes.h>
#include <m2mkx/errors.h>
#include <m2mkx/node.h>

#define node_of(s) \
	((struct m2mkx_node *)((u8 *)(s) - offsetof(struct m2mkx_node, sink)))

/* The core builds each datagram in the application's transmit buffer. */
static u8 *node_tx_alloc(struct m2mkx_sink *sink,
			 const struct m2mkx_endpoint *to, size_t len)
{
	struct m2mkx_node *node = node_of(sink);

	if (len > node->io.tx_cap || node->tx_to)
		return NULL;
	node->tx_to = to;
	node->tx_len = len;
	return node->io.tx_buf;
}

static void node_tx_commit(struct m2mkx_sink *sink, u8 *buf, bool send)
{
	struct m2mkx_node *node = node_of(sink);

	if (send) {
		if (buf[0] == M2MKX_MSG_SHARES)
			node->shares_sent = true;
		node->io.send(node->io.ctx, node->tx_to, buf, node->tx_len);
	}
	node->tx_to = NULL;
}

static enum m2mkx_rep_evidence verdict_evidence(u8 v)
{
	switch (v) {
	case M2MKX_VERDICT_USED:
	case M2MKX_VERDICT_LATE:
		return M2MKX_REP_GOOD;
	case M2MKX_VERDICT_CORRUPT:
		return M2MKX_REP_CORRUPT;
	case M2MKX_VERDICT_FORGED:
		return M2MKX_REP_FORGED;
	}
	return M2MKX_REP_ABSENT;
}

/*
 * One handshake's evidence. With B's verdicts (@ev has them) each proxy
 * gets its verdict; without, only what A saw itself counts, and only
 * once the proxies had their shares: a silent proxy is absent, and a
 * relay that did not open is bad whatever B says.
 */
static void learn(struct m2mkx_node *node, const struct m2mkx_event *ev)
{
	const struct m2mkx_client *c = &node->c;
	struct m2mkx_rep *rep;
	unsigned int q;

	for (q = 0; q < c->n; q++) {
		rep = &node->rep[node->chosen[q]];
		if (c->rejected & (1u << q))
			m2mkx_rep_add(rep, M2MKX_REP_BAD_RELAY);
		if (ev->verdicts)
			m2mkx_rep_add(rep, verdict_evidence(ev->verdicts[q]));
		else if (node->shares_sent && !(c->relayed & (1u << q)))
			m2mkx_rep_add(rep, M2MKX_REP_ABSENT);
	}
}

static void node_event(struct m2mkx_sink *sink, const struct m2mkx_event *ev)
{
	struct m2mkx_node *node = node_of(sink);

	learn(node, ev);
	if (ev->type == M2MKX_EV_COMPLETED) {
		memcpy(node->mk, ev->mk, sizeof(node->mk));
		node->status = M2MKX_NODE_DONE;
	} else {
		node->reason = (u8)(ev->reason ? ev->reason : M2MKX_EINVAL);
		node->status = M2MKX_NODE_FAILED;
	}
}

/*
 * The longest datagram A sends with @cfg: PROXY_REQUEST, or the bundle of
 * all shares when it fits bundle_max and so will be sent.
 */
static size_t largest_tx(const struct m2mkx_node_config *cfg)
{
	const struct m2mkx_params *p = &cfg->client.params;
	size_t len = M2MKX_PROXY_REQUEST_LEN(p->n);
	size_t bundle = M2MKX_SHARES_LEN(p->n,
		m2mkx_share_len(p->share_mode, p->k, M2MKX_SECRET_LEN));

	if (bundle <= cfg->client.bundle_max && bundle > len)
		len = bundle;
	return len;
}

int m2mkx_node_init(struct m2mkx_node *node,
		    const struct m2mkx_node_config *cfg,
		    const struct m2mkx_node_io *io)
{
	unsigned int i;

	/* A message that cannot be built would never be sent: refuse now. */
	if (cfg->count > M2MKX_NODE_MAX_NEIGHBOURS || !io->send ||
	    !io->tx_buf || io->tx_cap < largest_tx(cfg))
		return -M2MKX_EINVAL;
	m2mkx_wipe(node, sizeof(*node));
	node->cfg = cfg;
	node->io = *io;
	node->sink.tx_alloc = node_tx_alloc;
	node->sink.tx_commit = node_tx_commit;
	node->sink.event = node_event;
	for (i = 0; i < cfg->count; i++)
		m2mkx_rep_init(&node->rep[i], cfg->neighbours[i].caps);
	return 0;
}

int m2mkx_node_start(struct m2mkx_node *node, const u8 b_id[M2MKX_ID_LEN],
		     const struct m2mkx_endpoint *b_ep, u64 now)
{
	const struct m2mkx_node_config *cfg = node->cfg;
	const struct m2mkx_client_proxy *proxies[M2MKX_CLIENT_MAX_PROXIES];
	unsigned int q, n = cfg->client.params.n;
	int ret;

	if (node->status == M2MKX_NODE_BUSY)
		return -M2MKX_ESTATE;
	if (n > M2MKX_CLIENT_MAX_PROXIES)
		return -M2MKX_EPARAMS;
	for (q = 0; q < cfg->count; q++)
		m2mkx_rep_age(&node->rep[q]);
	ret = m2mkx_rep_select(node->rep, cfg->count, n, cfg->explore,
			       node->chosen);
	if (ret)
		return ret;
	for (q = 0; q < n; q++)
		proxies[q] = &cfg->neighbours[node->chosen[q]].peer;
	m2mkx_wipe(node->mk, sizeof(node->mk));
	node->reason = 0;
	node->shares_sent = false;
	node->status = M2MKX_NODE_BUSY;
	ret = m2mkx_client_start(&node->c, &cfg->client, b_id, b_ep, proxies,
				 n, now, &node->sink);
	if (ret) {
		node->status = M2MKX_NODE_FAILED;
		node->reason = (u8)-ret;
	}
	return ret;
}

int m2mkx_node_rx(struct m2mkx_node *node, const u8 *buf, size_t len,
		  u64 now)
{
	/* A ignores where a datagram came from (protocol.rst, Transport). */
	return m2mkx_client_rx(&node->c, buf, len, NULL, now, &node->sink);
}

void m2mkx_node_tick(struct m2mkx_node *node, u64 now)
{
	if (m2mkx_client_deadline(&node->c) <= now)
		m2mkx_client_timer(&node->c, now, &node->sink);
}

u64 m2mkx_node_deadline(const struct m2mkx_node *node)
{
	return m2mkx_client_deadline(&node->c);
}

enum m2mkx_node_status m2mkx_node_status(const struct m2mkx_node *node)
{
	return (enum m2mkx_node_status)node->status;
}

int m2mkx_node_reason(const struct m2mkx_node *node)
{
	return node->reason;
}

int m2mkx_node_take_mk(struct m2mkx_node *node, u8 mk[M2MKX_MK_LEN],
		       u8 session[M2MKX_SESSION_LEN])
{
	if (node->status != M2MKX_NODE_DONE)
		return -M2MKX_ESTATE;
	memcpy(mk, node->mk, M2MKX_MK_LEN);
	memcpy(session, node->c.session, M2MKX_SESSION_LEN);
	m2mkx_wipe(node->mk, sizeof(node->mk));
	node->status = M2MKX_NODE_IDLE;
	return 0;
}

unsigned int m2mkx_node_proxy(const struct m2mkx_node *node, unsigned int q)
{
	return node->chosen[q];
}

u8 m2mkx_node_verdict(const struct m2mkx_node *node, unsigned int q)
{
	return node->c.verdicts[q];
}

size_t m2mkx_node_rep_save(const struct m2mkx_node *node, u8 *buf,
			   size_t cap)
{
	return m2mkx_rep_save(node->rep, node->cfg->count, buf, cap);
}

int m2mkx_node_rep_load(struct m2mkx_node *node, const u8 *buf, size_t len)
{
	return m2mkx_rep_load(node->rep, node->cfg->count, buf, len);
}
