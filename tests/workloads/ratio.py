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
    """ratio.py [SECONDS [TRUTH.json [UNIT]]]: with TRUTH, each function's
    thread CPU time is written there at the end (the in-process truth a test
    compares shares with: on a loaded host 6:3:1 iterations need not be a
    60/30/10 split of the time). UNIT (100,000) sets the iterations of a
    tenth of a cycle: a million makes each call a phase of 0.05-0.3 s."""
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 5.0
    truth = sys.argv[2] if len(sys.argv) > 2 else None
    spent = [0.0, 0.0, 0.0]
    cpu = time.thread_time
    # each call spans many sample periods: a cycle close to the sampling
    # period would alias (a stroboscope) and skew the shares
    unit = int(sys.argv[3]) if len(sys.argv) > 3 else 100_000
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        t0 = cpu()
        work_a(6 * unit)
        t1 = cpu()
        work_b(3 * unit)
        t2 = cpu()
        work_c(1 * unit)
        spent[0] += t1 - t0
        spent[1] += t2 - t1
        spent[2] += cpu() - t2
    if truth:
        import json
        with open(truth, "w") as f:
            json.dump(dict(zip(("work_a", "work_b", "work_c"), spent)), f)


if __name__ == "__main__":
    main()
