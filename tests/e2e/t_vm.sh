#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# What `make e2e` hands to prove: every guest test (tests/e2e/guest/t_*.sh)
# in one boot of the e2e VM, as one TAP stream (see tests/e2e/run).
exec "$(dirname "$0")/run" "$@"
