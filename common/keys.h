/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Keys and identifiers as people handle them: base64 for keys (as wg(8)
 * prints them), hex for node and session ids.
 *
 * Decoding is strict: exactly the length the caller expects, canonical
 * padding, no stray characters. Key material is decoded without
 * branches or table look-ups that depend on it.
 */
#ifndef M2MKX_COMMON_KEYS_H
#define M2MKX_COMMON_KEYS_H

#include <stdio.h>

#include <m2mkx/types.h>

/* Characters of the base64 text of @len bytes, padding included. */
#define B64_LEN(len) (((len) + 2) / 3 * 4)

/* The largest key the programs handle: an X25519 key. */
#define KEY_MAX_LEN 32

/* Writes B64_LEN(@len) characters and a NUL to @out. */
void b64_encode(char *out, const u8 *in, size_t len);

/* Decodes @in, which must be the text of exactly @len bytes. 0 or -1. */
int b64_decode(u8 *out, size_t len, const char *in);

/* Writes 2 * @len lower-case hex digits and a NUL to @out. */
void hex_encode(char *out, const u8 *in, size_t len);

/* Decodes exactly 2 * @len hex digits, either case. 0 or -1. */
int hex_decode(u8 *out, size_t len, const char *in);

enum key_read_err {
	KEY_ERR_IO = -1,	/* errno says why */
	KEY_ERR_FORMAT = -2,	/* not base64 of the expected size */
};

/*
 * Reads a base64 key of exactly @len bytes from @f, which holds nothing
 * else but white space around it (a key file, or stdin of m2mctl).
 */
int key_read(FILE *f, u8 *key, size_t len);

/* key_read() from the file at @path. */
int key_read_file(const char *path, u8 *key, size_t len);

#endif /* M2MKX_COMMON_KEYS_H */
