"""Writes a module of random functions (branches, loops, try/except, with,
early returns, raises, generators, comprehensions) from a seed, and a job that
calls each with seeded arguments, prints "ready" and waits: a ground truth for
line evidence against coverage.py (t_lines_vs_coverage_generated).

    python3 genprog.py SEED N OUTDIR     writes OUTDIR/gen_mod.py and OUTDIR/gen_job.py
"""
import os
import random
import sys

COND = ["x > {a}", "x % {m} == {r}", "y is None", "not y", "x < {a} and y", "len(s) > {a}",
        "x in (1, 2, {a})", "isinstance(y, int)", "x == {a}"]
SIMPLE = ["acc += x * {a}", "acc -= len(s)", "s = s + str(x)", "acc = acc ^ {a}", "y = (y or 0) + 1",
          "acc += sum(i for i in range({m}))", "acc += len([c for c in s if c > '{c}'])",
          "acc = max(acc, helper(x))", "s = s.upper() if x else s.lower()", "d[x] = acc",
          "acc += d.get({a}, 0)", "o.v = acc", "acc += o.v"]


class Gen:
    def __init__(self, rnd):
        self.r = rnd

    def fmt(self, t):
        r = self.r
        return t.format(a=r.randint(0, 9), m=r.randint(2, 5), r=r.randint(0, 1), c=r.choice("abcmz"))

    def block(self, depth, ind, out, in_loop=False):
        for _ in range(self.r.randint(1, 3)):
            k = self.r.random()
            p = "    " * ind
            if depth > 0 and k < 0.25:
                out.append(p + "if " + self.fmt(self.r.choice(COND)) + ":")
                self.block(depth - 1, ind + 1, out, in_loop)
                if self.r.random() < 0.5:
                    out.append(p + "elif " + self.fmt(self.r.choice(COND)) + ":")
                    self.block(depth - 1, ind + 1, out, in_loop)
                if self.r.random() < 0.5:
                    out.append(p + "else:")
                    self.block(depth - 1, ind + 1, out, in_loop)
            elif depth > 0 and k < 0.35:
                out.append(p + "for i in range(x %% %d):" % self.r.randint(2, 4))
                self.block(depth - 1, ind + 1, out, True)
            elif depth > 0 and k < 0.42:
                out.append(p + "while acc > %d:" % self.r.randint(100, 10000))
                out.append(p + "    acc //= 2")
                self.block(depth - 1, ind + 1, out, True)
            elif depth > 0 and k < 0.52:
                out.append(p + "try:")
                self.block(depth - 1, ind + 1, out, in_loop)
                out.append(p + "except (KeyError, ValueError, ZeroDivisionError) as e:")
                out.append(p + "    acc += len(str(e))")
                self.block(depth - 1, ind + 1, out, in_loop)
                if self.r.random() < 0.3:
                    out.append(p + "finally:")
                    out.append(p + "    o.n += 1")
            elif depth > 0 and k < 0.57:
                out.append(p + "with ctx():")
                self.block(depth - 1, ind + 1, out, in_loop)
            elif k < 0.62:
                out.append(p + "if " + self.fmt(self.r.choice(COND)) + ":")
                out.append(p + "    return acc")
            elif k < 0.66:
                out.append(p + "if " + self.fmt(self.r.choice(COND)) + ":")
                out.append(p + "    raise ValueError(%d)" % self.r.randint(0, 99))
            elif k < 0.69:
                out.append(p + "acc += d[%d]" % self.r.randint(0, 12))
            elif k < 0.71:
                out.append(p + "acc += 10 // (x - %d)" % self.r.randint(0, 6))
            elif in_loop and k < 0.74:
                out.append(p + "if " + self.fmt(self.r.choice(COND)) + ":")
                out.append(p + "    " + self.r.choice(["break", "continue"]))
            else:
                out.append(p + self.fmt(self.r.choice(SIMPLE)))


def main():
    seed, n, outdir = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    rnd = random.Random(seed)
    g = Gen(rnd)
    out = ["import contextlib", "", "", "class O:", "    v = 0", "    n = 0", "", "",
           "@contextlib.contextmanager", "def ctx():", "    yield", "", "",
           "def helper(x):", "    return x * 3", "", ""]
    for f in range(n):
        gen = rnd.random() < 0.15
        out.append("def f%d(x, y, s, d, o):" % f)
        out.append("    acc = 0")
        body = []
        g.block(3, 1, body)
        out += body
        if gen:
            out.append("    yield acc")
            out.append("    yield len(s)")
        else:
            out.append("    return acc")
        out += ["", ""]
    with open(os.path.join(outdir, "gen_mod.py"), "w") as fh:
        fh.write("\n".join(out) + "\n")
    job = ["import os, sys, time, random", "sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))",
           "import gen_mod", "rnd = random.Random(%d)" % seed, "keep = []",
           "for f in range(%d):" % n,
           "    fn = getattr(gen_mod, 'f%d' % f)",
           "    for call in range(rnd.randint(0, 4)):",
           "        args = (rnd.randint(0, 8), rnd.choice([None, 0, 1, 5]), rnd.choice(['', 'ab', 'xyz']),",
           "                {k: k for k in range(rnd.randint(0, 8))}, gen_mod.O())",
           "        try:",
           "            r = fn(*args)",
           "            if hasattr(r, '__next__'):",
           "                keep.append(r)",
           "                for _ in range(rnd.randint(0, 2)):",
           "                    next(r, None)",
           "        except (ValueError, KeyError, ZeroDivisionError):",
           "            pass",
           "print('ready', flush=True)",
           "if len(sys.argv) > 1:",
           "    time.sleep(float(sys.argv[1]))"]
    with open(os.path.join(outdir, "gen_job.py"), "w") as fh:
        fh.write("\n".join(job) + "\n")


if __name__ == "__main__":
    main()
