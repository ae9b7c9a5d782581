/* SPDX-License-Identifier: GPL-2.0 */
/*
 * m2mkx-agent: the userspace data path of a gateway, playing any of B
 * (server.c), P_i (proxy.c) and T (issuer.c) on one UDP socket, driven
 * by one poll() loop (loop.c). It is the reference the kernel module is
 * tested against and the fallback where the module is not loaded.
 *
 * With DataPath = kernel (kernel.c) the m2mkx module plays B and P_i
 * instead: the agent configures it, installs the key material T sends
 * the proxy, and prints the module's events; T stays in the agent.
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
struct agent_kernel;
struct agent_keys;
struct agent_role;
struct m2mkx_trust;

struct agent_role_ops {
	const char *name;		/* in events and counters */
	/* B: its completions carry the session's MK (sessionkey.c). */
	bool is_server;
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
	/*
	 * Time spent handling this role's datagrams and timers, its sends
	 * (sink.tx_ns) excepted, and the handshakes it completed: its
	 * capacity is completed / busy.
	 */
	u64 busy_ns;
	unsigned long completed;
};

#define AGENT_MAX_ROLES 3

struct agent {
	struct conf conf;
	struct udp_sock sock;
	bool print_keys;		/* MK in events: tests and demo only */
	/* DataPath = kernel: leave the module's configuration alone. */
	bool kernel_keep_config;
	unsigned int nroles;
	struct agent_role *roles[AGENT_MAX_ROLES];
	struct agent_role *route[M2MKX_MSG_FINAL + 1];
	/* Datagrams no role took: bad header, or a type for no role here. */
	unsigned long drops[M2MKX_ERR_COUNT];
	/* DataPath = kernel: the module's sockets; NULL otherwise. */
	struct agent_kernel *kernel;
	/* B's session keys and SAs (sessionkey.c); NULL: none configured. */
	struct agent_keys *keys;
	u8 rx_buf[UDP_MAX_DGRAM];
};

/* Role constructors: print why and return NULL when they cannot start. */
struct agent_role *agent_server_new(struct agent *ag);
struct agent_role *agent_proxy_new(struct agent *ag);
struct agent_role *agent_issuer_new(struct agent *ag);

/*
 * DataPath = kernel (kernel.c). agent_kernel_start() configures the
 * module's instance from the configuration: T's certificates into the
 * trust keyring, identity and keys, limits, neighbours and servers, then
 * the roles and KernelPort; and joins the events group. It prints why
 * and returns -1 when it cannot. agent_kernel_stop() switches the roles
 * off, closes KernelPort and deletes the module's peers. With
 * --no-kernel-config neither touches the instance (m2mctl configured
 * it): the agent only installs T's material and prints the events.
 */
int agent_kernel_start(struct agent *ag);
void agent_kernel_stop(struct agent *ag);
/* The events socket, for poll(); agent_kernel_events() reads it. */
int agent_kernel_fd(const struct agent *ag);
void agent_kernel_events(struct agent *ag);
/* P_i with the module: takes T's KEY_MATERIAL and installs it there. */
struct agent_role *agent_kproxy_new(struct agent *ag);

/*
 * B's session keys (sessionkey.c): [Session] Keyring and [EspPeer].
 * agent_keys_start() resolves (or creates) the keyring; -1 when it
 * cannot. agent_keys_completed() takes every completion event, of either
 * data path, before it is printed: for B's completions it adds MK to the
 * keyring and the ESP SA pair, printing "key added ..." and "esp added
 * ...". The timers remove them when [Session] Lifetime ends, and
 * agent_keys_stop() removes whatever is left.
 */
int agent_keys_start(struct agent *ag);
void agent_keys_completed(struct agent *ag, const struct m2mkx_event *ev);
u64 agent_keys_deadline(const struct agent *ag);
void agent_keys_timers(struct agent *ag, u64 now);
void agent_keys_stop(struct agent *ag);

/*
 * Builds @trust from the configuration's TrustCertificate files, printing
 * the file and line at fault. 0 or -1.
 */
int agent_load_trust(struct m2mkx_trust *trust, const struct conf *c);

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
