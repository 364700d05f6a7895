"""stress_consumer.py - a JSON-lines consumer with a fixed capacity, for the
stress tests (not a test itself).

    python3 stress_consumer.py --rate 300 --count-file F

Reads one JSON message per line on stdin and acknowledges it (`ack <id>` on
stdout), but works like a server with one worker that needs 1/RATE s per
message: each message is done 1/RATE s after the later of its arrival and
the previous message's end. It can keep up with anything under RATE
messages/s and no more: above, the backlog grows in its stdin pipe.

On EOF it appends one JSON line to --count-file: how many lines it read,
how many it acknowledged, how many were not valid JSON, and the monotonic
times of the first and last line (its own measure of the rate it worked
at). One surge run starts one consumer, so the file gets one line per
level: the test's independent count of what reached the consumer.
"""
import argparse
import json
import os
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("--rate", type=float, required=True)
ap.add_argument("--count-file", required=True)
a = ap.parse_args()

step = 1.0 / a.rate
lines = acked = bad = 0
first = last = None
busy_until = 0.0
for line in sys.stdin:
    now = time.monotonic()
    lines += 1
    if first is None:
        first = now
    busy_until = max(busy_until, now) + step
    delay = busy_until - time.monotonic()
    if delay > 0:
        time.sleep(delay)
    try:
        mid = json.loads(line)["id"]
    except (ValueError, KeyError, TypeError):
        bad += 1
        continue
    print(f"ack {mid}", flush=True)
    acked += 1
    last = time.monotonic()

with open(a.count_file, "a") as f:
    f.write(json.dumps({"pid": os.getpid(), "lines": lines, "acked": acked, "bad": bad,
                        "first": first, "last": last}) + "\n")
