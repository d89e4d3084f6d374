#!/bin/sh
# check-config.sh: runs stewardd --check-config on one fixture and compares its exit code and problem lines.
# Usage: check-config.sh STEWARDD FIXTURE_DIR NAME EXPECTED_EXIT [STEWARDD_ARGS...]
# NAME is a file or directory under FIXTURE_DIR; its expected stderr is NAME.expected
# (NAME without .conf), and no such file means stderr must be empty.
set -u
stewardd=$1
dir=$2
name=$3
expected_exit=$4
shift 4

case $stewardd in
/*) ;;
*) stewardd=$PWD/$stewardd ;;
esac
# Untranslated messages, whatever the caller's locale.
export LC_ALL=C.UTF-8
cd "$dir" || exit 1
actual=$(mktemp)
trap 'rm -f "$actual"' EXIT
"$stewardd" --check-config --config="$name" "$@" 2>"$actual" >/dev/null
status=$?
if [ "$status" -ne "$expected_exit" ]; then
        echo "stewardd --check-config --config=$name $*: exit $status, expected $expected_exit" >&2
        cat "$actual" >&2
        exit 1
fi
expected="${name%.conf}.expected"
if [ -f "$expected" ]; then
        diff -u "$expected" "$actual" || exit 1
elif [ -s "$actual" ]; then
        echo "unexpected output:" >&2
        cat "$actual" >&2
        exit 1
fi
exit 0
