"""Subinterpreters beside (and inside) a busy main interpreter.

    subinterp.py MODE SECONDS [OUT.json]

MODE
  idle       one idle subinterpreter exists; the main thread runs main_work
             (the issue's case: the newest interpreter, first in the list, has
             no thread state of the main thread)
  alternate  the main thread alternates main_work in the main interpreter and
             sub_work inside a subinterpreter (one OS thread, thread states in
             two interpreters), 50 ms each
  thread     a second thread of the main interpreter runs sub_work inside a
             subinterpreter while the main thread runs main_work

OUT.json gets the in-process CPU time of main_work and sub_work (the truth a
profile's shares are checked against). Works on 3.8-3.12 (_xxsubinterpreters),
3.13 (_interpreters) and 3.14+ (concurrent.interpreters / _interpreters).
"""
import json
import sys
import threading
import time

try:
    import _interpreters as _interp        # 3.13+
except ImportError:
    import _xxsubinterpreters as _interp   # 3.8-3.12


def run(iid, src):
    if hasattr(_interp, "exec"):
        err = _interp.exec(iid, src)
        if err is not None:
            raise RuntimeError(str(err))
    else:
        _interp.run_string(iid, src)


SUB_SRC = '''
import time
def sub_spin(n):
    t = 0
    for i in range(n):
        t += i * i
    return t
def sub_work(seconds):
    end = time.process_time() + seconds
    while time.process_time() < end:
        sub_spin(2000)
'''


def main_spin(n):
    t = 0
    for i in range(n):
        t += i * i
    return t


def main_work(seconds):
    end = time.process_time() + seconds
    while time.process_time() < end:
        main_spin(2000)


def main():
    mode, seconds = sys.argv[1], float(sys.argv[2])
    out = sys.argv[3] if len(sys.argv) > 3 else None
    iid = _interp.create()
    run(iid, SUB_SRC)
    print("ready", flush=True)     # a profiler may attach now (-p)
    spent = {"main_work": 0.0, "sub_work": 0.0}
    stop = time.monotonic() + seconds
    if mode == "idle":
        t0 = time.thread_time()
        main_work(seconds)
        spent["main_work"] = time.thread_time() - t0
    elif mode == "alternate":
        while time.monotonic() < stop:
            t0 = time.thread_time()
            main_work(0.05)
            t1 = time.thread_time()
            run(iid, "sub_work(0.05)")
            t2 = time.thread_time()
            spent["main_work"] += t1 - t0
            spent["sub_work"] += t2 - t1
    elif mode == "thread":
        def worker():
            t0 = time.thread_time()
            while time.monotonic() < stop:
                run(iid, "sub_work(0.05)")
            spent["sub_work"] = time.thread_time() - t0

        th = threading.Thread(target=worker)
        th.start()
        t0 = time.thread_time()
        while time.monotonic() < stop:
            main_work(0.05)
        spent["main_work"] = time.thread_time() - t0
        th.join()
    else:
        raise SystemExit("unknown mode " + mode)
    _interp.destroy(iid)
    if out:
        with open(out, "w") as fh:
            json.dump(spent, fh)


if __name__ == "__main__":
    main()
