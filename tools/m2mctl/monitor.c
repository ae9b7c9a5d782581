// SPDX-License-Identifier: GPL-2.0
/*
 * m2mctl monitor: the module's events as they come, one line each, in
 * the agent's format (common/event.h), like ip monitor. Runs until
 * interrupted. The session key MK is printed only with --show-keys.
 */
#include <errno.h>
#include <string.h>

#include "common/event.h"
#include "common/kernel.h"
#include "tools/m2mctl/m2mctl.h"

struct monitor {
	bool show_keys;
};

static int on_event(u8 cmd, struct nlattr **tb, void *arg)
{
	const struct monitor *mon = arg;
	struct kernel_session s;
	struct m2mkx_event ev;

	if (cmd != M2MKX_CMD_EVENT_COMPLETED && cmd != M2MKX_CMD_EVENT_FAILED)
		return 0;
	if (kernel_parse_session(tb, &s))
		return 0;
	kernel_session_event(&s, cmd, &ev);
	event_print(stdout, kernel_role_name(s.role), &ev, mon->show_keys);
	return 0;
}

int cmd_monitor(int argc, char **argv)
{
	struct monitor mon = { .show_keys = false };
	struct genl_sock g;
	int a, ret;

	for (a = 1; a < argc; a++) {
		if (is_help(argv[a])) {
			usage(stdout);
			return 0;
		}
		if (strcmp(argv[a], "--show-keys"))
			return fail("monitor: unknown argument '%s': expected --show-keys",
				    argv[a]);
		mon.show_keys = true;
	}
	if (kernel_open(&g))
		return 1;
	ret = genl_join(&g, M2MKX_GENL_MCGRP_EVENTS);
	if (ret) {
		kernel_fail(&g, ret, "monitor: join events");
		genl_close(&g);
		return 1;
	}
	for (;;) {
		ret = genl_receive(&g, on_event, &mon);
		if (ret == -ENOBUFS) {
			/* The socket's buffer overflowed: say so, go on. */
			fail("monitor: events lost (receive buffer full)");
			continue;
		}
		if (ret && ret != -EINTR && ret != -EAGAIN)
			break;
		if (ferror(stdout))
			break;
	}
	if (ferror(stdout))
		ret = -errno;
	genl_close(&g);
	return fail("monitor: %s", strerror(ret < 0 ? -ret : EIO));
}
