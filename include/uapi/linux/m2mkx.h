/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * m2mkx: collaborative key establishment for constrained nodes.
 *
 * The generic netlink family "m2mkx" configures the kernel's proxy and
 * server data paths of one network namespace and reports their handshakes.
 * Documentation/netlink/specs/m2mkx.yaml describes the same family in the
 * kernel's machine-readable format; Documentation/protocol.rst the
 * protocol itself.
 *
 * Every command and the event group require CAP_NET_ADMIN in the user
 * namespace that owns the network namespace. Secrets (B's static private
 * key, pairwise keys, one-time key seeds) are accepted but never dumped;
 * the session key MK appears only in events.
 */
#ifndef _UAPI_LINUX_M2MKX_H
#define _UAPI_LINUX_M2MKX_H

#define M2MKX_GENL_NAME "m2mkx"
#define M2MKX_GENL_VERSION 1
#define M2MKX_GENL_MCGRP_EVENTS "events"

/* Sizes of the binary attributes, fixed by the protocol. */
#define M2MKX_NODE_ID_LEN 8
#define M2MKX_SESSION_ID_LEN 8
#define M2MKX_PROXY_ID_LEN 8
#define M2MKX_PAIRWISE_KEY_LEN 16
#define M2MKX_X25519_KEY_LEN 32
#define M2MKX_OTS_SEED_LEN 32
#define M2MKX_MK_LEN 32
/* B's share window: 200 ms by default, at most 30 s. */
#define M2MKX_MAX_SHARE_WINDOW_MS 30000

enum m2mkx_cmd {
	M2MKX_CMD_UNSPEC,
	/* Reads the instance: roles, port, ids, public key, limits. */
	M2MKX_CMD_GET_INSTANCE,
	/*
	 * Changes the instance: any of the instance attributes, all or none.
	 * Setting M2MKX_A_PORT (re)opens the UDP sockets (IPv4, and IPv6
	 * where available); a port of 0 closes them. A role needs the node
	 * id, the server role also the private key (earlier or in the same
	 * request). A new node id or private key, or a role switched off,
	 * ends that role's sessions without events. A keyring serial of 0
	 * drops the keyring.
	 */
	M2MKX_CMD_SET_INSTANCE,
	/* Adds or replaces a client A the proxy shares a key with. */
	M2MKX_CMD_ADD_NEIGHBOR,
	M2MKX_CMD_DEL_NEIGHBOR,
	/* Adds or replaces a server B the proxy trusts, by its static key. */
	M2MKX_CMD_ADD_SERVER,
	M2MKX_CMD_DEL_SERVER,
	/*
	 * Installs one-time key material T issued to this proxy, opened by
	 * the agent. Refused with -EEXIST when the session has material.
	 */
	M2MKX_CMD_INSTALL_MATERIAL,
	/* Dumps sessions (no secrets). */
	M2MKX_CMD_GET_SESSIONS,
	/* Dumps the drop counters, one per role and reason. */
	M2MKX_CMD_GET_COUNTERS,
	/* Dumps neighbours and servers (ids and public keys only). */
	M2MKX_CMD_GET_PEERS,
	/* Multicast on M2MKX_GENL_MCGRP_EVENTS only. */
	M2MKX_CMD_EVENT_COMPLETED,
	M2MKX_CMD_EVENT_FAILED,

	__M2MKX_CMD_MAX
};

#define M2MKX_CMD_MAX (__M2MKX_CMD_MAX - 1)

/* Bits of M2MKX_A_ROLES. */
enum m2mkx_role {
	M2MKX_ROLE_SERVER = 1 << 0,
	M2MKX_ROLE_PROXY = 1 << 1,
};

/* Bits of M2MKX_A_POLICY: what the server accepts in a HELLO. */
enum m2mkx_policy {
	M2MKX_POLICY_ALLOW_DISPERSAL = 1 << 0,
	M2MKX_POLICY_ALLOW_LAMPORT = 1 << 1,
};

enum m2mkx_attr {
	M2MKX_A_UNSPEC,
	M2MKX_A_ROLES,			/* u32, enum m2mkx_role bits */
	M2MKX_A_PORT,			/* u16, UDP port, host order */
	M2MKX_A_NODE_ID,		/* binary, M2MKX_NODE_ID_LEN */
	M2MKX_A_SERVER_PRIVATE_KEY,	/* binary, X25519, write only */
	M2MKX_A_SERVER_PUBLIC_KEY,	/* binary, X25519, read only */
	M2MKX_A_TRUST_KEYRING,		/* s32, serial of T's keyring */
	M2MKX_A_MAX_SESSIONS,		/* u32, per role */
	M2MKX_A_MAX_PROXIES,		/* u8, largest n accepted */
	M2MKX_A_MIN_THRESHOLD,		/* u8, smallest k accepted */
	M2MKX_A_POLICY,			/* u32, enum m2mkx_policy bits */
	M2MKX_A_PEER,			/* nested, enum m2mkx_peer_attr */
	M2MKX_A_MATERIAL,		/* nested, enum m2mkx_material_attr */
	M2MKX_A_SESSION,		/* nested, enum m2mkx_session_attr */
	M2MKX_A_COUNTER,		/* nested, enum m2mkx_counter_attr */
	M2MKX_A_PAD,
	/*
	 * Read only: the wall time the worker spent on the server role (its
	 * datagrams and timers), and the server handshakes it completed,
	 * since the instance was created. The busy time leaves out sending,
	 * which M2MKX_A_SERVER_TX_NS counts: a datagram to another namespace
	 * of the same host is received in the sender's context, so the
	 * send's time depends on the receiver as much as on the server.
	 */
	M2MKX_A_SERVER_BUSY_NS,		/* u64, nanoseconds */
	M2MKX_A_SERVER_COMPLETED,	/* u64 */
	M2MKX_A_SERVER_TX_NS,		/* u64, nanoseconds */
	/*
	 * How long B waits, once k shares are in, for the others before it
	 * decodes: late shares are named absent, not judged.
	 */
	M2MKX_A_SHARE_WINDOW_MS,	/* u32, 0..M2MKX_MAX_SHARE_WINDOW_MS */

	__M2MKX_A_MAX
};

#define M2MKX_A_MAX (__M2MKX_A_MAX - 1)

/* What a peer in a M2MKX_CMD_GET_PEERS dump is. */
enum m2mkx_peer_kind {
	M2MKX_PEER_NEIGHBOR = 1,	/* a client A: id only, key secret */
	M2MKX_PEER_SERVER = 2,		/* a server B: id and public key */
};

/* A neighbour A (pairwise key) or a server B (static public key). */
enum m2mkx_peer_attr {
	M2MKX_PEER_A_UNSPEC,
	M2MKX_PEER_A_ID,		/* binary, M2MKX_NODE_ID_LEN */
	M2MKX_PEER_A_KEY,		/* binary, pairwise key, write only */
	M2MKX_PEER_A_PUBLIC_KEY,	/* binary, server's X25519 key */
	M2MKX_PEER_A_KIND,		/* u32, enum m2mkx_peer_kind, dumps */

	__M2MKX_PEER_A_MAX
};

#define M2MKX_PEER_A_MAX (__M2MKX_PEER_A_MAX - 1)

/*
 * The opened KEY_MATERIAL of Documentation/protocol.rst: the proxy's leaf
 * index, its seed, and T's signed root info and Merkle path, as they were
 * on the wire.
 */
enum m2mkx_material_attr {
	M2MKX_MATERIAL_A_UNSPEC,
	M2MKX_MATERIAL_A_LEAF,		/* u8, q */
	M2MKX_MATERIAL_A_SEED,		/* binary, M2MKX_OTS_SEED_LEN */
	M2MKX_MATERIAL_A_ROOT_INFO,	/* binary, root info with signature */
	M2MKX_MATERIAL_A_PATH,		/* binary, height * 32 bytes */

	__M2MKX_MATERIAL_A_MAX
};

#define M2MKX_MATERIAL_A_MAX (__M2MKX_MATERIAL_A_MAX - 1)

/*
 * A session in a dump, or the subject of an event. M2MKX_SESSION_A_STATE
 * is the role's state as the protocol core numbers it: at the server
 * 1 collecting shares, 2 answered, 3 done, 4 failed; at a proxy 1 waiting
 * for the material or the share, 2 hello sent, 3 share signed, 4 relayed,
 * 5 failed. Finished sessions linger a while to answer retransmissions.
 */
enum m2mkx_session_attr {
	M2MKX_SESSION_A_UNSPEC,
	M2MKX_SESSION_A_ROLE,		/* u32, one enum m2mkx_role bit */
	M2MKX_SESSION_A_ID,		/* binary, M2MKX_SESSION_ID_LEN */
	M2MKX_SESSION_A_CLIENT,		/* binary, A's node id */
	M2MKX_SESSION_A_SERVER,		/* binary, B's node id */
	M2MKX_SESSION_A_STATE,		/* u32, the role's state */
	M2MKX_SESSION_A_AGE_MS,		/* u64 */
	M2MKX_SESSION_A_PROXIES,	/* u8, n */
	M2MKX_SESSION_A_PROXY_IDS,	/* binary, n * M2MKX_PROXY_ID_LEN */
	M2MKX_SESSION_A_VERDICTS,	/* binary, n bytes, protocol verdicts */
	M2MKX_SESSION_A_REASON,		/* u32, why it failed */
	M2MKX_SESSION_A_MK,		/* binary, M2MKX_MK_LEN, events only */
	M2MKX_SESSION_A_PAD,

	__M2MKX_SESSION_A_MAX
};

#define M2MKX_SESSION_A_MAX (__M2MKX_SESSION_A_MAX - 1)

/*
 * A counter counts the datagrams one role dropped for one reason; role 0
 * is the dispatcher, which drops what no role can take (bad header, a
 * type for a role this node does not play). Reasons below 256 are the
 * protocol's codes (Documentation/protocol.rst, "Reason codes"), which
 * travel in a status byte; reason 0 ("ok") counts the datagrams the role
 * took. The data path's own reasons follow from 256. Every datagram
 * received is counted exactly once.
 */
enum m2mkx_path_reason {
	M2MKX_PATH_QUEUE_FULL = 256,	/* receive queue full: dropped */
	M2MKX_PATH_NO_MEMORY,		/* no memory for the datagram or state */
	M2MKX_PATH_BAD_UDP,		/* UDP header inconsistent with the IP one */
	/* Not a drop: datagrams the role could not send. */
	M2MKX_PATH_SEND_FAILED,
	/* Under load, over its source's budget: dropped before the queue. */
	M2MKX_PATH_RATE_LIMITED,
	/* A HELLO from a source already holding its share of B's sessions. */
	M2MKX_PATH_SOURCE_FULL,
};

enum m2mkx_counter_attr {
	M2MKX_COUNTER_A_UNSPEC,
	M2MKX_COUNTER_A_ROLE,		/* u32, one enum m2mkx_role bit, or 0 */
	M2MKX_COUNTER_A_REASON,		/* u32, protocol or path reason */
	M2MKX_COUNTER_A_NAME,		/* string, the reason's name */
	M2MKX_COUNTER_A_VALUE,		/* u64 */
	M2MKX_COUNTER_A_PAD,

	__M2MKX_COUNTER_A_MAX
};

#define M2MKX_COUNTER_A_MAX (__M2MKX_COUNTER_A_MAX - 1)

#endif /* _UAPI_LINUX_M2MKX_H */
