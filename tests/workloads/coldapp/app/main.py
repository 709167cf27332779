"""Entry point: exercise part of app.used, then stay alive for a scan."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from app import used  # noqa: E402

KEEP = []


def run():
    used.called_once()
    for _ in range(50):
        used.called_often(100)
    svc = used.Service()
    svc.handle({"a": 1})
    add = used.make_adder(3)
    add(4)
    used.square(5)
    list(used.gen_numbers(3))
    # created, never started, kept alive: its body never ran (a generator
    # dropped unstarted is closed through its frame on 3.8-3.10, which counts
    # as a run there: docs/cold.md)
    KEEP.append(used.gen_never_started())


if __name__ == "__main__":
    run()
    if "--also-never-called" in sys.argv:
        used.never_called(1)  # another "host" that does run it
    print("ready", flush=True)
    time.sleep(float(sys.argv[1]) if len(sys.argv) > 1 else 30)
    KEEP.clear()
