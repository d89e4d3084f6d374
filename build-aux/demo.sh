#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Quick start (1): install what is missing, build, and run a demo supervision tree inside the test harness.
set -euo pipefail

here=$(dirname "$(readlink -f "$0")")
src=$(dirname "$here")
"$here/install-deps.sh"
build=$("$here/build.sh")

"$build/src/stewardd" --version
# A private systemd --user manager, journal and bus, as the integration tests get them.
exec "$build/tests/harness/steward-harness" "$here/demo-tree.sh" "$build" "$src"
