"""test_inspect_sqlite.py - `surge inspect` on a SQLite schema written here.

The schema below is built with Python's sqlite3 and holds what a catalog
reader gets wrong most easily: a composite primary key, self-referencing
foreign keys (one of them composite), a composite foreign key that spells
its parent in another case, names with spaces, mixed case, quotes and
reserved words ("Order Lines", "order", "select", "user", odd "name"),
VARCHAR(5) and NUMERIC(6,2), CHECK constraints (column- and table-level,
named, with parentheses and quotes inside, and the word CHECK where it is
no constraint: in a string and in a comment), stored and virtual generated
columns, INTEGER PRIMARY KEY tables, unique keys (single, composite, by
CREATE UNIQUE INDEX; partial and expression indexes are not keys), a table
without a primary key, a WITHOUT ROWID table, and a few rows.

`surge inspect --json` is compared with EXPECTED, written here from the
SQL above it, and the row counts with what was inserted; the text output
must name every table with its row count. Then the errors: each exits 2
with a one-line message and creates no file.
"""
import json
import os
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from helpers import Checks, binary_from_argv, run  # noqa: E402

SURGE = binary_from_argv()
checks = Checks("test_inspect_sqlite")

SCHEMA = '''
CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    email VARCHAR(40) NOT NULL UNIQUE,
    "Full Name" TEXT NOT NULL DEFAULT 'anon',
    referrer INTEGER REFERENCES customers(id),
    balance NUMERIC(6,2) NOT NULL DEFAULT 0 CHECK (balance >= 0),
    label TEXT DEFAULT 'no CHECK (here)',  -- nor CHECK (here)
    UNIQUE ("Full Name", referrer)
);
CREATE TABLE "order" (
    region VARCHAR(5) NOT NULL,
    "order no" INTEGER NOT NULL,
    "user" INTEGER NOT NULL REFERENCES customers,
    status TEXT NOT NULL DEFAULT 'new',
    parent_region VARCHAR(5),
    parent_no INTEGER,
    PRIMARY KEY (region, "order no"),
    FOREIGN KEY (parent_region, parent_no) REFERENCES "order"(region, "order no"),
    CONSTRAINT "status ok" CHECK (status IN ('new', 'paid', 'shipped'))
);
CREATE TABLE "Order Lines" (
    region VARCHAR(5) NOT NULL,
    "order no" INTEGER NOT NULL,
    "select" INTEGER NOT NULL,
    sku VARCHAR(5) NOT NULL,
    qty INTEGER NOT NULL CONSTRAINT qty_positive CHECK (qty > 0),
    price NUMERIC(6,2) NOT NULL,
    total NUMERIC(8,2) GENERATED ALWAYS AS (qty * price) STORED,
    note TEXT,
    PRIMARY KEY (region, "order no", "select"),
    UNIQUE (region, "order no", sku),
    FOREIGN KEY (region, "Order No") REFERENCES "ORDER"(Region, "ORDER NO"),
    CHECK (price >= 0 AND (note IS NULL OR note <> 'it''s (tricky'))
);
CREATE TABLE "user" (name TEXT PRIMARY KEY, tag INTEGER);
CREATE TABLE events (at TEXT NOT NULL, payload, amount DECIMAL(10), "Mixed Case" varchar (12));
CREATE TABLE kv (
    k TEXT PRIMARY KEY,
    v TEXT,
    vlen INTEGER GENERATED ALWAYS AS (length(v)) VIRTUAL
) WITHOUT ROWID;
CREATE TABLE tags (id INTEGER PRIMARY KEY DESC, label TEXT);
CREATE TABLE "odd ""name""" (n INTEGER PRIMARY KEY AUTOINCREMENT);
CREATE UNIQUE INDEX customers_referrer_email ON customers(referrer, email);
CREATE UNIQUE INDEX customers_lower_email ON customers(lower(email));
CREATE UNIQUE INDEX kv_v ON kv(v) WHERE v IS NOT NULL;
CREATE INDEX order_lines_sku ON "Order Lines"(sku);

INSERT INTO customers (id, email, "Full Name", referrer, balance) VALUES
    (1, 'a@x.io', 'Ann', NULL, 10), (2, 'b@x.io', 'Bob', 1, 0), (3, 'c@x.io', 'Cy', 1, 2.5);
INSERT INTO "order" VALUES ('eu', 1, 1, 'new', NULL, NULL), ('eu', 2, 2, 'paid', 'eu', 1);
INSERT INTO "Order Lines" (region, "order no", "select", sku, qty, price) VALUES
    ('eu', 1, 1, 'AB-1', 2, 3.5), ('eu', 1, 2, 'AB-2', 1, 1), ('eu', 2, 1, 'AB-1', 5, 3.5);
INSERT INTO "user" VALUES ('root', 1);
INSERT INTO kv (k, v) VALUES ('a', 'x'), ('b', NULL);
INSERT INTO tags (id, label) VALUES (7, 't');
INSERT INTO "odd ""name""" DEFAULT VALUES;
'''

ROWS = {"customers": 3, "order": 2, "Order Lines": 3, "user": 1, "events": 0, "kv": 2, "tags": 1,
        'odd "name"': 1}


def col(name, type_, base, nullable, default=None, identity=False, generated=False,
        length=None, precision=None, scale=None):
    return {"name": name, "type": type_, "base_type": base, "nullable": nullable, "default": default,
            "identity": identity, "generated": generated, "length": length, "precision": precision,
            "scale": scale, "enum": None}


def fk(cols, table, ref_cols):
    return {"name": None, "columns": cols, "ref_schema": None, "ref_table": table, "ref_columns": ref_cols}


# What the SQL above says, table by table. Notes on SQLite's rules:
# - only a column declared exactly INTEGER that is the whole primary key of
#   a rowid table is the rowid (identity); `INTEGER PRIMARY KEY DESC` is
#   not (tags.id), nor is any key of a WITHOUT ROWID table;
# - a rowid table's primary key columns take NULL unless declared NOT NULL
#   ("user".name, tags.id); a WITHOUT ROWID table's never do (kv.k);
# - a foreign key written `REFERENCES customers` means the parent's
#   primary key, and names match case-insensitively ("ORDER"(Region, ...)
#   is "order"(region, ...));
# - UNIQUE constraints have no name of their own; a unique index does.
EXPECTED = {
    "customers": {
        "columns": [
            col("id", "INTEGER", "integer", False, identity=True),
            col("email", "VARCHAR(40)", "varchar", False, length=40),
            col("Full Name", "TEXT", "text", False, default="'anon'"),
            col("referrer", "INTEGER", "integer", True),
            col("balance", "NUMERIC(6,2)", "numeric", False, default="0", precision=6, scale=2),
            col("label", "TEXT", "text", True, default="'no CHECK (here)'"),
        ],
        "primary_key": ["id"],
        "unique": [{"name": None, "columns": ["email"]},
                   {"name": None, "columns": ["Full Name", "referrer"]},
                   {"name": "customers_referrer_email", "columns": ["referrer", "email"]}],
        "foreign_keys": [fk(["referrer"], "customers", ["id"])],
        "checks": [{"name": None, "expr": "balance >= 0"}],
    },
    "order": {
        "columns": [
            col("region", "VARCHAR(5)", "varchar", False, length=5),
            col("order no", "INTEGER", "integer", False),
            col("user", "INTEGER", "integer", False),
            col("status", "TEXT", "text", False, default="'new'"),
            col("parent_region", "VARCHAR(5)", "varchar", True, length=5),
            col("parent_no", "INTEGER", "integer", True),
        ],
        "primary_key": ["region", "order no"],
        "unique": [],
        "foreign_keys": [fk(["user"], "customers", ["id"]),
                         fk(["parent_region", "parent_no"], "order", ["region", "order no"])],
        "checks": [{"name": "status ok", "expr": "status IN ('new', 'paid', 'shipped')"}],
    },
    "Order Lines": {
        "columns": [
            col("region", "VARCHAR(5)", "varchar", False, length=5),
            col("order no", "INTEGER", "integer", False),
            col("select", "INTEGER", "integer", False),
            col("sku", "VARCHAR(5)", "varchar", False, length=5),
            col("qty", "INTEGER", "integer", False),
            col("price", "NUMERIC(6,2)", "numeric", False, precision=6, scale=2),
            col("total", "NUMERIC(8,2)", "numeric", True, generated=True, precision=8, scale=2),
            col("note", "TEXT", "text", True),
        ],
        "primary_key": ["region", "order no", "select"],
        "unique": [{"name": None, "columns": ["region", "order no", "sku"]}],
        "foreign_keys": [fk(["region", "order no"], "order", ["region", "order no"])],
        "checks": [{"name": "qty_positive", "expr": "qty > 0"},
                   {"name": None, "expr": "price >= 0 AND (note IS NULL OR note <> 'it''s (tricky')"}],
    },
    "user": {
        "columns": [col("name", "TEXT", "text", True), col("tag", "INTEGER", "integer", True)],
        "primary_key": ["name"], "unique": [], "foreign_keys": [], "checks": [],
    },
    "events": {
        "columns": [
            col("at", "TEXT", "text", False),
            col("payload", "", "", True),
            col("amount", "DECIMAL(10)", "decimal", True, precision=10, scale=0),
            col("Mixed Case", "varchar (12)", "varchar", True, length=12),
        ],
        "primary_key": [], "unique": [], "foreign_keys": [], "checks": [],
    },
    "kv": {
        "columns": [
            col("k", "TEXT", "text", False),
            col("v", "TEXT", "text", True),
            col("vlen", "INTEGER", "integer", True, generated=True),
        ],
        "primary_key": ["k"], "unique": [], "foreign_keys": [], "checks": [],
    },
    "tags": {
        "columns": [col("id", "INTEGER", "integer", True), col("label", "TEXT", "text", True)],
        "primary_key": ["id"], "unique": [], "foreign_keys": [], "checks": [],
    },
    'odd "name"': {
        "columns": [col("n", "INTEGER", "integer", False, identity=True)],
        "primary_key": ["n"], "unique": [], "foreign_keys": [], "checks": [],
    },
}


def make_db(path):
    import sqlite3
    con = sqlite3.connect(path)
    try:
        con.executescript(SCHEMA)
        con.commit()
    finally:
        con.close()


def check_json(db):
    r = run(SURGE, ["inspect", f"sqlite:{db}", "--json"])
    checks.check("inspect --json: exit code 0", r.rc == 0, r.describe())
    checks.eq("inspect --json: nothing on stderr", r.err, "")
    try:
        d = json.loads(r.out)
    except ValueError as e:
        checks.check("inspect --json: output is valid JSON", False, f"{e}: {r.out[:200]!r}")
        return
    checks.eq("inspect --json: dialect", d.get("dialect"), "sqlite")
    tables = d.get("tables") or []
    names = [t.get("name") for t in tables]
    # Byte order: upper case before lower case.
    checks.eq("inspect --json: every table, sorted by name", names, sorted(EXPECTED))
    for t in tables:
        name = t.get("name")
        want = EXPECTED.get(name)
        if want is None:
            continue
        label = f"table {name!r}"
        checks.eq(f"{label}: schema null (SQLite)", t.get("schema"), None)
        checks.eq(f"{label}: rows = rows inserted", t.get("rows"), ROWS[name])
        checks.eq(f"{label}: rows exact", t.get("rows_estimated"), False)
        got_cols = t.get("columns") or []
        checks.eq(f"{label}: column names in order", [c.get("name") for c in got_cols],
                  [c["name"] for c in want["columns"]])
        for g, w in zip(got_cols, want["columns"]):
            checks.eq(f"{label}.{w['name']}: every attribute", g, w)
        for key in ("primary_key", "unique", "foreign_keys", "checks"):
            checks.eq(f"{label}: {key}", t.get(key), want[key])


def check_text(db):
    r = run(SURGE, ["inspect", f"sqlite:{db}"])
    checks.check("inspect (text): exit code 0", r.rc == 0, r.describe())
    checks.eq("inspect (text): nothing on stderr", r.err, "")
    lines = r.out.splitlines()
    checks.check("inspect (text): first line names the dialect and the table count",
                 bool(lines) and lines[0] == f"sqlite: {len(EXPECTED)} tables", f"{lines[:1]}")
    for name, n in ROWS.items():
        shown = name if name.isidentifier() else '"' + name.replace('"', '""') + '"'
        header = f"{shown}  ({n} {'row' if n == 1 else 'rows'})"
        checks.check(f"inspect (text): a header for {name!r} with its row count", header in lines,
                     f"no line {header!r}")
    checks.check("inspect (text): the composite primary key",
                 any(l.strip() == 'PRIMARY KEY (region, "order no", select)' for l in lines),
                 f"{[l for l in lines if 'PRIMARY' in l]}")
    checks.check("inspect (text): the composite foreign key",
                 any(l.strip() == 'FOREIGN KEY (region, "order no") -> order(region, "order no")' for l in lines),
                 f"{[l for l in lines if 'FOREIGN' in l]}")
    checks.check("inspect (text): a named check", any(l.strip() == 'CONSTRAINT "status ok" CHECK '
                                                      "(status IN ('new', 'paid', 'shipped'))" for l in lines),
                 f"{[l for l in lines if 'CHECK' in l]}")


def check_errors(tmp):
    missing_dir = os.path.join(tmp, "no", "such", "dir", "x.db")
    missing_file = os.path.join(tmp, "missing.db")
    not_db = os.path.join(tmp, "not-a-db.db")
    with open(not_db, "w") as f:
        f.write("this is not a database, only some text long enough to have a header\n" * 20)
    cases = [
        ("unknown scheme", ["inspect", "foo://x"], "unknown target"),
        ("missing directory", ["inspect", f"sqlite:{missing_dir}"], "no database file"),
        ("missing file", ["inspect", f"sqlite:{missing_file}"], "no database file"),
        ("not a database", ["inspect", f"sqlite:{not_db}"], "not a database"),
        ("no URL", ["inspect"], "no target"),
        ("no URL, only --json", ["inspect", "--json"], "no target"),
        ("unknown option", ["inspect", f"sqlite:{not_db}", "--yaml"], "--yaml"),
        ("two URLs", ["inspect", "sqlite:a.db", "sqlite:b.db"], "unexpected argument"),
        ("a target without a catalog", ["inspect", "null:"], "no catalog"),
    ]
    before = sorted(os.listdir(tmp))
    for label, args, want in cases:
        r = run(SURGE, args, cwd=tmp)
        err = r.err.strip().splitlines()
        checks.check(f"error {label}: exit code 2", r.rc == 2, r.describe())
        checks.eq(f"error {label}: nothing on stdout", r.out, "")
        checks.check(f"error {label}: one line 'surge: ...{want}...'",
                     len(err) == 1 and err[0].startswith("surge: ") and want in err[0], f"{err}")
    checks.eq("errors: no file created", sorted(os.listdir(tmp)), before)


def check_help():
    r = run(SURGE, ["inspect", "--help"])
    checks.check("inspect --help: exit 0 and a usage line",
                 r.rc == 0 and r.out.startswith("usage: surge inspect URL [--json]"), r.describe())
    r = run(SURGE, ["help"])
    checks.check("surge help: lists inspect", r.rc == 0 and "  inspect URL [--json]" in r.out, r.describe())


def check_empty(tmp):
    path = os.path.join(tmp, "empty.db")
    open(path, "w").close()   # a 0-byte file is an empty SQLite database
    r = run(SURGE, ["inspect", f"sqlite:{path}", "--json"])
    try:
        d = json.loads(r.out) if r.rc == 0 else None
    except ValueError:
        d = None
    checks.eq("empty database: no tables", d, {"dialect": "sqlite", "tables": []})
    r = run(SURGE, ["inspect", f"sqlite:{path}"])
    checks.eq("empty database (text)", (r.rc, r.out), (0, "sqlite: 0 tables\n"))


def main():
    with tempfile.TemporaryDirectory(prefix="surge-inspect-") as tmp:
        db = os.path.join(tmp, "shop.db")
        make_db(db)
        check_json(db)
        check_text(db)
        check_help()
        check_empty(tmp)
        err_dir = os.path.join(tmp, "errors")
        os.mkdir(err_dir)
        check_errors(err_dir)
    checks.finish()


main()
