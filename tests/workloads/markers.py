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


def write_modules(k, d):
    """K fresh modules in DIR, each sleeping 20 ms at import: their tag."""
    tag = "cbmark%d" % os.getpid()
    os.makedirs(d, exist_ok=True)
    for i in range(k):
        with open(os.path.join(d, "%s_%d.py" % (tag, i)), "w") as f:
            f.write("import time\ntime.sleep(0.02)\nVALUE = %d\n" % i)
    sys.path.insert(0, d)
    return tag


def import_modules(tag, k):
    """Import them; print the modules that entered sys.modules."""
    before = set(sys.modules)
    for i in range(k):
        __import__("%s_%d" % (tag, i))
    return "imported " + " ".join(sorted(set(sys.modules) - before))


def collect(n):
    """gc.collect() N times, spin 0.5 s: the gc.get_stats() delta."""
    before = [s["collections"] for s in gc.get_stats()]
    for _ in range(n):
        gc.collect()
    after = [s["collections"] for s in gc.get_stats()]
    spin(0.5)
    return "collections " + " ".join(str(a - b) for a, b in zip(after, before))


def main():
    mode = sys.argv[1]
    if mode == "both":
        n, k, go, d = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
        secs = float(sys.argv[6]) if len(sys.argv) > 6 else 30
        gc.disable()
        tag = write_modules(k, d)
        print(os.getpid(), flush=True)
        wait(go)
        imported = import_modules(tag, k)
        print(collect(n), flush=True)
        print(imported, flush=True)
    elif mode == "gc":
        n, go = int(sys.argv[2]), sys.argv[3]
        secs = float(sys.argv[4]) if len(sys.argv) > 4 else 30
        gc.disable()
        print(os.getpid(), flush=True)
        wait(go)
        print(collect(n), flush=True)
    else:
        k, go, d = int(sys.argv[2]), sys.argv[3], sys.argv[4]
        secs = float(sys.argv[5]) if len(sys.argv) > 5 else 30
        tag = write_modules(k, d)
        print(os.getpid(), flush=True)
        wait(go)
        print(import_modules(tag, k), flush=True)
    time.sleep(secs)


if __name__ == "__main__":
    main()
