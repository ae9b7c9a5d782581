// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family: configuration, key material, dumps and
 * events.
 *
 * Every operation requires CAP_NET_ADMIN in the user namespace owning the
 * network namespace (GENL_UNS_ADMIN_PERM), and so does joining the events
 * group, whose completions at B carry the session key. Policies are per
 * operation and strict: an operation accepts only the attributes it
 * uses, each of its exact length or range, and every refusal says in the
 * extended ACK which attribute was wrong and why. Secrets the requests
 * carry are wiped from the request once used; dumps never contain any.
 */
#include <linux/rcupdate.h>
#include <linux/string.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/sock.h>

#include <m2mkx/merkle.h>

#include "instance.h"
#include "netlink.h"

static struct genl_family m2mkx_genl_family;

/*
 * Whether events may be sent: the receive and timer works of an instance
 * run until its namespace (or the module) goes, which is after the family
 * is unregistered at module exit. An event must not go out on a family id
 * that is no longer ours.
 */
static bool m2mkx_events_on;

/* Nested: a client A (id, pairwise key). */
static const struct nla_policy neighbor_policy[M2MKX_PEER_A_MAX + 1] = {
	[M2MKX_PEER_A_ID] = NLA_POLICY_EXACT_LEN(M2MKX_NODE_ID_LEN),
	[M2MKX_PEER_A_KEY] = NLA_POLICY_EXACT_LEN(M2MKX_PAIRWISE_KEY_LEN),
};

/* Nested: a server B (id, static public key). */
static const struct nla_policy server_policy[M2MKX_PEER_A_MAX + 1] = {
	[M2MKX_PEER_A_ID] = NLA_POLICY_EXACT_LEN(M2MKX_NODE_ID_LEN),
	[M2MKX_PEER_A_PUBLIC_KEY] = NLA_POLICY_EXACT_LEN(M2MKX_X25519_KEY_LEN),
};

/* Nested: a peer to delete, by id. */
static const struct nla_policy peer_id_policy[M2MKX_PEER_A_MAX + 1] = {
	[M2MKX_PEER_A_ID] = NLA_POLICY_EXACT_LEN(M2MKX_NODE_ID_LEN),
};

static const struct nla_policy material_policy[M2MKX_MATERIAL_A_MAX + 1] = {
	[M2MKX_MATERIAL_A_LEAF] = NLA_POLICY_MAX(NLA_U8, M2MKX_MAX_PROXIES - 1),
	[M2MKX_MATERIAL_A_SEED] = NLA_POLICY_EXACT_LEN(M2MKX_OTS_SEED_LEN),
	[M2MKX_MATERIAL_A_ROOT_INFO] =
		NLA_POLICY_RANGE(NLA_BINARY, M2MKX_ROOT_INFO_LEN(1),
				 M2MKX_ROOT_INFO_LEN(M2MKX_ROOT_SIG_MAX_LEN)),
	[M2MKX_MATERIAL_A_PATH] =
		NLA_POLICY_RANGE(NLA_BINARY, 0,
				 M2MKX_MERKLE_MAX_HEIGHT * M2MKX_OTS_HASH_LEN),
};

static struct netlink_range_validation max_sessions_range = {
	.min = 1,
	.max = M2MKX_MAX_MAX_SESSIONS,
};

static struct netlink_range_validation share_window_range = {
	.max = M2MKX_MAX_SHARE_WINDOW_MS,
};

static const struct nla_policy set_instance_policy[M2MKX_A_MAX + 1] = {
	[M2MKX_A_ROLES] =
		NLA_POLICY_MASK(NLA_U32, M2MKX_ROLE_SERVER | M2MKX_ROLE_PROXY),
	[M2MKX_A_PORT] = { .type = NLA_U16 },
	[M2MKX_A_NODE_ID] = NLA_POLICY_EXACT_LEN(M2MKX_NODE_ID_LEN),
	[M2MKX_A_SERVER_PRIVATE_KEY] =
		NLA_POLICY_EXACT_LEN(M2MKX_X25519_KEY_LEN),
	[M2MKX_A_TRUST_KEYRING] = { .type = NLA_S32 },
	[M2MKX_A_MAX_SESSIONS] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &max_sessions_range),
	[M2MKX_A_MAX_PROXIES] = NLA_POLICY_RANGE(NLA_U8, 1, M2MKX_MAX_PROXIES),
	[M2MKX_A_MIN_THRESHOLD] =
		NLA_POLICY_RANGE(NLA_U8, 1, M2MKX_MAX_PROXIES),
	[M2MKX_A_POLICY] =
		NLA_POLICY_MASK(NLA_U32, M2MKX_POLICY_ALLOW_DISPERSAL |
					 M2MKX_POLICY_ALLOW_LAMPORT),
	[M2MKX_A_SHARE_WINDOW_MS] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &share_window_range),
};

static const struct nla_policy add_neighbor_policy[M2MKX_A_MAX + 1] = {
	[M2MKX_A_PEER] = NLA_POLICY_NESTED(neighbor_policy),
};

static const struct nla_policy add_server_policy[M2MKX_A_MAX + 1] = {
	[M2MKX_A_PEER] = NLA_POLICY_NESTED(server_policy),
};

static const struct nla_policy del_peer_policy[M2MKX_A_MAX + 1] = {
	[M2MKX_A_PEER] = NLA_POLICY_NESTED(peer_id_policy),
};

static const struct nla_policy install_policy[M2MKX_A_MAX + 1] = {
	[M2MKX_A_MATERIAL] = NLA_POLICY_NESTED(material_policy),
};

static struct m2mkx_net *info_net(struct genl_info *info)
{
	return m2mkx_net(genl_info_net(info));
}

static bool all_zero(const void *p, size_t len)
{
	return !memchr_inv(p, 0, len);
}

static void wipe_attr(struct nlattr *attr)
{
	if (attr)
		memzero_explicit(nla_data(attr), nla_len(attr));
}

static int m2mkx_nl_get_instance(struct sk_buff *skb, struct genl_info *info)
{
	struct m2mkx_net *mn = info_net(info);
	struct sk_buff *msg;
	void *hdr;
	int ret = -EMSGSIZE;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &m2mkx_genl_family, 0,
				M2MKX_CMD_GET_INSTANCE);
	if (!hdr)
		goto err;

	mutex_lock(&mn->lock);
	if (nla_put_u32(msg, M2MKX_A_ROLES, mn->roles) ||
	    nla_put_u16(msg, M2MKX_A_PORT, mn->sock.port) ||
	    nla_put_u32(msg, M2MKX_A_MAX_SESSIONS, mn->max_sessions) ||
	    nla_put_u8(msg, M2MKX_A_MAX_PROXIES, mn->server.max_n) ||
	    nla_put_u8(msg, M2MKX_A_MIN_THRESHOLD, mn->server.min_k) ||
	    nla_put_u32(msg, M2MKX_A_POLICY, mn->policy) ||
	    nla_put_u32(msg, M2MKX_A_SHARE_WINDOW_MS,
			mn->server.timing.share_window_ms) ||
	    nla_put_u64_64bit(msg, M2MKX_A_SERVER_BUSY_NS,
			      mn->server_busy_ns, M2MKX_A_PAD) ||
	    nla_put_u64_64bit(msg, M2MKX_A_SERVER_COMPLETED,
			      mn->server_completed, M2MKX_A_PAD) ||
	    nla_put_u64_64bit(msg, M2MKX_A_SERVER_TX_NS,
			      mn->server_tx_ns, M2MKX_A_PAD) ||
	    (mn->have_id &&
	     nla_put(msg, M2MKX_A_NODE_ID, M2MKX_NODE_ID_LEN,
		     mn->server.id)) ||
	    (mn->have_server_key &&
	     nla_put(msg, M2MKX_A_SERVER_PUBLIC_KEY, M2MKX_X25519_KEY_LEN,
		     mn->server.static_public)) ||
	    (mn->trust_serial &&
	     nla_put_s32(msg, M2MKX_A_TRUST_KEYRING, mn->trust_serial))) {
		mutex_unlock(&mn->lock);
		goto err;
	}
	mutex_unlock(&mn->lock);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err:
	nlmsg_free(msg);
	return ret;
}

static void change_from_attrs(struct nlattr **attrs,
			      struct m2mkx_instance_change *ch)
{
	if (attrs[M2MKX_A_ROLES]) {
		ch->what |= M2MKX_CHANGE_ROLES;
		ch->roles = nla_get_u32(attrs[M2MKX_A_ROLES]);
	}
	if (attrs[M2MKX_A_PORT]) {
		ch->what |= M2MKX_CHANGE_PORT;
		ch->port = nla_get_u16(attrs[M2MKX_A_PORT]);
	}
	if (attrs[M2MKX_A_NODE_ID]) {
		ch->what |= M2MKX_CHANGE_ID;
		nla_memcpy(ch->id, attrs[M2MKX_A_NODE_ID], sizeof(ch->id));
	}
	if (attrs[M2MKX_A_SERVER_PRIVATE_KEY]) {
		ch->what |= M2MKX_CHANGE_SERVER_KEY;
		nla_memcpy(ch->server_key, attrs[M2MKX_A_SERVER_PRIVATE_KEY],
			   sizeof(ch->server_key));
	}
	if (attrs[M2MKX_A_TRUST_KEYRING]) {
		ch->what |= M2MKX_CHANGE_TRUST;
		ch->trust_serial = nla_get_s32(attrs[M2MKX_A_TRUST_KEYRING]);
	}
	if (attrs[M2MKX_A_MAX_SESSIONS]) {
		ch->what |= M2MKX_CHANGE_MAX_SESSIONS;
		ch->max_sessions = nla_get_u32(attrs[M2MKX_A_MAX_SESSIONS]);
	}
	if (attrs[M2MKX_A_MAX_PROXIES]) {
		ch->what |= M2MKX_CHANGE_MAX_PROXIES;
		ch->max_proxies = nla_get_u8(attrs[M2MKX_A_MAX_PROXIES]);
	}
	if (attrs[M2MKX_A_MIN_THRESHOLD]) {
		ch->what |= M2MKX_CHANGE_MIN_THRESHOLD;
		ch->min_threshold = nla_get_u8(attrs[M2MKX_A_MIN_THRESHOLD]);
	}
	if (attrs[M2MKX_A_POLICY]) {
		ch->what |= M2MKX_CHANGE_POLICY;
		ch->policy = nla_get_u32(attrs[M2MKX_A_POLICY]);
	}
	if (attrs[M2MKX_A_SHARE_WINDOW_MS]) {
		ch->what |= M2MKX_CHANGE_SHARE_WINDOW;
		ch->share_window_ms =
			nla_get_u32(attrs[M2MKX_A_SHARE_WINDOW_MS]);
	}
}

/* Checks @ch against itself and what it leaves unchanged; under the lock. */
static int check_change(struct m2mkx_net *mn,
			const struct m2mkx_instance_change *ch,
			struct genl_info *info)
{
	struct nlattr *roles_attr = info->attrs[M2MKX_A_ROLES];
	u32 roles = ch->what & M2MKX_CHANGE_ROLES ? ch->roles : mn->roles;
	u8 max_n, min_k;

	if (roles && !(ch->what & M2MKX_CHANGE_ID) && !mn->have_id) {
		NL_SET_ERR_MSG_ATTR(info->extack, roles_attr,
				    "a role needs the node id: set M2MKX_A_NODE_ID first or with it");
		return -EINVAL;
	}
	if (roles & M2MKX_ROLE_SERVER &&
	    !(ch->what & M2MKX_CHANGE_SERVER_KEY) && !mn->have_server_key) {
		NL_SET_ERR_MSG_ATTR(info->extack, roles_attr,
				    "the server role needs M2MKX_A_SERVER_PRIVATE_KEY first or with it");
		return -EINVAL;
	}
	max_n = ch->what & M2MKX_CHANGE_MAX_PROXIES ? ch->max_proxies :
						      mn->server.max_n;
	min_k = ch->what & M2MKX_CHANGE_MIN_THRESHOLD ? ch->min_threshold :
							mn->server.min_k;
	if (min_k > max_n) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[M2MKX_A_MIN_THRESHOLD] ?:
				    info->attrs[M2MKX_A_MAX_PROXIES],
				    "M2MKX_A_MIN_THRESHOLD is above M2MKX_A_MAX_PROXIES: no handshake could be accepted");
		return -EINVAL;
	}
	return 0;
}

static int m2mkx_nl_set_instance(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *key_attr = info->attrs[M2MKX_A_SERVER_PRIVATE_KEY];
	struct m2mkx_net *mn = info_net(info);
	struct m2mkx_instance_change ch = {};
	u32 bad = 0;
	int ret;

	change_from_attrs(info->attrs, &ch);
	if (key_attr && all_zero(ch.server_key, sizeof(ch.server_key))) {
		NL_SET_ERR_MSG_ATTR(info->extack, key_attr,
				    "the server private key is all zeros");
		ret = -EINVAL;
		goto out;
	}

	mutex_lock(&mn->lock);
	ret = check_change(mn, &ch, info);
	if (!ret)
		ret = m2mkx_instance_apply(mn, &ch, &bad);
	mutex_unlock(&mn->lock);

	switch (ret ? bad : 0) {
	case M2MKX_CHANGE_PORT:
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[M2MKX_A_PORT],
				    "cannot bind this UDP port: is it in use?");
		break;
	case M2MKX_CHANGE_TRUST:
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[M2MKX_A_TRUST_KEYRING],
				    "cannot use this keyring for T's keys: does it exist, and may you search it?");
		break;
	case M2MKX_CHANGE_SERVER_KEY:
		NL_SET_ERR_MSG_ATTR(info->extack, key_attr,
				    "unusable X25519 private key");
		break;
	}
out:
	memzero_explicit(&ch, sizeof(ch));
	wipe_attr(key_attr);
	return ret;
}

/* Parses the M2MKX_A_PEER nest of a peer command, which must be there. */
static int parse_peer(struct genl_info *info, struct nlattr **tb,
		      const struct nla_policy *policy)
{
	if (GENL_REQ_ATTR_CHECK(info, M2MKX_A_PEER)) {
		NL_SET_ERR_MSG(info->extack, "missing M2MKX_A_PEER");
		return -EINVAL;
	}
	return nla_parse_nested(tb, M2MKX_PEER_A_MAX,
				info->attrs[M2MKX_A_PEER], policy,
				info->extack);
}

#define NEED_PEER_ATTR(info, tb, type, msg)				\
	({								\
		struct genl_info *__info = (info);			\
		bool __missing;						\
									\
		__missing = NL_REQ_ATTR_CHECK(__info->extack,		\
					      __info->attrs[M2MKX_A_PEER], \
					      (tb), (type));		\
		if (__missing)						\
			NL_SET_ERR_MSG(__info->extack, msg);		\
		__missing;						\
	})

static int peer_errno(struct genl_info *info, int ret)
{
	switch (ret) {
	case -ENOSPC:
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[M2MKX_A_PEER],
				    "too many peers of this kind: delete some first");
		break;
	case -ENOENT:
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[M2MKX_A_PEER],
				    "no peer of this kind with this id");
		break;
	}
	return ret;
}

static int m2mkx_nl_add_neighbor(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[M2MKX_PEER_A_MAX + 1];
	struct m2mkx_net *mn = info_net(info);
	int ret;

	ret = parse_peer(info, tb, neighbor_policy);
	if (ret)
		goto out;
	if (NEED_PEER_ATTR(info, tb, M2MKX_PEER_A_ID,
			   "a neighbour needs M2MKX_PEER_A_ID") ||
	    NEED_PEER_ATTR(info, tb, M2MKX_PEER_A_KEY,
			   "a neighbour needs its pairwise key, M2MKX_PEER_A_KEY")) {
		ret = -EINVAL;
		goto out;
	}
	if (all_zero(nla_data(tb[M2MKX_PEER_A_KEY]), M2MKX_PAIRWISE_KEY_LEN)) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[M2MKX_PEER_A_KEY],
				    "the pairwise key is all zeros");
		ret = -EINVAL;
		goto out;
	}
	mutex_lock(&mn->lock);
	ret = m2mkx_peers_neighbor_set(&mn->peers,
				       nla_data(tb[M2MKX_PEER_A_ID]),
				       nla_data(tb[M2MKX_PEER_A_KEY]));
	mutex_unlock(&mn->lock);
	ret = peer_errno(info, ret);
out:
	/* An error ACK echoes the request: let it echo no key. */
	wipe_attr(info->attrs[M2MKX_A_PEER]);
	return ret;
}

static int m2mkx_nl_del_neighbor(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[M2MKX_PEER_A_MAX + 1];
	struct m2mkx_net *mn = info_net(info);
	int ret;

	ret = parse_peer(info, tb, peer_id_policy);
	if (ret)
		return ret;
	if (NEED_PEER_ATTR(info, tb, M2MKX_PEER_A_ID,
			   "which neighbour? M2MKX_PEER_A_ID is missing"))
		return -EINVAL;
	mutex_lock(&mn->lock);
	ret = m2mkx_peers_neighbor_del(&mn->peers,
				       nla_data(tb[M2MKX_PEER_A_ID]));
	mutex_unlock(&mn->lock);
	return peer_errno(info, ret);
}

static int m2mkx_nl_add_server(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[M2MKX_PEER_A_MAX + 1];
	struct m2mkx_net *mn = info_net(info);
	int ret;

	ret = parse_peer(info, tb, server_policy);
	if (ret)
		return ret;
	if (NEED_PEER_ATTR(info, tb, M2MKX_PEER_A_ID,
			   "a server needs M2MKX_PEER_A_ID") ||
	    NEED_PEER_ATTR(info, tb, M2MKX_PEER_A_PUBLIC_KEY,
			   "a server needs its X25519 key, M2MKX_PEER_A_PUBLIC_KEY"))
		return -EINVAL;
	if (all_zero(nla_data(tb[M2MKX_PEER_A_PUBLIC_KEY]),
		     M2MKX_X25519_KEY_LEN)) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[M2MKX_PEER_A_PUBLIC_KEY],
				    "the server public key is all zeros");
		return -EINVAL;
	}
	mutex_lock(&mn->lock);
	ret = m2mkx_peers_server_set(&mn->peers, nla_data(tb[M2MKX_PEER_A_ID]),
				     nla_data(tb[M2MKX_PEER_A_PUBLIC_KEY]));
	mutex_unlock(&mn->lock);
	return peer_errno(info, ret);
}

static int m2mkx_nl_del_server(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[M2MKX_PEER_A_MAX + 1];
	struct m2mkx_net *mn = info_net(info);
	int ret;

	ret = parse_peer(info, tb, peer_id_policy);
	if (ret)
		return ret;
	if (NEED_PEER_ATTR(info, tb, M2MKX_PEER_A_ID,
			   "which server? M2MKX_PEER_A_ID is missing"))
		return -EINVAL;
	mutex_lock(&mn->lock);
	ret = m2mkx_peers_server_del(&mn->peers, nla_data(tb[M2MKX_PEER_A_ID]));
	mutex_unlock(&mn->lock);
	return peer_errno(info, ret);
}

#define NEED_MATERIAL_ATTR(info, tb, type, msg)				\
	({								\
		struct genl_info *__info = (info);			\
		bool __missing;						\
									\
		__missing = NL_REQ_ATTR_CHECK(__info->extack,		\
					      __info->attrs[M2MKX_A_MATERIAL], \
					      (tb), (type));		\
		if (__missing)						\
			NL_SET_ERR_MSG(__info->extack, msg);		\
		__missing;						\
	})

/* Builds the core's view of the material from the checked attributes. */
static int parse_material(struct genl_info *info, struct nlattr **tb,
			  struct m2mkx_key_material *m)
{
	struct nlattr *root = tb[M2MKX_MATERIAL_A_ROOT_INFO];
	struct nlattr *path = tb[M2MKX_MATERIAL_A_PATH];
	size_t used;

	if (NEED_MATERIAL_ATTR(info, tb, M2MKX_MATERIAL_A_LEAF,
			       "material needs the leaf index, M2MKX_MATERIAL_A_LEAF") ||
	    NEED_MATERIAL_ATTR(info, tb, M2MKX_MATERIAL_A_SEED,
			       "material needs the one-time key seed, M2MKX_MATERIAL_A_SEED") ||
	    NEED_MATERIAL_ATTR(info, tb, M2MKX_MATERIAL_A_ROOT_INFO,
			       "material needs T's signed root, M2MKX_MATERIAL_A_ROOT_INFO"))
		return -EINVAL;

	if (m2mkx_root_info_parse(nla_data(root), nla_len(root), &m->root,
				  &used)) {
		NL_SET_ERR_MSG_ATTR(info->extack, root,
				    "malformed root info (field ranges, signature length)");
		return -EINVAL;
	}
	if (used != nla_len(root)) {
		NL_SET_ERR_MSG_ATTR(info->extack, root,
				    "root info longer than its signature length says");
		return -EINVAL;
	}
	m->q = nla_get_u8(tb[M2MKX_MATERIAL_A_LEAF]);
	if (m->q >= m->root.params.n) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[M2MKX_MATERIAL_A_LEAF],
				    "leaf index is not below the root's n");
		return -EINVAL;
	}
	m->height = m2mkx_merkle_height(m->root.params.n);
	if ((path ? nla_len(path) : 0) != m->height * M2MKX_OTS_HASH_LEN) {
		NL_SET_ERR_MSG_ATTR(info->extack, path ?: root,
				    "the path must hold 32 bytes per level of a tree with the root's n leaves");
		return -EINVAL;
	}
	m->path = path ? nla_data(path) : NULL;
	nla_memcpy(m->seed, tb[M2MKX_MATERIAL_A_SEED], sizeof(m->seed));
	return 0;
}

static int m2mkx_nl_install_material(struct sk_buff *skb,
				     struct genl_info *info)
{
	struct nlattr *tb[M2MKX_MATERIAL_A_MAX + 1] = {};
	struct nlattr *nest = info->attrs[M2MKX_A_MATERIAL];
	struct m2mkx_net *mn = info_net(info);
	struct m2mkx_key_material m = {};
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, M2MKX_A_MATERIAL)) {
		NL_SET_ERR_MSG(info->extack, "missing M2MKX_A_MATERIAL");
		return -EINVAL;
	}
	ret = nla_parse_nested(tb, M2MKX_MATERIAL_A_MAX, nest,
			       material_policy, info->extack);
	if (!ret)
		ret = parse_material(info, tb, &m);
	if (ret)
		goto out;

	mutex_lock(&mn->lock);
	if (!(mn->roles & M2MKX_ROLE_PROXY)) {
		mutex_unlock(&mn->lock);
		NL_SET_ERR_MSG_ATTR(info->extack, nest,
				    "the proxy role is off: enable it with M2MKX_CMD_SET_INSTANCE");
		ret = -EOPNOTSUPP;
		goto out;
	}
	ret = m2mkx_sessions_install(mn, &m);
	mutex_unlock(&mn->lock);

	switch (-ret) {
	case 0:
		break;
	case M2MKX_EMATERIAL:
		NL_SET_ERR_MSG_ATTR(info->extack, nest,
				    "this session already has key material");
		ret = -EEXIST;
		break;
	case M2MKX_EFULL:
		NL_SET_ERR_MSG_ATTR(info->extack, nest,
				    "the proxy session table is full");
		ret = -ENOSPC;
		break;
	case M2MKX_PATH_NO_MEMORY:
		ret = -ENOMEM;
		break;
	case M2MKX_ENOSESSION:
		NL_SET_ERR_MSG_ATTR(info->extack, nest,
				    "the session id is in use by another client's share");
		ret = -EBUSY;
		break;
	case M2MKX_ENOPEER:
		NL_SET_ERR_MSG_ATTR(info->extack, nest,
				    "installed, but the root's server B is not configured (M2MKX_CMD_ADD_SERVER): the session failed");
		ret = -ENOENT;
		break;
	case M2MKX_EPARAMS:
		NL_SET_ERR_MSG_ATTR(info->extack, nest,
				    "installed, but the client's share disagrees with it (leaf, B or share length): the session failed");
		ret = -EINVAL;
		break;
	case M2MKX_EOTSUSED:
		NL_SET_ERR_MSG_ATTR(info->extack, nest,
				    "unusable one-time key");
		ret = -EINVAL;
		break;
	default:
		NL_SET_ERR_MSG_ATTR(info->extack, nest,
				    "the proxy role refused the material");
		ret = -EINVAL;
		break;
	}
out:
	memzero_explicit(&m.seed, sizeof(m.seed));
	wipe_attr(tb[M2MKX_MATERIAL_A_SEED]);
	return ret;
}

/* The message head of one dump entry. */
static void *dump_put(struct sk_buff *skb, struct netlink_callback *cb,
		      u8 cmd)
{
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &m2mkx_genl_family, NLM_F_MULTI, cmd);
	if (hdr)
		genl_dump_check_consistent(cb, hdr);
	return hdr;
}

static int put_server_session(struct sk_buff *skb, struct m2mkx_net *mn,
			      const struct m2mkx_server_session *s, u64 now)
{
	u8 ids[M2MKX_MAX_PROXIES * M2MKX_PROXY_ID_LEN] = {};
	u8 verdicts[M2MKX_MAX_PROXIES];
	unsigned int q, n = s->params.n;

	for (q = 0; q < n; q++) {
		const struct m2mkx_server_proxy *p = &s->proxies[q];

		if (p->state != M2MKX_SP_NONE)
			m2mkx_proxy_id(ids + q * M2MKX_PROXY_ID_LEN, p->k);
		verdicts[q] = p->state == M2MKX_SP_NONE ?
			      M2MKX_VERDICT_ABSENT : p->verdict;
	}
	if (nla_put_u32(skb, M2MKX_SESSION_A_ROLE, M2MKX_ROLE_SERVER) ||
	    nla_put(skb, M2MKX_SESSION_A_ID, M2MKX_SESSION_LEN, s->session) ||
	    nla_put(skb, M2MKX_SESSION_A_CLIENT, M2MKX_ID_LEN, s->a) ||
	    nla_put(skb, M2MKX_SESSION_A_SERVER, M2MKX_ID_LEN, mn->server.id) ||
	    nla_put_u32(skb, M2MKX_SESSION_A_STATE, s->state) ||
	    nla_put_u64_64bit(skb, M2MKX_SESSION_A_AGE_MS, now - s->created,
			      M2MKX_SESSION_A_PAD) ||
	    nla_put_u8(skb, M2MKX_SESSION_A_PROXIES, n) ||
	    (n && (nla_put(skb, M2MKX_SESSION_A_PROXY_IDS,
			   n * M2MKX_PROXY_ID_LEN, ids) ||
		   nla_put(skb, M2MKX_SESSION_A_VERDICTS, n, verdicts))) ||
	    (s->state == M2MKX_SERVER_FAILED &&
	     nla_put_u32(skb, M2MKX_SESSION_A_REASON, -s->reason)))
		return -EMSGSIZE;
	return 0;
}

static int put_proxy_session(struct sk_buff *skb,
			     const struct m2mkx_proxy_entry *e, u64 now)
{
	const struct m2mkx_proxy_session *s = &e->s;
	/* Until T's material names B, the B that A's SHARES named. */
	const u8 *b = s->have_material ? s->b : s->shares_b;

	if (nla_put_u32(skb, M2MKX_SESSION_A_ROLE, M2MKX_ROLE_PROXY) ||
	    nla_put(skb, M2MKX_SESSION_A_ID, M2MKX_SESSION_LEN, s->session) ||
	    nla_put(skb, M2MKX_SESSION_A_CLIENT, M2MKX_ID_LEN, s->a) ||
	    nla_put(skb, M2MKX_SESSION_A_SERVER, M2MKX_ID_LEN, b) ||
	    nla_put_u32(skb, M2MKX_SESSION_A_STATE, s->state) ||
	    nla_put_u64_64bit(skb, M2MKX_SESSION_A_AGE_MS, now - e->created,
			      M2MKX_SESSION_A_PAD) ||
	    (s->have_material &&
	     nla_put_u8(skb, M2MKX_SESSION_A_PROXIES, s->params.n)) ||
	    (s->state == M2MKX_PROXY_FAILED &&
	     nla_put_u32(skb, M2MKX_SESSION_A_REASON, -s->reason)))
		return -EMSGSIZE;
	return 0;
}

static int dump_session(struct sk_buff *skb, struct netlink_callback *cb,
			struct m2mkx_net *mn, unsigned int role,
			struct hlist_node *node, u64 now)
{
	struct nlattr *nest;
	void *hdr;
	int ret;

	hdr = dump_put(skb, cb, M2MKX_CMD_GET_SESSIONS);
	if (!hdr)
		return -EMSGSIZE;
	nest = nla_nest_start(skb, M2MKX_A_SESSION);
	if (!nest)
		goto cancel;
	if (role == 0)
		ret = put_server_session(skb, mn,
					 &hlist_entry(node,
						      struct m2mkx_server_entry,
						      node)->s, now);
	else
		ret = put_proxy_session(skb,
					hlist_entry(node,
						    struct m2mkx_proxy_entry,
						    node), now);
	if (ret)
		goto cancel;
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;
cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/*
 * Sessions, server table first. The cursor is (table, bucket, position
 * in the bucket); the instance mutex is dropped between calls, so the
 * tables' generation marks a dump that raced with changes.
 */
static int m2mkx_nl_get_sessions(struct sk_buff *skb,
				 struct netlink_callback *cb)
{
	struct m2mkx_net *mn = m2mkx_net(sock_net(skb->sk));
	unsigned long role = cb->args[0], b = cb->args[1], skip = cb->args[2];
	unsigned long pos = 0;
	struct hlist_node *node;
	u64 now;

	mutex_lock(&mn->lock);
	cb->seq = mn->sessions.generation;
	now = m2mkx_now_ms();
	for (; role < 2; role++, b = 0, skip = 0) {
		struct m2mkx_table *t = role ? &mn->sessions.proxy :
					       &mn->sessions.server;

		if (!t->buckets)
			continue;
		for (; b < M2MKX_SESSION_BUCKETS; b++, skip = 0) {
			pos = 0;
			hlist_for_each(node, &t->buckets[b]) {
				if (pos++ < skip)
					continue;
				if (dump_session(skb, cb, mn, role, node, now)) {
					pos--;
					goto out;
				}
			}
		}
	}
	pos = 0;
out:
	mutex_unlock(&mn->lock);
	cb->args[0] = role;
	cb->args[1] = b;
	cb->args[2] = pos;
	return skb->len;
}

static int dump_counter(struct sk_buff *skb, struct netlink_callback *cb,
			struct m2mkx_net *mn, enum m2mkx_counter_role role,
			unsigned int i)
{
	unsigned int reason = m2mkx_counter_reason(i);
	struct nlattr *nest;
	void *hdr;

	hdr = dump_put(skb, cb, M2MKX_CMD_GET_COUNTERS);
	if (!hdr)
		return -EMSGSIZE;
	nest = nla_nest_start(skb, M2MKX_A_COUNTER);
	if (!nest ||
	    nla_put_u32(skb, M2MKX_COUNTER_A_ROLE,
			m2mkx_counter_role_bit(role)) ||
	    nla_put_u32(skb, M2MKX_COUNTER_A_REASON, reason) ||
	    nla_put_string(skb, M2MKX_COUNTER_A_NAME,
			   m2mkx_reason_name(reason)) ||
	    nla_put_u64_64bit(skb, M2MKX_COUNTER_A_VALUE,
			      m2mkx_counter_read(&mn->counters, role, i),
			      M2MKX_COUNTER_A_PAD)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;
}

/* Every counter, zeros too: a missing one would be ambiguous. */
static int m2mkx_nl_get_counters(struct sk_buff *skb,
				 struct netlink_callback *cb)
{
	struct m2mkx_net *mn = m2mkx_net(sock_net(skb->sk));
	unsigned long k;

	for (k = cb->args[0]; k < M2MKX_CTR_ROLES * M2MKX_CTR_REASONS; k++)
		if (dump_counter(skb, cb, mn, k / M2MKX_CTR_REASONS,
				 k % M2MKX_CTR_REASONS))
			break;
	cb->args[0] = k;
	return skb->len;
}

static int dump_peer(struct sk_buff *skb, struct netlink_callback *cb,
		     u32 kind, const u8 *id, const u8 *public_key)
{
	struct nlattr *nest;
	void *hdr;

	hdr = dump_put(skb, cb, M2MKX_CMD_GET_PEERS);
	if (!hdr)
		return -EMSGSIZE;
	nest = nla_nest_start(skb, M2MKX_A_PEER);
	if (!nest ||
	    nla_put_u32(skb, M2MKX_PEER_A_KIND, kind) ||
	    nla_put(skb, M2MKX_PEER_A_ID, M2MKX_NODE_ID_LEN, id) ||
	    (public_key &&
	     nla_put(skb, M2MKX_PEER_A_PUBLIC_KEY, M2MKX_X25519_KEY_LEN,
		     public_key))) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;
}

/*
 * Neighbours (ids only: their keys are secret), then servers (ids and
 * public keys). The cursor is (bucket, position); the servers are bucket
 * ARRAY_SIZE(neighbors).
 */
static int m2mkx_nl_get_peers(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct m2mkx_net *mn = m2mkx_net(sock_net(skb->sk));
	struct m2mkx_peers *p = &mn->peers;
	unsigned long b = cb->args[0], skip = cb->args[1], pos = 0;
	const unsigned long nb = ARRAY_SIZE(p->neighbors);
	struct m2mkx_server_peer *s;
	struct m2mkx_neighbor *n;

	mutex_lock(&mn->lock);
	cb->seq = p->generation;
	for (; b < nb; b++, skip = 0) {
		pos = 0;
		hlist_for_each_entry(n, &p->neighbors[b], node) {
			if (pos++ < skip)
				continue;
			if (dump_peer(skb, cb, M2MKX_PEER_NEIGHBOR, n->id,
				      NULL)) {
				pos--;
				goto out;
			}
		}
	}
	if (b == nb) {
		pos = 0;
		hlist_for_each_entry(s, &p->servers, node) {
			if (pos++ < skip)
				continue;
			if (dump_peer(skb, cb, M2MKX_PEER_SERVER, s->id,
				      s->public_key)) {
				pos--;
				goto out;
			}
		}
		b++;
	}
	pos = 0;
out:
	mutex_unlock(&mn->lock);
	cb->args[0] = b;
	cb->args[1] = pos;
	return skb->len;
}

static const struct genl_ops m2mkx_genl_ops[] = {
	{
		.cmd = M2MKX_CMD_GET_INSTANCE,
		.doit = m2mkx_nl_get_instance,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = M2MKX_CMD_SET_INSTANCE,
		.doit = m2mkx_nl_set_instance,
		.policy = set_instance_policy,
		.maxattr = M2MKX_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = M2MKX_CMD_ADD_NEIGHBOR,
		.doit = m2mkx_nl_add_neighbor,
		.policy = add_neighbor_policy,
		.maxattr = M2MKX_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = M2MKX_CMD_DEL_NEIGHBOR,
		.doit = m2mkx_nl_del_neighbor,
		.policy = del_peer_policy,
		.maxattr = M2MKX_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = M2MKX_CMD_ADD_SERVER,
		.doit = m2mkx_nl_add_server,
		.policy = add_server_policy,
		.maxattr = M2MKX_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = M2MKX_CMD_DEL_SERVER,
		.doit = m2mkx_nl_del_server,
		.policy = del_peer_policy,
		.maxattr = M2MKX_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = M2MKX_CMD_INSTALL_MATERIAL,
		.doit = m2mkx_nl_install_material,
		.policy = install_policy,
		.maxattr = M2MKX_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = M2MKX_CMD_GET_SESSIONS,
		.dumpit = m2mkx_nl_get_sessions,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = M2MKX_CMD_GET_COUNTERS,
		.dumpit = m2mkx_nl_get_counters,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = M2MKX_CMD_GET_PEERS,
		.dumpit = m2mkx_nl_get_peers,
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

static const struct genl_multicast_group m2mkx_mcgrps[] = {
	/* Completions at B carry MK: administrators only. */
	{
		.name = M2MKX_GENL_MCGRP_EVENTS,
		.flags = GENL_MCAST_CAP_NET_ADMIN,
	},
};

static struct genl_family m2mkx_genl_family __ro_after_init = {
	.name = M2MKX_GENL_NAME,
	.version = M2MKX_GENL_VERSION,
	.module = THIS_MODULE,
	.netnsok = true,
	.ops = m2mkx_genl_ops,
	.n_ops = ARRAY_SIZE(m2mkx_genl_ops),
	.mcgrps = m2mkx_mcgrps,
	.n_mcgrps = ARRAY_SIZE(m2mkx_mcgrps),
};

static int put_event(struct sk_buff *skb, enum m2mkx_counter_role role,
		     const struct m2mkx_event *ev)
{
	struct nlattr *nest = nla_nest_start(skb, M2MKX_A_SESSION);

	if (!nest ||
	    nla_put_u32(skb, M2MKX_SESSION_A_ROLE,
			m2mkx_counter_role_bit(role)) ||
	    nla_put(skb, M2MKX_SESSION_A_ID, M2MKX_SESSION_LEN, ev->session) ||
	    nla_put(skb, M2MKX_SESSION_A_CLIENT, M2MKX_ID_LEN, ev->a) ||
	    nla_put(skb, M2MKX_SESSION_A_SERVER, M2MKX_ID_LEN, ev->b) ||
	    nla_put_u8(skb, M2MKX_SESSION_A_PROXIES, ev->n) ||
	    (ev->ids &&
	     nla_put(skb, M2MKX_SESSION_A_PROXY_IDS,
		     ev->n * M2MKX_PROXY_ID_LEN, ev->ids)) ||
	    (ev->verdicts &&
	     nla_put(skb, M2MKX_SESSION_A_VERDICTS, ev->n, ev->verdicts)) ||
	    (ev->type == M2MKX_EV_FAILED &&
	     nla_put_u32(skb, M2MKX_SESSION_A_REASON, ev->reason)) ||
	    (ev->mk && nla_put(skb, M2MKX_SESSION_A_MK, M2MKX_MK_LEN, ev->mk)))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* What put_event() puts, so that an event's skb is no larger. */
static size_t event_size(const struct m2mkx_event *ev)
{
	return nla_total_size(0) +			/* M2MKX_A_SESSION */
	       nla_total_size(sizeof(u32)) +		/* _ROLE */
	       nla_total_size(M2MKX_SESSION_LEN) +	/* _ID */
	       2 * nla_total_size(M2MKX_ID_LEN) +	/* _CLIENT, _SERVER */
	       nla_total_size(sizeof(u8)) +		/* _PROXIES */
	       (ev->ids ? nla_total_size(ev->n * M2MKX_PROXY_ID_LEN) : 0) +
	       (ev->verdicts ? nla_total_size(ev->n) : 0) +
	       (ev->type == M2MKX_EV_FAILED ?
		nla_total_size(sizeof(u32)) : 0) +	/* _REASON */
	       (ev->mk ? nla_total_size(M2MKX_MK_LEN) : 0);
}

void m2mkx_netlink_event(struct m2mkx_net *mn, enum m2mkx_counter_role role,
			 const struct m2mkx_event *ev)
{
	u8 cmd = ev->type == M2MKX_EV_COMPLETED ? M2MKX_CMD_EVENT_COMPLETED :
						  M2MKX_CMD_EVENT_FAILED;
	struct sk_buff *skb;
	void *hdr;

	lockdep_assert_held(&mn->lock);
	if (!genl_has_listeners(&m2mkx_genl_family, mn->net, 0))
		return;
	skb = genlmsg_new(event_size(ev), GFP_KERNEL);
	if (!skb)
		return;
	hdr = genlmsg_put(skb, 0, 0, &m2mkx_genl_family, 0, cmd);
	/* event_size() is what put_event() puts: not fitting is a bug. */
	if (WARN_ON_ONCE(!hdr || put_event(skb, role, ev))) {
		/* MK may be in there already. */
		memzero_explicit(skb->data, skb_headlen(skb));
		nlmsg_free(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	/*
	 * The receivers' copies, not ours, are what is left of MK once this
	 * returns: netlink consumes the skb.
	 */
	rcu_read_lock();
	if (READ_ONCE(m2mkx_events_on))
		genlmsg_multicast_netns(&m2mkx_genl_family, mn->net, skb, 0, 0,
					GFP_ATOMIC);
	else
		nlmsg_free(skb);
	rcu_read_unlock();
}

int __init m2mkx_genl_init(void)
{
	int ret;

	BUILD_BUG_ON(M2MKX_NODE_ID_LEN != M2MKX_ID_LEN);
	BUILD_BUG_ON(M2MKX_SESSION_ID_LEN != M2MKX_SESSION_LEN);
	BUILD_BUG_ON(M2MKX_PAIRWISE_KEY_LEN != M2MKX_AES128_KEY_LEN);
	BUILD_BUG_ON(M2MKX_X25519_KEY_LEN != M2MKX_X25519_LEN);
	BUILD_BUG_ON(M2MKX_ROLE_SERVER != 1 || M2MKX_ROLE_PROXY != 2);
	ret = genl_register_family(&m2mkx_genl_family);
	if (!ret)
		WRITE_ONCE(m2mkx_events_on, true);
	return ret;
}

void m2mkx_genl_exit(void)
{
	/* No event is on its way once the grace period is over. */
	WRITE_ONCE(m2mkx_events_on, false);
	synchronize_rcu();
	genl_unregister_family(&m2mkx_genl_family);
}
