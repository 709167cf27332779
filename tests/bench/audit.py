#!/usr/bin/python3
"""What `coldbpf audit` costs the processes it watches (docs/usdt.md, "Audit
events"; root, not a test; part of `make bench`).

Two workloads, each run two ways, interleaved, ROUNDS times (median of the
workload's own CPU time: the uprobe and the decoding run in its context):
  base   no coldbpf
  audit  coldbpf audit -p PID --json (every event decoded and streamed;
         its output to a file, counted)
sysaudit: N sys.audit("cbbench.event", i, "str") calls: the marker alone
        (with its semaphore raised CPython builds the argument tuple)
open:     N open(path, "rb").close() of a small file: one "open" event each,
        beside the system calls it stands for
The workload starts its timed part once the audit marker's semaphore is
raised (read through /proc/PID/mem) and 0.5 s more; printed: the ratio to
base and the cost per event in ns, and the events the stream carried against
the workload's own count (events lost are counted by coldbpf: said).

  BENCH_PYTHON=/usr/bin/python3.11 BENCH_ROUNDS=5 python3 tests/bench/audit.py
"""
import os
import re
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
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
N = int(os.environ.get("BENCH_EVENTS", "200000"))
TMP = tempfile.mkdtemp(prefix="coldbpf-bench-audit-")

WORKLOAD = r'''
import os, sys, time
mode, go, n, path = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
print(os.getpid(), flush=True)
while not os.path.exists(go):
    time.sleep(0.005)
t0 = time.process_time()
if mode == "sysaudit":
    for i in range(n):
        sys.audit("cbbench.event", i, "str")
else:
    for i in range(n):
        open(path, "rb").close()
print("%.6f %d" % (time.process_time() - t0, n), flush=True)
'''


def one(mode, how):
    """(CPU seconds, events the stream carried or None, coldbpf's stderr)."""
    go = os.path.join(TMP, "go%d" % time.monotonic_ns())
    out = os.path.join(TMP, "a%d.jsonl" % time.monotonic_ns())
    script = os.path.join(TMP, "w.py")
    data = os.path.join(TMP, "data.bin")
    with open(script, "w") as f:
        f.write(WORKLOAD)
    with open(data, "wb") as f:
        f.write(b"x" * 64)
    w = subprocess.Popen(PY + [script, mode, go, str(N), data], stdout=subprocess.PIPE, text=True)
    agent, err = None, ""
    try:
        pid = int(w.stdout.readline())
        if how == "audit":
            notes = {"audit": sdt_notes(pid)["audit"]}
            with open(out, "w") as f:
                agent = subprocess.Popen([COLDBPF, "audit", "-p", str(pid), "--json"], stdout=f,
                                         stderr=subprocess.PIPE, text=True)
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and semaphores(pid, notes)["audit"] == 0:
                time.sleep(0.05)
            time.sleep(0.5)     # the program is attached just after the semaphore rises
        open(go, "w").close()
        secs = float(w.stdout.readline().split()[0])
        if agent:
            time.sleep(0.3)     # the ring buffer read every tick
            agent.terminate()
            _, err = agent.communicate(timeout=60)
    finally:
        if agent and agent.poll() is None:
            agent.kill()
            agent.wait()
        w.kill()
        w.wait()
    seen = None
    if how == "audit":
        with open(out) as f:
            if mode == "sysaudit":
                seen = sum(1 for line in f if '"cbbench.event"' in line)
            else:
                seen = sum(1 for line in f if '"open"' in line and data in line)
    return secs, seen, err


def main():
    print("interpreter: %s; %d events per run, %d rounds interleaved (median CPU s of the workload)" %
          (" ".join(PY), N, ROUNDS))
    for mode in ("sysaudit", "open"):
        res = {"base": [], "audit": []}
        seen, lost = [], []
        for _ in range(ROUNDS):
            for how in res:
                secs, s, err = one(mode, how)
                res[how].append(secs)
                if s is not None:
                    seen.append(s)
                    m = re.search(r"(\d+) events lost", err)
                    lost.append(int(m.group(1)) if m else 0)
        med = {h: statistics.median(v) for h, v in res.items()}
        print("  %-8s base %.3f s, audit %.3f s (%.2fx): %.0f ns per event" %
              (mode, med["base"], med["audit"], med["audit"] / med["base"], (med["audit"] - med["base"]) / N * 1e9))
        print("           events streamed per run %s, lost (counted by coldbpf) %s, of %d" % (seen, lost, N))
        print("           rounds: %s" % {h: ["%.3f" % x for x in v] for h, v in res.items()})


if __name__ == "__main__":
    main()
