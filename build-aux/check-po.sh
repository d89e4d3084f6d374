#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Fails when a translation is incomplete: a source file that marks strings
# but is missing from po/POTFILES (its strings would never reach a
# translator), or a catalog of po/LINGUAS with an untranslated or fuzzy
# message against what the sources mark today (not against a po/steward.pot
# that may not have been regenerated).
set -euo pipefail

src=${1:-$(dirname "$(dirname "$(readlink -f "$0")")")}
cd "$src"

bad=0
complain() {
    echo "$1" >&2
    bad=1
}

mapfile -t listed < <(grep -v '^[[:space:]]*\(#\|$\)' po/POTFILES)
for f in "${listed[@]}"; do
    [ -f "$f" ] || complain "po/POTFILES: $f does not exist"
done
if [ "$(printf '%s\n' "${listed[@]}")" != "$(printf '%s\n' "${listed[@]}" | LC_ALL=C sort)" ]; then
    complain "po/POTFILES: not sorted"
fi

# _("..."), N_("..."), C_(), NC_() and g_dngettext(): glib/gi18n.h's markers.
if [ -e .git ]; then
    mapfile -t sources < <(git ls-files -- 'src/*.c')
else
    # A meson dist tarball has no .git.
    mapfile -t sources < <(find src -name '*.c' | LC_ALL=C sort)
fi
# Looked up in an array, not with printf | grep -q: bash writes each line
# of printf on its own, grep -q leaves at its first match, a line written
# after that kills printf with SIGPIPE, and under pipefail the pipeline
# failed for a file that is listed (now and then, on a loaded machine).
declare -A is_listed=()
for f in "${listed[@]}"; do
    is_listed[$f]=1
done
while IFS= read -r f; do
    [ -n "${is_listed[$f]:-}" ] ||
        complain "po/POTFILES: $f marks strings for translation but is not listed"
done < <(grep -lE '(^|[^A-Za-z0-9_])(N?C?_|g_dngettext)\(' -- "${sources[@]}" || true)

# The keywords and flags of meson's i18n preset 'glib', which po/meson.build uses.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
xgettext --package-name=steward --from-code=UTF-8 --add-comments \
    --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 --keyword=g_dcgettext:2 \
    --keyword=g_dngettext:2,3 --keyword=g_dpgettext2:2c,3 \
    --flag=N_:1:pass-c-format --flag=C_:2:pass-c-format --flag=NC_:2:pass-c-format \
    --flag=g_dngettext:2:pass-c-format --flag=g_strdup_printf:1:c-format \
    --flag=g_string_printf:2:c-format --flag=g_string_append_printf:2:c-format \
    --flag=g_error_new:3:c-format --flag=g_set_error:4:c-format --flag=g_print:1:c-format \
    --flag=g_printerr:1:c-format -o "$tmp/steward.pot" -- "${listed[@]}"

for lang in $(grep -v '^[[:space:]]*\(#\|$\)' po/LINGUAS); do
    msgmerge --quiet --no-fuzzy-matching -o "$tmp/$lang.po" "po/$lang.po" "$tmp/steward.pot"
    stats=$(msgfmt -c --statistics -o /dev/null "$tmp/$lang.po" 2>&1) ||
        complain "po/$lang.po: msgfmt -c fails: $stats"
    case "$stats" in
        *fuzzy* | *untranslated*) complain "po/$lang.po: $stats (against the strings the sources mark)" ;;
    esac
    # Fuzzy entries in the file itself, even for strings no longer marked.
    if grep -q '^#,.*fuzzy' "po/$lang.po"; then
        complain "po/$lang.po: has fuzzy entries"
    fi
done

exit $bad
