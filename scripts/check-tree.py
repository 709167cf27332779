#!/usr/bin/python3
"""The tree's own rules (docs/design.md "Pipeline", "Naming"), checked by `make unit`:

1. layering: a unit in user/<stage>/ includes headers only from its own
   stage or stages before it: lib < cpython < profile < collect < deadcode
   < output < cli;
2. size: no unit (.c) over 500 lines unless its header says why, with a
   line containing "Over 500 lines:";
3. naming: public functions are noun__verb (the allocation wrappers
   xcalloc/xrealloc/xstrdup and main excepted); file-local functions are
   static and never start with an underscore.
Prints every violation and exits 1 if there is one.
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STAGES = ["lib", "cpython", "profile", "collect", "deadcode", "output", "serve", "cli"]
PUBLIC_EXCEPTIONS = {"main", "xcalloc", "xrealloc", "xstrdup"}
MAX_LINES = 500


def units():
    for stage in STAGES:
        d = os.path.join(ROOT, "user", stage)
        for name in sorted(os.listdir(d)):
            if name.endswith((".c", ".h")):
                yield stage, os.path.join(d, name)


def main():
    bad = []
    for stage, path in units():
        rel = os.path.relpath(path, ROOT)
        text = open(path).read()
        for inc in re.findall(r'^#include "([a-z]+)/[^"]+"', text, re.M):
            if inc in STAGES and STAGES.index(inc) > STAGES.index(stage):
                bad.append("%s: %s/ includes %s/, a later stage" % (rel, stage, inc))
        if path.endswith(".c"):
            n = text.count("\n")
            if n > MAX_LINES and "Over 500 lines:" not in text[:3000]:
                bad.append("%s: %d lines (over %d with no reason at its top)" % (rel, n, MAX_LINES))
        for m in re.finditer(r"^(static\s+)?(?:inline\s+)?(?:const\s+)?(?:struct\s+|enum\s+|unsigned\s+)?"
                             r"[a-z_0-9]+\s*\**\s*\b([A-Za-z_][A-Za-z_0-9]*)\(", text, re.M):
            is_static, name = m.group(1), m.group(2)
            if name in ("if", "while", "for", "switch", "return", "sizeof"):
                continue
            if name.startswith("_"):
                bad.append("%s: %s: leading underscore" % (rel, name))
            elif not is_static and "__" not in name and name not in PUBLIC_EXCEPTIONS:
                bad.append("%s: %s: public function not named noun__verb" % (rel, name))
    for b in bad:
        print("check-tree: " + b)
    print("check-tree: %s" % ("%d problem(s)" % len(bad) if bad else "layering, sizes and names ok"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
