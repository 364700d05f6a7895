"""server_inspect.py - `surge inspect` against a real server (PostgreSQL or
MariaDB, started by tests/servers.sh as a ctest fixture): the test writes a
schema with the server's own client, then compares what `surge inspect
--json` reads back with what it wrote. Not a test itself: test_pg_inspect.py
and test_mysql_inspect.py call run_all() with their schema and expectations.

An expectation is a dict per table, keyed by (schema, name):
    rows            exact count, or ("about", n, tolerance) for an estimate
    columns         [(name, {field: value})] in table order; fields not
                    given take COLUMN_DEFAULTS (so every field is compared)
    primary_key     [column, ...] ([] for none)
    unique          [[column, ...], ...] (any order)
    foreign_keys    [(columns, ref_schema, ref_table, ref_columns), ...]
    checks          [text each check's expr must contain, ...]
"""
import json
import os
import time

from helpers import Checks, binary_from_argv, run
from server_ecommerce import SERVERS_DIR, Client, server_env

COLUMN_DEFAULTS = {"nullable": True, "default": None, "identity": False, "generated": False,
                   "length": None, "precision": None, "scale": None, "enum": None}


def inspect_json(checks, surge, label, url):
    t0 = time.monotonic()
    r = run(surge, ["inspect", url, "--json"], timeout=60)
    took = time.monotonic() - t0
    if not checks.eq(f"{label}: exit code 0", r.rc, 0):
        print(r.describe())
        return None
    checks.check(f"{label}: done within 20 s", took < 20, f"{took:.1f} s")
    try:
        d = json.loads(r.out)
    except ValueError as e:
        checks.check(f"{label}: output is JSON", False, f"{e}: {r.out[:200]!r}")
        return None
    checks.check(f"{label}: output is JSON with dialect and tables", isinstance(d, dict) and "tables" in d, r.out[:200])
    return d


def check_rows(checks, label, t, want):
    if isinstance(want, tuple):
        _, n, tol = want
        checks.eq(f"{label}: rows_estimated", t.get("rows_estimated"), True)
        checks.near(f"{label}: rows about {n}", t.get("rows"), n, tol)
    else:
        checks.eq(f"{label}: rows (exact)", (t.get("rows"), t.get("rows_estimated")), (want, False))


def compare_table(checks, label, t, want):
    cols = t.get("columns") or []
    checks.eq(f"{label}: columns in table order", [c.get("name") for c in cols], [c for c, _ in want["columns"]])
    by_name = {c.get("name"): c for c in cols}
    for name, fields in want["columns"]:
        c = by_name.get(name)
        if c is None:
            continue
        w = dict(COLUMN_DEFAULTS, **fields)
        checks.eq(f"{label}: column {name!r}", {k: c.get(k) for k in w}, w)
    checks.eq(f"{label}: primary key", t.get("primary_key"), want["primary_key"])
    checks.eq(f"{label}: unique keys", sorted(u.get("columns") for u in t.get("unique") or []),
              sorted(want.get("unique", [])))
    got_fk = sorted((f.get("columns"), f.get("ref_schema"), f.get("ref_table"), f.get("ref_columns"))
                    for f in t.get("foreign_keys") or [])
    checks.eq(f"{label}: foreign keys (column pairs in order)", got_fk,
              sorted(tuple(f) for f in want.get("foreign_keys", [])))
    exprs = [c.get("expr") or "" for c in t.get("checks") or []]
    want_checks = want.get("checks", [])
    checks.eq(f"{label}: {len(want_checks)} check constraint(s)", len(exprs), len(want_checks))
    for text in want_checks:
        checks.check(f"{label}: a check on {text!r}", any(text in e for e in exprs), f"{exprs}")
    check_rows(checks, label, t, want["rows"])


def compare(checks, dialect, d, want, absent):
    tables = {(t.get("schema"), t.get("name")): t for t in d.get("tables", [])}
    checks.eq(f"{dialect}: dialect", d.get("dialect"), "postgres" if dialect == "postgres" else "mysql")
    keys = [(t.get("schema"), t.get("name")) for t in d.get("tables", [])]
    checks.eq(f"{dialect}: tables sorted by schema, then name", keys, sorted(keys))
    for key, w in want.items():
        label = f"{dialect}: {key[0]}.{key[1]}"
        if checks.check(f"{label}: listed", key in tables, f"tables: {sorted(tables)}"):
            compare_table(checks, label, tables[key], w)
    for key, why in absent:
        checks.check(f"{dialect}: {key[0]}.{key[1]} not listed ({why})", key not in tables)


def run_all(dialect, setup_sql, teardown_sql, want, absent, more=None):
    """setup_sql may be a function of the client giving (setup_sql, want),
    for a schema that depends on the server's version; more(checks, surge,
    url, client, d): dialect-specific checks."""
    surge = binary_from_argv()
    checks = Checks(f"test_{'pg' if dialect == 'postgres' else dialect}_inspect")
    if not SERVERS_DIR or not os.path.exists(os.path.join(SERVERS_DIR, "env.json")):
        checks.check("servers started by tests/servers.sh (SURGE_SERVERS_DIR/env.json)", False, SERVERS_DIR)
        checks.finish()
    url = server_env()["SURGE_TEST_PG" if dialect == "postgres" else "SURGE_TEST_MYSQL"]
    client = Client(dialect, url)
    try:
        if callable(setup_sql):
            setup_sql, want = setup_sql(client)
        client.query(setup_sql)
        checks.check(f"{dialect}: test schema created", True)
    except RuntimeError as e:
        checks.check(f"{dialect}: test schema created", False, str(e))
        checks.finish()
    try:
        d = inspect_json(checks, surge, f"{dialect}: inspect --json", url)
        if d is not None:
            compare(checks, dialect, d, want, absent)
            if more:
                more(checks, surge, url, client, d)
        r = run(surge, ["inspect", url], timeout=60)
        checks.eq(f"{dialect}: inspect (text): exit code 0", r.rc, 0) or print(r.describe())
        # Quoted or not as the text format likes: the name, with any quote doubled.
        missing = [name for _, name in want if name not in r.out and name.replace('"', '""') not in r.out]
        checks.check(f"{dialect}: inspect (text): names every test table", not missing, f"missing {missing}")
    finally:
        client.query(teardown_sql)
    checks.finish()
