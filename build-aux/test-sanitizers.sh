#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test-sanitizers.sh: builds steward with AddressSanitizer and UndefinedBehaviorSanitizer and runs the unit suites and a few integration suites under them.
#
# Usage: build-aux/test-sanitizers.sh [TEST...]   (default: the unit suite and the integration tests below)
# Environment: BUILDDIR (default build-asan).
# Every program of the build tree (stewardd, stewardctl, steward-exec until it execs, the tests)
# writes what a sanitizer finds to one log directory; any report fails the run, even from a
# process whose exit no test looks at (a stewardd leaking at shutdown).
set -euo pipefail

src=$(dirname "$(dirname "$(readlink -f "$0")")")
build=${BUILDDIR:-$src/build-asan}
logs=$build/sanitizer-logs

if [ ! -f "$build/build.ninja" ]; then
    meson setup "$build" "$src" --werror -Dman=false \
        -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug >&2
fi
ninja -C "$build" >&2

# The unit suite, then the integration tests that drive the most of
# stewardd's code in the least time.
runs=("--suite unit" "backend auth sd-notify notify daemon")
if [ $# -gt 0 ]; then
    runs=("$*")
fi

rm -rf "$logs"
mkdir -p "$logs"
export ASAN_OPTIONS="log_path=$logs/asan:detect_leaks=1:abort_on_error=1:${ASAN_OPTIONS:-}"
# The code runs a few times slower: libcheck's per-test limits stretch with it.
export CK_TIMEOUT_MULTIPLIER=${CK_TIMEOUT_MULTIPLIER:-5}
export UBSAN_OPTIONS="log_path=$logs/ubsan:print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"

status=0
for run in "${runs[@]}"; do
    # shellcheck disable=SC2086
    meson test -C "$build" --no-rebuild --print-errorlogs --num-processes "$(nproc)" $run >&2 || status=$?
done

shopt -s nullglob
reports=("$logs"/*)
if [ ${#reports[@]} -gt 0 ]; then
    echo "test-sanitizers.sh: ${#reports[@]} sanitizer report(s):" >&2
    for r in "${reports[@]}"; do
        echo "==> $r" >&2
        cat "$r" >&2
    done
    status=1
fi
exit $status
