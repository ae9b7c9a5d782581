// SPDX-License-Identifier: GPL-2.0
/*
 * The configuration file parser (see conf.h).
 *
 * Sections and keys are described by tables: which program reads them,
 * which value slot they fill (Key and KeyFile fill the same one, so giving
 * both is an error like giving one twice) and the function that checks
 * and stores the value. What a table cannot say - a key a role needs, a
 * section without its role - is checked once the whole file is read.
 */
#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <m2mkx/bytes.h>
#include <m2mkx/ots.h>
#include <m2mkx/share.h>
#include <m2mkx/step.h>

#include "include/uapi/linux/m2mkx.h"

#include "common/conf.h"
#include "common/endpoint.h"
#include "common/keys.h"
#include "common/log.h"

#define PROG_AGENT (1u << CONF_AGENT)
#define PROG_CLIENT (1u << CONF_CLIENT)
#define PROG_ALL (PROG_AGENT | PROG_CLIENT)

/* Longer lines are not configuration but a mistake (or a binary file). */
#define CONF_MAX_LINE 1024

enum section_id {
	SEC_NODE,
	SEC_SERVER,
	SEC_PROXY,
	SEC_ISSUER,
	SEC_CLIENT,
	SEC_PROXY_PEER,
	SEC_SERVER_PEER,
	SEC_ISSUER_PEER,
	SEC_HANDSHAKE,
	SEC_SESSION,
	SEC_ESP_PEER,
	SEC_COUNT
};

struct parser;

struct key_def {
	const char *name;
	unsigned int programs;
	unsigned int slot;
	bool repeatable;
	int (*set)(struct parser *p, const struct key_def *k,
		   const char *value);
};

#define KEY_SLOTS 8

struct section_def {
	const char *name;
	unsigned int programs;
	bool repeatable;
	const struct key_def *keys;
};

struct parser {
	struct conf *c;
	enum conf_program program;
	size_t dir_len;			/* of c->path, with its last '/' */
	unsigned int line;
	int sec;			/* -1 before the first section */
	struct conf_peer *peer;		/* what a peer section fills */
	struct conf_esp_peer *esp;	/* what [EspPeer] fills */
	const struct key_def *given[KEY_SLOTS];	/* in this section */
	unsigned int seen[SEC_COUNT];	/* slot bits, singleton sections */
	/* Line of each key of the singleton sections, for later checks. */
	unsigned int key_line[SEC_COUNT][KEY_SLOTS];
	unsigned int sec_line[SEC_COUNT]; /* first header line, or 0 */
	char err[512];
};

static const struct section_def sections[SEC_COUNT];

static const char *program_name(enum conf_program program)
{
	return program == CONF_AGENT ? "m2mkx-agent" : "m2mkx-client";
}

/* Records the error message for @line (0: the file as a whole). */
__attribute__((format(printf, 3, 4)))
static int perr_at(struct parser *p, unsigned int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (line)
		n = snprintf(p->err, sizeof(p->err), "%s:%u: ", p->c->path,
			     line);
	else
		n = snprintf(p->err, sizeof(p->err), "%s: ", p->c->path);
	if (n < 0 || (size_t)n >= sizeof(p->err))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(p->err + n, sizeof(p->err) - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static const char *sec_name(const struct parser *p)
{
	return sections[p->sec].name;
}

/* "invalid ListenPort '0x10' in [Node]: expected 0..65535" */
static int invalid(struct parser *p, const struct key_def *k,
		   const char *value, const char *expected)
{
	return perr_at(p, p->line, "invalid %s '%s' in [%s]: expected %s",
		       k->name, value, sec_name(p), expected);
}

static int parse_uint(struct parser *p, const struct key_def *k,
		      const char *value, unsigned long min, unsigned long max,
		      unsigned long *out)
{
	char expected[64];
	unsigned long v;
	char *end;

	snprintf(expected, sizeof(expected), "%lu..%lu", min, max);
	/* Digits only: strtoul() would also take signs, blanks and hex. */
	if (value[0] < '0' || value[0] > '9')
		return invalid(p, k, value, expected);
	errno = 0;
	v = strtoul(value, &end, 10);
	if (*end || errno || v < min || v > max)
		return invalid(p, k, value, expected);
	*out = v;
	return 0;
}

static int parse_bool(struct parser *p, const struct key_def *k,
		      const char *value, bool *out)
{
	if (!strcmp(value, "yes"))
		*out = true;
	else if (!strcmp(value, "no"))
		*out = false;
	else
		return invalid(p, k, value, "yes or no");
	return 0;
}

/* A path as written, or relative to the configuration file's directory. */
static char *resolve(const struct parser *p, const char *value)
{
	size_t dir = value[0] == '/' ? 0 : p->dir_len;
	size_t len = strlen(value);
	char *path = malloc(dir + len + 1);

	if (!path)
		return NULL;
	memcpy(path, p->c->path, dir);
	memcpy(path + dir, value, len + 1);
	return path;
}

/* Key = base64: the value is secret, so the message does not echo it. */
static int key_inline(struct parser *p, const struct key_def *k,
		      const char *value, u8 *out, size_t len)
{
	if (b64_decode(out, len, value))
		return perr_at(p, p->line,
			       "invalid %s in [%s]: expected base64 of %zu bytes",
			       k->name, sec_name(p), len);
	return 0;
}

static int key_file(struct parser *p, const struct key_def *k,
		    const char *value, u8 *out, size_t len)
{
	char *path = resolve(p, value);
	int ret;

	(void)k;
	if (!path)
		return perr_at(p, p->line, "%s", strerror(errno));
	ret = key_read_file(path, out, len);
	if (ret == KEY_ERR_IO)
		perr_at(p, p->line, "%s: %s", value, strerror(errno));
	else if (ret)
		perr_at(p, p->line, "%s: not a base64 key of %zu bytes",
			value, len);
	free(path);
	return ret ? -1 : 0;
}

static int file_ref(struct parser *p, const char *value, struct conf_file *f)
{
	f->path = resolve(p, value);
	if (!f->path)
		return perr_at(p, p->line, "%s", strerror(errno));
	f->line = p->line;
	return 0;
}

static int set_id(struct parser *p, const struct key_def *k,
		  const char *value)
{
	u8 *id = p->peer ? p->peer->id : p->c->id;

	if (p->esp)
		id = p->esp->id;
	if (hex_decode(id, M2MKX_ID_LEN, value))
		return invalid(p, k, value, "16 hex digits");
	if (p->peer)
		p->peer->has_id = true;
	if (p->esp)
		p->esp->has_id = true;
	return 0;
}

static int set_listen_address(struct parser *p, const struct key_def *k,
			      const char *value)
{
	u16 port = p->c->listen.port;

	if (endpoint_parse_addr(&p->c->listen, value, &p->c->listen_v4))
		return invalid(p, k, value, "an IPv4 or IPv6 address");
	p->c->listen.port = port;
	return 0;
}

static int set_listen_port(struct parser *p, const struct key_def *k,
			   const char *value)
{
	unsigned long v;

	if (parse_uint(p, k, value, 0, 65535, &v))
		return -1;
	p->c->listen.port = (u16)v;
	return 0;
}

static int set_data_path(struct parser *p, const struct key_def *k,
			 const char *value)
{
	if (!strcmp(value, "userspace"))
		p->c->datapath = CONF_DATAPATH_USERSPACE;
	else if (!strcmp(value, "kernel"))
		p->c->datapath = CONF_DATAPATH_KERNEL;
	else
		return invalid(p, k, value, "kernel or userspace");
	return 0;
}

static int set_kernel_port(struct parser *p, const struct key_def *k,
			   const char *value)
{
	unsigned long v;

	if (parse_uint(p, k, value, 1, 65535, &v))
		return -1;
	p->c->kernel_port = (u16)v;
	return 0;
}

static const struct {
	const char *name;
	enum conf_role role;
} role_names[] = {
	{ "server", CONF_ROLE_SERVER },
	{ "proxy", CONF_ROLE_PROXY },
	{ "issuer", CONF_ROLE_ISSUER },
};

static int set_roles(struct parser *p, const struct key_def *k,
		     const char *value)
{
	const char *s = value;

	while (*s) {
		const char *end = strchr(s, ',');
		size_t len = end ? (size_t)(end - s) : strlen(s);
		unsigned int i;

		while (len && (*s == ' ' || *s == '\t')) {
			s++;
			len--;
		}
		while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
			len--;
		for (i = 0; i < M2MKX_ARRAY_SIZE(role_names); i++)
			if (strlen(role_names[i].name) == len &&
			    !strncasecmp(s, role_names[i].name, len))
				break;
		if (i == M2MKX_ARRAY_SIZE(role_names) ||
		    (p->c->roles & role_names[i].role))
			return invalid(p, k, value,
				       "a list of distinct roles among server, proxy, issuer");
		p->c->roles |= role_names[i].role;
		if (!end)
			break;
		s = end + 1;
		/* "server," is a list missing its last role, not a list. */
		if (!*s)
			return invalid(p, k, value,
				       "a list of distinct roles among server, proxy, issuer");
	}
	if (!p->c->roles)
		return invalid(p, k, value, "server, proxy and/or issuer");
	return 0;
}

static int set_server_key_file(struct parser *p, const struct key_def *k,
			       const char *value)
{
	return key_file(p, k, value, p->c->server_key,
			sizeof(p->c->server_key));
}

static int set_trust(struct parser *p, const struct key_def *k,
		     const char *value)
{
	struct conf *c = p->c;

	if (c->trust_count == CONF_MAX_TRUST)
		return perr_at(p, p->line, "more than %d %s in [%s]",
			       CONF_MAX_TRUST, k->name, sec_name(p));
	if (file_ref(p, value, &c->trust[c->trust_count]))
		return -1;
	c->trust_count++;
	return 0;
}

/* As keyctl names keyrings: @u, @s, %:NAME or a serial. */
static int parse_keyring(struct parser *p, const struct key_def *k,
			 const char *value, char **out)
{
	unsigned long v;
	char *end;
	bool ok = !strcmp(value, "@u") || !strcmp(value, "@s") ||
		  (!strncmp(value, "%:", 2) && value[2]);

	if (!ok && value[0] >= '1' && value[0] <= '9') {
		errno = 0;
		v = strtoul(value, &end, 10);
		ok = !*end && !errno && v <= 0x7fffffff;
	}
	if (!ok)
		return invalid(p, k, value, "@u, @s, %:NAME or a keyring serial");
	*out = strdup(value);
	if (!*out)
		return perr_at(p, p->line, "%s", strerror(errno));
	return 0;
}

static int set_trust_keyring(struct parser *p, const struct key_def *k,
			     const char *value)
{
	return parse_keyring(p, k, value, &p->c->trust_keyring);
}

static int set_max_proxies(struct parser *p, const struct key_def *k,
			   const char *value)
{
	unsigned long v;

	if (parse_uint(p, k, value, 1, M2MKX_MAX_PROXIES, &v))
		return -1;
	p->c->max_proxies = (unsigned int)v;
	return 0;
}

static int set_min_threshold(struct parser *p, const struct key_def *k,
			     const char *value)
{
	unsigned long v;

	if (parse_uint(p, k, value, 1, M2MKX_MAX_PROXIES, &v))
		return -1;
	p->c->min_threshold = (unsigned int)v;
	return 0;
}

static int set_share_window(struct parser *p, const struct key_def *k,
			    const char *value)
{
	unsigned long v;

	if (parse_uint(p, k, value, 0, M2MKX_MAX_SHARE_WINDOW_MS, &v))
		return -1;
	p->c->share_window_ms = (u32)v;
	return 0;
}

static int set_allow_dispersal(struct parser *p, const struct key_def *k,
			       const char *value)
{
	return parse_bool(p, k, value, &p->c->allow_dispersal);
}

static int set_allow_lamport(struct parser *p, const struct key_def *k,
			     const char *value)
{
	return parse_bool(p, k, value, &p->c->allow_lamport);
}

static int set_issuer_key(struct parser *p, const struct key_def *k,
			  const char *value)
{
	return key_inline(p, k, value, p->c->issuer_key,
			  sizeof(p->c->issuer_key));
}

static int set_issuer_key_file(struct parser *p, const struct key_def *k,
			       const char *value)
{
	return key_file(p, k, value, p->c->issuer_key,
			sizeof(p->c->issuer_key));
}

static int parse_endpoint(struct parser *p, const struct key_def *k,
			  const char *value, struct m2mkx_endpoint *ep)
{
	if (endpoint_parse(ep, value))
		return invalid(p, k, value, "a.b.c.d:port or [v6]:port");
	return 0;
}

static int set_issuer(struct parser *p, const struct key_def *k,
		      const char *value)
{
	return parse_endpoint(p, k, value, &p->c->issuer);
}

static const char *const fault_names[] = {
	[CONF_FAULT_NONE] = "none",
	[CONF_FAULT_SILENT] = "silent",
	[CONF_FAULT_CORRUPT_SHARE] = "corrupt-share",
	[CONF_FAULT_REPLAY] = "replay",
	[CONF_FAULT_REUSE_OTS] = "reuse-ots",
};

static int set_fault(struct parser *p, const struct key_def *k,
		     const char *value)
{
	unsigned int i;

	for (i = 0; i < M2MKX_ARRAY_SIZE(fault_names); i++) {
		if (!strcmp(value, fault_names[i])) {
			p->c->fault = (enum conf_fault)i;
			return 0;
		}
	}
	return invalid(p, k, value,
		       "none, silent, corrupt-share, replay or reuse-ots");
}

static int set_signing_key_file(struct parser *p, const struct key_def *k,
				const char *value)
{
	(void)k;
	return file_ref(p, value, &p->c->signing_key);
}

static int set_state_file(struct parser *p, const struct key_def *k,
			  const char *value)
{
	(void)k;
	return file_ref(p, value, &p->c->state_file);
}

static int set_issuer_fault(struct parser *p, const struct key_def *k,
			    const char *value)
{
	if (!strcmp(value, "none"))
		p->c->issuer_fault = CONF_ISSUER_FAULT_NONE;
	else if (!strcmp(value, "crash-after-record"))
		p->c->issuer_fault = CONF_ISSUER_FAULT_CRASH_AFTER_RECORD;
	else
		return invalid(p, k, value, "none or crash-after-record");
	return 0;
}

static int set_max_lifetime(struct parser *p, const struct key_def *k,
			    const char *value)
{
	unsigned long v;

	if (parse_uint(p, k, value, 1, 65535, &v))
		return -1;
	p->c->max_lifetime = (unsigned int)v;
	return 0;
}

static int set_peer_key(struct parser *p, const struct key_def *k,
			const char *value)
{
	if (key_inline(p, k, value, p->peer->key, sizeof(p->peer->key)))
		return -1;
	p->peer->has_key = true;
	return 0;
}

static int set_peer_key_file(struct parser *p, const struct key_def *k,
			     const char *value)
{
	if (key_file(p, k, value, p->peer->key, sizeof(p->peer->key)))
		return -1;
	p->peer->has_key = true;
	return 0;
}

static int set_peer_public_key(struct parser *p, const struct key_def *k,
			       const char *value)
{
	if (key_inline(p, k, value, p->peer->public_key,
		       sizeof(p->peer->public_key)))
		return -1;
	p->peer->has_public_key = true;
	return 0;
}

static int set_peer_public_key_file(struct parser *p,
				    const struct key_def *k,
				    const char *value)
{
	if (key_file(p, k, value, p->peer->public_key,
		     sizeof(p->peer->public_key)))
		return -1;
	p->peer->has_public_key = true;
	return 0;
}

static int set_peer_endpoint(struct parser *p, const struct key_def *k,
			     const char *value)
{
	if (parse_endpoint(p, k, value, &p->peer->endpoint))
		return -1;
	p->peer->has_endpoint = true;
	return 0;
}

static int set_u8(struct parser *p, const struct key_def *k,
		  const char *value, u8 *out)
{
	unsigned long v;

	if (parse_uint(p, k, value, 1, M2MKX_MAX_PROXIES, &v))
		return -1;
	*out = (u8)v;
	return 0;
}

static int set_proxies(struct parser *p, const struct key_def *k,
		       const char *value)
{
	return set_u8(p, k, value, &p->c->params.n);
}

static int set_threshold(struct parser *p, const struct key_def *k,
			 const char *value)
{
	return set_u8(p, k, value, &p->c->params.k);
}

static int set_agree(struct parser *p, const struct key_def *k,
		     const char *value)
{
	return set_u8(p, k, value, &p->c->params.m);
}

static int set_share_mode(struct parser *p, const struct key_def *k,
			  const char *value)
{
	if (!strcmp(value, "shamir"))
		p->c->params.share_mode = M2MKX_SHARE_SHAMIR;
	else if (!strcmp(value, "dispersal"))
		p->c->params.share_mode = M2MKX_SHARE_DISPERSAL;
	else
		return invalid(p, k, value, "shamir or dispersal");
	return 0;
}

static const struct {
	const char *name;
	u32 type;
} ots_names[] = {
	{ "lmots-w1", M2MKX_LMOTS_SHA256_N32_W1 },
	{ "lmots-w2", M2MKX_LMOTS_SHA256_N32_W2 },
	{ "lmots-w4", M2MKX_LMOTS_SHA256_N32_W4 },
	{ "lmots-w8", M2MKX_LMOTS_SHA256_N32_W8 },
	{ "lamport", M2MKX_OTS_LAMPORT_SHA256 },
};

static int set_one_time(struct parser *p, const struct key_def *k,
			const char *value)
{
	unsigned int i;

	for (i = 0; i < M2MKX_ARRAY_SIZE(ots_names); i++) {
		if (!strcmp(value, ots_names[i].name)) {
			p->c->params.ots_type = ots_names[i].type;
			return 0;
		}
	}
	return invalid(p, k, value,
		       "lmots-w1, lmots-w2, lmots-w4, lmots-w8 or lamport");
}

static int set_lifetime(struct parser *p, const struct key_def *k,
			const char *value)
{
	unsigned long v;

	if (parse_uint(p, k, value, 1, 65535, &v))
		return -1;
	p->c->lifetime_s = (u16)v;
	return 0;
}

static int set_session_keyring(struct parser *p, const struct key_def *k,
			       const char *value)
{
	return parse_keyring(p, k, value, &p->c->session_keyring);
}

static int set_session_key_owner(struct parser *p, const struct key_def *k,
				 const char *value)
{
	const struct passwd *pw;
	unsigned long v;

	if (value[0] >= '0' && value[0] <= '9') {
		if (parse_uint(p, k, value, 0, 0x7fffffff, &v))
			return -1;
		p->c->session_key_owner = (uid_t)v;
		return 0;
	}
	pw = getpwnam(value);
	if (!pw)
		return invalid(p, k, value, "a user name or a uid");
	p->c->session_key_owner = pw->pw_uid;
	return 0;
}

static int set_session_lifetime(struct parser *p, const struct key_def *k,
				const char *value)
{
	unsigned long v;

	if (parse_uint(p, k, value, 1, CONF_SESSION_LIFETIME_MAX, &v))
		return -1;
	p->c->session_lifetime_s = (unsigned int)v;
	return 0;
}

static int parse_ip(struct parser *p, const struct key_def *k,
		    const char *value, struct xfrm_ip *ip)
{
	if (xfrm_ip_parse(ip, value))
		return invalid(p, k, value, "an IPv4 or IPv6 address");
	return 0;
}

static int set_esp_address(struct parser *p, const struct key_def *k,
			   const char *value)
{
	p->esp->has_address = true;
	return parse_ip(p, k, value, &p->esp->address);
}

static int set_esp_local(struct parser *p, const struct key_def *k,
			 const char *value)
{
	p->esp->has_local = true;
	return parse_ip(p, k, value, &p->esp->local);
}

static const struct key_def node_keys[] = {
	{ "Id", PROG_ALL, 0, false, set_id },
	{ "ListenAddress", PROG_ALL, 1, false, set_listen_address },
	{ "ListenPort", PROG_ALL, 2, false, set_listen_port },
	{ "Roles", PROG_AGENT, 3, false, set_roles },
	{ "DataPath", PROG_AGENT, 4, false, set_data_path },
	{ "KernelPort", PROG_AGENT, 5, false, set_kernel_port },
	{ NULL, 0, 0, false, NULL }
};

static const struct key_def server_keys[] = {
	{ "PrivateKeyFile", PROG_AGENT, 0, false, set_server_key_file },
	{ "TrustCertificate", PROG_AGENT, 1, true, set_trust },
	{ "MaxProxies", PROG_AGENT, 2, false, set_max_proxies },
	{ "AllowDispersal", PROG_AGENT, 3, false, set_allow_dispersal },
	{ "AllowLamport", PROG_AGENT, 4, false, set_allow_lamport },
	{ "MinThreshold", PROG_AGENT, 5, false, set_min_threshold },
	{ "TrustKeyring", PROG_AGENT, 6, false, set_trust_keyring },
	{ "ShareWindow", PROG_AGENT, 7, false, set_share_window },
	{ NULL, 0, 0, false, NULL }
};

static const struct key_def proxy_keys[] = {
	{ "IssuerKey", PROG_AGENT, 0, false, set_issuer_key },
	{ "IssuerKeyFile", PROG_AGENT, 0, false, set_issuer_key_file },
	{ "Issuer", PROG_AGENT, 1, false, set_issuer },
	{ "Fault", PROG_AGENT, 2, false, set_fault },
	{ NULL, 0, 0, false, NULL }
};

static const struct key_def issuer_keys[] = {
	{ "SigningKeyFile", PROG_AGENT, 0, false, set_signing_key_file },
	{ "MaxLifetime", PROG_AGENT, 1, false, set_max_lifetime },
	{ "StateFile", PROG_AGENT, 2, false, set_state_file },
	{ "Fault", PROG_AGENT, 3, false, set_issuer_fault },
	{ NULL, 0, 0, false, NULL }
};

static const struct key_def client_keys[] = {
	{ "Id", PROG_AGENT, 0, false, set_id },
	{ "Key", PROG_AGENT, 1, false, set_peer_key },
	{ "KeyFile", PROG_AGENT, 1, false, set_peer_key_file },
	{ NULL, 0, 0, false, NULL }
};

static const struct key_def proxy_peer_keys[] = {
	{ "Id", PROG_ALL, 0, false, set_id },
	{ "Key", PROG_ALL, 1, false, set_peer_key },
	{ "KeyFile", PROG_ALL, 1, false, set_peer_key_file },
	{ "Endpoint", PROG_ALL, 2, false, set_peer_endpoint },
	{ NULL, 0, 0, false, NULL }
};

static const struct key_def server_peer_keys[] = {
	{ "Id", PROG_ALL, 0, false, set_id },
	{ "PublicKey", PROG_AGENT, 1, false, set_peer_public_key },
	{ "PublicKeyFile", PROG_AGENT, 1, false, set_peer_public_key_file },
	{ "Endpoint", PROG_CLIENT, 2, false, set_peer_endpoint },
	{ NULL, 0, 0, false, NULL }
};

static const struct key_def issuer_peer_keys[] = {
	{ "Endpoint", PROG_CLIENT, 0, false, set_peer_endpoint },
	{ "Key", PROG_CLIENT, 1, false, set_peer_key },
	{ "KeyFile", PROG_CLIENT, 1, false, set_peer_key_file },
	{ NULL, 0, 0, false, NULL }
};

static const struct key_def handshake_keys[] = {
	{ "Proxies", PROG_CLIENT, 0, false, set_proxies },
	{ "Threshold", PROG_CLIENT, 1, false, set_threshold },
	{ "Agree", PROG_CLIENT, 2, false, set_agree },
	{ "ShareMode", PROG_CLIENT, 3, false, set_share_mode },
	{ "OneTime", PROG_CLIENT, 4, false, set_one_time },
	{ "Lifetime", PROG_CLIENT, 5, false, set_lifetime },
	{ NULL, 0, 0, false, NULL }
};

static const struct key_def session_keys[] = {
	{ "Keyring", PROG_AGENT, 0, false, set_session_keyring },
	{ "KeyOwner", PROG_AGENT, 1, false, set_session_key_owner },
	{ "Lifetime", PROG_ALL, 2, false, set_session_lifetime },
	{ NULL, 0, 0, false, NULL }
};

static const struct key_def esp_peer_keys[] = {
	{ "Id", PROG_ALL, 0, false, set_id },
	{ "Address", PROG_ALL, 1, false, set_esp_address },
	{ "LocalAddress", PROG_ALL, 2, false, set_esp_local },
	{ NULL, 0, 0, false, NULL }
};

static const struct section_def sections[SEC_COUNT] = {
	[SEC_NODE] = { "Node", PROG_ALL, false, node_keys },
	[SEC_SERVER] = { "Server", PROG_AGENT, false, server_keys },
	[SEC_PROXY] = { "Proxy", PROG_AGENT, false, proxy_keys },
	[SEC_ISSUER] = { "Issuer", PROG_AGENT, false, issuer_keys },
	[SEC_CLIENT] = { "Client", PROG_AGENT, true, client_keys },
	[SEC_PROXY_PEER] = { "ProxyPeer", PROG_ALL, true, proxy_peer_keys },
	[SEC_SERVER_PEER] = { "ServerPeer", PROG_ALL, true, server_peer_keys },
	[SEC_ISSUER_PEER] = { "IssuerPeer", PROG_CLIENT, false,
			      issuer_peer_keys },
	[SEC_HANDSHAKE] = { "Handshake", PROG_CLIENT, false, handshake_keys },
	[SEC_SESSION] = { "Session", PROG_ALL, false, session_keys },
	[SEC_ESP_PEER] = { "EspPeer", PROG_ALL, true, esp_peer_keys },
};

static struct conf_peers *peer_list(struct conf *c, int sec)
{
	switch (sec) {
	case SEC_CLIENT:
		return &c->clients;
	case SEC_PROXY_PEER:
		return &c->proxy_peers;
	case SEC_SERVER_PEER:
		return &c->server_peers;
	default:
		return NULL;
	}
}

static int start_section(struct parser *p, char *name)
{
	const struct section_def *def;
	struct conf_peers *list;
	size_t len = strlen(name);
	int sec;

	/* "[ Node ]" is as good as "[Node]". */
	while (len && (name[len - 1] == ' ' || name[len - 1] == '\t'))
		name[--len] = '\0';
	while (*name == ' ' || *name == '\t')
		name++;
	for (sec = 0; sec < SEC_COUNT; sec++)
		if (!strcasecmp(name, sections[sec].name))
			break;
	if (sec == SEC_COUNT)
		return perr_at(p, p->line, "unknown section [%s]", name);
	def = &sections[sec];
	if (!(def->programs & (1u << p->program)))
		return perr_at(p, p->line, "section [%s] is not for %s",
			       def->name, program_name(p->program));
	if (p->sec_line[sec] && !def->repeatable)
		return perr_at(p, p->line, "duplicate section [%s]",
			       def->name);
	if (!p->sec_line[sec])
		p->sec_line[sec] = p->line;
	p->sec = sec;
	memset(p->given, 0, sizeof(p->given));

	p->peer = NULL;
	p->esp = NULL;
	if (sec == SEC_ESP_PEER) {
		struct conf_esp_peers *esp = &p->c->esp_peers;

		if (esp->count == CONF_MAX_PEERS)
			return perr_at(p, p->line,
				       "more than %d [%s] sections",
				       CONF_MAX_PEERS, def->name);
		p->esp = &esp->peer[esp->count++];
		memset(p->esp, 0, sizeof(*p->esp));
		p->esp->line = p->line;
		return 0;
	}
	list = peer_list(p->c, sec);
	if (list) {
		if (list->count == CONF_MAX_PEERS)
			return perr_at(p, p->line,
				       "more than %d [%s] sections",
				       CONF_MAX_PEERS, def->name);
		p->peer = &list->peer[list->count++];
	} else if (sec == SEC_ISSUER_PEER) {
		p->peer = &p->c->issuer_peer;
	}
	if (p->peer) {
		memset(p->peer, 0, sizeof(*p->peer));
		p->peer->line = p->line;
	}
	return 0;
}

static int set_key(struct parser *p, const char *name, const char *value)
{
	const struct key_def *k;

	if (p->sec < 0)
		return perr_at(p, p->line, "key '%s' outside any section",
			       name);
	for (k = sections[p->sec].keys; k->name; k++)
		if (!strcasecmp(name, k->name))
			break;
	if (!k->name)
		return perr_at(p, p->line, "unknown key '%s' in [%s]", name,
			       sec_name(p));
	if (!(k->programs & (1u << p->program)))
		return perr_at(p, p->line, "key '%s' in [%s] is not for %s",
			       k->name, sec_name(p),
			       program_name(p->program));
	if (!*value)
		return perr_at(p, p->line, "no value for '%s' in [%s]",
			       k->name, sec_name(p));
	if (p->given[k->slot] && !k->repeatable) {
		if (p->given[k->slot] == k)
			return perr_at(p, p->line,
				       "duplicate key '%s' in [%s]", k->name,
				       sec_name(p));
		return perr_at(p, p->line, "'%s' and '%s' both given in [%s]",
			       p->given[k->slot]->name, k->name, sec_name(p));
	}
	if (k->set(p, k, value))
		return -1;
	p->given[k->slot] = k;
	p->seen[p->sec] |= 1u << k->slot;
	p->key_line[p->sec][k->slot] = p->line;
	return 0;
}

static char *trim(char *s)
{
	size_t len = strlen(s);

	while (len && strchr(" \t\r\n", s[len - 1]))
		s[--len] = '\0';
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static int parse_line(struct parser *p, char *line)
{
	char *hash = strchr(line, '#'), *eq, *s;

	if (hash)
		*hash = '\0';
	s = trim(line);
	if (!*s)
		return 0;
	if (*s == '[') {
		size_t len = strlen(s);

		if (s[len - 1] != ']')
			return perr_at(p, p->line, "expected '[Section]'");
		s[len - 1] = '\0';
		return start_section(p, s + 1);
	}
	eq = strchr(s, '=');
	if (!eq)
		return perr_at(p, p->line, "expected 'Key = Value'");
	*eq = '\0';
	s = trim(s);
	if (!*s)
		return perr_at(p, p->line, "expected 'Key = Value'");
	return set_key(p, s, trim(eq + 1));
}

/* Section @sec is present, or says which role needs it. */
static int need_section(struct parser *p, int sec, const char *why)
{
	if (p->sec_line[sec])
		return 0;
	return perr_at(p, 0, "no [%s] section%s%s", sections[sec].name,
		       why ? ": " : "", why ? why : "");
}

/* Slot @slot of singleton section @sec was given. */
static int need_key(struct parser *p, int sec, unsigned int slot)
{
	const struct key_def *k;

	if (p->seen[sec] & (1u << slot))
		return 0;
	for (k = sections[sec].keys; k->slot != slot; k++)
		;
	return perr_at(p, p->sec_line[sec], "[%s] lacks %s",
		       sections[sec].name, k->name);
}

/*
 * Every peer of @sec has what @want asks for (bits: 1 Id, 2 Key,
 * 4 PublicKey, 8 Endpoint), and no two share an Id.
 */
#define WANT_ID 1u
#define WANT_KEY 2u
#define WANT_PUBLIC_KEY 4u
#define WANT_ENDPOINT 8u

static int check_peer(struct parser *p, int sec,
		      const struct conf_peer *peer, unsigned int want)
{
	const char *name = sections[sec].name, *lacks = NULL;

	if ((want & WANT_ID) && !peer->has_id)
		lacks = "Id";
	else if ((want & WANT_KEY) && !peer->has_key)
		lacks = "Key";
	else if ((want & WANT_PUBLIC_KEY) && !peer->has_public_key)
		lacks = "PublicKey";
	else if ((want & WANT_ENDPOINT) && !peer->has_endpoint)
		lacks = "Endpoint";
	if (lacks)
		return perr_at(p, peer->line, "[%s] lacks %s", name, lacks);
	return 0;
}

static int check_peers(struct parser *p, int sec, unsigned int want)
{
	const struct conf_peers *list = peer_list(p->c, sec);
	unsigned int i, j;

	for (i = 0; i < list->count; i++) {
		if (check_peer(p, sec, &list->peer[i], want))
			return -1;
		for (j = 0; j < i; j++) {
			char hex[2 * M2MKX_ID_LEN + 1];

			if (memcmp(list->peer[i].id, list->peer[j].id,
				   M2MKX_ID_LEN))
				continue;
			hex_encode(hex, list->peer[i].id, M2MKX_ID_LEN);
			return perr_at(p, list->peer[i].line,
				       "[%s] Id %s given twice",
				       sections[sec].name, hex);
		}
	}
	return 0;
}

/* A section for a role the node does not play is a mistake. */
static int check_role(struct parser *p, int sec, unsigned int roles,
		      const char *what)
{
	if (!p->sec_line[sec] || (p->c->roles & roles))
		return 0;
	return perr_at(p, p->sec_line[sec], "[%s] but Roles lacks %s",
		       sections[sec].name, what);
}

/* DataPath and the keys that go with one data path only. */
static int check_data_path(struct parser *p)
{
	struct conf *c = p->c;
	unsigned int line;

	if (c->datapath == CONF_DATAPATH_USERSPACE) {
		line = p->key_line[SEC_NODE][5];
		if (line)
			return perr_at(p, line,
				       "KernelPort in [Node] needs DataPath = kernel");
		line = p->key_line[SEC_SERVER][6];
		if (line)
			return perr_at(p, line,
				       "TrustKeyring in [Server] needs DataPath = kernel");
		return 0;
	}
	line = p->key_line[SEC_PROXY][2];
	if (line && c->fault != CONF_FAULT_NONE)
		return perr_at(p, line,
			       "Fault in [Proxy] needs DataPath = userspace: the module injects no faults");
	if (!(c->roles & (CONF_ROLE_SERVER | CONF_ROLE_PROXY)))
		return 0;
	if (need_key(p, SEC_NODE, 5))
		return -1;
	if (c->kernel_port == c->listen.port)
		return perr_at(p, p->key_line[SEC_NODE][5],
			       "KernelPort %u is also ListenPort: the module and the agent need one port each",
			       c->kernel_port);
	return 0;
}

/*
 * Every [EspPeer] has Id, Address and LocalAddress, of one family, and
 * no two share an Id.
 */
static int check_esp_peers(struct parser *p)
{
	const struct conf_esp_peers *list = &p->c->esp_peers;
	unsigned int i, j;

	for (i = 0; i < list->count; i++) {
		const struct conf_esp_peer *e = &list->peer[i];
		const char *lacks = !e->has_id ? "Id" :
				    !e->has_address ? "Address" :
				    !e->has_local ? "LocalAddress" : NULL;

		if (lacks)
			return perr_at(p, e->line, "[EspPeer] lacks %s",
				       lacks);
		if (e->address.family != e->local.family)
			return perr_at(p, e->line,
				       "[EspPeer] Address and LocalAddress are of two families");
		for (j = 0; j < i; j++)
			if (!memcmp(e->id, list->peer[j].id, M2MKX_ID_LEN))
				return perr_at(p, e->line,
					       "[EspPeer] Id given twice");
	}
	return 0;
}

/* [Session] and [EspPeer] at B (check_role() saw that it is one). */
static int check_session_agent(struct parser *p)
{
	if (p->key_line[SEC_SESSION][1] && !p->c->session_keyring)
		return perr_at(p, p->key_line[SEC_SESSION][1],
			       "KeyOwner in [Session] needs Keyring");
	return check_esp_peers(p);
}

static int validate_agent(struct parser *p)
{
	struct conf *c = p->c;

	if (need_section(p, SEC_NODE, NULL) || need_key(p, SEC_NODE, 0) ||
	    need_key(p, SEC_NODE, 2) || need_key(p, SEC_NODE, 3))
		return -1;
	if (check_role(p, SEC_SERVER, CONF_ROLE_SERVER, "server") ||
	    check_role(p, SEC_PROXY, CONF_ROLE_PROXY, "proxy") ||
	    check_role(p, SEC_ISSUER, CONF_ROLE_ISSUER, "issuer") ||
	    check_role(p, SEC_CLIENT, CONF_ROLE_PROXY | CONF_ROLE_ISSUER,
		       "proxy or issuer") ||
	    check_role(p, SEC_PROXY_PEER, CONF_ROLE_ISSUER, "issuer") ||
	    check_role(p, SEC_SERVER_PEER, CONF_ROLE_PROXY, "proxy") ||
	    check_role(p, SEC_SESSION, CONF_ROLE_SERVER, "server") ||
	    check_role(p, SEC_ESP_PEER, CONF_ROLE_SERVER, "server"))
		return -1;
	if (c->roles & CONF_ROLE_SERVER) {
		if (need_section(p, SEC_SERVER, "Roles has server") ||
		    need_key(p, SEC_SERVER, 0))
			return -1;
		/* No request could meet both bounds: a mistake, not policy. */
		if (c->min_threshold > c->max_proxies)
			return perr_at(p, p->key_line[SEC_SERVER][5] ?
				       p->key_line[SEC_SERVER][5] :
				       p->key_line[SEC_SERVER][2],
				       "MinThreshold %u is above MaxProxies %u in [Server]",
				       c->min_threshold, c->max_proxies);
		/* The module may take T's keys from a keyring as it is. */
		if (!(c->datapath == CONF_DATAPATH_KERNEL &&
		      c->trust_keyring) && need_key(p, SEC_SERVER, 1))
			return -1;
	}
	if (c->roles & CONF_ROLE_PROXY) {
		if (need_section(p, SEC_PROXY, "Roles has proxy") ||
		    need_key(p, SEC_PROXY, 0) || need_key(p, SEC_PROXY, 1))
			return -1;
	}
	if (c->roles & CONF_ROLE_ISSUER) {
		if (need_section(p, SEC_ISSUER, "Roles has issuer") ||
		    need_key(p, SEC_ISSUER, 0))
			return -1;
	}
	if (check_data_path(p) || check_session_agent(p))
		return -1;
	return check_peers(p, SEC_CLIENT, WANT_ID | WANT_KEY) ||
	       check_peers(p, SEC_PROXY_PEER,
			   WANT_ID | WANT_KEY | WANT_ENDPOINT) ||
	       check_peers(p, SEC_SERVER_PEER, WANT_ID | WANT_PUBLIC_KEY) ?
	       -1 : 0;
}

static int validate_client(struct parser *p)
{
	struct conf *c = p->c;

	if (need_section(p, SEC_NODE, NULL) || need_key(p, SEC_NODE, 0))
		return -1;
	if (need_section(p, SEC_SERVER_PEER, NULL) ||
	    check_peers(p, SEC_SERVER_PEER, WANT_ID | WANT_ENDPOINT))
		return -1;
	if (c->server_peers.count > 1)
		return perr_at(p, c->server_peers.peer[1].line,
			       "a client talks to one [ServerPeer]");
	if (need_section(p, SEC_ISSUER_PEER, NULL) ||
	    check_peer(p, SEC_ISSUER_PEER, &c->issuer_peer,
		       WANT_KEY | WANT_ENDPOINT))
		return -1;
	if (check_peers(p, SEC_PROXY_PEER, WANT_ID | WANT_KEY | WANT_ENDPOINT))
		return -1;
	if (need_section(p, SEC_HANDSHAKE, NULL) ||
	    need_key(p, SEC_HANDSHAKE, 0) || need_key(p, SEC_HANDSHAKE, 1) ||
	    need_key(p, SEC_HANDSHAKE, 2))
		return -1;
	if (c->params.k > c->params.n || c->params.m > c->params.n)
		return perr_at(p, p->sec_line[SEC_HANDSHAKE],
			       "[Handshake] needs Threshold and Agree <= Proxies");
	if (c->proxy_peers.count < c->params.n)
		return perr_at(p, p->sec_line[SEC_HANDSHAKE],
			       "Proxies = %u but %u [ProxyPeer] sections",
			       c->params.n, c->proxy_peers.count);
	if (check_esp_peers(p))
		return -1;
	/* A's one ESP peer can only be its server. */
	if (c->esp_peers.count > 1)
		return perr_at(p, c->esp_peers.peer[1].line,
			       "a client sets up ESP with its [ServerPeer] only");
	if (c->esp_peers.count &&
	    memcmp(c->esp_peers.peer[0].id, c->server_peers.peer[0].id,
		   M2MKX_ID_LEN))
		return perr_at(p, c->esp_peers.peer[0].line,
			       "[EspPeer] Id is not the [ServerPeer]'s");
	return 0;
}

static void defaults(struct conf *c)
{
	struct m2mkx_timing timing;

	/* The IPv6 wildcard, dual-stack; the port is the program's call. */
	memset(&c->listen, 0, sizeof(c->listen));
	c->listen_v4 = false;
	c->max_proxies = M2MKX_MAX_PROXIES;
	/* With k = 1 every share is x itself: no deployment wants that. */
	c->min_threshold = 2;
	m2mkx_timing_default(&timing);
	c->share_window_ms = timing.share_window_ms;
	/*
	 * Dispersal shares each leak part of x to their proxy: a server
	 * opts in. Lamport costs only bandwidth, so it is allowed.
	 */
	c->allow_dispersal = false;
	c->allow_lamport = true;
	c->max_lifetime = 300;
	c->fault = CONF_FAULT_NONE;
	c->params.suite = M2MKX_SUITE_V1;
	c->params.share_mode = M2MKX_SHARE_SHAMIR;
	c->params.ots_type = M2MKX_OTS_DEFAULT;
	c->lifetime_s = 120;
	c->session_key_owner = (uid_t)-1;
	c->session_lifetime_s = CONF_SESSION_LIFETIME_DEFAULT;
}

int conf_load(struct conf *c, const char *path, enum conf_program program)
{
	struct parser p;
	const char *slash;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f;
	int ret = 0;

	memset(c, 0, sizeof(*c));
	c->path = path;
	defaults(c);
	memset(&p, 0, sizeof(p));
	p.c = c;
	p.program = program;
	p.sec = -1;
	slash = strrchr(path, '/');
	p.dir_len = slash ? (size_t)(slash - path) + 1 : 0;

	f = fopen(path, "re");
	if (!f) {
		log_err("%s: %s", path, strerror(errno));
		return -1;
	}
	/* Inline keys pass through here: keep no copy in stdio's buffer. */
	setvbuf(f, NULL, _IONBF, 0);
	while ((n = getline(&line, &cap, f)) >= 0) {
		p.line++;
		if ((size_t)n > CONF_MAX_LINE)
			ret = perr_at(&p, p.line, "line longer than %d bytes",
				      CONF_MAX_LINE);
		else if (strlen(line) != (size_t)n)
			ret = perr_at(&p, p.line, "NUL byte in line");
		else
			ret = parse_line(&p, line);
		if (ret)
			break;
	}
	if (!ret && ferror(f))
		ret = perr_at(&p, 0, "%s", strerror(errno));
	if (!ret)
		ret = program == CONF_AGENT ? validate_agent(&p) :
					      validate_client(&p);
	if (line) {
		m2mkx_wipe(line, cap);
		free(line);
	}
	fclose(f);
	if (ret) {
		log_err("%s", p.err);
		conf_free(c);
		return -1;
	}
	return 0;
}

void conf_free(struct conf *c)
{
	unsigned int i;

	for (i = 0; i < c->trust_count; i++)
		free(c->trust[i].path);
	free(c->signing_key.path);
	free(c->state_file.path);
	free(c->trust_keyring);
	free(c->session_keyring);
	m2mkx_wipe(c, sizeof(*c));
}

const struct conf_peer *conf_peer_find(const struct conf_peers *peers,
				       const u8 id[M2MKX_ID_LEN])
{
	unsigned int i;

	for (i = 0; i < peers->count; i++)
		if (!memcmp(peers->peer[i].id, id, M2MKX_ID_LEN))
			return &peers->peer[i];
	return NULL;
}

const struct conf_esp_peer *conf_esp_peer_find(const struct conf *c,
					       const u8 id[M2MKX_ID_LEN])
{
	unsigned int i;

	for (i = 0; i < c->esp_peers.count; i++)
		if (!memcmp(c->esp_peers.peer[i].id, id, M2MKX_ID_LEN))
			return &c->esp_peers.peer[i];
	return NULL;
}
