"""Share-accuracy workload: three identical loops called 6:3:1, each call
timed with time.thread_time() (this thread's CPU time), so the truth a
profile is checked against is measured in the process, not assumed: under
CPU contention (cache and TLB pressure, a sibling hyperthread busy) the
time per iteration may differ from the iteration ratio.

    shares.py CPU_SECONDS [OUT.json [MAX_WALL]]

Runs until the thread has spent CPU_SECONDS of CPU time (so a profile of
it holds a known number of samples however busy the host is), or for at
most MAX_WALL seconds of wall time (default 4 x CPU_SECONDS). OUT.json gets {"work_a": s, "work_b": s, "work_c": s, "cycles": n,
"cpu": s, "wall": s}: CPU seconds inside each function, the cycles run,
the thread's CPU time and the wall time of the run. Without OUT it is
printed. Each call spans many sample periods (a cycle close to the
sampling period would alias)."""
import json
import sys
import time


def work_a(n):
    x = 0
    for i in range(n): x += i * i % 7  # HOT-A
    return x


def work_b(n):
    x = 0
    for i in range(n): x += i * i % 7  # HOT-B
    return x


def work_c(n):
    x = 0
    for i in range(n): x += i * i % 7  # HOT-C
    return x


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 5.0
    max_wall = float(sys.argv[3]) if len(sys.argv) > 3 else 4 * seconds
    unit = 100_000
    spent = {"work_a": 0.0, "work_b": 0.0, "work_c": 0.0}
    cpu = time.thread_time
    cycles = 0
    t0, c0 = time.monotonic(), cpu()
    end, cpu_end = t0 + max_wall, c0 + seconds
    while cpu() < cpu_end and time.monotonic() < end:
        s = cpu()
        work_a(6 * unit)
        m = cpu()
        spent["work_a"] += m - s
        work_b(3 * unit)
        s = cpu()
        spent["work_b"] += s - m
        work_c(1 * unit)
        spent["work_c"] += cpu() - s
        cycles += 1
    out = dict(spent, cycles=cycles, cpu=cpu() - c0, wall=time.monotonic() - t0)
    if len(sys.argv) > 2:
        with open(sys.argv[2], "w") as f:
            json.dump(out, f)
    else:
        print(json.dumps(out))


if __name__ == "__main__":
    main()
