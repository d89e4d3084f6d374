#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs inside steward-harness: stewardd on examples/webapp, a fenced restart through the bus, and the journal of it.
set -euo pipefail

build=$1
# The uninstalled helper every incarnation starts as.
export STEWARD_EXECUTOR_PATH="$build/src/steward-exec"
src=$2

# Prints the first journal entry matching the arguments, waiting for it
# (bounded): journalctl --follow, stopped as soon as it has said it.
first_entry() {
    local line
    coproc J { exec journalctl --follow --lines=all -o cat "$@"; }
    local pid=$J_PID
    if ! read -r -t 30 line <&"${J[0]}"; then
        kill "$pid"
        echo "timed out waiting for: $*" >&2
        return 1
    fi
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    echo "$line"
}

echo "== stewardd --check-config"
"$build/src/stewardd" --user --check-config --config="$src/examples/webapp"

echo "== starting stewardd --user on examples/webapp"
"$build/src/stewardd" --user --config="$src/examples/webapp" &
daemon=$!
trap 'kill $daemon 2>/dev/null || true; wait $daemon 2>/dev/null || true' EXIT
gdbus wait --session --timeout 30 org.steward.Supervisor1
# Up means both children started once: wait for the api's first start in the journal.
first_entry -t stewardd STEWARD_EVENT=child_started STEWARD_CHILD=api

echo "== stewardctl status"
"$build/src/stewardctl" --user status || true

echo "== busctl call ... RestartChild ss api demo"
busctl --user call org.steward.Supervisor1 /org/steward/Supervisor1 org.steward.Supervisor1.Manager \
    RestartChild ss api demo
first_entry -t stewardd STEWARD_EVENT=child_started STEWARD_CHILD=api STEWARD_GENERATION=1

echo "== the scopes, as the manager sees them"
systemctl --user list-units --no-pager --no-legend 'steward-*.scope'

echo "== the restart, as the journal recorded it"
journalctl --no-pager -t stewardd -o short-monotonic STEWARD_CHILD=api

echo "== one of those entries, with its fields"
journalctl --no-pager -t stewardd -o verbose STEWARD_EVENT=child_restart_fence_entered |
    grep -E '^ +(MESSAGE|MESSAGE_ID|PRIORITY|STEWARD_[A-Z_]+)='

echo "== live restore: stewardd is killed, a new one takes the children over"
api_pid() {
    busctl --user get-property org.steward.Supervisor1 /org/steward/Supervisor1/child/api \
        org.steward.Supervisor1.Child MainPID
}
echo "api's MainPID: $(api_pid)"
kill -KILL "$daemon"
wait "$daemon" 2>/dev/null || true
systemctl --user list-units --no-pager --no-legend 'steward-*.scope'
"$build/src/stewardd" --user --config="$src/examples/webapp" &
daemon=$!
gdbus wait --session --timeout 30 org.steward.Supervisor1
first_entry -t stewardd STEWARD_EVENT=tree_adopted
echo "api's MainPID: $(api_pid)"

echo "== stewardctl daemon-reexec: the same again, in place"
"$build/src/stewardctl" --user daemon-reexec
echo "api's MainPID: $(api_pid)"

echo "== ShutdownTree"
busctl --user call org.steward.Supervisor1 /org/steward/Supervisor1 org.steward.Supervisor1.Manager \
    ShutdownTree s demo
wait $daemon
echo "stewardd exited with $?"
trap - EXIT
