/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Keyrings as keyctl(1) names them: "@u" (the user keyring), "@s" (the
 * session keyring), "%:NAME" (a keyring named NAME that the process can
 * find) or a decimal serial. They hold T's certificates that the module
 * verifies root signatures with, and the session keys B's agent adds
 * (Documentation/keys.rst).
 */
#ifndef M2MKX_COMMON_KEYRING_H
#define M2MKX_COMMON_KEYRING_H

#include <stdint.h>
#include <sys/types.h>

#include <m2mkx/keys.h>
#include <m2mkx/wire.h>

/*
 * The serial of the keyring @spec names; the special keyrings are
 * created if they do not exist yet, as keyctl does. 0, or -1 with errno
 * (EINVAL: not a keyring name).
 */
int keyring_resolve(const char *spec, int32_t *serial);

/*
 * Adds the DER X.509 certificate @der to @keyring as an "asymmetric"
 * key, described by the kernel's parser ("CN: subject key id"). Returns
 * the key's serial, or -1 with errno (EBADMSG: the kernel cannot parse
 * it; ENOPKG: its algorithm is not available).
 */
int32_t keyring_add_certificate(int32_t keyring, const void *der, size_t len);

/*
 * As keyring_resolve(), but a "%:NAME" keyring that does not exist yet is
 * created and linked into the user keyring, where every process of the
 * user finds it.
 */
int keyring_resolve_create(const char *spec, int32_t *serial);

/* "m2mkx:<A>:<B>:<session>", ids in lower-case hex. */
#define KEYRING_SESSION_DESC_LEN \
	(sizeof("m2mkx:::") + 4 * M2MKX_ID_LEN + 2 * M2MKX_SESSION_LEN)

void keyring_session_description(char desc[KEYRING_SESSION_DESC_LEN],
				 const u8 a[M2MKX_ID_LEN],
				 const u8 b[M2MKX_ID_LEN],
				 const u8 session[M2MKX_SESSION_LEN]);

/*
 * The permissions of a session key: its possessor (the agent, and any
 * process that reaches it through its keyring) may view, read, search,
 * link and set its attributes (which includes revoking it), but not
 * change MK; its owner user (uid) may view, read and search; its group
 * and everyone else nothing.
 */
#define KEYRING_SESSION_PERM 0x3b0b0000u

/*
 * Adds MK as a "user" key described by @desc to @keyring, owned by @uid
 * and @gid ((uid_t)-1: the caller's; another needs CAP_SYS_ADMIN), with
 * KEYRING_SESSION_PERM and an expiry @timeout_s seconds away. Returns
 * its serial, or -1 with errno; a key it could not finish is revoked.
 */
int32_t keyring_add_session_key(int32_t keyring, const char *desc,
				const u8 mk[M2MKX_MK_LEN], uid_t uid,
				gid_t gid, unsigned int timeout_s);

/*
 * Unlinks key @key from @keyring and revokes it, so that no other link
 * keeps MK readable. 0, or -1 with errno (ENOKEY: it expired or is gone
 * already).
 */
int keyring_remove_key(int32_t keyring, int32_t key);

#endif /* M2MKX_COMMON_KEYRING_H */
