#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Fails when a C source of the project differs from what .clang-format makes of it.
set -euo pipefail

src=${1:-$(dirname "$(dirname "$(readlink -f "$0")")")}
mapfile -d '' files < <(find "$src/src" "$src/tests" "$src/fuzz" -name '*.[ch]' -print0 | sort -z)
# One clang-format for every file: a process per file took most of the
# test's time, and longer than its timeout on a loaded machine.
if out=$(clang-format --dry-run -Werror --style=file "${files[@]}" 2>&1); then
    exit 0
fi
# Its diagnostics start with FILE:LINE:COLUMN:.
grep -o '^[^:]*\.[ch]:[0-9]*:[0-9]*: error' <<<"$out" | cut -d: -f1 | sort -u | while IFS= read -r f; do
    echo "not formatted: ${f#"$src"/} (clang-format -i ${f#"$src"/})"
done
exit 1
