// SPDX-License-Identifier: GPL-2.0
/*
 * What m2mctl and m2mkx-agent read from the module over generic netlink:
 * common/genl.c's replies, dumps, multicast events and extended ACKs, and
 * common/kernel.c's reading of each message's attributes, through their
 * public calls. The transport is replaced under libnl: the socket is
 * never connected, its sends are swallowed, and what it receives is the
 * input.
 *
 *   input: step...
 *   step: op(1) | len(2, big-endian) | the datagram the call receives
 *   op & 0x7f picks the call (enum call); op & 0x80 keeps the messages'
 *   sequence numbers, which are otherwise set to the request's so that
 *   libnl looks further than its sequence check.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/genl/genl.h>
#include <netlink/handlers.h>
#include <netlink/socket.h>

#include "common/event.h"
#include "common/kernel.h"
#include "fuzz.h"

/* Any id: the family is never resolved. */
#define FUZZ_FAMILY 0x2a

enum call {
	CALL_GET_INSTANCE,
	CALL_DUMP_PEERS,
	CALL_DUMP_SESSIONS,
	CALL_DUMP_COUNTERS,
	CALL_EVENTS,
	CALL_SET_INSTANCE,
	CALLS,
};

static struct {
	struct genl_sock g;
	FILE *out;			/* where events are printed: nowhere */
	const u8 *datagram;		/* the next receive, once */
	size_t len;
	bool keep_seq;
	u32 sent_seq;
} fuzz_genl;

static int fake_send(struct nl_sock *sk, struct nl_msg *msg)
{
	(void)sk;
	fuzz_genl.sent_seq = nlmsg_hdr(msg)->nlmsg_seq;
	return (int)nlmsg_hdr(msg)->nlmsg_len;
}

static int fake_recv(struct nl_sock *sk, struct sockaddr_nl *nla,
		     unsigned char **buf, struct ucred **creds)
{
	struct nlmsghdr *nlh;
	int rem;

	(void)sk;
	if (!fuzz_genl.datagram)
		return -NLE_AGAIN;
	memset(nla, 0, sizeof(*nla));
	nla->nl_family = AF_NETLINK;
	if (creds)
		*creds = NULL;
	*buf = NULL;
	/* As nl_recv(): an empty read hands out no buffer. */
	if (!fuzz_genl.len) {
		fuzz_genl.datagram = NULL;
		return 0;
	}
	/* libnl frees it. */
	*buf = malloc(fuzz_genl.len);
	if (!*buf)
		return -NLE_NOMEM;
	memcpy(*buf, fuzz_genl.datagram, fuzz_genl.len);
	rem = (int)fuzz_genl.len;
	fuzz_genl.datagram = NULL;
	if (!fuzz_genl.keep_seq)
		for (nlh = (struct nlmsghdr *)*buf; nlmsg_ok(nlh, rem);
		     nlh = nlmsg_next(nlh, &rem))
			nlh->nlmsg_seq = fuzz_genl.sent_seq;
	return (int)fuzz_genl.len;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct genl_sock *g = &fuzz_genl.g;
	struct nl_cb *cb;

	(void)argc;
	(void)argv;
	g->sk = nl_socket_alloc();
	cb = g->sk ? nl_socket_get_cb(g->sk) : NULL;
	fuzz_genl.out = fopen("/dev/null", "w");
	if (!cb || !fuzz_genl.out)
		abort();
	nl_cb_overwrite_send(cb, fake_send);
	nl_cb_overwrite_recv(cb, fake_recv);
	nl_cb_put(cb);
	strcpy(g->name, M2MKX_GENL_NAME);
	g->family = FUZZ_FAMILY;
	g->maxattr = M2MKX_A_MAX;
	return 0;
}

static int on_peer(u8 cmd, struct nlattr **tb, void *arg)
{
	struct kernel_peer p;

	(void)arg;
	if (cmd == M2MKX_CMD_GET_PEERS)
		kernel_parse_peer(tb, &p);
	return 0;
}

static int on_session(u8 cmd, struct nlattr **tb, void *arg)
{
	struct kernel_session s;
	struct m2mkx_event ev;

	(void)arg;
	if (kernel_parse_session(tb, &s))
		return 0;
	if (cmd == M2MKX_CMD_GET_SESSIONS) {
		fprintf(fuzz_genl.out, "%s %s\n", kernel_role_name(s.role),
			kernel_state_name(s.role, s.state));
	} else if (cmd == M2MKX_CMD_EVENT_COMPLETED ||
		   cmd == M2MKX_CMD_EVENT_FAILED) {
		kernel_session_event(&s, cmd, &ev);
		event_print(fuzz_genl.out, kernel_role_name(s.role), &ev, true);
	}
	return 0;
}

static int on_counter(u8 cmd, struct nlattr **tb, void *arg)
{
	struct kernel_counter c;

	(void)arg;
	if (cmd == M2MKX_CMD_GET_COUNTERS && !kernel_parse_counter(tb, &c))
		fprintf(fuzz_genl.out, "%s %llu\n", c.name,
			(unsigned long long)c.value);
	return 0;
}

static void call(enum call which)
{
	struct genl_sock *g = &fuzz_genl.g;
	struct kernel_instance ki;
	int ret = 0;

	switch (which) {
	case CALL_GET_INSTANCE:
		ret = kernel_get_instance(g, &ki);
		break;
	case CALL_DUMP_PEERS:
		ret = genl_dump(g, M2MKX_CMD_GET_PEERS, on_peer, NULL);
		break;
	case CALL_DUMP_SESSIONS:
		ret = genl_dump(g, M2MKX_CMD_GET_SESSIONS, on_session, NULL);
		break;
	case CALL_DUMP_COUNTERS:
		ret = genl_dump(g, M2MKX_CMD_GET_COUNTERS, on_counter, NULL);
		break;
	case CALL_EVENTS:
		ret = genl_receive(g, on_session, NULL);
		break;
	case CALL_SET_INSTANCE:
		memset(&ki, 0, sizeof(ki));
		ki.has = KI_ROLES | KI_PORT | KI_NODE_ID | KI_MAX_SESSIONS;
		ki.roles = M2MKX_ROLE_SERVER;
		ki.port = 7510;
		ki.max_sessions = 64;
		ret = kernel_set_instance(g, &ki);
		break;
	case CALLS:
		break;
	}
	/* What the programs print of a refusal. */
	fprintf(fuzz_genl.out, "%d %s %d\n", ret, genl_strerror(g, ret),
		g->err_attr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;

	while (size - off >= 3) {
		u8 op = data[off];
		size_t len = (size_t)data[off + 1] << 8 | data[off + 2];

		off += 3;
		if (len > size - off)
			len = size - off;
		fuzz_genl.datagram = data + off;
		fuzz_genl.len = len;
		fuzz_genl.keep_seq = op & 0x80;
		off += len;
		call((enum call)((op & 0x7f) % CALLS));
	}
	fuzz_genl.datagram = NULL;
	return 0;
}

/* --- seeds: what the module sends, built the way it builds them ---------- */

struct seed {
	u8 buf[4096];
	size_t len;
	size_t step;			/* where the current step's len is */
};

/* Starts a step of @op (an enum call, maybe with 0x80). */
static void step_start(struct seed *s, unsigned int op)
{
	s->buf[s->len] = (u8)op;
	s->step = s->len + 1;
	s->len += 3;
}

/* Appends @msg to the current step's datagram, and frees it. */
static void step_add(struct seed *s, struct nl_msg *msg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	size_t step_len;

	if (s->len + nlh->nlmsg_len > sizeof(s->buf))
		abort();
	memcpy(s->buf + s->len, nlh, nlh->nlmsg_len);
	s->len += nlh->nlmsg_len;
	step_len = s->len - s->step - 2;
	s->buf[s->step] = (u8)(step_len >> 8);
	s->buf[s->step + 1] = (u8)step_len;
	nlmsg_free(msg);
}

static struct nl_msg *genl_msg(u8 cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg || !genlmsg_put(msg, 0, 0, FUZZ_FAMILY, 0, flags, cmd, 1))
		abort();
	return msg;
}

/* NLMSG_ERROR: @error, and with @text an extack naming the attribute at @off. */
static struct nl_msg *ack_msg(int error, const char *text, u32 off)
{
	struct nl_msg *msg = nlmsg_alloc_simple(NLMSG_ERROR, text ?
						NLM_F_ACK_TLVS | NLM_F_CAPPED :
						NLM_F_CAPPED);
	struct nlmsgerr e = { .error = error };

	if (!msg)
		abort();
	e.msg.nlmsg_len = sizeof(e.msg);
	e.msg.nlmsg_type = FUZZ_FAMILY;
	if (nlmsg_append(msg, &e, sizeof(e), NLMSG_ALIGNTO))
		abort();
	if (text && (nla_put_string(msg, NLMSGERR_ATTR_MSG, text) ||
		     nla_put_u32(msg, NLMSGERR_ATTR_OFFS, off)))
		abort();
	return msg;
}

static struct nl_msg *done_msg(void)
{
	struct nl_msg *msg = nlmsg_alloc_simple(NLMSG_DONE, NLM_F_MULTI);
	int err = 0;

	if (!msg || nlmsg_append(msg, &err, sizeof(err), NLMSG_ALIGNTO))
		abort();
	return msg;
}

static void session_attrs(struct nl_msg *msg, u32 role, u8 n, bool mk)
{
	static const u8 id[M2MKX_SESSION_ID_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	static const u8 node[M2MKX_NODE_ID_LEN] = { 0xaa, 1, 2, 3, 4, 5, 6 };
	u8 ids[M2MKX_MAX_PROXIES * M2MKX_PROXY_ID_LEN] = { 0x10 };
	u8 verdicts[M2MKX_MAX_PROXIES] = { 0, 1, 2 };
	u8 key[M2MKX_MK_LEN] = { 0x4d };
	struct nlattr *nest = nla_nest_start(msg, M2MKX_A_SESSION);

	if (!nest || nla_put_u32(msg, M2MKX_SESSION_A_ROLE, role) ||
	    nla_put(msg, M2MKX_SESSION_A_ID, sizeof(id), id) ||
	    nla_put(msg, M2MKX_SESSION_A_CLIENT, sizeof(node), node) ||
	    nla_put(msg, M2MKX_SESSION_A_SERVER, sizeof(node), node) ||
	    nla_put_u32(msg, M2MKX_SESSION_A_STATE, 1) ||
	    nla_put_u64(msg, M2MKX_SESSION_A_AGE_MS, 1234) ||
	    nla_put_u8(msg, M2MKX_SESSION_A_PROXIES, n) ||
	    nla_put(msg, M2MKX_SESSION_A_PROXY_IDS, n * M2MKX_PROXY_ID_LEN,
		    ids) ||
	    nla_put(msg, M2MKX_SESSION_A_VERDICTS, n, verdicts) ||
	    (mk && nla_put(msg, M2MKX_SESSION_A_MK, sizeof(key), key)))
		abort();
	nla_nest_end(msg, nest);
}

void fuzz_seeds(fuzz_emit emit, void *arg)
{
	static const u8 node[M2MKX_NODE_ID_LEN] = { 0xbb, 1, 2, 3 };
	u8 key[M2MKX_X25519_KEY_LEN] = { 9 };
	struct nlattr *nest;
	struct nl_msg *msg;
	struct seed s;

	/* The instance, then the ACK. */
	memset(&s, 0, sizeof(s));
	step_start(&s, CALL_GET_INSTANCE);
	msg = genl_msg(M2MKX_CMD_GET_INSTANCE, 0);
	if (nla_put_u32(msg, M2MKX_A_ROLES, M2MKX_ROLE_SERVER) ||
	    nla_put_u16(msg, M2MKX_A_PORT, 7510) ||
	    nla_put(msg, M2MKX_A_NODE_ID, sizeof(node), node) ||
	    nla_put(msg, M2MKX_A_SERVER_PUBLIC_KEY, sizeof(key), key) ||
	    nla_put_s32(msg, M2MKX_A_TRUST_KEYRING, 12345) ||
	    nla_put_u32(msg, M2MKX_A_MAX_SESSIONS, 64) ||
	    nla_put_u8(msg, M2MKX_A_MAX_PROXIES, 8) ||
	    nla_put_u8(msg, M2MKX_A_MIN_THRESHOLD, 1) ||
	    nla_put_u32(msg, M2MKX_A_POLICY, 3) ||
	    nla_put_u32(msg, M2MKX_A_SHARE_WINDOW_MS, 100) ||
	    nla_put_u64(msg, M2MKX_A_SERVER_BUSY_NS, 1000000) ||
	    nla_put_u64(msg, M2MKX_A_SERVER_COMPLETED, 10) ||
	    nla_put_u64(msg, M2MKX_A_SERVER_TX_NS, 1000))
		abort();
	step_add(&s, msg);
	step_add(&s, ack_msg(0, NULL, 0));
	emit(s.buf, s.len, arg);

	/* Each dump: two messages, then NLMSG_DONE. */
	memset(&s, 0, sizeof(s));
	step_start(&s, CALL_DUMP_PEERS);
	msg = genl_msg(M2MKX_CMD_GET_PEERS, NLM_F_MULTI);
	nest = nla_nest_start(msg, M2MKX_A_PEER);
	if (!nest || nla_put(msg, M2MKX_PEER_A_ID, sizeof(node), node) ||
	    nla_put_u32(msg, M2MKX_PEER_A_KIND, 1) ||
	    nla_put(msg, M2MKX_PEER_A_PUBLIC_KEY, sizeof(key), key))
		abort();
	nla_nest_end(msg, nest);
	step_add(&s, msg);
	step_add(&s, done_msg());

	step_start(&s, CALL_DUMP_SESSIONS);
	msg = genl_msg(M2MKX_CMD_GET_SESSIONS, NLM_F_MULTI);
	session_attrs(msg, M2MKX_ROLE_SERVER, 3, false);
	step_add(&s, msg);
	msg = genl_msg(M2MKX_CMD_GET_SESSIONS, NLM_F_MULTI);
	session_attrs(msg, M2MKX_ROLE_PROXY, 0, false);
	step_add(&s, msg);
	step_add(&s, done_msg());

	step_start(&s, CALL_DUMP_COUNTERS);
	msg = genl_msg(M2MKX_CMD_GET_COUNTERS, NLM_F_MULTI);
	nest = nla_nest_start(msg, M2MKX_A_COUNTER);
	if (!nest || nla_put_u32(msg, M2MKX_COUNTER_A_ROLE, 1) ||
	    nla_put_u32(msg, M2MKX_COUNTER_A_REASON, 3) ||
	    nla_put_string(msg, M2MKX_COUNTER_A_NAME, "bad_mac") ||
	    nla_put_u64(msg, M2MKX_COUNTER_A_VALUE, 7))
		abort();
	nla_nest_end(msg, nest);
	step_add(&s, msg);
	step_add(&s, done_msg());
	emit(s.buf, s.len, arg);

	/* Events: a handshake completed, with its key, and one failed. */
	memset(&s, 0, sizeof(s));
	step_start(&s, CALL_EVENTS | 0x80);
	msg = genl_msg(M2MKX_CMD_EVENT_COMPLETED, 0);
	session_attrs(msg, M2MKX_ROLE_SERVER, 3, true);
	step_add(&s, msg);
	step_start(&s, CALL_EVENTS | 0x80);
	msg = genl_msg(M2MKX_CMD_EVENT_FAILED, 0);
	session_attrs(msg, M2MKX_ROLE_PROXY, 0, false);
	if (nla_put_u32(msg, M2MKX_A_ROLES, M2MKX_ROLE_PROXY))
		abort();
	step_add(&s, msg);
	emit(s.buf, s.len, arg);

	/*
	 * A refused set, whose extack names M2MKX_A_PORT: the request's
	 * second attribute, after the headers and M2MKX_A_ROLES.
	 */
	memset(&s, 0, sizeof(s));
	step_start(&s, CALL_SET_INSTANCE);
	step_add(&s, ack_msg(-EINVAL, "port: already in use",
			     NLMSG_HDRLEN + GENL_HDRLEN + NLA_HDRLEN + 4));
	emit(s.buf, s.len, arg);
}

/*
 * A frame the module sent B's agent or m2mctl in the e2e VM (captured on
 * nlmon): the call that reads it, by its command, with the family's id
 * made ours (also in a refusal's copy of the request).
 */
void fuzz_capture_seeds(const uint8_t *frame, size_t len, fuzz_emit emit,
			void *arg)
{
	struct nlmsghdr *nlh;
	enum call which;
	u8 *msgs, *in;
	int rem;

	if (len < NLMSG_HDRLEN + GENL_HDRLEN || len > 0xffff)
		return;
	/* Aligned, as the messages' headers must be to be read. */
	msgs = malloc(len);
	in = malloc(3 + len);
	if (!msgs || !in)
		abort();
	memcpy(msgs, frame, len);
	nlh = (struct nlmsghdr *)msgs;
	switch (nlh->nlmsg_type == NLMSG_ERROR ? 0 : msgs[NLMSG_HDRLEN]) {
	case M2MKX_CMD_GET_INSTANCE:
		which = CALL_GET_INSTANCE;
		break;
	case M2MKX_CMD_GET_PEERS:
		which = CALL_DUMP_PEERS;
		break;
	case M2MKX_CMD_GET_SESSIONS:
		which = CALL_DUMP_SESSIONS;
		break;
	case M2MKX_CMD_GET_COUNTERS:
		which = CALL_DUMP_COUNTERS;
		break;
	case M2MKX_CMD_EVENT_COMPLETED:
	case M2MKX_CMD_EVENT_FAILED:
		which = CALL_EVENTS;
		break;
	default:
		/* An acknowledgement or a refusal: a command's answer. */
		which = CALL_SET_INSTANCE;
		break;
	}
	rem = (int)len;
	for (; nlmsg_ok(nlh, rem); nlh = nlmsg_next(nlh, &rem)) {
		if (nlh->nlmsg_type >= GENL_MIN_ID)
			nlh->nlmsg_type = FUZZ_FAMILY;
		else if (nlh->nlmsg_type == NLMSG_ERROR &&
			 nlmsg_datalen(nlh) >= (int)sizeof(struct nlmsgerr))
			((struct nlmsgerr *)nlmsg_data(nlh))->msg.nlmsg_type =
				FUZZ_FAMILY;
	}
	in[0] = (u8)which;
	in[1] = (u8)(len >> 8);
	in[2] = (u8)len;
	memcpy(in + 3, msgs, len);
	emit(in, 3 + len, arg);
	free(msgs);
	free(in);
}
