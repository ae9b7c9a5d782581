/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Diagnostics of the userspace programs: one line on stderr, starting with
 * the program's name, as err(3) and wg(8) do. Standard output is kept for
 * what scripts read (keys, events, counters).
 */
#ifndef M2MKX_COMMON_LOG_H
#define M2MKX_COMMON_LOG_H

#include <stdbool.h>

/* -v on the command line: report every dropped datagram. */
void log_set_verbose(bool verbose);
bool log_verbose(void);

__attribute__((format(printf, 1, 2)))
void log_err(const char *fmt, ...);

/* Only when verbose. */
__attribute__((format(printf, 1, 2)))
void log_debug(const char *fmt, ...);

#endif /* M2MKX_COMMON_LOG_H */
