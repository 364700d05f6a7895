"""test_plan.py - `surge plan` and `surge workloads`.

The plan's numbers are checked against the patterns' own arithmetic, done
here: a ramp from 0 to 100 over 10 s asks for 500 operations and its rate
at t is 10 t; a burst of 500/s, 5 s on and 10 s off, ten times, asks for
25,000 over 150 s and is on exactly when t mod 15 < 5. The plotted points
are integrated independently. The SQL that `surge workloads ecommerce`
shows is handed to SQLite to compile against the schema surge creates.
"""
import json
import os
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from helpers import ECOMMERCE_OPS, NEW_DB_TIMEOUT, Checks, binary_from_argv, db_query, run  # noqa: E402

SURGE = binary_from_argv()
checks = Checks("test_plan")


def surge_ok(label, args):
    r = run(SURGE, args, timeout=20)
    checks.check(f"{label}: exit code 0", r.rc == 0, r.describe())
    checks.eq(f"{label}: nothing on stderr", r.err, "")
    return r.out


def plan_json(label, expr, *extra):
    out = surge_ok(label, ["plan", expr, "--json", *extra])
    try:
        d = json.loads(out)
    except ValueError as e:
        checks.check(f"{label}: output is valid JSON", False, f"{e}: {out[:200]!r}")
        return None
    checks.check(f"{label}: output is valid JSON", isinstance(d, dict))
    pts = d.get("points")
    ok = (isinstance(pts, list) and len(pts) >= 2
          and all(isinstance(p, list) and len(p) == 2 and all(isinstance(x, (int, float)) for x in p) for p in pts))
    checks.check(f"{label}: points are [t, rate] pairs", ok, f"{str(pts)[:200]}")
    if not ok:
        return None
    # Where the rate jumps (a phase boundary, the end) the plan gives two
    # points at the same time, before and after, so a plot draws a step.
    ts = [p[0] for p in pts]
    checks.check(f"{label}: points go forward in time (a step: two at one time, no more)",
                 all(a < b or (a == b and (i == 0 or ts[i - 1] < a)) for i, (a, b) in enumerate(zip(ts, ts[1:]))),
                 f"{ts[:10]}")
    return d


def trapezoid(points):
    return sum((t1 - t0) * (r0 + r1) / 2 for (t0, r0), (t1, r1) in zip(points, points[1:]))


def check_ramp():
    label = "plan ramp(0,100,10s)"
    d = plan_json(label, "ramp(0,100,10s)")
    if d:
        checks.eq(f"{label}: duration_s 10", d.get("duration_s"), 10)
        checks.eq(f"{label}: total_ops 500", d.get("total_ops"), 500)
        checks.eq(f"{label}: peak_rate 100", d.get("peak_rate"), 100)
        pts = d["points"]
        checks.check(f"{label}: rates within [0, 100]", all(0 <= r <= 100 for _, r in pts),
                     f"{[r for _, r in pts if not 0 <= r <= 100][:5]}")
        checks.check(f"{label}: points span 0..10 s", pts[0][0] == 0 and abs(pts[-1][0] - 10) < 1e-9,
                     f"{pts[0]} .. {pts[-1]}")
        off = [p for p in pts if abs(p[1] - 10 * p[0]) >= 0.01]
        checks.check(f"{label}: every point on the line rate = 10 t (but a last step down to 0 at 10 s)",
                     not off or off == [[10, 0]] and pts[-1] == [10, 0], f"{off[:5]}")
        checks.near(f"{label}: points integrate to about 500", trapezoid(pts), 500, 5)
    out = surge_ok(f"{label} (text)", ["plan", "ramp(0,100,10s)"])
    ops_lines = [l for l in out.splitlines() if l.startswith("operations")]
    checks.check(f"{label} (text): an operations line with the total 500",
                 len(ops_lines) == 1 and "500" in ops_lines[0].replace(",", ""), f"{ops_lines}")
    checks.check(f"{label} (text): a plot", out.count("\n") >= 10, f"{out[:200]!r}")

    label = "plan ramp(0,100,10s) --duration 5s"
    d = plan_json(label, "ramp(0,100,10s)", "--duration", "5s")
    if d:
        checks.eq(f"{label}: total_ops still 500", d.get("total_ops"), 500)
        checks.eq(f"{label}: window_ops 125 (the first half of the ramp)", d.get("window_ops"), 125)
        checks.check(f"{label}: points end at 5 s", abs(d["points"][-1][0] - 5) < 1e-9, f"{d['points'][-1]}")


def check_burst():
    expr = "burst(500, on=5s, off=10s, count=10)"
    label = f"plan {expr}"
    d = plan_json(label, expr)
    if d:
        checks.eq(f"{label}: total_ops 25000", d.get("total_ops"), 25000)
        checks.eq(f"{label}: duration_s 150", d.get("duration_s"), 150)
        checks.eq(f"{label}: peak_rate 500", d.get("peak_rate"), 500)
        # On when t mod 15 is in [0, 5); points on an edge could go either way.
        wrong = [(t, r) for t, r in d["points"]
                 if min(t % 15, 15 - t % 15, abs(t % 15 - 5)) > 1e-6 and r != (500 if t % 15 < 5 else 0)]
        checks.check(f"{label}: every point 500 in a burst, 0 between", not wrong, f"{wrong[:5]}")
    out = surge_ok(f"{label} (text)", ["plan", expr])
    checks.check(f"{label} (text): shows the total 25000", "25000" in out.replace(",", ""), f"{out[-300:]!r}")

    expr = "ramp(0,100,10s) then constant(50, 5s)"
    label = f"plan {expr}"
    d = plan_json(label, expr)
    if d:
        checks.eq(f"{label}: total_ops 750", d.get("total_ops"), 750)
        checks.eq(f"{label}: duration_s 15", d.get("duration_s"), 15)
        checks.eq(f"{label}: two phases", len(d.get("phases", [])), 2)
        at10 = [r for t, r in d["points"] if t == 10]
        checks.eq(f"{label}: a step from 100 down to 50 at 10 s", at10, [100, 50])
        checks.near(f"{label}: points integrate to about 750", trapezoid(d["points"]), 750, 7.5)


def check_endless():
    label = "plan 120"
    out = surge_ok(label, ["plan", "120"])
    checks.check(f"{label}: says it never ends", "never ends" in out, f"{out[-300:]!r}")
    d = plan_json(label, "120")
    if d:
        checks.eq(f"{label}: JSON duration_s null", d.get("duration_s", "missing"), None)
        checks.eq(f"{label}: JSON total_ops null", d.get("total_ops", "missing"), None)
        w = d.get("window_s")
        checks.check(f"{label}: window_ops = 120 x window_s", isinstance(w, (int, float)) and w > 0
                     and abs(d.get("window_ops", -1) - 120 * w) < 1, f"window {w}, ops {d.get('window_ops')}")
        checks.check(f"{label}: every point at 120", all(r == 120 for _, r in d["points"]))


def check_workloads(tmp):
    out = surge_ok("workloads", ["workloads"])
    checks.check("workloads: lists ecommerce", any(l.startswith("ecommerce") for l in out.splitlines()), out[:300])
    checks.check("workloads: lists noop", any(l.startswith("noop") for l in out.splitlines()), out[:300])
    for op in ECOMMERCE_OPS:
        checks.check(f"workloads: lists {op}", op in out.split(), out[:300])
    out = surge_ok("workloads ecommerce", ["workloads", "ecommerce"])
    for op in ECOMMERCE_OPS:
        checks.check(f"workloads ecommerce: shows {op}", op in out.split(), out[:300])
    # The statements are shown per dialect, each set under "statements (DIALECT):".
    sections, current = {}, None
    for l in out.splitlines():
        if l.startswith("statements ("):
            current = sections.setdefault(l[len("statements ("):].split(")")[0], [])
        elif current is not None and l.strip().split(" ", 1)[0] in ("INSERT", "UPDATE", "DELETE", "SELECT"):
            current.append(l.strip().rstrip(";"))
    checks.eq("workloads ecommerce: SQL for sqlite, postgres and mysql", sorted(sections),
              ["mysql", "postgres", "sqlite"])
    checks.check("workloads ecommerce: the same statements in every dialect",
                 len({len(v) for v in sections.values()}) == 1, f"{ {k: len(v) for k, v in sections.items()} }")
    sql = sections.get("sqlite", [])
    for word in ("INSERT INTO customers", "INSERT INTO orders", "INSERT INTO order_items", "UPDATE orders",
                 "DELETE FROM order_items"):
        checks.check(f"workloads ecommerce: shows {word}", any(s.startswith(word) for s in sql), f"{sql}")
    # Every SQLite statement shown must be one SQLite compiles on the schema surge
    # creates: EXPLAIN prepares it without running it.
    db = os.path.join(tmp, "schema.db")
    r = run(SURGE, ["run", f"sqlite:{db}", "--transactions", "1", "--progress", "none", "--seed", "1"],
            timeout=NEW_DB_TIMEOUT)
    if checks.check("a database with surge's schema", r.rc == 0, r.describe()):
        for s in sql:
            try:
                db_query(db, "EXPLAIN " + s, [None] * s.count("?"))
                ok, err = True, ""
            except Exception as e:  # sqlite3.Error: the statement doesn't compile
                ok, err = False, str(e)
            checks.check(f"SQLite compiles: {s[:60]}...", ok, err)
    out = surge_ok("workloads noop", ["workloads", "noop"])
    checks.check("workloads noop: shows SELECT 1", "SELECT 1" in out, out[:300])


def main():
    check_ramp()
    check_burst()
    check_endless()
    out = surge_ok("version", ["version"])
    checks.check("version: 'surge X.Y.Z'", out.startswith("surge ") and out.count(".") >= 2, f"{out!r}")
    with tempfile.TemporaryDirectory(prefix="surge-plan-") as tmp:
        check_workloads(tmp)
    checks.finish()


if __name__ == "__main__":
    main()
