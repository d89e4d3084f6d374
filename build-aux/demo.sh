#!/usr/bin/env bash
# Quick start (1): install what is missing, build, and show steward running inside the test harness.
set -euo pipefail

here=$(dirname "$(readlink -f "$0")")
src=$(dirname "$here")
"$here/install-deps.sh"
build=$("$here/build.sh")

"$build/src/stewardd" --version
"$build/src/stewardctl" --version
# A private systemd --user manager, journal and bus, as the integration tests get them.
"$build/tests/harness/steward-harness" "$build/tests/integration/test-harness"
