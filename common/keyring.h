/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Keyrings as keyctl(1) names them, for T's certificates that the module
 * verifies root signatures with: "@u" (the user keyring), "@s" (the
 * session keyring), "%:NAME" (a keyring named NAME that the process can
 * find) or a decimal serial.
 */
#ifndef M2MKX_COMMON_KEYRING_H
#define M2MKX_COMMON_KEYRING_H

#include <stdint.h>

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

#endif /* M2MKX_COMMON_KEYRING_H */
