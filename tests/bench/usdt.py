#!/usr/bin/python3
"""What CPython's static markers cost (docs/usdt.md; root, not a test).

Three workloads, each run three ways, interleaved, ROUNDS times (median of
the workload's own CPU time: a uprobe's cost is spent in the target):
  base   no coldbpf
  sample coldbpf -p PID --usdt none (sampling only, 99 Hz)
  usdt   coldbpf -p PID --usdt gc,import
gcmicro: 200,000 gc.collect(0) on an almost empty heap: the cost of one
        collection's two marker hits, nearly alone
gc:     allocation-heavy code whose reference cycles make CPython collect
        generation 0 thousands of times (automatic GC, default thresholds)
import: 2000 fresh small modules imported one after another
The workload starts its timed part only once coldbpf's markers are attached
(their semaphores raised in its memory, read through /proc/PID/mem), and
prints its time and how many collections or imports it made; the overhead
per event is (usdt - sample) / events.

  BENCH_PYTHON=/usr/bin/python3.11 BENCH_ROUNDS=7 python3 tests/bench/usdt.py
  BENCH_PYTHON="tests/tools/chroot-python /var/cache/coldbpf/roots/sid python3.15" ...
"""
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from t_usdt import sdt_notes, semaphores  # noqa: E402

COLDBPF = os.environ.get("COLDBPF", os.path.join(ROOT, "build", "coldbpf"))
PY = shlex.split(os.environ.get("BENCH_PYTHON", "/usr/bin/python3.11"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "7"))
TMP = tempfile.mkdtemp(prefix="coldbpf-bench-usdt-")

WORKLOAD = r'''
import gc, os, sys, time
mode, go = sys.argv[1], sys.argv[2]
NMOD = 2000
if mode == "import":
    d = sys.argv[3]
    sys.path.insert(0, d)
    tag = "bm%d" % os.getpid()
    for i in range(NMOD):
        with open(os.path.join(d, "%s_%d.py" % (tag, i)), "w") as f:
            f.write("X = %d\ndef f():\n    return X\n" % i)
    import importlib
    importlib.invalidate_caches()
print(os.getpid(), flush=True)
while not os.path.exists(go):
    time.sleep(0.005)
before = sum(s["collections"] for s in gc.get_stats())
t0 = time.process_time()    # the process's CPU time: a uprobe runs in its context
if mode == "gcmicro":       # collections of an almost empty generation 0
    for i in range(200000):
        gc.collect(0)
    events = sum(s["collections"] for s in gc.get_stats()) - before
elif mode == "gc":
    for i in range(6000000):
        a = [i]
        a.append(a)     # a cycle: only the collector frees it
    events = sum(s["collections"] for s in gc.get_stats()) - before
else:
    for i in range(NMOD):
        __import__("%s_%d" % (tag, i))
    events = NMOD
print("%.6f %d" % (time.process_time() - t0, events), flush=True)
'''


def one(mode, how):
    go = os.path.join(TMP, "go%d" % time.monotonic_ns())
    d = os.path.join(TMP, "m%d" % time.monotonic_ns())
    os.makedirs(d)
    script = os.path.join(TMP, "w.py")
    with open(script, "w") as f:
        f.write(WORKLOAD)
    w = subprocess.Popen(PY + [script, mode, go, d], stdout=subprocess.PIPE, text=True)
    agent = None
    try:
        pid = int(w.stdout.readline())
        if how != "base":
            notes = sdt_notes(pid)
            agent = subprocess.Popen([COLDBPF, "-p", str(pid), "-F", "99", "--usdt",
                                      "none" if how == "sample" else "gc,import", "-o", os.path.join(TMP, "p.json")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                time.sleep(0.05)
                if how == "sample":
                    if time.monotonic() > deadline - 13.5:
                        break
                elif notes and all(v > 0 for k, v in semaphores(pid, notes).items() if k.startswith(("gc", "import"))):
                    break
        open(go, "w").close()
        secs, events = w.stdout.readline().split()
        w.wait(timeout=120)
    finally:
        if agent:
            agent.terminate()
            agent.wait(timeout=60)
        if w.poll() is None:
            w.kill()
            w.wait()
    return float(secs), int(events)


def main():
    print("interpreter: %s, %d rounds (interleaved), median" % (" ".join(PY), ROUNDS))
    for mode in ("gcmicro", "gc", "import"):
        res = {h: [] for h in ("base", "sample", "usdt")}
        events = 0
        for _ in range(ROUNDS):
            for h in res:
                s, events = one(mode, h)
                res[h].append(s)
        med = {h: statistics.median(v) for h, v in res.items()}
        per = (med["usdt"] - med["sample"]) / events * 1e6 if events else 0
        print("%-7s %6d events, CPU s: base %.3f, sampling %.3f (%.3fx), sampling+usdt %.3f (%.3fx); "
              "usdt adds %.2f us per event (%+.1f%%)" %
              (mode, events, med["base"], med["sample"], med["sample"] / med["base"], med["usdt"],
               med["usdt"] / med["base"], per, 100 * (med["usdt"] / med["sample"] - 1)))
        print("       rounds: %s" % {h: ["%.3f" % x for x in v] for h, v in res.items()})


if __name__ == "__main__":
    main()
