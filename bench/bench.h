/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The benchmark's shared plumbing: a timer, a repeat-and-take-the-median
 * runner, and one place where every figure goes, so the table on stdout
 * and the JSON lines on disk can never disagree.
 */
#ifndef M2MKX_BENCH_H
#define M2MKX_BENCH_H

#include <stdbool.h>
#include <stdint.h>

#include <m2mkx/types.h>

struct bench_opts {
	/* Minimum length of one timed run of a primitive. */
	double run_ms;
	/* Timed runs per primitive; the median is reported. */
	unsigned int runs;
	/* Wall time spent on handshakes per proxy count. */
	double hs_ms;
};

extern struct bench_opts bench_opts;

/* CLOCK_MONOTONIC in nanoseconds. */
u64 bench_now_ns(void);

/* Runs @iters iterations of one primitive on the inputs at @arg. */
typedef void (*bench_loop)(void *arg, u64 iters);

/*
 * Calibrates an iteration count that lasts bench_opts.run_ms (at least
 * @min_iters), runs it bench_opts.runs times and returns the median cost
 * of one iteration in ns.
 */
double bench_median_ns(bench_loop fn, void *arg, u64 min_iters);

/* Starts a section of the table. */
void bench_section(const char *title);

/*
 * Records a figure for the JSON lines and for later lookup; the table
 * shows it as a row when @note is not NULL ("" for a row without note).
 */
void bench_emit(const char *name, double value, const char *unit,
		const char *note);

/* A figure recorded earlier; aborts when there is none (a bench bug). */
double bench_value(const char *name);

/* Dies with a message: a figure computed from a failed step is a lie. */
void bench_die(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

/* Value formatting shared by every table. */
const char *bench_fmt(char *buf, size_t len, double v);

/*
 * 802.15.4 frames for a datagram of @len bytes: 127-byte frames with
 * 11 bytes of MAC header and FCS leave 116 for the payload (6LoWPAN
 * fragmentation beyond that).
 */
#define BENCH_FRAME_PAYLOAD 116
static inline unsigned int bench_frames(size_t len)
{
	return (unsigned int)((len + BENCH_FRAME_PAYLOAD - 1) /
			      BENCH_FRAME_PAYLOAD);
}

/* A's work in one handshake, what the energy model prices. */
struct bench_client_run {
	unsigned int n, m;
	bool bundled;
	u32 aes_blocks, sha256_blocks, rng_bytes;
	u64 tx_bytes, rx_bytes;
	unsigned int tx_frames, rx_frames;
};

/* The energy at A per handshake against the alternatives (energy.c). */
void bench_energy(const struct bench_client_run *runs, unsigned int count);

/* The three parts of the benchmark, in the order main() runs them. */
void bench_primitives(void);
void bench_server(void);
void bench_client(void);

/* For the summary line. */
struct bench_summary {
	unsigned int primitives;
	double hs_per_s[4];		/* server, n = 3, 5, 8, 16 */
	double overhead[4];
	unsigned int anomalies;		/* handshakes excluded */
	bool client_xcheck_ok;
	unsigned int client_runs;
};

extern struct bench_summary bench_summary;

#endif /* M2MKX_BENCH_H */
