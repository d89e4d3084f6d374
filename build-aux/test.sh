#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Quick start (2): install what is missing, build with -Werror, run every unit and integration suite.
set -euo pipefail

here=$(dirname "$(readlink -f "$0")")
"$here/install-deps.sh"
build=$("$here/build.sh")

# Before the suites, so meson's summary stays the last thing printed:
# the fuzzers of the config loader, the state file reader and the sd_notify
# parser, FUZZ_SECONDS each (20 by default, 0 skips them; FUZZ_SECONDS=600
# is the long mode for soak runs) ...
fuzz_seconds=${FUZZ_SECONDS:-20}
if [ "$fuzz_seconds" -gt 0 ]; then
    for target in config state notify; do
        TARGET=$target "$here/fuzz-config.sh" "$fuzz_seconds" >&2
    done
fi
# ... and the unit suite and a few integration suites built with
# AddressSanitizer and UndefinedBehaviorSanitizer (SANITIZERS=0 skips them).
if [ "${SANITIZERS:-1}" != 0 ]; then
    "$here/test-sanitizers.sh"
fi

# meson prints each test and the closing Ok/Fail/Skipped summary.
meson test -C "$build" --print-errorlogs --num-processes "$(nproc)" "$@"
