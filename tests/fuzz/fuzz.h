/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * What the fuzz targets share (tests/fuzz/README).
 *
 * Each target is a libFuzzer entry point, LLVMFuzzerTestOneInput(), built
 * twice: with clang's libFuzzer for make fuzz, and with replay.c's main()
 * under the sanitizers of make check, which runs every seed and every
 * regression input through it.
 *
 * The role targets (server, proxy, client, issuer: roles.c built with
 * FUZZ_NODE NODE_B, NODE_P0, NODE_A, NODE_T) feed datagrams to one
 * role of the tests' in-process world (tests/userspace/world.h) in states
 * it really reaches: the world runs honest handshakes once, and the state
 * of the role after each datagram it received is kept as a snapshot. An
 * input picks a snapshot and then says what happens next:
 *
 *   snapshot(1) | step...
 *   step: op(1), then for a datagram len(2, big-endian) | bytes(len)
 *   op < 0x80: a datagram, from the node FUZZ_FROM[op % FUZZ_FROMS]
 *   op >= 0x80: the clock moves (op & 0x7f) * 16 ms, the role's timers run
 *
 * Nothing else in the world moves: what the role sends is discarded.
 */
#ifndef M2MKX_TEST_FUZZ_H
#define M2MKX_TEST_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "tests/userspace/world.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef void (*fuzz_emit)(const uint8_t *input, size_t len, void *arg);

/*
 * Each target's seed inputs, from the honest handshakes of the tests'
 * world, handed to @emit one by one (replay --seeds DIR writes them).
 * Called after LLVMFuzzerInitialize().
 */
void fuzz_seeds(fuzz_emit emit, void *arg);

/*
 * The seeds a capture of the e2e suite makes (a file of tests/fuzz/captures/,
 * as make fuzz-captures wrote it: a UDP datagram, or for fuzz_genl a
 * netlink frame the module sent): the target's inputs carrying it, to
 * @emit. Keys there are not the world's: a role meets a datagram as it
 * would a stranger's.
 */
void fuzz_capture_seeds(const uint8_t *dgram, size_t len, fuzz_emit emit,
			void *arg);

#define FUZZ_TIMER_OP 0x80
#define FUZZ_TIMER_STEP_MS 16

/* The honest handshakes the role targets' states and the seeds come from. */
extern const struct m2mkx_params fuzz_honest_params[];
extern const unsigned int fuzz_honest_count;

/*
 * Runs honest handshake @i in @w (world_init()ed here, to be
 * world_free()d by the caller) with @hook seeing every datagram before it
 * is delivered; aborts unless A and B complete.
 */
void fuzz_honest_run(unsigned int i, struct world *w, world_hook hook,
		     void *hook_data);

#endif /* M2MKX_TEST_FUZZ_H */
