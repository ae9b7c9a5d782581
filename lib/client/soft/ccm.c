// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * CCM (NIST SP 800-38C, RFC 3610) on the block cipher of soft.h, and
 * crypto.h's AES-128-CCM on top of it.
 *
 * CBC-MAC and CTR run side by side, one block at a time, so the mode
 * needs no buffer beyond three blocks and works in place.
 */
#include <m2mkx/bytes.h>
#include <m2mkx/crypto.h>
#include <m2mkx/errors.h>
#include <m2mkx/soft.h>

#include "counters.h"

#define BLOCK 16

struct ccm {
	struct m2mkx_aes128 aes;
	u8 mac[BLOCK];		/* the running CBC-MAC */
	u8 ctr[BLOCK];		/* A_i */
	u8 ks[BLOCK];		/* a block of key stream */
	unsigned int fill;	/* bytes absorbed into mac since the last block */
};

static void encrypt(struct ccm *c, const u8 in[BLOCK], u8 out[BLOCK])
{
	m2mkx_soft_count_aes();
	m2mkx_aes128_encrypt(&c->aes, in, out);
}

/* XORs @len bytes into the CBC-MAC, enciphering each full block. */
static void mac_absorb(struct ccm *c, const u8 *p, size_t len)
{
	while (len--) {
		c->mac[c->fill++] ^= *p++;
		if (c->fill == BLOCK) {
			encrypt(c, c->mac, c->mac);
			c->fill = 0;
		}
	}
}

/* Zero-pads the data absorbed so far to a block boundary. */
static void mac_pad(struct ccm *c)
{
	if (c->fill) {
		encrypt(c, c->mac, c->mac);
		c->fill = 0;
	}
}

static void ctr_set(struct ccm *c, size_t i)
{
	unsigned int q = (c->ctr[0] & 7) + 1;	/* counter bytes: L */
	unsigned int b;

	for (b = 0; b < q; b++)
		c->ctr[BLOCK - 1 - b] = (u8)((u64)i >> (8 * b));
}

static int ccm_start(struct ccm *c, const u8 key[16], const u8 *nonce,
		     size_t nonce_len, const u8 *ad, size_t ad_len,
		     size_t len, size_t tag_len)
{
	size_t q = 15 - nonce_len;	/* L, the size of the length field */
	u8 enc[6];
	unsigned int i;

	if (nonce_len < 7 || nonce_len > 13 || tag_len < 4 ||
	    tag_len > 16 || tag_len % 2)
		return -M2MKX_EINVAL;
	/* The message length must fit in L bytes. */
	if (q < sizeof(size_t) && (u64)len >> (8 * q))
		return -M2MKX_EINVAL;

	memset(c, 0, sizeof(*c));
	m2mkx_aes128_setkey(&c->aes, key);

	/* B_0 = flags | N | Q, flags = Adata | (t-2)/2 | L-1. */
	c->mac[0] = (u8)((ad_len ? 0x40 : 0) | ((tag_len - 2) / 2) << 3 |
			 (q - 1));
	memcpy(c->mac + 1, nonce, nonce_len);
	for (i = 0; i < q; i++)
		c->mac[BLOCK - 1 - i] = (u8)((u64)len >> (8 * i));
	encrypt(c, c->mac, c->mac);

	if (ad_len) {
		/* a < 2^16 - 2^8: two bytes; else 0xfffe and four bytes. */
		if (ad_len < 0xff00) {
			m2mkx_put_be16(enc, (u16)ad_len);
			mac_absorb(c, enc, 2);
		} else {
			enc[0] = 0xff;
			enc[1] = 0xfe;
			m2mkx_put_be32(enc + 2, (u32)ad_len);
			mac_absorb(c, enc, 6);
		}
		mac_absorb(c, ad, ad_len);
		mac_pad(c);
	}

	/* A_i = (L - 1) | N | i. */
	c->ctr[0] = (u8)(q - 1);
	memcpy(c->ctr + 1, nonce, nonce_len);
	return 0;
}

/* En- or decrypts @len bytes with CTR from A_1, MACing the plaintext. */
static void ccm_crypt(struct ccm *c, const u8 *in, u8 *out, size_t len,
		      bool seal)
{
	size_t off, i, n;
	u8 p;

	for (off = 0; off < len; off += BLOCK) {
		ctr_set(c, off / BLOCK + 1);
		encrypt(c, c->ctr, c->ks);
		n = len - off < BLOCK ? len - off : BLOCK;
		for (i = 0; i < n; i++) {
			p = seal ? in[off + i] : in[off + i] ^ c->ks[i];
			out[off + i] = seal ? p ^ c->ks[i] : p;
			c->mac[i] ^= p;
		}
		encrypt(c, c->mac, c->mac);
	}
}

/* The tag: the CBC-MAC enciphered with A_0, truncated. */
static void ccm_tag(struct ccm *c, u8 *tag, size_t tag_len)
{
	size_t i;

	ctr_set(c, 0);
	encrypt(c, c->ctr, c->ks);
	for (i = 0; i < tag_len; i++)
		tag[i] = c->mac[i] ^ c->ks[i];
}

int m2mkx_soft_ccm_seal(const u8 key[16], const u8 *nonce, size_t nonce_len,
			const u8 *ad, size_t ad_len, const u8 *in, size_t len,
			u8 *out, size_t tag_len)
{
	struct ccm c;
	int ret;

	ret = ccm_start(&c, key, nonce, nonce_len, ad, ad_len, len, tag_len);
	if (!ret) {
		ccm_crypt(&c, in, out, len, true);
		ccm_tag(&c, out + len, tag_len);
	}
	m2mkx_wipe(&c, sizeof(c));
	return ret;
}

int m2mkx_soft_ccm_open(const u8 key[16], const u8 *nonce, size_t nonce_len,
			const u8 *ad, size_t ad_len, const u8 *in, size_t len,
			u8 *out, size_t tag_len)
{
	u8 tag[BLOCK];
	struct ccm c;
	int ret;

	ret = ccm_start(&c, key, nonce, nonce_len, ad, ad_len, len, tag_len);
	if (!ret) {
		/* The tag first: in place, the plaintext overwrites it. */
		memcpy(tag, in + len, tag_len);
		ccm_crypt(&c, in, out, len, false);
		ccm_tag(&c, c.ks, tag_len);
		if (!m2mkx_ct_memeq(c.ks, tag, tag_len)) {
			m2mkx_wipe(out, len);
			ret = -M2MKX_EAUTH;
		}
	}
	m2mkx_wipe(&c, sizeof(c));
	m2mkx_wipe(tag, sizeof(tag));
	return ret;
}

int m2mkx_aes128_ccm_seal(const u8 key[M2MKX_AES128_KEY_LEN],
			  const u8 nonce[M2MKX_CCM_NONCE_LEN],
			  const u8 *ad, size_t ad_len,
			  const u8 *pt, size_t len,
			  u8 *ct, size_t tag_len)
{
	if (tag_len != 4 && tag_len != 8 && tag_len != 16)
		return -M2MKX_EINVAL;
	return m2mkx_soft_ccm_seal(key, nonce, M2MKX_CCM_NONCE_LEN, ad,
				   ad_len, pt, len, ct, tag_len);
}

int m2mkx_aes128_ccm_open(const u8 key[M2MKX_AES128_KEY_LEN],
			  const u8 nonce[M2MKX_CCM_NONCE_LEN],
			  const u8 *ad, size_t ad_len,
			  const u8 *ct, size_t len,
			  u8 *pt, size_t tag_len)
{
	if (tag_len != 4 && tag_len != 8 && tag_len != 16)
		return -M2MKX_EINVAL;
	return m2mkx_soft_ccm_open(key, nonce, M2MKX_CCM_NONCE_LEN, ad,
				   ad_len, ct, len, pt, tag_len);
}
