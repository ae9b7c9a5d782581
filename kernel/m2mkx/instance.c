// SPDX-License-Identifier: GPL-2.0
/*
 * The per-namespace instance: creation with the namespace, configuration,
 * and teardown.
 *
 * An instance exists in every network namespace but costs little until it
 * is configured: session tables, sockets and peers come with use. It goes
 * away with its namespace, or with the module: sockets first, so that
 * nothing new arrives, then the worker and the timer, then the state,
 * every secret wiped.
 */
#include <linux/random.h>
#include <linux/string.h>
#include <net/netns/generic.h>

#include "instance.h"
#include "receive.h"

static unsigned int m2mkx_net_id __read_mostly;

struct m2mkx_net *m2mkx_net(struct net *net)
{
	return net_generic(net, m2mkx_net_id);
}

void m2mkx_instance_init(struct m2mkx_net *mn, struct net *net)
{
	mn->net = net;
	mutex_init(&mn->lock);
	mn->max_sessions = M2MKX_DEFAULT_MAX_SESSIONS;

	mn->server.trust = &mn->trust;
	/* k = 1 would make every share x itself: protocol.rst asks for 2. */
	mn->server.max_n = M2MKX_MAX_PROXIES;
	mn->server.min_k = 2;
	m2mkx_timing_default(&mn->server.timing);
	/* Session ids and N_pb key: fresh per instance, never sent. */
	get_random_bytes(mn->server.session_secret,
			 sizeof(mn->server.session_secret));
	/* The kernel's m2mkx_random() cannot fail. */
	m2mkx_server_cookies_init(&mn->cookies, m2mkx_now_ms());

	mn->proxy.keys = &mn->peers.keys;
	m2mkx_timing_default(&mn->proxy.timing);

	m2mkx_peers_init(&mn->peers);
	m2mkx_sessions_init(mn);
	m2mkx_sender_init(&mn->server_tx, mn, M2MKX_CTR_SERVER);
	m2mkx_sender_init(&mn->proxy_tx, mn, M2MKX_CTR_PROXY);
	m2mkx_receive_init(mn);
}

void m2mkx_instance_teardown(struct m2mkx_net *mn)
{
	mutex_lock(&mn->lock);
	WRITE_ONCE(mn->roles, 0);
	m2mkx_socket_close(&mn->sock);
	mutex_unlock(&mn->lock);

	/* Neither takes the mutex while waiting: both works need it. */
	m2mkx_receive_stop(mn);
	m2mkx_sessions_stop(mn);

	mutex_lock(&mn->lock);
	m2mkx_sessions_free(mn);
	m2mkx_peers_free(&mn->peers);
	m2mkx_trust_put(&mn->trust);
	memzero_explicit(&mn->server, sizeof(mn->server));
	m2mkx_server_cookies_wipe(&mn->cookies);
	memzero_explicit(&mn->proxy, sizeof(mn->proxy));
	mutex_unlock(&mn->lock);
	mutex_destroy(&mn->lock);
}

static int __net_init m2mkx_net_init(struct net *net)
{
	m2mkx_instance_init(m2mkx_net(net), net);
	return 0;
}

static void __net_exit m2mkx_net_exit(struct net *net)
{
	m2mkx_instance_teardown(m2mkx_net(net));
}

static struct pernet_operations m2mkx_net_ops = {
	.init = m2mkx_net_init,
	.exit = m2mkx_net_exit,
	.id = &m2mkx_net_id,
	.size = sizeof(struct m2mkx_net),
};

int m2mkx_instance_register(void)
{
	return register_pernet_device(&m2mkx_net_ops);
}

void m2mkx_instance_unregister(void)
{
	unregister_pernet_device(&m2mkx_net_ops);
}

int m2mkx_instance_apply(struct m2mkx_net *mn,
			 const struct m2mkx_instance_change *ch, u32 *bad)
{
	bool server_reset = false, proxy_reset = false;
	struct m2mkx_sockets socks = {};
	struct m2mkx_trust trust = {};
	u8 pub[M2MKX_X25519_LEN];
	bool new_trust = false;
	u32 removed;
	int ret = 0;

	lockdep_assert_held(&mn->lock);

	/* What can fail, into temporaries; the socket last, as it is seen. */
	if (ch->what & M2MKX_CHANGE_SERVER_KEY &&
	    m2mkx_x25519_public(pub, ch->server_key)) {
		*bad = M2MKX_CHANGE_SERVER_KEY;
		ret = -EINVAL;
		goto out;
	}
	if (ch->what & M2MKX_CHANGE_TRUST && ch->trust_serial) {
		ret = m2mkx_trust_set_keyring(&trust, ch->trust_serial);
		if (ret) {
			*bad = M2MKX_CHANGE_TRUST;
			goto out;
		}
		new_trust = true;
	}
	if (ch->what & M2MKX_CHANGE_PORT && ch->port &&
	    ch->port != mn->sock.port) {
		/* Kept once there; before the socket, which needs it. */
		ret = m2mkx_ratelimiter_start(&mn->ratelimiter);
		if (!ret)
			ret = m2mkx_socket_open(mn, ch->port, &socks);
		if (ret) {
			*bad = M2MKX_CHANGE_PORT;
			goto out;
		}
	}

	/*
	 * Nothing fails from here on. A new identity or key makes the
	 * sessions of the roles using it meaningless: they end, silently.
	 */
	if (ch->what & M2MKX_CHANGE_ID) {
		if (!mn->have_id ||
		    memcmp(mn->server.id, ch->id, M2MKX_ID_LEN)) {
			server_reset = true;
			proxy_reset = true;
		}
		memcpy(mn->server.id, ch->id, M2MKX_ID_LEN);
		memcpy(mn->proxy.id, ch->id, M2MKX_ID_LEN);
		mn->have_id = true;
	}
	if (ch->what & M2MKX_CHANGE_SERVER_KEY) {
		if (!mn->have_server_key ||
		    memcmp(mn->server.static_public, pub, sizeof(pub)))
			server_reset = true;
		memcpy(mn->server.static_secret, ch->server_key,
		       M2MKX_X25519_LEN);
		memcpy(mn->server.static_public, pub, sizeof(pub));
		mn->have_server_key = true;
	}
	if (ch->what & M2MKX_CHANGE_TRUST) {
		m2mkx_trust_put(&mn->trust);
		mn->trust = trust;
		new_trust = false;
		mn->trust_serial = ch->trust_serial;
	}
	if (ch->what & M2MKX_CHANGE_MAX_SESSIONS)
		mn->max_sessions = ch->max_sessions;
	if (ch->what & M2MKX_CHANGE_MAX_PROXIES)
		mn->server.max_n = ch->max_proxies;
	if (ch->what & M2MKX_CHANGE_MIN_THRESHOLD)
		mn->server.min_k = ch->min_threshold;
	/* A window already open keeps its deadline. */
	if (ch->what & M2MKX_CHANGE_SHARE_WINDOW)
		mn->server.timing.share_window_ms = ch->share_window_ms;
	if (ch->what & M2MKX_CHANGE_POLICY) {
		mn->policy = ch->policy;
		mn->server.allow_dispersal =
			!!(ch->policy & M2MKX_POLICY_ALLOW_DISPERSAL);
		mn->server.allow_lamport =
			!!(ch->policy & M2MKX_POLICY_ALLOW_LAMPORT);
	}
	if (ch->what & M2MKX_CHANGE_ROLES) {
		removed = mn->roles & ~ch->roles;
		if (removed & M2MKX_ROLE_SERVER)
			server_reset = true;
		if (removed & M2MKX_ROLE_PROXY)
			proxy_reset = true;
		WRITE_ONCE(mn->roles, ch->roles);
	}
	if (server_reset) {
		m2mkx_sessions_flush_server(mn);
		/* Ids and N_pb values of the old sessions mean nothing now. */
		get_random_bytes(mn->server.session_secret,
				 sizeof(mn->server.session_secret));
	}
	if (proxy_reset)
		m2mkx_sessions_flush_proxy(mn);
	if (ch->what & M2MKX_CHANGE_PORT && ch->port != mn->sock.port) {
		struct m2mkx_sockets old = mn->sock;

		/*
		 * Datagrams the old sockets queued are still processed; only
		 * their answers leave from the new port.
		 */
		mn->sock = socks;
		m2mkx_socket_close(&old);
	}
out:
	if (new_trust)
		m2mkx_trust_put(&trust);
	return ret;
}
