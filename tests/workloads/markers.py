"""Workload of t_usdt: known GC collections and imports, started on a signal.

markers.py gc N GO [SECS]        automatic GC off; once the file GO exists,
                                 gc.collect() N times, then spin 0.5 s
markers.py import K GO DIR [SECS]   writes K fresh modules into DIR (each
                                 sleeps 20 ms at import); once GO exists,
                                 imports them
markers.py both N K GO DIR [SECS]   both: K fresh modules imported, then
                                 N collections with automatic GC off, then
                                 spin 0.5 s
Prints its PID first, then what it did (gc.get_stats() delta; the modules
that entered sys.modules), then sleeps SECS (default 30) so that its
memory can be read after the profiler has gone.
"""
import gc
import os
import sys
import time


def wait(go):
    while not os.path.exists(go):
        time.sleep(0.01)


def spin(secs):
    end = time.monotonic() + secs
    x = 0
    while time.monotonic() < end:
        x += 1
    return x


def main():
    mode = sys.argv[1]
    if mode == "both":
        n, k, go, d = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
        secs = float(sys.argv[6]) if len(sys.argv) > 6 else 30
        gc.disable()
        tag = "cbmark%d" % os.getpid()
        os.makedirs(d, exist_ok=True)
        for i in range(k):
            with open(os.path.join(d, "%s_%d.py" % (tag, i)), "w") as f:
                f.write("import time\ntime.sleep(0.02)\nVALUE = %d\n" % i)
        sys.path.insert(0, d)
        print(os.getpid(), flush=True)
        wait(go)
        before = set(sys.modules)
        for i in range(k):
            __import__("%s_%d" % (tag, i))
        imported = sorted(set(sys.modules) - before)
        stats = [s["collections"] for s in gc.get_stats()]
        for _ in range(n):
            gc.collect()
        after = [s["collections"] for s in gc.get_stats()]
        spin(0.5)
        print("collections", " ".join(str(a - b) for a, b in zip(after, stats)), flush=True)
        print("imported", " ".join(imported), flush=True)
    elif mode == "gc":
        n, go = int(sys.argv[2]), sys.argv[3]
        secs = float(sys.argv[4]) if len(sys.argv) > 4 else 30
        gc.disable()
        print(os.getpid(), flush=True)
        wait(go)
        before = [s["collections"] for s in gc.get_stats()]
        for _ in range(n):
            gc.collect()
        after = [s["collections"] for s in gc.get_stats()]
        spin(0.5)
        print("collections", " ".join(str(a - b) for a, b in zip(after, before)), flush=True)
    else:
        k, go, d = int(sys.argv[2]), sys.argv[3], sys.argv[4]
        secs = float(sys.argv[5]) if len(sys.argv) > 5 else 30
        tag = "cbmark%d" % os.getpid()
        os.makedirs(d, exist_ok=True)
        for i in range(k):
            with open(os.path.join(d, "%s_%d.py" % (tag, i)), "w") as f:
                f.write("import time\ntime.sleep(0.02)\nVALUE = %d\n" % i)
        sys.path.insert(0, d)
        print(os.getpid(), flush=True)
        wait(go)
        before = set(sys.modules)
        for i in range(k):
            __import__("%s_%d" % (tag, i))
        print("imported", " ".join(sorted(set(sys.modules) - before)), flush=True)
    time.sleep(secs)


if __name__ == "__main__":
    main()
