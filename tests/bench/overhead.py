#!/usr/bin/python3
"""make bench: what coldbpf costs the programs it watches. Not a test.

Runs a fixed CPU-bound, call-heavy Python workload alternately without and
with `coldbpf --all-python` (ABBA order, workload pinned to one CPU, agent
to the other), and prints side by side, from this one run:
  - slowdown: median over pairs of (time with) / (time without), per rate
  - BPF ns per Python sample at stack depth 32 (in-program clock) and the
    kernel's run-time stats per run
  - the agent's CPU seconds and peak RSS
Targets (issue 2): <= 1.005x at 99 Hz, <= 1.02x at 999 Hz, <= 2 us per
sample at depth 32, agent RSS <= 20 MB.
"""
import os
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLDBPF = os.path.join(ROOT, "build", "coldbpf")
PY = os.environ.get("BENCH_PYTHON", "/usr/bin/python3.11")
WORK = os.path.join(ROOT, "tests", "bench", "workload.py")
PAIRS = int(os.environ.get("BENCH_PAIRS", "8"))
ROUNDS = os.environ.get("BENCH_ROUNDS", "1200")
NCPU = os.cpu_count() or 1
WORK_CPU, AGENT_CPU = str(NCPU - 1), "0"


def run_workload():
    t0 = time.perf_counter()
    subprocess.run(["taskset", "-c", WORK_CPU, PY, WORK, ROUNDS], check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def start_agent(hz, extra=()):
    p = subprocess.Popen(["taskset", "-c", AGENT_CPU, COLDBPF, "-v", "--all-python", "-F", str(hz),
                          "--stats", "--top", "3"] + list(extra),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in p.stderr:	# wait until the sampler is attached
        if "sampling" in line and "CPUs at" in line:
            return p
    raise SystemExit("coldbpf did not start: %s" % p.communicate()[1])


def measure(hz):
    ratios = []
    for i in range(PAIRS):
        order = ("off", "on") if i % 2 == 0 else ("on", "off")
        times = {}
        for mode in order:
            if mode == "off":
                times[mode] = run_workload()
            else:
                p = start_agent(hz)
                times[mode] = run_workload()
                p.send_signal(2)
                p.communicate(timeout=60)
        ratios.append(times["on"] / times["off"])
    return ratios


def agent_cost(hz, seconds=10):
    """The agent's CPU seconds and peak RSS over `seconds` of sampling the workload."""
    p = subprocess.Popen(["taskset", "-c", AGENT_CPU, COLDBPF, "-v", "--all-python", "-F", str(hz),
                          "-d", str(seconds), "--top", "3"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in p.stderr:
        if "CPUs at" in line:
            break
    w = subprocess.Popen(["taskset", "-c", WORK_CPU, PY, WORK, "100000"], stdout=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    w.kill()
    w.wait()
    return ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024.0


def bpf_cost(depth):
    out = subprocess.run([COLDBPF, "-F", "999", "--stats", "--max-depth", "256", "--",
                          "taskset", "-c", WORK_CPU, PY,
                          os.path.join(ROOT, "tests", "workloads", "recurse.py"), "3", str(depth)],
                         capture_output=True, text=True, check=True).stdout
    per_sample = float(re.search(r"bpf_ns_per_python_sample\s+(\d+)", out).group(1))
    per_run = re.search(r"bpf_ns_per_run\s+(\d+)", out)
    return per_sample, float(per_run.group(1)) if per_run else float("nan")


def main():
    if os.geteuid() != 0:
        raise SystemExit("make bench needs root (it loads BPF)")
    print("coldbpf overhead benchmark: %s, %d pairs per rate, workload pinned to CPU %s"
          % (PY, PAIRS, WORK_CPU))
    base = statistics.median(run_workload() for _ in range(3))
    print("workload alone: %.2f s" % base)
    rows = []
    for hz, target in ((99, 1.005), (999, 1.02)):
        r = measure(hz)
        med = statistics.median(r)
        rows.append((hz, med, target, min(r), max(r)))
        print("  %4d Hz: slowdown %.4fx (median of %d pairs; min %.4f max %.4f)  target <= %.3fx  %s"
              % (hz, med, len(r), min(r), max(r), target, "ok" if med <= target else "OVER"), flush=True)
    for depth in (5, 32, 122):
        ns, run = bpf_cost(depth)
        tgt = " target <= 2000 ns  %s" % ("ok" if ns <= 2000 else "OVER") if depth == 32 else ""
        print("  BPF at stack depth %3d: %5.0f ns per Python sample (kernel stats: %5.0f ns per run)%s"
              % (depth, ns, run, tgt), flush=True)
    for hz in (99, 999):
        cpu, rss = agent_cost(hz)
        print("  agent at %4d Hz over 10 s: %.3f CPU s (%.2f%% of a CPU), peak RSS %.1f MB  target <= 20 MB  %s"
              % (hz, cpu, cpu * 10, rss, "ok" if rss <= 20 else "OVER"), flush=True)


if __name__ == "__main__":
    main()
