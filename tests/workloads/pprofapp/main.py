"""The pprof test's workload (tests/integration/t_pprof.py): hot() takes
about three times the CPU of warm(), forever; `main.py a` runs lib.a once,
`main.py b` lib.b; lib.never never runs; lib.branchy takes the side of its
mode (--once: then exit, for coverage.py). With --unread-child it also starts
a short-lived child of the same program that exits before any evidence read
can reach it (it may have run anything: nothing is never-ran then)."""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import lib  # noqa: E402


def hot(n):
    total = 0
    for i in range(n):
        total += i * i
    return total


def warm(n):
    total = 0
    for i in range(n):
        total += i
    return total


if __name__ == "__main__":
    if sys.argv[1] == "child":
        lib.a()
        time.sleep(0.2)
        os._exit(0)
    getattr(lib, sys.argv[1])()
    lib.branchy(sys.argv[1])
    if "--once" in sys.argv:
        sys.exit(0)
    if "--unread-child" in sys.argv:
        for _ in range(3):
            time.sleep(0.5)
            subprocess.run([sys.executable, os.path.abspath(__file__), "child"], check=True)
    while True:
        hot(30000)
        warm(10000)
