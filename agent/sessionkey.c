// SPDX-License-Identifier: GPL-2.0
/*
 * B's session keys: what becomes of MK once a handshake completes at B,
 * whichever data path ran it (the userspace server role's events and the
 * module's both come here, before the event line is printed).
 *
 * With [Session] Keyring, MK goes into that keyring as a "user" key
 * "m2mkx:<A>:<B>:<session>" (keyring.h has its permissions), expiring
 * after [Session] Lifetime. With an [EspPeer] for A, the session's ESP SA
 * pair and policies go into the xfrm tables (xfrm.h), with the same
 * lifetime as their hard lifetime. When the lifetime ends the agent
 * removes both itself (the kernel's own expiry is the fallback should
 * the agent be gone), and it removes everything it still holds when it
 * stops: a stopped agent leaves no session behind. A later session with
 * the same A takes the policies over, and the earlier session's SAs go at
 * once.
 *
 * Documentation/keys.rst is the operator's description.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <m2mkx/bytes.h>
#include <m2mkx/keys.h>

#include "agent/agent.h"
#include "common/clock.h"
#include "common/keyring.h"
#include "common/keys.h"
#include "common/log.h"
#include "common/xfrm.h"

/* Sessions whose keys are held at once: beyond, new ones get none. */
#define KEYS_MAX_SESSIONS 4096

struct held_session {
	u8 session[M2MKX_SESSION_LEN];
	u8 a[M2MKX_ID_LEN];
	u64 expires_ms;			/* monotonic */
	int32_t key;			/* its serial, 0: none */
	bool has_esp;
	bool owns_policies;		/* no later session took them over */
	struct xfrm_pair esp;
};

struct agent_keys {
	int32_t keyring;		/* 0: no keyring configured */
	unsigned int count;
	struct held_session *held[KEYS_MAX_SESSIONS];
};

static void print_session(const char *what, const u8 *session,
			  const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "key added session=.. serial=..": what scripts and operators read. */
static void print_session(const char *what, const u8 *session,
			  const char *fmt, ...)
{
	char hex[2 * M2MKX_SESSION_LEN + 1];
	va_list ap;

	hex_encode(hex, session, M2MKX_SESSION_LEN);
	printf("%s session=%s", what, hex);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

int agent_keys_start(struct agent *ag)
{
	const struct conf *c = &ag->conf;
	struct agent_keys *k;

	if (!(c->roles & CONF_ROLE_SERVER) ||
	    (!c->session_keyring && !c->esp_peers.count))
		return 0;
	k = calloc(1, sizeof(*k));
	if (!k) {
		log_err("session keys: %s", strerror(errno));
		return -1;
	}
	if (c->session_keyring &&
	    keyring_resolve_create(c->session_keyring, &k->keyring)) {
		log_err("%s: [Session] Keyring %s: %s", c->path,
			c->session_keyring, strerror(errno));
		free(k);
		return -1;
	}
	ag->keys = k;
	return 0;
}

static void remove_esp(struct held_session *h, bool policies)
{
	int ret;

	if (!h->has_esp)
		return;
	ret = xfrm_pair_remove(&h->esp, policies && h->owns_policies);
	if (ret)
		log_err("session keys: removing the ESP SAs: %s",
			strerror(-ret));
	else
		print_session("esp removed", h->session, "%s",
			      policies && h->owns_policies ?
			      "" : " policies=kept");
	h->has_esp = false;
	xfrm_pair_wipe(&h->esp);
}

/* Ends @h: its key and SAs go, then the entry itself. */
static void release(struct agent_keys *k, unsigned int i)
{
	struct held_session *h = k->held[i];

	if (h->key) {
		if (keyring_remove_key(k->keyring, h->key) &&
		    errno != ENOKEY && errno != EKEYEXPIRED &&
		    errno != EKEYREVOKED)
			log_err("session keys: removing key %d: %s", h->key,
				strerror(errno));
		else
			print_session("key removed", h->session,
				      " serial=%d", h->key);
	}
	remove_esp(h, true);
	m2mkx_wipe(h, sizeof(*h));
	free(h);
	k->held[i] = k->held[--k->count];
}

static void add_key(struct agent_keys *k, const struct conf *c,
		    struct held_session *h, const struct m2mkx_event *ev)
{
	char desc[KEYRING_SESSION_DESC_LEN];
	int32_t key;

	keyring_session_description(desc, ev->a, ev->b, ev->session);
	key = keyring_add_session_key(k->keyring, desc, ev->mk,
				      c->session_key_owner, (gid_t)-1,
				      c->session_lifetime_s);
	if (key < 0) {
		log_err("session keys: adding %s to keyring %d: %s", desc,
			k->keyring, strerror(errno));
		return;
	}
	h->key = key;
	print_session("key added", h->session, " serial=%d keyring=%d", key,
		      k->keyring);
}

/* Where A's handshake datagrams come to: the module's port, or ours. */
static u16 handshake_port(const struct conf *c)
{
	return c->datapath == CONF_DATAPATH_KERNEL ? c->kernel_port :
						     c->listen.port;
}

static void add_esp(struct agent_keys *k, const struct conf *c,
		    struct held_session *h, const struct m2mkx_event *ev)
{
	const struct conf_esp_peer *peer = conf_esp_peer_find(c, ev->a);
	struct m2mkx_esp_keys esp;
	unsigned int i;
	int ret;

	if (!peer)
		return;
	ret = m2mkx_derive_esp(&esp, ev->mk);
	if (!ret)
		ret = xfrm_pair_init(&h->esp, &esp, false, &peer->local,
				     &peer->address, handshake_port(c),
				     c->session_lifetime_s);
	m2mkx_wipe(&esp, sizeof(esp));
	if (ret) {
		log_err("session keys: no ESP keys for the session");
		return;
	}
	ret = xfrm_pair_install(&h->esp);
	if (ret) {
		log_err("%s:%u: [EspPeer]: installing the ESP SAs: %s",
			c->path, peer->line, strerror(-ret));
		xfrm_pair_wipe(&h->esp);
		return;
	}
	/* The policies are this session's now: the earlier SAs go. */
	for (i = 0; i < k->count; i++) {
		struct held_session *old = k->held[i];

		if (old->has_esp && !memcmp(old->a, h->a, sizeof(h->a))) {
			old->owns_policies = false;
			remove_esp(old, false);
		}
	}
	h->has_esp = true;
	h->owns_policies = true;
	print_session("esp added", h->session, " spi_out=0x%08x spi_in=0x%08x",
		      h->esp.spi_out, h->esp.spi_in);
}

void agent_keys_completed(struct agent *ag, const struct m2mkx_event *ev)
{
	struct agent_keys *k = ag->keys;
	struct held_session *h;
	unsigned int i;

	if (!k || ev->type != M2MKX_EV_COMPLETED || !ev->mk)
		return;
	for (i = 0; i < k->count; i++)
		if (!memcmp(k->held[i]->session, ev->session,
			    M2MKX_SESSION_LEN) &&
		    !memcmp(k->held[i]->a, ev->a, M2MKX_ID_LEN))
			return;
	if (k->count == KEYS_MAX_SESSIONS) {
		log_err("session keys: %d sessions hold keys already: none for this one",
			KEYS_MAX_SESSIONS);
		return;
	}
	h = calloc(1, sizeof(*h));
	if (!h) {
		log_err("session keys: %s", strerror(errno));
		return;
	}
	memcpy(h->session, ev->session, sizeof(h->session));
	memcpy(h->a, ev->a, sizeof(h->a));
	h->expires_ms = clock_mono_ms() +
			(u64)ag->conf.session_lifetime_s * 1000;
	if (k->keyring)
		add_key(k, &ag->conf, h, ev);
	add_esp(k, &ag->conf, h, ev);
	k->held[k->count++] = h;
}

u64 agent_keys_deadline(const struct agent *ag)
{
	const struct agent_keys *k = ag->keys;
	u64 deadline = M2MKX_NO_DEADLINE;
	unsigned int i;

	for (i = 0; k && i < k->count; i++)
		if (k->held[i]->expires_ms < deadline)
			deadline = k->held[i]->expires_ms;
	return deadline;
}

void agent_keys_timers(struct agent *ag, u64 now)
{
	struct agent_keys *k = ag->keys;
	unsigned int i = 0;

	while (k && i < k->count) {
		if (k->held[i]->expires_ms <= now) {
			release(k, i);
			continue;
		}
		i++;
	}
}

void agent_keys_stop(struct agent *ag)
{
	struct agent_keys *k = ag->keys;

	if (!k)
		return;
	while (k->count)
		release(k, k->count - 1);
	free(k);
	ag->keys = NULL;
}
