// SPDX-License-Identifier: GPL-2.0
/*
 * m2mkx-bench: what the protocol costs, measured.
 *
 *   1. every primitive through the core's backend interface (crypto.h and
 *      the core's own OTS, Merkle, sharing and KDF code), ns per call;
 *   2. the server B inside a whole in-process deployment (world.c): only
 *      the time B spends on the datagrams it receives, split by message
 *      type, against the sum of the primitives B has to run;
 *   3. the constrained client A's work counters per handshake, the input
 *      of the energy model, cross-checked against what the simulated
 *      network and the DRBG saw.
 *
 * Every figure goes to stdout as a table and, as one JSON object per
 * line, to the file named by --jsonl (truncated first).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

struct bench_opts bench_opts = {
	.run_ms = 100,
	.runs = 5,
	.hs_ms = 1500,
};

struct bench_summary bench_summary;

struct record {
	char name[96];
	double value;
};

/* Enough for every figure of one run; bench_emit() dies beyond that. */
#define MAX_RECORDS 1024

static struct record records[MAX_RECORDS];
static unsigned int nrecords;
static FILE *jsonl;

u64 bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000u + (u64)ts.tv_nsec;
}

void bench_die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("m2mkx-bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double bench_median_ns(bench_loop fn, void *arg, u64 min_iters)
{
	double target = bench_opts.run_ms * 1e6;
	double per_run[64];
	u64 iters = 1, t0, dt;
	unsigned int r;

	if (bench_opts.runs > M2MKX_ARRAY_SIZE(per_run))
		bench_die("too many runs");
	/*
	 * Calibration doubles the count until a run takes an eighth of the
	 * target: long enough that the clock's resolution does not matter,
	 * short enough not to waste the time budget. It also warms caches
	 * and lets lazy initialisation (OpenSSL's fetches) happen untimed.
	 */
	for (;;) {
		t0 = bench_now_ns();
		fn(arg, iters);
		dt = bench_now_ns() - t0;
		if ((double)dt >= target / 8 || iters >= (1ull << 40))
			break;
		iters *= 2;
	}
	iters = (u64)ceil((double)iters * target / (double)(dt ? dt : 1));
	if (iters < min_iters)
		iters = min_iters;

	for (r = 0; r < bench_opts.runs; r++) {
		t0 = bench_now_ns();
		fn(arg, iters);
		dt = bench_now_ns() - t0;
		per_run[r] = (double)dt / (double)iters;
	}
	qsort(per_run, bench_opts.runs, sizeof(per_run[0]), cmp_double);
	return per_run[bench_opts.runs / 2];
}

void bench_section(const char *title)
{
	printf("\n== %s ==\n", title);
}

const char *bench_fmt(char *buf, size_t len, double v)
{
	double a = fabs(v);

	/* About four significant digits whatever the magnitude. */
	if (a >= 1000 || (a == floor(a) && a < 1e15))
		snprintf(buf, len, "%.0f", v);
	else if (a >= 100)
		snprintf(buf, len, "%.1f", v);
	else if (a >= 10)
		snprintf(buf, len, "%.2f", v);
	else
		snprintf(buf, len, "%.3f", v);
	return buf;
}

/* Names go into JSON unescaped, so they are kept to a safe alphabet. */
static bool name_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' ||
		      *s == '-' || *s == '/'))
			return false;
	return true;
}

void bench_emit(const char *name, double value, const char *unit,
		const char *note)
{
	char num[64];

	if (!name_ok(name) || !name_ok(unit) ||
	    strlen(name) >= sizeof(records[0].name))
		bench_die("bad figure name %s", name);
	/* JSON has no NaN or infinity: such a figure is a bench bug. */
	if (!isfinite(value))
		bench_die("%s is not a finite number", name);
	if (nrecords == MAX_RECORDS)
		bench_die("too many figures");
	snprintf(records[nrecords].name, sizeof(records[0].name), "%s", name);
	records[nrecords++].value = value;

	if (value == floor(value) && fabs(value) < 1e15)
		snprintf(num, sizeof(num), "%.0f", value);
	else
		snprintf(num, sizeof(num), "%.6g", value);
	if (jsonl)
		fprintf(jsonl, "{\"name\": \"%s\", \"value\": %s, \"unit\": \"%s\"}\n",
			name, num, unit);
	if (note)
		printf("  %-44s %12s %-13s %s\n", name,
		       bench_fmt(num, sizeof(num), value), unit, note);
}

double bench_value(const char *name)
{
	unsigned int i;

	for (i = 0; i < nrecords; i++)
		if (!strcmp(records[i].name, name))
			return records[i].value;
	bench_die("no figure %s", name);
}

static void usage(FILE *f)
{
	fputs("usage: m2mkx-bench [--jsonl FILE] [--run-ms MS] [--runs N] "
	      "[--hs-ms MS]\n"
	      "  --jsonl FILE  also write each figure as a JSON line "
	      "(truncates FILE)\n"
	      "  --run-ms MS   minimum length of one timed run of a "
	      "primitive (100)\n"
	      "  --runs N      timed runs per primitive, median reported "
	      "(5)\n"
	      "  --hs-ms MS    wall time of handshakes per proxy count "
	      "(1500)\n", f);
}

static double parse_num(const char *opt, const char *s, double lo, double hi)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= lo && v <= hi))
		bench_die("%s: bad value '%s' (%g..%g)", opt, s, lo, hi);
	return v;
}

int main(int argc, char **argv)
{
	const char *jsonl_path = NULL;
	u64 t0 = bench_now_ns();
	char buf[4][32];
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		}
		if (i + 1 >= argc) {
			usage(stderr);
			return 2;
		}
		if (!strcmp(a, "--jsonl"))
			jsonl_path = argv[++i];
		else if (!strcmp(a, "--run-ms"))
			bench_opts.run_ms = parse_num(a, argv[++i], 1, 60000);
		else if (!strcmp(a, "--runs"))
			bench_opts.runs = (unsigned int)parse_num(a, argv[++i],
								  1, 63);
		else if (!strcmp(a, "--hs-ms"))
			bench_opts.hs_ms = parse_num(a, argv[++i], 0, 600000);
		else {
			usage(stderr);
			return 2;
		}
	}
	if (jsonl_path) {
		jsonl = fopen(jsonl_path, "w");
		if (!jsonl)
			bench_die("%s: %s", jsonl_path, strerror(errno));
	}

	printf("m2mkx-bench: median of %u runs of >= %g ms per primitive; "
	       "%g ms of handshakes per n\n", bench_opts.runs,
	       bench_opts.run_ms, bench_opts.hs_ms);
	bench_primitives();
	bench_server();
	bench_client();

	if (jsonl && fclose(jsonl))
		bench_die("%s: %s", jsonl_path, strerror(errno));
	printf("\nsummary: %u primitives; B %s/%s/%s/%s handshakes/s at "
	       "n=3/5/8/16 (x%.2f..x%.2f of its primitives); A counters %s "
	       "in %u handshakes; %u handshakes excluded as failed or unclean; "
	       "%u figures%s%s; %.1f s\n",
	       bench_summary.primitives,
	       bench_fmt(buf[0], sizeof(buf[0]), bench_summary.hs_per_s[0]),
	       bench_fmt(buf[1], sizeof(buf[1]), bench_summary.hs_per_s[1]),
	       bench_fmt(buf[2], sizeof(buf[2]), bench_summary.hs_per_s[2]),
	       bench_fmt(buf[3], sizeof(buf[3]), bench_summary.hs_per_s[3]),
	       fmin(fmin(bench_summary.overhead[0], bench_summary.overhead[1]),
		    fmin(bench_summary.overhead[2], bench_summary.overhead[3])),
	       fmax(fmax(bench_summary.overhead[0], bench_summary.overhead[1]),
		    fmax(bench_summary.overhead[2], bench_summary.overhead[3])),
	       bench_summary.client_xcheck_ok ? "match the network" :
						"DISAGREE with the network",
	       bench_summary.client_runs, bench_summary.anomalies, nrecords,
	       jsonl_path ? " in " : "", jsonl_path ? jsonl_path : "",
	       (double)(bench_now_ns() - t0) / 1e9);
	return 0;
}
