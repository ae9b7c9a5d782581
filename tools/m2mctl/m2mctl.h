/* SPDX-License-Identifier: GPL-2.0 */
/*
 * m2mctl's commands, one file each group: keys and certificates
 * (m2mctl.c), show (show.c), set, neighbor and server (set.c), monitor
 * (monitor.c), trust (trust.c); and the helpers they share.
 *
 * Every error is one line on stderr naming the argument at fault, and
 * exit status 1.
 */
#ifndef M2MKX_M2MCTL_H
#define M2MKX_M2MCTL_H

#include <stdio.h>

#include <m2mkx/types.h>

#include "common/genl.h"

void usage(FILE *f);

int cmd_show(int argc, char **argv);
int cmd_set(int argc, char **argv);
int cmd_neighbor(int argc, char **argv);
int cmd_server(int argc, char **argv);
int cmd_monitor(int argc, char **argv);
int cmd_trust(int argc, char **argv);

/* "-h", "--help" or "help": the caller prints the usage and exits 0. */
bool is_help(const char *arg);

/* Prints one error line; returns 1, the exit status. */
__attribute__((format(printf, 1, 2)))
int fail(const char *fmt, ...);

/*
 * A node id in hex (16 digits) for argument @what; prints the error and
 * returns -1 when it is not one.
 */
int parse_id(const char *what, const char *s, u8 id[8]);

/* A decimal in @min..@max for argument @what; prints the error, -1. */
int parse_uint(const char *what, const char *s, unsigned long min,
	       unsigned long max, unsigned long *out);

/*
 * A base64 key of @len bytes from the file @path, or stdin for "-",
 * for argument @what; prints the error and returns -1.
 */
int read_key(const char *what, const char *path, u8 *key, size_t len);

/* @s as a JSON string, quoted and escaped, on stdout. */
void json_str(const char *s);

/*
 * Prints the kernel's refusal of a request as one line: "@what: reason",
 * the reason being the kernel's extack message when it gave one. 1.
 */
int kernel_fail(const struct genl_sock *g, int err, const char *what);

#endif /* M2MKX_M2MCTL_H */
