#!/usr/bin/env bash
# Test servers for the integration tests: PostgreSQL 15, MariaDB and Redis,
# each started directly (no systemd, no init scripts) on a free port of
# 127.0.0.1, with everything it writes kept in one state directory.
#
#   tests/servers.sh start [DIR]     install what is missing, start all three
#   tests/servers.sh stop [DIR]      stop what start started, remove DIR
#   tests/servers.sh restart-pg [DIR]  stop then start the same PostgreSQL
#   tests/servers.sh stop-pg|start-pg [DIR]  the two halves of restart-pg
#
# DIR is $SURGE_SERVERS_DIR, else a new mktemp -d under /tmp for start (its
# name is remembered in /tmp/surge-servers.last.UID for a later stop). With
# SURGE_SERVERS_PER_RUN=1 (set by CMakeLists.txt for ctest), DIR is
# $SURGE_SERVERS_DIR/ctest-PID-STARTTIME of the parent process, so that two
# ctest runs in one build tree at once each have their own servers; start and
# stop also clean up after runs that ended without stop.
#
# start writes DIR/env (shell) and DIR/env.json (mode 600), holding
#   SURGE_TEST_PG     postgres://surge:PASS@127.0.0.1:PORT/surge
#   SURGE_TEST_MYSQL  mysql://surge:PASS@127.0.0.1:PORT/surge
#   SURGE_TEST_REDIS  redis://127.0.0.1:PORT/0
# and the admin details (ports, data dirs, pid files, the OS user PostgreSQL
# runs as, a pg_ctl command line). Only those two files hold the passwords:
# what start prints (also kept in DIR/start.log) shows them as ****.
#
# Layout: DIR/run/{pg,mysql,redis}/ hold the data dirs, sockets, pid files and
# logs. DIR/run is a symlink to a /tmp directory when DIR is too deep for a
# unix socket path, or (as root) not reachable by the PostgreSQL user.
#
# As root, PostgreSQL runs as $SURGE_PG_USER, else `postgres` (created by the
# postgresql-common package), else `nobody`; MariaDB runs with --user=root.
# Not as root, all three run as the current user and apt-get goes via sudo -n.
#
# Every wait is bounded; stop only signals the pids in DIR's pid files, after
# checking each still is the process start started.
set -euo pipefail

PG_BIN=/usr/lib/postgresql/15/bin
PACKAGES="postgresql-15 mariadb-server redis-server"
WAIT_PG=30        # seconds for PostgreSQL to accept connections
WAIT_MYSQL=30     # seconds for MariaDB to answer
WAIT_REDIS=10     # seconds for Redis to answer PING
WAIT_STOP=30      # seconds for a server to exit after its stop signal
MARKER=.surge-servers
SELF="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
POINTER="/tmp/surge-servers.last.$(id -u)"

ME="$(id -un 2>/dev/null)" || { echo "servers.sh: error: uid $(id -u) has no user name (PostgreSQL and MariaDB need one)" >&2; exit 1; }
if [ "$(id -u)" -eq 0 ]; then IS_ROOT=1; SUDO=""; else IS_ROOT=0; SUDO="sudo -n"; fi

# Strings to hide in whatever we print (the generated passwords).
PG_PASS=""
MY_PASS=""

mask() {
    if [ -n "$PG_PASS$MY_PASS" ]; then
        sed -e "s/${PG_PASS:-@@none@@}/****/g" -e "s/${MY_PASS:-@@none@@}/****/g"
    else
        cat
    fi
}

say() { echo "servers.sh: $*"; }

# die MESSAGE [LOGFILE...]: one line saying what failed, then the tail of each
# log that exists (passwords masked).
die() {
    local msg="$1" f
    shift
    echo "servers.sh: error: $msg" >&2
    for f in "$@"; do
        if [ -s "$f" ]; then
            echo "servers.sh: last lines of $f:" >&2
            tail -n 25 "$f" | mask | sed 's/^/    /' >&2
        fi
    done
    exit 1
}

# ---------------------------------------------------------------- processes

# alive PID: the process exists and is not a zombie (PID 1 may not reap).
alive() {
    local st
    [ -n "$1" ] && [ -r "/proc/$1/stat" ] || return 1
    st="$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)" || return 1
    [ -n "$st" ] && [ "$st" != Z ]
}

# is_ours PID NEEDLE...: the process's command line (arguments joined by
# spaces, one after the last) contains one of the NEEDLEs (its data dir or
# port), so a recycled pid is never signalled.
is_ours() {
    local pid="$1" cmd n
    shift
    alive "$pid" || return 1
    cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
    for n in "$@"; do
        case "$cmd" in *"$n"*) return 0 ;; esac
    done
    return 1
}

# stop_pid NAME PIDFILE SIGNAL NEEDLE...: signal the process (if is_ours),
# wait for it to go (bounded), then SIGKILL it and its process group if it
# leads one.
stop_pid() {
    local name="$1" pidfile="$2" sig="$3" pid i
    shift 3
    [ -f "$pidfile" ] || return 0
    pid="$(head -n 1 "$pidfile" | tr -dc 0-9)"
    if [ -z "$pid" ] || ! alive "$pid"; then
        rm -f "$pidfile"    # stale
        return 0
    fi
    if ! is_ours "$pid" "$@"; then
        say "$name: pid $pid in $pidfile is not the server started here; leaving it alone"
        return 0
    fi
    kill "-$sig" "$pid" 2>/dev/null || true
    for ((i = 0; i < WAIT_STOP * 10; i++)); do
        alive "$pid" || break
        sleep 0.1
    done
    if alive "$pid"; then
        say "$name (pid $pid) still running after ${WAIT_STOP}s; killing it"
        if [ "$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f3)" = "$pid" ]; then
            kill -KILL -- "-$pid" 2>/dev/null || true
        else
            kill -KILL "$pid" 2>/dev/null || true
        fi
        for ((i = 0; i < 50; i++)); do
            alive "$pid" || break
            sleep 0.1
        done
        alive "$pid" && die "could not stop $name (pid $pid)"
    fi
    rm -f "$pidfile"
}

free_ports() {  # N free TCP ports on 127.0.0.1, all different
    python3 -c '
import socket, sys
ss = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in ss:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))' "$1"
}

gen_password() { od -An -tx1 -N16 /dev/urandom | tr -d ' \n'; }

# ---------------------------------------------------------------- install

install_missing() {
    local missing="" p log="$1"
    for p in $PACKAGES; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
            missing="$missing $p"
        fi
    done
    [ -z "$missing" ] && return 0
    say "installing:$missing (apt-get output in $log)"
    # stdin/stdout away from our pipes: package scripts may start daemons.
    # shellcheck disable=SC2086
    if ! { $SUDO env DEBIAN_FRONTEND=noninteractive timeout 600 apt-get update -qq &&
           $SUDO env DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -qq \
               -o DPkg::Lock::Timeout=120 --no-install-recommends $missing; } </dev/null >"$log" 2>&1; then
        die "apt-get install$missing failed" "$log"
    fi
}

# ---------------------------------------------------------------- state dir

# holder_tag PID: "PID-STARTTIME" while PID runs (the start time tells a
# recycled pid apart), nothing once it is gone.
holder_tag() {
    local st
    st="$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20)" || return 0
    if [ -n "$st" ]; then echo "$1-$st"; fi
}

# Sets STATE from $1, $SURGE_SERVERS_DIR or the pointer file. With
# SURGE_SERVERS_PER_RUN=1 (as under ctest), $SURGE_SERVERS_DIR is a base
# holding one state dir per run, named after the parent process (ctest):
# two ctest runs at once in one build tree each get their own servers.
BASE=""
resolve_state() {
    STATE="${1:-${SURGE_SERVERS_DIR:-}}"
    if [ -z "$STATE" ] && [ -f "$POINTER" ]; then
        STATE="$(cat "$POINTER")"
    fi
    if [ -z "${1:-}" ] && [ -n "$STATE" ] && [ "${SURGE_SERVERS_PER_RUN:-0}" = 1 ]; then
        BASE="$STATE"
        STATE="$BASE/ctest-$(holder_tag "$PPID")"
    fi
}

# In per-run mode: stop the servers of runs that ended without stopping them
# (their ctest is gone), never those of a run still going.
prune_stale_runs() {
    local d tag own="$STATE"
    [ -n "$BASE" ] || return 0
    for d in "$BASE"/ctest-*; do
        is_state_dir "$d" || continue
        [ "$d" != "$own" ] || continue
        tag="${d##*/ctest-}"
        if [ "$(holder_tag "${tag%%-*}")" != "$tag" ]; then
            say "stopping servers left by an earlier run in $d"
            STATE="$d"
            do_stop_servers
            remove_state
        fi
    done
    STATE="$own"
}

is_state_dir() { [ -d "$1" ] && [ -f "$1/$MARKER" ]; }

remove_state() {
    local run
    is_state_dir "$STATE" || return 0
    if [ -L "$STATE/run" ]; then
        run="$(readlink "$STATE/run")"
        if [ -f "$run/$MARKER" ]; then rm -rf "$run"; fi
    fi
    rm -rf "$STATE"
    if [ -f "$POINTER" ] && [ "$(cat "$POINTER")" = "$STATE" ]; then rm -f "$POINTER"; fi
}

# ---------------------------------------------------------------- PostgreSQL

# as_pg CMD...: run CMD as the PostgreSQL OS user, from /, with HOME in the
# PostgreSQL directory.
as_pg() {
    if [ "$IS_ROOT" -eq 1 ]; then
        (cd / && setpriv --reuid="$PG_OS_USER" --regid="$PG_OS_GROUP" --init-groups -- \
            env HOME="$RUN/pg" "$@")
    else
        (cd / && env HOME="$RUN/pg" "$@")
    fi
}

pg_start_server() {  # start the initialised cluster in $RUN/pg/data
    # pg_ctl detaches the postmaster (setsid) and sends its output to the log.
    if ! as_pg "$PG_BIN/pg_ctl" -D "$RUN/pg/data" -l "$RUN/pg/postgres.log" \
            -w -t "$WAIT_PG" -s start </dev/null >>"$RUN/pg/pg_ctl.log" 2>&1; then
        return 1
    fi
    as_pg "$PG_BIN/pg_isready" -q -h "$RUN/pg/sock" -p "$PG_PORT" -t 5 </dev/null
}

pg_stop_server() {
    # SIGINT: fast shutdown (SIGTERM would wait for every client to leave).
    stop_pid PostgreSQL "$RUN/pg/data/postmaster.pid" INT " $RUN/pg/data "
}

start_pg() {
    local try
    mkdir -p "$RUN/pg/sock"
    chmod 700 "$RUN/pg"
    if [ "$IS_ROOT" -eq 1 ]; then chown -R "$PG_OS_USER:$PG_OS_GROUP" "$RUN/pg"; fi
    if ! as_pg "$PG_BIN/initdb" -D "$RUN/pg/data" -A peer --auth-host=scram-sha-256 \
            -E UTF8 --locale=C -N </dev/null >"$RUN/pg/initdb.log" 2>&1; then
        die "PostgreSQL initdb failed" "$RUN/pg/initdb.log"
    fi
    # shellcheck disable=SC2016
    as_pg sh -c 'cat >>"$1"' sh "$RUN/pg/data/postgresql.conf" <<EOF

# surge test server (tests/servers.sh)
listen_addresses = '127.0.0.1'
unix_socket_directories = '$RUN/pg/sock'
unix_socket_permissions = 0700
max_connections = 200
shared_buffers = 32MB
fsync = off
synchronous_commit = off
full_page_writes = off
password_encryption = 'scram-sha-256'
logging_collector = off
EOF
    # A port taken between free_ports and the bind: try again with another.
    for try in 1 2 3; do
        # shellcheck disable=SC2016
        echo "port = $PG_PORT" | as_pg sh -c 'cat >>"$1"' sh "$RUN/pg/data/postgresql.conf"
        if pg_start_server; then break; fi
        pg_stop_server
        if [ "$try" -lt 3 ] && grep -q "Address already in use" "$RUN/pg/postgres.log" 2>/dev/null; then
            PG_PORT="$(free_ports 1)"
            continue
        fi
        die "PostgreSQL did not start on 127.0.0.1:$PG_PORT (waited at most ${WAIT_PG}s)" \
            "$RUN/pg/pg_ctl.log" "$RUN/pg/postgres.log"
    done
    local out
    if ! out="$(printf "CREATE ROLE surge LOGIN PASSWORD '%s';\nCREATE DATABASE surge OWNER surge;\n" "$PG_PASS" |
            as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$RUN/pg/sock" -p "$PG_PORT" \
                -d postgres -f - 2>&1)"; then
        echo "$out" | mask >>"$RUN/pg/postgres.log"
        die "PostgreSQL: creating role and database surge failed" "$RUN/pg/postgres.log"
    fi
}

# ---------------------------------------------------------------- MariaDB

mysql_opts() {  # options shared by mariadb-install-db and mariadbd
    local d="$RUN/mysql"
    MYSQL_OPTS=(--datadir="$d/data" --tmpdir="$d/tmp" --socket="$d/mysqld.sock"
        --pid-file="$d/mariadbd.pid" --log-error="$d/mariadbd.log"
        --skip-name-resolve --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci
        --innodb-buffer-pool-size=64M --innodb-log-file-size=32M
        --innodb-flush-log-at-trx-commit=2 --innodb-doublewrite=0 --max-connections=200)
    if [ "$IS_ROOT" -eq 1 ]; then MYSQL_OPTS+=(--user=root); fi
}

mysql_admin() {  # the MariaDB client as the socket-authenticated admin
    mariadb --no-defaults --protocol=socket --socket="$RUN/mysql/mysqld.sock" -u "$ME" \
        --connect-timeout=3 "$@"
}

start_mysql() {
    local d="$RUN/mysql" try i pid out
    mkdir -p "$d/data" "$d/tmp"
    chmod 700 "$d"
    mysql_opts
    if ! mariadb-install-db --no-defaults "${MYSQL_OPTS[@]}" --auth-root-authentication-method=socket \
            --auth-root-socket-user="$ME" --skip-test-db --force </dev/null >"$d/install.log" 2>&1; then
        die "mariadb-install-db failed" "$d/install.log"
    fi
    for try in 1 2 3; do
        setsid mariadbd --no-defaults "${MYSQL_OPTS[@]}" --port="$MYSQL_PORT" \
            --bind-address=127.0.0.1 </dev/null >>"$d/mariadbd.out" 2>&1 &
        pid=$!
        echo "$pid" >"$d/launch.pid"
        for ((i = 0; i < WAIT_MYSQL * 5; i++)); do
            alive "$pid" || break
            if mysql_admin -N -e 'select 1' </dev/null >/dev/null 2>&1; then break; fi
            sleep 0.2
        done
        if alive "$pid" && mysql_admin -N -e 'select 1' </dev/null >/dev/null 2>&1; then break; fi
        stop_pid MariaDB "$d/launch.pid" TERM "--datadir=$d/data "
        if [ "$try" -lt 3 ] && grep -q "Address already in use\|Can't start server: Bind" "$d/mariadbd.log" 2>/dev/null; then
            MYSQL_PORT="$(free_ports 1)"
            continue
        fi
        die "MariaDB did not start on 127.0.0.1:$MYSQL_PORT (waited at most ${WAIT_MYSQL}s)" \
            "$d/mariadbd.out" "$d/mariadbd.log"
    done
    if ! out="$(printf "CREATE DATABASE surge;\nCREATE USER 'surge'@'127.0.0.1' IDENTIFIED BY '%s';\nGRANT ALL PRIVILEGES ON surge.* TO 'surge'@'127.0.0.1';\n" "$MY_PASS" |
            mysql_admin 2>&1)"; then
        echo "$out" | mask >>"$d/mariadbd.log"
        die "MariaDB: creating user and database surge failed" "$d/mariadbd.log"
    fi
}

# ---------------------------------------------------------------- Redis

redis_ping() { timeout 3 redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping </dev/null 2>/dev/null | grep -q PONG; }

start_redis() {
    local d="$RUN/redis" try i
    mkdir -p "$d"
    chmod 700 "$d"
    for try in 1 2 3; do
        echo "$REDIS_PORT" >"$d/port"
        if redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$d" --daemonize yes \
                --pidfile "$d/redis.pid" --logfile "$d/redis.log" --save '' --appendonly no \
                </dev/null >>"$d/redis.out" 2>&1; then
            for ((i = 0; i < WAIT_REDIS * 10; i++)); do
                if redis_ping; then return 0; fi
                # Daemonised: the pid file appears once it runs; gone means it exited.
                if [ "$i" -gt 20 ] && ! [ -f "$d/redis.pid" ]; then break; fi
                sleep 0.1
            done
        fi
        stop_pid Redis "$d/redis.pid" TERM "127.0.0.1:$REDIS_PORT " "--port $REDIS_PORT "
        if [ "$try" -lt 3 ] && grep -q "Address already in use" "$d/redis.log" 2>/dev/null; then
            REDIS_PORT="$(free_ports 1)"
            continue
        fi
        die "Redis did not start on 127.0.0.1:$REDIS_PORT (waited at most ${WAIT_REDIS}s for PING)" \
            "$d/redis.out" "$d/redis.log"
    done
}

# ---------------------------------------------------------------- env files

write_env() {
    local pg_url="postgres://surge:$PG_PASS@127.0.0.1:$PG_PORT/surge"
    local my_url="mysql://surge:$MY_PASS@127.0.0.1:$MYSQL_PORT/surge"
    local redis_url="redis://127.0.0.1:$REDIS_PORT/0"
    local pg_ctl="$PG_BIN/pg_ctl -D $RUN/pg/data -l $RUN/pg/postgres.log"
    if [ "$IS_ROOT" -eq 1 ]; then
        pg_ctl="setpriv --reuid=$PG_OS_USER --regid=$PG_OS_GROUP --init-groups -- $pg_ctl"
    fi
    (
        umask 077
        {
            echo "# written by tests/servers.sh start; holds passwords: keep it private"
            for kv in \
                "SURGE_SERVERS_DIR=$STATE" \
                "SURGE_SERVERS_PER_RUN=0" \
                "SURGE_TEST_PG=$pg_url" \
                "SURGE_TEST_MYSQL=$my_url" \
                "SURGE_TEST_REDIS=$redis_url" \
                "SURGE_PG_PORT=$PG_PORT" \
                "SURGE_PG_PASSWORD=$PG_PASS" \
                "SURGE_PG_BIN=$PG_BIN" \
                "SURGE_PG_DATA=$RUN/pg/data" \
                "SURGE_PG_SOCKET_DIR=$RUN/pg/sock" \
                "SURGE_PG_LOG=$RUN/pg/postgres.log" \
                "SURGE_PG_PIDFILE=$RUN/pg/data/postmaster.pid" \
                "SURGE_PG_OS_USER=$PG_OS_USER" \
                "SURGE_PG_OS_GROUP=$PG_OS_GROUP" \
                "SURGE_PG_CTL=$pg_ctl" \
                "SURGE_PG_RESTART=$SELF restart-pg $STATE" \
                "SURGE_MYSQL_PORT=$MYSQL_PORT" \
                "SURGE_MYSQL_PASSWORD=$MY_PASS" \
                "SURGE_MYSQL_DATA=$RUN/mysql/data" \
                "SURGE_MYSQL_SOCKET=$RUN/mysql/mysqld.sock" \
                "SURGE_MYSQL_PIDFILE=$RUN/mysql/mariadbd.pid" \
                "SURGE_MYSQL_LOG=$RUN/mysql/mariadbd.log" \
                "SURGE_MYSQL_CNF=$STATE/mysql-client.cnf" \
                "SURGE_REDIS_PORT=$REDIS_PORT" \
                "SURGE_REDIS_PIDFILE=$RUN/redis/redis.pid" \
                "SURGE_REDIS_LOG=$RUN/redis/redis.log"; do
                # Single-quoted: nothing in these values contains a quote.
                echo "export ${kv%%=*}='${kv#*=}'"
            done
        } >"$STATE/env.tmp"
        python3 -c '
import json, sys
env = {}
for line in open(sys.argv[1]):
    if line.startswith("export "):
        k, v = line[len("export "):].rstrip("\n").split("=", 1)
        env[k] = v[1:-1]
json.dump(env, open(sys.argv[2], "w"), indent=2, sort_keys=True)' "$STATE/env.tmp" "$STATE/env.json.tmp"
        printf '[client]\nuser=surge\npassword=%s\nhost=127.0.0.1\nport=%s\nprotocol=tcp\ndatabase=surge\n' \
            "$MY_PASS" "$MYSQL_PORT" >"$STATE/mysql-client.cnf"
        mv "$STATE/env.json.tmp" "$STATE/env.json"
        mv "$STATE/env.tmp" "$STATE/env"
    )
}

# ---------------------------------------------------------------- commands

STARTED_OK=0
TEE_PID=""
# At the exit of start, whatever the cause (an error, a signal, a closed
# stdout): unless all went well, stop what was started and remove the state.
on_start_exit() {
    set +e
    trap '' PIPE
    trap - INT TERM HUP
    if [ "$STARTED_OK" -ne 1 ]; then
        say "start failed; stopping what was started"
        do_stop_servers
        remove_state
    fi
    if [ -n "$TEE_PID" ]; then
        # Close our end of tee's pipe and give it a moment to finish writing
        # (bounded: after a signal, bash may still hold a saved copy of it).
        exec >/dev/null 2>&1
        local i
        for ((i = 0; i < 20; i++)); do
            alive "$TEE_PID" || break
            sleep 0.1
        done
    fi
}

# run_dir: where $STATE/run really is (it may be a symlink to /tmp).
run_dir() { (cd "$STATE/run" 2>/dev/null && pwd -P) || echo "$STATE/run"; }

do_stop_servers() {
    local run
    run="$(run_dir)"
    local rport
    rport="$(cat "$run/redis/port" 2>/dev/null || echo none)"
    stop_pid Redis "$run/redis/redis.pid" TERM "127.0.0.1:$rport " "--port $rport "
    stop_pid MariaDB "$run/mysql/mariadbd.pid" TERM "--datadir=$run/mysql/data "
    stop_pid MariaDB "$run/mysql/launch.pid" TERM "--datadir=$run/mysql/data "
    stop_pid PostgreSQL "$run/pg/data/postmaster.pid" INT " $run/pg/data "
}

# The body of start; its output goes to the terminal and $STATE/start.log.
start_inner() {
    local t0=$SECONDS
    install_missing "$STATE/apt.log"

    for tool in "$PG_BIN/initdb" "$PG_BIN/pg_ctl" "$PG_BIN/psql" mariadb-install-db mariadbd \
            mariadb redis-server redis-cli python3 setpriv setsid timeout; do
        command -v "$tool" >/dev/null 2>&1 || die "$tool not found (is its package installed?)"
    done

    # The PostgreSQL OS user: never root.
    if [ "$IS_ROOT" -eq 1 ]; then
        PG_OS_USER="${SURGE_PG_USER:-}"
        if [ -z "$PG_OS_USER" ]; then
            if id postgres >/dev/null 2>&1; then PG_OS_USER=postgres; else PG_OS_USER=nobody; fi
        fi
        [ "$(id -u "$PG_OS_USER" 2>/dev/null || echo 0)" != 0 ] ||
            die "PostgreSQL user '$PG_OS_USER' does not exist or is root"
    else
        PG_OS_USER="$ME"
    fi
    PG_OS_GROUP="$(id -gn "$PG_OS_USER")"

    # Where the servers' files go: $STATE/run, or a short /tmp dir it links
    # to when $STATE is too deep for a socket path (limit 107 bytes) or, as
    # root, not reachable by the PostgreSQL user.
    RUN="$STATE/run"
    local need_tmp=0
    if [ "${#RUN}" -gt 70 ]; then need_tmp=1; fi
    if [ "$IS_ROOT" -eq 1 ] && ! (cd / && setpriv --reuid="$PG_OS_USER" --regid="$PG_OS_GROUP" \
            --init-groups -- test -x "$STATE"); then
        need_tmp=1
    fi
    if [ "$need_tmp" -eq 1 ]; then
        RUN="$(mktemp -d /tmp/surge-run.XXXXXX)"
        touch "$RUN/$MARKER"
        ln -s "$RUN" "$STATE/run"
    else
        mkdir -p "$RUN"
    fi
    chmod 711 "$RUN"

    PG_PASS="$(gen_password)"
    MY_PASS="$(gen_password)"
    read -r PG_PORT MYSQL_PORT REDIS_PORT <<<"$(free_ports 3)" || true
    [ -n "${REDIS_PORT:-}" ] || die "could not pick free ports on 127.0.0.1 (python3 failed?)"

    start_pg
    say "PostgreSQL 15 up on 127.0.0.1:$PG_PORT (runs as $PG_OS_USER)"
    start_mysql
    say "MariaDB up on 127.0.0.1:$MYSQL_PORT"
    start_redis
    say "Redis up on 127.0.0.1:$REDIS_PORT"

    write_env
    STARTED_OK=1
    say "started in $((SECONDS - t0))s; state in $STATE"
    echo "SURGE_TEST_PG=postgres://surge:****@127.0.0.1:$PG_PORT/surge"
    echo "SURGE_TEST_MYSQL=mysql://surge:****@127.0.0.1:$MYSQL_PORT/surge"
    echo "SURGE_TEST_REDIS=redis://127.0.0.1:$REDIS_PORT/0"
    echo "(passwords in $STATE/env and env.json; stop with: SURGE_SERVERS_DIR=$STATE $SELF stop)"
}

cmd_start() {
    resolve_state "${1:-}"
    if [ -z "${1:-}${SURGE_SERVERS_DIR:-}" ]; then
        STATE="$(mktemp -d /tmp/surge-servers.XXXXXX)"
    fi
    prune_stale_runs
    if is_state_dir "$STATE"; then
        say "stopping servers left from an earlier start in $STATE"
        do_stop_servers
        remove_state
    elif [ -e "$STATE" ] && [ -n "$(ls -A "$STATE" 2>/dev/null)" ]; then
        die "$STATE exists, is not empty and was not made by servers.sh; not touching it"
    fi
    mkdir -p "$STATE"
    STATE="$(cd "$STATE" && pwd -P)"
    chmod 711 "$STATE"
    touch "$STATE/$MARKER"
    if [ -z "${1:-}${SURGE_SERVERS_DIR:-}" ]; then echo "$STATE" >"$POINTER"; fi
    trap on_start_exit EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    trap 'exit 129' HUP
    trap 'exit 141' PIPE
    # Everything start prints also goes to start.log (test_servers.py checks
    # it holds no password). No copy of the original stdout is kept in
    # another fd: the daemons would inherit it, and ctest waits for every
    # holder of a test's output pipe to close it.
    exec > >(tee "$STATE/start.log") 2>&1
    TEE_PID=$!
    start_inner
}

cmd_stop() {
    resolve_state "${1:-}"
    if [ -z "$STATE" ] || ! [ -e "$STATE" ]; then
        prune_stale_runs
        return 0
    fi
    is_state_dir "$STATE" || die "$STATE was not made by servers.sh; not touching it"
    local t0=$SECONDS
    do_stop_servers
    remove_state
    prune_stale_runs
    if [ -n "$BASE" ]; then rmdir "$BASE" 2>/dev/null || true; fi
    say "stopped in $((SECONDS - t0))s"
}

load_env() {
    resolve_state "${1:-}"
    { is_state_dir "$STATE" && [ -f "$STATE/env" ]; } || die "no servers started in '${STATE:-\$SURGE_SERVERS_DIR (unset)}' (run: tests/servers.sh start)"
    # shellcheck disable=SC1091
    . "$STATE/env"
    RUN="$(run_dir)"
    PG_PORT="$SURGE_PG_PORT"
    PG_OS_USER="$SURGE_PG_OS_USER"
    PG_OS_GROUP="$SURGE_PG_OS_GROUP"
    PG_PASS="$SURGE_PG_PASSWORD"
    MY_PASS="$SURGE_MYSQL_PASSWORD"
}

cmd_stop_pg() {
    load_env "${1:-}"
    pg_stop_server
}

cmd_start_pg() {
    load_env "${1:-}"
    if [ -f "$RUN/pg/data/postmaster.pid" ] && is_ours "$(head -n 1 "$RUN/pg/data/postmaster.pid")" " $RUN/pg/data "; then
        return 0
    fi
    pg_start_server ||
        die "PostgreSQL did not come back on 127.0.0.1:$PG_PORT (waited at most ${WAIT_PG}s)" \
            "$RUN/pg/pg_ctl.log" "$RUN/pg/postgres.log"
}

cmd_restart_pg() {
    local t0=$SECONDS
    cmd_stop_pg "${1:-}"
    cmd_start_pg "${1:-}"
    say "PostgreSQL restarted on 127.0.0.1:$PG_PORT in $((SECONDS - t0))s"
}

case "${1:-}" in
    start)      shift; cmd_start "$@" ;;
    stop)       shift; cmd_stop "$@" ;;
    restart-pg) shift; cmd_restart_pg "$@" ;;
    stop-pg)    shift; cmd_stop_pg "$@" ;;
    start-pg)   shift; cmd_start_pg "$@" ;;
    *) echo "usage: $0 start|stop|restart-pg|stop-pg|start-pg [STATE_DIR]" >&2; exit 2 ;;
esac
