// SPDX-License-Identifier: GPL-2.0
/*
 * m2mkx-json: a strict JSON checker for the tests, where no python3 or jq
 * is at hand (the e2e guest). Not a test itself and not installed.
 *
 *   m2mkx-json [PATH...] < FILE
 *
 * Reads one JSON text (RFC 8259) on stdin; anything else, or anything
 * after it but white space, is an error: one line naming the byte
 * offset, exit 1. Then prints, one a line, the value each PATH leads to:
 * PATH is member names and array indexes joined by '.', e.g.
 * "instance.max_proxies" or "peers.0.id"; a last component '#' gives the
 * number of members or elements. Strings print without their quotes
 * (as written, escapes included), other values as written. A PATH that
 * leads nowhere is an error too, exit 2.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_INPUT (1u << 24)
#define MAX_DEPTH 64

struct json {
	const char *s;
	size_t n, i;
	const char *err;
};

static void ws(struct json *j)
{
	while (j->i < j->n && strchr(" \t\r\n", j->s[j->i]))
		j->i++;
}

static bool fail(struct json *j, const char *why)
{
	if (!j->err)
		j->err = why;
	return false;
}

static bool lit(struct json *j, const char *word)
{
	size_t len = strlen(word);

	if (j->n - j->i < len || memcmp(j->s + j->i, word, len))
		return fail(j, "unknown literal");
	j->i += len;
	return true;
}

static bool hex4(struct json *j)
{
	unsigned int k;

	for (k = 0; k < 4; k++, j->i++)
		if (j->i >= j->n || !strchr("0123456789abcdefABCDEF",
					    j->s[j->i]) || !j->s[j->i])
			return fail(j, "bad \\u escape");
	return true;
}

static bool string(struct json *j)
{
	if (j->i >= j->n || j->s[j->i] != '"')
		return fail(j, "expected a string");
	for (j->i++; j->i < j->n; j->i++) {
		unsigned char c = (unsigned char)j->s[j->i];

		if (c == '"') {
			j->i++;
			return true;
		}
		if (c < 0x20)
			return fail(j, "control character in a string");
		if (c != '\\')
			continue;
		if (++j->i >= j->n)
			break;
		c = (unsigned char)j->s[j->i];
		if (c == 'u') {
			j->i++;
			if (!hex4(j))
				return false;
			j->i--;
		} else if (!strchr("\"\\/bfnrt", c) || !c) {
			return fail(j, "bad escape in a string");
		}
	}
	return fail(j, "unterminated string");
}

static bool digits(struct json *j)
{
	size_t start = j->i;

	while (j->i < j->n && j->s[j->i] >= '0' && j->s[j->i] <= '9')
		j->i++;
	return j->i > start || fail(j, "expected a digit");
}

static bool number(struct json *j)
{
	if (j->i < j->n && j->s[j->i] == '-')
		j->i++;
	if (j->i < j->n && j->s[j->i] == '0')
		j->i++;
	else if (!digits(j))
		return false;
	if (j->i < j->n && j->s[j->i] == '.') {
		j->i++;
		if (!digits(j))
			return false;
	}
	if (j->i < j->n && (j->s[j->i] == 'e' || j->s[j->i] == 'E')) {
		j->i++;
		if (j->i < j->n && (j->s[j->i] == '+' || j->s[j->i] == '-'))
			j->i++;
		if (!digits(j))
			return false;
	}
	return true;
}

static bool value(struct json *j, int depth);

/* An object or array; @close is '}' or ']'. */
static bool container(struct json *j, int depth, char close)
{
	j->i++;
	ws(j);
	if (j->i < j->n && j->s[j->i] == close) {
		j->i++;
		return true;
	}
	for (;;) {
		if (close == '}') {
			if (!string(j))
				return false;
			ws(j);
			if (j->i >= j->n || j->s[j->i] != ':')
				return fail(j, "expected ':'");
			j->i++;
		}
		if (!value(j, depth + 1))
			return false;
		ws(j);
		if (j->i < j->n && j->s[j->i] == ',') {
			j->i++;
			ws(j);
			continue;
		}
		if (j->i < j->n && j->s[j->i] == close) {
			j->i++;
			return true;
		}
		return fail(j, close == '}' ? "expected ',' or '}'" :
					      "expected ',' or ']'");
	}
}

static bool value(struct json *j, int depth)
{
	if (depth > MAX_DEPTH)
		return fail(j, "nested too deep");
	ws(j);
	if (j->i >= j->n)
		return fail(j, "expected a value");
	switch (j->s[j->i]) {
	case '{':
		return container(j, depth, '}');
	case '[':
		return container(j, depth, ']');
	case '"':
		return string(j);
	case 't':
		return lit(j, "true");
	case 'f':
		return lit(j, "false");
	case 'n':
		return lit(j, "null");
	default:
		return number(j);
	}
}

/*
 * Follows @path from the value at j->i (the text is valid); prints what
 * it leads to. False when it leads nowhere.
 */
static bool query(struct json *j, const char *path)
{
	const char *dot = strchr(path, '.');
	size_t len = dot ? (size_t)(dot - path) : strlen(path);
	bool last = !dot, object;
	unsigned long want = 0, count = 0;
	size_t start;
	char *end;

	ws(j);
	if (!*path) {
		start = j->i;
		value(j, 0);
		if (j->s[start] == '"')
			printf("%.*s\n", (int)(j->i - start - 2), j->s + start + 1);
		else
			printf("%.*s\n", (int)(j->i - start), j->s + start);
		return true;
	}
	if (j->s[j->i] != '{' && j->s[j->i] != '[')
		return false;
	object = j->s[j->i] == '{';
	if (!object && !(len == 1 && *path == '#')) {
		errno = 0;
		want = strtoul(path, &end, 10);
		if (end != path + len || errno || *path < '0' || *path > '9')
			return false;
	}
	j->i++;
	ws(j);
	while (j->s[j->i] != '}' && j->s[j->i] != ']') {
		bool match;

		if (object) {
			start = j->i;
			string(j);
			match = j->i - start - 2 == len &&
				!memcmp(j->s + start + 1, path, len);
			ws(j);
			j->i++;		/* ':' */
		} else {
			match = count == want && *path != '#';
		}
		if (match)
			return query(j, last ? "" : dot + 1);
		value(j, 0);
		count++;
		ws(j);
		if (j->s[j->i] == ',') {
			j->i++;
			ws(j);
		}
	}
	if (len == 1 && *path == '#' && last) {
		printf("%lu\n", count);
		return true;
	}
	return false;
}

int main(int argc, char **argv)
{
	struct json j = { 0 };
	char *buf;
	size_t n = 0, r;
	int a;

	buf = malloc(MAX_INPUT);
	if (!buf)
		return 1;
	while ((r = fread(buf + n, 1, MAX_INPUT - n, stdin)) > 0)
		n += r;
	if (ferror(stdin) || n == MAX_INPUT) {
		fprintf(stderr, "m2mkx-json: cannot read stdin, or it is too long\n");
		return 1;
	}
	j.s = buf;
	j.n = n;
	if (value(&j, 0)) {
		ws(&j);
		if (j.i != j.n)
			fail(&j, "trailing data after the value");
	}
	if (j.err) {
		fprintf(stderr, "m2mkx-json: byte %zu: %s\n", j.i, j.err);
		return 1;
	}
	for (a = 1; a < argc; a++) {
		j.i = 0;
		j.err = NULL;
		if (!query(&j, argv[a])) {
			fprintf(stderr, "m2mkx-json: no %s\n", argv[a]);
			return 2;
		}
	}
	free(buf);
	return 0;
}
