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

# Text files only; each check is one grep over all of them, as a process
# per file and check took longer than the test's timeout on a loaded machine.
candidates=()
for f in "${files[@]}"; do
    case "$f" in
        COPYING | po/*.po | fuzz/corpus/* | fuzz/regressions/*) continue ;;
    esac
    [ -f "$f" ] && candidates+=("$f")
done
mapfile -t text < <(grep -Il . -- "${candidates[@]}" 2>/dev/null || true)
markdown=()
for f in "${text[@]}"; do
    case "$f" in *.md) markdown+=("$f") ;; esac
done

# The old external contract.
while IFS=: read -r f line _; do
    complain "$f:$line" "refers to the old contract outside the repository"
done < <(grep -HnE "$old_doc|$old_section|$old_dir" -- "${text[@]}" || true)

# A page under docs/, from wherever it is mentioned.
while IFS=: read -r f line ref; do
    [ -f "$ref" ] || complain "$f:$line" "no such document: $ref"
done < <(grep -HnoE 'docs/[A-Za-z0-9_.-]+\.md' -- "${text[@]}" || true)

# Man pages of ours: NAME(N) needs man/NAME.N.scd.
while IFS=: read -r f line ref; do
    name=${ref%(*}
    section=${ref#*(}
    section=${section%)}
    [ -f "man/$name.$section.scd" ] || complain "$f:$line" "no such man page: $ref"
done < <(grep -HnoE '\b(steward[a-z.-]*|org\.steward\.Supervisor1)\([1-8]\)' -- "${text[@]}" || true)

# Relative Markdown links.
if [ "${#markdown[@]}" -gt 0 ]; then
    while IFS=: read -r f line link; do
        target=${link#](}
        target=${target%)}
        target=${target%%#*}
        case "$target" in
            '' | http://* | https://* | mailto:*) continue ;;
        esac
        [ -e "$(dirname "$f")/$target" ] || complain "$f:$line" "broken link: $target"
    done < <(grep -HnoE '\]\([^)[:space:]]+\)' -- "${markdown[@]}" || true)
fi

if [ "$bad" -ne 0 ]; then
    echo "check-references: references to documents this repository does not have" >&2
    exit 1
fi
echo "check-references: ${#files[@]} files, every reference resolves"
