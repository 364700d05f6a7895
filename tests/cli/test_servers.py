"""test_servers.py - the test-server harness itself (tests/servers.sh).

Runs under the ctest fixture `servers` (servers.start / servers.stop), which
sets SURGE_SERVERS_DIR. Checks that start wrote env and env.json (private),
that each server answers on its loopback port with the credentials given
there, that a wrong password is refused, and that nothing start printed
(kept in start.log) contains a password.

Run by hand: tests/servers.sh start, then
SURGE_SERVERS_DIR=... python3 tests/cli/test_servers.py [surge]
"""
import os
import socket
import stat
import subprocess
import sys
import tempfile
import urllib.parse

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from helpers import Checks, load_json  # noqa: E402

TIMEOUT = 20
checks = Checks("test_servers")


def run(args, env=None):
    """(rc, stdout, stderr); rc is None after a timeout. Never raises."""
    try:
        p = subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=TIMEOUT, env=env)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired:
        return None, "", f"timed out after {TIMEOUT}s"
    except OSError as e:
        return None, "", str(e)


def hide(text, secrets):
    for s in secrets:
        if s:
            text = text.replace(s, "****")
    return text.strip()[-300:]


def private(path):
    try:
        return stat.S_IMODE(os.stat(path).st_mode) & 0o077 == 0
    except OSError:
        return False


def pid_alive(pidfile):
    try:
        with open(pidfile) as f:
            pid = int(f.readline().strip())
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, ValueError, IndexError):
        return False


def check_pg(env, url, secrets):
    u = urllib.parse.urlsplit(url)
    checks.eq("pg: URL host is loopback", u.hostname, "127.0.0.1")
    checks.eq("pg: URL port is SURGE_PG_PORT", str(u.port), env.get("SURGE_PG_PORT"))
    psql = os.path.join(env.get("SURGE_PG_BIN", "/usr/lib/postgresql/15/bin"), "psql")
    args = [psql, "-X", "-A", "-t", "-h", u.hostname, "-p", str(u.port), "-U", u.username,
            "-d", u.path.lstrip("/"), "-c", "select 1"]
    base = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    rc, out, err = run(args, dict(base, PGPASSWORD=urllib.parse.unquote(u.password or ""),
                                  PGCONNECT_TIMEOUT="5"))
    checks.check("pg: psql select 1 with the password", rc == 0 and out.strip() == "1",
                 f"rc={rc} out={out.strip()!r} err={hide(err, secrets)!r}")
    rc, out, err = run(args, dict(base, PGPASSWORD="not-the-password", PGCONNECT_TIMEOUT="5"))
    checks.check("pg: a wrong password is refused", rc not in (0, None) and "password" in err,
                 f"rc={rc} err={hide(err, secrets)!r}")
    checks.check("pg: postmaster pid file names a live process", pid_alive(env.get("SURGE_PG_PIDFILE", "")),
                 env.get("SURGE_PG_PIDFILE", ""))


def check_mysql(env, url, secrets):
    u = urllib.parse.urlsplit(url)
    checks.eq("mysql: URL host is loopback", u.hostname, "127.0.0.1")
    checks.eq("mysql: URL port is SURGE_MYSQL_PORT", str(u.port), env.get("SURGE_MYSQL_PORT"))

    def client(password):
        # The password goes in a private option file, never on the command line.
        with tempfile.TemporaryDirectory() as tmp:
            cnf = os.path.join(tmp, "client.cnf")
            fd = os.open(cnf, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(f"[client]\npassword={password}\n")
            return run(["mariadb", f"--defaults-file={cnf}", "--protocol=tcp", "-h", u.hostname,
                        "-P", str(u.port), "-u", u.username, "-D", u.path.lstrip("/"),
                        "--connect-timeout=5", "-N", "-e", "select 1"])

    rc, out, err = client(urllib.parse.unquote(u.password or ""))
    checks.check("mysql: mariadb -e 'select 1' with the password", rc == 0 and out.strip() == "1",
                 f"rc={rc} out={out.strip()!r} err={hide(err, secrets)!r}")
    rc, out, err = client("not-the-password")
    checks.check("mysql: a wrong password is refused", rc not in (0, None) and "denied" in err,
                 f"rc={rc} err={hide(err, secrets)!r}")
    checks.check("mysql: mariadbd pid file names a live process", pid_alive(env.get("SURGE_MYSQL_PIDFILE", "")),
                 env.get("SURGE_MYSQL_PIDFILE", ""))


def check_redis(env, url):
    u = urllib.parse.urlsplit(url)
    checks.eq("redis: URL host is loopback", u.hostname, "127.0.0.1")
    checks.eq("redis: URL port is SURGE_REDIS_PORT", str(u.port), env.get("SURGE_REDIS_PORT"))
    reply = b""
    try:
        with socket.create_connection((u.hostname, u.port), timeout=5) as s:
            s.sendall(b"PING\r\n")
            while not reply.endswith(b"\r\n") and len(reply) < 100:
                chunk = s.recv(100)
                if not chunk:
                    break
                reply += chunk
    except OSError as e:
        reply = repr(e).encode()
    checks.eq("redis: raw PING answers +PONG", reply, b"+PONG\r\n")
    checks.check("redis: pid file names a live process", pid_alive(env.get("SURGE_REDIS_PIDFILE", "")),
                 env.get("SURGE_REDIS_PIDFILE", ""))


def main():
    state = os.environ.get("SURGE_SERVERS_DIR")
    if not checks.check("SURGE_SERVERS_DIR is set", bool(state)):
        checks.finish()
    env_json = os.path.join(state, "env.json")
    env = load_json(env_json)
    if not checks.check("env.json exists and parses as an object", isinstance(env, dict), env_json):
        checks.finish()
    checks.check("env.json is private (no group/other access)", private(env_json))
    checks.check("env is private (no group/other access)", private(os.path.join(state, "env")))
    for k in ("SURGE_TEST_PG", "SURGE_TEST_MYSQL", "SURGE_TEST_REDIS"):
        checks.check(f"env.json has {k}", bool(env.get(k)))

    pg_url, my_url, redis_url = (env.get("SURGE_TEST_PG", ""), env.get("SURGE_TEST_MYSQL", ""),
                                 env.get("SURGE_TEST_REDIS", ""))
    secrets = [urllib.parse.urlsplit(pg_url).password, urllib.parse.urlsplit(my_url).password,
               env.get("SURGE_PG_PASSWORD"), env.get("SURGE_MYSQL_PASSWORD")]
    secrets = [s for s in secrets if s]
    checks.check("passwords are generated, not empty or short", len(secrets) == 4 and
                 all(len(s) >= 16 for s in secrets), f"{len(secrets)} passwords")
    checks.eq("URL passwords match SURGE_PG_PASSWORD / SURGE_MYSQL_PASSWORD",
              secrets[:2] == secrets[2:], True)

    # The shell env agrees with env.json (as sourced by tests/with-servers.sh).
    for k in ("SURGE_TEST_PG", "SURGE_TEST_MYSQL", "SURGE_TEST_REDIS"):
        if k in os.environ:
            checks.check(f"{k} in the environment matches env.json", os.environ[k] == env.get(k))

    ports = [env.get(k) for k in ("SURGE_PG_PORT", "SURGE_MYSQL_PORT", "SURGE_REDIS_PORT")]
    checks.eq("three different ports", len(set(ports)), 3)

    try:
        with open(os.path.join(state, "start.log"), encoding="utf-8", errors="replace") as f:
            start_log = f.read()
    except OSError:
        start_log = None
    if checks.check("start.log (start's output) exists", start_log is not None):
        checks.check("start's output has no password", not any(s in start_log for s in secrets),
                     "a password appears in start.log")
        checks.check("start's output shows the URLs masked",
                     "postgres://surge:****@" in start_log and "mysql://surge:****@" in start_log,
                     start_log[-300:])

    check_pg(env, pg_url, secrets)
    check_mysql(env, my_url, secrets)
    check_redis(env, redis_url)
    checks.finish()


main()
