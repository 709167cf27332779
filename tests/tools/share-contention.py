#!/usr/bin/python3
"""Sampled shares against in-process truth under CPU contention (issue 11).

    share-contention.py [--hz HZ] [--seconds S] [--reps N] [--workload W]
                        [--loads LOAD,...] INTERP...

INTERP: sid3.13, sid3.14, sid3.15 (Debian sid's, through
tests/tools/chroot-python and the root tests/tools/mkroot.sh makes) or an
interpreter's path. LOAD: quiet; busy (nproc shell busy loops at this
nice level); nicebusy (the same at nice 10); cc (a `make -j nproc` loop
compiling coldbpf's C sources with gcc -O2, over and over); nicecc (the same
under nice, as engineers build); pinned (the target and one busy loop both
bound to CPU 0: time-sliced against each other, the scheduler's slices
against the 10 ms sample period). Each run profiles tests/workloads/shares.py
(or W, a file with work_a/b/c) for S seconds of wall time at HZ, like the
issue's short runs, and prints the sampled shares next to the process's own
time.thread_time() per function. Runs hold /tmp/coldbpf-it.lock (BPF tests
are serialized on shared hosts). Needs root and a built build/coldbpf.
"""
import argparse
import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLDBPF = os.path.join(ROOT, "build", "coldbpf")
NAMES = ("work_a", "work_b", "work_c")


def interp_cmd(name):
    if name.startswith("sid3."):
        return [os.path.join(ROOT, "tests", "tools", "chroot-python"),
                os.environ.get("COLDBPF_ROOTS", "/var/cache/coldbpf/roots") + "/sid",
                "python" + name[3:]]
    return [name]


def start_load(kind, tmp):
    # each load is a process group of its own (killed as one), in this
    # session: with sched_autogroup a new session is a scheduling group of
    # its own, where nice no longer counts against the target
    n = os.cpu_count() or 1
    nice = ["nice", "-n", "10"] if kind.startswith("nice") else []
    if kind == "quiet":
        return []
    if kind == "pinned":
        return [subprocess.Popen(["taskset", "-c", "0", "sh", "-c", "while :; do :; done"],
                                 preexec_fn=os.setpgrp)]
    if kind in ("busy", "nicebusy"):
        return [subprocess.Popen(nice + ["sh", "-c", "while :; do :; done"], preexec_fn=os.setpgrp)
                for _ in range(n)]
    if kind in ("cc", "nicecc"):
        d = os.path.join(tmp, "cc")
        if not os.path.exists(d):
            shutil.copytree(os.path.join(ROOT, "user"), os.path.join(d, "user"))
            shutil.copytree(os.path.join(ROOT, "include"), os.path.join(d, "include"))
            with open(os.path.join(d, "Makefile"), "w") as f:
                f.write("SRC := $(wildcard user/*/*.c)\nall: $(SRC:.c=.o)\n"
                        "%%.o: %%.c\n\t-gcc -O2 -g -Iinclude -Iuser -I%s/build -I%s/build/gen -c $< -o $@\n"
                        "clean:\n\trm -f user/*/*.o\n" % (ROOT, ROOT))
        loop = "while :; do make -s clean; %s make -s -j%d; done >/dev/null 2>&1" % (" ".join(nice), n)
        return [subprocess.Popen(["sh", "-c", loop], cwd=d, preexec_fn=os.setpgrp)]
    raise SystemExit("unknown load %r" % kind)


def stop_load(procs):
    for p in procs:
        try:
            os.killpg(p.pid, 9)
        except ProcessLookupError:
            pass
        p.wait()


def one(interp, load, hz, seconds, workload, tmp):
    out = os.path.join(tmp, "p%d.json" % time.monotonic_ns())
    truth = os.path.join(tmp, "t%d.json" % time.monotonic_ns())
    with open("/tmp/coldbpf-it.lock", "a") as lk:
        fcntl.flock(lk, fcntl.LOCK_EX)
        procs = start_load(load, tmp)
        try:
            time.sleep(1)
            # CPU seconds far beyond the wall cap: the run lasts `seconds` of wall time
            pin = ["taskset", "-c", "0"] if load == "pinned" else []
            cp = subprocess.run([COLDBPF, "-F", str(hz), "-o", out, "--"] + pin + interp_cmd(interp) +
                                [workload, "1000", truth, str(seconds)], capture_output=True, text=True)
        finally:
            stop_load(procs)
    if cp.returncode:
        raise SystemExit("coldbpf failed: %s" % cp.stderr)
    with open(out) as f:
        prof = json.load(f)
    if not os.path.exists(truth):
        print("%-8s %-9s no truth file: the workload failed: %s" % (interp, load, cp.stdout[-2000:]), flush=True)
        return 0
    with open(truth) as f:
        tr = json.load(f)
    idx = {i: f["qualname"] for i, f in enumerate(prof["functions"])
           if f["file"].endswith(os.path.basename(workload)) and f["qualname"] in NAMES}
    c = dict.fromkeys(NAMES, 0)
    for st in prof["stacks"]:
        n = idx.get(st["frames"][-1][0]) if st["frames"] else None
        if n:
            c[n] += st["count"]
    tot = max(1, sum(c.values()))
    tt = sum(tr[n] for n in NAMES)
    share = {n: 100.0 * c[n] / tot for n in NAMES}
    truth_sh = {n: 100.0 * tr[n] / tt for n in NAMES}
    st = prof["stats"]
    dev = max(abs(share[n] - truth_sh[n]) for n in NAMES)
    print("%-8s %-9s %4d Hz %2ss %5d samples  %s  truth %s  max dev %4.1f  cpu/wall %.2f  "
          "recorded %d/%d" % (interp, load, hz, seconds, tot,
                              "/".join("%4.1f" % share[n] for n in NAMES),
                              "/".join("%4.1f" % truth_sh[n] for n in NAMES), dev,
                              tr["cpu"] / tr["wall"], st["recorded"], st["python_samples"]), flush=True)
    return dev


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hz", type=int, default=99)
    ap.add_argument("--seconds", type=float, default=8)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--workload", default=os.path.join(ROOT, "tests", "workloads", "shares.py"))
    ap.add_argument("--loads", default="quiet,busy,cc")
    ap.add_argument("interps", nargs="+")
    a = ap.parse_args()
    interps, loads = a.interps, a.loads.split(",")
    tmp = tempfile.mkdtemp(prefix="coldbpf-contention-")
    worst = {}
    try:
        for load in loads:
            for interp in interps:
                for _ in range(a.reps):
                    d = one(interp, load, a.hz, a.seconds, a.workload, tmp)
                    worst[(interp, load)] = max(worst.get((interp, load), 0), d)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("worst deviation from the in-process truth (points):")
    for (interp, load), d in sorted(worst.items()):
        print("  %-8s %-9s %4.1f" % (interp, load, d))


if __name__ == "__main__":
    sys.exit(main())
