"""server_ecommerce.py - the ecommerce workload against a real server
(PostgreSQL or MariaDB, started by tests/servers.sh as a ctest fixture),
checked against the server's own counts read with its own client (psql,
mariadb), not against surge's numbers alone. Not a test itself: the
test_pg_*.py and test_mysql_*.py scripts call run_all() with their dialect.
"""
import json
import os
import socket
import subprocess
import tempfile
import time
import urllib.parse

from helpers import Checks, binary_from_argv, check_result, load_json, run

SERVERS_DIR = os.environ.get("SURGE_SERVERS_DIR", "")
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def server_env():
    with open(os.path.join(SERVERS_DIR, "env.json")) as f:
        return json.load(f)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Client:
    """Runs SQL through the server's own command-line client."""

    def __init__(self, dialect, url):
        self.dialect = dialect
        u = urllib.parse.urlparse(url)
        self.url = url
        self.host, self.port = u.hostname, u.port
        self.user, self.password = urllib.parse.unquote(u.username or ""), urllib.parse.unquote(u.password or "")
        self.db = u.path.lstrip("/")

    def query(self, sql):
        if self.dialect == "postgres":
            cmd = ["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", self.host, "-p", str(self.port),
                   "-U", self.user, "-d", self.db, "-c", sql]
            env = dict(os.environ, PGPASSWORD=self.password)
        else:
            cmd = ["mariadb", "-N", "-B", "-h", self.host, "-P", str(self.port), "-u", self.user, self.db, "-e", sql]
            env = dict(os.environ, MYSQL_PWD=self.password)
        r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=30)
        if r.returncode != 0:
            raise RuntimeError(f"{cmd[0]}: {r.stderr.strip()}")
        return [line.split("|" if self.dialect == "postgres" else "\t") for line in r.stdout.splitlines() if line]

    def one(self, sql):
        return int(self.query(sql)[0][0])


STATE_SQL = {
    "customers": "SELECT COUNT(*) FROM customers",
    "orders": "SELECT COUNT(*) FROM orders",
    "order_items": "SELECT COUNT(*) FROM order_items",
    "status_steps": "SELECT COALESCE(SUM(CASE status WHEN 'paid' THEN 1 WHEN 'shipped' THEN 2 "
                    "WHEN 'delivered' THEN 3 ELSE 0 END), 0) FROM orders",
}


def state(client):
    return {k: client.one(sql) for k, sql in STATE_SQL.items()}


def check_integrity(checks, label, client):
    checks.eq(f"{label}: no item without its order (server)",
              client.one("SELECT COUNT(*) FROM order_items i LEFT JOIN orders o ON o.id = i.order_id "
                         "WHERE o.id IS NULL"), 0)
    checks.eq(f"{label}: no order without its customer (server)",
              client.one("SELECT COUNT(*) FROM orders o LEFT JOIN customers c ON c.id = o.customer_id "
                         "WHERE c.id IS NULL"), 0)
    checks.eq(f"{label}: every order total = the sum of its items (server)",
              client.one("SELECT COUNT(*) FROM orders o WHERE o.total_cents <> "
                         "(SELECT COALESCE(SUM(quantity * price_cents), 0) FROM order_items i "
                         "WHERE i.order_id = o.id)"), 0)


def check_growth(checks, label, before, after, d):
    ok = {name: op["ok"] + op.get("warmup_ok", 0) for name, op in d["by_op"].items()}
    checks.eq(f"{label}: customers added = new_customer_order ok (server)",
              after["customers"] - before["customers"], ok["new_customer_order"])
    checks.eq(f"{label}: orders added = new_customer_order ok + new_order_existing_customer ok (server)",
              after["orders"] - before["orders"], ok["new_customer_order"] + ok["new_order_existing_customer"])
    checks.eq(f"{label}: status steps added = advance_order_status ok (server)",
              after["status_steps"] - before["status_steps"], ok["advance_order_status"])


def surge_run(checks, surge, label, url, extra, tmp, timeout=60):
    """A run that retries deadlocks (InnoDB takes gap and foreign-key locks
    that make a few unavoidable under concurrent inserts): each is run again
    after its rollback, so none may end as a failure."""
    out = os.path.join(tmp, "r.json")
    if os.path.exists(out):
        os.unlink(out)
    r = run(surge, ["run", url, "--progress", "none", "--out", f"json:{out}", "--max-tries", "10"] + extra,
            timeout=timeout)
    checks.eq(f"{label}: exit code 0", r.rc, 0) or print(r.describe())
    d = load_json(out) if r.rc == 0 else None
    if d is not None and check_result(checks, label, d):
        checks.check(f"{label}: ops.retries counted", isinstance(d["ops"].get("retries"), int), f"{d['ops']}")
        return d
    return None


def load_runs(checks, surge, dialect, url, client, tmp):
    label = f"{dialect}: fresh schema, closed loop, 8 connections, 3s"
    before = None
    d = surge_run(checks, surge, label, url, ["--fresh", "--connections", "8", "--threads", "2", "--duration", "3s",
                                              "--seed", "5"], tmp, timeout=120)
    if d:
        after = state(client)
        checks.check(f"{label}: seeded (server)", after["customers"] >= 2000 + d["by_op"]["new_customer_order"]["ok"],
                     f"{after}")
        checks.eq(f"{label}: no failures", d["ops"]["failed"], 0) or print(d["errors"])
        checks.check(f"{label}: load ran", d["ops"]["ok"] > 100, f"{d['ops']}")
        check_integrity(checks, label, client)
    label = f"{dialect}: closed loop again on the same data"
    before = state(client)
    d = surge_run(checks, surge, label, url, ["--connections", "8", "--threads", "2", "--duration", "3s"], tmp)
    if d:
        after = state(client)
        check_growth(checks, label, before, after, d)
        checks.eq(f"{label}: no failures", d["ops"]["failed"], 0) or print(d["errors"])
        check_integrity(checks, label, client)
    label = f"{dialect}: open loop constant(200, 3s), 4 connections"
    before = state(client)
    d = surge_run(checks, surge, label, url, ["--pattern", "constant(200, 3s)", "--connections", "4"], tmp)
    if d:
        after = state(client)
        checks.near(f"{label}: 600 operations (run or unsent)", d["ops"]["total"] + d["ops"]["unsent"], 600, 1)
        check_growth(checks, label, before, after, d)
        checks.eq(f"{label}: no failures", d["ops"]["failed"], 0) or print(d["errors"])


def start_failures(checks, surge, dialect, url):
    u = urllib.parse.urlparse(url)
    port = free_port()
    closed = url.replace(f":{u.port}/", f":{port}/")
    label = f"{dialect}: nothing listening on port {port}"
    t0 = time.monotonic()
    r = run(surge, ["run", closed, "--duration", "1s", "--progress", "none"], timeout=30)
    took = time.monotonic() - t0
    first = r.err.strip().split("\n")[0] if r.err.strip() else ""
    checks.eq(f"{label}: exit code 1", r.rc, 1)
    checks.check(f"{label}: one line naming host and port", first.startswith("surge: ") and "127.0.0.1" in first
                 and str(port) in first and len(r.err.strip().split("\n")) == 1, r.err)
    checks.check(f"{label}: fails within 10 s, no hang", took < 10, f"{took:.1f} s")
    checks.check(f"{label}: the password is not shown", u.password not in r.err + r.out, r.err)

    wrong = "Wr0ngPassw0rd"
    bad = url.replace(f":{urllib.parse.quote(urllib.parse.unquote(u.password), safe='')}@", f":{wrong}@") \
        if u.password else url
    label = f"{dialect}: wrong password"
    r = run(surge, ["run", bad, "--duration", "1s", "--progress", "none"], timeout=30)
    checks.eq(f"{label}: exit code 1", r.rc, 1)
    checks.check(f"{label}: one line naming host and port", r.err.startswith("surge: ") and str(u.port) in r.err
                 and len(r.err.strip().split("\n")) == 1, r.err)
    checks.check(f"{label}: the password is not shown", wrong not in r.err + r.out, r.err)


def run_all(dialect):
    surge = binary_from_argv()
    checks = Checks(f"test_{dialect}_ecommerce")
    if not SERVERS_DIR or not os.path.exists(os.path.join(SERVERS_DIR, "env.json")):
        checks.check("servers started by tests/servers.sh (SURGE_SERVERS_DIR/env.json)", False, SERVERS_DIR)
        checks.finish()
    env = server_env()
    url = env["SURGE_TEST_PG" if dialect == "postgres" else "SURGE_TEST_MYSQL"]
    client = Client(dialect, url)
    with tempfile.TemporaryDirectory() as tmp:
        load_runs(checks, surge, dialect, url, client, tmp)
        start_failures(checks, surge, dialect, url)
    checks.finish()
