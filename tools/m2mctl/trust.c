// SPDX-License-Identifier: GPL-2.0
/*
 * m2mctl trust: T's certificates in the keyring the module verifies
 * root signatures with (common/trust.h).
 *
 *   trust [list] [keyring SPEC] [--json]
 *   trust add FILE [keyring SPEC]
 *   trust del SERIAL [keyring SPEC]
 *
 * The keyring is the instance's trust keyring (m2mctl set
 * trust-keyring), or the one "keyring SPEC" names as keyctl(1) does.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/kernel.h"
#include "common/keyring.h"
#include "common/trust.h"
#include "tools/m2mctl/m2mctl.h"

/* Certificates listed at most: far more than any deployment trusts. */
#define TRUST_LIST_MAX 256

struct trust_args {
	const char *verb;
	const char *operand;		/* add's FILE, del's SERIAL */
	const char *keyring;		/* as given, or NULL */
	bool json;
};

/* The keyring to work on: the one given, else the instance's. */
static int trust_keyring(const struct trust_args *ta, int32_t *serial)
{
	struct kernel_instance ki;
	struct genl_sock g;
	int ret;

	if (ta->keyring) {
		if (keyring_resolve(ta->keyring, serial))
			return fail("trust %s: keyring '%s': %s", ta->verb,
				    ta->keyring, errno == EINVAL ?
				    "expected a serial, @u, @s or %:NAME" :
				    strerror(errno));
		return 0;
	}
	if (kernel_open(&g))
		return 1;
	ret = kernel_get_instance(&g, &ki);
	if (ret) {
		kernel_fail(&g, ret, "trust: show instance");
		genl_close(&g);
		return 1;
	}
	genl_close(&g);
	if (!(ki.has & KI_KEYRING) || !ki.keyring)
		return fail("trust %s: the instance has no trust keyring: name one with 'keyring SPEC' or m2mctl set trust-keyring",
			    ta->verb);
	*serial = ki.keyring;
	return 0;
}

static int trust_show(const struct trust_args *ta, int32_t keyring)
{
	struct trust_key *keys;
	int n, i, shown;

	keys = calloc(TRUST_LIST_MAX, sizeof(*keys));
	if (!keys)
		return fail("trust: %s", strerror(errno));
	n = trust_list(keyring, keys, TRUST_LIST_MAX);
	if (n < 0) {
		free(keys);
		return fail("trust list: keyring %d: %s", keyring,
			    strerror(errno));
	}
	shown = n < TRUST_LIST_MAX ? n : TRUST_LIST_MAX;
	if (ta->json) {
		printf("{\"keyring\":%d,\"certificates\":[", keyring);
		for (i = 0; i < shown; i++) {
			printf("%s{\"serial\":%d,\"description\":", i ? "," : "",
			       keys[i].serial);
			json_str(keys[i].description);
			putchar('}');
		}
		printf("]}\n");
	} else {
		printf("keyring: %d\n", keyring);
		printf("%-11s %s\n", "SERIAL", "CERTIFICATE");
		for (i = 0; i < shown; i++)
			printf("%-11d %s\n", keys[i].serial,
			       keys[i].description);
	}
	free(keys);
	if (fflush(stdout) || ferror(stdout))
		return fail("stdout: %s", strerror(errno));
	return 0;
}

static int trust_add(const struct trust_args *ta, int32_t keyring)
{
	int ret = trust_add_file(keyring, ta->operand);

	if (ret < 0)
		return fail("trust add: '%s': %s", ta->operand,
			    trust_strerror(ret));
	return 0;
}

static int trust_remove(int32_t keyring, int32_t serial)
{
	if (trust_del(keyring, serial))
		return fail("trust del: key %d in keyring %d: %s", serial,
			    keyring, errno == ENOENT || errno == ENOKEY ?
			    "not in that keyring" : strerror(errno));
	return 0;
}

int cmd_trust(int argc, char **argv)
{
	struct trust_args ta = { .verb = "list" };
	unsigned long serial = 0;
	int32_t keyring;
	int a = 1, ret;

	if (argc > 1 && is_help(argv[1])) {
		usage(stdout);
		return 0;
	}
	if (a < argc && (!strcmp(argv[a], "list") || !strcmp(argv[a], "add") ||
			 !strcmp(argv[a], "del")))
		ta.verb = argv[a++];
	if (strcmp(ta.verb, "list")) {
		if (a == argc)
			return fail("trust %s: expected %s", ta.verb,
				    !strcmp(ta.verb, "add") ? "FILE" : "SERIAL");
		ta.operand = argv[a++];
		if (!strcmp(ta.verb, "del") &&
		    parse_uint("SERIAL", ta.operand, 1, INT32_MAX, &serial))
			return 1;
	}
	for (; a < argc; a++) {
		if (!strcmp(argv[a], "keyring") && !ta.keyring && a + 1 < argc) {
			ta.keyring = argv[++a];
			continue;
		}
		if (!strcmp(argv[a], "--json") && !strcmp(ta.verb, "list") &&
		    !ta.json) {
			ta.json = true;
			continue;
		}
		return fail("trust %s: unexpected argument '%s': expected %s",
			    ta.verb, argv[a], !strcmp(ta.verb, "list") ?
			    "'keyring SPEC' or --json, once each" :
			    "'keyring SPEC', once");
	}
	ret = trust_keyring(&ta, &keyring);
	if (ret)
		return ret;
	if (!strcmp(ta.verb, "add"))
		return trust_add(&ta, keyring);
	if (!strcmp(ta.verb, "del"))
		return trust_remove(keyring, (int32_t)serial);
	return trust_show(&ta, keyring);
}
