"""test_ecommerce_sqlite.py - the ecommerce workload on a real SQLite file.

Each run's result file is checked against the database's own counts, read
with Python's sqlite3 before and after: customers and orders added, status
steps taken, items within bounds, and the data's invariants (statuses,
foreign keys, order totals). Runs, all on one file: one transaction on the
new file (which surge creates and seeds), closed loop twice, open loop at a
constant rate (with a CSV), a transaction count, a mix with one
operation only, and a trigger that makes some transactions fail. Last, a
file with someone else's 'customers' table, which surge must not touch.
"""
import csv
import os
import sqlite3
import threading
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from helpers import (NEW_DB_TIMEOUT, Checks, binary_from_argv, check_ecommerce_db,  # noqa: E402
                     check_growth, check_history, check_result, db_query, ecommerce_state, load_json, run)

SURGE = binary_from_argv()
checks = Checks("test_ecommerce_sqlite")


def surge_run(label, tmp, db, extra, name):
    """One run into tmp/name.json; returns the parsed result or None."""
    out = os.path.join(tmp, f"{name}.json")
    args = ["run", f"sqlite:{db}", "--workload", "ecommerce", "--progress", "none",
            "--out", f"json:{out}", "--seed", "1"] + extra
    r = run(SURGE, args, timeout=NEW_DB_TIMEOUT)
    checks.check(f"{label}: exit code 0", r.rc == 0, r.describe())
    checks.check(f"{label}: summary on stdout", "operations" in r.out, f"stdout={r.out[:200]!r}")
    checks.eq(f"{label}: nothing on stderr with --progress none", r.err, "")
    d = load_json(out)
    checks.check(f"{label}: result file is valid JSON", d is not None, f"{out}")
    return d


def setup_run(tmp, db):
    """One transaction on a new file: surge creates the schema and seeds
    it; a second run on the same file does not seed again."""
    label = "new file, --transactions 1"
    d = surge_run(label, tmp, db, ["--transactions", "1"], "setup")
    if not d or not check_result(checks, label, d):
        return
    checks.eq(f"{label}: ops.total exactly 1", d["ops"]["total"], 1)
    checks.eq(f"{label}: stop_reason transactions", d["stop_reason"], "transactions")
    state = ecommerce_state(db)
    checks.check(f"{label}: seed rows in every table (SQLite)", all(state[t] > 0 for t in
                 ("customers", "orders", "order_items")), f"{state}")
    check_ecommerce_db(checks, label, db)
    label2 = "seeded file, --transactions 1"
    surge_run(label2, tmp, db, ["--transactions", "1"], "setup2")
    after = ecommerce_state(db)
    added = after["customers"] - state["customers"]
    checks.check(f"{label2}: no second seeding (1 customer at most added)", added in (0, 1), f"{added} added")


def measured_run(label, tmp, db, extra, name, failures_expected=False):
    before = ecommerce_state(db)
    d = surge_run(label, tmp, db, extra, name)
    after = ecommerce_state(db)
    if not d or not check_result(checks, label, d):
        return None
    check_growth(checks, label, before, after, d)
    check_ecommerce_db(checks, label, db)
    if not failures_expected:
        checks.eq(f"{label}: no failures on SQLite", d["ops"]["failed"], 0)
    return d


def refused_items(tmp, db):
    """Errors from the database are data: a trigger refuses every item with
    quantity 4, so some order inserts fail mid-transaction. Each failure
    must be counted (by operation and by message) and rolled back whole:
    the customers and orders SQLite holds still match the ok counts."""
    label = "trigger refusing quantity 4"
    con = sqlite3.connect(db)
    con.execute("CREATE TRIGGER refuse_4 BEFORE INSERT ON order_items WHEN NEW.quantity = 4 "
                "BEGIN SELECT RAISE(ABORT, 'quantity 4 refused'); END")
    con.commit()
    con.close()
    last_order = db_query(db, "SELECT COALESCE(MAX(id), 0) FROM orders")[0][0]
    d = measured_run(label, tmp, db, ["--duration", "2s"], "refused", failures_expected=True)
    if not d:
        return
    failed = {k: v["failed"] for k, v in d["by_op"].items()}
    checks.check(f"{label}: both order inserts have failures",
                 failed["new_customer_order"] > 0 and failed["new_order_existing_customer"] > 0, f"{failed}")
    checks.check(f"{label}: no other operation failed",
                 all(failed[k] == 0 for k in ("advance_order_status", "update_customer_email", "delete_pending_item")),
                 f"{failed}")
    # 1-5 items of quantity 1-4 each: some but not all orders hit a 4.
    checks.check(f"{label}: a share of the order inserts failed, not all",
                 0 < failed["new_customer_order"] < failed["new_customer_order"] + d["by_op"]["new_customer_order"]["ok"],
                 f"{failed}")
    checks.eq(f"{label}: errors grouped into one message with the digit masked",
              d["errors"], {"quantity # refused": d["ops"]["failed"]})
    checks.eq(f"{label}: no new order has an item of quantity 4 (SQLite)",
              db_query(db, "SELECT COUNT(*) FROM order_items WHERE quantity = 4 AND order_id > ?",
                       (last_order,))[0][0], 0)
    checks.check(f"{label}: new orders have items (SQLite)",
                 db_query(db, "SELECT COUNT(*) FROM order_items WHERE order_id > ?", (last_order,))[0][0] > 0)


def locked_file(tmp):
    """Another program holds the write lock longer than SQLite's busy wait
    (5 s): the first try of an operation fails with "database is locked", a
    retryable error. With --max-tries 3 it is rolled back and run again, and
    succeeds once the lock is gone; without, it is a counted failure."""
    only_new = "new_customer_order=1,advance_order_status=0,new_order_existing_customer=0," \
               "update_customer_email=0,delete_pending_item=0"
    db = os.path.join(tmp, "locked.db")
    r = run(SURGE, ["run", f"sqlite:{db}", "--transactions", "1", "--progress", "none"], timeout=NEW_DB_TIMEOUT)
    if not checks.check("a new database for the lock test", r.rc == 0, r.describe()):
        return
    for tries, label in ((3, "write lock held 6 s, --max-tries 3"), (1, "write lock held 6 s, no retries")):
        holder = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
        holder.execute("BEGIN IMMEDIATE")
        release = threading.Timer(6.0, holder.rollback)
        release.start()
        before = db_query(db, "SELECT COUNT(*) FROM customers")[0][0]
        out = os.path.join(tmp, "locked.json")
        r = run(SURGE, ["run", f"sqlite:{db}", "--threads", "1", "--transactions", "3", "--mix", only_new,
                        "--max-tries", str(tries), "--progress", "none", "--out", f"json:{out}"], timeout=60)
        release.join()
        holder.close()
        d = load_json(out) if r.rc == 0 else None
        if not checks.check(f"{label}: exit code 0 and a result", d is not None, r.describe()):
            continue
        added = db_query(db, "SELECT COUNT(*) FROM customers")[0][0] - before
        checks.eq(f"{label}: customers added = ok (SQLite)", added, d["ops"]["ok"])
        if tries > 1:
            checks.check(f"{label}: all 3 succeeded", d["ops"]["ok"] == 3, f"{d['ops']} {d['errors']}")
            checks.check(f"{label}: the locked try was retried", d["ops"]["retries"] >= 1, f"{d['ops']}")
        else:
            checks.check(f"{label}: the locked try failed", d["ops"]["failed"] >= 1, f"{d['ops']}")
            checks.eq(f"{label}: no retries", d["ops"]["retries"], 0)
            checks.check(f"{label}: grouped as 'database is locked'", "database is locked" in d["errors"],
                         f"{d['errors']}")


def foreign_table(tmp):
    """A file whose 'customers' table belongs to another program: surge must
    refuse it (exit 1, a set-up failure) and leave the table as it was."""
    label = "foreign customers table"
    db = os.path.join(tmp, "other.db")
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE customers (x INTEGER)")
    con.execute("INSERT INTO customers VALUES (42)")
    con.commit()
    con.close()
    r = run(SURGE, ["run", f"sqlite:{db}", "--transactions", "10", "--progress", "none"])
    checks.eq(f"{label}: exit code 1", r.rc, 1)
    first = r.err.split("\n", 1)[0]
    checks.check(f"{label}: one-line error naming the table", first.startswith("surge: ") and "customers" in first,
                 f"{r.err!r}")
    checks.eq(f"{label}: nothing on stdout", r.out, "")
    checks.eq(f"{label}: the table is untouched (SQLite)", db_query(db, "SELECT * FROM customers"), [(42,)])


def in_memory(tmp):
    """sqlite::memory: is one database for all the run's connections: the
    workers see what set-up created and seeded (each used to get an empty
    database of its own: every operation failed with "no such table")."""
    label = "sqlite::memory:"
    out = os.path.join(tmp, "memory.json")
    r = run(SURGE, ["run", "sqlite::memory:", "--progress", "none", "--connections", "4",
                    "--transactions", "2000", "--out", f"json:{out}"], timeout=NEW_DB_TIMEOUT)
    d = load_json(out)
    if checks.check(f"{label}: exit code 0 and a result", r.rc == 0 and d is not None, r.describe()):
        checks.eq(f"{label}: 2000 ok", d["ops"]["ok"], 2000)
        checks.eq(f"{label}: none failed", d["ops"]["failed"], 0)
        checks.check(f"{label}: the delete operation found seeded pending orders",
                     d["by_op"]["delete_pending_item"]["ok"] > 0, f"{d['by_op']['delete_pending_item']}")


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.reader(f))


def main():
    with tempfile.TemporaryDirectory(prefix="surge-ecommerce-") as tmp:
        db = os.path.join(tmp, "shop.db")
        setup_run(tmp, db)

        for label, name in (("closed loop", "closed1"), ("closed loop again, same file", "closed2")):
            d = measured_run(label, tmp, db, ["--duration", "3s"], name)
            if d:
                checks.eq(f"{label}: mode closed", d.get("mode"), "closed")
                checks.eq(f"{label}: stop_reason duration", d["stop_reason"], "duration")
                checks.near(f"{label}: duration_s about 3", d["duration_s"], 3.0, 0.2)
                checks.eq(f"{label}: seed echoed", d.get("seed"), 1)
                checks.check(f"{label}: some operations ran", d["ops"]["ok"] > 100, f"{d['ops']}")
                check_history(checks, label, d)
                checks.check(f"{label}: about 3 samples", 3 <= len(d["history"]) <= 4, f"{len(d['history'])}")

        label = "open loop constant(300, 3s)"
        csv_path = os.path.join(tmp, "open.csv")
        d = measured_run(label, tmp, db, ["--pattern", "constant(300, 3s)", "--out", f"csv:{csv_path}"], "open")
        if d:
            checks.eq(f"{label}: mode open", d.get("mode"), "open")
            # Every scheduled operation either ran or is counted as unsent
            # (due, never started: a loaded machine can fall behind).
            checks.near(f"{label}: ops.total + ops.unsent 900 +- 1", d["ops"]["total"] + d["ops"]["unsent"], 900, 1)
            checks.check(f"{label}: at most 5% unsent", d["ops"]["unsent"] <= 45, f"{d['ops']['unsent']}")
            checks.near(f"{label}: duration_s about 3", d["duration_s"], 3.0, 0.1)
            checks.near(f"{label}: throughput about 300/s", d["throughput"], 300, 10)
            check_history(checks, label, d)
            h = d["history"]
            checks.eq(f"{label}: 3 samples", len(h), 3)
            checks.check(f"{label}: each sample asked for 300/s",
                         all(abs(s["target_rate"] - 300) < 1 for s in h), f"{[s['target_rate'] for s in h]}")
            checks.check(f"{label}: each sample about 300 ok",
                         all(abs(s["ok"] - 300) <= 30 for s in h), f"{[s['ok'] for s in h]}")
            rows = read_csv(csv_path)
            checks.check(f"{label}: CSV has a header with t and ok", rows and "t" in rows[0] and "ok" in rows[0],
                         f"{rows[:1]}")
            if rows and "t" in rows[0] and "ok" in rows[0]:
                body = rows[1:]
                checks.check(f"{label}: CSV has about one line per second", 2 <= len(body) <= 4, f"{len(body)} lines")
                checks.check(f"{label}: CSV lines all have the header's width",
                             all(len(r) == len(rows[0]) for r in body), f"{rows}")
                ti, oki = rows[0].index("t"), rows[0].index("ok")
                try:
                    csv_t = [float(r[ti]) for r in body]
                    csv_ok = [int(r[oki]) for r in body]
                except (ValueError, IndexError) as e:
                    checks.check(f"{label}: CSV numbers parse", False, str(e))
                else:
                    checks.check(f"{label}: CSV times increase, one interval apart",
                                 all(0.9 <= b - a <= 1.1 for a, b in zip(csv_t, csv_t[1:])), f"{csv_t}")
                    checks.eq(f"{label}: CSV ok column = JSON history ok", csv_ok, [s["ok"] for s in h])
                    checks.near(f"{label}: CSV ok sums to ops.ok", sum(csv_ok), d["ops"]["ok"], 1)

        label = "--warmup 1s, then constant(200, 2s)"
        d = measured_run(label, tmp, db, ["--warmup", "1s", "--pattern", "constant(200, 2s)"], "warm")
        if d:
            checks.near(f"{label}: 400 measured operations (run or unsent)", d["ops"]["total"] + d["ops"]["unsent"], 400, 1)
            checks.near(f"{label}: about 200 warm-up operations succeeded", d["ops"]["warmup_ok"], 200, 20)
            checks.eq(f"{label}: warm-up ok = sum of by_op warmup_ok", d["ops"]["warmup_ok"],
                      sum(op["warmup_ok"] for op in d["by_op"].values()))
            checks.near(f"{label}: duration_s excludes the warm-up", d["duration_s"], 2.0, 0.1)

        label = "--transactions 500"
        d = measured_run(label, tmp, db, ["--transactions", "500"], "count")
        if d:
            checks.eq(f"{label}: ops.total exactly 500", d["ops"]["total"], 500)
            checks.eq(f"{label}: stop_reason transactions", d["stop_reason"], "transactions")

        label = "--mix new_customer_order only"
        mix = "new_customer_order=1,advance_order_status=0,new_order_existing_customer=0," \
              "update_customer_email=0,delete_pending_item=0"
        before = ecommerce_state(db)
        d = measured_run(label, tmp, db, ["--transactions", "300", "--mix", mix], "mix")
        if d:
            after = ecommerce_state(db)
            checks.eq(f"{label}: all 300 were new_customer_order", d["by_op"]["new_customer_order"]["ok"], 300)
            checks.eq(f"{label}: 300 customers added (SQLite)", after["customers"] - before["customers"], 300)
            checks.eq(f"{label}: no status moved (SQLite)", after["status_steps"], before["status_steps"])
            checks.check(f"{label}: 300..1500 items added (SQLite)",
                         300 <= after["order_items"] - before["order_items"] <= 1500,
                         f"{after['order_items'] - before['order_items']}")

        refused_items(tmp, db)
        locked_file(tmp)
        foreign_table(tmp)
        in_memory(tmp)
    checks.finish()


if __name__ == "__main__":
    main()
