"""test_pg_stress.py - `surge stress` on a real PostgreSQL, with a latency bound.

A small table of the test's own (schema surge_stress, 2000 rows put in by
psql), the crud workload without deletes, levels of 40, 80 and 160 ops/s
of 4 s each and a per-level latency bound: p99 under 1 s at the first level
(any working server meets it), under 0.01 ms from the second on (no
server can). Level 40 must pass, level 80 must fail on latency and on
latency alone (the server kept the rate), the stress must stop there, and
the capacity is 40. Checked against the server's own numbers: the rows the
table gained are the successful inserts of both levels (count(*) before and
after, and pg_stat_user_tables' n_tup_ins), and each level's operations are
its pattern's integral. Then the same levels with --level-kind connections
(closed loop, 1 then 2 connections): the first passes, the second fails on
the same bound. The schema is dropped at the end whatever happened.
"""
import os
import sys
import tempfile
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from helpers import Checks, binary_from_argv, check_result, load_json, run  # noqa: E402
from server_ecommerce import SERVERS_DIR, Client, server_env  # noqa: E402

SURGE = binary_from_argv()
checks = Checks("test_pg_stress")
SCHEMA = "surge_stress"
TABLE = f"{SCHEMA}.items"
ROWS = 2000
LEVELS = (40, 80, 160)
LEVEL_S = 4
CRUD_OPS = ("select", "insert", "update", "delete", "aggregate")
MIX = "select=50,insert=20,update=20,delete=0,aggregate=10"   # no deletes: rows only grow, by the inserts


def setup(client):
    client.query(f"""
DROP SCHEMA IF EXISTS {SCHEMA} CASCADE;
CREATE SCHEMA {SCHEMA};
CREATE TABLE {TABLE} (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name varchar(40) NOT NULL,
  qty integer NOT NULL CHECK (qty >= 0),
  price numeric(8,2) NOT NULL
);
INSERT INTO {TABLE} (name, qty, price)
  SELECT 'item ' || g, g % 100, (g % 1000) / 10.0 FROM generate_series(1, {ROWS}) g;
""")


def inserted(client):
    """n_tup_ins of the table, once the server's statistics have settled
    (backends flush theirs as they exit, just after surge closes them)."""
    last, stable_since = None, time.monotonic()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        client.query("SELECT pg_stat_clear_snapshot()")
        v = client.one(f"SELECT n_tup_ins FROM pg_stat_user_tables WHERE relid = '{TABLE}'::regclass")
        if v != last:
            last, stable_since = v, time.monotonic()
        elif time.monotonic() - stable_since > 1.5:
            break
        time.sleep(0.3)
    return last


def level_inserts(d):
    return sum(lv["result"]["by_op"]["insert"]["ok"] + lv["result"]["by_op"]["insert"]["warmup_ok"] for lv in d["levels"])


def rate_levels(client, url, tmp):
    label = "postgres rate levels"
    out = os.path.join(tmp, "rate.json")
    rows0, ins0 = client.one(f"SELECT count(*) FROM {TABLE}"), inserted(client)
    r = run(SURGE, ["stress", url, "--workload", "crud", "--tables", TABLE, "--mix", MIX, "-c", "4", "--seed", "11",
                    "--levels", ",".join(map(str, LEVELS)), "--level-duration", f"{LEVEL_S}s", "--cooldown", "1s",
                    "--pass-latency", "p99:1s,0.01ms", "--progress", "none", "--out", f"json:{out}"], timeout=90)
    checks.eq(f"{label}: exit code 0", r.rc, 0) or print(r.describe())
    d = load_json(out)
    if not checks.check(f"{label}: JSON written", isinstance(d, dict), r.describe()):
        return
    checks.eq(f"{label}: verdicts pass, fail (stopped at the first failure)", [lv["verdict"] for lv in d["levels"]],
              ["pass", "fail"])
    checks.eq(f"{label}: capacity 40", d["capacity"], 40)
    checks.check(f"{label}: 'capacity: 40 ops/s (highest level passed)'", "capacity: 40 ops/s (highest level passed)" in r.out,
                 r.out[-500:])
    checks.eq(f"{label}: the latency bounds per level (the last repeating)", d["criteria"]["latency_ms"], [1000, 0.01, 0.01])
    checks.eq(f"{label}: p99 is the judged percentile", d["criteria"]["latency_percentile"], "p99")
    for i, lv in enumerate(d["levels"]):
        res = lv["result"]
        tag = f"{label}: level {lv['level']}"
        if not check_result(checks, tag, res, CRUD_OPS):
            continue
        checks.eq(f"{tag}: no operation failed", res["ops"]["failed"], 0)
        checks.eq(f"{tag}: every operation the pattern asked for ran", res["ops"]["total"], LEVELS[i] * LEVEL_S)
        checks.eq(f"{tag}: judged on the result's p99", lv["latency_ms"], res["latency_ms"]["p99"])
        checks.eq(f"{tag}: its bound", lv["bounds"]["latency_ms"], 1000 if i == 0 else 0.01)
    if len(d["levels"]) == 2:
        f = d["levels"][1]["failures"]
        checks.eq(f"{label}: level 80 failed on latency alone (the server kept the rate)", [x["what"] for x in f], ["latency"])
        if f:
            checks.check(f"{label}: the failure gives p99 and the bound", f[0]["value"] > 0.01 and f[0]["bound"] == 0.01
                         and "p99" in f[0]["detail"], f"{f[0]}")
        checks.eq(f"{label}: level 40 has no failure", d["levels"][0]["failures"], [])
        checks.check(f"{label}: the table row of level 80 says FAIL and latency",
                     any("80 ops/s" in line and "FAIL" in line and "latency" in line for line in r.out.splitlines()), r.out)
    # The server's own counts.
    rows1, ins1 = client.one(f"SELECT count(*) FROM {TABLE}"), inserted(client)
    want = level_inserts(d)
    checks.check(f"{label}: inserts ran", want > 0, f"{want}")
    checks.eq(f"{label}: rows gained = successful inserts of every level (count(*))", rows1 - rows0, want)
    checks.eq(f"{label}: n_tup_ins gained = successful inserts (pg_stat_user_tables)", ins1 - ins0, want)


def connection_levels(client, url, tmp):
    label = "postgres connection levels"
    out = os.path.join(tmp, "conns.json")
    rows0 = client.one(f"SELECT count(*) FROM {TABLE}")
    r = run(SURGE, ["stress", url, "--workload", "crud", "--tables", TABLE, "--mix", MIX, "--level-kind", "connections",
                    "--levels", "1,2", "--level-duration", "3s", "--cooldown", "0s",
                    "--pass-latency", "p99:1s,0.01ms", "--progress", "none", "--out", f"json:{out}"], timeout=60)
    checks.eq(f"{label}: exit code 0", r.rc, 0) or print(r.describe())
    d = load_json(out)
    if not checks.check(f"{label}: JSON written", isinstance(d, dict), r.describe()):
        return
    checks.eq(f"{label}: kind connections", d["kind"], "connections")
    checks.eq(f"{label}: verdicts pass, fail", [lv["verdict"] for lv in d["levels"]], ["pass", "fail"])
    checks.eq(f"{label}: capacity 1 connection", d["capacity"], 1)
    checks.eq(f"{label}: each level ran closed loop with its connections",
              [(lv["result"]["mode"], lv["result"]["connections"]) for lv in d["levels"]], [("closed", 1), ("closed", 2)])
    checks.check(f"{label}: 'capacity: 1 connection (highest level passed, .../s)'",
                 "capacity: 1 connection (highest level passed" in r.out, r.out[-400:])
    if len(d["levels"]) == 2:
        checks.eq(f"{label}: level 2 failed on latency", [x["what"] for x in d["levels"][1]["failures"]], ["latency"])
    checks.eq(f"{label}: rows gained = successful inserts (count(*))",
              client.one(f"SELECT count(*) FROM {TABLE}") - rows0, level_inserts(d))


def main():
    if not SERVERS_DIR or not os.path.exists(os.path.join(SERVERS_DIR, "env.json")):
        checks.check("servers started by tests/servers.sh (SURGE_SERVERS_DIR/env.json)", False, SERVERS_DIR)
        checks.finish()
    url = server_env()["SURGE_TEST_PG"]
    client = Client("postgres", url)
    try:
        setup(client)
        checks.eq("setup: the table holds its rows (psql)", client.one(f"SELECT count(*) FROM {TABLE}"), ROWS)
        with tempfile.TemporaryDirectory(prefix="surge-pg-stress-") as tmp:
            rate_levels(client, url, tmp)
            connection_levels(client, url, tmp)
    except RuntimeError as e:   # a query of the test's own failed
        checks.check("psql answered every query", False, str(e))
    finally:
        try:
            client.query(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        except RuntimeError as e:
            print(f"note: dropping {SCHEMA} failed: {e}")
    checks.finish()


main()
