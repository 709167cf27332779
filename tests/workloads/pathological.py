"""A process whose every sample is a new stack: random recursion through 8
call sites, 40 deep (8**40 stacks). It would fill a shared stacks map by
itself; coldbpf must stop it at its quota while others are profiled as usual.
Usage: pathological.py SECONDS"""
import random
import sys
import time


def walk(n):
    if n == 0:
        end = time.perf_counter() + 0.0005
        while time.perf_counter() < end:
            pass
        return
    c = random.randrange(8)
    if c == 0:
        walk(n - 1)
    elif c == 1:
        walk(n - 1)
    elif c == 2:
        walk(n - 1)
    elif c == 3:
        walk(n - 1)
    elif c == 4:
        walk(n - 1)
    elif c == 5:
        walk(n - 1)
    elif c == 6:
        walk(n - 1)
    else:
        walk(n - 1)


end = time.time() + float(sys.argv[1])
while time.time() < end:
    walk(40)
