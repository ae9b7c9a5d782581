// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink client (see genl.h).
 *
 * libnl does the socket, the sequence numbers and the message parsing;
 * what it lacks here is extended ACKs, which it neither asks for nor
 * reads in version 3.7. The socket option is set directly, and the error
 * callback reads the TLVs that follow the nlmsgerr, as iw(8) does.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/socket.h>

#include "common/genl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* Top-level attributes a family may have for genl_open(): a stack array. */
#define GENL_MAX_ATTR 63

/* Room for the events of a burst of handshakes before the kernel drops. */
#define GENL_RCVBUF (1 << 20)

/* What one exchange collects from libnl's callbacks. */
struct exchange {
	struct genl_sock *g;
	genl_msg_fn fn;
	void *arg;
	/* The request, to find the attribute an extack offset points into. */
	const struct nlmsghdr *sent;
	int err;
	bool done;
	bool interrupted;		/* a dump saw NLM_F_DUMP_INTR */
};

/* libnl's error codes back to the errno values they came from. */
static int nlerr_errno(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case NLE_INTR:
	case NLE_DUMP_INTR:
		return EINTR;
	case NLE_BAD_SOCK:
		return EBADF;
	case NLE_AGAIN:
		return EAGAIN;
	case NLE_NOMEM:
		return ENOMEM;
	case NLE_EXIST:
		return EEXIST;
	case NLE_INVAL:
		return EINVAL;
	case NLE_RANGE:
		return ERANGE;
	case NLE_MSGSIZE:
	case NLE_MSG_TRUNC:
	case NLE_MSG_OVERFLOW:
	case NLE_MSG_TOOSHORT:
		return EMSGSIZE;
	case NLE_OPNOTSUPP:
	case NLE_MSGTYPE_NOSUPPORT:
		return EOPNOTSUPP;
	case NLE_AF_NOSUPPORT:
		return EAFNOSUPPORT;
	case NLE_OBJ_NOTFOUND:
		return ENOENT;
	case NLE_BUSY:
		return EBUSY;
	case NLE_PROTO_MISMATCH:
		return EPROTONOSUPPORT;
	case NLE_NOACCESS:
		return EACCES;
	case NLE_PERM:
		return EPERM;
	case NLE_NODEV:
		return ENODEV;
	case NLE_SEQ_MISMATCH:
		return EPROTO;
	default:
		return EIO;
	}
}

int genl_open(struct genl_sock *g, const char *family, int maxattr)
{
	int one = 1, ret;

	memset(g, 0, sizeof(*g));
	if (maxattr < 1 || maxattr > GENL_MAX_ATTR)
		return -EINVAL;
	if (strlen(family) >= sizeof(g->name))
		return -ENAMETOOLONG;
	strcpy(g->name, family);
	g->maxattr = maxattr;
	g->sk = nl_socket_alloc();
	if (!g->sk)
		return -ENOMEM;
	ret = genl_connect(g->sk);
	if (ret < 0) {
		ret = -nlerr_errno(ret);
		goto fail;
	}
	/* Both are refused only by kernels older than 4.12: do without. */
	setsockopt(nl_socket_get_fd(g->sk), SOL_NETLINK, NETLINK_EXT_ACK, &one,
		   sizeof(one));
	setsockopt(nl_socket_get_fd(g->sk), SOL_NETLINK, NETLINK_CAP_ACK, &one,
		   sizeof(one));
	/* The messages of a dump come in chunks of up to 32 KiB. */
	nl_socket_enable_msg_peek(g->sk);
	ret = genl_ctrl_resolve(g->sk, family);
	if (ret < 0) {
		ret = -nlerr_errno(ret);
		goto fail;
	}
	g->family = ret;
	return 0;
fail:
	nl_socket_free(g->sk);
	g->sk = NULL;
	return ret;
}

void genl_close(struct genl_sock *g)
{
	if (g->sk)
		nl_socket_free(g->sk);
	g->sk = NULL;
}

int genl_fd(const struct genl_sock *g)
{
	return nl_socket_get_fd(g->sk);
}

int genl_set_nonblocking(struct genl_sock *g)
{
	int ret = nl_socket_set_nonblocking(g->sk);

	if (ret < 0)
		return -nlerr_errno(ret);
	g->nonblocking = true;
	return 0;
}

struct nl_msg *genl_msg_new(struct genl_sock *g, uint8_t cmd)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, g->family, 0, 0, cmd,
			 1)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/* The top-level attribute of the request that byte @off falls into. */
static int attr_at(const struct nlmsghdr *sent, int maxattr, uint32_t off)
{
	const struct nlattr *a;
	uint32_t start = NLMSG_HDRLEN + GENL_HDRLEN;
	int rem;

	if (!sent || off < start || off >= sent->nlmsg_len)
		return 0;
	a = (const struct nlattr *)((const char *)sent + start);
	rem = (int)(sent->nlmsg_len - start);
	for (; nla_ok(a, rem); a = nla_next(a, &rem)) {
		uint32_t from, to;

		from = (uint32_t)((const char *)a - (const char *)sent);
		to = from + (uint32_t)nla_total_size(nla_len(a));
		if (off >= from && off < to)
			return nla_type(a) <= maxattr ? nla_type(a) : 0;
	}
	return 0;
}

/*
 * The TLVs after the nlmsgerr: present when NLM_F_ACK_TLVS is set, after
 * the echoed request (only its header when NLM_F_CAPPED).
 */
static void read_extack(struct exchange *ex, const struct nlmsgerr *e)
{
	const struct nlmsghdr *nlh =
		(const struct nlmsghdr *)((const char *)e - NLMSG_HDRLEN);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t ack_len = NLMSG_HDRLEN + sizeof(*e);
	struct genl_sock *g = ex->g;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		ack_len += e->msg.nlmsg_len - sizeof(e->msg);
	if (nlh->nlmsg_len <= ack_len)
		return;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX,
		      (struct nlattr *)((char *)nlh + ack_len),
		      (int)(nlh->nlmsg_len - ack_len), NULL))
		return;
	if (tb[NLMSGERR_ATTR_MSG] && nla_len(tb[NLMSGERR_ATTR_MSG]) > 0) {
		size_t len = (size_t)nla_len(tb[NLMSGERR_ATTR_MSG]);

		if (len >= sizeof(g->err_msg))
			len = sizeof(g->err_msg) - 1;
		memcpy(g->err_msg, nla_data(tb[NLMSGERR_ATTR_MSG]), len);
		g->err_msg[len] = '\0';
	}
	if (tb[NLMSGERR_ATTR_OFFS] && nla_len(tb[NLMSGERR_ATTR_OFFS]) >= 4)
		g->err_attr = attr_at(ex->sent, g->maxattr,
				      nla_get_u32(tb[NLMSGERR_ATTR_OFFS]));
}

/*
 * An error the kernel reports is a negative errno, -4095 to -1; anything
 * else in its place is no answer we can name (and INT_MIN would not even
 * negate): -EIO.
 */
static int reported_errno(int err)
{
	return err < 0 && err >= -4095 ? err : -EIO;
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct exchange *ex = arg;

	(void)nla;
	read_extack(ex, e);
	ex->g->refused = true;
	ex->err = reported_errno(e->error);
	ex->done = true;
	return NL_STOP;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct exchange *ex = arg;

	(void)msg;
	ex->done = true;
	return NL_STOP;
}

/* NLMSG_DONE ends a dump; its payload is the dump's error, if any. */
static int on_finish(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct exchange *ex = arg;
	int err;

	if (nlmsg_datalen(nlh) >= (int)sizeof(err)) {
		memcpy(&err, nlmsg_data(nlh), sizeof(err));
		if (err < 0 && !ex->err)
			ex->err = reported_errno(err);
	}
	ex->done = true;
	return NL_STOP;
}

static int on_dump_intr(struct nl_msg *msg, void *arg)
{
	struct exchange *ex = arg;

	(void)msg;
	ex->interrupted = true;
	return NL_OK;
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[GENL_MAX_ATTR + 1];
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct exchange *ex = arg;
	struct genlmsghdr *gh;
	int ret;

	if (nlh->nlmsg_type != ex->g->family ||
	    !genlmsg_valid_hdr(nlh, 0))
		return NL_SKIP;
	gh = nlmsg_data(nlh);
	if (genlmsg_parse(nlh, 0, tb, ex->g->maxattr, NULL))
		return NL_SKIP;
	if (!ex->fn || ex->err)
		return NL_OK;
	ret = ex->fn(gh->cmd, tb, ex->arg);
	if (ret) {
		ex->err = ret < 0 ? ret : -EIO;
		return NL_OK;
	}
	return NL_OK;
}

/*
 * The socket's callbacks, then ours: a transport set on the socket (the
 * fuzz target's, tests/fuzz/fuzz_genl.c) serves every exchange.
 */
static struct nl_cb *exchange_cb(struct exchange *ex)
{
	struct nl_cb *sock_cb = nl_socket_get_cb(ex->g->sk);
	struct nl_cb *cb;

	if (!sock_cb)
		return NULL;
	cb = nl_cb_clone(sock_cb);
	nl_cb_put(sock_cb);
	if (!cb)
		return NULL;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, ex);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, ex);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_finish, ex);
	nl_cb_set(cb, NL_CB_DUMP_INTR, NL_CB_CUSTOM, on_dump_intr, ex);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, ex);
	return cb;
}

/* Sends @msg and reads until its ACK, error or NLMSG_DONE. */
static int exchange(struct genl_sock *g, struct nl_msg *msg, genl_msg_fn fn,
		    void *arg)
{
	struct exchange ex = {
		.g = g, .fn = fn, .arg = arg, .sent = nlmsg_hdr(msg),
	};
	struct nl_cb *cb;
	int ret;

	g->refused = false;
	g->err_msg[0] = '\0';
	g->err_attr = 0;
	cb = exchange_cb(&ex);
	if (!cb)
		return -ENOMEM;
	ret = nl_send_auto(g->sk, msg);
	if (ret < 0) {
		ex.err = -nlerr_errno(ret);
		goto out;
	}
	while (!ex.done) {
		ret = nl_recvmsgs(g->sk, cb);
		if (ret < 0 && !ex.done) {
			if (!ex.err)
				ex.err = -nlerr_errno(ret);
			break;
		}
	}
	if (!ex.err && ex.interrupted)
		ex.err = -EINTR;
out:
	nl_cb_put(cb);
	/*
	 * An extack offset is read before this: the request goes last, and
	 * wiped, as it may carry a key.
	 */
	explicit_bzero(nlmsg_hdr(msg), nlmsg_hdr(msg)->nlmsg_len);
	nlmsg_free(msg);
	return ex.err;
}

int genl_request(struct genl_sock *g, struct nl_msg *msg, genl_msg_fn fn,
		 void *arg)
{
	return exchange(g, msg, fn, arg);
}

int genl_dump(struct genl_sock *g, uint8_t cmd, genl_msg_fn fn, void *arg)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return -ENOMEM;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, g->family, 0,
			 NLM_F_DUMP, cmd, 1)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return exchange(g, msg, fn, arg);
}

int genl_join(struct genl_sock *g, const char *group)
{
	int grp, ret;

	grp = genl_ctrl_resolve_grp(g->sk, g->name, group);
	if (grp < 0)
		return -nlerr_errno(grp);
	nl_socket_set_buffer_size(g->sk, GENL_RCVBUF, 0);
	ret = nl_socket_add_membership(g->sk, grp);
	return ret < 0 ? -nlerr_errno(ret) : 0;
}

/* Multicast messages answer no request: any sequence number will do. */
static int any_seq(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_OK;
}

int genl_receive(struct genl_sock *g, genl_msg_fn fn, void *arg)
{
	struct exchange ex = { .g = g, .fn = fn, .arg = arg };
	struct nl_cb *cb;
	int ret;

	cb = exchange_cb(&ex);
	if (!cb)
		return -ENOMEM;
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, any_seq, NULL);
	for (;;) {
		ret = nl_recvmsgs(g->sk, cb);
		if (ret == -NLE_AGAIN) {
			ret = 0;
			break;
		}
		if (ret < 0) {
			/* libnl reports recvmsg()'s ENOBUFS as NLE_NOMEM. */
			ret = ret == -NLE_NOMEM ? -ENOBUFS : -nlerr_errno(ret);
			break;
		}
		if (ex.err || !g->nonblocking)
			break;
	}
	nl_cb_put(cb);
	return ret ? ret : ex.err;
}

const char *genl_strerror(const struct genl_sock *g, int err)
{
	if (g->err_msg[0])
		return g->err_msg;
	return strerror(err < 0 ? -err : err);
}
