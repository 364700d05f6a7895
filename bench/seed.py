#!/usr/bin/env python3
"""seed.py - bulk loading: surge seed side by side with pgbench and sysbench.

1. PostgreSQL, against `pgbench -i`. The pgbench tables are created empty
   once (`pgbench -i -s S -I dt`: drop, create; no data, no primary keys,
   no vacuum). Then, on the same empty tables (truncated before every run):
     pgbench   `pgbench -i -s S -I g`: client-side generate (it truncates
               the tables and loads in one transaction: S branches and
               10 x S tellers by INSERT, 100 000 x S accounts by COPY, with
               FREEZE since PostgreSQL 14)
     surge     `surge seed URL --table pgbench_accounts=100000xS
               --table pgbench_tellers=10xS --table pgbench_branches=S
               --table pgbench_history=0 --seed 1 --quiet`
   S = 10 by default (1 000 010 + 100 rows), from --rows.
2. MariaDB, against `sysbench oltp_read_write prepare --tables=1
   --table-size=N`, which creates sbtest1 (auto-increment primary key),
   inserts N rows with multi-row INSERTs, then creates the secondary index
   k_1. Its whole prepare is timed (it drops the table first: sysbench
   cleanup, untimed). surge loads the table that prepare left, emptied with
   TRUNCATE, so with both indexes present all along:
     surge            `surge seed mysql://... --table sbtest1=N --seed 1 --quiet`
   and, doing what sysbench does (index built after the load), on the same
   table with k_1 dropped: surge seed, then `CREATE INDEX k_1`, both timed:
     surge + index    the two times added
   N = 1 000 000 by default (--rows).

Each load runs --repeat times, the tools taking turns; the tables show the
best and the median rows per second, the loader's own CPU time (wait4
rusage), the cores the server kept busy meanwhile (its CPU time from /proc,
when it was started here), the cores everything else kept busy (the noise:
other processes on the machine), and what a row holds (the tools generate
different values). Every load is checked with a count(*) afterwards.

Servers: tests/servers.sh starts PostgreSQL and MariaDB in a temp state dir
and stops them at the end, unless --pg and --mysql give URLs (also from
$SURGE_BENCH_PG and $SURGE_BENCH_MYSQL). On a server of yours this DROPS and
recreates the pgbench_* tables and sbtest1 in the URL's database, and drops
them at the end. Passwords go to the tools through PGPASSWORD / MYSQL_PWD,
never on a command line, and are masked in everything printed.

Exit status: 0; 1 when surge seed failed (its row shows n/a and the error),
or when an anchor tool or a server failed; 2 for a missing tool.

usage: seed.py SURGE [--rows N] [--repeat N] [--only pg|mysql] [--pg URL] [--mysql URL]
                     [--tmpdir DIR] [--servers-dir DIR]
"""
import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.dont_write_bytecode = True   # no __pycache__ in bench/
from benchlib import RunError, fmt_cores, fmt_rate, machine_line, median, progress, run_proc, table

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
PG_BIN = "/usr/lib/postgresql/15/bin"

GOAL_SEED = 1.0                  # surge rows/s >= 1.0 x the anchor's
UTIL_TIMEOUT = 300               # seconds for one psql / mariadb / sysbench cleanup call
SERVERS_START_TIMEOUT = 1800     # may apt-get install the servers first
SERVERS_STOP_TIMEOUT = 300


class ToolMissing(RuntimeError):
    pass


# ------------------------------------------------------------------ secrets

_SECRETS = []


def add_secret(s):
    """Remember a password: mask() replaces it (and its URL-quoted form)."""
    if s:
        for form in (s, urllib.parse.quote(s, safe=""), urllib.parse.quote(s)):
            if form and form not in _SECRETS:
                _SECRETS.append(form)
        _SECRETS.sort(key=len, reverse=True)


def mask(text):
    """Text safe to print: known passwords and any URL password are ****."""
    text = str(text)
    for s in _SECRETS:
        text = text.replace(s, "****")
    return re.sub(r"(://[^:/@\s]*:)[^@\s]*@", r"\1****@", text)


def show_cmd(argv):
    """A command line to print: masked, arguments with spaces quoted."""
    return mask(" ".join(a if a and not re.search(r"[\s'\"$]", a) else "'%s'" % a for a in argv))


def err_tail(text, lines=4):
    """The last lines of a tool's stderr, masked, on one line."""
    ls = [ln.strip() for ln in mask(text).strip().splitlines() if ln.strip()]
    return " / ".join(ls[-lines:]) or "(no output)"


# ------------------------------------------------------------------ targets

class Target:
    """A server URL split into what pgbench, sysbench and the clients take."""

    def __init__(self, url, kind):
        self.url, self.kind = url, kind
        u = urllib.parse.urlsplit(url)
        self.user = urllib.parse.unquote(u.username or "")
        self.password = urllib.parse.unquote(u.password or "")
        self.host = u.hostname or "127.0.0.1"
        self.port = u.port or (5432 if kind == "pg" else 3306)
        self.db = urllib.parse.unquote(u.path.lstrip("/")) or self.user
        add_secret(self.password)

    def __str__(self):
        return mask(self.url)

    def env(self):
        """Environment for the tools: who to connect as, password included."""
        if self.kind == "pg":
            e = {"PGHOST": self.host, "PGPORT": str(self.port), "PGUSER": self.user,
                 "PGDATABASE": self.db, "PGCONNECT_TIMEOUT": "10"}
            if self.password:
                e["PGPASSWORD"] = self.password
        else:
            e = {"MYSQL_PWD": self.password} if self.password else {}
        return e


@contextlib.contextmanager
def child_env(extra):
    """os.environ plus EXTRA while the block runs (benchlib.run_proc starts
    its child with os.environ)."""
    saved = {k: os.environ.get(k) for k in extra}
    os.environ.update(extra)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def timed(argv, env, timeout_s, capture_stdout=False, server_pid=None):
    """benchlib.run_proc (wall + wait4 CPU, SIGINT then SIGKILL at the
    timeout) with ENV added; .sample is what it cost (see Sample), with the
    CPU time of the server process SERVER_PID meanwhile when given."""
    s0 = server_cpu_s(server_pid)
    with child_env(env):
        p = run_proc(argv, capture_stdout=capture_stdout, timeout_s=timeout_s)
    s1 = server_cpu_s(server_pid)
    p.sample = Sample(p.wall_s, p.cpu_s, p.machine_busy_s, s1 - s0 if s0 is not None and s1 is not None else None)
    return p


# ------------------------------------------------------------------ CPU accounting

def _stat(pid):
    """(ppid, utime + stime, cutime + cstime) of a process, in clock ticks."""
    with open("/proc/%d/stat" % pid) as f:
        v = f.read()
    f = v[v.rindex(")") + 2:].split()        # f[0] is field 3 (state)
    return int(f[1]), int(f[11]) + int(f[12]), int(f[13]) + int(f[14])


def server_cpu_s(pid):
    """CPU seconds a server has used: the process (all its threads), the
    children it has reaped, and its children still running (PostgreSQL: a
    backend per connection, the background workers). None if unknown."""
    if not pid:
        return None
    # A child reaped while the children are read would be in neither sum
    # (and its whole life would land in the next run's delta): read again
    # until the server has reaped nothing meanwhile. Right after a run its
    # connections' backends exit and are reaped, so this does happen.
    for _ in range(50):
        try:
            _, own, reaped = _stat(pid)
        except (OSError, ValueError, IndexError):
            return None
        total = own + reaped
        for d in os.listdir("/proc"):
            if d.isdigit():
                try:
                    ppid, cpu, _ = _stat(int(d))
                except (OSError, ValueError, IndexError):
                    continue
                if ppid == pid:
                    total += cpu
        try:
            if _stat(pid)[2] == reaped:
                break
        except (OSError, ValueError, IndexError):
            return None
        time.sleep(0.01)
    return total / os.sysconf("SC_CLK_TCK")


class Sample:
    """What one timed run cost: wall and the loader's CPU seconds, the
    seconds the whole machine was busy and the server's CPU seconds (None
    when unknown). Samples add up (two steps of one load)."""

    def __init__(self, wall, cpu, busy, server):
        self.wall, self.cpu, self.busy, self.server = wall, cpu, busy, server

    def __add__(self, o):
        def add(a, b):
            return None if a is None or b is None else a + b
        return Sample(self.wall + o.wall, self.cpu + o.cpu, add(self.busy, o.busy), add(self.server, o.server))

    @property
    def server_cores(self):
        return None if self.server is None else self.server / self.wall

    @property
    def others_cores(self):
        """Cores kept busy by everything else: neither the tool nor the server
        (when the server's CPU is unknown, it is in here)."""
        if self.busy is None or self.wall <= 0:
            return None
        return max(0.0, self.busy - self.cpu - (self.server or 0.0)) / self.wall


def cores_cells(samples):
    """The "server cores" and "others (cores)" cells: medians over SAMPLES;
    others gets a * when the server's CPU is unknown (then it is in there)."""
    srv = [x.server_cores for x in samples if x.server_cores is not None]
    oth = [x.others_cores for x in samples if x.others_cores is not None]
    return [fmt_cores(median(srv) if srv else None),
            fmt_cores(median(oth) if oth else None) + ("" if srv or not oth else "*")]


NOTE_STAR = ("\\* the server's CPU time is unknown (a server not started here): "
             "the others column includes it.\n")


def util(argv, env=None, timeout_s=UTIL_TIMEOUT, what=None):
    """Run a helper command (untimed), bounded; its stdout, or RunError."""
    e = dict(os.environ)
    e.update(env or {})
    try:
        p = subprocess.run(argv, env=e, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        raise RunError("%s: no answer in %d s: %s" % (what or argv[0], timeout_s, show_cmd(argv)))
    if p.returncode != 0:
        raise RunError("%s failed (exit %d): %s: %s" % (what or argv[0], p.returncode, show_cmd(argv),
                                                     err_tail(p.stderr.decode(errors="replace"))))
    return p.stdout.decode(errors="replace")


def find_tool(name, extra_dirs=(), hint=""):
    for d in extra_dirs:
        path = os.path.join(d, name)
        if os.access(path, os.X_OK):
            return path
    path = shutil.which(name)
    if not path:
        raise ToolMissing("%s not found%s" % (name, hint))
    return path


def psql_cmd(target, sql):
    """Run SQL with psql on target; stdout (unaligned, tuples only)."""
    psql = find_tool("psql", (PG_BIN,), " (package postgresql-client-15)")
    return util([psql, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql], target.env(),
                what="psql").strip()


def mysql_cmd(target, sql):
    """Run SQL with the mariadb client on target; stdout (batch, no names)."""
    cli = find_tool("mariadb", hint=" (package mariadb-client-core)")
    return util([cli, "--no-defaults", "--protocol=tcp", "-h", target.host, "-P", str(target.port),
                 "-u", target.user, "--connect-timeout=10", "-B", "-N", "-e", sql, target.db],
                target.env(), what="mariadb").strip()


# ------------------------------------------------------------------ servers

class Servers:
    """tests/servers.sh start/stop in a state dir of our own."""

    def __init__(self, state_dir):
        self.state = state_dir
        self.started = False
        self.env = {}

    def _run(self, cmd, timeout_s, log):
        script = os.path.join(REPO, "tests", "servers.sh")
        env = dict(os.environ, SURGE_SERVERS_DIR=self.state)
        env.pop("SURGE_SERVERS_PER_RUN", None)
        # Output to a file, not a pipe: the servers it starts must not hold
        # a pipe of ours open. It masks the passwords itself; we mask again.
        with open(log, "w+b") as out:
            try:
                p = subprocess.run([script, cmd], env=env, stdin=subprocess.DEVNULL, stdout=out,
                                   stderr=subprocess.STDOUT, timeout=timeout_s)
                rc = p.returncode
            except subprocess.TimeoutExpired:
                rc = "timeout after %d s" % timeout_s
            out.seek(0)
            text = mask(out.read().decode(errors="replace"))
        for ln in text.strip().splitlines():
            progress(ln)
        return rc

    def start(self):
        progress("starting PostgreSQL and MariaDB: tests/servers.sh start (state in %s)" % self.state)
        self.started = True      # from here on, stop() has something to stop
        rc = self._run("start", SERVERS_START_TIMEOUT, self.state.rstrip("/") + ".start.log")
        if rc != 0:
            raise RunError("tests/servers.sh start failed (%s)" % rc)
        with open(os.path.join(self.state, "env.json")) as f:
            self.env = json.load(f)
        add_secret(self.env.get("SURGE_PG_PASSWORD"))
        add_secret(self.env.get("SURGE_MYSQL_PASSWORD"))
        return self.env["SURGE_TEST_PG"], self.env["SURGE_TEST_MYSQL"]

    def pid(self, kind):
        """The pid of the PostgreSQL postmaster or of mariadbd we started, or None."""
        path = self.env.get("SURGE_PG_PIDFILE" if kind == "pg" else "SURGE_MYSQL_PIDFILE")
        try:
            with open(path) as f:
                return int(f.readline().strip())
        except (OSError, TypeError, ValueError):
            return None

    def stop(self):
        if not self.started:
            return
        self.started = False
        progress("stopping the servers: tests/servers.sh stop")
        rc = self._run("stop", SERVERS_STOP_TIMEOUT, self.state.rstrip("/") + ".stop.log")
        if rc != 0:
            progress("tests/servers.sh stop failed (%s); state dir %s" % (rc, self.state))


def exit_on_sigterm():
    """SIGTERM (and SIGHUP) unwind like Ctrl-C, so the finally blocks stop
    the servers."""
    def handler(signum, frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGHUP, handler)


# ------------------------------------------------------------------ a row

class Row:
    """Repeated timed runs of one loader."""

    def __init__(self, tool, cmd, rows):
        self.tool, self.cmd, self.rows = tool, cmd, rows
        self.samples = []
        self.data = None          # what a row holds, from the last run
        self.error = None         # surge failed: why (its row shows n/a)

    def add(self, sample):
        progress("%s: %s rows/s, %.2f s, loader CPU %.2f s, server %s cores, others %s"
                 % (self.tool, fmt_rate(self.rows / sample.wall), sample.wall, sample.cpu,
                    fmt_cores(sample.server_cores), fmt_cores(sample.others_cores)))
        self.samples.append(sample)

    @property
    def walls(self):
        return [x.wall for x in self.samples]

    def rate_med(self):
        return self.rows / median(self.walls) if self.walls else None

    def rate_best(self):
        return self.rows / min(self.walls) if self.walls else None

    def cells(self):
        if not self.walls:
            return [self.tool, "{:,}".format(self.rows), "n/a", "n/a", "n/a", "n/a", "n/a", "n/a",
                    self.data or "n/a"]
        return [self.tool, "{:,}".format(self.rows), fmt_rate(self.rate_best()), fmt_rate(self.rate_med()),
                "%.2f" % median(self.walls), "%.2f" % median([x.cpu for x in self.samples])] \
            + cores_cells(self.samples) + [self.data or "?"]


HEADER = ["tool", "rows", "best rows/s", "median rows/s", "median s", "loader CPU s",
          "server cores", "others (cores)", "a row holds"]
ALIGN = "lrrrrrrrl"


def star_note(*rows):
    if any(x.server is None and x.busy is not None for r in rows for x in r.samples):
        print("\n" + NOTE_STAR.rstrip("\n"))


def ratio_line(name, su, anchor, goal=GOAL_SEED):
    if su.error or not su.walls:
        return "- %s: **n/a** (surge failed: %s)" % (name, su.error or "no run")
    best, med = su.rate_best() / anchor.rate_best(), su.rate_med() / anchor.rate_med()
    return "- %s: **%.2fx** median, %.2fx best (goal >= %.1f, on the median: %s)" % (
        name, med, best, goal, "met" if med >= goal else "**missed**")


def surge_failed(row, p, argv):
    why = "exit %d" % p.status if not p.timed_out else "timed out"
    row.error = "%s: %s" % (why, err_tail(p.stderr, 2))
    progress("surge seed failed (%s): %s" % (row.error, show_cmd(argv)))


def check_count(target, table, want, who, count_fn):
    got = int(count_fn(target, "SELECT count(*) FROM %s" % table) or -1)
    if got != want:
        raise RunError("after %s, %s has %d rows, not %d" % (who, table, got, want))


# ------------------------------------------------------------------ PostgreSQL

PG_TABLES = ("pgbench_accounts", "pgbench_tellers", "pgbench_branches", "pgbench_history")


def bench_pg(surge, pg, rows, repeat, server_pid):
    pgbench = find_tool("pgbench", (PG_BIN,), " (package postgresql-15)")
    scale = max(1, int(round(rows / 100000.0)))
    want = {"pgbench_accounts": 100000 * scale, "pgbench_tellers": 10 * scale,
            "pgbench_branches": scale, "pgbench_history": 0}
    total = sum(want.values())
    timeout = max(300.0, total / 2000.0)     # a load slower than 2k rows/s is stuck

    progress("PostgreSQL: creating the empty pgbench tables (pgbench -i -s %d -I dt)" % scale)
    util([pgbench, "-i", "-s", str(scale), "-I", "dt"], pg.env(), what="pgbench -I dt")

    pgb_argv = [pgbench, "-i", "-s", str(scale), "-I", "g"]
    su_argv = [surge, "seed", pg.url] + sum((["--table", "%s=%d" % (t, n)] for t, n in want.items()), []) \
        + ["--seed", "1", "--quiet"]
    anchor = Row("pgbench -i -I g (anchor)", show_cmd(["pgbench"] + pgb_argv[1:]), total)
    su = Row("surge seed", show_cmd(["surge"] + su_argv[1:]), total)

    def size_per_row():
        b = int(psql_cmd(pg, "SELECT sum(pg_total_relation_size(c)) FROM unnest(ARRAY[%s]::regclass[]) c"
                         % ",".join("'%s'" % t for t in PG_TABLES)))
        return "%.0f B on disk" % (b / total)

    try:
        for i in range(repeat):
            for row, argv, env in ((anchor, pgb_argv, pg.env()), (su, su_argv, {})):
                if row.error:
                    continue
                psql_cmd(pg, "TRUNCATE %s" % ", ".join(PG_TABLES))
                progress("PostgreSQL: %s, %s rows (%d/%d)" % (row.tool, "{:,}".format(total), i + 1, repeat))
                p = timed(argv, env, timeout, server_pid=server_pid)
                if p.status != 0 or p.timed_out:
                    if row is su:
                        surge_failed(su, p, argv)
                        continue
                    raise RunError("pgbench failed (exit %d): %s" % (p.status, err_tail(p.stderr)))
                for t, n in want.items():
                    check_count(pg, t, n, row.tool, psql_cmd)
                row.add(p.sample)
                row.data = size_per_row()
    finally:
        try:
            util([pgbench, "-i", "-I", "d"], pg.env(), what="pgbench -I d")   # drop the tables
        except RunError as e:
            progress("could not drop the pgbench tables: %s" % e)

    print("### PostgreSQL: %s rows (pgbench scale %d) into empty pgbench tables, no keys (median of %d)\n"
          % ("{:,}".format(total), scale, repeat))
    table(HEADER, [anchor.cells(), su.cells()], ALIGN)
    star_note(anchor, su)
    print("\nCommands (tables truncated before each; `pgbench -i -s %d -I dt` made them once):\n" % scale)
    print("- `%s`\n- `%s`\n" % (anchor.cmd, su.cmd))
    print(ratio_line("surge / pgbench rows/s", su, anchor))
    print()
    return su.error is None


# ------------------------------------------------------------------ MariaDB

def bench_mysql(surge, my, rows, repeat, server_pid):
    sysbench = find_tool("sysbench", hint=" (run scripts/deps.sh bench, or apt-get install sysbench)")
    timeout = max(300.0, rows / 2000.0)
    sb = [sysbench, "oltp_read_write", "--db-driver=mysql", "--mysql-host=" + my.host,
          "--mysql-port=%d" % my.port, "--mysql-user=" + my.user, "--mysql-db=" + my.db,
          "--tables=1", "--table-size=%d" % rows]
    su_argv = [surge, "seed", my.url, "--table", "sbtest1=%d" % rows, "--seed", "1", "--quiet"]
    anchor = Row("sysbench prepare (anchor)", show_cmd(["sysbench"] + sb[1:] + ["prepare"]), rows)
    su = Row("surge seed, PK + k_1 present", show_cmd(["surge"] + su_argv[1:]), rows)
    su_idx = Row("surge seed, then CREATE INDEX k_1", su.cmd + "` then `CREATE INDEX k_1 ON sbtest1(k)", rows)

    def row_holds():
        avg = mysql_cmd(my, "SELECT avg(length(c) + length(pad)) FROM sbtest1")
        return "c + pad %.0f chars" % float(avg)

    def load_surge(row, i):
        progress("MariaDB: %s, %s rows (%d/%d)" % (row.tool, "{:,}".format(rows), i + 1, repeat))
        p = timed(su_argv, {}, timeout, server_pid=server_pid)
        if p.status != 0 or p.timed_out:
            surge_failed(row, p, su_argv)
            return None
        check_count(my, "sbtest1", rows, row.tool, mysql_cmd)
        return p

    try:
        for i in range(repeat):
            # sysbench: its prepare as a whole (CREATE TABLE, INSERTs, CREATE INDEX k_1).
            util(sb + ["cleanup"], my.env(), what="sysbench cleanup")
            progress("MariaDB: sysbench prepare, %s rows (%d/%d)" % ("{:,}".format(rows), i + 1, repeat))
            p = timed(sb + ["prepare"], my.env(), timeout, server_pid=server_pid)
            if p.status != 0 or p.timed_out:
                raise RunError("sysbench prepare failed (exit %d): %s" % (p.status, err_tail(p.stderr)))
            check_count(my, "sbtest1", rows, "sysbench prepare", mysql_cmd)
            anchor.add(p.sample)
            anchor.data = row_holds()
            if su.error:
                continue
            # surge on the table prepare left, emptied: primary key and k_1 in place.
            mysql_cmd(my, "TRUNCATE TABLE sbtest1")
            p = load_surge(su, i)
            if p is None:
                continue
            su.add(p.sample)
            su.data = row_holds()
            # surge the way sysbench loads: without k_1, then build it.
            if su_idx.error:
                continue
            mysql_cmd(my, "TRUNCATE TABLE sbtest1")
            mysql_cmd(my, "ALTER TABLE sbtest1 DROP INDEX k_1")
            p = load_surge(su_idx, i)
            if p is None:
                continue
            progress("MariaDB: CREATE INDEX k_1 after surge's load")
            q = timed([find_tool("mariadb"), "--no-defaults", "--protocol=tcp", "-h", my.host, "-P", str(my.port),
                       "-u", my.user, "--connect-timeout=10", "-e", "CREATE INDEX k_1 ON sbtest1(k)", my.db],
                      my.env(), timeout, server_pid=server_pid)
            if q.status != 0 or q.timed_out:
                raise RunError("CREATE INDEX k_1 failed: %s" % err_tail(q.stderr))
            su_idx.add(p.sample + q.sample)
            su_idx.data = su.data
    finally:
        try:
            util(sb + ["cleanup"], my.env(), what="sysbench cleanup")             # drop sbtest1
        except RunError as e:
            progress("could not drop sbtest1: %s" % e)

    print("### MariaDB: %s rows into sysbench's sbtest1 (median of %d)\n" % ("{:,}".format(rows), repeat))
    table(HEADER, [anchor.cells(), su.cells(), su_idx.cells()], ALIGN)
    star_note(anchor, su, su_idx)
    print("\nCommands (sysbench cleanup before each prepare; surge on the table prepare left, emptied "
          "with TRUNCATE):\n")
    print("- `%s`\n- `%s`\n- `%s`\n" % (anchor.cmd, su.cmd, su_idx.cmd))
    print("sysbench's time is its whole prepare: CREATE TABLE, multi-row INSERTs, then CREATE INDEX k_1 "
          "on the loaded table. The `surge seed, PK + k_1 present` row keeps k_1 up to date row by row "
          "(harder on a small buffer pool); the last row does what sysbench does: load without k_1, "
          "then build it (loader CPU: surge's and the mariadb client's).\n")
    print(ratio_line("surge / sysbench rows/s, same indexes present during the load", su, anchor))
    print(ratio_line("surge + CREATE INDEX / sysbench rows/s, index built after the load", su_idx, anchor))
    print()
    return su.error is None and su_idx.error is None


# ------------------------------------------------------------------ main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("surge", help="path to the surge binary")
    ap.add_argument("--rows", type=int, default=1000000,
                    help="rows per load (default 1000000; PostgreSQL: rounded to a pgbench scale, rows/100000)")
    ap.add_argument("--repeat", type=int, default=3, help="loads per tool (default 3)")
    ap.add_argument("--only", choices=("pg", "mysql"), help="one of the two servers only")
    ap.add_argument("--pg", default=os.environ.get("SURGE_BENCH_PG"),
                    help="PostgreSQL URL to use instead of starting servers ($SURGE_BENCH_PG)")
    ap.add_argument("--mysql", default=os.environ.get("SURGE_BENCH_MYSQL"),
                    help="MariaDB/MySQL URL to use instead of starting servers ($SURGE_BENCH_MYSQL)")
    ap.add_argument("--tmpdir", help="scratch directory (default: a fresh temp dir)")
    ap.add_argument("--servers-dir", help="state dir for tests/servers.sh (default: TMPDIR/servers-seed)")
    a = ap.parse_args()
    surge = os.path.abspath(a.surge)
    exit_on_sigterm()
    tmpdir = a.tmpdir or tempfile.mkdtemp(prefix="surge-bench-")
    servers = Servers(os.path.abspath(a.servers_dir or os.path.join(tmpdir, "servers-seed")))
    ok = True
    try:
        need_pg, need_my = a.only in (None, "pg"), a.only in (None, "mysql")
        pg_url, my_url = a.pg, a.mysql
        if (need_pg and not pg_url) or (need_my and not my_url):
            spg, smy = servers.start()
            pg_url, my_url = pg_url or spg, my_url or smy
        print("## Seeding\n")
        print("Machine: %s.\n" % machine_line())
        if need_pg:
            ok &= bench_pg(surge, Target(pg_url, "pg"), a.rows, a.repeat, None if a.pg else servers.pid("pg"))
        if need_my:
            ok &= bench_mysql(surge, Target(my_url, "mysql"), a.rows, a.repeat,
                              None if a.mysql else servers.pid("mysql"))
    except ToolMissing as e:
        print("seed.py: %s" % mask(e), file=sys.stderr)
        return 2
    except RunError as e:
        print("seed.py: %s" % mask(e), file=sys.stderr)
        return 1
    finally:
        servers.stop()
        if not a.tmpdir:
            shutil.rmtree(tmpdir, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
