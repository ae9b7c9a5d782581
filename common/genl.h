/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small generic netlink client on libnl-genl-3: resolve a family,
 * send a request and wait for its acknowledgement, dump, and listen to a
 * multicast group.
 *
 * The socket asks for extended ACKs (NETLINK_EXT_ACK) and for capped ones
 * (NETLINK_CAP_ACK: an error does not echo the request back, keys
 * included). When the kernel refuses a request, its extack message and
 * the top-level attribute it points at are kept for the caller to print:
 * genl_strerror() gives the message, or strerror() when there is none.
 *
 * Only m2mctl and m2mkx-agent link this (-lnl-genl-3 -lnl-3); the callers
 * build and read attributes with libnl's nla_* functions directly.
 */
#ifndef M2MKX_COMMON_GENL_H
#define M2MKX_COMMON_GENL_H

#include <stdbool.h>
#include <stdint.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

struct nl_sock;

/* The longest extack message kept. */
#define GENL_ERR_MSG_LEN 256

struct genl_sock {
	struct nl_sock *sk;
	char name[16];			/* the family's, GENL_NAMSIZ */
	int family;			/* the family's id */
	bool nonblocking;
	int maxattr;			/* its top-level attributes' */
	/*
	 * Of the last request: whether the kernel refused it (rather than
	 * the request failing on the way), and its extack: message ("" when
	 * none) and the top-level attribute it named (0 when none).
	 */
	bool refused;
	char err_msg[GENL_ERR_MSG_LEN];
	int err_attr;
};

/*
 * Called for each message of a reply, a dump or a multicast group with
 * its command and its top-level attributes (@attrs[0..maxattr]; absent
 * ones NULL). Returns 0 to go on, or a negative errno that stops the
 * request and becomes its result.
 */
typedef int (*genl_msg_fn)(uint8_t cmd, struct nlattr **attrs, void *arg);

/*
 * Connects and resolves @family, whose attributes go up to @maxattr.
 * 0, or a negative errno: -ENOENT when no such family is registered
 * (its module is not loaded).
 */
int genl_open(struct genl_sock *g, const char *family, int maxattr);
void genl_close(struct genl_sock *g);

/* A request of @cmd for the family, to fill with nla_put_*(); NULL: ENOMEM. */
struct nl_msg *genl_msg_new(struct genl_sock *g, uint8_t cmd);

/*
 * Sends @msg, which it frees, and waits for the kernel's answer: any
 * reply messages go to @fn (may be NULL), then the ACK. 0, or the
 * negative errno of the refusal, whose extack is in @g.
 */
int genl_request(struct genl_sock *g, struct nl_msg *msg, genl_msg_fn fn,
		 void *arg);

/* Dumps @cmd (no attributes): each message goes to @fn. 0 or -errno. */
int genl_dump(struct genl_sock *g, uint8_t cmd, genl_msg_fn fn, void *arg);

/*
 * Joins the family's multicast group @group; the socket then takes no
 * requests, only genl_receive(). 0 or -errno (-ENOENT: no such group).
 */
int genl_join(struct genl_sock *g, const char *group);

/* The socket's descriptor, for poll(); genl_receive() never blocks then. */
int genl_fd(const struct genl_sock *g);
int genl_set_nonblocking(struct genl_sock *g);

/*
 * Reads the messages queued on a joined socket and hands each to @fn.
 * 0 once none is left (or, blocking, after one datagram), -ENOBUFS when
 * the kernel dropped some because the socket's buffer was full (the
 * socket remains usable), or another -errno.
 */
int genl_receive(struct genl_sock *g, genl_msg_fn fn, void *arg);

/* The kernel's extack message for @err when it gave one, else strerror. */
const char *genl_strerror(const struct genl_sock *g, int err);

#endif /* M2MKX_COMMON_GENL_H */
