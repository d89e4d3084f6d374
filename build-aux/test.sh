#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Quick start (2): install what is missing, build with -Werror, run every unit and integration suite.
set -euo pipefail

here=$(dirname "$(readlink -f "$0")")
"$here/install-deps.sh"
build=$("$here/build.sh")

# The config loader's fuzzer, for a bounded time (FUZZ_SECONDS=0 skips it);
# before the suites, so meson's summary stays the last thing printed.
fuzz_seconds=${FUZZ_SECONDS:-60}
if [ "$fuzz_seconds" -gt 0 ]; then
    "$here/fuzz-config.sh" "$fuzz_seconds" >&2
fi

# meson prints each test and the closing Ok/Fail/Skipped summary.
meson test -C "$build" --print-errorlogs --num-processes "$(nproc)" "$@"
