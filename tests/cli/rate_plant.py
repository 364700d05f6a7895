"""rate_plant.py - a synthetic "server" for the open-loop --cpu-target test (not a test itself).

    python3 rate_plant.py LINES_FILE STATE_FILE OPS_PER_PCT

Used as `--watch cmd:...`: each call counts the lines surge has written to
LINES_FILE since the previous call (kept in STATE_FILE) and prints the
"CPU" a server would show if every OPS_PER_PCT operations per second cost
one percent: a plant exactly proportional to the rate, so the controller's
answer is known in advance (target x OPS_PER_PCT).
"""
import json
import os
import sys
import time

lines_file, state_file, per_pct = sys.argv[1], sys.argv[2], float(sys.argv[3])
now = time.monotonic()
try:
    with open(lines_file, "rb") as f:
        lines = f.read().count(b"\n")
except OSError:
    lines = 0
try:
    with open(state_file) as f:
        prev = json.load(f)
except (OSError, ValueError):
    prev = None
with open(state_file + ".tmp", "w") as f:
    json.dump({"t": now, "lines": lines}, f)
os.replace(state_file + ".tmp", state_file)
if not prev or now <= prev["t"]:
    print("0")
else:
    rate = (lines - prev["lines"]) / (now - prev["t"])
    print("%.2f" % min(100.0, rate / per_pct))
