#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Builds the steward .deb from a clean export of a commit, with build dependencies from Debian, and lints it.
#
#   build-aux/build-deb.sh [REF]      REF: the commit to package (default HEAD)
#
# The source and binary packages, .changes and lintian's report end up in
# $DEB_OUTDIR (default build/deb/). Outside a git checkout (an unpacked
# release tarball) the source tree itself is packaged. Fails if the build fails or lintian
# reports any error or warning. Needs root to install what is missing
# (apt-get build-dep on debian/control: no deb-src lines needed).
set -euo pipefail

src=$(dirname "$(dirname "$(readlink -f "$0")")")
ref=${1:-HEAD}
# Absolute: apt-get build-dep takes a path for a directory only when it
# cannot be a package name.
out=$(realpath -m "${DEB_OUTDIR:-$src/build/deb}")

say() { echo "build-deb: $*" >&2; }

# The tools around the build; the build's own dependencies come from
# debian/control below.
tools=(dpkg-dev debhelper lintian)
missing=()
for p in "${tools[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

# A clean export: only what the commit holds, nothing of the working tree.
# A release tarball (meson dist) is no git checkout of its own, though it
# may be unpacked inside one: it is a clean export already, and is copied
# as it is, without build directories.
rm -rf "$out"
mkdir -p "$out/export"
if [ "$(git -C "$src" rev-parse --show-toplevel 2>/dev/null)" = "$src" ]; then
    commit=$(git -C "$src" rev-parse --verify "$ref^{commit}")
    git -C "$src" archive --format=tar "$commit" | tar -x -C "$out/export"
    from="$(git -C "$src" log -1 --format='%h %s' "$commit")"
else
    [ -z "${1:-}" ] || { say "$src is not a git checkout: cannot package $ref"; exit 1; }
    [ -f "$src/debian/control" ] || { say "$src has no debian/"; exit 1; }
    excl=()
    case $out in "$src"/*) excl=(--exclude="./${out#"$src"/}") ;; esac
    tar -C "$src" -c --exclude-vcs "${excl[@]}" --exclude=./build --exclude=./_build --exclude=./builddir \
        --exclude='./obj-*' --exclude=./build-fuzz . | tar -x -C "$out/export"
    from="the source tree $src"
fi
version=$(dpkg-parsechangelog -l "$out/export/debian/changelog" -S Version)
tree="$out/steward-$version"
mv "$out/export" "$tree"
say "packaging steward $version from $from"

export DEBIAN_FRONTEND=noninteractive
if [ ${#missing[@]} -gt 0 ] || ! (cd "$tree" && dpkg-checkbuilddeps >/dev/null 2>&1); then
    if [ "$(id -u)" -ne 0 ]; then
        say "missing tools (${missing[*]:-none}) or build dependencies; run as root to install them:"
        (cd "$tree" && dpkg-checkbuilddeps) || true
        exit 1
    fi
    apt-get update -q
    if [ ${#missing[@]} -gt 0 ]; then
        apt-get install -y -q --no-install-recommends "${missing[@]}"
    fi
    # A directory with a debian/control is enough for build-dep. The build
    # profiles in DEB_BUILD_PROFILES (nocheck) are honoured.
    profiles=()
    if [ -n "${DEB_BUILD_PROFILES:-}" ]; then
        profiles=(-P "${DEB_BUILD_PROFILES// /,}")
    fi
    apt-get build-dep -y -q --no-install-recommends "${profiles[@]}" "$tree"
fi

arch=$(dpkg-architecture -q DEB_HOST_ARCH)

# The source package first, from the pristine tree, so that lintian checks
# debian/ too; then the binary package in that tree.
(cd "$out" && dpkg-source --build "steward-$version") >&2
(cd "$tree" && dpkg-buildpackage -us -uc -b) >&2

changes="$out/steward_${version}_${arch}.changes"
dsc="$out/steward_${version}.dsc"
say "built: $(cd "$out" && echo *.deb)"

# Every tag is shown (info too, and overridden ones marked); only errors
# and warnings fail. "lintian-explain-tags TAG" says what a tag means.
status=0
lintian --display-info --show-overrides --fail-on error,warning "$changes" "$dsc" \
    | tee "$out/lintian.txt" || status=$?
if [ "$status" -ne 0 ]; then
    say "lintian reported errors or warnings (exit $status); see $out/lintian.txt"
    exit 1
fi
say "lintian: no errors, no warnings"
echo "$out"
