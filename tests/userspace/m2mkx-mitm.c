// SPDX-License-Identifier: GPL-2.0
/*
 * m2mkx-mitm: a network attacker between the proxies and B, for the
 * loopback tests. Not a test itself and not installed.
 *
 * It is a UDP relay: A's configuration names its --listen address as B's
 * endpoint, A hands that endpoint to the proxies in SHARES, and so A's and
 * the proxies' datagrams for B come here. Each sender gets its own socket
 * towards the real B (--server), so that B sees one address per proxy and
 * its answers come back to the sender they are for.
 *
 * What an attacker on the path can do to a SIGNED_SHARE without any key
 * but its own, by --mode, once per run, on the first SIGNED_SHARE from any
 * proxy; the forged copy goes to B first, then the genuine datagram:
 *
 *   relay         nothing: forwards only (with --capture-out, records)
 *   forge-ots     one bit of the one-time signature flipped
 *                 (B: bad_ots_signature)
 *   foreign-path  the Merkle path replaced by the one of a SIGNED_SHARE
 *                 recorded from another session (--capture FILE)
 *                 (B: bad_merkle_proof)
 *   foreign-t     the root info signed again by another T (--key FILE),
 *                 under that key's id (B: unknown_t_key) or, with
 *                 --keep-key-id, under the genuine T's (B:
 *                 bad_root_signature)
 *   duplicate-material
 *                 placed between T and a proxy instead (--server is the
 *                 proxy): every KEY_MATERIAL goes through twice, so the
 *                 proxy is told to install the same material again
 *                 (P_i: material_exists, acknowledged as such to T)
 *   flood         no relay: from its --listen address, --rate datagrams
 *                 a second to B for --seconds, in turn a HELLO for B
 *                 (--b-id) from a random A (each one a new session), a
 *                 PROXY_HELLO for a random session, a SIGNED_SHARE for a
 *                 session B opened for one of those HELLOs, and the
 *                 recorded SIGNED_SHARE (--capture) again, valid-looking
 *                 but stale. The SIGNED_SHARE is the recorded one with
 *                 its root info bound to the live session (A, session,
 *                 N_B from B's HELLO_REPLY) under the genuine T's key id
 *                 and signature: everything B checks before T's
 *                 signature holds, which B must then verify, and which
 *                 fails (bad signatures, the costly kind). B's answers are
 *                 read and dropped; "counter mitm flood_<kind>" lines
 *                 count what was sent. With --spoof, each HELLO comes
 *                 from an address of its own, 128 to 254 in the last
 *                 byte of the --listen address's IPv4 /24, through a raw
 *                 socket (root): what B's cookie is for
 *
 * The copy must be first: B checks T's signature once per session and
 * compares later roots with the one that verified, so a forged root sent
 * after a genuine one would be refused as a foreign root, not for its
 * signature. Holding every genuine datagram until the copy is out is
 * simply forging on the first one: this program is single-threaded.
 *
 * B's parser needs the session's parameters to find the fields; they are
 * given on the command line (--n, --k, --share-mode, --ots), as the test
 * knows them.
 *
 * stdout: "listening <endpoint>" once bound; "event mitm ..." per attack
 * or capture; "counter mitm <name> <n>" lines on SIGUSR1 and at exit.
 * Loopback addresses only, it is a test tool; --any-address lifts that for
 * the e2e guest (tests/e2e/guest/t_handshake.sh), whose nodes each have a
 * network namespace of their own, reachable only from the guest.
 */
#include <errno.h>
#include <getopt.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <m2mkx/bytes.h>
#include <m2mkx/keys.h>
#include <m2mkx/proxy.h>
#include <m2mkx/wire.h>

#include "backend/openssl.h"
#include "common/endpoint.h"
#include "common/keys.h"
#include "common/log.h"
#include "common/udp.h"

/* A, five proxies, and room for retransmissions from new ports. */
#define MITM_MAX_UPSTREAMS 32

enum mitm_mode {
	MODE_RELAY,
	MODE_FORGE_OTS,
	MODE_FOREIGN_PATH,
	MODE_FOREIGN_T,
	MODE_DUPLICATE_MATERIAL,
	MODE_FLOOD,
};

static const char *const mode_names[] = {
	[MODE_RELAY] = "relay",
	[MODE_FORGE_OTS] = "forge-ots",
	[MODE_FOREIGN_PATH] = "foreign-path",
	[MODE_FOREIGN_T] = "foreign-t",
	[MODE_DUPLICATE_MATERIAL] = "duplicate-material",
	[MODE_FLOOD] = "flood",
};

/* What flood mode sends, in turn. */
enum flood_kind {
	FLOOD_HELLO,
	FLOOD_PROXY_HELLO,
	FLOOD_SIGNED_SHARE,
	FLOOD_STALE,
	FLOOD_KINDS
};

static const char *const flood_names[FLOOD_KINDS] = {
	[FLOOD_HELLO] = "hello",
	[FLOOD_PROXY_HELLO] = "proxy_hello",
	[FLOOD_SIGNED_SHARE] = "signed_share",
	[FLOOD_STALE] = "stale",
};

/* Sessions B opened for the flood's HELLOs, the newest kept. */
#define FLOOD_SESSIONS 64

/* One sender (A or a proxy) and its socket towards B. */
struct upstream {
	struct m2mkx_endpoint client;
	struct udp_sock sock;
};

struct mitm {
	enum mitm_mode mode;
	struct m2mkx_params params;
	struct m2mkx_endpoint listen_ep, server;
	struct udp_sock listen;
	unsigned int nup;
	struct upstream *up[MITM_MAX_UPSTREAMS];

	const char *capture_out;
	bool captured;
	/* foreign-path: the recorded datagram and its path. */
	u8 *capture;
	struct m2mkx_signed_share foreign;
	/* foreign-t */
	struct m2mkx_signer t2;
	u8 t2_id[M2MKX_TKEY_ID_LEN];
	bool keep_key_id;

	bool attacked;
	bool any_address;
	/* flood */
	u8 b_id[M2MKX_ID_LEN];
	unsigned long seconds, rate;
	int raw_fd;			/* --spoof: IPPROTO_RAW, or -1 */
	struct m2mkx_hello_reply live[FLOOD_SESSIONS];
	unsigned int nlive;
	unsigned long flooded[FLOOD_KINDS], answers;
	unsigned long to_server, to_clients, forged, duplicated, dropped;
	unsigned long send_failed;
	u8 rx[UDP_MAX_DGRAM];
	u8 copy[UDP_MAX_DGRAM];
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s --listen ADDR:PORT --server ADDR:PORT --n N --k K\n"
		"          [--share-mode shamir|dispersal] [--ots TYPE]\n"
		"          [--mode relay|forge-ots|foreign-path|foreign-t|\n"
		"                  duplicate-material|flood]\n"
		"          [--capture FILE] [--capture-out FILE]\n"
		"          [--key FILE] [--keep-key-id] [--any-address]\n"
		"          [--b-id HEX --seconds S --rate PER_SECOND [--spoof]]\n"
		"\n"
		"  --capture-out FILE  write the first SIGNED_SHARE to FILE\n"
		"  --capture FILE      foreign-path: a SIGNED_SHARE of another\n"
		"                      session, as --capture-out wrote it;\n"
		"                      flood: the stale datagram it sends\n"
		"  --b-id HEX          flood: B's node id, for its HELLOs\n"
		"  --seconds S         flood: for how long\n"
		"  --rate PER_SECOND   flood: datagrams a second\n"
		"  --spoof             flood: each HELLO from an address of its\n"
		"                      own in the --listen address's /24 (IPv4)\n"
		"  --key FILE          foreign-t: the other T's private key\n"
		"  --keep-key-id       foreign-t: keep the genuine T's key id\n"
		"  --any-address       allow addresses other than loopback\n"
		"                      (for test networks in namespaces)\n"
		"\n"
		"A test tool: relays between loopback addresses only, unless\n"
		"--any-address.\n",
		program_invocation_short_name);
}

static bool is_loopback(const struct m2mkx_endpoint *ep)
{
	static const u8 v6_lo[16] = { [15] = 1 };
	static const u8 v4_mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (!memcmp(ep->addr, v6_lo, sizeof(v6_lo)))
		return true;
	return !memcmp(ep->addr, v4_mapped, sizeof(v4_mapped)) &&
	       ep->addr[12] == 127;
}

static bool endpoint_equal(const struct m2mkx_endpoint *x,
			   const struct m2mkx_endpoint *y)
{
	return x->port == y->port && !memcmp(x->addr, y->addr, sizeof(x->addr));
}

static void print_session(const char *label,
			  const u8 session[M2MKX_SESSION_LEN])
{
	char hex[2 * M2MKX_SESSION_LEN + 1];

	hex_encode(hex, session, M2MKX_SESSION_LEN);
	printf(" %s=%s", label, hex);
}

static void send_dgram(struct mitm *mm, struct udp_sock *s,
		       const struct m2mkx_endpoint *to, const u8 *buf,
		       size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sslen;

	if (endpoint_to_sockaddr(to, s->family, &ss, &sslen) ||
	    sendto(s->fd, buf, len, 0, (struct sockaddr *)&ss, sslen) !=
	    (ssize_t)len)
		mm->send_failed++;
}

static struct upstream *upstream_for(struct mitm *mm,
				     const struct m2mkx_endpoint *client)
{
	struct m2mkx_endpoint local = mm->listen_ep;
	struct upstream *up;
	unsigned int i;

	for (i = 0; i < mm->nup; i++)
		if (endpoint_equal(&mm->up[i]->client, client))
			return mm->up[i];
	if (mm->nup == MITM_MAX_UPSTREAMS)
		return NULL;
	up = calloc(1, sizeof(*up));
	if (!up)
		return NULL;
	/* The listening address, any port: loopback like everything here. */
	local.port = 0;
	if (udp_open(&up->sock, &local, endpoint_is_v4(&mm->listen_ep))) {
		log_err("upstream socket: %s", strerror(errno));
		free(up);
		return NULL;
	}
	up->client = *client;
	mm->up[mm->nup++] = up;
	return up;
}

static void capture(struct mitm *mm, const struct m2mkx_signed_share *m,
		    const u8 *buf, size_t len)
{
	FILE *f;

	mm->captured = true;
	f = fopen(mm->capture_out, "wb");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f)) {
		log_err("%s: %s", mm->capture_out, strerror(errno));
		return;
	}
	printf("event mitm captured");
	print_session("session", m->session);
	printf(" q=%u file=%s\n", m->q, mm->capture_out);
	fflush(stdout);
}

/*
 * foreign-t: the root info signed again with the other T's key, the rest
 * of the datagram unchanged (its one-time signature no longer matches,
 * but B refuses the root first). Returns the copy's length, 0 on failure.
 */
static size_t resign_root(struct mitm *mm, const struct m2mkx_signed_share *m,
			  const u8 *buf, size_t len)
{
	u8 root[M2MKX_ROOT_INFO_LEN(M2MKX_ROOT_SIG_MAX_LEN)];
	u8 sig[M2MKX_ROOT_SIG_MAX_LEN];
	u8 digest[M2MKX_SHA256_LEN];
	struct m2mkx_root_info ri = m->root;
	size_t off = (size_t)(m->root.signed_part - buf);
	size_t old_len = M2MKX_ROOT_INFO_LEN(m->root.sig_len);
	size_t tail = len - off - old_len, sig_len = 0, root_len;

	if (!mm->keep_key_id)
		memcpy(ri.t_key_id, mm->t2_id, sizeof(ri.t_key_id));
	/* The signed part first, to hash; the signature is added after. */
	ri.sig = NULL;
	ri.sig_len = 0;
	m2mkx_root_info_encode(root, &ri);
	m2mkx_root_digest(digest, root);
	if (m2mkx_signer_sign(&mm->t2, digest, sig, &sig_len) || !sig_len ||
	    sig_len > M2MKX_ROOT_SIG_MAX_LEN) {
		log_err("foreign-t: cannot sign with --key");
		return 0;
	}
	ri.sig = sig;
	ri.sig_len = (u16)sig_len;
	root_len = m2mkx_root_info_encode(root, &ri);
	if (off + root_len + tail > sizeof(mm->copy))
		return 0;
	memcpy(mm->copy, buf, off);
	memcpy(mm->copy + off, root, root_len);
	memcpy(mm->copy + off + root_len, buf + off + old_len, tail);
	return off + root_len + tail;
}

/* Builds the mode's forged copy of @buf into mm->copy; its length or 0. */
static size_t forge(struct mitm *mm, const struct m2mkx_signed_share *m,
		    const u8 *buf, size_t len)
{
	size_t path_off = (size_t)(m->path - buf);

	switch (mm->mode) {
	case MODE_FORGE_OTS:
		memcpy(mm->copy, buf, len);
		/* The last byte lies in the last hash chain's value. */
		mm->copy[len - 1] ^= 0x01;
		return len;
	case MODE_FOREIGN_PATH:
		if (mm->foreign.height != m->height)
			return 0;
		memcpy(mm->copy, buf, len);
		memcpy(mm->copy + path_off, mm->foreign.path,
		       (size_t)m->height * M2MKX_OTS_HASH_LEN);
		return len;
	case MODE_FOREIGN_T:
		return resign_root(mm, m, buf, len);
	default:
		return 0;
	}
}

/* A SIGNED_SHARE on its way to B: record, forge, and send the copy first. */
static void signed_share(struct mitm *mm, struct upstream *up,
			 const u8 *buf, size_t len)
{
	struct m2mkx_signed_share m;
	size_t copy_len;
	int ret;

	if (mm->attacked && (mm->captured || !mm->capture_out))
		return;
	ret = m2mkx_signed_share_parse(buf, len, &mm->params, &m);
	if (ret) {
		log_err("SIGNED_SHARE does not parse with the given parameters: %s",
			m2mkx_err_name(ret));
		return;
	}
	if (mm->capture_out && !mm->captured)
		capture(mm, &m, buf, len);
	if (mm->attacked || mm->mode == MODE_RELAY)
		return;
	mm->attacked = true;
	copy_len = forge(mm, &m, buf, len);
	if (!copy_len) {
		log_err("%s: could not forge a copy", mode_names[mm->mode]);
		return;
	}
	send_dgram(mm, &up->sock, &mm->server, mm->copy, copy_len);
	mm->forged++;
	printf("event mitm forged kind=%s", mode_names[mm->mode]);
	print_session("session", m.session);
	printf(" q=%u", m.q);
	if (mm->mode == MODE_FOREIGN_PATH)
		print_session("from", mm->foreign.session);
	if (mm->mode == MODE_FOREIGN_T)
		printf(" key_id=%s", mm->keep_key_id ? "genuine" : "foreign");
	putchar('\n');
	fflush(stdout);
}

/* A datagram for B, from A or a proxy. */
static void from_client(struct mitm *mm, const u8 *buf, size_t len,
			const struct m2mkx_endpoint *from)
{
	struct upstream *up = upstream_for(mm, from);

	if (!up) {
		mm->dropped++;
		return;
	}
	if (m2mkx_msg_peek(buf, len) == M2MKX_MSG_SIGNED_SHARE)
		signed_share(mm, up, buf, len);
	send_dgram(mm, &up->sock, &mm->server, buf, len);
	mm->to_server++;
	if (mm->mode == MODE_DUPLICATE_MATERIAL &&
	    m2mkx_msg_peek(buf, len) == M2MKX_MSG_KEY_MATERIAL) {
		send_dgram(mm, &up->sock, &mm->server, buf, len);
		mm->duplicated++;
		printf("event mitm duplicated kind=key_material\n");
		fflush(stdout);
	}
}

/* B's answer on @up's socket goes back to @up's sender. */
static void from_server(struct mitm *mm, struct upstream *up)
{
	struct m2mkx_endpoint from;
	ssize_t n;

	while ((n = udp_recv(&up->sock, mm->rx, sizeof(mm->rx), &from)) >= 0) {
		if (!endpoint_equal(&from, &mm->server)) {
			mm->dropped++;
			continue;
		}
		send_dgram(mm, &mm->listen, &up->client, mm->rx, (size_t)n);
		mm->to_clients++;
	}
}

static void print_counters(const struct mitm *mm)
{
	printf("counter mitm to_server %lu\n", mm->to_server);
	printf("counter mitm to_clients %lu\n", mm->to_clients);
	printf("counter mitm forged %lu\n", mm->forged);
	printf("counter mitm duplicated %lu\n", mm->duplicated);
	printf("counter mitm dropped %lu\n", mm->dropped);
	printf("counter mitm send_failed %lu\n", mm->send_failed);
	if (mm->mode == MODE_FLOOD) {
		unsigned int k;

		for (k = 0; k < FLOOD_KINDS; k++)
			printf("counter mitm flood_%s %lu\n", flood_names[k],
			       mm->flooded[k]);
		printf("counter mitm flood_answers %lu\n", mm->answers);
	}
	fflush(stdout);
}

static int run(struct mitm *mm)
{
	struct pollfd pfd[2 + MITM_MAX_UPSTREAMS];
	struct signalfd_siginfo si;
	struct m2mkx_endpoint from;
	sigset_t mask;
	unsigned int i, nfds;
	int sfd;
	ssize_t n;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGUSR1);
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sfd < 0) {
		log_err("signalfd: %s", strerror(errno));
		return -1;
	}
	for (;;) {
		pfd[0].fd = sfd;
		pfd[0].events = POLLIN;
		pfd[1].fd = mm->listen.fd;
		pfd[1].events = POLLIN;
		nfds = 2;
		for (i = 0; i < mm->nup; i++) {
			pfd[nfds].fd = mm->up[i]->sock.fd;
			pfd[nfds++].events = POLLIN;
		}
		if (poll(pfd, nfds, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_err("poll: %s", strerror(errno));
			close(sfd);
			return -1;
		}
		if (pfd[0].revents & POLLIN) {
			bool stop = false;

			while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				if (si.ssi_signo == SIGUSR1)
					print_counters(mm);
				else
					stop = true;
			}
			if (stop)
				break;
		}
		/* B's side first: its answers are what the senders wait on. */
		for (i = 2; i < nfds; i++)
			if (pfd[i].revents & (POLLIN | POLLERR))
				from_server(mm, mm->up[i - 2]);
		if (pfd[1].revents & (POLLIN | POLLERR)) {
			while ((n = udp_recv(&mm->listen, mm->rx,
					     sizeof(mm->rx), &from)) >= 0)
				from_client(mm, mm->rx, (size_t)n, &from);
		}
	}
	close(sfd);
	return 0;
}

/* foreign-path: the recorded SIGNED_SHARE whose path the copy carries. */
static int load_capture(struct mitm *mm, const char *path)
{
	u8 *buf = malloc(UDP_MAX_DGRAM);
	size_t len;
	FILE *f;
	int ret;

	if (!buf)
		return -1;
	f = fopen(path, "rb");
	if (!f) {
		log_err("%s: %s", path, strerror(errno));
		free(buf);
		return -1;
	}
	len = fread(buf, 1, UDP_MAX_DGRAM, f);
	fclose(f);
	ret = m2mkx_signed_share_parse(buf, len, &mm->params, &mm->foreign);
	if (ret) {
		log_err("%s: not a SIGNED_SHARE with these parameters: %s",
			path, m2mkx_err_name(ret));
		free(buf);
		return -1;
	}
	mm->capture = buf;
	return 0;
}

static u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + (u64)ts.tv_nsec;
}

/* flood: B's answers; a HELLO_REPLY that opened a session is kept. */
static void flood_read(struct mitm *mm)
{
	struct m2mkx_hello_reply reply;
	struct m2mkx_endpoint from;
	ssize_t n;

	while ((n = udp_recv(&mm->listen, mm->rx, sizeof(mm->rx), &from)) >= 0) {
		mm->answers++;
		if (m2mkx_hello_reply_parse(mm->rx, (size_t)n, &reply) ||
		    reply.status)
			continue;
		mm->live[mm->nlive++ % FLOOD_SESSIONS] = reply;
	}
}

static unsigned int min_u(unsigned int a, unsigned int b)
{
	return a < b ? a : b;
}

/*
 * flood: the recorded SIGNED_SHARE, for live session @r from proxy @q,
 * into mm->copy (see the top of this file).
 */
static void flood_rebind(struct mitm *mm, const struct m2mkx_hello_reply *r,
			 u8 q, size_t len)
{
	/* Where the recorded root info's signed part starts. */
	size_t root = (size_t)(mm->foreign.root.signed_part - mm->capture);
	u8 *p = mm->copy + root + M2MKX_TKEY_ID_LEN;

	memcpy(mm->copy, mm->capture, len);
	memcpy(mm->copy + 2, r->session, M2MKX_SESSION_LEN);
	mm->copy[2 + M2MKX_SESSION_LEN] = q;
	memcpy(p, r->a, M2MKX_ID_LEN);
	p += 2 * M2MKX_ID_LEN;
	memcpy(p, r->session, M2MKX_SESSION_LEN);
	p += M2MKX_SESSION_LEN;
	memcpy(p, r->n_b, M2MKX_NONCE_LEN);
}

/* flood: the next datagram of @kind into mm->copy; its length. */
static size_t flood_build(struct mitm *mm, enum flood_kind kind)
{
	size_t len = m2mkx_signed_share_len(&mm->params,
					    mm->foreign.root.sig_len);
	struct m2mkx_proxy_hello ph;
	struct m2mkx_hello hello;
	u8 q;

	switch (kind) {
	case FLOOD_HELLO:
		memset(&hello, 0, sizeof(hello));
		m2mkx_random(hello.a, sizeof(hello.a));
		memcpy(hello.b, mm->b_id, M2MKX_ID_LEN);
		m2mkx_random(hello.n_a, sizeof(hello.n_a));
		hello.params = mm->params;
		return m2mkx_hello_encode(mm->copy, &hello);
	case FLOOD_PROXY_HELLO:
		memset(&ph, 0, sizeof(ph));
		m2mkx_random(&ph, sizeof(ph));
		return m2mkx_proxy_hello_encode(mm->copy, &ph);
	case FLOOD_SIGNED_SHARE:
		if (!mm->nlive)
			return 0;
		m2mkx_random(&q, 1);
		flood_rebind(mm, &mm->live[mm->flooded[kind] %
					   min_u(mm->nlive, FLOOD_SESSIONS)],
			     q % mm->params.n, len);
		return len;
	case FLOOD_STALE:
		memcpy(mm->copy, mm->capture, len);
		return len;
	default:
		return 0;
	}
}

/*
 * flood --spoof: @buf to B in a UDP datagram from a source address of its
 * own, whose answer nobody will read: the IPv4 and UDP headers are ours
 * (IPPROTO_RAW), the kernel fills in the total length, the IP id and the
 * header checksum; a UDP checksum of zero is none.
 */
static void send_spoofed(struct mitm *mm, const u8 *buf, size_t len)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	u8 pkt[sizeof(struct iphdr) + sizeof(struct udphdr) + 64];
	struct iphdr *ip = (struct iphdr *)pkt;
	struct udphdr *udp = (struct udphdr *)(ip + 1);
	u8 host, port[2];

	if (len > sizeof(pkt) - sizeof(*ip) - sizeof(*udp)) {
		mm->send_failed++;
		return;
	}
	memset(pkt, 0, sizeof(*ip) + sizeof(*udp));
	m2mkx_random(&host, 1);
	m2mkx_random(port, sizeof(port));
	ip->version = 4;
	ip->ihl = sizeof(*ip) / 4;
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	memcpy(&ip->saddr, mm->listen_ep.addr + 12, 3);
	((u8 *)&ip->saddr)[3] = (u8)(128 + host % 127);
	memcpy(&ip->daddr, mm->server.addr + 12, 4);
	udp->source = htons((u16)(32768 | port[0] << 8 | port[1]));
	udp->dest = htons(mm->server.port);
	udp->len = htons((u16)(sizeof(*udp) + len));
	memcpy(udp + 1, buf, len);
	memcpy(&to.sin_addr, &ip->daddr, sizeof(to.sin_addr));
	if (sendto(mm->raw_fd, pkt, sizeof(*ip) + sizeof(*udp) + len, 0,
		   (struct sockaddr *)&to, sizeof(to)) < 0)
		mm->send_failed++;
}

/*
 * flood: --rate datagrams a second for --seconds, paced on the monotonic
 * clock (a late start sends what is due at once, no more).
 */
static int flood(struct mitm *mm)
{
	const u64 step = 1000000000ULL / mm->rate;
	u64 start = mono_ns(), due = start;
	const u64 end = start + mm->seconds * 1000000000ULL;
	unsigned long sent = 0;
	struct timespec ts;
	size_t len;

	while (due < end) {
		enum flood_kind kind = (enum flood_kind)(sent++ % FLOOD_KINDS);

		/* Nothing to send for a session before B opened one. */
		len = flood_build(mm, kind);
		if (len) {
			if (kind == FLOOD_HELLO && mm->raw_fd >= 0)
				send_spoofed(mm, mm->copy, len);
			else
				send_dgram(mm, &mm->listen, &mm->server,
					   mm->copy, len);
			mm->flooded[kind]++;
		}
		flood_read(mm);
		due += step;
		ts.tv_sec = (time_t)(due / 1000000000ULL);
		ts.tv_nsec = (long)(due % 1000000000ULL);
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
				       NULL) == EINTR)
			;
	}
	flood_read(mm);
	return 0;
}

static int parse_lookup(const char *opt, const char *value,
			const char *const *names, unsigned int count)
{
	unsigned int i;

	for (i = 0; i < count; i++)
		if (names[i] && !strcmp(value, names[i]))
			return (int)i;
	log_err("--%s: unknown value '%s'", opt, value);
	return -1;
}

static int parse_small(const char *opt, const char *value, u8 *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(value, &end, 10);
	if (value[0] < '0' || value[0] > '9' || *end || errno || !v ||
	    v > M2MKX_MAX_PROXIES) {
		log_err("--%s: expected 1..%d", opt, M2MKX_MAX_PROXIES);
		return -1;
	}
	*out = (u8)v;
	return 0;
}

/* A positive count, at most a million. */
static int parse_count(const char *opt, const char *value, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(value, &end, 10);
	if (value[0] < '0' || value[0] > '9' || *end || errno || !v ||
	    v > 1000000) {
		log_err("--%s: expected 1..1000000", opt);
		return -1;
	}
	*out = v;
	return 0;
}

static int parse_ots(const char *value, u32 *type)
{
	static const struct {
		const char *name;
		u32 type;
	} types[] = {
		{ "lmots-w1", M2MKX_LMOTS_SHA256_N32_W1 },
		{ "lmots-w2", M2MKX_LMOTS_SHA256_N32_W2 },
		{ "lmots-w4", M2MKX_LMOTS_SHA256_N32_W4 },
		{ "lmots-w8", M2MKX_LMOTS_SHA256_N32_W8 },
		{ "lamport", M2MKX_OTS_LAMPORT_SHA256 },
	};
	unsigned int i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (!strcmp(value, types[i].name)) {
			*type = types[i].type;
			return 0;
		}
	}
	log_err("--ots: unknown type '%s'", value);
	return -1;
}

static int parse_endpoint(const char *opt, const char *value,
			  struct m2mkx_endpoint *ep)
{
	if (endpoint_parse(ep, value)) {
		log_err("--%s: expected ADDR:PORT, got '%s'", opt, value);
		return -1;
	}
	return 0;
}

static int check_loopback(const char *opt, const struct m2mkx_endpoint *ep)
{
	char value[ENDPOINT_STR_LEN];

	if (!is_loopback(ep)) {
		endpoint_format(value, ep);
		log_err("--%s: %s is not a loopback address", opt, value);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "server", required_argument, NULL, 's' },
		{ "n", required_argument, NULL, 'n' },
		{ "k", required_argument, NULL, 'k' },
		{ "share-mode", required_argument, NULL, 'S' },
		{ "ots", required_argument, NULL, 'o' },
		{ "mode", required_argument, NULL, 'm' },
		{ "capture", required_argument, NULL, 'c' },
		{ "capture-out", required_argument, NULL, 'C' },
		{ "key", required_argument, NULL, 'K' },
		{ "keep-key-id", no_argument, NULL, 'i' },
		{ "any-address", no_argument, NULL, 'a' },
		{ "b-id", required_argument, NULL, 'b' },
		{ "seconds", required_argument, NULL, 'T' },
		{ "rate", required_argument, NULL, 'r' },
		{ "spoof", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const share_modes[] = {
		[M2MKX_SHARE_SHAMIR] = "shamir",
		[M2MKX_SHARE_DISPERSAL] = "dispersal",
	};
	const char *capture_in = NULL, *key = NULL;
	bool have_listen = false, have_server = false, have_b_id = false;
	bool spoof = false;
	char ep[ENDPOINT_STR_LEN];
	struct mitm *mm;
	int opt, v, ret = 1;
	unsigned int i;
	sigset_t mask;

	mm = calloc(1, sizeof(*mm));
	if (!mm) {
		log_err("%s", strerror(errno));
		return 1;
	}
	mm->listen.fd = -1;
	mm->raw_fd = -1;
	mm->params.suite = M2MKX_SUITE_V1;
	mm->params.share_mode = M2MKX_SHARE_SHAMIR;
	mm->params.ots_type = M2MKX_OTS_DEFAULT;
	/*
	 * A's agreement count shapes no SIGNED_SHARE, but the parser checks
	 * the whole parameter set: any valid m will do.
	 */
	mm->params.m = 1;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (opt) {
		case 'l':
			if (parse_endpoint("listen", optarg, &mm->listen_ep))
				goto out;
			have_listen = true;
			break;
		case 's':
			if (parse_endpoint("server", optarg, &mm->server))
				goto out;
			have_server = true;
			break;
		case 'n':
			if (parse_small("n", optarg, &mm->params.n))
				goto out;
			break;
		case 'k':
			if (parse_small("k", optarg, &mm->params.k))
				goto out;
			break;
		case 'S':
			v = parse_lookup("share-mode", optarg, share_modes,
					 M2MKX_ARRAY_SIZE(share_modes));
			if (v < 0)
				goto out;
			mm->params.share_mode = (u8)v;
			break;
		case 'o':
			if (parse_ots(optarg, &mm->params.ots_type))
				goto out;
			break;
		case 'm':
			v = parse_lookup("mode", optarg, mode_names,
					 M2MKX_ARRAY_SIZE(mode_names));
			if (v < 0)
				goto out;
			mm->mode = (enum mitm_mode)v;
			break;
		case 'c':
			capture_in = optarg;
			break;
		case 'C':
			mm->capture_out = optarg;
			break;
		case 'K':
			key = optarg;
			break;
		case 'i':
			mm->keep_key_id = true;
			break;
		case 'a':
			mm->any_address = true;
			break;
		case 'b':
			if (hex_decode(mm->b_id, M2MKX_ID_LEN, optarg)) {
				log_err("--b-id: expected %d hex digits",
					2 * M2MKX_ID_LEN);
				goto out;
			}
			have_b_id = true;
			break;
		case 'T':
			if (parse_count("seconds", optarg, &mm->seconds))
				goto out;
			break;
		case 'r':
			if (parse_count("rate", optarg, &mm->rate))
				goto out;
			break;
		case 'p':
			spoof = true;
			break;
		case 'h':
			usage(stdout);
			ret = 0;
			goto out;
		default:
			usage(stderr);
			goto out;
		}
	}
	if (optind != argc || !have_listen || !have_server ||
	    !mm->params.n || !mm->params.k) {
		usage(stderr);
		goto out;
	}
	if (!mm->any_address &&
	    (check_loopback("listen", &mm->listen_ep) ||
	     check_loopback("server", &mm->server)))
		goto out;
	if (m2mkx_params_check(&mm->params)) {
		log_err("--n, --k, --share-mode, --ots: not a valid session");
		goto out;
	}
	if ((mm->mode == MODE_FLOOD) !=
	    (have_b_id && mm->seconds && mm->rate && capture_in)) {
		log_err("--b-id, --seconds, --rate go with flood, which needs them and --capture");
		goto out;
	}
	if ((mm->mode == MODE_FOREIGN_PATH) !=
	    (capture_in && mm->mode != MODE_FLOOD) ||
	    (mm->mode == MODE_FOREIGN_T) != !!key ||
	    (mm->keep_key_id && mm->mode != MODE_FOREIGN_T)) {
		log_err("--capture goes with foreign-path or flood, --key and --keep-key-id with foreign-t");
		goto out;
	}
	if (spoof && (mm->mode != MODE_FLOOD ||
		      !endpoint_is_v4(&mm->listen_ep) ||
		      !endpoint_is_v4(&mm->server))) {
		log_err("--spoof goes with flood, between IPv4 addresses");
		goto out;
	}
	if (spoof) {
		mm->raw_fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC,
				    IPPROTO_RAW);
		if (mm->raw_fd < 0) {
			log_err("--spoof: raw socket: %s", strerror(errno));
			goto out;
		}
	}
	if (capture_in && load_capture(mm, capture_in))
		goto out;
	if (key) {
		if (m2mkx_signer_load(&mm->t2, key) ||
		    m2mkx_signer_key_id(&mm->t2, mm->t2_id)) {
			log_err("%s: no usable T key", key);
			goto out;
		}
	}

	/* Blocked before anything else runs: they are read by signalfd. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &mask, NULL)) {
		log_err("sigprocmask: %s", strerror(errno));
		goto out;
	}
	if (udp_open(&mm->listen, &mm->listen_ep,
		     endpoint_is_v4(&mm->listen_ep))) {
		endpoint_format(ep, &mm->listen_ep);
		/* The wording the test's port retry looks for. */
		log_err("bind %s: %s", ep, strerror(errno));
		goto out;
	}
	endpoint_format(ep, &mm->listen_ep);
	printf("listening %s\n", ep);
	fflush(stdout);
	ret = (mm->mode == MODE_FLOOD ? flood(mm) : run(mm)) ? 1 : 0;
	print_counters(mm);
out:
	for (i = 0; i < mm->nup; i++) {
		udp_close(&mm->up[i]->sock);
		free(mm->up[i]);
	}
	udp_close(&mm->listen);
	if (mm->raw_fd >= 0)
		close(mm->raw_fd);
	if (key)
		m2mkx_signer_free(&mm->t2);
	free(mm->capture);
	free(mm);
	return ret;
}
