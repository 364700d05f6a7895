#!/bin/sh
# Run a test with the test servers' settings in its environment:
#   SURGE_SERVERS_DIR=DIR tests/with-servers.sh PROGRAM ARGS...
# sources the env file written by tests/servers.sh start (SURGE_TEST_PG,
# SURGE_TEST_MYSQL, SURGE_TEST_REDIS, SURGE_SERVERS_DIR = the state dir, and
# the admin details), then execs PROGRAM. ctest runs the server tests through
# it (fixture `servers`), with SURGE_SERVERS_PER_RUN=1: the state dir is then
# DIR/ctest-PID-STARTTIME of our parent, the ctest run that started them.
set -eu
dir="${SURGE_SERVERS_DIR:-}"
if [ -n "$dir" ] && [ "${SURGE_SERVERS_PER_RUN:-0}" = 1 ]; then
    start_time="$(sed 's/^.*) //' "/proc/$PPID/stat" | cut -d' ' -f20)"
    dir="$dir/ctest-$PPID-$start_time"
fi
if [ -z "$dir" ] || [ ! -r "$dir/env" ]; then
    echo "with-servers.sh: no test servers (${dir:-SURGE_SERVERS_DIR unset}: no env file); start them with tests/servers.sh start" >&2
    exit 1
fi
# shellcheck disable=SC1091
. "$dir/env"
exec "$@"
