// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family (kernel/m2mkx/netlink.c): every malformed
 * attribute of every command that takes attributes is refused with the
 * errno and extended ACK a user would see, and well-formed requests are
 * taken.
 *
 * Requests are real netlink messages, parsed with the operation's own
 * policy and strictness exactly as genetlink's doit path parses them, then
 * handed to the operation's doit with a genl_info for init_net, whose
 * instance the suite resets around each case. This file includes
 * netlink.c (as the in-tree MCTP tests do with their units) to reach the
 * family's static policies and operations; tests/kunit/Kbuild builds it in
 * place of netlink.o.
 */
#include "../../kernel/m2mkx/netlink.c"

#include <kunit/test.h>

#include <m2mkx/proxy.h>

#include "harness.h"
#include "vectors.h"

/* T's material for P1 from the transcript vector, opened as the agent does. */
struct nl_material {
	struct m2mkx_key_material m;
	const u8 *root;			/* the root info as it travels */
	size_t root_len;
	const u8 *b_pub;		/* B's static key, for ADD_SERVER */
	const u8 *p_id;			/* P1's node id */
	u8 pt[4096];
	/* Room to send the root info and path one byte longer. */
	u8 root_buf[M2MKX_ROOT_INFO_LEN(M2MKX_ROOT_SIG_MAX_LEN) + 1];
	u8 path_buf[(M2MKX_MERKLE_MAX_HEIGHT + 1) * M2MKX_OTS_HASH_LEN];
};

struct nl_req {
	struct sk_buff *skb;
	struct nlmsghdr *nlh;
	/* The attribute the extended ACK must name, if any. */
	const struct nlattr *bad;
	const struct nl_material *mat;
};

struct nl_case {
	const char *name;
	u8 cmd;
	/* The instance before the request, beyond the reset state. */
	void (*setup)(struct m2mkx_net *mn, const struct nl_material *mat);
	void (*build)(struct nl_req *r);
	int err;
	/* The extended ACK's message; NULL when there must be none. */
	const char *msg;
	/* For a missing attribute: the type the ACK reports missing. */
	u16 miss_type;
};

static struct nlattr *put(struct nl_req *r, int type, size_t len,
			  const void *data)
{
	struct nlattr *a = nla_reserve(r->skb, type, len);

	if (a)
		memcpy(nla_data(a), data, len);
	return a;
}

static struct nlattr *put_u8(struct nl_req *r, int type, u8 v)
{
	return put(r, type, sizeof(v), &v);
}

static struct nlattr *put_u32(struct nl_req *r, int type, u32 v)
{
	return put(r, type, sizeof(v), &v);
}

static struct nlattr *put_fill(struct nl_req *r, int type, size_t len, u8 v)
{
	u8 buf[64];

	memset(buf, v, sizeof(buf));
	return put(r, type, min(len, sizeof(buf)), buf);
}

#define ID_LEN M2MKX_NODE_ID_LEN
#define KEY_LEN M2MKX_X25519_KEY_LEN

/* ---- SET_INSTANCE ---- */

static void si_short_id(struct nl_req *r)
{
	r->bad = put_fill(r, M2MKX_A_NODE_ID, ID_LEN - 1, 1);
}

static void si_long_key(struct nl_req *r)
{
	r->bad = put_fill(r, M2MKX_A_SERVER_PRIVATE_KEY, KEY_LEN + 1, 1);
}

static void si_unknown_role(struct nl_req *r)
{
	put_fill(r, M2MKX_A_NODE_ID, ID_LEN, 1);
	r->bad = put_u32(r, M2MKX_A_ROLES, M2MKX_ROLE_PROXY << 1);
}

static void si_wide_port(struct nl_req *r)
{
	r->bad = put_u32(r, M2MKX_A_PORT, 4000);
}

static void si_narrow_keyring(struct nl_req *r)
{
	r->bad = put_fill(r, M2MKX_A_TRUST_KEYRING, 2, 1);
}

static void si_zero_sessions(struct nl_req *r)
{
	r->bad = put_u32(r, M2MKX_A_MAX_SESSIONS, 0);
}

static void si_too_many_sessions(struct nl_req *r)
{
	r->bad = put_u32(r, M2MKX_A_MAX_SESSIONS, M2MKX_MAX_MAX_SESSIONS + 1);
}

static void si_zero_proxies(struct nl_req *r)
{
	r->bad = put_u8(r, M2MKX_A_MAX_PROXIES, 0);
}

static void si_too_many_proxies(struct nl_req *r)
{
	r->bad = put_u8(r, M2MKX_A_MAX_PROXIES, M2MKX_MAX_PROXIES + 1);
}

static void si_zero_threshold(struct nl_req *r)
{
	r->bad = put_u8(r, M2MKX_A_MIN_THRESHOLD, 0);
}

static void si_long_share_window(struct nl_req *r)
{
	r->bad = put_u32(r, M2MKX_A_SHARE_WINDOW_MS,
			 M2MKX_MAX_SHARE_WINDOW_MS + 1);
}

static void si_unknown_policy(struct nl_req *r)
{
	r->bad = put_u32(r, M2MKX_A_POLICY, M2MKX_POLICY_ALLOW_LAMPORT << 4);
}

static void si_foreign_attr(struct nl_req *r)
{
	r->bad = put_fill(r, M2MKX_A_SERVER_PUBLIC_KEY, KEY_LEN, 1);
}

static void si_beyond_max(struct nl_req *r)
{
	r->bad = put_u32(r, M2MKX_A_MAX + 1, 0);
}

static void si_zero_key(struct nl_req *r)
{
	r->bad = put_fill(r, M2MKX_A_SERVER_PRIVATE_KEY, KEY_LEN, 0);
}

static void si_role_without_id(struct nl_req *r)
{
	r->bad = put_u32(r, M2MKX_A_ROLES, M2MKX_ROLE_PROXY);
}

static void si_server_without_key(struct nl_req *r)
{
	put_fill(r, M2MKX_A_NODE_ID, ID_LEN, 1);
	r->bad = put_u32(r, M2MKX_A_ROLES, M2MKX_ROLE_SERVER);
}

static void si_threshold_above_n(struct nl_req *r)
{
	put_u8(r, M2MKX_A_MAX_PROXIES, 3);
	r->bad = put_u8(r, M2MKX_A_MIN_THRESHOLD, 4);
}

static void si_no_such_keyring(struct nl_req *r)
{
	r->bad = put_u32(r, M2MKX_A_TRUST_KEYRING, 0x7ffffff0);
}

static void si_proxy_node(struct nl_req *r)
{
	put_fill(r, M2MKX_A_NODE_ID, ID_LEN, 1);
	put_u32(r, M2MKX_A_ROLES, M2MKX_ROLE_PROXY);
	put_u8(r, M2MKX_A_MAX_PROXIES, 3);
	put_u8(r, M2MKX_A_MIN_THRESHOLD, 3);
	put_u32(r, M2MKX_A_SHARE_WINDOW_MS, M2MKX_MAX_SHARE_WINDOW_MS);
}

/* ---- peers ---- */

static struct nlattr *peer_start(struct nl_req *r)
{
	return nla_nest_start(r->skb, M2MKX_A_PEER);
}

static void peer_end(struct nl_req *r, struct nlattr *nest)
{
	nla_nest_end(r->skb, nest);
}

static void pe_missing(struct nl_req *r)
{
}

static void pe_not_nested(struct nl_req *r)
{
	struct nlattr *nest = nla_nest_start_noflag(r->skb, M2MKX_A_PEER);

	put_fill(r, M2MKX_PEER_A_ID, ID_LEN, 1);
	nla_nest_end(r->skb, nest);
	r->bad = nest;
}

static void pe_long_id(struct nl_req *r)
{
	struct nlattr *nest = peer_start(r);

	r->bad = put_fill(r, M2MKX_PEER_A_ID, ID_LEN + 1, 1);
	put_fill(r, M2MKX_PEER_A_KEY, M2MKX_PAIRWISE_KEY_LEN, 1);
	peer_end(r, nest);
}

static void pe_short_pairwise_key(struct nl_req *r)
{
	struct nlattr *nest = peer_start(r);

	put_fill(r, M2MKX_PEER_A_ID, ID_LEN, 1);
	r->bad = put_fill(r, M2MKX_PEER_A_KEY, M2MKX_PAIRWISE_KEY_LEN - 1, 1);
	peer_end(r, nest);
}

static void pe_id_only(struct nl_req *r)
{
	struct nlattr *nest = peer_start(r);

	put_fill(r, M2MKX_PEER_A_ID, ID_LEN, 1);
	peer_end(r, nest);
}

static void pe_empty(struct nl_req *r)
{
	peer_end(r, peer_start(r));
}

static void pe_key_only(struct nl_req *r)
{
	struct nlattr *nest = peer_start(r);

	put_fill(r, M2MKX_PEER_A_KEY, M2MKX_PAIRWISE_KEY_LEN, 1);
	peer_end(r, nest);
}

static void pe_zero_pairwise_key(struct nl_req *r)
{
	struct nlattr *nest = peer_start(r);

	put_fill(r, M2MKX_PEER_A_ID, ID_LEN, 1);
	r->bad = put_fill(r, M2MKX_PEER_A_KEY, M2MKX_PAIRWISE_KEY_LEN, 0);
	peer_end(r, nest);
}

static void pe_neighbor_with_public_key(struct nl_req *r)
{
	struct nlattr *nest = peer_start(r);

	put_fill(r, M2MKX_PEER_A_ID, ID_LEN, 1);
	put_fill(r, M2MKX_PEER_A_KEY, M2MKX_PAIRWISE_KEY_LEN, 1);
	r->bad = put_fill(r, M2MKX_PEER_A_PUBLIC_KEY, KEY_LEN, 1);
	peer_end(r, nest);
}

static void pe_neighbor(struct nl_req *r)
{
	struct nlattr *nest = peer_start(r);

	put_fill(r, M2MKX_PEER_A_ID, ID_LEN, 1);
	put_fill(r, M2MKX_PEER_A_KEY, M2MKX_PAIRWISE_KEY_LEN, 1);
	peer_end(r, nest);
}

static void pe_unknown_id(struct nl_req *r)
{
	struct nlattr *nest = peer_start(r);

	put_fill(r, M2MKX_PEER_A_ID, ID_LEN, 7);
	peer_end(r, nest);
	r->bad = nest;
}

static void pe_zero_public_key(struct nl_req *r)
{
	struct nlattr *nest = peer_start(r);

	put_fill(r, M2MKX_PEER_A_ID, ID_LEN, 1);
	r->bad = put_fill(r, M2MKX_PEER_A_PUBLIC_KEY, KEY_LEN, 0);
	peer_end(r, nest);
}

static void pe_server_with_pairwise_key(struct nl_req *r)
{
	struct nlattr *nest = peer_start(r);

	put_fill(r, M2MKX_PEER_A_ID, ID_LEN, 1);
	put_fill(r, M2MKX_PEER_A_PUBLIC_KEY, KEY_LEN, 1);
	r->bad = put_fill(r, M2MKX_PEER_A_KEY, M2MKX_PAIRWISE_KEY_LEN, 1);
	peer_end(r, nest);
}

/* ---- INSTALL_MATERIAL ---- */

enum {
	MAT_LEAF = BIT(0),
	MAT_SEED = BIT(1),
	MAT_ROOT = BIT(2),
	MAT_PATH = BIT(3),
	MAT_ALL = MAT_LEAF | MAT_SEED | MAT_ROOT | MAT_PATH,
};

/*
 * The transcript's material for P1 with the attributes of @which, leaf
 * @leaf, @seed_len bytes of seed, the root info's length changed by
 * @root_delta and the path's by @path_delta. Returns the nest.
 */
static struct nlattr *material(struct nl_req *r, unsigned int which, u8 leaf,
			       size_t seed_len, int root_delta,
			       int path_delta)
{
	const struct nl_material *mat = r->mat;
	struct nlattr *nest = nla_nest_start(r->skb, M2MKX_A_MATERIAL);
	size_t path_len = mat->m.height * M2MKX_OTS_HASH_LEN;

	if (which & MAT_LEAF)
		put_u8(r, M2MKX_MATERIAL_A_LEAF, leaf);
	if (which & MAT_SEED)
		put(r, M2MKX_MATERIAL_A_SEED, seed_len, mat->m.seed);
	if (which & MAT_ROOT)
		put(r, M2MKX_MATERIAL_A_ROOT_INFO, mat->root_len + root_delta,
		    mat->root_buf);
	if (which & MAT_PATH)
		put(r, M2MKX_MATERIAL_A_PATH, path_len + path_delta,
		    mat->path_buf);
	nla_nest_end(r->skb, nest);
	return nest;
}

static struct nlattr *find(struct nlattr *nest, int type)
{
	return nla_find_nested(nest, type);
}

static void ma_missing(struct nl_req *r)
{
}

static void ma_leaf_beyond_proxies(struct nl_req *r)
{
	r->bad = find(material(r, MAT_ALL, M2MKX_MAX_PROXIES, 32, 0, 0),
		      M2MKX_MATERIAL_A_LEAF);
}

static void ma_short_seed(struct nl_req *r)
{
	r->bad = find(material(r, MAT_ALL, r->mat->m.q, 31, 0, 0),
		      M2MKX_MATERIAL_A_SEED);
}

static void ma_no_seed(struct nl_req *r)
{
	material(r, MAT_ALL & ~MAT_SEED, r->mat->m.q, 32, 0, 0);
}

static void ma_no_leaf(struct nl_req *r)
{
	material(r, MAT_ALL & ~MAT_LEAF, r->mat->m.q, 32, 0, 0);
}

static void ma_no_root(struct nl_req *r)
{
	material(r, MAT_ALL & ~MAT_ROOT, r->mat->m.q, 32, 0, 0);
}

static void ma_truncated_root(struct nl_req *r)
{
	r->bad = find(material(r, MAT_ALL, r->mat->m.q, 32, -1, 0),
		      M2MKX_MATERIAL_A_ROOT_INFO);
}

static void ma_root_trailing_byte(struct nl_req *r)
{
	r->bad = find(material(r, MAT_ALL, r->mat->m.q, 32, 1, 0),
		      M2MKX_MATERIAL_A_ROOT_INFO);
}

static void ma_leaf_beyond_n(struct nl_req *r)
{
	r->bad = find(material(r, MAT_ALL, r->mat->m.root.params.n, 32, 0, 0),
		      M2MKX_MATERIAL_A_LEAF);
}

static void ma_short_path(struct nl_req *r)
{
	r->bad = find(material(r, MAT_ALL, r->mat->m.q, 32, 0, -32),
		      M2MKX_MATERIAL_A_PATH);
}

static void ma_valid(struct nl_req *r)
{
	r->bad = material(r, MAT_ALL, r->mat->m.q, 32, 0, 0);
}

/* The proxy P1 of the transcript, with or without its server B. */
static void setup_proxy(struct m2mkx_net *mn, const struct nl_material *mat)
{
	memcpy(mn->server.id, mat->p_id, ID_LEN);
	memcpy(mn->proxy.id, mat->p_id, ID_LEN);
	mn->have_id = true;
	WRITE_ONCE(mn->roles, M2MKX_ROLE_PROXY);
}

static void setup_proxy_and_server(struct m2mkx_net *mn,
				   const struct nl_material *mat)
{
	setup_proxy(mn, mat);
	WARN_ON(m2mkx_peers_server_set(&mn->peers, mat->m.root.b, mat->b_pub));
}

static void setup_neighbor(struct m2mkx_net *mn, const struct nl_material *mat)
{
	u8 id[ID_LEN], key[M2MKX_PAIRWISE_KEY_LEN];

	memset(id, 1, sizeof(id));
	memset(key, 1, sizeof(key));
	WARN_ON(m2mkx_peers_neighbor_set(&mn->peers, id, key));
}

#define POLICY_LEN "binary attribute size out of range"
#define POLICY_RANGE "integer out of range"
#define POLICY_MASK "reserved bit set"
#define POLICY_SIZE "invalid attribute length"
#define POLICY_UNSUPPORTED "Unsupported attribute"

static const struct nl_case nl_cases[] = {
	{ "set: 7-byte node id", M2MKX_CMD_SET_INSTANCE, NULL,
	  si_short_id, -ERANGE, POLICY_LEN },
	{ "set: 33-byte private key", M2MKX_CMD_SET_INSTANCE, NULL,
	  si_long_key, -ERANGE, POLICY_LEN },
	{ "set: unknown role bit", M2MKX_CMD_SET_INSTANCE, NULL,
	  si_unknown_role, -EINVAL, POLICY_MASK },
	{ "set: 4-byte port", M2MKX_CMD_SET_INSTANCE, NULL,
	  si_wide_port, -EINVAL, POLICY_SIZE },
	{ "set: 2-byte keyring serial", M2MKX_CMD_SET_INSTANCE, NULL,
	  si_narrow_keyring, -EINVAL, POLICY_SIZE },
	{ "set: max sessions 0", M2MKX_CMD_SET_INSTANCE, NULL,
	  si_zero_sessions, -ERANGE, POLICY_RANGE },
	{ "set: max sessions above the cap", M2MKX_CMD_SET_INSTANCE, NULL,
	  si_too_many_sessions, -ERANGE, POLICY_RANGE },
	{ "set: max proxies 0", M2MKX_CMD_SET_INSTANCE, NULL,
	  si_zero_proxies, -ERANGE, POLICY_RANGE },
	{ "set: max proxies above the protocol's", M2MKX_CMD_SET_INSTANCE,
	  NULL, si_too_many_proxies, -ERANGE, POLICY_RANGE },
	{ "set: threshold 0", M2MKX_CMD_SET_INSTANCE, NULL,
	  si_zero_threshold, -ERANGE, POLICY_RANGE },
	{ "set: share window above the cap", M2MKX_CMD_SET_INSTANCE, NULL,
	  si_long_share_window, -ERANGE, POLICY_RANGE },
	{ "set: unknown policy bit", M2MKX_CMD_SET_INSTANCE, NULL,
	  si_unknown_policy, -EINVAL, POLICY_MASK },
	{ "set: read-only public key", M2MKX_CMD_SET_INSTANCE, NULL,
	  si_foreign_attr, -EINVAL, POLICY_UNSUPPORTED },
	{ "set: attribute beyond the family's", M2MKX_CMD_SET_INSTANCE, NULL,
	  si_beyond_max, -EINVAL, "Unknown attribute type" },
	{ "set: all-zero private key", M2MKX_CMD_SET_INSTANCE, NULL,
	  si_zero_key, -EINVAL, "the server private key is all zeros" },
	{ "set: a role before the node id", M2MKX_CMD_SET_INSTANCE, NULL,
	  si_role_without_id, -EINVAL,
	  "a role needs the node id: set M2MKX_A_NODE_ID first or with it" },
	{ "set: the server role without its key", M2MKX_CMD_SET_INSTANCE,
	  NULL, si_server_without_key, -EINVAL,
	  "the server role needs M2MKX_A_SERVER_PRIVATE_KEY first or with it" },
	{ "set: threshold above max proxies", M2MKX_CMD_SET_INSTANCE, NULL,
	  si_threshold_above_n, -EINVAL,
	  "M2MKX_A_MIN_THRESHOLD is above M2MKX_A_MAX_PROXIES: no handshake could be accepted" },
	{ "set: no such keyring", M2MKX_CMD_SET_INSTANCE, NULL,
	  si_no_such_keyring, -ENOKEY,
	  "cannot use this keyring for T's keys: does it exist, and may you search it?" },
	{ "set: a proxy node (taken)", M2MKX_CMD_SET_INSTANCE, NULL,
	  si_proxy_node, 0, NULL },

	{ "add neighbour: no peer", M2MKX_CMD_ADD_NEIGHBOR, NULL,
	  pe_missing, -EINVAL, "missing M2MKX_A_PEER", M2MKX_A_PEER },
	{ "add neighbour: peer not flagged nested", M2MKX_CMD_ADD_NEIGHBOR,
	  NULL, pe_not_nested, -EINVAL, "NLA_F_NESTED is missing" },
	{ "add neighbour: 9-byte id", M2MKX_CMD_ADD_NEIGHBOR, NULL,
	  pe_long_id, -ERANGE, POLICY_LEN },
	{ "add neighbour: 15-byte key", M2MKX_CMD_ADD_NEIGHBOR, NULL,
	  pe_short_pairwise_key, -ERANGE, POLICY_LEN },
	{ "add neighbour: no key", M2MKX_CMD_ADD_NEIGHBOR, NULL,
	  pe_id_only, -EINVAL,
	  "a neighbour needs its pairwise key, M2MKX_PEER_A_KEY",
	  M2MKX_PEER_A_KEY },
	{ "add neighbour: no id", M2MKX_CMD_ADD_NEIGHBOR, NULL,
	  pe_key_only, -EINVAL, "a neighbour needs M2MKX_PEER_A_ID",
	  M2MKX_PEER_A_ID },
	{ "add neighbour: all-zero key", M2MKX_CMD_ADD_NEIGHBOR, NULL,
	  pe_zero_pairwise_key, -EINVAL, "the pairwise key is all zeros" },
	{ "add neighbour: a server's public key", M2MKX_CMD_ADD_NEIGHBOR,
	  NULL, pe_neighbor_with_public_key, -EINVAL, POLICY_UNSUPPORTED },
	{ "add neighbour (taken)", M2MKX_CMD_ADD_NEIGHBOR, NULL,
	  pe_neighbor, 0, NULL },
	{ "del neighbour: no id", M2MKX_CMD_DEL_NEIGHBOR, setup_neighbor,
	  pe_empty, -EINVAL, "which neighbour? M2MKX_PEER_A_ID is missing",
	  M2MKX_PEER_A_ID },
	{ "del neighbour: unknown id", M2MKX_CMD_DEL_NEIGHBOR, setup_neighbor,
	  pe_unknown_id, -ENOENT, "no peer of this kind with this id" },
	{ "del neighbour (taken)", M2MKX_CMD_DEL_NEIGHBOR, setup_neighbor,
	  pe_id_only, 0, NULL },
	{ "add server: no public key", M2MKX_CMD_ADD_SERVER, NULL,
	  pe_id_only, -EINVAL,
	  "a server needs its X25519 key, M2MKX_PEER_A_PUBLIC_KEY",
	  M2MKX_PEER_A_PUBLIC_KEY },
	{ "add server: all-zero public key", M2MKX_CMD_ADD_SERVER, NULL,
	  pe_zero_public_key, -EINVAL, "the server public key is all zeros" },
	{ "add server: a neighbour's pairwise key", M2MKX_CMD_ADD_SERVER,
	  NULL, pe_server_with_pairwise_key, -EINVAL, POLICY_UNSUPPORTED },
	{ "del server: no peer", M2MKX_CMD_DEL_SERVER, NULL,
	  pe_missing, -EINVAL, "missing M2MKX_A_PEER", M2MKX_A_PEER },
	{ "del server: unknown id", M2MKX_CMD_DEL_SERVER, NULL,
	  pe_unknown_id, -ENOENT, "no peer of this kind with this id" },

	{ "install: no material", M2MKX_CMD_INSTALL_MATERIAL, NULL,
	  ma_missing, -EINVAL, "missing M2MKX_A_MATERIAL", M2MKX_A_MATERIAL },
	{ "install: leaf beyond the protocol's n", M2MKX_CMD_INSTALL_MATERIAL,
	  NULL, ma_leaf_beyond_proxies, -ERANGE, POLICY_RANGE },
	{ "install: 31-byte seed", M2MKX_CMD_INSTALL_MATERIAL, NULL,
	  ma_short_seed, -ERANGE, POLICY_LEN },
	{ "install: no leaf", M2MKX_CMD_INSTALL_MATERIAL, NULL, ma_no_leaf,
	  -EINVAL, "material needs the leaf index, M2MKX_MATERIAL_A_LEAF",
	  M2MKX_MATERIAL_A_LEAF },
	{ "install: no seed", M2MKX_CMD_INSTALL_MATERIAL, NULL, ma_no_seed,
	  -EINVAL,
	  "material needs the one-time key seed, M2MKX_MATERIAL_A_SEED",
	  M2MKX_MATERIAL_A_SEED },
	{ "install: no root", M2MKX_CMD_INSTALL_MATERIAL, NULL, ma_no_root,
	  -EINVAL,
	  "material needs T's signed root, M2MKX_MATERIAL_A_ROOT_INFO",
	  M2MKX_MATERIAL_A_ROOT_INFO },
	{ "install: truncated root info", M2MKX_CMD_INSTALL_MATERIAL, NULL,
	  ma_truncated_root, -EINVAL,
	  "malformed root info (field ranges, signature length)" },
	{ "install: root info with a trailing byte",
	  M2MKX_CMD_INSTALL_MATERIAL, NULL, ma_root_trailing_byte, -EINVAL,
	  "root info longer than its signature length says" },
	{ "install: leaf beyond the root's n", M2MKX_CMD_INSTALL_MATERIAL,
	  NULL, ma_leaf_beyond_n, -EINVAL,
	  "leaf index is not below the root's n" },
	{ "install: path one level short", M2MKX_CMD_INSTALL_MATERIAL, NULL,
	  ma_short_path, -EINVAL,
	  "the path must hold 32 bytes per level of a tree with the root's n leaves" },
	{ "install: proxy role off", M2MKX_CMD_INSTALL_MATERIAL, NULL,
	  ma_valid, -EOPNOTSUPP,
	  "the proxy role is off: enable it with M2MKX_CMD_SET_INSTANCE" },
	/* B's key is needed only once A's share is there too. */
	{ "install before B is configured (taken)",
	  M2MKX_CMD_INSTALL_MATERIAL, setup_proxy, ma_valid, 0, NULL },
	{ "install (taken)", M2MKX_CMD_INSTALL_MATERIAL,
	  setup_proxy_and_server, ma_valid, 0, NULL },
};

static void nl_case_desc(const struct nl_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(nl, nl_cases, nl_case_desc);

/* Back to a fresh namespace's instance: no roles, peers or sessions. */
static void reset_instance(struct m2mkx_net *mn)
{
	mutex_lock(&mn->lock);
	WRITE_ONCE(mn->roles, 0);
	m2mkx_sessions_flush_server(mn);
	m2mkx_sessions_flush_proxy(mn);
	m2mkx_peers_free(&mn->peers);
	m2mkx_peers_init(&mn->peers);
	m2mkx_trust_put(&mn->trust);
	mn->trust_serial = 0;
	mn->have_id = false;
	mn->have_server_key = false;
	mn->server.max_n = M2MKX_MAX_PROXIES;
	mn->server.min_k = 2;
	mn->max_sessions = M2MKX_DEFAULT_MAX_SESSIONS;
	mutex_unlock(&mn->lock);
}

static const struct m2mkx_kunit_bytes *transcript(const char *suffix)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(m2mkx_kunit_transcript); i++) {
		const char *name = m2mkx_kunit_transcript[i].name;
		const char *at = strstr(name, suffix);

		if (at && !strcmp(at, suffix))
			return &m2mkx_kunit_transcript[i].value;
	}
	return NULL;
}

static int nl_test_init(struct kunit *test)
{
	const struct m2mkx_kunit_bytes *msg, *id, *k, *b_pub;
	struct m2mkx_proxy_config cfg = {};
	struct nl_material *mat;
	int ret;

	msg = transcript(".key_material.T_to_P1");
	id = transcript("id.P1");
	k = transcript("key.K_P1T");
	b_pub = transcript("key.B.static_public");
	KUNIT_ASSERT_TRUE(test, msg && id && k && b_pub);
	mat = kunit_kzalloc(test, sizeof(*mat), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, mat);
	KUNIT_ASSERT_LE(test, msg->len, sizeof(mat->pt));
	memcpy(cfg.id, id->data, ID_LEN);
	memcpy(cfg.k_pt, k->data, sizeof(cfg.k_pt));
	ret = m2mkx_proxy_material_open(&cfg, msg->data, msg->len, mat->pt,
					&mat->m);
	KUNIT_ASSERT_EQ(test, ret, 0);
	/* The plaintext is q(1) | seed(32) | root info | path. */
	mat->root = mat->pt + 1 + M2MKX_OTS_SEED_LEN;
	mat->root_len = M2MKX_ROOT_INFO_LEN(mat->m.root.sig_len);
	KUNIT_ASSERT_PTR_EQ(test, mat->root, mat->m.root.signed_part);
	memcpy(mat->root_buf, mat->root, mat->root_len);
	KUNIT_ASSERT_LE(test, mat->m.height * M2MKX_OTS_HASH_LEN,
			sizeof(mat->path_buf) - M2MKX_OTS_HASH_LEN);
	memcpy(mat->path_buf, mat->m.path, mat->m.height * M2MKX_OTS_HASH_LEN);
	mat->b_pub = b_pub->data;
	mat->p_id = id->data;
	test->priv = mat;
	reset_instance(m2mkx_net(&init_net));
	return 0;
}

static void nl_test_exit(struct kunit *test)
{
	reset_instance(m2mkx_net(&init_net));
}

static const struct genl_ops *find_op(u8 cmd)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(m2mkx_genl_ops); i++)
		if (m2mkx_genl_ops[i].cmd == cmd)
			return &m2mkx_genl_ops[i];
	return NULL;
}

/*
 * Runs @r's request as genetlink's doit path does: strict parse with the
 * operation's policy, then the handler.
 */
static int nl_run(struct kunit *test, const struct genl_ops *op,
		  struct nl_req *r, struct netlink_ext_ack *extack)
{
	struct genl_info info = {};
	struct nlattr **attrs;
	int ret;

	attrs = kunit_kcalloc(test, op->maxattr + 1, sizeof(*attrs),
			      GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, attrs);
	ret = __nlmsg_parse(r->nlh, GENL_HDRLEN, attrs, op->maxattr,
			    op->policy,
			    op->validate & GENL_DONT_VALIDATE_STRICT ?
			    NL_VALIDATE_LIBERAL : NL_VALIDATE_STRICT, extack);
	if (ret)
		return ret;
	info.snd_seq = r->nlh->nlmsg_seq;
	info.nlhdr = r->nlh;
	info.genlhdr = nlmsg_data(r->nlh);
	info.userhdr = (u8 *)info.genlhdr + GENL_HDRLEN;
	info.attrs = attrs;
	info.extack = extack;
	genl_info_net_set(&info, &init_net);
	return op->doit(r->skb, &info);
}

/* Builds the request @build makes for @cmd and runs it; @r keeps its skb. */
static int nl_request(struct kunit *test, u8 cmd,
		      void (*build)(struct nl_req *r), struct nl_req *r,
		      struct netlink_ext_ack *extack)
{
	const struct genl_ops *op = find_op(cmd);
	struct genlmsghdr *hdr;

	KUNIT_ASSERT_NOT_NULL(test, op);
	r->skb = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r->skb);
	r->nlh = nlmsg_put(r->skb, 0, 1, m2mkx_genl_family.id, GENL_HDRLEN,
			   NLM_F_REQUEST | NLM_F_ACK);
	KUNIT_ASSERT_NOT_NULL(test, r->nlh);
	hdr = nlmsg_data(r->nlh);
	hdr->cmd = cmd;
	hdr->version = M2MKX_GENL_VERSION;
	build(r);
	nlmsg_end(r->skb, r->nlh);
	return nl_run(test, op, r, extack);
}

static void request_answered_as_documented(struct kunit *test)
{
	const struct nl_case *c = test->param_value;
	struct m2mkx_net *mn = m2mkx_net(&init_net);
	struct nl_req r = { .mat = test->priv };
	struct netlink_ext_ack extack = {};
	int ret;

	if (c->setup) {
		mutex_lock(&mn->lock);
		c->setup(mn, r.mat);
		mutex_unlock(&mn->lock);
	}
	ret = nl_request(test, c->cmd, c->build, &r, &extack);
	KUNIT_EXPECT_EQ(test, ret, c->err);
	if (c->msg)
		KUNIT_EXPECT_STREQ(test, extack._msg ?: "(none)", c->msg);
	else
		KUNIT_EXPECT_NULL(test, extack._msg);
	/* The attribute at fault, or none when one is missing or all is well. */
	if (c->err && r.bad)
		KUNIT_EXPECT_PTR_EQ(test, extack.bad_attr, r.bad);
	else
		KUNIT_EXPECT_NULL(test, extack.bad_attr);
	if (c->miss_type)
		KUNIT_EXPECT_EQ(test, extack.miss_type, c->miss_type);
	nlmsg_free(r.skb);
}

/* What the taken requests leave behind. */
static void taken_requests_change_the_instance(struct kunit *test)
{
	static const u8 one[ID_LEN] = { 1, 1, 1, 1, 1, 1, 1, 1 };
	struct m2mkx_net *mn = m2mkx_net(&init_net);
	const struct nl_material *mat = test->priv;
	struct netlink_ext_ack extack = {};
	struct nl_req r = { .mat = mat };

	mutex_lock(&mn->lock);
	setup_proxy_and_server(mn, mat);
	mutex_unlock(&mn->lock);
	KUNIT_EXPECT_EQ(test, nl_request(test, M2MKX_CMD_SET_INSTANCE,
					 si_proxy_node, &r, &extack), 0);
	nlmsg_free(r.skb);
	mutex_lock(&mn->lock);
	KUNIT_EXPECT_EQ(test, mn->roles, M2MKX_ROLE_PROXY);
	KUNIT_EXPECT_EQ(test, memcmp(mn->proxy.id, one, ID_LEN), 0);
	KUNIT_EXPECT_EQ(test, mn->server.max_n, 3);
	KUNIT_EXPECT_EQ(test, mn->server.min_k, 3);
	KUNIT_EXPECT_EQ(test, mn->server.timing.share_window_ms,
			M2MKX_MAX_SHARE_WINDOW_MS);
	mutex_unlock(&mn->lock);

	KUNIT_EXPECT_EQ(test, nl_request(test, M2MKX_CMD_INSTALL_MATERIAL,
					 ma_valid, &r, &extack), 0);
	nlmsg_free(r.skb);
	mutex_lock(&mn->lock);
	KUNIT_EXPECT_EQ(test, mn->sessions.proxy.count, 1);
	KUNIT_EXPECT_NOT_NULL(test, m2mkx_proxy_lookup(mn,
						       mat->m.root.session));
	mutex_unlock(&mn->lock);

	/* The same material twice is refused, naming the nest. */
	KUNIT_EXPECT_EQ(test, nl_request(test, M2MKX_CMD_INSTALL_MATERIAL,
					 ma_valid, &r, &extack), -EEXIST);
	KUNIT_EXPECT_STREQ(test, extack._msg ?: "(none)",
			   "this session already has key material");
	KUNIT_EXPECT_PTR_EQ(test, extack.bad_attr, r.bad);
	nlmsg_free(r.skb);
}

/*
 * An event's message is allocated at the size event_size() says: every
 * shape of event, the largest included, fills it exactly.
 */
static void events_fill_their_size(struct kunit *test)
{
	static const u8 ids[M2MKX_MAX_PROXIES * M2MKX_PROXY_ID_LEN];
	static const u8 verdicts[M2MKX_MAX_PROXIES];
	static const u8 mk[M2MKX_MK_LEN];
	static const u8 zero[M2MKX_SESSION_LEN];
	struct m2mkx_event ev;
	struct nlmsghdr *nlh;
	struct sk_buff *skb;
	unsigned int i;
	void *hdr;

	for (i = 0; i < 4; i++) {
		m2mkx_event_init(&ev, i & 1 ? M2MKX_EV_FAILED :
				 M2MKX_EV_COMPLETED, zero, zero, zero,
				 i < 2 ? M2MKX_MAX_PROXIES : 1);
		ev.reason = M2MKX_ETIMEOUT;
		if (i < 2) {
			/* B's: the proxies, its verdicts and MK. */
			ev.ids = ids;
			ev.verdicts = verdicts;
			ev.mk = mk;
		}
		skb = genlmsg_new(event_size(&ev), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, skb);
		hdr = genlmsg_put(skb, 0, 0, &m2mkx_genl_family, 0,
				  M2MKX_CMD_EVENT_COMPLETED);
		KUNIT_ASSERT_NOT_NULL(test, hdr);
		KUNIT_EXPECT_EQ_MSG(test, put_event(skb, M2MKX_CTR_SERVER, &ev),
				    0, "event shape %u", i);
		genlmsg_end(skb, hdr);
		nlh = (struct nlmsghdr *)skb->data;
		KUNIT_EXPECT_EQ_MSG(test, (size_t)genlmsg_len(nlmsg_data(nlh)),
				    event_size(&ev), "event shape %u", i);
		nlmsg_free(skb);
	}
}

static struct kunit_case nl_test_cases[] = {
	KUNIT_CASE_PARAM(request_answered_as_documented, nl_gen_params),
	KUNIT_CASE(taken_requests_change_the_instance),
	KUNIT_CASE(events_fill_their_size),
	{}
};

/*
 * The suite runs before the module's init (harness.h): it brings up what
 * the handlers use, init_net's instance and the family, as m2mkx_init()
 * does, and takes them down again before the real init runs.
 */
static int nl_suite_init(struct kunit_suite *suite)
{
	int ret = m2mkx_kunit_module_up(suite);

	if (ret)
		return ret;
	ret = m2mkx_instance_register();
	if (ret)
		goto err_module;
	ret = genl_register_family(&m2mkx_genl_family);
	if (ret)
		goto err_instance;
	WRITE_ONCE(m2mkx_events_on, true);
	return 0;

err_instance:
	m2mkx_instance_unregister();
err_module:
	m2mkx_kunit_module_down(suite);
	return ret;
}

static void nl_suite_exit(struct kunit_suite *suite)
{
	m2mkx_genl_exit();
	m2mkx_instance_unregister();
	m2mkx_kunit_module_down(suite);
}

static struct kunit_suite nl_suite = {
	.suite_init = nl_suite_init,
	.suite_exit = nl_suite_exit,
	.name = "m2mkx_netlink",
	.init = nl_test_init,
	.exit = nl_test_exit,
	.test_cases = nl_test_cases,
};

kunit_test_suites(&nl_suite);
