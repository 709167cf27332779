"""Four threads, each running a different function until the deadline."""
import sys
import threading
import time


def spin_one(end):
    x = 0
    while time.monotonic() < end: x += 1  # HOT-1


def spin_two(end):
    x = 0
    while time.monotonic() < end: x += 2  # HOT-2


def spin_three(end):
    x = 0
    while time.monotonic() < end: x += 3  # HOT-3


def spin_four(end):
    x = 0
    while time.monotonic() < end: x += 4  # HOT-4


def main():
    end = time.monotonic() + (float(sys.argv[1]) if len(sys.argv) > 1 else 3.0)
    ts = [threading.Thread(target=f, args=(end,)) for f in (spin_one, spin_two, spin_three, spin_four)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


if __name__ == "__main__":
    main()
