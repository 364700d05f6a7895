#!/usr/bin/env python3
"""point_select.py - point SELECTs by primary key on PostgreSQL, 8 connections,
surge side by side with pgbench and sysbench.

Tables (set up once, untimed): `pgbench -i -s S` (pgbench_accounts: 100 000
x S rows, primary key aid), and sysbench's own `sysbench oltp_point_select
prepare --db-driver=pgsql --tables=1 --table-size=T` (sbtest1, T rows,
primary key id; then VACUUM ANALYZE sbtest1, as pgbench -i vacuums its
tables). S = 10, T = 100 000 x S by default. Then, each for --seconds, the
four taking turns, --repeat times:

  pgbench             pgbench -S -M prepared -c 8 -j 2 -T 10
  surge (pgbench)     surge run URL --workload crud --mix select=1,insert=0,update=0,delete=0,aggregate=0
                        --tables pgbench_accounts -c 8 -t 2 --duration 10s
  sysbench            sysbench oltp_point_select --threads=8 --time=10 --tables=1 --table-size=T
                        --db-driver=pgsql --rand-type=uniform run
  surge (sbtest1)     the surge command with --tables sbtest1

One transaction is one SELECT by primary key with a uniformly random key
(sysbench's default distribution is "special", a hot spot: --rand-type=uniform
makes it pick keys as pgbench and surge do). For each: transactions per
second as the tool reports it (pgbench: tps without the initial connection
time; sysbench: transactions per sec.; surge: the JSON result's throughput,
ops.ok / duration_s), and the generator's own CPU time per transaction:
user + system seconds of the whole process (wait4 rusage: every thread,
start-up, connecting and setup included) / transactions. On a 2-core machine
generator and server share the CPU: a leaner generator leaves more of it to
the server. Goals: surge TPS >= 1.05 x pgbench's, surge CPU per transaction
<= 0.75 x pgbench's.

Servers: tests/servers.sh starts them in a temp state dir and stops them at
the end, unless --pg gives a URL (or $SURGE_BENCH_PG). On a server of yours
this DROPS and recreates the pgbench_* tables and sbtest1 in the URL's
database, and drops them at the end. Passwords reach the tools through
PGPASSWORD, never a command line, and are masked in everything printed.

Exit status: 0 (also when surge rejects the command as bad input, exit 2:
a workload or option it does not have yet; its rows show n/a and why);
1 when surge failed at run time, or an anchor or a server failed; 2 for a
missing tool.

usage: point_select.py SURGE [--seconds S] [--repeat N] [--scale S] [--table-size T]
                             [--pg URL] [--tmpdir DIR] [--servers-dir DIR]
"""
import argparse
import os
import re
import shutil
import sys
import tempfile

sys.dont_write_bytecode = True   # no __pycache__ in bench/
from benchlib import RunError, fmt_cores, fmt_rate, machine_line, median, progress, run_surge, table
from seed import (NOTE_STAR, PG_BIN, Sample, Servers, Target, ToolMissing, cores_cells, err_tail, exit_on_sigterm,
                  find_tool, mask, psql_cmd, server_cpu_s, show_cmd, timed, util)

GOAL_TPS = 1.05        # surge TPS >= 1.05 x pgbench's
GOAL_CPU = 0.75        # surge CPU per transaction <= 0.75 x pgbench's
CLIENTS, THREADS = 8, 2
CRUD_MIX = "select=1,insert=0,update=0,delete=0,aggregate=0"


class Row:
    def __init__(self, tool, table_name, cmd):
        self.tool, self.table, self.cmd = tool, table_name, cmd
        self.tps, self.cpu_us, self.server_us, self.samples = [], [], [], []
        self.error = None        # why there is no number (n/a)
        self.fatal = False       # surge failed at run time (not: bad input)
        self.failed_txns = 0

    def add(self, tps, txns, p):
        x = p.sample
        progress("%s on %s: %s TPS, %.2f us CPU/txn, generator %.2f cores, server %s, others %s"
                 % (self.tool, self.table, fmt_rate(tps), p.cpu_s / txns * 1e6, x.cpu / x.wall,
                    fmt_cores(x.server_cores), fmt_cores(x.others_cores)))
        self.tps.append(tps)
        self.cpu_us.append(p.cpu_s / txns * 1e6)
        if p.sample.server is not None:
            self.server_us.append(p.sample.server / txns * 1e6)
        self.samples.append(p.sample)

    def cells(self):
        if not self.tps:
            return [self.tool, self.table, "n/a", "n/a", "n/a", "n/a", "n/a", "n/a", "n/a"]
        return [self.tool, self.table, fmt_rate(median(self.tps)), fmt_rate(max(self.tps)),
                "%.2f" % median(self.cpu_us), "%.2f" % median(self.server_us) if self.server_us else "?",
                "%.2f" % median([x.cpu / x.wall for x in self.samples])] + cores_cells(self.samples)


def ratio_lines(su, anchor, goals):
    if not su.tps:
        return ["- surge vs %s: **n/a** (surge: %s)" % (anchor.tool, su.error or "no run")]
    tps = median(su.tps) / median(anchor.tps)
    cpu = median(su.cpu_us) / median(anchor.cpu_us)
    if goals:
        return ["- surge TPS / %s TPS: **%.2fx** (goal >= %.2f: %s)"
                % (anchor.tool, tps, GOAL_TPS, "met" if tps >= GOAL_TPS else "**missed**"),
                "- surge CPU/txn / %s CPU/txn: **%.2fx** (goal <= %.2f: %s)"
                % (anchor.tool, cpu, GOAL_CPU, "met" if cpu <= GOAL_CPU else "**missed**")]
    return ["- surge TPS / %s TPS: **%.2fx**; surge CPU/txn / %s CPU/txn: **%.2fx** (no goal)"
            % (anchor.tool, tps, anchor.tool, cpu)]


def run_pgbench(row, argv, pg, timeout, server_pid):
    p = timed(argv, pg.env(), timeout, capture_stdout=True, server_pid=server_pid)
    if p.status != 0 or p.timed_out:
        raise RunError("pgbench failed (exit %d): %s" % (p.status, err_tail(p.stderr + p.stdout)))
    m_n = re.search(r"number of transactions actually processed: (\d+)", p.stdout)
    m_tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", p.stdout)
    m_f = re.search(r"number of failed transactions: (\d+)", p.stdout)
    if not (m_n and m_tps) or int(m_n.group(1)) == 0:
        raise RunError("pgbench: no transaction count or tps in its output: %s" % err_tail(p.stdout, 6))
    row.failed_txns += int(m_f.group(1)) if m_f else 0
    row.add(float(m_tps.group(1)), int(m_n.group(1)), p)


def run_sysbench(row, argv, pg, timeout, server_pid):
    p = timed(argv, pg.env(), timeout, capture_stdout=True, server_pid=server_pid)
    if p.status != 0 or p.timed_out:
        raise RunError("sysbench failed (exit %d): %s" % (p.status, err_tail(p.stderr + p.stdout)))
    m = re.search(r"transactions:\s+(\d+)\s+\(([\d.]+) per sec", p.stdout)
    m_e = re.search(r"ignored errors:\s+(\d+)", p.stdout)
    if not m or int(m.group(1)) == 0:
        raise RunError("sysbench: no transaction count in its output: %s" % err_tail(p.stdout, 6))
    row.failed_txns += int(m_e.group(1)) if m_e else 0
    row.add(float(m.group(2)), int(m.group(1)), p)


def run_surge_row(row, surge, args, tmpdir, timeout, server_pid):
    s0 = server_cpu_s(server_pid)
    try:
        res, p, _ = run_surge(surge, args, tmpdir, timeout_s=timeout)
    except RunError as e:
        # run_surge's message: "surge exited with N: CMD\nSTDERR"
        first, _, rest = str(e).partition("\n")
        m = re.match(r"surge exited with (-?\d+)", first)
        code = int(m.group(1)) if m else 1
        row.error = "exit %d: %s" % (code, err_tail(rest, 2))
        row.fatal = code != 2
        progress("surge failed (%s)" % row.error)
        return
    if res is None:
        row.error, row.fatal = "killed at the timeout (%d s)" % timeout, True
        progress("surge: %s" % row.error)
        return
    ok = res["ops"]["ok"]
    if not ok:
        row.error, row.fatal = "no operation succeeded: %s" % mask(res.get("errors") or res.get("error")), True
        progress("surge: %s" % row.error)
        return
    s1 = server_cpu_s(server_pid)
    p.sample = Sample(p.wall_s, p.cpu_s, p.machine_busy_s, s1 - s0 if s0 is not None and s1 is not None else None)
    row.failed_txns += res["ops"]["failed"]
    tput = res.get("throughput")
    if tput is None:
        tput = ok / res["duration_s"]
    row.add(float(tput), ok, p)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("surge", help="path to the surge binary")
    ap.add_argument("--seconds", type=int, default=10, help="length of each run (default 10)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per tool (default 3)")
    ap.add_argument("--scale", type=int, default=10, help="pgbench -i scale (default 10: 1M accounts)")
    ap.add_argument("--table-size", type=int, help="sysbench's sbtest1 rows (default: 100000 x scale)")
    ap.add_argument("--pg", default=os.environ.get("SURGE_BENCH_PG"),
                    help="PostgreSQL URL to use instead of starting servers ($SURGE_BENCH_PG)")
    ap.add_argument("--tmpdir", help="scratch directory (default: a fresh temp dir)")
    ap.add_argument("--servers-dir", help="state dir for tests/servers.sh (default: TMPDIR/servers-point-select)")
    a = ap.parse_args()
    surge = os.path.abspath(a.surge)
    size = a.table_size or 100000 * a.scale
    secs = a.seconds
    timeout = 3 * secs + 30     # then SIGINT, SIGKILL 5 s later (benchlib.run_proc)
    exit_on_sigterm()
    tmpdir = a.tmpdir or tempfile.mkdtemp(prefix="surge-bench-")
    servers = Servers(os.path.abspath(a.servers_dir or os.path.join(tmpdir, "servers-point-select")))
    pg = pgbench = sysbench = None
    sb = []
    try:
        sysbench = find_tool("sysbench", hint=" (run scripts/deps.sh bench, or apt-get install sysbench)")
        pg = Target(a.pg or servers.start()[0], "pg")
        server_pid = None if a.pg else servers.pid("pg")
        # After the start: tests/servers.sh installs postgresql-15, which has pgbench.
        pgbench = find_tool("pgbench", (PG_BIN,), " (package postgresql-15)")
        sb = [sysbench, "oltp_point_select", "--db-driver=pgsql", "--pgsql-host=" + pg.host,
              "--pgsql-port=%d" % pg.port, "--pgsql-user=" + pg.user, "--pgsql-db=" + pg.db,
              "--tables=1", "--table-size=%d" % size]

        progress("setup: pgbench -i -s %d" % a.scale)
        util([pgbench, "-i", "-s", str(a.scale), "-q"], pg.env(), timeout_s=max(600, a.scale * 60),
             what="pgbench -i")
        progress("setup: sysbench oltp_point_select prepare, %s rows" % "{:,}".format(size))
        util(sb + ["cleanup"], pg.env(), what="sysbench cleanup")
        util(sb + ["prepare"], pg.env(), timeout_s=max(600, size / 1000), what="sysbench prepare")
        psql_cmd(pg, "VACUUM ANALYZE sbtest1")

        pgb_argv = [pgbench, "-S", "-M", "prepared", "-c", str(CLIENTS), "-j", str(THREADS), "-T", str(secs)]
        sb_argv = sb + ["--threads=%d" % CLIENTS, "--time=%d" % secs, "--rand-type=uniform", "run"]

        def surge_args(tbl):
            return [pg.url, "--workload", "crud", "--mix", CRUD_MIX, "--tables", tbl,
                    "-c", str(CLIENTS), "-t", str(THREADS), "--duration", "%ds" % secs]

        def surge_cmd(tbl):
            return show_cmd(["surge", "run"] + surge_args(tbl) + ["--progress", "none", "--out", "json:F"])

        r_pgb = Row("pgbench", "pgbench_accounts", show_cmd(["pgbench"] + pgb_argv[1:]))
        r_su1 = Row("surge", "pgbench_accounts", surge_cmd("pgbench_accounts"))
        r_sb = Row("sysbench", "sbtest1", show_cmd(["sysbench"] + sb_argv[1:]))
        r_su2 = Row("surge", "sbtest1", surge_cmd("sbtest1"))

        print("## Point SELECT on PostgreSQL, %d connections (%d s runs, median of %d)\n" % (CLIENTS, secs, a.repeat))
        print("Machine: %s.\n" % machine_line())
        for i in range(a.repeat):
            n = "(%d/%d)" % (i + 1, a.repeat)
            progress("pgbench -S on pgbench_accounts %s" % n)
            run_pgbench(r_pgb, pgb_argv, pg, timeout, server_pid)
            if not r_su1.error:
                progress("surge crud select on pgbench_accounts %s" % n)
                run_surge_row(r_su1, surge, surge_args("pgbench_accounts"), tmpdir, timeout, server_pid)
            progress("sysbench oltp_point_select on sbtest1 %s" % n)
            run_sysbench(r_sb, sb_argv, pg, timeout, server_pid)
            if not r_su2.error:
                progress("surge crud select on sbtest1 %s" % n)
                run_surge_row(r_su2, surge, surge_args("sbtest1"), tmpdir, timeout, server_pid)

        # surge's fixed cost (start-up, reading the schema and up to 1M primary
        # keys, connecting): a run of 8 transactions, CPU time only.
        fixed = None
        if r_su1.tps:
            progress("surge's fixed cost: the same command with --transactions %d" % CLIENTS)
            try:
                res, p, _ = run_surge(surge, surge_args("pgbench_accounts")[:-2] + ["--transactions", str(CLIENTS)],
                                      tmpdir, timeout_s=timeout)
                fixed = p.cpu_s if res is not None else None
            except RunError as e:
                progress("surge's fixed-cost run failed: %s" % err_tail(str(e).partition("\n")[2], 2))

        rows = [r_pgb, r_su1, r_sb, r_su2]
        table(["tool", "table", "TPS", "best TPS", "CPU us/txn", "server CPU us/txn", "generator cores",
               "server cores", "others (cores)"], [r.cells() for r in rows], "llrrrrrrr")
        if server_pid is None:
            print("\n" + NOTE_STAR.rstrip("\n"))
        print("\nCommands (passwords through PGPASSWORD; surge's via its URL, masked here):\n")
        for r in rows:
            print("- %s on %s: `%s`" % (r.tool, r.table, r.cmd))
        print()
        for r in rows:
            if r.failed_txns:
                print("Note: %s on %s had %d failed transactions in all." % (r.tool, r.table, r.failed_txns))
        if fixed is not None:
            txns = median(r_su1.tps) * secs
            print("surge's fixed cost, in its CPU column: %.3f s CPU for a run of %d transactions (start-up, "
                  "schema, primary keys read, connecting), about %.2f us per transaction of a %d s run.\n"
                  % (fixed, CLIENTS, fixed / txns * 1e6, secs))
        print("On pgbench's table (the goals):\n")
        print("\n".join(ratio_lines(r_su1, r_pgb, True)))
        print("\nOn sysbench's table:\n")
        print("\n".join(ratio_lines(r_su2, r_sb, False)))
        print()
        return 1 if r_su1.fatal or r_su2.fatal else 0
    except ToolMissing as e:
        print("point_select.py: %s" % mask(e), file=sys.stderr)
        return 2
    except RunError as e:
        print("point_select.py: %s" % mask(e), file=sys.stderr)
        return 1
    finally:
        if pg is not None and not servers.started:
            # A server of the caller's: leave it as it was (ours is removed whole).
            cleanup = []
            if sb:
                cleanup.append((sb + ["cleanup"], "sysbench cleanup"))
            if pgbench:
                cleanup.append(([pgbench, "-i", "-I", "d"], "pgbench -I d"))
            for argv, what in cleanup:
                try:
                    util(argv, pg.env(), what=what)
                except RunError as e:
                    progress("cleanup: %s" % mask(e))
        servers.stop()
        if not a.tmpdir:
            shutil.rmtree(tmpdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
