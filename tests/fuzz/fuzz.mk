# SPDX-License-Identifier: GPL-2.0
#
# Included by the top-level Makefile: the fuzz targets of tests/fuzz/ (its
# README says what each covers and how an input is read).
#
#   make fuzz        builds each target with clang's libFuzzer (ASan and
#                    UBSan), seeds it and runs it FUZZ_SECONDS (30) each:
#                    TAP, executions and crashes per target, then
#                    "N passed, N failed"
#   make fuzz-long   the same until each target ran FUZZ_RUNS (10^7)
#                    inputs
#   make fuzz-captures
#                    runs the e2e tests FUZZ_CAPTURE_TESTS in the VM
#                    capturing every datagram on its bridge and the
#                    netlink of B's namespace, and keeps some of each kind
#                    in tests/fuzz/captures, which the targets' seeds
#                    include (commit them)
#
# make check replays every seed and every regression input through the
# same targets built without libFuzzer (tests/fuzz/replay.c), under the
# sanitizer build of the tests.

FUZZ := $(BUILD)/fuzz
FUZZ_CC := clang
FUZZ_SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS := -O1 -fno-omit-frame-pointer $(FUZZ_SANITIZE) \
	-fsanitize=fuzzer-no-link
FUZZ_SECONDS ?= 30
FUZZ_RUNS ?= 10000000

# The roles' targets are tests/fuzz/roles.c built for one node each.
FUZZ_ROLES := server proxy client issuer
FUZZ_NODE_server := NODE_B
FUZZ_NODE_proxy := NODE_P0
FUZZ_NODE_client := NODE_A
FUZZ_NODE_issuer := NODE_T
FUZZ_TARGETS := wire $(FUZZ_ROLES) genl

# What each target links besides its own object, in object tree $(1).
fuzz_world_objs = $(call obj,$(1),$(CORE_SRCS) $(BACKEND_SRCS) \
	$(TEST_RNG_SRCS) tests/fuzz/honest.c tests/fuzz/sign_memo.c)
fuzz_genl_objs = $(call obj,$(1),$(COMMON_SRCS) $(KERNEL_IF_SRCS) \
	$(CORE_SRCS) $(BACKEND_SRCS) $(RNG_SRCS))
# T's signatures are remembered (tests/fuzz/sign_memo.c says why).
FUZZ_WORLD_LIBS := -Wl,--wrap=m2mkx_signer_sign $(LDLIBS_CRYPTO)
FUZZ_GENL_LIBS := $(LDLIBS_KERNEL) $(LDLIBS_CRYPTO)

$(FUZZ)/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(BASE_CFLAGS) $(FUZZ_CFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

# One rule per tree: a pattern rule with two targets would be taken to
# make both at once.
$(FUZZ)/tests/fuzz/roles-%.o: tests/fuzz/roles.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(BASE_CFLAGS) $(FUZZ_CFLAGS) -DFUZZ_NODE=$(FUZZ_NODE_$*) \
		$(CFLAGS) -MMD -MP -c -o $@ $<

$(SAN)/tests/fuzz/roles-%.o: tests/fuzz/roles.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(SAN_CFLAGS) -DFUZZ_NODE=$(FUZZ_NODE_$*) \
		$(CFLAGS) -MMD -MP -c -o $@ $<

# fuzz_target TREE LINK: the targets' executables in TREE/tests, linked
# by LINK (with libFuzzer's main, or replay.c's).
define fuzz_target
$(1)/tests/fuzz_wire: $(1)/tests/fuzz/fuzz_wire.o $(call fuzz_world_objs,$(1))
$(foreach r,$(FUZZ_ROLES),
$(1)/tests/fuzz_$(r): $(1)/tests/fuzz/roles-$(r).o $(call fuzz_world_objs,$(1)))
$(1)/tests/fuzz_genl: $(1)/tests/fuzz/fuzz_genl.o $(call fuzz_genl_objs,$(1))
$(addprefix $(1)/tests/fuzz_,$(FUZZ_TARGETS)):
	@mkdir -p $$(@D)
	$(2) -o $$@ $$^ $$(if $$(findstring genl,$$@),$(FUZZ_GENL_LIBS),$(FUZZ_WORLD_LIBS))
endef
$(eval $(call fuzz_target,$(FUZZ),$(FUZZ_CC) $(FUZZ_SANITIZE) -fsanitize=fuzzer))
$(eval $(call fuzz_target,$(SAN),$(CC) $(SAN_CFLAGS)))
$(addprefix $(SAN)/tests/fuzz_,$(FUZZ_TARGETS)): $(SAN)/tests/fuzz/replay.o

FUZZ_BINS := $(addprefix $(FUZZ)/tests/fuzz_,$(FUZZ_TARGETS))
FUZZ_REPLAY := $(addprefix $(SAN)/tests/fuzz_,$(FUZZ_TARGETS))

.PHONY: fuzz fuzz-run fuzz-long fuzz-long-run fuzz-captures fuzz-captures-run
fuzz: deps
	@scripts/install-deps fuzz
	@$(MAKE) --no-print-directory fuzz-run

FUZZ_RUN_ENV := FUZZ_BUILD=$(abspath $(BUILD)) \
	FUZZ_TARGETS="$(FUZZ_TARGETS)"

fuzz-run: $(FUZZ_BINS) $(FUZZ_REPLAY)
	@$(FUZZ_RUN_ENV) FUZZ_SECONDS=$(FUZZ_SECONDS) tests/run-tap tests/fuzz/run

fuzz-long: deps
	@scripts/install-deps fuzz
	@$(MAKE) --no-print-directory fuzz-long-run

fuzz-long-run: $(FUZZ_BINS) $(FUZZ_REPLAY)
	@$(FUZZ_RUN_ENV) FUZZ_RUNS=$(FUZZ_RUNS) tests/run-tap tests/fuzz/run

FUZZ_CAPTURE_TESTS ?= t_handshake.sh t_faults.sh
FUZZ_CAPTURE_DIR := $(BUILD)/e2e-capture

fuzz-captures: deps
	@scripts/install-deps vm
	@$(MAKE) --no-print-directory fuzz-captures-run

fuzz-captures-run: vm-module
	@M2MKX_E2E_DIR=$(abspath $(FUZZ_CAPTURE_DIR)) \
		M2MKX_E2E_PROGRAMS=tcpdump M2MKX_E2E_APPEND=e2e_capture=1 \
		tests/e2e/run $(FUZZ_CAPTURE_TESTS)
	@tests/fuzz/captures-from-tap $(FUZZ_CAPTURE_DIR)/tap.log \
		tests/fuzz/captures
