#!/bin/sh
# run.sh - surge's benchmarks: print markdown tables (see bench/README.md).
#
#   ./bench/run.sh [SURGE]          SURGE defaults to build/surge; `make bench` runs this
#   BENCH_QUICK=1 ./bench/run.sh    a smoke run in ~1 min: fewer operations, 2 s runs, 100k rows
#   BENCH_SERVERS=0 ./bench/run.sh  without the server benchmarks (seed, point_select, queue's Redis part)
#
# Not a timed test: it never fails on a number, only when surge itself fails.
# About 8.5 minutes on 2 cores; run it on a quiet machine and read the
# "others (cores)" columns (the noise) before trusting a number.
#
# The server benchmarks install what they need (scripts/deps.sh bench: sysbench,
# the mariadb client, redis-benchmark; tests/servers.sh: PostgreSQL 15 with
# pgbench, MariaDB, Redis),
# start their own servers on loopback in a temp dir and stop them at the end.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
surge=${1:-build/surge}
case $surge in /*) ;; *) surge=$(pwd)/$surge ;; esac
if [ ! -x "$surge" ]; then
    echo "run.sh: no surge binary at $surge (build it: cmake --build build)" >&2
    exit 2
fi
command -v python3 >/dev/null || { echo "run.sh: python3 is needed" >&2; exit 2; }

if [ "${BENCH_QUICK:-0}" = 1 ]; then
    overhead_args="--repeat 1 --scale 0.1"
    rate_args="--seconds 2"
    seed_args="--rows 100000 --repeat 1"
    point_args="--seconds 2 --repeat 1 --scale 1"
    queue_args="--requests 200000 --repeat 1 --messages 500000"
else
    overhead_args="--repeat 3"
    rate_args="--seconds 10"
    seed_args="--rows 1000000 --repeat 3"
    point_args="--seconds 10 --repeat 3 --scale 10"
    queue_args="--requests 1000000 --repeat 3 --messages 5000000"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/surge-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

rev=$(git -C "$here" describe --always --dirty 2>/dev/null || echo unknown)
echo "# surge benchmarks"
echo
echo "$("$surge" --version 2>/dev/null || echo surge), source $rev, $(date -u +%Y-%m-%dT%H:%M:%SZ), \`$0 $*\`"
echo

start=$(date +%s)
python3 -B "$here/overhead.py" "$surge" $overhead_args --tmpdir "$tmp"
python3 -B "$here/rate_accuracy.py" "$surge" $rate_args --tmpdir "$tmp"
status=0
if [ "${BENCH_SERVERS:-1}" = 1 ]; then
    # Progress and apt-get output to stderr: stdout keeps only the tables.
    "$here/../scripts/deps.sh" bench >&2
    python3 -B "$here/seed.py" "$surge" $seed_args --tmpdir "$tmp" || status=1
    python3 -B "$here/point_select.py" "$surge" $point_args --tmpdir "$tmp" || status=1
    python3 -B "$here/queue.py" "$surge" $queue_args --tmpdir "$tmp" || status=1
else
    # No servers: queue.py's JSON-lines part only.
    python3 -B "$here/queue.py" "$surge" $queue_args --only jsonl --tmpdir "$tmp" || status=1
fi
echo "Benchmarks took $(( $(date +%s) - start )) s."
exit $status
