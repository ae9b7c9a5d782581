// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Every parser of the codec (core/wire.c), and what it promises: a
 * datagram it accepts is one its encoder writes byte for byte. Encoding
 * the parsed message over a copy of the input must change nothing and
 * stay within it, or the two disagree on a layout.
 *
 *   input: parser(1) | [SIGNED_SHARE: mode/ots(1) | n(1) | k(1)] | bytes
 *
 * The parser index is the message type for types 1..14 (KEY_MATERIAL's
 * header for 5); 0 is a root info alone, 15 KEY_MATERIAL's plaintext.
 */
#include <stdlib.h>
#include <string.h>

#include <m2mkx/wire.h>

#include "fuzz.h"

enum {
	PARSE_ROOT_INFO = 0,
	PARSE_KEY_MATERIAL_PT = 15,
	PARSERS = 16,
};

static const u32 ots_types[] = {
	M2MKX_LMOTS_SHA256_N32_W1, M2MKX_LMOTS_SHA256_N32_W2,
	M2MKX_LMOTS_SHA256_N32_W4, M2MKX_LMOTS_SHA256_N32_W8,
	M2MKX_OTS_LAMPORT_SHA256,
};

/* The session parameters SIGNED_SHARE's layout depends on, from 3 bytes. */
static void params_from(const u8 *in, struct m2mkx_params *p)
{
	memset(p, 0, sizeof(*p));
	p->suite = M2MKX_SUITE_V1;
	p->share_mode = in[0] & 1 ? M2MKX_SHARE_DISPERSAL : M2MKX_SHARE_SHAMIR;
	p->ots_type = ots_types[(in[0] >> 1) % M2MKX_ARRAY_SIZE(ots_types)];
	p->n = in[1];
	p->k = in[2];
	/* No part of the layout: any m the check accepts. */
	p->m = 1;
}

static void params_to(const struct m2mkx_params *p, u8 *out)
{
	unsigned int i;

	for (i = 0; i < M2MKX_ARRAY_SIZE(ots_types); i++)
		if (ots_types[i] == p->ots_type)
			break;
	out[0] = (u8)(i << 1 | (p->share_mode == M2MKX_SHARE_DISPERSAL));
	out[1] = p->n;
	out[2] = p->k;
}

/* The encoder wrote @written bytes over @copy of @buf: nothing may differ. */
static void same(const u8 *buf, const u8 *copy, size_t len, size_t written)
{
	if (written > len || memcmp(buf, copy, len))
		abort();
}

/* Parses @buf with parser @which; re-encodes what it accepted. */
static void parse_one(unsigned int which, const struct m2mkx_params *p,
		      const u8 *buf, size_t len)
{
	union {
		struct m2mkx_hello hello;
		struct m2mkx_hello_reply hello_reply;
		struct m2mkx_proxy_request proxy_request;
		struct m2mkx_proxy_list proxy_list;
		struct m2mkx_key_material_hdr key_material_hdr;
		struct m2mkx_key_material key_material;
		struct m2mkx_material_ack material_ack;
		struct m2mkx_shares shares;
		struct m2mkx_proxy_hello proxy_hello;
		struct m2mkx_challenge challenge;
		struct m2mkx_signed_share signed_share;
		struct m2mkx_answer answer;
		struct m2mkx_relay relay;
		struct m2mkx_final_request final_request;
		struct m2mkx_final final;
		struct m2mkx_root_info root;
	} m;
	/* Exactly the input's size: the sanitizer sees any write past it. */
	u8 *copy = malloc(len ? len : 1);
	size_t used = 0, written = 0;
	const u8 *entry;
	unsigned int i;
	int ret = -1;

	if (!copy)
		abort();
	memcpy(copy, buf, len);
	switch (which) {
	case PARSE_ROOT_INFO:
		ret = m2mkx_root_info_parse(buf, len, &m.root, &used);
		if (!ret) {
			if (used > len)
				abort();
			written = m2mkx_root_info_encode(copy, &m.root);
			if (written != used)
				abort();
		}
		break;
	case M2MKX_MSG_HELLO:
		ret = m2mkx_hello_parse(buf, len, &m.hello);
		if (!ret)
			written = m2mkx_hello_encode(copy, &m.hello);
		break;
	case M2MKX_MSG_HELLO_REPLY:
		ret = m2mkx_hello_reply_parse(buf, len, &m.hello_reply);
		if (!ret)
			written = m2mkx_hello_reply_encode(copy, &m.hello_reply);
		break;
	case M2MKX_MSG_PROXY_REQUEST:
		ret = m2mkx_proxy_request_parse(buf, len, &m.proxy_request);
		if (!ret)
			written = m2mkx_proxy_request_encode(copy,
							     &m.proxy_request);
		break;
	case M2MKX_MSG_PROXY_LIST:
		ret = m2mkx_proxy_list_parse(buf, len, &m.proxy_list);
		if (!ret)
			written = m2mkx_proxy_list_encode(copy, &m.proxy_list);
		break;
	case M2MKX_MSG_KEY_MATERIAL:
		ret = m2mkx_key_material_hdr_parse(buf, len,
						   &m.key_material_hdr);
		if (!ret)
			written = m2mkx_key_material_hdr_encode(copy,
							&m.key_material_hdr);
		break;
	case PARSE_KEY_MATERIAL_PT:
		ret = m2mkx_key_material_parse(buf, len, &m.key_material);
		if (!ret)
			written = m2mkx_key_material_encode(copy,
							    &m.key_material);
		break;
	case M2MKX_MSG_MATERIAL_ACK:
		ret = m2mkx_material_ack_parse(buf, len, &m.material_ack);
		if (!ret)
			written = m2mkx_material_ack_encode(copy,
							    &m.material_ack);
		break;
	case M2MKX_MSG_SHARES:
		ret = m2mkx_shares_parse(buf, len, &m.shares);
		if (ret)
			break;
		written = m2mkx_shares_encode(copy, &m.shares);
		/* Every entry is found by its proxy, the first one first. */
		for (i = 0; i < m.shares.count; i++) {
			const u8 *at = m.shares.entries +
				i * M2MKX_SHARES_ENTRY_LEN(m.shares.share_len);

			if (m2mkx_shares_find(&m.shares, at, &entry) ||
			    entry > at || memcmp(entry, at, M2MKX_ID_LEN))
				abort();
			m2mkx_shares_entry_encode(copy + (at - buf), at,
						  at[M2MKX_ID_LEN]);
		}
		break;
	case M2MKX_MSG_PROXY_HELLO:
		ret = m2mkx_proxy_hello_parse(buf, len, &m.proxy_hello);
		if (!ret)
			written = m2mkx_proxy_hello_encode(copy, &m.proxy_hello);
		break;
	case M2MKX_MSG_CHALLENGE:
		ret = m2mkx_challenge_parse(buf, len, &m.challenge);
		if (!ret)
			written = m2mkx_challenge_encode(copy, &m.challenge);
		break;
	case M2MKX_MSG_SIGNED_SHARE:
		ret = m2mkx_signed_share_parse(buf, len, p, &m.signed_share);
		if (ret)
			break;
		written = m2mkx_signed_share_encode(copy, &m.signed_share);
		if (written != m.signed_share.signed_len ||
		    written + m.signed_share.ots_sig_len != len ||
		    len != m2mkx_signed_share_len(p, m.signed_share.root.sig_len))
			abort();
		break;
	case M2MKX_MSG_ANSWER:
		ret = m2mkx_answer_parse(buf, len, &m.answer);
		if (!ret)
			written = m2mkx_answer_encode(copy, &m.answer);
		break;
	case M2MKX_MSG_RELAY:
		ret = m2mkx_relay_parse(buf, len, &m.relay);
		if (!ret)
			written = m2mkx_relay_encode(copy, &m.relay);
		break;
	case M2MKX_MSG_FINAL_REQUEST:
		ret = m2mkx_final_request_parse(buf, len, &m.final_request);
		if (!ret)
			written = m2mkx_final_request_encode(copy,
							     &m.final_request);
		break;
	case M2MKX_MSG_FINAL:
		ret = m2mkx_final_parse(buf, len, &m.final);
		if (!ret)
			written = m2mkx_final_encode(copy, &m.final);
		break;
	}
	/* A refusal is one of the codec's reasons, nothing else. */
	if (ret > 0 || ret < -(int)M2MKX_ERR_COUNT)
		abort();
	if (!ret)
		same(buf, copy, len, written);
	free(copy);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct m2mkx_params p;
	unsigned int which;

	if (!size)
		return 0;
	which = data[0] % PARSERS;
	data++;
	size--;
	if (which == M2MKX_MSG_SIGNED_SHARE) {
		if (size < 3)
			return 0;
		params_from(data, &p);
		data += 3;
		size -= 3;
	}
	parse_one(which, &p, data, size);
	return 0;
}

/* A seed: the parser's index, its parameters if it needs any, @buf. */
static void emit_seed(fuzz_emit emit, void *arg, unsigned int which,
		      const struct m2mkx_params *p, const u8 *buf, size_t len)
{
	u8 *in = malloc(len + 4);
	size_t off = 1;

	if (!in)
		abort();
	in[0] = (u8)which;
	if (which == M2MKX_MSG_SIGNED_SHARE) {
		params_to(p, in + 1);
		off += 3;
	}
	memcpy(in + off, buf, len);
	emit(in, off + len, arg);
	free(in);
}

struct seeds {
	fuzz_emit emit;
	void *arg;
};

static bool seed_hook(struct world *w, struct dgram *d)
{
	const struct m2mkx_params *p = &w->params;
	struct seeds *s = w->hook_data;
	struct m2mkx_key_material km;
	struct m2mkx_root_info root;
	int type = m2mkx_msg_peek(d->data, d->len);
	size_t used;
	u8 *pt;

	if (type <= 0 || type >= PARSERS)
		return true;
	emit_seed(s->emit, s->arg, (unsigned int)type, p, d->data, d->len);
	if (type != M2MKX_MSG_KEY_MATERIAL || d->to < NODE_P0)
		return true;
	/* The plaintext, and the root info in it, as the proxy reads them. */
	pt = malloc(d->len);
	if (!pt)
		abort();
	if (!m2mkx_proxy_material_open(&w->p[d->to - NODE_P0].cfg, d->data,
				       d->len, pt, &km)) {
		size_t pt_len = d->len - M2MKX_KEY_MATERIAL_HDR_LEN -
				M2MKX_TAG_LEN;

		emit_seed(s->emit, s->arg, PARSE_KEY_MATERIAL_PT, p, pt,
			  pt_len);
		/* After q(1) and the seed(32). */
		if (!m2mkx_root_info_parse(pt + 1 + M2MKX_OTS_SEED_LEN,
					   pt_len - 1 - M2MKX_OTS_SEED_LEN,
					   &root, &used))
			emit_seed(s->emit, s->arg, PARSE_ROOT_INFO, p,
				  pt + 1 + M2MKX_OTS_SEED_LEN, used);
	}
	free(pt);
	return true;
}

void fuzz_seeds(fuzz_emit emit, void *arg)
{
	struct seeds s = { .emit = emit, .arg = arg };
	struct world *w = malloc(sizeof(*w));
	unsigned int i;

	if (!w)
		abort();
	for (i = 0; i < fuzz_honest_count; i++) {
		fuzz_honest_run(i, w, seed_hook, &s);
		world_free(w);
	}
	free(w);
}

/*
 * A captured datagram goes to the parser of its type. SIGNED_SHARE's
 * layout depends on the session's parameters, which only B knew: it goes
 * with the first set its parser accepts it under (any other that does
 * has the same layout).
 */
void fuzz_capture_seeds(const uint8_t *dgram, size_t len, fuzz_emit emit,
			void *arg)
{
	struct m2mkx_signed_share m;
	struct m2mkx_params p;
	int type = m2mkx_msg_peek(dgram, len);
	u8 in[3];

	if (type <= 0 || type >= PARSERS)
		return;
	if (type != M2MKX_MSG_SIGNED_SHARE) {
		emit_seed(emit, arg, (unsigned int)type, NULL, dgram, len);
		return;
	}
	for (in[0] = 0; in[0] < 2 * M2MKX_ARRAY_SIZE(ots_types); in[0]++)
		for (in[1] = 1; in[1] <= M2MKX_MAX_PROXIES; in[1]++)
			for (in[2] = 1; in[2] <= in[1]; in[2]++) {
				params_from(in, &p);
				if (!m2mkx_signed_share_parse(dgram, len, &p,
							      &m)) {
					emit_seed(emit, arg, (unsigned int)type,
						  &p, dgram, len);
					return;
				}
			}
}
