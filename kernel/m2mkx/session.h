/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The session tables of the server and proxy roles, and the one timer
 * that drives every session of a network namespace.
 */
#ifndef _M2MKX_SESSION_H
#define _M2MKX_SESSION_H

#include <linux/bits.h>
#include <linux/list.h>
#include <linux/siphash.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include <m2mkx/proxy.h>
#include <m2mkx/server.h>

struct m2mkx_net;

#define M2MKX_SESSION_HASH_BITS 10
#define M2MKX_SESSION_BUCKETS BIT(M2MKX_SESSION_HASH_BITS)
#define M2MKX_DEFAULT_MAX_SESSIONS 256
#define M2MKX_MAX_MAX_SESSIONS 65536

struct m2mkx_server_entry {
	struct hlist_node node;
	struct list_head link;		/* in m2mkx_table.entries */
	struct m2mkx_server_session s;
};

struct m2mkx_proxy_entry {
	struct hlist_node node;
	struct list_head link;		/* in m2mkx_table.entries */
	u64 created;
	struct m2mkx_proxy_session s;
};

struct m2mkx_table {
	/* M2MKX_SESSION_BUCKETS heads, allocated by the first session. */
	struct hlist_head *buckets;
	/*
	 * Every entry, for the timer and the flushes, which would otherwise
	 * walk all the buckets, nearly all empty, on every run.
	 */
	struct list_head entries;
	unsigned int count;
};

/* Protected by the instance mutex, like everything the core touches. */
struct m2mkx_sessions {
	struct m2mkx_table server;
	struct m2mkx_table proxy;
	siphash_key_t hash_key;
	/* When the timer work is due, M2MKX_NO_DEADLINE when not armed. */
	u64 timer_due;
	struct delayed_work timer_work;
	/* Set at namespace exit: the timer is never armed again. */
	bool stopped;
	/* Changes on every insertion and removal, for dumps to notice. */
	u32 generation;
};

/* Milliseconds of the clock the roles run on (jiffies, like the timer). */
u64 m2mkx_now_ms(void);

void m2mkx_sessions_init(struct m2mkx_net *mn);
/* Cancels the timer for good; called without the instance mutex. */
void m2mkx_sessions_stop(struct m2mkx_net *mn);
/* Wipes and frees every session and the tables. */
void m2mkx_sessions_free(struct m2mkx_net *mn);

/* Ends every session of one role at once, without events. */
void m2mkx_sessions_flush_server(struct m2mkx_net *mn);
void m2mkx_sessions_flush_proxy(struct m2mkx_net *mn);

/* Makes sure the timer runs no later than @deadline (ms). */
void m2mkx_sessions_arm(struct m2mkx_net *mn, u64 deadline);

/*
 * Lookups, and creation for the datagrams that may create a session.
 * The *_new functions return NULL and set *@reason (negative: -M2MKX_EFULL
 * or -M2MKX_PATH_NO_MEMORY) when the table is full or memory is short; a
 * new entry is not in the table until *_insert. An entry that did not
 * take its datagram is given back with *_free.
 */
struct m2mkx_server_entry *
m2mkx_server_lookup(struct m2mkx_net *mn, const u8 id[M2MKX_SESSION_LEN]);
struct m2mkx_server_entry *m2mkx_server_new(struct m2mkx_net *mn,
					    int *reason);
void m2mkx_server_insert(struct m2mkx_net *mn, struct m2mkx_server_entry *e);
/* The server sessions from @from's source whose handshake is not over. */
unsigned int m2mkx_server_pending_from(struct m2mkx_net *mn,
				       const struct m2mkx_endpoint *from);
void m2mkx_server_free(struct m2mkx_server_entry *e);

struct m2mkx_proxy_entry *
m2mkx_proxy_lookup(struct m2mkx_net *mn, const u8 id[M2MKX_SESSION_LEN]);
struct m2mkx_proxy_entry *m2mkx_proxy_new(struct m2mkx_net *mn, u64 now,
					  int *reason);
/* Inserts @e, which must hold its session id (material or share). */
void m2mkx_proxy_insert(struct m2mkx_net *mn, struct m2mkx_proxy_entry *e);
/*
 * Gives @e's session the SIGNED_SHARE buffer it needs now, allocated only
 * when @signing (B's CHALLENGE is about to be fed to it), and frees one it
 * no longer needs; see m2mkx_proxy_buffer_need(). Returns 0 or
 * -M2MKX_PATH_NO_MEMORY.
 */
int m2mkx_proxy_buffer_fit(struct m2mkx_proxy_entry *e, bool signing);
void m2mkx_proxy_free(struct m2mkx_proxy_entry *e);

/*
 * Installs key material the agent opened: into the session it names, or
 * a new one. Returns 0 or a negative reason, as the core's step functions
 * do; the caller maps it to an errno.
 */
int m2mkx_sessions_install(struct m2mkx_net *mn,
			   const struct m2mkx_key_material *m);

#endif /* _M2MKX_SESSION_H */
