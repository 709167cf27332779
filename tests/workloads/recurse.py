"""Recursion DEPTH deep (default 300), spinning in the deepest frame."""
import sys
import time


def recurse(n, end):
    if n <= 1:
        x = 0
        while time.monotonic() < end: x += 1  # LEAF
        return x
    return recurse(n - 1, end)


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
    depth = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    sys.setrecursionlimit(depth + 100)
    recurse(depth, time.monotonic() + seconds)


if __name__ == "__main__":
    main()
