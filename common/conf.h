/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The node configuration file, one per node, INI in the spirit of
 * wg-quick(8): [Node], then the sections of the node's roles, then one
 * section per peer. Documentation/m2mkx.conf.rst describes every key.
 *
 * Parsing is strict: an unknown section or key, a key given twice, a
 * value out of range or a missing required key stops the program with
 * one line naming the file and line, e.g.
 *   m2mkx-agent: a.conf:12: unknown key 'Foo' in [Node]
 * Section and key names are case-insensitive, values are not; '#'
 * starts a comment anywhere on a line.
 *
 * Key values are base64 in the file itself (Key = ...) or in a file of
 * their own (KeyFile = path); relative paths are taken from the
 * directory of the configuration file, so a node's files travel together.
 */
#ifndef M2MKX_COMMON_CONF_H
#define M2MKX_COMMON_CONF_H

#include <sys/types.h>

#include <m2mkx/crypto.h>
#include <m2mkx/wire.h>

#include "common/xfrm.h"

/* Peers per list; the tables sized from them are bounded too. */
#define CONF_MAX_PEERS 64
/* T certificates a server trusts (the backend holds as many). */
#define CONF_MAX_TRUST 8

enum conf_program {
	CONF_AGENT,			/* m2mkx-agent: B, P_i and T */
	CONF_CLIENT,			/* m2mkx-client: A */
};

enum conf_role {
	CONF_ROLE_SERVER = 1 << 0,
	CONF_ROLE_PROXY = 1 << 1,
	CONF_ROLE_ISSUER = 1 << 2,
};

/*
 * Misbehaviour a proxy can be told to show, for the integration tests
 * only ([Proxy] Fault =). Off unless configured.
 */
enum conf_fault {
	CONF_FAULT_NONE = 0,
	CONF_FAULT_SILENT,		/* drop every datagram */
	CONF_FAULT_CORRUPT_SHARE,	/* forward a damaged share of x */
	CONF_FAULT_REPLAY,		/* send B its SIGNED_SHARE again */
	CONF_FAULT_REUSE_OTS,		/* sign a second share, same OTS key */
};

/*
 * Who runs the server and proxy roles ([Node] DataPath): the agent
 * itself, or the m2mkx module, which the agent then configures and
 * feeds T's key material.
 */
enum conf_datapath {
	CONF_DATAPATH_USERSPACE = 0,
	CONF_DATAPATH_KERNEL,
};

/* Test faults of T ([Issuer] Fault =), for the restart tests only. */
enum conf_issuer_fault {
	CONF_ISSUER_FAULT_NONE = 0,
	/* Die by SIGKILL once the record is written, before sending. */
	CONF_ISSUER_FAULT_CRASH_AFTER_RECORD,
};

/* A file a role opens itself (certificates, T's key), with its line. */
struct conf_file {
	char *path;
	unsigned int line;
};

/* [Client], [ProxyPeer], [ServerPeer] or [IssuerPeer]. */
struct conf_peer {
	unsigned int line;		/* of the section header */
	bool has_id, has_key, has_public_key, has_endpoint;
	u8 id[M2MKX_ID_LEN];
	u8 key[M2MKX_AES128_KEY_LEN];	/* pairwise key */
	u8 public_key[M2MKX_X25519_LEN];
	struct m2mkx_endpoint endpoint;
};

struct conf_peers {
	unsigned int count;
	struct conf_peer peer[CONF_MAX_PEERS];
};

/*
 * [EspPeer]: the node an ESP SA pair is set up with once a session with
 * it completes (B: a client A; A: its server B), at Address, from this
 * node's LocalAddress (Documentation/keys.rst).
 */
struct conf_esp_peer {
	unsigned int line;		/* of the section header */
	bool has_id, has_address, has_local;
	u8 id[M2MKX_ID_LEN];
	struct xfrm_ip address;
	struct xfrm_ip local;
};

struct conf_esp_peers {
	unsigned int count;
	struct conf_esp_peer peer[CONF_MAX_PEERS];
};

/* [Session]: what becomes of a session's keys at B (and A's SAs). */
#define CONF_SESSION_LIFETIME_DEFAULT 3600
#define CONF_SESSION_LIFETIME_MAX 31536000

struct conf {
	const char *path;		/* as given, for messages */

	/* [Node] */
	u8 id[M2MKX_ID_LEN];
	struct m2mkx_endpoint listen;
	bool listen_v4;			/* ListenAddress was IPv4 */
	unsigned int roles;		/* enum conf_role bits */
	enum conf_datapath datapath;
	u16 kernel_port;		/* the module's UDP port */

	/* [Server] */
	u8 server_key[M2MKX_X25519_LEN];
	struct conf_file trust[CONF_MAX_TRUST];
	unsigned int trust_count;
	/*
	 * The keyring the module takes T's certificates from, as keyctl
	 * names it ("@u", "@s", "%:NAME", a serial); NULL: not given.
	 */
	char *trust_keyring;
	unsigned int max_proxies;
	unsigned int min_threshold;
	u32 share_window_ms;		/* B's, protocol.rst */
	bool allow_dispersal;
	bool allow_lamport;

	/* [Proxy] */
	u8 issuer_key[M2MKX_AES128_KEY_LEN];
	struct m2mkx_endpoint issuer;
	enum conf_fault fault;

	/* [Issuer] */
	struct conf_file signing_key;
	unsigned int max_lifetime;
	/* T's record of what it issued; path NULL: the default one. */
	struct conf_file state_file;
	enum conf_issuer_fault issuer_fault;

	struct conf_peers clients;
	struct conf_peers proxy_peers;
	struct conf_peers server_peers;
	struct conf_peer issuer_peer;

	/* [Handshake] */
	struct m2mkx_params params;
	u16 lifetime_s;

	/*
	 * [Session]: B's keyring for session keys, as keyctl names it
	 * (NULL: none added), their owner ((uid_t)-1: the agent's user),
	 * and the lifetime of keys and SAs.
	 */
	char *session_keyring;
	uid_t session_key_owner;
	unsigned int session_lifetime_s;

	struct conf_esp_peers esp_peers;
};

/*
 * Reads the file at @path for @program into @c. On error prints the one
 * line on stderr, releases what it took and returns -1.
 */
int conf_load(struct conf *c, const char *path, enum conf_program program);

/* Frees the paths and wipes the keys. */
void conf_free(struct conf *c);

const struct conf_peer *conf_peer_find(const struct conf_peers *peers,
				       const u8 id[M2MKX_ID_LEN]);

/* The [EspPeer] of node @id, or NULL. */
const struct conf_esp_peer *conf_esp_peer_find(const struct conf *c,
					       const u8 id[M2MKX_ID_LEN]);

#endif /* M2MKX_COMMON_CONF_H */
