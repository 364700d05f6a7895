"""test_signal.py - SIGINT and SIGTERM end a run cleanly.

A long open-loop run (60 s planned) is interrupted once its first sample
is out; surge must stop within a few seconds, exit 0, and still write a
complete result whose counts match what SQLite holds. The database is
seeded by a short run first, so setup time doesn't count against the wait.
"""
import csv
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from helpers import (NEW_DB_TIMEOUT, Checks, binary_from_argv, check_ecommerce_db, check_growth,  # noqa: E402
                     check_history, check_result, ecommerce_state, load_json, run)

SURGE = binary_from_argv()
checks = Checks("test_signal")


def csv_lines(path):
    try:
        with open(path, newline="") as f:
            return list(csv.reader(f))
    except OSError:
        return []


def interrupt(label, tmp, db, sig):
    out_json = os.path.join(tmp, f"{label}.json")
    out_csv = os.path.join(tmp, f"{label}.csv")
    before = ecommerce_state(db)
    args = [SURGE, "run", f"sqlite:{db}", "--workload", "ecommerce", "--pattern", "constant(200)",
            "--duration", "60s", "--progress", "none", "--out", f"json:{out_json}", "--out", f"csv:{out_csv}"]
    p = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    started = time.monotonic()
    try:
        # Wait for the first sample in the CSV (the run is under way), then a
        # little more so the signal lands mid-interval. Bounded.
        deadline = started + 15
        while time.monotonic() < deadline and len(csv_lines(out_csv)) < 2 and p.poll() is None:
            time.sleep(0.05)
        checks.check(f"{label}: a sample came out before the signal", len(csv_lines(out_csv)) >= 2)
        time.sleep(0.5)
        checks.check(f"{label}: still running when signalled", p.poll() is None, f"rc={p.returncode}")
        p.send_signal(sig)
        t_sig = time.monotonic()
        try:
            out, err = p.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate(timeout=15)
            checks.check(f"{label}: exits within 15 s of the signal", False)
            return
        stop_wait = time.monotonic() - t_sig
    finally:
        if p.poll() is None:
            p.kill()
            p.wait(timeout=15)
    checks.check(f"{label}: exits within 5 s of the signal", stop_wait < 5, f"{stop_wait:.1f}s")
    checks.eq(f"{label}: exit code 0", p.returncode, 0)
    checks.eq(f"{label}: nothing on stderr", err, "")
    checks.check(f"{label}: summary printed", "signal" in out, f"stdout={out[:300]!r}")
    d = load_json(out_json)
    checks.check(f"{label}: result file is valid JSON", d is not None)
    if not d or not check_result(checks, label, d):
        return
    checks.eq(f"{label}: stop_reason signal", d["stop_reason"], "signal")
    checks.check(f"{label}: duration_s between 1 and 10", 1 <= d["duration_s"] <= 10, f"{d['duration_s']}")
    checks.check(f"{label}: ops.total > 0", d["ops"]["total"] > 0, f"{d['ops']}")
    # At 200/s, as many operations as the measured time asked for (a few in
    # flight or late at the stop may be missing, none extra).
    want = 200 * d["duration_s"]
    checks.check(f"{label}: about 200/s over duration_s", 0.9 * want - 5 <= d["ops"]["total"] <= want + 2,
                 f"{d['ops']['total']} for {d['duration_s']}s")
    check_history(checks, label, d)
    after = ecommerce_state(db)
    check_growth(checks, label, before, after, d)
    check_ecommerce_db(checks, label, db)
    rows = csv_lines(out_csv)
    if rows and "ok" in rows[0]:
        i = rows[0].index("ok")
        checks.eq(f"{label}: CSV ok column = JSON history ok", [int(r[i]) for r in rows[1:]],
                  [s["ok"] for s in d["history"]])


def main():
    with tempfile.TemporaryDirectory(prefix="surge-signal-") as tmp:
        db = os.path.join(tmp, "shop.db")
        r = run(SURGE, ["run", f"sqlite:{db}", "--transactions", "10", "--progress", "none", "--seed", "1"],
                timeout=NEW_DB_TIMEOUT)
        checks.eq("seeding run: exit code 0", r.rc, 0)
        interrupt("SIGINT", tmp, db, signal.SIGINT)
        interrupt("SIGTERM", tmp, db, signal.SIGTERM)
    checks.finish()


if __name__ == "__main__":
    main()
