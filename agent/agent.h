/* SPDX-License-Identifier: GPL-2.0 */
/*
 * m2mkx-agent: the userspace data path of a gateway, playing any of B
 * (server.c), P_i (proxy.c) and T (issuer.c) on one UDP socket, driven
 * by one poll() loop (loop.c). It is the reference the kernel module is
 * tested against and the fallback where the module is not loaded.
 *
 * Each role owns its session table and hands every datagram to the
 * protocol core; the loop routes datagrams by type, runs the timers,
 * counts every drop by reason and prints events.
 */
#ifndef M2MKX_AGENT_H
#define M2MKX_AGENT_H

#include <m2mkx/errors.h>
#include <m2mkx/step.h>
#include <m2mkx/wire.h>

#include "common/conf.h"
#include "common/udp.h"

struct agent;
struct agent_role;

struct agent_role_ops {
	const char *name;		/* in events and counters */
	/* Message types the role takes: the loop routes them to it. */
	const u8 *types;
	unsigned int ntypes;
	/* Feeds a datagram; returns 0, or the -M2MKX_E* reason it dropped. */
	int (*rx)(struct agent_role *r, int type, const u8 *buf, size_t len,
		  const struct m2mkx_endpoint *from, u64 now);
	/* Runs the timers due at @now, freeing sessions that ended. */
	void (*timers)(struct agent_role *r, u64 now);
	/* The earliest deadline of the role's sessions. */
	u64 (*deadline)(const struct agent_role *r);
	/* Wipes and frees every session, then the role. */
	void (*destroy)(struct agent_role *r);
};

struct agent_role {
	const struct agent_role_ops *ops;
	struct agent *ag;
	/* Sends on the agent's socket; its events name this role. */
	struct udp_sink sink;
	/* Dropped datagrams by reason, M2MKX_E* indexed. */
	unsigned long drops[M2MKX_ERR_COUNT];
};

#define AGENT_MAX_ROLES 3

struct agent {
	struct conf conf;
	struct udp_sock sock;
	bool print_keys;		/* MK in events: tests and demo only */
	unsigned int nroles;
	struct agent_role *roles[AGENT_MAX_ROLES];
	struct agent_role *route[M2MKX_MSG_FINAL + 1];
	/* Datagrams no role took: bad header, or a type for no role here. */
	unsigned long drops[M2MKX_ERR_COUNT];
	u8 rx_buf[UDP_MAX_DGRAM];
};

/* Role constructors: print why and return NULL when they cannot start. */
struct agent_role *agent_server_new(struct agent *ag);
struct agent_role *agent_proxy_new(struct agent *ag);
struct agent_role *agent_issuer_new(struct agent *ag);

/* Sets up the role header: sink on the agent's socket, zero counters. */
void agent_role_init(struct agent_role *r, const struct agent_role_ops *ops,
		     struct agent *ag);

/*
 * Blocks the signals the loop reads through its signalfd. Called first
 * thing, so that a SIGUSR1 during start-up waits for the loop instead of
 * killing the agent.
 */
int agent_block_signals(void);

/* Runs until SIGTERM or SIGINT; 0, or -1 when the loop itself failed. */
int agent_run(struct agent *ag);

/* "counter <role> <reason> <n>" lines on stdout. */
void agent_print_counters(const struct agent *ag);

#endif /* M2MKX_AGENT_H */
