#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The 'installed' test: installs the .deb the 'deb' test built, runs the installed stewardd in steward-harness
# (installed-in-harness.sh), upgrades it under the running stewardd to a second .deb built here, purges the
# package and checks nothing is left behind, running or mounted.
#
#   test-installed.sh SOURCE_DIR HARNESS DEB_DIR
#
# Needs root (exit 77 otherwise, said on stderr). The steward group the
# install creates is deleted afterwards (Debian's purge leaves system groups
# in place; a test machine should not keep it).
set -euo pipefail

src=$1
harness=$(readlink -f "$2")
debdir=$3
here=$(dirname "$(readlink -f "$0")")

say() { echo "test-installed: $*" >&2; }
if [ "$(id -u)" -ne 0 ]; then
    say "SKIP: needs root (it installs and purges the steward package)"
    exit 77
fi
arch=$(dpkg --print-architecture)
deb=$(find "$debdir" -maxdepth 1 -name "steward_*_$arch.deb" 2>/dev/null | head -n 1)
if [ -z "$deb" ]; then
    say "no steward_*_$arch.deb in $debdir: the 'deb' test (suite package) builds it and must pass first"
    exit 1
fi

# The upgrade: the same source package with a higher version, the
# package's and stewardd's own (so the re-executed daemon can be told from
# the old one), built without its tests and not linted: the 'deb' test
# built and linted the very same packaging.
dsc=$(find "$debdir" -maxdepth 1 -name 'steward_*.dsc' 2>/dev/null | head -n 1)
if [ -z "$dsc" ]; then
    say "no steward_*.dsc in $debdir: the 'deb' test (suite package) builds it and must pass first"
    exit 1
fi
up=$(mktemp -d /tmp/steward-upgrade-XXXXXX)
trap 'rm -rf "$up"' EXIT
dpkg-source --no-check -x "$dsc" "$up/src" >&2
old_version=$(dpkg-parsechangelog -l "$up/src/debian/changelog" -S Version)
new_version=$old_version+upgradetest
sed -i "1s/($old_version)/($new_version)/" "$up/src/debian/changelog"
sed -i "0,/version : '$old_version'/s//version : '$new_version'/" "$up/src/meson.build"
grep -qF "version : '$new_version'" "$up/src/meson.build" ||
    { say "cannot bump the version in meson.build"; exit 1; }
started=$SECONDS
(cd "$up/src" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" dpkg-buildpackage -us -uc -b -Pnocheck) \
    >"$up/build.log" 2>&1 || { cat "$up/build.log" >&2; say "building the upgrade failed"; exit 1; }
upgrade=$(find "$up" -maxdepth 1 -name "steward_${new_version}_$arch.deb" | head -n 1)
[ -n "$upgrade" ] || { say "the upgrade build made no steward_${new_version}_$arch.deb"; exit 1; }
say "built the upgrade $(basename "$upgrade") in $((SECONDS - started)) s"

status=0
bash "$src/build-aux/test-deb.sh" --remove-group \
    --while-installed "$(printf '%q bash %q %q' "$harness" "$here/installed-in-harness.sh" "$upgrade")" \
    "$deb" || status=$?

# Nothing of the package runs or stays mounted, and the host's systemd
# state was not created (systemd is not PID 1 here; the maintainer scripts
# must not have acted as if it were).
running=$(for p in /proc/[0-9]*; do
    exe=$(readlink "$p/exe" 2>/dev/null) || continue
    case $exe in /usr/bin/stewardd* | /usr/bin/stewardctl*) echo "${p#/proc/} $exe" ;; esac
done)
if [ -n "$running" ]; then
    say "FAIL: still running: $running"
    status=1
fi
if grep -E ' (/var/lib/systemd/catalog|/usr/lib/systemd/catalog|/run/steward-harness)[ /]' /proc/self/mountinfo >&2; then
    say "FAIL: mounts left behind (above)"
    status=1
fi
[ "$status" -eq 0 ] && say "passed"
exit "$status"
