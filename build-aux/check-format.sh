#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Fails when a C source of the project differs from what .clang-format makes of it.
set -euo pipefail

src=${1:-$(dirname "$(dirname "$(readlink -f "$0")")")}
status=0
while IFS= read -r -d '' f; do
    if ! clang-format --dry-run -Werror --style=file "$f" >/dev/null 2>&1; then
        echo "not formatted: ${f#"$src"/} (clang-format -i ${f#"$src"/})"
        status=1
    fi
done < <(find "$src/src" "$src/tests" "$src/fuzz" -name '*.[ch]' -print0 | sort -z)
exit "$status"
