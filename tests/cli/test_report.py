"""test_report.py - `surge report RESULT.json -o FILE.html`, end to end.

A real run writes a result; its report must hold that result (the same
JSON, with only '<' escaped), uPlot's code and our renderer inline, and
nothing that loads from the network. A result whose strings hold
"</script>" must not break out of the data element. Files that are not
results exit 2 with one line on stderr and leave an older report alone.
"""
import json
import os
import re
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from helpers import Checks, binary_from_argv, load_json, run  # noqa: E402

SURGE = binary_from_argv()
checks = Checks("test_report")

DATA_RE = re.compile(r'<script type="application/json" id="surge-result"([^>]*)>(.*?)</script>', re.S)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def embedded(html):
    """The result embedded in a report, parsed, and the data-seed attribute."""
    m = DATA_RE.search(html)
    if not m:
        return None, None
    seed = re.search(r'data-seed="(\d+)"', m.group(1))
    return json.loads(m.group(2)), seed.group(1) if seed else None


def check_page(label, html):
    checks.check(f"{label}: a whole HTML document", html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>"))
    checks.check(f"{label}: uPlot's code is inline", "var uPlot=" in html)
    checks.check(f"{label}: uPlot's CSS is inline", ".uplot" in html)
    checks.check(f"{label}: our renderer is inline", "const Surge" in html and "surge-result" in html)
    refs = re.findall(r'<(?:script|link|img|iframe)[^>]*(?:src|href)\s*=\s*["\']?[^"\'> ]*', html, re.I)
    checks.eq(f"{label}: no script, link or image loaded from anywhere", refs, [])
    checks.eq(f"{label}: no url() in the CSS pointing outside", re.findall(r"url\(\s*['\"]?https?:", html, re.I), [])
    checks.check(f"{label}: a policy forbids loading anything", "default-src &#39;none&#39;" in html)
    opens, closes = len(re.findall(r"<script", html)), len(re.findall(r"</script", html, re.I))
    checks.eq(f"{label}: every </script> closes one of the 4 scripts", (opens, closes), (4, 4))


with tempfile.TemporaryDirectory() as tmp:
    result = os.path.join(tmp, "r.json")
    r = run(SURGE, ["run", "sqlite:" + os.path.join(tmp, "t.db"), "--workload", "noop", "--duration", "2s",
                    "--out", "json:" + result])
    checks.check("run: exit 0", r.rc == 0, r.describe())
    d = load_json(result)
    checks.check("run: the result parses", isinstance(d, dict))

    h = run(SURGE, ["report", "--help"])
    if not checks.check("surge report exists", h.rc == 0 and "report" in h.out,
                        "surge report is not wired into cli/main.c: " + h.describe()):
        checks.finish()

    page = os.path.join(tmp, "f.html")
    r = run(SURGE, ["report", result, "-o", page])
    checks.check("report: exit 0", r.rc == 0, r.describe())
    checks.eq("report: nothing on stderr", r.err, "")
    html = read(page) if os.path.exists(page) else ""
    check_page("report", html)
    got, seed = embedded(html)
    checks.eq("report: the embedded result is the result file", got, d)
    if isinstance(d, dict):
        checks.eq("report: data-seed holds the seed's exact digits", seed, str(d.get("seed")))
    mask = os.umask(0)
    os.umask(mask)
    if os.path.exists(page):
        checks.eq("report: created with the usual mode (0666 less the umask)", os.stat(page).st_mode & 0o777,
                  0o666 & ~mask)

    # surge run --out html:FILE writes the same report at the end of the run.
    if "html:" in run(SURGE, ["run", "--help"]).out:
        rj, rh = os.path.join(tmp, "run.json"), os.path.join(tmp, "run.html")
        r = run(SURGE, ["run", "null:", "--workload", "noop", "--duration", "1s", "--out", "json:" + rj,
                        "--out", "html:" + rh])
        checks.check("run --out html: exit 0", r.rc == 0, r.describe())
        html = read(rh) if os.path.exists(rh) else ""
        check_page("run --out html", html)
        checks.eq("run --out html: embeds the run's result", embedded(html)[0], load_json(rj))
    else:
        print("note: surge run has no --out html:FILE yet: not tested")

    # Default output name: the input's, .json -> .html.
    r = run(SURGE, ["report", result])
    checks.check("report without -o: exit 0, writes r.html", r.rc == 0 and os.path.exists(os.path.join(tmp, "r.html")),
                 r.describe())

    # Strings that would end the script element early.
    if isinstance(d, dict):
        evil = dict(d)
        evil["workload"] = "</script><script>document.title='pwned'</script>"
        evil["target"] = "sqlite:<!--<script>x.db"
        evil["errors"] = {"</SCRIPT\n>": 1}
        path = os.path.join(tmp, "evil.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(evil, f, ensure_ascii=False)
        out = os.path.join(tmp, "evil.html")
        r = run(SURGE, ["report", path, "-o", out])
        checks.check("hostile strings: exit 0", r.rc == 0, r.describe())
        html = read(out) if os.path.exists(out) else ""
        check_page("hostile strings", html)
        checks.check("hostile strings: no raw </script> or <!-- from the data",
                     "pwned'</script>" not in html and "<!--<script>" not in html)
        checks.check("hostile strings: escaped as \\u003c", "\\u003c/script>" in html)
        checks.eq("hostile strings: the data reads back the same", embedded(html)[0], evil)

    # Not results: exit 2, one line, and an existing report left alone.
    keep = os.path.join(tmp, "keep.html")
    with open(keep, "w") as f:
        f.write("old report")
    bad_inputs = [
        ("truncated JSON", '{"target": "sqlite:x", "ops": {"total": 1', "not valid JSON: line 1"),
        ("trailing comma", '{"a": 1,}', "expected a string key"),
        ("an array", "[1, 2]", "expected a surge result (a JSON object), got an array"),
        ("empty file", "", "expected a JSON value"),
        ("NUL byte", '{"a": "\0"}', "NUL byte"),
    ]
    for label, text, want in bad_inputs:
        path = os.path.join(tmp, "bad.json")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        r = run(SURGE, ["report", path, "-o", keep])
        checks.eq(f"{label}: exit 2", r.rc, 2)
        lines = r.err.strip().splitlines()
        checks.check(f"{label}: one line naming the file and the problem",
                     len(lines) == 1 and "bad.json" in lines[0] and want in lines[0], f"{r.err!r}")
        checks.eq(f"{label}: the old report is untouched", read(keep), "old report")
    leftovers = [n for n in os.listdir(tmp) if n.startswith("keep.html.")]
    checks.eq("no temporary files left behind", leftovers, [])

    for label, args, want in [
        ("missing file", ["report", os.path.join(tmp, "nope.json")], "cannot read"),
        ("no file", ["report"], "no result file given"),
        ("unknown option", ["report", result, "--bogus"], "unknown option '--bogus'"),
        ("-o without a name", ["report", result, "-o"], "needs a file name"),
        ("two inputs", ["report", result, result], "unexpected argument"),
    ]:
        r = run(SURGE, args)
        checks.eq(f"{label}: exit 2", r.rc, 2)
        checks.check(f"{label}: says why", want in r.err and len(r.err.strip().splitlines()) == 1, f"{r.err!r}")

    r = run(SURGE, ["report", result, "-o", os.path.join(tmp, "no", "such", "dir.html")])
    checks.check("unwritable output: exit 2 with the reason", r.rc == 2 and "cannot write" in r.err, r.describe())

checks.finish()
