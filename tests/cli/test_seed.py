"""test_seed.py - same seed, same choices.

With one thread on a fresh SQLite file, a seed fixes every random choice:
the seed data, which operations run, and the values they write. Columns
that hold no time and no run id must come out identical; another seed must
change them. With several threads on null:, each thread's stream is fixed
by the seed, so the per-operation counts of a fixed number of transactions
are too (however the threads interleave), and a run without --seed reports the seed it drew, which
replays it. The operation counts also follow the workload's weights.
"""
import os
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from helpers import NEW_DB_TIMEOUT, Checks, binary_from_argv, check_result, db_query, load_json, run  # noqa: E402

SURGE = binary_from_argv()
checks = Checks("test_seed")

# What a run writes that depends neither on the clock nor on the run id
# (timestamps and emails do).
STABLE = {
    "customer names": "SELECT id, name FROM customers ORDER BY id",
    "order items": "SELECT id, order_id, sku, quantity, price_cents FROM order_items ORDER BY id",
    "orders": "SELECT id, customer_id, status, total_cents FROM orders ORDER BY id",
}
WEIGHTS = {"new_customer_order": 40, "advance_order_status": 30, "new_order_existing_customer": 15,
           "update_customer_email": 10, "delete_pending_item": 5}


def sqlite_run(tmp, name, seed, db=None):
    """--seed SEED --threads 1 --transactions 400 --fresh; (by_op ok, data) or None."""
    db = db or os.path.join(tmp, f"{name}.db")
    out = os.path.join(tmp, f"{name}.json")
    r = run(SURGE, ["run", f"sqlite:{db}", "--seed", str(seed), "--threads", "1", "--transactions", "400",
                    "--workload", "ecommerce", "--fresh", "--progress", "none", "--out", f"json:{out}"],
            timeout=NEW_DB_TIMEOUT)
    label = f"sqlite {name} (seed {seed})"
    checks.check(f"{label}: exit code 0", r.rc == 0, r.describe())
    d = load_json(out)
    if not check_result(checks, label, d):
        return None
    checks.eq(f"{label}: 400 operations", d["ops"]["total"], 400)
    checks.eq(f"{label}: one thread", d.get("threads"), 1)
    data = {k: db_query(db, q) for k, q in STABLE.items()}
    checks.check(f"{label}: the database holds rows", all(data.values()), f"{ {k: len(v) for k, v in data.items()} }")
    return {k: v["ok"] for k, v in d["by_op"].items()}, data


def null_run(tmp, name, seed):
    """2 threads, 20000 transactions on null:; by_op ok counts or None.
    seed None: no --seed, surge draws one (returned as the "seed" key)."""
    out = os.path.join(tmp, f"{name}.json")
    seed_args = ["--seed", str(seed)] if seed is not None else []
    r = run(SURGE, ["run", "null:", "--threads", "2", "--workload", "ecommerce", "--transactions", "20000",
                    "--progress", "none", "--out", f"json:{out}"] + seed_args)
    label = f"null {name} (seed {seed if seed is not None else 'from the clock'})"
    checks.check(f"{label}: exit code 0", r.rc == 0, r.describe())
    d = load_json(out)
    if not check_result(checks, label, d):
        return None
    checks.eq(f"{label}: 20000 operations", d["ops"]["total"], 20000)
    checks.eq(f"{label}: two threads", d.get("threads"), 2)
    if seed is None:
        checks.check(f"{label}: the seed drawn is reported", isinstance(d.get("seed"), int), f"{d.get('seed')!r}")
        return d.get("seed"), {k: v["ok"] for k, v in d["by_op"].items()}
    checks.eq(f"{label}: the seed is reported", d.get("seed"), seed)
    return {k: v["ok"] for k, v in d["by_op"].items()}


def first_difference(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return f"row {i}: {x!r} vs {y!r}"
    return f"lengths {len(a)} vs {len(b)}"


def main():
    with tempfile.TemporaryDirectory(prefix="surge-seed-") as tmp:
        a = sqlite_run(tmp, "a", 7)
        b = sqlite_run(tmp, "b", 7)
        c = sqlite_run(tmp, "c", 8)
        # --fresh on a file that already holds another run's data: dropped,
        # then rebuilt as if new.
        reused = os.path.join(tmp, "c.db")
        d = sqlite_run(tmp, "c-again", 7, db=reused)
        if a and b:
            checks.eq("seed 7 twice: same by_op ok counts", b[0], a[0])
            for k in STABLE:
                checks.check(f"seed 7 twice: same {k}", a[1][k] == b[1][k], first_difference(a[1][k], b[1][k]))
        if a and c:
            checks.check("seed 8: different by_op ok counts", a[0] != c[0], f"{a[0]}")
            checks.check("seed 8: different data", any(a[1][k] != c[1][k] for k in STABLE))
        if a and d:
            checks.eq("seed 7 with --fresh over seed 8's file: same by_op ok counts", d[0], a[0])
            for k in STABLE:
                checks.check(f"seed 7 with --fresh over seed 8's file: same {k}", a[1][k] == d[1][k],
                             first_difference(a[1][k], d[1][k]))

        n1 = null_run(tmp, "n1", 3)
        n2 = null_run(tmp, "n2", 3)
        n3 = null_run(tmp, "n3", 4)
        if n1 and n2:
            checks.eq("null seed 3 twice: same by_op ok counts", n2, n1)
        if n1 and n3:
            checks.check("null seed 4: different by_op ok counts", n1 != n3, f"{n1}")
        if n1:
            # 20000 draws: each count is binomial; 5 standard deviations is a
            # bound a correct generator misses about once in 1.7 million runs.
            total = sum(n1.values())
            for op, w in WEIGHTS.items():
                p = w / 100
                sd = (total * p * (1 - p)) ** 0.5
                checks.check(f"null seed 3: {op} share near {w}%", abs(n1.get(op, 0) - total * p) <= 5 * sd,
                             f"{n1.get(op, 0)} of {total}, expected {total * p:.0f} +- {5 * sd:.0f}")
        # No --seed: the one drawn is reported, and replays the run.
        drawn = null_run(tmp, "n4", None)
        if drawn and isinstance(drawn[0], int):
            replay = null_run(tmp, "n5", drawn[0])
            if replay:
                checks.eq("null: the reported seed replays the same by_op ok counts", replay, drawn[1])
        repeated_null_runs(tmp)
    checks.finish()


# Seeds that once gave two outcomes with 2 threads, when the number of random
# draws a worker made depended on another worker's progress (a shared max id
# still 0 or 1 drew nothing). The same seed must give one outcome every time.
RACE_SEEDS = (6, 10908879852236, 12783708980764, 1)


def repeated_null_runs(tmp):
    """The same seed run many times gives one outcome."""
    out = os.path.join(tmp, "race.json")
    for seed in RACE_SEEDS:
        seen = set()
        for _ in range(10):
            r = run(SURGE, ["run", "null:", "--threads", "2", "--workload", "ecommerce", "--transactions", "2000",
                            "--seed", str(seed), "--progress", "none", "--out", f"json:{out}"])
            d = load_json(out) if r.rc == 0 else None
            if not d:
                checks.check(f"null seed {seed}, 2000 transactions: run", False, r.describe())
                break
            seen.add(tuple(sorted((k, v["ok"]) for k, v in d["by_op"].items())))
        checks.check(f"null seed {seed}, 2000 transactions, 10 runs: one outcome",
                     len(seen) <= 1, f"{len(seen)} different by_op counts: {sorted(seen)[:2]}")


if __name__ == "__main__":
    main()
