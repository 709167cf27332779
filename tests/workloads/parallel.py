"""parallel.py SECONDS [TRUTH.json]: four threads running Python at the same
time (a free-threaded build runs them in parallel, one per CPU), each in a
function of its own, for 100 %, 75 %, 50 % and 25 % of SECONDS of wall time.
With TRUTH, each function's thread CPU time (time.thread_time() in its own
thread) is written there at the end: the in-process truth of its share."""
import json
import sys
import threading
import time


def par_one(end, out):
    t0, x = time.thread_time(), 0
    while time.monotonic() < end: x += 1  # HOT-1
    out["par_one"] = time.thread_time() - t0


def par_two(end, out):
    t0, x = time.thread_time(), 0
    while time.monotonic() < end: x += 2  # HOT-2
    out["par_two"] = time.thread_time() - t0


def par_three(end, out):
    t0, x = time.thread_time(), 0
    while time.monotonic() < end: x += 3  # HOT-3
    out["par_three"] = time.thread_time() - t0


def par_four(end, out):
    t0, x = time.thread_time(), 0
    while time.monotonic() < end: x += 4  # HOT-4
    out["par_four"] = time.thread_time() - t0


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 4.0
    truth = sys.argv[2] if len(sys.argv) > 2 else None
    out = {}
    w0 = time.monotonic()
    fns = (par_one, par_two, par_three, par_four)
    ts = [threading.Thread(target=f, args=(w0 + seconds * (4 - i) / 4, out)) for i, f in enumerate(fns)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    out["wall"] = time.monotonic() - w0
    out["gil"] = getattr(sys, "_is_gil_enabled", lambda: True)()
    if truth:
        with open(truth, "w") as f:
            json.dump(out, f)


if __name__ == "__main__":
    main()
