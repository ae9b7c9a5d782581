// SPDX-License-Identifier: GPL-2.0
/*
 * Keyring names and certificates (see keyring.h), through libkeyutils.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <keyutils.h>

#include "common/keyring.h"

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
