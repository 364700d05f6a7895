"""test_profile.py - profiles: save -> show -> list -> run --profile -> delete,
errors at their line and column, JSON profiles, and the shipped examples.

The runs use the null: target with the noop workload for about a second;
the result file (--out json) tells whether the profile's settings took
effect (pattern, threads, seed, interval, workload, target) and whether a
flag on the command line overrides the file. The profiles folder is a
temporary XDG_CONFIG_HOME (the default folder) or a --profiles DIR.
Error positions are counted here, from the text of each bad file.
"""
import os
import re
import shlex
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from helpers import Checks, binary_from_argv, load_json, run  # noqa: E402

SURGE = binary_from_argv()
checks = Checks("test_profile")
EXAMPLES = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                         "examples", "profiles"))
RUN_TIMEOUT = 60


def ok(label, args, **kw):
    r = run(SURGE, args, **kw)
    checks.check(f"{label}: exit code 0", r.rc == 0, r.describe())
    return r


def fails(label, args, rc=2, **kw):
    r = run(SURGE, args, **kw)
    checks.check(f"{label}: exit code {rc}", r.rc == rc, r.describe())
    checks.check(f"{label}: the message starts with 'surge: '", r.err.startswith("surge: "), f"{r.err[:200]!r}")
    return r


def args_of(label, which, *extra):
    """The `surge run` options a profile stands for (profile show --args)."""
    r = ok(f"{label}: show --args", ["profile", "show", which, "--args", *extra])
    words = shlex.split(r.out) if r.rc == 0 else []
    checks.check(f"{label}: show --args prints 'surge run ...'", words[:2] == ["surge", "run"], f"{r.out[:200]!r}")
    return words[2:]


def opt(words, name):
    """The value after --name, or None."""
    return words[words.index(name) + 1] if name in words else None


def write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def check_result(label, path, want):
    d = load_json(path)
    if not checks.check(f"{label}: the result file {os.path.basename(path)} was written", isinstance(d, dict)):
        return
    for k, v in want.items():
        if k == "ops.total":
            # Open-loop operations due before the end that a descheduled
            # worker never started are counted as unsent: the schedule's
            # integral is total + unsent (a loaded ASan run saw 28 + 2).
            ops = d.get("ops", {})
            checks.eq(f"{label}: ops.total + ops.unsent", (ops.get("total") or 0) + (ops.get("unsent") or 0), v)
        else:
            checks.eq(f"{label}: {k}", d.get(k), v)


# ---- save, show, list, run, delete in the default folder ---------------------

def round_trip(tmp):
    xdg = os.path.join(tmp, "xdg")
    os.environ["XDG_CONFIG_HOME"] = xdg
    folder = os.path.join(xdg, "surge", "profiles")
    first = os.path.join(tmp, "from_profile.json")
    label = "save quick"
    r = ok(label, ["profile", "save", "quick", "null:", "--workload", "noop", "--pattern", "constant(50, 1s)",
                   "--threads", "1", "--seed", "4242", "--interval", "500ms", "--out", f"json:{first}",
                   "--description", "a quick check", "--tag", "ci", "--tag", "noop"])
    path = os.path.join(folder, "quick.yaml")
    checks.check(f"{label}: wrote $XDG_CONFIG_HOME/surge/profiles/quick.yaml", os.path.isfile(path), r.describe())
    checks.check(f"{label}: says where", path in r.out, f"{r.out!r}")

    r = fails("save quick again (no --force)", ["profile", "save", "quick", "null:"])
    checks.check("save quick again: says it exists and how to replace it", "exists" in r.err and "--force" in r.err,
                 f"{r.err!r}")

    r = ok("show quick", ["profile", "show", "quick"])
    text = open(path, encoding="utf-8").read() if os.path.isfile(path) else None
    checks.eq("show quick: prints the file as it is", r.out, text)
    checks.eq("show quick: nothing on stderr", r.err, "")

    words = args_of("quick", "quick")
    checks.eq("quick: --target", opt(words, "--target"), "null:")
    checks.eq("quick: --workload", opt(words, "--workload"), "noop")
    checks.eq("quick: --pattern", opt(words, "--pattern"), "constant(50, 1s)")
    checks.eq("quick: --threads", opt(words, "--threads"), "1")
    checks.eq("quick: --seed", opt(words, "--seed"), "4242")
    checks.eq("quick: --interval", opt(words, "--interval"), "500ms")
    checks.eq("quick: --out", opt(words, "--out"), f"json:{first}")
    checks.check("quick: no --description or --tag among the run options",
                 "--description" not in words and "--tag" not in words, f"{words}")

    r = ok("show quick --normalized", ["profile", "show", "quick", "--normalized"])
    norm = write(os.path.join(tmp, "normalized.yaml"), r.out)
    checks.eq("the normalized YAML stands for the same options", args_of("normalized", norm), words)

    r = ok("list", ["profile", "list"])
    line = [l for l in r.out.splitlines() if l.split()[:1] == ["quick"]]
    checks.check("list: a line for quick with its description and tags",
                 len(line) == 1 and "a quick check" in line[0] and "[ci, noop]" in line[0], f"{r.out!r}")

    # The profile's settings take effect ...
    label = "run --profile quick"
    ok(label, ["run", "--profile", "quick", "--progress", "none"], timeout=RUN_TIMEOUT)
    check_result(label, first, {"target": "null:", "workload": "noop", "pattern": "constant(50, 1s)",
                                "threads": 1, "seed": 4242, "interval_s": 0.5, "ops.total": 50})

    # ... and the command line overrides them; a second --out adds to the profile's.
    label = "run --profile quick with overrides"
    second = os.path.join(tmp, "override.json")
    os.unlink(first)
    ok(label, ["run", "--profile", "quick", "--seed", "7", "--pattern", "constant(30, 1s)",
               "--out", f"json:{second}", "--progress", "none"], timeout=RUN_TIMEOUT)
    want = {"pattern": "constant(30, 1s)", "seed": 7, "threads": 1, "interval_s": 0.5, "ops.total": 30}
    check_result(f"{label} (its own --out)", second, want)
    check_result(f"{label} (the profile's --out)", first, want)

    # A positional target on the command line overrides the profile's too.
    label = "run sqlite:... --profile quick"
    db = os.path.join(tmp, "noop.db")
    third = os.path.join(tmp, "target.json")
    ok(label, ["run", f"sqlite:{db}", "--profile", "quick", "--out", f"json:{third}", "--progress", "none",
               "--pattern", "constant(20, 1s)"], timeout=RUN_TIMEOUT)
    check_result(label, third, {"target": f"sqlite:{db}", "workload": "noop", "ops.total": 20})

    label = "delete quick"
    r = ok(label, ["profile", "delete", "quick"])
    checks.check(f"{label}: the file is gone", not os.path.exists(path), r.describe())
    r = fails("delete quick again", ["profile", "delete", "quick"])
    checks.check("delete quick again: says there is no such profile", "no profile 'quick'" in r.err, f"{r.err!r}")
    fails("show quick after delete", ["profile", "show", "quick"])
    r = fails("run --profile quick after delete", ["run", "--profile", "quick", "--progress", "none"])
    checks.check("run --profile quick after delete: says there is no such profile", "no profile 'quick'" in r.err,
                 f"{r.err!r}")


def explicit_folder(tmp):
    """--profiles DIR instead of the default, before or after the subcommand."""
    folder = os.path.join(tmp, "elsewhere", "profiles")
    ok("save --profiles DIR", ["profile", "--profiles", folder, "save", "full", "null:", "--workload", "noop",
                               "-p", "ramp(1, 10, 5s) then constant(10, 5s)", "-t", "2", "-c", "4",
                               "--max-rate", "500", "--max-total", "1000", "--max-duration", "1m",
                               "--max-error-rate", "5%", "--max-latency", "p99:500ms", "--max-queue-depth", "100",
                               "--stop-file", "/tmp/stop-me", "--threshold", "p99<100ms",
                               "--threshold", "errors<0.1%", "--time-scale", "60", "--fresh", "--think",
                               "1ms..2ms", "--arrivals", "poisson", "--warmup", "1s", "--max-tries", "3"])
    checks.check("save --profiles DIR: the folder was made", os.path.isfile(os.path.join(folder, "full.yaml")))
    words = args_of("full", "full", "--profiles", folder)
    expect = ["--target", "null:", "--workload", "noop", "--pattern", "ramp(1, 10, 5s) then constant(10, 5s)",
              "--arrivals", "poisson", "--threads", "2", "--connections", "4", "--think", "1ms..2ms",
              "--warmup", "1s", "--fresh", "--max-tries", "3", "--time-scale", "60", "--max-rate", "500",
              "--max-total", "1000", "--max-duration", "1m", "--max-error-rate", "5%",
              "--max-latency", "p99:500ms", "--max-queue-depth", "100", "--stop-file", "/tmp/stop-me",
              "--threshold", "p99<100ms", "--threshold", "errors<0.1%"]
    checks.eq("full: every setting comes back as its option", words, expect)
    text = open(os.path.join(folder, "full.yaml"), encoding="utf-8").read()
    checks.check("full: guardrails are written under guardrails:", re.search(r"^guardrails:\n  max_rate: 500$", text,
                                                                               re.M) is not None, text)
    checks.check("full: the pattern is written as a list of phases",
                 '  - "ramp(1, 10, 5s)"\n  - "constant(10, 5s)"' in text, text)

    # --profile OTHER as the base of a new one, with an override.
    ok("save from a base", ["profile", "save", "derived", "--profile", "full", "--threads", "8",
                            "--profiles", folder])
    words = args_of("derived", "derived", "--profiles", folder)
    checks.eq("derived: the override", opt(words, "--threads"), "8")
    checks.eq("derived: the rest from the base", opt(words, "--max-latency"), "p99:500ms")

    r = ok("list --profiles DIR", ["profile", "list", "--profiles", folder])
    names = [l.split()[0] for l in r.out.splitlines() if l.strip()]
    checks.eq("list --profiles DIR: both, in order", names, ["derived", "full"])

    for label, extra, needle in (
            ("save --threads many", ["--threads", "many"], "--threads: expected a whole number 1..1024"),
            ("save a bad pattern", ["--pattern", "ramp(1, 2"], "at column"),
            ("save an unknown option", ["--bogus", "1"], "unknown option '--bogus'"),
            ("save a bad --max-latency", ["--max-latency", "500ms"], "p99:500ms"),
            ("save a bad --out", ["--out", "xml:f"], "json:FILE"),
    ):
        r = fails(label, ["profile", "save", "x", "--profiles", folder, *extra])
        checks.check(f"{label}: says what is wrong", needle in r.err, f"{r.err!r}")
        checks.check(f"{label}: nothing written", not os.path.exists(os.path.join(folder, "x.yaml")))
    fails("save a bad name", ["profile", "save", "../x", "--profiles", folder])


# ---- a JSON profile, run by its file name ------------------------------------

def json_profile(tmp):
    out = os.path.join(tmp, "json_run.json")
    path = write(os.path.join(tmp, "phases.json"), f"""{{
  "name": "phases",
  "description": "two phases",
  "tags": ["json"],
  "target": "null:",
  "workload": "noop",
  "pattern": ["constant(20, 500ms)", "constant(40, 500ms)"],
  "threads": 1,
  "seed": 99,
  "outputs": ["json:{out}"]
}}
""")
    words = args_of("phases.json", path)
    checks.eq("phases.json: the phases joined with then", opt(words, "--pattern"),
              "constant(20, 500ms) then constant(40, 500ms)")
    label = "run --profile phases.json"
    ok(label, ["run", "--profile", path, "--progress", "none"], timeout=RUN_TIMEOUT)
    check_result(label, out, {"pattern": "constant(20, 500ms) then constant(40, 500ms)", "seed": 99,
                              "ops.total": 30})


# ---- guardrails and thresholds from a profile ---------------------------------

def control(tmp):
    out = os.path.join(tmp, "control.json")
    path = write(os.path.join(tmp, "control.yaml"), """# thresholds and a guardrail
target: "null:"
workload: noop
pattern: constant(100, 3s)
threads: 1
thresholds:
  - errors<1%
  - ops>=10
""")
    label = "run --profile with thresholds, one more on the command line"
    r = run(SURGE, ["run", "--profile", path, "--threshold", "ops<=1000", "--out", f"json:{out}",
                    "--progress", "none"], timeout=RUN_TIMEOUT)
    checks.check(f"{label}: exit code 0 (all held)", r.rc == 0, r.describe())
    d = load_json(out) or {}
    checks.eq(f"{label}: the profile's thresholds, then the command line's",
              [t.get("expr") for t in d.get("thresholds") or []], ["errors<1%", "ops>=10", "ops<=1000"])
    checks.check(f"{label}: every verdict ok", all(t.get("ok") for t in d.get("thresholds") or [{}]),
                 f"{d.get('thresholds')}")

    with open(path, "a", encoding="utf-8") as f:
        f.write("guardrails:\n  max_total: 50\n")
    label = "run --profile with guardrails.max_total 50"
    r = run(SURGE, ["run", "--profile", path, "--out", f"json:{out}", "--progress", "none"], timeout=RUN_TIMEOUT)
    checks.check(f"{label}: stopped by the guardrail (its own exit code, not 0, 1 or 2)",
                 r.rc not in (None, 0, 1, 2), r.describe())
    d = load_json(out) or {}
    checks.eq(f"{label}: guardrail", d.get("guardrail"), "max-total")
    checks.eq(f"{label}: stop_reason", d.get("stop_reason"), "guardrail")
    checks.eq(f"{label}: ops.total", (d.get("ops") or {}).get("total"), 50)


# ---- errors: FILE:LINE:COLUMN and exit 2 -------------------------------------

def pos(text, needle, nth=0):
    """1-based (line, column) of the first character of needle in text."""
    i = -1
    for _ in range(nth + 1):
        i = text.index(needle, i + 1)
    line = text.count("\n", 0, i) + 1
    col = i - (text.rfind("\n", 0, i) + 1) + 1
    return line, col


BAD = [
    # name, file name, text, where (needle in the text, or (line, col)), words the message must hold
    ("unknown key", "unknown.yaml", "name: x\nworkload: noop\ntreads: 4\n", "treads",
     ["unknown key 'treads'", "did you mean 'threads'"]),
    ("a list for a number", "badtype.yaml", "name: x\nthreads: [1, 2]\n", "[1, 2]",
     ["threads", "expected a whole number", "got a list"]),
    ("a word for a number", "badint.yaml", "threads: many\n", "many", ["threads", "1..1024", '"many"']),
    ("a mapping for a string", "target.yaml", "target:\n  url: null\n", "url", ["target", "got a mapping"]),
    ("bad indentation", "indent.yaml", "name: x\nguardrails:\n  max_rate: 100\n max_total: 5\n", (4, 2),
     ["indentation"]),
    ("a tab for indentation", "tab.yaml", "name: x\nguardrails:\n\tmax_rate: 100\n", None, []),
    ("an unclosed list", "unclosed.yaml", "name: x\ntags: [a, b\n", None, []),
    ("a guardrail at the top level", "misplaced.yaml", "name: x\nmax_rate: 100\n", "max_rate",
     ["goes under guardrails"]),
    ("an unknown guardrail", "guard.yaml", "guardrails:\n  max_rate: 100\n  max_speed: 3\n", "max_speed",
     ["guardrails", "unknown key 'max_speed'"]),
    ("a bad guardrail value", "pct.yaml", "guardrails:\n  max_error_rate: lots\n", "lots",
     ["guardrails.max_error_rate", "5%"]),
    ("a bad pattern", "pattern.yaml", "name: x\npattern: 'ramp(10, 500, 60s'\n", "'ramp",
     ["pattern", "expected ')'", "at column 17"]),
    ("a bad phase", "phase.yaml", "pattern:\n  - ramp(1, 10, 1m)\n  - sine(100, 50, abc)\n", "sine",
     ["phase 2", "expected a duration"]),
    ("an endless phase before another", "endless.yaml", "pattern:\n  - constant(10)\n  - ramp(1, 2, 3s)\n",
     "- constant", ["never ends"]),
    ("a list at the top", "list.yaml", "- threads: 4\n", (1, 1), ["expected a mapping of settings"]),
    ("two documents", "two.yaml", "threads: 4\n---\nthreads: 5\n", (3, 1), ["second document"]),
    ("a JSON trailing comma", "trailing.json", '{"name": "x",\n "threads": 4,}\n', None, ["JSON"]),
    ("a JSON unknown key", "unknown.json", '{"name": "x",\n "threds": 4}\n', '"threds"',
     ["unknown key 'threds'"]),
    ("a JSON string for a list", "outs.json", '{"outputs": ["json:a.json", "xml:b"]}\n', '"xml:b"',
     ["outputs", "json:FILE"]),
]


def bad_files(tmp):
    folder = os.path.join(tmp, "bad")
    os.makedirs(folder)
    for name, fname, text, where, words in BAD:
        path = write(os.path.join(folder, fname), text)
        r = fails(f"{name}: show", ["profile", "show", path])
        checks.eq(f"{name}: nothing on stdout", r.out, "")
        first = r.err.splitlines()[0] if r.err else ""
        m = re.match(r"surge: (.+?):(\d+):(\d+): (.+)", first)
        if not checks.check(f"{name}: the message is 'surge: FILE:LINE:COLUMN: ...'", m and m.group(1) == path,
                            f"{first!r}"):
            continue
        got = (int(m.group(2)), int(m.group(3)))
        if where is not None:
            want = where if isinstance(where, tuple) else pos(text, where)
            checks.eq(f"{name}: the line and column", got, want)
        else:
            checks.check(f"{name}: a line within the file", 1 <= got[0] <= text.count("\n") + 1, f"{got}")
        for w in words:
            checks.check(f"{name}: the message says {w!r}", w in r.err, f"{r.err!r}")
    # The same errors stop `surge run` before anything runs.
    path = os.path.join(folder, "unknown.yaml")
    r = fails("run --profile with an unknown key", ["run", "--profile", path, "--progress", "none"])
    checks.check("run --profile with an unknown key: FILE:LINE:COLUMN", f"{path}:3:1: unknown key" in r.err,
                 f"{r.err!r}")
    fails("show a missing file", ["profile", "show", os.path.join(folder, "missing.yaml")])
    r = fails("show an empty file", ["profile", "show", write(os.path.join(folder, "empty.yaml"), "")])
    checks.check("show an empty file: says it is empty", "empty" in r.err, f"{r.err!r}")
    # A folder with a broken profile still lists the others, and exits 2.
    r = run(SURGE, ["profile", "list", "--profiles", folder])
    checks.eq("list with broken profiles: exit code 2", r.rc, 2)


# ---- the shipped examples ----------------------------------------------------

def examples():
    files = sorted(f for f in os.listdir(EXAMPLES) if f.endswith((".yaml", ".yml", ".json")))
    for want in ("stress-ramp.yaml", "daily-traffic.yaml", "chaos.yaml", "smoke.json"):
        checks.check(f"examples/profiles/{want} is there", want in files, f"{files}")
    for f in files:
        path = os.path.join(EXAMPLES, f)
        r = ok(f"example {f}: show", ["profile", "show", path])
        checks.eq(f"example {f}: show prints nothing on stderr", r.err, "")
        words = args_of(f"example {f}", path)
        pattern = opt(words, "--pattern")
        if not checks.check(f"example {f}: has a pattern", pattern is not None, f"{words}"):
            continue
        r = ok(f"example {f}: show --pattern", ["profile", "show", path, "--pattern"])
        checks.eq(f"example {f}: show --pattern prints the pattern of --args", r.out, pattern + "\n")
        r = ok(f"example {f}: surge plan of its pattern", ["plan", pattern, "--json"])
        plan = load_json_text(r.out)
        length = plan.get("duration_s") if plan else None
        scale = float(opt(words, "--time-scale") or 1)
        checks.check(f"example {f}: the pattern ends", isinstance(length, (int, float)), f"{length}")
        if isinstance(length, (int, float)):
            checks.check(f"example {f}: runs in at most 6 minutes (time_scale {scale:g})", length / scale <= 360,
                         f"{length} s / {scale}")
        if f == "daily-traffic.yaml":
            checks.eq(f"example {f}: a whole day", length, 86400)
            checks.eq(f"example {f}: compressed to 2 minutes", (length or 0) / scale, 120)
            checks.check(f"example {f}: sine and burst phases",
                         "sine(" in pattern and "burst(" in pattern and pattern.count(" then ") == 4, pattern)
        if f == "chaos.yaml":
            checks.check(f"example {f}: bursts, steps and a spike", all(s in pattern for s in
                                                                        ("burst(", "step(", "points(")), pattern)
        if f == "stress-ramp.yaml":
            checks.check(f"example {f}: guardrails and thresholds",
                         all(o in words for o in ("--max-error-rate", "--max-latency", "--threshold")), f"{words}")


def load_json_text(text):
    import json
    try:
        return json.loads(text)
    except ValueError:
        return None


def main():
    with tempfile.TemporaryDirectory(prefix="surge-profile-") as tmp:
        round_trip(tmp)
        explicit_folder(tmp)
        json_profile(tmp)
        control(tmp)
        bad_files(tmp)
        examples()
    checks.finish()


if __name__ == "__main__":
    main()
