"""benchlib.py - shared helpers for the surge benchmarks (Python 3 stdlib only).

Runs a command as a child process and returns its wall time and the CPU time
it used (user + system, all its threads, from wait4's rusage), runs surge with
`--out json:FILE` and loads the result, and prints markdown tables.
"""
import csv as _csv
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time


class RunError(RuntimeError):
    pass


class Proc:
    """What one child process did: exit status, wall and CPU seconds, output,
    and whether it had to be stopped (timed_out) or even killed."""

    def __init__(self, status, wall_s, user_s, sys_s, stdout, stderr, timed_out=False, killed=False,
                 machine_busy_s=None):
        self.machine_busy_s = machine_busy_s   # CPU seconds the whole machine was busy meanwhile
        self.status = status
        self.wall_s = wall_s
        self.user_s = user_s
        self.sys_s = sys_s
        self.stdout = stdout
        self.stderr = stderr
        self.timed_out = timed_out
        self.killed = killed

    @property
    def cpu_s(self):
        return self.user_s + self.sys_s

    @property
    def others_cores(self):
        """Cores kept busy by everything but this child while it ran (the
        noise: builds, tests, other benchmarks), or None if unknown."""
        if self.machine_busy_s is None or self.wall_s <= 0:
            return None
        return max(0.0, self.machine_busy_s - self.cpu_s) / self.wall_s


def machine_busy_s():
    """CPU seconds all CPUs have been busy since boot (/proc/stat), or None."""
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = v[3] + (v[4] if len(v) > 4 else 0)       # idle + iowait
    total = sum(v[:8])                              # guest time is already in user
    return (total - idle) / os.sysconf("SC_CLK_TCK")


def run_proc(argv, capture_stdout=False, timeout_s=None, grace_s=5.0):
    """Run argv to completion; CPU time comes from os.wait4 (the child's own
    rusage, so nothing else running on the machine is counted). A child still
    running after timeout_s gets SIGINT (surge then stops and writes its
    result), and SIGKILL grace_s later if it is still there."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        busy0 = machine_busy_s()
        t0 = time.perf_counter()
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                             stdout=out if capture_stdout else subprocess.DEVNULL, stderr=err)
        timed_out = killed = False
        while True:
            pid, status, ru = os.wait4(p.pid, os.WNOHANG if timeout_s else 0)
            if pid:
                break
            elapsed = time.perf_counter() - t0
            if not timed_out and elapsed > timeout_s:
                timed_out = True
                p.send_signal(signal.SIGINT)
            elif timed_out and not killed and elapsed > timeout_s + grace_s:
                killed = True
                p.kill()
            time.sleep(0.02)
        wall = time.perf_counter() - t0
        busy1 = machine_busy_s()
        p.returncode = os.waitstatus_to_exitcode(status)   # tell Popen it is reaped
        out.seek(0)
        err.seek(0)
        return Proc(p.returncode, wall, ru.ru_utime, ru.ru_stime,
                    out.read().decode(errors="replace"), err.read().decode(errors="replace"),
                    timed_out, killed, busy1 - busy0 if busy0 is not None and busy1 is not None else None)


def run_surge(surge, args, tmpdir, timeout_s=None, csv=False):
    """`surge run ARGS --progress none --out json:F [--out csv:G]`.

    Returns (result dict or None, Proc, CSV samples as dicts or None). The
    result is None only when surge had to be killed at the timeout; any other
    failure raises RunError."""
    paths = []
    for suffix in (".json", ".csv") if csv else (".json",):
        fd, path = tempfile.mkstemp(prefix="result-", suffix=suffix, dir=tmpdir)
        os.close(fd)
        paths.append(path)
    try:
        argv = [surge, "run"] + list(args) + ["--progress", "none", "--out", "json:" + paths[0]]
        if csv:
            argv += ["--out", "csv:" + paths[1]]
        p = run_proc(argv, timeout_s=timeout_s)
        samples = None
        if csv:
            with open(paths[1], newline="") as f:
                samples = list(_csv.DictReader(f))
        if p.killed:
            return None, p, samples
        if p.status != 0:
            raise RunError("surge exited with %d: %s\n%s" % (p.status, " ".join(argv), p.stderr.strip()))
        with open(paths[0]) as f:
            return json.load(f), p, samples
    finally:
        for path in paths:
            os.unlink(path)


def median(xs):
    return statistics.median(xs)


def fmt_rate(x):
    """Operations per second, short: 27.4M, 9.87k, 100.0k, 950."""
    for div, suffix in ((1e6, "M"), (1e3, "k")):
        if round(x / div, 2) >= 1:
            v = x / div
            return ("%.2f" % v if round(v, 2) < 10 else "%.1f" % v) + suffix
    return "%.0f" % x


def fmt_ms(x):
    if x >= 100:
        return "%.0f" % x
    if x >= 1:
        return "%.2f" % x
    if x >= 0.1:
        return "%.3f" % x
    return "%.4f" % x


def table(header, rows, align=None):
    """A markdown table; align is a string of 'l'/'r' per column (default: first l, rest r)."""
    align = align or "l" + "r" * (len(header) - 1)
    cells = [[str(c) for c in header]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]

    def line(r):
        return "| " + " | ".join(c.ljust(w) if a == "l" else c.rjust(w)
                                 for c, w, a in zip(r, widths, align)) + " |"

    sep = "|" + "|".join(("-" * (w + 1) + ":") if a == "r" else ("-" * (w + 2))
                         for w, a in zip(widths, align)) + "|"
    out = [line(cells[0]), sep] + [line(r) for r in cells[1:]]
    print("\n".join(out))
    sys.stdout.flush()


def progress(msg):
    """Progress goes to stderr, so stdout holds only the tables."""
    print("  ... " + msg, file=sys.stderr, flush=True)


def fmt_cores(x):
    return "?" if x is None else "%.2f" % x


def machine_line():
    """One line about the machine, because these numbers depend on it."""
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for ln in f:
                if ln.startswith("model name"):
                    model = ln.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    la = os.getloadavg()
    return "%d CPUs (%s), load average %.2f %.2f %.2f" % (os.cpu_count() or 0, model, *la)
