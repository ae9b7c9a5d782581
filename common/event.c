// SPDX-License-Identifier: GPL-2.0
/*
 * Event lines (see event.h).
 */
#include <m2mkx/bytes.h>
#include <m2mkx/errors.h>
#include <m2mkx/wire.h>

#include "common/event.h"
#include "common/keys.h"
#include "common/names.h"

static void print_hex(FILE *f, const char *label, const u8 *p, size_t len)
{
	char hex[2 * M2MKX_MK_LEN + 1];

	hex_encode(hex, p, len);
	fprintf(f, " %s=%s", label, hex);
	m2mkx_wipe(hex, sizeof(hex));
}

void event_print(FILE *f, const char *role, const struct m2mkx_event *ev,
		 bool print_mk)
{
	unsigned int q;

	fprintf(f, "event %s %s", role,
		ev->type == M2MKX_EV_COMPLETED ? "completed" :
		ev->type == M2MKX_EV_FAILED ? "failed" : "unknown");
	print_hex(f, "session", ev->session, sizeof(ev->session));
	print_hex(f, "a", ev->a, sizeof(ev->a));
	print_hex(f, "b", ev->b, sizeof(ev->b));
	if (ev->type == M2MKX_EV_FAILED)
		fprintf(f, " reason=%s", m2mkx_err_name(ev->reason));
	if (ev->mk && print_mk)
		print_hex(f, "mk", ev->mk, M2MKX_MK_LEN);
	if (ev->ids) {
		fprintf(f, " ids=");
		for (q = 0; q < ev->n; q++) {
			char hex[2 * M2MKX_PROXY_ID_LEN + 1];

			hex_encode(hex, ev->ids + q * M2MKX_PROXY_ID_LEN,
				   M2MKX_PROXY_ID_LEN);
			fprintf(f, "%s%s", q ? "," : "", hex);
		}
	}
	if (ev->verdicts) {
		fprintf(f, " verdicts=");
		for (q = 0; q < ev->n; q++)
			fprintf(f, "%s%s", q ? "," : "",
				verdict_name(ev->verdicts[q]));
	}
	fputc('\n', f);
	fflush(f);
}
