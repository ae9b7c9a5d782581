/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The "m2mkx" generic netlink family (include/uapi/linux/m2mkx.h).
 */
#ifndef _M2MKX_NETLINK_H
#define _M2MKX_NETLINK_H

#include <m2mkx/step.h>

#include "counters.h"

struct m2mkx_net;

int m2mkx_genl_init(void);
void m2mkx_genl_exit(void);

/*
 * Multicasts a role's event to the "events" group of @mn's namespace;
 * called by the sink, under the instance mutex, in process context.
 */
void m2mkx_netlink_event(struct m2mkx_net *mn, enum m2mkx_counter_role role,
			 const struct m2mkx_event *ev);

#endif /* _M2MKX_NETLINK_H */
