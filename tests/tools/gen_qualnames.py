"""Record CPython's co_qualname for every code object of a source file, as
'FIRSTLINE CO_NAME QUALNAME' lines: the truth for coldbpf's source-based
qualified names (needs 3.11+).  python3.11 tests/tools/gen_qualnames.py FILE"""
import sys
import types


def codes(co):
    yield co
    for c in co.co_consts:
        if isinstance(c, types.CodeType):
            yield from codes(c)


path = sys.argv[1]
with open(path) as f:
    top = compile(f.read(), path, "exec")
for co in codes(top):
    print(co.co_firstlineno, co.co_name, co.co_qualname)
