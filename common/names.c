// SPDX-License-Identifier: GPL-2.0
/*
 * Printable names of verdicts and message types.
 */
#include <m2mkx/wire.h>

#include "common/names.h"

static const char *const verdicts[] = {
	[M2MKX_VERDICT_USED] = "used",
	[M2MKX_VERDICT_ABSENT] = "absent",
	[M2MKX_VERDICT_CORRUPT] = "corrupt",
	[M2MKX_VERDICT_FORGED] = "forged",
	[M2MKX_VERDICT_LATE] = "late",
};

const char *verdict_name(unsigned int verdict)
{
	if (verdict >= M2MKX_ARRAY_SIZE(verdicts))
		return "unknown";
	return verdicts[verdict];
}

static const char *const types[] = {
	[M2MKX_MSG_HELLO] = "HELLO",
	[M2MKX_MSG_HELLO_REPLY] = "HELLO_REPLY",
	[M2MKX_MSG_PROXY_REQUEST] = "PROXY_REQUEST",
	[M2MKX_MSG_PROXY_LIST] = "PROXY_LIST",
	[M2MKX_MSG_KEY_MATERIAL] = "KEY_MATERIAL",
	[M2MKX_MSG_MATERIAL_ACK] = "MATERIAL_ACK",
	[M2MKX_MSG_SHARES] = "SHARES",
	[M2MKX_MSG_PROXY_HELLO] = "PROXY_HELLO",
	[M2MKX_MSG_CHALLENGE] = "CHALLENGE",
	[M2MKX_MSG_SIGNED_SHARE] = "SIGNED_SHARE",
	[M2MKX_MSG_ANSWER] = "ANSWER",
	[M2MKX_MSG_RELAY] = "RELAY",
	[M2MKX_MSG_FINAL_REQUEST] = "FINAL_REQUEST",
	[M2MKX_MSG_FINAL] = "FINAL",
};

const char *msg_type_name(int type)
{
	if (type <= 0 || (unsigned int)type >= M2MKX_ARRAY_SIZE(types) ||
	    !types[type])
		return "datagram";
	return types[type];
}
