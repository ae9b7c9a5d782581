// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Full handshakes among A, B, T and n proxies in one process, over the
 * simulated network of world.c: every parameter combination the protocol
 * offers, and every attack the issue names, each of which must be refused
 * under its own reason while the handshake around it still completes.
 */
#include <stdio.h>
#include <string.h>

#include <m2mkx/bytes.h>
#include <m2mkx/kdf.h>
#include <m2mkx/merkle.h>

#include "drbg.h"
#include "tap.h"
#include "world.h"

static const struct m2mkx_params base = {
	.suite = M2MKX_SUITE_V1,
	.share_mode = M2MKX_SHARE_SHAMIR,
	.n = 5, .k = 3, .m = 2,
	.ots_type = M2MKX_LMOTS_SHA256_N32_W4,
};

static bool all_verdicts(const u8 *v, unsigned int n, u8 want)
{
	unsigned int q;

	for (q = 0; q < n; q++)
		if (v[q] != want)
			return false;
	return true;
}

/* Both ends finished with one MK and the same view of every proxy. */
static void check_agreement(struct world *w, const char *what)
{
	unsigned int n = w->params.n;

	tap_ok(w->a_done && w->b_done, "%s: A and B complete (A failed %s, B failed %s)",
	       what, m2mkx_err_name(w->a_failed), m2mkx_err_name(w->b_failed));
	tap_is_mem(w->a_mk, w->b_mk, M2MKX_MK_LEN, "%s: A's MK equals B's",
		   what);
	tap_ok(!memcmp(w->a_verdicts, w->b_verdicts, n),
	       "%s: A reads the verdicts B reported", what);
}

static void run_honest(const struct m2mkx_params *p, const char *label)
{
	struct world w;
	char what[96];

	world_init(&w, p, label);
	snprintf(what, sizeof(what), "n=%u k=%u m=%u %s %s", p->n, p->k, p->m,
		 p->share_mode == M2MKX_SHARE_SHAMIR ? "shamir" : "dispersal",
		 p->ots_type == M2MKX_OTS_LAMPORT_SHA256 ? "lamport" :
		 p->ots_type == M2MKX_LMOTS_SHA256_N32_W1 ? "w1" :
		 p->ots_type == M2MKX_LMOTS_SHA256_N32_W2 ? "w2" :
		 p->ots_type == M2MKX_LMOTS_SHA256_N32_W4 ? "w4" : "w8");
	tap_is_int(world_start(&w), 0, "%s: A starts", what);
	world_run(&w, 60000);
	check_agreement(&w, what);
	tap_ok(all_verdicts(w.b_verdicts, p->n, M2MKX_VERDICT_USED),
	       "%s: every proxy's share was used", what);
	tap_ok(!memcmp(w.a_ids, w.b_ids, (size_t)p->n * M2MKX_PROXY_ID_LEN),
	       "%s: B names the proxies by the IDs T gave A", what);
	tap_is_int(world_drops_except(&w, NODE_B, -1), 0,
		   "%s: B dropped nothing", what);
	tap_is_int(w.proxy_completed, p->n, "%s: every proxy relayed", what);
	tap_is_int(w.proxy_signed_exact, p->n,
		   "%s: each signed into a buffer of its SIGNED_SHARE's length",
		   what);
	tap_is_int(w.proxy_released, p->n,
		   "%s: and freed it as it relayed B's answer", what);
	world_free(&w);
}

static void test_parameters(void)
{
	static const u32 ots[] = {
		M2MKX_LMOTS_SHA256_N32_W1, M2MKX_LMOTS_SHA256_N32_W2,
		M2MKX_LMOTS_SHA256_N32_W4, M2MKX_LMOTS_SHA256_N32_W8,
		M2MKX_OTS_LAMPORT_SHA256,
	};
	static const u8 nkm[][3] = {
		{ 1, 1, 1 }, { 3, 2, 1 }, { 5, 3, 2 }, { 8, 4, 3 },
		{ 16, 9, 3 },
	};
	struct m2mkx_params p = base;
	unsigned int i;

	for (i = 0; i < M2MKX_ARRAY_SIZE(ots); i++) {
		p.ots_type = ots[i];
		run_honest(&p, "ots types");
	}
	p.ots_type = M2MKX_LMOTS_SHA256_N32_W4;
	for (i = 0; i < M2MKX_ARRAY_SIZE(nkm); i++) {
		p.n = nkm[i][0];
		p.k = nkm[i][1];
		p.m = nkm[i][2];
		p.share_mode = M2MKX_SHARE_SHAMIR;
		run_honest(&p, "sizes shamir");
		p.share_mode = M2MKX_SHARE_DISPERSAL;
		run_honest(&p, "sizes dispersal");
	}
}

static void test_silent_proxies(void)
{
	unsigned int silent;

	for (silent = 1; silent <= 2; silent++) {
		struct world w;
		unsigned int q;

		world_init(&w, &base, "silent");
		for (q = 0; q < silent; q++)
			w.p[q].silent = true;
		world_start(&w);
		world_run(&w, 60000);
		check_agreement(&w, silent == 1 ? "1 silent proxy" :
						 "2 silent proxies");
		for (q = 0; q < base.n; q++)
			tap_is_int(w.b_verdicts[q],
				   q < silent ? M2MKX_VERDICT_ABSENT :
						M2MKX_VERDICT_USED,
				   "%u silent: proxy %u is %s", silent, q,
				   q < silent ? "absent" : "used");
		world_free(&w);
	}
}

/* A proxy that alters the share A gave it, before it signs. */
static void corrupt_after(struct world *w, const struct dgram *d, int ret)
{
	int q = *(int *)w->hook_data;
	unsigned int i;

	(void)ret;
	if (d->to != NODE_P0 + q || m2mkx_msg_peek(d->data, d->len) !=
	    M2MKX_MSG_SHARES)
		return;
	for (i = 0; i < WORLD_SESSIONS; i++) {
		struct m2mkx_proxy_session *s = &w->p[q].s[i];

		if (w->p[q].used[i] && s->state == M2MKX_PROXY_HELLO_SENT)
			s->share[3] ^= 0x5a;
	}
}

static void test_corrupting_proxy(void)
{
	struct m2mkx_params p = base;
	struct world w;
	int bad = 2;
	unsigned int q;

	world_init(&w, &p, "corrupt");
	w.after = corrupt_after;
	w.hook_data = &bad;
	world_start(&w);
	world_run(&w, 60000);
	check_agreement(&w, "1 corrupting proxy");
	for (q = 0; q < p.n; q++)
		tap_is_int(w.b_verdicts[q],
			   (int)q == bad ? M2MKX_VERDICT_CORRUPT :
					   M2MKX_VERDICT_USED,
			   "corrupting proxy: B names proxy %u %s", q,
			   (int)q == bad ? "corrupt" : "used");
	tap_is_int(w.a_verdicts[bad], M2MKX_VERDICT_CORRUPT,
		   "corrupting proxy: A's role reports it corrupt");
	world_free(&w);

	/* Beyond the decoder's bound B gives up rather than guess. */
	p.n = 4;
	p.k = 3;
	world_init(&w, &p, "corrupt beyond");
	bad = 0;
	w.after = corrupt_after;
	w.hook_data = &bad;
	w.p[1].silent = true;
	world_start(&w);
	world_run(&w, 120000);
	tap_ok(!w.a_done && !w.b_done,
	       "3 shares, 1 corrupt: no MK is agreed");
	tap_is_int(w.b_failed, M2MKX_ECOMMIT,
		   "3 shares, 1 corrupt: B fails on A's commitment");
	world_free(&w);
}

/*
 * Attacks on B, each injected as an extra datagram beside the honest
 * traffic, so the handshake must still complete untouched.
 */
struct attack {
	int proxy;
	int reason;
	void (*forge)(struct world *w, struct dgram *d, struct attack *a);
	bool done;
	u8 n_pb[M2MKX_NONCE_LEN];
	struct m2mkx_ots_key ots;
	u8 foreign_path[M2MKX_MERKLE_MAX_HEIGHT * 32];
	u8 old_share[M2MKX_SIGNED_SHARE_MAX_LEN];
	size_t old_share_len;
};

static struct m2mkx_signed_share parse_share(struct world *w,
					     const struct dgram *d)
{
	struct m2mkx_signed_share m;

	if (m2mkx_signed_share_parse(d->data, d->len, &w->params, &m))
		abort();
	return m;
}

static void forge_ots_sig(struct world *w, struct dgram *d, struct attack *a)
{
	(void)w;
	(void)a;
	d->data[d->len - 7] ^= 0x01;
}

/* Signs a second, different message with the proxy's one-time key. */
static void forge_second_signature(struct world *w, struct dgram *d,
				   struct attack *a)
{
	struct m2mkx_signed_share m = parse_share(w, d);
	u8 digest[M2MKX_SHA256_LEN];
	struct m2mkx_sha256_ctx ctx;

	d->data[M2MKX_SIGNED_SHARE_FIXED_LEN] ^= 0x80;
	m2mkx_sha256_init(&ctx);
	m2mkx_sha256_update(&ctx, a->n_pb, sizeof(a->n_pb));
	m2mkx_sha256_update(&ctx, d->data, m.signed_len);
	m2mkx_sha256_final(&ctx, digest);
	if (m2mkx_ots_sign(&a->ots, digest, sizeof(digest),
			   d->data + m.signed_len, m.ots_sig_len))
		abort();
}

static void forge_foreign_path(struct world *w, struct dgram *d,
			       struct attack *a)
{
	struct m2mkx_signed_share m = parse_share(w, d);

	memcpy((u8 *)m.path, a->foreign_path, (size_t)m.height * 32);
}

/* Re-signs the root info with the foreign T, under its own key id. */
static void forge_foreign_t(struct world *w, struct dgram *d, struct attack *a)
{
	struct m2mkx_signed_share m = parse_share(w, d);
	const struct m2mkx_signer *t = world_signer(1);
	u8 *root = (u8 *)m.root.signed_part;
	u8 digest[M2MKX_SHA256_LEN];
	size_t sig_len;

	if (a->reason == M2MKX_ETKEY)
		m2mkx_signer_key_id(t, root);
	m2mkx_root_digest(digest, root);
	if (m2mkx_signer_sign(t, digest, (u8 *)m.root.sig, &sig_len) ||
	    sig_len != m.root.sig_len)
		abort();
}

static bool attack_hook(struct world *w, struct dgram *d)
{
	struct attack *a = w->hook_data;
	int type = m2mkx_msg_peek(d->data, d->len);
	struct dgram *forged;

	if (type == M2MKX_MSG_CHALLENGE && d->to == NODE_P0 + a->proxy) {
		/* The proxy's one-time key, as the cheating proxy keeps it. */
		unsigned int i;

		memcpy(a->n_pb, d->data + 11, sizeof(a->n_pb));
		for (i = 0; i < WORLD_SESSIONS; i++)
			if (w->p[a->proxy].used[i])
				a->ots = w->p[a->proxy].s[i].ots;
	}
	if (type != M2MKX_MSG_SIGNED_SHARE || d->from != NODE_P0 + a->proxy ||
	    a->done)
		return true;
	a->done = true;
	if (a->forge) {
		forged = dgram_new(d->from, d->to, d->data, d->len);
		a->forge(w, forged, a);
	} else {
		forged = dgram_new(d->from, d->to, a->old_share,
				   a->old_share_len);
	}
	/* Second-signature attacks need the honest share in first. */
	if (a->reason == M2MKX_EOTSREUSE) {
		world_deliver(w, d);
		world_deliver(w, forged);
		free(forged);
		return false;
	}
	world_deliver(w, forged);
	free(forged);
	return true;
}

/* Captures proxy 1's SIGNED_SHARE from a first handshake. */
static bool capture_hook(struct world *w, struct dgram *d)
{
	struct attack *a = w->hook_data;

	if (m2mkx_msg_peek(d->data, d->len) == M2MKX_MSG_SIGNED_SHARE &&
	    d->from == NODE_P0 + a->proxy && !a->old_share_len) {
		struct m2mkx_signed_share m = parse_share(w, d);

		memcpy(a->old_share, d->data, d->len);
		a->old_share_len = d->len;
		memcpy(a->foreign_path, m.path, (size_t)m.height * 32);
	}
	return true;
}

static void run_attack(const char *what, struct attack *a, u8 verdict)
{
	struct world w;
	unsigned int q;

	world_init(&w, &base, "attack");
	w.hook = attack_hook;
	w.hook_data = a;
	world_start(&w);
	world_run(&w, 60000);
	tap_ok(a->done, "%s: the forgery was sent", what);
	tap_ok(w.drops[NODE_B][a->reason] >= 1, "%s: B counts it as %s (%u)",
	       what, m2mkx_err_name(a->reason), w.drops[NODE_B][a->reason]);
	tap_is_int(world_drops_except(&w, NODE_B, a->reason), 0,
		   "%s: and counts nothing else", what);
	check_agreement(&w, what);
	for (q = 0; q < base.n; q++)
		if (w.b_verdicts[q] != ((int)q == a->proxy ? verdict :
					M2MKX_VERDICT_USED))
			break;
	tap_is_int(q, base.n, "%s: verdicts as expected", what);
	world_free(&w);
}

static void test_attacks(void)
{
	struct attack a;
	struct world w;

	/* Material from a first, completed session. */
	memset(&a, 0, sizeof(a));
	a.proxy = 1;
	world_init(&w, &base, "first session");
	w.hook = capture_hook;
	w.hook_data = &a;
	world_start(&w);
	world_run(&w, 60000);
	tap_ok(w.a_done && a.old_share_len, "a first session completes");
	world_free(&w);

	a.reason = M2MKX_ENOSESSION;
	a.done = false;
	run_attack("share replayed from an old session", &a,
		   M2MKX_VERDICT_USED);

	a.reason = M2MKX_EMERKLE;
	a.forge = forge_foreign_path;
	a.done = false;
	run_attack("Merkle proof from another session", &a,
		   M2MKX_VERDICT_USED);

	a.reason = M2MKX_EOTSSIG;
	a.forge = forge_ots_sig;
	a.done = false;
	run_attack("forged one-time signature", &a, M2MKX_VERDICT_USED);

	/*
	 * Root attacks go on proxy 0, whose share B checks first: once a
	 * root verified, B compares later ones with it and never gets as far
	 * as the signature.
	 */
	a.proxy = 0;
	a.reason = M2MKX_ETKEY;
	a.forge = forge_foreign_t;
	a.done = false;
	run_attack("root signed by an unknown T", &a, M2MKX_VERDICT_USED);

	a.reason = M2MKX_EROOTSIG;
	a.done = false;
	run_attack("root signed by another T under our T's key id", &a,
		   M2MKX_VERDICT_USED);

	a.proxy = 1;
	a.reason = M2MKX_EOTSREUSE;
	a.forge = forge_second_signature;
	a.done = false;
	run_attack("second signature with one one-time key", &a,
		   M2MKX_VERDICT_FORGED);
}

/* Every datagram of a handshake delivered twice. */
static bool duplicate_hook(struct world *w, struct dgram *d)
{
	world_deliver(w, d);
	return true;
}

static void test_duplicates(void)
{
	struct world w;

	world_init(&w, &base, "duplicates");
	w.hook = duplicate_hook;
	world_start(&w);
	world_run(&w, 60000);
	check_agreement(&w, "every datagram duplicated");
	tap_ok(w.drops[NODE_B][M2MKX_EREPLAY] >= base.n,
	       "duplicates: B counts the replayed shares (%u)",
	       w.drops[NODE_B][M2MKX_EREPLAY]);
	tap_is_int(w.drops[NODE_B][M2MKX_EOTSREUSE], 0,
		   "duplicates: an identical copy is not key reuse");
	world_free(&w);
}

/* The first @n datagrams of each type are lost. */
static bool lossy_hook(struct world *w, struct dgram *d)
{
	static unsigned int seen[M2MKX_MSG_FINAL + 1];
	int type = m2mkx_msg_peek(d->data, d->len);

	(void)w;
	if (type < 0)
		return true;
	return seen[type]++ >= 1;
}

static void test_loss(void)
{
	struct world w;

	world_init(&w, &base, "loss");
	w.hook = lossy_hook;
	world_start(&w);
	world_run(&w, 60000);
	check_agreement(&w, "first datagram of every type lost");
	world_free(&w);
}

static void test_downgrade(void)
{
	struct world w;

	/* B refuses what it does not allow; A refuses anything else. */
	world_init(&w, &base, "refusal");
	w.b_cfg.allow_lamport = false;
	w.a_cfg.params.ots_type = M2MKX_OTS_LAMPORT_SHA256;
	world_start(&w);
	world_run(&w, 60000);
	tap_is_int(w.a_failed, M2MKX_EREJECTED,
		   "B refuses a parameter it does not allow; A fails");
	world_free(&w);
}

/* A's HELLOs as they leave, and what B held when the first was answered. */
struct hello_watch {
	unsigned int hellos, with_cookie;
	bool b_kept_after_first;
	bool spoil_cookies;
};

static bool b_holds_any(const struct world *w)
{
	unsigned int i;

	for (i = 0; i < WORLD_SESSIONS; i++)
		if (w->b_used[i])
			return true;
	return false;
}

static bool watch_hellos(struct world *w, struct dgram *d)
{
	struct hello_watch *hw = w->hook_data;

	if (d->to != NODE_B || m2mkx_msg_peek(d->data, d->len) != M2MKX_MSG_HELLO)
		return true;
	hw->hellos++;
	if (d->len == M2MKX_HELLO_COOKIE_LEN) {
		hw->with_cookie++;
		if (hw->spoil_cookies)
			d->data[d->len - 1] ^= 1;
	}
	return true;
}

static void after_hellos(struct world *w, const struct dgram *d, int ret)
{
	struct hello_watch *hw = w->hook_data;

	(void)ret;
	if (hw->hellos == 1 && d->to == NODE_B &&
	    m2mkx_msg_peek(d->data, d->len) == M2MKX_MSG_HELLO)
		hw->b_kept_after_first = b_holds_any(w);
}

/*
 * A busy B answers A's first HELLO with a cookie and keeps nothing; A
 * sends its HELLO again with the cookie at once, and the handshake goes
 * on as usual.
 */
static void test_cookie_round(void)
{
	struct hello_watch hw = { 0 };
	struct world w;

	world_init(&w, &base, "cookie round");
	world_b_load(&w, true);
	w.hook = watch_hellos;
	w.after = after_hellos;
	w.hook_data = &hw;
	world_start(&w);
	world_run(&w, 60000);
	check_agreement(&w, "B under load");
	tap_is_int(hw.hellos, 2, "B under load: A sent 2 HELLOs");
	tap_is_int(hw.with_cookie, 1, "B under load: the second with the cookie");
	tap_ok(!hw.b_kept_after_first,
	       "B under load: B kept no session for the first HELLO");
	tap_is_int(w.drops[NODE_B][M2MKX_ECOOKIE], 1,
		   "B under load: B counts one HELLO as cookie");
	tap_is_int(world_drops_except(&w, NODE_B, M2MKX_ECOOKIE), 0,
		   "B under load: and drops nothing else");
	world_free(&w);
}

/* A B that never takes A's cookie: A gives up after its cookie rounds. */
static void test_cookie_rounds_bounded(void)
{
	struct hello_watch hw = { .spoil_cookies = true };
	struct world w;

	world_init(&w, &base, "cookie rounds");
	world_b_load(&w, true);
	w.hook = watch_hellos;
	w.hook_data = &hw;
	world_start(&w);
	world_run(&w, 60000);
	tap_is_int(w.a_failed, M2MKX_EREJECTED,
		   "cookies spoilt: A takes the last ECOOKIE as a refusal");
	tap_is_int(hw.with_cookie, M2MKX_CLIENT_COOKIE_ROUNDS,
		   "cookies spoilt: A tried %d cookies",
		   M2MKX_CLIENT_COOKIE_ROUNDS);
	tap_ok(!b_holds_any(&w), "cookies spoilt: B made no session");
	world_free(&w);
}

/* A's HELLO with a fresh N_A, and @cookie if not NULL, to B. */
static int hello_to_b(struct world *w, u8 tag, const u8 *cookie)
{
	struct m2mkx_hello h = { .params = base };
	u8 buf[M2MKX_HELLO_COOKIE_LEN];
	struct dgram *d;
	size_t len;
	int ret;

	memcpy(h.a, w->a_id, sizeof(h.a));
	memcpy(h.b, w->b_id, sizeof(h.b));
	memset(h.n_a, tag, sizeof(h.n_a));
	if (cookie) {
		h.has_cookie = true;
		memcpy(h.cookie, cookie, sizeof(h.cookie));
	}
	len = m2mkx_hello_encode(buf, &h);
	d = dgram_new(NODE_A, NODE_B, buf, len);
	ret = world_deliver(w, d);
	free(d);
	return ret;
}

/*
 * Takes B's answer off the network: true if it is a cookie reply, whose
 * cookie goes to @cookie.
 */
static bool take_cookie(struct world *w, u8 cookie[M2MKX_COOKIE_LEN])
{
	struct m2mkx_hello_reply r;
	struct dgram *d = w->head;
	bool ok;

	if (!d)
		return false;
	w->head = d->next;
	if (!w->head)
		w->tail = NULL;
	ok = d->to == NODE_A &&
	     !m2mkx_hello_reply_parse(d->data, d->len, &r) &&
	     r.status == M2MKX_ECOOKIE;
	if (ok)
		memcpy(cookie, r.n_b, M2MKX_COOKIE_LEN);
	free(d);
	return ok;
}

static unsigned int b_sessions(const struct world *w)
{
	unsigned int i, n = 0;

	for (i = 0; i < WORLD_SESSIONS; i++)
		n += w->b_used[i];
	return n;
}

static void test_cookie_checks(void)
{
	u8 cookie[M2MKX_COOKIE_LEN], wrong[M2MKX_COOKIE_LEN];
	u8 c1[M2MKX_COOKIE_LEN], c2[M2MKX_COOKIE_LEN];
	struct world w;

	world_init(&w, &base, "cookie checks");
	world_b_load(&w, true);

	tap_is_int(hello_to_b(&w, 1, NULL), -M2MKX_ECOOKIE,
		   "under load: a HELLO without cookie is answered ECOOKIE");
	tap_ok(take_cookie(&w, cookie), "under load: the reply carries a cookie");
	memcpy(wrong, cookie, sizeof(wrong));
	wrong[0] ^= 0x80;
	tap_is_int(hello_to_b(&w, 1, wrong), -M2MKX_ECOOKIE,
		   "under load: a wrong cookie is answered ECOOKIE");
	tap_ok(take_cookie(&w, c1), "under load: with a fresh cookie");
	tap_is_mem(c1, cookie, sizeof(c1),
		   "under load: the same cookie for the same HELLO");
	tap_is_int(b_sessions(&w), 0, "under load: no session made so far");
	tap_is_int(hello_to_b(&w, 2, cookie), -M2MKX_ECOOKIE,
		   "under load: a cookie for another N_A is refused");
	take_cookie(&w, c1);
	tap_is_int(hello_to_b(&w, 1, cookie), 0,
		   "under load: the right cookie makes a session");
	tap_is_int(b_sessions(&w), 1, "under load: one session");

	world_b_load(&w, false);
	memset(wrong, 0, sizeof(wrong));
	tap_is_int(hello_to_b(&w, 3, wrong), 0,
		   "not under load: a wrong cookie is ignored");
	tap_is_int(b_sessions(&w), 2, "not under load: the HELLO made a session");
	world_free(&w);

	/* Two cookies of one secret; then the secret rotates, twice. */
	world_init(&w, &base, "cookie rotation");
	world_b_load(&w, true);
	hello_to_b(&w, 1, NULL);
	tap_ok(take_cookie(&w, c1), "rotation: cookie for the first HELLO");
	hello_to_b(&w, 2, NULL);
	tap_ok(take_cookie(&w, c2), "rotation: cookie for the second HELLO");
	w.now += M2MKX_COOKIE_ROTATE_MS;
	tap_is_int(hello_to_b(&w, 1, c1), 0,
		   "rotation: a cookie of the previous secret is accepted");
	w.now += M2MKX_COOKIE_ROTATE_MS;
	tap_is_int(hello_to_b(&w, 2, c2), -M2MKX_ECOOKIE,
		   "rotation: two rotations later it is refused");
	tap_is_int(b_sessions(&w), 1, "rotation: only the first made a session");
	world_free(&w);
}

int main(void)
{
	test_parameters();
	test_silent_proxies();
	test_corrupting_proxy();
	test_attacks();
	test_duplicates();
	test_loss();
	test_downgrade();
	test_cookie_round();
	test_cookie_rounds_bounded();
	test_cookie_checks();
	return tap_done();
}
