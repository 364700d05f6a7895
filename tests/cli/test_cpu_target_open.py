"""test_cpu_target_open.py - --cpu-target in an open loop, on a plant with a known answer.

The watched "CPU" is rate_plant.py: lines surge wrote per second / 50, so
holding 40% means a rate of 2000/s. From a start of 200/s the controller
must get there and hold it (the run ends by itself, stop reason "cpu
stable"); the lines in the file, counted by the test, agree with the
result's operations. With --max-rate 500 the target is out of reach: the
rate ends at the cap and the verdict says to raise --max-rate.
"""
import os
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from helpers import Checks, binary_from_argv, load_json, run  # noqa: E402

SURGE = binary_from_argv()
PLANT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rate_plant.py")
checks = Checks("test_cpu_target_open")


def held(tmp, name, extra):
    lines, out = os.path.join(tmp, f"{name}.jsonl"), os.path.join(tmp, f"{name}.json")
    watch = f"cmd:{sys.executable} {PLANT} {lines} {os.path.join(tmp, name + '.state')} 50"
    r = run(SURGE, ["run", f"file:{lines}", "--pattern", "200", "--watch", watch, "--cpu-target", "40",
                    "--progress", "none", "--out", f"json:{out}"] + extra, timeout=120)
    with open(lines, "rb") as f:
        written = f.read().count(b"\n")
    return r, load_json(out), written


with tempfile.TemporaryDirectory() as tmp:
    r, d, written = held(tmp, "reach", ["--stable-for", "5s", "--max-duration", "60s"])
    checks.eq("reach: exit code 0", r.rc, 0) or print(r.describe())
    if checks.check("reach: result written", d is not None):
        c = d.get("cpu_control") or {}
        checks.eq("reach: ends by itself once stable", d.get("stop_reason"), "cpu stable")
        checks.eq("reach: the rate is what is controlled", c.get("kind"), "rate")
        checks.check("reach: final rate near 2000/s (40% x 50)", 1700 <= (c.get("final") or 0) <= 2300, f"{c}")
        rates = [s.get("ctl_rate") for s in d["history"]]
        checks.check("reach: the rate climbs from 200 at first", rates[:3] == sorted(rates[:3]) and rates[0] == 200,
                     f"{rates}")
        checks.eq("reach: the file holds every line the result counts", written, d["ops"]["ok"] + d["ops"].get("warmup_ok", 0))
        checks.check("reach: the summary says stable", "stable: held 40%" in r.out, r.out[-400:])

    r, d, _ = held(tmp, "capped", ["--max-rate", "500", "--duration", "8s", "--stable-for", "5s"])
    checks.eq("capped: exit code 0", r.rc, 0) or print(r.describe())
    c = (d or {}).get("cpu_control") or {}
    checks.eq("capped: not stable", c.get("stable"), False)
    checks.eq("capped: ends at the cap", c.get("final"), 500)
    checks.check("capped: the verdict says to raise --max-rate", "--max-rate" in (c.get("verdict") or ""), f"{c}")
checks.finish()
