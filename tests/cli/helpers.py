"""helpers.py - what the CLI and integration tests share (not a test itself).

Each test script is run as `python3 tests/cli/test_X.py /path/to/surge`; it
makes a Checks, records one line per check, and ends with checks.finish(),
which exits 1 if any check failed. Every subprocess has a timeout; a run
that times out is a failed check, never a hang.
"""
import json
import os
import sqlite3
import subprocess
import sys

# Generous: the tests may run under AddressSanitizer (2-3x slower) and two
# at a time (ctest -j 2).
DEFAULT_TIMEOUT = 30
# A run on a new SQLite file also creates and seeds it; allow for that
# (see the seeding-cost check in test_ecommerce_sqlite.py).
NEW_DB_TIMEOUT = 90


class Checks:
    """One printed line per check; failures collected for the exit code."""

    def __init__(self, name):
        self.name = name
        self.failures = []
        self.count = 0

    def check(self, label, ok, detail=""):
        self.count += 1
        if ok:
            print(f"ok    {label}")
        else:
            if len(detail) > 400:
                detail = detail[:400] + "..."
            line = f"FAIL  {label}" + (f": {detail}" if detail else "")
            print(line)
            self.failures.append(line)
        sys.stdout.flush()
        return bool(ok)

    def eq(self, label, got, want):
        return self.check(label, got == want, f"expected {want!r}, got {got!r}")

    def near(self, label, got, want, tol):
        ok = isinstance(got, (int, float)) and abs(got - want) <= tol
        return self.check(label, ok, f"expected {want!r} +- {tol}, got {got!r}")

    def finish(self):
        print(f"{self.name}: {self.count - len(self.failures)}/{self.count} checks passed")
        for f in self.failures:
            print(f)
        sys.exit(1 if self.failures else 0)


def binary_from_argv():
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} /path/to/surge")
    path = os.path.abspath(sys.argv[1])
    if not os.access(path, os.X_OK):
        sys.exit(f"{path}: not an executable")
    return path


class Result:
    """A finished (or timed-out) command: rc is None after a timeout."""

    def __init__(self, args, rc, out, err):
        self.args, self.rc, self.out, self.err = args, rc, out, err

    def describe(self):
        tail = self.err.strip().splitlines()[-3:]
        return f"rc={self.rc} cmd={' '.join(self.args[1:])!r} stderr={tail!r}"


def run(surge, args, timeout=DEFAULT_TIMEOUT, cwd=None):
    """Run surge with args; never raises on a timeout (rc is None then)."""
    cmd = [surge] + list(args)
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=timeout, cwd=cwd)
        return Result(cmd, p.returncode, p.stdout, p.stderr)
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        err = e.stderr.decode(errors="replace") if isinstance(e.stderr, bytes) else (e.stderr or "")
        return Result(cmd, None, out, err + f"\n[timed out after {timeout}s]")


def load_json(path):
    """The parsed file, or None if it is missing or not valid JSON."""
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def db_counts(path, tables=("customers", "orders", "order_items")):
    """Row counts straight from SQLite; a missing file counts as empty."""
    if not os.path.exists(path):
        return {t: 0 for t in tables}
    con = sqlite3.connect(path, timeout=10)
    try:
        return {t: con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}
    finally:
        con.close()


def db_query(path, sql, params=()):
    con = sqlite3.connect(path, timeout=10)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def get(d, dotted):
    """d['a']['b'] for 'a.b', or a KeyError naming the missing part."""
    cur = d
    for part in dotted.split("."):
        if not isinstance(cur, dict) or part not in cur:
            raise KeyError(dotted)
        cur = cur[part]
    return cur


# ---- the result file ---------------------------------------------------------

LATENCY_KEYS = ("p50", "p95", "p99", "mean", "max")
REQUIRED_KEYS = (["ops.total", "ops.ok", "ops.failed", "duration_s", "throughput", "stop_reason",
                  "by_op", "errors", "history"]
                 + [f"latency_ms.{k}" for k in LATENCY_KEYS]
                 + [f"service_ms.{k}" for k in LATENCY_KEYS])
ECOMMERCE_OPS = ("new_customer_order", "advance_order_status", "new_order_existing_customer",
                 "update_customer_email", "delete_pending_item")


def _num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _ordered(lat):
    """p50 <= p95 <= p99 <= max and min <= mean <= max, when present."""
    seq = [lat[k] for k in ("min", "p50", "p90", "p95", "p99", "p999", "max") if k in lat]
    ok = all(a <= b for a, b in zip(seq, seq[1:]))
    if "min" in lat and "max" in lat:
        ok = ok and lat["min"] <= lat["mean"] <= lat["max"]
    return ok


def check_result(checks, label, d, workload_ops=ECOMMERCE_OPS):
    """What every finished result file must satisfy, whatever the run.
    Returns False if the file is too broken to look further."""
    if not checks.check(f"{label}: JSON parses as an object", isinstance(d, dict), f"got {type(d).__name__}"):
        return False
    missing = []
    for k in REQUIRED_KEYS:
        try:
            get(d, k)
        except KeyError:
            missing.append(k)
    for op in workload_ops:
        for k in ("ok", "failed") + tuple(f"latency_ms.{x}" for x in LATENCY_KEYS):
            try:
                get(d, f"by_op.{op}.{k}")
            except KeyError:
                missing.append(f"by_op.{op}.{k}")
    if not checks.check(f"{label}: every required key present", not missing, f"missing {missing}"):
        return False
    ops = d["ops"]
    checks.check(f"{label}: ops counts are whole numbers",
                 all(isinstance(ops[k], int) and ops[k] >= 0 for k in ("total", "ok", "failed")), f"{ops}")
    checks.eq(f"{label}: ops.total = ok + failed", ops["total"], ops["ok"] + ops["failed"])
    checks.eq(f"{label}: by_op ok sums to ops.ok", sum(v["ok"] for v in d["by_op"].values()), ops["ok"])
    checks.eq(f"{label}: by_op failed sums to ops.failed",
              sum(v["failed"] for v in d["by_op"].values()), ops["failed"])
    checks.check(f"{label}: errors is an object of counts",
                 isinstance(d["errors"], dict) and all(_num(v) for v in d["errors"].values()), f"{d['errors']!r}")
    if isinstance(d["errors"], dict):
        checks.eq(f"{label}: errors sum to ops.failed", sum(d["errors"].values()), ops["failed"])
    checks.eq(f"{label}: state is done", d.get("state"), "done")
    checks.eq(f"{label}: no fatal error", d.get("error"), None)

    lat, svc = d["latency_ms"], d["service_ms"]
    if ops["ok"] + ops["failed"] > 0:
        checks.check(f"{label}: latency min <= p50 <= p95 <= p99 <= max, mean in range", _ordered(lat), f"{lat}")
        checks.check(f"{label}: service min <= p50 <= p95 <= p99 <= max, mean in range", _ordered(svc), f"{svc}")
        # Latency runs from the intended start, service time from the send,
        # which is never earlier: each service time <= its latency, so every
        # quantile is too (1% slack for the histogram's buckets).
        checks.check(f"{label}: service p99 <= latency max", svc["p99"] <= lat["max"] * 1.01 + 1e-6,
                     f"service p99 {svc['p99']} latency max {lat['max']}")
        checks.check(f"{label}: service quantiles <= latency quantiles",
                     all(svc[k] <= lat[k] * 1.01 + 1e-6 for k in LATENCY_KEYS), f"service {svc} latency {lat}")
        checks.check(f"{label}: latencies positive and finite",
                     all(_num(lat[k]) and 0 < lat[k] < 1e7 for k in LATENCY_KEYS), f"{lat}")
    for name, op in d["by_op"].items():
        if op["ok"] + op["failed"] > 0:
            checks.check(f"{label}: by_op.{name} latency ordered", _ordered(op["latency_ms"]), f"{op['latency_ms']}")
            checks.check(f"{label}: by_op.{name} max <= overall max",
                         op["latency_ms"]["max"] <= lat["max"] * 1.01 + 1e-6, f"{op['latency_ms']['max']} > {lat['max']}")
    if d["duration_s"] and d["duration_s"] > 0:
        want = ops["ok"] / d["duration_s"]
        checks.check(f"{label}: throughput = ops.ok / duration_s", abs(d["throughput"] - want) <= 0.01 * want + 0.01,
                     f"throughput {d['throughput']} vs {want}")
    return True


def check_history(checks, label, d, interval=1.0):
    """Samples in time order, covering the run; their ok counts add up to
    ops.ok except for a final sliver under a tenth of an interval, which the
    engine folds into the totals only."""
    h = d["history"]
    checks.check(f"{label}: history is a list of samples", isinstance(h, list) and all(isinstance(s, dict) for s in h))
    if not h:
        return
    ts = [s["t"] for s in h]
    checks.check(f"{label}: history times increase", all(a < b for a, b in zip(ts, ts[1:])), f"{ts}")
    dur = d["duration_s"]
    checks.check(f"{label}: last sample ends at duration_s (within interval/10)",
                 dur - interval / 10 - 1e-6 <= ts[-1] <= dur + 1e-6, f"last t {ts[-1]}, duration {dur}")
    lengths = sum(s["length"] for s in h)
    checks.check(f"{label}: sample lengths add up to the samples' span", abs(lengths - ts[-1]) <= 1e-3,
                 f"sum of lengths {lengths}, last t {ts[-1]}")
    hist_ok = sum(s["ok"] for s in h)
    ok = d["ops"]["ok"]
    # The sliver: at most a tenth of an interval at the run's rate, doubled.
    sliver = 2 * ok * (interval / 10) / max(dur, interval) + 2
    checks.check(f"{label}: history ok sums to ops.ok (but the final sliver)", 0 <= ok - hist_ok <= sliver,
                 f"history {hist_ok}, ops.ok {ok}, allowed gap {sliver:.0f}")


# ---- the ecommerce database --------------------------------------------------

STATUS_STEP = ("CASE status WHEN 'pending' THEN 0 WHEN 'paid' THEN 1 "
               "WHEN 'shipped' THEN 2 WHEN 'delivered' THEN 3 END")


def ecommerce_state(path):
    """Counts, and the sum of every order's step along the status workflow:
    each advance_order_status that succeeds adds exactly 1 to it."""
    s = db_counts(path)
    s["status_steps"] = db_query(path, f"SELECT COALESCE(SUM({STATUS_STEP}), 0) FROM orders")[0][0] \
        if os.path.exists(path) else 0
    return s


def check_ecommerce_db(checks, label, path):
    """Invariants of the ecommerce data, asked of SQLite itself."""
    bad = db_query(path, "SELECT DISTINCT status FROM orders "
                         "WHERE status NOT IN ('pending', 'paid', 'shipped', 'delivered')")
    checks.eq(f"{label}: every order status is pending/paid/shipped/delivered", bad, [])
    orphans = db_query(path, "SELECT COUNT(*) FROM order_items oi LEFT JOIN orders o ON o.id = oi.order_id "
                             "WHERE o.id IS NULL")[0][0]
    checks.eq(f"{label}: no order_items row points to a missing order", orphans, 0)
    orphans = db_query(path, "SELECT COUNT(*) FROM orders o LEFT JOIN customers c ON c.id = o.customer_id "
                             "WHERE c.id IS NULL")[0][0]
    checks.eq(f"{label}: no order points to a missing customer", orphans, 0)
    checks.eq(f"{label}: PRAGMA foreign_key_check is clean", db_query(path, "PRAGMA foreign_key_check"), [])
    # The workload keeps an order's total equal to its items (deleting an
    # item lowers the total in the same transaction).
    wrong = db_query(path, "SELECT COUNT(*) FROM orders o WHERE total_cents != "
                           "(SELECT COALESCE(SUM(quantity * price_cents), 0) FROM order_items WHERE order_id = o.id)")[0][0]
    checks.eq(f"{label}: every order's total equals the sum of its items", wrong, 0)
    checks.eq(f"{label}: PRAGMA integrity_check", db_query(path, "PRAGMA integrity_check"), [("ok",)])


def check_growth(checks, label, before, after, d):
    """What the run did to the database, from SQLite's counts, against what
    the result file says succeeded (warm-up operations change the data too)."""
    ok = {name: op["ok"] + op["warmup_ok"] for name, op in d["by_op"].items()}
    new_orders = ok.get("new_customer_order", 0) + ok.get("new_order_existing_customer", 0)
    checks.eq(f"{label}: customers added = new_customer_order ok",
              after["customers"] - before["customers"], ok.get("new_customer_order", 0))
    checks.eq(f"{label}: orders added = new_customer_order ok + new_order_existing_customer ok",
              after["orders"] - before["orders"], new_orders)
    checks.eq(f"{label}: status steps added = advance_order_status ok",
              after["status_steps"] - before["status_steps"], ok.get("advance_order_status", 0))
    items = after["order_items"] - before["order_items"]
    lo, hi = new_orders - ok.get("delete_pending_item", 0), 5 * new_orders
    checks.check(f"{label}: items added within 1..5 per new order, less deletions", lo <= items <= hi,
                 f"{items} not in [{lo}, {hi}]")
