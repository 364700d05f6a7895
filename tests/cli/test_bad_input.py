"""test_bad_input.py - a table of bad command lines and the error each must give.

Every case must exit 2, print nothing on stdout, and say what is wrong in
one short message on stderr: the first line starts with "surge: " and
contains the case's substrings; at most 3 lines (a pattern error adds the
expression and a caret line under the offending column).

The options `surge run --help` lists are each tried without their value,
so the help and the parser can't drift apart.

For pattern errors the expected column is computed here from the
expression itself, not taken from surge: the caret must sit under it, and
the "at column N" in the message must agree. An error at the end of the
input points at the last character written (pattern_parse.c's rule).

No case may create a file, neither the database it names nor an output:
bad input is caught before anything is connected or written.
"""
import os
import re
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from helpers import Checks, binary_from_argv, run  # noqa: E402

SURGE = binary_from_argv()
checks = Checks("test_bad_input")
WORKDIR = None   # the temporary directory every case runs in


def col_of(expr, token, offset=0):
    """1-based column of the first character of token (plus offset) in expr."""
    i = expr.index(token)
    return i + offset + 1


def col_at_end(expr):
    """1-based column of the last non-blank character: where an expression
    that stops short is shown as stopping."""
    return len(expr.rstrip())


def check_caret(label, stderr, expr, col, token=None):
    """The caret line's '^' is under column col of the expression line.

    The expression line is the one just above the caret line; its text may
    be indented (and cut with "..." when long), so the indent is found by
    locating the expression (or, when cut, the token) in it."""
    lines = stderr.rstrip("\n").split("\n")
    carets = [i for i, l in enumerate(lines) if l.strip() == "^"]
    if not checks.check(f"{label}: has one caret line", len(carets) == 1 and carets[0] >= 1,
                        f"stderr={lines!r}"):
        return
    exprline, caretline = lines[carets[0] - 1], lines[carets[0]]
    at = caretline.index("^")
    shown = expr.replace("\n", " ").replace("\r", " ")
    if not shown.strip():
        # Only blanks: the expression is what ends the line.
        indent = len(exprline) - len(shown)
        checks.eq(f"{label}: caret under column {col}", at - indent + 1, col)
    elif shown in exprline:
        indent = exprline.index(shown)
        checks.eq(f"{label}: caret under column {col}", at - indent + 1, col)
    else:
        # A long expression is shown cut: then the caret must point at the token.
        checks.check(f"{label}: caret under '{token}' in the cut expression",
                     token is not None and exprline[at:].startswith(token),
                     f"line={exprline!r} caret at {at}")
    checks.check(f"{label}: message says 'at column {col}'", f"at column {col}" in lines[0],
                 f"first line={lines[0]!r}")


def expect_error(label, args, needles, expr=None, col=None, token=None):
    before = set(os.listdir(WORKDIR))
    r = run(SURGE, args, timeout=20, cwd=WORKDIR)
    created = set(os.listdir(WORKDIR)) - before
    checks.check(f"{label}: no file created (database or output)", not created, f"created {sorted(created)}")
    for name in created:   # so one wrongly accepted line doesn't fail the next cases too
        os.remove(os.path.join(WORKDIR, name))
    checks.eq(f"{label}: exit code 2", r.rc, 2)
    checks.eq(f"{label}: nothing on stdout", r.out, "")
    lines = r.err.rstrip("\n").split("\n") if r.err.strip() else []
    first = lines[0] if lines else ""
    checks.check(f"{label}: first stderr line starts with 'surge: '", first.startswith("surge: "),
                 f"stderr={r.err!r}")
    checks.check(f"{label}: at most 3 lines of stderr", 1 <= len(lines) <= 3, f"{len(lines)} lines: {r.err!r}")
    for n in needles:
        checks.check(f"{label}: message mentions {n!r}", n in first, f"first line={first!r}")
    if expr is not None:
        check_caret(label, r.err, expr, col, token)
    elif lines:
        checks.check(f"{label}: no caret line (not a pattern error)", not any(l.strip() == "^" for l in lines),
                     f"stderr={r.err!r}")


HELP_LINE = re.compile(r"^\s+(?:-(\w), )?--([a-z][a-z-]*)(?: (\S+))?\s{2,}\S")


def check_help_matches_parser(R):
    """Every option `surge run --help` lists is one the parser knows: one
    that takes a value complains it needs one, a flag that it takes none,
    and the short name means the same option as the long one."""
    r = run(SURGE, ["run", "--help"])
    checks.eq("run --help: exit code 0", r.rc, 0)
    opts = [m.groups() for m in map(HELP_LINE.match, r.out.splitlines()) if m]
    checks.check("run --help: lists the options", len(opts) >= 15, f"{len(opts)} found in {r.out[:300]!r}")
    for short, name, arg in opts:
        if name == "help":
            continue
        if arg:
            expect_error(f"--{name} without its {arg}", R(f"--{name}"), [f"--{name}", "value"])
            if short:
                expect_error(f"-{short} without its {arg}", R(f"-{short}"), [f"--{name}", "value"])
        else:
            expect_error(f"--{name}=x (a flag)", R(f"--{name}=x"), [f"--{name}"])


def main():
    global WORKDIR
    with tempfile.TemporaryDirectory(prefix="surge-bad-") as tmp:
        WORKDIR = tmp
        db = os.path.join(tmp, "untouched.db")
        target = f"sqlite:{db}"

        def R(*args):
            # A short duration first, so a bad line that is wrongly accepted
            # ends quickly (and fails) instead of running for 10 s; options
            # given later in args win.
            return ["run", target, "--duration", "2s", "--progress", "none", *args]

        # ---- options -------------------------------------------------------
        expect_error("unknown option", R("--conections", "5"), ["--conections"])
        expect_error("unknown option with =", R("--conections=5"), ["--conections"])
        expect_error("unknown short option", R("-x"), ["-x"])
        expect_error("connections not a number", R("--connections", "abc"), ["--connections", "abc"])
        expect_error("connections=abc", R("--connections=abc"), ["--connections", "abc"])
        expect_error("connections zero", R("--connections", "0"), ["--connections", "0"])
        expect_error("connections negative", R("--connections", "-3"), ["--connections", "-3"])
        expect_error("connections overflow", R("--connections", "99999999999999999999999"),
                     ["--connections", "99999999999999999999999"])
        expect_error("connections missing value", R("-c"), ["--connections"])
        expect_error("threads zero", R("--threads", "0"), ["--threads", "0"])
        expect_error("transactions zero", R("--transactions", "0"), ["--transactions"])
        expect_error("seed negative", R("--seed", "-1"), ["--seed", "-1"])
        expect_error("duration bad unit", R("--duration", "10x"), ["--duration", "10x"])
        expect_error("duration zero", R("--duration", "0"), ["--duration"])
        expect_error("duration negative", R("--duration", "-5s"), ["--duration", "-5s"])
        expect_error("duration without a value", R("--duration"), ["--duration"])
        expect_error("interval too small", R("--interval", "1ms"), ["--interval", "1ms"])
        expect_error("warmup not a duration", R("--warmup", "abc"), ["--warmup", "abc"])
        expect_error("think min > max", R("--think", "50ms..10ms"), ["--think", "50ms..10ms"])
        expect_error("flag given a value", R("--fresh=yes"), ["--fresh"])
        expect_error("progress unknown", R("--progress", "fancy"), ["--progress", "fancy"])
        expect_error("arrivals unknown", R("--pattern", "constant(10, 1s)", "--arrivals", "weird"),
                     ["--arrivals", "weird"])
        expect_error("arrivals without a value", R("--arrivals"), ["--arrivals"])
        expect_error("second target", R("null:"), ["null:"])

        check_help_matches_parser(R)

        # ---- --mix ---------------------------------------------------------
        expect_error("mix unknown operation", R("--mix", "bogus_op=1"), ["--mix", "bogus_op"])
        expect_error("mix negative weight", R("--mix", "new_customer_order=-1"),
                     ["--mix", "new_customer_order", "-1"])
        expect_error("mix weight not a number", R("--mix", "new_customer_order=abc"), ["--mix", "abc"])
        expect_error("mix without '='", R("--mix", "new_customer_order"), ["--mix", "new_customer_order"])
        expect_error("mix all zero", R("--mix", "new_customer_order=0,advance_order_status=0,"
                                       "new_order_existing_customer=0,update_customer_email=0,"
                                       "delete_pending_item=0"), ["--mix"])
        expect_error("mix op of another workload", R("--workload", "noop", "--mix", "new_customer_order=1"),
                     ["--mix", "new_customer_order"])
        # On null:, so that if it is wrongly accepted the run is over at once.
        expect_error("mix empty",
                     ["run", "null:", "--transactions", "100", "--progress", "none", "--mix", ""], ["--mix"])

        # ---- workload, target, outputs ------------------------------------
        expect_error("unknown workload", R("--workload", "nope"), ["nope"])
        expect_error("empty workload", R("--workload", ""), ["workload"])
        expect_error("unknown target scheme", ["run", "foo://x", "--duration", "2s"], ["foo://x"])
        expect_error("sqlite without a path", ["run", "sqlite:", "--duration", "2s"], ["sqlite:"])
        expect_error("unopenable database path",
                     ["run", "sqlite:/nonexistent-dir/x.db", "--duration", "2s", "--progress", "none"],
                     ["/nonexistent-dir/x.db"])
        notdb = os.path.join(tmp, "notdb.txt")
        with open(notdb, "w") as f:
            f.write("this is not a database, " * 20)
        expect_error("file that is not a database",
                     ["run", f"sqlite:{notdb}", "--duration", "2s", "--progress", "none"], [notdb])
        checks.check("file that is not a database: left unchanged",
                     open(notdb).read() == "this is not a database, " * 20)
        expect_error("out kind unknown", R("--out", "xml:foo"), ["--out", "xml:foo"])
        expect_error("out without a file name", R("--out", "json:"), ["--out"])
        nodir = os.path.join(tmp, "no-such-dir", "r.json")
        expect_error("out json into a missing directory", R("--out", f"json:{nodir}"), ["--out", nodir])
        nodir_csv = os.path.join(tmp, "no-such-dir", "r.csv")
        expect_error("out csv into a missing directory", R("--out", f"csv:{nodir_csv}"), ["--out", nodir_csv])
        expect_error("out into a directory", R("--out", f"json:{tmp}"), ["--out", tmp])

        # ---- commands ------------------------------------------------------
        expect_error("unknown command", ["bogus"], ["bogus"])
        expect_error("workloads unknown name", ["workloads", "nope"], ["nope"])
        expect_error("plan without a pattern", ["plan"], ["plan", "pattern"])
        expect_error("plan unknown option", ["plan", "--bogus"], ["--bogus"])
        expect_error("plan extra argument", ["plan", "ramp(1, 2, 3s)", "extra"], ["extra"])
        expect_error("plan bad duration", ["plan", "ramp(1, 2, 3s)", "--duration", "soon"], ["--duration", "soon"])

        # ---- patterns: the caret under the offending column -------------
        e = "ramp(10, 500"
        expect_error("pattern unclosed", R("--pattern", e), ["pattern", "')'"], e, col_at_end(e))
        e = "rmap(1,2,3s)"
        expect_error("pattern unknown shape", R("--pattern", e), ["pattern", "rmap"], e, col_of(e, "rmap"))
        e = "sine(base=100, amp=50)"
        # The period is missing: the shape closes without it.
        expect_error("pattern sine without period", R("--pattern", e), ["pattern", "period"], e, col_of(e, ")"))
        e = "ramp(10, 500, 3x)"
        expect_error("pattern unknown unit", R("--pattern", e), ["pattern", "x"], e, col_of(e, "3x", 1))
        e = "ramp(10, 500, 60s) tehn ramp(1, 2, 3s)"
        expect_error("pattern misspelt then", R("--pattern", e), ["pattern", "tehn"], e, col_of(e, "tehn"))
        e = "constant(-5, 1s)"
        expect_error("pattern negative rate", R("--pattern", e), ["pattern", "-5"], e, col_of(e, "-5"))
        e = "ramp(a, 500, 60s)"
        expect_error("pattern rate not a number", R("--rate", e), ["pattern", "'a'"], e, col_of(e, "a,"))
        e = "burst(500, on=5s, off=10s, count=-1)"
        expect_error("pattern negative count", R("--pattern", e), ["count", "-1"], e, col_of(e, "-1"))
        e = "ramp(10, 500, 60s) then"
        expect_error("pattern ends after then", R("--pattern", e), ["then"], e, col_at_end(e))
        e = "ramp(10,\n500, 3x)"
        expect_error("pattern with a newline", R("--pattern", e), ["pattern"], e, col_of(e, "3x", 1))
        e = " then ".join(["constant(100, 1s)"] * 6) + " then rmap(1)"
        expect_error("long pattern, cut for display", R("--pattern", e), ["rmap"], e, col_of(e, "rmap"), "rmap")
        e = ""
        expect_error("pattern empty", R("--pattern", e), ["pattern"], e, 1)
        e = "ramp(10, 500"
        expect_error("plan pattern unclosed", ["plan", e], ["pattern", "')'"], e, col_at_end(e))
        e = "sine(base=100, amp=50)"
        expect_error("plan sine without period", ["plan", e, "--json"], ["period"], e, col_of(e, ")"))

    checks.finish()


if __name__ == "__main__":
    main()
