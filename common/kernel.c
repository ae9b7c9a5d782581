// SPDX-License-Identifier: GPL-2.0
/*
 * Requests, dumps and events of the m2mkx generic netlink family (see
 * kernel.h). Attribute sizes are checked here rather than trusted: a
 * module of another version must not make the tools read out of bounds.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <m2mkx/bytes.h>
#include <m2mkx/proxy.h>
#include <m2mkx/server.h>

#include "common/kernel.h"
#include "common/log.h"

int kernel_open(struct genl_sock *g)
{
	int ret = genl_open(g, M2MKX_GENL_NAME, M2MKX_A_MAX);

	if (!ret)
		return 0;
	if (ret == -ENOENT)
		log_err("the m2mkx module is not loaded (try: modprobe m2mkx)");
	else
		log_err("generic netlink: %s", strerror(-ret));
	return -1;
}

/* An attribute of exactly @len bytes, or NULL. */
static const u8 *attr_bytes(const struct nlattr *a, int len)
{
	if (!a || nla_len(a) != len)
		return NULL;
	return nla_data(a);
}

static bool attr_is(const struct nlattr *a, int len)
{
	return a && nla_len(a) >= len;
}

int kernel_set_instance(struct genl_sock *g, const struct kernel_instance *ki)
{
	struct nl_msg *msg = genl_msg_new(g, M2MKX_CMD_SET_INSTANCE);
	int bad = 0;

	if (!msg)
		return -ENOMEM;
	if (ki->has & KI_ROLES)
		bad |= nla_put_u32(msg, M2MKX_A_ROLES, ki->roles);
	if (ki->has & KI_PORT)
		bad |= nla_put_u16(msg, M2MKX_A_PORT, ki->port);
	if (ki->has & KI_NODE_ID)
		bad |= nla_put(msg, M2MKX_A_NODE_ID, M2MKX_NODE_ID_LEN,
			       ki->node_id);
	if (ki->has & KI_PRIVATE_KEY)
		bad |= nla_put(msg, M2MKX_A_SERVER_PRIVATE_KEY,
			       M2MKX_X25519_KEY_LEN, ki->private_key);
	if (ki->has & KI_KEYRING)
		bad |= nla_put_s32(msg, M2MKX_A_TRUST_KEYRING, ki->keyring);
	if (ki->has & KI_MAX_SESSIONS)
		bad |= nla_put_u32(msg, M2MKX_A_MAX_SESSIONS, ki->max_sessions);
	if (ki->has & KI_MAX_PROXIES)
		bad |= nla_put_u8(msg, M2MKX_A_MAX_PROXIES, ki->max_proxies);
	if (ki->has & KI_MIN_THRESHOLD)
		bad |= nla_put_u8(msg, M2MKX_A_MIN_THRESHOLD,
				  ki->min_threshold);
	if (ki->has & KI_POLICY)
		bad |= nla_put_u32(msg, M2MKX_A_POLICY, ki->policy);
	if (ki->has & KI_SHARE_WINDOW)
		bad |= nla_put_u32(msg, M2MKX_A_SHARE_WINDOW_MS,
				   ki->share_window_ms);
	if (bad) {
		explicit_bzero(nlmsg_hdr(msg), nlmsg_hdr(msg)->nlmsg_len);
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return genl_request(g, msg, NULL, NULL);
}

static int instance_reply(u8 cmd, struct nlattr **tb, void *arg)
{
	struct kernel_instance *ki = arg;
	const u8 *p;

	if (cmd != M2MKX_CMD_GET_INSTANCE)
		return 0;
	memset(ki, 0, sizeof(*ki));
	if (attr_is(tb[M2MKX_A_ROLES], 4)) {
		ki->has |= KI_ROLES;
		ki->roles = nla_get_u32(tb[M2MKX_A_ROLES]);
	}
	if (attr_is(tb[M2MKX_A_PORT], 2)) {
		ki->has |= KI_PORT;
		ki->port = nla_get_u16(tb[M2MKX_A_PORT]);
	}
	p = attr_bytes(tb[M2MKX_A_NODE_ID], M2MKX_NODE_ID_LEN);
	if (p) {
		ki->has |= KI_NODE_ID;
		memcpy(ki->node_id, p, M2MKX_NODE_ID_LEN);
	}
	p = attr_bytes(tb[M2MKX_A_SERVER_PUBLIC_KEY], M2MKX_X25519_KEY_LEN);
	if (p) {
		ki->has |= KI_PUBLIC_KEY;
		memcpy(ki->public_key, p, M2MKX_X25519_KEY_LEN);
	}
	if (attr_is(tb[M2MKX_A_TRUST_KEYRING], 4)) {
		ki->has |= KI_KEYRING;
		ki->keyring = nla_get_s32(tb[M2MKX_A_TRUST_KEYRING]);
	}
	if (attr_is(tb[M2MKX_A_MAX_SESSIONS], 4)) {
		ki->has |= KI_MAX_SESSIONS;
		ki->max_sessions = nla_get_u32(tb[M2MKX_A_MAX_SESSIONS]);
	}
	if (attr_is(tb[M2MKX_A_MAX_PROXIES], 1)) {
		ki->has |= KI_MAX_PROXIES;
		ki->max_proxies = nla_get_u8(tb[M2MKX_A_MAX_PROXIES]);
	}
	if (attr_is(tb[M2MKX_A_MIN_THRESHOLD], 1)) {
		ki->has |= KI_MIN_THRESHOLD;
		ki->min_threshold = nla_get_u8(tb[M2MKX_A_MIN_THRESHOLD]);
	}
	if (attr_is(tb[M2MKX_A_POLICY], 4)) {
		ki->has |= KI_POLICY;
		ki->policy = nla_get_u32(tb[M2MKX_A_POLICY]);
	}
	if (attr_is(tb[M2MKX_A_SHARE_WINDOW_MS], 4)) {
		ki->has |= KI_SHARE_WINDOW;
		ki->share_window_ms = nla_get_u32(tb[M2MKX_A_SHARE_WINDOW_MS]);
	}
	if (attr_is(tb[M2MKX_A_SERVER_BUSY_NS], 8) &&
	    attr_is(tb[M2MKX_A_SERVER_COMPLETED], 8)) {
		ki->has |= KI_SERVER_STATS;
		ki->server_busy_ns = nla_get_u64(tb[M2MKX_A_SERVER_BUSY_NS]);
		ki->server_completed =
			nla_get_u64(tb[M2MKX_A_SERVER_COMPLETED]);
	}
	if (attr_is(tb[M2MKX_A_SERVER_TX_NS], 8)) {
		ki->has |= KI_SERVER_TX;
		ki->server_tx_ns = nla_get_u64(tb[M2MKX_A_SERVER_TX_NS]);
	}
	return 0;
}

int kernel_get_instance(struct genl_sock *g, struct kernel_instance *ki)
{
	struct nl_msg *msg = genl_msg_new(g, M2MKX_CMD_GET_INSTANCE);

	memset(ki, 0, sizeof(*ki));
	if (!msg)
		return -ENOMEM;
	return genl_request(g, msg, instance_reply, ki);
}

/* A request with one M2MKX_A_PEER nest: @id and, if given, one key. */
static int peer_request(struct genl_sock *g, u8 cmd,
			const u8 id[M2MKX_NODE_ID_LEN], int key_type,
			const u8 *key, int key_len)
{
	struct nl_msg *msg = genl_msg_new(g, cmd);
	struct nlattr *nest;

	if (!msg)
		return -ENOMEM;
	nest = nla_nest_start(msg, M2MKX_A_PEER);
	if (!nest ||
	    nla_put(msg, M2MKX_PEER_A_ID, M2MKX_NODE_ID_LEN, id) ||
	    (key && nla_put(msg, key_type, key_len, key))) {
		explicit_bzero(nlmsg_hdr(msg), nlmsg_hdr(msg)->nlmsg_len);
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return genl_request(g, msg, NULL, NULL);
}

int kernel_add_neighbor(struct genl_sock *g, const u8 id[M2MKX_NODE_ID_LEN],
			const u8 key[M2MKX_PAIRWISE_KEY_LEN])
{
	return peer_request(g, M2MKX_CMD_ADD_NEIGHBOR, id, M2MKX_PEER_A_KEY,
			    key, M2MKX_PAIRWISE_KEY_LEN);
}

int kernel_del_neighbor(struct genl_sock *g, const u8 id[M2MKX_NODE_ID_LEN])
{
	return peer_request(g, M2MKX_CMD_DEL_NEIGHBOR, id, 0, NULL, 0);
}

int kernel_add_server(struct genl_sock *g, const u8 id[M2MKX_NODE_ID_LEN],
		      const u8 public_key[M2MKX_X25519_KEY_LEN])
{
	return peer_request(g, M2MKX_CMD_ADD_SERVER, id,
			    M2MKX_PEER_A_PUBLIC_KEY, public_key,
			    M2MKX_X25519_KEY_LEN);
}

int kernel_del_server(struct genl_sock *g, const u8 id[M2MKX_NODE_ID_LEN])
{
	return peer_request(g, M2MKX_CMD_DEL_SERVER, id, 0, NULL, 0);
}

int kernel_install_material(struct genl_sock *g,
			    const struct m2mkx_key_material *m)
{
	struct nl_msg *msg = genl_msg_new(g, M2MKX_CMD_INSTALL_MATERIAL);
	int root_len = (int)M2MKX_ROOT_INFO_LEN(m->root.sig_len);
	int path_len = (int)(m->height * M2MKX_OTS_HASH_LEN);
	struct nlattr *nest;

	if (!msg)
		return -ENOMEM;
	/*
	 * The root info travels as it was on the wire: signed part, length
	 * and signature follow each other in the plaintext the parser
	 * pointed into.
	 */
	nest = nla_nest_start(msg, M2MKX_A_MATERIAL);
	if (!nest ||
	    nla_put_u8(msg, M2MKX_MATERIAL_A_LEAF, m->q) ||
	    nla_put(msg, M2MKX_MATERIAL_A_SEED, M2MKX_OTS_SEED_LEN, m->seed) ||
	    nla_put(msg, M2MKX_MATERIAL_A_ROOT_INFO, root_len,
		    m->root.signed_part) ||
	    (path_len &&
	     nla_put(msg, M2MKX_MATERIAL_A_PATH, path_len, m->path))) {
		explicit_bzero(nlmsg_hdr(msg), nlmsg_hdr(msg)->nlmsg_len);
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return genl_request(g, msg, NULL, NULL);
}

int kernel_parse_peer(struct nlattr **attrs, struct kernel_peer *p)
{
	struct nlattr *tb[M2MKX_PEER_A_MAX + 1];
	const u8 *id, *key;

	memset(p, 0, sizeof(*p));
	if (!attrs[M2MKX_A_PEER] ||
	    nla_parse_nested(tb, M2MKX_PEER_A_MAX, attrs[M2MKX_A_PEER], NULL))
		return -EPROTO;
	id = attr_bytes(tb[M2MKX_PEER_A_ID], M2MKX_NODE_ID_LEN);
	if (!id || !attr_is(tb[M2MKX_PEER_A_KIND], 4))
		return -EPROTO;
	memcpy(p->id, id, M2MKX_NODE_ID_LEN);
	p->kind = nla_get_u32(tb[M2MKX_PEER_A_KIND]);
	key = attr_bytes(tb[M2MKX_PEER_A_PUBLIC_KEY], M2MKX_X25519_KEY_LEN);
	if (key) {
		p->has_public_key = true;
		memcpy(p->public_key, key, M2MKX_X25519_KEY_LEN);
	}
	return 0;
}

int kernel_parse_session(struct nlattr **attrs, struct kernel_session *s)
{
	struct nlattr *tb[M2MKX_SESSION_A_MAX + 1];
	const u8 *id, *a, *b;

	memset(s, 0, sizeof(*s));
	if (!attrs[M2MKX_A_SESSION] ||
	    nla_parse_nested(tb, M2MKX_SESSION_A_MAX, attrs[M2MKX_A_SESSION],
			     NULL))
		return -EPROTO;
	id = attr_bytes(tb[M2MKX_SESSION_A_ID], M2MKX_SESSION_ID_LEN);
	a = attr_bytes(tb[M2MKX_SESSION_A_CLIENT], M2MKX_NODE_ID_LEN);
	b = attr_bytes(tb[M2MKX_SESSION_A_SERVER], M2MKX_NODE_ID_LEN);
	if (!id || !a || !b || !attr_is(tb[M2MKX_SESSION_A_ROLE], 4))
		return -EPROTO;
	s->role = nla_get_u32(tb[M2MKX_SESSION_A_ROLE]);
	memcpy(s->id, id, sizeof(s->id));
	memcpy(s->a, a, sizeof(s->a));
	memcpy(s->b, b, sizeof(s->b));
	if (attr_is(tb[M2MKX_SESSION_A_STATE], 4)) {
		s->has_state = true;
		s->state = nla_get_u32(tb[M2MKX_SESSION_A_STATE]);
	}
	if (attr_is(tb[M2MKX_SESSION_A_AGE_MS], 8)) {
		s->has_age = true;
		s->age_ms = nla_get_u64(tb[M2MKX_SESSION_A_AGE_MS]);
	}
	if (attr_is(tb[M2MKX_SESSION_A_PROXIES], 1)) {
		s->has_n = true;
		s->n = nla_get_u8(tb[M2MKX_SESSION_A_PROXIES]);
		if (s->n > M2MKX_MAX_PROXIES)
			return -EPROTO;
		s->ids = attr_bytes(tb[M2MKX_SESSION_A_PROXY_IDS],
				    s->n * M2MKX_PROXY_ID_LEN);
		s->verdicts = attr_bytes(tb[M2MKX_SESSION_A_VERDICTS], s->n);
	}
	if (attr_is(tb[M2MKX_SESSION_A_REASON], 4)) {
		s->has_reason = true;
		s->reason = nla_get_u32(tb[M2MKX_SESSION_A_REASON]);
	}
	s->mk = attr_bytes(tb[M2MKX_SESSION_A_MK], M2MKX_MK_LEN);
	return 0;
}

int kernel_parse_counter(struct nlattr **attrs, struct kernel_counter *c)
{
	struct nlattr *tb[M2MKX_COUNTER_A_MAX + 1];
	const struct nlattr *name;
	size_t len;

	memset(c, 0, sizeof(*c));
	if (!attrs[M2MKX_A_COUNTER] ||
	    nla_parse_nested(tb, M2MKX_COUNTER_A_MAX, attrs[M2MKX_A_COUNTER],
			     NULL))
		return -EPROTO;
	if (!attr_is(tb[M2MKX_COUNTER_A_ROLE], 4) ||
	    !attr_is(tb[M2MKX_COUNTER_A_REASON], 4) ||
	    !attr_is(tb[M2MKX_COUNTER_A_VALUE], 8))
		return -EPROTO;
	c->role = nla_get_u32(tb[M2MKX_COUNTER_A_ROLE]);
	c->reason = nla_get_u32(tb[M2MKX_COUNTER_A_REASON]);
	c->value = nla_get_u64(tb[M2MKX_COUNTER_A_VALUE]);
	name = tb[M2MKX_COUNTER_A_NAME];
	if (name && nla_len(name) > 0) {
		len = strnlen(nla_data(name), (size_t)nla_len(name));
		if (len >= sizeof(c->name))
			len = sizeof(c->name) - 1;
		memcpy(c->name, nla_data(name), len);
	}
	/* Names are identifiers: anything else is shown as a number. */
	for (len = 0; c->name[len]; len++)
		if (!((c->name[len] >= 'a' && c->name[len] <= 'z') ||
		      (c->name[len] >= '0' && c->name[len] <= '9') ||
		      c->name[len] == '_'))
			break;
	if (!c->name[0] || c->name[len])
		snprintf(c->name, sizeof(c->name), "reason_%u", c->reason);
	return 0;
}

void kernel_session_event(const struct kernel_session *s, u8 cmd,
			  struct m2mkx_event *ev)
{
	m2mkx_event_init(ev, cmd == M2MKX_CMD_EVENT_COMPLETED ?
			 M2MKX_EV_COMPLETED : M2MKX_EV_FAILED,
			 s->id, s->a, s->b, s->n);
	if (cmd == M2MKX_CMD_EVENT_FAILED)
		ev->reason = (int)s->reason;
	ev->mk = s->mk;
	ev->ids = s->ids;
	ev->verdicts = s->verdicts;
}

const char *kernel_role_name(u32 role)
{
	switch (role) {
	case 0:
		return "dispatch";
	case M2MKX_ROLE_SERVER:
		return "server";
	case M2MKX_ROLE_PROXY:
		return "proxy";
	default:
		return "unknown";
	}
}

const char *kernel_state_name(u32 role, u32 state)
{
	/* The core's numbering, which the module reports as it is. */
	static const char *const server[] = {
		[M2MKX_SERVER_COLLECTING] = "collecting",
		[M2MKX_SERVER_ANSWERED] = "answered",
		[M2MKX_SERVER_DONE] = "done",
		[M2MKX_SERVER_FAILED] = "failed",
	};
	static const char *const proxy[] = {
		[M2MKX_PROXY_WAITING] = "waiting",
		[M2MKX_PROXY_HELLO_SENT] = "hello-sent",
		[M2MKX_PROXY_SIGNED] = "signed",
		[M2MKX_PROXY_RELAYED] = "relayed",
		[M2MKX_PROXY_FAILED] = "failed",
	};
	const char *name = NULL;

	if (role == M2MKX_ROLE_SERVER && state < M2MKX_ARRAY_SIZE(server))
		name = server[state];
	else if (role == M2MKX_ROLE_PROXY && state < M2MKX_ARRAY_SIZE(proxy))
		name = proxy[state];
	return name ? name : "unknown";
}
