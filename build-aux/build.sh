#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Configures (once) and builds steward with warnings as errors; prints the build directory.
set -euo pipefail

src=$(dirname "$(dirname "$(readlink -f "$0")")")
build=${BUILDDIR:-$src/build}

if [ ! -f "$build/build.ninja" ]; then
    meson setup "$build" "$src" --werror >&2
fi
ninja -C "$build" >&2
echo "$build"
