// SPDX-License-Identifier: GPL-2.0
/*
 * Diagnostics on stderr, prefixed with the program's name.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "common/log.h"

/*
 * Set once from the command line and read from every layer: passing it
 * down through the core's callbacks would only add noise to each of them.
 */
static bool verbose;

void log_set_verbose(bool v)
{
	verbose = v;
}

bool log_verbose(void)
{
	return verbose;
}

static void vlog(const char *fmt, va_list ap)
{
	/* glibc sets the name from argv[0]: no copy of it to keep here. */
	fprintf(stderr, "%s: ", program_invocation_short_name);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void log_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}
