"""test_op_pattern.py - --op-pattern: a pattern per operation.

Two ecommerce operations, each on its own pattern (one starting late): each
runs exactly its pattern's integral, the others not at all, the per-second
target is the sum, and the database's own row counts agree with what the
inserting operation committed. Bad input: an unknown operation, a mix inside
one, --pattern with --op-pattern, the same operation twice: exit 2.
"""
import os
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from helpers import NEW_DB_TIMEOUT, Checks, binary_from_argv, db_counts, load_json, run  # noqa: E402

SURGE = binary_from_argv()
checks = Checks("test_op_pattern")

with tempfile.TemporaryDirectory() as tmp:
    db, out = os.path.join(tmp, "shop.db"), os.path.join(tmp, "r.json")
    r = run(SURGE, ["run", f"sqlite:{db}", "--transactions", "1", "--progress", "none"], timeout=NEW_DB_TIMEOUT)
    checks.eq("seeded", r.rc, 0) or print(r.describe())
    before = db_counts(db)
    r = run(SURGE, ["run", f"sqlite:{db}", "--progress", "none", "--out", f"json:{out}",
                    "--op-pattern", "new_customer_order=ramp(20, 60, 3s)",
                    "--op-pattern", "update_customer_email=constant(0, 1s) then constant(100, 2s)"], timeout=60)
    checks.eq("exit code 0", r.rc, 0) or print(r.describe())
    d = load_json(out)
    if checks.check("result written", d is not None):
        by = d["by_op"]
        checks.eq("new_customer_order: ramp integral 120", by["new_customer_order"]["ok"], 120)
        checks.eq("update_customer_email: 200 after a second of nothing", by["update_customer_email"]["ok"], 200)
        others = {k: v["ok"] + v["failed"] for k, v in by.items() if k not in ("new_customer_order", "update_customer_email")}
        checks.check("the other operations did not run", not any(others.values()), f"{others}")
        h = d["history"]
        checks.check("per-second target is the sum", len(h) == 3 and abs(h[0]["target_rate"] - 26.667) < 0.01
                     and abs(h[1]["target_rate"] - 140) < 0.01, f"{[s['target_rate'] for s in h]}")
        checks.eq("duration: the longest pattern", d["duration_s"], 3.0)
        after = db_counts(db)
        checks.eq("customers table grew by the inserts committed", after["customers"] - before["customers"], 120)

    bad = [
        (["--op-pattern", "nosuch=constant(5, 1s)"], "nosuch"),
        (["--op-pattern", "new_customer_order=constant(5, 1s, mix={a=1})"], "mix"),
        (["--op-pattern", "new_customer_order=constant(5, 1s)", "--pattern", "10"], "one or the other"),
        (["--op-pattern", "new_customer_order=constant(5, 1s)", "--op-pattern", "new_customer_order=10"], "two patterns"),
        (["--op-pattern", "new_customer_order=ramp(1, 2)"], "new_customer_order"),
    ]
    for args, says in bad:
        r = run(SURGE, ["run", f"sqlite:{db}", "--progress", "none"] + args)
        checks.eq(f"bad {' '.join(args)}: exit 2", r.rc, 2)
        checks.check(f"bad {' '.join(args)}: says '{says}' in one line", says in r.err and len(r.err.strip().splitlines()) <= 3,
                     r.err)
checks.finish()
