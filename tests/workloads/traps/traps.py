"""Traps for dead-code evidence (tests/integration/t_deadcode.py, t_cold_traps).

    traps.py MODE SECONDS

Prints "ready" once the trap is set, then stays alive (main() on the stack)
for SECONDS. MODE:
  cprofile   a worker thread waits in queue.get() while main() switches
             cProfile on and off once (a debug endpoint): CPython puts the
             plain RESUME back into code that was executing (worker, main)
  settrace   the same with sys.settrace: traced_only() runs only traced, and
             the Python trace function runs only inside tracing (on 3.13+
             its RESUME stays)
  plain      no monitoring at all
In every mode: a class defined inside a function that never runs (its
method code objects are alive as constants), a class made by a metaclass,
and a function that never runs; classes.py and wrapped.py: classes known
only by their type objects.
"""
import abc
import os
import queue
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import classes  # noqa: E402
import wrapped  # noqa: E402

q = queue.Queue()


def worker():
    while True:
        item = q.get()
        if item is None:
            return


def never_called():
    return len(sys.argv) + 1


def factory_never_called():
    class Inner:
        def method(self):
            return 1
    return Inner


def factory_called():
    class Made:
        def method(self):
            return 2
    return Made


class Base(abc.ABC):
    @abc.abstractmethod
    def run(self):
        pass

    def helper(self):
        return 3


class Impl(Base):
    def run(self):
        return self.helper()


def tracer(frame, event, arg):
    return None


def traced_only():
    return 4


def main():
    mode, seconds = sys.argv[1], float(sys.argv[2])
    t = threading.Thread(target=worker, daemon=True)
    t.start()
    time.sleep(0.2)
    keep = factory_called()
    Impl().run()
    wrapped.view(1)
    if mode == "cprofile":
        import cProfile
        p = cProfile.Profile()
        p.enable()
        sum(range(10))
        p.disable()
    elif mode == "settrace":
        sys.settrace(tracer)
        traced_only()   # the tracer runs for its call event, under tracing
        sys.settrace(None)
    print("ready", flush=True)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        time.sleep(0.05)
    q.put(None)
    return keep


if __name__ == "__main__":
    main()
