/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The module's side of the crypto backend: setting it up, and the kernel's
 * definition of the trust set crypto.h leaves to each backend.
 *
 * kernel/m2mkx/crypto.c implements <m2mkx/crypto.h> (everything but the
 * signer, which only T needs) on the kernel crypto API and lib/crypto.
 */
#ifndef _M2MKX_KERNEL_CRYPTO_H
#define _M2MKX_KERNEL_CRYPTO_H

#include <linux/key.h>

#include <m2mkx/crypto.h>

/*
 * The T keys a server accepts: a keyring of "asymmetric" keys, each an
 * X.509 certificate the kernel's parser filed under its
 * subjectKeyIdentifier (keyctl padd asymmetric NAME KEYRING < cert.der).
 * A NULL keyring trusts nothing: every root is refused with -M2MKX_ETKEY.
 *
 * The pointer is read without a lock by m2mkx_trust_verify(): the caller
 * must not change or put a trust set that a handshake may still be
 * verifying against.
 */
struct m2mkx_trust {
	struct key *keyring;
};

/*
 * Called once from module init, before any core code runs, and from
 * module exit after the last. Init returns 0 or a negative errno.
 */
int m2mkx_crypto_init(void);
void m2mkx_crypto_exit(void);

/*
 * How many times the backend ran each primitive since the module loaded,
 * for make bench-vm (debugfs "calls"): weighed by each primitive's cost
 * (debugfs "primitives"), they tell the server's crypto from the rest of
 * its work. SHA-256 counts messages and compression blocks, as its cost
 * depends on both; everything else counts operations.
 */
enum m2mkx_crypto_call {
	M2MKX_CALL_SHA256,
	M2MKX_CALL_SHA256_BLOCKS,
	M2MKX_CALL_AES_CCM,
	M2MKX_CALL_CHACHAPOLY,
	M2MKX_CALL_X25519,
	M2MKX_CALL_RSA_VERIFY,
	M2MKX_CALLS
};

extern const char *const m2mkx_crypto_call_names[M2MKX_CALLS];

/* Sums the per-CPU counts into @calls. */
void m2mkx_crypto_calls(u64 calls[M2MKX_CALLS]);

/*
 * Makes @t hold the keyring with serial @serial, dropping the one it held.
 * Call it in the context of the task that asked (a generic netlink
 * handler): the serial is looked up as that task sees it, so the special
 * ids (KEY_SPEC_USER_KEYRING, ...) name its keyrings, and it needs search
 * permission on the keyring. Returns 0, -ENOTDIR when the key is not a
 * keyring, or the errno of the lookup (-ENOKEY, -EACCES, ...), leaving @t
 * unchanged on error.
 */
int m2mkx_trust_set_keyring(struct m2mkx_trust *t, key_serial_t serial);

/* Drops the keyring; @t then trusts nothing. */
void m2mkx_trust_put(struct m2mkx_trust *t);

#endif /* _M2MKX_KERNEL_CRYPTO_H */
