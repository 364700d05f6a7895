"""test_dashboard_browser.py - the live dashboard in a real browser.

Headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core
from web/package-lock.json: tests/web/dashboard.mjs) opens the dashboard of
a running generator (null: target, noop, 200 ops/s), waits until the
charts have drawn points, clicks Pause and checks /api/status says paused,
then Resume and Stop; and opens an HTML report from a real run and checks
its charts drew. Then a queue target: an exec: run with --ack (the
consumer tests/cli/queue_consumer.py), whose dashboard must show the
acknowledgement latency in its "Observed by the target" table and chart
the consumer's CPU and memory, and whose report must show the same table
and how the consumer ended. Screenshots go to the build directory
(dashboard.png, report.png, dashboard-queue.png, report-queue.png) for a
person to look at.

The generator is `surge run ... --dashboard 127.0.0.1:0` when surge run
has --dashboard, else the test_dashboard program in serve mode.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from helpers import Checks, binary_from_argv, run  # noqa: E402

SURGE = binary_from_argv()
BUILD = os.path.dirname(SURGE)
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
checks = Checks("test_dashboard_browser")

ok = checks.check("chromium is installed (scripts/deps.sh installs it)", os.access("/usr/bin/chromium", os.X_OK))
ok &= checks.check("node is installed (scripts/deps.sh installs it)", shutil.which("node") is not None)
ok &= checks.check("playwright-core is in web/node_modules (the build's npm ci installs it)",
                   os.path.isdir(os.path.join(ROOT, "web", "node_modules", "playwright-core")))
if not ok:
    checks.finish()


def start(cmd, stream, pattern):
    """Start cmd and find its dashboard's port in its output: (process, port or None)."""
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    found = []
    done = threading.Event()

    def reader(f):
        for line in f:
            m = re.search(pattern, line.strip())
            if m and not found:
                found.append(int(m.group(1)))
                done.set()
        done.set()

    threading.Thread(target=reader, args=(getattr(p, stream),), daemon=True).start()
    other = p.stderr if stream == "stdout" else p.stdout
    threading.Thread(target=lambda: other.read(), daemon=True).start()
    done.wait(20)
    return p, (found[0] if found else None)


def has_dashboard():
    return "--dashboard" in run(SURGE, ["run", "--help"]).out


def start_dashboard():
    """A running generator with a dashboard: (process, port or None, how)."""
    if has_dashboard():
        cmd = [SURGE, "run", "null:", "--workload", "noop", "--threads", "1", "--pattern", "constant(200, 60s)",
               "--dashboard", "127.0.0.1:0"]
        p, port = start(cmd, "stderr", r"http://[^\s/]+:(\d+)/")
    else:
        cmd = [os.path.join(BUILD, "test_dashboard"), "--serve", "60"]
        p, port = start(cmd, "stdout", r"^port (\d+)$")
    return p, port, " ".join(cmd[:2])


def stop(proc):
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def browse(args):
    """Run tests/web/dashboard.mjs with args; its checks become ours."""
    args = ["node", os.path.join(ROOT, "tests", "web", "dashboard.mjs"), "--shots", BUILD] + args
    try:
        out = subprocess.run(args, capture_output=True, text=True, timeout=150, cwd=ROOT)
        lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
        for ln in lines:
            c = json.loads(ln)
            checks.check(c["label"], c["ok"], c["detail"])
        checks.check("the browser script ran", lines and out.returncode in (0, 1),
                     f"rc={out.returncode} {out.stderr[-400:]}")
    except subprocess.TimeoutExpired:
        checks.check("the browser script finished within 150 s", False)


def queue_run(tmp):
    """An exec: run with --ack, its dashboard looked at live (the page
    stops it), then its report: what the queue target adds, from a real
    consumer rather than made-up numbers."""
    if not has_dashboard():
        print("note: surge run has no --dashboard: the queue target's pages are not opened")
        return
    consumer = os.path.join(ROOT, "tests", "cli", "queue_consumer.py")
    result, page = os.path.join(tmp, "q.json"), os.path.join(tmp, "q.html")
    cmd = [SURGE, "run", f"exec:'{sys.executable}' '{consumer}' --delay-ms 1", "--ack", "^ack (.+)$",
           "--pattern", "constant(100, 60s)", "--dashboard", "127.0.0.1:0", "--out", "json:" + result]
    proc, port = start(cmd, "stderr", r"http://[^\s/]+:(\d+)/")
    try:
        if checks.check("queue: the exec: run's dashboard is up", port is not None, "no port printed"):
            browse(["--queue-url", f"http://127.0.0.1:{port}/"])
        try:
            rc = proc.wait(30)
        except subprocess.TimeoutExpired:
            rc = None
        checks.check("queue: the run ended after Stop, exit 0", rc == 0, f"rc={rc}")
    finally:
        if proc.poll() is None:
            stop(proc)
    r = run(SURGE, ["report", result, "-o", page])
    if checks.check("queue: report written", r.rc == 0, r.describe()):
        browse(["--queue-report", page])


def make_report(tmp):
    """A report of a short open-loop run, or None when surge report is missing."""
    if run(SURGE, ["report", "--help"]).rc != 0:
        print("note: surge report is not wired yet: the report page is not opened")
        return None
    result, page = os.path.join(tmp, "r.json"), os.path.join(tmp, "r.html")
    r = run(SURGE, ["run", "null:", "--workload", "noop", "--pattern", "ramp(100, 400, 3s)", "--out", "json:" + result])
    checks.check("report: the run wrote a result", r.rc == 0, r.describe())
    # Parts a run may not have yet: a sample field the report charts when
    # present (queue depth), and threshold verdicts, one failed.
    try:
        with open(result, encoding="utf-8") as f:
            d = json.load(f)
        for i, sample in enumerate(d["history"]):
            sample["queue_depth"] = 5 * i + 3
        d["thresholds"] = [
            {"expr": "p99<100ms", "ok": True, "value": 0.2, "detail": "p99 = 0.2 ms over the run, limit 100 ms"},
            {"expr": "errors<0.1%", "ok": False, "value": 1.5, "detail": "1.5% failed, limit 0.1%"},
        ]
        with open(result, "w", encoding="utf-8") as f:
            json.dump(d, f)
    except (OSError, ValueError, KeyError) as e:
        checks.check("report: the result could be extended", False, str(e))
    r = run(SURGE, ["report", result, "-o", page])
    checks.check("report: written", r.rc == 0, r.describe())
    return page if r.rc == 0 else None


with tempfile.TemporaryDirectory() as tmp:
    report = make_report(tmp)
    proc, port, how = start_dashboard()
    try:
        if checks.check(f"the dashboard is up ({how})", port is not None, "no port printed"):
            browse(["--url", f"http://127.0.0.1:{port}/"] + (["--report", report] if report else []))
        print(f"screenshots: {os.path.join(BUILD, 'dashboard.png')}" + (f", {os.path.join(BUILD, 'report.png')}" if report else ""))
    finally:
        stop(proc)
    queue_run(tmp)
    print(f"screenshots: {os.path.join(BUILD, 'dashboard-queue.png')}, {os.path.join(BUILD, 'report-queue.png')}")
checks.finish()
