#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Fails on any reference to a document the repository does not contain: a
# user's clone (or a release tarball) has nothing outside it. Checks
# relative Markdown links, mentions of a page under docs/, and man page references
# steward...(N) against man/NAME.N.scd, and that no trace is left of the
# contract that once lived outside the tree.
set -euo pipefail

src=${1:-$(dirname "$(dirname "$(readlink -f "$0")")")}
cd "$src"
# The old contract's names, spelled in parts so this file does not refer to it.
old_doc='SPEC''\.md'
old_section='SPEC'' §'
old_dir='\.\./''shared/'

if [ -e .git ]; then
    mapfile -t files < <(git ls-files)
else
    # A meson dist tarball has no .git.
    mapfile -t files < <(find . -type f ! -path './build*' -printf '%P\n' | sort)
fi

bad=0
complain() {
    echo "$1: $2" >&2
    bad=1
}

for f in "${files[@]}"; do
    case "$f" in
        COPYING | po/*.po | fuzz/corpus/* | fuzz/regressions/*) continue ;;
    esac
    [ -f "$f" ] || continue
    # Text files only.
    grep -Iq . "$f" 2>/dev/null || continue
    dir=$(dirname "$f")

    # The old external contract.
    while IFS=: read -r line _; do
        complain "$f:$line" "refers to the old contract outside the repository"
    done < <(grep -nE "$old_doc|$old_section|$old_dir" "$f" || true)

    # A page under docs/, from wherever it is mentioned.
    while IFS=: read -r line ref; do
        [ -f "$ref" ] || complain "$f:$line" "no such document: $ref"
    done < <(grep -noE 'docs/[A-Za-z0-9_.-]+\.md' "$f" || true)

    # Man pages of ours: NAME(N) needs man/NAME.N.scd.
    while IFS=: read -r line ref; do
        name=${ref%(*}
        section=${ref#*(}
        section=${section%)}
        [ -f "man/$name.$section.scd" ] || complain "$f:$line" "no such man page: $ref"
    done < <(grep -noE '\b(steward[a-z.-]*|org\.steward\.Supervisor1)\([1-8]\)' "$f" || true)

    # Relative Markdown links.
    case "$f" in
        *.md)
            while IFS=: read -r line link; do
                target=${link#](}
                target=${target%)}
                target=${target%%#*}
                case "$target" in
                    '' | http://* | https://* | mailto:*) continue ;;
                esac
                [ -e "$dir/$target" ] || complain "$f:$line" "broken link: $target"
            done < <(grep -noE '\]\([^)[:space:]]+\)' "$f" || true)
            ;;
    esac
done

if [ "$bad" -ne 0 ]; then
    echo "check-references: references to documents this repository does not have" >&2
    exit 1
fi
echo "check-references: ${#files[@]} files, every reference resolves"
