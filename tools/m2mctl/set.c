// SPDX-License-Identifier: GPL-2.0
/*
 * m2mctl set, neighbor and server: the instance and its peers.
 *
 * Arguments are checked in full before anything else happens, then key
 * files and keyrings are read, and only then is the module asked: one
 * SET_INSTANCE carries every change, which the module applies all or
 * nothing. When it refuses, the line names the argument its extended
 * ACK points at.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <m2mkx/bytes.h>

#include "common/kernel.h"
#include "common/keyring.h"
#include "common/keys.h"
#include "tools/m2mctl/m2mctl.h"

enum set_arg_id {
	ARG_ROLE,
	ARG_PORT,
	ARG_NODE_ID,
	ARG_PRIVATE_KEY,
	ARG_TRUST_KEYRING,
	ARG_MAX_SESSIONS,
	ARG_MAX_PROXIES,
	ARG_MIN_THRESHOLD,
	ARG_SHARE_WINDOW,
	ARG_ALLOW_DISPERSAL,
	ARG_ALLOW_LAMPORT,
	ARG_COUNT
};

struct set_req {
	struct kernel_instance ki;
	const char *value[ARG_COUNT];	/* as given; NULL: not given */
	bool dispersal, lamport;
};

/* The M2MKX_A_* attribute each argument becomes, to name it on refusal. */
static const struct {
	const char *name;
	int attr;
} set_args[ARG_COUNT] = {
	[ARG_ROLE] = { "role", M2MKX_A_ROLES },
	[ARG_PORT] = { "port", M2MKX_A_PORT },
	[ARG_NODE_ID] = { "node-id", M2MKX_A_NODE_ID },
	[ARG_PRIVATE_KEY] = { "private-key", M2MKX_A_SERVER_PRIVATE_KEY },
	[ARG_TRUST_KEYRING] = { "trust-keyring", M2MKX_A_TRUST_KEYRING },
	[ARG_MAX_SESSIONS] = { "max-sessions", M2MKX_A_MAX_SESSIONS },
	[ARG_MAX_PROXIES] = { "max-proxies", M2MKX_A_MAX_PROXIES },
	[ARG_MIN_THRESHOLD] = { "min-threshold", M2MKX_A_MIN_THRESHOLD },
	[ARG_SHARE_WINDOW] = { "share-window", M2MKX_A_SHARE_WINDOW_MS },
	[ARG_ALLOW_DISPERSAL] = { "allow-dispersal", M2MKX_A_POLICY },
	[ARG_ALLOW_LAMPORT] = { "allow-lamport", M2MKX_A_POLICY },
};

static int parse_role(const char *s, u32 *roles)
{
	static const struct {
		const char *name;
		u32 roles;
	} names[] = {
		{ "none", 0 },
		{ "server", M2MKX_ROLE_SERVER },
		{ "proxy", M2MKX_ROLE_PROXY },
		{ "server,proxy", M2MKX_ROLE_SERVER | M2MKX_ROLE_PROXY },
		{ "proxy,server", M2MKX_ROLE_SERVER | M2MKX_ROLE_PROXY },
	};
	unsigned int i;

	for (i = 0; i < M2MKX_ARRAY_SIZE(names); i++) {
		if (!strcmp(s, names[i].name)) {
			*roles = names[i].roles;
			return 0;
		}
	}
	fail("invalid role '%s': expected server, proxy, server,proxy or none",
	     s);
	return -1;
}

static int parse_yes_no(const char *what, const char *s, bool *out)
{
	if (!strcmp(s, "yes"))
		*out = true;
	else if (!strcmp(s, "no"))
		*out = false;
	else {
		fail("invalid %s '%s': expected yes or no", what, s);
		return -1;
	}
	return 0;
}

/* "0", "none", or what keyring_resolve() takes: checked, not resolved. */
static int check_keyring(const char *s)
{
	unsigned long v;
	char *end;

	if (!strcmp(s, "0") || !strcmp(s, "none") || !strcmp(s, "@u") ||
	    !strcmp(s, "@s") || (!strncmp(s, "%:", 2) && s[2]))
		return 0;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (s[0] >= '1' && s[0] <= '9' && !*end && !errno && v <= INT32_MAX)
		return 0;
	fail("invalid trust-keyring '%s': expected a serial, @u, @s, %%:NAME or none",
	     s);
	return -1;
}

/* Syntax only: no file is read and no keyring looked up yet. */
static int parse_set_arg(struct set_req *r, enum set_arg_id id,
			 const char *v)
{
	struct kernel_instance *ki = &r->ki;
	unsigned long n;

	switch (id) {
	case ARG_ROLE:
		ki->has |= KI_ROLES;
		return parse_role(v, &ki->roles);
	case ARG_PORT:
		if (parse_uint("port", v, 0, 65535, &n))
			return -1;
		ki->has |= KI_PORT;
		ki->port = (u16)n;
		return 0;
	case ARG_NODE_ID:
		ki->has |= KI_NODE_ID;
		return parse_id("node-id", v, ki->node_id);
	case ARG_PRIVATE_KEY:
		ki->has |= KI_PRIVATE_KEY;
		return 0;
	case ARG_TRUST_KEYRING:
		ki->has |= KI_KEYRING;
		return check_keyring(v);
	case ARG_MAX_SESSIONS:
		/* The module's own bounds, M2MKX_MAX_MAX_SESSIONS. */
		if (parse_uint("max-sessions", v, 1, 65536, &n))
			return -1;
		ki->has |= KI_MAX_SESSIONS;
		ki->max_sessions = (u32)n;
		return 0;
	case ARG_MAX_PROXIES:
		if (parse_uint("max-proxies", v, 1, M2MKX_MAX_PROXIES, &n))
			return -1;
		ki->has |= KI_MAX_PROXIES;
		ki->max_proxies = (u8)n;
		return 0;
	case ARG_MIN_THRESHOLD:
		if (parse_uint("min-threshold", v, 1, M2MKX_MAX_PROXIES, &n))
			return -1;
		ki->has |= KI_MIN_THRESHOLD;
		ki->min_threshold = (u8)n;
		return 0;
	case ARG_SHARE_WINDOW:
		if (parse_uint("share-window", v, 0, M2MKX_MAX_SHARE_WINDOW_MS,
			       &n))
			return -1;
		ki->has |= KI_SHARE_WINDOW;
		ki->share_window_ms = (u32)n;
		return 0;
	case ARG_ALLOW_DISPERSAL:
		ki->has |= KI_POLICY;
		return parse_yes_no("allow-dispersal", v, &r->dispersal);
	case ARG_ALLOW_LAMPORT:
		ki->has |= KI_POLICY;
		return parse_yes_no("allow-lamport", v, &r->lamport);
	default:
		return -1;
	}
}

/* What needs I/O: the private key's file and the keyring's serial. */
static int load_set_files(struct set_req *r)
{
	const char *v;

	v = r->value[ARG_PRIVATE_KEY];
	if (v && read_key("private-key", v, r->ki.private_key,
			  M2MKX_X25519_KEY_LEN))
		return -1;
	v = r->value[ARG_TRUST_KEYRING];
	if (v && (!strcmp(v, "0") || !strcmp(v, "none"))) {
		r->ki.keyring = 0;
	} else if (v && keyring_resolve(v, &r->ki.keyring)) {
		fail("trust-keyring '%s': %s", v, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * The policy is one attribute: a flag not given keeps its current value,
 * which is read first. (Another writer in between would be overridden.)
 */
static int merge_policy(struct genl_sock *g, struct set_req *r)
{
	struct kernel_instance cur;
	u32 policy = 0;
	int ret;

	if (!r->value[ARG_ALLOW_DISPERSAL] || !r->value[ARG_ALLOW_LAMPORT]) {
		ret = kernel_get_instance(g, &cur);
		if (ret)
			return kernel_fail(g, ret, "set");
		policy = cur.policy;
	}
	if (r->value[ARG_ALLOW_DISPERSAL]) {
		policy &= ~(u32)M2MKX_POLICY_ALLOW_DISPERSAL;
		if (r->dispersal)
			policy |= M2MKX_POLICY_ALLOW_DISPERSAL;
	}
	if (r->value[ARG_ALLOW_LAMPORT]) {
		policy &= ~(u32)M2MKX_POLICY_ALLOW_LAMPORT;
		if (r->lamport)
			policy |= M2MKX_POLICY_ALLOW_LAMPORT;
	}
	r->ki.policy = policy;
	return 0;
}

/* The refusal, naming the argument the kernel's extack pointed at. */
static int set_fail(const struct genl_sock *g, const struct set_req *r,
		    int err)
{
	unsigned int i;

	for (i = 0; i < ARG_COUNT && g->err_attr; i++) {
		if (set_args[i].attr != g->err_attr || !r->value[i])
			continue;
		return fail("%s '%s': %s", set_args[i].name, r->value[i],
			    genl_strerror(g, err));
	}
	return kernel_fail(g, err, "set");
}

int cmd_set(int argc, char **argv)
{
	struct set_req r;
	struct genl_sock g;
	unsigned int i;
	int a, ret = 1;

	memset(&r, 0, sizeof(r));
	if (argc == 2 && is_help(argv[1])) {
		usage(stdout);
		return 0;
	}
	if (argc < 2)
		return fail("set: nothing to set (see %s help)",
			    program_invocation_short_name);
	for (a = 1; a < argc; a += 2) {
		for (i = 0; i < ARG_COUNT; i++)
			if (!strcmp(argv[a], set_args[i].name))
				break;
		if (i == ARG_COUNT)
			return fail("set: unknown argument '%s'", argv[a]);
		if (a + 1 == argc)
			return fail("set: %s needs a value", argv[a]);
		if (r.value[i])
			return fail("set: %s given twice", argv[a]);
		r.value[i] = argv[a + 1];
		if (parse_set_arg(&r, i, argv[a + 1]))
			return 1;
	}
	if (load_set_files(&r))
		goto out;
	if (kernel_open(&g))
		goto out;
	ret = 0;
	if (r.ki.has & KI_POLICY)
		ret = merge_policy(&g, &r);
	if (!ret) {
		ret = kernel_set_instance(&g, &r.ki);
		if (ret)
			ret = set_fail(&g, &r, ret);
	}
	genl_close(&g);
out:
	m2mkx_wipe(&r, sizeof(r));
	return ret ? 1 : 0;
}

/*
 * "@cmd add ID @keyword VALUE" or "@cmd del ID": sets *@add, or prints
 * the argument at fault and returns -1.
 */
static int peer_args(const char *cmd, const char *keyword, int argc,
		     char **argv, bool *add)
{
	int want;

	if (argc < 2)
		return -fail("%s: expected 'add ID %s ...' or 'del ID'", cmd,
			     keyword);
	if (strcmp(argv[1], "add") && strcmp(argv[1], "del"))
		return -fail("%s: unknown argument '%s': expected add or del",
			     cmd, argv[1]);
	*add = !strcmp(argv[1], "add");
	want = *add ? 5 : 3;
	if (argc < 3)
		return -fail("%s %s: missing ID", cmd, argv[1]);
	if (*add && argc >= 4 && strcmp(argv[3], keyword))
		return -fail("%s add: unknown argument '%s': expected %s", cmd,
			     argv[3], keyword);
	if (*add && argc < 5)
		return -fail("%s add: missing '%s' and its value", cmd,
			     keyword);
	if (argc > want)
		return -fail("%s %s: unexpected argument '%s'", cmd, argv[1],
			     argv[want]);
	return 0;
}

/* neighbor add ID key FILE, neighbor del ID */
int cmd_neighbor(int argc, char **argv)
{
	u8 id[M2MKX_NODE_ID_LEN], key[M2MKX_PAIRWISE_KEY_LEN];
	struct genl_sock g;
	char what[64];
	bool add;
	int ret;

	if (argc == 2 && is_help(argv[1])) {
		usage(stdout);
		return 0;
	}
	if (peer_args("neighbor", "key", argc, argv, &add))
		return 1;
	if (parse_id("neighbor id", argv[2], id))
		return 1;
	if (add && read_key("key", argv[4], key, sizeof(key)))
		return 1;
	ret = kernel_open(&g) ? 1 : 0;
	if (!ret) {
		ret = add ? kernel_add_neighbor(&g, id, key) :
			    kernel_del_neighbor(&g, id);
		snprintf(what, sizeof(what), "neighbor %s", argv[2]);
		if (ret)
			ret = kernel_fail(&g, ret, what);
		genl_close(&g);
	}
	m2mkx_wipe(key, sizeof(key));
	return ret;
}

/* A public key as base64 on the command line, or in a file (or stdin). */
static int read_public_key(const char *arg, u8 key[M2MKX_X25519_KEY_LEN])
{
	int ret;

	if (!b64_decode(key, M2MKX_X25519_KEY_LEN, arg))
		return 0;
	if (strcmp(arg, "-")) {
		ret = key_read_file(arg, key, M2MKX_X25519_KEY_LEN);
		if (!ret)
			return 0;
		if (ret == KEY_ERR_IO && errno == ENOENT)
			return -fail("public-key '%s': neither a base64 key of %d bytes nor a file",
				     arg, M2MKX_X25519_KEY_LEN);
	}
	return read_key("public-key", arg, key, M2MKX_X25519_KEY_LEN);
}

/* server add ID public-key FILE|BASE64, server del ID */
int cmd_server(int argc, char **argv)
{
	u8 id[M2MKX_NODE_ID_LEN], key[M2MKX_X25519_KEY_LEN];
	struct genl_sock g;
	char what[64];
	bool add;
	int ret;

	if (argc == 2 && is_help(argv[1])) {
		usage(stdout);
		return 0;
	}
	if (peer_args("server", "public-key", argc, argv, &add))
		return 1;
	if (parse_id("server id", argv[2], id))
		return 1;
	if (add && read_public_key(argv[4], key))
		return 1;
	if (kernel_open(&g))
		return 1;
	ret = add ? kernel_add_server(&g, id, key) : kernel_del_server(&g, id);
	snprintf(what, sizeof(what), "server %s", argv[2]);
	if (ret)
		ret = kernel_fail(&g, ret, what);
	genl_close(&g);
	return ret;
}
