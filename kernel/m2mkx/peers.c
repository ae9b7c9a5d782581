// SPDX-License-Identifier: GPL-2.0
/*
 * Neighbours and servers of the proxy role, and the lookups the core
 * makes through struct m2mkx_proxy_keys.
 *
 * A SHARES datagram names its sender A before anything about it is
 * authenticated, so the neighbour table is hashed with a secret key: a
 * stranger cannot pick ids that pile into one bucket.
 */
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "peers.h"

static struct hlist_head *neighbor_bucket(struct m2mkx_peers *p,
					  const u8 id[M2MKX_ID_LEN])
{
	u64 h = siphash(id, M2MKX_ID_LEN, &p->hash_key);

	return &p->neighbors[h & (ARRAY_SIZE(p->neighbors) - 1)];
}

static struct m2mkx_neighbor *neighbor_find(struct m2mkx_peers *p,
					    const u8 id[M2MKX_ID_LEN])
{
	struct m2mkx_neighbor *n;

	hlist_for_each_entry(n, neighbor_bucket(p, id), node)
		if (!memcmp(n->id, id, M2MKX_ID_LEN))
			return n;
	return NULL;
}

static struct m2mkx_server_peer *server_find(struct m2mkx_peers *p,
					     const u8 id[M2MKX_ID_LEN])
{
	struct m2mkx_server_peer *s;

	hlist_for_each_entry(s, &p->servers, node)
		if (!memcmp(s->id, id, M2MKX_ID_LEN))
			return s;
	return NULL;
}

static const u8 *neighbour_key(const struct m2mkx_proxy_keys *keys,
			       const u8 a[M2MKX_ID_LEN])
{
	struct m2mkx_peers *p = container_of(keys, struct m2mkx_peers, keys);
	struct m2mkx_neighbor *n = neighbor_find(p, a);

	return n ? n->key : NULL;
}

static const u8 *server_key(const struct m2mkx_proxy_keys *keys,
			    const u8 b[M2MKX_ID_LEN])
{
	struct m2mkx_peers *p = container_of(keys, struct m2mkx_peers, keys);
	struct m2mkx_server_peer *s = server_find(p, b);

	return s ? s->public_key : NULL;
}

void m2mkx_peers_init(struct m2mkx_peers *p)
{
	unsigned int i;

	p->keys.neighbour_key = neighbour_key;
	p->keys.server_key = server_key;
	get_random_bytes(&p->hash_key, sizeof(p->hash_key));
	for (i = 0; i < ARRAY_SIZE(p->neighbors); i++)
		INIT_HLIST_HEAD(&p->neighbors[i]);
	INIT_HLIST_HEAD(&p->servers);
	p->n_neighbors = 0;
	p->n_servers = 0;
	p->generation = 1;
}

void m2mkx_peers_free(struct m2mkx_peers *p)
{
	struct m2mkx_server_peer *s;
	struct m2mkx_neighbor *n;
	struct hlist_node *tmp;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(p->neighbors); i++) {
		hlist_for_each_entry_safe(n, tmp, &p->neighbors[i], node) {
			hlist_del(&n->node);
			kfree_sensitive(n);
		}
	}
	hlist_for_each_entry_safe(s, tmp, &p->servers, node) {
		hlist_del(&s->node);
		kfree(s);
	}
	p->n_neighbors = 0;
	p->n_servers = 0;
	p->generation++;
}

int m2mkx_peers_neighbor_set(struct m2mkx_peers *p,
			     const u8 id[M2MKX_ID_LEN],
			     const u8 key[M2MKX_AES128_KEY_LEN])
{
	struct m2mkx_neighbor *n = neighbor_find(p, id);

	if (n) {
		/* The core only borrows the key within a step: replace it. */
		memcpy(n->key, key, sizeof(n->key));
		return 0;
	}
	if (p->n_neighbors >= M2MKX_MAX_NEIGHBORS)
		return -ENOSPC;
	n = kzalloc(sizeof(*n), GFP_KERNEL);
	if (!n)
		return -ENOMEM;
	memcpy(n->id, id, sizeof(n->id));
	memcpy(n->key, key, sizeof(n->key));
	hlist_add_head(&n->node, neighbor_bucket(p, id));
	p->n_neighbors++;
	p->generation++;
	return 0;
}

int m2mkx_peers_neighbor_del(struct m2mkx_peers *p,
			     const u8 id[M2MKX_ID_LEN])
{
	struct m2mkx_neighbor *n = neighbor_find(p, id);

	if (!n)
		return -ENOENT;
	hlist_del(&n->node);
	kfree_sensitive(n);
	p->n_neighbors--;
	p->generation++;
	return 0;
}

int m2mkx_peers_server_set(struct m2mkx_peers *p, const u8 id[M2MKX_ID_LEN],
			   const u8 public_key[M2MKX_X25519_LEN])
{
	struct m2mkx_server_peer *s = server_find(p, id);

	if (s) {
		memcpy(s->public_key, public_key, sizeof(s->public_key));
		return 0;
	}
	if (p->n_servers >= M2MKX_MAX_SERVERS)
		return -ENOSPC;
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	memcpy(s->id, id, sizeof(s->id));
	memcpy(s->public_key, public_key, sizeof(s->public_key));
	hlist_add_head(&s->node, &p->servers);
	p->n_servers++;
	p->generation++;
	return 0;
}

int m2mkx_peers_server_del(struct m2mkx_peers *p, const u8 id[M2MKX_ID_LEN])
{
	struct m2mkx_server_peer *s = server_find(p, id);

	if (!s)
		return -ENOENT;
	hlist_del(&s->node);
	kfree(s);
	p->n_servers--;
	p->generation++;
	return 0;
}
