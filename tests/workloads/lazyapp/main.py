"""PEP 810 explicit lazy imports (CPython 3.15+): what a lazy import binds
is loaded on first use, so dead-code evidence must follow the first use,
not the import statement.

    main.py TRIGGER SECONDS

Prints "ready" and the lazy modules loaded so far (only lazy_from, used at
once), waits for TRIGGER (a file that appears, or a number of seconds),
touches lazy_later, prints "touched" and the modules loaded, then lives
SECONDS more. lazy_never is never touched: never loaded."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

lazy import lazy_never
lazy import lazy_later
lazy from lazy_from import used

LAZY = ("lazy_never", "lazy_later", "lazy_from")


def loaded():
    return ",".join(m for m in LAZY if m in sys.modules) or "-"


def main():
    used()
    print("ready", loaded(), flush=True)
    trigger = sys.argv[1]
    try:
        time.sleep(float(trigger))
    except ValueError:
        while not os.path.exists(trigger):
            time.sleep(0.02)
    lazy_later.later_used()
    print("touched", loaded(), flush=True)
    time.sleep(float(sys.argv[2]))


if __name__ == "__main__":
    main()
