"""6:3:1 CPU workload: three identical loops whose iteration counts are fixed
at 6:3:1, so their self time must split 60/30/10. Each loop sits on one line
(the hot line); work_never is defined but never called."""
import sys
import time


def work_a(n):
    x = 0
    for i in range(n): x += i * i % 7  # HOT-A
    return x


def work_b(n):
    x = 0
    for i in range(n): x += i * i % 7  # HOT-B
    return x


def work_c(n):
    x = 0
    for i in range(n): x += i * i % 7  # HOT-C
    return x


def work_never():
    return sum(range(10))


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 5.0
    # each call spans many sample periods: a cycle close to the sampling
    # period would alias (a stroboscope) and skew the shares
    unit = 100_000
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        work_a(6 * unit)
        work_b(3 * unit)
        work_c(1 * unit)


if __name__ == "__main__":
    main()
