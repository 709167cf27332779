"""Spin for SECONDS in a function named after TAG (a unique marker per process)."""
import sys
import time


class Spinner:
    def run(self, end):
        x = 0
        while time.monotonic() < end: x += 1  # SPIN
        return x


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
    Spinner().run(time.monotonic() + seconds)


if __name__ == "__main__":
    main()
