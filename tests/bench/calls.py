#!/usr/bin/python3
"""What --calls costs, and which calls it sees (docs/usdt.md "Calls"; root,
not a test; part of `make bench`).

1. Cost: a loop calling a small function N times, run three ways,
   interleaved, ROUNDS times (median of the workload's own CPU time: a
   uprobe runs in the target's context):
     base    no coldbpf
     sample  coldbpf -p PID (sampling only, 99 Hz)
     calls   coldbpf -p PID --calls
   printed with the slowdown against base and the cost per call in ns.
2. Coverage: calls of several kinds (a plain call, a sort key and a map()
   callback called from C, __init__, a property, __getitem__, generators
   driven by a for loop, a lambda), each counted by the workload itself and
   by --calls, with PYTHON_JIT=0 and 1 where the interpreter has a JIT
   (sid's 3.15): what the marker misses is printed per kind.

  BENCH_PYTHON=".../chroot-python /var/cache/coldbpf/roots/sid python3.15" python3 tests/bench/calls.py
  BENCH_PYTHON=".../chroot-python /var/cache/coldbpf/roots/bullseye python3.9" python3 tests/bench/calls.py
Without BENCH_PYTHON: both of those, when their roots exist (make roots).
"""
import json
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
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
N = int(os.environ.get("BENCH_CALLS", "1000000"))
TMP = tempfile.mkdtemp(prefix="coldbpf-bench-calls-")

WORKLOAD = r'''
import os, sys, time
mode, go, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
counts = dict.fromkeys(("plain", "keyf", "mapf", "C.__init__", "C.prop", "C.__getitem__", "gen",
                        "main.<locals>.lam"), 0)

def plain():
    counts["plain"] += 1

def keyf(x):
    counts["keyf"] += 1
    return -x

def mapf(x):
    counts["mapf"] += 1
    return x

class C:
    def __init__(self):
        counts["C.__init__"] += 1

    @property
    def prop(self):
        counts["C.prop"] += 1
        return 1

    def __getitem__(self, i):
        counts["C.__getitem__"] += 1
        return i

def gen(k):
    counts["gen"] += 1
    for i in range(k):
        yield i

def main():
    print(os.getpid(), flush=True)
    while not os.path.exists(go):
        time.sleep(0.005)
    t0 = time.process_time()    # the process's CPU time: a uprobe runs in its context
    if mode == "cost":
        for _ in range(n):
            plain()
    else:
        def lam():
            counts["main.<locals>.lam"] += 1
        for _ in range(n):
            plain()
        sorted(range(n), key=keyf)
        list(map(mapf, range(n)))
        c = None
        for _ in range(n):
            c = C()
        for _ in range(n):
            c.prop
        for i in range(n):
            c[i]
        for _ in range(n // 10):
            for _ in gen(3):
                pass
        for _ in range(n):
            lam()
    dt = time.process_time() - t0
    print("%.6f %s" % (dt, " ".join("%s=%d" % kv for kv in counts.items())), flush=True)

main()
'''


def one(py, mode, how, n, env=None):
    """(CPU seconds, the workload's counts, the profile or None)."""
    go = os.path.join(TMP, "go%d" % time.monotonic_ns())
    out = os.path.join(TMP, "p%d.json" % time.monotonic_ns())
    script = os.path.join(TMP, "w.py")
    with open(script, "w") as f:
        f.write(WORKLOAD)
    w = subprocess.Popen(py + [script, mode, go, str(n)], stdout=subprocess.PIPE, text=True,
                         env=dict(os.environ, **(env or {})))
    agent = None
    try:
        pid = int(w.stdout.readline())
        if how != "base":
            notes = sdt_notes(pid)
            fe = {"function__entry": notes["function__entry"]} if "function__entry" in notes else {}
            agent = subprocess.Popen([COLDBPF, "-p", str(pid), "-F", "99", "-o", out] +
                                     (["--calls"] if how == "calls" else []),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                time.sleep(0.05)
                if how == "sample" or not fe:
                    if time.monotonic() > deadline - 13.5:
                        break
                elif semaphores(pid, fe)["function__entry"] > 0:
                    time.sleep(0.5)     # the program is attached just after the semaphore rises
                    break
        open(go, "w").close()
        line = w.stdout.readline().split()
        secs, counts = float(line[0]), {k: int(v) for k, v in (kv.split("=") for kv in line[1:])}
        if agent:
            agent.terminate()
            agent.wait(timeout=60)
        w.kill()
        w.wait()
    finally:
        if agent and agent.poll() is None:
            agent.kill()
            agent.wait()
        if w.poll() is None:
            w.kill()
            w.wait()
    prof = None
    if how == "calls" and os.path.exists(out):
        with open(out) as f:
            prof = json.load(f)
    return secs, counts, prof


def counted(prof, script):
    """{qualname: calls} of the workload's functions, from the profile."""
    got = {}
    for p in prof["processes"]:
        u = p.get("usdt") or {}
        for fi, n in u.get("calls", []):
            f = prof["functions"][fi]
            if f["file"].endswith("/w.py"):
                got[f["qualname"]] = got.get(f["qualname"], 0) + n
    return got, [(p.get("usdt") or {}).get("calls_status") for p in prof["processes"]]


def bench(py):
    print("interpreter: %s" % " ".join(py))
    res = {h: [] for h in ("base", "sample", "calls")}
    for _ in range(ROUNDS):
        for h in res:
            res[h].append(one(py, "cost", h, N)[0])
    med = {h: statistics.median(v) for h, v in res.items()}
    print("  cost: %d calls of a small function, CPU s (median of %d, interleaved): base %.3f, "
          "sampling %.3f (%.2fx), sampling+--calls %.3f (%.2fx); --calls adds %.0f ns per call" %
          (N, ROUNDS, med["base"], med["sample"], med["sample"] / med["base"], med["calls"],
           med["calls"] / med["base"], (med["calls"] - med["sample"]) / N * 1e9))
    print("        rounds: %s" % {h: ["%.3f" % x for x in v] for h, v in res.items()})
    has_jit = subprocess.run(py + ["-c", "import sys; j = getattr(sys, '_jit', None); "
                                   "sys.exit(0 if j and j.is_available() else 1)"]).returncode == 0
    n = N // 10
    for jit in (("0", "1") if has_jit else (None,)):
        _, truth, prof = one(py, "kinds", "calls", n, {"PYTHON_JIT": jit} if jit else None)
        got, status = counted(prof, "w.py")
        print("  coverage%s (%d of each kind; workload's count -> --calls):" %
              (" PYTHON_JIT=%s" % jit if jit else "", n))
        st = prof["stats"]
        print("    (resumes apart %d, unread %d, lost %d)" % (st["calls_resumes"], st["calls_unread"], st["calls_lost"]))
        if status != ["counted"]:
            print("    calls not counted here: %s" % status)
            continue
        for k, v in truth.items():
            g = got.get(k, 0)
            print("    %-24s %8d -> %8d%s" % (k, v, g, "" if g == v else "  (%+d, %.1f%% missed)" %
                                            (g - v, 100.0 * (v - g) / v if v else 0)))


def main():
    env = os.environ.get("BENCH_PYTHON")
    if env:
        pys = [shlex.split(env)]
    else:
        roots = os.environ.get("COLDBPF_ROOTS", "/var/cache/coldbpf/roots")
        chroot = os.path.join(ROOT, "tests", "tools", "chroot-python")
        pys = [[chroot, os.path.join(roots, r), p] for r, p in (("bullseye", "python3.9"), ("sid", "python3.15"))
               if os.path.exists(os.path.join(roots, r, ".complete"))]
    for py in pys:
        bench(py)


if __name__ == "__main__":
    main()
