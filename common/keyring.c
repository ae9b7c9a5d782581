// SPDX-License-Identifier: GPL-2.0
/*
 * Keyring names and certificates (see keyring.h), through libkeyutils.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <keyutils.h>

#include "common/keyring.h"
#include "common/keys.h"

int keyring_resolve(const char *spec, int32_t *serial)
{
	key_serial_t id;
	unsigned long v;
	char *end;

	if (!strcmp(spec, "@u") || !strcmp(spec, "@s")) {
		id = keyctl_get_keyring_ID(spec[1] == 'u' ?
					   KEY_SPEC_USER_KEYRING :
					   KEY_SPEC_SESSION_KEYRING, 1);
		if (id < 0)
			return -1;
		*serial = id;
		return 0;
	}
	if (!strncmp(spec, "%:", 2) && spec[2]) {
		id = find_key_by_type_and_desc("keyring", spec + 2, 0);
		if (id < 0)
			return -1;
		*serial = id;
		return 0;
	}
	/* Digits only, 1..INT32_MAX: strtoul() would take signs and blanks. */
	if (spec[0] < '1' || spec[0] > '9') {
		errno = EINVAL;
		return -1;
	}
	errno = 0;
	v = strtoul(spec, &end, 10);
	if (*end || errno || v > INT32_MAX) {
		errno = EINVAL;
		return -1;
	}
	*serial = (int32_t)v;
	return 0;
}

int32_t keyring_add_certificate(int32_t keyring, const void *der, size_t len)
{
	/* No description: the X.509 parser makes one from the subject. */
	return add_key("asymmetric", NULL, der, len, keyring);
}

int keyring_resolve_create(const char *spec, int32_t *serial)
{
	key_serial_t id;

	if (!keyring_resolve(spec, serial))
		return 0;
	if (strncmp(spec, "%:", 2) || errno != ENOKEY)
		return -1;
	id = add_key("keyring", spec + 2, NULL, 0, KEY_SPEC_USER_KEYRING);
	if (id < 0)
		return -1;
	*serial = id;
	return 0;
}

void keyring_session_description(char desc[KEYRING_SESSION_DESC_LEN],
				 const u8 a[M2MKX_ID_LEN],
				 const u8 b[M2MKX_ID_LEN],
				 const u8 session[M2MKX_SESSION_LEN])
{
	char *p = desc;

	p = stpcpy(p, "m2mkx:");
	hex_encode(p, a, M2MKX_ID_LEN);
	p = stpcpy(p + 2 * M2MKX_ID_LEN, ":");
	hex_encode(p, b, M2MKX_ID_LEN);
	p = stpcpy(p + 2 * M2MKX_ID_LEN, ":");
	hex_encode(p, session, M2MKX_SESSION_LEN);
}

int32_t keyring_add_session_key(int32_t keyring, const char *desc,
				const u8 mk[M2MKX_MK_LEN], uid_t uid,
				gid_t gid, unsigned int timeout_s)
{
	key_serial_t key;
	int err;

	/*
	 * "user", not "logon": the consumers of a session key are
	 * programs (its owner user's), and a logon key cannot be read from
	 * userspace at all. Added to the keyring directly: a key made
	 * elsewhere and linked later would be findable meanwhile with the
	 * default permissions.
	 */
	key = add_key("user", desc, mk, M2MKX_MK_LEN, keyring);
	if (key < 0)
		return -1;
	/* The owner last: the agent possesses the key, so it may still. */
	if (keyctl_set_timeout(key, timeout_s) ||
	    keyctl_setperm(key, KEYRING_SESSION_PERM) ||
	    keyctl_chown(key, uid, gid)) {
		err = errno;
		keyctl_revoke(key);
		keyctl_unlink(key, keyring);
		errno = err;
		return -1;
	}
	return key;
}

int keyring_remove_key(int32_t keyring, int32_t key)
{
	long ret = keyctl_revoke(key);

	/* Unlinked even when revoking failed: then it expired already. */
	if (keyctl_unlink(key, keyring) && !ret)
		return -1;
	return ret ? -1 : 0;
}
