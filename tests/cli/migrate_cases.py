"""migrate_cases.py - `surge migrate` against a real database, checked with
the database's own client (Python's sqlite3, psql, mariadb), not surge's
output alone. Not a test itself: test_migrate_sqlite.py, test_pg_migrate.py
and test_mysql_migrate.py call run_all() with their dialect.

Each dialect keeps to a corner of its own: SQLite a temporary file;
PostgreSQL the schema surge_mig_test (the URL's search_path points there,
so surge_migrations is created there too); MariaDB, whose test database
other tests share, tables named mig_* and migration numbers 81001.. that
nothing else uses (only those rows are deleted before the run).

What is checked: three files applied in numeric order (2 before 10, which
text order would swap), one record each with the right name and FNV-1a
checksum; a second run applies nothing; --dry-run and --status change
nothing; a fourth file alone is applied; a failing file stops the run with
exit 1, the earlier files stay recorded and it is not (on SQLite and
PostgreSQL its table is rolled back, on MariaDB the DDL before the error
stays, as documented); an edited applied file is exit 2 unless
--allow-changed; bad folders and names are exit 2; bodies with semicolons
inside (a SQLite trigger, a PL/pgSQL function in $$ and $tag$ quotes, a
MariaDB procedure) work; two runs at once apply each file once.
"""
import os
import re
import sqlite3
import subprocess
import tempfile
import time
import urllib.parse

from helpers import Checks, binary_from_argv, run

SERVERS_DIR = os.environ.get("SURGE_SERVERS_DIR", "")
PG_SCHEMA = "surge_mig_test"
MY_PREFIX = "8100"          # MariaDB: 1 -> 81001, 10 -> 810010 (text order would put 810010 before 81002)
TIMEOUT = 60


def fnv1a64(data):
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


# ---- the database, through its own client --------------------------------------

class Db:
    def __init__(self, dialect, url=None, path=None):
        self.dialect = dialect
        self.url, self.path = url, path
        if url:
            u = urllib.parse.urlparse(url)
            self.host, self.port = u.hostname, u.port
            self.user, self.password = urllib.parse.unquote(u.username or ""), urllib.parse.unquote(u.password or "")
            self.db = u.path.lstrip("/")

    def query(self, sql):
        """Rows as lists of strings (None for NULL on SQLite)."""
        if self.dialect == "sqlite":
            con = sqlite3.connect(self.path, timeout=10)
            try:
                rows = con.execute(sql).fetchall()
                con.commit()
                return [[None if v is None else str(v) for v in r] for r in rows]
            finally:
                con.close()
        if self.dialect == "postgres":
            cmd = ["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", self.host, "-p", str(self.port),
                   "-U", self.user, "-d", self.db, "-c", f"SET search_path = {PG_SCHEMA}; " + sql]
            env = dict(os.environ, PGPASSWORD=self.password)
        else:
            cmd = ["mariadb", "-N", "-B", "-h", self.host, "-P", str(self.port), "-u", self.user, self.db, "-e", sql]
            env = dict(os.environ, MYSQL_PWD=self.password)
        r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=30)
        if r.returncode != 0:
            raise RuntimeError(f"{cmd[0]}: {r.stderr.strip()}")
        return [line.split("|" if self.dialect == "postgres" else "\t") for line in r.stdout.splitlines() if line]

    def one(self, sql):
        return self.query(sql)[0][0]

    def table_exists(self, name):
        if self.dialect == "sqlite":
            sql = f"SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '{name}'"
        elif self.dialect == "postgres":
            sql = (f"SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '{PG_SCHEMA}' "
                   f"AND table_name = '{name}'")
        else:
            sql = (f"SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() "
                   f"AND table_name = '{name}'")
        return int(self.one(sql)) > 0

    def records(self):
        """(version, name, checksum) of this test's rows in surge_migrations."""
        if not self.table_exists("surge_migrations"):
            return []
        where = f" WHERE version BETWEEN {v(0)} AND {v(99)}" if self.dialect == "mysql" else ""
        rows = self.query(f"SELECT version, name, checksum FROM surge_migrations{where} ORDER BY version")
        return [(int(r[0]), r[1], r[2]) for r in rows]


def v(n):
    """The migration number the test calls n, in this dialect's range."""
    return int(MY_PREFIX + str(n)) if DIALECT == "mysql" else n


DIALECT = "sqlite"


def reset(db):
    if db.dialect == "sqlite":
        if os.path.exists(db.path):
            os.unlink(db.path)
    elif db.dialect == "postgres":
        db.query(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE; CREATE SCHEMA {PG_SCHEMA}")
    else:
        db.query("DROP TABLE IF EXISTS mig_c, mig_b, mig_a, mig_fail, mig_once, mig_d; DROP PROCEDURE IF EXISTS mig_add")
        if db.table_exists("surge_migrations"):
            db.query(f"DELETE FROM surge_migrations WHERE version BETWEEN {v(0)} AND {v(99)}")


# ---- the files ------------------------------------------------------------------

def body_file():
    """File 1: a table, rows with ';' and quotes inside, and a body with
    semicolons of its own in each dialect's way."""
    common = ("-- file 1: a comment; with a semicolon\n"
              "CREATE TABLE mig_a (id INTEGER PRIMARY KEY, note VARCHAR(40) NOT NULL);\n"
              "INSERT INTO mig_a (id, note) VALUES (1, 'one; two'), (2, 'it''s -- not a comment');\n")
    if DIALECT == "sqlite":
        return common + ("CREATE TRIGGER mig_a_more AFTER INSERT ON mig_a WHEN NEW.id < 100 BEGIN\n"
                         "  INSERT INTO mig_a (id, note) VALUES (NEW.id + 100, 'by trigger; ok');\n"
                         "END;\n")
    if DIALECT == "postgres":
        return common + ("CREATE FUNCTION mig_next(a int) RETURNS int AS $$\n"
                         "BEGIN\n  -- inside: a semicolon; and a quote '\n  RETURN a + 1;\nEND;\n"
                         "$$ LANGUAGE plpgsql;\n"
                         "CREATE FUNCTION mig_text() RETURNS text AS $body$ SELECT 'x;y $$ z'::text; $body$ "
                         "LANGUAGE sql;\n")
    return common + ("CREATE PROCEDURE mig_add(IN n INT)\nBEGIN\n"
                     "  INSERT INTO mig_a (id, note) VALUES (n, 'by procedure; ok');\n"
                     "  INSERT INTO mig_a (id, note) VALUES (n + 1, 'by procedure; ok');\nEND;\n"
                     "# a MySQL comment; ignored\n")


def write(folder, name, text):
    with open(os.path.join(folder, name), "w") as f:
        f.write(text)


def names():
    """File names for 1, 2, 10, 11: leading zeros and digit counts mixed, so
    text order (001, 10, 11, 2) differs from numeric order (1, 2, 10, 11)."""
    if DIALECT == "mysql":
        return {n: f"{v(n)}_{w}.sql" for n, w in ((1, "create_a"), (2, "create_b"), (10, "fill_b"), (11, "add_c"))}
    return {1: "001_create_a.sql", 2: "2_create_b.sql", 10: "10_fill_b.sql", 11: "11_add_c.sql"}


def applied_lines(out):
    return re.findall(r"^applied (\S+)", out, re.M)


# ---- the checks -----------------------------------------------------------------

def first_runs(checks, surge, url, db, folder):
    nm = names()
    write(folder, nm[1], body_file())
    write(folder, nm[2], "CREATE TABLE mig_b (id INTEGER PRIMARY KEY, a_id INTEGER NOT NULL);\n")
    # 10 needs 2's table: applied before 2 (text order), it would fail.
    write(folder, nm[10], "INSERT INTO mig_b (id, a_id) VALUES (1, 1);\nINSERT INTO mig_b (id, a_id) VALUES (2, 2);\n")
    write(folder, "README.md", "not a migration\n")

    r = run(surge, ["migrate", url, "--dir", folder, "--dry-run"], timeout=TIMEOUT)
    checks.eq("dry run: exit 0", r.rc, 0)
    checks.eq("dry run: lists the three files in numeric order",
              re.findall(r"^would apply (\S+)", r.out, re.M), [nm[1], nm[2], nm[10]])
    checks.eq("dry run: nothing recorded (server)", db.records(), [])
    checks.check("dry run: no table created (server)", not db.table_exists("mig_a"))

    r = run(surge, ["migrate", url, "--dir", folder], timeout=TIMEOUT)
    checks.eq("first run: exit 0", r.rc, 0) or print(r.describe())
    checks.eq("first run: applied in numeric order (1, 2, 10)", applied_lines(r.out), [nm[1], nm[2], nm[10]])
    checks.check("first run: README.md noted as ignored", "ignored README.md" in r.out, r.out)
    want = [(v(n), nm[n], fnv1a64(open(os.path.join(folder, nm[n]), "rb").read())) for n in (1, 2, 10)]
    checks.eq("first run: one record per file, name and FNV-1a checksum (server)", db.records(), want)
    checks.eq("first run: file 10 filled 2's table (server)", db.one("SELECT COUNT(*) FROM mig_b"), "2")
    notes = db.query("SELECT id, note FROM mig_a WHERE id < 100 ORDER BY id")
    checks.eq("first run: quoted ';' and '--' kept as text (server)",
              notes, [["1", "one; two"], ["2", "it's -- not a comment"]])
    if DIALECT == "sqlite":
        db.query("INSERT INTO mig_a (id, note) VALUES (3, 'three')")
        checks.eq("sqlite: trigger body with ';' created whole (server)",
                  db.one("SELECT COUNT(*) FROM mig_a WHERE note = 'by trigger; ok'"), "1")
    elif DIALECT == "postgres":
        checks.eq("postgres: $$-quoted PL/pgSQL body works (server)", db.one("SELECT mig_next(41)"), "42")
        checks.eq("postgres: $body$-quoted body holding $$ works (server)", db.one("SELECT mig_text()"), "x;y $$ z")
    else:
        db.query("CALL mig_add(50)")
        checks.eq("mysql: procedure body with ';' created whole (server)",
                  db.one("SELECT COUNT(*) FROM mig_a WHERE note = 'by procedure; ok'"), "2")
    rows_a = db.one("SELECT COUNT(*) FROM mig_a")

    r = run(surge, ["migrate", url, "--dir", folder], timeout=TIMEOUT)
    checks.eq("second run: exit 0", r.rc, 0)
    checks.eq("second run: nothing applied", applied_lines(r.out), [])
    checks.check("second run: says 0 applied, 3 already applied", "0 applied, 3 already applied" in r.out, r.out)
    checks.eq("second run: still one record per file (server)", db.records(), want)
    checks.eq("second run: file 1 not run again (server)", db.one("SELECT COUNT(*) FROM mig_a"), rows_a)

    write(folder, nm[11], "CREATE TABLE mig_c (id INTEGER PRIMARY KEY);\nINSERT INTO mig_c (id) VALUES (7);\n")
    r = run(surge, ["migrate", url, "--status", "--dir", folder], timeout=TIMEOUT)
    checks.eq("status: exit 0", r.rc, 0)
    checks.eq("status: three applied, the fourth pending",
              [tuple(line.split()[0::len(line.split()) - 1]) for line in r.out.splitlines()
               if line.startswith(("applied ", "pending "))],
              [("applied", nm[1]), ("applied", nm[2]), ("applied", nm[10]), ("pending", nm[11])])
    checks.check("status: nothing applied (server)", not db.table_exists("mig_c"))

    r = run(surge, ["migrate", url, "--dir", folder], timeout=TIMEOUT)
    checks.eq("fourth file: exit 0", r.rc, 0)
    checks.eq("fourth file: only it applied", applied_lines(r.out), [nm[11]])
    recs = db.records()
    checks.eq("fourth file: four records (server)", [x[0] for x in recs], [v(1), v(2), v(10), v(11)])
    checks.eq("fourth file: its statements ran (server)", db.one("SELECT id FROM mig_c"), "7")
    return recs


def failing_file(checks, surge, url, db, folder, recs):
    bad = f"{v(12)}_fails.sql"
    write(folder, bad, "CREATE TABLE mig_fail (id INTEGER PRIMARY KEY);\nINSERT INTO mig_fail (id) VALUES (1);\n"
                       "INSERT INTO mig_no_such_table (id) VALUES (1);\n")
    write(folder, f"{v(13)}_after.sql", "CREATE TABLE mig_d (id INTEGER);\n")
    r = run(surge, ["migrate", url, "--dir", folder], timeout=TIMEOUT)
    checks.eq("failing file: exit 1", r.rc, 1)
    checks.check("failing file: the message names it", bad in r.err, r.err)
    checks.eq("failing file: earlier records stay, it is not recorded (server)", db.records(), recs)
    checks.check("failing file: the file after it is not applied (server)", not db.table_exists("mig_d"))
    if DIALECT == "mysql":
        checks.check("failing file: MariaDB keeps its DDL before the error, as documented (server)",
                     db.table_exists("mig_fail"))
        db.query("DROP TABLE mig_fail")
    else:
        checks.check("failing file: its table rolled back (server)", not db.table_exists("mig_fail"))
    os.unlink(os.path.join(folder, bad))
    os.unlink(os.path.join(folder, f"{v(13)}_after.sql"))


def changed_file(checks, surge, url, db, folder, recs):
    nm = names()
    path = os.path.join(folder, nm[2])
    original = open(path).read()
    write(folder, nm[2], original + "-- edited after it was applied\n")
    r = run(surge, ["migrate", url, "--dir", folder], timeout=TIMEOUT)
    checks.eq("changed checksum: exit 2", r.rc, 2)
    checks.check("changed checksum: names the file and --allow-changed",
                  nm[2] in r.err and "--allow-changed" in r.err, r.err)
    r = run(surge, ["migrate", url, "--dir", folder, "--dry-run"], timeout=TIMEOUT)
    checks.eq("changed checksum: --dry-run says so too (exit 2)", r.rc, 2)
    r = run(surge, ["migrate", url, "--dir", folder, "--allow-changed"], timeout=TIMEOUT)
    checks.eq("changed checksum, --allow-changed: exit 0", r.rc, 0)
    checks.check("changed checksum, --allow-changed: a warning", "warning" in r.out and nm[2] in r.out, r.out)
    checks.eq("changed checksum: records untouched (server)", db.records(), recs)
    write(folder, nm[2], original)


def bad_input(checks, surge, url, folder):
    nm = names()
    cases = [
        (["--dir", os.path.join(folder, "no-such-dir")], "no-such-dir"),
        ([], "--dir"),
        (["--dir", folder, "--bogus"], "--bogus"),
    ]
    for extra, needle in cases:
        r = run(surge, ["migrate", url] + extra, timeout=TIMEOUT)
        checks.eq(f"bad input {extra[-1:] or ['(no --dir)']}: exit 2", r.rc, 2)
        checks.check(f"bad input {extra[-1:] or ['(no --dir)']}: one line naming it",
                     needle in r.err and len(r.err.strip().splitlines()) == 1, r.err)
    dup = f"0{v(2)}_again.sql"   # the same number as nm[2], spelled otherwise
    write(folder, dup, "SELECT 1;\n")
    r = run(surge, ["migrate", url, "--dir", folder], timeout=TIMEOUT)
    checks.eq("duplicate number: exit 2", r.rc, 2)
    checks.check("duplicate number: names both files", dup in r.err and nm[2] in r.err, r.err)
    os.unlink(os.path.join(folder, dup))
    write(folder, "create_things.sql", "SELECT 1;\n")
    r = run(surge, ["migrate", url, "--dir", folder], timeout=TIMEOUT)
    checks.eq("badly named .sql: exit 2", r.rc, 2)
    checks.check("badly named .sql: names it", "create_things.sql" in r.err, r.err)
    os.unlink(os.path.join(folder, "create_things.sql"))


def concurrent(checks, surge, url, db, tmp):
    """Two runs at once, on files slow enough to overlap: each file applied
    once (one record, one row in mig_once per file), both runs exit 0."""
    folder = os.path.join(tmp, "together")
    os.mkdir(folder)
    if DIALECT == "postgres":
        slow = "SELECT pg_sleep(0.4);\n"
    elif DIALECT == "mysql":
        slow = "DO SLEEP(0.4);\n"
    else:   # no sleep in SQLite: some real work instead
        slow = ("CREATE TEMP TABLE IF NOT EXISTS mig_busy (x);\n"
                "INSERT INTO mig_busy WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                "WHERE i < 300000) SELECT i FROM n;\nDELETE FROM mig_busy;\n")
    write(folder, f"{v(20)}_once.sql", "CREATE TABLE mig_once (file INTEGER NOT NULL);\n")
    for n in range(21, 25):
        write(folder, f"{v(n)}_step.sql", slow + f"INSERT INTO mig_once (file) VALUES ({n});\n")
    procs = [subprocess.Popen([surge, "migrate", url, "--dir", folder], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = []
    for p in procs:
        try:
            out, err = p.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
        outs.append((p.returncode, out, err))
    checks.eq("two at once: both exit 0", [o[0] for o in outs], [0, 0]) or print(outs)
    applied = sorted(applied_lines(outs[0][1]) + applied_lines(outs[1][1]))
    checks.eq("two at once: each file applied by exactly one run", applied,
              sorted([f"{v(20)}_once.sql"] + [f"{v(n)}_step.sql" for n in range(21, 25)]))
    checks.eq("two at once: one row per file (server)",
              [r[0] for r in db.query("SELECT file FROM mig_once ORDER BY file")], [str(n) for n in range(21, 25)])
    recs = [r[0] for r in db.records() if r[0] >= v(20)]
    checks.eq("two at once: one record per file (server)", recs, [v(n) for n in range(20, 25)])


def wrong_password(checks, surge, url, folder):
    u = urllib.parse.urlparse(url)
    secret = "Wr0ngSecret42"
    bad = url.replace(f":{u.password}@", f":{secret}@", 1) if u.password else url
    r = run(surge, ["migrate", bad, "--dir", folder], timeout=TIMEOUT)
    checks.eq("wrong password: exit 1", r.rc, 1)
    checks.check("wrong password: never printed", secret not in r.err + r.out, r.err)
    checks.check("wrong password: the real one never printed either",
                 not u.password or urllib.parse.unquote(u.password) not in r.err + r.out, "")


def run_all(dialect):
    global DIALECT
    DIALECT = dialect
    surge = binary_from_argv()
    checks = Checks({"sqlite": "test_migrate_sqlite", "postgres": "test_pg_migrate"}.get(dialect, f"test_{dialect}_migrate"))
    with tempfile.TemporaryDirectory() as tmp:
        if dialect == "sqlite":
            path = os.path.join(tmp, "mig.db")
            url, db = f"sqlite:{path}", Db("sqlite", path=path)
        else:
            import json
            envf = os.path.join(SERVERS_DIR, "env.json")
            if not SERVERS_DIR or not os.path.exists(envf):
                checks.check("servers started by tests/servers.sh (SURGE_SERVERS_DIR/env.json)", False, SERVERS_DIR)
                checks.finish()
            with open(envf) as f:
                env = json.load(f)
            base = env["SURGE_TEST_PG" if dialect == "postgres" else "SURGE_TEST_MYSQL"]
            db = Db(dialect, url=base)
            url = base + (f"?options=-csearch_path%3D{PG_SCHEMA}" if dialect == "postgres" else "")
        reset(db)
        folder = os.path.join(tmp, "migrations")
        os.mkdir(folder)
        recs = first_runs(checks, surge, url, db, folder)
        failing_file(checks, surge, url, db, folder, recs)
        changed_file(checks, surge, url, db, folder, recs)
        bad_input(checks, surge, url, folder)
        concurrent(checks, surge, url, db, tmp)
        if dialect != "sqlite":
            wrong_password(checks, surge, url, folder)
        else:
            r = run(surge, ["migrate", f"sqlite:{os.path.join(tmp, 'none.db')}", "--status", "--dir", folder])
            checks.eq("status on a missing SQLite file: exit 0", r.rc, 0)
            checks.check("status on a missing SQLite file: does not create it",
                         not os.path.exists(os.path.join(tmp, "none.db")))
        if dialect == "postgres":
            db.query(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE")
        elif dialect == "mysql":
            reset(db)
    checks.finish()
