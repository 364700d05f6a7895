"""test_queue_exec.py - JSON lines to a consumer process (exec:), a file and stdout.

exec: with a consumer written for the test (queue_consumer.py): it acks each
message after a 5 ms delay and drops every 100th. The result's ack latency
is at least the delay, the lost count is exactly the number it dropped (its
own list, written at EOF, is the independent count), every message it read
was valid JSON, and the child's CPU and RSS are in the history. A consumer
that crashes after 50 lines ends the run early with exit 1, the exit status
in the error, and a complete result. file: gets one valid JSON object per
line with unique ids; stdout: keeps stdout for the messages alone. Bad
input (--ack without a group, a command that does not exist) is exit 2.
"""
import json
import os
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from helpers import Checks, binary_from_argv, load_json, run  # noqa: E402

SURGE = binary_from_argv()
CONSUMER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "queue_consumer.py")
checks = Checks("test_queue_exec")
ACK = r"^ack (.+)$"


def consumer(*args):
    return "exec:" + " ".join([sys.executable, CONSUMER] + list(args))


def acks(tmp):
    """300 messages at 100/s; the consumer acks after 5 ms and drops every 100th."""
    count_file = os.path.join(tmp, "count.json")
    out = os.path.join(tmp, "ack.json")
    r = run(SURGE, ["run", consumer("--delay-ms", "5", "--drop-every", "100", "--count-file", count_file),
                    "--pattern", "constant(100, 3s)", "--ack", ACK, "--progress", "none", "--out", f"json:{out}"],
            timeout=60)
    checks.eq("ack: exit code 0", r.rc, 0) or print(r.describe())
    d = load_json(out)
    seen = load_json(count_file)
    if not checks.check("ack: result and consumer count written", d is not None and seen is not None, r.describe()):
        return
    ok = d["ops"]["ok"]
    checks.eq("ack: 300 messages sent (the pattern's integral)", ok, 300)
    checks.eq("ack: the consumer read every message sent", seen["lines"], ok)
    checks.eq("ack: every message was one valid JSON line", seen["bad"], 0)
    ack = d.get("observed", {}).get("ack")
    if not checks.check("ack: observed.ack in the result", isinstance(ack, dict), f"{d.get('observed')}"):
        return
    checks.eq("ack: lost = what the consumer dropped", ack["lost"], len(seen["dropped"]))
    checks.eq("ack: acked + lost = sent", ack["count"] + ack["lost"], ok)
    checks.check("ack: latency >= the consumer's 5 ms delay", ack["latency_ms"]["min"] >= 5.0, f"{ack['latency_ms']}")
    checks.check("ack: latency p50 under 200 ms (not queueing)", ack["latency_ms"]["p50"] < 200, f"{ack['latency_ms']}")
    end = d.get("target_end", {})
    checks.eq("ack: the child exited 0 on EOF", end.get("exit_status"), 0)
    checks.eq("ack: stopped by closing its stdin", end.get("stopped_by"), "eof")
    hist = d.get("history", [])
    cpu = [s.get("child_cpu_pct") for s in hist]
    rss = [s.get("child_rss_mb") for s in hist]
    checks.check("ack: child CPU% in the history", len(hist) >= 2 and all(isinstance(v, (int, float)) for v in cpu[1:]),
                 f"{cpu}")
    checks.check("ack: child RSS in the history (a Python child: > 1 MB)",
                 len(hist) >= 2 and all(isinstance(v, (int, float)) and v > 1 for v in rss), f"{rss}")
    checks.check("ack: gauges summarised", "child_cpu_pct" in d.get("gauges", {}), f"{d.get('gauges')}")
    checks.check("ack: the summary shows the ack line", "ack" in r.out and "observed" in r.out, r.out[-800:])


def crash(tmp):
    out = os.path.join(tmp, "crash.json")
    r = run(SURGE, ["run", consumer("--crash-after", "50"), "--pattern", "constant(100, 10s)",
                    "--progress", "none", "--out", f"json:{out}"], timeout=60)
    checks.eq("crash: exit code 1", r.rc, 1) or print(r.describe())
    d = load_json(out)
    if not checks.check("crash: result written", d is not None, r.describe()):
        return
    checks.eq("crash: stop_reason error", d.get("stop_reason"), "error")
    checks.check("crash: the error gives the exit status", "exited with status 3" in (d.get("error") or ""),
                 f"{d.get('error')}")
    checks.check("crash: stopped early (not the whole 10 s)", d["duration_s"] < 8, f"{d['duration_s']}")
    checks.check("crash: the summary says the run failed", "run failed" in r.out, r.out[-600:])


def to_file(tmp):
    path = os.path.join(tmp, "lines.jsonl")
    r = run(SURGE, ["run", f"file:{path}", "--message", "snapshot", "--transactions", "2000", "--progress", "none"])
    checks.eq("file: exit code 0", r.rc, 0) or print(r.describe())
    try:
        with open(path) as f:
            lines = f.read().splitlines()
        msgs = [json.loads(ln) for ln in lines]
    except (OSError, ValueError) as e:
        checks.check("file: every line is JSON", False, str(e))
        return
    checks.eq("file: one line per operation", len(msgs), 2000)
    ids = {m["meta"]["run_id"] for m in msgs}
    checks.eq("file: ids unique", len(ids), 2000)
    checks.check("file: derived status agrees with memory_usage",
                 all((m["system_state"]["status"] == "running") == (m["system_state"]["memory_usage"] < 70) for m in msgs))


def to_stdout():
    r = run(SURGE, ["run", "stdout:", "--transactions", "50", "--progress", "none", "--seed", "7"])
    checks.eq("stdout: exit code 0", r.rc, 0) or print(r.describe())
    lines = r.out.splitlines()
    try:
        msgs = [json.loads(ln) for ln in lines]
    except ValueError as e:
        checks.check("stdout: nothing but messages on stdout", False, f"{e}: {r.out[:300]}")
        return
    checks.eq("stdout: 50 messages", len(msgs), 50)
    checks.check("stdout: the summary went to stderr", "operations" in r.err, r.err[-300:])


def guardrails(tmp):
    """The consumer's memory and CPU as guardrails; a consumer that ignores
    EOF is terminated after --drain."""
    out = os.path.join(tmp, "rss.json")
    hog = "exec:" + sys.executable + " -c 'import sys; x = bytearray(80 << 20); [0 for line in sys.stdin]'"
    r = run(SURGE, ["run", hog, "--pattern", "constant(100, 20s)", "--max-child-rss", "50", "--progress", "none",
                    "--out", f"json:{out}"], timeout=60)
    checks.eq("rss guardrail: exit 3", r.rc, 3) or print(r.describe())
    d = load_json(out) or {}
    checks.eq("rss guardrail: named", d.get("guardrail"), "max-child-rss")
    # Over the limit, not necessarily the whole 80 MB: on a busy machine the
    # 100 ms check can catch the child halfway through filling its buffer.
    checks.check("rss guardrail: the gauge shows the memory over the limit",
                 d.get("gauges", {}).get("child_rss_mb", {}).get("max", 0) > 50, f"{d.get('gauges')}")
    checks.check("rss guardrail: the detail gives the reading and the limit",
                 "limit 50.0 MiB" in (d.get("stop_detail") or ""), f"{d.get('stop_detail')}")
    out = os.path.join(tmp, "cpu.json")
    spin = "exec:" + sys.executable + " -c 'while True: pass'"
    r = run(SURGE, ["run", spin, "--pattern", "constant(10, 20s)", "--max-child-cpu", "50", "--drain", "1s",
                    "--progress", "none", "--out", f"json:{out}"], timeout=60)
    checks.eq("cpu guardrail: exit 3", r.rc, 3) or print(r.describe())
    d = load_json(out) or {}
    checks.eq("cpu guardrail: named", d.get("guardrail"), "max-child-cpu")
    end = d.get("target_end", {})
    checks.eq("a child deaf to EOF is terminated after --drain", end.get("stopped_by"), "terminated")
    checks.check("... after about 1 s", 0.9 <= end.get("stdin_close_s", 0) <= 3, f"{end}")
    checks.eq("... and its exit says SIGTERM", end.get("exit"), "killed by signal 15 (Terminated)")


def bad_input():
    r = run(SURGE, ["run", consumer(), "--ack", "ack .+", "--transactions", "5", "--progress", "none"])
    checks.eq("bad: --ack without a group is exit 2", r.rc, 2)
    checks.check("bad: ... and says so", "capture group" in r.err, r.err)
    r = run(SURGE, ["run", "exec:/nonexistent/consumer --x", "--transactions", "5", "--progress", "none"])
    checks.eq("bad: a command that does not exist is exit 2", r.rc, 2)
    checks.check("bad: ... naming it", "/nonexistent/consumer" in r.err, r.err)
    r = run(SURGE, ["run", "sqlite::memory:", "--message", "job", "--transactions", "5", "--progress", "none"])
    checks.eq("bad: --message on an SQL target is exit 2", r.rc, 2)


with tempfile.TemporaryDirectory() as tmp:
    acks(tmp)
    crash(tmp)
    to_file(tmp)
    to_stdout()
    guardrails(tmp)
    bad_input()
checks.finish()
