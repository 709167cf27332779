"""Workload of t_usdt_calls (--calls): calls known exactly, started on a signal.

calls.py N K G C S GO [SECS]
    once the file GO exists: calls f() N times; makes G generators and
    takes K items from each; makes C coroutines and drives each through S
    suspensions (each an await of Step(), whose __await__ is a generator);
    two threads call g() N // 4 times each, at the same time;
    then prints "done", the in-process counts as "name=count" pairs, and
    sleeps SECS (default 30).
Prints its PID first. Every count is the workload's own: f() counts its
calls, the generator and coroutine bodies count their first entries.
"""
import os
import sys
import threading
import time

counts = {"f": 0, "gen": 0, "coro": 0, "Step.__await__": 0, "g": 0}


def f():
    counts["f"] += 1


def gen(k):
    counts["gen"] += 1
    for i in range(k):
        yield i


def g(mine):
    mine[0] += 1     # each thread its own counter: += on a shared one races


def worker(n, out):
    mine = [0]
    for _ in range(n):
        g(mine)
    out.append(mine[0])


class Step:
    def __await__(self):
        counts["Step.__await__"] += 1
        yield


async def coro(s):
    counts["coro"] += 1
    for _ in range(s):
        await Step()


def main():
    n, k, g, c, s = (int(x) for x in sys.argv[1:6])
    go = sys.argv[6]
    secs = float(sys.argv[7]) if len(sys.argv) > 7 else 30
    print(os.getpid(), flush=True)
    while not os.path.exists(go):
        time.sleep(0.01)
    for _ in range(n):
        f()
    for _ in range(g):
        it = gen(k)
        for _ in range(k):
            next(it)
    for _ in range(c):
        co = coro(s)
        try:
            while True:
                co.send(None)
        except StopIteration:
            pass
    done = []
    ts = [threading.Thread(target=worker, args=(n // 4, done)) for _ in range(2)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    counts["g"] = sum(done)
    print("done", " ".join("%s=%d" % kv for kv in counts.items()), flush=True)
    time.sleep(secs)


if __name__ == "__main__":
    main()
