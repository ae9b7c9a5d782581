/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one line an event is printed as, by the agent (whichever data path
 * runs the role) and by m2mctl monitor, for operators and the tests:
 *
 *   event server completed session=.. a=.. b=.. [mk=..] ids=.. verdicts=..
 *   event proxy failed session=.. a=.. b=.. reason=timeout
 */
#ifndef M2MKX_COMMON_EVENT_H
#define M2MKX_COMMON_EVENT_H

#include <stdio.h>

#include <m2mkx/step.h>

/*
 * Prints @ev of @role ("server", "proxy", ...) on @f and flushes it, for
 * scripts that read the line while the program runs. MK only when
 * @print_mk: it is the session's secret.
 */
void event_print(FILE *f, const char *role, const struct m2mkx_event *ev,
		 bool print_mk);

#endif /* M2MKX_COMMON_EVENT_H */
