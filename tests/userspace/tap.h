/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * A minimal TAP 13 producer for the userspace tests, read by prove(1).
 *
 * Each test program calls tap_plan() (or tap_done() at the end with no
 * plan), then one check per assertion. Failures print the expected and
 * actual values as TAP diagnostics. The exit status is non-zero when any
 * check failed, so a crash or a failed check both fail the file.
 */
#ifndef M2MKX_TEST_TAP_H
#define M2MKX_TEST_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tap_state {
	unsigned int run;
	unsigned int failed;
};

static struct tap_state tap;

static inline void tap_plan(unsigned int n)
{
	printf("TAP version 13\n1..%u\n", n);
	fflush(stdout);
}

static inline int tap_vok(int cond, const char *fmt, va_list ap)
{
	tap.run++;
	if (!cond)
		tap.failed++;
	printf("%sok %u - ", cond ? "" : "not ", tap.run);
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
	return cond;
}

__attribute__((format(printf, 2, 3)))
static inline int tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = tap_vok(cond, fmt, ap);
	va_end(ap);
	return ret;
}

__attribute__((format(printf, 3, 4)))
static inline int tap_is_int(long long got, long long want, const char *fmt,
			     ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = tap_vok(got == want, fmt, ap);
	va_end(ap);
	if (!ret)
		printf("#   got: %lld\n#  want: %lld\n", got, want);
	return ret;
}

static inline void tap_hex(const char *label, const void *p, size_t len)
{
	const unsigned char *b = p;
	size_t i;

	printf("# %6s: ", label);
	for (i = 0; i < len; i++)
		printf("%02x", b[i]);
	printf("\n");
}

__attribute__((format(printf, 4, 5)))
static inline int tap_is_mem(const void *got, const void *want, size_t len,
			     const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = tap_vok(memcmp(got, want, len) == 0, fmt, ap);
	va_end(ap);
	if (!ret) {
		tap_hex("got", got, len);
		tap_hex("want", want, len);
	}
	return ret;
}

static inline void tap_diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("# ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
}

/* Ends a run without a plan up front; returns the exit status. */
static inline int tap_done(void)
{
	printf("1..%u\n", tap.run);
	return tap.failed ? 1 : 0;
}

/* Ends a run that declared its plan; returns the exit status. */
static inline int tap_exit(void)
{
	return tap.failed ? 1 : 0;
}

/* Parses a hex string into @out; returns the number of bytes or -1. */
static inline long tap_unhex(const char *hex, unsigned char *out, size_t cap)
{
	size_t n = 0;

	while (*hex) {
		unsigned int v;

		if (hex[0] == ' ' || hex[0] == '\n') {
			hex++;
			continue;
		}
		if (!hex[1] || n == cap || sscanf(hex, "%2x", &v) != 1)
			return -1;
		out[n++] = (unsigned char)v;
		hex += 2;
	}
	return (long)n;
}

#endif /* M2MKX_TEST_TAP_H */
