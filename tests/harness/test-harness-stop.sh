#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A harness stopped by SIGTERM to its whole process group, as meson's
# timeout stops a test, leaves no process and no cgroup behind, however
# many scopes were running in it.
#
# Usage: test-harness-stop.sh STEWARD-HARNESS [SCOPES]
set -euo pipefail

harness=$1
scopes=${2:-200}
dir=$(mktemp -d)
trap 'exec 3>&- || true; rm -rf "$dir"' EXIT
mkfifo "$dir/started"
# Held open for reading and writing: no end of file while the scopes start.
exec 3<>"$dir/started"

# Each scope's command says it runs, from inside its scope; the harness's
# command then waits for the signal.
setsid "$harness" bash -c '
        for ((i = 0; i < $1; i++)); do
                systemd-run --user --scope --quiet --unit="stop-$i" \
                        bash -c "echo \$\$ > $2; exec sleep infinity" &
        done
        wait' - "$scopes" "$dir/started" > "$dir/out" 2>&1 &
pid=$!
for ((n = 0; n < scopes; n++)); do
        if ! read -r -t 300 -u 3 _; then
                wait "$pid" && status=0 || status=$?
                # 77: the harness cannot exist here (not root, no namespaces).
                [ "$status" -eq 77 ] && exit 77
                echo "only $n of $scopes scopes started (harness: $status)"
                cat "$dir/out"
                exit 1
        fi
done

kill -TERM -- "-$pid"
wait "$pid" || true
left=$(find /sys/fs/cgroup -maxdepth 2 -name "steward-harness-$pid" 2>/dev/null || true)
if [ -n "$left" ]; then
        echo "left behind: $left"
        echo "$(find $left -name 'stop-*.scope' | wc -l) scope cgroups"
        exit 1
fi
if pgrep -s "$pid" > /dev/null; then
        echo "left running:"
        pgrep -a -s "$pid"
        exit 1
fi
echo "stopped with $scopes scopes running: nothing left behind"
