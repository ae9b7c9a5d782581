/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Names the programs print for protocol values, in the forms the tests
 * and scripts parse.
 */
#ifndef M2MKX_COMMON_NAMES_H
#define M2MKX_COMMON_NAMES_H

/* "used", "absent", "corrupt", "forged", "late" (enum m2mkx_verdict). */
const char *verdict_name(unsigned int verdict);

/* "HELLO", "SIGNED_SHARE", ... (enum m2mkx_msg_type), for logs. */
const char *msg_type_name(int type);

#endif /* M2MKX_COMMON_NAMES_H */
