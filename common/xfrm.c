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

#include "common/xfrm.h"

/* RFC 4106 AES-GCM, as the kernel's crypto API names it. */
#define ESP_AEAD_NAME "rfc4106(gcm(aes))"
#define ESP_ICV_BITS 128
#define ESP_REPLAY_WINDOW 32

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
		   const struct xfrm_ip *remote, uint32_t lifetime_s)
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

/* Sends @r and reads its acknowledgement: 0 or a negative errno. */
static int transact(int fd, struct xfrm_req *r)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	union {
		struct nlmsghdr nh;
		uint8_t buf[4096];
	} ack;
	ssize_t n;

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
		return ((struct nlmsgerr *)NLMSG_DATA(&ack.nh))->error;
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

/* The policy for packets from @src to @dst: ESP with the SA of @spi. */
static int set_policy(int fd, const struct xfrm_ip *src,
		      const struct xfrm_ip *dst, uint8_t dir, uint32_t spi,
		      uint32_t lifetime_s)
{
	struct xfrm_userpolicy_info *pol;
	struct xfrm_user_tmpl *tmpl;
	struct xfrm_req r;

	/* UPDPOLICY: a new session with the same peer takes it over. */
	req_init(&r, XFRM_MSG_UPDPOLICY, NLM_F_CREATE, sizeof(*pol));
	pol = req_data(&r);
	put_selector(&pol->sel, src, dst);
	put_lifetime(&pol->lft, lifetime_s);
	pol->dir = dir;
	pol->action = XFRM_POLICY_ALLOW;
	pol->share = XFRM_SHARE_ANY;

	tmpl = req_attr(&r, XFRMA_TMPL, sizeof(*tmpl));
	memset(tmpl, 0, sizeof(*tmpl));
	put_addr(&tmpl->id.daddr, dst);
	tmpl->id.proto = IPPROTO_ESP;
	tmpl->family = (uint16_t)src->family;
	put_addr(&tmpl->saddr, src);
	tmpl->reqid = spi;
	tmpl->mode = XFRM_MODE_TRANSPORT;
	tmpl->share = XFRM_SHARE_ANY;
	tmpl->aalgos = ~0u;
	tmpl->ealgos = ~0u;
	tmpl->calgos = ~0u;
	return transact(fd, &r);
}

static int del_policy(int fd, const struct xfrm_ip *src,
		      const struct xfrm_ip *dst, uint8_t dir)
{
	struct xfrm_userpolicy_id *id;
	struct xfrm_req r;
	int ret;

	req_init(&r, XFRM_MSG_DELPOLICY, 0, sizeof(*id));
	id = req_data(&r);
	put_selector(&id->sel, src, dst);
	id->dir = dir;
	ret = transact(fd, &r);
	return ret == -ENOENT || ret == -ESRCH ? 0 : ret;
}

static int xfrm_open(void)
{
	struct sockaddr_nl local = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_XFRM);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&local, sizeof(local))) {
		int err = errno;

		close(fd);
		return -err;
	}
	return fd;
}

/* --- the pair ------------------------------------------------------------ */

static int remove_with(int fd, const struct xfrm_pair *p, bool policies)
{
	int ret = 0, r;

	if (policies) {
		r = del_policy(fd, &p->local, &p->remote, XFRM_POLICY_OUT);
		ret = ret ? ret : r;
		r = del_policy(fd, &p->remote, &p->local, XFRM_POLICY_IN);
		ret = ret ? ret : r;
	}
	r = del_sa(fd, &p->local, &p->remote, p->spi_out);
	ret = ret ? ret : r;
	r = del_sa(fd, &p->remote, &p->local, p->spi_in);
	return ret ? ret : r;
}

int xfrm_pair_install(const struct xfrm_pair *p)
{
	int fd = xfrm_open(), ret;

	if (fd < 0)
		return fd;
	ret = add_sa(fd, &p->local, &p->remote, p->spi_out, p->key_out,
		     p->lifetime_s);
	if (!ret) {
		ret = add_sa(fd, &p->remote, &p->local, p->spi_in, p->key_in,
			     p->lifetime_s);
		if (ret)
			del_sa(fd, &p->local, &p->remote, p->spi_out);
	}
	if (!ret) {
		ret = set_policy(fd, &p->local, &p->remote, XFRM_POLICY_OUT,
				 p->spi_out, p->lifetime_s);
		if (!ret)
			ret = set_policy(fd, &p->remote, &p->local,
					 XFRM_POLICY_IN, p->spi_in,
					 p->lifetime_s);
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
