// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Tests of the strict codec (core/wire.c) against the byte layouts written
 * in the comments of core/include/m2mkx/wire.h.
 *
 * Nothing here trusts the code under test for what a message looks like.
 * The layouts are typed in again below as lists of field sizes, counted
 * from the wire.h comments, and every message is built a second time by a
 * reference serialiser that follows those comments field by field. So:
 *
 *  1. Layouts: each list must add up to the size the comment states and to
 *     the M2MKX_*_LEN macro.
 *  2. Round trips: for every message type and every count the protocol
 *     allows, fields from the DRBG are encoded by the encoder and by the
 *     reference; the encoder must write exactly the reference's bytes up
 *     to the offset it returns (and nothing past it), and the parser must
 *     read the reference bytes back into a struct that re-serialises to
 *     the very same datagram, with every pointer at its documented offset.
 *  3. Strictness: one byte more or less, every truncation, bad version,
 *     bad and foreign type bytes, and every range-checked field set out of
 *     range, each refused with its own reason code.
 *  4. Robustness: each parser gets random datagrams and mutated valid ones
 *     in exactly-sized heap buffers (ASan catches any read outside), must
 *     return 0 or a codec reason, must agree with an independent reference
 *     validator written from the comments, and whatever it accepts must
 *     re-serialise to the datagram.
 *  5. The routing helpers of B and P_i on short and wrong-typed input.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <m2mkx/crypto.h>
#include <m2mkx/errors.h>
#include <m2mkx/merkle.h>
#include <m2mkx/ots.h>
#include <m2mkx/proxy.h>
#include <m2mkx/server.h>
#include <m2mkx/share.h>
#include <m2mkx/wire.h>

#include "drbg.h"
#include "tap.h"

#define ESHO (-M2MKX_ESHORT)
#define EVER (-M2MKX_EVERSION)
#define ETYP (-M2MKX_ETYPE)
#define ELEN (-M2MKX_ELENGTH)
#define EPAR (-M2MKX_EPARAMS)
/* What parse_exact() returns when a parser said 0 but got it wrong. */
#define EWRONG 1000

/* Random datagrams per parser; scaled down if it runs long. */
#define FUZZ_ITERS 200000UL
#define FUZZ_MAX_LEN 20000
#define BIG 32768
#define CANARY 0xa5

/* ------------------------------------------------------------------ */
/* Randomness: the DRBG for message fields, a fast PRNG for the fuzzer. */

static void rnd(void *p, size_t n)
{
	if (m2mkx_random(p, n))
		abort();
}

static unsigned int rnd_below(unsigned int n)
{
	u32 v;

	rnd(&v, sizeof(v));
	return v % n;
}

static u64 xs_state;

static u64 xs(void)
{
	u64 z = (xs_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static size_t xs_below(size_t n)
{
	return (size_t)(xs() % n);
}

/* ------------------------------------------------------------------ */
/* Names and checks that either print a TAP line or count into a group. */

static const char *ename(long long code)
{
	static char buf[4][32];
	static unsigned int i;
	char *s = buf[i++ % 4];

	if (code == 0)
		return "0";
	if (code == EWRONG)
		return "0-but-wrong";
	if (code > 0 && code < 256) {
		snprintf(s, 32, "type %lld", code);
		return s;
	}
	snprintf(s, 32, "-%s", m2mkx_err_name((int)code));
	return s;
}

struct agg {
	unsigned long n, bad;
	char first[512];
};

static struct agg *cur_agg;

__attribute__((format(printf, 2, 3)))
static int chk(int cond, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (cur_agg) {
		cur_agg->n++;
		if (!cond && !cur_agg->bad++)
			snprintf(cur_agg->first, sizeof(cur_agg->first), "%s",
				 msg);
		return cond;
	}
	return tap_ok(cond, "%s", msg);
}

__attribute__((format(printf, 3, 4)))
static int chk_int(long long got, long long want, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (cur_agg) {
		cur_agg->n++;
		if (got != want && !cur_agg->bad++)
			snprintf(cur_agg->first, sizeof(cur_agg->first),
				 "%s (got %lld %s, want %lld %s)", msg, got,
				 ename(got), want, ename(want));
		return got == want;
	}
	if (!tap_is_int(got, want, "%s", msg)) {
		tap_diag("got %s, want %s", ename(got), ename(want));
		return 0;
	}
	return 1;
}

static void agg_begin(struct agg *a)
{
	memset(a, 0, sizeof(*a));
	cur_agg = a;
}

__attribute__((format(printf, 2, 3)))
static void agg_end(struct agg *a, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	cur_agg = NULL;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!tap_ok(a->bad == 0, "%s (%lu checks)", msg, a->n))
		tap_diag("%lu failed; first: %s", a->bad, a->first);
}

static void hexdiag(const char *label, const u8 *b, size_t len)
{
	char s[2 * 64 + 1];
	size_t i, n = len < 64 ? len : 64;

	for (i = 0; i < n; i++)
		snprintf(s + 2 * i, 3, "%02x", b[i]);
	s[2 * n] = 0;
	tap_diag("%s (%zu bytes)%s: %s", label, len, len > n ? ", head" : "", s);
}

/* ------------------------------------------------------------------ */
/* The layouts of wire.h, typed in again as field sizes. */

static const size_t L_HELLO[] = { 2, 8, 8, 16, 1, 4, 1, 1, 1, 1 };
static const size_t L_HELLO_REPLY[] = { 2, 1, 8, 8, 16, 16, 8, 1, 4, 1, 1,
					1, 1 };
/* ... then P_1..P_n (8 each) | tag(8) */
static const size_t L_PREQ[] = { 2, 8, 8, 16, 16, 8, 1, 4, 1, 1, 1, 16, 2 };
/* ... then ID_1..ID_n (8 each) | tag(8) */
static const size_t L_PLIST[] = { 2, 8, 8, 1, 1 };
/* ... then sig_len(2) | sig */
static const size_t L_ROOT[] = { 20, 8, 8, 8, 16, 1, 4, 1, 1, 1, 16, 32, 16,
				  8 };
/* ... then ciphertext | tag(8) */
static const size_t L_KMHDR[] = { 2, 8, 13 };
/* ... then root_info | path(h * 32) */
static const size_t L_KMPT[] = { 1, 32 };
static const size_t L_ACK[] = { 2, 8, 13, 8, 8, 1, 1, 8 };
/* ... then entries: P(8) | q(1) | ciphertext(share_len) | tag(8) */
static const size_t L_SHARES[] = { 2, 8, 8, 16, 8, 18, 1, 1 };
static const size_t L_ENTRY_FIXED[] = { 8, 1, 8 };
static const size_t L_PHELLO[] = { 2, 8, 8, 8, 1, 32 };
static const size_t L_CHAL[] = { 2, 8, 1, 16, 16 };
/* ... then ct(share_len + 16) | path(h * 32) | root_info | ots_sig */
static const size_t L_SSHARE[] = { 2, 8, 1, 32, 32 };
static const size_t L_ANSWER[] = { 2, 8, 1, 24, 16 };
static const size_t L_RELAY[] = { 2, 8, 8, 8, 24, 8 };
static const size_t L_FREQ[] = { 2, 8, 8, 8 };
/* ... then n x (ID_i(8) | verdict(1)) | tag(8) */
static const size_t L_FINAL[] = { 2, 8, 8, 1, 4, 1, 1, 1, 1 };

static size_t lsum(const size_t *f, size_t n)
{
	size_t s = 0;

	while (n--)
		s += *f++;
	return s;
}

#define LCOUNT(a) (sizeof(a) / sizeof((a)[0]))
#define LSUM(a) lsum((a), LCOUNT(a))
/* Offset of field @i: the sum of the sizes before it. */
#define LOFF(a, i) lsum((a), (i))

/* Offsets the reference validator reads, all from the lists above. */
static size_t o_hello_params, o_hr_status, o_hr_params, o_preq_params,
	o_preq_n, o_preq_life, preq_fixed, o_pl_status, o_pl_n, pl_fixed,
	o_root_params, o_root_n, o_root_siglen, root_signed, km_hdr, km_pt_fixed,
	o_ack_q, o_ack_status, sh_hdr, o_sh_sl, o_sh_count, entry_fixed,
	o_ph_q, o_ch_q, ss_fixed, ss_ad, o_ss_q, o_an_q, answer_ad,
	o_fin_params, o_fin_n, fin_fixed, km_min_len;

static void layout_init(void)
{
	o_hello_params = LOFF(L_HELLO, 4);
	o_hr_status = LOFF(L_HELLO_REPLY, 1);
	o_hr_params = LOFF(L_HELLO_REPLY, 7);
	o_preq_params = LOFF(L_PREQ, 6);
	o_preq_n = LOFF(L_PREQ, 9);
	o_preq_life = LOFF(L_PREQ, 12);
	preq_fixed = LSUM(L_PREQ);
	o_pl_status = LOFF(L_PLIST, 3);
	o_pl_n = LOFF(L_PLIST, 4);
	pl_fixed = LSUM(L_PLIST);
	o_root_params = LOFF(L_ROOT, 5);
	o_root_n = LOFF(L_ROOT, 8);
	root_signed = LSUM(L_ROOT);
	o_root_siglen = root_signed;
	km_hdr = LSUM(L_KMHDR);
	km_pt_fixed = LSUM(L_KMPT);
	o_ack_q = LOFF(L_ACK, 5);
	o_ack_status = LOFF(L_ACK, 6);
	sh_hdr = LSUM(L_SHARES);
	o_sh_sl = LOFF(L_SHARES, 6);
	o_sh_count = LOFF(L_SHARES, 7);
	entry_fixed = LSUM(L_ENTRY_FIXED);
	o_ph_q = LOFF(L_PHELLO, 4);
	o_ch_q = LOFF(L_CHAL, 2);
	ss_fixed = LSUM(L_SSHARE);
	ss_ad = LOFF(L_SSHARE, 4);	/* "the 43 bytes before K_i" */
	o_ss_q = LOFF(L_SSHARE, 2);
	o_an_q = LOFF(L_ANSWER, 2);
	answer_ad = LOFF(L_ANSWER, 3);	/* "the 11 bytes before ct" */
	o_fin_params = LOFF(L_FINAL, 3);
	o_fin_n = LOFF(L_FINAL, 6);
	fin_fixed = LSUM(L_FINAL);
	/* Smallest KEY_MATERIAL: h = 0 and a 1-byte root signature. */
	km_min_len = km_hdr + km_pt_fixed + root_signed + 2 + 1 + 8;
}

/* ------------------------------------------------------------------ */
/* Parameters, OTS types, share lengths, tree heights: reference values. */

#define NOTS 5
static const u32 ots_types[NOTS] = {
	M2MKX_LMOTS_SHA256_N32_W1, M2MKX_LMOTS_SHA256_N32_W2,
	M2MKX_LMOTS_SHA256_N32_W4, M2MKX_LMOTS_SHA256_N32_W8,
	M2MKX_OTS_LAMPORT_SHA256,
};
static const char *const ots_names[NOTS] = { "w1", "w2", "w4", "w8",
					     "lamport" };
/* RFC 8554 4.1: 4 + n + p * n with n = 32, p = 265, 133, 67, 34; Lamport
 * (ots.h): 4 + 512 * 32. */
static const size_t ots_sig_lens[NOTS] = { 8516, 4292, 2180, 1124, 16388 };

static size_t ref_ots_len(u32 type)
{
	unsigned int i;

	for (i = 0; i < NOTS; i++)
		if (ots_types[i] == type)
			return ots_sig_lens[i];
	return 0;
}

static const char *ots_name(u32 type)
{
	unsigned int i;

	for (i = 0; i < NOTS; i++)
		if (ots_types[i] == type)
			return ots_names[i];
	return "?";
}

/* Share bytes for the 16-byte x (share.h). */
static size_t ref_share_len(unsigned int mode, unsigned int k)
{
	if (k < 1 || k > M2MKX_MAX_PROXIES)
		return 0;
	if (mode == M2MKX_SHARE_SHAMIR)
		return 16;
	if (mode == M2MKX_SHARE_DISPERSAL)
		return (16 + k - 1) / k;
	return 0;
}

static unsigned int ref_height(unsigned int n)
{
	unsigned int h = 0;

	while ((1u << h) < n)
		h++;
	return h;
}

static u32 get32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

static unsigned int get16(const u8 *p)
{
	return (unsigned int)p[0] << 8 | p[1];
}

/*
 * suite(1) | ots_type(4) | share_mode(1) | n(1) | k(1) [| m(1)] at @q;
 * @need_m: m must also be at least 1 (HELLO, HELLO_REPLY).
 */
static int ref_params_at(const u8 *q, bool with_m, bool need_m)
{
	unsigned int mode = q[5], n = q[6], k = q[7];
	unsigned int m = with_m ? q[8] : 1;

	if (q[0] != M2MKX_SUITE_V1 || !ref_ots_len(get32(q + 1)))
		return EPAR;
	if (mode != M2MKX_SHARE_SHAMIR && mode != M2MKX_SHARE_DISPERSAL)
		return EPAR;
	if (n < 1 || n > 16 || k < 1 || k > n || m > n)
		return EPAR;
	if (need_m && m < 1)
		return EPAR;
	return 0;
}

/* A valid parameter set; @i spreads OTS types, modes and k/m edges. */
static void pick_params(struct m2mkx_params *p, unsigned int n,
			unsigned int i)
{
	p->suite = M2MKX_SUITE_V1;
	p->ots_type = ots_types[i % NOTS];
	p->share_mode = (i / NOTS) % 2 ? M2MKX_SHARE_DISPERSAL :
					   M2MKX_SHARE_SHAMIR;
	p->n = (u8)n;
	switch (i % 3) {
	case 0:
		p->k = 1;
		p->m = 1;
		break;
	case 1:
		p->k = (u8)n;
		p->m = (u8)n;
		break;
	default:
		p->k = (u8)(1 + rnd_below(n));
		p->m = (u8)(1 + rnd_below(n));
	}
}

static const char *pstr(const struct m2mkx_params *p)
{
	static char buf[2][64];
	static unsigned int i;
	char *s = buf[i++ % 2];

	snprintf(s, 64, "%s %s n=%u k=%u m=%u", ots_name(p->ots_type),
		 p->share_mode == M2MKX_SHARE_SHAMIR ? "shamir" :
		 p->share_mode == M2MKX_SHARE_DISPERSAL ? "dispersal" : "?",
		 p->n, p->k, p->m);
	return s;
}

/* ------------------------------------------------------------------ */
/* The reference serialiser: every field in the order of the comments. */

struct ref {
	u8 *p;
	size_t off;
};

static void put(struct ref *r, const void *src, size_t n)
{
	if (n)
		memcpy(r->p + r->off, src, n);
	r->off += n;
}

static void put8(struct ref *r, unsigned int v)
{
	r->p[r->off++] = (u8)v;
}

static void put16(struct ref *r, unsigned int v)
{
	put8(r, (v >> 8) & 0xff);
	put8(r, v & 0xff);
}

static void put32(struct ref *r, u32 v)
{
	put16(r, v >> 16);
	put16(r, v & 0xffff);
}

static void put64(struct ref *r, u64 v)
{
	put32(r, (u32)(v >> 32));
	put32(r, (u32)v);
}

static void put_hdr(struct ref *r, unsigned int type)
{
	put8(r, type);
	put8(r, M2MKX_VERSION);
}

static void put_params(struct ref *r, const struct m2mkx_params *p,
		       bool with_m)
{
	put8(r, p->suite);
	put32(r, p->ots_type);
	put8(r, p->share_mode);
	put8(r, p->n);
	put8(r, p->k);
	if (with_m)
		put8(r, p->m);
}

static size_t ref_hello(u8 *o, const struct m2mkx_hello *m)
{
	struct ref r = { o, 0 };

	put_hdr(&r, M2MKX_MSG_HELLO);
	put(&r, m->a, 8);
	put(&r, m->b, 8);
	put(&r, m->n_a, 16);
	put_params(&r, &m->params, true);
	if (m->has_cookie)
		put(&r, m->cookie, 16);
	return r.off;
}

static size_t ref_hello_reply(u8 *o, const struct m2mkx_hello_reply *m)
{
	struct ref r = { o, 0 };

	put_hdr(&r, M2MKX_MSG_HELLO_REPLY);
	put8(&r, m->status);
	put(&r, m->a, 8);
	put(&r, m->b, 8);
	put(&r, m->n_a, 16);
	put(&r, m->n_b, 16);
	put(&r, m->session, 8);
	put_params(&r, &m->params, true);
	return r.off;
}

static size_t ref_preq(u8 *o, const struct m2mkx_proxy_request *m)
{
	struct ref r = { o, 0 };

	put_hdr(&r, M2MKX_MSG_PROXY_REQUEST);
	put(&r, m->a, 8);
	put(&r, m->session, 8);
	put(&r, m->n_a, 16);
	put(&r, m->n_b, 16);
	put(&r, m->b, 8);
	put_params(&r, &m->params, false);
	put(&r, m->commitment, 16);
	put16(&r, m->lifetime_s);
	put(&r, m->proxies, 8u * m->params.n);
	put(&r, m->tag, 8);
	return r.off;
}

static size_t ref_plist(u8 *o, const struct m2mkx_proxy_list *m)
{
	struct ref r = { o, 0 };

	put_hdr(&r, M2MKX_MSG_PROXY_LIST);
	put(&r, m->a, 8);
	put(&r, m->session, 8);
	put8(&r, m->status);
	put8(&r, m->n);
	put(&r, m->ids, 8u * m->n);
	put(&r, m->tag, 8);
	return r.off;
}

static void put_root(struct ref *r, const struct m2mkx_root_info *m)
{
	put(r, m->t_key_id, 20);
	put(r, m->a, 8);
	put(r, m->b, 8);
	put(r, m->session, 8);
	put(r, m->n_b, 16);
	put_params(r, &m->params, false);
	put(r, m->I, 16);
	put(r, m->root, 32);
	put(r, m->commitment, 16);
	put64(r, m->expiry);
	put16(r, m->sig_len);
	put(r, m->sig, m->sig_len);
}

static size_t ref_root(u8 *o, const struct m2mkx_root_info *m)
{
	struct ref r = { o, 0 };

	put_root(&r, m);
	return r.off;
}

static size_t ref_kmhdr(u8 *o, const struct m2mkx_key_material_hdr *m,
			const u8 *tag)
{
	struct ref r = { o, 0 };

	put_hdr(&r, M2MKX_MSG_KEY_MATERIAL);
	put(&r, m->p, 8);
	put(&r, m->nonce, 13);
	put(&r, m->ct, m->ct_len);
	put(&r, tag, 8);
	return r.off;
}

static size_t ref_kmpt(u8 *o, const struct m2mkx_key_material *m)
{
	struct ref r = { o, 0 };

	put8(&r, m->q);
	put(&r, m->seed, 32);
	put_root(&r, &m->root);
	put(&r, m->path, 32u * m->height);
	return r.off;
}

static size_t ref_ack(u8 *o, const struct m2mkx_material_ack *m)
{
	struct ref r = { o, 0 };

	put_hdr(&r, M2MKX_MSG_MATERIAL_ACK);
	put(&r, m->p, 8);
	put(&r, m->nonce, 13);
	put(&r, m->a, 8);
	put(&r, m->session, 8);
	put8(&r, m->q);
	put8(&r, m->status);
	put(&r, m->tag, 8);
	return r.off;
}

static size_t ref_shares(u8 *o, const struct m2mkx_shares *m)
{
	struct ref r = { o, 0 };

	put_hdr(&r, M2MKX_MSG_SHARES);
	put(&r, m->a, 8);
	put(&r, m->session, 8);
	put(&r, m->n_a, 16);
	put(&r, m->b, 8);
	put(&r, m->b_endpoint.addr, 16);
	put16(&r, m->b_endpoint.port);
	put8(&r, m->share_len);
	put8(&r, m->count);
	put(&r, m->entries, (size_t)m->count * (17u + m->share_len));
	return r.off;
}

static size_t ref_phello(u8 *o, const struct m2mkx_proxy_hello *m)
{
	struct ref r = { o, 0 };

	put_hdr(&r, M2MKX_MSG_PROXY_HELLO);
	put(&r, m->session, 8);
	put(&r, m->a, 8);
	put(&r, m->b, 8);
	put8(&r, m->q);
	put(&r, m->e, 32);
	return r.off;
}

static size_t ref_chal(u8 *o, const struct m2mkx_challenge *m)
{
	struct ref r = { o, 0 };

	put_hdr(&r, M2MKX_MSG_CHALLENGE);
	put(&r, m->session, 8);
	put8(&r, m->q);
	put(&r, m->n_pb, 16);
	put(&r, m->confirm, 16);
	return r.off;
}

/* With @opaque false the ciphertext and OTS signature are skipped. */
static size_t ref_sshare(u8 *o, const struct m2mkx_signed_share *m,
			 bool opaque)
{
	struct ref r = { o, 0 };

	put_hdr(&r, M2MKX_MSG_SIGNED_SHARE);
	put(&r, m->session, 8);
	put8(&r, m->q);
	put(&r, m->e, 32);
	put(&r, m->k, 32);
	if (opaque)
		put(&r, m->ct, m->ct_len);
	else
		r.off += m->ct_len;
	put(&r, m->path, 32u * m->height);
	put_root(&r, &m->root);
	if (opaque)
		put(&r, m->ots_sig, m->ots_sig_len);
	else
		r.off += m->ots_sig_len;
	return r.off;
}

static size_t ref_answer(u8 *o, const struct m2mkx_answer *m)
{
	struct ref r = { o, 0 };

	put_hdr(&r, M2MKX_MSG_ANSWER);
	put(&r, m->session, 8);
	put8(&r, m->q);
	put(&r, m->ct, 40);
	return r.off;
}

static size_t ref_relay(u8 *o, const struct m2mkx_relay *m)
{
	struct ref r = { o, 0 };

	put_hdr(&r, M2MKX_MSG_RELAY);
	put(&r, m->a, 8);
	put(&r, m->p, 8);
	put(&r, m->session, 8);
	put(&r, m->ypkg, 24);
	put(&r, m->tag, 8);
	return r.off;
}

static size_t ref_freq(u8 *o, const struct m2mkx_final_request *m)
{
	struct ref r = { o, 0 };

	put_hdr(&r, M2MKX_MSG_FINAL_REQUEST);
	put(&r, m->a, 8);
	put(&r, m->session, 8);
	put(&r, m->tag, 8);
	return r.off;
}

static size_t ref_final(u8 *o, const struct m2mkx_final *m)
{
	struct ref r = { o, 0 };

	put_hdr(&r, M2MKX_MSG_FINAL);
	put(&r, m->a, 8);
	put(&r, m->session, 8);
	put_params(&r, &m->params, true);
	put(&r, m->entries, 9u * m->params.n);
	put(&r, m->tag, 8);
	return r.off;
}

/* ------------------------------------------------------------------ */
/* Parse targets, each run with its result checked against the layout. */

enum {
	T_HELLO, T_HELLO_REPLY, T_PROXY_REQUEST, T_PROXY_LIST, T_KM_HDR,
	T_MATERIAL_ACK, T_SHARES, T_PROXY_HELLO, T_CHALLENGE, T_SIGNED_SHARE,
	T_ANSWER, T_RELAY, T_FINAL_REQUEST, T_FINAL,
	T_FRAMED_END,
	T_KM_PT = T_FRAMED_END, T_ROOT, T_PEEK, T_SERVER_ROUTE, T_PROXY_ROUTE,
	T_COUNT
};

static const char *const tname[T_COUNT] = {
	"hello_parse", "hello_reply_parse", "proxy_request_parse",
	"proxy_list_parse", "key_material_hdr_parse", "material_ack_parse",
	"shares_parse", "proxy_hello_parse", "challenge_parse",
	"signed_share_parse", "answer_parse", "relay_parse",
	"final_request_parse", "final_parse", "key_material_parse",
	"root_info_parse", "msg_peek", "server_route", "proxy_route",
};

/* The message type a framed target parses: T_HELLO is type 1, and so on. */
static unsigned int ttype(int t)
{
	return t < T_FRAMED_END ? (unsigned int)t + 1 : 0;
}

static u8 scratch[BIG];

static bool same(const u8 *b, size_t len, size_t rl)
{
	return rl == len && !memcmp(scratch, b, len);
}

#define CHECK(c, msg) do { if (!*why && !(c)) *why = (msg); } while (0)

static int route_off(bool server, int type)
{
	if (server)
		return type == M2MKX_MSG_PROXY_HELLO ||
		       type == M2MKX_MSG_SIGNED_SHARE ? 2 :
		       type == M2MKX_MSG_FINAL_REQUEST ? 10 : -1;
	return type == M2MKX_MSG_SHARES ? 10 :
	       type == M2MKX_MSG_CHALLENGE || type == M2MKX_MSG_ANSWER ? 2 : -1;
}

/*
 * Runs target @t on @b. When the parser accepts, checks what it produced:
 * the length its fields imply, each pointer at its documented offset, and
 * the reference re-serialisation of the parsed struct equal to @b. The
 * first thing wrong goes to *@why.
 */
static int run_parse(int t, const u8 *b, size_t len,
		     const struct m2mkx_params *p, const char **why)
{
	int ret = 0;

	*why = NULL;
	switch (t) {
	case T_HELLO: {
		struct m2mkx_hello m;

		ret = m2mkx_hello_parse(b, len, &m);
		if (!ret)
			CHECK(same(b, len, ref_hello(scratch, &m)),
			      "parsed fields do not re-encode to the datagram");
		break;
	}
	case T_HELLO_REPLY: {
		struct m2mkx_hello_reply m;

		ret = m2mkx_hello_reply_parse(b, len, &m);
		if (!ret)
			CHECK(same(b, len, ref_hello_reply(scratch, &m)),
			      "parsed fields do not re-encode to the datagram");
		break;
	}
	case T_PROXY_REQUEST: {
		struct m2mkx_proxy_request m;
		size_t n;

		ret = m2mkx_proxy_request_parse(b, len, &m);
		if (ret)
			break;
		n = m.params.n;
		CHECK(len == preq_fixed + 8 * n + 8, "length is not 92 + 8n");
		CHECK(m.proxies == b + preq_fixed, "proxies not at offset 84");
		CHECK(m.tag == b + preq_fixed + 8 * n, "tag not at 84 + 8n");
		CHECK(m.ad_len == preq_fixed + 8 * n, "ad_len != 84 + 8n");
		CHECK(m.params.m == 0, "m is not 0");
		CHECK(same(b, len, ref_preq(scratch, &m)),
		      "parsed fields do not re-encode to the datagram");
		break;
	}
	case T_PROXY_LIST: {
		struct m2mkx_proxy_list m;
		size_t n;

		ret = m2mkx_proxy_list_parse(b, len, &m);
		if (ret)
			break;
		n = m.n;
		CHECK(len == pl_fixed + 8 * n + 8, "length is not 28 + 8n");
		CHECK(m.ids == b + pl_fixed, "ids not at offset 20");
		CHECK(m.tag == b + pl_fixed + 8 * n, "tag not at 20 + 8n");
		CHECK(m.ad_len == pl_fixed + 8 * n, "ad_len != 20 + 8n");
		CHECK(same(b, len, ref_plist(scratch, &m)),
		      "parsed fields do not re-encode to the datagram");
		break;
	}
	case T_KM_HDR: {
		struct m2mkx_key_material_hdr m;

		ret = m2mkx_key_material_hdr_parse(b, len, &m);
		if (ret)
			break;
		CHECK(len >= km_min_len, "shorter than the smallest KEY_MATERIAL");
		CHECK(m.ct == b + km_hdr, "ct not at offset 23");
		CHECK(m.ct_len == len - km_hdr - 8, "ct_len != len - 23 - 8");
		CHECK(m.ad_len == km_hdr, "ad_len != 23");
		CHECK(same(b, len, ref_kmhdr(scratch, &m, m.ct + m.ct_len)),
		      "parsed fields do not re-encode to the datagram");
		break;
	}
	case T_KM_PT: {
		struct m2mkx_key_material m;
		size_t h, po;

		ret = m2mkx_key_material_parse(b, len, &m);
		if (ret)
			break;
		h = m.height;
		po = km_pt_fixed + root_signed + 2 + m.root.sig_len;
		CHECK(m.root.params.n >= 1 && m.root.params.n <= 16,
		      "n out of range accepted");
		CHECK(h == ref_height(m.root.params.n), "height is not that of n");
		CHECK(m.q < m.root.params.n, "q >= n accepted");
		CHECK(m.root.sig_len >= 1 && m.root.sig_len <= 512,
		      "sig_len out of range");
		CHECK(len == po + 32 * h,
		      "length is not 33 + 142 + sig_len + 32h");
		CHECK(m.root.signed_part == b + km_pt_fixed, "root not at 33");
		CHECK(m.root.sig == b + km_pt_fixed + root_signed + 2,
		      "root sig not at 33 + 142");
		CHECK(m.path == b + po, "path not right after the root info");
		CHECK(m.root.params.m == 0, "m is not 0");
		CHECK(same(b, len, ref_kmpt(scratch, &m)),
		      "parsed fields do not re-encode to the plaintext");
		break;
	}
	case T_ROOT: {
		struct m2mkx_root_info m;
		size_t used = (size_t)-1;

		ret = m2mkx_root_info_parse(b, len, &m, &used);
		if (ret)
			break;
		CHECK(m.sig_len >= 1 && m.sig_len <= 512, "sig_len out of range");
		CHECK(used == root_signed + 2 + m.sig_len,
		      "*used is not 142 + sig_len");
		CHECK(used <= len, "*used beyond the buffer");
		CHECK(m.signed_part == b, "signed_part not at 0");
		CHECK(m.sig == b + root_signed + 2, "sig not at 142");
		CHECK(m.params.m == 0, "m is not 0");
		CHECK(same(b, used, ref_root(scratch, &m)),
		      "parsed fields do not re-encode to the root info");
		break;
	}
	case T_MATERIAL_ACK: {
		struct m2mkx_material_ack m;

		ret = m2mkx_material_ack_parse(b, len, &m);
		if (ret)
			break;
		CHECK(m.tag == b + 41, "tag not at offset 41");
		CHECK(m.ad_len == 41, "ad_len != 41");
		CHECK(same(b, len, ref_ack(scratch, &m)),
		      "parsed fields do not re-encode to the datagram");
		break;
	}
	case T_SHARES: {
		struct m2mkx_shares m;

		ret = m2mkx_shares_parse(b, len, &m);
		if (ret)
			break;
		CHECK(len == sh_hdr + (size_t)m.count *
		      (entry_fixed + m.share_len),
		      "length is not 62 + count * (17 + share_len)");
		CHECK(m.hdr == b, "hdr not at offset 0");
		CHECK(m.entries == b + sh_hdr, "entries not at offset 62");
		CHECK(same(b, len, ref_shares(scratch, &m)),
		      "parsed fields do not re-encode to the datagram");
		break;
	}
	case T_PROXY_HELLO: {
		struct m2mkx_proxy_hello m;

		ret = m2mkx_proxy_hello_parse(b, len, &m);
		if (!ret)
			CHECK(same(b, len, ref_phello(scratch, &m)),
			      "parsed fields do not re-encode to the datagram");
		break;
	}
	case T_CHALLENGE: {
		struct m2mkx_challenge m;

		ret = m2mkx_challenge_parse(b, len, &m);
		if (!ret)
			CHECK(same(b, len, ref_chal(scratch, &m)),
			      "parsed fields do not re-encode to the datagram");
		break;
	}
	case T_SIGNED_SHARE: {
		struct m2mkx_signed_share m;
		size_t ct, h, fixed, ots, rl;

		ret = m2mkx_signed_share_parse(b, len, p, &m);
		if (ret)
			break;
		ct = ref_share_len(p->share_mode, p->k) + 16;
		h = ref_height(p->n);
		ots = ref_ots_len(p->ots_type);
		fixed = ss_fixed + ct + 32 * h;
		CHECK(m.height == h, "height is not that of the session's n");
		CHECK(m.ct_len == ct, "ct_len is not share_len + 16");
		CHECK(m.e == b + 11, "E_i not at offset 11");
		CHECK(m.k == b + 43, "K_i not at offset 43");
		CHECK(m.ct == b + 75, "ct not at offset 75");
		CHECK(m.path == b + 75 + ct, "path not after ct");
		CHECK(m.root.signed_part == b + fixed, "root not after path");
		CHECK(m.root.sig == b + fixed + root_signed + 2,
		      "root sig not at root + 142");
		CHECK(m.signed_len == fixed + root_signed + 2 + m.root.sig_len,
		      "signed_len is not the bytes before ots_sig");
		CHECK(m.ots_sig == b + m.signed_len, "ots_sig not at signed_len");
		CHECK(m.ots_sig_len == ots, "ots_sig_len is not the type's");
		CHECK(len == m.signed_len + ots, "length is not signed_len + ots");
		CHECK(len == m2mkx_signed_share_len(p, m.root.sig_len),
		      "length is not m2mkx_signed_share_len()");
		CHECK(m.q < p->n, "q >= n accepted");
		CHECK(m.root.params.m == 0, "m is not 0");
		if (*why)
			break;
		rl = ref_sshare(scratch, &m, false);
		CHECK(rl == len && !memcmp(scratch, b, 75) &&
		      !memcmp(scratch + 75 + ct, b + 75 + ct,
			      m.signed_len - 75 - ct),
		      "parsed fields do not re-encode to the datagram");
		break;
	}
	case T_ANSWER: {
		struct m2mkx_answer m;

		ret = m2mkx_answer_parse(b, len, &m);
		if (ret)
			break;
		CHECK(m.ct == b + answer_ad, "ct not at offset 11");
		CHECK(same(b, len, ref_answer(scratch, &m)),
		      "parsed fields do not re-encode to the datagram");
		break;
	}
	case T_RELAY: {
		struct m2mkx_relay m;

		ret = m2mkx_relay_parse(b, len, &m);
		if (ret)
			break;
		CHECK(m.ypkg == b + 26, "ypkg not at offset 26");
		CHECK(m.tag == b + 50, "tag not at offset 50");
		CHECK(m.ad_len == 50, "ad_len != 50");
		CHECK(same(b, len, ref_relay(scratch, &m)),
		      "parsed fields do not re-encode to the datagram");
		break;
	}
	case T_FINAL_REQUEST: {
		struct m2mkx_final_request m;

		ret = m2mkx_final_request_parse(b, len, &m);
		if (ret)
			break;
		CHECK(m.tag == b + 18, "tag not at offset 18");
		CHECK(m.ad_len == 18, "ad_len != 18");
		CHECK(same(b, len, ref_freq(scratch, &m)),
		      "parsed fields do not re-encode to the datagram");
		break;
	}
	case T_FINAL: {
		struct m2mkx_final m;
		size_t n;

		ret = m2mkx_final_parse(b, len, &m);
		if (ret)
			break;
		n = m.params.n;
		CHECK(len == fin_fixed + 9 * n + 8, "length is not 35 + 9n");
		CHECK(m.entries == b + fin_fixed, "entries not at offset 27");
		CHECK(m.tag == b + fin_fixed + 9 * n, "tag not at 27 + 9n");
		CHECK(m.ad_len == fin_fixed + 9 * n, "ad_len != 27 + 9n");
		CHECK(same(b, len, ref_final(scratch, &m)),
		      "parsed fields do not re-encode to the datagram");
		break;
	}
	case T_PEEK:
		ret = m2mkx_msg_peek(b, len);
		break;
	case T_SERVER_ROUTE:
	case T_PROXY_ROUTE: {
		u8 s[M2MKX_SESSION_LEN];
		int off;

		memset(s, 0xee, sizeof(s));
		ret = t == T_SERVER_ROUTE ? m2mkx_server_route(b, len, s) :
					    m2mkx_proxy_route(b, len, s);
		if (ret <= 0)
			break;
		off = route_off(t == T_SERVER_ROUTE, ret);
		CHECK(off >= 0, "routed a type it does not route");
		CHECK(len >= (size_t)off + 8, "routed a datagram too short");
		CHECK(!memcmp(s, b + off, 8), "session id not from its offset");
		break;
	}
	}
	return ret;
}

/* Runs @t on a heap copy of exactly @len bytes (ASan sees both ends). */
static int parse_exact(int t, const u8 *b, size_t len,
		       const struct m2mkx_params *p)
{
	u8 *c = malloc(len ? len : 1);
	const char *why;
	int ret;

	if (!c)
		abort();
	memcpy(c, b, len);
	ret = run_parse(t, c, len, p, &why);
	if (!ret && why) {
		tap_diag("%s accepted a datagram but %s", tname[t], why);
		ret = EWRONG;
	}
	free(c);
	return ret;
}

/* @b's first @len bytes, cut or padded with random bytes to @newlen. */
static u8 *dup_to(const u8 *b, size_t len, size_t newlen)
{
	u8 *c = malloc(newlen ? newlen : 1);
	size_t i;

	if (!c)
		abort();
	memcpy(c, b, len < newlen ? len : newlen);
	for (i = len; i < newlen; i++)
		c[i] = (u8)xs();
	return c;
}

static int parse_len(int t, const u8 *b, size_t len, size_t newlen,
		     const struct m2mkx_params *p)
{
	u8 *c = dup_to(b, len, newlen);
	int ret = parse_exact(t, c, newlen, p);

	free(c);
	return ret;
}

/* @b with byte @off set to @v. */
static int parse_set8(int t, const u8 *b, size_t len, size_t off, u8 v,
		      const struct m2mkx_params *p)
{
	u8 *c = dup_to(b, len, len);
	int ret;

	c[off] = v;
	ret = parse_exact(t, c, len, p);
	free(c);
	return ret;
}

static int parse_set16(int t, const u8 *b, size_t len, size_t off, unsigned int v,
		       const struct m2mkx_params *p)
{
	u8 *c = dup_to(b, len, len);
	int ret;

	c[off] = (u8)(v >> 8);
	c[off + 1] = (u8)v;
	ret = parse_exact(t, c, len, p);
	free(c);
	return ret;
}

static int parse_set32(int t, const u8 *b, size_t len, size_t off, u32 v,
		       const struct m2mkx_params *p)
{
	u8 *c = dup_to(b, len, len);
	int ret;

	c[off] = (u8)(v >> 24);
	c[off + 1] = (u8)(v >> 16);
	c[off + 2] = (u8)(v >> 8);
	c[off + 3] = (u8)v;
	ret = parse_exact(t, c, len, p);
	free(c);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Reference validator: the verdict the comments in wire.h call for. */

static int ref_peek(const u8 *b, size_t len)
{
	if (len < 2)
		return ESHO;
	if (b[1] != M2MKX_VERSION)
		return EVER;
	if (b[0] < M2MKX_MSG_HELLO || b[0] > M2MKX_MSG_FINAL)
		return ETYP;
	return b[0];
}

static int ref_root_at(const u8 *r, size_t avail, size_t *used)
{
	unsigned int sl;

	if (avail < root_signed + 2)
		return ELEN;
	sl = get16(r + o_root_siglen);
	if (sl < 1 || sl > M2MKX_ROOT_SIG_MAX_LEN)
		return EPAR;
	if (avail < root_signed + 2 + sl)
		return ELEN;
	*used = root_signed + 2 + sl;
	return ref_params_at(r + o_root_params, false, false);
}

/* q(1) | seed(32) | root_info | path(h * 32), h from the root's n. */
static bool ref_kmpt_ok(const u8 *b, size_t len)
{
	size_t used, off = km_pt_fixed;
	unsigned int n;

	if (len < off || ref_root_at(b + off, len - off, &used))
		return false;
	n = b[off + o_root_n];
	return len == off + used + 32 * ref_height(n) && b[0] < n;
}

/*
 * The verdict for @t on @b. *@exact says whether the parser must return
 * this very code; when false (the order between two failures is not
 * specified) only acceptance must agree.
 */
static int ref_verdict(int t, const u8 *b, size_t len,
		       const struct m2mkx_params *p, bool *exact)
{
	unsigned int n, sl, c, i;
	size_t used, want;
	int ret, off;

	*exact = true;
	switch (t) {
	case T_PEEK:
		return ref_peek(b, len);
	case T_SERVER_ROUTE:
	case T_PROXY_ROUTE:
		ret = ref_peek(b, len);
		if (ret < 0)
			return ret;
		off = route_off(t == T_SERVER_ROUTE, ret);
		if (off < 0)
			return ETYP;
		return len < (size_t)off + 8 ? ELEN : ret;
	case T_ROOT:
		*exact = false;
		return ref_root_at(b, len, &used);
	case T_KM_PT:
		*exact = false;
		return ref_kmpt_ok(b, len) ? 0 : ELEN;
	}
	ret = ref_peek(b, len);
	if (ret < 0)
		return ret;
	if ((unsigned int)ret != ttype(t))
		return ETYP;
	switch (t) {
	case T_HELLO:
		/* With or without B's 16-byte cookie at the end. */
		if (len != LSUM(L_HELLO) && len != LSUM(L_HELLO) + 16)
			return ELEN;
		return ref_params_at(b + o_hello_params, true, true);
	case T_HELLO_REPLY:
		if (len != LSUM(L_HELLO_REPLY))
			return ELEN;
		/* Any non-zero status is a refusal, named or not. */
		if (b[o_hr_status])
			return 0;
		return ref_params_at(b + o_hr_params, true, true);
	case T_PROXY_REQUEST:
		if (len <= o_preq_n)
			return ELEN;
		n = b[o_preq_n];
		if (n < 1 || n > 16)
			return EPAR;
		if (len != preq_fixed + 8 * n + 8)
			return ELEN;
		if (!get16(b + o_preq_life))
			return EPAR;
		return ref_params_at(b + o_preq_params, false, false);
	case T_PROXY_LIST:
		if (len <= o_pl_n)
			return ELEN;
		n = b[o_pl_n];
		if (n > 16)
			return EPAR;
		if (len != pl_fixed + 8 * n + 8)
			return ELEN;
		/* A refusal (any non-zero status) lists no proxies. */
		return !b[o_pl_status] == !!n ? 0 : EPAR;
	case T_KM_HDR:
		return len < km_min_len ? ELEN : 0;
	case T_MATERIAL_ACK:
		if (len != LSUM(L_ACK))
			return ELEN;
		return b[o_ack_q] < 16 ? 0 : EPAR;
	case T_SHARES:
		if (len < sh_hdr)
			return ELEN;
		sl = b[o_sh_sl];
		c = b[o_sh_count];
		if (sl < 1 || sl > 32 || c < 1 || c > 16)
			return EPAR;
		return len == sh_hdr + c * (entry_fixed + sl) ? 0 : ELEN;
	case T_PROXY_HELLO:
		if (len != LSUM(L_PHELLO))
			return ELEN;
		return b[o_ph_q] < 16 ? 0 : EPAR;
	case T_CHALLENGE:
		if (len != LSUM(L_CHAL))
			return ELEN;
		return b[o_ch_q] < 16 ? 0 : EPAR;
	case T_SIGNED_SHARE: {
		size_t ots = ref_ots_len(p->ots_type);
		size_t fixed = ss_fixed + ref_share_len(p->share_mode, p->k) +
			       16 + 32 * ref_height(p->n);

		if (len < fixed + root_signed + 2 + 1 + ots)
			return ELEN;
		*exact = false;
		ret = ref_root_at(b + fixed, len - fixed - ots, &used);
		if (ret)
			return ret;
		want = fixed + used + ots;
		if (len != want)
			return ELEN;
		return b[o_ss_q] < p->n ? 0 : EPAR;
	}
	case T_ANSWER:
		if (len != LSUM(L_ANSWER))
			return ELEN;
		return b[o_an_q] < 16 ? 0 : EPAR;
	case T_RELAY:
		return len == LSUM(L_RELAY) ? 0 : ELEN;
	case T_FINAL_REQUEST:
		return len == LSUM(L_FREQ) ? 0 : ELEN;
	case T_FINAL:
		if (len <= o_fin_n)
			return ELEN;
		n = b[o_fin_n];
		if (n < 1 || n > 16)
			return EPAR;
		if (len != fin_fixed + 9 * n + 8)
			return ELEN;
		for (i = 0; i < n; i++)
			if (b[fin_fixed + 9 * i + 8] > M2MKX_VERDICT_LATE)
				return EPAR;
		/* B's view of the negotiation: m >= 1 as in HELLO. */
		return ref_params_at(b + o_fin_params, true, true);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Valid messages built by the round trips, kept for the other tests. */

struct sample {
	int t;
	size_t len;
	u8 *buf;
	struct m2mkx_params p;
};

#define POOL_MAX 2048
static struct sample pool[POOL_MAX];
static unsigned int npool;

static void pool_add(int t, const u8 *b, size_t len,
		     const struct m2mkx_params *p)
{
	struct sample *s;

	if (npool == POOL_MAX)
		return;
	s = &pool[npool++];
	s->t = t;
	s->len = len;
	s->buf = dup_to(b, len, len);
	if (p)
		s->p = *p;
	else
		memset(&s->p, 0, sizeof(s->p));
}

/* ------------------------------------------------------------------ */
/* The checks every valid message gets. */

/*
 * @ref is the reference datagram (@len bytes, which the M2MKX_*_LEN macro
 * gives as @macro_len); @enc is what the encoder wrote into a buffer of
 * @enc_cap bytes prefilled with CANARY, returning @enc_ret, where the
 * layout puts the first field made by cryptography at @enc_want. Bytes
 * [@skip, @skip + @skip_len) are left to the caller by the encoder.
 */
static void check_msg(int t, const char *what, const u8 *ref, size_t len,
		      size_t macro_len, const u8 *enc, size_t enc_ret,
		      size_t enc_want, size_t enc_cap, size_t skip,
		      size_t skip_len, const struct m2mkx_params *p)
{
	size_t i;
	bool ok = true;

	chk_int((long long)len, (long long)macro_len,
		"%s: the documented layout is %zu bytes, as the LEN macro says",
		what, len);
	chk_int((long long)enc_ret, (long long)enc_want,
		"%s: encoder returns the offset of the first crypto field",
		what);
	for (i = 0; i < enc_cap && ok; i++) {
		if (i >= skip && i < skip + skip_len)
			ok = enc[i] == CANARY;
		else if (i < enc_want)
			ok = enc[i] == ref[i];
		else
			ok = enc[i] == CANARY;
	}
	if (!chk(ok, "%s: encoder writes the documented bytes and nothing else",
		 what) && !cur_agg) {
		tap_diag("first difference at offset %zu", i - 1);
		hexdiag("encoder", enc, enc_want);
		hexdiag("reference", ref, enc_want);
	}
	chk_int(parse_exact(t, ref, len, p), 0,
		"%s: parses back, every field and offset as documented", what);
	pool_add(t, ref, len, p);
}

/* Truncation, extension, version and type checks on a valid message. */
static void check_strict(int t, const char *what, const u8 *b, size_t len,
			 const struct m2mkx_params *p)
{
	static const u8 bad_types[] = { 0, 15, 16, 17, 0x80, 255 };
	static const u8 bad_versions[] = { 0, 2, 0x81, 255 };
	unsigned int i, ty = ttype(t);
	size_t l, step;
	struct agg a, *outer = cur_agg;
	int want;

	if (t == T_ROOT) {
		/* A root info is read from a longer buffer: extra is fine. */
		struct m2mkx_root_info m;
		size_t used = 0;
		u8 *c = dup_to(b, len, len + 7);

		chk(m2mkx_root_info_parse(c, len + 7, &m, &used) == 0 &&
		    used == len,
		    "%s: followed by 7 more bytes, parses with *used = %zu",
		    what, len);
		free(c);
	} else {
		want = t == T_KM_HDR ? 0 : ELEN;
		chk_int(parse_len(t, b, len, len + 1, p), want,
			"%s: one byte longer -> %s", what, ename(want));
	}
	want = t == T_KM_HDR && len > km_min_len ? 0 : ELEN;
	chk_int(parse_len(t, b, len, len - 1, p), want,
		"%s: one byte shorter -> %s", what, ename(want));

	/* Every truncation (every 7th past 600 bytes, and the last 64). */
	if (!outer)
		agg_begin(&a);
	step = len > 600 ? 7 : 1;
	for (l = 0; l < len; l++) {
		if (l % step && l + 64 < len)
			continue;
		if (t < T_FRAMED_END && l < 2)
			want = ESHO;
		else if (t == T_KM_HDR && l >= km_min_len)
			want = 0;
		else
			want = ELEN;
		chk_int(parse_len(t, b, len, l, p), want,
			"%s: cut to %zu bytes -> %s", what, l, ename(want));
	}
	if (!outer)
		agg_end(&a, "%s: every truncation refused as too short or "
			"bad_length", what);
	if (t >= T_FRAMED_END)
		return;

	if (!outer)
		agg_begin(&a);
	for (i = 0; i < sizeof(bad_versions); i++)
		chk_int(parse_set8(t, b, len, 1, bad_versions[i], p), EVER,
			"%s: version byte %u -> bad_version", what,
			bad_versions[i]);
	for (i = 0; i < sizeof(bad_types); i++) {
		chk_int(parse_set8(t, b, len, 0, bad_types[i], p), ETYP,
			"%s: type byte %u -> bad_type", what, bad_types[i]);
		chk_int(parse_set8(T_PEEK, b, len, 0, bad_types[i], p), ETYP,
			"%s: msg_peek, type byte %u -> bad_type", what,
			bad_types[i]);
	}
	for (i = M2MKX_MSG_HELLO; i <= M2MKX_MSG_FINAL; i++)
		if (i != ty)
			chk_int(parse_set8(t, b, len, 0, (u8)i, p), ETYP,
				"%s: type byte changed to %u -> bad_type", what,
				i);
	chk_int(parse_exact(T_PEEK, b, len, p), (long long)ty,
		"%s: msg_peek returns its type", what);
	if (!outer)
		agg_end(&a, "%s: bad version and type bytes refused with their "
			"own codes", what);
}

/* Every range-checked parameter at @off set out of range: EPARAMS. */
static void check_params(int t, const char *what, const u8 *b, size_t len,
			 size_t off, bool with_m, bool need_m,
			 const struct m2mkx_params *p)
{
	static const u32 bad_ots[] = { 0, 5, 0x00000009, 0xe0000000,
				       0xe0000002, 0xffffffff };
	static const u8 bad_suite[] = { 0, 2, 255 };
	static const u8 bad_mode[] = { 0, 3, 255 };
	unsigned int n = b[off + 6], i;

	for (i = 0; i < sizeof(bad_suite); i++)
		chk_int(parse_set8(t, b, len, off, bad_suite[i], p), EPAR,
			"%s: suite %u -> bad_params", what, bad_suite[i]);
	for (i = 0; i < sizeof(bad_ots) / sizeof(bad_ots[0]); i++)
		chk_int(parse_set32(t, b, len, off + 1, bad_ots[i], p), EPAR,
			"%s: ots_type 0x%08x -> bad_params", what,
			(unsigned int)bad_ots[i]);
	for (i = 0; i < sizeof(bad_mode); i++)
		chk_int(parse_set8(t, b, len, off + 5, bad_mode[i], p), EPAR,
			"%s: share_mode %u -> bad_params", what, bad_mode[i]);
	chk_int(parse_set8(t, b, len, off + 6, 0, p), EPAR,
		"%s: n = 0 -> bad_params", what);
	chk_int(parse_set8(t, b, len, off + 6, 17, p), EPAR,
		"%s: n = 17 -> bad_params", what);
	chk_int(parse_set8(t, b, len, off + 6, 255, p), EPAR,
		"%s: n = 255 -> bad_params", what);
	chk_int(parse_set8(t, b, len, off + 7, 0, p), EPAR,
		"%s: k = 0 -> bad_params", what);
	chk_int(parse_set8(t, b, len, off + 7, (u8)(n + 1), p), EPAR,
		"%s: k = n + 1 -> bad_params", what);
	chk_int(parse_set8(t, b, len, off + 7, 255, p), EPAR,
		"%s: k = 255 -> bad_params", what);
	if (!with_m)
		return;
	chk_int(parse_set8(t, b, len, off + 8, (u8)(n + 1), p), EPAR,
		"%s: m = n + 1 -> bad_params", what);
	chk_int(parse_set8(t, b, len, off + 8, 255, p), EPAR,
		"%s: m = 255 -> bad_params", what);
	if (need_m)
		chk_int(parse_set8(t, b, len, off + 8, 0, p), EPAR,
			"%s: m = 0 -> bad_params", what);
	chk_int(parse_set8(t, b, len, off + 8, (u8)n, p), 0,
		"%s: m = n is accepted", what);
	chk_int(parse_set8(t, b, len, off + 7, (u8)n, p), 0,
		"%s: k = n is accepted", what);
}

/* ------------------------------------------------------------------ */
/* 1. The layouts against their stated sizes and the macros. */

static void test_layouts(void)
{
	struct agg a;
	unsigned int n, h, i, c, sl;
	static const size_t sigs[] = { 1, 256, 384, 512 };

	tap_is_int((long long)LSUM(L_HELLO), 43, "HELLO layout adds up to the stated 43 bytes");
	tap_is_int(M2MKX_HELLO_LEN, (long long)LSUM(L_HELLO), "M2MKX_HELLO_LEN matches the HELLO layout");
	tap_is_int((long long)LSUM(L_HELLO_REPLY), 68, "HELLO_REPLY layout adds up to the stated 68 bytes");
	tap_is_int(M2MKX_HELLO_REPLY_LEN, (long long)LSUM(L_HELLO_REPLY), "M2MKX_HELLO_REPLY_LEN matches the layout");
	tap_is_int((long long)(preq_fixed + 8), 92, "PROXY_REQUEST layout is the stated 92 + 8n bytes");
	tap_is_int((long long)o_preq_n, 64, "PROXY_REQUEST n is at offset 64");
	tap_is_int((long long)(pl_fixed + 8), 28, "PROXY_LIST layout is the stated 28 + 8n bytes");
	tap_is_int((long long)o_pl_n, 19, "PROXY_LIST n is at offset 19");
	agg_begin(&a);
	for (n = 0; n <= 17; n++) {
		chk_int(M2MKX_PROXY_REQUEST_LEN(n), (long long)(preq_fixed + 8 * n + 8), "PROXY_REQUEST_LEN(%u)", n);
		chk_int(M2MKX_PROXY_LIST_LEN(n), (long long)(pl_fixed + 8 * n + 8), "PROXY_LIST_LEN(%u)", n);
		chk_int(M2MKX_FINAL_LEN(n), (long long)(fin_fixed + 9 * n + 8), "FINAL_LEN(%u)", n);
	}
	agg_end(&a, "M2MKX_PROXY_REQUEST_LEN, _PROXY_LIST_LEN, _FINAL_LEN match the layouts for n = 0..17");

	tap_is_int((long long)root_signed, 140, "root info: the stated 140 signed bytes before sig_len");
	tap_is_int(M2MKX_ROOT_INFO_SIGNED_LEN, (long long)root_signed, "M2MKX_ROOT_INFO_SIGNED_LEN matches the layout");
	tap_is_int((long long)o_root_n, 66, "root info: n at offset 66");
	agg_begin(&a);
	for (i = 0; i < 4; i++)
		chk_int(M2MKX_ROOT_INFO_LEN(sigs[i]), (long long)(root_signed + 2 + sigs[i]), "ROOT_INFO_LEN(%zu)", sigs[i]);
	agg_end(&a, "M2MKX_ROOT_INFO_LEN is the stated 142 + sig");

	tap_is_int((long long)km_hdr, 23, "KEY_MATERIAL: the AD is the stated 23 bytes before the ciphertext");
	tap_is_int(M2MKX_KEY_MATERIAL_HDR_LEN, (long long)km_hdr, "M2MKX_KEY_MATERIAL_HDR_LEN matches the layout");
	agg_begin(&a);
	for (h = 0; h <= 4; h++)
		for (i = 0; i < 4; i++) {
			size_t pt = km_pt_fixed + 32 * h + root_signed + 2 + sigs[i];

			chk_int(M2MKX_KEY_MATERIAL_PT_LEN(h, sigs[i]), (long long)pt, "KEY_MATERIAL_PT_LEN(%u, %zu)", h, sigs[i]);
			chk_int(M2MKX_KEY_MATERIAL_LEN(h, sigs[i]), (long long)(km_hdr + pt + 8), "KEY_MATERIAL_LEN(%u, %zu)", h, sigs[i]);
		}
	agg_end(&a, "M2MKX_KEY_MATERIAL_PT_LEN and _LEN match the layout for h = 0..4");

	tap_is_int((long long)LSUM(L_ACK), 49, "MATERIAL_ACK layout adds up to the stated 49 bytes");
	tap_is_int(M2MKX_MATERIAL_ACK_LEN, (long long)LSUM(L_ACK), "M2MKX_MATERIAL_ACK_LEN matches the layout");
	tap_is_int((long long)sh_hdr, 62, "SHARES header is the stated 62 bytes");
	tap_is_int(M2MKX_SHARES_HDR_LEN, (long long)sh_hdr, "M2MKX_SHARES_HDR_LEN matches the layout");
	tap_is_int((long long)o_sh_sl, 60, "SHARES share_len at offset 60");
	agg_begin(&a);
	for (sl = 0; sl <= 33; sl++) {
		chk_int(M2MKX_SHARES_ENTRY_LEN(sl), (long long)(entry_fixed + sl), "SHARES_ENTRY_LEN(%u)", sl);
		for (c = 0; c <= 17; c++)
			chk_int(M2MKX_SHARES_LEN(c, sl), (long long)(sh_hdr + c * (entry_fixed + sl)), "SHARES_LEN(%u, %u)", c, sl);
	}
	agg_end(&a, "M2MKX_SHARES_ENTRY_LEN and _SHARES_LEN match the layout");
	tap_is_int((long long)LSUM(L_PHELLO), 59, "PROXY_HELLO layout adds up to the stated 59 bytes");
	tap_is_int(M2MKX_PROXY_HELLO_LEN, (long long)LSUM(L_PHELLO), "M2MKX_PROXY_HELLO_LEN matches the layout");
	tap_is_int((long long)LSUM(L_CHAL), 43, "CHALLENGE layout adds up to the stated 43 bytes");
	tap_is_int(M2MKX_CHALLENGE_LEN, (long long)LSUM(L_CHAL), "M2MKX_CHALLENGE_LEN matches the layout");
	tap_is_int(M2MKX_SIGNED_SHARE_FIXED_LEN, (long long)ss_fixed, "M2MKX_SIGNED_SHARE_FIXED_LEN is the fixed part of the layout");
	tap_is_int((long long)ss_ad, 43, "SIGNED_SHARE: the stated 43 AD bytes are those before K_i");
	tap_is_int(M2MKX_SIGNED_SHARE_AD_LEN, (long long)ss_ad, "M2MKX_SIGNED_SHARE_AD_LEN matches the layout");
	tap_is_int((long long)LSUM(L_ANSWER), 11 + 24 + 16, "ANSWER layout is the stated 11 + 24 + 16 bytes");
	tap_is_int(M2MKX_ANSWER_LEN, (long long)LSUM(L_ANSWER), "M2MKX_ANSWER_LEN matches the layout");
	tap_is_int(M2MKX_YPKG_LEN, 24, "the y package is 16 + 8 bytes");
	tap_is_int((long long)LSUM(L_RELAY), 58, "RELAY layout adds up to the stated 58 bytes");
	tap_is_int(M2MKX_RELAY_LEN, (long long)LSUM(L_RELAY), "M2MKX_RELAY_LEN matches the layout");
	tap_is_int((long long)LSUM(L_FREQ), 26, "FINAL_REQUEST layout adds up to the stated 26 bytes");
	tap_is_int(M2MKX_FINAL_REQUEST_LEN, (long long)LSUM(L_FREQ), "M2MKX_FINAL_REQUEST_LEN matches the layout");
	tap_is_int((long long)(fin_fixed + 8), 35, "FINAL layout is the stated 35 + 9n bytes");
	tap_is_int((long long)o_fin_n, 24, "FINAL n at offset 24");

	/* The sizes the layouts are typed in with. */
	tap_ok(M2MKX_ID_LEN == 8 && M2MKX_SESSION_LEN == 8 && M2MKX_NONCE_LEN == 16 &&
	       M2MKX_COMMIT_LEN == 16 && M2MKX_TAG_LEN == 8 && M2MKX_CONFIRM_LEN == 16 &&
	       M2MKX_ENDPOINT_LEN == 18 && M2MKX_PROXY_ID_LEN == 8 &&
	       M2MKX_CCM_NONCE_LEN == 13 && M2MKX_X25519_LEN == 32 &&
	       M2MKX_OTS_HASH_LEN == 32 && M2MKX_OTS_SEED_LEN == 32 &&
	       M2MKX_LMS_I_LEN == 16 && M2MKX_TKEY_ID_LEN == 20 &&
	       M2MKX_CHACHAPOLY_TAG_LEN == 16,
	       "field size macros are the sizes in the layout comments");

	agg_begin(&a);
	for (i = 0; i < NOTS; i++) {
		chk_int((long long)m2mkx_ots_sig_len(ots_types[i]), (long long)ots_sig_lens[i], "m2mkx_ots_sig_len(%s)", ots_names[i]);
		chk(ots_sig_lens[i] <= M2MKX_OTS_MAX_SIG_LEN, "%s fits M2MKX_OTS_MAX_SIG_LEN", ots_names[i]);
	}
	chk_int((long long)m2mkx_ots_sig_len(0), 0, "m2mkx_ots_sig_len(0)");
	chk_int((long long)m2mkx_ots_sig_len(5), 0, "m2mkx_ots_sig_len(5)");
	agg_end(&a, "OTS signature lengths are RFC 8554's and Lamport's 4 + 512 * 32");

	/* m2mkx_signed_share_len() against the layout for every session. */
	agg_begin(&a);
	{
		size_t max = 0;

		for (i = 0; i < NOTS; i++)
			for (n = 1; n <= 16; n++)
				for (c = 1; c <= n; c++)
					for (sl = 1; sl <= 2; sl++) {
						struct m2mkx_params p = { M2MKX_SUITE_V1, (u8)sl, (u8)n, (u8)c, 1, ots_types[i] };
						size_t s, want = ss_fixed + ref_share_len(sl, c) + 16 + 32 * ref_height(n) + root_signed + 2 + 512 + ots_sig_lens[i];

						s = m2mkx_signed_share_len(&p, 512);
						chk_int((long long)s, (long long)want, "signed_share_len(%s, 512)", pstr(&p));
						if (s > max)
							max = s;
					}
		chk(max <= M2MKX_SIGNED_SHARE_MAX_LEN, "M2MKX_SIGNED_SHARE_MAX_LEN (%zu) holds the largest SIGNED_SHARE (%zu)", (size_t)M2MKX_SIGNED_SHARE_MAX_LEN, max);
	}
	agg_end(&a, "m2mkx_signed_share_len() follows the layout for every OTS type, mode, n, k");
}

/* ------------------------------------------------------------------ */
/* 2. Round trips and strictness, message by message. */

static u8 blob[BIG];
static u8 encbuf[BIG];

static void enc_clear(size_t cap)
{
	memset(encbuf, CANARY, cap);
}

static void test_hello(void)
{
	unsigned int i;

	for (i = 0; i < 20; i++) {
		struct m2mkx_hello m;
		u8 ref[64];
		char what[96];
		size_t len, r;

		rnd(&m, sizeof(m));
		/* Every fourth with a cookie; the strict checks run without. */
		m.has_cookie = i % 4 == 1;
		pick_params(&m.params, i < 16 ? i + 1 : 1 + rnd_below(16), i);
		len = ref_hello(ref, &m);
		snprintf(what, sizeof(what), "HELLO%s %s",
			 m.has_cookie ? " with cookie" : "", pstr(&m.params));
		enc_clear(128);
		r = m2mkx_hello_encode(encbuf, &m);
		check_msg(T_HELLO, what, ref, len,
			  m.has_cookie ? M2MKX_HELLO_COOKIE_LEN : M2MKX_HELLO_LEN,
			  encbuf, r, len, 128, 0, 0, NULL);
		if (i == 0 || i == 15) {
			check_strict(T_HELLO, what, ref, len, NULL);
			check_params(T_HELLO, what, ref, len, o_hello_params, true, true, NULL);
		}
	}
}

/*
 * The two lengths of HELLO: 43 bytes parse without a cookie, 59 with the
 * last 16 as the cookie, both encode back to the same bytes, and no other
 * length between or around them parses.
 */
static void test_hello_cookie(void)
{
	struct m2mkx_hello m, back;
	u8 buf[M2MKX_HELLO_COOKIE_LEN + 1];
	size_t len;
	int with;

	for (with = 0; with < 2; with++) {
		const char *what = with ? "HELLO with cookie" : "HELLO";

		memset(&m, 0, sizeof(m));
		rnd(m.a, sizeof(m.a));
		rnd(m.b, sizeof(m.b));
		rnd(m.n_a, sizeof(m.n_a));
		pick_params(&m.params, 5, 3);
		m.has_cookie = with;
		rnd(m.cookie, sizeof(m.cookie));
		memset(buf, CANARY, sizeof(buf));
		len = m2mkx_hello_encode(buf, &m);
		tap_is_int((long long)len,
			   with ? M2MKX_HELLO_COOKIE_LEN : M2MKX_HELLO_LEN,
			   "%s: encodes to its length", what);
		tap_ok(buf[len] == CANARY, "%s: nothing written beyond", what);
		memset(&back, 0xa5, sizeof(back));
		tap_is_int(m2mkx_hello_parse(buf, len, &back), 0,
			   "%s: parses back", what);
		tap_ok(back.has_cookie == !!with, "%s: has_cookie is %d", what,
		       with);
		if (!with)
			memset(m.cookie, 0, sizeof(m.cookie));
		tap_is_mem(back.cookie, m.cookie, sizeof(m.cookie),
			   "%s: the cookie (zero when absent)", what);
		tap_ok(!memcmp(back.a, m.a, sizeof(m.a)) &&
		       !memcmp(back.b, m.b, sizeof(m.b)) &&
		       !memcmp(back.n_a, m.n_a, sizeof(m.n_a)),
		       "%s: A, B and N_A round-trip", what);
		tap_is_int(m2mkx_hello_parse(buf, len - 1, &back), ELEN,
			   "%s: one byte shorter -> bad_length", what);
		tap_is_int(m2mkx_hello_parse(buf, len + 1, &back), ELEN,
			   "%s: one byte longer -> bad_length", what);
	}
	tap_is_int(m2mkx_hello_parse(buf, M2MKX_HELLO_LEN + 8, &back), ELEN,
		   "HELLO with half a cookie -> bad_length");
}

static void test_hello_reply(void)
{
	unsigned int i;

	for (i = 0; i < 24; i++) {
		struct m2mkx_hello_reply m;
		u8 ref[80];
		char what[120];
		size_t len, r;

		rnd(&m, sizeof(m));
		pick_params(&m.params, i < 16 ? i + 1 : 1 + rnd_below(16), i);
		/* Accepted replies, then refusals with each reason. */
		m.status = i < 16 ? 0 : (u8)(1 + (i - 16) * 4);
		if (m.status) {
			memset(m.n_b, 0, sizeof(m.n_b));
			memset(m.session, 0, sizeof(m.session));
		}
		len = ref_hello_reply(ref, &m);
		snprintf(what, sizeof(what), "HELLO_REPLY status=%u %s", m.status, pstr(&m.params));
		enc_clear(128);
		r = m2mkx_hello_reply_encode(encbuf, &m);
		check_msg(T_HELLO_REPLY, what, ref, len, M2MKX_HELLO_REPLY_LEN, encbuf, r, len, 128, 0, 0, NULL);
		if (i == 1 || i == 14) {
			check_strict(T_HELLO_REPLY, what, ref, len, NULL);
			check_params(T_HELLO_REPLY, what, ref, len, o_hr_params, true, true, NULL);
			/* "Any non-zero status is a refusal, also one this
			 * version has no name for." */
			chk_int(parse_set8(T_HELLO_REPLY, ref, len, o_hr_status, M2MKX_ERR_COUNT, NULL), 0,
				"%s: status M2MKX_ERR_COUNT is a refusal", what);
			chk_int(parse_set8(T_HELLO_REPLY, ref, len, o_hr_status, 255, NULL), 0,
				"%s: status 255 is a refusal", what);
		}
		if (i == 16) {
			u8 *c = dup_to(ref, len, len);

			/* A refusal's parameters are not its business. */
			memset(c + o_hr_params, 0xff, 9);
			chk_int(parse_exact(T_HELLO_REPLY, c, len, NULL), 0, "%s: a refusal with garbage parameters parses", what);
			c[o_hr_status] = M2MKX_ERR_COUNT - 1;
			chk_int(parse_exact(T_HELLO_REPLY, c, len, NULL), 0, "%s: status M2MKX_ERR_COUNT - 1 parses", what);
			c[o_hr_status] = 255;
			chk_int(parse_exact(T_HELLO_REPLY, c, len, NULL), 0, "%s: status 255 (no name yet) parses", what);
			free(c);
		}
	}
}

static void test_proxy_request(void)
{
	unsigned int n;

	for (n = 1; n <= 16; n++) {
		struct m2mkx_proxy_request m;
		u8 ref[256];
		char what[96];
		size_t len, r;

		rnd(&m, sizeof(m));
		pick_params(&m.params, n, n);
		rnd(blob, 8 * n + 8);
		m.proxies = blob;
		m.tag = blob + 8 * n;
		if (n == 1)
			m.lifetime_s = 1;
		else if (n == 2)
			m.lifetime_s = 0xffff;
		if (!m.lifetime_s)
			m.lifetime_s = 300;
		len = ref_preq(ref, &m);
		snprintf(what, sizeof(what), "PROXY_REQUEST %s", pstr(&m.params));
		enc_clear(512);
		r = m2mkx_proxy_request_encode(encbuf, &m);
		check_msg(T_PROXY_REQUEST, what, ref, len, M2MKX_PROXY_REQUEST_LEN(n), encbuf, r, len - 8, 512, 0, 0, &m.params);
		check_strict(T_PROXY_REQUEST, what, ref, len, NULL);
		if (n == 1 || n == 7 || n == 16) {
			check_params(T_PROXY_REQUEST, what, ref, len, o_preq_params, false, false, NULL);
			chk_int(parse_set16(T_PROXY_REQUEST, ref, len, o_preq_life, 0, NULL), EPAR,
				"%s: lifetime_s = 0 -> bad_params", what);
			chk_int(parse_set16(T_PROXY_REQUEST, ref, len, o_preq_life, 1, NULL), 0,
				"%s: lifetime_s = 1 is accepted", what);
		}
	}
}

static void test_proxy_list(void)
{
	unsigned int i;

	for (i = 0; i < 24; i++) {
		struct m2mkx_proxy_list m;
		u8 ref[256];
		char what[96];
		size_t len, r;

		rnd(&m, sizeof(m));
		if (i < 16) {
			m.n = (u8)(i + 1);
			m.status = 0;
		} else {
			/* T's refusal: a reason and no proxies. */
			m.n = 0;
			m.status = (u8)(1 + (i - 16) * 4);
		}
		rnd(blob, 8u * m.n + 8);
		m.ids = blob;
		m.tag = blob + 8u * m.n;
		len = ref_plist(ref, &m);
		snprintf(what, sizeof(what), "PROXY_LIST status=%u n=%u", m.status, m.n);
		enc_clear(512);
		r = m2mkx_proxy_list_encode(encbuf, &m);
		check_msg(T_PROXY_LIST, what, ref, len, M2MKX_PROXY_LIST_LEN(m.n), encbuf, r, len - 8, 512, 0, 0, NULL);
		check_strict(T_PROXY_LIST, what, ref, len, NULL);
		if (m.status) {
			chk_int(parse_set8(T_PROXY_LIST, ref, len, o_pl_status, 255, NULL), 0,
				"%s: status 255 (no name yet) is a refusal", what);
			chk_int(parse_set8(T_PROXY_LIST, ref, len, o_pl_status, 0, NULL), EPAR,
				"%s: status 0 with n = 0 -> bad_params", what);
		} else {
			chk_int(parse_set8(T_PROXY_LIST, ref, len, o_pl_status, 1, NULL), EPAR,
				"%s: a refusal that lists proxies -> bad_params", what);
		}
		chk_int(parse_set8(T_PROXY_LIST, ref, len, o_pl_n, 17, NULL), EPAR,
			"%s: n = 17 -> bad_params", what);
	}
	{
		/* n = 17 at its own length. */
		u8 *c = dup_to(pool[npool - 1].buf, 28, 28 + 8 * 17);

		c[o_pl_status] = 0;
		c[o_pl_n] = 17;
		chk_int(parse_exact(T_PROXY_LIST, c, 28 + 8 * 17, NULL), EPAR, "PROXY_LIST n = 17 of length 28 + 8 * 17 -> bad_params");
		free(c);
	}
}

/* A random root info for @p (m ignored) with a @sig_len-byte signature. */
static void rnd_root(struct m2mkx_root_info *r, const struct m2mkx_params *p,
		     size_t sig_len, const u8 *sig)
{
	rnd(r, sizeof(*r));
	r->params = *p;
	r->sig_len = (u16)sig_len;
	r->sig = sig;
}

static void test_root_info(void)
{
	static const size_t sigs[] = { 1, 256, 384, 511, 512 };
	unsigned int i;

	for (i = 0; i < 5; i++) {
		struct m2mkx_root_info m;
		struct m2mkx_params p;
		u8 ref[700];
		char what[96];
		size_t len, r;

		pick_params(&p, 1 + rnd_below(16), i);
		rnd(blob, sigs[i]);
		rnd_root(&m, &p, sigs[i], blob);
		len = ref_root(ref, &m);
		snprintf(what, sizeof(what), "root info sig_len=%zu %s", sigs[i], pstr(&p));
		enc_clear(1024);
		r = m2mkx_root_info_encode(encbuf, &m);
		check_msg(T_ROOT, what, ref, len, M2MKX_ROOT_INFO_LEN(sigs[i]), encbuf, r, len, 1024, 0, 0, NULL);
		check_strict(T_ROOT, what, ref, len, NULL);
		if (i == 1 || i == 4) {
			u8 *c;

			check_params(T_ROOT, what, ref, len, o_root_params, false, false, NULL);
			c = dup_to(ref, len, len);
			c[o_root_siglen] = 0;
			c[o_root_siglen + 1] = 0;
			chk_int(parse_exact(T_ROOT, c, len, NULL), EPAR, "%s: sig_len 0 -> bad_params", what);
			free(c);
			c = dup_to(ref, len, root_signed + 2 + 513);
			c[o_root_siglen] = 513 >> 8;
			c[o_root_siglen + 1] = 513 & 0xff;
			chk_int(parse_exact(T_ROOT, c, root_signed + 2 + 513, NULL), EPAR, "%s: sig_len 513 (> M2MKX_ROOT_SIG_MAX_LEN) -> bad_params", what);
			c[o_root_siglen] = 0xff;
			c[o_root_siglen + 1] = 0xff;
			chk_int(parse_exact(T_ROOT, c, root_signed + 2 + 513, NULL), EPAR, "%s: sig_len 65535 -> bad_params", what);
			free(c);
		}
	}
}

/* KEY_MATERIAL: the plaintext for each height and root signature size,
 * and the datagram around it. */
static void test_key_material(void)
{
	static const unsigned int ns[] = { 1, 2, 3, 4, 5, 8, 9, 16 };
	static const size_t sigs[] = { 256, 384, 512 };
	unsigned int i, j;

	for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
		for (j = 0; j < 3; j++) {
			struct m2mkx_key_material m;
			struct m2mkx_key_material_hdr hm;
			struct m2mkx_params p;
			unsigned int n = ns[i], h = ref_height(n);
			u8 *ref = malloc(BIG), *dg = malloc(BIG);
			char what[128];
			size_t len, dlen, r;

			pick_params(&p, n, i * 3 + j);
			rnd(blob, 32 * h + sigs[j]);
			memset(&m, 0, sizeof(m));
			m.q = (u8)(j == 0 ? n - 1 : rnd_below(n));
			rnd(m.seed, sizeof(m.seed));
			m.path = blob;
			m.height = h;
			rnd_root(&m.root, &p, sigs[j], blob + 32 * h);
			len = ref_kmpt(ref, &m);
			snprintf(what, sizeof(what), "KEY_MATERIAL plaintext h=%u q=%u sig_len=%zu %s", h, m.q, sigs[j], pstr(&p));

			enc_clear(2048);
			r = m2mkx_key_material_encode(encbuf, &m);
			check_msg(T_KM_PT, what, ref, len, M2MKX_KEY_MATERIAL_PT_LEN(h, sigs[j]), encbuf, r, len, 2048, 0, 0, NULL);
			check_strict(T_KM_PT, what, ref, len, NULL);
			if (j == 2) {
				size_t ro = km_pt_fixed;

				chk_int(parse_set8(T_KM_PT, ref, len, 0, (u8)n, NULL), EPAR, "%s: q = n -> bad_params", what);
				chk_int(parse_set8(T_KM_PT, ref, len, 0, 255, NULL), EPAR, "%s: q = 255 -> bad_params", what);
				chk_int(parse_set8(T_KM_PT, ref, len, ro + o_root_params, 2, NULL), EPAR, "%s: suite 2 -> bad_params", what);
				chk_int(parse_set32(T_KM_PT, ref, len, ro + o_root_params + 1, 0, NULL), EPAR, "%s: ots_type 0 -> bad_params", what);
				chk_int(parse_set8(T_KM_PT, ref, len, ro + o_root_params + 5, 3, NULL), EPAR, "%s: share_mode 3 -> bad_params", what);
				chk_int(parse_set8(T_KM_PT, ref, len, ro + o_root_params + 7, 0, NULL), EPAR, "%s: k = 0 -> bad_params", what);
				chk_int(parse_set8(T_KM_PT, ref, len, ro + o_root_params + 7, (u8)(n + 1), NULL), EPAR, "%s: k = n + 1 -> bad_params", what);
				chk_int(parse_set8(T_KM_PT, ref, len, ro + o_root_n, 0, NULL), EPAR, "%s: n = 0 -> bad_params", what);
				chk_int(parse_set8(T_KM_PT, ref, len, ro + o_root_n, 17, NULL), EPAR, "%s: n = 17 -> bad_params", what);
				chk_int(parse_set8(T_KM_PT, ref, len, ro + o_root_n, 255, NULL), EPAR, "%s: n = 255 -> bad_params", what);
				if (h < 4)
					chk_int(parse_set8(T_KM_PT, ref, len, ro + o_root_n, 16, NULL), ELEN,
						"%s: n = 16, so a path of 4 nodes is missing -> bad_length", what);
				chk_int(parse_set16(T_KM_PT, ref, len, ro + o_root_siglen, 511, NULL), ELEN,
					"%s: root sig_len 511 in a plaintext sized for 512 -> bad_length", what);
				chk_int(parse_len(T_KM_PT, ref, len, len + 32, NULL), ELEN,
					"%s: one path node too many -> bad_length", what);
				chk_int(parse_set16(T_KM_PT, ref, len, ro + o_root_siglen, 0, NULL), EPAR,
					"%s: root sig_len 0 -> bad_params", what);
				chk_int(parse_set16(T_KM_PT, ref, len, ro + o_root_siglen, 513, NULL), EPAR,
					"%s: root sig_len 513 -> bad_params", what);
			}

			/* The datagram: header, the plaintext as ciphertext, tag. */
			memset(&hm, 0, sizeof(hm));
			rnd(hm.p, sizeof(hm.p));
			rnd(hm.nonce, sizeof(hm.nonce));
			hm.ct = ref;
			hm.ct_len = len;
			dlen = ref_kmhdr(dg, &hm, blob + 4000);
			snprintf(what, sizeof(what), "KEY_MATERIAL datagram h=%u sig_len=%zu", h, sigs[j]);
			enc_clear(64);
			r = m2mkx_key_material_hdr_encode(encbuf, &hm);
			check_msg(T_KM_HDR, what, dg, dlen, M2MKX_KEY_MATERIAL_LEN(h, sigs[j]), encbuf, r, km_hdr, 64, 0, 0, NULL);
			if (j == 0)
				check_strict(T_KM_HDR, what, dg, dlen, NULL);
			free(ref);
			free(dg);
		}
	{
		/* The smallest datagram the header parser takes. */
		u8 *c = dup_to(pool[npool - 1].buf, km_min_len, km_min_len);

		chk_int(parse_exact(T_KM_HDR, c, km_min_len, NULL), 0, "KEY_MATERIAL datagram of the smallest length (%zu) parses", km_min_len);
		chk_int(parse_exact(T_KM_HDR, c, km_min_len - 1, NULL), ELEN, "KEY_MATERIAL datagram of %zu bytes -> bad_length", km_min_len - 1);
		free(c);
	}
}

/*
 * The plaintext used to carry the path before the root info that gives
 * its length, and the parser guessed the height: an honest plaintext was
 * refused whenever a byte of its path or of T's key id looked like the n
 * of a lower height. Whatever the path and key id hold, it must parse.
 */
static void test_key_material_contents(void)
{
	static const u8 fill[] = { 0, 1, 2, 3, 4, 5, 8, 9, 16, 17, 255 };
	unsigned int i, h, k, refused = 0, tries = 3000;
	struct agg a;

	agg_begin(&a);
	for (h = 0; h <= 4; h++)
		for (i = 0; i < sizeof(fill); i++) {
			struct m2mkx_key_material m;
			struct m2mkx_params p;
			u8 ref[1024];
			size_t len;

			pick_params(&p, h ? (1u << (h - 1)) + 1 : 1, i);
			memset(blob, fill[i], 32 * h);
			rnd(blob + 32 * h, 256);
			memset(&m, 0, sizeof(m));
			rnd(m.seed, sizeof(m.seed));
			m.path = blob;
			m.height = h;
			rnd_root(&m.root, &p, 256, blob + 32 * h);
			memset(m.root.t_key_id, fill[i], sizeof(m.root.t_key_id));
			len = ref_kmpt(ref, &m);
			chk_int(parse_exact(T_KM_PT, ref, len, NULL), 0, "KEY_MATERIAL h=%u, path and T key id all bytes %u", h, fill[i]);
		}
	agg_end(&a, "KEY_MATERIAL plaintexts parse whatever bytes the path and T's key id hold");

	for (k = 0; k < tries; k++) {
		struct m2mkx_key_material m;
		struct m2mkx_params p;
		u8 ref[1024];
		size_t len;

		pick_params(&p, 1 + k % 16, k);
		h = ref_height(p.n);
		rnd(blob, 32 * h + 256);
		memset(&m, 0, sizeof(m));
		m.q = (u8)(k % p.n);
		rnd(m.seed, sizeof(m.seed));
		m.path = blob;
		m.height = h;
		rnd_root(&m.root, &p, 256, blob + 32 * h);
		len = ref_kmpt(ref, &m);
		if (m2mkx_key_material_parse(ref, len, &m))
			refused++;
	}
	if (!tap_ok(refused == 0, "%u honest KEY_MATERIAL plaintexts (n = 1..16, random contents) all parse", tries))
		tap_diag("%u refused (%.2f%%)", refused, 100.0 * refused / tries);
}

static void test_material_ack(void)
{
	unsigned int i;

	for (i = 0; i < 12; i++) {
		struct m2mkx_material_ack m;
		u8 ref[64];
		char what[96];
		size_t len, r;

		rnd(&m, sizeof(m));
		m.q = (u8)(i == 0 ? 15 : rnd_below(16));
		m.status = (u8)(i < 6 ? 0 : i == 6 ? M2MKX_ERR_COUNT - 1 : rnd_below(M2MKX_ERR_COUNT));
		rnd(blob, 8);
		m.tag = blob;
		len = ref_ack(ref, &m);
		snprintf(what, sizeof(what), "MATERIAL_ACK q=%u status=%u", m.q, m.status);
		enc_clear(128);
		r = m2mkx_material_ack_encode(encbuf, &m);
		check_msg(T_MATERIAL_ACK, what, ref, len, M2MKX_MATERIAL_ACK_LEN, encbuf, r, len - 8, 128, 0, 0, NULL);
		if (i == 0 || i == 6) {
			check_strict(T_MATERIAL_ACK, what, ref, len, NULL);
			chk_int(parse_set8(T_MATERIAL_ACK, ref, len, o_ack_q, 16, NULL), EPAR, "%s: q = 16 -> bad_params", what);
			chk_int(parse_set8(T_MATERIAL_ACK, ref, len, o_ack_q, 255, NULL), EPAR, "%s: q = 255 -> bad_params", what);
			chk_int(parse_set8(T_MATERIAL_ACK, ref, len, o_ack_status, 255, NULL), 0, "%s: status 255 (no name yet) parses", what);
		}
	}
}

static void test_shares(void)
{
	unsigned int count, sl;
	struct agg a;

	agg_begin(&a);
	for (count = 1; count <= 16; count++)
		for (sl = 1; sl <= 32; sl++) {
			struct m2mkx_shares m;
			u8 *ref = malloc(1024), *c;
			char what[96];
			size_t len, r, el = entry_fixed + sl;
			unsigned int e;
			bool strict = (sl == 1 || sl == 16 || sl == 32) &&
				      (count == 1 || count == 5 || count == 16);

			rnd(&m, sizeof(m));
			m.share_len = (u8)sl;
			m.count = (u8)count;
			rnd(blob, count * el);
			/* Distinct P in every entry, each through the encoder. */
			for (e = 0; e < count; e++) {
				u8 p[8];

				rnd(p, 8);
				p[0] = (u8)e;
				chk_int((long long)m2mkx_shares_entry_encode(blob + e * el, p, (u8)e), 9, "shares_entry_encode returns 9");
				chk(!memcmp(blob + e * el, p, 8) && blob[e * el + 8] == e, "shares_entry_encode writes P | q");
			}
			m.entries = blob;
			m.hdr = NULL;
			len = ref_shares(ref, &m);
			snprintf(what, sizeof(what), "SHARES count=%u share_len=%u", count, sl);
			enc_clear(1024);
			r = m2mkx_shares_encode(encbuf, &m);
			check_msg(T_SHARES, what, ref, len, M2MKX_SHARES_LEN(count, sl), encbuf, r, sh_hdr, 1024, 0, 0, NULL);
			if (strict) {
				check_strict(T_SHARES, what, ref, len, NULL);
				chk_int(parse_set8(T_SHARES, ref, len, o_sh_sl, 0, NULL), EPAR, "%s: share_len 0 -> bad_params", what);
				chk_int(parse_set8(T_SHARES, ref, len, o_sh_sl, 33, NULL), EPAR, "%s: share_len 33 -> bad_params", what);
				chk_int(parse_set8(T_SHARES, ref, len, o_sh_count, 0, NULL), EPAR, "%s: count 0 -> bad_params", what);
				chk_int(parse_set8(T_SHARES, ref, len, o_sh_count, 17, NULL), EPAR, "%s: count 17 -> bad_params", what);
			}

			/* m2mkx_shares_find on the parsed message. */
			c = dup_to(ref, len, len);
			{
				struct m2mkx_shares pm;
				const u8 *entry;
				u8 absent[8];

				if (chk_int(m2mkx_shares_parse(c, len, &pm), 0, "%s: parses", what)) {
					for (e = 0; e < count; e++) {
						entry = NULL;
						chk_int(m2mkx_shares_find(&pm, c + sh_hdr + e * el, &entry), 0, "%s: finds entry %u", what, e);
						chk(entry == c + sh_hdr + e * el, "%s: entry %u at 62 + %u * (17 + share_len)", what, e, e);
					}
					memcpy(absent, c + sh_hdr, 8);
					absent[0] = 0xff;
					entry = NULL;
					chk_int(m2mkx_shares_find(&pm, absent, &entry), -M2MKX_ENOPEER, "%s: a P it does not carry -> unknown_peer", what);
					chk(entry == NULL, "%s: entry left alone when not found", what);
					if (count > 1) {
						/* A duplicate P: the first one wins. */
						memcpy(c + sh_hdr + (count - 1) * el, c + sh_hdr, 8);
						chk_int(m2mkx_shares_find(&pm, c + sh_hdr, &entry), 0, "%s: finds a duplicated P", what);
						chk(entry == c + sh_hdr, "%s: the first of two entries with one P", what);
					}
				}
			}
			free(c);
			free(ref);
		}
	agg_end(&a, "SHARES: all 16 x 32 count x share_len messages round-trip, strictness, shares_find");
}

static void test_proxy_hello(void)
{
	unsigned int i;

	for (i = 0; i < 8; i++) {
		struct m2mkx_proxy_hello m;
		u8 ref[64];
		char what[64];
		size_t len, r;

		rnd(&m, sizeof(m));
		m.q = (u8)(i == 0 ? 15 : i == 1 ? 0 : rnd_below(16));
		len = ref_phello(ref, &m);
		snprintf(what, sizeof(what), "PROXY_HELLO q=%u", m.q);
		enc_clear(128);
		r = m2mkx_proxy_hello_encode(encbuf, &m);
		check_msg(T_PROXY_HELLO, what, ref, len, M2MKX_PROXY_HELLO_LEN, encbuf, r, len, 128, 0, 0, NULL);
		if (i == 0) {
			check_strict(T_PROXY_HELLO, what, ref, len, NULL);
			chk_int(parse_set8(T_PROXY_HELLO, ref, len, o_ph_q, 16, NULL), EPAR, "%s: q = 16 -> bad_params", what);
			chk_int(parse_set8(T_PROXY_HELLO, ref, len, o_ph_q, 255, NULL), EPAR, "%s: q = 255 -> bad_params", what);
		}
	}
}

static void test_challenge(void)
{
	unsigned int i;

	for (i = 0; i < 8; i++) {
		struct m2mkx_challenge m;
		u8 ref[64];
		char what[64];
		size_t len, r;

		rnd(&m, sizeof(m));
		m.q = (u8)(i == 0 ? 15 : i == 1 ? 0 : rnd_below(16));
		len = ref_chal(ref, &m);
		snprintf(what, sizeof(what), "CHALLENGE q=%u", m.q);
		enc_clear(128);
		r = m2mkx_challenge_encode(encbuf, &m);
		/* confirm is a MAC, but the encoder writes it from @m. */
		check_msg(T_CHALLENGE, what, ref, len, M2MKX_CHALLENGE_LEN, encbuf, r, len, 128, 0, 0, NULL);
		if (i == 0) {
			check_strict(T_CHALLENGE, what, ref, len, NULL);
			chk_int(parse_set8(T_CHALLENGE, ref, len, o_ch_q, 16, NULL), EPAR, "%s: q = 16 -> bad_params", what);
			chk_int(parse_set8(T_CHALLENGE, ref, len, o_ch_q, 255, NULL), EPAR, "%s: q = 255 -> bad_params", what);
		}
	}
}

static void test_signed_share(void)
{
	static const unsigned int ns[] = { 1, 3, 5, 8, 16 };
	static const size_t sigs[] = { 256, 384, 512 };
	static const u8 modes[] = { M2MKX_SHARE_SHAMIR, M2MKX_SHARE_DISPERSAL };
	unsigned int o, ni, mi, ki, cfg = 0;
	u8 *ref = malloc(BIG);

	for (o = 0; o < NOTS; o++)
		for (ni = 0; ni < 5; ni++)
			for (mi = 0; mi < 2; mi++)
				for (ki = 0; ki < 3; ki++) {
					struct m2mkx_signed_share m;
					struct m2mkx_params p;
					unsigned int n = ns[ni], h = ref_height(n);
					size_t sl, ct, sig = sigs[cfg % 3], len, r, fixed;
					char what[128];

					if (n == 1 && ki)
						continue;
					cfg++;
					p.suite = M2MKX_SUITE_V1;
					p.ots_type = ots_types[o];
					p.share_mode = modes[mi];
					p.n = (u8)n;
					p.k = (u8)(ki == 0 ? 1 : ki == 1 ? n : 2 + rnd_below(n - 1));
					p.m = (u8)(1 + rnd_below(n));
					sl = ref_share_len(p.share_mode, p.k);
					ct = sl + 16;
					rnd(blob, 64 + ct + 32 * h + sig + ots_sig_lens[o]);
					memset(&m, 0, sizeof(m));
					rnd(m.session, sizeof(m.session));
					m.q = (u8)(ki == 1 ? n - 1 : rnd_below(n));
					m.e = blob;
					m.k = blob + 32;
					m.ct = blob + 64;
					m.ct_len = ct;
					m.path = blob + 64 + ct;
					m.height = h;
					rnd_root(&m.root, &p, sig, blob + 64 + ct + 32 * h);
					m.ots_sig = blob + 64 + ct + 32 * h + sig;
					m.ots_sig_len = ots_sig_lens[o];
					len = ref_sshare(ref, &m, true);
					fixed = ss_fixed + ct + 32 * h;
					snprintf(what, sizeof(what), "SIGNED_SHARE %s q=%u sig_len=%zu", pstr(&p), m.q, sig);
					enc_clear(BIG);
					r = m2mkx_signed_share_encode(encbuf, &m);
					check_msg(T_SIGNED_SHARE, what, ref, len, m2mkx_signed_share_len(&p, sig), encbuf, r,
						  fixed + root_signed + 2 + sig, BIG, ss_fixed, ct, &p);
					if (ki != 2) {
						check_strict(T_SIGNED_SHARE, what, ref, len, &p);
						chk_int(parse_set8(T_SIGNED_SHARE, ref, len, o_ss_q, (u8)n, &p), EPAR, "%s: q = n -> bad_params", what);
						chk_int(parse_set8(T_SIGNED_SHARE, ref, len, o_ss_q, 255, &p), EPAR, "%s: q = 255 -> bad_params", what);
					}
					if (ki == 1 && mi == 0 && (ni == 0 || ni == 4)) {
						u8 *c;

						check_params(T_SIGNED_SHARE, what, ref, len, fixed + o_root_params, false, false, &p);
						c = dup_to(ref, len, len);
						c[fixed + o_root_siglen] = 0;
						c[fixed + o_root_siglen + 1] = 0;
						chk_int(parse_exact(T_SIGNED_SHARE, c, len, &p), EPAR, "%s: root sig_len 0 -> bad_params", what);
						c[fixed + o_root_siglen] = 0x02;
						c[fixed + o_root_siglen + 1] = 0x01;
						chk_int(parse_exact(T_SIGNED_SHARE, c, len, &p), EPAR, "%s: root sig_len 513 -> bad_params", what);
						free(c);
					}
				}
	free(ref);
}

static void test_answer(void)
{
	unsigned int i;

	for (i = 0; i < 8; i++) {
		struct m2mkx_answer m;
		u8 ref[64];
		char what[64];
		size_t len, r;

		rnd(&m, sizeof(m));
		m.q = (u8)(i == 0 ? 15 : i == 1 ? 0 : rnd_below(16));
		rnd(blob, 40);
		m.ct = blob;
		len = ref_answer(ref, &m);
		snprintf(what, sizeof(what), "ANSWER q=%u", m.q);
		enc_clear(128);
		r = m2mkx_answer_encode(encbuf, &m);
		check_msg(T_ANSWER, what, ref, len, M2MKX_ANSWER_LEN, encbuf, r, answer_ad, 128, 0, 0, NULL);
		if (i == 0) {
			check_strict(T_ANSWER, what, ref, len, NULL);
			chk_int(parse_set8(T_ANSWER, ref, len, o_an_q, 16, NULL), EPAR, "%s: q = 16 -> bad_params", what);
			chk_int(parse_set8(T_ANSWER, ref, len, o_an_q, 255, NULL), EPAR, "%s: q = 255 -> bad_params", what);
		}
	}
}

static void test_relay(void)
{
	unsigned int i;

	for (i = 0; i < 8; i++) {
		struct m2mkx_relay m;
		u8 ref[64];
		char what[64];
		size_t len, r;

		rnd(&m, sizeof(m));
		rnd(blob, 32);
		m.ypkg = blob;
		m.tag = blob + 24;
		len = ref_relay(ref, &m);
		snprintf(what, sizeof(what), "RELAY #%u", i);
		enc_clear(128);
		r = m2mkx_relay_encode(encbuf, &m);
		/* The y package is B's ciphertext, relayed as data: the
		 * encoder writes it, and the tag is the first MAC field. */
		check_msg(T_RELAY, what, ref, len, M2MKX_RELAY_LEN, encbuf, r, len - 8, 128, 0, 0, NULL);
		if (i == 0)
			check_strict(T_RELAY, what, ref, len, NULL);
	}
}

static void test_final_request(void)
{
	unsigned int i;

	for (i = 0; i < 8; i++) {
		struct m2mkx_final_request m;
		u8 ref[64];
		char what[64];
		size_t len, r;

		rnd(&m, sizeof(m));
		rnd(blob, 8);
		m.tag = blob;
		len = ref_freq(ref, &m);
		snprintf(what, sizeof(what), "FINAL_REQUEST #%u", i);
		enc_clear(128);
		r = m2mkx_final_request_encode(encbuf, &m);
		check_msg(T_FINAL_REQUEST, what, ref, len, M2MKX_FINAL_REQUEST_LEN, encbuf, r, len - 8, 128, 0, 0, NULL);
		if (i == 0)
			check_strict(T_FINAL_REQUEST, what, ref, len, NULL);
	}
}

static void test_final(void)
{
	unsigned int n, e;

	for (n = 1; n <= 16; n++) {
		struct m2mkx_final m;
		u8 ref[256];
		char what[96];
		size_t len, r;

		rnd(&m, sizeof(m));
		pick_params(&m.params, n, n);
		rnd(blob, 9 * n + 8);
		for (e = 0; e < n; e++)
			blob[9 * e + 8] = (u8)(e % 5);
		m.entries = blob;
		m.tag = blob + 9 * n;
		len = ref_final(ref, &m);
		snprintf(what, sizeof(what), "FINAL %s", pstr(&m.params));
		enc_clear(512);
		r = m2mkx_final_encode(encbuf, &m);
		check_msg(T_FINAL, what, ref, len, M2MKX_FINAL_LEN(n), encbuf, r, len - 8, 512, 0, 0, NULL);
		check_strict(T_FINAL, what, ref, len, NULL);
		for (e = 0; e < n; e++)
			chk_int(parse_set8(T_FINAL, ref, len, fin_fixed + 9 * e + 8, 5, NULL), EPAR,
				"%s: verdict 5 in entry %u -> bad_params", what, e);
		chk_int(parse_set8(T_FINAL, ref, len, fin_fixed + 9 * (n - 1) + 8, 255, NULL), EPAR,
			"%s: verdict 255 in the last entry -> bad_params", what);
		if (n == 1 || n == 6 || n == 16) {
			/* HELLO and HELLO_REPLY refuse m = 0; FINAL echoes them. */
			check_params(T_FINAL, what, ref, len, o_fin_params, true, true, NULL);
			{
				u8 *c = dup_to(ref, len, fin_fixed + 9 * 17 + 8);

				c[o_fin_n] = 17;
				chk_int(parse_exact(T_FINAL, c, fin_fixed + 9 * 17 + 8, NULL), EPAR,
					"%s: n = 17 at the length 17 entries need -> bad_params", what);
				free(c);
			}
		}
	}
}

/* A parser given a valid message of every other type: bad_type. */
static void test_cross_types(void)
{
	int t;
	unsigned int i;
	struct agg a;

	for (t = 0; t < T_FRAMED_END; t++) {
		const struct m2mkx_params *p = NULL;

		for (i = 0; i < npool; i++)
			if (pool[i].t == T_SIGNED_SHARE) {
				p = &pool[i].p;
				break;
			}
		agg_begin(&a);
		for (i = 0; i < npool; i++) {
			int want;

			if (pool[i].t >= T_FRAMED_END || ttype(pool[i].t) == ttype(t))
				continue;
			want = ETYP;
			chk_int(parse_exact(t, pool[i].buf, pool[i].len, p), want, "%s given a valid %s of %zu bytes (byte 0 = %u)",
				tname[t], tname[pool[i].t], pool[i].len, pool[i].buf[0]);
		}
		agg_end(&a, "%s: every valid message of another type -> bad_type", tname[t]);
	}
}

/*
 * Header errors name the datagram before anything in its body: these are
 * the smallest cases where the body would say something else.
 */
static void test_header_precedence(void)
{
	static const struct {
		int t;
		size_t len, at;
		u8 v;
	} cases[] = {
		{ T_PROXY_REQUEST, 92 + 8, 64, 0 },
		{ T_PROXY_REQUEST, 92 + 8, 64, 17 },
		{ T_PROXY_LIST, 28, 19, 17 },
		{ T_SHARES, 62 + 18, 60, 0 },
		{ T_SHARES, 62 + 18, 61, 0 },
		{ T_FINAL, 35 + 9, 24, 0 },
	};
	static const struct {
		u8 type, version;
		int want;
	} hdrs[] = {
		{ M2MKX_MSG_HELLO, M2MKX_VERSION, ETYP },
		{ 0, M2MKX_VERSION, ETYP },
		{ 255, M2MKX_VERSION, ETYP },
		{ 0, 0, EVER },
	};
	unsigned int i, j;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		for (j = 0; j < sizeof(hdrs) / sizeof(hdrs[0]); j++) {
			u8 *c = calloc(1, cases[i].len);

			if (!c)
				abort();
			c[0] = hdrs[j].type;
			c[1] = hdrs[j].version;
			c[cases[i].at] = cases[i].v;
			chk_int(parse_exact(cases[i].t, c, cases[i].len, NULL), hdrs[j].want,
				"%s: %zu zero bytes with type %u version %u and byte %zu = %u -> %s",
				tname[cases[i].t], cases[i].len, hdrs[j].type, hdrs[j].version,
				cases[i].at, cases[i].v, ename(hdrs[j].want));
			free(c);
		}
}

/* Datagrams of 0 and 1 bytes, and a bare header. */
static void test_short(void)
{
	struct agg a;
	int t;
	u8 hdr[2];

	agg_begin(&a);
	for (t = 0; t < T_COUNT; t++) {
		const struct m2mkx_params *p = &pool[npool - 1].p;
		unsigned int i;

		for (i = 0; i < npool; i++)
			if (pool[i].t == T_SIGNED_SHARE)
				p = &pool[i].p;
		if (t == T_KM_PT || t == T_ROOT) {
			chk_int(parse_exact(t, hdr, 0, p), ELEN, "%s: 0 bytes -> bad_length", tname[t]);
			continue;
		}
		chk_int(parse_exact(t, hdr, 0, p), ESHO, "%s: 0 bytes -> too_short", tname[t]);
		hdr[0] = (u8)(t < T_FRAMED_END ? ttype(t) : M2MKX_MSG_SIGNED_SHARE);
		chk_int(parse_exact(t, hdr, 1, p), ESHO, "%s: 1 byte -> too_short", tname[t]);
		if (t == T_PEEK)
			continue;
		if (t == T_PROXY_ROUTE)
			hdr[0] = M2MKX_MSG_SHARES;
		hdr[1] = M2MKX_VERSION;
		chk_int(parse_exact(t, hdr, 2, p), ELEN, "%s: a bare header -> bad_length", tname[t]);
	}
	agg_end(&a, "0 and 1 byte datagrams -> too_short, a bare header -> bad_length, for every parser");
}

/* ------------------------------------------------------------------ */
/* 4. B's and P_i's routing on short and foreign datagrams. */

static void test_routes(void)
{
	unsigned int ty, v;
	u8 buf[64], s[8];
	struct agg a;

	for (v = 0; v < 2; v++) {
		bool server = v == 0;
		const char *name = server ? "m2mkx_server_route" : "m2mkx_proxy_route";

		agg_begin(&a);
		for (ty = 0; ty < 256; ty++) {
			int off = route_off(server, (int)ty);
			size_t len;

			for (len = 0; len <= 20; len++) {
				int want, got;

				rnd(buf, sizeof(buf));
				buf[0] = (u8)ty;
				buf[1] = M2MKX_VERSION;
				memset(s, 0xee, sizeof(s));
				if (len < 2)
					want = ESHO;
				else if (ty < 1 || ty > 14 || off < 0)
					want = ETYP;
				else if (len < (size_t)off + 8)
					want = ELEN;
				else
					want = (int)ty;
				got = parse_exact(server ? T_SERVER_ROUTE : T_PROXY_ROUTE, buf, len, NULL);
				chk_int(got, want, "%s: type %u, %zu bytes", name, ty, len);
			}
		}
		for (ty = 1; ty <= 14; ty++) {
			buf[0] = (u8)ty;
			buf[1] = 2;
			chk_int(parse_exact(server ? T_SERVER_ROUTE : T_PROXY_ROUTE, buf, 40, NULL), EVER, "%s: type %u version 2", name, ty);
		}
		agg_end(&a, "%s: every type byte and length 0..20 -> too_short, bad_version, bad_type, bad_length or the type", name);
	}
	/* The session id comes from where the layouts put it. */
	{
		static const struct {
			bool server;
			u8 type;
			size_t off;
		} rc[] = {
			{ true, M2MKX_MSG_PROXY_HELLO, 2 },
			{ true, M2MKX_MSG_SIGNED_SHARE, 2 },
			{ true, M2MKX_MSG_FINAL_REQUEST, 10 },
			{ false, M2MKX_MSG_SHARES, 10 },
			{ false, M2MKX_MSG_CHALLENGE, 2 },
			{ false, M2MKX_MSG_ANSWER, 2 },
		};
		unsigned int i, j;

		for (i = 0; i < sizeof(rc) / sizeof(rc[0]); i++) {
			int got;

			for (j = 0; j < npool; j++)
				if (pool[j].t < T_FRAMED_END && ttype(pool[j].t) == rc[i].type)
					break;
			if (j == npool)
				continue;
			memset(s, 0xee, sizeof(s));
			got = rc[i].server ? m2mkx_server_route(pool[j].buf, pool[j].len, s) :
					     m2mkx_proxy_route(pool[j].buf, pool[j].len, s);
			tap_is_int(got, rc[i].type, "%s on a valid %s returns its type",
				   rc[i].server ? "server_route" : "proxy_route", tname[pool[j].t]);
			tap_is_mem(s, pool[j].buf + rc[i].off, 8, "... and the session id at offset %zu", rc[i].off);
		}
	}
}

/* ------------------------------------------------------------------ */
/* 3. Random and mutated datagrams. */

#define RPOOL (64 * 1024)
static u8 rpool[RPOOL];

static const u8 special[] = { 0, 1, 2, 3, 4, 5, 8, 9, 14, 15, 16, 17, 29,
			      30, 31, 32, 33, 0x7f, 0x80, 0xfe, 0xff };

static const struct sample *pick_sample(int t)
{
	unsigned int tries;

	for (tries = 0; tries < 10000; tries++) {
		const struct sample *s = &pool[xs_below(npool)];

		if (t >= T_PEEK ? s->t < T_FRAMED_END : s->t == t)
			return s;
	}
	return NULL;
}

static u8 *fz_random(size_t len, int t)
{
	u8 *b = malloc(len ? len : 1);

	if (!b)
		abort();
	memcpy(b, rpool + xs_below(RPOOL - len + 1), len);
	if (len >= 2 && t < T_FRAMED_END && xs() & 1) {
		b[0] = (u8)ttype(t);
		b[1] = M2MKX_VERSION;
	}
	return b;
}

static u8 *fz_mutate(const struct sample *s, size_t *lenp)
{
	size_t len = s->len, nl = len, i, k;
	unsigned int op = (unsigned int)xs_below(8);
	u8 *b;

	switch (op) {
	case 2:
		nl = xs_below(len);
		break;
	case 3:
		nl = len + 1 + xs_below(xs() & 1 ? 8 : 4096);
		break;
	case 5:
		nl = len + xs_below(33) - 16;
		break;
	case 6:
		nl = xs() & 1 ? len + 1 : len - 1;
		break;
	}
	b = dup_to(s->buf, len, nl);
	if (nl > len)
		memcpy(b + len, rpool + xs_below(RPOOL - (nl - len) + 1), nl - len);
	if (nl && (op == 0 || op == 5 || op == 7)) {
		for (k = 1 + xs_below(4); k; k--)
			b[xs_below(nl)] = (u8)xs();
	}
	if (nl && op == 1) {
		i = xs_below(nl);
		b[i] ^= (u8)(1u << xs_below(8));
	}
	if (nl && (op == 4 || op == 7)) {
		i = xs_below(nl < 96 ? nl : 96);
		if (xs() & 1)
			i = xs_below(nl);
		b[i] = special[xs_below(sizeof(special))];
	}
	*lenp = nl;
	return b;
}

struct fz_fail {
	unsigned long count;
	char first[300];
	u8 head[64];
	size_t len;
};

__attribute__((format(printf, 4, 5)))
static void fz_note(struct fz_fail *f, const u8 *b, size_t len,
		    const char *fmt, ...)
{
	va_list ap;

	if (f->count++)
		return;
	va_start(ap, fmt);
	vsnprintf(f->first, sizeof(f->first), fmt, ap);
	va_end(ap);
	f->len = len;
	memcpy(f->head, b, len < 64 ? len : 64);
}

__attribute__((format(printf, 3, 4)))
static void fz_report(struct fz_fail *f, bool cond, const char *fmt, ...)
{
	char msg[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!tap_ok(f->count == 0 && cond, "%s", msg) && f->count) {
		tap_diag("%lu failures; first: %s", f->count, f->first);
		hexdiag("datagram", f->head, f->len);
	}
}

static bool codec_code(int t, int ret)
{
	if (ret == 0 || ret == ESHO || ret == EVER || ret == ETYP ||
	    ret == ELEN || ret == EPAR)
		return true;
	return t >= T_PEEK && ret >= M2MKX_MSG_HELLO && ret <= M2MKX_MSG_FINAL;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void fuzz_target(int t, unsigned long iters)
{
	struct fz_fail bad_code = { 0 }, bad_ref = { 0 }, bad_out = { 0 };
	unsigned long i, accepted = 0;
	double t0 = now_s();

	for (i = 0; i < iters; i++) {
		const struct sample *s = NULL;
		const struct m2mkx_params *p = NULL;
		unsigned int kind = (unsigned int)xs_below(16);
		size_t len;
		const char *why;
		bool exact;
		int ret, want;
		u8 *b;

		if (kind < 5) {
			len = kind < 2 ? xs_below(FUZZ_MAX_LEN + 1) : xs_below(401);
			b = fz_random(len, t);
		} else {
			s = kind == 5 ? &pool[xs_below(npool)] : pick_sample(t);
			b = fz_mutate(s, &len);
		}
		if (t == T_SIGNED_SHARE) {
			if (!s || s->t != T_SIGNED_SHARE || !xs_below(16))
				s = pick_sample(T_SIGNED_SHARE);
			p = &s->p;
		}
		ret = run_parse(t, b, len, p, &why);
		want = ref_verdict(t, b, len, p, &exact);
		if (!codec_code(t, ret))
			fz_note(&bad_code, b, len, "returned %d (%s), len %zu", ret, ename(ret), len);
		else if (exact ? ret != want : !ret != !want)
			fz_note(&bad_ref, b, len, "returned %s, the layout says %s, len %zu %s", ename(ret), ename(want), len,
				p ? pstr(p) : "");
		if (!ret && why)
			fz_note(&bad_out, b, len, "accepted but %s", why);
		if (ret == 0 || (t >= T_PEEK && ret > 0))
			accepted++;
		free(b);
	}
	tap_diag("%s: %lu datagrams, %lu accepted, %.2f s", tname[t], iters, accepted, now_s() - t0);
	fz_report(&bad_code, true, "%s: %lu random and mutated datagrams, no crash, only codec reason codes", tname[t], iters);
	fz_report(&bad_ref, true, "%s: every verdict agrees with the layout's (header first, then length, then ranges)", tname[t]);
	fz_report(&bad_out, accepted > 0, "%s: whatever it accepts re-encodes to the datagram, pointers at their offsets", tname[t]);
}

static void test_fuzz(void)
{
	double t0 = now_s();
	unsigned long iters = FUZZ_ITERS;
	int t;

	rnd(&xs_state, sizeof(xs_state));
	rnd(rpool, sizeof(rpool));
	for (t = 0; t < T_COUNT; t++)
		fuzz_target(t, iters);
	tap_diag("robustness: %lu datagrams for each of %d parsers in %.2f s", iters, (int)T_COUNT, now_s() - t0);
}

int main(void)
{
	double t0 = now_s();

	drbg_seed("test_wire");
	layout_init();
	test_layouts();
	test_hello();
	test_hello_cookie();
	test_hello_reply();
	test_proxy_request();
	test_proxy_list();
	test_root_info();
	test_key_material();
	test_key_material_contents();
	test_material_ack();
	test_shares();
	test_proxy_hello();
	test_challenge();
	test_signed_share();
	test_answer();
	test_relay();
	test_final_request();
	test_final();
	test_cross_types();
	test_header_precedence();
	test_short();
	test_routes();
	test_fuzz();
	tap_diag("%u valid messages built; total %.2f s", npool, now_s() - t0);
	return tap_done();
}
