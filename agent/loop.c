// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's event loop: one socket, one poll(), the earliest deadline
 * of any session as its timeout. Signals arrive through a signalfd, so
 * they are handled between datagrams like everything else and need no
 * flags shared with a handler.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "agent/agent.h"
#include "common/clock.h"
#include "common/endpoint.h"
#include "common/event.h"
#include "common/log.h"
#include "common/names.h"
#include "common/util.h"

/*
 * Datagrams read per wake-up: under a flood, timers and signals still get
 * their turn after this many.
 */
#define RX_BATCH 64

/* One line per event on stdout (common/event.h). */
static void role_event(struct udp_sink *us, const struct m2mkx_event *ev)
{
	struct agent_role *r = container_of(us, struct agent_role, sink);

	if (ev->type == M2MKX_EV_COMPLETED)
		r->completed++;
	/* First: who reads the event line may look for the key at once. */
	if (r->ops->is_server)
		agent_keys_completed(r->ag, ev);
	event_print(stdout, r->ops->name, ev, r->ag->print_keys);
}

void agent_role_init(struct agent_role *r, const struct agent_role_ops *ops,
		     struct agent *ag)
{
	r->ops = ops;
	r->ag = ag;
	udp_sink_init(&r->sink, &ag->sock, role_event);
	memset(r->drops, 0, sizeof(r->drops));
	r->busy_ns = 0;
	r->completed = 0;
}

static void print_drops(const char *name, const unsigned long *drops)
{
	int e;

	for (e = 1; e < M2MKX_ERR_COUNT; e++)
		printf("counter %s %s %lu\n", name, m2mkx_err_name(e),
		       drops[e]);
}

void agent_print_counters(const struct agent *ag)
{
	unsigned int i;

	/* Every reason, zeros too: a missing line would be ambiguous. */
	for (i = 0; i < ag->nroles; i++)
		print_drops(ag->roles[i]->ops->name, ag->roles[i]->drops);
	/* Before "counter agent send_failed", which ends the block. */
	for (i = 0; i < ag->nroles; i++) {
		printf("stat %s busy_ns %llu\n", ag->roles[i]->ops->name,
		       (unsigned long long)ag->roles[i]->busy_ns);
		printf("stat %s completed %lu\n", ag->roles[i]->ops->name,
		       ag->roles[i]->completed);
		printf("stat %s tx_ns %llu\n", ag->roles[i]->ops->name,
		       (unsigned long long)ag->roles[i]->sink.tx_ns);
	}
	print_drops("agent", ag->drops);
	printf("counter agent send_failed %lu\n", ag->sock.tx_errors);
	fflush(stdout);
}

static void count_drop(struct agent *ag, struct agent_role *r, int type,
		       int err, const struct m2mkx_endpoint *from)
{
	unsigned long *drops = r ? r->drops : ag->drops;
	char ep[ENDPOINT_STR_LEN];

	/* The core only returns its own codes; anything else is a bug. */
	if (err >= 0 || -err >= M2MKX_ERR_COUNT)
		err = -M2MKX_EINVAL;
	drops[-err]++;
	if (!log_verbose())
		return;
	endpoint_format(ep, from);
	log_debug("%s: dropped %s from %s: %s", r ? r->ops->name : "agent",
		  msg_type_name(type), ep, m2mkx_err_name(err));
}

static void dispatch(struct agent *ag, const u8 *buf, size_t len,
		     const struct m2mkx_endpoint *from, u64 now)
{
	int type = m2mkx_msg_peek(buf, len);
	struct agent_role *r;
	u64 start, tx_ns;
	int ret;

	if (type < 0) {
		count_drop(ag, NULL, type, type, from);
		return;
	}
	r = ag->route[type];
	if (!r) {
		/* A's messages, or a role this node does not play. */
		count_drop(ag, NULL, type, -M2MKX_ENOTFORUS, from);
		return;
	}
	tx_ns = r->sink.tx_ns;
	start = clock_mono_ns();
	ret = r->ops->rx(r, type, buf, len, from, now);
	r->busy_ns += clock_mono_ns() - start - (r->sink.tx_ns - tx_ns);
	if (ret)
		count_drop(ag, r, type, ret, from);
}

static void receive(struct agent *ag)
{
	struct m2mkx_endpoint from;
	unsigned int i;
	ssize_t n;

	for (i = 0; i < RX_BATCH; i++) {
		n = udp_recv(&ag->sock, ag->rx_buf, sizeof(ag->rx_buf), &from);
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_debug("receive: %s", strerror(errno));
			return;
		}
		dispatch(ag, ag->rx_buf, (size_t)n, &from, clock_mono_ms());
	}
}

static u64 next_deadline(const struct agent *ag)
{
	u64 deadline = agent_keys_deadline(ag);
	unsigned int i;

	for (i = 0; i < ag->nroles; i++) {
		u64 d = ag->roles[i]->ops->deadline(ag->roles[i]);

		if (d < deadline)
			deadline = d;
	}
	return deadline;
}

static void run_timers(struct agent *ag, u64 now)
{
	unsigned int i;

	for (i = 0; i < ag->nroles; i++) {
		struct agent_role *r = ag->roles[i];
		u64 tx_ns = r->sink.tx_ns, start = clock_mono_ns();

		r->ops->timers(r, now);
		r->busy_ns += clock_mono_ns() - start - (r->sink.tx_ns - tx_ns);
	}
	agent_keys_timers(ag, now);
}

/* Returns true when the agent should stop. */
static bool handle_signals(struct agent *ag, int sfd)
{
	struct signalfd_siginfo si;
	bool stop = false;

	while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGUSR1)
			agent_print_counters(ag);
		else
			stop = true;
	}
	return stop;
}

static void build_routes(struct agent *ag)
{
	unsigned int i, j;

	memset(ag->route, 0, sizeof(ag->route));
	for (i = 0; i < ag->nroles; i++) {
		const struct agent_role_ops *ops = ag->roles[i]->ops;

		for (j = 0; j < ops->ntypes; j++)
			ag->route[ops->types[j]] = ag->roles[i];
	}
}

static void handled_signals(sigset_t *mask)
{
	sigemptyset(mask);
	sigaddset(mask, SIGTERM);
	sigaddset(mask, SIGINT);
	sigaddset(mask, SIGUSR1);
}

int agent_block_signals(void)
{
	sigset_t mask;

	handled_signals(&mask);
	if (sigprocmask(SIG_BLOCK, &mask, NULL)) {
		log_err("sigprocmask: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int agent_run(struct agent *ag)
{
	struct pollfd pfd[3];
	nfds_t nfds = 2;
	sigset_t mask;
	int sfd, ret = 0;

	build_routes(ag);
	handled_signals(&mask);
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sfd < 0) {
		log_err("signalfd: %s", strerror(errno));
		return -1;
	}
	pfd[0].fd = ag->sock.fd;
	pfd[0].events = POLLIN;
	pfd[1].fd = sfd;
	pfd[1].events = POLLIN;
	/* DataPath = kernel: the module's events. */
	if (ag->kernel) {
		pfd[2].fd = agent_kernel_fd(ag);
		pfd[2].events = POLLIN;
		nfds = 3;
	}

	for (;;) {
		u64 now = clock_mono_ms();
		int n;

		run_timers(ag, now);
		n = poll(pfd, nfds, clock_timeout_ms(next_deadline(ag), now));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_err("poll: %s", strerror(errno));
			ret = -1;
			break;
		}
		if ((pfd[1].revents & POLLIN) && handle_signals(ag, sfd))
			break;
		if (pfd[0].revents & (POLLIN | POLLERR))
			receive(ag);
		if (nfds == 3 && (pfd[2].revents & (POLLIN | POLLERR)))
			agent_kernel_events(ag);
	}
	close(sfd);
	return ret;
}
