#!/usr/bin/env python3
"""rate_accuracy.py - does an open-loop run deliver the rate it was asked for?

For each target and workload, `surge run ... --pattern 'constant(R, 10s)'` at
R = 1k, 10k and 100k operations per second, and from the JSON result:

  run s      duration_s: how long operations kept being started (planned: S)
  achieved   ops.total / duration_s (every operation started, ok or failed)
  error      (achieved - R) / R; the goal is within 1%
  late       share of operations that started more than 1 ms behind schedule
  lag p99    how far behind schedule operations started (real - intended)
  latency    p99 from the intended start (includes the lag)
  CPU        user + system seconds the whole process used (from wait4), and
             that divided by its wall time: how many cores the run kept busy.
             An open-loop generator that spins to be punctual costs a core.
  others     cores kept busy by every other process meanwhile (/proc/stat):
             the noise this run had to share the machine with

Threads: one per core (surge's default), and one thread on the last row.
A rate above what the target can serve is shown too: the error column then
measures the target, not the generator. A run still going at 3 x S + 5 s
gets SIGINT, then SIGKILL 5 s later; a killed run's row comes from its CSV
samples, with a note under the table.

usage: rate_accuracy.py SURGE [--seconds S] [--rates 1000,10000,100000] [--tmpdir DIR]
"""
import argparse
import os
import shutil
import sys
import tempfile

sys.dont_write_bytecode = True   # no __pycache__ in bench/
from benchlib import RunError, fmt_cores, fmt_ms, fmt_rate, machine_line, progress, run_surge, table

GOAL_PCT = 1.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("surge", help="path to the surge binary")
    ap.add_argument("--seconds", type=float, default=10, help="length of each run (default 10)")
    ap.add_argument("--rates", default="1000,10000,100000", help="target rates, comma separated")
    ap.add_argument("--tmpdir", help="where the SQLite files and results go (default: a fresh temp dir)")
    a = ap.parse_args()
    rates = [int(float(r)) for r in a.rates.split(",") if r]
    tmpdir = a.tmpdir or tempfile.mkdtemp(prefix="surge-bench-")
    noop_db = "sqlite:" + os.path.join(tmpdir, "rate-noop.db")
    ec_db = "sqlite:" + os.path.join(tmpdir, "rate-ecommerce.db")

    # (target, workload, threads, rate): one thread per core, as surge's
    # default, but said explicitly so every row knows it.
    cores = os.cpu_count() or 1
    runs = []
    for target, workload in (("null:", "noop"), (noop_db, "noop"), (ec_db, "ecommerce")):
        for r in rates:
            runs.append((target, workload, cores, r))
    # The same top rate on one thread: one spinning worker instead of one per core.
    runs.append(("null:", "noop", 1, max(rates)))

    rows, notes = [], []
    timeout = 3 * a.seconds + 5
    try:
        print("## Rate accuracy (open loop, even arrivals, %g s per run)\n" % a.seconds)
        print("Machine: %s.\n" % machine_line())
        # Create and seed the ecommerce database first, so seeding is not in
        # any run's CPU time.
        progress("seeding the ecommerce database")
        run_surge(a.surge, [ec_db, "--workload", "ecommerce", "--threads", "1", "--transactions", "1"], tmpdir)
        for target, workload, threads, rate in runs:
            args = [target, "--workload", workload, "--pattern", "constant(%d, %gs)" % (rate, a.seconds),
                    "--threads", str(threads)]
            shown = "sqlite:F" if target.startswith("sqlite:") else target
            progress("%s %s at %s/s" % (shown, workload, fmt_rate(rate)))
            # A run that overruns its plan (an overloaded target) gets SIGINT
            # at the timeout, then SIGKILL; the CSV samples tell what it did.
            res, p, samples = run_surge(a.surge, args, tmpdir, timeout_s=timeout, csv=True)
            n = len(rows) + 1
            if res is not None:
                ops = res["ops"]
                total, late, failed, run_s = ops["total"], ops["late"], ops["failed"], res["duration_s"]
                lag = fmt_ms(res["lag_ms"]["p99"])
                lat = fmt_ms(res["latency_ms"]["p99"])
                run_shown = "%.1f" % run_s
                if p.timed_out:
                    notes.append("row %d: still running at %.0f s (plan: %g s); stopped by SIGINT (%s)."
                                 % (n, timeout, a.seconds, res.get("stop_reason")))
            else:
                ok = sum(int(r["ok"]) for r in samples)
                failed = sum(int(r["failed"]) for r in samples)
                total, late = ok + failed, sum(int(r["late"]) for r in samples)
                run_s = float(samples[-1]["t"]) if samples else 0.0
                lag = lat = "?"
                run_shown = ">%.0f" % run_s
                notes.append("row %d: still running at %.0f s (plan: %g s), SIGINT did not stop it, killed %.0f s "
                             "later; numbers from its %d CSV samples (%.0f s)."
                             % (n, timeout, a.seconds, p.wall_s - timeout, len(samples), run_s))
            achieved = total / run_s if run_s > 0 else 0.0
            err = (achieved - rate) / rate * 100
            err = 0.0 if abs(err) < 0.005 else err   # no "-0.00"
            late_pct = late / total * 100 if total else 0.0
            rows.append([shown, workload, threads, fmt_rate(rate), run_shown, fmt_rate(achieved),
                         "%+.2f" % err, "%.2f" % late_pct, lag, lat, "%.2f" % p.cpu_s,
                         "%.2f" % (p.cpu_s / p.wall_s), fmt_cores(p.others_cores), "{:,}".format(failed),
                         "yes" if abs(err) <= GOAL_PCT else "**no**"])
    except RunError as e:
        print("rate_accuracy.py: %s" % e, file=sys.stderr)
        return 1
    finally:
        if not a.tmpdir:
            shutil.rmtree(tmpdir, ignore_errors=True)
    table(["target", "workload", "threads", "target ops/s", "run s", "achieved ops/s", "error %", "late %",
           "lag p99 ms", "latency p99 ms", "CPU s", "cores busy", "others (cores)", "failed", "within 1%"],
          rows, "llrrrrrrrrrrrrl")
    print()
    for note in notes:
        print("- " + note)
    if notes:
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
