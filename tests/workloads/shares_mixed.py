"""Like shares.py, but the three functions do different kinds of work, so
CPU contention need not slow them alike (the truth may move under load;
the profile must follow the truth, not the quiet-machine ratio):

    work_a  integer arithmetic in registers and the small-int cache
    work_b  allocation: short-lived tuples, lists and dicts
    work_c  memory-bound: dependent reads, a page apart, over a 64 MiB array

    shares_mixed.py CPU_SECONDS [OUT.json [MAX_WALL]]   (as shares.py)"""
import json
import sys
import time
from array import array

N = 8 << 20                   # 8 Mi slots of 8 bytes: far beyond the caches
S = 5_184_511                 # odd: i -> i + S mod N visits every slot once
NEXT = array("q", range(S, N)) + array("q", range(0, S))


def work_a(n):
    x = 0
    for i in range(n): x = (x + i * 7) % 1000  # HOT-A
    return x


def work_b(n):
    keep = None
    for i in range(n): keep = [(i, i), {"k": i}]  # HOT-B
    return keep


def work_c(n):
    j = 0
    for _ in range(n): j = NEXT[j]  # HOT-C
    return j


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 5.0
    max_wall = float(sys.argv[3]) if len(sys.argv) > 3 else 4 * seconds
    spent = {"work_a": 0.0, "work_b": 0.0, "work_c": 0.0}
    cpu = time.thread_time
    cycles = 0
    t0, c0 = time.monotonic(), cpu()
    end, cpu_end = t0 + max_wall, c0 + seconds
    while cpu() < cpu_end and time.monotonic() < end:
        s = cpu()
        work_a(600_000)
        m = cpu()
        spent["work_a"] += m - s
        work_b(200_000)
        s = cpu()
        spent["work_b"] += s - m
        work_c(20_000)
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
