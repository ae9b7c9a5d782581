// SPDX-License-Identifier: GPL-2.0
/*
 * P_i in the agent: the session table around the core's proxy role, the
 * delivery of T's key material, and the test-only faults.
 *
 * A session is created by whichever of T's material and A's share comes
 * first; one that a datagram created but did not take (a SHARES that does
 * not open, material refused) is freed at once, so unauthenticated
 * traffic cannot fill the table.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <m2mkx/bytes.h>
#include <m2mkx/crypto.h>
#include <m2mkx/merkle.h>
#include <m2mkx/proxy.h>

#include "agent/agent.h"
#include "common/endpoint.h"
#include "common/log.h"
#include "common/util.h"

#define PROXY_MAX_SESSIONS 256

/* The largest KEY_MATERIAL a proxy can be sent, and its plaintext. */
#define MATERIAL_MAX_LEN \
	M2MKX_KEY_MATERIAL_LEN(M2MKX_MERKLE_MAX_HEIGHT, M2MKX_ROOT_SIG_MAX_LEN)
#define MATERIAL_PT_MAX_LEN \
	M2MKX_KEY_MATERIAL_PT_LEN(M2MKX_MERKLE_MAX_HEIGHT, \
				  M2MKX_ROOT_SIG_MAX_LEN)

/* A session and the buffer its SIGNED_SHARE is kept in. */
struct proxy_slot {
	struct m2mkx_proxy_session s;
	bool fault_done;		/* a test fault fires once a session */
	u8 signed_share[M2MKX_SIGNED_SHARE_MAX_LEN];
};

struct agent_proxy {
	struct agent_role role;
	struct m2mkx_proxy_config cfg;
	struct m2mkx_proxy_keys keys;
	const struct conf *conf;
	unsigned int count;
	struct proxy_slot *sessions[PROXY_MAX_SESSIONS];
};

static struct agent_proxy *to_proxy(struct agent_role *r)
{
	return container_of(r, struct agent_proxy, role);
}

static const u8 *neighbour_key(const struct m2mkx_proxy_keys *keys,
			       const u8 a[M2MKX_ID_LEN])
{
	const struct agent_proxy *px =
		container_of(keys, struct agent_proxy, keys);
	const struct conf_peer *peer = conf_peer_find(&px->conf->clients, a);

	return peer ? peer->key : NULL;
}

static const u8 *server_key(const struct m2mkx_proxy_keys *keys,
			    const u8 b[M2MKX_ID_LEN])
{
	const struct agent_proxy *px =
		container_of(keys, struct agent_proxy, keys);
	const struct conf_peer *peer =
		conf_peer_find(&px->conf->server_peers, b);

	return peer ? peer->public_key : NULL;
}

static struct proxy_slot *find(const struct agent_proxy *px,
			       const u8 session[M2MKX_SESSION_LEN])
{
	unsigned int i;

	for (i = 0; i < px->count; i++) {
		const struct m2mkx_proxy_session *s = &px->sessions[i]->s;

		/* A slot holds its id once it has material or a share. */
		if ((s->have_material || s->have_share) &&
		    !memcmp(s->session, session, M2MKX_SESSION_LEN))
			return px->sessions[i];
	}
	return NULL;
}

static struct proxy_slot *slot_new(struct agent_proxy *px, u64 now)
{
	struct proxy_slot *slot;

	if (px->count == PROXY_MAX_SESSIONS)
		return NULL;
	slot = calloc(1, sizeof(*slot));
	if (!slot)
		return NULL;
	m2mkx_proxy_session_init(&slot->s, now, &px->cfg);
	m2mkx_proxy_buffer_attach(&slot->s, slot->signed_share,
				  sizeof(slot->signed_share));
	px->sessions[px->count++] = slot;
	return slot;
}

static void slot_drop(struct agent_proxy *px, struct proxy_slot *slot)
{
	unsigned int i;

	for (i = 0; i < px->count; i++) {
		if (px->sessions[i] != slot)
			continue;
		m2mkx_proxy_session_wipe(&slot->s);
		free(slot);
		px->sessions[i] = px->sessions[--px->count];
		return;
	}
}

/* The slot a datagram created is dropped when it took nothing from it. */
static void slot_keep_or_drop(struct agent_proxy *px, struct proxy_slot *slot,
			      bool created)
{
	if (created && !slot->s.have_material && !slot->s.have_share)
		slot_drop(px, slot);
}

/*
 * Test-only misbehaviour ([Proxy] Fault), applied around the core's step
 * functions rather than inside them: the core stays the one honest
 * implementation, and the faults are what a compromised gateway could
 * do with it.
 */
static void fault_before(struct agent_proxy *px, struct proxy_slot *slot,
			 int type)
{
	struct m2mkx_proxy_session *s = &slot->s;

	/*
	 * Replay: B's ANSWER shows that B took our SIGNED_SHARE, so a copy
	 * sent now is one B has processed. Sending it before the core relays
	 * y to A orders it before anything A sends B afterwards, so B sees
	 * it while the session is still open, deterministically.
	 */
	if (px->conf->fault == CONF_FAULT_REPLAY && !slot->fault_done &&
	    type == M2MKX_MSG_ANSWER && s->state == M2MKX_PROXY_SIGNED &&
	    s->signed_share_len) {
		slot->fault_done = true;
		udp_sink_send(&px->role.sink, &s->b_ep, s->signed_share,
			      s->signed_share_len);
		log_debug("proxy: fault: replayed the SIGNED_SHARE");
	}
}

static void fault_after(struct agent_proxy *px, struct proxy_slot *slot,
			u8 before)
{
	struct m2mkx_proxy_session *s = &slot->s;

	/*
	 * The share sits in the session from A's SHARES until B's challenge
	 * is signed; damaging it as the proxy contacts B sends B a
	 * well-signed but wrong share.
	 */
	if (px->conf->fault == CONF_FAULT_CORRUPT_SHARE && !slot->fault_done &&
	    before == M2MKX_PROXY_WAITING &&
	    s->state == M2MKX_PROXY_HELLO_SENT && s->share_len) {
		slot->fault_done = true;
		s->share[0] ^= 0x5a;
		log_debug("proxy: fault: corrupted the share");
	}
}

/*
 * Fault reuse-ots: a sink that keeps back the SIGNED_SHARE the core sends.
 * The core keeps its own copy for retransmission, from which the fault
 * sends it, with the second signature straight after it.
 */
struct hold_sink {
	struct m2mkx_sink sink;
	struct m2mkx_sink *inner;
	bool held;
};

static u8 *hold_tx_alloc(struct m2mkx_sink *sink,
			 const struct m2mkx_endpoint *to, size_t len)
{
	struct hold_sink *hs = container_of(sink, struct hold_sink, sink);

	return hs->inner->tx_alloc(hs->inner, to, len);
}

static void hold_tx_commit(struct m2mkx_sink *sink, u8 *buf, bool send)
{
	struct hold_sink *hs = container_of(sink, struct hold_sink, sink);

	if (send && buf && buf[0] == M2MKX_MSG_SIGNED_SHARE) {
		hs->held = true;
		send = false;
	}
	hs->inner->tx_commit(hs->inner, buf, send);
}

static void hold_event(struct m2mkx_sink *sink, const struct m2mkx_event *ev)
{
	struct hold_sink *hs = container_of(sink, struct hold_sink, sink);

	hs->inner->event(hs->inner, ev);
}

/*
 * Signs a second SIGNED_SHARE with @key, the session's one-time key as it
 * was before the core signed with it: the genuine datagram with one byte
 * of the share's ciphertext changed, so a different message, signed as
 * the core signs (SHA-256 of N_pb and every byte before the signature).
 * Only the key's holder can do this. Returns the datagram, as long as the
 * genuine one, for the caller to free; NULL when it cannot be signed.
 */
static u8 *second_signature(const struct m2mkx_proxy_session *s,
			    struct m2mkx_ots_key *key)
{
	size_t sig_len = m2mkx_ots_sig_len(s->params.ots_type);
	size_t len = s->signed_share_len, signed_len;
	u8 digest[M2MKX_SHA256_LEN];
	struct m2mkx_sha256_ctx ctx;
	u8 *copy;

	if (!sig_len || len < M2MKX_SIGNED_SHARE_FIXED_LEN + 1 + sig_len)
		return NULL;
	copy = malloc(len);
	if (!copy)
		return NULL;
	signed_len = len - sig_len;
	memcpy(copy, s->signed_share, signed_len);
	copy[M2MKX_SIGNED_SHARE_FIXED_LEN] ^= 0x01;

	m2mkx_sha256_init(&ctx);
	m2mkx_sha256_update(&ctx, s->n_pb, M2MKX_NONCE_LEN);
	m2mkx_sha256_update(&ctx, copy, signed_len);
	m2mkx_sha256_final(&ctx, digest);
	if (m2mkx_ots_sign(key, digest, sizeof(digest), copy + signed_len,
			   sig_len)) {
		free(copy);
		return NULL;
	}
	return copy;
}

/*
 * Sends @first and then @second (@len bytes each) to @to in one system
 * call: on loopback both are then in B's receive queue together, so B
 * reads the second right after the first, however the proxy is scheduled.
 */
static void send_pair(struct udp_sink *us, const struct m2mkx_endpoint *to,
		      u8 *first, u8 *second, size_t len)
{
	struct iovec iov[2] = {
		{ .iov_base = first, .iov_len = len },
		{ .iov_base = second, .iov_len = len },
	};
	struct mmsghdr msgs[2];
	struct sockaddr_storage ss;
	socklen_t sslen;
	unsigned int i;

	if (endpoint_to_sockaddr(to, us->sock->family, &ss, &sslen))
		return;
	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < 2; i++) {
		msgs[i].msg_hdr.msg_name = &ss;
		msgs[i].msg_hdr.msg_namelen = sslen;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	if (sendmmsg(us->sock->fd, msgs, 2, 0) != 2)
		log_err("proxy: fault: sendmmsg: %s", strerror(errno));
}

/*
 * Fault reuse-ots on B's CHALLENGE: the core signs the share as ever, from
 * a copy of the one-time key taken first; the proxy then signs a second
 * share with that copy. The genuine SIGNED_SHARE is held back until the
 * second is signed and both go out in one sendmmsg(), genuine first (B
 * must hold a share from this key when the second arrives): B then has
 * the second before it can have finished the session, as nothing B sends
 * on the first can come back in between.
 */
static int rx_challenge_reuse_ots(struct agent_proxy *px,
				  struct proxy_slot *slot, const u8 *buf,
				  size_t len,
				  const struct m2mkx_endpoint *from, u64 now)
{
	struct m2mkx_proxy_session *s = &slot->s;
	struct hold_sink hold = {
		.sink = {
			.tx_alloc = hold_tx_alloc,
			.tx_commit = hold_tx_commit,
			.event = hold_event,
		},
		.inner = &px->role.sink.sink,
	};
	struct m2mkx_ots_key key = s->ots;
	u8 *second = NULL;
	int ret;

	ret = m2mkx_proxy_rx(s, &px->cfg, buf, len, from, now, &hold.sink);
	if (hold.held && s->state == M2MKX_PROXY_SIGNED) {
		slot->fault_done = true;
		second = second_signature(s, &key);
		if (!second)
			log_err("proxy: fault: the copied one-time key cannot sign");
	}
	m2mkx_wipe(&key, sizeof(key));
	if (hold.held && second) {
		send_pair(&px->role.sink, &s->b_ep, s->signed_share, second,
			  s->signed_share_len);
		log_debug("proxy: fault: signed a second share with one key");
	} else if (hold.held) {
		udp_sink_send(&px->role.sink, &s->b_ep, s->signed_share,
			      s->signed_share_len);
	}
	free(second);
	return ret;
}

/*
 * T's material: opened with K_PT, installed into the session it names,
 * acknowledged to T with the outcome either way (so that T stops
 * retransmitting), and wiped.
 */
static int rx_material(struct agent_proxy *px, const u8 *buf, size_t len,
		       u64 now)
{
	u8 pt[MATERIAL_PT_MAX_LEN];
	struct m2mkx_key_material m;
	struct proxy_slot *slot;
	bool created = false;
	u8 before;
	int ret;

	/* material_open() writes up to @len bytes of plaintext into pt. */
	if (len > MATERIAL_MAX_LEN)
		return -M2MKX_ELENGTH;
	ret = m2mkx_proxy_material_open(&px->cfg, buf, len, pt, &m);
	if (ret)
		return ret;

	slot = find(px, m.root.session);
	if (!slot) {
		slot = slot_new(px, now);
		created = true;
	}
	if (slot) {
		before = slot->s.state;
		ret = m2mkx_proxy_install(&slot->s, &px->cfg, &m, now,
					  &px->role.sink.sink);
		fault_after(px, slot, before);
		slot_keep_or_drop(px, slot, created);
	} else {
		ret = -M2MKX_EFULL;
	}
	m2mkx_proxy_material_ack(&px->cfg, &m, ret, &px->conf->issuer,
				 &px->role.sink.sink);
	m2mkx_wipe(&m, sizeof(m));
	m2mkx_wipe(pt, sizeof(pt));
	return ret;
}

static int proxy_rx(struct agent_role *r, int type, const u8 *buf,
		    size_t len, const struct m2mkx_endpoint *from, u64 now)
{
	struct agent_proxy *px = to_proxy(r);
	u8 id[M2MKX_SESSION_LEN];
	struct proxy_slot *slot;
	bool created = false;
	u8 before;
	int ret;

	/* Test fault: a proxy that never answers, not even T. */
	if (px->conf->fault == CONF_FAULT_SILENT)
		return 0;
	if (type == M2MKX_MSG_KEY_MATERIAL)
		return rx_material(px, buf, len, now);

	ret = m2mkx_proxy_route(buf, len, id);
	if (ret < 0)
		return ret;
	slot = find(px, id);
	if (!slot) {
		/* Only A's share may open a session; B answers ours. */
		if (type != M2MKX_MSG_SHARES)
			return -M2MKX_ENOSESSION;
		slot = slot_new(px, now);
		if (!slot)
			return -M2MKX_EFULL;
		created = true;
	}
	before = slot->s.state;
	fault_before(px, slot, type);
	if (px->conf->fault == CONF_FAULT_REUSE_OTS && !slot->fault_done &&
	    type == M2MKX_MSG_CHALLENGE && before == M2MKX_PROXY_HELLO_SENT)
		ret = rx_challenge_reuse_ots(px, slot, buf, len, from, now);
	else
		ret = m2mkx_proxy_rx(&slot->s, &px->cfg, buf, len, from, now,
				     &r->sink.sink);
	fault_after(px, slot, before);
	slot_keep_or_drop(px, slot, created);
	return ret;
}

static void proxy_timers(struct agent_role *r, u64 now)
{
	struct agent_proxy *px = to_proxy(r);
	unsigned int i = 0;

	while (i < px->count) {
		struct proxy_slot *slot = px->sessions[i];

		if (m2mkx_proxy_deadline(&slot->s) <= now &&
		    !m2mkx_proxy_timer(&slot->s, &px->cfg, now,
				       &r->sink.sink)) {
			slot_drop(px, slot);
			continue;
		}
		i++;
	}
}

static u64 proxy_deadline(const struct agent_role *r)
{
	const struct agent_proxy *px =
		container_of(r, struct agent_proxy, role);
	u64 deadline = M2MKX_NO_DEADLINE;
	unsigned int i;

	for (i = 0; i < px->count; i++) {
		u64 d = m2mkx_proxy_deadline(&px->sessions[i]->s);

		if (d < deadline)
			deadline = d;
	}
	return deadline;
}

static void proxy_destroy(struct agent_role *r)
{
	struct agent_proxy *px = to_proxy(r);

	while (px->count)
		slot_drop(px, px->sessions[px->count - 1]);
	m2mkx_wipe(&px->cfg, sizeof(px->cfg));
	free(px);
}

static const u8 proxy_types[] = {
	M2MKX_MSG_KEY_MATERIAL,
	M2MKX_MSG_SHARES,
	M2MKX_MSG_CHALLENGE,
	M2MKX_MSG_ANSWER,
};

static const struct agent_role_ops proxy_ops = {
	.name = "proxy",
	.types = proxy_types,
	.ntypes = M2MKX_ARRAY_SIZE(proxy_types),
	.rx = proxy_rx,
	.timers = proxy_timers,
	.deadline = proxy_deadline,
	.destroy = proxy_destroy,
};

struct agent_role *agent_proxy_new(struct agent *ag)
{
	const struct conf *c = &ag->conf;
	struct agent_proxy *px;

	px = calloc(1, sizeof(*px));
	if (!px) {
		log_err("proxy: %s", strerror(errno));
		return NULL;
	}
	agent_role_init(&px->role, &proxy_ops, ag);
	px->conf = c;
	px->keys.neighbour_key = neighbour_key;
	px->keys.server_key = server_key;
	memcpy(px->cfg.id, c->id, sizeof(px->cfg.id));
	memcpy(px->cfg.k_pt, c->issuer_key, sizeof(px->cfg.k_pt));
	px->cfg.keys = &px->keys;
	m2mkx_timing_default(&px->cfg.timing);
	if (c->fault != CONF_FAULT_NONE)
		log_err("proxy: test fault injection is on");
	return &px->role;
}
