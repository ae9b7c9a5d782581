// SPDX-License-Identifier: GPL-2.0
/*
 * The protocol core inside the kernel, on the kernel crypto backend
 * (kernel/m2mkx/crypto.c), against the known answers the userspace tests
 * check on OpenSSL: RFC 8554 Appendix F through the core's LM-OTS and tree
 * code, and the transcript vector's keys and intermediate values through
 * the key schedule. A backend bug (a wrong SHA-256 path, CCM nonce layout
 * or X25519 clamp) cannot hide behind the userspace tests.
 *
 * The vectors come from tests/vectors/rfc8554.txt and transcript.txt,
 * through the header tests/kunit/gen-vectors writes at build time.
 */
#include <kunit/test.h>
#include <linux/string.h>

#include <m2mkx/bytes.h>
#include <m2mkx/errors.h>
#include <m2mkx/keys.h>
#include <m2mkx/merkle.h>
#include <m2mkx/ots.h>
#include <m2mkx/proxy.h>

#include "harness.h"
#include "vectors.h"

#define N 32
#define LMS_PUB_LEN (4 + 4 + M2MKX_LMS_I_LEN + N)

/* ---- RFC 8554 Appendix F ---- */

static void rfc8554_desc(const struct m2mkx_kunit_rfc8554 *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "case %s", c->name);
}

KUNIT_ARRAY_PARAM(rfc8554, m2mkx_kunit_rfc8554, rfc8554_desc);

/* The cases that give the bottom tree's private key too. */
static const void *rfc8554_keyed_gen_params(const void *prev, char *desc)
{
	const struct m2mkx_kunit_rfc8554 *c = prev;

	for (c = c ? c + 1 : m2mkx_kunit_rfc8554;
	     c < m2mkx_kunit_rfc8554 + ARRAY_SIZE(m2mkx_kunit_rfc8554); c++) {
		if (c->leaf_seed.len) {
			rfc8554_desc(c, desc);
			return c;
		}
	}
	return NULL;
}

static void rfc8554_signature_verifies(struct kunit *test)
{
	const struct m2mkx_kunit_rfc8554 *c = test->param_value;

	KUNIT_EXPECT_EQ(test,
			m2mkx_hss_verify(c->pub.data, c->pub.len, c->msg.data,
					 c->msg.len, c->sig.data, c->sig.len),
			0);
}

/*
 * One flipped bit anywhere that matters must fail: the bottom signature's
 * randomiser C, a chain value y, the last path node, the signed message,
 * and the top level's signature of the bottom key.
 */
static void rfc8554_any_flipped_bit_fails(struct kunit *test)
{
	const struct m2mkx_kunit_rfc8554 *c = test->param_value;
	size_t top = m2mkx_lms_sig_len(c->sig.data + 4, c->sig.len - 4);
	size_t bottom = 4 + top + LMS_PUB_LEN;
	size_t at[] = {
		bottom + 8 + 3,			/* C */
		bottom + 8 + N + 5 * N + 7,	/* y[5] */
		c->sig.len - 1,			/* the last path node */
		4 + 8 + 1,			/* the top level's C */
	};
	u8 *sig, *msg;
	unsigned int i;

	KUNIT_ASSERT_GT(test, top, 0);
	sig = kunit_kmalloc(test, c->sig.len, GFP_KERNEL);
	msg = kunit_kmalloc(test, c->msg.len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, sig);
	KUNIT_ASSERT_NOT_NULL(test, msg);
	memcpy(sig, c->sig.data, c->sig.len);
	memcpy(msg, c->msg.data, c->msg.len);

	for (i = 0; i < ARRAY_SIZE(at); i++) {
		sig[at[i]] ^= 0x01;
		KUNIT_EXPECT_NE_MSG(test,
				    m2mkx_hss_verify(c->pub.data, c->pub.len,
						     msg, c->msg.len, sig,
						     c->sig.len),
				    0, "bit 0 of signature byte %zu flipped",
				    at[i]);
		sig[at[i]] ^= 0x01;
	}
	msg[0] ^= 0x80;
	KUNIT_EXPECT_NE(test,
			m2mkx_hss_verify(c->pub.data, c->pub.len, msg,
					 c->msg.len, sig, c->sig.len),
			0);
}

/*
 * Test case 2 gives the bottom tree's private key: our key derivation
 * (Appendix A) must give the leaf key the RFC's signature implies, and
 * the tree climb from it the RFC's root.
 */
static void rfc8554_leaf_key_derivation(struct kunit *test)
{
	const struct m2mkx_kunit_rfc8554 *c = test->param_value;
	size_t top, ots_len;
	const u8 *pub1, *sig1;
	struct m2mkx_ots_key key = {};
	u8 k[N], kc[N], root[N];
	u32 otstype, q;

	KUNIT_ASSERT_EQ(test, c->leaf_i.len, M2MKX_LMS_I_LEN);
	KUNIT_ASSERT_EQ(test, c->leaf_seed.len, M2MKX_OTS_SEED_LEN);
	KUNIT_ASSERT_EQ(test, c->leaf_q.len, 4);
	top = m2mkx_lms_sig_len(c->sig.data + 4, c->sig.len - 4);
	KUNIT_ASSERT_GT(test, top, 0);
	pub1 = c->sig.data + 4 + top;
	sig1 = pub1 + LMS_PUB_LEN;
	KUNIT_ASSERT_EQ(test, m2mkx_get_be32(pub1), M2MKX_LMS_SHA256_M32_H5);
	KUNIT_ASSERT_EQ(test, memcmp(pub1 + 8, c->leaf_i.data,
				     M2MKX_LMS_I_LEN), 0);
	otstype = m2mkx_get_be32(pub1 + 4);
	ots_len = m2mkx_ots_sig_len(otstype);
	q = m2mkx_get_be32(c->leaf_q.data);

	key.type = otstype;
	key.q = q;
	memcpy(key.I, c->leaf_i.data, M2MKX_LMS_I_LEN);
	memcpy(key.seed, c->leaf_seed.data, M2MKX_OTS_SEED_LEN);
	KUNIT_ASSERT_EQ(test, m2mkx_ots_public(&key, k), 0);
	KUNIT_ASSERT_EQ(test, m2mkx_ots_candidate(otstype, key.I, q,
						  c->msg.data, c->msg.len,
						  sig1 + 4, ots_len, kc), 0);
	KUNIT_EXPECT_EQ_MSG(test, memcmp(k, kc, N), 0,
			    "our K of leaf %u is the RFC signature's", q);
	KUNIT_ASSERT_EQ(test, m2mkx_merkle_root(key.I, 5, q, k,
						sig1 + 4 + ots_len + 4, root),
			0);
	KUNIT_EXPECT_EQ(test, memcmp(root, pub1 + 24, N), 0);
}

static struct kunit_case rfc8554_cases[] = {
	KUNIT_CASE_PARAM(rfc8554_signature_verifies, rfc8554_gen_params),
	KUNIT_CASE_PARAM(rfc8554_any_flipped_bit_fails, rfc8554_gen_params),
	KUNIT_CASE_PARAM(rfc8554_leaf_key_derivation,
			 rfc8554_keyed_gen_params),
	{}
};

static struct kunit_suite rfc8554_suite = {
	.suite_init = m2mkx_kunit_module_up,
	.suite_exit = m2mkx_kunit_module_down,
	.name = "m2mkx_core_rfc8554",
	.test_cases = rfc8554_cases,
};

/* ---- the transcript vector ---- */

/* The value named @fmt in tests/vectors/transcript.txt; the test ends without. */
static __printf(3, 4) const u8 *tv(struct kunit *test, size_t len,
				   const char *fmt, ...)
{
	char name[48];
	unsigned int i;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	for (i = 0; i < ARRAY_SIZE(m2mkx_kunit_transcript); i++) {
		const struct m2mkx_kunit_entry *e = &m2mkx_kunit_transcript[i];

		if (strcmp(e->name, name))
			continue;
		KUNIT_ASSERT_EQ_MSG(test, e->value.len, len, "length of %s",
				    name);
		return e->value.data;
	}
	KUNIT_ASSERT_FAILURE(test, "no %s in the transcript vector", name);
	return NULL;
}

/* How many proxies the transcript has: its T.P<q>.seed lines. */
static unsigned int transcript_proxies(void)
{
	unsigned int i, n = 0;

	for (i = 0; i < ARRAY_SIZE(m2mkx_kunit_transcript); i++)
		if (strstarts(m2mkx_kunit_transcript[i].name, "T.P") &&
		    strstr(m2mkx_kunit_transcript[i].name, ".seed"))
			n++;
	return n;
}

/* Expects @got to be the value named @fmt, of @len bytes. */
static __printf(4, 5) void expect_value(struct kunit *test, const void *got,
					size_t len, const char *fmt, ...)
{
	const u8 *want;
	char name[48];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	want = tv(test, len, "%s", name);
	KUNIT_EXPECT_EQ_MSG(test, memcmp(got, want, len), 0, "%s", name);
}

static void transcript_server_static_key(struct kunit *test)
{
	const u8 *secret = tv(test, 32, "key.B.static_secret");
	u8 pub[M2MKX_X25519_LEN];

	KUNIT_ASSERT_EQ(test, m2mkx_x25519_public(pub, secret), 0);
	expect_value(test, pub, 32, "key.B.static_public");
}

static void transcript_commitment(struct kunit *test)
{
	u8 c[M2MKX_COMMIT_LEN];

	m2mkx_commit_x(c, tv(test, M2MKX_SESSION_LEN, "A.session"),
		       tv(test, M2MKX_SECRET_LEN, "A.x"));
	expect_value(test, c, M2MKX_COMMIT_LEN, "A.commitment");
}

/* Each proxy's X25519 secret with B and the keys derived from it. */
static void transcript_proxy_server_keys(struct kunit *test)
{
	const u8 *session = tv(test, M2MKX_SESSION_LEN, "A.session");
	const u8 *b_pub = tv(test, 32, "key.B.static_public");
	const u8 *a = tv(test, M2MKX_ID_LEN, "id.A");
	const u8 *b = tv(test, M2MKX_ID_LEN, "id.B");
	unsigned int q, n = transcript_proxies();
	struct m2mkx_p2b_keys keys;
	u8 e_pub[32], dh[32];

	KUNIT_ASSERT_GT(test, n, 0);
	for (q = 1; q <= n; q++) {
		const u8 *e = tv(test, 32, "P%u.e_secret", q);

		KUNIT_ASSERT_EQ(test, m2mkx_x25519_public(e_pub, e), 0);
		KUNIT_ASSERT_EQ(test, m2mkx_x25519(dh, e, b_pub), 0);
		expect_value(test, dh, 32, "P%u.dh", q);
		KUNIT_ASSERT_EQ(test, m2mkx_derive_p2b(&keys, dh, session, a, b,
						       (u8)(q - 1), e_pub, b_pub),
				0);
		expect_value(test, keys.conf, 32, "P%u.K_conf", q);
		expect_value(test, keys.p2b, 32, "P%u.K_p2b", q);
		expect_value(test, keys.b2p, 32, "P%u.K_b2p", q);
	}
}

/* A's side of the end: y from the relayed package, then MK and its keys. */
static void transcript_master_key(struct kunit *test)
{
	u8 ad[M2MKX_SESSION_LEN + 2 * M2MKX_ID_LEN + M2MKX_NONCE_LEN];
	const u8 *n_a = tv(test, M2MKX_NONCE_LEN, "A.N_A");
	const u8 *n_b = tv(test, M2MKX_NONCE_LEN, "A.N_B");
	const u8 *x = tv(test, M2MKX_SECRET_LEN, "A.x");
	const u8 *a = tv(test, M2MKX_ID_LEN, "id.A");
	const u8 *b = tv(test, M2MKX_ID_LEN, "id.B");
	const u8 *ypkg = tv(test, M2MKX_YPKG_LEN, "B.y_package");
	u8 nonce[M2MKX_CCM_NONCE_LEN], y[M2MKX_SECRET_LEN], mk[M2MKX_MK_LEN];
	u8 buf[36];

	memcpy(ad, tv(test, M2MKX_SESSION_LEN, "A.session"),
	       M2MKX_SESSION_LEN);
	memcpy(ad + 8, a, M2MKX_ID_LEN);
	memcpy(ad + 16, b, M2MKX_ID_LEN);
	memcpy(ad + 24, n_b, M2MKX_NONCE_LEN);
	m2mkx_a_nonce(nonce, M2MKX_MSG_Y_PACKAGE, n_a);
	KUNIT_ASSERT_EQ(test, m2mkx_aes128_ccm_open(x, nonce, ad, sizeof(ad),
						    ypkg, M2MKX_SECRET_LEN, y,
						    M2MKX_TAG_LEN), 0);
	expect_value(test, y, M2MKX_SECRET_LEN, "B.y");

	m2mkx_derive_mk(mk, a, b, n_a, n_b, x, y);
	expect_value(test, mk, M2MKX_MK_LEN, "MK");
	KUNIT_ASSERT_EQ(test, m2mkx_traffic_key(buf, M2MKX_FIN_KEY_LEN, mk,
						M2MKX_LABEL_FINISH), 0);
	expect_value(test, buf, M2MKX_FIN_KEY_LEN, "MK.finish");
	KUNIT_ASSERT_EQ(test, m2mkx_traffic_key(buf, 36, mk,
						M2MKX_LABEL_ESP_A2B), 0);
	expect_value(test, buf, 36, "MK.esp_a2b");
	KUNIT_ASSERT_EQ(test, m2mkx_traffic_key(buf, 36, mk,
						M2MKX_LABEL_ESP_B2A), 0);
	expect_value(test, buf, 36, "MK.esp_b2a");
	KUNIT_ASSERT_EQ(test, m2mkx_traffic_key(buf, 8, mk,
						M2MKX_LABEL_ESP_SPI), 0);
	expect_value(test, buf, 8, "MK.esp_spi");
}

/* The value of datagram msg.NN.key_material.T_to_P<q>, whatever NN is. */
static const struct m2mkx_kunit_bytes *material_msg(unsigned int q)
{
	char suffix[32];
	unsigned int i;

	snprintf(suffix, sizeof(suffix), ".key_material.T_to_P%u", q);
	for (i = 0; i < ARRAY_SIZE(m2mkx_kunit_transcript); i++) {
		const char *name = m2mkx_kunit_transcript[i].name;

		if (strstarts(name, "msg.") && strstr(name, suffix) &&
		    strlen(strstr(name, suffix)) == strlen(suffix))
			return &m2mkx_kunit_transcript[i].value;
	}
	return NULL;
}

/*
 * T's KEY_MATERIAL opened with each proxy's key, as the agent does before
 * installing it into the module: the seed, T's tree, each one-time public
 * key (hundreds of kernel SHA-256 calls) and the proxy id B lists.
 */
static void transcript_key_material(struct kunit *test)
{
	unsigned int q, n = transcript_proxies();
	struct m2mkx_proxy_config cfg = {};
	const struct m2mkx_kunit_bytes *msg;
	struct m2mkx_key_material m;
	u8 k[N], id[M2MKX_PROXY_ID_LEN];
	u8 *pt;
	int ret;

	KUNIT_ASSERT_GT(test, n, 0);
	for (q = 1; q <= n; q++) {
		struct m2mkx_ots_key key = {};

		msg = material_msg(q);
		KUNIT_ASSERT_NOT_NULL_MSG(test, msg, "KEY_MATERIAL to P%u", q);
		pt = kunit_kzalloc(test, msg->len, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, pt);
		memcpy(cfg.id, tv(test, M2MKX_ID_LEN, "id.P%u", q),
		       M2MKX_ID_LEN);
		memcpy(cfg.k_pt, tv(test, 16, "key.K_P%uT", q), 16);
		ret = m2mkx_proxy_material_open(&cfg, msg->data, msg->len, pt,
						&m);
		KUNIT_ASSERT_EQ(test, ret, 0);
		expect_value(test, m.seed, M2MKX_OTS_SEED_LEN, "T.P%u.seed", q);
		expect_value(test, m.root.I, M2MKX_LMS_I_LEN, "T.I");
		expect_value(test, m.root.root, N, "T.root");
		if (q == 1) {
			m2mkx_root_digest(k, m.root.signed_part);
			expect_value(test, k, N, "T.root_digest");
		}
		key.type = m.root.params.ots_type;
		key.q = m.q;
		memcpy(key.I, m.root.I, sizeof(key.I));
		memcpy(key.seed, m.seed, sizeof(key.seed));
		KUNIT_ASSERT_EQ(test, m2mkx_ots_public(&key, k), 0);
		expect_value(test, k, N, "T.P%u.K", q);
		m2mkx_proxy_id(id, k);
		expect_value(test, id, M2MKX_PROXY_ID_LEN, "T.P%u.ID", q);

		/* And a wrong key is refused, not misread. */
		cfg.k_pt[0] ^= 1;
		ret = m2mkx_proxy_material_open(&cfg, msg->data, msg->len, pt,
						&m);
		KUNIT_EXPECT_NE(test, ret, 0);
	}
}

static struct kunit_case transcript_cases[] = {
	KUNIT_CASE(transcript_server_static_key),
	KUNIT_CASE(transcript_commitment),
	KUNIT_CASE(transcript_proxy_server_keys),
	KUNIT_CASE(transcript_master_key),
	KUNIT_CASE(transcript_key_material),
	{}
};

static struct kunit_suite transcript_suite = {
	.suite_init = m2mkx_kunit_module_up,
	.suite_exit = m2mkx_kunit_module_down,
	.name = "m2mkx_core_transcript",
	.test_cases = transcript_cases,
};

kunit_test_suites(&rfc8554_suite, &transcript_suite);
