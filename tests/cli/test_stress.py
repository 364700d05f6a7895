"""test_stress.py - `surge stress`, progressive levels, on a consumer of known capacity.

The target is an exec: consumer written for the test (stress_consumer.py)
that can process 300 messages/s and no more: each message takes it 1/300 s
after the later of its arrival and the previous message's end. With levels
100, 200, 400 and 800 ops/s of 6 s each, 100 and 200 must pass, 400 must
fail (the consumer falls behind: throughput under 96% of the rate, messages
due never sent), the stress must stop there, and the capacity is 200. The
consumer writes its own count of the lines it read (one line per level,
one consumer per level): each level's result must match it, 100 and 200
must be the patterns' integrals exactly, and the consumer's own rate at
400 must be its capacity, not the level's. --continue runs all four. With
--watch on a command whose CPU and memory are known, the per-level CPU
bounds, the warnings, the baseline and the recovery are exact. The
JSON document, the events log and the HTML report (rendered in headless
Chromium when it is there) must hold every level. A latency bound nothing
can meet gives "no level passed" and exit 99; Ctrl-C in a level stops the
stress with that level "stopped"; bad input is exit 2 with one line naming
the option, and runs nothing.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from helpers import Checks, binary_from_argv, check_history, check_result, load_json, run  # noqa: E402

SURGE = binary_from_argv()
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CONSUMER = os.path.join(HERE, "stress_consumer.py")
checks = Checks("test_stress")
CAPACITY = 300
LEVELS = (100, 200, 400, 800)
LEVEL_S = 6
ACK = r"^ack (.+)$"


def consumer(count_file):
    return f"exec:{sys.executable} {CONSUMER} --rate {CAPACITY} --count-file {count_file}"


def counts(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def stress(tmp, name, extra=(), timeout=120):
    """One stress on the consumer; its outputs in tmp/name.*"""
    paths = {k: os.path.join(tmp, f"{name}.{k}") for k in ("json", "html", "events", "counts")}
    r = run(SURGE, ["stress", consumer(paths["counts"]), "--ack", ACK,
                    "--levels", ",".join(str(v) for v in LEVELS), "--level-duration", f"{LEVEL_S}s",
                    "--cooldown", "1s", "--progress", "none",
                    "--out", f"json:{paths['json']}", "--out", f"html:{paths['html']}",
                    "--out", f"events:{paths['events']}"] + list(extra), timeout=timeout)
    return r, paths


def check_levels(label, r, d, seen, nlevels):
    """What every level that ran must show, against the consumer's own count."""
    levels = d["levels"]
    checks.eq(f"{label}: {nlevels} levels ran", len(levels), nlevels)
    checks.eq(f"{label}: one consumer per level, each wrote its count", len(seen), nlevels)
    checks.eq(f"{label}: planned levels", d.get("planned"), list(LEVELS))
    for i, lv in enumerate(levels[:len(seen)]):
        res = lv["result"]
        tag = f"{label}: level {LEVELS[i]}"
        checks.eq(f"{tag}: index and level", (lv["index"], lv["level"], lv["target_rate"]), (i, LEVELS[i], LEVELS[i]))
        if not check_result(checks, tag, res, ("send",)):
            continue
        check_history(checks, tag, res)
        checks.eq(f"{tag}: its run was constant(level, {LEVEL_S}s)", res["pattern"], f"constant({LEVELS[i]}, {LEVEL_S}s)")
        checks.eq(f"{tag}: the consumer read every message sent (its own count)", seen[i]["lines"], res["ops"]["ok"])
        checks.eq(f"{tag}: every line was valid JSON", seen[i]["bad"], 0)
        ack = res.get("observed", {}).get("ack", {})
        checks.eq(f"{tag}: acks observed = acks the consumer wrote", ack.get("count"), seen[i]["acked"])
        checks.near(f"{tag}: achieved = ops.ok / duration", lv["achieved"], res["ops"]["ok"] / res["duration_s"], 0.01)
        checks.eq(f"{tag}: no operation failed", res["ops"]["failed"], 0)
        if LEVELS[i] < CAPACITY:
            checks.eq(f"{tag}: verdict pass", lv["verdict"], "pass")
            checks.eq(f"{tag}: no failure", lv["failures"], [])
            checks.eq(f"{tag}: exactly the pattern's integral reached the consumer", seen[i]["lines"], LEVELS[i] * LEVEL_S)
            checks.eq(f"{tag}: nothing unsent", res["ops"]["unsent"], 0)
            checks.eq(f"{tag}: nothing lost", ack.get("lost"), 0)
        else:
            checks.eq(f"{tag}: verdict fail", lv["verdict"], "fail")
            what = {f["what"] for f in lv["failures"]}
            checks.check(f"{tag}: failed on throughput or loss", what & {"throughput", "lost"} and what <= {"throughput", "lost"},
                         f"{lv['failures']}")
            checks.check(f"{tag}: reached the consumer: under 96% of the level (consumer's count)",
                         seen[i]["lines"] < 0.96 * LEVELS[i] * LEVEL_S, f"{seen[i]['lines']} of {LEVELS[i] * LEVEL_S}")
            checks.eq(f"{tag}: sent + unsent = the pattern's integral", res["ops"]["total"] + res["ops"]["unsent"],
                      LEVELS[i] * LEVEL_S)
            # The consumer's own clock: it worked at its capacity, not the level's.
            own = (seen[i]["lines"] - 1) / (seen[i]["last"] - seen[i]["first"])
            checks.check(f"{tag}: the consumer's own rate is its capacity ({CAPACITY}/s), not {LEVELS[i]}/s",
                         0.85 * CAPACITY <= own <= 1.02 * CAPACITY, f"{own:.1f}/s")
            tp = [f for f in lv["failures"] if f["what"] == "throughput"]
            if tp:
                checks.near(f"{tag}: throughput failure names the bound (96% of the level)", tp[0]["bound"], 0.96 * LEVELS[i], 1e-6)


def check_table(label, r, d):
    """The verdict table on stdout: one row per planned level, then the capacity."""
    rows = [line for line in r.out.splitlines() if re.match(r"^\s+\d+\s+\d+ ops/s", line)]
    checks.eq(f"{label}: a table row per planned level", len(rows), len(LEVELS))
    for lv, row in zip(d["levels"], rows):
        want = {"pass": "pass", "fail": "FAIL"}[lv["verdict"]]
        checks.check(f"{label}: row {lv['index'] + 1} says {want}", re.search(rf"\s{want}(\s|$)", row), row)
    for row in rows[len(d["levels"]):]:
        checks.check(f"{label}: a level not run says so", "not run" in row, row)
    checks.check(f"{label}: 'capacity: 200 ops/s (highest level passed)'",
                 "capacity: 200 ops/s (highest level passed)" in r.out, r.out[-600:])
    checks.check(f"{label}: the failed row says why (throughput or lost)",
                 any("FAIL" in row and ("throughput" in row or "lost" in row) for row in rows), "\n".join(rows))


def check_events(label, path, d):
    try:
        with open(path) as f:
            ev = [json.loads(line) for line in f if line.strip()]
    except (OSError, ValueError) as e:
        checks.check(f"{label}: events file is JSON lines", False, str(e))
        return
    own = [e for e in ev if e["type"] in ("level_started", "level_passed", "level_failed", "capacity")]
    want = []
    for lv in d["levels"]:
        want += [("level_started", lv["index"]), ("level_" + ("passed" if lv["verdict"] == "pass" else "failed"), lv["index"])]
    want.append(("capacity", 1))
    checks.eq(f"{label}: level_started, level_passed/failed per level, then capacity",
              [(e["type"], e.get("level")) for e in own], want)
    cap = [e for e in ev if e["type"] == "capacity"]
    checks.check(f"{label}: the capacity event names 200 ops/s", cap and cap[-1].get("target_rate") == 200, f"{cap}")
    runs = [e for e in ev if e["type"] in ("started", "stopped")]
    checks.eq(f"{label}: each level's own started/stopped events, tagged with the level",
              [(e["type"], e.get("level")) for e in runs],
              [(t, lv["index"]) for lv in d["levels"] for t in ("started", "stopped")])
    checks.check(f"{label}: every event has t, wall, type, detail",
                 all(all(k in e for k in ("t", "wall", "type", "detail")) for e in ev), f"{ev[:2]}")
    warn = [e for e in ev if e["type"] == "warning"]
    checks.eq(f"{label}: one warning event per warning in the JSON", len(warn), sum(len(lv["warnings"]) for lv in d["levels"]))


BROWSER_JS = r"""
import { createRequire } from 'node:module';
const require = createRequire(process.argv[1]);
const { chromium } = require('playwright-core');
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const p = await b.newPage({ viewport: { width: 1200, height: 900 } });
const errors = [];
p.on('pageerror', (e) => errors.push(String(e)));
await p.goto('file://' + process.argv[2]);
await p.waitForFunction(() => window.surgeStress !== undefined, null, { timeout: 10000 });
const out = await p.evaluate(() => ({
  charts: Object.fromEntries(Object.entries(window.surgeStress.charts).map(([k, v]) =>
    [k, Object.fromEntries(Object.entries(v).map(([id, u]) => [id, u.data[0].length]))])),
  rows: [...document.querySelectorAll('table.levels tbody tr')].map((tr) => tr.textContent),
  banner: document.querySelector('.banner').textContent,
}));
out.errors = errors;
await p.screenshot({ path: process.argv[3], fullPage: true });
console.log(JSON.stringify(out));
await b.close();
"""


def check_html(label, path, d):
    try:
        with open(path, encoding="utf-8") as f:
            html = f.read()
    except OSError as e:
        checks.check(f"{label}: HTML written", False, str(e))
        return
    m = re.search(r'<script type="application/json" id="surge-stress">(.*?)</script>', html, re.S)
    checks.check(f"{label}: the HTML embeds the stress document", m is not None)
    if m:
        checks.check(f"{label}: ... the same document as the JSON file", json.loads(m.group(1)) == d)
    checks.check(f"{label}: uPlot and the stress renderer are inline", "var uPlot=" in html and "surgeStress" in html)
    refs = re.findall(r'<(?:script|link|img|iframe)[^>]*(?:src|href)\s*=', html, re.I)
    checks.eq(f"{label}: nothing loaded from anywhere", refs, [])
    node, pw = shutil.which("node"), os.path.join(ROOT, "web", "node_modules", "playwright-core")
    if not (node and os.access("/usr/bin/chromium", os.X_OK) and os.path.isdir(pw)):
        print(f"note  {label}: no chromium/node/playwright-core: the report was not rendered")
        return
    shot = os.path.join(os.path.dirname(SURGE), f"stress-{label.replace(' ', '-')}.png")
    try:
        p = subprocess.run([node, "--input-type=module", "-e", BROWSER_JS, os.path.join(ROOT, "web", "package.json"),
                            path, shot], capture_output=True, text=True, timeout=60)
        out = json.loads(p.stdout.strip().splitlines()[-1])
    except (subprocess.TimeoutExpired, ValueError, IndexError) as e:
        checks.check(f"{label}: the report renders in Chromium", False, f"{e}")
        return
    checks.eq(f"{label}: no script error in the page", out["errors"], [])
    checks.eq(f"{label}: the verdict table has a row per planned level", len(out["rows"]), len(LEVELS))
    checks.check(f"{label}: the banner gives the capacity", "Capacity: 200 ops/s" in out["banner"], out["banner"])
    for lv in d["levels"]:
        ch = out["charts"].get(str(lv["index"]), {})
        n = len(lv["result"]["history"])
        checks.check(f"{label}: level {lv['level']} has its rate and latency charts, one point per sample",
                     ch.get("rate") == n and ch.get("latency") == n, f"{ch}, {n} samples")


def main_run(tmp):
    label = "stop at first failure"
    r, paths = stress(tmp, "a")
    checks.eq(f"{label}: exit code 0 (the stress ran, a level passed)", r.rc, 0) or print(r.describe())
    d = load_json(paths["json"])
    seen = counts(paths["counts"])
    if not checks.check(f"{label}: JSON written", isinstance(d, dict), r.describe()):
        return
    checks.eq(f"{label}: capacity 200", d.get("capacity"), 200)
    checks.eq(f"{label}: capacity_level 1", d.get("capacity_level"), 1)
    checks.eq(f"{label}: stopped because a level failed", d.get("stop_reason"), "level failed")
    checks.eq(f"{label}: verdicts pass, pass, fail", [lv["verdict"] for lv in d["levels"]], ["pass", "pass", "fail"])
    checks.eq(f"{label}: CPU not measured without --watch", [lv["cpu_pct"] for lv in d["levels"]], [None] * 3)
    checks.eq(f"{label}: no baseline without --watch", (d.get("baseline"), d.get("recovered")), (None, None))
    checks.eq(f"{label}: default criteria", (d["criteria"]["throughput_pct"], d["criteria"]["errors_pct"],
                                             d["criteria"]["cpu_pct"][0], d["criteria"]["mem_pct"][0]), (96, 0.1, 80, 85))
    check_levels(label, r, d, seen, 3)
    check_table(label, r, d)
    check_events(label, paths["events"], d)
    check_html(label, paths["html"], d)
    again = paths["html"] + ".again.html"
    rr = run(SURGE, ["report", paths["json"], "-o", again])
    same = rr.rc == 0 and open(again, "rb").read() == open(paths["html"], "rb").read()
    checks.check(f"{label}: surge report on the stress JSON makes the same report", same, rr.describe())


def continue_run(tmp):
    label = "--continue"
    r, paths = stress(tmp, "b", ["--continue"])
    checks.eq(f"{label}: exit code 0", r.rc, 0) or print(r.describe())
    d = load_json(paths["json"])
    if not checks.check(f"{label}: JSON written", isinstance(d, dict), r.describe()):
        return
    checks.eq(f"{label}: verdicts pass, pass, fail, fail", [lv["verdict"] for lv in d["levels"]],
              ["pass", "pass", "fail", "fail"])
    checks.eq(f"{label}: every level ran", d.get("stop_reason"), "all levels ran")
    checks.eq(f"{label}: capacity still 200", d.get("capacity"), 200)
    check_levels(label, r, d, counts(paths["counts"]), 4)
    check_table(label, r, d)


def no_level_passes(tmp):
    """A bound nothing meets: p99 under a nanosecond."""
    label = "no level passed"
    out = os.path.join(tmp, "none.json")
    r = run(SURGE, ["stress", "null:", "--workload", "noop", "--levels", "50,100", "--level-duration", "1s",
                    "--cooldown", "0s", "--pass-latency", "p99:1ns", "--progress", "none", "--out", f"json:{out}"])
    checks.eq(f"{label}: exit code 99", r.rc, 99) or print(r.describe())
    checks.check(f"{label}: 'capacity: no level passed'", "capacity: no level passed" in r.out, r.out)
    d = load_json(out)
    if checks.check(f"{label}: JSON written", isinstance(d, dict)):
        checks.eq(f"{label}: capacity null", d["capacity"], None)
        checks.eq(f"{label}: one level ran (stopped at the first failure)", len(d["levels"]), 1)
        f = d["levels"][0]["failures"]
        checks.check(f"{label}: failed on latency, with value and bound", f and f[0]["what"] == "latency"
                     and f[0]["value"] > f[0]["bound"] == 1e-6, f"{f}")
        checks.eq(f"{label}: the judged latency is the result's p99", d["levels"][0]["latency_ms"],
                  d["levels"][0]["result"]["latency_ms"]["p99"])


def watched(tmp):
    """CPU and memory from --watch: a command that always prints 75 and 50
    (cmd: prints CPU% then memory%), so every number is known: level 1
    passes under 80% with a warning (within 10 points), level 2 fails
    under its own bound 70%; memory warns under 55%; the baseline is 75%
    and the system is back to it at the first reading."""
    label = "--watch"
    out, events = os.path.join(tmp, "watch.json"), os.path.join(tmp, "watch.events")
    r = run(SURGE, ["stress", "null:", "--workload", "noop", "--levels", "100,200", "--level-duration", "2s",
                    "--cooldown", "1s", "--watch", "cmd:/bin/echo 75 50", "--pass-cpu", "80,70", "--pass-mem", "55",
                    "--progress", "none", "--out", f"json:{out}", "--out", f"events:{events}"])
    checks.eq(f"{label}: exit code 0", r.rc, 0) or print(r.describe())
    d = load_json(out)
    if not checks.check(f"{label}: JSON written", isinstance(d, dict), r.describe()):
        return
    lv = d["levels"]
    checks.eq(f"{label}: verdicts pass, fail", [x["verdict"] for x in lv], ["pass", "fail"])
    checks.eq(f"{label}: CPU and memory per level (max of the gauges)", [(x["cpu_pct"], x["mem_pct"]) for x in lv],
              [(75, 50), (75, 50)])
    checks.eq(f"{label}: ... as the level's result has them", [x["result"]["gauges"]["cpu_pct"]["max"] for x in lv], [75, 75])
    checks.eq(f"{label}: per-level bounds, the last repeating", [(x["bounds"]["cpu_pct"], x["bounds"]["mem_pct"]) for x in lv],
              [(80, 55), (70, 55)])
    checks.eq(f"{label}: level 2 failed on CPU alone", [(f["what"], f["value"], f["bound"]) for f in lv[1]["failures"]],
              [("cpu", 75, 70)])
    checks.eq(f"{label}: level 1 warns on CPU and memory", sorted(w["what"] for w in lv[0]["warnings"]), ["cpu", "memory"])
    checks.check(f"{label}: level 2 warns on memory", "memory" in [w["what"] for w in lv[1]["warnings"]], f"{lv[1]['warnings']}")
    checks.eq(f"{label}: baseline", d["baseline"], {"cpu_pct": 75, "mem_pct": 50})
    checks.eq(f"{label}: back to baseline", d["recovered"], True)
    checks.check(f"{label}: ... at the first reading (about 1 s)", 0.9 <= (d["recovery_s"] or 0) <= 3, f"{d['recovery_s']}")
    checks.eq(f"{label}: capacity 100", d["capacity"], 100)
    checks.check(f"{label}: the table shows the CPU and the reason", re.search(r"75\.0%\s+FAIL\s+cpu:", r.out), r.out)
    checks.check(f"{label}: says it is back to baseline", "back to baseline: yes" in r.out, r.out)
    with open(events) as f:
        types = [json.loads(line)["type"] for line in f if line.strip()]
    checks.eq(f"{label}: events end with capacity, then recovery", types[-2:], ["capacity", "recovery"])
    checks.eq(f"{label}: a warning event per warning", types.count("warning"), len(lv[0]["warnings"]) + len(lv[1]["warnings"]))


def interrupted(tmp):
    label = "SIGINT in a level"
    out = os.path.join(tmp, "int.json")
    p = subprocess.Popen([SURGE, "stress", "null:", "--workload", "noop", "--levels", "100,200", "--level-duration", "20s",
                          "--progress", "none", "--out", f"json:{out}"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(2)
    p.send_signal(signal.SIGINT)
    t0 = time.monotonic()
    try:
        stdout, _ = p.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        checks.check(f"{label}: ends soon after the signal", False)
        return
    checks.check(f"{label}: ends soon after the signal", time.monotonic() - t0 < 5)
    checks.eq(f"{label}: exit 99 (no level passed)", p.returncode, 99)
    d = load_json(out)
    if checks.check(f"{label}: JSON written", isinstance(d, dict)):
        checks.eq(f"{label}: stop_reason stopped", d["stop_reason"], "stopped")
        checks.eq(f"{label}: the level is 'stopped', not judged",
                  [(lv["verdict"], lv["failures"]) for lv in d["levels"]], [("stopped", [])])
        checks.check(f"{label}: its result says signal", d["levels"][0]["result"]["stop_reason"] == "signal")


BAD = [
    # (args after "stress null: --workload noop", what the one line must name)
    ([], "no levels"),
    (["--levels", "100,abc"], "--levels"),
    (["--levels", "200,100"], "--levels"),
    (["--levels", "100,,200"], "--levels"),
    (["--levels", "100", "--start", "100"], "--levels"),
    (["--start", "100"], "--max"),
    (["--start", "100", "--max", "50"], "--max"),
    (["--start", "1", "--factor", "1", "--max", "10"], "--factor"),
    (["--levels", "100", "--pass-latency", "p75:10ms"], "--pass-latency"),
    (["--levels", "100", "--pass-latency", "p99:fast"], "--pass-latency"),
    (["--levels", "100", "--pass-latency", "300ms"], "--pass-latency"),
    (["--levels", "100", "--pass-cpu", "120"], "--pass-cpu"),
    (["--levels", "100", "--pass-mem", "0"], "--pass-mem"),
    (["--levels", "100,200", "--pass-cpu", "40,60,80"], "--pass-cpu"),
    (["--start", "100", "--max", "200", "--pass-mem", "40,60,80"], "--pass-mem"),
    (["--levels", "100", "--pass-throughput", "150%"], "--pass-throughput"),
    (["--levels", "100", "--pass-errors", "lots"], "--pass-errors"),
    (["--levels", "100", "--level-duration", "0s"], "--level-duration"),
    (["--levels", "100", "--cooldown", "soon"], "--cooldown"),
    (["--levels", "100", "--level-kind", "threads"], "--level-kind"),
    (["--levels", "1.5", "--level-kind", "connections"], "--levels"),
    (["--levels", "4", "--level-kind", "connections", "--connections", "4"], "--connections"),
    (["--levels", "100", "--pattern", "constant(10, 1s)"], "--pattern"),
    (["--levels", "100", "-p", "constant(10, 1s)"], "--pattern"),
    (["--levels", "100", "--duration", "5s"], "--duration"),
    (["--levels", "100", "--transactions", "5"], "--transactions"),
    (["--levels", "100", "--cpu-target", "60"], "--cpu-target"),
    (["--levels", "100", "--out", "csv:x.csv"], "--out"),
    (["--levels", "100", "--frobnicate"], "--frobnicate"),
    (["--levels", "100", "--connections", "many"], "--connections"),
    (["--levels", "100", "--workload", "nosuch"], "nosuch"),
]


def bad_input(tmp):
    for args, needle in BAD:
        label = "bad input: " + (" ".join(args) or "(no levels)")
        r = run(SURGE, ["stress", "null:", "--workload", "noop", "--progress", "none"] + args, cwd=tmp)
        lines = r.err.strip().splitlines()
        checks.eq(f"{label}: exit 2", r.rc, 2)
        checks.check(f"{label}: one line naming {needle}", len(lines) == 1 and needle in lines[0] and lines[0].startswith("surge: "),
                     repr(r.err))
        checks.eq(f"{label}: nothing on stdout (nothing ran)", r.out, "")
    # A consumer that cannot start: bad input, and the outputs are left alone.
    out = os.path.join(tmp, "never.json")
    r = run(SURGE, ["stress", "exec:/nonexistent/consumer", "--levels", "100", "--level-duration", "1s",
                    "--progress", "none", "--out", f"json:{out}"], cwd=tmp)
    checks.eq("bad input: a command that does not exist: exit 2", r.rc, 2)
    checks.check("bad input: ... no output file left behind", not os.path.exists(out))
    h = run(SURGE, ["stress", "--help"])
    checks.eq("--help: exit 0", h.rc, 0)
    listed = set(re.findall(r"^\s+(?:-\w, )?--([a-z-]+)", h.out, re.M))
    want = {"levels", "start", "factor", "max", "level-kind", "level-duration", "cooldown", "continue", "pass-throughput",
            "pass-errors", "pass-latency", "pass-cpu", "pass-mem", "target", "workload", "connections", "ack", "out"}
    refused = {"pattern", "rate", "op-pattern", "duration", "transactions", "time-scale", "dashboard", "cpu-target"}
    checks.check("--help: lists the stress options and the run options", want <= listed, f"missing {want - listed}")
    checks.eq("--help: not the run options a level sets itself", listed & refused, set())


with tempfile.TemporaryDirectory(prefix="surge-stress-") as tmp:
    bad_input(tmp)
    no_level_passes(tmp)
    watched(tmp)
    interrupted(tmp)
    main_run(tmp)
    continue_run(tmp)
checks.finish()
