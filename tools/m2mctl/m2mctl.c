// SPDX-License-Identifier: GPL-2.0
/*
 * m2mctl: the configuration tool of m2mkx, in the manner of wg(8):
 *
 *   m2mctl genkey [--symmetric]    a private key (or pairwise key), base64
 *   m2mctl pubkey < private        the public key of a private key
 *   m2mctl gencert --key FILE --cert FILE --cn NAME [--days N] [--bits N]
 *                  [--der]         T's RSA signing key and certificate
 *   m2mctl show|set|neighbor|server|monitor|trust
 *                                  the kernel data path, through the
 *                                  m2mkx module's generic netlink family
 *
 * Secret keys come from files or stdin, never from the command line,
 * where every user of the machine could read them in /proc.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <m2mkx/bytes.h>
#include <m2mkx/crypto.h>

#include "backend/openssl.h"
#include "common/keys.h"
#include "common/log.h"
#include "tools/m2mctl/m2mctl.h"

#define GENCERT_DEFAULT_BITS 3072
#define GENCERT_DEFAULT_DAYS 3650

void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s <command> [arguments]\n"
		"\n"
		"Keys and certificates:\n"
		"  genkey [--symmetric]  print a new X25519 private key\n"
		"                        (or, with --symmetric, a 16-byte\n"
		"                        pairwise key) in base64\n"
		"  pubkey                read a private key on stdin, print\n"
		"                        its public key\n"
		"  gencert --key FILE --cert FILE --cn NAME [--days N]\n"
		"          [--bits N] [--der]\n"
		"                        make T's RSA signing key (never\n"
		"                        over an existing one) and its\n"
		"                        self-signed certificate for servers\n"
		"\n"
		"The kernel data path (the m2mkx module; CAP_NET_ADMIN):\n"
		"  show [instance|sessions|peers|neighbors|servers|counters]\n"
		"       [--json] [--all]\n"
		"                        the instance, its peers and sessions\n"
		"                        (all three by default), its peers of\n"
		"                        one kind, or its drop counters (the\n"
		"                        non-zero ones, --all: every one;\n"
		"                        --json: every one, as JSON)\n"
		"  set [role server|proxy|server,proxy|none] [port N]\n"
		"      [node-id HEX16] [private-key FILE|-]\n"
		"      [trust-keyring SERIAL|@u|@s|%%:NAME|none]\n"
		"      [max-sessions N] [max-proxies N] [min-threshold N]\n"
		"      [share-window MS] [allow-dispersal yes|no]\n"
		"      [allow-lamport yes|no]\n"
		"                        change the instance, all or nothing\n"
		"                        (port 0 closes the socket; the\n"
		"                        private key is B's X25519 key)\n"
		"  neighbor add ID key FILE|-\n"
		"  neighbor del ID       a client A and the pairwise key the\n"
		"                        proxy shares with it\n"
		"  server add ID public-key FILE|BASE64\n"
		"  server del ID         a server B the proxy works for\n"
		"  monitor [--show-keys] print the handshakes' events as they\n"
		"                        come; the session key MK only with\n"
		"                        --show-keys\n"
		"  trust [list] [keyring SPEC] [--json]\n"
		"  trust add FILE [keyring SPEC]\n"
		"  trust del SERIAL [keyring SPEC]\n"
		"                        T's certificates (PEM or DER) in the\n"
		"                        instance's trust keyring, or in the\n"
		"                        keyring SPEC names (@u, @s, %%:NAME,\n"
		"                        a serial)\n"
		"\n"
		"Secret keys are read from files, or from stdin for '-'.\n",
		program_invocation_short_name);
}

bool is_help(const char *arg)
{
	return !strcmp(arg, "-h") || !strcmp(arg, "--help") ||
	       !strcmp(arg, "help");
}

int fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", program_invocation_short_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

int parse_id(const char *what, const char *s, u8 id[8])
{
	if (hex_decode(id, 8, s)) {
		fail("invalid %s '%s': expected 16 hex digits", what, s);
		return -1;
	}
	return 0;
}

int parse_uint(const char *what, const char *s, unsigned long min,
	       unsigned long max, unsigned long *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end || errno || v < min || v > max) {
		fail("invalid %s '%s': expected %lu..%lu", what, s, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

int read_key(const char *what, const char *path, u8 *key, size_t len)
{
	int ret;

	if (!strcmp(path, "-")) {
		/* No stdio buffer keeps a copy of the key. */
		setvbuf(stdin, NULL, _IONBF, 0);
		ret = key_read(stdin, key, len);
		path = "stdin";
	} else {
		ret = key_read_file(path, key, len);
	}
	if (ret == KEY_ERR_IO) {
		fail("%s '%s': %s", what, path, strerror(errno));
		return -1;
	}
	if (ret) {
		fail("%s '%s': not a base64 key of %zu bytes", what, path, len);
		return -1;
	}
	return 0;
}

int kernel_fail(const struct genl_sock *g, int err, const char *what)
{
	if (err == -EPERM && !g->err_msg[0])
		return fail("%s: %s (m2mkx needs CAP_NET_ADMIN)", what,
			    strerror(EPERM));
	return fail("%s: %s", what, genl_strerror(g, err));
}

/* As wg(8) does: a key written to a file others can read is a leak. */
static void warn_if_shared_output(void)
{
	struct stat st;

	if (fstat(STDOUT_FILENO, &st) || !S_ISREG(st.st_mode) ||
	    !(st.st_mode & 0077))
		return;
	log_err("warning: writing a key to a file others can read; consider umask 077");
}

static int print_key(const u8 *key, size_t len)
{
	char text[B64_LEN(KEY_MAX_LEN) + 1];

	b64_encode(text, key, len);
	printf("%s\n", text);
	m2mkx_wipe(text, sizeof(text));
	if (fflush(stdout) || ferror(stdout)) {
		log_err("stdout: %s", strerror(errno));
		return 1;
	}
	return 0;
}

static int cmd_genkey(int argc, char **argv)
{
	static const struct option options[] = {
		{ "symmetric", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	u8 key[KEY_MAX_LEN];
	bool symmetric = false;
	size_t len;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (opt != 's') {
			usage(stderr);
			return 1;
		}
		symmetric = true;
	}
	if (optind != argc) {
		usage(stderr);
		return 1;
	}
	len = symmetric ? M2MKX_AES128_KEY_LEN : M2MKX_X25519_LEN;
	if (m2mkx_random(key, len)) {
		log_err("no randomness");
		return 1;
	}
	if (!symmetric) {
		/*
		 * Clamped as RFC 7748 uses it, so the file holds the scalar
		 * actually used (X25519 clamps again; wg does the same).
		 */
		key[0] &= 248;
		key[31] &= 127;
		key[31] |= 64;
	}
	warn_if_shared_output();
	ret = print_key(key, len);
	m2mkx_wipe(key, sizeof(key));
	return ret;
}

static int cmd_pubkey(int argc, char **argv)
{
	u8 secret[M2MKX_X25519_LEN], pub[M2MKX_X25519_LEN];
	int ret;

	(void)argv;
	if (argc != 1) {
		usage(stderr);
		return 1;
	}
	/* No stdio buffer keeps a copy of the private key. */
	setvbuf(stdin, NULL, _IONBF, 0);
	ret = key_read(stdin, secret, sizeof(secret));
	if (ret == KEY_ERR_IO) {
		log_err("stdin: %s", strerror(errno));
		return 1;
	}
	if (ret) {
		log_err("stdin: not a base64 key of %d bytes",
			M2MKX_X25519_LEN);
		return 1;
	}
	ret = m2mkx_x25519_public(pub, secret);
	m2mkx_wipe(secret, sizeof(secret));
	if (ret) {
		log_err("unusable private key");
		return 1;
	}
	return print_key(pub, sizeof(pub));
}

static int parse_number(const char *name, const char *s, unsigned long min,
			unsigned long max, unsigned int *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end || errno || v < min || v > max) {
		log_err("--%s: expected %lu..%lu", name, min, max);
		return -1;
	}
	*out = (unsigned int)v;
	return 0;
}

static int cmd_gencert(int argc, char **argv)
{
	static const struct option options[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "cert", required_argument, NULL, 'c' },
		{ "cn", required_argument, NULL, 'n' },
		{ "days", required_argument, NULL, 'd' },
		{ "bits", required_argument, NULL, 'b' },
		{ "der", no_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 }
	};
	const char *key_path = NULL, *cert_path = NULL, *cn = NULL;
	unsigned int days = GENCERT_DEFAULT_DAYS, bits = GENCERT_DEFAULT_BITS;
	enum m2mkx_cert_format format = M2MKX_CERT_PEM;
	struct m2mkx_signer signer;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case 'k':
			key_path = optarg;
			break;
		case 'c':
			cert_path = optarg;
			break;
		case 'n':
			cn = optarg;
			break;
		case 'd':
			if (parse_number("days", optarg, 1, 36500, &days))
				return 1;
			break;
		case 'b':
			if (parse_number("bits", optarg, M2MKX_RSA_MIN_BITS,
					 M2MKX_RSA_MAX_BITS, &bits))
				return 1;
			break;
		case 'D':
			format = M2MKX_CERT_DER;
			break;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind != argc || !key_path || !cert_path || !cn || !*cn) {
		usage(stderr);
		return 1;
	}
	/* Before the slow key generation: the one error we can foresee. */
	if (!access(key_path, F_OK)) {
		log_err("%s: %s", key_path, strerror(EEXIST));
		return 1;
	}
	ret = m2mkx_signer_generate(&signer, bits);
	if (ret) {
		log_err("RSA-%u key generation failed", bits);
		return 1;
	}
	ret = m2mkx_signer_write_key(&signer, key_path);
	if (ret) {
		log_err("%s: %s", key_path, ret == -M2MKX_EINVAL ?
			strerror(errno) : "cannot write the key");
		goto out;
	}
	ret = m2mkx_signer_write_cert(&signer, cert_path, cn, days, format);
	if (ret)
		log_err("%s: %s", cert_path, ret == -M2MKX_EINVAL ?
			strerror(errno) : "cannot write the certificate");
out:
	m2mkx_signer_free(&signer);
	return ret ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(int argc, char **argv);
	} commands[] = {
		{ "genkey", cmd_genkey },
		{ "pubkey", cmd_pubkey },
		{ "gencert", cmd_gencert },
		{ "show", cmd_show },
		{ "set", cmd_set },
		{ "neighbor", cmd_neighbor },
		{ "server", cmd_server },
		{ "monitor", cmd_monitor },
		{ "trust", cmd_trust },
	};
	unsigned int i;

	if (argc < 2) {
		usage(stderr);
		return 1;
	}
	if (is_help(argv[1])) {
		usage(stdout);
		return 0;
	}
	for (i = 0; i < M2MKX_ARRAY_SIZE(commands); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	return fail("unknown command '%s' (see %s help)", argv[1],
		    program_invocation_short_name);
}
