"""Ground truth for the <gc> frame (docs/usdt.md): a known share of this
thread's CPU time is spent inside garbage collections called from one
function, collect_here, the rest in plain Python that never collects.

    gcshare.py CPU_SECONDS GO OUT.json

Automatic GC off. Prints its PID, waits for the file GO, then repeats:
make_garbage (reference cycles, allocation only), collect_here
(gc.collect()), spin (a loop), each call timed with time.thread_time(),
until the thread has spent CPU_SECONDS. OUT.json gets {"collect_here": s,
"make_garbage": s, "spin": s, "cpu": s, "collections": n}; then it prints
"done" and sleeps until killed (its memory stays readable)."""
import gc
import json
import os
import sys
import time


class Node:
    def __init__(self):
        self.ref = None


def make_garbage(n):
    for _ in range(n):
        a, b = Node(), Node()
        a.ref, b.ref = b, a     # a cycle: only the collector frees it


def collect_here():
    return gc.collect()


def spin(n):
    x = 0
    for i in range(n):
        x += i * i % 7
    return x


def main():
    seconds, go, out = float(sys.argv[1]), sys.argv[2], sys.argv[3]
    gc.disable()
    gc.collect()
    print(os.getpid(), flush=True)
    while not os.path.exists(go):
        time.sleep(0.01)
    cpu = time.thread_time
    spent = {"collect_here": 0.0, "make_garbage": 0.0, "spin": 0.0}
    collections = 0
    c0 = cpu()
    while cpu() - c0 < seconds:
        t0 = cpu()
        make_garbage(20000)
        t1 = cpu()
        collect_here()
        t2 = cpu()
        spin(60000)
        t3 = cpu()
        spent["make_garbage"] += t1 - t0
        spent["collect_here"] += t2 - t1
        spent["spin"] += t3 - t2
        collections += 1
    res = dict(spent, cpu=cpu() - c0, collections=collections)
    with open(out, "w") as f:
        json.dump(res, f)
    print("done", flush=True)
    time.sleep(600)


if __name__ == "__main__":
    main()
