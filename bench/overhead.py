#!/usr/bin/env python3
"""overhead.py - what one operation costs surge itself (closed loop).

1. On the null: target (every statement succeeds at once, no I/O), how many
   operations per second a worker thread turns over, and so how many
   nanoseconds of generator work each operation takes: scheduling, picking
   the operation, the workload building its calls, timing and recording.
   The goal is >= 10 M operations per second per thread on `noop`.
2. The same trivial statement on SQLite, side by side with the anchor tool:
   Python's sqlite3 module running `SELECT 1` in a tight loop on one thread,
   against `surge run sqlite:F --workload noop --threads 1` (closed loop).
   Both load the same libsqlite3 and step the statement to the end.

Each configuration runs --repeat times; the table shows the median and the
best (these machines are shared: the best is the least disturbed run).

usage: overhead.py SURGE [--repeat N] [--scale X] [--tmpdir DIR]
"""
import argparse
import os
import shutil
import sys
import tempfile

sys.dont_write_bytecode = True   # no __pycache__ in bench/
from benchlib import (RunError, fmt_cores, fmt_rate, machine_line, median, progress, run_proc,
                      run_surge, table)

GOAL_PER_THREAD = 10e6

# target, workload, threads, operations (at --scale 1)
NULL_RUNS = [
    ("null:", "noop", 1, 20_000_000),
    ("null:", "noop", 2, 40_000_000),
    ("null:", "ecommerce", 1, 2_000_000),
    ("null:", "ecommerce", 2, 4_000_000),
]
ANCHOR_OPS = 2_000_000

# The anchor: the same statement in a tight loop, timed around the loop only
# (interpreter start-up and connecting are outside, as they are for surge's
# duration_s). fetchall() steps to SQLITE_DONE, as surge's driver does.
ANCHOR_PY = r"""
import sqlite3, sys, time
path, n = sys.argv[1], int(sys.argv[2])
con = sqlite3.connect(path, isolation_level=None)
con.execute("PRAGMA journal_mode=WAL").fetchall()
con.execute("PRAGMA synchronous=NORMAL")
cur = con.cursor()
cur.execute("SELECT 1").fetchall()
t = time.perf_counter()
for _ in range(n):
    cur.execute("SELECT 1").fetchall()
d = time.perf_counter() - t
print(n, d)
"""


def null_overhead(surge, repeat, scale, tmpdir):
    rows = []
    for target, workload, threads, n in NULL_RUNS:
        n = max(1000, int(n * scale))
        tput, cpu_ns, others = [], [], []
        for i in range(repeat):
            progress("%s %s, %d thread(s), %d ops (%d/%d)" % (target, workload, threads, n, i + 1, repeat))
            res, p, _ = run_surge(surge, [target, "--workload", workload, "--threads", str(threads),
                                          "--transactions", str(n)], tmpdir)
            if res["ops"]["total"] != n or res["ops"]["failed"]:
                raise RunError("%s %s: expected %d ok operations, got %r" % (target, workload, n, res["ops"]))
            tput.append(res["ops"]["total"] / res["duration_s"])
            cpu_ns.append(p.cpu_s / n * 1e9)
            if p.others_cores is not None:
                others.append(p.others_cores)
        med, best = median(tput), max(tput)
        per_thread = med / threads
        if workload == "noop":
            goal = "met" if per_thread >= GOAL_PER_THREAD else "**missed**"
        else:
            goal = "n/a"
        rows.append([target, workload, threads, "{:,}".format(n), fmt_rate(med), fmt_rate(best),
                     fmt_rate(per_thread), "%.1f" % (threads * 1e9 / med), "%.1f" % median(cpu_ns),
                     fmt_cores(median(others) if others else None), goal])
    print("### Generator overhead on `null:` (closed loop, median of %d)\n" % repeat)
    table(["target", "workload", "threads", "operations", "ops/s", "best ops/s", "ops/s per thread",
           "ns/op per thread", "CPU ns/op", "others (cores)", "goal >= 10M/s/thread"], rows, "llrrrrrrrrl")
    print()


def sqlite_anchor(surge, repeat, scale, tmpdir):
    n = max(1000, int(ANCHOR_OPS * scale))
    db = os.path.join(tmpdir, "anchor.db")
    py, su, others = [], [], []
    for i in range(repeat):
        progress("SQLite SELECT 1: Python sqlite3, %d ops (%d/%d)" % (n, i + 1, repeat))
        p = run_proc([sys.executable, "-c", ANCHOR_PY, db, str(n)], capture_stdout=True)
        if p.status != 0:
            raise RunError("the Python anchor failed: " + p.stderr.strip())
        if p.others_cores is not None:
            others.append(p.others_cores)
        done, secs = p.stdout.split()
        py.append(int(done) / float(secs))
        progress("SQLite SELECT 1: surge, %d ops (%d/%d)" % (n, i + 1, repeat))
        res, p, _ = run_surge(surge, ["sqlite:" + db, "--workload", "noop", "--threads", "1",
                                   "--transactions", str(n)], tmpdir)
        if res["ops"]["ok"] != n:
            raise RunError("surge on SQLite: expected %d ok operations, got %r" % (n, res["ops"]))
        su.append(res["ops"]["total"] / res["duration_s"])
        if p.others_cores is not None:
            others.append(p.others_cores)
    py_med, su_med = median(py), median(su)
    print("### SQLite `SELECT 1`, one thread, closed loop, side by side with the anchor (median of %d)\n" % repeat)
    table(["tool", "command", "operations", "ops/s", "best ops/s", "ns/op"], [
        ["Python sqlite3 (anchor)", "`cur.execute('SELECT 1').fetchall()` in a loop", "{:,}".format(n),
         fmt_rate(py_med), fmt_rate(max(py)), "%.0f" % (1e9 / py_med)],
        ["surge", "`surge run sqlite:F --workload noop --threads 1 --transactions %d`" % n, "{:,}".format(n),
         fmt_rate(su_med), fmt_rate(max(su)), "%.0f" % (1e9 / su_med)],
    ], "llrrrr")
    print("\nsurge / anchor: **%.2fx** the anchor's rate (%.0f ns vs %.0f ns per statement); "
          "other processes kept %s cores busy meanwhile (median).\n"
          % (su_med / py_med, 1e9 / su_med, 1e9 / py_med, fmt_cores(median(others) if others else None)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("surge", help="path to the surge binary")
    ap.add_argument("--repeat", type=int, default=3, help="runs per configuration (default 3)")
    ap.add_argument("--scale", type=float, default=1.0, help="multiply the operation counts (default 1)")
    ap.add_argument("--tmpdir", help="where the SQLite file and result files go (default: a fresh temp dir)")
    a = ap.parse_args()
    tmpdir = a.tmpdir or tempfile.mkdtemp(prefix="surge-bench-")
    try:
        print("## Overhead\n")
        print("Machine: %s.\n" % machine_line())
        null_overhead(a.surge, a.repeat, a.scale, tmpdir)
        sqlite_anchor(a.surge, a.repeat, a.scale, tmpdir)
    except RunError as e:
        print("overhead.py: %s" % e, file=sys.stderr)
        return 1
    finally:
        if not a.tmpdir:
            shutil.rmtree(tmpdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
