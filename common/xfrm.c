// SPDX-License-Identifier: GPL-2.0
/*
 * ESP security associations and policies over NETLINK_XFRM (see xfrm.h).
 *
 * Plain netlink rather than libnl-xfrm: the pair takes four fixed
 * messages (NEWSA, UPDPOLICY, DELSA, DELPOLICY) with one attribute each
 * and never a dump, which is less code than libnl-xfrm's object model,
 * and m2mkx-client, which installs A's end, then needs no library at all
 * (sensor-side Linux hosts and the e2e guest stay small).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <linux/xfrm.h>

#include <m2mkx/bytes.h>

#include "common/log.h"
#include "common/xfrm.h"

/* RFC 4106 AES-GCM, as the kernel's crypto API names it. */
#define ESP_AEAD_NAME "rfc4106(gcm(aes))"
#define ESP_ICV_BITS 128
#define ESP_REPLAY_WINDOW 32
/*
 * Policy priorities, lower first: the handshake's bypass before the
 * session's ESP policy.
 */
#define PRIORITY_BYPASS 100
#define PRIORITY_ESP 200

/* The largest request: a header, the SA, the algorithm and its key. */
#define XFRM_MSG_MAX_LEN 1024

struct xfrm_req {
	union {
		struct nlmsghdr nh;
		uint8_t buf[XFRM_MSG_MAX_LEN];
	};
};

int xfrm_ip_parse(struct xfrm_ip *ip, const char *s)
{
	memset(ip, 0, sizeof(*ip));
	if (inet_pton(AF_INET, s, ip->addr) == 1) {
		ip->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, ip->addr) == 1) {
		ip->family = AF_INET6;
		return 0;
	}
	return -1;
}

int xfrm_pair_init(struct xfrm_pair *p, const struct m2mkx_esp_keys *esp,
		   bool is_a, const struct xfrm_ip *local,
		   const struct xfrm_ip *remote, uint16_t handshake_port,
		   uint32_t lifetime_s)
{
	if (local->family != remote->family) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	memset(p, 0, sizeof(*p));
	p->local = *local;
	p->remote = *remote;
	p->spi_out = is_a ? esp->spi_a2b : esp->spi_b2a;
	p->spi_in = is_a ? esp->spi_b2a : esp->spi_a2b;
	memcpy(p->key_out, is_a ? esp->a2b : esp->b2a, sizeof(p->key_out));
	memcpy(p->key_in, is_a ? esp->b2a : esp->a2b, sizeof(p->key_in));
	p->lifetime_s = lifetime_s;
	p->is_a = is_a;
	p->handshake_port = handshake_port;
	return 0;
}

void xfrm_pair_wipe(struct xfrm_pair *p)
{
	m2mkx_wipe(p, sizeof(*p));
}

/* --- messages ------------------------------------------------------------ */

static void req_init(struct xfrm_req *r, uint16_t type, uint16_t flags,
		     size_t len)
{
	memset(r, 0, sizeof(*r));
	r->nh.nlmsg_len = NLMSG_LENGTH(len);
	r->nh.nlmsg_type = type;
	r->nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
}

static void *req_data(struct xfrm_req *r)
{
	return NLMSG_DATA(&r->nh);
}

/* Appends attribute @type of @len bytes; returns its payload. */
static void *req_attr(struct xfrm_req *r, uint16_t type, size_t len)
{
	struct nlattr *nla = (struct nlattr *)(r->buf +
					       NLMSG_ALIGN(r->nh.nlmsg_len));

	nla->nla_type = type;
	nla->nla_len = (uint16_t)NLA_HDRLEN + (uint16_t)len;
	r->nh.nlmsg_len = NLMSG_ALIGN(r->nh.nlmsg_len) + NLA_ALIGN(nla->nla_len);
	return (uint8_t *)nla + NLA_HDRLEN;
}

static size_t addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

static void put_addr(xfrm_address_t *to, const struct xfrm_ip *ip)
{
	memset(to, 0, sizeof(*to));
	memcpy(to, ip->addr, addr_len(ip->family));
}

/* Every packet from @src to @dst, any protocol. */
static void put_selector(struct xfrm_selector *sel, const struct xfrm_ip *src,
			 const struct xfrm_ip *dst)
{
	uint8_t bits = (uint8_t)(8 * addr_len(src->family));

	put_addr(&sel->saddr, src);
	put_addr(&sel->daddr, dst);
	sel->prefixlen_s = bits;
	sel->prefixlen_d = bits;
	sel->family = (uint16_t)src->family;
}

static void put_lifetime(struct xfrm_lifetime_cfg *lft, uint32_t seconds)
{
	lft->soft_byte_limit = XFRM_INF;
	lft->hard_byte_limit = XFRM_INF;
	lft->soft_packet_limit = XFRM_INF;
	lft->hard_packet_limit = XFRM_INF;
	lft->hard_add_expires_seconds = seconds;
}

/* The kernel's extended ACK message after error @e of @len bytes, or NULL. */
static const char *ack_message(const struct nlmsghdr *nh, size_t len)
{
	const struct nlmsgerr *e = NLMSG_DATA(nh);
	size_t off = NLMSG_HDRLEN + sizeof(*e);

	/* NETLINK_CAP_ACK: the request comes back as its header only. */
	if (!(nh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NULL;
	while (off + NLA_HDRLEN <= len) {
		const struct nlattr *a = (const void *)((const uint8_t *)nh + off);

		if (a->nla_len < NLA_HDRLEN || off + a->nla_len > len)
			break;
		if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG &&
		    a->nla_len > NLA_HDRLEN &&
		    ((const char *)a)[a->nla_len - 1] == '\0')
			return (const char *)a + NLA_HDRLEN;
		off += NLA_ALIGN(a->nla_len);
	}
	return NULL;
}

/*
 * Sends @r and reads its acknowledgement: 0 or a negative errno. What the
 * kernel said about a refusal, if anything, goes to the log.
 */
static int transact(int fd, struct xfrm_req *r)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	union {
		struct nlmsghdr nh;
		uint8_t buf[4096];
	} ack;
	const char *msg;
	ssize_t n;
	int err;

	r->nh.nlmsg_seq = 1;
	if (sendto(fd, r->buf, r->nh.nlmsg_len, 0,
		   (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	for (;;) {
		n = recv(fd, ack.buf, sizeof(ack.buf), 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if ((size_t)n < NLMSG_HDRLEN + sizeof(struct nlmsgerr) ||
		    ack.nh.nlmsg_type != NLMSG_ERROR)
			return -EPROTO;
		err = ((struct nlmsgerr *)NLMSG_DATA(&ack.nh))->error;
		msg = err ? ack_message(&ack.nh, (size_t)n) : NULL;
		if (msg)
			log_err("xfrm: %s", msg);
		/* Without NETLINK_CAP_ACK a refusal echoes the SA's key. */
		m2mkx_wipe(&ack, sizeof(ack));
		return err;
	}
}

static int add_sa(int fd, const struct xfrm_ip *src, const struct xfrm_ip *dst,
		  uint32_t spi, const uint8_t key[M2MKX_ESP_KEY_LEN],
		  uint32_t lifetime_s)
{
	struct xfrm_req r;
	struct xfrm_usersa_info *sa;
	struct xfrm_algo_aead *aead;
	int ret;

	req_init(&r, XFRM_MSG_NEWSA, NLM_F_CREATE | NLM_F_EXCL, sizeof(*sa));
	sa = req_data(&r);
	put_selector(&sa->sel, src, dst);
	put_addr(&sa->id.daddr, dst);
	sa->id.spi = htonl(spi);
	sa->id.proto = IPPROTO_ESP;
	put_addr(&sa->saddr, src);
	put_lifetime(&sa->lft, lifetime_s);
	/* The policy's template names the SA by it. */
	sa->reqid = spi;
	sa->family = (uint16_t)src->family;
	sa->mode = XFRM_MODE_TRANSPORT;
	sa->replay_window = ESP_REPLAY_WINDOW;

	aead = req_attr(&r, XFRMA_ALG_AEAD,
			sizeof(*aead) + M2MKX_ESP_KEY_LEN);
	strcpy(aead->alg_name, ESP_AEAD_NAME);
	aead->alg_key_len = 8 * M2MKX_ESP_KEY_LEN;
	aead->alg_icv_len = ESP_ICV_BITS;
	memcpy(aead->alg_key, key, M2MKX_ESP_KEY_LEN);

	ret = transact(fd, &r);
	m2mkx_wipe(&r, sizeof(r));
	return ret;
}

static int del_sa(int fd, const struct xfrm_ip *src, const struct xfrm_ip *dst,
		  uint32_t spi)
{
	struct xfrm_usersa_id *id;
	struct xfrm_req r;
	int ret;

	req_init(&r, XFRM_MSG_DELSA, 0, sizeof(*id));
	id = req_data(&r);
	put_addr(&id->daddr, dst);
	id->spi = htonl(spi);
	id->family = (uint16_t)dst->family;
	id->proto = IPPROTO_ESP;
	put_addr(req_attr(&r, XFRMA_SRCADDR, sizeof(xfrm_address_t)), src);
	ret = transact(fd, &r);
	/* Expired already: the kernel's hard lifetime came first. */
	return ret == -ESRCH || ret == -ENOENT ? 0 : ret;
}

/* Which packets from @src to @dst a policy is for. */
struct flow {
	const struct xfrm_ip *src;
	const struct xfrm_ip *dst;
	uint16_t sport;			/* UDP ports; both 0: all traffic */
	uint16_t dport;
};

static void put_flow(struct xfrm_selector *sel, const struct flow *f)
{
	put_selector(sel, f->src, f->dst);
	if (!f->sport && !f->dport)
		return;
	sel->proto = IPPROTO_UDP;
	if (f->sport) {
		sel->sport = htons(f->sport);
		sel->sport_mask = 0xffff;
	}
	if (f->dport) {
		sel->dport = htons(f->dport);
		sel->dport_mask = 0xffff;
	}
}

/*
 * The policy for flow @f in @dir: ESP with the SA of @spi, or with @spi 0
 * no transform at all (the handshake's bypass).
 */
static int set_policy(int fd, const struct flow *f, uint8_t dir, uint32_t spi,
		      uint32_t lifetime_s)
{
	struct xfrm_userpolicy_info *pol;
	struct xfrm_user_tmpl *tmpl;
	struct xfrm_req r;

	/* UPDPOLICY: a new session with the same peer takes it over. */
	req_init(&r, XFRM_MSG_UPDPOLICY, NLM_F_CREATE, sizeof(*pol));
	pol = req_data(&r);
	put_flow(&pol->sel, f);
	put_lifetime(&pol->lft, lifetime_s);
	pol->priority = spi ? PRIORITY_ESP : PRIORITY_BYPASS;
	pol->dir = dir;
	pol->action = XFRM_POLICY_ALLOW;
	pol->share = XFRM_SHARE_ANY;
	if (!spi)
		return transact(fd, &r);

	tmpl = req_attr(&r, XFRMA_TMPL, sizeof(*tmpl));
	memset(tmpl, 0, sizeof(*tmpl));
	put_addr(&tmpl->id.daddr, f->dst);
	tmpl->id.proto = IPPROTO_ESP;
	tmpl->family = (uint16_t)f->src->family;
	put_addr(&tmpl->saddr, f->src);
	tmpl->reqid = spi;
	tmpl->mode = XFRM_MODE_TRANSPORT;
	tmpl->share = XFRM_SHARE_ANY;
	tmpl->aalgos = ~0u;
	tmpl->ealgos = ~0u;
	tmpl->calgos = ~0u;
	return transact(fd, &r);
}

static int del_policy(int fd, const struct flow *f, uint8_t dir)
{
	struct xfrm_userpolicy_id *id;
	struct xfrm_req r;
	int ret;

	req_init(&r, XFRM_MSG_DELPOLICY, 0, sizeof(*id));
	id = req_data(&r);
	put_flow(&id->sel, f);
	id->dir = dir;
	ret = transact(fd, &r);
	return ret == -ENOENT || ret == -ESRCH ? 0 : ret;
}

static int xfrm_open(void)
{
	struct sockaddr_nl local = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_XFRM);

	int one = 1;

	if (fd < 0)
		return -errno;
	/* Refusals with the kernel's reason, without our request echoed. */
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&local, sizeof(local))) {
		int err = errno;

		close(fd);
		return -err;
	}
	return fd;
}

/* --- the pair ------------------------------------------------------------ */

/*
 * The four flows of the pair's policies: all traffic out and in, and the
 * handshake out and in, whose B end is on the handshake port.
 */
static void pair_flows(const struct xfrm_pair *p, struct flow f[4])
{
	uint16_t port = p->handshake_port;

	f[0] = (struct flow){ &p->local, &p->remote, 0, 0 };
	f[1] = (struct flow){ &p->remote, &p->local, 0, 0 };
	f[2] = (struct flow){ &p->local, &p->remote,
			      p->is_a ? 0 : port, p->is_a ? port : 0 };
	f[3] = (struct flow){ &p->remote, &p->local,
			      p->is_a ? port : 0, p->is_a ? 0 : port };
}

static int remove_with(int fd, const struct xfrm_pair *p, bool policies)
{
	static const uint8_t dirs[4] = {
		XFRM_POLICY_OUT, XFRM_POLICY_IN, XFRM_POLICY_OUT, XFRM_POLICY_IN
	};
	struct flow f[4];
	int ret = 0, r, i;

	pair_flows(p, f);
	for (i = 0; policies && i < 4; i++) {
		if (i >= 2 && !p->handshake_port)
			break;
		r = del_policy(fd, &f[i], dirs[i]);
		ret = ret ? ret : r;
	}
	r = del_sa(fd, &p->local, &p->remote, p->spi_out);
	ret = ret ? ret : r;
	r = del_sa(fd, &p->remote, &p->local, p->spi_in);
	return ret ? ret : r;
}

int xfrm_pair_install(const struct xfrm_pair *p)
{
	struct flow f[4];
	int fd = xfrm_open(), ret;

	if (fd < 0)
		return fd;
	pair_flows(p, f);
	ret = add_sa(fd, &p->local, &p->remote, p->spi_out, p->key_out,
		     p->lifetime_s);
	if (!ret) {
		ret = add_sa(fd, &p->remote, &p->local, p->spi_in, p->key_in,
			     p->lifetime_s);
		if (ret)
			del_sa(fd, &p->local, &p->remote, p->spi_out);
	}
	if (!ret) {
		/* The bypass first: no handshake datagram meets ESP. */
		if (p->handshake_port)
			ret = set_policy(fd, &f[2], XFRM_POLICY_OUT, 0,
					 p->lifetime_s);
		if (!ret && p->handshake_port)
			ret = set_policy(fd, &f[3], XFRM_POLICY_IN, 0,
					 p->lifetime_s);
		if (!ret)
			ret = set_policy(fd, &f[0], XFRM_POLICY_OUT,
					 p->spi_out, p->lifetime_s);
		if (!ret)
			ret = set_policy(fd, &f[1], XFRM_POLICY_IN,
					 p->spi_in, p->lifetime_s);
		if (ret)
			remove_with(fd, p, true);
	}
	close(fd);
	return ret;
}

int xfrm_pair_remove(const struct xfrm_pair *p, bool policies)
{
	int fd = xfrm_open(), ret;

	if (fd < 0)
		return fd;
	ret = remove_with(fd, p, policies);
	close(fd);
	return ret;
}
