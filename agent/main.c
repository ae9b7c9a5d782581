// SPDX-License-Identifier: GPL-2.0
/*
 * m2mkx-agent: reads the node's configuration, opens its socket, starts
 * its roles and runs the loop until SIGTERM or SIGINT.
 *
 * Standard output carries what scripts read: "listening <endpoint>" once
 * the socket is bound (and, with DataPath = kernel, after "kernel <roles>
 * port <n>" once the module is configured), one "event ..." line per
 * event, and on SIGUSR1 and at exit the "counter <role> <reason> <n>"
 * lines. Diagnostics go to stderr.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/agent.h"
#include "common/endpoint.h"
#include "common/log.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s [-f] [-v] [--print-keys] [--no-kernel-config] CONFIG\n"
		"\n"
		"  -f, --foreground  stay in the foreground (events and\n"
		"                    counters go to stdout only then)\n"
		"  -v, --verbose     log every dropped datagram on stderr\n"
		"  --print-keys      print the master key in B's completion\n"
		"                    events: for the test harness and the\n"
		"                    demo only, it is the session's secret\n"
		"  --no-kernel-config  with DataPath = kernel, leave the\n"
		"                    module as m2mctl configured it: only\n"
		"                    install T's key material and print the\n"
		"                    module's events\n"
		"\n"
		"SIGUSR1 prints the drop counters; SIGTERM or SIGINT stops.\n"
		"With DataPath = kernel the m2mkx module runs the server and\n"
		"proxy roles: m2mctl show counters prints its counters.\n",
		program_invocation_short_name);
}

/*
 * The roles the agent plays itself. With DataPath = kernel the module is
 * B, and P_i but for taking T's material, which the agent installs.
 */
static int start_roles(struct agent *ag)
{
	static const struct {
		enum conf_role role;
		struct agent_role *(*create)(struct agent *ag);
		struct agent_role *(*create_kernel)(struct agent *ag);
	} roles[] = {
		{ CONF_ROLE_SERVER, agent_server_new, NULL },
		{ CONF_ROLE_PROXY, agent_proxy_new, agent_kproxy_new },
		{ CONF_ROLE_ISSUER, agent_issuer_new, agent_issuer_new },
	};
	bool kernel = ag->conf.datapath == CONF_DATAPATH_KERNEL;
	unsigned int i;

	for (i = 0; i < M2MKX_ARRAY_SIZE(roles); i++) {
		struct agent_role *(*create)(struct agent *ag) =
			kernel ? roles[i].create_kernel : roles[i].create;
		struct agent_role *r;

		if (!(ag->conf.roles & roles[i].role) || !create)
			continue;
		r = create(ag);
		if (!r)
			return -1;
		ag->roles[ag->nroles++] = r;
	}
	return 0;
}

static void stop_roles(struct agent *ag)
{
	while (ag->nroles) {
		struct agent_role *r = ag->roles[--ag->nroles];

		r->ops->destroy(r);
	}
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "foreground", no_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "print-keys", no_argument, NULL, 'k' },
		{ "no-kernel-config", no_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char ep[ENDPOINT_STR_LEN];
	struct m2mkx_endpoint local;
	bool foreground = false, print_keys = false, keep_config = false;
	struct agent *ag;
	int opt, ret = 1;

	while ((opt = getopt_long(argc, argv, "fvh", options, NULL)) != -1) {
		switch (opt) {
		case 'f':
			foreground = true;
			break;
		case 'v':
			log_set_verbose(true);
			break;
		case 'k':
			print_keys = true;
			break;
		case 'K':
			keep_config = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 1;
	}

	if (agent_block_signals())
		return 1;
	/* Large (the receive buffer, the config): not for the stack. */
	ag = calloc(1, sizeof(*ag));
	if (!ag) {
		log_err("%s", strerror(errno));
		return 1;
	}
	ag->sock.fd = -1;
	ag->print_keys = print_keys;
	ag->kernel_keep_config = keep_config;
	if (conf_load(&ag->conf, argv[optind], CONF_AGENT))
		goto out_free;
	if (udp_open(&ag->sock, &ag->conf.listen, ag->conf.listen_v4)) {
		endpoint_format(ep, &ag->conf.listen);
		log_err("bind %s: %s", ep, strerror(errno));
		goto out_conf;
	}
	if (ag->conf.datapath == CONF_DATAPATH_KERNEL &&
	    agent_kernel_start(ag))
		goto out_roles;
	if (start_roles(ag) || agent_keys_start(ag))
		goto out_roles;
	if (!udp_local(&ag->sock, &local)) {
		endpoint_format(ep, &local);
		printf("listening %s\n", ep);
		fflush(stdout);
	}
	if (!foreground && daemon(0, 0)) {
		log_err("daemon: %s", strerror(errno));
		goto out_roles;
	}
	ret = agent_run(ag) ? 1 : 0;
	agent_print_counters(ag);
out_roles:
	/* The sessions end with the agent: nothing left to no one's care. */
	agent_keys_stop(ag);
	stop_roles(ag);
	agent_kernel_stop(ag);
	udp_close(&ag->sock);
out_conf:
	conf_free(&ag->conf);
out_free:
	free(ag);
	return ret;
}
