#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs inside steward-harness with the steward package installed: the installed stewardd --user on the installed
# example, driven with busctl and the installed stewardctl, completion through bash, the journal with its catalog;
# then an upgrade to UPGRADE_DEB under a running stewardd, which must keep every child.
#
#   installed-in-harness.sh UPGRADE_DEB
#
# Output is TAP. Nothing here comes from the build tree: every program,
# configuration, completion script and catalog is the package's.
# The checks hand their output to sh -c as "$1": single quotes on purpose.
# shellcheck disable=SC2016
set -uo pipefail

upgrade_deb=$1
example=/usr/share/doc/steward/examples/webapp
n=0
failures=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failures=$((failures + 1)); echo "not ok $n - $*"; }
check() { # check DESCRIPTION COMMAND...
    local what=$1
    shift
    if "$@"; then ok "$what"; else not_ok "$what"; fi
}
diag() { sed 's/^/# /'; }

# The first journal entry matching the arguments, waiting for it (bounded).
first_entry() {
    local line pid
    coproc J { exec journalctl --follow --lines=all -o cat "$@"; }
    pid=$J_PID
    if ! read -r -t 30 line <&"${J[0]}"; then
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        echo "timed out waiting for: $*" >&2
        return 1
    fi
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    echo "$line"
}

[ "${STEWARD_HARNESS:-}" = 1 ] || { echo "Bail out! not inside steward-harness"; exit 1; }

check "the installed stewardd is the package's" sh -c 'dpkg -S /usr/bin/stewardd | grep -q "^steward:"'
check "stewardd --check-config accepts the installed example" \
    /usr/bin/stewardd --user --check-config --config="$example"

/usr/bin/stewardd --user --config="$example" &
daemon=$!
trap 'kill "$daemon" 2>/dev/null; wait "$daemon" 2>/dev/null' EXIT
if ! gdbus wait --session --timeout 30 org.steward.Supervisor1; then
    echo "Bail out! stewardd did not take org.steward.Supervisor1 on the session bus"
    exit 1
fi
if first_entry -t stewardd STEWARD_EVENT=child_started STEWARD_CHILD=api >/dev/null &&
    first_entry -t stewardd STEWARD_EVENT=child_started STEWARD_CHILD=db-proxy >/dev/null; then
    ok "both children of the example started"
else
    not_ok "both children of the example started"
fi

# ---- busctl -------------------------------------------------------------
bus=(busctl --user --no-pager)
mgr=(org.steward.Supervisor1 /org/steward/Supervisor1 org.steward.Supervisor1.Manager)
out=$("${bus[@]}" call "${mgr[@]}" ListChildren 2>&1)
echo "$out" | diag
check "busctl ListChildren lists api and db-proxy" \
    sh -c 'echo "$1" | grep -q "\"api\"" && echo "$1" | grep -q "\"db-proxy\""' _ "$out"

out=$("${bus[@]}" call "${mgr[@]}" RestartChild ss api package-test 2>&1)
echo "$out" | diag
check "busctl RestartChild api: the fence queues the restart after the stop" \
    sh -c 'echo "$1" | grep -q "queued_after_stop"' _ "$out"
if first_entry -t stewardd STEWARD_EVENT=child_started STEWARD_CHILD=api STEWARD_GENERATION=1 >/dev/null; then
    ok "the restarted api runs as generation 1"
else
    not_ok "the restarted api runs as generation 1"
fi

# ---- stewardctl ---------------------------------------------------------
out=$(/usr/bin/stewardctl --user status 2>&1)
rc=$?
echo "$out" | diag
check "stewardctl --user status shows the tree (exit $rc)" \
    sh -c '[ "$2" -eq 0 ] && echo "$1" | grep -q api && echo "$1" | grep -q db-proxy && echo "$1" | grep -q web' _ "$out" "$rc"

out=$(/usr/bin/stewardctl --user restart api --reason=package-test 2>&1)
rc=$?
echo "$out" | diag
check "stewardctl --user restart api prints the fence decision (exit $rc)" \
    sh -c '[ "$2" -eq 0 ] && echo "$1" | grep -Eq "queued_after_stop|queued after stop|started_immediately|already_pending"' _ "$out" "$rc"

# ---- completion ---------------------------------------------------------
# bash-completion loads the installed script on demand; child names come
# live from this stewardd.
out=$(bash -c 'source /usr/share/bash-completion/bash_completion
    _completion_loader stewardctl
    complete -p stewardctl
    COMP_WORDS=(stewardctl --user restart a) COMP_CWORD=3
    COMP_LINE="stewardctl --user restart a" COMP_POINT=${#COMP_LINE}
    _stewardctl
    printf "reply: %s\n" "${COMPREPLY[@]}"' 2>&1)
echo "$out" | diag
check "complete -p stewardctl names _stewardctl" sh -c 'echo "$1" | grep -q "^complete -F _stewardctl stewardctl$"' _ "$out"
check "bash completes 'stewardctl --user restart a' to api" \
    sh -c '[ "$(echo "$1" | grep "^reply: ")" = "reply: api" ]' _ "$out"
out=$(bash -c 'source /usr/share/bash-completion/bash_completion
    _completion_loader stewardctl
    COMP_WORDS=(stewardctl --user resume-supervisor "") COMP_CWORD=3
    _stewardctl
    printf "reply: %s\n" "${COMPREPLY[@]}"' 2>&1)
echo "$out" | diag
check "bash completes supervisor names for resume-supervisor" \
    sh -c 'echo "$1" | grep -qx "reply: web"' _ "$out"

# ---- journal and catalog -------------------------------------------------
# journalctl -x reads the catalog database, which journalctl --update-catalog
# writes to /var/lib/systemd/catalog: built here in a mount namespace of
# its own, on a tmpfs, from the installed catalog files only.
out=$(unshare --mount --propagation private bash -c '
    mount -t tmpfs -o mode=0755 tmpfs /var/lib/systemd/catalog || exit 1
    journalctl --update-catalog || exit 1
    journalctl --no-pager -x -t stewardd STEWARD_EVENT=child_started STEWARD_CHILD=api STEWARD_GENERATION=0' 2>&1)
rc=$?
echo "$out" | diag
check "journalctl -x explains child_started with the installed catalog (exit $rc)" \
    sh -c '[ "$2" -eq 0 ] && echo "$1" | grep -q "Subject: Child api started" &&
           echo "$1" | grep -q "Generation 0 of child api runs as process"' _ "$out" "$rc"
check "the tmpfs on the catalog database stayed in that namespace" \
    sh -c '! mountpoint -q /var/lib/systemd/catalog'

# ---- stop ---------------------------------------------------------------
out=$("${bus[@]}" call "${mgr[@]}" ShutdownTree s package-test 2>&1)
echo "$out" | diag
rc=0
for _ in $(seq 300); do
    kill -0 "$daemon" 2>/dev/null || break
    sleep 0.1
done
if kill -0 "$daemon" 2>/dev/null; then
    not_ok "stewardd exits after ShutdownTree"
else
    wait "$daemon"
    rc=$?
    check "stewardd exits 0 after ShutdownTree (exit $rc)" [ "$rc" -eq 0 ]
fi
trap - EXIT
left=$(systemctl --user list-units --no-legend --plain 'steward-*.scope' 2>/dev/null)
check "no steward scope is left" [ -z "$left" ]

# ---- the installed unit does not confine the children --------------------
# Children are forked by stewardd and inherit what its unit would impose
# (mount namespace, NoNewPrivileges=, capabilities, seccomp): run the
# package's own steward.service, with only ExecStart= pointed at a tree of
# jobs that each do what an ordinary service may do, and see them succeed.
work=$(mktemp -d /tmp/steward-hardening-XXXXXX)
chmod 0755 "$work"
statedir=/var/lib/steward-pkgtest-$$
# A setuid-root helper of our own: id -u prints its effective uid.
cp /usr/bin/id "$work/suid-id"
chmod 4755 "$work/suid-id"
{
    echo "[Child write-var-lib]"
    echo "Role=job"
    echo "ExecStart=/bin/sh -c 'mkdir -p $statedir && echo ok > $statedir/written'"
    echo "[Child setuid]"
    echo "Role=job"
    echo "ExecStart=/bin/sh -c 'test \"\$(setpriv --reuid=65534 --regid=65534 --clear-groups $work/suid-id -u)\" = 0'"
    echo "[Child bind]"
    echo "Role=job"
    echo "ExecStart=/usr/bin/perl -MIO::Socket::INET -e 'IO::Socket::INET->new(Listen => 1, LocalAddr => \"127.0.0.1\", LocalPort => 0) or die'"
    echo "[Child stay]"
    echo "ExecStart=/usr/bin/sleep 1000"
} > "$work/steward.conf"
units=$HOME/.config/systemd/user
mkdir -p "$units/steward-hardening.service.d"
cp /lib/systemd/system/steward.service "$units/steward-hardening.service"
printf '[Service]\nExecStart=\nExecStart=/usr/bin/stewardd --user --config=%s\n' "$work" \
    > "$units/steward-hardening.service.d/test.conf"
systemctl --user daemon-reload
# Type=notify: start returns once stewardd said READY=1, its tree up.
if systemctl --user start steward-hardening.service; then
    ok "the package's steward.service starts (Type=notify) under a manager"
else
    not_ok "the package's steward.service starts (Type=notify) under a manager"
    journalctl --no-pager -n 30 | diag
fi
for job in write-var-lib setuid bind; do
    if first_entry -t stewardd STEWARD_EVENT=child_exited STEWARD_CHILD=$job >/dev/null &&
        journalctl --no-pager -o cat -t stewardd STEWARD_EVENT=child_exited STEWARD_CHILD=$job \
            STEWARD_DECISION=success | grep -q .; then
        ok "a child under the installed unit can $job"
    else
        not_ok "a child under the installed unit can $job"
        journalctl --no-pager -o cat -t stewardd STEWARD_CHILD=$job | diag
    fi
done
check "what it wrote under /var/lib is there" [ -s "$statedir/written" ]
out=$(systemctl --user show -p Type -p ActiveState -p WatchdogUSec -p MainPID steward-hardening.service)
echo "$out" | diag
check "stewardd runs as Type=notify with its watchdog" \
    sh -c 'echo "$1" | grep -qx Type=notify && echo "$1" | grep -qx ActiveState=active &&
           echo "$1" | grep -qx WatchdogUSec=30s' _ "$out"
main=$(echo "$out" | sed -n 's/^MainPID=//p')
# Every capability the kernel has: the unit bounds none (CAP_KILL among them).
check "stewardd keeps every capability" \
    sh -c '[ "$(sed -n "s/^CapEff:[[:space:]]*//p" /proc/$1/status)" = "$(sed -n "s/^CapBnd:[[:space:]]*//p" /proc/1/status)" ]' _ "$main"
systemctl --user stop steward-hardening.service
rm -rf "$units/steward-hardening.service" "$units/steward-hardening.service.d" "$work" "$statedir"
systemctl --user daemon-reload

# ---- upgrade under a running stewardd ------------------------------------
# The package's user unit runs the example; dpkg installs the upgrade over
# it. The harness has no system manager nor system bus, so it stands in for
# both: /run/systemd/system (the harness's own /run) says systemd runs, the
# system bus is the harness's bus, and a systemctl on PATH logs what the
# maintainer scripts ask of the system manager instead of doing it. The
# postinst then does what it does on a real system: the real stewardctl
# --system daemon-reexec finds the running stewardd and re-executes it.
units=$HOME/.config/systemd/user
mkdir -p "$units/steward.service.d"
printf '[Service]\nExecStart=\nExecStart=/usr/bin/stewardd --user --config=%s\n' "$example" \
    > "$units/steward.service.d/test.conf"
stubs=$(mktemp -d /tmp/steward-stubs-XXXXXX)
cleanup_upgrade() {
    systemctl --user stop steward.service 2>/dev/null
    rm -rf "$units/steward.service.d" "$stubs"
    rmdir /run/systemd/system /run/systemd 2>/dev/null
    systemctl --user daemon-reload
}
trap cleanup_upgrade EXIT
mkdir "$stubs/bin" "$stubs/failing"
printf '#!/bin/sh\necho "systemctl $*" >> %q\n' "$stubs/systemctl.log" > "$stubs/bin/systemctl"
printf '#!/bin/sh\necho "stewardctl: failing on purpose" >&2\nexit 1\n' > "$stubs/failing/stewardctl"
chmod 0755 "$stubs/bin/systemctl" "$stubs/failing/stewardctl"
mkdir -p /run/systemd/system
as_system=(env "PATH=$stubs/bin:$PATH" "DBUS_SYSTEM_BUS_ADDRESS=$DBUS_SESSION_BUS_ADDRESS"
    DEBIAN_FRONTEND=noninteractive)
systemctl --user daemon-reload

# MainPID and Generation of a child, as the daemon reports them.
child_state() {
    local path
    path=$("${bus[@]}" call "${mgr[@]}" GetChild s "$1" | sed -n 's/^o "\(.*\)"$/\1/p')
    [ -n "$path" ] || return 1
    "${bus[@]}" get-property org.steward.Supervisor1 "$path" org.steward.Supervisor1.Child MainPID Generation |
        tr '\n' ' '
}
# The STEWARD_EVENT=$1 entries since $cursor. Not journalctl --after-cursor
# with a match: systemd 252 then shows nothing at all.
events_since_cursor() {
    journalctl --no-pager --after-cursor="$cursor" -o export | grep -Eax "STEWARD_EVENT=$1"
}

if systemctl --user start steward.service; then
    ok "the package's user unit runs the example"
else
    not_ok "the package's user unit runs the example"
    journalctl --no-pager -n 30 | diag
fi
daemon=$(systemctl --user show -p MainPID --value steward.service)
before_api=$(child_state api)
before_proxy=$(child_state db-proxy)
echo "stewardd $daemon, api: $before_api, db-proxy: $before_proxy" | diag
check "both children run" sh -c 'echo "$1" | grep -Eq "^u [1-9][0-9]* t [0-9]+ $" &&
                                  echo "$2" | grep -Eq "^u [1-9][0-9]* t [0-9]+ $"' _ "$before_api" "$before_proxy"
check "stewardd runs the installed /usr/bin/stewardd" [ "$(readlink "/proc/$daemon/exe")" = /usr/bin/stewardd ]
cursor=$(journalctl --show-cursor -n 0 -q | sed -n 's/^-- cursor: //p')
old_version=$(/usr/bin/stewardd --version)

started=$SECONDS
out=$("${as_system[@]}" dpkg -i "$upgrade_deb" 2>&1)
rc=$?
echo "$out" | diag
echo "dpkg -i took $((SECONDS - started)) s" | diag
new_version=$(/usr/bin/stewardd --version)
check "dpkg -i upgrades the package (exit $rc, $old_version -> $new_version)" \
    sh -c '[ "$1" -eq 0 ] && [ "$2" != "$3" ]' _ "$rc" "$old_version" "$new_version"
check "the postinst re-executed stewardd" sh -c 'echo "$1" | grep -q "^steward: re-executed stewardd"' _ "$out"
sed 's/^/systemctl stub: /' "$stubs/systemctl.log" | diag
check "the upgrade neither stopped nor restarted steward.service" \
    sh -c '! grep -Eq " (stop|restart|try-restart|reload-or-restart|kill)( |$)" "$1"' _ "$stubs/systemctl.log"
out=$("${bus[@]}" get-property org.steward.Supervisor1 /org/steward/Supervisor1 org.steward.Supervisor1.Manager Version 2>&1)
echo "Version: $out" | diag
check "the daemon on the bus is the new version" sh -c '[ "$1" = "s \"${2#stewardd }\"" ]' _ "$out" "$new_version"
for _ in $(seq 300); do
    events_since_cursor tree_adopted >/dev/null && break
    sleep 0.1
done
check "the new image adopted the tree (tree_adopted)" events_since_cursor tree_adopted
out=$(systemctl --user show -p MainPID -p ActiveState steward.service)
echo "$out" | diag
check "steward.service is active with the same main process" \
    sh -c 'echo "$1" | grep -qx "MainPID=$2" && echo "$1" | grep -qx ActiveState=active' _ "$out" "$daemon"
check "stewardd runs the new /usr/bin/stewardd, not the replaced file" \
    [ "$(readlink "/proc/$daemon/exe")" = /usr/bin/stewardd ]
after_api=$(child_state api)
after_proxy=$(child_state db-proxy)
echo "api: $after_api, db-proxy: $after_proxy" | diag
check "api kept its MainPID and Generation" [ "$after_api" = "$before_api" ]
check "db-proxy kept its MainPID and Generation" [ "$after_proxy" = "$before_proxy" ]
out=$(events_since_cursor 'child_(starting|started|stopping|exited)')
echo "$out" | diag
check "no child stopped or started since the upgrade" [ -z "$out" ]

# The postinst once more, as dpkg --configure would run it: with no
# stewardd on the bus it has nothing to do and says nothing; a re-exec
# that fails does not fail it, and it says how to finish by hand.
systemctl --user stop steward.service
version=$(dpkg-query -W -f='${Version}' steward)
out=$("${as_system[@]}" /var/lib/dpkg/info/steward.postinst configure "$version" 2>&1)
rc=$?
echo "$out" | diag
check "with no stewardd running the postinst re-executes nothing (exit $rc)" \
    sh -c '[ "$2" -eq 0 ] && ! echo "$1" | grep -q "^steward:"' _ "$out" "$rc"
out=$("${as_system[@]}" "PATH=$stubs/failing:$stubs/bin:$PATH" \
    /var/lib/dpkg/info/steward.postinst configure "$version" 2>&1)
rc=$?
echo "$out" | diag
check "a failed re-exec leaves the postinst successful, saying what to do (exit $rc)" \
    sh -c '[ "$2" -eq 0 ] && echo "$1" | grep -q "failing on purpose" &&
           echo "$1" | grep -q "Run .stewardctl --system daemon-reexec."' _ "$out" "$rc"
trap - EXIT
cleanup_upgrade

echo "1..$n"
[ "$failures" -eq 0 ]
