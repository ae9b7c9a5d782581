// SPDX-License-Identifier: GPL-2.0
/*
 * The receive path.
 *
 * In softirq, m2mkx_receive() only does what costs nothing: it checks the
 * UDP header, reads the two-byte m2mkx header, picks the role that takes
 * the type and checks that the length is possible for it. What passes is
 * queued on the instance's bounded queue; what does not is counted under
 * its reason and freed. Everything that costs (MACs, X25519, RSA, the
 * one-time signatures) runs in the worker, in process context, one
 * datagram at a time under the instance mutex, the way the agent's
 * dispatch() runs it in userspace.
 *
 * KEY_MATERIAL is not taken here: the agent opens it with the key it
 * shares with T and installs the result through netlink.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/sched.h>
#include <linux/timekeeping.h>
#include <linux/udp.h>

#include "instance.h"
#include "receive.h"
#include "session.h"

/* What the softirq learnt, for the worker. */
struct m2mkx_rx_cb {
	struct m2mkx_endpoint from;
	u8 type;
	u8 role;			/* enum m2mkx_counter_role */
};

#define RX_CB(skb) ((struct m2mkx_rx_cb *)(skb)->cb)

/* The role that takes @type on a node playing @roles, if any. */
static enum m2mkx_counter_role route(int type, u32 roles)
{
	switch (type) {
	case M2MKX_MSG_HELLO:
	case M2MKX_MSG_PROXY_HELLO:
	case M2MKX_MSG_SIGNED_SHARE:
	case M2MKX_MSG_FINAL_REQUEST:
		return roles & M2MKX_ROLE_SERVER ? M2MKX_CTR_SERVER :
						   M2MKX_CTR_DISPATCH;
	case M2MKX_MSG_SHARES:
	case M2MKX_MSG_CHALLENGE:
	case M2MKX_MSG_ANSWER:
		return roles & M2MKX_ROLE_PROXY ? M2MKX_CTR_PROXY :
						  M2MKX_CTR_DISPATCH;
	default:
		/* What A and T take, and KEY_MATERIAL, which the agent opens. */
		return M2MKX_CTR_DISPATCH;
	}
}

/*
 * Whether a datagram of @type may be @len bytes long. Fixed-size messages
 * must be exactly their size; the others must lie within what their counts
 * allow, which the core then checks exactly.
 */
static bool length_possible(int type, unsigned int len)
{
	switch (type) {
	case M2MKX_MSG_HELLO:
		return len == M2MKX_HELLO_LEN || len == M2MKX_HELLO_COOKIE_LEN;
	case M2MKX_MSG_PROXY_HELLO:
		return len == M2MKX_PROXY_HELLO_LEN;
	case M2MKX_MSG_FINAL_REQUEST:
		return len == M2MKX_FINAL_REQUEST_LEN;
	case M2MKX_MSG_CHALLENGE:
		return len == M2MKX_CHALLENGE_LEN;
	case M2MKX_MSG_ANSWER:
		return len == M2MKX_ANSWER_LEN;
	case M2MKX_MSG_SHARES:
		return len >= M2MKX_SHARES_HDR_LEN &&
		       len <= M2MKX_SHARES_LEN(M2MKX_MAX_PROXIES,
					       M2MKX_SHARE_MAX_SECRET_LEN);
	case M2MKX_MSG_SIGNED_SHARE:
		return len >= M2MKX_SIGNED_SHARE_FIXED_LEN &&
		       len <= M2MKX_SIGNED_SHARE_MAX_LEN;
	default:
		return false;
	}
}

/*
 * rx_bytes() may copy any datagram length_possible() lets through: the
 * fixed sizes are a few dozen bytes, SIGNED_SHARE's bound is the buffer's.
 */
static_assert(M2MKX_SHARES_LEN(M2MKX_MAX_PROXIES,
			       M2MKX_SHARE_MAX_SECRET_LEN) <= M2MKX_RX_MAX_LEN);

/*
 * Leaves skb->data at the UDP payload, trimmed to the length the UDP
 * header gives, with at least the m2mkx header linear. False when the
 * headers disagree with the packet.
 */
static bool pull_payload(struct sk_buff *skb)
{
	size_t offset, len;
	struct udphdr *udp;

	if (unlikely(skb_transport_header(skb) < skb->head ||
		     skb_transport_header(skb) + sizeof(*udp) >
			     skb_tail_pointer(skb)))
		return false;
	udp = udp_hdr(skb);
	offset = (u8 *)udp - skb->data;
	if (unlikely(offset > U16_MAX || offset + sizeof(*udp) > skb->len))
		return false;
	len = ntohs(udp->len);
	if (unlikely(len < sizeof(*udp) || len > skb->len - offset))
		return false;
	len -= sizeof(*udp);
	offset += sizeof(*udp);
	if (unlikely(!pskb_may_pull(skb, offset + min_t(size_t, len, 2)) ||
		     pskb_trim(skb, offset + len)))
		return false;
	skb_pull(skb, offset);
	return skb->len == len;
}

static void endpoint_from_skb(const struct sk_buff *skb,
			      struct m2mkx_endpoint *ep)
{
	memset(ep->addr, 0, sizeof(ep->addr));
	if (skb->protocol == htons(ETH_P_IP)) {
		ep->addr[10] = 0xff;
		ep->addr[11] = 0xff;
		memcpy(ep->addr + 12, &ip_hdr(skb)->saddr, 4);
	} else {
		memcpy(ep->addr, &ipv6_hdr(skb)->saddr, sizeof(ep->addr));
	}
	ep->port = ntohs(udp_hdr(skb)->source);
}

static bool enqueue(struct m2mkx_net *mn, struct sk_buff *skb)
{
	bool queued = false;

	spin_lock(&mn->rx_queue.lock);
	if (skb_queue_len(&mn->rx_queue) < M2MKX_RX_QUEUE_LEN &&
	    mn->rx_queue_bytes + skb->truesize <= M2MKX_RX_QUEUE_BYTES) {
		__skb_queue_tail(&mn->rx_queue, skb);
		mn->rx_queue_bytes += skb->truesize;
		queued = true;
	}
	spin_unlock(&mn->rx_queue.lock);
	return queued;
}

/*
 * The worker is falling behind: the queue holds an eighth of what it may.
 * Each source then gets its ratelimiter.c budget, and no more.
 */
static bool under_load(struct m2mkx_net *mn)
{
	return skb_queue_len_lockless(&mn->rx_queue) >=
	       M2MKX_RX_QUEUE_LEN / 8;
}

static struct sk_buff *dequeue(struct m2mkx_net *mn)
{
	struct sk_buff *skb;

	spin_lock_bh(&mn->rx_queue.lock);
	skb = __skb_dequeue(&mn->rx_queue);
	if (skb)
		mn->rx_queue_bytes -= skb->truesize;
	spin_unlock_bh(&mn->rx_queue.lock);
	return skb;
}

int m2mkx_receive(struct sock *sk, struct sk_buff *skb)
{
	enum m2mkx_counter_role role = M2MKX_CTR_DISPATCH;
	struct m2mkx_net *mn;
	unsigned int reason;
	int type;

	mn = rcu_dereference_sk_user_data(sk);
	if (unlikely(!mn))
		goto free;
	if (unlikely(!pull_payload(skb))) {
		reason = M2MKX_PATH_BAD_UDP;
		goto drop;
	}
	type = m2mkx_msg_peek(skb->data, skb->len);
	if (unlikely(type < 0)) {
		reason = -type;
		goto drop;
	}
	role = route(type, READ_ONCE(mn->roles));
	if (unlikely(role == M2MKX_CTR_DISPATCH)) {
		reason = M2MKX_ENOTFORUS;
		goto drop;
	}
	if (unlikely(!length_possible(type, skb->len))) {
		reason = M2MKX_ELENGTH;
		goto drop;
	}

	BUILD_BUG_ON(sizeof(struct m2mkx_rx_cb) > sizeof(skb->cb));
	endpoint_from_skb(skb, &RX_CB(skb)->from);
	RX_CB(skb)->type = type;
	RX_CB(skb)->role = role;
	/*
	 * The worker needs neither the route nor the connection: drop both
	 * now, as a queued skb must not pin them (nor hold a noref dst past
	 * this RCU section).
	 */
	skb_dst_drop(skb);
	nf_reset_ct(skb);
	/* Nor the device, which may be gone by the time the worker runs. */
	skb->dev = NULL;
	if (unlikely(under_load(mn)) &&
	    !m2mkx_ratelimiter_allow(&mn->ratelimiter, &RX_CB(skb)->from,
				     ktime_get_coarse_boottime_ns())) {
		reason = M2MKX_PATH_RATE_LIMITED;
		goto drop;
	}
	if (unlikely(!enqueue(mn, skb))) {
		role = M2MKX_CTR_DISPATCH;
		reason = M2MKX_PATH_QUEUE_FULL;
		goto drop;
	}
	queue_work(m2mkx_wq, &mn->rx_work);
	return 0;

drop:
	m2mkx_count(&mn->counters, role, reason);
free:
	kfree_skb(skb);
	return 0;
}

/*
 * B is busy enough that a HELLO must prove its source address (a cookie)
 * before it gets a session: the worker is falling behind, or half the
 * session table is taken. Spoofed sources can then fill at most half.
 */
static bool server_under_load(struct m2mkx_net *mn)
{
	return under_load(mn) ||
	       mn->sessions.server.count * 2 >= mn->max_sessions;
}

static int server_accept(struct m2mkx_net *mn,
			 const struct m2mkx_hello *hello,
			 const struct m2mkx_endpoint *from, u64 now)
{
	struct m2mkx_server_entry *e;
	int ret;

	ret = m2mkx_server_hello_gate(&mn->cookies, &mn->server, hello, from,
				      now, server_under_load(mn),
				      &mn->server_tx.sink);
	if (ret)
		return ret;
	/*
	 * No source may hold more than its share of the table with
	 * handshakes it does not finish: one flooding host cannot lock the
	 * others out until its sessions' lifetime runs out.
	 */
	if (m2mkx_server_pending_from(mn, from) >=
	    max(mn->max_sessions / M2MKX_SOURCE_SHARE, 1U))
		return -M2MKX_PATH_SOURCE_FULL;
	e = m2mkx_server_new(mn, &ret);
	if (!e)
		return ret;
	ret = m2mkx_server_accept(&e->s, &mn->server, hello, from, now,
				  &mn->server_tx.sink);
	if (ret) {
		m2mkx_server_free(e);
		return ret;
	}
	m2mkx_server_insert(mn, e);
	m2mkx_sessions_arm(mn, m2mkx_server_deadline(&e->s));
	return 0;
}

/* B: HELLO may start a session; everything else must name one. */
static int server_rx(struct m2mkx_net *mn, int type, const u8 *buf,
		     size_t len, const struct m2mkx_endpoint *from)
{
	u64 now = m2mkx_now_ms();
	struct m2mkx_server_entry *e;
	u8 id[M2MKX_SESSION_LEN];
	int ret;

	if (type == M2MKX_MSG_HELLO) {
		struct m2mkx_hello hello;

		ret = m2mkx_hello_parse(buf, len, &hello);
		if (ret)
			return ret;
		/* Not worth a session, even a full table's refusal. */
		if (memcmp(hello.b, mn->server.id, M2MKX_ID_LEN))
			return -M2MKX_ENOTFORUS;
		m2mkx_server_session_id(&mn->server, &hello, id);
		e = m2mkx_server_lookup(mn, id);
		if (!e)
			return server_accept(mn, &hello, from, now);
	} else {
		ret = m2mkx_server_route(buf, len, id);
		if (ret < 0)
			return ret;
		e = m2mkx_server_lookup(mn, id);
		if (!e)
			return -M2MKX_ENOSESSION;
	}
	ret = m2mkx_server_rx(&e->s, &mn->server, buf, len, from, now,
			      (u64)ktime_get_real_seconds(),
			      &mn->server_tx.sink);
	m2mkx_sessions_arm(mn, m2mkx_server_deadline(&e->s));
	return ret;
}

/*
 * P_i: only A's SHARES may start a session here (T's material comes
 * through netlink); B's CHALLENGE and ANSWER answer one of ours. A
 * session a SHARES created but did not take is freed at once, so that
 * unauthenticated datagrams cannot fill the table.
 */
static int proxy_rx(struct m2mkx_net *mn, int type, const u8 *buf,
		    size_t len, const struct m2mkx_endpoint *from)
{
	u64 now = m2mkx_now_ms();
	struct m2mkx_proxy_entry *e;
	u8 id[M2MKX_SESSION_LEN];
	bool created = false;
	int ret, err;

	ret = m2mkx_proxy_route(buf, len, id);
	if (ret < 0)
		return ret;
	e = m2mkx_proxy_lookup(mn, id);
	if (!e) {
		if (type != M2MKX_MSG_SHARES)
			return -M2MKX_ENOSESSION;
		e = m2mkx_proxy_new(mn, now, &ret);
		if (!e)
			return ret;
		created = true;
	}
	/*
	 * Dropped for want of memory, a CHALLENGE comes again: the core
	 * retransmits its PROXY_HELLO, which B answers with one.
	 */
	err = m2mkx_proxy_buffer_fit(e, type == M2MKX_MSG_CHALLENGE);
	if (err)
		return err;
	ret = m2mkx_proxy_rx(&e->s, &mn->proxy, buf, len, from, now,
			     &mn->proxy_tx.sink);
	if (created) {
		if (!e->s.have_share && !e->s.have_material) {
			m2mkx_proxy_free(e);
			return ret;
		}
		m2mkx_proxy_insert(mn, e);
	}
	m2mkx_proxy_buffer_fit(e, false);
	m2mkx_sessions_arm(mn, m2mkx_proxy_deadline(&e->s));
	return ret;
}

static const char *const role_names[M2MKX_CTR_ROLES] = {
	[M2MKX_CTR_DISPATCH] = "dispatch",
	[M2MKX_CTR_SERVER] = "server",
	[M2MKX_CTR_PROXY] = "proxy",
};

/*
 * The datagram as the one run of bytes the core parses. A fragmented one
 * (a SIGNED_SHARE is longer than an Ethernet MTU) is copied into the
 * instance's buffer, allocated on first need, rather than linearized:
 * that would allocate a new head for every such datagram, and zero it on
 * kernels that zero every allocation.
 */
static const u8 *rx_bytes(struct m2mkx_net *mn, const struct sk_buff *skb)
{
	lockdep_assert_held(&mn->lock);
	if (!skb_is_nonlinear(skb))
		return skb->data;
	if (!mn->rx_buf) {
		mn->rx_buf = kvmalloc(M2MKX_RX_MAX_LEN, GFP_KERNEL);
		if (!mn->rx_buf)
			return NULL;
	}
	return skb_header_pointer(skb, 0, skb->len, mn->rx_buf);
}

static void receive_one(struct m2mkx_net *mn, struct sk_buff *skb)
{
	const struct m2mkx_rx_cb *cb = RX_CB(skb);
	enum m2mkx_counter_role role = cb->role;
	const u8 *data;
	int ret;

	mutex_lock(&mn->lock);
	data = rx_bytes(mn, skb);
	/* A SET_INSTANCE may have changed the roles since the softirq. */
	if (route(cb->type, mn->roles) != role) {
		role = M2MKX_CTR_DISPATCH;
		ret = -M2MKX_ENOTFORUS;
	} else if (unlikely(!data)) {
		ret = -M2MKX_PATH_NO_MEMORY;
	} else if (role == M2MKX_CTR_SERVER) {
		u64 tx_ns = mn->server_tx_ns;

		m2mkx_runtime_start(&mn->server_clock);
		ret = server_rx(mn, cb->type, data, skb->len, &cb->from);
		mn->server_busy_ns += m2mkx_runtime_stop(&mn->server_clock) -
				      (mn->server_tx_ns - tx_ns);
	} else {
		ret = proxy_rx(mn, cb->type, data, skb->len, &cb->from);
	}
	mutex_unlock(&mn->lock);
	m2mkx_count(&mn->counters, role, ret < 0 ? -ret : 0);
	if (ret)
		net_dbg_ratelimited("m2mkx: %s dropped type %u from [%pI6c]:%u: %s\n",
				    role_names[role], cb->type, cb->from.addr,
				    cb->from.port, m2mkx_reason_name(-ret));
	consume_skb(skb);
}

static void receive_worker(struct work_struct *work)
{
	struct m2mkx_net *mn = container_of(work, struct m2mkx_net, rx_work);
	struct sk_buff *skb;

	while ((skb = dequeue(mn))) {
		receive_one(mn, skb);
		cond_resched();
	}
}

void m2mkx_receive_init(struct m2mkx_net *mn)
{
	skb_queue_head_init(&mn->rx_queue);
	m2mkx_ratelimiter_init(&mn->ratelimiter);
	mn->rx_queue_bytes = 0;
	mn->rx_buf = NULL;
	INIT_WORK(&mn->rx_work, receive_worker);
}

void m2mkx_receive_stop(struct m2mkx_net *mn)
{
	cancel_work_sync(&mn->rx_work);
	spin_lock_bh(&mn->rx_queue.lock);
	__skb_queue_purge(&mn->rx_queue);
	mn->rx_queue_bytes = 0;
	spin_unlock_bh(&mn->rx_queue.lock);
	kvfree(mn->rx_buf);
	mn->rx_buf = NULL;
	m2mkx_ratelimiter_free(&mn->ratelimiter);
}
