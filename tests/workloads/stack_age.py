"""Phase A, a long phase B, phase A again (seconds A B A as arguments), each
function's own thread CPU time written to TRUTH (JSON). With a stack age
shorter than B the agent forgets A's stack during B; A's second phase must be
stored again, not counted against a stack the map no longer holds."""
import json
import sys
import time


def phase_a(seconds):
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


def phase_b(seconds):
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


def main():
    a, b, truth = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
    spent = {"phase_a": 0.0, "phase_b": 0.0}
    for name, fn, s in (("phase_a", phase_a, a), ("phase_b", phase_b, b), ("phase_a", phase_a, a)):
        t0 = time.thread_time()
        fn(s)
        spent[name] += time.thread_time() - t0
    with open(truth, "w") as f:
        json.dump(spent, f)


if __name__ == "__main__":
    main()
