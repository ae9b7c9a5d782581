// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The bundled backend of libm2mkx-client (lib/client/soft/) against the
 * published known answers: FIPS-197 Appendices B and C.1 for AES-128,
 * the four examples of NIST SP 800-38C Appendix C for CCM, and the
 * FIPS 180-4 examples for SHA-256 (one block, two blocks, a million
 * 'a's). Then what the core relies on beyond the answers: in-place
 * operation, refusal of a bad tag with the output wiped, and the work
 * counters the energy model reads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <m2mkx/crypto.h>
#include <m2mkx/errors.h>
#include <m2mkx/soft.h>

#include "tap.h"

static size_t unhex(u8 *out, const char *hex)
{
	size_t n = 0;
	unsigned int b;

	while (hex[0] && hex[1] && sscanf(hex, "%2x", &b) == 1) {
		out[n++] = (u8)b;
		hex += 2;
	}
	return n;
}

static int is_hex(const u8 *got, const char *want_hex, const char *name)
{
	u8 want[256];
	size_t n = unhex(want, want_hex);
	int ok = tap_ok(!memcmp(got, want, n), "%s", name);

	if (!ok) {
		tap_hex("got", got, n);
		tap_hex("want", want, n);
	}
	return ok;
}

static void test_aes(void)
{
	struct m2mkx_aes128 ctx;
	u8 key[16], in[16], out[16];

	unhex(key, "2b7e151628aed2a6abf7158809cf4f3c");
	unhex(in, "3243f6a8885a308d313198a2e0370734");
	m2mkx_aes128_setkey(&ctx, key);
	m2mkx_aes128_encrypt(&ctx, in, out);
	is_hex(out, "3925841d02dc09fbdc118597196a0b32",
	       "AES-128: FIPS-197 Appendix B");
	/*
	 * The round keys are computed as the block goes; a second block
	 * under the same context must start again from the first one.
	 */
	unhex(in, "6bc1bee22e409f96e93d7e117393172a");
	m2mkx_aes128_encrypt(&ctx, in, out);
	is_hex(out, "3ad77bb40d7a3660a89ecaf32466ef97",
	       "AES-128: SP 800-38A F.1.1, block 1, same context");

	unhex(key, "000102030405060708090a0b0c0d0e0f");
	unhex(in, "00112233445566778899aabbccddeeff");
	m2mkx_aes128_setkey(&ctx, key);
	m2mkx_aes128_encrypt(&ctx, in, out);
	is_hex(out, "69c4e0d86a7b0430d8cdb78070b4c55a",
	       "AES-128: FIPS-197 Appendix C.1");
}

struct ccm_example {
	const char *name, *nonce, *ct;
	size_t ad_len, pt_len, tag_len;
};

/*
 * SP 800-38C Appendix C: K = 40..4f, A = 00 01 02 ..., P = 20 21 22 ...
 * of the given lengths; Example 4's 65536 bytes of A repeat 00..ff.
 */
static const struct ccm_example ccm_examples[] = {
	{ "SP 800-38C Example 1", "10111213141516", "7162015b4dac255d",
	  8, 4, 4 },
	{ "SP 800-38C Example 2", "1011121314151617",
	  "d2a1f0e051ea5f62081a7792073d593d1fc64fbfaccd", 16, 16, 6 },
	{ "SP 800-38C Example 3", "101112131415161718191a1b",
	  "e3b201a9f5b71a7a9b1ceaeccd97e70b6176aad9a4428aa5"
	  "484392fbc1b09951", 20, 24, 8 },
	{ "SP 800-38C Example 4", "101112131415161718191a1b1c",
	  "69915dad1e84c6376a68c2967e4dab615ae0fd1faec44cc4"
	  "84828529463ccf72b4ac6bec93e8598e7f0dadbcea5b", 65536, 32, 14 },
};

static void test_ccm(void)
{
	u8 key[16], nonce[13], pt[32], buf[64], back[32];
	unsigned int e;
	size_t i, nlen;
	u8 *ad = malloc(65536);

	if (!ad)
		abort();
	for (i = 0; i < 65536; i++)
		ad[i] = (u8)i;
	for (i = 0; i < 16; i++)
		key[i] = (u8)(0x40 + i);
	for (i = 0; i < sizeof(pt); i++)
		pt[i] = (u8)(0x20 + i);

	for (e = 0; e < M2MKX_ARRAY_SIZE(ccm_examples); e++) {
		const struct ccm_example *x = &ccm_examples[e];
		char name[80];
		int ret;

		nlen = unhex(nonce, x->nonce);
		ret = m2mkx_soft_ccm_seal(key, nonce, nlen, ad, x->ad_len, pt,
					  x->pt_len, buf, x->tag_len);
		snprintf(name, sizeof(name), "CCM seal: %s", x->name);
		tap_is_int(ret, 0, "%s returns 0", name);
		is_hex(buf, x->ct, name);
		ret = m2mkx_soft_ccm_open(key, nonce, nlen, ad, x->ad_len, buf,
					  x->pt_len, back, x->tag_len);
		tap_ok(!ret && !memcmp(back, pt, x->pt_len),
		       "CCM open: %s gives P back", x->name);
	}

	/* crypto.h's case, in place, and a flipped tag bit. */
	unhex(nonce, "101112131415161718191a1b1c");
	memcpy(buf, pt, 24);
	tap_is_int(m2mkx_aes128_ccm_seal(key, nonce, ad, 20, buf, 24, buf, 8),
		   0, "AES-128-CCM seals in place");
	tap_is_int(m2mkx_aes128_ccm_open(key, nonce, ad, 20, buf, 24, buf, 8),
		   0, "AES-128-CCM opens in place");
	tap_ok(!memcmp(buf, pt, 24), "in place: the plaintext is back");
	m2mkx_aes128_ccm_seal(key, nonce, ad, 20, pt, 24, buf, 8);
	buf[24 + 7] ^= 0x01;
	memset(back, 0x55, sizeof(back));
	tap_is_int(m2mkx_aes128_ccm_open(key, nonce, ad, 20, buf, 24, back, 8),
		   -M2MKX_EAUTH, "a flipped tag bit is -EAUTH");
	for (i = 0; i < 24 && !back[i]; i++)
		;
	tap_is_int(i, 24, "a refused message leaves the output wiped");
	tap_is_int(m2mkx_aes128_ccm_seal(key, nonce, NULL, 0, pt, 4, buf, 6),
		   -M2MKX_EINVAL, "crypto.h's CCM refuses a 6-byte tag");
	free(ad);
}

static void sha256(u8 out[32], const void *data, size_t len)
{
	struct m2mkx_sha256_ctx ctx;

	m2mkx_sha256_init(&ctx);
	m2mkx_sha256_update(&ctx, data, len);
	m2mkx_sha256_final(&ctx, out);
}

static void test_sha256(void)
{
	static const char two[] =
		"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	struct m2mkx_sha256_ctx ctx;
	u8 out[32], a[1001];
	unsigned int i;

	sha256(out, "abc", 3);
	is_hex(out, "ba7816bf8f01cfea414140de5dae2223"
	       "b00361a396177a9cb410ff61f20015ad", "SHA-256: \"abc\"");
	sha256(out, two, strlen(two));
	is_hex(out, "248d6a61d20638b8e5c026930c3e6039"
	       "a33ce45964ff2167f6ecedd419db06c1",
	       "SHA-256: the two-block FIPS 180-4 example");
	/* A million 'a's, fed in pieces that straddle block boundaries. */
	memset(a, 'a', sizeof(a));
	m2mkx_sha256_init(&ctx);
	for (i = 0; i < 1000; i++)
		m2mkx_sha256_update(&ctx, a, i % 2 ? 999 : 1001);
	m2mkx_sha256_final(&ctx, out);
	is_hex(out, "cdc76e5c9914fb9281a1c7e284d73e67"
	       "f1809a48a497200e046d39ccc7112cd0",
	       "SHA-256: one million 'a' in uneven pieces");
	sha256(out, "", 0);
	is_hex(out, "e3b0c44298fc1c149afbf4c8996fb924"
	       "27ae41e4649b934ca495991b7852b855", "SHA-256: empty");
}

/* The counters count exactly the work SP 800-38C and FIPS 180-4 define. */
static void test_counters(void)
{
	struct m2mkx_soft_counters c;
	u8 key[16] = { 0 }, nonce[13] = { 0 }, ad[64] = { 0 }, buf[64], out[32];

	m2mkx_soft_counters_reset();
	m2mkx_aes128_ccm_seal(key, nonce, ad, 30, ad, 20, buf, 8);
	m2mkx_soft_counters_get(&c);
	/* B_0, 2 AD blocks (2 + 30 bytes), 2 CBC + 2 CTR payload, A_0. */
	tap_is_int(c.aes_blocks, 1 + 2 + 4 + 1, "AES blocks of one CCM seal");
	m2mkx_soft_counters_reset();
	sha256(out, ad, 55);
	sha256(out, ad, 56);
	m2mkx_soft_counters_get(&c);
	tap_is_int(c.sha256_blocks, 1 + 2,
		   "SHA-256 compressions of 55 and 56 bytes");
}

int main(void)
{
	test_aes();
	test_ccm();
	test_sha256();
	test_counters();
	return tap_done();
}
