"""test_seed_sqlite.py - `surge seed` and the generic CRUD workload on a
SQLite file holding the test schema of server_crud.py (composite primary
key, self-reference and a cycle, composite foreign key, reserved words and
spaces in names, VARCHAR(5), NUMERIC(6,2), CHECKs, JSON, UUID, AUTOINCREMENT,
a table without a primary key, a unique key), checked with Python's sqlite3:
10 000 rows per table, no orphan (by query: SQLite enforces no foreign key
unless asked, so nothing is taken on trust), values that fit, the
self-reference and the cycle filled for most rows, same seed same data,
--dry-run, bad input. No --tables here: the file holds only this schema, so
the default (every table) is what runs. Then `surge run --workload crud`.
"""
import os
import sqlite3
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from helpers import Checks, binary_from_argv, run  # noqa: E402
from server_crud import check_crud, check_seed, create_schema, one_line_error  # noqa: E402

SURGE = binary_from_argv()
checks = Checks("test_seed_sqlite")


class SqliteClient:
    """The server tests' Client, for a SQLite file: rows as lists of strings."""

    def __init__(self, path):
        self.path = path

    def _connect(self):
        return sqlite3.connect(self.path, timeout=30, isolation_level=None)

    def script(self, sql):
        con = self._connect()
        try:
            con.executescript(sql)
        except sqlite3.Error as e:
            raise RuntimeError(f"sqlite3: {e}") from e
        finally:
            con.close()
        return []

    def query(self, sql):
        con = self._connect()
        try:
            return [[str(v) for v in row] for row in con.execute(sql).fetchall()]
        except sqlite3.Error as e:
            raise RuntimeError(f"sqlite3: {e}") from e
        finally:
            con.close()

    def one(self, sql):
        return int(self.query(sql)[0][0])


def bad_paths(tmp):
    """A file that does not exist and one in a missing folder: exit 2, one
    line, and no file left behind."""
    for name, path in (("a missing file", os.path.join(tmp, "missing.db")),
                       ("a missing folder", os.path.join(tmp, "no", "such", "x.db"))):
        label = f"sqlite: seed on {name}"
        r = run(SURGE, ["seed", f"sqlite:{path}", "--rows", "5", "--quiet"], timeout=30)
        checks.eq(f"{label}: exit code 2", r.rc, 2)
        checks.check(f"{label}: one line on stderr, 'surge: ...'", one_line_error(r), repr(r.err))
        checks.check(f"{label}: creates no file", not os.path.exists(path), path)


def main():
    with tempfile.TemporaryDirectory(prefix="surge-seed-sqlite-") as tmp:
        path = os.path.join(tmp, "crud.db")
        client = SqliteClient(path)
        try:
            if create_schema(checks, "sqlite", client):
                check_seed(checks, SURGE, "sqlite", f"sqlite:{path}", client)
                check_crud(checks, SURGE, "sqlite", f"sqlite:{path}", client)
        except RuntimeError as e:   # a query of the test's own failed
            checks.check("sqlite: every query of the test answered", False, str(e))
        bad_paths(tmp)
    checks.finish()


if __name__ == "__main__":
    main()
