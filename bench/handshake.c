// SPDX-License-Identifier: GPL-2.0
/*
 * Parts 2 and 3: whole handshakes in the in-process deployment of
 * tests/userspace/world.c (A, B, T and n proxies over a simulated network).
 *
 * B's cost is the time spent inside world_deliver() for datagrams to
 * NODE_B: the world's hook runs just before world_deliver() and its
 * `after` callback at the end of it, so the interval between the two is
 * B's routing, session lookup, step function and the sends it makes,
 * and nothing of A, T or the proxies. B's timers run outside
 * world_deliver() and are not counted, so only handshakes in which x was
 * rebuilt by a datagram (all n shares arrived, nothing refused) enter
 * the figures; the others are counted and the first one is named.
 *
 * A's work counters are checked against what the network carried to and
 * from A and against the bytes the DRBG handed out while A ran.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <m2mkx/merkle.h>

#include "tests/userspace/drbg.h"
#include "tests/userspace/world.h"

#include "bench.h"

/* Message types are 1..15; slot 0 collects anything unexpected. */
#define TYPES 16

struct probe {
	/* B */
	u64 t0;
	u64 step_ns[TYPES];
	unsigned int step_count[TYPES];
	u64 last_share_ns;		/* the SIGNED_SHARE that rebuilt x */
	bool answered;
	int b_error;			/* first refusal at B, negative */
	size_t ss_len, ss_hashed_len;	/* a SIGNED_SHARE; N_pb || signed */
	char refusal[96];		/* the first datagram anyone refused */
	/* A, seen from outside A */
	u64 a_rng_mark, a_rng;
	unsigned int a_tx, a_rx;
	u64 a_tx_bytes, a_rx_bytes;
	unsigned int a_tx_frames, a_rx_frames;	/* 802.15.4 frames */
};

static bool b_answered(const struct world *w)
{
	unsigned int i;

	for (i = 0; i < WORLD_SESSIONS; i++)
		if (w->b_used[i] && (w->b[i].state == M2MKX_SERVER_ANSWERED ||
				     w->b[i].state == M2MKX_SERVER_DONE))
			return true;
	return false;
}

static bool probe_hook(struct world *w, struct dgram *d)
{
	struct probe *p = w->hook_data;

	if (d->from == NODE_A) {
		p->a_tx++;
		p->a_tx_bytes += d->len;
		p->a_tx_frames += bench_frames(d->len);
	}
	if (d->to == NODE_A)
		p->a_rng_mark = drbg_bytes_used();
	/* Last, so that only world_deliver() runs before `after`. */
	if (d->to == NODE_B)
		p->t0 = bench_now_ns();
	return true;
}

static const char *const type_names[TYPES] = {
	"?", "HELLO", "HELLO_REPLY", "PROXY_REQUEST", "PROXY_LIST",
	"KEY_MATERIAL", "MATERIAL_ACK", "SHARES", "PROXY_HELLO", "CHALLENGE",
	"SIGNED_SHARE", "ANSWER", "RELAY", "FINAL_REQUEST", "FINAL",
	"Y_PACKAGE",
};

static void node_name(char *buf, size_t len, int node)
{
	if (node >= NODE_P0)
		snprintf(buf, len, "P%d", node - NODE_P0);
	else
		snprintf(buf, len, "%c", node == NODE_A ? 'A' :
			 node == NODE_B ? 'B' : node == NODE_T ? 'T' : '?');
}

/* Names the first refusal: what an anomalous handshake went wrong on. */
static void note_refusal(struct probe *p, const struct dgram *d, int type,
			 int ret)
{
	char from[16], to[16];

	if (ret >= 0 || p->refusal[0])
		return;
	node_name(from, sizeof(from), d->from);
	node_name(to, sizeof(to), d->to);
	snprintf(p->refusal, sizeof(p->refusal), "%s->%s %s refused: %s",
		 from, to, type_names[type], m2mkx_err_name(-ret));
}

static void probe_after(struct world *w, const struct dgram *d, int ret)
{
	u64 t1 = bench_now_ns();
	struct probe *p = w->hook_data;
	struct m2mkx_signed_share m;
	int type;

	type = m2mkx_msg_peek(d->data, d->len);
	if (type < 0 || type >= TYPES)
		type = 0;
	note_refusal(p, d, type, ret);
	if (d->to == NODE_A) {
		p->a_rx++;
		p->a_rx_bytes += d->len;
		p->a_rx_frames += bench_frames(d->len);
		p->a_rng += drbg_bytes_used() - p->a_rng_mark;
	}
	if (d->to != NODE_B)
		return;
	p->step_ns[type] += t1 - p->t0;
	p->step_count[type]++;
	if (ret < 0 && !p->b_error)
		p->b_error = ret;
	if (type != M2MKX_MSG_SIGNED_SHARE)
		return;
	if (!p->answered && b_answered(w)) {
		p->answered = true;
		p->last_share_ns = t1 - p->t0;
	}
	/* The sizes B hashes, for the primitive sum; parsed untimed. */
	if (!p->ss_len &&
	    !m2mkx_signed_share_parse(d->data, d->len, &w->params, &m)) {
		p->ss_len = d->len;
		p->ss_hashed_len = M2MKX_NONCE_LEN + m.signed_len;
	}
}

enum hs_status {
	HS_CLEAN,	/* completed, every step of B inside world_deliver() */
	HS_UNCLEAN,	/* completed, but B refused something or its timer
			 * rebuilt x: B's time would be partly unmeasured */
	HS_FAILED,	/* A or B did not complete */
};

/*
 * Runs one handshake; @why gets what made it anything but clean. Such a
 * handshake is excluded from the figures, not fatal: the harness must
 * report what the core does, including its failures.
 */
/* @bundle_max: A's bundle_max (client.h), to the world's broadcast. */
static enum hs_status handshake(struct world *w,
				const struct m2mkx_params *par,
				const char *seed, struct probe *p,
				char *why, size_t why_len, u16 bundle_max)
{
	u64 mark;
	int ret;

	memset(p, 0, sizeof(*p));
	world_init(w, par, seed);
	w->a_cfg.bundle_max = bundle_max;
	w->a_cfg.bundle_ep.port = NODE_BCAST;
	w->hook = probe_hook;
	w->after = probe_after;
	w->hook_data = p;
	mark = drbg_bytes_used();
	ret = world_start(w);
	if (ret)
		bench_die("%s: world_start: %s", seed, m2mkx_err_name(-ret));
	p->a_rng += drbg_bytes_used() - mark;
	world_run(w, 60000);
	if (!w->a_done || !w->b_done ||
	    memcmp(w->a_mk, w->b_mk, M2MKX_MK_LEN)) {
		snprintf(why, why_len, "'%s' failed (A %s, B %s); first %s",
			 seed, m2mkx_err_name(w->a_failed),
			 m2mkx_err_name(w->b_failed),
			 p->refusal[0] ? p->refusal : "refusal: none");
		return HS_FAILED;
	}
	if (p->b_error || !p->answered) {
		snprintf(why, why_len, "'%s' completed, %s; first %s", seed,
			 p->answered ? "B refused a datagram" :
				       "x rebuilt by B's share-window timer",
			 p->refusal[0] ? p->refusal : "refusal: none");
		return HS_UNCLEAN;
	}
	return HS_CLEAN;
}

static struct world *world_alloc(void)
{
	struct world *w = calloc(1, sizeof(*w));

	if (!w)
		bench_die("out of memory");
	return w;
}

/* ---------------------------------------------------------------- */
/* Part 2: the server                                                */
/* ---------------------------------------------------------------- */

static const unsigned int server_n[] = { 3, 5, 8, 16 };

static const struct {
	int type;
	const char *name;
} b_types[] = {
	{ M2MKX_MSG_HELLO, "HELLO" },
	{ M2MKX_MSG_PROXY_HELLO, "PROXY_HELLO" },
	{ M2MKX_MSG_SIGNED_SHARE, "SIGNED_SHARE" },
	{ M2MKX_MSG_FINAL_REQUEST, "FINAL_REQUEST" },
};

/* The model's terms, in µs per handshake. */
enum {
	M_RSA, M_X25519, M_OTS, M_MERKLE, M_AEAD, M_HMAC, M_SHA, M_COMBINE,
	M_COUNT
};

static const char *const model_names[M_COUNT] = {
	"RSA vfy", "X25519", "OTS W4", "Merkle", "AEAD", "HMAC/HKDF",
	"SHA-256", "combine",
};

struct server_result {
	unsigned int n, k, hs, unclean, failed;
	char why[256];			/* the first anomalous handshake */
	double us, us_median, hs_per_s;
	double step_us[M2MKX_ARRAY_SIZE(b_types)];
	double step_dgrams[M2MKX_ARRAY_SIZE(b_types)];
	double last_share_us, other_us;
	double model[M_COUNT], model_us, overhead;
	size_t ss_len, ss_hashed_len;
};

static double prim_ns(const char *fmt, unsigned int a, unsigned int b)
{
	char name[96];

	snprintf(name, sizeof(name), fmt, a, b);
	return bench_value(name);
}

/* SHA-256 of @len bytes from the measured per-call and per-block costs. */
static double sha_ns(size_t len)
{
	return bench_value("prim.sha256.per_call.ns") +
	       (double)((len + 8) / M2MKX_SHA256_BLOCK_LEN + 1) *
	       bench_value("prim.sha256.per_block.ns");
}

/*
 * Every primitive B runs for one handshake, read off server.c:
 *   once: T's root signature (RSA), combine, the HMACs of the session id
 *     (deliver path and accept each compute it) and of K_fin, CCM for
 *     the y package, FINAL_REQUEST and FINAL, hashes of commit and MK;
 *   per proxy, PROXY_HELLO: X25519, N_pb HMAC, HKDF (extract = HMAC,
 *     expand 96 B), confirm HMAC;
 *   per proxy, SIGNED_SHARE: SHA-256 of the datagram (replay digest),
 *     root digest, N_pb HMAC, Merkle root, SHA-256 of N_pb || signed
 *     part, OTS candidate, ChaCha20-Poly1305 open (the keys come from the
 *     slot's cached PROXY_HELLO: no second X25519 or HKDF), and the
 *     ANSWER's seal; two proxy-id hashes (FINAL and the event).
 */
static void server_model(struct server_result *r)
{
	unsigned int n = r->n;
	double ns[M_COUNT];
	/* label "m2mkx-v1-root" (13) and the signed part, length-prefixed */
	size_t root_digest_len = 2 + 13 + 2 + M2MKX_ROOT_INFO_SIGNED_LEN;
	unsigned int i;

	ns[M_RSA] = bench_value("prim.rsa3072_verify.ns");
	ns[M_X25519] = n * bench_value("prim.x25519.ns");
	ns[M_OTS] = n * bench_value("prim.lmots_w4_verify.ns");
	ns[M_MERKLE] = n * prim_ns("prim.merkle_root_h%u.ns",
				   m2mkx_merkle_height(n), 0);
	ns[M_AEAD] = n * (bench_value("prim.chachapoly_open_16B.ns") +
			  bench_value("prim.chachapoly_seal_16B.ns")) +
		     2 * bench_value("prim.aes128_ccm_seal_16B.ns") +
		     bench_value("prim.aes128_ccm_open_16B.ns");
	ns[M_HMAC] = n * (4 * bench_value("prim.hmac_sha256_64B.ns") +
			  bench_value("prim.hkdf_expand_96B.ns")) +
		     3 * bench_value("prim.hmac_sha256_64B.ns");
	ns[M_SHA] = n * (sha_ns(r->ss_len) + sha_ns(r->ss_hashed_len) +
			 sha_ns(root_digest_len)) +
		    (2 + 2 * n) * bench_value("prim.sha256_55B.ns");
	ns[M_COMBINE] = prim_ns("prim.shamir_combine_n%uk%u.ns", n, r->k);

	r->model_us = 0;
	for (i = 0; i < M_COUNT; i++) {
		r->model[i] = ns[i] / 1000;
		r->model_us += r->model[i];
	}
	r->overhead = r->us / r->model_us;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void server_run(struct world *w, unsigned int n,
		       struct server_result *r)
{
	struct m2mkx_params par = {
		.suite = M2MKX_SUITE_V1,
		.share_mode = M2MKX_SHARE_SHAMIR,
		.n = (u8)n, .k = (u8)(n / 2 + 1), .m = 2,
		.ots_type = M2MKX_LMOTS_SHA256_N32_W4,
	};
	u64 total = 0, step[TYPES] = { 0 }, last = 0, start;
	unsigned int count[TYPES] = { 0 }, i, t, cap = 1024, attempt;
	double *per_hs = malloc(cap * sizeof(*per_hs));
	struct probe p;
	char seed[64], why[256];

	if (!per_hs)
		bench_die("out of memory");
	memset(r, 0, sizeof(*r));
	r->n = n;
	r->k = par.k;
	/* Untimed warm-up: first-use costs are not B's steady state. */
	snprintf(seed, sizeof(seed), "m2mkx-bench server n=%u warm-up", n);
	handshake(w, &par, seed, &p, why, sizeof(why), 0);
	world_free(w);

	start = bench_now_ns();
	for (i = 0, attempt = 0;
	     i < 10 || (double)(bench_now_ns() - start) <
		       bench_opts.hs_ms * 1e6; attempt++) {
		enum hs_status st;
		u64 b = 0;

		/* A fresh seed each time: fresh nonces, keys, OTS digits. */
		snprintf(seed, sizeof(seed), "m2mkx-bench server n=%u #%u", n,
			 attempt);
		st = handshake(w, &par, seed, &p, why, sizeof(why), 0);
		if (st != HS_CLEAN) {
			world_free(w);
			if (!r->unclean && !r->failed)
				snprintf(r->why, sizeof(r->why), "%s", why);
			if (st == HS_FAILED)
				r->failed++;
			else
				r->unclean++;
			if (r->failed + r->unclean > 10 + attempt / 2)
				bench_die("n=%u: most handshakes go wrong: "
					  "%s", n, r->why);
			continue;
		}
		for (t = 0; t < TYPES; t++) {
			step[t] += p.step_ns[t];
			count[t] += p.step_count[t];
			b += p.step_ns[t];
		}
		last += p.last_share_ns;
		total += b;
		r->ss_len = p.ss_len;
		r->ss_hashed_len = p.ss_hashed_len;
		world_free(w);
		if (i == cap) {
			cap *= 2;
			per_hs = realloc(per_hs, cap * sizeof(*per_hs));
			if (!per_hs)
				bench_die("out of memory");
		}
		per_hs[i++] = (double)b / 1000;
	}
	r->hs = i;
	r->us = (double)total / 1000 / r->hs;
	r->hs_per_s = r->hs / ((double)total / 1e9);
	qsort(per_hs, r->hs, sizeof(*per_hs), cmp_double);
	r->us_median = per_hs[r->hs / 2];
	free(per_hs);

	r->other_us = 0;
	for (t = 0; t < TYPES; t++) {
		bool known = false;

		for (i = 0; i < M2MKX_ARRAY_SIZE(b_types); i++) {
			if (b_types[i].type != (int)t)
				continue;
			r->step_us[i] = (double)step[t] / 1000 / r->hs;
			r->step_dgrams[i] = (double)count[t] / r->hs;
			known = true;
		}
		if (!known)
			r->other_us += (double)step[t] / 1000 / r->hs;
	}
	r->last_share_us = (double)last / 1000 / r->hs;
	if (!r->ss_len)
		bench_die("n=%u: no SIGNED_SHARE parsed", n);
	server_model(r);
}

void bench_server(void)
{
	struct server_result res[M2MKX_ARRAY_SIZE(server_n)];
	struct world *w = world_alloc();
	char name[96], v[M_COUNT + 8][32];
	unsigned int i, j;

	bench_section("server B in the in-process world (k = n/2+1, m = 2, "
		      "Shamir, LM-OTS W4)");
	for (i = 0; i < M2MKX_ARRAY_SIZE(server_n); i++)
		server_run(w, server_n[i], &res[i]);
	free(w);

	printf("  time inside world_deliver() for datagrams to B, "
	       "us per handshake:\n");
	printf("  %3s %2s %5s %9s %9s %8s %8s %11s %12s %11s %11s\n", "n",
	       "k", "hs", "B us", "median", "hs/s", "HELLO", "PROXY_HELLO",
	       "SIGNED_SHARE", "last share", "FINAL_REQ");
	for (i = 0; i < M2MKX_ARRAY_SIZE(server_n); i++) {
		struct server_result *r = &res[i];

		printf("  %3u %2u %5u %9s %9s %8s %8s %11s %12s %11s %11s\n",
		       r->n, r->k, r->hs, bench_fmt(v[0], 32, r->us),
		       bench_fmt(v[1], 32, r->us_median),
		       bench_fmt(v[2], 32, r->hs_per_s),
		       bench_fmt(v[3], 32, r->step_us[0]),
		       bench_fmt(v[4], 32, r->step_us[1]),
		       bench_fmt(v[5], 32, r->step_us[2]),
		       bench_fmt(v[6], 32, r->last_share_us),
		       bench_fmt(v[7], 32, r->step_us[3]));
	}
	printf("  (last share: the SIGNED_SHARE that rebuilt x and answered "
	       "every proxy, part of SIGNED_SHARE)\n");
	printf("  datagrams to B per handshake:");
	for (i = 0; i < M2MKX_ARRAY_SIZE(server_n); i++) {
		printf(" n=%u:", res[i].n);
		for (j = 0; j < M2MKX_ARRAY_SIZE(b_types); j++)
			printf("%s%g", j ? "/" : " ", res[i].step_dgrams[j]);
	}
	printf(" (HELLO/PROXY_HELLO/SIGNED_SHARE/FINAL_REQUEST)\n");

	printf("\n  primitives B must run per handshake (us), from part 1:\n"
	       "  %3s", "n");
	for (j = 0; j < M_COUNT; j++)
		printf(" %9s", model_names[j]);
	printf(" %9s %9s %8s\n", "sum", "measured", "ratio");
	for (i = 0; i < M2MKX_ARRAY_SIZE(server_n); i++) {
		struct server_result *r = &res[i];

		printf("  %3u", r->n);
		for (j = 0; j < M_COUNT; j++)
			printf(" %9s", bench_fmt(v[j], 32, r->model[j]));
		printf(" %9s %9s %8.3f\n",
		       bench_fmt(v[M_COUNT], 32, r->model_us),
		       bench_fmt(v[M_COUNT + 1], 32, r->us), r->overhead);
	}
	printf("  (SIGNED_SHARE is %zu B at n=3; B hashes it whole, and "
	       "N_pb || its %zu signed bytes)\n", res[0].ss_len,
	       res[0].ss_hashed_len - M2MKX_NONCE_LEN);

	for (i = 0; i < M2MKX_ARRAY_SIZE(server_n); i++) {
		struct server_result *r = &res[i];

		if (r->failed || r->unclean)
			printf("  WARNING n=%u: %u of %u handshakes failed and "
			       "%u completed uncleanly (all excluded);\n"
			       "    first: %s\n", r->n, r->failed,
			       r->hs + r->failed + r->unclean, r->unclean,
			       r->why);
		bench_summary.anomalies += r->failed + r->unclean;
		if (r->other_us > 0)
			printf("  warning: n=%u: %.1f us/handshake on "
			       "unexpected message types\n", r->n,
			       r->other_us);
		snprintf(name, sizeof(name),
			 "server.user.handshakes_per_s.n%u", r->n);
		bench_emit(name, r->hs_per_s, "1/s", NULL);
		for (j = 0; j < M2MKX_ARRAY_SIZE(b_types); j++) {
			snprintf(name, sizeof(name),
				 "server.user.step.%s.n%u", b_types[j].name,
				 r->n);
			bench_emit(name, r->step_us[j], "us/handshake", NULL);
		}
		snprintf(name, sizeof(name),
			 "server.user.step.SIGNED_SHARE_last.n%u", r->n);
		bench_emit(name, r->last_share_us, "us/handshake", NULL);
		snprintf(name, sizeof(name), "server.user.us_per_handshake.n%u",
			 r->n);
		bench_emit(name, r->us, "us/handshake", NULL);
		snprintf(name, sizeof(name),
			 "server.user.us_per_handshake_median.n%u", r->n);
		bench_emit(name, r->us_median, "us/handshake", NULL);
		snprintf(name, sizeof(name), "server.user.handshakes.n%u",
			 r->n);
		bench_emit(name, r->hs, "count", NULL);
		snprintf(name, sizeof(name),
			 "server.user.failed_handshakes.n%u", r->n);
		bench_emit(name, r->failed, "count", NULL);
		snprintf(name, sizeof(name),
			 "server.user.unclean_handshakes.n%u", r->n);
		bench_emit(name, r->unclean, "count", NULL);
		snprintf(name, sizeof(name), "server.user.primitives_us.n%u",
			 r->n);
		bench_emit(name, r->model_us, "us/handshake", NULL);
		snprintf(name, sizeof(name),
			 "server.user.overhead_vs_primitives.n%u", r->n);
		bench_emit(name, r->overhead, "ratio", NULL);
		bench_summary.hs_per_s[i] = r->hs_per_s;
		bench_summary.overhead[i] = r->overhead;
	}
}

/* ---------------------------------------------------------------- */
/* Part 3: the client's work counters                                */
/* ---------------------------------------------------------------- */

static const unsigned int client_n[] = { 3, 5, 8, 16 };
static const unsigned int client_m[] = { 1, 2, 3 };

static const char *const work_names[] = {
	"ccm_ops", "aes_blocks", "hashes", "sha256_blocks", "rng_bytes",
	"tx_datagrams", "tx_bytes", "rx_datagrams", "rx_bytes",
};

static const char *const work_units[] = {
	"count", "count", "count", "count", "bytes", "count", "bytes",
	"count", "bytes",
};

/*
 * One clean handshake of A for (@n, @m), per proxy or bundled; its
 * counters go to the table, the JSON lines and @run. Returns whether
 * they agree with what the network carried.
 */
static bool client_run(struct world *w, unsigned int n, unsigned int m,
		       bool bundled, struct bench_client_run *run)
{
	struct m2mkx_params par = {
		.suite = M2MKX_SUITE_V1,
		.share_mode = M2MKX_SHARE_SHAMIR,
		.n = (u8)n, .k = (u8)(n / 2 + 1),
		.m = (u8)m,
		.ots_type = M2MKX_LMOTS_SHA256_N32_W4,
	};
	/* A bundle up to the IPv6 minimum MTU, in 6LoWPAN fragments. */
	u16 bundle_max = bundled ? 1280 : 0;
	const char *tag = bundled ? ".bundled" : "";
	struct probe p;
	char seed[80], name[96], why[256];
	u32 v[M2MKX_ARRAY_SIZE(work_names)];
	unsigned int try, f;
	bool ok;

	/*
	 * Counters of a handshake that went wrong describe the failure,
	 * not the protocol: take the first clean one and say what was
	 * skipped.
	 */
	for (try = 0;; try++) {
		snprintf(seed, sizeof(seed), "m2mkx-bench client n=%u m=%u%s #%u",
			 n, m, tag, try);
		if (handshake(w, &par, seed, &p, why, sizeof(why),
			      bundle_max) == HS_CLEAN)
			break;
		world_free(w);
		printf("  WARNING: skipped %s\n", why);
		bench_summary.anomalies++;
		if (try == 10)
			bench_die("n=%u m=%u: no clean handshake", n, m);
	}
	v[0] = w->a.work.ccm_ops;
	v[1] = w->a.work.aes_blocks;
	v[2] = w->a.work.hashes;
	v[3] = w->a.work.sha256_blocks;
	v[4] = w->a.work.rng_bytes;
	v[5] = w->a.work.tx_datagrams;
	v[6] = w->a.work.tx_bytes;
	v[7] = w->a.work.rx_datagrams;
	v[8] = w->a.work.rx_bytes;
	world_free(w);

	*run = (struct bench_client_run){
		.n = n, .m = m, .bundled = bundled,
		.aes_blocks = v[1], .sha256_blocks = v[3], .rng_bytes = v[4],
		.tx_bytes = v[6], .rx_bytes = v[8],
		.tx_frames = p.a_tx_frames, .rx_frames = p.a_rx_frames,
	};
	ok = v[4] == p.a_rng && v[5] == p.a_tx && v[6] == p.a_tx_bytes &&
	     v[7] == p.a_rx && v[8] == p.a_rx_bytes;
	printf("  %3u %2u %2u %-3s %4u %5u %4u %5u %5u %3u %5u %3u %5u  ",
	       n, par.k, m, bundled ? "yes" : "no", v[0], v[1], v[2], v[3],
	       v[4], v[5], v[6], v[7], v[8]);
	if (ok)
		printf("ok\n");
	else
		printf("MISMATCH: network tx %u/%llu rx %u/%llu, DRBG %llu\n",
		       p.a_tx, (unsigned long long)p.a_tx_bytes, p.a_rx,
		       (unsigned long long)p.a_rx_bytes,
		       (unsigned long long)p.a_rng);
	if (!v[0] && !v[2] && !v[5])
		printf("  warning: client.c left the work counters at zero\n");
	for (f = 0; f < M2MKX_ARRAY_SIZE(work_names); f++) {
		snprintf(name, sizeof(name), "client.work.%s.n%u.m%u%s",
			 work_names[f], n, m, tag);
		bench_emit(name, v[f], work_units[f], NULL);
	}
	bench_summary.client_runs++;
	return ok;
}

void bench_client(void)
{
	struct bench_client_run runs[2 * M2MKX_ARRAY_SIZE(client_n) *
				     M2MKX_ARRAY_SIZE(client_m)];
	struct world *w = world_alloc();
	unsigned int i, j, b, count = 0;
	bool all_ok = true;

	bench_section("client A work counters per handshake "
		      "(struct m2mkx_client.work; k = n/2+1, W4)");
	printf("  %3s %2s %2s %-3s %4s %5s %4s %5s %5s %3s %5s %3s %5s  %s\n",
	       "n", "k", "m", "bdl", "ccm", "aes", "hash", "sha", "rng",
	       "tx", "txB", "rx", "rxB", "network/DRBG cross-check");
	for (b = 0; b < 2; b++)
		for (i = 0; i < M2MKX_ARRAY_SIZE(client_n); i++)
			for (j = 0; j < M2MKX_ARRAY_SIZE(client_m); j++)
				all_ok &= client_run(w, client_n[i],
						     client_m[j], b,
						     &runs[count++]);
	printf("  (bdl: all shares in one datagram to the broadcast; "
	       "aes, sha: AES blocks and SHA-256\n   compressions; "
	       "cross-check: datagrams and bytes the network carried from/to "
	       "A,\n   DRBG bytes drawn while A ran; test_soft_node checks "
	       "aes and sha against the\n   bundled backend's own count)\n");
	bench_summary.client_xcheck_ok = all_ok;
	free(w);
	bench_energy(runs, count);
}
