"""test_pg_restart.py - PostgreSQL stops and starts again in the middle of a
run: the run is not stopped by it, the failures are counted and grouped,
the connections come back on their own, and the throughput after the
restart returns to its level before it."""
import os
import subprocess
import tempfile
import time

from helpers import Checks, binary_from_argv, check_result, load_json
from server_ecommerce import REPO, SERVERS_DIR, Client, server_env

RUN_S = 15
RESTART_AT_S = 4


def main():
    surge = binary_from_argv()
    checks = Checks("test_pg_restart")
    if not SERVERS_DIR or not os.path.exists(os.path.join(SERVERS_DIR, "env.json")):
        checks.check("servers started by tests/servers.sh (SURGE_SERVERS_DIR/env.json)", False, SERVERS_DIR)
        checks.finish()
    url = server_env()["SURGE_TEST_PG"]
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "r.json")
        p = subprocess.Popen([surge, "run", url, "--workload", "ecommerce", "--connections", "4", "--threads", "2",
                              "--duration", f"{RUN_S}s", "--progress", "none", "--out", f"json:{out}"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(RESTART_AT_S)
        r = subprocess.run([os.path.join(REPO, "tests", "servers.sh"), "restart-pg"], capture_output=True, text=True,
                           timeout=60, env=dict(os.environ, SURGE_SERVERS_DIR=SERVERS_DIR))
        checks.eq("servers.sh restart-pg: exit code 0", r.returncode, 0) or print(r.stdout, r.stderr)
        # The server's own view, near the end of the run: every connection
        # surge had is back, and working.
        time.sleep(max(0, RUN_S - RESTART_AT_S - 3))
        try:
            back = Client("postgres", url).query(
                "SELECT count(*), count(*) FILTER (WHERE state = 'idle in transaction' "
                "AND state_change < now() - interval '1 second') "
                "FROM pg_stat_activity WHERE application_name = 'surge'")
            checks.eq("server: all 4 connections are back before the run ends (pg_stat_activity)",
                      int(back[0][0]), 4)
            checks.eq("server: none of them stuck in a transaction the server waits on surge to go on with",
                      int(back[0][1]), 0)
        except Exception as e:  # the client failed: the check fails with why
            checks.check("server: pg_stat_activity readable", False, str(e))
        try:
            stdout, stderr = p.communicate(timeout=RUN_S + 30)
        except subprocess.TimeoutExpired:
            p.kill()
            stdout, stderr = p.communicate()
        checks.eq("run: exit code 0 (a restart is not fatal)", p.returncode, 0) or print(stderr[-2000:])
        d = load_json(out)
        if d is None or not check_result(checks, "run", d):
            checks.finish()
        checks.eq("run: stopped by its duration", d["stop_reason"], "duration")
        checks.check("run: the failures of the restart are counted", d["ops"]["failed"] > 0, f"{d['ops']}")
        checks.eq("run: the errors are grouped and sum to the failures", sum(d["errors"].values()), d["ops"]["failed"])
        checks.check("run: no more than a few kinds of error", 0 < len(d["errors"]) <= 8, f"{d['errors']}")
        h = d["history"]
        # Rates from ok counts over the samples' own lengths: the last sample
        # may be a short one.
        before = [s for s in h if 1 <= s["t"] <= RESTART_AT_S - 1]
        after = [s for s in h if s["t"] > RUN_S - 4]
        checks.check("run: samples before the restart and at the end", before and after, f"{len(h)} samples")
        if before and after:
            # The machine is shared and noisy: compare the best second at the
            # end with the typical one before, and ask only for half.
            rates = lambda ss: sorted(s["ok"] / s["length"] for s in ss if s["length"] > 0.5)
            rb, ra = rates(before), rates(after)
            median_before, best_after = rb[len(rb) // 2], ra[-1] if ra else 0
            checks.check("run: throughput at the end is back to at least half its level before the restart",
                         best_after >= 0.5 * median_before,
                         f"before {[round(x) for x in rb]}/s, after {[round(x) for x in ra]}/s")
    checks.finish()


if __name__ == "__main__":
    main()
