"""test_control.py - guardrails, thresholds, pause/resume and events.

Each guardrail trips on its own condition and ends the run with exit code 3,
a complete result naming it, and an events file of valid JSON lines that
ends with "stopped"; the stop file is seen within 200 ms of its creation
(the time it was created against the wall time of the guardrail event).
Thresholds pass with exit 0 and fail with 99; `abort` stops the run at the
first failing window. A pause (SIGUSR1) leaves the schedule whole: the
operations asked for all run, the measured length leaves the pause out,
and the wall time grows by it. Rates are checked against the pattern's own
integral, error rates against a run built to fail (a CHECK surge cannot
read, so every insert breaks it).
"""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from helpers import Checks, binary_from_argv, load_json, run  # noqa: E402

SURGE = binary_from_argv()
checks = Checks("test_control")


def events_of(checks, label, path):
    """The events file, every line a JSON object; [] when broken."""
    try:
        with open(path) as f:
            lines = [ln for ln in f.read().splitlines() if ln.strip()]
        evs = [json.loads(ln) for ln in lines]
    except (OSError, ValueError) as e:
        checks.check(f"{label}: events file is JSON lines", False, str(e))
        return []
    checks.check(f"{label}: events file is JSON lines with t, wall, type, detail",
                 all(isinstance(e, dict) and {"t", "wall", "type", "detail"} <= set(e) for e in evs), f"{evs[:3]}")
    types = [e.get("type") for e in evs]
    checks.check(f"{label}: events start with started and end with stopped",
                 types[:1] == ["started"] and types[-1:] == ["stopped"], f"{types}")
    return evs


def guarded(label, args, name, tmp, want_rc=3):
    out, ev = os.path.join(tmp, "r.json"), os.path.join(tmp, "e.jsonl")
    r = run(SURGE, ["run"] + args + ["--progress", "none", "--out", f"json:{out}", "--out", f"events:{ev}"],
            timeout=60)
    checks.eq(f"{label}: exit code {want_rc}", r.rc, want_rc) or print(r.describe())
    d = load_json(out)
    if not checks.check(f"{label}: result is JSON", d is not None):
        return None, []
    checks.eq(f"{label}: stop_reason", d.get("stop_reason"), "guardrail" if want_rc == 3 else "threshold")
    checks.eq(f"{label}: guardrail named", d.get("guardrail"), name)
    checks.check(f"{label}: stop_detail says why", bool(d.get("stop_detail")), f"{d.get('stop_detail')}")
    checks.check(f"{label}: the summary names it", name in r.out, r.out[-600:])
    evs = events_of(checks, label, ev)
    kinds = [e.get("type") for e in evs]
    want_kind = "guardrail" if want_rc == 3 else "threshold_failed"
    checks.check(f"{label}: a {want_kind} event", want_kind in kinds, f"{kinds}")
    return d, evs


def failing_db(tmp):
    """A table every generated insert breaks: surge cannot read this CHECK."""
    path = os.path.join(tmp, "fail.db")
    db = sqlite3.connect(path)
    db.executescript("CREATE TABLE t (id INTEGER PRIMARY KEY, note TEXT NOT NULL CHECK (length(note) > 1000));"
                     "INSERT INTO t (note) VALUES (printf('%.1001c', 'x'));")
    db.commit()
    db.close()
    return path


with tempfile.TemporaryDirectory() as tmp:
    # max-duration: 1 s into a 20 s run.
    d, _ = guarded("max-duration", ["null:", "--workload", "noop", "--pattern", "constant(500, 20s)",
                                    "--max-duration", "1s"], "max-duration", tmp)
    if d:
        checks.check("max-duration: stopped about 1 s in", 0.8 <= d["duration_s"] <= 1.5, f"{d['duration_s']}")

    # max-total: exactly N operations, closed loop at full speed.
    d, _ = guarded("max-total", ["null:", "--workload", "noop", "--max-total", "5000", "--duration", "10s"],
                   "max-total", tmp)
    if d:
        checks.eq("max-total: exactly 5000 operations", d["ops"]["total"], 5000)

    # max-error-rate: every insert fails a CHECK surge cannot read.
    db = failing_db(tmp)
    d, _ = guarded("max-error-rate", [f"sqlite:{db}", "--workload", "crud", "--mix",
                                      "insert=1,select=0,update=0,delete=0,aggregate=0", "--pattern",
                                      "constant(200, 20s)", "--max-error-rate", "5%"], "max-error-rate", tmp)
    if d:
        checks.check("max-error-rate: stopped within 3 s", d["duration_s"] <= 3, f"{d['duration_s']}")
        checks.check("max-error-rate: operations failed", d["ops"]["failed"] >= 20, f"{d['ops']}")

    # max-latency: a bound no real operation meets.
    d, _ = guarded("max-latency", ["null:", "--workload", "noop", "--pattern", "constant(1000, 20s)",
                                   "--max-latency", "p50:1us"], "max-latency", tmp)
    if d:
        checks.check("max-latency: stopped within 3 s", d["duration_s"] <= 3, f"{d['duration_s']}")

    # stop-file: created 1 s in; the guardrail event comes within 200 ms.
    stop = os.path.join(tmp, "STOP")
    out, ev = os.path.join(tmp, "s.json"), os.path.join(tmp, "s.jsonl")
    p = subprocess.Popen([SURGE, "run", "null:", "--workload", "noop", "--pattern", "constant(500, 30s)",
                          "--stop-file", stop, "--progress", "none", "--out", f"json:{out}", "--out", f"events:{ev}"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(1.0)
    open(stop, "w").close()
    created = time.time()
    try:
        p.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
    checks.eq("stop-file: exit code 3", p.returncode, 3)
    evs = events_of(checks, "stop-file", ev)
    hit = [e for e in evs if e.get("type") == "guardrail"]
    if checks.check("stop-file: a guardrail event", bool(hit), f"{evs}"):
        wall = hit[0]["wall"]
        t = time.mktime(time.strptime(wall[:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone + float(wall[19:23])
        checks.check("stop-file: seen within 200 ms of its creation", -0.05 <= t - created <= 0.2,
                     f"{t - created:.3f} s")
    d = load_json(out)
    checks.check("stop-file: complete result", d is not None and d.get("guardrail") == "stop-file", f"{d and d.get('guardrail')}")

    # max-rate: a ramp past the cap runs at most the cap; what is above is counted as capped.
    out = os.path.join(tmp, "cap.json")
    r = run(SURGE, ["run", "null:", "--workload", "noop", "--pattern", "ramp(100, 3000, 4s)", "--max-rate", "1000",
                    "--progress", "none", "--out", f"json:{out}"], timeout=60)
    checks.eq("max-rate: exit code 0 (a cap is not a stop)", r.rc, 0)
    d = load_json(out)
    if d:
        # The pattern crosses 1000/s at t = 900/725 s; above that the cap holds.
        tc = 900 / 725
        want = 100 * tc + 725 * tc * tc / 2 + 1000 * (4 - tc)
        checks.near("max-rate: operations = the capped pattern's integral", d["ops"]["total"], want, want * 0.01)
        checks.near("max-rate: capped = the rest", d["ops"]["capped"], 6200 - want, want * 0.01)
        checks.check("max-rate: no second over 1000 (+1%)", all(h["ok"] <= 1010 for h in d["history"]),
                     f"{[h['ok'] for h in d['history']]}")

    # Thresholds: held -> 0, failed -> 99, verdicts in the result.
    out = os.path.join(tmp, "th.json")
    r = run(SURGE, ["run", "null:", "--workload", "noop", "--pattern", "constant(500, 2s)", "--threshold", "p99<1s",
                    "--threshold", "errors<1%", "--threshold", "rate>=90%", "--progress", "none",
                    "--out", f"json:{out}"], timeout=60)
    checks.eq("thresholds held: exit code 0", r.rc, 0) or print(r.describe())
    d = load_json(out)
    if d:
        checks.eq("thresholds held: three verdicts, all ok", [t["ok"] for t in d.get("thresholds", [])],
                  [True, True, True])
    r = run(SURGE, ["run", "null:", "--workload", "noop", "--pattern", "constant(500, 2s)", "--threshold", "p99<1s",
                    "--threshold", "ops>100000", "--progress", "none", "--out", f"json:{out}"], timeout=60)
    checks.eq("a threshold fails: exit code 99", r.rc, 99) or print(r.describe())
    d = load_json(out)
    if d:
        checks.eq("a threshold fails: verdicts", [t["ok"] for t in d.get("thresholds", [])], [True, False])
        checks.eq("a threshold fails: its value is the count of ok operations", d["thresholds"][1]["value"],
                  d["ops"]["ok"])
        checks.eq("a threshold fails: the run still ran to its end", d["stop_reason"], "pattern ended")
    d, evs = guarded("threshold abort", ["null:", "--workload", "noop", "--pattern", "constant(500, 20s)",
                                         "--threshold", "p50<1us over 1s abort"], "threshold", tmp, want_rc=99)
    if d:
        checks.check("threshold abort: stopped at the first window", d["duration_s"] <= 2.5, f"{d['duration_s']}")
    r = run(SURGE, ["run", "null:", "--workload", "noop", "--threshold", "p99<<1ms"], timeout=30)
    checks.eq("a malformed threshold: exit code 2", r.rc, 2)
    checks.check("a malformed threshold: the error names the column", "column 5" in r.err, r.err)

    # Pause: SIGUSR1 twice, 1.5 s apart.
    out, ev = os.path.join(tmp, "p.json"), os.path.join(tmp, "p.jsonl")
    t0 = time.monotonic()
    p = subprocess.Popen([SURGE, "run", "null:", "--workload", "noop", "--pattern", "constant(400, 3s)",
                          "--progress", "none", "--out", f"json:{out}", "--out", f"events:{ev}"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(1.0)
    p.send_signal(signal.SIGUSR1)
    time.sleep(1.5)
    p.send_signal(signal.SIGUSR1)
    try:
        p.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
    wall = time.monotonic() - t0
    checks.eq("pause: exit code 0", p.returncode, 0)
    d = load_json(out)
    if d:
        checks.near("pause: every scheduled operation ran (1200)", d["ops"]["total"] + d["ops"]["unsent"], 1200, 1)
        checks.near("pause: duration leaves the pause out", d["duration_s"], 3.0, 0.1)
        checks.near("pause: paused_s", d["paused_s"], 1.5, 0.3)
        checks.check("pause: no sample shows work while paused",
                      all(h["ok"] <= 440 for h in d["history"]), f"{[h['ok'] for h in d['history']]}")
    checks.check("pause: the wall time grew by the pause", wall >= 4.3, f"{wall:.2f} s")
    kinds = [e.get("type") for e in events_of(checks, "pause", ev)]
    checks.check("pause: paused then resumed events", "paused" in kinds and "resumed" in kinds
                 and kinds.index("paused") < kinds.index("resumed"), f"{kinds}")

checks.finish()
