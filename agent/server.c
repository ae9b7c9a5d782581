// SPDX-License-Identifier: GPL-2.0
/*
 * B in the agent: the session table around the core's server role.
 *
 * Sessions are found by the id B itself derives (a keyed hash of A and
 * N_A), so a HELLO needs no other index, and every later message names
 * the id in a fixed place. The table is bounded: a HELLO flood fills it
 * and is counted as table_full, while sessions already running go on.
 * Before that, once the table is half full, a HELLO makes a session only
 * if it carries B's cookie (m2mkx_server_hello_gate()): the agent has no
 * receive queue to measure its load by, so its table is the measure, and
 * spoofed sources can then fill no more than half of it. And one source
 * (an IPv4 address, an IPv6 /64) may hold no more than an eighth of it in
 * handshakes it has not finished (M2MKX_SOURCE_SHARE), also counted as
 * table_full: a flooding host cannot lock the others out until its
 * sessions' lifetime runs out.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <m2mkx/bytes.h>
#include <m2mkx/server.h>

#include "agent/agent.h"
#include "backend/openssl.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/util.h"

#define SERVER_MAX_SESSIONS 1024

struct agent_server {
	struct agent_role role;
	struct m2mkx_server_config cfg;
	struct m2mkx_server_cookies cookies;
	struct m2mkx_trust trust;
	unsigned int count;
	struct m2mkx_server_session *sessions[SERVER_MAX_SESSIONS];
};

static struct agent_server *to_server(struct agent_role *r)
{
	return container_of(r, struct agent_server, role);
}

static struct m2mkx_server_session *
find(const struct agent_server *srv, const u8 session[M2MKX_SESSION_LEN])
{
	unsigned int i;

	for (i = 0; i < srv->count; i++)
		if (!memcmp(srv->sessions[i]->session, session,
			    M2MKX_SESSION_LEN))
			return srv->sessions[i];
	return NULL;
}

/* The handshakes from @from's source that have not finished. */
static unsigned int pending_from(const struct agent_server *srv,
				 const struct m2mkx_endpoint *from)
{
	unsigned int i, n = 0;

	for (i = 0; i < srv->count; i++)
		if (m2mkx_server_pending(srv->sessions[i]) &&
		    m2mkx_same_source(&srv->sessions[i]->a_from, from))
			n++;
	return n;
}

/* Wipes and frees session @i; the last one takes its place. */
static void drop(struct agent_server *srv, unsigned int i)
{
	m2mkx_server_session_wipe(srv->sessions[i]);
	free(srv->sessions[i]);
	srv->sessions[i] = srv->sessions[--srv->count];
}

static int accept_hello(struct agent_server *srv, const u8 *buf, size_t len,
			const struct m2mkx_endpoint *from, u64 now)
{
	struct m2mkx_server_session *s;
	struct m2mkx_hello hello;
	u8 id[M2MKX_SESSION_LEN];
	int ret;

	ret = m2mkx_hello_parse(buf, len, &hello);
	if (ret)
		return ret;
	m2mkx_server_session_id(&srv->cfg, &hello, id);
	s = find(srv, id);
	if (s)
		return m2mkx_server_rx(s, &srv->cfg, buf, len, from, now,
				       clock_unix_s(),
				       &srv->role.sink.sink);
	ret = m2mkx_server_hello_gate(&srv->cookies, &srv->cfg, &hello, from,
				      now, srv->count * 2 >= SERVER_MAX_SESSIONS,
				      &srv->role.sink.sink);
	if (ret)
		return ret;
	if (srv->count == SERVER_MAX_SESSIONS ||
	    pending_from(srv, from) >= SERVER_MAX_SESSIONS / M2MKX_SOURCE_SHARE)
		return -M2MKX_EFULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -M2MKX_EFULL;
	ret = m2mkx_server_accept(s, &srv->cfg, &hello, from, now,
				  &srv->role.sink.sink);
	if (ret) {
		m2mkx_server_session_wipe(s);
		free(s);
		return ret;
	}
	srv->sessions[srv->count++] = s;
	return 0;
}

static int server_rx(struct agent_role *r, int type, const u8 *buf,
		     size_t len, const struct m2mkx_endpoint *from, u64 now)
{
	struct agent_server *srv = to_server(r);
	struct m2mkx_server_session *s;
	u8 id[M2MKX_SESSION_LEN];
	int ret;

	if (type == M2MKX_MSG_HELLO)
		return accept_hello(srv, buf, len, from, now);
	ret = m2mkx_server_route(buf, len, id);
	if (ret < 0)
		return ret;
	s = find(srv, id);
	if (!s)
		return -M2MKX_ENOSESSION;
	return m2mkx_server_rx(s, &srv->cfg, buf, len, from, now,
			       clock_unix_s(), &r->sink.sink);
}

static void server_timers(struct agent_role *r, u64 now)
{
	struct agent_server *srv = to_server(r);
	unsigned int i = 0;

	while (i < srv->count) {
		struct m2mkx_server_session *s = srv->sessions[i];

		if (m2mkx_server_deadline(s) <= now &&
		    !m2mkx_server_timer(s, &srv->cfg, now,
					&r->sink.sink)) {
			drop(srv, i);
			continue;
		}
		i++;
	}
}

static u64 server_deadline(const struct agent_role *r)
{
	const struct agent_server *srv =
		container_of(r, struct agent_server, role);
	u64 deadline = M2MKX_NO_DEADLINE;
	unsigned int i;

	for (i = 0; i < srv->count; i++) {
		u64 d = m2mkx_server_deadline(srv->sessions[i]);

		if (d < deadline)
			deadline = d;
	}
	return deadline;
}

static void server_destroy(struct agent_role *r)
{
	struct agent_server *srv = to_server(r);

	while (srv->count)
		drop(srv, srv->count - 1);
	m2mkx_trust_clear(&srv->trust);
	m2mkx_wipe(&srv->cfg, sizeof(srv->cfg));
	m2mkx_server_cookies_wipe(&srv->cookies);
	free(srv);
}

static const u8 server_types[] = {
	M2MKX_MSG_HELLO,
	M2MKX_MSG_PROXY_HELLO,
	M2MKX_MSG_SIGNED_SHARE,
	M2MKX_MSG_FINAL_REQUEST,
};

static const struct agent_role_ops server_ops = {
	.name = "server",
	.is_server = true,
	.types = server_types,
	.ntypes = M2MKX_ARRAY_SIZE(server_types),
	.rx = server_rx,
	.timers = server_timers,
	.deadline = server_deadline,
	.destroy = server_destroy,
};

int agent_load_trust(struct m2mkx_trust *trust, const struct conf *c)
{
	unsigned int i;

	m2mkx_trust_init(trust);
	for (i = 0; i < c->trust_count; i++) {
		const struct conf_file *f = &c->trust[i];
		int ret = m2mkx_trust_add_cert_file(trust, f->path);

		if (!ret)
			continue;
		if (ret == -M2MKX_EINVAL)
			log_err("%s:%u: %s: %s", c->path, f->line, f->path,
				strerror(errno));
		else if (ret == -M2MKX_EFULL)
			log_err("%s:%u: %s: more than %d T keys", c->path,
				f->line, f->path, M2MKX_TRUST_MAX_KEYS);
		else
			log_err("%s:%u: %s: no usable T key (RSA %d..%d bits)",
				c->path, f->line, f->path, M2MKX_RSA_MIN_BITS,
				M2MKX_RSA_MAX_BITS);
		return -1;
	}
	return 0;
}

struct agent_role *agent_server_new(struct agent *ag)
{
	const struct conf *c = &ag->conf;
	struct m2mkx_server_config *cfg;
	struct agent_server *srv;

	srv = calloc(1, sizeof(*srv));
	if (!srv) {
		log_err("server: %s", strerror(errno));
		return NULL;
	}
	agent_role_init(&srv->role, &server_ops, ag);
	if (agent_load_trust(&srv->trust, c))
		goto fail;

	cfg = &srv->cfg;
	memcpy(cfg->id, c->id, sizeof(cfg->id));
	memcpy(cfg->static_secret, c->server_key, sizeof(cfg->static_secret));
	cfg->trust = &srv->trust;
	cfg->max_n = (u8)c->max_proxies;
	cfg->min_k = (u8)c->min_threshold;
	cfg->allow_dispersal = c->allow_dispersal;
	cfg->allow_lamport = c->allow_lamport;
	m2mkx_timing_default(&cfg->timing);
	cfg->timing.share_window_ms = c->share_window_ms;
	if (m2mkx_x25519_public(cfg->static_public, cfg->static_secret)) {
		log_err("server: unusable PrivateKeyFile key");
		goto fail;
	}
	/* Fresh per run: ids and N_pb from a previous run mean nothing now. */
	if (m2mkx_random(cfg->session_secret, sizeof(cfg->session_secret)) ||
	    m2mkx_server_cookies_init(&srv->cookies, clock_mono_ms())) {
		log_err("server: no randomness");
		goto fail;
	}
	return &srv->role;
fail:
	server_destroy(&srv->role);
	return NULL;
}
