# SPDX-License-Identifier: GPL-2.0
#
# m2mkx top-level Makefile. The targets are the project's stable interface:
#   make            userspace programs (agent, client, m2mctl)
#   make check      userspace tests (ASan + UBSan build), TAP through prove
#   make fuzz       each libFuzzer target a while (make fuzz-long: 10^7 runs)
#   make bench      benchmarks; figures also go to build/bench.jsonl
#   make size-arm   libm2mkx-client's flash and RAM on a Cortex-M0+
#   make bench-vm   B's capacity, kernel vs userspace, in the e2e VM
#   make bench-dos  A's handshakes under a flood of B, in the e2e VM
#   make demo       a key establishment in the VM, kernel data path, the
#                   key in B's keyring, ESP between A and B (VM)
#   make demo-userspace  the four roles over loopback, userspace only
#   make vectors    regenerate tests/vectors/transcript.txt from fixed seeds
#   make module     the kernel module m2mkx.ko, against Debian's stock kernel
#   make lint       checkpatch --strict, sparse and W=1 over module and core
#   make e2e        the module on Debian's stock kernel under QEMU
#   make install    programs, man pages and the systemd unit
#   make kunit      the module's KUnit suites on a debug UML kernel
#   make e2e-debug  the e2e tests on that debug kernel (KASAN, kmemleak...)
#   make test       all of them in turn: check, fuzz, kunit, e2e, e2e-debug

CC ?= cc
BUILD ?= build
PREFIX ?= /usr/local

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wpointer-arith -Wvla
# libnl's headers for the netlink client (common/genl.c and its users).
NL_CFLAGS := $(shell pkg-config --cflags libnl-genl-3.0 2>/dev/null)
# M2MKX_CLIENT_WORK: A's work counters, which the tests and the energy
# bench read; firmware (make size-arm) builds without them.
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE -I. -Icore/include -Ilib/client/include \
	-DM2MKX_CLIENT_WORK $(NL_CFLAGS) \
	$(WARN) -g
OPT_CFLAGS := -O2 -D_FORTIFY_SOURCE=2 -fstack-protector-strong
SAN_CFLAGS := -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
LDLIBS_CRYPTO := -lcrypto
# Only the programs that talk to the module: m2mkx-agent and m2mctl.
LDLIBS_KERNEL := $(or $(shell pkg-config --libs libnl-genl-3.0 2>/dev/null),\
	-lnl-genl-3 -lnl-3) -lkeyutils

CORE_SRCS := $(sort $(wildcard core/*.c))
# A's part of the core: what libm2mkx-client links (wire.c needs the
# OTS and Merkle size helpers; the linker keeps only those).
CLIENT_CORE_SRCS := $(addprefix core/,bytes.c client.c errors.c kdf.c keys.c \
	merkle.c ots.c share.c step.c wire.c)
# libm2mkx-client (lib/client/): the node, and its bundled crypto backend.
LIBCLIENT_SRCS := lib/client/node.c lib/client/rep.c
SOFT_SRCS := $(addprefix lib/client/soft/,aes.c ccm.c counters.c sha256.c)
BACKEND_SRCS := backend/openssl.c
RNG_SRCS := backend/random_openssl.c
TEST_RNG_SRCS := tests/userspace/drbg.c tests/userspace/world.c
AGENT_SRCS := $(sort $(wildcard agent/*.c))
CLIENT_SRCS := $(sort $(wildcard client/*.c))
M2MCTL_SRCS := $(sort $(wildcard tools/m2mctl/*.c))
# Userspace helpers shared by the programs (config, keys, sockets, logs);
# the module's netlink client and keyrings only in the programs that use
# them, which link libnl and libkeyutils.
KERNEL_IF_SRCS := common/genl.c common/kernel.c common/keyring.c \
	common/trust.c
COMMON_SRCS := $(filter-out $(KERNEL_IF_SRCS),$(sort $(wildcard common/*.c)))
# test_soft_*.c link the bundled backend instead of OpenSSL's.
SOFT_TEST_SRCS := $(sort $(wildcard tests/userspace/test_soft_*.c))
TEST_SRCS := $(filter-out $(SOFT_TEST_SRCS),\
	$(sort $(wildcard tests/userspace/test_*.c)))
BENCH_SRCS := $(sort $(wildcard bench/*.c))

# Two trees of objects: optimised programs, and the sanitizer build the
# tests run under.
OPT := $(BUILD)/opt
SAN := $(BUILD)/san

obj = $(patsubst %.c,$(1)/%.o,$(2))

PROGRAMS := $(if $(AGENT_SRCS),$(OPT)/m2mkx-agent) \
	$(if $(CLIENT_SRCS),$(OPT)/m2mkx-client) \
	$(if $(M2MCTL_SRCS),$(OPT)/m2mctl)
TESTS := $(patsubst tests/userspace/%.c,$(SAN)/tests/%,$(TEST_SRCS))
SAN_PROGRAMS := $(subst $(OPT),$(SAN),$(PROGRAMS))

.PHONY: all check test deps bench demo vectors clean install
all: $(PROGRAMS)

# Every test suite in turn, ending with one "N passed, N failed" over all
# of them; the README's test command and what CI runs.
test:
	@tests/run-stages

deps:
	@scripts/install-deps

$(OPT)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(OPT_CFLAGS) $(OBJ_CFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(SAN)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(SAN_CFLAGS) $(OBJ_CFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

# Host builds of the bundled backend count its work (soft.h).
$(OPT)/lib/client/soft/%.o $(SAN)/lib/client/soft/%.o: \
	OBJ_CFLAGS := -DM2MKX_SOFT_COUNTERS

define program
$(1)/m2mkx-agent: $(call obj,$(1),$(AGENT_SRCS) $(COMMON_SRCS) $(KERNEL_IF_SRCS) $(CORE_SRCS) $(BACKEND_SRCS) $(RNG_SRCS))
$(1)/m2mkx-client: $(call obj,$(1),$(CLIENT_SRCS) $(COMMON_SRCS) $(CLIENT_CORE_SRCS) $(LIBCLIENT_SRCS) $(SOFT_SRCS))
$(1)/m2mctl: $(call obj,$(1),$(M2MCTL_SRCS) $(COMMON_SRCS) $(KERNEL_IF_SRCS) $(CORE_SRCS) $(BACKEND_SRCS) $(RNG_SRCS))
$(1)/m2mkx-agent $(1)/m2mctl: LDLIBS_PROGRAM := $(LDLIBS_KERNEL)
endef
$(eval $(call program,$(OPT)))
$(eval $(call program,$(SAN)))

$(addprefix $(OPT)/,m2mkx-agent m2mctl):
	$(CC) $(OPT_CFLAGS) -o $@ $^ $(LDLIBS_PROGRAM) $(LDLIBS_CRYPTO)

$(addprefix $(SAN)/,m2mkx-agent m2mctl):
	$(CC) $(SAN_CFLAGS) -o $@ $^ $(LDLIBS_PROGRAM) $(LDLIBS_CRYPTO)

# A on Linux is libm2mkx-client with its bundled backend: no OpenSSL.
$(OPT)/m2mkx-client:
	$(CC) $(OPT_CFLAGS) -o $@ $^

$(SAN)/m2mkx-client:
	$(CC) $(SAN_CFLAGS) -o $@ $^

TEST_LIB_OBJS := $(call obj,$(SAN),$(CORE_SRCS) $(BACKEND_SRCS) $(TEST_RNG_SRCS) \
	$(COMMON_SRCS) $(LIBCLIENT_SRCS))
$(SAN)/tests/%: $(SAN)/tests/userspace/%.o $(TEST_LIB_OBJS)
	@mkdir -p $(@D)
	$(CC) $(SAN_CFLAGS) -o $@ $^ $(TEST_LDLIBS) $(LDLIBS_CRYPTO)

# The session key test adds keys to a keyring of its own.
$(SAN)/tests/test_sessionkey: $(SAN)/common/keyring.o
$(SAN)/tests/test_sessionkey: TEST_LDLIBS := -lkeyutils

# The bundled backend's tests, and A's own tests run again on it: A's
# core and libm2mkx-client with no OpenSSL primitive underneath (the test
# DRBG still hashes with libcrypto, by design: drbg.c).
SOFT_TESTS := $(patsubst tests/userspace/%.c,$(SAN)/tests/%,$(SOFT_TEST_SRCS)) \
	$(SAN)/tests/test_soft_client
SOFT_LIB_OBJS := $(call obj,$(SAN),$(CLIENT_CORE_SRCS) $(LIBCLIENT_SRCS) \
	$(SOFT_SRCS) tests/userspace/drbg.c)
$(SAN)/tests/test_soft_%: $(SAN)/tests/userspace/test_soft_%.o $(SOFT_LIB_OBJS)
	@mkdir -p $(@D)
	$(CC) $(SAN_CFLAGS) -o $@ $^ $(LDLIBS_CRYPTO)
# Its own scripted m2mkx_random() replaces the DRBG.
$(SAN)/tests/test_soft_node: $(SAN)/tests/userspace/test_soft_node.o \
		$(filter-out %/drbg.o,$(SOFT_LIB_OBJS))
	@mkdir -p $(@D)
	$(CC) $(SAN_CFLAGS) -o $@ $^
$(SAN)/tests/test_soft_client: $(SAN)/tests/userspace/test_client.o \
		$(SOFT_LIB_OBJS)
	@mkdir -p $(@D)
	$(CC) $(SAN_CFLAGS) -o $@ $^ $(LDLIBS_CRYPTO)

# Programs the tests start but prove does not run (tests/userspace/m2mkx-*.c,
# the loopback test's network attacker). Linked like the agents, with
# OpenSSL's random source rather than the test DRBG: they run among real
# processes, not in the tests' deterministic world.
TOOL_SRCS := $(sort $(wildcard tests/userspace/m2mkx-*.c))
TEST_TOOLS := $(patsubst tests/userspace/%.c,$(SAN)/tests/%,$(TOOL_SRCS))
$(TEST_TOOLS): $(SAN)/tests/%: $(SAN)/tests/userspace/%.o \
		$(call obj,$(SAN),$(COMMON_SRCS) $(CORE_SRCS) $(BACKEND_SRCS) $(RNG_SRCS))
	@mkdir -p $(@D)
	$(CC) $(SAN_CFLAGS) -o $@ $^ $(LDLIBS_CRYPTO)

# make fuzz; make check replays what the fuzz targets keep (FUZZ_REPLAY).
include tests/fuzz/fuzz.mk

check: deps
	@$(MAKE) --no-print-directory check-run

CHECK_RUN_ENV := M2MKX_BIN=$(abspath $(SAN)) M2MKX_TESTS=$(abspath $(SAN)/tests)
CHECK_SCRIPTS := $(sort $(wildcard tests/userspace/t_*.sh))
E2E_SCRIPTS := $(sort $(wildcard tests/e2e/t_*.sh))

.PHONY: check-run
check-run: $(TESTS) $(SOFT_TESTS) $(SAN_PROGRAMS) $(TEST_TOOLS) $(FUZZ_REPLAY)
	@$(CHECK_RUN_ENV) tests/run-tap $(TESTS) $(SOFT_TESTS) $(CHECK_SCRIPTS)


# The bench runs whole handshakes in the tests' in-process world, which
# seeds the test DRBG: it links drbg.c and world.c instead of the OpenSSL
# random source. -lm for the statistics.
BENCH_BIN := $(OPT)/m2mkx-bench
$(BENCH_BIN): $(call obj,$(OPT),$(BENCH_SRCS) $(CORE_SRCS) $(BACKEND_SRCS) $(TEST_RNG_SRCS))
	$(CC) $(OPT_CFLAGS) -o $@ $^ $(LDLIBS_CRYPTO) -lm

# make bench also runs the in-VM parts (bench-vm, bench-dos) unless
# BENCH_VM=no.
bench: deps
	@$(MAKE) --no-print-directory bench-run
ifneq ($(BENCH_VM),no)
	@$(MAKE) --no-print-directory bench-vm
	@$(MAKE) --no-print-directory bench-dos
endif

.PHONY: bench-run
bench-run: $(BENCH_BIN)
	@mkdir -p $(BUILD)
	$(BENCH_BIN) --jsonl $(BUILD)/bench.jsonl
	@scripts/size-arm --build $(BUILD) --jsonl $(BUILD)/bench.jsonl

# make size-arm (also part of make bench): libm2mkx-client built for a
# Cortex-M0+ with Debian's arm-none-eabi-gcc; prints its flash and RAM.
.PHONY: size-arm
size-arm: deps
	@scripts/size-arm --build $(BUILD)

# make demo: the README's first command. The key establishment in the e2e
# VM through the kernel data path, the session key in B's keyring and ESP
# between A and B (scripts/demo); make demo-userspace: the four roles over
# loopback, userspace only, no VM.
demo: deps
	@scripts/install-deps vm
	@$(MAKE) --no-print-directory demo-run

.PHONY: demo-run demo-userspace
demo-run: $(PROGRAMS)
	@echo "==> building m2mkx.ko for the VM's kernel"
	@KVER=$$(tests/e2e/vm-kernel --release) && \
		$(MAKE) --no-print-directory module KVER=$$KVER KDIR= >$(BUILD)/demo-module.log 2>&1 || \
		{ cat $(BUILD)/demo-module.log; exit 1; }
	@scripts/demo

demo-userspace: deps $(PROGRAMS)
	@M2MKX_BIN=$(abspath $(OPT)) scripts/demo-userspace

vectors: $(SAN)/tests/test_transcript
	$(SAN)/tests/test_transcript --generate tests/vectors/transcript.txt

# make install [PREFIX=/usr/local] [DESTDIR=]: m2mkx-agent and m2mctl in
# sbin, m2mkx-client in bin; the man pages, rendered by rst2man
# (python3-docutils), in share/man; the systemd unit m2mkx-agent@.service
# in lib/systemd/system. INSTALL_FROM installs programs built elsewhere
# (the install test takes the sanitizer build it has).
INSTALL_FROM ?= $(OPT)
SBINDIR = $(PREFIX)/sbin
BINDIR = $(PREFIX)/bin
MANDIR = $(PREFIX)/share/man
UNITDIR = $(PREFIX)/lib/systemd/system
MAN_PAGES := Documentation/m2mkx.conf.rst:5 Documentation/m2mkx-agent.rst:8 \
	Documentation/m2mctl.rst:8

install: $(addprefix $(INSTALL_FROM)/,m2mkx-agent m2mctl m2mkx-client)
	@mkdir -p $(BUILD)
	@command -v rst2man >/dev/null || \
		{ echo "install: rst2man not found (apt-get install python3-docutils)" >&2; exit 1; }
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(UNITDIR)
	install -m 0755 $(INSTALL_FROM)/m2mkx-agent $(INSTALL_FROM)/m2mctl \
		$(DESTDIR)$(SBINDIR)/
	install -m 0755 $(INSTALL_FROM)/m2mkx-client $(DESTDIR)$(BINDIR)/
	@set -e; for page in $(MAN_PAGES); do \
		src=$${page%:*}; sec=$${page#*:}; \
		name=$$(basename "$$src" .rst); \
		echo "rst2man $$src > $(DESTDIR)$(MANDIR)/man$$sec/$$name.$$sec"; \
		rst2man --halt=warning "$$src" > "$(BUILD)/$$name.$$sec.tmp"; \
		install -m 0644 "$(BUILD)/$$name.$$sec.tmp" \
			"$(DESTDIR)$(MANDIR)/man$$sec/$$name.$$sec"; \
		rm -f "$(BUILD)/$$name.$$sec.tmp"; \
	done
	sed 's|@SBINDIR@|$(SBINDIR)|g' systemd/m2mkx-agent@.service.in \
		> $(BUILD)/m2mkx-agent@.service
	install -m 0644 $(BUILD)/m2mkx-agent@.service $(DESTDIR)$(UNITDIR)/

clean:
	rm -rf $(BUILD)

# Keep objects make would see as intermediate: rebuilding them is wasted time.
.SECONDARY:

# The compiler writes the dependency files; no rule makes them, lest make
# chain built-in ones (%: %.o) onto a pattern rule to remake one.
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
%.d: ;

# The kernel module, built by Kbuild (see Kbuild) against Debian's current
# stock kernel, or against KDIR=<kernel build tree> when given; its
# objects land next to the sources, as Kbuild does.
.PHONY: module lint
module:
	@eval "$$(scripts/kernel-env)" && \
		$(MAKE) -C "$$KDIR" M=$(CURDIR) modules

# Kernel-style checks of everything the module compiles, each of which
# must be silent: checkpatch --strict, then one build with sparse on every
# file (C=2) and the W=1 warnings. Runs all before failing.
LINT_FILES = $(sort $(wildcard kernel/m2mkx/*.[ch] core/*.c tests/kunit/*.[ch] \
	core/include/m2mkx/*.h) include/uapi/linux/m2mkx.h)

lint:
	@scripts/install-deps build lint
	@mkdir -p $(BUILD); ok=1; \
	scripts/checkpatch $(LINT_FILES) || ok=; \
	eval "$$(scripts/kernel-env)" || exit 1; \
	$(MAKE) --no-print-directory -C "$$KDIR" M=$(CURDIR) W=1 C=2 \
		modules >$(BUILD)/lint-kbuild.log 2>&1 || ok=; \
	cat $(BUILD)/lint-kbuild.log; \
	! grep -qE '[Ww]arning:|[Ee]rror:|^(WARNING|ERROR)' \
		$(BUILD)/lint-kbuild.log || ok=; \
	if [ -z "$$ok" ]; then echo "lint: FAILED" >&2; exit 1; fi; \
	echo "lint: clean"

# make e2e: m2mkx.ko and the programs in a QEMU guest (TCG) running Debian's
# stock kernel, through prove (tests/e2e/; QEMU, busybox and the rest from
# scripts/install-deps vm). The module is built for the guest's release.
.PHONY: e2e e2e-run vm-module
e2e: deps
	@scripts/install-deps vm
	@$(MAKE) --no-print-directory e2e-run

e2e-run: vm-module
	@tests/run-tap $(E2E_SCRIPTS)

# What the guest runs: the programs, and the module built for its kernel.
vm-module: $(PROGRAMS) $(TEST_TOOLS)
	@KVER=$$(tests/e2e/vm-kernel --release) && \
		$(MAKE) --no-print-directory module KVER=$$KVER KDIR=

# make bench-vm: tests/e2e/guest/bench.sh in the e2e VM, B's handshakes
# per second of its busy time on the module's data path and on the
# agent's, side by side, and the module's primitive costs; appended to
# build/bench.jsonl (scripts/bench-vm; BENCH_VM_H handshakes per figure).
.PHONY: bench-vm bench-vm-run
bench-vm: deps
	@scripts/install-deps vm bench
	@$(MAKE) --no-print-directory bench-vm-run

bench-vm-run: vm-module
	@scripts/bench-vm $(BUILD)/bench.jsonl

# make robustness-report: Documentation/robustness.rst from the logs of
# the last make e2e and make fuzz (scripts/robustness-report; ROBUSTNESS_E2E
# and ROBUSTNESS_FUZZ name other runs' directories).
ROBUSTNESS_E2E ?= $(BUILD)/e2e
ROBUSTNESS_FUZZ ?= $(BUILD)/fuzz
.PHONY: robustness-report
robustness-report:
	@scripts/robustness-report --e2e $(ROBUSTNESS_E2E) \
		--fuzz $(ROBUSTNESS_FUZZ)

# make bench-dos: the e2e VM's flood test (tests/e2e/guest/t_dos.sh) on
# its own; A's completion ratio under the flood and the flood's figures
# appended to build/bench.jsonl (scripts/bench-dos).
.PHONY: bench-dos bench-dos-run
bench-dos: deps
	@scripts/install-deps vm
	@$(MAKE) --no-print-directory bench-dos-run

bench-dos-run: vm-module
	@scripts/bench-dos $(BUILD)/bench.jsonl

include tests/uml/uml.mk
