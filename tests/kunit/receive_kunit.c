// SPDX-License-Identifier: GPL-2.0
/*
 * The receive path (kernel/m2mkx/receive.c) fed crafted datagrams: every
 * drop is counted once, under its role and reason, whether the softirq
 * part refuses it (UDP header, m2mkx header, role, length, queue) or the
 * worker does (not for us, no such session, roles changed meanwhile);
 * and a fragmented datagram is parsed as a flat one.
 *
 * The datagrams go to m2mkx_receive() as the UDP layer hands them to an
 * encapsulation socket (skb->data at the UDP header, the IP header before
 * it), with bottom halves off as in softirq, on a real socket of a test
 * instance; the worker runs on the module's workqueue as it does for
 * traffic.
 */
#include <kunit/test.h>
#include <linux/bottom_half.h>
#include <linux/ip.h>
#include <linux/mm.h>
#include <linux/skbuff.h>
#include <linux/udp.h>
#include <linux/workqueue.h>

#include <m2mkx/wire.h>

#include "harness.h"
#include "receive.h"
#include "vectors.h"

/* Not the module's default: a test run next to a configured one. */
#define TEST_PORT 47391

static int receive_test_init(struct kunit *test)
{
	struct m2mkx_net *mn = m2mkx_kunit_instance_new(test);
	int ret;

	test->priv = mn;
	mutex_lock(&mn->lock);
	ret = m2mkx_socket_open(mn, TEST_PORT, &mn->sock);
	mutex_unlock(&mn->lock);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "binding UDP port %u", TEST_PORT);
	return 0;
}

static void receive_test_exit(struct kunit *test)
{
	m2mkx_kunit_instance_free(test->priv);
}

static void set_roles(struct m2mkx_net *mn, u32 roles)
{
	mutex_lock(&mn->lock);
	WRITE_ONCE(mn->roles, roles);
	mutex_unlock(&mn->lock);
}

/* The source of the suite's datagrams unless one is given. */
#define TEST_SOURCE 0xc0000201		/* 192.0.2.1 */

/*
 * An IPv4 UDP datagram from @saddr, port 4000, carrying @len bytes of
 * @data, whose UDP length field claims @extra bytes more than it carries.
 */
static struct sk_buff *datagram_from(struct kunit *test, u32 saddr,
				     const void *data, size_t len, int extra)
{
	struct sk_buff *skb;
	struct udphdr *uh;
	struct iphdr *iph;

	skb = alloc_skb(LL_MAX_HEADER + sizeof(*iph) + sizeof(*uh) + len,
			GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	skb_reserve(skb, LL_MAX_HEADER);
	skb_reset_network_header(skb);
	iph = skb_put_zero(skb, sizeof(*iph));
	iph->version = 4;
	iph->ihl = 5;
	iph->ttl = 64;
	iph->protocol = IPPROTO_UDP;
	iph->saddr = htonl(saddr);
	iph->daddr = htonl(0xc0000202);
	iph->tot_len = htons(sizeof(*iph) + sizeof(*uh) + len);
	skb_set_transport_header(skb, sizeof(*iph));
	uh = skb_put_zero(skb, sizeof(*uh));
	uh->source = htons(4000);
	uh->dest = htons(TEST_PORT);
	uh->len = htons(sizeof(*uh) + len + extra);
	skb_put_data(skb, data, len);
	skb->protocol = htons(ETH_P_IP);
	skb_pull(skb, sizeof(*iph));
	return skb;
}

static struct sk_buff *datagram(struct kunit *test, const void *data,
				size_t len, int extra)
{
	return datagram_from(test, TEST_SOURCE, data, len, extra);
}

/*
 * @len bytes of @data as a fragmented datagram reaches the socket: the
 * first @head bytes of the payload in the skb's head, the rest in a page.
 */
static struct sk_buff *fragmented(struct kunit *test, const u8 *data,
				  size_t len, size_t head)
{
	size_t rest = len - head;
	struct sk_buff *skb;
	struct page *page;

	KUNIT_ASSERT_LE(test, rest, PAGE_SIZE);
	page = alloc_page(GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, page);
	memcpy(page_address(page), data + head, rest);
	skb = datagram(test, data, head, rest);
	skb_add_rx_frag(skb, 0, page, 0, rest, PAGE_SIZE);
	ip_hdr(skb)->tot_len = htons(ntohs(ip_hdr(skb)->tot_len) + rest);
	return skb;
}

/* Hands @skb to the receive hook as the softirq would. */
static void deliver(struct m2mkx_net *mn, struct sk_buff *skb)
{
	local_bh_disable();
	rcu_read_lock();
	m2mkx_receive(mn->sock.v4->sk, skb);
	rcu_read_unlock();
	local_bh_enable();
}

static void send_bytes(struct kunit *test, const void *data, size_t len)
{
	struct m2mkx_net *mn = test->priv;

	deliver(mn, datagram(test, data, len, 0));
}

/*
 * A well-formed header of @type followed by zeros, @len bytes in all,
 * from @saddr.
 */
static void send_type_from(struct kunit *test, u32 saddr, int type,
			   size_t len)
{
	u8 *buf = kunit_kzalloc(test, len, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	buf[0] = (u8)type;
	buf[1] = M2MKX_VERSION;
	deliver(test->priv, datagram_from(test, saddr, buf, len, 0));
}

static void send_type(struct kunit *test, int type, size_t len)
{
	send_type_from(test, TEST_SOURCE, type, len);
}

static void wait_worker(struct m2mkx_net *mn)
{
	flush_work(&mn->rx_work);
}

static void expect_count(struct kunit *test, struct m2mkx_net *mn,
			 enum m2mkx_counter_role role, unsigned int reason,
			 u64 n)
{
	static const char *const roles[] = { "dispatch", "server", "proxy" };

	KUNIT_EXPECT_EQ_MSG(test, m2mkx_kunit_count(mn, role, reason), n,
			    "counter %s/%s", roles[role],
			    m2mkx_reason_name(reason));
}

static void headers_refused_in_softirq(struct kunit *test)
{
	struct m2mkx_net *mn = test->priv;
	u8 buf[M2MKX_HELLO_LEN] = { M2MKX_MSG_HELLO, M2MKX_VERSION };

	set_roles(mn, M2MKX_ROLE_SERVER | M2MKX_ROLE_PROXY);
	send_bytes(test, buf, 1);
	buf[1] = M2MKX_VERSION + 1;
	send_bytes(test, buf, sizeof(buf));
	buf[1] = M2MKX_VERSION;
	buf[0] = 0;
	send_bytes(test, buf, sizeof(buf));
	buf[0] = M2MKX_MSG_Y_PACKAGE;
	send_bytes(test, buf, sizeof(buf));
	/* The UDP header claims more than the packet holds. */
	deliver(mn, datagram(test, buf, sizeof(buf), 1));
	wait_worker(mn);

	expect_count(test, mn, M2MKX_CTR_DISPATCH, M2MKX_ESHORT, 1);
	expect_count(test, mn, M2MKX_CTR_DISPATCH, M2MKX_EVERSION, 1);
	expect_count(test, mn, M2MKX_CTR_DISPATCH, M2MKX_ETYPE, 2);
	expect_count(test, mn, M2MKX_CTR_DISPATCH, M2MKX_PATH_BAD_UDP, 1);
	KUNIT_EXPECT_EQ(test, m2mkx_kunit_count_all(mn), 5);
}

/* A type no role here takes, and a length its type cannot have. */
static void role_and_length_refused_in_softirq(struct kunit *test)
{
	struct m2mkx_net *mn = test->priv;

	send_type(test, M2MKX_MSG_HELLO, M2MKX_HELLO_LEN);
	set_roles(mn, M2MKX_ROLE_SERVER);
	send_type(test, M2MKX_MSG_CHALLENGE, M2MKX_CHALLENGE_LEN);
	/* What A and T take, never B or P_i. */
	send_type(test, M2MKX_MSG_FINAL, 64);
	send_type(test, M2MKX_MSG_HELLO, M2MKX_HELLO_LEN - 1);
	send_type(test, M2MKX_MSG_FINAL_REQUEST, M2MKX_FINAL_REQUEST_LEN + 1);
	set_roles(mn, M2MKX_ROLE_PROXY);
	send_type(test, M2MKX_MSG_SHARES, M2MKX_SHARES_HDR_LEN - 1);
	send_type(test, M2MKX_MSG_ANSWER, M2MKX_ANSWER_LEN + 1);
	wait_worker(mn);

	expect_count(test, mn, M2MKX_CTR_DISPATCH, M2MKX_ENOTFORUS, 3);
	expect_count(test, mn, M2MKX_CTR_SERVER, M2MKX_ELENGTH, 2);
	expect_count(test, mn, M2MKX_CTR_PROXY, M2MKX_ELENGTH, 2);
	KUNIT_EXPECT_EQ(test, m2mkx_kunit_count_all(mn), 7);
}

/* The transcript's HELLO of A, as it went to B. */
static const struct m2mkx_kunit_bytes *vector_hello(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(m2mkx_kunit_transcript); i++)
		if (strstr(m2mkx_kunit_transcript[i].name, ".hello.A_to_B"))
			return &m2mkx_kunit_transcript[i].value;
	return NULL;
}

/* What passes the softirq and is refused by the roles in the worker. */
static void worker_refusals_counted_per_role(struct kunit *test)
{
	const struct m2mkx_kunit_bytes *hello = vector_hello();
	struct m2mkx_net *mn = test->priv;

	KUNIT_ASSERT_NOT_NULL(test, hello);
	KUNIT_ASSERT_EQ(test, hello->len, M2MKX_HELLO_LEN);
	set_roles(mn, M2MKX_ROLE_SERVER | M2MKX_ROLE_PROXY);
	/* To another B: this instance has no id yet. */
	send_bytes(test, hello->data, hello->len);
	send_type(test, M2MKX_MSG_FINAL_REQUEST, M2MKX_FINAL_REQUEST_LEN);
	send_type(test, M2MKX_MSG_CHALLENGE, M2MKX_CHALLENGE_LEN);
	send_type(test, M2MKX_MSG_ANSWER, M2MKX_ANSWER_LEN);
	wait_worker(mn);

	expect_count(test, mn, M2MKX_CTR_SERVER, M2MKX_ENOTFORUS, 1);
	expect_count(test, mn, M2MKX_CTR_SERVER, M2MKX_ENOSESSION, 1);
	expect_count(test, mn, M2MKX_CTR_PROXY, M2MKX_ENOSESSION, 2);
	KUNIT_EXPECT_EQ(test, m2mkx_kunit_count_all(mn), 4);
	/* Refusals create no session. */
	KUNIT_EXPECT_EQ(test, mn->sessions.server.count, 0);
	KUNIT_EXPECT_EQ(test, mn->sessions.proxy.count, 0);
}

/*
 * A datagram in pieces is parsed whole, from the instance's buffer: the
 * transcript's HELLO with only its m2mkx header in the skb's head fares
 * as the flat one does (to another B: not for us), and with its
 * parameters, which lie in the page, spoilt it gets the verdict the
 * parser gives those bytes flat.
 */
static void fragmented_datagram_parsed_whole(struct kunit *test)
{
	const struct m2mkx_kunit_bytes *hello = vector_hello();
	struct m2mkx_net *mn = test->priv;
	struct m2mkx_hello parsed;
	u8 spoilt[M2MKX_HELLO_LEN];
	int verdict;

	KUNIT_ASSERT_NOT_NULL(test, hello);
	KUNIT_ASSERT_EQ(test, hello->len, M2MKX_HELLO_LEN);
	memcpy(spoilt, hello->data, sizeof(spoilt));
	/* The last bytes: the handshake's parameters. */
	memset(spoilt + sizeof(spoilt) - 4, 0, 4);
	verdict = m2mkx_hello_parse(spoilt, sizeof(spoilt), &parsed);
	KUNIT_ASSERT_LT(test, verdict, 0);

	set_roles(mn, M2MKX_ROLE_SERVER);
	deliver(mn, fragmented(test, hello->data, hello->len, 2));
	deliver(mn, fragmented(test, spoilt, sizeof(spoilt), 2));
	wait_worker(mn);

	expect_count(test, mn, M2MKX_CTR_SERVER, M2MKX_ENOTFORUS, 1);
	expect_count(test, mn, M2MKX_CTR_SERVER, -verdict, 1);
	KUNIT_EXPECT_EQ(test, m2mkx_kunit_count_all(mn), 2);
	KUNIT_EXPECT_NOT_NULL(test, mn->rx_buf);
}

/* Queued for the server, taken by the worker after the role went away. */
static void roles_changed_while_queued(struct kunit *test)
{
	struct m2mkx_net *mn = test->priv;

	set_roles(mn, M2MKX_ROLE_SERVER);
	mutex_lock(&mn->lock);
	send_type(test, M2MKX_MSG_FINAL_REQUEST, M2MKX_FINAL_REQUEST_LEN);
	WRITE_ONCE(mn->roles, M2MKX_ROLE_PROXY);
	mutex_unlock(&mn->lock);
	wait_worker(mn);

	expect_count(test, mn, M2MKX_CTR_DISPATCH, M2MKX_ENOTFORUS, 1);
	KUNIT_EXPECT_EQ(test, m2mkx_kunit_count_all(mn), 1);
}

/*
 * With the worker held up on the instance mutex, the queue fills at
 * M2MKX_RX_QUEUE_LEN and the rest is dropped as queue_full; once the
 * worker runs, each queued datagram is counted too: exactly one count
 * per datagram.
 */
static void full_queue_drops_and_counts_everything(struct kunit *test)
{
	const unsigned int sent = M2MKX_RX_QUEUE_LEN + 8;
	struct m2mkx_net *mn = test->priv;
	u64 full, worked;
	unsigned int i;

	set_roles(mn, M2MKX_ROLE_SERVER);
	mutex_lock(&mn->lock);
	for (i = 0; i < sent; i++)
		send_type(test, M2MKX_MSG_FINAL_REQUEST,
			  M2MKX_FINAL_REQUEST_LEN);
	full = m2mkx_kunit_count(mn, M2MKX_CTR_DISPATCH,
				 M2MKX_PATH_QUEUE_FULL);
	mutex_unlock(&mn->lock);
	wait_worker(mn);

	/* The worker may have taken one off the queue before blocking. */
	KUNIT_EXPECT_GE(test, full, 7);
	KUNIT_EXPECT_LE(test, full, 8);
	worked = m2mkx_kunit_count(mn, M2MKX_CTR_SERVER, M2MKX_ENOSESSION);
	KUNIT_EXPECT_EQ(test, full + worked, sent);
	KUNIT_EXPECT_EQ(test, m2mkx_kunit_count_all(mn), sent);
	KUNIT_EXPECT_EQ(test, skb_queue_len(&mn->rx_queue), 0);
	KUNIT_EXPECT_EQ(test, mn->rx_queue_bytes, 0);
}

/*
 * Once the queue is an eighth full, a source gets its burst and the rest
 * of its datagrams is dropped before the queue as rate_limited, while
 * another source still gets through; every datagram is counted once.
 */
static void flooding_source_limited_under_load(struct kunit *test)
{
	const unsigned int load = M2MKX_RX_QUEUE_LEN / 8, flood = 100;
	const unsigned int other = 10, sent = load + flood + other;
	struct m2mkx_net *mn = test->priv;
	u64 limited, after_other;
	unsigned int i;

	KUNIT_ASSERT_EQ(test, m2mkx_ratelimiter_start(&mn->ratelimiter), 0);
	set_roles(mn, M2MKX_ROLE_SERVER);
	mutex_lock(&mn->lock);
	for (i = 0; i < load + flood; i++)
		send_type(test, M2MKX_MSG_FINAL_REQUEST,
			  M2MKX_FINAL_REQUEST_LEN);
	limited = m2mkx_kunit_count(mn, M2MKX_CTR_SERVER,
				    M2MKX_PATH_RATE_LIMITED);
	for (i = 0; i < other; i++)
		send_type_from(test, 0xc6336407, M2MKX_MSG_FINAL_REQUEST,
			       M2MKX_FINAL_REQUEST_LEN);
	after_other = m2mkx_kunit_count(mn, M2MKX_CTR_SERVER,
					M2MKX_PATH_RATE_LIMITED);
	mutex_unlock(&mn->lock);
	wait_worker(mn);

	/*
	 * The burst, and at most what the clock refilled while sending and
	 * what the worker took off before it blocked.
	 */
	KUNIT_EXPECT_LE(test, limited, flood - M2MKX_RL_BURST);
	KUNIT_EXPECT_GE(test, limited, flood - M2MKX_RL_BURST - 10);
	KUNIT_EXPECT_EQ(test, after_other, limited);
	expect_count(test, mn, M2MKX_CTR_SERVER, M2MKX_ENOSESSION,
		     sent - limited);
	KUNIT_EXPECT_EQ(test, m2mkx_kunit_count_all(mn), sent);
}

/* The suite's source as the receive path sees it: ::ffff:192.0.2.1:4000. */
static void test_source(struct m2mkx_endpoint *ep)
{
	unsigned int i;

	memset(ep, 0, sizeof(*ep));
	ep->addr[10] = 0xff;
	ep->addr[11] = 0xff;
	for (i = 0; i < 4; i++)
		ep->addr[12 + i] = (u8)(TEST_SOURCE >> (24 - 8 * i));
	ep->port = 4000;
}

/*
 * With half of B's session table taken, the transcript's HELLO is asked
 * for a cookie and leaves no session, as does that HELLO with a wrong
 * cookie; with the cookie B gives its source, it gets its session.
 */
static void hello_needs_cookie_when_table_half_full(struct kunit *test)
{
	const struct m2mkx_kunit_bytes *hello = vector_hello();
	struct m2mkx_net *mn = test->priv;
	struct m2mkx_server_entry *e;
	struct m2mkx_endpoint from;
	struct m2mkx_hello parsed;
	u8 *with;
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, hello);
	KUNIT_ASSERT_EQ(test, m2mkx_hello_parse(hello->data, hello->len,
						&parsed), 0);
	with = kunit_kzalloc(test, M2MKX_HELLO_COOKIE_LEN, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, with);
	set_roles(mn, M2MKX_ROLE_SERVER);
	mutex_lock(&mn->lock);
	memcpy(mn->server.id, parsed.b, M2MKX_ID_LEN);
	mn->have_id = true;
	mn->max_sessions = 2;
	/* Another handshake's session: the table is half full. */
	e = m2mkx_server_new(mn, &ret);
	if (e) {
		memset(e->s.session, 0x5e, sizeof(e->s.session));
		m2mkx_server_insert(mn, e);
	}
	mutex_unlock(&mn->lock);
	KUNIT_ASSERT_NOT_NULL(test, e);

	send_bytes(test, hello->data, hello->len);
	wait_worker(mn);
	expect_count(test, mn, M2MKX_CTR_SERVER, M2MKX_ECOOKIE, 1);
	KUNIT_EXPECT_EQ(test, mn->sessions.server.count, 1);

	test_source(&from);
	parsed.has_cookie = true;
	mutex_lock(&mn->lock);
	m2mkx_server_cookie(&mn->cookies, &parsed, &from, parsed.cookie);
	mutex_unlock(&mn->lock);
	parsed.cookie[0] ^= 1;
	KUNIT_ASSERT_EQ(test, m2mkx_hello_encode(with, &parsed),
			M2MKX_HELLO_COOKIE_LEN);
	send_bytes(test, with, M2MKX_HELLO_COOKIE_LEN);
	wait_worker(mn);
	expect_count(test, mn, M2MKX_CTR_SERVER, M2MKX_ECOOKIE, 2);
	KUNIT_EXPECT_EQ(test, mn->sessions.server.count, 1);

	parsed.cookie[0] ^= 1;
	m2mkx_hello_encode(with, &parsed);
	send_bytes(test, with, M2MKX_HELLO_COOKIE_LEN);
	wait_worker(mn);
	expect_count(test, mn, M2MKX_CTR_SERVER, M2MKX_OK, 1);
	KUNIT_EXPECT_EQ(test, mn->sessions.server.count, 2);
}

static struct kunit_case receive_cases[] = {
	KUNIT_CASE(headers_refused_in_softirq),
	KUNIT_CASE(role_and_length_refused_in_softirq),
	KUNIT_CASE(worker_refusals_counted_per_role),
	KUNIT_CASE(fragmented_datagram_parsed_whole),
	KUNIT_CASE(roles_changed_while_queued),
	KUNIT_CASE(full_queue_drops_and_counts_everything),
	KUNIT_CASE(flooding_source_limited_under_load),
	KUNIT_CASE(hello_needs_cookie_when_table_half_full),
	{}
};

static struct kunit_suite receive_suite = {
	.suite_init = m2mkx_kunit_module_up,
	.suite_exit = m2mkx_kunit_module_down,
	.name = "m2mkx_receive",
	.init = receive_test_init,
	.exit = receive_test_exit,
	.test_cases = receive_cases,
};

kunit_test_suites(&receive_suite);
