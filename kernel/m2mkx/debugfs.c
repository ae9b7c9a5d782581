// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/m2mkx/primitives: reading it times each primitive the
 * server performs, through the core's crypto interface as the module
 * implements it, and prints one "name ns_per_op" line per primitive.
 * For benchmarks only (make bench-vm); root only, and a read takes a
 * while: it runs every primitive many times.
 *
 * T's RSA verification needs T's key in a keyring, which a debugfs read
 * does not have: write "SERIAL KEYID" to rsa_key first, the serial of the
 * keyring B was configured with (TrustKeyring) and the 40 hex digits of
 * the subjectKeyIdentifier T's certificate is filed under. The read then
 * times m2mkx_trust_verify() itself, the keyring search and the verifier
 * as B runs them, on a signature that is as long as the modulus and
 * smaller than it but is no signature, one the verifier refuses with
 * -EBADMSG: the RSA operation runs in full and only the padding check
 * after it fails (rsa_bogus_sig()). Without a key the line says 0.
 *
 * /sys/kernel/debug/m2mkx/calls: how many times the module's crypto ran
 * each primitive since it loaded, one "name count" line each
 * (m2mkx_crypto_calls()). Read before and after a run, with only the
 * server's work in the kernel, it gives the primitives a server
 * handshake performed; "primitives" gives what each costs.
 */
#include <linux/debugfs.h>
#include <linux/kernel.h>
#include <linux/key.h>
#include <linux/ktime.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <crypto/public_key.h>
#include <keys/asymmetric-type.h>

#include <m2mkx/crypto.h>
#include <m2mkx/kdf.h>
#include <m2mkx/merkle.h>
#include <m2mkx/ots.h>
#include <m2mkx/share.h>
#include <m2mkx/wire.h>

#include "crypto.h"
#include "debugfs.h"

static struct dentry *m2mkx_debugfs_dir;

/* T's key for rsa_verify, as rsa_key was last written; @rsa_lock. */
static DEFINE_MUTEX(rsa_lock);
static struct m2mkx_trust rsa_trust;
static u8 rsa_key_id[M2MKX_TKEY_ID_LEN];

#define PRIM_RSA_ITERS 20
#define PRIM_RSA_TRIES 4096

/* A SIGNED_SHARE with a W4 signature, as B hashes it. */
#define PRIM_SIGNED_SHARE_LEN 2400
#define PRIM_MERKLE_HEIGHT 3

struct prim_buf {
	u8 key[32];
	u8 peer[32];
	u8 out[96];
	u8 msg[PRIM_SIGNED_SHARE_LEN];
	u8 ct[64];
	u8 sig[M2MKX_OTS_MAX_SIG_LEN];
	u8 path[PRIM_MERKLE_HEIGHT * M2MKX_OTS_HASH_LEN];
	/* Shares of one secret for k = 2, 3 and 5 (n = 3, 5 and 8). */
	u8 shares[3][M2MKX_MAX_PROXIES * M2MKX_SECRET_LEN];
	u8 points[M2MKX_MAX_PROXIES];
	struct m2mkx_ots_key ots;
	size_t sig_len;
};

enum prim_id {
	PRIM_X25519,
	PRIM_OTS_W4_CANDIDATE,
	PRIM_MERKLE_ROOT_H3,
	PRIM_SHA256_SIGNED_SHARE,
	PRIM_SHA256_ONE_BLOCK,
	PRIM_CHACHAPOLY_SEAL_OPEN,
	PRIM_AES_CCM_16,
	PRIM_HMAC_64,
	PRIM_HKDF_96,
	PRIM_COMBINE_K2_N3,
	PRIM_COMBINE_K3_N5,
	PRIM_COMBINE_K5_N8,
};

static const struct {
	const char *name;
	unsigned int iters;
} prims[] = {
	[PRIM_X25519] = { "x25519", 200 },
	[PRIM_OTS_W4_CANDIDATE] = { "ots_w4_candidate", 50 },
	[PRIM_MERKLE_ROOT_H3] = { "merkle_root_h3", 1000 },
	[PRIM_SHA256_SIGNED_SHARE] = { "sha256_signed_share", 500 },
	[PRIM_SHA256_ONE_BLOCK] = { "sha256_55", 2000 },
	[PRIM_CHACHAPOLY_SEAL_OPEN] = { "chachapoly_seal_open_24", 500 },
	[PRIM_AES_CCM_16] = { "aes_ccm_16", 500 },
	[PRIM_HMAC_64] = { "hmac_64", 1000 },
	[PRIM_HKDF_96] = { "hkdf_expand_96", 1000 },
	[PRIM_COMBINE_K2_N3] = { "combine_k2_n3", 500 },
	[PRIM_COMBINE_K3_N5] = { "combine_k3_n5", 500 },
	[PRIM_COMBINE_K5_N8] = { "combine_k5_n8", 500 },
};

/* One run of primitive @id on @b; 0 or the core's error. */
static int prim_run(enum prim_id id, struct prim_buf *b)
{
	struct m2mkx_sha256_ctx ctx;
	u32 bad;
	int ret;

	switch (id) {
	case PRIM_X25519:
		return m2mkx_x25519(b->out, b->key, b->peer);
	case PRIM_OTS_W4_CANDIDATE:
		return m2mkx_ots_candidate(M2MKX_LMOTS_SHA256_N32_W4, b->ots.I,
					   b->ots.q, b->msg, 64, b->sig,
					   b->sig_len, b->out);
	case PRIM_MERKLE_ROOT_H3:
		return m2mkx_merkle_root(b->ots.I, PRIM_MERKLE_HEIGHT, 0,
					 b->peer, b->path, b->out);
	case PRIM_SHA256_SIGNED_SHARE:
		m2mkx_sha256_init(&ctx);
		m2mkx_sha256_update(&ctx, b->msg, sizeof(b->msg));
		m2mkx_sha256_final(&ctx, b->out);
		return 0;
	case PRIM_SHA256_ONE_BLOCK:
		/* An LM-OTS chain step: one block with its padding. */
		m2mkx_sha256_init(&ctx);
		m2mkx_sha256_update(&ctx, b->msg, 55);
		m2mkx_sha256_final(&ctx, b->out);
		return 0;
	case PRIM_CHACHAPOLY_SEAL_OPEN:
		ret = m2mkx_chachapoly_seal(b->key, 0, b->peer, 16, b->msg, 24,
					    b->ct);
		return ret ?: m2mkx_chachapoly_open(b->key, 0, b->peer, 16,
						    b->ct, 24, b->out);
	case PRIM_AES_CCM_16:
		return m2mkx_aes128_ccm_seal(b->key, b->peer, b->peer, 16,
					     b->msg, 16, b->ct, M2MKX_TAG_LEN);
	case PRIM_HMAC_64:
		m2mkx_hmac(b->out, b->key, sizeof(b->key), b->msg, 64);
		return 0;
	case PRIM_HKDF_96:
		return m2mkx_hkdf_expand(b->out, 96, b->key, b->peer, 16);
	case PRIM_COMBINE_K2_N3:
		return m2mkx_share_combine(M2MKX_SHARE_SHAMIR, 2, 3, b->points,
					   b->shares[0], b->out,
					   M2MKX_SECRET_LEN, &bad);
	case PRIM_COMBINE_K3_N5:
		return m2mkx_share_combine(M2MKX_SHARE_SHAMIR, 3, 5, b->points,
					   b->shares[1], b->out,
					   M2MKX_SECRET_LEN, &bad);
	case PRIM_COMBINE_K5_N8:
		return m2mkx_share_combine(M2MKX_SHARE_SHAMIR, 5, 8, b->points,
					   b->shares[2], b->out,
					   M2MKX_SECRET_LEN, &bad);
	}
	return -EINVAL;
}

/* Inputs that every primitive accepts: a real W4 signature, real shares. */
static int prim_setup(struct prim_buf *b)
{
	unsigned int i;
	int ret;

	m2mkx_random(b, offsetof(struct prim_buf, sig));
	m2mkx_random(b->path, sizeof(b->path));
	b->ots.type = M2MKX_LMOTS_SHA256_N32_W4;
	b->ots.q = 0;
	b->ots.used = false;
	m2mkx_random(b->ots.I, sizeof(b->ots.I));
	m2mkx_random(b->ots.seed, sizeof(b->ots.seed));
	b->sig_len = m2mkx_ots_sig_len(M2MKX_LMOTS_SHA256_N32_W4);
	ret = m2mkx_ots_sign(&b->ots, b->msg, 64, b->sig, sizeof(b->sig));
	if (ret)
		return ret;
	for (i = 0; i < M2MKX_MAX_PROXIES; i++)
		b->points[i] = i + 1;
	ret = m2mkx_share_split(M2MKX_SHARE_SHAMIR, 2, 3, b->out,
				M2MKX_SECRET_LEN, b->shares[0]);
	ret = ret ?: m2mkx_share_split(M2MKX_SHARE_SHAMIR, 3, 5, b->out,
				       M2MKX_SECRET_LEN, b->shares[1]);
	return ret ?: m2mkx_share_split(M2MKX_SHARE_SHAMIR, 5, 8, b->out,
					M2MKX_SECRET_LEN, b->shares[2]);
}

/*
 * A signature of the modulus' length for the key filed under rsa_key_id,
 * which the verifier runs in full and then refuses: random bytes below
 * the modulus (a leading zero byte; the modulus' top byte is not zero).
 * Returns its length, or 0 with a reason in @m.
 */
static size_t rsa_bogus_sig(struct seq_file *m, u8 *sig, size_t cap)
{
	static const u8 digest[M2MKX_SHA256_LEN];
	struct kernel_pkey_params params = {
		.encoding = "pkcs1",
		.hash_algo = "sha256",
	};
	struct public_key_signature pks = {
		.digest = (u8 *)digest,
		.digest_size = M2MKX_SHA256_LEN,
		.pkey_algo = "rsa",
		.hash_algo = "sha256",
		.encoding = "pkcs1",
	};
	struct kernel_pkey_query info;
	struct asymmetric_key_id *kid;
	struct key *key;
	unsigned int tries;
	size_t len = 0;
	int ret;

	kid = asymmetric_key_generate_id(rsa_key_id, M2MKX_TKEY_ID_LEN, "", 0);
	if (IS_ERR(kid))
		return 0;
	key = find_asymmetric_key(rsa_trust.keyring, kid, NULL, NULL, false);
	kfree(kid);
	if (IS_ERR(key)) {
		seq_printf(m, "# rsa_verify: no such key: %ld\n", PTR_ERR(key));
		return 0;
	}
	params.key = key;
	ret = query_asymmetric_key(&params, &info);
	if (ret || !info.max_sig_size || info.max_sig_size > cap) {
		seq_printf(m, "# rsa_verify: key query: %d, %u bytes\n", ret,
			   ret ? 0 : info.max_sig_size);
		goto out;
	}
	pks.s = sig;
	pks.s_size = info.max_sig_size;
	/*
	 * Most such values decode to a block without its leading zero byte,
	 * which 6.1's pkcs1pad refuses with -EINVAL, as it refuses a bad
	 * length before the RSA operation. Only a value that decodes with
	 * it gets -EBADMSG (or -EKEYREJECTED): an error that only the
	 * checks after the RSA operation give. About 1 in 256 does.
	 */
	for (tries = 0; tries < PRIM_RSA_TRIES; tries++) {
		m2mkx_random(sig, info.max_sig_size);
		sig[0] = 0;
		ret = verify_signature(key, &pks);
		if (ret == -EBADMSG || ret == -EKEYREJECTED)
			break;
		cond_resched();
	}
	if (tries == PRIM_RSA_TRIES) {
		seq_printf(m, "# rsa_verify: no post-RSA refusal in %u tries (last %d)\n",
			   tries, ret);
		goto out;
	}
	len = info.max_sig_size;
out:
	key_put(key);
	return len;
}

/* ns per m2mkx_trust_verify() with T's key, or 0; under rsa_lock. */
static u64 rsa_verify_ns(struct seq_file *m)
{
	static const u8 digest[M2MKX_SHA256_LEN];
	u8 *sig;
	size_t len;
	u64 start, ns = 0;
	unsigned int j;
	int ret;

	if (!rsa_trust.keyring) {
		seq_puts(m, "# rsa_verify: not timed (write \"SERIAL KEYID\" to rsa_key)\n");
		return 0;
	}
	sig = kmalloc(M2MKX_ROOT_SIG_MAX_LEN, GFP_KERNEL);
	if (!sig)
		return 0;
	len = rsa_bogus_sig(m, sig, M2MKX_ROOT_SIG_MAX_LEN);
	if (!len)
		goto out;
	start = ktime_get_ns();
	for (j = 0; j < PRIM_RSA_ITERS; j++) {
		ret = m2mkx_trust_verify(&rsa_trust, rsa_key_id, digest, sig,
					 len);
		if (ret != -M2MKX_EROOTSIG) {
			seq_printf(m, "# rsa_verify failed: %d\n", ret);
			goto out;
		}
		cond_resched();
	}
	ns = (ktime_get_ns() - start) / PRIM_RSA_ITERS;
	seq_printf(m, "# rsa_verify: %zu-byte modulus, m2mkx_trust_verify() on a non-signature\n",
		   len);
out:
	kfree(sig);
	return ns;
}

static int primitives_show(struct seq_file *m, void *v)
{
	struct prim_buf *b;
	unsigned int i, j;
	u64 start, ns;
	int ret;

	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	ret = prim_setup(b);
	if (ret) {
		seq_printf(m, "# set-up failed: %d\n", ret);
		goto out;
	}
	seq_puts(m, "# name ns_per_op, through the module's crypto\n");
	for (i = 0; i < ARRAY_SIZE(prims); i++) {
		start = ktime_get_ns();
		for (j = 0; j < prims[i].iters; j++) {
			ret = prim_run(i, b);
			if (ret)
				break;
			cond_resched();
		}
		ns = ktime_get_ns() - start;
		if (ret) {
			seq_printf(m, "# %s failed: %d\n", prims[i].name, ret);
			ret = 0;
			continue;
		}
		seq_printf(m, "%s %llu\n", prims[i].name, ns / prims[i].iters);
	}
	mutex_lock(&rsa_lock);
	seq_printf(m, "rsa_verify %llu\n", rsa_verify_ns(m));
	mutex_unlock(&rsa_lock);
out:
	kfree_sensitive(b);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(primitives);

static int calls_show(struct seq_file *m, void *v)
{
	u64 calls[M2MKX_CALLS];
	unsigned int i;

	m2mkx_crypto_calls(calls);
	for (i = 0; i < M2MKX_CALLS; i++)
		seq_printf(m, "%s %llu\n", m2mkx_crypto_call_names[i],
			   calls[i]);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(calls);

/*
 * rsa_key: "SERIAL KEYID\n". The keyring is looked up as the writer sees
 * it, as netlink does for TrustKeyring.
 */
static ssize_t rsa_key_write(struct file *file, const char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	char buf[16 + 2 * M2MKX_TKEY_ID_LEN + 2];
	u8 id[M2MKX_TKEY_ID_LEN];
	char *hex;
	int serial, ret;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = 0;
	hex = strchr(buf, ' ');
	if (!hex)
		return -EINVAL;
	*hex++ = 0;
	if (kstrtoint(buf, 10, &serial) || strlen(strim(hex)) != 2 * sizeof(id) ||
	    hex2bin(id, hex, sizeof(id)))
		return -EINVAL;
	mutex_lock(&rsa_lock);
	ret = m2mkx_trust_set_keyring(&rsa_trust, serial);
	if (!ret)
		memcpy(rsa_key_id, id, sizeof(id));
	mutex_unlock(&rsa_lock);
	return ret ?: count;
}

static const struct file_operations rsa_key_fops = {
	.owner = THIS_MODULE,
	.write = rsa_key_write,
	.llseek = noop_llseek,
};

void m2mkx_debugfs_init(void)
{
	m2mkx_debugfs_dir = debugfs_create_dir("m2mkx", NULL);
	debugfs_create_file("primitives", 0400, m2mkx_debugfs_dir, NULL,
			    &primitives_fops);
	debugfs_create_file("calls", 0400, m2mkx_debugfs_dir, NULL,
			    &calls_fops);
	debugfs_create_file("rsa_key", 0200, m2mkx_debugfs_dir, NULL,
			    &rsa_key_fops);
}

void m2mkx_debugfs_exit(void)
{
	debugfs_remove_recursive(m2mkx_debugfs_dir);
	m2mkx_trust_put(&rsa_trust);
}
