/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The proxy's peers: neighbours A it shares a pairwise key with, and the
 * servers B it trusts, each pinned by its static X25519 public key.
 */
#ifndef _M2MKX_PEERS_H
#define _M2MKX_PEERS_H

#include <linux/list.h>
#include <linux/siphash.h>
#include <linux/types.h>

#include <m2mkx/proxy.h>

/* Operators configure these; the caps keep a misbehaving tool in check. */
#define M2MKX_MAX_NEIGHBORS 4096
#define M2MKX_MAX_SERVERS 256
#define M2MKX_NEIGHBOR_HASH_BITS 6

struct m2mkx_neighbor {
	struct hlist_node node;
	u8 id[M2MKX_ID_LEN];
	u8 key[M2MKX_AES128_KEY_LEN];
};

struct m2mkx_server_peer {
	struct hlist_node node;
	u8 id[M2MKX_ID_LEN];
	u8 public_key[M2MKX_X25519_LEN];
};

/*
 * Everything here is protected by the owning instance's mutex, the one
 * the core runs under: the key pointers the lookups hand the core stay
 * valid for the whole step function.
 */
struct m2mkx_peers {
	/* What the core's proxy role asks through. */
	struct m2mkx_proxy_keys keys;
	siphash_key_t hash_key;
	struct hlist_head neighbors[1 << M2MKX_NEIGHBOR_HASH_BITS];
	struct hlist_head servers;
	unsigned int n_neighbors;
	unsigned int n_servers;
	/* Changes on every add and delete, for dumps to notice. */
	u32 generation;
};

void m2mkx_peers_init(struct m2mkx_peers *p);
/* Wipes and frees every peer. */
void m2mkx_peers_free(struct m2mkx_peers *p);

/* Adds or replaces; -ENOSPC at the cap, -ENOMEM. */
int m2mkx_peers_neighbor_set(struct m2mkx_peers *p,
			     const u8 id[M2MKX_ID_LEN],
			     const u8 key[M2MKX_AES128_KEY_LEN]);
/* -ENOENT when there is no such neighbour. */
int m2mkx_peers_neighbor_del(struct m2mkx_peers *p,
			     const u8 id[M2MKX_ID_LEN]);
int m2mkx_peers_server_set(struct m2mkx_peers *p, const u8 id[M2MKX_ID_LEN],
			   const u8 public_key[M2MKX_X25519_LEN]);
int m2mkx_peers_server_del(struct m2mkx_peers *p, const u8 id[M2MKX_ID_LEN]);

#endif /* _M2MKX_PEERS_H */
