// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Beta reputations with ageing and proxy selection (rep.h).
 */
#include <m2mkx/bytes.h>
#include <m2mkx/crypto.h>
#include <m2mkx/errors.h>
#include <m2mkx/rep.h>

#define REP_VERSION 1
#define ONE 256			/* 1.0 in 8.8 */
#define REP_MAX 0xffff

void m2mkx_rep_init(struct m2mkx_rep *rep, u8 caps)
{
	rep->r = 0;
	rep->s = 0;
	rep->caps = caps;
}

u16 m2mkx_rep_score(const struct m2mkx_rep *rep)
{
	u32 rem = (u32)rep->r + ONE;
	u32 den = (u32)rep->r + rep->s + 2 * ONE;
	unsigned int i;
	u16 q = 0;

	/*
	 * (r + 1) / (r + s + 2) < 1, scaled to 16 bits: the quotient's 16
	 * bits by long division, which a Cortex-M0+ (no divide instruction)
	 * does in a few bytes of code instead of the C library's routine.
	 */
	for (i = 0; i < 16; i++) {
		rem <<= 1;
		q <<= 1;
		if (rem >= den) {
			rem -= den;
			q |= 1;
		}
	}
	return q;
}

void m2mkx_rep_age(struct m2mkx_rep *rep)
{
	rep->r = (u16)((u32)rep->r * M2MKX_REP_AGE_256 / 256);
	rep->s = (u16)((u32)rep->s * M2MKX_REP_AGE_256 / 256);
}

static u16 sat_add(u16 v, u32 add)
{
	return (u16)(v + add > REP_MAX ? REP_MAX : v + add);
}

void m2mkx_rep_add(struct m2mkx_rep *rep, enum m2mkx_rep_evidence ev)
{
	switch (ev) {
	case M2MKX_REP_GOOD:
		rep->r = sat_add(rep->r, ONE);
		break;
	case M2MKX_REP_ABSENT:
		rep->s = sat_add(rep->s, ONE);
		break;
	case M2MKX_REP_CORRUPT:
	case M2MKX_REP_BAD_RELAY:
		rep->s = sat_add(rep->s, 2 * ONE);
		break;
	case M2MKX_REP_FORGED:
		rep->s = sat_add(rep->s, 4 * ONE);
		break;
	}
}

/* Whether neighbour @a ranks before @b. */
static bool better(const struct m2mkx_rep *reps, unsigned int a,
		   unsigned int b)
{
	u16 sa = m2mkx_rep_score(&reps[a]), sb = m2mkx_rep_score(&reps[b]);
	bool ma = reps[a].caps & M2MKX_CAP_MAINS;
	bool mb = reps[b].caps & M2MKX_CAP_MAINS;

	if (sa != sb)
		return sa > sb;
	if (ma != mb)
		return ma;
	return a < b;
}

static bool taken(const u8 *chosen, unsigned int len, unsigned int i)
{
	unsigned int j;

	for (j = 0; j < len; j++)
		if (chosen[j] == i)
			return true;
	return false;
}

/* The best eligible neighbour not among chosen[0..len), or -1. */
static int best(const struct m2mkx_rep *reps, unsigned int count,
		const u8 *chosen, unsigned int len)
{
	unsigned int i;
	int top = -1;

	for (i = 0; i < count; i++) {
		if (!(reps[i].caps & M2MKX_CAP_PROXY) ||
		    taken(chosen, len, i))
			continue;
		if (top < 0 || better(reps, i, (unsigned int)top))
			top = (int)i;
	}
	return top;
}

int m2mkx_rep_select(const struct m2mkx_rep *reps, unsigned int count,
		     unsigned int n, u8 explore, u8 *chosen)
{
	unsigned int i, eligible = 0, pick;
	u8 draw[2];
	int ret, q;

	if (!n || count > 255)
		return -M2MKX_EINVAL;
	for (i = 0; i < count; i++)
		if (reps[i].caps & M2MKX_CAP_PROXY)
			eligible++;
	if (eligible < n)
		return -M2MKX_EINVAL;
	/* Selection by repeated maximum: tables are a few dozen entries. */
	for (i = 0; i < n; i++) {
		q = best(reps, count, chosen, i);
		chosen[i] = (u8)q;
	}
	if (eligible == n || !explore)
		return 0;

	ret = m2mkx_random(draw, 1);
	if (ret || draw[0] >= explore)
		return ret;
	ret = m2mkx_random(draw + 1, 1);
	if (ret)
		return ret;
	/* The pick-th eligible neighbour not chosen takes the last place. */
	/* draw[1] mod (eligible - n), by subtraction: see m2mkx_rep_score(). */
	for (pick = draw[1]; pick >= eligible - n; pick -= eligible - n)
		;
	for (i = 0; i < count; i++) {
		if (!(reps[i].caps & M2MKX_CAP_PROXY) ||
		    taken(chosen, n, i))
			continue;
		if (!pick--) {
			chosen[n - 1] = (u8)i;
			break;
		}
	}
	return 0;
}

size_t m2mkx_rep_save(const struct m2mkx_rep *reps, unsigned int count,
		      u8 *buf, size_t cap)
{
	unsigned int i;
	u8 *p = buf;

	if (count > 255 || cap < M2MKX_REP_SAVE_LEN(count))
		return 0;
	*p++ = REP_VERSION;
	*p++ = (u8)count;
	for (i = 0; i < count; i++) {
		m2mkx_put_be16(p, reps[i].r);
		m2mkx_put_be16(p + 2, reps[i].s);
		p[4] = reps[i].caps;
		p += M2MKX_REP_ENTRY_LEN;
	}
	return (size_t)(p - buf);
}

int m2mkx_rep_load(struct m2mkx_rep *reps, unsigned int count,
		   const u8 *buf, size_t len)
{
	unsigned int i;
	const u8 *p;

	if (count > 255 || len != M2MKX_REP_SAVE_LEN(count) ||
	    buf[0] != REP_VERSION || buf[1] != count)
		return -M2MKX_EINVAL;
	for (i = 0, p = buf + M2MKX_REP_HDR_LEN; i < count;
	     i++, p += M2MKX_REP_ENTRY_LEN) {
		reps[i].r = m2mkx_get_be16(p);
		reps[i].s = m2mkx_get_be16(p + 2);
		reps[i].caps = p[4];
	}
	return 0;
}
