// SPDX-License-Identifier: GPL-2.0
/*
 * DataPath = kernel: the m2mkx module plays B and P_i, the agent is
 * their control plane.
 *
 * At start the agent loads T's certificates into the trust keyring (the
 * module verifies T's root signatures with the kernel's asymmetric keys),
 * gives the module the node's identity, B's key and policy, makes its
 * neighbours and servers those of the configuration, and only then
 * switches the roles on and opens KernelPort, so that no datagram finds
 * a half-configured instance. It joins the events group first, so no
 * event is missed either.
 *
 * While it runs, T's KEY_MATERIAL comes to the agent's own socket
 * (ListenPort): the agent opens it with K_PT, hands the module the leaf,
 * seed, root info and path, wipes its copy, and acknowledges T with the
 * module's verdict. The module's events are printed as the userspace
 * roles print theirs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <m2mkx/bytes.h>
#include <m2mkx/merkle.h>
#include <m2mkx/proxy.h>

#include "agent/agent.h"
#include "backend/openssl.h"
#include "common/event.h"
#include "common/kernel.h"
#include "common/keyring.h"
#include "common/keys.h"
#include "common/log.h"
#include "common/trust.h"
#include "common/util.h"

/* The largest KEY_MATERIAL a proxy can be sent, and its plaintext. */
#define MATERIAL_MAX_LEN \
	M2MKX_KEY_MATERIAL_LEN(M2MKX_MERKLE_MAX_HEIGHT, M2MKX_ROOT_SIG_MAX_LEN)
#define MATERIAL_PT_MAX_LEN \
	M2MKX_KEY_MATERIAL_PT_LEN(M2MKX_MERKLE_MAX_HEIGHT, \
				  M2MKX_ROOT_SIG_MAX_LEN)

/* The keyring T's certificates go to when TrustKeyring is not given. */
#define DEFAULT_TRUST_KEYRING "@u"

struct agent_kernel {
	struct genl_sock ctl;		/* requests */
	struct genl_sock events;	/* the events group */
	bool configured;		/* roles and port are ours to undo */
};

static const char *role_bits_name(u32 roles)
{
	switch (roles) {
	case M2MKX_ROLE_SERVER:
		return "server";
	case M2MKX_ROLE_PROXY:
		return "proxy";
	default:
		return "server, proxy";
	}
}

/* --- T's certificates ---------------------------------------------------- */

/* Every certificate of @f into @keyring (common/trust.h). */
static int load_certificates(const struct conf *c, const struct conf_file *f,
			     int32_t keyring, unsigned int *added)
{
	int ret = trust_add_file(keyring, f->path);

	if (ret < 0) {
		if (ret == TRUST_ERR_KEYRING)
			log_err("%s:%u: %s: keyring %d: %s", c->path, f->line,
				f->path, keyring, trust_strerror(ret));
		else
			log_err("%s:%u: %s: %s", c->path, f->line, f->path,
				trust_strerror(ret));
		return -1;
	}
	*added += (unsigned int)ret;
	return 0;
}

/*
 * The keyring's serial, with the configuration's certificates in it,
 * checked first as the userspace server checks them.
 */
static int setup_trust(const struct conf *c, int32_t *serial)
{
	const char *spec = c->trust_keyring ? c->trust_keyring :
					      DEFAULT_TRUST_KEYRING;
	struct m2mkx_trust trust;
	unsigned int i, added = 0;
	int ret;

	ret = agent_load_trust(&trust, c);
	m2mkx_trust_clear(&trust);
	if (ret)
		return -1;
	if (keyring_resolve(spec, serial)) {
		log_err("%s: TrustKeyring %s: %s", c->path, spec,
			strerror(errno));
		return -1;
	}
	for (i = 0; i < c->trust_count; i++)
		if (load_certificates(c, &c->trust[i], *serial, &added))
			return -1;
	log_debug("kernel: %u T certificates in keyring %d", added, *serial);
	return 0;
}

/* --- the instance -------------------------------------------------------- */

/* The configuration key a refused attribute came from, for the message. */
static const char *conf_key_of(int attr)
{
	switch (attr) {
	case M2MKX_A_PORT:
		return "KernelPort";
	case M2MKX_A_NODE_ID:
		return "Id";
	case M2MKX_A_SERVER_PRIVATE_KEY:
		return "PrivateKeyFile";
	case M2MKX_A_TRUST_KEYRING:
		return "TrustKeyring";
	case M2MKX_A_MAX_PROXIES:
		return "MaxProxies";
	case M2MKX_A_MIN_THRESHOLD:
		return "MinThreshold";
	case M2MKX_A_SHARE_WINDOW_MS:
		return "ShareWindow";
	case M2MKX_A_POLICY:
		return "AllowDispersal/AllowLamport";
	case M2MKX_A_ROLES:
		return "Roles";
	default:
		return NULL;
	}
}

static int set_instance(struct agent_kernel *k, const struct conf *c,
			const struct kernel_instance *ki)
{
	const char *key;
	int ret;

	ret = kernel_set_instance(&k->ctl, ki);
	if (!ret)
		return 0;
	key = conf_key_of(k->ctl.err_attr);
	if (key)
		log_err("%s: %s: the module refused it: %s", c->path, key,
			genl_strerror(&k->ctl, ret));
	else
		log_err("%s: the module refused the configuration: %s",
			c->path, genl_strerror(&k->ctl, ret));
	return -1;
}

/* Identity, B's key, trust and policy: everything but roles and port. */
static int configure_identity(struct agent_kernel *k, const struct conf *c)
{
	struct kernel_instance ki;
	int ret;

	memset(&ki, 0, sizeof(ki));
	ki.has = KI_NODE_ID;
	memcpy(ki.node_id, c->id, sizeof(ki.node_id));
	if (c->roles & CONF_ROLE_SERVER) {
		if (setup_trust(c, &ki.keyring))
			return -1;
		ki.has |= KI_PRIVATE_KEY | KI_KEYRING | KI_MAX_PROXIES |
			  KI_MIN_THRESHOLD | KI_SHARE_WINDOW | KI_POLICY;
		memcpy(ki.private_key, c->server_key, sizeof(ki.private_key));
		ki.max_proxies = (u8)c->max_proxies;
		ki.min_threshold = (u8)c->min_threshold;
		ki.share_window_ms = c->share_window_ms;
		ki.policy = (c->allow_dispersal ?
			     M2MKX_POLICY_ALLOW_DISPERSAL : 0) |
			    (c->allow_lamport ? M2MKX_POLICY_ALLOW_LAMPORT : 0);
	}
	ret = set_instance(k, c, &ki);
	m2mkx_wipe(&ki, sizeof(ki));
	return ret;
}

/* --- peers --------------------------------------------------------------- */

struct peer_list {
	unsigned int count;
	struct kernel_peer peer[2 * CONF_MAX_PEERS];
	bool overflow;
};

static int on_peer(u8 cmd, struct nlattr **tb, void *arg)
{
	struct peer_list *l = arg;

	if (cmd != M2MKX_CMD_GET_PEERS)
		return 0;
	if (l->count == M2MKX_ARRAY_SIZE(l->peer)) {
		/* More than we would keep: delete them in another round. */
		l->overflow = true;
		return 0;
	}
	if (kernel_parse_peer(tb, &l->peer[l->count]))
		return 0;
	l->count++;
	return 0;
}

static void peer_error(struct agent_kernel *k, const struct conf *c,
		       const struct conf_peer *p, const char *section,
		       int err)
{
	char id[2 * M2MKX_ID_LEN + 1];

	hex_encode(id, p->id, M2MKX_ID_LEN);
	log_err("%s:%u: [%s] %s: the module refused it: %s", c->path, p->line,
		section, id, genl_strerror(&k->ctl, err));
}

/*
 * Deletes the module's peers the configuration does not have (all of
 * them when @keep is false), a dump at a time.
 */
static int delete_stale_peers(struct agent_kernel *k, const struct conf *c,
			      bool keep)
{
	struct peer_list *l = malloc(sizeof(*l));
	unsigned int i, rounds;
	int ret = 0;

	if (!l) {
		log_err("kernel: %s", strerror(errno));
		return -1;
	}
	for (rounds = 0; rounds < 64; rounds++) {
		unsigned int deleted = 0;

		memset(l, 0, sizeof(*l));
		ret = genl_dump(&k->ctl, M2MKX_CMD_GET_PEERS, on_peer, l);
		if (ret == -EINTR)
			continue;
		if (ret) {
			log_err("kernel: peers: %s",
				genl_strerror(&k->ctl, ret));
			ret = -1;
			break;
		}
		for (i = 0; i < l->count; i++) {
			const struct kernel_peer *p = &l->peer[i];
			bool neighbor = p->kind == M2MKX_PEER_NEIGHBOR;
			bool wanted = keep &&
				      (neighbor ?
				       (c->roles & CONF_ROLE_PROXY) &&
				       conf_peer_find(&c->clients, p->id) :
				       !!conf_peer_find(&c->server_peers,
							p->id));

			if (wanted)
				continue;
			ret = neighbor ? kernel_del_neighbor(&k->ctl, p->id) :
					 kernel_del_server(&k->ctl, p->id);
			if (ret && ret != -ENOENT) {
				log_err("kernel: deleting a peer: %s",
					genl_strerror(&k->ctl, ret));
				break;
			}
			ret = 0;
			deleted++;
		}
		if (ret) {
			ret = -1;
			break;
		}
		if (!l->overflow || !deleted)
			break;
	}
	free(l);
	return ret;
}

/* The module's peers become the configuration's. */
static int configure_peers(struct agent_kernel *k, const struct conf *c)
{
	unsigned int i;
	int ret;

	if (delete_stale_peers(k, c, true))
		return -1;
	if (!(c->roles & CONF_ROLE_PROXY))
		return 0;
	for (i = 0; i < c->clients.count; i++) {
		const struct conf_peer *p = &c->clients.peer[i];

		ret = kernel_add_neighbor(&k->ctl, p->id, p->key);
		if (ret) {
			peer_error(k, c, p, "Client", ret);
			return -1;
		}
	}
	for (i = 0; i < c->server_peers.count; i++) {
		const struct conf_peer *p = &c->server_peers.peer[i];

		ret = kernel_add_server(&k->ctl, p->id, p->public_key);
		if (ret) {
			peer_error(k, c, p, "ServerPeer", ret);
			return -1;
		}
	}
	return 0;
}

/* --- start and stop ------------------------------------------------------ */

static u32 module_roles(const struct conf *c)
{
	return (c->roles & CONF_ROLE_SERVER ? M2MKX_ROLE_SERVER : 0) |
	       (c->roles & CONF_ROLE_PROXY ? M2MKX_ROLE_PROXY : 0);
}

int agent_kernel_start(struct agent *ag)
{
	const struct conf *c = &ag->conf;
	struct kernel_instance ki;
	struct agent_kernel *k;
	int ret;

	/* T alone needs no module: it stays in the agent whatever the path. */
	if (!module_roles(c))
		return 0;
	k = calloc(1, sizeof(*k));
	if (!k) {
		log_err("kernel: %s", strerror(errno));
		return -1;
	}
	ag->kernel = k;
	if (kernel_open(&k->ctl))
		return -1;
	if (kernel_open(&k->events))
		return -1;
	ret = genl_join(&k->events, M2MKX_GENL_MCGRP_EVENTS);
	if (!ret)
		ret = genl_set_nonblocking(&k->events);
	if (ret) {
		log_err("kernel: events: %s", genl_strerror(&k->events, ret));
		return -1;
	}
	if (ag->kernel_keep_config) {
		/* Configured by hand (m2mctl): only material and events. */
		printf("kernel as configured\n");
		fflush(stdout);
		return 0;
	}
	/* From here on, a failure leaves nothing behind: see the stop. */
	k->configured = true;
	if (configure_identity(k, c) || configure_peers(k, c))
		return -1;

	memset(&ki, 0, sizeof(ki));
	ki.has = KI_ROLES | KI_PORT;
	ki.roles = module_roles(c);
	ki.port = c->kernel_port;
	if (set_instance(k, c, &ki))
		return -1;
	printf("kernel %s port %u\n", role_bits_name(ki.roles),
	       c->kernel_port);
	fflush(stdout);
	return 0;
}

void agent_kernel_stop(struct agent *ag)
{
	struct agent_kernel *k = ag->kernel;
	struct kernel_instance ki;
	int ret;

	if (!k)
		return;
	if (k->configured) {
		/* The node stops with its agent; the neighbours' keys too. */
		memset(&ki, 0, sizeof(ki));
		ki.has = KI_ROLES | KI_PORT;
		ret = kernel_set_instance(&k->ctl, &ki);
		if (ret)
			log_err("kernel: stopping: %s",
				genl_strerror(&k->ctl, ret));
		delete_stale_peers(k, &ag->conf, false);
	}
	if (k->ctl.sk)
		genl_close(&k->ctl);
	if (k->events.sk)
		genl_close(&k->events);
	free(k);
	ag->kernel = NULL;
}

/* --- events -------------------------------------------------------------- */

int agent_kernel_fd(const struct agent *ag)
{
	return genl_fd(&ag->kernel->events);
}

static int on_event(u8 cmd, struct nlattr **tb, void *arg)
{
	struct agent *ag = arg;
	struct kernel_session s;
	struct m2mkx_event ev;

	if (cmd != M2MKX_CMD_EVENT_COMPLETED && cmd != M2MKX_CMD_EVENT_FAILED)
		return 0;
	if (kernel_parse_session(tb, &s)) {
		log_debug("kernel: malformed event");
		return 0;
	}
	kernel_session_event(&s, cmd, &ev);
	/* First: who reads the event line may look for the key at once. */
	if (s.role == M2MKX_ROLE_SERVER)
		agent_keys_completed(ag, &ev);
	event_print(stdout, kernel_role_name(s.role), &ev, ag->print_keys);
	return 0;
}

void agent_kernel_events(struct agent *ag)
{
	int ret = genl_receive(&ag->kernel->events, on_event, ag);

	if (ret == -ENOBUFS)
		log_err("kernel: events lost (receive buffer full)");
	else if (ret && ret != -EAGAIN && ret != -EINTR)
		log_err("kernel: events: %s", strerror(-ret));
}

/* --- P_i's key material --------------------------------------------------- */

struct agent_kproxy {
	struct agent_role role;
	struct m2mkx_proxy_config cfg;	/* id and K_PT, for T's messages */
};

/* The module's answer to INSTALL_MATERIAL as the status T is told. */
static int material_status(int err)
{
	switch (err) {
	case 0:
		return 0;
	case -EEXIST:
		return -M2MKX_EMATERIAL;
	case -ENOSPC:
	case -ENOMEM:
		return -M2MKX_EFULL;
	case -EBUSY:
		return -M2MKX_ENOSESSION;
	case -ENOENT:
		return -M2MKX_ENOPEER;
	case -EINVAL:
		return -M2MKX_EPARAMS;
	default:
		return -M2MKX_EINVAL;
	}
}

static int kproxy_rx(struct agent_role *r, int type, const u8 *buf,
		     size_t len, const struct m2mkx_endpoint *from, u64 now)
{
	struct agent_kproxy *kp = container_of(r, struct agent_kproxy, role);
	struct agent_kernel *k = r->ag->kernel;
	u8 pt[MATERIAL_PT_MAX_LEN];
	struct m2mkx_key_material m;
	int ret, status;

	(void)from;
	(void)now;
	if (type != M2MKX_MSG_KEY_MATERIAL)
		return -M2MKX_ENOTFORUS;
	if (len > MATERIAL_MAX_LEN)
		return -M2MKX_ELENGTH;
	ret = m2mkx_proxy_material_open(&kp->cfg, buf, len, pt, &m);
	if (ret)
		goto out;
	ret = kernel_install_material(&k->ctl, &m);
	if (ret && !k->ctl.refused) {
		/* Not the module's verdict: T retransmits, try again then. */
		log_err("kernel: installing key material: %s", strerror(-ret));
		ret = -M2MKX_EINVAL;
		goto out;
	}
	status = material_status(ret);
	if (ret)
		log_debug("proxy: the module refused key material: %s",
			  genl_strerror(&k->ctl, ret));
	m2mkx_proxy_material_ack(&kp->cfg, &m, status,
				 &r->ag->conf.issuer, &r->sink.sink);
	ret = status;
out:
	m2mkx_wipe(&m, sizeof(m));
	m2mkx_wipe(pt, sizeof(pt));
	return ret;
}

static void kproxy_timers(struct agent_role *r, u64 now)
{
	(void)r;
	(void)now;
}

static u64 kproxy_deadline(const struct agent_role *r)
{
	(void)r;
	return M2MKX_NO_DEADLINE;
}

static void kproxy_destroy(struct agent_role *r)
{
	struct agent_kproxy *kp = container_of(r, struct agent_kproxy, role);

	m2mkx_wipe(&kp->cfg, sizeof(kp->cfg));
	free(kp);
}

static const u8 kproxy_types[] = {
	M2MKX_MSG_KEY_MATERIAL,
};

static const struct agent_role_ops kproxy_ops = {
	.name = "proxy",
	.types = kproxy_types,
	.ntypes = M2MKX_ARRAY_SIZE(kproxy_types),
	.rx = kproxy_rx,
	.timers = kproxy_timers,
	.deadline = kproxy_deadline,
	.destroy = kproxy_destroy,
};

struct agent_role *agent_kproxy_new(struct agent *ag)
{
	const struct conf *c = &ag->conf;
	struct agent_kproxy *kp;

	kp = calloc(1, sizeof(*kp));
	if (!kp) {
		log_err("proxy: %s", strerror(errno));
		return NULL;
	}
	agent_role_init(&kp->role, &kproxy_ops, ag);
	memcpy(kp->cfg.id, c->id, sizeof(kp->cfg.id));
	memcpy(kp->cfg.k_pt, c->issuer_key, sizeof(kp->cfg.k_pt));
	m2mkx_timing_default(&kp->cfg.timing);
	return &kp->role;
}
