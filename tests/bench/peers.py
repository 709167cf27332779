#!/usr/bin/python3
"""make bench: coldbpf beside CPython's own sampling profiler, in one run.

Both profile Debian sid's python3.15 (in the tests' root, run like a
container with /proc mounted so that `python3.15 -m profiling.sampling` can
read its child) at 999 Hz:
  - slowdown of a fixed CPU-bound workload (tests/bench/workload.py), timed
    inside the workload, against the same workload alone, pairs in rotating
    order: median, min, max, and the A/A noise band (alone vs alone)
  - the profiler's CPU seconds (the tree's CPU minus the workload's own) and
    the peak RSS of the tree's largest process (the profiler's: alone, the
    workload's peak is printed too)
  - share error: the 6:3:1 workload (tests/workloads/ratio.py), self shares
    of work_a/b/c against 60/30/10, largest error in points
  - samples lost: 1 - samples / (rate x the workload's CPU seconds)
Not a test: numbers for docs/design.md.
"""
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLDBPF = os.environ.get("COLDBPF", os.path.join(ROOT, "build", "coldbpf"))
SID = os.environ.get("COLDBPF_SID", "/var/cache/coldbpf/roots/sid")
PAIRS = int(os.environ.get("BENCH_PEER_PAIRS", "5"))
HZ = 999
TMP = tempfile.mkdtemp(prefix="coldbpf-peers-")
NCPU = os.cpu_count() or 1
WORK_CPU = str(NCPU - 1)


def in_root(args):
    """python3.15 ARGS in the sid root, in a mount namespace of its own, /proc
    mounted (profiling.sampling reads /proc/PID/maps), the repository and
    /tmp at their host paths; pinned to the workload's CPU."""
    script = ('mount --bind /tmp "$0/tmp" && mkdir -p "$0$1" && mount --bind "$1" "$0$1" && '
              'mount -t proc proc "$0/proc" && shift && exec chroot "$R" "$@"')
    return ["taskset", "-c", WORK_CPU, "unshare", "-m", "--propagation", "private", "--", "env", "R=" + SID,
            "sh", "-c", script, SID, ROOT, "python3.15"] + args


def run(kind, script, args):
    """(workload wall, workload CPU, profiler CPU, tree peak RSS MB, samples, stdout)."""
    out = os.path.join(TMP, "t%d.json" % time.monotonic_ns())
    target = [os.path.join(ROOT, "tests", "bench", "timed.py"), out, script] + args
    prof = os.path.join(TMP, "p%d" % time.monotonic_ns())
    if kind == "alone":
        cmd = in_root(target)
    elif kind == "coldbpf":
        cmd = [COLDBPF, "-F", str(HZ), "-o", prof + ".json", "--"] + in_root(target)
    else:
        cmd = in_root(["-m", "profiling.sampling", "run", "-r", str(HZ), "--collapsed", "-o", prof + ".txt"] +
                      target)
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    text = p.stdout.read()
    _, status, ru = os.wait4(p.pid, 0)
    if status:
        raise SystemExit("%s failed: %s" % (kind, text[-2000:]))
    with open(out) as f:
        t = json.load(f)
    samples = {}
    if kind == "coldbpf":
        with open(prof + ".json") as f:
            pj = json.load(f)
        names = {i: f["qualname"] for i, f in enumerate(pj["functions"])}
        for s in pj["stacks"]:
            leaf = names[s["frames"][-1][0]] if s["frames"] else "?"
            samples[leaf] = samples.get(leaf, 0) + s["count"]
    elif kind == "sampling":
        with open(prof + ".txt") as f:
            for line in f:
                stack, _, n = line.rstrip().rpartition(" ")
                leaf = stack.rsplit(";", 1)[-1].split(":")
                name = leaf[1] if len(leaf) >= 3 else leaf[0]
                samples[name] = samples.get(name, 0) + int(n)
    total_cpu = ru.ru_utime + ru.ru_stime
    return t["wall"], t["cpu"], total_cpu - t["cpu"], ru.ru_maxrss / 1024.0, samples, text


def main():
    if os.geteuid() != 0:
        raise SystemExit("needs root")
    if not os.path.exists(os.path.join(SID, ".complete")):
        print("peers: no sid root at %s: skipped" % SID)
        return
    print("coldbpf vs CPython's profiling.sampling (sid's python3.15 %s), %d Hz, %d pairs, workload on CPU %s"
          % (subprocess.run(in_root(["-c", "import sys; print(sys.version.split()[0])"]), capture_output=True,
                            text=True).stdout.strip(), HZ, PAIRS, WORK_CPU))
    work = os.path.join(ROOT, "tests", "bench", "workload.py")
    kinds = ["alone", "alone2", "coldbpf", "sampling"]
    res = {k: [] for k in kinds}
    for i in range(PAIRS):
        order = kinds[i % 4:] + kinds[:i % 4]
        for k in order:
            res[k].append(run("alone" if k == "alone2" else k, work, ["600"]))
    base = [r[0] for r in res["alone"]]
    aa = [b[0] / a for a, b in zip(base, res["alone2"])]
    print("  noise (alone vs alone, wall): median %.4fx, min %.4f, max %.4f" % (statistics.median(aa), min(aa), max(aa)))
    print("  workload alone: %.2f s wall, peak RSS %.1f MB" % (statistics.median(base),
                                                               statistics.median(r[3] for r in res["alone"])))
    for k, name in (("coldbpf", "coldbpf -F 999"), ("sampling", "profiling.sampling -r 999")):
        r = [x[0] / a for x, a in zip(res[k], base)]
        print("  %-26s slowdown %.4fx (min %.4f max %.4f); profiler CPU %.3f s per %.2f s run; "
              "peak RSS in the tree %.1f MB"
              % (name, statistics.median(r), min(r), max(r), statistics.median(x[2] for x in res[k]),
                 statistics.median(x[0] for x in res[k]), statistics.median(x[3] for x in res[k])), flush=True)
    ratio = os.path.join(ROOT, "tests", "workloads", "ratio.py")
    for k, name in (("coldbpf", "coldbpf"), ("sampling", "profiling.sampling")):
        wall, cpu, _, _, samples, _ = run(k, ratio, ["5"])
        got = {n: samples.get(n, 0) for n in ("work_a", "work_b", "work_c")}
        tot = sum(got.values()) or 1
        err = max(abs(100.0 * got[n] / tot - want) for n, want in (("work_a", 60), ("work_b", 30), ("work_c", 10)))
        allsamples = sum(samples.values())
        print("  %-26s 6:3:1 shares %s, largest error %.1f points; %d samples for %.2f CPU s: %.1f%% lost"
              % (name, "/".join("%.1f" % (100.0 * got[n] / tot) for n in ("work_a", "work_b", "work_c")), err,
                 allsamples, cpu, max(0.0, 100.0 * (1 - allsamples / (HZ * cpu)))), flush=True)


if __name__ == "__main__":
    main()
