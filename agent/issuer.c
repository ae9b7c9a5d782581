// SPDX-License-Identifier: GPL-2.0
/*
 * T in the agent: the session table around the core's issuer role.
 *
 * Sessions are keyed by (A, session id): the id is B's, and T must never
 * issue a second set of keys for one A's session, so a request that finds
 * its session is answered from it (m2mkx_issuer_resend()) and never
 * reissued.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <m2mkx/bytes.h>
#include <m2mkx/issuer.h>

#include "agent/agent.h"
#include "backend/openssl.h"
#include "common/clock.h"
#include "common/keys.h"
#include "common/log.h"
#include "common/util.h"

#define ISSUER_MAX_SESSIONS 256

struct agent_issuer {
	struct agent_role role;
	struct m2mkx_issuer_config cfg;
	struct m2mkx_issuer_keys keys;
	struct m2mkx_signer signer;
	const struct conf *conf;
	unsigned int count;
	struct m2mkx_issuer_session *sessions[ISSUER_MAX_SESSIONS];
};

static struct agent_issuer *to_issuer(struct agent_role *r)
{
	return container_of(r, struct agent_issuer, role);
}

static const u8 *client_key(const struct m2mkx_issuer_keys *keys,
			    const u8 a[M2MKX_ID_LEN])
{
	const struct agent_issuer *is =
		container_of(keys, struct agent_issuer, keys);
	const struct conf_peer *peer = conf_peer_find(&is->conf->clients, a);

	return peer ? peer->key : NULL;
}

static const u8 *proxy_key(const struct m2mkx_issuer_keys *keys,
			   const u8 p[M2MKX_ID_LEN],
			   struct m2mkx_endpoint *ep)
{
	const struct agent_issuer *is =
		container_of(keys, struct agent_issuer, keys);
	const struct conf_peer *peer =
		conf_peer_find(&is->conf->proxy_peers, p);

	if (!peer)
		return NULL;
	*ep = peer->endpoint;
	return peer->key;
}

static struct m2mkx_issuer_session *find(const struct agent_issuer *is,
					  const u8 a[M2MKX_ID_LEN],
					  const u8 session[M2MKX_SESSION_LEN])
{
	unsigned int i;

	for (i = 0; i < is->count; i++) {
		const struct m2mkx_issuer_session *s = is->sessions[i];

		if (!memcmp(s->a, a, M2MKX_ID_LEN) &&
		    !memcmp(s->session, session, M2MKX_SESSION_LEN))
			return is->sessions[i];
	}
	return NULL;
}

static void drop(struct agent_issuer *is, unsigned int i)
{
	m2mkx_issuer_session_wipe(is->sessions[i]);
	free(is->sessions[i]);
	is->sessions[i] = is->sessions[--is->count];
}

static int rx_request(struct agent_issuer *is, const u8 *buf, size_t len,
		      const struct m2mkx_endpoint *from, u64 now)
{
	struct m2mkx_issuer_session *s;
	struct m2mkx_proxy_request req;
	int ret;

	ret = m2mkx_issuer_request_open(&is->cfg, buf, len, &req);
	if (ret)
		return ret;
	s = find(is, req.a, req.session);
	if (s)
		return m2mkx_issuer_resend(s, &req, &is->role.sink.sink);
	if (is->count == ISSUER_MAX_SESSIONS)
		return -M2MKX_EFULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -M2MKX_EFULL;
	ret = m2mkx_issuer_issue(s, &is->cfg, &req, from, now, clock_unix_s(),
				 &is->role.sink.sink);
	if (ret) {
		m2mkx_issuer_session_wipe(s);
		free(s);
		return ret;
	}
	is->sessions[is->count++] = s;
	return 0;
}

static int rx_ack(struct agent_issuer *is, const u8 *buf, size_t len)
{
	struct m2mkx_issuer_session *s;
	struct m2mkx_material_ack ack;
	int ret;

	ret = m2mkx_issuer_ack_open(&is->cfg, buf, len, &ack);
	if (ret)
		return ret;
	s = find(is, ack.a, ack.session);
	if (!s)
		return -M2MKX_ENOSESSION;
	ret = m2mkx_issuer_ack(s, &ack);
	if (!ret && ack.status) {
		char hex[2 * M2MKX_ID_LEN + 1];

		hex_encode(hex, ack.p, M2MKX_ID_LEN);
		log_debug("issuer: proxy %s refused its material: %s", hex,
			  m2mkx_err_name(ack.status));
	}
	return ret;
}

static int issuer_rx(struct agent_role *r, int type, const u8 *buf,
		     size_t len, const struct m2mkx_endpoint *from, u64 now)
{
	struct agent_issuer *is = to_issuer(r);

	if (type == M2MKX_MSG_PROXY_REQUEST)
		return rx_request(is, buf, len, from, now);
	return rx_ack(is, buf, len);
}

static void issuer_timers(struct agent_role *r, u64 now)
{
	struct agent_issuer *is = to_issuer(r);
	unsigned int i = 0;

	while (i < is->count) {
		struct m2mkx_issuer_session *s = is->sessions[i];

		if (m2mkx_issuer_deadline(s) <= now &&
		    !m2mkx_issuer_timer(s, &is->cfg, now,
					&r->sink.sink)) {
			drop(is, i);
			continue;
		}
		i++;
	}
}

static u64 issuer_deadline(const struct agent_role *r)
{
	const struct agent_issuer *is =
		container_of(r, struct agent_issuer, role);
	u64 deadline = M2MKX_NO_DEADLINE;
	unsigned int i;

	for (i = 0; i < is->count; i++) {
		u64 d = m2mkx_issuer_deadline(is->sessions[i]);

		if (d < deadline)
			deadline = d;
	}
	return deadline;
}

static void issuer_destroy(struct agent_role *r)
{
	struct agent_issuer *is = to_issuer(r);

	while (is->count)
		drop(is, is->count - 1);
	m2mkx_signer_free(&is->signer);
	free(is);
}

static const u8 issuer_types[] = {
	M2MKX_MSG_PROXY_REQUEST,
	M2MKX_MSG_MATERIAL_ACK,
};

static const struct agent_role_ops issuer_ops = {
	.name = "issuer",
	.types = issuer_types,
	.ntypes = M2MKX_ARRAY_SIZE(issuer_types),
	.rx = issuer_rx,
	.timers = issuer_timers,
	.deadline = issuer_deadline,
	.destroy = issuer_destroy,
};

struct agent_role *agent_issuer_new(struct agent *ag)
{
	const struct conf *c = &ag->conf;
	const struct conf_file *f = &c->signing_key;
	struct agent_issuer *is;
	int ret;

	is = calloc(1, sizeof(*is));
	if (!is) {
		log_err("issuer: %s", strerror(errno));
		return NULL;
	}
	agent_role_init(&is->role, &issuer_ops, ag);
	is->conf = c;
	ret = m2mkx_signer_load(&is->signer, f->path);
	if (ret) {
		if (ret == -M2MKX_EINVAL)
			log_err("%s:%u: %s: %s", c->path, f->line, f->path,
				strerror(errno));
		else
			log_err("%s:%u: %s: no usable unencrypted RSA private key",
				c->path, f->line, f->path);
		free(is);
		return NULL;
	}
	is->keys.client_key = client_key;
	is->keys.proxy_key = proxy_key;
	is->cfg.signer = &is->signer;
	is->cfg.keys = &is->keys;
	is->cfg.max_lifetime_s = (u16)c->max_lifetime;
	m2mkx_timing_default(&is->cfg.timing);
	return &is->role;
}
