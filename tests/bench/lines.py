#!/usr/bin/python3
"""make bench (part): cost of cold --lines on a process with 20,000 live
functions that ran (200 modules x 100, each with an if never taken): time of
the scan with and without line statuses, bytes read, peak memory of coldbpf;
the target keeps running and is never paused."""
import glob
import os
import re
import resource
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLDBPF = os.path.join(ROOT, "build", "coldbpf")


def run(args):
    """(seconds, stderr, peak RSS of the child in MB)."""
    t0 = time.perf_counter()
    cp = subprocess.run([COLDBPF] + args, capture_output=True, text=True, check=True)
    return time.perf_counter() - t0, cp.stderr, cp.stdout


def main():
    pythons = sys.argv[1:] or sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.1[2-9].*/bin/python3.1[2-9]")))
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "big")
        os.makedirs(src)
        for m in range(200):
            with open(os.path.join(src, "mod%03d.py" % m), "w") as f:
                for i in range(100):
                    f.write("def f%03d(x):\n    y = x + %d\n    if y < 0:\n        y = abs(y)\n"
                            "        print(y)\n    return y\n\n" % (i, i))
        driver = ("import sys, time, importlib; sys.path.insert(0, %r)\n"
                  "for m in range(200):\n"
                  "    mod = importlib.import_module('mod%%03d' %% m)\n"
                  "    for i in range(100): getattr(mod, 'f%%03d' %% i)(1)\n"
                  "print('ready', flush=True); time.sleep(120)\n" % src)
        empty = os.path.join(d, "empty")
        os.makedirs(empty)
        for py in pythons:
            p = subprocess.Popen([py, "-c", driver], stdout=subprocess.PIPE, text=True)
            try:
                assert p.stdout.readline().strip() == "ready"
                plain, err0, _ = run(["cold", "-v", "--src", empty, "-p", str(p.pid)])
                r0 = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
                lines, err1, _ = run(["cold", "-v", "--lines", "--src", empty, "-p", str(p.pid)])
                r1 = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
                full, _, out = run(["cold", "--lines", "--src", src, "-p", str(p.pid), "--format", "tsv"])
            finally:
                p.kill()
                p.wait()
            b0 = int(re.search(r"(\d+) bytes read", err0).group(1))
            b1 = int(re.search(r"(\d+) bytes read", err1).group(1))
            rows = out.splitlines()[1:]
            never = sum(r.startswith("never-ran\t") for r in rows)
            print("  lines of %s, 20,000 functions that ran: scan %.2f s and %.1f MB read without lines, "
                  "%.2f s and %.1f MB with; coldbpf peak RSS %.0f MB; with the inventory %.2f s, "
                  "%d line rows, %d never-ran (the 40,000 lines of the untaken ifs)"
                  % (py, plain, b0 / 1e6, lines, b1 / 1e6, max(r0, r1) / 1024, full, len(rows), never),
                  flush=True)


if __name__ == "__main__":
    main()
