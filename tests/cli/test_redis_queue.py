"""test_redis_queue.py - Redis job queues against the real server of tests/servers.sh.

20 s of a sine pattern into two queues without consumers: LLEN of each
queue afterwards (read with redis-cli, not surge) equals the ok count of
its operation, and every job is valid JSON with a unique id. With
consumers the queues end empty, every job is dequeued once, and the
enqueue -> dequeue latency is in the result. Streams: XLEN equals the ok
count. --max-queue-depth stops a run whose queue grows (no consumers)
with exit 3 while the depth is still near the bound. The depth gauge
follows the queue: its last reading is LLEN's.
"""
import json
import os
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from helpers import Checks, binary_from_argv, load_json, run  # noqa: E402

SURGE = binary_from_argv()
checks = Checks("test_redis_queue")
URL = os.environ.get("SURGE_TEST_REDIS")
if not URL:
    checks.check("SURGE_TEST_REDIS is set (run through tests/with-servers.sh)", False)
    checks.finish()
TAG = f"t{os.getpid()}"


def cli(*args):
    p = subprocess.run(["redis-cli", "-u", URL, "--no-raw"] + list(args), capture_output=True, text=True, timeout=30)
    return p.stdout.strip()


def cli_raw(*args):
    p = subprocess.run(["redis-cli", "-u", URL, "--raw"] + list(args), capture_output=True, text=True, timeout=60)
    return p.stdout


def llen(q):
    return int(cli_raw("LLEN", q).strip() or -1)


def surge_run(tmp, name, url, args, timeout=90):
    out = os.path.join(tmp, f"{name}.json")
    r = run(SURGE, ["run", url] + args + ["--progress", "none", "--out", f"json:{out}"], timeout=timeout)
    return r, load_json(out)


def lists_without_consumers(tmp):
    qa, qb = f"{TAG}:high", f"{TAG}:low"
    cli("DEL", qa, qb)
    r, d = surge_run(tmp, "sine", f"{URL}?queue={qa},{qb}",
                     ["--pattern", "sine(base=100, amp=50, period=10s, duration=20s)", "--mix", f"{qa}=1,{qb}=2"])
    checks.eq("lists: exit code 0", r.rc, 0) or print(r.describe())
    if not checks.check("lists: result written", d is not None):
        return
    by = d["by_op"]
    checks.eq("lists: one operation per queue", sorted(by), sorted([qa, qb]))
    checks.near("lists: ok = the pattern's integral (2000)", d["ops"]["ok"], 2000, 1)
    checks.eq("lists: no failures", d["ops"]["failed"], 0)
    checks.eq(f"lists: LLEN {qa} = its ok count", llen(qa), by[qa]["ok"])
    checks.eq(f"lists: LLEN {qb} = its ok count", llen(qb), by[qb]["ok"])
    checks.check("lists: the mix weighs the queues (1:2)", 0.4 < by[qa]["ok"] / max(1, by[qb]["ok"]) < 0.6,
                 f"{by[qa]['ok']} vs {by[qb]['ok']}")
    jobs = cli_raw("LRANGE", qa, "0", "-1").splitlines()
    try:
        ids = [json.loads(j)["id"] for j in jobs]
    except (ValueError, KeyError) as e:
        checks.check("lists: every job is JSON with an id", False, str(e))
        return
    checks.eq("lists: ids unique", len(set(ids)), len(ids))
    depth = d.get("gauges", {}).get("queue_depth", {})
    checks.check("lists: the depth gauge grows to the total", abs(depth.get("max", -1) - d["ops"]["ok"]) <= 150,
                 f"{depth} vs {d['ops']['ok']}")
    cli("DEL", qa, qb)


def lists_with_consumers(tmp):
    qa, qb = f"{TAG}:c1", f"{TAG}:c2"
    cli("DEL", qa, qb)
    r, d = surge_run(tmp, "consumers", f"{URL}?queue={qa},{qb}",
                     ["--pattern", "sine(base=300, amp=200, period=4s, duration=6s)", "--consumers", "2"])
    checks.eq("consumers: exit code 0", r.rc, 0) or print(r.describe())
    if not checks.check("consumers: result written", d is not None):
        return
    ok = d["ops"]["ok"]
    deq = d.get("observed", {}).get("dequeue", {})
    checks.eq("consumers: every job dequeued once", deq.get("count"), ok)
    checks.eq("consumers: queues empty afterwards", (llen(qa), llen(qb)), (0, 0))
    lat = deq.get("latency_ms", {})
    checks.check("consumers: dequeue latency reported, ordered", 0 < lat.get("p50", 0) <= lat.get("p99", 0) <= lat.get("max", 0),
                 f"{lat}")
    per = [d["observed"].get(f"dequeue.{q}", {}).get("count") for q in (qa, qb)]
    checks.eq("consumers: per queue counts = ok per op", per, [d["by_op"][qa]["ok"], d["by_op"][qb]["ok"]])
    checks.eq("consumers: target_end says drained", d.get("target_end", {}).get("drained"), "yes")


def op_patterns(tmp):
    """Three queues, each on its own pattern with a staggered start: each
    gets exactly its pattern's integral, and LLEN agrees."""
    qs = [f"{TAG}:hi", f"{TAG}:lo", f"{TAG}:batch"]
    cli("DEL", *qs)
    pats = {qs[0]: ("sine(base=100, amp=50, period=4s, duration=8s)", 800),   # whole periods: 100 x 8
            qs[1]: ("constant(0, 2s) then constant(200, 4s)", 800),
            qs[2]: ("burst(300, on=1s, off=1s, count=3)", 900)}
    args = []
    for q, (expr, _) in pats.items():
        args += ["--op-pattern", f"{q}={expr}"]
    r, d = surge_run(tmp, "op-patterns", f"{URL}?queue={','.join(qs)}", args)
    checks.eq("op-pattern: exit code 0", r.rc, 0) or print(r.describe())
    if not d:
        return
    for q, (_, want) in pats.items():
        checks.eq(f"op-pattern: {q} ok = its pattern's integral", d["by_op"][q]["ok"], want)
        checks.eq(f"op-pattern: LLEN {q} = that", llen(q), want)
    first = d["history"][0] if d.get("history") else {}
    # First second: sine ~ 100 + 50*2/pi... plus the burst's 300, the constant not yet: 300 < target < 500
    checks.check("op-pattern: the staggered queue is idle at first", 300 < first.get("target_rate", 0) < 500, f"{first}")
    cli("DEL", *qs)


def streams(tmp):
    s = f"{TAG}:stream"
    cli("DEL", s)
    r, d = surge_run(tmp, "stream", f"{URL}?stream={s}", ["--transactions", "3000", "--message", "snapshot"])
    checks.eq("streams: exit code 0", r.rc, 0) or print(r.describe())
    if d:
        checks.eq("streams: XLEN = ok", int(cli_raw("XLEN", s).strip() or -1), d["ops"]["ok"])
    cli("DEL", s)


def depth_guardrail(tmp):
    q = f"{TAG}:guard"
    cli("DEL", q)
    r, d = surge_run(tmp, "guard", f"{URL}?queue={q}", ["--pattern", "constant(1000, 20s)", "--max-queue-depth", "2000"])
    checks.eq("guardrail: exit code 3", r.rc, 3) or print(r.describe())
    if d:
        checks.eq("guardrail: named", d.get("guardrail"), "max-queue-depth")
        n = llen(q)
        # Read every 100 ms at 1000/s: the queue passed 2000 by at most ~100 jobs (and a sample).
        checks.check("guardrail: stopped near the bound", 2000 < n <= 2300, f"LLEN {n}")
        checks.check("guardrail: well before the end", d["duration_s"] < 5, f"{d['duration_s']}")
    cli("DEL", q)


def bad_input():
    r = run(SURGE, ["run", f"{URL}?queue=a&bogus=1", "--transactions", "1", "--progress", "none"])
    checks.check("bad: unknown URL parameter is exit 2 with a message", r.rc == 2 and "bogus" in r.err, r.describe())
    r = run(SURGE, ["run", "redis://127.0.0.1:1/0", "--transactions", "1", "--progress", "none"], timeout=30)
    checks.eq("bad: closed port is exit 1", r.rc, 1)
    checks.check("bad: ... naming host:port", "127.0.0.1:1" in r.err, r.err)
    r = run(SURGE, ["run", f"{URL}?queue=a", "--ack", "(x)", "--transactions", "1", "--progress", "none"])
    checks.eq("bad: --ack on redis is exit 2", r.rc, 2)


with tempfile.TemporaryDirectory() as tmp:
    lists_without_consumers(tmp)
    lists_with_consumers(tmp)
    op_patterns(tmp)
    streams(tmp)
    depth_guardrail(tmp)
    bad_input()
checks.finish()
