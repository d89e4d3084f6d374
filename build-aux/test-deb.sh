#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Installs the built steward .deb on this machine, checks what it installed and integrated, then purges it and
# checks that nothing it installed is left behind.
#
#   build-aux/test-deb.sh [--while-installed CMD] [--remove-group] [DEB]
#
#   DEB                    default build/deb/steward_*_ARCH.deb (build-aux/build-deb.sh)
#   --while-installed CMD  runs CMD (bash -c) once the package is installed
#                          and checked, before the purge; it fails the test
#                          unless it exits 0
#   --remove-group         deletes the steward group after the purge, if the
#                          install created it (for test machines)
#
# Changes the machine: needs root, refuses to run where steward is already
# installed. The steward group stays after the purge, as Debian leaves
# system groups (a file owned by it could otherwise end up with another
# group's id), unless --remove-group. Whatever happens, the package is
# purged again and journald's catalog database is restored to what it was
# before the install (systemd's trigger rewrites it on install and purge).
set -euo pipefail

src=$(dirname "$(dirname "$(readlink -f "$0")")")
arch=$(dpkg-architecture -q DEB_HOST_ARCH 2>/dev/null || dpkg --print-architecture)
while_installed=
remove_group=0
while [ $# -gt 0 ]; do
    case $1 in
    --while-installed) while_installed=$2; shift 2 ;;
    --remove-group) remove_group=1; shift ;;
    --) shift; break ;;
    -*) echo "test-deb: unknown option $1" >&2; exit 2 ;;
    *) break ;;
    esac
done
deb=${1:-$(find "$src/build/deb" -maxdepth 1 -name "steward_*_$arch.deb" 2>/dev/null | head -n 1)}
failures=0

say() { echo "test-deb: $*" >&2; }
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}
ok() { echo "ok: $*" >&2; }
check() { # check DESCRIPTION COMMAND...
    local what=$1
    shift
    if "$@" >/dev/null 2>&1; then ok "$what"; else fail "$what"; fi
}

[ "$(id -u)" -eq 0 ] || { say "needs root: it installs and purges a package"; exit 77; }
if [ -z "$deb" ] || [ ! -f "$deb" ]; then
    say "no .deb; run build-aux/build-deb.sh first"
    exit 1
fi
deb=$(readlink -f "$deb")
if dpkg-query -W -f='${Status}' steward 2>/dev/null | grep -q 'installed'; then
    say "steward is installed already; not touching it"
    exit 1
fi

# What exists before: the file systems a package writes to, without the
# package manager's own bookkeeping and caches (and journald's catalog
# database, which systemd's trigger rewrites on install and on purge).
snapshot() {
    find /etc /usr /lib /opt /var -xdev \
        \( -path /var/lib/dpkg -o -path /var/lib/apt -o -path /var/cache -o -path /var/log \
        -o -path /var/lib/systemd/catalog -o -path /var/tmp -o -path /var/lib/ucf \) -prune \
        -o -print 2>/dev/null | LC_ALL=C sort
}
work=$(mktemp -d)
catalog_db=/var/lib/systemd/catalog/database
group_existed=0
getent group steward >/dev/null && group_existed=1
if [ -f "$catalog_db" ]; then cp -p "$catalog_db" "$work/catalog-database"; fi
installed=0
cleanup() {
    local rc=$?
    set +e
    if [ "$installed" -eq 1 ] && dpkg-query -W -f='${Status}' steward 2>/dev/null | grep -q installed; then
        say "cleanup: purging steward"
        apt-get purge -y -q steward >&2
    fi
    if [ -f "$work/catalog-database" ]; then
        cp -p "$work/catalog-database" "$catalog_db"
    elif [ "$installed" -eq 1 ]; then
        rm -f "$catalog_db"
    fi
    if [ "$remove_group" -eq 1 ] && [ "$group_existed" -eq 0 ] && getent group steward >/dev/null; then
        say "cleanup: deleting the group steward the install created"
        groupdel steward
    fi
    rm -rf "$work"
    exit "$rc"
}
trap cleanup EXIT
snapshot > "$work/before"

say "installing $deb"
export DEBIAN_FRONTEND=noninteractive
installed=1
apt-get install -y -q --no-install-recommends "$deb" >&2
dpkg -L steward | LC_ALL=C sort > "$work/files"

# ---- installed ----------------------------------------------------------
version=$(dpkg-query -W -f='${Version}' steward)
unitdir=$(dirname "$(grep -m1 '/systemd/system/steward.service$' "$work/files" || echo /lib/systemd/system/x)")
for f in /usr/bin/stewardd /usr/bin/stewardctl \
    "$unitdir/steward.service" /usr/lib/systemd/user/steward.service \
    "$unitdir/steward-metrics.service" "$unitdir/steward-metrics.timer" \
    /usr/share/dbus-1/interfaces/org.steward.Supervisor1.xml \
    /usr/share/dbus-1/system.d/org.steward.Supervisor1.conf \
    /usr/share/dbus-1/system-services/org.steward.Supervisor1.service \
    /usr/share/dbus-1/services/org.steward.Supervisor1.service \
    /usr/lib/systemd/catalog/steward.catalog \
    /usr/share/locale/de/LC_MESSAGES/steward.mo \
    /usr/share/man/man8/stewardd.8.gz /usr/share/man/man1/stewardctl.1.gz \
    /usr/share/man/man5/steward.conf.5.gz /usr/share/man/man5/org.steward.Supervisor1.5.gz \
    /usr/share/bash-completion/completions/stewardctl \
    /usr/share/doc/steward/examples/webapp/steward.conf \
    /usr/lib/sysusers.d/steward.conf; do
    if grep -qxF "$f" "$work/files" && [ -e "$f" ]; then ok "ships $f"; else fail "ships $f"; fi
done

check "stewardd --version is $version" sh -c "stewardd --version | grep -qxF 'stewardd $version'"
check "stewardctl --version is $version" sh -c "stewardctl --version | grep -qxF 'stewardctl $version'"
check "group steward exists (sysusers.d)" getent group steward
check "the installed example is valid" stewardd --check-config --system \
    --config=/usr/share/doc/steward/examples/webapp
check "no configuration is the empty, valid tree" sh -c \
    '[ ! -e /etc/steward/steward.conf ] && stewardd --check-config --system'
check "steward.service is enabled" sh -c \
    "[ -L /etc/systemd/system/multi-user.target.wants/steward.service ]"
check "the user unit is not enabled globally" sh -c \
    "[ ! -e /etc/systemd/user/default.target.wants/steward.service ]"
check "steward-metrics.timer is not enabled" sh -c \
    "[ ! -e /etc/systemd/system/timers.target.wants/steward-metrics.timer ]"
if command -v systemd-analyze >/dev/null; then
    check "systemd-analyze verify steward.service" systemd-analyze verify "$unitdir/steward.service"
    check "systemd-analyze verify steward-metrics.timer" \
        systemd-analyze verify "$unitdir/steward-metrics.timer" "$unitdir/steward-metrics.service"
fi
for page in stewardd stewardctl steward.conf org.steward.Supervisor1; do
    check "man $page" sh -c "man -w $page | grep -q '^/usr/share/man/'"
done

# The catalog reached journald's database through systemd's trigger.
id=$(sed -n 's/^-- \([0-9a-f]\{32\}\)$/\1/p' /usr/lib/systemd/catalog/steward.catalog | head -n 1)
check "journalctl --list-catalog knows $id" sh -c "journalctl --list-catalog $id | grep -q $id"

# Completion: bash-completion loads it on demand, and commands complete
# without a daemon.
bash -c 'source /usr/share/bash-completion/bash_completion
         _completion_loader stewardctl
         complete -p stewardctl | grep -q _stewardctl || exit 1
         COMP_WORDS=(stewardctl res) COMP_CWORD=1 COMP_LINE="stewardctl res" COMP_POINT=14
         _stewardctl
         printf "%s\n" "${COMPREPLY[@]}"' > "$work/completion" 2>&1 || true
if [ "$(LC_ALL=C sort "$work/completion" | tr '\n' ' ')" = "restart resume resume-supervisor " ]; then
    ok "bash completes 'stewardctl res' to restart, resume, resume-supervisor"
else
    fail "bash completion of 'stewardctl res': $(tr '\n' ' ' < "$work/completion")"
fi

# ---- what the caller runs against the installed package -----------------
if [ -n "$while_installed" ]; then
    say "running: $while_installed"
    if bash -c "$while_installed"; then
        ok "$while_installed"
    else
        fail "$while_installed (exit $?)"
    fi
fi

# ---- purged -------------------------------------------------------------
say "purging steward"
apt-get purge -y -q steward >&2
snapshot > "$work/after"

check "dpkg knows steward no more" sh -c "! dpkg-query -W -f='\${Status}' steward 2>/dev/null | grep -q installed"
left=0
while read -r f; do
    # Directories the package shared with others stay, as they should.
    if [ -e "$f" ] && ! [ -d "$f" ]; then
        fail "left behind: $f"
        left=1
    fi
done < "$work/files"
[ "$left" -eq 0 ] && ok "no file of the package is left"
new=$(LC_ALL=C comm -13 "$work/before" "$work/after")
if [ -n "$new" ]; then
    fail "paths that did not exist before the install: $(echo "$new" | tr '\n' ' ')"
else
    ok "nothing new on the machine after the purge"
fi
check "journalctl --list-catalog forgot $id" sh -c "! journalctl --list-catalog $id 2>/dev/null | grep -q $id"

if [ "$failures" -gt 0 ]; then
    say "$failures check(s) failed"
    exit 1
fi
say "all checks passed"
