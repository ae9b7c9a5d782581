// SPDX-License-Identifier: GPL-2.0
/*
 * Session tables and timers.
 *
 * Each role keeps its sessions in a hash table keyed by the 8-byte
 * session id, bounded by the instance's max_sessions. Ids are chosen by B
 * as keyed hashes, but a proxy sees ids in SHARES before anything is
 * authenticated, so buckets are picked with a secret siphash key too.
 *
 * One delayed work per instance runs every session timer that is due,
 * frees the sessions the core is done with (wiped first) and re-arms
 * itself for the earliest deadline left. Step functions that move a
 * deadline earlier re-arm it through m2mkx_sessions_arm().
 */
#include <linux/jiffies.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "instance.h"
#include "session.h"

u64 m2mkx_now_ms(void)
{
	return jiffies64_to_msecs(get_jiffies_64());
}

static struct hlist_head *bucket(struct m2mkx_net *mn,
				 struct m2mkx_table *t,
				 const u8 id[M2MKX_SESSION_LEN])
{
	u64 h = siphash(id, M2MKX_SESSION_LEN, &mn->sessions.hash_key);

	return &t->buckets[h & (M2MKX_SESSION_BUCKETS - 1)];
}

/* Tables cost 8 KB each: only instances that have sessions pay. */
static int table_ensure(struct m2mkx_table *t)
{
	if (!t->buckets)
		t->buckets = kvcalloc(M2MKX_SESSION_BUCKETS,
				      sizeof(*t->buckets), GFP_KERNEL);
	return t->buckets ? 0 : -ENOMEM;
}

static void changed(struct m2mkx_net *mn)
{
	/* Zero would read as "no sequence" to nl_dump_check_consistent(). */
	if (!++mn->sessions.generation)
		mn->sessions.generation = 1;
}

struct m2mkx_server_entry *
m2mkx_server_lookup(struct m2mkx_net *mn, const u8 id[M2MKX_SESSION_LEN])
{
	struct m2mkx_table *t = &mn->sessions.server;
	struct m2mkx_server_entry *e;

	lockdep_assert_held(&mn->lock);
	if (!t->buckets)
		return NULL;
	hlist_for_each_entry(e, bucket(mn, t, id), node)
		if (!memcmp(e->s.session, id, M2MKX_SESSION_LEN))
			return e;
	return NULL;
}

struct m2mkx_server_entry *m2mkx_server_new(struct m2mkx_net *mn,
					    int *reason)
{
	struct m2mkx_table *t = &mn->sessions.server;
	struct m2mkx_server_entry *e;

	lockdep_assert_held(&mn->lock);
	if (t->count >= mn->max_sessions) {
		*reason = -M2MKX_EFULL;
		return NULL;
	}
	if (table_ensure(t)) {
		*reason = -M2MKX_PATH_NO_MEMORY;
		return NULL;
	}
	e = kvzalloc(sizeof(*e), GFP_KERNEL);
	if (!e)
		*reason = -M2MKX_PATH_NO_MEMORY;
	return e;
}

void m2mkx_server_insert(struct m2mkx_net *mn, struct m2mkx_server_entry *e)
{
	struct m2mkx_table *t = &mn->sessions.server;

	lockdep_assert_held(&mn->lock);
	hlist_add_head(&e->node, bucket(mn, t, e->s.session));
	list_add_tail(&e->link, &t->entries);
	t->count++;
	changed(mn);
}

unsigned int m2mkx_server_pending_from(struct m2mkx_net *mn,
				       const struct m2mkx_endpoint *from)
{
	struct m2mkx_server_entry *e;
	unsigned int n = 0;

	lockdep_assert_held(&mn->lock);
	list_for_each_entry(e, &mn->sessions.server.entries, link)
		if (m2mkx_server_pending(&e->s) &&
		    m2mkx_same_source(&e->s.a_from, from))
			n++;
	return n;
}

void m2mkx_server_free(struct m2mkx_server_entry *e)
{
	m2mkx_server_session_wipe(&e->s);
	kvfree_sensitive(e, sizeof(*e));
}

static void server_remove(struct m2mkx_net *mn, struct m2mkx_server_entry *e)
{
	hlist_del(&e->node);
	list_del(&e->link);
	mn->sessions.server.count--;
	changed(mn);
	m2mkx_server_free(e);
}

struct m2mkx_proxy_entry *
m2mkx_proxy_lookup(struct m2mkx_net *mn, const u8 id[M2MKX_SESSION_LEN])
{
	struct m2mkx_table *t = &mn->sessions.proxy;
	struct m2mkx_proxy_entry *e;

	lockdep_assert_held(&mn->lock);
	if (!t->buckets)
		return NULL;
	hlist_for_each_entry(e, bucket(mn, t, id), node)
		if (!memcmp(e->s.session, id, M2MKX_SESSION_LEN))
			return e;
	return NULL;
}

struct m2mkx_proxy_entry *m2mkx_proxy_new(struct m2mkx_net *mn, u64 now,
					  int *reason)
{
	struct m2mkx_table *t = &mn->sessions.proxy;
	struct m2mkx_proxy_entry *e;

	lockdep_assert_held(&mn->lock);
	if (t->count >= mn->max_sessions) {
		*reason = -M2MKX_EFULL;
		return NULL;
	}
	if (table_ensure(t)) {
		*reason = -M2MKX_PATH_NO_MEMORY;
		return NULL;
	}
	e = kvzalloc(sizeof(*e), GFP_KERNEL);
	if (!e) {
		*reason = -M2MKX_PATH_NO_MEMORY;
		return NULL;
	}
	m2mkx_proxy_session_init(&e->s, now, &mn->proxy);
	e->created = now;
	return e;
}

void m2mkx_proxy_insert(struct m2mkx_net *mn, struct m2mkx_proxy_entry *e)
{
	struct m2mkx_table *t = &mn->sessions.proxy;

	lockdep_assert_held(&mn->lock);
	hlist_add_head(&e->node, bucket(mn, t, e->s.session));
	list_add_tail(&e->link, &t->entries);
	t->count++;
	changed(mn);
}

/*
 * Most proxy sessions never sign (A's or T's half alone, B never
 * challenging) and most of a signing one's life comes after B's ANSWER:
 * the buffer (2.8 KB with LM-OTS w4 and RSA-2048, 17 KB with Lamport)
 * exists only in between, sized for the session.
 */
int m2mkx_proxy_buffer_fit(struct m2mkx_proxy_entry *e, bool signing)
{
	size_t need = m2mkx_proxy_buffer_need(&e->s);
	u8 *buf;

	if (!need) {
		kvfree(m2mkx_proxy_buffer_detach(&e->s));
		return 0;
	}
	if (e->s.signed_share || !signing)
		return 0;
	buf = kvmalloc(need, GFP_KERNEL);
	if (!buf)
		return -M2MKX_PATH_NO_MEMORY;
	m2mkx_proxy_buffer_attach(&e->s, buf, need);
	return 0;
}

void m2mkx_proxy_free(struct m2mkx_proxy_entry *e)
{
	u8 *buf = m2mkx_proxy_buffer_detach(&e->s);

	m2mkx_proxy_session_wipe(&e->s);
	kvfree(buf);
	kvfree_sensitive(e, sizeof(*e));
}

static void proxy_remove(struct m2mkx_net *mn, struct m2mkx_proxy_entry *e)
{
	hlist_del(&e->node);
	list_del(&e->link);
	mn->sessions.proxy.count--;
	changed(mn);
	m2mkx_proxy_free(e);
}

int m2mkx_sessions_install(struct m2mkx_net *mn,
			   const struct m2mkx_key_material *m)
{
	u64 now = m2mkx_now_ms();
	struct m2mkx_proxy_entry *e;
	bool created = false;
	int ret;

	lockdep_assert_held(&mn->lock);
	e = m2mkx_proxy_lookup(mn, m->root.session);
	if (!e) {
		e = m2mkx_proxy_new(mn, now, &ret);
		if (!e)
			return ret;
		created = true;
	}
	ret = m2mkx_proxy_install(&e->s, &mn->proxy, m, now,
				  &mn->proxy_tx.sink);
	if (created) {
		if (!e->s.have_material) {
			m2mkx_proxy_free(e);
			return ret;
		}
		m2mkx_proxy_insert(mn, e);
	}
	m2mkx_sessions_arm(mn, m2mkx_proxy_deadline(&e->s));
	return ret;
}

void m2mkx_sessions_arm(struct m2mkx_net *mn, u64 deadline)
{
	struct m2mkx_sessions *ss = &mn->sessions;
	u64 now;

	lockdep_assert_held(&mn->lock);
	if (ss->stopped || deadline >= ss->timer_due)
		return;
	ss->timer_due = deadline;
	now = m2mkx_now_ms();
	/* msecs_to_jiffies() rounds up: the work never runs early. */
	mod_delayed_work(m2mkx_wq, &ss->timer_work,
			 deadline > now ?
			 msecs_to_jiffies(min_t(u64, deadline - now, UINT_MAX)) :
			 0);
}

/*
 * Let others run between sessions now and then: a full table takes a
 * while, and the mutex keeps it still while we yield.
 */
#define TIMER_RESCHED_EVERY 64

/* Runs the server timers due at @now; returns the next deadline. */
static u64 server_timers(struct m2mkx_net *mn, u64 now)
{
	struct m2mkx_server_entry *e, *tmp;
	u64 next = M2MKX_NO_DEADLINE;
	unsigned int i = 0;

	list_for_each_entry_safe(e, tmp, &mn->sessions.server.entries, link) {
		if (m2mkx_server_deadline(&e->s) <= now &&
		    !m2mkx_server_timer(&e->s, &mn->server, now,
					&mn->server_tx.sink))
			server_remove(mn, e);
		else
			next = min(next, m2mkx_server_deadline(&e->s));
		if (!(++i % TIMER_RESCHED_EVERY))
			cond_resched();
	}
	return next;
}

static u64 proxy_timers(struct m2mkx_net *mn, u64 now)
{
	struct m2mkx_proxy_entry *e, *tmp;
	u64 next = M2MKX_NO_DEADLINE;
	unsigned int i = 0;

	list_for_each_entry_safe(e, tmp, &mn->sessions.proxy.entries, link) {
		if (m2mkx_proxy_deadline(&e->s) <= now) {
			if (!m2mkx_proxy_timer(&e->s, &mn->proxy, now,
					       &mn->proxy_tx.sink)) {
				proxy_remove(mn, e);
				continue;
			}
			m2mkx_proxy_buffer_fit(e, false);
		}
		next = min(next, m2mkx_proxy_deadline(&e->s));
		if (!(++i % TIMER_RESCHED_EVERY))
			cond_resched();
	}
	return next;
}

static void timer_worker(struct work_struct *work)
{
	struct m2mkx_net *mn = container_of(to_delayed_work(work),
					    struct m2mkx_net,
					    sessions.timer_work);
	u64 now, next, tx_ns;

	mutex_lock(&mn->lock);
	now = m2mkx_now_ms();
	mn->sessions.timer_due = M2MKX_NO_DEADLINE;
	tx_ns = mn->server_tx_ns;
	m2mkx_runtime_start(&mn->server_clock);
	next = server_timers(mn, now);
	mn->server_busy_ns += m2mkx_runtime_stop(&mn->server_clock) -
			      (mn->server_tx_ns - tx_ns);
	next = min(next, proxy_timers(mn, now));
	m2mkx_sessions_arm(mn, next);
	mutex_unlock(&mn->lock);
}

void m2mkx_sessions_init(struct m2mkx_net *mn)
{
	struct m2mkx_sessions *ss = &mn->sessions;

	memset(ss, 0, sizeof(*ss));
	INIT_LIST_HEAD(&ss->server.entries);
	INIT_LIST_HEAD(&ss->proxy.entries);
	get_random_bytes(&ss->hash_key, sizeof(ss->hash_key));
	ss->timer_due = M2MKX_NO_DEADLINE;
	ss->generation = 1;
	INIT_DELAYED_WORK(&ss->timer_work, timer_worker);
}

void m2mkx_sessions_stop(struct m2mkx_net *mn)
{
	mutex_lock(&mn->lock);
	mn->sessions.stopped = true;
	mutex_unlock(&mn->lock);
	cancel_delayed_work_sync(&mn->sessions.timer_work);
}

void m2mkx_sessions_flush_server(struct m2mkx_net *mn)
{
	struct m2mkx_server_entry *e, *tmp;

	lockdep_assert_held(&mn->lock);
	list_for_each_entry_safe(e, tmp, &mn->sessions.server.entries, link)
		server_remove(mn, e);
}

void m2mkx_sessions_flush_proxy(struct m2mkx_net *mn)
{
	struct m2mkx_proxy_entry *e, *tmp;

	lockdep_assert_held(&mn->lock);
	list_for_each_entry_safe(e, tmp, &mn->sessions.proxy.entries, link)
		proxy_remove(mn, e);
}

void m2mkx_sessions_free(struct m2mkx_net *mn)
{
	struct m2mkx_sessions *ss = &mn->sessions;

	m2mkx_sessions_flush_server(mn);
	m2mkx_sessions_flush_proxy(mn);
	kvfree(ss->server.buckets);
	kvfree(ss->proxy.buckets);
	ss->server.buckets = NULL;
	ss->proxy.buckets = NULL;
}
