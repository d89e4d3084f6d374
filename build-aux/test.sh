#!/usr/bin/env bash
# Quick start (2): install what is missing, build with -Werror, run every unit and integration suite.
set -euo pipefail

here=$(dirname "$(readlink -f "$0")")
"$here/install-deps.sh"
build=$("$here/build.sh")

# meson prints each test and the closing Ok/Fail/Skipped summary.
meson test -C "$build" --print-errorlogs --num-processes "$(nproc)" "$@"
