// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The transcript test vector: one full handshake (n = 5, k = 3, m = 2,
 * Shamir, LM-OTS W4) from fixed seeds, every datagram and every
 * intermediate key, compared line by line with tests/vectors/transcript.txt.
 *
 * With --generate FILE it writes the transcript to FILE instead; that is
 * how `make vectors` makes the file. Any change to a message layout, a label, a nonce or a
 * derivation shows up here as the first line that differs.
 *
 * The intermediates are recomputed from what the roles exchanged and the
 * secrets the harness can see (A's x, each proxy's ephemeral key, T's
 * material opened with the proxy's key), with the key schedule's own
 * functions, so the file documents how each value arises.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <m2mkx/bytes.h>
#include <m2mkx/kdf.h>
#include <m2mkx/merkle.h>

#include "drbg.h"
#include "tap.h"
#include "world.h"

#define MAX_LINES 512
#define LINE_MAX_LEN 40000

struct transcript {
	char *lines[MAX_LINES];
	unsigned int count;
	/* Captured while the handshake runs. */
	u8 e_secret[WORLD_MAX_PROXIES][M2MKX_X25519_LEN];
	bool have_e[WORLD_MAX_PROXIES];
	u8 x[M2MKX_SECRET_LEN];
	u8 ypkg[M2MKX_YPKG_LEN];
	bool have_ypkg;
	unsigned int seq;
};

static void add(struct transcript *t, const char *name, const void *data,
		size_t len)
{
	const u8 *b = data;
	char *line = malloc(strlen(name) + 4 + 2 * len + 1);
	size_t i, off;

	if (!line || t->count == MAX_LINES)
		abort();
	off = (size_t)sprintf(line, "%s = ", name);
	for (i = 0; i < len; i++)
		off += (size_t)sprintf(line + off, "%02x", b[i]);
	t->lines[t->count++] = line;
}

static const char *node_name(int node, char *buf)
{
	if (node == NODE_A)
		return "A";
	if (node == NODE_B)
		return "B";
	if (node == NODE_T)
		return "T";
	sprintf(buf, "P%d", node - NODE_P0 + 1);
	return buf;
}

static const char *const type_names[] = {
	[M2MKX_MSG_HELLO] = "hello",
	[M2MKX_MSG_HELLO_REPLY] = "hello_reply",
	[M2MKX_MSG_PROXY_REQUEST] = "proxy_request",
	[M2MKX_MSG_PROXY_LIST] = "proxy_list",
	[M2MKX_MSG_KEY_MATERIAL] = "key_material",
	[M2MKX_MSG_MATERIAL_ACK] = "material_ack",
	[M2MKX_MSG_SHARES] = "shares",
	[M2MKX_MSG_PROXY_HELLO] = "proxy_hello",
	[M2MKX_MSG_CHALLENGE] = "challenge",
	[M2MKX_MSG_SIGNED_SHARE] = "signed_share",
	[M2MKX_MSG_ANSWER] = "answer",
	[M2MKX_MSG_RELAY] = "relay",
	[M2MKX_MSG_FINAL_REQUEST] = "final_request",
	[M2MKX_MSG_FINAL] = "final",
};

static bool record(struct world *w, struct dgram *d)
{
	struct transcript *t = w->hook_data;
	int type = m2mkx_msg_peek(d->data, d->len);
	char name[96], b1[8], b2[8];

	snprintf(name, sizeof(name), "msg.%02u.%s.%s_to_%s", t->seq++,
		 type > 0 ? type_names[type] : "invalid",
		 node_name(d->from, b1), node_name(d->to, b2));
	add(t, name, d->data, d->len);
	if (type == M2MKX_MSG_RELAY && !t->have_ypkg) {
		memcpy(t->ypkg, d->data + 26, M2MKX_YPKG_LEN);
		t->have_ypkg = true;
	}
	return true;
}

/* The proxies' ephemeral keys, from their sessions once they say hello. */
static void capture(struct world *w, const struct dgram *d, int ret)
{
	struct transcript *t = w->hook_data;
	unsigned int q, i;

	(void)d;
	(void)ret;
	for (q = 0; q < w->params.n; q++) {
		for (i = 0; i < WORLD_SESSIONS; i++) {
			const struct m2mkx_proxy_session *s = &w->p[q].s[i];

			if (!t->have_e[q] && w->p[q].used[i] &&
			    s->state == M2MKX_PROXY_HELLO_SENT) {
				memcpy(t->e_secret[q], s->e_secret,
				       M2MKX_X25519_LEN);
				t->have_e[q] = true;
			}
		}
	}
}

static void derived(struct world *w, struct transcript *t)
{
	const struct m2mkx_params *p = &w->params;
	size_t share_len = m2mkx_share_len(p->share_mode, p->k,
					   M2MKX_SECRET_LEN);
	struct m2mkx_client *a = &w->a;
	u8 buf[64], y[M2MKX_SECRET_LEN], nonce[M2MKX_CCM_NONCE_LEN];
	u8 ad[M2MKX_SESSION_LEN + 2 * M2MKX_ID_LEN + M2MKX_NONCE_LEN];
	u8 mk[M2MKX_MK_LEN];
	char name[64];
	unsigned int q;

	add(t, "id.A", w->a_id, M2MKX_ID_LEN);
	add(t, "id.B", w->b_id, M2MKX_ID_LEN);
	add(t, "key.B.static_secret", w->b_cfg.static_secret, 32);
	add(t, "key.B.static_public", w->b_cfg.static_public, 32);
	add(t, "key.K_AT", w->k_at, 16);
	for (q = 0; q < p->n; q++) {
		snprintf(name, sizeof(name), "id.P%u", q + 1);
		add(t, name, w->p_id[q], M2MKX_ID_LEN);
		snprintf(name, sizeof(name), "key.K_AP%u", q + 1);
		add(t, name, w->k_ap[q], 16);
		snprintf(name, sizeof(name), "key.K_P%uT", q + 1);
		add(t, name, w->k_pt[q], 16);
	}
	m2mkx_signer_key_id(w->signer, buf);
	add(t, "key.T.key_id", buf, M2MKX_TKEY_ID_LEN);

	add(t, "A.N_A", a->n_a, M2MKX_NONCE_LEN);
	add(t, "A.N_B", a->n_b, M2MKX_NONCE_LEN);
	add(t, "A.session", a->session, M2MKX_SESSION_LEN);
	add(t, "A.x", t->x, M2MKX_SECRET_LEN);
	m2mkx_commit_x(buf, a->session, t->x);
	add(t, "A.commitment", buf, M2MKX_COMMIT_LEN);

	for (q = 0; q < p->n; q++) {
		struct m2mkx_p2b_keys keys;
		u8 e_pub[32], dh[32];

		snprintf(name, sizeof(name), "P%u.e_secret", q + 1);
		add(t, name, t->e_secret[q], 32);
		m2mkx_x25519_public(e_pub, t->e_secret[q]);
		m2mkx_x25519(dh, t->e_secret[q], w->b_cfg.static_public);
		snprintf(name, sizeof(name), "P%u.dh", q + 1);
		add(t, name, dh, 32);
		m2mkx_derive_p2b(&keys, dh, a->session, w->a_id, w->b_id,
				 (u8)q, e_pub, w->b_cfg.static_public);
		snprintf(name, sizeof(name), "P%u.K_conf", q + 1);
		add(t, name, keys.conf, 32);
		snprintf(name, sizeof(name), "P%u.K_p2b", q + 1);
		add(t, name, keys.p2b, 32);
		snprintf(name, sizeof(name), "P%u.K_b2p", q + 1);
		add(t, name, keys.b2p, 32);
	}
	(void)share_len;

	/* y from the y package, opened as A does. */
	memcpy(ad, a->session, M2MKX_SESSION_LEN);
	memcpy(ad + 8, w->a_id, M2MKX_ID_LEN);
	memcpy(ad + 16, w->b_id, M2MKX_ID_LEN);
	memcpy(ad + 24, a->n_b, M2MKX_NONCE_LEN);
	m2mkx_a_nonce(nonce, M2MKX_MSG_Y_PACKAGE, a->n_a);
	tap_is_int(m2mkx_aes128_ccm_open(t->x, nonce, ad, sizeof(ad), t->ypkg,
					 M2MKX_SECRET_LEN, y, M2MKX_TAG_LEN),
		   0, "the relayed y package opens under x");
	add(t, "B.y_package", t->ypkg, M2MKX_YPKG_LEN);
	add(t, "B.y", y, M2MKX_SECRET_LEN);

	m2mkx_derive_mk(mk, w->a_id, w->b_id, a->n_a, a->n_b, t->x, y);
	tap_is_mem(mk, w->a_mk, M2MKX_MK_LEN,
		   "MK = H(A|B|N_A|N_B|x|y) is the MK A derived");
	tap_is_mem(mk, w->b_mk, M2MKX_MK_LEN, "and the MK B derived");
	add(t, "MK", mk, M2MKX_MK_LEN);
	m2mkx_traffic_key(buf, M2MKX_FIN_KEY_LEN, mk, M2MKX_LABEL_FINISH);
	add(t, "MK.finish", buf, M2MKX_FIN_KEY_LEN);
	m2mkx_traffic_key(buf, 36, mk, M2MKX_LABEL_ESP_A2B);
	add(t, "MK.esp_a2b", buf, 36);
	m2mkx_traffic_key(buf, 36, mk, M2MKX_LABEL_ESP_B2A);
	add(t, "MK.esp_b2a", buf, 36);
	m2mkx_traffic_key(buf, 8, mk, M2MKX_LABEL_ESP_SPI);
	add(t, "MK.esp_spi", buf, 8);
	m2mkx_wipe(mk, sizeof(mk));
}

/* T's material, opened with each proxy's key. */
static void material(struct world *w, struct transcript *t)
{
	unsigned int i, q;

	for (i = 0; i < t->count; i++) {
		struct m2mkx_key_material m;
		u8 bin[4096], pt[4096], k[32], id[8];
		char name[64];
		long len;

		if (!strstr(t->lines[i], ".key_material.T_to_P"))
			continue;
		q = (unsigned int)atoi(strstr(t->lines[i], "_to_P") + 5) - 1;
		len = tap_unhex(strchr(t->lines[i], '=') + 2, bin, sizeof(bin));
		if (len < 0 || m2mkx_proxy_material_open(&w->p[q].cfg, bin,
							 (size_t)len, pt, &m))
			abort();
		snprintf(name, sizeof(name), "T.P%u.seed", q + 1);
		add(t, name, m.seed, sizeof(m.seed));
		if (q == 0) {
			add(t, "T.I", m.root.I, sizeof(m.root.I));
			add(t, "T.root", m.root.root, sizeof(m.root.root));
			m2mkx_root_digest(k, m.root.signed_part);
			add(t, "T.root_digest", k, sizeof(k));
		}
		{
			struct m2mkx_ots_key key = {
				.type = m.root.params.ots_type, .q = m.q,
			};

			memcpy(key.I, m.root.I, sizeof(key.I));
			memcpy(key.seed, m.seed, sizeof(key.seed));
			m2mkx_ots_public(&key, k);
			m2mkx_wipe(&key, sizeof(key));
		}
		snprintf(name, sizeof(name), "T.P%u.K", q + 1);
		add(t, name, k, sizeof(k));
		m2mkx_proxy_id(id, k);
		snprintf(name, sizeof(name), "T.P%u.ID", q + 1);
		add(t, name, id, sizeof(id));
	}
}

static int compare(struct transcript *t, const char *path)
{
	static char line[LINE_MAX_LEN];
	unsigned int i = 0, bad = 0;
	FILE *f = fopen(path, "r");

	if (!tap_ok(f != NULL, "the vector file %s exists", path))
		return 1;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (!line[0] || line[0] == '#')
			continue;
		if (i >= t->count || strcmp(line, t->lines[i])) {
			if (!bad++)
				tap_diag("first difference at entry %u: %.60s",
					 i, line);
		}
		i++;
	}
	fclose(f);
	tap_is_int(i, t->count, "the vector has as many entries as the run");
	tap_is_int(bad, 0, "every message and key matches the vector");
	return 0;
}

int main(int argc, char **argv)
{
	static const struct m2mkx_params params = {
		.suite = M2MKX_SUITE_V1,
		.share_mode = M2MKX_SHARE_SHAMIR,
		.n = 5, .k = 3, .m = 2,
		.ots_type = M2MKX_LMOTS_SHA256_N32_W4,
	};
	bool generate = argc > 2 && !strcmp(argv[1], "--generate");
	const char *path = getenv("M2MKX_VECTORS") ?
			   getenv("M2MKX_VECTORS") : "tests/vectors";
	static struct transcript t;
	static struct world w;
	char file[512];
	unsigned int i;

	world_init(&w, &params, "m2mkx transcript v1");
	w.hook = record;
	w.after = capture;
	w.hook_data = &t;
	tap_is_int(world_start(&w), 0, "A starts");
	memcpy(t.x, w.a.x, sizeof(t.x));
	world_run(&w, 60000);
	tap_ok(w.a_done && w.b_done, "the handshake completes");
	for (i = 0; i < params.n; i++)
		tap_ok(t.have_e[i], "proxy %u's ephemeral key was seen", i + 1);
	material(&w, &t);
	derived(&w, &t);

	if (generate) {
		FILE *out = fopen(argv[2], "w");

		if (!out) {
			perror(argv[2]);
			return 1;
		}
		fprintf(out, "# m2mkx transcript test vector, version 1.\n"
		       "# Generated by tests/userspace/test_transcript "
		       "--generate (make vectors)\n"
		       "# from the DRBG seed \"m2mkx transcript v1\": "
		       "n=5 k=3 m=2, Shamir, LMOTS_SHA256_N32_W4.\n"
		       "# msg.SEQ.TYPE.FROM_to_TO is each datagram as "
		       "delivered; the rest are keys and\n"
		       "# intermediate values, named ROLE.value. "
		       "Layouts: Documentation/protocol.rst.\n");
		for (i = 0; i < t.count; i++)
			fprintf(out, "%s\n", t.lines[i]);
		fclose(out);
	} else {
		snprintf(file, sizeof(file), "%s/transcript.txt", path);
		compare(&t, file);
	}
	for (i = 0; i < t.count; i++)
		free(t.lines[i]);
	world_free(&w);
	return tap_done();
}
