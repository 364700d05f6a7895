"""queue_consumer.py - a small JSON-lines consumer for the exec: tests (not a test itself).

    python3 queue_consumer.py --delay-ms D [--drop-every N] [--crash-after N] [--count-file F]

Reads one JSON message per line on stdin; for each, waits D ms ("work"),
then prints `ack <id>` on stdout, except every N-th message (--drop-every),
which it never acknowledges. With --crash-after N it exits with status 3
after reading N lines. On EOF it writes how many lines it read (and which
ids it dropped) to --count-file, then exits 0: that file is the test's
independent count of what reached the consumer.
"""
import argparse
import json
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("--delay-ms", type=float, default=0)
ap.add_argument("--drop-every", type=int, default=0)
ap.add_argument("--crash-after", type=int, default=0)
ap.add_argument("--count-file")
a = ap.parse_args()

n, dropped, bad = 0, [], 0
for line in sys.stdin:
    n += 1
    if a.crash_after and n >= a.crash_after:
        sys.exit(3)
    try:
        msg = json.loads(line)
    except ValueError:
        bad += 1
        continue
    if a.delay_ms:
        time.sleep(a.delay_ms / 1000)
    mid = msg.get("id") or msg.get("meta", {}).get("run_id")
    if a.drop_every and n % a.drop_every == 0:
        dropped.append(mid)
        continue
    print(f"ack {mid}", flush=True)

if a.count_file:
    with open(a.count_file, "w") as f:
        json.dump({"lines": n, "bad": bad, "dropped": dropped}, f)
