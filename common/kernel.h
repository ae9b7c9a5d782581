/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The m2mkx module's generic netlink family (include/uapi/linux/m2mkx.h)
 * as m2mctl and m2mkx-agent use it: requests built from plain structures,
 * dumps and events read back into them.
 *
 * Nothing here prints but kernel_open(): the callers know which of their
 * arguments or configuration lines a refusal is about.
 */
#ifndef M2MKX_COMMON_KERNEL_H
#define M2MKX_COMMON_KERNEL_H

#include "include/uapi/linux/m2mkx.h"

#include <m2mkx/step.h>
#include <m2mkx/wire.h>

#include "common/genl.h"

/*
 * Opens a socket on the family. When the module is not loaded, prints
 * the one line "the m2mkx module is not loaded (try: modprobe m2mkx)";
 * on any other failure one line saying why. 0 or -1.
 */
int kernel_open(struct genl_sock *g);

/* Bits of struct kernel_instance.has: the fields a SET carries or a GET had. */
enum kernel_instance_field {
	KI_ROLES = 1 << 0,
	KI_PORT = 1 << 1,
	KI_NODE_ID = 1 << 2,
	KI_PRIVATE_KEY = 1 << 3,	/* SET only */
	KI_PUBLIC_KEY = 1 << 4,		/* GET only */
	KI_KEYRING = 1 << 5,
	KI_MAX_SESSIONS = 1 << 6,
	KI_MAX_PROXIES = 1 << 7,
	KI_MIN_THRESHOLD = 1 << 8,
	KI_POLICY = 1 << 9,
	KI_SERVER_STATS = 1 << 10,	/* GET only */
	KI_SERVER_TX = 1 << 11,		/* GET only */
	KI_SHARE_WINDOW = 1 << 12,
};

struct kernel_instance {
	unsigned int has;		/* enum kernel_instance_field bits */
	u32 roles;			/* enum m2mkx_role bits */
	u16 port;
	u8 node_id[M2MKX_NODE_ID_LEN];
	u8 private_key[M2MKX_X25519_KEY_LEN];
	u8 public_key[M2MKX_X25519_KEY_LEN];
	int32_t keyring;
	u32 max_sessions;
	u8 max_proxies;
	u8 min_threshold;
	u32 policy;			/* enum m2mkx_policy bits */
	u32 share_window_ms;
	u64 server_busy_ns;		/* the worker's time on the server role */
	u64 server_completed;		/* server handshakes completed */
	u64 server_tx_ns;		/* the server role's time sending */
};

/*
 * The requests. Each returns 0 or the negative errno of the refusal, the
 * kernel's reason in @g (genl_strerror(), g->err_attr).
 */
int kernel_set_instance(struct genl_sock *g, const struct kernel_instance *ki);
int kernel_get_instance(struct genl_sock *g, struct kernel_instance *ki);
int kernel_add_neighbor(struct genl_sock *g, const u8 id[M2MKX_NODE_ID_LEN],
			const u8 key[M2MKX_PAIRWISE_KEY_LEN]);
int kernel_del_neighbor(struct genl_sock *g, const u8 id[M2MKX_NODE_ID_LEN]);
int kernel_add_server(struct genl_sock *g, const u8 id[M2MKX_NODE_ID_LEN],
		      const u8 public_key[M2MKX_X25519_KEY_LEN]);
int kernel_del_server(struct genl_sock *g, const u8 id[M2MKX_NODE_ID_LEN]);
/* T's material as m2mkx_proxy_material_open() left it. */
int kernel_install_material(struct genl_sock *g,
			    const struct m2mkx_key_material *m);

/* A peer of a M2MKX_CMD_GET_PEERS dump. */
struct kernel_peer {
	u32 kind;			/* enum m2mkx_peer_kind */
	u8 id[M2MKX_NODE_ID_LEN];
	bool has_public_key;
	u8 public_key[M2MKX_X25519_KEY_LEN];
};

/*
 * A session of a dump or the subject of an event; the pointers point
 * into the message, valid during the callback only.
 */
struct kernel_session {
	u32 role;			/* M2MKX_ROLE_SERVER or _PROXY */
	u8 id[M2MKX_SESSION_ID_LEN];
	u8 a[M2MKX_NODE_ID_LEN];
	u8 b[M2MKX_NODE_ID_LEN];
	bool has_state, has_age, has_n, has_reason;
	u32 state;
	u64 age_ms;
	u8 n;
	const u8 *ids;			/* n proxy ids, or NULL */
	const u8 *verdicts;		/* n bytes, or NULL */
	u32 reason;			/* M2MKX_E* (positive) */
	const u8 *mk;			/* M2MKX_MK_LEN, events only */
};

struct kernel_counter {
	u32 role;			/* a role bit, 0: dispatcher */
	u32 reason;
	char name[32];
	u64 value;
};

/*
 * Read one message's top-level attributes: 0, or -EPROTO when an
 * attribute is missing or has the wrong size.
 */
int kernel_parse_peer(struct nlattr **attrs, struct kernel_peer *p);
int kernel_parse_session(struct nlattr **attrs, struct kernel_session *s);
int kernel_parse_counter(struct nlattr **attrs, struct kernel_counter *c);

/* The event an M2MKX_CMD_EVENT_* message carries, as the core's. */
void kernel_session_event(const struct kernel_session *s, u8 cmd,
			  struct m2mkx_event *ev);

/* "server", "proxy", "dispatch" (role 0), or "unknown". */
const char *kernel_role_name(u32 role);
/* The state of a session of @role ("collecting", "relayed", ...). */
const char *kernel_state_name(u32 role, u32 state);

#endif /* M2MKX_COMMON_KERNEL_H */
