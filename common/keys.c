// SPDX-License-Identifier: GPL-2.0
/*
 * Base64 and hex codecs, and key files.
 *
 * The base64 digit arithmetic is WireGuard's (wireguard-tools encoding.c):
 * every character goes through the same instructions whatever its value,
 * so the time a key takes to decode says nothing about the key.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include <m2mkx/bytes.h>

#include "common/keys.h"

static char b64_digit(int v)
{
	return (char)(v + 'A' + (((25 - v) >> 8) & 6) -
		      (((51 - v) >> 8) & 75) - (((61 - v) >> 8) & 15) +
		      (((62 - v) >> 8) & 3));
}

/* The value of base64 digit @c, or -1; each term is zero out of its range. */
static int b64_value(int c)
{
	return -1 +
	       (((('A' - 1 - c) & (c - ('Z' + 1))) >> 8) & (c - 64)) +
	       (((('a' - 1 - c) & (c - ('z' + 1))) >> 8) & (c - 70)) +
	       (((('0' - 1 - c) & (c - ('9' + 1))) >> 8) & (c + 5)) +
	       (((('+' - 1 - c) & (c - ('+' + 1))) >> 8) & 63) +
	       (((('/' - 1 - c) & (c - ('/' + 1))) >> 8) & 64);
}

void b64_encode(char *out, const u8 *in, size_t len)
{
	size_t i, o = 0;

	for (i = 0; i < len; i += 3) {
		u32 v = (u32)in[i] << 16;
		size_t left = len - i;

		if (left > 1)
			v |= (u32)in[i + 1] << 8;
		if (left > 2)
			v |= in[i + 2];
		out[o++] = b64_digit((int)(v >> 18) & 63);
		out[o++] = b64_digit((int)(v >> 12) & 63);
		out[o++] = left > 1 ? b64_digit((int)(v >> 6) & 63) : '=';
		out[o++] = left > 2 ? b64_digit((int)v & 63) : '=';
	}
	out[o] = '\0';
}

int b64_decode(u8 *out, size_t len, const char *in)
{
	size_t groups = (len + 2) / 3, g, o = 0;
	/* Trailing '=' in the last group: 0, 1 or 2. */
	size_t pad = groups * 3 - len;
	int bad = 0;

	if (strlen(in) != B64_LEN(len))
		return -1;
	for (g = 0; g < groups; g++) {
		const char *s = in + 4 * g;
		size_t real = g + 1 < groups ? 4 : 4 - pad;
		u32 v = 0;
		size_t j;

		for (j = 0; j < 4; j++) {
			int d;

			if (j < real) {
				d = b64_value((unsigned char)s[j]);
				/* A negative digit sets the sign bit of bad. */
				bad |= d;
			} else {
				d = 0;
				bad |= s[j] == '=' ? 0 : -1;
			}
			v = v << 6 | (u32)(d & 63);
		}
		/* Canonical text: the bits padding leaves over are zero. */
		if (real == 3)
			bad |= (v & 0xff) ? -1 : 0;
		else if (real == 2)
			bad |= (v & 0xffff) ? -1 : 0;
		out[o++] = (u8)(v >> 16);
		if (o < len)
			out[o++] = (u8)(v >> 8);
		if (o < len)
			out[o++] = (u8)v;
	}
	if (bad < 0) {
		m2mkx_wipe(out, len);
		return -1;
	}
	return 0;
}

void hex_encode(char *out, const u8 *in, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int hex_decode(u8 *out, size_t len, const char *in)
{
	size_t i;

	if (strlen(in) != 2 * len)
		return -1;
	for (i = 0; i < len; i++) {
		int hi = hex_value(in[2 * i]), lo = hex_value(in[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (u8)(hi << 4 | lo);
	}
	return 0;
}

int key_read(FILE *f, u8 *key, size_t len)
{
	/* Room for the longest key, white space, and one byte to see excess. */
	char text[B64_LEN(KEY_MAX_LEN) + 64];
	size_t n, start = 0, end;
	int ret = 0;

	if (len > KEY_MAX_LEN)
		return KEY_ERR_FORMAT;
	n = fread(text, 1, sizeof(text) - 1, f);
	if (ferror(f)) {
		ret = KEY_ERR_IO;
		goto out;
	}
	if (n == sizeof(text) - 1) {
		ret = KEY_ERR_FORMAT;
		goto out;
	}
	text[n] = '\0';
	while (start < n && isspace((unsigned char)text[start]))
		start++;
	end = n;
	while (end > start && isspace((unsigned char)text[end - 1]))
		text[--end] = '\0';
	if (b64_decode(key, len, text + start))
		ret = KEY_ERR_FORMAT;
out:
	m2mkx_wipe(text, sizeof(text));
	return ret;
}

int key_read_file(const char *path, u8 *key, size_t len)
{
	FILE *f = fopen(path, "re");
	int ret, saved;

	if (!f)
		return KEY_ERR_IO;
	/* Unbuffered: no copy of the key left behind in a stdio buffer. */
	setvbuf(f, NULL, _IONBF, 0);
	ret = key_read(f, key, len);
	saved = errno;
	fclose(f);
	errno = saved;
	return ret;
}
