# SPDX-License-Identifier: GPL-2.0
#
# Included by the top-level Makefile: the module on the debug User-Mode
# Linux kernel, which tests/uml/kernel builds from Debian's linux-source
# with tests/uml/debug.config (KUnit, KASAN, UBSAN, kmemleak, lockdep) and
# caches in ~/.cache/m2mkx/uml-<hash>/ (first build about 8 minutes).
#
#   make kunit       m2mkx.ko with the suites of tests/kunit/ linked in,
#                    loaded on that kernel: KTAP, then "N passed, N failed"
#   make e2e-debug   the e2e guest tests (tests/e2e/guest/) on that kernel,
#                    m2mkx.ko as make module builds it, then kmemleak
#
# The module objects of these builds live in build/uml/, apart from those
# of make module (tests/uml/build-module).

UML_BUILD := $(BUILD)/uml

.PHONY: kunit kunit-run e2e-debug e2e-debug-run uml-kernel
uml-kernel:
	@scripts/install-deps uml
	@tests/uml/kernel >/dev/null

kunit: deps uml-kernel
	@$(MAKE) --no-print-directory kunit-run

kunit-run:
	@tests/uml/build-module kunit $(UML_BUILD)/kunit >/dev/null
	@tests/run-tap tests/kunit/run

e2e-debug: deps uml-kernel
	@scripts/install-deps vm
	@$(MAKE) --no-print-directory e2e-debug-run

# ASan cannot map its shadow into the address space of a UML process
# (it ends below 512 GiB): the guest gets the test tools (the attacker,
# the JSON checker) built like the programs, without sanitizers.
UML_TEST_TOOLS := $(patsubst tests/userspace/%.c,$(OPT)/tests/%,$(TOOL_SRCS))
$(UML_TEST_TOOLS): $(OPT)/tests/%: $(OPT)/tests/userspace/%.o \
		$(call obj,$(OPT),$(COMMON_SRCS) $(CORE_SRCS) $(BACKEND_SRCS) $(RNG_SRCS))
	@mkdir -p $(@D)
	$(CC) $(OPT_CFLAGS) -o $@ $^ $(LDLIBS_CRYPTO)

# The whole run takes about 16 minutes on the debug kernel (the fault
# matrix's lossy links and the flood take their time): 30 are allowed,
# and 10 for one test (t_faults.sh alone takes 4 to 5 there).
e2e-debug-run: $(PROGRAMS) $(UML_TEST_TOOLS)
	@tests/uml/build-module plain $(UML_BUILD)/module >/dev/null
	@M2MKX_E2E_MACHINE=uml M2MKX_E2E_TIMEOUT=$${M2MKX_E2E_TIMEOUT:-1800} \
		M2MKX_E2E_TEST_TIMEOUT=$${M2MKX_E2E_TEST_TIMEOUT:-600} \
		M2MKX_KO=$(abspath $(UML_BUILD)/module/m2mkx.ko) \
		M2MKX_TOOLS=$(abspath $(OPT)/tests) \
		tests/run-tap tests/e2e/t_vm.sh
