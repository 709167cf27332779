"""make bench (toggle.py): a Python loop that reads CLOCK_MONOTONIC as fast
as it can for SECONDS and writes every gap between two reads longer than
THRESHOLD ns to OUT ("start_ns length_ns" per line). An interrupt, and
whatever runs in it, shows up as such a gap: its length is what the
interrupted program lost, measured from inside it."""
import sys
import time


def main():
    seconds, threshold, out = float(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    now = time.monotonic_ns
    gaps = []
    prev = now()
    end = prev + int(seconds * 1e9)
    while prev < end:
        t = now()
        if t - prev > threshold:
            gaps.append((prev, t - prev))
        prev = t
    with open(out, "w") as f:
        f.write("".join("%d %d\n" % g for g in gaps))


if __name__ == "__main__":
    main()
