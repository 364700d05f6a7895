#!/usr/bin/env python3
"""queue.py - queue targets: LPUSH throughput side by side with redis-benchmark, JSON lines to /dev/null.

1. Redis LPUSH, closed loop, against `redis-benchmark -t lpush` with the same
   TCP connections and pipeline depth, at depths 1 and 16 (--pipelines):
     redis-benchmark     redis-benchmark -h H -p P --dbnum D -c 50 -P DEPTH -t lpush -n N --csv
                         (its fixed 3-byte value), and the same with -d 200
                         (about the size of surge's messages)
     surge --threads 1   surge run 'redis://H:P/D?queue=bench:q&pipeline=DEPTH'
                         --connections 50xDEPTH --threads 1 --transactions N
     surge --threads 2   the same on 2 threads
   In surge each engine connection is one command in flight (a pipeline
   lane), and pipeline=DEPTH makes DEPTH lanes share one TCP connection: 50
   connections x depth 16 is `--connections 800 ...&pipeline=16`, 50 TCP
   connections with 16 commands in flight on each, as redis-benchmark's
   `-c 50 -P 16`. redis-benchmark is single-threaded, so the matched surge
   row is --threads 1. surge pushes its default message template (`job`,
   JSON of about 200 bytes: the "value bytes" column is measured on the
   list). For each run: requests per second (redis-benchmark's own rps,
   surge's JSON `throughput`), the generator's CPU time per request (wait4
   rusage of the whole process / requests), Redis's CPU time per request
   (from /proc, for a server started here). Both lists (mylist, bench:q) are
   deleted before every run and checked to hold exactly N entries after it.
   Goal: surge --threads 1 / redis-benchmark >= 1.0 at each depth (checked
   against both redis-benchmark rows).
2. JSON lines to /dev/null: `surge run file:/dev/null --message M
   --transactions N --threads 1` for M = job and snapshot (one stream, so
   one thread): messages per second and CPU microseconds per message. No
   anchor tool; the figure is printed.

Each run is repeated --repeat times, the tools taking turns; the tables show
the median and the best, with the noise columns as in the other benchmarks.

Servers: tests/servers.sh starts PostgreSQL, MariaDB and Redis in a temp
state dir and stops them at the end, unless --redis gives a URL (or
$SURGE_BENCH_REDIS). On a server of yours this DELETES the keys `mylist`
and `bench:q` of the URL's database (before every run and at the end). A
Redis with a password is not supported: redis-benchmark only takes one on
its command line.

Exit status: 0 (also when surge rejects its command as bad input, exit 2:
its rows show n/a and why); 1 when surge failed at run time, or
redis-benchmark or a server failed; 2 for a missing tool or a bad --redis.

usage: queue.py SURGE [--requests N] [--repeat N] [--clients C] [--pipelines 1,16]
                      [--messages N] [--only redis|jsonl] [--redis URL]
                      [--tmpdir DIR] [--servers-dir DIR]
"""
import argparse
import csv
import io
import os
import re
import shlex
import shutil
import socket
import sys
import tempfile
import urllib.parse

sys.dont_write_bytecode = True   # no __pycache__ in bench/
from benchlib import RunError, fmt_cores, fmt_rate, machine_line, median, progress, run_surge, table
from seed import (NOTE_STAR, Sample, Servers, ToolMissing, cores_cells, err_tail, exit_on_sigterm, find_tool,
                  mask, server_cpu_s, timed)

GOAL = 1.0                 # surge --threads 1 requests/s >= 1.0 x redis-benchmark's, at each depth
SURGE_KEY = "bench:q"      # surge's list
RB_KEY = "mylist"          # the list redis-benchmark -t lpush pushes onto
SAME_SIZE = 200            # redis-benchmark -d for the same-size row
SIZE_SAMPLE = 1000         # entries of surge's list read to measure its message size


def show_cmd(argv):
    """A command line to print, quoted for a shell (the URLs hold ? and &)."""
    return mask(" ".join(shlex.quote(a) for a in argv))


# ------------------------------------------------------------------ a small RESP client

class Redis:
    """Just enough of the Redis protocol for DEL, LLEN and LRANGE (no
    redis-cli needed, nothing on a command line)."""

    def __init__(self, host, port, db, timeout_s=120):
        try:
            self.sock = socket.create_connection((host, port), timeout=timeout_s)
        except OSError as e:
            raise RunError("cannot connect to Redis at %s:%d: %s" % (host, port, e))
        self.f = self.sock.makefile("rb")
        if db:
            self.cmd("SELECT", db)

    def close(self):
        try:
            self.f.close()
            self.sock.close()
        except OSError:
            pass

    def cmd(self, *args):
        parts = [a if isinstance(a, bytes) else str(a).encode() for a in args]
        out = b"*%d\r\n" % len(parts) + b"".join(b"$%d\r\n%s\r\n" % (len(p), p) for p in parts)
        try:
            self.sock.sendall(out)
            return self._reply()
        except OSError as e:
            raise RunError("Redis: %s: %s" % (args[0], e))

    def _reply(self):
        line = self.f.readline()
        if not line.endswith(b"\r\n"):
            raise RunError("Redis closed the connection")
        kind, rest = line[:1], line[1:-2]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RunError("Redis: %s" % rest.decode(errors="replace"))
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self.f.read(n + 2)[:-2]
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self._reply() for _ in range(n)]
        raise RunError("Redis: unexpected reply %r" % line[:40])


class RedisTarget:
    def __init__(self, url):
        u = urllib.parse.urlsplit(url)
        if u.scheme != "redis":
            raise ValueError("not a redis:// URL: %s" % mask(url))
        if u.password or u.username:
            raise ValueError("a Redis with a password or user is not supported "
                             "(redis-benchmark takes a password only on its command line)")
        self.host = u.hostname or "127.0.0.1"
        self.port = u.port or 6379
        db = u.path.lstrip("/") or "0"
        if not db.isdigit():
            raise ValueError("database number expected in %s" % mask(url))
        self.db = int(db)

    def __str__(self):
        return "redis://%s:%d/%d" % (self.host, self.port, self.db)

    def surge_url(self, depth):
        return "%s?queue=%s%s" % (self, SURGE_KEY, "&pipeline=%d" % depth if depth > 1 else "")


# ------------------------------------------------------------------ a row

class Row:
    def __init__(self, tool, depth, conns, lanes, threads, cmd, value=None):
        self.tool, self.depth, self.conns, self.lanes, self.threads, self.cmd = tool, depth, conns, lanes, threads, cmd
        self.value = value            # bytes pushed per request (surge: measured)
        self.rps, self.cpu_us, self.server_us, self.samples = [], [], [], []
        self.error = None             # why there is no number (n/a)
        self.fatal = False            # surge failed at run time (not: bad input)

    def add(self, rps, n, sample):
        self.rps.append(rps)
        self.cpu_us.append(sample.cpu / n * 1e6)
        if sample.server is not None:
            self.server_us.append(sample.server / n * 1e6)
        self.samples.append(sample)
        progress("%s, threads %d, pipeline %d: %s req/s, %.2f us CPU/req, generator %.2f cores, server %s, others %s"
                 % (self.tool, self.threads, self.depth, fmt_rate(rps), sample.cpu / n * 1e6, sample.cpu / sample.wall,
                    fmt_cores(sample.server_cores), fmt_cores(sample.others_cores)))

    def cells(self):
        head = [self.tool, str(self.depth), str(self.conns), str(self.lanes), str(self.threads),
                "?" if self.value is None else "%.0f" % self.value]
        if not self.rps:
            return head + ["n/a"] * 8
        return head + [fmt_rate(median(self.rps)), fmt_rate(max(self.rps)), "%.2f" % median(self.cpu_us),
                       "%.2f" % median(self.server_us) if self.server_us else "?",
                       "%.2f" % median([x.cpu / x.wall for x in self.samples])] + cores_cells(self.samples)


HEADER = ["tool", "pipeline", "TCP conns", "in flight", "threads", "value bytes", "req/s", "best req/s",
          "CPU us/req", "server CPU us/req", "generator cores", "server cores", "others (cores)"]
ALIGN = "lrrrrrrrrrrrr"


def clear(r):
    r.cmd("DEL", SURGE_KEY, RB_KEY)


def run_rb(row, argv, n, r, timeout, server_pid):
    clear(r)
    p = timed(argv, {}, timeout, capture_stdout=True, server_pid=server_pid)
    if p.status != 0 or p.timed_out:
        raise RunError("redis-benchmark failed (exit %d): %s" % (p.status, err_tail(p.stderr + p.stdout)))
    rps = None
    for rec in csv.reader(io.StringIO(p.stdout)):
        if len(rec) >= 2 and rec[0] == "LPUSH":
            rps = float(rec[1])
    if not rps:
        raise RunError("redis-benchmark: no LPUSH rps in its output: %s" % err_tail(p.stdout + p.stderr, 4))
    got = r.cmd("LLEN", RB_KEY)
    if got != n:
        raise RunError("after redis-benchmark, %s holds %d entries, not %d" % (RB_KEY, got, n))
    row.add(rps, n, p.sample)


def run_surge_row(row, surge, args, n, r, tmpdir, timeout, server_pid):
    clear(r)
    s0 = server_cpu_s(server_pid)
    try:
        res, p, _ = run_surge(surge, args, tmpdir, timeout_s=timeout)
    except RunError as e:
        first, _, rest = str(e).partition("\n")
        m = re.match(r"surge exited with (-?\d+)", first)
        code = int(m.group(1)) if m else 1
        row.error, row.fatal = "exit %d: %s" % (code, err_tail(rest, 2)), code != 2
        progress("surge failed (%s)" % row.error)
        return
    s1 = server_cpu_s(server_pid)
    if res is None:
        row.error, row.fatal = "killed at the timeout (%d s)" % timeout, True
        progress("surge: %s" % row.error)
        return
    ok, failed = res["ops"]["ok"], res["ops"]["failed"]
    got = r.cmd("LLEN", SURGE_KEY)
    if failed or ok != n or got != n:
        row.error, row.fatal = ("%d ok, %d failed, %s holds %d entries (expected %d): %s"
                                % (ok, failed, SURGE_KEY, got, n, mask(res.get("error") or res.get("errors"))), True)
        progress("surge: %s" % row.error)
        return
    sample = r.cmd("LRANGE", SURGE_KEY, 0, SIZE_SAMPLE - 1)
    row.value = sum(len(x) for x in sample) / len(sample)
    tput = res.get("throughput")
    if tput is None:
        tput = ok / res["duration_s"]
    row.add(float(tput), n, Sample(p.wall_s, p.cpu_s, p.machine_busy_s,
                                   s1 - s0 if s0 is not None and s1 is not None else None))


def ratio(a, b):
    return median(a.rps) / median(b.rps) if a.rps and b.rps else None


def bench_redis(surge, target, a, tmpdir, server_pid):
    rb = find_tool("redis-benchmark", hint=" (package redis-tools: scripts/deps.sh bench)")
    n, clients = a.requests, a.clients
    timeout = 60 + n / 5000.0          # a run slower than 5k req/s is stuck
    r = Redis(target.host, target.port, target.db)
    depths = a.pipelines
    machine = machine_line()      # before the runs: the load average is not theirs yet
    rows = {}                           # depth -> [rb, rb -d, surge t1, surge t2]
    argvs = {}
    try:
        for d in depths:
            rb_argv = [rb, "-h", target.host, "-p", str(target.port), "--dbnum", str(target.db), "-c", str(clients),
                       "-P", str(d), "-t", "lpush", "-n", str(n), "--csv"]
            rb_d = rb_argv[:-1] + ["-d", str(SAME_SIZE), "--csv"]
            su = [target.surge_url(d), "--connections", str(clients * d), "--transactions", str(n)]
            su1, su2 = su + ["--threads", "1"], su + ["--threads", "2"]

            def shown(args):
                return show_cmd(["surge", "run"] + args + ["--progress", "none", "--out", "json:F"])

            rows[d] = [Row("redis-benchmark", d, clients, clients * d, 1,
                           show_cmd(["redis-benchmark"] + rb_argv[1:]), 3),
                       Row("redis-benchmark -d %d" % SAME_SIZE, d, clients, clients * d, 1,
                           show_cmd(["redis-benchmark"] + rb_d[1:]), SAME_SIZE),
                       Row("surge", d, clients, clients * d, 1, shown(su1)),
                       Row("surge", d, clients, clients * d, 2, shown(su2))]
            argvs[d] = [rb_argv, rb_d, su1, su2]

        for i in range(a.repeat):
            for d in depths:
                for row, argv in zip(rows[d], argvs[d]):
                    if row.error:
                        continue
                    progress("%s, threads %d, pipeline %d, %s requests (%d/%d)"
                             % (row.tool, row.threads, d, "{:,}".format(n), i + 1, a.repeat))
                    if row.tool.startswith("surge"):
                        run_surge_row(row, surge, argv, n, r, tmpdir, timeout, server_pid)
                    else:
                        run_rb(row, argv, n, r, timeout, server_pid)
        clear(r)
    finally:
        r.close()

    print("### Redis LPUSH, %d connections, closed loop, side by side with redis-benchmark "
          "(%s requests a run, median of %d)\n" % (clients, "{:,}".format(n), a.repeat))
    print("Machine: %s.\n" % machine)
    table(HEADER, [row.cells() for d in depths for row in rows[d]], ALIGN)
    if server_pid is None:
        print("\n" + NOTE_STAR.rstrip("\n"))
    print("\n`in flight`: requests outstanding at once (TCP connections x pipeline depth; surge's "
          "`--connections`, its pipeline lanes). `value bytes`: what one LPUSH pushes: redis-benchmark's "
          "fixed value (3 bytes, or `-d %d`), surge's generated `job` messages (average of %d entries "
          "read back from the list).\n" % (SAME_SIZE, SIZE_SAMPLE))
    print("Commands (lists `%s` and `%s` deleted before each run):\n" % (RB_KEY, SURGE_KEY))
    for d in depths:
        for row in rows[d]:
            print("- `%s`" % row.cmd)
    print()
    errors = [row for d in depths for row in rows[d] if row.error]
    for row in errors:
        print("Note: %s, %d threads, pipeline %d: n/a: %s" % (row.tool, row.threads, row.depth, row.error))
    if errors:
        print()
    print("Ratios of requests/s (goal: surge --threads 1 / redis-benchmark >= %.1f at each depth):\n" % GOAL)
    for d in depths:
        rb3, rbd, s1, s2 = rows[d]
        parts = []
        for anchor, what in ((rbd, "same size, -d %d" % SAME_SIZE), (rb3, "3-byte value")):
            x = ratio(s1, anchor)
            parts.append("**n/a**" if x is None else "**%.2fx** vs %s (%s)"
                         % (x, what, "met" if x >= GOAL else "**missed**"))
        x2 = ratio(s2, rbd)
        cpu = median(s1.cpu_us) / median(rbd.cpu_us) if s1.cpu_us and rbd.cpu_us else None
        print("- pipeline %d: surge --threads 1 / redis-benchmark: %s; --threads 2 / same size: %s (no goal); "
              "CPU per request, surge --threads 1 / redis-benchmark -d %d: %s"
              % (d, ", ".join(parts), "n/a" if x2 is None else "%.2fx" % x2, SAME_SIZE,
                 "n/a" if cpu is None else "%.2fx" % cpu))
    print()
    return not any(row.fatal for row in errors)


# ------------------------------------------------------------------ JSON lines

def bench_jsonl(surge, a, tmpdir):
    n = a.messages
    timeout = 60 + n / 20000.0
    machine = machine_line()
    rows = []
    fatal = False
    for m in ("job", "snapshot"):
        args = ["file:/dev/null", "--message", m, "--transactions", str(n), "--threads", "1"]
        cmd = show_cmd(["surge", "run"] + args + ["--progress", "none", "--out", "json:F"])
        rows.append({"m": m, "args": args, "cmd": cmd, "rate": [], "cpu": [], "samples": [], "bytes": None,
                     "error": None})
    for row in rows:      # line size: a short run into a file (untimed)
        path = os.path.join(tmpdir, "lines-%s.jsonl" % row["m"])
        try:
            run_surge(surge, ["file:" + path, "--message", row["m"], "--transactions", "10000", "--threads", "1"],
                      tmpdir, timeout_s=60)
            with open(path, "rb") as f:
                data = f.read()
            row["bytes"] = len(data) / max(1, data.count(b"\n"))
        except (RunError, OSError) as e:
            progress("line size of %s: %s" % (row["m"], err_tail(str(e), 2)))
        finally:
            if os.path.exists(path):
                os.unlink(path)
    for i in range(a.repeat):
        for row in rows:
            if row["error"]:
                continue
            progress("surge file:/dev/null --message %s, %s messages (%d/%d)" % (row["m"], "{:,}".format(n), i + 1,
                                                                                 a.repeat))
            try:
                res, p, _ = run_surge(surge, row["args"], tmpdir, timeout_s=timeout)
            except RunError as e:
                first, _, rest = str(e).partition("\n")
                mm = re.match(r"surge exited with (-?\d+)", first)
                code = int(mm.group(1)) if mm else 1
                row["error"] = "exit %d: %s" % (code, err_tail(rest, 2))
                fatal |= code != 2
                continue
            if res is None or res["ops"]["ok"] != n:
                row["error"] = "killed at the timeout" if res is None else "%d of %d ok" % (res["ops"]["ok"], n)
                fatal = True
                continue
            rate = res.get("throughput") or n / res["duration_s"]
            row["rate"].append(rate)
            row["cpu"].append(p.cpu_s / n * 1e6)
            row["samples"].append(p)
            progress("--message %s: %s msg/s, %.3f us CPU/msg, others %s"
                     % (row["m"], fmt_rate(rate), p.cpu_s / n * 1e6, fmt_cores(p.others_cores)))

    print("### JSON lines to /dev/null, one thread (%s messages a run, median of %d)\n"
          % ("{:,}".format(n), a.repeat))
    print("Machine: %s.\n" % machine)
    cells = []
    for row in rows:
        b = "?" if row["bytes"] is None else "%.0f" % row["bytes"]
        if not row["rate"]:
            cells.append([row["m"], b] + ["n/a"] * 6)
            continue
        rate = median(row["rate"])
        oth = [x.others_cores for x in row["samples"] if x.others_cores is not None]
        cells.append([row["m"], b, fmt_rate(rate), fmt_rate(max(row["rate"])),
                      "?" if row["bytes"] is None else "%.0f" % (rate * row["bytes"] / 1e6),
                      "%.3f" % median(row["cpu"]), "%.2f" % median([x.cpu_s / x.wall_s for x in row["samples"]]),
                      fmt_cores(median(oth) if oth else None)])
    table(["message", "line bytes", "msg/s", "best msg/s", "MB/s", "CPU us/msg", "cores busy", "others (cores)"],
          cells, "lrrrrrrr")
    print("\nCommands (`line bytes`: average line, newline included, of a 10 000-message run into a file):\n")
    for row in rows:
        print("- `%s`" % row["cmd"])
    print()
    for row in rows:
        if row["error"]:
            print("Note: --message %s: n/a: %s\n" % (row["m"], row["error"]))
    print("No anchor tool for this one: the figure is surge's own (msg/s per thread: there is one stream, "
          "so one thread).\n")
    return not fatal


# ------------------------------------------------------------------ main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("surge", help="path to the surge binary")
    ap.add_argument("--requests", type=int, default=1000000, help="LPUSHes per run (default 1000000)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per row (default 3)")
    ap.add_argument("--clients", type=int, default=50, help="TCP connections (default 50, redis-benchmark's)")
    ap.add_argument("--pipelines", default="1,16", help="pipeline depths (default 1,16)")
    ap.add_argument("--messages", type=int, default=5000000, help="JSON lines per run (default 5000000)")
    ap.add_argument("--only", choices=("redis", "jsonl"), help="one of the two parts only")
    ap.add_argument("--redis", default=os.environ.get("SURGE_BENCH_REDIS"),
                    help="Redis URL to use instead of starting servers ($SURGE_BENCH_REDIS); no password")
    ap.add_argument("--tmpdir", help="scratch directory (default: a fresh temp dir)")
    ap.add_argument("--servers-dir", help="state dir for tests/servers.sh (default: TMPDIR/servers-queue)")
    a = ap.parse_args()
    try:
        a.pipelines = [int(x) for x in a.pipelines.split(",") if x.strip()]
        if not a.pipelines or min(a.pipelines) < 1 or min(a.requests, a.repeat, a.clients, a.messages) < 1:
            raise ValueError
    except ValueError:
        print("queue.py: --pipelines, --requests, --repeat, --clients and --messages take positive integers",
              file=sys.stderr)
        return 2
    surge = os.path.abspath(a.surge)
    exit_on_sigterm()
    tmpdir = a.tmpdir or tempfile.mkdtemp(prefix="surge-bench-")
    servers = Servers(os.path.abspath(a.servers_dir or os.path.join(tmpdir, "servers-queue")))
    ok = True
    try:
        target = None
        if a.only != "jsonl":
            find_tool("redis-benchmark", hint=" (package redis-tools: scripts/deps.sh bench)")
            if a.redis:
                try:
                    target = RedisTarget(a.redis)
                except ValueError as e:
                    print("queue.py: --redis: %s" % e, file=sys.stderr)
                    return 2
        print("## Queues\n")
        if a.only != "redis":
            ok &= bench_jsonl(surge, a, tmpdir)
        if a.only != "jsonl":
            server_pid = None
            if target is None:
                servers.start()
                target = RedisTarget(servers.env["SURGE_TEST_REDIS"])
                try:
                    with open(servers.env["SURGE_REDIS_PIDFILE"]) as f:
                        server_pid = int(f.readline().strip())
                except (OSError, KeyError, ValueError):
                    server_pid = None
            ok &= bench_redis(surge, target, a, tmpdir, server_pid)
    except ToolMissing as e:
        print("queue.py: %s" % mask(e), file=sys.stderr)
        return 2
    except RunError as e:
        print("queue.py: %s" % mask(e), file=sys.stderr)
        return 1
    finally:
        if target is not None and not servers.started:
            # A server of the caller's: leave no list of ours behind.
            try:
                r = Redis(target.host, target.port, target.db, timeout_s=30)
                clear(r)
                r.close()
            except RunError as e:
                progress("cleanup: %s" % e)
        servers.stop()
        if not a.tmpdir:
            shutil.rmtree(tmpdir, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
