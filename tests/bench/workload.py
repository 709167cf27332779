"""CPU-bound, call-heavy, fixed work (not fixed time): many small Python calls."""
import sys


def leaf(x):
    return x * 3 + 1


def middle(n):
    s = 0
    for i in range(n):
        s += leaf(i) & 0xff
    return s


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    t = 0
    for _ in range(rounds):
        t += middle(20000) + fib(18)
    print(t)


if __name__ == "__main__":
    main()
