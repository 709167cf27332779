#!/usr/bin/python3
"""make bench (part): time to read the execution evidence of a process with
10,000 functions (target < 1 s), and the bytes read; the target keeps running."""
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLDBPF = os.path.join(ROOT, "build", "coldbpf")


def main():
    pythons = sys.argv[1:] or ["/usr/bin/python3.11"]
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "big")
        os.makedirs(src)
        for m in range(100):  # 100 modules x 100 functions, half of them called
            with open(os.path.join(src, "mod%03d.py" % m), "w") as f:
                for i in range(100):
                    f.write("def f%03d(x):\n    return x + %d\n\n" % (i, i))
        driver = ("import sys, time, importlib; sys.path.insert(0, %r)\n"
                  "for m in range(100):\n"
                  "    mod = importlib.import_module('mod%%03d' %% m)\n"
                  "    for i in range(0, 100, 2): getattr(mod, 'f%%03d' %% i)(1)\n"
                  "print('ready', flush=True); time.sleep(60)\n" % src)
        for py in pythons:
            p = subprocess.Popen([py, "-c", driver], stdout=subprocess.PIPE, text=True)
            try:
                assert p.stdout.readline().strip() == "ready"
                t0 = time.perf_counter()
                cp = subprocess.run([COLDBPF, "cold", "-v", "--src", src, "-p", str(p.pid), "--format", "tsv"],
                                    capture_output=True, text=True, check=True)
                total = time.perf_counter() - t0
            finally:
                p.kill()
                p.wait()
            m = re.search(r"(\d+) code objects, (\d+) bytes read", cp.stderr)
            rows = cp.stdout.splitlines()[1:]
            ran = sum(r.startswith("ran\t") for r in rows)
            never = sum(r.startswith("never-ran\t") for r in rows)
            # the scan alone: cold over an empty tree (inventory cost ~0)
            empty = os.path.join(d, "empty")
            os.makedirs(empty, exist_ok=True)
            p = subprocess.Popen([py, "-c", driver], stdout=subprocess.PIPE, text=True)
            p.stdout.readline()
            t1 = time.perf_counter()
            subprocess.run([COLDBPF, "cold", "--src", empty, "-p", str(p.pid)], capture_output=True, check=True)
            scan = time.perf_counter() - t1
            p.kill()
            p.wait()
            print("  evidence of %s with 10,000 functions: %.2f s in all (inventory + scan), scan alone "
                  "%.2f s, %s code objects, %.1f MB read; %d ran, %d never-ran  target < 1 s  %s"
                  % (py, total, scan, m.group(1), int(m.group(2)) / 1e6, ran, never,
                     "ok" if scan < 1 else "OVER"), flush=True)


if __name__ == "__main__":
    main()
