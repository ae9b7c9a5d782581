// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The role targets: snapshots of one role of the tests' world, FUZZ_NODE,
 * in the states honest handshakes take it through, and the steps an input
 * applies to one of them (the format is in fuzz.h). Built once per role:
 * fuzz_server (NODE_B), fuzz_proxy (NODE_P0), fuzz_client (NODE_A),
 * fuzz_issuer (NODE_T).
 *
 * A snapshot is the whole struct world, copied while the world's own
 * allocations (its proxies' signing buffers, its lookup tables) stay
 * where they are: the world is restored at the same address before each
 * input, so every pointer in the copy is valid again. Only the buffers
 * the proxy under test signs into are saved with it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <m2mkx/crypto.h>

#include "tests/userspace/drbg.h"
#include "fuzz.h"

#ifndef FUZZ_NODE
#error "roles.c is built with -DFUZZ_NODE=<the role's node>"
#endif

/* Where an input's datagrams come from: the nodes, and a stranger. */
static const int from_nodes[] = {
	NODE_A, NODE_B, NODE_T, NODE_P0, NODE_P0 + 1, NODE_P0 + 2, 99,
};

#define MAX_SNAPSHOTS 256

struct snapshot {
	struct world *w;		/* the world it is restored into */
	struct world state;
	u8 *proxy_bufs[WORLD_SESSIONS];	/* the proxy under test's */
	struct dgram *next;		/* what the role received next */
};

static struct {
	struct snapshot *snap[MAX_SNAPSHOTS];
	unsigned int count;
} fuzz_role;

static int from_index(int node)
{
	unsigned int i;

	for (i = 0; i < M2MKX_ARRAY_SIZE(from_nodes); i++)
		if (from_nodes[i] == node)
			return (int)i;
	return (int)M2MKX_ARRAY_SIZE(from_nodes) - 1;
}

static bool for_role(const struct dgram *d)
{
	return d->to == FUZZ_NODE ||
	       (FUZZ_NODE == NODE_P0 && d->to == NODE_BCAST);
}

/* A copy of a SIGNED_SHARE buffer (world.c's malloc()), or NULL. */
static u8 *buffer_dup(const u8 *buf, size_t cap)
{
	u8 *copy;

	if (!buf)
		return NULL;
	copy = malloc(cap);
	if (!copy)
		abort();
	return memcpy(copy, buf, cap);
}

static void take_snapshot(struct world *w, const struct dgram *next)
{
	struct snapshot *s;
	unsigned int i;

	if (fuzz_role.count == MAX_SNAPSHOTS)
		return;
	s = calloc(1, sizeof(*s));
	if (!s)
		abort();
	s->w = w;
	s->state = *w;
	/* The queue is the run's, not the snapshot's. */
	s->state.head = s->state.tail = NULL;
	s->state.hook = NULL;
	s->state.after = NULL;
	if (FUZZ_NODE >= NODE_P0)
		for (i = 0; i < WORLD_SESSIONS; i++)
			s->proxy_bufs[i] =
				buffer_dup(w->p[0].s[i].signed_share,
					   w->p[0].s[i].signed_share_cap);
	if (next)
		s->next = dgram_new(next->from, next->to, next->data,
				    next->len);
	fuzz_role.snap[fuzz_role.count++] = s;
}

static bool snapshot_hook(struct world *w, struct dgram *d)
{
	if (for_role(d))
		take_snapshot(w, d);
	return true;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	unsigned int i;

	(void)argc;
	(void)argv;
	for (i = 0; i < fuzz_honest_count; i++) {
		/* Kept: the snapshots are restored into it. */
		struct world *w = malloc(sizeof(*w));

		if (!w)
			abort();
		fuzz_honest_run(i, w, snapshot_hook, NULL);
		/* And the state it ended in, for the timers. */
		take_snapshot(w, NULL);
	}
	return 0;
}

static struct world *restore(const struct snapshot *s)
{
	struct world *w = s->w;
	unsigned int i;

	/* The buffers are the last run's, or the honest run's. */
	if (FUZZ_NODE >= NODE_P0)
		for (i = 0; i < WORLD_SESSIONS; i++)
			free(w->p[0].s[i].signed_share);
	*w = s->state;
	if (FUZZ_NODE >= NODE_P0)
		for (i = 0; i < WORLD_SESSIONS; i++)
			w->p[0].s[i].signed_share =
				buffer_dup(s->proxy_bufs[i],
					   w->p[0].s[i].signed_share_cap);
	return w;
}

/*
 * The randomness a datagram's handling draws, a function of the datagram
 * (and so the same in every input that delivers it), not of what the
 * input did before: T signs the same root for the same request wherever
 * it comes, and sign_memo.c has the signature. A crash still replays.
 */
static void seed_from(const u8 *data, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	struct m2mkx_sha256_ctx ctx;
	u8 digest[M2MKX_SHA256_LEN];
	char label[2 * M2MKX_SHA256_LEN + 1];
	unsigned int i;

	m2mkx_sha256_init(&ctx);
	m2mkx_sha256_update(&ctx, data, len);
	m2mkx_sha256_final(&ctx, digest);
	for (i = 0; i < M2MKX_SHA256_LEN; i++) {
		label[2 * i] = hex[digest[i] >> 4];
		label[2 * i + 1] = hex[digest[i] & 15];
	}
	label[2 * M2MKX_SHA256_LEN] = '\0';
	drbg_seed(label);
}

static void discard_queue(struct world *w)
{
	struct dgram *d;

	while ((d = w->head)) {
		w->head = d->next;
		free(d);
	}
	w->tail = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct world *w;
	size_t off = 1;

	if (!size)
		return 0;
	w = restore(fuzz_role.snap[data[0] % fuzz_role.count]);
	/* What the timers draw before any datagram, likewise. */
	drbg_seed("fuzz input");
	while (off < size) {
		u8 op = data[off++];
		struct dgram *d;
		size_t len;

		if (op >= FUZZ_TIMER_OP) {
			w->now += (u64)(op & 0x7f) * FUZZ_TIMER_STEP_MS;
			world_timers(w, FUZZ_NODE);
			continue;
		}
		if (size - off < 2)
			break;
		len = (size_t)data[off] << 8 | data[off + 1];
		off += 2;
		if (len > size - off)
			len = size - off;
		seed_from(data + off, len);
		d = dgram_new(from_nodes[op % M2MKX_ARRAY_SIZE(from_nodes)],
			      FUZZ_NODE, data + off, len);
		off += len;
		world_deliver(w, d);
		free(d);
		/* What the role sent goes nowhere. */
		discard_queue(w);
	}
	discard_queue(w);
	return 0;
}

void fuzz_seeds(fuzz_emit emit, void *arg)
{
	unsigned int i;

	for (i = 0; i < fuzz_role.count; i++) {
		const struct dgram *d = fuzz_role.snap[i]->next;
		u8 *in;
		size_t len;

		if (!d) {
			/* A minute passes: every timer of the role fires. */
			static const u8 timers[] = { 0, 0xff, 0xff, 0xff, 0xff,
						     0xff, 0xff, 0xff, 0xff };
			u8 t[sizeof(timers)];

			memcpy(t, timers, sizeof(t));
			t[0] = (u8)i;
			emit(t, sizeof(t), arg);
			continue;
		}
		len = 4 + d->len;
		in = malloc(len);
		if (!in)
			abort();
		in[0] = (u8)i;
		in[1] = (u8)from_index(d->from);
		in[2] = (u8)(d->len >> 8);
		in[3] = (u8)d->len;
		memcpy(in + 4, d->data, d->len);
		emit(in, len, arg);
		free(in);
	}
}

/*
 * A captured datagram, from each node in turn, in some state of the
 * role: its MAC or signature is under keys the world does not have, so
 * it gets as far as a stranger's would.
 */
void fuzz_capture_seeds(const uint8_t *dgram, size_t len, fuzz_emit emit,
			void *arg)
{
	static unsigned int next;
	u8 *in;

	if (len > 0xffff)
		return;
	in = malloc(4 + len);
	if (!in)
		abort();
	in[0] = (u8)(next % fuzz_role.count);
	in[1] = (u8)(next % M2MKX_ARRAY_SIZE(from_nodes));
	in[2] = (u8)(len >> 8);
	in[3] = (u8)len;
	memcpy(in + 4, dgram, len);
	emit(in, 4 + len, arg);
	free(in);
	next++;
}
