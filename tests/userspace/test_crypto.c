// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Known-answer tests for every primitive of the crypto backend and for
 * the core's HMAC/HKDF, against published vectors:
 *
 *   SHA-256            FIPS 180-4 examples (NIST CSRC), and SHA-256("")
 *   HMAC-SHA256        RFC 4231 test cases 1-4, 6, 7
 *   HKDF-SHA256        RFC 5869 test cases 1-3
 *   AES-128-CCM        RFC 3610 packet vectors #1-#3 (M = 8); Bluetooth
 *                      Mesh Profile 1.0 sample data 8.3.1 and 8.3.6
 *                      (13-byte nonces, M = 8 and M = 4); Wycheproof
 *                      aes_ccm_test tcId 265, 266, 268, 269 (M = 16)
 *   ChaCha20-Poly1305  RFC 8439 appendix A.5 (its nonce is already the
 *                      32-zero-bit form), plus a cross-check of the
 *                      64-bit nonce layout against raw EVP
 *   X25519             RFC 7748 sections 5.2 and 6.1, low-order points
 *   RSA trust/signer   Wycheproof rsa_signature_2048_sha256_test (valid
 *                      and malformed signatures), and generated T keys
 *                      and certificates checked with OpenSSL's X.509 API
 *   test DRBG          its defined output, computed independently
 *
 * Expected values are literals from those documents, never recomputed
 * here, so that a wrong implementation fails.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <m2mkx/bytes.h>
#include <m2mkx/crypto.h>
#include <m2mkx/errors.h>
#include <m2mkx/kdf.h>

#include "../../backend/openssl.h"
#include "drbg.h"
#include "tap.h"

/* Parses a hex literal of the test vectors; a typo there stops the run. */
static size_t unhex(const char *hex, u8 *out, size_t cap)
{
	long n = tap_unhex(hex, out, cap);

	if (n < 0) {
		printf("Bail out! malformed hex vector: %.40s\n", hex);
		exit(1);
	}
	return (size_t)n;
}

static void fill_seq(u8 *buf, unsigned int first, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		buf[i] = (u8)(first + i);
}

static bool all_zero(const void *p, size_t len)
{
	const u8 *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i])
			return false;
	return true;
}

/* ------------------------------------------------------------------ */

static void sha256(u8 out[M2MKX_SHA256_LEN], const void *data, size_t len)
{
	struct m2mkx_sha256_ctx ctx;

	m2mkx_sha256_init(&ctx);
	m2mkx_sha256_update(&ctx, data, len);
	m2mkx_sha256_final(&ctx, out);
}

static void test_sha256(void)
{
	static const char msg448[] =
		"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	static const size_t chunks[] = {
		1, 3, 7, 13, 31, 55, 56, 63, 64, 65, 127, 1000, 4093,
	};
	struct m2mkx_sha256_ctx ctx;
	u8 want[32], got[32], as[4096];
	size_t done, i, split, bad;

	unhex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	      want, sizeof(want));
	sha256(got, "abc", 3);
	tap_is_mem(got, want, 32, "sha256: FIPS 180-4 \"abc\"");

	unhex("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
	      want, sizeof(want));
	sha256(got, msg448, strlen(msg448));
	tap_is_mem(got, want, 32, "sha256: FIPS 180-4 448-bit message");

	/* Every split point, so block-boundary buffering is exercised. */
	bad = 0;
	for (split = 0; split <= strlen(msg448); split++) {
		m2mkx_sha256_init(&ctx);
		m2mkx_sha256_update(&ctx, msg448, split);
		m2mkx_sha256_update(&ctx, msg448 + split,
				    strlen(msg448) - split);
		m2mkx_sha256_final(&ctx, got);
		bad += memcmp(got, want, 32) != 0;
	}
	tap_is_int((long long)bad, 0,
		   "sha256: 448-bit message split at every offset");

	unhex("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
	      want, sizeof(want));
	memset(as, 'a', sizeof(as));
	m2mkx_sha256_init(&ctx);
	for (done = 0, i = 0; done < 1000000; i++) {
		size_t n = chunks[i % M2MKX_ARRAY_SIZE(chunks)];

		if (n > 1000000 - done)
			n = 1000000 - done;
		m2mkx_sha256_update(&ctx, as, n);
		done += n;
	}
	m2mkx_sha256_final(&ctx, got);
	tap_is_mem(got, want, 32,
		   "sha256: FIPS 180-4 one million 'a', odd-sized updates");
	tap_ok(all_zero(&ctx, sizeof(ctx)), "sha256: final wipes the context");

	unhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	      want, sizeof(want));
	sha256(got, NULL, 0);
	tap_is_mem(got, want, 32, "sha256: empty message");
}

/* ------------------------------------------------------------------ */

static void test_hmac(void)
{
	static const char tc6_data[] =
		"Test Using Larger Than Block-Size Key - Hash Key First";
	static const char tc7_data[] =
		"This is a test using a larger than block-size key and a "
		"larger than block-size data. The key needs to be hashed "
		"before being used by the HMAC algorithm.";
	struct m2mkx_hmac_ctx ctx;
	u8 key[131], data[64], want[32], got[32];
	size_t i;

	memset(key, 0x0b, 20);
	unhex("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
	      want, 32);
	m2mkx_hmac(got, key, 20, "Hi There", 8);
	tap_is_mem(got, want, 32, "hmac-sha256: RFC 4231 test case 1");

	unhex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
	      want, 32);
	m2mkx_hmac(got, (const u8 *)"Jefe", 4, "what do ya want for nothing?",
		   28);
	tap_is_mem(got, want, 32, "hmac-sha256: RFC 4231 test case 2");

	memset(key, 0xaa, 20);
	memset(data, 0xdd, 50);
	unhex("773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
	      want, 32);
	m2mkx_hmac(got, key, 20, data, 50);
	tap_is_mem(got, want, 32, "hmac-sha256: RFC 4231 test case 3");

	fill_seq(key, 0x01, 25);
	memset(data, 0xcd, 50);
	unhex("82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
	      want, 32);
	m2mkx_hmac(got, key, 25, data, 50);
	tap_is_mem(got, want, 32, "hmac-sha256: RFC 4231 test case 4");

	memset(key, 0xaa, 131);
	unhex("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
	      want, 32);
	m2mkx_hmac(got, key, 131, tc6_data, strlen(tc6_data));
	tap_is_mem(got, want, 32,
		   "hmac-sha256: RFC 4231 test case 6 (key > block)");

	unhex("9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
	      want, 32);
	m2mkx_hmac(got, key, 131, tc7_data, strlen(tc7_data));
	tap_is_mem(got, want, 32,
		   "hmac-sha256: RFC 4231 test case 7 (key, data > block)");

	/* The same through the incremental interface, a byte at a time. */
	m2mkx_hmac_init(&ctx, key, 131);
	for (i = 0; i < strlen(tc7_data); i++)
		m2mkx_hmac_update(&ctx, tc7_data + i, 1);
	m2mkx_hmac_final(&ctx, got);
	tap_is_mem(got, want, 32,
		   "hmac-sha256: RFC 4231 test case 7, byte-wise updates");
	tap_ok(all_zero(&ctx, sizeof(ctx)), "hmac-sha256: final wipes ctx");
}

/* ------------------------------------------------------------------ */

static void test_hkdf(void)
{
	u8 ikm[80], salt[80], info[80], prk[32], want[82], got[82 + 8];
	u8 big[255 * 32 + 1];

	/* RFC 5869 A.1 */
	memset(ikm, 0x0b, 22);
	fill_seq(salt, 0x00, 13);
	fill_seq(info, 0xf0, 10);
	m2mkx_hkdf_extract(prk, salt, 13, ikm, 22);
	unhex("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
	      want, sizeof(want));
	tap_is_mem(prk, want, 32, "hkdf: RFC 5869 A.1 PRK");
	memset(got, 0x5a, sizeof(got));
	tap_is_int(m2mkx_hkdf_expand(got, 42, prk, info, 10), 0,
		   "hkdf: RFC 5869 A.1 expand returns 0");
	unhex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
	      "34007208d5b887185865", want, sizeof(want));
	tap_is_mem(got, want, 42, "hkdf: RFC 5869 A.1 OKM (42 bytes)");
	tap_ok(got[42] == 0x5a && got[43] == 0x5a,
	       "hkdf: expand writes no more than asked");

	/* RFC 5869 A.2: long inputs, L = 82 */
	fill_seq(ikm, 0x00, 80);
	fill_seq(salt, 0x60, 80);
	fill_seq(info, 0xb0, 80);
	m2mkx_hkdf_extract(prk, salt, 80, ikm, 80);
	unhex("06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
	      want, sizeof(want));
	tap_is_mem(prk, want, 32, "hkdf: RFC 5869 A.2 PRK");
	m2mkx_hkdf_expand(got, 82, prk, info, 80);
	unhex("b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
	      "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
	      "cc30c58179ec3e87c14c01d5c1f3434f1d87", want, sizeof(want));
	tap_is_mem(got, want, 82, "hkdf: RFC 5869 A.2 OKM (82 bytes)");

	/* RFC 5869 A.3: no salt, no info */
	memset(ikm, 0x0b, 22);
	m2mkx_hkdf_extract(prk, NULL, 0, ikm, 22);
	unhex("19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
	      want, sizeof(want));
	tap_is_mem(prk, want, 32, "hkdf: RFC 5869 A.3 PRK (no salt)");
	m2mkx_hkdf_expand(got, 42, prk, NULL, 0);
	unhex("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
	      "9d201395faa4b61a96c8", want, sizeof(want));
	tap_is_mem(got, want, 42, "hkdf: RFC 5869 A.3 OKM (no info)");

	/* An explicit salt of HashLen zeros is the same as none. */
	memset(salt, 0, 32);
	m2mkx_hkdf_extract(got, salt, 32, ikm, 22);
	tap_is_mem(got, prk, 32, "hkdf: 32 zero bytes of salt == no salt");

	tap_is_int(m2mkx_hkdf_expand(big, 255 * 32, prk, NULL, 0), 0,
		   "hkdf: expand to 255 * HashLen is allowed");
	tap_is_int(m2mkx_hkdf_expand(big, 255 * 32 + 1, prk, NULL, 0),
		   -M2MKX_EINVAL, "hkdf: expand beyond 255 * HashLen refused");
}

/* ------------------------------------------------------------------ */

struct ccm_vector {
	const char *name;
	const char *key, *nonce, *ad, *pt, *ct_tag;
	size_t tag_len;
};

static const struct ccm_vector ccm_vectors[] = {
	{
		"RFC 3610 packet vector #1 (M=8)",
		"c0c1c2c3c4c5c6c7c8c9cacbcccdcecf",
		"00000003020100a0a1a2a3a4a5",
		"0001020304050607",
		"08090a0b0c0d0e0f101112131415161718191a1b1c1d1e",
		"588c979a61c663d2f066d0c2c0f989806d5f6b61dac384"
		"17e8d12cfdf926e0", 8,
	}, {
		"RFC 3610 packet vector #2 (M=8)",
		"c0c1c2c3c4c5c6c7c8c9cacbcccdcecf",
		"00000004030201a0a1a2a3a4a5",
		"0001020304050607",
		"08090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
		"72c91a36e135f8cf291ca894085c87e3cc15c439c9e43a3b"
		"a091d56e10400916", 8,
	}, {
		"RFC 3610 packet vector #3 (M=8)",
		"c0c1c2c3c4c5c6c7c8c9cacbcccdcecf",
		"00000005040302a0a1a2a3a4a5",
		"0001020304050607",
		"08090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20",
		"51b1e5f44a197d1da46b0f8e2d282ae871e838bb64da859657"
		"4adaa76fbd9fb0c5", 8,
	}, {
		/* Upper transport access PDU, device key, TransMIC 32 */
		"Bluetooth Mesh 8.3.6 access payload (M=4, no AD)",
		"9d6dd0e96eb25dc19a40ed9914f8f03f",
		"02003129ab0003120112345678",
		"",
		"0056341263964771734fbd76e3b40519d1d94a48",
		"ee9dddfd2169326d23f3afdfcfdc18c52fdef772e0e17308", 4,
	}, {
		/* Network PDU: DST || TransportPDU, NetMIC 32 */
		"Bluetooth Mesh 8.3.6 network PDU (M=4, no AD)",
		"0953fa93e7caac9638f58820220a398e",
		"00043129ab0003000012345678",
		"",
		"12018026ac01ee9dddfd2169326d23f3afdf",
		"0afba8c63d4e686364979deaf4fd40961145939cda0e", 4,
	}, {
		/* Control network PDU, NetMIC 64 */
		"Bluetooth Mesh 8.3.1 network PDU (M=8, no AD)",
		"0953fa93e7caac9638f58820220a398e",
		"00800000011201000012345678",
		"",
		"fffd034b50057e400000010000",
		"b5e5bfdacbaf6cb7fb6bff871f035444ce83a670df", 8,
	}, {
		"Wycheproof aes_ccm tcId 265 (M=16, empty)",
		"694a2ae94cc2fc6c82dcd16c58a34195",
		"8b4de9497e78d9c73bdcb374de",
		"",
		"",
		"36b20bcb064609cbc03ae32786f72eb5", 16,
	}, {
		"Wycheproof aes_ccm tcId 266 (M=16, MAC only)",
		"268c961a4fa54c214a2af8fe76a277cc",
		"f13443da0e412f1cc7a90165c6",
		"4fad12b402c58029",
		"",
		"be58071342c9348baf78104e2258e616", 16,
	}, {
		"Wycheproof aes_ccm tcId 268 (M=16)",
		"e74b73c2ad93d38dd4432d6e51d3e3ec",
		"06ee28ea532ff5aae6b0f6a28a",
		"10bc9864f1332e41",
		"aad5d758041e5443ede7e9bbac1db490",
		"d3ed6bb55d98b00e1b76938a1c6bd5ed"
		"22201e4eb2a42291a7d57e357082d77e", 16,
	}, {
		"Wycheproof aes_ccm tcId 269 (M=16, no AD)",
		"be707774d9eab370db4e8250297a7437",
		"7944b487d59b6ffcc96c9df62d",
		"",
		"28eab56885e1e12bd72def1138237f0dbc",
		"ee05ffeaab17bb4de94527e0297058c48b"
		"ff899f929b371639d48c3c447f51c577", 16,
	},
};

struct ccm_case {
	u8 key[16], nonce[13], ad[64], pt[64], ct[80];
	size_t ad_len, len, tag_len;
};

static void ccm_load(const struct ccm_vector *v, struct ccm_case *c)
{
	unhex(v->key, c->key, sizeof(c->key));
	unhex(v->nonce, c->nonce, sizeof(c->nonce));
	c->ad_len = unhex(v->ad, c->ad, sizeof(c->ad));
	c->len = unhex(v->pt, c->pt, sizeof(c->pt));
	unhex(v->ct_tag, c->ct, sizeof(c->ct));
	c->tag_len = v->tag_len;
}

/* Opens @c with one byte of @what flipped; must fail and wipe. */
static void ccm_tampered(const struct ccm_case *orig, const char *name,
			 const char *what)
{
	struct ccm_case c = *orig;
	u8 out[64];
	int ret;

	if (!strcmp(what, "tag"))
		c.ct[c.len + c.tag_len - 1] ^= 0x80;
	else if (!strcmp(what, "AD"))
		c.ad[0] ^= 0x01;
	else if (!strcmp(what, "ciphertext"))
		c.ct[0] ^= 0x01;
	else if (!strcmp(what, "nonce"))
		c.nonce[12] ^= 0x01;
	memset(out, 0xa5, sizeof(out));
	ret = m2mkx_aes128_ccm_open(c.key, c.nonce, c.ad, c.ad_len, c.ct,
				    c.len, out, c.tag_len);
	tap_ok(ret == -M2MKX_EAUTH && all_zero(out, c.len),
	       "aes-128-ccm: %s with a flipped %s bit -> EAUTH, output wiped",
	       name, what);
	if (ret != -M2MKX_EAUTH)
		tap_diag("got %d (%s)", ret, m2mkx_err_name(ret));
}

static void test_ccm(void)
{
	struct ccm_case c, rfc1 = { 0 }, mac_only = { 0 };
	u8 out[80];
	size_t i;
	int ret;

	for (i = 0; i < M2MKX_ARRAY_SIZE(ccm_vectors); i++) {
		const struct ccm_vector *v = &ccm_vectors[i];

		ccm_load(v, &c);
		memset(out, 0xa5, sizeof(out));
		/* Empty AD and payload are passed as NULL pointers. */
		ret = m2mkx_aes128_ccm_seal(c.key, c.nonce,
					    c.ad_len ? c.ad : NULL, c.ad_len,
					    c.len ? c.pt : NULL, c.len,
					    out, c.tag_len);
		tap_is_int(ret, 0, "aes-128-ccm: %s: seal returns 0", v->name);
		tap_is_mem(out, c.ct, c.len + c.tag_len,
			   "aes-128-ccm: %s: ciphertext and tag", v->name);
		tap_ok(out[c.len + c.tag_len] == 0xa5,
		       "aes-128-ccm: %s: nothing written past the tag",
		       v->name);

		memset(out, 0xa5, sizeof(out));
		ret = m2mkx_aes128_ccm_open(c.key, c.nonce,
					    c.ad_len ? c.ad : NULL, c.ad_len,
					    c.ct, c.len, c.len ? out : NULL,
					    c.tag_len);
		tap_ok(ret == 0 && !memcmp(out, c.pt, c.len),
		       "aes-128-ccm: %s: open verifies and decrypts",
		       v->name);
		if (i == 0)
			rfc1 = c;
		if (!c.len && c.ad_len)
			mac_only = c;
	}

	/* Exactly overlapping buffers (pt == ct) work both ways. */
	memcpy(out, rfc1.pt, rfc1.len);
	ret = m2mkx_aes128_ccm_seal(rfc1.key, rfc1.nonce, rfc1.ad, rfc1.ad_len,
				    out, rfc1.len, out, rfc1.tag_len);
	tap_ok(ret == 0 && !memcmp(out, rfc1.ct, rfc1.len + rfc1.tag_len),
	       "aes-128-ccm: RFC 3610 #1 seals in place");
	ret = m2mkx_aes128_ccm_open(rfc1.key, rfc1.nonce, rfc1.ad, rfc1.ad_len,
				    out, rfc1.len, out, rfc1.tag_len);
	tap_ok(ret == 0 && !memcmp(out, rfc1.pt, rfc1.len),
	       "aes-128-ccm: RFC 3610 #1 opens in place");

	ccm_tampered(&rfc1, "RFC 3610 #1", "tag");
	ccm_tampered(&rfc1, "RFC 3610 #1", "AD");
	ccm_tampered(&rfc1, "RFC 3610 #1", "ciphertext");
	ccm_tampered(&rfc1, "RFC 3610 #1", "nonce");
	ccm_tampered(&mac_only, "MAC-only tcId 266", "tag");
	ccm_tampered(&mac_only, "MAC-only tcId 266", "AD");

	/* M is part of B0: a right tag checked as a shorter one fails. */
	memset(out, 0xa5, sizeof(out));
	ret = m2mkx_aes128_ccm_open(rfc1.key, rfc1.nonce, rfc1.ad, rfc1.ad_len,
				    rfc1.ct, rfc1.len, out, 4);
	tap_ok(ret == -M2MKX_EAUTH && all_zero(out, rfc1.len),
	       "aes-128-ccm: 8-byte tag opened as a 4-byte one -> EAUTH");

	tap_is_int(m2mkx_aes128_ccm_seal(rfc1.key, rfc1.nonce, NULL, 0,
					 rfc1.pt, rfc1.len, out, 6),
		   -M2MKX_EINVAL, "aes-128-ccm: tag length 6 refused (seal)");
	tap_is_int(m2mkx_aes128_ccm_open(rfc1.key, rfc1.nonce, NULL, 0,
					 rfc1.ct, rfc1.len, out, 12),
		   -M2MKX_EINVAL, "aes-128-ccm: tag length 12 refused (open)");
	tap_is_int(m2mkx_aes128_ccm_seal(rfc1.key, rfc1.nonce, NULL, 0,
					 rfc1.pt, 65536, out, 8),
		   -M2MKX_EINVAL,
		   "aes-128-ccm: 65536-byte payload refused (L = 2)");
}

/* ------------------------------------------------------------------ */

/* RFC 8439 appendix A.5; its nonce 00000000 0102030405060708 is ours. */
static const char a5_key[] =
	"1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0";
static const u64 a5_nonce = 0x0807060504030201ULL;
static const char a5_ad[] = "f33388860000000000004e91";
static const char a5_ct[] =
	"64a0861575861af460f062c79be643bd5e805cfd345cf389f108670ac76c8cb2"
	"4c6cfc18755d43eea09ee94e382d26b0bdb7b73c321b0100d4f03b7f355894cf"
	"332f830e710b97ce98c8a84abd0b948114ad176e008d33bd60f982b1ff37c855"
	"9797a06ef4f0ef61c186324e2b3506383606907b6a7c02b0f9f6157b53c867e4"
	"b9166c767b804d46a59b5216cde7a4e99040c5a40433225ee282a1b0a06c523e"
	"af4534d7f83fa1155b0047718cbc546a0d072b04b3564eea1b422273f548271a"
	"0bb2316053fa76991955ebd63159434ecebb4e466dae5a1073a6727627097a10"
	"49e617d91d361094fa68f0ff77987130305beaba2eda04df997b714d6c6f2c29"
	"a6ad5cb4022b02709b"
	"eead9d67890cbb22392336fea1851f38";
static const char a5_pt[] =
	"Internet-Drafts are draft documents valid for a maximum of six "
	"months and may be updated, replaced, or obsoleted by other "
	"documents at any time. It is inappropriate to use Internet-Drafts "
	"as reference material or to cite them other than as "
	"/\xe2\x80\x9cwork in progress./\xe2\x80\x9d";

/* Raw EVP with an explicit 12-byte nonce, independent of our layout. */
static bool evp_chachapoly(bool enc, const u8 *key, const u8 iv[12],
			   const u8 *in, size_t len, u8 *out, u8 tag[16])
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int outl;
	bool ok;

	ok = ctx &&
	     EVP_CipherInit_ex(ctx, EVP_chacha20_poly1305(), NULL, key, iv,
			       enc) == 1 &&
	     EVP_CipherUpdate(ctx, out, &outl, in, (int)len) == 1 &&
	     (enc || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 16,
					 tag) == 1) &&
	     EVP_CipherFinal_ex(ctx, out + len, &outl) == 1 &&
	     (!enc || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16,
					  tag) == 1);
	EVP_CIPHER_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}

static void chachapoly_tampered(const u8 *key, u64 nonce, const u8 *ad,
				size_t ad_len, const u8 *ct, size_t len,
				const char *what)
{
	u8 bad_ad[32], bad_ct[300], out[300];
	int ret;

	memcpy(bad_ad, ad, ad_len);
	memcpy(bad_ct, ct, len + 16);
	if (!strcmp(what, "tag"))
		bad_ct[len + 15] ^= 0x01;
	else if (!strcmp(what, "AD"))
		bad_ad[ad_len - 1] ^= 0x01;
	else if (!strcmp(what, "ciphertext"))
		bad_ct[len - 1] ^= 0x80;
	else if (!strcmp(what, "nonce"))
		nonce ^= 1ULL << 63;
	memset(out, 0xa5, sizeof(out));
	ret = m2mkx_chachapoly_open(key, nonce, bad_ad, ad_len, bad_ct, len,
				    out);
	tap_ok(ret == -M2MKX_EAUTH && all_zero(out, len),
	       "chacha20-poly1305: flipped %s bit -> EAUTH, output wiped",
	       what);
}

static void test_chachapoly(void)
{
	/* 0x0123456789abcdef as RFC 8439 nonce: 4 zero bytes, then LE. */
	static const u8 wg_iv[12] = {
		0, 0, 0, 0, 0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01,
	};
	const u64 wg_nonce = 0x0123456789abcdefULL;
	u8 key[32], ad[12], ct[300], out[300], tag[16], buf[300];
	size_t len = strlen(a5_pt), ad_len;
	int ret;

	unhex(a5_key, key, sizeof(key));
	ad_len = unhex(a5_ad, ad, sizeof(ad));
	if (unhex(a5_ct, ct, sizeof(ct)) != len + 16) {
		printf("Bail out! A.5 vector length mismatch\n");
		exit(1);
	}

	memset(out, 0xa5, sizeof(out));
	ret = m2mkx_chachapoly_open(key, a5_nonce, ad, ad_len, ct, len, out);
	tap_ok(ret == 0 && !memcmp(out, a5_pt, len),
	       "chacha20-poly1305: RFC 8439 A.5 decrypts");

	memset(out, 0xa5, sizeof(out));
	ret = m2mkx_chachapoly_seal(key, a5_nonce, ad, ad_len,
				    (const u8 *)a5_pt, len, out);
	tap_is_int(ret, 0, "chacha20-poly1305: RFC 8439 A.5 seal returns 0");
	tap_is_mem(out, ct, len + 16,
		   "chacha20-poly1305: RFC 8439 A.5 ciphertext and tag");

	/* Decrypting in place. */
	memcpy(buf, ct, len + 16);
	ret = m2mkx_chachapoly_open(key, a5_nonce, ad, ad_len, buf, len, buf);
	tap_ok(ret == 0 && !memcmp(buf, a5_pt, len),
	       "chacha20-poly1305: A.5 decrypts in place (pt == ct)");

	chachapoly_tampered(key, a5_nonce, ad, ad_len, ct, len, "tag");
	chachapoly_tampered(key, a5_nonce, ad, ad_len, ct, len, "AD");
	chachapoly_tampered(key, a5_nonce, ad, ad_len, ct, len, "ciphertext");
	chachapoly_tampered(key, a5_nonce, ad, ad_len, ct, len, "nonce");

	/*
	 * The 64-bit nonce layout, checked against EVP given the 12 bytes
	 * spelled out: both directions.
	 */
	ret = m2mkx_chachapoly_seal(key, wg_nonce, NULL, 0,
				    (const u8 *)a5_pt, len, out);
	memcpy(tag, out + len, 16);
	tap_ok(ret == 0 && evp_chachapoly(false, key, wg_iv, out, len, buf,
					  tag) &&
	       !memcmp(buf, a5_pt, len),
	       "chacha20-poly1305: nonce 0x0123456789abcdef is IV "
	       "00000000efcdab8967452301 (EVP decrypts ours)");
	tap_ok(evp_chachapoly(true, key, wg_iv, (const u8 *)a5_pt, len, buf,
			      tag),
	       "chacha20-poly1305: EVP encrypts with the explicit IV");
	memcpy(buf + len, tag, 16);
	ret = m2mkx_chachapoly_open(key, wg_nonce, NULL, 0, buf, len, out);
	tap_ok(ret == 0 && !memcmp(out, a5_pt, len),
	       "chacha20-poly1305: ours decrypts EVP's with the 64-bit nonce");

	/* Empty payload: a MAC over the AD. */
	ret = m2mkx_chachapoly_seal(key, 7, ad, ad_len, NULL, 0, out);
	tap_ok(ret == 0 &&
	       m2mkx_chachapoly_open(key, 7, ad, ad_len, out, 0, NULL) == 0,
	       "chacha20-poly1305: empty payload seals and opens");
	chachapoly_tampered(key, 7, ad, ad_len, out, 0, "AD");
}

/* ------------------------------------------------------------------ */

static void x25519_kat(const char *name, const char *k, const char *u,
		       const char *r)
{
	u8 sk[32], pk[32], want[32], got[32];
	int ret;

	unhex(k, sk, 32);
	unhex(u, pk, 32);
	unhex(r, want, 32);
	ret = m2mkx_x25519(got, sk, pk);
	tap_ok(ret == 0 && !memcmp(got, want, 32), "x25519: %s", name);
	if (ret)
		tap_diag("returned %d", ret);
	else if (memcmp(got, want, 32))
		tap_hex("got", got, 32);
}

static void test_x25519(void)
{
	static const char *const low_order[] = {
		/* 0 */
		"0000000000000000000000000000000000000000000000000000000000000000",
		/* 1 */
		"0100000000000000000000000000000000000000000000000000000000000000",
		/* a point of order 8 */
		"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
		/* p, which is 0 mod p */
		"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	};
	u8 k[32], u[32], r[32], a_sk[32], b_sk[32], a_pk[32], b_pk[32];
	u8 want[32], s1[32], s2[32];
	unsigned int i;
	int ret;

	x25519_kat("RFC 7748 5.2 vector 1",
		   "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
		   "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
		   "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552");
	/* Its u has bit 255 set, which X25519 must ignore. */
	x25519_kat("RFC 7748 5.2 vector 2 (high bit of u set)",
		   "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
		   "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
		   "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957");

	/* 5.2 iterated: k, u = X25519(k, u), k */
	memset(k, 0, 32);
	k[0] = 9;
	memcpy(u, k, 32);
	for (i = 1; i <= 1000; i++) {
		if (m2mkx_x25519(r, k, u))
			break;
		memcpy(u, k, 32);
		memcpy(k, r, 32);
		if (i == 1) {
			unhex("422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079",
			      want, 32);
			tap_is_mem(k, want, 32,
				   "x25519: RFC 7748 5.2 after 1 iteration");
		}
	}
	unhex("684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51",
	      want, 32);
	tap_is_mem(k, want, 32, "x25519: RFC 7748 5.2 after 1000 iterations");

	/* 6.1 Diffie-Hellman */
	unhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
	      a_sk, 32);
	unhex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
	      b_sk, 32);
	unhex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
	      want, 32);
	tap_ok(m2mkx_x25519_public(a_pk, a_sk) == 0 && !memcmp(a_pk, want, 32),
	       "x25519: RFC 7748 6.1 Alice's public key");
	unhex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
	      want, 32);
	tap_ok(m2mkx_x25519_public(b_pk, b_sk) == 0 && !memcmp(b_pk, want, 32),
	       "x25519: RFC 7748 6.1 Bob's public key");
	unhex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742",
	      want, 32);
	tap_ok(m2mkx_x25519(s1, a_sk, b_pk) == 0 && !memcmp(s1, want, 32),
	       "x25519: RFC 7748 6.1 shared secret, Alice's side");
	tap_ok(m2mkx_x25519(s2, b_sk, a_pk) == 0 && !memcmp(s2, want, 32),
	       "x25519: RFC 7748 6.1 shared secret, Bob's side");

	for (i = 0; i < M2MKX_ARRAY_SIZE(low_order); i++) {
		unhex(low_order[i], u, 32);
		memset(r, 0xa5, 32);
		ret = m2mkx_x25519(r, a_sk, u);
		tap_ok(ret == -M2MKX_EKEY && all_zero(r, 32),
		       "x25519: low-order point #%u -> EKEY, output zeroed", i);
		if (ret != -M2MKX_EKEY)
			tap_diag("got %d (%s)", ret, m2mkx_err_name(ret));
	}
}

/* ------------------------------------------------------------------ */

static void test_drbg(void)
{
	u8 a[40], b[40], want[40];

	unhex("cc30a0d1265b420bfd0728cfbb2fab59ec76d40090814e1db83fa04febc7173e"
	      "97ef70a0914e86bd", want, sizeof(want));
	drbg_seed("test_crypto");
	m2mkx_random(a, 7);
	m2mkx_random(a + 7, 33);
	tap_is_mem(a, want, 40,
		   "drbg: stream for \"test_crypto\" (split 7 + 33)");
	tap_is_int((long long)drbg_bytes_used(), 40, "drbg: counts bytes");
	drbg_seed("test_crypto");
	m2mkx_random(b, 40);
	tap_is_mem(b, want, 40, "drbg: reseeding restarts the stream");
}

/* ------------------------------------------------------------------ */
/* RSA trust and signer                                                */
/* ------------------------------------------------------------------ */

/* Wycheproof rsa_signature_2048_sha256_test.json, its one 2048-bit key. */
static const char wp_pubkey_pem[] =
	"-----BEGIN PUBLIC KEY-----\n"
	"MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAorRRoH0KpfluRVZxUTVQ\n"
	"UUqKW0YuvvcXCU+h/ugiJOY3+XRtP3yv0xh42AMltu9aFwD2WQO0aUKeidbqyIRQ\n"
	"l7WrOTGJ25JRLtincRoSU/rNIPecFegkfz0+QuRuSMmOJUov6XZTE6A+/48X4aAp\n"
	"OXofomqNzib0kO2BKZYV2YFMItphBCjgnH2WWFlCZvXAIdD87KCNlFoSvoLeTR7O\n"
	"a0wDFFtdNJXU7VQR64eNrwX9evw+Ca2g8RJkIvWQl1oZaYFvSGmLy7obTZyuedRg\n"
	"2Pn4Xnl1AF2bwixOWsD3waRdElaaYoB9O5oC5aUw53MGb0U9H1tMLpz3ggKD90K5\n"
	"1QIDAQAB\n"
	"-----END PUBLIC KEY-----\n";
/* SHA-1 of its RSAPublicKey (the BIT STRING contents). */
static const char wp_key_id[] = "7c10011aa301f9ae919d8eeed455c7a50105f7d1";

struct wp_sig {
	int tc_id;
	const char *msg;	/* hex */
	const char *comment;
	int want;
	const char *sig;
};

static const struct wp_sig wp_sigs[] = {
	{ 3, "54657374", "valid", 0,
	  "264491e844c119f14e425c03282139a558dcdaeb82a4628173cd407fd319f907"
	  "6eaebc0dd87a1c22e4d17839096886d58a9d5b7f7aeb63efec56c45ac7bead42"
	  "03b6886e1faa90e028ec0ae094d46bf3f97efdd19045cfbc25a1abda2432639f"
	  "9876405c0d68f8edbf047c12a454f7681d5d5a2b54bd3723d193dbad4338baad"
	  "753264006e2d08931c4b8bb79aa1c9cad10eb6605f87c5831f6e2b08e002f9c6"
	  "f21141f5841d92727dd3e1d99c36bc560da3c9067df99fcaf818941f72588be3"
	  "3032bad22caf6704223bb114d575b6d02d9d222b580005d930e8f40cce9f672e"
	  "ebb634a20177d84351627964b83f2053d736a84ab1a005f63bd5ba943de6205c" },
	/*
	 * "acceptable" to Wycheproof, but the kernel's pkcs1pad compares
	 * the full DigestInfo with its NULL: both ends must refuse it.
	 */
	{ 8, "313233343030", "DigestInfo without NULL", -M2MKX_EROOTSIG,
	  "095dad1fd82bcd36652a381b7f4dd656bd89b40aa58b56da4f6aa8247874b935"
	  "e65d2b86752d537df7103884d39dd9ad3d65f87404526b09094c5615c6249979"
	  "b0dc58d2199ae8696a5b76b4bb03eaf08c2ab6aec686c6b1b289c9b44f648bd3"
	  "0cb1ac6a64a73d68e59cd05e7aa1b780f4bfd7b83dfe3b884ec11821a93dc5bb"
	  "b47a00eea4557b6b96b5656276001f1f295ddbbbc511a99b9a665b9c2674c8af"
	  "0d812286d0be3ce74817ba2cad283757de35dfb149f2835f60cb03ff155524a5"
	  "7f78b148feceb84cd20b0ae22e3e48f433fbd9bfd60be8afec93165ee0310be9"
	  "61d3695f309d031320c830aa6ba08b5a51d943797097c57630be391bd23736cc" },
	{ 24, "313233343030", "zeros appended to DigestInfo", -M2MKX_EROOTSIG,
	  "0e6eb88e130cf0d79056bdcb87f016f99edd9f35519c44bb509a38cd346d996e"
	  "3d9b7b21a40fc976a935f2904a6423dc0f251d8a89c4e1424d3312b1e7e0c14f"
	  "057fa3a45841dcda2bfcf107c2103c0475cbb34d4c769e98b08cbd35964aefc3"
	  "a8dc4178725c16ed7da6b438107da2488af8fd5cb2c15a8849a531e1a955c40c"
	  "d6c147956fc3e8a15a1082e9e9a7878efab929c50d52fd6c14cad0987f667221"
	  "a0c8ab29a682de04e437b20c82e9a759291dabd22fb38e86121b71b3ab473ea0"
	  "977441db6b137d01b63e328412996ccb8dc27e57c8cd6cbeb31e321160df29ea"
	  "3151f34ba36846495b6e4bb766f0bcdba00062265ad7d01847e22c06a463dfeb" },
	{ 212, "313233343030", "last digest byte modified", -M2MKX_EROOTSIG,
	  "4142f9fb5e58eb4ed8c1dab74515c643b9bc4a013373e79c0280547fab695e88"
	  "729600167ceba6460d7fe8bb2885d6488f0d929be7be7528910828106f16cc5e"
	  "39685450c8a859fd4b65a383dec054af0756e67b2ee0b2ea756b17e602c9f5ae"
	  "20b062c5845596c5cce1b13572f54f251e2976c5d137168a6ade05a14227f719"
	  "bab6c40da8e8015687099fe78f79eae35a00bcbaa56729f60b8ce6b965ad03ce"
	  "f2c33c3519f07c1dd63e6d199cc56be298d027231d0b6e8471038da9f26474ad"
	  "bf28d52c6a582617046cc678f2cb19abe5491cfe9c8e396477fdd878adf244fb"
	  "c19d78e9419035f3249ce52dbf281622df55fd8b3cb2c5131591e1d565f4f0bd" },
	{ 215, "313233343030", "MD5 OID in DigestInfo", -M2MKX_EROOTSIG,
	  "16b5347808defc31a231c28edac36a3f1789d4c549e8f5c71e2fcf5d5304ba43"
	  "7b4c7c0eb7ffbd80f5c5b2277bf24412b39ee3e74c368517717c438bb88b80b1"
	  "2ad14f7295ecf8841947e5e7457e66d2f869c30d28e9ac2019d7e5eca6229812"
	  "b649c8b6b4ccd4e17b254e7ab496aa5325525e7974be348dcd53c652e6315e67"
	  "0236bbbef2f501e246631b735c50e388ea3af8bb0030fb7fba9743eb70fc6687"
	  "cfdb92d46a4537ce88dba96ef52744e22fb7257af1538e3ffc4e2d9ac9101d6f"
	  "71bc2f5aab71ddcc73a6c635500fa0a9174d25ebcc85dcd7dd85a7d2e8d3138e"
	  "ffd171176bbdf23296ba3df630ee42185720ec141ceeaed1681a6ad0c156e099" },
	{ 236, "313233343030", "message not hashed", -M2MKX_EROOTSIG,
	  "891f1354e36c2b7faca0981c64f249f73940ae03da86f0a413a971031b00c2be"
	  "d14489345225fea317d9d551cced9c6c6f6f7134cb6bdca1b0319d931a1d7a1e"
	  "24a744eb98fcb0d3254660066f688531fde00822917d07deb9d78aa337bdc2ca"
	  "3a4a050d8debb6c1283cb90e6991429887311f72b95bf3b18d1c5cd68f65f8ed"
	  "934d9e516e2a8503613fc4dc2e786c36d77ea2d5dff75c26dced572298f27de3"
	  "9459c55c6bec73295f20cf1c6e876b345c6fbb2ff23adf52d9d4ece53877a2bd"
	  "6e7cf3a4eae08b1b3ce8dc0468614e119ffb7547f1a765d9d9b5d9d8624ecf3b"
	  "836dce490c8a36a6a60e689c0bdcbdf774eb60fc552bc3e27fc9abeb2c905ddb" },
};

static char tmpdir[64];

static const char *tmp_path(const char *name)
{
	static char paths[8][128];
	static unsigned int next;
	char *p = paths[next++ % 8];

	snprintf(p, sizeof(paths[0]), "%s/%s", tmpdir, name);
	return p;
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		printf("Bail out! cannot write %s: %s\n", path,
		       strerror(errno));
		exit(1);
	}
}

/* Appends file @from to file @to. */
static void append_file(const char *to, const char *from)
{
	FILE *in = fopen(from, "r"), *out = fopen(to, "a");
	char buf[4096];
	size_t n;

	if (!in || !out) {
		printf("Bail out! cannot copy %s\n", from);
		exit(1);
	}
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, out);
	fclose(in);
	fclose(out);
}

static void test_trust_wycheproof(void)
{
	struct m2mkx_trust trust;
	u8 id[20], digest[32], msg[16], sig[256];
	unsigned int i;
	size_t mlen;
	int ret;

	m2mkx_trust_init(&trust);
	write_text(tmp_path("wp.pem"), wp_pubkey_pem);
	tap_is_int(m2mkx_trust_add_cert_file(&trust, tmp_path("wp.pem")), 0,
		   "trust: loads a PUBLIC KEY PEM file");
	unhex(wp_key_id, id, sizeof(id));
	tap_ok(trust.count == 1 && !memcmp(trust.keys[0].id, id, 20),
	       "trust: key id is SHA-1 of the subjectPublicKey bits");
	tap_is_int(m2mkx_trust_add_cert_file(&trust, tmp_path("wp.pem")), 0,
		   "trust: loading the same key again is not an error");
	tap_is_int(trust.count, 1, "trust: ... and does not add it twice");

	for (i = 0; i < M2MKX_ARRAY_SIZE(wp_sigs); i++) {
		const struct wp_sig *w = &wp_sigs[i];

		mlen = unhex(w->msg, msg, sizeof(msg));
		sha256(digest, msg, mlen);
		unhex(w->sig, sig, sizeof(sig));
		ret = m2mkx_trust_verify(&trust, id, digest, sig, sizeof(sig));
		tap_is_int(ret, w->want,
			   "trust: Wycheproof RSA tcId %d (%s) -> %s",
			   w->tc_id, w->comment, m2mkx_err_name(w->want));
	}

	/* tcId 3 is good for SHA-256("Test"); spoil it in several ways. */
	unhex(wp_sigs[0].sig, sig, sizeof(sig));
	sha256(digest, "Tesu", 4);
	tap_is_int(m2mkx_trust_verify(&trust, id, digest, sig, sizeof(sig)),
		   -M2MKX_EROOTSIG, "trust: good signature, other digest");
	sha256(digest, "Test", 4);
	tap_is_int(m2mkx_trust_verify(&trust, id, digest, sig,
				      sizeof(sig) - 1),
		   -M2MKX_EROOTSIG, "trust: signature one byte short");
	tap_is_int(m2mkx_trust_verify(&trust, id, digest, NULL, 0),
		   -M2MKX_EROOTSIG, "trust: empty signature");
	memset(sig, 0xff, sizeof(sig));
	tap_is_int(m2mkx_trust_verify(&trust, id, digest, sig, sizeof(sig)),
		   -M2MKX_EROOTSIG, "trust: signature larger than modulus");
	unhex(wp_sigs[0].sig, sig, sizeof(sig));
	id[19] ^= 1;
	tap_is_int(m2mkx_trust_verify(&trust, id, digest, sig, sizeof(sig)),
		   -M2MKX_ETKEY, "trust: unknown key id -> ETKEY");
	id[19] ^= 1;
	tap_is_int(m2mkx_trust_verify(&trust, id, digest, sig, sizeof(sig)),
		   0, "trust: (the unspoilt signature still verifies)");
	m2mkx_trust_clear(&trust);
	tap_is_int(m2mkx_trust_verify(&trust, id, digest, sig, sizeof(sig)),
		   -M2MKX_ETKEY, "trust: cleared set knows no key");
}

/*
 * The RSA public operation without padding, to look inside a signature
 * independently of OpenSSL's PKCS#1 code.
 */
static bool rsa_open_raw(EVP_PKEY *pkey, const u8 *sig, size_t len, u8 *em)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	size_t out_len = len;
	bool ok;

	ok = ctx && EVP_PKEY_encrypt_init(ctx) == 1 &&
	     EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) == 1 &&
	     EVP_PKEY_encrypt(ctx, em, &out_len, sig, len) == 1 &&
	     out_len == len;
	EVP_PKEY_CTX_free(ctx);
	return ok;
}

static X509 *read_cert(const char *path, bool der)
{
	FILE *f = fopen(path, "rb");
	X509 *cert;

	if (!f)
		return NULL;
	cert = der ? d2i_X509_fp(f, NULL) : PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	return cert;
}

static bool skid_is(X509 *cert, const u8 id[20])
{
	const ASN1_OCTET_STRING *skid = X509_get0_subject_key_id(cert);

	return skid && ASN1_STRING_length(skid) == 20 &&
	       !memcmp(ASN1_STRING_get0_data(skid), id, 20);
}

static void check_cert(const char *path, bool der,
		       const struct m2mkx_signer *signer)
{
	const char *what = der ? "DER" : "PEM";
	const ASN1_BIT_STRING *bits;
	const ASN1_OCTET_STRING *akid;
	u8 method1[20];
	X509 *cert;
	bool ok;

	cert = read_cert(path, der);
	if (!tap_ok(cert != NULL, "cert (%s): OpenSSL parses it", what))
		return;
	tap_ok(skid_is(cert, signer->id),
	       "cert (%s): subjectKeyIdentifier == signer key id", what);
	/* Method 1 computed here from the certificate's own bits. */
	bits = X509_get0_pubkey_bitstr(cert);
	ok = bits && EVP_Digest(ASN1_STRING_get0_data(bits),
				(size_t)ASN1_STRING_length(bits), method1,
				NULL, EVP_sha1(), NULL) == 1;
	tap_ok(ok && !memcmp(method1, signer->id, 20),
	       "cert (%s): key id is SHA-1 of the subjectPublicKey bits", what);
	akid = X509_get0_authority_key_id(cert);
	tap_ok(akid && !ASN1_STRING_cmp(akid, X509_get0_subject_key_id(cert)),
	       "cert (%s): authorityKeyIdentifier == subjectKeyIdentifier",
	       what);
	tap_ok(X509_get_version(cert) == X509_VERSION_3 &&
	       X509_get_signature_nid(cert) == NID_sha256WithRSAEncryption &&
	       !X509_NAME_cmp(X509_get_subject_name(cert),
			      X509_get_issuer_name(cert)) &&
	       X509_verify(cert, X509_get0_pubkey(cert)) == 1,
	       "cert (%s): v3, self-signed with sha256WithRSAEncryption",
	       what);
	tap_ok(X509_check_purpose(cert, -1, 0) == 1 &&
	       !(X509_get_extension_flags(cert) & EXFLAG_CA) &&
	       (X509_get_key_usage(cert) & KU_DIGITAL_SIGNATURE),
	       "cert (%s): CA:FALSE, keyUsage digitalSignature", what);
	X509_free(cert);
	ERR_clear_error();
}

/* A certificate for @signer's key whose SKID is not the method-1 hash. */
static void write_foreign_skid_cert(const struct m2mkx_signer *signer,
				    const char *path)
{
	X509 *cert = X509_new();
	X509_EXTENSION *ext = NULL;
	X509V3_CTX v3;
	X509_NAME *name;
	FILE *f;
	bool ok;

	ok = cert && X509_set_version(cert, X509_VERSION_3) == 1 &&
	     ASN1_INTEGER_set(X509_get_serialNumber(cert), 1) == 1 &&
	     X509_gmtime_adj(X509_getm_notBefore(cert), 0) &&
	     X509_gmtime_adj(X509_getm_notAfter(cert), 86400) &&
	     X509_set_pubkey(cert, signer->pkey) == 1;
	name = ok ? X509_get_subject_name(cert) : NULL;
	ok = ok && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
					      (const u8 *)"foreign skid", -1,
					      -1, 0) == 1 &&
	     X509_set_issuer_name(cert, name) == 1;
	if (ok) {
		X509V3_set_ctx(&v3, cert, cert, NULL, NULL, 0);
		ext = X509V3_EXT_conf_nid(NULL, &v3,
					  NID_subject_key_identifier,
					  "00:01:02:03:04:05:06:07:08:09:"
					  "0a:0b:0c:0d:0e:0f:10:11:12:13");
	}
	ok = ok && ext && X509_add_ext(cert, ext, -1) == 1 &&
	     X509_sign(cert, signer->pkey, EVP_sha256()) > 0;
	f = ok ? fopen(path, "w") : NULL;
	if (!f || PEM_write_X509(f, cert) != 1) {
		printf("Bail out! cannot build the foreign-SKID certificate\n");
		exit(1);
	}
	fclose(f);
	X509_EXTENSION_free(ext);
	X509_free(cert);
}

static void test_signer(void)
{
	/* DER(DigestInfo{sha256, NULL}) prefix, RFC 8017 9.2 note 1 */
	static const char digest_info[] = "3031300d060960864801650304020105000420";
	struct m2mkx_signer signer, again, small;
	struct m2mkx_trust trust, other;
	u8 digest[32], sig[M2MKX_ROOT_SIG_MAX_LEN], sig2[M2MKX_ROOT_SIG_MAX_LEN];
	u8 em[M2MKX_ROOT_SIG_MAX_LEN], want_em[M2MKX_ROOT_SIG_MAX_LEN], id[20];
	size_t sig_len = 0, sig2_len = 0, pad;
	EVP_PKEY *pkey;
	struct stat st;
	X509 *cert;
	int ret;

	ret = m2mkx_signer_generate(&signer, 3072);
	if (!tap_is_int(ret, 0, "signer: generates a 3072-bit RSA key")) {
		printf("Bail out! no signer\n");
		exit(1);
	}
	tap_ok(EVP_PKEY_get_bits(signer.pkey) == 3072,
	       "signer: modulus is 3072 bits");
	{
		BIGNUM *e = NULL;

		tap_ok(EVP_PKEY_get_bn_param(signer.pkey, "e", &e) == 1 &&
		       BN_is_word(e, 65537), "signer: public exponent 65537");
		BN_free(e);
	}
	tap_ok(m2mkx_signer_key_id(&signer, id) == 0 &&
	       !memcmp(id, signer.id, 20), "signer: reports its key id");

	sha256(digest, "m2mkx root", 10);
	ret = m2mkx_signer_sign(&signer, digest, sig, &sig_len);
	tap_ok(ret == 0 && sig_len == 384, "signer: signs, 384 bytes");

	/*
	 * EM = 0x00 0x01 FF..FF 0x00 DigestInfo(SHA-256) digest: the
	 * encoding the kernel's pkcs1pad(rsa,sha256) checks for.
	 */
	pad = sig_len - 3 - 19 - 32;
	want_em[0] = 0x00;
	want_em[1] = 0x01;
	memset(want_em + 2, 0xff, pad);
	want_em[2 + pad] = 0x00;
	unhex(digest_info, want_em + 3 + pad, 19);
	memcpy(want_em + 3 + pad + 19, digest, 32);
	tap_ok(rsa_open_raw(signer.pkey, sig, sig_len, em) &&
	       !memcmp(em, want_em, sig_len),
	       "signer: signature is EMSA-PKCS1-v1_5 with SHA-256 DigestInfo");

	tap_is_int(m2mkx_signer_write_key(&signer, tmp_path("t.key")), 0,
		   "signer: writes its private key");
	tap_ok(stat(tmp_path("t.key"), &st) == 0 &&
	       (st.st_mode & 0777) == 0600, "signer: key file is mode 0600");
	errno = 0;
	ret = m2mkx_signer_write_key(&signer, tmp_path("t.key"));
	tap_ok(ret == -M2MKX_EINVAL && errno == EEXIST,
	       "signer: will not overwrite a key file (EEXIST)");

	tap_is_int(m2mkx_signer_write_cert(&signer, tmp_path("t.pem"),
					   "m2mkx test T", 365,
					   M2MKX_CERT_PEM), 0,
		   "signer: writes a PEM certificate");
	tap_is_int(m2mkx_signer_write_cert(&signer, tmp_path("t.der"),
					   "m2mkx test T", 365,
					   M2MKX_CERT_DER), 0,
		   "signer: writes a DER certificate");
	tap_ok(stat(tmp_path("t.pem"), &st) == 0 &&
	       (st.st_mode & 0777) == 0644, "signer: cert file is mode 0644");
	check_cert(tmp_path("t.pem"), false, &signer);
	check_cert(tmp_path("t.der"), true, &signer);
	tap_is_int(m2mkx_signer_write_cert(&signer, tmp_path("x.pem"), "", 365,
					   M2MKX_CERT_PEM), -M2MKX_EINVAL,
		   "signer: refuses an empty CN");

	/* A verifier that knows T only from the certificate file. */
	m2mkx_trust_init(&trust);
	tap_is_int(m2mkx_trust_add_cert_file(&trust, tmp_path("t.pem")), 0,
		   "trust: loads the PEM certificate");
	tap_ok(trust.count == 1 && !memcmp(trust.keys[0].id, signer.id, 20),
	       "trust: certificate key id == signer key id");
	tap_is_int(m2mkx_trust_verify(&trust, signer.id, digest, sig, sig_len),
		   0, "trust: verifies T's signature");
	digest[0] ^= 1;
	tap_is_int(m2mkx_trust_verify(&trust, signer.id, digest, sig, sig_len),
		   -M2MKX_EROOTSIG, "trust: wrong digest -> EROOTSIG");
	digest[0] ^= 1;
	sig[sig_len / 2] ^= 0x10;
	tap_is_int(m2mkx_trust_verify(&trust, signer.id, digest, sig, sig_len),
		   -M2MKX_EROOTSIG, "trust: corrupted signature -> EROOTSIG");
	sig[sig_len / 2] ^= 0x10;
	memcpy(id, signer.id, 20);
	id[0] ^= 0x80;
	tap_is_int(m2mkx_trust_verify(&trust, id, digest, sig, sig_len),
		   -M2MKX_ETKEY, "trust: unknown key id -> ETKEY");

	m2mkx_trust_init(&other);
	tap_ok(m2mkx_trust_add_cert_file(&other, tmp_path("t.der")) == 0 &&
	       other.count == 1 && !memcmp(other.keys[0].id, signer.id, 20),
	       "trust: loads the DER certificate, same key id");
	tap_is_int(m2mkx_trust_verify(&other, signer.id, digest, sig, sig_len),
		   0, "trust: DER-loaded key verifies");
	m2mkx_trust_clear(&other);

	/* The saved key signs identically (PKCS#1 v1.5 is deterministic). */
	tap_is_int(m2mkx_signer_load(&again, tmp_path("t.key")), 0,
		   "signer: loads the saved key");
	tap_ok(!memcmp(again.id, signer.id, 20) &&
	       m2mkx_signer_sign(&again, digest, sig2, &sig2_len) == 0 &&
	       sig2_len == sig_len && !memcmp(sig2, sig, sig_len),
	       "signer: reloaded key has the same id and signature");
	m2mkx_signer_free(&again);
	tap_ok(m2mkx_signer_from_pkey(&again, signer.pkey) == 0 &&
	       !memcmp(again.id, signer.id, 20) &&
	       m2mkx_signer_sign(&again, digest, sig2, &sig2_len) == 0 &&
	       !memcmp(sig2, sig, sig_len),
	       "signer: wraps an EVP_PKEY it is given");
	m2mkx_signer_free(&again);
	tap_ok(EVP_PKEY_get_bits(signer.pkey) == 3072,
	       "signer: ... and leaves the caller's reference alone");
	cert = read_cert(tmp_path("t.der"), true);
	pkey = cert ? X509_get_pubkey(cert) : NULL;
	X509_free(cert);
	tap_is_int(m2mkx_signer_from_pkey(&again, pkey), -M2MKX_EKEY,
		   "signer: refuses a public key");
	EVP_PKEY_free(pkey);
	tap_is_int(m2mkx_signer_load(&again, tmp_path("t.pem")), -M2MKX_EKEY,
		   "signer: a certificate is not a private key");
	{
		FILE *f = fopen(tmp_path("enc.key"), "w");
		bool ok = f && PEM_write_PrivateKey(f, signer.pkey,
						    EVP_aes_128_cbc(),
						    (unsigned char *)"pw", 2,
						    NULL, NULL) == 1;

		if (f)
			fclose(f);
		tap_ok(ok && m2mkx_signer_load(&again, tmp_path("enc.key")) ==
		       -M2MKX_EKEY,
		       "signer: an encrypted key fails without prompting");
	}
	tap_is_int(m2mkx_signer_load(&again, tmp_path("missing.key")),
		   -M2MKX_EINVAL, "signer: missing file -> EINVAL");

	/* Weak or foreign keys are refused as T keys. */
	tap_is_int(m2mkx_signer_generate(&small, 1024), -M2MKX_EINVAL,
		   "signer: refuses to generate 1024-bit keys");
	pkey = EVP_RSA_gen(1024);
	tap_is_int(m2mkx_trust_add_pkey(&trust, pkey), -M2MKX_EKEY,
		   "trust: refuses a 1024-bit RSA key");
	EVP_PKEY_free(pkey);
	pkey = EVP_EC_gen("P-256");
	tap_is_int(m2mkx_trust_add_pkey(&trust, pkey), -M2MKX_EKEY,
		   "trust: refuses an EC key");
	EVP_PKEY_free(pkey);

	write_foreign_skid_cert(&signer, tmp_path("skid.pem"));
	m2mkx_trust_init(&other);
	tap_ok(m2mkx_trust_add_cert_file(&other, tmp_path("skid.pem")) ==
	       -M2MKX_EKEY && other.count == 0,
	       "trust: refuses a certificate whose SKID is not method 1");

	write_text(tmp_path("junk.pem"), "no keys in here\n");
	tap_is_int(m2mkx_trust_add_cert_file(&other, tmp_path("junk.pem")),
		   -M2MKX_EKEY, "trust: a file without keys -> EKEY");
	tap_is_int(m2mkx_trust_add_cert_file(&other, tmp_path("missing.pem")),
		   -M2MKX_EINVAL, "trust: a missing file -> EINVAL");

	/* A bundle: cert, private key (skipped) and public key. */
	append_file(tmp_path("bundle.pem"), tmp_path("t.pem"));
	append_file(tmp_path("bundle.pem"), tmp_path("t.key"));
	write_text(tmp_path("wp2.pem"), wp_pubkey_pem);
	append_file(tmp_path("bundle.pem"), tmp_path("wp2.pem"));
	tap_ok(m2mkx_trust_add_cert_file(&other, tmp_path("bundle.pem")) ==
	       0 && other.count == 2,
	       "trust: a PEM bundle adds its certificate and public key");
	m2mkx_trust_clear(&other);

	/* Full set; a file that does not fit leaves the set unchanged. */
	while (other.count < M2MKX_TRUST_MAX_KEYS - 1) {
		if (m2mkx_signer_generate(&small, 2048))
			break;
		m2mkx_trust_add_pkey(&other, small.pkey);
		m2mkx_signer_free(&small);
	}
	tap_ok(m2mkx_trust_add_cert_file(&other, tmp_path("bundle.pem")) ==
	       -M2MKX_EFULL && other.count == M2MKX_TRUST_MAX_KEYS - 1,
	       "trust: a bundle that overflows the set -> EFULL, set unchanged");
	tap_ok(m2mkx_trust_add_cert_file(&other, tmp_path("t.der")) == 0 &&
	       other.count == M2MKX_TRUST_MAX_KEYS &&
	       m2mkx_trust_verify(&other, signer.id, digest, sig, sig_len) == 0,
	       "trust: the last free slot takes T's key, which verifies");
	tap_is_int(m2mkx_trust_add_cert_file(&other, tmp_path("wp.pem")),
		   -M2MKX_EFULL, "trust: no room for one more -> EFULL");
	m2mkx_trust_clear(&other);

	m2mkx_trust_clear(&trust);
	m2mkx_signer_free(&signer);
	tap_ok(signer.pkey == NULL, "signer: free forgets the key");
}

static void cleanup_tmpdir(void)
{
	static const char *const names[] = {
		"wp.pem", "wp2.pem", "t.key", "t.pem", "t.der", "x.pem",
		"skid.pem", "junk.pem", "bundle.pem", "enc.key",
	};
	unsigned int i;

	for (i = 0; i < M2MKX_ARRAY_SIZE(names); i++)
		unlink(tmp_path(names[i]));
	rmdir(tmpdir);
}

int main(void)
{
	const char *base = getenv("TMPDIR");

	snprintf(tmpdir, sizeof(tmpdir), "%s/m2mkx-test-crypto-XXXXXX",
		 base && *base && strlen(base) < 30 ? base : "/tmp");
	if (!mkdtemp(tmpdir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	printf("TAP version 13\n");

	test_sha256();
	test_hmac();
	test_hkdf();
	test_ccm();
	test_chachapoly();
	test_x25519();
	test_drbg();
	test_trust_wycheproof();
	test_signer();

	cleanup_tmpdir();
	return tap_done();
}
