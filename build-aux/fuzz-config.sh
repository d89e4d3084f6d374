#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# fuzz-config.sh: builds the config loader's libFuzzer target with clang and ASan/UBSan and runs it for a bounded time.
#
# Usage: build-aux/fuzz-config.sh [SECONDS]   (default 60)
# Environment: BUILDDIR (default build-fuzz), JOBS (libFuzzer workers, default 1),
# TARGET (config, the default; state: the state file's reader, fuzz/fuzz-state.c;
# notify: the sd_notify parser, fuzz/fuzz-notify.c).
# Needs clang and its sanitizer/libFuzzer runtimes (Debian 12: clang, libclang-rt-14-dev).
# New inputs land in a scratch corpus; a crash is written to $BUILDDIR/fuzz-artifacts/ and
# the script fails: minimise it, add it to fuzz/regressions/ and fix the loader.
set -eu

srcdir=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}
builddir=${BUILDDIR:-$srcdir/build-fuzz}
case $builddir in
/*) ;;
*) builddir=$PWD/$builddir ;;
esac
jobs=${JOBS:-1}
target=${TARGET:-config}
case $target in
config)
        dict=$srcdir/fuzz/config.dict
        max_len=8192
        set -- "$srcdir/fuzz/corpus" "$srcdir/fuzz/regressions" "$srcdir/examples" "$srcdir/tests/config"
        ;;
state)
        dict=$srcdir/fuzz/state.dict
        max_len=16384
        set -- "$srcdir/fuzz/state-corpus"
        ;;
notify)
        dict=$srcdir/fuzz/notify.dict
        max_len=5000
        set -- "$srcdir/fuzz/notify-corpus"
        ;;
*)
        echo "TARGET=$target: expected config, state or notify" >&2
        exit 2
        ;;
esac

if [ ! -f "$builddir/build.ninja" ]; then
        CC=clang meson setup "$builddir" "$srcdir" \
                -Dfuzzing=true -Dtests=false \
                -Db_sanitize=address,undefined -Db_lundef=false \
                -Dbuildtype=debugoptimized
fi
ninja -C "$builddir" "fuzz/fuzz-$target"

artifacts="$builddir/fuzz-artifacts"
scratch="$builddir/fuzz-corpus"
if [ "$target" != config ]; then
        artifacts="$artifacts-$target"
        scratch="$scratch-$target"
fi
mkdir -p "$artifacts" "$scratch"

# Leaks are bugs too (the daemon reloads its config for as long as it runs).
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export G_DEBUG="${G_DEBUG:-fatal-warnings}"

# -jobs starts worker processes logging to fuzz-N.log; one job runs in
# the foreground instead.
parallel=
if [ "$jobs" -gt 1 ]; then
        parallel="-jobs=$jobs -workers=$jobs"
fi

# Workers write their fuzz-N.log files into the working directory.
cd "$builddir"
# shellcheck disable=SC2086
exec "$builddir/fuzz/fuzz-$target" $parallel \
        -max_total_time="$seconds" \
        -timeout=10 \
        -rss_limit_mb=2048 \
        -max_len="$max_len" \
        -print_final_stats=1 \
        -dict="$dict" \
        -artifact_prefix="$artifacts/" \
        "$scratch" \
        "$@"
