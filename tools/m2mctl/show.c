// SPDX-License-Identifier: GPL-2.0
/*
 * m2mctl show: the module's instance, peers, sessions and counters, for
 * people (aligned, as wg show prints) or, with --json, for programs (one
 * JSON object on one line, every counter included).
 *
 * Dumps are collected first and printed once complete: a dump that raced
 * with a change (NLM_F_DUMP_INTR) is taken again rather than printed
 * half old, half new.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <m2mkx/bytes.h>

#include "common/kernel.h"
#include "common/keys.h"
#include "common/names.h"
#include "tools/m2mctl/m2mctl.h"

/* Attempts at a dump that keeps being interrupted by changes. */
#define DUMP_TRIES 5

enum show_what {
	SHOW_INSTANCE = 1 << 0,
	SHOW_PEERS = 1 << 1,
	SHOW_SESSIONS = 1 << 2,
	SHOW_COUNTERS = 1 << 3,
};

/* A growing array of dumped entries of @size bytes each. */
struct list {
	void *items;
	size_t size, count, cap;
};

static void *list_add(struct list *l)
{
	void *item;

	if (l->count == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		void *items = realloc(l->items, cap * l->size);

		if (!items)
			return NULL;
		l->items = items;
		l->cap = cap;
	}
	item = (char *)l->items + l->count++ * l->size;
	memset(item, 0, l->size);
	return item;
}

static void list_free(struct list *l)
{
	free(l->items);
	l->items = NULL;
	l->count = l->cap = 0;
}

/*
 * A session as dumped: the kernel_session's pointers point into the
 * message, so the ids and verdicts are copied out.
 */
struct session_row {
	struct kernel_session s;
	bool has_ids, has_verdicts;
	u8 ids[M2MKX_MAX_PROXIES * M2MKX_PROXY_ID_LEN];
	u8 verdicts[M2MKX_MAX_PROXIES];
};

static int on_peer(u8 cmd, struct nlattr **tb, void *arg)
{
	struct kernel_peer *p;

	if (cmd != M2MKX_CMD_GET_PEERS)
		return 0;
	p = list_add(arg);
	if (!p)
		return -ENOMEM;
	return kernel_parse_peer(tb, p);
}

static int on_session(u8 cmd, struct nlattr **tb, void *arg)
{
	struct session_row *row;
	int ret;

	if (cmd != M2MKX_CMD_GET_SESSIONS)
		return 0;
	row = list_add(arg);
	if (!row)
		return -ENOMEM;
	ret = kernel_parse_session(tb, &row->s);
	if (ret)
		return ret;
	if (row->s.ids) {
		row->has_ids = true;
		memcpy(row->ids, row->s.ids, row->s.n * M2MKX_PROXY_ID_LEN);
	}
	if (row->s.verdicts) {
		row->has_verdicts = true;
		memcpy(row->verdicts, row->s.verdicts, row->s.n);
	}
	row->s.ids = NULL;
	row->s.verdicts = NULL;
	row->s.mk = NULL;
	return 0;
}

static int on_counter(u8 cmd, struct nlattr **tb, void *arg)
{
	struct kernel_counter *c;

	if (cmd != M2MKX_CMD_GET_COUNTERS)
		return 0;
	c = list_add(arg);
	if (!c)
		return -ENOMEM;
	return kernel_parse_counter(tb, c);
}

/* Dumps @cmd into @l, again while changes interrupt it. */
static int dump(struct genl_sock *g, u8 cmd, genl_msg_fn fn, struct list *l)
{
	int tries, ret = -EINTR;

	for (tries = 0; tries < DUMP_TRIES && ret == -EINTR; tries++) {
		l->count = 0;
		ret = genl_dump(g, cmd, fn, l);
	}
	return ret;
}

/* Keeps the peers of @kind only. */
static void keep_kind(struct list *l, u32 kind)
{
	struct kernel_peer *p = l->items;
	size_t i, n = 0;

	for (i = 0; i < l->count; i++)
		if (p[i].kind == kind)
			p[n++] = p[i];
	l->count = n;
}

static int cmp_peer(const void *x, const void *y)
{
	const struct kernel_peer *a = x, *b = y;

	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	return memcmp(a->id, b->id, sizeof(a->id));
}

static int cmp_session(const void *x, const void *y)
{
	const struct session_row *a = x, *b = y;

	if (a->s.role != b->s.role)
		return a->s.role < b->s.role ? -1 : 1;
	return memcmp(a->s.id, b->s.id, sizeof(a->s.id));
}

static const char *hex(char *buf, const u8 *p, size_t len)
{
	hex_encode(buf, p, len);
	return buf;
}

static const char *roles_text(u32 roles)
{
	switch (roles & (M2MKX_ROLE_SERVER | M2MKX_ROLE_PROXY)) {
	case M2MKX_ROLE_SERVER:
		return "server";
	case M2MKX_ROLE_PROXY:
		return "proxy";
	case M2MKX_ROLE_SERVER | M2MKX_ROLE_PROXY:
		return "server, proxy";
	default:
		return "none";
	}
}

/* JSON strings here are hex, base64 and identifiers; escape anyway. */
void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void json_key(const char *key, bool *first)
{
	if (!*first)
		putchar(',');
	*first = false;
	json_str(key);
	putchar(':');
}

/* --- instance ----------------------------------------------------------- */

static void human_instance(const struct kernel_instance *ki)
{
	char buf[2 * M2MKX_X25519_KEY_LEN + 1];

	printf("instance:\n");
	printf("  %-17s%s\n", "roles:", roles_text(ki->roles));
	printf("  %-17s%u\n", "port:", ki->port);
	printf("  %-17s%s\n", "node id:", ki->has & KI_NODE_ID ?
	       hex(buf, ki->node_id, M2MKX_NODE_ID_LEN) : "(none)");
	if (ki->has & KI_PUBLIC_KEY)
		b64_encode(buf, ki->public_key, M2MKX_X25519_KEY_LEN);
	printf("  %-17s%s\n", "public key:",
	       ki->has & KI_PUBLIC_KEY ? buf : "(none)");
	if (ki->has & KI_KEYRING)
		printf("  %-17s%d\n", "trust keyring:", ki->keyring);
	else
		printf("  %-17s(none)\n", "trust keyring:");
	printf("  %-17s%u\n", "max sessions:", ki->max_sessions);
	printf("  %-17s%u\n", "max proxies:", ki->max_proxies);
	printf("  %-17s%u\n", "min threshold:", ki->min_threshold);
	printf("  %-17s%u ms\n", "share window:", ki->share_window_ms);
	printf("  %-17s%s\n", "allow dispersal:",
	       ki->policy & M2MKX_POLICY_ALLOW_DISPERSAL ? "yes" : "no");
	printf("  %-17s%s\n", "allow lamport:",
	       ki->policy & M2MKX_POLICY_ALLOW_LAMPORT ? "yes" : "no");
	if (ki->has & KI_SERVER_STATS) {
		printf("  %-17s%llu\n", "server busy ns:",
		       (unsigned long long)ki->server_busy_ns);
		printf("  %-17s%llu\n", "server done:",
		       (unsigned long long)ki->server_completed);
	}
	if (ki->has & KI_SERVER_TX)
		printf("  %-17s%llu\n", "server tx ns:",
		       (unsigned long long)ki->server_tx_ns);
}

static void json_instance(const struct kernel_instance *ki)
{
	char buf[2 * M2MKX_X25519_KEY_LEN + 1];
	bool first = true;

	putchar('{');
	json_key("roles", &first);
	printf("[%s%s%s]", ki->roles & M2MKX_ROLE_SERVER ? "\"server\"" : "",
	       (ki->roles & M2MKX_ROLE_SERVER) &&
	       (ki->roles & M2MKX_ROLE_PROXY) ? "," : "",
	       ki->roles & M2MKX_ROLE_PROXY ? "\"proxy\"" : "");
	json_key("port", &first);
	printf("%u", ki->port);
	json_key("node_id", &first);
	if (ki->has & KI_NODE_ID)
		json_str(hex(buf, ki->node_id, M2MKX_NODE_ID_LEN));
	else
		printf("null");
	json_key("public_key", &first);
	if (ki->has & KI_PUBLIC_KEY) {
		b64_encode(buf, ki->public_key, M2MKX_X25519_KEY_LEN);
		json_str(buf);
	} else {
		printf("null");
	}
	json_key("trust_keyring", &first);
	if (ki->has & KI_KEYRING)
		printf("%d", ki->keyring);
	else
		printf("null");
	json_key("max_sessions", &first);
	printf("%u", ki->max_sessions);
	json_key("max_proxies", &first);
	printf("%u", ki->max_proxies);
	json_key("min_threshold", &first);
	printf("%u", ki->min_threshold);
	json_key("share_window_ms", &first);
	printf("%u", ki->share_window_ms);
	json_key("allow_dispersal", &first);
	printf("%s", ki->policy & M2MKX_POLICY_ALLOW_DISPERSAL ? "true" :
	       "false");
	json_key("allow_lamport", &first);
	printf("%s", ki->policy & M2MKX_POLICY_ALLOW_LAMPORT ? "true" :
	       "false");
	if (ki->has & KI_SERVER_STATS) {
		json_key("server_busy_ns", &first);
		printf("%llu", (unsigned long long)ki->server_busy_ns);
		json_key("server_completed", &first);
		printf("%llu", (unsigned long long)ki->server_completed);
	}
	if (ki->has & KI_SERVER_TX) {
		json_key("server_tx_ns", &first);
		printf("%llu", (unsigned long long)ki->server_tx_ns);
	}
	putchar('}');
}

/* --- peers -------------------------------------------------------------- */

static const char *peer_kind(u32 kind)
{
	return kind == M2MKX_PEER_NEIGHBOR ? "neighbor" :
	       kind == M2MKX_PEER_SERVER ? "server" : "unknown";
}

static void human_peers(const struct list *l)
{
	const struct kernel_peer *p = l->items;
	char id[2 * M2MKX_NODE_ID_LEN + 1], key[B64_LEN(32) + 1];
	size_t i;

	printf("%-9s %-16s  %s\n", "KIND", "ID", "PUBLIC KEY");
	for (i = 0; i < l->count; i++) {
		if (p[i].has_public_key)
			b64_encode(key, p[i].public_key,
				   sizeof(p[i].public_key));
		printf("%-9s %-16s  %s\n", peer_kind(p[i].kind),
		       hex(id, p[i].id, sizeof(p[i].id)),
		       p[i].has_public_key ? key : "-");
	}
}

static void json_peers(const struct list *l)
{
	const struct kernel_peer *p = l->items;
	char buf[B64_LEN(32) + 1];
	size_t i;

	putchar('[');
	for (i = 0; i < l->count; i++) {
		bool first = true;

		printf("%s{", i ? "," : "");
		json_key("kind", &first);
		json_str(peer_kind(p[i].kind));
		json_key("id", &first);
		json_str(hex(buf, p[i].id, sizeof(p[i].id)));
		if (p[i].has_public_key) {
			json_key("public_key", &first);
			b64_encode(buf, p[i].public_key,
				   sizeof(p[i].public_key));
			json_str(buf);
		}
		putchar('}');
	}
	putchar(']');
}

/* --- sessions ----------------------------------------------------------- */

/* "used,used,absent", or "reason=timeout", or both, or "-". */
static void session_detail(const struct session_row *r)
{
	unsigned int q;
	bool any = false;

	if (r->s.has_reason) {
		printf("reason=%s", m2mkx_err_name((int)r->s.reason));
		any = true;
	}
	if (r->has_verdicts) {
		printf("%sverdicts=", any ? " " : "");
		for (q = 0; q < r->s.n; q++)
			printf("%s%s", q ? "," : "",
			       verdict_name(r->verdicts[q]));
		any = true;
	}
	if (!any)
		putchar('-');
}

static void human_sessions(const struct list *l)
{
	const struct session_row *r = l->items;
	char id[17], a[17], b[17], n[8], age[24];
	size_t i;

	printf("%-7s %-16s  %-16s  %-16s  %-10s %9s %3s  %s\n", "ROLE",
	       "SESSION", "CLIENT", "SERVER", "STATE", "AGE", "N", "DETAIL");
	for (i = 0; i < l->count; i++) {
		const struct kernel_session *s = &r[i].s;

		snprintf(n, sizeof(n), s->has_n ? "%u" : "-", s->n);
		if (s->has_age)
			snprintf(age, sizeof(age), "%llu.%03llus",
				 (unsigned long long)(s->age_ms / 1000),
				 (unsigned long long)(s->age_ms % 1000));
		else
			snprintf(age, sizeof(age), "-");
		printf("%-7s %-16s  %-16s  %-16s  %-10s %9s %3s  ",
		       kernel_role_name(s->role), hex(id, s->id, 8),
		       hex(a, s->a, 8), hex(b, s->b, 8),
		       s->has_state ? kernel_state_name(s->role, s->state) :
		       "-", age, n);
		session_detail(&r[i]);
		putchar('\n');
	}
}

static void json_sessions(const struct list *l)
{
	const struct session_row *r = l->items;
	char buf[17];
	unsigned int q;
	size_t i;

	putchar('[');
	for (i = 0; i < l->count; i++) {
		const struct kernel_session *s = &r[i].s;
		bool first = true;

		printf("%s{", i ? "," : "");
		json_key("role", &first);
		json_str(kernel_role_name(s->role));
		json_key("session", &first);
		json_str(hex(buf, s->id, 8));
		json_key("client", &first);
		json_str(hex(buf, s->a, 8));
		json_key("server", &first);
		json_str(hex(buf, s->b, 8));
		if (s->has_state) {
			json_key("state", &first);
			json_str(kernel_state_name(s->role, s->state));
		}
		if (s->has_age) {
			json_key("age_ms", &first);
			printf("%llu", (unsigned long long)s->age_ms);
		}
		if (s->has_n) {
			json_key("proxies", &first);
			printf("%u", s->n);
		}
		if (r[i].has_ids) {
			json_key("proxy_ids", &first);
			putchar('[');
			for (q = 0; q < s->n; q++) {
				printf("%s", q ? "," : "");
				json_str(hex(buf, r[i].ids + 8 * q, 8));
			}
			putchar(']');
		}
		if (r[i].has_verdicts) {
			json_key("verdicts", &first);
			putchar('[');
			for (q = 0; q < s->n; q++) {
				printf("%s", q ? "," : "");
				json_str(verdict_name(r[i].verdicts[q]));
			}
			putchar(']');
		}
		if (s->has_reason) {
			json_key("reason", &first);
			json_str(m2mkx_err_name((int)s->reason));
		}
		putchar('}');
	}
	putchar(']');
}

/* --- counters ----------------------------------------------------------- */

static void human_counters(const struct list *l, bool all)
{
	const struct kernel_counter *c = l->items;
	size_t i;

	printf("%-9s %-18s %s\n", "ROLE", "REASON", "COUNT");
	for (i = 0; i < l->count; i++)
		if (all || c[i].value)
			printf("%-9s %-18s %llu\n", kernel_role_name(c[i].role),
			       c[i].name, (unsigned long long)c[i].value);
}

static void json_counters(const struct list *l)
{
	const struct kernel_counter *c = l->items;
	size_t i;

	putchar('[');
	for (i = 0; i < l->count; i++) {
		bool first = true;

		printf("%s{", i ? "," : "");
		json_key("role", &first);
		json_str(kernel_role_name(c[i].role));
		json_key("reason", &first);
		json_str(c[i].name);
		json_key("code", &first);
		printf("%u", c[i].reason);
		json_key("value", &first);
		printf("%llu", (unsigned long long)c[i].value);
		putchar('}');
	}
	putchar(']');
}

/* --- the command -------------------------------------------------------- */

struct show {
	unsigned int what;
	u32 peer_kind;			/* show neighbors|servers; 0: all */
	bool json, all;
	struct kernel_instance instance;
	struct list peers, sessions, counters;
};

static int collect(struct genl_sock *g, struct show *sh)
{
	int ret;

	if (sh->what & SHOW_INSTANCE) {
		ret = kernel_get_instance(g, &sh->instance);
		if (ret)
			return kernel_fail(g, ret, "show instance");
	}
	if (sh->what & SHOW_PEERS) {
		ret = dump(g, M2MKX_CMD_GET_PEERS, on_peer, &sh->peers);
		if (ret)
			return kernel_fail(g, ret, "show peers");
		if (sh->peer_kind)
			keep_kind(&sh->peers, sh->peer_kind);
		if (sh->peers.count > 1)
			qsort(sh->peers.items, sh->peers.count,
			      sh->peers.size, cmp_peer);
	}
	if (sh->what & SHOW_SESSIONS) {
		ret = dump(g, M2MKX_CMD_GET_SESSIONS, on_session,
			   &sh->sessions);
		if (ret)
			return kernel_fail(g, ret, "show sessions");
		if (sh->sessions.count > 1)
			qsort(sh->sessions.items, sh->sessions.count,
			      sh->sessions.size, cmp_session);
	}
	if (sh->what & SHOW_COUNTERS) {
		ret = dump(g, M2MKX_CMD_GET_COUNTERS, on_counter,
			   &sh->counters);
		if (ret)
			return kernel_fail(g, ret, "show counters");
	}
	return 0;
}

static void print_json(const struct show *sh)
{
	bool first = true;

	putchar('{');
	if (sh->what & SHOW_INSTANCE) {
		json_key("instance", &first);
		json_instance(&sh->instance);
	}
	if (sh->what & SHOW_PEERS) {
		json_key("peers", &first);
		json_peers(&sh->peers);
	}
	if (sh->what & SHOW_SESSIONS) {
		json_key("sessions", &first);
		json_sessions(&sh->sessions);
	}
	if (sh->what & SHOW_COUNTERS) {
		json_key("counters", &first);
		json_counters(&sh->counters);
	}
	printf("}\n");
}

static void print_human(const struct show *sh)
{
	bool blank = false;

	if (sh->what & SHOW_INSTANCE) {
		human_instance(&sh->instance);
		blank = true;
	}
	if (sh->what & SHOW_PEERS) {
		if (blank)
			putchar('\n');
		human_peers(&sh->peers);
		blank = true;
	}
	if (sh->what & SHOW_SESSIONS) {
		if (blank)
			putchar('\n');
		human_sessions(&sh->sessions);
	}
	if (sh->what & SHOW_COUNTERS)
		human_counters(&sh->counters, sh->all);
}

int cmd_show(int argc, char **argv)
{
	static const struct {
		const char *name;
		unsigned int what;
		u32 peer_kind;
	} sections[] = {
		{ "instance", SHOW_INSTANCE, 0 },
		{ "peers", SHOW_PEERS, 0 },
		{ "neighbors", SHOW_PEERS, M2MKX_PEER_NEIGHBOR },
		{ "servers", SHOW_PEERS, M2MKX_PEER_SERVER },
		{ "sessions", SHOW_SESSIONS, 0 },
		{ "counters", SHOW_COUNTERS, 0 },
	};
	struct show sh = {
		.peers = { .size = sizeof(struct kernel_peer) },
		.sessions = { .size = sizeof(struct session_row) },
		.counters = { .size = sizeof(struct kernel_counter) },
	};
	struct genl_sock g;
	unsigned int i;
	int a, ret;

	for (a = 1; a < argc; a++) {
		if (is_help(argv[a])) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(argv[a], "--json")) {
			sh.json = true;
			continue;
		}
		if (!strcmp(argv[a], "--all")) {
			sh.all = true;
			continue;
		}
		for (i = 0; i < M2MKX_ARRAY_SIZE(sections); i++)
			if (!strcmp(argv[a], sections[i].name))
				break;
		if (i == M2MKX_ARRAY_SIZE(sections))
			return fail("show: unknown argument '%s': expected instance, sessions, peers, neighbors, servers, counters, --json or --all",
				    argv[a]);
		if (sh.what)
			return fail("show: '%s': one of instance, sessions, peers, neighbors, servers or counters at a time",
				    argv[a]);
		sh.what = sections[i].what;
		sh.peer_kind = sections[i].peer_kind;
	}
	if (sh.all && sh.what != SHOW_COUNTERS)
		return fail("show: --all is for 'show counters'");
	if (!sh.what)
		sh.what = SHOW_INSTANCE | SHOW_PEERS | SHOW_SESSIONS;

	if (kernel_open(&g))
		return 1;
	ret = collect(&g, &sh);
	genl_close(&g);
	if (!ret) {
		if (sh.json)
			print_json(&sh);
		else
			print_human(&sh);
		if (fflush(stdout) || ferror(stdout))
			ret = fail("stdout: %s", strerror(errno));
	}
	list_free(&sh.peers);
	list_free(&sh.sessions);
	list_free(&sh.counters);
	return ret;
}
