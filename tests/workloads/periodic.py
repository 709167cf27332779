"""Periodic work: every PERIOD seconds (wall clock, on a fixed schedule)
run_a() spins for SHARE of the period, then run_b() for the rest. A sampler
whose period equals or nearly equals PERIOD sees the same phase at every
sample (aliasing). The in-process truth, each function's thread CPU time,
is written to OUT as JSON.

    periodic.py PERIOD SECONDS SHARE OUT
"""
import json
import sys
import time


def run_a(until):
    x = 0
    while time.perf_counter() < until:
        x += 1  # A
    return x


def run_b(until):
    x = 0
    while time.perf_counter() < until:
        x += 1  # B
    return x


def main():
    period, seconds, share, out = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
    cpu = {"a": 0.0, "b": 0.0}
    start = time.perf_counter()
    k = 0
    while True:
        t0 = start + k * period
        if t0 - start >= seconds:
            break
        c = time.thread_time()
        run_a(t0 + share * period)
        c2 = time.thread_time()
        run_b(t0 + period)
        c3 = time.thread_time()
        cpu["a"] += c2 - c
        cpu["b"] += c3 - c2
        k += 1
    with open(out, "w") as f:
        json.dump(cpu, f)


if __name__ == "__main__":
    main()
