// SPDX-License-Identifier: GPL-2.0
/*
 * The sink the core's roles send through.
 *
 * The core asks for room for one datagram, writes it, then commits or
 * releases it. Each datagram gets its own buffer, headed by where it goes,
 * so that nothing assumes the core has one datagram in flight at a time.
 * The largest, a SIGNED_SHARE with a Lamport signature, is 17 KB, hence
 * kvmalloc(). All of it runs in process context under the instance mutex,
 * which also guards the server's send time.
 */
#include <linux/mm.h>
#include <linux/net.h>
#include <linux/overflow.h>
#include <linux/slab.h>

#include "instance.h"
#include "netlink.h"
#include "send.h"
#include "socket.h"

struct m2mkx_txbuf {
	struct m2mkx_endpoint to;
	size_t len;
	u8 data[];
};

static struct m2mkx_sender *to_sender(struct m2mkx_sink *sink)
{
	return container_of(sink, struct m2mkx_sender, sink);
}

static u8 *m2mkx_tx_alloc(struct m2mkx_sink *sink,
			  const struct m2mkx_endpoint *to, size_t len)
{
	struct m2mkx_sender *tx = to_sender(sink);
	struct m2mkx_txbuf *tb;

	tb = kvmalloc(struct_size(tb, data, len), GFP_KERNEL);
	if (!tb) {
		/* The core relies on retransmission, as for a lost datagram. */
		m2mkx_count(&tx->mn->counters, tx->role,
			    M2MKX_PATH_SEND_FAILED);
		return NULL;
	}
	tb->to = *to;
	tb->len = len;
	return tb->data;
}

static void m2mkx_tx_commit(struct m2mkx_sink *sink, u8 *buf, bool send)
{
	struct m2mkx_txbuf *tb = (struct m2mkx_txbuf *)
				 (buf - offsetof(struct m2mkx_txbuf, data));
	struct m2mkx_sender *tx = to_sender(sink);
	int ret;

	if (send) {
		struct m2mkx_runtime *clock = &tx->mn->server_clock;
		bool timed = tx->role == M2MKX_CTR_SERVER && clock->running;
		u64 start = timed ? m2mkx_runtime_read(clock) : 0;

		ret = m2mkx_socket_send(tx->mn, &tb->to, tb->data, tb->len);
		if (timed)
			tx->mn->server_tx_ns += m2mkx_runtime_read(clock) -
						start;
		if (ret) {
			m2mkx_count(&tx->mn->counters, tx->role,
				    M2MKX_PATH_SEND_FAILED);
			net_dbg_ratelimited("m2mkx: cannot send %zu bytes to [%pI6c]:%u: %d\n",
					    tb->len, tb->to.addr, tb->to.port,
					    ret);
		}
	}
	kvfree(tb);
}

static void m2mkx_tx_event(struct m2mkx_sink *sink,
			   const struct m2mkx_event *ev)
{
	struct m2mkx_sender *tx = to_sender(sink);

	/* The core runs under the instance mutex, which guards the count. */
	if (tx->role == M2MKX_CTR_SERVER && ev->type == M2MKX_EV_COMPLETED)
		tx->mn->server_completed++;
	m2mkx_netlink_event(tx->mn, tx->role, ev);
}

void m2mkx_sender_init(struct m2mkx_sender *tx, struct m2mkx_net *mn,
		       enum m2mkx_counter_role role)
{
	tx->sink.tx_alloc = m2mkx_tx_alloc;
	tx->sink.tx_commit = m2mkx_tx_commit;
	tx->sink.event = m2mkx_tx_event;
	tx->mn = mn;
	tx->role = role;
}
