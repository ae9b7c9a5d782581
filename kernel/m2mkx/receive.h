/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Datagrams in: cheap checks in softirq, the protocol in a worker.
 */
#ifndef _M2MKX_RECEIVE_H
#define _M2MKX_RECEIVE_H

#include <linux/skbuff.h>
#include <net/sock.h>

#include <m2mkx/proxy.h>

struct m2mkx_net;

/* Datagrams and bytes (truesize) one instance queues at most. */
#define M2MKX_RX_QUEUE_LEN 1024
#define M2MKX_RX_QUEUE_BYTES (8U << 20)

/*
 * The longest datagram any role takes (length_possible() checks each
 * type against its own bound): what the worker's buffer for fragmented
 * datagrams holds.
 */
#define M2MKX_RX_MAX_LEN M2MKX_SIGNED_SHARE_MAX_LEN

/* The UDP encap_rcv hook of the instance's sockets. */
int m2mkx_receive(struct sock *sk, struct sk_buff *skb);

void m2mkx_receive_init(struct m2mkx_net *mn);
/*
 * Waits for the worker and drops what is still queued, and the worker's
 * buffer; the sockets must be closed already, so that nothing queues
 * more.
 */
void m2mkx_receive_stop(struct m2mkx_net *mn);

#endif /* _M2MKX_RECEIVE_H */
