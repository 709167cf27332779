"""Record line tables of real code objects with the line CPython itself gives
for every instruction, as a fixture for tests/unit/test_linetable.c.

    python3.X tests/tools/gen_linetables.py > tests/data/linetables-3.X.txt

Truth per version: co_positions() (3.11+, one entry per code unit), co_lines()
(3.10, byte ranges), dis.findlinestarts() (3.8/3.9). Lines: 'code NAME FIRST HEX'
then 'at LASTI LINE ...' where LASTI is what coldbpf's BPF walker records:
bytes on 3.8/3.9, code units from 3.10 (-1 = no line).
"""
import dis
import sys
import types

SOURCES = ["json.decoder", "json.encoder", "textwrap", "string", "fractions"]


def codes(co):
    yield co
    for c in co.co_consts:
        if isinstance(c, types.CodeType):
            yield from codes(c)


def truth(co):
    """[(lasti, line)] for every instruction."""
    v = sys.version_info[:2]
    if v >= (3, 11):
        return [(i, -1 if p[0] is None else p[0]) for i, p in enumerate(co.co_positions())]
    if v == (3, 10):
        out = []
        for start, end, line in co.co_lines():
            for off in range(start, end, 2):
                out.append((off // 2, -1 if line is None else line))
        return out
    starts = dict(dis.findlinestarts(co))
    out, line = [], co.co_firstlineno
    for off in range(0, len(co.co_code), 2):
        line = starts.get(off, line)
        out.append((off, line))
    return out


def table(co):
    return co.co_linetable if sys.version_info >= (3, 10) else co.co_lnotab


def main():
    v = sys.version_info
    kind = 1 if v < (3, 10) else 2 if v < (3, 11) else 3
    print("# CPython %d.%d.%d kind %d" % (v[0], v[1], v[2], kind))
    n = 0
    for modname in SOURCES:
        mod = __import__(modname, fromlist=["_"])
        with open(mod.__file__) as f:
            top = compile(f.read(), mod.__file__, "exec")
        for co in codes(top):
            print("code %s %d %s" % (co.co_name.replace(" ", "_"), co.co_firstlineno, table(co).hex() or "-"))
            pairs = truth(co)
            for i in range(0, len(pairs), 32):
                print("at " + " ".join("%d %d" % p for p in pairs[i:i + 32]))
            n += 1
    print("# %d code objects" % n)


if __name__ == "__main__":
    main()
