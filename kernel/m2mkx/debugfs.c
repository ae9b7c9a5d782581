// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/m2mkx/primitives: reading it times each primitive the
 * server performs, through the core's crypto interface as the module
 * implements it, and prints one "name ns_per_op" line per primitive.
 * For benchmarks only (make bench-vm); root only, and a read takes a
 * while: it runs every primitive many times.
 *
 * T's RSA verification is not timed: it needs T's key in a keyring, which
 * a debugfs read does not have. Its line says 0, and a comment says why.
 */
#include <linux/debugfs.h>
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include <m2mkx/crypto.h>
#include <m2mkx/kdf.h>
#include <m2mkx/merkle.h>
#include <m2mkx/ots.h>
#include <m2mkx/share.h>
#include <m2mkx/wire.h>

#include "debugfs.h"

static struct dentry *m2mkx_debugfs_dir;

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
	seq_puts(m, "# rsa_verify: not timed here (needs T's key in a keyring)\n");
	seq_puts(m, "rsa_verify 0\n");
out:
	kfree_sensitive(b);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(primitives);

void m2mkx_debugfs_init(void)
{
	m2mkx_debugfs_dir = debugfs_create_dir("m2mkx", NULL);
	debugfs_create_file("primitives", 0400, m2mkx_debugfs_dir, NULL,
			    &primitives_fops);
}

void m2mkx_debugfs_exit(void)
{
	debugfs_remove_recursive(m2mkx_debugfs_dir);
}
