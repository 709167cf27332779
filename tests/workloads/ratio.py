"""6:3:1 CPU workload: three identical loops whose iteration counts are fixed
at 6:3:1, so their self time must split 60/30/10."""
import sys
import time


def work_a(n):
    x = 0
    for i in range(n):
        x += i * i % 7  # HOT-A
    return x


def work_b(n):
    x = 0
    for i in range(n):
        x += i * i % 7  # HOT-B
    return x


def work_c(n):
    x = 0
    for i in range(n):
        x += i * i % 7  # HOT-C
    return x


def never_called():
    return 42


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 5.0
    unit = 2000
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        work_a(6 * unit)
        work_b(3 * unit)
        work_c(1 * unit)


if __name__ == "__main__":
    main()
