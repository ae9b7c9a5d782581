// SPDX-License-Identifier: GPL-2.0
/*
 * T in the agent: the session table around the core's issuer role.
 *
 * Sessions are keyed by (A, session id): the id is B's, and T must never
 * issue a second set of keys for one A's session, so a request that finds
 * its session is answered from it (m2mkx_issuer_resend()) and never
 * reissued.
 *
 * Sessions live in memory while T retransmits their material; what T
 * issued is also on disk (issuer_state.h), written before the material
 * leaves, so that a restarted T answers a request it served before from
 * that record, or refuses it, and never issues for it again.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <m2mkx/bytes.h>
#include <m2mkx/issuer.h>

#include "agent/agent.h"
#include "agent/issuer_state.h"
#include "backend/openssl.h"
#include "common/clock.h"
#include "common/keys.h"
#include "common/log.h"
#include "common/util.h"

#define ISSUER_MAX_SESSIONS ISSUER_STATE_MAX

/* Where T keeps its record when the configuration does not say. */
#define ISSUER_STATE_DIR "/var/lib/m2mkx"

struct agent_issuer {
	struct agent_role role;
	struct m2mkx_issuer_config cfg;
	struct m2mkx_issuer_keys keys;
	struct m2mkx_signer signer;
	const struct conf *conf;
	char *state_path;
	struct issuer_state state;
	unsigned int count;
	struct m2mkx_issuer_session *sessions[ISSUER_MAX_SESSIONS];
};

/*
 * The datagrams of one issue, held until its record is on disk: the
 * core sends as it issues, and nothing may leave T before the record.
 */
struct held_sink {
	struct m2mkx_sink sink;
	struct m2mkx_sink *inner;
	unsigned int count;
	struct {
		struct m2mkx_endpoint to;
		size_t len;
		u8 *buf;		/* NULL once released unsent */
	} dgram[M2MKX_MAX_PROXIES + 1];
};

static u8 *held_alloc(struct m2mkx_sink *sink, const struct m2mkx_endpoint *to,
		      size_t len)
{
	struct held_sink *h = container_of(sink, struct held_sink, sink);
	u8 *buf;

	if (h->count == M2MKX_ARRAY_SIZE(h->dgram))
		return NULL;
	buf = malloc(len);
	if (!buf)
		return NULL;
	h->dgram[h->count].to = *to;
	h->dgram[h->count].len = len;
	h->dgram[h->count].buf = buf;
	h->count++;
	return buf;
}

/* A datagram committed for sending stays held; any other is dropped. */
static void held_commit(struct m2mkx_sink *sink, u8 *buf, bool send)
{
	struct held_sink *h = container_of(sink, struct held_sink, sink);
	unsigned int i;

	if (send)
		return;
	for (i = 0; i < h->count; i++) {
		if (h->dgram[i].buf != buf)
			continue;
		m2mkx_wipe(buf, h->dgram[i].len);
		free(buf);
		h->dgram[i].buf = NULL;
	}
}

static void held_event(struct m2mkx_sink *sink, const struct m2mkx_event *ev)
{
	struct held_sink *h = container_of(sink, struct held_sink, sink);

	h->inner->event(h->inner, ev);
}

/* Sends what is held when @send, and frees it either way. */
static void held_release(struct held_sink *h, bool send)
{
	unsigned int i;

	for (i = 0; i < h->count; i++) {
		u8 *buf;

		if (!h->dgram[i].buf)
			continue;
		if (send) {
			buf = h->inner->tx_alloc(h->inner, &h->dgram[i].to,
						 h->dgram[i].len);
			if (buf) {
				memcpy(buf, h->dgram[i].buf, h->dgram[i].len);
				h->inner->tx_commit(h->inner, buf, true);
			}
		}
		m2mkx_wipe(h->dgram[i].buf, h->dgram[i].len);
		free(h->dgram[i].buf);
	}
	h->count = 0;
}

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

/* "event issuer WHAT session=.. a=..REST", for operators and tests. */
static void print_event(const char *what, const u8 *session, const u8 *a,
			const char *rest)
{
	char sid[2 * M2MKX_SESSION_LEN + 1], aid[2 * M2MKX_ID_LEN + 1];

	hex_encode(sid, session, M2MKX_SESSION_LEN);
	hex_encode(aid, a, M2MKX_ID_LEN);
	printf("event issuer %s session=%s a=%s%s\n", what, sid, aid, rest);
	fflush(stdout);
}

static void request_digest(u8 out[M2MKX_SHA256_LEN], const u8 *buf,
			   const struct m2mkx_proxy_request *req)
{
	struct m2mkx_sha256_ctx ctx;

	m2mkx_sha256_init(&ctx);
	m2mkx_sha256_update(&ctx, buf, req->ad_len);
	m2mkx_sha256_final(&ctx, out);
}

/*
 * A request for a session T issued keys for before it (re)started: the
 * same request gets the PROXY_LIST it got then; any other is a replay of
 * the session id. The material is not sent again: T no longer has it.
 */
static int resend_record(struct agent_issuer *is,
			 const struct issuer_record *rec, const u8 *buf,
			 const struct m2mkx_proxy_request *req,
			 const struct m2mkx_endpoint *from)
{
	u8 sum[M2MKX_SHA256_LEN];

	request_digest(sum, buf, req);
	if (memcmp(sum, rec->request, sizeof(sum))) {
		print_event("refused", req->session, req->a, " reason=replay");
		return -M2MKX_EREPLAY;
	}
	udp_sink_send(&is->role.sink, from, rec->list, rec->list_len);
	print_event("resent", req->session, req->a, " from=record");
	return 0;
}

/* Records the issue of @s for @req on disk. 0, or -1 and nothing changed. */
static int record_issue(struct agent_issuer *is,
			const struct m2mkx_issuer_session *s,
			const u8 *buf, const struct m2mkx_proxy_request *req,
			u64 unix_now)
{
	struct issuer_state *st = &is->state;
	struct issuer_record *rec;
	u64 keep = req->lifetime_s;

	/* As long as the session itself lives in memory, at least. */
	if (keep < (is->cfg.timing.lifetime_ms + 999) / 1000)
		keep = (is->cfg.timing.lifetime_ms + 999) / 1000;
	issuer_state_expire(st, unix_now);
	if (st->count == ISSUER_STATE_MAX) {
		log_err("issuer: %s: %u unexpired records: no room for another",
			st->path, ISSUER_STATE_MAX);
		return -1;
	}
	rec = &st->rec[st->count++];
	memset(rec, 0, sizeof(*rec));
	memcpy(rec->a, req->a, sizeof(rec->a));
	memcpy(rec->session, req->session, sizeof(rec->session));
	rec->keep_until = unix_now + keep;
	request_digest(rec->request, buf, req);
	memcpy(rec->list, s->list, s->list_len);
	rec->list_len = s->list_len;
	st->issued++;
	st->keys += s->n;
	if (issuer_state_save(st)) {
		log_err("issuer: %s: %s: nothing issued", st->path,
			strerror(errno));
		st->count--;
		st->issued--;
		st->keys -= s->n;
		return -1;
	}
	return 0;
}

static int rx_request(struct agent_issuer *is, const u8 *buf, size_t len,
		      const struct m2mkx_endpoint *from, u64 now)
{
	struct held_sink held = {
		.sink = {
			.tx_alloc = held_alloc,
			.tx_commit = held_commit,
			.event = held_event,
		},
		.inner = &is->role.sink.sink,
	};
	struct m2mkx_issuer_session *s;
	struct m2mkx_proxy_request req;
	struct issuer_record *rec;
	u64 unix_now;
	char rest[64];
	int ret;

	ret = m2mkx_issuer_request_open(&is->cfg, buf, len, &req);
	if (ret)
		return ret;
	s = find(is, req.a, req.session);
	if (s)
		return m2mkx_issuer_resend(s, &req, &is->role.sink.sink);
	unix_now = clock_unix_s();
	rec = issuer_state_find(&is->state, req.a, req.session);
	if (rec && rec->keep_until >= unix_now)
		return resend_record(is, rec, buf, &req, from);
	if (is->count == ISSUER_MAX_SESSIONS)
		return -M2MKX_EFULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -M2MKX_EFULL;
	ret = m2mkx_issuer_issue(s, &is->cfg, &req, from, now, unix_now,
				 &held.sink);
	if (!ret && record_issue(is, s, buf, &req, unix_now))
		ret = -M2MKX_EINVAL;
	if (ret) {
		held_release(&held, false);
		m2mkx_issuer_session_wipe(s);
		free(s);
		return ret;
	}
	if (is->conf->issuer_fault == CONF_ISSUER_FAULT_CRASH_AFTER_RECORD) {
		/* As kill -9 would: no cleanup, nothing sent. */
		fflush(stdout);
		raise(SIGKILL);
	}
	held_release(&held, true);
	is->sessions[is->count++] = s;
	snprintf(rest, sizeof(rest), " n=%u serial=%llu", s->n,
		 (unsigned long long)is->state.issued);
	print_event("issued", req.session, req.a, rest);
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
	free(is->state_path);
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

/*
 * Loads T's record, and writes it back at once: a StateFile T cannot
 * write stops it now, not at the first request.
 */
static int load_state(struct agent_issuer *is)
{
	const struct conf *c = is->conf;
	char id[2 * M2MKX_ID_LEN + 1];

	if (c->state_file.path) {
		is->state_path = strdup(c->state_file.path);
	} else {
		hex_encode(id, c->id, sizeof(c->id));
		if (asprintf(&is->state_path, "%s/issuer-%s.state",
			     ISSUER_STATE_DIR, id) < 0)
			is->state_path = NULL;
	}
	if (!is->state_path) {
		log_err("issuer: %s", strerror(errno));
		return -1;
	}
	if (issuer_state_load(&is->state, is->state_path))
		return -1;
	issuer_state_expire(&is->state, clock_unix_s());
	if (issuer_state_save(&is->state)) {
		log_err("issuer: %s: %s", is->state_path, strerror(errno));
		return -1;
	}
	return 0;
}

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
	if (load_state(is)) {
		m2mkx_signer_free(&is->signer);
		free(is->state_path);
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
