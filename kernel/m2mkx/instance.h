/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One m2mkx instance per network namespace: its configuration, peers,
 * sessions, socket, receive queue and counters.
 */
#ifndef _M2MKX_INSTANCE_H
#define _M2MKX_INSTANCE_H

#include <linux/mutex.h>
#include <linux/skbuff.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>

#include <m2mkx/proxy.h>
#include <m2mkx/server.h>

#include "counters.h"
#include "crypto.h"
#include "peers.h"
#include "ratelimiter.h"
#include "runtime.h"
#include "send.h"
#include "session.h"
#include "socket.h"

/* The workqueue every instance's receive and timer work runs on. */
extern struct workqueue_struct *m2mkx_wq;

/*
 * Locking:
 *
 * - @lock, a mutex, protects the configuration, the peers, the sessions
 *   and the sockets' lifetime. The receive worker takes it around each
 *   datagram, the timer work around each run, netlink around each
 *   command (inside genl_mutex; nothing holding @lock takes genl_mutex).
 *   The protocol core only ever runs under it, in process context, so
 *   the core needs no locking of its own and may sleep in the crypto
 *   API. Nobody waits for the works while holding it.
 * - The receive softirq takes no mutex: it reads @roles once, bumps
 *   atomic counters and appends to the receive queue under the queue's
 *   own spinlock. It finds the instance through the socket's
 *   sk_user_data, which socket.c clears (with an RCU grace period) before
 *   a socket goes away, and the instance outlives its sockets.
 */
struct m2mkx_net {
	struct net *net;
	/* Serialises all but the receive queue and the counters; see above. */
	struct mutex lock;

	/* enum m2mkx_role bits; written under @lock, read by the softirq. */
	u32 roles;
	bool have_id;
	bool have_server_key;
	s32 trust_serial;
	u32 max_sessions;
	u32 policy;

	struct m2mkx_server_config server;
	/* Keys of the HELLO cookies B sends when under load (receive.c). */
	struct m2mkx_server_cookies cookies;
	struct m2mkx_proxy_config proxy;
	struct m2mkx_trust trust;
	struct m2mkx_peers peers;
	struct m2mkx_sessions sessions;
	struct m2mkx_sockets sock;
	struct m2mkx_sender server_tx;
	struct m2mkx_sender proxy_tx;

	/* Datagrams waiting for the worker; bounded in number and bytes. */
	struct sk_buff_head rx_queue;
	/* What each source may queue while the queue is filling. */
	struct m2mkx_ratelimiter ratelimiter;
	unsigned int rx_queue_bytes;
	struct work_struct rx_work;
	/* A fragmented datagram's bytes, M2MKX_RX_MAX_LEN; @lock. */
	u8 *rx_buf;

	struct m2mkx_counters counters;
	/*
	 * The server role's busy time, its time sending (see
	 * M2MKX_A_SERVER_TX_NS) and its completed handshakes, and the clock
	 * that times the work item running it; @lock.
	 */
	struct m2mkx_runtime server_clock;
	u64 server_busy_ns;
	u64 server_tx_ns;
	u64 server_completed;
};

struct m2mkx_net *m2mkx_net(struct net *net);

/*
 * What a namespace's instance goes through when the namespace comes and
 * goes (also the KUnit suites' own instances): set up unconfigured, no
 * roles, no socket, default limits; torn down sockets first, then the
 * works, then the state, every secret wiped. Teardown sleeps.
 */
void m2mkx_instance_init(struct m2mkx_net *mn, struct net *net);
void m2mkx_instance_teardown(struct m2mkx_net *mn);

int m2mkx_instance_register(void);
void m2mkx_instance_unregister(void);

/*
 * A SET_INSTANCE request, parsed and checked by netlink.c; each field
 * counts only when its M2MKX_CHANGE_* bit is set.
 */
enum m2mkx_change_bits {
	M2MKX_CHANGE_ROLES = BIT(0),
	M2MKX_CHANGE_PORT = BIT(1),
	M2MKX_CHANGE_ID = BIT(2),
	M2MKX_CHANGE_SERVER_KEY = BIT(3),
	M2MKX_CHANGE_TRUST = BIT(4),
	M2MKX_CHANGE_MAX_SESSIONS = BIT(5),
	M2MKX_CHANGE_MAX_PROXIES = BIT(6),
	M2MKX_CHANGE_MIN_THRESHOLD = BIT(7),
	M2MKX_CHANGE_POLICY = BIT(8),
	M2MKX_CHANGE_SHARE_WINDOW = BIT(9),
};

struct m2mkx_instance_change {
	u32 what;
	u32 roles;
	u16 port;
	u8 id[M2MKX_ID_LEN];
	u8 server_key[M2MKX_X25519_LEN];
	s32 trust_serial;
	u32 max_sessions;
	u8 max_proxies;
	u8 min_threshold;
	u32 policy;
	u32 share_window_ms;
};

/*
 * Applies @ch all or nothing, under @mn->lock: a port that cannot be
 * bound, a keyring that cannot be used or an unusable key leave the
 * instance as it was. Returns 0 or a negative errno; *@bad then says
 * which M2MKX_CHANGE_* bit failed.
 */
int m2mkx_instance_apply(struct m2mkx_net *mn,
			 const struct m2mkx_instance_change *ch, u32 *bad);

#endif /* _M2MKX_INSTANCE_H */
