// SPDX-License-Identifier: GPL-2.0
/*
 * The crypto backend of the kernel module: <m2mkx/crypto.h> on the kernel
 * crypto API and lib/crypto.
 *
 * The signer half of crypto.h is not here: only T signs, and T lives in
 * userspace (Kbuild leaves core/issuer.c out of the module).
 *
 * Everything runs in process context (the module's workqueues and its
 * netlink handlers) and may sleep.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/build_bug.h>
#include <linux/err.h>
#include <linux/key.h>
#include <linux/ktime.h>
#include <linux/limits.h>
#include <linux/math.h>
#include <linux/minmax.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/printk.h>
#include <linux/random.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <crypto/aead.h>
#include <crypto/chacha20poly1305.h>
#include <crypto/curve25519.h>
#include <crypto/hash.h>
#include <crypto/public_key.h>
#include <crypto/sha2.h>
#include <keys/asymmetric-type.h>

#include <m2mkx/crypto.h>

#include "crypto.h"

/* ------------------------------------------------------------------ */
/* Call counts                                                         */
/* ------------------------------------------------------------------ */

/*
 * Per CPU, as a server handshake hashes thousands of times: a local add
 * costs next to nothing and needs no lock. Reads may see a count that a
 * running call has not added yet, which a benchmark reading before and
 * after its run does not mind.
 */
struct m2mkx_crypto_counts {
	u64 n[M2MKX_CALLS];
};

static DEFINE_PER_CPU(struct m2mkx_crypto_counts, crypto_counts);

const char *const m2mkx_crypto_call_names[M2MKX_CALLS] = {
	[M2MKX_CALL_SHA256] = "sha256",
	[M2MKX_CALL_SHA256_BLOCKS] = "sha256_blocks",
	[M2MKX_CALL_AES_CCM] = "aes_ccm",
	[M2MKX_CALL_CHACHAPOLY] = "chachapoly",
	[M2MKX_CALL_X25519] = "x25519",
	[M2MKX_CALL_RSA_VERIFY] = "rsa_verify",
};

static void count_call(enum m2mkx_crypto_call call, u64 n)
{
	this_cpu_add(crypto_counts.n[call], n);
}

void m2mkx_crypto_calls(u64 calls[M2MKX_CALLS])
{
	unsigned int i;
	int cpu;

	memset(calls, 0, M2MKX_CALLS * sizeof(*calls));
	for_each_possible_cpu(cpu)
		for (i = 0; i < M2MKX_CALLS; i++)
			calls[i] += per_cpu(crypto_counts.n[i], cpu);
}

/* ------------------------------------------------------------------ */
/* SHA-256                                                             */
/* ------------------------------------------------------------------ */

/*
 * 6.1 offers two SHA-256s. lib/crypto's sha256_*() is portable C. The
 * crypto API's "sha256" shash resolves to the best registered driver:
 * sha256-ni, -avx2, -avx or -ssse3 from the sha256_ssse3 module, which
 * udev loads at boot on every x86-64 CPU with SSSE3, at the price of two
 * indirect calls and a kernel_fpu_begin()/end() per hash. LM-OTS
 * verification is ~500 hashes of one 55-byte block each, so this choice
 * sets the cost of a server handshake. The kernel's own code, built in
 * userspace on this project's build host (AMD EPYC with SHA-NI), per
 * 55-byte hash, framing included:
 *
 *   lib/crypto sha256(), generic C                   155 ns
 *   sha256_transform_rorx (the -avx2 driver)         103 ns
 *   sha256_ni_transform (the -ni driver)              44 ns
 *
 * SHA-NI wins by far; AVX2 is close to even once the indirect calls
 * (retpolines on Debian's kernel) and the FPU section are paid; and
 * under QEMU's emulation the avx2 driver is the slower one (1775 against
 * 1066 ns). No fixed rule fits every machine, so, as lib/raid6 and the
 * xor code do, m2mkx_crypto_init() times both on the hash the core runs
 * most and keeps the shash only if it is clearly faster.
 *
 * The descriptor (struct shash_desc and the driver's state, 8 + 104 bytes
 * for every x86 driver) lives in the caller's struct m2mkx_sha256_ctx, so
 * hashing never allocates; sha256_desc_fits() checks it. One tfm serves
 * every descriptor: an unkeyed shash tfm is read-only after allocation.
 */
static struct crypto_shash *sha256_tfm;

/*
 * The last word of the context counts the message's bytes, for the
 * blocks m2mkx_crypto_calls() reports; the state takes the others.
 */
#define SHA256_LEN_WORD (M2MKX_SHA256_CTX_WORDS - 1)
#define SHA256_STATE_ROOM (SHA256_LEN_WORD * sizeof(u64))

static_assert(sizeof(struct sha256_state) <= SHA256_STATE_ROOM);
static_assert(__alignof__(struct sha256_state) <=
	      __alignof__(struct m2mkx_sha256_ctx));

static bool sha256_desc_fits(struct crypto_shash *tfm)
{
	/* Only on architectures whose slab alignment exceeds a u64's. */
	if (__alignof__(struct shash_desc) >
	    __alignof__(struct m2mkx_sha256_ctx))
		return false;
	return sizeof(struct shash_desc) + crypto_shash_descsize(tfm) <=
	       SHA256_STATE_ROOM;
}

/*
 * The opaque words are only ever accessed as the one type the mode
 * chosen at module load put there.
 */
static struct shash_desc *sha256_desc(struct m2mkx_sha256_ctx *ctx)
{
	return (struct shash_desc *)ctx->opaque;
}

static struct sha256_state *sha256_lib(struct m2mkx_sha256_ctx *ctx)
{
	return (struct sha256_state *)ctx->opaque;
}

void m2mkx_sha256_init(struct m2mkx_sha256_ctx *ctx)
{
	struct shash_desc *desc = sha256_desc(ctx);

	ctx->opaque[SHA256_LEN_WORD] = 0;
	if (!sha256_tfm) {
		sha256_init(sha256_lib(ctx));
		return;
	}
	desc->tfm = sha256_tfm;
	/* Unkeyed SHA-256 drivers cannot fail; nor can update and final. */
	crypto_shash_init(desc);
}

void m2mkx_sha256_update(struct m2mkx_sha256_ctx *ctx, const void *data,
			 size_t len)
{
	const u8 *p = data;
	unsigned int n;

	ctx->opaque[SHA256_LEN_WORD] += len;
	/* Both interfaces count in unsigned int. */
	while (len) {
		n = min_t(size_t, len, UINT_MAX);
		if (sha256_tfm)
			crypto_shash_update(sha256_desc(ctx), p, n);
		else
			sha256_update(sha256_lib(ctx), p, n);
		p += n;
		len -= n;
	}
}

void m2mkx_sha256_final(struct m2mkx_sha256_ctx *ctx,
			u8 out[M2MKX_SHA256_LEN])
{
	/* FIPS 180-4 padding: a 1 bit, zeros, and a 64-bit length. */
	count_call(M2MKX_CALL_SHA256, 1);
	count_call(M2MKX_CALL_SHA256_BLOCKS,
		   DIV_ROUND_UP(ctx->opaque[SHA256_LEN_WORD] + 9,
				M2MKX_SHA256_BLOCK_LEN));
	if (sha256_tfm)
		crypto_shash_final(sha256_desc(ctx), out);
	else
		sha256_final(sha256_lib(ctx), out);
	memzero_explicit(ctx, sizeof(*ctx));
}

/*
 * The best of a few rounds, so that an interrupt or a preemption in one
 * does not decide. 55 bytes is the LM-OTS chain step, I || q || i || j ||
 * tmp (RFC 8554 section 4.5); each input depends on the previous digest
 * so that nothing can be hoisted out of the loop.
 */
#define SHA256_CAL_HASHES 64
#define SHA256_CAL_ROUNDS 4

static u64 sha256_cost(void)
{
	struct m2mkx_sha256_ctx ctx;
	u8 msg[55] = { 0 };
	u8 md[M2MKX_SHA256_LEN];
	u64 best = U64_MAX, t;
	int r, i;

	for (r = 0; r < SHA256_CAL_ROUNDS; r++) {
		t = ktime_get_ns();
		for (i = 0; i < SHA256_CAL_HASHES; i++) {
			m2mkx_sha256_init(&ctx);
			m2mkx_sha256_update(&ctx, msg, sizeof(msg));
			m2mkx_sha256_final(&ctx, md);
			msg[i % sizeof(msg)] ^= md[0];
		}
		best = min(best, ktime_get_ns() - t);
	}
	return best;
}

/* Runs before any core code, so switching sha256_tfm races with nothing. */
static void sha256_select(void)
{
	struct crypto_shash *tfm;
	u64 lib_ns, shash_ns;

	tfm = crypto_alloc_shash("sha256", 0, 0);
	if (IS_ERR(tfm))
		return;
	if (!sha256_desc_fits(tfm)) {
		crypto_free_shash(tfm);
		return;
	}
	sha256_tfm = NULL;
	lib_ns = sha256_cost();
	sha256_tfm = tfm;
	shash_ns = sha256_cost();
	/* Ties go to lib: no FPU section, no indirect calls. */
	if (shash_ns * 8 > lib_ns * 7)
		sha256_tfm = NULL;
	pr_debug("SHA-256 by %s (%s: %llu ns, lib/crypto: %llu ns per %d hashes)\n",
		 sha256_tfm ? "the shash" : "lib/crypto",
		 crypto_shash_driver_name(tfm), shash_ns, lib_ns,
		 SHA256_CAL_HASHES);
	if (!sha256_tfm)
		crypto_free_shash(tfm);
}

/* ------------------------------------------------------------------ */
/* AES-128-CCM                                                         */
/* ------------------------------------------------------------------ */

/*
 * CCM through the crypto API's AEAD "ccm(aes)", synchronous only: the
 * generic ccm template over the AES-NI cipher where aesni_intel is
 * loaded (udev loads it at boot on CPUs with AES-NI).
 *
 * A tfm holds one key, and every call has its own key (pairwise keys,
 * keys derived per session). Allocating a tfm per call costs more than
 * the operation: measured on Debian's 6.1 under QEMU (TCG, so only
 * ratios mean anything), sealing 64 bytes with 16 of AD takes 19 us that
 * way, of which the tfm's allocation, keying and freeing are 10 us; on a
 * kept tfm it takes 6 us. A server handshake runs three. So one tfm,
 * allocated at load, serves every call under ccm_lock, keyed for the
 * call and re-keyed with zeros before the lock is dropped, so that no
 * session's key schedule outlives its operation (as crypto_free_aead()
 * would wipe it). The lock is only ever contended between instances: an
 * instance runs the core under its own mutex.
 *
 * The AEAD takes scatterlists, and a scatterlist must not point into the
 * stack (with CONFIG_VMAP_STACK it is vmalloc memory, which has no linear
 * address), where the core keeps its messages. So the IV, the AD and the
 * payload go through one kmalloc'd bounce buffer, en/decrypted in place
 * and wiped when freed. The copy also makes working in place (output ==
 * input) trivially safe, and keeps a plaintext whose tag fails from ever
 * reaching the caller's buffer.
 */
#define CCM_ALG "ccm(aes)"
#define CCM_IV_LEN 16
/* With a 13-byte nonce the length field has L = 15 - 13 = 2 bytes. */
#define CCM_L 2
#define CCM_MAX_LEN 0xffff

static struct crypto_aead *ccm_tfm;
static DEFINE_MUTEX(ccm_lock);
static const u8 ccm_zero_key[M2MKX_AES128_KEY_LEN];

static_assert(1 + M2MKX_CCM_NONCE_LEN + CCM_L == CCM_IV_LEN);

static bool ccm_tag_len_ok(size_t tag_len)
{
	return tag_len == 4 || tag_len == 8 || tag_len == 16;
}

/*
 * @in: @len bytes of payload, and on decryption the tag after them.
 * @out: @len bytes of payload, and on encryption the tag after them.
 */
static int ccm_crypt(bool enc, const u8 key[M2MKX_AES128_KEY_LEN],
		     const u8 nonce[M2MKX_CCM_NONCE_LEN],
		     const u8 *ad, size_t ad_len, const u8 *in, size_t len,
		     u8 *out, size_t tag_len)
{
	struct crypto_aead *tfm;
	struct aead_request *req;
	struct scatterlist sg;
	size_t in_len = len + (enc ? 0 : tag_len);
	size_t out_len = len + (enc ? tag_len : 0);
	u8 *buf, *iv, *data;
	int ret;

	/* The AEAD counts AD in unsigned int; our datagrams are far less. */
	if (ad_len > INT_MAX)
		return -M2MKX_EINVAL;
	buf = kmalloc(CCM_IV_LEN + ad_len + len + tag_len, GFP_KERNEL);
	if (!buf)
		return -M2MKX_ECRYPTO;
	iv = buf;
	data = buf + CCM_IV_LEN + ad_len;
	/*
	 * RFC 3610 section 2.3: the flags byte of the counter blocks holds
	 * L - 1, then the nonce; the template fills in the counter.
	 */
	memset(iv, 0, CCM_IV_LEN);
	iv[0] = CCM_L - 1;
	memcpy(iv + 1, nonce, M2MKX_CCM_NONCE_LEN);
	if (ad_len)
		memcpy(buf + CCM_IV_LEN, ad, ad_len);
	if (in_len)
		memcpy(data, in, in_len);

	ret = -M2MKX_ECRYPTO;
	tfm = ccm_tfm;
	mutex_lock(&ccm_lock);
	if (crypto_aead_setkey(tfm, key, M2MKX_AES128_KEY_LEN) ||
	    crypto_aead_setauthsize(tfm, tag_len))
		goto out_tfm;
	req = aead_request_alloc(tfm, GFP_KERNEL);
	if (!req)
		goto out_tfm;
	sg_init_one(&sg, buf + CCM_IV_LEN, ad_len + len + tag_len);
	aead_request_set_callback(req, CRYPTO_TFM_REQ_MAY_SLEEP, NULL, NULL);
	aead_request_set_ad(req, ad_len);
	aead_request_set_crypt(req, &sg, &sg, in_len, iv);
	/* Synchronous tfm: the result is final, never -EINPROGRESS. */
	ret = enc ? crypto_aead_encrypt(req) : crypto_aead_decrypt(req);
	aead_request_free(req);
	if (ret == -EBADMSG)
		ret = -M2MKX_EAUTH;
	else if (ret)
		ret = -M2MKX_ECRYPTO;
	else if (out_len)
		memcpy(out, data, out_len);
out_tfm:
	/* A 16-byte key cannot be refused; the schedule is wiped either way. */
	crypto_aead_setkey(tfm, ccm_zero_key, M2MKX_AES128_KEY_LEN);
	mutex_unlock(&ccm_lock);
	kfree_sensitive(buf);
	return ret;
}

int m2mkx_aes128_ccm_seal(const u8 key[M2MKX_AES128_KEY_LEN],
			  const u8 nonce[M2MKX_CCM_NONCE_LEN],
			  const u8 *ad, size_t ad_len,
			  const u8 *pt, size_t len,
			  u8 *ct, size_t tag_len)
{
	int ret;

	if (!ccm_tag_len_ok(tag_len) || len > CCM_MAX_LEN)
		return -M2MKX_EINVAL;
	count_call(M2MKX_CALL_AES_CCM, 1);
	ret = ccm_crypt(true, key, nonce, ad, ad_len, pt, len, ct, tag_len);
	if (ret && ret != -M2MKX_EINVAL)
		memzero_explicit(ct, len + tag_len);
	return ret;
}

int m2mkx_aes128_ccm_open(const u8 key[M2MKX_AES128_KEY_LEN],
			  const u8 nonce[M2MKX_CCM_NONCE_LEN],
			  const u8 *ad, size_t ad_len,
			  const u8 *ct, size_t len,
			  u8 *pt, size_t tag_len)
{
	int ret;

	if (!ccm_tag_len_ok(tag_len) || len > CCM_MAX_LEN)
		return -M2MKX_EINVAL;
	count_call(M2MKX_CALL_AES_CCM, 1);
	ret = ccm_crypt(false, key, nonce, ad, ad_len, ct, len, pt, tag_len);
	if (ret && ret != -M2MKX_EINVAL && len)
		memzero_explicit(pt, len);
	return ret;
}

/* ------------------------------------------------------------------ */
/* ChaCha20-Poly1305                                                   */
/* ------------------------------------------------------------------ */

/*
 * lib/crypto's, whose 64-bit nonce crypto.h adopted. It works on linear
 * buffers, stack ones included, and in place: decryption checks the tag
 * over the ciphertext before it writes a byte of plaintext.
 */
int m2mkx_chachapoly_seal(const u8 key[M2MKX_CHACHAPOLY_KEY_LEN], u64 nonce,
			  const u8 *ad, size_t ad_len,
			  const u8 *pt, size_t len, u8 *ct)
{
	if (len > SIZE_MAX - M2MKX_CHACHAPOLY_TAG_LEN)
		return -M2MKX_EINVAL;
	count_call(M2MKX_CALL_CHACHAPOLY, 1);
	chacha20poly1305_encrypt(ct, pt, len, ad, ad_len, nonce, key);
	return 0;
}

int m2mkx_chachapoly_open(const u8 key[M2MKX_CHACHAPOLY_KEY_LEN], u64 nonce,
			  const u8 *ad, size_t ad_len,
			  const u8 *ct, size_t len, u8 *pt)
{
	if (len > SIZE_MAX - M2MKX_CHACHAPOLY_TAG_LEN)
		return -M2MKX_EINVAL;
	count_call(M2MKX_CALL_CHACHAPOLY, 1);
	if (!chacha20poly1305_decrypt(pt, ct, len + M2MKX_CHACHAPOLY_TAG_LEN,
				      ad, ad_len, nonce, key)) {
		/* Nothing was written; wiped anyway, as crypto.h promises. */
		if (len)
			memzero_explicit(pt, len);
		return -M2MKX_EAUTH;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* X25519 and randomness                                               */
/* ------------------------------------------------------------------ */

static_assert(M2MKX_X25519_LEN == CURVE25519_KEY_SIZE);

/* curve25519() itself refuses an all-zero result (a low-order point). */
int m2mkx_x25519(u8 shared[M2MKX_X25519_LEN],
		 const u8 secret[M2MKX_X25519_LEN],
		 const u8 peer[M2MKX_X25519_LEN])
{
	count_call(M2MKX_CALL_X25519, 1);
	if (!curve25519(shared, secret, peer)) {
		memzero_explicit(shared, M2MKX_X25519_LEN);
		return -M2MKX_EKEY;
	}
	return 0;
}

/*
 * The kernel also refuses an all-zero secret, which OpenSSL would clamp
 * into a valid scalar; no key the module uses is all zero but by mistake.
 */
int m2mkx_x25519_public(u8 pub[M2MKX_X25519_LEN],
			const u8 secret[M2MKX_X25519_LEN])
{
	if (!curve25519_generate_public(pub, secret))
		return -M2MKX_EKEY;
	return 0;
}

int m2mkx_random(void *buf, size_t len)
{
	get_random_bytes(buf, len);
	return 0;
}

/* ------------------------------------------------------------------ */
/* T keys                                                              */
/* ------------------------------------------------------------------ */

/*
 * The smallest T key the userspace backend accepts is RSA-2048. The
 * kernel takes only signatures exactly as long as the modulus, so the
 * signature's length bounds the key: anything shorter than 2048 bits is
 * refused before it reaches the verifier, as userspace refuses the key.
 */
#define RSA_MIN_SIG_LEN (2048 / 8)

int m2mkx_trust_set_keyring(struct m2mkx_trust *t, key_serial_t serial)
{
	struct key *keyring;
	key_ref_t ref;

	ref = lookup_user_key(serial, 0, KEY_NEED_SEARCH);
	if (IS_ERR(ref))
		return PTR_ERR(ref);
	keyring = key_ref_to_ptr(ref);
	if (keyring->type != &key_type_keyring) {
		key_put(keyring);
		return -ENOTDIR;
	}
	m2mkx_trust_put(t);
	t->keyring = keyring;
	return 0;
}

void m2mkx_trust_put(struct m2mkx_trust *t)
{
	key_put(t->keyring);
	t->keyring = NULL;
}

/*
 * Finds the key filed under @key_id (the X.509 parser files a
 * certificate's key under its subjectKeyIdentifier, and an exact "ex:"
 * search matches it) and checks RSASSA-PKCS1-v1_5 over @digest with it.
 *
 * The search runs as the worker thread, holding the keyring as its
 * possessor: what counts is that the administrator who configured the
 * keyring could search it (m2mkx_trust_set_keyring()), and the keys in
 * it grant their possessor search by default. Revoked and expired keys
 * are not found.
 */
int m2mkx_trust_verify(const struct m2mkx_trust *trust,
		       const u8 key_id[M2MKX_TKEY_ID_LEN],
		       const u8 digest[M2MKX_SHA256_LEN],
		       const u8 *sig, size_t sig_len)
{
	struct public_key_signature pks = {
		/* The verifier only reads these; it copies them first. */
		.s = (u8 *)sig,
		.s_size = sig_len,
		.digest = (u8 *)digest,
		.digest_size = M2MKX_SHA256_LEN,
		.pkey_algo = "rsa",
		.hash_algo = "sha256",
		.encoding = "pkcs1",
	};
	struct asymmetric_key_id *kid;
	struct key *key;
	int ret;

	if (!trust || !trust->keyring)
		return -M2MKX_ETKEY;
	kid = asymmetric_key_generate_id(key_id, M2MKX_TKEY_ID_LEN, "", 0);
	if (IS_ERR(kid))
		return -M2MKX_ECRYPTO;
	key = find_asymmetric_key(trust->keyring, kid, NULL, NULL, false);
	kfree(kid);
	if (IS_ERR(key))
		return PTR_ERR(key) == -ENOMEM ? -M2MKX_ECRYPTO : -M2MKX_ETKEY;

	if (!sig || sig_len < RSA_MIN_SIG_LEN ||
	    sig_len > M2MKX_ROOT_SIG_MAX_LEN) {
		ret = -M2MKX_EROOTSIG;
		goto out;
	}
	count_call(M2MKX_CALL_RSA_VERIFY, 1);
	/*
	 * -EKEYREJECTED and -EBADMSG are a signature that does not verify,
	 * -EINVAL one whose length is not the modulus', -ENOPKG a key that
	 * is not RSA: all a root T did not sign with this key. Only a
	 * failure to run the verifier at all is the backend's.
	 */
	ret = verify_signature(key, &pks);
	switch (ret) {
	case 0:
		break;
	case -ENOMEM:
	case -ENOENT:
		ret = -M2MKX_ECRYPTO;
		break;
	default:
		ret = -M2MKX_EROOTSIG;
		break;
	}
out:
	key_put(key);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Module init and exit                                                */
/* ------------------------------------------------------------------ */

int m2mkx_crypto_init(void)
{
	struct crypto_aead *tfm;

	/*
	 * Instantiates ccm(aes) (loading the ccm and ctr modules, and
	 * running the crypto manager's self-tests) once at load, rather
	 * than in the first handshake, and refuses to load without it;
	 * the tfm is the one every CCM operation uses.
	 */
	tfm = crypto_alloc_aead(CCM_ALG, 0, CRYPTO_ALG_ASYNC);
	if (IS_ERR(tfm)) {
		pr_err("no synchronous %s: %ld\n", CCM_ALG, PTR_ERR(tfm));
		return PTR_ERR(tfm);
	}
	pr_debug("AES-128-CCM by %s\n", crypto_aead_driver_name(tfm));
	ccm_tfm = tfm;
	sha256_select();
	return 0;
}

void m2mkx_crypto_exit(void)
{
	crypto_free_shash(sha256_tfm);
	sha256_tfm = NULL;
	crypto_free_aead(ccm_tfm);
	ccm_tfm = NULL;
}
