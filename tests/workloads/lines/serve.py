"""Runs subject.run() (and optional traps), prints READY, then waits to be read.

    python3 serve.py [cprofile] [settrace] [three]
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import subject  # noqa: E402

args = set(sys.argv[1:])
subject.run()
if "cprofile" in args:
    # cProfile on and off while subject code runs (3.12+: sys.monitoring
    # instruments it and puts the warm-up counters back when it is removed)
    import cProfile
    prof = cProfile.Profile()
    prof.enable()
    subject.branchy(1)
    subject.uses_box(2)
    prof.disable()
if "settrace" in args:
    sys.settrace(lambda *a: None)
    subject.loops(3)
    subject.guarded({"a": 1}, "a")
    sys.settrace(None)
if "three" in args:
    for _ in range(3):
        subject.three_times(1)
print("READY", flush=True)
time.sleep(600)
