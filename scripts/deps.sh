#!/bin/sh
# Install what surge needs to build and test, on Debian 12, skipping what is
# already there. Uses sudo when not root. Safe to run again and again.
#
#   scripts/deps.sh          build and test (make run, make test)
#   scripts/deps.sh bench    what the server benchmarks add (bench/run.sh runs it):
#                            sysbench and the mariadb client; the servers and
#                            pgbench (package postgresql-15) come from tests/servers.sh
set -eu

# build: compiler, cmake, pkg-config; libraries: sqlite, libpq, libmariadb, FreeTDS, libmicrohttpd (the
# dashboard), libfyaml (profiles); tests: python3, the sqlite3 shell, clang + its sanitizer and libFuzzer runtimes, chromium (the
# dashboard's browser test). npm installs uPlot for the report and the dashboard (web/package-lock.json):
# Debian's nodejs and npm, unless an npm is already there (one from elsewhere would clash with them).
case "${1:-}" in
    "")    PACKAGES="gcc make cmake pkg-config libsqlite3-dev sqlite3 libpq-dev libmariadb-dev freetds-dev libmicrohttpd-dev libfyaml-dev libhiredis-dev python3 clang libclang-rt-dev chromium"
           command -v npm >/dev/null 2>&1 || PACKAGES="$PACKAGES nodejs npm" ;;
    bench) PACKAGES="python3 sysbench mariadb-client-core redis-tools" ;;
    *)     echo "usage: $0 [bench]" >&2; exit 2 ;;
esac

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

echo "surge: installing:$missing"
if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
